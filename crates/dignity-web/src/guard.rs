//! Checks that every request passes before any handler runs, in one place:
//!
//! - **CSRF** ([`csrf_guard`]): a state-changing request (POST, PUT, PATCH, DELETE)
//!   authenticated by the browser's cookie must prove that it comes from one of our own
//!   pages. On `/api/v1` that is the page's CSRF token in the `X-CSRF-Token` header (or a
//!   `csrf_token` query parameter, or the first multipart field `csrf_token`), or an `Origin`
//!   header of this server. Multipart uploads (pages and API) are checked the same way
//!   *before* their body is read: a forged or token-less upload is refused after at most
//!   [`PEEK_MAX`] bytes, not after the whole file arrived. Calls with an
//!   `Authorization: Bearer` token need none of this (a browser never adds one by itself).
//!   Ordinary page forms (≤ the body limit) carry the token in their body: the
//!   `CsrfForm<T>` extractor checks it before the form is parsed.
//! - **Body limits** ([`body_limits`]): a body larger than the limit is refused with
//!   `413 Payload Too Large` and a translated message naming the limit, as soon as its
//!   declared length is known, and also when an extractor hits the limit while reading.
//! - **Cookies** ([`secure_cookies`]): behind TLS, every `Set-Cookie` carries `Secure`.

use crate::authz::{CsrfChecked, WebError};
use crate::ctx::{self, PRE_COOKIE, SESSION_COOKIE};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// How many bytes of a multipart body are read, at most, to find its first field (the
/// CSRF token) before the rest is accepted.
pub const PEEK_MAX: usize = 16 * 1024;

/// The default limit of a request body (forms, JSON, CSV imports through the API):
/// 1 MiB. Evidence uploads have their own limit (the `evidence_max_upload_bytes`
/// setting) and [`MAX_FIELD_BYTES`] per text field.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The largest text field of a multipart upload (title, description, …): 64 KiB.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// The most text fields one multipart upload may have.
pub const MAX_FIELDS: usize = 64;

pub use crate::error::human_size;

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "))
}

/// The multipart boundary of a `multipart/form-data` request, if it is one.
fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let (kind, params) = ct.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// True when the `Origin` header names this server: the configured public address, or
/// the `Host` the request was sent to.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|o| url::Url::parse(o).ok())
    else {
        return false;
    };
    let Some(host) = origin.host_str() else {
        return false;
    };
    if let Some(public) = state
        .config
        .public_url
        .as_deref()
        .and_then(|p| url::Url::parse(p).ok())
    {
        if public.origin() == origin.origin() {
            return true;
        }
    }
    let Some(sent_to) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let with_port = origin
        .port_or_known_default()
        .map(|p| format!("{host}:{p}"))
        .unwrap_or_else(|| host.to_string());
    sent_to.eq_ignore_ascii_case(&with_port)
        || (origin.port().is_none() && sent_to.eq_ignore_ascii_case(host))
}

/// What the first part of a multipart body says, once enough of it has arrived.
enum FirstField {
    /// Not enough bytes yet.
    NeedMore,
    /// The first field is `csrf_token` with this value.
    Token(String),
    /// The first field is something else (or the body is not multipart at all).
    Other,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn first_field(buf: &[u8], boundary: &str) -> FirstField {
    let delim = format!("--{boundary}");
    let Some(start) = find(buf, delim.as_bytes()) else {
        return if buf.len() > delim.len() + 2 {
            FirstField::Other
        } else {
            FirstField::NeedMore
        };
    };
    let rest = &buf[start + delim.len()..];
    let Some(head_end) = find(rest, b"\r\n\r\n") else {
        return FirstField::NeedMore;
    };
    let head = String::from_utf8_lossy(&rest[..head_end]);
    let name = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if !k.trim().eq_ignore_ascii_case("content-disposition") {
            return None;
        }
        v.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim() == "name").then(|| v.trim().trim_matches('"').to_string())
        })
    });
    if name.as_deref() != Some("csrf_token") {
        return FirstField::Other;
    }
    let body = &rest[head_end + 4..];
    let end = format!("\r\n--{boundary}");
    match find(body, end.as_bytes()) {
        Some(i) => FirstField::Token(String::from_utf8_lossy(&body[..i]).trim().to_string()),
        None => FirstField::NeedMore,
    }
}

/// Read the beginning of a multipart body until its first field is known; give back the
/// token it carried (if the first field is `csrf_token`) and a request whose body is the
/// whole original body again.
async fn peek_first_field(req: Request, boundary: &str) -> (Option<String>, Request) {
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut failed = None;
    let token = loop {
        match first_field(&buf, boundary) {
            FirstField::Token(t) => break Some(t),
            FirstField::Other => break None,
            FirstField::NeedMore if buf.len() >= PEEK_MAX => break None,
            FirstField::NeedMore => {}
        }
        match stream.next().await {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break None;
            }
            None => break None,
        }
    };
    let head = futures_util::stream::once(async move {
        match failed {
            None => Ok(Bytes::from(buf)),
            Some(e) => Err(e),
        }
    });
    let body = Body::from_stream(head.chain(stream));
    (token, Request::from_parts(parts, body))
}

