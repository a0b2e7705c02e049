use thiserror::Error;

/// What can go wrong in storage, in words an operator can act on.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot reach the database {0}")]
    Unreachable(String),
    #[error("the data directory {0} is in use by another `dignity serve` (remove nothing: stop the other server first)")]
    Locked(String),
    #[error("keys: {0}")]
    Keys(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The record does not exist, or the actor may not read it: the two answer the same,
    /// so that the existence of a restricted record does not leak.
    #[error("not found: {0}")]
    NotFound(String),
    /// The actor may read the record (or the record does not matter) but their role, the
    /// record's level or its need-to-know list does not allow this action.
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("already exists: {0}")]
    Conflict(String),
    /// The disk (or PostgreSQL tablespace) holding the database is full: nothing of the
    /// write was saved. Free space; the server recovers by itself.
    #[error(
        "storage full: the disk holding the database has no space left; nothing was saved ({0})"
    )]
    StorageFull(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("encryption: {0}")]
    Crypto(#[from] dignity_core::crypto::CryptoError),
    #[error("schema migration {0} failed: {1}")]
    Migration(String, String),
    /// A backup archive that cannot be used: wrong passphrase, altered, damaged, or made
    /// by another schema version. Nothing was written.
    #[error("backup archive: {0}")]
    Archive(String),
    /// Reading or writing a file outside the database.
    #[error("{0}")]
    Io(String),
    #[error("internal: {0}")]
    Internal(String),
}

tokio::task_local! {
    /// Set when a storage-full error was met on this task (see [`watch_storage_full`]).
    static STORAGE_FULL_SEEN: std::cell::Cell<bool>;
}

/// Run `f` and tell whether a storage-full error was met while it ran on this task,
/// whatever became of the error afterwards (a handler may have turned it into a generic
/// failure). The web layer uses it to answer `507 Insufficient Storage` from one place.
pub async fn watch_storage_full<F: std::future::Future>(f: F) -> (F::Output, bool) {
    STORAGE_FULL_SEEN
        .scope(std::cell::Cell::new(false), async move {
            let out = f.await;
            (out, STORAGE_FULL_SEEN.with(|c| c.get()))
        })
        .await
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_storage_full(&e) {
            let _ = STORAGE_FULL_SEEN.try_with(|c| c.set(true));
            tracing::error!(error = %e, "storage full: the disk holding the database has no space left; the write was not saved");
            StoreError::StorageFull(e.to_string())
        } else {
            StoreError::Database(e)
        }
    }
}

/// SQLite's `SQLITE_FULL` (13, and its I/O error for a short write), PostgreSQL's
/// `disk_full` (53100), or an I/O error saying there is no space left.
fn is_storage_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or("");
            code == "13"
                || code == "53100"
                || d.message().contains("database or disk is full")
                || d.message().contains("No space left on device")
        }
        sqlx::Error::Io(io) => io.raw_os_error() == Some(28),
        _ => false,
    }
}

impl StoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
    /// A unique-constraint violation, on either backend.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(d)) => {
                d.is_unique_violation()
                    || d.message().contains("UNIQUE constraint failed")
                    || d.code().as_deref() == Some("23505")
            }
            _ => false,
        }
    }
}
