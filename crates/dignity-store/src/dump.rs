//! Tables as portable values: the one implementation of "read every row of a table" and
//! "insert rows into a table", shared by backups, restores, the copy to PostgreSQL and key
//! rotation.
//!
//! A row is a JSON array of typed values in column order: integers as JSON integers, reals
//! as JSON numbers, text as JSON strings, blobs as base64 strings, NULL as `null`. Rows are
//! read in primary-key order (text compared byte-wise on both backends), so the canonical
//! form of a table — one such array per line — is identical on SQLite and PostgreSQL, and
//! its SHA-256 is a content hash that can be compared across backends.

use crate::{Backend, Result, Store, StoreError};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use futures_util::stream::BoxStream;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet};

/// The portable type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColType {
    Integer,
    Real,
    Text,
    Blob,
}

impl ColType {
    fn parse(s: &str) -> Result<ColType> {
        Ok(match s {
            "integer" => ColType::Integer,
            "real" => ColType::Real,
            "text" => ColType::Text,
            "blob" => ColType::Blob,
            other => return Err(StoreError::Internal(format!("unknown column type {other}"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColType,
}

/// A table's shape: columns in order and primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSpec {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
}

/// Quote an identifier for both backends.
pub(crate) fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The shape of every table, parents before the tables that reference them (the order to
/// insert in; delete in reverse).
pub(crate) async fn table_specs(store: &Store) -> Result<Vec<TableSpec>> {
    let mut specs = BTreeMap::new();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in store.table_names().await? {
        let columns = store
            .table_columns(&name)
            .await?
            .into_iter()
            .map(|(n, t)| {
                Ok(Column {
                    name: n,
                    ty: ColType::parse(&t)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (pk_sql, fk_sql) = match store.backend() {
            Backend::Sqlite => (
                "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk",
                "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
            ),
            Backend::Postgres => (
                "SELECT kcu.column_name::text FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name \
                 AND tc.table_schema = kcu.table_schema AND tc.table_name = kcu.table_name \
                 WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() \
                 AND tc.table_name = $1 ORDER BY kcu.ordinal_position",
                "SELECT DISTINCT p.relname::text FROM pg_constraint k \
                 JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE k.contype = 'f' AND c.relname = $1 AND n.nspname = current_schema()",
            ),
        };
        let primary_key = sqlx::query(pk_sql)
            .bind(&name)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        let fks: BTreeSet<String> = sqlx::query(fk_sql)
            .bind(&name)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|p| *p != name)
            .collect();
        parents.insert(name.clone(), fks);
        specs.insert(
            name.clone(),
            TableSpec {
                name,
                columns,
                primary_key,
            },
        );
    }
    // Parents first (Kahn's algorithm, ties by name so the order is stable).
    let mut out = Vec::with_capacity(specs.len());
    let mut done = BTreeSet::new();
    while done.len() < specs.len() {
        let ready: Vec<String> = specs
            .keys()
            .filter(|t| !done.contains(*t))
            .filter(|t| {
                parents[*t]
                    .iter()
                    .all(|p| done.contains(p) || !specs.contains_key(p))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            let cycle: Vec<_> = specs.keys().filter(|t| !done.contains(*t)).collect();
            return Err(StoreError::Internal(format!(
                "the tables {cycle:?} reference each other in a cycle: no insertion order exists"
            )));
        }
        for t in ready {
            done.insert(t.clone());
            out.push(specs[&t].clone());
        }
    }
    Ok(out)
}

/// `SELECT` of every column of a table in canonical order (primary key, text compared
/// byte-wise on both backends).
pub(crate) fn select_sql(spec: &TableSpec, backend: Backend) -> String {
    let cols: Vec<String> = spec.columns.iter().map(|c| q(&c.name)).collect();
    let order_cols: Vec<&Column> = if spec.primary_key.is_empty() {
        spec.columns
            .iter()
            .filter(|c| c.ty != ColType::Blob)
            .collect()
    } else {
        spec.primary_key
            .iter()
            .filter_map(|k| spec.columns.iter().find(|c| &c.name == k))
            .collect()
    };
    let order: Vec<String> = order_cols
        .iter()
        .map(|c| match (backend, c.ty) {
            (Backend::Postgres, ColType::Text) => format!("{} COLLATE \"C\"", q(&c.name)),
            _ => q(&c.name),
        })
        .collect();
    let mut sql = format!("SELECT {} FROM {}", cols.join(", "), q(&spec.name));
    if !order.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&order.join(", "));
    }
    sql
}

/// One row as portable values.
pub(crate) fn decode_row(row: &AnyRow, spec: &TableSpec) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(spec.columns.len());
    for (i, c) in spec.columns.iter().enumerate() {
        let err = |e: sqlx::Error| {
            StoreError::Internal(format!(
                "{}.{}: value does not have the column's type ({:?}): {e}",
                spec.name, c.name, c.ty
            ))
        };
        let v = match c.ty {
            ColType::Integer => row
                .try_get::<Option<i64>, _>(i)
                .map_err(err)?
                .map(Value::from),
            ColType::Real => match row.try_get::<Option<f64>, _>(i).map_err(err)? {
                None => None,
                Some(f) => Some(Value::from(serde_json::Number::from_f64(f).ok_or_else(
                    || {
                        StoreError::Internal(format!(
                            "{}.{}: {f} cannot be written portably",
                            spec.name, c.name
                        ))
                    },
                )?)),
            },
            ColType::Text => row
                .try_get::<Option<String>, _>(i)
                .map_err(err)?
                .map(Value::from),
            ColType::Blob => row
                .try_get::<Option<Vec<u8>>, _>(i)
                .map_err(err)?
                .map(|b| Value::from(B64.encode(b))),
        };
        out.push(v.unwrap_or(Value::Null));
    }
    Ok(out)
}

/// The canonical line of a row (with its newline).
pub(crate) fn encode_line(values: &[Value]) -> String {
    let mut s = serde_json::to_string(values).expect("JSON values serialise");
    s.push('\n');
    s
}

/// Parse and type-check a canonical line, `row` of its table's file (from 1).
pub(crate) fn parse_line(spec: &TableSpec, row: u64, line: &str) -> Result<Vec<Value>> {
    let bad = |reason: String| StoreError::Corrupt {
        table: spec.name.clone(),
        row,
        reason,
    };
    let v: Vec<Value> =
        serde_json::from_str(line).map_err(|e| bad(format!("a row is not valid: {e}")))?;
    if v.len() != spec.columns.len() {
        return Err(bad(format!(
            "a row has {} values for {} columns",
            v.len(),
            spec.columns.len()
        )));
    }
    for (x, c) in v.iter().zip(&spec.columns) {
        let ok = match (c.ty, x) {
            (_, Value::Null) => true,
            (ColType::Integer, x) => x.is_i64(),
            (ColType::Real, x) => x.is_number(),
            (ColType::Text, x) => x.is_string(),
            (ColType::Blob, Value::String(s)) => B64.decode(s).is_ok(),
            _ => false,
        };
        if !ok {
            return Err(bad(format!(
                "column {} holds a value of another type",
                c.name
            )));
        }
    }
    Ok(v)
}

/// Rows of a table, streamed in canonical order from a connection (inside whatever
/// transaction the caller holds).
pub(crate) struct Rows<'c> {
    inner: BoxStream<'c, std::result::Result<AnyRow, sqlx::Error>>,
    spec: &'c TableSpec,
}

impl<'c> Rows<'c> {
    /// `sql` is [`select_sql`] for the backend of `conn`.
    pub(crate) fn new(conn: &'c mut AnyConnection, sql: &'c str, spec: &'c TableSpec) -> Self {
        Rows {
            inner: sqlx::query(sql).fetch(conn),
            spec,
        }
    }
    pub(crate) async fn next(&mut self) -> Result<Option<Vec<Value>>> {
        match self.inner.try_next().await? {
            Some(r) => Ok(Some(decode_row(&r, self.spec)?)),
            None => Ok(None),
        }
    }
}

/// Row count and SHA-256 of a table's canonical lines.
#[derive(Default)]
pub(crate) struct TableHash {
    hasher: Sha256,
    pub(crate) rows: u64,
}

impl TableHash {
    pub(crate) fn add(&mut self, line: &str) {
        self.hasher.update(line.as_bytes());
        self.rows += 1;
    }
    pub(crate) fn finish(self) -> (u64, String) {
        (self.rows, hex::encode(self.hasher.finalize()))
    }
}

/// Read a whole table and return its row count and content hash.
pub(crate) async fn hash_table(
    conn: &mut AnyConnection,
    backend: Backend,
    spec: &TableSpec,
) -> Result<(u64, String)> {
    let sql = select_sql(spec, backend);
    let mut rows = Rows::new(conn, &sql, spec);
    let mut h = TableHash::default();
    while let Some(r) = rows.next().await? {
        h.add(&encode_line(&r));
    }
    Ok(h.finish())
}

/// Insert rows (in batches that stay under every backend's limit on bound parameters).
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    spec: &TableSpec,
    rows: &[Vec<Value>],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ncols = spec.columns.len().max(1);
    let per_batch = (900 / ncols).max(1);
    let cols: Vec<String> = spec.columns.iter().map(|c| q(&c.name)).collect();
    for batch in rows.chunks(per_batch) {
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            q(&spec.name),
            cols.join(", ")
        );
        let mut n = 0;
        for (i, _) in batch.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..spec.columns.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for row in batch {
            for (v, c) in row.iter().zip(&spec.columns) {
                let bad = || {
                    StoreError::Internal(format!(
                        "{}.{}: value of another type than {:?}",
                        spec.name, c.name, c.ty
                    ))
                };
                query = match (c.ty, v) {
                    (ColType::Integer, Value::Null) => query.bind(None::<i64>),
                    (ColType::Integer, v) => query.bind(v.as_i64().ok_or_else(bad)?),
                    (ColType::Real, Value::Null) => query.bind(None::<f64>),
                    (ColType::Real, v) => query.bind(v.as_f64().ok_or_else(bad)?),
                    (ColType::Text, Value::Null) => query.bind(None::<String>),
                    (ColType::Text, Value::String(s)) => query.bind(s.clone()),
                    (ColType::Blob, Value::Null) => query.bind(None::<Vec<u8>>),
                    (ColType::Blob, Value::String(s)) => {
                        query.bind(B64.decode(s).map_err(|_| bad())?)
                    }
                    _ => return Err(bad()),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Begin a transaction that reads one consistent snapshot: REPEATABLE READ on PostgreSQL;
/// on SQLite (WAL) a read transaction is a snapshot from its first read on.
pub(crate) async fn begin_snapshot(store: &Store) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Schema migrations applied to a database, in order.
pub(crate) async fn applied_migrations(conn: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query("SELECT id FROM _dignity_migrations ORDER BY id")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect(),
    )
}

/// The rows a store holds beyond a freshly created one: empty means every table is empty
/// except `audit_head` at the start of the chain. Returns (table, rows) of the tables that
/// hold something.
pub(crate) async fn non_empty_tables(
    store: &Store,
    specs: &[TableSpec],
) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for s in specs {
        if crate::migrate::SEEDED_BY_MIGRATIONS.contains(&s.name.as_str()) && s.name != "audit_head"
        {
            // Rows a fresh store already has; restore and copy replace them.
            continue;
        }
        let sql = if s.name == "audit_head" {
            "SELECT COUNT(*) FROM audit_head WHERE seq <> 0".to_string()
        } else {
            format!("SELECT COUNT(*) FROM {}", q(&s.name))
        };
        let n: i64 = sqlx::query(&sql).fetch_one(store.pool()).await?.get(0);
        if n > 0 {
            out.push((s.name.clone(), n));
        }
    }
    Ok(out)
}

/// Delete every row of every table (children first), inside the caller's transaction.
pub(crate) async fn delete_all(conn: &mut AnyConnection, specs: &[TableSpec]) -> Result<()> {
    for s in specs.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", q(&s.name)))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// After rows were inserted with explicit ids: move PostgreSQL's identity sequences past
/// the largest id, so new rows do not collide. Nothing to do on SQLite.
pub(crate) async fn reset_sequences(
    conn: &mut AnyConnection,
    backend: Backend,
    specs: &[TableSpec],
) -> Result<()> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    for s in specs {
        for c in s.columns.iter().filter(|c| c.ty == ColType::Integer) {
            let seq: Option<String> = sqlx::query("SELECT pg_get_serial_sequence($1, $2)")
                .bind(q(&s.name))
                .bind(&c.name)
                .fetch_one(&mut *conn)
                .await?
                .get(0);
            if let Some(seq) = seq {
                sqlx::query(&format!(
                    "SELECT setval($1::regclass, COALESCE(MAX({col}), 1), MAX({col}) IS NOT NULL)::bigint FROM {t}",
                    col = q(&c.name),
                    t = q(&s.name)
                ))
                .bind(seq)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// Check that two stores' schemas match for the given tables (same migrations, same
/// columns and types); `what` names the other side in the message.
pub(crate) fn same_schema(
    ours: &[TableSpec],
    theirs: &[TableSpec],
    what: &str,
) -> std::result::Result<(), String> {
    let names = |v: &[TableSpec]| v.iter().map(|s| s.name.clone()).collect::<BTreeSet<_>>();
    if names(ours) != names(theirs) {
        return Err(format!(
            "{what} has the tables {:?}, the target {:?}",
            names(theirs),
            names(ours)
        ));
    }
    for t in theirs {
        let o = ours.iter().find(|o| o.name == t.name).expect("same names");
        if o.columns != t.columns {
            return Err(format!("table {}: {what} has other columns", t.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_row_names_its_table_and_row() {
        let spec = TableSpec {
            name: "vio_events".into(),
            columns: vec![
                Column {
                    name: "id".into(),
                    ty: ColType::Integer,
                },
                Column {
                    name: "title".into(),
                    ty: ColType::Text,
                },
            ],
            primary_key: vec!["id".into()],
        };
        assert_eq!(parse_line(&spec, 1, "[1, \"a\"]").unwrap().len(), 2);
        for (line, why) in [
            ("{", "a row is not valid"),
            ("[1]", "a row has 1 values for 2 columns"),
            ("[\"x\", \"a\"]", "column id holds a value of another type"),
        ] {
            match parse_line(&spec, 7, line) {
                Err(StoreError::Corrupt { table, row, reason }) => {
                    assert_eq!((table.as_str(), row), ("vio_events", 7));
                    assert!(reason.starts_with(why), "{reason}");
                }
                other => panic!("{line}: {other:?}"),
            }
        }
    }
}
