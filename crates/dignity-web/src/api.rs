//! The JSON API under `/api/v1`, authenticated by API token (`Authorization: Bearer …`)
//! or by the browser session. Errors share one shape:
//! `{"error": {"code": "not_found", "message": "…", "field": null}}`.
//! The OpenAPI 3 document at `/api/v1/openapi.json` is generated from these handlers.

use crate::authz::{gate, Allowed, Caller, WebError};
use crate::ctx::Ctx;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dignity_store::{audit, reference};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub use crate::error::{error, ApiError, ErrorBody};

/// A JSON body that does not parse: 422 with the path of the field at fault (`evidence[0].sha256`)
/// when serde names one (the reason in `lang` where a core type gives it), 400 for a body that
/// is not JSON at all.
pub fn json_rejection(
    lang: crate::i18n::Lang,
    r: axum::extract::rejection::JsonRejection,
) -> Response {
    use axum::extract::rejection::JsonRejection as R;
    let text = r.body_text();
    match r {
        R::JsonDataError(_) => {
            // "Failed to deserialize the JSON body into the target type: PATH: MESSAGE"
            let rest = text
                .split_once("target type: ")
                .map(|(_, r)| r)
                .unwrap_or(&text);
            let field = rest
                .split_once(": ")
                .map(|(f, _)| f)
                .filter(|f| !f.is_empty() && !f.contains(' '));
            WebError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                crate::i18n::json_refusal(lang, rest),
                field.map(Into::into),
            )
            .into_response()
        }
        R::MissingJsonContentType(_) => {
            WebError::refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid", text, None)
                .into_response()
        }
        _ => WebError::refused(StatusCode::BAD_REQUEST, "invalid", text, None).into_response(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LangParam {
    /// Language of names and labels: en, fr, es, ar, ru (default: the request's language).
    pub lang: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CountryParams {
    /// Language of the names: en, fr, es, ar, ru.
    pub lang: Option<String>,
    /// Only countries of this M49 region (e.g. `Africa`).
    pub region: Option<String>,
}

fn lang_of(ctx: &Ctx, q: &Option<String>) -> String {
    q.as_deref()
        .and_then(crate::i18n::Lang::parse)
        .unwrap_or(ctx.lang)
        .code()
        .to_string()
}

/// All countries and territories (ISO 3166-1, UN M49 regions).
#[utoipa::path(get, path = "/api/v1/countries", params(CountryParams),
    responses((status = 200, body = [reference::CountryRow]), (status = 401, body = ApiError)))]
pub async fn countries(
    State(state): State<AppState>,
    ctx: Caller,
    Query(q): Query<CountryParams>,
) -> Response {
    let region = q.region.as_deref().filter(|r| !r.is_empty());
    match reference::countries(&state.store, &lang_of(&ctx, &q.lang), region).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The core UN human rights instruments and the main Council of Europe instruments.
#[utoipa::path(get, path = "/api/v1/instruments", params(LangParam),
    responses((status = 200, body = [reference::InstrumentRow]), (status = 401, body = ApiError)))]
pub async fn instruments(
    State(state): State<AppState>,
    ctx: Caller,
    Query(q): Query<LangParam>,
) -> Response {
    match reference::instruments(&state.store, &lang_of(&ctx, &q.lang)).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The controlled vocabularies (HURIDOCS micro-thesauri) with their term counts.
#[utoipa::path(get, path = "/api/v1/vocabularies",
    responses((status = 200, body = [reference::VocabularyRow]), (status = 401, body = ApiError)))]
pub async fn vocabularies(State(state): State<AppState>, _ctx: Caller) -> Response {
    match reference::vocabularies(&state.store).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TermParams {
    /// Language of the labels: en, fr, es, ar, ru.
    pub lang: Option<String>,
    /// Only terms whose label contains this text (any language).
    pub q: Option<String>,
}

/// The terms of one vocabulary (by micro-thesaurus number, e.g. 4 = types of acts).
#[utoipa::path(get, path = "/api/v1/vocabularies/{list}", params(("list" = i64, Path, description = "micro-thesaurus number"), TermParams),
    responses((status = 200, body = [reference::TermRow]), (status = 404, body = ApiError)))]
