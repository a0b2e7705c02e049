//! Pages and API of record linkage and estimation in the app (issue 7): capture-history
//! tables, multiple systems estimates with their intervals, the list overlaps (a table and
//! an UpSet-style chart), and the assumptions in plain words.

use crate::api::ApiError;
use crate::authz::{CsrfMultipart, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, page_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dignity_core::Confidentiality;
use dignity_stats::mse::{self, CaptureHistories, CaptureTable, Method};
use dignity_store::stats as store;
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;
use std::fmt::Write as _;

pub mod linkage;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/estimates", get(list_page).post(create))
        .route("/estimates/{id}", get(estimate_page))
        .route("/stats/linkage", get(linkage::queue_page))
        .route("/stats/linkage.js", get(linkage::script))
        .route("/stats/linkage/runs", post(linkage::start_run))
        .route(
            "/stats/linkage/pairs/{id}",
            get(linkage::pair_page).post(linkage::decide),
        )
        .route("/stats/linkage/estimate", post(linkage::estimate))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/estimates/{id}", get(api_estimate))
        .route("/linkage/pairs", get(linkage::api_pairs))
        .route("/linkage/pairs/{id}", get(linkage::api_pair))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_estimate, linkage::api_pairs, linkage::api_pair),
    components(schemas(
        store::Dataset,
        dignity_store::stats::linkage::PairView,
        dignity_store::stats::linkage::PairRow,
        dignity_store::stats::linkage::Side,
        dignity_store::stats::linkage::FieldWeight
    ))
)]
pub struct ApiDoc;

fn parse_table(csv: &str, stratum: Option<&str>) -> Result<CaptureTable, String> {
    mse::read_capture_reader(csv.as_bytes(), stratum).map_err(|e| e.message().to_string())
}

/// The whole table, strata added up (for the overlaps view).
fn pooled(table: &CaptureTable) -> Option<CaptureHistories> {
    let first = &table.strata.first()?.1;
    let lists = first.lists().to_vec();
    let n = 1usize << lists.len();
    let mut cells = vec![0.0; n];
    for (_, d) in &table.strata {
        for (h, c) in cells.iter_mut().enumerate().skip(1) {
            *c += d.count(h);
        }
    }
    let cells: Vec<(u32, f64)> = cells
        .iter()
        .enumerate()
        .skip(1)
        .map(|(h, c)| (h as u32, *c))
        .collect();
    CaptureHistories::new(lists, &cells).ok()
}

fn method_for(name: &str) -> Method {
    match name {
        "dga" => Method::Dga(Default::default()),
        "lcm" => Method::Lcm(Default::default()),
        _ => Method::Loglinear(Default::default()),
    }
}

/// An UpSet-style chart as SVG: one bar per capture pattern (largest first) above a dot
/// matrix showing which lists the pattern includes.
fn upset_svg(data: &CaptureHistories, title: &str) -> String {
    let lists = data.lists();
    let k = lists.len();
    let mut patterns: Vec<(usize, f64)> = (1..(1usize << k))
        .map(|h| (h, data.count(h)))
        .filter(|(_, c)| *c > 0.0)
        .collect();
    patterns.sort_by(|a, b| b.1.total_cmp(&a.1));
    patterns.truncate(30);
    let max = patterns.iter().map(|p| p.1).fold(1.0, f64::max);
    let (col, label_w, bar_h, row_h) = (22.0, 110.0, 140.0, 20.0);
    let width = label_w + col * patterns.len() as f64 + 10.0;
    let height = bar_h + 20.0 + row_h * k as f64 + 10.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-labelledby="upset-title"><title id="upset-title">{}</title>"#,
        html_escape(title)
    );
    for (i, (h, c)) in patterns.iter().enumerate() {
        let x = label_w + col * i as f64 + 3.0;
        let hgt = (c / max * (bar_h - 14.0)).max(1.0);
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{hgt:.1}" fill="#1f4e79"/>"##,
            bar_h - hgt,
            col - 6.0
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle" fill="#1a1a1a">{c:.0}</text>"##,
            x + (col - 6.0) / 2.0,
            bar_h - hgt - 3.0
        );
        for j in 0..k {
            let cy = bar_h + 20.0 + row_h * j as f64 + row_h / 2.0;
            let on = h & (1 << j) != 0;
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{cy:.1}" r="5" fill="{}"/>"##,
                x + (col - 6.0) / 2.0,
                if on { "#1a1a1a" } else { "#d0d4da" }
            );
        }
    }
    for (j, name) in lists.iter().enumerate() {
        let y = bar_h + 20.0 + row_h * j as f64 + row_h / 2.0 + 4.0;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{y:.1}" font-size="11" text-anchor="end" fill="#1a1a1a">{}</text>"##,
            label_w - 8.0,
            html_escape(name)
        );
    }
    s.push_str("</svg>");
    s
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn list_page(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let form = context! { name => "", description => "", stratum => "", level => "internal" };
    list_page_with(&state, &ctx, StatusCode::OK, Value::from(()), form).await
}

