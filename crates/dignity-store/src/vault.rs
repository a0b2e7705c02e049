//! The person key vault (crypto-shredding, issue 16 item 7).
//!
//! Each person's personal fields are encrypted under the person's own key
//! ([`dignity_core::crypto::PersonKey`], values `enc:p1:<person>:…`). The keys live here,
//! **outside the database and outside its backups**: a directory (by default
//! `DATA_DIR/person-keys/`, `--person-keys` to put it elsewhere) holding one small file per
//! person, `<id>.key`, with the key wrapped (XChaCha20-Poly1305) under the current data key
//! and bound to the person's id. Erasing a person writes a tombstone `<id>.erased` and then
//! destroys the key file (overwritten with zeros, synced, removed): the person's ciphertexts
//! in the database and in every older backup no longer decrypt, and read as *erased*.
//!
//! One file per person, written atomically (a temporary file synced and renamed, then the
//! directory synced): a crash leaves a key either whole or absent, never half-written; two
//! processes (a server and a `dignity person erase`) never rewrite each other's entries;
//! and reads need no database, so [`crate::Store::decrypt`] stays synchronous. Keys read
//! once are cached in memory; the tombstone is checked on disk before every write.
//!
//! The vault must be copied like the key file, but only its current state: an older copy
//! still holds the keys of people erased since (see `docs/operations.md`,
//! `dignity keys vault-copy`).

use crate::{Result, StoreError};
use dignity_core::crypto::{Keyring, PersonKey};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// The file that marks a directory as a person key vault.
const MARK: &str = "VAULT";
const MARK_TEXT: &str = "dignity person key vault v1\n";

/// What the vault holds for one person.
#[derive(Debug, Clone)]
pub enum Entry {
    Key(PersonKey),
    /// The person was erased: the key is gone for good.
    Erased,
    /// Neither a key nor a tombstone.
    Missing,
}

pub struct Vault {
    dir: PathBuf,
    cache: RwLock<HashMap<i64, Entry>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("dir", &self.dir).finish()
    }
}

fn io(what: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Io(format!("person key vault {}: {e}", what.display()))
}

use crate::private::{sync_dir, write_atomic};

impl Vault {
    /// Whether `dir` holds a vault.
    pub fn exists(dir: &Path) -> bool {
        dir.join(MARK).is_file()
    }

    /// Open the vault in `dir`, creating an empty one when `create` (the caller checked
    /// that no person's fields are under a person key yet).
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
        Ok(Vault {
            dir: dir.to_path_buf(),
            cache: RwLock::new(HashMap::new()),
        })
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

