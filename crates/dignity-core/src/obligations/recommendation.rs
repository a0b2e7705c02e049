//! A recommendation entered by hand (form or API): its fields parsed into typed values,
//! refusals naming the field. The importers' row-numbered checks are in `import`.

use super::*;
use crate::Invalid;

/// The mechanism of a body's code (`CCPR`, `UPR`, a special procedure…), and the code as
/// stored.
pub fn parse_body(body: &str) -> Result<(Mechanism, String), Invalid> {
    body_mechanism(body).ok_or_else(|| {
        Invalid::rule(
            "body",
            "obl.rule.unknown_mechanism",
            "unknown mechanism {value}",
        )
        .arg("value", format!("{body:?}"))
    })
}

/// A recommendation's (partial) date.
pub fn parse_rec_date(raw: &str) -> Result<PartialDate, Invalid> {
    PartialDate::parse(raw).map_err(|e| Invalid::parse("date", e))
}

/// The State's position on a UPR recommendation; nothing when not given.
pub fn parse_position(raw: Option<&str>) -> Result<Option<Position>, Invalid> {
    match raw.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => Position::parse(p).map(Some).ok_or_else(|| {
            Invalid::rule(
                "position",
                "obl.rule.position",
                "expected supported, noted, partially supported or pending",
            )
        }),
    }
}

/// UPR Info's action category of a recommendation entered by hand: one of the shipped
/// categories (`data/upr/action-categories.csv`).
pub fn parse_upr_action(n: i64) -> Result<u8, Invalid> {
    crate::refdata::action_category(n)
        .map(|c| c.category)
        .ok_or_else(|| {
            Invalid::rule(
                "upr_action",
                "obl.rule.upr_action",
                "expected an action category 1 to 5",
            )
        })
}

/// The facets of the recommendations a State's profile counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountFacet {
    Body,
    Mechanism,
    Position,
    /// UPR Info's action category (1–5).
    Action,
    Status,
    Theme,
}

impl CountFacet {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Ok(match raw {
            "body" => CountFacet::Body,
            "mechanism" => CountFacet::Mechanism,
            "position" => CountFacet::Position,
            "action" => CountFacet::Action,
            "status" => CountFacet::Status,
            "theme" => CountFacet::Theme,
            _ => {
                return Err(Invalid::rule(
                    "what",
                    "obl.rule.unknown_facet",
                    "unknown facet",
                ))
            }
        })
    }
}
