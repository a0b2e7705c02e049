//! Source lists of missing persons: import, candidate matching and linking.

use super::missing_forms as forms;
use super::*;

// -------------------------------------------------------------- sources --

async fn sources_view(
    state: &AppState,
    ctx: &Ctx,
    problem: Option<Json>,
    errors: Vec<s::RowError>,
    report: Option<s::ImportReport>,
    after: i64,
) -> Response {
    let r = async {
        // One window of unlinked records at a time, through the key index.
        let page = if crate::authz::may_write(ctx) {
            s::candidates_page(&state.store, &ctx.actor, None, after, CANDIDATE_WINDOW, 0.75).await?
        } else {
            s::CandidatePage { items: vec![], records_checked: 0, next_after: None }
        };
        let cands = page.items;
        Ok::<_, StoreError>(json!({
            "window": { "after": after, "checked": page.records_checked, "next": page.next_after },
            "sources": s::sources(&state.store).await?,
            "kinds": words(ctx, "pro.source_kind", s::SOURCE_KINDS),
            "targets": s::TARGETS,
            "candidates": cands.iter().map(|c| json!({
                "record_id": c.record_id, "record_source": c.record_source, "record_name": c.record_name, "other_kind": c.other_kind,
                "other_id": c.other_id, "other_source": c.other_source, "other_name": c.other_name,
                "score": format!("{:.0}", c.score * 100.0), "reasons": c.reasons.join(", "),
            })).collect::<Vec<_>>(),
            "may_edit": crate::authz::may_write(ctx),
            "problem": problem,
            // A core rule's refusal in the reader's language; the file's own problems as read.
            "errors": errors.iter().map(|e| json!({ "line": e.line, "field": e.field,
                "message": e.rule.as_ref().map_or_else(|| e.message.clone(), |r| crate::i18n::reason(ctx.lang, r)) })).collect::<Vec<_>>(),
            "report": report,
        }))
    }
    .await;
    let bad = problem_or_errors(&r);
    match r {
        Ok(c) => page_status(
            state,
            ctx,
            "protection_sources.html",
            if bad {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
            v_(c),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

fn problem_or_errors(r: &Result<Json, StoreError>) -> bool {
    r.as_ref().is_ok_and(|c| {
        !c["problem"].is_null() || c["errors"].as_array().is_some_and(|a| !a.is_empty())
    })
}

/// Unlinked records matched per window on the sources page.
const CANDIDATE_WINDOW: usize = 500;

#[derive(Deserialize, Default)]
pub struct SourcesQuery {
    #[serde(default)]
    after: Option<i64>,
}

pub async fn sources_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<SourcesQuery>,
) -> Response {
    sources_view(
        &state,
        &ctx,
        None,
        vec![],
        None,
        q.after.unwrap_or(0).max(0),
    )
    .await
}

pub async fn source_create(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            s::create_source(tx, &body.get("name"), &body.get("kind")).await
        })
        .await;
    answer(
        &ctx,
        r,
        async |_| see_other("/protection/sources?flash=saved"),
        async |pr| sources_view(&state, &ctx, Some(pr), vec![], None, 0).await,
    )
    .await
}

/// Upload a list (CSV or XLSX, multipart field `file`) with the mapping in fields
/// `map_<target>` (empty: a column named like the target); `strict` refuses a file with
/// columns the mapping leaves unread.
pub async fn source_import(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    CsrfMultipart(mut mp): CsrfMultipart,
) -> Response {
    let up = match forms::read_upload(&ctx, &mut mp).await {
        Ok(up) => up,
        Err(e) => return sources_view(&state, &ctx, None, vec![e], None, 0).await,
    };
    let table = match s::read_table(&up.filename, &up.bytes) {
        Ok(t) => t,
        Err(errs) => return sources_view(&state, &ctx, None, errs, None, 0).await,
    };
    let mapping = forms::mapping(&table.headers, &up.fields);
    // "Refuse unread columns": such a file is refused, its columns named, nothing written.
    let opts = s::ImportOptions {
        strict: !up.fields.get("strict").is_empty(),
        ..Default::default()
    };
    match s::import_list(
        &state.store,
        &ctx.actor,
        id,
        &up.filename,
        &table,
        &mapping,
        &opts,
    )
    .await
    {
        Ok(rep) => sources_view(&state, &ctx, None, vec![], Some(rep), 0).await,
        Err(errs) => sources_view(&state, &ctx, None, errs, None, 0).await,
    }
}

/// Open a case from an unlinked source record.
pub async fn record_case(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(rid): Path<i64>,
    CsrfForm(_): CsrfForm<FormData>,
) -> Response {
    let r = vocab_write(&state, &ctx, async |tx, vocab| {
        s::case_from_record(tx, vocab, rid, "").await
    })
    .await;
    answer(
        &ctx,
        r,
        async |id| see_other(&format!("/protection/missing/{id}?flash=saved")),
        async |pr| sources_view(&state, &ctx, Some(pr), vec![], None, 0).await,
    )
    .await
}
