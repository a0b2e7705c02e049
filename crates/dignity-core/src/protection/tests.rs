//! The shared input rules of the protection area, without a database.

use super::*;
use crate::Problem;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// A date of a test (`YYYY-MM-DD`); also the defenders' tests'.
pub(super) fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The rule key of a refusal; also the defenders' tests'.
pub(super) fn key(e: &Invalid) -> &'static str {
    match e.problem {
        Problem::Rule { key, .. } => key,
        _ => panic!("expected a rule, got {e}"),
    }
}

#[test]
fn dates_are_full_days_named_by_field_and_not_in_the_future() {
    assert_eq!(day("on", " 2024-02-29 ").unwrap(), d("2024-02-29"));
    let e = day("changed_on", "2024-02-30").unwrap_err();
    assert_eq!(e.field, "changed_on");
    assert_eq!(e.message(), "\"2024-02-30\" is not a date (YYYY-MM-DD)");
    assert!(day("on", "2024-03").is_err(), "a month is not a day");
    assert_eq!(opt_day("on", "  ").unwrap(), None);
    let today = d("2024-06-01");
    assert_eq!(not_future("on", today, today).unwrap(), today);
    let e = not_future("on", d("2024-06-02"), today).unwrap_err();
    assert_eq!((e.field.as_ref(), key(&e)), ("on", "pro.input.future"));
    assert_eq!(e.message(), "2024-06-02 is in the future");
    assert_eq!(past_day_or_today("on", "", today).unwrap(), today);
    assert_eq!(
        past_day_or_today("on", "2024-01-05", today).unwrap(),
        d("2024-01-05")
    );
}

#[test]
fn any_day_up_to_today_is_accepted_and_any_later_one_refused() {
    // A property over the space of (day, today) pairs: the day parses back from its own
    // text, and is refused exactly when it comes after today.
    let mut rng = StdRng::seed_from_u64(16101);
    let base = d("1950-01-01");
    for _ in 0..2000 {
        let a = base + chrono::Duration::days(rng.gen_range(0..40_000));
        let today = base + chrono::Duration::days(rng.gen_range(0..40_000));
        assert_eq!(day("on", &a.to_string()).unwrap(), a);
        let r = past_day_or_today("on", &a.to_string(), today);
        assert_eq!(r.is_ok(), a <= today, "{a} on {today}");
    }
}

#[test]
fn amounts_are_cents_and_currencies_three_letters() {
    assert_eq!(cents("a", "1500").unwrap(), Some(150000));
    assert_eq!(cents("a", "1 500,5").unwrap(), Some(150050));
    assert_eq!(cents("a", "1\u{a0}500.05").unwrap(), Some(150005));
    assert_eq!(cents("a", "").unwrap(), None);
    for bad in ["12.345", "-5", ".5", "1.2.3", "99999999999999999999", "ten"] {
        let e = cents("amount", bad).unwrap_err();
        assert_eq!(
            (e.field.as_ref(), key(&e)),
            ("amount", "pro.input.not_an_amount")
        );
    }
    assert_eq!(money(Some(150050)), "1500.50");
    assert_eq!(money(Some(7)), "0.07");
    assert_eq!(money(None), "");
    assert_eq!(currency("c", " eur ").unwrap(), "EUR");
    for bad in ["euro", "E1R", "", "€"] {
        assert_eq!(
            key(&currency("currency", bad).unwrap_err()),
            "pro.input.currency"
        );
    }
}

#[test]
fn any_amount_round_trips_through_its_text() {
    let mut rng = StdRng::seed_from_u64(1500);
    for _ in 0..2000 {
        let c: i64 = rng.gen_range(0..10_000_000_000);
        assert_eq!(cents("a", &money(Some(c))).unwrap(), Some(c), "{c}");
    }
}

#[test]
fn terms_need_a_kind_an_english_label_and_a_numeric_type_of_act() {
    let t = parse_term("attack", " Threats ", " 0103 ").unwrap();
    assert_eq!(
        t,
        TermCheck {
            kind: TermKind::Attack,
            label_en: "Threats".into(),
            act_type: Some("0103".into()),
        }
    );
    assert_eq!(parse_term("area", "Land", "").unwrap().act_type, None);
    let e = parse_term("colour", "Red", "").unwrap_err();
    assert_eq!((e.field.as_ref(), key(&e)), ("kind", "pro.input.term_kind"));
    assert_eq!(e.message(), "\"colour\": expected area or attack");
    let e = parse_term("area", "  ", "").unwrap_err();
    assert_eq!(e.field, "label_en");
    assert!(e.message().contains("the English label is required"));
    assert_eq!(
        parse_term("area", &"x".repeat(201), "").unwrap_err().field,
        "label_en"
    );
    let e = parse_term("attack", "Threats", "threat").unwrap_err();
    assert_eq!(e.field, "act_type");
    assert!(e.message().contains("micro-thesaurus 4"));
    // An area has no type of act: whatever is typed there is not checked.
    assert!(parse_term("area", "Land", "x").is_ok());
}

#[test]
fn references_and_one_record_per_person_name_the_field() {
    let e = no_such("defender_id", Refers::Defender, 7);
    assert_eq!(e.to_string(), "defender_id: no defender 7");
    assert_eq!(
        no_such("contact_user", Refers::User, 3).message(),
        "no user 3"
    );
    let e = person_taken(OnePerPerson::MissingCase);
    assert_eq!(e.field, "person_id");
    assert_eq!(e.message(), "this person already has a missing person case");
}

#[test]
fn every_rule_key_is_listed() {
    // The keys the refusals above carry are all in RULE_KEYS (the catalogs' checklist).
    let made = [
        day("a", "x").unwrap_err(),
        not_future("a", d("2024-01-02"), d("2024-01-01")).unwrap_err(),
        cents("a", "x").unwrap_err(),
        currency("a", "x").unwrap_err(),
        parse_term("x", "a", "").unwrap_err(),
        parse_term("area", "", "").unwrap_err(),
        parse_term("attack", "a", "x").unwrap_err(),
        no_such("a", Refers::Person, 1),
        no_such("a", Refers::Defender, 1),
        no_such("a", Refers::User, 1),
        no_such("a", Refers::Event, 1),
        no_such("a", Refers::Intervention, 1),
        person_taken(OnePerPerson::DefenderProfile),
        person_taken(OnePerPerson::MissingCase),
    ];
    let keys: Vec<&str> = made.iter().map(key).collect();
    assert_eq!(keys, RULE_KEYS);
}
