//! Keys (issue 16, item 8): the administrators' page of the data keys (which is current,
//! how many values and evidence files use each), a rotation started from the page or the
//! API, and its progress. The rotation runs in a background task of the server
//! ([`start`]): field values in audited batches, evidence files on a blocking thread, then
//! the search index (re-sealed in place while searches go on), while the server keeps
//! answering (values decrypt under the old key or the new one throughout: both stay in the
//! key file until they are retired, a separate step with the server stopped). Its state is
//! kept in the database (`dignity_store::keys::rotation`), so a rotation interrupted by a
//! crash resumes, with the same key, when the server next starts ([`resume_at_start`]) or
//! when an administrator presses the button again.

use crate::api::ApiError;
use crate::authz::{gate, Allowed, CsrfForm, WebError};
use crate::pages::{page, CsrfOnly};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dignity_core::Actor;
use dignity_store::keys::rotation::{self as job, RotationJob};
use dignity_store::{keys, Store, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// The rotation this server runs, if any, with its live progress.
#[derive(Debug, Default)]
pub struct Runner {
    /// A background task is working on [`Runner::live`].
    pub running: bool,
    /// The latest counts of the running (or last) rotation of this process.
    pub live: Option<RotationJob>,
    /// Why the last run of this process stopped, when it failed.
    pub error: Option<String>,
}

/// Shared by the handlers and the background task.
pub type Rotation = Arc<Mutex<Runner>>;

/// Pages of this area (merged into the application router).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/keys", get(keys_page))
        .route("/admin/keys/rotate", post(rotate_form))
}

/// JSON endpoints of this area, under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/admin/keys/rotate", post(api_rotate))
        .route("/admin/keys/rotation", get(api_rotation))
}

/// The OpenAPI description of [`api_router`].
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_rotate, api_rotation),
    components(schemas(RotationJob, RotationStatus))
)]
pub struct ApiDoc;

/// A rotation's progress as the API answers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RotationStatus {
    /// The current data key.
    pub current_key: String,
    /// A background task of this server is working on the rotation.
    pub running: bool,
    /// The most recent rotation (live counts while this server runs it); none before the
    /// first.
    pub rotation: Option<RotationJob>,
    /// Why this server's last run stopped, when it failed (it resumes when started again).
    pub error: Option<String>,
}

fn lock(r: &Rotation) -> std::sync::MutexGuard<'_, Runner> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

/// The rotation to show: this process's live one, else the database's latest.
async fn status(state: &AppState) -> Result<RotationStatus, StoreError> {
    let (running, live, error) = {
        let r = lock(&state.rotation);
        (r.running, r.live.clone(), r.error.clone())
    };
    let stored = job::latest(&state.store).await?;
    // The live copy only while it is the latest rotation (another process may have
    // started one since).
    let rotation = match (live, stored) {
        (Some(l), Some(s)) if l.id == s.id && !s.finished() => Some(l),
        (_, s) => s,
    };
    Ok(RotationStatus {
        current_key: state.store.keys().current.clone(),
        running,
        rotation,
        error,
    })
}

/// Start a rotation (or resume the unfinished one) in a background task; returns the job
/// as recorded. While this server already runs one, returns it (no second task).
pub async fn start(state: &AppState, actor: &Actor) -> Result<RotationJob, StoreError> {
    let already = {
        let mut r = lock(&state.rotation);
        if r.running {
            Some(r.live.clone())
        } else {
            r.running = true;
            r.error = None;
            None
        }
    };
    match already {
        Some(Some(live)) => return Ok(live),
        // Another request is recording the rotation right now: this one gets the same
        // rotation (recorded by whichever comes first) and starts no second task.
        Some(None) => return job::begin(&state.store, actor).await.map(|(j, _)| j),
        None => {}
    }
    let (j, resumed) = match job::begin(&state.store, actor).await {
        Ok(x) => x,
        Err(e) => {
            lock(&state.rotation).running = false;
            return Err(e);
        }
    };
    if resumed {
        tracing::info!(key = %j.target_key, phase = %j.phase, "resuming the interrupted key rotation");
    } else {
        tracing::info!(key = %j.target_key, "key rotation started");
    }
    lock(&state.rotation).live = Some(j.clone());
    let (store, rotation) = (state.store.clone(), state.rotation.clone());
    let search = state.search.clone();
    let first = j.clone();
    tokio::spawn(async move {
        let r = run(&store, search.as_ref(), &rotation, first).await;
        let mut g = lock(&rotation);
        g.running = false;
        if let Err(e) = r {
            tracing::error!(error = %e, "the key rotation stopped; it resumes when started again");
            g.error = Some(e.to_string());
        }
    });
    Ok(j)
}

