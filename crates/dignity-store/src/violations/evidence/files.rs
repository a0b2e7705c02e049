//! Storage of evidence files: where they live (content address under
//! `DATA_DIR/files/`), opening them decrypted, temporary files, and encrypting files
//! stored in clear or under older keys.

use super::*;

pub fn files_dir(store: &Store) -> PathBuf {
    store.data_dir().join("files")
}

/// The largest accepted upload: `DIGNITY_MAX_UPLOAD_BYTES`, else the setting, else 4 GiB.
pub async fn max_upload(store: &Store) -> u64 {
    if let Some(v) = std::env::var("DIGNITY_MAX_UPLOAD_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return v;
    }
    match store.setting(SETTING_MAX_UPLOAD).await {
        Ok(Some(v)) => v.parse().unwrap_or(DEFAULT_MAX_UPLOAD),
        _ => DEFAULT_MAX_UPLOAD,
    }
}

/// Remove temporary files left by interrupted uploads (older than `min_age`).
pub fn clean_temp(store: &Store, min_age: std::time::Duration) -> usize {
    let dir = files_dir(store).join("tmp");
    let mut n = 0;
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age >= min_age);
            if old && std::fs::remove_file(e.path()).is_ok() {
                n += 1;
            }
        }
    }
    n
}

/// At server start: remove the temporary files of uploads that were interrupted (a crash,
/// a killed process) rather than waiting for the first new upload. Files written to in the
/// last minute are left alone: a CLI `evidence add` may be streaming beside the server.
pub fn clean_at_start(store: &Store) -> usize {
    let n = clean_temp(store, std::time::Duration::from_secs(60));
    if n > 0 {
        tracing::info!(
            removed = n,
            "removed temporary files of interrupted uploads"
        );
    }
    n
}

pub(super) fn clean_once(store: &Store) {
    static DONE: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    let set = DONE.get_or_init(Default::default);
    let dir = files_dir(store);
    if set.lock().expect("clean lock").insert(dir) {
        // Files of uploads still running in another process are younger than this.
        let n = clean_temp(store, std::time::Duration::from_secs(6 * 3600));
        if n > 0 {
            tracing::info!(
                removed = n,
                "removed temporary files of interrupted uploads"
            );
        }
    }
}

/// Where evidence files live: the only way to name one of them is by its [`Sha256`]
/// (64 hex digits), so no text a user sends can become a path.
pub struct EvidenceStore;

impl EvidenceStore {
    /// `sha256/ab/cdef…` under the files directory.
    pub fn rel_path(sha256: &Sha256Hex) -> String {
        let (a, b) = sha256.segments();
        format!("sha256/{a}/{b}")
    }
    /// The content address of a file in the store's files directory.
    pub fn path(store: &Store, sha256: &Sha256Hex) -> PathBuf {
        files_dir(store).join(Self::rel_path(sha256))
    }
    /// Open a stored file for reading (decrypted; see [`crate::filecrypt`]), or `None`
    /// when no such file is stored. A file stored in clear by an older version is
    /// encrypted in place first. An `InvalidData` error means the file is damaged (altered,
    /// cut off, encrypted under a key not in the key file, or not the file of this
    /// address): nothing of it may be served.
    pub fn open(store: &Store, sha256: &Sha256Hex) -> std::io::Result<Option<EvidenceFile>> {
        let path = Self::path(store, sha256);
        let mut keys = store.keys();
        let f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut head = Vec::with_capacity(64);
        (&f).take(64).read_to_end(&mut head)?;
        let clear = !filecrypt::looks_encrypted(&head);
        // Re-encrypted by a `dignity keys rotate` run beside this process, under a key this
        // process does not know yet: read the key file again (once).
        if let Some(kid) = filecrypt::key_id_of(&head) {
            if !keys.data_keys.iter().any(|d| d.id == kid) && store.reload_keys().is_ok() {
                keys = store.keys();
            }
        }
        let f = if clear {
            drop(f);
            encrypt_in_place(&path, sha256, &keys)?;
            std::fs::File::open(&path)?
        } else {
            f
        };
        let r = filecrypt::DecReader::open(f, &keys)?;
        if hex::encode(r.sha256()) != sha256.as_str() {
            return Err(filecrypt::damaged(
                "its header names another SHA-256 than its address",
            ));
        }
        Ok(Some(r))
    }

    /// Read a stored file again and return what it really is (SHA-256 checked against its
    /// address, SHA-512 and size computed), or `None` when no such file is stored.
    pub fn verify(store: &Store, sha256: &Sha256Hex) -> std::io::Result<Option<Blob>> {
        let Some(mut r) = Self::open(store, sha256)? else {
            return Ok(None);
        };
        let (mut h256, mut h512, mut size) = (Sha256::new(), Sha512::new(), 0u64);
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h256.update(&buf[..n]);
            h512.update(&buf[..n]);
            size += n as u64;
        }
        let actual = Sha256Hex::from_bytes(h256.finalize().into());
        if &actual != sha256 {
            return Err(std::io::Error::other(format!(
                "the stored file {} does not hash to its address (it hashes to {actual})",
                Self::path(store, sha256).display()
            )));
        }
        Ok(Some(Blob {
            sha256: actual,
            sha512: hex::encode(h512.finalize()),
            size,
        }))
    }
}

