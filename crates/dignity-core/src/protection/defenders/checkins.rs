//! Check-ins with a defender: their clock and the parsing of their dates.

use super::*;

/// Where a check-in stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinClock {
    /// It took place (on that day).
    Done { on: NaiveDate },
    /// Not done and its due date passed `days` ago (at least 1).
    Overdue { days: i64 },
    /// Not done yet and due in `days_left` days (0: due today, not yet overdue).
    Due { days_left: i64 },
}

impl CheckinClock {
    pub fn is_overdue(self) -> bool {
        matches!(self, CheckinClock::Overdue { .. })
    }
}

/// The clock of a check-in due on `due`, done on `done` (if it was), on `today`: overdue
/// from the day after its due date until it is done.
pub fn checkin_clock(due: NaiveDate, done: Option<NaiveDate>, today: NaiveDate) -> CheckinClock {
    match done {
        Some(on) => CheckinClock::Done { on },
        None if due < today => CheckinClock::Overdue {
            days: (today - due).num_days(),
        },
        None => CheckinClock::Due {
            days_left: (due - today).num_days(),
        },
    }
}

/// The due date of a planned check-in (a full date; it may be in the past: a check-in
/// planned late is overdue at once).
pub fn parse_checkin_due(raw: &str) -> Result<NaiveDate, Invalid> {
    day("due_on", raw)
}

/// A measure given for a check-in that is not one of the defender's (`measure_id`).
pub fn not_this_defenders_measure() -> Invalid {
    Invalid::rule(
        "measure_id",
        "pro.def.not_this_defenders_measure",
        "not a measure of this defender",
    )
}

/// The day a check-in took place (`today` when not given, never in the future); refused
/// when it was already done (`already_done`).
pub fn parse_checkin_done(
    already_done: Option<NaiveDate>,
    raw: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Invalid> {
    if let Some(on) = already_done {
        return Err(Invalid::rule(
            "done_on",
            "pro.def.checkin_done",
            "this check-in was already done on {date}",
        )
        .arg("date", on));
    }
    past_day_or_today("done_on", raw, today)
}
