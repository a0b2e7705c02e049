//! `/api/v1/violations`: acts, their perpetrators and information.

use super::*;

#[derive(Deserialize, IntoParams)]
pub struct ActListParams {
    /// Type of act (micro-thesaurus 4); narrower types are included.
    pub act_type: Option<String>,
    pub country: Option<String>,
    /// Keyset pagination: acts with a smaller id than this (the `next_before` of the
    /// previous page). Faster than `offset` deep into a large list.
    pub before: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Acts the caller may see (act and event both visible), newest first.
#[utoipa::path(get, path = "/api/v1/violations/acts", params(ActListParams),
    responses((status = 200, body = Page<ActRow>), (status = 401, body = ApiError)), security(("token" = [])))]
pub async fn list_acts(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<ActListParams>,
) -> Response {
    let limit = q.limit.unwrap_or(50).clamp(1, 1000);
    let (total, items) = try_r!(
        v::list_acts(
            &state.store,
            &ctx.actor,
            &v::ActFilter {
                act_type: q.act_type,
                country: q.country,
                victim_id: None,
                before: q.before,
            },
            limit,
            q.offset.unwrap_or(0)
        )
        .await
    );
    let mut page = Page::of(total, items);
    if page.items.len() as i64 == limit {
        page.next_before = page.items.last().map(|a| a.id);
    }
    J(page).into_response()
}

/// Create an act (with its perpetrators). It needs an event and a victim.
#[utoipa::path(post, path = "/api/v1/violations/acts", request_body = ActInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn create_act(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(a): J<ActInput>,
) -> Response {
    if a.event_id > 0 {
        try_r!(require_event_update(&state, &ctx, a.event_id).await);
    }
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((v::create_act(&mut tx, &vocab, &a).await?, tx))
    })
    .await
}

#[derive(Serialize, ToSchema)]
pub struct ActOut {
    #[serde(flatten)]
    pub act: Act,
    pub perpetrators: Vec<v::Involvement>,
}

/// One act with its perpetrators and its count of independent sources.
#[utoipa::path(get, path = "/api/v1/violations/acts/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ActOut, headers(("ETag" = String, description = "the version to send back with PUT/PATCH"))), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_act(
    State(state): State<AppState>,
    ctx: CanRead<rec::Act>,
    Path(id): Path<i64>,
) -> Response {
    let act = try_r!(try_r!(v::get_act(&state.store, id).await)
        .ok_or_else(|| StoreError::NotFound(format!("act {id}"))));
    let perpetrators = try_r!(v::involvements(&state.store, &ctx.actor, id).await);
    api_edit::with_etag(
        &state,
        v::ACT,
        id,
        J(ActOut { act, perpetrators }).into_response(),
    )
    .await
}

/// Add a perpetrator to an act.
#[utoipa::path(post, path = "/api/v1/violations/acts/{id}/perpetrators", params(("id" = i64, Path)), request_body = InvolvementInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn add_perpetrator(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Act>,
    Path(id): Path<i64>,
    J(i): J<InvolvementInput>,
) -> Response {
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((v::add_involvement(&mut tx, &vocab, id, &i).await?, tx))
    })
    .await
}

/// Record information from a source about an event, an act or a person.
#[utoipa::path(post, path = "/api/v1/violations/information", request_body = InformationInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn add_information(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(i): J<InformationInput>,
) -> Response {
    for (t, id) in [
        (v::EVENT, i.event_id),
        (v::ACT, i.act_id),
        (v::PERSON, i.person_id),
    ] {
        if let Some(id) = id {
            try_r!(v::require(&state.store, &ctx.actor, Action::Read, t, id).await);
        }
    }
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((v::add_information(&mut tx, &vocab, &i).await?, tx))
    })
    .await
}
