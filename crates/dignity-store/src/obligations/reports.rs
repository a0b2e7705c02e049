//! Reports to treaty bodies (due dates computed from ratification and periodicity, and
//! editable), and the special procedures: mandates, standing invitations, visits,
//! communications.

use super::{ratifications, today};
use crate::{now, Result, Store, StoreError, WriteTx};
use chrono::NaiveDate;
use dignity_core::obligations as rules;
use dignity_core::PartialDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;

mod special;
pub use special::*;

/// The notes users type on treaty reports and special-procedure visits are encrypted at
/// rest, bound to the row id (written after the row: see `super::set_note`).
const REPORT_NOTE: &str = "treaty_reports.note";
const VISIT_NOTE: &str = "sp_visits.note";

/// One report (or one combined submission) of a State to a treaty body: recorded,
/// computed, or both, as [`rules::reporting_obligations`] computes it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub instrument: String,
    pub body: String,
    /// 1 = initial report, 2 = second report, …
    pub number: i64,
    /// The last periodic report this submission covers (= `number` for a single one;
    /// "combined 5th–7th": 5 and 7).
    pub number_to: i64,
    /// The due date in force: the committee's, else the recorded one, else the computed
    /// one (empty: none, e.g. on request or inside another report).
    pub due_date: String,
    /// Where the due date comes from: `computed`, `recorded`, `committee`, `none`.
    pub due_source: String,
    /// The concluding observations that set the due date (when `due_source` is
    /// `committee`).
    pub due_set_in: String,
    /// The due date computed from ratification, the treaty's periodicity and the history.
    pub computed_due: String,
    /// The due date was computed from a ratification year only (approximate).
    pub approximate: bool,
    pub submitted: String,
    pub symbol: String,
    pub review_session: String,
    pub co_symbol: String,
    pub note: String,
    /// `submitted`, `not_recorded` (a later report is recorded), `overdue`, `due`,
    /// `unknown` (the history does not say), `in_other_report`, `on_request`.
    pub status: String,
    /// The instrument whose reports carry this information (`in_other_report`).
    pub included_in: String,
    /// The simplified reporting procedure of this cycle: `offered`, `accepted`,
    /// `declined`, `list_transmitted`; empty: standard.
    pub loipr: String,
    /// Days overdue today (status `overdue` only).
    pub overdue_days: Option<i64>,
    /// The report is recorded (not only computed).
    pub recorded: bool,
    /// No report of the State under this treaty is recorded: the due dates are estimates
    /// computed from the ratification, and no delay is counted ("No reporting data
    /// recorded").
    pub no_data: bool,
    /// The line that is outstanding for its treaty (one per treaty).
    pub next: bool,
}

