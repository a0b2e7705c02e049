//! Evidence files and their chain of custody (Berkeley Protocol).
//!
//! - Files are streamed to a temporary file under `DATA_DIR/files/tmp/` while SHA-256 and
//!   SHA-512 are computed; only a complete, verified file is renamed to its
//!   content address `DATA_DIR/files/sha256/ab/cdef…` (stored once, never rewritten). An
//!   interrupted or refused upload leaves nothing behind: the temporary file is removed
//!   when the writer is dropped, and stale ones are removed when a process first stores
//!   a file.
//! - Working copies and derivatives (redacted image, transcript, translation, public copy)
//!   are evidence items of their own that name their original.
//! - The custody log records acquisition (from whom, when, how) and every view, download,
//!   derivation and export; its entries are chained by SHA-256 per item.
//! - Metadata (EXIF incl. GPS, PDF and office document properties) is extracted, stored encrypted and
//!   shown; public copies are made without it.

use super::*;
use crate::{filecrypt, now};
use dignity_core::{MediaType, Sha256 as Sha256Hex};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};
use std::io::Read;
use std::path::{Path, PathBuf};
use utoipa::ToSchema;

/// Default largest upload: 4 GiB.
pub const DEFAULT_MAX_UPLOAD: u64 = 4 * 1024 * 1024 * 1024;

pub const DERIVATIONS: &[&str] = &[
    "original",
    "working_copy",
    "redacted",
    "transcript",
    "translation",
    "public_copy",
];

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

fn clean_once(store: &Store) {
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
/// and to re-encrypt files under a new key (`keys_files`).
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

/// A stored file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Blob {
    #[schema(value_type = String)]
    pub sha256: Sha256Hex,
    pub sha512: String,
    pub size: u64,
}

impl Blob {
    pub fn rel_path(&self) -> String {
        EvidenceStore::rel_path(&self.sha256)
    }
    pub fn path(&self, store: &Store) -> PathBuf {
        EvidenceStore::path(store, &self.sha256)
    }
}

/// Why a file was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file's SHA-256 is {actual}, not the claimed {claimed}: it was changed or truncated on the way")]
    HashMismatch { claimed: String, actual: String },
    #[error("the file is empty")]
    Empty,
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Streams a file to disk while hashing it. Dropping it before [`BlobWriter::finish`]
/// removes the temporary file.
pub struct BlobWriter {
    tmp: PathBuf,
    file: Option<filecrypt::EncWriter<std::fs::File>>,
    /// SHA-256 and SHA-512, in a thread beside the encryption (see `upload_hash`).
    hashes: Option<crate::upload_hash::UploadHasher>,
    size: u64,
    limit: u64,
    root: PathBuf,
    head: Vec<u8>,
}

impl BlobWriter {
    pub fn new(store: &Store, limit: u64) -> Result<BlobWriter, UploadError> {
        clean_once(store);
        let root = files_dir(store);
        let tmpdir = root.join("tmp");
        crate::private::create_dir(&tmpdir)?;
        let tmp = tmpdir.join(format!(
            "upload-{}",
            dignity_core::password::random_token(12).replace(['-', '_'], "x")
        ));
        let file = crate::private::open_options()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        // Encrypted as it arrives: no byte of the upload reaches the disk in clear.
        let file = match filecrypt::EncWriter::new(file, &store.keys()) {
            Ok(w) => w,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
        Ok(BlobWriter {
            tmp,
            file: Some(file),
            hashes: Some(crate::upload_hash::UploadHasher::new()),
            size: 0,
            limit,
            root,
            head: Vec::new(),
        })
    }

    pub fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(UploadError::TooLarge { limit: self.limit });
        }
        if self.head.len() < 64 {
            let n = (64 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
        self.hashes.as_mut().expect("open").update(chunk);
        self.file.as_mut().expect("open").write_all(chunk)?;
        Ok(())
    }

    /// The first bytes (for recognising the type of file).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Flush, verify against the claimed SHA-256 (if any), and move the file to its content
    /// address. A file already stored is kept as it is (the new copy is dropped).
    pub fn finish(mut self, claimed_sha256: Option<&str>) -> Result<Blob, UploadError> {
        if self.size == 0 {
            return Err(UploadError::Empty);
        }
        // The hashes are of the bytes given to `write`, the same bytes the file encrypts.
        let (digest, sha512) = self.hashes.take().expect("open").finish()?;
        let f = self.file.take().expect("open").finish(&digest)?;
        f.sync_all()?;
        drop(f);
        let sha256 = Sha256Hex::from_bytes(digest);
        if let Some(c) = claimed_sha256
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty())
        {
            if sha256 != c.as_str() {
                return Err(UploadError::HashMismatch {
                    claimed: c,
                    actual: sha256.to_string(),
                });
            }
        }
        let blob = Blob {
            sha256,
            sha512,
            size: self.size,
        };
        let dest = self.root.join(blob.rel_path());
        if dest.exists() {
            std::fs::remove_file(&self.tmp)?;
        } else {
            crate::private::create_dir(dest.parent().expect("parent"))?;
            std::fs::rename(&self.tmp, &dest)?;
            #[cfg(unix)]
            {
                // Never rewritten, readable by the owner only.
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o400));
            }
        }
        self.tmp = PathBuf::new();
        Ok(blob)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Store a file from a reader (CLI, tests, derivatives).
pub fn store_reader(
    store: &Store,
    mut r: impl Read,
    limit: u64,
    claimed: Option<&str>,
) -> Result<(Blob, Vec<u8>), UploadError> {
    let mut w = BlobWriter::new(store, limit)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        w.write(&buf[..n])?;
    }
    let head = w.head().to_vec();
    Ok((w.finish(claimed)?, head))
}

/// Remove a stored file that no evidence record refers to (after a failed insert).
pub async fn discard_if_unused(store: &Store, blob: &Blob) -> Result<()> {
    let used = sqlx::query("SELECT 1 FROM vio_evidence WHERE sha256 = $1")
        .bind(blob.sha256.as_str())
        .fetch_optional(store.pool())
        .await?
        .is_some();
    if !used {
        let _ = std::fs::remove_file(blob.path(store));
    }
    Ok(())
}

/// Recognise common types by their first bytes.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let m: &[(&[u8], &str)] = &[
        (b"\xFF\xD8\xFF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"%PDF-", "application/pdf"),
        (b"GIF8", "image/gif"),
        (b"PK\x03\x04", "application/zip"),
        (b"ID3", "audio/mpeg"),
        (b"OggS", "audio/ogg"),
    ];
    for (magic, t) in m {
        if head.starts_with(magic) {
            return Some(t);
        }
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some("video/mp4");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Some("audio/wav");
    }
    None
}

// -------------------------------------------------------------- metadata --

/// Extract metadata (EXIF with GPS for images; document properties for PDF and for office
/// packages: DOCX, XLSX, PPTX, ODT, ODS, ODP).
pub fn extract_metadata<R: Read + std::io::Seek>(
    mut f: R,
    media_type: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    if media_type.starts_with("image/") {
        {
            let mut r = std::io::BufReader::new(f);
            if let Ok(ex) = exif::Reader::new().read_from_container(&mut r) {
                let mut gps = (None, None, None, None);
                for field in ex.fields() {
                    if field.ifd_num != exif::In::PRIMARY {
                        continue;
                    }
                    let name = field.tag.to_string();
                    let val = field.display_value().with_unit(&ex).to_string();
                    match field.tag {
                        exif::Tag::GPSLatitude => gps.0 = dms(&field.value),
                        exif::Tag::GPSLatitudeRef => gps.1 = Some(val.clone()),
                        exif::Tag::GPSLongitude => gps.2 = dms(&field.value),
                        exif::Tag::GPSLongitudeRef => gps.3 = Some(val.clone()),
                        _ => {}
                    }
                    if val.len() <= 500 && !matches!(field.tag, exif::Tag::MakerNote) {
                        out.insert(name, serde_json::Value::String(val));
                    }
                }
                if let (Some(lat), Some(lon)) = (gps.0, gps.2) {
                    let lat = if gps.1.as_deref().is_some_and(|r| r.contains('S')) {
                        -lat
                    } else {
                        lat
                    };
                    let lon = if gps.3.as_deref().is_some_and(|r| r.contains('W')) {
                        -lon
                    } else {
                        lon
                    };
                    out.insert(
                        "GPS".into(),
                        serde_json::json!(format!("{lat:.6}, {lon:.6}")),
                    );
                }
            }
        }
    } else if is_package(media_type) {
        out = package_properties(std::io::BufReader::new(f));
    } else if media_type == "application/pdf" {
        {
            // The Info dictionary is near the start or the end; read both ends.
            let len = f.seek(std::io::SeekFrom::End(0)).unwrap_or(0);
            let _ = f.seek(std::io::SeekFrom::Start(0));
            let mut text = Vec::new();
            let mut buf = vec![0u8; (len.min(1 << 20)) as usize];
            if f.read_exact(&mut buf).is_ok() {
                text.extend_from_slice(&buf);
            }
            if len > (1 << 20) {
                let tail = (len - (1 << 20)).max(1 << 20);
                if f.seek(std::io::SeekFrom::Start(tail)).is_ok() {
                    let mut b = Vec::new();
                    let _ = f.read_to_end(&mut b);
                    text.extend_from_slice(&b);
                }
            }
            for key in [
                "Title",
                "Author",
                "Subject",
                "Keywords",
                "Creator",
                "Producer",
                "CreationDate",
                "ModDate",
            ] {
                if let Some(v) = pdf_string(&text, key) {
                    out.insert(key.into(), serde_json::Value::String(v));
                }
            }
        }
    }
    out
}

