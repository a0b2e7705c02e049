//! Reference data pages: countries, instruments, and the vocabularies with their terms
//! (edited by those who may manage them).

use crate::authz::{gate, Allowed, CsrfForm, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, see_other};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use dignity_core::auth::{authorize_system, SystemAction};
use dignity_store::{reference, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

// -------------------------------------------------------- reference data --

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    #[serde(default)]
    region: Option<String>,
}

pub async fn countries(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegionQuery>,
) -> Response {
    let region = q.region.filter(|r| !r.is_empty());
    let r = async {
        Ok::<_, StoreError>((
            reference::countries(&state.store, ctx.lang.code(), region.as_deref()).await?,
            reference::regions(&state.store).await?,
        ))
    }
    .await;
    match r {
        Ok((list, regions)) => page(
            &state,
            &ctx,
            "countries.html",
            context! { total => list.len(), countries => Value::from_serialize(&list), regions => regions, region => region },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn instruments(State(state): State<AppState>, ctx: Ctx) -> Response {
    match reference::instruments(&state.store, ctx.lang.code()).await {
        Ok(list) => page(
            &state,
            &ctx,
            "instruments.html",
            context! { instruments => Value::from_serialize(&list) },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn vocabularies(State(state): State<AppState>, ctx: Ctx) -> Response {
    match reference::vocabularies(&state.store).await {
        Ok(list) => page(
            &state,
            &ctx,
            "vocabularies.html",
            context! { lists => Value::from_serialize(&list) },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct TermQuery {
    #[serde(default)]
    q: Option<String>,
}

pub async fn vocabulary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(list): Path<i64>,
    Query(q): Query<TermQuery>,
) -> Response {
    let lists = match reference::vocabularies(&state.store).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).into_response(),
    };
    let Some(meta) = lists.into_iter().find(|l| l.number == list) else {
        return WebError::not_found().into_response();
    };
    match reference::terms(&state.store, list, ctx.lang.code(), q.q.as_deref()).await {
        Ok(terms) => {
            let rows: Vec<Value> = terms
                .iter()
                .map(|t| context! { code => t.code.clone(), label => t.label.clone(), level => t.level })
                .collect();
            page(
                &state,
                &ctx,
                "vocabulary.html",
                context! {
                    list => Value::from_serialize(&meta),
                    terms => rows,
                    q => q.q.unwrap_or_default(),
                    can_edit => authorize_system(&ctx.actor, SystemAction::ManageReferenceData).allowed(),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct TermForm {
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    label_fr: String,
    #[serde(default)]
    label_es: String,
    #[serde(default)]
    label_ar: String,
    #[serde(default)]
    label_ru: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    parent: Option<String>,
}

impl TermForm {
    fn labels(&self, active: bool) -> reference::TermLabels {
        reference::TermLabels {
            label_en: self.label_en.clone(),
            label_fr: self.label_fr.clone(),
            label_es: self.label_es.clone(),
            label_ar: self.label_ar.clone(),
            label_ru: self.label_ru.clone(),
            active,
        }
    }
}

async fn vocabulary_meta(
    state: &AppState,
    list: i64,
) -> Result<Option<reference::VocabularyRow>, StoreError> {
    Ok(reference::vocabularies(&state.store)
        .await?
        .into_iter()
        .find(|l| l.number == list))
}

pub async fn term_form(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path((list, code)): Path<(i64, String)>,
) -> Response {
    let r = async {
        Ok::<_, StoreError>((
            vocabulary_meta(&state, list).await?,
            reference::term(&state.store, list, &code).await?,
        ))
    }
    .await;
    match r {
        Ok((Some(meta), Some(term))) => page(
            &state,
            &ctx,
            "vocabulary_term.html",
            context! { list => Value::from_serialize(&meta), term => Value::from_serialize(&term) },
        ),
        Ok(_) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn term_save(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path((list, code)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<TermForm>,
) -> Response {
    let labels = f.labels(f.active.is_some());
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            reference::update_term(tx, list, &code, &labels).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other(&format!("/vocabularies/{list}?flash=saved")),
        Err(StoreError::Rejected(_)) => see_other(&format!(
            "/vocabularies/{list}/terms/{code}?error=invalid_term"
        )),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn term_add(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path(list): Path<i64>,
    CsrfForm(f): CsrfForm<TermForm>,
) -> Response {
    let labels = f.labels(true);
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            let code = reference::add_term(tx, list, f.parent.as_deref(), &labels).await?;
            Ok(code)
        })
        .await;
    match r {
        Ok(_) => see_other(&format!("/vocabularies/{list}?flash=saved")),
        Err(StoreError::Rejected(_)) => {
            see_other(&format!("/vocabularies/{list}?error=invalid_term"))
        }
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}
