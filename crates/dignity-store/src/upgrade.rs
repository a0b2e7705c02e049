//! The marker of the at-rest upgrade steps that `dignity` runs when it opens the records
//! (`dignity serve` at start, and the commands that read or write records): encrypting
//! what an older version kept in clear (`at_rest::encrypt_clear_fields`), giving persons
//! keys of their own (`shred::key_persons`), and filling the keyed columns that older
//! versions lacked. Each scans whole tables and finds nothing to do once done, so their
//! completion is recorded in the database: the settings row [`KEY`] holds the
//! [`fingerprint`] of the registry and schema they completed for, and the steps run again
//! only when that changes (a new version with a new registry entry or migration, or a
//! database from an older version, which has no marker or another one). The marker
//! travels with the data (a backup, `dignity migrate-store`): a restored older backup
//! carries its own marker, so it is brought up to date at its first start.

use crate::{Result, Store};
use dignity_core::Actor;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The settings row holding the fingerprint the upgrade steps completed for.
pub const KEY: &str = "upgrade.at_rest";

/// Raise when an upgrade step starts doing something new, so that it runs again on
/// databases that completed the previous steps.
const STEPS: u32 = 1;

/// The fingerprint of a registry (every column's class) and of the applied migrations.
pub fn fingerprint_of<'a>(
    registry: impl Iterator<Item = (&'a str, &'a str, crate::at_rest::Class)>,
    migrations: &[String],
) -> String {
    let mut h = Sha256::new();
    h.update(format!("steps {STEPS}\n"));
    for (t, c, class) in registry {
        h.update(format!("{t}.{c} {class:?}\n"));
    }
    for m in migrations {
        h.update(format!("migration {m}\n"));
    }
    hex::encode(&h.finalize()[..16])
}

/// The fingerprint of this version's registry and of the database's schema.
pub async fn fingerprint(store: &Store) -> Result<String> {
    let migrations: Vec<String> = sqlx::query("SELECT id FROM _dignity_migrations ORDER BY id")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(fingerprint_of(crate::at_rest::columns(), &migrations))
}

/// Whether the upgrade steps completed for this registry and schema.
pub async fn is_done(store: &Store) -> Result<bool> {
    Ok(store.setting(KEY).await? == Some(fingerprint(store).await?))
}

/// Record that the upgrade steps completed (audited, the fingerprint only).
pub async fn mark_done(store: &Store) -> Result<()> {
    let fp = fingerprint(store).await?;
    store
        .write(&Actor::system(), async |tx| {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(KEY)
            .bind(&fp)
            .execute(tx.conn())
            .await?;
            tx.audit(
                "upgrade.at_rest",
                "setting",
                KEY,
                None,
                None,
                serde_json::json!({ "fingerprint": fp }),
            );
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at_rest::Class;

    #[test]
    fn a_changed_registry_or_schema_changes_the_fingerprint() {
        let reg = [("t", "a", Class::Encrypted), ("t", "b", Class::Keyed)];
        let m = vec!["0001_foundation".to_string()];
        let base = fingerprint_of(reg.iter().copied(), &m);
        assert_eq!(base, fingerprint_of(reg.iter().copied(), &m));
        let moved = [("t", "a", Class::Encrypted), ("t", "b", Class::Encrypted)];
        assert_ne!(base, fingerprint_of(moved.iter().copied(), &m));
        let added = [
            ("t", "a", Class::Encrypted),
            ("t", "b", Class::Keyed),
            ("t", "c", Class::Pending),
        ];
        assert_ne!(base, fingerprint_of(added.iter().copied(), &m));
        let more = vec!["0001_foundation".to_string(), "0002_x".to_string()];
        assert_ne!(base, fingerprint_of(reg.iter().copied(), &more));
    }
}
