//! What the public reads: the matrix and country profiles, and the recommendations search
//! with its facets (page and API).

use super::*;

#[tokio::test]
async fn public_pages_show_the_matrix_and_country_profiles() {
    for b in backends() {
        let a = app(b).await;
        let (s, html) = a.get("/obligations/matrix").await;
        assert_eq!(s, StatusCode::OK);
        // 197 States: the UN members and observers, the Cook Islands and Niue
        // (data/treaties/ratifications.csv).
        assert!(html.contains("States: 197"), "{b:?}");
        assert!(html.contains("href=\"/obligations/countries/FRA\""));
        let (_, html) = a.get("/obligations/matrix?group=AFRICAN").await;
        assert!(html.contains("States: 54"));
        assert!(
            html.contains("/obligations/countries/KEN")
                && !html.contains("/obligations/countries/FRA\"")
        );
        let (_, html) = a.get("/obligations/matrix?region=Europe&system=coe").await;
        assert!(html.contains("ECHR"));

        let (s, html) = a.get("/obligations/countries/fra").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<h1>France"));
        // FRA,CAT: ratified 1986-02-18 (UNTC MTDSG IV-9).
        assert!(
            html.contains("1986-02-18"),
            "CAT ratified on 18 February 1986"
        );
        assert!(html.contains("<svg class=\"chart\""));
        assert!(
            !html.contains("/ratifications/CAT\""),
            "no edit links for the public"
        );
        let (s, _) = a.get("/obligations/countries/XXX").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, html) = a.get("/obligations/countries/KEN/deadlines").await;
        assert_eq!(s, StatusCode::OK);
        // No report of Kenya is recorded: no arrears computed from 1972 on.
        assert!(html.contains("No reporting data recorded"), "{html}");
        assert!(!html.contains("Overdue by"), "{html}");
        let (s, html) = a
            .get("/obligations/countries/KEN/follow-up?body=CCPR")
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("police oversight"));
    }
}

#[tokio::test]
async fn recommendations_search_with_facets_page_and_api() {
    for b in backends() {
        let a = app(b).await;
        let (s, html) = a.get("/obligations/recommendations?country=KEN").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Results: 2"), "{b:?}");
        assert!(html.contains("Death penalty"));
        let (_, html) = a
            .get("/obligations/recommendations?q=police&country=KEN")
            .await;
        assert!(html.contains("Results: 1"));
        let v = a
            .json("/api/v1/recommendations?country=KEN&q=police", None)
            .await;
        assert_eq!(v["total"], 1);
        assert_eq!(v["items"][0]["document_symbol"], "CCPR/C/KEN/CO/4");
        assert_eq!(
            v["items"][0]["themes"],
            serde_json::json!(["Police", "Justice"])
        );
        let v = a.json("/api/v1/recommendations?theme=Torture", None).await;
        assert_eq!(v["total"], 1);
        assert_eq!(v["items"][0]["iso3"], "FRA");
        // A page far past the end (the largest number a client can send) is an empty page
        // with the right total, not a dropped connection (schemathesis found the overflow).
        let v = a
            .json(
                &format!(
                    "/api/v1/recommendations?country=KEN&q=police&page={}",
                    i64::MAX
                ),
                None,
            )
            .await;
        assert_eq!(
            (v["total"].as_i64(), v["items"].as_array().map(|i| i.len())),
            (Some(1), Some(0))
        );
        let v = a
            .json("/api/v1/recommendations?from=FRA&position=noted", None)
            .await;
        assert_eq!(v["total"], 1);
        let v = a.json("/api/v1/recommendations", None).await;
        assert_eq!(v["total"], 3);
        let bodies = v["facets"]["body"].as_array().unwrap();
        assert_eq!(bodies.len(), 3);
        let v = a.json("/api/v1/countries/FRA/ratifications", None).await;
        // 18 UN and 16 Council of Europe instruments.
        assert_eq!(v["total"], 34);
        let cat = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["instrument"] == "CAT")
            .unwrap();
        assert_eq!(cat["status"], "party");
        // data/treaties/ratifications.csv: FRA,CAT,party,1985-02-04,1986-02-18,
        // ratification,yes,untc2015,2022-08-25.
        assert_eq!(cat["consent"], "1986-02-18");
        assert_eq!(cat["signature"], "1985-02-04");
        assert_eq!(cat["consent_kind"], "ratification");
        assert_eq!(cat["reservations_listed"], "yes");
        assert_eq!(cat["fact_source"], "untc2015");
        assert_eq!(cat["as_of"], "2022-08-25");
        assert_eq!(cat["entry_into_force"], "1987-06-26");
        let (s, _) = a
            .req("GET", "/api/v1/countries/XXX/ratifications", None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let v = a
            .json("/api/v1/ratifications/matrix?group=WEOG", None)
            .await;
        assert!(v["rows"].as_array().unwrap().len() > 20);
        let v = a
            .json("/api/v1/countries/KEN/reports?due_within=365", None)
            .await;
        assert!(v["total"].as_u64().unwrap() > 0);
        let doc = a.json("/api/v1/openapi.json", None).await;
        for p in [
            "/api/v1/countries/{iso3}/ratifications",
            "/api/v1/recommendations",
            "/api/v1/recommendations/{id}/assessments",
        ] {
            assert!(doc["paths"].get(p).is_some(), "{p} documented");
        }
    }
}

#[tokio::test]
async fn several_values_of_one_facet_are_combined() {
    for b in backends() {
        let a = app(b).await;
        let one = a.json("/api/v1/recommendations?body=CCPR", None).await;
        assert_eq!(one["total"], 1, "{b:?}");
        let two = a
            .json("/api/v1/recommendations?body=CCPR&body=CAT", None)
            .await;
        assert_eq!(two["total"], 2, "{b:?}: CCPR or CAT");
        let v = a
            .json(
                "/api/v1/recommendations?body=CCPR&body=CAT&country=FRA",
                None,
            )
            .await;
        assert_eq!(v["total"], 1, "other facets still narrow the set");
        let v = a
            .json("/api/v1/recommendations?theme=Police&theme=Torture", None)
            .await;
        assert_eq!(v["total"], 2, "tags too");
        let v = a
            .json("/api/v1/recommendations?country=KEN&country=FRA", None)
            .await;
        assert_eq!(v["total"], 3);
        // On the page, another value of a chosen facet adds to it; a chosen one removes itself.
        let (s, html) = a.get("/obligations/recommendations?body=CCPR").await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("href=\"&#x2f;obligations&#x2f;recommendations?body=CCPR&amp;body=UPR\""),
            "{html}"
        );
        let (_, html) = a
            .get("/obligations/recommendations?body=CCPR&body=UPR")
            .await;
        assert!(
            html.contains("href=\"&#x2f;obligations&#x2f;recommendations?body=UPR\""),
            "{html}"
        );
        assert!(
            html.contains("Establish an independent police oversight body")
                && html.contains("Abolish the death penalty")
        );
        assert!(!html.contains("Investigate allegations of torture"));
    }
}
