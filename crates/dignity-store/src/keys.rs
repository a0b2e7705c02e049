//! Key rotation.
//!
//! [`rotate`] adds a fresh data key, makes it current, writes the key file (atomically),
//! and re-encrypts every encrypted field value under it. Encrypted values are found
//! generically: every text value that starts with `enc:v2:` (or the older `enc:v1:`), in
//! any column of any table. The associated data of a `v2` value is `table.column#row`,
//! where `row` is the row's primary key (composite keys joined by `,`); of a `v1` value,
//! `table.column`. Every value is rewritten as `v2` under the current key, so rotation
//! also moves old column-bound values to row-bound ones. Re-encryption runs in audited
//! write transactions of a few hundred values; each update replaces the exact old
//! ciphertext, so a value changed meanwhile is left to the next run. A crash midway leaves
//! values under old and new keys, both in the key file: running [`reencrypt`] (or
//! [`rotate`] again) finishes the job.
//!
//! [`rotate_with`] then re-encrypts the evidence files and, through a step its caller
//! gives, re-seals the search index ([`crate::keys_files`]), before any retiring.
//!
//! Old keys leave the key file only through [`retire_old_keys`], which refuses while any
//! value or evidence file still uses them, and while a `dignity serve` holds the data directory: a server
//! that has not re-read the key file still encrypts new values under the old key.
//!
//! The audit log and its head are never rewritten (the chain would break); they hold no
//! encrypted values, and if one ever did, retiring its key is refused.

use crate::dump::{self, q, ColType};
use crate::{now, Backend, DataDirLock, Result, Store, StoreError};
use dignity_core::crypto::{Keyring, PREFIX, PREFIX_V1};
use dignity_core::Actor;
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;

/// Tables whose rows are never rewritten.
const IMMUTABLE: &[&str] = &["audit_log", "audit_head"];
const BATCH: i64 = 300;

/// Values of one column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnCount {
    /// `table.column`: also the associated data of its encrypted values.
    pub column: String,
    pub values: u64,
}

/// What [`reencrypt`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReencryptReport {
    pub current_key: String,
    /// Values now under the current key, by column.
    pub reencrypted: Vec<ColumnCount>,
    /// Values that do not decrypt with their `table.column` (unknown key, damaged): left
    /// as they are. Retiring keys is refused while they exist.
    pub failed: Vec<ColumnCount>,
}

impl ReencryptReport {
    pub fn reencrypted_total(&self) -> u64 {
        self.reencrypted.iter().map(|c| c.values).sum()
    }
    pub fn failed_total(&self) -> u64 {
        self.failed.iter().map(|c| c.values).sum()
    }
}

/// What [`rotate`] did.
#[derive(Debug, Clone, Serialize)]
pub struct RotateReport {
    pub new_key_id: String,
    pub reencrypt: ReencryptReport,
    /// Key ids removed from the key file.
    pub retired: Vec<String>,
    /// Why retiring was refused, when it was asked for.
    pub retire_refused: Option<String>,
    /// Evidence files ([`crate::keys_files`]).
    pub files: crate::keys_files::FilesReport,
    /// The search index, when the caller re-sealed it.
    pub index: Option<crate::keys_files::IndexReport>,
}

/// How many values use which key, by column (`?` for key ids not in the key file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyUsage {
    pub column: String,
    pub key_id: String,
    pub values: u64,
}

/// A text column that may hold encrypted values.
struct TextColumn {
    table: String,
    column: String,
    /// SQL giving the row key of the associated data (the primary key as text, the
    /// values of a composite key joined by `,`); `None` for a table without a primary key
    /// (its values cannot be bound to a row: they are counted, never rewritten).
    row_key: Option<String>,
}

