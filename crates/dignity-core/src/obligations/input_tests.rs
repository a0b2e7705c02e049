//! Unit tests of the parsers of hand-entered obligations input (ratifications, reports,
//! special procedures, tracking, recommendations, references) and of their catalog keys.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rat<'a>(status: &'a str, signature: &'a str, consent: &'a str) -> RatificationRaw<'a> {
    RatificationRaw {
        status,
        signature,
        consent,
        consent_kind: "",
    }
}

#[test]
fn ratifications_parse_into_typed_facts_and_refusals_name_the_field() {
    use crate::refdata::TreatyStatus;
    let adopted = d("1984-12-10");
    let ok = parse_ratification(
        &RatificationRaw {
            consent_kind: " Accession ",
            ..rat("party", "1985-02", "1986")
        },
        adopted,
    )
    .unwrap();
    assert_eq!(ok.status, TreatyStatus::Party);
    assert_eq!(ok.signature.to_string(), "1985-02");
    assert_eq!(ok.consent.to_string(), "1986");
    assert_eq!(ok.consent_kind, Some(ConsentKind::Accession));
    assert_eq!(
        parse_ratification(&rat("none", "", ""), adopted)
            .unwrap()
            .consent_kind,
        None
    );
    // A signature left blank (spaces only) is no signature, as an empty one: a signatory
    // with no known date of signature, not a refusal "not a date".
    for blank in ["", " ", "\t "] {
        let f = parse_ratification(&rat("signatory", blank, ""), adopted).unwrap();
        assert_eq!(f.signature, PartialDate::UNKNOWN, "{blank:?}");
    }

    // (input, field, English message as the API and the CLI show it)
    let cases: Vec<(RatificationRaw, &str, String)> = vec![
        (
            rat("ratified", "", ""),
            "status",
            "expected party, signatory, none or denounced".into(),
        ),
        (
            rat("party", "1990", "1986"),
            "consent",
            "ratified (1986) before it was signed (1990)".into(),
        ),
        (
            rat("party", "", ""),
            "consent",
            "a party needs the date (or year) of ratification, accession or succession".into(),
        ),
        (
            rat("denounced", "", ""),
            "consent",
            "a party needs the date (or year) of ratification, accession or succession".into(),
        ),
        (
            rat("party", "", "1950"),
            "consent",
            "consent: 1950 is before the adoption of the instrument (1984-12-10)".into(),
        ),
        (
            rat("signatory", "1984-11", ""),
            "signature",
            "signature: 1984-11 is before the adoption of the instrument (1984-12-10)".into(),
        ),
        (
            RatificationRaw {
                consent_kind: "signature",
                ..rat("party", "", "1990")
            },
            "consent_kind",
            "expected ratification, accession, succession, acceptance or approval".into(),
        ),
    ];
    for (raw, field, message) in cases {
        let e = parse_ratification(&raw, adopted).unwrap_err();
        assert_eq!(e.field, field, "{raw:?}");
        assert_eq!(e.message(), message, "{raw:?}");
        assert!(
            super::ratification::rule_key(&e).is_some_and(|k| k.starts_with("obl.rule.")),
            "{e:?}"
        );
    }
    // A date that does not parse is a parse problem of that field.
    let e = parse_ratification(&rat("party", "", "1986-13"), adopted).unwrap_err();
    assert_eq!(e.field, "consent");
    assert!(matches!(e.problem, crate::Problem::Parse(_)), "{e:?}");
}

/// Over a space of statuses and years: what parses keeps the rules (consent not before
/// signature, nothing before adoption, a party has a consent date), and every refusal
/// names one of the input's fields.
#[test]
fn every_accepted_ratification_keeps_the_rules() {
    use crate::refdata::TreatyStatus;
    let adopted = d("1966-12-16");
    let years: Vec<String> = std::iter::once(String::new())
        .chain((1960..=1972).map(|y| y.to_string()))
        .chain([
            "1970-06".to_string(),
            "1966-12-16".into(),
            "1966-12-15".into(),
        ])
        .collect();
    let mut accepted = 0;
    for status in ["party", "signatory", "none", "denounced", "PARTY", ""] {
        for sig in &years {
            for consent in &years {
                match parse_ratification(&rat(status, sig, consent), adopted) {
                    Ok(f) => {
                        accepted += 1;
                        if let (Some(s), Some(c)) = (f.signature.earliest(), f.consent.latest()) {
                            assert!(c >= s, "{status} {sig} {consent}");
                        }
                        for date in [&f.signature, &f.consent] {
                            assert!(!matches!(date.latest(), Some(l) if l < adopted));
                        }
                        if matches!(f.status, TreatyStatus::Party | TreatyStatus::Denounced) {
                            assert_ne!(f.consent, PartialDate::UNKNOWN);
                        }
                        assert_eq!(f.signature, PartialDate::parse(sig).unwrap());
                    }
                    Err(e) => assert!(
                        ["status", "signature", "consent"].contains(&e.field.as_ref()),
                        "{e:?}"
                    ),
                }
            }
        }
    }
    assert!(accepted > 100, "{accepted}");
}

