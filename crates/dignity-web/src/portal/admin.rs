//! The administrators' publishing: what is public, the confirmation page, publishing and
//! unpublishing records, publications, dashboards and country profiles, and the panel
//! other pages show about a record's or a country's publication.

use super::public::dashboards_list;
use super::*;
use dignity_store::WriteTx;

/// `GET /admin/portal`: what is public, and the form to publish a record.
pub async fn admin(State(state): State<AppState>, ctx: MayPublish) -> Response {
    let r = async {
        let mut published = Vec::new();
        for (rt, _) in portal::published_counts(&state.store).await? {
            for id in portal::published_ids(&state.store, rt, 200, 0).await? {
                published.push(public_record(&state, &ctx, rt.table(), id).await?);
            }
        }
        let pubs: Vec<Value> = portal::publications(&state.store)
            .await?
            .into_iter()
            .map(|p| context! { id => p.id, slug => p.slug, title => p.title, kind => p.kind, lang => p.lang, published_at => p.published_at })
            .collect();
        let types: Vec<Value> = RecordType::PUBLISHABLE
            .iter()
            .map(|t| context! { value => t.table(), label => type_label(&ctx, t.table()) })
            .collect();
        let dashboards = dashboards_list(&state).await?;
        Ok::<_, StoreError>(context! { published => published, publications => pubs, types => types, dashboards => dashboards })
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "portal_admin.html", c),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ConfirmParams {
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    action: String,
}

/// `GET /admin/portal/publish?record_type=…&id=…&action=publish|unpublish`: the
/// confirmation, naming what becomes public (or stops being).
pub async fn confirm(
    State(state): State<AppState>,
    ctx: MayPublish,
    Query(p): Query<ConfirmParams>,
) -> Response {
    let publish = p.action != "unpublish";
    let bad = |key: &str| {
        WebError::Message {
            status: StatusCode::BAD_REQUEST,
            message: ctx.t(key),
        }
        .into_response()
    };
    let Ok(id) = p.id.trim().parse::<i64>() else {
        return bad("portal.bad_record");
    };
    let Some(rt) = RecordType::from_table(&p.record_type).filter(|t| t.is_publishable()) else {
        return bad("portal.bad_type");
    };
    let access = match portal::record_access(&state.store, rt, id).await {
        Ok(Some(a)) => a,
        Ok(None) => return bad("portal.bad_record"),
        Err(e) => return WebError::from(e).into_response(),
    };
    let allowed =
        dignity_core::auth::authorize(&ctx.actor, dignity_core::auth::Action::Publish, &access);
    let record = match public_record(&state, &ctx, rt.table(), id).await {
        Ok(r) => r,
        Err(e) => return WebError::from(e).into_response(),
    };
    page(
        &state,
        &ctx,
        "portal_confirm.html",
        context! {
            record => record,
            publish => publish,
            allowed => allowed.allowed(),
            level => access.level.map(|l| l.as_str()).unwrap_or("strictly_confidential"),
        },
    )
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    id: i64,
    #[serde(default)]
    action: String,
    /// The page the form was on (a path of this site), to go back to.
    #[serde(default)]
    back: String,
}

/// A path of this site to go back to after a form (never another site).
fn local_path(back: &str) -> Option<&str> {
    // A same-site path (`LocalPath`) without a query: `?flash=` is added to it.
    (!back.contains('?') && dignity_core::LocalPath::parse(back).is_ok()).then_some(back)
}

/// What the "Public portal" panel of a page shows to administrators
/// (`templates/portal_panel.html`, included by the page): whether the record or profile is
/// on the portal and since when, with its public page, and the CSRF-protected form that
/// publishes or unpublishes it (`action`, plus the hidden `fields`).
#[derive(Debug, serde::Serialize)]
pub struct Panel {
    heading: String,
    /// The date it was published, when it is on the portal.
    since: Option<String>,
    /// A record's type and id, or a State's code: the template builds the public page's
    /// address and the form's from them (literal slashes, not escaped ones).
    record_type: String,
    id: String,
    iso3: String,
    /// The page to come back to after a record's form.
    back: String,
    /// Why it cannot be published, or what publishing does (a message key).
    note: &'static str,
    can_publish: bool,
}

/// The panel of a record page (events, defenders, recommendations' assessments), for
/// administrators; it posts to `POST /admin/portal/publish` (the same audited path as
/// `/admin/portal`), back to `back`. `None` for everyone else.
pub async fn record_panel(
    state: &AppState,
    ctx: &Ctx,
    record_type: RecordType,
    id: i64,
    back: &str,
) -> Option<Panel> {
    if !crate::authz::role_may(ctx, dignity_core::Action::Publish) || !record_type.is_publishable()
    {
        return None;
    }
    let (since, access) = match (
        portal::published_since(&state.store, record_type, id).await,
        portal::record_access(&state.store, record_type, id).await,
    ) {
        (Ok(s), Ok(Some(a))) => (s, a),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "portal panel failed");
            return None;
        }
        (_, Ok(None)) => return None,
    };
    let allowed =
        dignity_core::auth::authorize(&ctx.actor, dignity_core::auth::Action::Publish, &access)
            .allowed();
    let consent = since.is_some()
        || portal::consents_to_publication(&state.store, record_type, id)
            .await
            .unwrap_or(false);
    let (note, can_publish) = match (consent, allowed) {
        (false, _) => ("portal.no_consent", false),
        (true, true) => ("portal.becomes_public", true),
        (true, false) => ("portal.not_publishable", false),
    };
    Some(Panel {
        heading: format!(
            "{} — {}",
            ctx.t("portal.state_heading"),
            type_label(ctx, record_type.table())
        ),
        since: since.map(|at| at.get(..10).unwrap_or("").to_string()),
        record_type: record_type.table().into(),
        id: id.to_string(),
        iso3: String::new(),
        back: back.into(),
        note,
        can_publish,
    })
}

