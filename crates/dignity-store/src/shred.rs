//! Crypto-shredding: erasure that reaches backups (issue 16, item 7).
//!
//! The personal fields of a person (`vio_persons`: the columns the registry
//! [`crate::at_rest`] marks encrypted) are encrypted under the person's own key, kept in the
//! person key vault ([`crate::vault`]) outside the database and its backups. [`erase`]
//! destroys that key: the person's fields no longer decrypt anywhere, in every older backup
//! too, and read as *erased*. Everything else (events, acts, the person's row with its id,
//! codes and access facts) stays.
//!
//! Order of [`erase`], so that a crash (kill -9) at any point loses nothing and the next
//! run (or the next `dignity serve` start, [`finish_erasures`]) completes it:
//! 1. one audited transaction: every personal field overwritten with [`ERASED`], the
//!    person's blind-index tokens deleted (`vio_persons.name_bidx`, `vio_person_names`),
//!    the audit entry `person.erase` naming the record id only; the search index follows
//!    the audited write and drops the names;
//! 2. the vault: the tombstone `<id>.erased` written, then the key file overwritten,
//!    synced and removed.
//!
//! A crash between 1 and 2 leaves the database erased and the key in the vault: the next
//! `dignity person erase` or `dignity serve` destroys it. Restoring a backup older than the
//! erasure brings the ciphertexts back, but not the key: they read as erased, and the
//! next start overwrites them and their tokens again ([`finish_erasures`]).

use crate::vault::{Entry, Vault};
use crate::{now, Result, Store, StoreError, WriteTx};
use dignity_core::crypto::{person_of, CryptoError, PersonKey, ERASED, PREFIX_PERSON};
use dignity_core::Actor;
use sqlx::Row;
use std::path::Path;

const TABLE: &str = "vio_persons";
const BATCH: i64 = 300;

/// The personal columns of `vio_persons`: those the registry marks encrypted.
pub fn personal_columns() -> Vec<&'static str> {
    crate::at_rest::columns()
        .filter(|(t, _, c)| *t == TABLE && *c == crate::at_rest::Class::Encrypted)
        .map(|(_, c, _)| c)
        .collect()
}

/// Open (or, over a database that holds no person keyed yet, create) the vault of `store`.
/// Refused when persons' fields are under person keys and the vault is missing or empty:
/// an empty vault is never created over existing data (the same rule as the key file).
pub(crate) async fn open_vault(store: &Store, dir: &Path) -> Result<()> {
    let keyed: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM {TABLE} WHERE substr(name, 1, {}) = $1 AND name <> $2",
        PREFIX_PERSON.len()
    ))
    .bind(PREFIX_PERSON)
    .bind(ERASED)
    .fetch_one(store.pool())
    .await?
    .get(0);
    let exists = Vault::exists(dir);
    if keyed > 0 && !exists {
        return Err(StoreError::Config(format!(
            "the person key vault {} is missing, but the fields of {keyed} persons are encrypted \
             under keys kept there. Put the vault back (its latest copy, made with `dignity keys \
             vault-copy`), or point --person-keys (DIGNITY_PERSON_KEYS, `person_keys` in the \
             configuration file) at it. Nothing was changed: an empty \
             vault is never created over existing data.",
            dir.display()
        )));
    }
    let vault = Vault::open(dir, !exists)?;
    if keyed > 0 && !vault.has_keys()? && vault.erased()?.is_empty() {
        return Err(StoreError::Config(format!(
            "the person key vault {} is empty, but the fields of {keyed} persons are encrypted \
             under keys kept there: it is not this installation's vault (after a restore on \
             another machine, copy the vault there too). Nothing was changed.",
            dir.display()
        )));
    }
    store.set_vault(vault);
    Ok(())
}

/// [`Store::decrypt`] of an `enc:p1:` value.
pub(crate) fn decrypt(store: &Store, field: &str, row: &str, value: &str) -> Result<String> {
    if value == ERASED {
        return Ok(String::new());
    }
    let pid = person_of(value).ok_or(CryptoError::NotEncrypted)?;
    let vault = store.vault();
    let entry = match vault.get(pid, &store.keys()) {
        Err(StoreError::Crypto(CryptoError::UnknownKey(_))) => {
            store.reload_keys()?;
            vault.get(pid, &store.keys())?
        }
        other => other?,
    };
    match entry {
        Entry::Key(k) => Ok(k.decrypt(field, row, value)?),
        Entry::Erased => Ok(String::new()),
        // Made by a transaction that has not committed yet (and reads the person back).
        Entry::Missing if store.uncommitted_person_key(pid).is_some() => {
            let k = store.uncommitted_person_key(pid).expect("checked");
            Ok(k.decrypt(field, row, value)?)
        }
        Entry::Missing => Err(StoreError::Crypto(CryptoError::UnknownKey(format!(
            "person {pid} (not in the person key vault {})",
            vault.dir().display()
        )))),
    }
}

