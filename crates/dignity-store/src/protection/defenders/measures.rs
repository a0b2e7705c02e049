//! Protection measures: requested → approved → delivered → closed, with their steps.

use super::*;
use crate::shared::BindCreated;

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MeasureInput {
    pub defender_id: i64,
    pub measure_type: String,
    /// Default today.
    pub requested_on: String,
    /// Emergency grant: amount and currency.
    pub amount: String,
    pub currency: String,
    /// Relocation: host, period (6 to 12 months), visa, security plan.
    pub host: String,
    pub period_start: String,
    pub period_end: String,
    pub visa: String,
    pub security_plan: String,
    pub description: String,
    /// Advocacy: the intervention (violations area) that carries it out.
    pub intervention_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct MeasureDetails {
    pub host: String,
    pub visa: String,
    pub security_plan: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureStep {
    pub from_status: String,
    pub to_status: String,
    pub on_date: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Measure {
    pub id: i64,
    pub defender_id: i64,
    pub measure_type: String,
    pub status: String,
    pub requested_on: String,
    pub approved_on: String,
    pub delivered_on: String,
    pub closed_on: String,
    pub amount: String,
    pub currency: String,
    pub cost: String,
    pub cost_currency: String,
    pub period_start: String,
    pub period_end: String,
    pub details: MeasureDetails,
    pub outcome: String,
    pub intervention_id: Option<i64>,
    pub history: Vec<MeasureStep>,
}

/// Request a protection measure. Audited.
pub async fn request_measure(tx: &mut WriteTx, m: &MeasureInput) -> Result<i64> {
    let req = rules::parse_measure_request(
        &rules::MeasureRequestRaw {
            measure_type: &m.measure_type,
            requested_on: &m.requested_on,
            amount: &m.amount,
            currency: &m.currency,
            host: &m.host,
            period_start: &m.period_start,
            period_end: &m.period_end,
            visa: &m.visa,
            security_plan: &m.security_plan,
        },
        today(),
    )?;
    let (mtype, on) = (req.measure_type.as_str(), req.requested_on);
    let (amount, cur, ps, pe) = match &req.terms {
        rules::MeasureTerms::Grant { amount, currency } => (
            Some(*amount),
            currency.clone(),
            String::new(),
            String::new(),
        ),
        rules::MeasureTerms::Relocation { start, end } => {
            (None, String::new(), start.to_string(), end.to_string())
        }
        rules::MeasureTerms::Other => (None, String::new(), String::new(), String::new()),
    };
    defender_exists(tx, m.defender_id).await?;
    if let Some(i) = m.intervention_id {
        if !row_exists(
            tx,
            "SELECT COUNT(*) FROM vio_interventions WHERE id = $1",
            i,
        )
        .await?
        {
            return Err(no_such("intervention_id", Refers::Intervention, i).into());
        }
    }
    let store = tx.store().clone();
    let details = MeasureDetails {
        host: m.host.trim().into(),
        visa: m.visa.trim().into(),
        security_plan: m.security_plan.trim().into(),
        description: m.description.trim().into(),
    };
    let at = now();
    let id = tx.next_id("pro_measures").await?;
    sqlx::query(
        "INSERT INTO pro_measures (defender_id, measure_type, status, requested_on, amount, currency, period_start, period_end, \
         details, intervention_id, created_by, created_at, updated_at, id) VALUES ($1,$2,'requested',$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$12)",
    )
    .bind(m.defender_id)
    .bind(mtype)
    .bind(enc_keep(&store, "pro_measures.requested_on", id, &on.to_string()))
    .bind(enc_keep(&store, "pro_measures.amount", id, &amount.map(|a| a.to_string()).unwrap_or_default()))
    .bind(&cur)
    .bind(enc_keep(&store, "pro_measures.period_start", id, &ps))
    .bind(enc_keep(&store, "pro_measures.period_end", id, &pe))
    .bind(store.keys().encrypt("pro_measures.details", id, &serde_json::to_string(&details).unwrap_or_default()))
    .bind(m.intervention_id)
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    step(tx, id, "", "requested", &on.to_string()).await?;
    tx.audit(
        "measure.request",
        DEFENDER,
        &m.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(m).unwrap_or_default()),
        serde_json::json!({ "measure_id": id, "measure_type": mtype }),
    );
    Ok(id)
}

async fn step(tx: &mut WriteTx, id: i64, from: &str, to: &str, on: &str) -> Result<()> {
    let hid = tx.next_id("pro_measure_history").await?;
    let on = enc_keep(tx.store(), "pro_measure_history.on_date", hid, on);
    sqlx::query("INSERT INTO pro_measure_history (measure_id, from_status, to_status, on_date, by_user, by_name, at, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(on)
        .bind_signed(tx)
        .bind(hid)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Move a measure on: requested → approved → delivered → closed (a request or an approved
/// measure may also be closed directly: declined or cancelled). Dates never go back.
/// Delivering records the cost; closing requires the outcome. Audited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MeasureStatusInput {
    pub status: String,
    /// Default today.
    pub on_date: String,
    pub cost: String,
    pub cost_currency: String,
    pub outcome: String,
}

pub async fn advance_measure(tx: &mut WriteTx, id: i64, s: &MeasureStatusInput) -> Result<()> {
    let store = tx.store().clone();
    let m = get_measure(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("measure {id}")))?;
    let from = MeasureStatus::from_code(&m.status)
        .ok_or_else(|| StoreError::Internal(format!("measure {id} has status {:?}", m.status)))?;
    // The latest step's day (the dates are encrypted: compared here).
    let last = [&m.requested_on, &m.approved_on, &m.delivered_on]
        .into_iter()
        .filter_map(|d| d.parse::<NaiveDate>().ok())
        .max();
    let next = rules::parse_measure_step(
        from,
        last,
        &rules::MeasureStepRaw {
            status: &s.status,
            on_date: &s.on_date,
            cost: &s.cost,
            cost_currency: &s.cost_currency,
            outcome: &s.outcome,
        },
        today(),
    )?;
    let (to, on) = (next.to.as_str(), next.on);
    let (cost, cost_cur) = match next.cost {
        Some((c, cur)) => (Some(c), cur),
        None => (None, String::new()),
    };
    let col = match next.to {
        MeasureStatus::Approved => "approved_on",
        MeasureStatus::Delivered => "delivered_on",
        _ => "closed_on",
    };
    sqlx::query(&format!(
        "UPDATE pro_measures SET status = $1, {col} = $2, cost = COALESCE($3, cost), \
         cost_currency = CASE WHEN $4 = '' THEN cost_currency ELSE $4 END, outcome = COALESCE($5, outcome), updated_at = $6 WHERE id = $7"
    ))
    .bind(to)
    .bind(enc_keep(&store, &format!("pro_measures.{col}"), id, &on.to_string()))
    .bind(cost.map(|c| enc_keep(&store, "pro_measures.cost", id, &c.to_string())))
    .bind(&cost_cur)
    .bind(enc(&store, "pro_measures.outcome", id, &s.outcome))
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    step(tx, id, &m.status, to, &on.to_string()).await?;
    tx.audit(
        "measure.status",
        DEFENDER,
        &m.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(s).unwrap_or_default()),
        serde_json::json!({ "measure_id": id, "from": m.status, "to": to }),
    );
    Ok(())
}

const MEASURE_COLS: &str = "id, defender_id, measure_type, status, requested_on, approved_on, delivered_on, closed_on, amount, currency, \
    cost, cost_currency, period_start, period_end, details, outcome, intervention_id";

async fn measure_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<Measure> {
    let id: i64 = r.get(0);
    let details = dec(store, "pro_measures.details", id, r.get(14))?;
    let history = sqlx::query("SELECT from_status, to_status, on_date, by_name, id FROM pro_measure_history WHERE measure_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|h| {
            Ok(MeasureStep {
                from_status: h.get(0),
                to_status: h.get(1),
                on_date: dec(store, "pro_measure_history.on_date", h.get(4), h.get(2))?,
                by: h.get(3),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Amounts are kept as encrypted cents.
    let cents_of = |field: &str, v: Option<String>| -> Result<Option<i64>> {
        Ok(dec(store, field, id, v)?.parse::<i64>().ok())
    };
    Ok(Measure {
        id,
        defender_id: r.get(1),
        measure_type: r.get(2),
        status: r.get(3),
        requested_on: dec(store, "pro_measures.requested_on", id, r.get(4))?,
        approved_on: dec(store, "pro_measures.approved_on", id, r.get(5))?,
        delivered_on: dec(store, "pro_measures.delivered_on", id, r.get(6))?,
        closed_on: dec(store, "pro_measures.closed_on", id, r.get(7))?,
        amount: money(cents_of("pro_measures.amount", r.get(8))?),
        currency: r.get(9),
        cost: money(cents_of("pro_measures.cost", r.get(10))?),
        cost_currency: r.get(11),
        period_start: dec(store, "pro_measures.period_start", id, r.get(12))?,
        period_end: dec(store, "pro_measures.period_end", id, r.get(13))?,
        details: serde_json::from_str(&details).unwrap_or_default(),
        outcome: dec(store, "pro_measures.outcome", id, r.get(15))?,
        intervention_id: r.get(16),
        history,
    })
}

pub async fn get_measure(store: &Store, id: i64) -> Result<Option<Measure>> {
    match sqlx::query(&format!(
        "SELECT {MEASURE_COLS} FROM pro_measures WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    {
        Some(r) => Ok(Some(measure_from(store, &r).await?)),
        None => Ok(None),
    }
}

pub async fn measures_of(store: &Store, defender_id: i64) -> Result<Vec<Measure>> {
    let rows = sqlx::query(&format!(
        "SELECT {MEASURE_COLS} FROM pro_measures WHERE defender_id = $1 ORDER BY id DESC"
    ))
    .bind(defender_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in &rows {
        out.push(measure_from(store, r).await?);
    }
    Ok(out)
}
