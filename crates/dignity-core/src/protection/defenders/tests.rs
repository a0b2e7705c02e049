//! The defenders' rules, without a database.

use super::*;
use crate::protection::tests::{d, key};
use crate::Problem;
use rand::{rngs::StdRng, Rng, SeedableRng};

const TODAY: &str = "2024-06-15";

#[test]
fn vocabularies_parse_their_codes_and_refuse_others_naming_the_field() {
    assert_eq!(
        SdgStatus::parse("sdg_status", " journalist ").unwrap(),
        SdgStatus::Journalist
    );
    for (i, c) in MeasureType::CODES.iter().enumerate() {
        assert_eq!(MeasureType::ALL[i].as_str(), *c);
        assert_eq!(MeasureType::from_code(c), Some(MeasureType::ALL[i]));
    }
    let e = PerpetratorCategory::parse("perpetrator_category", "aliens").unwrap_err();
    assert_eq!(e.field, "perpetrator_category");
    match e.problem {
        Problem::NotOneOf { value, allowed } => {
            assert_eq!(value, "aliens");
            assert!(allowed.contains(&"state_actor".to_string()));
        }
        p => panic!("{p:?}"),
    }
    assert_eq!(RiskLevel::High.to_string(), "high");
    assert!(RiskLevel::Low < RiskLevel::Extreme);
}

#[test]
fn a_profile_defaults_to_hrd_keeps_known_areas_once_and_bounds_the_organisation() {
    let known = vec!["land".to_string(), "press".to_string()];
    let p = parse_profile(
        "",
        "Org",
        &[" land ".into(), "".into(), "land".into(), "press".into()],
        &known,
    )
    .unwrap();
    assert_eq!(p.sdg_status, SdgStatus::Hrd);
    assert_eq!(p.areas, ["land", "press"]);
    let e = parse_profile("", "", &["sea".into()], &known).unwrap_err();
    assert_eq!(
        (e.field.as_ref(), key(&e)),
        ("areas", "pro.def.not_an_area")
    );
    assert_eq!(e.message(), "\"sea\" is not an area of work");
    assert_eq!(
        parse_profile("poet", "", &[], &known).unwrap_err().field,
        "sdg_status"
    );
    let e = parse_profile("", &"é".repeat(301), &[], &known).unwrap_err();
    assert_eq!(e.problem, Problem::TooLong { max: 300 });
    assert!(parse_profile("", &"é".repeat(300), &[], &known).is_ok());
}

#[test]
fn an_attack_takes_its_type_of_act_from_its_type_unless_overridden() {
    let today = d(TODAY);
    let raw = AttackRaw {
        date: "2024-01-01",
        ..Default::default()
    };
    let a = parse_attack(&raw, "0103", today).unwrap();
    assert_eq!(a.act_type, "0103");
    assert_eq!(a.victim_status, None, "the defender's own status");
    assert_eq!(a.perpetrator_category, PerpetratorCategory::Unknown);
    assert_eq!(a.motive, Motive::Unknown);
    let a = parse_attack(
        &AttackRaw {
            act_type: "0200",
            victim_status: "journalist",
            ..raw
        },
        "0103",
        today,
    )
    .unwrap();
    assert_eq!(
        (a.act_type.as_str(), a.victim_status),
        ("0200", Some(SdgStatus::Journalist))
    );
    let e = parse_attack(&raw, "", today).unwrap_err();
    assert_eq!(
        (e.field.as_ref(), key(&e)),
        ("act_type", "pro.def.no_act_type")
    );
    for (bad, field) in [
        (
            AttackRaw {
                date: "2999-01-01",
                ..raw
            },
            "date",
        ),
        (AttackRaw { date: "", ..raw }, "date"),
        (
            AttackRaw {
                perpetrator_category: "aliens",
                ..raw
            },
            "perpetrator_category",
        ),
        (
            AttackRaw {
                motive: "boredom",
                ..raw
            },
            "motive",
        ),
        (
            AttackRaw {
                victim_status: "poet",
                ..raw
            },
            "victim_status",
        ),
    ] {
        assert_eq!(parse_attack(&bad, "0103", today).unwrap_err().field, field);
    }
    assert_eq!(unknown_attack_type().field, "attack_type");
}

