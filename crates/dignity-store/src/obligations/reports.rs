//! Reports to treaty bodies (due dates computed from ratification and periodicity, and
//! editable), and the special procedures: mandates, standing invitations, visits,
//! communications.

use super::{ratifications, today};
use crate::{now, Result, Store, StoreError, WriteTx};
use chrono::NaiveDate;
use dignity_core::obligations as rules;
use dignity_core::refdata::Instrument;
use dignity_core::PartialDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;

mod special;
pub use special::*;

/// The notes users type on treaty reports and special-procedure visits are encrypted at
/// rest, bound to the row id (written after the row: see `super::set_note`).
const REPORT_NOTE: &str = "treaty_reports.note";
const VISIT_NOTE: &str = "sp_visits.note";

/// One report of a State to a treaty body: recorded, computed, or both.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub instrument: String,
    pub body: String,
    /// 1 = initial report, 2 = second report, …
    pub number: i64,
    /// The due date in force: the recorded one, else the computed one.
    pub due_date: String,
    /// The due date computed from ratification and the treaty's periodicity.
    pub computed_due: String,
    /// The due date was computed from a ratification year only (approximate).
    pub approximate: bool,
    pub submitted: String,
    pub symbol: String,
    pub review_session: String,
    pub co_symbol: String,
    pub note: String,
    /// Days overdue today (not submitted, due date passed).
    pub overdue_days: Option<i64>,
    /// The report is recorded (not only computed).
    pub recorded: bool,
    /// No report of the State under this treaty is recorded: the due dates are estimates
    /// computed from the ratification, and no delay is counted ("No reporting data
    /// recorded").
    pub no_data: bool,
}

/// Input of a report (all but the number optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    pub number: i64,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub submitted: String,
    #[serde(default)]
    pub symbol: String,
    #[serde(default)]
    pub review_session: String,
    #[serde(default)]
    pub co_symbol: String,
    #[serde(default)]
    pub note: String,
}

