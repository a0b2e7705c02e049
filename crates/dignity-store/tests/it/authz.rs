//! Authorization of record reads and writes where the rules live (the store), on every
//! backend: a record the reader may not read answers exactly like one that does not exist
//! (hole 2); who may see a record is changed only with `ManageAccess` at both levels, and
//! audited (hole 3); a record is visible only with everything it discloses (hole 4);
//! read-only roles cannot write, and nothing is linked to a record its writer cannot read
//! (hole 7); source records are linked only by readers of both ends (hole 8).

use crate::common;
use dignity_core::auth::Action;
use dignity_core::{Actor, Role};
use dignity_store::protection::missing::{self as m, MissingInput};
use dignity_store::protection::sources as s;
use dignity_store::protection::{self as p};
use dignity_store::testing::fixtures::{import_csv, missing_case};
use dignity_store::testing::{backends, store, TestStore};
use dignity_store::violations::evidence::{self, EvidenceInput};
use dignity_store::violations::*;
use dignity_store::{accounts, Backend, StoreError};
use sqlx::Row;

const PW: &str = "a long enough passphrase";
const ARREST: &str = "03010100000004";

struct Who {
    doc: Actor,
    doc2: Actor,
    ana: Actor,
    coo: Actor,
    adm: Actor,
}

async fn setup(b: Backend) -> (TestStore, Who) {
    let st = store(b).await;
    dignity_store::refdata::load_shipped(&st).await.unwrap();
    let mut tx = st.begin(&Actor::system()).await.unwrap();
    let mut users = vec![];
    for (n, r) in [
        ("dora", Role::Documenter),
        ("dino", Role::Documenter),
        ("ana", Role::Analyst),
        ("cora", Role::Coordinator),
        ("adam", Role::Admin),
    ] {
        users.push(accounts::create(&mut tx, n, "", r, PW).await.unwrap());
    }
    tx.commit().await.unwrap();
    let mut a = vec![];
    for u in &users {
        a.push(accounts::actor_for(&st, u).await.unwrap());
    }
    let who = Who {
        doc: a[0].clone(),
        doc2: a[1].clone(),
        ana: a[2].clone(),
        coo: a[3].clone(),
        adm: a[4].clone(),
    };
    (st, who)
}

