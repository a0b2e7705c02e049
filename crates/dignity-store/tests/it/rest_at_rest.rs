//! The last small columns at rest (issue 16): staff display names, institution names and
//! the notes on reference rows (ratifications, treaty reports, country visits, standing
//! invitations) are encrypted, bound to their rows; every reader decrypts, lists sort in
//! Rust, and values an older version stored in clear are encrypted at start.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::obligations::{self as ob, recs, reports, tracking, RatificationInput};
use dignity_store::testing::{backends, store, TestStore};
use dignity_store::{accounts, acl, Backend};
use sqlx::Row;

const PASS: &str = "a long enough passphrase";

async fn fresh(b: Backend) -> TestStore {
    common::fresh_store(b).await
}

async fn raw(s: &TestStore, sql: &str) -> String {
    sqlx::query(sql).fetch_one(s.pool()).await.unwrap().get(0)
}

#[tokio::test]
async fn staff_display_names_are_encrypted_and_every_reader_decrypts() {
    for b in backends() {
        let s = store(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(&mut tx, "amina", "Amina Diallo", Role::Admin, PASS)
            .await
            .unwrap();
        let o = accounts::create(&mut tx, "omar", "", Role::Analyst, PASS)
            .await
            .unwrap();
        let team = acl::create_team(&mut tx, "Field").await.unwrap();
        acl::set_member(&mut tx, team, u.id, true).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(u.display_name, "Amina Diallo", "{b:?}");
        // An empty display name reads as the username, encrypted too.
        assert_eq!(o.display_name, "omar");
        let stored = raw(
            &s,
            &format!("SELECT display_name FROM users WHERE id = {}", u.id),
        )
        .await;
        assert!(stored.starts_with("enc:v2:"), "{b:?}: {stored}");
        assert!(!stored.contains("Amina"));
        // Bound to its row: under another user's id it does not decrypt.
        assert!(s.decrypt("users.display_name", o.id, &stored).is_err());
        let by_name = accounts::by_username(&s, "amina").await.unwrap().unwrap();
        assert_eq!(by_name.display_name, "Amina Diallo");
        let by_id = accounts::by_id(&s, o.id).await.unwrap().unwrap();
        assert_eq!(by_id.display_name, "omar");
        let all: Vec<_> = accounts::list(&s)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.display_name)
            .collect();
        assert_eq!(all, ["Amina Diallo", "omar"]);
        assert_eq!(
            acl::members(&s, team).await.unwrap(),
            [(u.id, "amina".to_string(), "Amina Diallo".to_string())]
        );
        // A role change re-reads the user.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let after = accounts::set_role(&mut tx, o.id, Role::Coordinator)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(after.display_name, "omar");
    }
}

#[tokio::test]
async fn institution_names_are_encrypted_unique_and_sorted_after_decrypting() {
    for b in backends() {
        let s = fresh(b).await;
        let input = common::police_oversight().into_input().unwrap();
        let (rec, zeta, alpha, again) = s
            .write(&Actor::system(), async |tx| {
                let rec = recs::create(tx, input).await?;
                let zeta = tracking::institution(tx, "Zeta Commission", "agency", None).await?;
                let alpha =
                    tracking::institution(tx, "Alpha Ministry", "ministry", Some("KEN")).await?;
                // Found by its name, not created twice.
                let again = tracking::institution(tx, " Zeta Commission ", "other", None).await?;
                for i in [zeta, alpha] {
                    tracking::assign(tx, tracking::Target::Recommendation(rec), i, "desk").await?;
                }
                tracking::add_action(
                    tx,
                    tracking::Target::Recommendation(rec),
                    &tracking::PlannedAction {
                        id: 0,
                        description: "Draft the bill".into(),
                        institution: None,
                        target_date: "2026-02-17".into(),
                        indicator: String::new(),
                        done: false,
                        overdue_days: None,
                    },
                    Some(zeta),
                )
                .await?;
                Ok((rec, zeta, alpha, again))
            })
            .await
            .unwrap();
        assert_eq!(again, zeta, "{b:?}");
        assert_ne!(alpha, zeta);
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM institutions")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 2);
        let stored = raw(
            &s,
            &format!("SELECT name FROM institutions WHERE id = {zeta}"),
        )
        .await;
        assert!(stored.starts_with("enc:v2:"), "{b:?}: {stored}");
        // Sorted by name although the stored values are ciphertext.
        let a: Vec<_> = tracking::assignments(&s, rec)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.institution)
            .collect();
        assert_eq!(a, ["Alpha Ministry", "Zeta Commission"], "{b:?}");
        let acts = tracking::actions(&s, rec).await.unwrap();
        assert_eq!(acts[0].institution.as_deref(), Some("Zeta Commission"));
        let due = tracking::due_actions(&s, "KEN", 100_000).await.unwrap();
        assert_eq!(due[0].institution.as_deref(), Some("Zeta Commission"));
    }
}

