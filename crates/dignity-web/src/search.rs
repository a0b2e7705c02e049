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
use crate::pages::page;
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

/// The search page.
pub async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    let params = Params::parse(query.as_deref().unwrap_or(""), search.facet_names());
    let req = reader_request(&state, &ctx, &params, ctx.lang.code()).await;
    let results = match search.search(&ctx.actor, &req) {
        Ok(r) => r,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let countries = match Labels::load(&state, &ctx).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let base_query = params.to_query();
    let facets: Vec<_> = results
        .facets
        .iter()
        .map(|(name, values)| {
            let selected = params.filters.get(name).cloned().unwrap_or_default();
            let values: Vec<_> = values
                .iter()
                .map(|v| {
                    context! {
                        value => v.value.clone(),
                        label => value_label(&ctx, &countries, name, &v.value),
                        count => v.count,
                        checked => selected.contains(&v.value),
                    }
                })
                .collect();
            context! { name => name.clone(), label => facet_label(&ctx, name), values => values }
        })
        .collect();
    let names = hit_names(&state, &ctx, &results.hits).await;
    let hits: Vec<_> = results
        .hits
        .iter()
        .map(|h| {
            context! {
                url => hit_url(h),
                title => hit_title(&ctx, &countries, h, &names),
                snippet_html => h.snippet_html.clone(),
                type_label => value_label(&ctx, &countries, "record_type", &h.record_type),
                country => h.country.as_ref().map(|c| value_label(&ctx, &countries, "country", c)),
                date_from => h.date_from.clone(),
                date_to => h.date_to.clone(),
            }
        })
        .collect();
    let pages = (results.total as usize).div_ceil(PAGE_SIZE).max(1);
    let page_link = |n: usize| {
        let mut q = base_query.clone();
        if let Some(c) = params.changed_after {
            q.push_str(&format!("&changed_after={c}"));
        }
        format!("/search?{q}&page={n}")
    };
    // Saved searches of the signed-in user, with what is new since their last visit.
    let saved_list = match saved_with_news(&state, &ctx, &search).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    // Export form (crate::exports): the same search, as a file.
    let can_export = ctx.actor.is_staff();
    let can_export_names = can_export
        && dignity_store::violations::sees_names(&state.store, &ctx.actor)
            .await
            .unwrap_or(false);
    let searched = !params.q.is_empty()
        || !params.filters.is_empty()
        || params.year_from.is_some()
        || params.year_to.is_some();
    page(
        &state,
        &ctx,
        "search_results.html",
        context! {
            q => params.q.clone(),
            year_from => params.year_from,
            year_to => params.year_to,
            new_only => params.changed_after.is_some(),
            searched => searched,
            total => results.total,
            hits => hits,
            facets => facets,
            page => params.page,
            pages => pages,
            prev => (params.page > 1).then(|| page_link(params.page - 1)),
            next => (params.page < pages).then(|| page_link(params.page + 1)),
            query => base_query,
            can_save => ctx.actor.is_staff() && ctx.via == AuthVia::Session,
            saved => saved_list,
            can_export => can_export,
            can_export_names => can_export_names,
            export_fields => params.form_fields(),
        },
    )
}

/// The signed-in staff member's saved searches, each with how many of its results are
/// new or changed since they last opened it — counted in the index with their permission
/// filter, so a count never includes a record they cannot open. Empty for others.
async fn saved_with_news(
    state: &AppState,
    ctx: &Ctx,
    search: &Search,
) -> Result<Vec<minijinja::Value>, StoreError> {
    let mut out = Vec::new();
    if let (Some(u), true) = (&ctx.user, ctx.actor.is_staff()) {
        for s in saved::saved_searches(&state.store, u.id).await? {
            let p = Params::parse(&s.query, search.facet_names());
            let mut req = reader_request(state, ctx, &p, ctx.lang.code()).await;
            req.changed_after = Some(s.seen_seq);
            let new = search.count(&ctx.actor, &req).unwrap_or(0);
            out.push(context! { id => s.id, name => s.name, new => new });
        }
    }
    Ok(out)
}

