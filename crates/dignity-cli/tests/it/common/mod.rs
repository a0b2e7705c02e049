//! What the cli tests share: the `dignity` binary run as a script runs it, its output, and
//! a look into the data directory through the store.
#![allow(dead_code)]

use dignity_store::{OpenOptions, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The passphrase of every account the tests create.
pub const PW: &str = "a long enough passphrase";

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dignity")
}

/// A fresh temporary directory for one test.
pub fn dir(name: &str) -> PathBuf {
    dignity_store::testing::temp_dir(name)
}

/// `dignity ARGS --data-dir DATA`, on SQLite whatever the environment says, with no
/// passphrase or crash point taken from the environment (a test sets what it needs with
/// `.env`), quiet logs and no input.
pub fn cmd(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("DIGNITY_DATABASE_URL")
        .env_remove("DIGNITY_BACKUP_PASSPHRASE")
        .env_remove("DIGNITY_KEY_PASSPHRASE")
        .env_remove("DIGNITY_KEY_PASSPHRASE_FILE")
        .env_remove("DIGNITY_NEW_KEY_PASSPHRASE")
        .env_remove("DIGNITY_PERSON_KEYS")
        .env_remove("DIGNITY_TEST_CRASH_AT")
        .env("DIGNITY_LOG", "warn")
        .stdin(Stdio::null());
    c
}

/// Start `c` with `stdin` typed into it and its output piped.
pub fn spawn_fed(mut c: Command, stdin: &str) -> Child {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child
}

/// Run `c` with `stdin` typed into it, and wait for its output.
pub fn feed(c: Command, stdin: &str) -> Output {
    spawn_fed(c, stdin).wait_with_output().unwrap()
}

/// `dignity ARGS --data-dir DATA` with `stdin` typed into it.
pub fn run(data: &Path, args: &[&str], stdin: &str) -> Output {
    feed(cmd(data, args), stdin)
}

/// `dignity ARGS --data-dir DATA` with [`PW`] typed into it (for a command that asks).
pub fn run_pw(data: &Path, args: &[&str]) -> Output {
    run(data, args, &format!("{PW}\n"))
}

/// `dignity ARGS --data-dir DATA` with no input, which must succeed.
pub fn run_ok(data: &Path, args: &[&str]) -> Output {
    let o = cmd(data, args).output().unwrap();
    assert!(
        o.status.success(),
        "dignity {}: {}",
        args.join(" "),
        out(&o)
    );
    o
}

/// What a command wrote, stdout then stderr.
pub fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `dignity user add NAME --role ROLE` with [`PW`] as the passphrase, which must succeed.
pub fn add_user(data: &Path, name: &str, role: &str) {
    let o = run_pw(data, &["user", "add", name, "--role", role]);
    assert!(o.status.success(), "{}", out(&o));
}

/// `dignity user add NAME --role admin --display-name DISPLAY` with [`PW`] typed into it.
pub fn add_admin_shown_as(data: &Path, name: &str, display: &str) -> Output {
    let args = [
        "user",
        "add",
        name,
        "--role",
        "admin",
        "--display-name",
        display,
    ];
    run_pw(data, &args)
}

/// `dignity user add NAME --role admin --generate-password`, which must succeed.
pub fn add_admin(data: &Path, name: &str) {
    run_ok(
        data,
        &[
            "user",
            "add",
            name,
            "--role",
            "admin",
            "--generate-password",
        ],
    );
}

/// The store of a data directory, opened as the product opens it.
pub async fn open(data: &Path) -> Store {
    sqlx::any::install_default_drivers();
    Store::open(&OpenOptions::new(data.to_path_buf()))
        .await
        .unwrap()
}

/// `f` run on the store of a data directory, from a test that is not async.
pub fn with_store<T>(data: &Path, f: impl AsyncFnOnce(&Store) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = open(data).await;
        let v = f(&store).await;
        store.close().await;
        v
    })
}

/// The number a query gives (read through the store, as the pages count).
pub fn scalar(data: &Path, sql: &str) -> i64 {
    with_store(data, async |s: &Store| {
        sqlx::query_scalar(sql).fetch_one(s.pool()).await.unwrap()
    })
}

/// Rows of a table in the database.
pub fn count(data: &Path, table: &str) -> i64 {
    scalar(data, &format!("SELECT COUNT(*) FROM {table}"))
}

/// Whether `needle` (not empty) stands anywhere in `hay`.
pub fn contains(hay: &[u8], needle: impl AsRef<[u8]>) -> bool {
    let needle = needle.as_ref();
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The first column of the rows that `sql` (a query without parameters) returns.
pub async fn column<T>(s: &Store, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    let rows = sqlx::query(sql).fetch_all(s.pool()).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}
