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
use dignity_store::search::{BoxFuture, Indexer, Registry, SearchDoc};
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::{self as v, EventInput, Vocab};
use dignity_store::{accounts, Backend, Store};
use sqlx::Row;

/// Events as search documents: the title and country in clear, the description (an
/// encrypted field that names people) in `names`, as the search conventions ask.
struct EventIndexer;

impl Indexer for EventIndexer {
    fn record_type(&self) -> &'static str {
        "vio_events"
    }
    fn load<'a>(
        &'a self,
        store: &'a Store,
        id: &'a str,
    ) -> BoxFuture<'a, dignity_store::Result<Option<SearchDoc>>> {
        Box::pin(async move {
            let n: i64 = id.parse().unwrap_or(0);
            let Some(r) = sqlx::query(
                "SELECT title, description, country, start_date FROM vio_events WHERE id = $1",
            )
            .bind(n)
            .fetch_optional(store.pool())
            .await?
            else {
                return Ok(None);
            };
            let access = v::record_access(store, "vio_events", n).await?.unwrap();
            let title = v::dec(store, "vio_events.title", n, r.get(0))?;
            let desc = v::dec(store, "vio_events.description", n, r.get(1))?;
            let mut d = SearchDoc::new("vio_events", id, &title, access)
                .text("en", &title, "Documented event.")
                .facet("lens", "torture");
            d.names.push(desc);
            d.country = r.get(2);
            if let Ok(p) = v::dec(store, "vio_events.start_date", n, r.get(3))?.parse() {
                d = d.date(&p);
            }
            Ok(Some(d))
        })
    }
    fn ids<'a>(&'a self, store: &'a Store) -> BoxFuture<'a, dignity_store::Result<Vec<String>>> {
        Box::pin(async move {
            Ok(sqlx::query("SELECT id FROM vio_events ORDER BY id")
                .fetch_all(store.pool())
                .await?
                .iter()
                .map(|r| r.get::<i64, _>(0).to_string())
                .collect())
        })
    }
}

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
        registry.add(EventIndexer);
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

