//! Drafts of forms, kept apart from the records and encrypted.

use super::*;
use crate::now;
use serde::Serialize;
use utoipa::ToSchema;

// ----------------------------------------------------------------- drafts --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draft {
    pub id: i64,
    pub kind: String,
    /// The saved form fields.
    pub payload: serde_json::Value,
    pub updated_at: String,
}

/// Save (or replace) a draft of a form: kept apart from the records and encrypted, so an
/// unfinished entry is neither lost nor half-written into the data.
pub async fn save_draft(
    tx: &mut WriteTx,
    id: Option<i64>,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<i64> {
    let uid = dignity_core::violations::drafts::owner(tx.actor().user_id)?;
    let at = now();
    let id = match id {
        Some(id) => {
            let ct = tx
                .store()
                .keys()
                .encrypt("vio_drafts.payload", id, &payload.to_string());
            let n = sqlx::query("UPDATE vio_drafts SET payload = $1, updated_at = $2, kind = $3 WHERE id = $4 AND user_id = $5")
                .bind(&ct)
                .bind(&at)
                .bind(kind)
                .bind(id)
                .bind(uid)
                .execute(tx.conn())
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("draft {id}")));
            }
            id
        }
        None => {
            let id = tx.next_id("vio_drafts").await?;
            let ct = tx
                .store()
                .keys()
                .encrypt("vio_drafts.payload", id, &payload.to_string());
            sqlx::query("INSERT INTO vio_drafts (user_id, kind, payload, updated_at, id) VALUES ($1,$2,$3,$4,$5)")
                .bind(uid)
                .bind(kind)
                .bind(&ct)
                .bind(&at)
                .bind(id)
                .execute(tx.conn())
                .await?;
            id
        }
    };
    tx.audit(
        "draft.save",
        "vio_drafts",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "kind": kind }),
    );
    Ok(id)
}

pub async fn drafts(store: &Store, actor: &Actor) -> Result<Vec<Draft>> {
    let rows = sqlx::query("SELECT id, kind, payload, updated_at FROM vio_drafts WHERE user_id = $1 ORDER BY updated_at DESC")
        .bind(actor.user_id.unwrap_or(-1))
        .fetch_all(store.pool())
        .await?;
    let mut out = vec![];
    for r in rows {
        let p = store.decrypt(
            "vio_drafts.payload",
            r.get::<i64, _>(0),
            &r.get::<String, _>(2),
        )?;
        out.push(Draft {
            id: r.get(0),
            kind: r.get(1),
            payload: serde_json::from_str(&p).unwrap_or_default(),
            updated_at: r.get(3),
        });
    }
    Ok(out)
}

pub async fn delete_draft(tx: &mut WriteTx, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM vio_drafts WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(tx.actor().user_id.unwrap_or(-1))
        .execute(tx.conn())
        .await?;
    tx.audit(
        "draft.delete",
        "vio_drafts",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(())
}
