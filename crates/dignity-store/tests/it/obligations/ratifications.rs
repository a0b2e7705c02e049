//! Shipped ratifications (loaded once, user edits kept) and impossible ratifications refused with
//! the field.

use super::*;

#[tokio::test]
async fn shipped_ratifications_load_once_and_keep_user_edits() {
    for b in backends() {
        let s = fresh(b).await;
        let rats = ob::ratifications(&s, "JAM").await.unwrap();
        // data/treaties/ratifications.csv: JAM,ICCPR-OP1,denounced,1966-12-19,1975-10-03
        // (UNTC MTDSG IV-5; denounced 1997, effective 1998).
        let op1 = rats.iter().find(|r| r.instrument == "ICCPR-OP1").unwrap();
        assert_eq!(op1.status, "denounced");
        assert_eq!(op1.consent, "1975-10-03");
        // FRA,CAT,party,1985-02-04,1986-02-18,ratification (UNTC MTDSG IV-9).
        let fra = ob::ratifications(&s, "FRA").await.unwrap();
        let cat = fra.iter().find(|r| r.instrument == "CAT").unwrap();
        assert_eq!(
            (cat.status.as_str(), cat.consent.as_str()),
            ("party", "1986-02-18")
        );
        // A Council of Europe instrument that no shipped fact covers for the State reads
        // "no information", not "not a party" (the CoE facts: `obligations/coe.rs`).
        assert_eq!(
            fra.iter()
                .find(|r| r.instrument == "ECHR-P16")
                .unwrap()
                .status,
            "unknown"
        );
        let m = ob::matrix(&s, "en", &Default::default()).await.unwrap();
        // The 193 UN members, the Holy See and the State of Palestine (observers), the
        // Cook Islands and Niue (parties to UN treaties).
        assert_eq!(m.rows.len(), 197);
        assert_eq!(m.instruments.len(), 18);
        let crc = m.instruments.iter().find(|i| i.code == "CRC").unwrap();
        assert_eq!(
            crc.parties, 196,
            "every State of the file but the United States"
        );
        let afr = ob::MatrixFilter {
            group: Some("AFRICAN".into()),
            ..Default::default()
        };
        let afr = ob::matrix(&s, "en", &afr).await.unwrap();
        assert_eq!(afr.rows.len(), 54);
        let eu = ob::MatrixFilter {
            region: Some("Europe".into()),
            ..Default::default()
        };
        let eu = ob::matrix(&s, "en", &eu).await.unwrap();
        assert!(
            eu.rows.iter().any(|r| r.iso3 == "FRA") && !eu.rows.iter().any(|r| r.iso3 == "KEN")
        );

        // A user sets the exact date and the art. 22 declaration; it is audited.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let input = RatificationInput {
            status: "party".into(),
            signature: "1985-02-04".into(),
            consent: "1986-02-18".into(),
            consent_kind: "ratification".into(),
            complaints_declaration: Some(true),
            ..Default::default()
        };
        ob::set_ratification(&mut tx, "FRA", "CAT", &input, "user")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let p = ob::procedures(&ob::ratifications(&s, "FRA").await.unwrap());
        let cat22 = p.iter().find(|p| p.label == "CAT art. 22").unwrap();
        assert_eq!(cat22.acceptance, "accepted");
        let audit = dignity_store::audit::list(
            &s,
            &dignity_store::audit::AuditFilter {
                action: Some("ratification.update".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].record_id, "FRA/CAT");
        assert!(audit[0].before_hash.is_some() && audit[0].after_hash.is_some());

        // Reloading the shipped data (a newer version) keeps the user's row.
        sqlx::query("UPDATE refdata_versions SET version = '0' WHERE name = 'ratifications'")
            .execute(s.pool())
            .await
            .unwrap();
        dignity_store::refdata::load_shipped(&s).await.unwrap();
        let cat = ob::ratification(&s, "FRA", "CAT").await.unwrap().unwrap();
        assert_eq!(cat.consent, "1986-02-18");
        assert_eq!(cat.source, "user");
        // The office's row is its own fact: recorded today, no shipped source.
        assert_eq!(cat.fact_source, "");
        assert_eq!(cat.as_of, ob::today().to_string());
    }
}