/// Hole 12: a GET never writes. The export writes its audit entry, so it is a POST: the
/// page's form carries the CSRF token, a cookie-authenticated API call needs the token or
/// this server's `Origin`, a bearer token neither; GET exports nothing and logs nothing.
#[tokio::test]
async fn exports_are_posts_checked_for_csrf_and_get_writes_nothing() {
    let app = app(Backend::Sqlite).await;

    // GET: the API has no such route (405); the page sends the reader back to the
    // search, with the same search, where the form is.
    let (s, _, _) = send(
        &app,
        get("/api/v1/search/export?type=vio_events&format=csv", &app.ana),
    )
    .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let (s, h, _) = send(
        &app,
        get("/search/export?record_type=vio_events&format=csv", &app.ana),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        h[header::LOCATION],
        "/search?record_type=vio_events&format=csv"
    );
    assert!(export_audits(&app.store).await.is_empty());

    // The page's form: without the token refused, nothing exported or logged.
    let (_, _, body) = send(&app, get("/search?type=vio_events", &app.ana)).await;
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("<form method=\"post\" action=\"/search/export\""));
    let token = csrf(&page);
    let form = "record_type=vio_events&format=csv";
    let (s, _, body) = send(&app, post("/search/export", &app.ana, form.into())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!String::from_utf8(body).unwrap().contains("Belgrade"));
    let (s, _, _) = send(
        &app,
        post("/search/export", &app.ana, format!("csrf_token=x&{form}")),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(export_audits(&app.store).await.is_empty());
    // With it: the file, and one audit entry.
    let (s, h, body) = send(
        &app,
        post(
            "/search/export",
            &app.ana,
            format!("csrf_token={token}&{form}"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let (head, rows) = csv_rows(&body);
    assert_eq!(rows.len(), 2, "{head:?}");
    assert_eq!(export_audits(&app.store).await.len(), 1);

    // The API with the session cookie: neither token nor Origin → refused (a forged
    // cross-site POST); with the token in X-CSRF-Token → exported.
    let q = "/api/v1/search/export?type=vio_events&format=csv";
    let forged = Request::post(q)
        .header(header::COOKIE, &app.ana)
        .body(Body::empty())
        .unwrap();
    let (s, _, body) = send(&app, forged).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(e["error"]["code"], "csrf");
    assert_eq!(export_audits(&app.store).await.len(), 1);
    let with_token = Request::post(q)
        .header(header::COOKIE, &app.ana)
        .header("x-csrf-token", &token)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = send(&app, with_token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(export_audits(&app.store).await.len(), 2);
}

#[tokio::test]
async fn public_portal_shows_only_published_public_records() {
    for b in backends() {
        let app = app(b).await;
        // An administrator reviews, then publishes the public event.
        let (s, _, body) = send(
            &app,
            get(
                &format!(
                    "/admin/portal/publish?record_type=vio_events&id={}&action=publish",
                    app.public
                ),
                &app.adam,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b:?}");
        let page = String::from_utf8(body).unwrap();
        assert!(
            page.contains("Arrests after the Belgrade march"),
            "the confirmation names it"
        );
        let token = csrf(&page);
        let (s, h) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=publish",
                app.public
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(h[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("portal_published"));
        // Internal and confidential records cannot be published.
        for id in [app.internal, app.confidential] {
            let (s, _) = common::portal_publish(
                &app.router,
                &app.adam,
                format!("csrf_token={token}&record_type=vio_events&id={id}&action=publish"),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Nor by anyone but an administrator.
        let (s, _) = common::portal_publish(
            &app.router,
            &app.dora,
            format!(
                "csrf_token=x&record_type=vio_events&id={}&action=publish",
                app.public
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Even a confidential record flagged published in the database stays off the
        // public pages.
        sqlx::query("UPDATE vio_events SET published = 1 WHERE id = $1 OR id = $2")
            .bind(app.confidential)
            .bind(app.strict)
            .execute(app.store.pool())
            .await
            .unwrap();

        // A report snapshot.
        let adam = common::actor_of(&app.store, "adam").await;
        app.store
            .write(&adam, async |tx| {
                dignity_store::portal::publish_snapshot(
                    tx,
                    "report",
                    "annual-2025",
                    "Annual report 2025",
                    "en",
                    "<p>Forty cases documented.</p>",
                )
                .await
            })
            .await
            .unwrap();

        // A country profile is on the portal only once an administrator publishes it.
        let (s, _, _) = send(&app, get("/public/countries/SRB", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b:?}: not published yet");
        let (_, _, home) = send(&app, get("/public", "")).await;
        assert!(!String::from_utf8(home)
            .unwrap()
            .contains("/public/countries/SRB"));
        for iso3 in ["SRB", "SYR"] {
            app.store
                .write(&adam, async |tx| {
                    dignity_store::portal::set_country_published(tx, iso3, true).await
                })
                .await
                .unwrap();
        }
        let (_, _, home) = send(&app, get("/public", "")).await;
        let home = String::from_utf8(home).unwrap();
        assert!(home.contains("/public/countries/SRB") && !home.contains("/public/countries/FRA"));
        let (s, _, _) = send(&app, get("/public/countries/FRA", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{b:?}: France was not published");

        // Every public page, without signing in: the published event, never the others.
        let pages = [
            "/public".to_string(),
            format!("/public/records/vio_events/{}", app.public),
            "/public/countries/SRB".to_string(),
            "/public/countries/SYR".to_string(),
            "/public/publications/annual-2025".to_string(),
        ];
        for p in &pages {
            let (s, h, body) = send(&app, get(p, "")).await;
            assert_eq!(s, StatusCode::OK, "{b:?} {p}");
            let text = String::from_utf8(body).unwrap();
            for t in SECRET_TITLES
                .iter()
                .chain(["Raid on the Hope Clinic"].iter())
            {
                assert!(!text.contains(t), "{p} shows {t}");
            }
            for n in NAMES {
                assert!(!text.contains(n), "{p} shows the name {n}");
            }
            assert!(h.get(header::SET_COOKIE).is_none(), "{p} sets a cookie");
            let cc = h[header::CACHE_CONTROL].to_str().unwrap();
            assert!(cc.starts_with("public, max-age="), "{p}: {cc}");
            // Revalidation: the same ETag answers 304 without a body.
            let tag = h[header::ETAG].to_str().unwrap().to_string();
            let req = Request::get(p.as_str())
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap();
            let (s, _, body) = send(&app, req).await;
            assert_eq!(s, StatusCode::NOT_MODIFIED, "{p}");
            assert!(body.is_empty());
        }
        // Serbia: a UN treaty party per the shipped status data; no Council of Europe data
        // was entered, which the page must not present as "not a party".
        let (_, _, body) = send(&app, get("/public/countries/SRB", "")).await;
        let srb = String::from_utf8(body).unwrap();
        let row = |code: &str| {
            let at = srb
                .find(&format!(">{code}</abbr>"))
                .unwrap_or_else(|| panic!("{code} row"));
            srb[at..].split("</tr>").next().unwrap().to_string()
        };
        assert!(row("CAT").contains("Party"), "{}", row("CAT"));
        assert!(row("ECHR").contains("No information"), "{}", row("ECHR"));
        assert!(!row("ECHR").contains("Not a party"));
        let (_, _, body) = send(&app, get("/public", "")).await;
        let home = String::from_utf8(body).unwrap();
        assert!(home.contains("Arrests after the Belgrade march"));
        assert!(home.contains("Annual report 2025"));
        assert!(home.contains("(1)"), "one published event counted");
        let (_, _, body) = send(&app, get("/public/publications/annual-2025", "")).await;
        assert!(String::from_utf8(body)
            .unwrap()
            .contains("Forty cases documented."));
        // A signed-in officer sees the same public page (nothing of theirs in it).
        let (_, _, body) = send(&app, get("/public", &app.dora)).await;
        let as_dora = String::from_utf8(body).unwrap();
        assert!(!as_dora.contains("dora") && !as_dora.contains("/logout"));
        for id in [app.internal, app.confidential, app.strict] {
            let (s, _, body) =
                send(&app, get(&format!("/public/records/vio_events/{id}"), "")).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{b:?} {id}");
            let text = String::from_utf8(body).unwrap();
            for t in SECRET_TITLES {
                assert!(!text.contains(t));
            }
        }
        let (s, _, _) = send(&app, get("/public/records/vio_persons/1", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Unpublish: gone from the public pages; both changes audited by the admin.
        let (s, _) = common::portal_publish(
            &app.router,
            &app.adam,
            format!(
                "csrf_token={token}&record_type=vio_events&id={}&action=unpublish",
                app.public
            ),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _, _) = send(
            &app,
            get(&format!("/public/records/vio_events/{}", app.public), ""),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, _, body) = send(&app, get("/public", "")).await;
        assert!(!String::from_utf8(body)
            .unwrap()
            .contains("Arrests after the Belgrade march"));
        let audited: Vec<(String, String, Option<i64>)> = sqlx::query(
            "SELECT action, record_id, actor_id FROM audit_log WHERE action IN ('record.publish', 'record.unpublish', 'publication.publish') ORDER BY seq",
        )
        .fetch_all(app.store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
        let pid = app.public.to_string();
        assert_eq!(audited.len(), 3, "{audited:?}");
        assert_eq!(
            (audited[0].0.as_str(), audited[0].1.as_str()),
            ("record.publish", pid.as_str())
        );
        assert_eq!(audited[1].0, "publication.publish");
        assert_eq!(
            (audited[2].0.as_str(), audited[2].1.as_str()),
            ("record.unpublish", pid.as_str())
        );
        assert!(audited.iter().all(|a| a.2 == Some(adam.user_id.unwrap())));
    }
}

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
