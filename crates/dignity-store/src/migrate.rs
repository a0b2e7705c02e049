//! A small migration runner. Migrations live in `migrations/`, one file each, applied once in
//! file order, each in its own transaction, recorded in `_dignity_migrations` with a checksum
//! of its statements: a migration changed after it was applied stops the start with a clear
//! message (the database's schema would no longer be the one a new database gets).
//!
//! One source for both backends: the file is SQLite's text, and PostgreSQL runs it with
//! SQLite's integer, real and blob types and rowid keys turned into theirs
//! ([`postgres_sql`]). A migration whose PostgreSQL text differs in more than that (a full-text
//! index, a key the application assigns) has its own file in `migrations/postgres/`; a test
//! (`both_backends_have_the_same_schema`) compares the two schemas column by column.

use crate::{Backend, Result, Store, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{Executor, Row};

struct Migration {
    id: &'static str,
    sql: &'static str,
    /// PostgreSQL's own text, where translating `sql` is not enough.
    postgres: Option<&'static str>,
}

macro_rules! migration {
    ($id:literal) => {
        Migration {
            id: $id,
            sql: include_str!(concat!("../migrations/", $id, ".sql")),
            postgres: None,
        }
    };
    ($id:literal, postgres) => {
        Migration {
            id: $id,
            sql: include_str!(concat!("../migrations/", $id, ".sql")),
            postgres: Some(include_str!(concat!(
                "../migrations/postgres/",
                $id,
                ".sql"
            ))),
        }
    };
}

/// In file order, which is the order of application (a test checks the list against the
/// folder). A new migration takes the next number.
const MIGRATIONS: &[Migration] = &[
    migration!("0001_foundation", postgres),
    migration!("0002_obligations", postgres),
    migration!("0003_violations"),
    migration!("0004_violations_list_indexes"),
    migration!("0005_protection"),
    migration!("0006_protection_match_keys"),
    migration!("0007_saved_searches"),
    migration!("0008_portal"),
    migration!("0009_mse_datasets"),
    migration!("0010_linkage"),
    migration!("0011_communication_interventions"),
    migration!("0012_portal_dashboards"),
    migration!("0013_portal_countries"),
    migration!("0014_protection_match_state", postgres),
    migration!("0015_account_security"),
    migration!("0016_key_rotations"),
    migration!("0017_vio_at_rest"),
    migration!("0018_protection_at_rest"),
    migration!("0019_protection_sources_at_rest"),
    migration!("0020_ratification_facts"),
    migration!("0021_treaty_report_cycles"),
    migration!("0022_special_procedures"),
    migration!("0023_upr_responses"),
];

/// The names migrations had before they were numbered in file order (numbered by area then):
/// a database or a backup made before keeps working, its records renamed on open.
const FORMER_IDS: &[(&str, &str)] = &[
    ("0101_obligations", "0002_obligations"),
    ("0201_violations", "0003_violations"),
    (
        "0202_violations_list_indexes",
        "0004_violations_list_indexes",
    ),
    ("0301_protection", "0005_protection"),
    ("0302_protection_match_keys", "0006_protection_match_keys"),
    ("0401_saved_searches", "0007_saved_searches"),
    ("0402_portal", "0008_portal"),
    ("0501_mse_datasets", "0009_mse_datasets"),
    ("0502_linkage", "0010_linkage"),
    (
        "0102_communication_interventions",
        "0011_communication_interventions",
    ),
    ("0403_portal_dashboards", "0012_portal_dashboards"),
    ("0404_portal_countries", "0013_portal_countries"),
    ("0303_protection_match_state", "0014_protection_match_state"),
    ("0005_account_security", "0015_account_security"),
];

/// A migration's name as this version calls it (a former name is renamed).
pub(crate) fn current_id(id: &str) -> &str {
    FORMER_IDS
        .iter()
        .find(|(old, _)| *old == id)
        .map(|(_, new)| *new)
        .unwrap_or(id)
}

impl Migration {
    fn text(&self, backend: Backend) -> std::borrow::Cow<'static, str> {
        match (backend, self.postgres) {
            (Backend::Sqlite, _) => self.sql.into(),
            (Backend::Postgres, Some(pg)) => pg.into(),
            (Backend::Postgres, None) => postgres_sql(self.sql).into(),
        }
    }
}

