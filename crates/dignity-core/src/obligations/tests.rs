use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn resolver() -> CountryResolver {
    let data = crate::refdata::parse_countries(crate::refdata::shipped::COUNTRIES_CSV).unwrap();
    CountryResolver::new(data.into_iter().map(|c| {
        (
            c.iso3.clone(),
            c.iso2.clone(),
            vec![c.name_en, c.name_fr, c.name_es, c.name_ru, c.name_ar],
        )
    }))
}

#[test]
fn entry_into_force_follows_the_final_clauses() {
    assert_eq!(
        state_entry_into_force("CAT", d("2000-01-10")),
        d("2000-02-09")
    );
    assert_eq!(
        state_entry_into_force("ICCPR", d("2000-01-10")),
        d("2000-04-10")
    );
    assert_eq!(
        state_entry_into_force("ICMW", d("2000-01-10")),
        d("2000-05-01")
    );
    assert_eq!(
        state_entry_into_force("ICMW", d("2000-10-10")),
        d("2001-02-01")
    );
}

#[test]
fn schedule_and_overdue() {
    // CCPR: initial after 1 year, then every 4.
    let s = report_schedule(d("2010-03-01"), 1, Some(4), d("2020-01-01"));
    let dues: Vec<String> = s.iter().map(|r| r.due.to_string()).collect();
    assert_eq!(dues, ["2011-03-01", "2015-03-01", "2019-03-01"]);
    assert_eq!(s[2].number, 3);
    // Only the initial report when periodic reporting is on request (CPED).
    let s = report_schedule(d("2015-01-01"), 2, None, d("2030-01-01"));
    assert_eq!(s.len(), 1);
    // The initial report is always listed, even if due after the horizon.
    let s = report_schedule(d("2024-01-01"), 2, Some(4), d("2024-06-01"));
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].due, d("2026-01-01"));
    // 29 February.
    assert_eq!(add_years(d("2020-02-29"), 1), d("2021-02-28"));

    let today = d("2024-03-01");
    assert_eq!(overdue_days(d("2024-02-20"), None, today), Some(10));
    assert_eq!(overdue_days(d("2024-03-01"), None, today), None);
    assert_eq!(overdue_days(d("2024-04-01"), None, today), None);
    assert_eq!(
        overdue_days(d("2020-01-01"), Some(d("2021-01-01")), today),
        None
    );
    let s = report_schedule(d("2010-03-01"), 1, Some(4), d("2030-01-01"));
    assert_eq!(next_due(&s, 0).unwrap().number, 1);
    assert_eq!(next_due(&s, 2).unwrap().due, d("2019-03-01"));
}

#[test]
fn without_reporting_data_nothing_is_overdue_and_the_next_due_date_is_an_estimate() {
    let today = d("2026-11-23");
    // ICERD ratified 1969: the computed initial report fell due in 1970.
    let s = report_schedule(d("1970-01-04"), 1, Some(2), d("2040-01-01"));
    assert_eq!(s[0].due, d("1971-01-04"));
    // No report recorded for the State under the treaty: no arrears are claimed…
    assert_eq!(known_overdue_days(false, s[0].due, None, today), None);
    // …and the next due date is the first computed one from today on.
    let next = estimated_next_due(&s, today).unwrap();
    assert!(next.due >= today, "{next:?}");
    assert!(next.due < d("2028-11-24"), "{next:?}");
    assert_eq!(
        next.number as usize,
        s.iter().position(|r| r.due >= today).unwrap() + 1
    );
    // A due date of today counts as still to come.
    assert_eq!(
        estimated_next_due(
            &[ScheduledReport {
                number: 3,
                due: today
            }],
            today
        )
        .unwrap()
        .number,
        3
    );
    // A schedule that ends before today gives no estimate.
    assert_eq!(estimated_next_due(&s[..2], today), None);
    // Once a report is recorded, the delay is counted as before.
    assert_eq!(
        known_overdue_days(true, d("2026-11-13"), None, today),
        Some(10)
    );
    assert_eq!(
        known_overdue_days(true, d("2020-01-01"), Some(d("2021-01-01")), today),
        None
    );
    assert_eq!(known_overdue_days(true, d("2027-01-01"), None, today), None);
}

