//! `/api/v1` endpoints of the violations area. Same rules as the pages: the authorization
//! module for single records (records the caller may not read answer 404), `visible_sql`
//! in every list and count, names pseudonymised for readers who may not see them.

use super::api_edit;
use super::*;
use crate::api::ApiError;
use crate::authz::{rec, CanRead, CanWrite, CsrfMultipart, MayWrite, SignedIn, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as J;
use dignity_core::auth::Action;
use dignity_store::violations::case::Case;
use dignity_store::violations::evidence::{CustodyEntry, Evidence};
use dignity_store::violations::interventions::{self, Deadline, Intervention, InterventionInput};
use dignity_store::violations::{
    Act, ActInput, ActRow, DeathPenaltyCase, DeathPenaltyInput, Event, EventFilter, EventInput,
    EventRow, InformationInput, InvolvementInput, LensCount, Person, PersonInput, PersonRow,
};
use dignity_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

macro_rules! try_r {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return WebError::from(e).into_response(),
        }
    };
}

/// A list answer.
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// How many items match. Event and act lists count up to 10,000: past that `total` is
    /// 10,001 and `total_exact` is false ("more than 10,000").
    pub total: i64,
    pub total_exact: bool,
    pub items: Vec<T>,
    /// Act list: pass as `before` to get the next page (keyset pagination; absent on the
    /// last page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

impl<T: ToSchema> Page<T> {
    fn of(total: i64, items: Vec<T>) -> Self {
        Page {
            total_exact: v::total_is_exact(total),
            total,
            items,
            next_before: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct Paging {
    /// At most 1000 (default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

async fn write<F, Fut, T>(state: &AppState, ctx: &Ctx, f: F) -> Result<T, StoreError>
where
    F: FnOnce(dignity_store::WriteTx, std::sync::Arc<Vocab>) -> Fut,
    Fut: std::future::Future<Output = Result<(T, dignity_store::WriteTx), StoreError>>,
{
    let vocab = Vocab::load(&state.store).await?;
    let tx = state.store.begin(&ctx.actor).await?;
    let (out, tx) = f(tx, vocab).await?;
    tx.commit().await?;
    Ok(out)
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, J(Created { id })).into_response()
}

// ----------------------------------------------------------------- events --

#[derive(Deserialize, IntoParams)]
pub struct EventListParams {
    pub q: Option<String>,
    pub country: Option<String>,
    pub lens: Option<String>,
    pub act_type: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub priority: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Events the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/violations/events", params(EventListParams),
    responses((status = 200, body = Page<EventRow>), (status = 401, body = ApiError)), security(("token" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<EventListParams>,
) -> Response {
    let f = EventFilter {
        q: q.q,
        country: q.country,
        lens: q.lens,
        act_type: q.act_type,
        from: q.from,
        to: q.to,
        priority: q.priority,
    };
    let (total, items) = try_r!(
        v::list_events(
            &state.store,
            &ctx.actor,
            &f,
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0)
        )
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((v::create_event(&mut tx, &vocab, &e).await?, tx))
        })
        .await
    );
    created(id)
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((
                v::link_events(&mut tx, &vocab, id, l.to, &l.link_type).await?,
                tx,
            ))
        })
        .await
    );
    created(id)
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
        Err(r) => return crate::api::json_rejection(r),
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

// ------------------------------------------------------------------- acts --

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
        try_r!(
            v::require(
                &state.store,
                &ctx.actor,
                Action::Update,
                v::EVENT,
                a.event_id
            )
            .await
        );
    }
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((v::create_act(&mut tx, &vocab, &a).await?, tx))
        })
        .await
    );
    created(id)
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((v::add_involvement(&mut tx, &vocab, id, &i).await?, tx))
        })
        .await
    );
    created(id)
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((v::add_information(&mut tx, &vocab, &i).await?, tx))
        })
        .await
    );
    created(id)
}

// ---------------------------------------------------------------- persons --

#[derive(Deserialize, IntoParams)]
pub struct PersonListParams {
    /// Exact name or other name (any case, spacing, word order): blind-index look-up.
    pub name: Option<String>,
    /// victim, perpetrator, source or intervening_party.
    pub role: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Persons the caller may see; names are pseudonyms for readers who may not see names.
#[utoipa::path(get, path = "/api/v1/violations/persons", params(PersonListParams),
    responses((status = 200, body = Page<PersonRow>), (status = 401, body = ApiError)), security(("token" = [])))]
pub async fn list_persons(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<PersonListParams>,
) -> Response {
    let (total, items) = try_r!(
        v::list_persons(
            &state.store,
            &ctx.actor,
            q.name.as_deref(),
            q.role.as_deref(),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0)
        )
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((v::create_person(&mut tx, &vocab, &p).await?, tx))
        })
        .await
    );
    created(id)
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((
                v::link_persons(&mut tx, &vocab, id, l.to, &l.link_type, "", "").await?,
                tx,
            ))
        })
        .await
    );
    created(id)
}