#[test]
fn a_risk_assessment_is_reviewed_after_it_is_made() {
    let today = d(TODAY);
    let r = parse_risk(
        "high",
        &[
            "surveillance".into(),
            "impunity".into(),
            "surveillance".into(),
        ],
        "",
        "2024-07-15",
        today,
    )
    .unwrap();
    assert_eq!(r.level, RiskLevel::High);
    assert_eq!(r.factors, [RiskFactor::Surveillance, RiskFactor::Impunity]);
    assert_eq!(r.assessed_on, today);
    let e = parse_risk("high", &[], "2024-06-01", "2024-06-01", today).unwrap_err();
    assert_eq!(
        (e.field.as_ref(), key(&e)),
        ("next_review", "pro.def.review_after_assessment")
    );
    assert_eq!(
        parse_risk("dire", &[], "", "2024-07-01", today)
            .unwrap_err()
            .field,
        "level"
    );
    assert_eq!(
        parse_risk("low", &["luck".into()], "", "2024-07-01", today)
            .unwrap_err()
            .field,
        "factors"
    );
    assert_eq!(
        parse_risk("low", &[], "2024-07-01", "2024-08-01", today)
            .unwrap_err()
            .field,
        "assessed_on"
    );
    assert_eq!(
        parse_risk("low", &[], "", "", today).unwrap_err().field,
        "next_review"
    );
}

fn grant<'a>() -> MeasureRequestRaw<'a> {
    MeasureRequestRaw {
        measure_type: "emergency_grant",
        amount: "1 500,50",
        currency: "eur",
        ..Default::default()
    }
}

fn relocation<'a>(end: &'a str) -> MeasureRequestRaw<'a> {
    MeasureRequestRaw {
        measure_type: "relocation",
        requested_on: "2024-03-01",
        host: "Shelter city",
        period_start: "2024-03-01",
        period_end: end,
        visa: "Schengen",
        security_plan: "Plan",
        ..Default::default()
    }
}

#[test]
fn a_measure_request_has_what_its_type_needs() {
    let today = d(TODAY);
    let g = parse_measure_request(&grant(), today).unwrap();
    assert_eq!(g.measure_type, MeasureType::EmergencyGrant);
    assert_eq!(g.requested_on, today);
    assert_eq!(
        g.terms,
        MeasureTerms::Grant {
            amount: 150050,
            currency: "EUR".into()
        }
    );
    for (bad, field) in [
        (
            MeasureRequestRaw {
                amount: "",
                ..grant()
            },
            "amount",
        ),
        (
            MeasureRequestRaw {
                amount: "0",
                ..grant()
            },
            "amount",
        ),
        (
            MeasureRequestRaw {
                amount: "ten",
                ..grant()
            },
            "amount",
        ),
        (
            MeasureRequestRaw {
                currency: "euro",
                ..grant()
            },
            "currency",
        ),
        (
            MeasureRequestRaw {
                measure_type: "cake",
                ..grant()
            },
            "measure_type",
        ),
        (
            MeasureRequestRaw {
                requested_on: "2030-01-01",
                ..grant()
            },
            "requested_on",
        ),
        (relocation("2024-05-31"), "period_end"),
        (
            MeasureRequestRaw {
                host: " ",
                ..relocation("2024-11-30")
            },
            "host",
        ),
        (
            MeasureRequestRaw {
                visa: "",
                ..relocation("2024-11-30")
            },
            "visa",
        ),
        (
            MeasureRequestRaw {
                security_plan: "",
                ..relocation("2024-11-30")
            },
            "security_plan",
        ),
        (
            MeasureRequestRaw {
                period_start: "soon",
                ..relocation("2024-11-30")
            },
            "period_start",
        ),
    ] {
        assert_eq!(
            parse_measure_request(&bad, today).unwrap_err().field,
            field,
            "{bad:?}"
        );
    }
    let r = parse_measure_request(&relocation("2024-11-30"), today).unwrap();
    assert_eq!(
        r.terms,
        MeasureTerms::Relocation {
            start: d("2024-03-01"),
            end: d("2024-11-30")
        }
    );
    // Other types need nothing more.
    let raw = MeasureRequestRaw {
        measure_type: "legal_support",
        ..Default::default()
    };
    assert_eq!(
        parse_measure_request(&raw, today).unwrap().terms,
        MeasureTerms::Other
    );
}

#[test]
fn a_relocation_lasts_six_to_twelve_months_whatever_its_start() {
    assert!(relocation_period_ok(d("2024-01-01"), d("2024-06-30")));
    assert!(!relocation_period_ok(d("2024-01-01"), d("2024-06-29")));
    assert!(relocation_period_ok(d("2024-01-01"), d("2025-01-01")));
    assert!(!relocation_period_ok(d("2024-01-01"), d("2025-01-02")));
    // A property over starts and lengths: any end from the day before six months to twelve
    // months is accepted, any other refused.
    let mut rng = StdRng::seed_from_u64(612);
    for _ in 0..3000 {
        let start = d("2000-01-01") + chrono::Duration::days(rng.gen_range(0..12_000));
        let end = start + chrono::Duration::days(rng.gen_range(-30..500));
        let six = start.checked_add_months(chrono::Months::new(6)).unwrap();
        let twelve = start.checked_add_months(chrono::Months::new(12)).unwrap();
        let expect = end >= six.pred_opt().unwrap() && end <= twelve;
        assert_eq!(relocation_period_ok(start, end), expect, "{start} → {end}");
        if end > twelve || end < start {
            assert!(!relocation_period_ok(start, end));
        }
    }
}

