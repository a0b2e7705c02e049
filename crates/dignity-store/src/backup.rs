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

fn check_passphrase(p: &str) -> Result<()> {
    dignity_core::password::check_policy(p)
        .map_err(|e| StoreError::invalid("passphrase", e.to_string()))
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Make one consistent backup of `store` at `out` (which must not exist yet).
pub async fn backup(store: &Store, out: &Path, opts: &BackupOptions) -> Result<BackupSummary> {
    let recipients = parse_recipients(&opts.recipients)?;
    if !recipients.is_empty() && opts.passphrase.is_some() {
        return Err(StoreError::invalid(
            "recipients",
            "give either a passphrase or age recipients, not both",
        ));
    }
    let encrypted = opts.passphrase.is_some() || !recipients.is_empty();
    if encrypted && opts.unencrypted {
        return Err(StoreError::invalid(
            "unencrypted",
            "asked for an unencrypted archive and gave a passphrase or recipients: choose one",
        ));
    }
    if !encrypted && !opts.unencrypted {
        return Err(StoreError::invalid(
            "passphrase",
            "backups are encrypted: give a passphrase or age recipients (or explicitly ask \
             for an unencrypted archive)",
        ));
    }
    if opts.include_keys && !encrypted && !opts.allow_plaintext_keys {
        return Err(StoreError::invalid(
            "keys",
            "refusing to write the key file into an unencrypted archive: give a passphrase, \
             or explicitly allow plaintext keys",
        ));
    }
    if let Some(p) = &opts.passphrase {
        check_passphrase(p)?;
    }
    if out.exists() {
        return Err(StoreError::Conflict(format!(
            "{} exists: choose a new file name",
            out.display()
        )));
    }
    let files_dir = store.data_dir().join("files");
    let out_dir = match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(p) => p.canonicalize(),
        None => std::env::current_dir(),
    }
    .map_err(io_err(out.display()))?;
    if files_dir
        .canonicalize()
        .is_ok_and(|f| out_dir.starts_with(f))
    {
        return Err(StoreError::invalid(
            "out",
            "the backup cannot be written inside the uploaded files it backs up",
        ));
    }
    let created_at = now();
    let work = WorkDir::new(store.data_dir(), "backup")?;
    let tables_dir = work.path().join("tables");
    std::fs::create_dir(&tables_dir).map_err(io_err(tables_dir.display()))?;

    // One snapshot for every table.
    let specs = dump::table_specs(store).await?;
    let mut tx = dump::begin_snapshot(store).await?;
    let migrations = dump::applied_migrations(&mut tx).await?;
    let mut tables = Vec::with_capacity(specs.len());
    for spec in &specs {
        let file = format!("tables/{}.jsonl", spec.name);
        let path = work.path().join(&file);
        let f = crate::private::open_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(io_err(path.display()))?;
        let mut w = BufWriter::new(f);
        let sql = select_sql(spec, store.backend());
        let mut rows = Rows::new(&mut tx, &sql, spec);
        let mut h = TableHash::default();
        while let Some(r) = rows.next().await? {
            let line = encode_line(&r);
            w.write_all(line.as_bytes())
                .map_err(io_err(path.display()))?;
            h.add(&line);
        }
        drop(rows);
        w.flush().map_err(io_err(path.display()))?;
        let (rows, sha256) = h.finish();
        tables.push(TableEntry {
            spec: spec.clone(),
            file,
            rows,
            sha256,
        });
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let audit_head = AuditHead {
        seq: head.get(0),
        hash: head.get(1),
    };
    tx.rollback().await?;

    let keys = if opts.include_keys {
        let bytes = std::fs::read(store.key_path()).map_err(io_err(store.key_path().display()))?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|_| StoreError::Keys("the key file is not text".into()))?;
        // Clear or sealed: a sealed key file goes into the archive sealed.
        crate::keyfile::check_text(&text)?;
        Some(bytes)
    } else {
        None
    };
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        dignity_version: env!("CARGO_PKG_VERSION").into(),
        created_at: created_at.clone(),
        backend: backend_name(store.backend()).into(),
        migrations,
        audit_head,
        tables,
        files: Vec::new(),
        keys_included: keys.is_some(),
        keys_sha256: keys.as_ref().map(|k| hex::encode(Sha256::digest(k))),
    };

    let out_owned = out.to_path_buf();
    let lock = match &opts.passphrase {
        Some(p) => Lock::Passphrase(p.clone()),
        None if !recipients.is_empty() => Lock::Age(recipients),
        None => Lock::Plain,
    };
    let work_path = work.path().to_path_buf();
    let (manifest, bytes, skipped) = tokio::task::spawn_blocking(move || {
        write_archive(&out_owned, &lock, &work_path, manifest, &files_dir, keys)
    })
    .await
    .map_err(|e| StoreError::Internal(format!("backup task: {e}")))??;
    drop(work);

    let mut notes = Vec::new();
    if manifest.keys_included {
        if !encrypted {
            notes.push(
                "The archive holds the key file IN CLEAR: anyone who gets it can read every \
                 protected field. Keep it offline and encrypted."
                    .into(),
            );
        }
    } else {
        notes.push(format!(
            "The archive does not hold the key file: protected fields are in it as \
             ciphertext, and neither they nor the audit chain can be read without the key \
             file ({}). Keep a copy of that file somewhere safe, apart from this backup.",
            store.key_path().display()
        ));
    }
    if !encrypted {
        notes.push(
            "The archive is not encrypted: it holds user names and everything that is not \
             field-encrypted in clear, and its hashes detect damage but not a deliberate \
             rewrite."
                .into(),
        );
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "{} entries under files/ are not plain files and were left out",
            skipped.len()
        ));
    }
    Ok(BackupSummary {
        path: out.to_path_buf(),
        bytes,
        created_at,
        rows: manifest.tables.iter().map(|t| t.rows).sum(),
        tables: manifest
            .tables
            .iter()
            .map(|t| TableCount {
                name: t.spec.name.clone(),
                rows: t.rows,
            })
            .collect(),
        files: manifest.files.len() as u64,
        file_bytes: manifest.files.iter().map(|f| f.bytes).sum(),
        skipped,
        keys_included: manifest.keys_included,
        encrypted,
        audit_head_seq: manifest.audit_head.seq,
        notes,
    })
}

