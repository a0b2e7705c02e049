//! `/api/v1/violations`: persons: list, create, read, possible duplicates and links.

use super::*;

#[derive(Deserialize, IntoParams)]
pub struct PersonListParams {
    /// Exact name or other name (any case, spacing, word order): blind-index look-up.
    pub name: Option<String>,
    /// victim, perpetrator, source or intervening_party.
    pub role: Option<String>,
}

/// Persons the caller may see; names are pseudonyms for readers who may not see names.
#[utoipa::path(get, path = "/api/v1/violations/persons", params(PersonListParams, Paging),
    responses((status = 200, body = Page<PersonRow>), (status = 401, body = ApiError)), security(("token" = [])))]
pub async fn list_persons(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<PersonListParams>,
    Query(page): Query<Paging>,
) -> Response {
    let (total, items) = try_r!(
        page.list(async |limit, offset| {
            let (name, role) = (q.name.as_deref(), q.role.as_deref());
            v::list_persons(&state.store, &ctx.actor, name, role, limit, offset).await
        })
        .await
    );
    J(Page::of(total, items)).into_response()
}

/// Create a person (victim, perpetrator, source, witness, intervening party or organisation).
#[utoipa::path(post, path = "/api/v1/violations/persons", request_body = PersonInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn create_person(
    State(state): State<AppState>,
    ctx: SignedIn,
    J(p): J<PersonInput>,
) -> Response {
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((v::create_person(&mut tx, &vocab, &p).await?, tx))
    })
    .await
}

/// One person: in full for readers on the need-to-know list who may see names,
/// pseudonymised otherwise.
#[utoipa::path(get, path = "/api/v1/violations/persons/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Person, headers(("ETag" = String, description = "the version to send back with PUT/PATCH (readers who see the person in full)"))), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_person(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    match try_r!(v::person_for(&state.store, &ctx.actor, id).await) {
        // The version only for readers who see the person in full (who may edit).
        Some((p, true)) => api_edit::with_etag(&state, v::PERSON, id, J(p).into_response()).await,
        Some((p, false)) => J(p).into_response(),
        None => WebError::from(StoreError::NotFound(format!("person {id}"))).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DuplicateParams {
    pub name: String,
}

/// Possible duplicates of a person about to be entered.
#[utoipa::path(get, path = "/api/v1/violations/persons/duplicates", params(DuplicateParams),
    responses((status = 200, body = Page<PersonRow>)), security(("token" = [])))]
pub async fn duplicates(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<DuplicateParams>,
) -> Response {
    let items = try_r!(v::possible_duplicates(&state.store, &ctx.actor, &q.name, &[]).await);
    J(Page::of(items.len() as i64, items)).into_response()
}

/// Relate this person to another (micro-thesaurus 21).
#[utoipa::path(post, path = "/api/v1/violations/persons/{id}/links", params(("id" = i64, Path)), request_body = LinkInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn link_persons(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Person>,
    Path(id): Path<i64>,
    J(l): J<LinkInput>,
) -> Response {
    write_created(&state, &ctx, |mut tx, vocab| async move {
        Ok((
            v::link_persons(&mut tx, &vocab, id, l.to, &l.link_type, "", "").await?,
            tx,
        ))
    })
    .await
}
