//! Edit forms of recorded events, acts, persons, involvements and information, and the
//! forms that chain events and relate persons (micro-thesauri 22 and 21).
//!
//! Every edit form is one page (`violations_edit.html`) built from a list of fields: it
//! opens with the record's values and its *version*; a save validates everything in the
//! store, shows a refused value next to its field with the user's input kept (422), and is
//! refused as a whole (409) when someone else changed the record after the form was opened.
//! Only roles that may write, with update access to the record, see or send these forms.

use super::edit_form::fieldsets;
use super::forms::{act_input, event_input};
use super::pages::{person_choices, problem, problem_text, refusal, see_other, v};
use super::*;
use crate::authz::{CsrfForm, MayWrite, WebError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use dignity_core::auth::Action;
use dignity_core::violations::{picks, stale, Missing};
use dignity_store::violations::{ActInput, InformationInput, InvolvementInput, PersonInput};
use dignity_store::StoreError;

/// The kinds of record these forms edit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Event,
    Act,
    Person,
    Involvement,
    Information,
}

impl Kind {
    pub(super) fn table(self) -> &'static str {
        match self {
            Kind::Event => v::EVENT,
            Kind::Act => v::ACT,
            Kind::Person => v::PERSON,
            Kind::Involvement => v::INVOLVEMENT,
            Kind::Information => v::INFORMATION,
        }
    }
    fn slug(self) -> &'static str {
        match self {
            Kind::Event => "events",
            Kind::Act => "acts",
            Kind::Person => "persons",
            Kind::Involvement => "involvements",
            Kind::Information => "information",
        }
    }
    fn title_key(self) -> &'static str {
        match self {
            Kind::Event => "vio.edit_event",
            Kind::Act => "vio.edit_act",
            Kind::Person => "vio.edit_person",
            Kind::Involvement => "vio.edit_involvement",
            Kind::Information => "vio.edit_information",
        }
    }
}