fn dms(v: &exif::Value) -> Option<f64> {
    match v {
        exif::Value::Rational(r) if r.len() >= 3 => {
            Some(r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0)
        }
        _ => None,
    }
}

/// `/Key (literal string)` in a PDF's bytes.
fn pdf_string(b: &[u8], key: &str) -> Option<String> {
    let pat = format!("/{key}");
    let pos = b.windows(pat.len()).position(|w| w == pat.as_bytes())?;
    let rest = &b[pos + pat.len()..];
    let rest = &rest[rest.iter().position(|c| !c.is_ascii_whitespace())?..];
    if rest.first() != Some(&b'(') {
        return None;
    }
    let mut depth = 0;
    let mut out = Vec::new();
    let mut esc = false;
    for &c in rest.iter().take(2000) {
        if esc {
            out.push(c);
            esc = false;
            continue;
        }
        match c {
            b'\\' => esc = true,
            b'(' => {
                depth += 1;
                if depth > 1 {
                    out.push(c);
                }
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    if out.starts_with(&[0xFE, 0xFF]) {
        let u: Vec<u16> = out[2..]
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return Some(String::from_utf16_lossy(&u));
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

// ------------------------------------------------- office document properties --

/// Media types of office packages whose document properties are read and stripped.
pub const OFFICE_TYPES: &[(&str, &str)] = &[
    (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
];

/// Whether a media type is a zip package that may carry document properties.
pub fn is_package(media_type: &str) -> bool {
    media_type == "application/zip"
        || media_type.starts_with("application/vnd.openxmlformats-officedocument.")
        || media_type.starts_with("application/vnd.oasis.opendocument.")
}

/// Whether a public copy without metadata can be made of this media type here.
pub fn can_strip(media_type: &str) -> bool {
    matches!(media_type, "image/jpeg" | "image/png") || is_package(media_type)
}

/// The media type of a zip that is an office document (DOCX, XLSX, PPTX by their main part;
/// ODF by its `mimetype` entry), or `None` for another zip.
pub fn package_type<R: Read + std::io::Seek>(r: R) -> Option<String> {
    let mut z = zip::ZipArchive::new(r).ok()?;
    for (part, t) in OFFICE_TYPES {
        if z.index_for_name(part).is_some() {
            return Some((*t).to_string());
        }
    }
    let mut m = String::new();
    z.by_name("mimetype")
        .ok()?
        .take(200)
        .read_to_string(&mut m)
        .ok()?;
    let m = m.trim();
    m.starts_with("application/vnd.oasis.opendocument.")
        .then(|| m.to_string())
}

/// Read one part of a package as text (at most 4 MiB).
fn part<R: Read + std::io::Seek>(z: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let mut s = String::new();
    z.by_name(name)
        .ok()?
        .take(4 << 20)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// The text of the first `<tag …>text</tag>` element in `xml` (entities decoded), if not empty.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}");
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open) {
        let start = from + i + open.len();
        let rest = &xml[start..];
        // `<dc:title>` or `<dc:title attr="…">`, not `<dc:titles>` nor `<dc:title/>`.
        match rest.chars().next() {
            Some('>') | Some(' ') | Some('\t') | Some('\n') | Some('\r') => {}
            _ => {
                from = start;
                continue;
            }
        }
        let gt = rest.find('>')?;
        if rest[..gt].ends_with('/') {
            return None;
        }
        let body = &rest[gt + 1..];
        let end = body.find(&format!("</{tag}>"))?;
        let text = unescape_xml(body[..end].trim());
        return (!text.is_empty()).then(|| text.chars().take(500).collect());
    }
    None
}

fn unescape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(semi) = tail.find(';').filter(|n| *n <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..semi];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                u32::from_str_radix(&ent[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Document properties of an office package: OOXML (`docProps/core.xml`, `docProps/app.xml`)
/// or ODF (`meta.xml`). Keys as for PDF: Title, Subject, Keywords, Description, Author,
/// LastModifiedBy, Created, Modified, Application, Company, Manager.
pub fn package_properties<R: Read + std::io::Seek>(
    r: R,
) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let mut r = r;
    if !crate::ingest::package_fits(&mut r) {
        return out;
    }
    let Ok(mut z) = zip::ZipArchive::new(r) else {
        return out;
    };
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.insert(k.into(), serde_json::Value::String(v));
        }
    };
    if let Some(core) = part(&mut z, "docProps/core.xml") {
        put("Title", xml_text(&core, "dc:title"));
        put("Subject", xml_text(&core, "dc:subject"));
        put("Keywords", xml_text(&core, "cp:keywords"));
        put("Description", xml_text(&core, "dc:description"));
        put("Author", xml_text(&core, "dc:creator"));
        put("LastModifiedBy", xml_text(&core, "cp:lastModifiedBy"));
        put("Created", xml_text(&core, "dcterms:created"));
        put("Modified", xml_text(&core, "dcterms:modified"));
    }
    if let Some(app) = part(&mut z, "docProps/app.xml") {
        let name = xml_text(&app, "Application");
        let version = xml_text(&app, "AppVersion");
        put(
            "Application",
            name.map(|n| match version {
                Some(v) => format!("{n} {v}"),
                None => n,
            }),
        );
        put("Company", xml_text(&app, "Company"));
        put("Manager", xml_text(&app, "Manager"));
    }
    if let Some(meta) = part(&mut z, "meta.xml") {
        // ODF: the initial creator is the author; dc:creator is who saved it last.
        put("Title", xml_text(&meta, "dc:title"));
        put("Subject", xml_text(&meta, "dc:subject"));
        put("Keywords", xml_text(&meta, "meta:keyword"));
        put("Description", xml_text(&meta, "dc:description"));
        put("Author", xml_text(&meta, "meta:initial-creator"));
        put("LastModifiedBy", xml_text(&meta, "dc:creator"));
        put("Created", xml_text(&meta, "meta:creation-date"));
        put("Modified", xml_text(&meta, "dc:date"));
        put("Application", xml_text(&meta, "meta:generator"));
    }
    // Who commented or tracked changes (names inside the document's parts, not its
    // properties), and whether it carries a preview image of a page (which may show an
    // earlier, unredacted version).
    let mut people = std::collections::BTreeSet::new();
    let mut thumbnail = None;
    let names: Vec<String> = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    for name in names {
        if is_thumbnail(&name) {
            // A public copy's blank preview is not one.
            let mut head = Vec::new();
            let blank = z.by_name(&name).is_ok_and(|f| {
                f.size() == BLANK_PNG.len() as u64 && f.take(256).read_to_end(&mut head).is_ok()
            }) && head == BLANK_PNG;
            if !blank {
                thumbnail.get_or_insert(name);
            }
        } else if names_people(&name) {
            if let Some(xml) = part_limited(&mut z, &name, PART_LIMIT) {
                people.extend(people_in(&name, &xml));
            }
        }
    }
    if !people.is_empty() {
        put(
            "People",
            Some(people.into_iter().collect::<Vec<_>>().join("; ")),
        );
    }
    put("Thumbnail", thumbnail);
    out
}

/// The largest part read to look for or remove names (uncompressed): a package with a
/// bigger XML part cannot be cleaned here, and no public copy is made of it.
const PART_LIMIT: u64 = 64 << 20;

/// Read one part of a package as text, `None` when absent, not UTF-8 or over `limit`.
fn part_limited<R: Read + std::io::Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Option<String> {
    let f = z.by_name(name).ok()?;
    if f.size() > limit {
        return None;
    }
    let mut s = String::new();
    f.take(limit).read_to_string(&mut s).ok()?;
    Some(s)
}

/// A page preview stored in the package: OOXML `docProps/thumbnail.*`, ODF
/// `Thumbnails/thumbnail.png`.
fn is_thumbnail(name: &str) -> bool {
    name.starts_with("docProps/thumbnail.") || name.starts_with("Thumbnails/")
}

/// Where a part of an office package names people: the attributes and the elements that
/// hold a comment's or a revision's author, by part. Empty for other parts.
fn people_rules(name: &str) -> (&'static [&'static str], &'static [&'static str]) {
    let xml = name.ends_with(".xml");
    if xml && name.starts_with("word/") {
        // Comments, tracked insertions/deletions/format changes, the people list (Word 2013+).
        (
            &[
                "w:author",
                "w:initials",
                "w15:author",
                "w15:userId",
                "w15:providerId",
            ],
            &[],
        )
    } else if xml && name.starts_with("xl/") {
        // Legacy comments list their authors; threaded comments refer to persons; shared
        // workbooks log the user of each revision.
        (
            &["displayName", "userId", "providerId", "userName"],
            &["author"],
        )
    } else if name == "ppt/commentAuthors.xml" || name == "ppt/authors.xml" {
        (&["name", "initials", "userId", "providerId"], &[])
    } else if name == "content.xml" || name == "styles.xml" {
        // ODF annotations and change tracking: <dc:creator> inside them.
        (&[], &["dc:creator"])
    } else {
        (&[], &[])
    }
}

/// Whether a part may name people (see [`people_rules`]).
fn names_people(name: &str) -> bool {
    let (attrs, elements) = people_rules(name);
    !attrs.is_empty() || !elements.is_empty()
}

/// The byte ranges of the values of attribute `attr` (`attr="…"` or `attr='…'`, preceded by
/// white space so that `xw:author` is not `w:author`).
fn attr_values(xml: &str, attr: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let b = xml.as_bytes();
    let mut from = 0;
    while let Some(i) = xml[from..].find(attr).map(|i| i + from) {
        from = i + attr.len();
        let before_ok = i > 0 && b[i - 1].is_ascii_whitespace();
        let rest = &b[from..];
        let eq = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if !before_ok || rest.get(eq) != Some(&b'=') {
            continue;
        }
        let q = from + eq + 1;
        let q = q + b[q..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
        let Some(&quote) = b.get(q).filter(|c| **c == b'"' || **c == b'\'') else {
            continue;
        };
        if let Some(end) = b[q + 1..].iter().position(|c| *c == quote) {
            out.push(q + 1..q + 1 + end);
            from = q + 1 + end;
        }
    }
    out
}

/// The byte ranges of the text of every `<tag>…</tag>` element (`<tag attr…>` too).
fn element_texts(xml: &str, tag: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open).map(|i| i + from) {
        from = i + open.len();
        let Some(gt) = xml[from..].find('>').map(|g| g + from) else {
            break;
        };
        let next = xml.as_bytes()[from];
        if !(next == b'>' || next.is_ascii_whitespace()) || xml.as_bytes()[gt - 1] == b'/' {
            continue;
        }
        if let Some(end) = xml[gt + 1..].find(&close).map(|e| e + gt + 1) {
            out.push(gt + 1..end);
            from = end + close.len();
        }
    }
    out
}

fn person_ranges(name: &str, xml: &str) -> Vec<std::ops::Range<usize>> {
    let (attrs, elements) = people_rules(name);
    let mut r: Vec<_> = attrs
        .iter()
        .flat_map(|a| attr_values(xml, a))
        .chain(elements.iter().flat_map(|e| element_texts(xml, e)))
        .filter(|r| !r.is_empty())
        .collect();
    if name.starts_with("xl/comments") {
        // Excel starts a note's text with its author's name in a bold run of its own
        // ("Omar Haddad:"): that run goes too; the rest of the note is content and stays.
        let authors: Vec<String> = element_texts(xml, "author")
            .into_iter()
            .map(|a| format!("{}:", unescape_xml(xml[a].trim())))
            .collect();
        r.extend(
            element_texts(xml, "t")
                .into_iter()
                .filter(|t| authors.contains(&unescape_xml(xml[t.clone()].trim()))),
        );
    }
    r.sort_by_key(|r| r.start);
    r.dedup_by(|b, a| b.start < a.end);
    r
}

/// The names of people found in a part (entities decoded), for the evidence page: the
/// name-holding attributes and elements only (initials and account ids are removed from a
/// public copy too, but not listed).
fn people_in(name: &str, xml: &str) -> Vec<String> {
    const NAMES: &[&str] = &["w:author", "w15:author", "displayName", "userName", "name"];
    let (attrs, elements) = people_rules(name);
    attrs
        .iter()
        .filter(|a| NAMES.contains(a))
        .flat_map(|a| attr_values(xml, a))
        .chain(elements.iter().flat_map(|e| element_texts(xml, e)))
        .map(|r| unescape_xml(xml[r].trim()))
        // Excel's placeholder author of a threaded comment (`tc={id}`) is not a person.
        .filter(|n| !n.is_empty() && !n.starts_with("tc="))
        .collect()
}

/// The part with every person's name emptied, or `None` when it names nobody.
fn without_people(name: &str, xml: &str) -> Option<String> {
    let ranges = person_ranges(name, xml);
    if ranges.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(xml.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&xml[at..r.start]);
        at = r.end;
    }
    out.push_str(&xml[at..]);
    Some(out)
}

/// `_rels/.rels` or `[Content_Types].xml` without the elements that point at a dropped
/// thumbnail (`Target="docProps/thumbnail.jpeg"`, `PartName="/docProps/thumbnail.jpeg"`).
fn without_thumbnail_refs(xml: &str, thumbnails: &[String]) -> Option<String> {
    let mut out = xml.to_string();
    let mut changed = false;
    for t in thumbnails {
        for needle in [
            format!("Target=\"{t}\""),
            format!("Target=\"/{t}\""),
            format!("PartName=\"/{t}\""),
        ] {
            while let Some(i) = out.find(&needle) {
                let (Some(start), Some(end)) = (out[..i].rfind('<'), out[i..].find("/>")) else {
                    break;
                };
                out.replace_range(start..i + end + 2, "");
                changed = true;
            }
        }
    }
    changed.then_some(out)
}

/// The parts of a package that hold document properties, and what replaces them: the same
/// part with no property in it (so that the package stays valid for its readers).
fn blank_part(name: &str, original: &str) -> Option<String> {
    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
    match name {
        "docProps/core.xml" => Some(format!(
            "{XML}\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
             xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"></cp:coreProperties>"
        )),
        "docProps/app.xml" => Some(format!(
            "{XML}\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
             xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>"
        )),
        "docProps/custom.xml" => Some(format!(
            "{XML}\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
             xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>"
        )),
        "meta.xml" => {
            // Keep the document's ODF version (its manifest names the same one).
            let version = original
                .find("office:version=\"")
                .and_then(|i| {
                    let r = &original[i + 16..];
                    r.find('"').map(|j| r[..j].to_string())
                })
                .filter(|v| v.len() <= 8 && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .unwrap_or_else(|| "1.2".into());
            Some(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta \
                 xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
                 xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" \
                 xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"{version}\"><office:meta/></office:document-meta>"
            ))
        }
        _ => None,
    }
}

/// A copy of an office package (DOCX, XLSX, PPTX, ODT, ODS, ODP…) without what identifies
/// the people who wrote it: the document properties are emptied, the authors of comments and
/// tracked changes blanked (the comments' text stays), and the page preview removed (OOXML:
/// the part and the references to it; ODF: replaced by a blank 1×1 image, as its manifest
/// lists it). Every other part is copied byte for byte, in the same order and with the same
/// compression (an ODF `mimetype` entry stays first and stored). `None` when the bytes are
/// not a zip, a part to clean cannot be read, or there was nothing to remove.
pub fn strip_package(bytes: &[u8]) -> Option<Vec<u8>> {
    if !crate::ingest::package_fits(&mut std::io::Cursor::new(bytes)) {
        return None;
    }
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(bytes.len())));
    let odf = z.index_for_name("mimetype").is_some();
    let dropped: Vec<String> = if odf {
        Vec::new()
    } else {
        z.file_names()
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .filter(|n| is_thumbnail(n))
            .collect()
    };
    let mut replaced = 0;
    for i in 0..z.len() {
        let (name, method) = {
            let f = z.by_index_raw(i).ok()?;
            (f.name().ok()?.into_owned(), f.compression())
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        if is_thumbnail(&name) {
            replaced += 1;
            if odf {
                w.start_file(name.as_str(), opts).ok()?;
                std::io::Write::write_all(&mut w, BLANK_PNG).ok()?;
            }
            continue;
        }
        let properties = matches!(
            name.as_str(),
            "docProps/core.xml" | "docProps/app.xml" | "docProps/custom.xml" | "meta.xml"
        );
        let refs = !dropped.is_empty() && (name == "_rels/.rels" || name == "[Content_Types].xml");
        let people = names_people(&name);
        let cleaned = if properties || refs || people {
            // A part that must be cleaned but cannot be read stops the copy.
            let original = part_limited(&mut z, &name, PART_LIMIT)?;
            if properties {
                blank_part(&name, &original)
            } else if refs {
                without_thumbnail_refs(&original, &dropped)
            } else {
                without_people(&name, &original)
            }
        } else {
            None
        };
        match cleaned {
            Some(text) => {
                w.start_file(name.as_str(), opts).ok()?;
                std::io::Write::write_all(&mut w, text.as_bytes()).ok()?;
                replaced += 1;
            }
            None => w.raw_copy_file(z.by_index_raw(i).ok()?).ok()?,
        }
    }
    if replaced == 0 {
        return None;
    }
    Some(w.finish().ok()?.into_inner())
}

