//! Council of Europe treaty facts loaded into `ratifications` (issue 17 item 3), on every
//! backend: facts read by hand from the sources (URL per fact), the 46 member States, the
//! withdrawals, office-recorded rows kept on reload, one audited load.

use super::*;
use dignity_core::refdata::{shipped_coe_fact, CoeMember};
use dignity_store::obligations::coe;

/// The 46 member States of the Council of Europe since 16 March 2022.
fn members() -> Vec<String> {
    let d = dignity_core::refdata::parse_shipped().unwrap();
    d.coe_members
        .iter()
        .filter(|m: &&CoeMember| m.member)
        .map(|m| m.iso3.clone())
        .collect()
}

async fn row(s: &TestStore, iso3: &str, instrument: &str) -> ob::Ratification {
    ob::ratification(s, iso3, instrument)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{iso3} {instrument}"))
}

/// (iso3, instrument, status, signature, ratification) as loaded.
async fn fact(s: &TestStore, iso3: &str, instrument: &str) -> (String, String, String) {
    let r = row(s, iso3, instrument).await;
    assert_eq!(r.source, coe::SOURCE, "{iso3} {instrument}");
    (r.status, r.signature, r.consent)
}

fn t(status: &str, signature: &str, ratification: &str) -> (String, String, String) {
    (status.into(), signature.into(), ratification.into())
}

