//! The marker test of issue 16 ("do no harm at rest"): a distinct marker string in every
//! field a user can type, of every record type, written through the store's write
//! functions; then the search index is built and backups made with the `dignity` binary,
//! and the data directory (database, WAL, index, evidence files), the unpacked backup and,
//! on PostgreSQL, a `pg_dump` are searched for every marker.
//!
//! Which markers must not be found comes from the column registry
//! (`dignity_store::at_rest`): every marker typed into a column registered *encrypted*.
//! Markers typed into columns kept in clear (a staff label, by design) are expected in the
//! database and serve as the control that the search reads the right files (no column is
//! registered *pending* any more). Every encrypted column of the registry must be filled by
//! this test (checked), so a new encrypted column cannot be left out of it.

use dignity_core::{Actor, Role};
use dignity_store::at_rest::{self, Class};
use dignity_store::protection::defenders::*;
use dignity_store::protection::missing::*;
use dignity_store::protection::sources as src;
use dignity_store::violations::evidence::{self, EvidenceInput};
use dignity_store::violations::interventions::{self, InterventionInput};
use dignity_store::violations::*;
use dignity_store::{accounts, search, Store};
use std::collections::BTreeMap;

mod obligations;
mod protection;
mod stats;
mod violations;

/// Encrypted columns this test cannot type into, with the reason.
pub const NOT_TYPED: &[(&str, &str)] = &[
    (
        "vio_evidence.metadata",
        "extracted from the uploaded file (its content carries the evidence marker)",
    ),
    (
        "sp_standing_invitations.note",
        "no store function writes it (a standing invitation records its date only)",
    ),
];

/// Markers by the column they were typed into (`table.column`).
#[derive(Default)]
pub struct Markers(pub BTreeMap<String, Vec<String>>);

impl Markers {
    /// A new marker for `column`.
    pub fn mk(&mut self, column: &str) -> String {
        let n = self.0.values().map(Vec::len).sum::<usize>();
        let m = format!("Zq{n:03}{}Qz", column.replace(['.', '_'], ""));
        self.0
            .entry(column.to_string())
            .or_default()
            .push(m.clone());
        m
    }

    /// A date typed into `column`: dates cannot carry a marker, so a distinctive date is
    /// searched for instead (each used once in the test).
    pub fn date(&mut self, column: &str, d: &str) -> String {
        self.0
            .entry(column.to_string())
            .or_default()
            .push(d.to_string());
        d.to_string()
    }
}

// Codes of the HURIDOCS micro-thesauri 13 (ethnicity), 12 (religion), 10 (occupation).
const ABKHAZIANS: &str = "01021108010113";
const BUDDHISTS: &str = "01000000000012";
const LEGISLATORS: &str = "01000000000010";

/// The evidence file's content: a marker inside non-trivial bytes.
pub const FILE_MARKER: &str = "ZqFileContentOfTheWitnessStatementQz";

pub async fn populate(s: &Store) -> Markers {
    let mut m = Markers::default();
    dignity_store::refdata::load_shipped(s).await.unwrap();
    let pw = "a long enough passphrase";
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let doc = accounts::create(
        &mut tx,
        "dora",
        &m.mk("users.display_name"),
        Role::Documenter,
        pw,
    )
    .await
    .unwrap();
    let coo = accounts::create(&mut tx, "cora", "", Role::Coordinator, pw)
        .await
        .unwrap();
    accounts::set_totp(&mut tx, doc.id, Some(&m.mk("users.totp_secret")), true)
        .await
        .unwrap();
    // The control: a label a user types into a column kept in clear by design (staff
    // labels, see the registry), which the search must find.
    accounts::create_token(&mut tx, doc.id, &m.mk("api_tokens.name"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let doc_a = accounts::actor_for(s, &doc).await.unwrap();
    let coo_a = accounts::actor_for(s, &coo).await.unwrap();
    let vocab = Vocab::load(s).await.unwrap();

    violations::populate(s, &mut m, &doc, &doc_a, &vocab).await;
    protection::populate(s, &mut m, &doc_a, &coo_a, &vocab).await;
    obligations::populate(s, &mut m, &coo_a).await;
    stats::populate(s, &mut m, &coo_a).await;
    // The raw row holds every typed cell, the name and place too.
    for col in [
        "pro_source_records.name",
        "pro_source_records.place",
        "pro_source_records.external_id",
        "pro_source_records.sex",
        "pro_source_records.birth_date",
        "pro_source_records.last_seen_date",
    ] {
        let v = m.0[col].clone();
        m.0.entry("pro_source_records.raw".into())
            .or_default()
            .extend(v);
    }
    m
}

/// Every column registered encrypted is filled by [`populate`] (in at least one row, and
/// with a marker), except [`NOT_TYPED`].
pub async fn check_coverage(s: &Store, m: &Markers) {
    use sqlx::Row;
    for col in at_rest::of_class(|c| c == Class::Encrypted) {
        if NOT_TYPED.iter().any(|(c, _)| *c == col) {
            continue;
        }
        assert!(
            m.0.contains_key(&col),
            "{col} is registered encrypted but the marker test types nothing into it: \
             add it to populate() in crates/dignity-cli/tests/it/at_rest/mod.rs"
        );
        let (t, c) = col.split_once('.').unwrap();
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {t} WHERE {c} IS NOT NULL AND {c} <> ''"
        ))
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
        assert!(n > 0, "{col}: the marker test left it empty");
    }
    // And every value of every encrypted column is a row-bound ciphertext: a person's
    // personal fields under the person's own key (crypto-shredding, `store::shred`), the
    // rest under the data key.
    for col in at_rest::of_class(|c| c == Class::Encrypted) {
        let (t, c) = col.split_once('.').unwrap();
        let prefix = if t == "vio_persons" {
            "enc:p1:"
        } else {
            "enc:v2:"
        };
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {t} WHERE {c} IS NOT NULL AND {c} <> '' AND substr({c}, 1, 7) <> '{prefix}'"
        ))
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(n, 0, "{col}: {n} values not encrypted");
    }
}

