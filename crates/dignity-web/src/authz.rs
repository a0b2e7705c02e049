//! One authorization point per request, and one error type.
//!
//! **Extractors.** A handler states what it needs in its signature, and axum runs the check
//! before the handler's body can touch anything:
//!
//! - [`Caller`]: anyone — an anonymous visitor or a signed-in user (an unknown or revoked
//!   API token is refused, never treated as anonymous).
//! - [`SignedIn`]: a staff user (session or API token). Pages send others to the sign-in
//!   page (and back afterwards), the API answers 401; an account that must still enrol in
//!   two-factor authentication reaches its account page only.
//! - [`Allowed<G>`]: a signed-in user whose role allows the system action `G`
//!   ([`gate::ManageUsers`], [`gate::ViewAudit`], …; `dignity_core::auth::authorize_system`).
//! - [`CanRead<T>`] / [`CanWrite<T>`]: a signed-in user who may read (update) record `{id}`
//!   of type `T` ([`rec::Event`], [`rec::Defender`], …). The record's access — its level,
//!   need-to-know list and every record it discloses — is loaded from the store by the
//!   path id and decided by `dignity_core::auth::authorize_disclosing`. A record that may
//!   not be read answers **not found**, exactly like a record that does not exist; one that
//!   may be read but not changed answers *forbidden*.
//! - [`MayWrite`]: a signed-in user whose role may create and change records (documenters
//!   and up) — writes that create a record or name it in their body.
//! - [`MayPublish`]: a signed-in user whose role may publish to the public portal
//!   (administrators).
//! - [`CanExportRecord<T>`]: as [`CanRead<T>`], and the caller may send the record out
//!   (`Action::Export`: a share with a recipient).
//! - [`CanExport<K>`]: a signed-in user whose role may export at all (analysts and up;
//!   strictly confidential records are still filtered one by one by the export).
//! - [`CsrfForm<T>`]: a urlencoded form whose `csrf_token` was checked (non-empty,
//!   constant-time comparison, bound to the session) *before* the form is parsed into `T`.
//!   Multipart uploads are checked by [`crate::guard::csrf_guard`] before their body is
//!   read; [`CsrfMultipart`] refuses an upload that did not pass there.
//!
//! Handlers never compare roles by hand (`tests/it/no_hand_checks.rs` scans the sources).
//!
//! **Errors.** Every failure is a [`WebError`]. Its one [`IntoResponse`] marks the answer;
//! the [`render_errors`] layer then writes it as the HTML error page (in the reader's
//! language, with the navigation of the signed-in user) for pages, or as the `ApiError`
//! JSON for `/api/`. `From<StoreError>` maps the store's errors once, for both.

use crate::ctx::{AuthVia, Ctx, CtxSlot};
use crate::i18n::{self, Lang};
use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dignity_core::auth::{authorize, authorize_system, Action, SystemAction};
use dignity_core::{Confidentiality, Decision, RecordAccess, RecordType};
use dignity_store::accounts::User;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::ops::Deref;

use crate::error::Pending;
pub use crate::error::{code_of, is_pending, WebError};

/// The error page of a [`WebError`] (the rest of the type is in [`crate::error`]).
impl WebError {
    /// The answer of a page: a redirect (sign-in, two-factor enrolment) or the error page.
    pub fn page_response(&self, state: &AppState, ctx: &Ctx) -> Response {
        if let Some(r) = self.page_redirect(&ctx.path) {
            return r;
        }
        match self {
            WebError::Internal(e) => tracing::error!(error = %e, "request failed"),
            WebError::Csrf => tracing::warn!(path = %ctx.path, "CSRF token rejected"),
            _ => {}
        }
        let status = self.status();
        crate::pages::page_status(
            state,
            ctx,
            "error.html",
            status,
            minijinja::context! { status => status.as_u16(), message => self.page_message(ctx.lang) },
        )
    }
}

/// Middleware (over the whole router): write every [`WebError`] answer — as the error page
/// for pages, as `ApiError` JSON under `/api/`.
pub async fn render_errors(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = CtxSlot::default();
    req.extensions_mut().insert(slot.clone());
    let api = req.uri().path().starts_with("/api/");
    let mut saved = Request::new(());
    *saved.method_mut() = req.method().clone();
    *saved.uri_mut() = req.uri().clone();
    *saved.headers_mut() = req.headers().clone();
    if let Some(ci) = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        saved.extensions_mut().insert(*ci);
    }
    let mut res = next.run(req).await;
    let Some(Pending(e)) = res.extensions_mut().remove::<Pending>() else {
        return res;
    };
    let path = saved
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut out = if api {
        e.api_response()
    } else if let Some(r) = e.page_redirect(&path) {
        // Needs no request context (which may be what could not be read: a two-factor
        // enrolment due, say).
        r
    } else {
        let ctx = match slot.get() {
            Some(c) => Some(c),
            None => {
                let (mut parts, ()) = saved.into_parts();
                Ctx::from_request_parts(&mut parts, &state).await.ok()
            }
        };
        match ctx {
            Some(ctx) => e.page_response(&state, &ctx),
            None => e.bare_response(lang_of(res.headers())),
        }
    };
    // Keep what the handler set besides the body (cookies, cache headers).
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

