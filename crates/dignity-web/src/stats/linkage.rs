//! Record linkage in the app (issue 7): runs over the missing persons' source records or
//! the violations persons, the review queue of candidate pairs, the side-by-side page with
//! accept / reject / unsure (forms that work without JavaScript, plus single-key shortcuts),
//! undo, and capture histories from the linked lists opened on the estimates page.

use crate::api::ApiError;
use crate::authz::{CsrfForm, MayReviewLinkage, MayWrite, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::i18n::Lang;
use crate::pages::page_status;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use dignity_core::Confidentiality;
use dignity_store::stats as dstore;
use dignity_store::stats::linkage::{self as l, PairRow, QueueFilter, RunSettings};
use dignity_store::StoreError;
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

const PER_PAGE: i64 = 50;

/// The small script behind the single-key shortcuts (the forms work without it).
pub const SCRIPT: &str = include_str!("../../static/stats_linkage.js");

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The field and the reader's message of a refused input; any other error as it is.
fn refused(lang: Lang, e: StoreError) -> Result<(String, String), StoreError> {
    match e {
        StoreError::Rejected(r) => Ok((r.field.to_string(), crate::i18n::invalid(lang, &r))),
        e => Err(e),
    }
}

/// The query string that keeps the queue's filter across pages.
fn filter_qs(f: &QueueFilter) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if let Some(r) = f.run {
        s.append_pair("run", &r.to_string());
    }
    if let Some(x) = &f.status {
        s.append_pair("status", x);
    }
    if let Some(x) = &f.order {
        s.append_pair("order", x);
    }
    s.finish()
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    pub run: Option<i64>,
    pub status: Option<String>,
    pub order: Option<String>,
    pub page: Option<i64>,
    pub done: Option<String>,
    /// The pair just accepted (offered for undo).
    pub last: Option<i64>,
}

impl QueueQuery {
    fn filter(&self, default_run: Option<i64>) -> QueueFilter {
        QueueFilter {
            run: self.run.or(default_run),
            status: self.status.clone().filter(|s| !s.is_empty()),
            order: self.order.clone().filter(|s| !s.is_empty()),
        }
    }
}

fn pct(p: f64) -> String {
    format!("{:.1}", p * 100.0)
}

async fn row_view(state: &AppState, ctx: &Ctx, p: &PairRow) -> Value {
    let v = l::get_pair(&state.store, &ctx.actor, p.id)
        .await
        .ok()
        .flatten();
    let (a, b) = match &v {
        Some(v) => (
            context! { label => v.left.label.clone(), source => v.left.source.clone(), external_id => v.left.external_id.clone() },
            context! { label => v.right.label.clone(), source => v.right.source.clone(), external_id => v.right.external_id.clone() },
        ),
        None => (Value::from(()), Value::from(())),
    };
    context! { id => p.id, probability => pct(p.probability), status => p.status.clone(), kind => p.left_kind.clone(), left => a, right => b }
}

fn run_view(r: &l::Run) -> Value {
    let model_fields: Vec<Value> = r.model["fields"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let levels: Vec<Value> = f["levels"]
                        .as_array()
                        .map(|ls| {
                            ls.iter()
                                .skip(1)
                                .map(|lv| {
                                    let (m, u) = (lv["m"].as_f64().unwrap_or(0.0), lv["u"].as_f64().unwrap_or(1.0));
                                    context! { label => lv["label"].as_str().unwrap_or("").to_string(),
                                        m => format!("{m:.4}"), u => format!("{u:.6}"),
                                        weight => format!("{:+.2}", (m / u).log2()) }
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    context! { field => f["field"].as_str().unwrap_or("").to_string(), levels => levels }
                })
                .collect()
        })
        .unwrap_or_default();
    context! {
        id => r.id, scope => r.scope.clone(), records => r.records, candidates => r.candidates, pairs => r.pairs,
        started_by => r.started_by_name.clone(), started_at => r.started_at.clone(), finished_at => r.finished_at.clone(),
        pending => r.pending, accepted => r.accepted, rejected => r.rejected, unsure => r.unsure,
        min_probability => r.settings["min_probability"].as_f64().map(pct),
        lambda => r.model["lambda"].as_f64().map(|x| format!("{x:.6}")),
        em_iterations => r.model["em_iterations"].as_u64(),
        blocking_rules => r.model["blocking_rules"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect::<Vec<_>>()).unwrap_or_default(),
        diagnostics => r.diagnostics.clone(),
        model_fields => model_fields,
    }
}

/// The queue page: runs, the start form, the candidate pairs, capture histories.
pub async fn queue_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<QueueQuery>,
) -> Response {
    queue_view(&state, &ctx, &q, StatusCode::OK, None).await
}

