//! Violations: periods, lifespans and sentences never end before they start, the reply
//! clock of an intervention runs 60 days for the clock types only, its deadlines count the
//! days left exactly, and every field of an event, a person or an intervention is accepted
//! or refused naming the field, whatever text it holds.

use crate::{config, day, day_text, names, partial_date, recent_day, text};
use chrono::Duration;
use dignity_core::violations::death_penalty::{DeathPenaltyStatus, SentenceDates};
use dignity_core::violations::interventions::{
    deadlines, exact_day, reply_due, Days, DueKind, CLOCK_TYPES, EXTRA_TYPES, REPLY_DAYS,
};
use dignity_core::violations::persons::{age_group, group_size, name, Lifespan, PersonType};
use dignity_core::violations::{coordinates, level, title, Lenses, Period};
use dignity_core::Confidentiality;
use proptest::prelude::*;

fn int_type() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(EXTRA_TYPES.to_vec()).prop_map(String::from),
        "[0-9]{4,14}",
    ]
}

/// The end's latest day comes before the start's earliest day.
fn ends_before(s: &dignity_core::PartialDate, e: &dignity_core::PartialDate) -> bool {
    matches!((s.earliest(), e.latest()), (Some(a), Some(b)) if b < a)
}

proptest! {
    #![proptest_config(config(256))]

    /// A period, a lifespan and a death sentence are refused exactly when the end comes
    /// before the start (comparing the end's latest day with the start's earliest), naming
    /// the end's field.
    #[test]
    fn spans_never_end_before_they_start((s, st) in partial_date(), (e, et) in partial_date()) {
        let before = ends_before(&s, &e);
        match Period::parse("start_date", &st, "end_date", &et) {
            Ok(p) => prop_assert!(!before && p.start == s && p.end == e),
            Err(err) => prop_assert!(before && err.field == "end_date"),
        }
        match Lifespan::parse(&st, &et) {
            Ok(l) => prop_assert!(!before && l.birth == s && l.death == e),
            Err(err) => prop_assert!(before && err.field == "death_date"),
        }
        match SentenceDates::parse(&st, &et, "") {
            Ok(d) => prop_assert!(!before && d.sentence == s && d.execution == e),
            Err(err) => prop_assert!(before && err.field == "execution_date"),
        }
    }

    /// Any text in a span's fields is accepted or refused naming one of them.
    #[test]
    fn span_fields_parse_or_name_the_field(
        a in prop_oneof![text(), partial_date().prop_map(|p| p.1)], b in text(), c in text(),
    ) {
        if let Err(e) = Period::parse("start_date", &a, "end_date", &b) {
            prop_assert!(e.field == "start_date" || e.field == "end_date");
        }
        if let Err(e) = Lifespan::parse(&b, &a) {
            prop_assert!(e.field == "birth_date" || e.field == "death_date");
        }
        if let Err(e) = SentenceDates::parse(&a, &b, &c) {
            prop_assert!(["sentence_date", "execution_date", "commutation_date"].contains(&&*e.field));
        }
        if let Err(e) = DeathPenaltyStatus::parse(&a) {
            prop_assert_eq!(&e.field, "status");
        }
    }

    /// The reply clock of an intervention ends 60 days after it for the clock types, and
    /// does not run for the others; a response is refused only when dated before the
    /// intervention.
    #[test]
    fn the_reply_clock_runs_for_clock_types_only(
        t in int_type(), d in day(), r in proptest::option::of(day()), f in proptest::option::of(day()),
    ) {
        let show = |x: Option<chrono::NaiveDate>| x.map(|x| x.to_string()).unwrap_or_default();
        let clock = CLOCK_TYPES.contains(&t.as_str());
        prop_assert_eq!(reply_due(&t, d), clock.then(|| d + Duration::days(REPLY_DAYS)));
        match Days::parse(&t, &d.to_string(), &show(r), &show(f)) {
            Ok(p) => {
                prop_assert!(r.is_none_or(|r| r >= d));
                prop_assert_eq!((p.date, p.response, p.follow_up), (d, r, f));
                prop_assert_eq!(p.reply_due, reply_due(&t, d));
            }
            Err(e) => {
                prop_assert!(r.is_some_and(|r| r < d));
                prop_assert_eq!(&e.field, "response_date");
            }
        }
    }

    /// Any text in the days of an intervention is accepted or refused naming its field.
    #[test]
    fn intervention_days_parse_or_name_the_field(
        t in text(), a in day_text(), b in day_text(), c in day_text(), req: bool,
    ) {
        if let Err(e) = Days::parse(&t, &a, &b, &c) {
            prop_assert!(["int_date", "response_date", "follow_up_date"].contains(&&*e.field), "{}", e);
        }
        match exact_day("int_date", &a, req) {
            Ok(None) => prop_assert!(!req && a.trim().is_empty()),
            Ok(Some(d)) => prop_assert_eq!(d.to_string(), a.trim()),
            Err(e) => prop_assert_eq!(&e.field, "int_date"),
        }
    }

    /// The deadlines of an open intervention: the reply clock unless answered and the
    /// follow-up, each shown when not after the horizon (every overdue one), with the days
    /// left counted exactly (negative when overdue); more days of horizon never hide one.
    #[test]
    fn deadlines_count_the_days_left(
        reply in proptest::option::of(recent_day()), follow in proptest::option::of(recent_day()),
        responded: bool, today in recent_day(), h1 in 0i64..400, h2 in 0i64..400,
    ) {
        let show = |x: Option<chrono::NaiveDate>| x.map(|x| x.to_string()).unwrap_or_default();
        let (h1, h2) = (h1.min(h2), h1.max(h2));
        let d1 = deadlines(&show(reply), &show(follow), responded, today, h1);
        let d2 = deadlines(&show(reply), &show(follow), responded, today, h2);
        prop_assert!(d1.len() <= d2.len());
        for d in &d1 {
            prop_assert!(d2.contains(d));
        }
        for d in &d2 {
            let day = match d.kind { DueKind::Reply => reply, DueKind::FollowUp => follow }.unwrap();
            prop_assert!(d.kind != DueKind::Reply || !responded);
            prop_assert_eq!(d.days_left, (day - today).num_days());
            prop_assert!(d.days_left <= h2);
            prop_assert_eq!(d.overdue(), day < today);
        }
        for (kind, x) in [(DueKind::Reply, reply), (DueKind::FollowUp, follow)] {
            if let Some(x) = x {
                let shown = d2.iter().any(|d| d.kind == kind);
                let open = kind == DueKind::FollowUp || !responded;
                prop_assert_eq!(shown, open && (x - today).num_days() <= h2);
            }
        }
    }

    /// The fields of an event and of a person are accepted or refused naming the field,
    /// whatever text they hold; what is accepted is trimmed and within its limits.
    #[test]
    fn event_and_person_fields_parse_or_name_the_field(
        s in text(),
        list in proptest::collection::vec(prop_oneof![text(), "torture|hrd|death_penalty|disappearance| hrd "], 0..5),
        n in proptest::option::of(-3i64..5),
    ) {
        match title(&s) {
            Ok(t) => prop_assert!(t == s.trim() && !t.is_empty() && t.chars().count() <= 300),
            Err(e) => prop_assert_eq!(&e.field, "title"),
        }
        match name(&s) {
            Ok(t) => prop_assert!(t == s.trim() && !t.is_empty() && t.chars().count() <= 300),
            Err(e) => prop_assert_eq!(&e.field, "name"),
        }
        names(Lenses::parse(&list), &["lenses"])?;
        if let Ok(l) = Lenses::parse(&list) {
            let mut codes = l.codes();
            codes.dedup();
            prop_assert_eq!(codes.len(), l.0.len());
            prop_assert_eq!(Lenses::parse(&l.codes()), Ok(l));
        }
        match coordinates(&s) {
            Ok(Some(c)) => {
                prop_assert!((-90.0..=90.0).contains(&c.lat) && (-180.0..=180.0).contains(&c.lon));
                prop_assert_eq!(coordinates(&c.to_string()), Ok(Some(c)));
            }
            Ok(None) => prop_assert!(s.trim().is_empty()),
            Err(e) => prop_assert_eq!(&e.field, "coordinates"),
        }
        match level(&s, Confidentiality::Internal) {
            Ok(l) if s.trim().is_empty() => prop_assert_eq!(l, Confidentiality::Internal),
            Ok(l) => prop_assert_eq!(s.parse::<Confidentiality>(), Ok(l)),
            Err(e) => prop_assert_eq!(&e.field, "confidentiality"),
        }
        names(PersonType::parse(&s), &["person_type"])?;
        names(age_group(&s), &["age_group"])?;
        match group_size(n) {
            Ok(m) => prop_assert!(m == n && n.is_none_or(|n| n >= 1)),
            Err(e) => prop_assert!(e.field == "group_size" && n.is_some_and(|n| n < 1)),
        }
    }

    /// Coordinates in range print and parse back to themselves.
    #[test]
    fn coordinates_round_trip(lat in -90.0f64..=90.0, lon in -180.0f64..=180.0) {
        let c = coordinates(&format!("{lat}, {lon}")).unwrap().unwrap();
        prop_assert_eq!((c.lat, c.lon), (lat, lon));
        prop_assert_eq!(coordinates(&c.to_string()), Ok(Some(c)));
    }

    /// A stored day that does not parse counts as due today: it shows, with no day left.
    #[test]
    fn unreadable_stored_days_count_as_due_today(
        bad in prop_oneof![text(), "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"].prop_filter("does not parse", |s| {
            !s.is_empty() && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err()
        }),
        today in recent_day(), horizon in 0i64..400, responded: bool,
    ) {
        let d = deadlines(&bad, &bad, responded, today, horizon);
        prop_assert_eq!(d.len(), if responded { 1 } else { 2 }, "{:?}", d);
        for x in d {
            prop_assert_eq!((x.days_left, x.due), (0, bad.clone()));
        }
    }
}