async fn event(st: &TestStore, who: &Actor, level: &str, users: Vec<i64>) -> i64 {
    let vocab = Vocab::load(st).await.unwrap();
    st.write(who, async |tx| {
        create_event(
            tx,
            &vocab,
            &EventInput {
                title: format!("Event ({level})"),
                start_date: "2024-03-05".into(),
                country: Some("PER".into()),
                confidentiality: level.into(),
                need_to_know_users: users,
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn person(st: &TestStore, who: &Actor, name: &str, level: &str) -> i64 {
    let vocab = Vocab::load(st).await.unwrap();
    st.write(who, async |tx| {
        create_person(
            tx,
            &vocab,
            &PersonInput {
                name: name.into(),
                confidentiality: level.into(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn act(st: &TestStore, who: &Actor, event_id: i64, victim: i64, level: &str) -> i64 {
    let vocab = Vocab::load(st).await.unwrap();
    st.write(who, async |tx| {
        create_act(
            tx,
            &vocab,
            &ActInput {
                event_id,
                victim_id: Some(victim),
                act_type: ARREST.into(),
                confidentiality: level.into(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn audit_actions(st: &TestStore, record_id: i64) -> Vec<String> {
    sqlx::query("SELECT action FROM audit_log WHERE record_id = $1 ORDER BY seq")
        .bind(record_id.to_string())
        .fetch_all(st.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The text of an error with the id it names replaced, to compare the answer about a
/// restricted record with the answer about a record that does not exist.
fn said(e: &StoreError, id: i64) -> String {
    let kind = match e {
        StoreError::NotFound(_) => "not_found",
        StoreError::Rejected(_) => "invalid",
        StoreError::Forbidden(_) => "forbidden",
        _ => "other",
    };
    format!("{kind}: {}", e.to_string().replace(&id.to_string(), "N"))
}

#[tokio::test]
async fn a_person_the_reader_may_not_read_is_not_found_not_pseudonymised() {
    for b in backends() {
        let (st, w) = setup(b).await;
        let secret = person(&st, &w.doc, "Amaru Quispe", "strictly_confidential").await;
        let open = person(&st, &w.doc, "Open Person", "internal").await;
        // Not on the list: the analyst, the admin, another documenter.
        for who in [&w.ana, &w.adm, &w.doc2] {
            assert!(
                person_for(&st, who, secret).await.unwrap().is_none(),
                "{b:?} {}",
                who.username
            );
            let restricted = require(&st, who, Action::Read, PERSON, secret)
                .await
                .unwrap_err();
            let missing = require(&st, who, Action::Read, PERSON, 987_654)
                .await
                .unwrap_err();
            assert_eq!(said(&restricted, secret), said(&missing, 987_654));
        }
        // The creator sees the person; the analyst still sees readable persons, pseudonymised.
        let (p, full) = person_for(&st, &w.doc, secret).await.unwrap().unwrap();
        assert!(full && p.name == "Amaru Quispe");
        let (p, full) = person_for(&st, &w.ana, open).await.unwrap().unwrap();
        assert!(!full && p.name.starts_with("P-"), "{}", p.name);
    }
}

#[tokio::test]
async fn changing_who_may_see_a_record_needs_manage_access_and_is_audited() {
    for b in backends() {
        let (st, w) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let coo_id = w.coo.user_id.unwrap();
        let ev = event(&st, &w.doc, "confidential", vec![coo_id]).await;
        let input = |level: &str, users: Vec<i64>| EventInput {
            title: "Event (confidential)".into(),
            start_date: "2024-03-05".into(),
            country: Some("PER".into()),
            confidentiality: level.into(),
            need_to_know_users: users,
            ..Default::default()
        };
        // The documenter who created it edits it freely, at the same level and list…
        st.write(&w.doc, async |tx| {
            update_event(tx, &vocab, ev, &input("confidential", vec![])).await
        })
        .await
        .unwrap();
        // …but may neither lower its level nor widen its need-to-know list.
        for change in [
            input("internal", vec![]),
            input("public", vec![]),
            input("confidential", vec![coo_id, w.ana.user_id.unwrap()]),
        ] {
            let e = st
                .write(&w.doc, async |tx| {
                    update_event(tx, &vocab, ev, &change).await
                })
                .await
                .unwrap_err();
            assert!(matches!(e, StoreError::Forbidden(_)), "{b:?}: {e}");
        }
        let e = get_event(&st, ev).await.unwrap().unwrap();
        assert_eq!(
            e.confidentiality.as_str(),
            "confidential",
            "{b:?}: nothing changed"
        );
        assert_eq!(p::lists_of(&st, EVENT, ev).await.unwrap().0, vec![coo_id]);
        // A coordinator on the list may, and the change is audited.
        st.write(&w.coo, async |tx| {
            update_event(tx, &vocab, ev, &input("internal", vec![])).await
        })
        .await
        .unwrap();
        assert_eq!(
            get_event(&st, ev)
                .await
                .unwrap()
                .unwrap()
                .confidentiality
                .as_str(),
            "internal"
        );
        assert!(
            audit_actions(&st, ev)
                .await
                .contains(&"record.access_change".to_string()),
            "{b:?}"
        );
        // A coordinator who is not on the list of a restricted record may not.
        let other = event(&st, &w.doc, "strictly_confidential", vec![]).await;
        let e = st
            .write(&w.coo, async |tx| {
                update_event(tx, &vocab, other, &input("internal", vec![])).await
            })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{b:?}: {e}");
        // The same for persons.
        let secret = person(&st, &w.doc, "Amaru Quispe", "confidential").await;
        let e = st
            .write(&w.doc, async |tx| {
                update_person(
                    tx,
                    &vocab,
                    secret,
                    &PersonInput {
                        name: "Amaru Quispe".into(),
                        confidentiality: "internal".into(),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{b:?}: {e}");
    }
}

#[tokio::test]
async fn an_act_or_evidence_is_visible_only_with_what_it_discloses() {
    for b in backends() {
        let (st, w) = setup(b).await;
        // An internal act on an internal event, whose victim is strictly confidential.
        let ev = event(&st, &w.doc, "internal", vec![]).await;
        let victim = person(&st, &w.doc, "Amaru Quispe", "strictly_confidential").await;
        let a = act(&st, &w.doc, ev, victim, "internal").await;
        assert!(can(&st, &w.doc, Action::Read, ACT, a).await.unwrap());
        assert!(
            !can(&st, &w.ana, Action::Read, ACT, a).await.unwrap(),
            "{b:?}: the act would disclose its victim"
        );
        let (n, rows) = list_acts(&st, &w.ana, &ActFilter::default(), 50, 0)
            .await
            .unwrap();
        assert!(n == 0 && rows.is_empty(), "{b:?}: {rows:?}");
        let (n, _) = list_acts(&st, &w.doc, &ActFilter::default(), 50, 0)
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert!(acts_of_event(&st, &w.ana, ev).await.unwrap().is_empty());

        // Internal evidence about a strictly confidential event.
        let secret_ev = event(&st, &w.doc, "strictly_confidential", vec![]).await;
        let mut bw = evidence::BlobWriter::new(&st, u64::MAX).unwrap();
        bw.write(b"a photograph").unwrap();
        let blob = bw.finish(None).unwrap();
        let item = st
            .write(&w.doc, async |tx| {
                evidence::create_evidence(
                    tx,
                    &EvidenceInput {
                        title: "Photo".into(),
                        filename: "photo.jpg".into(),
                        event_id: Some(secret_ev),
                        confidentiality: "internal".into(),
                        ..Default::default()
                    },
                    &blob,
                    b"",
                )
                .await
            })
            .await
            .unwrap();
        assert!(can(&st, &w.doc, Action::Read, EVIDENCE, item)
            .await
            .unwrap());
        let e = require(&st, &w.ana, Action::Read, EVIDENCE, item)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{b:?}: {e}");
        assert!(evidence::open_content(&st, &w.ana, item, "downloaded")
            .await
            .is_err());
    }
}

#[tokio::test]
async fn read_only_roles_cannot_write_and_links_need_read_on_the_linked_record() {
    for b in backends() {
        let (st, w) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        let ev = event(&st, &w.doc, "internal", vec![]).await;
        let open = person(&st, &w.doc, "Open Source", "internal").await;
        // The analyst may read the event and the person but writes nothing.
        let e = st
            .write(&w.ana, async |tx| {
                add_information(
                    tx,
                    &vocab,
                    &InformationInput {
                        source_id: open,
                        event_id: Some(ev),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{b:?}: {e}");
        let e = st
            .write(&w.ana, async |tx| {
                link_events(tx, &vocab, ev, ev, "x").await.map(|_| ())
            })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{b:?}: {e}");

        // Another documenter cannot make a restricted person the victim, perpetrator or
        // source of anything: the answer is the one for a person that does not exist.
        let secret = person(&st, &w.doc, "Amaru Quispe", "confidential").await;
        let try_act = |victim: i64| {
            let vocab = vocab.clone();
            let st = &st;
            let who = w.doc2.clone();
            async move {
                st.write(&who, async |tx| {
                    create_act(
                        tx,
                        &vocab,
                        &ActInput {
                            event_id: ev,
                            victim_id: Some(victim),
                            act_type: ARREST.into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap_err()
            }
        };
        let restricted = try_act(secret).await;
        let missing = try_act(987_654).await;
        assert_eq!(said(&restricted, secret), said(&missing, 987_654), "{b:?}");
        let e = st
            .write(&w.doc2, async |tx| {
                add_information(
                    tx,
                    &vocab,
                    &InformationInput {
                        source_id: secret,
                        event_id: Some(ev),
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Rejected(r) if r.field == "source_id"),
            "{b:?}: {e}"
        );
        // Its creator still can.
        act(&st, &w.doc, ev, secret, "confidential").await;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM vio_acts")
            .fetch_one(st.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{b:?}: only the creator's act was written");
    }
}

#[tokio::test]
async fn source_records_are_linked_only_by_readers_of_both_cases() {
    for b in backends() {
        let (st, w) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        // Dora's strictly confidential case, and Dino's own case.
        let secret = missing_case(
            &st,
            &w.doc,
            &vocab,
            "Agron Krasniqi",
            "strictly_confidential",
        )
        .await;
        let mine = missing_case(&st, &w.doc2, &vocab, "Dragana Jovanovic", "confidential").await;
        let icrc = common::icrc_source(&st, &w.coo).await;
        let mapping = common::id_and_name_mapping();
        import_csv(
            &st,
            &w.coo,
            icrc,
            "icrc.csv",
            b"ID,Full name\nK-1,Agron Krasniqi\nK-2,Dragana Jovanovic\n",
            &mapping,
        )
        .await;
        let (_, recs) = s::records(&st, Some(icrc), false, 10, 0).await.unwrap();
        let k1 = recs.iter().find(|r| r.external_id == "K-1").unwrap().id;
        let k2 = recs.iter().find(|r| r.external_id == "K-2").unwrap().id;
        // Dora links K-1 to her case.
        st.write(&w.doc, async |tx| s::link(tx, k1, secret, true).await)
            .await
            .unwrap();
        // Dino may not read that case: he can neither unlink the record from it, nor learn
        // which case it is linked to, nor link anything to it.
        let e = st
            .write(&w.doc2, async |tx| s::unlink(tx, k1).await)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{b:?}: {e}");
        let e = st
            .write(&w.doc2, async |tx| s::link(tx, k1, mine, true).await)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{b:?}: {e}");
        assert!(!e.to_string().contains(&format!("#{secret}")), "{e}");
        let e = st
            .write(&w.doc2, async |tx| s::link(tx, k2, secret, true).await)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{b:?}: {e}");
        let linked = s::get_record(&st, k1).await.unwrap().unwrap().missing_id;
        assert_eq!(
            linked,
            Some(secret),
            "{b:?}: still linked where Dora put it"
        );
        // An analyst links nothing, even to a case they may read.
        let e = st
            .write(&w.ana, async |tx| s::link(tx, k2, mine, true).await)
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::NotFound(_) | StoreError::Forbidden(_)),
            "{b:?}: {e}"
        );
        // Dino links K-2 to his own case.
        st.write(&w.doc2, async |tx| s::link(tx, k2, mine, true).await)
            .await
            .unwrap();
        assert!(p::can(&st, &w.doc2, Action::Update, p::MISSING, mine)
            .await
            .unwrap());
    }
}

/// Hole 4 for lists and counts: a defender profile or a missing-person case discloses its
/// person, and an act discloses its victim. A reader who may not read the person sees
/// neither the row nor a count that includes it (dashboards broken down by the victim's
/// sex or age included), exactly as they could not open it.
#[tokio::test]
async fn lists_and_counts_leave_out_what_discloses_a_person_the_reader_may_not_see() {
    use dignity_store::protection::defenders::{self as d, DefenderInput};
    use dignity_store::reports::{self, DashFilter};
    for b in backends() {
        let (st, w) = setup(b).await;
        let vocab = Vocab::load(&st).await.unwrap();
        // Dora's strictly confidential person, behind internal records.
        let secret = person(&st, &w.doc, "Hidden Witness", "strictly_confidential").await;
        let open = person(&st, &w.doc, "Known Defender", "internal").await;
        for pid in [secret, open] {
            let input = DefenderInput {
                person: dignity_store::protection::NewPerson {
                    person_id: Some(pid),
                    ..Default::default()
                },
                profile: dignity_store::protection::defenders::DefenderProfile {
                    country: Some("PER".into()),
                    ..Default::default()
                },
                confidentiality: "internal".into(),
                ..Default::default()
            };
            st.write(&w.doc, async |tx| {
                d::create_defender(tx, &vocab, &input).await
            })
            .await
            .unwrap();
            let case = MissingInput {
                person: dignity_store::protection::NewPerson {
                    person_id: Some(pid),
                    name: "ignored when the person is given".into(),
                    ..Default::default()
                },
                confidentiality: "internal".into(),
                ..Default::default()
            };
            st.write(&w.doc, async |tx| {
                m::create_missing(tx, &vocab, &case).await
            })
            .await
            .unwrap();
        }
        let ev = event(&st, &w.doc, "internal", vec![]).await;
        act(&st, &w.doc, ev, secret, "internal").await;
        act(&st, &w.doc, ev, open, "internal").await;

        let peru = DashFilter {
            country: vec!["PER".into()],
            ..Default::default()
        };
        for (who, expect) in [(&w.ana, 1), (&w.doc2, 1), (&w.doc, 2)] {
            let (n, rows) = d::list_defenders(&st, who, None, Some("PER"), 50, 0)
                .await
                .unwrap();
            assert_eq!((n, rows.len() as i64), (expect, expect), "{b:?} defenders");
            let (n, rows) = m::list_missing(&st, who, &Default::default(), 50, 0)
                .await
                .unwrap();
            assert_eq!((n, rows.len() as i64), (expect, expect), "{b:?} missing");
            let dash = reports::dashboard(&st, who, &peru, "en").await.unwrap();
            assert_eq!(dash.total, expect, "{b:?} dashboard acts");
        }
    }
}
