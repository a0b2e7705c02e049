//! An export is a POST checked for its CSRF token; a GET exports nothing and writes nothing.

use super::*;

/// Hole 12: a GET never writes. The export writes its audit entry, so it is a POST: the
/// page's form carries the CSRF token, a cookie-authenticated API call needs the token or
/// this server's `Origin`, a bearer token neither; GET exports nothing and logs nothing.
#[tokio::test]
async fn exports_are_posts_checked_for_csrf_and_get_writes_nothing() {
    let app = app(Backend::Sqlite).await;

    // GET: the API has no such route (405); the page sends the reader back to the
    // search, with the same search, where the form is.
    let (s, _, _) = send(
        &app,
        get("/api/v1/search/export?type=vio_events&format=csv", &app.ana),
    )
    .await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    let (s, h, _) = send(
        &app,
        get("/search/export?record_type=vio_events&format=csv", &app.ana),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        h[header::LOCATION],
        "/search?record_type=vio_events&format=csv"
    );
    assert!(export_audits(&app.store).await.is_empty());

    // The page's form: without the token refused, nothing exported or logged.
    let (_, _, body) = send(&app, get("/search?type=vio_events", &app.ana)).await;
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("<form method=\"post\" action=\"/search/export\""));
    let token = csrf(&page);
    let form = "record_type=vio_events&format=csv";
    let (s, _, body) = send(&app, post("/search/export", &app.ana, form.into())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!String::from_utf8(body).unwrap().contains("Belgrade"));
    let (s, _, _) = send(
        &app,
        post("/search/export", &app.ana, format!("csrf_token=x&{form}")),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(export_audits(&app.store).await.is_empty());
    // With it: the file, and one audit entry.
    let (s, h, body) = send(
        &app,
        post(
            "/search/export",
            &app.ana,
            format!("csrf_token={token}&{form}"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let (head, rows) = csv_rows(&body);
    assert_eq!(rows.len(), 2, "{head:?}");
    assert_eq!(export_audits(&app.store).await.len(), 1);

    // The API with the session cookie: neither token nor Origin → refused (a forged
    // cross-site POST); with the token in X-CSRF-Token → exported.
    let q = "/api/v1/search/export?type=vio_events&format=csv";
    let forged = Request::post(q)
        .header(header::COOKIE, &app.ana)
        .body(Body::empty())
        .unwrap();
    let (s, _, body) = send(&app, forged).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let e: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(e["error"]["code"], "csrf");
    assert_eq!(export_audits(&app.store).await.len(), 1);
    let with_token = Request::post(q)
        .header(header::COOKIE, &app.ana)
        .header("x-csrf-token", &token)
        .body(Body::empty())
        .unwrap();
    let (s, _, _) = send(&app, with_token).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(export_audits(&app.store).await.len(), 2);
}
