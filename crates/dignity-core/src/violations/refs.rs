//! References an input makes to records of the area that must exist (an event, an act, a
//! person): the refusal when one does not. The store looks the reference up (a record the
//! actor may not see reads the same as one that does not exist); the refusal, its field and
//! its words are the area's.

use crate::Invalid;
use std::borrow::Cow;

/// The kind of record an input referred to that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Event,
    Act,
    Person,
    /// Any record an evidence item or a custody step can be attached to.
    Record,
}

impl Missing {
    /// The refusal of `field`, which named record `id`.
    pub fn invalid(self, field: impl Into<Cow<'static, str>>, id: i64) -> Invalid {
        let (key, en) = match self {
            Missing::Event => ("vio.rule.no_event", "no event {id}"),
            Missing::Act => ("vio.rule.no_act", "no act {id}"),
            Missing::Person => ("vio.rule.no_person", "no person {id}"),
            Missing::Record => ("vio.rule.no_record", "no record {id}"),
        };
        Invalid::rule(field, key, en).arg("id", id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn a_missing_record_names_the_field_and_the_number() {
        let e = Missing::Person.invalid("person_b", 42);
        assert_eq!(e.field, "person_b");
        assert_eq!(e.message(), "no person 42");
        assert!(matches!(
            e.problem,
            Problem::Rule {
                key: "vio.rule.no_person",
                ..
            }
        ));
        assert_eq!(
            Missing::Event.invalid("to_event", 7).message(),
            "no event 7"
        );
        assert_eq!(Missing::Act.invalid("act_id", 3).message(), "no act 3");
        assert_eq!(
            Missing::Record.invalid("event_id", 9).message(),
            "no record 9"
        );
    }
}