    fn read(&self, person: i64, keys: &Keyring) -> Result<Entry> {
        if self.tomb_path(person).exists() {
            return Ok(Entry::Erased);
        }
        let p = self.key_path(person);
        match std::fs::read_to_string(&p) {
            Ok(w) => Ok(Entry::Key(keys.unwrap_person_key(person, &w)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Entry::Missing),
            Err(e) => Err(io(&p)(e)),
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

    /// Whether a key file exists for the person (on disk).
    pub fn has_key_file(&self, person: i64) -> bool {
        self.key_path(person).exists()
    }

    /// Whether the person was erased (checked on disk).
    pub fn is_erased(&self, person: i64) -> bool {
        self.tomb_path(person).exists()
    }

    fn store_key(&self, person: i64, key: &PersonKey, keys: &Keyring) -> Result<()> {
        let w = keys.wrap_person_key(person, key);
        write_atomic(&self.key_path(person), format!("{w}\n").as_bytes()).map_err(io(&self.dir))?;
        self.cache
            .write()
            .expect("vault lock")
            .insert(person, Entry::Key(key.clone()));
        Ok(())
    }

    /// The key of a person about to be written: theirs, or a new one. Refused for an
    /// erased person (checked on disk, so an erasure by another process counts).
    pub fn ensure(&self, person: i64, keys: &Keyring) -> Result<PersonKey> {
        if self.is_erased(person) {
            self.cache
                .write()
                .expect("vault lock")
                .insert(person, Entry::Erased);
            return Err(StoreError::Conflict(format!(
                "person {person} was erased: their fields cannot be written again"
            )));
        }
        match self.get(person, keys)? {
            Entry::Key(k) => {
                // Checked on disk too: a key known to this process but whose file is gone
                // is written again (the values already under it stay readable).
                if !self.key_path(person).exists() {
                    self.store_key(person, &k, keys)?;
                }
                Ok(k)
            }
            _ => {
                let k = PersonKey::generate();
                self.store_key(person, &k, keys)?;
                Ok(k)
            }
        }
    }

    /// A fresh key for a new row (its id may have been used before by a row deleted since:
    /// that row's tombstone, if any, is lifted, and its old key is never reused).
    pub fn create(&self, person: i64, keys: &Keyring) -> Result<PersonKey> {
        let k = PersonKey::generate();
        self.store_key(person, &k, keys)?;
        let tomb = self.tomb_path(person);
        if tomb.exists() {
            std::fs::remove_file(&tomb).map_err(io(&tomb))?;
            sync_dir(&self.dir).map_err(io(&self.dir))?;
        }
        Ok(k)
    }

    /// Destroy the person's key: the tombstone first (so a crash never leaves a person
    /// with neither), then the key file overwritten with zeros, synced and removed.
    /// Idempotent.
    pub fn destroy(&self, person: i64, at: &str) -> Result<()> {
        let tomb = self.tomb_path(person);
        if !tomb.exists() {
            write_atomic(&tomb, format!("{at}\n").as_bytes()).map_err(io(&self.dir))?;
        }
        let p = self.key_path(person);
        if let Ok(m) = std::fs::metadata(&p) {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&p) {
                let _ = f.write_all(&vec![0u8; m.len() as usize]);
                let _ = f.sync_all();
            }
            std::fs::remove_file(&p).map_err(io(&p))?;
            sync_dir(&self.dir).map_err(io(&self.dir))?;
        }
        self.cache
            .write()
            .expect("vault lock")
            .insert(person, Entry::Erased);
        Ok(())
    }

    fn ids_with(&self, ext: &str) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let name = e.map_err(io(&self.dir))?.file_name();
            let name = name.to_string_lossy();
            if let Some(id) = name.strip_suffix(ext).and_then(|s| s.parse::<i64>().ok()) {
                out.push(id);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The persons that have a key.
    pub fn keyed(&self) -> Result<Vec<i64>> {
        self.ids_with(".key")
    }

    /// The persons erased.
    pub fn erased(&self) -> Result<Vec<i64>> {
        self.ids_with(".erased")
    }

    /// Re-wrap every key not under the current data key (key rotation). Returns how many
    /// were re-wrapped; a key that does not unwrap is counted in `failed` and left as is.
    pub fn rewrap(&self, keys: &Keyring) -> Result<RewrapReport> {
        let mut r = RewrapReport::default();
        for id in self.keyed()? {
            let p = self.key_path(id);
            let Ok(w) = std::fs::read_to_string(&p) else {
                continue; // erased meanwhile
            };
            if Keyring::wrapped_key_id(&w) == Some(keys.current.as_str()) {
                continue;
            }
            match keys.unwrap_person_key(id, &w) {
                Ok(k) => {
                    // Not if the person was erased meanwhile: never bring a key back.
                    if !self.is_erased(id) {
                        self.store_key(id, &k, keys)?;
                        r.rewrapped += 1;
                        // Erased while we re-wrapped: destroy what we just wrote.
                        if self.is_erased(id) {
                            self.destroy(id, "")?;
                        }
                    }
                }
                Err(_) => r.failed += 1,
            }
        }
        Ok(r)
    }

    /// How many keys are wrapped under a data key other than `current`.
    pub fn under_other_keys(&self, current: &str) -> Result<u64> {
        let mut n = 0;
        for id in self.keyed()? {
            if let Ok(w) = std::fs::read_to_string(self.key_path(id)) {
                if Keyring::wrapped_key_id(&w) != Some(current) {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Copy the vault's current state to `dest` (a directory that must not exist, or an
    /// older copy, which is replaced whole: a copy never keeps the keys of persons erased
    /// since). Written beside `dest` first, synced, then renamed into place.
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
        let mut n = 0;
        for e in std::fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let e = e.map_err(io(&self.dir))?;
            let name = e.file_name();
            let s = name.to_string_lossy();
            if !(s == MARK || s.ends_with(".key") || s.ends_with(".erased")) {
                continue;
            }
            let Ok(bytes) = std::fs::read(e.path()) else {
                continue; // erased meanwhile
            };
            let target = tmp.join(&name);
            let mut f = crate::private::open_options()
                .write(true)
                .create_new(true)
                .open(&target)
                .map_err(io(&target))?;
            f.write_all(&bytes).map_err(io(&target))?;
            f.sync_all().map_err(io(&target))?;
            if s.ends_with(".key") {
                n += 1;
            }
        }
        sync_dir(&tmp).map_err(io(&tmp))?;
        // A key erased while we copied must not survive in the copy.
        for id in self.erased()? {
            let k = tmp.join(format!("{id}.key"));
            if k.exists() {
                std::fs::remove_file(&k).map_err(io(&k))?;
                n -= 1;
            }
        }
        if dest.exists() {
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(dest, &old).map_err(io(dest))?;
        }
        std::fs::rename(&tmp, dest).map_err(io(dest))?;
        sync_dir(parent).map_err(io(parent))?;
        if old.exists() {
            // The older copy's keys are overwritten before they are removed.
            for e in std::fs::read_dir(&old).into_iter().flatten().flatten() {
                if let Ok(m) = e.metadata() {
                    if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(e.path()) {
                        let _ = f.write_all(&vec![0u8; m.len() as usize]);
                        let _ = f.sync_all();
                    }
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