/// Cells of the loaded table against `data/treaties/ratifications.csv`, each read by
/// hand from the file and the UN Treaty Collection's chapter IV participant table
/// (<https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-N&chapter=4>,
/// N as given), then every row of the file against the table.
#[tokio::test]
async fn the_dated_ratifications_are_loaded_as_the_file_gives_them() {
    // (iso3, instrument, status, signature, consent, kind, reservations listed, source,
    //  as of, entry into force for the State)
    #[rustfmt::skip]
    let cells = [
        // IV-2 (ICERD): the 2022 extract gave the signature year 1966 for these four.
        ("USA", "ICERD", "party", "1966-09-28", "1994-10-21", "ratification", "yes", "untc2015", "2022-08-25", "1994-11-20"),
        ("GBR", "ICERD", "party", "1966-10-11", "1969-03-07", "ratification", "yes", "untc2015", "2022-08-25", "1969-04-06"),
        ("BRA", "ICERD", "party", "1966-03-07", "1968-03-27", "ratification", "no", "untc2015", "2022-08-25", "1969-01-04"),
        ("MEX", "ICERD", "party", "1966-11-01", "1975-02-20", "ratification", "no", "untc2015", "2022-08-25", "1975-03-22"),
        // IV-4 (ICCPR): three months after the deposit.
        ("ZAF", "ICCPR", "party", "1994-10-03", "1998-12-10", "ratification", "no", "untc2015", "2022-08-25", "1999-03-10"),
        // IV-9 (CAT): France deposited before the Convention entered into force (1987-06-26).
        ("FRA", "CAT", "party", "1985-02-04", "1986-02-18", "ratification", "yes", "untc2015", "2022-08-25", "1987-06-26"),
        ("VAT", "CAT", "party", "", "2002-06-26", "accession", "yes", "untc2015", "2015-03-14", "2002-07-26"),
        // IV-11 (CRC): the rows the 2022 extract shuffled between neighbours.
        ("PAK", "CRC", "party", "1990-09-20", "1990-11-12", "ratification", "yes", "untc2015", "2022-08-25", "1990-12-12"),
        ("PLW", "CRC", "party", "", "1995-08-04", "accession", "no", "untc2015", "2022-08-25", "1995-09-03"),
        ("PAN", "CRC", "party", "1990-01-26", "1990-12-12", "ratification", "no", "untc2015", "2022-08-25", "1991-01-11"),
        ("PSE", "CRC", "party", "", "2014-04-02", "accession", "no", "untc2015", "2014-10-26", "2014-05-02"),
        ("NIU", "CRC", "party", "", "1995-12-20", "accession", "no", "untc2015", "2014-10-26", "1996-01-19"),
        // IV-9-b (OP-CAT) and IV-5 (ICCPR-OP1): parties the 2022 extract missed.
        ("MDA", "OP-CAT", "party", "2005-09-16", "2006-07-24", "ratification", "no", "untc2015", "2015-03-14", "2006-08-23"),
        ("MNG", "ICCPR-OP1", "party", "", "1991-04-16", "accession", "no", "untc2015", "2014-01-27", "1991-07-16"),
        // IV-5: denounced (2000), the consent kept.
        ("TTO", "ICCPR-OP1", "denounced", "", "1980-11-14", "accession", "yes", "untc2015", "2022-08-25", "1981-02-14"),
        // A consent after the 2015 scrape, known only by its year (2022 extract).
        ("AFG", "OP-CAT", "party", "", "2018", "", "", "wpd2022", "2022-08-25", ""),
        // IV-16 (CPED): the Republic of Korea's accession of 4 January 2023.
        ("KOR", "CPED", "party", "", "2023-01-04", "accession", "", "update2026", "2026-12-05", "2023-02-03"),
    ];
    let data = dignity_core::refdata::parse_shipped().unwrap();
    for b in backends() {
        let s = fresh(b).await;
        for (iso3, inst, status, sig, consent, kind, res, src, as_of, eif) in cells {
            let r = ob::ratification(&s, iso3, inst).await.unwrap().unwrap();
            let got = (
                r.status.as_str(),
                r.signature.as_str(),
                r.consent.as_str(),
                r.consent_kind.as_str(),
                r.reservations_listed.as_str(),
                r.fact_source.as_str(),
                r.as_of.as_str(),
                r.entry_into_force.as_str(),
                r.source.as_str(),
            );
            assert_eq!(
                got,
                (status, sig, consent, kind, res, src, as_of, eif, "shipped"),
                "{b:?} {iso3} {inst}"
            );
        }
        // Every row of the file, as loaded.
        let mut n = 0;
        for iso3 in [
            "AFG", "JAM", "KOR", "NIU", "USA", "ZAF", "COK", "PSE", "VAT", "SRB",
        ] {
            let loaded = ob::ratifications(&s, iso3).await.unwrap();
            for d in data.ratifications.iter().filter(|d| d.iso3 == iso3) {
                let r = loaded
                    .iter()
                    .find(|r| r.instrument == d.instrument)
                    .unwrap();
                assert_eq!(r.fact_row(), ob::facts::FactRow::of(d), "{b:?} {iso3}");
                assert_eq!(r.note, d.note.clone().unwrap_or_default());
                n += 1;
            }
        }
        assert_eq!(n, 10 * 18);
    }
}

