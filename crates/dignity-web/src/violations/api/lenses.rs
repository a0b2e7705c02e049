//! `/api/v1/violations`: lenses and the death-penalty watch.

use super::*;

/// Counters of the thematic lenses (death penalty, torture, defenders, disappearance).
#[utoipa::path(get, path = "/api/v1/violations/lenses", responses((status = 200, body = [LensCount])), security(("token" = [])))]
pub async fn lenses(State(state): State<AppState>, ctx: SignedIn) -> Response {
    J(try_r!(v::lens_counts(&state.store, &ctx.actor).await)).into_response()
}

#[derive(Serialize, ToSchema)]
pub struct DeathPenaltyOut {
    pub cases: Vec<DeathPenaltyCase>,
    /// Cases per status.
    pub statuses: Vec<(String, i64)>,
}

/// Death penalty cases and their counts per status.
#[utoipa::path(get, path = "/api/v1/violations/death-penalty", responses((status = 200, body = DeathPenaltyOut)), security(("token" = [])))]
pub async fn death_penalty(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let (cases, statuses) = try_r!(v::death_penalty_cases(&state.store, &ctx.actor).await);
    J(DeathPenaltyOut { cases, statuses }).into_response()
}

/// Record or update a death penalty case.
#[utoipa::path(post, path = "/api/v1/violations/death-penalty", request_body = DeathPenaltyInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn set_death_penalty(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(d): J<DeathPenaltyInput>,
) -> Response {
    try_r!(require_event_update(&state, &ctx, d.event_id).await);
    write_created(&state, &ctx, |mut tx, _| async move {
        Ok((v::set_death_penalty(&mut tx, &d).await?, tx))
    })
    .await
}
