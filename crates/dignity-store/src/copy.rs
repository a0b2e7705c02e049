//! Copying an installation into an empty PostgreSQL database (`dignity migrate-store`).
//!
//! The schema is created by opening a [`Store`] on the target with the same key file; every
//! table is then read from one snapshot of the source and inserted in one transaction on
//! the target (all or nothing), identity sequences are moved past the copied ids, and each
//! table is checked: same row count and same content hash (rows in primary-key order,
//! canonical form; see `dump.rs`) on both sides.

use crate::dump::{self, encode_line, select_sql, Rows, TableHash};
use crate::{mask_url, Backend, OpenOptions, Result, Store, StoreError};
use dignity_core::Actor;
use serde::Serialize;
use sqlx::Row;

/// One table of the copy.
#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub name: String,
    pub source_rows: u64,
    pub target_rows: u64,
    pub source_sha256: String,
    pub target_sha256: String,
}

impl TableCopy {
    pub fn matches(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

/// What [`migrate_store`] did, table by table.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    /// The target, password hidden.
    pub target: String,
    pub tables: Vec<TableCopy>,
    pub rows: u64,
    /// Audit entries written to the source after the snapshot that was copied (the server
    /// was running): they are not in the target.
    pub source_writes_after_copy: i64,
}

impl CopyReport {
    /// Every table arrived complete and unchanged.
    pub fn ok(&self) -> bool {
        self.tables.iter().all(TableCopy::matches)
    }
}

/// Copy every table of `from` into the empty PostgreSQL database at `to_url`, then verify.
/// Uploaded files and the key file stay where they are (the data directory and key file
/// of `from` are shared). Refuses a target that holds data.
pub async fn migrate_store(from: &Store, to_url: &str) -> Result<CopyReport> {
    if !(to_url.starts_with("postgres://") || to_url.starts_with("postgresql://")) {
        return Err(StoreError::Config(format!(
            "the target must be a PostgreSQL URL (postgres://…), not {}",
            mask_url(to_url)
        )));
    }
    // The target gets a data directory of its own for the copy: its audit entry must not
    // move the audit anchor of the installation, which keeps running on the source until
    // the operator switches (and then the anchor, one entry behind, still verifies).
    let scratch = crate::backup::WorkDir::new(from.data_dir(), "copy")?;
    let to_opts = OpenOptions {
        data_dir: scratch.path().to_path_buf(),
        database_url: Some(to_url.to_string()),
        key_file: Some(from.key_path().to_path_buf()),
        key_passphrase: None,
        person_keys: Some(from.vault().dir().to_path_buf()),
    };
    let to = Store::open_with_seal(&to_opts, from.seal_key()).await?;
    let r = copy_into(from, &to, to_url).await;
    to.close().await;
    r
}

async fn copy_into(from: &Store, to: &Store, to_url: &str) -> Result<CopyReport> {
    let specs = dump::table_specs(to).await?;
    let source_specs = dump::table_specs(from).await?;
    dump::same_schema(&specs, &source_specs, "the source").map_err(|m| {
        StoreError::Config(format!("{m}: upgrade both to the same Dignity version"))
    })?;
    let full = dump::non_empty_tables(to, &specs).await?;
    if !full.is_empty() {
        let what: Vec<String> = full
            .iter()
            .map(|(t, n)| format!("{t} ({n} rows)"))
            .collect();
        return Err(StoreError::Conflict(format!(
            "the target database {} is not empty: it holds {}. Copy only into a new, empty \
             database. Nothing was written.",
            mask_url(to_url),
            what.join(", ")
        )));
    }

    let mut src = dump::begin_snapshot(from).await?;
    let source_migrations = dump::applied_migrations(&mut src).await?;
    let mut conn = to.pool().acquire().await?;
    let target_migrations = dump::applied_migrations(&mut conn).await?;
    drop(conn);
    if source_migrations != target_migrations {
        return Err(StoreError::Config(format!(
            "the source has the schema migrations {source_migrations:?}, the target \
             {target_migrations:?}"
        )));
    }
    let mut dst = to.pool().begin().await?;
    dump::delete_all(&mut dst, &specs).await?;
    let mut source_hashes = Vec::with_capacity(specs.len());
    for spec in &specs {
        let sql = select_sql(spec, from.backend());
        let mut rows = Rows::new(&mut src, &sql, spec);
        let mut h = TableHash::default();
        let mut batch = Vec::with_capacity(500);
        while let Some(r) = rows.next().await? {
            h.add(&encode_line(&r));
            batch.push(r);
            if batch.len() == 500 {
                dump::insert_rows(&mut dst, spec, &batch).await?;
                batch.clear();
            }
        }
        dump::insert_rows(&mut dst, spec, &batch).await?;
        source_hashes.push(h.finish());
    }
    let head_seq: i64 = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&mut *src)
        .await?
        .get(0);
    src.rollback().await?;
    dump::reset_sequences(&mut dst, to.backend(), &specs).await?;
    dst.commit().await?;

    // Verify from a fresh snapshot of the target.
    let mut check = dump::begin_snapshot(to).await?;
    let mut tables = Vec::with_capacity(specs.len());
    for (spec, (source_rows, source_sha256)) in specs.iter().zip(source_hashes) {
        let (target_rows, target_sha256) = dump::hash_table(&mut check, to.backend(), spec).await?;
        tables.push(TableCopy {
            name: spec.name.clone(),
            source_rows,
            target_rows,
            source_sha256,
            target_sha256,
        });
    }
    check.rollback().await?;
    let now_seq: i64 = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(from.pool())
        .await?
        .get(0);
    let report = CopyReport {
        target: mask_url(to_url),
        rows: tables.iter().map(|t| t.target_rows).sum(),
        tables,
        source_writes_after_copy: now_seq - head_seq,
    };
    if report.ok() {
        to.log_event(
            &Actor::system(),
            "store.copy_in",
            "store",
            match from.backend() {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            },
            serde_json::json!({
                "rows": report.rows,
                "tables": report.tables.len(),
                "source_audit_seq": head_seq,
            }),
        )
        .await?;
    }
    Ok(report)
}