fn lang_of(headers: &HeaderMap) -> Lang {
    i18n::negotiate(
        crate::ctx::cookie(headers, crate::ctx::LANG_COOKIE),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

// ----------------------------------------------------------------- extractors --

async fn ctx_of(parts: &mut Parts, state: &AppState) -> Result<Ctx, Response> {
    Ctx::from_request_parts(parts, state).await
}

/// Anyone: an anonymous visitor or a signed-in user. An unknown or revoked API token is
/// refused (401), never taken for an anonymous call.
pub struct Caller(pub Ctx);

impl Deref for Caller {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.0
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = ctx_of(parts, state).await?;
        if ctx.bad_token {
            return Err(WebError::BadToken.into_response());
        }
        Ok(Caller(ctx))
    }
}

/// The checks of [`SignedIn`] on a request context already read.
pub fn signed_in(ctx: &Ctx) -> Result<&User, WebError> {
    if ctx.bad_token {
        return Err(WebError::BadToken);
    }
    let Some(user) = ctx.user.as_ref().filter(|_| ctx.via != AuthVia::None) else {
        return Err(WebError::Unauthenticated);
    };
    if ctx.must_enrol_totp() && (ctx.path.starts_with("/api/") || !ctx.path.starts_with("/account"))
    {
        return Err(WebError::MustEnrolTotp);
    }
    Ok(user)
}

/// A signed-in staff user (session or API token).
pub struct SignedIn {
    pub ctx: Ctx,
    pub user: User,
}

impl Deref for SignedIn {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = ctx_of(parts, state).await?;
        let user = signed_in(&ctx)?.clone();
        Ok(SignedIn { ctx, user })
    }
}

/// The marker types of system actions, for [`Allowed`].
pub trait SystemGate: Send + Sync + 'static {
    const ACTION: SystemAction;
}

/// One marker per [`SystemAction`].
pub mod gate {
    use super::{SystemAction, SystemGate};
    macro_rules! gates {
        ($($name:ident),*) => {$(
            #[doc = concat!("`SystemAction::", stringify!($name), "`.")]
            pub struct $name;
            impl SystemGate for $name {
                const ACTION: SystemAction = SystemAction::$name;
            }
        )*};
    }
    gates!(
        ManageUsers,
        ManageTeamMembers,
        ViewAudit,
        ManageReferenceData,
        ManageSettings,
        ErasePersons
    );
}

/// The checks of [`Allowed`] on a request context already read.
pub fn allowed(ctx: &Ctx, action: SystemAction) -> Result<(), WebError> {
    signed_in(ctx)?;
    if authorize_system(&ctx.actor, action).allowed() {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

/// Whether the caller's role allows a system action (for what a page offers, not as a
/// check: handlers that act take [`Allowed`]).
pub fn may(ctx: &Ctx, action: SystemAction) -> bool {
    authorize_system(&ctx.actor, action).allowed()
}

/// Whether the caller's role may do `action` on records at all — what a page offers (an
/// "Edit" button, a "New" form) and the first check of a write. Each record's own check
/// ([`check_record`], the store's `require`) still happens when the action is done.
pub fn role_may(ctx: &Ctx, action: Action) -> bool {
    // A public record: the level asks nothing of the role (publishing, say, needs one), so
    // the answer is the role's alone.
    ctx.user.is_some()
        && authorize(
            &ctx.actor,
            action,
            &RecordAccess::new(Confidentiality::Public),
        )
        .allowed()
}

/// Whether the caller's role may create and change records (documenters and up).
pub fn may_write(ctx: &Ctx) -> bool {
    role_may(ctx, Action::Create)
}

/// A signed-in user whose role allows the system action `G`.
pub struct Allowed<G: SystemGate> {
    pub who: SignedIn,
    _gate: PhantomData<G>,
}

impl<G: SystemGate> Deref for Allowed<G> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl<G: SystemGate> FromRequestParts<AppState> for Allowed<G> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        allowed(&who.ctx, G::ACTION)?;
        Ok(Allowed {
            who,
            _gate: PhantomData,
        })
    }
}