/// A valid 1×1 transparent PNG: what an ODF package's preview becomes in a public copy.
const BLANK_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
];

/// A copy without its metadata: JPEG or PNG (EXIF, GPS, XMP, IPTC, comments, text chunks),
/// office packages (document properties). Other types cannot be cleaned here: `None`.
pub fn strip_metadata(bytes: &[u8], media_type: &str) -> Option<Vec<u8>> {
    match media_type {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        t if is_package(t) => strip_package(bytes),
        _ => None,
    }
}

fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = vec![0xFF, 0xD8];
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xDA {
            // Start of scan: the rest is image data.
            out.extend_from_slice(&b[i..]);
            return Some(out);
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if i + 2 + len > b.len() {
            return None;
        }
        // Drop APP1 (EXIF, XMP), APP13 (IPTC) and other application segments except APP0
        // (JFIF), APP2 (ICC colour profile) and APP14 (Adobe colour transform); drop comments.
        let drop =
            (0xE1..=0xEF).contains(&marker) && marker != 0xE2 && marker != 0xEE || marker == 0xFE;
        if !drop {
            out.extend_from_slice(&b[i..i + 2 + len]);
        }
        i += 2 + len;
    }
    None
}

fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let sig = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(sig) {
        return None;
    }
    let mut out = sig.to_vec();
    let mut i = 8;
    while i + 12 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let kind = &b[i + 4..i + 8];
        let end = i + 12 + len;
        if end > b.len() {
            return None;
        }
        if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

