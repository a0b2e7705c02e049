//! Protection measures: a request parsed (what each type needs), the state machine
//! requested → approved → delivered → closed, and a step along it parsed.

use super::*;
use chrono::Months;

/// What a measure's request gives, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeasureRequestRaw<'a> {
    pub measure_type: &'a str,
    /// Default today.
    pub requested_on: &'a str,
    pub amount: &'a str,
    pub currency: &'a str,
    pub host: &'a str,
    pub period_start: &'a str,
    pub period_end: &'a str,
    pub visa: &'a str,
    pub security_plan: &'a str,
}

/// What a type of measure needs besides its type and date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeasureTerms {
    /// An emergency grant: an amount (in cents, more than 0) and its currency.
    Grant { amount: i64, currency: String },
    /// A temporary relocation of 6 to 12 months ([`relocation_period_ok`]), with a host,
    /// a visa and a security plan (given, checked here as present).
    Relocation { start: NaiveDate, end: NaiveDate },
    /// Any other type: nothing more.
    Other,
}

/// A measure's request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRequest {
    pub measure_type: MeasureType,
    pub requested_on: NaiveDate,
    pub terms: MeasureTerms,
}

/// Whether a temporary relocation from `start` to `end` lasts 6 to 12 months (the day
/// before six months counts as six months: 1 January to 30 June).
pub fn relocation_period_ok(start: NaiveDate, end: NaiveDate) -> bool {
    let min = start.checked_add_months(Months::new(6)).unwrap_or(start);
    let max = start.checked_add_months(Months::new(12)).unwrap_or(start);
    end >= min.pred_opt().unwrap_or(min) && end <= max
}

/// A measure's request: its type, the day it was requested (`today` when not given, never
/// in the future) and what its type needs.
pub fn parse_measure_request(
    raw: &MeasureRequestRaw,
    today: NaiveDate,
) -> Result<MeasureRequest, Invalid> {
    let measure_type = MeasureType::parse("measure_type", raw.measure_type)?;
    let requested_on = past_day_or_today("requested_on", raw.requested_on, today)?;
    let terms = match measure_type {
        MeasureType::EmergencyGrant => {
            let Some(amount) = cents("amount", raw.amount)?.filter(|c| *c > 0) else {
                return Err(Invalid::rule(
                    "amount",
                    "pro.def.grant_amount",
                    "an emergency grant needs an amount",
                ));
            };
            MeasureTerms::Grant {
                amount,
                currency: currency("currency", raw.currency)?,
            }
        }
        MeasureType::Relocation => {
            if raw.host.trim().is_empty() {
                return Err(Invalid::rule(
                    "host",
                    "pro.def.relocation_host",
                    "a temporary relocation needs a host (organisation or city)",
                ));
            }
            let start = day("period_start", raw.period_start)?;
            let end = day("period_end", raw.period_end)?;
            if !relocation_period_ok(start, end) {
                return Err(Invalid::rule(
                    "period_end",
                    "pro.def.relocation_period",
                    "a temporary relocation lasts 6 to 12 months",
                ));
            }
            if raw.visa.trim().is_empty() {
                return Err(Invalid::rule(
                    "visa",
                    "pro.def.relocation_visa",
                    "say what visa the relocation needs (or \"none needed\")",
                ));
            }
            if raw.security_plan.trim().is_empty() {
                return Err(Invalid::rule(
                    "security_plan",
                    "pro.def.relocation_plan",
                    "a temporary relocation needs a security plan",
                ));
            }
            MeasureTerms::Relocation { start, end }
        }
        _ => MeasureTerms::Other,
    };
    Ok(MeasureRequest {
        measure_type,
        requested_on,
        terms,
    })
}

impl MeasureStatus {
    /// The statuses a measure in this one may move to: on along the way, or closed early
    /// (a request declined, an approved measure cancelled); a closed one moves no more.
    pub fn next(self) -> &'static [MeasureStatus] {
        use MeasureStatus::*;
        match self {
            Requested => &[Approved, Closed],
            Approved => &[Delivered, Closed],
            Delivered => &[Closed],
            Closed => &[],
        }
    }

    /// Whether a measure in this status may become `to`.
    pub fn may_become(self, to: MeasureStatus) -> bool {
        self.next().contains(&to)
    }

    /// Still to be acted on (not closed).
    pub fn is_open(self) -> bool {
        self != MeasureStatus::Closed
    }

    /// The move to `to`, refused (field `status`) unless [`may_become`](Self::may_become).
    pub fn transition(self, to: MeasureStatus) -> Result<MeasureStatus, Invalid> {
        if self.may_become(to) {
            return Ok(to);
        }
        let e = if self.next().is_empty() {
            Invalid::rule(
                "status",
                "pro.def.measure_closed",
                "a measure that is {from} cannot become {to} (it is closed)",
            )
        } else {
            let next: Vec<&str> = self.next().iter().map(|s| s.as_str()).collect();
            Invalid::rule(
                "status",
                "pro.def.measure_next",
                "a measure that is {from} cannot become {to}: next is {next}",
            )
            .arg("next", next.join(" or "))
        };
        Err(e.arg("from", self).arg("to", to))
    }
}

/// What a step of a measure gives, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeasureStepRaw<'a> {
    pub status: &'a str,
    /// Default today.
    pub on_date: &'a str,
    pub cost: &'a str,
    pub cost_currency: &'a str,
    pub outcome: &'a str,
}

/// A step of a measure, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureStep {
    pub from: MeasureStatus,
    pub to: MeasureStatus,
    pub on: NaiveDate,
    /// The cost in cents and its currency, when given.
    pub cost: Option<(i64, String)>,
}

/// A step of a measure now in `from`, whose latest step was on `last` (none yet: `None`):
/// a move the state machine allows, on a day (`today` when not given, never in the future)
/// no earlier than the last step, with a cost in a currency when one is given, and an
/// outcome when it closes the measure.
pub fn parse_measure_step(
    from: MeasureStatus,
    last: Option<NaiveDate>,
    raw: &MeasureStepRaw,
    today: NaiveDate,
) -> Result<MeasureStep, Invalid> {
    let to = from.transition(MeasureStatus::parse("status", raw.status)?)?;
    let on = past_day_or_today("on_date", raw.on_date, today)?;
    if let Some(last) = last.filter(|l| on < *l) {
        return Err(Invalid::rule(
            "on_date",
            "pro.def.step_out_of_order",
            "out of order: the previous step was on {date}",
        )
        .arg("date", last));
    }
    let cost = match cents("cost", raw.cost)? {
        Some(c) => Some((c, currency("cost_currency", raw.cost_currency)?)),
        None => None,
    };
    if to == MeasureStatus::Closed && raw.outcome.trim().is_empty() {
        return Err(Invalid::rule(
            "outcome",
            "pro.def.outcome_required",
            "say what came of the measure before closing it",
        ));
    }
    Ok(MeasureStep { from, to, on, cost })
}
