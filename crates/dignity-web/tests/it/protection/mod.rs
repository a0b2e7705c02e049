//! Protection over HTTP on every backend: the API with a token (defenders, missing persons,
//! status changes refused without evidence, consent enforced on share and on reads for a
//! recipient, exports that withhold), the family link page and the public memorial.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_core::{Actor, Role};
use dignity_store::accounts;
use dignity_store::protection::missing::{self as m, Consent, RelativeInput, ReportInput};
use dignity_store::testing::{backends, store, TestStore};
use dignity_store::Backend;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

mod imports;
mod missing;
mod reports;
mod vocabularies;

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => r
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => r.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, body)
}

/// A GET, with a bearer token if any.
async fn get(app: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, String) {
    call(app, "GET", path, token, None).await
}

/// Missing person `mid` shared through the API with a recipient of a kind.
async fn share(
    app: &axum::Router,
    mid: i64,
    token: Option<&str>,
    kind: &str,
    recipient: &str,
) -> (StatusCode, String) {
    call(
        app,
        "POST",
        &format!("/api/v1/protection/missing/{mid}/share"),
        token,
        Some(json!({ "recipient_kind": kind, "recipient": recipient })),
    )
    .await
}

/// The API export of missing persons for a recipient (`query`): how many cases it holds
/// and how many it withholds.
async fn export_counts(app: &axum::Router, token: Option<&str>, query: &str) -> (usize, i64) {
    let (_, body) = call(
        app,
        "POST",
        &format!("/api/v1/protection/missing/export?{query}"),
        token,
        None,
    )
    .await;
    let e: Value = serde_json::from_str(&body).unwrap();
    (
        e["cases"].as_array().unwrap().len(),
        e["withheld"].as_i64().unwrap(),
    )
}

/// A fresh store with the shipped reference data, the coordinator `cora` and her API token
/// (made in one transaction), and the router over the store.
pub(crate) async fn cora_app(b: Backend) -> (TestStore, accounts::User, String, axum::Router) {
    let st = store(b).await;
    dignity_store::refdata::load_shipped(&st).await.unwrap();
    let mut tx = st.begin(&Actor::system()).await.unwrap();
    let u = accounts::create(
        &mut tx,
        "cora",
        "",
        Role::Coordinator,
        "a long enough passphrase",
    )
    .await
    .unwrap();
    let (_, token) = accounts::create_token(&mut tx, u.id, "t").await.unwrap();
    tx.commit().await.unwrap();
    let app = dignity_web::router(dignity_web::AppState::new(
        st.store.clone(),
        Default::default(),
    ));
    (st, u, token, app)
}

/// The spouse of missing person `mid` (name and contact given) and the report the spouse
/// made on 2001-03-01, consenting to sharing with the commission only: the report's id.
async fn spouse_report(st: &TestStore, actor: &Actor, mid: i64, name: &str, contact: &str) -> i64 {
    st.write(actor, async |tx| {
        let r = m::add_relative(
            tx,
            mid,
            &RelativeInput {
                name: name.into(),
                relationship: "spouse".into(),
                contact: contact.into(),
            }
            .parse()?,
        )
        .await?;
        m::add_report(
            tx,
            mid,
            &ReportInput {
                relative_id: r,
                reported_on: "2001-03-01".into(),
                consent: Consent {
                    commission: true,
                    organisations: false,
                },
            },
        )
        .await
    })
    .await
    .unwrap()
}

async fn form(
    app: &axum::Router,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(s.finish()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let loc = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    (status, loc, body)
}

async fn audit_total(st: &dignity_store::testing::TestStore) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0)
}

async fn audit_count(st: &dignity_store::testing::TestStore, action: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0)
}