pub async fn vocabulary(
    State(state): State<AppState>,
    ctx: Caller,
    Path(list): Path<String>,
    Query(q): Query<TermParams>,
) -> Response {
    let Ok(list) = list.parse::<i64>() else {
        return WebError::Invalid {
            field: "list".into(),
            message: "the list is a micro-thesaurus number, e.g. 4".into(),
        }
        .into_response();
    };
    match reference::vocabularies(&state.store).await {
        Ok(l) if l.iter().any(|v| v.number == list) => {}
        Ok(_) => return WebError::NotFound(format!("no vocabulary number {list}")).into_response(),
        Err(e) => return WebError::from(e).into_response(),
    }
    match reference::terms(&state.store, list, &lang_of(&ctx, &q.lang), q.q.as_deref()).await {
        Ok(t) => Json(t).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub totp_enabled: bool,
    pub teams: Vec<i64>,
}

/// The account the request is authenticated as.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ApiError)),
    security(("token" = [])))]
pub async fn me(ctx: Caller) -> Response {
    match &ctx.user {
        Some(u) => Json(Me {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            totp_enabled: u.totp_enabled,
            teams: ctx.actor.teams.clone(),
        })
        .into_response(),
        None => WebError::Unauthenticated.into_response(),
    }
}

/// Which page of the audit log `GET /api/v1/audit` answers (its filter is the store's
/// [`audit::AuditFilter`], from the same query).
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// At most 1000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    pub at: String,
    pub actor_name: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    /// Non-sensitive details as JSON.
    pub details: serde_json::Value,
    pub hash: String,
}

/// The audit log, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/audit", params(audit::AuditFilter, AuditParams),
    responses((status = 200, body = [AuditEntryOut]), (status = 403, body = ApiError)), security(("token" = [])))]
