//! A small migration runner: each migration is embedded for both backends and applied once,
//! in its own transaction, recorded in `_dignity_migrations`.

use crate::{Backend, Result, Store, StoreError};
use sqlx::{Executor, Row};

struct Migration {
    id: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// In order of application. Areas of the product add theirs in their own block, numbered
/// by area (01xx obligations, 02xx violations, 03xx protection, 04xx search, 05xx stats) so
/// that work on one area never renumbers another's; ids sort in application order.
const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "0001_foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    // -- obligations (issue 3)
    Migration {
        id: "0101_obligations",
        sqlite: include_str!("../migrations/sqlite/0101_obligations.sql"),
        postgres: include_str!("../migrations/postgres/0101_obligations.sql"),
    },
    // -- violations (issue 4)
    Migration {
        id: "0201_violations",
        sqlite: include_str!("../migrations/sqlite/0201_violations.sql"),
        postgres: include_str!("../migrations/postgres/0201_violations.sql"),
    },
    Migration {
        id: "0202_violations_list_indexes",
        sqlite: include_str!("../migrations/sqlite/0202_violations_list_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0202_violations_list_indexes.sql"),
    },
    // -- protection (issue 5)
    Migration {
        id: "0301_protection",
        sqlite: include_str!("../migrations/sqlite/0301_protection.sql"),
        postgres: include_str!("../migrations/postgres/0301_protection.sql"),
    },
    Migration {
        id: "0302_protection_match_keys",
        sqlite: include_str!("../migrations/sqlite/0302_protection_match_keys.sql"),
        postgres: include_str!("../migrations/postgres/0302_protection_match_keys.sql"),
    },
    // -- search (issue 6)
    Migration {
        id: "0401_saved_searches",
        sqlite: include_str!("../migrations/sqlite/0401_saved_searches.sql"),
        postgres: include_str!("../migrations/postgres/0401_saved_searches.sql"),
    },
    Migration {
        id: "0402_portal",
        sqlite: include_str!("../migrations/sqlite/0402_portal.sql"),
        postgres: include_str!("../migrations/postgres/0402_portal.sql"),
    },
    // -- stats (issue 7)
    Migration {
        id: "0501_mse_datasets",
        sqlite: include_str!("../migrations/sqlite/0501_mse_datasets.sql"),
        postgres: include_str!("../migrations/postgres/0501_mse_datasets.sql"),
    },
    Migration {
        id: "0502_linkage",
        sqlite: include_str!("../migrations/sqlite/0502_linkage.sql"),
        postgres: include_str!("../migrations/postgres/0502_linkage.sql"),
    },
    // -- obligations (issue 3), after violations: links communications to interventions.
    Migration {
        id: "0102_communication_interventions",
        sqlite: include_str!("../migrations/sqlite/0102_communication_interventions.sql"),
        postgres: include_str!("../migrations/postgres/0102_communication_interventions.sql"),
    },
    // -- search (issue 6), after the others: public dashboards of the portal.
    Migration {
        id: "0403_portal_dashboards",
        sqlite: include_str!("../migrations/sqlite/0403_portal_dashboards.sql"),
        postgres: include_str!("../migrations/postgres/0403_portal_dashboards.sql"),
    },
    // -- portal (issue 6): the country profiles chosen for the public pages.
    Migration {
        id: "0404_portal_countries",
        sqlite: include_str!("../migrations/sqlite/0404_portal_countries.sql"),
        postgres: include_str!("../migrations/postgres/0404_portal_countries.sql"),
    },
    // -- protection (issue 5): the candidate cache's change token.
    Migration {
        id: "0303_protection_match_state",
        sqlite: include_str!("../migrations/sqlite/0303_protection_match_state.sql"),
        postgres: include_str!("../migrations/postgres/0303_protection_match_state.sql"),
    },
    // -- accounts (issue 15): one-time TOTP steps, sign-in failures per account and client.
    Migration {
        id: "0005_account_security",
        sqlite: include_str!("../migrations/sqlite/0005_account_security.sql"),
        postgres: include_str!("../migrations/postgres/0005_account_security.sql"),
    },
];

/// Tables that migrations fill with rows of their own (seed vocabularies, the audit head).
/// A freshly created store holds these rows and is still "empty" for restore and copy.
/// A migration that inserts rows must list its table here (a test checks).
pub(crate) const SEEDED_BY_MIGRATIONS: &[&str] = &["audit_head", "pro_terms"];

pub(crate) async fn run(store: &Store) -> Result<()> {
    let pool = store.pool();
    pool.execute(
        "CREATE TABLE IF NOT EXISTS _dignity_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .await?;
    let done: Vec<String> = sqlx::query("SELECT id FROM _dignity_migrations")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    for m in MIGRATIONS {
        if done.iter().any(|d| d == m.id) {
            continue;
        }
        let sql = match store.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let mut tx = pool.begin().await?;
        // Run statement by statement: the Any driver sends one statement at a time.
        for stmt in split_statements(sql) {
            sqlx::query(&stmt)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Migration(m.id.into(), format!("{e}\n{stmt}")))?;
        }
        let r = sqlx::query("INSERT INTO _dignity_migrations (id, applied_at) VALUES ($1, $2)")
            .bind(m.id)
            .bind(crate::now())
            .execute(&mut *tx)
            .await;
        match r.map_err(StoreError::from) {
            Ok(_) => tx.commit().await?,
            // Another process applied it at the same moment.
            Err(e) if e.is_unique_violation() => tx.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Split a migration file into statements: on `;` at line ends, skipping comment lines.
fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let t = line.trim();
        if t.starts_with("--") || t.is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if t.ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

#[allow(dead_code)]
pub fn migration_ids() -> Vec<&'static str> {
    MIGRATIONS.iter().map(|m| m.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_a_migration_fills_is_listed_as_seeded() {
        for m in MIGRATIONS {
            for sql in [m.sqlite, m.postgres] {
                for stmt in split_statements(sql) {
                    let t = stmt.trim_start();
                    if let Some(rest) = t.strip_prefix("INSERT INTO ") {
                        let table: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        assert!(
                            SEEDED_BY_MIGRATIONS.contains(&table.as_str()),
                            "{}: {table} is filled by a migration but not in SEEDED_BY_MIGRATIONS",
                            m.id
                        );
                    }
                }
            }
        }
    }
}
