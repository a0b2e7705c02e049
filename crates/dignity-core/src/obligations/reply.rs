//! The reply clock of a communication of the special procedures.

use super::*;

/// Days a State has to reply to a communication of the special procedures (the clock of
/// the intervention that carries it, e.g. an urgent appeal).
pub const SP_REPLY_DAYS: i64 = 60;

/// The end of the reply clock of a communication sent on `sent`.
pub fn reply_due(sent: NaiveDate) -> NaiveDate {
    sent + chrono::Duration::days(SP_REPLY_DAYS)
}

/// Where the reply clock stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReplyClock {
    /// Replied on a day; `late_days` > 0 when after the due date.
    Replied { on: NaiveDate, late_days: i64 },
    /// No reply and the due date passed `days` ago.
    Overdue { days: i64 },
    /// No reply yet; `days_left` until the due date (0 = due today).
    Running { days_left: i64 },
}

/// The reply clock: replied (and how late), overdue by N days, or running.
pub fn reply_clock(due: NaiveDate, replied: Option<NaiveDate>, today: NaiveDate) -> ReplyClock {
    match replied {
        Some(on) => ReplyClock::Replied {
            on,
            late_days: (on - due).num_days().max(0),
        },
        None => match overdue_days(due, None, today) {
            Some(days) => ReplyClock::Overdue { days },
            None => ReplyClock::Running {
                days_left: (due - today).num_days(),
            },
        },
    }
}
