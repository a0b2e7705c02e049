//! A full disk, or a database that cannot take requests, answered from one place.
//!
//! Whatever a handler did with a storage error (many turn unexpected errors into a generic
//! 500), a request during which the database reported a full disk is answered `507
//! Insufficient Storage`, and one during which the database was unavailable (restarting
//! after a crash, out of connections or memory, no pooled connection in time) `503 Service
//! Unavailable`, both with `Retry-After` and a message that says so, in the reader's
//! language, as JSON under `/api/` and as a page elsewhere. Nothing of the request's write
//! was saved (the write path commits all or nothing), and the server needs no restart once
//! space is free or the database is back.

use crate::i18n::{self, Lang};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dignity_store::Outage;

/// Seconds a client is asked to wait before trying again: a full disk needs someone to
/// free space; an unavailable database is usually back within seconds.
const RETRY_AFTER_FULL_SECS: &str = "60";
const RETRY_AFTER_UNAVAILABLE_SECS: &str = "5";

pub async fn storage_full(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    // The language is worked out only when the answer is needed (not on every request):
    // keep the two headers it is read from (cheap reference-counted clones).
    let cookie = req.headers().get(header::COOKIE).cloned();
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    let (res, outage) = dignity_store::watch_outage(next.run(req)).await;
    if outage == Outage::None || res.status().is_success() || res.status().is_redirection() {
        return res;
    }
    let (status, code, (title, key), retry) = match outage {
        Outage::StorageFull => (
            StatusCode::INSUFFICIENT_STORAGE,
            "storage_full",
            ("error.storage_full_title", "error.storage_full"),
            RETRY_AFTER_FULL_SECS,
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            ("error.db_unavailable_title", "error.db_unavailable"),
            RETRY_AFTER_UNAVAILABLE_SECS,
        ),
    };
    let lang = i18n::negotiate(
        cookie.as_ref().and_then(|v| v.to_str().ok()),
        accept.as_ref().and_then(|v| v.to_str().ok()),
    );
    let mut answer = if is_api {
        crate::api::error(status, code, i18n::t(Lang::En, key), None)
    } else {
        page(lang, status, title, key)
    };
    // Keep the headers the layers below set (security headers, cookies), with this body's
    // own type and length.
    let (parts, _) = res.into_parts();
    let own = answer.headers().clone();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && !own.contains_key(name)
        {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    let mut res = answer;
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(retry));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn page(lang: Lang, status: StatusCode, title: &str, key: &str) -> Response {
    let title = i18n::t(lang, title);
    let message = i18n::t(lang, key);
    let html = format!(
        "<!doctype html><html lang=\"{code}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main><h1>{title}</h1><p role=\"alert\">{message}</p>\
         <p><a href=\"/\">{home}</a></p></main></body></html>",
        code = lang.code(),
        dir = lang.dir(),
        title = escape(&title),
        message = escape(&message),
        home = escape(&i18n::t(lang, "error_page.home")),
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
