//! UPR recommendations (issue 17 item 8): action categories shown as label and number
//! (from `data/upr/action-categories.csv`) and the State's response, in the list, its
//! filters, the recommendation page, the country page, the API and the OpenAPI document.

use super::*;

const UPR_INFO: &str =
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n\
Kenya,,,Ratify the OP-CAT.,Chile,,,Accepted,5,International instruments,9\n\
Kenya,,,Continue its efforts on education.,Egypt,,,Noted,1,Right to education,9\n\
Kenya,,,Consider a moratorium on executions.,Italy,,,,3,Death penalty,9\n";

async fn with_upr_info(b: Backend) -> App {
    let a = app(b).await;
    let resolver = ob::country_resolver(&a.store).await.unwrap();
    let p = rules::parse_upr_info(&Table::from_csv(UPR_INFO).unwrap(), &resolver);
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    ob::recs::import(
        &a.store,
        &Actor::system(),
        p.records,
        vec![],
        false,
        &|_| {},
    )
    .await
    .unwrap();
    a
}

#[tokio::test]
async fn action_categories_and_responses_are_shown_filtered_and_counted() {
    for b in backends() {
        let a = with_upr_info(b).await;

        // The list: the category as label and number on the item and in its facet.
        let (s, html) = a.get("/obligations/recommendations?country=KEN").await;
        assert_eq!(s, StatusCode::OK);
        // Arguments are isolated for bidirectional text (U+2068 … U+2069).
        assert!(
            html.contains("Action: \u{2068}Specific action (5)\u{2069}"),
            "{b:?}"
        );
        assert!(html.contains("Action category (UPR Info)"));
        assert!(
            html.contains("action=3"),
            "a facet value links to its filter"
        );
        assert!(html.contains("Pending (no response yet)"));
        let (_, html) = a
            .get("/obligations/recommendations?country=KEN&action=3")
            .await;
        assert!(html.contains("Consider a moratorium"));
        assert!(!html.contains("Ratify the OP-CAT"));
        let (_, html) = a.get("/obligations/recommendations?position=pending").await;
        assert!(html.contains("Consider a moratorium") && !html.contains("Ratify the OP-CAT"));

        // The API: the number, its label and the facet.
        let v = a.json("/api/v1/recommendations?action=5", None).await;
        assert_eq!(v["total"], 1, "{b:?}");
        assert_eq!(v["items"][0]["upr_action"], 5);
        assert_eq!(v["items"][0]["upr_action_label"], "Specific action");
        assert_eq!(v["items"][0]["position"], "supported");
        let v = a
            .json("/api/v1/recommendations?action=5&action=1", None)
            .await;
        assert_eq!(v["total"], 2);
        let facet: Vec<(String, i64)> = v["facets"]["action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["value"].as_str().unwrap().to_string(),
                    f["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert!(facet.contains(&("3".into(), 1)), "{facet:?}");
        let v = a
            .json("/api/v1/recommendations?position=pending", None)
            .await;
        assert_eq!(v["total"], 1);

        // The recommendation page: label, number, the definition and its source.
        let id = a
            .n("SELECT id FROM recommendations WHERE upr_action = 3")
            .await;
        let (s, html) = a.get(&format!("/obligations/recommendations/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Considering action (3)"), "{html}");
        assert!(html.contains("Asks the State under review to consider an action."));
        assert!(html.contains("summary-upr-info-side-event-held-3-december-2009"));
        assert!(html.contains("Pending (no response yet)"));

        // The country page counts the UPR recommendations by response and by category.
        let (_, html) = a.get("/obligations/countries/KEN").await;
        assert!(html.contains("UPR recommendations by response of the State"));
        let row = row_of(&html, "Pending (no response yet)");
        assert!(
            row.contains("position=pending") && row.contains("<td>1</td>"),
            "{row}"
        );
        let row = row_of(&html, "Minimal action (1)");
        assert!(
            row.contains("action=1") && row.contains("<td>1</td>"),
            "{row}"
        );
        // Kenya's UPR recommendation of the generic table has no category.
        let row = row_of(&html, "No action category");
        assert!(row.contains("<td>1</td>"), "{row}");
        // The follow-up report (printable, and its PDF from the same data) says both.
        let (_, html) = a.get("/obligations/countries/KEN/follow-up?body=UPR").await;
        assert!(html.contains("Specific action (5)") && html.contains("Pending (no response yet)"));
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_new_fields() {
    let a = app(Backend::Sqlite).await;
    let doc = a.json("/api/v1/openapi.json", None).await;
    let schemas = &doc["components"]["schemas"];
    let rec = &schemas["Recommendation"]["properties"];
    for f in ["upr_action", "upr_action_label", "position"] {
        assert!(rec.get(f).is_some(), "Recommendation.{f}");
    }
    assert!(schemas["Facets"]["properties"].get("action").is_some());
    assert!(schemas["NewRecommendation"]["properties"]
        .get("upr_action")
        .is_some());
    let params: Vec<&str> = doc["paths"]["/api/v1/recommendations"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        params.contains(&"action") && params.contains(&"position"),
        "{params:?}"
    );
}
