//! Risk assessments of defenders (the history is kept).

use super::*;
use crate::shared::BindCreated;

/// A risk assessment as entered; the record embeds it flattened (the JSON fields stay at the
/// top level).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RiskInput {
    pub defender_id: i64,
    /// low, medium, high, extreme.
    pub level: String,
    pub factors: Vec<String>,
    pub notes: String,
    /// Default today.
    pub assessed_on: String,
    pub next_review: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskAssessment {
    pub id: i64,
    #[serde(flatten)]
    pub assessment: RiskInput,
    pub assessor: String,
    pub created_at: String,
}

/// Add a risk assessment (the earlier ones stay: the list is the history). Audited.
pub async fn assess_risk(tx: &mut WriteTx, r: &RiskInput) -> Result<i64> {
    let risk = rules::parse_risk(
        &r.level,
        &r.factors,
        &r.assessed_on,
        &r.next_review,
        today(),
    )?;
    defender_exists(tx, r.defender_id).await?;
    let level = risk.level.as_str();
    let factors: Vec<&str> = risk.factors.iter().map(|f| f.as_str()).collect();
    let (on, next) = (risk.assessed_on, risk.next_review);
    let store = tx.store().clone();
    let id = tx.next_id("pro_risk").await?;
    sqlx::query(
        "INSERT INTO pro_risk (defender_id, level, factors, notes, assessed_on, next_review, assessor_id, assessor_name, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(r.defender_id)
    .bind(level)
    .bind(factors.join(","))
    .bind(enc(&store, "pro_risk.notes", id, &r.notes))
    .bind(enc_keep(&store, "pro_risk.assessed_on", id, &on.to_string()))
    .bind(enc_keep(&store, "pro_risk.next_review", id, &next.to_string()))
    .bind_signed(tx)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "risk.assess",
        DEFENDER,
        &r.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(r).unwrap_or_default()),
        serde_json::json!({ "risk_id": id, "level": level }),
    );
    Ok(id)
}

/// Every risk assessment of a defender, the latest first (sorted here: the dates are
/// encrypted).
pub async fn risk_history(store: &Store, defender_id: i64) -> Result<Vec<RiskAssessment>> {
    history_of(
        store,
        "SELECT id, defender_id, level, factors, notes, assessed_on, next_review, assessor_name, created_at FROM pro_risk \
         WHERE defender_id = $1",
        defender_id,
        |r, id| {
            let f: String = r.get(3);
            Ok(RiskAssessment {
                id,
                assessment: RiskInput {
                    defender_id: r.get(1),
                    level: r.get(2),
                    factors: f
                        .split(',')
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect(),
                    notes: dec(store, "pro_risk.notes", id, r.get(4))?,
                    assessed_on: dec(store, "pro_risk.assessed_on", id, r.get(5))?,
                    next_review: dec(store, "pro_risk.next_review", id, r.get(6))?,
                },
                assessor: r.get(7),
                created_at: r.get(8),
            })
        },
        |a| (&a.assessment.assessed_on, a.id),
    )
    .await
}
