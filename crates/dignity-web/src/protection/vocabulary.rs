//! The area's vocabularies: terms and their labels in the five languages.

use super::*;
use crate::authz::{gate, Allowed};

// -------------------------------------------------------- vocabularies --

/// The languages of the labels, named in their own language.
pub(super) const LANGS: &[(&str, &str)] = &[
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ru", "Русский"),
];

/// Editing the area's vocabularies is managing reference data (as the foundation's): what
/// the page offers; the writes take [`Allowed`]`<`[`gate::ManageReferenceData`]`>`.
fn may_edit_terms(ctx: &Ctx) -> bool {
    crate::authz::may(ctx, dignity_core::auth::SystemAction::ManageReferenceData)
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
    let input = term_input(&f, code.is_none() || f.get("active") == "1");
    let r = state
        .store
        .write(&ctx.actor, async |tx| match &code {
            Some(c) => p::update_term(tx, kind, c, &input).await.map(|_| c.clone()),
            None => p::add_term(tx, kind, &input).await,
        })
        .await;
    answer(
        ctx,
        r,
        async |c| {
            see_other(&format!(
                "/protection/vocabularies/{kind}?flash=saved#term-{c}"
            ))
        },
        async |pr| vocabulary_view(state, ctx, kind, Some(pr)).await,
    )
    .await
}

/// Add a term (labels in the five languages). Audited.
pub async fn term_create(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path(kind): Path<String>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    term_write(&state, &ctx, &kind, None, body).await
}

/// Change a term's labels, retire or restore it. Audited.
pub async fn term_edit(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path((kind, code)): Path<(String, String)>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    term_write(&state, &ctx, &kind, Some(code), body).await
}
