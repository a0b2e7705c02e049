//! Obligations pages and API end to end, on every backend: the matrix and country
//! profile for the public, the recommendations search with facets, role checks on
//! writes, assessments that only staff may see, and the OpenAPI document.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::obligations::{self as rules, Table};
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, store, TestStore};
use dignity_store::{accounts, obligations as ob, Backend};
use http_body_util::BodyExt;
use tower::ServiceExt;

struct App {
    router: Router,
    store: TestStore,
}

async fn app(b: Backend) -> App {
    let store = store(b).await;
    dignity_store::refdata::load_shipped(&store).await.unwrap();
    // A few recommendations through the generic importer.
    let resolver = ob::country_resolver(&store).await.unwrap();
    let m = rules::Mapping::parse(
        "[columns]\ntext = \"Text\"\ncountry = \"State\"\nbody = \"Body\"\nsymbol = \"Symbol\"\nthemes = \"Themes\"\nrecommending = \"From\"\nposition = \"Position\"\n[defaults]\nseparator = \";\"\n",
    )
    .unwrap();
    let t = Table::from_csv(
        "State,Body,Symbol,Text,Themes,From,Position\n\
         Kenya,CCPR,CCPR/C/KEN/CO/4,Establish an independent police oversight body.,Police;Justice,,\n\
         Kenya,UPR,,Abolish the death penalty.,Death penalty,France,Noted\n\
         France,CAT,CAT/C/FRA/CO/7,Investigate allegations of torture in police custody.,Torture,,\n",
    )
    .unwrap();
    let p = rules::parse_generic(&t, &m, &resolver);
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    ob::recs::import(&store, &Actor::system(), p.records, vec![], false, &|_| {})
        .await
        .unwrap();
    let router = dignity_web::router(dignity_web::AppState::new(
        store.store.clone(),
        Default::default(),
    ));
    App { router, store }
}

impl App {
    async fn token(&self, name: &str, role: Role) -> String {
        let mut tx = self.store.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(&mut tx, name, "", role, "a long enough passphrase")
            .await
            .unwrap();
        let (_, t) = accounts::create_token(&mut tx, u.id, "test").await.unwrap();
        tx.commit().await.unwrap();
        t
    }
    async fn req(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: Option<serde_json::Value>,
    ) -> (StatusCode, String) {
        let mut r = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(j) => {
                r = r.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_string())
            }
            None => Body::empty(),
        };
        let res = self
            .router
            .clone()
            .oneshot(r.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let b = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(b.to_vec()).unwrap())
    }
    async fn get(&self, path: &str) -> (StatusCode, String) {
        self.req("GET", path, None, None).await
    }
    async fn json(&self, path: &str, token: Option<&str>) -> serde_json::Value {
        let (s, b) = self.req("GET", path, token, None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {b}");
        serde_json::from_str(&b).unwrap()
    }
}

