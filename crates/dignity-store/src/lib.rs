//! Storage for Dignity: embedded SQLite by default, PostgreSQL for organisations that
//! outgrow one machine. One schema (paired migrations where the SQL differs), one set of
//! queries through sqlx's `Any` driver, and one write path ([`WriteTx`]) that appends to the
//! tamper-evident audit log in the same transaction as the change it records.

pub mod accounts;
pub mod acl;
pub mod at_rest;
pub mod audit;
pub mod backup;
pub mod chunk_cipher;
pub mod copy;
mod disclosure;
mod dump;
mod error;
pub mod fields;
pub mod filecrypt;
pub mod keyfile;
pub mod keys;
mod migrate;
pub mod private;
pub mod refdata;
pub mod reference;
mod seal;
mod shared;
pub mod shred;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod upgrade;
mod upload_hash;
pub mod vault;
pub(crate) mod vault_files;
mod write;

// One module per area of the product.
pub mod obligations;

pub mod violations;

pub mod protection;

pub mod ingest;
pub mod portal;
pub mod search;
mod search_areas;

pub mod stats;

pub mod reports;

pub use error::{watch_outage, watch_storage_full, Outage, StoreError};
pub use write::{CommitListener, WriteTx};

use dignity_core::crypto::Keyring;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where to find the data and the keys.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Holds the SQLite database (unless `database_url` points elsewhere), the key file by
    /// default, uploaded files, and the audit anchor.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` means `data_dir/dignity.db`.
    pub database_url: Option<String>,
    /// Key material; `None` means `data_dir/keys.json`.
    pub key_file: Option<PathBuf>,
    /// The passphrase of a sealed key file (see [`keyfile`]); ignored for a clear one.
    pub key_passphrase: Option<keyfile::Passphrase>,
    /// The person key vault (see [`vault`]); `None` means `data_dir/person-keys`.
    pub person_keys: Option<PathBuf>,
}

impl OpenOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        OpenOptions {
            data_dir: data_dir.into(),
            database_url: None,
            key_file: None,
            key_passphrase: None,
            person_keys: None,
        }
    }
    pub fn person_keys_path(&self) -> PathBuf {
        self.person_keys
            .clone()
            .unwrap_or_else(|| self.data_dir.join("person-keys"))
    }
    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys.json"))
    }
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("dignity.db")
    }
}

/// The current time as stored: RFC 3339, UTC, milliseconds. Text of this shape sorts in
/// time order on both backends.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The query `sql` with the text values `args` bound in order (a filter's values, built
/// with its `$1, $2, …`).
pub(crate) fn query_with<'q>(
    sql: &'q str,
    args: &'q [String],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    args.iter().fold(sqlx::query(sql), |q, a| q.bind(a))
}

