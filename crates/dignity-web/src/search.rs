//! Pages and API of search, dashboards, reports, portal (issue 6).

use crate::AppState;
use axum::Router;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct ApiDoc;
