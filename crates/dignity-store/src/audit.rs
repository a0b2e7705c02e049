//! Reading and verifying the audit log.

use crate::{Result, Store};
use dignity_core::audit::{verify, AuditEntry, Problem};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Filters of the audit log page, the API (`GET /api/v1/audit`, whose query parameters
/// they are) and `dignity audit list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    // Compared as text against the RFC 3339 times of the log (so a date `2026-11-01`
    // works); the doc comment is the API's description of the parameter.
    /// RFC 3339 time or date, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
}

fn entry(r: &AnyRow) -> AuditEntry {
    AuditEntry {
        seq: r.get("seq"),
        at: r.get("at"),
        actor_id: r.get("actor_id"),
        actor_name: r.get("actor_name"),
        action: r.get("action"),
        record_type: r.get("record_type"),
        record_id: r.get("record_id"),
        before_hash: r.get("before_hash"),
        after_hash: r.get("after_hash"),
        details: r.get("details"),
        prev_hash: r.get("prev_hash"),
        hash: r.get("hash"),
    }
}

const COLS: &str = "seq, at, actor_id, actor_name, action, record_type, record_id, before_hash, after_hash, details, prev_hash, hash";

/// Newest first, `limit` entries from `offset`.
pub async fn list(
    store: &Store,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEntry>> {
    let mut sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let mut add = |cond: &str, v: &Option<String>, sql: &mut String| {
        if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
            binds.push(v.trim().to_string());
            sql.push_str(&format!(" AND {cond} ${}", binds.len()));
        }
    };
    add("actor_name =", &f.actor, &mut sql);
    add("action =", &f.action, &mut sql);
    add("record_type =", &f.record_type, &mut sql);
    add("record_id =", &f.record_id, &mut sql);
    add("at >=", &f.from, &mut sql);
    // `to` is inclusive of the whole day when a date is given.
    let to = f.to.as_ref().map(|t| {
        if t.trim().len() == 10 {
            format!("{}T23:59:59.999Z", t.trim())
        } else {
            t.clone()
        }
    });
    add("at <=", &to, &mut sql);
    sql.push_str(&format!(
        " ORDER BY seq DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    ));
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(store.pool()).await?.iter().map(entry).collect())
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub checked: usize,
    pub problems: Vec<Problem>,
    /// Whether an anchor outside the database was found to compare the end against.
    pub anchored: bool,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Check every entry of the chain, and its end against the anchor file.
pub async fn verify_log(store: &Store) -> Result<VerifyReport> {
    let rows = sqlx::query(&format!("SELECT {COLS} FROM audit_log ORDER BY seq"))
        .fetch_all(store.pool())
        .await?;
    let entries: Vec<AuditEntry> = rows.iter().map(entry).collect();
    let anchor_text = std::fs::read_to_string(store.data_dir().join("audit-anchor")).ok();
    let anchor = anchor_text.as_deref().and_then(|t| {
        let (s, h) = t.trim().split_once(' ')?;
        Some((s.parse::<i64>().ok()?, h.to_string()))
    });
    let problems = verify(
        &store.keys().audit_key(),
        &entries,
        anchor.as_ref().map(|(s, h)| (*s, h.as_str())),
    );
    Ok(VerifyReport {
        checked: entries.len(),
        problems,
        anchored: anchor.is_some(),
    })
}