/// Where a record is shown, and which record's access governs editing it.
pub(super) struct Owner {
    /// The page to go back to, and how the breadcrumb names it.
    back: String,
    back_label: (&'static str, i64),
    /// The record type and id whose update access is needed.
    table: &'static str,
    id: i64,
    /// The event the record belongs to, for the acts of an information form.
    pub(super) event_id: Option<i64>,
}

async fn owner(state: &AppState, kind: Kind, id: i64) -> Result<Owner, StoreError> {
    let nf = || StoreError::NotFound(format!("{} {id}", kind.table()));
    Ok(match kind {
        Kind::Event => Owner {
            back: format!("/violations/events/{id}"),
            back_label: ("vio.event_n", id),
            table: v::EVENT,
            id,
            event_id: Some(id),
        },
        Kind::Act => Owner {
            back: format!("/violations/acts/{id}"),
            back_label: ("vio.act_n", id),
            table: v::ACT,
            id,
            event_id: None,
        },
        Kind::Person => Owner {
            back: format!("/violations/persons/{id}"),
            back_label: ("vio.person_n", id),
            table: v::PERSON,
            id,
            event_id: None,
        },
        Kind::Involvement => {
            let i = v::get_involvement(&state.store, id).await?.ok_or_else(nf)?;
            Owner {
                back: format!("/violations/acts/{}", i.act_id),
                back_label: ("vio.act_n", i.act_id),
                table: v::ACT,
                id: i.act_id,
                event_id: None,
            }
        }
        Kind::Information => {
            let i = v::get_information(&state.store, id).await?.ok_or_else(nf)?;
            match (i.event_id, i.person_id) {
                (Some(e), _) => Owner {
                    back: format!("/violations/events/{e}#information"),
                    back_label: ("vio.event_n", e),
                    table: v::EVENT,
                    id: e,
                    event_id: Some(e),
                },
                (None, Some(p)) => Owner {
                    back: format!("/violations/persons/{p}"),
                    back_label: ("vio.person_n", p),
                    table: v::PERSON,
                    id: p,
                    event_id: None,
                },
                _ => return Err(nf()),
            }
        }
    })
}

// ----------------------------------------------------- record <-> form --

fn form(pairs: Vec<(&str, String)>) -> FormData {
    FormData(
        pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn o(x: &Option<String>) -> String {
    x.clone().unwrap_or_default()
}

fn many(pairs: &mut Vec<(&'static str, String)>, name: &'static str, values: &[String]) {
    pairs.extend(values.iter().map(|x| (name, x.clone())));
}

async fn person_value(state: &AppState, ctx: &Ctx, id: i64) -> Result<String, StoreError> {
    Ok(format!(
        "#{id} — {}",
        v::display_name(&state.store, &ctx.actor, id).await?
    ))
}

/// The record's current values as the form shows them.
async fn load(state: &AppState, ctx: &Ctx, kind: Kind, id: i64) -> Result<FormData, StoreError> {
    let s = &state.store;
    let nf = || StoreError::NotFound(format!("{} {id}", kind.table()));
    Ok(match kind {
        Kind::Event => {
            let e = v::get_event(s, id).await?.ok_or_else(nf)?;
            let mut p = vec![
                ("title", e.title.clone()),
                ("description", e.description.clone()),
                ("start_date", e.start_date.clone()),
                ("end_date", e.end_date.clone()),
                ("country", o(&e.country)),
                ("admin_area", e.admin_area.clone()),
                ("place", e.place.clone()),
                ("coordinates", e.coordinates.clone()),
                ("violation_status", o(&e.violation_status)),
                ("monitoring_status", o(&e.monitoring_status)),
                ("confidentiality", e.confidentiality.to_string()),
            ];
            many(&mut p, "rights_affected", &e.rights_affected);
            many(&mut p, "index_terms", &e.index_terms);
            many(&mut p, "lenses", &e.lenses);
            form(p)
        }
        Kind::Act => {
            let a = v::get_act(s, id).await?.ok_or_else(nf)?;
            let mut p = vec![
                ("act_type", a.act_type.clone()),
                ("victim", person_value(state, ctx, a.victim_id).await?),
                ("start_date", a.start_date.clone()),
                ("end_date", a.end_date.clone()),
                ("country", o(&a.country)),
                ("admin_area", a.admin_area.clone()),
                ("place", a.place.clone()),
                ("coordinates", a.coordinates.clone()),
                ("attribution", o(&a.attribution)),
                ("consequences", a.consequences.clone()),
                ("victim_status", o(&a.victim_status)),
                ("detention_type", o(&a.detention_type)),
                ("whereabouts", o(&a.whereabouts)),
                ("legal_counsel", o(&a.legal_counsel)),
                ("court_type", o(&a.court_type)),
                ("case_description", a.case_description.clone()),
                ("autopsy", o(&a.autopsy)),
                ("death_certificate", o(&a.death_certificate)),
                ("statements_signed", o(&a.statements_signed)),
                ("medical_attention", o(&a.medical_attention)),
                ("intent", o(&a.intent)),
                ("property_destroyed", a.property_destroyed.clone()),
                ("property_value", a.property_value.clone()),
                ("compensation", o(&a.compensation)),
                ("confidentiality", a.confidentiality.to_string()),
            ];
            many(&mut p, "methods", &a.methods);
            form(p)
        }
        Kind::Person => {
            let (pr, full) = v::person_for(s, &ctx.actor, id).await?.ok_or_else(nf)?;
            if !full {
                // A pseudonymised view cannot be edited without overwriting the name.
                return Err(StoreError::Forbidden(
                    "this person's identity is restricted".into(),
                ));
            }
            let mut p = vec![
                ("person_type", pr.person_type.clone()),
                ("name", pr.name.clone()),
                ("other_names", pr.other_names.join("\n")),
                ("sex", o(&pr.sex)),
                ("gender", pr.gender.clone()),
                ("birth_date", pr.birth_date.clone()),
                ("age_group", pr.age_group.clone()),
                ("nationality", o(&pr.nationality)),
                ("ethnicity", o(&pr.ethnicity)),
                ("religion", o(&pr.religion)),
                ("occupation", o(&pr.occupation)),
                ("counting_unit", o(&pr.counting_unit)),
                (
                    "group_size",
                    pr.group_size.map(|n| n.to_string()).unwrap_or_default(),
                ),
                (
                    "deceased",
                    if pr.deceased {
                        "1".into()
                    } else {
                        String::new()
                    },
                ),
                ("death_date", pr.death_date.clone()),
                ("contact", pr.contact.clone()),
                ("address", pr.address.clone()),
                ("notes", pr.notes.clone()),
                ("confidentiality", pr.confidentiality.to_string()),
            ];
            many(&mut p, "languages", &pr.languages);
            form(p)
        }
        Kind::Involvement => {
            let i = v::get_involvement(s, id).await?.ok_or_else(nf)?;
            form(vec![
                (
                    "perpetrator",
                    person_value(state, ctx, i.perpetrator_id).await?,
                ),
                ("degree", o(&i.degree)),
                ("perpetrator_type", o(&i.perpetrator_type)),
                ("latest_status", o(&i.latest_status)),
            ])
        }
        Kind::Information => {
            let i = v::get_information(s, id).await?.ok_or_else(nf)?;
            form(vec![
                ("source", person_value(state, ctx, i.source_id).await?),
                (
                    "act_id",
                    i.act_id.map(|a| a.to_string()).unwrap_or_default(),
                ),
                ("connection", o(&i.connection)),
                ("source_type", o(&i.source_type)),
                ("reliability", o(&i.reliability)),
                ("info_date", i.info_date.clone()),
                ("language", o(&i.language)),
                ("remarks", i.remarks.clone()),
            ])
        }
    })
}

/// A person picked in a form (`#12 — name`): an existing person the reader may see.
async fn picked(state: &AppState, ctx: &Ctx, f: &FormData, name: &str) -> Result<i64, StoreError> {
    let typed = f.get(name);
    let id = picks::picked_person(name.to_string(), super::person_ref(&typed))?;
    if !v::can(&state.store, &ctx.actor, Action::Read, v::PERSON, id).await? {
        return Err(picks::no_person_picked(name.to_string(), id).into());
    }
    Ok(id)
}

fn number(f: &FormData, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(picks::whole_number(name.to_string(), &f.get(name))?)
}

/// Validate the form and write the change, in one transaction (nothing half-written).
async fn store_change(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: i64,
    f: &FormData,
) -> Result<(), StoreError> {
    let vocab = Vocab::load(&state.store).await?;
    // Person pickers are resolved before the transaction (reads only).
    let person_field = match kind {
        Kind::Act => Some("victim"),
        Kind::Involvement => Some("perpetrator"),
        Kind::Information => Some("source"),
        _ => None,
    };
    let pid = match person_field {
        Some(n) => Some(picked(state, ctx, f, n).await?),
        None => None,
    };
    let mut tx = state.store.begin(&ctx.actor).await?;
    v::check_version(&mut tx, kind.table(), id, &f.get("version")).await?;
    match kind {
        Kind::Event => {
            v::update_event(&mut tx, &vocab, id, &event_input(f)).await?;
        }
        Kind::Act => {
            let a = ActInput {
                victim_id: pid,
                country: f.opt("country"),
                admin_area: f.get("admin_area"),
                coordinates: f.get("coordinates"),
                ..act_input(f)
            };
            v::update_act(&mut tx, &vocab, id, &a).await?;
        }
        Kind::Person => {
            let p = PersonInput {
                person_type: f.get("person_type"),
                name: f.get("name"),
                other_names: f
                    .get("other_names")
                    .lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect(),
                sex: f.opt("sex"),
                gender: f.get("gender"),
                birth_date: f.get("birth_date"),
                age_group: f.get("age_group"),
                nationality: f.opt("nationality"),
                ethnicity: f.opt("ethnicity"),
                religion: f.opt("religion"),
                languages: f.all("languages"),
                occupation: f.opt("occupation"),
                counting_unit: f.opt("counting_unit"),
                group_size: number(f, "group_size")?,
                deceased: f.get("deceased") == "1",
                death_date: f.get("death_date"),
                contact: f.get("contact"),
                address: f.get("address"),
                notes: f.get("notes"),
                confidentiality: f.get("confidentiality"),
                ..Default::default()
            };
            v::update_person(&mut tx, &vocab, id, &p).await?;
        }
        Kind::Involvement => {
            let i = InvolvementInput {
                perpetrator_id: pid.unwrap_or_default(),
                degree: f.opt("degree"),
                perpetrator_type: f.opt("perpetrator_type"),
                latest_status: f.opt("latest_status"),
            };
            v::update_involvement(&mut tx, &vocab, id, &i).await?;
        }
        Kind::Information => {
            let i = InformationInput {
                source_id: pid.unwrap_or_default(),
                act_id: number(f, "act_id")?,
                connection: f.opt("connection"),
                source_type: f.opt("source_type"),
                reliability: f.opt("reliability"),
                info_date: f.get("info_date"),
                language: f.opt("language"),
                remarks: f.get("remarks"),
                ..Default::default()
            };
            v::update_information(&mut tx, &vocab, id, &i).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The form field a store error names (the store speaks of ids, the form of pickers).
fn form_field(store_field: &str) -> String {
    match store_field {
        "victim_id" => "victim".into(),
        "perpetrator_id" => "perpetrator".into(),
        "source_id" => "source".into(),
        _ => store_field.into(),
    }
}

// ------------------------------------------------------------- handlers --

/// The record of an edit form and its owner, for a caller whose role may change records
/// (the `MayWrite` extractor answered the others): not readable answers *not found*.
async fn check_access(
    state: &AppState,
    ctx: &MayWrite,
    kind: Kind,
    id: i64,
) -> Result<Owner, Response> {
    let r = async {
        let o = owner(state, kind, id).await?;
        v::require(&state.store, &ctx.actor, Action::Update, o.table, o.id).await?;
        Ok::<_, StoreError>(o)
    }
    .await;
    r.map_err(|e| WebError::from(e).into_response())
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: i64,
    owner: &Owner,
    f: &FormData,
    error: Option<StoreError>,
) -> Response {
    let version = f.get("version");
    let status = match &error {
        Some(StoreError::Rejected(r)) if stale::is_stale(r) => StatusCode::CONFLICT,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let (err_field, err_json) = match &error {
        Some(e @ StoreError::Rejected(_)) => {
            let (field, mut message) = refusal(e).unwrap_or_default();
            let summary = match e {
                StoreError::Rejected(r) => {
                    // A stale form is said as the rule alone (the page heads it).
                    message = if stale::is_stale(r) {
                        crate::i18n::t(ctx.lang, "vio.rule.stale_form")
                    } else {
                        crate::i18n::invalid(ctx.lang, r)
                    };
                    let mut r = r.clone();
                    r.field = form_field(&field).into();
                    problem(ctx, &StoreError::Rejected(r))
                }
                _ => problem_text(ctx, &form_field(&field), &message),
            };
            (
                form_field(&field),
                json!({ "summary": summary, "message": message, "stale": field == v::VERSION_FIELD }),
            )
        }
        _ => (String::new(), Json::Null),
    };
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let mut sets = fieldsets(state, ctx, &vocab, kind, owner, f).await?;
        for s in sets.iter_mut() {
            for fld in s["fields"].as_array_mut().into_iter().flatten() {
                let is_err = fld["name"].as_str() == Some(err_field.as_str());
                fld["error"] = if is_err {
                    err_json["message"].clone()
                } else {
                    Json::Null
                };
            }
        }
        let people = if matches!(kind, Kind::Act | Kind::Involvement | Kind::Information) {
            person_choices(state, ctx).await?
        } else {
            json!([])
        };
        Ok::<_, StoreError>(json!({
            "kind": kind.slug(),
            "title_key": kind.title_key(),
            "record_id": id,
            "action": format!("/violations/{}/{id}/edit", kind.slug()),
            "back": owner.back,
            "back_label": crate::i18n::t_args(ctx.lang, owner.back_label.0, &[("id", &owner.back_label.1.to_string())]),
            "version": version,
            "fieldsets": sets,
            "people": people,
            "problem": err_json,
            "error_field": err_field,
        }))
    }
    .await;
    match r {
        Ok(c) => crate::pages::page_status(state, ctx, "violations_edit.html", status, v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

async fn show(state: AppState, ctx: MayWrite, kind: Kind, id: i64) -> Response {
    let owner = match check_access(&state, &ctx, kind, id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let r = async {
        let f = load(&state, &ctx, kind, id).await?;
        let ver = v::current_version(&state.store, kind.table(), id)
            .await?
            .unwrap_or_default();
        Ok::<_, StoreError>((f, ver))
    }
    .await;
    match r {
        Ok((mut f, ver)) => {
            f.0.push(("version".into(), ver));
            render(&state, &ctx, kind, id, &owner, &f, None).await
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

async fn save(state: AppState, ctx: MayWrite, kind: Kind, id: i64, f: FormData) -> Response {
    let owner = match check_access(&state, &ctx, kind, id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match store_change(&state, &ctx, kind, id, &f).await {
        Ok(()) => {
            let (path, anchor) = owner.back.split_once('#').unwrap_or((&owner.back, ""));
            let anchor = if anchor.is_empty() {
                String::new()
            } else {
                format!("#{anchor}")
            };
            see_other(&format!("{path}?flash=saved{anchor}"))
        }
        Err(e @ StoreError::Rejected(_)) => {
            render(&state, &ctx, kind, id, &owner, &f, Some(e)).await
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

macro_rules! edit_handlers {
    ($show:ident, $save:ident, $kind:expr) => {
        pub async fn $show(
            State(state): State<AppState>,
            ctx: MayWrite,
            Path(id): Path<i64>,
        ) -> Response {
            show(state, ctx, $kind, id).await
        }
        pub async fn $save(
            State(state): State<AppState>,
            ctx: MayWrite,
            Path(id): Path<i64>,
            CsrfForm(f): CsrfForm<FormData>,
        ) -> Response {
            save(state, ctx, $kind, id, f).await
        }
    };
}

edit_handlers!(edit_event, save_event, Kind::Event);
edit_handlers!(edit_act, save_act, Kind::Act);
edit_handlers!(edit_person, save_person, Kind::Person);
edit_handlers!(edit_involvement, save_involvement, Kind::Involvement);
edit_handlers!(edit_information, save_information, Kind::Information);

// ------------------------------------------------ chains and relationships --

/// Back to a record page, with a flash or the problem of a refused form.
fn back(path: &str, anchor: &str, r: Result<(), StoreError>) -> Result<Response, StoreError> {
    match r {
        Ok(()) => Ok(see_other(&format!("{path}?flash=saved#{anchor}"))),
        Err(e @ StoreError::Rejected(_)) => {
            let (field, message) = refusal(&e).unwrap_or_default();
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("problem_field", &field)
                .append_pair("problem", &message)
                .finish();
            Ok(see_other(&format!("{path}?{q}#{anchor}")))
        }
        Err(e) => Err(e),
    }
}

/// `POST /violations/events/{id}/links`: chain this event to another (micro-thesaurus 22).
pub async fn link_event(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    if let Err(r) = check_access(&state, &ctx, Kind::Event, id).await {
        return r;
    }
    let r = async {
        let to = picks::event_number(&f.get("to_event"))?;
        // The other event must be one the user may see (its existence is not revealed).
        if !v::can(&state.store, &ctx.actor, Action::Read, v::EVENT, to).await? {
            return Err(Missing::Event.invalid("to_event", to).into());
        }
        let vocab = Vocab::load(&state.store).await?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        v::link_events(&mut tx, &vocab, id, to, &f.get("link_type")).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match back(&format!("/violations/events/{id}"), "chain", r) {
        Ok(resp) => resp,
        Err(e) => WebError::from(e).into_response(),
    }
}

/// `POST /violations/persons/{id}/links`: a relationship with another person (MT 21).
pub async fn link_person(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    if let Err(r) = check_access(&state, &ctx, Kind::Person, id).await {
        return r;
    }
    let r = async {
        let other = picked(&state, &ctx, &f, "person_b").await?;
        let vocab = Vocab::load(&state.store).await?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        v::link_persons(
            &mut tx,
            &vocab,
            id,
            other,
            &f.get("link_type"),
            &f.get("start_date"),
            &f.get("end_date"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match back(&format!("/violations/persons/{id}"), "relationships", r) {
        Ok(resp) => resp,
        Err(e) => WebError::from(e).into_response(),
    }
}
