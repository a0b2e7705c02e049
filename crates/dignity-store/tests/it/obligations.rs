//! Obligations (issue 3) on every backend: shipped ratifications, the real UPR Info
//! files, idempotent re-import, rejected files write nothing, reports and overdue,
//! special procedures, tracking with confidential notes.

use crate::common;
use dignity_core::obligations::{self as rules, RecInput, Table};
use dignity_core::{Actor, Confidentiality, Role};
use dignity_store::obligations::{
    self as ob, recs, reports, tracking, RatificationInput, RecFilter,
};
use dignity_store::testing::{backends, TestStore};
use dignity_store::StoreError;

const UPR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/upr");

async fn fresh(b: dignity_store::Backend) -> TestStore {
    common::fresh_store(b).await
}

fn upr_files() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(UPR_DIR)
        .expect("../shared/data/upr")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    v.sort();
    v
}

async fn parse_upr(s: &TestStore) -> (Vec<RecInput>, Vec<rules::RowError>) {
    let resolver = ob::country_resolver(s).await.unwrap();
    let mut recs = Vec::new();
    let mut errs = Vec::new();
    // One import of all files: identical recommendations across files get distinct keys.
    let mut all = Table::default();
    for f in upr_files() {
        let (text, _) = rules::decode_text(&std::fs::read(&f).unwrap());
        let t = Table::from_csv(&text).unwrap();
        if all.header.is_empty() {
            all.header = t.header.clone();
        }
        all.rows.extend(t.rows);
    }
    let p = rules::parse_upr_info(&all, &resolver);
    recs.extend(p.records);
    errs.extend(p.rejected);
    (recs, errs)
}

async fn user(s: &TestStore, name: &str, role: Role) -> Actor {
    common::actor(s, name, role).await
}

