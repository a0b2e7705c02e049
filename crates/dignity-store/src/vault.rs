//! The person key vault (crypto-shredding, issue 16 item 7).
//!
//! Each person's personal fields are encrypted under the person's own key
//! ([`dignity_core::crypto::PersonKey`], values `enc:p1:<person>:…`). The keys live here,
//! **outside the database and outside its backups**: a directory (by default
//! `DATA_DIR/person-keys/`, `--person-keys` / `person_keys` to put it elsewhere) holding the
//! keys wrapped (XChaCha20-Poly1305) under the current data key and bound to the person's
//! id, in batch files ([`crate::vault_files`]): **one durable write per write
//! transaction**. The keys a transaction made wait in the [`crate::WriteTx`]; its commit
//! writes them as one batch file (written beside its name, synced, renamed, directory
//! synced) *before* the database's `COMMIT`, so a committed person's key is always on disk
//! (a crash in between leaves a key no row uses, which is harmless). Sixteen batch files of
//! one size are merged into one, so the directory stays small.
//!
//! Erasing a person writes a tombstone `<id>.erased` and then rewrites the batch file that
//! holds the key without it (the new file synced and renamed over the old one, then the
//! old content overwritten with zeros): the person's ciphertexts in the database and in
//! every older backup no longer decrypt, and read as *erased*. Every change of a batch
//! file (write, erasure, merge, re-wrap, copy) holds the vault's lock file, so two
//! processes (a server and a `dignity person erase`) never undo each other's change.
//!
//! Reads need no database, so [`crate::Store::decrypt`] stays synchronous: a look-up reads
//! the batch files whose id range holds the person (once; keys read are cached in
//! memory); the tombstone is checked on disk before every write. Vaults of older versions
//! (one `<id>.key` file per person) are read and moved into one batch file when opened.
//!
//! The vault must be copied like the key file, but only its current state: an older copy
//! still holds the keys of people erased since (see `docs/operations.md`,
//! `dignity keys vault-copy`).

use crate::private::{sync_dir, write_atomic};
use crate::vault_files::{self as files, io, BatchName, Listing, Lock, Record};
use crate::{Result, StoreError};
use dignity_core::crypto::{Keyring, PersonKey};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// The file that marks a directory as a person key vault.
const MARK: &str = "VAULT";
const MARK_TEXT: &str = "dignity person key vault v2\n";
/// Batch files of one size tier merged into one.
const MERGE_AT: usize = 16;

/// What the vault holds for one person.
#[derive(Debug, Clone)]
pub enum Entry {
    Key(PersonKey),
    /// The person was erased: the key is gone for good.
    Erased,
    /// Neither a key nor a tombstone.
    Missing,
}

/// A key to write with the transaction that made it (see [`crate::WriteTx`]).
#[derive(Clone)]
pub(crate) struct NewKey {
    pub person: i64,
    pub key: PersonKey,
    /// Made for a new row: a tombstone left by a deleted row of the same id is lifted.
    /// Otherwise a tombstone refuses the write (the person was erased meanwhile).
    pub fresh: bool,
}

/// The wrapped keys read from batch files so far.
#[derive(Default)]
struct Loaded {
    files: HashSet<String>,
    /// person → (seq, wrapped key, file it was read from)
    wrapped: HashMap<i64, (u64, String, Arc<str>)>,
}

impl Loaded {
    fn add(&mut self, file: &str, records: Vec<Record>) {
        let f: Arc<str> = Arc::from(file);
        for r in records {
            let newer = match self.wrapped.get(&r.id) {
                Some((s, _, _)) => r.seq >= *s,
                None => true,
            };
            if newer {
                self.wrapped.insert(r.id, (r.seq, r.wrapped, f.clone()));
            }
        }
        self.files.insert(file.to_string());
    }
}

