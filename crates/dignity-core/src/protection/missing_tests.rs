use super::*;
use crate::Problem;
use std::collections::HashSet;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rule_key(e: &Invalid) -> &'static str {
    match &e.problem {
        Problem::Rule { key, .. } => key,
        p => panic!("not a rule: {p:?}"),
    }
}

#[test]
fn every_status_round_trips_and_unknown_ones_are_refused_on_the_field() {
    for s in CaseStatus::ALL {
        assert_eq!(CaseStatus::parse("status", &format!(" {s} ")), Ok(s));
        assert_eq!(CaseStatus::from_code(s.as_str()), Some(s));
    }
    let e = CaseStatus::parse("status", "buried").unwrap_err();
    assert_eq!(e.field, "status");
    assert!(matches!(e.problem, Problem::NotOneOf { ref allowed, .. } if allowed.len() == 5));
}

/// The whole state space: every pair of statuses is allowed exactly when it is an edge of
/// the machine, no status goes to itself, every status is reachable from a new case and
/// every case can be closed.
#[test]
fn the_status_machine_over_every_pair() {
    use CaseStatus::*;
    let edges: HashSet<(CaseStatus, CaseStatus)> = [
        (Missing, LocatedAlive),
        (Missing, DeceasedIdentified),
        (Missing, RemainsUnidentified),
        (Missing, Closed),
        (RemainsUnidentified, DeceasedIdentified),
        (RemainsUnidentified, Closed),
        (LocatedAlive, Closed),
        (DeceasedIdentified, Closed),
        (Closed, Missing),
    ]
    .into_iter()
    .collect();
    for from in CaseStatus::ALL {
        assert!(!from.next().contains(&from));
        for to in CaseStatus::ALL {
            let r = transition(from, to);
            assert_eq!(r.is_ok(), edges.contains(&(from, to)), "{from} → {to}");
            if let Err(e) = r {
                assert_eq!(e.field, "status");
                if from == to {
                    assert_eq!(rule_key(&e), "pro.rule.missing.status_unchanged");
                } else {
                    assert!(
                        e.message().contains(&format!("{from} cannot become {to}")),
                        "{}",
                        e.message()
                    );
                }
            }
        }
    }
    // Reachability from a new case, and closing from anywhere.
    let mut seen = HashSet::from([Missing]);
    let mut todo = vec![Missing];
    while let Some(s) = todo.pop() {
        for n in s.next() {
            if seen.insert(*n) {
                todo.push(*n);
            }
        }
    }
    assert_eq!(seen.len(), CaseStatus::ALL.len());
    for s in CaseStatus::ALL {
        assert!(
            s == Closed || s.next().contains(&Closed),
            "{s} cannot be closed"
        );
    }
    assert_eq!(
        CaseStatus::ALL.map(|s| s.bucket().as_str()),
        ["open", "located", "located", "open", "closed"]
    );
    assert!(DeceasedIdentified.identifies_death() && !RemainsUnidentified.identifies_death());
}

#[test]
fn a_change_of_status_needs_evidence_and_follows_the_last_one() {
    let e = StatusChange::parse("deceased_identified", None, "  ", "").unwrap_err();
    assert_eq!(e.field, "evidence");
    let c = StatusChange::parse("deceased_identified", None, " ICMP 12345 ", " informed ").unwrap();
    assert_eq!(
        (c.to, c.reference.as_str(), c.note.as_str()),
        (CaseStatus::DeceasedIdentified, "ICMP 12345", "informed")
    );
    assert!(StatusChange::parse("closed", Some(7), "", "").is_ok());
    assert_eq!(
        StatusChange::parse("buried", Some(7), "", "")
            .unwrap_err()
            .field,
        "status"
    );
    assert!(no_evidence_item(999).message().contains("999"));

    let last = day("2002-09-10");
    assert!(in_order(CaseStatus::Missing, last, last).is_ok());
    assert!(in_order(CaseStatus::Missing, last, day("2003-01-01")).is_ok());
    let e = in_order(CaseStatus::RemainsUnidentified, last, day("2000-06-01")).unwrap_err();
    assert_eq!(e.field, "changed_on");
    assert!(e
        .message()
        .contains("(remains_unidentified) is dated 2002-09-10"));
}

/// Dates last seen around today, of every precision: refused exactly when even their
/// earliest day is after today.
#[test]
fn the_date_last_seen_is_never_in_the_future() {
    let today = day("2024-06-15");
    assert_eq!(
        last_seen("", today).unwrap(),
        PartialDate::parse("").unwrap()
    );
    for offset in -400i64..=400 {
        let d = today + chrono::Duration::days(offset);
        for raw in [
            d.format("%Y-%m-%d").to_string(),
            d.format("%Y-%m").to_string(),
            d.format("%Y").to_string(),
        ] {
            let earliest = PartialDate::parse(&raw).unwrap().earliest().unwrap();
            let r = last_seen(&raw, today);
            assert_eq!(r.is_ok(), earliest <= today, "{raw}");
            if let Err(e) = r {
                assert_eq!(rule_key(&e), "pro.rule.missing.last_seen_future");
            }
        }
    }
    assert_eq!(
        last_seen("1999-13", today).unwrap_err().field,
        "last_seen_date"
    );
}

