//! Record linkage in the app on every backend: a run over two source lists finds the pairs
//! of the same person, accepting links them to one case (audited), undo separates them
//! again, the source records stay as received, pairs with a record the reviewer may not
//! see are hidden from them, persons merges are reversible, and the capture histories of
//! the linked lists have the expected counts.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::protection::missing::{self as m, MissingInput};
use dignity_store::protection::sources::{self as s, Mapping};
use dignity_store::stats::linkage::{self as l, QueueFilter, RunSettings};
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::{self as v, PersonInput, Vocab};
use dignity_store::{Backend, StoreError};
use sqlx::Row;

/// Twelve people; the ICRC documented 0–7, the commission 4–11 (so 4–7 are on both).
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("Agron Krasniqi", "1971-05-04", "Gjakova", "M"),
    ("Dragana Jovanović", "1980-02-02", "Prizren", "F"),
    ("Besnik Gashi", "1965-02-11", "Peja", "M"),
    ("Lirije Berisha", "1990-07-19", "Ferizaj", "F"),
    ("Fatmir Hoxha", "1958-12-01", "Mitrovica", "M"),
    ("Vjosa Morina", "1984-03-23", "Gjilan", "F"),
    ("Milan Petrović", "1962-09-30", "Istog", "M"),
    ("Shpresa Kelmendi", "1977-01-15", "Deçan", "F"),
    ("Ilir Rexhepi", "1969-06-06", "Podujeva", "M"),
    ("Teuta Zeqiri", "1993-10-10", "Rahovec", "F"),
    ("Bekim Shala", "1981-04-27", "Suhareka", "M"),
    ("Ardita Bytyqi", "1974-08-08", "Malisheva", "F"),
];

fn csv(prefix: &str, range: std::ops::Range<usize>, typo: bool) -> s::Table {
    let mut text = String::from("ID,Full name,DOB,Place,Sex\n");
    for i in range {
        let (n, d, p, x) = PEOPLE[i];
        // The commission spells some names differently.
        let n = if typo && i == 5 { "Vjosa Murina" } else { n };
        text.push_str(&format!("{prefix}-{i},{n},{d},{p},{x}\n"));
    }
    s::read_csv(text.as_bytes()).unwrap()
}

