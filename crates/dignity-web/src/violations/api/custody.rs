//! `/api/v1/violations`: evidence: upload, the file and its record, chain of custody, public copy.

use super::*;

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
    let damaged = WebError::Refused {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        code: "evidence_damaged",
        message: "the stored copy of this evidence file is damaged (altered or cut off) and is not served; restore it from a backup".into(),
        field: None,
    };
    super::download::content(&state.store, &ctx.actor, id, &headers, damaged).await
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