/// Input of a report (all but the number optional).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    pub number: i64,
    /// The last periodic report a combined submission covers (0 or `number`: one).
    #[serde(default)]
    pub number_to: i64,
    #[serde(default)]
    pub due_date: String,
    /// The concluding observations that set `due_date` (the committee's date wins).
    #[serde(default)]
    pub due_set_in: String,
    #[serde(default)]
    pub submitted: String,
    #[serde(default)]
    pub symbol: String,
    #[serde(default)]
    pub review_session: String,
    #[serde(default)]
    pub co_symbol: String,
    /// The simplified reporting procedure: `offered`, `accepted`, `declined`,
    /// `list_transmitted`, or empty (standard).
    #[serde(default)]
    pub loipr: String,
    #[serde(default)]
    pub note: String,
}

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Every report of a State: [`rules::reporting_obligations`] on its ratifications and
/// its recorded reports, through `until` and at least the first report due after today.
pub async fn reports(store: &Store, iso3: &str, until: NaiveDate) -> Result<Vec<Report>> {
    let rats = ratifications(store, iso3).await?;
    let rows = sqlx::query(
        "SELECT instrument, number, number_to, due_date, due_set_in, submitted, loipr, symbol, review_session, \
         co_symbol, note, id FROM treaty_reports WHERE iso3 = $1 ORDER BY instrument, number",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?;
    let consents: Vec<rules::Consent> = rats
        .iter()
        .filter(|r| r.status == "party")
        .filter_map(|r| {
            Some(rules::Consent {
                instrument: r.instrument.clone(),
                consent: PartialDate::parse(&r.consent).ok()?,
            })
        })
        .collect();
    let recorded: Vec<rules::RecordedReport> = rows
        .iter()
        .map(|x| {
            let first = x.get::<i64, _>(1).max(0) as u32;
            rules::RecordedReport {
                instrument: x.get(0),
                first,
                last: (x.get::<i64, _>(2).max(0) as u32).max(first),
                due: date_of(&x.get::<String, _>(3)),
                due_set_in: x.get(4),
                submitted: date_of(&x.get::<String, _>(5)),
                loipr: rules::SimplifiedProcedure::parse(&x.get::<String, _>(6))
                    .ok()
                    .flatten(),
            }
        })
        .collect();
    let computed = rules::reporting_obligations(
        dignity_core::refdata::shipped_instruments(),
        &consents,
        &recorded,
        today(),
        until,
    );
    let mut out = Vec::new();
    for t in computed {
        for l in t.lines {
            let row = l.recorded.map(|i| &rows[i]);
            let g = |i: usize| row.map(|x| x.get::<String, _>(i)).unwrap_or_default();
            out.push(Report {
                instrument: t.instrument.clone(),
                body: t.body.clone(),
                number: l.first as i64,
                number_to: l.last as i64,
                due_date: text(l.due),
                due_source: l.due_source.as_str().into(),
                due_set_in: if l.due_source == rules::DueSource::Committee {
                    g(4)
                } else {
                    String::new()
                },
                computed_due: text(l.computed_due),
                approximate: l.approximate,
                submitted: text(l.submitted),
                symbol: g(7),
                review_session: g(8),
                co_symbol: g(9),
                note: match row {
                    Some(x) => {
                        crate::violations::dec(store, REPORT_NOTE, x.get::<i64, _>(11), x.get(10))?
                    }
                    None => String::new(),
                },
                status: l.status.as_str().into(),
                included_in: l.included_in.unwrap_or_default(),
                loipr: l.loipr.map(|p| p.as_str().to_string()).unwrap_or_default(),
                overdue_days: l.overdue_days,
                recorded: row.is_some(),
                no_data: t.history == rules::History::None,
                next: l.next,
            });
        }
    }
    Ok(out)
}

/// What is outstanding per treaty: the line [`rules::reporting_obligations`] marks as
/// next (treaty bodies let overdue reports be combined, so one line per treaty). Every
/// page, report and API shows these same lines.
pub fn outstanding(reports: &[Report]) -> Vec<Report> {
    reports.iter().filter(|r| r.next).cloned().collect()
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
    if let Some(inst) = dignity_core::refdata::find_instrument(
        dignity_core::refdata::shipped_instruments(),
        instrument,
    ) {
        rules::check_reports_of_its_own(inst)?;
    }
    let facts = rules::parse_report(input.number, &input.due_date, &input.submitted)?;
    // The other submissions recorded under the treaty, which this one may not overlap.
    let others: Vec<(u32, u32)> = sqlx::query(
        "SELECT number, number_to FROM treaty_reports WHERE iso3 = $1 AND instrument = $2 AND number <> $3",
    )
    .bind(iso3)
    .bind(instrument)
    .bind(input.number)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|x| {
        let a = x.get::<i64, _>(0).max(0) as u32;
        (a, (x.get::<i64, _>(1).max(0) as u32).max(a))
    })
    .collect();
    let cycle = rules::parse_cycle(
        &facts,
        input.number_to,
        &input.due_set_in,
        &input.loipr,
        &others,
    )?;
    if let (Some(sub), Ok(consent)) = (facts.submitted, PartialDate::parse(&r.consent)) {
        let party = r.status == "party" || r.status == "denounced";
        rules::check_submission(iso3, instrument, party, &consent, sub)?;
    }
    // The note is written encrypted once the row (and its id) exists.
    let id: i64 = sqlx::query(
        "INSERT INTO treaty_reports (iso3, instrument, number, due_date, submitted, symbol, review_session, co_symbol, note, updated_at, \
         number_to, due_set_in, loipr) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (iso3, instrument, number) DO UPDATE SET due_date = excluded.due_date, \
         submitted = excluded.submitted, symbol = excluded.symbol, review_session = excluded.review_session, \
         co_symbol = excluded.co_symbol, note = excluded.note, updated_at = excluded.updated_at, \
         number_to = excluded.number_to, due_set_in = excluded.due_set_in, loipr = excluded.loipr RETURNING id",
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
    .bind(cycle.last as i64)
    .bind(input.due_set_in.trim())
    .bind(cycle.loipr.map(|p| p.as_str()).unwrap_or_default())
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
            "session": input.review_session, "co": input.co_symbol, "note": input.note, "number_to": cycle.last,
            "due_set_in": input.due_set_in, "loipr": input.loipr })),
        serde_json::json!({ "iso3": iso3, "instrument": instrument, "number": input.number }),
    );
    Ok(())
}
