use super::*;
use sha2::{Digest, Sha256};

fn shipped_data() -> RefData {
    parse_shipped().unwrap_or_else(|e| panic!("shipped data does not parse: {e}"))
}

// ------------------------------------------------------- shipped: manifest --

#[test]
fn data_version_matches_manifest() {
    let m = parse_manifest(shipped::MANIFEST_TOML).unwrap();
    assert_eq!(
        m.data_version, DATA_VERSION,
        "bump DATA_VERSION to data/manifest.toml's data_version"
    );
}

#[test]
fn manifest_hashes_match_shipped_files() {
    let m = parse_manifest(shipped::MANIFEST_TOML).unwrap();
    let files = [
        ("countries", shipped::COUNTRIES_CSV),
        ("instruments", shipped::INSTRUMENTS_TOML),
        ("treaty_status", shipped::TREATY_STATUS_CSV),
        ("sdg_goals", shipped::SDG_GOALS_CSV),
        ("sdg_targets", shipped::SDG_TARGETS_CSV),
        ("huridocs_thesauri", shipped::HURIDOCS_THESAURI_CSV),
    ];
    assert_eq!(m.files.len(), files.len());
    for (key, content) in files {
        let entry = m
            .files
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from manifest"));
        assert!(entry.version >= 1);
        let digest = hex::encode(Sha256::digest(content.as_bytes()));
        assert_eq!(
            digest, entry.sha256,
            "{} changed without regenerating data/manifest.toml (run data/scripts/build_refdata.py)",
            entry.path
        );
    }
    assert_eq!(
        m.version_of("countries"),
        Some(m.files["countries"].version)
    );
    assert_eq!(m.version_of("nope"), None);
}

// ------------------------------------------------------ shipped: countries --

#[test]
fn countries_249_with_193_un_members() {
    let d = shipped_data();
    assert_eq!(d.countries.len(), 249);
    let members: Vec<_> = d.countries.iter().filter(|c| c.un_member).collect();
    assert_eq!(members.len(), 193);
    for c in &d.countries {
        assert_eq!(c.un_member, c.un_regional_group.is_some(), "{}", c.iso3);
        for lang in ["en", "fr", "es", "ar", "ru", "zh"] {
            assert!(!c.name(lang).is_empty(), "{} {lang}", c.iso3);
        }
    }
    // Namibia's code is the string "NA", not a missing value.
    let nam = d.countries.iter().find(|c| c.iso3 == "NAM").unwrap();
    assert_eq!(nam.iso2, "NA");
    assert_eq!(nam.numeric, "516");
    let afg = d.countries.iter().find(|c| c.iso3 == "AFG").unwrap();
    assert_eq!(afg.numeric, "004");
    assert_eq!(afg.region_code.as_deref(), Some("142"));
    // Observer states and territories are not members.
    for iso3 in ["PSE", "VAT", "TWN", "XKX", "GRL", "PRI"] {
        if let Some(c) = d.countries.iter().find(|c| c.iso3 == iso3) {
            assert!(!c.un_member, "{iso3}");
        }
    }
}

#[test]
fn regional_groups_partition_the_members() {
    let d = shipped_data();
    let count = |g: UnRegionalGroup| {
        d.countries
            .iter()
            .filter(|c| c.un_regional_group == Some(g))
            .count()
    };
    let counts: Vec<usize> = UnRegionalGroup::ALL.iter().map(|&g| count(g)).collect();
    // African 54, Asia-Pacific 54 (incl. Kiribati), EEG 23, GRULAC 33,
    // WEOG 29 (incl. the United States, counted for electoral purposes).
    assert_eq!(counts, vec![54, 54, 23, 33, 29]);
    assert_eq!(counts.iter().sum::<usize>(), 193);
    let group = |iso3: &str| {
        d.countries
            .iter()
            .find(|c| c.iso3 == iso3)
            .and_then(|c| c.un_regional_group)
    };
    assert_eq!(group("TUR"), Some(UnRegionalGroup::Weog));
    assert_eq!(group("ISR"), Some(UnRegionalGroup::Weog));
    assert_eq!(group("AUS"), Some(UnRegionalGroup::Weog));
    assert_eq!(group("CYP"), Some(UnRegionalGroup::AsiaPacific));
    assert_eq!(group("KIR"), Some(UnRegionalGroup::AsiaPacific));
    assert_eq!(group("ARM"), Some(UnRegionalGroup::Eeg));
    assert_eq!(group("MEX"), Some(UnRegionalGroup::Grulac));
    assert_eq!(group("EGY"), Some(UnRegionalGroup::African));
    for g in UnRegionalGroup::ALL {
        assert_eq!(UnRegionalGroup::from_code(g.code()), Some(g));
        assert!(!g.name().is_empty());
    }
}