/// Alerts for the home page: the saved searches with new matches since the user last
/// looked (nothing is written or audited by looking at them). Empty when search is off,
/// for visitors, and on any error (the home page must not fail because of it).
pub async fn alerts(state: &AppState, ctx: &Ctx) -> Vec<minijinja::Value> {
    let Some(search) = state.search.clone() else {
        return Vec::new();
    };
    match saved_with_news(state, ctx, &search).await {
        Ok(list) => list
            .into_iter()
            .filter(|v| {
                v.get_attr("new")
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0)
                    > 0
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "saved search alerts failed");
            Vec::new()
        }
    }
}

// -------------------------------------------------------------------------- alerts --

/// One saved search with what is new in it for its owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alert {
    /// The saved search.
    pub id: i64,
    pub name: String,
    /// Matches added or changed since the owner last looked, counted with their
    /// permissions now.
    pub new: u64,
    /// When they last marked it seen (RFC 3339), if ever.
    pub seen_at: Option<String>,
    /// The search page showing only the new matches (opening it marks them seen).
    pub url: String,
    /// The first new matches (up to 20), as the search API gives them.
    pub hits: Vec<Hit>,
}

/// The answer of `GET /api/v1/alerts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertsAnswer {
    /// New matches over all the caller's saved searches.
    pub total: u64,
    /// Every saved search of the caller, those with new matches first.
    pub items: Vec<Alert>,
}

/// The saved searches of the signed-in staff member with their new matches, counted and
/// found in the index with the reader's permission filter *now* (a record they can no
/// longer open is neither counted nor listed). Reading writes nothing.
async fn alerts_of(
    state: &AppState,
    ctx: &Ctx,
    search: &Search,
    with_hits: bool,
) -> Result<Vec<(saved::SavedSearch, u64, Vec<Hit>)>, StoreError> {
    let mut out = Vec::new();
    let (Some(u), true) = (&ctx.user, ctx.actor.is_staff()) else {
        return Ok(out);
    };
    for s in saved::saved_searches(&state.store, u.id).await? {
        let mut p = Params::parse(&s.query, search.facet_names());
        p.page = 1;
        let mut req = reader_request(state, ctx, &p, ctx.lang.code()).await;
        req.changed_after = Some(s.seen_seq);
        let (new, hits) = if with_hits {
            match search.search(&ctx.actor, &req) {
                Ok(r) => (r.total, r.hits),
                Err(e) => {
                    tracing::error!(error = %e, "alerts search failed");
                    (0, Vec::new())
                }
            }
        } else {
            (search.count(&ctx.actor, &req).unwrap_or(0), Vec::new())
        };
        out.push((s, new, hits));
    }
    out.sort_by(|a, b| (b.1 > 0).cmp(&(a.1 > 0)).then(a.0.id.cmp(&b.0.id)));
    Ok(out)
}

/// The number of new matches over the saved searches of a signed-in staff member, for the
/// navigation's "Alerts (3)"; `None` for everyone else, when search is off, or on error.
pub async fn alert_count(state: &AppState, ctx: &Ctx) -> Option<u64> {
    let search = state.search.clone()?;
    crate::authz::signed_in(ctx).ok()?;
    let uid = ctx.actor.user_id?;
    // Every change that can move the count (a record written, a search saved or marked as
    // seen, a role or team changed) is an audited write, and reaches the index after it.
    let at = match dignity_store::portal::public_version(&state.store).await {
        Ok(head) => (head, search.applied()),
        Err(e) => {
            tracing::error!(error = %e, "alert count failed");
            return None;
        }
    };
    if let Some(&(seen_at, n)) = state.alert_counts.lock().ok()?.get(&uid) {
        if seen_at == at {
            return Some(n);
        }
    }
    match alerts_of(state, ctx, &search, false).await {
        Ok(list) => {
            let n = list.iter().map(|a| a.1).sum();
            if let Ok(mut m) = state.alert_counts.lock() {
                m.insert(uid, (at, n));
            }
            Some(n)
        }
        Err(e) => {
            tracing::error!(error = %e, "alert count failed");
            None
        }
    }
}

