//! A risk assessment, parsed.

use super::*;

/// The checked fields of a risk assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Risk {
    pub level: RiskLevel,
    /// Each factor once, in the order ticked.
    pub factors: Vec<RiskFactor>,
    /// Default today; never in the future.
    pub assessed_on: NaiveDate,
    /// Strictly after the assessment.
    pub next_review: NaiveDate,
}

/// A risk assessment: its level, the factors ticked, the day it was made (`today` when not
/// given) and the next review, which comes after it.
pub fn parse_risk(
    level: &str,
    factors: &[String],
    assessed_on: &str,
    next_review: &str,
    today: NaiveDate,
) -> Result<Risk, Invalid> {
    let level = RiskLevel::parse("level", level)?;
    let mut out = Vec::new();
    for f in factors {
        let f = RiskFactor::parse("factors", f)?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    let assessed_on = past_day_or_today("assessed_on", assessed_on, today)?;
    let next_review = day("next_review", next_review)?;
    if next_review <= assessed_on {
        return Err(Invalid::rule(
            "next_review",
            "pro.def.review_after_assessment",
            "the next review is after the assessment",
        ));
    }
    Ok(Risk {
        level,
        factors: out,
        assessed_on,
        next_review,
    })
}
