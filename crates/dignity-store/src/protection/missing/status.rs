//! The status history of a case: dated, attributed, backed by evidence or a reference, in order.

use super::*;
use crate::shared::BindCreated;

// ------------------------------------------------------------- status --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct StatusChange {
    pub status: String,
    /// The date of the change (the identification, the location…), not of its entry.
    pub changed_on: String,
    /// An evidence item (violations area) backing the change…
    pub evidence_id: Option<i64>,
    /// …or a reference (a DNA report number, a commission decision, a death certificate).
    pub reference: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusEntry {
    pub seq: i64,
    pub from_status: String,
    pub to_status: String,
    pub changed_on: String,
    pub evidence_id: Option<i64>,
    pub reference: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

/// Change the status of a case. Refused (nothing written) without evidence or a reference,
/// for a transition that does not follow from the current status, for a date before the
/// last change or in the future. Audited.
pub async fn change_status(tx: &mut WriteTx, id: i64, c: &StatusChange) -> Result<i64> {
    let to = CaseStatus::parse("status", &c.status)?;
    let r = sqlx::query("SELECT status, status_on FROM pro_missing WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("missing person case {id}")))?;
    let from: String = r.get(0);
    let last_on = dec(tx.store(), "pro_missing.status_on", id, r.get(1))?;
    let from_status = CaseStatus::from_code(&from)
        .ok_or_else(|| StoreError::Internal(format!("case {id} has an unknown status {from:?}")))?;
    rules::transition(from_status, to)?;
    let ch = rules::StatusChange::parse(&c.status, c.evidence_id, &c.reference, &c.note)?;
    if let Some(e) = ch.evidence_id {
        if !row_exists(tx, "SELECT COUNT(*) FROM vio_evidence WHERE id = $1", e).await? {
            return Err(rules::no_evidence_item(e).into());
        }
    }
    let on = not_future("changed_on", day("changed_on", &c.changed_on)?)?;
    if let Ok(last) = chrono::NaiveDate::parse_from_str(&last_on, "%Y-%m-%d") {
        rules::in_order(from_status, last, on)?;
    }
    let to = ch.to.as_str();
    let seq: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM pro_status_history WHERE missing_id = $1",
    )
    .bind(id)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    let store = tx.store().clone();
    let at = now();
    let hid = tx.next_id("pro_status_history").await?;
    sqlx::query(
        "INSERT INTO pro_status_history (missing_id, seq, from_status, to_status, changed_on, evidence_id, reference, note, by_user, by_name, at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
    )
    .bind(id)
    .bind(seq)
    .bind(&from)
    .bind(to)
    .bind(enc_keep(&store, "pro_status_history.changed_on", hid, &on.to_string()))
    .bind(c.evidence_id)
    .bind(enc_keep(&store, "pro_status_history.reference", hid, &ch.reference))
    .bind(enc(&store, "pro_status_history.note", hid, &ch.note))
    .bind_by(tx)
    .bind(&at)
    .bind(hid)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "UPDATE pro_missing SET status = $1, status_on = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(to)
    .bind(enc_keep(
        &store,
        "pro_missing.status_on",
        id,
        &on.to_string(),
    ))
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    if ch.to.identifies_death() {
        sqlx::query("UPDATE vio_persons SET deceased = 1, updated_at = $1 WHERE id = (SELECT person_id FROM pro_missing WHERE id = $2)")
            .bind(&at)
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    tx.audit(
        "missing.status",
        MISSING,
        &id.to_string(),
        Some(&serde_json::json!({ "status": from, "status_on": last_on })),
        Some(&serde_json::to_value(c).unwrap_or_default()),
        serde_json::json!({ "from": from, "to": to, "seq": seq, "evidence_id": c.evidence_id }),
    );
    Ok(seq)
}

/// The status history of a case, oldest first.
pub async fn history(store: &Store, id: i64) -> Result<Vec<StatusEntry>> {
    let rows = sqlx::query(
        "SELECT seq, from_status, to_status, changed_on, evidence_id, reference, note, by_name, at, id FROM pro_status_history \
         WHERE missing_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let hid: i64 = r.get(9);
            Ok(StatusEntry {
                seq: r.get(0),
                from_status: r.get(1),
                to_status: r.get(2),
                changed_on: dec(store, "pro_status_history.changed_on", hid, r.get(3))?,
                evidence_id: r.get(4),
                reference: dec(store, "pro_status_history.reference", hid, r.get(5))?,
                note: dec(store, "pro_status_history.note", hid, r.get(6))?,
                by: r.get(7),
                at: r.get(8),
            })
        })
        .collect()
}
