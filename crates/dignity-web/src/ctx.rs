//! The request context: who is asking (session cookie or API token), in which language,
//! and the CSRF token their forms must carry. Nothing else: what only pages need (the
//! navigation's alert counts) is computed when a page is written ([`crate::nav`]).

use crate::i18n::{self, Lang};
use crate::AppState;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dignity_core::Actor;
use dignity_store::accounts::{self, User};
use std::sync::{Arc, Mutex};

pub const SESSION_COOKIE: &str = "dignity_session";
/// A random value given to visitors before they sign in, so that the sign-in and setup
/// forms carry a CSRF token too.
pub const PRE_COOKIE: &str = "dignity_pre";
pub const LANG_COOKIE: &str = "lang";

/// Read one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Build a `Set-Cookie` value. Session cookies are HttpOnly and SameSite=Lax; `Secure`
/// when served over TLS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie is ASCII")
}

/// How the request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthVia {
    None,
    Session,
    Token,
}

/// Everything a handler needs to know about the caller.
#[derive(Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    pub actor: Actor,
    pub via: AuthVia,
    /// The session cookie value, if a full session.
    pub session: Option<String>,
    /// A session waiting for its second factor.
    pub pending_totp: Option<(String, User)>,
    pub csrf_token: String,
    pub path: String,
    pub secure: bool,
    pub totp_required: bool,
    pub client: Option<std::net::IpAddr>,
    /// An `Authorization: Bearer` token was sent but is unknown, revoked or its user disabled.
    pub bad_token: bool,
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }
    pub fn is_admin(&self) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.role == dignity_core::Role::Admin)
    }
    /// The user must set up two-factor authentication before doing anything else.
    pub fn must_enrol_totp(&self) -> bool {
        self.totp_required && self.user.as_ref().is_some_and(|u| !u.totp_enabled)
    }
    /// Check the CSRF token of a submitted form (constant-time comparison; an empty
    /// token never fits, not even when the request has no cookie to bind one to). A call
    /// authenticated by an API token (`Authorization: Bearer`, which no browser adds by
    /// itself) needs none.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        self.via == AuthVia::Token || tokens_match(&self.csrf_token, submitted)
    }
}

/// Constant-time comparison of two tokens; false when either is empty.
pub fn tokens_match(expected: &str, sent: &str) -> bool {
    let a = expected.as_bytes();
    let b = sent.as_bytes();
    !a.is_empty()
        && a.len() == b.len()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The CSRF token bound to a session (or pre-session) cookie value.
pub fn csrf_token_for(state: &AppState, basis: &str) -> String {
    csrf_for(state, basis)
}

fn csrf_for(state: &AppState, basis: &str) -> String {
    state.store.keys().server_mac("csrf", basis)
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let lang = i18n::negotiate(
            cookie(headers, LANG_COOKIE),
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let secure = state.config.secure_cookies
            || headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes() == b"https");
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let client = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let internal = |e: dignity_store::StoreError| {
            crate::error::WebError::internal(format!("request context: {e}")).into_response()
        };
        let totp_required = accounts::totp_required(&state.store)
            .await
            .map_err(internal)?;

        let mut ctx = Ctx {
            lang,
            user: None,
            actor: Actor::anonymous(),
            via: AuthVia::None,
            session: None,
            pending_totp: None,
            csrf_token: String::new(),
            path,
            secure,
            totp_required,
            client,
            bad_token: false,
        };

        // API token.
        if let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            if let Some(u) = accounts::user_by_token(&state.store, token.trim())
                .await
                .map_err(internal)?
            {
                ctx.actor = accounts::actor_for(&state.store, &u)
                    .await
                    .map_err(internal)?;
                ctx.user = Some(u);
                ctx.via = AuthVia::Token;
            } else {
                ctx.bad_token = true;
            }
            if ctx.must_enrol_totp() {
                return Err(crate::error::WebError::MustEnrolTotp.into_response());
            }
            CtxSlot::keep(parts, &ctx);
            return Ok(ctx);
        }

        // Session cookie.
        let mut basis = cookie(headers, PRE_COOKIE).unwrap_or("").to_string();
        if let Some(token) = cookie(headers, SESSION_COOKIE) {
            if let Some(s) = accounts::session(&state.store, token)
                .await
                .map_err(internal)?
            {
                if let Some(u) = accounts::by_id(&state.store, s.user_id)
                    .await
                    .map_err(internal)?
                    .filter(|u| !u.disabled)
                {
                    basis = token.to_string();
                    if s.stage == "full" {
                        ctx.actor = accounts::actor_for(&state.store, &u)
                            .await
                            .map_err(internal)?;
                        ctx.user = Some(u);
                        ctx.via = AuthVia::Session;
                        ctx.session = Some(token.to_string());
                    } else {
                        ctx.pending_totp = Some((token.to_string(), u));
                    }
                }
            }
        }
        // The CSRF token is bound to the session (or the pre-session cookie): a token
        // from another browser, or from before sign-in, does not fit.
        ctx.csrf_token = if basis.is_empty() {
            String::new()
        } else {
            csrf_for(state, &basis)
        };
        // An account that must enrol in two-factor authentication reaches nothing but its
        // account page (and signing out) until it has.
        if ctx.must_enrol_totp() {
            let p = parts.uri.path();
            let open = p.starts_with("/account")
                || p == "/logout"
                || p.starts_with("/static/")
                || p == "/lang"
                || p == "/healthz";
            if !open {
                return Err(crate::error::WebError::MustEnrolTotp.into_response());
            }
        }
        CtxSlot::keep(parts, &ctx);
        Ok(ctx)
    }
}

