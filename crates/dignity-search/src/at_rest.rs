//! The search index at rest: a tantivy [`Directory`] that seals every file it writes.
//!
//! Every file of the index (segment files, `meta.json`, `.managed.json`) is written
//! encrypted with XChaCha20-Poly1305 under a key derived (HKDF-SHA256) from the current data
//! key of the key file, so a copy of `DATA_DIR/index` without the key file shows no term,
//! no stored text and no facet value. What stays visible: the number of files, their names
//! (segment ids and extensions), their sizes and times.
//!
//! Format of a sealed file: [`MAGIC`], the length and id of the data key, a 19-byte random
//! nonce prefix, then the content in chunks of [`CHUNK`] bytes, each sealed with the nonce
//! `prefix ‖ chunk number (u32, big endian) ‖ last-chunk flag` (the STREAM construction)
//! and the header plus the file's name as associated data: a chunk cannot be reordered,
//! dropped, moved to another file, and a truncated file is refused.
//!
//! Tantivy writes each file once (`open_write`), except `meta.json` and `.managed.json`
//! (`atomic_write`: a temporary file renamed over the old one, as the plain directory
//! does). Files are decrypted into memory when first opened and kept there while the
//! directory lives (dropped when tantivy deletes them), so searches never touch the disk:
//! the index costs its size in memory (heap) instead of mapped pages.
//!
//! After a key rotation the files are re-sealed under the new key one by one, in place
//! ([`SealedDirectory::reseal_live`] while a server keeps searching and indexing, [`reseal`]
//! when no process holds the index): each is decrypted, sealed again into a temporary file,
//! synced and renamed over itself. Searches are not interrupted (they read the decrypted
//! copies in memory, whose content does not change), and a crash at any point leaves every
//! file whole under the old key or the new one, both in the key file until the old one is
//! retired; the next run (or the next opening of the index) finishes the rest.

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use dignity_core::crypto::Keyring;
use rand::RngCore;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes,
    TerminatingWrite, WatchCallback, WatchHandle, WritePtr,
};

/// First bytes of every sealed file.
pub const MAGIC: &[u8; 8] = b"DGNSEAL1";
/// Plaintext bytes per sealed chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const PREFIX: usize = 19;
/// The HKDF purpose of the index key.
const PURPOSE: &str = "dignity search index files v1";

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// The ciphers of every data key of the key ring (files sealed before a key rotation stay
/// readable while the old key is in the key file) and the id of the one new files use.
struct Ciphers {
    current: String,
    by_id: HashMap<String, XChaCha20Poly1305>,
}

impl Ciphers {
    fn new(keys: &Keyring) -> Ciphers {
        let by_id = keys
            .data_keys
            .iter()
            .filter_map(|d| {
                let k = keys.derived_key(&d.id, PURPOSE).ok()?;
                Some((d.id.clone(), XChaCha20Poly1305::new(&k.into())))
            })
            .collect();
        Ciphers {
            current: keys.current.clone(),
            by_id,
        }
    }
}

fn nonce(prefix: &[u8; PREFIX], counter: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..PREFIX].copy_from_slice(prefix);
    n[PREFIX..PREFIX + 4].copy_from_slice(&counter.to_be_bytes());
    n[23] = last as u8;
    XNonce::from(n)
}

/// The associated data of every chunk: the header (key id, nonce prefix) and the name.
fn aad(header: &[u8], path: &Path) -> Vec<u8> {
    let mut a = header.to_vec();
    a.extend_from_slice(path.to_string_lossy().as_bytes());
    a
}

/// Writes a sealed file: the header at once, then one sealed chunk per [`CHUNK`] bytes;
/// [`Sealer::finish`] seals the last (possibly short or empty) chunk.
struct Sealer<W: Write> {
    out: W,
    cipher: XChaCha20Poly1305,
    prefix: [u8; PREFIX],
    aad: Vec<u8>,
    buf: Vec<u8>,
    counter: u32,
    done: bool,
}