/// A signed-in user whose role may create and change records at all (documenters and
/// up): the first check of a write that creates a record, or names its record in the body
/// (each record's own check still happens when the write is done). Taken before the body,
/// so that a refused caller is answered 401/403 before the body is read or validated.
pub struct MayWrite {
    pub who: SignedIn,
}

impl Deref for MayWrite {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl FromRequestParts<AppState> for MayWrite {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        if !may_write(&who.ctx) {
            return Err(WebError::forbidden().into_response());
        }
        Ok(MayWrite { who })
    }
}

/// A signed-in user whose role may publish to the public portal (`Action::Publish`:
/// administrators): the portal's administration, publishing a dashboard or a report.
/// Others are refused (403, "Only administrators manage the public portal.") before the
/// body is read.
pub struct MayPublish {
    pub who: SignedIn,
}

impl Deref for MayPublish {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl FromRequestParts<AppState> for MayPublish {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        if !role_may(&who.ctx, Action::Publish) {
            return Err(WebError::keyed(StatusCode::FORBIDDEN, "portal.admin_only").into_response());
        }
        Ok(MayPublish { who })
    }
}

/// An API caller whose role may review record linkage (documenters and up, as
/// `dignity_store::stats::linkage::may_review`): an unknown token is refused 401, anyone
/// else — anonymous callers included — 403 ("record linkage needs the documenter role or
/// above"). The linkage pages take [`MayWrite`] (the same roles; anonymous visitors are
/// sent to sign in).
pub struct MayReviewLinkage(pub Ctx);

impl Deref for MayReviewLinkage {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.0
    }
}

impl FromRequestParts<AppState> for MayReviewLinkage {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Caller(ctx) = Caller::from_request_parts(parts, state).await?;
        if !dignity_store::stats::linkage::may_review(&ctx.actor) {
            return Err(WebError::Forbidden(
                "record linkage needs the documenter role or above".into(),
            )
            .into_response());
        }
        Ok(MayReviewLinkage(ctx))
    }
}

/// The marker types of record types, for [`CanRead`] and [`CanWrite`].
pub trait Record: Send + Sync + 'static {
    const TYPE: RecordType;
}

/// One marker per [`RecordType`].
pub mod rec {
    use super::{Record, RecordType};
    macro_rules! records {
        ($($(#[$doc:meta])* $name:ident,)*) => {$(
            #[doc = concat!("`RecordType::", stringify!($name), "`.")]
            pub struct $name;
            impl Record for $name {
                const TYPE: RecordType = RecordType::$name;
            }
        )*};
    }
    dignity_core::with_record_types!(records);
}

/// The record id of the path: its `{id}` parameter (else its first one).
async fn path_id(parts: &mut Parts, state: &AppState) -> Result<i64, WebError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| WebError::keyed(StatusCode::BAD_REQUEST, "error.bad_request"))?;
    let mut first = None;
    let mut named = None;
    for (k, v) in params.iter() {
        if first.is_none() {
            first = Some(v.to_string());
        }
        if k == "id" {
            named = Some(v.to_string());
        }
    }
    named
        .or(first)
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| WebError::keyed(StatusCode::BAD_REQUEST, "error.bad_request"))
}

/// Decide `action` on record `id` of `record_type` for the caller: not readable (or no
/// such record) is *not found*; readable but `action` refused is *forbidden*.
pub async fn check_record(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    record_type: RecordType,
    id: i64,
) -> Result<(), WebError> {
    let store = &state.store;
    let read = dignity_store::acl::decide(store, &ctx.actor, Action::Read, record_type, id).await?;
    match read {
        Some(Decision::Allow { audit_read }) => {
            // A granted read of a strictly confidential record is written to the audit
            // log (as the store's own checks do).
            if audit_read {
                store
                    .log_event(
                        &ctx.actor,
                        "record.read",
                        record_type.table(),
                        &id.to_string(),
                        serde_json::json!({}),
                    )
                    .await?;
            }
        }
        _ => return Err(WebError::NotFound(format!("{record_type} {id}"))),
    }
    if action != Action::Read {
        let d = dignity_store::acl::decide(store, &ctx.actor, action, record_type, id).await?;
        if !d.is_some_and(|d| d.allowed()) {
            return Err(WebError::Forbidden(
                "your role or the record's need-to-know list does not allow this".into(),
            ));
        }
    }
    Ok(())
}

/// A signed-in user who may read record `{id}` of type `T` (else *not found*).
pub struct CanRead<T: Record> {
    pub who: SignedIn,
    pub id: i64,
    _t: PhantomData<T>,
}

