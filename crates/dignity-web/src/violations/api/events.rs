//! `/api/v1/violations`: events: list, create, read, links, and whole cases exported and imported.

use super::*;

/// Events the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/violations/events", params(EventFilter, Paging),
    responses((status = 200, body = Page<EventRow>), (status = 401, body = ApiError)), security(("token" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(f): Query<EventFilter>,
    Query(page): Query<Paging>,
) -> Response {
    let (total, items) = try_r!(
        page.list(async |limit, offset| {
            v::list_events(&state.store, &ctx.actor, &f, limit, offset).await
        })
        .await
    );
    J(Page::of(total, items)).into_response()
}

/// Create an event.
#[utoipa::path(post, path = "/api/v1/violations/events", request_body = EventInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn create_event(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(e): J<EventInput>,
) -> Response {
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((v::create_event(&mut tx, &vocab, &e).await?, tx))
    })
    .await
}

/// One event.
#[utoipa::path(get, path = "/api/v1/violations/events/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Event, headers(("ETag" = String, description = "the version to send back with PUT/PATCH"))), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_event(
    State(state): State<AppState>,
    _ctx: CanRead<rec::Event>,
    Path(id): Path<i64>,
) -> Response {
    let res = match try_r!(v::get_event(&state.store, id).await) {
        Some(e) => J(e).into_response(),
        None => WebError::from(StoreError::NotFound(format!("event {id}"))).into_response(),
    };
    api_edit::with_etag(&state, v::EVENT, id, res).await
}

/// The acts of an event the caller may see.
#[utoipa::path(get, path = "/api/v1/violations/events/{id}/acts", params(("id" = i64, Path)),
    responses((status = 200, body = Page<Act>), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn event_acts(
    State(state): State<AppState>,
    ctx: CanRead<rec::Event>,
    Path(id): Path<i64>,
) -> Response {
    let items = try_r!(v::acts_of_event(&state.store, &ctx.actor, id).await);
    J(Page::of(items.len() as i64, items)).into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct LinkInput {
    pub to: i64,
    /// Micro-thesaurus 22 (events) or 21 (persons).
    pub link_type: String,
}

/// Chain this event to another (micro-thesaurus 22).
#[utoipa::path(post, path = "/api/v1/violations/events/{id}/links", params(("id" = i64, Path)), request_body = LinkInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn link_events(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Event>,
    Path(id): Path<i64>,
    J(l): J<LinkInput>,
) -> Response {
    try_r!(v::require(&state.store, &ctx.actor, Action::Read, v::EVENT, l.to).await);
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((
            v::link_events(&mut tx, &vocab, id, l.to, &l.link_type).await?,
            tx,
        ))
    })
    .await
}

/// The whole case as one JSON document (lossless round trip through `POST /api/v1/violations/cases`).
#[utoipa::path(get, path = "/api/v1/violations/events/{id}/case", params(("id" = i64, Path)),
    responses((status = 200, body = Case), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn export_case(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    J(try_r!(
        v::case::export_case(&state.store, &ctx.actor, id).await
    ))
    .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct CaseImported {
    pub event_id: i64,
    /// SHA-256 of evidence files not in this installation (import their package first).
    pub missing_files: Vec<String>,
}

/// Import a case document: all of it is validated, then written in one transaction.
#[utoipa::path(post, path = "/api/v1/violations/cases", request_body = Case,
    responses((status = 201, body = CaseImported), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn import_case(
    State(state): State<AppState>,
    ctx: MayWrite,
    body: Result<J<Case>, axum::extract::rejection::JsonRejection>,
) -> Response {
    // A field that does not parse (an evidence `sha256` that is not 64 hex digits) is a
    // 422 that names it.
    let c = match body {
        Ok(J(c)) => c,
        Err(r) => return crate::api::json_rejection(ctx.lang, r),
    };
    let (event_id, missing_files) =
        try_r!(v::case::import_case(&state.store, &ctx.actor, &c).await);
    (
        StatusCode::CREATED,
        J(CaseImported {
            event_id,
            missing_files,
        }),
    )
        .into_response()
}