impl<W: Write> Sealer<W> {
    fn new(mut out: W, ciphers: &Ciphers, path: &Path) -> io::Result<Sealer<W>> {
        let cipher = ciphers
            .by_id
            .get(&ciphers.current)
            .ok_or_else(|| invalid("the current data key is not in the key file".into()))?
            .clone();
        let mut prefix = [0u8; PREFIX];
        rand::rngs::OsRng.fill_bytes(&mut prefix);
        let mut header = MAGIC.to_vec();
        let kid = ciphers.current.as_bytes();
        header.push(u8::try_from(kid.len()).map_err(|_| invalid("key id too long".into()))?);
        header.extend_from_slice(kid);
        header.extend_from_slice(&prefix);
        out.write_all(&header)?;
        Ok(Sealer {
            out,
            cipher,
            prefix,
            aad: aad(&header, path),
            buf: Vec::with_capacity(CHUNK + TAG),
            counter: 0,
            done: false,
        })
    }

    fn emit(&mut self, last: bool) -> io::Result<()> {
        let tag = self
            .cipher
            .encrypt_in_place_detached(
                &nonce(&self.prefix, self.counter, last),
                &self.aad,
                &mut self.buf,
            )
            .map_err(|_| invalid("encryption failed".into()))?;
        self.buf.extend_from_slice(&tag);
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| invalid("file too large to seal".into()))?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.done {
            self.emit(true)?;
            self.done = true;
        }
        self.out.flush()
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.done {
            return Err(io::Error::other("write after the sealed file was finished"));
        }
        let mut rest = data;
        while !rest.is_empty() {
            // A full chunk is sealed only when more bytes follow: the last chunk is the
            // one `finish` seals, so it holds 1..=CHUNK bytes (0 for an empty file).
            if self.buf.len() == CHUNK {
                self.emit(false)?;
            }
            let n = (CHUNK - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Chunks are written as they fill; flushing does not end one early.
        Ok(())
    }
}

/// The writer `open_write` hands to tantivy: seals into the file, syncs it on terminate.
/// Listed in [`Inner::writing`] until it is terminated or dropped.
struct SealedFile {
    sealer: Sealer<File>,
    inner: Arc<Inner>,
    path: PathBuf,
}

impl Write for SealedFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.sealer.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TerminatingWrite for SealedFile {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.sealer.finish()?;
        self.sealer.out.sync_data()?;
        self.inner.done_writing(&self.path);
        Ok(())
    }
}

impl Drop for SealedFile {
    fn drop(&mut self) {
        self.inner.done_writing(&self.path);
    }
}

/// Seal `data` as the content of the file `path`.
fn seal(ciphers: &Ciphers, path: &Path, data: &[u8]) -> io::Result<Vec<u8>> {
    let mut s = Sealer::new(
        Vec::with_capacity(data.len() + data.len() / CHUNK * TAG + 64),
        ciphers,
        path,
    )?;
    s.write_all(data)?;
    s.finish()?;
    Ok(s.out)
}