// ---------------------------------------------------------------- records --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EvidenceInput {
    pub title: String,
    pub description: String,
    /// The file's name as received.
    pub filename: String,
    /// Declared media type (recognised from the content when empty or generic).
    pub media_type: String,
    /// original (default), working_copy, redacted, transcript, translation, public_copy.
    pub derivation: String,
    /// For derivatives: the original item.
    pub original_id: Option<i64>,
    pub event_id: Option<i64>,
    pub act_id: Option<i64>,
    pub person_id: Option<i64>,
    /// Who the item was acquired from (encrypted).
    pub acquired_from: String,
    /// When (YYYY-MM-DD or RFC 3339).
    pub acquired_at: String,
    /// How (handed over on a USB stick, downloaded from…, photographed by…).
    pub acquired_how: String,
    /// Default confidential.
    pub confidentiality: String,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub original_id: Option<i64>,
    pub derivation: String,
    pub title: String,
    pub description: String,
    pub filename: String,
    #[schema(value_type = String)]
    pub media_type: MediaType,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex (equal to `sha256sum` of the file).
    #[schema(value_type = String)]
    pub sha256: Sha256Hex,
    pub sha512: String,
    pub metadata: serde_json::Value,
    pub event_id: Option<i64>,
    pub act_id: Option<i64>,
    pub person_id: Option<i64>,
    pub acquired_from: String,
    pub acquired_at: String,
    pub acquired_how: String,
    pub confidentiality: String,
    pub created_by: Option<i64>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustodyEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub counterpart: String,
    pub method: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of a custody entry: SHA-256 over its fields, each followed by a newline.
#[allow(clippy::too_many_arguments)]
pub fn custody_hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    counterpart: &str,
    method: &str,
    details: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        actor,
        action,
        counterpart,
        method,
        details,
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Append a custody entry for an item (inside the caller's transaction).
pub async fn custody(
    tx: &mut WriteTx,
    evidence_id: i64,
    action: &str,
    counterpart: &str,
    method: &str,
    details: &str,
) -> Result<()> {
    let last = sqlx::query(
        "SELECT seq, hash FROM vio_custody WHERE evidence_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(evidence_id)
    .fetch_optional(tx.conn())
    .await?;
    let (seq, prev) = match last {
        Some(r) => (r.get::<i64, _>(0) + 1, r.get::<String, _>(1)),
        None => (1, "0".repeat(64)),
    };
    let at = now();
    let actor = tx.actor().username.clone();
    let hash = custody_hash(
        &prev,
        seq,
        &at,
        &actor,
        action,
        counterpart,
        method,
        details,
    );
    let store = tx.store().clone();
    let id = tx.next_id("vio_custody").await?;
    sqlx::query(
        "INSERT INTO vio_custody (evidence_id, seq, at, actor_id, actor_name, action, counterpart, method, details, prev_hash, hash, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
    )
    .bind(evidence_id)
    .bind(seq)
    .bind(&at)
    .bind(tx.actor().user_id)
    .bind(&actor)
    .bind(action)
    .bind(enc(&store, "vio_custody.counterpart", id, counterpart))
    .bind(enc_keep(&store, "vio_custody.method", id, method))
    .bind(enc_keep(&store, "vio_custody.details", id, details))
    .bind(&prev)
    .bind(&hash)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        &format!("evidence.{action}"),
        EVIDENCE,
        &evidence_id.to_string(),
        None,
        None,
        serde_json::json!({ "custody_seq": seq }),
    );
    Ok(())
}

pub async fn custody_log(store: &Store, evidence_id: i64) -> Result<Vec<CustodyEntry>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor_name, action, counterpart, method, details, prev_hash, hash, id FROM vio_custody WHERE evidence_id = $1 ORDER BY seq",
    )
    .bind(evidence_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in rows {
        let id: i64 = r.get(9);
        out.push(CustodyEntry {
            seq: r.get(0),
            at: r.get(1),
            actor: r.get(2),
            action: r.get(3),
            counterpart: dec(store, "vio_custody.counterpart", id, r.get(4))?,
            method: dec(store, "vio_custody.method", id, r.get(5))?,
            details: dec(store, "vio_custody.details", id, r.get(6))?,
            prev_hash: r.get(7),
            hash: r.get(8),
        });
    }
    Ok(out)
}

/// Check an item's custody chain; returns the sequence numbers of broken entries.
pub fn verify_custody(log: &[CustodyEntry]) -> Vec<i64> {
    let mut prev = "0".repeat(64);
    let mut bad = vec![];
    for e in log {
        let h = custody_hash(
            &prev,
            e.seq,
            &e.at,
            &e.actor,
            &e.action,
            &e.counterpart,
            &e.method,
            &e.details,
        );
        if e.prev_hash != prev || e.hash != h {
            bad.push(e.seq);
        }
        prev = e.hash.clone();
    }
    bad
}