#[test]
fn measures_move_on_in_order_or_close_early_and_a_closed_one_never_moves() {
    use MeasureStatus::*;
    // Every pair of statuses (the whole space of moves): allowed exactly when the state
    // machine says so; never backwards, never to itself, never out of `closed`.
    let rank = |s: MeasureStatus| MeasureStatus::ALL.iter().position(|x| *x == s).unwrap();
    for &from in MeasureStatus::ALL {
        for &to in MeasureStatus::ALL {
            let allowed = from.may_become(to);
            assert_eq!(allowed, from.transition(to).is_ok(), "{from} → {to}");
            if allowed {
                assert!(rank(to) > rank(from), "{from} → {to} goes forward");
                assert!(
                    to == Closed || rank(to) == rank(from) + 1,
                    "{from} → {to} skips a step"
                );
            }
            if from != Closed && to == Closed {
                assert!(allowed, "{from} may always be closed");
            }
        }
    }
    assert!(Closed.next().is_empty() && !Closed.is_open() && Requested.is_open());
    let e = Requested.transition(Delivered).unwrap_err();
    assert_eq!(e.field, "status");
    assert_eq!(
        e.message(),
        "a measure that is requested cannot become delivered: next is approved or closed"
    );
    let e = Closed.transition(Approved).unwrap_err();
    assert_eq!(
        (key(&e), e.message().as_str()),
        (
            "pro.def.measure_closed",
            "a measure that is closed cannot become approved (it is closed)"
        )
    );
    // Any walk through the machine from a request ends closed within three steps.
    let mut rng = StdRng::seed_from_u64(4);
    for _ in 0..200 {
        let (mut s, mut steps) = (Requested, 0);
        while s.is_open() {
            let next = s.next();
            s = s.transition(next[rng.gen_range(0..next.len())]).unwrap();
            steps += 1;
        }
        assert!(steps <= 3);
    }
}

#[test]
fn a_step_is_dated_in_order_costed_in_a_currency_and_closing_needs_an_outcome() {
    let today = d(TODAY);
    let raw = MeasureStepRaw {
        status: "delivered",
        on_date: "2024-05-01",
        cost: "900",
        cost_currency: "usd",
        ..Default::default()
    };
    let s =
        parse_measure_step(MeasureStatus::Approved, Some(d("2024-04-01")), &raw, today).unwrap();
    assert_eq!(s.to, MeasureStatus::Delivered);
    assert_eq!(s.cost, Some((90000, "USD".into())));
    let e = parse_measure_step(MeasureStatus::Approved, Some(d("2024-05-02")), &raw, today)
        .unwrap_err();
    assert_eq!(
        (e.field.as_ref(), key(&e)),
        ("on_date", "pro.def.step_out_of_order")
    );
    assert_eq!(
        e.message(),
        "out of order: the previous step was on 2024-05-02"
    );
    // The same day as the last step is in order.
    assert!(
        parse_measure_step(MeasureStatus::Approved, Some(d("2024-05-01")), &raw, today).is_ok()
    );
    for (bad, field) in [
        (
            MeasureStepRaw {
                status: "lost",
                ..raw
            },
            "status",
        ),
        (
            MeasureStepRaw {
                status: "requested",
                ..raw
            },
            "status",
        ),
        (
            MeasureStepRaw {
                on_date: "2099-01-01",
                ..raw
            },
            "on_date",
        ),
        (
            MeasureStepRaw {
                cost: "lots",
                ..raw
            },
            "cost",
        ),
        (
            MeasureStepRaw {
                cost_currency: "",
                ..raw
            },
            "cost_currency",
        ),
        (
            MeasureStepRaw {
                status: "closed",
                ..raw
            },
            "outcome",
        ),
    ] {
        assert_eq!(
            parse_measure_step(MeasureStatus::Approved, None, &bad, today)
                .unwrap_err()
                .field,
            field
        );
    }
    let close = MeasureStepRaw {
        status: "closed",
        outcome: "Returned safely",
        on_date: "",
        cost: "",
        ..raw
    };
    let s = parse_measure_step(MeasureStatus::Delivered, None, &close, today).unwrap();
    assert_eq!((s.to, s.on, s.cost), (MeasureStatus::Closed, today, None));
}