async fn queue_view(
    state: &AppState,
    ctx: &Ctx,
    q: &QueueQuery,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    let may = l::may_review(&ctx.actor);
    let runs = match l::runs(&state.store, &ctx.actor).await {
        Ok(r) => r,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let f = q.filter(runs.first().map(|r| r.id));
    let current = runs.iter().find(|r| Some(r.id) == f.run);
    let page_no = q.page.unwrap_or(1).max(1);
    let (total, rows) = if may && current.is_some() {
        match l::queue(
            &state.store,
            &ctx.actor,
            &f,
            PER_PAGE,
            (page_no - 1) * PER_PAGE,
        )
        .await
        {
            Ok(x) => x,
            Err(e) => return WebError::internal(e).into_response(),
        }
    } else {
        (0, vec![])
    };
    let mut pairs = Vec::with_capacity(rows.len());
    for p in &rows {
        pairs.push(row_view(state, ctx, p).await);
    }
    let qs = filter_qs(&f);
    let notice = q
        .done
        .as_deref()
        .filter(|d| ["run", "accepted", "rejected", "unsure", "undone", "empty"].contains(d))
        .map(|d| ctx.t(&format!("stats.linkage.done.{d}")));
    page_status(
        state,
        ctx,
        "stats_linkage.html",
        status,
        context! {
            may_review => may,
            runs => runs.iter().map(run_view).collect::<Vec<_>>(),
            current => current.map(run_view),
            pairs => pairs,
            total => total,
            page => page_no,
            prev_page => if page_no > 1 { Some(page_no - 1) } else { None },
            next_page => if page_no * PER_PAGE < total { Some(page_no + 1) } else { None },
            status_filter => f.status.clone().unwrap_or_else(|| "pending".into()),
            order => f.order.clone().unwrap_or_else(|| "uncertain".into()),
            qs => qs,
            notice => notice,
            last => if q.done.as_deref() == Some("accepted") { q.last } else { None },
            problem => problem,
            statuses => l::STATUSES,
            strata => l::STRATA,
            levels => Confidentiality::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        },
    )
}

/// The queue page again with a refused form's message (422).
async fn queue_refused(state: &AppState, ctx: &Ctx, message: String) -> Response {
    queue_view(
        state,
        ctx,
        &QueueQuery::default(),
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(message),
    )
    .await
}

#[derive(Deserialize)]
pub struct RunForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    min_probability: String,
}

pub async fn start_run(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<RunForm>,
) -> Response {
    let min = match f.min_probability.trim() {
        "" => Ok(RunSettings::default().min_probability),
        s => s.replace(',', ".").parse::<f64>().map(|p| p / 100.0),
    };
    let Ok(min) = min else {
        return queue_refused(&state, &ctx, ctx.t("stats.linkage.error_min")).await;
    };
    let settings = RunSettings {
        scope: f.scope.clone(),
        min_probability: min,
        ..Default::default()
    };
    match l::start_run(&state.store, &ctx.actor, &settings).await {
        Ok(run) => Redirect::to(&format!("/stats/linkage?run={}&done=run", run.id)).into_response(),
        Err(e) => match refused(ctx.lang, e) {
            Ok((field, message)) => {
                let msg = if field == "min_probability" {
                    ctx.t("stats.linkage.error_min")
                } else {
                    message
                };
                queue_refused(&state, &ctx, msg).await
            }
            Err(e) => WebError::internal(e).into_response(),
        },
    }
}

/// The side-by-side page of one pair.
pub async fn pair_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<QueueQuery>,
) -> Response {
    pair_view(&state, &ctx, id, &q, StatusCode::OK, None).await
}