/// Whether the person whose `name` column holds `name_value` was erased.
pub fn is_erased(store: &Store, id: i64, name_value: &str) -> bool {
    name_value == ERASED || (name_value.starts_with(PREFIX_PERSON) && store.vault().is_erased(id))
}

/// Encrypts the personal fields of one person under the person's key.
pub struct PersonSealer {
    key: PersonKey,
    id: i64,
}

impl PersonSealer {
    /// The key of the person `id`, made for a new row (`new`: a fresh key, never an old
    /// one of a deleted row with the same id) or theirs (refused once erased). A key
    /// made here is written to the vault with the transaction's commit, before the
    /// database's (one batch file per transaction, see [`crate::vault`]).
    pub fn for_person(tx: &mut WriteTx, id: i64, new: bool) -> Result<PersonSealer> {
        if let Some(key) = tx.person_key(id) {
            return Ok(PersonSealer { key, id });
        }
        let store = tx.store().clone();
        let (key, write) = if new {
            (PersonKey::generate(), true)
        } else {
            store.vault().ensure(id, &store.keys())?
        };
        if write {
            tx.add_person_key(crate::vault::NewKey {
                person: id,
                key: key.clone(),
                fresh: new,
            });
        }
        Ok(PersonSealer { key, id })
    }
    /// `field` is `vio_persons.<column>`.
    pub fn encrypt(&self, field: &str, plaintext: &str) -> String {
        self.key.encrypt(self.id, field, self.id, plaintext)
    }
    /// Trimmed; empty is `None`.
    pub fn enc(&self, field: &str, v: &str) -> Option<String> {
        let t = v.trim();
        (!t.is_empty()).then(|| self.encrypt(field, t))
    }
    /// For a `NOT NULL` column: empty stays `''`.
    pub fn enc_keep(&self, field: &str, v: &str) -> String {
        self.enc(field, v).unwrap_or_default()
    }
    pub fn enc_opt(&self, field: &str, v: Option<&str>) -> Option<String> {
        v.and_then(|v| self.enc(field, v))
    }
}

/// Overwrite the person's personal fields and delete their blind-index tokens.
async fn overwrite(tx: &mut WriteTx, id: i64) -> Result<()> {
    let sets: Vec<String> = personal_columns()
        .into_iter()
        .map(|c| {
            if c == "name" {
                "name = $1".to_string()
            } else {
                format!("{c} = CASE WHEN {c} IS NULL OR {c} = '' THEN {c} ELSE $1 END")
            }
        })
        .collect();
    sqlx::query(&format!(
        "UPDATE {TABLE} SET {}, name_bidx = '', updated_at = $2 WHERE id = $3",
        sets.join(", ")
    ))
    .bind(ERASED)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    delete_name_tokens(tx, id).await?;
    Ok(())
}

/// Delete the blind-index tokens of person `id`'s names (`vio_person_names`).
pub(crate) async fn delete_name_tokens(tx: &mut WriteTx, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM vio_person_names WHERE person_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The stored `name` of person `id` (the tombstone of an erased one); `None` if there is
/// no such person.
async fn stored_name(store: &Store, id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query(&format!("SELECT name FROM {TABLE} WHERE id = $1"))
            .bind(id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}

/// [`overwrite`] in one audited write. The entry names the record id only: no one.
async fn overwrite_audited(
    store: &Store,
    actor: &Actor,
    id: i64,
    details: serde_json::Value,
) -> Result<()> {
    store
        .write(actor, async |tx| {
            overwrite(tx, id).await?;
            tx.audit("person.erase", TABLE, &id.to_string(), None, None, details);
            Ok(())
        })
        .await
}

/// What [`erase`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    Erased,
    /// Erased before (the key is destroyed now if a crash had left it).
    AlreadyErased,
}

/// Erase the person `id` (see the module doc). The caller checked that `actor` may (an
/// administrator; the system for the command line).
pub async fn erase(store: &Store, actor: &Actor, id: i64) -> Result<Erasure> {
    let Some(name) = stored_name(store, id).await? else {
        return Err(StoreError::NotFound(format!("person {id}")));
    };
    let already = name == ERASED;
    if !already {
        overwrite_audited(store, actor, id, serde_json::json!({})).await?;
    }
    crate::vault::crash_point("person-erase-before-key");
    store.vault().destroy(id, &now())?;
    Ok(if already {
        Erasure::AlreadyErased
    } else {
        Erasure::Erased
    })
}

/// What [`finish_erasures`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FinishReport {
    /// Keys destroyed of persons erased in the database (an erasure cut off by a crash).
    pub keys_destroyed: u64,
    /// Persons erased in the vault whose fields were back in the database (a restored
    /// older backup): overwritten again.
    pub reapplied: u64,
}

