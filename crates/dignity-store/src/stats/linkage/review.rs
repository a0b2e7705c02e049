//! Decisions on pairs: accepting links two records to one consolidated person, and every
//! acceptance can be undone.

use super::pairs::{pair_from, visible_where, PAIR_COLS};
use super::*;
use crate::shared::BindCreated;

/// What accepting a pair did, kept for undo.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Outcome {
    /// Source records: the case the records were linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    case: Option<i64>,
    /// The case was opened from this record by the acceptance (it stays its record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opened_from: Option<i64>,
    /// Records linked to the case by the acceptance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    linked: Vec<i64>,
    /// Persons: the merge row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merge: Option<i64>,
}

async fn load_pair_tx(tx: &mut WriteTx, id: i64) -> Result<(PairRow, String)> {
    let actor = tx.actor().clone();
    let r = sqlx::query(&format!(
        "SELECT {PAIR_COLS} FROM stat_linkage_pairs x WHERE x.id = $1 AND {}",
        visible_where(&actor)
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("pair {id}")))?;
    Ok(pair_from(&r))
}

/// The person a violations person is consolidated into (following merges), itself if
/// none; `None` if the person does not exist.
pub async fn consolidated_root(store: &Store, person_id: i64) -> Result<Option<i64>> {
    let mut cur = person_id;
    for _ in 0..1000 {
        match sqlx::query(
            "SELECT person_id FROM stat_person_merges WHERE merged_id = $1 AND undone_at = ''",
        )
        .bind(cur)
        .fetch_optional(store.pool())
        .await?
        {
            Some(r) => cur = r.get(0),
            None => return Ok(Some(cur)),
        }
    }
    Err(StoreError::Internal("merge cycle".into()))
}

async fn root_tx(tx: &mut WriteTx, person_id: i64) -> Result<i64> {
    let mut cur = person_id;
    for _ in 0..1000 {
        match sqlx::query(
            "SELECT person_id FROM stat_person_merges WHERE merged_id = $1 AND undone_at = ''",
        )
        .bind(cur)
        .fetch_optional(tx.conn())
        .await?
        {
            Some(r) => cur = r.get(0),
            None => return Ok(cur),
        }
    }
    Err(StoreError::Internal("merge cycle".into()))
}

/// Every person consolidated with `person_id` (itself included), by id.
pub async fn merged_group(store: &Store, person_id: i64) -> Result<Vec<i64>> {
    let Some(root) = consolidated_root(store, person_id).await? else {
        return Ok(vec![]);
    };
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let rows = sqlx::query(
            "SELECT merged_id FROM stat_person_merges WHERE person_id = $1 AND undone_at = '' ORDER BY merged_id",
        )
        .bind(out[i])
        .fetch_all(store.pool())
        .await?;
        out.extend(rows.iter().map(|r| r.get::<i64, _>(0)));
        i += 1;
    }
    out.sort_unstable();
    Ok(out)
}

async fn accept(tx: &mut WriteTx, pair: &PairRow) -> Result<Outcome> {
    let store = tx.store().clone();
    if pair.left_kind == KIND_PERSON {
        let a = root_tx(tx, pair.left_id).await?;
        let b = root_tx(tx, pair.right_id).await?;
        if a == b {
            return Err(rules::refusal::already_consolidated().into());
        }
        let (keep, merged) = (a.min(b), a.max(b));
        let id: i64 = sqlx::query(
            "INSERT INTO stat_person_merges (pair_id, person_id, merged_id, merged_by, merged_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
        )
        .bind(pair.id)
        .bind(keep)
        .bind(merged)
        .bind_created(tx)
        .fetch_one(tx.conn())
        .await?
        .get(0);
        tx.audit(
            "person.merge",
            v::PERSON,
            &keep.to_string(),
            None,
            None,
            serde_json::json!({ "merged_id": merged, "merge_id": id, "pair_id": pair.id }),
        );
        return Ok(Outcome {
            merge: Some(id),
            ..Default::default()
        });
    }
    let ra = src::get_record(&store, pair.left_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("source record {}", pair.left_id)))?;
    let rb = src::get_record(&store, pair.right_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("source record {}", pair.right_id)))?;
    if !ra.current || !rb.current {
        return Err(rules::refusal::replaced().into());
    }
    match (ra.missing_id, rb.missing_id) {
        (Some(a), Some(b)) if a == b => Err(rules::refusal::same_case().into()),
        (Some(a), Some(b)) => Err(rules::refusal::two_cases(a, b).into()),
        (Some(m), None) | (None, Some(m)) => {
            let other = if ra.missing_id.is_none() {
                ra.id
            } else {
                rb.id
            };
            src::link(tx, other, m, true).await?;
            Ok(Outcome {
                case: Some(m),
                linked: vec![other],
                ..Default::default()
            })
        }
        (None, None) => {
            let vocab = Vocab::load(&store).await?;
            let m =
                src::case_from_record(tx, &vocab, ra.id, Confidentiality::Confidential.as_str())
                    .await?;
            src::link(tx, rb.id, m, true).await?;
            Ok(Outcome {
                case: Some(m),
                opened_from: Some(ra.id),
                linked: vec![rb.id],
                ..Default::default()
            })
        }
    }
}