/// The checksum recorded for a migration: SHA-256 over its statements as run (comments and
/// blank lines left out, so a comment can be corrected without stopping anyone's start).
fn checksum(statements: &[String]) -> String {
    let mut h = Sha256::new();
    for s in statements {
        h.update(s.as_bytes());
        h.update(b"\n;\n");
    }
    hex::encode(h.finalize())
}

/// PostgreSQL's text of a migration written for SQLite: `INTEGER` becomes `BIGINT` (SQLite's
/// integers are 64-bit), `REAL` becomes `DOUBLE PRECISION`, `BLOB` becomes `BYTEA`, and an
/// `id INTEGER PRIMARY KEY` (SQLite's rowid) becomes an identity column. Only whole words
/// outside quotes are changed.
pub(crate) fn postgres_sql(sqlite: &str) -> String {
    let mut out = String::with_capacity(sqlite.len() + sqlite.len() / 8);
    for line in sqlite.lines() {
        if line.trim_start().starts_with("--") {
            out.push_str(line);
        } else if let Some(rest) = line.trim_start().strip_prefix("id INTEGER PRIMARY KEY") {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push_str(indent);
            out.push_str("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
            out.push_str(&words(rest));
        } else {
            out.push_str(&words(line));
        }
        out.push('\n');
    }
    out
}

fn words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    let mut quoted = false;
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(match word.as_str() {
            "INTEGER" => "BIGINT",
            "REAL" => "DOUBLE PRECISION",
            "BLOB" => "BYTEA",
            w => w,
        });
        word.clear();
    };
    for c in line.chars() {
        if !quoted && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(c);
    }
    flush(&mut word, &mut out);
    out
}

/// Tables that migrations fill with rows of their own (seed vocabularies, the audit head).
/// A freshly created store holds these rows and is still "empty" for restore and copy.
/// A migration that inserts rows must list its table here (a test checks).
pub(crate) const SEEDED_BY_MIGRATIONS: &[&str] = &["audit_head", "pro_terms"];

pub(crate) async fn run(store: &Store) -> Result<()> {
    let pool = store.pool();
    pool.execute(
        "CREATE TABLE IF NOT EXISTS _dignity_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL, checksum TEXT)",
    )
    .await?;
    // Databases made before checksums were recorded lack the column.
    if sqlx::query("SELECT checksum FROM _dignity_migrations LIMIT 1")
        .fetch_all(pool)
        .await
        .is_err()
    {
        pool.execute("ALTER TABLE _dignity_migrations ADD COLUMN checksum TEXT")
            .await?;
    }
    rename_former_ids(store).await?;
    let done: Vec<(String, Option<String>)> =
        sqlx::query("SELECT id, checksum FROM _dignity_migrations")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<Option<String>, _>(1)))
            .collect();
    for m in MIGRATIONS {
        let statements = split_statements(&m.text(store.backend()));
        let sum = checksum(&statements);
        if let Some((_, recorded)) = done.iter().find(|(d, _)| d == m.id) {
            match recorded {
                Some(r) if *r != sum => return Err(changed(m.id, r, &sum)),
                Some(_) => {}
                // Applied before checksums were recorded: the file as it is now is the
                // reference from here on.
                None => {
                    sqlx::query("UPDATE _dignity_migrations SET checksum = $1 WHERE id = $2")
                        .bind(&sum)
                        .bind(m.id)
                        .execute(pool)
                        .await?;
                }
            }
            continue;
        }
        let mut tx = pool.begin().await?;
        // Run statement by statement: the Any driver sends one statement at a time.
        for stmt in &statements {
            sqlx::query(stmt)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::Migration(m.id.into(), format!("{e}\n{stmt}")))?;
        }
        let r = sqlx::query(
            "INSERT INTO _dignity_migrations (id, applied_at, checksum) VALUES ($1, $2, $3)",
        )
        .bind(m.id)
        .bind(crate::now())
        .bind(&sum)
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