/// The markers that must not be found: those typed into encrypted columns, and the file's.
pub fn secret_markers(m: &Markers) -> Vec<(String, String)> {
    let mut out = vec![("evidence file".to_string(), FILE_MARKER.to_string())];
    for (col, ms) in &m.0 {
        let (t, c) = col.split_once('.').unwrap();
        if at_rest::class_of(t, c) == Some(Class::Encrypted) {
            out.extend(ms.iter().map(|x| (col.clone(), x.clone())));
        }
    }
    out
}

/// The months of the typed dates, kept in clear as sort keys (a control: the database
/// holds them, and no day).
pub fn month_markers(m: &Markers) -> Vec<(String, String)> {
    let mut out = vec![];
    for (col, ms) in &m.0 {
        let (t, c) = col.split_once('.').unwrap();
        if at_rest::class_of(t, c) == Some(at_rest::MONTH) {
            out.extend(ms.iter().map(|x| (col.clone(), x.clone())));
        }
    }
    out
}

/// The markers typed into columns kept in clear by design (the control; a column still
/// pending would count too).
pub fn clear_markers(m: &Markers) -> Vec<(String, String)> {
    let mut out = vec![];
    for (col, ms) in &m.0 {
        let (t, c) = col.split_once('.').unwrap();
        if matches!(
            at_rest::class_of(t, c),
            Some(Class::Pending | Class::Clear(_))
        ) {
            out.extend(ms.iter().map(|x| (col.clone(), x.clone())));
        }
    }
    out
}

pub use crate::common::contains;

/// Every file under `dir`, with its bytes.
pub fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
    out
}

/// Whether `marker` stands in `hay`. A marker of digits only (an amount in cents) found
/// inside a run of 32 or more hexadecimal digits is a chance match in a SHA-256 or a key
/// id that the files hold by design (the backup's manifest, the audit chain), not a typed
/// value kept in clear, which would stand as its own token: such a match does not count.
fn found(hay: &[u8], marker: &[u8]) -> bool {
    if marker.is_empty() || !marker.iter().all(u8::is_ascii_digit) {
        return contains(hay, marker);
    }
    let n = marker.len();
    (0..hay.len().saturating_sub(n - 1))
        .filter(|&i| &hay[i..i + n] == marker)
        .any(|i| {
            let before = hay[..i]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            let after = hay[i + n..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            before + n + after < 32
        })
}

/// The markers of `secret` found in `files`: (marker's column, file).
pub fn hits(secret: &[(String, String)], files: &[(std::path::PathBuf, Vec<u8>)]) -> Vec<String> {
    let mut out = vec![];
    for (col, mk) in secret {
        for (p, b) in files {
            if found(b, mk.as_bytes()) {
                out.push(format!("{col} ({mk}) in {}", p.display()));
            }
        }
    }
    out
}

async fn mid_of(s: &Store, defender: i64) -> i64 {
    measures_of(s, defender).await.unwrap()[0].id
}