pub struct Vault {
    dir: PathBuf,
    cache: RwLock<HashMap<i64, Entry>>,
    loaded: Mutex<Loaded>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("dir", &self.dir).finish()
    }
}

/// The newest record of each person in `records`, skipping the `erased`.
fn newest(records: Vec<Record>, erased: &HashSet<i64>) -> Vec<Record> {
    let mut by_id: HashMap<i64, Record> = HashMap::new();
    for r in records {
        if erased.contains(&r.id) {
            continue;
        }
        match by_id.get(&r.id) {
            Some(o) if o.seq > r.seq => {}
            _ => {
                by_id.insert(r.id, r);
            }
        }
    }
    let mut out: Vec<Record> = by_id.into_values().collect();
    out.sort_by_key(|r| r.id);
    out
}

impl Vault {
    /// Whether `dir` holds a vault.
    pub fn exists(dir: &Path) -> bool {
        dir.join(MARK).is_file()
    }

    /// Open the vault in `dir`, creating an empty one when `create` (the caller checked
    /// that no person's fields are under a person key yet). A vault of an older version
    /// (one file per person) is moved into a batch file.
    pub fn open(dir: &Path, create: bool) -> Result<Vault> {
        if !Vault::exists(dir) {
            if !create {
                return Err(StoreError::Config(format!(
                    "the person key vault {} is missing",
                    dir.display()
                )));
            }
            crate::private::create_dir(dir).map_err(io(dir))?;
            write_atomic(&dir.join(MARK), MARK_TEXT.as_bytes()).map_err(io(dir))?;
        }
        crate::private::restrict(dir);
        let v = Vault {
            dir: dir.to_path_buf(),
            cache: RwLock::new(HashMap::new()),
            loaded: Mutex::new(Loaded::default()),
        };
        v.migrate()?;
        Ok(v)
    }