/// `GET /alerts`: each saved search with its new matches since last seen, and "Mark as
/// seen".
pub async fn alerts_page(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    let list = match alerts_of(&state, &ctx, &search, true).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let labels = match Labels::load(&state, &ctx).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let mut items = Vec::new();
    for (s, new, hits) in &list {
        let names = hit_names(&state, &ctx, hits).await;
        let hits: Vec<_> = hits
            .iter()
            .map(|h| {
                context! {
                    url => hit_url(h),
                    title => hit_title(&ctx, &labels, h, &names),
                    type_label => value_label(&ctx, &labels, "record_type", &h.record_type),
                    date_from => h.date_from.clone(),
                }
            })
            .collect();
        items.push(context! {
            id => s.id,
            name => s.name.clone(),
            new => new,
            more => (*new as usize) > hits.len(),
            seen_at => s.seen_at.as_deref().and_then(|t| t.get(..10)).map(String::from),
            hits => hits,
        });
    }
    let total: u64 = list.iter().map(|a| a.1).sum();
    page(
        &state,
        &ctx,
        "search_alerts.html",
        context! { items => items, total => total },
    )
}

/// `POST /alerts/{id}/seen`: mark a saved search's matches as seen (audited as
/// `saved_search.seen`, holding the sequence, never the query).
pub async fn alert_seen(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<TokenForm>,
) -> Response {
    let uid = ctx.user.id;
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    match saved::saved_search(&state.store, uid, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::internal(e).into_response(),
    }
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            saved::mark_seen(tx, uid, id, search.applied()).await
        })
        .await;
    match r {
        Ok(()) => Redirect::to("/alerts?flash=alerts_seen").into_response(),
        Err(e) => WebError::internal(e).into_response(),
    }
}

/// The API's answer when this server runs without search.
fn api_unavailable() -> Response {
    WebError::refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "search is not available on this server",
        None,
    )
    .into_response()
}

/// New matches of the caller's saved searches since they last marked each seen, counted
/// and listed with the caller's permissions at the time of the request. Reading them
/// writes nothing.
#[utoipa::path(get, path = "/api/v1/alerts",
    responses((status = 200, body = AlertsAnswer), (status = 401, body = crate::api::ApiError), (status = 503, body = crate::api::ApiError)),
    security(("bearer" = [])), tag = "search")]
