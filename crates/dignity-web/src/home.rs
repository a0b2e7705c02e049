//! The home page (what waits for the signed-in officer), the language switch, the
//! stylesheet, the health check and the fallback of unknown paths.

use crate::authz::WebError;
use crate::ctx::{Ctx, LANG_COOKIE};
use crate::i18n::Lang;
use crate::pages::{page, safe_next, see_other};
use crate::templates;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_core::Actor;
use dignity_store::{reference, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

/// Any path no route has (the router's fallback).
pub async fn not_found() -> WebError {
    WebError::not_found()
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(_) => axum::Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "error", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        templates::STYLESHEET,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    #[serde(default)]
    back: String,
}

pub async fn switch_language(ctx: Ctx, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or(ctx.lang);
    let mut res = see_other(&safe_next(&q.back));
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            lang.code(),
            if ctx.secure { "; Secure" } else { "" }
        ))
        .expect("ascii"),
    );
    res
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Response {
    if ctx.must_enrol_totp() {
        return see_other("/account");
    }
    // Search (issue 6): saved searches with new matches since the user last looked.
    let search_alerts = crate::search::alerts(&state, &ctx).await;
    let r = async {
        let work = match ctx.actor.user_id {
            Some(_) => Some(your_work(&state, &ctx.actor).await?),
            None => None,
        };
        Ok::<_, StoreError>((reference::counts(&state.store).await?, work))
    }
    .await;
    match r {
        Ok(((countries, instruments, terms, targets), work)) => page(
            &state,
            &ctx,
            "home.html",
            context! { counts => context! { countries, instruments, vocabulary_terms => terms, sdg_targets => targets }, search_alerts, work },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// What waits for the signed-in officer: their interventions' reply and follow-up
/// deadlines of the next 14 days (and every overdue one), the check-ins overdue for the
/// defenders whose contact point they are, and their unfinished drafts. Only records the
/// reader may see are counted (each query applies the access rules).
async fn your_work(state: &AppState, actor: &Actor) -> Result<Value, StoreError> {
    use dignity_store::{protection::defenders, violations as v};
    let today = chrono::Utc::now().date_naive();
    let due = v::interventions::deadlines(&state.store, actor, "mine", today, 14).await?;
    let checkins = defenders::overdue_checkins(&state.store, actor, today, actor.user_id).await?;
    let drafts = v::drafts(&state.store, actor).await?;
    Ok(context! {
        due => due.len(),
        overdue => due.iter().filter(|d| d.overdue).count(),
        checkins => checkins.len(),
        drafts => drafts.len(),
    })
}
