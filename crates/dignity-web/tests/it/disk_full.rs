//! Nothing acknowledged is ever lost, even when the disk fills up: SQLite, and PostgreSQL
//! with its database in a tablespace on the small disk.
//!
//! The data (SQLite's data directory, PostgreSQL's tablespace) lives on a small tmpfs
//! mounted for this test (it needs root, as the test script and CI run). Eight writers create events through the API until the disk is
//! full, then space is freed and they write again. Checked as an operator would: every
//! `201` id is in the database with the title that was sent, no id was handed out twice,
//! nothing answered `507` was saved, a full disk is answered `507` (never `500`), the
//! audit chain verifies, and writes succeed again without a restart.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use dignity_core::{Actor, Role};
use dignity_store::testing::backends;
use dignity_store::{accounts, Backend, OpenOptions, Store};
use http_body_util::BodyExt;
use sqlx::Executor;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use tower::ServiceExt;

const WRITERS: usize = 8;
const PER_WRITER_FULL: usize = 150;
const PER_WRITER_AFTER: usize = 5;

/// A tmpfs mounted for the test, unmounted when dropped.
struct SmallDisk {
    mount: PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let mount = std::env::temp_dir().join(format!("dignity-full-{}", std::process::id()));
        std::fs::create_dir_all(&mount).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and needs root (as scripts/test.sh and CI run): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { mount }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mount)
            .status();
        let _ = std::fs::remove_dir(&self.mount);
    }
}

/// Fill the file system with 64 KiB files, then remove `leave` of them.
fn fill(dir: &Path, leave: usize) -> Vec<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir).unwrap();
    let chunk = vec![0x5au8; 64 * 1024];
    let mut files = Vec::new();
    for i in 0.. {
        let p = dir.join(format!("filler-{i}"));
        let mut f = std::fs::File::create(&p).unwrap();
        let ok = f.write_all(&chunk).and_then(|_| f.sync_all()).is_ok();
        files.push(p);
        if !ok {
            break;
        }
    }
    for p in files.drain(files.len().saturating_sub(leave + 1)..) {
        std::fs::remove_file(p).unwrap();
    }
    files
}

async fn call(router: &Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn create(token: &str, title: &str) -> Request<Body> {
    Request::post("/api/v1/violations/events")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({
                "title": title,
                "description": format!("{title}: {}", "details of the event. ".repeat(20)),
                "start_date": "2026-11-30",
                "confidentiality": "internal",
            })
            .to_string(),
        ))
        .unwrap()
}

/// Run `per_writer` creations on each of the writers at once: (status, id, title) each.
async fn burst(
    router: &Router,
    token: &str,
    phase: &str,
    per_writer: usize,
) -> Vec<(StatusCode, Option<i64>, String)> {
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let router = router.clone();
        let token = token.to_string();
        let phase = phase.to_string();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for n in 0..per_writer {
                let title = format!("Event {phase} writer {w} number {n}");
                let (s, body) = call(&router, create(&token, &title)).await;
                out.push((s, body["id"].as_i64(), title));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_loses_no_acknowledged_write_and_the_server_recovers() {
    // The server's log, when asked for (RUST_LOG=warn): what a full disk is logged as.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    for b in backends() {
        full_disk(b).await;
    }
}

/// On PostgreSQL: a tablespace on the small disk, owned by the server's account, and a
/// fresh database in it. Returns the database URL and the admin URL to clean up with.
async fn postgres_on(disk: &Path) -> (String, String, String) {
    let base = dignity_store::testing::postgres_url().unwrap();
    let dir = disk.join("tablespace");
    std::fs::create_dir_all(&dir).unwrap();
    let status = std::process::Command::new("chown")
        .arg("postgres")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success(), "chown the tablespace to postgres");
    let suffix = std::process::id();
    let (space, db) = (
        format!("dignity_full_{suffix}"),
        format!("dignity_full_{suffix}"),
    );
    let admin = sqlx::AnyPool::connect(&base).await.unwrap();
    admin
        .execute(format!("CREATE TABLESPACE {space} LOCATION '{}'", dir.display()).as_str())
        .await
        .unwrap();
    admin
        .execute(format!("CREATE DATABASE {db} TABLESPACE {space}").as_str())
        .await
        .unwrap();
    admin.close().await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    (format!("{prefix}/{db}"), base, db)
}

