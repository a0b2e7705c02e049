//! The Council of Europe treaty facts (`data/treaties/coe-*.csv`): the parser's checks, the
//! entry-into-force rules of the CoE instruments, and the shape of the shipped data (the
//! facts themselves are checked against the sources once loaded, in dignity-store's
//! `refdata_coe` tests).

use super::*;
use crate::Precision;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn shipped() -> RefData {
    parse_shipped().unwrap_or_else(|e| panic!("shipped data does not parse: {e}"))
}

/// The 46 member States of the Council of Europe (since the Russian Federation's exclusion
/// on 16 March 2022).
const MEMBERS: [&str; 46] = [
    "ALB", "AND", "ARM", "AUT", "AZE", "BEL", "BIH", "BGR", "HRV", "CYP", "CZE", "DNK", "EST",
    "FIN", "FRA", "GEO", "DEU", "GRC", "HUN", "ISL", "IRL", "ITA", "LVA", "LIE", "LTU", "LUX",
    "MLT", "MDA", "MCO", "MNE", "NLD", "MKD", "NOR", "POL", "PRT", "ROU", "SMR", "SRB", "SVK",
    "SVN", "ESP", "SWE", "CHE", "TUR", "UKR", "GBR",
];

#[test]
fn the_46_members_and_russia_as_a_former_member() {
    let d = shipped();
    let mut members: Vec<&str> = d
        .coe_members
        .iter()
        .filter(|m| m.member)
        .map(|m| m.iso3.as_str())
        .collect();
    members.sort_unstable();
    let mut expected = MEMBERS.to_vec();
    expected.sort_unstable();
    assert_eq!(members, expected);
    let rus = d.coe_members.iter().find(|m| m.iso3 == "RUS").unwrap();
    assert!(!rus.member);
    assert_eq!(rus.left, Some(day("2022-03-16")));
    // Every member State has facts, and at least the ECHR, the CPT Convention, the
    // Framework Convention, the anti-trafficking and the Lanzarote Conventions for each.
    for m in MEMBERS {
        for code in [
            "ECHR",
            "ECPT",
            "FCNM",
            "TRAFFICKING",
            "LANZAROTE",
            "ECHR-P13",
        ] {
            assert!(
                d.coe_ratifications
                    .iter()
                    .any(|r| r.iso3 == m && r.instrument == code),
                "{m} {code}"
            );
        }
    }
}

#[test]
fn every_coe_fact_has_a_source_and_an_as_of_date() {
    let d = shipped();
    assert!(d.coe_ratifications.len() > 300);
    for r in &d.coe_ratifications {
        assert!(!r.sources.is_empty(), "{} {}", r.iso3, r.instrument);
        assert!(r.as_of.precision() != Precision::Unknown);
        assert!(r.sources.iter().all(|s| s.starts_with("http")));
    }
}

#[test]
fn withdrawals_are_denunciations_with_their_date() {
    let d = shipped();
    let fact = |iso3: &str, code: &str| {
        d.coe_ratifications
            .iter()
            .find(|r| r.iso3 == iso3 && r.instrument == code)
            .unwrap_or_else(|| panic!("{iso3} {code}"))
    };
    let rus = fact("RUS", "ECHR");
    assert_eq!(rus.status, TreatyStatus::Denounced);
    assert_eq!(rus.denunciation, Some(day("2022-09-16")));
    let tur = fact("TUR", "ISTANBUL");
    assert_eq!(tur.status, TreatyStatus::Denounced);
    assert_eq!(tur.denunciation, Some(day("2021-07-01")));
    assert_eq!(tur.ratification.to_string(), "2012");
    let denounced: Vec<(&str, &str)> = d
        .coe_ratifications
        .iter()
        .filter(|r| r.status == TreatyStatus::Denounced)
        .map(|r| (r.iso3.as_str(), r.instrument.as_str()))
        .collect();
    assert_eq!(denounced, [("RUS", "ECHR"), ("TUR", "ISTANBUL")]);
}

#[test]
fn coe_entry_into_force_rules() {
    use EifAfter::*;
    let treaty = day("1950-01-01");
    let f = |r: EifAfter, deposit: &str| r.state_entry_into_force(day(deposit), treaty);
    // ECHR art. 59(4): on the day of the deposit.
    assert_eq!(f(OnDeposit, "1996-10-02"), day("1996-10-02"));
    // Revised Charter art. K(3): first day of the month after one month.
    assert_eq!(
        f(FirstDayOfMonthAfterOneMonth, "2002-11-14"),
        day("2003-01-01")
    );
    assert_eq!(
        f(FirstDayOfMonthAfterOneMonth, "2011-05-20"),
        day("2011-07-01")
    );
    assert_eq!(
        f(FirstDayOfMonthAfterOneMonth, "2000-12-31"),
        day("2001-02-01")
    );
    // Most CoE conventions: first day of the month after three months.
    assert_eq!(
        f(FirstDayOfMonthAfterThreeMonths, "2012-03-14"),
        day("2012-07-01")
    );
    // A deposit before the treaty's own entry into force binds from that day.
    assert_eq!(
        OnDeposit.state_entry_into_force(day("1951-03-18"), day("1953-09-03")),
        day("1953-09-03")
    );
    let d = shipped();
    let rule = |code: &str| {
        d.instruments
            .iter()
            .find(|i| i.code == code)
            .and_then(|i| i.state_entry_into_force.as_ref())
            .map(|r| (r.rule, r.article.as_str()))
    };
    assert_eq!(rule("ECHR"), Some((OnDeposit, "59(4)")));
    assert_eq!(
        rule("ESC-REV"),
        Some((FirstDayOfMonthAfterOneMonth, "K(3)"))
    );
    assert_eq!(
        rule("ESC-CC"),
        Some((FirstDayOfMonthAfterOneMonth, "14(2)"))
    );
    assert_eq!(rule("ESC"), Some((ThirtiethDay, "35(3)")));
    for (code, art) in [
        ("ECHR-P13", "7(2)"),
        ("ECHR-P16", "8(2)"),
        ("FCNM", "28(2)"),
        ("ISTANBUL", "75(4)"),
        ("TRAFFICKING", "42(4)"),
        ("LANZAROTE", "45(4)"),
    ] {
        assert_eq!(rule(code), Some((FirstDayOfMonthAfterThreeMonths, art)));
    }
    // Texts not read: no rule rather than a guessed one.
    assert_eq!(rule("ECHR-P6"), None);
    assert_eq!(rule("ECPT"), None);
}

