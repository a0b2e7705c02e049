//! Reporting due dates: entry into force, the periodic report schedule, "overdue by N days", the next report due, and dates that cannot precede an instrument.

use super::*;

// ------------------------------------------------------------- due dates --

/// The day the rule of `instrument` (`state_entry_into_force` in `data/instruments.toml`)
/// gives for a deposit on `consent` (the treaty's own entry into force is not applied
/// here; see [`crate::refdata::EifAfter::state_entry_into_force`]). An instrument without
/// a rule (Council of Europe, unknown code) counts thirty days.
pub fn state_entry_into_force(instrument: &str, consent: NaiveDate) -> NaiveDate {
    crate::refdata::find_instrument(crate::refdata::shipped_instruments(), instrument)
        .and_then(|i| i.state_entry_into_force.as_ref())
        .map_or(crate::refdata::EifAfter::ThirtiethDay, |r| r.rule)
        .after_deposit(consent)
}

/// `d` plus `years` (29 February becomes 28 February).
pub fn add_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(Months::new(years * 12)).unwrap_or(d)
}

/// One report the treaty expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduledReport {
    /// 1 = initial report, 2 = second (first periodic) report, …
    pub number: u32,
    pub due: NaiveDate,
}

/// The reports a treaty expects from a State, by the treaty's periodicity: the initial
/// report `initial_years` after entry into force for the State, then one every
/// `periodic_years` after the previous due date, up to and including `until`. Without
/// periodic reporting (on request, or folded into another report) only the initial report
/// is expected.
pub fn report_schedule(
    entry_into_force: NaiveDate,
    initial_years: u8,
    periodic_years: Option<u8>,
    until: NaiveDate,
) -> Vec<ScheduledReport> {
    let mut out = Vec::new();
    let mut due = add_years(entry_into_force, initial_years as u32);
    let mut number = 1;
    loop {
        if due > until && number > 1 {
            break;
        }
        out.push(ScheduledReport { number, due });
        let Some(p) = periodic_years.filter(|p| *p > 0) else {
            break;
        };
        due = add_years(due, p as u32);
        number += 1;
        if number > 200 {
            break;
        }
    }
    out
}

/// Re-base the schedule on the last report the State actually submitted: the reports after
/// number `last` fall due every `periodic_years` from its submission (treaty bodies set the
/// next date from the review of the last report, not from the initial cadence), so a State
/// that reported late is not shown as owing the reports of the original calendar. Reports up
/// to `last` are kept as computed; without periodic reporting nothing changes.
pub fn rebase_schedule(
    schedule: &mut [ScheduledReport],
    last: u32,
    submitted: NaiveDate,
    periodic_years: Option<u8>,
) {
    let Some(p) = periodic_years.filter(|p| *p > 0) else {
        return;
    };
    for r in schedule.iter_mut().filter(|r| r.number > last) {
        let due = add_years(submitted, (r.number - last) * p as u32);
        r.due = r.due.max(due);
    }
}

/// Days a report is overdue on `today`: `Some(n)` with n > 0 when it was due before
/// `today` and not submitted; `None` when submitted or not yet due. A report submitted
/// late is no longer overdue.
pub fn overdue_days(due: NaiveDate, submitted: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    if submitted.is_some() {
        return None;
    }
    let n = (today - due).num_days();
    (n > 0).then_some(n)
}

/// Days a report is overdue, when that can be said: a schedule computed from the
/// ratification alone is an estimate until at least one report of the State under that
/// treaty is recorded (`reporting_recorded`), and counting arrears from it would claim
/// decades of delay nobody checked. Without reporting data: `None`; with it: as
/// [`overdue_days`].
pub fn known_overdue_days(
    reporting_recorded: bool,
    due: NaiveDate,
    submitted: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<i64> {
    if !reporting_recorded {
        return None;
    }
    overdue_days(due, submitted, today)
}

/// Without reporting data, the estimated next report: the first scheduled report due on
/// or after `today` (the schedule must reach past `today`; `None` otherwise).
pub fn estimated_next_due(
    schedule: &[ScheduledReport],
    today: NaiveDate,
) -> Option<ScheduledReport> {
    schedule.iter().find(|r| r.due >= today).copied()
}

/// The report that is due next: the first scheduled report after the last one submitted
/// (`last_submitted` is its number; 0 when none), if any.
pub fn next_due(schedule: &[ScheduledReport], last_submitted: u32) -> Option<ScheduledReport> {
    schedule.iter().find(|r| r.number > last_submitted).copied()
}

/// A ratification, accession or succession date must not be before the instrument was
/// adopted (or opened for signature); a signature neither.
pub fn check_not_before(
    field: &str,
    date: &PartialDate,
    limit: NaiveDate,
    what: &str,
) -> Result<(), String> {
    match date.latest() {
        Some(d) if d < limit => Err(format!("{field}: {date} is before {what} ({limit})")),
        _ => Ok(()),
    }
}