enum Sink {
    Plain(BufWriter<std::fs::File>),
    Sealed(SealWriter<BufWriter<std::fs::File>>),
    Age(age::stream::StreamWriter<BufWriter<std::fs::File>>),
}

/// How an archive is written.
enum Lock {
    Plain,
    Passphrase(String),
    Age(Vec<age::x25519::Recipient>),
}

/// The first bytes of an age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>> {
    list.iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty() && !r.starts_with('#'))
        .map(|r| {
            r.parse::<age::x25519::Recipient>().map_err(|e| {
                StoreError::invalid("recipients", format!("{r:?} is not an age recipient: {e}"))
            })
        })
        .collect()
}

/// A new age key pair for backups: (identity `AGE-SECRET-KEY-1…`, recipient `age1…`).
pub fn new_age_identity() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    (
        id.to_string().expose_secret().to_string(),
        id.to_public().to_string(),
    )
}

fn parse_identities(text: &str) -> Result<Vec<age::x25519::Identity>> {
    let ids: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.parse::<age::x25519::Identity>().map_err(|e| {
                StoreError::invalid(
                    "identity",
                    format!("not an age identity (AGE-SECRET-KEY-1…): {e}"),
                )
            })
        })
        .collect::<Result<_>>()?;
    if ids.is_empty() {
        return Err(StoreError::invalid(
            "identity",
            "the identity file holds no AGE-SECRET-KEY-1… line",
        ));
    }
    Ok(ids)
}

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(b),
            Sink::Sealed(w) => w.write(b),
            Sink::Age(w) => w.write(b),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Sealed(w) => w.flush(),
            Sink::Age(w) => w.flush(),
        }
    }
}

/// Hashes and counts what is read through it.
struct HashRead<R> {
    inner: R,
    hasher: Sha256,
    n: u64,
}

impl<R: Read> Read for HashRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
}