/// Read a sealed file of `len` bytes from `r` and return its content. Refuses a file that
/// is not sealed, sealed under a key the key file does not hold, altered, truncated, or
/// another file's.
fn unseal(ciphers: &Ciphers, path: &Path, mut r: impl Read, len: u64) -> io::Result<Vec<u8>> {
    let name = path.display();
    let mut head = [0u8; 9];
    r.read_exact(&mut head)
        .map_err(|_| invalid(format!("{name} is not a sealed index file")))?;
    if &head[..8] != MAGIC {
        return Err(invalid(format!("{name} is not a sealed index file")));
    }
    let mut kid = vec![0u8; head[8] as usize];
    r.read_exact(&mut kid)?;
    let mut prefix = [0u8; PREFIX];
    r.read_exact(&mut prefix)?;
    let kid = String::from_utf8_lossy(&kid).into_owned();
    let cipher = ciphers.by_id.get(&kid).ok_or_else(|| {
        invalid(format!(
            "{name} is sealed with data key {kid:?}, which is not in the key file"
        ))
    })?;
    let mut header = head.to_vec();
    header.extend_from_slice(kid.as_bytes());
    header.extend_from_slice(&prefix);
    let aad = aad(&header, path);
    let body = len
        .checked_sub(header.len() as u64)
        .filter(|b| *b >= TAG as u64)
        .ok_or_else(|| invalid(format!("{name} is truncated")))? as usize;
    let full = CHUNK + TAG;
    let chunks = body.div_ceil(full);
    let mut out = Vec::with_capacity(body - chunks * TAG);
    for i in 0..chunks {
        let last = i + 1 == chunks;
        let size = if last { body - i * full } else { full };
        if size < TAG {
            return Err(invalid(format!("{name} is truncated")));
        }
        let start = out.len();
        out.resize(start + size - TAG, 0);
        r.read_exact(&mut out[start..])?;
        let mut tag = [0u8; TAG];
        r.read_exact(&mut tag)?;
        let counter = u32::try_from(i).map_err(|_| invalid(format!("{name} is too large")))?;
        cipher
            .decrypt_in_place_detached(
                &nonce(&prefix, counter, last),
                &aad,
                &mut out[start..],
                Tag::from_slice(&tag),
            )
            .map_err(|_| {
                invalid(format!(
                    "{name} does not decrypt: altered, truncated, or not this index's file"
                ))
            })?;
    }
    Ok(out)
}

/// Whether the file at `path` starts like a sealed file (`None`: it does not exist).
pub fn is_sealed(path: &Path) -> io::Result<Option<bool>> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut head = [0u8; 8];
    Ok(Some(f.read_exact(&mut head).is_ok() && &head == MAGIC))
}

/// The id of the data key a sealed file was written with (`None`: not a sealed file).
pub fn sealed_key_id(path: &Path) -> io::Result<Option<String>> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        // Deleted meanwhile (a merge of another process).
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut head = [0u8; 9];
    if f.read_exact(&mut head).is_err() || &head[..8] != MAGIC {
        return Ok(None);
    }
    let mut kid = vec![0u8; head[8] as usize];
    f.read_exact(&mut kid)?;
    Ok(Some(String::from_utf8_lossy(&kid).into_owned()))
}

/// Suffix of the temporary file a re-sealed file is written to before it is renamed.
const RESEAL_TMP: &str = ".reseal-tmp";

/// How long [`SealedDirectory::reseal_live`] waits for the files tantivy was writing under
/// the old key when the keys changed (a segment being written, a merge) before it gives
/// up and leaves them to the next opening of the index.
const WAIT_FOR_WRITERS: std::time::Duration = std::time::Duration::from_secs(600);

