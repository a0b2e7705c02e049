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

// ------------------------------------------------- reporting obligations --

/// A State's consent to an instrument (party only: signatories and States that denounced
/// owe no reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub instrument: String,
    /// The date of ratification, accession or succession (possibly a year only).
    pub consent: PartialDate,
}

/// One recorded report or combined submission (`first..=last`), as the office set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordedReport {
    pub instrument: String,
    pub first: u32,
    /// The last periodic report it covers (`first` for a single one): "combined 5th–7th".
    pub last: u32,
    pub due: Option<NaiveDate>,
    /// The concluding observations that set `due` (empty: the office typed it).
    pub due_set_in: String,
    pub submitted: Option<NaiveDate>,
    pub loipr: Option<SimplifiedProcedure>,
}

/// One line of a State's reporting under one instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportLine {
    pub first: u32,
    pub last: u32,
    pub due: Option<NaiveDate>,
    pub due_source: DueSource,
    /// The date the treaty's calendar and the history give (shown next to a date the
    /// committee set or the office recorded).
    pub computed_due: Option<NaiveDate>,
    /// The due date was computed from a consent known to the year or month only.
    pub approximate: bool,
    pub submitted: Option<NaiveDate>,
    pub status: ReportStatus,
    /// Days overdue on `today` (status `overdue` only).
    pub overdue_days: Option<i64>,
    /// The instrument whose report carries this information (status `in_other_report`).
    pub included_in: Option<String>,
    pub loipr: Option<SimplifiedProcedure>,
    /// Index of the recorded report in the input, when recorded.
    pub recorded: Option<usize>,
    /// This is the line that is outstanding for the instrument (one per instrument).
    pub next: bool,
}

/// Whether the recorded history lets arrears be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum History {
    /// Nothing recorded for the instrument: every date is an estimate, nothing overdue.
    None,
    /// Reports recorded: arrears are counted from what is recorded.
    Recorded,
}

/// A State's reporting under one instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreatyReporting {
    pub instrument: String,
    pub body: String,
    pub history: History,
    pub lines: Vec<ReportLine>,
}

impl TreatyReporting {
    /// The outstanding line, if any (the one marked `next`).
    pub fn next(&self) -> Option<&ReportLine> {
        self.lines.iter().find(|l| l.next)
    }
}

/// The reporting obligations of one State: for each instrument with reporting that it is
/// a party to, the reports the treaty (and the committee's practice, `data/instruments.toml`)
/// expects, merged with the recorded ones, through `until` and at least through the
/// first report due after `today`. The one function every page, report and API uses.
///
/// Rules: the initial report `initial_years` after entry into force for the State (the
/// treaty's own entry into force when the consent came before it); then one submission
/// every `periodic_years × combined` covering `combined` periodic reports, counted from
/// the last submission or from a date the committee set, never earlier than the
/// treaty's calendar; a date the committee set (or the office recorded) wins over the
/// computed one; `later_in`: after the initial report, the information goes into that
/// instrument's reports for its parties (no report of its own without an initial report),
/// others report every `periodic_years_alone`; `on_request`: nothing after the initial
/// report unless recorded. Reports below a recorded one are `not_recorded` (never
/// overdue); without any recorded report, or where the due date rests on a gap in the
/// history, a past due date is `unknown`, never `overdue`.
pub fn reporting_obligations(
    instruments: &[crate::refdata::Instrument],
    consents: &[Consent],
    recorded: &[RecordedReport],
    today: NaiveDate,
    until: NaiveDate,
) -> Vec<TreatyReporting> {
    let party = |code: &str| consents.iter().any(|c| c.instrument == code);
    let mut out = Vec::new();
    for c in consents {
        let Some(inst) = crate::refdata::find_instrument(instruments, &c.instrument) else {
            continue;
        };
        let Some(rep) = &inst.reporting else { continue };
        let Some(initial) = rep.initial_years else {
            // No report of its own (ICCPR-OP2): nothing to list.
            continue;
        };
        let mine: Vec<(usize, &RecordedReport)> = recorded
            .iter()
            .enumerate()
            .filter(|(_, r)| r.instrument == inst.code)
            .collect();
        let (Some(from), Some(to)) = (c.consent.earliest(), c.consent.latest()) else {
            continue;
        };
        let eif = |d| state_entry_into_force(&inst.code, d).max(inst.entry_into_force);
        let eif_from = eif(from);
        let approximate = eif_from != eif(to);
        let in_other = rep.later_in.clone().filter(|p| party(p));
        let periodic = if rep.later_in.is_some() {
            if in_other.is_some() {
                None
            } else {
                rep.periodic_years_alone
            }
        } else if rep.on_request {
            None
        } else {
            rep.periodic_years
        };
        let combine = rep.combined.unwrap_or(1).max(1) as u32;
        let input = Schedule {
            eif: eif_from,
            initial: initial as u32,
            periodic: periodic.map(u32::from),
            combine,
            approximate,
            today,
            until,
        };
        let mut lines = input.lines(&mine);
        // After the initial report: inside another instrument's reports, or on request.
        let last_number = lines.last().map_or(0, |l| l.last);
        let submitted_all = lines.iter().all(|l| l.status == ReportStatus::Submitted);
        if periodic.is_none() && submitted_all && !lines.is_empty() {
            let (status, included_in) = match &in_other {
                Some(p) => (ReportStatus::InOtherReport, Some(p.clone())),
                None => (ReportStatus::OnRequest, None),
            };
            lines.push(ReportLine {
                first: last_number + 1,
                last: last_number + 1,
                due: None,
                due_source: DueSource::None,
                computed_due: None,
                approximate: false,
                submitted: None,
                status,
                overdue_days: None,
                included_in,
                loipr: None,
                recorded: None,
                next: false,
            });
        }
        let history = if mine.is_empty() {
            History::None
        } else {
            History::Recorded
        };
        mark_next(&mut lines, history, today);
        out.push(TreatyReporting {
            instrument: inst.code.clone(),
            body: inst.monitoring_body.code.clone(),
            history,
            lines,
        });
    }
    out
}

