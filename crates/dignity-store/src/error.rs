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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
