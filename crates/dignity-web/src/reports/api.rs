//! The report as JSON under `/api/v1`.

use super::*;

// --------------------------------------------------------------------- API --

/// A country report (or a thematic one, with `lens`, `act_type` or `year`) as JSON:
/// `counts`, `cases` (pseudonymised unless `names=1` and the role allows names),
/// `interventions`, `recommendations` with their status, and ratification `gaps`.
#[utoipa::path(get, path = "/api/v1/reports/country", params(ReportParams),
    responses((status = 200, description = "the report: scope, country_name, names_shown, generated, counts, cases, interventions, recommendations_total, recommendations, recommendation_status_counts, gaps"),
        (status = 401, body = crate::api::ApiError), (status = 404, body = crate::api::ApiError),
        (status = 422, body = crate::api::ApiError)), security(("token" = [])))]
pub async fn api_country(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<ReportParams>,
) -> Response {
    if let Err(e) = crate::authz::signed_in(&ctx) {
        return e.into_response();
    }
    let scope = match p.scope() {
        Ok(s) => s,
        Err(field) => {
            return WebError::Invalid {
                field: field.into(),
                message: i18n::t(Lang::En, &format!("rep.error.{field}")),
            }
            .into_response()
        }
    };
    match generate(&state.store, &ctx.actor, ctx.lang, &scope, "json").await {
        Ok((r, _)) => Json(r).into_response(),
        Err(StoreError::NotFound(_)) => WebError::refused(
            StatusCode::NOT_FOUND,
            "not_found",
            "unknown country",
            Some("country".into()),
        )
        .into_response(),
        Err(e) => WebError::internal(format!("report failed: {e}")).into_response(),
    }
}
