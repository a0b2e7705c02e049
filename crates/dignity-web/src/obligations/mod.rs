//! Pages and API of states' obligations and recommendations (issue 3): the world
//! ratification matrix, country profiles, deadlines, the recommendations list with
//! full-text search and facets, implementation tracking and the follow-up report.

use crate::authz::{Caller, CsrfForm, MayWrite, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, page_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dignity_core::auth::authorize;
use dignity_core::obligations as rules;
use dignity_core::{Action, Confidentiality};
use dignity_store::obligations::{
    self as ob, recs, reports, tracking, MatrixFilter, RatificationInput, RecFilter,
};
use dignity_store::{StoreError, WriteTx};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::OpenApi;

mod api;
mod forms;
mod pages;

pub use api::{api_router, ApiDoc};
pub use forms::*;
pub use pages::*;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/obligations/matrix", get(matrix_page))
        .route("/obligations/countries/{iso3}", get(country_page))
        .route(
            "/obligations/countries/{iso3}/ratifications/{instrument}",
            get(ratification_form).post(ratification_save),
        )
        .route(
            "/obligations/countries/{iso3}/deadlines",
            get(deadlines_page),
        )
        .route("/obligations/countries/{iso3}/reports", post(report_save))
        .route("/obligations/countries/{iso3}/visits", post(visit_save))
        .route(
            "/obligations/countries/{iso3}/follow-up",
            get(follow_up_page),
        )
        .route("/obligations/recommendations", get(recommendations_page))
        .route(
            "/obligations/recommendations/{id}",
            get(recommendation_page),
        )
        .route(
            "/obligations/recommendations/{id}/{what}",
            post(tracking_save),
        )
        .route(
            "/obligations/countries/{iso3}/communications",
            post(communication_save),
        )
        .route(
            "/obligations/countries/{iso3}/communications/{id}/interventions",
            post(communication_link),
        )
        .route(
            "/obligations/countries/{iso3}/invitation",
            post(invitation_save),
        )
        .route("/obligations/countries/{iso3}/clusters", post(cluster_save))
        .route(
            "/obligations/mandates",
            get(mandates_page).post(mandate_save),
        )
        .route("/obligations/mandates/holders", post(holder_save))
}

// ------------------------------------------------------------------ helpers --

fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The shared part of an editor's POST form (the caller passed [`MayWrite`] and the CSRF
/// check of [`CsrfForm`] before the form was read): run `write` in one audited transaction (nothing written when it fails), then
/// go to `done`; invalid input goes back to `back` with its message, an unknown record
/// is a 404. Each handler says only what it writes.
async fn edit_and_redirect(
    state: &AppState,
    ctx: &Ctx,
    back: &str,
    done: &str,
    write: impl AsyncFnOnce(&mut WriteTx) -> Result<(), StoreError>,
) -> Response {
    match state.store.write(&ctx.actor, write).await {
        Ok(()) => see_other(done),
        Err(e) if refused_field(&e).is_some() => flash_error(back, &e),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// [`edit_and_redirect`] for a form on a State's page: the State must exist.
async fn edit_country(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
    anchor: &str,
    write: impl AsyncFnOnce(&mut WriteTx, &str) -> Result<(), StoreError>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    let back = format!("/obligations/countries/{iso3}");
    let done = format!("{back}?flash=saved{anchor}");
    edit_and_redirect(state, ctx, &back, &done, async |tx| {
        if !ob::country_exists(tx.store(), &iso3).await? {
            return Err(StoreError::NotFound(iso3.clone()));
        }
        write(tx, &iso3).await
    })
    .await
}

/// The field of an input the store refused (a rule of core, or an older free-text
/// refusal), `None` for any other failure.
fn refused_field(e: &StoreError) -> Option<&str> {
    match e {
        StoreError::Rejected(r) => Some(&r.field),
        _ => None,
    }
}

fn can_edit(ctx: &Ctx) -> bool {
    ctx.user.is_some() && authorize(&ctx.actor, Action::Update, &ob::public_fact()).allowed()
}

/// A page about the State of the path's `{iso3}`: the request context, the code
/// (upper-cased) and the State's name in the reader's language. A State that does not
/// exist is answered with the not-found page.
pub struct CountryPage {
    pub ctx: Ctx,
    pub iso3: String,
    pub name: String,
}

impl axum::extract::FromRequestParts<AppState> for CountryPage {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let Path(iso3) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (iso3, name) = country_or_404(state, &ctx, &iso3).await?;
        Ok(CountryPage { ctx, iso3, name })
    }
}

async fn country_or_404(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
) -> Result<(String, String), Response> {
    let iso3 = iso3.to_ascii_uppercase();
    match ob::country_names(&state.store, ctx.lang.code()).await {
        Ok(names) => match names.get(&iso3) {
            Some(n) => Ok((iso3, n.clone())),
            None => Err(WebError::not_found().into_response()),
        },
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

/// A horizontal bar chart as SVG (no script, no inline style): one bar per value with
/// its count; a data table with the same numbers stands beside it on the page.
pub fn bar_chart(id: &str, title: &str, data: &[(String, i64)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let row_h = 22;
    let h = (data.len() as i32 * row_h + 10).max(30);
    let mut s = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title\" viewBox=\"0 0 420 {h}\" width=\"420\" height=\"{h}\"><title id=\"{id}-title\">{}</title>",
        esc(title)
    );
    for (i, (label, n)) in data.iter().enumerate() {
        let y = 5 + i as i32 * row_h;
        let w = ((*n as f64 / max) * 230.0).round().max(1.0);
        let short: String = label.chars().take(24).collect();
        s.push_str(&format!(
            "<g><title>{}: {n}</title><text x=\"0\" y=\"{}\" font-size=\"11\" fill=\"#222\">{}</text><rect x=\"150\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"#1f5f8b\"></rect><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#222\">{n}</text></g>",
            esc(label),
            y + 12,
            esc(&short),
            150.0 + w + 4.0,
            y + 12
        ));
    }
    s.push_str("</svg>");
    s
}

/// An action category as shown: its label in the reader's language (from
/// `data/upr/action-categories.csv`) and its number, e.g. "Specific action (5)".
pub(crate) fn action_label(ctx: &Ctx, value: &str) -> String {
    value
        .parse::<i64>()
        .ok()
        .and_then(dignity_core::refdata::action_category)
        .map(|c| c.shown(ctx.lang.code()))
        .unwrap_or_else(|| ctx.t("obl.action.none"))
}

/// Action categories in the order of the scale, 1 … 5, then none.
pub(crate) fn in_scale_order(v: &mut [recs::FacetValue]) {
    v.sort_by_key(|f| f.value.parse::<i64>().unwrap_or(i64::MAX));
}

fn facet_rows(
    ctx: &Ctx,
    what: &str,
    v: &[recs::FacetValue],
    names: &HashMap<String, String>,
) -> Vec<(String, i64)> {
    v.iter()
        .map(|f| {
            let label = match what {
                "status" => ctx.t(&format!("obl.status.{}", f.value)),
                "mechanism" => ctx.t(&format!("obl.mechanism.{}", f.value)),
                "position" => ctx.t(&format!("obl.position.{}", f.value)),
                "action" => action_label(ctx, &f.value),
                "country" | "from" => names
                    .get(&f.value)
                    .cloned()
                    .unwrap_or_else(|| f.value.clone()),
                _ => f.value.clone(),
            };
            (label, f.count)
        })
        .collect()
}

#[cfg(test)]
pub(crate) fn template_examples() -> Vec<(&'static str, Value, bool, bool)> {
    examples::all()
}

#[cfg(test)]
mod examples;