/// Every text column that may hold encrypted values.
async fn text_columns(store: &Store, include_immutable: bool) -> Result<Vec<TextColumn>> {
    Ok(dump::table_specs(store)
        .await?
        .into_iter()
        .filter(|s| include_immutable || !IMMUTABLE.contains(&s.name.as_str()))
        .flat_map(|s| {
            let row_key = (!s.primary_key.is_empty()).then(|| {
                s.primary_key
                    .iter()
                    .map(|k| format!("CAST({} AS TEXT)", q(k)))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ")
            });
            s.columns
                .into_iter()
                .filter(|c| c.ty == ColType::Text)
                .map(move |c| TextColumn {
                    table: s.name.clone(),
                    column: c.name,
                    row_key: row_key.clone(),
                })
        })
        .collect())
}

fn is_encrypted_sql(col: &str) -> String {
    format!(
        "(substr({col}, 1, {n}) = '{PREFIX}' OR substr({col}, 1, {n}) = '{PREFIX_V1}')",
        n = PREFIX.len()
    )
}

/// Condition: an encrypted value not under the key whose (`v2`) prefix is bound as `$1`.
fn not_under_sql(col: &str, prefix: &str) -> String {
    format!(
        "{} AND substr({col}, 1, {}) <> $1",
        is_encrypted_sql(col),
        prefix.chars().count()
    )
}

/// Generate a new data key, make it current, re-encrypt every encrypted value under it,
/// and with `retire` drop the old keys from the key file (only once nothing uses them).
pub async fn rotate(store: &Store, retire: bool) -> Result<RotateReport> {
    rotate_with(store, retire, &crate::keys_files::RotateSteps::default()).await
}

/// [`rotate`], re-encrypting the evidence files and (through `steps`) the search index
/// after the field values and before old keys are retired.
pub async fn rotate_with(
    store: &Store,
    retire: bool,
    steps: &crate::keys_files::RotateSteps<'_>,
) -> Result<RotateReport> {
    // Checked first so that a refusal changes nothing.
    let lock = if retire {
        Some(server_stopped(store.data_dir())?)
    } else {
        None
    };
    store.reload_keys()?;
    let mut k = (*store.keys()).clone();
    let new_key_id = k.rotate(&now());
    store.write_keys(&k)?;
    store.replace_keys(k);
    let reencrypt = reencrypt(store).await?;
    // The person keys of the vault (crypto-shredding) are re-wrapped under the new key.
    let person_keys = crate::shred::rewrap(store)?;
    let (files, index) = crate::keys_files::after_fields(store, steps)?;
    let (retired, retire_refused) = match lock {
        Some(_held) => match retire_locked(store).await {
            Ok(r) => (r, None),
            Err(StoreError::Conflict(m)) => (Vec::new(), Some(m)),
            Err(e) => return Err(e),
        },
        None => (Vec::new(), None),
    };
    store
        .log_event(
            &Actor::system(),
            "keys.rotate",
            "keys",
            &new_key_id,
            serde_json::json!({
                "new_key": new_key_id,
                "reencrypted": reencrypt.reencrypted_total(),
                "failed": reencrypt.failed_total(),
                "retired": retired,
                "files_reencrypted": files.reencrypted,
                "files_failed": files.failed,
                "index_files_resealed": index.as_ref().map(|i| i.resealed),
                "person_keys_rewrapped": person_keys.rewrapped,
                "person_keys_failed": person_keys.failed,
            }),
        )
        .await?;
    Ok(RotateReport {
        new_key_id,
        reencrypt,
        retired,
        retire_refused,
        files,
        index,
    })
}

