//! Erasing a person (crypto-shredding, issue 16 item 7; see `dignity_store::shred`):
//! `POST /violations/persons/{id}/erase` (the CSRF-checked form on the person's page) and
//! `POST /api/v1/violations/persons/{id}/erase`. Administrators only
//! (`SystemAction::ErasePersons`), on a person they may read (else *not found*). The
//! person's personal fields are overwritten and their key destroyed, so they are
//! unreadable in every older backup too; events, acts and the record id stay. The audit
//! entry `person.erase` names the record id only.

use crate::authz::{gate, rec, Allowed, CanRead, CsrfForm, WebError};
use crate::violations::FormData;
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Json, Router};
use dignity_store::shred::{self, Erasure};
use serde::Serialize;
use utoipa::ToSchema;

/// Pages of this feature (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new().route("/violations/persons/{id}/erase", post(erase_form))
}

/// JSON endpoints of this feature, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new().route("/violations/persons/{id}/erase", post(api_erase))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_erase), components(schemas(Erased)))]
pub struct ApiDoc;

/// `POST /violations/persons/{id}/erase`: the form on the person's page. The form must
/// carry `confirm=erase` (a box the administrator ticks): without it nothing happens and
/// the page says so.
pub async fn erase_form(
    State(state): State<AppState>,
    admin: Allowed<gate::ErasePersons>,
    person: CanRead<rec::Person>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    let id = person.id;
    if f.get("confirm") != "erase" {
        return WebError::Invalid {
            field: "confirm".into(),
            message: admin.t("vio.erase.confirm_needed"),
        }
        .into_response();
    }
    match shred::erase(&state.store, &admin.actor, id).await {
        Ok(_) => Redirect::to(&format!("/violations/persons/{id}?flash=vio_person_erased"))
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The answer of an erasure.
#[derive(Serialize, ToSchema)]
pub struct Erased {
    pub id: i64,
    /// Always true once answered.
    pub erased: bool,
    /// The person had been erased before (the call changed nothing but a key a crash left).
    pub already: bool,
}

/// Erase a person: their personal fields are overwritten and their key destroyed, so they
/// are unreadable in every older backup too. Administrators only. Cannot be undone.
#[utoipa::path(post, path = "/api/v1/violations/persons/{id}/erase", params(("id" = i64, Path)),
    responses((status = 200, body = Erased), (status = 404, body = crate::api::ApiError)),
    security(("token" = [])))]
pub async fn api_erase(
    State(state): State<AppState>,
    admin: Allowed<gate::ErasePersons>,
    person: CanRead<rec::Person>,
) -> Response {
    let id = person.id;
    match shred::erase(&state.store, &admin.actor, id).await {
        Ok(e) => Json(Erased {
            id,
            erased: true,
            already: e == Erasure::AlreadyErased,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}