fn changed(id: &str, recorded: &str, now: &str) -> StoreError {
    StoreError::Migration(
        id.into(),
        format!(
            "this migration was changed after it was applied to this database (checksum \
             recorded {}…, now {}…). The database's schema would no longer be the one a new \
             database gets: put the migration back as it was and add a new migration for the \
             change. Nothing was changed.",
            &recorded[..recorded.len().min(12)],
            &now[..now.len().min(12)]
        ),
    )
}

/// Rename the records of migrations applied under their former names, in one transaction.
async fn rename_former_ids(store: &Store) -> Result<()> {
    let pool = store.pool();
    let ids: Vec<String> = sqlx::query("SELECT id FROM _dignity_migrations")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    if !ids.iter().any(|id| current_id(id) != id) {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    for id in &ids {
        let new = current_id(id);
        if new != id {
            sqlx::query("UPDATE _dignity_migrations SET id = $1 WHERE id = $2")
                .bind(new)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
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
    fn migrations_are_applied_in_file_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |d: &std::path::Path| {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".sql").map(str::to_string))
                .collect();
            v.sort();
            v
        };
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| m.id.to_string()).collect();
        assert_eq!(
            listed,
            names(&dir),
            "MIGRATIONS lists every file, in file order"
        );
        let own: Vec<String> = MIGRATIONS
            .iter()
            .filter(|m| m.postgres.is_some())
            .map(|m| m.id.to_string())
            .collect();
        assert_eq!(own, names(&dir.join("postgres")));
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert!(
                m.id.starts_with(&format!("{:04}_", i + 1)),
                "{} is number {}",
                m.id,
                i + 1
            );
        }
    }

    #[test]
    fn former_names_lead_to_migrations_of_today() {
        for (old, new) in FORMER_IDS {
            assert!(MIGRATIONS.iter().any(|m| m.id == *new), "{new}");
            assert!(
                !MIGRATIONS.iter().any(|m| m.id == *old),
                "{old} is still a name"
            );
            assert_eq!(current_id(old), *new);
        }
        assert_eq!(current_id("0003_violations"), "0003_violations");
    }

    #[test]
    fn postgres_text_changes_whole_words_outside_quotes_only() {
        let sql = "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    seq INTEGER PRIMARY KEY,\n    \
                   n INTEGER NOT NULL DEFAULT 0, w REAL, b BLOB, integer_note TEXT DEFAULT 'INTEGER'\n);\n-- INTEGER in a comment\n";
        assert_eq!(
            postgres_sql(sql),
            "CREATE TABLE t (\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n    \
             seq BIGINT PRIMARY KEY,\n    n BIGINT NOT NULL DEFAULT 0, w DOUBLE PRECISION, \
             b BYTEA, integer_note TEXT DEFAULT 'INTEGER'\n);\n-- INTEGER in a comment\n"
        );
    }

    #[test]
    fn a_comment_does_not_change_the_checksum_a_statement_does() {
        let a = checksum(&split_statements("-- one\nCREATE TABLE t (x TEXT);\n"));
        let b = checksum(&split_statements(
            "-- two, corrected\n\nCREATE TABLE t (x TEXT);\n",
        ));
        let c = checksum(&split_statements("CREATE TABLE t (x INTEGER);\n"));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn every_table_a_migration_fills_is_listed_as_seeded() {
        for m in MIGRATIONS {
            for sql in [m.text(Backend::Sqlite), m.text(Backend::Postgres)] {
                for stmt in split_statements(&sql) {
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
