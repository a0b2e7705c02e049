//! Obligations pages and API end to end, on every backend: the matrix and country
//! profile for the public, the recommendations search with facets, role checks on
//! writes, assessments that only staff may see, and the OpenAPI document.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::obligations::{self as rules, Table};
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::{obligations as ob, Backend};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common;
use common::Browser;

struct App {
    router: Router,
    store: TestStore,
}

async fn app(b: Backend) -> App {
    let store = common::fresh_store(b).await;
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
    let router = common::router(&store);
    App { router, store }
}

impl App {
    async fn token(&self, name: &str, role: Role) -> String {
        common::account_with_token(&self.store, name, role).await.1
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
        // The standing invitation: recorded, shown, refused when not a date, withdrawn.
        let path = "/api/v1/countries/KEN/standing-invitation";
        let (s, out) = a
            .req(
                "PUT",
                path,
                Some(&doc),
                Some(serde_json::json!({ "since": "2019-03" })),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{out}");
        assert_eq!(
            a.json("/api/v1/countries/KEN/visits", None).await["standing_invitation"],
            "2019-03"
        );
        let (s, out) = a
            .req(
                "PUT",
                path,
                Some(&doc),
                Some(serde_json::json!({ "since": "2019-13" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
        assert!(out.contains("since"), "{out}");
        let (s, _) = a
            .req(
                "PUT",
                path,
                None,
                Some(serde_json::json!({ "since": "2020" })),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = a
            .req(
                "PUT",
                "/api/v1/countries/XXX/standing-invitation",
                Some(&doc),
                Some(serde_json::json!({ "since": "2020" })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(
            a.json("/api/v1/countries/KEN/visits", None).await["standing_invitation"],
            "2019-03",
            "a refused write changes nothing"
        );
        let (s, _) = a
            .req(
                "PUT",
                path,
                Some(&doc),
                Some(serde_json::json!({ "since": null })),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert!(
            a.json("/api/v1/countries/KEN/visits", None).await["standing_invitation"].is_null()
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

// ------------------------------------------------------------ HTML forms --

impl App {
    async fn user(&self, name: &str, role: Role) {
        common::account(&self.store, name, role).await;
    }
    /// A cluster of `iso3` by its (decrypted) name: (id, members).
    async fn cluster(&self, iso3: &str, name: &str) -> (i64, i64) {
        let c = dignity_store::obligations::tracking::clusters(&self.store, iso3)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no cluster {name:?}"));
        (c.id, c.members)
    }

    async fn n(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(sql)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
            .get(0)
    }
}

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

/// Text of the table row whose header cell holds `key`.
fn row_of(html: &str, key: &str) -> String {
    let at = html
        .find(key)
        .unwrap_or_else(|| panic!("{key} not in page"));
    let start = html[..at].rfind("<tr").unwrap_or(0);
    html[start..].split("</tr>").next().unwrap().to_string()
}

#[tokio::test]
async fn no_information_no_reporting_data_and_the_reply_clock_on_pages_and_api() {
    for b in backends() {
        let a = app(b).await;
        // Council of Europe instruments: nothing shipped, so "No information" on the staff
        // profile and the matrix, never "No action"; not counted as not party.
        let (_, html) = a.get("/obligations/countries/SRB").await;
        let echr = row_of(&html, ">ECHR</abbr>");
        assert!(echr.contains("No information"), "{echr}");
        assert!(!echr.contains("No action"), "{echr}");
        assert!(row_of(&html, ">CAT</abbr>").contains("Party"));
        let (_, html) = a.get("/obligations/matrix?system=coe").await;
        assert!(html.contains("title=\"No information\">?</abbr>"), "{b:?}");
        let not_parties = row_of(&html, "Not parties (no action or denounced)");
        assert!(!not_parties.contains("<td>193</td>"), "{not_parties}");
        assert!(row_of(&html, ">No information</th>").contains("<td>193</td>"));
        let j = a.json("/api/v1/countries/SRB/ratifications", None).await;
        let items = j["items"].as_array().unwrap();
        let echr = items.iter().find(|r| r["instrument"] == "ECHR").unwrap();
        assert_eq!(echr["status"], "unknown");

        // Reporting: no data for Kenya under ICCPR: estimate, no arrears; once a report is
        // recorded the delay is counted.
        let (_, html) = a.get("/obligations/countries/KEN").await;
        let iccpr = row_of(&html, "CCPR (ICCPR)");
        assert!(iccpr.contains("No reporting data recorded"), "{iccpr}");
        assert!(
            iccpr.contains("(estimate: no report recorded yet)"),
            "{iccpr}"
        );
        let j = a.json("/api/v1/countries/KEN/reports", None).await;
        let items = j["items"].as_array().unwrap();
        assert!(items.iter().all(|r| r["overdue_days"].is_null()), "{j}");
        assert!(items.iter().any(|r| r["no_data"] == true));
        let doc = a.token("dora", Role::Documenter).await;
        let (s, body) = a
            .req(
                "PUT",
                "/api/v1/countries/KEN/reports/ICCPR",
                Some(&doc),
                Some(serde_json::json!({ "number": 1, "submitted": "1979-12-01", "symbol": "CCPR/C/1/Add.44" })),
            )
            .await;
        assert!(s.is_success(), "{s} {body}");
        let (_, html) = a.get("/obligations/countries/KEN").await;
        let iccpr = row_of(&html, "CCPR (ICCPR)");
        assert!(iccpr.contains("Overdue by"), "{iccpr}");
        assert!(!iccpr.contains("No reporting data"), "{iccpr}");

        // A communication linked to the urgent appeal that prompted it: the reply clock on
        // the profile (for staff), the communication on the intervention's page.
        a.user("omar", Role::Documenter).await;
        let mut br = Browser::new(&a.router);
        br.login("omar").await;
        let (s, body) = a
            .req(
                "POST",
                "/api/v1/violations/interventions",
                Some(&doc),
                Some(
                    serde_json::json!({ "int_type": "urgent_appeal", "int_date": "2024-03-12",
                    "addressees": "Special Rapporteur on torture" }),
                ),
            )
            .await;
        assert!(s.is_success(), "{s} {body}");
        let ua = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (s, body) = a
            .req(
                "POST",
                "/api/v1/mandates",
                Some(&doc),
                Some(serde_json::json!({ "code": "SR-TORTURE", "name": "Special Rapporteur on torture", "kind": "thematic", "established": "1985" })),
            )
            .await;
        assert!(s.is_success(), "{s} {body}");
        let (s, body) = a
            .req(
                "POST",
                "/api/v1/countries/KEN/communications",
                Some(&doc),
                Some(serde_json::json!({ "mandate_code": "SR-TORTURE", "reference": "UA KEN 1/2024", "sent": "2024-03-14", "intervention_id": ua })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let j = a
            .json("/api/v1/countries/KEN/communications", Some(&doc))
            .await;
        assert_eq!(j["total"], 1);
        let k = &j["items"][0]["reply_clocks"][0];
        assert_eq!(k["due"], "2024-05-11");
        assert_eq!(k["state"], "overdue");
        // The public sees the communication, not the internal intervention's clock.
        let j = a.json("/api/v1/countries/KEN/communications", None).await;
        assert_eq!(j["items"][0]["reference"], "UA KEN 1/2024");
        assert!(j["items"][0]["reply_clocks"].as_array().unwrap().is_empty());
        let (_, html) = a.get("/obligations/countries/KEN").await;
        assert!(
            !html.contains("reply due 2024-05-11"),
            "anonymous sees no clock"
        );

        let page = br.get("/obligations/countries/KEN").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let row = row_of(&page.body, "UA KEN 1&#x2f;2024");
        assert!(
            row.contains(": sent 2024-03-12, reply due 2024-05-11"),
            "{row}"
        );
        assert!(row.contains("Overdue by"), "{row}");
        assert!(
            row.contains(&format!("href=\"/violations/interventions/{ua}\"")),
            "{row}"
        );

        // A second communication linked through the page's form; a wrong number is
        // refused with the field named and nothing linked.
        let r = br
            .submit(
                "/obligations/countries/KEN/communications",
                &[
                    ("mandate_code", "SR-TORTURE"),
                    ("reference", "AL KEN 2/2024"),
                    ("sent", "2024-04-02"),
                ],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let c2 = a
            .n("SELECT id FROM sp_communications WHERE reference = 'AL KEN 2/2024'")
            .await;
        let path = format!("/obligations/countries/KEN/communications/{c2}/interventions");
        let page = br.get("/obligations/countries/KEN").await;
        assert!(page.body.contains(&format!("action=\"{path}\"")));
        let r = br.submit(&path, &[("intervention_id", "99999")]).await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_intervention_id"
        );
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_communication_interventions")
                .await,
            1
        );
        let r = br
            .submit(&path, &[("intervention_id", &ua.to_string())])
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_communication_interventions")
                .await,
            2
        );

        // The standing invitation, set and withdrawn from the profile.
        let r = br
            .submit(
                "/obligations/countries/KEN/invitation",
                &[("since", "2011-13")],
            )
            .await;
        assert_eq!(
            r.location,
            "/obligations/countries/KEN?error=obl_invalid_since"
        );
        let r = br
            .submit(
                "/obligations/countries/KEN/invitation",
                &[("since", "2011")],
            )
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        let (_, html) = a.get("/obligations/countries/KEN").await;
        assert!(html.contains("2011"), "standing invitation shown");
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_standing_invitations WHERE iso3 = 'KEN'")
                .await,
            1
        );
        let r = br
            .submit("/obligations/countries/KEN/invitation", &[("since", "")])
            .await;
        assert!(r.location.contains("flash=saved"), "{}", r.location);
        assert_eq!(
            a.n("SELECT COUNT(*) FROM sp_standing_invitations WHERE iso3 = 'KEN'")
                .await,
            0
        );

        let page = br.get(&format!("/violations/interventions/{ua}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Special procedures communications"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("UA KEN 1&#x2f;2024") && page.body.contains("AL KEN 2&#x2f;2024")
        );
        assert!(page
            .body
            .contains("href=\"/obligations/countries/KEN#comm-h\""));
    }
}