#[tokio::test]
async fn notes_on_reference_rows_are_encrypted_bound_to_their_rows() {
    for b in backends() {
        let s = fresh(b).await;
        // The shipped curation notes are encrypted as they are loaded.
        let clear: i64 = sqlx::query(
            "SELECT COUNT(*) FROM ratifications WHERE note <> '' AND substr(note, 1, 7) <> 'enc:v2:'",
        )
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(clear, 0, "{b:?}");
        // data/treaties/ratifications.csv: JAM,ICCPR-OP1,…,"Denounced: notified 23 Oct 1997, …"
        let jam = ob::ratification(&s, "JAM", "ICCPR-OP1")
            .await
            .unwrap()
            .unwrap();
        assert!(
            jam.note.starts_with("Denounced: notified 23 Oct 1997"),
            "{b:?}: {jam:?}"
        );

        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let r = ob::set_ratification(
            &mut tx,
            "KEN",
            "CPED",
            &RatificationInput {
                note: "Confirmed by the ministry's legal adviser".into(),
                ..common::party_since_2015()
            },
            "user",
        )
        .await
        .unwrap();
        assert_eq!(r.note, "Confirmed by the ministry's legal adviser");
        common::kenya_first_cped_report(
            &mut tx,
            reports::ReportInput {
                note: "Draft seen at the NGO briefing".into(),
                ..Default::default()
            },
        )
        .await;
        common::sr_torture_mandate(&mut tx).await;
        let visit = reports::add_visit(
            &mut tx,
            "KEN",
            &reports::Visit {
                status: "requested".into(),
                requested: "2019".into(),
                note: "Met the families in Mombasa".into(),
                ..common::sr_torture_visit()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for (sql, row_table) in [
            (
                "SELECT note FROM ratifications WHERE iso3 = 'KEN' AND instrument = 'CPED'",
                "ratifications",
            ),
            (
                "SELECT note FROM treaty_reports WHERE iso3 = 'KEN'",
                "treaty_reports",
            ),
            ("SELECT note FROM sp_visits", "sp_visits"),
        ] {
            let v = raw(&s, sql).await;
            assert!(v.starts_with("enc:v2:"), "{b:?}: {row_table}: {v}");
        }
        let rat = ob::ratification(&s, "KEN", "CPED").await.unwrap().unwrap();
        assert_eq!(rat.note, "Confirmed by the ministry's legal adviser");
        let until = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let rep = reports::reports(&s, "KEN", until).await.unwrap();
        let cped = rep.iter().find(|r| r.instrument == "CPED").unwrap();
        assert_eq!(cped.note, "Draft seen at the NGO briefing");
        let v = reports::visits(&s, "KEN").await.unwrap();
        assert_eq!(
            (v[0].id, v[0].note.as_str()),
            (visit, "Met the families in Mombasa")
        );

        // Updated in place: the note of the existing row is replaced, still encrypted.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        common::kenya_first_cped_report(
            &mut tx,
            reports::ReportInput {
                submitted: "2018-03-01".into(),
                note: "Submitted late".into(),
                ..Default::default()
            },
        )
        .await;
        tx.commit().await.unwrap();
        let rep = reports::reports(&s, "KEN", until).await.unwrap();
        let cped = rep.iter().find(|r| r.instrument == "CPED").unwrap();
        assert_eq!(
            (cped.submitted.as_str(), cped.note.as_str()),
            ("2018-03-01", "Submitted late")
        );
    }
}

/// Values an older version stored in clear (display names, institution names, notes,
/// a standing invitation's note keyed by its country) are encrypted at start, bound to
/// their rows (the country code for a table keyed by it), and read back.
#[tokio::test]
async fn values_stored_in_clear_by_an_older_version_are_encrypted_at_start() {
    for b in backends() {
        let s = fresh(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(&mut tx, "amina", "x", Role::Admin, PASS)
            .await
            .unwrap();
        for sql in [
            "UPDATE users SET display_name = 'Amina Old'".to_string(),
            "INSERT INTO institutions (name, kind, created_at) VALUES ('Old Ministry', 'ministry', '2020-01-01T00:00:00Z')".into(),
            "INSERT INTO sp_standing_invitations (iso3, since, note) VALUES ('KEN', '2011', 'typed long ago')".into(),
        ] {
            sqlx::query(&sql).execute(tx.conn()).await.unwrap();
        }
        tx.audit("test.old", "user", "old", None, None, serde_json::json!({}));
        tx.commit().await.unwrap();
        let r = dignity_store::at_rest::encrypt_clear_fields(&s)
            .await
            .unwrap();
        for f in [
            "users.display_name",
            "institutions.name",
            "sp_standing_invitations.note",
        ] {
            assert!(
                r.encrypted.iter().any(|(c, n)| c == f && *n == 1),
                "{b:?}: {f}: {r:?}"
            );
        }
        assert_eq!(
            accounts::by_id(&s, u.id)
                .await
                .unwrap()
                .unwrap()
                .display_name,
            "Amina Old"
        );
        // Found by its (decrypted) name, not created again.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let id = tracking::institution(&mut tx, "Old Ministry", "ministry", None)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let old: i64 = sqlx::query("SELECT id FROM institutions")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(id, old, "{b:?}");
        let note = raw(&s, "SELECT note FROM sp_standing_invitations").await;
        assert_eq!(
            s.decrypt("sp_standing_invitations.note", "KEN", &note)
                .unwrap(),
            "typed long ago"
        );
    }
}