// ---------------------------------------------------------- interventions --

/// Interventions the caller may see.
#[utoipa::path(get, path = "/api/v1/violations/interventions", params(Paging),
    responses((status = 200, body = Page<Intervention>)), security(("token" = [])))]
pub async fn list_interventions(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<Paging>,
) -> Response {
    let (total, items) = try_r!(
        interventions::list_interventions(
            &state.store,
            &ctx.actor,
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0)
        )
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
    let id = try_r!(
        write(&state, &ctx, |mut tx, vocab| async move {
            Ok((
                interventions::create_intervention(&mut tx, &vocab, &i).await?,
                tx,
            ))
        })
        .await
    );
    created(id)
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

// ----------------------------------------------------------------- lenses --

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
    try_r!(
        v::require(
            &state.store,
            &ctx.actor,
            Action::Update,
            v::EVENT,
            d.event_id
        )
        .await
    );
    let id = try_r!(
        write(&state, &ctx, |mut tx, _| async move {
            Ok((v::set_death_penalty(&mut tx, &d).await?, tx))
        })
        .await
    );
    created(id)
}

// --------------------------------------------------------------- evidence --

/// The multipart form of an upload (for the OpenAPI document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file, streamed to disk and hashed on the way.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Optional: the SHA-256 the sender computed; a mismatch refuses the upload.
    pub sha256: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub event_id: Option<i64>,
    pub act_id: Option<i64>,
    pub person_id: Option<i64>,
    /// original (default), working_copy, redacted, transcript, translation, public_copy.
    pub derivation: Option<String>,
    pub original_id: Option<i64>,
    pub acquired_from: Option<String>,
    pub acquired_at: Option<String>,
    pub acquired_how: Option<String>,
    pub confidentiality: Option<String>,
}

/// Upload an evidence file (multipart, any size up to the configured limit). The answer
/// holds the record with its `sha256` — equal to `sha256sum` of the file.
#[utoipa::path(post, path = "/api/v1/evidence", request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Evidence), (status = 400, body = ApiError), (status = 413, body = ApiError), (status = 422, body = ApiError)),
    security(("token" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfMultipart(mp): CsrfMultipart,
) -> Response {
    let (input, blob, head, _) = match receive_upload(&state, ctx.lang, mp).await {
        Ok(x) => x,
        Err((status, msg, field)) => {
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "too_large"
            } else if status.is_server_error() {
                "internal"
            } else {
                "invalid"
            };
            return WebError::refused(status, code, msg, Some(field.into())).into_response();
        }
    };
    let id = try_r!(save_upload(&state, &ctx, &input, &blob, &head).await);
    match try_r!(evidence::get_evidence(&state.store, id).await) {
        Some(e) => (StatusCode::CREATED, J(e)).into_response(),
        None => WebError::from(StoreError::NotFound("evidence".into())).into_response(),
    }
}

/// One evidence record (hashes, metadata, links).
#[utoipa::path(get, path = "/api/v1/evidence/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Evidence), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn get_evidence(
    State(state): State<AppState>,
    _ctx: CanRead<rec::Evidence>,
    Path(id): Path<i64>,
) -> Response {
    match try_r!(evidence::get_evidence(&state.store, id).await) {
        Some(e) => J(e).into_response(),
        None => WebError::from(StoreError::NotFound(format!("evidence {id}"))).into_response(),
    }
}

/// The file itself (streamed). Every download is written to the custody log.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", params(("id" = i64, Path)),
    responses((status = 200, content_type = "*/*", description = "the file, with the media type recorded for it"), (status = 206, content_type = "*/*", description = "the byte range asked for by `Range` (one range)"), (status = 404, body = ApiError), (status = 416, body = ApiError, description = "the range starts past the end of the file (`Content-Range: bytes */size`)"), (status = 500, body = ApiError, description = "`evidence_damaged`: the stored copy does not authenticate")),
    security(("token" = [])))]
