//! Pages and API of the protection area (issue 5): defenders (profile, attacks and threats,
//! risk, measures, check-ins), missing persons (cases, status history, families and
//! consent, sharing and exports, source lists with candidate matching and linking), reports
//! (SDG 16.10.1, counts with an SVG chart), the public memorial and the family case view.
//! Pages work without JavaScript.

mod api;

use crate::authz::{CsrfForm, CsrfMultipart, MayWrite, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, page_status};
use crate::violations::FormData;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use dignity_core::auth::Action;
use dignity_store::protection::defenders::{
    self as d, AttackInput, DefenderInput, MeasureInput, MeasureStatusInput, RiskInput,
};
use dignity_store::protection::missing::{
    self as m, Consent, MissingFilter, MissingInput, RelativeInput, ReportInput, StatusChange,
};
use dignity_store::protection::{self as p, reports, sources as s};
use dignity_store::violations::{self as v, Vocab};
use dignity_store::StoreError;
use minijinja::value::Value;
use serde::Deserialize;
use serde_json::{json, Value as Json};

pub use api::ApiDoc;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/protection", get(home))
        .route(
            "/protection/defenders",
            get(defenders).post(defender_create),
        )
        .route("/protection/defenders/{id}", get(defender_page))
        .route("/protection/defenders/{id}/attacks", post(attack_create))
        .route("/protection/defenders/{id}/risk", post(risk_create))
        .route("/protection/defenders/{id}/measures", post(measure_create))
        .route("/protection/defenders/{id}/checkins", post(checkin_create))
        .route("/protection/measures/{id}/status", post(measure_status))
        .route("/protection/checkins/{id}/done", post(checkin_done))
        .route(
            "/protection/missing",
            get(missing_list).post(missing_create),
        )
        // A POST: the export records every case in it as shared (GET never writes).
        .route("/protection/missing/export.csv", post(missing_export))
        .route("/protection/missing/{id}", get(missing_page))
        .route("/protection/missing/{id}/status", post(missing_status))
        .route("/protection/missing/{id}/relatives", post(relative_create))
        .route("/protection/missing/{id}/share", post(missing_share))
        .route("/protection/missing/{id}/link", post(record_link))
        .route(
            "/protection/missing/{id}/family-links",
            post(family_link_create),
        )
        .route("/protection/reports/{id}/consent", post(consent_change))
        .route(
            "/protection/family-links/{id}/revoke",
            post(family_link_revoke),
        )
        .route("/protection/sources", get(sources_page).post(source_create))
        .route("/protection/sources/{id}/import", post(source_import))
        .route("/protection/records/{id}/case", post(record_case))
        .route("/protection/reports", get(reports_page))
        .route("/protection/reports/sdg-16-10-1.csv", get(sdg_csv))
        .route("/protection/memorial", get(memorial))
        .route("/family/{token}", get(family_view))
        .route(
            "/protection/vocabularies/{kind}",
            get(vocabulary_page).post(term_create),
        )
        .route("/protection/vocabularies/{kind}/{code}", post(term_edit))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    api::router()
}

// ------------------------------------------------------------- helpers --

fn v_(x: Json) -> Value {
    Value::from_serialize(x)
}

fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

/// A POST on one record (the caller signed in and the form's CSRF token were checked by
/// the extractors, [`SignedIn`] and [`CsrfForm`], before the form was read): the right
/// (`action`) on the record, then `f` in one audited write.
async fn record_write<T>(
    state: &AppState,
    ctx: &Ctx,
    record_type: &str,
    id: i64,
    action: Action,
    form: FormData,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab, &FormData) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    p::require(&state.store, &ctx.actor, action, record_type, id).await?;
    let vocab = Vocab::load(&state.store).await?;
    state
        .store
        .write(&ctx.actor, async |tx| f(tx, &vocab, &form).await)
        .await
}

/// A validation error as the page shows it: the field in the reader's language and the
/// store's explanation. Other errors are not problems but failures.
fn problem(ctx: &Ctx, e: &StoreError) -> Option<Json> {
    match e {
        StoreError::Invalid { field, message } => {
            let name = crate::i18n::lookup(ctx.lang, &format!("pro.field.{field}"))
                .map(String::from)
                .unwrap_or_else(|| field.clone());
            Some(json!({ "field": name, "message": message }))
        }
        StoreError::Rejected(r) => {
            let name = crate::i18n::lookup(ctx.lang, &format!("pro.field.{}", r.field))
                .map(String::from)
                .unwrap_or_else(|| r.field.to_string());
            Some(json!({ "field": name, "message": crate::i18n::invalid(ctx.lang, r) }))
        }
        _ => None,
    }
}

fn opt_i64(s: &str) -> Option<i64> {
    s.trim().trim_start_matches('#').parse().ok()
}

fn sex_options(vocab: &Vocab, lang: &str) -> Json {
    Json::Array(
        vocab
            .options(39, lang)
            .into_iter()
            .map(|(c, l, _)| json!({ "code": c, "label": l }))
            .collect(),
    )
}

fn words(ctx: &Ctx, prefix: &str, codes: &[&str]) -> Json {
    Json::Array(
        codes
            .iter()
            .map(|c| json!({ "code": c, "label": ctx.t(&format!("{prefix}.{c}")) }))
            .collect(),
    )
}