/// Re-seal every file of the index in `root` that is sealed under another data key than
/// the current one of `keys` (after `dignity keys rotate`), without rebuilding the index
/// (see the module's documentation). The index's writer lock is taken for the whole run:
/// when another process holds it (a running server), nothing is done and the report says
/// `busy` (that server re-seals its index with [`SealedDirectory::reseal_live`], or when it
/// next opens it). `progress`: (files looked at, files in all).
pub fn reseal(
    root: &Path,
    keys: &Keyring,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> io::Result<dignity_store::keys::files::IndexReport> {
    if !root.join("meta.json").exists() {
        return Ok(Default::default());
    }
    let dir = SealedDirectory::open(root, keys).map_err(io::Error::other)?;
    let _lock = match dir.acquire_lock(&tantivy::directory::INDEX_WRITER_LOCK) {
        Ok(l) => l,
        Err(LockError::LockBusy) => {
            return Ok(dignity_store::keys::files::IndexReport {
                busy: true,
                ..Default::default()
            })
        }
        Err(LockError::IoError(e)) => return Err(io::Error::new(e.kind(), e.to_string())),
    };
    dir.reseal_files(progress)
}

/// What re-sealing one file found.
enum Resealed {
    /// Sealed again under the current key.
    Done,
    /// Already under the current key.
    Already,
    /// Gone meanwhile (deleted by a merge), not sealed (a lock file), or sealed under a key
    /// the key file does not hold (it cannot be read; the index is made again when opened).
    Skipped,
}

struct Inner {
    root: PathBuf,
    /// Locks, watching `meta.json`, deleting, syncing the directory, atomic renames.
    plain: MmapDirectory,
    /// Replaced by [`SealedDirectory::reseal_live`] after a key rotation.
    ciphers: RwLock<Arc<Ciphers>>,
    /// Decrypted files (shared with the segment readers that use them).
    open: Mutex<HashMap<PathBuf, OwnedBytes>>,
    /// Files tantivy is writing now (opened, not terminated), with the key id they are
    /// sealed under: a half-written file is not re-sealed.
    writing: Mutex<HashMap<PathBuf, String>>,
    /// Held while one file is re-sealed, and by `delete` and `atomic_write`: tantivy never
    /// deletes or replaces a file while it is re-sealed (a rename would bring a deleted
    /// file back, or put an older `meta.json` over a newer one).
    file_lock: Mutex<()>,
    /// One re-sealing run at a time.
    reseal_run: Mutex<()>,
}

impl Inner {
    fn ciphers(&self) -> Arc<Ciphers> {
        self.ciphers.read().expect("ciphers lock").clone()
    }

    fn done_writing(&self, path: &Path) {
        self.writing.lock().expect("writing lock").remove(path);
    }

    /// Re-seal the file `name` under the current key if it is under another one the key
    /// file holds (temporary file, sync, rename over it).
    fn reseal_one(&self, name: &Path) -> io::Result<Resealed> {
        let _g = self.file_lock.lock().expect("file lock");
        let ciphers = self.ciphers();
        let full = self.root.join(name);
        match sealed_key_id(&full)? {
            None => Ok(Resealed::Skipped),
            Some(kid) if kid == ciphers.current => Ok(Resealed::Already),
            Some(kid) if !ciphers.by_id.contains_key(&kid) => Ok(Resealed::Skipped),
            Some(_) => {
                let sealed = match std::fs::read(&full) {
                    Ok(s) => s,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Resealed::Skipped),
                    Err(e) => return Err(e),
                };
                let data = unseal(&ciphers, name, &sealed[..], sealed.len() as u64)?;
                let again = seal(&ciphers, name, &data)?;
                let tmp = self.root.join(format!("{}{RESEAL_TMP}", name.display()));
                let mut f = File::create(&tmp)?;
                f.write_all(&again)?;
                f.sync_all()?;
                drop(f);
                std::fs::rename(&tmp, &full)?;
                Ok(Resealed::Done)
            }
        }
    }
}

/// The index directory, every file sealed (see the module's documentation).
#[derive(Clone)]
pub struct SealedDirectory {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SealedDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedDirectory")
            .field("root", &self.inner.root)
            .finish_non_exhaustive()
    }
}

