use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(super) fn resolver() -> CountryResolver {
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
    // The rule of instruments.toml: one month for OP-CRC-SC (art. 14(2)).
    assert_eq!(
        state_entry_into_force("OP-CRC-SC", d("2011-09-20")),
        d("2011-10-20")
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
    // Opt-out with nothing recorded: unknown (issue 17: an unknown is never accepted).
    assert_eq!(acceptance(cat20, true, None), Acceptance::Unknown);
    assert_eq!(acceptance(cat20, true, Some(true)), Acceptance::Accepted);
    assert_eq!(
        acceptance(cat20, true, Some(false)),
        Acceptance::NotAccepted
    );
}

#[test]
fn procedures_follow_the_treaties_opt_in_opt_out_and_every_party() {
    use AcceptanceVia::*;
    let all = || {
        COMPLAINT_PROCEDURES
            .iter()
            .chain(INQUIRY_PROCEDURES)
            .chain(INTER_STATE_PROCEDURES)
    };
    let via = |label: &str| {
        all()
            .find(|p| p.label == label)
            .unwrap_or_else(|| panic!("{label}"))
            .via
    };
    // Individual complaints and inter-State procedures: opt-in by declaration, or every
    // party of a communications protocol; ICERD art. 11 binds every party. Inquiries:
    // opt-out, except OP-ICESCR art. 11 (opt-in) and CPED art. 33 (every party).
    let expected = [
        (
            OptIn,
            "ICERD art. 14 | CAT art. 22 | CPED art. 31 | ICMW art. 77 | ICCPR art. 41",
        ),
        (
            OptIn,
            "CAT art. 21 | CPED art. 32 | ICMW art. 76 | OP-ICESCR art. 10",
        ),
        (OptIn, "OP-CRC-IC art. 12 | OP-ICESCR art. 11"),
        (
            Protocol,
            "ICCPR-OP1 | OP-ICESCR | OP-CEDAW | OP-CRPD | OP-CRC-IC",
        ),
        (Protocol, "ICERD art. 11 | CPED art. 33"),
        (
            OptOut,
            "CAT art. 20 | OP-CEDAW art. 8 | OP-CRPD art. 6 | OP-CRC-IC art. 13",
        ),
    ];
    let mut checked = 0;
    for (rule, labels) in expected {
        for label in labels.split(" | ") {
            assert_eq!(via(label), rule, "{label}");
            checked += 1;
        }
    }
    assert_eq!(checked, all().count());
    for p in all() {
        // Not a party: not accepted, whatever was recorded.
        for flag in [None, Some(true), Some(false)] {
            assert_eq!(
                acceptance(p, false, flag),
                Acceptance::NotAccepted,
                "{}",
                p.label
            );
        }
        // Unknown is never accepted: only a procedure that binds every party is accepted
        // without a record.
        let expected = if p.via == Protocol {
            Acceptance::Accepted
        } else {
            Acceptance::Unknown
        };
        assert_eq!(acceptance(p, true, None), expected, "{}", p.label);
    }
    // A recorded opt-out (flag false) or a recorded declaration (flag true).
    let cat20 = INQUIRY_PROCEDURES
        .iter()
        .find(|p| p.label == "CAT art. 20")
        .unwrap();
    assert_eq!(
        acceptance(cat20, true, Some(false)),
        Acceptance::NotAccepted
    );
    assert_eq!(acceptance(cat20, true, Some(true)), Acceptance::Accepted);
    let art11 = INQUIRY_PROCEDURES
        .iter()
        .find(|p| p.label == "OP-ICESCR art. 11")
        .unwrap();
    assert_eq!(acceptance(art11, true, Some(true)), Acceptance::Accepted);
    assert_eq!(
        acceptance(art11, true, Some(false)),
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
