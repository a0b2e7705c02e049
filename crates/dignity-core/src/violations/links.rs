//! Information (a source's account of an event, an act or a person), chains of events and
//! relationships between persons: what each must hold before the store writes it. The
//! store checks vocabulary codes (loaded from the database) and that the records named
//! exist; the rest is here.

use super::dates::Period;
use crate::Invalid;

/// What a piece of information is about: an event, an act, a person, or several of these;
/// never nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    pub event_id: Option<i64>,
    pub act_id: Option<i64>,
    pub person_id: Option<i64>,
}

impl About {
    pub fn parse(
        event_id: Option<i64>,
        act_id: Option<i64>,
        person_id: Option<i64>,
    ) -> Result<About, Invalid> {
        if event_id.is_none() && act_id.is_none() && person_id.is_none() {
            return Err(Invalid::rule(
                "event_id",
                "vio.rule.information_about",
                "information is about an event, an act or a person",
            ));
        }
        Ok(About {
            event_id,
            act_id,
            person_id,
        })
    }

    /// The event the information goes under, once the store found the event of its act
    /// (`act_event`, when it names an act): the act's event, which must be the event given
    /// if one was.
    pub fn event(&self, act_event: Option<i64>) -> Result<Option<i64>, Invalid> {
        match act_event {
            Some(e) if self.event_id.is_some_and(|x| x != e) => Err(another_event()),
            Some(e) => Ok(Some(e)),
            None => Ok(self.event_id),
        }
    }
}

/// An act named by information that stays under `event_id` (an edit does not move it):
/// the act's event (`act_event`) must be that event; information about a person alone
/// names no act.
pub fn act_within(event_id: Option<i64>, act_event: i64) -> Result<(), Invalid> {
    if event_id == Some(act_event) {
        Ok(())
    } else {
        Err(another_event())
    }
}

fn another_event() -> Invalid {
    Invalid::rule(
        "act_id",
        "vio.rule.act_of_another_event",
        "the act belongs to another event",
    )
}

/// A chain of events: `from` relates to `to` as `link_type` (micro-thesaurus 22, already
/// checked against the vocabulary; `None` when none was chosen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLink {
    pub from: i64,
    pub to: i64,
    pub link_type: String,
}

impl EventLink {
    pub fn parse(from: i64, to: i64, link_type: Option<String>) -> Result<EventLink, Invalid> {
        let link_type = link_type.ok_or_else(|| {
            Invalid::rule(
                "link_type",
                "vio.rule.event_link_type",
                "choose a type of chain of events",
            )
        })?;
        if from == to {
            return Err(Invalid::rule(
                "to_event",
                "vio.rule.event_link_self",
                "an event cannot be chained to itself",
            ));
        }
        Ok(EventLink {
            from,
            to,
            link_type,
        })
    }
}

/// A relationship between two persons (micro-thesaurus 21, already checked against the
/// vocabulary; `None` when none was chosen), over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLink {
    pub a: i64,
    pub b: i64,
    pub link_type: String,
    pub period: Period,
}

impl PersonLink {
    pub fn parse(
        a: i64,
        b: i64,
        link_type: Option<String>,
        start: &str,
        end: &str,
    ) -> Result<PersonLink, Invalid> {
        let link_type = link_type.ok_or_else(|| {
            Invalid::rule(
                "link_type",
                "vio.rule.person_link_type",
                "choose a type of relationship",
            )
        })?;
        if a == b {
            return Err(Invalid::rule(
                "person_b",
                "vio.rule.person_link_self",
                "a person cannot be related to themselves",
            ));
        }
        let period = Period::parse("start_date", start, "end_date", end)?;
        Ok(PersonLink {
            a,
            b,
            link_type,
            period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn information_is_about_something_and_its_act_is_of_its_event() {
        let e = About::parse(None, None, None).unwrap_err();
        assert_eq!(e.field, "event_id");
        assert_eq!(
            e.message(),
            "information is about an event, an act or a person"
        );
        for (ev, act, person) in [
            (Some(1), None, None),
            (None, Some(2), None),
            (None, None, Some(3)),
            (Some(1), Some(2), Some(3)),
        ] {
            let a = About::parse(ev, act, person).unwrap();
            assert_eq!((a.event_id, a.act_id, a.person_id), (ev, act, person));
        }
        // The act's event is the event, given or not; another one is refused.
        let a = About::parse(None, Some(2), None).unwrap();
        assert_eq!(a.event(Some(9)).unwrap(), Some(9));
        let a = About::parse(Some(9), Some(2), None).unwrap();
        assert_eq!(a.event(Some(9)).unwrap(), Some(9));
        let e = a.event(Some(8)).unwrap_err();
        assert_eq!(e.field, "act_id");
        assert_eq!(e.message(), "the act belongs to another event");
        let a = About::parse(None, None, Some(3)).unwrap();
        assert_eq!(a.event(None).unwrap(), None);
    }

    #[test]
    fn an_edited_information_keeps_its_acts_within_its_event() {
        assert!(act_within(Some(3), 3).is_ok());
        for (ev, act_ev) in [(Some(3), 4), (None, 4)] {
            let e = act_within(ev, act_ev).unwrap_err();
            assert_eq!(e.field, "act_id");
            assert_eq!(e.message(), "the act belongs to another event");
        }
    }

    #[test]
    fn a_chain_needs_a_type_and_two_events() {
        let l = EventLink::parse(1, 2, Some("2201".into())).unwrap();
        assert_eq!((l.from, l.to, l.link_type.as_str()), (1, 2, "2201"));
        let e = EventLink::parse(1, 2, None).unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("link_type", "choose a type of chain of events")
        );
        let e = EventLink::parse(4, 4, Some("2201".into())).unwrap_err();
        assert_eq!(e.field, "to_event");
        assert_eq!(e.message(), "an event cannot be chained to itself");
    }

    #[test]
    fn a_relationship_needs_a_type_two_persons_and_a_period_in_order() {
        let l = PersonLink::parse(1, 2, Some("2101".into()), "2020", "2021-03").unwrap();
        assert_eq!(l.period.start.to_string(), "2020");
        assert_eq!(l.period.end.to_string(), "2021-03");
        let e = PersonLink::parse(1, 2, None, "", "").unwrap_err();
        assert_eq!(e.field, "link_type");
        assert_eq!(e.message(), "choose a type of relationship");
        let e = PersonLink::parse(5, 5, Some("2101".into()), "", "").unwrap_err();
        assert_eq!(e.field, "person_b");
        assert_eq!(e.message(), "a person cannot be related to themselves");
        let e = PersonLink::parse(1, 2, Some("2101".into()), "2021", "2020").unwrap_err();
        assert_eq!(e.field, "end_date");
        assert!(matches!(e.problem, Problem::Rule { .. }));
    }
}
