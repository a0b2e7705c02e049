//! Storage of documenting violations (issue 4), modelled on the HURIDOCS Events Standard
//! Formats ("who did what to whom"): an **event** has many **acts**; each act has exactly
//! one **victim** (a person) and any number of perpetrators (**involvements**); **persons**
//! (victims, perpetrators, sources, witnesses, intervening parties, organisations) live in
//! one table whatever their roles; **information** links a source to an event, act or
//! person; **interventions** record what was done about it; **evidence** files are stored
//! once, content-addressed, with a chain of custody.
//!
//! Rules every function here keeps:
//! - vocabulary codes are checked against the HURIDOCS micro-thesauri (`vocab_terms`);
//! - names, contact details, exact places, coordinates and narratives are encrypted fields;
//! - single records are read through [`can`] (the authorization module), lists and counts
//!   filter with `acl::visible_sql` in SQL;
//! - every write goes through a [`WriteTx`] and is audited (hashes of the record only).

mod access;
pub mod case;
pub mod edit;
pub mod evidence;
pub mod import;
pub mod index;
pub mod interventions;
pub mod records;
mod vocab;

pub use access::*;
pub use edit::*;
pub use records::*;
pub use vocab::*;

use crate::shared::{stored_level, with_fields};
use crate::{acl, Result, Store, StoreError, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::{Actor, Confidentiality, PartialDate, Role};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Record types (also the `record_acl.record_type` and audit `record_type`).
pub const EVENT: &str = "vio_events";
pub const ACT: &str = "vio_acts";
pub const PERSON: &str = "vio_persons";
pub const INTERVENTION: &str = "vio_interventions";
pub const EVIDENCE: &str = "vio_evidence";

// --------------------------------------------------------------- helpers --

/// A partial date from text, with the field named in the error.
pub fn date(field: &str, s: &str) -> Result<PartialDate> {
    Ok(dignity_core::violations::date(field.to_string(), s)?)
}

/// Sort key of a partial date, kept in clear for sorting, range filters and statistics:
/// the month of its earliest day (`YYYY-MM`; a year alone gives its January, as the day
/// keys of older versions did, so statistics by month count it where they did), or empty
/// when unknown. The exact date is encrypted (see `docs/security.md`, "Fields at rest").
pub fn sort_key(d: &PartialDate) -> String {
    d.earliest()
        .map(|d| d.format("%Y-%m").to_string())
        .unwrap_or_default()
}

/// A date typed as the lower bound of a range filter (`2024`, `2024-03`, `2024-03-12`) as
/// a bound on the month sort keys: its month (the day is not compared: a filter "from
/// 2024-03-12" includes all of March 2024); a year alone stays the year.
pub fn month_bound(d: &str) -> String {
    d.trim().trim_start_matches('~').chars().take(7).collect()
}

/// A date typed as the upper bound of a range filter, as an inclusive bound on the month
/// sort keys: its month, or December of a year alone ("to 2024" includes all of 2024).
pub fn month_bound_to(d: &str) -> String {
    let m = month_bound(d);
    if m.len() == 4 {
        format!("{m}-12")
    } else {
        m
    }
}

/// The exact (decrypted) date of a row as a sort key within its month: its earliest day,
/// or empty when unknown or not a date.
pub fn exact_sort_key(d: &str) -> String {
    PartialDate::parse(d)
        .ok()
        .and_then(|d| d.earliest())
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// The keyed word tokens of an event title (`vio_events.title_words`): each word of
/// [`dignity_core::crypto::index_words`] as an HMAC under the index key, space-separated
/// with a space at both ends, so that `title_words LIKE '% token %'` finds a whole word.
/// Reveals which titles share a word, to whoever reads the database, and nothing else
/// without the key file.
pub fn title_words(store: &Store, title: &str) -> String {
    let keys = store.keys();
    let mut out = String::from(" ");
    for w in dignity_core::crypto::index_words(title) {
        out.push_str(&keys.blind_index(TITLE_WORD, &w));
        out.push(' ');
    }
    out
}

/// The blind-index kind of the words of event titles.
pub const TITLE_WORD: &str = "vio_events.title_words";

/// Fill `vio_events.title_words` for events written by a version without it (run at
/// serve start, after [`crate::at_rest::encrypt_clear_fields`]): reads each title (clear or
/// encrypted) and stores its word tokens, in audited batches. Idempotent.
pub async fn fill_title_words(store: &Store) -> Result<u64> {
    let mut done = 0u64;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query(
            "SELECT id, title FROM vio_events WHERE title_words = '' AND title <> '' ORDER BY id LIMIT 300",
        )
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        if rows.is_empty() {
            break;
        }
        let mut tx = store.begin(&Actor::system()).await?;
        let mut n = 0u64;
        for (id, t) in &rows {
            let clear = if dignity_core::crypto::Keyring::key_id_of(t).is_some() {
                store.decrypt("vio_events.title", id, t)?
            } else {
                t.clone()
            };
            // A title without words gives " ", never '' again.
            let words = title_words(store, &clear);
            n += sqlx::query(
                "UPDATE vio_events SET title_words = $1 WHERE id = $2 AND title_words = ''",
            )
            .bind(words)
            .bind(id)
            .execute(tx.conn())
            .await?
            .rows_affected();
        }
        tx.audit(
            "fields.title_words",
            "field",
            "vio_events.title_words",
            None,
            None,
            serde_json::json!({ "values": n }),
        );
        tx.commit().await?;
        done += n;
        if n == 0 {
            break;
        }
    }
    Ok(done)
}

/// Start and end dates, checked for order. Returns (start, start_sort, end, end_sort).
pub fn date_range(
    start_field: &'static str,
    start: &str,
    end_field: &'static str,
    end: &str,
) -> Result<(String, String, String, String)> {
    let p = dignity_core::violations::Period::parse(start_field, start, end_field, end)?;
    Ok((
        p.start.to_string(),
        sort_key(&p.start),
        p.end.to_string(),
        sort_key(&p.end),
    ))
}

/// Coordinates as "latitude, longitude" in decimal degrees.
pub fn coordinates(s: &str) -> Result<Option<String>> {
    Ok(dignity_core::violations::coordinates(s)?.map(|c| c.to_string()))
}

/// A confidentiality level (empty gives `default`).
pub fn level(s: &str, default: Confidentiality) -> Result<Confidentiality> {
    Ok(dignity_core::violations::level(s, default)?)
}

// The encrypted fields of a row are read and written by `crate::fields` (shared with the
// other areas); their paths here are kept.
pub use crate::fields::{dec, dec_opt, enc, enc_keep, enc_opt};

/// A stable keyed pseudonym for a person, shown instead of the name to readers who may
/// not see names. It reveals nothing without the index key.
pub fn pseudonym(store: &Store, person_id: i64) -> String {
    let h = store
        .keys()
        .blind_index("vio_pseudonym", &person_id.to_string());
    format!("P-{}", h[..6].to_ascii_uppercase())
}

/// The setting that lets analysts see names (off by default: analysts see pseudonyms).
pub const SETTING_ANALYSTS_SEE_NAMES: &str = "violations.analysts_see_names";
/// Priority countries (comma-separated ISO 3166-1 alpha-3 codes).
pub const SETTING_PRIORITY_COUNTRIES: &str = "violations.priority_countries";
/// Largest accepted upload in bytes.
pub const SETTING_MAX_UPLOAD: &str = "violations.max_upload_bytes";

/// Whether the actor sees the names of people, or pseudonyms.
pub async fn sees_names(store: &Store, actor: &Actor) -> Result<bool> {
    Ok(match actor.role {
        Role::Public => false,
        Role::Analyst if actor.user_id.is_some() => {
            store.setting(SETTING_ANALYSTS_SEE_NAMES).await?.as_deref() == Some("true")
        }
        _ => actor.user_id.is_some(),
    })
}

/// A record's field of repeatable coded values: record type, record id, field.
pub(crate) type TermsOf<'a> = (&'a str, i64, &'a str);

/// Replace the repeatable coded values of a record's field.
pub(crate) async fn set_terms(tx: &mut WriteTx, of: TermsOf<'_>, codes: &[String]) -> Result<()> {
    let (record_type, id, field) = of;
    sqlx::query("DELETE FROM vio_terms WHERE record_type = $1 AND record_id = $2 AND field = $3")
        .bind(record_type)
        .bind(id)
        .bind(field)
        .execute(tx.conn())
        .await?;
    let insert = "INSERT INTO vio_terms (record_type, record_id, field, code) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    insert_terms(tx, insert, of, codes).await
}

/// Add coded values to a new record's field.
pub(crate) async fn add_terms(tx: &mut WriteTx, of: TermsOf<'_>, codes: &[String]) -> Result<()> {
    let insert =
        "INSERT INTO vio_terms (record_type, record_id, field, code) VALUES ($1, $2, $3, $4)";
    insert_terms(tx, insert, of, codes).await
}

/// Run `insert` (into `vio_terms`: record type, record id, field, code) for each code.
async fn insert_terms(
    tx: &mut WriteTx,
    insert: &str,
    (record_type, id, field): TermsOf<'_>,
    codes: &[String],
) -> Result<()> {
    for c in codes {
        sqlx::query(insert)
            .bind(record_type)
            .bind(id)
            .bind(field)
            .bind(c)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

pub(crate) async fn terms_of(
    store: &Store,
    record_type: &str,
    id: i64,
    field: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query(
        "SELECT code FROM vio_terms WHERE record_type = $1 AND record_id = $2 AND field = $3 ORDER BY code",
    )
    .bind(record_type)
    .bind(id)
    .bind(field)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Priority countries (setting).
pub async fn priority_countries(store: &Store) -> Result<Vec<String>> {
    Ok(store
        .setting(SETTING_PRIORITY_COUNTRIES)
        .await?
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| s.len() == 3)
        .collect())
}

pub async fn set_priority_countries(
    tx: &mut WriteTx,
    vocab: &Vocab,
    codes: &[String],
) -> Result<()> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in codes {
        if let Some(c) = vocab.check_country(&Some(c.clone()))? {
            if seen.insert(c.clone()) {
                out.push(c);
            }
        }
    }
    crate::accounts::set_setting(tx, SETTING_PRIORITY_COUNTRIES, &out.join(",")).await
}
