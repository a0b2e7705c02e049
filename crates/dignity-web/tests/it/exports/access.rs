//! Names in an export only with the permission, and confidential records only for those on
//! their need-to-know list.

use super::*;

#[tokio::test]
async fn names_only_with_permission_and_confidential_records_only_for_those_on_the_list() {
    for b in backends() {
        let app = app(b).await;
        let q = "/api/v1/search/export?type=vio_events&format=csv";

        // An analyst's role does not allow names (by default): refused, nothing exported.
        let (s, _, body) = send(&app, export(&format!("{q}&names=1"), &app.ana)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b:?}");
        let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["error"]["field"], "names");
        assert!(export_audits(&app.store).await.is_empty());

        // The documenter who created the confidential events: the confidential one is
        // exported (on its list), the strictly confidential one is not (coordinators only).
        let (s, _, body) = send(&app, export(q, &app.dora)).await;
        assert_eq!(s, StatusCode::OK);
        let (head, rows) = csv_rows(&body);
        let ids: Vec<String> = rows.iter().map(|r| r[col(&head, "id")].clone()).collect();
        assert!(ids.contains(&app.confidential.to_string()), "{b:?}");
        assert!(!ids.contains(&app.strict.to_string()), "{b:?}");
        assert_eq!(rows.len(), 3);
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains(SECRET_TITLES[1]));
        for n in NAMES {
            assert!(!text.contains(n));
        }

        // With names, asked for and allowed: names and text columns, recorded as such.
        let (s, _, body) = send(&app, export(&format!("{q}&names=1"), &app.dora)).await;
        assert_eq!(s, StatusCode::OK);
        let (head, rows) = csv_rows(&body);
        let names = col(&head, "names");
        let srb = rows
            .iter()
            .find(|r| r[col(&head, "id")] == app.public.to_string())
            .unwrap();
        assert_eq!(srb[names], "Ana Jovanović was detained.");
        assert!(!String::from_utf8(body).unwrap().contains("Leila Nasser"));
        let audits = export_audits(&app.store).await;
        assert_eq!(audits.len(), 2);
        assert_eq!(audits[0]["names"], false);
        assert_eq!(audits[0]["rows"], 3);
        assert_eq!(audits[1]["names"], true);

        // Errors are clear; visitors export nothing.
        let (s, _, body) = send(&app, export("/api/v1/search/export?format=pdf", &app.ana)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("csv, xlsx, json, geojson"));
        let (s, _, _) = send(&app, export(q, "")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, h, _) = send(&app, post("/search/export", "", "format=csv".into())).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[header::LOCATION].to_str().unwrap().starts_with("/login"));
        assert_eq!(export_audits(&app.store).await.len(), 2);

        // The search page offers the export form with the search's filters.
        let (_, _, body) = send(&app, get("/search?type=vio_events", &app.dora)).await;
        let page = String::from_utf8(body).unwrap();
        assert!(page.contains("action=\"/search/export\""));
        assert!(page.contains("name=\"record_type\" value=\"vio_events\""));
        assert!(
            page.contains("name=\"names\""),
            "documenters may include names"
        );
        let (_, _, body) = send(&app, get("/search?type=vio_events", &app.ana)).await;
        let page = String::from_utf8(body).unwrap();
        assert!(page.contains("action=\"/search/export\""));
        assert!(!page.contains("name=\"names\""), "analysts may not");
        // The OpenAPI document lists the endpoint.
        let (_, _, body) = send(&app, get("/api/v1/openapi.json", "")).await;
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("/api/v1/search/export"));
    }
}
