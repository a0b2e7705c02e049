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

mod admin;
mod examples;
mod public;

pub use admin::*;
pub use examples::*;
pub use public::*;

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

/// Serve a public page: 304 if the visitor has the current version, else `template`
/// rendered with the context that `render` gives as the anonymous visitor (`None`: not
/// found).
async fn public_page<F>(
    state: &AppState,
    ctx: Ctx,
    headers: &HeaderMap,
    template: &str,
    render: F,
) -> Response
where
    F: AsyncFnOnce(&AppState, &Ctx) -> Result<Option<Value>, StoreError>,
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
            Ok(Some(c)) => page(state, &ctx, template, c),
            Ok(None) => return WebError::not_found().into_response(),
            Err(e) => return WebError::from(e).into_response(),
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
