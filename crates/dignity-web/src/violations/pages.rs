//! Server-rendered pages of the violations area. They work without JavaScript: pickers are
//! `<select>` lists in the reader's language and `<datalist>` search-as-you-type fields.

use super::edit_form::ACT_CODED;
use super::*;
use crate::authz::{gate, rec, Allowed, CanRead, CsrfForm, MayWrite, SignedIn, WebError};
use crate::i18n::Lang;
use crate::pages::page;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_core::auth::Action;
use dignity_store::violations::interventions;
use dignity_store::violations::{DeathPenaltyInput, EventFilter};
use dignity_store::StoreError;
use minijinja::value::Value;
use serde::Deserialize;

mod custody;
mod follow_up;
mod lenses;
mod persons;

pub use custody::*;
pub use follow_up::*;
pub use lenses::*;
pub use persons::*;

const PAGE: i64 = 50;

pub(super) fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

/// A validation error as the page shows it: the field's name in the reader's language and
/// the store's explanation.
pub(super) fn problem(ctx: &Ctx, e: &StoreError) -> Json {
    match e {
        StoreError::Rejected(r) => {
            let key = format!("vio.field.{}", r.field);
            let name = crate::i18n::lookup(ctx.lang, &key)
                .map(String::from)
                .unwrap_or_else(|| r.field.to_string());
            json!({ "field": name, "message": crate::i18n::reason(ctx.lang, r) })
        }
        e => json!({ "field": "", "message": e.to_string() }),
    }
}

/// A refused field and a message already written (the store's older free text, or a
/// problem carried back in the address), as the page shows it.
pub(super) fn problem_text(ctx: &Ctx, field: &str, message: &str) -> Json {
    let key = format!(
        "vio.field.{}",
        field
            .trim_start_matches("victim_")
            .trim_start_matches("perp_")
    );
    let name = crate::i18n::lookup(ctx.lang, &key)
        .map(String::from)
        .unwrap_or_else(|| field.to_string());
    json!({ "field": name, "message": message })
}

/// A refused value as the address of a page carries it back: the field and the English
/// text (the store's own text, or a core refusal's message); `None` for other errors.
pub(super) fn refusal(e: &StoreError) -> Option<(String, String)> {
    match e {
        StoreError::Rejected(r) => Some((r.field.to_string(), r.message())),
        _ => None,
    }
}

pub(super) fn v(x: Json) -> Value {
    Value::from_serialize(x)
}

/// The coded fields of the perpetrator and source forms (on the quick-entry form and on the
/// event page).
const PARTY_FIELDS: &[&str] = &[
    "sex",
    "perpetrator_type",
    "degree",
    "source_type",
    "reliability",
    "connection",
];

/// The coded fields of the quick-entry form: the act's, then the perpetrator's and source's.
pub(super) fn entry_fields() -> Vec<&'static str> {
    [
        &["act_type", "violation_status", "rights_affected"],
        PARTY_FIELDS,
    ]
    .concat()
}

/// The coded fields of the event page's forms: an act's (those of its edit form), then
/// those of the perpetrator, source, intervention and event link forms.
pub(super) fn event_page_fields() -> Vec<&'static str> {
    [
        ACT_CODED,
        PARTY_FIELDS,
        &["int_type", "priority", "event_link"],
    ]
    .concat()
}

/// Persons for the search-as-you-type pickers: the most recent ones the reader may see.
pub(super) async fn person_choices(state: &AppState, ctx: &Ctx) -> Result<Json, StoreError> {
    let rows = v::recent_person_names(&state.store, &ctx.actor, 300).await?;
    Ok(Json::Array(
        rows.into_iter()
            .map(|(id, name)| json!({ "value": format!("#{id} — {name}") }))
            .collect(),
    ))
}

