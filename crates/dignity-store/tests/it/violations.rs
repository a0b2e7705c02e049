//! Documenting violations on every backend: the ESF model (event → acts → victim and
//! perpetrators), validation of bad input with nothing half-written, confidentiality in
//! every list, count and export, encryption of names at rest, evidence hashing and
//! packages, interventions and their reply clock, case round trips and imports.

use crate::common;
use dignity_core::auth::Action;
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::evidence::{self, EvidenceInput, UploadError};
use dignity_store::violations::import::{self, Mapping};
use dignity_store::violations::interventions::{self, InterventionInput};
use dignity_store::violations::{self as v, case, *};
use dignity_store::{acl, Backend, StoreError};
use sqlx::Row;

const TORTURE: &str = "02011111000004";
const EXECUTION: &str = "01010102000004";
const ARREST: &str = "03010100000004";
const FEMALE: &str = "02000000000039";
const GOVERNMENT: &str = "01000000000024";
const DIRECT: &str = "01000000000018";
const INTERVIEW: &str = "09142005180116";
const RELIABLE: &str = "01000000000042";
const CONFIRMED: &str = "01000000000041";
const RIGHT_TO_LIFE: &str = "01010000000003";
const SHOOTING: &str = "01010000000005";
const SPOUSE: &str = "01010100000021";
const PRECEDES: &str = "01000000000022";

async fn setup(b: Backend) -> (TestStore, Actor, Actor, Actor) {
    let s = common::fresh_store(b).await;
    let mut who = common::users(
        &s,
        &[
            ("dora", Role::Documenter),
            ("ana", Role::Analyst),
            ("adam", Role::Admin),
        ],
    )
    .await
    .into_iter()
    .map(|(_, a)| a);
    let (d, a, m) = (
        who.next().unwrap(),
        who.next().unwrap(),
        who.next().unwrap(),
    );
    (s, d, a, m)
}

struct CaseIds {
    event: i64,
    victim: i64,
    perp: i64,
    source: i64,
    act1: i64,
    act2: i64,
}