#[tokio::test]
async fn coe_facts_match_the_sources_read_by_hand() {
    for b in backends() {
        let s = fresh(b).await;
        // 1-3. ECHR chart as reproduced (Dutch) by europeancourt.org:
        // https://europeancourt.org/nl/documenten/raad-van-europa/europees-verdrag-voor-de-rechten-van-de-mens
        // "Albanië 13-07-1995 02-10-1996 02-10-1996", "Oostenrijk 13-12-1957 03-09-1958",
        // "België 04-11-1950 14-06-1955".
        assert_eq!(
            fact(&s, "ALB", "ECHR").await,
            t("party", "1995-07-13", "1996-10-02")
        );
        assert_eq!(
            fact(&s, "AUT", "ECHR").await,
            t("party", "1957-12-13", "1958-09-03")
        );
        assert_eq!(
            fact(&s, "BEL", "ECHR").await,
            t("party", "1950-11-04", "1955-06-14")
        );
        // 4. The Russian Federation ceased to be a Party to the ECHR on 16 September 2022:
        // https://eucrim.eu/news/russian-federation-ceased-to-be-a-party-to-the-echr
        assert_eq!(fact(&s, "RUS", "ECHR").await.0, "denounced");
        let rus = shipped_coe_fact("RUS", "ECHR").unwrap();
        assert_eq!(rus.denunciation.unwrap().to_string(), "2022-09-16");
        // 5-6. Protocol No. 13 on 2022-05-03: Armenia signed on 19 May 2006, Azerbaijan
        // neither signed nor ratified:
        // https://worldcoalition.org/2022/05/03/european-protocol-for-full-abolition-turns-20/
        assert_eq!(
            fact(&s, "ARM", "ECHR-P13").await,
            t("signatory", "2006-05-19", "")
        );
        assert_eq!(fact(&s, "AZE", "ECHR-P13").await, t("none", "", ""));
        assert_eq!(fact(&s, "FRA", "ECHR-P13").await.0, "party");
        // 7. Spain signed Protocol No. 6 on 28 April 1983 and ratified it on 14 January 1985:
        // https://en.wikipedia.org/wiki/Protocol_No._6_to_the_European_Convention_on_Human_Rights
        assert_eq!(
            fact(&s, "ESP", "ECHR-P6").await,
            t("party", "1983-04-28", "1985-01-14")
        );
        // 8. Austria: revised Charter signed 07/05/1999, ratified 20 May 2011, in force 1 July 2011:
        // http://www.coe.int/t/dghl/monitoring/socialcharter/activities/signaturesratifications2011_EN.asp
        assert_eq!(
            fact(&s, "AUT", "ESC-REV").await,
            t("party", "1999-05-07", "2011-05-20")
        );
        assert_eq!(
            shipped_coe_fact("AUT", "ESC-REV")
                .unwrap()
                .entry_into_force
                .unwrap()
                .to_string(),
            "2011-07-01"
        );
        // 9. Albania: revised Charter ratified 14-Nov-2002, effective 01-Jan-2003:
        // http://treaties.fco.gov.uk/treaties/treatyrecord.htm?tid=3685
        assert_eq!(
            fact(&s, "ALB", "ESC-REV").await,
            t("party", "1998-09-21", "2002-11-14")
        );
        // 10. Cyprus ratified the revised Charter on 27 September 2000 and the collective
        // complaints protocol on 6 August 1996 (same CoE page as 8).
        assert_eq!(
            fact(&s, "CYP", "ESC-REV").await,
            t("party", "1996-05-03", "2000-09-27")
        );
        assert_eq!(
            fact(&s, "CYP", "ESC-CC").await,
            t("party", "", "1996-08-06")
        );
        // 11-12. European Social Charter table, situation at 1 May 2021 (Denmark's 1961
        // Charter ratification 03/03/1965; Finland's acceptance of collective complaints
        // 17/07/1998; Liechtenstein's signature 09/10/1991):
        // https://www.coe.int/it/web/european-social-charter/signatures-ratifications/-/asset_publisher/568tKzD3FiyG/content/reinforcing-social-rights-protection-in-europe-to-achieve-greater-unity-and-equality
        assert_eq!(fact(&s, "DNK", "ESC").await, t("party", "", "1965-03-03"));
        assert_eq!(
            fact(&s, "FIN", "ESC-CC").await,
            t("party", "", "1998-07-17")
        );
        assert_eq!(
            fact(&s, "LIE", "ESC").await,
            t("signatory", "1991-10-09", "")
        );
        // 13. Framework Convention: Belgium signed, France neither signed nor ratified,
        // Germany a party (ACFC/56DOC(2016)001):
        // https://adattar.minorityforum.info/entity/df45mz16t640gcs08eka9k9?file=1541751858017on1fl3wwezva0exwjgwdbo6r.pdf&page=10
        assert_eq!(fact(&s, "BEL", "FCNM").await.0, "signatory");
        assert_eq!(fact(&s, "FRA", "FCNM").await.0, "none");
        assert_eq!(fact(&s, "DEU", "FCNM").await.0, "party");
        // 14. Türkiye ratified the Istanbul Convention in 2012 and it ceased to apply to it
        // on 1 July 2021; Poland a party (November 2022):
        // https://iiab.me/kiwix/content/wikipedia_en_top_maxi_2022-11/A/Istanbul_Convention
        assert_eq!(
            fact(&s, "TUR", "ISTANBUL").await,
            t("denounced", "", "2012")
        );
        assert_eq!(
            shipped_coe_fact("TUR", "ISTANBUL")
                .unwrap()
                .denunciation
                .unwrap()
                .to_string(),
            "2021-07-01"
        );
        assert_eq!(fact(&s, "POL", "ISTANBUL").await.0, "party");
        // 15. Anti-trafficking Convention in force for Albania on 1 February 2008 and for
        // France on 1 May 2008:
        // http://loc.gov/law/foreign-news/article/council-of-europe-anti-human-trafficking-convention-now-in-force/
        let eif = |iso3: &str, code: &str| {
            shipped_coe_fact(iso3, code)
                .and_then(|f| f.entry_into_force)
                .map(|d| d.to_string())
        };
        assert_eq!(eif("ALB", "TRAFFICKING").as_deref(), Some("2008-02-01"));
        assert_eq!(eif("FRA", "TRAFFICKING").as_deref(), Some("2008-05-01"));
        // 16. Lanzarote Convention in force for France on 1 January 2011:
        // http://www.coe.int/t/dg3/children/news/france-ratification_EN.asp
        assert_eq!(eif("FRA", "LANZAROTE").as_deref(), Some("2011-01-01"));
        // 17. Ireland, the last member State to ratify the Lanzarote Convention, in 2020:
        // https://en.wikipedia.org/wiki/Lanzarote_Convention
        assert_eq!(fact(&s, "IRL", "LANZAROTE").await, t("party", "", "2020"));
        // 18. The CPT Convention, ratified by every member State (as of 2020):
        // https://wiki.1209k.com/content/wikipedia_en_all_maxi_2024-01/A/European_Convention_for_the_Prevention_of_Torture
        assert_eq!(fact(&s, "TUR", "ECPT").await.0, "party");
    }
}