#[tokio::test]
async fn public_pages_show_the_matrix_and_country_profiles() {
    for b in backends() {
        let a = app(b).await;
        let (s, html) = a.get("/obligations/matrix").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("States: 193"), "{b:?}");
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
        assert!(html.contains("1986"), "CAT ratified in 1986");
        assert!(html.contains("<svg class=\"chart\""));
        assert!(
            !html.contains("/ratifications/CAT\""),
            "no edit links for the public"
        );
        let (s, _) = a.get("/obligations/countries/XXX").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, html) = a.get("/obligations/countries/KEN/deadlines").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Overdue by"), "Kenya has overdue reports");
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
        let v = a
            .json("/api/v1/recommendations?from=FRA&position=noted", None)
            .await;
        assert_eq!(v["total"], 1);
        let v = a.json("/api/v1/recommendations", None).await;
        assert_eq!(v["total"], 3);
        let bodies = v["facets"]["body"].as_array().unwrap();
        assert_eq!(bodies.len(), 3);
        let v = a.json("/api/v1/countries/FRA/ratifications", None).await;
        assert_eq!(v["total"], 29);
        let cat = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["instrument"] == "CAT")
            .unwrap();
        assert_eq!(cat["status"], "party");
        assert_eq!(cat["consent"], "1986");
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
async fn writes_need_the_role_and_assessments_follow_confidentiality() {
    for b in backends() {
        let a = app(b).await;
        let analyst = a.token("ana", Role::Analyst).await;
        let doc = a.token("doc", Role::Documenter).await;
        let body = serde_json::json!({ "status": "party", "consent": "1986-02-18", "consent_kind": "ratification", "complaints_declaration": true });
        let (s, _) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                Some(&analyst),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, out) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                Some(&doc),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{out}");
        let bad = serde_json::json!({ "status": "party", "consent": "1970" });
        let (s, out) = a
            .req(
                "PUT",
                "/api/v1/countries/FRA/ratifications/CAT",
                Some(&doc),
                Some(bad),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["error"]["field"], "consent");

        let new = serde_json::json!({ "iso3": "KEN", "body": "CEDAW", "text": "Adopt a law on femicide.", "document_symbol": "CEDAW/C/KEN/CO/9", "date": "2024-10" });
        let (s, out) = a
            .req("POST", "/api/v1/recommendations", Some(&doc), Some(new))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let id = serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"]
            .as_i64()
            .unwrap();
        let bad = serde_json::json!({ "iso3": "KEN", "body": "NOPE", "text": "x" });
        let (s, _) = a
            .req("POST", "/api/v1/recommendations", Some(&doc), Some(bad))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        let assess = serde_json::json!({ "status": "in_progress", "assessed_on": "2025-01-15", "narrative": "Draft bill with the cabinet" });
        let (s, out) = a
            .req(
                "POST",
                &format!("/api/v1/recommendations/{id}/assessments"),
                Some(&doc),
                Some(assess),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        // Internal by default: staff see it, the public does not (nor its status).
        let v = a
            .json(
                &format!("/api/v1/recommendations/{id}/assessments"),
                Some(&analyst),
            )
            .await;
        assert_eq!(v["total"], 1);
        let v = a
            .json(&format!("/api/v1/recommendations/{id}/assessments"), None)
            .await;
        assert_eq!(v["total"], 0);
        let v = a.json(&format!("/api/v1/recommendations/{id}"), None).await;
        assert_eq!(v["status"], "");
        let v = a
            .json(&format!("/api/v1/recommendations/{id}"), Some(&analyst))
            .await;
        assert_eq!(v["status"], "in_progress");
        let v = a
            .json("/api/v1/recommendations?status=in_progress", None)
            .await;
        assert_eq!(v["total"], 0);
        let (_, html) = a.get(&format!("/obligations/recommendations/{id}")).await;
        assert!(html.contains("femicide") && !html.contains("Draft bill with the cabinet"));

        // Special procedures, reports and clusters through the API.
        let m = serde_json::json!({ "code": "SR-TORTURE", "name": "Special Rapporteur on torture", "kind": "thematic", "established": "1985",
            "holders": [{ "name": "Alice Edwards", "start_date": "2022-08-01", "end_date": "" }] });
        let (s, out) = a.req("POST", "/api/v1/mandates", Some(&doc), Some(m)).await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let v = a.json("/api/v1/mandates", None).await;
        assert_eq!(v["items"][0]["holders"][0]["name"], "Alice Edwards");
        let visit = serde_json::json!({ "mandate_code": "SR-TORTURE", "status": "requested", "requested": "2024-02" });
        let (s, out) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/visits",
                Some(&doc),
                Some(visit),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let bad = serde_json::json!({ "mandate_code": "SR-NOPE", "status": "requested" });
        let (s, _) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/visits",
                Some(&doc),
                Some(bad),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.json("/api/v1/countries/KEN/visits", None).await["total"],
            1
        );
        let rep = serde_json::json!({ "number": 1, "submitted": "1970-01-01" });
        let (s, out) = a
            .req(
                "PUT",
                "/api/v1/countries/KEN/reports/ICCPR",
                Some(&doc),
                Some(rep),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "submitted before ratification: {out}"
        );
        let rep = serde_json::json!({ "number": 1, "submitted": "1979-09-28", "symbol": "CCPR/C/1/Add.44" });
        let (s, out) = a
            .req(
                "PUT",
                "/api/v1/countries/KEN/reports/ICCPR",
                Some(&doc),
                Some(rep),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{out}");
        let c =
            serde_json::json!({ "name": "Policing", "basis": "theme", "basis_value": "Police" });
        let (s, out) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/clusters",
                Some(&doc),
                Some(c),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{out}");
        let v = a.json("/api/v1/countries/KEN/clusters", None).await;
        assert_eq!(v["items"][0]["members"], 1);
    }
}
