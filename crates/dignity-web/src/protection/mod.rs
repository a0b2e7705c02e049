//! Pages and API of the protection area (issue 5): defenders (profile, attacks and threats,
//! risk, measures, check-ins), missing persons (cases, status history, families and
//! consent, sharing and exports, source lists with candidate matching and linking), reports
//! (SDG 16.10.1, counts with an SVG chart), the public memorial and the family case view.
//! Pages work without JavaScript.

mod api;
mod defenders;
mod missing;
mod missing_forms;
mod reporting;
mod sources;
mod vocabulary;

use defenders::*;
#[cfg(test)]
pub(crate) use examples::examples;
use missing::*;
use reporting::*;
use sources::*;
use vocabulary::*;

use crate::authz::{CsrfForm, CsrfMultipart, MayWrite, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, page_status};
use crate::violations::FormData;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use dignity_core::auth::Action;
use dignity_store::protection::defenders::{
    self as d, AttackInput, DefenderInput, MeasureInput, MeasureStatusInput, RiskInput,
};
use dignity_store::protection::missing::{
    self as m, Consent, MissingFilter, MissingInput, RelativeInput, ReportInput, StatusChange,
};
use dignity_store::protection::{self as p, reports, sources as s};
use dignity_store::violations::{self as v, Vocab};
use dignity_store::StoreError;
use minijinja::value::Value;
use serde::Deserialize;
use serde_json::{json, Value as Json};

pub use api::ApiDoc;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/protection", get(home))
        .route(
            "/protection/defenders",
            get(defenders).post(defender_create),
        )
        .route("/protection/defenders/{id}", get(defender_page))
        .route("/protection/defenders/{id}/attacks", post(attack_create))
        .route("/protection/defenders/{id}/risk", post(risk_create))
        .route("/protection/defenders/{id}/measures", post(measure_create))
        .route("/protection/defenders/{id}/checkins", post(checkin_create))
        .route("/protection/measures/{id}/status", post(measure_status))
        .route("/protection/checkins/{id}/done", post(checkin_done))
        .route(
            "/protection/missing",
            get(missing_list).post(missing_create),
        )
        // A POST: the export records every case in it as shared (GET never writes).
        .route("/protection/missing/export.csv", post(missing_export))
        .route("/protection/missing/{id}", get(missing_page))
        .route("/protection/missing/{id}/status", post(missing_status))
        .route("/protection/missing/{id}/relatives", post(relative_create))
        .route("/protection/missing/{id}/share", post(missing_share))
        .route("/protection/missing/{id}/link", post(record_link))
        .route(
            "/protection/missing/{id}/family-links",
            post(family_link_create),
        )
        .route("/protection/reports/{id}/consent", post(consent_change))
        .route(
            "/protection/family-links/{id}/revoke",
            post(family_link_revoke),
        )
        .route("/protection/sources", get(sources_page).post(source_create))
        .route("/protection/sources/{id}/import", post(source_import))
        .route("/protection/records/{id}/case", post(record_case))
        .route("/protection/reports", get(reports_page))
        .route("/protection/reports/sdg-16-10-1.csv", get(sdg_csv))
        .route("/protection/memorial", get(memorial))
        .route("/family/{token}", get(family_view))
        .route(
            "/protection/vocabularies/{kind}",
            get(vocabulary_page).post(term_create),
        )
        .route("/protection/vocabularies/{kind}/{code}", post(term_edit))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    api::router()
}

// ------------------------------------------------------------- helpers --

fn v_(x: Json) -> Value {
    Value::from_serialize(x)
}