/// A newer snapshot replaces the shipped facts it updates, keeps the office's rows and
/// the facts known as of a later day, and keeps every previous value in the history.
#[tokio::test]
async fn a_newer_snapshot_changes_only_reference_facts_and_keeps_the_history() {
    for b in backends() {
        let s = fresh(b).await;
        let data = dignity_core::refdata::parse_shipped().unwrap();
        // The office corrects one shipped fact.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let input = RatificationInput {
            status: "party".into(),
            consent: "1990-11-12".into(),
            consent_kind: "ratification".into(),
            ..Default::default()
        };
        ob::set_ratification(&mut tx, "PAK", "CRC", &input, "user")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let h = ob::facts::history(&s, "PAK", "CRC").await.unwrap();
        assert!(
            h.iter().any(|e| e.field == "signature"
                && e.old_value == "1990-09-20"
                && e.new_value.is_empty()
                && e.origin == "office user"),
            "{h:?}"
        );
        // A snapshot (a test fixture, not a quoted fact): Afghanistan's OP-CAT to the day, GBR's ICERD reservations withdrawn,
        // Pakistan's CRC (the office's row) and Korea's CPED as of an earlier day.
        let text = "iso3,instrument,status,signature,consent,consent_kind,reservations,source,as_of,note\n\
            AFG,OP-CAT,party,,2018-04-17,accession,no,untc,2026-11-30,\n\
            GBR,ICERD,party,1966-10-11,1969-03-07,ratification,no,untc,2026-11-30,\n\
            PAK,CRC,party,,1990-11-12,ratification,yes,untc,2026-11-30,\n\
            KOR,CPED,none,,,,,untc,2026-11-30,\n\
            USA,ICERD,party,1966-09-28,1994-10-21,ratification,yes,untc,2026-11-30,\n";
        let facts = dignity_core::refdata::parse_dated_ratifications(
            text,
            &data.countries,
            &data.instruments,
        )
        .unwrap();
        let plan = dignity_store::refdata::plan_ratifications_update(&s, &facts)
            .await
            .unwrap();
        assert_eq!(
            (plan.kept_office, plan.kept_newer, plan.unchanged),
            (1, 1, 0)
        );
        assert_eq!(plan.facts.len(), 3);
        let afg = plan.facts.iter().find(|f| f.iso3 == "AFG").unwrap();
        assert!(afg.changes_dates() && !afg.is_new_consent());
        let gbr = plan.facts.iter().find(|f| f.iso3 == "GBR").unwrap();
        assert!(gbr.withdraws_reservations());
        let usa = plan.facts.iter().find(|f| f.iso3 == "USA").unwrap();
        assert!(usa.confirmed_only);
        let n = dignity_store::refdata::apply_ratifications_update(
            &s,
            &Actor::system(),
            &facts,
            &plan,
            "refdata update sha256:test",
        )
        .await
        .unwrap();
        assert_eq!(n, 3);
        let afg = ob::ratification(&s, "AFG", "OP-CAT")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                afg.consent.as_str(),
                afg.fact_source.as_str(),
                afg.as_of.as_str(),
                afg.entry_into_force.as_str()
            ),
            ("2018-04-17", "untc", "2026-11-30", "2018-05-17")
        );
        let h = ob::facts::history(&s, "AFG", "OP-CAT").await.unwrap();
        assert!(
            h.iter().any(|e| e.field == "consent"
                && e.old_value == "2018"
                && e.new_value == "2018-04-17"
                && e.origin == "refdata update sha256:test"),
            "{h:?}"
        );
        // A confirmation only moves the as-of date, with no history.
        let usa = ob::ratification(&s, "USA", "ICERD").await.unwrap().unwrap();
        assert_eq!(usa.as_of, "2026-11-30");
        assert!(ob::facts::history(&s, "USA", "ICERD")
            .await
            .unwrap()
            .is_empty());
        // Kept: the office's row and the later fact.
        let pak = ob::ratification(&s, "PAK", "CRC").await.unwrap().unwrap();
        assert_eq!(
            (pak.source.as_str(), pak.reservations_listed.as_str()),
            ("user", "yes")
        );
        let kor = ob::ratification(&s, "KOR", "CPED").await.unwrap().unwrap();
        assert_eq!(
            (kor.status.as_str(), kor.as_of.as_str()),
            ("party", "2026-12-05")
        );
        // Applying again: the plan shown no longer matches the database.
        let again = dignity_store::refdata::apply_ratifications_update(
            &s,
            &Actor::system(),
            &facts,
            &plan,
            "refdata update sha256:test",
        )
        .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    }
}

