//! Key rotation of the evidence files (the field values are in [`crate::keys`]; the search
//! index re-seals its own files: `dignity_search::at_rest::reseal`).
//!
//! Every stored evidence file names, in its header, the data key its own key was derived
//! from ([`crate::filecrypt`]). [`reencrypt_files`] rewrites each file that is not under
//! the current data key:
//!
//! 1. the stored file is opened and decrypted as a stream (its header MAC, its length and
//!    every chunk authenticated);
//! 2. the plaintext is encrypted under the current key into a new file under
//!    `files/tmp/`, while its SHA-256 is computed; it must equal the file's address (the
//!    hash recorded for the evidence item), else the new file is dropped and the old one
//!    kept;
//! 3. the new file is synced, made read-only and renamed over the old one, and the
//!    directory is synced.
//!
//! A crash (kill -9) at any point leaves every file whole, under the old key or the new
//! one (both are in the key file until they are retired), and at most a temporary file
//! that the next start or rotation removes; running the rotation again finishes the job.
//! A reader that opened the old file keeps reading it (the rename does not change an open
//! file); a reader that opens the file afterwards gets the new one (re-reading the key file
//! when the file names a key it does not know yet, see
//! [`crate::violations::evidence::EvidenceStore::open`]).

use crate::filecrypt;
use crate::violations::evidence::{clean_temp, stored_files};
use crate::Store;
use dignity_core::crypto::Keyring;
use dignity_core::Sha256 as Sha256Hex;
use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// What [`reencrypt_files`] did: counts only (no file names, no hashes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilesReport {
    /// Files now encrypted under the current key that were not before.
    pub reencrypted: u64,
    /// Files that already were.
    pub already: u64,
    /// Files that could not be re-encrypted (damaged, under a key not in the key file, a
    /// read or write error): left as they were, and logged. Retiring keys is refused while
    /// they exist.
    pub failed: u64,
    /// Plaintext bytes re-encrypted.
    pub bytes: u64,
}

/// Progress of a rotation step: (done, total).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Re-encrypt every stored evidence file that is not under the current data key (files
/// stored in clear by an old version are encrypted). Safe beside a running server and
/// after an interrupted run. `progress` is called after each file with (files looked at,
/// files in all).
pub fn reencrypt_files(store: &Store, progress: Progress<'_>) -> FilesReport {
    // Temporary files of an earlier, interrupted run (and of interrupted uploads).
    clean_temp(store, std::time::Duration::from_secs(60));
    let keys = store.keys();
    let files = stored_files(store);
    let total = files.len() as u64;
    let mut rep = FilesReport::default();
    for (i, (path, sha)) in files.iter().enumerate() {
        match reencrypt_one(path, sha, &keys) {
            Ok(Some(bytes)) => {
                rep.reencrypted += 1;
                rep.bytes += bytes;
            }
            Ok(None) => rep.already += 1,
            Err(e) => {
                // The path names the file by its hash already on disk; the error says why.
                tracing::error!(file = %path.display(), error = %e, "an evidence file could not be re-encrypted under the current key; it is left as it was");
                rep.failed += 1;
            }
        }
        progress(i as u64 + 1, total);
    }
    rep
}

/// The first `n` bytes of a file (fewer when it is shorter).
fn head(path: &Path, n: u64) -> std::io::Result<Vec<u8>> {
    let mut h = Vec::new();
    std::fs::File::open(path)?.take(n).read_to_end(&mut h)?;
    Ok(h)
}

/// Re-encrypt one file under the current key: `Some(plaintext bytes)` when it was
/// rewritten, `None` when it already was under that key.
fn reencrypt_one(path: &Path, sha: &Sha256Hex, keys: &Keyring) -> std::io::Result<Option<u64>> {
    let h = head(path, 64)?;
    if !filecrypt::looks_encrypted(&h) {
        // Stored in clear by a version before encryption at rest.
        let size = std::fs::metadata(path)?.len();
        crate::violations::evidence::encrypt_in_place(path, sha, keys)?;
        return Ok(Some(size));
    }
    if filecrypt::key_id_of(&h) == Some(keys.current.as_str()) {
        return Ok(None);
    }
    let src = filecrypt::DecReader::open(std::fs::File::open(path)?, keys)?;
    if hex::encode(src.sha256()) != sha.as_str() {
        return Err(filecrypt::damaged(
            "its header names another SHA-256 than its address",
        ));
    }
    crate::violations::evidence::replace_encrypted(
        path,
        "rotate",
        src,
        sha,
        keys,
        "its content does not hash to its address",
    )
    .map(Some)
}

/// What the search index's re-sealing did (reported by the caller's step: the store does
/// not know the index).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexReport {
    /// Index files now sealed under the current key that were not before.
    pub resealed: u64,
    /// Index files that already were.
    pub already: u64,
    /// A running server holds the index: its files were left under the key they were
    /// sealed with (the server re-seals them when it next opens the index).
    pub busy: bool,
}

/// The search index's step of a rotation: re-seal the index under the current key of the
/// key ring given, with progress.
pub type IndexStep<'a> =
    &'a (dyn Fn(&Keyring, Progress<'_>) -> std::result::Result<IndexReport, String> + Sync);

/// Told the recorded rotation, and whether it is resumed.
pub type OnStart<'a> = &'a (dyn Fn(&crate::keys::rotation::RotationJob, bool) + Sync);

/// What a rotation does besides the field values, given by its caller.
#[derive(Default, Clone, Copy)]
pub struct RotateSteps<'a> {
    /// Called after each evidence file: (files looked at, files in all).
    pub files_progress: Option<Progress<'a>>,
    /// Re-seal the search index (the CLI passes `dignity_search::at_rest::reseal`).
    pub index: Option<IndexStep<'a>>,
    /// Called after each index file: (files looked at, files in all).
    pub index_progress: Option<Progress<'a>>,
    /// Called once the rotation is recorded: the job, and whether an interrupted one is
    /// resumed ([`crate::keys::rotation`]).
    pub on_start: Option<OnStart<'a>>,
}

/// How many stored evidence files are under each data key (by the key id their header
/// names; `clear` for files an older version stored unencrypted, `?` for unreadable ones).
pub fn files_by_key(store: &Store) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    for (path, _) in stored_files(store) {
        let id = match head(&path, 64) {
            Ok(h) if !filecrypt::looks_encrypted(&h) => "clear".to_string(),
            Ok(h) => filecrypt::key_id_of(&h).unwrap_or("?").to_string(),
            Err(_) => "?".to_string(),
        };
        *out.entry(id).or_insert(0) += 1;
    }
    out
}