/// The inputs of one instrument's schedule.
struct Schedule {
    eif: NaiveDate,
    initial: u32,
    periodic: Option<u32>,
    combine: u32,
    approximate: bool,
    today: NaiveDate,
    until: NaiveDate,
}

impl Schedule {
    /// The treaty's own calendar: report `n` due `initial` years after entry into force,
    /// then every `periodic` years.
    fn calendar(&self, n: u32) -> NaiveDate {
        let initial = add_years(self.eif, self.initial);
        match self.periodic {
            Some(p) if n > 1 => add_years(initial, (n - 1) * p),
            _ => initial,
        }
    }

    fn lines(&self, mine: &[(usize, &RecordedReport)]) -> Vec<ReportLine> {
        let no_data = mine.is_empty();
        let highest_recorded = mine.iter().map(|(_, r)| r.last.max(r.first)).max();
        let mut out: Vec<ReportLine> = Vec::new();
        // The last known date the next computed report counts from, and whether it is
        // known (a submission, a committee date, or the ratification with history).
        let mut base: Option<NaiveDate> = None;
        let mut known = !no_data;
        let mut n = 1u32;
        let mut passed_today = false;
        while n <= 200 {
            if let Some((i, r)) = mine.iter().find(|(_, r)| r.first == n) {
                let last = r.last.max(r.first);
                let computed = self.computed_due(base, n, last);
                let (due, source) = match r.due {
                    Some(d) if !r.due_set_in.trim().is_empty() => (Some(d), DueSource::Committee),
                    Some(d) => (Some(d), DueSource::Recorded),
                    None => (Some(computed), DueSource::Computed),
                };
                let line_known = known || source != DueSource::Computed;
                let mut line = self.line(n, last, due, source, line_known);
                line.computed_due = Some(computed);
                line.submitted = r.submitted;
                line.loipr = r.loipr;
                line.recorded = Some(*i);
                if let Some(s) = r.submitted {
                    line.status = ReportStatus::Submitted;
                    line.overdue_days = None;
                    base = Some(s);
                    known = true;
                } else {
                    base = due;
                    known = line_known;
                }
                passed_today |= line.submitted.is_none() && due.is_some_and(|d| d > self.today);
                out.push(line);
                n = last + 1;
                continue;
            }
            // A gap below a recorded report: not recorded, never overdue; whatever comes
            // after it counts from the next recorded report.
            if highest_recorded.is_some_and(|h| n < h) {
                let end = mine
                    .iter()
                    .map(|(_, r)| r.first)
                    .filter(|f| *f > n)
                    .min()
                    .unwrap_or(n)
                    - 1;
                let mut line = self.line(n, end, None, DueSource::None, false);
                line.status = ReportStatus::NotRecorded;
                out.push(line);
                known = false;
                base = None;
                n = end + 1;
                continue;
            }
            if n > 1 && self.periodic.is_none() {
                break;
            }
            let last = if n == 1 { 1 } else { n + self.combine - 1 };
            let due = self.computed_due(base, n, last);
            if due > self.until && passed_today {
                break;
            }
            out.push(self.line(n, last, Some(due), DueSource::Computed, known));
            passed_today |= due > self.today;
            base = Some(due);
            n = last + 1;
        }
        out
    }

    /// A computed due date for reports `first..=last`: the treaty's calendar, and not
    /// before one period (per report covered) after `base` (the last submission or due
    /// date known).
    fn computed_due(&self, base: Option<NaiveDate>, first: u32, last: u32) -> NaiveDate {
        let calendar = self.calendar(last);
        match (base, self.periodic) {
            (Some(b), Some(p)) if first > 1 => calendar.max(add_years(b, (last - first + 1) * p)),
            _ => calendar,
        }
    }

    fn line(
        &self,
        first: u32,
        last: u32,
        due: Option<NaiveDate>,
        source: DueSource,
        known: bool,
    ) -> ReportLine {
        let (status, overdue_days) = match due {
            Some(d) if d >= self.today => (ReportStatus::Due, None),
            Some(d) if known => (ReportStatus::Overdue, Some((self.today - d).num_days())),
            _ => (ReportStatus::Unknown, None),
        };
        ReportLine {
            first,
            last,
            due,
            due_source: source,
            computed_due: due.filter(|_| source == DueSource::Computed),
            approximate: self.approximate && source == DueSource::Computed,
            submitted: None,
            status,
            overdue_days,
            included_in: None,
            loipr: None,
            recorded: None,
            next: false,
        }
    }
}

/// Marks the outstanding line: the first after the last submitted one that is not
/// `not_recorded`; without any recorded history, the estimated next report (the first
/// due from `today` on, else the last one).
fn mark_next(lines: &mut [ReportLine], history: History, today: NaiveDate) {
    let i = if history == History::None {
        lines
            .iter()
            .position(|l| l.due.is_some_and(|d| d >= today))
            .or(lines.len().checked_sub(1))
    } else {
        let after = lines
            .iter()
            .rposition(|l| l.status == ReportStatus::Submitted)
            .map_or(0, |p| p + 1);
        lines
            .iter()
            .skip(after)
            .position(|l| l.status != ReportStatus::NotRecorded)
            .map(|p| p + after)
    };
    if let Some(i) = i {
        lines[i].next = true;
    }
}
