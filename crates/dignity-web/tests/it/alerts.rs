//! Alerts on new matches of saved searches, through the router, on every backend: the
//! navigation's "Alerts (N)", the alerts page with "Mark as seen", and `GET /api/v1/alerts`
//! — all counted with the reader's permissions at the time they are read.

use crate::common::{self, csrf, get, post};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::{accounts, Backend};

struct App {
    router: Router,
    store: TestStore,
    state: dignity_web::AppState,
}

async fn app(b: Backend) -> App {
    let store = common::fresh_store(b).await;
    let state = common::state_with_search(&store).await;
    App {
        router: dignity_web::router(state.clone()),
        store,
        state,
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, Option<String>, String) {
    let (status, loc, text) = common::page(&app.router, req).await;
    (status, loc, text.replace("&#x2f;", "/"))
}

fn api(path: &str, token: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// The navigation's alerts link text on a page.
fn nav_alerts(page: &str) -> Option<String> {
    let i = page.find("class=\"alerts-link\"")?;
    let s = &page[i..];
    let a = s.find('>')? + 1;
    Some(s[a..a + s[a..].find('<')?].to_string())
}

/// Wait for the index to follow the database (it does so in the background), reading the
/// navigation of the home page until it says `want`.
async fn wait_nav(app: &App, cookie: &str, want: &str) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        let (_, _, body) = send(app, get("/", cookie)).await;
        last = nav_alerts(&body).unwrap_or_default();
        if last == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    last
}

/// The users whose alert count the server has computed (each computed count is kept).
fn counted(app: &App) -> Vec<i64> {
    let mut ids: Vec<i64> = app
        .state
        .alert_counts
        .lock()
        .unwrap()
        .keys()
        .copied()
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_alert_count_is_computed_for_pages_only_not_for_the_api_redirects_or_downloads() {
    for b in backends() {
        let app = app(b).await;
        let mut tx = app.store.begin(&Actor::system()).await.unwrap();
        let u = accounts::create(
            &mut tx,
            "ana",
            "",
            Role::Analyst,
            "a long enough passphrase",
        )
        .await
        .unwrap();
        let sess = accounts::create_session(&mut tx, u.id, "full", chrono::Duration::hours(1))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let cookie = format!("dignity_session={sess}");

        // The API with the session cookie, a redirect and a CSV download: no count.
        let (s, _, _) = send(&app, get("/api/v1/violations/events", &cookie)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        let (s, _, _) = send(&app, get("/lang?to=fr&back=/", &cookie)).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        let (s, _, _) = send(
            &app,
            get(
                "/protection/reports/sdg-16-10-1.csv?year=2024&country=SRB",
                &cookie,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert_eq!(counted(&app), Vec::<i64>::new(), "{b:?}");

        // A page: the navigation shows the alerts link, counted for this user.
        let (s, _, page) = send(&app, get("/", &cookie)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert_eq!(nav_alerts(&page).as_deref(), Some("Alerts"), "{b:?}");
        assert_eq!(counted(&app), vec![u.id], "{b:?}");
        // Error pages have the navigation too.
        let (s, _, page) = send(&app, get("/no/such/page", &cookie)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b:?}");
        assert_eq!(nav_alerts(&page).as_deref(), Some("Alerts"), "{b:?}");
    }
}

#[tokio::test]
async fn alerts_count_and_list_new_matches_with_the_readers_permissions_now() {
    for b in backends() {
        let app = app(b).await;
        let (users, cookies) = common::signed_in_apart(
            &app.store,
            &[("dora", Role::Documenter), ("ana", Role::Analyst)],
        )
        .await;
        let mut tokens = Vec::new();
        for u in &users {
            tokens.push(common::api_token(&app.store, u).await);
        }
        let saved = common::save_persons_search(&app.store, &users).await;
        let (dora_c, ana_c) = (cookies[0].as_str(), cookies[1].as_str());
        assert_eq!(wait_nav(&app, dora_c, "Alerts").await, "Alerts", "{b:?}");

        // dora records an internal person: both are alerted.
        let dora = accounts::actor_for(&app.store, &users[0]).await.unwrap();
        let person = common::record_person(&app.store, &dora, "Mohamed Salah", "internal").await;
        assert_eq!(
            wait_nav(&app, dora_c, "Alerts (1)").await,
            "Alerts (1)",
            "{b:?}"
        );
        assert_eq!(wait_nav(&app, ana_c, "Alerts (1)").await, "Alerts (1)");

        // The alerts page lists the new match; the analyst sees a pseudonym, not the name.
        let (s, _, page) = send(&app, get("/alerts", ana_c)).await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        assert!(page.contains("Persons recorded") && page.contains("1 new since you last looked"));
        assert!(
            page.contains(&format!("href=\"/violations/persons/{person}\"")),
            "{page}"
        );
        assert!(!page.contains("Mohamed"), "no name for the analyst");
        assert!(page.contains(&format!("action=\"/alerts/{}/seen\"", saved[1])));
        let (_, _, page) = send(&app, get("/alerts", dora_c)).await;
        assert!(page.contains("Mohamed Salah"), "the documenter sees names");

        // The API says the same.
        let (s, _, body) = send(&app, api("/api/v1/alerts", &tokens[1])).await;
        assert_eq!(s, StatusCode::OK);
        let j: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(j["total"], 1, "{j}");
        assert_eq!(j["items"][0]["name"], "Persons recorded");
        assert_eq!(j["items"][0]["new"], 1);
        assert_eq!(j["items"][0]["hits"].as_array().unwrap().len(), 1);
        assert!(!body.contains("Mohamed"));

        // The person is made confidential: the analyst may no longer open it, so it no
        // longer counts for them; it still does for dora, who recorded it.
        let mut tx = app.store.begin(&dora).await.unwrap();
        sqlx::query("UPDATE vio_persons SET confidentiality = 'confidential' WHERE id = $1")
            .bind(person)
            .execute(tx.conn())
            .await
            .unwrap();
        tx.audit(
            "person.update",
            "vio_persons",
            &person.to_string(),
            None,
            None,
            serde_json::json!({ "confidentiality": "confidential" }),
        );
        tx.commit().await.unwrap();
        assert_eq!(wait_nav(&app, ana_c, "Alerts").await, "Alerts", "{b:?}");
        let (_, _, body) = send(&app, api("/api/v1/alerts", &tokens[1])).await;
        let j: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(j["total"], 0, "{j}");
        assert_eq!(
            nav_alerts(&send(&app, get("/", dora_c)).await.2).as_deref(),
            Some("Alerts (1)")
        );

        // Mark as seen: CSRF-checked, only one's own saved searches, audited.
        let (_, _, page) = send(&app, get("/alerts", dora_c)).await;
        let token = csrf(&page);
        let (s, _, _) = send(
            &app,
            post(&format!("/alerts/{}/seen", saved[0]), dora_c, String::new()),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = send(
            &app,
            post(
                &format!("/alerts/{}/seen", saved[1]),
                dora_c,
                format!("csrf_token={token}"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "ana's saved search");
        let (s, loc, _) = send(
            &app,
            post(
                &format!("/alerts/{}/seen", saved[0]),
                dora_c,
                format!("csrf_token={token}"),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(loc.as_deref(), Some("/alerts?flash=alerts_seen"));
        let (_, _, page) = send(&app, get("/alerts?flash=alerts_seen", dora_c)).await;
        assert_eq!(nav_alerts(&page).as_deref(), Some("Alerts"));
        assert!(page.contains("Marked as seen.") && page.contains("nothing new"));
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'saved_search.seen'")
                .fetch_one(app.store.pool())
                .await
                .unwrap();
        assert_eq!(n, 1, "{b:?}");

        // Visitors: no alerts.
        let (s, loc, _) = send(&app, get("/alerts", "")).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(loc.unwrap().starts_with("/login"));
        let (s, _, _) = send(&app, get("/api/v1/alerts", "")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (_, _, body) = send(&app, get("/", "")).await;
        assert!(nav_alerts(&body).is_none());
        // The endpoint is in the OpenAPI document.
        let (_, _, doc) = send(&app, get("/api/v1/openapi.json", "")).await;
        assert!(doc.contains("/api/v1/alerts"));
    }
}