pub async fn content(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Response {
    match evidence::open_content(&state.store, &ctx.actor, id, "downloaded").await {
        Ok((e, _)) => match super::download::serve(&state.store, &e, &headers).await {
            Ok(r) => r,
            Err(super::download::DownloadError::Damaged(err)) => {
                tracing::error!(evidence = id, error = %err, "evidence file damaged: not served");
                WebError::Refused {
                    status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    code: "evidence_damaged",
                    message: "the stored copy of this evidence file is damaged (altered or cut off) and is not served; restore it from a backup".into(),
                    field: None,
                }
                .into_response()
            }
            Err(super::download::DownloadError::Failed(m)) => {
                WebError::from(StoreError::Internal(m)).into_response()
            }
        },
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The chain of custody of an item.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/custody", params(("id" = i64, Path)),
    responses((status = 200, body = [CustodyEntry]), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn custody(
    State(state): State<AppState>,
    _ctx: CanRead<rec::Evidence>,
    Path(id): Path<i64>,
) -> Response {
    J(try_r!(evidence::custody_log(&state.store, id).await)).into_response()
}

/// Make a copy without its metadata, linked to the original: JPEG or PNG (EXIF, GPS, comments)
/// or an office document (DOCX, XLSX, PPTX, ODT, ODS, ODP: document properties).
#[utoipa::path(post, path = "/api/v1/evidence/{id}/public-copy", params(("id" = i64, Path)),
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn public_copy(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
) -> Response {
    created(try_r!(
        evidence::make_public_copy(&state.store, &ctx.actor, id).await
    ))
}

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/violations/events", get(list_events).post(create_event))
        .route(
            "/violations/events/{id}",
            get(get_event)
                .put(api_edit::put_event)
                .patch(api_edit::patch_event),
        )
        .route("/violations/events/{id}/acts", get(event_acts))
        .route("/violations/events/{id}/links", post(link_events))
        .route("/violations/events/{id}/case", get(export_case))
        .route("/violations/cases", post(import_case))
        .route("/violations/acts", get(list_acts).post(create_act))
        .route(
            "/violations/acts/{id}",
            get(get_act)
                .put(api_edit::put_act)
                .patch(api_edit::patch_act),
        )
        .route("/violations/acts/{id}/perpetrators", post(add_perpetrator))
        .route("/violations/information", post(add_information))
        .route(
            "/violations/involvements/{id}",
            get(api_edit::get_involvement)
                .put(api_edit::put_involvement)
                .patch(api_edit::patch_involvement),
        )
        .route(
            "/violations/information/{id}",
            get(api_edit::get_information)
                .put(api_edit::put_information)
                .patch(api_edit::patch_information),
        )
        .route("/violations/persons", get(list_persons).post(create_person))
        .route("/violations/persons/duplicates", get(duplicates))
        .route(
            "/violations/persons/{id}",
            get(get_person)
                .put(api_edit::put_person)
                .patch(api_edit::patch_person),
        )
        .route("/violations/persons/{id}/links", post(link_persons))
        .route(
            "/violations/interventions",
            get(list_interventions).post(create_intervention),
        )
        .route("/violations/interventions/{id}", get(get_intervention))
        .route(
            "/violations/interventions/{id}/response",
            post(record_response),
        )
        .route("/violations/deadlines", get(deadlines))
        .route("/violations/lenses", get(lenses))
        .route(
            "/violations/death-penalty",
            get(death_penalty).post(set_death_penalty),
        )
        .route("/evidence", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/evidence/{id}", get(get_evidence))
        .route("/evidence/{id}/content", get(content))
        .route("/evidence/{id}/custody", get(custody))
        .route("/evidence/{id}/public-copy", post(public_copy))
}

/// The OpenAPI description of the violations endpoints.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_events,
        create_event,
        get_event,
        api_edit::put_event,
        api_edit::patch_event,
        event_acts,
        link_events,
        export_case,
        import_case,
        list_acts,
        create_act,
        get_act,
        api_edit::put_act,
        api_edit::patch_act,
        add_perpetrator,
        add_information,
        api_edit::get_involvement,
        api_edit::put_involvement,
        api_edit::patch_involvement,
        api_edit::get_information,
        api_edit::put_information,
        api_edit::patch_information,
        list_persons,
        create_person,
        get_person,
        api_edit::put_person,
        api_edit::patch_person,
        duplicates,
        link_persons,
        list_interventions,
        create_intervention,
        get_intervention,
        record_response,
        deadlines,
        lenses,
        death_penalty,
        set_death_penalty,
        upload,
        get_evidence,
        content,
        custody,
        public_copy
    ),
    components(schemas(
        Created,
        api_edit::Saved,
        v::InvolvementRecord,
        v::InformationRecord,
        LinkInput,
        CaseImported,
        ActOut,
        ResponseInput,
        DeathPenaltyOut,
        UploadForm,
        EventInput,
        Event,
        EventRow,
        ActInput,
        Act,
        ActRow,
        InvolvementInput,
        v::Involvement,
        InformationInput,
        PersonInput,
        Person,
        PersonRow,
        InterventionInput,
        Intervention,
        Deadline,
        LensCount,
        DeathPenaltyInput,
        DeathPenaltyCase,
        Evidence,
        CustodyEntry,
        Case
    ))
)]
pub struct ApiDoc;