impl SealedDirectory {
    pub fn open(root: &Path, keys: &Keyring) -> tantivy::Result<SealedDirectory> {
        Ok(SealedDirectory {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                plain: MmapDirectory::open(root)?,
                ciphers: RwLock::new(Arc::new(Ciphers::new(keys))),
                open: Mutex::new(HashMap::new()),
                writing: Mutex::new(HashMap::new()),
                file_lock: Mutex::new(()),
                reseal_run: Mutex::new(()),
            }),
        })
    }

    /// Bytes of decrypted files held in memory now.
    pub fn memory_bytes(&self) -> u64 {
        let open = self.inner.open.lock().expect("sealed directory lock");
        open.values().map(|b| b.len() as u64).sum()
    }

    /// The id of the data key new files are sealed under.
    pub fn current_key(&self) -> String {
        self.inner.ciphers().current.clone()
    }

    /// Re-seal the index under the current key of `keys` while it is in use (a running
    /// server searching and indexing; the caller holds the index). From now on new files
    /// are sealed under that key; every file sealed under an older one is sealed again in
    /// place, one at a time (see the module's documentation), waiting for the files tantivy
    /// was writing under the old key to be finished. Searches go on throughout.
    /// `progress`: (files looked at, files in all). The report says `busy` only when files
    /// still being written under the old key did not finish in time (they are re-sealed
    /// when the index is next opened).
    pub fn reseal_live(
        &self,
        keys: &Keyring,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> io::Result<dignity_store::keys::files::IndexReport> {
        let _run = self.inner.reseal_run.lock().expect("reseal lock");
        // Under the write lock: a file `open_write` started under the old ciphers is
        // already listed in `writing` once this returns.
        *self.inner.ciphers.write().expect("ciphers lock") = Arc::new(Ciphers::new(keys));
        self.reseal_files(progress)
    }

    /// Re-seal every file not under the current key; files being written under an older
    /// key are waited for, then re-sealed.
    fn reseal_files(
        &self,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> io::Result<dignity_store::keys::files::IndexReport> {
        let inner = &self.inner;
        let mut rep = dignity_store::keys::files::IndexReport::default();
        let started = std::time::Instant::now();
        let mut first = true;
        loop {
            let current = inner.ciphers().current.clone();
            let mut files = Vec::new();
            for e in std::fs::read_dir(&inner.root)? {
                let e = e?;
                let name = PathBuf::from(e.file_name());
                if !e.file_type()?.is_file() {
                    continue;
                }
                if name.to_string_lossy().ends_with(RESEAL_TMP) {
                    // Left by an interrupted run: the file it was made from is in place.
                    match std::fs::remove_file(e.path()) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                        _ => continue,
                    }
                }
                files.push(name);
            }
            files.sort();
            let total = files.len() as u64;
            let mut waiting = false;
            for (i, name) in files.iter().enumerate() {
                let being_written = inner
                    .writing
                    .lock()
                    .expect("writing lock")
                    .get(name)
                    .cloned();
                match being_written {
                    // Written under the current key: nothing to do once it is finished.
                    Some(kid) if kid == current => {}
                    Some(_) => waiting = true,
                    None => match inner.reseal_one(name)? {
                        Resealed::Done => rep.resealed += 1,
                        Resealed::Already if first => rep.already += 1,
                        Resealed::Already | Resealed::Skipped => {}
                    },
                }
                if first {
                    progress(i as u64 + 1, total);
                }
            }
            first = false;
            if !waiting {
                break;
            }
            if started.elapsed() > WAIT_FOR_WRITERS {
                rep.busy = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if rep.resealed > 0 {
            inner.plain.sync_directory()?;
        }
        Ok(rep)
    }

    fn read(&self, path: &Path) -> Result<OwnedBytes, OpenReadError> {
        if let Some(b) = self.inner.open.lock().expect("lock").get(path) {
            return Ok(b.clone());
        }
        let full = self.inner.root.join(path);
        let f = File::open(&full).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                OpenReadError::FileDoesNotExist(path.to_path_buf())
            } else {
                OpenReadError::wrap_io_error(e, path.to_path_buf())
            }
        })?;
        let len = f
            .metadata()
            .map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()))?
            .len();
        let data = unseal(&self.inner.ciphers(), path, io::BufReader::new(f), len)
            .map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()))?;
        let bytes = OwnedBytes::new(data);
        // Two threads may have decrypted the same file: keep one copy.
        let mut open = self.inner.open.lock().expect("lock");
        Ok(open.entry(path.to_path_buf()).or_insert(bytes).clone())
    }
}