/// The page `name` with the context `r`: 422 where the context holds a `problem` (a form
/// sent back to be corrected), 200 otherwise.
fn view(state: &AppState, ctx: &Ctx, name: &str, r: Result<Json, StoreError>) -> Response {
    match r {
        Ok(c) => page_status(
            state,
            ctx,
            name,
            if c["problem"].is_null() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            v_(c),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

/// A POST on one record (the caller signed in and the form's CSRF token were checked by
/// the extractors, [`SignedIn`] and [`CsrfForm`], before the form was read): the right
/// (`action`) on the record, then `f` in one audited write.
async fn record_write<T>(
    state: &AppState,
    ctx: &Ctx,
    record_type: &str,
    id: i64,
    action: Action,
    form: FormData,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab, &FormData) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    p::require(&state.store, &ctx.actor, action, record_type, id).await?;
    vocab_write(state, ctx, async |tx, vocab| f(tx, vocab, &form).await).await
}

/// `f` with the vocabulary in one audited write.
async fn vocab_write<T>(
    state: &AppState,
    ctx: &Ctx,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let vocab = Vocab::load(&state.store).await?;
    state
        .store
        .write(&ctx.actor, async |tx| f(tx, &vocab).await)
        .await
}

/// The answer to a POSTed form once its write `r` is done: `done` after the write; after a
/// refusal naming a field, the page `again` with the problem; any other failure as an error.
async fn answer<T>(
    ctx: &Ctx,
    r: Result<T, StoreError>,
    done: impl AsyncFnOnce(T) -> Response,
    again: impl AsyncFnOnce(Json) -> Response,
) -> Response {
    match r {
        Ok(out) => done(out).await,
        Err(e) => match problem(ctx, &e) {
            Some(pr) => again(pr).await,
            None => WebError::from(e).into_response(),
        },
    }
}

/// A list page with the form that adds to it: the page's own `context` (given the
/// vocabulary and the reader's language), whether the reader may add, and the form sent back
/// (`values`) with its `problem`.
async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    problem: Option<Json>,
    values: Json,
    context: impl AsyncFnOnce(&Vocab, &str) -> Result<Json, StoreError>,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let mut c = context(&vocab, ctx.lang.code()).await?;
        c["may_edit"] = json!(crate::authz::may_write(ctx));
        c["problem"] = json!(problem);
        c["values"] = values;
        Ok(c)
    }
    .await;
    view(state, ctx, name, r)
}

/// A validation error as the page shows it: the field in the reader's language and the
/// store's explanation. Other errors are not problems but failures.
fn problem(ctx: &Ctx, e: &StoreError) -> Option<Json> {
    match e {
        StoreError::Rejected(r) => {
            let name = crate::i18n::lookup(ctx.lang, &format!("pro.field.{}", r.field))
                .map(String::from)
                .unwrap_or_else(|| r.field.to_string());
            Some(json!({ "field": name, "message": crate::i18n::reason(ctx.lang, r) }))
        }
        _ => None,
    }
}

fn opt_i64(s: &str) -> Option<i64> {
    s.trim().trim_start_matches('#').parse().ok()
}

fn sex_options(vocab: &Vocab, lang: &str) -> Json {
    Json::Array(
        vocab
            .options(39, lang)
            .into_iter()
            .map(|(c, l, _)| json!({ "code": c, "label": l }))
            .collect(),
    )
}

fn words(ctx: &Ctx, prefix: &str, codes: &[&str]) -> Json {
    Json::Array(
        codes
            .iter()
            .map(|c| json!({ "code": c, "label": ctx.t(&format!("{prefix}.{c}")) }))
            .collect(),
    )
}

fn term_options(terms: &[p::Term]) -> Json {
    Json::Array(
        terms
            .iter()
            .map(
                |t| json!({ "code": t.code, "label": t.label, "un_reprisal": t.entry.un_reprisal }),
            )
            .collect(),
    )
}

async fn users(state: &AppState) -> Result<Json, StoreError> {
    Ok(Json::Array(
        dignity_store::accounts::list(&state.store)
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            // The team member by name, with the username to tell two alike apart.
            .map(|u| {
                let name = if u.display_name.trim().is_empty() {
                    u.username.clone()
                } else {
                    format!("{} ({})", u.display_name, u.username)
                };
                json!({ "id": u.id, "name": name })
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------- home --

pub async fn home(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let r = async {
        let today = p::today();
        let mine = d::overdue_checkins(&state.store, &ctx.actor, today, ctx.actor.user_id).await?;
        let all = d::overdue_checkins(&state.store, &ctx.actor, today, None).await?;
        let (defenders, _) = d::list_defenders(&state.store, &ctx.actor, None, None, 1, 0).await?;
        let (cases, _) = m::list_missing(&state.store, &ctx.actor, &MissingFilter::default(), 1, 0).await?;
        Ok::<_, StoreError>(json!({ "mine": mine, "overdue_total": all.len(), "defenders": defenders, "cases": cases }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "protection_home.html", v_(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

// Last in the file: the route scanner of `tests/it/matrix.rs` stops reading a file at its
// first `#[cfg(test)]` module.
#[cfg(test)]
mod examples;