#[test]
fn country_json_uses_group_codes() {
    let d = shipped_data();
    let fra = d.countries.iter().find(|c| c.iso3 == "FRA").unwrap();
    let json = serde_json::to_value(fra).unwrap();
    assert_eq!(json["un_regional_group"], "WEOG");
    assert_eq!(json["un_member"], true);
    let back: Country = serde_json::from_value(json).unwrap();
    assert_eq!(&back, fra);
}

// ---------------------------------------------------- shipped: instruments --

const UN_CODES: [&str; 18] = [
    "ICERD",
    "ICCPR",
    "ICCPR-OP1",
    "ICCPR-OP2",
    "ICESCR",
    "OP-ICESCR",
    "CEDAW",
    "OP-CEDAW",
    "CAT",
    "OP-CAT",
    "CRC",
    "OP-CRC-AC",
    "OP-CRC-SC",
    "OP-CRC-IC",
    "ICMW",
    "CRPD",
    "OP-CRPD",
    "CPED",
];
const COE_CODES: [&str; 11] = [
    "ECHR", "ECHR-P1", "ECHR-P4", "ECHR-P6", "ECHR-P7", "ECHR-P12", "ECHR-P13", "ESC-REV", "FCNM",
    "ECPT", "ISTANBUL",
];

fn instrument<'a>(d: &'a RefData, code: &str) -> &'a Instrument {
    d.instruments
        .iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("{code} missing"))
}

#[test]
fn instruments_18_un_and_the_coe_list() {
    let d = shipped_data();
    let codes = |s: TreatySystem| {
        let mut v: Vec<&str> = d
            .instruments
            .iter()
            .filter(|i| i.system == s)
            .map(|i| i.code.as_str())
            .collect();
        v.sort_unstable();
        v
    };
    let mut un = UN_CODES.to_vec();
    un.sort_unstable();
    let mut coe = COE_CODES.to_vec();
    coe.sort_unstable();
    assert_eq!(codes(TreatySystem::Un), un);
    assert_eq!(codes(TreatySystem::Coe), coe);
}

#[test]
fn instruments_dates_parents_and_sources() {
    let d = shipped_data();
    for i in &d.instruments {
        assert!(i.entry_into_force >= i.adopted, "{}", i.code);
        assert!(i.source.starts_with("https://"), "{}", i.code);
        if let Some(p) = &i.parent {
            let parent = instrument(&d, p);
            assert!(parent.parent.is_none());
            assert_eq!(parent.system, i.system);
            assert!(
                i.adopted >= parent.adopted,
                "{} adopted before its parent",
                i.code
            );
        }
        if i.system == TreatySystem::Un {
            assert!(i.adopted_by.is_some() && i.name_fr.is_some(), "{}", i.code);
        }
    }
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let cat = instrument(&d, "CAT");
    assert_eq!(
        (cat.adopted, cat.entry_into_force),
        (date("1984-12-10"), date("1987-06-26"))
    );
    let echr = instrument(&d, "ECHR");
    assert_eq!(
        (echr.adopted, echr.entry_into_force),
        (date("1950-11-04"), date("1953-09-03"))
    );
    assert_eq!(instrument(&d, "OP-CAT").monitoring_body.code, "SPT");
    assert_eq!(instrument(&d, "CPED").monitoring_body.code, "CED");
    assert_eq!(instrument(&d, "ISTANBUL").monitoring_body.code, "GREVIO");
    assert_eq!(instrument(&d, "ECHR-P13").parent.as_deref(), Some("ECHR"));
}

#[test]
fn instrument_aliases_resolve() {
    let d = shipped_data();
    for (alias, code) in [
        ("ICRMW", "ICMW"),
        ("CCPR-OP1", "ICCPR-OP1"),
        ("CCPR-OP2-DP", "ICCPR-OP2"),
        ("CEDAW-OP", "OP-CEDAW"),
        ("ICESCR-OP", "OP-ICESCR"),
        ("CRC-OP-AC", "OP-CRC-AC"),
        ("crc-op-sc", "OP-CRC-SC"),
        ("OPCAT", "OP-CAT"),
        ("cat", "CAT"),
    ] {
        assert_eq!(
            find_instrument(&d.instruments, alias).map(|i| i.code.as_str()),
            Some(code),
            "{alias}"
        );
    }
    assert!(find_instrument(&d.instruments, "XYZ").is_none());
}