pub async fn api_alerts(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let Some(search) = state.search.clone() else {
        return api_unavailable();
    };
    match alerts_of(&state, &ctx, &search, true).await {
        Ok(list) => {
            let total = list.iter().map(|a| a.1).sum();
            let items = list
                .into_iter()
                .map(|(s, new, hits)| Alert {
                    url: format!("/search/saved/{}?new=1", s.id),
                    id: s.id,
                    name: s.name,
                    new,
                    seen_at: s.seen_at,
                    hits,
                })
                .collect();
            Json(AlertsAnswer { total, items }).into_response()
        }
        Err(e) => WebError::internal(format!("alerts failed: {e}")).into_response(),
    }
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

/// Save the current search.
pub async fn save(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<SaveForm>,
) -> Response {
    let uid = ctx.user.id;
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    // Keep only what the search page understands.
    let query = Params::parse(&f.query, search.facet_names()).to_query();
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let id = saved::save_search(&mut tx, uid, &f.name, &query, search.applied()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("/search?{query}&flash=search_saved")).into_response(),
        Err(StoreError::Rejected(_)) => {
            Redirect::to(&format!("/search?{query}&error=search_name")).into_response()
        }
        Err(e) => WebError::internal(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct OpenParams {
    /// Show only what is new since the last visit.
    #[serde(default)]
    new: Option<String>,
}

/// Open a saved search: its results (or only the new ones), and mark them seen.
pub async fn open_saved(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    axum::extract::Query(p): axum::extract::Query<OpenParams>,
) -> Response {
    let uid = ctx.user.id;
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    let s = match saved::saved_search(&state.store, uid, id).await {
        Ok(Some(s)) => s,
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::internal(e).into_response(),
    };
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        saved::mark_seen(&mut tx, uid, id, search.applied()).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = r {
        return WebError::internal(e).into_response();
    }
    let mut to = format!("/search?{}", s.query);
    if p.new.is_some() {
        to.push_str(&format!("&changed_after={}", s.seen_seq));
    }
    Redirect::to(&to).into_response()
}

#[derive(Deserialize)]
pub struct TokenForm {}

pub async fn delete_saved(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<TokenForm>,
) -> Response {
    let uid = ctx.user.id;
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let done = saved::delete_saved(&mut tx, uid, id).await?;
        if done {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Redirect::to("/search?flash=search_deleted").into_response(),
        Err(e) => WebError::internal(e).into_response(),
    }
}

// ----------------------------------------------------------------------------- API --

/// Parameters of `GET /api/v1/search`. Facet filters are repeatable and combine as "any of
/// these values" within a facet and "all of these facets" across facets.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// Words to find (titles and texts in every language, stemmed; names across spellings and scripts). Every word must match.
    q: Option<String>,
    /// Record type (`country`, `instrument`, `recommendation`, `event`, `act`, `person`, `defender`, `missing`); alias of `record_type`.
    r#type: Option<Vec<String>>,
    /// ISO 3166-1 alpha-3 country code.
    country: Option<Vec<String>>,
    /// Region: the UN M49 region of a country; the administrative area or region of an event, act, defender or missing person.
    region: Option<Vec<String>>,
    /// A year the record's date can stand for.
    year: Option<Vec<String>>,
    /// Records whose date overlaps the years from…
    year_from: Option<i32>,
    /// …to (inclusive).
    year_to: Option<i32>,
    /// Type of act (facet `act_type`); likewise `perpetrator_type`, `victim_sex`, `victim_age_group`, `mechanism`, `theme`, `sdg`, `status`, `lens`, `confidentiality`, `body`, `recommending_state`, `position`, `affected_group`, `person_type`, `area_of_work`, `sdg_status`, `period`.
    act_type: Option<Vec<String>>,
    /// Only records changed after this audit sequence number.
    changed_after: Option<i64>,
    /// Page (20 hits a page), from 1.
    page: Option<usize>,
    /// Language of titles and snippets: en, fr, es, ar, ru (default: the request's).
    lang: Option<String>,
}

/// The answer of `GET /api/v1/search`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchAnswer {
    /// Records matching (that the caller may read).
    pub total: u64,
    pub page: usize,
    pub page_size: usize,
    pub hits: Vec<Hit>,
    /// Facet name → values with counts, counted over the records the caller may read.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
    /// The audit sequence the index has applied (pass as `changed_after` later for what is new).
    pub applied_seq: i64,
}

/// Search every record type the caller may read, with facet counts.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams),
    responses((status = 200, body = SearchAnswer), (status = 401, body = crate::api::ApiError), (status = 503, body = crate::api::ApiError)),
    security((), ("bearer" = [])), tag = "search")]
pub async fn api_search(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    if ctx.bad_token {
        return WebError::BadToken.into_response();
    }
    let Some(search) = state.search.clone() else {
        return api_unavailable();
    };
    let query = query.unwrap_or_default();
    let params = Params::parse(&query, search.facet_names());
    let lang = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| i18n::Lang::parse(&v))
        .unwrap_or(ctx.lang);
    let req = reader_request(&state, &ctx, &params, lang.code()).await;
    match search.search(&ctx.actor, &req) {
        Ok(r) => Json(SearchAnswer {
            total: r.total,
            page: params.page,
            page_size: PAGE_SIZE,
            hits: r.hits,
            facets: r.facets.into_iter().collect(),
            applied_seq: search.applied(),
        })
        .into_response(),
        Err(e) => WebError::internal(format!("search failed: {e}")).into_response(),
    }
}

/// Open the search index of an installation, follow the database, and attach it to the
/// application state (used by `dignity serve`).
pub async fn attach(
    state: AppState,
    registry: dignity_store::search::Registry,
) -> Result<AppState, dignity_search::Error> {
    let search = Search::open(&state.store, registry, Default::default()).await?;
    search.follow();
    Ok(state.with_search(search))
}
