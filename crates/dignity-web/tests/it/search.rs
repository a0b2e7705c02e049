//! The search page, saved searches and `GET /api/v1/search` through the router.

use crate::common::{self, get};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::search::Registry;
use dignity_store::testing::{store, TestStore};
use dignity_store::{accounts, Backend};

struct App {
    router: Router,
    store: TestStore,
}

async fn app() -> App {
    let store = common::fresh_store(Backend::Sqlite).await;
    App {
        router: common::router_with_search(&store).await,
        store,
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, Option<String>, String) {
    common::page(&app.router, req).await
}

#[tokio::test]
async fn api_search_with_facets_and_openapi() {
    let app = app().await;
    let (s, _, body) = send(
        &app,
        get(
            "/api/v1/search?q=%D0%A1%D0%B5%D1%80%D0%B1%D0%B8%D1%8F&lang=fr",
            "",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"][0]["record_type"], "country");
    assert_eq!(v["hits"][0]["id"], "SRB");
    assert_eq!(v["hits"][0]["title"], "Serbie (la)");
    assert_eq!(v["facets"]["region"][0]["value"], "Europe");
    // Facet filters (repeatable) and the type alias.
    let (_, _, body) = send(
        &app,
        get(
            "/api/v1/search?type=country&region=Europe&region=Africa",
            "",
        ),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["total"].as_u64().unwrap() > 90, "{body}");
    let regions: Vec<&str> = v["facets"]["region"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["value"].as_str().unwrap())
        .collect();
    assert!(
        regions.contains(&"Asia"),
        "other regions stay choosable: {regions:?}"
    );
    // A bad token is refused rather than treated as anonymous.
    let req = Request::get("/api/v1/search?q=x")
        .header(header::AUTHORIZATION, "Bearer nope")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::UNAUTHORIZED);
    let (_, _, doc) = send(&app, get("/api/v1/openapi.json", "")).await;
    assert!(doc.contains("/api/v1/search") && doc.contains("SearchAnswer"));
}

#[tokio::test]
async fn search_page_and_saved_searches() {
    let app = app().await;
    // Anonymous: the page works, in every language, without an account.
    let (s, _, body) = send(&app, get("/search?q=torture&type=instrument", "")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Convention against Torture"), "{body}");
    assert!(body.contains("type=\"checkbox\"") && body.contains("checked"));
    assert!(
        !body.contains("/search/saved\""),
        "visitors cannot save searches"
    );
    let (_, _, body) = send(&app, get("/search?q=Serbia", "lang=ar")).await;
    assert!(body.contains("صربيا"));

    // Signed in: save a search, see what is new since.
    let (_, cookie) = common::signed_in(&app.store, &[("ana", Role::Analyst)])
        .await
        .remove(0);
    let (s, _, body) = send(&app, get("/search?q=Serbia", &cookie)).await;
    assert_eq!(s, StatusCode::OK);
    let i = body.find("name=\"csrf_token\" value=\"").unwrap() + 25;
    let csrf = body[i..i + body[i..].find('"').unwrap()].to_string();
    let post = |path: &str, form: String| {
        Request::post(path)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap()
    };
    // Without the CSRF token: refused.
    let (s, _, _) = send(
        &app,
        post("/search/saved", "name=x&query=q%3DSerbia".into()),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, loc, _) = send(
        &app,
        post(
            "/search/saved",
            format!("csrf_token={csrf}&name=Jovanovi%C4%87+family&query=q%3DSerbia"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc:?}");
    // The saved name and query are encrypted in the database.
    let raw: Vec<(String, String)> = sqlx::query_as("SELECT name, query FROM saved_searches")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert!(raw[0].0.starts_with("enc:v2:") && raw[0].1.starts_with("enc:v2:"));
    let (_, _, body) = send(&app, get("/search", &cookie)).await;
    assert!(body.contains("Jovanović family"));
    assert!(body.contains("nothing new"), "{body}");
    // A change to Serbia's record after saving: one new result.
    let mut tx = app.store.begin(&Actor::system()).await.unwrap();
    sqlx::query("UPDATE countries SET subregion_name = 'Balkans' WHERE iso3 = 'SRB'")
        .execute(tx.conn())
        .await
        .unwrap();
    tx.audit(
        "country.update",
        "country",
        "SRB",
        None,
        None,
        serde_json::json!({}),
    );
    tx.commit().await.unwrap();
    let mut body = String::new();
    for _ in 0..100 {
        body = send(&app, get("/search", &cookie)).await.2;
        if body.contains("New: 1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(body.contains("New: 1"), "{body}");
    let id: i64 = sqlx::query_scalar("SELECT id FROM saved_searches")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let (s, loc, _) = send(&app, get(&format!("/search/saved/{id}?new=1"), &cookie)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let loc = loc.unwrap();
    assert!(loc.starts_with("/search?q=Serbia&changed_after="), "{loc}");
    let (_, _, body) = send(&app, get(&loc, &cookie)).await;
    assert!(body.contains("New since your last visit: 1"), "{body}");
    let (_, _, body) = send(&app, get("/search", &cookie)).await;
    assert!(body.contains("nothing new"));
    let (s, _, _) = send(
        &app,
        post(
            &format!("/search/saved/{id}/delete"),
            format!("csrf_token={csrf}"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_searches")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// The home page alerts on saved searches with new matches, counted with each user's own
/// permissions: a confidential record counts for the documenter who recorded it, not for
/// an analyst with the same saved search; an internal one counts for both.
#[tokio::test]
async fn home_page_alerts_count_only_what_each_user_may_read() {
    let app = app().await;
    let (users, cookies) = common::signed_in_apart(
        &app.store,
        &[("dora", Role::Documenter), ("ana", Role::Analyst)],
    )
    .await;
    common::save_persons_search(&app.store, &users).await;
    let (_, _, body) = send(&app, get("/", &cookies[0])).await;
    assert!(
        !body.contains("New matches in your saved searches"),
        "{body}"
    );

    // dora records a confidential person named Muhammad (only she may read it).
    let dora = accounts::actor_for(&app.store, &users[0]).await.unwrap();
    common::record_person(&app.store, &dora, "Muhammad al-Hassan", "confidential").await;
    let wait_for = |cookie: String, text: &'static str| {
        let app = &app;
        async move {
            let mut body = String::new();
            for _ in 0..100 {
                body = send(app, get("/", &cookie)).await.2;
                if body.contains(text) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            body
        }
    };
    let body = wait_for(cookies[0].clone(), "1 new since you last looked").await;
    assert!(body.contains("1 new since you last looked"), "{body}");
    assert!(body.contains("Persons recorded") && body.contains("?new=1"));
    let (_, _, body) = send(&app, get("/", &cookies[1])).await;
    assert!(
        !body.contains("New matches in your saved searches"),
        "the analyst may not read the record: no alert {body}"
    );

    // An internal one: both are alerted.
    common::record_person(&app.store, &dora, "Mohamed Salah", "internal").await;
    let body = wait_for(cookies[0].clone(), "2 new since you last looked").await;
    assert!(body.contains("2 new since you last looked"), "{body}");
    let body = wait_for(cookies[1].clone(), "1 new since you last looked").await;
    assert!(body.contains("1 new since you last looked"), "{body}");
    // Visitors see no alerts and the page says nothing of the records.
    let (_, _, body) = send(&app, get("/", "")).await;
    assert!(!body.contains("saved searches") && !body.contains("Muhammad"));

    // Names are matched only for readers who may see names: the documenter finds the
    // internal person by another spelling; the analyst (who sees pseudonyms) cannot use a
    // name search to confirm who is recorded — on the page or through the API.
    let (_, _, body) = send(&app, get("/search?q=Muhammad+Salah", &cookies[0])).await;
    assert!(
        body.contains("Results: 1") && body.contains("Mohamed Salah"),
        "{body}"
    );
    let (_, _, body) = send(&app, get("/search?q=Muhammad+Salah", &cookies[1])).await;
    assert!(
        body.contains("Results: 0") && !body.contains("Mohamed"),
        "{body}"
    );
    // The analyst lists the internal person by type: the hit shows the pseudonym.
    let (_, _, body) = send(&app, get("/search?type=person", &cookies[1])).await;
    assert!(
        body.contains("Results: 1") && !body.contains("Mohamed"),
        "{body}"
    );
    assert!(body.contains(">P-"), "a pseudonym is shown: {body}");
    assert!(
        body.contains(">Individual</span>"),
        "facet values have labels: {body}"
    );
    let (_, _, body) = send(
        &app,
        get("/api/v1/search?q=Mohamed&type=person", &cookies[1]),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"], 0, "{body}");
    // Where the installation lets analysts see names, they find it.
    let mut tx = app.store.begin(&Actor::system()).await.unwrap();
    accounts::set_setting(
        &mut tx,
        dignity_store::violations::SETTING_ANALYSTS_SEE_NAMES,
        "true",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, _, body) = send(
        &app,
        get("/api/v1/search?q=Mohamed&type=person", &cookies[1]),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["total"], 1, "{body}");
}

/// After a large import the server goes on answering while the search index catches up
/// (it took 2–7 s to answer again): the index work runs on a thread of its own, not on the
/// async runtime. A hook holds the catch-up in the middle of its work, on the indexing
/// thread, until a request has been answered; on a runtime of one thread (this test's),
/// index work done on the runtime would leave no thread to answer the request until the
/// catch-up was done.
#[tokio::test]
async fn requests_are_answered_while_the_index_catches_up_after_a_large_import() {
    use dignity_store::violations::{self as v, EventInput, Vocab};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    let store = store(Backend::Sqlite).await;
    dignity_store::refdata::load_shipped(&store).await.unwrap();
    let u = common::account(&store, "dora", Role::Documenter).await;
    let dora = accounts::actor_for(&store, &u).await.unwrap();
    let search = dignity_search::Search::open(&store, Registry::standard(), Default::default())
        .await
        .unwrap();
    search.follow();
    let state = dignity_web::AppState::new(store.store.clone(), Default::default())
        .with_search(search.clone());
    let app = App {
        router: dignity_web::router(state),
        store,
    };
    // The hook: the first piece of index work says it started, then waits to be released
    // (at most two minutes, so that a failure does not hang).
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let started_tx = Mutex::new(Some(started_tx));
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let first = AtomicBool::new(true);
    // Whether the hook was released by the test (after the answer), not by its time-out.
    let released = Arc::new(AtomicBool::new(false));
    let released2 = released.clone();
    search.set_index_hook(Some(Arc::new(move || {
        if first.swap(false, Ordering::SeqCst) {
            if let Some(tx) = started_tx.lock().unwrap().take() {
                let _ = tx.send(());
            }
            let r = release_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(60));
            released2.store(r.is_ok(), Ordering::SeqCst);
        }
    })));

    // A large import: 2,000 events in one transaction, by a documenter.
    let vocab = Vocab::load(&app.store).await.unwrap();
    app.store
        .write(&dora, async |tx| {
            for i in 0..2000 {
                v::create_event(
                    tx,
                    &vocab,
                    &EventInput {
                        title: format!("Imported event {i}"),
                        start_date: "2024-03-05".into(),
                        country: Some("SRB".into()),
                        ..Default::default()
                    },
                )
                .await?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let head = dignity_store::search::audit_head(&app.store).await.unwrap();
    // The commit woke the catch-up; it is now held inside its index work.
    started_rx
        .await
        .expect("the catch-up started its index work");
    let (s, _, body) = send(&app, get("/api/v1/search?q=Serbia", "")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        search.applied() < head,
        "the request was answered while the catch-up was still running"
    );
    let _ = release_tx.send(());
    assert!(
        search.wait_for(head, Duration::from_secs(120)).await,
        "the catch-up finishes once released"
    );
    assert!(
        released.load(Ordering::SeqCst),
        "the request was answered only after the held index work gave up waiting: index work blocks the async runtime"
    );
    assert_eq!(search.applied(), head);
}