#[test]
fn a_check_in_is_overdue_from_the_day_after_it_was_due_until_it_is_done() {
    let today = d(TODAY);
    assert_eq!(
        checkin_clock(d("2024-06-15"), None, today),
        CheckinClock::Due { days_left: 0 }
    );
    assert_eq!(
        checkin_clock(d("2024-06-20"), None, today),
        CheckinClock::Due { days_left: 5 }
    );
    assert_eq!(
        checkin_clock(d("2024-06-14"), None, today),
        CheckinClock::Overdue { days: 1 }
    );
    assert_eq!(
        checkin_clock(d("2024-01-01"), Some(d("2024-02-01")), today),
        CheckinClock::Done {
            on: d("2024-02-01")
        }
    );
    // A property over due dates and days: overdue exactly when not done and due before
    // today, by the number of days between them.
    let mut rng = StdRng::seed_from_u64(1610);
    for _ in 0..3000 {
        let due = d("2020-01-01") + chrono::Duration::days(rng.gen_range(0..2000));
        let on = d("2020-01-01") + chrono::Duration::days(rng.gen_range(0..2000));
        let done = rng.gen_bool(0.3).then_some(due);
        let c = checkin_clock(due, done, on);
        assert_eq!(c.is_overdue(), done.is_none() && due < on, "{due} on {on}");
        if let CheckinClock::Overdue { days } = c {
            assert!(days >= 1 && due + chrono::Duration::days(days) == on);
        }
    }
}

#[test]
fn a_check_in_is_done_once_on_a_day_not_in_the_future() {
    let today = d(TODAY);
    assert_eq!(parse_checkin_done(None, "", today).unwrap(), today);
    assert_eq!(
        parse_checkin_done(None, "2024-06-01", today).unwrap(),
        d("2024-06-01")
    );
    let e = parse_checkin_done(Some(d("2024-06-01")), "", today).unwrap_err();
    assert_eq!(
        (e.field.as_ref(), key(&e)),
        ("done_on", "pro.def.checkin_done")
    );
    assert_eq!(e.message(), "this check-in was already done on 2024-06-01");
    assert_eq!(
        parse_checkin_done(None, "2024-07-01", today)
            .unwrap_err()
            .field,
        "done_on"
    );
    assert_eq!(parse_checkin_due("2024-02-30").unwrap_err().field, "due_on");
    assert_eq!(parse_checkin_due("2020-01-01").unwrap(), d("2020-01-01"));
    assert_eq!(not_this_defenders_measure().field, "measure_id");
}

#[test]
fn every_rule_key_is_listed() {
    let today = d(TODAY);
    let mut keys: Vec<&str> = [
        parse_profile("", "", &["x".into()], &[]).unwrap_err(),
        unknown_attack_type(),
        parse_attack(
            &AttackRaw {
                date: "2024-01-01",
                ..Default::default()
            },
            "",
            today,
        )
        .unwrap_err(),
        parse_risk("low", &[], "2024-06-01", "2024-05-01", today).unwrap_err(),
        parse_measure_request(
            &MeasureRequestRaw {
                amount: "",
                ..grant()
            },
            today,
        )
        .unwrap_err(),
        parse_measure_request(
            &MeasureRequestRaw {
                host: "",
                ..relocation("2024-11-30")
            },
            today,
        )
        .unwrap_err(),
        parse_measure_request(&relocation("2024-04-01"), today).unwrap_err(),
        parse_measure_request(
            &MeasureRequestRaw {
                visa: "",
                ..relocation("2024-11-30")
            },
            today,
        )
        .unwrap_err(),
        parse_measure_request(
            &MeasureRequestRaw {
                security_plan: "",
                ..relocation("2024-11-30")
            },
            today,
        )
        .unwrap_err(),
        MeasureStatus::Requested
            .transition(MeasureStatus::Delivered)
            .unwrap_err(),
        MeasureStatus::Closed
            .transition(MeasureStatus::Delivered)
            .unwrap_err(),
        parse_measure_step(
            MeasureStatus::Requested,
            Some(d("2024-06-10")),
            &MeasureStepRaw {
                status: "approved",
                on_date: "2024-06-01",
                ..Default::default()
            },
            today,
        )
        .unwrap_err(),
        parse_measure_step(
            MeasureStatus::Requested,
            None,
            &MeasureStepRaw {
                status: "closed",
                ..Default::default()
            },
            today,
        )
        .unwrap_err(),
        not_this_defenders_measure(),
        parse_checkin_done(Some(today), "", today).unwrap_err(),
    ]
    .iter()
    .map(key)
    .collect();
    assert_eq!(keys, RULE_KEYS);
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), RULE_KEYS.len(), "each rule has its own key");
}
