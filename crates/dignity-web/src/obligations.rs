//! Pages and API of states' obligations and recommendations (issue 3): the world
//! ratification matrix, country profiles, deadlines, the recommendations list with
//! full-text search and facets, implementation tracking and the follow-up report.

use crate::authz::{Caller, CsrfForm, MayWrite, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, page_status};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dignity_core::auth::authorize;
use dignity_core::{Action, Confidentiality};
use dignity_store::obligations::{
    self as ob, recs, reports, tracking, MatrixFilter, RatificationInput, RecFilter,
};
use dignity_store::{StoreError, WriteTx};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::OpenApi;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/obligations/matrix", get(matrix_page))
        .route("/obligations/countries/{iso3}", get(country_page))
        .route(
            "/obligations/countries/{iso3}/ratifications/{instrument}",
            get(ratification_form).post(ratification_save),
        )
        .route(
            "/obligations/countries/{iso3}/deadlines",
            get(deadlines_page),
        )
        .route("/obligations/countries/{iso3}/reports", post(report_save))
        .route("/obligations/countries/{iso3}/visits", post(visit_save))
        .route(
            "/obligations/countries/{iso3}/follow-up",
            get(follow_up_page),
        )
        .route("/obligations/recommendations", get(recommendations_page))
        .route(
            "/obligations/recommendations/{id}",
            get(recommendation_page),
        )
        .route(
            "/obligations/recommendations/{id}/{what}",
            post(tracking_save),
        )
        .route(
            "/obligations/countries/{iso3}/communications",
            post(communication_save),
        )
        .route(
            "/obligations/countries/{iso3}/communications/{id}/interventions",
            post(communication_link),
        )
        .route(
            "/obligations/countries/{iso3}/invitation",
            post(invitation_save),
        )
        .route("/obligations/countries/{iso3}/clusters", post(cluster_save))
        .route(
            "/obligations/mandates",
            get(mandates_page).post(mandate_save),
        )
        .route("/obligations/mandates/holders", post(holder_save))
}

// ------------------------------------------------------------------ helpers --

fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The shared part of an editor's POST form (the caller passed [`MayWrite`] and the CSRF
/// check of [`CsrfForm`] before the form was read): run `write` in one audited transaction (nothing written when it fails), then
/// go to `done`; invalid input goes back to `back` with its message, an unknown record
/// is a 404. Each handler says only what it writes.
async fn edit_and_redirect(
    state: &AppState,
    ctx: &Ctx,
    back: &str,
    done: &str,
    write: impl AsyncFnOnce(&mut WriteTx) -> Result<(), StoreError>,
) -> Response {
    match state.store.write(&ctx.actor, write).await {
        Ok(()) => see_other(done),
        Err(e @ StoreError::Invalid { .. }) => flash_error(back, &e),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// [`edit_and_redirect`] for a form on a State's page: the State must exist.
async fn edit_country(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
    anchor: &str,
    write: impl AsyncFnOnce(&mut WriteTx, &str) -> Result<(), StoreError>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    let back = format!("/obligations/countries/{iso3}");
    let done = format!("{back}?flash=saved{anchor}");
    edit_and_redirect(state, ctx, &back, &done, async |tx| {
        if !ob::country_exists(tx.store(), &iso3).await? {
            return Err(StoreError::NotFound(iso3.clone()));
        }
        write(tx, &iso3).await
    })
    .await
}

fn can_edit(ctx: &Ctx) -> bool {
    ctx.user.is_some() && authorize(&ctx.actor, Action::Update, &ob::public_fact()).allowed()
}

async fn country_or_404(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
) -> Result<(String, String), Response> {
    let iso3 = iso3.to_ascii_uppercase();
    match ob::country_names(&state.store, ctx.lang.code()).await {
        Ok(names) => match names.get(&iso3) {
            Some(n) => Ok((iso3, n.clone())),
            None => Err(WebError::not_found().into_response()),
        },
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

/// A horizontal bar chart as SVG (no script, no inline style): one bar per value with
/// its count; a data table with the same numbers stands beside it on the page.
pub fn bar_chart(id: &str, title: &str, data: &[(String, i64)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let row_h = 22;
    let h = (data.len() as i32 * row_h + 10).max(30);
    let mut s = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title\" viewBox=\"0 0 420 {h}\" width=\"420\" height=\"{h}\"><title id=\"{id}-title\">{}</title>",
        esc(title)
    );
    for (i, (label, n)) in data.iter().enumerate() {
        let y = 5 + i as i32 * row_h;
        let w = ((*n as f64 / max) * 230.0).round().max(1.0);
        let short: String = label.chars().take(24).collect();
        s.push_str(&format!(
            "<g><title>{}: {n}</title><text x=\"0\" y=\"{}\" font-size=\"11\" fill=\"#222\">{}</text><rect x=\"150\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"#1f5f8b\"></rect><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#222\">{n}</text></g>",
            esc(label),
            y + 12,
            esc(&short),
            150.0 + w + 4.0,
            y + 12
        ));
    }
    s.push_str("</svg>");
    s
}

fn facet_rows(
    ctx: &Ctx,
    what: &str,
    v: &[recs::FacetValue],
    names: &HashMap<String, String>,
) -> Vec<(String, i64)> {
    v.iter()
        .map(|f| {
            let label = match what {
                "status" => ctx.t(&format!("obl.status.{}", f.value)),
                "mechanism" => ctx.t(&format!("obl.mechanism.{}", f.value)),
                "position" => ctx.t(&format!("obl.position.{}", f.value)),
                "country" | "from" => names
                    .get(&f.value)
                    .cloned()
                    .unwrap_or_else(|| f.value.clone()),
                _ => f.value.clone(),
            };
            (label, f.count)
        })
        .collect()
}

// ------------------------------------------------------------------ matrix --

pub async fn matrix_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<MatrixFilter>,
) -> Response {
    let store = &state.store;
    let r = async {
        Ok::<_, StoreError>((
            ob::matrix(store, ctx.lang.code(), &f).await?,
            dignity_store::reference::regions(store).await?,
            ob::regional_groups(store).await?,
        ))
    }
    .await;
    match r {
        Ok((m, regions, groups)) => {
            let groups: Vec<Value> = groups
                .iter()
                .map(|g| context! { code => g, name => ctx.t(&format!("obl.group.{g}")) })
                .collect();
            page(
                &state,
                &ctx,
                "obligations_matrix.html",
                context! {
                    matrix => Value::from_serialize(&m),
                    regions => regions,
                    groups => groups,
                    region => f.region.clone().unwrap_or_default(),
                    group => f.group.clone().unwrap_or_default(),
                    system => f.system.clone().unwrap_or_else(|| "un".into()),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

// ----------------------------------------------------------------- country --

pub async fn country_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(iso3): Path<String>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let store = &state.store;
    let actor = &ctx.actor;
    let r = async {
        let rats = ob::ratifications(store, &iso3).await?;
        let procs = ob::procedures(&rats);
        let all = reports::reports(store, &iso3, ob::today() + chrono::Duration::days(365)).await?;
        let outstanding = reports::outstanding(&all);
        let visits = reports::visits(store, &iso3).await?;
        let invitation = reports::standing_invitation(store, &iso3).await?;
        let by_body = recs::counts_by(store, actor, &iso3, "body").await?;
        let by_theme = recs::counts_by(store, actor, &iso3, "theme").await?;
        let by_status = recs::counts_by(store, actor, &iso3, "status").await?;
        let by_position = recs::counts_by(store, actor, &iso3, "position").await?;
        let mandates = reports::mandates(store).await?;
        let comms = reports::communications(store, actor, &iso3).await?;
        let clusters = tracking::clusters(store, &iso3).await?;
        Ok::<_, StoreError>((
            (comms, clusters),
            rats,
            procs,
            outstanding,
            visits,
            invitation,
            by_body,
            by_theme,
            by_status,
            by_position,
            mandates,
        ))
    }
    .await;
    let (
        (comms, clusters),
        rats,
        procs,
        outstanding,
        visits,
        invitation,
        by_body,
        by_theme,
        by_status,
        by_position,
        mandates,
    ) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    let names = HashMap::new();
    let body_rows = facet_rows(&ctx, "body", &by_body, &names);
    let theme_rows = facet_rows(&ctx, "theme", &by_theme, &names);
    let status_rows = facet_rows(&ctx, "status", &by_status, &names);
    let position_rows = facet_rows(&ctx, "position", &by_position, &names);
    let total: i64 = by_body.iter().map(|b| b.count).sum();
    let chart = |id: &str, key: &str, rows: &[(String, i64)]| {
        if rows.is_empty() {
            Value::from(())
        } else {
            Value::from_safe_string(bar_chart(id, &ctx.t(key), rows))
        }
    };
    let table = |key: &str, rows: &[(String, i64)], raw: &[recs::FacetValue]| -> Vec<Value> {
        rows.iter()
            .zip(raw)
            .map(|((label, n), f)| {
                context! {
                    label => label, count => n, value => f.value.clone(),
                    href => format!("/obligations/recommendations?country={iso3}&{key}={}", enc(&f.value)),
                    follow_up => format!("/obligations/countries/{iso3}/follow-up?body={}", enc(&f.value)),
                }
            })
            .collect()
    };
    let portal_panel = crate::portal::country_panel(&state, &ctx, &iso3).await;
    page(
        &state,
        &ctx,
        "obligations_country.html",
        context! {
            portal_panel => portal_panel,
            iso3 => iso3.clone(),
            name => name,
            can_edit => can_edit(&ctx),
            ratifications => Value::from_serialize(&rats),
            procedures => Value::from_serialize(&procs),
            outstanding => Value::from_serialize(&outstanding),
            visits => Value::from_serialize(&visits),
            invitation => invitation,
            mandates => Value::from_serialize(&mandates),
            visit_statuses => reports::VISIT_STATUSES.to_vec(),
            communications => Value::from_serialize(&comms),
            clusters => Value::from_serialize(&clusters),
            cluster_bases => ["theme", "affected", "sdg", "manual"].to_vec(),
            total => total,
            by_body => table("body", &body_rows, &by_body),
            by_theme => table("theme", &theme_rows, &by_theme),
            by_status => table("status", &status_rows, &by_status),
            by_position => table("position", &position_rows, &by_position),
            chart_body => chart("chart-body", "obl.country.chart_body", &body_rows),
            chart_theme => chart("chart-theme", "obl.country.chart_theme", &theme_rows),
            chart_status => chart("chart-status", "obl.country.chart_status", &status_rows),
        },
    )
}

pub async fn ratification_form(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match ob::ratification(&state.store, &iso3, &instrument).await {
        Ok(Some(r)) => render_rat_form(&state, &ctx, &iso3, &name, &r, None),
        Ok(None) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

fn render_rat_form(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
    name: &str,
    r: &ob::Ratification,
    error: Option<String>,
) -> Response {
    page_status(
        state,
        ctx,
        "obligations_ratification.html",
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        context! {
            iso3 => iso3, name => name, r => Value::from_serialize(r), error => error,
            statuses => vec!["party", "signatory", "none", "denounced"],
            kinds => vec!["ratification", "accession", "succession"],
        },
    )
}

#[derive(Deserialize)]
pub struct RatForm {
    status: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    consent_kind: String,
    #[serde(default)]
    reservations: String,
    #[serde(default)]
    declarations: String,
    #[serde(default)]
    complaints_declaration: String,
    #[serde(default)]
    inquiry_accepted: String,
    #[serde(default)]
    note: String,
}

fn tri(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

pub async fn ratification_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<RatForm>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let input = RatificationInput {
        status: f.status.clone(),
        signature: f.signature.clone(),
        consent: f.consent.clone(),
        consent_kind: f.consent_kind.clone(),
        reservations: f.reservations.clone(),
        declarations: f.declarations.clone(),
        complaints_declaration: tri(&f.complaints_declaration),
        inquiry_accepted: tri(&f.inquiry_accepted),
        note: f.note.clone(),
    };
    let mut tx = match state.store.begin(&ctx.actor).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).into_response(),
    };
    match ob::set_ratification(&mut tx, &iso3, &instrument, &input, "user").await {
        Ok(_) => match tx.commit().await {
            Ok(_) => see_other(&format!("/obligations/countries/{iso3}?flash=saved")),
            Err(e) => WebError::from(e).into_response(),
        },
        Err(StoreError::Invalid { field, message }) => {
            let _ = tx.rollback().await;
            let Ok(Some(mut r)) = ob::ratification(&state.store, &iso3, &instrument).await else {
                return WebError::not_found().into_response();
            };
            r.status = f.status;
            r.signature = f.signature;
            r.consent = f.consent;
            r.consent_kind = f.consent_kind;
            r.reservations = f.reservations;
            r.declarations = f.declarations;
            r.note = f.note;
            render_rat_form(
                &state,
                &ctx,
                &iso3,
                &name,
                &r,
                Some(format!("{field}: {message}")),
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

// --------------------------------------------------------------- deadlines --

#[derive(Deserialize, Default)]
pub struct DaysQuery {
    days: Option<i64>,
}

pub async fn deadlines_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(iso3): Path<String>,
    Query(q): Query<DaysQuery>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let days = q.days.unwrap_or(365).clamp(1, 3650);
    let r = async {
        Ok::<_, StoreError>((
            reports::deadlines(&state.store, &iso3, days).await?,
            reports::reports(
                &state.store,
                &iso3,
                ob::today() + chrono::Duration::days(days),
            )
            .await?,
            tracking::due_actions(&state.store, &iso3, days).await?,
        ))
    }
    .await;
    match r {
        Ok((due, all, actions)) => {
            let recorded: Vec<_> = all.iter().filter(|r| r.recorded).cloned().collect();
            let instruments: Vec<String> = {
                let mut v: Vec<String> = all.iter().map(|r| r.instrument.clone()).collect();
                v.dedup();
                v
            };
            page(
                &state,
                &ctx,
                "obligations_deadlines.html",
                context! {
                    iso3 => iso3, name => name, days => days, due => Value::from_serialize(&due),
                    recorded => Value::from_serialize(&recorded), instruments => instruments, can_edit => can_edit(&ctx),
                    actions => Value::from_serialize(&actions),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    instrument: String,
    number: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    submitted: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    review_session: String,
    #[serde(default)]
    co_symbol: String,
}

fn flash_error(back: &str, e: &StoreError) -> Response {
    let code = match e {
        StoreError::Invalid { field, .. } => format!(
            "obl_invalid_{}",
            field.replace(|c: char| !c.is_ascii_lowercase(), "_")
        ),
        _ => "internal".into(),
    };
    let known = [
        "obl_invalid_submitted",
        "obl_invalid_due_date",
        "obl_invalid_number",
        "obl_invalid_visit_end",
        "obl_invalid_status",
        "obl_invalid_mandate_code",
        "obl_invalid_assessed_on",
        "obl_invalid_body",
        "obl_invalid_description",
        "obl_invalid_target_date",
        "obl_invalid_institution",
        "obl_invalid_requested",
        "obl_invalid_reference",
        "obl_invalid_sent",
        "obl_invalid_reply",
        "obl_invalid_intervention_id",
        "obl_invalid_since",
        "obl_invalid_name",
        "obl_invalid_basis",
        "obl_invalid_basis_value",
        "obl_invalid_code",
        "obl_invalid_kind",
        "obl_invalid_iso_",
        "obl_invalid_established",
        "obl_invalid_start_date",
        "obl_invalid_end_date",
        "obl_invalid_mandate",
        "obl_invalid_action_id",
        "obl_invalid_cluster",
    ];
    let code = if known.contains(&code.as_str()) {
        code
    } else {
        "obl_invalid".into()
    };
    see_other(&format!("{back}?error={code}"))
}

pub async fn report_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<ReportForm>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    let back = format!("/obligations/countries/{iso3}/deadlines");
    let input = reports::ReportInput {
        number: f.number.trim().parse().unwrap_or(0),
        due_date: f.due_date,
        submitted: f.submitted,
        symbol: f.symbol,
        review_session: f.review_session,
        co_symbol: f.co_symbol,
        note: String::new(),
    };
    let done = format!("{back}?flash=saved");
    edit_and_redirect(&state, &ctx, &back, &done, async |tx| {
        reports::set_report(tx, &iso3, &f.instrument, &input).await
    })
    .await
}

#[derive(Deserialize)]
pub struct VisitForm {
    mandate_code: String,
    status: String,
    #[serde(default)]
    requested: String,
    #[serde(default)]
    visit_start: String,
    #[serde(default)]
    visit_end: String,
    #[serde(default)]
    report_symbol: String,
}

pub async fn visit_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<VisitForm>,
) -> Response {
    let v = reports::Visit {
        id: 0,
        mandate_code: f.mandate_code,
        mandate_name: String::new(),
        iso3: iso3.to_ascii_uppercase(),
        status: f.status,
        requested: f.requested,
        accepted: String::new(),
        visit_start: f.visit_start,
        visit_end: f.visit_end,
        report_symbol: f.report_symbol,
        note: String::new(),
    };
    edit_country(&state, &ctx, &iso3, "", async |tx, iso3| {
        reports::add_visit(tx, iso3, &v).await.map(|_| ())
    })
    .await
}

#[derive(Deserialize)]
pub struct CommunicationForm {
    #[serde(default)]
    mandate_code: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    sent: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    link: String,
    /// An intervention to link (its number), optional.
    #[serde(default)]
    intervention_id: String,
}

/// `POST /obligations/countries/{iso3}/communications`: a communication of a special
/// procedure to the State (its reply clock is kept with the interventions).
pub async fn communication_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<CommunicationForm>,
) -> Response {
    let c = reports::Communication {
        mandate_code: f.mandate_code,
        reference: f.reference,
        sent: f.sent,
        reply: f.reply,
        link: f.link,
        intervention_id: f.intervention_id.trim().parse().ok(),
        ..Default::default()
    };
    let bad_intervention = !f.intervention_id.trim().is_empty() && c.intervention_id.is_none();
    edit_country(&state, &ctx, &iso3, "#sp-h", async |tx, iso3| {
        if bad_intervention {
            return Err(StoreError::invalid(
                "intervention_id",
                "the number of an intervention",
            ));
        }
        reports::add_communication(tx, iso3, &c).await.map(|_| ())
    })
    .await
}

#[derive(Deserialize)]
pub struct InvitationForm {
    #[serde(default)]
    since: String,
}

/// `POST /obligations/countries/{iso3}/invitation`: the standing invitation to the
/// special procedures, extended since a date or year; empty withdraws it.
pub async fn invitation_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<InvitationForm>,
) -> Response {
    let since = Some(f.since.trim()).filter(|s| !s.is_empty());
    edit_country(&state, &ctx, &iso3, "#sp-h", async |tx, iso3| {
        reports::set_standing_invitation(tx, iso3, since).await
    })
    .await
}

#[derive(Deserialize)]
pub struct CommunicationLinkForm {
    #[serde(default)]
    intervention_id: String,
}

/// `POST /obligations/countries/{iso3}/communications/{id}/interventions`: link a
/// communication to the intervention whose 60-day reply clock it follows.
pub async fn communication_link(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, id)): Path<(String, i64)>,
    CsrfForm(f): CsrfForm<CommunicationLinkForm>,
) -> Response {
    let int = f.intervention_id.trim().parse::<i64>();
    edit_country(&state, &ctx, &iso3, "#comm-h", async |tx, _| {
        let int = int
            .map_err(|_| StoreError::invalid("intervention_id", "the number of an intervention"))?;
        reports::link_intervention(tx, id, int).await
    })
    .await
}

#[derive(Deserialize)]
pub struct ClusterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    basis_value: String,
}

/// `POST /obligations/countries/{iso3}/clusters`: group a State's recommendations by theme,
/// affected persons, SDG target, or by hand.
pub async fn cluster_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<ClusterForm>,
) -> Response {
    edit_country(&state, &ctx, &iso3, "#clusters-h", async |tx, iso3| {
        tracking::create_cluster(tx, iso3, &f.name, f.basis.trim(), &f.basis_value)
            .await
            .map(|_| ())
    })
    .await
}

/// `GET /obligations/mandates`: special procedure mandates and their holders over time.
pub async fn mandates_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        Ok::<_, StoreError>((
            reports::mandates(&state.store).await?,
            ob::country_names(&state.store, ctx.lang.code()).await?,
        ))
    }
    .await;
    let (mandates, names) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    let mut countries: Vec<(String, String)> = names.clone().into_iter().collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    page(
        &state,
        &ctx,
        "obligations_mandates.html",
        context! {
            mandates => mandates.iter().map(|m| context! {
                ..Value::from_serialize(m),
                ..context! { country => m.iso3.as_ref().and_then(|c| names.get(c).cloned()) }
            }).collect::<Vec<_>>(),
            countries => countries.iter().map(|(c, n)| context! { code => c, name => n }).collect::<Vec<_>>(),
            can_edit => can_edit(&ctx),
        },
    )
}

#[derive(Deserialize)]
pub struct MandateForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    iso3: String,
    #[serde(default)]
    established: String,
}

/// `POST /obligations/mandates`: create a mandate, or update the one with the same code.
pub async fn mandate_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<MandateForm>,
) -> Response {
    let back = "/obligations/mandates";
    let iso3 = Some(f.iso3.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
    let done = format!("{back}?flash=saved");
    edit_and_redirect(&state, &ctx, back, &done, async |tx| {
        reports::upsert_mandate(
            tx,
            &f.code,
            &f.name,
            f.kind.trim(),
            iso3.as_deref(),
            &f.established,
        )
        .await
        .map(|_| ())
    })
    .await
}

#[derive(Deserialize)]
pub struct HolderForm {
    #[serde(default)]
    mandate_id: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
}

/// `POST /obligations/mandates/holders`: a mandate holder and their term.
pub async fn holder_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<HolderForm>,
) -> Response {
    let back = "/obligations/mandates";
    let done = format!("{back}?flash=saved");
    edit_and_redirect(&state, &ctx, back, &done, async |tx| {
        if f.name.trim().is_empty() {
            return Err(StoreError::invalid("name", "give the holder's name"));
        }
        if !reports::mandates(tx.store())
            .await?
            .iter()
            .any(|m| m.id == f.mandate_id)
        {
            return Err(StoreError::invalid("mandate", "choose a mandate"));
        }
        reports::add_holder(tx, f.mandate_id, &f.name, &f.start_date, &f.end_date).await
    })
    .await
}

// --------------------------------------------------------- recommendations --

/// The filter of a recommendations query string. A facet may be given several times
/// (`?body=CCPR&body=CAT`): the values are OR-ed within the facet. Returns the filter and
/// every (key, value) pair given, in order.
fn rec_filter(raw: Option<&str>) -> Result<(RecFilter, Vec<(String, String)>), String> {
    let mut seen = std::collections::HashSet::new();
    let mut first = url::form_urlencoded::Serializer::new(String::new());
    let mut also = vec![];
    let mut pairs = vec![];
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if v.trim().is_empty() {
            continue;
        }
        let repeated = !seen.insert(k.to_string());
        if !repeated {
            first.append_pair(&k, &v);
        } else if recs::MULTI_FACETS.contains(&k.as_ref()) {
            also.push((k.to_string(), v.to_string()));
        } else {
            continue;
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    let uri: axum::http::Uri = format!("/?{}", first.finish())
        .parse()
        .map_err(|e: axum::http::uri::InvalidUri| e.to_string())?;
    let Query(mut f) = Query::<RecFilter>::try_from_uri(&uri).map_err(|e| e.body_text())?;
    f.also = also;
    Ok((f, pairs))
}

pub async fn recommendations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let (f, pairs) = match rec_filter(raw.as_deref()) {
        Ok(x) => x,
        Err(_) => {
            return WebError::keyed(StatusCode::BAD_REQUEST, "error.bad_request").into_response()
        }
    };
    let r = async {
        Ok::<_, StoreError>((
            recs::search(&state.store, &ctx.actor, &f, true).await?,
            ob::country_names(&state.store, ctx.lang.code()).await?,
        ))
    }
    .await;
    let (p, names) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    let facets = p.facets.clone().unwrap_or_default();
    // Every facet value links to the current filters plus itself (several values of one
    // facet are OR-ed), or, when chosen already, to the filters without it.
    let base: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "page").collect();
    let href = |pairs: &[(String, String)]| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        format!("/obligations/recommendations?{}", s.finish())
    };
    let toggle = |k: &str, v: &str| {
        let on = base.iter().any(|(bk, bv)| bk == k && bv == v);
        let mut p: Vec<(String, String)> = base
            .iter()
            .filter(|(bk, bv)| !(bk == k && bv == v))
            .cloned()
            .collect();
        if !on {
            p.push((k.to_string(), v.to_string()));
        }
        (on, href(&p))
    };
    let without = |k: &str| {
        let p: Vec<(String, String)> = base.iter().filter(|(bk, _)| bk != k).cloned().collect();
        href(&p)
    };
    let paged = |n: i64| {
        let mut p = base.clone();
        p.push(("page".into(), n.to_string()));
        href(&p)
    };
    let groups: Vec<Value> = [
        ("mechanism", &facets.mechanism),
        ("body", &facets.body),
        ("country", &facets.country),
        ("from", &facets.from),
        ("theme", &facets.theme),
        ("affected", &facets.affected),
        ("sdg", &facets.sdg),
        ("position", &facets.position),
        ("status", &facets.status),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| {
        let rows = facet_rows(&ctx, k, v, &names);
        let any_active = base.iter().any(|(bk, _)| bk == k);
        let values: Vec<Value> = v
            .iter()
            .zip(rows)
            .take(25)
            .map(|(fv, (label, n))| {
                let (active, href) = toggle(k, fv.value.as_str());
                context! { label => label, count => n, href => href, active => active }
            })
            .collect();
        context! { key => k, values => values, clear => any_active.then(|| without(k)) }
    })
    .collect();
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|r| {
            context! {
                id => r.id, body => r.body.clone(), mechanism => r.mechanism.clone(),
                country => names.get(&r.iso3).cloned().unwrap_or_else(|| r.iso3.clone()),
                from => r.recommending_iso3.as_ref().map(|f| names.get(f).cloned().unwrap_or_else(|| f.clone())),
                text => if r.text.chars().count() > 400 { format!("{}…", r.text.chars().take(400).collect::<String>()) } else { r.text.clone() },
                date => r.date.clone(), symbol => r.document_symbol.clone(),
                session => r.session.clone(), position => r.position.clone(), status => r.status.clone(),
                themes => r.themes.clone(),
            }
        })
        .collect();
    let pages = (p.total + p.per_page - 1) / p.per_page;
    let mut countries: Vec<(String, String)> =
        names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let countries: Vec<Value> = countries
        .iter()
        .map(|(c, n)| context! { iso3 => c, name => n })
        .collect();
    page(
        &state,
        &ctx,
        "obligations_recommendations.html",
        context! {
            total => p.total, items => items, facets => groups,
            q => f.q.clone().unwrap_or_default(),
            country => f.country.clone().unwrap_or_default().to_ascii_uppercase(),
            countries => countries,
            page => p.page, pages => pages,
            prev => (p.page > 1).then(|| paged(p.page - 1)),
            next => (p.page < pages).then(|| paged(p.page + 1)),
            filtered => !f.is_empty(),
        },
    )
}