#[test]
fn reports_need_a_number_full_dates_and_a_submission_after_consent() {
    let f = parse_report(2, " 2020-05-01 ", "").unwrap();
    assert_eq!(f.number, 2);
    assert_eq!(f.due_date, Some(d("2020-05-01")));
    assert_eq!(f.submitted, None);
    for n in [0, -1, 101] {
        assert_eq!(parse_report(n, "", "").unwrap_err().field, "number");
    }
    let e = parse_report(1, "", "2020-05").unwrap_err();
    assert_eq!(e.field, "submitted");
    assert_eq!(e.message(), "expected a date YYYY-MM-DD, got \"2020-05\"");
    assert_eq!(parse_report(1, "May", "").unwrap_err().field, "due_date");

    let consent = PartialDate::parse("2015").unwrap();
    let e = check_submission("FRA", "CAT", false, &consent, d("2016-01-01")).unwrap_err();
    assert_eq!(
        (e.field.as_ref(), e.message()),
        ("submitted", "FRA is not a party to CAT".to_string())
    );
    let e = check_submission("FRA", "CAT", true, &consent, d("2014-12-01")).unwrap_err();
    assert_eq!(
        e.message(),
        "submitted 2014-12-01, before the ratification (2015)"
    );
    // Within the year of a consent known only by its year: not provably before.
    assert!(check_submission("FRA", "CAT", true, &consent, d("2015-03-01")).is_ok());
    assert!(check_submission("FRA", "CAT", true, &PartialDate::UNKNOWN, d("1990-01-01")).is_ok());
}

#[test]
fn unknown_references_name_the_field_and_quote_the_value() {
    let e = Unknown::Country.invalid("iso3", Some("XXX"));
    assert_eq!(e.to_string(), "iso3: unknown country \"XXX\"");
    let e = Unknown::RecommendationOrCluster.invalid("target", None);
    assert_eq!(e.message(), "unknown recommendation or cluster");
}

#[test]
fn tracking_inputs_parse_and_refusals_name_the_field() {
    let c = parse_cluster("Women", "theme", "women").unwrap();
    assert_eq!(c.basis, ClusterBasis::Theme);
    assert_eq!(
        parse_cluster("Mine", "manual", "").unwrap().basis,
        ClusterBasis::Manual
    );
    assert_eq!(parse_cluster(" ", "manual", "").unwrap_err().field, "name");
    assert_eq!(parse_cluster("x", "Theme", "w").unwrap_err().field, "basis");
    assert_eq!(
        parse_cluster("x", "sdg", " ").unwrap_err().field,
        "basis_value"
    );

    assert_eq!(
        parse_institution("  Ministry of Justice ", "ministry").unwrap(),
        "Ministry of Justice"
    );
    assert_eq!(
        parse_institution("", "ministry").unwrap_err().field,
        "institution"
    );
    let e = parse_institution("X", "church").unwrap_err();
    assert_eq!(
        (e.field.as_ref(), e.message()),
        ("kind", INSTITUTION_KINDS.join(", "))
    );

    assert_eq!(
        parse_action("Draft a law", "2026-06").unwrap().to_string(),
        "2026-06"
    );
    assert_eq!(parse_action(" ", "").unwrap_err().field, "description");
    assert_eq!(parse_action("x", "June").unwrap_err().field, "target_date");

    let today = d("2024-05-01");
    let a = parse_assessment(
        "implemented",
        "2024-05-01",
        Some("Strictly confidential"),
        today,
    )
    .unwrap();
    assert_eq!(a.status, ImplementationStatus::Implemented);
    assert_eq!(a.level, crate::Confidentiality::StrictlyConfidential);
    assert_eq!(
        parse_assessment("in_progress", "2024-01-01", None, today)
            .unwrap()
            .level,
        crate::Confidentiality::Internal
    );
    assert_eq!(
        parse_assessment("done", "2024-01-01", None, today)
            .unwrap_err()
            .field,
        "status"
    );
    let e = parse_assessment("implemented", "2024-05-02", None, today).unwrap_err();
    assert_eq!(
        (e.field.as_ref(), e.message()),
        (
            "assessed_on",
            "an assessment cannot be dated in the future".to_string()
        )
    );
    assert_eq!(
        parse_assessment("implemented", "2024-05", None, today)
            .unwrap_err()
            .field,
        "assessed_on"
    );
    let e = parse_assessment("implemented", "2024-01-01", Some("Secret"), today).unwrap_err();
    assert_eq!(e.field, "confidentiality");
    assert_eq!(
        e.message(),
        "unknown confidentiality level \"secret\": expected public, internal, confidential or strictly_confidential"
    );
}

