//! Missing persons: cases, status history, families and consent, sharing and exports.

use super::missing_forms as forms;
use super::*;
use crate::authz::{rec, CanWrite};
use dignity_core::protection::missing::RecipientKind;
use dignity_core::protection::sources as src_rules;

// -------------------------------------------------------- missing persons --

#[derive(Deserialize, Default)]
pub struct MissingQuery {
    status: Option<String>,
    region: Option<String>,
    name: Option<String>,
}

async fn missing_list_view(
    state: &AppState,
    ctx: &Ctx,
    q: &MissingQuery,
    problem: Option<Json>,
    values: Json,
) -> Response {
    list_page(state, ctx, "protection_missing_list.html", problem, values, async |vocab, lang| {
        let f = MissingFilter { status: q.status.clone(), region: q.region.clone(), name: q.name.clone(), period_id: None };
        let (total, rows) = m::list_missing(&state.store, &ctx.actor, &f, 500, 0).await?;
        Ok(json!({
            "total": total, "rows": rows, "q": { "status": q.status, "region": q.region, "name": q.name },
            "statuses": words(ctx, "pro.status", m::STATUSES), "relationships": words(ctx, "pro.rel", m::RELATIONSHIPS),
            "periods": m::periods(&state.store).await?, "sexes": sex_options(vocab, lang),
        }))
    })
    .await
}

pub async fn missing_list(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<MissingQuery>,
) -> Response {
    missing_list_view(&state, &ctx, &q, None, json!({})).await
}

/// Register a missing person from a family report: the case, the reporting relative and the
/// report with its sharing consent, in one transaction.
pub async fn missing_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let f = body;
    let (input, rel) = (forms::case_input(&f), forms::relative_input(&f));
    let r = vocab_write(&state, &ctx, async |tx, vocab| {
        let id = m::create_missing(tx, vocab, &input).await?;
        if let Some(rel) = &rel {
            let rid = m::add_relative(tx, id, &rel.parse()?).await?;
            m::add_report(tx, id, &forms::report_input(&f, rid)).await?;
        }
        Ok(id)
    })
    .await;
    answer(
        &ctx,
        r,
        async |id| see_other(&format!("/protection/missing/{id}?flash=saved")),
        async |pr| {
            missing_list_view(
                &state,
                &ctx,
                &MissingQuery::default(),
                Some(pr),
                f.to_json(),
            )
            .await
        },
    )
    .await
}

async fn missing_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    problem: Option<Json>,
    extra: Json,
) -> Response {
    let r = async {
        let c = m::case_for(&state.store, &ctx.actor, id).await?.ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
        let vocab = Vocab::load(&state.store).await?;
        let names = v::sees_names(&state.store, &ctx.actor).await?;
        let consent = m::case_consent(&state.store, id).await?;
        let mut reports = m::reports(&state.store, id).await?;
        let mut relatives = m::relatives(&state.store, id).await?;
        if !names {
            for r in reports.iter_mut() {
                r.relative = ctx.t("pro.hidden");
            }
            for r in relatives.iter_mut() {
                r.name = ctx.t("pro.hidden");
                r.contact.clear();
            }
        }
        let recs: Vec<Json> = s::records_of_case(&state.store, id)
            .await?
            .into_iter()
            .map(|(r, conflicts)| {
                json!({ "id": r.id, "source": r.source, "kind": r.source_kind, "external_id": r.external_id, "line": r.line,
                        "name": if names { r.name } else { String::new() }, "birth_date": r.birth_date, "imported_at": r.imported_at, "conflicts": conflicts })
            })
            .collect();
        let cands: Vec<Json> = s::candidates_for_case(&state.store, &ctx.actor, id, 0.7, 20)
            .await?
            .into_iter()
            .map(|x| json!({ "record_id": x.record_id, "source": x.record_source, "name": x.record_name, "score": format!("{:.0}", x.score * 100.0), "reasons": x.reasons.join(", ") }))
            .collect();
        Ok::<_, StoreError>(json!({
            "c": {
                "id": c.id, "name": c.name, "other_names": c.other_names.join("; "), "sex": crate::violations::label(&vocab, ctx.lang, &c.sex),
                "birth_date": c.birth_date, "last_seen_date": c.disappearance.last_seen_date, "last_seen_place": c.disappearance.last_seen_place, "region": c.disappearance.region,
                "community": c.disappearance.community, "circumstances": c.disappearance.circumstances, "description": c.disappearance.description, "period": c.period,
                "status": c.status, "status_on": c.status_on, "confidentiality": c.confidentiality,
            },
            "history": m::history(&state.store, id).await?,
            "next": m::next_statuses(&c.status).iter().map(|s| json!({ "code": s, "label": ctx.t(&format!("pro.status.{s}")) })).collect::<Vec<_>>(),
            "consent": consent.summary(),
            "consent_obj": consent,
            "reports": reports,
            "relatives": relatives,
            "shares": m::shares(&state.store, id).await?,
            "records": recs,
            "candidates": cands,
            "links": m::family_links(&state.store, id).await?,
            "relationships": words(ctx, "pro.rel", m::RELATIONSHIPS),
            "may_edit": crate::authz::may_write(ctx) && p::can(&state.store, &ctx.actor, Action::Update, p::MISSING, id).await?,
            "may_share": crate::authz::role_may(ctx, Action::ManageAccess),
            "problem": problem,
            "extra": extra,
        }))
    }
    .await;
    view(state, ctx, "protection_missing.html", r)
}