/// A stored evidence file, opened for reading: decrypts as it is read, seeks by chunk.
pub type EvidenceFile = filecrypt::DecReader<std::fs::File>;

/// Encrypt a file stored in clear (by a version before encryption at rest) in place
/// (see [`replace_encrypted`]). The clear file must hash to its address (else it is left
/// as it is and reported as damaged).
pub(crate) fn encrypt_in_place(
    path: &Path,
    sha256: &Sha256Hex,
    keys: &dignity_core::crypto::Keyring,
) -> std::io::Result<()> {
    let src = std::io::BufReader::new(std::fs::File::open(path)?);
    replace_encrypted(
        path,
        "encrypt",
        src,
        sha256,
        keys,
        "the file stored in clear does not hash to its address; left as it is",
    )
    .map(|_| ())
}

/// Replace the stored file at `path` with `src` encrypted under the current key: the
/// encrypted copy is written beside it under `tmp/` (name starting with `prefix`), checked
/// to hash to its address `sha256`, synced and renamed over it, so a crash leaves the old
/// file or the new one, never a part. On a mismatch the old file stays and the error is
/// "damaged: `mismatch`". Returns the plaintext size. Used to encrypt files stored in clear
/// and to re-encrypt files under a new key (`keys::files`).
pub(crate) fn replace_encrypted(
    path: &Path,
    prefix: &str,
    src: impl std::io::Read,
    sha256: &Sha256Hex,
    keys: &dignity_core::crypto::Keyring,
    mismatch: &str,
) -> std::io::Result<u64> {
    let root = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .ok_or_else(|| std::io::Error::other("evidence path without its directories"))?;
    let tmpdir = root.join("tmp");
    crate::private::create_dir(&tmpdir)?;
    let tmp = tmpdir.join(format!(
        "{prefix}-{}",
        dignity_core::password::random_token(12).replace(['-', '_'], "x")
    ));
    let res = (|| {
        let out = crate::private::open_options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let (out, sha, size) = filecrypt::encrypt_reader(src, out, keys)?;
        // Never replace a file with anything but the content recorded for it.
        if hex::encode(sha) != sha256.as_str() {
            return Err(filecrypt::damaged(mismatch));
        }
        out.sync_all()?;
        drop(out);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o400));
        }
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            // The rename itself reaches the disk.
            if let Ok(d) = std::fs::File::open(dir) {
                d.sync_all()?;
            }
        }
        Ok(size)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// What [`encrypt_clear_files`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EncryptReport {
    /// Files found in clear and encrypted now.
    pub encrypted: u64,
    /// Files already encrypted.
    pub already: u64,
    /// Files that could not be encrypted (they do not hash to their address, or a read
    /// failed): left as they are, and logged.
    pub failed: u64,
}

/// Every stored evidence file's path, with its address.
pub(crate) fn stored_files(store: &Store) -> Vec<(PathBuf, Sha256Hex)> {
    let mut out = Vec::new();
    let Ok(tops) = std::fs::read_dir(files_dir(store).join("sha256")) else {
        return out;
    };
    for top in tops.flatten() {
        let Ok(files) = std::fs::read_dir(top.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = format!(
                "{}{}",
                top.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            );
            if let Ok(sha) = name.parse::<Sha256Hex>() {
                out.push((f.path(), sha));
            }
        }
    }
    out
}

/// The first bytes of a file (fewer when it is shorter).
fn file_head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    std::fs::File::open(path)?
        .take(n as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// How many stored evidence files are not encrypted under the data key `current` (under
/// an older key, in clear, or unreadable): retiring old keys is refused while any is.
pub fn files_under_other_keys(store: &Store, current: &str) -> u64 {
    stored_files(store)
        .iter()
        .filter(|(p, _)| {
            file_head(p, 64)
                .ok()
                .and_then(|h| filecrypt::key_id_of(&h).map(str::to_string))
                .is_none_or(|k| k != current)
        })
        .count() as u64
}

/// At start: encrypt every evidence file that an older version stored in clear (see
/// [`encrypt_in_place`]). Idempotent; a run cut short is finished by the next.
pub fn encrypt_clear_files(store: &Store) -> EncryptReport {
    let mut rep = EncryptReport::default();
    let keys = store.keys();
    for (path, sha) in stored_files(store) {
        match file_head(&path, 8) {
            Ok(h) if filecrypt::looks_encrypted(&h) => rep.already += 1,
            Ok(_) => match encrypt_in_place(&path, &sha, &keys) {
                Ok(()) => rep.encrypted += 1,
                Err(e) => {
                    tracing::error!(file = %path.display(), error = %e, "an evidence file stored in clear could not be encrypted");
                    rep.failed += 1;
                }
            },
            Err(e) => {
                tracing::error!(file = %path.display(), error = %e, "an evidence file could not be read");
                rep.failed += 1;
            }
        }
    }
    if rep.encrypted > 0 || rep.failed > 0 {
        tracing::info!(
            encrypted = rep.encrypted,
            failed = rep.failed,
            "evidence files stored in clear were encrypted at rest"
        );
    }
    rep
}
