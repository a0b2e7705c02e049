//! The public portal (issue 6): `/public` pages anyone can open without signing in, and
//! the administrators' publishing actions.
//!
//! - Public pages render as the anonymous actor, whoever asks (a signed-in officer sees
//!   the same page as the public, so a shared cache can never hand one person's page to
//!   another): published records through `dignity_store::portal::public_sql` (the
//!   anonymous `acl::visible_sql` plus `published = 1` and confidentiality public), country
//!   profiles from the obligations store's read-only queries, and publications
//!   (snapshots stored at publish time).
//! - They are pseudonymised: a record shows its title, type, country, date and its text
//!   held in clear; never names (the search documents keep names apart).
//! - `Cache-Control: public, max-age=300`, a weak `ETag` from the audit head (any write
//!   moves it; `If-None-Match` answers 304 without rendering), and no cookie is set.
//! - Publishing and unpublishing: admins only, after a confirmation page that shows what
//!   becomes public; audited (`record.publish`, `record.unpublish`, `publication.*`).

use crate::authz::{CsrfForm, MayPublish, WebError};
use crate::ctx::{AuthVia, Ctx};
use crate::pages::page;
use crate::{i18n, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use dignity_core::{Actor, RecordType};
use dignity_store::search::SearchDoc;
use dignity_store::{obligations, portal, reference, StoreError};
use minijinja::{context, Value};
use serde::Deserialize;

/// How long browsers and shared caches may keep a public page, in seconds.
pub const MAX_AGE: u32 = 300;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/public", get(home))
        .route("/public/records/{record_type}/{id}", get(record))
        .route("/public/countries", get(country_pick))
        .route("/public/countries/{iso3}", get(country))
        .route("/public/publications/{slug}", get(publication))
        .route("/public/dashboards/{slug}", get(public_dashboard))
        .route("/admin/portal", get(admin))
        .route("/admin/portal/publish", get(confirm).post(publish))
        .route(
            "/admin/portal/publications/{id}/unpublish",
            post(unpublish_publication),
        )
        .route("/admin/portal/countries/{iso3}", post(country_publish))
        .route(
            "/admin/portal/dashboards/{id}/unpublish",
            post(unpublish_dashboard),
        )
}

/// The request context of a public page: the anonymous visitor, whoever asks.
fn anonymous(mut ctx: Ctx) -> Ctx {
    ctx.user = None;
    ctx.actor = Actor::anonymous();
    ctx.via = AuthVia::None;
    ctx.session = None;
    ctx.pending_totp = None;
    ctx.csrf_token = String::new();
    ctx
}

fn etag(version: i64, ctx: &Ctx) -> String {
    format!("W/\"p{version}-{}\"", ctx.lang.code())
}

fn cache_headers(res: &mut Response, tag: &str) {
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={MAX_AGE}")).expect("ascii"),
    );
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    h.remove(header::SET_COOKIE);
}

/// Serve a public page: 304 if the visitor has the current version, else render it.
async fn public_page<F>(state: &AppState, ctx: Ctx, headers: &HeaderMap, render: F) -> Response
where
    F: AsyncFnOnce(&AppState, &Ctx) -> Result<Response, Response>,
{
    let ctx = anonymous(ctx);
    let version = match portal::public_version(&state.store).await {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    let tag = etag(version, &ctx);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match render(state, &ctx).await {
            Ok(r) => r,
            Err(r) => return r,
        }
    };
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        cache_headers(&mut res, &tag);
    }
    res
}

fn type_label(ctx: &Ctx, record_type: &str) -> String {
    i18n::lookup(ctx.lang, &format!("portal.type.{record_type}"))
        .map(String::from)
        .unwrap_or_else(|| record_type.to_string())
}

/// A record as the public sees it: from its search document (title, text, country,
/// date), never names. Records of a type without an indexer show their type and number.
async fn public_record(
    state: &AppState,
    ctx: &Ctx,
    record_type: &str,
    id: i64,
) -> Result<Value, StoreError> {
    let doc: Option<SearchDoc> = match state
        .search
        .as_ref()
        .and_then(|s| s.registry().get(record_type))
    {
        Some(ix) => ix.load(&state.store, &id.to_string()).await?,
        None => None,
    };
    let label = type_label(ctx, record_type);
    let (title, text, country, date_from, date_to) = match &doc {
        Some(d) => {
            let text = d
                .texts
                .iter()
                .find(|t| t.lang == ctx.lang.code() && !t.body.is_empty())
                .or_else(|| d.texts.iter().find(|t| !t.body.is_empty()))
                .map(|t| t.body.clone())
                .unwrap_or_default();
            (
                d.title.clone(),
                text,
                d.country.clone(),
                d.date_from.map(|d| d.to_string()),
                d.date_to.map(|d| d.to_string()),
            )
        }
        None => (format!("{label} {id}"), String::new(), None, None, None),
    };
    Ok(context! {
        record_type => record_type,
        id => id,
        url => format!("/public/records/{record_type}/{id}"),
        type_label => label,
        title => title,
        text => text,
        country => country,
        date_from => date_from,
        date_to => date_to,
    })
}

