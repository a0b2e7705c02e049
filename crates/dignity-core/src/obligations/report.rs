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