/// At server start: resume an unfinished rotation in the background.
pub async fn resume_at_start(state: &AppState) -> Result<(), StoreError> {
    if job::unfinished(&state.store).await?.is_some() {
        start(state, &Actor::system()).await?;
    }
    Ok(())
}

/// The phases of one rotation, with live progress into `rotation`. `search`: this
/// server's index, re-sealed in place while it keeps answering.
async fn run(
    store: &Store,
    search: Option<&dignity_search::Search>,
    rotation: &Rotation,
    mut j: RotationJob,
) -> Result<(), StoreError> {
    let on = {
        let rotation = rotation.clone();
        move |x: &RotationJob| lock(&rotation).live = Some(x.clone())
    };
    job::ensure_key(store, &j)?;
    job::run_fields(store, &mut j, &on).await?;
    job::record(store, &mut j, "files").await?;
    on(&j);
    // File I/O off the request threads.
    let (s2, on2) = (store.clone(), on.clone());
    j = tokio::task::spawn_blocking(move || {
        job::run_files(&s2, &mut j, &on2);
        j
    })
    .await
    .map_err(|e| StoreError::Internal(format!("re-encrypting evidence files: {e}")))?;
    job::record(store, &mut j, "index").await?;
    on(&j);
    let base = j.clone();
    let progress = |done: u64, total: u64| {
        let mut x = base.clone();
        x.index_done = done;
        x.index_total = total;
        on(&x);
    };
    let index = match search {
        // This server holds its index: it is re-sealed in place, file by file, while
        // searches and indexing go on (`dignity_search::at_rest`).
        Some(search) => search
            .reseal(&progress)
            .await
            .map_err(|e| StoreError::Io(e.to_string()))?,
        // A server without search (tests): the index, if any, is not held by this process.
        None => {
            let (s2, base, on2) = (store.clone(), j.clone(), on.clone());
            tokio::task::spawn_blocking(move || {
                let progress = |done: u64, total: u64| {
                    let mut x = base.clone();
                    x.index_done = done;
                    x.index_total = total;
                    on2(&x);
                };
                dignity_search::at_rest::reseal(&s2.data_dir().join("index"), &s2.keys(), &progress)
            })
            .await
            .map_err(|e| StoreError::Internal(format!("re-sealing the search index: {e}")))?
            .map_err(|e| StoreError::Io(format!("search index: {e}")))?
        }
    };
    job::index_done(&mut j, &index);
    job::record(store, &mut j, "done").await?;
    on(&j);
    tracing::info!(
        key = %j.target_key,
        values = j.fields_done,
        files = j.files_done,
        failed = j.fields_failed + j.files_failed,
        "key rotation finished"
    );
    Ok(())
}

/// One row of the keys table: a key and what uses it.
#[derive(Serialize)]
struct KeyRow {
    id: String,
    created: String,
    current: bool,
    values: u64,
    files: u64,
}

