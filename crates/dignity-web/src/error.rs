//! The one error type of the web layer, [`WebError`], and the shapes it is written in:
//! the `ApiError` JSON of the API ([`error`]) and the messages of the error page. A leaf
//! module: it imports no other module of this crate but `i18n` and `edge`, so that the
//! request context, the extractors and the pages can all fail with it. The error page
//! itself is written by [`crate::authz::render_errors`].

use crate::i18n::{self, Lang};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use dignity_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The error body of every failed API call.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `unauthorized`, `forbidden`, `not_found`, `invalid`, `conflict`, `internal`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The input field at fault, if any.
    pub field: Option<String>,
}

pub fn error(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    field: Option<&str>,
) -> Response {
    (
        status,
        Json(ApiError {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
                field: field.map(String::from),
            },
        }),
    )
        .into_response()
}

/// A size as people read it: "1 MiB", "64 KiB", "123 bytes".
pub fn human_size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    if n >= GIB && n.is_multiple_of(GIB) {
        format!("{} GiB", n / GIB)
    } else if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

// ------------------------------------------------------------------ WebError --

/// Everything a request can fail with, for pages and the API alike.
#[derive(Debug, Clone)]
pub enum WebError {
    /// Not signed in: pages go to the sign-in page (and back afterwards), the API
    /// answers 401.
    Unauthenticated,
    /// An `Authorization: Bearer` token that is unknown, revoked or whose user is
    /// disabled: 401 (never treated as an anonymous call).
    BadToken,
    /// The account must enrol in two-factor authentication first: pages go to the account
    /// page, the API answers 403.
    MustEnrolTotp,
    /// Signed in, but the role, the record's level or its need-to-know list does not allow
    /// this (the API gets the reason).
    Forbidden(String),
    /// The CSRF token is missing or does not fit (403).
    Csrf,
    /// No such record — or one the caller may not read: the two answer the same (404).
    NotFound(String),
    /// A value that cannot be used (422), naming the field.
    Invalid { field: String, message: String },
    /// An input refused by a rule of `dignity-core` (422, naming the field), translated on
    /// pages (`invalid.*` keys, or the rule's own key), English in the API.
    Rejected(dignity_core::Invalid),
    /// The people concerned did not consent (403, code `consent`).
    Consent(String),
    /// Already exists, or changed by someone else meanwhile (409).
    Conflict(String),
    /// The disk holding the database is full; nothing was saved (507).
    StorageFull,
    /// A body or field over its limit (413), naming the limit.
    TooLarge { limit: u64, field: Option<String> },
    /// An answer with its own status and a message key of the catalogues (translated when
    /// the answer is written).
    Keyed {
        status: StatusCode,
        key: &'static str,
    },
    /// An answer with its own status and a message already in the reader's language.
    Message { status: StatusCode, message: String },
    /// An answer with its own status, API `code`, message and field (the API's particular
    /// refusals; pages show the message).
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// Anything else: logged, answered 500 without details.
    Internal(String),
}