/// `GET /public`: what has been published.
pub async fn home(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Response {
    public_page(&state, ctx, &headers, async |state: &AppState, ctx: &Ctx| {
        let r = async {
            let counts = portal::published_counts(&state.store).await?;
            let mut sections = Vec::new();
            for (rt, n) in &counts {
                let t = rt.table();
                let mut items = Vec::new();
                for id in portal::published_ids(&state.store, *rt, 20, 0).await? {
                    items.push(public_record(state, ctx, t, id).await?);
                }
                sections.push(context! { record_type => t, label => type_label(ctx, t), count => n, items => items });
            }
            let pubs: Vec<Value> = portal::publications(&state.store)
                .await?
                .into_iter()
                .filter(|p| p.lang == ctx.lang.code() || p.lang == "en")
                .map(|p| context! { slug => p.slug, title => p.title, kind => p.kind, lang => p.lang, published_at => p.published_at.get(..10).unwrap_or("").to_string() })
                .collect();
            let published = portal::published_countries(&state.store).await?;
            let countries: Vec<Value> = reference::countries(&state.store, ctx.lang.code(), None)
                .await?
                .into_iter()
                .filter(|c| published.contains(&c.iso3))
                .map(|c| context! { iso3 => c.iso3, name => c.name })
                .collect();
            let dashboards = dashboards_list(state).await?;
            Ok::<_, StoreError>(context! { sections => sections, publications => pubs, countries => countries, dashboards => dashboards })
        }
        .await;
        match r {
            Ok(c) => Ok(page(state, ctx, "portal_home.html", c)),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    })
    .await
}

/// `GET /public/records/{type}/{id}`: one published record (404 for anything else).
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((record_type, id)): Path<(String, i64)>,
) -> Response {
    public_page(
        &state,
        ctx,
        &headers,
        async |state: &AppState, ctx: &Ctx| {
            let Some(rt) = RecordType::from_table(&record_type).filter(|t| t.is_publishable())
            else {
                return Err(WebError::not_found().into_response());
            };
            match portal::is_public(&state.store, rt, id).await {
                Ok(true) => {}
                Ok(false) => return Err(WebError::not_found().into_response()),
                Err(e) => return Err(WebError::from(e).into_response()),
            }
            match public_record(state, ctx, rt.table(), id).await {
                Ok(r) => Ok(page(
                    state,
                    ctx,
                    "portal_record.html",
                    context! { record => r },
                )),
                Err(e) => Err(WebError::from(e).into_response()),
            }
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct CountryPick {
    #[serde(default)]
    iso3: String,
}

/// `GET /public/countries?iso3=…` (the country form without JavaScript).
pub async fn country_pick(Query(p): Query<CountryPick>) -> Response {
    let iso3: String = p
        .iso3
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .take(3)
        .collect();
    Redirect::to(&format!("/public/countries/{}", iso3.to_ascii_uppercase())).into_response()
}

/// `GET /public/countries/{iso3}`: ratifications, reporting, visits and recommendations.
pub async fn country(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(iso3): Path<String>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    public_page(&state, ctx, &headers, async |state: &AppState, ctx: &Ctx| {
        let r = async {
            // Only the profiles an administrator has put on the portal.
            if portal::country_published_since(&state.store, &iso3).await?.is_none() {
                return Ok::<_, StoreError>(None);
            }
            let Some(c) = reference::countries(&state.store, ctx.lang.code(), None)
                .await?
                .into_iter()
                .find(|c| c.iso3 == iso3)
            else {
                return Ok::<_, StoreError>(None);
            };
            let today = chrono::Utc::now().date_naive();
            let ratifications: Vec<Value> = obligations::ratifications(&state.store, &iso3)
                .await?
                .into_iter()
                // Nothing recorded reads `unknown` ("No information") from the store.
                .map(|r| context! { instrument => r.instrument, name => r.instrument_name, status => r.status, consent => r.consent })
                .collect();
            // The reporting status: each body's latest report (recorded or computed); for a
            // treaty without reporting data, the estimated next due date, without arrears.
            let all = obligations::reports::reports(&state.store, &iso3, today).await?;
            let estimates = obligations::reports::outstanding(&all);
            let mut latest: Vec<obligations::reports::Report> = Vec::new();
            for r in all {
                let r = if r.no_data {
                    match estimates.iter().find(|e| e.instrument == r.instrument) {
                        Some(e) => e.clone(),
                        None => continue,
                    }
                } else {
                    r
                };
                match latest.iter_mut().find(|l| l.body == r.body) {
                    Some(l) if l.number < r.number => *l = r,
                    Some(_) => {}
                    None => latest.push(r),
                }
            }
            let reports: Vec<Value> = latest
                .into_iter()
                .map(|r| context! { body => r.body, number => r.number, due => r.due_date, submitted => r.submitted, overdue => r.overdue_days, no_data => r.no_data })
                .collect();
            let visits: Vec<Value> = obligations::reports::visits(&state.store, &iso3)
                .await?
                .into_iter()
                .map(|v| context! { mandate => if v.mandate_name.is_empty() { v.mandate_code } else { v.mandate_name }, status => v.status, start => v.visit_start, end => v.visit_end })
                .collect();
            let filter = obligations::recs::RecFilter {
                country: Some(iso3.clone()),
                per_page: Some(50),
                ..Default::default()
            };
            let recs = obligations::recs::search(&state.store, &Actor::anonymous(), &filter, false).await?;
            let rec_items: Vec<Value> = recs
                .items
                .into_iter()
                .map(|r| context! { body => r.body, date => r.date, text => r.text, position => r.position, status => r.status })
                .collect();
            Ok(Some(context! {
                country => context! { iso3 => c.iso3, name => c.name },
                ratifications => ratifications,
                reports => reports,
                visits => visits,
                recommendations => rec_items,
                recommendations_total => recs.total,
            }))
        }
        .await;
        match r {
            Ok(Some(c)) => Ok(page(state, ctx, "portal_country.html", c)),
            Ok(None) => Err(WebError::not_found().into_response()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    })
    .await
}

/// The public dashboards, for the lists.
async fn dashboards_list(state: &AppState) -> Result<Vec<Value>, StoreError> {
    Ok(portal::public_dashboards(&state.store)
        .await?
        .into_iter()
        .map(|d| context! { id => d.id, slug => d.slug, title => d.title, published_at => d.published_at.get(..10).unwrap_or("").to_string() })
        .collect())
}

/// `GET /public/dashboards/{slug}`: a published dashboard, counted now as the anonymous
/// visitor (published acts of public confidentiality in published public events), with
/// its maps, charts and tables.
pub async fn public_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    public_page(&state, ctx, &headers, async |state: &AppState, ctx: &Ctx| {
        let r = async {
            let Some(d) = portal::public_dashboard(&state.store, &slug).await? else {
                return Ok(None);
            };
            let f = dignity_store::reports::DashFilter::parse(&d.filter);
            // The anonymous actor: the same counts as `portal::public_dashboard_counts`.
            let v = crate::dashboards::dashboard_context(&state.store, &ctx.actor, ctx.lang, &f).await?;
            Ok::<_, StoreError>(Some(context! {
                dashboard => context! { title => d.title, published_at => d.published_at.get(..10).unwrap_or("").to_string() },
                ..v
            }))
        }
        .await;
        match r {
            Ok(Some(c)) => Ok(page(state, ctx, "portal_dashboard.html", c)),
            Ok(None) => Err(WebError::not_found().into_response()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    })
    .await
}

/// `GET /public/publications/{slug}`: a published snapshot, in the reader's language if
/// there is one.
pub async fn publication(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    public_page(&state, ctx, &headers, async |state: &AppState, ctx: &Ctx| {
        match portal::publication(&state.store, &slug, ctx.lang.code()).await {
            Ok(Some(p)) => Ok(page(
                state,
                ctx,
                "portal_publication.html",
                context! { publication => context! { title => p.title, kind => p.kind, lang => p.lang, html => p.html, published_at => p.published_at.get(..10).unwrap_or("").to_string() } },
            )),
            Ok(None) => Err(WebError::not_found().into_response()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    })
    .await
}

// --------------------------------------------------------------- administrators --

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
        Err(StoreError::Invalid { message, .. }) => WebError::Message {
            status: StatusCode::BAD_REQUEST,
            message,
        }
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
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            portal::unpublish_snapshot(tx, id).await
        })
        .await;
    match r {
        Ok(_) => Redirect::to("/admin/portal?flash=portal_unpublished").into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// `POST /admin/portal/dashboards/{id}/unpublish` (audited as `dashboard.unpublish`).
pub async fn unpublish_dashboard(
    State(state): State<AppState>,
    ctx: MayPublish,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            portal::unpublish_dashboard(tx, id).await
        })
        .await;
    match r {
        Ok(_) => Redirect::to("/admin/portal?flash=dashboard_unpublished").into_response(),
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
        Err(StoreError::Invalid { .. }) => WebError::not_found().into_response(),
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

/// Example pages for the template tests.
pub fn examples() -> Vec<(&'static str, Value, bool, bool)> {
    let rec = context! {
        record_type => "vio_events", id => 7, url => "/public/records/vio_events/7", type_label => "Event",
        title => "Arrests at <the> march", text => "Forty people were detained.", country => "SRB",
        date_from => "2025-03-01", date_to => "2025-03-02",
    };
    let empty = |v: Vec<Value>| v;
    vec![
        (
            "portal_home.html",
            context! {
                sections => vec![context! { record_type => "vio_events", label => "Events", count => 1, items => vec![rec.clone()] }],
                publications => vec![context! { slug => "annual-2025", title => "Annual <report>", kind => "report", lang => "en", published_at => "2026-01-01" }],
                countries => vec![context! { iso3 => "SRB", name => "Serbia" }],
                dashboards => vec![context! { id => 2, slug => "dashboard-torture", title => "Torture <in> Serbia", published_at => "2026-11-20" }],
            },
            false,
            false,
        ),
        (
            "portal_home.html",
            context! { sections => empty(vec![]), publications => empty(vec![]), countries => empty(vec![]), dashboards => empty(vec![]) },
            false,
            false,
        ),
        (
            "portal_record.html",
            context! { record => rec.clone() },
            false,
            false,
        ),
        (
            "portal_country.html",
            context! {
                country => context! { iso3 => "SRB", name => "Serbia" },
                ratifications => vec![context! { instrument => "CAT", name => "Convention against Torture", status => "party", consent => "2001-03-12" }],
                reports => vec![context! { body => "CAT", number => 3, due => "2024-05-01", submitted => "", overdue => 100, no_data => false }, context! { body => "CERD", number => 12, due => "2027-01-04", submitted => "", overdue => (), no_data => true }],
                visits => vec![context! { mandate => "Special Rapporteur on torture", status => "completed", start => "2023-01-01", end => "2023-01-10" }],
                recommendations => vec![context! { body => "UPR", date => "2023", text => "Ratify <OP-CAT>", position => "supported", status => "" }],
                recommendations_total => 1,
            },
            false,
            false,
        ),
        (
            "portal_country.html",
            context! {
                country => context! { iso3 => "SRB", name => "Serbia" },
                ratifications => empty(vec![]), reports => empty(vec![]), visits => empty(vec![]),
                recommendations => empty(vec![]), recommendations_total => 0,
            },
            false,
            false,
        ),
        (
            "portal_publication.html",
            context! { publication => context! { title => "Annual report", kind => "report", lang => "en", html => "<p>Snapshot</p>", published_at => "2026-01-01" } },
            false,
            false,
        ),
        (
            "portal_admin.html",
            context! {
                published => vec![rec.clone()],
                publications => vec![context! { id => 1, slug => "annual-2025", title => "Annual <report>", kind => "report", lang => "en", published_at => "2026-01-01T00:00:00Z" }],
                types => vec![context! { value => "vio_events", label => "Events" }],
                dashboards => vec![context! { id => 2, slug => "dashboard-torture", title => "Torture <in> Serbia", published_at => "2026-11-20" }],
            },
            true,
            true,
        ),
        (
            "portal_admin.html",
            context! { published => empty(vec![]), publications => empty(vec![]), types => empty(vec![]), dashboards => empty(vec![]) },
            true,
            true,
        ),
        (
            "portal_confirm.html",
            context! { record => rec.clone(), publish => true, allowed => true, level => "public" },
            true,
            true,
        ),
        (
            "portal_confirm.html",
            context! { record => rec, publish => false, allowed => false, level => "confidential" },
            true,
            true,
        ),
    ]
}
