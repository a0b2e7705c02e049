//! Search (issue 6): the search page `/search` (server-rendered, facets as checkboxes,
//! works without JavaScript), saved searches with "new since last visit" counts, and
//! `GET /api/v1/search`.
//!
//! Every count on these pages comes from the index with the reader's permission filter
//! inside the query: hits, totals and facet counts never include records the reader
//! cannot open. Query strings can hold names: they are never logged, and saved searches
//! are stored encrypted.

use crate::authz::{CsrfForm, SignedIn, WebError};
use crate::ctx::{AuthVia, Ctx};
use crate::pages::{page, CsrfOnly};
use crate::{i18n, AppState};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dignity_search::{FacetValue, Hit, Search, SearchRequest};
use dignity_store::{reference, search as saved, StoreError};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};

mod alerts;
mod api;
mod page;
mod saving;

pub use alerts::*;
pub use api::*;
pub use page::*;
pub use saving::*;

/// Results per page.
pub const PAGE_SIZE: usize = 20;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(search_page))
        .route("/search/saved", post(save))
        .route("/search/saved/{id}", get(open_saved))
        .route("/search/saved/{id}/delete", post(delete_saved))
        .route("/alerts", get(alerts_page))
        .route("/alerts/{id}/seen", post(alert_seen))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/search", get(api_search))
        .route("/alerts", get(api_alerts))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_search, api_alerts),
    components(schemas(SearchAnswer, Hit, FacetValue, AlertsAnswer, Alert))
)]
pub struct ApiDoc;

/// A search parsed from a query string: `q`, `page`, `year_from`, `year_to`,
/// `changed_after`, and any facet name (repeatable; `type` is `record_type`).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub q: String,
    pub page: usize,
    pub filters: BTreeMap<String, Vec<String>>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub changed_after: Option<i64>,
}

