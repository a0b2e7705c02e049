//! Reading an archive back: decryption, every hash against the manifest, into a work
//! directory (a restore) or only hashed (a verification).

use super::*;

/// The first bytes of an age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
fn parse_identities(text: &str) -> Result<Vec<age::x25519::Identity>> {
    let ids: Vec<age::x25519::Identity> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.parse::<age::x25519::Identity>()
                .map_err(|e| StoreError::from(dignity_core::backup::not_an_identity(e)))
        })
        .collect::<Result<_>>()?;
    if ids.is_empty() {
        return Err(dignity_core::backup::no_identity().into());
    }
    Ok(ids)
}

/// What came out of an archive (into the work directory, or only hashed).
pub(super) struct Extracted {
    pub(super) manifest: Manifest,
    /// The key file's text (clear or sealed), checked.
    pub(super) keys: Option<String>,
    pub(super) encrypted: bool,
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
pub(super) fn extract(
    archive: &Path,
    opts: &RestoreOptions,
    work: Option<&Path>,
) -> Result<Extracted> {
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