#[test]
fn instrument_procedures_and_reporting() {
    let d = shipped_data();
    let has = |code: &str, kind: ProcedureKind, article: &str| {
        instrument(&d, code)
            .procedures
            .iter()
            .any(|p| p.kind == kind && p.article == article)
    };
    assert!(has("CAT", ProcedureKind::IndividualComplaints, "22"));
    assert!(has("CAT", ProcedureKind::Inquiry, "20"));
    assert!(has("ICERD", ProcedureKind::IndividualComplaints, "14"));
    assert!(has("CPED", ProcedureKind::IndividualComplaints, "31"));
    assert!(has("CPED", ProcedureKind::UrgentAction, "30"));
    assert!(has("ICMW", ProcedureKind::IndividualComplaints, "77"));
    assert!(has("OP-CEDAW", ProcedureKind::Inquiry, "8"));
    assert!(has("OP-CRPD", ProcedureKind::Inquiry, "6"));
    assert!(has("ECHR", ProcedureKind::IndividualComplaints, "34"));
    // Periodicity from the treaties (data/README: initial / periodic years).
    for (code, initial, periodic) in [
        ("ICERD", Some(1), Some(2)),
        ("ICESCR", Some(2), Some(5)),
        ("ICCPR", Some(1), Some(4)),
        ("CEDAW", Some(1), Some(4)),
        ("CAT", Some(1), Some(4)),
        ("CRC", Some(2), Some(5)),
        ("ICMW", Some(1), Some(5)),
        ("OP-CRC-AC", Some(2), None),
        ("OP-CRC-SC", Some(2), None),
        ("CPED", Some(2), None),
        ("CRPD", Some(2), Some(4)),
    ] {
        let r = instrument(&d, code).reporting.as_ref().unwrap();
        assert_eq!(
            (r.initial_years, r.periodic_years),
            (initial, periodic),
            "{code}"
        );
    }
}

// ------------------------------------------------- shipped: treaty status --

#[test]
fn treaty_status_covers_members_times_instruments() {
    let d = shipped_data();
    assert_eq!(d.ratification_status.len(), 193 * 18);
    let members: HashSet<&str> = d
        .countries
        .iter()
        .filter(|c| c.un_member)
        .map(|c| c.iso3.as_str())
        .collect();
    let mut pairs = HashSet::new();
    for s in &d.ratification_status {
        assert!(
            members.contains(s.iso3.as_str()),
            "{} is not a UN member",
            s.iso3
        );
        assert!(
            UN_CODES.contains(&s.instrument.as_str()),
            "{}",
            s.instrument
        );
        assert!(pairs.insert((s.iso3.as_str(), s.instrument.as_str())));
    }
    let parties = |code: &str| {
        d.ratification_status
            .iter()
            .filter(|s| s.instrument == code && s.status == TreatyStatus::Party)
            .count()
    };
    // UNTC totals (Aug 2022) minus parties that are not UN members.
    assert_eq!(parties("CRC"), 192);
    assert_eq!(parties("ICERD"), 180);
    assert_eq!(parties("ICCPR"), 172);
    assert_eq!(parties("ICESCR"), 170);
    assert_eq!(parties("CEDAW"), 187);
    let usa_crc = d
        .ratification_status
        .iter()
        .find(|s| s.iso3 == "USA" && s.instrument == "CRC")
        .unwrap();
    assert_eq!(
        (usa_crc.status, usa_crc.year),
        (TreatyStatus::Signatory, None)
    );
    let jam = d
        .ratification_status
        .iter()
        .find(|s| s.iso3 == "JAM" && s.instrument == "ICCPR-OP1")
        .unwrap();
    assert_eq!(jam.status, TreatyStatus::Denounced);
}

// ------------------------------------------------------------ shipped: SDG --

#[test]
fn sdg_17_goals_169_targets_all_languages() {
    let d = shipped_data();
    let goals: Vec<u8> = d.sdg_goals.iter().map(|g| g.goal).collect();
    assert_eq!(goals, (1..=17).collect::<Vec<u8>>());
    assert_eq!(d.sdg_targets.len(), 169);
    for g in &d.sdg_goals {
        for lang in ["en", "fr", "es", "ar", "ru", "zh"] {
            assert!(!g.title(lang).is_empty() && !g.short(lang).is_empty());
        }
        assert!(
            d.sdg_targets.iter().any(|t| t.goal == g.goal),
            "goal {} has no target",
            g.goal
        );
    }
    for t in &d.sdg_targets {
        for lang in ["en", "fr", "es", "ar", "ru", "zh"] {
            assert!(!t.title(lang).trim().is_empty(), "{} {lang}", t.code);
        }
    }
    let t = d.sdg_targets.iter().find(|t| t.code == "16.10").unwrap();
    assert!(
        t.title.en.contains("fundamental freedoms"),
        "{}",
        t.title.en
    );
    assert_eq!(d.sdg_targets.iter().filter(|t| t.goal == 17).count(), 19);
}

