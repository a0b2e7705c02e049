//! Dashboards and reports through the router, on every backend: counts of what each
//! reader may see (page and API), the SVG map, country reports as HTML and PDF
//! pseudonymised by default with names only with permission and choice, every report
//! audited, the follow-up report's PDF and the OpenAPI document.

use crate::common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, fixtures, TestStore};
use dignity_store::violations::*;
use dignity_store::{accounts, Backend};
use http_body_util::BodyExt;
use sqlx::Row;
use tower::ServiceExt;

const TORTURE: &str = "02011111000004";
const EXECUTION: &str = "01010102000004";
const VICTIM: &str = "Amaru Quispe Mamani";

struct App {
    router: Router,
    store: TestStore,
}

struct Resp {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Resp {
    /// The body with the HTML escapes of the templates undone.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .replace("&#x2f;", "/")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace(['\u{2068}', '\u{2069}'], "")
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl App {
    async fn user(&self, name: &str, role: Role) -> (Actor, String) {
        let (u, t) = common::account_with_token(&self.store, name, role).await;
        (accounts::actor_for(&self.store, &u).await.unwrap(), t)
    }
    async fn get(&self, token: Option<&str>, path: &str) -> Resp {
        let mut r = Request::get(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let res = self
            .router
            .clone()
            .oneshot(r.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        Resp {
            status,
            content_type,
            body: res.into_body().collect().await.unwrap().to_bytes().to_vec(),
        }
    }
    async fn audit_count(&self, action: &str, detail: &str) -> i64 {
        sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND details LIKE $2")
            .bind(action)
            .bind(format!("%{detail}%"))
            .fetch_one(self.store.pool())
            .await
            .unwrap()
            .get(0)
    }
}

async fn app(b: Backend) -> (App, String, String) {
    let store = common::fresh_store(b).await;
    let router = common::router(&store);
    let app = App { router, store };
    let (dora, dora_t) = app.user("dora", Role::Documenter).await;
    let (_, ana_t) = app.user("ana", Role::Analyst).await;
    let s = &app.store;
    let vocab = Vocab::load(s).await.unwrap();
    let mut tx = s.begin(&dora).await.unwrap();
    let victim = common::internal_victim(&mut tx, &vocab, VICTIM).await;
    for (date, level, act) in [
        ("2025-03-05", "internal", TORTURE),
        ("2024-01-10", "confidential", EXECUTION),
    ] {
        let e = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: format!("Event of {date}"),
                start_date: date.into(),
                country: Some("USA".into()),
                confidentiality: level.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        common::add_act(&mut tx, &vocab, (e, victim), act, date, "").await;
    }
    fixtures::create_recommendation(&mut tx, fixtures::torture_investigation()).await;
    tx.commit().await.unwrap();
    (app, dora_t, ana_t)
}

fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    lopdf::Document::load_mem(bytes).expect("the PDF parses");
    pdf_extract::extract_text_from_mem(bytes)
        .expect("text can be extracted")
        .replace(['\u{2068}', '\u{2069}'], "")
}

#[tokio::test]
async fn dashboards_count_what_each_reader_may_see_with_a_map_and_tables() {
    for b in backends() {
        let (app, dora, ana) = app(b).await;
        let r = app.get(Some(&dora), "/dashboards?country=USA").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        let html = r.text();
        assert!(html.contains("2 documented acts"), "{html}");
        assert!(html.contains("href=\"/search?country=USA\""));
        assert!(html.contains("role=\"img\""));
        assert!(html.contains("<table id=\"by-country-table\""));
        // The USA has data: its path is filled with the darkest class.
        let i = html.find("data-iso3=\"USA\"").expect("a path for the USA");
        let start = html[..i].rfind("<path").unwrap();
        assert!(html[start..i].contains("fill=\"#08519c\""));
        // The regional map of Northern America.
        assert!(html.contains("Documented acts by country: Northern America"));

        let r = app.get(Some(&ana), "/dashboards").await;
        assert!(r.text().contains("1 documented acts"));

        let r = app
            .get(Some(&ana), "/api/v1/dashboards/acts?country=USA")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let j = r.json();
        assert_eq!(j["total"], 1);
        assert_eq!(j["by_year"][0]["key"], "2025");
        let r = app
            .get(
                Some(&dora),
                "/api/v1/dashboards/acts?year_from=2024&year_to=2024",
            )
            .await;
        assert_eq!(r.json()["total"], 1);
        assert_eq!(r.json()["by_act_type"][0]["key"], EXECUTION);
        assert_eq!(
            app.get(None, "/api/v1/dashboards/acts").await.status,
            StatusCode::UNAUTHORIZED
        );
        // Pages ask anonymous visitors to sign in.
        assert_eq!(
            app.get(None, "/dashboards").await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn country_reports_as_html_and_pdf_pseudonymised_unless_names_are_allowed_and_chosen() {
    for b in backends() {
        let (app, dora, ana) = app(b).await;
        let r = app.get(Some(&dora), "/reports/country?country=USA").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}");
        let html = r.text();
        assert!(
            html.contains("Country report: United States of America (the)"),
            "{html}"
        );
        assert!(html.contains("Documented acts: 2."));
        assert!(html.contains("CAT/C/USA/CO/3-5 ¶ 11"));
        assert!(html.contains("Not assessed"));
        assert!(html.contains("ICESCR — "), "{html}");
        assert!(html.contains("Signed, not ratified"));
        assert!(html.contains(">P-"), "victims by pseudonym");
        assert!(!html.contains(VICTIM), "no name by default");
        assert!(html.contains("href=\"/reports/country/pdf?country=USA\""));

        let r = app
            .get(Some(&dora), "/reports/country/pdf?country=USA")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.content_type, "application/pdf");
        let text = pdf_text(&r.body);
        assert!(text.contains("Documented cases"), "{text}");
        assert!(text.contains("P-"));
        assert!(!text.contains("Amaru"), "no name in the PDF by default");

        // Names: a documenter who asks for them gets them; an analyst does not.
        let r = app
            .get(Some(&dora), "/reports/country/pdf?country=USA&names=1")
            .await;
        let text = pdf_text(&r.body);
        // The name may wrap inside its table cell.
        assert!(text.contains("Amaru") && text.contains("Mamani"), "{text}");
        let r = app
            .get(Some(&dora), "/reports/country?country=USA&names=1")
            .await;
        assert!(r.text().contains(VICTIM));
        let r = app
            .get(Some(&ana), "/reports/country?country=USA&names=1")
            .await;
        let html = r.text();
        assert!(!html.contains(VICTIM));
        assert!(html.contains("Your role does not allow names in reports"));
        assert!(
            html.contains("Documented acts: 1."),
            "the analyst counts only what they see"
        );

        // Every report is in the audit log, with the choice of names.
        assert_eq!(
            app.audit_count("report.generate", "\"format\":\"pdf\"")
                .await,
            2
        );
        assert_eq!(
            app.audit_count("report.generate", "\"names_shown\":true")
                .await,
            2
        );
        assert_eq!(app.audit_count("report.generate", "").await, 5);

        // Thematic, in French, and the JSON.
        let r = app
            .get(
                Some(&dora),
                "/reports/country?country=USA&lens=torture&year=2025",
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = app
            .get(
                Some(&ana),
                "/api/v1/reports/country?country=USA&lens=torture",
            )
            .await;
        let j = r.json();
        assert_eq!(
            j["counts"]["total"], 1,
            "the torture act put its event under the lens"
        );
        assert_eq!(j["recommendations_total"], 1);
        assert_eq!(j["cases"].as_array().unwrap().len(), 1);
        assert!(j["cases"][0]["victim"].as_str().unwrap().starts_with("P-"));

        // Bad input.
        assert_eq!(
            app.get(Some(&dora), "/reports/country?country=XXX")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(Some(&dora), "/reports/country?country=12")
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = app
            .get(Some(&dora), "/api/v1/reports/country?country=USA&year=abc")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["field"], "year");
    }
}

#[tokio::test]
async fn the_follow_up_report_has_a_pdf_and_the_api_is_documented() {
    for b in backends() {
        let (app, dora, _) = app(b).await;
        let r = app
            .get(Some(&dora), "/obligations/countries/USA/follow-up?body=CAT")
            .await;
        assert!(
            r.text()
                .contains("/obligations/countries/USA/follow-up/pdf?body=CAT"),
            "{b:?}"
        );
        let r = app
            .get(
                Some(&dora),
                "/obligations/countries/USA/follow-up/pdf?body=CAT",
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let text = pdf_text(&r.body);
        assert!(
            text.contains("Investigate all allegations of torture"),
            "{text}"
        );
        assert!(text.contains("CAT/C/USA/CO/3-5"));
        let r = app.get(None, "/api/v1/openapi.json").await;
        let doc = r.json();
        assert!(doc["paths"]["/api/v1/dashboards/acts"]["get"].is_object());
        assert!(doc["paths"]["/api/v1/reports/country"]["get"].is_object());
    }
}

#[tokio::test]
async fn downloaded_reports_need_export_and_leave_out_what_may_not_be_exported() {
    for b in backends() {
        let (app, dora_t, _) = app(b).await;
        // A strictly confidential case that Dora created: she may read it (she is on its
        // list) but, as a documenter, not export it (only coordinators export those).
        let dora = accounts::by_username(&app.store, "dora")
            .await
            .unwrap()
            .unwrap();
        let dora = accounts::actor_for(&app.store, &dora).await.unwrap();
        let s = &app.store;
        let vocab = Vocab::load(s).await.unwrap();
        let mut tx = s.begin(&dora).await.unwrap();
        let p = create_person(
            &mut tx,
            &vocab,
            &PersonInput {
                name: "Secret Witness".into(),
                confidentiality: "strictly_confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let e = create_event(
            &mut tx,
            &vocab,
            &EventInput {
                title: "Strictly confidential event".into(),
                start_date: "1999-09-09".into(),
                country: Some("USA".into()),
                confidentiality: "strictly_confidential".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        common::add_act(&mut tx, &vocab, (e, p), TORTURE, "1999-09-09", "").await;
        tx.commit().await.unwrap();

        let html = app
            .get(Some(&dora_t), "/reports/country?country=USA")
            .await
            .text();
        assert!(html.contains("1999-09-09"), "{b:?}: she may read it");
        let r = app
            .get(Some(&dora_t), "/reports/country/pdf?country=USA")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let text = pdf_text(&r.body);
        assert!(text.contains("2025-03-05"), "{text}");
        assert!(
            !text.contains("1999-09-09"),
            "{b:?}: not exportable, so not in the download: {text}"
        );
        // A coordinator on the list exports it.
        let (_, cora_t) = app.user("cora", Role::Coordinator).await;
        let cora = accounts::by_username(&app.store, "cora")
            .await
            .unwrap()
            .unwrap();
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        for (t, id) in [(EVENT, e), (PERSON, p)] {
            dignity_store::acl::set_need_to_know(&mut tx, t, &id.to_string(), &[cora.id], &[])
                .await
                .unwrap();
        }
        let acts: Vec<i64> = sqlx::query("SELECT id FROM vio_acts WHERE event_id = $1")
            .bind(e)
            .fetch_all(s.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        for a in acts {
            dignity_store::acl::set_need_to_know(&mut tx, ACT, &a.to_string(), &[cora.id], &[])
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let r = app
            .get(Some(&cora_t), "/reports/country/pdf?country=USA")
            .await;
        assert!(pdf_text(&r.body).contains("1999-09-09"), "{b:?}");
        // The public may not download reports.
        let r = app
            .get(None, "/obligations/countries/USA/follow-up/pdf?body=CAT")
            .await;
        assert_ne!(r.status, StatusCode::OK, "{b:?}");
        assert!(!r.body.starts_with(b"%PDF"));
    }
}