impl Directory for SealedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        Ok(Arc::new(self.read(path)?))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        let _g = self.inner.file_lock.lock().expect("file lock");
        self.inner.open.lock().expect("lock").remove(path);
        self.inner.plain.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.plain.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let full = self.inner.root.join(path);
        let wrap = |e: io::Error| OpenWriteError::wrap_io_error(e, path.to_path_buf());
        let ciphers = {
            // Listed as being written before a re-sealing run can see the file (see
            // `reseal_live`).
            let c = self.inner.ciphers.read().expect("ciphers lock");
            let mut w = self.inner.writing.lock().expect("writing lock");
            if w.contains_key(path) {
                return Err(OpenWriteError::FileAlreadyExists(path.to_path_buf()));
            }
            w.insert(path.to_path_buf(), c.current.clone());
            c.clone()
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(full)
            .map_err(|e| {
                self.inner.done_writing(path);
                if e.kind() == io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_path_buf())
                } else {
                    wrap(e)
                }
            })?;
        let sealer = Sealer::new(file, &ciphers, path).map_err(|e| {
            self.inner.done_writing(path);
            wrap(e)
        })?;
        Ok(io::BufWriter::with_capacity(
            CHUNK,
            Box::new(SealedFile {
                sealer,
                inner: self.inner.clone(),
                path: path.to_path_buf(),
            }),
        ))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let sealed = self.inner.plain.atomic_read(path)?;
        unseal(
            &self.inner.ciphers(),
            path,
            &sealed[..],
            sealed.len() as u64,
        )
        .map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()))
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let _g = self.inner.file_lock.lock().expect("file lock");
        let sealed = seal(&self.inner.ciphers(), path, data)?;
        self.inner.open.lock().expect("lock").remove(path);
        self.inner.plain.atomic_write(path, &sealed)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.plain.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.plain.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.plain.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ciphers() -> (Keyring, Ciphers) {
        let k = Keyring::generate("2026-12-06");
        let c = Ciphers::new(&k);
        (k, c)
    }

    #[test]
    fn round_trip_at_chunk_boundaries() {
        let (_, c) = ciphers();
        let p = Path::new("a.idx");
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let s = seal(&c, p, &data).unwrap();
            assert_eq!(unseal(&c, p, &s[..], s.len() as u64).unwrap(), data, "{n}");
        }
    }

    #[test]
    fn refuses_altered_truncated_moved_or_foreign_files() {
        let (_, c) = ciphers();
        let p = Path::new("a.store");
        let data = vec![7u8; 2 * CHUNK + 5];
        let s = seal(&c, p, &data).unwrap();
        let un = |b: &[u8], p: &str| unseal(&c, Path::new(p), b, b.len() as u64);
        // One bit flipped.
        let mut bad = s.clone();
        bad[100] ^= 1;
        assert!(un(&bad, "a.store").is_err());
        // Truncated at a chunk boundary (the last chunk dropped) or inside a chunk.
        let cut = s.len() - (5 + TAG);
        assert!(un(&s[..cut], "a.store").is_err());
        assert!(un(&s[..s.len() - 3], "a.store").is_err());
        // Another file's name.
        assert!(un(&s, "b.store").is_err());
        // Another key ring's.
        let (_, other) = ciphers();
        assert!(unseal(&other, p, &s[..], s.len() as u64).is_err());
        // Not sealed at all.
        assert!(un(b"{\"segments\":[]}", "meta.json").is_err());
        assert_eq!(un(&s, "a.store").unwrap(), data);
    }

    #[test]
    fn files_of_a_rotated_key_stay_readable_while_it_is_kept() {
        let (mut k, c) = ciphers();
        let p = Path::new("meta.json");
        let old = seal(&c, p, b"old").unwrap();
        k.rotate("2026-12-07");
        let c2 = Ciphers::new(&k);
        let new = seal(&c2, p, b"new").unwrap();
        assert_eq!(unseal(&c2, p, &old[..], old.len() as u64).unwrap(), b"old");
        assert_eq!(unseal(&c2, p, &new[..], new.len() as u64).unwrap(), b"new");
        k.retire_old_keys();
        let c3 = Ciphers::new(&k);
        assert!(unseal(&c3, p, &old[..], old.len() as u64).is_err());
    }
}
