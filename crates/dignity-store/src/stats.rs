//! Storage of record linkage and estimation in the app (issue 7): capture-history tables
//! for multiple systems estimation. The statistics themselves live in `dignity-stats`;
//! callers validate a table with it before storing (`lists`, `observed` come from there).

use crate::{acl, now, Result, Store, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::{Actor, Confidentiality};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

pub const RECORD_TYPE: &str = "mse_dataset";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dataset {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub stratum_column: Option<String>,
    /// The capture histories as CSV (one 0/1 column per list, optional `count`).
    pub csv: String,
    /// Names of the lists (sources).
    pub lists: Vec<String>,
    /// People documented on at least one list.
    pub observed: i64,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
    pub published: bool,
    pub created_by: Option<i64>,
    pub created_at: String,
}

/// A new table, already validated by `dignity-stats`.
pub struct NewDataset<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub stratum_column: Option<&'a str>,
    pub csv: &'a str,
    pub lists: &'a [String],
    pub observed: i64,
    pub level: Confidentiality,
}

const COLS: &str = "id, name, description, stratum_column, csv, lists, observed, confidentiality, published, created_by, created_at";

/// A table as stored: its name, description, stratum column, CSV and list names are
/// encrypted (bound to the row).
fn row(store: &Store, r: &AnyRow) -> Result<Dataset> {
    let id: i64 = r.get("id");
    let dec = |col: &str| -> Result<String> {
        crate::violations::dec(store, &format!("mse_datasets.{col}"), id, r.get(col))
    };
    let stratum = dec("stratum_column")?;
    Ok(Dataset {
        id,
        name: dec("name")?,
        description: dec("description")?,
        stratum_column: (!stratum.is_empty()).then_some(stratum),
        csv: dec("csv")?,
        lists: serde_json::from_str(&dec("lists")?).unwrap_or_default(),
        observed: r.get("observed"),
        confidentiality: crate::shared::stored_level(r, "confidentiality"),
        published: r.get::<i64, _>("published") != 0,
        created_by: r.get("created_by"),
        created_at: r.get("created_at"),
    })
}

fn audit_view(d: &Dataset) -> serde_json::Value {
    serde_json::json!({ "id": d.id, "name": d.name, "lists": d.lists, "observed": d.observed,
        "confidentiality": d.confidentiality, "csv_sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(d.csv.as_bytes())) })
}

/// Store a capture-history table (needs the right to create records at that level).
pub async fn create(tx: &mut WriteTx, d: &NewDataset<'_>) -> Result<Dataset> {
    let actor = tx.actor().clone();
    if !authorize(
        &actor,
        Action::Create,
        &dignity_core::RecordAccess::new(d.level),
    )
    .allowed()
    {
        return Err(dignity_core::stats::tables::level_not_allowed().into());
    }
    let name = dignity_core::stats::tables::parse_name(d.name)?;
    let name = name.as_str();
    let at = now();
    let store = tx.store().clone();
    let id = tx.next_id("mse_datasets").await?;
    let enc = |col: &str, v: &str| {
        crate::violations::enc_keep(&store, &format!("mse_datasets.{col}"), id, v)
    };
    sqlx::query(
        "INSERT INTO mse_datasets (name, description, stratum_column, csv, lists, observed, confidentiality, created_by, created_at, updated_at, id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(enc("name", name))
    .bind(enc("description", d.description))
    .bind(
        d.stratum_column
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| enc("stratum_column", s)),
    )
    .bind(enc("csv", d.csv))
    .bind(enc("lists", &serde_json::to_string(d.lists).expect("lists serialise")))
    .bind(d.observed)
    .bind(d.level.as_str())
    .bind(actor.user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    let r = sqlx::query(&format!("SELECT {COLS} FROM mse_datasets WHERE id = $1"))
        .bind(id)
        .fetch_one(tx.conn())
        .await?;
    let ds = row(&store, &r)?;
    tx.audit(
        "record.create",
        RECORD_TYPE,
        &ds.id.to_string(),
        None,
        Some(&audit_view(&ds)),
        serde_json::json!({}),
    );
    Ok(ds)
}

/// The tables the actor may read, newest first.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Dataset>> {
    let sql = format!(
        "SELECT {} FROM mse_datasets d WHERE {} ORDER BY d.id DESC",
        COLS.split(", ")
            .map(|c| format!("d.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        acl::visible_sql(actor, "d", dignity_core::RecordType::MseDataset)
    );
    sqlx::query(&sql)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| row(store, r))
        .collect()
}

/// One table, if it exists and the actor may read it (reads of strictly confidential
/// tables are audited). `Ok(None)` for both "no such table" and "not allowed": a
/// reader without access does not learn that it exists.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Option<Dataset>> {
    let Some(r) = sqlx::query(&format!("SELECT {COLS} FROM mse_datasets WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
    else {
        return Ok(None);
    };
    let d = row(store, &r)?;
    let access = acl::access(
        store,
        RECORD_TYPE,
        &id.to_string(),
        d.confidentiality,
        d.published,
        d.created_by,
    )
    .await?;
    match authorize(actor, Action::Read, &access) {
        dignity_core::Decision::Allow { audit_read } => {
            if audit_read {
                store
                    .log_event(
                        actor,
                        "record.read",
                        RECORD_TYPE,
                        &id.to_string(),
                        serde_json::json!({}),
                    )
                    .await?;
            }
            Ok(Some(d))
        }
        dignity_core::Decision::Deny(_) => Ok(None),
    }
}
pub mod linkage;