// ------------------------------------------------------- shipped: HURIDOCS --

#[test]
fn thesauri_4524_terms_unique_and_parents_resolve() {
    let d = shipped_data();
    assert_eq!(d.thesauri.len(), 4524);
    let ids: HashSet<&str> = d.thesauri.iter().map(|t| t.vocab_number.as_str()).collect();
    assert_eq!(ids.len(), 4524);
    for t in &d.thesauri {
        if let Some(p) = &t.parent_vocab_number {
            assert!(ids.contains(p.as_str()));
        }
    }
    let lists: HashSet<u16> = d.thesauri.iter().map(|t| t.list_number).collect();
    assert_eq!(lists.len(), 54);
    let acts = d.thesauri.iter().find(|t| t.list_number == 4).unwrap();
    assert_eq!(acts.list_name.as_deref(), Some("types_of_acts"));
    assert_eq!(acts.term("xx"), acts.term_en);
}

// ----------------------------------------------------------- parse errors --

const COUNTRY_HEADER: &str = "iso2,iso3,numeric,name_en,name_fr,name_es,name_ar,name_ru,name_zh,region_code,region_name,subregion_code,subregion_name,intermediate_region_code,intermediate_region_name,un_member,un_regional_group\n";

fn country_row(iso2: &str, iso3: &str, member: &str, group: &str) -> String {
    format!("{iso2},{iso3},123,N,N,N,N,N,N,002,Africa,202,Sub-Saharan Africa,,,{member},{group}\n")
}

#[test]
fn country_error_names_line_and_field() {
    let text = format!(
        "{COUNTRY_HEADER}{}{}",
        country_row("AA", "AAA", "1", "AFRICAN"),
        country_row("BB", "bbx", "0", "")
    );
    let e = parse_countries(&text).unwrap_err();
    assert_eq!(e.line, Some(3));
    assert_eq!(e.field.as_deref(), Some("iso3"));
    assert!(e.to_string().starts_with("line 3, field `iso3`:"), "{e}");
}

#[test]
fn country_errors_on_groups_and_duplicates() {
    let no_group = format!("{COUNTRY_HEADER}{}", country_row("AA", "AAA", "1", ""));
    let e = parse_countries(&no_group).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(2), Some("un_regional_group"))
    );

    let bad_group = format!(
        "{COUNTRY_HEADER}{}",
        country_row("AA", "AAA", "1", "NORDIC")
    );
    assert!(parse_countries(&bad_group)
        .unwrap_err()
        .message
        .contains("NORDIC"));

    let dup = format!(
        "{COUNTRY_HEADER}{}{}",
        country_row("AA", "AAA", "0", ""),
        country_row("AA", "BBB", "0", "")
    );
    let e = parse_countries(&dup).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("iso2")));
}

#[test]
fn csv_structure_errors_report_lines() {
    // Too few fields on line 3.
    let text = format!(
        "{COUNTRY_HEADER}{}AA,AAA\n",
        country_row("CC", "CCC", "0", "")
    );
    let e = parse_countries(&text).unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("fields"), "{e}");
    // Missing and unexpected columns are reported on the header line.
    let e = parse_ratification_status("iso3,instrument,status,year\n").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("note")));
    let e = parse_ratification_status("iso3,instrument,status,year,note,extra\n").unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("extra")));
}

#[test]
fn quoted_multiline_fields_keep_line_numbers() {
    let text =
        "iso3,instrument,status,year,note\nAAA,CAT,party,1990,\"two\nlines\"\nBBB,CAT,bogus,,\n";
    let e = parse_ratification_status(text).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(4), Some("status")));
}

#[test]
fn status_errors() {
    let h = "iso3,instrument,status,year,note\n";
    let e = parse_ratification_status(&format!("{h}AAA,CAT,party,,\n")).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("year")));
    let e = parse_ratification_status(&format!("{h}AAA,CAT,signatory,2001,\n")).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("year"));
    let e = parse_ratification_status(&format!("{h}AAA,CAT,party,19x0,\n")).unwrap_err();
    assert!(e.message.contains("19x0"));
    let e = parse_ratification_status(&format!("{h}AAA,CAT,none,,\nAAA,CAT,none,,\n")).unwrap_err();
    assert_eq!(e.line, Some(3));
    let ok =
        parse_ratification_status(&format!("{h}AAA,CAT,denounced,1990,gone\nBBB,CAT,none,,\n"))
            .unwrap();
    assert_eq!(ok[0].status, TreatyStatus::Denounced);
    assert_eq!(ok[1].note, None);

    let d = shipped_data();
    let e = parse_ratification_status_checked(
        &format!("{h}FRA,CAT,party,1986,\nZZZ,CAT,none,,\n"),
        &d.countries,
        &d.instruments,
    )
    .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("iso3")));
    // Aliases are not accepted in the status table: codes must be canonical.
    let e = parse_ratification_status_checked(
        &format!("{h}FRA,UNCAT,party,1986,\n"),
        &d.countries,
        &d.instruments,
    )
    .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("instrument")));
}