pub async fn recommendation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Response {
    let store = &state.store;
    let actor = &ctx.actor;
    let rec = match recs::get(store, actor, id).await {
        Ok(Some(r)) => r,
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::from(e).into_response(),
    };
    let r = async {
        Ok::<_, StoreError>((
            tracking::history(store, actor, id).await?,
            tracking::assignments(store, id).await?,
            tracking::actions(store, id).await?,
            tracking::notes(store, actor, tracking::Target::Recommendation(id)).await?,
            ob::country_names(store, ctx.lang.code()).await?,
            tracking::clusters(store, &rec.iso3).await?,
        ))
    }
    .await;
    let (history, assignments, actions, notes, names, clusters) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    // The public portal panel (administrators) for the latest implementation assessment.
    let portal_panel = match history.last() {
        Some(a) => {
            crate::portal::record_panel(
                &state,
                &ctx,
                dignity_core::RecordType::Assessment,
                a.id,
                &format!("/obligations/recommendations/{id}"),
            )
            .await
        }
        None => None,
    };
    page(
        &state,
        &ctx,
        "obligations_recommendation.html",
        context! {
            portal_panel => portal_panel,
            r => Value::from_serialize(&rec),
            country => names.get(&rec.iso3).cloned().unwrap_or_default(),
            from => rec.recommending_iso3.as_ref().and_then(|f| names.get(f).cloned()),
            history => history.iter().map(|a| {
                // Only web links are made clickable.
                let links: Vec<&str> = a.evidence.lines().map(str::trim)
                    .filter(|l| l.starts_with("https://") || l.starts_with("http://")).collect();
                context! { ..Value::from_serialize(a), ..context! { links => links } }
            }).collect::<Vec<_>>(),
            assignments => Value::from_serialize(&assignments),
            actions => Value::from_serialize(&actions),
            clusters => Value::from_serialize(&clusters),
            notes => Value::from_serialize(&notes),
            can_edit => can_edit(&ctx),
            staff => ctx.actor.is_staff(),
            statuses => recs::statuses(),
            levels => Confidentiality::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            kinds => tracking::INSTITUTION_KINDS.to_vec(),
            today => ob::today().to_string(),
        },
    )
}