pub async fn missing_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    missing_view(&state, &ctx, id, None, json!({})).await
}

/// A POST on a case: CSRF, the right (`action`) on the case, then `f` in a write.
async fn case_post<T: serde::Serialize>(
    state: AppState,
    ctx: SignedIn,
    id: i64,
    action: Action,
    form: FormData,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab, &FormData) -> Result<T, StoreError>,
) -> Response {
    let r = record_write(&state, &ctx, p::MISSING, id, action, form, f).await;
    case_answer(&state, &ctx, id, r).await
}

/// A form on case `ctx.id`, whose right to update it the extractor checked: `f` (given the
/// case's id) in one audited write.
async fn case_form<T: serde::Serialize>(
    state: AppState,
    ctx: CanWrite<rec::Missing>,
    form: FormData,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, i64, &FormData) -> Result<T, StoreError>,
) -> Response {
    let id = ctx.id;
    let r = state
        .store
        .write(&ctx.actor, async |tx| f(tx, id, &form).await)
        .await;
    case_answer(&state, &ctx, id, r).await
}

/// The case's page after a write on it: what the write gave to show once (an object), else
/// the page anew; the form's problem; or the failure.
async fn case_answer<T: serde::Serialize>(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    r: Result<T, StoreError>,
) -> Response {
    answer(
        ctx,
        r,
        async |out| match serde_json::to_value(&out).unwrap_or_default() {
            // Something to show once (a family link, a withdrawal after sharing).
            extra if extra.is_object() => missing_view(state, ctx, id, None, extra).await,
            _ => see_other(&format!("/protection/missing/{id}?flash=saved")),
        },
        async |pr| missing_view(state, ctx, id, Some(pr), json!({})).await,
    )
    .await
}

pub async fn missing_status(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Missing>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_form(state, ctx, body, async |tx, id, f| {
        m::change_status(tx, id, &forms::status_change(f)).await
    })
    .await
}

pub async fn relative_create(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Missing>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_form(state, ctx, body, async |tx, id, f| {
        let rel = forms::relative_input(f).unwrap_or_default();
        let rid = m::add_relative(tx, id, &rel.parse()?).await?;
        if f.get("is_report") == "1" {
            m::add_report(tx, id, &forms::report_input(f, rid)).await?;
        }
        Ok(rid)
    })
    .await
}

pub async fn consent_change(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(rid): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let Ok(Some(mid)) = m::report_case(&state.store, rid).await else {
        return WebError::not_found().into_response();
    };
    case_post(state, ctx, mid, Action::Update, body, async |tx, _v, f| {
        let ch = m::set_consent(tx, rid, forms::consent(f)).await?;
        Ok(json!({ "withdrawn": ch.withdrawn_after_sharing, "already_shared": ch.already_shared }))
    })
    .await
}

pub async fn missing_share(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    // A refusal by the consent is logged (for whoever may pass the case on at all).
    let kind = body.get("recipient_kind");
    if let Some(k) = RecipientKind::from_code(&kind) {
        let refused = match m::case_consent(&state.store, id).await {
            Ok(c) => !c.allows(k),
            Err(_) => false,
        };
        if refused
            && p::can(&state.store, &ctx.actor, Action::Export, p::MISSING, id)
                .await
                .unwrap_or(false)
        {
            if let Err(e) = m::log_refused_share(&state.store, &ctx.actor, id, &kind, "share").await
            {
                return WebError::from(e).into_response();
            }
        }
    }
    case_post(state, ctx, id, Action::Export, body, async |tx, _v, f| {
        m::share(
            tx,
            id,
            &f.get("recipient_kind"),
            &f.get("recipient"),
            "share",
        )
        .await
    })
    .await
}

pub async fn record_link(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Missing>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_form(state, ctx, body, async |tx, id, f| {
        let rec = opt_i64(&f.get("record_id")).ok_or_else(src_rules::no_record_chosen)?;
        if f.get("unlink") == "1" {
            s::unlink(tx, rec).await?;
            return Ok(0);
        }
        s::link(tx, rec, id, f.get("accept_conflicts") == "1").await?;
        Ok(rec)
    })
    .await
}

pub async fn family_link_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_post(
        state,
        ctx,
        id,
        Action::ManageAccess,
        body,
        async |tx, _v, f| {
            let days = f.get("days").parse().unwrap_or(90);
            let token = m::create_family_link(tx, id, opt_i64(&f.get("relative_id")), days).await?;
            Ok(json!({ "family_link": format!("/family/{token}") }))
        },
    )
    .await
}

pub async fn family_link_revoke(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(lid): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let Ok(Some(mid)) = m::link_case(&state.store, lid).await else {
        return WebError::not_found().into_response();
    };
    case_post(
        state,
        ctx,
        mid,
        Action::ManageAccess,
        body,
        async |tx, _v, _f| m::revoke_family_link(tx, lid).await.map(|_| 0),
    )
    .await
}

/// CSV of the cases the families' consent allows for a recipient; every case in it is
/// logged as shared.
pub async fn missing_export(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let f = body;
    match m::export_for(
        &state.store,
        &ctx.actor,
        &f.get("recipient_kind"),
        &f.get("recipient"),
        "export",
        &MissingFilter::default(),
    )
    .await
    {
        Ok(e) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"missing-persons.csv\"",
                ),
            ],
            m::export_csv(&e),
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}