impl WebError {
    /// A page error with this status and a catalogue key.
    pub fn keyed(status: StatusCode, key: &'static str) -> Self {
        WebError::Keyed { status, key }
    }
    /// Any failure to log and hide behind a 500.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        WebError::Internal(e.to_string())
    }
    /// An answer with its own status, API `code`, message and field.
    pub fn refused(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        field: Option<String>,
    ) -> Self {
        WebError::Refused {
            status,
            code,
            message: message.into(),
            field,
        }
    }
    pub fn not_found() -> Self {
        WebError::NotFound(String::new())
    }
    pub fn forbidden() -> Self {
        WebError::Forbidden(String::new())
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated | WebError::BadToken => StatusCode::UNAUTHORIZED,
            WebError::MustEnrolTotp
            | WebError::Forbidden(_)
            | WebError::Csrf
            | WebError::Consent(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Invalid { .. } | WebError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            WebError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Keyed { status, .. }
            | WebError::Message { status, .. }
            | WebError::Refused { status, .. } => *status,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable `code` of the API's error body.
    fn code(&self) -> &'static str {
        match self {
            WebError::Unauthenticated | WebError::BadToken => "unauthorized",
            WebError::MustEnrolTotp | WebError::Forbidden(_) => "forbidden",
            WebError::Csrf => "csrf",
            WebError::Consent(_) => "consent",
            WebError::NotFound(_) => "not_found",
            WebError::Invalid { .. } | WebError::Rejected(_) => "invalid",
            WebError::Conflict(_) => "conflict",
            WebError::StorageFull => "storage_full",
            WebError::TooLarge { .. } => "too_large",
            WebError::Internal(_) => "internal",
            WebError::Refused { code, .. } => code,
            WebError::Keyed { status, .. } | WebError::Message { status, .. } => code_of(*status),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            WebError::Invalid { field, .. } => Some(field),
            WebError::Rejected(e) => Some(&e.field),
            WebError::Consent(_) => Some("consent"),
            WebError::TooLarge { field, .. } | WebError::Refused { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    fn too_large_message(lang: Lang, limit: u64, field: Option<&str>) -> String {
        let size = human_size(limit);
        match field {
            Some(f) => i18n::t_args(
                lang,
                "error.field_too_large",
                &[("field", f), ("limit", &size)],
            ),
            None => i18n::t_args(lang, "error.too_large", &[("limit", &size)]),
        }
    }

    /// The message of the API's error body (English, like the rest of the API).
    fn api_message(&self) -> String {
        let or = |m: &str, d: &str| {
            if m.is_empty() {
                d.to_string()
            } else {
                m.to_string()
            }
        };
        match self {
            WebError::Unauthenticated => "sign in or send an API token".into(),
            WebError::BadToken => "unknown or revoked API token".into(),
            WebError::MustEnrolTotp => {
                "two-factor authentication is required for this account: enable it first".into()
            }
            WebError::Forbidden(m) => or(m, "your role does not allow this action"),
            WebError::Csrf => "a request authenticated by the session cookie must send the page's CSRF token in X-CSRF-Token (or come from this server's own pages, with their Origin)".into(),
            WebError::NotFound(m) => or(m, "not found"),
            WebError::Invalid { message, .. }
            | WebError::Consent(message)
            | WebError::Conflict(message)
            | WebError::Message { message, .. }
            | WebError::Refused { message, .. } => message.clone(),
            WebError::Rejected(e) => e.message(),
            WebError::StorageFull => i18n::t(Lang::En, "error.storage_full"),
            WebError::TooLarge { limit, field } => {
                Self::too_large_message(Lang::En, *limit, field.as_deref())
            }
            WebError::Keyed { key, .. } => i18n::t(Lang::En, key),
            WebError::Internal(_) => "internal error".into(),
        }
    }

    /// The message of the HTML error page, in the reader's language.
    pub(crate) fn page_message(&self, lang: Lang) -> String {
        match self {
            WebError::Unauthenticated | WebError::BadToken | WebError::MustEnrolTotp => {
                i18n::t(lang, "error.forbidden")
            }
            WebError::Forbidden(_) => i18n::t(lang, "error.forbidden"),
            WebError::Csrf => i18n::t(lang, "error.csrf"),
            WebError::NotFound(_) => i18n::t(lang, "error.not_found"),
            WebError::Invalid { message, .. }
            | WebError::Consent(message)
            | WebError::Conflict(message)
            | WebError::Message { message, .. }
            | WebError::Refused { message, .. } => message.clone(),
            WebError::Rejected(e) => i18n::invalid(lang, e),
            WebError::StorageFull => i18n::t(lang, "error.storage_full"),
            WebError::TooLarge { limit, field } => {
                Self::too_large_message(lang, *limit, field.as_deref())
            }
            WebError::Keyed { key, .. } => i18n::t(lang, key),
            WebError::Internal(_) => i18n::t(lang, "error.internal"),
        }
    }

    /// The answer under `/api/`: the one `ApiError` JSON shape.
    pub fn api_response(&self) -> Response {
        if let WebError::Internal(e) = self {
            tracing::error!(error = %e, "api request failed");
        }
        error(self.status(), self.code(), self.api_message(), self.field())
    }

    /// The redirect that answers a page instead of an error page: to the sign-in page (and
    /// back to `path` afterwards), or to the account page for a two-factor enrolment due.
    pub(crate) fn page_redirect(&self, path: &str) -> Option<Response> {
        match self {
            WebError::Unauthenticated => {
                let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
                Some(crate::edge::see_other(&format!("/login?next={next}")))
            }
            WebError::MustEnrolTotp => Some(crate::edge::see_other("/account")),
            _ => None,
        }
    }

    /// The page answer when even the request context could not be read: a bare page.
    pub(crate) fn bare_response(&self, lang: Lang) -> Response {
        if let WebError::Internal(e) = self {
            tracing::error!(error = %e, "request failed");
        }
        let msg = self.page_message(lang);
        let esc = msg
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        (self.status(), Html(esc)).into_response()
    }
}

/// The `code` of an answer with this status.
pub fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        StatusCode::INSUFFICIENT_STORAGE => "storage_full",
        s if s.is_server_error() => "internal",
        _ => "invalid",
    }
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status().as_u16(), self.api_message())
    }
}

/// The store's errors, mapped once for pages and the API.
impl From<dignity_core::Invalid> for WebError {
    fn from(e: dignity_core::Invalid) -> Self {
        WebError::Rejected(e)
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => WebError::NotFound(m),
            StoreError::Forbidden(m) => WebError::Forbidden(m),
            StoreError::Rejected(e) => WebError::Rejected(e),
            StoreError::Conflict(m) => WebError::Conflict(m),
            StoreError::StorageFull(_) => WebError::StorageFull,
            e => WebError::Internal(e.to_string()),
        }
    }
}

impl WebError {
    /// A store error of the protection area, where a refused `consent` means that the
    /// people concerned did not consent (403, code `consent`), not a malformed value.
    pub fn with_consent(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(e) if e.field == "consent" => WebError::Consent(e.message()),
            e => WebError::from(e),
        }
    }
}

/// The mark an unrendered error carries to [`crate::authz::render_errors`].
#[derive(Clone)]
pub(crate) struct Pending(pub(crate) WebError);

/// The one `IntoResponse` of errors: the answer carries the error, and [`crate::authz::render_errors`]
/// (which knows the path, the reader and their language) writes it as a page or as JSON.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(Pending(self));
        res
    }
}

impl From<WebError> for Response {
    fn from(e: WebError) -> Response {
        e.into_response()
    }
}

/// True when an answer is an unrendered [`WebError`] (for the layers that rewrite errors).
pub fn is_pending(res: &Response) -> bool {
    res.extensions().get::<Pending>().is_some()
}
