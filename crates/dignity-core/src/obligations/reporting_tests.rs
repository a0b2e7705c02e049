//! The reporting calculation (`reporting_obligations`) on the tricky cases of issue 17:
//! the Human Rights Committee's cycle, combined reports, dates a committee set, a history
//! too incomplete to count arrears, ICCPR-OP2, OP-CRC-AC without the CRC, and a consent
//! before the treaty's entry into force.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn consent(instrument: &str, on: &str) -> Consent {
    Consent {
        instrument: instrument.into(),
        consent: PartialDate::parse(on).unwrap(),
    }
}

fn submitted(instrument: &str, first: u32, last: u32, on: &str) -> RecordedReport {
    RecordedReport {
        instrument: instrument.into(),
        first,
        last,
        submitted: Some(d(on)),
        ..Default::default()
    }
}

const TODAY: &str = "2026-12-07";

/// The reporting under `instrument` computed through 2030.
fn run(consents: &[Consent], recorded: &[RecordedReport], instrument: &str) -> TreatyReporting {
    try_run(consents, recorded, instrument).unwrap_or_else(|| panic!("{instrument}: nothing"))
}

fn try_run(
    consents: &[Consent],
    recorded: &[RecordedReport],
    instrument: &str,
) -> Option<TreatyReporting> {
    reporting_obligations(
        crate::refdata::shipped_instruments(),
        consents,
        recorded,
        d(TODAY),
        d("2030-01-01"),
    )
    .into_iter()
    .find(|t| t.instrument == instrument)
}

