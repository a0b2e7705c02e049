//! Every export format of search results for a small known corpus: pseudonymised by
//! default, and each export audited.

use super::*;

#[tokio::test]
async fn exports_every_format_pseudonymised_and_audited() {
    for b in backends() {
        let app = app(b).await;
        let q = "/api/v1/search/export?type=vio_events";

        // CSV, pseudonymised by default: the analyst gets the internal and the public
        // event, never the confidential ones, and no names.
        let (s, h, body) = send(&app, export(&format!("{q}&format=csv"), &app.ana)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(h[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"dignity-export-"));
        let (head, rows) = csv_rows(&body);
        assert!(!head.contains(&"names".to_string()), "{head:?}");
        assert!(!head.contains(&"text".to_string()));
        let mut ids: Vec<String> = rows.iter().map(|r| r[col(&head, "id")].clone()).collect();
        ids.sort();
        let mut want = vec![app.internal.to_string(), app.public.to_string()];
        want.sort();
        assert_eq!(ids, want, "{b:?}");
        let text = String::from_utf8(body.clone()).unwrap();
        for n in NAMES.iter().chain(SECRET_TITLES.iter()) {
            assert!(!text.contains(n), "{b:?}: {n} in a pseudonymised export");
        }
        let srb = rows
            .iter()
            .find(|r| r[col(&head, "id")] == app.public.to_string())
            .unwrap();
        assert_eq!(srb[col(&head, "title")], "Arrests after the Belgrade march");
        assert_eq!(srb[col(&head, "country")], "SRB");
        assert_eq!(srb[col(&head, "record_type")], "vio_events");
        assert_eq!(srb[col(&head, "date_from")], "2024-03-05");
        assert_eq!(srb[col(&head, "lens")], "torture");
        let pseudo = srb[col(&head, "pseudonym")].clone();
        assert!(pseudo.starts_with("P-") && pseudo.len() == 10, "{pseudo}");
        // Stable: the same record has the same pseudonym in the next export.
        let (_, _, again) = send(&app, export(&format!("{q}&format=csv"), &app.ana)).await;
        assert!(String::from_utf8(again).unwrap().contains(&pseudo));

        // JSON.
        let (s, _, body) = send(&app, export(&format!("{q}&format=json"), &app.ana)).await;
        assert_eq!(s, StatusCode::OK);
        let j: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(j["total"], 2);
        assert_eq!(j["names_included"], false);
        let items = j["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        let it = items
            .iter()
            .find(|i| i["id"].as_str() == Some(app.public.to_string().as_str()))
            .unwrap();
        assert_eq!(it["pseudonym"], pseudo.as_str());
        assert_eq!(it["title"], "Arrests after the Belgrade march");
        assert_eq!(it["facets"]["lens"][0], "torture");
        assert!(it.get("names").is_none());

        // GeoJSON: a point at the country's centroid.
        let (s, h, body) = send(&app, export(&format!("{q}&format=geojson"), &app.ana)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h[header::CONTENT_TYPE], "application/geo+json");
        let g: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(g["type"], "FeatureCollection");
        let f = g["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["id"].as_str() == Some(app.public.to_string().as_str()))
            .unwrap();
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = dignity_core::geo::centroid("SRB").unwrap();
        assert_eq!(f["geometry"]["coordinates"][0].as_f64().unwrap(), c[0]);
        assert_eq!(f["geometry"]["coordinates"][1].as_f64().unwrap(), c[1]);

        // XLSX, read back with calamine: the same header and rows as the CSV.
        let (s, _, body) = send(&app, export(&format!("{q}&format=xlsx"), &app.ana)).await;
        assert_eq!(s, StatusCode::OK);
        use calamine::{Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let cells: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(cells[0], head);
        assert_eq!(cells.len(), 3);
        assert!(cells.iter().any(|r| r.contains(&pseudo)));

        // Every export audited, with filter, format, rows and the names choice; the
        // words of a query only encrypted.
        let (s, _, _) = send(
            &app,
            export(
                "/api/v1/search/export?type=vio_events&q=Belgrade&format=json",
                &app.ana,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let audits = export_audits(&app.store).await;
        assert_eq!(audits.len(), 6, "{b:?}");
        assert_eq!(audits[0]["format"], "csv");
        assert_eq!(audits[0]["rows"], 2);
        assert_eq!(audits[0]["names"], false);
        assert_eq!(
            audits[0]["filter"]["facets"]["record_type"][0],
            "vio_events"
        );
        assert_eq!(audits[4]["format"], "xlsx");
        assert_eq!(audits[5]["rows"], 1);
        let raw = audits[5].to_string();
        assert!(!raw.contains("Belgrade"), "query words in clear: {raw}");
        assert!(audits[5]["filter"]["q_encrypted"].is_string());
        let ana_id: i64 = sqlx::query("SELECT id FROM users WHERE username = 'ana'")
            .fetch_one(app.store.pool())
            .await
            .unwrap()
            .get(0);
        let who: Option<i64> = sqlx::query(
            "SELECT actor_id FROM audit_log WHERE action = 'search.export' ORDER BY seq LIMIT 1",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap()
        .get(0);
        assert_eq!(who, Some(ana_id));
    }
}
