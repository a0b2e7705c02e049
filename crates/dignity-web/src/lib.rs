//! HTTP for Dignity: server-rendered pages (work without JavaScript) and the `/api/v1`
//! JSON API with its generated OpenAPI document. Handlers stay thin: they read the
//! request context ([`ctx::Ctx`]), ask `dignity_core::auth` and call `dignity-store`.

pub mod accounts;
pub mod api;
pub mod api_errors;
pub mod authz;
pub mod ctx;
pub mod edge;
pub mod error;
pub mod guard;
pub mod home;
pub mod i18n;
pub mod nav;
pub mod pages;
pub mod reference;
pub mod storage_full;
pub mod templates;

// One module per area of the product, each with its own pages and API.
pub mod obligations;

pub mod erasure;
pub mod violations;

pub mod protection;

pub mod exports;
pub mod portal;
pub mod search;

pub mod stats;

pub mod dashboards;
pub mod reports;

pub mod keys_admin;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use dignity_store::Store;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Dignity is served over TLS, directly or behind a
    /// proxy that says so with `X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
    /// The address users reach the server at, for links printed on the console (and the
    /// `Origin` the API accepts for cookie-authenticated writes).
    pub public_url: Option<String>,
    /// Send `Strict-Transport-Security` (`--hsts`, `DIGNITY_HSTS`; on by itself when the
    /// public URL is https://).
    pub hsts: bool,
    /// The largest request body (forms, JSON, API imports); `None`: 1 MiB
    /// ([`guard::DEFAULT_MAX_BODY`]). Evidence uploads have their own limit.
    pub max_body_bytes: Option<usize>,
}

impl WebConfig {
    /// The largest request body accepted (see [`WebConfig::max_body_bytes`]).
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes.unwrap_or(guard::DEFAULT_MAX_BODY)
    }
}

/// A user's alert count and the (audit head, index position) it was counted at.
pub type AlertCount = ((i64, i64), u64);

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub env: Arc<minijinja::Environment<'static>>,
    pub config: WebConfig,
    /// Sign-in attempts per client address: (window start, count).
    pub throttle: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
    /// The search index (`None`: search pages answer 503). See [`search::attach`].
    pub search: Option<dignity_search::Search>,
    /// Each user's count of new matches in their saved searches (the navigation's
    /// "Alerts (N)"), with the (audit head, index position) it was counted at: counted again
    /// only after a write or an index change, not on every page.
    pub alert_counts: Arc<Mutex<HashMap<i64, AlertCount>>>,
    /// The key rotation this server runs in the background ([`keys_admin`]).
    pub rotation: keys_admin::Rotation,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        AppState {
            store,
            env: Arc::new(templates::environment()),
            config,
            throttle: Arc::new(Mutex::new(HashMap::new())),
            search: None,
            alert_counts: Arc::new(Mutex::new(HashMap::new())),
            rotation: Default::default(),
        }
    }

    pub fn with_search(mut self, search: dignity_search::Search) -> Self {
        self.search = Some(search);
        self
    }
}

/// Sign-in attempts allowed per client address in [`THROTTLE_WINDOW_SECS`].
pub const THROTTLE_MAX: u32 = 20;
pub const THROTTLE_WINDOW_SECS: u64 = 600;

/// The `/api/v1` router: the foundation's endpoints ([`api::router`]) and every area's, one
/// block per area.
fn api_router() -> Router<AppState> {
    api::router()
        .route("/openapi.json", get(openapi))
        .merge(obligations::api_router())
        // --
        .merge(violations::api_router())
        .merge(erasure::api_router())
        // --
        .merge(protection::api_router())
        // --
        .merge(search::api_router())
        .merge(exports::api_router())
        // --
        .merge(stats::api_router())
        // --
        .merge(dashboards::api_router())
        .merge(reports::api_router())
        // --
        .merge(keys_admin::api_router())
        .fallback(api::not_found)
}

/// The whole OpenAPI document: the foundation's endpoints and every area's, one line per
/// area.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    api::document([
        obligations::ApiDoc::openapi(),
        // --
        violations::ApiDoc::openapi(),
        erasure::ApiDoc::openapi(),
        // --
        protection::ApiDoc::openapi(),
        // --
        search::ApiDoc::openapi(),
        exports::ApiDoc::openapi(),
        // --
        stats::ApiDoc::openapi(),
        // --
        dashboards::ApiDoc::openapi(),
        reports::ApiDoc::openapi(),
        // --
        keys_admin::ApiDoc::openapi(),
    ])
}

