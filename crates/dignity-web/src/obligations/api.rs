//! The obligations area's JSON API (under `/api/v1`) and its OpenAPI description.

use super::*;

// --------------------------------------------------------------------- API --

use crate::api::ApiError;

/// The State of the path's `{iso3}`, upper-cased, which exists: the endpoints about one
/// State take it after the caller's extractor, and a State that does not exist is answered
/// 404 (naming `iso3`) before the body is read.
pub struct Country(pub String);

impl axum::extract::FromRequestParts<AppState> for Country {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let iso3 = params
            .iter()
            .find(|(k, _)| *k == "iso3")
            .map_or("", |(_, v)| v);
        api_country(state, iso3).await.map(Country)
    }
}

/// The shape of the API's writes (the caller passed [`MayWrite`]): `write` runs in
/// one audited transaction, and `ok` turns its result into the answer.
async fn api_write<T>(
    state: &AppState,
    ctx: &Ctx,
    write: impl AsyncFnOnce(&mut dignity_store::WriteTx) -> Result<T, StoreError>,
    ok: impl FnOnce(T) -> Response,
) -> Response {
    answer(state.store.write(&ctx.actor, write).await, ok)
}

/// `ok` of a result, or the error's answer.
fn answer<T>(r: Result<T, StoreError>, ok: impl FnOnce(T) -> Response) -> Response {
    match r {
        Ok(v) => ok(v),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// A value as JSON.
fn json<T: serde::Serialize>(v: T) -> Response {
    Json(v).into_response()
}

/// A list as the API answers lists, `{"total": N, "items": [...]}` (the list type `L`).
fn list<T, L: From<Vec<T>> + serde::Serialize>(items: Vec<T>) -> Response {
    Json(L::from(items)).into_response()
}

/// `From<Vec<item>>` for a list type of the API (`total` and `items`).
macro_rules! list_of {
    ($list:ident, $item:ty) => {
        impl From<Vec<$item>> for $list {
            fn from(items: Vec<$item>) -> Self {
                $list {
                    total: items.len(),
                    items,
                }
            }
        }
    };
}

pub(super) fn created(id: i64) -> Response {
    (StatusCode::CREATED, Json(Created { id })).into_response()
}

/// The answer of a write that has nothing to say.
fn no_content(_: ()) -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn api_country(state: &AppState, iso3: &str) -> Result<String, Response> {
    let iso3 = iso3.to_ascii_uppercase();
    match ob::country_exists(&state.store, &iso3).await {
        Ok(true) => Ok(iso3),
        Ok(false) => Err(WebError::refused(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no country {iso3}"),
            Some("iso3".into()),
        )
        .into_response()),
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RatificationList {
    pub total: usize,
    pub items: Vec<ob::Ratification>,
    pub procedures: Vec<ob::ProcedureStatus>,
}

/// A State's ratifications of the UN and Council of Europe instruments, with the
/// complaint and inquiry procedures it accepted.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/ratifications", params(("iso3" = String, Path, description = "ISO 3166-1 alpha-3")),
    responses((status = 200, body = RatificationList), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_ratifications(
    State(state): State<AppState>,
    _ctx: Caller,
    Country(iso3): Country,
) -> Response {
    answer(ob::ratifications(&state.store, &iso3).await, |items| {
        json(RatificationList {
            total: items.len(),
            procedures: ob::procedures(&items),
            items,
        })
    })
}

/// Set a State's ratification of an instrument (documenters and above; audited).
#[utoipa::path(put, path = "/api/v1/countries/{iso3}/ratifications/{instrument}",
    params(("iso3" = String, Path), ("instrument" = String, Path, description = "instrument code or alias")),
    request_body = RatificationInput,
    responses((status = 200, body = ob::Ratification), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_set_ratification(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
    Json(input): Json<RatificationInput>,
) -> Response {
    api_write(
        &state,
        &ctx,
        async |tx| ob::set_ratification(tx, &iso3, &instrument, &input, "user").await,
        json,
    )
    .await
}

/// States × instruments with counts of parties and signatories.
#[utoipa::path(get, path = "/api/v1/ratifications/matrix", params(MatrixFilter),
    responses((status = 200, body = ob::Matrix)), tag = "obligations")]
pub async fn api_matrix(
    State(state): State<AppState>,
    ctx: Caller,
    Query(f): Query<MatrixFilter>,
) -> Response {
    answer(ob::matrix(&state.store, ctx.lang.code(), &f).await, json)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReportList {
    pub total: usize,
    pub items: Vec<reports::Report>,
}
list_of!(ReportList, reports::Report);

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// Only what is outstanding (the next report per treaty) and due within this many days.
    pub due_within: Option<i64>,
    /// Only what is outstanding: the next report per treaty, as the country pages and
    /// the country report show it.
    pub outstanding: Option<bool>,
}

/// A State's reports to the treaty bodies: computed due dates, recorded submissions,
/// days overdue.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/reports", params(("iso3" = String, Path), ReportParams),
    responses((status = 200, body = ReportList), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_reports(
    State(state): State<AppState>,
    _ctx: Caller,
    Country(iso3): Country,
    Query(q): Query<ReportParams>,
) -> Response {
    let r = match q.due_within {
        Some(d) => reports::deadlines(&state.store, &iso3, d.clamp(0, 3650)).await,
        None if q.outstanding == Some(true) => reports::reports(&state.store, &iso3, ob::today())
            .await
            .map(|all| reports::outstanding(&all)),
        None => reports::reports(&state.store, &iso3, ob::today()).await,
    };
    answer(r, list::<_, ReportList>)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VisitList {
    pub total: usize,
    pub standing_invitation: Option<String>,
    /// Where the office read the standing invitation (empty: not recorded).
    pub standing_invitation_source: Option<String>,
    pub items: Vec<reports::Visit>,
}

/// Country visits of the special procedures and the standing invitation.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/visits", params(("iso3" = String, Path)),
    responses((status = 200, body = VisitList)), tag = "obligations")]
pub async fn api_visits(
    State(state): State<AppState>,
    _ctx: Caller,
    Country(iso3): Country,
) -> Response {
    let r = async {
        Ok::<_, StoreError>((
            reports::visits(&state.store, &iso3).await?,
            reports::standing_invitation_record(&state.store, &iso3).await?,
        ))
    };
    answer(r.await, |(items, invitation)| {
        json(VisitList {
            total: items.len(),
            standing_invitation: invitation.as_ref().map(|i| i.since.clone()),
            standing_invitation_source: invitation.map(|i| i.source),
            items,
        })
    })
}

/// Search recommendations and observations: full text (`q`) and facets; answers the
/// page of `items`, the `total`, and the facet counts over the filtered set.
#[utoipa::path(get, path = "/api/v1/recommendations", params(RecFilter),
    responses((status = 200, body = recs::RecPage), (status = 401, body = ApiError)), tag = "obligations")]
pub async fn api_recommendations(
    State(state): State<AppState>,
    ctx: Caller,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let f = match rec_filter(raw.as_deref()) {
        Ok((f, _)) => f,
        Err(e) => {
            return WebError::refused(StatusCode::BAD_REQUEST, "bad_request", e, None)
                .into_response()
        }
    };
    answer(recs::search(&state.store, &ctx.actor, &f, true).await, json)
}

/// One recommendation.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = recs::Recommendation), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_recommendation(
    State(state): State<AppState>,
    ctx: Caller,
    Path(id): Path<i64>,
) -> Response {
    match recs::get(&state.store, &ctx.actor, id).await {
        Ok(Some(r)) => Json(r).into_response(),
        Ok(None) => WebError::NotFound(format!("no recommendation {id}")).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Add a recommendation by hand (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/recommendations", request_body = recs::NewRecommendation,
    responses((status = 201, body = Created), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_create_recommendation(
    State(state): State<AppState>,
    ctx: MayWrite,
    Json(input): Json<recs::NewRecommendation>,
) -> Response {
    let input = match input.into_input() {
        Ok(i) => i,
        Err(e) => return WebError::from(e).into_response(),
    };
    api_write(
        &state,
        &ctx,
        async |tx| recs::create(tx, input).await,
        created,
    )
    .await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HistoryList {
    pub total: usize,
    pub items: Vec<tracking::Assessment>,
}
list_of!(HistoryList, tracking::Assessment);

/// The implementation status history of a recommendation that the caller may see.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}/assessments", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryList)), tag = "obligations")]
pub async fn api_history(
    State(state): State<AppState>,
    ctx: Caller,
    Path(id): Path<i64>,
) -> Response {
    answer(
        tracking::history(&state.store, &ctx.actor, id).await,
        list::<_, HistoryList>,
    )
}

/// Record an assessment of the implementation (staff who may create records of the
/// assessment's confidentiality; audited).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/assessments", params(("id" = i64, Path)),
    request_body = tracking::Assessment,
    responses((status = 201, body = Created), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_assess(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    Json(a): Json<tracking::Assessment>,
) -> Response {
    api_write(
        &state,
        &ctx,
        async |tx| tracking::assess(tx, tracking::Target::Recommendation(id), &a).await,
        created,
    )
    .await
}

// ------------------------------------------------------ more write endpoints --

/// Record or correct a report to a treaty body (documenters and above; audited).
#[utoipa::path(put, path = "/api/v1/countries/{iso3}/reports/{instrument}",
    params(("iso3" = String, Path), ("instrument" = String, Path)), request_body = reports::ReportInput,
    responses((status = 204), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_set_report(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
    Json(input): Json<reports::ReportInput>,
) -> Response {
    let iso3 = match api_country(&state, &iso3).await {
        Ok(iso3) => iso3,
        Err(r) => return r,
    };
    let set = async |tx: &mut WriteTx| reports::set_report(tx, &iso3, &instrument, &input).await;
    api_write(&state, &ctx, set, no_content).await
}

/// Record a country visit of a special procedure (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/countries/{iso3}/visits", params(("iso3" = String, Path)),
    request_body = reports::Visit,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_add_visit(
    State(state): State<AppState>,
    ctx: MayWrite,
    Country(iso3): Country,
    Json(v): Json<reports::Visit>,
) -> Response {
    let add = async |tx: &mut WriteTx| reports::add_visit(tx, &iso3, &v).await;
    api_write(&state, &ctx, add, created).await
}

/// The standing invitation of a State to the special procedures.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandingInvitation {
    /// Since when the invitation stands (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); `null` withdraws it.
    pub since: Option<String>,
    /// Where the office read it (OHCHR's list of standing invitations, a note verbale).
    #[serde(default)]
    pub source: Option<String>,
}

/// Record or withdraw a State's standing invitation to the special procedures
/// (documenters and above; audited). A `since` that is not a date is refused with 422.
#[utoipa::path(put, path = "/api/v1/countries/{iso3}/standing-invitation", params(("iso3" = String, Path)),
    request_body = StandingInvitation,
    responses((status = 204), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_set_standing_invitation(
    State(state): State<AppState>,
    ctx: MayWrite,
    Country(iso3): Country,
    Json(v): Json<StandingInvitation>,
) -> Response {
    let since = v.since.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let source = v.source.as_deref().unwrap_or("");
    let set = async |tx: &mut WriteTx| {
        reports::set_standing_invitation_from(tx, &iso3, since, source).await
    };
    api_write(&state, &ctx, set, no_content).await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CommunicationList {
    pub total: usize,
    pub items: Vec<reports::Communication>,
}
list_of!(CommunicationList, reports::Communication);

/// Communications of the special procedures to a State, newest first, each with the
/// 60-day reply clocks of the linked interventions the caller may see.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/communications", params(("iso3" = String, Path)),
    responses((status = 200, body = CommunicationList), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_communications(
    State(state): State<AppState>,
    ctx: Caller,
    Country(iso3): Country,
) -> Response {
    let r = reports::communications(&state.store, &ctx.actor, &iso3).await;
    answer(r, list::<_, CommunicationList>)
}

/// Record a communication of a special procedure to a State, optionally linked to the
/// intervention whose reply clock it follows (`intervention_id`; the caller must be
/// allowed to edit it). Documenters and above; audited.
#[utoipa::path(post, path = "/api/v1/countries/{iso3}/communications", params(("iso3" = String, Path)),
    request_body = reports::Communication,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_add_communication(
    State(state): State<AppState>,
    ctx: MayWrite,
    Country(iso3): Country,
    Json(c): Json<reports::Communication>,
) -> Response {
    let add = async |tx: &mut WriteTx| reports::add_communication(tx, &iso3, &c).await;
    api_write(&state, &ctx, add, created).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MandateInput {
    pub code: String,
    pub name: String,
    /// `thematic` or `country`.
    pub kind: String,
    #[serde(default)]
    pub iso3: Option<String>,
    #[serde(default)]
    pub established: String,
    /// The establishing resolution (`HRC res. 5/1`, `CHR res. 1985/33`); empty keeps the one
    /// recorded. Another form is refused with 422 naming `resolution`.
    #[serde(default)]
    pub resolution: String,
    /// Mandate holders to add: name, start and end dates.
    #[serde(default)]
    pub holders: Vec<reports::MandateHolder>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MandateList {
    pub total: usize,
    pub items: Vec<reports::Mandate>,
}
list_of!(MandateList, reports::Mandate);

/// Special procedure mandates with their holders over time: the office's own first, then
/// the shipped ones (with their establishing resolution, source and as-of date).
#[utoipa::path(get, path = "/api/v1/mandates", responses((status = 200, body = MandateList)), tag = "obligations")]
pub async fn api_mandates(State(state): State<AppState>, _ctx: Caller) -> Response {
    answer(
        reports::mandates(&state.store).await,
        list::<_, MandateList>,
    )
}

/// Create or update a mandate, adding holders (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/mandates", request_body = MandateInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_upsert_mandate(
    State(state): State<AppState>,
    ctx: MayWrite,
    Json(m): Json<MandateInput>,
) -> Response {
    api_write(
        &state,
        &ctx,
        async |tx| {
            let id = reports::upsert_mandate(
                tx,
                &m.code,
                &m.name,
                &m.kind,
                m.iso3.as_deref(),
                &m.established,
            )
            .await?;
            if !m.resolution.trim().is_empty() {
                reports::set_mandate_resolution(tx, id, &m.resolution).await?;
            }
            for h in &m.holders {
                reports::add_holder(tx, id, &h.name, &h.start_date, &h.end_date).await?;
            }
            Ok(id)
        },
        created,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClusterInput {
    pub name: String,
    /// `theme`, `affected`, `sdg` (every recommendation of the State with that value
    /// joins) or `manual`.
    pub basis: String,
    #[serde(default)]
    pub basis_value: String,
    /// Recommendations to add by hand.
    #[serde(default)]
    pub recommendations: Vec<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClusterList {
    pub total: usize,
    pub items: Vec<tracking::Cluster>,
}
list_of!(ClusterList, tracking::Cluster);

/// Clusters of a State's recommendations.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/clusters", params(("iso3" = String, Path)),
    responses((status = 200, body = ClusterList)), tag = "obligations")]
pub async fn api_clusters(
    State(state): State<AppState>,
    _ctx: Caller,
    Country(iso3): Country,
) -> Response {
    let r = tracking::clusters(&state.store, &iso3).await;
    answer(r, list::<_, ClusterList>)
}

/// Cluster a State's recommendations by theme, affected group, SDG target or by hand
/// (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/countries/{iso3}/clusters", params(("iso3" = String, Path)),
    request_body = ClusterInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_create_cluster(
    State(state): State<AppState>,
    ctx: MayWrite,
    Country(iso3): Country,
    Json(c): Json<ClusterInput>,
) -> Response {
    let create = async |tx: &mut WriteTx| {
        let id = tracking::create_cluster(tx, &iso3, &c.name, &c.basis, &c.basis_value).await?;
        for rec in &c.recommendations {
            tracking::add_to_cluster(tx, id, *rec).await?;
        }
        Ok::<_, StoreError>(id)
    };
    api_write(&state, &ctx, create, created).await
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/countries/{iso3}/ratifications", get(api_ratifications))
        .route(
            "/countries/{iso3}/ratifications/{instrument}",
            axum::routing::put(api_set_ratification),
        )
        .route("/countries/{iso3}/reports", get(api_reports))
        .route(
            "/countries/{iso3}/reports/{instrument}",
            axum::routing::put(api_set_report),
        )
        .route(
            "/countries/{iso3}/visits",
            get(api_visits).post(api_add_visit),
        )
        .route(
            "/countries/{iso3}/standing-invitation",
            axum::routing::put(api_set_standing_invitation),
        )
        .route(
            "/countries/{iso3}/clusters",
            get(api_clusters).post(api_create_cluster),
        )
        .route(
            "/countries/{iso3}/communications",
            get(api_communications).post(api_add_communication),
        )
        .route("/mandates", get(api_mandates).post(api_upsert_mandate))
        .route("/ratifications/matrix", get(api_matrix))
        .route(
            "/recommendations",
            get(api_recommendations).post(api_create_recommendation),
        )
        .route("/recommendations/{id}", get(api_recommendation))
        .route(
            "/recommendations/{id}/assessments",
            get(api_history).post(api_assess),
        )
}

/// The OpenAPI description of [`api_router`].
#[derive(OpenApi)]
#[openapi(
    paths(
        api_ratifications,
        api_set_ratification,
        api_matrix,
        api_reports,
        api_visits,
        api_recommendations,
        api_recommendation,
        api_create_recommendation,
        api_history,
        api_assess,
        api_set_report,
        api_add_visit,
        api_set_standing_invitation,
        api_mandates,
        api_upsert_mandate,
        api_clusters,
        api_create_cluster,
        api_communications,
        api_add_communication
    ),
    components(schemas(
        StandingInvitation,
        RatificationList,
        ob::Ratification,
        RatificationInput,
        ob::ProcedureStatus,
        ob::Matrix,
        ob::MatrixRow,
        ob::MatrixCell,
        ob::MatrixInstrument,
        ReportList,
        reports::Report,
        VisitList,
        reports::Visit,
        CommunicationList,
        reports::Communication,
        reports::ReplyClockView,
        recs::RecPage,
        recs::Recommendation,
        recs::Facets,
        recs::FacetValue,
        recs::NewRecommendation,
        Created,
        HistoryList,
        tracking::Assessment
    ))
)]
pub struct ApiDoc;