/// Security headers on every answer, and the pre-session cookie for new visitors.
pub async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let needs_pre = cookie(req.headers(), PRE_COOKIE).is_none()
        && cookie(req.headers(), SESSION_COOKIE).is_none()
        && !req.uri().path().starts_with("/api/")
        && !req.uri().path().starts_with("/static/")
        // Public portal pages are cacheable: they never set a cookie.
        && !req.uri().path().starts_with("/public");
    let secure = req
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes() == b"https");
    // The public portal and static files keep the caching their handlers set (also on
    // a 304 or an error page there).
    let public_path = {
        let p = req.uri().path();
        p == "/public" || p.starts_with("/public/") || p.starts_with("/static/")
    };
    let mut req = req;
    let pre = if needs_pre {
        let v = dignity_core::password::random_token(24);
        // Make the new value visible to this request's handlers too.
        let existing = req
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let joined = if existing.is_empty() {
            format!("{PRE_COOKIE}={v}")
        } else {
            format!("{existing}; {PRE_COOKIE}={v}")
        };
        req.headers_mut().insert(
            header::COOKIE,
            HeaderValue::from_str(&joined).unwrap_or_else(|_| HeaderValue::from_static("")),
        );
        Some(v)
    } else {
        None
    };
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // A page may ask for a stricter policy (the family link page: no-referrer).
    if !h.contains_key("referrer-policy") {
        h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    }
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if let Some(v) = pre {
        h.append(header::SET_COOKIE, set_cookie(PRE_COOKIE, &v, None, secure));
    }
    // Personal data is never kept by a browser or proxy cache: every answer is
    // `no-store` unless its handler declared it public (the portal's pages, the
    // stylesheet and scripts: `Cache-Control: public, …`). That covers every page and
    // API answer to a signed-in user and every export.
    let public = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("public"));
    if !public && !public_path {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // HSTS when configured (`--hsts`, or an https:// public URL).
    if state.config.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Where the request context of a request is kept once a handler's extractor read it, so
/// that an error page shows the same user and language without reading the session again.
#[derive(Clone, Default)]
pub(crate) struct CtxSlot(Arc<Mutex<Option<Ctx>>>);

impl CtxSlot {
    pub(crate) fn keep(parts: &Parts, ctx: &Ctx) {
        if let Some(slot) = parts.extensions.get::<CtxSlot>() {
            if let Ok(mut s) = slot.0.lock() {
                *s = Some(ctx.clone());
            }
        }
    }
    pub(crate) fn get(&self) -> Option<Ctx> {
        self.0.lock().ok().and_then(|s| s.clone())
    }
}