/// Record a reviewer's decision on a pair: `accept` consolidates the two records into one
/// person, `reject` and `unsure` only mark the pair. An accepted pair must be undone before
/// it can be decided again. Audited.
pub async fn decide(tx: &mut WriteTx, pair_id: i64, decision: &str) -> Result<()> {
    if !may_review(tx.actor()) {
        return Err(forbidden());
    }
    let decision = Decision::parse(decision)?;
    let (pair, _) = load_pair_tx(tx, pair_id).await?;
    if pair.status == "accepted" {
        return Err(rules::refusal::merged().into());
    }
    let status = decision.status();
    let outcome = match decision {
        Decision::Accept => serde_json::to_string(&accept(tx, &pair).await?).expect("outcome"),
        Decision::Reject | Decision::Unsure => String::new(),
    };
    sqlx::query("UPDATE stat_linkage_pairs SET status = $1, reviewed_by = $2, reviewed_at = $3, outcome = $4 WHERE id = $5")
        .bind(status)
        .bind_created(tx)
        .bind(&outcome)
        .bind(pair_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        &format!("linkage.{}", decision.as_str()),
        PAIR_TYPE,
        &pair_id.to_string(),
        Some(&serde_json::json!({ "status": pair.status })),
        Some(&serde_json::json!({ "status": status })),
        serde_json::json!({ "run_id": pair.run_id, "kind": pair.left_kind, "left_id": pair.left_id, "right_id": pair.right_id,
            "outcome": serde_json::from_str::<serde_json::Value>(&outcome).unwrap_or_default() }),
    );
    Ok(())
}

/// Undo an accepted pair: the records are separate persons again and the pair goes back
/// to the queue. Source records are unlinked from the case (a case the acceptance opened
/// keeps the record it was opened from); a persons merge is marked undone. Audited.
pub async fn undo(tx: &mut WriteTx, pair_id: i64) -> Result<()> {
    if !may_review(tx.actor()) {
        return Err(forbidden());
    }
    let (pair, outcome) = load_pair_tx(tx, pair_id).await?;
    if pair.status != "accepted" {
        return Err(rules::refusal::not_merged().into());
    }
    let o: Outcome = serde_json::from_str(&outcome).unwrap_or_default();
    if let Some(merge) = o.merge {
        // Merges made after this one on top of it stay: undoing splits exactly this link.
        sqlx::query("UPDATE stat_person_merges SET undone_by = $1, undone_at = $2 WHERE id = $3 AND undone_at = ''")
            .bind_created(tx)
            .bind(merge)
            .execute(tx.conn())
            .await?;
        tx.audit(
            "person.unmerge",
            v::PERSON,
            &pair.left_id.min(pair.right_id).to_string(),
            None,
            None,
            serde_json::json!({ "merge_id": merge, "pair_id": pair_id }),
        );
    }
    if let Some(case) = o.case {
        for rec in &o.linked {
            let still: Option<i64> =
                sqlx::query("SELECT missing_id FROM pro_source_records WHERE id = $1")
                    .bind(*rec)
                    .fetch_one(tx.conn())
                    .await?
                    .get(0);
            if still == Some(case) {
                src::unlink(tx, *rec).await?;
            }
        }
    }
    sqlx::query("UPDATE stat_linkage_pairs SET status = 'pending', reviewed_by = $1, reviewed_at = $2, outcome = '' WHERE id = $3")
        .bind_created(tx)
        .bind(pair_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "linkage.undo",
        PAIR_TYPE,
        &pair_id.to_string(),
        Some(&serde_json::json!({ "status": "accepted" })),
        Some(&serde_json::json!({ "status": "pending" })),
        serde_json::json!({ "run_id": pair.run_id, "outcome": serde_json::from_str::<serde_json::Value>(&outcome).unwrap_or_default() }),
    );
    Ok(())
}