/// Create the evidence record of a stored file, with its custody entries (acquisition,
/// upload, metadata extraction). Check the actor's access to the linked records first.
/// What is learnt from a stored file's bytes: its media type (sniffed, and an office
/// document told from a plain zip) and its metadata (EXIF, document properties).
#[derive(Debug, Clone)]
pub struct FileAnalysis {
    pub media_type: MediaType,
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// Read a stored file for its type and metadata (zip and EXIF reading: slow on big
/// files). Done *before* the write transaction is opened, so that the transaction (and
/// the audit lock it holds) waits on no file.
pub fn analyse_file(store: &Store, declared: &str, blob: &Blob, head: &[u8]) -> FileAnalysis {
    // The declared type is parsed (RFC 6838 `type/subtype`, else octet-stream): it is sent
    // back as a `Content-Type` header on download.
    let declared = MediaType::or_octet_stream(declared);
    let media_type = match sniff(head) {
        Some(t) if declared == dignity_core::edge::OCTET_STREAM => MediaType::from(t),
        _ => declared,
    };
    // A zip that is an office document is named as one (a DOCX sent as octet-stream).
    let open = || EvidenceStore::open(store, &blob.sha256).ok().flatten();
    let media_type = if media_type == "application/zip" {
        open()
            .and_then(|f| package_type(std::io::BufReader::new(f)))
            .map(MediaType::from)
            .unwrap_or(media_type)
    } else {
        media_type
    };
    let metadata = open()
        .map(|f| extract_metadata(f, media_type.as_str()))
        .unwrap_or_default();
    FileAnalysis {
        media_type,
        metadata,
    }
}

/// Create an evidence record, reading the file for its type and metadata first (inside
/// the caller's transaction). Where the transaction can be opened after that reading —
/// uploads — call [`analyse_file`] first and then [`create_evidence_analysed`].
pub async fn create_evidence(
    tx: &mut WriteTx,
    input: &EvidenceInput,
    blob: &Blob,
    head: &[u8],
) -> Result<i64> {
    let analysis = analyse_file(tx.store(), &input.media_type, blob, head);
    create_evidence_analysed(tx, input, blob, &analysis).await
}

/// Create an evidence record of a file already analysed ([`analyse_file`]): the
/// transaction only checks and inserts, it reads no file.
pub async fn create_evidence_analysed(
    tx: &mut WriteTx,
    input: &EvidenceInput,
    blob: &Blob,
    analysis: &FileAnalysis,
) -> Result<i64> {
    let store = tx.store().clone();
    let title = input.title.trim();
    let title = if title.is_empty() {
        "untitled".to_string()
    } else {
        title.chars().take(300).collect()
    };
    let derivation = match input.derivation.trim() {
        "" => "original",
        d => DERIVATIONS
            .iter()
            .find(|x| **x == d)
            .copied()
            .ok_or_else(|| {
                StoreError::invalid(
                    "derivation",
                    format!("expected one of {}", DERIVATIONS.join(", ")),
                )
            })?,
    };
    if derivation != "original" && input.original_id.is_none() {
        return Err(StoreError::invalid(
            "original_id",
            "a derivative names the original it was made from",
        ));
    }
    if derivation == "original" && input.original_id.is_some() {
        return Err(StoreError::invalid("derivation", "an item made from another one is a derivative (working_copy, redacted, transcript, translation or public_copy)"));
    }
    let lvl = level(&input.confidentiality, Confidentiality::Confidential)?;
    may_create(tx.actor(), lvl)?;
    for (f, t, id) in [
        ("original_id", EVIDENCE, input.original_id),
        ("event_id", EVENT, input.event_id),
        ("act_id", ACT, input.act_id),
        ("person_id", PERSON, input.person_id),
    ] {
        if let Some(id) = id {
            // Exists and readable by the writer: the same answer either way.
            if !super::records::exists(tx, t, id).await? {
                return Err(StoreError::invalid(f, format!("no record {id}")));
            }
        }
    }
    let media_type = &analysis.media_type;
    let meta = &analysis.metadata;
    let meta_json = serde_json::Value::Object(meta.clone()).to_string();
    let id = tx.next_id("vio_evidence").await?;
    sqlx::query(
        "INSERT INTO vio_evidence (original_id, derivation, title, description, filename, media_type, size_bytes, sha256, sha512, \
         metadata, event_id, act_id, person_id, acquired_from, acquired_at, acquired_how, confidentiality, published, created_by, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,0,$18,$19,$20)",
    )
    .bind(input.original_id)
    .bind(derivation)
    .bind(enc_keep(&store, "vio_evidence.title", id, &title))
    .bind(enc(&store, "vio_evidence.description", id, &input.description))
    .bind(enc(&store, "vio_evidence.filename", id, &input.filename))
    .bind(media_type.as_str())
    .bind(blob.size as i64)
    .bind(blob.sha256.as_str())
    .bind(&blob.sha512)
    .bind((!meta.is_empty()).then(|| store.keys().encrypt("vio_evidence.metadata", id, &meta_json)))
    .bind(input.event_id)
    .bind(input.act_id)
    .bind(input.person_id)
    .bind(enc(&store, "vio_evidence.acquired_from", id, &input.acquired_from))
    .bind(enc_keep(&store, "vio_evidence.acquired_at", id, &input.acquired_at))
    .bind(enc_keep(&store, "vio_evidence.acquired_how", id, &input.acquired_how))
    .bind(lvl.as_str())
    .bind(tx.actor().user_id)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    set_list(
        tx,
        EVIDENCE,
        id,
        lvl,
        &input.need_to_know_users,
        &input.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "evidence.create",
        EVIDENCE,
        &id.to_string(),
        None,
        Some(&serde_json::json!({ "sha256": blob.sha256, "input": input })),
        serde_json::json!({ "sha256": blob.sha256, "size": blob.size, "derivation": derivation }),
    );
    if !input.acquired_from.trim().is_empty() || !input.acquired_how.trim().is_empty() {
        custody(
            tx,
            id,
            "acquired",
            &input.acquired_from,
            input.acquired_how.trim(),
            &format!("acquired_at={}", input.acquired_at.trim()),
        )
        .await?;
    }
    custody(
        tx,
        id,
        if derivation == "original" {
            "uploaded"
        } else {
            "derived"
        },
        "",
        "",
        &format!(
            "sha256={} sha512={} size={}{}",
            blob.sha256,
            blob.sha512,
            blob.size,
            input
                .original_id
                .map(|o| format!(" from={o}"))
                .unwrap_or_default()
        ),
    )
    .await?;
    if !meta.is_empty() {
        custody(
            tx,
            id,
            "metadata_extracted",
            "",
            "",
            &format!("fields={}", meta.len()),
        )
        .await?;
    }
    Ok(id)
}

const COLS: &str = "id, original_id, derivation, title, description, filename, media_type, size_bytes, sha256, sha512, metadata, \
    event_id, act_id, person_id, acquired_from, acquired_at, acquired_how, confidentiality, created_by, created_at";

fn from_row(store: &Store, r: &sqlx::any::AnyRow) -> Result<Evidence> {
    let id: i64 = r.get(0);
    let meta = dec(store, "vio_evidence.metadata", id, r.get(10))?;
    Ok(Evidence {
        id,
        original_id: r.get(1),
        derivation: r.get(2),
        title: dec(store, "vio_evidence.title", id, r.get(3))?,
        description: dec(store, "vio_evidence.description", id, r.get(4))?,
        filename: dec(store, "vio_evidence.filename", id, r.get(5))?,
        media_type: MediaType::or_octet_stream(&r.get::<String, _>(6)),
        size_bytes: r.get(7),
        sha256: Sha256Hex::parse(&r.get::<String, _>(8)).map_err(|e| {
            StoreError::Internal(format!(
                "evidence {}: the stored SHA-256 is not one: {e}",
                r.get::<i64, _>(0)
            ))
        })?,
        sha512: r.get(9),
        metadata: if meta.is_empty() {
            serde_json::json!({})
        } else {
            serde_json::from_str(&meta).unwrap_or_default()
        },
        event_id: r.get(11),
        act_id: r.get(12),
        person_id: r.get(13),
        acquired_from: dec(store, "vio_evidence.acquired_from", id, r.get(14))?,
        acquired_at: dec(store, "vio_evidence.acquired_at", id, r.get(15))?,
        acquired_how: dec(store, "vio_evidence.acquired_how", id, r.get(16))?,
        confidentiality: r.get(17),
        created_by: r.get(18),
        created_at: r.get(19),
    })
}

pub async fn get_evidence(store: &Store, id: i64) -> Result<Option<Evidence>> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM vio_evidence WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    r.map(|r| from_row(store, &r)).transpose()
}

/// Evidence items the actor may see, optionally of one event or derived from one item.
pub async fn list_evidence(
    store: &Store,
    actor: &Actor,
    event_id: Option<i64>,
    original_id: Option<i64>,
) -> Result<Vec<Evidence>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM vio_evidence v WHERE {} AND ($1 = 0 OR v.event_id = $1) AND ($2 = 0 OR v.original_id = $2) ORDER BY v.id",
        COLS.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", "),
        acl::visible_sql(actor, "v", dignity_core::RecordType::Evidence)
    ))
    .bind(event_id.unwrap_or(0))
    .bind(original_id.unwrap_or(0))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|r| from_row(store, r)).collect()
}

