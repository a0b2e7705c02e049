//! Fresh stores for tests, on every backend the test run has.
//!
//! SQLite always; PostgreSQL when `DIGNITY_TEST_POSTGRES_URL` points at a server (the
//! test script starts one). Each call makes a new database, so tests never share state.
//! When `CI` is set and no PostgreSQL is given, this panics: CI must test both backends.

use crate::{Backend, OpenOptions, Store};
use sqlx::Executor;
use std::path::PathBuf;

pub mod fixtures;

/// A store in a fresh temporary data directory (and database). The directory is removed
/// when this is dropped.
pub struct TestStore {
    pub store: Store,
    pub opts: OpenOptions,
    dir: PathBuf,
}

impl std::ops::Deref for TestStore {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new empty temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "{prefix}-{}",
        dignity_core::password::random_token(9).replace(['-', '_'], "x")
    ));
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// The PostgreSQL server URL for tests, if any.
pub fn postgres_url() -> Option<String> {
    match std::env::var("DIGNITY_TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
                panic!("CI must test PostgreSQL too: set DIGNITY_TEST_POSTGRES_URL (the test script does)");
            }
            None
        }
    }
}

/// The backends this test run covers.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        b.push(Backend::Postgres);
    }
    b
}

/// Create a fresh database on the test PostgreSQL server; returns its URL.
pub async fn fresh_postgres_database() -> String {
    let base = postgres_url().expect("DIGNITY_TEST_POSTGRES_URL");
    sqlx::any::install_default_drivers();
    let name = format!(
        "dignity_t_{}",
        dignity_core::password::random_token(9)
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    let admin = sqlx::AnyPool::connect(&base)
        .await
        .expect("connect to the test PostgreSQL server");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("URL has a database name");
    format!("{prefix}/{name}")
}

/// A fresh store on `backend`.
pub async fn store(backend: Backend) -> TestStore {
    let dir = temp_dir("dignity-test");
    let mut opts = OpenOptions::new(dir.join("data"));
    if backend == Backend::Postgres {
        opts.database_url = Some(fresh_postgres_database().await);
    }
    let store = Store::open(&opts).await.expect("open test store");
    TestStore { store, opts, dir }
}
