//! The navigation of the pages (the menu's "Alerts (N)"): computed only when an HTML page
//! is written — never in the request context, never for the API, redirects, downloads or
//! exports.
//!
//! [`crate::pages::page_status`] does not write the page itself: it leaves the template,
//! its context and the reader on the answer ([`PendingPage`]), and the [`render_pages`]
//! layer (outside [`crate::authz::render_errors`], so that error pages have it too) adds
//! the navigation ([`Nav::of`]) and writes the page.

use crate::ctx::{AuthVia, Ctx};
use crate::pages::PendingPage;
use crate::{templates, AppState};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minijinja::context;

/// What the navigation shows besides the user and their role.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// New matches of the user's saved searches ("Alerts (3)"): for a signed-in staff
    /// session's pages outside the public portal, else `None` (no link).
    pub alerts: Option<u64>,
}

impl Nav {
    /// The navigation of a page written for `ctx`.
    pub async fn of(state: &AppState, ctx: &Ctx) -> Nav {
        let counted = ctx.via == AuthVia::Session
            && !ctx.path.starts_with("/api/")
            && !ctx.path.starts_with("/public");
        let alerts = if counted {
            crate::search::alert_count(state, ctx).await
        } else {
            None
        };
        Nav { alerts }
    }
}

/// Middleware (over the whole router): write every page left by
/// [`crate::pages::page_status`], with its navigation.
pub async fn render_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let Some(p) = res.extensions_mut().remove::<PendingPage>() else {
        return res;
    };
    let nav = Nav::of(&state, &p.ctx).await;
    let full = context! { alerts => nav.alerts, ..p.context };
    match templates::render(&state.env, &p.name, p.ctx.lang, full) {
        Ok(html) => {
            res.headers_mut().remove(header::CONTENT_LENGTH);
            *res.body_mut() = Body::from(html);
            res
        }
        Err(e) => {
            tracing::error!(template = p.name, error = %e, "render failed");
            // The error page itself could not be written: a bare answer.
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}
