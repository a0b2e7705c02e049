//! What the in-process page benchmarks share (`fields`, `reports`): bench users, the
//! generated violations data, and the application's router signed in as one user, with
//! timed GETs through it (no TCP socket).

use anyhow::Result;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use dignity_cli::violations::{self, DemoCmd};
use dignity_core::{Actor, Role};
use dignity_store::{accounts, Store};
use futures_util::StreamExt;
use tower::ServiceExt;

/// The passphrase of every bench user.
pub const PW: &str = "a long enough passphrase";

/// A new bench user: its id.
pub async fn create_user(store: &Store, name: &str, role: Role) -> Result<i64> {
    let mut tx = store.begin(&Actor::system()).await?;
    let u = accounts::create(&mut tx, name, "", role, PW).await?;
    tx.commit().await?;
    Ok(u.id)
}

/// A new bench user and an API token of it (named `bench`), made in one transaction.
pub async fn user_with_token(
    store: &Store,
    name: &str,
    role: Role,
) -> Result<(accounts::User, String)> {
    let mut tx = store.begin(&Actor::system()).await?;
    let u = accounts::create(&mut tx, name, "", role, PW).await?;
    let (_, token) = accounts::create_token(&mut tx, u.id, "bench").await?;
    tx.commit().await?;
    Ok((u, token))
}

/// `events` events of the violations generator (`dignity demo generate`, seed 1), imported
/// through the import path as `bench-documenter`.
pub async fn generate(store: &Store, events: usize) -> Result<()> {
    violations::demo(
        store,
        DemoCmd::Generate {
            events,
            seed: 1,
            csv: None,
            as_user: Some("bench-documenter".into()),
        },
    )
    .await?;
    Ok(())
}

/// The application's router and the session cookie of `user` (a new four-hour session).
pub async fn signed_in(store: &Store, user: i64) -> Result<(axum::Router, String)> {
    let mut tx = store.begin(&Actor::system()).await?;
    let sess = accounts::create_session(&mut tx, user, "full", chrono::Duration::hours(4)).await?;
    tx.audit(
        "bench.session",
        "user",
        &user.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    tx.commit().await?;
    let cookie = format!("dignity_session={sess}");
    let router = dignity_web::router(dignity_web::AppState::new(
        store.clone(),
        Default::default(),
    ));
    Ok((router, cookie))
}

/// GET `path` through the router with the cookie; it must answer 200. The body's size.
pub async fn get(router: &axum::Router, cookie: &str, path: &str) -> Result<usize> {
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())?;
    let res = router.clone().oneshot(req).await?;
    anyhow::ensure!(
        res.status() == StatusCode::OK,
        "{path} answered {}",
        res.status()
    );
    let mut s = res.into_body().into_data_stream();
    let mut bytes = 0;
    while let Some(c) = s.next().await {
        bytes += c.map_err(|e| anyhow::anyhow!("{e}"))?.len();
    }
    Ok(bytes)
}