async fn pair_view(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &QueueQuery,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    let v = match l::get_pair(&state.store, &ctx.actor, id).await {
        Ok(Some(v)) => v,
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::internal(e).into_response(),
    };
    let f = q.filter(Some(v.pair.run_id));
    let (prev, next) = match l::neighbours(&state.store, &ctx.actor, &f, id).await {
        Ok(x) => x,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let value = |side: &l::Side, field: &str| {
        side.values
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let prior = v.pair.match_weight - v.pair.explanation.iter().map(|f| f.weight).sum::<f64>();
    let fields: Vec<Value> = v
        .pair
        .explanation
        .iter()
        .map(|e| {
            let missing = e.level == "missing" || e.level == "null";
            context! {
                field => e.field.clone(),
                label => ctx.t(&format!("stats.linkage.fields.{}", e.field)),
                left => value(&v.left, &e.field),
                right => value(&v.right, &e.field),
                level => e.level.clone(),
                weight => format!("{:+.2}", e.weight),
                agrees => !missing && e.weight > 0.0,
                disagrees => !missing && e.weight < 0.0,
            }
        })
        .collect();
    let side = |s: &l::Side| {
        let link = match (s.kind.as_str(), s.consolidated) {
            ("source_record", Some(m)) => Some(format!("/protection/missing/{m}")),
            ("person", Some(p)) => Some(format!("/violations/persons/{p}")),
            _ => None,
        };
        let own = if s.kind == "person" {
            Some(format!("/violations/persons/{}", s.id))
        } else {
            None
        };
        context! { kind => s.kind.clone(), id => s.id, label => s.label.clone(), source => s.source.clone(),
        external_id => s.external_id.clone(), consolidated => s.consolidated, consolidated_link => link, link => own }
    };
    let qs = filter_qs(&f);
    let notice = q
        .done
        .as_deref()
        .filter(|d| ["accepted", "rejected", "unsure", "undone"].contains(d))
        .map(|d| ctx.t(&format!("stats.linkage.done.{d}")));
    page_status(
        state,
        ctx,
        "stats_linkage_pair.html",
        status,
        context! {
            pair => context! { id => v.pair.id, run_id => v.pair.run_id, probability => pct(v.pair.probability),
                match_weight => format!("{:+.2}", v.pair.match_weight), prior => format!("{prior:+.2}"),
                status => v.pair.status.clone(), kind => v.pair.left_kind.clone() },
            left => side(&v.left),
            right => side(&v.right),
            fields => fields,
            prev => prev,
            next => next,
            qs => qs,
            run => f.run,
            status_filter => f.status.clone().unwrap_or_default(),
            order => f.order.clone().unwrap_or_default(),
            notice => notice,
            last => if q.done.as_deref() == Some("accepted") { q.last } else { None },
            problem => problem,
        },
    )
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    run: Option<String>,
    status: Option<String>,
    order: Option<String>,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DecideForm>,
) -> Response {
    let q = QueueQuery {
        run: f.run.as_deref().and_then(|r| r.parse().ok()),
        status: f.status.clone().filter(|s| !s.is_empty()),
        order: f.order.clone().filter(|s| !s.is_empty()),
        ..Default::default()
    };
    let Ok(Some(view)) = l::get_pair(&state.store, &ctx.actor, id).await else {
        return WebError::not_found().into_response();
    };
    let filt = q.filter(Some(view.pair.run_id));
    let next = l::neighbours(&state.store, &ctx.actor, &filt, id)
        .await
        .ok()
        .and_then(|(_, n)| n);
    let decision = f.decision.clone();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            if decision == "undo" {
                l::undo(tx, id).await
            } else {
                l::decide(tx, id, &decision).await
            }
        })
        .await;
    let done = match decision.as_str() {
        "accept" => "accepted",
        "reject" => "rejected",
        "unsure" => "unsure",
        _ => "undone",
    };
    let qs = filter_qs(&filt);
    match r {
        Ok(()) if decision == "undo" => {
            Redirect::to(&format!("/stats/linkage/pairs/{id}?{qs}&done=undone")).into_response()
        }
        // On to the next pair of the queue, or back to the queue when it is empty.
        Ok(()) => match next {
            Some(n) => Redirect::to(&format!(
                "/stats/linkage/pairs/{n}?{qs}&done={done}&last={id}"
            ))
            .into_response(),
            None => {
                Redirect::to(&format!("/stats/linkage?{qs}&done={done}&last={id}")).into_response()
            }
        },
        Err(e) => match refused(ctx.lang, e) {
            Ok((_, message)) => {
                pair_view(
                    &state,
                    &ctx,
                    id,
                    &q,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(message),
                )
                .await
            }
            Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
            Err(e) => WebError::internal(e).into_response(),
        },
    }
}

