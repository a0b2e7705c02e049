//! `GET /api/v1/search`.

use super::alerts::api_unavailable;
use super::*;

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
