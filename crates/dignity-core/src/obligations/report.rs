//! A report of a State to a treaty body as a user sets it: its number and full dates,
//! and a submission that cannot come before the State was bound by the treaty.

use super::*;
use crate::Invalid;

/// The parsed number and dates of a report (the symbols and the session are stored as
/// given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFacts {
    /// 1 for the initial report, 2, 3, … for the periodic ones.
    pub number: u32,
    pub due_date: Option<NaiveDate>,
    pub submitted: Option<NaiveDate>,
}

/// The highest report number accepted.
pub const MAX_REPORT_NUMBER: i64 = 100;

/// A full date `YYYY-MM-DD`, or nothing.
pub fn full_date(field: &'static str, raw: &str) -> Result<Option<NaiveDate>, Invalid> {
    crate::types::optional_day(raw, || {
        Invalid::rule(
            field,
            "obl.rule.full_date",
            "expected a date YYYY-MM-DD, got {value}",
        )
        .arg("value", format!("{raw:?}"))
    })
}

/// Parse a report's number (1 to [`MAX_REPORT_NUMBER`]) and its due and submission dates.
pub fn parse_report(number: i64, due_date: &str, submitted: &str) -> Result<ReportFacts, Invalid> {
    if !(1..=MAX_REPORT_NUMBER).contains(&number) {
        return Err(Invalid::rule(
            "number",
            "obl.rule.report_number",
            "1 for the initial report, 2, 3, … for periodic reports",
        ));
    }
    Ok(ReportFacts {
        number: number as u32,
        due_date: full_date("due_date", due_date)?,
        submitted: full_date("submitted", submitted)?,
    })
}

/// A report submitted on `submitted` by `iso3` under `instrument`: the State must be (or
/// have been) a party, and not have submitted before it was bound (`consent`, possibly
/// partial: only a submission before the whole of it is refused).
pub fn check_submission(
    iso3: &str,
    instrument: &str,
    party: bool,
    consent: &PartialDate,
    submitted: NaiveDate,
) -> Result<(), Invalid> {
    if !party {
        return Err(Invalid::rule(
            "submitted",
            "obl.rule.not_a_party",
            "{iso3} is not a party to {instrument}",
        )
        .arg("iso3", iso3)
        .arg("instrument", instrument));
    }
    if consent.earliest().is_some_and(|c| submitted < c)
        && consent.latest().is_some_and(|c| submitted < c)
    {
        return Err(Invalid::rule(
            "submitted",
            "obl.rule.submitted_before_consent",
            "submitted {submitted}, before the ratification ({consent})",
        )
        .arg("submitted", submitted)
        .arg("consent", consent));
    }
    Ok(())
}

/// What a recorded reporting cycle adds to a report's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleFacts {
    /// The last periodic report the submission covers (`number` for a single one).
    pub last: u32,
    pub loipr: Option<SimplifiedProcedure>,
}

/// Check a recorded cycle: `number_to` (0: the one report `number`) from `number` to
/// [`MAX_REPORT_NUMBER`], not overlapping another recorded submission of the same treaty
/// (`others`: their first and last numbers); a committee's date (`due_set_in`) needs the
/// date; `loipr` one of the simplified procedure's statuses.
pub fn parse_cycle(
    facts: &ReportFacts,
    number_to: i64,
    due_set_in: &str,
    loipr: &str,
    others: &[(u32, u32)],
) -> Result<CycleFacts, Invalid> {
    let last = if number_to == 0 {
        facts.number
    } else if (facts.number as i64..=MAX_REPORT_NUMBER).contains(&number_to) {
        number_to as u32
    } else {
        return Err(Invalid::rule(
            "number_to",
            "obl.rule.number_to",
            "the last report a combined submission covers: from {number} to {max}",
        )
        .arg("number", facts.number)
        .arg("max", MAX_REPORT_NUMBER));
    };
    if let Some((a, b)) = others
        .iter()
        .find(|(a, b)| *a <= last && facts.number <= *b)
    {
        return Err(Invalid::rule(
            "number_to",
            "obl.rule.reports_overlap",
            "reports {first} to {last} are already recorded in one submission",
        )
        .arg("first", a)
        .arg("last", b));
    }
    if !due_set_in.trim().is_empty() && facts.due_date.is_none() {
        return Err(Invalid::rule(
            "due_date",
            "obl.rule.committee_date",
            "the date the committee set in {symbol}",
        )
        .arg("symbol", due_set_in.trim()));
    }
    Ok(CycleFacts {
        last,
        loipr: SimplifiedProcedure::parse(loipr)?,
    })
}

/// A report can be recorded only under an instrument with reports of its own
/// (`reporting.initial_years` in `data/instruments.toml`; not ICCPR-OP2).
pub fn check_reports_of_its_own(instrument: &crate::refdata::Instrument) -> Result<(), Invalid> {
    match &instrument.reporting {
        Some(r) if r.initial_years.is_some() => Ok(()),
        r => Err(Invalid::rule(
            "instrument",
            "obl.rule.no_own_reports",
            "{instrument} has no reports of its own{within}",
        )
        .arg("instrument", &instrument.code)
        .arg(
            "within",
            r.as_ref()
                .and_then(|r| r.later_in.as_deref())
                .map(|p| format!(" (in the {p} reports)"))
                .unwrap_or_default(),
        )),
    }
}