#[test]
fn sdg_errors() {
    let goals_header = "goal,short_en,short_fr,short_es,short_ar,short_ru,short_zh,title_en,title_fr,title_es,title_ar,title_ru,title_zh\n";
    let e = parse_sdg_goals(&format!(
        "{goals_header}1,a,b,c,d,e,f,g,h,i,j,k,l\n18,a,b,c,d,e,f,g,h,i,j,k,l\n"
    ))
    .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("goal")));
    let e = parse_sdg_goals(&format!("{goals_header}1,a,b,c,d,e,f,g,h,i,j,,l\n")).unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("title_ru")));

    let targets_header = "code,goal,title_en,title_fr,title_es,title_ar,title_ru,title_zh\n";
    let e = parse_sdg_targets(&format!(
        "{targets_header}16.10,16,a,b,c,d,e,f\n16.3,15,a,b,c,d,e,f\n"
    ))
    .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("code")));
    let ok = parse_sdg_targets(&format!("{targets_header}16.a,16,a,b,c,d,e,f\n")).unwrap();
    assert_eq!(ok[0].title("fr"), "b");
}

#[test]
fn thesauri_errors() {
    let h = "list_number,list_name,huri_code,level,parent_vocab_number,vocab_number,order,english,french,spanish\n";
    let top = "4,types_of_acts,010000000000,0,0,01000000000004,1,Act,Acte,Acto\n";
    let orphan = "4,types_of_acts,010100000000,1,09000000000004,01010000000004,2,Sub,Sous,Sub\n";
    let e = parse_thesauri(&format!("{h}{top}{orphan}")).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(3), Some("parent_vocab_number"))
    );
    let dup = parse_thesauri(&format!("{h}{top}{top}")).unwrap_err();
    assert_eq!(
        (dup.line, dup.field.as_deref()),
        (Some(3), Some("vocab_number"))
    );
    let other_list = "5,methods,010100000000,1,01000000000004,01010000000005,2,Sub,Sous,Sub\n";
    let e = parse_thesauri(&format!("{h}{top}{other_list}")).unwrap_err();
    assert!(e.message.contains("list 4"), "{e}");
    let e = parse_thesauri(&format!(
        "{h}x,types,010000000000,0,0,01000000000004,1,A,B,C\n"
    ))
    .unwrap_err();
    assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("list_number")));
}

const INSTRUMENT_OK: &str = r#"
[[instrument]]
code = "AAA"
system = "un"
name_en = "A convention"
short_name = "A"
treaty_reference = "X"
adopted = "2000-01-01"
entry_into_force = "2001-01-01"
monitoring_body = { code = "A", name = "A committee" }
source = "https://example.org"
"#;

#[test]
fn instrument_errors() {
    assert_eq!(parse_instruments(INSTRUMENT_OK).unwrap().len(), 1);

    let early = INSTRUMENT_OK.replace("2001-01-01", "1999-12-31");
    let e = parse_instruments(&early).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(3), Some("entry_into_force"))
    );

    let orphan = format!(
        "{INSTRUMENT_OK}{}",
        INSTRUMENT_OK.replace("\"AAA\"", "\"BBB\"\nparent = \"ZZZ\"")
    );
    let e = parse_instruments(&orphan).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("parent"));
    assert_eq!(e.line, Some(14));

    let bad_date = INSTRUMENT_OK.replace("2000-01-01", "2000-13-01");
    let e = parse_instruments(&bad_date).unwrap_err();
    assert_eq!(e.line, Some(8), "{e}");

    let typo = INSTRUMENT_OK.replace("short_name", "shortname");
    assert!(parse_instruments(&typo).is_err());

    let clash = format!(
        "{INSTRUMENT_OK}{}",
        INSTRUMENT_OK.replace("\"AAA\"", "\"BBB\"\naliases = [\"aaa\"]")
    );
    let e = parse_instruments(&clash).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("aliases"));
}