async fn list_page_with(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    error: Value,
    form: Value,
) -> Response {
    match store::list(&state.store, &ctx.actor).await {
        Ok(list) => {
            let rows: Vec<Value> = list
                .iter()
                .map(|d| context! { id => d.id, name => d.name.clone(), lists => d.lists.join(", "), observed => d.observed, level => d.confidentiality.clone(), created_at => d.created_at.clone() })
                .collect();
            let can_create = crate::authz::may_write(ctx);
            page_status(
                state,
                ctx,
                "stats_estimates.html",
                status,
                context! { datasets => rows, can_create => can_create, error => error, form => form,
                levels => Confidentiality::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>() },
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "estimates list");
            WebError::internal("internal error").into_response()
        }
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfMultipart(mut mp): CsrfMultipart,
) -> Response {
    let mut fields = std::collections::HashMap::<String, String>::new();
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or("").to_string();
                match f.text().await {
                    Ok(t) => {
                        fields.insert(name, t);
                    }
                    Err(_) => {
                        return WebError::keyed(StatusCode::BAD_REQUEST, "error.bad_request")
                            .into_response()
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                return WebError::keyed(StatusCode::BAD_REQUEST, "error.bad_request")
                    .into_response()
            }
        }
    }
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let form = context! { name => get("name"), description => get("description"), stratum => get("stratum"), level => get("level") };
    let fail = |msg: String| {
        list_page_with(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            Value::from(msg),
            form.clone(),
        )
    };
    let csv = if !get("file").trim().is_empty() {
        get("file")
    } else {
        get("csv")
    };
    let stratum = get("stratum");
    let stratum = Some(stratum.trim()).filter(|s| !s.is_empty());
    let table = match parse_table(&csv, stratum) {
        Ok(t) => t,
        Err(msg) => {
            return fail(crate::i18n::t_args(
                ctx.lang,
                "stats.error_table",
                &[("reason", &msg)],
            ))
            .await
        }
    };
    let Some(all) = pooled(&table) else {
        return fail(ctx.t("stats.error_empty")).await;
    };
    let Ok(level) = get("level").parse::<Confidentiality>() else {
        return fail(ctx.t("error.bad_request")).await;
    };
    let lists = all.lists().to_vec();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            store::create(
                tx,
                &store::NewDataset {
                    name: &get("name"),
                    description: &get("description"),
                    stratum_column: stratum,
                    csv: &csv,
                    lists: &lists,
                    observed: all.observed().round() as i64,
                    level,
                },
            )
            .await
        })
        .await;
    match r {
        Ok(d) => Redirect::to(&format!("/estimates/{}", d.id)).into_response(),
        Err(dignity_store::StoreError::Rejected(e)) => {
            fail(crate::i18n::invalid(ctx.lang, &e)).await
        }
        Err(e) => {
            tracing::error!(error = %e, "create estimate table");
            WebError::internal("internal error").into_response()
        }
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct MethodQuery {
    /// loglinear (default), dga or lcm.
    #[serde(default)]
    pub method: Option<String>,
}

/// Estimates for a stored table: one per stratum and the total.
fn compute(
    d: &store::Dataset,
    method: &str,
) -> Result<(mse::StratifiedEstimate, CaptureHistories), String> {
    let table = parse_table(&d.csv, d.stratum_column.as_deref())?;
    let all = pooled(&table).ok_or("empty table")?;
    let mut r = mse::estimate_strata(&table, &method_for(method));
    // Without a stratum column the table is one stratum: its own estimate (with its own
    // interval, e.g. profile likelihood) is the total, not a sum of one.
    if d.stratum_column.is_none() && r.strata.len() == 1 {
        r.total = r.strata[0].estimate.clone();
    }
    Ok((r, all))
}

async fn estimate_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MethodQuery>,
) -> Response {
    let d = match store::get(&state.store, &ctx.actor, id).await {
        Ok(Some(d)) => d,
        // Not published: anonymous visitors are asked to sign in, others are told no such
        // table.
        Ok(None) => {
            return match crate::authz::signed_in(&ctx) {
                Ok(_) => WebError::not_found(),
                Err(e) => e,
            }
            .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "estimate page");
            return WebError::internal("internal error").into_response();
        }
    };
    let method = match q.method.as_deref() {
        Some(m @ ("dga" | "lcm" | "loglinear")) => m.to_string(),
        _ => "loglinear".to_string(),
    };
    let m2 = method.clone();
    let d2 = d.clone();
    let computed = tokio::task::spawn_blocking(move || compute(&d2, &m2)).await;
    let (result, all) = match computed {
        Ok(Ok(v)) => v,
        Ok(Err(msg)) => {
            return WebError::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: msg,
            }
            .into_response()
        }
        Err(_) => return WebError::internal("internal error").into_response(),
    };
    let k = all.num_lists();
    let overlaps: Vec<Value> = (0..k)
        .map(|i| {
            context! {
                name => all.lists()[i].clone(),
                total => all.list_total(i).round() as i64,
                cells => (0..k).map(|j| if i == j { all.list_total(i).round() as i64 } else { all.overlap(i, j).round() as i64 }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let view = |e: &mse::Estimate| {
        context! {
            estimate => e.estimate.round() as i64,
            observed => e.observed.round() as i64,
            lower => e.lower.map(|v| v.round() as i64),
            upper => e.upper.map(|v| v.round() as i64),
            level => (e.level * 100.0).round() as i64,
            model => e.model.clone(),
            interval => e.interval.clone(),
            warnings => e.warnings.clone(),
        }
    };
    let strata: Vec<Value> = result
        .strata
        .iter()
        .map(|s| context! { name => s.stratum.clone(), result => s.estimate.as_ref().map(view), error => s.error.clone() })
        .collect();
    page(
        &state,
        &ctx,
        "stats_estimate.html",
        context! {
            dataset => context! { id => d.id, name => d.name.clone(), description => d.description.clone(), level => d.confidentiality.clone(), lists => d.lists.clone(), observed => d.observed, stratum => d.stratum_column.clone() },
            method => method,
            total => result.total.as_ref().map(view),
            reason => if result.total.is_none() { result.strata.iter().filter_map(|s| s.error.clone()).next() } else { None },
            strata => if d.stratum_column.is_some() { strata } else { vec![] },
            warnings => result.warnings.clone(),
            overlaps => overlaps,
            list_names => all.lists().to_vec(),
            upset_svg => upset_svg(&all, &ctx.t("stats.upset_title")),
            patterns => (1..(1usize << k)).filter(|h| all.count(*h) > 0.0).map(|h| context! {
                lists => (0..k).filter(|j| h & (1 << j) != 0).map(|j| all.lists()[j].clone()).collect::<Vec<_>>().join(" + "),
                count => all.count(h).round() as i64,
            }).collect::<Vec<_>>(),
        },
    )
}

/// Estimate the total population of a stored capture-history table.
#[utoipa::path(get, path = "/api/v1/estimates/{id}", params(("id" = i64, Path), MethodQuery),
    responses((status = 200, description = "per-stratum estimates and the total (observed, estimate, lower, upper, method, model, warnings)"),
        (status = 404, body = ApiError), (status = 422, body = ApiError)), security(("token" = [])))]
pub async fn api_estimate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MethodQuery>,
) -> Response {
    if ctx.bad_token {
        return WebError::BadToken.into_response();
    }
    let d = match store::get(&state.store, &ctx.actor, id).await {
        Ok(Some(d)) => d,
        Ok(None) => return WebError::NotFound(format!("no estimate table {id}")).into_response(),
        Err(e) => {
            return WebError::internal(format!("api estimate: {e}")).into_response();
        }
    };
    let method = q.method.unwrap_or_else(|| "loglinear".into());
    if !matches!(method.as_str(), "loglinear" | "dga" | "lcm") {
        return WebError::Invalid {
            field: "method".into(),
            message: "method is loglinear, dga or lcm".into(),
        }
        .into_response();
    }
    match tokio::task::spawn_blocking(move || compute(&d, &method)).await {
        Ok(Ok((r, _))) => Json(serde_json::json!({
            "dataset": id,
            "strata": r.strata,
            "total": r.total,
            "warnings": r.warnings,
        }))
        .into_response(),
        Ok(Err(msg)) => WebError::refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid", msg, None)
            .into_response(),
        Err(_) => WebError::refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
            None,
        )
        .into_response(),
    }
}