#[tokio::test]
async fn impossible_ratifications_are_refused_with_the_field() {
    for b in backends() {
        let s = fresh(b).await;
        // The input with `status`, `signature` and `consent` (empty: not given).
        let given = |status: &str, signature: &str, consent: &str| RatificationInput {
            status: status.into(),
            signature: signature.into(),
            consent: consent.into(),
            ..Default::default()
        };
        let cases: Vec<(&str, &str, RatificationInput, &str)> = vec![
            ("FRA", "CAT", given("party", "", "1980"), "consent"),
            ("FRA", "CAT", given("party", "", "1990-02-30"), "consent"),
            ("FRA", "CAT", given("party", "", ""), "consent"),
            ("FRA", "CAT", given("maybe", "", ""), "status"),
            ("FRA", "CAT", given("party", "1990", "1986"), "consent"),
            ("XXX", "CAT", given("none", "", ""), "iso3"),
            ("FRA", "NOPE", given("none", "", ""), "instrument"),
        ];
        for (iso3, inst, input, field) in cases {
            let mut tx = s.begin(&Actor::system()).await.unwrap();
            match ob::set_ratification(&mut tx, iso3, inst, &input, "user").await {
                Err(StoreError::Rejected(e)) => assert_eq!(e.field, field, "{e}"),
                other => panic!("{iso3} {inst} {input:?}: {other:?}"),
            }
            tx.rollback().await.unwrap();
        }
        // Aliases work: CRC-OP-AC = OP-CRC-AC.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let r = ob::set_ratification(
            &mut tx,
            "FRA",
            "CRC-OP-AC",
            &RatificationInput {
                status: "party".into(),
                consent: "2003-02-05".into(),
                ..Default::default()
            },
            "user",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(r.instrument, "OP-CRC-AC");
    }
}