fn shipped_instruments() -> Vec<Instrument> {
    dignity_core::refdata::parse_instruments(dignity_core::refdata::shipped::INSTRUMENTS_TOML)
        .unwrap_or_default()
}

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Every report of a State: the schedule computed for each treaty it is party to (with
/// reporting), merged with the recorded reports, up to `until`.
pub async fn reports(store: &Store, iso3: &str, until: NaiveDate) -> Result<Vec<Report>> {
    let rats = ratifications(store, iso3).await?;
    let instruments = shipped_instruments();
    let recorded = sqlx::query(
        "SELECT instrument, number, due_date, submitted, symbol, review_session, co_symbol, note, id FROM treaty_reports \
         WHERE iso3 = $1 ORDER BY instrument, number",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?;
    let today = today();
    let mut out: Vec<Report> = Vec::new();
    for r in &rats {
        let Some(inst) = instruments.iter().find(|i| i.code == r.instrument) else {
            continue;
        };
        let Some(rep) = &inst.reporting else { continue };
        let mut schedule = Vec::new();
        let mut approximate = false;
        if r.status == "party" {
            if let Ok(pd) = PartialDate::parse(&r.consent) {
                approximate = pd.precision() != dignity_core::Precision::Exact;
                if let Some(c) = pd.earliest() {
                    // A State that deposited before the treaty entered into force is
                    // bound from the treaty's own day, not the rule's delay after it.
                    let eif =
                        rules::state_entry_into_force(&inst.code, c).max(inst.entry_into_force);
                    schedule = rules::report_schedule(
                        eif,
                        rep.initial_years.unwrap_or(1),
                        rep.periodic_years,
                        // Far enough to reach the next due date from today.
                        until.max(today + chrono::Duration::days(366 * 12)),
                    );
                }
            }
        }
        let mine: Vec<_> = recorded
            .iter()
            .filter(|x| x.get::<String, _>(0) == r.instrument)
            .collect();
        // The next reports count from the last one actually submitted.
        if let Some((n, on)) = mine
            .iter()
            .filter_map(|x| Some((x.get::<i64, _>(1), date_of(&x.get::<String, _>(3))?)))
            .max_by_key(|(n, _)| *n)
        {
            rules::rebase_schedule(&mut schedule, n.max(0) as u32, on, rep.periodic_years);
        }
        // Without reporting data the schedule is an estimate: show it up to `until`, and
        // the estimated next report even when it falls later. With data: up to `until`.
        let no_data = mine.is_empty();
        let estimate = if no_data {
            rules::estimated_next_due(&schedule, today).map(|s| s.number)
        } else {
            None
        };
        schedule.retain(|s| s.due <= until || Some(s.number) == estimate);
        let max_n = schedule
            .iter()
            .map(|s| s.number as i64)
            .chain(mine.iter().map(|x| x.get::<i64, _>(1)))
            .max()
            .unwrap_or(0);
        for n in 1..=max_n {
            let computed = schedule
                .iter()
                .find(|s| s.number as i64 == n)
                .map(|s| s.due);
            let rec = mine.iter().find(|x| x.get::<i64, _>(1) == n);
            let g = |i: usize| rec.map(|x| x.get::<String, _>(i)).unwrap_or_default();
            let due = if g(2).is_empty() {
                computed.map(|d| d.to_string()).unwrap_or_default()
            } else {
                g(2)
            };
            let submitted = g(3);
            let overdue = date_of(&due).and_then(|d| {
                rules::known_overdue_days(
                    !no_data,
                    d,
                    date_of(&submitted).or_else(|| (!submitted.is_empty()).then_some(d)),
                    today,
                )
            });
            out.push(Report {
                instrument: r.instrument.clone(),
                body: inst.monitoring_body.code.clone(),
                number: n,
                due_date: due,
                computed_due: computed.map(|d| d.to_string()).unwrap_or_default(),
                approximate: approximate && g(2).is_empty(),
                submitted,
                symbol: g(4),
                review_session: g(5),
                co_symbol: g(6),
                note: match rec {
                    Some(x) => {
                        crate::violations::dec(store, REPORT_NOTE, x.get::<i64, _>(8), x.get(7))?
                    }
                    None => String::new(),
                },
                overdue_days: overdue,
                recorded: rec.is_some(),
                no_data,
            });
        }
    }
    Ok(out)
}

/// What is due per treaty: the first report not submitted (treaty bodies let overdue
/// reports be combined, so one line per treaty), with its delay. For a treaty without
/// reporting data: the estimated next report (the first computed one due from today on,
/// else the last one computed), without a delay.
pub fn outstanding(reports: &[Report]) -> Vec<Report> {
    outstanding_on(reports, today())
}

/// [`outstanding`] on a given day.
pub fn outstanding_on(reports: &[Report], today: NaiveDate) -> Vec<Report> {
    let mut out: Vec<Report> = Vec::new();
    let mut instruments: Vec<&str> = reports.iter().map(|r| r.instrument.as_str()).collect();
    instruments.dedup();
    for i in instruments {
        let mine: Vec<&Report> = reports.iter().filter(|r| r.instrument == i).collect();
        if mine.iter().all(|r| r.no_data) {
            // The estimated next report; when the treaty expects none after today (an
            // initial report only), the last one computed.
            if let Some(next) = mine
                .iter()
                .find(|r| date_of(&r.due_date).is_some_and(|d| d >= today))
                .or(mine.last())
            {
                out.push((*next).clone());
            }
            continue;
        }
        let last_submitted = mine
            .iter()
            .filter(|r| !r.submitted.is_empty())
            .map(|r| r.number)
            .max()
            .unwrap_or(0);
        if let Some(next) = mine.iter().find(|r| r.number > last_submitted) {
            out.push((*next).clone());
        }
    }
    out
}

/// The reports due within `days` from today, and every overdue one, for a State.
pub async fn deadlines(store: &Store, iso3: &str, days: i64) -> Result<Vec<Report>> {
    let until = today() + chrono::Duration::days(days);
    let all = reports(store, iso3, until).await?;
    let mut out: Vec<Report> = outstanding(&all)
        .into_iter()
        .filter(|r| date_of(&r.due_date).is_some_and(|d| d <= until))
        .collect();
    out.sort_by(|a, b| a.due_date.cmp(&b.due_date));
    Ok(out)
}

/// Record or correct a report (audited as `report.update`). The submission may not
/// predate the State's ratification; dates must be full dates.
pub async fn set_report(
    tx: &mut WriteTx,
    iso3: &str,
    instrument: &str,
    input: &ReportInput,
) -> Result<()> {
    let store = tx.store().clone();
    let rats = ratifications(&store, iso3).await?;
    let Some(r) = rats.iter().find(|r| r.instrument == instrument) else {
        return Err(rules::Unknown::Instrument
            .invalid("instrument", Some(instrument))
            .into());
    };
    if !super::country_exists(&store, iso3).await? {
        return Err(rules::Unknown::Country.invalid("iso3", Some(iso3)).into());
    }
    let facts = rules::parse_report(input.number, &input.due_date, &input.submitted)?;
    if let (Some(sub), Ok(consent)) = (facts.submitted, PartialDate::parse(&r.consent)) {
        let party = r.status == "party" || r.status == "denounced";
        rules::check_submission(iso3, instrument, party, &consent, sub)?;
    }
    // The note is written encrypted once the row (and its id) exists.
    let id: i64 = sqlx::query(
        "INSERT INTO treaty_reports (iso3, instrument, number, due_date, submitted, symbol, review_session, co_symbol, note, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (iso3, instrument, number) DO UPDATE SET due_date = excluded.due_date, \
         submitted = excluded.submitted, symbol = excluded.symbol, review_session = excluded.review_session, \
         co_symbol = excluded.co_symbol, note = excluded.note, updated_at = excluded.updated_at RETURNING id",
    )
    .bind(iso3)
    .bind(instrument)
    .bind(input.number)
    .bind(input.due_date.trim())
    .bind(input.submitted.trim())
    .bind(input.symbol.trim())
    .bind(input.review_session.trim())
    .bind(input.co_symbol.trim())
    .bind("")
    .bind(now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    super::set_note(tx, "treaty_reports", REPORT_NOTE, id, &input.note).await?;
    tx.audit(
        "report.update",
        "treaty_report",
        &format!("{iso3}/{instrument}/{}", input.number),
        None,
        Some(&serde_json::json!({ "due": input.due_date, "submitted": input.submitted, "symbol": input.symbol,
            "session": input.review_session, "co": input.co_symbol, "note": input.note })),
        serde_json::json!({ "iso3": iso3, "instrument": instrument, "number": input.number }),
    );
    Ok(())
}
