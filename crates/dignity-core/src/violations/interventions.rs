//! Interventions (appeals, communications, visits, statements…): their types, their exact
//! days, the 60-day reply clock of a communication to a special procedure, and the
//! deadlines (reply and follow-up) an open intervention shows on the "due and overdue"
//! page. Pure: the store checks micro-thesaurus codes and reads and writes the rows.

use crate::Invalid;
use chrono::{Duration, NaiveDate};

/// Types of intervention beyond micro-thesaurus 20.
pub const EXTRA_TYPES: &[&str] = &[
    "urgent_appeal",
    "special_procedure_communication",
    "trial_observation",
    "detention_visit",
    "public_statement",
    "meeting_authorities",
    "meeting_defender",
    "legal_aid",
];

/// Types that start the 60-day reply clock of a communication to a special procedure.
pub const CLOCK_TYPES: &[&str] = &["urgent_appeal", "special_procedure_communication"];
/// Days a State has to reply to a communication of a clock type.
pub const REPLY_DAYS: i64 = 60;
/// "Intervention closed" (micro-thesaurus 45).
pub const STATUS_CLOSED: &str = "07000000000045";

/// Whether `raw` (trimmed) is one of the [`EXTRA_TYPES`] (then no vocabulary check).
pub fn is_extra_type(raw: &str) -> bool {
    EXTRA_TYPES.contains(&raw.trim())
}

/// The type of an intervention: one of the [`EXTRA_TYPES`], or else the code of
/// micro-thesaurus 20 the store checked (`checked`, `None` when nothing was given).
pub fn int_type(raw: &str, checked: Option<String>) -> Result<String, Invalid> {
    let t = raw.trim();
    if is_extra_type(t) {
        return Ok(t.to_string());
    }
    checked.ok_or_else(|| {
        Invalid::rule(
            "int_type",
            "vio.rule.int_type",
            "an intervention needs a type",
        )
    })
}

/// An exact day (`YYYY-MM-DD`); empty is `None`, or refused when `required`.
pub fn exact_day(
    field: &'static str,
    raw: &str,
    required: bool,
) -> Result<Option<NaiveDate>, Invalid> {
    let t = raw.trim();
    if t.is_empty() && required {
        return Err(Invalid::rule(
            field,
            "vio.rule.day_required",
            "a date is required (YYYY-MM-DD)",
        ));
    }
    crate::types::optional_day(t, || {
        Invalid::rule(
            field,
            "vio.rule.not_a_day",
            "{value} is not a date (YYYY-MM-DD)",
        )
        .arg("value", format!("{t:?}"))
    })
}

/// The end of the reply clock of an intervention of `int_type` made on `date`: 60 days
/// later for the [`CLOCK_TYPES`], none for the others.
pub fn reply_due(int_type: &str, date: NaiveDate) -> Option<NaiveDate> {
    CLOCK_TYPES
        .contains(&int_type)
        .then(|| date + Duration::days(REPLY_DAYS))
}

/// A response dated `response` to an intervention of `date`: not before it.
pub fn response_after(date: NaiveDate, response: NaiveDate) -> Result<NaiveDate, Invalid> {
    if response < date {
        return Err(Invalid::rule(
            "response_date",
            "vio.rule.response_before",
            "the response is dated before the intervention",
        ));
    }
    Ok(response)
}

/// The days of an intervention, as typed: its date (required), the response's and the
/// follow-up's (optional), and the reply clock its type starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub date: NaiveDate,
    pub response: Option<NaiveDate>,
    pub follow_up: Option<NaiveDate>,
    pub reply_due: Option<NaiveDate>,
}

impl Days {
    pub fn parse(
        int_type: &str,
        int_date: &str,
        response_date: &str,
        follow_up_date: &str,
    ) -> Result<Days, Invalid> {
        let date = exact_day("int_date", int_date, true)?.expect("required");
        let response = exact_day("response_date", response_date, false)?
            .map(|r| response_after(date, r))
            .transpose()?;
        let follow_up = exact_day("follow_up_date", follow_up_date, false)?;
        Ok(Days {
            date,
            response,
            follow_up,
            reply_due: reply_due(int_type, date),
        })
    }
}

/// Which clock a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueKind {
    /// The reply clock (until a response is recorded).
    Reply,
    /// The follow-up date.
    FollowUp,
}

impl DueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::Reply => "reply",
            DueKind::FollowUp => "follow_up",
        }
    }
}

/// One deadline of an open intervention, as of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: DueKind,
    /// The day as stored (`YYYY-MM-DD`).
    pub due: String,
    /// Days left (negative when overdue).
    pub days_left: i64,
}

impl Due {
    pub fn overdue(&self) -> bool {
        self.days_left < 0
    }
}