    /// Move the keys of the one-file-per-person layout into one batch file, then remove
    /// those files (a crash in between leaves both, which read the same).
    fn migrate(&self) -> Result<()> {
        let mark = std::fs::read_to_string(self.dir.join(MARK)).unwrap_or_default();
        if mark == MARK_TEXT && Listing::read(&self.dir)?.legacy.is_empty() {
            return Ok(());
        }
        let _lock = Lock::take(&self.dir)?;
        let l = Listing::read(&self.dir)?;
        let erased: HashSet<i64> = l.erased.iter().copied().collect();
        let seq = l.next_seq();
        let mut records = Vec::new();
        for &id in &l.legacy {
            let p = self.key_path(id);
            if erased.contains(&id) {
                continue;
            }
            let w = std::fs::read_to_string(&p).map_err(io(&p))?;
            records.push(Record {
                id,
                seq,
                wrapped: w.trim().to_string(),
            });
        }
        if !records.is_empty() {
            files::write_new(&self.dir, seq, &records)?;
        }
        for &id in &l.legacy {
            let p = self.key_path(id);
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&p) {
                if erased.contains(&id) {
                    files::zero(&mut f);
                }
            }
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
        sync_dir(&self.dir).map_err(io(&self.dir))?;
        write_atomic(&self.dir.join(MARK), MARK_TEXT.as_bytes()).map_err(io(&self.dir))?;
        if !l.legacy.is_empty() {
            tracing::info!(
                keys = records.len(),
                "person key vault moved to batch files"
            );
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_path(&self, person: i64) -> PathBuf {
        self.dir.join(format!("{person}.key"))
    }

    fn tomb_path(&self, person: i64) -> PathBuf {
        self.dir.join(format!("{person}.erased"))
    }

    /// The newest wrapped key of `person` on disk (the batch files whose range holds the
    /// id, read once unless `fresh`), with the file it is in.
    fn find(&self, person: i64, fresh: bool) -> Result<Option<(String, Arc<str>)>> {
        let mut loaded = self.loaded.lock().expect("vault lock");
        if !fresh {
            if let Some((_, w, f)) = loaded.wrapped.get(&person) {
                return Ok(Some((w.clone(), f.clone())));
            }
        }
        let l = Listing::read(&self.dir)?;
        for b in l.batches.iter().filter(|b| b.holds(person)) {
            if fresh || !loaded.files.contains(&b.name) {
                let records = files::read(&self.dir, &b.name)?;
                if fresh {
                    loaded.wrapped.remove(&person);
                }
                loaded.add(&b.name, records);
            }
        }
        if let Some((_, w, f)) = loaded.wrapped.get(&person) {
            return Ok(Some((w.clone(), f.clone())));
        }
        // A key of the one-file-per-person layout written since the vault was opened
        // (an older version running beside this one).
        let p = self.key_path(person);
        match std::fs::read_to_string(&p) {
            Ok(w) => Ok(Some((
                w.trim().to_string(),
                Arc::from(format!("{person}.key")),
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&p)(e)),
        }
    }

    fn read(&self, person: i64, keys: &Keyring) -> Result<Entry> {
        if self.tomb_path(person).exists() {
            return Ok(Entry::Erased);
        }
        let Some((w, _)) = self.find(person, false)? else {
            return Ok(Entry::Missing);
        };
        match keys.unwrap_person_key(person, &w) {
            Ok(k) => Ok(Entry::Key(k)),
            // Re-wrapped by another process since it was read: read it again.
            Err(e) => match self.find(person, true)? {
                Some((w2, _)) if w2 != w => Ok(Entry::Key(keys.unwrap_person_key(person, &w2)?)),
                _ => Err(e.into()),
            },
        }
    }

    /// The person's entry (cached once read). `keys` unwraps the key.
    pub fn get(&self, person: i64, keys: &Keyring) -> Result<Entry> {
        if let Some(e) = self.cache.read().expect("vault lock").get(&person) {
            return Ok(e.clone());
        }
        let e = self.read(person, keys)?;
        if !matches!(e, Entry::Missing) {
            self.cache
                .write()
                .expect("vault lock")
                .insert(person, e.clone());
        }
        Ok(e)
    }

    /// Whether a key of the person is on disk (read from the disk now, not the cache).
    pub fn has_key_on_disk(&self, person: i64) -> Result<bool> {
        let l = Listing::read(&self.dir)?;
        for b in l.batches.iter().filter(|b| b.holds(person)) {
            if files::read(&self.dir, &b.name)?
                .iter()
                .any(|r| r.id == person)
            {
                return Ok(true);
            }
        }
        Ok(l.legacy.contains(&person))
    }

    /// The persons erased whose key is still on disk beside the tombstone (an erasure or
    /// a write cut off by a crash): one listing, each batch file read at most once.
    pub fn erased_with_keys(&self) -> Result<Vec<i64>> {
        let l = Listing::read(&self.dir)?;
        let erased: HashSet<i64> = l.erased.iter().copied().collect();
        let mut out: HashSet<i64> = l
            .legacy
            .iter()
            .copied()
            .filter(|id| erased.contains(id))
            .collect();
        for b in &l.batches {
            if l.erased.iter().any(|id| b.holds(*id)) {
                out.extend(
                    files::read(&self.dir, &b.name)?
                        .iter()
                        .map(|r| r.id)
                        .filter(|id| erased.contains(id)),
                );
            }
        }
        let mut out: Vec<i64> = out.into_iter().collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Whether any key is in the vault.
    pub fn has_keys(&self) -> Result<bool> {
        let l = Listing::read(&self.dir)?;
        Ok(!l.batches.is_empty() || !l.legacy.is_empty())
    }

    /// Whether the person was erased (checked on disk).
    pub fn is_erased(&self, person: i64) -> bool {
        self.tomb_path(person).exists()
    }

    fn refuse_erased(&self, person: i64) -> StoreError {
        self.cache
            .write()
            .expect("vault lock")
            .insert(person, Entry::Erased);
        StoreError::Conflict(format!(
            "person {person} was erased: their fields cannot be written again"
        ))
    }

    /// The key of a person about to be written: theirs, or a new one to be written with
    /// the transaction (`None` when theirs is on disk). Refused for an erased person
    /// (checked on disk, so an erasure by another process counts).
    pub(crate) fn ensure(&self, person: i64, keys: &Keyring) -> Result<(PersonKey, bool)> {
        if self.is_erased(person) {
            return Err(self.refuse_erased(person));
        }
        match self.get(person, keys)? {
            Entry::Key(k) => {
                // A key known to this process whose file is gone (a vault put back from
                // an older copy) is written again: the values already under it stay
                // readable.
                let in_file = |f: &Arc<str>| self.dir.join(&**f).exists();
                let on_disk = match self.find(person, false)? {
                    Some((_, f)) if in_file(&f) => true,
                    // Merged into another file by another process: look again.
                    _ => self.find(person, true)?.is_some_and(|(_, f)| in_file(&f)),
                };
                Ok((k, !on_disk))
            }
            _ => Ok((PersonKey::generate(), true)),
        }
    }

    /// Write the keys a transaction made, as one batch file, durably (see the module
    /// doc). Called by [`crate::WriteTx::commit`] before the database's `COMMIT`.
    pub(crate) fn put(&self, new: &[NewKey], keys: &Keyring) -> Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        let _lock = Lock::take(&self.dir)?;
        for k in new.iter().filter(|k| !k.fresh) {
            if self.is_erased(k.person) {
                return Err(self.refuse_erased(k.person));
            }
        }
        let l = Listing::read(&self.dir)?;
        let seq = l.next_seq();
        let records: Vec<Record> = new
            .iter()
            .map(|k| Record {
                id: k.person,
                seq,
                wrapped: keys.wrap_person_key(k.person, &k.key),
            })
            .collect();
        let name = files::write_new(&self.dir, seq, &records)?;
        crash_point("vault-batch-written");
        // A new row's id used before by a deleted row: that row's tombstone is lifted
        // now that the new key is on disk (a crash before leaves both: the key no row
        // uses yet is destroyed at the next start).
        let mut lifted = false;
        for k in new.iter().filter(|k| k.fresh) {
            let tomb = self.tomb_path(k.person);
            if tomb.exists() {
                std::fs::remove_file(&tomb).map_err(io(&tomb))?;
                lifted = true;
            }
        }
        if lifted {
            sync_dir(&self.dir).map_err(io(&self.dir))?;
        }
        {
            let mut cache = self.cache.write().expect("vault lock");
            for k in new {
                cache.insert(k.person, Entry::Key(k.key.clone()));
            }
        }
        self.loaded
            .lock()
            .expect("vault lock")
            .add(&name.name, records);
        let mut batches = l.batches;
        batches.push(name);
        self.merge(batches, &l.erased)
    }

    /// Merge the batch files of a size tier that has [`MERGE_AT`] of them (the lock is
    /// held): the merged file is written and synced before the merged ones are removed,
    /// so a crash in between leaves the same keys twice, never none.
    fn merge(&self, batches: Vec<BatchName>, erased: &[i64]) -> Result<()> {
        let mut tiers: HashMap<u32, Vec<BatchName>> = HashMap::new();
        for b in batches {
            tiers.entry(b.tier()).or_default().push(b);
        }
        let Some(group) = tiers.into_values().find(|g| g.len() >= MERGE_AT) else {
            return Ok(());
        };
        let erased: HashSet<i64> = erased.iter().copied().collect();
        let mut records = Vec::new();
        for b in &group {
            records.extend(files::read(&self.dir, &b.name)?);
        }
        let records = newest(records, &erased);
        let seq = group.iter().map(|b| b.seq).max().unwrap_or(0) + 1;
        let seq = seq.max(Listing::read(&self.dir)?.next_seq());
        if !records.is_empty() {
            let name = files::write_new(&self.dir, seq, &records)?;
            self.loaded
                .lock()
                .expect("vault lock")
                .add(&name.name, records);
        }
        for b in &group {
            let p = self.dir.join(&b.name);
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
        sync_dir(&self.dir).map_err(io(&self.dir))
    }

    /// Destroy the person's key: the tombstone first (so a crash never leaves a person
    /// with neither), then every batch file holding the key rewritten without it (the
    /// old content overwritten with zeros). Idempotent.
    pub fn destroy(&self, person: i64, at: &str) -> Result<()> {
        let _lock = Lock::take(&self.dir)?;
        let tomb = self.tomb_path(person);
        if !tomb.exists() {
            write_atomic(&tomb, format!("{at}\n").as_bytes()).map_err(io(&self.dir))?;
        }
        crash_point("vault-erase-after-tombstone");
        let l = Listing::read(&self.dir)?;
        for b in l.batches.iter().filter(|b| b.holds(person)) {
            let records = files::read(&self.dir, &b.name)?;
            if records.iter().any(|r| r.id == person) {
                let kept: Vec<Record> = records.into_iter().filter(|r| r.id != person).collect();
                files::rewrite(&self.dir, &b.name, &kept)?;
            }
        }
        let p = self.key_path(person);
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&p) {
            files::zero(&mut f);
            std::fs::remove_file(&p).map_err(io(&p))?;
            sync_dir(&self.dir).map_err(io(&self.dir))?;
        }
        self.loaded
            .lock()
            .expect("vault lock")
            .wrapped
            .remove(&person);
        self.cache
            .write()
            .expect("vault lock")
            .insert(person, Entry::Erased);
        Ok(())
    }

    /// Every key on disk, the newest per person, skipping persons erased.
    fn all(&self, l: &Listing) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        for b in &l.batches {
            records.extend(files::read(&self.dir, &b.name)?);
        }
        for &id in &l.legacy {
            if let Ok(w) = std::fs::read_to_string(self.key_path(id)) {
                records.push(Record {
                    id,
                    seq: 0,
                    wrapped: w.trim().to_string(),
                });
            }
        }
        Ok(newest(records, &l.erased.iter().copied().collect()))
    }

    /// The persons that have a key.
    pub fn keyed(&self) -> Result<Vec<i64>> {
        let l = Listing::read(&self.dir)?;
        Ok(self.all(&l)?.into_iter().map(|r| r.id).collect())
    }

    /// The persons erased.
    pub fn erased(&self) -> Result<Vec<i64>> {
        Ok(Listing::read(&self.dir)?.erased)
    }

    /// Re-wrap every key not under the current data key (key rotation). Returns how many
    /// were re-wrapped; a key that does not unwrap is counted in `failed` and left as is.
    /// Each batch file is rewritten whole under the lock; keys of persons erased are
    /// dropped (never brought back).
    pub fn rewrap(&self, keys: &Keyring) -> Result<RewrapReport> {
        self.migrate()?;
        let _lock = Lock::take(&self.dir)?;
        let mut r = RewrapReport::default();
        let l = Listing::read(&self.dir)?;
        let erased: HashSet<i64> = l.erased.iter().copied().collect();
        for b in &l.batches {
            let records = files::read(&self.dir, &b.name)?;
            let stale = |r: &Record| {
                erased.contains(&r.id)
                    || Keyring::wrapped_key_id(&r.wrapped) != Some(keys.current.as_str())
            };
            if !records.iter().any(stale) {
                continue;
            }
            let mut out = Vec::with_capacity(records.len());
            for rec in records {
                if erased.contains(&rec.id) {
                    continue;
                }
                if Keyring::wrapped_key_id(&rec.wrapped) == Some(keys.current.as_str()) {
                    out.push(rec);
                    continue;
                }
                match keys.unwrap_person_key(rec.id, &rec.wrapped) {
                    Ok(k) => {
                        out.push(Record {
                            wrapped: keys.wrap_person_key(rec.id, &k),
                            ..rec
                        });
                        r.rewrapped += 1;
                    }
                    Err(_) => {
                        r.failed += 1;
                        out.push(rec);
                    }
                }
            }
            files::rewrite(&self.dir, &b.name, &out)?;
        }
        *self.loaded.lock().expect("vault lock") = Loaded::default();
        Ok(r)
    }

    /// How many keys are wrapped under a data key other than `current`.
    pub fn under_other_keys(&self, current: &str) -> Result<u64> {
        let l = Listing::read(&self.dir)?;
        Ok(self
            .all(&l)?
            .iter()
            .filter(|r| Keyring::wrapped_key_id(&r.wrapped) != Some(current))
            .count() as u64)
    }

    /// Copy the vault's current state to `dest` (a directory that must not exist, or an
    /// older copy, which is replaced whole: a copy never keeps the keys of persons erased
    /// since). Taken under the vault's lock, written beside `dest` first, synced, then
    /// renamed into place. Returns the number of keys copied.
    pub fn copy_to(&self, dest: &Path) -> Result<u64> {
        if dest.exists() && !Vault::exists(dest) {
            return Err(StoreError::Config(format!(
                "{} exists and is not a copy of a person key vault: give a new directory",
                dest.display()
            )));
        }
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest
            .file_name()
            .ok_or_else(|| StoreError::Config(format!("{}: not a directory name", dest.display())))?
            .to_string_lossy()
            .to_string();
        let tmp = parent.join(format!(".{name}.copying"));
        let old = parent.join(format!(".{name}.old"));
        let _ = std::fs::remove_dir_all(&tmp);
        crate::private::create_dir(&tmp).map_err(io(&tmp))?;
        let n = {
            let _lock = Lock::take(&self.dir)?;
            let l = Listing::read(&self.dir)?;
            // One batch file with every key (the newest per person, none of a person
            // erased), and the tombstones.
            let records = self.all(&l)?;
            let seq = l.next_seq();
            if !records.is_empty() {
                files::write_new(&tmp, seq, &records)?;
            }
            for id in &l.erased {
                let t = self.tomb_path(*id);
                let at = std::fs::read(&t).map_err(io(&t))?;
                crate::private::write(&tmp.join(format!("{id}.erased")), &at).map_err(io(&tmp))?;
            }
            records.len() as u64
        };
        write_atomic(&tmp.join(MARK), MARK_TEXT.as_bytes()).map_err(io(&tmp))?;
        for e in std::fs::read_dir(&tmp).map_err(io(&tmp))?.flatten() {
            if let Ok(f) = std::fs::File::open(e.path()) {
                f.sync_all().map_err(io(&e.path()))?;
            }
        }
        sync_dir(&tmp).map_err(io(&tmp))?;
        if dest.exists() {
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(dest, &old).map_err(io(dest))?;
        }
        std::fs::rename(&tmp, dest).map_err(io(dest))?;
        sync_dir(parent).map_err(io(parent))?;
        if old.exists() {
            // The older copy's keys are overwritten before they are removed.
            for e in std::fs::read_dir(&old).into_iter().flatten().flatten() {
                if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(e.path()) {
                    files::zero(&mut f);
                }
            }
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(n)
    }
}

/// What [`Vault::rewrap`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RewrapReport {
    pub rewrapped: u64,
    pub failed: u64,
}

/// A test hook standing in for a kill -9 at a named point: with
/// `DIGNITY_TEST_CRASH_AT=<point>` the process aborts there (no clean-up, like SIGKILL).
pub fn crash_point(point: &str) {
    if std::env::var("DIGNITY_TEST_CRASH_AT").is_ok_and(|p| p == point) {
        eprintln!("crash point {point}: aborting");
        std::process::abort();
    }
}