#[test]
fn periods_need_a_name_and_a_start_and_end_after_it() {
    let p = PeriodInput::parse(" Kosovo 1998–2000 ", "1998-01", "2000-12").unwrap();
    assert_eq!(p.name, "Kosovo 1998–2000");
    assert_eq!(p.dates.start.to_string(), "1998-01");
    assert_eq!(
        PeriodInput::parse("", "1998", "").unwrap_err().field,
        "name"
    );
    assert_eq!(
        PeriodInput::parse(&"x".repeat(201), "1998", "")
            .unwrap_err()
            .problem,
        Problem::TooLong { max: 200 }
    );
    assert_eq!(
        PeriodInput::parse("K", "", "2000").unwrap_err().field,
        "start_date"
    );
    assert_eq!(
        PeriodInput::parse("K", "2000", "1999").unwrap_err().field,
        "end_date"
    );
    assert!(PeriodInput::parse("K", "1998", "").is_ok());
    assert!(same_period_name(" kosovo ", "Kosovo") && !same_period_name("Kosovo", "Bosnia"));
}

#[test]
fn relatives_have_a_name_and_a_known_relationship() {
    for r in Relationship::ALL {
        assert_eq!(Relationship::parse("relationship", r.as_str()), Ok(r));
    }
    let r = RelativeInput::parse(" Shpresa ", "spouse", " +383 ").unwrap();
    assert_eq!(
        (r.name.as_str(), r.relationship, r.contact.as_str()),
        ("Shpresa", Relationship::Spouse, "+383")
    );
    assert_eq!(
        RelativeInput::parse(" ", "spouse", "").unwrap_err(),
        Invalid::required("relative_name")
    );
    assert_eq!(
        RelativeInput::parse(&"é".repeat(301), "spouse", "")
            .unwrap_err()
            .field,
        "relative_name"
    );
    assert_eq!(
        RelativeInput::parse("A", "cousin", "").unwrap_err().field,
        "relationship"
    );
}

fn all_consents() -> [Consent; 4] {
    [(false, false), (true, false), (false, true), (true, true)].map(|(c, o)| Consent {
        commission: c,
        organisations: o,
    })
}

/// Every consent against every kind of recipient, every list of up to three reports and
/// every change of consent.
#[test]
fn consent_over_every_combination() {
    for c in all_consents() {
        assert!(c.allows(RecipientKind::OrganisationOnly));
        assert_eq!(c.allows(RecipientKind::Commission), c.commission);
        assert_eq!(c.allows(RecipientKind::Organisations), c.organisations);
        for k in RecipientKind::ALL {
            let r = c.check(k);
            assert_eq!(r.is_ok(), c.allows(k));
            if let Err(e) = r {
                assert_eq!(e.field, "consent");
                assert!(e
                    .message()
                    .contains(&format!("does not allow sharing this case with {k}")));
                assert!(e.message().contains(c.summary()));
            }
        }
        for after in all_consents() {
            let w = c.withdrawn(after);
            for k in RecipientKind::OUTSIDE {
                assert_eq!(w.contains(&k), c.allows(k) && !after.allows(k));
            }
        }
    }
    assert_eq!(Consent::of_case([]), Consent::default());
    let all = all_consents();
    for a in all {
        assert_eq!(Consent::of_case([a]), a);
        for b in all {
            for c in all {
                let m = Consent::of_case([a, b, c]);
                assert_eq!(m, Consent::of_case([c, a, b]), "order does not matter");
                for k in RecipientKind::ALL {
                    assert_eq!(m.allows(k), a.allows(k) && b.allows(k) && c.allows(k));
                }
            }
        }
    }
    let summaries: HashSet<&str> = all.iter().map(|c| c.summary()).collect();
    assert_eq!(summaries.len(), 4);
}

#[test]
fn recipients_of_shares_and_exports() {
    assert_eq!(
        RecipientKind::parse("organisation_only"),
        Ok(RecipientKind::OrganisationOnly)
    );
    assert_eq!(
        RecipientKind::parse("press").unwrap_err().field,
        "recipient_kind"
    );
    assert_eq!(
        RecipientKind::parse_outside("organisation_only")
            .unwrap_err()
            .field,
        "recipient_kind"
    );
    assert_eq!(
        RecipientKind::parse_outside(" commission "),
        Ok(RecipientKind::Commission)
    );
    assert_eq!(
        recipient(RecipientKind::OrganisationOnly, " "),
        Ok(String::new())
    );
    assert_eq!(
        recipient(RecipientKind::Commission, " "),
        Err(Invalid::required("recipient"))
    );
    assert_eq!(
        recipient(RecipientKind::Organisations, " ICRC "),
        Ok("ICRC".into())
    );
}

#[test]
fn family_links_last_one_day_to_a_year() {
    let today = day("2024-12-31");
    for d in -3i64..=400 {
        match LinkDays::parse(d) {
            Ok(l) => {
                assert!((1..=366).contains(&d));
                assert_eq!(l.get() as i64, d);
                assert_eq!((l.expires(today) - today).num_days(), d);
            }
            Err(e) => {
                assert!(!(1..=366).contains(&d));
                assert_eq!(e.field, "days");
                assert_eq!(e.message(), "a family link is valid for 1 to 366 days");
            }
        }
    }
}

#[test]
fn counts_are_grouped_by_known_dimensions() {
    for b in CountBy::ALL {
        assert_eq!(CountBy::parse(b.as_str()), Ok(b));
    }
    assert_eq!(CountBy::parse("country").unwrap_err().field, "by");
}