/// Regular files under `dir`, sorted, as (`/`-separated relative path, absolute path);
/// anything else is listed in `skipped`.
fn walk(
    dir: &Path,
    rel: &str,
    out: &mut Vec<(String, PathBuf)>,
    skipped: &mut Vec<String>,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io_err(dir.display()))?
        .collect::<io::Result<Vec<_>>>()
        .map_err(io_err(dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            skipped.push(format!("{rel}{}", name.to_string_lossy()));
            continue;
        };
        let r = format!("{rel}{name}");
        let t = e.file_type().map_err(io_err(e.path().display()))?;
        if t.is_dir() {
            walk(&e.path(), &format!("{r}/"), out, skipped)?;
        } else if t.is_file() {
            out.push((r, e.path()));
        } else {
            skipped.push(r);
        }
    }
    Ok(())
}

fn tar_header(size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

fn write_archive(
    out: &Path,
    lock: &Lock,
    work: &Path,
    mut manifest: Manifest,
    files_dir: &Path,
    keys: Option<Vec<u8>>,
) -> Result<(Manifest, u64, Vec<String>)> {
    let tmp = out.with_file_name(format!(
        ".{}.partial",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup".into())
    ));
    let r = (|| -> Result<(Manifest, u64, Vec<String>)> {
        let mut oo = std::fs::OpenOptions::new();
        oo.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            oo.mode(0o600);
        }
        let f = oo.open(&tmp).map_err(io_err(tmp.display()))?;
        let buf = BufWriter::with_capacity(256 * 1024, f);
        let sink = match lock {
            Lock::Passphrase(p) => Sink::Sealed(SealWriter::new(buf, p).map_err(|e| match e {
                SealError::Io(e) => StoreError::Io(format!("{}: {e}", tmp.display())),
                other => StoreError::Archive(other.to_string()),
            })?),
            Lock::Age(rs) => {
                let enc =
                    age::Encryptor::with_recipients(rs.iter().map(|r| r as &dyn age::Recipient))
                        .map_err(|e| StoreError::Archive(format!("age: {e}")))?;
                Sink::Age(enc.wrap_output(buf).map_err(io_err(tmp.display()))?)
            }
            Lock::Plain => Sink::Plain(buf),
        };
        let gz = flate2::write::GzEncoder::new(sink, flate2::Compression::new(3));
        let mut tar = tar::Builder::new(gz);
        let mtime = chrono::Utc::now().timestamp().max(0) as u64;
        let werr = io_err(format!("writing {}", out.display()));

        for t in &manifest.tables {
            let p = work.join(&t.file);
            let f = std::fs::File::open(&p).map_err(io_err(p.display()))?;
            let len = f.metadata().map_err(io_err(p.display()))?.len();
            tar.append_data(&mut tar_header(len, mtime), &t.file, f)
                .map_err(io_err(format!("writing {}", out.display())))?;
        }
        let mut skipped = Vec::new();
        if files_dir.is_dir() {
            let mut list = Vec::new();
            walk(files_dir, "", &mut list, &mut skipped)?;
            for (rel, abs) in list {
                let f = std::fs::File::open(&abs).map_err(io_err(abs.display()))?;
                let len = f.metadata().map_err(io_err(abs.display()))?.len();
                let mut hr = HashRead {
                    inner: f.take(len),
                    hasher: Sha256::new(),
                    n: 0,
                };
                tar.append_data(&mut tar_header(len, mtime), format!("files/{rel}"), &mut hr)
                    .map_err(io_err(format!("writing {}", out.display())))?;
                if hr.n != len {
                    return Err(StoreError::Io(format!(
                        "{} changed size while it was backed up",
                        abs.display()
                    )));
                }
                manifest.files.push(FileEntry {
                    path: rel,
                    bytes: len,
                    sha256: hex::encode(hr.hasher.finalize()),
                });
            }
        }
        if let Some(k) = &keys {
            tar.append_data(&mut tar_header(k.len() as u64, mtime), "keys.json", &k[..])
                .map_err(io_err(format!("writing {}", out.display())))?;
        }
        let m = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        tar.append_data(
            &mut tar_header(m.len() as u64, mtime),
            "manifest.json",
            &m[..],
        )
        .map_err(io_err(format!("writing {}", out.display())))?;
        let gz = tar
            .into_inner()
            .map_err(io_err(format!("writing {}", out.display())))?;
        let sink = gz
            .finish()
            .map_err(io_err(format!("writing {}", out.display())))?;
        let buf = match sink {
            Sink::Plain(b) => b,
            Sink::Sealed(s) => s
                .finish()
                .map_err(io_err(format!("writing {}", out.display())))?,
            Sink::Age(s) => s
                .finish()
                .map_err(io_err(format!("writing {}", out.display())))?,
        };
        let f = buf.into_inner().map_err(|e| werr(e.into_error()))?;
        f.sync_all().map_err(io_err(tmp.display()))?;
        let bytes = f.metadata().map_err(io_err(tmp.display()))?.len();
        if out.exists() {
            return Err(StoreError::Conflict(format!(
                "{} appeared while the backup was written",
                out.display()
            )));
        }
        std::fs::rename(&tmp, out).map_err(io_err(out.display()))?;
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok((manifest, bytes, skipped))
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// What came out of an archive (into the work directory, or only hashed).
struct Extracted {
    manifest: Manifest,
    /// The key file's text (clear or sealed), checked.
    keys: Option<String>,
    encrypted: bool,
}

/// Hash and count newlines of what is written through it.
struct HashWrite<W> {
    inner: W,
    hasher: Sha256,
    n: u64,
    lines: u64,
}

impl<W: Write> Write for HashWrite<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(b)?;
        self.hasher.update(&b[..n]);
        self.n += n as u64;
        self.lines += b[..n].iter().filter(|c| **c == b'\n').count() as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn damaged(m: impl std::fmt::Display) -> StoreError {
    StoreError::Archive(format!("{m}; nothing was written"))
}

/// Read the archive through, check every table file, file and the key file against the
/// manifest. With `work`, tables and files are written there; without, only hashed.
fn extract(archive: &Path, opts: &RestoreOptions, work: Option<&Path>) -> Result<Extracted> {
    let passphrase = opts.passphrase.as_deref();
    let mut f = std::fs::File::open(archive).map_err(io_err(archive.display()))?;
    let mut head = [0u8; 22];
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..]).map_err(io_err(archive.display()))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    drop(f);
    let magic = &head[..n.min(8)];
    let f = std::fs::File::open(archive).map_err(io_err(archive.display()))?;
    let buf = BufReader::with_capacity(256 * 1024, f);
    let sealed = magic == MAGIC;
    let aged = &head[..n] == AGE_MAGIC;
    let encrypted = sealed || aged;
    let reader: Box<dyn Read> = if aged {
        let text = opts.identities.as_deref().ok_or_else(|| {
            StoreError::Archive(
                "the archive is encrypted to age recipients: give the identity file".into(),
            )
        })?;
        let ids = parse_identities(text)?;
        let dec = age::Decryptor::new(buf)
            .map_err(|e| damaged(format!("cannot read the archive's age header: {e}")))?;
        Box::new(
            dec.decrypt(ids.iter().map(|i| i as &dyn age::Identity))
                .map_err(|e| match e {
                    age::DecryptError::NoMatchingKeys => StoreError::Archive(
                        "none of the given identities opens this archive".into(),
                    ),
                    e => damaged(format!("cannot decrypt the archive: {e}")),
                })?,
        )
    } else if sealed {
        let p = passphrase.ok_or_else(|| {
            StoreError::Archive("the archive is encrypted: give its passphrase".into())
        })?;
        Box::new(OpenReader::new(buf, p).map_err(|e| match e {
            SealError::Io(e) => damaged(format!("cannot read the archive: {e}")),
            other => StoreError::Archive(other.to_string()),
        })?)
    } else if n >= 2 && head[..2] == [0x1f, 0x8b] {
        Box::new(buf)
    } else {
        return Err(StoreError::Archive(format!(
            "{} is not a Dignity backup",
            archive.display()
        )));
    };
    let read_err = |e: io::Error| {
        damaged(format!(
            "the archive is damaged or was altered (cannot read it: {e})"
        ))
    };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let mut manifest_bytes = None;
    let mut key_bytes = None;
    // name -> (bytes, sha256, lines)
    let mut seen: BTreeMap<String, (u64, String, u64)> = BTreeMap::new();
    for entry in tar.entries().map_err(read_err)? {
        let mut entry = entry.map_err(read_err)?;
        let path = entry.path().map_err(read_err)?.into_owned();
        let safe =
            path.components().all(|c| matches!(c, Component::Normal(_))) && path.to_str().is_some();
        if !safe {
            return Err(damaged(format!(
                "the archive holds an unsafe path {:?}",
                path.display()
            )));
        }
        let name = path.to_str().expect("checked").to_string();
        match entry.header().entry_type() {
            tar::EntryType::Directory => continue,
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            other => {
                return Err(damaged(format!(
                    "the archive holds {name} of an unexpected kind ({other:?})"
                )))
            }
        }
        if name == "manifest.json" || name == "keys.json" {
            let mut v = Vec::new();
            (&mut entry)
                .take(1 << 29)
                .read_to_end(&mut v)
                .map_err(read_err)?;
            if name == "manifest.json" {
                manifest_bytes = Some(v);
            } else {
                key_bytes = Some(v);
            }
            continue;
        }
        let is_table = name
            .strip_prefix("tables/")
            .is_some_and(|t| t.ends_with(".jsonl") && !t.contains('/'));
        if !is_table && !name.starts_with("files/") {
            return Err(damaged(format!(
                "the archive holds an unexpected entry {name}"
            )));
        }
        if seen.contains_key(&name) {
            return Err(damaged(format!("the archive holds {name} twice")));
        }
        let sink: Box<dyn Write> = match work {
            Some(w) => {
                let dest = w.join(&path);
                if let Some(parent) = dest.parent() {
                    crate::private::create_dir(parent).map_err(io_err(parent.display()))?;
                }
                let f = crate::private::open_options()
                    .write(true)
                    .create_new(true)
                    .open(&dest)
                    .map_err(io_err(dest.display()))?;
                Box::new(BufWriter::new(f))
            }
            None => Box::new(io::sink()),
        };
        let mut hw = HashWrite {
            inner: sink,
            hasher: Sha256::new(),
            n: 0,
            lines: 0,
        };
        io::copy(&mut entry, &mut hw).map_err(read_err)?;
        hw.flush().map_err(read_err)?;
        seen.insert(name, (hw.n, hex::encode(hw.hasher.finalize()), hw.lines));
    }
    // Read to the very end: the gzip checksum and the encryption's last block are there.
    io::copy(&mut tar.into_inner(), &mut io::sink()).map_err(read_err)?;

    let manifest: Manifest = serde_json::from_slice(
        &manifest_bytes.ok_or_else(|| damaged("the archive has no manifest"))?,
    )
    .map_err(|e| damaged(format!("the manifest is not valid: {e}")))?;
    if manifest.format != FORMAT || manifest.format_version > FORMAT_VERSION {
        return Err(StoreError::Archive(format!(
            "format {} version {} is not one this Dignity reads ({FORMAT} {FORMAT_VERSION})",
            manifest.format, manifest.format_version
        )));
    }
    let mut expected: BTreeMap<String, (u64, &str)> = BTreeMap::new();
    for t in &manifest.tables {
        if t.file != format!("tables/{}.jsonl", t.spec.name) {
            return Err(damaged(format!(
                "the manifest names an odd file {}",
                t.file
            )));
        }
        match seen.get(&t.file) {
            Some((_, sha, lines)) if sha == &t.sha256 && *lines == t.rows => {}
            Some(_) => {
                return Err(damaged(format!(
                    "table {}: the data does not match the manifest's hash (altered or damaged)",
                    t.spec.name
                )))
            }
            None => return Err(damaged(format!("table {} is missing", t.spec.name))),
        }
        expected.insert(t.file.clone(), (t.rows, &t.sha256));
    }
    for fe in &manifest.files {
        let name = format!("files/{}", fe.path);
        match seen.get(&name) {
            Some((n, sha, _)) if *n == fe.bytes && sha == &fe.sha256 => {}
            Some(_) => {
                return Err(damaged(format!(
                    "file {}: the content does not match the manifest's hash (altered or damaged)",
                    fe.path
                )))
            }
            None => return Err(damaged(format!("file {} is missing", fe.path))),
        }
        expected.insert(name, (fe.bytes, &fe.sha256));
    }
    if let Some(extra) = seen.keys().find(|k| !expected.contains_key(*k)) {
        return Err(damaged(format!("{extra} is not in the manifest")));
    }
    let keys = match (manifest.keys_included, key_bytes) {
        (false, None) => None,
        (true, Some(k)) => {
            if Some(hex::encode(Sha256::digest(&k))) != manifest.keys_sha256 {
                return Err(damaged("the key file does not match the manifest's hash"));
            }
            let text = String::from_utf8(k).map_err(|_| damaged("the key file is not text"))?;
            crate::keyfile::check_text(&text).map_err(|e| damaged(e.to_string()))?;
            Some(text)
        }
        (true, None) => return Err(damaged("the key file is missing")),
        (false, Some(_)) => return Err(damaged("keys.json is not in the manifest")),
    };
    Ok(Extracted {
        manifest,
        keys,
        encrypted,
    })
}

/// Row count and content hash (SHA-256 of the canonical rows, the same on both backends)
/// of every table: compare two installations, or an installation with a backup manifest.
pub async fn table_digests(store: &Store) -> Result<Vec<(String, u64, String)>> {
    let specs = dump::table_specs(store).await?;
    let mut tx = dump::begin_snapshot(store).await?;
    let mut out = Vec::with_capacity(specs.len());
    for s in &specs {
        let (n, h) = dump::hash_table(&mut tx, store.backend(), s).await?;
        out.push((s.name.clone(), n, h));
    }
    tx.rollback().await?;
    Ok(out)
}

/// Check an archive without restoring it: decrypt, read it through, compare every table,
/// file and the key file with the manifest. Writes nothing.
pub async fn verify_archive(archive: &Path, passphrase: Option<&str>) -> Result<Manifest> {
    let opts = RestoreOptions {
        passphrase: passphrase.map(str::to_string),
        ..Default::default()
    };
    verify_archive_with(archive, &opts).await
}

/// [`verify_archive`] with a passphrase or an age identity (`force` is ignored).
pub async fn verify_archive_with(archive: &Path, opts: &RestoreOptions) -> Result<Manifest> {
    let a = archive.to_path_buf();
    let o = opts.clone();
    let ex = tokio::task::spawn_blocking(move || extract(&a, &o, None))
        .await
        .map_err(|e| StoreError::Internal(format!("verify task: {e}")))??;
    Ok(ex.manifest)
}

fn same_keys(a: &Keyring, b: &Keyring) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// Puts the key file back as it was unless disarmed (once the data is committed).
struct KeyFileGuard {
    path: PathBuf,
    created: bool,
    moved_from: Option<PathBuf>,
    armed: bool,
}

impl Drop for KeyFileGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Some(old) = &self.moved_from {
            let _ = std::fs::rename(old, &self.path);
        }
    }
}

