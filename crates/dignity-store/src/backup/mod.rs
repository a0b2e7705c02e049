//! Backups and restores.
//!
//! A backup is one consistent archive made while the server runs: every table read inside
//! one transaction (REPEATABLE READ on PostgreSQL, a WAL snapshot on SQLite) and written as
//! portable JSON lines, so a backup of one backend restores into the other. The archive is
//! a gzip-compressed tar holding
//!
//! - `tables/<table>.jsonl`: one JSON array of typed values per row, in primary-key order;
//! - `files/…`: the uploaded files under `data_dir/files/`, streamed;
//! - `keys.json`: the key file, only when asked for;
//! - `manifest.json` (last): format version, schema migrations, backend, time, audit head,
//!   and per table its columns, row count and SHA-256; per file its size and SHA-256.
//!
//! Archives are encrypted by default: without a passphrase or recipients, [`backup`]
//! refuses unless [`BackupOptions::unencrypted`] is set explicitly. [`restore`] reads the
//! whole archive through and checks it (decryption, every hash) before it writes anything,
//! then reads it again into place.
//!
//! With a passphrase the whole archive is encrypted (see `seal.rs`): Argon2id and
//! XChaCha20-Poly1305 in the STREAM construction, so a wrong passphrase, an altered byte
//! or a cut-off end are refused. With age recipients (public keys, `age1…`) the archive is
//! an [age](https://age-encryption.org/v1) file instead: the server that makes nightly
//! backups then holds no secret that opens them, and the identity (private key) kept offline
//! opens them with Dignity or with the `age`/`rage` tools alone. Without a passphrase the manifest's hashes catch damage,
//! not a deliberate rewrite: encrypt backups that leave the machine.
//!
//! Without the key file the archive still holds the protected fields, as ciphertext: the
//! data cannot be read (and the audit chain cannot be verified) without the keys, which
//! must then be kept — separately and safely — by the operator.

use crate::dump::{self, encode_line, select_sql, Rows, TableHash};
use crate::seal::{OpenReader, SealError, SealWriter, MAGIC};
use crate::{audit, now, Backend, OpenOptions, Result, Store, StoreError};
use dignity_core::crypto::Keyring;
use dignity_core::Actor;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

pub use crate::dump::{ColType, Column, TableSpec};

pub const FORMAT: &str = "dignity-backup";
pub const FORMAT_VERSION: u32 = 1;

/// How to make a backup.
#[derive(Debug, Clone, Default)]
pub struct BackupOptions {
    /// Put the key file into the archive. Refused without a passphrase unless
    /// `allow_plaintext_keys`: a backup with the keys in clear gives away every protected
    /// name to whoever finds it.
    pub include_keys: bool,
    /// Encrypt the whole archive with this passphrase (at least 12 characters).
    pub passphrase: Option<String>,
    /// Allow `include_keys` without a passphrase.
    pub allow_plaintext_keys: bool,
    /// Encrypt the whole archive to these age recipients (`age1…` public keys) instead of
    /// a passphrase.
    pub recipients: Vec<String>,
    /// Write the archive without encryption. Backups are encrypted by default: without a
    /// passphrase or recipients, a backup is refused unless this is set.
    pub unencrypted: bool,
}

impl BackupOptions {
    /// An unencrypted archive without keys (tests, benchmarks, local copies).
    pub fn unencrypted() -> Self {
        BackupOptions {
            unencrypted: true,
            ..Default::default()
        }
    }
}

/// How to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// The archive's passphrase, if it is encrypted with one.
    pub passphrase: Option<String>,
    /// The text of an age identity file (`AGE-SECRET-KEY-1…` lines), if the archive is
    /// encrypted to age recipients.
    pub identities: Option<String>,
    /// Replace the contents of a target that is not empty. Nothing is deleted outside the
    /// database: the target's `files/` and a differing key file are moved aside.
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    #[serde(flatten)]
    pub spec: TableSpec,
    /// Path inside the archive.
    pub file: String,
    pub rows: u64,
    /// SHA-256 of the file: the table's content hash (see `dump.rs`).
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to `data_dir/files/`, `/`-separated.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub dignity_version: String,
    pub created_at: String,
    /// `sqlite` or `postgres`: where the data came from.
    pub backend: String,
    /// Schema migrations of the data, in order.
    pub migrations: Vec<String>,
    /// The audit chain's head in the dump.
    pub audit_head: AuditHead,
    /// In insertion order (parents first).
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
    pub keys_included: bool,
    pub keys_sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    pub name: String,
    pub rows: u64,
}

/// What [`backup`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub created_at: String,
    pub tables: Vec<TableCount>,
    pub rows: u64,
    pub files: u64,
    pub file_bytes: u64,
    /// Entries under `files/` that are not plain files (links, devices): not included.
    pub skipped: Vec<String>,
    pub keys_included: bool,
    pub encrypted: bool,
    pub audit_head_seq: i64,
    /// Things the operator must know (read them out).
    pub notes: Vec<String>,
}

/// What [`restore`] did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    /// When the backup was made, and from which backend.
    pub created_at: String,
    pub source_backend: String,
    pub tables: Vec<TableCount>,
    pub rows: u64,
    pub files: u64,
    /// Where the keys came from.
    pub keys: String,
    /// The audit chain of the restored data, checked with the target's keys.
    pub audit: audit::VerifyReport,
    /// Encrypted field values found, and how many of them do not decrypt with the keys.
    pub encrypted_values: u64,
    pub undecryptable_values: u64,
    /// Things that were in the target and were moved aside (never deleted).
    pub moved_aside: Vec<PathBuf>,
    pub notes: Vec<String>,
}

fn io_err(what: impl std::fmt::Display) -> impl FnOnce(io::Error) -> StoreError {
    move |e| StoreError::Io(format!("{what}: {e}"))
}

/// A private directory inside the data directory (same file system, same protection as
/// the database), removed when dropped.
pub(crate) struct WorkDir(PathBuf);

impl WorkDir {
    pub(crate) fn new(parent: &Path, prefix: &str) -> Result<WorkDir> {
        std::fs::create_dir_all(parent).map_err(io_err(parent.display()))?;
        let p = parent.join(format!(
            ".{prefix}-{}",
            dignity_core::password::random_token(9)
        ));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&p).map_err(io_err(p.display()))?;
        Ok(WorkDir(p))
    }
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

mod create;
mod restore;
mod unpack;

pub use create::{backup, new_age_identity};
pub use restore::restore;
pub use unpack::{table_digests, verify_archive, verify_archive_with};