#[derive(Deserialize)]
pub struct TrackingForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    assessed_on: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    confidentiality: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    focal_point: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    indicator: String,
    /// "Mark done": the planned action, and `no` to reopen it.
    #[serde(default)]
    action_id: i64,
    #[serde(default)]
    done: String,
    /// "Add to a cluster": the cluster.
    #[serde(default)]
    cluster_id: i64,
}

pub async fn tracking_save(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((id, what)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<TrackingForm>,
) -> Response {
    let level: Confidentiality = f
        .confidentiality
        .parse()
        .unwrap_or(Confidentiality::Internal);
    // Tracking entries are records of their own level: ask for that level.
    let access = dignity_core::RecordAccess::new(level);
    if !authorize(&ctx.actor, Action::Create, &access).allowed() {
        return WebError::forbidden().into_response();
    }
    let back = format!("/obligations/recommendations/{id}");
    let target = tracking::Target::Recommendation(id);
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        match what.as_str() {
            "assess" => {
                tracking::assess(
                    &mut tx,
                    target,
                    &tracking::Assessment {
                        id: 0,
                        status: f.status.clone(),
                        assessed_on: f.assessed_on.clone(),
                        narrative: f.narrative.clone(),
                        evidence: f.evidence.clone(),
                        confidentiality: Some(level.as_str().into()),
                        published: f.published == "yes",
                        by: None,
                        via_cluster: false,
                    },
                )
                .await?;
            }
            "note" => {
                tracking::add_note(&mut tx, target, &f.body, level).await?;
            }
            "assign" => {
                let kind = if f.kind.is_empty() {
                    "ministry"
                } else {
                    f.kind.as_str()
                };
                let inst = tracking::institution(&mut tx, &f.institution, kind, None).await?;
                tracking::assign(&mut tx, target, inst, &f.focal_point).await?;
            }
            "action" => {
                let inst = if f.institution.trim().is_empty() {
                    None
                } else {
                    Some(tracking::institution(&mut tx, &f.institution, "ministry", None).await?)
                };
                tracking::add_action(
                    &mut tx,
                    target,
                    &tracking::PlannedAction {
                        id: 0,
                        description: f.description.clone(),
                        institution: None,
                        target_date: f.target_date.clone(),
                        indicator: f.indicator.clone(),
                        done: false,
                        overdue_days: None,
                    },
                    inst,
                )
                .await?;
            }
            "action-done" => {
                tracking::set_action_done(&mut tx, id, f.action_id, f.done != "no").await?;
            }
            "cluster" => {
                // Only a cluster of the same State's recommendations.
                let rec = recs::get(&state.store, &ctx.actor, id)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("recommendation {id}")))?;
                let same_state = tracking::clusters(&state.store, &rec.iso3)
                    .await?
                    .iter()
                    .any(|c| c.id == f.cluster_id);
                if !same_state {
                    return Err(StoreError::invalid(
                        "cluster",
                        "choose a cluster of this State's recommendations",
                    ));
                }
                tracking::add_to_cluster(&mut tx, f.cluster_id, id).await?;
            }
            _ => return Err(StoreError::NotFound("tracking kind".into())),
        }
        tx.commit().await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("{back}?flash=saved")),
        Err(e @ StoreError::Invalid { .. }) => flash_error(&back, &e),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct FollowUpQuery {
    body: Option<String>,
    since: Option<String>,
}

