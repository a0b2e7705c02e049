//! Exports of search results and the public portal through the router, on SQLite and
//! (when `DIGNITY_TEST_POSTGRES_URL` is set) PostgreSQL: the content of each format for a
//! small known corpus, pseudonymisation by default, names only with the permission,
//! confidential records never exported to readers without access, the audit entries,
//! and public pages that never show anything unpublished or confidential.

use crate::common::{self, csrf, get, post};
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::search::{BoxFuture, Registry, SearchDoc};
use dignity_store::testing::fixtures::RowIndexer;
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::{self as v, EventInput, Vocab};
use dignity_store::{accounts, Backend, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

mod access;
mod formats;
mod portal;
mod posts;
mod reports;

fn event_row(store: &Store, n: i64, r: AnyRow) -> BoxFuture<'_, dignity_store::Result<SearchDoc>> {
    Box::pin(async move {
        let access = v::record_access(store, "vio_events", n).await?.unwrap();
        let title = v::dec(store, "vio_events.title", n, r.get(0))?;
        let desc = v::dec(store, "vio_events.description", n, r.get(1))?;
        let mut d = SearchDoc::new("vio_events", &n.to_string(), &title, access)
            .text("en", &title, "Documented event.")
            .facet("lens", "torture");
        d.names.push(desc);
        d.country = r.get(2);
        if let Ok(p) = v::dec(store, "vio_events.start_date", n, r.get(3))?.parse() {
            d = d.date(&p);
        }
        Ok(d)
    })
}

/// Events as search documents: the title and country in clear, the description (an
/// encrypted field that names people) in `names`, as the search conventions ask.
const EVENTS: RowIndexer = RowIndexer {
    record_type: "vio_events",
    table: "vio_events",
    select: "SELECT title, description, country, start_date FROM vio_events WHERE id = $1",
    doc: event_row,
};

struct App {
    router: Router,
    store: TestStore,
    /// Session cookies of ana (analyst), dora (documenter), adam (admin).
    ana: String,
    dora: String,
    adam: String,
    /// Event ids: internal (Peru), public (Serbia), confidential and strictly confidential
    /// (both created by dora).
    internal: i64,
    public: i64,
    confidential: i64,
    strict: i64,
}

const SECRET_TITLES: [&str; 2] = ["Secret detention site", "Strictly hidden transfer"];
const NAMES: [&str; 4] = [
    "Amaru Quispe",
    "Ana Jovanović",
    "Omar Haddad",
    "Leila Nasser",
];

async fn event(s: &Store, who: &Actor, title: &str, desc: &str, country: &str, level: &str) -> i64 {
    let vocab = Vocab::load(s).await.unwrap();
    s.write(who, async |tx| {
        v::create_event(
            tx,
            &vocab,
            &EventInput {
                title: title.into(),
                description: desc.into(),
                start_date: "2024-03-05".into(),
                country: Some(country.into()),
                confidentiality: level.into(),
                ..Default::default()
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn app(b: Backend) -> App {
    let store = common::fresh_store(b).await;
    let (actors, cookies): (Vec<_>, Vec<_>) = common::signed_in(
        &store,
        &[
            ("ana", Role::Analyst),
            ("dora", Role::Documenter),
            ("adam", Role::Admin),
        ],
    )
    .await
    .into_iter()
    .unzip();
    let dora = accounts::actor_for(&store, &actors[1]).await.unwrap();
    let internal = event(
        &store,
        &dora,
        "Raid on the Hope Clinic",
        "Amaru Quispe was taken away.",
        "PER",
        "internal",
    )
    .await;
    let public = event(
        &store,
        &dora,
        "Arrests after the Belgrade march",
        "Ana Jovanović was detained.",
        "SRB",
        "public",
    )
    .await;
    let confidential = event(
        &store,
        &dora,
        SECRET_TITLES[0],
        "Omar Haddad was held here.",
        "SYR",
        "confidential",
    )
    .await;
    let strict = event(
        &store,
        &dora,
        SECRET_TITLES[1],
        "Leila Nasser was moved at night.",
        "SYR",
        "strictly_confidential",
    )
    .await;
    let mut registry = Registry::standard();
    if registry.get("vio_events").is_none() {
        registry.add(EVENTS);
    }
    let state = dignity_web::AppState::new(store.store.clone(), Default::default());
    let state = dignity_web::search::attach(state, registry).await.unwrap();
    App {
        router: dignity_web::router(state),
        store,
        ana: cookies[0].clone(),
        dora: cookies[1].clone(),
        adam: cookies[2].clone(),
        internal,
        public,
        confidential,
        strict,
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let (status, body, headers) = common::call(&app.router, req).await;
    (status, headers, body)
}

/// An API export as a page's own script would send it: a POST with the session cookie
/// and this server's `Origin` (a GET never exports: it would write the audit entry).
fn export(path: &str, cookie: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::HOST, "dignity.test")
        .header(header::ORIGIN, "http://dignity.test")
        .body(Body::empty())
        .unwrap()
}

fn csv_rows(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(body);
    let head = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (head, rows)
}

fn col(head: &[String], name: &str) -> usize {
    head.iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {head:?}"))
}

/// The details of the export audit entries, oldest first.
async fn export_audits(s: &Store) -> Vec<serde_json::Value> {
    sqlx::query("SELECT details FROM audit_log WHERE action = 'search.export' ORDER BY seq")
        .fetch_all(s.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.get::<String, _>(0)).unwrap())
        .collect()
}
