//! Protection: the state machines of a missing person's case and of a defender's protection
//! measure allow only their documented steps, the families' consent is the most
//! restrictive of the reports, the clocks (check-ins, family links) never run backwards,
//! and the inputs are accepted or refused naming the field.

use crate::{config, day_text, names, recent_day, text};
use dignity_core::protection::defenders::*;
use dignity_core::protection::missing::*;
use dignity_core::protection::{cents, currency, money, past_day_or_today};
use dignity_core::{Invalid, Problem};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn case_status() -> impl Strategy<Value = CaseStatus> {
    proptest::sample::select(CaseStatus::ALL.to_vec())
}

fn measure_status() -> impl Strategy<Value = MeasureStatus> {
    proptest::sample::select(MeasureStatus::ALL.to_vec())
}

/// The rank of a measure's status along requested → approved → delivered → closed.
fn rank(s: MeasureStatus) -> usize {
    MeasureStatus::ALL.iter().position(|x| *x == s).unwrap()
}

fn consent() -> impl Strategy<Value = Consent> {
    (any::<bool>(), any::<bool>()).prop_map(|(commission, organisations)| Consent {
        commission,
        organisations,
    })
}

fn is_rule(e: &Invalid, key: &str) -> bool {
    matches!(&e.problem, Problem::Rule { key: k, .. } if *k == key)
}

