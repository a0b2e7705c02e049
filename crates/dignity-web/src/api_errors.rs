//! Every failed call under `/api/v1` answers in the one documented error shape
//! (`{"error": {"code", "message", "field"}}`, OpenAPI `ApiError`), including the answers
//! that axum writes by itself before a handler runs: a path id that is not a number
//! (`400 text/plain`), a method the route does not have (`405`, empty), a body of the wrong
//! media type (`415`). Clients then parse one shape, and the OpenAPI document tells the
//! truth about every status it lists.

use crate::api::error;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The longest message kept from a plain-text answer (axum's rejections are one line).
const MAX_MESSAGE: usize = 512;

fn is_json(r: &Response) -> bool {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Middleware (paths under `/api/`, routed or not): turn a non-JSON error answer into `ApiError`.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !api {
        return res;
    }
    let status = res.status();
    // A 413 is rewritten by `guard::body_limits`, which names the limit.
    if !(status.is_client_error() || status.is_server_error())
        || status == StatusCode::PAYLOAD_TOO_LARGE
        || is_json(&res)
        // A `WebError`, written by `authz::render_errors` as JSON.
        || crate::authz::is_pending(&res)
    {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = match to_bytes(body, 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let mut message: String = text.chars().take(MAX_MESSAGE).collect();
    if message.is_empty() {
        message = status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_string();
    }
    let mut out = error(status, crate::authz::code_of(status), message, None);
    // Keep what the original answer said besides its body (Allow, Retry-After, security
    // headers), except its length and type, which belong to the new body.
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    async fn call(app: Router, method: &str, uri: &str) -> (StatusCode, String, String) {
        let res = app
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(uri)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = res.status();
        let ct = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, ct, String::from_utf8(body.to_vec()).unwrap())
    }

    fn app() -> Router {
        async fn one(axum::extract::Path(id): axum::extract::Path<i64>) -> String {
            id.to_string()
        }
        Router::new()
            .route("/api/things/{id}", get(one))
            .route("/page/{id}", get(one))
            .layer(axum::middleware::from_fn(json_errors))
    }

    #[tokio::test]
    async fn axum_rejections_answer_in_the_api_error_shape() {
        let (status, ct, body) = call(app(), "GET", "/api/things/9223372036854775808").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(ct, "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "invalid");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("9223372036854775808"),
            "{body}"
        );

        let (status, ct, body) = call(app(), "DELETE", "/api/things/1").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(ct, "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "method_not_allowed");
    }

    #[tokio::test]
    async fn successful_answers_and_pages_are_left_alone() {
        let (status, ct, body) = call(app(), "GET", "/api/things/7").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("text/plain"));
        assert_eq!(body, "7");
        let (status, ct, _) = call(app(), "GET", "/page/x").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            ct.starts_with("text/plain"),
            "pages keep their own error pages"
        );
    }
}
