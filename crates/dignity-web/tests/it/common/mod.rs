//! What the web tests share: a fresh store and the router over it, accounts, API tokens and
//! signed-in sessions, and a browser that signs in and submits forms through the router.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::search::Registry;
use dignity_store::testing::TestStore;

pub use dignity_store::testing::fixtures::add_act;
use dignity_store::{accounts, Backend, Store};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The passphrase of every account the tests create.
pub const PW: &str = "a long enough passphrase";

/// A fresh store on `b` with the shipped reference data (vocabularies, countries) loaded.
pub async fn fresh_store(b: Backend) -> TestStore {
    let store = dignity_store::testing::store(b).await;
    dignity_store::refdata::load_shipped(&store).await.unwrap();
    store
}

/// `struct App { router, store }` (the router over a fresh store, and the store),
/// `async fn app(b: Backend) -> App`, `app_with(b, config)` and `App::api_json`, for a test file that adds
/// its own helpers in an `impl App` (each file keeps its own type: `common::web_app!();`).
macro_rules! web_app {
    () => {
        struct App {
            router: axum::Router,
            store: dignity_store::testing::TestStore,
        }

        #[allow(dead_code)]
        async fn app_with(b: dignity_store::Backend, config: dignity_web::WebConfig) -> App {
            let store = $crate::common::fresh_store(b).await;
            let router = $crate::common::router_with(&store, config);
            App { router, store }
        }

        #[allow(dead_code)]
        async fn app(b: dignity_store::Backend) -> App {
            app_with(b, Default::default()).await
        }

        #[allow(dead_code)]
        impl App {
            /// An API request with the bearer `token` and, if any, a JSON `body`: the
            /// status, the answer read as JSON (`null` if it is not) and its headers.
            async fn api_json(
                &self,
                token: &str,
                method: &str,
                path: &str,
                body: Option<serde_json::Value>,
            ) -> (
                axum::http::StatusCode,
                serde_json::Value,
                axum::http::HeaderMap,
            ) {
                let req = $crate::common::bearer(token, method, path, body);
                let (s, b, h) = $crate::common::call(&self.router, req).await;
                (s, serde_json::from_slice(&b).unwrap_or_default(), h)
            }
        }
    };
}
pub(crate) use web_app;

/// Send `req` into `router`: the status, the body and the headers of the answer.
pub async fn call(router: &Router, req: Request<Body>) -> (StatusCode, Vec<u8>, HeaderMap) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, body, headers)
}

/// An API request with a bearer token and, if any, a JSON body.
pub fn bearer(
    token: &str,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Request<Body> {
    let r = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(b) => r
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => r.body(Body::empty()),
    }
    .unwrap()
}

/// A page request with a session cookie.
pub fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// A form posted with a session cookie (`body` URL-encoded).
pub fn post(path: &str, cookie: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// The CSRF token of a page's form.
pub fn csrf(page: &str) -> String {
    csrf_in(page).expect("a CSRF field")
}

/// The CSRF token of a page's form, if the page has one.
pub fn csrf_in(page: &str) -> Option<String> {
    let i = page.find("name=\"csrf_token\" value=\"")? + 25;
    Some(page[i..i + page[i..].find('"').unwrap()].to_string())
}

/// The answer to `req` as a page: the status, the `Location` header and the body.
pub async fn page(router: &Router, req: Request<Body>) -> (StatusCode, Option<String>, String) {
    let (status, body, headers) = call(router, req).await;
    let loc = headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    (status, loc, String::from_utf8(body).unwrap())
}

/// The current code of a TOTP secret (base32), as an authenticator app shows it.
pub fn totp_now(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes)
        .unwrap()
        .generate_current()
        .unwrap()
}

/// The application's router over `store`, with the default configuration.
pub fn router(store: &Store) -> Router {
    router_with(store, Default::default())
}

/// The application's router over `store`, with `config`.
pub fn router_with(store: &Store, config: dignity_web::WebConfig) -> Router {
    dignity_web::router(dignity_web::AppState::new(store.clone(), config))
}

/// The application's router over `store` with the search index attached (built from the
/// store, then following its writes).
pub async fn router_with_search(store: &Store) -> Router {
    dignity_web::router(state_with_search(store).await)
}

/// The application state with the search index attached (for tests that look inside it).
pub async fn state_with_search(store: &Store) -> dignity_web::AppState {
    let state = dignity_web::AppState::new(store.clone(), Default::default());
    dignity_web::search::attach(state, Registry::standard())
        .await
        .unwrap()
}

/// A new account with the passphrase [`PW`], written (and audited) as the system.
pub async fn account(store: &Store, name: &str, role: Role) -> accounts::User {
    let mut tx = store.begin(&Actor::system()).await.unwrap();
    let u = accounts::create(&mut tx, name, "", role, PW).await.unwrap();
    tx.commit().await.unwrap();
    u
}

/// A new API token of `user` (the bearer token).
pub async fn api_token(store: &Store, user: &accounts::User) -> String {
    let mut tx = store.begin(&Actor::system()).await.unwrap();
    let (_, t) = accounts::create_token(&mut tx, user.id, "test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    t
}

/// A new account and its API token.
pub async fn account_with_token(store: &Store, name: &str, role: Role) -> (accounts::User, String) {
    let u = account(store, name, role).await;
    let t = api_token(store, &u).await;
    (u, t)
}

/// New accounts, each with a signed-in session: the account and its `Cookie` header value.
pub async fn signed_in(store: &Store, who: &[(&str, Role)]) -> Vec<(accounts::User, String)> {
    let mut tx = store.begin(&Actor::system()).await.unwrap();
    let mut out = Vec::new();
    for (name, role) in who {
        let u = accounts::create(&mut tx, name, "", *role, PW)
            .await
            .unwrap();
        let sess = accounts::create_session(&mut tx, u.id, "full", chrono::Duration::hours(1))
            .await
            .unwrap();
        out.push((u, format!("dignity_session={sess}")));
    }
    tx.commit().await.unwrap();
    out
}

/// A browser: keeps cookies, reads the CSRF token of the last page.
pub struct Browser<'a> {
    router: &'a Router,
    cookies: Vec<(String, String)>,
    pub csrf: String,
    /// The address the requests come from (none: the router sees no client address).
    pub client: Option<std::net::SocketAddr>,
}