// ------------------------------------------------------------------ home --

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    lens: Option<String>,
    #[serde(default)]
    act_type: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn home(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<HomeQuery>,
) -> Response {
    let f = EventFilter {
        q: q.q.clone(),
        country: q.country.clone(),
        lens: q.lens.clone(),
        act_type: q.act_type.clone(),
        from: None,
        to: None,
        priority: q.priority.as_deref().map(|p| p == "1" || p == "on"),
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        // One row more than a page tells whether there is a next page, also past the
        // capped total.
        let (total, mut rows) = v::list_events(&state.store, &ctx.actor, &f, PAGE + 1, (page_no - 1) * PAGE).await?;
        let has_next = rows.len() as i64 > PAGE;
        rows.truncate(PAGE as usize);

        let lenses = v::lens_counts_with(&state.store, &ctx.actor, false).await?;
        let today = chrono::Utc::now().date_naive();
        let due = interventions::deadlines(&state.store, &ctx.actor, "mine", today, 14).await?;
        let drafts = v::drafts(&state.store, &ctx.actor).await?;
        let pc = v::priority_countries(&state.store).await?;
        Ok::<_, StoreError>(json!({
            "total": total,
            "total_label": if v::total_is_exact(total) { total.to_string() } else { crate::i18n::t_args(ctx.lang, "vio.more_than", &[("count", &v::TOTAL_CAP.to_string())]) },

            "events": rows.iter().map(|e| json!({
                "id": e.id, "title": e.title, "start_date": e.start_date, "end_date": e.end_date,
                "country": e.country.as_deref().map(|c| vocab.country_name(c, ctx.lang.code())).unwrap_or_default(),
                "admin_area": e.admin_area, "acts": e.acts,
                "violation_status": super::label(&vocab, ctx.lang, &e.violation_status),
                "confidentiality": e.confidentiality,
            })).collect::<Vec<_>>(),
            "lenses": lenses,
            "due": due.len(),
            "overdue": due.iter().filter(|d| d.overdue).count(),
            "drafts": drafts.iter().map(|d| json!({ "id": d.id, "updated_at": d.updated_at,
                "title": d.payload.get("title").and_then(|t| t.as_str()).unwrap_or("") })).collect::<Vec<_>>(),
            "filter": { "q": q.q.clone().unwrap_or_default(), "country": q.country.clone().unwrap_or_default(),
                "lens": q.lens.clone().unwrap_or_default(), "act_type": q.act_type.clone().unwrap_or_default(),
                "priority": f.priority == Some(true) },
            "countries": country_options(&vocab, ctx.lang.code()),
            "opts": options(&vocab, ctx.lang.code(), &["act_type"]),
            "lens_names": v::LENSES,
            "priority_countries": pc.join(", "),
            "page": page_no,
            "has_prev": page_no > 1,
            "has_next": has_next,
            "may_write": crate::authz::may_write(&ctx),
            "query": url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &q.q.clone().unwrap_or_default())
                .append_pair("country", &q.country.clone().unwrap_or_default())
                .append_pair("lens", &q.lens.clone().unwrap_or_default())
                .append_pair("act_type", &q.act_type.clone().unwrap_or_default())
                .finish(),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_home.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

// ----------------------------------------------------------------- event --

async fn act_json(
    state: &AppState,
    ctx: &Ctx,
    vocab: &Vocab,
    a: &v::Act,
) -> Result<Json, StoreError> {
    let l = |c: &Option<String>| super::label(vocab, ctx.lang, c);
    let inv = v::involvements(&state.store, &ctx.actor, a.id).await?;
    let details: Vec<Json> = [
        ("attribution", &a.attribution),
        ("victim_status", &a.victim_status),
        ("detention_type", &a.detention_type),
        ("whereabouts", &a.whereabouts),
        ("legal_counsel", &a.legal_counsel),
        ("court_type", &a.court_type),
        ("autopsy", &a.autopsy),
        ("death_certificate", &a.death_certificate),
        ("statements_signed", &a.statements_signed),
        ("medical_attention", &a.medical_attention),
        ("intent", &a.intent),
        ("compensation", &a.compensation),
    ]
    .iter()
    .filter(|(_, c)| c.is_some())
    .map(|(k, c)| json!({ "key": k, "value": l(c) }))
    .chain(
        [
            ("consequences", &a.consequences),
            ("case_description", &a.case_description),
            ("property_destroyed", &a.property_destroyed),
            ("property_value", &a.property_value),
            ("place", &a.place),
            ("coordinates", &a.coordinates),
        ]
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(k, s)| json!({ "key": k, "value": s })),
    )
    .collect();
    Ok(json!({
        "id": a.id, "kind": a.kind, "act_type": vocab.label(&a.act_type, ctx.lang.code()),
        "start_date": a.start_date, "end_date": a.end_date,
        "victim_id": a.victim_id, "victim": v::display_name(&state.store, &ctx.actor, a.victim_id).await?,
        "perpetrators": inv.iter().map(|i| json!({ "id": i.perpetrator_id, "involvement_id": i.id, "name": i.perpetrator,
            "degree": l(&i.degree), "perpetrator_type": l(&i.perpetrator_type) })).collect::<Vec<_>>(),
        "methods": a.methods.iter().map(|m| vocab.label(m, ctx.lang.code())).collect::<Vec<_>>(),
        "sources": a.sources, "confidentiality": a.confidentiality, "event_id": a.event_id,
        "details": details,
    }))
}

fn intervention_json(vocab: &Vocab, lang: Lang, i: &interventions::Intervention) -> Json {
    json!({
        "id": i.id, "int_type": label(vocab, lang, &Some(i.int_type.clone())), "int_date": i.int_date,
        "addressees": i.addressees, "reply_due": i.reply_due, "follow_up_date": i.follow_up_date,
        "response_date": i.response_date, "response_type": label(vocab, lang, &i.response_type),
        "status": label(vocab, lang, &i.status), "priority": label(vocab, lang, &i.priority),
    })
}

fn evidence_json(e: &evidence::Evidence) -> Json {
    json!({ "id": e.id, "title": e.title, "derivation": e.derivation, "media_type": e.media_type,
        "size_bytes": e.size_bytes, "sha256": e.sha256, "original_id": e.original_id })
}

pub async fn event_page(
    State(state): State<AppState>,
    ctx: CanRead<rec::Event>,
    Path(id): Path<i64>,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let e = v::get_event(&state.store, id).await?.ok_or_else(|| StoreError::NotFound(format!("event {id}")))?;
        let lang = ctx.lang.code();
        let mut acts = vec![];
        for a in v::acts_of_event(&state.store, &ctx.actor, id).await? {
            acts.push(act_json(&state, &ctx, &vocab, &a).await?);
        }
        let info: Vec<Json> = v::information_of(&state.store, &ctx.actor, Some(id), None)
            .await?
            .iter()
            .map(|i| json!({ "id": i.record.id, "source_id": i.record.source_id, "source": i.source, "act_id": i.record.act_id,
                "source_type": label(&vocab, ctx.lang, &i.record.source_type), "reliability": label(&vocab, ctx.lang, &i.record.reliability),
                "connection": label(&vocab, ctx.lang, &i.record.connection), "info_date": i.record.info_date }))
            .collect();
        let ints: Vec<Json> = interventions::interventions_for(&state.store, &ctx.actor, v::EVENT, id)
            .await?
            .iter()
            .map(|i| intervention_json(&vocab, ctx.lang, i))
            .collect();
        let evs: Vec<Json> = evidence::list_evidence(&state.store, &ctx.actor, Some(id), None).await?.iter().map(evidence_json).collect();
        let links: Vec<Json> = v::event_links(&state.store, &ctx.actor, id)
            .await?
            .iter()
            .map(|l| json!({ "other": if l.from_id == id { l.to_id } else { l.from_id }, "link_type": vocab.label(&l.link_type, lang) }))
            .collect();
        let may_edit = crate::authz::may_write(&ctx) && v::can(&state.store, &ctx.actor, Action::Update, v::EVENT, id).await?;
        Ok::<_, StoreError>(json!({
            "event": {
                "id": e.id, "title": e.title, "description": e.description, "start_date": e.start_date, "end_date": e.end_date,
                "country": e.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                "admin_area": e.admin_area, "place": e.place, "coordinates": e.coordinates,
                "violation_status": label(&vocab, ctx.lang, &e.violation_status),
                "monitoring_status": label(&vocab, ctx.lang, &e.monitoring_status),
                "rights_affected": e.rights_affected.iter().map(|c| vocab.label(c, lang)).collect::<Vec<_>>(),
                "lenses": e.lenses, "confidentiality": e.confidentiality,
            },
            "acts": acts,
            "information": info,
            "interventions": ints,
            "evidence": evs,
            "links": links,
            "may_edit": may_edit,
            "opts": if may_edit { options(&vocab, lang, &event_page_fields()) } else { json!({}) },
            "people": if may_edit { person_choices(&state, &ctx).await? } else { json!([]) },
            "age_groups": v::AGE_GROUPS,
            "act_ids": acts.iter().map(|a| a["id"].clone()).collect::<Vec<_>>(),
            "problem": query_problem(&ctx),
            "portal_panel": crate::portal::record_panel(&state, &ctx, dignity_core::RecordType::Event, id, &format!("/violations/events/{id}")).await,
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_event.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The problem a failed form on the event page left in the address.
pub(super) fn query_problem(ctx: &Ctx) -> Json {
    let q = ctx.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut field = None;
    let mut msg = None;
    for (k, val) in url::form_urlencoded::parse(q.as_bytes()) {
        match k.as_ref() {
            "problem_field" => field = Some(val.into_owned()),
            "problem" => msg = Some(val.into_owned()),
            _ => {}
        }
    }
    match (field, msg) {
        (Some(f), Some(m)) => problem_text(ctx, &f, &m),
        _ => Json::Null,
    }
}

/// After a failed form on the event page: back to it with the problem in the flash area.
pub async fn case_json(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    match v::case::export_case(&state.store, &ctx.actor, id).await {
        Ok(c) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"case-{id}.json\""),
                ),
            ],
            serde_json::to_string_pretty(&c).unwrap_or_default(),
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

// ------------------------------------------------------------------- act --

pub async fn act_page(
    State(state): State<AppState>,
    ctx: CanRead<rec::Act>,
    Path(id): Path<i64>,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let a = v::get_act(&state.store, id).await?.ok_or_else(|| StoreError::NotFound(format!("act {id}")))?;
        let ev = v::get_event(&state.store, a.event_id).await?.ok_or_else(|| StoreError::NotFound("event".into()))?;
        let ints: Vec<Json> = interventions::interventions_for(&state.store, &ctx.actor, v::ACT, id)
            .await?
            .iter()
            .map(|i| intervention_json(&vocab, ctx.lang, i))
            .collect();
        let may_edit = crate::authz::may_write(&ctx) && v::can(&state.store, &ctx.actor, Action::Update, v::ACT, id).await?;
        Ok::<_, StoreError>(json!({ "act": act_json(&state, &ctx, &vocab, &a).await?, "event_title": ev.title, "interventions": ints, "may_edit": may_edit }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_act.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}