pub async fn audit_list(
    State(state): State<AppState>,
    _ctx: Allowed<gate::ViewAudit>,
    Query(f): Query<audit::AuditFilter>,
    Query(q): Query<AuditParams>,
) -> Response {
    match audit::list(
        &state.store,
        &f,
        q.limit.unwrap_or(100),
        q.offset.unwrap_or(0),
    )
    .await
    {
        Ok(list) => Json(
            list.into_iter()
                .map(|e| AuditEntryOut {
                    seq: e.seq,
                    at: e.at,
                    actor_name: e.actor_name,
                    action: e.action,
                    record_type: e.record_type,
                    record_id: e.record_id,
                    before_hash: e.before_hash,
                    after_hash: e.after_hash,
                    details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
                    hash: e.hash,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyOut {
    pub ok: bool,
    pub checked: usize,
    pub anchored: bool,
    pub problems: Vec<String>,
}

/// Check the whole audit chain (administrators).
#[utoipa::path(get, path = "/api/v1/audit/verify", responses((status = 200, body = VerifyOut), (status = 403, body = ApiError)),
    security(("token" = [])))]
pub async fn audit_verify(
    State(state): State<AppState>,
    _ctx: Allowed<gate::ViewAudit>,
) -> Response {
    match audit::verify_log(&state.store).await {
        Ok(r) => Json(VerifyOut {
            ok: r.ok(),
            checked: r.checked,
            anchored: r.anchored,
            problems: r.problems.iter().map(|p| p.to_string()).collect(),
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Change a vocabulary term's labels or retire it (administrators).
#[utoipa::path(put, path = "/api/v1/vocabularies/{list}/terms/{code}", request_body = reference::TermLabels,
    params(("list" = i64, Path), ("code" = String, Path)),
    responses((status = 200, body = reference::TermFull), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("token" = [])))]
pub async fn term_update(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path((list, code)): Path<(i64, String)>,
    Json(body): Json<reference::TermLabels>,
) -> Response {
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        reference::update_term(&mut tx, list, &code, &body).await?;
        tx.commit().await?;
        reference::term(&state.store, list, &code).await
    }
    .await;
    match r {
        Ok(Some(t)) => Json(t).into_response(),
        Ok(None) => WebError::NotFound("no such term".into()).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerm {
    /// Code of the parent term, if any.
    pub parent: Option<String>,
    #[serde(flatten)]
    pub labels: reference::TermLabels,
}

/// Add a local term to a vocabulary (administrators).
#[utoipa::path(post, path = "/api/v1/vocabularies/{list}/terms", request_body = NewTerm, params(("list" = i64, Path)),
    responses((status = 201, body = reference::TermFull), (status = 403, body = ApiError), (status = 422, body = ApiError)),
    security(("token" = [])))]
pub async fn term_create(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path(list): Path<i64>,
    Json(body): Json<NewTerm>,
) -> Response {
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let code = reference::add_term(&mut tx, list, body.parent.as_deref(), &body.labels).await?;
        tx.commit().await?;
        reference::term(&state.store, list, &code).await
    }
    .await;
    match r {
        Ok(Some(t)) => (StatusCode::CREATED, Json(t)).into_response(),
        Ok(None) => WebError::refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "term not found after creation",
            None,
        )
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `dignity token create USER` or the account page",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Dignity API", description = "Human rights monitoring, documentation and protection."),
    paths(countries, instruments, vocabularies, vocabulary, term_update, term_create, me, audit_list, audit_verify),
    components(schemas(ApiError, ErrorBody, Me, AuditEntryOut, VerifyOut, NewTerm)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

/// The whole API document: the foundation's endpoints and the areas' documents (listed in
/// `lib.rs`, [`crate::openapi_document`]: this module imports no area).
pub fn document(
    areas: impl IntoIterator<Item = utoipa::openapi::OpenApi>,
) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for area in areas {
        doc.merge(area);
    }
    common_responses(&mut doc);
    doc
}

/// Document the answers that the shared layers give on any operation, so that the document
/// says what the server does: `400` (a path, query or body that cannot be read), `401`/`403`
/// (no or a bad token, no right, a cookie-authenticated write without its CSRF token) where
/// a token is asked for, `404`/`422` where the path, the query or the body names a record
/// or carries a value (no such record; an invalid value, `field` naming it), `413`/`415`
/// where a body is sent (too large, not of the documented type), and `507` (storage full)
/// on writes. Every one of them is an `ApiError` in JSON ([`crate::api_errors`] turns axum's
/// own plain-text rejections into that shape). An operation's own description of a status
/// is kept.
fn common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let answer = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let names_record = path.contains('{');
        let ops = [
            (false, item.get.as_mut()),
            (true, item.put.as_mut()),
            (true, item.post.as_mut()),
            (true, item.delete.as_mut()),
            (true, item.patch.as_mut()),
        ];
        for (writes, op) in ops {
            let Some(op) = op else { continue };
            let mut add = Vec::new();
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = op.request_body.is_some();
            if names_record || has_params || has_body {
                add.push((
                    "400",
                    "The path, the query or the body could not be read (e.g. a body that is not JSON).",
                ));
            }
            if op.security.is_some() {
                add.push(("401", "No token, or a token that is not valid."));
                add.push((
                    "403",
                    "Not allowed, or a cookie-authenticated write without its CSRF token.",
                ));
            }
            if names_record || has_params || has_body {
                add.push((
                    "404",
                    "A record named in the path, the query or the body does not exist, or the caller may not read it.",
                ));
                add.push((
                    "422",
                    "A parameter or the body is not valid; `field` names the one at fault.",
                ));
            }
            if has_body {
                add.push(("413", "The body is larger than the limit."));
                add.push(("415", "The body is not of the documented media type."));
            }
            if writes {
                add.push(("507", "Storage full: nothing was saved."));
            }
            for (status, description) in add {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| answer(description));
            }
        }
    }
}

/// Any path under `/api/v1` no route has.
pub async fn not_found() -> Response {
    WebError::NotFound("no such API endpoint".into()).into_response()
}

/// The foundation's endpoints; `lib.rs` merges the areas' and the OpenAPI document.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/countries", get(countries))
        .route("/instruments", get(instruments))
        .route("/vocabularies", get(vocabularies))
        .route("/vocabularies/{list}", get(vocabulary))
        .route(
            "/vocabularies/{list}/terms",
            axum::routing::post(term_create),
        )
        .route(
            "/vocabularies/{list}/terms/{code}",
            axum::routing::put(term_update),
        )
        .route("/me", get(me))
        .route("/audit", get(audit_list))
        .route("/audit/verify", get(audit_verify))
}