/// `GET /api/v1/openapi.json`.
async fn openapi() -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::Json(openapi_document()).into_response()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(home::healthz))
        .route("/static/dignity.css", get(home::stylesheet))
        .route("/lang", get(home::switch_language))
        .route(
            "/login",
            get(accounts::session::login_form).post(accounts::session::login),
        )
        .route(
            "/login/totp",
            get(accounts::session::totp_form).post(accounts::session::totp_submit),
        )
        .route("/logout", post(accounts::session::logout))
        .route(
            "/setup",
            get(accounts::session::setup_form).post(accounts::session::setup),
        )
        .route("/account", get(accounts::account::account))
        .route(
            "/account/password",
            post(accounts::account::change_password),
        )
        .route("/account/totp/setup", post(accounts::account::totp_setup))
        .route("/account/totp/enable", post(accounts::account::totp_enable))
        .route(
            "/account/totp/disable",
            post(accounts::account::totp_disable),
        )
        .route("/account/tokens", post(accounts::account::token_create))
        .route(
            "/account/tokens/{id}/revoke",
            post(accounts::account::token_revoke),
        )
        .route(
            "/admin/users",
            get(accounts::admin::admin_users).post(accounts::admin::admin_user_create),
        )
        .route(
            "/admin/users/{id}/{action}",
            post(accounts::admin::admin_user_action),
        )
        .route(
            "/admin/settings/require-totp",
            post(accounts::admin::admin_require_totp),
        )
        .route(
            "/admin/teams",
            get(accounts::teams::admin_teams).post(accounts::teams::admin_team_create),
        )
        .route(
            "/admin/teams/{id}/members",
            post(accounts::teams::admin_team_member_add),
        )
        .route(
            "/admin/teams/{id}/members/{user}/remove",
            post(accounts::teams::admin_team_member_remove),
        )
        .route("/admin/audit", get(accounts::admin::admin_audit))
        .route(
            "/admin/audit/verify",
            post(accounts::admin::admin_audit_verify),
        )
        .route("/countries", get(reference::countries))
        .route("/instruments", get(reference::instruments))
        .route("/vocabularies", get(reference::vocabularies))
        .route("/vocabularies/{list}", get(reference::vocabulary))
        .route("/vocabularies/{list}/terms", post(reference::term_add))
        .route(
            "/vocabularies/{list}/terms/{code}",
            get(reference::term_form).post(reference::term_save),
        )
        // Areas of the product: each merges its own routes.
        .merge(obligations::router())
        // --
        .merge(violations::router())
        .merge(erasure::router())
        // --
        .merge(protection::router())
        // --
        .merge(search::router())
        .merge(exports::router())
        .merge(portal::router())
        // --
        .merge(stats::router())
        // --
        .merge(dashboards::router())
        .merge(reports::router())
        // --
        .merge(keys_admin::router())
        // --
        .nest("/api/v1", api_router())
        .fallback(home::not_found)
        // Under /api: axum's own plain-text rejections become the one JSON error shape.
        .layer(axum::middleware::from_fn(api_errors::json_errors))
        // Before any handler: CSRF of cookie-authenticated writes and uploads, body limits.
        .layer(from_fn_with_state(state.clone(), guard::csrf_guard))
        .layer(from_fn_with_state(state.clone(), guard::body_limits))
        // Every `WebError` (handlers, extractors, the guards above) written once: the
        // error page, or `ApiError` JSON under /api.
        .layer(from_fn_with_state(state.clone(), authz::render_errors))
        // Every page (error pages included) written once, with the navigation only pages
        // need (alert counts): never computed for the API, redirects or downloads.
        .layer(from_fn_with_state(state.clone(), nav::render_pages))
        .layer(from_fn_with_state(state.clone(), ctx::security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit(),
        ))
        .layer(from_fn_with_state(state.clone(), guard::secure_cookies))
        // Outermost: a full disk met anywhere below (handlers, extractors, guards) is
        // answered 507.
        .layer(axum::middleware::from_fn(storage_full::storage_full))
        .with_state(state)
}
