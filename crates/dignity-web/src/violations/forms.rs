//! Forms of the violations area that write: the fast entry flow (event → act → victim →
//! perpetrator → source in one form, with duplicate warnings and drafts), and the forms of
//! the event page (acts, information, interventions, evidence) and of an intervention.

use super::pages::{entry_fields, person_choices, problem, refusal, see_other, v};
use super::*;
use crate::authz::{rec, CanWrite, CsrfForm, CsrfMultipart, MayWrite, SignedIn, WebError};
use crate::pages::page_status;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dignity_core::auth::Action;
use dignity_core::violations::picks;
use dignity_store::violations::interventions::{self, InterventionInput};
use dignity_store::violations::{
    ActInput, EventInput, InformationInput, InvolvementInput, PersonInput,
};
use dignity_store::StoreError;
use serde::Deserialize;

// ----------------------------------------------------------------- entry --

#[derive(Deserialize, Default)]
pub struct EntryQuery {
    #[serde(default)]
    draft: Option<i64>,
}

/// Every field of the entry form with its value (empty when not given).
pub(crate) const ENTRY_FORM_KEYS: &[&str] = &[
    "title",
    "description",
    "start_date",
    "end_date",
    "country",
    "admin_area",
    "place",
    "coordinates",
    "violation_status",
    "confidentiality",
    "act_type",
    "act_start",
    "act_end",
    "victim_name",
    "victim_sex",
    "victim_birth_date",
    "victim_age_group",
    "perp_name",
    "perpetrator_type",
    "degree",
    "source_name",
    "source_type",
    "reliability",
    "connection",
    "info_date",
];

pub(crate) fn form_values(f: &FormData) -> Json {
    Json::Object(
        ENTRY_FORM_KEYS
            .iter()
            .map(|k| (k.to_string(), Json::String(f.get(k))))
            .collect(),
    )
}