fn aside(p: &Path, stamp: &str) -> PathBuf {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    p.with_file_name(format!("{name}.before-restore-{stamp}"))
}

fn dir_has_entries(p: &Path) -> bool {
    std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_some())
}

/// Restore an archive into the installation `target` describes. The target must be empty
/// (a fresh data directory, a fresh PostgreSQL database) unless `force`.
pub async fn restore(
    archive: &Path,
    target: &OpenOptions,
    opts: &RestoreOptions,
) -> Result<RestoreSummary> {
    // First read the whole archive through and check it (decryption, every hash, the
    // manifest) without writing anything: not even the target's directory is created for an
    // archive that is damaged, altered, or opened with the wrong passphrase.
    verify_archive_with(archive, opts).await?;
    crate::private::create_dir(&target.data_dir).map_err(io_err(target.data_dir.display()))?;
    let work = WorkDir::new(&target.data_dir, "restore")?;
    let (a, o, w) = (
        archive.to_path_buf(),
        opts.clone(),
        work.path().to_path_buf(),
    );
    let ex = tokio::task::spawn_blocking(move || extract(&a, &o, Some(&w)))
        .await
        .map_err(|e| StoreError::Internal(format!("restore task: {e}")))??;
    let manifest = ex.manifest;
    let stamp = now().replace([':', '.'], "-");
    let mut notes = Vec::new();
    let mut moved_aside = Vec::new();

    // Keys: the target must end up with the keys the data was written under.
    let key_path = target.key_path();
    let mut guard = KeyFileGuard {
        path: key_path.clone(),
        created: false,
        moved_from: None,
        armed: true,
    };
    let target_pass = target.key_passphrase.as_ref().map(|p| p.expose());
    let keys_from = match (&ex.keys, key_path.exists()) {
        (Some(k), false) => {
            crate::keyfile::write_text(&key_path, k)?;
            guard.created = true;
            "restored from the archive".to_string()
        }
        (Some(k), true) => {
            let cur_text =
                std::fs::read_to_string(&key_path).map_err(io_err(key_path.display()))?;
            let same = cur_text == *k || {
                let what = "the archive's key file";
                let archived = if crate::keyfile::is_sealed_text(k) {
                    crate::keyfile::open_sealed(k, target_pass, None, what)
                        .ok()
                        .map(|x| x.0)
                } else {
                    Keyring::from_json(k).ok()
                };
                let cur = crate::keyfile::read(&key_path, target_pass, None)
                    .ok()
                    .map(|x| x.0);
                matches!((archived, cur), (Some(a), Some(b)) if same_keys(&a, &b))
            };
            if same {
                "the target's key file, identical to the archive's".to_string()
            } else if opts.force {
                let old = aside(&key_path, &stamp);
                std::fs::rename(&key_path, &old).map_err(io_err(key_path.display()))?;
                guard.moved_from = Some(old.clone());
                crate::keyfile::write_text(&key_path, k)?;
                guard.created = true;
                moved_aside.push(old.clone());
                format!(
                    "restored from the archive; the target's different key file was moved to {}",
                    old.display()
                )
            } else {
                return Err(StoreError::Conflict(format!(
                    "the key file {} differs from the one in the archive: the restored data \
                     would not be readable with it. Move it away (or restore with --force, \
                     which moves it aside). Nothing was written.",
                    key_path.display()
                )));
            }
        }
        (None, true) => {
            notes.push(
                "The archive holds no keys: the target's key file is used; it must be the \
                 key file of the installation that made the backup."
                    .into(),
            );
            "the target's key file (the archive holds none)".to_string()
        }
        (None, false) => {
            return Err(StoreError::Keys(format!(
                "the archive holds no keys and there is no key file at {}: put the key file \
                 of the installation that made the backup there (or point --key-file at it) \
                 and restore again. Nothing was written.",
                key_path.display()
            )))
        }
    };

    // A database file this restore creates is removed again if the restore fails, so that
    // a failed attempt leaves the directory as it found it.
    let fresh_sqlite = target.database_url.is_none() && !target.sqlite_path().exists();
    let remove_fresh_db = || {
        if fresh_sqlite {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = target.sqlite_path().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    };
    let store = match Store::open(target).await {
        Ok(s) => s,
        Err(e) => {
            remove_fresh_db();
            return Err(e);
        }
    };
    let r = load(&store, &manifest, work.path(), opts.force).await;
    let loaded = match r {
        Ok(x) => x,
        Err(e) => {
            store.close().await;
            remove_fresh_db();
            return Err(e);
        }
    };
    guard.armed = false;
    let (tables, rows) = loaded;

    // The anchor outside the database follows the restored chain.
    let anchor = target.data_dir.join("audit-anchor");
    if manifest.audit_head.seq > 0 {
        crate::private::write(
            &anchor,
            format!("{} {}\n", manifest.audit_head.seq, manifest.audit_head.hash).as_bytes(),
        )
        .map_err(io_err(anchor.display()))?;
    } else {
        let _ = std::fs::remove_file(&anchor);
    }

    // Files: never delete; a forced restore moves the target's files aside.
    let files_dir = target.data_dir.join("files");
    let staged = work.path().join("files");
    if files_dir.exists() {
        if dir_has_entries(&files_dir) {
            let old = aside(&files_dir, &stamp);
            std::fs::rename(&files_dir, &old).map_err(io_err(files_dir.display()))?;
            moved_aside.push(old);
        } else {
            let _ = std::fs::remove_dir(&files_dir);
        }
    }
    if staged.exists() {
        std::fs::rename(&staged, &files_dir).map_err(io_err(files_dir.display()))?;
    }
    drop(work);

    store
        .log_event(
            &Actor::system(),
            "backup.restore",
            "backup",
            &manifest.created_at,
            serde_json::json!({
                "backup_created_at": manifest.created_at,
                "source_backend": manifest.backend,
                "rows": rows,
                "files": manifest.files.len(),
                "keys_in_archive": manifest.keys_included,
                "forced": opts.force,
            }),
        )
        .await?;
    let report = audit::verify_log(&store).await?;
    let (encrypted_values, undecryptable_values) = crate::keys::check_encrypted(&store).await?;
    store.close().await;
    if !report.ok() {
        notes.push(format!(
            "The audit chain does not verify ({} problems): the key file does not belong to \
             this data, or the data was altered.",
            report.problems.len()
        ));
    }
    if undecryptable_values > 0 {
        notes.push(format!(
            "{undecryptable_values} of {encrypted_values} encrypted values do not decrypt with \
             the key file: it is not (or not all of) the key material this data was written \
             under."
        ));
    }
    if !ex.encrypted {
        notes.push(
            "The archive was not encrypted: its hashes show it is undamaged, not that nobody \
             rewrote it."
                .into(),
        );
    }
    Ok(RestoreSummary {
        created_at: manifest.created_at.clone(),
        source_backend: manifest.backend.clone(),
        tables,
        rows,
        files: manifest.files.len() as u64,
        keys: keys_from,
        audit: report,
        encrypted_values,
        undecryptable_values,
        moved_aside,
        notes,
    })
}

/// Check the target and load every table in one transaction.
async fn load(
    store: &Store,
    manifest: &Manifest,
    work: &Path,
    force: bool,
) -> Result<(Vec<TableCount>, u64)> {
    let specs = dump::table_specs(store).await?;
    let mut conn = store.pool().acquire().await?;
    let migrations = dump::applied_migrations(&mut conn).await?;
    drop(conn);
    // A backup made before the migrations were numbered in file order names them as they
    // were named then.
    let mut archived_migrations: Vec<String> = manifest
        .migrations
        .iter()
        .map(|m| crate::migrate::current_id(m).to_string())
        .collect();
    archived_migrations.sort();
    if migrations != archived_migrations {
        let known = crate::migrate::migration_ids();
        if let Some(newer) = archived_migrations
            .iter()
            .find(|m| !known.contains(&m.as_str()))
        {
            return Err(StoreError::Archive(format!(
                "the backup was made by a newer Dignity (schema migration {newer} is unknown \
                 here): restore it with that version or a later one. Nothing was written."
            )));
        }
        return Err(StoreError::Archive(format!(
            "the backup has the schema migrations {:?}, this Dignity {:?}: restore it with \
             the Dignity version that made it, then upgrade. Nothing was written.",
            archived_migrations, migrations
        )));
    }
    let archived: Vec<TableSpec> = manifest.tables.iter().map(|t| t.spec.clone()).collect();
    dump::same_schema(&specs, &archived, "the backup")
        .map_err(|m| StoreError::Archive(format!("{m}. Nothing was written.")))?;
    let full = dump::non_empty_tables(store, &specs).await?;
    let files_dir = store.data_dir().join("files");
    if !force && (!full.is_empty() || dir_has_entries(&files_dir)) {
        let mut what: Vec<String> = full
            .iter()
            .map(|(t, n)| format!("{t} ({n} rows)"))
            .collect();
        if dir_has_entries(&files_dir) {
            what.push(format!("{}", files_dir.display()));
        }
        return Err(StoreError::Conflict(format!(
            "the target is not empty: it holds {}. Restore into an empty installation (a new \
             data directory or database), or use --force to replace its contents. Nothing \
             was written.",
            what.join(", ")
        )));
    }

    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Sqlite {
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
    }
    dump::delete_all(&mut tx, &specs).await?;
    let mut counts = Vec::with_capacity(specs.len());
    let mut total = 0;
    for spec in &specs {
        let entry = manifest
            .tables
            .iter()
            .find(|t| t.spec.name == spec.name)
            .expect("same tables");
        let path = work.join(&entry.file);
        let f = std::fs::File::open(&path).map_err(io_err(path.display()))?;
        let mut batch = Vec::with_capacity(500);
        let mut n = 0u64;
        for line in BufReader::new(f).lines() {
            let line = line.map_err(io_err(path.display()))?;
            batch.push(dump::parse_line(&entry.spec, &line)?);
            n += 1;
            if batch.len() == 500 {
                dump::insert_rows(&mut tx, spec, &batch).await?;
                batch.clear();
            }
        }
        dump::insert_rows(&mut tx, spec, &batch).await?;
        counts.push(TableCount {
            name: spec.name.clone(),
            rows: n,
        });
        total += n;
    }
    dump::reset_sequences(&mut tx, store.backend(), &specs).await?;
    tx.commit().await?;
    Ok((counts, total))
}