/// Record that the actor viewed or downloaded an item (custody + audit), and return the
/// path of its content.
pub async fn open_content(
    store: &Store,
    actor: &Actor,
    id: i64,
    action: &str,
) -> Result<(Evidence, PathBuf)> {
    require(store, actor, Action::Read, EVIDENCE, id).await?;
    let ev = get_evidence(store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("evidence {id}")))?;
    let blob = Blob {
        sha256: ev.sha256.clone(),
        sha512: ev.sha512.clone(),
        size: ev.size_bytes as u64,
    };
    let path = blob.path(store);
    if !path.exists() {
        return Err(StoreError::Internal(format!(
            "the content of evidence {id} is missing from the files directory"
        )));
    }
    let mut tx = store.begin(actor).await?;
    custody(&mut tx, id, action, "", "", "").await?;
    tx.commit().await?;
    Ok((ev, path))
}

/// The whole (decrypted) content of a stored file, for derivatives made in memory.
fn read_all(store: &Store, sha256: &Sha256Hex) -> Result<Vec<u8>> {
    let mut r = EvidenceStore::open(store, sha256)
        .map_err(|e| StoreError::Internal(e.to_string()))?
        .ok_or_else(|| StoreError::Internal(format!("the file {sha256} is missing")))?;
    let mut out = Vec::with_capacity(r.size() as usize);
    r.read_to_end(&mut out)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(out)
}

/// Make a public copy of an image or an office document without its metadata (a derivative
/// of `id`). The copy is checked: if metadata could still be read from it, nothing is stored.
pub async fn make_public_copy(store: &Store, actor: &Actor, id: i64) -> Result<i64> {
    require(store, actor, Action::Read, EVIDENCE, id).await?;
    let ev = get_evidence(store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("evidence {id}")))?;
    let blob = Blob {
        sha256: ev.sha256.clone(),
        sha512: ev.sha512.clone(),
        size: ev.size_bytes as u64,
    };
    let bytes = read_all(store, &blob.sha256)?;
    let clean = strip_metadata(&bytes, ev.media_type.as_str()).ok_or_else(|| {
        StoreError::invalid(
            "media_type",
            format!(
                "metadata cannot be removed from {} files here; make a redacted copy by hand",
                ev.media_type
            ),
        )
    })?;
    if is_package(ev.media_type.as_str())
        && !package_properties(std::io::Cursor::new(&clean)).is_empty()
    {
        return Err(StoreError::invalid(
            "media_type",
            "the document's properties could not all be removed; nothing was stored",
        ));
    }
    let (nb, head) = store_reader(store, &clean[..], u64::MAX, None)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let input = EvidenceInput {
        title: format!("{} (public copy)", ev.title),
        filename: ev.filename.clone(),
        media_type: ev.media_type.to_string(),
        derivation: "public_copy".into(),
        original_id: Some(id),
        event_id: ev.event_id,
        act_id: ev.act_id,
        person_id: ev.person_id,
        confidentiality: ev.confidentiality.clone(),
        ..Default::default()
    };
    let r = async {
        let mut tx = store.begin(actor).await?;
        let nid = create_evidence(&mut tx, &input, &nb, &head).await?;
        custody(
            &mut tx,
            id,
            "derived",
            "",
            "metadata removed",
            &format!("public_copy={nid}"),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(nid)
    }
    .await;
    if r.is_err() {
        discard_if_unused(store, &nb).await?;
    }
    r
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub items: usize,
    pub bytes: u64,
    pub skipped: Vec<i64>,
    pub manifest_sha256: String,
}