fn term_options(terms: &[p::Term]) -> Json {
    Json::Array(
        terms
            .iter()
            .map(|t| json!({ "code": t.code, "label": t.label, "un_reprisal": t.un_reprisal }))
            .collect(),
    )
}

async fn users(state: &AppState) -> Result<Json, StoreError> {
    Ok(Json::Array(
        dignity_store::accounts::list(&state.store)
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            // The team member by name, with the username to tell two alike apart.
            .map(|u| {
                let name = if u.display_name.trim().is_empty() {
                    u.username.clone()
                } else {
                    format!("{} ({})", u.display_name, u.username)
                };
                json!({ "id": u.id, "name": name })
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------- home --

pub async fn home(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let r = async {
        let today = p::today();
        let mine = d::overdue_checkins(&state.store, &ctx.actor, today, ctx.actor.user_id).await?;
        let all = d::overdue_checkins(&state.store, &ctx.actor, today, None).await?;
        let (defenders, _) = d::list_defenders(&state.store, &ctx.actor, None, None, 1, 0).await?;
        let (cases, _) = m::list_missing(&state.store, &ctx.actor, &MissingFilter::default(), 1, 0).await?;
        Ok::<_, StoreError>(json!({ "mine": mine, "overdue_total": all.len(), "defenders": defenders, "cases": cases }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "protection_home.html", v_(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

// ----------------------------------------------------------- defenders --

#[derive(Deserialize, Default)]
pub struct DefQuery {
    area: Option<String>,
    country: Option<String>,
}

async fn defenders_view(
    state: &AppState,
    ctx: &Ctx,
    q: &DefQuery,
    problem: Option<Json>,
    values: Json,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let areas = p::terms(&state.store, "area", lang, false).await?;
        let (total, rows) = d::list_defenders(&state.store, &ctx.actor, q.area.as_deref(), q.country.as_deref(), 500, 0).await?;
        let rows: Vec<Json> = rows
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "name": r.name, "region": r.region, "risk": r.risk, "next_review": r.next_review,
                    "country": r.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                    "areas": r.areas.iter().map(|a| areas.iter().find(|t| &t.code == a).map(|t| t.label.clone()).unwrap_or(a.clone())).collect::<Vec<_>>().join(", "),
                    "contact": r.contact_user_name, "open_measures": r.open_measures, "confidentiality": r.confidentiality,
                })
            })
            .collect();
        Ok::<_, StoreError>(json!({
            "total": total, "rows": rows, "areas": term_options(&areas), "area": q.area, "country": q.country,
            "countries": crate::violations::country_options(&vocab, lang), "sexes": sex_options(&vocab, lang),
            "statuses": words(ctx, "pro.sdg", d::SDG_STATUSES), "users": users(state).await?,
            "may_edit": crate::authz::may_write(ctx), "problem": problem, "values": values,
        }))
    }
    .await;
    match r {
        Ok(c) => page_status(
            state,
            ctx,
            "protection_defenders.html",
            if c["problem"].is_null() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            v_(c),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn defenders(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<DefQuery>,
) -> Response {
    defenders_view(&state, &ctx, &q, None, json!({})).await
}

fn defender_input(f: &FormData) -> DefenderInput {
    DefenderInput {
        person_id: opt_i64(&f.get("person_id")),
        name: f.get("name"),
        other_names: f
            .get("other_names")
            .split(';')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        sex: f.opt("sex"),
        birth_date: f.get("birth_date"),
        age_group: f.get("age_group"),
        organisation: f.get("organisation"),
        country: f.opt("country"),
        region: f.get("region"),
        contact: f.get("contact"),
        whereabouts: f.get("whereabouts"),
        contact_user: opt_i64(&f.get("contact_user")),
        areas: f.all("areas"),
        sdg_status: f.get("sdg_status"),
        memorial_consent: f.get("memorial_consent") == "1",
        confidentiality: f.get("confidentiality"),
        need_to_know_users: vec![],
        need_to_know_teams: vec![],
    }
}

pub async fn defender_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let f = body;
    let input = defender_input(&f);
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        state
            .store
            .write(&ctx.actor, async |tx| {
                d::create_defender(tx, &vocab, &input).await
            })
            .await
    }
    .await;
    match r {
        Ok(id) => see_other(&format!("/protection/defenders/{id}?flash=saved")),
        Err(e) => match problem(&ctx, &e) {
            Some(pr) => {
                defenders_view(&state, &ctx, &DefQuery::default(), Some(pr), f.to_json()).await
            }
            None => WebError::from(e).into_response(),
        },
    }
}

async fn defender_view(state: &AppState, ctx: &Ctx, id: i64, problem: Option<Json>) -> Response {
    let r = async {
        let df = d::defender_for(&state.store, &ctx.actor, id).await?.ok_or_else(|| StoreError::NotFound(format!("defender {id}")))?;
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let areas = p::terms(&state.store, "area", lang, true).await?;
        let attack_terms = p::terms(&state.store, "attack", lang, true).await?;
        let attacks: Vec<Json> = d::attacks_of(&state.store, &ctx.actor, id)
            .await?
            .iter()
            .map(|a| {
                json!({
                    "id": a.id, "act_id": a.act_id, "event_id": a.event_id, "date": a.date,
                    "type": attack_terms.iter().find(|t| t.code == a.attack_type).map(|t| t.label.clone()).unwrap_or(a.attack_type.clone()),
                    "un_reprisal": a.un_reprisal, "victim_status": a.victim_status, "perpetrator_category": a.perpetrator_category,
                    "motive": a.motive, "sources": a.sources, "verified": a.verified,
                    "sex": crate::violations::label(&vocab, ctx.lang, &a.sex), "age_group": a.age_group,
                    "country": a.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                })
            })
            .collect();
        let today = p::today();
        let sources: Vec<Json> = v::list_persons(&state.store, &ctx.actor, None, None, 300, 0)
            .await?
            .1
            .into_iter()
            .map(|p| json!({ "id": p.id, "name": p.name }))
            .collect();
        Ok::<_, StoreError>(json!({
            "d": {
                "id": df.id, "person_id": df.person_id, "name": df.name, "organisation": df.organisation, "region": df.region,
                "country": df.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                "contact": df.contact, "whereabouts": df.whereabouts, "contact_user": df.contact_user_name,
                "sex": crate::violations::label(&vocab, ctx.lang, &df.sex), "age_group": df.age_group,
                "areas": df.areas.iter().map(|a| areas.iter().find(|t| &t.code == a).map(|t| t.label.clone()).unwrap_or(a.clone())).collect::<Vec<_>>(),
                "sdg_status": df.sdg_status, "memorial_consent": df.memorial_consent, "confidentiality": df.confidentiality,
            },
            "attacks": attacks,
            "min_sources": d::MIN_SOURCES,
            "risk": d::risk_history(&state.store, id).await?,
            "measures": d::measures_of(&state.store, id).await?,
            "checkins": d::checkins_of(&state.store, id, today).await?,
            "today": today.to_string(),
            "attack_types": term_options(&p::terms(&state.store, "attack", lang, false).await?),
            "perp_categories": words(ctx, "pro.perp", d::PERPETRATOR_CATEGORIES),
            "motives": words(ctx, "pro.motive", d::MOTIVES),
            "statuses": words(ctx, "pro.sdg", d::SDG_STATUSES),
            "levels": words(ctx, "pro.risk", d::RISK_LEVELS),
            "factors": words(ctx, "pro.factor", d::RISK_FACTORS),
            "measure_types": words(ctx, "pro.measure", d::MEASURE_TYPES),
            "sources": sources,
            "may_edit": crate::authz::may_write(ctx),
            "problem": problem,
            "portal_panel": crate::portal::record_panel(state, ctx, dignity_core::RecordType::Defender, id, &format!("/protection/defenders/{id}")).await,
        }))
    }
    .await;
    match r {
        Ok(c) => page_status(
            state,
            ctx,
            "protection_defender.html",
            if c["problem"].is_null() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            v_(c),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn defender_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    defender_view(&state, &ctx, id, None).await
}

/// A POST on a defender: the right to update the defender, then `f` in a write.
async fn defender_post<T>(
    state: AppState,
    ctx: SignedIn,
    id: i64,
    form: FormData,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab, &FormData) -> Result<T, StoreError>,
) -> Response {
    let r = record_write(&state, &ctx, p::DEFENDER, id, Action::Update, form, f).await;
    match r {
        Ok(_) => see_other(&format!("/protection/defenders/{id}?flash=saved")),
        Err(e) => match problem(&ctx, &e) {
            Some(pr) => defender_view(&state, &ctx, id, Some(pr)).await,
            None => WebError::from(e).into_response(),
        },
    }
}

pub async fn attack_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_post(state, ctx, id, body, async |tx, vocab, f| {
        let input = AttackInput {
            defender_id: id,
            title: f.get("title"),
            attack_type: f.get("attack_type"),
            date: f.get("date"),
            admin_area: f.get("admin_area"),
            place: f.get("place"),
            description: f.get("description"),
            un_reprisal: f.get("un_reprisal") == "1",
            victim_status: f.get("victim_status"),
            perpetrator_category: f.get("perpetrator_category"),
            motive: f.get("motive"),
            source_ids: f
                .all("source_ids")
                .iter()
                .filter_map(|s| opt_i64(s))
                .collect(),
            ..Default::default()
        };
        d::record_attack(tx, vocab, &input).await
    })
    .await
}

pub async fn risk_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_post(state, ctx, id, body, async |tx, _vocab, f| {
        d::assess_risk(
            tx,
            &RiskInput {
                defender_id: id,
                level: f.get("level"),
                factors: f.all("factors"),
                notes: f.get("notes"),
                assessed_on: f.get("assessed_on"),
                next_review: f.get("next_review"),
            },
        )
        .await
    })
    .await
}

pub async fn measure_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_post(state, ctx, id, body, async |tx, _vocab, f| {
        d::request_measure(
            tx,
            &MeasureInput {
                defender_id: id,
                measure_type: f.get("measure_type"),
                requested_on: f.get("requested_on"),
                amount: f.get("amount"),
                currency: f.get("currency"),
                host: f.get("host"),
                period_start: f.get("period_start"),
                period_end: f.get("period_end"),
                visa: f.get("visa"),
                security_plan: f.get("security_plan"),
                description: f.get("description"),
                intervention_id: opt_i64(&f.get("intervention_id")),
            },
        )
        .await
    })
    .await
}

pub async fn checkin_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_post(state, ctx, id, body, async |tx, _vocab, f| {
        d::add_checkin(tx, id, opt_i64(&f.get("measure_id")), &f.get("due_on")).await
    })
    .await
}

pub async fn measure_status(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(mid): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let Ok(Some(me)) = d::get_measure(&state.store, mid).await else {
        return WebError::not_found().into_response();
    };
    defender_post(state, ctx, me.defender_id, body, async |tx, _vocab, f| {
        d::advance_measure(
            tx,
            mid,
            &MeasureStatusInput {
                status: f.get("status"),
                on_date: f.get("on_date"),
                cost: f.get("cost"),
                cost_currency: f.get("cost_currency"),
                outcome: f.get("outcome"),
            },
        )
        .await
    })
    .await
}

pub async fn checkin_done(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(cid): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let def: Option<i64> = dignity_store::protection::defenders::checkins_owner(&state.store, cid)
        .await
        .ok()
        .flatten();
    let Some(def) = def else {
        return WebError::not_found().into_response();
    };
    defender_post(state, ctx, def, body, async |tx, _vocab, f| {
        d::complete_checkin(tx, cid, &f.get("done_on"), &f.get("notes")).await
    })
    .await
}

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
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let f = MissingFilter { status: q.status.clone(), region: q.region.clone(), name: q.name.clone(), period_id: None };
        let (total, rows) = m::list_missing(&state.store, &ctx.actor, &f, 500, 0).await?;
        Ok::<_, StoreError>(json!({
            "total": total, "rows": rows, "q": { "status": q.status, "region": q.region, "name": q.name },
            "statuses": words(ctx, "pro.status", m::STATUSES), "relationships": words(ctx, "pro.rel", m::RELATIONSHIPS),
            "periods": m::periods(&state.store).await?, "sexes": sex_options(&vocab, lang),
            "may_edit": crate::authz::may_write(ctx), "problem": problem, "values": values,
        }))
    }
    .await;
    match r {
        Ok(c) => page_status(
            state,
            ctx,
            "protection_missing_list.html",
            if c["problem"].is_null() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            v_(c),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
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
    let input = MissingInput {
        name: f.get("name"),
        other_names: f
            .get("other_names")
            .split(';')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        sex: f.opt("sex"),
        birth_date: f.get("birth_date"),
        last_seen_date: f.get("last_seen_date"),
        last_seen_place: f.get("last_seen_place"),
        region: f.get("region"),
        community: f.get("community"),
        circumstances: f.get("circumstances"),
        description: f.get("description"),
        period_id: opt_i64(&f.get("period_id")),
        opened_on: f.get("reported_on"),
        confidentiality: f.get("confidentiality"),
        ..Default::default()
    };
    let rel = RelativeInput {
        name: f.get("relative_name"),
        relationship: f.get("relationship"),
        contact: f.get("relative_contact"),
    };
    let consent = Consent {
        commission: f.get("consent_commission") == "1",
        organisations: f.get("consent_organisations") == "1",
    };
    let reported_on = f.get("reported_on");
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        state
            .store
            .write(&ctx.actor, async |tx| {
                let id = m::create_missing(tx, &vocab, &input).await?;
                if !rel.name.trim().is_empty() || !rel.relationship.is_empty() {
                    let rid = m::add_relative(tx, id, &rel).await?;
                    m::add_report(
                        tx,
                        id,
                        &ReportInput {
                            relative_id: rid,
                            reported_on: reported_on.clone(),
                            consent,
                        },
                    )
                    .await?;
                }
                Ok(id)
            })
            .await
    }
    .await;
    match r {
        Ok(id) => see_other(&format!("/protection/missing/{id}?flash=saved")),
        Err(e) => match problem(&ctx, &e) {
            Some(pr) => {
                missing_list_view(
                    &state,
                    &ctx,
                    &MissingQuery::default(),
                    Some(pr),
                    f.to_json(),
                )
                .await
            }
            None => WebError::from(e).into_response(),
        },
    }
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
                "birth_date": c.birth_date, "last_seen_date": c.last_seen_date, "last_seen_place": c.last_seen_place, "region": c.region,
                "community": c.community, "circumstances": c.circumstances, "description": c.description, "period": c.period,
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
    match r {
        Ok(c) => page_status(
            state,
            ctx,
            "protection_missing.html",
            if c["problem"].is_null() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            v_(c),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
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
    match r {
        Ok(out) => {
            let extra = serde_json::to_value(&out).unwrap_or_default();
            if extra.is_object() {
                // Something to show once (a family link, a withdrawal after sharing).
                missing_view(&state, &ctx, id, None, extra).await
            } else {
                see_other(&format!("/protection/missing/{id}?flash=saved"))
            }
        }
        Err(e) => match problem(&ctx, &e) {
            Some(pr) => missing_view(&state, &ctx, id, Some(pr), json!({})).await,
            None => WebError::from(e).into_response(),
        },
    }
}

pub async fn missing_status(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_post(state, ctx, id, Action::Update, body, async |tx, _v, f| {
        m::change_status(
            tx,
            id,
            &StatusChange {
                status: f.get("status"),
                changed_on: f.get("changed_on"),
                evidence_id: opt_i64(&f.get("evidence_id")),
                reference: f.get("reference"),
                note: f.get("note"),
            },
        )
        .await
    })
    .await
}

pub async fn relative_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_post(state, ctx, id, Action::Update, body, async |tx, _v, f| {
        let rid = m::add_relative(
            tx,
            id,
            &RelativeInput {
                name: f.get("relative_name"),
                relationship: f.get("relationship"),
                contact: f.get("relative_contact"),
            },
        )
        .await?;
        if f.get("is_report") == "1" {
            m::add_report(
                tx,
                id,
                &ReportInput {
                    relative_id: rid,
                    reported_on: f.get("reported_on"),
                    consent: Consent {
                        commission: f.get("consent_commission") == "1",
                        organisations: f.get("consent_organisations") == "1",
                    },
                },
            )
            .await?;
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
        let ch = m::set_consent(
            tx,
            rid,
            Consent {
                commission: f.get("consent_commission") == "1",
                organisations: f.get("consent_organisations") == "1",
            },
        )
        .await?;
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
    if m::RECIPIENT_KINDS.contains(&kind.as_str()) {
        let refused = match m::case_consent(&state.store, id).await {
            Ok(c) => !c.allows(&kind),
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
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    case_post(state, ctx, id, Action::Update, body, async |tx, _v, f| {
        let rec = opt_i64(&f.get("record_id"))
            .ok_or_else(|| StoreError::invalid("record_id", "choose a record"))?;
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
        Err(StoreError::Invalid { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

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
            "errors": errors.iter().map(|e| json!({ "line": e.line, "field": e.field, "message": e.message })).collect::<Vec<_>>(),
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
    let f = body;
    match state
        .store
        .write(&ctx.actor, async |tx| {
            s::create_source(tx, &f.get("name"), &f.get("kind")).await
        })
        .await
    {
        Ok(_) => see_other("/protection/sources?flash=saved"),
        Err(e) => match problem(&ctx, &e) {
            Some(pr) => sources_view(&state, &ctx, Some(pr), vec![], None, 0).await,
            None => WebError::from(e).into_response(),
        },
    }
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
    let mut fields = FormData::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    let fname = field.file_name().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((fname, b.to_vec())),
                        Err(_) => {
                            return sources_view(
                                &state,
                                &ctx,
                                None,
                                vec![s::RowError {
                                    line: 0,
                                    field: "file".into(),
                                    message: "the upload was interrupted".into(),
                                }],
                                None,
                                0,
                            )
                            .await
                        }
                    }
                } else {
                    fields
                        .0
                        .push((name, field.text().await.unwrap_or_default()));
                }
            }
            Ok(None) => break,
            Err(_) => {
                return sources_view(
                    &state,
                    &ctx,
                    None,
                    vec![s::RowError {
                        line: 0,
                        field: "file".into(),
                        message: "the upload was malformed".into(),
                    }],
                    None,
                    0,
                )
                .await
            }
        }
    }
    let Some((fname, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return sources_view(
            &state,
            &ctx,
            None,
            vec![s::RowError {
                line: 0,
                field: "file".into(),
                message: "choose a CSV or XLSX file".into(),
            }],
            None,
            0,
        )
        .await;
    };
    let table = match s::read_table(&fname, &bytes) {
        Ok(t) => t,
        Err(errs) => return sources_view(&state, &ctx, None, errs, None, 0).await,
    };
    let mut mapping = s::guess_mapping(&table.headers);
    for t in s::TARGETS {
        let c = fields.get(&format!("map_{t}"));
        if !c.is_empty() {
            mapping.insert(t.to_string(), c);
        }
    }
    // "Refuse unread columns": such a file is refused, its columns named, nothing written.
    let opts = s::ImportOptions {
        strict: !fields.get("strict").is_empty(),
        ..Default::default()
    };
    match s::import_list_with(
        &state.store,
        &ctx.actor,
        id,
        &fname,
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
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        state
            .store
            .write(&ctx.actor, async |tx| {
                s::case_from_record(tx, &vocab, rid, "").await
            })
            .await
    }
    .await;
    match r {
        Ok(id) => see_other(&format!("/protection/missing/{id}?flash=saved")),
        Err(e) => match problem(&ctx, &e) {
            Some(pr) => sources_view(&state, &ctx, Some(pr), vec![], None, 0).await,
            None => WebError::from(e).into_response(),
        },
    }
}

// -------------------------------------------------------------- reports --

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    year: Option<i32>,
    country: Option<String>,
    by: Option<String>,
}

pub async fn reports_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<ReportQuery>,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let by =
            q.by.clone()
                .filter(|b| reports::COUNT_BY.contains(&b.as_str()))
                .unwrap_or_else(|| "region".into());
        let counts = reports::missing_counts(&state.store, &ctx.actor, &by).await?;
        let (t_title, t_open, t_loc, t_closed, t_unknown) = (
            ctx.t("pro.counts_title"),
            ctx.t("pro.bucket.open"),
            ctx.t("pro.bucket.located"),
            ctx.t("pro.bucket.closed"),
            ctx.t("pro.unknown"),
        );
        let svg = reports::counts_svg(&counts, [&t_title, &t_open, &t_loc, &t_closed, &t_unknown]);
        let sdg = match (q.year, q.country.as_deref().filter(|c| !c.is_empty())) {
            (Some(y), Some(c)) => Some(reports::sdg_16101(&state.store, &ctx.actor, y, c).await?),
            _ => None,
        };
        Ok::<_, StoreError>(json!({
            "year": q.year, "country": q.country, "by": by, "bys": reports::COUNT_BY,
            "counts": counts, "svg": svg, "sdg": sdg,
            "countries": crate::violations::country_options(&vocab, lang),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "protection_reports.html", v_(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn sdg_csv(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<ReportQuery>,
) -> Response {
    // A download: the role must be allowed to export.
    let probe = dignity_core::RecordAccess::new(dignity_core::Confidentiality::Internal);
    if !dignity_core::auth::authorize(&ctx.actor, Action::Export, &probe).allowed() {
        return WebError::forbidden().into_response();
    }
    let (Some(y), Some(c)) = (q.year, q.country.clone()) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "give year and country").into_response();
    };
    match reports::sdg_16101(&state.store, &ctx.actor, y, &c).await {
        Ok(t) => {
            let _ = state
                .store
                .log_event(
                    &ctx.actor,
                    "report.export",
                    "sdg_16_10_1",
                    &format!("{y}/{c}"),
                    json!({ "rows": t.rows.len() }),
                )
                .await;
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"sdg-16-10-1.csv\"",
                    ),
                ],
                reports::sdg_csv(&t),
            )
                .into_response()
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The public memorial (no sign-in): consented names only.
pub async fn memorial(State(state): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let areas = p::terms(&state.store, "area", lang, true).await?;
        Ok::<_, StoreError>(json!({
            "entries": reports::memorial(&state.store).await?.into_iter().map(|e| json!({
                "name": e.name, "date": e.date,
                "country": e.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                "areas": e.areas.iter().map(|a| areas.iter().find(|t| &t.code == a).map(|t| t.label.clone()).unwrap_or(a.clone())).collect::<Vec<_>>().join(", "),
            })).collect::<Vec<_>>()
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "protection_memorial.html", v_(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The family's view of their own case, through their link (no account).
pub async fn family_view(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    match m::family_case(&state.store, &token).await {
        Ok(Some(view)) => {
            let mut r = page(
                &state,
                &ctx,
                "protection_family.html",
                v_(json!({ "view": view })),
            );
            r.headers_mut().insert(
                header::REFERRER_POLICY,
                header::HeaderValue::from_static("no-referrer"),
            );
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            r
        }
        Ok(None) => WebError::keyed(StatusCode::NOT_FOUND, "pro.family_invalid").into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Example contexts of the protection templates, for the template tests.
#[cfg(test)]
pub(crate) fn examples() -> Vec<(&'static str, Value, bool, bool)> {
    let opt = json!([{ "code": "a", "label": "Option <b>" }]);
    let countries = json!([{ "code": "HND", "label": "Honduras" }]);
    let problem = json!({ "field": "Date", "message": "out of order <b>" });
    vec![
        (
            "protection_home.html",
            v_(
                json!({ "mine": [{ "checkin_id": 1, "defender_id": 2, "defender": "Amina <Diallo>", "due_on": "2024-01-01", "days_overdue": 3 }], "overdue_total": 4, "defenders": 2, "cases": 3 }),
            ),
            true,
            false,
        ),
        (
            "protection_defenders.html",
            v_(json!({
                "total": 1, "rows": [{ "id": 1, "name": "Amina <Diallo>", "region": "R", "risk": "high", "next_review": "2024-05-01", "country": "Honduras", "areas": "Land", "contact": "cora", "open_measures": 1, "confidentiality": "confidential" }],
                "areas": opt, "area": "a", "country": null, "countries": countries, "sexes": opt, "statuses": opt, "users": [{ "id": 1, "name": "cora" }],
                "may_edit": true, "problem": problem, "values": { "name": "x", "organisation": "y", "region": "z" },
            })),
            true,
            false,
        ),
        (
            "protection_defender.html",
            v_(json!({
                "d": { "id": 1, "person_id": 2, "name": "Amina <Diallo>", "organisation": "O", "region": "R", "country": "Honduras", "contact": "c", "whereabouts": "w", "contact_user": "cora", "sex": "Female", "age_group": "adult", "areas": ["Land"], "sdg_status": "hrd", "memorial_consent": true, "confidentiality": "confidential" },
                "attacks": [{ "id": 1, "act_id": 2, "event_id": 3, "date": "2024-01-01", "type": "Threats", "un_reprisal": true, "victim_status": "hrd", "perpetrator_category": "state_actor", "motive": "work_related", "sources": 1, "verified": false, "sex": "Female", "age_group": "adult", "country": "Honduras" }],
                "min_sources": 2,
                "risk": [{ "id": 1, "defender_id": 1, "level": "high", "factors": ["surveillance"], "notes": "n", "assessed_on": "2024-01-01", "next_review": "2024-02-01", "assessor": "cora", "created_at": "x" }],
                "measures": [{ "id": 1, "defender_id": 1, "measure_type": "relocation", "status": "approved", "requested_on": "2024-01-01", "approved_on": "2024-01-02", "delivered_on": "", "closed_on": "", "amount": "", "currency": "", "cost": "10.00", "cost_currency": "EUR", "period_start": "2024-02-01", "period_end": "2024-10-01", "details": { "host": "H", "visa": "V", "security_plan": "S", "description": "D" }, "outcome": "", "intervention_id": null, "history": [{ "from_status": "", "to_status": "requested", "on_date": "2024-01-01", "by": "cora" }] }],
                "checkins": [{ "id": 1, "defender_id": 1, "measure_id": null, "due_on": "2024-01-01", "done_on": "", "notes": "", "overdue": true }],
                "today": "2024-06-01", "attack_types": opt, "perp_categories": opt, "motives": opt, "statuses": opt, "levels": opt, "factors": opt, "measure_types": opt,
                "sources": [{ "id": 4, "name": "Radio" }], "may_edit": true, "problem": problem,
            })),
            true,
            false,
        ),
        (
            "protection_missing_list.html",
            v_(json!({
                "total": 1, "rows": [{ "id": 1, "name": "Agron <K>", "last_seen_date": "1999", "region": "G", "community": "C", "status": "missing", "status_on": "2001-01-01", "sources": 2, "confidentiality": "confidential" }],
                "q": { "status": "missing", "region": "G", "name": "A" }, "statuses": opt, "relationships": opt, "periods": [{ "id": 1, "name": "1998–2000", "start_date": "1998-01", "end_date": "2000-12" }], "sexes": opt,
                "may_edit": true, "problem": problem,
                "values": { "name": "", "other_names": "", "birth_date": "", "last_seen_date": "", "last_seen_place": "", "region": "", "community": "", "circumstances": "", "description": "", "relative_name": "" },
            })),
            true,
            false,
        ),
        (
            "protection_missing.html",
            v_(json!({
                "c": { "id": 1, "name": "Agron <K>", "other_names": "Агрон", "sex": "Male", "birth_date": "1971", "last_seen_date": "1999", "last_seen_place": "P", "region": "G", "community": "C", "circumstances": "x", "description": "y", "period": "1998–2000", "status": "missing", "status_on": "2001-01-01", "confidentiality": "confidential" },
                "history": [{ "seq": 1, "from_status": "", "to_status": "missing", "changed_on": "2001-01-01", "evidence_id": 3, "reference": "r", "note": "n", "by": "dora", "at": "x" }],
                "next": opt, "consent": "commission", "consent_obj": { "commission": true, "organisations": false },
                "reports": [{ "id": 1, "missing_id": 1, "relative_id": 1, "relative": "S", "relationship": "spouse", "reported_on": "2001-01-01", "consent": { "commission": true, "organisations": false }, "consent_updated_at": "x" }],
                "relatives": [{ "id": 1, "missing_id": 1, "name": "S", "relationship": "spouse", "contact": "c" }],
                "shares": [{ "id": 1, "missing_id": 1, "recipient_kind": "commission", "recipient": "GCMP", "channel": "share", "fields": "name", "by": "cora", "at": "2024-01-01T00:00:00Z" }],
                "records": [{ "id": 1, "source": "ICRC", "kind": "red_cross", "external_id": "K-1", "line": 2, "name": "Agron", "birth_date": "1971", "imported_at": "x", "conflicts": ["birth_date: 1973"] }],
                "candidates": [{ "record_id": 2, "source": "NGO", "name": "Agron", "score": "90", "reasons": "name" }],
                "links": [{ "id": 1, "relative": "S", "created_at": "x", "expires_on": "2025-01-01", "revoked": false, "last_used_at": "" }],
                "relationships": opt, "may_edit": true, "may_share": true, "problem": problem,
                "extra": { "family_link": "/family/abc", "withdrawn": true, "already_shared": [{ "recipient": "GCMP", "recipient_kind": "commission", "at": "2024-01-01T00:00:00Z", "fields": "name" }] },
            })),
            true,
            false,
        ),
        (
            "protection_sources.html",
            v_(json!({
                "sources": [{ "id": 1, "name": "ICRC", "kind": "red_cross", "records": 2, "linked": 1 }], "kinds": opt, "targets": ["external_id", "name"],
                "candidates": [{ "record_id": 1, "record_source": "ICRC", "record_name": "A", "other_kind": "case", "other_id": 2, "other_source": "", "other_name": "B", "score": "90", "reasons": "r" },
                               { "record_id": 3, "record_source": "ICRC", "record_name": "A", "other_kind": "record", "other_id": 4, "other_source": "NGO", "other_name": "B", "score": "80", "reasons": "r" }],
                "may_edit": true, "problem": problem, "errors": [{ "line": 3, "field": "name", "message": "empty" }],
                "report": { "import_id": 1, "rows": 2, "new": 1, "changed": 0, "unchanged": 1, "unused_columns": [{ "column": "date_of_birth", "position": 3, "suggestion": "birth_date" }, { "column": "", "position": 5, "suggestion": null }] },
                "window": { "after": 500, "checked": 500, "next": 1000 },
            })),
            true,
            false,
        ),
        (
            "protection_reports.html",
            v_(json!({
                "year": 2024, "country": "HND", "by": "region", "bys": ["period", "region", "community", "year"],
                "counts": [{ "group": "G", "open": 1, "located": 2, "closed": 0 }, { "group": "", "open": 1, "located": 0, "closed": 0 }], "svg": "<svg></svg>",
                "sdg": { "year": 2024, "country": "HND", "rows": [{ "victim_status": "hrd", "sex": "female", "age_group": "adult", "perpetrator_category": "business", "count": 1 }], "total": 1, "unverified": 0 },
                "countries": countries,
            })),
            true,
            false,
        ),
        (
            "protection_memorial.html",
            v_(
                json!({ "entries": [{ "name": "Amina <Diallo>", "date": "2016-03-03", "country": "Honduras", "areas": "Land" }] }),
            ),
            false,
            false,
        ),
        (
            "protection_family.html",
            v_(
                json!({ "view": { "name": "Agron", "status": "missing", "status_on": "2001-01-01", "history": [["2001-01-01", "missing"]] } }),
            ),
            false,
            false,
        ),
        (
            "protection_vocabulary.html",
            v_(json!({
                "kind": "attack", "other": "area",
                "terms": [{ "code": "un_reprisal", "label": "Reprisal <b>", "label_en": "Reprisal <b>", "label_fr": "Représailles", "label_es": "Represalia", "label_ar": "انتقام", "label_ru": "Репрессалии", "act_type": "02010303000004", "un_reprisal": true, "active": true },
                          { "code": "local-1", "label": "Old", "label_en": "Old", "label_fr": "", "label_es": "", "label_ar": "", "label_ru": "", "act_type": "", "un_reprisal": false, "active": false }],
                "langs": LANGS.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "may_edit": true, "problem": problem,
            })),
            true,
            true,
        ),
    ]
}

// -------------------------------------------------------- vocabularies --

/// The languages of the labels, named in their own language.
const LANGS: &[(&str, &str)] = &[
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ru", "Русский"),
];

/// Editing the area's vocabularies is managing reference data (as the foundation's).
fn may_edit_terms(ctx: &Ctx) -> bool {
    dignity_core::auth::authorize_system(
        &ctx.actor,
        dignity_core::auth::SystemAction::ManageReferenceData,
    )
    .allowed()
}

async fn vocabulary_view(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    problem: Option<Json>,
) -> Response {
    if !p::TERM_KINDS.contains(&kind) {
        return WebError::not_found().into_response();
    }
    match p::terms(&state.store, kind, ctx.lang.code(), true).await {
        Ok(terms) => page_status(
            state,
            ctx,
            "protection_vocabulary.html",
            if problem.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
            v_(json!({
                "kind": kind,
                "other": if kind == "area" { "attack" } else { "area" },
                "terms": terms,
                "langs": LANGS.iter().map(|(c, n)| json!({ "code": c, "name": n })).collect::<Vec<_>>(),
                "may_edit": may_edit_terms(ctx),
                "problem": problem,
            })),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// An editable vocabulary of this area: areas of work (`area`) or types of attack (`attack`).
pub async fn vocabulary_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(kind): Path<String>,
) -> Response {
    vocabulary_view(&state, &ctx, &kind, None).await
}

fn term_input(f: &FormData, active: bool) -> p::TermInput {
    p::TermInput {
        label_en: f.get("label_en"),
        label_fr: f.get("label_fr"),
        label_es: f.get("label_es"),
        label_ar: f.get("label_ar"),
        label_ru: f.get("label_ru"),
        act_type: f.get("act_type"),
        un_reprisal: f.get("un_reprisal") == "1",
        active,
    }
}

async fn term_write(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    code: Option<String>,
    f: FormData,
) -> Response {
    if !may_edit_terms(ctx) {
        return WebError::forbidden().into_response();
    }
    let input = term_input(&f, code.is_none() || f.get("active") == "1");
    let r = state
        .store
        .write(&ctx.actor, async |tx| match &code {
            Some(c) => p::update_term(tx, kind, c, &input).await.map(|_| c.clone()),
            None => p::add_term(tx, kind, &input).await,
        })
        .await;
    match r {
        Ok(c) => see_other(&format!(
            "/protection/vocabularies/{kind}?flash=saved#term-{c}"
        )),
        Err(e) => match problem(ctx, &e) {
            Some(pr) => vocabulary_view(state, ctx, kind, Some(pr)).await,
            None => WebError::from(e).into_response(),
        },
    }
}

/// Add a term (labels in the five languages). Audited.
pub async fn term_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(kind): Path<String>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    term_write(&state, &ctx, &kind, None, body).await
}

/// Change a term's labels, retire or restore it. Audited.
pub async fn term_edit(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path((kind, code)): Path<(String, String)>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    term_write(&state, &ctx, &kind, Some(code), body).await
}
