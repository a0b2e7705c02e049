//! Reports: no information is not a gap, due from ratification, overdue counted.

use super::*;

/// Kenya's first report under `instrument`, submitted on `submitted` as `symbol`, recorded
/// as the system.
async fn first_report(s: &TestStore, instrument: &str, submitted: &str, symbol: &str) {
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let input = reports::ReportInput {
        number: 1,
        submitted: submitted.into(),
        symbol: symbol.into(),
        ..Default::default()
    };
    reports::set_report(&mut tx, "KEN", instrument, &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_instrument_with_nothing_recorded_is_no_information_not_a_gap() {
    for b in backends() {
        let s = fresh(b).await;
        let srb = ob::ratifications(&s, "SRB").await.unwrap();
        // Protocol No. 16: no shipped source covers it (the CoE facts cover the ECHR).
        let echr = srb.iter().find(|r| r.instrument == "ECHR-P16").unwrap();
        assert_eq!(echr.status, "unknown");
        let cat = srb.iter().find(|r| r.instrument == "CAT").unwrap();
        assert_eq!(cat.status, "party");
        // A UN instrument the shipped data records as "no action" stays "none".
        let usa = ob::ratifications(&s, "USA").await.unwrap();
        assert_eq!(
            usa.iter().find(|r| r.instrument == "CRC").unwrap().status,
            "signatory"
        );
        assert_eq!(
            usa.iter()
                .find(|r| r.instrument == "OP-ICESCR")
                .map(|r| r.status.as_str()),
            Some("none")
        );
        // The procedures of an instrument with nothing recorded are not known either.
        let procs = ob::procedures(&srb);
        assert!(procs
            .iter()
            .all(|p| p.acceptance != "not_accepted" || p.instrument != "ECHR-P16"));

        // Council of Europe matrix: Protocol No. 16 has nothing recorded yet, so nobody
        // counts as "not a party"; one recorded ratification and one recorded "no action"
        // count as such. The shipped CoE facts fill the ECHR column: 46 parties, and the
        // Russian Federation no longer bound.
        let coe = ob::MatrixFilter {
            system: Some("coe".into()),
            ..Default::default()
        };
        let m = ob::matrix(&s, "en", &coe).await.unwrap();
        let e = m.instruments.iter().find(|i| i.code == "ECHR-P16").unwrap();
        assert_eq!((e.parties, e.not_parties, e.unknown), (0, 0, 197));
        let k = m
            .instruments
            .iter()
            .position(|i| i.code == "ECHR-P16")
            .unwrap();
        assert!(m.rows.iter().all(|r| r.cells[k].status == "unknown"));
        let echr = m.instruments.iter().find(|i| i.code == "ECHR").unwrap();
        assert_eq!((echr.parties, echr.not_parties), (46, 1));
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        for (iso3, status, consent) in [("SRB", "party", "2019-03-03"), ("BLR", "none", "")] {
            ob::set_ratification(
                &mut tx,
                iso3,
                "ECHR-P16",
                &RatificationInput {
                    status: status.into(),
                    consent: consent.into(),
                    ..Default::default()
                },
                "user",
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let m = ob::matrix(&s, "en", &coe).await.unwrap();
        let e = m.instruments.iter().find(|i| i.code == "ECHR-P16").unwrap();
        assert_eq!((e.parties, e.not_parties, e.unknown), (1, 1, 195));
        let srb_row = m.rows.iter().find(|r| r.iso3 == "SRB").unwrap();
        let k = m
            .instruments
            .iter()
            .position(|i| i.code == "ECHR-P16")
            .unwrap();
        assert_eq!(
            (
                srb_row.cells[k].status.as_str(),
                srb_row.cells[k].consent.as_str()
            ),
            ("party", "2019-03-03")
        );
        // UN matrix: every cell of the 197 States comes from the shipped data.
        let un = ob::matrix(&s, "en", &Default::default()).await.unwrap();
        assert!(un.instruments.iter().all(|i| i.unknown == 0));
        assert!(un
            .instruments
            .iter()
            .all(|i| i.parties + i.signatories + i.not_parties == 197));
    }
}

#[tokio::test]
async fn without_reporting_data_nothing_is_overdue_until_a_report_is_recorded() {
    for b in backends() {
        let s = fresh(b).await;
        let today = ob::today();
        let until = today + chrono::Duration::days(365);
        // Kenya, party to ICERD since 2001 per the shipped data; no report recorded.
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cerd: Vec<_> = all.iter().filter(|r| r.instrument == "ICERD").collect();
        assert!(cerd.len() > 5, "{cerd:?}");
        assert!(cerd.iter().all(|r| r.no_data && r.overdue_days.is_none()));
        assert!(all.iter().all(|r| r.overdue_days.is_none()));
        // What is due: the estimated next report, from today on.
        let out = reports::outstanding(&all);
        let next = out.iter().find(|r| r.instrument == "ICERD").unwrap();
        assert!(next.no_data);
        assert!(
            next.due_date.as_str() >= today.to_string().as_str(),
            "{next:?}"
        );
        // The deadlines list holds no arrears either.
        let d = reports::deadlines(&s, "KEN", 365).await.unwrap();
        assert!(
            d.iter().all(|r| r.no_data && r.overdue_days.is_none()),
            "{d:?}"
        );

        // One report recorded for the State under ICERD: the delay is counted again.
        first_report(&s, "ICERD", "2004-06-01", "CERD/C/KEN/1-4").await;
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cerd: Vec<_> = all.iter().filter(|r| r.instrument == "ICERD").collect();
        assert!(cerd.iter().all(|r| !r.no_data));
        let out = reports::outstanding(&all);
        let next = out.iter().find(|r| r.instrument == "ICERD").unwrap();
        assert_eq!(next.number, 2);
        assert!(next.overdue_days.unwrap() > 1000, "{next:?}");
        // The other treaties still have no data.
        assert!(all
            .iter()
            .filter(|r| r.instrument == "ICCPR")
            .all(|r| r.no_data && r.overdue_days.is_none()));
    }
}

#[tokio::test]
async fn a_state_bound_before_the_treaty_entered_into_force_reports_from_the_treatys_day() {
    for b in backends() {
        let s = fresh(b).await;
        // Kenya's consent to CPED recorded on 2009-06-01, before CPED entered into force
        // (2010-12-23, art. 39(1)): Kenya is bound from that day, not 30 days after it
        // (art. 39(2) is for States that ratify after the entry into force).
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let early = ob::RatificationInput {
            status: "party".into(),
            consent: "2009-06-01".into(),
            ..Default::default()
        };
        ob::set_ratification(&mut tx, "KEN", "CPED", &early, "user")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let until = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cped = all.iter().find(|r| r.instrument == "CPED").unwrap();
        // Initial report two years after 2010-12-23 (art. 29(1)).
        assert_eq!(cped.computed_due, "2012-12-23");
    }
}

#[tokio::test]
async fn reports_are_due_from_ratification_and_overdue_is_counted() {
    for b in backends() {
        let s = fresh(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        ob::set_ratification(&mut tx, "KEN", "CPED", &common::party_since_2015(), "user")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let until = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cped: Vec<_> = all.iter().filter(|r| r.instrument == "CPED").collect();
        // Entry into force on the 30th day (2015-02-09), initial report 2 years later.
        assert_eq!(cped.len(), 1);
        assert_eq!(cped[0].due_date, "2017-02-09");
        assert!(!cped[0].approximate);
        // Nothing recorded about Kenya's reporting under CPED: no arrears claimed.
        assert!(cped[0].no_data && cped[0].overdue_days.is_none());
        // The initial report recorded as expected (not submitted): now it is overdue.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        common::kenya_first_cped_report(
            &mut tx,
            reports::ReportInput {
                note: "requested by the Committee".into(),
                ..Default::default()
            },
        )
        .await;
        tx.commit().await.unwrap();
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cped: Vec<_> = all.iter().filter(|r| r.instrument == "CPED").collect();
        assert!(!cped[0].no_data && cped[0].recorded);
        assert!(cped[0].overdue_days.unwrap() > 2000);
        // Submitting it ends the delay; a submission before ratification is refused.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let bad = reports::set_report(
            &mut tx,
            "KEN",
            "CPED",
            &reports::ReportInput {
                number: 1,
                submitted: "2014-12-01".into(),
                ..Default::default()
            },
        )
        .await;
        assert!(
            matches!(bad, Err(StoreError::Rejected(ref e)) if e.field == "submitted"),
            "{bad:?}"
        );
        tx.rollback().await.unwrap();
        first_report(&s, "CPED", "2018-03-01", "CED/C/KEN/1").await;
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cped = all.iter().find(|r| r.instrument == "CPED").unwrap();
        assert_eq!(cped.overdue_days, None);
        assert_eq!(cped.symbol, "CED/C/KEN/1");
        // Shipped years give approximate schedules; ICCPR (1972) has periodic reports, on
        // the Human Rights Committee's eight-year cycle: from the Covenant's entry into
        // force (1976-03-23), 1977, 1985, … 2025, and the next one, 2033.
        let iccpr: Vec<_> = all.iter().filter(|r| r.instrument == "ICCPR").collect();
        // Kenya's consent (1972) came before the Covenant's own entry into force, which
        // binds it from that exact day: not approximate.
        assert!(iccpr.len() == 8 && !iccpr[0].approximate, "{iccpr:?}");
        assert_eq!(iccpr[7].due_date, "2033-03-23");
        // A consent known to the year only, after the entry into force (CEDAW), gives
        // approximate dates; a consent to the day, exact ones.
        let rats = ob::ratifications(&s, "KEN").await.unwrap();
        let cedaw_consent = &rats
            .iter()
            .find(|r| r.instrument == "CEDAW")
            .unwrap()
            .consent;
        let cedaw = all.iter().find(|r| r.instrument == "CEDAW").unwrap();
        assert_eq!(
            cedaw.approximate,
            cedaw_consent.len() < 10,
            "{cedaw_consent}"
        );
        // A consent known only by its year (the 2022 extract: Antigua and Barbuda's
        // ICCPR, 2019) gives an approximate schedule.
        let atg = reports::reports(&s, "ATG", until).await.unwrap();
        let atg: Vec<_> = atg.iter().filter(|r| r.instrument == "ICCPR").collect();
        assert!(!atg.is_empty() && atg[0].approximate, "{atg:?}");
        // ICCPR has no reporting data recorded: no arrears, whatever the schedule says.
        assert!(iccpr.iter().all(|r| r.no_data && r.overdue_days.is_none()));
        let d = reports::deadlines(&s, "KEN", 365).await.unwrap();
        assert!(!d.iter().any(|r| r.overdue_days.is_some()), "{d:?}");
        assert!(!d.iter().any(|r| r.instrument == "CPED"));

        // Special procedures: a visit and the standing invitation.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        common::sr_torture_mandate(&mut tx).await;
        reports::add_visit(
            &mut tx,
            "KEN",
            &reports::Visit {
                status: "completed".into(),
                requested: "2019".into(),
                accepted: "2020-01".into(),
                visit_start: "2021-05-03".into(),
                visit_end: "2021-05-12".into(),
                report_symbol: "A/HRC/49/50/Add.1".into(),
                ..common::sr_torture_visit()
            },
        )
        .await
        .unwrap();
        reports::set_standing_invitation(&mut tx, "KEN", Some("2011"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            reports::visits(&s, "KEN").await.unwrap()[0].report_symbol,
            "A/HRC/49/50/Add.1"
        );
        assert_eq!(
            reports::standing_invitation(&s, "KEN")
                .await
                .unwrap()
                .as_deref(),
            Some("2011")
        );
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let bad = reports::add_visit(
            &mut tx,
            "KEN",
            &reports::Visit {
                status: "completed".into(),
                visit_start: "2021-05-03".into(),
                visit_end: "2021-04-12".into(),
                ..common::sr_torture_visit()
            },
        )
        .await;
        assert!(matches!(bad, Err(StoreError::Rejected(ref e)) if e.field == "visit_end"));
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn mandate_holders_are_listed_by_start_date_estimated_dates_included() {
    for b in backends() {
        let s = fresh(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let id = reports::upsert_mandate(&mut tx, "SR-X", "A mandate", "thematic", None, "1985")
            .await
            .unwrap();
        // Entered out of order; one start estimated, one a year only.
        for (name, start) in [
            ("Third", "2016-11-01"),
            ("First", "~2004-12-01"),
            ("Second", "2010"),
            ("Fourth", "~2022-11-01"),
        ] {
            reports::add_holder(&mut tx, id, name, start, "")
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let m = reports::mandates(&s).await.unwrap();
        let m = m.iter().find(|m| m.id == id).unwrap();
        let names: Vec<&str> = m.holders.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["First", "Second", "Third", "Fourth"], "{b:?}");
    }
}
