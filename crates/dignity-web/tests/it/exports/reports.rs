//! An administrator publishes the public version of a country report; no one else can.

use super::*;

#[tokio::test]
async fn an_administrator_publishes_the_public_version_of_a_report() {
    for b in backends() {
        let app = app(b).await;
        // The report page offers publishing to administrators only.
        let (s, _, body) = send(&app, get("/reports/country?country=SRB", &app.adam)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        let page = String::from_utf8(body).unwrap();
        assert!(page.contains("action=\"/reports/country/publish\""));
        let token = csrf(&page);
        let (_, _, body) = send(&app, get("/reports/country?country=SRB", &app.dora)).await;
        assert!(!String::from_utf8(body)
            .unwrap()
            .contains("/reports/country/publish"));
        // A documenter cannot publish, nor can a form without its token.
        let (s, _, _) = send(
            &app,
            post(
                "/reports/country/publish",
                &app.dora,
                "csrf_token=x&country=SRB".into(),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = send(
            &app,
            post("/reports/country/publish", &app.adam, "country=SRB".into()),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = send(&app, get("/public/publications/report-srb-2024", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, h, _) = send(
            &app,
            post(
                "/reports/country/publish",
                &app.adam,
                format!("csrf_token={token}&country=SRB&year=2024"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        let loc = h[header::LOCATION].to_str().unwrap().to_string();
        assert_eq!(loc, "/public/publications/report-srb-2024");
        // Anyone can read it; it was made as the anonymous visitor: no unpublished record,
        // no confidential one, no name.
        let (s, _, body) = send(&app, get(&loc, "")).await;
        assert_eq!(s, StatusCode::OK);
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("Serbia"), "{text}");
        assert!(text.contains("<table"), "the report's tables are there");
        assert!(
            !text.contains("Arrests after the Belgrade march"),
            "unpublished"
        );
        for t in SECRET_TITLES {
            assert!(!text.contains(t), "{t}");
        }
        for n in NAMES {
            assert!(!text.contains(n), "{n}");
        }
        let (_, _, body) = send(&app, get("/public", "")).await;
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("/public/publications/report-srb-2024"));
    }
}