/// Hide the password of a database URL before it is shown or logged.
pub fn mask_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((cred, host)) => {
                let user = cred.split(':').next().unwrap_or("");
                if cred.contains(':') {
                    format!("{scheme}://{user}:****@{host}")
                } else {
                    format!("{scheme}://{user}@{host}")
                }
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    keys: Arc<RwLock<Arc<Keyring>>>,
    /// The key derived from a sealed key file's passphrase: the file is written sealed again.
    seal: Arc<RwLock<Option<keyfile::SealKey>>>,
    key_path: PathBuf,
    data_dir: PathBuf,
    /// Told about every committed write (see [`CommitListener`]); shared by all clones.
    listener: Arc<RwLock<Option<Arc<dyn CommitListener>>>>,
    /// The highest audit sequence written to the anchor file by this process, so that
    /// concurrent commits never move the anchor backwards.
    anchor_seq: Arc<std::sync::Mutex<i64>>,
    /// The person key vault (crypto-shredding, see [`vault`]).
    vault: Arc<RwLock<Option<Arc<vault::Vault>>>>,
    /// Person keys made by write transactions not committed yet (written to the vault
    /// with their commit): a transaction that creates a person and reads the person back
    /// before committing opens the fields with these. Removed when the transaction ends.
    uncommitted_person_keys:
        Arc<std::sync::Mutex<std::collections::HashMap<i64, dignity_core::crypto::PersonKey>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Open (and on first use create) the store: data dir, key file, database, schema.
    pub async fn open(opts: &OpenOptions) -> Result<Store> {
        Store::open_with_seal(opts, None).await
    }

    /// [`Store::open`], with the key derived from a sealed key file's passphrase by another
    /// store on the same key file (used where no passphrase is at hand).
    pub(crate) async fn open_with_seal(
        opts: &OpenOptions,
        cached: Option<keyfile::SealKey>,
    ) -> Result<Store> {
        sqlx::any::install_default_drivers();
        private::create_dir(&opts.data_dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the data directory {}: {e}",
                opts.data_dir.display()
            ))
        })?;
        let (url, backend) = match &opts.database_url {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                (u.clone(), Backend::Postgres)
            }
            Some(u) if u.starts_with("sqlite:") => (u.clone(), Backend::Sqlite),
            Some(u) => {
                return Err(StoreError::Config(format!(
                    "unsupported database URL {}: use postgres://… or sqlite://…",
                    mask_url(u)
                )))
            }
            None => (
                format!("sqlite://{}?mode=rwc", opts.sqlite_path().display()),
                Backend::Sqlite,
            ),
        };
        let key_path = opts.key_path();
        let passphrase = opts.key_passphrase.as_ref().map(|p| p.expose());
        // The key file is read (and a sealed one opened) before anything is created, so a
        // wrong or missing passphrase changes nothing. A missing key file is created only
        // for a database that holds no data yet (PostgreSQL: checked once connected).
        let early = match backend {
            Backend::Sqlite => Some(load_or_create_keys(
                &key_path,
                opts.database_url.is_some() || opts.sqlite_path().exists(),
                passphrase,
                cached.as_ref(),
            )?),
            Backend::Postgres if key_path.exists() => Some(load_or_create_keys(
                &key_path,
                true,
                passphrase,
                cached.as_ref(),
            )?),
            Backend::Postgres => None,
        };
        // The embedded database is created owner-only (SQLite gives its -wal and -shm the
        // same mode), and what an older version created is corrected.
        let sqlite_file =
            (backend == Backend::Sqlite && opts.database_url.is_none()).then(|| opts.sqlite_path());
        if let Some(db) = &sqlite_file {
            private::touch(db)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", db.display())))?;
        }
        private::harden(&opts.data_dir, &key_path, sqlite_file.as_deref());

        let pool_opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10));
        let pool_opts = if backend == Backend::Sqlite {
            pool_opts.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            })
        } else {
            pool_opts
        };
        let pool = tokio::time::timeout(Duration::from_secs(15), pool_opts.connect(&url))
            .await
            .map_err(|_| StoreError::Unreachable(format!("{}: timed out", mask_url(&url))))?
            .map_err(|e| StoreError::Unreachable(format!("{}: {e}", mask_url(&url))))?;
        if backend == Backend::Sqlite {
            // WAL is a property of the database file: set it once.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        let (keys, seal) = match early {
            Some(k) => k,
            None => {
                let has_data = match postgres_has_schema(&pool).await {
                    Ok(b) => b,
                    Err(e) => {
                        pool.close().await;
                        return Err(e);
                    }
                };
                match load_or_create_keys(&key_path, has_data, passphrase, cached.as_ref()) {
                    Ok(k) => k,
                    Err(e) => {
                        pool.close().await;
                        return Err(e);
                    }
                }
            }
        };
        let store = Store {
            pool,
            backend,
            keys: Arc::new(RwLock::new(Arc::new(keys))),
            seal: Arc::new(RwLock::new(seal)),
            key_path,
            data_dir: opts.data_dir.clone(),
            listener: Arc::new(RwLock::new(None)),
            anchor_seq: Arc::new(std::sync::Mutex::new(0)),
            vault: Arc::new(RwLock::new(None)),
            uncommitted_person_keys: Default::default(),
        };
        migrate::run(&store).await?;
        if let Err(e) = shred::open_vault(&store, &opts.person_keys_path()).await {
            store.pool.close().await;
            return Err(e);
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    pub fn key_path(&self) -> &Path {
        &self.key_path
    }
    /// The key material in force now.
    pub fn keys(&self) -> Arc<Keyring> {
        self.keys.read().expect("key lock").clone()
    }
    /// Re-read the key file (after `dignity keys rotate` ran beside a running server).
    pub fn reload_keys(&self) -> Result<()> {
        let cached = self.seal.read().expect("seal lock").clone();
        let (k, sk) = keyfile::read(&self.key_path, None, cached.as_ref())?;
        *self.keys.write().expect("key lock") = Arc::new(k);
        if sk.is_some() {
            *self.seal.write().expect("seal lock") = sk;
        }
        Ok(())
    }
    /// Write the key file (atomically): sealed again under the passphrase it was opened
    /// with, when it was sealed.
    pub fn write_keys(&self, keys: &Keyring) -> Result<()> {
        let sk = self.seal.read().expect("seal lock").clone();
        keyfile::write(&self.key_path, keys, sk.as_ref())
    }
    /// Whether the key file this store opened is sealed with a passphrase.
    pub fn keys_sealed(&self) -> bool {
        self.seal.read().expect("seal lock").is_some()
    }
    pub(crate) fn seal_key(&self) -> Option<keyfile::SealKey> {
        self.seal.read().expect("seal lock").clone()
    }
    pub fn replace_keys(&self, k: Keyring) {
        *self.keys.write().expect("key lock") = Arc::new(k);
    }

    /// The person key vault.
    pub fn vault(&self) -> Arc<vault::Vault> {
        self.vault
            .read()
            .expect("vault lock")
            .clone()
            .expect("the vault is opened with the store")
    }

    /// A key made by a transaction not committed yet (see `uncommitted_person_keys`).
    pub(crate) fn uncommitted_person_key(
        &self,
        person: i64,
    ) -> Option<dignity_core::crypto::PersonKey> {
        let keys = self
            .uncommitted_person_keys
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        keys.get(&person).cloned()
    }

    pub(crate) fn set_uncommitted_person_key(
        &self,
        person: i64,
        key: Option<dignity_core::crypto::PersonKey>,
    ) {
        let mut keys = self
            .uncommitted_person_keys
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match key {
            Some(k) => keys.insert(person, k),
            None => keys.remove(&person),
        };
    }

    pub(crate) fn set_vault(&self, v: vault::Vault) {
        *self.vault.write().expect("vault lock") = Some(Arc::new(v));
    }

    /// Decrypt an encrypted field of the row `row` (its primary key, see
    /// [`dignity_core::crypto`]), re-reading the key file once if the value was written
    /// under a key this process does not know yet. A value under a person's key
    /// (`enc:p1:`) is opened with that key from the vault; an erased person's values read
    /// empty (see [`shred`]: [`shred::is_erased`] tells the state apart).
    pub fn decrypt(&self, field: &str, row: impl std::fmt::Display, value: &str) -> Result<String> {
        let row = row.to_string();
        if value.starts_with(dignity_core::crypto::PREFIX_PERSON) {
            return shred::decrypt(self, field, &row, value);
        }
        match self.keys().decrypt(field, &row, value) {
            Err(dignity_core::crypto::CryptoError::UnknownKey(_)) => {
                self.reload_keys()?;
                Ok(self.keys().decrypt(field, &row, value)?)
            }
            other => Ok(other?),
        }
    }

    /// Set (or with `None` remove) the listener told about every committed write of this
    /// store and its clones. The search index is one: it re-indexes the records the audit
    /// entries name. See [`CommitListener`].
    pub fn set_commit_listener(&self, listener: Option<Arc<dyn CommitListener>>) {
        *self.listener.write().expect("listener lock") = listener;
    }

    pub(crate) fn commit_listener(&self) -> Option<Arc<dyn CommitListener>> {
        self.listener.read().expect("listener lock").clone()
    }

    /// Record the end of the audit chain in the anchor file, after the commit of `seq`.
    /// Atomic (a temporary file renamed over the old one), so that a full disk leaves the
    /// previous anchor intact rather than an empty or half-written one; never moves back.
    pub(crate) fn write_anchor(&self, path: &Path, seq: i64, hash: &str) {
        let mut last = self.anchor_seq.lock().unwrap_or_else(|p| p.into_inner());
        if seq <= *last {
            return;
        }
        let tmp = path.with_extension("tmp");
        let written = crate::private::write(&tmp, format!("{seq} {hash}\n").as_bytes())
            .and_then(|_| std::fs::rename(&tmp, path));
        match written {
            Ok(()) => *last = seq,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                tracing::warn!(error = %e, seq, "could not update the audit anchor (the database is the record; the anchor stays at an earlier entry)");
            }
        }
    }

    /// Start the one write path. See [`WriteTx`].
    pub async fn begin(&self, actor: &dignity_core::Actor) -> Result<WriteTx> {
        WriteTx::begin(self, actor).await
    }

    /// Run `f` in a write transaction and commit it (or roll it back if `f` fails): the
    /// short form of [`Store::begin`] … [`WriteTx::commit`].
    pub async fn write<T>(
        &self,
        actor: &dignity_core::Actor,
        f: impl AsyncFnOnce(&mut WriteTx) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.begin(actor).await?;
        match f(&mut tx).await {
            Ok(v) => {
                tx.commit().await?;
                Ok(v)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Append an audit entry that records no change of data: a read of a strictly
    /// confidential record, an export, a sign-in.
    pub async fn log_event(
        &self,
        actor: &dignity_core::Actor,
        action: &str,
        record_type: &str,
        record_id: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.begin(actor).await?;
        tx.audit(action, record_type, record_id, None, None, details);
        tx.commit().await?;
        Ok(())
    }

    /// A setting's value, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    /// Names of the tables in the schema (for backups, copies and schema checks).
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            // Virtual tables (full-text indexes) and their shadow tables are derived data.
            Backend::Sqlite => "SELECT name FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_dignity_migrations' \
                AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND (m.name = v.name OR m.name LIKE v.name || '_%')) ORDER BY name",
            Backend::Postgres => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_dignity_migrations' ORDER BY table_name",
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Columns of a table in order: (name, portable type: integer, real, text or blob).
    pub async fn table_columns(&self, table: &str) -> Result<Vec<(String, String)>> {
        let rows: Vec<AnyRow> = match self.backend {
            Backend::Sqlite => {
                sqlx::query("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => sqlx::query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&self.pool)
            .await?,
        };
        Ok(rows
            .iter()
            .map(|r| {
                let t: String = r.get::<String, _>(1).to_ascii_lowercase();
                let portable = if t.contains("int") {
                    "integer"
                } else if t.contains("real") || t.contains("double") || t.contains("numeric") {
                    "real"
                } else if t.contains("blob") || t.contains("bytea") {
                    "blob"
                } else {
                    "text"
                };
                (r.get::<String, _>(0), portable.to_string())
            })
            .collect())
    }

    /// Check that the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Write the key file atomically, in clear, readable by the owner only (see
/// [`Store::write_keys`] to keep a sealed file sealed).
pub fn write_keys(path: &Path, keys: &Keyring) -> Result<()> {
    keyfile::write(path, keys, None)
}

/// Whether a PostgreSQL database already holds Dignity's schema.
async fn postgres_has_schema(pool: &AnyPool) -> Result<bool> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name IN ('audit_head', '_dignity_migrations')",
    )
    .fetch_one(pool)
    .await?
    .get(0);
    Ok(n > 0)
}

fn load_or_create_keys(
    path: &Path,
    db_existed: bool,
    passphrase: Option<&str>,
    cached: Option<&keyfile::SealKey>,
) -> Result<(Keyring, Option<keyfile::SealKey>)> {
    if path.exists() {
        return keyfile::read(path, passphrase, cached);
    }
    if db_existed {
        return Err(StoreError::Keys(format!(
            "the database exists but the key file {} is missing: encrypted fields and the audit \
             chain cannot be read without it. Restore it from your backup or point \
             --key-file / DIGNITY_KEY_FILE at it. No new key was created.",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        private::create_dir(dir).ok();
    }
    let keys = Keyring::generate(&now());
    // A passphrase given for a new installation seals its key file from the start.
    let sk = match passphrase {
        Some(p) => Some(keyfile::SealKey::new(p)?),
        None => None,
    };
    keyfile::write(path, &keys, sk.as_ref())?;
    Ok((keys, sk))
}

/// An exclusive lock on the data directory, held by `dignity serve` so that two servers
/// never share one embedded database. Command-line tools do not take it: they work
/// beside a running server.
pub struct DataDirLock {
    _file: std::fs::File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<Self> {
        use fs4::fs_std::FileExt;
        private::create_dir(data_dir).map_err(|e| {
            StoreError::Config(format!("cannot create {}: {e}", data_dir.display()))
        })?;
        let path = data_dir.join("serve.lock");
        let file = private::open_options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock_exclusive() {
            Ok(true) => Ok(DataDirLock { _file: file }),
            _ => Err(StoreError::Locked(data_dir.display().to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_masked() {
        assert_eq!(
            mask_url("postgres://dignity:s3cret@db:5432/dignity"),
            "postgres://dignity:****@db:5432/dignity"
        );
        assert_eq!(mask_url("postgres://db/x"), "postgres://db/x");
        assert_eq!(mask_url("postgres://me@db/x"), "postgres://me@db/x");
    }
}