/// Re-encrypt every value that is not under the current key (finishes an interrupted
/// rotation; safe to run at any time, beside a running server).
pub async fn reencrypt(store: &Store) -> Result<ReencryptReport> {
    store.reload_keys()?;
    let keys = store.keys();
    let current = keys.current.clone();
    let prefix = format!("{PREFIX}{current}:");
    let collate = if store.backend() == Backend::Postgres {
        " COLLATE \"C\""
    } else {
        ""
    };
    let mut report = ReencryptReport {
        current_key: current.clone(),
        ..Default::default()
    };
    for tc in text_columns(store, false).await? {
        let field = format!("{}.{}", tc.table, tc.column);
        let (t, c) = (q(&tc.table), q(&tc.column));
        // Without a primary key a value cannot be bound to its row: left as it is (the
        // column registry keeps encrypted columns out of such tables).
        let row_key = tc
            .row_key
            .clone()
            .unwrap_or_else(|| "CAST(NULL AS TEXT)".into());
        let select = format!(
            "SELECT {c}, {row_key} FROM {t} WHERE {} AND {c}{collate} > $2 ORDER BY {c}{collate} LIMIT {BATCH}",
            not_under_sql(&c, &prefix)
        );
        // The exact old value of that row: a value changed meanwhile is left to the next
        // run, and a copy of it in another row (which does not decrypt there) is not
        // rewritten with it.
        let update = format!("UPDATE {t} SET {c} = $1 WHERE {c} = $2 AND {row_key} = $3");
        let (mut done, mut failed) = (0u64, 0u64);
        let mut last = String::new();
        loop {
            let values: Vec<(String, Option<String>)> = sqlx::query(&select)
                .bind(&prefix)
                .bind(&last)
                .fetch_all(store.pool())
                .await?
                .iter()
                .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
                .collect();
            let Some(l) = values.last() else { break };
            last = l.0.clone();
            let mut tx = store.begin(&Actor::system()).await?;
            let mut n = 0u64;
            for (v, row) in &values {
                let Some(row) = row else {
                    failed += 1;
                    continue;
                };
                match keys.decrypt(&field, row, v) {
                    Ok(plain) => {
                        let new = keys.encrypt(&field, row, &plain);
                        n += sqlx::query(&update)
                            .bind(new)
                            .bind(v)
                            .bind(row)
                            .execute(tx.conn())
                            .await?
                            .rows_affected();
                    }
                    Err(_) => failed += 1,
                }
            }
            if n > 0 {
                tx.audit(
                    "keys.reencrypt",
                    "field",
                    &field,
                    None,
                    None,
                    serde_json::json!({ "values": n, "key": current }),
                );
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            done += n;
        }
        if done > 0 {
            report.reencrypted.push(ColumnCount {
                column: field.clone(),
                values: done,
            });
        }
        if failed > 0 {
            report.failed.push(ColumnCount {
                column: field,
                values: failed,
            });
        }
    }
    Ok(report)
}

fn server_stopped(data_dir: &std::path::Path) -> Result<DataDirLock> {
    DataDirLock::acquire(data_dir).map_err(|_| {
        StoreError::Conflict(format!(
            "a `dignity serve` is running on {}: retiring keys needs every server stopped \
             (a running server may still encrypt under an old key). Rotate without retiring \
             now, and retire once the servers are stopped. Nothing was changed.",
            data_dir.display()
        ))
    })
}

/// Remove every data key but the current one from the key file. Refused while any value
/// (in any table, the audit log included) is under another key, and while a server runs
/// on this data directory. Returns the retired key ids.
pub async fn retire_old_keys(store: &Store) -> Result<Vec<String>> {
    let _lock = server_stopped(store.data_dir())?;
    retire_locked(store).await
}

async fn retire_locked(store: &Store) -> Result<Vec<String>> {
    store.reload_keys()?;
    let keys = store.keys();
    let old: Vec<String> = keys
        .data_keys
        .iter()
        .filter(|d| d.id != keys.current)
        .map(|d| d.id.clone())
        .collect();
    if old.is_empty() {
        return Ok(old);
    }
    let prefix = format!("{PREFIX}{}:", keys.current);
    // The write transaction holds every other writer off while we look and retire.
    let mut tx = store.begin(&Actor::system()).await?;
    let mut remaining = Vec::new();
    for tc in text_columns(store, true).await? {
        let (table, column) = (&tc.table, &tc.column);
        let (t, c) = (q(table), q(column));
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {t} WHERE {}",
            not_under_sql(&c, &prefix)
        ))
        .bind(&prefix)
        .fetch_one(tx.conn())
        .await?
        .get(0);
        if n > 0 {
            remaining.push(format!("{table}.{column} ({n})"));
        }
    }
    // Evidence files name the data key their key was derived from (see
    // `crate::keys_files`).
    let files = crate::violations::evidence::files_under_other_keys(store, &keys.current);
    if files > 0 {
        remaining.push(format!("evidence files ({files})"));
    }
    // So do the wrapped keys of the person key vault (see `crate::vault`).
    let person_keys = store.vault().under_other_keys(&keys.current)?;
    if person_keys > 0 {
        remaining.push(format!("person keys ({person_keys})"));
    }
    if !remaining.is_empty() {
        tx.rollback().await?;
        return Err(StoreError::Conflict(format!(
            "values still under old keys in {}: run `dignity keys rotate` (or re-encrypt) \
             again first; a value that does not decrypt must be repaired by hand. No key \
             was retired.",
            remaining.join(", ")
        )));
    }
    let mut nk: Keyring = (*keys).clone();
    nk.retire_old_keys();
    store.write_keys(&nk)?;
    store.replace_keys(nk);
    tx.audit(
        "keys.retire",
        "keys",
        &keys.current,
        None,
        None,
        serde_json::json!({ "retired": old, "current": keys.current }),
    );
    tx.commit().await?;
    Ok(old)
}