#[tokio::test]
async fn coe_members_are_all_present_and_withdrawals_shown() {
    for b in backends() {
        let s = fresh(b).await;
        let members = members();
        assert_eq!(members.len(), 46);
        for iso3 in &members {
            let rats = ob::ratifications(&s, iso3).await.unwrap();
            let echr = rats.iter().find(|r| r.instrument == "ECHR").unwrap();
            assert_eq!(
                (echr.status.as_str(), echr.source.as_str()),
                ("party", "coe"),
                "{iso3}"
            );
            for code in [
                "ECPT",
                "FCNM",
                "TRAFFICKING",
                "LANZAROTE",
                "ECHR-P6",
                "ECHR-P13",
            ] {
                let r = rats.iter().find(|r| r.instrument == code).unwrap();
                assert_ne!(r.status, "unknown", "{iso3} {code}");
                assert_eq!(r.system, "coe");
            }
            // Every loaded fact has its as-of date and source in the shipped file.
            for r in rats.iter().filter(|r| r.source == coe::SOURCE) {
                let f = shipped_coe_fact(iso3, &r.instrument).unwrap();
                assert!(!f.sources.is_empty() && !f.as_of_label().is_empty());
            }
        }
        let withdrawn: Vec<String> = common::texts(
            &s,
            "SELECT iso3 || '/' || instrument FROM ratifications WHERE source = 'coe' AND status = 'denounced' ORDER BY 1",
        )
        .await;
        assert_eq!(withdrawn, ["RUS/ECHR", "TUR/ISTANBUL"]);
        // The UN facts are untouched by the CoE dataset.
        assert_eq!(row(&s, "FRA", "CAT").await.source, "shipped");
    }
}

/// The audited loads of the CoE dataset.
async fn coe_loads(s: &dignity_store::Store) -> usize {
    dignity_store::audit::list(
        s,
        &dignity_store::audit::AuditFilter {
            action: Some("refdata.load".into()),
            ..Default::default()
        },
        100,
        0,
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|a| a.record_id == coe::DATASET)
    .count()
}

#[tokio::test]
async fn coe_reload_keeps_office_rows_in_one_audited_load() {
    for b in backends() {
        let s = fresh(b).await;
        assert_eq!(coe_loads(&s).await, 1);
        let loaded = common::count(&s, "ratifications WHERE source = 'coe'").await;
        let shipped = dignity_core::refdata::shipped_coe_ratifications().len() as i64;
        assert_eq!(loaded, shipped);

        // The office records its own fact for France and the ECHR.
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        let input = RatificationInput {
            status: "party".into(),
            signature: "1950-11-04".into(),
            consent: "1974-05-03".into(),
            consent_kind: "ratification".into(),
            note: "checked against the Journal officiel".into(),
            ..Default::default()
        };
        ob::set_ratification(&mut tx, "FRA", "ECHR", &input, "user")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // A newer version of the dataset loads again: the office's row stands.
        sqlx::query("UPDATE refdata_versions SET version = '0' WHERE name = 'coe_ratifications'")
            .execute(s.pool())
            .await
            .unwrap();
        let data = dignity_core::refdata::parse_shipped().unwrap();
        let mut report = Vec::new();
        let done = coe::load_shipped(&s, &data, &mut report)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.kept_office_rows, 1);
        assert_eq!(done.written as i64, shipped - 1);
        assert_eq!(done.removed, 0);
        let fra = row(&s, "FRA", "ECHR").await;
        assert_eq!(
            (fra.source.as_str(), fra.consent.as_str()),
            ("user", "1974-05-03")
        );
        assert_eq!(coe_loads(&s).await, 2);
        // Loaded: nothing more to do.
        assert!(coe::load_shipped(&s, &data, &mut report)
            .await
            .unwrap()
            .is_none());
    }
}