async fn entry_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: &FormData,
    extra: Json,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        Ok::<_, StoreError>(json!({
            "opts": options(&vocab, ctx.lang.code(), &entry_fields()),
            "countries": country_options(&vocab, ctx.lang.code()),
            "people": person_choices(state, ctx).await?,
            "lens_names": v::LENSES,
            "age_groups": v::AGE_GROUPS,
            "form": form_values(form),
            "form_lenses": form.all("lenses"),
            "form_rights": form.all("rights_affected"),
        }))
    }
    .await;
    match r {
        Ok(mut c) => {
            let obj = c.as_object_mut().expect("object");
            for (k, val) in extra.as_object().cloned().unwrap_or_default() {
                obj.insert(k, val);
            }
            for k in ["problems", "duplicates", "draft_id"] {
                obj.entry(k).or_insert(Json::Null);
            }
            page_status(state, ctx, "violations_entry.html", status, v(c))
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn entry_form(
    State(state): State<AppState>,
    ctx: MayWrite,
    Query(q): Query<EntryQuery>,
) -> Response {
    let mut form = FormData::default();
    if let Some(id) = q.draft {
        match v::drafts(&state.store, &ctx.actor).await {
            Ok(d) => match d.into_iter().find(|d| d.id == id) {
                Some(d) => form = FormData::from_json(&d.payload),
                None => return WebError::not_found().into_response(),
            },
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    entry_page(
        &state,
        &ctx,
        StatusCode::OK,
        &form,
        json!({ "draft_id": q.draft }),
    )
    .await
}

/// An existing person chosen in a picker, or a new one described by the form's fields
/// with `prefix` (`victim_`, `perp_`, `source_`).
fn new_person(f: &FormData, prefix: &str, default_type: &str) -> PersonInput {
    PersonInput {
        person_type: if f.get(&format!("{prefix}person_type")).is_empty() {
            default_type.into()
        } else {
            f.get(&format!("{prefix}person_type"))
        },
        name: f.get(&format!("{prefix}name")),
        sex: f.opt(&format!("{prefix}sex")),
        birth_date: f.get(&format!("{prefix}birth_date")),
        age_group: f.get(&format!("{prefix}age_group")),
        confidentiality: f.get(&format!("{prefix}confidentiality")),
        ..Default::default()
    }
}

/// Which person a picker names: an existing id (`#12 — …`) or a new person by name.
enum Pick {
    Existing(i64),
    New(Box<PersonInput>),
    None,
}

fn pick(f: &FormData, prefix: &str, default_type: &str) -> Pick {
    let typed = f.get(&format!("{prefix}name"));
    if let Some(id) = super::person_ref(&typed) {
        return Pick::Existing(id);
    }
    if typed.is_empty() {
        Pick::None
    } else {
        Pick::New(Box::new(new_person(f, prefix, default_type)))
    }
}

async fn resolve(
    tx: &mut dignity_store::WriteTx,
    vocab: &Vocab,
    ctx: &Ctx,
    p: Pick,
    field: &str,
) -> Result<Option<i64>, StoreError> {
    match p {
        Pick::Existing(id) => {
            let store = tx.store().clone();
            if !v::can(&store, &ctx.actor, Action::Read, v::PERSON, id).await?
                && v::get_person(&store, id).await?.is_none()
            {
                return Err(picks::no_person_picked(field.to_string(), id).into());
            }
            Ok(Some(id))
        }
        Pick::New(p) => Ok(Some(v::create_person(tx, vocab, &p).await?)),
        Pick::None => Ok(None),
    }
}

/// The fields of an act that both the event page's act form and the act's edit form send
/// (the others are left to the default).
/// An event's fields from the event form (the quick-entry form has no monitoring status
/// and no index terms: they stay empty).
pub(super) fn event_input(f: &FormData) -> EventInput {
    EventInput {
        title: f.get("title"),
        description: f.get("description"),
        start_date: f.get("start_date"),
        end_date: f.get("end_date"),
        country: f.opt("country"),
        admin_area: f.get("admin_area"),
        place: f.get("place"),
        coordinates: f.get("coordinates"),
        violation_status: f.opt("violation_status"),
        monitoring_status: f.opt("monitoring_status"),
        rights_affected: f.all("rights_affected"),
        index_terms: f.all("index_terms"),
        lenses: f.all("lenses"),
        confidentiality: f.get("confidentiality"),
        ..Default::default()
    }
}

pub(super) fn act_input(f: &FormData) -> ActInput {
    ActInput {
        act_type: f.get("act_type"),
        start_date: f.get("start_date"),
        end_date: f.get("end_date"),
        place: f.get("place"),
        methods: f.all("methods"),
        attribution: f.opt("attribution"),
        consequences: f.get("consequences"),
        victim_status: f.opt("victim_status"),
        detention_type: f.opt("detention_type"),
        whereabouts: f.opt("whereabouts"),
        legal_counsel: f.opt("legal_counsel"),
        court_type: f.opt("court_type"),
        case_description: f.get("case_description"),
        autopsy: f.opt("autopsy"),
        death_certificate: f.opt("death_certificate"),
        statements_signed: f.opt("statements_signed"),
        medical_attention: f.opt("medical_attention"),
        intent: f.opt("intent"),
        property_destroyed: f.get("property_destroyed"),
        property_value: f.get("property_value"),
        compensation: f.opt("compensation"),
        confidentiality: f.get("confidentiality"),
        ..Default::default()
    }
}

/// The perpetrator picked on an act form, with the degree and type of the involvement.
fn perpetrators(f: &FormData, perp: Option<i64>) -> Vec<InvolvementInput> {
    perp.map(|p| InvolvementInput {
        perpetrator_id: p,
        degree: f.opt("degree"),
        perpetrator_type: f.opt("perpetrator_type"),
        latest_status: None,
    })
    .into_iter()
    .collect()
}

/// [`resolve`] the person picked, or typed as new, in the form's fields named `{prefix}…`.
async fn resolve_pick(
    tx: &mut dignity_store::WriteTx,
    vocab: &Vocab,
    ctx: &Ctx,
    f: &FormData,
    prefix: &str,
    default_type: &str,
) -> Result<Option<i64>, StoreError> {
    let field = format!("{prefix}name");
    resolve(tx, vocab, ctx, pick(f, prefix, default_type), &field).await
}

pub async fn entry_submit(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    let draft_id: Option<i64> = f.get("draft_id").parse().ok();
    if f.get("action") == "draft" {
        let r = async {
            let mut tx = state.store.begin(&ctx.actor).await?;
            let id = v::save_draft(&mut tx, draft_id, "entry", &f.to_json()).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(id)
        }
        .await;
        return match r {
            Ok(id) => see_other(&format!("/violations/new?draft={id}&flash=vio_draft_saved")),
            Err(e) => WebError::from(e).into_response(),
        };
    }
    // Possible duplicates of a new victim: warn once, unless the user confirmed.
    let victim = pick(&f, "victim_", "individual");
    if let Pick::New(p) = &victim {
        if f.get("confirm_new_victim").is_empty() {
            match v::possible_duplicates(&state.store, &ctx.actor, &p.name, &[]).await {
                Ok(d) if !d.is_empty() => {
                    let dups: Vec<Json> = d.iter().map(|p| json!({ "id": p.id, "name": p.name, "value": format!("#{} — {}", p.id, p.name), "roles": p.roles })).collect();
                    return entry_page(
                        &state,
                        &ctx,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &f,
                        json!({ "duplicates": dups, "draft_id": draft_id }),
                    )
                    .await;
                }
                Ok(_) => {}
                Err(e) => return WebError::from(e).into_response(),
            }
        }
    }
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        let event_id = v::create_event(&mut tx, &vocab, &event_input(&f)).await?;
        let victim_id = resolve(&mut tx, &vocab, &ctx, victim, "victim_name").await?;
        let perp = resolve_pick(&mut tx, &vocab, &ctx, &f, "perp_", "organisation").await?;
        let act_id = v::create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id,
                victim_id,
                act_type: f.get("act_type"),
                start_date: if f.get("act_start").is_empty() {
                    f.get("start_date")
                } else {
                    f.get("act_start")
                },
                end_date: f.get("act_end"),
                perpetrators: perpetrators(&f, perp),
                ..Default::default()
            },
        )
        .await?;
        if let Some(src) = resolve_pick(&mut tx, &vocab, &ctx, &f, "source_", "individual").await? {
            v::add_information(
                &mut tx,
                &vocab,
                &InformationInput {
                    source_id: src,
                    event_id: Some(event_id),
                    connection: f.opt("connection"),
                    source_type: f.opt("source_type"),
                    reliability: f.opt("reliability"),
                    info_date: f.get("info_date"),
                    ..Default::default()
                },
            )
            .await?;
        }
        let _ = act_id;
        if let Some(d) = draft_id {
            v::delete_draft(&mut tx, d).await?;
        }
        tx.commit().await?;
        Ok::<_, StoreError>(event_id)
    }
    .await;
    match r {
        Ok(id) => see_other(&format!("/violations/events/{id}?flash=saved")),
        Err(e @ StoreError::Rejected(_)) => {
            let p = problem(&ctx, &e);
            entry_page(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &f,
                json!({ "problems": [p], "draft_id": draft_id }),
            )
            .await
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

fn back_with_problem(id: i64, anchor: &str, e: &StoreError) -> Response {
    let (field, msg) = refusal(e).unwrap_or_else(|| ("record".into(), e.to_string()));
    back_with(id, anchor, &field, &msg)
}

/// Back to the event page with a refused field and its message in the address.
fn back_with(id: i64, anchor: &str, field: &str, msg: &str) -> Response {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("problem_field", field)
        .append_pair("problem", msg)
        .finish();
    see_other(&format!("/violations/events/{id}?{q}#{anchor}"))
}

async fn event_write(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    anchor: &str,
    work: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab) -> Result<(), StoreError>,
) -> Response {
    let r = async {
        v::require(&state.store, &ctx.actor, Action::Update, v::EVENT, id).await?;
        let vocab = Vocab::load(&state.store).await?;
        state
            .store
            .write(&ctx.actor, async |tx| work(tx, &vocab).await)
            .await
    }
    .await;
    match r {
        Ok(()) => see_other(&format!("/violations/events/{id}?flash=saved#{anchor}")),
        Err(e @ StoreError::Rejected(_)) => back_with_problem(id, anchor, &e),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn add_act(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    event_write(&state, &ctx, id, "acts", async |tx, vocab| {
        let victim = resolve_pick(tx, vocab, &ctx, &f, "victim_", "individual").await?;
        let perp = resolve_pick(tx, vocab, &ctx, &f, "perp_", "organisation").await?;
        v::create_act(
            tx,
            vocab,
            &ActInput {
                event_id: id,
                victim_id: victim,
                perpetrators: perpetrators(&f, perp),
                ..act_input(&f)
            },
        )
        .await?;
        Ok(())
    })
    .await
}

pub async fn add_information(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    event_write(&state, &ctx, id, "information", async |tx, vocab| {
        let src = resolve_pick(tx, vocab, &ctx, &f, "source_", "individual").await?;
        let src = picks::source(src)?;
        v::add_information(
            tx,
            vocab,
            &InformationInput {
                source_id: src,
                event_id: Some(id),
                act_id: f.get("act_id").parse().ok(),
                connection: f.opt("connection"),
                source_type: f.opt("source_type"),
                reliability: f.opt("reliability"),
                info_date: f.get("info_date"),
                remarks: f.get("remarks"),
                ..Default::default()
            },
        )
        .await?;
        Ok(())
    })
    .await
}

pub async fn add_intervention(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    event_write(&state, &ctx, id, "interventions", async |tx, vocab| {
        let party = resolve_pick(tx, vocab, &ctx, &f, "party_", "organisation").await?;
        interventions::create_intervention(
            tx,
            vocab,
            &InterventionInput {
                int_type: f.get("int_type"),
                intervening_party_id: party,
                addressees: f.get("addressees"),
                int_date: f.get("int_date"),
                description: f.get("description"),
                priority: f.opt("priority"),
                follow_up_date: f.get("follow_up_date"),
                assigned_user: ctx.actor.user_id,
                events: vec![id],
                acts: f
                    .all("acts")
                    .iter()
                    .filter_map(|a| a.parse().ok())
                    .collect(),
                confidentiality: f.get("confidentiality"),
                ..Default::default()
            },
        )
        .await?;
        Ok(())
    })
    .await
}

pub async fn upload_evidence(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Event>,
    Path(id): Path<i64>,
    CsrfMultipart(mp): CsrfMultipart,
) -> Response {
    let (mut input, blob, head, _) = match receive_upload(&state, ctx.lang, mp).await {
        Ok(x) => x,
        Err((StatusCode::PAYLOAD_TOO_LARGE, msg, _)) => {
            return WebError::Message {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: msg,
            }
            .into_response();
        }
        Err((_, msg, field)) => return back_with(id, "evidence", field, &msg),
    };
    input.event_id = Some(id);
    match save_upload(&state, &ctx, &input, &blob, &head).await {
        Ok(eid) => see_other(&format!("/violations/evidence/{eid}?flash=saved")),
        Err(e @ StoreError::Rejected(_)) => back_with_problem(id, "evidence", &e),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn intervention_response(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Intervention>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    let id = ctx.id;
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        interventions::record_response(
            &mut tx,
            &vocab,
            id,
            f.opt("response_type"),
            &f.get("response_date"),
            &f.get("response_text"),
            f.opt("status"),
            f.opt("impact"),
        )
        .await?;
        tx.commit().await
    }
    .await;
    match r {
        Ok(_) => see_other(&format!("/violations/interventions/{id}?flash=saved")),
        Err(StoreError::Rejected(_)) => {
            see_other(&format!("/violations/interventions/{id}?error=vio_invalid"))
        }
        Err(e) => WebError::from(e).into_response(),
    }
}