#[test]
fn the_reply_clock_runs_sixty_days_from_the_communication() {
    let sent = d("2024-03-01");
    let due = reply_due(sent);
    assert_eq!(due, d("2024-04-30"));
    assert_eq!(
        reply_clock(due, None, d("2024-04-20")),
        ReplyClock::Running { days_left: 10 }
    );
    assert_eq!(
        reply_clock(due, None, due),
        ReplyClock::Running { days_left: 0 }
    );
    assert_eq!(
        reply_clock(due, None, d("2024-05-10")),
        ReplyClock::Overdue { days: 10 }
    );
    assert_eq!(
        reply_clock(due, Some(d("2024-04-02")), d("2024-05-10")),
        ReplyClock::Replied {
            on: d("2024-04-02"),
            late_days: 0
        }
    );
    assert_eq!(
        reply_clock(due, Some(d("2024-05-03")), d("2025-01-01")),
        ReplyClock::Replied {
            on: d("2024-05-03"),
            late_days: 3
        }
    );
}

#[test]
fn dates_before_adoption_are_refused() {
    let adopted = d("1984-12-10");
    assert!(check_not_before(
        "ratified",
        &PartialDate::parse("1983").unwrap(),
        adopted,
        "adoption"
    )
    .is_err());
    // A year that contains the adoption day may be right.
    assert!(check_not_before(
        "ratified",
        &PartialDate::parse("1984").unwrap(),
        adopted,
        "adoption"
    )
    .is_ok());
    assert!(check_not_before(
        "ratified",
        &PartialDate::parse("1986-06-01").unwrap(),
        adopted,
        "adoption"
    )
    .is_ok());
    assert!(check_not_before("ratified", &PartialDate::UNKNOWN, adopted, "adoption").is_ok());
}

#[test]
fn procedures_are_accepted_by_protocol_or_declaration() {
    let cat22 = COMPLAINT_PROCEDURES
        .iter()
        .find(|p| p.label == "CAT art. 22")
        .unwrap();
    assert_eq!(acceptance(cat22, true, None), Acceptance::Unknown);
    assert_eq!(acceptance(cat22, true, Some(true)), Acceptance::Accepted);
    assert_eq!(
        acceptance(cat22, false, Some(true)),
        Acceptance::NotAccepted
    );
    let op1 = &COMPLAINT_PROCEDURES[0];
    assert_eq!(acceptance(op1, true, None), Acceptance::Accepted);
    let cat20 = &INQUIRY_PROCEDURES[0];
    assert_eq!(acceptance(cat20, true, None), Acceptance::Accepted);
    assert_eq!(
        acceptance(cat20, true, Some(false)),
        Acceptance::NotAccepted
    );
}