fn csrf_refused(parts: &axum::http::request::Parts) -> Response {
    tracing::warn!(path = %parts.uri.path(), "CSRF check failed");
    WebError::Csrf.into_response()
}

/// Let a request through that passed (or did not need) the CSRF check before its body was
/// read; multipart handlers take [`crate::authz::CsrfMultipart`], which asks for the mark.
async fn pass(mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(CsrfChecked);
    next.run(req).await
}

/// The CSRF check of cookie-authenticated, state-changing requests (see the module
/// documentation). Layered over the whole router.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || has_bearer(req.headers()) {
        return pass(req, next).await;
    }
    let api = is_api(req.uri().path());
    let boundary = multipart_boundary(req.headers());
    let session = ctx::cookie(req.headers(), SESSION_COOKIE).filter(|s| !s.is_empty());
    // Pages' ordinary forms carry their token in the body: their handlers check it.
    if !api && boundary.is_none() {
        return next.run(req).await;
    }
    // An API call without a session cookie is not authenticated by the browser: the
    // handler answers it (401 where it needs a user).
    if api && session.is_none() {
        return pass(req, next).await;
    }
    let basis = session
        .or_else(|| ctx::cookie(req.headers(), PRE_COOKIE))
        .unwrap_or("")
        .to_string();
    let expected = if basis.is_empty() {
        String::new()
    } else {
        ctx::csrf_token_for(&state, &basis)
    };
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let query_token = req
        .uri()
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    if ctx::tokens_match(&expected, header_token)
        || ctx::tokens_match(&expected, &query_token)
        || (api && same_origin(&state, req.headers()))
    {
        return pass(req, next).await;
    }
    if let Some(b) = boundary {
        let (token, req) = peek_first_field(req, &b).await;
        if token.is_some_and(|t| ctx::tokens_match(&expected, &t)) {
            return pass(req, next).await;
        }
        let (parts, _) = req.into_parts();
        return csrf_refused(&parts);
    }
    let (parts, _) = req.into_parts();
    csrf_refused(&parts)
}

/// The 413 answer naming the limit, in the caller's language (JSON on the API).
fn too_large(limit: u64) -> Response {
    WebError::TooLarge { limit, field: None }.into_response()
}

/// Refuse a body whose declared length is over the limit before reading it, and give
/// the 413 of an extractor that hit the limit a clear, translated message.
pub async fn body_limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.body_limit() as u64;
    // Evidence uploads stream to disk under their own limit (checked while they arrive).
    let uploads = req.uri().path().ends_with("/evidence");
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if !uploads && declared.is_some_and(|n| n > limit) {
        return too_large(limit);
    }
    let res = next.run(req).await;
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && plain && !uploads {
        // axum's own answer ("Failed to buffer the request body: length limit exceeded").
        return too_large(limit);
    }
    res
}

/// Behind TLS (configured, or said by the proxy with `X-Forwarded-Proto: https`), every
/// cookie this server sets is `Secure` — the pre-session cookie too.
pub async fn secure_cookies(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let tls = state.config.secure_cookies
        || req
            .headers()
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes() == b"https");
    let mut res = next.run(req).await;
    if !tls {
        return res;
    }
    let cookies: Vec<HeaderValue> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.is_empty() {
        return res;
    }
    let h = res.headers_mut();
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let secure = c.to_str().is_ok_and(|s| {
            s.split(';')
                .any(|a| a.trim().eq_ignore_ascii_case("secure"))
        });
        let c = if secure {
            c
        } else {
            let mut v = c.as_bytes().to_vec();
            v.extend_from_slice(b"; Secure");
            HeaderValue::from_bytes(&v).unwrap_or(c)
        };
        h.append(header::SET_COOKIE, c);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_field_is_found() {
        let b = "XyZ";
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n....";
        assert!(matches!(first_field(body, b), FirstField::Token(t) if t == "abc123"));
        assert!(matches!(first_field(&body[..30], b), FirstField::NeedMore));
        let other = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nabc";
        assert!(matches!(first_field(other, b), FirstField::Other));
        // A file whose name is csrf_token is not the field csrf_token.
        let tricky = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"csrf_token\"\r\n\r\nabc\r\n--XyZ";
        assert!(matches!(first_field(tricky, b), FirstField::Other));
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(1024 * 1024), "1 MiB");
        assert_eq!(human_size(64 * 1024), "64 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