/// Which keys the stored values use, by column.
pub async fn usage(store: &Store) -> Result<Vec<KeyUsage>> {
    let keys = store.keys();
    let mut out = Vec::new();
    for tc in text_columns(store, true).await? {
        let (table, column) = (&tc.table, &tc.column);
        let (t, c) = (q(table), q(column));
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {t} WHERE {}",
            is_encrypted_sql(&c)
        ))
        .fetch_one(store.pool())
        .await?
        .get(0);
        if total == 0 {
            continue;
        }
        let mut known = 0;
        for d in &keys.data_keys {
            let p = format!("{PREFIX}{}:", d.id);
            let p1 = format!("{PREFIX_V1}{}:", d.id);
            let n: i64 = sqlx::query(&format!(
                "SELECT COUNT(*) FROM {t} WHERE substr({c}, 1, {n}) = $1 OR substr({c}, 1, {n}) = $2",
                n = p.chars().count()
            ))
            .bind(&p)
            .bind(&p1)
            .fetch_one(store.pool())
            .await?
            .get(0);
            if n > 0 {
                out.push(KeyUsage {
                    column: format!("{table}.{column}"),
                    key_id: d.id.clone(),
                    values: n as u64,
                });
            }
            known += n;
        }
        if total > known {
            out.push(KeyUsage {
                column: format!("{table}.{column}"),
                key_id: "?".into(),
                values: (total - known) as u64,
            });
        }
    }
    Ok(out)
}

/// Count the encrypted values and those that do not decrypt with the keys in force.
pub(crate) async fn check_encrypted(store: &Store) -> Result<(u64, u64)> {
    let keys = store.keys();
    let (mut total, mut bad) = (0u64, 0u64);
    for tc in text_columns(store, true).await? {
        let field = format!("{}.{}", tc.table, tc.column);
        let (t, c) = (q(&tc.table), q(&tc.column));
        let row_key = tc
            .row_key
            .clone()
            .unwrap_or_else(|| "CAST(NULL AS TEXT)".into());
        let sql = format!(
            "SELECT {c}, {row_key} FROM {t} WHERE {}",
            is_encrypted_sql(&c)
        );
        let mut rows = sqlx::query(&sql).fetch(store.pool());
        while let Some(r) = rows.try_next().await? {
            let v: String = r.get(0);
            let row: Option<String> = r.get(1);
            total += 1;
            let ok = row.is_some_and(|row| keys.decrypt(&field, &row, &v).is_ok());
            if !ok {
                bad += 1;
            }
        }
    }
    Ok((total, bad))
}
