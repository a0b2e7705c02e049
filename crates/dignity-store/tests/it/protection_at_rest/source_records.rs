//! Source-list records at rest (issue 16): external ids, dates of birth, sex and last-seen
//! dates encrypted, re-imports by a keyed external id, and the upgrade of records an older
//! version stored in clear.

use super::*;
use dignity_store::protection::sources::{self as s, Mapping};

const FIELDS: &str = "external_id, birth_date, sex, last_seen_date";

fn mapping() -> Mapping {
    [
        ("external_id", "ID"),
        ("name", "Full name"),
        ("birth_date", "DOB"),
        ("sex", "Sex"),
        ("last_seen_date", "Seen"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}

async fn import(st: &TestStore, who: &Actor, source: i64, csv: &str) -> (usize, usize, usize) {
    let t = s::read_csv(csv.as_bytes()).unwrap();
    let r = s::import_list(
        st,
        who,
        source,
        "list.csv",
        &t,
        &mapping(),
        &s::ImportOptions::default(),
    )
    .await
    .unwrap();
    (r.new, r.changed, r.unchanged)
}

async fn ids(st: &TestStore, sql: &str) -> Vec<i64> {
    common::ints(st, sql).await
}

/// (external id, birth date, sex, last seen) of the current records, decrypted.
async fn current(st: &TestStore, source: i64) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = s::records(st, Some(source), false, 100, 0)
        .await
        .unwrap()
        .1
        .into_iter()
        .map(|r| (r.external_id, r.birth_date, r.sex, r.last_seen_date))
        .collect();
    v.sort();
    v
}

const LIST: &str = "ID,Full name,DOB,Sex,Seen\nK-1,Agron Krasniqi,1971-05-04,M,1999-04-12\nK-2,Dragana Jovanović,1980,F,1999\n";

/// A source record's external id, date of birth, sex and last-seen date are stored
/// encrypted; a re-import finds the records by the keyed external id (bound to the
/// source), keeps the unchanged ones and supersedes the changed one.
#[tokio::test]
async fn are_encrypted_and_a_reimport_finds_them_by_a_keyed_external_id() {
    for b in backends() {
        let (st, coo) = setup(b).await;
        let (icrc, comm) = common::icrc_and_commission(&st, &coo).await;
        assert_eq!(import(&st, &coo, icrc, LIST).await, (2, 0, 0), "{b:?}");
        assert_eq!(import(&st, &coo, comm, LIST).await, (2, 0, 0), "{b:?}");
        for id in ids(&st, "SELECT id FROM pro_source_records").await {
            let v = raw(
                &st,
                &format!("SELECT {FIELDS} FROM pro_source_records WHERE id = $1"),
                id,
            )
            .await;
            assert!(v.iter().all(|x| x.starts_with("enc:v2:")), "{b:?}: {v:?}");
        }
        let want = vec![
            (
                "K-1".into(),
                "1971-05-04".into(),
                "M".into(),
                "1999-04-12".into(),
            ),
            ("K-2".into(), "1980".into(), "F".into(), "1999".into()),
        ];
        assert_eq!(current(&st, icrc).await, want, "{b:?}");
        // The keyed id is the source's own: equal ids of two sources do not show.
        let keys = common::texts(
            &st,
            "SELECT external_id_key FROM pro_source_records ORDER BY source_id, external_id_key",
        )
        .await;
        let mut expected = vec![];
        for (src, ext) in [(icrc, "K-1"), (icrc, "K-2"), (comm, "K-1"), (comm, "K-2")] {
            expected.push(s::external_key(&st.keys(), src, ext));
        }
        expected[..2].sort();
        expected[2..].sort();
        assert_eq!(keys, expected, "{b:?}");
        assert_ne!(keys[0], keys[2], "{b:?}");

        // The same list again: nothing new; one row changed: a new version, the old one
        // superseded by it.
        assert_eq!(import(&st, &coo, icrc, LIST).await, (0, 0, 2), "{b:?}");
        let changed = LIST.replace("F,1999\n", "F,2000-02\n");
        assert_eq!(import(&st, &coo, icrc, &changed).await, (0, 1, 1), "{b:?}");
        let now = current(&st, icrc).await;
        assert_eq!(now[1].3, "2000-02", "{b:?}");
        let old = ids(&st, "SELECT id FROM pro_source_records WHERE current = 0").await;
        let new_id = s::records(&st, Some(icrc), false, 10, 0)
            .await
            .unwrap()
            .1
            .into_iter()
            .find(|r| r.external_id == "K-2")
            .unwrap()
            .id;
        assert_eq!(old.len(), 1, "{b:?}");
        let sup: Option<i64> =
            sqlx::query("SELECT superseded_by FROM pro_source_records WHERE id = $1")
                .bind(old[0])
                .fetch_one(st.pool())
                .await
                .unwrap()
                .get(0);
        assert_eq!(sup, Some(new_id), "{b:?}");
        assert_eq!(
            s::get_record(&st, old[0])
                .await
                .unwrap()
                .unwrap()
                .last_seen_date,
            "1999"
        );
    }
}

/// Records an older version stored with these fields in clear and no keyed external id:
/// a dry run already finds them by their id; at start the values are encrypted
/// (`at_rest::encrypt_clear_fields`) and the keyed ids filled (`ensure_match_keys`,
/// through `ensure_external_keys`, audited with a count); a re-import still finds them.
#[tokio::test]
async fn stored_in_clear_by_an_older_version_are_encrypted_and_keyed_at_start() {
    for b in backends() {
        let (st, coo) = setup(b).await;
        let icrc = common::icrc_source(&st, &coo).await;
        import(&st, &coo, icrc, LIST).await;
        let rows = [
            ("K-1", "1971-05-04", "M", "1999-04-12"),
            ("K-2", "1980", "F", "1999"),
        ];
        for (id, (ext, birth, sex, seen)) in
            ids(&st, "SELECT id FROM pro_source_records ORDER BY line")
                .await
                .into_iter()
                .zip(rows)
        {
            sqlx::query(
                "UPDATE pro_source_records SET external_id = $1, birth_date = $2, sex = $3, \
                 last_seen_date = $4, external_id_key = '' WHERE id = $5",
            )
            .bind(ext)
            .bind(birth)
            .bind(sex)
            .bind(seen)
            .bind(id)
            .execute(st.pool())
            .await
            .unwrap();
        }
        let t = s::read_csv(LIST.as_bytes()).unwrap();
        let opts = s::ImportOptions {
            dry_run: true,
            ..Default::default()
        };
        let dry = s::import_list(&st, &coo, icrc, "l.csv", &t, &mapping(), &opts)
            .await
            .unwrap();
        assert_eq!((dry.new, dry.changed, dry.unchanged), (0, 0, 2), "{b:?}");

        let r = dignity_store::at_rest::encrypt_clear_fields(&st)
            .await
            .unwrap();
        assert_eq!(r.total(), 8, "{b:?}: {:?}", r.encrypted);
        s::ensure_match_keys(&st).await.unwrap();
        assert_eq!(
            s::ensure_external_keys(&st).await.unwrap(),
            0,
            "{b:?}: done once"
        );
        let empty = ids(
            &st,
            "SELECT COUNT(*) FROM pro_source_records WHERE external_id_key = '' OR external_id NOT LIKE 'enc:v2:%' \
             OR birth_date NOT LIKE 'enc:v2:%' OR sex NOT LIKE 'enc:v2:%' OR last_seen_date NOT LIKE 'enc:v2:%'",
        )
        .await;
        assert_eq!(empty, [0], "{b:?}");
        assert_eq!(
            current(&st, icrc).await,
            rows.iter()
                .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
                .collect::<Vec<_>>(),
            "{b:?}"
        );
        assert_eq!(import(&st, &coo, icrc, LIST).await, (0, 0, 2), "{b:?}");
        let details = common::texts(&st, "SELECT CAST(details AS TEXT) FROM audit_log WHERE action = 'source_records.external_keys'").await;
        assert_eq!(details.len(), 1, "{b:?}");
        let d: serde_json::Value = serde_json::from_str(&details[0]).unwrap();
        assert_eq!(d["records"], 2, "{b:?}: {d}");
        assert!(!details[0].contains("K-"), "{b:?}: a count, never a value");
    }
}
