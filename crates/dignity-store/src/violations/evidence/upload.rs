//! Uploads: a file streamed to a temporary file (encrypted, hashed) and renamed to its
//! content address once complete; the media type sniffed from its first bytes.

use super::*;

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