fn dues(t: &TreatyReporting) -> Vec<(u32, u32, String)> {
    t.lines
        .iter()
        .map(|l| {
            (
                l.first,
                l.last,
                l.due.map(|d| d.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn the_human_rights_committee_reviews_every_eight_years() {
    // Bound three months after the deposit (art. 49(2)); initial report one year later,
    // then the eight-year predictable review cycle, not four years.
    let c = [consent("ICCPR", "2000-01-10")];
    let t = run(&c, &[], "ICCPR");
    assert_eq!(
        dues(&t)[..4],
        [
            (1, 1, "2001-04-10".to_string()),
            (2, 2, "2009-04-10".to_string()),
            (3, 3, "2017-04-10".to_string()),
            (4, 4, "2025-04-10".to_string()),
        ]
    );
    // The initial report submitted late: the next one is due eight years after it.
    let t = run(&c, &[submitted("ICCPR", 1, 1, "2004-05-01")], "ICCPR");
    assert_eq!(t.lines[1].due, Some(d("2012-05-01")));
    assert_eq!(t.lines[1].status, ReportStatus::Overdue);
    assert!(t.lines[1].next);
}

#[test]
fn cerd_expects_combined_reports_and_a_combined_submission_is_one_line() {
    let c = [consent("ICERD", "2001-09-13")];
    // Initial report one year after the 30th day; then two periodic reports (every two
    // years, art. 9(1)) in one submission every four years.
    let t = run(&c, &[], "ICERD");
    assert_eq!(
        dues(&t)[..3],
        [
            (1, 1, "2002-10-13".to_string()),
            (2, 3, "2006-10-13".to_string()),
            (4, 5, "2010-10-13".to_string()),
        ]
    );
    // One submission covering the initial to the fourth report ("combined 1st–4th").
    let t = run(&c, &[submitted("ICERD", 1, 4, "2004-06-01")], "ICERD");
    assert_eq!(t.lines[0].first, 1);
    assert_eq!(t.lines[0].last, 4);
    assert_eq!(t.lines[0].status, ReportStatus::Submitted);
    // Next: the fifth and sixth together, on the treaty's calendar for the sixth.
    assert_eq!((t.lines[1].first, t.lines[1].last), (5, 6));
    assert_eq!(t.lines[1].due, Some(d("2012-10-13")));
    assert!(t.lines[1].next && t.lines[1].overdue_days.unwrap() > 5000);
}

#[test]
fn a_date_set_by_the_committee_wins_over_the_computed_one() {
    let c = [consent("CAT", "1990-01-01")];
    let set = RecordedReport {
        instrument: "CAT".into(),
        first: 5,
        last: 6,
        due: Some(d("2028-05-13")),
        due_set_in: "CAT/C/XXX/CO/4".into(),
        loipr: Some(SimplifiedProcedure::Accepted),
        ..Default::default()
    };
    let rec = [submitted("CAT", 4, 4, "2015-03-01"), set];
    let t = run(&c, &rec, "CAT");
    let next = t.next().unwrap();
    assert_eq!((next.first, next.last), (5, 6));
    assert_eq!(next.due, Some(d("2028-05-13")));
    assert_eq!(next.due_source, DueSource::Committee);
    assert_eq!(next.status, ReportStatus::Due);
    assert_eq!(next.loipr, Some(SimplifiedProcedure::Accepted));
    assert_eq!(next.recorded, Some(1));
    // Reports 1 to 3 are not recorded but came before the fourth: never overdue.
    assert_eq!(t.lines[0].status, ReportStatus::NotRecorded);
    assert_eq!((t.lines[0].first, t.lines[0].last), (1, 3));
    assert!(t.lines.iter().all(|l| l.overdue_days.is_none()));
    // The committee may also set a date earlier than the calendar's: it still wins.
    let early = RecordedReport {
        due: Some(d("2017-01-01")),
        ..rec[1].clone()
    };
    let t = run(&c, &[rec[0].clone(), early], "CAT");
    let next = t.next().unwrap();
    assert_eq!(next.due, Some(d("2017-01-01")));
    assert_eq!(next.status, ReportStatus::Overdue);
    // After it, the next submission counts from the committee's date.
    let after = &t.lines[t.lines.iter().position(|l| l.next).unwrap() + 1];
    assert_eq!((after.first, after.due), (7, Some(d("2021-01-01"))));
}

#[test]
fn an_incomplete_history_says_unknown_never_overdue() {
    let c = [consent("CEDAW", "1984-03-09")];
    // Nothing recorded: estimates only, nothing overdue; what is next is the first
    // report due from today on.
    let t = run(&c, &[], "CEDAW");
    assert_eq!(t.history, History::None);
    assert!(t.lines.iter().all(|l| l.overdue_days.is_none()));
    assert!(t
        .lines
        .iter()
        .filter(|l| l.due.unwrap() < d(TODAY))
        .all(|l| l.status == ReportStatus::Unknown));
    assert!(t.next().unwrap().due.unwrap() >= d(TODAY));
    // Only the ninth report recorded, as expected, without a date: the reports before it
    // are not recorded, and its own computed date rests on that gap: unknown.
    let ninth = RecordedReport {
        instrument: "CEDAW".into(),
        first: 9,
        last: 9,
        ..Default::default()
    };
    let t = run(&c, std::slice::from_ref(&ninth), "CEDAW");
    assert_eq!(t.lines[0].status, ReportStatus::NotRecorded);
    let next = t.next().unwrap();
    assert_eq!(next.first, 9);
    assert_eq!(next.status, ReportStatus::Unknown);
    assert!(t.lines.iter().all(|l| l.overdue_days.is_none()), "{t:?}");
    // With the eighth report's submission recorded, the ninth's delay is known.
    let t = run(
        &c,
        &[submitted("CEDAW", 8, 8, "2015-01-01"), ninth],
        "CEDAW",
    );
    let next = t.next().unwrap();
    assert_eq!(next.first, 9);
    assert_eq!(next.status, ReportStatus::Overdue);
    assert_eq!(next.due, Some(d("2019-01-01")));
}

#[test]
fn iccpr_op2_has_no_report_of_its_own() {
    let c = [
        consent("ICCPR", "1990-01-01"),
        consent("ICCPR-OP2", "1995-01-01"),
    ];
    assert!(try_run(&c, &[], "ICCPR-OP2").is_none());
    assert!(try_run(&c, &[], "ICCPR").is_some());
}

#[test]
fn op_crc_ac_goes_into_the_crc_report_or_every_five_years_without_the_crc() {
    let first = [submitted("OP-CRC-AC", 1, 1, "2007-01-15")];
    // A party to the CRC: the initial report, then inside the CRC report.
    let c = [
        consent("CRC", "1990-08-01"),
        consent("OP-CRC-AC", "2004-06-01"),
    ];
    let t = run(&c, &[], "OP-CRC-AC");
    assert_eq!(t.lines.len(), 1);
    let t = run(&c, &first, "OP-CRC-AC");
    assert_eq!(t.lines.len(), 2);
    let next = t.next().unwrap();
    assert_eq!(next.status, ReportStatus::InOtherReport);
    assert_eq!(next.included_in.as_deref(), Some("CRC"));
    assert_eq!((next.due, next.overdue_days), (None, None));
    // Not a party to the CRC (art. 8(2)): a report of its own every five years.
    let c = [consent("OP-CRC-AC", "2002-12-23")];
    let t = run(&c, &first, "OP-CRC-AC");
    let next = t.next().unwrap();
    assert_eq!((next.first, next.due), (2, Some(d("2012-01-15"))));
    assert_eq!(next.status, ReportStatus::Overdue);
    assert_eq!(t.lines[2].due, Some(d("2017-01-15")));
}

#[test]
fn a_consent_before_the_treaty_entered_into_force_counts_from_the_treatys_day() {
    // CPED entered into force on 2010-12-23; a deposit in 2009 binds from that day
    // (art. 39(1)), the initial report two years later (art. 29(1)).
    let c = [consent("CPED", "2009-06-01")];
    let t = run(&c, &[], "CPED");
    assert_eq!(dues(&t), [(1, 1, "2012-12-23".to_string())]);
    assert!(!t.lines[0].approximate);
    // Then additional information only on request: nothing due by itself.
    let t = run(&c, &[submitted("CPED", 1, 1, "2013-05-01")], "CPED");
    assert_eq!(t.next().unwrap().status, ReportStatus::OnRequest);
    // A year-only consent after the entry into force gives approximate dates.
    let t = run(&[consent("CPED", "2015")], &[], "CPED");
    assert!(t.lines[0].approximate);
}

#[test]
fn a_report_submitted_early_still_shows_the_next_one() {
    let c = [consent("CRPD", "2010-01-01")];
    let rec = [
        submitted("CRPD", 1, 1, "2012-01-01"),
        submitted("CRPD", 2, 3, "2026-12-01"),
    ];
    let t = run(&c, &rec, "CRPD");
    let next = t.next().unwrap();
    assert_eq!((next.first, next.status), (4, ReportStatus::Due));
    assert_eq!(next.due, Some(d("2030-12-01")));
}

#[test]
fn simplified_procedure_statuses_parse_or_name_the_field() {
    assert_eq!(SimplifiedProcedure::parse("").unwrap(), None);
    assert_eq!(
        SimplifiedProcedure::parse("list_transmitted").unwrap(),
        Some(SimplifiedProcedure::ListTransmitted)
    );
    assert_eq!(
        SimplifiedProcedure::parse("maybe").unwrap_err().field,
        "loipr"
    );
}

#[test]
fn a_recorded_cycle_is_checked_field_by_field() {
    let f = parse_report(5, "2028-05-13", "").unwrap();
    let c = parse_cycle(&f, 7, "CAT/C/XXX/CO/4", "accepted", &[(1, 4)]).unwrap();
    assert_eq!((c.last, c.loipr), (7, Some(SimplifiedProcedure::Accepted)));
    assert_eq!(parse_cycle(&f, 0, "", "", &[]).unwrap().last, 5);
    assert_eq!(
        parse_cycle(&f, 4, "", "", &[]).unwrap_err().field,
        "number_to"
    );
    assert_eq!(
        parse_cycle(&f, 7, "", "", &[(6, 6)]).unwrap_err().field,
        "number_to"
    );
    let no_date = parse_report(5, "", "").unwrap();
    assert_eq!(
        parse_cycle(&no_date, 0, "CAT/C/XXX/CO/4", "", &[])
            .unwrap_err()
            .field,
        "due_date"
    );
    assert_eq!(
        parse_cycle(&f, 0, "", "soon", &[]).unwrap_err().field,
        "loipr"
    );
    let op2 = crate::refdata::find_instrument(crate::refdata::shipped_instruments(), "ICCPR-OP2");
    assert_eq!(
        check_reports_of_its_own(op2.unwrap()).unwrap_err().field,
        "instrument"
    );
}