#[test]
fn country_names_resolve_with_variants() {
    let r = resolver();
    for (name, iso3) in [
        ("Afghanistan", "AFG"),
        ("Bolivia", "BOL"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Bosnia & Herzegovina", "BIH"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("DPR Korea", "PRK"),
        ("Democratic Republic of Congo", "COD"),
        ("Republic of Congo", "COG"),
        ("Republic of Korea", "KOR"),
        ("Iran", "IRN"),
        ("Macedonia FYR", "MKD"),
        ("St Vincent & the Grenadines", "VCT"),
        ("St Kitts & Nevis", "KNA"),
        ("Sao Tome & Principe", "STP"),
        ("Guinea Bissau", "GNB"),
        ("United Kingdom", "GBR"),
        (
            "United Kingdom of Great Britain and Northern Ireland",
            "GBR",
        ),
        ("United States", "USA"),
        ("Swaziland", "SWZ"),
        ("Palestine", "PSE"),
        ("Holy See", "VAT"),
        ("Gambia", "GMB"),
        ("Micronesia", "FSM"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("Sudan", "SDN"),
        ("South Sudan", "SSD"),
        ("Guinea", "GIN"),
        ("Equatorial Guinea", "GNQ"),
        ("France", "FRA"),
        ("Allemagne", "DEU"),
        ("fra", "FRA"),
    ] {
        assert_eq!(r.resolve(name), Some(iso3), "{name}");
    }
    assert_eq!(r.resolve("Atlantis"), None);
    assert!(is_unknown_marker("&#40;Unknown&#41;"));
    assert_eq!(
        decode_entities("a &amp; b &#40;x&#41; &bogus"),
        "a & b (x) &bogus"
    );
}

#[test]
fn latin1_and_line_ends_are_accepted() {
    let (t, e) = decode_text(b"To,Text\r\nC\xf4te,caf\xe9 \x93x\x94\rB,y\n");
    assert_eq!(e, TextEncoding::Latin1);
    assert_eq!(t, "To,Text\nCôte,café “x”\nB,y\n");
    let (t, e) = decode_text("\u{feff}a,b\r\nc,d".as_bytes());
    assert_eq!(e, TextEncoding::Utf8);
    assert_eq!(t, "a,b\nc,d");
}

#[test]
fn loose_dates() {
    assert_eq!(parse_loose_date("43798").unwrap().to_string(), "2019-11-29");
    assert_eq!(
        parse_loose_date("29/11/2019").unwrap().to_string(),
        "2019-11-29"
    );
    assert_eq!(
        parse_loose_date("2019-11-29T00:00:00").unwrap().to_string(),
        "2019-11-29"
    );
    assert_eq!(parse_loose_date("2019").unwrap().to_string(), "2019");
    assert!(parse_loose_date("31/02/2019").is_err());
    assert!(parse_loose_date("soon").is_err());
    assert_eq!(
        sdg_code("1.4 - Equal rights to economic resources").as_deref(),
        Some("1.4")
    );
    assert_eq!(sdg_code("16.a - x").as_deref(), Some("16.a"));
    assert_eq!(split_multi("- Women\n- Children\n"), ["Women", "Children"]);
}

fn table(csv: &str) -> Table {
    Table::from_csv(csv).unwrap()
}

#[test]
fn upr_info_rows_parse_and_bad_rows_name_row_and_field() {
    let r = resolver();
    let t = table(
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n\
         Afghanistan,Asia,OIC,Do X.,Austria,WEOG,EU,Accepted,5,\"Rights of the Child,Women's rights\",5\n\
         Atlantis,Asia,,Do Y.,Austria,WEOG,EU,Accepted,5,Justice,5\n\
         Afghanistan,Asia,,Do Z.,&#40;Unknown&#41;,,,Maybe,9,Justice,x\n\
         Afghanistan,Asia,OIC,Do X.,Austria,WEOG,EU,Accepted,5,Justice,5\n",
    );
    let p = parse_upr_info(&t, &r);
    assert_eq!(p.records.len(), 2);
    let a = &p.records[0];
    assert_eq!(a.iso3, "AFG");
    assert_eq!(a.recommending_iso3.as_deref(), Some("AUT"));
    assert_eq!(a.position, Some(Position::Supported));
    assert_eq!(a.upr_action, Some(5));
    assert_eq!(a.upr_cycle, Some(1));
    assert_eq!(a.date.to_string(), "2009-05");
    assert_eq!(a.themes, ["Rights of the Child", "Women's rights"]);
    // The same recommendation listed twice is kept twice under distinct keys.
    assert_eq!(p.records[1].key, format!("{}#2", a.key));
    assert_eq!(p.repeated, [(5, 2)]);
    let msgs: Vec<String> = p.rejected.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        [
            "row 3, field To: unknown country \"Atlantis\"",
            "row 4, field Response: expected Accepted, Noted or blank, got \"Maybe\"",
            "row 4, field Action: expected 1 to 5, got \"9\"",
            "row 4, field Session: expected a session number, got \"x\"",
        ]
    );
    // Keys are stable across parses.
    assert_eq!(parse_upr_info(&t, &r).records[0].key, a.key);
    assert_eq!(
        parse_upr_info(&t, &r).records[0].content_hash(),
        a.content_hash()
    );
}

#[test]
fn uhri_rows_parse() {
    let r = resolver();
    let header = UHRI_COLUMNS.join(",");
    let t = table(&format!(
        "{header}\n\
         \"Adopt a law.\",\"- Iraq\",CEDAW,CEDAW/C/IRQ/CO/8,\"- Women\n- Legal framework\",\"- Women\",\"- 5.1 - End discrimination\",43798,,,Recommendations,0b7c2a7e-0000-4000-8000-000000000001,,Asia,,2020-01-01\n\
         \"Consider.\",\"- France\",UPR,A/HRC/38/4,,,,2018-04-01,\"- Germany\",Noted,Recommendations,0b7c2a7e-0000-4000-8000-000000000002,29,,,\n\
         \"Bad.\",\"- Narnia\",XYZ,S,,,,31/02/2019,,,Recommendations,0b7c2a7e-0000-4000-8000-000000000002,,,,\n"
    ));
    let p = parse_uhri(&t, &r);
    assert_eq!(p.records.len(), 2, "{:?}", p.rejected);
    let a = &p.records[0];
    assert_eq!(a.iso3, "IRQ");
    assert_eq!(a.mechanism, Mechanism::TreatyBody);
    assert_eq!(a.body, "CEDAW");
    assert_eq!(a.date.to_string(), "2019-11-29");
    assert_eq!(a.themes, ["Women", "Legal framework"]);
    assert_eq!(a.sdgs, ["5.1"]);
    let b = &p.records[1];
    assert_eq!(b.recommending_iso3.as_deref(), Some("DEU"));
    assert_eq!(b.position, Some(Position::Noted));
    assert_eq!(b.upr_cycle, Some(3));
    let fields: Vec<&str> = p.rejected.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "OHCHR Annotation Id",
            "Reccomending Body",
            "Countries Concerned",
            "Document Publication Date"
        ]
    );
    // Lines of the file: the first record spans two lines.
    assert!(p.rejected.iter().all(|e| e.line == 5), "{:?}", p.rejected);
}

