//! HTTP for Dignity: server-rendered pages (work without JavaScript) and the `/api/v1`
//! JSON API with its generated OpenAPI document. Handlers stay thin: they read the
//! request context ([`ctx::Ctx`]), ask `dignity_core::auth` and call `dignity-store`.

pub mod api;
pub mod api_errors;
pub mod authz;
pub mod ctx;
pub mod edge;
pub mod guard;
pub mod i18n;
pub mod nav;
pub mod pages;
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

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/healthz", get(pages::healthz))
        .route("/static/dignity.css", get(pages::stylesheet))
        .route("/lang", get(pages::switch_language))
        .route("/login", get(pages::login_form).post(pages::login))
        .route(
            "/login/totp",
            get(pages::totp_form).post(pages::totp_submit),
        )
        .route("/logout", post(pages::logout))
        .route("/setup", get(pages::setup_form).post(pages::setup))
        .route("/account", get(pages::account))
        .route("/account/password", post(pages::change_password))
        .route("/account/totp/setup", post(pages::totp_setup))
        .route("/account/totp/enable", post(pages::totp_enable))
        .route("/account/totp/disable", post(pages::totp_disable))
        .route("/account/tokens", post(pages::token_create))
        .route("/account/tokens/{id}/revoke", post(pages::token_revoke))
        .route(
            "/admin/users",
            get(pages::admin_users).post(pages::admin_user_create),
        )
        .route("/admin/users/{id}/{action}", post(pages::admin_user_action))
        .route(
            "/admin/settings/require-totp",
            post(pages::admin_require_totp),
        )
        .route(
            "/admin/teams",
            get(pages::admin_teams).post(pages::admin_team_create),
        )
        .route(
            "/admin/teams/{id}/members",
            post(pages::admin_team_member_add),
        )
        .route(
            "/admin/teams/{id}/members/{user}/remove",
            post(pages::admin_team_member_remove),
        )
        .route("/admin/audit", get(pages::admin_audit))
        .route("/admin/audit/verify", post(pages::admin_audit_verify))
        .route("/countries", get(pages::countries))
        .route("/instruments", get(pages::instruments))
        .route("/vocabularies", get(pages::vocabularies))
        .route("/vocabularies/{list}", get(pages::vocabulary))
        .route("/vocabularies/{list}/terms", post(pages::term_add))
        .route(
            "/vocabularies/{list}/terms/{code}",
            get(pages::term_form).post(pages::term_save),
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
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
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