/// `POST /admin/portal/publish`: publish or unpublish (audited).
pub async fn publish(
    State(state): State<AppState>,
    ctx: MayPublish,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> Response {
    let publish = f.action != "unpublish";
    let r = match RecordType::from_table(&f.record_type) {
        Some(rt) => {
            state
                .store
                .write(&ctx.actor, async |tx| {
                    portal::set_published(tx, rt, f.id, publish).await
                })
                .await
        }
        None => Err(StoreError::from(dignity_core::portal::not_publishable())),
    };
    match r {
        Ok(()) => Redirect::to(&format!(
            "{}?flash={}",
            local_path(&f.back).unwrap_or("/admin/portal"),
            if publish {
                "portal_published"
            } else {
                "portal_unpublished"
            }
        ))
        .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// `POST /admin/portal/publications/{id}/unpublish` (audited).
pub async fn unpublish_publication(
    State(state): State<AppState>,
    ctx: MayPublish,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let unpublish = async |tx: &mut WriteTx| portal::unpublish_snapshot(tx, id).await;
    unpublish_then(&state, &ctx, unpublish, "portal_unpublished").await
}

/// `POST /admin/portal/dashboards/{id}/unpublish` (audited as `dashboard.unpublish`).
pub async fn unpublish_dashboard(
    State(state): State<AppState>,
    ctx: MayPublish,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let unpublish = async |tx: &mut WriteTx| portal::unpublish_dashboard(tx, id).await;
    unpublish_then(&state, &ctx, unpublish, "dashboard_unpublished").await
}

/// Run an unpublishing write as the publisher, then back to the portal page with `flash`.
async fn unpublish_then(
    state: &AppState,
    ctx: &MayPublish,
    unpublish: impl AsyncFnOnce(&mut WriteTx) -> dignity_store::Result<bool>,
    flash: &str,
) -> Response {
    match state.store.write(&ctx.actor, unpublish).await {
        Ok(_) => Redirect::to(&format!("/admin/portal?flash={flash}")).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CountryPublishForm {
    /// `publish` or `unpublish`.
    #[serde(default)]
    action: String,
}

/// `POST /admin/portal/countries/{iso3}`: put a State's country profile on the portal or
/// take it off (administrators; audited), back to the country page.
pub async fn country_publish(
    State(state): State<AppState>,
    ctx: MayPublish,
    Path(iso3): Path<String>,
    CsrfForm(f): CsrfForm<CountryPublishForm>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    let publish = f.action == "publish";
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            portal::set_country_published(tx, &iso3, publish).await
        })
        .await;
    match r {
        Ok(()) => {
            Redirect::to(&format!("/obligations/countries/{iso3}#portal-state-h")).into_response()
        }
        Err(StoreError::Rejected(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The panel of a country page, for administrators: whether the State's profile is on the
/// portal, and the form of `POST /admin/portal/countries/{iso3}`. `None` for everyone else.
pub async fn country_panel(state: &AppState, ctx: &Ctx, iso3: &str) -> Option<Panel> {
    if !crate::authz::role_may(ctx, dignity_core::Action::Publish) {
        return None;
    }
    let since = match portal::country_published_since(&state.store, iso3).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "portal panel failed");
            return None;
        }
    };
    Some(Panel {
        heading: ctx.t("portal.country_state_heading").to_string(),
        since: since.map(|at| at.get(..10).unwrap_or("").to_string()),
        record_type: String::new(),
        id: String::new(),
        iso3: iso3.into(),
        back: String::new(),
        note: "portal.country_becomes_public",
        can_publish: true,
    })
}