/// Complete erasures a crash cut off, and apply them again to a restored older backup.
/// Idempotent; `dignity serve` runs it at every start.
pub async fn finish_erasures(store: &Store) -> Result<FinishReport> {
    let mut r = FinishReport::default();
    let vault = store.vault();
    let erased: Vec<i64> = sqlx::query(&format!("SELECT id FROM {TABLE} WHERE name = $1"))
        .bind(ERASED)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for &id in &erased {
        if !vault.is_erased(id) {
            vault.destroy(id, &now())?;
            r.keys_destroyed += 1;
        }
    }
    // A key left beside its tombstone (an erasure cut off inside the vault, or a new
    // row's key written before its tombstone was lifted).
    for id in vault.erased_with_keys()? {
        vault.destroy(id, &now())?;
        r.keys_destroyed += 1;
    }
    // Tombstones already in the database need nothing: only the others are read (none,
    // unless a restored older backup brought erased persons' fields back), so a start
    // costs one query whatever the number of erased persons.
    let tombstoned: std::collections::HashSet<i64> = erased.into_iter().collect();
    for id in vault.erased()? {
        if tombstoned.contains(&id) {
            continue;
        }
        let name = stored_name(store, id).await?;
        if name.is_some_and(|n| n != ERASED) {
            let details = serde_json::json!({ "reapplied": true });
            overwrite_audited(store, &Actor::system(), id, details).await?;
            r.reapplied += 1;
        }
    }
    if r != FinishReport::default() {
        tracing::info!(
            keys_destroyed = r.keys_destroyed,
            reapplied = r.reapplied,
            "erasures completed"
        );
    }
    Ok(r)
}

/// What [`key_persons`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct KeyPersonsReport {
    /// Persons whose fields moved from the data key to their own key.
    pub persons: u64,
    /// Persons left as they were: a value did not decrypt (damaged, unknown key).
    pub failed: u64,
}

/// Give every person still stored under the data key (`enc:v2:`/`enc:v1:`, written by an
/// older version) a key of their own and re-encrypt their fields under it. Audited write
/// transactions of a few hundred persons (counts only); resumable and idempotent: a crash
/// leaves some persons converted and the rest under the data key (both read), and the
/// next run (every `dignity serve` start) goes on.
pub async fn key_persons(store: &Store) -> Result<KeyPersonsReport> {
    let cols = personal_columns();
    let any_v = cols
        .iter()
        .map(|c| format!("substr({c}, 1, 5) = 'enc:v'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let select = format!(
        "SELECT id, updated_at, {} FROM {TABLE} WHERE id > $1 AND ({any_v}) ORDER BY id LIMIT {BATCH}",
        cols.join(", ")
    );
    let sets = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let n = cols.len();
    let update = format!(
        "UPDATE {TABLE} SET {sets} WHERE id = ${} AND updated_at = ${}",
        n + 1,
        n + 2
    );
    let mut report = KeyPersonsReport::default();
    let mut last = 0i64;
    loop {
        let mut tx = store.begin(&Actor::system()).await?;
        let rows = sqlx::query(&select).bind(last).fetch_all(tx.conn()).await?;
        let Some(l) = rows.last() else {
            tx.rollback().await?;
            break;
        };
        last = l.get(0);
        let mut done = 0u64;
        'rows: for row in &rows {
            let id: i64 = row.get(0);
            let updated: String = row.get(1);
            let Ok(sealer) = PersonSealer::for_person(&mut tx, id, false) else {
                report.failed += 1; // erased: finish_erasures overwrites it
                continue;
            };
            let mut values = Vec::with_capacity(n);
            for (i, c) in cols.iter().enumerate() {
                let v: Option<String> = row.get(i + 2);
                let field = format!("{TABLE}.{c}");
                values.push(match v {
                    Some(v) if v.starts_with("enc:v") => match store.decrypt(&field, id, &v) {
                        Ok(plain) => Some(sealer.encrypt(&field, &plain)),
                        Err(_) => {
                            report.failed += 1;
                            continue 'rows;
                        }
                    },
                    other => other,
                });
            }
            let mut q = sqlx::query(&update);
            for v in values {
                q = q.bind(v);
            }
            done += q
                .bind(id)
                .bind(updated)
                .execute(tx.conn())
                .await?
                .rows_affected();
        }
        if done == 0 {
            tx.rollback().await?;
            continue;
        }
        tx.audit(
            "persons.key",
            "field",
            TABLE,
            None,
            None,
            serde_json::json!({ "persons": done }),
        );
        tx.commit().await?;
        report.persons += done;
    }
    if report.persons > 0 {
        tracing::info!(persons = report.persons, "persons given keys of their own");
    }
    Ok(report)
}

/// Re-wrap the vault's keys under the current data key (key rotation calls it, before
/// any old key is retired).
pub fn rewrap(store: &Store) -> Result<crate::vault::RewrapReport> {
    store.vault().rewrap(&store.keys())
}
