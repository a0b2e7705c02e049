//! Conflicts and periods that cases belong to (names encrypted, sorted here).

use super::*;

// --------------------------------------------------------------- periods --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    pub id: i64,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
}

/// Add a conflict or period (e.g. "Kosovo 1998–2000", 1998-01 to 2000-12). Audited.
pub async fn add_period(tx: &mut WriteTx, name: &str, start: &str, end: &str) -> Result<i64> {
    let input = rules::PeriodInput::parse(name, start, end)?;
    let name = input.name.as_str();
    let (s, e) = (input.dates.start.to_string(), input.dates.end.to_string());
    // Names are encrypted: the uniqueness is checked here, among the (few) periods.
    let store = tx.store().clone();
    for r in sqlx::query("SELECT id, name FROM pro_periods")
        .fetch_all(tx.conn())
        .await?
    {
        let other = dec(&store, "pro_periods.name", r.get(0), r.get(1))?;
        if rules::same_period_name(&other, name) {
            return Err(rules::period_name_taken().into());
        }
    }
    let id = tx.next_id("pro_periods").await?;
    sqlx::query("INSERT INTO pro_periods (name, start_date, end_date, created_at, id) VALUES ($1,$2,$3,$4,$5)")
        .bind(enc_keep(&store, "pro_periods.name", id, name))
        .bind(enc_keep(&store, "pro_periods.start_date", id, &s))
        .bind(enc_keep(&store, "pro_periods.end_date", id, &e))
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "period.create",
        "pro_periods",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(id)
}

/// Every period, decrypted, by start date (sorted here: the dates are encrypted).
pub async fn periods(store: &Store) -> Result<Vec<Period>> {
    let mut out = vec![];
    for r in sqlx::query("SELECT id, name, start_date, end_date FROM pro_periods")
        .fetch_all(store.pool())
        .await?
    {
        let id: i64 = r.get(0);
        out.push(Period {
            id,
            name: dec(store, "pro_periods.name", id, r.get(1))?,
            start_date: dec(store, "pro_periods.start_date", id, r.get(2))?,
            end_date: dec(store, "pro_periods.end_date", id, r.get(3))?,
        });
    }
    out.sort_by(|a, b| {
        sort_date(&a.start_date)
            .cmp(&sort_date(&b.start_date))
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The name of each period, by id (decrypted).
pub async fn period_names(store: &Store) -> Result<std::collections::HashMap<i64, String>> {
    Ok(periods(store)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// A typed date as a sort key (its earliest day; an unparseable value sorts first).
pub(crate) fn sort_date(s: &str) -> String {
    s.parse::<dignity_core::PartialDate>()
        .map(|d| v::sort_key(&d))
        .unwrap_or_default()
}