impl Params {
    pub fn parse(query: &str, facet_names: &[String]) -> Params {
        let mut p = Params {
            page: 1,
            ..Default::default()
        };
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = v.trim();
            match k.as_ref() {
                "q" => p.q = v.chars().take(500).collect(),
                "page" => p.page = v.parse().unwrap_or(1).clamp(1, 500),
                "year_from" => p.year_from = v.parse().ok(),
                "year_to" => p.year_to = v.parse().ok(),
                "changed_after" => p.changed_after = v.parse().ok(),
                k if !v.is_empty() => {
                    let name = if k == "type" { "record_type" } else { k };
                    if facet_names.iter().any(|f| f == name) {
                        let e = p.filters.entry(name.to_string()).or_default();
                        if e.len() < 50 && !e.iter().any(|x| x == v) {
                            e.push(v.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        p
    }

    pub fn request(&self, lang: &str) -> SearchRequest {
        SearchRequest {
            q: self.q.clone(),
            filters: self.filters.clone(),
            year_from: self.year_from,
            year_to: self.year_to,
            changed_after: self.changed_after,
            lang: lang.into(),
            offset: (self.page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
            // Fails closed: names are matched only once `reader_request` has checked that
            // the reader may see names.
            without_names: true,
        }
    }

    /// The `(name, value)` pairs of the search, for the hidden fields of the export form
    /// (`crate::exports`, which builds on this module, never the other way round).
    pub fn form_fields(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.to_query().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Back to a query string (without `page` and `changed_after`): what a saved search keeps.
    pub fn to_query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        for (k, vs) in &self.filters {
            for v in vs {
                s.append_pair(k, v);
            }
        }
        if let Some(y) = self.year_from {
            s.append_pair("year_from", &y.to_string());
        }
        if let Some(y) = self.year_to {
            s.append_pair("year_to", &y.to_string());
        }
        s.finish()
    }
}

/// The search of `params` as the reader of `ctx` may make it: names are matched only for
/// readers who may see names (`violations::sees_names`; an analyst sees pseudonyms unless
/// the installation allows otherwise), so that a name search cannot confirm to them who is
/// in the records. Every search made for a user goes through here (fails closed: no names
/// when the setting cannot be read).
pub async fn reader_request(
    state: &AppState,
    ctx: &Ctx,
    params: &Params,
    lang: &str,
) -> SearchRequest {
    let mut req = params.request(lang);
    req.without_names = !dignity_store::violations::sees_names(&state.store, &ctx.actor)
        .await
        .unwrap_or(false);
    req
}

fn unavailable() -> Response {
    WebError::keyed(StatusCode::SERVICE_UNAVAILABLE, "search.unavailable").into_response()
}

/// What the labels of facet values come from: country names and the HURIDOCS
/// vocabularies in the reader's language.
struct Labels {
    countries: HashMap<String, String>,
    vocab: Option<std::sync::Arc<dignity_store::violations::Vocab>>,
}

impl Labels {
    async fn load(state: &AppState, ctx: &Ctx) -> Result<Labels, StoreError> {
        let countries = reference::countries(&state.store, ctx.lang.code(), None)
            .await?
            .into_iter()
            .map(|c| (c.iso3, c.name))
            .collect();
        // The vocabularies are there once the violations area is set up; without them
        // codes are shown as they are.
        let vocab = dignity_store::violations::Vocab::load(&state.store)
            .await
            .ok();
        Ok(Labels { countries, vocab })
    }
}

fn lookup_or(ctx: &Ctx, key: &str, value: &str) -> String {
    i18n::lookup(ctx.lang, key)
        .map(String::from)
        .unwrap_or_else(|| value.replace('_', " "))
}

/// The label of a facet value in the reader's language.
fn value_label(ctx: &Ctx, labels: &Labels, facet: &str, value: &str) -> String {
    match facet {
        "country" | "recommending_state" => labels
            .countries
            .get(value)
            .cloned()
            .unwrap_or_else(|| value.to_string()),
        "record_type" => lookup_or(ctx, &format!("search.type.{value}"), value),
        "confidentiality" => lookup_or(ctx, &format!("level.{value}"), value),
        "lens" => lookup_or(ctx, &format!("vio.lens.{value}"), value),
        "victim_age_group" => lookup_or(ctx, &format!("vio.age.{value}"), value),
        "person_type" => lookup_or(ctx, &format!("vio.person_type.{value}"), value),
        "sdg_status" => lookup_or(ctx, &format!("pro.sdg.{value}"), value),
        "mechanism" => i18n::lookup(ctx.lang, &format!("obl.mechanism.{value}"))
            .map(String::from)
            .unwrap_or_else(|| value.to_uppercase()),
        "system" => lookup_or(ctx, &format!("system.{value}"), value),
        "position" => lookup_or(ctx, &format!("obl.position.{value}"), value),
        "act_type" | "perpetrator_type" | "victim_sex" | "status" => {
            // HURIDOCS codes (events, acts); missing persons' statuses are words.
            let vocab = labels
                .vocab
                .as_ref()
                .map(|v| v.label(value, ctx.lang.code()))
                .filter(|l| !l.is_empty() && l != value);
            match vocab {
                Some(l) => l,
                // Recommendations' implementation statuses, then missing persons'.
                None if facet == "status" => i18n::lookup(ctx.lang, &format!("obl.status.{value}"))
                    .map(String::from)
                    .unwrap_or_else(|| lookup_or(ctx, &format!("pro.status.{value}"), value)),
                None => value.replace('_', " "),
            }
        }
        _ => value.replace('_', " "),
    }
}

/// The title of a hit: records whose index entry holds no title in clear (persons,
/// defenders, missing persons: their names are only keyed tokens) are shown by type and
/// number.
fn hit_title(ctx: &Ctx, labels: &Labels, h: &Hit, names: &HashMap<String, String>) -> String {
    if !h.title.is_empty() {
        return h.title.clone();
    }
    let label = value_label(ctx, labels, "record_type", &h.record_type);
    match names.get(&format!("{}:{}", h.record_type, h.id)) {
        Some(n) if h.record_type == "person" => n.clone(),
        Some(n) => format!("{label}: {n}"),
        None => format!("{label} #{}", h.id),
    }
}

/// The names to show for the hits about a person (persons, defenders, missing persons),
/// read from the database as the reader may see them: the name when they may read the
/// person and see names, otherwise the pseudonym (`violations::display_name`). The index
/// itself holds no names.
async fn hit_names(state: &AppState, ctx: &Ctx, hits: &[Hit]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for h in hits {
        let Ok(id) = h.id.parse::<i64>() else {
            continue;
        };
        let person = match h.record_type.as_str() {
            "person" => Some(id),
            "defender" => dignity_store::protection::defenders::get_defender(&state.store, id)
                .await
                .ok()
                .flatten()
                .map(|d| d.person_id),
            "missing" => dignity_store::protection::missing::get_missing(&state.store, id)
                .await
                .ok()
                .flatten()
                .map(|m| m.person_id),
            _ => None,
        };
        let Some(pid) = person else { continue };
        match dignity_store::violations::display_name(&state.store, &ctx.actor, pid).await {
            Ok(n) if !n.is_empty() => {
                out.insert(format!("{}:{}", h.record_type, h.id), n);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "name of a search hit"),
        }
    }
    out
}

fn facet_label(ctx: &Ctx, name: &str) -> String {
    i18n::lookup(ctx.lang, &format!("search.facet.{name}"))
        .map(String::from)
        .unwrap_or_else(|| name.replace('_', " "))
}

/// Where a hit links to.
fn hit_url(h: &Hit) -> String {
    match h.record_type.as_str() {
        "country" => format!("/countries#{}", h.id),
        "instrument" => format!("/instruments#{}", h.id),
        "recommendation" => format!("/obligations/recommendations/{}", h.id),
        "event" => format!("/violations/events/{}", h.id),
        "act" => format!("/violations/acts/{}", h.id),
        "person" => format!("/violations/persons/{}", h.id),
        "defender" => format!("/protection/defenders/{}", h.id),
        "missing" => format!("/protection/missing/{}", h.id),
        t => format!("/{t}s/{}", h.id),
    }
}