/// A signed-in user who may read and update record `{id}` of type `T` (not readable: *not
/// found*; readable, not writable: *forbidden*).
pub struct CanWrite<T: Record> {
    pub who: SignedIn,
    pub id: i64,
    _t: PhantomData<T>,
}

impl<T: Record> Deref for CanRead<T> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl<T: Record> Deref for CanWrite<T> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl<T: Record> FromRequestParts<AppState> for CanRead<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        let id = path_id(parts, state).await?;
        check_record(state, &who.ctx, Action::Read, T::TYPE, id).await?;
        Ok(CanRead {
            who,
            id,
            _t: PhantomData,
        })
    }
}

impl<T: Record> FromRequestParts<AppState> for CanWrite<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        let id = path_id(parts, state).await?;
        check_record(state, &who.ctx, Action::Update, T::TYPE, id).await?;
        Ok(CanWrite {
            who,
            id,
            _t: PhantomData,
        })
    }
}

/// A signed-in user who may read record `{id}` of type `T` and send it out of the
/// installation (`Action::Export`: a share with a recipient). Not readable: *not found*;
/// readable, not exportable: *forbidden*.
pub struct CanExportRecord<T: Record> {
    pub who: SignedIn,
    pub id: i64,
    _t: PhantomData<T>,
}

impl<T: Record> Deref for CanExportRecord<T> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl<T: Record> FromRequestParts<AppState> for CanExportRecord<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        let id = path_id(parts, state).await?;
        check_record(state, &who.ctx, Action::Export, T::TYPE, id).await?;
        Ok(CanExportRecord {
            who,
            id,
            _t: PhantomData,
        })
    }
}

/// What is exported, for [`CanExport`] (and its log line).
pub trait ExportKind: Send + Sync + 'static {
    const NAME: &'static str;
}

/// The kinds of exports.
pub mod export {
    use super::ExportKind;
    /// Search results (`/search/export`, `/api/v1/search/export`).
    pub struct SearchResults;
    impl ExportKind for SearchResults {
        const NAME: &'static str = "search";
    }
    /// Reports leaving the server as PDF.
    pub struct Report;
    impl ExportKind for Report {
        const NAME: &'static str = "report";
    }
    /// The missing-persons list (CSV).
    pub struct MissingPersons;
    impl ExportKind for MissingPersons {
        const NAME: &'static str = "missing";
    }
}

/// Whether the caller's role may export at all (analysts and up): the one probe of the
/// `Export` action. Each exported record is still checked one by one.
pub fn may_export(ctx: &Ctx) -> Result<(), WebError> {
    let probe = RecordAccess::new(Confidentiality::Internal);
    if authorize(&ctx.actor, Action::Export, &probe).allowed() {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

/// A signed-in user whose role may export (`K` says what).
pub struct CanExport<K: ExportKind> {
    pub who: SignedIn,
    _k: PhantomData<K>,
}

impl<K: ExportKind> Deref for CanExport<K> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        &self.who.ctx
    }
}

impl<K: ExportKind> FromRequestParts<AppState> for CanExport<K> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        if let Err(e) = may_export(&who.ctx) {
            tracing::warn!(export = K::NAME, user = %who.user.username, "export refused");
            return Err(e.into_response());
        }
        Ok(CanExport {
            who,
            _k: PhantomData,
        })
    }
}

/// The CSRF check of a form (the `csrf_token` field): an API token needs none; otherwise
/// the token must be non-empty and equal (constant time) to the session's.
pub fn csrf(ctx: &Ctx, sent: &str) -> Result<(), WebError> {
    if ctx.csrf_ok(sent) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// A urlencoded form, parsed into `T` only after its `csrf_token` was checked.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let ctx = match parts.extensions.get::<CtxSlot>().and_then(|s| s.get()) {
            Some(c) => c,
            None => ctx_of(&mut parts, state).await?,
        };
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(IntoResponse::into_response)?;
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        csrf(&ctx, &token)?;
        let axum::Form(t) =
            axum::Form::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state)
                .await
                .map_err(IntoResponse::into_response)?;
        Ok(CsrfForm(t))
    }
}

/// The mark [`crate::guard::csrf_guard`] leaves on a multipart upload whose CSRF token (or
/// API token) it checked before reading the body.
#[derive(Clone, Copy)]
pub(crate) struct CsrfChecked;

/// A multipart upload that passed the CSRF check before its body was read.
pub struct CsrfMultipart(pub axum::extract::Multipart);

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        if req.extensions().get::<CsrfChecked>().is_none() {
            return Err(WebError::Csrf.into_response());
        }
        let mp = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(CsrfMultipart(mp))
    }
}