async fn document_case(s: &TestStore, who: &Actor) -> CaseIds {
    let vocab = Vocab::load(s).await.unwrap();
    let mut tx = s.begin(who).await.unwrap();
    let event = create_event(
        &mut tx,
        &vocab,
        &EventInput {
            title: "Raid on the Hope Clinic".into(),
            description: "Security forces raided the clinic; Amaru Quispe was taken away.".into(),
            start_date: "2024-03-05".into(),
            end_date: "2024-03-07".into(),
            country: Some("PER".into()),
            admin_area: "Cusco".into(),
            place: "Calle Hatun Rumiyoq 12".into(),
            coordinates: "-13.5167, -71.9781".into(),
            violation_status: Some(CONFIRMED.into()),
            rights_affected: vec![RIGHT_TO_LIFE.into()],
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let victim = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: "Amaru Quispe Mamani".into(),
            other_names: vec!["Амару Киспе".into()],
            sex: Some(FEMALE.into()),
            birth_date: "1990".into(),
            contact: "+51 999 123 456".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let perp = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            person_type: "organisation".into(),
            name: "Special Operations Unit".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let source = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: "Witness Killa Huaman".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let act1 = create_act(
        &mut tx,
        &vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: ARREST.into(),
            start_date: "2024-03-05".into(),
            perpetrators: vec![InvolvementInput {
                perpetrator_id: perp,
                degree: Some(DIRECT.into()),
                perpetrator_type: Some(GOVERNMENT.into()),
                latest_status: None,
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let act2 = create_act(
        &mut tx,
        &vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: TORTURE.into(),
            start_date: "2024-03-06".into(),
            methods: vec![SHOOTING.into()],
            consequences: "Broken ribs".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    add_information(
        &mut tx,
        &vocab,
        &InformationInput {
            source_id: source,
            event_id: Some(event),
            source_type: Some(INTERVIEW.into()),
            reliability: Some(RELIABLE.into()),
            info_date: "2024-03-10".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    add_information(
        &mut tx,
        &vocab,
        &InformationInput {
            source_id: victim,
            act_id: Some(act2),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    CaseIds {
        event,
        victim,
        perp,
        source,
        act1,
        act2,
    }
}

async fn count(s: &TestStore, table: &str) -> i64 {
    common::count(s, table).await
}

/// Make the case's victim readable by every staff member (internal), so that the acts on
/// them are visible to readers of the acts and events (an act is visible only with its
/// victim).
async fn victim_internal(s: &TestStore, c: &CaseIds) {
    sqlx::query("UPDATE vio_persons SET confidentiality = 'internal' WHERE id = $1")
        .bind(c.victim)
        .execute(s.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn who_did_what_to_whom() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let acts = acts_of_event(&s, &doc, c.event).await.unwrap();
        assert_eq!(acts.len(), 2, "{b:?}");
        assert_eq!(acts[0].kind, "detention");
        assert_eq!(acts[1].kind, "torture");
        // Independent sources: the witness (on the event) for both, the victim for act 2.
        assert_eq!(acts[0].sources, 1);
        assert_eq!(acts[1].sources, 2);
        let inv = involvements(&s, &doc, c.act1).await.unwrap();
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].perpetrator, "Special Operations Unit");
        // A torture act puts the event under the torture lens.
        let e = get_event(&s, c.event).await.unwrap().unwrap();
        assert_eq!(e.lenses, ["torture"]);
        assert_eq!(e.place, "Calle Hatun Rumiyoq 12");
        assert_eq!(
            person_roles(&s, &doc, c.victim).await.unwrap(),
            ["victim", "source"]
        );
        assert_eq!(
            person_roles(&s, &doc, c.perp).await.unwrap(),
            ["perpetrator"]
        );
        // The victim is confidential by default: the analyst (not on the list) may not read
        // the person at all (not found, not a pseudonymised copy); where a name is shown
        // (a list of an act the analyst may read), it is the pseudonym.
        assert!(person_for(&s, &ana, c.victim).await.unwrap().is_none());
        assert!(display_name(&s, &ana, c.victim)
            .await
            .unwrap()
            .starts_with("P-"));
        assert_eq!(
            display_name(&s, &doc, c.victim).await.unwrap(),
            "Amaru Quispe Mamani"
        );
        // Exact-name look-up through the blind index, in any word order and case.
        let (n, found) = list_persons(&s, &doc, Some("mamani QUISPE amaru"), None, 10, 0)
            .await
            .unwrap();
        assert_eq!((n, found[0].id), (1, c.victim));
        let (n, _) = list_persons(&s, &doc, Some("Амару Киспе"), None, 10, 0)
            .await
            .unwrap();
        assert_eq!(n, 1, "other names are indexed too");
        let dups = possible_duplicates(&s, &doc, "Amaru  Quispe-Mamani", &[])
            .await
            .unwrap();
        assert_eq!(dups.len(), 1, "{b:?}: duplicate warning");
        // Chains of events and relationships.
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let e2 = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "Protest".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        link_events(&mut tx, &vocab, e2, c.event, PRECEDES)
            .await
            .unwrap();
        link_persons(&mut tx, &vocab, c.victim, c.source, SPOUSE, "2015", "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(event_links(&s, &doc, c.event).await.unwrap().len(), 1);
        assert_eq!(person_links(&s, &doc, c.source).await.unwrap().len(), 1);
        let report = dignity_store::audit::verify_log(&s).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_clear_errors_and_nothing_half_written() {
    for b in backends() {
        let (s, doc, _, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let before = (
            count(&s, "vio_acts").await,
            count(&s, "vio_events").await,
            count(&s, "audit_log").await,
        );
        let field_of = |e: StoreError| match e {
            StoreError::Invalid { field, message } => (field, message),
            StoreError::Rejected(e) => (e.field.to_string(), e.message()),
            e => panic!("not a validation error: {e}"),
        };
        // An act without a victim.
        let mut tx = s.begin(&doc).await.unwrap();
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                act_type: ARREST.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(e).0, "victim_id");
        tx.rollback().await.unwrap();
        // Dates out of order.
        let mut tx = s.begin(&doc).await.unwrap();
        let e = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "x".into(),
                start_date: "2024-05".into(),
                end_date: "2024-04-30".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        // A rule of core, typed: the web layer translates it by its key.
        assert!(
            matches!(&e, StoreError::Rejected(r) if matches!(r.problem,
                dignity_core::Problem::Rule { key: "vio.rule.end_before_start", .. })),
            "{e}"
        );
        let (f, m) = field_of(e);
        assert_eq!(f, "end_date");
        assert!(m.contains("before the start"), "{m}");
        tx.rollback().await.unwrap();
        // An impossible date.
        let mut tx = s.begin(&doc).await.unwrap();
        let e = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "x".into(),
                start_date: "2023-02-29".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(e).0, "start_date");
        tx.rollback().await.unwrap();
        // Unknown vocabulary codes, and a code from the wrong list.
        let mut tx = s.begin(&doc).await.unwrap();
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(c.victim),
                act_type: "99999999999904".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        let (f, m) = field_of(e);
        assert_eq!(f, "act_type");
        assert!(m.contains("micro-thesaurus 4"), "{m}");
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(c.victim),
                act_type: ARREST.into(),
                methods: vec![FEMALE.into()],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(e).0, "methods");
        // A victim that does not exist, after a successful write in the same transaction:
        // the caller drops the transaction, and the first write is gone too.
        create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "half".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(999_999),
                act_type: ARREST.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(field_of(e).0, "victim_id");
        drop(tx);
        // An analyst cannot create records at all.
        let ana = Actor {
            user_id: Some(99),
            username: "x".into(),
            role: Role::Analyst,
            teams: vec![],
        };
        let mut tx = s.begin(&ana).await.unwrap();
        assert!(create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "x".into(),
                ..Default::default()
            }
        )
        .await
        .is_err());
        tx.rollback().await.unwrap();
        let after = (
            count(&s, "vio_acts").await,
            count(&s, "vio_events").await,
            count(&s, "audit_log").await,
        );
        assert_eq!(before, after, "{b:?}: nothing half-written");
    }
}

#[tokio::test]
async fn a_confidential_act_is_invisible_everywhere_to_those_without_access() {
    for b in backends() {
        let (s, doc, ana, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        victim_internal(&s, &c).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let secret = create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(c.victim),
                act_type: EXECUTION.into(),
                confidentiality: "confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // An internal person who is the victim of a confidential act only.
        let hidden_victim = create_person(
            &mut tx,
            &vocab,
            &PersonInput {
                name: "Quispe Mamani".into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: c.event,
                victim_id: Some(hidden_victim),
                act_type: EXECUTION.into(),
                confidentiality: "confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Roles, the victims filter and its count come only from acts the reader may see.
        assert_eq!(
            person_roles(&s, &doc, hidden_victim).await.unwrap(),
            ["victim"]
        );
        assert!(person_roles(&s, &ana, hidden_victim)
            .await
            .unwrap()
            .is_empty());
        let (n_ana, rows) = list_persons(&s, &ana, None, Some("victim"), 100, 0)
            .await
            .unwrap();
        assert!(rows.iter().all(|r| r.id != hidden_victim));
        assert_eq!(n_ana as usize, rows.len(), "the analyst's count of victims");
        let (_, rows) = list_persons(&s, &doc, None, Some("victim"), 100, 0)
            .await
            .unwrap();
        assert!(rows.iter().any(|r| r.id == hidden_victim));
        sqlx::query("DELETE FROM vio_acts WHERE victim_id = $1")
            .bind(hidden_victim)
            .execute(s.pool())
            .await
            .unwrap();
        for (who, sees) in [(&doc, true), (&ana, false), (&adm, false)] {
            let ctx = format!("{b:?} {}", who.username);
            assert_eq!(
                can(&s, who, Action::Read, ACT, secret).await.unwrap(),
                sees,
                "{ctx}: page"
            );
            let ids: Vec<i64> = acts_of_event(&s, who, c.event)
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect();
            assert_eq!(ids.contains(&secret), sees, "{ctx}: event page");
            let (total, rows) = list_acts(&s, who, &ActFilter::default(), 100, 0)
                .await
                .unwrap();
            assert_eq!(total, if sees { 3 } else { 2 }, "{ctx}: count");
            assert_eq!(rows.iter().any(|r| r.id == secret), sees, "{ctx}: list");
            let (_, evs) = list_events(&s, who, &EventFilter::default(), 10, 0)
                .await
                .unwrap();
            assert_eq!(
                evs[0].acts,
                if sees { 3 } else { 2 },
                "{ctx}: act counter of the event list"
            );
            let by_type = count_acts_by_type(&s, who, None).await.unwrap();
            assert_eq!(
                by_type.iter().any(|(t, _)| t == EXECUTION),
                sees,
                "{ctx}: facets"
            );
            let (_, evs) = list_events(
                &s,
                who,
                &EventFilter {
                    act_type: Some(EXECUTION.into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
            assert_eq!(!evs.is_empty(), sees, "{ctx}: filter by act type");
            let lens = lens_counts(&s, who).await.unwrap();
            let torture = lens.iter().find(|l| l.lens == "torture").unwrap();
            assert_eq!(
                torture.acts,
                if sees { 3 } else { 2 },
                "{ctx}: lens counter"
            );
            let exported = case::export_case(&s, who, c.event).await.unwrap();
            assert_eq!(
                exported.acts.len(),
                if sees { 3 } else { 2 },
                "{ctx}: export"
            );
        }
        // Put the admin on the list: now they see it.
        let mut tx = s.begin(&doc).await.unwrap();
        acl::set_need_to_know(
            &mut tx,
            ACT,
            &secret.to_string(),
            &[adm.user_id.unwrap()],
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(can(&s, &adm, Action::Read, ACT, secret).await.unwrap());
        // A restricted event hides its acts even when the acts are internal. Changing the
        // level needs ManageAccess (not a documenter's): the admin does it, on the list.
        let ev = get_event(&s, c.event).await.unwrap().unwrap();
        let mut input = case::event_input(&ev);
        input.confidentiality = "confidential".into();
        input.need_to_know_users = vec![doc.user_id.unwrap(), adm.user_id.unwrap()];
        let mut tx = s.begin(&doc).await.unwrap();
        assert!(matches!(
            update_event(&mut tx, &vocab, c.event, &input).await,
            Err(StoreError::Forbidden(_))
        ));
        tx.rollback().await.unwrap();
        let mut tx = s.begin(&adm).await.unwrap();
        update_event(&mut tx, &vocab, c.event, &input)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!can(&s, &ana, Action::Read, ACT, c.act1).await.unwrap());
        assert_eq!(
            list_acts(&s, &ana, &ActFilter::default(), 100, 0)
                .await
                .unwrap()
                .0,
            0
        );
        assert!(case::export_case(&s, &ana, c.event).await.is_err());
    }
}

#[tokio::test]
async fn names_and_places_are_not_in_the_database_file() {
    let (s, doc, _, _) = setup(Backend::Sqlite).await;
    document_case(&s, &doc).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(s.pool())
        .await
        .unwrap();
    let mut raw = std::fs::read(s.opts.sqlite_path()).unwrap();
    if let Ok(w) = std::fs::read(s.opts.sqlite_path().with_extension("db-wal")) {
        raw.extend(w);
    }
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains("event.create") && raw.contains("2024-03"),
        "the check reads the right file (the audit chain, the month of the event)"
    );
    for secret in [
        "Amaru",
        "Quispe",
        "Киспе",
        "Killa Huaman",
        "999 123 456",
        "Hatun Rumiyoq",
        "-71.9781",
        "Broken ribs",
        "Raid on the Hope Clinic",
        "Cusco",
        "2024-03-05",
    ] {
        assert!(!raw.contains(secret), "{secret} found in the raw database");
    }
}

fn sha256sum(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn tmp_files(s: &TestStore) -> usize {
    std::fs::read_dir(evidence::files_dir(s).join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn evidence_is_hashed_stored_once_and_packaged_verifiably() {
    for b in backends() {
        let (s, doc, ana, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        // 3 MB of non-trivial content.
        let data: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let (blob, head) = evidence::store_reader(&s, &data[..], u64::MAX, None).unwrap();
        // Stored encrypted: the address is `sha256sum` of the content, read back decrypted.
        let clear = s.data_dir().join("clear-copy.bin");
        {
            use std::io::Read;
            let mut r = evidence::EvidenceStore::open(&s, &blob.sha256)
                .unwrap()
                .unwrap();
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            std::fs::write(&clear, out).unwrap();
        }
        assert_eq!(blob.sha256, sha256sum(&clear), "{b:?}: equal to sha256sum");
        std::fs::remove_file(&clear).unwrap();
        assert_eq!(blob.size, 3_000_000);
        let mut tx = s.begin(&doc).await.unwrap();
        let id = evidence::create_evidence(
            &mut tx,
            &EvidenceInput {
                title: "Clinic video".into(),
                filename: "VID_0305_Amaru.mp4".into(),
                event_id: Some(c.event),
                acquired_from: "Killa Huaman".into(),
                acquired_how: "handed over on a USB stick".into(),
                acquired_at: "2024-03-10".into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
            &blob,
            &head,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // The same content again: stored once.
        let (blob2, _) =
            evidence::store_reader(&s, &data[..], u64::MAX, Some(blob.sha256.as_str())).unwrap();
        assert_eq!(blob2.sha256, blob.sha256);
        let stored: usize = walk(&evidence::files_dir(&s).join("sha256"));
        assert_eq!(stored, 1);
        // A claimed hash that does not match: refused, nothing left behind.
        let mut wrong = data.clone();
        wrong.truncate(2_999_000);
        match evidence::store_reader(&s, &wrong[..], u64::MAX, Some(blob.sha256.as_str())) {
            Err(UploadError::HashMismatch { .. }) => {}
            other => panic!("{other:?}"),
        }
        // Too large: refused, nothing left behind.
        assert!(matches!(
            evidence::store_reader(&s, &data[..], 1_000_000, None),
            Err(UploadError::TooLarge { .. })
        ));
        // Interrupted: the writer is dropped mid-way.
        {
            let mut w = evidence::BlobWriter::new(&s, u64::MAX).unwrap();
            w.write(&data[..1000]).unwrap();
            assert_eq!(tmp_files(&s), 1);
        }
        assert_eq!(tmp_files(&s), 0, "no orphan");
        assert_eq!(walk(&evidence::files_dir(&s).join("sha256")), 1);
        // Views and downloads are in the custody log; the chain verifies.
        evidence::open_content(&s, &ana, id, "viewed")
            .await
            .unwrap();
        evidence::open_content(&s, &doc, id, "downloaded")
            .await
            .unwrap();
        let log = evidence::custody_log(&s, id).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["acquired", "uploaded", "viewed", "downloaded"]);
        assert_eq!(log[0].counterpart, "Killa Huaman");
        assert!(evidence::verify_custody(&log).is_empty());
        // A public copy of a JPEG loses its EXIF (and GPS).
        let jpeg = tiny_jpeg_with_exif();
        let (jb, jh) = evidence::store_reader(&s, &jpeg[..], u64::MAX, None).unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let jid = evidence::create_evidence(
            &mut tx,
            &EvidenceInput {
                title: "Photo".into(),
                event_id: Some(c.event),
                confidentiality: "internal".into(),
                ..Default::default()
            },
            &jb,
            &jh,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let photo = evidence::get_evidence(&s, jid).await.unwrap().unwrap();
        assert_eq!(photo.media_type, "image/jpeg");
        assert!(photo.metadata.get("GPS").is_some(), "{:?}", photo.metadata);
        let pid = evidence::make_public_copy(&s, &doc, jid).await.unwrap();
        let copy = evidence::get_evidence(&s, pid).await.unwrap().unwrap();
        assert_eq!(
            (copy.derivation.as_str(), copy.original_id),
            ("public_copy", Some(jid))
        );
        assert_eq!(copy.metadata, serde_json::json!({}));
        assert_ne!(copy.sha256, photo.sha256);
        // The package verifies with sha256sum alone.
        let out = dignity_store::testing::temp_dir("pkg").join("package");
        let rep = evidence::export_package(&s, &adm, &[id, jid, pid], &out)
            .await
            .unwrap();
        assert_eq!(rep.items, 3);
        for args in [["-c", "manifest.sha256.sha256"], ["-c", "manifest.sha256"]] {
            let st = std::process::Command::new("sha256sum")
                .args(args)
                .current_dir(&out)
                .output()
                .unwrap();
            assert!(
                st.status.success(),
                "{}",
                String::from_utf8_lossy(&st.stdout)
            );
        }
        let st = std::process::Command::new("sha512sum")
            .args(["-c", "manifest.sha512"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(st.status.success());
        let custody = std::fs::read_to_string(out.join("custody.json")).unwrap();
        assert!(custody.contains("\"exported\""));
        // Tampering with a file is caught by the same tools.
        std::fs::write(out.join(format!("files/{}", blob.sha256)), b"changed").unwrap();
        let st = std::process::Command::new("sha256sum")
            .args(["-c", "--quiet", "manifest.sha256"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(!st.status.success());
        // The analyst may export internal items, but not the one made confidential.
        let mut tx = s.begin(&doc).await.unwrap();
        sqlx::query("UPDATE vio_evidence SET confidentiality = 'confidential' WHERE id = $1")
            .bind(id)
            .execute(tx.conn())
            .await
            .unwrap();
        tx.audit(
            "test",
            "vio_evidence",
            &id.to_string(),
            None,
            None,
            serde_json::json!({}),
        );
        tx.commit().await.unwrap();
        let out2 = dignity_store::testing::temp_dir("pkg").join("p2");
        let rep = evidence::export_package(&s, &ana, &[id, jid], &out2)
            .await
            .unwrap();
        assert_eq!((rep.items, rep.skipped.clone()), (1, vec![id]));
        assert!(!out2.join(format!("files/{}", blob.sha256)).exists());
        assert!(evidence::open_content(&s, &ana, id, "viewed")
            .await
            .is_err());
        assert_eq!(
            evidence::list_evidence(&s, &ana, Some(c.event), None)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

fn walk(p: &std::path::Path) -> usize {
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                n += walk(&e.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

/// A minimal JPEG: SOI, an APP1 EXIF segment with GPS latitude/longitude, a comment, then
/// a (fake) scan.
pub fn tiny_jpeg_with_exif() -> Vec<u8> {
    // TIFF little-endian: IFD0 with one entry (GPS IFD pointer), GPS IFD with 4 entries.
    let mut t: Vec<u8> = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    // IFD0 at 8: 1 entry
    t.extend(1u16.to_le_bytes());
    t.extend(0x8825u16.to_le_bytes());
    t.extend(4u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend(26u32.to_le_bytes()); // GPS IFD offset
    t.extend(0u32.to_le_bytes()); // next IFD
                                  // GPS IFD at 26: 4 entries (2 + 4*12 + 4 = 54 bytes) → data at 80
    t.extend(4u16.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, val: u32| {
        t.extend(tag.to_le_bytes());
        t.extend(typ.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(val.to_le_bytes());
    };
    entry(&mut t, 1, 2, 2, u32::from_le_bytes(*b"S\0\0\0"));
    entry(&mut t, 2, 5, 3, 80);
    entry(&mut t, 3, 2, 2, u32::from_le_bytes(*b"W\0\0\0"));
    entry(&mut t, 4, 5, 3, 104);
    t.extend(0u32.to_le_bytes());
    assert_eq!(t.len(), 80);
    for (n, d) in [(13u32, 1u32), (30, 1), (0, 1), (71, 1), (58, 1), (41, 1)] {
        t.extend(n.to_le_bytes());
        t.extend(d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(&t);
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    j.extend(((app1.len() + 2) as u16).to_be_bytes());
    j.extend(&app1);
    let com = b"taken by Amaru";
    j.extend([0xFF, 0xFE]);
    j.extend(((com.len() + 2) as u16).to_be_bytes());
    j.extend(com);
    j.extend([0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]);
    j
}

#[tokio::test]
async fn an_urgent_appeal_starts_a_reply_clock_and_shows_up_as_due_then_overdue() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let ua = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "urgent_appeal".into(),
                addressees: "Special Rapporteur on torture".into(),
                int_date: "2024-03-12".into(),
                events: vec![c.event],
                acts: vec![c.act2],
                persons: vec![c.victim],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let visit = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "detention_visit".into(),
                int_date: "2024-03-13".into(),
                follow_up_date: "2024-04-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "letter".into(),
                int_date: "2024-03-12".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, StoreError::Rejected(ref r) if r.field == "int_type"),
            "{e}"
        );
        tx.commit().await.unwrap();
        let it = interventions::get_intervention(&s, ua)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(it.reply_due, "2024-05-11");
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let due = interventions::deadlines(&s, &doc, "mine", day("2024-04-30"), 14)
            .await
            .unwrap();
        let kinds: Vec<(i64, &str, bool)> = due
            .iter()
            .map(|d| (d.intervention_id, d.kind.as_str(), d.overdue))
            .collect();
        assert_eq!(
            kinds,
            [(visit, "follow_up", true), (ua, "reply", false)],
            "{b:?}"
        );
        assert!(
            interventions::deadlines(&s, &ana, "mine", day("2024-06-01"), 14)
                .await
                .unwrap()
                .is_empty()
        );
        let due = interventions::deadlines(&s, &doc, "mine", day("2024-06-01"), 14)
            .await
            .unwrap();
        assert!(due
            .iter()
            .any(|d| d.intervention_id == ua && d.overdue && d.days_left == -21));
        // The reply stops the clock.
        let mut tx = s.begin(&doc).await.unwrap();
        interventions::record_response(
            &mut tx,
            &vocab,
            ua,
            Some("04000000000027".into()),
            "2024-05-02",
            "Asked for details",
            None,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let due = interventions::deadlines(&s, &doc, "mine", day("2024-06-01"), 14)
            .await
            .unwrap();
        assert!(!due.iter().any(|d| d.intervention_id == ua));
        assert_eq!(
            interventions::interventions_for(&s, &doc, ACT, c.act2)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn a_case_round_trips_through_json_without_loss() {
    for b in backends() {
        let (s, doc, _, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "urgent_appeal".into(),
                int_date: "2024-03-12".into(),
                intervening_party_id: Some(c.source),
                events: vec![c.event],
                acts: vec![c.act1],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                event_id: c.event,
                person_id: c.victim,
                status: "sentenced".into(),
                sentence_date: "2024-06".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let one = case::export_case(&s, &doc, c.event).await.unwrap();
        assert_eq!(one.acts.len(), 2);
        assert_eq!(one.persons.len(), 3);
        let text = serde_json::to_string(&one).unwrap();
        let back: case::Case = serde_json::from_str(&text).unwrap();
        let (new_id, missing) = case::import_case(&s, &doc, &back).await.unwrap();
        assert!(missing.is_empty());
        let two = case::export_case(&s, &doc, new_id).await.unwrap();
        assert_eq!(
            serde_json::to_value(&one).unwrap(),
            serde_json::to_value(&two).unwrap(),
            "{b:?}"
        );
        // Someone who cannot see the victim exports a pseudonymised case.
        let third = case::export_case(&s, &adm, c.event).await.unwrap();
        assert!(third.persons.iter().any(|p| p.pseudonymised));
        assert!(!serde_json::to_string(&third.persons)
            .unwrap()
            .contains("Amaru"));
        // A broken reference is refused before anything is written.
        let mut bad = one.clone();
        bad.acts[0].victim = "p99".into();
        let events = count(&s, "vio_events").await;
        assert!(case::import_case(&s, &doc, &bad).await.is_err());
        assert_eq!(count(&s, "vio_events").await, events);
    }
}

fn rows(csv: &str) -> Vec<import::Row> {
    let mut r = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .enumerate()
        .map(|(i, rec)| {
            (
                i + 2,
                h.iter()
                    .cloned()
                    .zip(rec.unwrap().iter().map(String::from))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn incident_lists_import_through_a_mapping_all_or_nothing() {
    for b in backends() {
        let (s, doc, _, _) = setup(b).await;
        let mapping = Mapping::parse_toml(
            "[columns]\nevent_key = \"Incident\"\nevent_title = \"Title\"\nevent_start = \"Date\"\ncountry = \"Country\"\n\
             act_type = \"Violation\"\nvictim_name = \"Victim\"\nvictim_sex = \"Sex\"\nperpetrator_name = \"Perpetrator\"\n\
             [defaults]\nconfidentiality = \"internal\"\n",
        )
        .unwrap();
        let good = "Incident,Title,Date,Country,Violation,Victim,Sex,Perpetrator\n\
                    1,Raid,2024-03-05,Peru,Arrest,Ana Mamani,Female,Police\n\
                    1,Raid,2024-03-05,PER,Torture,Ana Mamani,F,Police\n\
                    2,Shooting,2024-04,SYR,Summary execution,Omar Haddad,Male,Army\n";
        let bad = "Incident,Title,Date,Country,Violation,Victim,Sex,Perpetrator\n\
                   1,Raid,2024-03-05,PER,Arrest,Ana,Female,Police\n\
                   2,Raid,2024-13-05,PER,Arrest,Ana,Female,Police\n\
                   3,Raid,2024-03-05,PER,Flying,Ana,Female,Police\n\
                   4,Raid,2024-03-05,PER,Arrest,,Female,Police\n";
        let before = count(&s, "vio_acts").await;
        let rep = import::import_rows(&s, &doc, &mapping, || Ok(rows(bad).into_iter()), &|_| {})
            .await
            .unwrap();
        let errs: Vec<(usize, &str)> = rep
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(errs[0], (3, "start_date"), "{:?}", rep.errors);
        assert_eq!(errs[1], (4, "act_type"));
        // "F" is not a label of the sex list: only exact labels or codes are accepted.
        assert_eq!(errs[2], (5, "victim_name"));
        assert_eq!(count(&s, "vio_acts").await, before, "nothing written");
        let good = good.replace(",F,", ",Female,");
        let rep = import::import_rows(&s, &doc, &mapping, || Ok(rows(&good).into_iter()), &|_| {})
            .await
            .unwrap();
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        assert_eq!((rep.events, rep.acts), (2, 3));
        assert_eq!(
            rep.persons,
            3 + 2,
            "3 victims (one per row), 2 perpetrators"
        );
        let (n, evs) = list_events(
            &s,
            &doc,
            &EventFilter {
                country: Some("SYR".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(evs[0].acts, 1);
        // KoboToolbox JSON with a repeat group of acts.
        let kobo = serde_json::json!([{
            "_uuid": "abc", "incident/event_title": "Market attack", "incident/event_start": "2024-05-01", "incident/country": "SDN",
            "acts": [
                {"acts/act_type": "Summary execution", "acts/victim_name": "Victim One"},
                {"acts/act_type": "Arrest", "acts/victim_name": "Victim Two"}
            ]
        }]);
        let krows = import::kobo_json_rows(&kobo, Some("acts")).unwrap();
        let rep = import::import_rows(
            &s,
            &doc,
            &Mapping::kobo_default(),
            || Ok(krows.clone().into_iter()),
            &|_| {},
        )
        .await
        .unwrap();
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        assert_eq!((rep.events, rep.acts), (1, 2));
    }
}

#[tokio::test]
async fn lenses_priority_countries_and_death_penalty_cases() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        victim_internal(&s, &c).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        v::set_priority_countries(&mut tx, &vocab, &["per".into(), "SYR".into()])
            .await
            .unwrap();
        set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                event_id: c.event,
                person_id: c.victim,
                status: "sentenced".into(),
                sentence_date: "2024-06-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                event_id: c.event,
                person_id: c.victim,
                status: "commuted".into(),
                sentence_date: "2024-06-01".into(),
                commutation_date: "2024-09".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                event_id: c.event,
                person_id: c.victim,
                status: "sentenced".into(),
                sentence_date: "2024-06-01".into(),
                execution_date: "2024-05-01".into(),
                ..Default::default()
            }
        )
        .await
        .is_err());
        tx.commit().await.unwrap();
        assert_eq!(v::priority_countries(&s).await.unwrap(), ["PER", "SYR"]);
        let counts = lens_counts(&s, &ana).await.unwrap();
        let dp = counts.iter().find(|l| l.lens == "death_penalty").unwrap();
        assert_eq!((dp.events, dp.priority_events, dp.acts), (1, 1, 2));
        let (cases, by_status) = death_penalty_cases(&s, &ana).await.unwrap();
        assert_eq!(cases.len(), 1);
        assert!(
            cases[0].person.starts_with("P-"),
            "pseudonym for the analyst"
        );
        assert_eq!(by_status, [("commuted".to_string(), 1)]);
        let (n, _) = list_events(
            &s,
            &ana,
            &EventFilter {
                priority: Some(true),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        let (n, _) = list_events(
            &s,
            &ana,
            &EventFilter {
                lens: Some("hrd".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn drafts_are_private_and_encrypted() {
    let (s, doc, ana, _) = setup(Backend::Sqlite).await;
    let mut tx = s.begin(&doc).await.unwrap();
    let id = save_draft(
        &mut tx,
        None,
        "entry",
        &serde_json::json!({"victim_name": "Amaru Quispe"}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        drafts(&s, &doc).await.unwrap()[0].payload["victim_name"],
        "Amaru Quispe"
    );
    assert!(drafts(&s, &ana).await.unwrap().is_empty());
    let raw: String = sqlx::query("SELECT payload FROM vio_drafts WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
    assert!(!raw.contains("Amaru"));
}

#[tokio::test]
async fn edits_of_acts_involvements_and_information_are_validated_audited_and_versioned() {
    for b in backends() {
        let (s, doc, _, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let vocab = Vocab::load(&s).await.unwrap();
        let v0 = current_version(&s, ACT, c.act1).await.unwrap().unwrap();
        let before = get_act(&s, c.act1).await.unwrap().unwrap();
        let edit = ActInput {
            victim_id: Some(c.victim),
            act_type: TORTURE.into(),
            start_date: "2024-03-05".into(),
            end_date: "2024-03-06".into(),
            consequences: "Two broken ribs".into(),
            medical_attention: Some("nonsense".into()),
            confidentiality: "internal".into(),
            ..Default::default()
        };
        // An unknown code: refused, nothing changed, no audit entry.
        let audits = count(&s, "audit_log").await;
        let mut tx = s.begin(&doc).await.unwrap();
        check_version(&mut tx, ACT, c.act1, &v0).await.unwrap();
        let e = update_act(&mut tx, &vocab, c.act1, &edit)
            .await
            .unwrap_err();
        drop(tx);
        assert!(
            matches!(&e, StoreError::Rejected(r) if r.field == "medical_attention"),
            "{b:?}: {e}"
        );
        assert_eq!(count(&s, "audit_log").await, audits);
        assert_eq!(
            get_act(&s, c.act1).await.unwrap().unwrap().act_type,
            before.act_type
        );
        // Dates out of order are refused too.
        let mut tx = s.begin(&doc).await.unwrap();
        let bad = ActInput {
            medical_attention: None,
            end_date: "2024-03-01".into(),
            ..edit.clone()
        };
        assert!(update_act(&mut tx, &vocab, c.act1, &bad).await.is_err());
        drop(tx);
        // A good edit, on the version it was opened on.
        let good = ActInput {
            medical_attention: None,
            ..edit.clone()
        };
        let mut tx = s.begin(&doc).await.unwrap();
        check_version(&mut tx, ACT, c.act1, &v0).await.unwrap();
        update_act(&mut tx, &vocab, c.act1, &good).await.unwrap();
        tx.commit().await.unwrap();
        let after = get_act(&s, c.act1).await.unwrap().unwrap();
        assert_eq!(
            (
                after.act_type.as_str(),
                after.end_date.as_str(),
                after.consequences.as_str()
            ),
            (TORTURE, "2024-03-06", "Two broken ribs")
        );
        assert_eq!(after.event_id, before.event_id, "an act keeps its event");
        assert!(
            get_event(&s, c.event)
                .await
                .unwrap()
                .unwrap()
                .lenses
                .contains(&"torture".to_string()),
            "the torture lens follows the new type"
        );
        let row = sqlx::query(
            "SELECT before_hash, after_hash FROM audit_log WHERE action = 'act.update' AND record_id = $1",
        )
        .bind(c.act1.to_string())
        .fetch_one(s.pool())
        .await
        .unwrap();
        assert!(
            row.get::<Option<String>, _>(0).is_some() && row.get::<Option<String>, _>(1).is_some()
        );
        // The form opened before that save is now stale: refused before anything is written.
        let mut tx = s.begin(&doc).await.unwrap();
        let e = check_version(&mut tx, ACT, c.act1, &v0).await.unwrap_err();
        drop(tx);
        assert!(matches!(&e, StoreError::Rejected(r) if r.field == VERSION_FIELD));
        assert_ne!(current_version(&s, ACT, c.act1).await.unwrap().unwrap(), v0);

        // An involvement: the degree changes, an unknown perpetrator is refused.
        let inv: i64 = sqlx::query("SELECT id FROM vio_involvements WHERE act_id = $1")
            .bind(c.act1)
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        let mut tx = s.begin(&doc).await.unwrap();
        let e = update_involvement(
            &mut tx,
            &vocab,
            inv,
            &InvolvementInput {
                perpetrator_id: 999_999,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        drop(tx);
        assert!(matches!(&e, StoreError::Rejected(r) if r.field == "perpetrator_id"));
        let mut tx = s.begin(&doc).await.unwrap();
        update_involvement(
            &mut tx,
            &vocab,
            inv,
            &InvolvementInput {
                perpetrator_id: c.perp,
                degree: Some(DIRECT.into()),
                perpetrator_type: Some(GOVERNMENT.into()),
                latest_status: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            get_involvement(&s, inv)
                .await
                .unwrap()
                .unwrap()
                .degree
                .as_deref(),
            Some(DIRECT)
        );

        // Information: moved onto the act, remarks kept encrypted.
        let info: i64 =
            sqlx::query("SELECT id FROM vio_information WHERE event_id = $1 ORDER BY id")
                .bind(c.event)
                .fetch_one(s.pool())
                .await
                .unwrap()
                .get(0);
        let mut tx = s.begin(&doc).await.unwrap();
        update_information(
            &mut tx,
            &vocab,
            info,
            &InformationInput {
                source_id: c.source,
                act_id: Some(c.act2),
                reliability: Some(RELIABLE.into()),
                info_date: "2024-03".into(),
                remarks: "Met in the market".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let i = get_information(&s, info).await.unwrap().unwrap();
        assert_eq!(
            (i.act_id, i.event_id, i.remarks.as_str()),
            (Some(c.act2), Some(c.event), "Met in the market")
        );
        let raw: String = sqlx::query("SELECT remarks FROM vio_information WHERE id = $1")
            .bind(info)
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert!(!raw.contains("market"));
    }
}

#[tokio::test]
async fn evidence_exports_as_one_tar_archive_that_standard_tools_verify() {
    for b in backends() {
        let (s, doc, _, adm) = setup(b).await;
        let c = document_case(&s, &doc).await;
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (blob, head) = evidence::store_reader(&s, &data[..], u64::MAX, None).unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let id = evidence::create_evidence(
            &mut tx,
            &EvidenceInput {
                event_id: Some(c.event),
                title: "Clinic video".into(),
                filename: "clinic.bin".into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
            &blob,
            &head,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let dir = dignity_store::testing::temp_dir("tar");
        let archive = dir.join("case-1.tar");
        let rep = evidence::export_archive(&s, &adm, &[id], &archive)
            .await
            .unwrap();
        assert_eq!(rep.items, 1, "{b:?}");
        // Only the archive is left: no staging folder, no partial file.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["case-1.tar".to_string()]);
        // A second export to the same name is refused rather than overwriting it.
        assert!(evidence::export_archive(&s, &adm, &[id], &archive)
            .await
            .is_err());
        let run = |cmd: &str, args: &[&str], cwd: &std::path::Path| {
            let o = std::process::Command::new(cmd)
                .args(args)
                .current_dir(cwd)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{cmd} {args:?}: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
        };
        run("tar", &["-xf", "case-1.tar"], &dir);
        let pkg = dir.join("case-1");
        run("sha256sum", &["-c", "manifest.sha256.sha256"], &pkg);
        run("sha256sum", &["-c", "manifest.sha256"], &pkg);
        run("sha512sum", &["-c", "manifest.sha512"], &pkg);
        assert_eq!(
            std::fs::read(pkg.join(format!("files/{}", blob.sha256))).unwrap(),
            data
        );
    }
}

#[tokio::test]
async fn temporary_files_of_interrupted_uploads_are_removed_at_start() {
    let (s, _, _, _) = setup(Backend::Sqlite).await;
    let tmp = evidence::files_dir(&s).join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let old = tmp.join("upload-old.part");
    std::fs::write(&old, b"half an upload").unwrap();
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
    drop(f);
    let fresh = tmp.join("upload-now.part");
    std::fs::write(&fresh, b"being written").unwrap();
    assert_eq!(evidence::clean_at_start(&s), 1);
    assert!(!old.exists(), "the interrupted upload is gone");
    assert!(fresh.exists(), "a file still being written is left alone");
}

#[tokio::test]
async fn long_lists_cap_their_totals_and_page_by_keyset() {
    for b in backends() {
        let (s, doc, ana, _) = setup(b).await;
        let c = document_case(&s, &doc).await;
        // 10,005 more internal events and one confidential one, written in one statement.
        let mut tx = s.begin(&doc).await.unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10006) \
             INSERT INTO vio_events (title, start_date, start_sort, country, confidentiality, published, created_at, updated_at) \
             SELECT 'Event ' || CAST(i AS TEXT) || CASE WHEN i >= 10000 THEN ' late' ELSE '' END, '2020-01-01', '2020-01', 'SYR', \
             CASE WHEN i = 10006 THEN 'confidential' ELSE 'internal' END, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n",
        )
        .execute(tx.conn())
        .await
        .unwrap();
        tx.audit(
            "test.bulk",
            EVENT,
            "bulk",
            None,
            None,
            serde_json::json!({}),
        );
        tx.commit().await.unwrap();
        // Written in clear, as an older version did: encrypted and keyed as at serve start.
        dignity_store::at_rest::encrypt_clear_fields(&s)
            .await
            .unwrap();
        assert_eq!(
            dignity_store::violations::fill_title_words(&s)
                .await
                .unwrap(),
            10006
        );
        let all = EventFilter::default();
        let (n, rows) = list_events(&s, &ana, &all, 50, 0).await.unwrap();
        assert_eq!(
            (n, total_is_exact(n)),
            (TOTAL_CAP + 1, false),
            "{b:?}: more than 10,000"
        );
        assert_eq!(rows.len(), 50);
        // Under the cap the total is exact, and it still leaves out what the reader may not see.
        let syr = EventFilter {
            country: Some("SYR".into()),
            q: Some("late EVENT".into()),
            ..Default::default()
        };
        let (n, rows) = list_events(&s, &ana, &syr, 50, 0).await.unwrap();
        // "Event 10000 late" … "Event 10005 late"; 10006 is confidential.
        assert_eq!((n, total_is_exact(n), rows.len()), (6, true, 6));
        assert!(rows.iter().all(|r| r.title.ends_with(" late")), "{rows:?}");
        // Acts: keyset pages follow each other without gaps or repeats; a victim's acts.
        let (n, first) = list_acts(&s, &doc, &ActFilter::default(), 1, 0)
            .await
            .unwrap();
        assert_eq!((n, first.len()), (2, 1));
        let next = ActFilter {
            before: Some(first[0].id),
            ..Default::default()
        };
        let (_, second) = list_acts(&s, &doc, &next, 1, 0).await.unwrap();
        assert_eq!(second.len(), 1);
        assert!(second[0].id < first[0].id);
        let mut ids = vec![first[0].id, second[0].id];
        ids.sort();
        assert_eq!(ids, {
            let mut v = vec![c.act1, c.act2];
            v.sort();
            v
        });
        let mine = ActFilter {
            victim_id: Some(c.victim),
            ..Default::default()
        };
        let (n, rows) = list_acts(&s, &doc, &mine, 100, 0).await.unwrap();
        assert!(n >= 1 && rows.iter().all(|a| a.victim_id == c.victim));
        let (n, _) = list_acts(
            &s,
            &doc,
            &ActFilter {
                victim_id: Some(c.perp),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
        assert_eq!(n, 0);
    }
}