#[test]
fn shipped_entry_into_force_agrees_with_the_rules() {
    // Where the source gives both the ratification and the entry into force, the rule
    // gives the same day (the parser refuses a disagreement; this shows it was checked).
    let d = shipped();
    let mut checked = 0;
    for r in &d.coe_ratifications {
        let inst = d
            .instruments
            .iter()
            .find(|i| i.code == r.instrument)
            .unwrap();
        if let (Some(given), Some(rule), Some(dep)) = (
            r.entry_into_force,
            &inst.state_entry_into_force,
            (r.ratification.precision() == Precision::Exact)
                .then(|| r.ratification.earliest())
                .flatten(),
        ) {
            assert_eq!(
                rule.rule.state_entry_into_force(dep, inst.entry_into_force),
                given,
                "{} {}",
                r.iso3,
                r.instrument
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked}");
    // Computed where the source gives the ratification only: Armenia's revised Charter
    // (ratified 2004-01-21) entered into force for it on 2004-03-01 under art. K(3).
    let arm = d
        .coe_ratifications
        .iter()
        .find(|r| r.iso3 == "ARM" && r.instrument == "ESC-REV")
        .unwrap();
    let inst = d.instruments.iter().find(|i| i.code == "ESC-REV").unwrap();
    assert_eq!(arm.entry_into_force, None);
    assert_eq!(arm.entry_into_force_for(inst), Some(day("2004-03-01")));
}

const HEADER: &str =
    "iso3,instrument,status,signature,ratification,entry_into_force,denunciation,as_of,source,note\n";

fn parse_one(row: &str) -> Result<Vec<CoeRatification>, RefDataError> {
    let d = shipped();
    parse_coe_ratifications(&format!("{HEADER}{row}\n"), &d.coe_members, &d.instruments)
}

#[test]
fn coe_parser_refuses_what_it_cannot_stand_behind() {
    let ok = "ALB,ECHR,party,1995-07-13,1996-10-02,1996-10-02,,2022-03-16,https://example.org/a,";
    assert_eq!(parse_one(ok).unwrap().len(), 1);
    let refused = [
        // no source, or not a URL
        ("ALB,ECHR,party,,,,,2022-03-16,,", "source"),
        ("ALB,ECHR,party,,,,,2022-03-16,the CoE,", "source"),
        // no as-of date
        ("ALB,ECHR,party,,,,,,https://example.org,", "as_of"),
        // not a member State
        ("USA,ECHR,party,,,,,2022-03-16,https://example.org,", "iso3"),
        // a UN instrument
        (
            "ALB,ICCPR,party,,,,,2022-03-16,https://example.org,",
            "instrument",
        ),
        // a ratification for a signatory
        (
            "ALB,ECHR,signatory,,1996-10-02,,,2022-03-16,https://example.org,",
            "ratification",
        ),
        // a denunciation without its date, and a date for a party
        (
            "ALB,ECHR,denounced,,,,,2022-03-16,https://example.org,",
            "denunciation",
        ),
        (
            "ALB,ECHR,party,,,,2020-01-01,2022-03-16,https://example.org,",
            "denunciation",
        ),
        // a date after the as-of date, before the opening, out of order
        (
            "ALB,ECHR,party,,2023-01-01,,,2022-03-16,https://example.org,",
            "ratification",
        ),
        (
            "ALB,ECHR,party,1949-01-01,,,,2022-03-16,https://example.org,",
            "signature",
        ),
        (
            "ALB,ECHR,party,1997-01-01,1996-10-02,,,2022-03-16,https://example.org,",
            "ratification",
        ),
        // an entry into force the rule contradicts (art. 59(4): the day of the deposit)
        (
            "ALB,ECHR,party,,1996-10-02,1996-11-01,,2022-03-16,https://example.org,",
            "entry_into_force",
        ),
        // a signature by year only; a State that signed is not `none`
        (
            "ALB,ECHR,signatory,1995,,,,2022-03-16,https://example.org,",
            "signature",
        ),
        (
            "AZE,ECHR-P13,none,2002-05-03,,,,2022-05-03,https://example.org,",
            "signature",
        ),
    ];
    for (row, field) in refused {
        let e = parse_one(row).expect_err(row);
        assert_eq!(e.field.as_deref(), Some(field), "{row}: {e}");
    }
    let dup = format!("{ok}\n{ok}");
    assert!(parse_one(&dup).is_err());
}
