//! Mandates, holders, communications, clusters and done actions through the web forms.

use super::*;

#[tokio::test]
async fn mandates_holders_communications_clusters_and_done_actions_through_web_forms() {
    for b in backends() {
        let a = app(b).await;
        a.user("dora", Role::Documenter).await;
        a.user("ana", Role::Analyst).await;
        let mut br = Browser::new(&a.router);
        br.login("dora").await;

        // An impossible ratification comes back on its form with the rule in words,
        // naming the field; nothing is written.
        let form = br.get("/obligations/countries/FRA/ratifications/CAT").await;
        assert_eq!(form.status, StatusCode::OK, "{b:?}");
        let r = br
            .submit(
                "/obligations/countries/FRA/ratifications/CAT",
                &[
                    ("status", "party"),
                    ("signature", "1990"),
                    ("consent", "1986"),
                ],
            )
            .await;
        assert!(r.location.is_empty(), "{b:?}: {}", r.location);
        assert!(
            r.body
                .contains("ratified (1986) before it was signed (1990)"),
            "{b:?}: {}",
            r.body
        );
        assert!(r.body.contains("consent"), "{b:?}");
        let saved = dignity_store::obligations::ratification(&a.store, "FRA", "CAT")
            .await
            .unwrap()
            .unwrap();
        assert_ne!(saved.signature, "1990", "{b:?}");

        // A mandate and its holder.
        let page = br.get("/obligations/mandates").await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}");
        assert!(page.body.contains("action=\"/obligations/mandates\""));
        let r = br
            .submit(
                "/obligations/mandates",
                &[
                    ("code", "SR-MMR"),
                    ("name", "Special Rapporteur on Myanmar"),
                    ("kind", "country"),
                    ("iso3", ""),
                    ("established", "1992"),
                ],
            )
            .await;
        assert_eq!(
            r.location, "/obligations/mandates?error=obl_invalid_iso_",
            "{b:?}"
        );
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_mandates WHERE code = 'SR-MMR'")
                .await,
            0
        );
        let r = br
            .submit(
                "/obligations/mandates",
                &[
                    ("code", "SR-TORTURE"),
                    ("name", "Special Rapporteur on torture"),
                    ("kind", "thematic"),
                    ("established", "1985"),
                ],
            )
            .await;
        assert_eq!(r.location, "/obligations/mandates?flash=saved");
        let mid = a
            .n("SELECT id FROM sp_mandates WHERE code = 'SR-TORTURE'")
            .await
            .to_string();
        let r = br
            .submit(
                "/obligations/mandates/holders",
                &[
                    ("mandate_id", &mid),
                    ("name", "Alice Jill Edwards"),
                    ("start_date", "2022-13"),
                ],
            )
            .await;
        assert_eq!(
            r.location,
            "/obligations/mandates?error=obl_invalid_start_date"
        );
        let r = br
            .submit(
                "/obligations/mandates/holders",
                &[
                    ("mandate_id", &mid),
                    ("name", "Alice Jill Edwards"),
                    ("start_date", "2022-08"),
                ],
            )
            .await;
        assert_eq!(r.location, "/obligations/mandates?flash=saved");
        let page = br.get("/obligations/mandates").await;
        assert!(
            page.body.contains("Alice Jill Edwards (2022-08 – …)"),
            "{}",
            page.body
        );

        // A communication to Kenya, shown on its profile.
        br.get("/obligations/countries/KEN").await;
        let r = br
            .submit(
                "/obligations/countries/KEN/communications",
                &[
                    ("mandate_code", "SR-TORTURE"),
                    ("reference", "AL KEN 3/2024"),
                    ("sent", "2024-02-30"),
                ],
            )
            .await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_sent"
        );
        assert_eq!(a.n("SELECT COUNT(*) FROM sp_communications").await, 0);
        let r = br
            .submit(
                "/obligations/countries/KEN/communications",
                &[
                    ("mandate_code", "SR-TORTURE"),
                    ("reference", "AL KEN 3/2024"),
                    ("sent", "2024-03-01"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let page = br.get("/obligations/countries/KEN").await;
        assert!(
            page.body.contains("AL KEN 3") && page.body.contains("2024-03-01"),
            "{}",
            page.body
        );

        // Clusters: by theme (members join at once) and by hand.
        let r = br
            .submit(
                "/obligations/countries/KEN/clusters",
                &[
                    ("name", "Policing"),
                    ("basis", "theme"),
                    ("basis_value", ""),
                ],
            )
            .await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_basis_value"
        );
        let r = br
            .submit(
                "/obligations/countries/KEN/clusters",
                &[
                    ("name", "Policing"),
                    ("basis", "theme"),
                    ("basis_value", "Police"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"));
        // Cluster names are encrypted at rest: found through the store.
        assert_eq!(a.cluster("KEN", "Policing").await.1, 1);
        br.submit(
            "/obligations/countries/KEN/clusters",
            &[("name", "Death penalty work"), ("basis", "manual")],
        )
        .await;
        br.submit(
            "/obligations/countries/FRA/clusters",
            &[("name", "French cluster"), ("basis", "manual")],
        )
        .await;
        let upr = a
            .n("SELECT id FROM recommendations WHERE iso3 = 'KEN' AND body = 'UPR'")
            .await;
        let manual = a.cluster("KEN", "Death penalty work").await.0.to_string();
        let french = a.cluster("FRA", "French cluster").await.0.to_string();
        let rec_url = format!("/obligations/recommendations/{upr}");
        let page = br.get(&rec_url).await;
        assert!(page.body.contains("Death penalty work") && !page.body.contains("French cluster"));
        let r = br
            .submit(&format!("{rec_url}/cluster"), &[("cluster_id", &french)])
            .await;
        assert_eq!(r.location, format!("{rec_url}?error=obl_invalid_cluster"));
        let r = br
            .submit(&format!("{rec_url}/cluster"), &[("cluster_id", &manual)])
            .await;
        assert_eq!(r.location, format!("{rec_url}?flash=saved"));
        assert_eq!(
            a.n(&format!(
                "SELECT COUNT(*) FROM rec_cluster_members WHERE cluster_id = {manual}"
            ))
            .await,
            1
        );

        // A planned action marked done on the tracking page, then reopened.
        br.submit(
            &format!("{rec_url}/action"),
            &[
                ("description", "Table the abolition bill"),
                ("target_date", "2020-01-01"),
            ],
        )
        .await;
        // Descriptions are encrypted at rest: found through the store.
        let action = dignity_store::obligations::tracking::actions(&a.store, upr)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.description == "Table the abolition bill")
            .unwrap()
            .id
            .to_string();
        let page = br.get(&rec_url).await;
        assert!(page.body.contains("Mark done"), "{}", page.body);
        let other = a
            .n("SELECT id FROM recommendations WHERE iso3 = 'FRA'")
            .await;
        let r = br
            .submit(
                &format!("/obligations/recommendations/{other}/action-done"),
                &[("action_id", &action), ("done", "yes")],
            )
            .await;
        assert!(
            r.location.contains("error=obl_invalid_action_id"),
            "{}",
            r.location
        );
        assert_eq!(
            a.n(&format!("SELECT done FROM rec_actions WHERE id = {action}"))
                .await,
            0
        );
        let r = br
            .submit(
                &format!("{rec_url}/action-done"),
                &[("action_id", &action), ("done", "yes")],
            )
            .await;
        assert_eq!(r.location, format!("{rec_url}?flash=saved"));
        assert_eq!(
            a.n(&format!("SELECT done FROM rec_actions WHERE id = {action}"))
                .await,
            1
        );
        assert_eq!(
            a.n("SELECT COUNT(*) FROM audit_log WHERE action = 'action.done'")
                .await,
            1
        );
        let page = br.get(&rec_url).await;
        assert!(
            page.body.contains("Reopen") && !page.body.contains("Overdue by"),
            "{}",
            page.body
        );

        // An analyst may read but not write: 403 and nothing changed.
        let mut ana = Browser::new(&a.router);
        ana.login("ana").await;
        assert_eq!(
            ana.get("/obligations/mandates").await.status,
            StatusCode::OK
        );
        let before = a.n("SELECT COUNT(*) FROM sp_communications").await;
        let r = ana
            .submit(
                "/obligations/countries/KEN/communications",
                &[
                    ("mandate_code", "SR-TORTURE"),
                    ("reference", "X"),
                    ("sent", "2024"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = ana
            .submit(
                "/obligations/mandates",
                &[("code", "X"), ("name", "X"), ("kind", "thematic")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = ana
            .submit(
                &format!("{rec_url}/action-done"),
                &[("action_id", &action), ("done", "no")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(a.n("SELECT COUNT(*) FROM sp_communications").await, before);
        assert_eq!(
            a.n(&format!("SELECT done FROM rec_actions WHERE id = {action}"))
                .await,
            1
        );
    }
}

#[tokio::test]
async fn the_country_page_says_when_the_status_was_true_and_who_recorded_a_change() {
    // data/treaties/ratifications.csv: FRA,CAT,party,1985-02-04,1986-02-18,ratification,
    // yes,untc2015,2022-08-25 (UNTC MTDSG IV-9); in force for France on the Convention's
    // own entry into force, 1987-06-26 (France deposited before it).
    let quoted = "Status as of 2022-08-25, UN Treaty Collection";
    for b in backends() {
        let a = app(b).await;
        a.user("dora", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("dora").await;

        // The shipped facts are quoted with their source and the date they were true.
        let page = br.get("/obligations/countries/FRA").await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}");
        assert!(
            page.body.contains("Each fact gives its source"),
            "{b:?}: {}",
            page.body
        );
        let cat_row = |body: &str| {
            let start = body
                .find("<abbr title=\"Convention against Torture")
                .unwrap();
            body[start..start + body[start..].find("</tr>").unwrap()].to_owned()
        };
        let row = cat_row(&page.body);
        for fact in [
            quoted,
            "1985-02-04",
            "1986-02-18",
            "ratification",
            "1987-06-26",
        ] {
            assert!(row.contains(fact), "{b:?}: {fact} in {row}");
        }
        // A consent known only by its year says so (AFG,OP-CAT,party,,2018,,,wpd2022).
        let afg = br.get("/obligations/countries/AFG").await;
        assert!(
            afg.body.contains(
                "Status as of 2022-08-25, UN Treaty Collection, August 2022 extract (year only)"
            ),
            "{b:?}"
        );
        let matrix = br.get("/obligations/matrix").await;
        assert!(
            matrix
                .body
                .contains(&format!("title=\"{quoted}\">1986-02-18</span>")),
            "{b:?}"
        );

        // A fact the office records is shown as the office's, not as the UN's.
        let r = br
            .submit(
                "/obligations/countries/FRA/ratifications/CAT",
                &[
                    ("status", "party"),
                    ("signature", "1985-02-04"),
                    ("consent", "1986-02-18"),
                ],
            )
            .await;
        assert!(!r.location.is_empty(), "{b:?}: {}", r.body);
        let page = br.get("/obligations/countries/FRA").await;
        let row = cat_row(&page.body);
        let today = chrono::Utc::now().date_naive();
        assert!(
            row.contains(&format!("Office correction, recorded {today}")),
            "{b:?}: {row}"
        );
        assert!(!row.contains("UN Treaty Collection"), "{b:?}: {row}");
        // The edit page keeps the shipped values the correction replaced, with who and how.
        let form = br.get("/obligations/countries/FRA/ratifications/CAT").await;
        let hist = &form.body[form.body.find("id=\"hist-h\"").unwrap()..];
        for cell in [
            "<td>Kind of consent</td><td dir=\"ltr\">ratification</td><td dir=\"ltr\">—</td><td dir=\"ltr\">office user</td><td dir=\"ltr\">dora</td>",
            "<td>Source</td><td dir=\"ltr\">untc2015</td>",
            "<td>Status as of</td><td dir=\"ltr\">2022-08-25</td>",
        ] {
            assert!(hist.contains(cell), "{b:?}: {cell} in {hist}");
        }
    }
}
