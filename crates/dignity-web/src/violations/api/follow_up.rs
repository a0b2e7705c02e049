//! `/api/v1/violations`: interventions, their responses and deadlines.

use super::*;

/// Interventions the caller may see.
#[utoipa::path(get, path = "/api/v1/violations/interventions", params(Paging),
    responses((status = 200, body = Page<Intervention>)), security(("token" = [])))]
pub async fn list_interventions(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(page): Query<Paging>,
) -> Response {
    let (total, items) = try_r!(
        page.list(async |limit, offset| {
            interventions::list_interventions(&state.store, &ctx.actor, limit, offset).await
        })
        .await
    );
    J(Page::of(total, items)).into_response()
}

/// Record an intervention. A communication to a special procedure (or an urgent appeal)
/// starts a 60-day reply clock.
#[utoipa::path(post, path = "/api/v1/violations/interventions", request_body = InterventionInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn create_intervention(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(i): J<InterventionInput>,
) -> Response {
    for (t, ids) in [
        (v::EVENT, &i.events),
        (v::ACT, &i.acts),
        (v::PERSON, &i.persons),
    ] {
        for id in ids {
            try_r!(v::require(&state.store, &ctx.actor, Action::Read, t, *id).await);
        }
    }
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((
            interventions::create_intervention(&mut tx, &vocab, &i).await?,
            tx,
        ))
    })
    .await
}

/// One intervention.
#[utoipa::path(get, path = "/api/v1/violations/interventions/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Intervention), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_intervention(
    State(state): State<AppState>,
    _ctx: CanRead<rec::Intervention>,
    Path(id): Path<i64>,
) -> Response {
    match try_r!(interventions::get_intervention(&state.store, id).await) {
        Some(i) => J(i).into_response(),
        None => WebError::from(StoreError::NotFound(format!("intervention {id}"))).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ResponseInput {
    /// Micro-thesaurus 27.
    pub response_type: Option<String>,
    /// YYYY-MM-DD.
    pub response_date: String,
    #[serde(default)]
    pub response_text: String,
    /// Micro-thesaurus 45.
    pub status: Option<String>,
    /// Micro-thesaurus 44.
    pub impact: Option<String>,
}

/// Record the response to an intervention (stops its reply clock).
#[utoipa::path(post, path = "/api/v1/violations/interventions/{id}/response", params(("id" = i64, Path)), request_body = ResponseInput,
    responses((status = 204), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn record_response(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Intervention>,
    Path(id): Path<i64>,
    J(r): J<ResponseInput>,
) -> Response {
    try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            interventions::record_response(
                &mut tx,
                &vocab,
                id,
                r.response_type,
                &r.response_date,
                &r.response_text,
                r.status,
                r.impact,
            )
            .await?;
            Ok(((), tx))
        })
        .await
    );
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize, IntoParams)]
pub struct DeadlineParams {
    /// mine (default), team or all.
    pub scope: Option<String>,
    /// Days ahead (default 14); overdue deadlines are always included.
    pub days: Option<i64>,
}

/// Due and overdue deadlines (reply clocks and follow-ups) of open interventions.
#[utoipa::path(get, path = "/api/v1/violations/deadlines", params(DeadlineParams),
    responses((status = 200, body = Page<Deadline>)), security(("token" = [])))]
pub async fn deadlines(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<DeadlineParams>,
) -> Response {
    let today = chrono::Utc::now().date_naive();
    let items = try_r!(
        interventions::deadlines(
            &state.store,
            &ctx.actor,
            q.scope.as_deref().unwrap_or("mine"),
            today,
            q.days.unwrap_or(14).clamp(0, 3650)
        )
        .await
    );
    J(Page::of(items.len() as i64, items)).into_response()
}