fn mapping() -> Mapping {
    [
        ("external_id", "ID"),
        ("name", "Full name"),
        ("birth_date", "DOB"),
        ("place", "Place"),
        ("sex", "Sex"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

/// A fresh store with the documenters dora and dan, the analyst ana and the coordinator cora
/// (in this order), and both source lists imported by cora: the store, the four, and the
/// ICRC's list.
async fn setup(b: Backend) -> (TestStore, [Actor; 4], i64) {
    let st = common::fresh_store(b).await;
    let who: Vec<Actor> = common::users(
        &st,
        &[
            ("dora", Role::Documenter),
            ("dan", Role::Documenter),
            ("ana", Role::Analyst),
            ("cora", Role::Coordinator),
        ],
    )
    .await
    .into_iter()
    .map(|(_, a)| a)
    .collect();
    let who: [Actor; 4] = who.try_into().unwrap();
    let coo = &who[3];
    let (icrc, comm) = common::icrc_and_commission(&st, coo).await;
    // Records 4 to 7 on both lists; the commission spells one of them differently.
    for (source, file, list) in [
        (icrc, "icrc.csv", csv("K", 0..8, false)),
        (comm, "comm.csv", csv("C", 4..12, true)),
    ] {
        s::import_list(
            &st,
            coo,
            source,
            file,
            &list,
            &mapping(),
            &s::ImportOptions::default(),
        )
        .await
        .unwrap();
    }
    (st, who, icrc)
}

async fn ext_ids(st: &TestStore, a: i64, b: i64) -> (String, String) {
    let x = s::get_record(st, a).await.unwrap().unwrap().external_id;
    let y = s::get_record(st, b).await.unwrap().unwrap().external_id;
    if x < y {
        (x, y)
    } else {
        (y, x)
    }
}

async fn audit_actions(st: &TestStore) -> Vec<String> {
    common::texts(st, "SELECT action FROM audit_log ORDER BY seq").await
}

fn all() -> QueueFilter {
    QueueFilter {
        run: None,
        status: Some("all".into()),
        order: Some("highest".into()),
    }
}

#[tokio::test]
async fn linkage_over_source_lists_review_merge_undo_and_capture_histories() {
    for b in backends() {
        let (st, [doc, doc2, ana, coo], icrc) = setup(b).await;

        // Only documenters and above run linkage.
        assert!(l::start_run(&st, &ana, &RunSettings::default())
            .await
            .is_err());
        // Settings, decisions and strata are parsed in core: a refusal names its field.
        let field = |e: StoreError| match e {
            StoreError::Rejected(i) => i.field.to_string(),
            e => panic!("not a refused input: {e}"),
        };
        for (settings, f) in [
            (
                RunSettings {
                    scope: "people".into(),
                    ..Default::default()
                },
                "scope",
            ),
            (
                RunSettings {
                    min_probability: 1.5,
                    ..Default::default()
                },
                "min_probability",
            ),
            (
                RunSettings {
                    max_pairs: 0,
                    ..Default::default()
                },
                "max_pairs",
            ),
        ] {
            let e = l::start_run(&st, &doc, &settings).await.unwrap_err();
            assert_eq!(field(e), f);
        }
        let e = l::capture_histories(&st, &doc, Some("country"))
            .await
            .unwrap_err();
        assert_eq!(field(e), "stratum");
        let run = l::start_run(&st, &doc, &RunSettings::default())
            .await
            .unwrap();
        assert_eq!(run.records, 16);
        assert_eq!(run.started_by, doc.user_id);
        assert!(run.model["fields"].as_array().unwrap().len() == 5);
        assert_eq!(audit_actions(&st).await.last().unwrap(), "linkage.run");

        // The four people on both lists are the pairs above 50 %.
        let (total, pairs) = l::queue(&st, &doc, &all(), 1000, 0).await.unwrap();
        assert_eq!(total as usize, pairs.len());
        let mut likely = vec![];
        for p in pairs.iter().filter(|p| p.probability >= 0.5) {
            likely.push(ext_ids(&st, p.left_id, p.right_id).await);
        }
        likely.sort();
        let want: Vec<(String, String)> = (4..8)
            .map(|i| (format!("C-{i}"), format!("K-{i}")))
            .collect();
        assert_eq!(likely, want);
        // The explanation names fields and weights; no name is stored in clear.
        let top = &pairs[0];
        assert!(top.probability > 0.9);
        assert!(top
            .explanation
            .iter()
            .any(|f| f.field == "name" && f.weight > 0.0));
        let stored = common::texts(&st, "SELECT explanation FROM stat_linkage_pairs UNION ALL SELECT model FROM stat_linkage_runs").await;
        for (n, _, p, _) in PEOPLE {
            for word in n.split(' ').chain([*p]) {
                assert!(stored.iter().all(|s| !s.contains(word)), "{word} stored");
            }
        }
        // An analyst sees no pairs.
        assert_eq!(l::queue(&st, &ana, &all(), 100, 0).await.unwrap().0, 0);

        // Side by side: fields aligned.
        let view = l::get_pair(&st, &doc, top.id).await.unwrap().unwrap();
        assert_eq!(view.left.values[0].0, "name");
        assert_eq!(view.left.values[1], view.right.values[1]); // same date of birth
        let before_l = s::get_record(&st, top.left_id).await.unwrap().unwrap();
        let before_r = s::get_record(&st, top.right_id).await.unwrap().unwrap();

        // Accept: both records on one case; audited.
        let acts_before = audit_actions(&st).await;
        st.write(&doc, async |tx| l::decide(tx, top.id, "accept").await)
            .await
            .unwrap();
        let after_l = s::get_record(&st, top.left_id).await.unwrap().unwrap();
        let after_r = s::get_record(&st, top.right_id).await.unwrap().unwrap();
        let case = after_l.missing_id.expect("linked");
        assert_eq!(after_r.missing_id, Some(case));
        let acts = audit_actions(&st).await;
        assert_eq!(acts.last().unwrap(), "linkage.accept");
        let links = |a: &[String]| a.iter().filter(|x| *x == "source_record.link").count();
        assert_eq!(links(&acts) - links(&acts_before), 2);
        let recs = s::records_of_case(&st, case).await.unwrap();
        assert_eq!(recs.len(), 2);
        // Deciding again needs an undo first; a decision is one of three.
        for d in ["reject", "merge"] {
            let e = st
                .write(&doc, async |tx| l::decide(tx, top.id, d).await)
                .await
                .unwrap_err();
            assert_eq!(field(e), "decision", "{d}");
        }

        // Undo: separate again; the records are as received.
        st.write(&doc, async |tx| l::undo(tx, top.id).await)
            .await
            .unwrap();
        let undone_l = s::get_record(&st, top.left_id).await.unwrap().unwrap();
        let undone_r = s::get_record(&st, top.right_id).await.unwrap().unwrap();
        assert_ne!(undone_l.missing_id, undone_r.missing_id);
        assert_eq!(
            (undone_l.missing_id.is_some() as u8) + (undone_r.missing_id.is_some() as u8),
            1,
            "the case opened by the acceptance keeps the record it was opened from"
        );
        for (a, b) in [(&before_l, &undone_l), (&before_r, &undone_r)] {
            assert_eq!(
                (&a.name, &a.raw, &a.birth_date, &a.external_id),
                (&b.name, &b.raw, &b.birth_date, &b.external_id)
            );
        }
        assert_eq!(audit_actions(&st).await.last().unwrap(), "linkage.undo");
        let again = l::get_pair(&st, &doc, top.id).await.unwrap().unwrap();
        assert_eq!(again.pair.status, "pending");
        assert_eq!(
            sqlx::query("SELECT COUNT(*) FROM pro_source_records")
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get::<i64, _>(0),
            16
        );

        // Unsure: the pair leaves the pending queue for the unsure one.
        let low = pairs.last().unwrap();
        st.write(&doc, async |tx| l::decide(tx, low.id, "unsure").await)
            .await
            .unwrap();
        let unsure = QueueFilter {
            status: Some("unsure".into()),
            ..all()
        };
        assert_eq!(
            l::queue(&st, &doc, &unsure, 10, 0).await.unwrap().1[0].id,
            low.id
        );
        let pending = QueueFilter {
            status: None,
            ..all()
        };
        assert_eq!(
            l::queue(&st, &doc, &pending, 1000, 0).await.unwrap().0 as usize,
            pairs.len() - 1
        );

        // Accept all four; reject the rest: the capture histories count 4 + 4 + 4.
        for p in &pairs {
            let d = if p.probability >= 0.5 {
                "accept"
            } else {
                "reject"
            };
            st.write(&doc, async |tx| l::decide(tx, p.id, d).await)
                .await
                .unwrap();
        }
        let ch = l::capture_histories(&st, &doc, None).await.unwrap();
        assert_eq!(ch.lists, vec!["Commission".to_string(), "ICRC".to_string()]);
        let rows: Vec<(Vec<bool>, i64)> = ch.rows.iter().map(|r| (r.0.clone(), r.2)).collect();
        assert_eq!(
            rows,
            vec![
                (vec![false, true], 4),
                (vec![true, false], 4),
                (vec![true, true], 4)
            ]
        );
        assert_eq!(ch.observed(), 12);
        assert_eq!(ch.to_csv(), "Commission,ICRC,count\n0,1,4\n1,0,4\n1,1,4\n");
        let by_sex = l::capture_histories(&st, &doc, Some("sex")).await.unwrap();
        let female_both: i64 = by_sex
            .rows
            .iter()
            .filter(|r| r.0 == vec![true, true] && r.1 == "female")
            .map(|r| r.2)
            .sum();
        assert_eq!(female_both, 2); // Vjosa Morina, Shpresa Kelmendi
        assert!(l::capture_histories(&st, &doc, Some("colour"))
            .await
            .is_err());
        // dignity-stats reads the table.
        let t = dignity_stats::mse::read_capture_reader(by_sex.to_csv().as_bytes(), Some("sex"))
            .unwrap();
        assert_eq!(t.strata.len(), 2);

        // A record on a case the reviewer may not see: its pairs are hidden from them.
        let vocab = Vocab::load(&st).await.unwrap();
        let secret = st
            .write(&coo, async |tx| {
                m::create_missing(
                    tx,
                    &vocab,
                    &MissingInput {
                        person: dignity_store::protection::NewPerson {
                            name: "Agron Krasniqi".into(),
                            ..Default::default()
                        },
                        confidentiality: "confidential".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        let (_, icrc_recs) = s::records(&st, Some(icrc), false, 100, 0).await.unwrap();
        let agron = icrc_recs.iter().find(|r| r.external_id == "K-0").unwrap();
        st.write(&coo, async |tx| s::link(tx, agron.id, secret, true).await)
            .await
            .unwrap();
        // A commission record of the same person, imported later.
        let comm = s::sources(&st)
            .await
            .unwrap()
            .iter()
            .find(|x| x.name == "Commission")
            .unwrap()
            .id;
        s::import_list(
            &st,
            &coo,
            comm,
            "comm2.csv",
            &s::read_csv(b"ID,Full name,DOB,Place,Sex\nC-0,Agron Krasniqi,1971-05-04,Gjakova,M\n")
                .unwrap(),
            &mapping(),
            &s::ImportOptions::default(),
        )
        .await
        .unwrap();
        let run2 = l::start_run(&st, &doc2, &RunSettings::default())
            .await
            .unwrap();
        let f2 = QueueFilter {
            run: Some(run2.id),
            ..all()
        };
        let mut coo_sees = false;
        for p in l::queue(&st, &coo, &f2, 1000, 0).await.unwrap().1 {
            if [p.left_id, p.right_id].contains(&agron.id) {
                coo_sees = true;
            }
        }
        assert!(coo_sees, "the case's creator sees the pair");
        let (n2, seen) = l::queue(&st, &doc2, &f2, 1000, 0).await.unwrap();
        assert_eq!(n2 as usize, seen.len());
        assert!(seen
            .iter()
            .all(|p| ![p.left_id, p.right_id].contains(&agron.id)));
        let hidden = sqlx::query("SELECT id FROM stat_linkage_pairs WHERE run_id = $1 AND (left_id = $2 OR right_id = $2)")
            .bind(run2.id)
            .bind(agron.id)
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get::<i64, _>(0);
        assert!(l::get_pair(&st, &doc2, hidden).await.unwrap().is_none());
        assert!(st
            .write(&doc2, async |tx| l::decide(tx, hidden, "accept").await)
            .await
            .is_err());
        // ... and neither are counted in their capture histories.
        // dan sees the unlinked records only (K-1..3, C-8..11, C-0); dora her four cases too.
        assert_eq!(
            l::capture_histories(&st, &doc2, None)
                .await
                .unwrap()
                .observed(),
            8
        );
        assert_eq!(
            l::capture_histories(&st, &doc, None)
                .await
                .unwrap()
                .observed(),
            12
        );
    }
}

#[tokio::test]
async fn linkage_over_violations_persons_merge_and_undo() {
    for b in backends() {
        let (st, [doc, doc2, ..], _) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let mut ids = vec![];
        for (i, (n, d, _, _)) in PEOPLE.iter().enumerate() {
            let n = if i == 3 { "Lirije Berisa" } else { n };
            for _ in 0..(if i == 3 { 2 } else { 1 }) {
                let id = st
                    .write(&doc, async |tx| {
                        v::create_person(
                            tx,
                            &vocab,
                            &PersonInput {
                                name: n.into(),
                                birth_date: d.to_string(),
                                confidentiality: "internal".into(),
                                ..Default::default()
                            },
                        )
                        .await
                    })
                    .await
                    .unwrap();
                ids.push(id);
            }
        }
        let orig_id = st
            .write(&doc, async |tx| {
                v::create_person(
                    tx,
                    &vocab,
                    &PersonInput {
                        name: "Lirije Berisha".into(),
                        birth_date: "1990-07-19".into(),
                        confidentiality: "confidential".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        let run = l::start_run(
            &st,
            &doc,
            &RunSettings {
                scope: "persons".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(run.records, 14);
        let (_, pairs) = l::queue(&st, &doc, &all(), 100, 0).await.unwrap();
        let top = &pairs[0];
        assert_eq!(top.left_kind, "person");
        assert!(top.probability > 0.5);
        let berisha = [ids[3], ids[4], orig_id];
        assert!(berisha.contains(&top.left_id) && berisha.contains(&top.right_id));

        // A confidential person (on dora's list only): dan does not see its pairs.
        assert!(pairs
            .iter()
            .any(|p| [p.left_id, p.right_id].contains(&orig_id)));
        let (n2, seen) = l::queue(&st, &doc2, &all(), 100, 0).await.unwrap();
        assert_eq!(n2 as usize, seen.len());
        assert!(seen.len() < pairs.len());
        // The run's counts are dan's too: they do not reveal how many pairs he cannot see.
        let n1 = l::queue(&st, &doc, &all(), 100, 0).await.unwrap().0;
        assert!(n2 < n1);
        for (who, n) in [(&doc2, n2), (&doc, n1)] {
            let r = l::runs(&st, who)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.id == run.id)
                .unwrap();
            assert_eq!(
                (r.pairs, r.pending + r.accepted + r.rejected + r.unsure),
                (n, n)
            );
        }
        assert!(seen
            .iter()
            .all(|p| ![p.left_id, p.right_id].contains(&orig_id)));

        st.write(&doc, async |tx| l::decide(tx, top.id, "accept").await)
            .await
            .unwrap();
        let group = l::merged_group(&st, top.right_id).await.unwrap();
        assert_eq!(group, vec![top.left_id, top.right_id]);
        assert!(audit_actions(&st)
            .await
            .contains(&"person.merge".to_string()));
        // Both person records are still there, unchanged.
        for id in [top.left_id, top.right_id] {
            assert!(v::get_person(&st, id).await.unwrap().is_some());
        }
        st.write(&doc, async |tx| l::undo(tx, top.id).await)
            .await
            .unwrap();
        assert_eq!(
            l::merged_group(&st, top.right_id).await.unwrap(),
            vec![top.right_id]
        );
        assert_eq!(
            l::merged_group(&st, top.left_id).await.unwrap(),
            vec![top.left_id]
        );
        let acts = audit_actions(&st).await;
        assert_eq!(
            &acts[acts.len() - 2..],
            &["person.unmerge".to_string(), "linkage.undo".to_string()]
        );
    }
}