#[test]
fn special_procedure_inputs_parse_and_refusals_name_the_field() {
    let m = parse_mandate(" SR-TORTURE ", "Torture", "thematic", None, "1985").unwrap();
    assert_eq!(
        (m.code.as_str(), m.kind),
        ("SR-TORTURE", MandateKind::Thematic)
    );
    assert_eq!(
        parse_mandate("", "x", "thematic", None, "")
            .unwrap_err()
            .field,
        "code"
    );
    assert_eq!(
        parse_mandate("a", "x", "regional", None, "")
            .unwrap_err()
            .field,
        "kind"
    );
    assert_eq!(
        parse_mandate("a", "x", "country", None, "")
            .unwrap_err()
            .field,
        "iso3"
    );
    assert!(parse_mandate("a", "x", "country", Some("BLR"), "2012-07").is_ok());
    assert_eq!(
        parse_mandate("a", "x", "thematic", None, "July")
            .unwrap_err()
            .field,
        "established"
    );
    assert_eq!(
        parse_holder_dates("2020", "2020-13").unwrap_err().field,
        "end_date"
    );

    let v = parse_visit("completed", "2019", "2020-01", "2020-03-02", "2020-03-12").unwrap();
    assert_eq!(v.status, VisitStatus::Completed);
    assert_eq!(v.status.code(), "completed");
    let e = parse_visit("planned", "", "", "", "").unwrap_err();
    assert_eq!(
        (e.field.as_ref(), e.message()),
        ("status", VISIT_STATUSES.join(", "))
    );
    let e = parse_visit("completed", "", "", "2020-03-12", "2020-03-02").unwrap_err();
    assert_eq!(
        (e.field.as_ref(), e.message()),
        ("visit_end", "the visit ends before it starts".to_string())
    );
    // A month and a day in it overlap: not provably before.
    assert!(parse_visit("completed", "", "", "2020-03", "2020-03-01").is_ok());
    assert_eq!(
        parse_visit("accepted", "x", "", "", "").unwrap_err().field,
        "requested"
    );

    assert_eq!(parse_invitation_since("2001").unwrap().to_string(), "2001");
    assert_eq!(parse_invitation_since("soon").unwrap_err().field, "since");
    assert_eq!(
        parse_communication("2024-01", "", " ").unwrap_err().field,
        "reference"
    );
    assert_eq!(
        parse_communication("Jan", "", "UA 1").unwrap_err().field,
        "sent"
    );
    assert!(parse_communication("2024-01-05", "", "UA KEN 1/2024").is_ok());

    assert_eq!(parse_intervention_id(" 42 ").unwrap(), Some(42));
    assert_eq!(parse_intervention_id("").unwrap(), None);
    assert_eq!(
        parse_intervention_id("x1").unwrap_err().field,
        "intervention_id"
    );
    assert_eq!(
        intervention_refused(7, false).message(),
        "no intervention 7"
    );
    assert_eq!(
        intervention_refused(7, true).message(),
        "you may not edit intervention 7"
    );
    assert_eq!(check_holder(" ", true).unwrap_err().field, "name");
    assert_eq!(check_holder("A. B.", false).unwrap_err().field, "mandate");
    assert_eq!(
        check_same_state_cluster(false).unwrap_err().field,
        "cluster"
    );
}

#[test]
fn hand_entered_recommendations_parse_body_date_and_position() {
    let (m, body) = parse_body("CCPR").unwrap();
    assert_eq!((m, body.as_str()), (Mechanism::TreatyBody, "CCPR"));
    let e = parse_body("NOPE").unwrap_err();
    assert_eq!(e.to_string(), "body: unknown mechanism \"NOPE\"");
    assert_eq!(parse_rec_date("2024-13").unwrap_err().field, "date");
    assert_eq!(parse_position(None).unwrap(), None);
    assert_eq!(parse_position(Some(" ")).unwrap(), None);
    assert!(parse_position(Some("supported")).unwrap().is_some());
    assert_eq!(parse_position(Some("maybe")).unwrap_err().field, "position");
    assert_eq!(CountFacet::parse("theme").unwrap(), CountFacet::Theme);
    assert_eq!(CountFacet::parse("colour").unwrap_err().field, "what");
}

/// Every rule key the area raises has its text in all five catalogs of the area.
#[test]
fn every_rule_key_is_in_the_catalogs() {
    let src = [
        include_str!("ratification.rs"),
        include_str!("refs.rs"),
        include_str!("report.rs"),
        include_str!("tracking.rs"),
        include_str!("special.rs"),
        include_str!("recommendation.rs"),
    ]
    .concat();
    let keys: Vec<&str> = src
        .split('"')
        .filter_map(|s| s.strip_prefix("obl.rule."))
        .collect();
    assert!(keys.len() > 30, "{keys:?}");
    for lang in ["en", "fr", "es", "ar", "ru"] {
        let path = format!(
            "{}/../dignity-web/i18n/obligations/{lang}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table = text.parse().unwrap();
        let rules = table["obl"]["rule"].as_table().unwrap();
        for k in &keys {
            assert!(rules.contains_key(*k), "{lang}: obl.rule.{k}");
        }
    }
}
