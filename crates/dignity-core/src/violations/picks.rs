//! What the area's forms and API bodies give besides records: people picked from a list
//! (`#12 — name`), the number of another event, whole numbers, a source chosen or named,
//! and a JSON body that does not read as the record it should be.

use crate::Invalid;
use std::borrow::Cow;
use std::fmt;

/// A person picked in an edit form: a person already recorded (`reference`, read from
/// `#12 — name`).
pub fn picked_person(
    field: impl Into<Cow<'static, str>>,
    reference: Option<i64>,
) -> Result<i64, Invalid> {
    reference.ok_or_else(|| {
        Invalid::rule(
            field,
            "vio.rule.pick_person",
            "pick a person already recorded (#number — name); add new people from the event page",
        )
    })
}

/// A person picked by number (`#12`) that does not exist or that the reader may not see
/// (the same answer).
pub fn no_person_picked(field: impl Into<Cow<'static, str>>, id: i64) -> Invalid {
    Invalid::rule(field, "vio.rule.no_person_picked", "no person #{id}").arg("id", id)
}

/// The person of a death penalty case (`#12`).
pub fn case_person(reference: Option<i64>) -> Result<i64, Invalid> {
    reference
        .ok_or_else(|| Invalid::rule("person", "vio.rule.choose_person", "choose a person (#id)"))
}

/// The source of a piece of information: a person chosen or named in the form.
pub fn source(source_id: Option<i64>) -> Result<i64, Invalid> {
    source_id.ok_or_else(|| {
        Invalid::rule(
            "source_name",
            "vio.rule.choose_source",
            "choose or name the source",
        )
    })
}

/// The number of another event (`12` or `#12`) to chain to.
pub fn event_number(raw: &str) -> Result<i64, Invalid> {
    raw.trim().trim_start_matches('#').parse().map_err(|_| {
        Invalid::rule(
            "to_event",
            "vio.rule.event_number",
            "give the number of the other event",
        )
    })
}

/// An optional whole number (empty: none).
pub fn whole_number(
    field: impl Into<Cow<'static, str>>,
    raw: &str,
) -> Result<Option<i64>, Invalid> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| Invalid::rule(field, "vio.rule.whole_number", "expected a whole number"))
}

/// An API body that does not read as the record it should be (`reason`: what the JSON
/// reader said).
pub fn body(reason: impl fmt::Display) -> Invalid {
    Invalid::rule("body", "vio.rule.body", "{reason}").arg("reason", reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_and_numbers_name_their_field() {
        assert_eq!(picked_person("person_b", Some(3)).unwrap(), 3);
        let e = picked_person("victim_id", None).unwrap_err();
        assert_eq!(e.field, "victim_id");
        assert!(e.message().starts_with("pick a person already recorded"));
        assert_eq!(no_person_picked("person_b", 9).message(), "no person #9");
        assert_eq!(case_person(None).unwrap_err().field, "person");
        assert_eq!(
            source(None).unwrap_err().message(),
            "choose or name the source"
        );
        assert_eq!(event_number(" #12").unwrap(), 12);
        for bad in ["", "twelve", "#"] {
            let e = event_number(bad).unwrap_err();
            assert_eq!(e.field, "to_event");
        }
        assert_eq!(whole_number("group_size", "").unwrap(), None);
        assert_eq!(whole_number("group_size", "40").unwrap(), Some(40));
        let e = whole_number("group_size", "4.5").unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("group_size", "expected a whole number")
        );
        assert_eq!(body("expected a string").field, "body");
    }
}