async fn keys_page(State(state): State<AppState>, ctx: Allowed<gate::ManageSettings>) -> Response {
    let r = async {
        let st = status(&state).await?;
        let usage = keys::usage(&state.store).await?;
        let files = dignity_store::keys::files::files_by_key(&state.store);
        Ok::<_, StoreError>((st, usage, files))
    }
    .await;
    let (st, usage, files) = match r {
        Ok(x) => x,
        Err(e) => return WebError::from(e).into_response(),
    };
    let k = state.store.keys();
    let mut rows: Vec<KeyRow> = k
        .data_keys
        .iter()
        .map(|d| KeyRow {
            id: d.id.clone(),
            created: d.created.clone(),
            current: d.id == k.current,
            values: usage
                .iter()
                .filter(|u| u.key_id == d.id)
                .map(|u| u.values)
                .sum(),
            files: files.get(d.id.as_str()).copied().unwrap_or(0),
        })
        .collect();
    // Values or files under a key the key file does not hold.
    let unknown_values: u64 = usage
        .iter()
        .filter(|u| !k.data_keys.iter().any(|d| d.id == u.key_id))
        .map(|u| u.values)
        .sum();
    let unknown_files: u64 = files
        .iter()
        .filter(|(id, _)| !k.data_keys.iter().any(|d| d.id == **id))
        .map(|(_, n)| *n)
        .sum();
    if unknown_values + unknown_files > 0 {
        rows.push(KeyRow {
            id: "?".into(),
            created: String::new(),
            current: false,
            values: unknown_values,
            files: unknown_files,
        });
    }
    let unfinished = st.rotation.as_ref().is_some_and(|j| !j.finished());
    page(
        &state,
        &ctx,
        "keys_admin.html",
        context! {
            keys => Value::from_serialize(&rows),
            rotation => Value::from_serialize(&st.rotation),
            running => st.running,
            unfinished => unfinished,
            error => st.error,
            // Refresh the page while the rotation runs.
            refresh => st.running || unfinished,
        },
    )
}

async fn rotate_form(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageSettings>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    match start(&state, &ctx.actor).await {
        Ok(_) => Redirect::to("/admin/keys").into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Start a key rotation (or resume the interrupted one) in the background: a new data
/// key, then every encrypted field value, evidence file and search index file re-encrypted
/// under it. Answers at once with the job; follow it with `GET /api/v1/admin/keys/rotation`.
/// While a rotation is unfinished, this resumes it (no second key).
#[utoipa::path(post, path = "/api/v1/admin/keys/rotate",
    responses((status = 202, body = RotationJob), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])))]
pub async fn api_rotate(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageSettings>,
) -> Response {
    match start(&state, &ctx.actor).await {
        Ok(j) => (StatusCode::ACCEPTED, Json(j)).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// The progress of the current (or last) key rotation: phase (`key`, `fields`, `files`,
/// `index`, `done`), counts done, in all and failed per phase.
#[utoipa::path(get, path = "/api/v1/admin/keys/rotation",
    responses((status = 200, body = RotationStatus), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("token" = [])))]
pub async fn api_rotation(
    State(state): State<AppState>,
    _ctx: Allowed<gate::ManageSettings>,
) -> Response {
    match status(&state).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[cfg(test)]
pub(crate) fn template_examples() -> Vec<(&'static str, Value, bool, bool)> {
    let keys = vec![
        context! { id => "k1", created => "2025-01-01T00:00:00Z", current => false, values => 12, files => 3 },
        context! { id => "k2", created => "2025-06-01T00:00:00Z", current => true, values => 40, files => 1 },
        context! { id => "?", created => "", current => false, values => 1, files => 0 },
    ];
    let running = RotationJob {
        id: 2,
        target_key: "k2".into(),
        started_at: "2025-06-01T00:00:00Z".into(),
        started_by: Some(1),
        phase: "files".into(),
        fields_total: 52,
        fields_done: 51,
        fields_failed: 1,
        files_total: 4,
        files_done: 1,
        ..Default::default()
    };
    let done = RotationJob {
        phase: "done".into(),
        index_total: 9,
        index_done: 9,
        index_deferred: true,
        finished_at: Some("2025-06-01T00:10:00Z".into()),
        ..running.clone()
    };
    vec![
        (
            "keys_admin.html",
            context! { keys => keys.clone(), rotation => (), running => false, unfinished => false, error => (), refresh => false },
            true,
            true,
        ),
        (
            "keys_admin.html",
            context! { keys => keys.clone(), rotation => Value::from_serialize(&running), running => true, unfinished => true, error => (), refresh => true },
            true,
            true,
        ),
        (
            "keys_admin.html",
            context! { keys => keys.clone(), rotation => Value::from_serialize(&running), running => false, unfinished => true, error => "disk full", refresh => true },
            true,
            true,
        ),
        (
            "keys_admin.html",
            context! { keys => keys, rotation => Value::from_serialize(&done), running => false, unfinished => false, error => (), refresh => false },
            true,
            true,
        ),
    ]
}
