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
    /// An input refused by a rule of `dignity-core` (typed, translated by the web layer):
    /// returned through `?` on a core `parse`.
    #[error("{0}")]
    Rejected(#[from] dignity_core::Invalid),
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
    /// The database cannot take the request now: its server is restarting or recovering
    /// (after a crash, e.g. a failed WAL write), it refuses more connections, it ran out of
    /// memory, or every pooled connection stayed busy. Nothing of the write was saved; the
    /// web layer answers `503` with `Retry-After`.
    #[error("database unavailable: the database cannot take the request now (restarting, out of connections or memory); nothing was saved ({0})")]
    Unavailable(String),
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
    /// A row of a backup archive's table that cannot be read back (not a JSON array, a
    /// value count or a value type that does not fit the table's columns): the archive is
    /// damaged. Nothing was written.
    #[error("backup archive: table {table}, row {row}: {reason}")]
    Corrupt {
        table: String,
        /// The row's line in the table's file, from 1.
        row: u64,
        reason: String,
    },
    /// Reading or writing a file outside the database.
    #[error("{0}")]
    Io(String),
    #[error("internal: {0}")]
    Internal(String),
}

/// A database failure met while serving a request that is not the request's fault and
/// not a bug: the web layer answers it from one place (see [`watch_outage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outage {
    #[default]
    None,
    /// The database's disk (or tablespace) is full: `507`.
    StorageFull,
    /// The database is restarting, out of connections or memory, or the pool stayed
    /// busy: `503` with `Retry-After`.
    Unavailable,
}

tokio::task_local! {
    /// The worst outage met on this task (see [`watch_outage`]).
    static OUTAGE_SEEN: std::cell::Cell<Outage>;
}

/// Run `f` and tell which outage (storage full, database unavailable) was met while it ran
/// on this task, whatever became of the error afterwards (a handler may have turned it into
/// a generic failure). A full disk wins over an unavailable database (a PostgreSQL server
/// whose WAL disk is full restarts: the request met both, and the cause is the disk).
pub async fn watch_outage<F: std::future::Future>(f: F) -> (F::Output, Outage) {
    OUTAGE_SEEN
        .scope(std::cell::Cell::new(Outage::None), async move {
            let out = f.await;
            (out, OUTAGE_SEEN.with(|c| c.get()))
        })
        .await
}

/// [`watch_outage`], telling only whether the disk was full.
pub async fn watch_storage_full<F: std::future::Future>(f: F) -> (F::Output, bool) {
    let (out, o) = watch_outage(f).await;
    (out, o == Outage::StorageFull)
}

fn seen(o: Outage) {
    let _ = OUTAGE_SEEN.try_with(|c| {
        if c.get() != Outage::StorageFull {
            c.set(o);
        }
    });
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match classify(&e) {
            Outage::StorageFull => {
                seen(Outage::StorageFull);
                tracing::error!(error = %e, "storage full: the disk holding the database has no space left; the write was not saved");
                StoreError::StorageFull(e.to_string())
            }
            Outage::Unavailable => {
                seen(Outage::Unavailable);
                tracing::error!(error = %e, "database unavailable (restarting, out of connections or memory, or every connection busy); the request was not saved");
                StoreError::Unavailable(e.to_string())
            }
            Outage::None => StoreError::Database(e),
        }
    }
}

/// Which outage, if any, a database error is.
///
/// Storage full: SQLite's `SQLITE_FULL` (13), PostgreSQL's `disk_full` (53100), any
/// message that says the disk has no space ("could not extend file", "could not write …
/// No space left on device", "could not write init file": a new connection that cannot
/// write the database's relation-cache file in a full tablespace), an I/O error `ENOSPC`.
///
/// Unavailable: PostgreSQL's insufficient resources but the disk (53000, 53200 out of
/// memory, 53300 too many connections, 53400), operator intervention (57P01 admin
/// shutdown, 57P02 crash shutdown — another backend crashed, e.g. a failed WAL write, and
/// the server restarts —, 57P03 cannot connect now: "the database system is in recovery
/// mode" / "is starting up"), connection exceptions (class 08), other I/O errors of PostgreSQL (58030), a connection
/// that broke (I/O errors: reset, refused, closed), and the pool giving no connection in
/// time (or closed).
pub fn classify(e: &sqlx::Error) -> Outage {
    const NO_SPACE: [&str; 4] = [
        "database or disk is full",
        "No space left on device",
        "could not extend file",
        // A new PostgreSQL connection rewrites the database's relation-cache file
        // (`pg_internal.init`, in the database's directory, i.e. in its tablespace) after
        // a catalog change anywhere on the server (creating or dropping a database, …);
        // on a full tablespace the connection fails FATAL with this message and the
        // internal_error code XX000, without the errno.
        "could not write init file",
    ];
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or("");
            let msg = d.message();
            if code == "13" || code == "53100" || NO_SPACE.iter().any(|m| msg.contains(m)) {
                Outage::StorageFull
            } else if matches!(code, "53000" | "53200" | "53300" | "53400" | "58030")
                || code.starts_with("57P0")
                || code.starts_with("08")
                || msg.contains("in recovery mode")
                || msg.contains("is starting up")
                || msg.contains("is shutting down")
            {
                Outage::Unavailable
            } else {
                Outage::None
            }
        }
        sqlx::Error::Io(io) if io.raw_os_error() == Some(28) => Outage::StorageFull,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            Outage::Unavailable
        }
        _ => Outage::None,
    }
}

impl StoreError {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_classified() {
        use std::io::{Error, ErrorKind};
        assert_eq!(classify(&sqlx::Error::PoolTimedOut), Outage::Unavailable);
        assert_eq!(classify(&sqlx::Error::PoolClosed), Outage::Unavailable);
        let reset = sqlx::Error::Io(Error::from(ErrorKind::ConnectionReset));
        assert_eq!(classify(&reset), Outage::Unavailable);
        let full = sqlx::Error::Io(Error::from_raw_os_error(28));
        assert_eq!(classify(&full), Outage::StorageFull);
        assert_eq!(classify(&sqlx::Error::RowNotFound), Outage::None);
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
    }
}
