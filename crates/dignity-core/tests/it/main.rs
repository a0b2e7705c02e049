//! Property tests of the core rules: one integration-test binary for the crate, one module
//! per area. Each property states a rule as the code documents it and checks it over a space
//! of inputs (`proptest`); case counts are capped so that the binary runs in seconds in a
//! debug build, and no failure file is written into the tree (a failing case is printed,
//! shrunk, in the test's output).

mod accounts;
mod audit;
mod auth;
mod crypto;
mod newtypes;
mod obligations;
mod protection;
mod text;
mod violations;

use chrono::{Datelike as _, NaiveDate};
use dignity_core::{Invalid, PartialDate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

/// `cases` cases per property (`PROPTEST_CASES` overrides it, for a deeper run by hand),
/// and no failure file persisted.
pub fn config(cases: u32) -> Config {
    let env = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok());
    Config {
        cases: env.unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A refusal, if `r` is one, names one of `fields`.
pub fn names<T>(r: Result<T, Invalid>, fields: &[&str]) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(
            fields.contains(&&*e.field),
            "{} names none of {:?}",
            e,
            fields
        );
    }
    Ok(())
}

/// Any text a form or an API body could send: any Unicode (control characters included),
/// near-miss ASCII with surrounding white space, and long strings.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => "[ \t\r\n]{0,2}[a-zA-Z0-9_~:/.,;%&#-]{0,16}[ \t\r\n]{0,2}",
        1 => proptest::collection::vec(any::<char>(), 0..1500)
            .prop_map(|v| v.into_iter().collect::<String>()),
        1 => "\\PC{300,400}",
    ]
}

/// A calendar day of the years `from` to `to`.
fn days(from: i32, to: i32) -> impl Strategy<Value = NaiveDate> {
    let first = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap().num_days_from_ce();
    (first(from, 1, 1)..=first(to, 12, 31))
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

/// A calendar day of years 1000 to 9999 (what a four-digit date can name).
pub fn day() -> impl Strategy<Value = NaiveDate> {
    days(1000, 9999)
}

/// A day of the years people record now (1900 to 2100), where most dates fall.
pub fn recent_day() -> impl Strategy<Value = NaiveDate> {
    days(1900, 2100)
}

/// The raw text of a date field: a well-formed day, or any text.
pub fn day_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => day().prop_map(|d| d.to_string()),
        1 => text(),
    ]
}

/// A partial date of every shape, with the text it is written as.
pub fn partial_date() -> impl Strategy<Value = (PartialDate, String)> {
    (day(), 0..5u8).prop_map(|(d, shape)| {
        let s = match shape {
            0 => String::new(),
            1 => d.format("%Y").to_string(),
            2 => d.format("%Y-%m").to_string(),
            3 => d.format("%Y-%m-%d").to_string(),
            _ => d.format("~%Y-%m-%d").to_string(),
        };
        (
            PartialDate::parse(&s).expect("a well-formed date parses"),
            s,
        )
    })
}
