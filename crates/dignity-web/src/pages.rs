//! What every page shares: rendering a page ([`page`], [`page_status`]: the template, its
//! context and the reader, written by [`crate::nav::render_pages`]), the flash message of a
//! redirect, safe redirects. A helper module of the layer below the areas: it imports no
//! area and no extractor. The pages themselves live with their area (`home`, `accounts`,
//! `reference`, `obligations`, …); forms post back with a CSRF token and results redirect
//! (303) with a flash key so that reloading a page never repeats an action.

use crate::ctx::Ctx;
use crate::i18n;
use crate::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_core::auth::{authorize_system, SystemAction};
use dignity_core::password;
use dignity_store::accounts;
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

/// Render a page with the common context plus `extra`.
pub fn page(state: &AppState, ctx: &Ctx, name: &str, extra: Value) -> Response {
    page_status(state, ctx, name, StatusCode::OK, extra)
}

fn flash_from_path(ctx: &Ctx) -> Value {
    let query = ctx.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let known = v.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if known && (k == "flash" || k == "error") {
            let kind = if k == "flash" { "ok" } else { "error" };
            let prefix = if k == "flash" { "flash" } else { "error" };
            let min = password::MIN_LENGTH.to_string();
            let minutes = accounts::LOCKOUT_MINUTES.to_string();
            let args = [("min", min.as_str()), ("minutes", minutes.as_str())];
            return Value::from_serialize(serde_json::json!({
                "kind": kind,
                "message": i18n::t_args(ctx.lang, &format!("{prefix}.{v}"), &args),
            }));
        }
    }
    Value::from(())
}

/// A page with this status. It is written by [`crate::nav::render_pages`], which adds the
/// navigation (alert counts) that only pages need.
pub fn page_status(
    _state: &AppState,
    ctx: &Ctx,
    name: &str,
    status: StatusCode,
    extra: Value,
) -> Response {
    let user = ctx.user.as_ref().map(|u| {
        context! { username => u.username.clone(), display_name => u.display_name.clone(), role => u.role.as_str() }
    });
    let base = context! {
        current_path => ctx.path.split('?').next().unwrap_or("/").to_string(),
        user => user,
        csrf_token => ctx.csrf_token.clone(),
        flash => flash_from_path(ctx),
        is_admin => ctx.is_admin(),
        can_manage_teams => authorize_system(&ctx.actor, SystemAction::ManageTeamMembers).allowed(),
    };
    pending(
        status,
        PendingPage {
            name: name.to_string(),
            ctx: ctx.clone(),
            context: context! { ..extra, ..base },
        },
    )
}

/// A page to write, left on the answer by [`crate::pages::page_status`].
#[derive(Clone)]
pub(crate) struct PendingPage {
    pub(crate) name: String,
    pub(crate) ctx: Ctx,
    pub(crate) context: Value,
}

/// The answer that carries a page to write (its status; the body comes in
/// [`render_pages`]).
pub(crate) fn pending(status: StatusCode, page: PendingPage) -> Response {
    let mut res = status.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.extensions_mut().insert(page);
    res
}

pub(crate) fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

/// Only local paths are followed after sign-in (no open redirects).
/// A redirect target taken from the user (`next=`, `back=`): a same-site path, else `/`.
pub(crate) fn safe_next(next: &str) -> String {
    dignity_core::LocalPath::or(next, "/").to_string()
}

/// A form that carries only its CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {}

#[cfg(test)]
mod tests {
    use crate::i18n::{lookup, Lang};

    /// Every `?flash=…` and `?error=…` a page redirects with has its message in every language.
    #[test]
    fn every_flash_and_error_key_is_translated() {
        let src = [
            include_str!("home.rs"),
            include_str!("accounts/session.rs"),
            include_str!("accounts/account.rs"),
            include_str!("accounts/admin.rs"),
            include_str!("accounts/teams.rs"),
            include_str!("reference.rs"),
        ]
        .concat();
        let mut checked = 0;
        for (marker, prefix) in [("?flash=", "flash"), ("?error=", "error")] {
            for (i, _) in src.match_indices(marker) {
                let key: String = src[i + marker.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if key.is_empty() {
                    continue;
                }
                for lang in Lang::ALL {
                    assert!(
                        lookup(lang, &format!("{prefix}.{key}")).is_some(),
                        "{prefix}.{key} missing in {lang}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 10);
    }
}
