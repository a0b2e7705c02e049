//! Rules of the protection area: defenders (profile, attacks, risk, measures, check-ins),
//! missing persons (cases, status, families and consent) and source lists — typed inputs,
//! their parsing into `Invalid` errors that name the field, state machines and clocks.
//! Pure functions, no I/O: the day it is (`today`) is handed in by the caller.
//!
//! This file holds what the parts share: full dates (not in the future), amounts of money
//! in cents, currency codes, the kinds of the local vocabularies and their terms, and the
//! refusal of a reference to a record that does not exist. The area's rule keys are
//! `pro.input.*` (these) and `pro.def.*` (defenders) in `crates/dignity-web/i18n/protection/`.

pub mod defenders;
pub mod missing;
pub mod sources;

use crate::Invalid;
use chrono::NaiveDate;
use std::borrow::Cow;

/// A field's name, given as a constant or built at run time.
pub type Field = Cow<'static, str>;

/// A full calendar date (`YYYY-MM-DD`), with the field named in the refusal.
pub fn day(field: impl Into<Field>, raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        Invalid::rule(
            field,
            "pro.input.not_a_date",
            "{value} is not a date (YYYY-MM-DD)",
        )
        .arg("value", format!("{:?}", raw.trim()))
    })
}

/// An optional full date: empty is `None`.
pub fn opt_day(field: impl Into<Field>, raw: &str) -> Result<Option<NaiveDate>, Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        day(field, raw).map(Some)
    }
}

/// A date no later than `today`.
pub fn not_future(
    field: impl Into<Field>,
    d: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, Invalid> {
    if d > today {
        Err(Invalid::rule(field, "pro.input.future", "{date} is in the future").arg("date", d))
    } else {
        Ok(d)
    }
}

/// The day something happened: `today` when not given, otherwise a full date no later than
/// `today` (the default of every "on" field: assessed, requested, done…).
pub fn past_day_or_today(
    field: &'static str,
    raw: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Invalid> {
    if raw.trim().is_empty() {
        Ok(today)
    } else {
        not_future(field, day(field, raw)?, today)
    }
}

/// An amount of money as entered (`1500`, `1500.50`, `1 500,50`) in cents; empty is `None`.
pub fn cents(field: impl Into<Field>, raw: &str) -> Result<Option<i64>, Invalid> {
    let t: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect::<String>()
        .replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    let field = field.into();
    let bad = || {
        Invalid::rule(
            field.clone(),
            "pro.input.not_an_amount",
            "{value} is not an amount (e.g. 1500 or 1500.50)",
        )
        .arg("value", format!("{:?}", raw.trim()))
    };
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
    w.checked_mul(100)
        .and_then(|x| x.checked_add(f))
        .map(Some)
        .ok_or_else(bad)
}

/// Cents as text (`1500.50`); nothing for `None`.
pub fn money(c: Option<i64>) -> String {
    c.map(|c| format!("{}.{:02}", c / 100, c % 100))
        .unwrap_or_default()
}

/// An ISO 4217 currency code (three capital letters; small letters are raised).
pub fn currency(field: impl Into<Field>, raw: &str) -> Result<String, Invalid> {
    let c = raw.trim().to_ascii_uppercase();
    if c.len() == 3 && c.chars().all(|x| x.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(Invalid::rule(
            field,
            "pro.input.currency",
            "a currency is a three-letter ISO 4217 code such as EUR or USD",
        ))
    }
}

// ----------------------------------------------------------- vocabularies --

/// The kinds of local vocabulary of the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// Areas of work of defenders.
    Area,
    /// Types of attack (each mapped to a HURIDOCS type of act).
    Attack,
}

impl TermKind {
    pub const ALL: [TermKind; 2] = [TermKind::Area, TermKind::Attack];
    pub const CODES: &'static [&'static str] = &["area", "attack"];

    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Area => "area",
            TermKind::Attack => "attack",
        }
    }

    pub fn parse(raw: &str) -> Result<TermKind, Invalid> {
        match raw {
            "area" => Ok(TermKind::Area),
            "attack" => Ok(TermKind::Attack),
            _ => Err(Invalid::rule(
                "kind",
                "pro.input.term_kind",
                "{value}: expected area or attack",
            )
            .arg("value", format!("{raw:?}"))),
        }
    }
}

/// The longest label of a term.
pub const TERM_LABEL_MAX: usize = 200;

/// A term as an editor typed it, checked: its kind, the English label (required) and, for
/// a type of attack, the type of act it maps to (a micro-thesaurus 4 code; `None`: keep the
/// one it has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermCheck {
    pub kind: TermKind,
    pub label_en: String,
    pub act_type: Option<String>,
}

/// Check a term's kind, English label and type of act.
pub fn parse_term(kind: &str, label_en: &str, act_type: &str) -> Result<TermCheck, Invalid> {
    let kind = TermKind::parse(kind)?;
    let label = label_en.trim();
    if label.is_empty() || label_en.chars().count() > TERM_LABEL_MAX {
        return Err(Invalid::rule(
            "label_en",
            "pro.input.label_en",
            "the English label is required (at most 200 characters)",
        ));
    }
    let act = act_type.trim();
    if kind == TermKind::Attack && !act.is_empty() && !act.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::rule(
            "act_type",
            "pro.input.act_type",
            "a type of act is a micro-thesaurus 4 code",
        ));
    }
    Ok(TermCheck {
        kind,
        label_en: label.to_string(),
        act_type: Some(act.to_string()).filter(|a| !a.is_empty()),
    })
}

// ------------------------------------------------------------- references --

/// What a reference of an input points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refers {
    Person,
    Defender,
    User,
    Event,
    Intervention,
}

/// A reference (`field` = `id`) to a record that does not exist, or that the writer may not
/// see (the two answer the same).
pub fn no_such(field: &'static str, what: Refers, id: i64) -> Invalid {
    let (key, en) = match what {
        Refers::Person => ("pro.input.no_person", "no person {id}"),
        Refers::Defender => ("pro.input.no_defender", "no defender {id}"),
        Refers::User => ("pro.input.no_user", "no user {id}"),
        Refers::Event => ("pro.input.no_event", "no event {id}"),
        Refers::Intervention => ("pro.input.no_intervention", "no intervention {id}"),
    };
    Invalid::rule(field, key, en).arg("id", id)
}

/// The record a person already has, one per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnePerPerson {
    DefenderProfile,
    MissingCase,
}

/// A profile or a case opened on a person who already has one (`person_id`).
pub fn person_taken(what: OnePerPerson) -> Invalid {
    match what {
        OnePerPerson::DefenderProfile => Invalid::rule(
            "person_id",
            "pro.input.has_profile",
            "this person already has a defender profile",
        ),
        OnePerPerson::MissingCase => Invalid::rule(
            "person_id",
            "pro.input.has_case",
            "this person already has a missing person case",
        ),
    }
}

/// Every rule key of this file and of [`defenders`] (the web catalogs must have them all).
pub const RULE_KEYS: &[&str] = &[
    "pro.input.not_a_date",
    "pro.input.future",
    "pro.input.not_an_amount",
    "pro.input.currency",
    "pro.input.term_kind",
    "pro.input.label_en",
    "pro.input.act_type",
    "pro.input.no_person",
    "pro.input.no_defender",
    "pro.input.no_user",
    "pro.input.no_event",
    "pro.input.no_intervention",
    "pro.input.has_profile",
    "pro.input.has_case",
];

#[cfg(test)]
mod tests;
