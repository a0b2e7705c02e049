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
fn the_shipped_status_states_when_it_was_true() {
    // The 2022 extract of the UN Treaty Collection (years only): "status as of August 2022"
    // in `../shared/data/README.md`; the file is named after that month.
    let m = parse_manifest(shipped::MANIFEST_TOML).unwrap();
    let status = &m.files["treaty_status"];
    let as_of = shipped_status_as_of();
    assert_eq!(status.as_of.as_deref(), Some(as_of));
    assert!(crate::types::PartialDate::parse(as_of).is_ok(), "{as_of}");
    assert!(status.path.contains(as_of), "{} vs {as_of}", status.path);
}

#[test]
fn manifest_hashes_match_shipped_files() {
    let m = parse_manifest(shipped::MANIFEST_TOML).unwrap();
    let files = [
        ("countries", shipped::COUNTRIES_CSV),
        ("instruments", shipped::INSTRUMENTS_TOML),
        ("treaty_status", shipped::TREATY_STATUS_CSV),
        ("ratifications", shipped::RATIFICATIONS_CSV),
        (
            "ratification_disagreements",
            shipped::RATIFICATION_DISAGREEMENTS_CSV,
        ),
        ("sdg_goals", shipped::SDG_GOALS_CSV),
        ("sdg_targets", shipped::SDG_TARGETS_CSV),
        ("huridocs_thesauri", shipped::HURIDOCS_THESAURI_CSV),
        ("upr_action_categories", UPR_ACTION_CATEGORIES_CSV),
        ("upr_info_issues", UPR_INFO_ISSUES_CSV),
        ("coe_members", shipped::COE_MEMBERS_CSV),
        ("coe_ratifications", shipped::COE_RATIFICATIONS_CSV),
        ("sp_mandates", shipped::SP_MANDATES_CSV),
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

/// No shipped name carries one of UNTERM's footnote marks (`*` after the observer States,
/// `**` after the non-member States), in any language.
#[test]
fn no_country_name_carries_a_footnote_mark() {
    let d = shipped_data();
    for c in &d.countries {
        for lang in ["en", "fr", "es", "ar", "ru", "zh"] {
            let n = c.name(lang);
            assert!(!n.contains('*'), "{} {lang}: {n:?}", c.iso3);
            assert_eq!(n, n.trim(), "{} {lang}: {n:?}", c.iso3);
        }
    }
    let text = include_str!("../../../../data/countries.csv");
    assert!(!text.contains('*'), "countries.csv carries a footnote mark");
    assert!(
        !text.contains("Ivory Coast"),
        "a non-UN form in countries.csv"
    );
    let with_mark = text.replacen("Holy See (the),", "Holy See (the) *,", 1);
    let e = parse_countries(&with_mark).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("name_en"), "{e}");
}

/// Names read by hand from UNTERM, the UN terminology database
/// (https://unterm.un.org, "Country names"): the short names in English, French, Spanish,
/// Arabic and Russian as the `UNTERM <language> Short` columns of
/// `../shared/data/countries/country-codes.csv` copy them, less the footnote marks, and
/// the English short names of the UNTERM export of 2026-10-05
/// (`../shared/data/treaties-untc-2015/unterm_country_names.csv`) where UNTERM changed a name
/// (Naoero, Netherlands (Kingdom of the)) or the table has none (Côte d'Ivoire, whose other
/// names are the UN M49 ones: https://unstats.un.org/unsd/methodology/m49/).
#[test]
fn country_names_match_unterm_in_the_five_languages() {
    let d = shipped_data();
    // (iso3, en, fr, es, ar, ru)
    let sample = [
        (
            "AFG",
            "Afghanistan",
            "Afghanistan (l')",
            "Afganistán (el)",
            "أفغانستان",
            "Афганистан",
        ),
        (
            "VAT",
            "Holy See (the)",
            "Saint-Siège (le)",
            "Santa Sede (la)",
            "الكرسي الرسولي",
            "Святой Престол",
        ),
        (
            "PSE",
            "State of Palestine (the)",
            "État de Palestine (l')",
            "Estado de Palestina (el)",
            "دولة فلسطين",
            "Государство Палестина",
        ),
        (
            "COK",
            "Cook Islands (the)",
            "Îles Cook (les)",
            "Islas Cook (las)",
            "جزر كوك",
            "Острова Кука",
        ),
        ("NIU", "Niue", "Nioué", "Niue", "نيوي", "Ниуэ"),
        (
            "CIV",
            "Côte d'Ivoire",
            "Côte d’Ivoire",
            "Côte d’Ivoire",
            "كوت ديفوار",
            "Кот-д'Ивуар",
        ),
        ("TUR", "Türkiye", "Türkiye", "Türkiye", "تركيا", "Турция"),
        (
            "NLD",
            "Netherlands (Kingdom of the)",
            "Pays-Bas (les)",
            "Países Bajos (los)",
            "هولندا",
            "Нидерланды",
        ),
        ("NRU", "Naoero", "Nauru", "Nauru", "ناورو", "Науру"),
        (
            "BOL",
            "Bolivia (Plurinational State of)",
            "Bolivie (État plurinational de)",
            "Bolivia (Estado Plurinacional de)",
            "بوليفيا (دولة - المتعددة القوميات)",
            "Боливия (Многонациональное Государство)",
        ),
        (
            "GBR",
            "United Kingdom of Great Britain and Northern Ireland (the)",
            "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord (le)",
            "Reino Unido de Gran Bretaña e Irlanda del Norte (el)",
            "المملكة المتحدة لبريطانيا العظمى وأيرلندا الشمالية",
            "Соединенное Королевство Великобритании и Северной Ирландии",
        ),
        (
            "CZE",
            "Czechia",
            "Tchéquie (la)",
            "Chequia",
            "تشيكيا",
            "Чехия",
        ),
        (
            "SWZ",
            "Eswatini",
            "Eswatini (l')",
            "Eswatini",
            "إسواتيني",
            "Эсватини",
        ),
        (
            "MKD",
            "North Macedonia",
            "Macédoine du Nord (la)",
            "Macedonia del Norte",
            "مقدونيا الشمالية",
            "Северная Македония",
        ),
    ];
    for (iso3, en, fr, es, ar, ru) in sample {
        let c = d.countries.iter().find(|c| c.iso3 == iso3).unwrap();
        let got = [
            c.name("en"),
            c.name("fr"),
            c.name("es"),
            c.name("ar"),
            c.name("ru"),
        ];
        assert_eq!(got, [en, fr, es, ar, ru], "{iso3}");
    }
    // Observers and non-member parties are States of the data, not UN members.
    for iso3 in ["VAT", "PSE", "COK", "NIU"] {
        let c = d.countries.iter().find(|c| c.iso3 == iso3).unwrap();
        assert!(!c.un_member, "{iso3}");
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
const COE_CODES: [&str; 16] = [
    "ECHR",
    "ECHR-P1",
    "ECHR-P4",
    "ECHR-P6",
    "ECHR-P7",
    "ECHR-P12",
    "ECHR-P13",
    "ECHR-P16",
    "ESC",
    "ESC-REV",
    "ESC-CC",
    "FCNM",
    "ECPT",
    "ISTANBUL",
    "TRAFFICKING",
    "LANZAROTE",
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
        // Art. 40 leaves it to the Committee: its eight-year predictable review cycle.
        ("ICCPR", Some(1), Some(8)),
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

/// The ISO3 codes of the 193 UN member States.
fn un_members(d: &RefData) -> HashSet<&str> {
    d.countries
        .iter()
        .filter(|c| c.un_member)
        .map(|c| c.iso3.as_str())
        .collect()
}

#[test]
fn treaty_status_covers_members_times_instruments() {
    let d = shipped_data();
    assert_eq!(d.ratification_status.len(), 193 * 18);
    let members = un_members(&d);
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

// ---------------------------------------------- shipped: ratifications --

fn dated<'a>(d: &'a RefData, iso3: &str, code: &str) -> &'a DatedRatification {
    d.ratifications
        .iter()
        .find(|r| r.iso3 == iso3 && r.instrument == code)
        .unwrap_or_else(|| panic!("no row for {iso3} {code}"))
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn ratifications_cover_197_states_times_18_instruments() {
    let d = shipped_data();
    assert_eq!(d.ratifications.len(), 197 * 18);
    let states: HashSet<&str> = d.ratifications.iter().map(|r| r.iso3.as_str()).collect();
    let members = un_members(&d);
    assert!(members.is_subset(&states));
    // Observers (Holy See, State of Palestine) and non-member parties (Cook Islands, Niue).
    let others: Vec<&str> = {
        let mut v: Vec<&str> = states.difference(&members).copied().collect();
        v.sort();
        v
    };
    assert_eq!(others, ["COK", "NIU", "PSE", "VAT"]);
    // The UNTC counts 196 parties to the CRC (all but the United States).
    let crc = d.ratifications.iter().filter(|r| r.instrument == "CRC");
    assert_eq!(crc.filter(|r| r.status == TreatyStatus::Party).count(), 196);
    assert!(d.ratifications.iter().all(|r| r.as_of <= day("2026-12-05")));
}

/// Cells read from the UN Treaty Collection, chapter IV, participant tables, as scraped
/// 2014-01 to 2015-03 (raw cells in `../shared/data/treaties-untc-2015/`), e.g.
/// https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-2&chapter=4&clang=_en
/// (ICERD; the other instruments: mtdsg_no IV-3, IV-3-a, IV-4, IV-5, IV-8, IV-8-b, IV-9,
/// IV-9-b, IV-11, IV-11-b, IV-11-c, IV-11-d, IV-12, IV-13, IV-15, IV-16). The first
/// rows are the errors of the 2022 extract named in issue 17.
#[test]
fn ratifications_match_cells_read_from_the_untc() {
    use ConsentKind::{Acceptance, Accession, Ratification, Succession};
    let d = shipped_data();
    // (State, instrument, UNTC signature cell, UNTC consent cell, kind)
    let cells: &[(&str, &str, &str, &str, ConsentKind)] = &[
        // Signature years shown as ratification years in the 2022 extract.
        ("USA", "ICERD", "1966-09-28", "1994-10-21", Ratification), // "28 Sep 1966" / "21 Oct 1994"
        ("GBR", "ICERD", "1966-10-11", "1969-03-07", Ratification), // "11 Oct 1966" / "7 Mar 1969"
        ("BRA", "ICERD", "1966-03-07", "1968-03-27", Ratification), // "7 Mar 1966" / "27 Mar 1968"
        ("MEX", "ICERD", "1966-11-01", "1975-02-20", Ratification), // "1 Nov 1966" / "20 Feb 1975"
        ("JAM", "ICERD", "1966-08-14", "1971-06-04", Ratification), // "14 Aug 1966" / "4 Jun 1971"
        ("ZAF", "ICCPR", "1994-10-03", "1998-12-10", Ratification), // "3 Oct 1994" / "10 Dec 1998"
        // Missing from the 2022 extract.
        ("MDA", "OP-CAT", "2005-09-16", "2006-07-24", Ratification), // "16 Sep 2005" / "24 Jul 2006"
        ("MDA", "CRPD", "2007-03-30", "2010-09-21", Ratification), // "30 Mar 2007" / "21 Sep 2010"
        ("MDA", "OP-CEDAW", "", "2006-02-28", Accession),          // "28 Feb 2006 a"
        ("MNG", "ICCPR-OP1", "", "1991-04-16", Accession),         // "16 Apr 1991 a"
        ("NER", "ICCPR-OP1", "", "1986-03-07", Accession),         // "7 Mar 1986 a"
        ("SRB", "ICCPR-OP1", "2001-03-12", "2001-09-06", Ratification), // "12 Mar 2001 d" / "6 Sep 2001"
        ("TZA", "OP-CEDAW", "", "2006-01-12", Accession),               // "12 Jan 2006 a"
        // Rows shuffled between neighbours in the 2022 extract (CRC).
        ("PAK", "CRC", "1990-09-20", "1990-11-12", Ratification), // "20 Sep 1990" / "12 Nov 1990"
        ("PLW", "CRC", "", "1995-08-04", Accession),              // "4 Aug 1995 a"
        ("PAN", "CRC", "1990-01-26", "1990-12-12", Ratification), // "26 Jan 1990" / "12 Dec 1990"
        // Across instruments and regions.
        ("FRA", "CAT", "1985-02-04", "1986-02-18", Ratification),
        ("IND", "CEDAW", "1980-07-30", "1993-07-09", Ratification),
        ("CHN", "ICESCR", "1997-10-27", "2001-03-27", Ratification),
        ("JPN", "ICCPR", "1978-05-30", "1979-06-21", Ratification),
        ("NGA", "CAT", "1988-07-28", "2001-06-28", Ratification),
        ("KEN", "CRPD", "2007-03-30", "2008-05-19", Ratification),
        ("ARG", "CPED", "2007-02-06", "2007-12-14", Ratification),
        ("MEX", "ICMW", "1991-05-22", "1999-03-08", Ratification),
        ("NZL", "OP-CRC-SC", "2000-09-07", "2011-09-20", Ratification),
        ("DEU", "ICERD", "1967-02-10", "1969-05-16", Ratification),
        ("AUS", "ICCPR-OP2", "", "1990-10-02", Accession),
        ("PRT", "OP-ICESCR", "2009-09-24", "2013-01-28", Ratification),
        ("THA", "OP-CRC-IC", "2012-09-25", "2012-09-25", Ratification),
        ("EGY", "CRC", "1990-02-05", "1990-07-06", Ratification),
        ("RUS", "OP-CRC-AC", "2001-02-15", "2008-09-24", Ratification),
        ("CHL", "OP-CAT", "2005-06-06", "2008-12-12", Ratification),
        ("TLS", "ICMW", "", "2004-01-30", Accession),
        ("NLD", "CRC", "1990-01-26", "1995-02-06", Acceptance), // "6 Feb 1995 A"
        ("SRB", "CRC", "", "2001-03-12", Succession),           // "12 Mar 2001 d"
        // Observers and non-member parties.
        ("VAT", "CRC", "1990-04-20", "1990-04-20", Ratification),
        ("PSE", "CEDAW", "", "2014-04-02", Accession),
        ("COK", "CRPD", "", "2009-05-08", Accession),
        ("NIU", "CRC", "", "1995-12-20", Accession),
    ];
    assert!(cells.len() >= 30);
    for &(iso3, code, sig, consent, kind) in cells {
        let r = dated(&d, iso3, code);
        let what = format!("{iso3} {code}");
        assert_eq!(r.status, TreatyStatus::Party, "{what}");
        assert_eq!(r.signature.to_string(), sig, "{what} signature");
        assert_eq!(r.consent.to_string(), consent, "{what} consent");
        assert_eq!(r.consent_kind, Some(kind), "{what} kind");
        assert_eq!(r.source, FactSource::Untc2015, "{what} source");
    }
    // Signed, not ratified; no action.
    let usa_crc = dated(&d, "USA", "CRC");
    assert_eq!(usa_crc.status, TreatyStatus::Signatory);
    assert_eq!(usa_crc.signature.to_string(), "1995-02-16");
    assert_eq!(usa_crc.consent.precision(), crate::Precision::Unknown);
    assert_eq!(dated(&d, "IRN", "CEDAW").status, TreatyStatus::NoAction);
    // Reservations listed by the UNTC (USA: CAT) and none (State of Palestine: CEDAW).
    assert_eq!(dated(&d, "USA", "CAT").reservations, Reservations::Yes);
    assert_eq!(dated(&d, "PSE", "CEDAW").reservations, Reservations::No);
    // Denounced, with the original consent kept.
    let jam = dated(&d, "JAM", "ICCPR-OP1");
    assert_eq!(jam.status, TreatyStatus::Denounced);
    assert_eq!(jam.consent.to_string(), "1975-10-03");
}

#[test]
fn later_facts_keep_their_precision_and_source() {
    let d = shipped_data();
    // Fiji acceded to the CAT after the UNTC scrape: the 2022 extract gives the year only.
    let fji = dated(&d, "FJI", "CAT");
    assert_eq!(fji.status, TreatyStatus::Party);
    assert_eq!(fji.consent.to_string(), "2016");
    assert_eq!(fji.consent.precision(), crate::Precision::Year);
    assert_eq!(fji.consent_kind, None);
    assert_eq!(fji.source, FactSource::Wpd2022);
    assert_eq!(fji.as_of, day("2022-08-25"));
    // Korea's CPED accession of 2023, to the day.
    let kor = dated(&d, "KOR", "CPED");
    assert_eq!(kor.status, TreatyStatus::Party);
    assert_eq!(kor.consent.to_string(), "2023-01-04");
    assert_eq!(kor.source, FactSource::Update2026);
    // Every year-only consent comes from the 2022 extract; the UNTC gives days.
    for r in &d.ratifications {
        if r.consent.precision() == crate::Precision::Year {
            assert_eq!(r.source, FactSource::Wpd2022, "{} {}", r.iso3, r.instrument);
        }
    }
    // The disagreements file lists the errors of the 2022 extract named in issue 17.
    let dis = shipped::RATIFICATION_DISAGREEMENTS_CSV;
    for key in [
        "USA,ICERD",
        "GBR,ICERD",
        "BRA,ICERD",
        "MEX,ICERD",
        "JAM,ICERD",
        "ZAF,ICCPR",
        "MDA,OP-CAT",
        "MDA,CRPD",
        "MDA,OP-CEDAW",
        "PAK,CRC",
        "PLW,CRC",
        "PAN,CRC",
    ] {
        assert!(dis.lines().any(|l| l.starts_with(key)), "{key}");
    }
}

#[test]
fn every_un_instrument_has_its_entry_into_force_rule() {
    let d = shipped_data();
    let rule = |code: &str| {
        instrument(&d, code)
            .state_entry_into_force
            .as_ref()
            .unwrap()
            .rule
    };
    for code in UN_CODES {
        assert!(
            instrument(&d, code).state_entry_into_force.is_some(),
            "{code}"
        );
    }
    assert_eq!(rule("ICERD"), EifAfter::ThirtiethDay);
    assert_eq!(rule("ICCPR"), EifAfter::ThreeMonths);
    assert_eq!(rule("ICESCR"), EifAfter::ThreeMonths);
    assert_eq!(rule("OP-CRC-AC"), EifAfter::OneMonth);
    assert_eq!(rule("OP-CRC-SC"), EifAfter::OneMonth);
    assert_eq!(rule("OP-CRC-IC"), EifAfter::ThreeMonths);
    assert_eq!(rule("ICMW"), EifAfter::FirstDayOfMonthAfterThreeMonths);
    assert_eq!(
        instrument(&d, "ICCPR")
            .state_entry_into_force
            .as_ref()
            .unwrap()
            .article,
        "49(2)"
    );
    // Council of Europe: ECHR art. 59(4), on the day of the deposit.
    assert_eq!(rule("ECHR"), EifAfter::OnDeposit);
}

#[test]
fn entry_into_force_rules() {
    use EifAfter::*;
    let treaty = day("1950-01-01");
    let f = |r: EifAfter, deposit: &str| r.state_entry_into_force(day(deposit), treaty);
    assert_eq!(f(ThirtiethDay, "1994-10-21"), day("1994-11-20"));
    assert_eq!(f(ThirtiethDay, "2000-12-15"), day("2001-01-14"));
    assert_eq!(f(OneMonth, "2008-09-24"), day("2008-10-24"));
    assert_eq!(f(OneMonth, "2011-01-31"), day("2011-02-28"));
    assert_eq!(f(ThreeMonths, "1998-12-10"), day("1999-03-10"));
    assert_eq!(f(ThreeMonths, "2003-11-30"), day("2004-02-29"));
    assert_eq!(
        f(FirstDayOfMonthAfterThreeMonths, "2004-01-30"),
        day("2004-05-01")
    );
    assert_eq!(
        f(FirstDayOfMonthAfterThreeMonths, "2004-09-15"),
        day("2005-01-01")
    );
    // A State that deposited before the treaty entered into force is bound from then.
    assert_eq!(
        ThreeMonths.state_entry_into_force(day("1968-01-01"), day("1976-03-23")),
        day("1976-03-23")
    );
}

#[test]
fn entry_into_force_of_the_shipped_facts() {
    let d = shipped_data();
    let eif = |iso3: &str, code: &str| dated(&d, iso3, code).entry_into_force(instrument(&d, code));
    assert_eq!(eif("USA", "ICERD"), Some(day("1994-11-20")));
    assert_eq!(eif("ZAF", "ICCPR"), Some(day("1999-03-10")));
    assert_eq!(eif("PAK", "CRC"), Some(day("1990-12-12")));
    assert_eq!(eif("NLD", "CRC"), Some(day("1995-03-08")));
    assert_eq!(eif("RUS", "OP-CRC-AC"), Some(day("2008-10-24")));
    assert_eq!(eif("TLS", "ICMW"), Some(day("2004-05-01")));
    assert_eq!(eif("TZA", "OP-CEDAW"), Some(day("2006-04-12")));
    // Early parties: the treaty's own entry into force.
    assert_eq!(eif("VAT", "CRC"), Some(day("1990-09-02")));
    assert_eq!(eif("MEX", "ICMW"), Some(day("2003-07-01")));
    assert_eq!(eif("THA", "OP-CRC-IC"), Some(day("2014-04-14")));
    assert_eq!(eif("AUS", "ICCPR-OP2"), Some(day("1991-07-11")));
    // Not computed: a succession, a year-only consent, no consent.
    assert_eq!(eif("SRB", "CRC"), None);
    assert_eq!(eif("FJI", "CAT"), None);
    assert_eq!(eif("USA", "CRC"), None);
}

fn rat_row(status: &str, sig: &str, consent: &str, kind: &str, source: &str) -> String {
    format!(
        "iso3,instrument,status,signature,consent,consent_kind,reservations,source,as_of,note\n\
         FRA,CAT,{status},{sig},{consent},{kind},,{source},2015-03-14,\n"
    )
}

#[test]
fn dated_ratification_errors() {
    let d = shipped_data();
    let parse = |t: &str| parse_dated_ratifications(t, &d.countries, &d.instruments);
    assert!(parse(&rat_row(
        "party",
        "1985-02-04",
        "1986-02-18",
        "ratification",
        "untc2015"
    ))
    .is_ok());
    for (text, field) in [
        (rat_row("party", "", "", "", "untc2015"), "consent"),
        (
            rat_row("none", "", "1986-02-18", "ratification", "untc2015"),
            "consent",
        ),
        (rat_row("party", "", "1986", "", "untc2015"), "consent"),
        (
            rat_row("party", "", "1986-02-18", "", "untc2015"),
            "consent_kind",
        ),
        (
            rat_row("party", "", "1986", "accession", "wpd2022"),
            "consent_kind",
        ),
        (
            rat_row(
                "party",
                "1987-01-01",
                "1986-02-18",
                "ratification",
                "untc2015",
            ),
            "consent",
        ),
        (
            rat_row("party", "", "2016-02-18", "ratification", "untc2015"),
            "consent",
        ),
        (
            rat_row("party", "", "1986-02-18", "ratification", "elsewhere"),
            "source",
        ),
        (
            rat_row("party", "", "1986-02-18", "signature", "untc2015"),
            "consent_kind",
        ),
    ] {
        let e = parse(&text).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{text}: {e}");
        assert_eq!(e.line, Some(2));
    }
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
fn thesauri_4509_terms_unique_and_parents_resolve() {
    let d = shipped_data();
    assert_eq!(d.thesauri.len(), 4509);
    let ids: HashSet<&str> = d.thesauri.iter().map(|t| t.vocab_number.as_str()).collect();
    assert_eq!(ids.len(), 4509);
    for t in &d.thesauri {
        if let Some(p) = &t.parent_vocab_number {
            assert!(ids.contains(p.as_str()));
        }
    }
    let lists: HashSet<u16> = d.thesauri.iter().map(|t| t.list_number).collect();
    // The HURIDOCS standard lists 1-48 and 67, and OpenEvSys' list 68; not the OpenEvSys
    // placeholders 80 ("Generic Additional Details 1"), 90 ("First issue"), 91, 92.
    assert_eq!(lists.len(), 50);
    for n in PLACEHOLDER_LISTS {
        assert!(!lists.contains(&n), "placeholder list {n} shipped");
    }
    let sources: HashSet<(u16, &str)> = lists.iter().map(|&n| (n, list_source(n))).collect();
    assert!(sources.contains(&(4, "HURIDOCS")) && sources.contains(&(67, "HURIDOCS")));
    assert!(sources.contains(&(68, "OpenEvSys")));
    assert_eq!(sources.iter().filter(|(_, s)| *s == "HURIDOCS").count(), 49);
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
    let e = parse_thesauri(&format!(
        "{h}90,,010000000000,0,,01000000000090,0,First issue,Premier question,Primer tema\n"
    ))
    .unwrap_err();
    assert!(e.message.contains("placeholder"), "{e}");
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
