//! The reports page: the SDG 16.10.1 table, its CSV download, and the counts of missing
//! persons by region and by community.

use super::*;

/// The reports page over HTTP: the SDG 16.10.1 table for a year and a country and its CSV
/// download (what a user would copy into a report), and the counts of missing-person cases
/// as a chart and a table, grouped by region and by community.
#[tokio::test]
async fn sdg_table_csv_download_and_counts_over_http() {
    use dignity_store::protection::defenders::{self as d, AttackInput, DefenderInput};
    use dignity_store::protection::missing::{MissingInput, StatusChange};
    use dignity_store::violations::{self as v, PersonInput, Vocab};
    const FEMALE: &str = "02000000000039";
    const MALE: &str = "01000000000039";
    for b in backends() {
        let (st, u, token, app) = cora_app(b).await;
        let actor = accounts::actor_for(&st, &u).await.unwrap();
        let vocab = Vocab::load(&st).await.unwrap();
        let t = Some(token.as_str());

        // Two defenders killed in Honduras in 2024 (two independent sources each), one
        // killing with a single source (not verified: not counted), one in 2023.
        let mut sources = vec![];
        for n in ["Witness One", "Witness Two"] {
            sources.push(
                st.write(&actor, async |tx| {
                    v::create_person(
                        tx,
                        &vocab,
                        &PersonInput {
                            name: n.into(),
                            confidentiality: "internal".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap(),
            );
        }
        for (name, sex, date, perp, srcs) in [
            ("Berta Flores", FEMALE, "2024-03-02", "business", 2),
            ("Marta Lenca", FEMALE, "2024-07-10", "business", 2),
            ("Juan Lopez", MALE, "2024-09-01", "state_actor", 2),
            ("Pedro Ruiz", MALE, "2024-10-01", "state_actor", 1),
            ("Ana Diaz", FEMALE, "2023-05-05", "business", 2),
        ] {
            let id = st
                .write(&actor, async |tx| {
                    d::create_defender(
                        tx,
                        &vocab,
                        &DefenderInput {
                            person: dignity_store::protection::NewPerson {
                                name: name.into(),
                                sex: Some(sex.into()),
                                age_group: "adult".into(),
                                ..Default::default()
                            },
                            profile: dignity_store::protection::defenders::DefenderProfile {
                                country: Some("HND".into()),
                                areas: vec!["land_environment".into()],
                                ..Default::default()
                            },
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap();
            let source_ids = sources[..srcs].to_vec();
            st.write(&actor, async |tx| {
                d::record_attack(
                    tx,
                    &vocab,
                    &AttackInput {
                        facts: dignity_store::protection::defenders::AttackFacts {
                            defender_id: id,
                            attack_type: "killing".into(),
                            date: date.into(),
                            perpetrator_category: perp.into(),
                            motive: "work_related".into(),
                            ..Default::default()
                        },
                        source_ids,
                        ..Default::default()
                    },
                )
                .await
            })
            .await
            .unwrap();
        }

        let (s, html) = get(&app, "/protection/reports?year=2024&country=HND", t).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let sdg = html
            .split("<table id=\"sdg-table\">")
            .nth(1)
            .and_then(|x| x.split("</table>").next())
            .expect("the SDG 16.10.1 table");
        assert!(sdg.contains("2024") && sdg.contains("HND"), "{sdg}");
        let rows: Vec<&str> = sdg.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 2, "female/business and male/state: {sdg}");
        assert!(rows
            .iter()
            .any(|r| r.contains("<td>female</td>") && r.contains("<td>2</td>")));
        assert!(rows
            .iter()
            .any(|r| r.contains("<td>male</td>") && r.contains("<td>1</td>")));
        assert!(
            html.contains("href=\"/protection/reports/sdg-16-10-1.csv?year=2024&amp;country=HND\"")
        );

        let before = audit_count(&st, "report.export").await;
        let res = crate::common::response(
            &app,
            crate::common::bearer(
                &token,
                "GET",
                "/protection/reports/sdg-16-10-1.csv?year=2024&country=HND",
                None,
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("sdg-16-10-1.csv"));
        let csv = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        // The header line as a spreadsheet shows it.
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>().join(","),
            "indicator,year,country,victim_status,sex,age_group,perpetrator_category,killings"
        );
        let mut lines: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        lines.sort();
        assert_eq!(
            lines,
            vec![
                vec!["16.10.1", "2024", "HND", "hrd", "female", "adult", "business", "2"],
                vec![
                    "16.10.1",
                    "2024",
                    "HND",
                    "hrd",
                    "male",
                    "adult",
                    "state_actor",
                    "1"
                ],
            ]
            .into_iter()
            .map(|l| l.into_iter().map(String::from).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
            "{csv}"
        );
        // The download is audited as an export; without a year it is refused.
        assert_eq!(audit_count(&st, "report.export").await, before + 1);
        let (s, _) = get(&app, "/protection/reports/sdg-16-10-1.csv?country=HND", t).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = get(
            &app,
            "/protection/reports/sdg-16-10-1.csv?year=2024&country=HND",
            None,
        )
        .await;
        assert_ne!(s, StatusCode::OK, "not without signing in");

        // Counts: three cases in Gjakova (one located), one in Peja, closed.
        for (name, region, community, status) in [
            ("Agron Krasniqi", "Gjakova", "Albanian", None),
            ("Besnik Gashi", "Gjakova", "Albanian", None),
            (
                "Dragan Petrović",
                "Gjakova",
                "Serbian",
                Some("located_alive"),
            ),
            ("Milan Ilić", "Peja", "Serbian", Some("closed")),
        ] {
            let id = st
                .write(&actor, async |tx| {
                    m::create_missing(
                        tx,
                        &vocab,
                        &MissingInput {
                            person: dignity_store::protection::NewPerson {
                                name: name.into(),
                                ..Default::default()
                            },
                            disappearance: dignity_store::protection::missing::Disappearance {
                                last_seen_date: "1999-04-12".into(),
                                region: region.into(),
                                community: community.into(),
                                ..Default::default()
                            },
                            opened_on: "2001-03-01".into(),
                            confidentiality: "confidential".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap();
            if let Some(status) = status {
                st.write(&actor, async |tx| {
                    m::change_status(
                        tx,
                        id,
                        &StatusChange {
                            status: status.into(),
                            changed_on: "2005-06-01".into(),
                            reference: "Commission decision 12/2005".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
                .unwrap();
            }
        }
        let (s, html) = call(&app, "GET", "/protection/reports?by=region", t, None).await;
        assert_eq!(s, StatusCode::OK);
        let counts = html
            .split("<table id=\"counts\">")
            .nth(1)
            .and_then(|x| x.split("</table>").next())
            .expect("the counts table");
        let row = |g: &str| -> Vec<String> {
            let r = counts
                .split("<tr>")
                .find(|r| r.contains(&format!(">{g}</th>")))
                .unwrap_or_else(|| panic!("no row {g}: {counts}"));
            r.split("<td>")
                .skip(1)
                .map(|c| c.split('<').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(row("Gjakova"), vec!["2", "1", "0"]);
        assert_eq!(row("Peja"), vec!["0", "0", "1"]);
        // The chart says the same (its text alternative and its bars).
        let svg = html
            .split("<figure class=\"chart\">")
            .nth(1)
            .and_then(|x| x.split("</figure>").next())
            .expect("the chart");
        assert!(svg.contains("role=\"img\""));
        assert!(
            svg.contains("Gjakova: 2 open, 1 located, 0 closed; Peja: 0 open, 0 located, 1 closed"),
            "{svg}"
        );
        let (_, html) = call(&app, "GET", "/protection/reports?by=community", t, None).await;
        let counts = html
            .split("<table id=\"counts\">")
            .nth(1)
            .and_then(|x| x.split("</table>").next())
            .unwrap();
        assert!(
            counts.contains(">Albanian</th><td>2</td><td>0</td><td>0</td>"),
            "{counts}"
        );
        assert!(
            counts.contains(">Serbian</th><td>0</td><td>1</td><td>1</td>"),
            "{counts}"
        );
    }
}
