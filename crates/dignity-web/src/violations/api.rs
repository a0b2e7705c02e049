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

/// The page of a list endpoint that a query asks for (the query parameters `limit` and
/// `offset`, beside the list's own).
#[derive(Deserialize, IntoParams)]
pub struct Paging {
    /// At most 1000 (default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Paging {
    /// `list` called for the page asked: at most `limit` items (50 unless it says) from
    /// `offset` (0 unless it says).
    pub(crate) async fn list<T>(
        &self,
        list: impl AsyncFnOnce(i64, i64) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        list(self.limit.unwrap_or(50), self.offset.unwrap_or(0)).await
    }
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

/// Update access to the event that a new record is added to.
async fn require_event_update(
    state: &AppState,
    ctx: &Ctx,
    event_id: i64,
) -> Result<(), StoreError> {
    v::require(&state.store, &ctx.actor, Action::Update, v::EVENT, event_id).await
}

/// [`write`] a new record: 201 with its id, or the error.
async fn write_created<F, Fut>(state: &AppState, ctx: &Ctx, f: F) -> Response
where
    F: FnOnce(dignity_store::WriteTx, std::sync::Arc<Vocab>) -> Fut,
    Fut: std::future::Future<Output = Result<(i64, dignity_store::WriteTx), StoreError>>,
{
    match write(state, ctx, f).await {
        Ok(id) => created(id),
        Err(e) => WebError::from(e).into_response(),
    }
}

mod acts;
mod custody;
mod events;
mod follow_up;
mod lenses;
mod persons;

pub use acts::*;
pub use custody::*;
pub use events::*;
pub use follow_up::*;
pub use lenses::*;
pub use persons::*;

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
