//! Writing an archive: the consistent table dump, the uploaded files, the key file if asked
//! for and the manifest, sealed to a passphrase, to age recipients, or in clear.

use super::*;

/// Make one consistent backup of `store` at `out` (which must not exist yet).
pub async fn backup(store: &Store, out: &Path, opts: &BackupOptions) -> Result<BackupSummary> {
    let recipients = parse_recipients(&opts.recipients)?;
    let encrypted = dignity_core::backup::Sealing {
        recipients: !recipients.is_empty(),
        passphrase: opts.passphrase.as_deref(),
        unencrypted: opts.unencrypted,
        include_keys: opts.include_keys,
        allow_plaintext_keys: opts.allow_plaintext_keys,
    }
    .check()?;
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
        return Err(dignity_core::backup::inside_files().into());
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

fn parse_recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>> {
    list.iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty() && !r.starts_with('#'))
        .map(|r| {
            r.parse::<age::x25519::Recipient>()
                .map_err(|e| StoreError::from(dignity_core::backup::not_a_recipient(r, e)))
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
