//! Loading the shipped Council of Europe treaty facts (`data/treaties/coe-ratifications.csv`,
//! parsed and checked by `dignity_core::refdata::parse_coe_ratifications`) into the
//! `ratifications` table as a dataset of its own (`source = 'coe'`, version
//! `coe_ratifications` in `refdata_versions`). Called from `refdata::load_shipped`.
//!
//! The whole dataset loads in one audited transaction. A row an office recorded or imported
//! (source `user` or `import`) is never overwritten: the office's fact stands, and the
//! report counts it as kept. A CoE row that a newer file no longer carries is removed (the
//! fact is no longer vouched for). The as-of date, the source URLs and the denunciation of
//! each fact stay in the shipped file, where the pages read them
//! (`dignity_core::refdata::shipped_coe_fact`).

use super::{set_note, RATIFICATION_NOTE};
use crate::{now, Result, Store};
use dignity_core::refdata::RefData;
use dignity_core::Actor;
use sqlx::Row;
use std::collections::HashSet;

/// The dataset name in `refdata_versions` and the manifest key.
pub const DATASET: &str = "coe_ratifications";

/// The `source` of the rows this dataset writes.
pub const SOURCE: &str = "coe";

/// What one load did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CoeLoad {
    /// Rows written (inserted, or updated from an older version of the dataset).
    pub written: usize,
    /// Facts not written because the office recorded or imported its own row.
    pub kept_office_rows: usize,
    /// CoE rows of an older version that the file no longer carries, removed.
    pub removed: usize,
}

/// Load the Council of Europe facts when the shipped version is newer than the one loaded.
/// Returns `None` when nothing had to be done.
pub async fn load_shipped(
    store: &Store,
    data: &RefData,
    report: &mut Vec<(String, u32, usize)>,
) -> Result<Option<CoeLoad>> {
    let version = data.manifest.version_of(DATASET).unwrap_or(1);
    if crate::reference::loaded_version(store, DATASET).await? >= Some(version) {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let mut tx = store.begin(&Actor::system()).await?;
    let at = now();
    let mut done = CoeLoad::default();
    let mut carried = HashSet::new();
    for f in &data.coe_ratifications {
        carried.insert((f.iso3.as_str(), f.instrument.as_str()));
        let id: Option<i64> = sqlx::query(
            "INSERT INTO ratifications (iso3, instrument, status, signature, consent, consent_kind, note, source, updated_at) \
             VALUES ($1, $2, $3, $4, $5, '', '', $6, $7) \
             ON CONFLICT (iso3, instrument) DO UPDATE SET status = excluded.status, signature = excluded.signature, \
             consent = excluded.consent, consent_kind = excluded.consent_kind, note = excluded.note, \
             updated_at = excluded.updated_at WHERE ratifications.source = $6 \
             RETURNING id",
        )
        .bind(&f.iso3)
        .bind(&f.instrument)
        .bind(f.status.code())
        .bind(f.signature.to_string())
        .bind(f.ratification.to_string())
        .bind(SOURCE)
        .bind(&at)
        .fetch_optional(tx.conn())
        .await?
        .map(|r| r.get(0));
        match id {
            Some(id) => {
                done.written += 1;
                if let Some(note) = f.note.as_deref() {
                    set_note(&mut tx, "ratifications", RATIFICATION_NOTE, id, note).await?;
                }
            }
            None => done.kept_office_rows += 1,
        }
    }
    let previous: Vec<(i64, String, String)> =
        sqlx::query("SELECT id, iso3, instrument FROM ratifications WHERE source = $1")
            .bind(SOURCE)
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
    for (id, iso3, instrument) in previous {
        if !carried.contains(&(iso3.as_str(), instrument.as_str())) {
            sqlx::query("DELETE FROM ratifications WHERE id = $1")
                .bind(id)
                .execute(tx.conn())
                .await?;
            done.removed += 1;
        }
    }
    crate::reference::mark(&mut tx, DATASET, version, done.written).await?;
    tx.commit().await?;
    report.push((DATASET.into(), version, done.written));
    tracing::info!(
        rows = done.written,
        kept_office_rows = done.kept_office_rows,
        removed = done.removed,
        version,
        ms = started.elapsed().as_millis() as u64,
        "loaded the shipped Council of Europe treaty facts"
    );
    Ok(Some(done))
}
