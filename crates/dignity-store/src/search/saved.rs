//! Saved searches: a user's named queries, and what they saw of each last.

use crate::{Result, Store, WriteTx};
use serde::Serialize;
use sqlx::Row;

/// A user's saved search. `name` and `query` are stored encrypted: a query can hold the
/// name of a person.
#[derive(Debug, Clone, Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The search as a URL query string (`q=…&country=SRB&…`).
    pub query: String,
    pub created_at: String,
    /// The audit sequence the user had seen results up to; hits changed after it are "new".
    pub seen_seq: i64,
    pub seen_at: Option<String>,
}

const SAVED_COLS: &str = "id, user_id, name, query, created_at, seen_seq, seen_at";

fn saved_row(store: &Store, r: &sqlx::any::AnyRow) -> Result<SavedSearch> {
    let id: i64 = r.get(0);
    Ok(SavedSearch {
        id,
        user_id: r.get(1),
        name: store.decrypt("saved_searches.name", id, &r.get::<String, _>(2))?,
        query: store.decrypt("saved_searches.query", id, &r.get::<String, _>(3))?,
        created_at: r.get(4),
        seen_seq: r.get(5),
        seen_at: r.get(6),
    })
}

/// Save a search for `user_id` (audited; the audit entry holds no query).
pub async fn save_search(
    tx: &mut WriteTx,
    user_id: i64,
    name: &str,
    query: &str,
    seen_seq: i64,
) -> Result<i64> {
    let dignity_core::search::SavedSearchInput { name, query } =
        dignity_core::search::SavedSearchInput::parse(name, query)?;
    let keys = tx.store().keys();
    let id = tx.next_id("saved_searches").await?;
    sqlx::query(
        "INSERT INTO saved_searches (user_id, name, query, created_at, seen_seq, seen_at, id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user_id)
    .bind(keys.encrypt("saved_searches.name", id, name))
    .bind(keys.encrypt("saved_searches.query", id, query))
    .bind(crate::now())
    .bind(seen_seq)
    .bind(crate::now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "saved_search.create",
        "saved_search",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(id)
}

/// A user's saved searches, oldest first.
pub async fn saved_searches(store: &Store, user_id: i64) -> Result<Vec<SavedSearch>> {
    sqlx::query(&format!(
        "SELECT {SAVED_COLS} FROM saved_searches WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| saved_row(store, r))
    .collect()
}

/// One saved search of `user_id` (None if it is not theirs).
pub async fn saved_search(store: &Store, user_id: i64, id: i64) -> Result<Option<SavedSearch>> {
    sqlx::query(&format!(
        "SELECT {SAVED_COLS} FROM saved_searches WHERE user_id = $1 AND id = $2"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| saved_row(store, &r))
    .transpose()
}

/// The user has looked at the results up to audit sequence `seq` (audited).
pub async fn mark_seen(tx: &mut WriteTx, user_id: i64, id: i64, seq: i64) -> Result<()> {
    sqlx::query(
        "UPDATE saved_searches SET seen_seq = $1, seen_at = $2 WHERE user_id = $3 AND id = $4",
    )
    .bind(seq)
    .bind(crate::now())
    .bind(user_id)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "saved_search.seen",
        "saved_search",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "seq": seq }),
    );
    Ok(())
}

/// Delete a saved search of `user_id` (audited). Returns whether one was deleted.
pub async fn delete_saved(tx: &mut WriteTx, user_id: i64, id: i64) -> Result<bool> {
    let delete = sqlx::query("DELETE FROM saved_searches WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id);
    tx.delete_audited(delete, "saved_search.delete", "saved_search", id)
        .await
}