/// Build an evidence package in `out` (a new or empty directory): `files/<sha256>`, the
/// manifests `manifest.sha256` and `manifest.sha512` (the format of `sha256sum`), the
/// custody log of every item (`custody.json`, `custody.csv`), the item records
/// (`items.json`) and `manifest.sha256.sha256`, the hash of the manifest. Check it with
/// `sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256`.
///
/// Items the actor may not export are skipped (listed in the report, not in the package).
/// Each exported item gets an `exported` custody entry; the export is audited.
pub async fn export_package(
    store: &Store,
    actor: &Actor,
    ids: &[i64],
    out: &Path,
) -> Result<ExportReport> {
    let io = |e: std::io::Error| StoreError::Internal(format!("{}: {e}", out.display()));
    if out.exists() && std::fs::read_dir(out).map_err(io)?.next().is_some() {
        return Err(StoreError::invalid(
            "out",
            format!("{} is not empty", out.display()),
        ));
    }
    std::fs::create_dir_all(out.join("files")).map_err(io)?;
    let mut items = vec![];
    let mut skipped = vec![];
    for &id in ids {
        if can(store, actor, Action::Export, EVIDENCE, id).await? {
            if let Some(e) = get_evidence(store, id).await? {
                items.push(e);
                continue;
            }
        }
        skipped.push(id);
    }
    let mut tx = store.begin(actor).await?;
    for e in &items {
        custody(
            &mut tx,
            e.id,
            "exported",
            "",
            "evidence package",
            &format!("package={}", out.display()),
        )
        .await?;
    }
    tx.audit(
        "evidence.export",
        EVIDENCE,
        "package",
        None,
        None,
        serde_json::json!({ "items": items.iter().map(|e| e.id).collect::<Vec<_>>(), "skipped": skipped }),
    );
    tx.commit().await?;

    let mut m256 = String::new();
    let mut m512 = String::new();
    let mut bytes = 0u64;
    let mut custody_all = serde_json::Map::new();
    // Cells that a spreadsheet would run as a formula get a leading `'` (custody.json
    // keeps the exact values, over which the entries' hashes are computed).
    let mut csv = dignity_core::edge::CsvWriter::from_writer(Vec::new());
    let _ = csv.write_record([
        "evidence_id",
        "seq",
        "at",
        "actor",
        "action",
        "counterpart",
        "method",
        "details",
        "prev_hash",
        "hash",
    ]);
    for e in &items {
        let blob = Blob {
            sha256: e.sha256.clone(),
            sha512: e.sha512.clone(),
            size: e.size_bytes as u64,
        };
        let rel = format!("files/{}", e.sha256);
        if !out.join(&rel).exists() {
            // The package is for a court or a partner: the files leave decrypted.
            let mut src = EvidenceStore::open(store, &blob.sha256)
                .and_then(|o| o.ok_or_else(|| std::io::Error::other("the file is missing")))
                .map_err(io)?;
            let mut dst = std::fs::File::create(out.join(&rel)).map_err(io)?;
            std::io::copy(&mut src, &mut dst).map_err(io)?;
            m256.push_str(&format!("{}  {rel}\n", e.sha256));
            m512.push_str(&format!("{}  {rel}\n", e.sha512));
            bytes += blob.size;
        }
        let log = custody_log(store, e.id).await?;
        for c in &log {
            let _ = csv.write_record([
                e.id.to_string().as_str(),
                &c.seq.to_string(),
                &c.at,
                &c.actor,
                &c.action,
                &c.counterpart,
                &c.method,
                &c.details,
                &c.prev_hash,
                &c.hash,
            ]);
        }
        custody_all.insert(
            e.id.to_string(),
            serde_json::to_value(&log).unwrap_or_default(),
        );
    }
    let write = |name: &str, content: &[u8]| std::fs::write(out.join(name), content).map_err(io);
    write(
        "items.json",
        serde_json::to_string_pretty(&items)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write(
        "custody.json",
        serde_json::to_string_pretty(&custody_all)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write("custody.csv", &csv.into_inner().unwrap_or_default())?;
    for name in ["items.json", "custody.json", "custody.csv"] {
        let data = std::fs::read(out.join(name)).map_err(io)?;
        m256.push_str(&format!("{}  {name}\n", hex::encode(Sha256::digest(&data))));
        m512.push_str(&format!("{}  {name}\n", hex::encode(Sha512::digest(&data))));
    }
    write("manifest.sha256", m256.as_bytes())?;
    write("manifest.sha512", m512.as_bytes())?;
    let mh = hex::encode(Sha256::digest(m256.as_bytes()));
    write(
        "manifest.sha256.sha256",
        format!("{mh}  manifest.sha256\n").as_bytes(),
    )?;
    write(
        "README.txt",
        format!(
            "Evidence package from Dignity.\n\nVerify with standard tools:\n\n  sha256sum -c manifest.sha256.sha256\n  sha256sum -c manifest.sha256\n  sha512sum -c manifest.sha512\n\nfiles/ holds each file once, named by its SHA-256.\nitems.json describes the items; custody.json and custody.csv hold their chain of custody\n(each entry's hash is SHA-256 over prev_hash, seq, at, actor, action, counterpart, method, details, each followed by a newline).\nSHA-256 of manifest.sha256: {mh}\n"
        )
        .as_bytes(),
    )?;
    Ok(ExportReport {
        items: items.len(),
        bytes,
        skipped,
        manifest_sha256: mh,
    })
}

/// Build the same package as [`export_package`] as one tar archive at `archive`, with
/// every file under a top-level folder named like the archive (`case-12.tar` →
/// `case-12/…`). Verify with standard tools only:
/// `tar -xf case-12.tar && cd case-12 && sha256sum -c manifest.sha256.sha256 && sha256sum -c manifest.sha256`.
///
/// The archive is written to `<archive>.partial` and renamed when complete, so an
/// interrupted export leaves no archive that looks whole; the staging folder is removed.
pub async fn export_archive(
    store: &Store,
    actor: &Actor,
    ids: &[i64],
    archive: &Path,
) -> Result<ExportReport> {
    let io = |e: std::io::Error| StoreError::Internal(format!("{}: {e}", archive.display()));
    if archive.exists() {
        return Err(StoreError::invalid(
            "out",
            format!("{} already exists", archive.display()),
        ));
    }
    let name = archive
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| {
            n.trim_end_matches(".tar")
                .trim_end_matches(".TAR")
                .to_string()
        })
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .ok_or_else(|| {
            StoreError::invalid("out", "the archive needs a file name ending in .tar")
        })?;
    let parent = archive
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let partial = parent.join(format!("{name}.tar.partial"));
    let result = async {
        let report = export_package(store, actor, ids, &staging.join(&name)).await?;
        let f = std::fs::File::create(&partial).map_err(io)?;
        let mut tb = tar::Builder::new(std::io::BufWriter::new(f));
        tb.mode(tar::HeaderMode::Deterministic);
        tb.follow_symlinks(false);
        tb.append_dir_all(&name, staging.join(&name)).map_err(io)?;
        let w = tb.into_inner().map_err(io)?;
        let f = w.into_inner().map_err(|e| io(e.into_error()))?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&partial, archive).map_err(io)?;
        Ok(report)
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

#[cfg(test)]
mod office_tests {
    use super::*;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod;

    fn package(parts: &[(&str, &str, CompressionMethod)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text, method) in parts {
            w.start_file(
                *name,
                SimpleFileOptions::default().compression_method(*method),
            )
            .unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const DEFLATE: CompressionMethod = CompressionMethod::Deflated;

    /// A minimal Word document, as Word writes its parts.
    fn docx() -> Vec<u8> {
        package(&[
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#,
                DEFLATE,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
                DEFLATE,
            ),
            (
                "word/document.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Statement of the witness.</w:t></w:r></w:p></w:body></w:document>"#,
                DEFLATE,
            ),
            (
                "docProps/core.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Interview notes</dc:title><dc:creator>Rosa Mamani</dc:creator><cp:lastModifiedBy>Juan P&#233;rez &amp; co</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2024-03-05T09:12:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-06T17:40:00Z</dcterms:modified></cp:coreProperties>"#,
                DEFLATE,
            ),
            (
                "docProps/app.xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template><Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion><Company>Comisión de Derechos</Company></Properties>"#,
                DEFLATE,
            ),
        ])
    }

    /// A minimal OpenDocument text: `mimetype` first and stored, as ODF requires.
    fn odt() -> Vec<u8> {
        package(&[
            (
                "mimetype",
                "application/vnd.oasis.opendocument.text",
                CompressionMethod::Stored,
            ),
            (
                "META-INF/manifest.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
                DEFLATE,
            ),
            (
                "content.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text><text:p>Visit report</text:p></office:text></office:body></office:document-content>"#,
                DEFLATE,
            ),
            (
                "meta.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta><meta:initial-creator>Айгуль Садыкова</meta:initial-creator><dc:creator>Omar Haddad</dc:creator><meta:creation-date>2024-02-01T10:00:00</meta:creation-date><dc:date>2024-02-03T08:30:00</dc:date><meta:generator>LibreOffice/7.4.7.2$Linux_X86_64</meta:generator><dc:title>Prison visit</dc:title><meta:editing-cycles>4</meta:editing-cycles></office:meta></office:document-meta>"#,
                DEFLATE,
            ),
        ])
    }

    fn names(bytes: &[u8]) -> Vec<(String, CompressionMethod)> {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let f = z.by_index(i).unwrap();
                (f.name().unwrap().into_owned(), f.compression())
            })
            .collect()
    }

    fn read_part(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        part(&mut z, name).unwrap()
    }

    #[test]
    fn word_document_properties_are_read_and_stripped() {
        let d = docx();
        assert_eq!(
            package_type(Cursor::new(&d)).as_deref(),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        let p = package_properties(Cursor::new(&d));
        assert_eq!(p["Author"], "Rosa Mamani");
        assert_eq!(p["LastModifiedBy"], "Juan Pérez & co");
        assert_eq!(p["Title"], "Interview notes");
        assert_eq!(p["Created"], "2024-03-05T09:12:00Z");
        assert_eq!(p["Modified"], "2024-03-06T17:40:00Z");
        assert_eq!(p["Application"], "Microsoft Office Word 16.0000");
        assert_eq!(p["Company"], "Comisión de Derechos");

        let clean = strip_metadata(
            &d,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        .unwrap();
        // Still a zip with the same parts in the same order, the text untouched…
        assert_eq!(names(&clean), names(&d));
        assert_eq!(
            read_part(&clean, "word/document.xml"),
            read_part(&d, "word/document.xml")
        );
        assert_eq!(
            read_part(&clean, "_rels/.rels"),
            read_part(&d, "_rels/.rels")
        );
        // …and no properties, no names anywhere in the package.
        assert!(package_properties(Cursor::new(&clean)).is_empty());
        let core = read_part(&clean, "docProps/core.xml");
        assert!(
            core.contains("<cp:coreProperties") && !core.contains("creator"),
            "{core}"
        );
        for part in ["docProps/core.xml", "docProps/app.xml"] {
            let t = read_part(&clean, part);
            for name in ["Rosa", "Juan", "Comisi", "Word", "2024"] {
                assert!(!t.contains(name), "{name} in {part}");
            }
        }
    }

    #[test]
    fn opendocument_properties_are_read_and_stripped_keeping_the_mimetype_first() {
        let d = odt();
        assert_eq!(
            package_type(Cursor::new(&d)).as_deref(),
            Some("application/vnd.oasis.opendocument.text")
        );
        let p = package_properties(Cursor::new(&d));
        assert_eq!(p["Author"], "Айгуль Садыкова");
        assert_eq!(p["LastModifiedBy"], "Omar Haddad");
        assert_eq!(p["Created"], "2024-02-01T10:00:00");
        assert_eq!(p["Modified"], "2024-02-03T08:30:00");
        assert_eq!(p["Title"], "Prison visit");
        assert!(p["Application"]
            .as_str()
            .unwrap()
            .starts_with("LibreOffice/7.4"));

        let clean = strip_metadata(&d, "application/vnd.oasis.opendocument.text").unwrap();
        let n = names(&clean);
        assert_eq!(n[0], ("mimetype".to_string(), CompressionMethod::Stored));
        assert_eq!(n, names(&d));
        assert!(package_properties(Cursor::new(&clean)).is_empty());
        let meta = read_part(&clean, "meta.xml");
        assert!(meta.contains("office:version=\"1.3\""), "{meta}");
        assert!(
            !meta.contains("Omar") && !meta.contains("Айгуль") && !meta.contains("LibreOffice")
        );
        assert_eq!(
            read_part(&clean, "content.xml"),
            read_part(&d, "content.xml")
        );
    }

    /// A Word document with two reviewers' comments, a tracked change, the people list and
    /// a page preview — as Word 2016 writes them.
    fn reviewed_docx() -> Vec<u8> {
        package(&[
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/thumbnail.jpeg" ContentType="image/jpeg"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/></Types>"#,
                DEFLATE,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail" Target="docProps/thumbnail.jpeg"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
                DEFLATE,
            ),
            (
                "word/document.xml",
                r#"<w:document xmlns:w="x"><w:body><w:p><w:ins w:id="1" w:author="Rosa Mamani" w:date="2024-03-05T09:00:00Z"><w:r><w:t>The guards beat him.</w:t></w:r></w:ins><w:r xw:author="kept"><w:t>Cell 4.</w:t></w:r></w:p></w:body></w:document>"#,
                DEFLATE,
            ),
            (
                "word/comments.xml",
                r#"<w:comments xmlns:w="x"><w:comment w:id="0" w:author="Juan P&#233;rez" w:date="2024-03-06T10:00:00Z" w:initials="JP"><w:p><w:r><w:t>Check the date with the lawyer</w:t></w:r></w:p></w:comment><w:comment w:id="1" w:author='Айгуль' w:initials="AS"><w:p><w:r><w:t>Second source?</w:t></w:r></w:p></w:comment></w:comments>"#,
                DEFLATE,
            ),
            (
                "word/people.xml",
                r#"<w15:people xmlns:w15="y"><w15:person w15:author="Juan Pérez"><w15:presenceInfo w15:providerId="AD" w15:userId="S::juan.perez@ngo.example::1234"/></w15:person></w15:people>"#,
                DEFLATE,
            ),
            (
                "docProps/thumbnail.jpeg",
                "\u{ff}\u{d8}unredacted page",
                CompressionMethod::Stored,
            ),
        ])
    }

    #[test]
    fn comment_and_revision_authors_and_the_preview_are_found_and_removed() {
        let d = reviewed_docx();
        let p = package_properties(Cursor::new(&d));
        assert_eq!(p["People"], "Juan Pérez; Rosa Mamani; Айгуль");
        assert_eq!(p["Thumbnail"], "docProps/thumbnail.jpeg");

        let clean = strip_metadata(
            &d,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        .unwrap();
        assert!(package_properties(Cursor::new(&clean)).is_empty());
        let n: Vec<String> = names(&clean).into_iter().map(|(n, _)| n).collect();
        assert!(!n.iter().any(|n| n.contains("thumbnail")), "{n:?}");
        let mut all = String::new();
        for name in &n {
            let t = read_part(&clean, name);
            for who in [
                "Rosa",
                "Juan",
                "P&#233;rez",
                "Айгуль",
                "juan.perez",
                "JP",
                "AS\"",
                "thumbnail",
            ] {
                assert!(!t.contains(who), "{who} in {name}: {t}");
            }
            all.push_str(&t);
        }
        // The words of the document and of the comments stay; so does another namespace's
        // attribute that only ends like an author's.
        for kept in [
            "The guards beat him.",
            "Check the date with the lawyer",
            "Second source?",
            "xw:author=\"kept\"",
            "w:date=\"2024-03-06T10:00:00Z\"",
        ] {
            assert!(all.contains(kept), "{kept}");
        }
        let rels = read_part(&clean, "_rels/.rels");
        assert!(
            rels.contains("word/document.xml") && rels.ends_with("</Relationships>"),
            "{rels}"
        );
        let types = read_part(&clean, "[Content_Types].xml");
        assert!(
            types.contains("/word/comments.xml") && types.contains("Extension=\"jpeg\""),
            "{types}"
        );
    }

    #[test]
    fn spreadsheet_presentation_and_opendocument_reviewers_are_removed() {
        let xlsx = package(&[
            ("xl/workbook.xml", "<workbook/>", DEFLATE),
            (
                "xl/comments1.xml",
                r#"<comments><authors><author>Omar Haddad</author><author>tc={1}</author></authors><commentList><comment ref="B2" authorId="0"><text><r><rPr><b/></rPr><t>Omar Haddad:</t></r><r><t xml:space="preserve">3 victims, see Omar Haddad: later</t></r></text></comment></commentList></comments>"#,
                DEFLATE,
            ),
            (
                "xl/persons/person.xml",
                r#"<personList><person displayName="Omar Haddad" id="{1}" userId="omar@ngo.example" providerId="None"/></personList>"#,
                DEFLATE,
            ),
        ]);
        assert_eq!(
            package_properties(Cursor::new(&xlsx))["People"],
            "Omar Haddad"
        );
        let clean = strip_package(&xlsx).unwrap();
        assert!(package_properties(Cursor::new(&clean)).is_empty());
        assert!(!read_part(&clean, "xl/persons/person.xml").contains("omar"));
        let c = read_part(&clean, "xl/comments1.xml");
        assert!(c.starts_with("<comments><authors><author></author>"), "{c}");
        // Excel's bold "author:" run at the start of a note goes; the note's own words are
        // the document's content and stay, even where they name someone.
        assert!(
            c.contains(
                "<t></t></r><r><t xml:space=\"preserve\">3 victims, see Omar Haddad: later</t>"
            ),
            "{c}"
        );

        let pptx = package(&[
            ("ppt/presentation.xml", "<p/>", DEFLATE),
            (
                "ppt/commentAuthors.xml",
                r#"<p:cmAuthorLst><p:cmAuthor id="0" name="Lena Petrova" initials="LP" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>"#,
                DEFLATE,
            ),
        ]);
        assert_eq!(
            package_properties(Cursor::new(&pptx))["People"],
            "Lena Petrova"
        );
        let clean = strip_package(&pptx).unwrap();
        assert!(package_properties(Cursor::new(&clean)).is_empty());

        let odt = package(&[
            (
                "mimetype",
                "application/vnd.oasis.opendocument.text",
                CompressionMethod::Stored,
            ),
            (
                "content.xml",
                r#"<office:text><office:annotation><dc:creator>Omar Haddad</dc:creator><dc:date>2024-02-03T08:30:00</dc:date><text:p>ask the family</text:p></office:annotation><text:changed-region><office:change-info><dc:creator>Айгуль Садыкова</dc:creator></office:change-info></text:changed-region><text:p>Detained on 3 May.</text:p></office:text>"#,
                DEFLATE,
            ),
            (
                "Thumbnails/thumbnail.png",
                "\u{89}PNG the first page",
                CompressionMethod::Stored,
            ),
            (
                "META-INF/manifest.xml",
                r#"<manifest:manifest><manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" manifest:media-type="image/png"/></manifest:manifest>"#,
                DEFLATE,
            ),
        ]);
        let p = package_properties(Cursor::new(&odt));
        assert_eq!(p["People"], "Omar Haddad; Айгуль Садыкова");
        assert_eq!(p["Thumbnail"], "Thumbnails/thumbnail.png");
        let clean = strip_package(&odt).unwrap();
        assert!(package_properties(Cursor::new(&clean)).is_empty());
        assert_eq!(
            names(&clean),
            names(&odt),
            "the manifest still lists every part"
        );
        let c = read_part(&clean, "content.xml");
        assert!(
            !c.contains("Omar")
                && !c.contains("Айгуль")
                && c.contains("ask the family")
                && c.contains("Detained on 3 May."),
            "{c}"
        );
        let mut z = zip::ZipArchive::new(Cursor::new(&clean)).unwrap();
        let mut png = Vec::new();
        z.by_name("Thumbnails/thumbnail.png")
            .unwrap()
            .read_to_end(&mut png)
            .unwrap();
        assert_eq!(png, BLANK_PNG);
    }

    #[test]
    fn the_blank_preview_is_a_valid_png() {
        // Signature, IHDR of a 1×1 RGBA image, IDAT that inflates to one filtered row, IEND;
        // every chunk's CRC right (what a decoder checks).
        assert!(BLANK_PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
        let mut i = 8;
        let mut kinds = Vec::new();
        while i < BLANK_PNG.len() {
            let len = u32::from_be_bytes(BLANK_PNG[i..i + 4].try_into().unwrap()) as usize;
            let body = &BLANK_PNG[i + 4..i + 8 + len];
            let crc = u32::from_be_bytes(BLANK_PNG[i + 8 + len..i + 12 + len].try_into().unwrap());
            let mut c = flate2::Crc::new();
            c.update(body);
            assert_eq!(c.sum(), crc, "CRC of {:?}", std::str::from_utf8(&body[..4]));
            let data = &body[4..];
            match &body[..4] {
                b"IHDR" => assert_eq!(&data[..10], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6]),
                b"IDAT" => {
                    let mut row = Vec::new();
                    flate2::read::ZlibDecoder::new(data)
                        .read_to_end(&mut row)
                        .unwrap();
                    assert_eq!(row, [0u8; 5]);
                }
                _ => {}
            }
            kinds.push(body[..4].to_vec());
            i += 12 + len;
        }
        assert_eq!(
            kinds,
            [b"IHDR".to_vec(), b"IDAT".to_vec(), b"IEND".to_vec()]
        );
    }

    #[test]
    fn other_zips_and_broken_packages_are_left_alone() {
        let plain = package(&[("notes.txt", "hello", DEFLATE)]);
        assert_eq!(package_type(Cursor::new(&plain)), None);
        assert!(package_properties(Cursor::new(&plain)).is_empty());
        assert_eq!(strip_metadata(&plain, "application/zip"), None);
        let d = docx();
        assert_eq!(strip_metadata(&d[..d.len() / 2], "application/zip"), None);
        assert!(package_properties(Cursor::new(&d[..d.len() / 2])).is_empty());
        assert_eq!(xml_text("<a:b/>", "a:b"), None);
        assert_eq!(
            xml_text("<a:bc>x</a:bc><a:b k=\"1\">y &lt;z&gt; &#x41;</a:b>", "a:b").as_deref(),
            Some("y <z> A")
        );
    }
}