proptest! {
    #![proptest_config(config(256))]

    /// A case goes from one status to another exactly along `next` (never to the status
    /// it has); a refusal names the field `status` and, for a forbidden step, lists the
    /// statuses it may go to.
    #[test]
    fn a_case_moves_only_along_next(from in case_status(), to in case_status()) {
        let r = transition(from, to);
        prop_assert_eq!(r.is_ok(), from != to && from.next().contains(&to));
        prop_assert!(!from.next().contains(&from));
        if let Err(e) = r {
            prop_assert_eq!(&e.field, "status");
            if from == to {
                prop_assert!(is_rule(&e, "pro.rule.missing.status_unchanged"));
            } else {
                prop_assert!(is_rule(&e, "pro.rule.missing.status_transition"));
                for n in from.next() {
                    prop_assert!(e.message().contains(n.as_str()), "{}", e);
                }
            }
        }
        prop_assert_eq!(CaseStatus::parse("status", from.as_str()), Ok(from));
        prop_assert_eq!(CaseStatus::from_code(&from.to_string()), Some(from));
    }

    /// A history of status changes from `missing`, each accepted only when the state
    /// machine allows it, reaches only statuses reachable along `next`; a located person
    /// or identified remains never go back to missing except through `closed`, and a case
    /// identifies a death only after `deceased_identified` was reached from missing or
    /// recovered remains.
    #[test]
    fn histories_follow_the_state_machine(steps in proptest::collection::vec(case_status(), 0..40)) {
        let mut at = CaseStatus::Missing;
        let mut path = vec![at];
        for to in steps {
            if transition(at, to).is_ok() {
                prop_assert!(at.next().contains(&to));
                if to == CaseStatus::Missing {
                    prop_assert_eq!(at, CaseStatus::Closed);
                }
                if to.identifies_death() {
                    prop_assert!(matches!(at, CaseStatus::Missing | CaseStatus::RemainsUnidentified));
                }
                at = to;
                path.push(at);
            }
        }
        for w in path.windows(2) {
            prop_assert!(w[0].next().contains(&w[1]));
        }
    }

    /// A measure's status only moves forward (requested → approved → delivered → closed,
    /// or closed early) and a closed measure moves no more; each refusal names `status`.
    #[test]
    fn measures_only_move_forward(from in measure_status(), to in measure_status()) {
        match from.transition(to) {
            Ok(s) => {
                prop_assert_eq!(s, to);
                prop_assert!(rank(to) > rank(from));
                prop_assert!(from.may_become(to) && from.is_open());
                prop_assert!(to == MeasureStatus::Closed || rank(to) == rank(from) + 1);
            }
            Err(e) => {
                prop_assert_eq!(&e.field, "status");
                prop_assert!(!from.may_become(to));
                let key = if from == MeasureStatus::Closed { "pro.def.measure_closed" } else { "pro.def.measure_next" };
                prop_assert!(is_rule(&e, key), "{:?}", e);
            }
        }
        prop_assert_eq!(from.is_open(), !from.next().is_empty());
    }

    /// Every status of a measure is reachable from `requested`, and only by allowed steps:
    /// a walk of random moves never skips a status except to close.
    #[test]
    fn measure_walks_reach_only_allowed_statuses(steps in proptest::collection::vec(measure_status(), 0..20)) {
        let mut at = MeasureStatus::Requested;
        let mut seen = BTreeSet::from([at]);
        for to in steps {
            if let Ok(s) = at.transition(to) {
                prop_assert!(at.may_become(s));
                at = s;
                seen.insert(at);
            }
        }
        if seen.contains(&MeasureStatus::Delivered) {
            prop_assert!(seen.contains(&MeasureStatus::Approved));
        }
        // Reachability: the walk requested → approved → delivered → closed is allowed.
        let mut s = MeasureStatus::Requested;
        for next in &MeasureStatus::ALL[1..] {
            s = s.transition(*next).unwrap();
        }
        prop_assert_eq!(s, MeasureStatus::Closed);
    }

    /// A step of a measure is refused unless the state machine allows it, dated in the
    /// future or before the last step, or closing without an outcome; each refusal names
    /// its field.
    #[test]
    fn measure_steps_parse_or_name_the_field(
        from in measure_status(), status in prop_oneof![text(), measure_status().prop_map(|s| s.to_string())],
        on in day_text(), last in proptest::option::of(recent_day()), today in recent_day(),
        cost in prop_oneof![text(), "[0-9]{0,6}([.,][0-9]{0,3})?"],
        cur in prop_oneof![text(), "[a-zA-Z]{3}"],
        outcome in text(),
    ) {
        let raw = MeasureStepRaw { status: &status, on_date: &on, cost: &cost, cost_currency: &cur, outcome: &outcome };
        match parse_measure_step(from, last, &raw, today) {
            Ok(s) => {
                prop_assert!(from.may_become(s.to));
                prop_assert!(s.on <= today && last.is_none_or(|l| s.on >= l));
                prop_assert!(s.to != MeasureStatus::Closed || !outcome.trim().is_empty());
                if let Some((c, code)) = s.cost {
                    prop_assert!(c >= 0 && code.len() == 3);
                }
            }
            Err(e) => prop_assert!(
                ["status", "on_date", "cost", "cost_currency", "outcome"].contains(&&*e.field),
                "{}", e
            ),
        }
    }

    /// A relocation lasts 6 to 12 months: the ends accepted are exactly the days from the
    /// day before six months later to twelve months later.
    #[test]
    fn relocations_last_six_to_twelve_months(start in recent_day(), days in 0i64..450) {
        use chrono::Months;
        let end = start + chrono::Duration::days(days);
        let min = start.checked_add_months(Months::new(6)).unwrap().pred_opt().unwrap();
        let max = start.checked_add_months(Months::new(12)).unwrap();
        prop_assert_eq!(relocation_period_ok(start, end), min <= end && end <= max);
        prop_assert!((180..=184).contains(&(min - start).num_days()));
        prop_assert!(relocation_period_ok(start, max) && !relocation_period_ok(start, max.succ_opt().unwrap()));
    }

    /// A measure's request is accepted (requested not in the future, a grant with an
    /// amount above zero, a relocation of 6 to 12 months) or refused naming the field.
    #[test]
    fn measure_requests_parse_or_name_the_field(
        t in prop_oneof![text(), proptest::sample::select(MeasureType::CODES.to_vec()).prop_map(String::from)],
        on in day_text(), amount in prop_oneof![text(), "[0-9]{1,5}"], cur in prop_oneof![text(), "[A-Z]{3}"],
        host in text(), start in day_text(), end in day_text(), visa in text(), plan in text(), today in recent_day(),
    ) {
        let raw = MeasureRequestRaw {
            measure_type: &t, requested_on: &on, amount: &amount, currency: &cur, host: &host,
            period_start: &start, period_end: &end, visa: &visa, security_plan: &plan,
        };
        match parse_measure_request(&raw, today) {
            Ok(r) => {
                prop_assert!(r.requested_on <= today);
                match r.terms {
                    MeasureTerms::Grant { amount, currency } => prop_assert!(amount > 0 && currency.len() == 3),
                    MeasureTerms::Relocation { start, end } => prop_assert!(relocation_period_ok(start, end)),
                    MeasureTerms::Other => prop_assert!(!matches!(
                        r.measure_type,
                        MeasureType::EmergencyGrant | MeasureType::Relocation
                    )),
                }
            }
            Err(e) => names(Err::<(), _>(e), &[
                "measure_type", "requested_on", "amount", "currency", "host", "period_start",
                "period_end", "visa", "security_plan",
            ])?,
        }
    }

    /// A risk assessment's next review comes strictly after it, which is not in the future.
    #[test]
    fn risk_reviews_come_after_the_assessment(
        level in prop_oneof![text(), proptest::sample::select(RiskLevel::CODES.to_vec()).prop_map(String::from)],
        factors in proptest::collection::vec(
            prop_oneof![text(), proptest::sample::select(RiskFactor::CODES.to_vec()).prop_map(String::from)],
            0..4,
        ),
        on in day_text(), review in day_text(), today in recent_day(),
    ) {
        match parse_risk(&level, &factors, &on, &review, today) {
            Ok(r) => {
                prop_assert!(r.assessed_on <= today && r.next_review > r.assessed_on);
                let unique: BTreeSet<_> = r.factors.iter().collect();
                prop_assert_eq!(unique.len(), r.factors.len());
            }
            Err(e) => prop_assert!(["level", "factors", "assessed_on", "next_review"].contains(&&*e.field), "{}", e),
        }
    }

    /// The consent in force for a case allows a recipient exactly when every report's does
    /// (the organisation itself always); a case without a report keeps its information in.
    #[test]
    fn the_most_restrictive_consent_wins(reports in proptest::collection::vec(consent(), 0..6)) {
        let c = Consent::of_case(reports.clone());
        for k in RecipientKind::ALL {
            let every = !reports.is_empty() && reports.iter().all(|r| r.allows(k));
            let want = k == RecipientKind::OrganisationOnly || every;
            prop_assert_eq!(c.allows(k), want, "{:?}", k);
            prop_assert_eq!(c.check(k).is_ok(), want);
            if let Err(e) = c.check(k) {
                prop_assert_eq!(&e.field, "consent");
                prop_assert!(e.message().contains(c.summary()));
            }
        }
        // Adding a report never widens the consent.
        for extra in [Consent::default(), Consent { commission: true, organisations: true }] {
            let mut more = reports.clone();
            more.push(extra);
            let wider = Consent::of_case(more);
            for k in RecipientKind::OUTSIDE {
                prop_assert!(!wider.allows(k) || c.allows(k) || reports.is_empty());
            }
        }
    }

    /// A withdrawal lists exactly the outside recipients the old consent allowed and the
    /// new one does not.
    #[test]
    fn withdrawals_are_what_was_allowed_and_is_no_longer(a in consent(), b in consent()) {
        let w = a.withdrawn(b);
        for k in RecipientKind::ALL {
            prop_assert_eq!(w.contains(&k), k != RecipientKind::OrganisationOnly && a.allows(k) && !b.allows(k));
        }
        prop_assert!(a.withdrawn(a).is_empty());
    }

    /// A check-in is done, overdue by at least a day from the day after it was due, or
    /// due in a number of days that is never negative; overdue days grow with today.
    #[test]
    fn checkin_clocks_are_never_negative(due in recent_day(), t1 in recent_day(), t2 in recent_day()) {
        let (t1, t2) = (t1.min(t2), t1.max(t2));
        let days = |t| match checkin_clock(due, None, t) {
            CheckinClock::Overdue { days } => { assert!(days >= 1); days }
            CheckinClock::Due { days_left } => { assert!(days_left >= 0); -days_left }
            CheckinClock::Done { .. } => unreachable!(),
        };
        prop_assert!(days(t1) <= days(t2));
        prop_assert_eq!(days(t1), (t1 - due).num_days());
        prop_assert_eq!(checkin_clock(due, Some(t1), t2), CheckinClock::Done { on: t1 });
        prop_assert_eq!(checkin_clock(due, None, t1).is_overdue(), t1 > due);
    }

    /// A family link is valid 1 to 366 days and expires that many days later.
    #[test]
    fn family_links_expire_after_their_days(n in -10i64..400, today in recent_day()) {
        match LinkDays::parse(n) {
            Ok(d) => {
                prop_assert!((1..=366).contains(&n) && i64::from(d.get()) == n);
                prop_assert_eq!((d.expires(today) - today).num_days(), n);
            }
            Err(e) => prop_assert!(!(1..=366).contains(&n) && e.field == "days"),
        }
    }

    /// Amounts in cents print and parse back to themselves; any text is an amount or
    /// refused naming the field; a currency is three capital letters.
    #[test]
    fn amounts_and_currencies_round_trip(c in 0i64..10_000_000_000, s in text(), code in "[a-zA-Z]{3}") {
        prop_assert_eq!(cents("amount", &money(Some(c))), Ok(Some(c)));
        match cents("amount", &s) {
            Ok(Some(v)) => prop_assert!(v >= 0),
            Ok(None) => prop_assert!(s.chars().all(|c| c.is_whitespace())),
            Err(e) => prop_assert_eq!(&e.field, "amount"),
        }
        prop_assert_eq!(currency("currency", &format!(" {code} ")), Ok(code.to_ascii_uppercase()));
        if let Ok(c) = currency("currency", &s) {
            prop_assert!(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
        }
    }

    /// The day something happened is today when not given, and never after today.
    #[test]
    fn past_days_are_never_in_the_future(on in day_text(), today in recent_day()) {
        match past_day_or_today("on", &on, today) {
            Ok(d) => prop_assert!(d <= today && (d == today || !on.trim().is_empty())),
            Err(e) => prop_assert_eq!(&e.field, "on"),
        }
    }

    /// The inputs of a missing person's case never panic and name their field when refused.
    #[test]
    fn missing_inputs_parse_or_name_the_field(
        a in text(), b in text(), c in day_text(), d in day_text(), today in recent_day(),
        ev in proptest::option::of(1i64..100),
    ) {
        names(StatusChange::parse(&a, ev, &b, ""), &["status", "evidence"])?;
        if let Ok(d) = last_seen(&c, today) {
            prop_assert!(d.earliest().is_none_or(|e| e <= today));
        }
        names(last_seen(&c, today), &["last_seen_date"])?;
        names(PeriodInput::parse(&a, &c, &d), &["name", "start_date", "end_date"])?;
        names(RelativeInput::parse(&a, &b, ""), &["relative_name", "relationship"])?;
        names(RecipientKind::parse(&a), &["recipient_kind"])?;
        names(RecipientKind::parse_outside(&a), &["recipient_kind"])?;
        names(CountBy::parse(&a), &["by"])?;
        if let Ok(k) = RecipientKind::parse(&a) {
            names(recipient(k, &b), &["recipient"])?;
        }
    }
}