/// The deadlines an open intervention shows on `today` within `horizon_days`: its reply
/// clock (`reply_due`, unless a response was recorded) and its follow-up day, each when
/// set and not later than the horizon (every overdue one shows). Stored days that do not
/// parse count as due today.
pub fn deadlines(
    reply_due: &str,
    follow_up: &str,
    responded: bool,
    today: NaiveDate,
    horizon_days: i64,
) -> Vec<Due> {
    let limit = today + Duration::days(horizon_days);
    let mut out = Vec::new();
    for (kind, d) in [(DueKind::Reply, reply_due), (DueKind::FollowUp, follow_up)] {
        if d.is_empty() || (kind == DueKind::Reply && responded) {
            continue;
        }
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or(today);
        if day > limit {
            continue;
        }
        out.push(Due {
            kind,
            due: d.to_string(),
            days_left: (day - today).num_days(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_type_is_an_extra_type_or_a_checked_code() {
        assert_eq!(int_type(" urgent_appeal ", None).unwrap(), "urgent_appeal");
        assert_eq!(int_type("2001", Some("2001".into())).unwrap(), "2001");
        let e = int_type("", None).unwrap_err();
        assert_eq!(e.field, "int_type");
        assert_eq!(e.message(), "an intervention needs a type");
        for t in EXTRA_TYPES {
            assert!(is_extra_type(t));
        }
        assert!(!is_extra_type("2001"));
    }

    #[test]
    fn days_are_exact_and_name_their_field() {
        assert_eq!(
            exact_day("int_date", "2024-02-29", true).unwrap(),
            Some(day("2024-02-29"))
        );
        assert_eq!(exact_day("follow_up_date", " ", false).unwrap(), None);
        let e = exact_day("int_date", "", true).unwrap_err();
        assert_eq!(e.field, "int_date");
        assert_eq!(e.message(), "a date is required (YYYY-MM-DD)");
        for bad in ["2024-03", "2023-02-29", "12/03/2024", "soon"] {
            let e = exact_day("response_date", bad, false).unwrap_err();
            assert_eq!(e.field, "response_date");
            assert_eq!(e.message(), format!("{bad:?} is not a date (YYYY-MM-DD)"));
            assert!(matches!(
                e.problem,
                Problem::Rule {
                    key: "vio.rule.not_a_day",
                    ..
                }
            ));
        }
    }

    /// Over every pair of days of a span and every type: the response is refused exactly
    /// when it comes before the intervention, and the reply clock runs 60 days exactly for
    /// the clock types.
    #[test]
    fn the_reply_clock_and_the_response_order_over_a_span_of_days() {
        let start = day("2023-12-20");
        let days: Vec<NaiveDate> = (0..75).map(|n| start + Duration::days(n)).collect();
        let types = [
            "urgent_appeal",
            "special_procedure_communication",
            "legal_aid",
            "2001",
        ];
        for t in types {
            for d in days.iter().step_by(7) {
                for r in &days {
                    let got = Days::parse(t, &d.to_string(), &r.to_string(), "");
                    if r < d {
                        let e = got.unwrap_err();
                        assert_eq!(e.field, "response_date");
                        assert_eq!(e.message(), "the response is dated before the intervention");
                    } else {
                        let p = got.unwrap();
                        assert_eq!((p.date, p.response, p.follow_up), (*d, Some(*r), None));
                        let clock = CLOCK_TYPES.contains(&t);
                        assert_eq!(p.reply_due, clock.then(|| *d + Duration::days(60)));
                    }
                }
            }
        }
        assert_eq!(
            reply_due("urgent_appeal", day("2024-01-01")),
            Some(day("2024-03-01"))
        );
    }

    #[test]
    fn deadlines_show_open_clocks_within_the_horizon_and_every_overdue_one() {
        let today = day("2024-05-10");
        let d = deadlines("2024-05-01", "2024-06-30", false, today, 30);
        assert_eq!(
            d,
            vec![Due {
                kind: DueKind::Reply,
                due: "2024-05-01".into(),
                days_left: -9
            }]
        );
        assert!(d[0].overdue());
        // Answered: the reply clock stops; the follow-up within the horizon shows.
        let d = deadlines("2024-05-01", "2024-06-09", true, today, 30);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].kind.as_str(), d[0].days_left), ("follow_up", 30));
        assert!(!d[0].overdue());
        assert!(deadlines("", "", false, today, 30).is_empty());
        // Every day of a span: shown exactly when not after the horizon.
        for n in -40..80 {
            let due = (today + Duration::days(n)).to_string();
            let d = deadlines(&due, "", false, today, 30);
            assert_eq!(d.len(), usize::from(n <= 30), "{due}");
            if let Some(x) = d.first() {
                assert_eq!((x.days_left, x.overdue()), (n, n < 0));
            }
        }
    }
}
