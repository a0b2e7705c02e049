//! The chain of custody: entries chained by SHA-256 per item, written and checked.

use super::*;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustodyEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub counterpart: String,
    pub method: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of a custody entry: SHA-256 over its fields, each followed by a newline.
#[allow(clippy::too_many_arguments)]
pub fn custody_hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    counterpart: &str,
    method: &str,
    details: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        actor,
        action,
        counterpart,
        method,
        details,
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Append a custody entry for an item (inside the caller's transaction).
pub async fn custody(
    tx: &mut WriteTx,
    evidence_id: i64,
    action: &str,
    counterpart: &str,
    method: &str,
    details: &str,
) -> Result<()> {
    let last = sqlx::query(
        "SELECT seq, hash FROM vio_custody WHERE evidence_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(evidence_id)
    .fetch_optional(tx.conn())
    .await?;
    let (seq, prev) = match last {
        Some(r) => (r.get::<i64, _>(0) + 1, r.get::<String, _>(1)),
        None => (1, "0".repeat(64)),
    };
    let at = now();
    let actor = tx.actor().username.clone();
    let hash = custody_hash(
        &prev,
        seq,
        &at,
        &actor,
        action,
        counterpart,
        method,
        details,
    );
    let store = tx.store().clone();
    let id = tx.next_id("vio_custody").await?;
    sqlx::query(
        "INSERT INTO vio_custody (evidence_id, seq, at, actor_id, actor_name, action, counterpart, method, details, prev_hash, hash, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
    )
    .bind(evidence_id)
    .bind(seq)
    .bind(&at)
    .bind(tx.actor().user_id)
    .bind(&actor)
    .bind(action)
    .bind(enc(&store, "vio_custody.counterpart", id, counterpart))
    .bind(enc_keep(&store, "vio_custody.method", id, method))
    .bind(enc_keep(&store, "vio_custody.details", id, details))
    .bind(&prev)
    .bind(&hash)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        &format!("evidence.{action}"),
        EVIDENCE,
        &evidence_id.to_string(),
        None,
        None,
        serde_json::json!({ "custody_seq": seq }),
    );
    Ok(())
}

pub async fn custody_log(store: &Store, evidence_id: i64) -> Result<Vec<CustodyEntry>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor_name, action, counterpart, method, details, prev_hash, hash, id FROM vio_custody WHERE evidence_id = $1 ORDER BY seq",
    )
    .bind(evidence_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in rows {
        let id: i64 = r.get(9);
        out.push(CustodyEntry {
            seq: r.get(0),
            at: r.get(1),
            actor: r.get(2),
            action: r.get(3),
            counterpart: dec(store, "vio_custody.counterpart", id, r.get(4))?,
            method: dec(store, "vio_custody.method", id, r.get(5))?,
            details: dec(store, "vio_custody.details", id, r.get(6))?,
            prev_hash: r.get(7),
            hash: r.get(8),
        });
    }
    Ok(out)
}

/// Check an item's custody chain; returns the sequence numbers of broken entries.
pub fn verify_custody(log: &[CustodyEntry]) -> Vec<i64> {
    let mut prev = "0".repeat(64);
    let mut bad = vec![];
    for e in log {
        let h = custody_hash(
            &prev,
            e.seq,
            &e.at,
            &e.actor,
            &e.action,
            &e.counterpart,
            &e.method,
            &e.details,
        );
        if e.prev_hash != prev || e.hash != h {
            bad.push(e.seq);
        }
        prev = e.hash.clone();
    }
    bad
}