#[tokio::test]
async fn shipped_ratifications_load_once_and_keep_user_edits() {
    for b in backends() {
        let s = fresh(b).await;
        let rats = ob::ratifications(&s, "JAM").await.unwrap();
        let op1 = rats.iter().find(|r| r.instrument == "ICCPR-OP1").unwrap();
        assert_eq!(op1.status, "denounced");
        assert_eq!(op1.consent, "1975");
        let fra = ob::ratifications(&s, "FRA").await.unwrap();
        let cat = fra.iter().find(|r| r.instrument == "CAT").unwrap();
        assert_eq!(
            (cat.status.as_str(), cat.consent.as_str()),
            ("party", "1986")
        );
        // Council of Europe instruments have no shipped status: "no information", not
        // "not a party".
        assert_eq!(
            fra.iter().find(|r| r.instrument == "ECHR").unwrap().status,
            "unknown"
        );
        let m = ob::matrix(&s, "en", &Default::default()).await.unwrap();
        assert_eq!(m.rows.len(), 193);
        assert_eq!(m.instruments.len(), 18);
        let crc = m.instruments.iter().find(|i| i.code == "CRC").unwrap();
        assert_eq!(crc.parties, 192, "every UN member but the United States");
        let afr = ob::matrix(
            &s,
            "en",
            &ob::MatrixFilter {
                group: Some("AFRICAN".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(afr.rows.len(), 54);
        let eu = ob::matrix(
            &s,
            "en",
            &ob::MatrixFilter {
                region: Some("Europe".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
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
        sqlx::query("UPDATE refdata_versions SET version = '0' WHERE name = 'treaty_status'")
            .execute(s.pool())
            .await
            .unwrap();
        dignity_store::refdata::load_shipped(&s).await.unwrap();
        let cat = ob::ratification(&s, "FRA", "CAT").await.unwrap().unwrap();
        assert_eq!(cat.consent, "1986-02-18");
        assert_eq!(cat.source, "user");
    }
}

#[tokio::test]
async fn impossible_ratifications_are_refused_with_the_field() {
    for b in backends() {
        let s = fresh(b).await;
        let cases: Vec<(&str, &str, RatificationInput, &str)> = vec![
            (
                "FRA",
                "CAT",
                RatificationInput {
                    status: "party".into(),
                    consent: "1980".into(),
                    ..Default::default()
                },
                "consent",
            ),
            (
                "FRA",
                "CAT",
                RatificationInput {
                    status: "party".into(),
                    consent: "1990-02-30".into(),
                    ..Default::default()
                },
                "consent",
            ),
            (
                "FRA",
                "CAT",
                RatificationInput {
                    status: "party".into(),
                    ..Default::default()
                },
                "consent",
            ),
            (
                "FRA",
                "CAT",
                RatificationInput {
                    status: "maybe".into(),
                    ..Default::default()
                },
                "status",
            ),
            (
                "FRA",
                "CAT",
                RatificationInput {
                    status: "party".into(),
                    signature: "1990".into(),
                    consent: "1986".into(),
                    ..Default::default()
                },
                "consent",
            ),
            (
                "XXX",
                "CAT",
                RatificationInput {
                    status: "none".into(),
                    ..Default::default()
                },
                "iso3",
            ),
            (
                "FRA",
                "NOPE",
                RatificationInput {
                    status: "none".into(),
                    ..Default::default()
                },
                "instrument",
            ),
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

#[tokio::test]
async fn the_upr_info_files_import_completely_and_idempotently() {
    for b in backends() {
        let s = fresh(b).await;
        let (records, errs) = parse_upr(&s).await;
        assert!(errs.is_empty(), "{:?}", &errs[..errs.len().min(5)]);
        assert_eq!(records.len(), 41_066);
        let sum = recs::import(&s, &Actor::system(), records.clone(), vec![], true, &|_| {})
            .await
            .unwrap();
        assert_eq!((sum.created, sum.updated, sum.unchanged), (41_066, 0, 0));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recommendations")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(n, 0, "a dry run writes nothing");
        let sum = recs::import(
            &s,
            &Actor::system(),
            records.clone(),
            vec![],
            false,
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!(sum.created, 41_066);
        assert!(sum.rejected.is_empty());

        // The first row of sessions 1-5, field by field.
        let p = recs::search(
            &s,
            &Actor::anonymous(),
            &RecFilter {
                country: Some("AFG".into()),
                q: Some("forced marriages honour killings".into()),
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
        assert_eq!(p.total, 1);
        let r = &p.items[0];
        assert_eq!(r.body, "UPR");
        assert_eq!(r.mechanism, "upr");
        assert_eq!(r.recommending_iso3.as_deref(), Some("AUT"));
        assert_eq!(r.position, "supported");
        assert_eq!(r.upr_action, Some(5));
        assert_eq!(r.session, "5");
        assert_eq!(r.upr_cycle, Some(1));
        assert_eq!(r.themes, ["Rights of the Child", "Women's rights"]);
        assert!(r.text.starts_with(
            "Enact legislation and take effective measures to protect and promote women's rights"
        ));

        // Totals and facets agree with the files.
        let all = recs::search(&s, &Actor::anonymous(), &RecFilter::default(), true)
            .await
            .unwrap();
        assert_eq!(all.total, 41_066);
        let f = all.facets.unwrap();
        let get =
            |v: &[recs::FacetValue], k: &str| v.iter().find(|x| x.value == k).map(|x| x.count);
        assert_eq!(get(&f.position, "supported"), Some(30_472));
        assert_eq!(get(&f.position, "noted"), Some(10_594));
        assert_eq!(get(&f.country, "CUB"), Some(534));
        assert_eq!(get(&f.theme, "Women's rights"), Some(7_492));
        let cuba_noted = recs::search(
            &s,
            &Actor::anonymous(),
            &RecFilter {
                country: Some("cub".into()),
                position: Some("noted".into()),
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
        assert!(cuba_noted.total > 0 && cuba_noted.total < 534);

        // Importing again changes nothing; a changed row is an update.
        let sum = recs::import(
            &s,
            &Actor::system(),
            records.clone(),
            vec![],
            false,
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 0, 41_066));
        let mut changed = records.clone();
        changed[0].position = Some(rules::Position::Noted);
        let sum = recs::import(&s, &Actor::system(), changed, vec![], false, &|_| {})
            .await
            .unwrap();
        assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 1, 41_065));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recommendations")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(n, 41_066);
    }
}

#[tokio::test]
async fn a_file_with_bad_rows_writes_nothing_and_names_them() {
    for b in backends() {
        let s = fresh(b).await;
        let resolver = ob::country_resolver(&s).await.unwrap();
        // Latin-1 with CR line ends, as UPR Info used to publish.
        let bytes =
            b"To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\
Cote d'Ivoire,Africa,,Garantir l'acc\xe8s \xe0 la justice,France,WEOG,EU,Accepted,4,Justice,4\r\
Narnia,Africa,,Text,France,WEOG,EU,Accepted,4,Justice,4\r";
        let (text, enc) = rules::decode_text(bytes);
        assert_eq!(enc, rules::TextEncoding::Latin1);
        let t = Table::from_csv(&text).unwrap();
        let p = rules::parse_upr_info(&t, &resolver);
        assert_eq!(p.records[0].text, "Garantir l'accès à la justice");
        assert_eq!(p.records[0].iso3, "CIV");
        let sum = recs::import(&s, &Actor::system(), p.records, p.rejected, false, &|_| {})
            .await
            .unwrap();
        assert_eq!(sum.rejected.len(), 1);
        assert_eq!(
            sum.rejected[0].to_string(),
            "row 3, field To: unknown country \"Narnia\""
        );
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recommendations")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn an_instrument_with_nothing_recorded_is_no_information_not_a_gap() {
    for b in backends() {
        let s = fresh(b).await;
        let srb = ob::ratifications(&s, "SRB").await.unwrap();
        let echr = srb.iter().find(|r| r.instrument == "ECHR").unwrap();
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
            .all(|p| p.acceptance != "not_accepted" || p.instrument != "ECHR"));

        // Council of Europe matrix: nothing recorded yet, so nobody counts as "not a
        // party"; one recorded ratification and one recorded "no action" count as such.
        let coe = ob::MatrixFilter {
            system: Some("coe".into()),
            ..Default::default()
        };
        let m = ob::matrix(&s, "en", &coe).await.unwrap();
        let e = m.instruments.iter().find(|i| i.code == "ECHR").unwrap();
        assert_eq!((e.parties, e.not_parties, e.unknown), (0, 0, 193));
        assert!(m
            .rows
            .iter()
            .all(|r| r.cells.iter().all(|c| c.status == "unknown")));
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        for (iso3, status, consent) in [("SRB", "party", "2004-03-03"), ("BLR", "none", "")] {
            ob::set_ratification(
                &mut tx,
                iso3,
                "ECHR",
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
        let e = m.instruments.iter().find(|i| i.code == "ECHR").unwrap();
        assert_eq!((e.parties, e.not_parties, e.unknown), (1, 1, 191));
        let srb_row = m.rows.iter().find(|r| r.iso3 == "SRB").unwrap();
        let k = m.instruments.iter().position(|i| i.code == "ECHR").unwrap();
        assert_eq!(
            (
                srb_row.cells[k].status.as_str(),
                srb_row.cells[k].year.as_str()
            ),
            ("party", "2004")
        );
        // UN matrix: every cell of the 193 members comes from the shipped data.
        let un = ob::matrix(&s, "en", &Default::default()).await.unwrap();
        assert!(un.instruments.iter().all(|i| i.unknown == 0));
        assert!(un
            .instruments
            .iter()
            .all(|i| i.parties + i.signatories + i.not_parties == 193));
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
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        reports::set_report(
            &mut tx,
            "KEN",
            "ICERD",
            &reports::ReportInput {
                number: 1,
                submitted: "2004-06-01".into(),
                symbol: "CERD/C/KEN/1-4".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
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
async fn reports_are_due_from_ratification_and_overdue_is_counted() {
    for b in backends() {
        let s = fresh(b).await;
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        ob::set_ratification(
            &mut tx,
            "KEN",
            "CPED",
            &RatificationInput {
                status: "party".into(),
                consent: "2015-01-10".into(),
                ..Default::default()
            },
            "user",
        )
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
        reports::set_report(
            &mut tx,
            "KEN",
            "CPED",
            &reports::ReportInput {
                number: 1,
                note: "requested by the Committee".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
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
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        reports::set_report(
            &mut tx,
            "KEN",
            "CPED",
            &reports::ReportInput {
                number: 1,
                submitted: "2018-03-01".into(),
                symbol: "CED/C/KEN/1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let all = reports::reports(&s, "KEN", until).await.unwrap();
        let cped = all.iter().find(|r| r.instrument == "CPED").unwrap();
        assert_eq!(cped.overdue_days, None);
        assert_eq!(cped.symbol, "CED/C/KEN/1");
        // Shipped years give approximate schedules; ICCPR (1972) has periodic reports.
        let iccpr: Vec<_> = all.iter().filter(|r| r.instrument == "ICCPR").collect();
        assert!(iccpr.len() > 10 && iccpr[0].approximate);
        // ICCPR has no reporting data recorded: no arrears, whatever the schedule says.
        assert!(iccpr.iter().all(|r| r.no_data && r.overdue_days.is_none()));
        let d = reports::deadlines(&s, "KEN", 365).await.unwrap();
        assert!(!d.iter().any(|r| r.overdue_days.is_some()), "{d:?}");
        assert!(!d.iter().any(|r| r.instrument == "CPED"));

        // Special procedures: a visit and the standing invitation.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        reports::upsert_mandate(
            &mut tx,
            "SR-TORTURE",
            "Special Rapporteur on torture",
            "thematic",
            None,
            "1985",
        )
        .await
        .unwrap();
        reports::add_visit(
            &mut tx,
            "KEN",
            &reports::Visit {
                id: 0,
                mandate_code: "SR-TORTURE".into(),
                mandate_name: String::new(),
                iso3: String::new(),
                status: "completed".into(),
                requested: "2019".into(),
                accepted: "2020-01".into(),
                visit_start: "2021-05-03".into(),
                visit_end: "2021-05-12".into(),
                report_symbol: "A/HRC/49/50/Add.1".into(),
                note: String::new(),
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
                id: 0,
                mandate_code: "SR-TORTURE".into(),
                mandate_name: String::new(),
                iso3: String::new(),
                status: "completed".into(),
                requested: String::new(),
                accepted: String::new(),
                visit_start: "2021-05-03".into(),
                visit_end: "2021-04-12".into(),
                report_symbol: String::new(),
                note: String::new(),
            },
        )
        .await;
        assert!(matches!(bad, Err(StoreError::Rejected(ref e)) if e.field == "visit_end"));
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn tracking_history_and_confidential_notes() {
    for b in backends() {
        let s = fresh(b).await;
        let doc = user(&s, "doc", Role::Documenter).await;
        let other = user(&s, "analyst", Role::Analyst).await;
        let mut tx = s.begin(&doc).await.unwrap();
        let input = recs::NewRecommendation {
            iso3: "KEN".into(),
            body: "CCPR".into(),
            text: "Establish an independent police oversight body.".into(),
            document_symbol: "CCPR/C/KEN/CO/4".into(),
            paragraph: "12".into(),
            date: "2021-07-27".into(),
            themes: vec!["Police".into()],
            ..Default::default()
        }
        .into_input()
        .unwrap();
        let rec = recs::create(&mut tx, input).await.unwrap();
        let cluster = tracking::create_cluster(&mut tx, "KEN", "Policing", "theme", "Police")
            .await
            .unwrap();
        let inst = tracking::institution(&mut tx, "Ministry of Interior", "ministry", Some("KEN"))
            .await
            .unwrap();
        tracking::assign(
            &mut tx,
            tracking::Target::Cluster(cluster),
            inst,
            "Legal adviser",
        )
        .await
        .unwrap();
        tracking::add_action(
            &mut tx,
            tracking::Target::Recommendation(rec),
            &tracking::PlannedAction {
                id: 0,
                description: "Draft bill".into(),
                institution: None,
                target_date: "2020-01-01".into(),
                indicator: "Bill tabled".into(),
                done: false,
                overdue_days: None,
            },
            Some(inst),
        )
        .await
        .unwrap();
        tracking::assess(
            &mut tx,
            tracking::Target::Recommendation(rec),
            &tracking::Assessment {
                id: 0,
                status: "in_progress".into(),
                assessed_on: "2022-01-10".into(),
                narrative: "Bill drafted".into(),
                evidence: "https://example.org/bill".into(),
                confidentiality: Some("public".into()),
                published: true,
                by: None,
                via_cluster: false,
            },
        )
        .await
        .unwrap();
        tracking::assess(
            &mut tx,
            tracking::Target::Cluster(cluster),
            &tracking::Assessment {
                id: 0,
                status: "partially_implemented".into(),
                assessed_on: "2023-03-01".into(),
                narrative: "Body set up, no budget".into(),
                evidence: String::new(),
                confidentiality: None,
                published: false,
                by: None,
                via_cluster: false,
            },
        )
        .await
        .unwrap();
        tracking::add_note(
            &mut tx,
            tracking::Target::Recommendation(rec),
            "Minister hostile, do not quote",
            Confidentiality::Confidential,
        )
        .await
        .unwrap();
        tracking::add_note(
            &mut tx,
            tracking::Target::Recommendation(rec),
            "Follow up in March",
            Confidentiality::Internal,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Status history, oldest first, attributed; the cluster's assessment applies.
        let h = tracking::history(&s, &doc, rec).await.unwrap();
        let st: Vec<&str> = h.iter().map(|a| a.status.as_str()).collect();
        assert_eq!(st, ["in_progress", "partially_implemented"]);
        assert_eq!(h[0].by.as_deref(), Some("doc"));
        assert!(h[1].via_cluster);
        // The public sees the public assessment only, and the matching status.
        let pubh = tracking::history(&s, &Actor::anonymous(), rec)
            .await
            .unwrap();
        assert_eq!(pubh.len(), 1);
        let anon = recs::get(&s, &Actor::anonymous(), rec)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(anon.status, "in_progress");
        assert_eq!(
            recs::get(&s, &doc, rec).await.unwrap().unwrap().status,
            "partially_implemented"
        );
        let f = recs::search(
            &s,
            &Actor::anonymous(),
            &RecFilter {
                status: Some("partially_implemented".into()),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
        assert_eq!(f.total, 0, "no count reveals an internal assessment");

        // Notes: the author sees both, another staff member the internal one, the public none.
        let t = tracking::Target::Recommendation(rec);
        assert_eq!(tracking::notes(&s, &doc, t).await.unwrap().len(), 2);
        let seen: Vec<String> = tracking::notes(&s, &other, t)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect();
        assert_eq!(seen, ["Follow up in March"]);
        assert!(tracking::notes(&s, &Actor::anonymous(), t)
            .await
            .unwrap()
            .is_empty());

        // Assignments through the cluster, overdue action, follow-up report.
        let a = tracking::assignments(&s, rec).await.unwrap();
        assert_eq!(a[0].institution, "Ministry of Interior");
        assert_eq!(a[0].via_cluster.as_deref(), Some("Policing"));
        let acts = tracking::actions(&s, rec).await.unwrap();
        assert!(acts[0].overdue_days.unwrap() > 0);
        let due = tracking::due_actions(&s, "KEN", 30).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].description, "Draft bill");
        assert!(due[0].overdue_days.unwrap() > 0);
        assert!(tracking::due_actions(&s, "FRA", 30)
            .await
            .unwrap()
            .is_empty());
        let fu = tracking::follow_up(&s, &doc, "KEN", "CCPR", "2021-07-27")
            .await
            .unwrap();
        assert_eq!(fu.len(), 1);
        assert_eq!(fu[0].assessments.len(), 2);
        let fu_pub = tracking::follow_up(&s, &Actor::anonymous(), "KEN", "CCPR", "2021-07-27")
            .await
            .unwrap();
        assert_eq!(fu_pub[0].assessments.len(), 1);

        // Bad inputs.
        let mut tx = s.begin(&doc).await.unwrap();
        let bad = tracking::assess(
            &mut tx,
            t,
            &tracking::Assessment {
                id: 0,
                status: "done".into(),
                assessed_on: "2022-01-01".into(),
                narrative: String::new(),
                evidence: String::new(),
                confidentiality: None,
                published: false,
                by: None,
                via_cluster: false,
            },
        )
        .await;
        assert!(matches!(bad, Err(StoreError::Rejected(ref e)) if e.field == "status"));
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_communication_follows_the_reply_clock_of_its_intervention() {
    use dignity_store::violations::interventions::{self, InterventionInput};
    for b in backends() {
        let s = fresh(b).await;
        let doc = user(&s, "dora", Role::Documenter).await;
        let other = user(&s, "omar", Role::Documenter).await;
        let vocab = dignity_store::violations::Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&doc).await.unwrap();
        let ua = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "urgent_appeal".into(),
                addressees: "Special Rapporteur on torture".into(),
                int_date: "2024-03-12".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // A strictly confidential appeal only its author (and a need-to-know list) sees.
        let secret = interventions::create_intervention(
            &mut tx,
            &vocab,
            &InterventionInput {
                int_type: "special_procedure_communication".into(),
                int_date: "2024-06-01".into(),
                confidentiality: "strictly_confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        reports::upsert_mandate(
            &mut tx,
            "SR-TORTURE",
            "Special Rapporteur on torture",
            "thematic",
            None,
            "1985",
        )
        .await
        .unwrap();
        let c1 = reports::add_communication(
            &mut tx,
            "KEN",
            &reports::Communication {
                mandate_code: "SR-TORTURE".into(),
                reference: "UA KEN 1/2024".into(),
                sent: "2024-03-14".into(),
                intervention_id: Some(ua),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let c2 = reports::add_communication(
            &mut tx,
            "KEN",
            &reports::Communication {
                mandate_code: "SR-TORTURE".into(),
                reference: "AL KEN 2/2024".into(),
                sent: "2024-06-02".into(),
                reply: "2024-08-03".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        reports::link_intervention(&mut tx, c2, secret)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mine = reports::communications(&s, &doc, "KEN").await.unwrap();
        let a = mine.iter().find(|c| c.id == c1).unwrap();
        assert_eq!(a.reply_clocks.len(), 1);
        let k = &a.reply_clocks[0];
        // Sent 2024-03-12, 60 days to reply, no reply: overdue ever since.
        assert_eq!((k.intervention_id, k.sent.as_str()), (ua, "2024-03-12"));
        assert_eq!(k.due, "2024-05-11");
        assert_eq!(k.state, "overdue");
        let expected =
            (ob::today() - chrono::NaiveDate::from_ymd_opt(2024, 5, 11).unwrap()).num_days();
        assert_eq!(k.days, expected);
        // The reply recorded on the communication stops the clock: 3 days late.
        let b2 = mine.iter().find(|c| c.id == c2).unwrap();
        let k = &b2.reply_clocks[0];
        assert_eq!(
            (k.state.as_str(), k.due.as_str(), k.replied.as_str(), k.days),
            ("replied", "2024-07-31", "2024-08-03", 3)
        );

        // Another documenter sees the internal appeal's clock, not the confidential one;
        // an anonymous visitor sees the communications and no clock.
        let theirs = reports::communications(&s, &other, "KEN").await.unwrap();
        assert_eq!(theirs.len(), 2);
        assert_eq!(
            theirs
                .iter()
                .find(|c| c.id == c1)
                .unwrap()
                .reply_clocks
                .len(),
            1
        );
        assert!(theirs
            .iter()
            .find(|c| c.id == c2)
            .unwrap()
            .reply_clocks
            .is_empty());
        let public = reports::communications(&s, &Actor::anonymous(), "KEN")
            .await
            .unwrap();
        assert_eq!(public.len(), 2);
        assert!(public.iter().all(|c| c.reply_clocks.is_empty()));

        // Linking to an intervention one may not see reads as unknown; nothing written.
        assert_eq!(links(&s.store).await, 2);
        let r = s
            .write(&other, async |tx| {
                reports::link_intervention(tx, c1, secret).await
            })
            .await;
        assert!(
            matches!(r, Err(StoreError::Rejected(ref e)) if e.field == "intervention_id"),
            "{r:?}"
        );
        let r = s
            .write(&doc, async |tx| {
                reports::link_intervention(tx, 999_999, ua).await
            })
            .await;
        assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
        assert_eq!(links(&s.store).await, 2);

        // The intervention's side: the communications linked to it.
        let of = reports::communications_of_intervention(&s, ua)
            .await
            .unwrap();
        assert_eq!(of.len(), 1);
        assert_eq!(
            (of[0].0.as_str(), of[0].1.reference.as_str()),
            ("KEN", "UA KEN 1/2024")
        );
    }
}

async fn links(s: &dignity_store::Store) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM sp_communication_interventions")
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}
