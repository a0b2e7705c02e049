//! The audit-log queries the search index catches up with.

use crate::{Result, Store};
use sqlx::Row;

/// One audit entry as the index needs it.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub record_type: String,
    pub record_id: String,
    pub hash: String,
}

/// The audit head: the sequence number of the last committed entry.
pub async fn audit_head(store: &Store) -> Result<i64> {
    Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?
        .get(0))
}

/// The hash of entry `seq`, if it exists (an index compares it with the one it applied
/// last, to notice a database replaced by a restore).
pub async fn audit_hash_at(store: &Store, seq: i64) -> Result<Option<String>> {
    Ok(sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(store.pool())
        .await?
        .map(|r| r.get(0)))
}

/// Up to `limit` entries after `after`, in order.
pub async fn changes_since(store: &Store, after: i64, limit: i64) -> Result<Vec<Change>> {
    Ok(sqlx::query(
        "SELECT seq, record_type, record_id, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Change {
        seq: r.get(0),
        record_type: r.get(1),
        record_id: r.get(2),
        hash: r.get(3),
    })
    .collect())
}

/// The last audit sequence of every (record type, record id) of the log (for a rebuild:
/// "new since" counts compare with it).
pub async fn last_changes(store: &Store) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query(
        "SELECT record_type, record_id, MAX(seq) FROM audit_log GROUP BY record_type, record_id",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect())
}
