//! Violations pages: evidence: its page (metadata and chain of custody), the file, the public copy.

use super::*;

/// The label of a metadata key: document properties in the reader's language, EXIF tags
/// by their standard names.
fn meta_label(ctx: &Ctx, key: &str) -> String {
    match key {
        "Title" => ctx.t("vio.meta.title"),
        "Subject" => ctx.t("vio.meta.subject"),
        "Keywords" => ctx.t("vio.meta.keywords"),
        "Description" => ctx.t("vio.meta.description"),
        "Author" => ctx.t("vio.meta.author"),
        "LastModifiedBy" => ctx.t("vio.meta.last_modified_by"),
        "Created" | "CreationDate" => ctx.t("vio.meta.created"),
        "Modified" | "ModDate" => ctx.t("vio.meta.modified"),
        "Application" | "Creator" => ctx.t("vio.meta.application"),
        "Producer" => ctx.t("vio.meta.producer"),
        "Company" => ctx.t("vio.meta.company"),
        "Manager" => ctx.t("vio.meta.manager"),
        "GPS" => ctx.t("vio.meta.gps"),
        "People" => ctx.t("vio.meta.people"),
        "Thumbnail" => ctx.t("vio.meta.thumbnail"),
        k => k.to_string(),
    }
    .to_string()
}

pub async fn evidence_page(
    State(state): State<AppState>,
    ctx: CanRead<rec::Evidence>,
    Path(id): Path<i64>,
) -> Response {
    let r = async {
        let e = evidence::get_evidence(&state.store, id).await?.ok_or_else(|| StoreError::NotFound("evidence".into()))?;
        let log = evidence::custody_log(&state.store, id).await?;
        let broken = evidence::verify_custody(&log);
        let derived: Vec<Json> = evidence::list_evidence(&state.store, &ctx.actor, None, Some(id)).await?.iter().map(evidence_json).collect();
        let meta: Vec<Json> = e.metadata.as_object().map(|m| m.iter().map(|(k, val)| json!({ "key": meta_label(&ctx, k), "value": val.as_str().unwrap_or("") })).collect()).unwrap_or_default();
        Ok::<_, StoreError>(json!({
            "ev": { "id": e.id, "title": e.title, "description": e.description, "filename": e.filename, "media_type": e.media_type,
                "size_bytes": e.size_bytes, "sha256": e.sha256, "sha512": e.sha512, "derivation": e.derivation,
                "original_id": e.original_id, "event_id": e.event_id, "acquired_from": e.acquired_from,
                "acquired_at": e.acquired_at, "acquired_how": e.acquired_how, "confidentiality": e.confidentiality },
            "metadata": meta,
            "custody": log,
            "custody_ok": broken.is_empty(),
            "derived": derived,
            "may_strip": crate::authz::may_write(&ctx) && evidence::can_strip(e.media_type.as_str()),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_evidence.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn evidence_content(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> Response {
    let damaged = WebError::Keyed {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        key: "error.vio_evidence_damaged",
    };
    super::download::content(&state.store, &ctx.actor, id, &headers, damaged).await
}

pub async fn public_copy(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<FormData>,
) -> Response {
    match evidence::make_public_copy(&state.store, &ctx.actor, id).await {
        Ok(nid) => see_other(&format!("/violations/evidence/{nid}?flash=saved")),
        Err(StoreError::Rejected(_)) => {
            see_other(&format!("/violations/evidence/{id}?error=vio_invalid"))
        }
        Err(e) => WebError::from(e).into_response(),
    }
}