#[derive(Deserialize)]
pub struct EstimateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    stratum: String,
    #[serde(default)]
    level: String,
}

/// Capture histories from the linked source records, stored as a table and opened on the
/// estimates page.
pub async fn estimate(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<EstimateForm>,
) -> Response {
    let fail = |msg: String| queue_refused(&state, &ctx, msg);
    let stratum = Some(f.stratum.trim()).filter(|s| !s.is_empty());
    let ch = match l::capture_histories(&state.store, &ctx.actor, stratum).await {
        Ok(c) => c,
        Err(e) => match refused(ctx.lang, e) {
            Ok((_, message)) => return fail(message).await,
            Err(e) => return WebError::internal(e).into_response(),
        },
    };
    let csv = ch.to_csv();
    // The same checks as an uploaded table: at least two lists, someone documented.
    if let Err(e) = dignity_stats::mse::read_capture_reader(csv.as_bytes(), stratum) {
        return fail(crate::i18n::t_args(
            ctx.lang,
            "stats.error_table",
            &[("reason", e.message())],
        ))
        .await;
    }
    let Ok(level) = f.level.parse::<Confidentiality>() else {
        return fail(ctx.t("error.bad_request")).await;
    };
    let name = if f.name.trim().is_empty() {
        ctx.t("stats.linkage.estimate_default_name")
    } else {
        f.name.clone()
    };
    let description = ctx.t("stats.linkage.estimate_description");
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            dstore::create(
                tx,
                &dstore::NewDataset {
                    name: &name,
                    description: &description,
                    stratum_column: stratum,
                    csv: &csv,
                    lists: &ch.lists,
                    observed: ch.observed(),
                    level,
                },
            )
            .await
        })
        .await;
    match r {
        Ok(d) => Redirect::to(&format!("/estimates/{}", d.id)).into_response(),
        Err(e) => match refused(ctx.lang, e) {
            Ok((_, message)) => fail(message).await,
            Err(e) => WebError::internal(e).into_response(),
        },
    }
}

// -------------------------------------------------------------------- API --

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ApiQueue {
    /// A run (default: the newest).
    pub run: Option<i64>,
    /// pending (default), unsure, accepted, rejected or all.
    pub status: Option<String>,
    /// uncertain (default) or highest.
    pub order: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Candidate pairs of a linkage run whose two records the caller may see.
#[utoipa::path(get, path = "/api/v1/linkage/pairs", params(ApiQueue),
    responses((status = 200, description = "`{\"total\": N, \"items\": [pair]}`: id, run, both records (kind, id), match probability, status, per-field explanation"),
        (status = 403, body = ApiError)), security(("token" = [])))]
pub async fn api_pairs(
    State(state): State<AppState>,
    ctx: MayReviewLinkage,
    Query(q): Query<ApiQueue>,
) -> Response {
    let f = QueueFilter {
        run: q.run,
        status: q.status,
        order: q.order,
    };
    match l::queue(
        &state.store,
        &ctx.actor,
        &f,
        q.limit.unwrap_or(100),
        q.offset.unwrap_or(0),
    )
    .await
    {
        Ok((total, items)) => {
            Json(serde_json::json!({ "total": total, "items": items })).into_response()
        }
        Err(e) => WebError::internal(format!("api linkage pairs: {e}")).into_response(),
    }
}

/// One candidate pair with both records side by side.
#[utoipa::path(get, path = "/api/v1/linkage/pairs/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = l::PairView), (status = 404, body = ApiError)), security(("token" = [])))]
pub async fn api_pair(
    State(state): State<AppState>,
    ctx: MayReviewLinkage,
    Path(id): Path<i64>,
) -> Response {
    match l::get_pair(&state.store, &ctx.actor, id).await {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => WebError::NotFound(format!("no pair {id}")).into_response(),
        Err(e) => WebError::internal(format!("api linkage pair: {e}")).into_response(),
    }
}