#[test]
fn generic_mapping() {
    let r = resolver();
    let m = Mapping::parse(
        "[columns]\ntext = \"Rec\"\ncountry = \"State\"\nkey = \"ID\"\nthemes = \"Themes\"\n[defaults]\nbody = \"CCPR\"\nseparator = \";\"\n",
    )
    .unwrap();
    let t = table(
        "ID,State,Rec,Themes\n1,Kenya,Do A,Torture; Detention\n1,Kenya,Do B,\n2,Nowhere,Do C,\n",
    );
    let p = parse_generic(&t, &m, &r);
    assert_eq!(p.records.len(), 1);
    assert_eq!(p.records[0].themes, ["Torture", "Detention"]);
    assert_eq!(p.records[0].body, "CCPR");
    assert_eq!(
        p.rejected[0].to_string(),
        "row 3, field ID: duplicate key, first at row 2"
    );
    assert_eq!(
        p.rejected[1].to_string(),
        "row 4, field State: unknown country \"Nowhere\""
    );
    assert!(Mapping::parse("[columns]\ntext = \"x\"\n").is_err());
    assert!(Mapping::parse(
        "[columns]\ntext = \"x\"\ncountry = \"y\"\nbogus = \"z\"\n[defaults]\nbody=\"UPR\"\n"
    )
    .is_err());
    // A missing column is named.
    let t = table("State,Other\nKenya,x\n");
    let p = parse_generic(&t, &m, &r);
    assert_eq!(p.rejected[0].line, 1);
}

#[test]
fn malformed_csv_is_reported_with_its_line() {
    let e = Table::from_csv("a,b\n1,2\n3\n").unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("expected 2 fields"));
}

#[test]
fn statuses_and_cycles() {
    for s in ImplementationStatus::ALL {
        assert_eq!(ImplementationStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(
        ImplementationStatus::parse("In progress"),
        Some(ImplementationStatus::InProgress)
    );
    assert_eq!(upr_cycle(12), 1);
    assert_eq!(upr_cycle(13), 2);
    assert_eq!(upr_cycle(26), 2);
    assert_eq!(upr_cycle(27), 3);
    assert_eq!(upr_cycle(41), 4);
    assert_eq!(
        body_mechanism("SR on torture").unwrap().0,
        Mechanism::SpecialProcedure
    );
    assert_eq!(body_mechanism("ccpr").unwrap().1, "CCPR");
    assert!(body_mechanism("ACHPR").is_none());
}

#[test]
fn the_schedule_after_a_submitted_report_counts_from_its_submission() {
    // ICCPR, in force for the State 1987-01-23: report 1 due 1988, then every 4 years.
    let mut s = report_schedule(d("1987-01-23"), 1, Some(4), d("2030-01-01"));
    assert_eq!(s[4].number, 5);
    assert_eq!(s[4].due, d("2004-01-23"));
    // Report 4 submitted in 2011: report 5 is due four years later, not in 2004.
    rebase_schedule(&mut s, 4, d("2011-04-28"), Some(4));
    assert_eq!(
        s[3].due,
        d("2000-01-23"),
        "earlier reports are left as computed"
    );
    assert_eq!(s[4].due, d("2015-04-28"));
    assert_eq!(s[5].due, d("2019-04-28"));
    // A report submitted early never brings the next one forward.
    let mut s = report_schedule(d("2010-03-01"), 1, Some(4), d("2030-01-01"));
    rebase_schedule(&mut s, 1, d("2010-06-01"), Some(4));
    assert_eq!(s[1].due, d("2015-03-01"));
    // Reporting on request only: nothing to re-base.
    let mut s = report_schedule(d("2015-01-01"), 2, None, d("2030-01-01"));
    let before = s.clone();
    rebase_schedule(&mut s, 1, d("2018-01-01"), None);
    assert_eq!(s, before);
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
            "expected ratification, accession or succession".into(),
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