async fn full_disk(backend: Backend) {
    sqlx::any::install_default_drivers();
    let disk = SmallDisk::mount("24m");
    let mut opts = OpenOptions::new(disk.mount.join("data"));
    let mut pg = None;
    if backend == Backend::Postgres {
        opts.data_dir = dignity_store::testing::temp_dir("dignity-full-pg");
        let (url, admin, db) = postgres_on(&disk.mount).await;
        opts.database_url = Some(url);
        pg = Some((admin, db));
    }
    // Run the checks on a task of their own, so that whatever they find, the PostgreSQL
    // database and tablespace are dropped before the small disk goes (a tablespace that
    // vanished under a running server breaks every later test on that server).
    let checks = tokio::spawn(checks(backend, opts.clone(), disk.mount.clone())).await;
    store_cleanup(pg, &opts).await;
    drop(disk);
    if let Err(e) = checks {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn store_cleanup(pg: Option<(String, String)>, opts: &OpenOptions) {
    if let Some((admin, db)) = pg {
        let admin = sqlx::AnyPool::connect(&admin).await.unwrap();
        // Connections of the checks may still be closing.
        for _ in 0..50 {
            if admin
                .execute(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)").as_str())
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        admin
            .execute(format!("DROP TABLESPACE IF EXISTS {db}").as_str())
            .await
            .unwrap();
        admin.close().await;
        let _ = std::fs::remove_dir_all(&opts.data_dir);
    }
}

/// The documenter dora and her API token, made in one transaction: the token.
async fn dora_token(store: &Store) -> String {
    let mut tx = store.begin(&Actor::system()).await.unwrap();
    let u = accounts::create(
        &mut tx,
        "dora",
        "",
        Role::Documenter,
        "a long enough password",
    )
    .await
    .unwrap();
    let (_, token) = accounts::create_token(&mut tx, u.id, "test").await.unwrap();
    tx.commit().await.unwrap();
    token
}

async fn checks(backend: Backend, opts: OpenOptions, mount: PathBuf) {
    let store = Store::open(&opts).await.unwrap();
    let token = dora_token(&store).await;
    let router = dignity_web::router(dignity_web::AppState::new(
        store.clone(),
        Default::default(),
    ));

    // Leave about 256 KiB: room for some events, not for 1,200 of them.
    let fillers = fill(&mount.join("filler"), 4);
    let during = burst(&router, &token, "full", PER_WRITER_FULL).await;

    let full: Vec<_> = during
        .iter()
        .filter(|r| r.0 == StatusCode::INSUFFICIENT_STORAGE)
        .collect();
    // A full disk is answered 507; a database that cannot take the request at that moment
    // (PostgreSQL restarting, out of connections, no pooled connection in time) 503. Never
    // 500: every database failure a full disk brings is classified
    // (`dignity_store::error::classify`).
    let tolerated = |s: StatusCode| {
        s == StatusCode::CREATED
            || s == StatusCode::INSUFFICIENT_STORAGE
            || s == StatusCode::SERVICE_UNAVAILABLE
    };
    let other: Vec<_> = during.iter().filter(|r| !tolerated(r.0)).collect();
    eprintln!(
        "{backend:?}: {} requests while filling: {} saved, {} storage full, {} unavailable, {} other",
        during.len(),
        during.iter().filter(|r| r.0 == StatusCode::CREATED).count(),
        full.len(),
        during
            .iter()
            .filter(|r| r.0 == StatusCode::SERVICE_UNAVAILABLE)
            .count(),
        other.len()
    );
    assert!(
        !full.is_empty(),
        "{backend:?}: the disk never filled: {} requests, all answered {:?}",
        during.len(),
        during.first().map(|r| r.0)
    );
    assert!(
        other.is_empty(),
        "{backend:?}: a full disk must be answered 507 (or 503), never 500: {:?}",
        &other[..other.len().min(5)]
    );

    // Free the space: the same server writes again, without a restart.
    for f in fillers {
        std::fs::remove_file(f).unwrap();
    }
    let after = burst(&router, &token, "after", PER_WRITER_AFTER).await;
    assert!(
        after.iter().all(|r| r.0 == StatusCode::CREATED),
        "{backend:?}: writes must succeed again once space is free: {:?}",
        after
            .iter()
            .filter(|r| r.0 != StatusCode::CREATED)
            .take(5)
            .collect::<Vec<_>>()
    );

    // Every acknowledged id is there once, with what was acknowledged.
    let acked: Vec<(i64, String)> = during
        .iter()
        .chain(after.iter())
        .filter(|r| r.0 == StatusCode::CREATED)
        .map(|r| (r.1.expect("a 201 carries the id"), r.2.clone()))
        .collect();
    let mut seen = HashMap::new();
    for (id, title) in &acked {
        if let Some(first) = seen.insert(*id, title.clone()) {
            panic!("{backend:?}: id {id} was answered twice: {first:?} and {title:?}");
        }
    }
    for (id, title) in &acked {
        let (s, body) = call(
            &router,
            Request::get(format!("/api/v1/violations/events/{id}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "{backend:?}: acknowledged event {id} is missing"
        );
        assert_eq!(
            body["title"].as_str(),
            Some(title.as_str()),
            "{backend:?}: event {id}"
        );
    }
    // Nothing answered 507 was saved: the database holds exactly the acknowledged events.
    use sqlx::Row;
    let ids: HashSet<i64> = sqlx::query("SELECT id FROM vio_events")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let acked_ids: HashSet<i64> = acked.iter().map(|a| a.0).collect();
    assert_eq!(
        ids, acked_ids,
        "{backend:?}: the database holds other events than those acknowledged"
    );

    let report = dignity_store::audit::verify_log(&store).await.unwrap();
    assert!(
        report.ok(),
        "{backend:?}: audit verify must pass: {:?}",
        report.problems
    );
    assert!(report.anchored);
    store.close().await;
}

/// A database that cannot take the request — here every pooled connection is held, so
/// none comes in time (as when PostgreSQL restarts or refuses more connections) — is
/// answered `503` with `Retry-After`, never `500`, and nothing is saved; once connections
/// are free the same request succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_that_cannot_take_the_request_is_answered_503_not_500() {
    sqlx::any::install_default_drivers();
    for backend in backends() {
        let s = dignity_store::testing::store(backend).await;
        let token = dora_token(&s).await;
        let router = dignity_web::router(dignity_web::AppState::new(
            s.store.clone(),
            Default::default(),
        ));
        // Hold every connection of the pool.
        let mut held = Vec::new();
        while let Ok(Ok(c)) =
            tokio::time::timeout(std::time::Duration::from_millis(500), s.pool().acquire()).await
        {
            held.push(c);
        }
        assert!(!held.is_empty());
        let res = router
            .clone()
            .oneshot(create(&token, "Event while the database is unavailable"))
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{backend:?}: no connection in time is 503"
        );
        assert_eq!(res.headers()[header::RETRY_AFTER], "5");
        let body: serde_json::Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["error"]["code"], "unavailable", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("was not saved"),
            "{body}"
        );
        drop(held);
        let (st, body) = call(&router, create(&token, "Event once connections are free")).await;
        assert_eq!(st, StatusCode::CREATED, "{backend:?}: {body}");
        use sqlx::Row;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM vio_events")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{backend:?}: only the acknowledged event is saved");
    }
}