pub async fn follow_up_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(iso3): Path<String>,
    Query(q): Query<FollowUpQuery>,
) -> Response {
    let (iso3, name) = match country_or_404(&state, &ctx, &iso3).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = q.body.unwrap_or_else(|| "CCPR".into());
    let since = q
        .since
        .filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
        .unwrap_or_else(|| "1900-01-01".into());
    match tracking::follow_up(&state.store, &ctx.actor, &iso3, &body, &since).await {
        Ok(items) => {
            let bodies = recs::counts_by(&state.store, &ctx.actor, &iso3, "body")
                .await
                .unwrap_or_default();
            page(
                &state,
                &ctx,
                "obligations_followup.html",
                context! {
                    self_href => format!("/obligations/countries/{iso3}/follow-up?body={}", enc(&body)),
                    iso3 => iso3, name => name, body => body, since => since, items => Value::from_serialize(&items),
                    bodies => bodies.iter().map(|b| b.value.clone()).collect::<Vec<_>>(),
                    generated => ob::today().to_string(),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

// --------------------------------------------------------------------- API --

use crate::api::ApiError;

/// The shape of the API's writes about one State (the caller passed [`MayWrite`]): the State exists,
/// `write` runs in one audited transaction, and `ok` turns its result into the answer.
async fn api_country_write<T>(
    state: &AppState,
    ctx: &Ctx,
    iso3: &str,
    write: impl AsyncFnOnce(&mut dignity_store::WriteTx, &str) -> Result<T, StoreError>,
    ok: impl FnOnce(T) -> Response,
) -> Response {
    let iso3 = match api_country(state, iso3).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    match state
        .store
        .write(&ctx.actor, async |tx| write(tx, &iso3).await)
        .await
    {
        Ok(v) => ok(v),
        Err(e) => WebError::from(e).into_response(),
    }
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, Json(Created { id })).into_response()
}

async fn api_country(state: &AppState, iso3: &str) -> Result<String, Response> {
    let iso3 = iso3.to_ascii_uppercase();
    match ob::country_exists(&state.store, &iso3).await {
        Ok(true) => Ok(iso3),
        Ok(false) => Err(WebError::refused(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no country {iso3}"),
            Some("iso3".into()),
        )
        .into_response()),
        Err(e) => Err(WebError::from(e).into_response()),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RatificationList {
    pub total: usize,
    pub items: Vec<ob::Ratification>,
    pub procedures: Vec<ob::ProcedureStatus>,
}

/// A State's ratifications of the UN and Council of Europe instruments, with the
/// complaint and inquiry procedures it accepted.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/ratifications", params(("iso3" = String, Path, description = "ISO 3166-1 alpha-3")),
    responses((status = 200, body = RatificationList), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_ratifications(
    State(state): State<AppState>,
    _ctx: Caller,
    Path(iso3): Path<String>,
) -> Response {
    let iso3 = match api_country(&state, &iso3).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    match ob::ratifications(&state.store, &iso3).await {
        Ok(items) => Json(RatificationList {
            total: items.len(),
            procedures: ob::procedures(&items),
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Set a State's ratification of an instrument (documenters and above; audited).
#[utoipa::path(put, path = "/api/v1/countries/{iso3}/ratifications/{instrument}",
    params(("iso3" = String, Path), ("instrument" = String, Path, description = "instrument code or alias")),
    request_body = RatificationInput,
    responses((status = 200, body = ob::Ratification), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_set_ratification(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
    Json(input): Json<RatificationInput>,
) -> Response {
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let r = ob::set_ratification(&mut tx, &iso3, &instrument, &input, "user").await?;
        tx.commit().await?;
        Ok::<_, StoreError>(r)
    }
    .await;
    match r {
        Ok(r) => Json(r).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// States × instruments with counts of parties and signatories.
#[utoipa::path(get, path = "/api/v1/ratifications/matrix", params(MatrixFilter),
    responses((status = 200, body = ob::Matrix)), tag = "obligations")]
pub async fn api_matrix(
    State(state): State<AppState>,
    ctx: Caller,
    Query(f): Query<MatrixFilter>,
) -> Response {
    match ob::matrix(&state.store, ctx.lang.code(), &f).await {
        Ok(m) => Json(m).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReportList {
    pub total: usize,
    pub items: Vec<reports::Report>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// Only what is outstanding (the next report per treaty) and due within this many days.
    pub due_within: Option<i64>,
}

/// A State's reports to the treaty bodies: computed due dates, recorded submissions,
/// days overdue.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/reports", params(("iso3" = String, Path), ReportParams),
    responses((status = 200, body = ReportList), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_reports(
    State(state): State<AppState>,
    _ctx: Caller,
    Path(iso3): Path<String>,
    Query(q): Query<ReportParams>,
) -> Response {
    let iso3 = match api_country(&state, &iso3).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let r = match q.due_within {
        Some(d) => reports::deadlines(&state.store, &iso3, d.clamp(0, 3650)).await,
        None => reports::reports(&state.store, &iso3, ob::today()).await,
    };
    match r {
        Ok(items) => Json(ReportList {
            total: items.len(),
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VisitList {
    pub total: usize,
    pub standing_invitation: Option<String>,
    pub items: Vec<reports::Visit>,
}

/// Country visits of the special procedures and the standing invitation.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/visits", params(("iso3" = String, Path)),
    responses((status = 200, body = VisitList)), tag = "obligations")]
pub async fn api_visits(
    State(state): State<AppState>,
    _ctx: Caller,
    Path(iso3): Path<String>,
) -> Response {
    let iso3 = match api_country(&state, &iso3).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let r = async {
        Ok::<_, StoreError>((
            reports::visits(&state.store, &iso3).await?,
            reports::standing_invitation(&state.store, &iso3).await?,
        ))
    }
    .await;
    match r {
        Ok((items, inv)) => Json(VisitList {
            total: items.len(),
            standing_invitation: inv,
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Search recommendations and observations: full text (`q`) and facets; answers the
/// page of `items`, the `total`, and the facet counts over the filtered set.
#[utoipa::path(get, path = "/api/v1/recommendations", params(RecFilter),
    responses((status = 200, body = recs::RecPage), (status = 401, body = ApiError)), tag = "obligations")]
pub async fn api_recommendations(
    State(state): State<AppState>,
    ctx: Caller,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let f = match rec_filter(raw.as_deref()) {
        Ok((f, _)) => f,
        Err(e) => {
            return WebError::refused(StatusCode::BAD_REQUEST, "bad_request", e, None)
                .into_response()
        }
    };
    match recs::search(&state.store, &ctx.actor, &f, true).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// One recommendation.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = recs::Recommendation), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_recommendation(
    State(state): State<AppState>,
    ctx: Caller,
    Path(id): Path<i64>,
) -> Response {
    match recs::get(&state.store, &ctx.actor, id).await {
        Ok(Some(r)) => Json(r).into_response(),
        Ok(None) => WebError::NotFound(format!("no recommendation {id}")).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Add a recommendation by hand (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/recommendations", request_body = recs::NewRecommendation,
    responses((status = 201, body = Created), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_create_recommendation(
    State(state): State<AppState>,
    ctx: MayWrite,
    Json(input): Json<recs::NewRecommendation>,
) -> Response {
    let r = async {
        let input = input.into_input()?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        let id = recs::create(&mut tx, input).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => (StatusCode::CREATED, Json(Created { id })).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HistoryList {
    pub total: usize,
    pub items: Vec<tracking::Assessment>,
}

/// The implementation status history of a recommendation that the caller may see.
#[utoipa::path(get, path = "/api/v1/recommendations/{id}/assessments", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryList)), tag = "obligations")]
pub async fn api_history(
    State(state): State<AppState>,
    ctx: Caller,
    Path(id): Path<i64>,
) -> Response {
    match tracking::history(&state.store, &ctx.actor, id).await {
        Ok(items) => Json(HistoryList {
            total: items.len(),
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Record an assessment of the implementation (staff who may create records of the
/// assessment's confidentiality; audited).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/assessments", params(("id" = i64, Path)),
    request_body = tracking::Assessment,
    responses((status = 201, body = Created), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_assess(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    Json(a): Json<tracking::Assessment>,
) -> Response {
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let n = tracking::assess(&mut tx, tracking::Target::Recommendation(id), &a).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(n)
    }
    .await;
    match r {
        Ok(id) => (StatusCode::CREATED, Json(Created { id })).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

// ------------------------------------------------------ more write endpoints --

/// Record or correct a report to a treaty body (documenters and above; audited).
#[utoipa::path(put, path = "/api/v1/countries/{iso3}/reports/{instrument}",
    params(("iso3" = String, Path), ("instrument" = String, Path)), request_body = reports::ReportInput,
    responses((status = 204), (status = 422, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_set_report(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path((iso3, instrument)): Path<(String, String)>,
    Json(input): Json<reports::ReportInput>,
) -> Response {
    api_country_write(
        &state,
        &ctx,
        &iso3,
        async |tx, iso3| reports::set_report(tx, iso3, &instrument, &input).await,
        |()| StatusCode::NO_CONTENT.into_response(),
    )
    .await
}

/// Record a country visit of a special procedure (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/countries/{iso3}/visits", params(("iso3" = String, Path)),
    request_body = reports::Visit,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_add_visit(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    Json(v): Json<reports::Visit>,
) -> Response {
    api_country_write(
        &state,
        &ctx,
        &iso3,
        async |tx, iso3| reports::add_visit(tx, iso3, &v).await,
        created,
    )
    .await
}

/// The standing invitation of a State to the special procedures.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandingInvitation {
    /// Since when the invitation stands (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`); `null` withdraws it.
    pub since: Option<String>,
}

/// Record or withdraw a State's standing invitation to the special procedures
/// (documenters and above; audited). A `since` that is not a date is refused with 422.
#[utoipa::path(put, path = "/api/v1/countries/{iso3}/standing-invitation", params(("iso3" = String, Path)),
    request_body = StandingInvitation,
    responses((status = 204), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("token" = [])), tag = "obligations")]
pub async fn api_set_standing_invitation(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    Json(v): Json<StandingInvitation>,
) -> Response {
    let since = v.since.as_deref().map(str::trim).filter(|s| !s.is_empty());
    api_country_write(
        &state,
        &ctx,
        &iso3,
        async |tx, iso3| reports::set_standing_invitation(tx, iso3, since).await,
        |()| StatusCode::NO_CONTENT.into_response(),
    )
    .await
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CommunicationList {
    pub total: usize,
    pub items: Vec<reports::Communication>,
}

/// Communications of the special procedures to a State, newest first, each with the
/// 60-day reply clocks of the linked interventions the caller may see.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/communications", params(("iso3" = String, Path)),
    responses((status = 200, body = CommunicationList), (status = 404, body = ApiError)), tag = "obligations")]
pub async fn api_communications(
    State(state): State<AppState>,
    ctx: Caller,
    Path(iso3): Path<String>,
) -> Response {
    let iso3 = match api_country(&state, &iso3).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    match reports::communications(&state.store, &ctx.actor, &iso3).await {
        Ok(items) => Json(CommunicationList {
            total: items.len(),
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Record a communication of a special procedure to a State, optionally linked to the
/// intervention whose reply clock it follows (`intervention_id`; the caller must be
/// allowed to edit it). Documenters and above; audited.
#[utoipa::path(post, path = "/api/v1/countries/{iso3}/communications", params(("iso3" = String, Path)),
    request_body = reports::Communication,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_add_communication(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    Json(c): Json<reports::Communication>,
) -> Response {
    api_country_write(
        &state,
        &ctx,
        &iso3,
        async |tx, iso3| reports::add_communication(tx, iso3, &c).await,
        created,
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MandateInput {
    pub code: String,
    pub name: String,
    /// `thematic` or `country`.
    pub kind: String,
    #[serde(default)]
    pub iso3: Option<String>,
    #[serde(default)]
    pub established: String,
    /// Mandate holders to add: name, start and end dates.
    #[serde(default)]
    pub holders: Vec<reports::MandateHolder>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MandateList {
    pub total: usize,
    pub items: Vec<reports::Mandate>,
}

/// Special procedure mandates with their holders over time.
#[utoipa::path(get, path = "/api/v1/mandates", responses((status = 200, body = MandateList)), tag = "obligations")]
pub async fn api_mandates(State(state): State<AppState>, _ctx: Caller) -> Response {
    match reports::mandates(&state.store).await {
        Ok(items) => Json(MandateList {
            total: items.len(),
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Create or update a mandate, adding holders (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/mandates", request_body = MandateInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_upsert_mandate(
    State(state): State<AppState>,
    ctx: MayWrite,
    Json(m): Json<MandateInput>,
) -> Response {
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let id = reports::upsert_mandate(
            &mut tx,
            &m.code,
            &m.name,
            &m.kind,
            m.iso3.as_deref(),
            &m.established,
        )
        .await?;
        for h in &m.holders {
            reports::add_holder(&mut tx, id, &h.name, &h.start_date, &h.end_date).await?;
        }
        tx.commit().await?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(id) => (StatusCode::CREATED, Json(Created { id })).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClusterInput {
    pub name: String,
    /// `theme`, `affected`, `sdg` (every recommendation of the State with that value
    /// joins) or `manual`.
    pub basis: String,
    #[serde(default)]
    pub basis_value: String,
    /// Recommendations to add by hand.
    #[serde(default)]
    pub recommendations: Vec<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ClusterList {
    pub total: usize,
    pub items: Vec<tracking::Cluster>,
}

/// Clusters of a State's recommendations.
#[utoipa::path(get, path = "/api/v1/countries/{iso3}/clusters", params(("iso3" = String, Path)),
    responses((status = 200, body = ClusterList)), tag = "obligations")]
pub async fn api_clusters(
    State(state): State<AppState>,
    _ctx: Caller,
    Path(iso3): Path<String>,
) -> Response {
    let iso3 = match api_country(&state, &iso3).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    match tracking::clusters(&state.store, &iso3).await {
        Ok(items) => Json(ClusterList {
            total: items.len(),
            items,
        })
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Cluster a State's recommendations by theme, affected group, SDG target or by hand
/// (documenters and above; audited).
#[utoipa::path(post, path = "/api/v1/countries/{iso3}/clusters", params(("iso3" = String, Path)),
    request_body = ClusterInput,
    responses((status = 201, body = Created), (status = 422, body = ApiError)), security(("token" = [])), tag = "obligations")]
pub async fn api_create_cluster(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(iso3): Path<String>,
    Json(c): Json<ClusterInput>,
) -> Response {
    api_country_write(
        &state,
        &ctx,
        &iso3,
        async |tx, iso3| {
            let id = tracking::create_cluster(tx, iso3, &c.name, &c.basis, &c.basis_value).await?;
            for rec in &c.recommendations {
                tracking::add_to_cluster(tx, id, *rec).await?;
            }
            Ok(id)
        },
        created,
    )
    .await
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/countries/{iso3}/ratifications", get(api_ratifications))
        .route(
            "/countries/{iso3}/ratifications/{instrument}",
            axum::routing::put(api_set_ratification),
        )
        .route("/countries/{iso3}/reports", get(api_reports))
        .route(
            "/countries/{iso3}/reports/{instrument}",
            axum::routing::put(api_set_report),
        )
        .route(
            "/countries/{iso3}/visits",
            get(api_visits).post(api_add_visit),
        )
        .route(
            "/countries/{iso3}/standing-invitation",
            axum::routing::put(api_set_standing_invitation),
        )
        .route(
            "/countries/{iso3}/clusters",
            get(api_clusters).post(api_create_cluster),
        )
        .route(
            "/countries/{iso3}/communications",
            get(api_communications).post(api_add_communication),
        )
        .route("/mandates", get(api_mandates).post(api_upsert_mandate))
        .route("/ratifications/matrix", get(api_matrix))
        .route(
            "/recommendations",
            get(api_recommendations).post(api_create_recommendation),
        )
        .route("/recommendations/{id}", get(api_recommendation))
        .route(
            "/recommendations/{id}/assessments",
            get(api_history).post(api_assess),
        )
}

/// The OpenAPI description of [`api_router`].
#[derive(OpenApi)]
#[openapi(
    paths(
        api_ratifications,
        api_set_ratification,
        api_matrix,
        api_reports,
        api_visits,
        api_recommendations,
        api_recommendation,
        api_create_recommendation,
        api_history,
        api_assess,
        api_set_report,
        api_add_visit,
        api_set_standing_invitation,
        api_mandates,
        api_upsert_mandate,
        api_clusters,
        api_create_cluster,
        api_communications,
        api_add_communication
    ),
    components(schemas(
        StandingInvitation,
        RatificationList,
        ob::Ratification,
        RatificationInput,
        ob::ProcedureStatus,
        ob::Matrix,
        ob::MatrixRow,
        ob::MatrixCell,
        ob::MatrixInstrument,
        ReportList,
        reports::Report,
        VisitList,
        reports::Visit,
        CommunicationList,
        reports::Communication,
        reports::ReplyClockView,
        recs::RecPage,
        recs::Recommendation,
        recs::Facets,
        recs::FacetValue,
        recs::NewRecommendation,
        Created,
        HistoryList,
        tracking::Assessment
    ))
)]
pub struct ApiDoc;

#[cfg(test)]
pub(crate) fn template_examples() -> Vec<(&'static str, Value, bool, bool)> {
    examples::all()
}

#[cfg(test)]
#[path = "obligations_examples.rs"]
mod examples;