pub struct Resp {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub fn new(router: &'a Router) -> Self {
        Browser {
            router,
            cookies: vec![],
            csrf: String::new(),
            client: None,
        }
    }
    /// A browser whose requests come from `ip`.
    pub fn at(router: &'a Router, ip: &str) -> Self {
        let mut b = Browser::new(router);
        b.client = Some(std::net::SocketAddr::new(ip.parse().unwrap(), 40000));
        b
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if let Some(a) = self.client {
            req.extensions_mut().insert(axum::extract::ConnectInfo(a));
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        for c in set_cookies(res.headers()) {
            keep_cookie(&mut self.cookies, &c);
        }
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Resp {
            status,
            location,
            body,
        }
    }
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    pub async fn get(&mut self, path: &str) -> Resp {
        let r = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(r).await
    }
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("csrf_token", &self.csrf.clone());
        for (k, v) in fields {
            s.append_pair(k, v);
        }
        let r = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(s.finish()))
            .unwrap();
        self.send(r).await
    }
    pub async fn login(&mut self, user: &str) {
        let r = self.login_with(user, PW).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    /// Sign in with a password (whatever the answer).
    pub async fn login_with(&mut self, user: &str, password: &str) -> Resp {
        self.get("/login").await;
        self.submit(
            "/login",
            &[("username", user), ("password", password), ("next", "/")],
        )
        .await
    }
}

/// The answer to `req` as it comes (for tests that read its headers or stream its body).
pub async fn response(router: &Router, req: Request<Body>) -> axum::response::Response {
    router.clone().oneshot(req).await.unwrap()
}

/// The `Set-Cookie` headers of an answer, each as written.
pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// Keep the cookies that `set_cookie` (one `Set-Cookie` header) sets in `jar`, and drop the
/// one it clears (an empty value or `Max-Age=0`).
pub fn keep_cookie(jar: &mut Vec<(String, String)>, set_cookie: &str) {
    let (k, v) = set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap();
    jar.retain(|(n, _)| n != k);
    if !v.is_empty() && !set_cookie.contains("Max-Age=0") {
        jar.push((k.into(), v.into()));
    }
}

/// The number of rows in `table`.
pub async fn count(s: &TestStore, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0)
}

/// [`signed_in`], the accounts apart from their `Cookie` header values.
pub async fn signed_in_apart(
    store: &Store,
    who: &[(&str, Role)],
) -> (Vec<accounts::User>, Vec<String>) {
    signed_in(store, who).await.into_iter().unzip()
}

/// A search "Persons recorded" (`record_type=person`) saved for each of `users`, seen up to
/// now: their ids.
pub async fn save_persons_search(store: &Store, users: &[accounts::User]) -> Vec<i64> {
    let head = dignity_store::search::audit_head(store).await.unwrap();
    let mut tx = store.begin(&Actor::system()).await.unwrap();
    let mut saved = Vec::new();
    for u in users {
        saved.push(
            dignity_store::search::save_search(
                &mut tx,
                u.id,
                "Persons recorded",
                "record_type=person",
                head + 1,
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    saved
}

/// A person recorded by `actor` with only a name and a confidentiality level: its id.
pub async fn record_person(store: &Store, actor: &Actor, name: &str, confidentiality: &str) -> i64 {
    use dignity_store::violations::{create_person, PersonInput, Vocab};
    let vocab = Vocab::load(store).await.unwrap();
    let mut tx = store.begin(actor).await.unwrap();
    let person = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: name.into(),
            confidentiality: confidentiality.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    person
}

/// An evidence upload through the API with a bearer token: `body` is multipart with the
/// boundary `XyZ`.
pub fn evidence_upload(token: &str, body: Vec<u8>) -> Request<Body> {
    Request::post("/api/v1/evidence")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
        .body(Body::from(body))
        .unwrap()
}

/// A form posted to `/admin/portal/publish` with a session cookie (`form` URL-encoded): the
/// status and the headers of the answer.
pub async fn portal_publish(
    router: &Router,
    cookie: &str,
    form: String,
) -> (StatusCode, HeaderMap) {
    let (status, _, headers) = call(router, post("/admin/portal/publish", cookie, form)).await;
    (status, headers)
}

/// The actor (the account with its rights) of the account named `username`.
pub async fn actor_of(store: &Store, username: &str) -> Actor {
    let user = accounts::by_username(store, username)
        .await
        .unwrap()
        .unwrap();
    accounts::actor_for(store, &user).await.unwrap()
}

/// An adult victim named `name`, internal: an act counts for a reader only with its victim
/// (issue 15, hole 4). Its id.
pub async fn internal_victim(
    tx: &mut dignity_store::WriteTx,
    vocab: &dignity_store::violations::Vocab,
    name: &str,
) -> i64 {
    dignity_store::violations::create_person(
        tx,
        vocab,
        &dignity_store::violations::PersonInput {
            name: name.into(),
            age_group: "adult".into(),
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}
