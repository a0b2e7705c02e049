//! Restoring a checked archive into place: the key file, the tables and the uploaded files,
//! each put aside (never deleted) when the target already holds them.

use super::unpack::extract;
use super::*;

fn same_keys(a: &Keyring, b: &Keyring) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// Puts the key file back as it was unless disarmed (once the data is committed).
struct KeyFileGuard {
    path: PathBuf,
    created: bool,
    moved_from: Option<PathBuf>,
    armed: bool,
}

impl Drop for KeyFileGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Some(old) = &self.moved_from {
            let _ = std::fs::rename(old, &self.path);
        }
    }
}

fn aside(p: &Path, stamp: &str) -> PathBuf {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    p.with_file_name(format!("{name}.before-restore-{stamp}"))
}

fn dir_has_entries(p: &Path) -> bool {
    std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_some())
}

/// Restore an archive into the installation `target` describes. The target must be empty
/// (a fresh data directory, a fresh PostgreSQL database) unless `force`.
pub async fn restore(
    archive: &Path,
    target: &OpenOptions,
    opts: &RestoreOptions,
) -> Result<RestoreSummary> {
    // First read the whole archive through and check it (decryption, every hash, the
    // manifest) without writing anything: not even the target's directory is created for an
    // archive that is damaged, altered, or opened with the wrong passphrase.
    verify_archive_with(archive, opts).await?;
    crate::private::create_dir(&target.data_dir).map_err(io_err(target.data_dir.display()))?;
    let work = WorkDir::new(&target.data_dir, "restore")?;
    let (a, o, w) = (
        archive.to_path_buf(),
        opts.clone(),
        work.path().to_path_buf(),
    );
    let ex = tokio::task::spawn_blocking(move || extract(&a, &o, Some(&w)))
        .await
        .map_err(|e| StoreError::Internal(format!("restore task: {e}")))??;
    let manifest = ex.manifest;
    let stamp = now().replace([':', '.'], "-");
    let mut notes = Vec::new();
    let mut moved_aside = Vec::new();

    // Keys: the target must end up with the keys the data was written under.
    let key_path = target.key_path();
    let mut guard = KeyFileGuard {
        path: key_path.clone(),
        created: false,
        moved_from: None,
        armed: true,
    };
    let target_pass = target.key_passphrase.as_ref().map(|p| p.expose());
    let keys_from = match (&ex.keys, key_path.exists()) {
        (Some(k), false) => {
            crate::keyfile::write_text(&key_path, k)?;
            guard.created = true;
            "restored from the archive".to_string()
        }
        (Some(k), true) => {
            let cur_text =
                std::fs::read_to_string(&key_path).map_err(io_err(key_path.display()))?;
            let same = cur_text == *k || {
                let what = "the archive's key file";
                let archived = if crate::keyfile::is_sealed_text(k) {
                    crate::keyfile::open_sealed(k, target_pass, None, what)
                        .ok()
                        .map(|x| x.0)
                } else {
                    Keyring::from_json(k).ok()
                };
                let cur = crate::keyfile::read(&key_path, target_pass, None)
                    .ok()
                    .map(|x| x.0);
                matches!((archived, cur), (Some(a), Some(b)) if same_keys(&a, &b))
            };
            if same {
                "the target's key file, identical to the archive's".to_string()
            } else if opts.force {
                let old = aside(&key_path, &stamp);
                std::fs::rename(&key_path, &old).map_err(io_err(key_path.display()))?;
                guard.moved_from = Some(old.clone());
                crate::keyfile::write_text(&key_path, k)?;
                guard.created = true;
                moved_aside.push(old.clone());
                format!(
                    "restored from the archive; the target's different key file was moved to {}",
                    old.display()
                )
            } else {
                return Err(StoreError::Conflict(format!(
                    "the key file {} differs from the one in the archive: the restored data \
                     would not be readable with it. Move it away (or restore with --force, \
                     which moves it aside). Nothing was written.",
                    key_path.display()
                )));
            }
        }
        (None, true) => {
            notes.push(
                "The archive holds no keys: the target's key file is used; it must be the \
                 key file of the installation that made the backup."
                    .into(),
            );
            "the target's key file (the archive holds none)".to_string()
        }
        (None, false) => {
            return Err(StoreError::Keys(format!(
                "the archive holds no keys and there is no key file at {}: put the key file \
                 of the installation that made the backup there (or point --key-file at it) \
                 and restore again. Nothing was written.",
                key_path.display()
            )))
        }
    };

    // A database file this restore creates is removed again if the restore fails, so that
    // a failed attempt leaves the directory as it found it.
    let fresh_sqlite = target.database_url.is_none() && !target.sqlite_path().exists();
    let remove_fresh_db = || {
        if fresh_sqlite {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = target.sqlite_path().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    };
    let store = match Store::open(target).await {
        Ok(s) => s,
        Err(e) => {
            remove_fresh_db();
            return Err(e);
        }
    };
    let r = load(&store, &manifest, work.path(), opts.force).await;
    let loaded = match r {
        Ok(x) => x,
        Err(e) => {
            store.close().await;
            remove_fresh_db();
            return Err(e);
        }
    };
    guard.armed = false;
    let (tables, rows) = loaded;

    // The anchor outside the database follows the restored chain.
    let anchor = target.data_dir.join("audit-anchor");
    if manifest.audit_head.seq > 0 {
        crate::private::write(
            &anchor,
            format!("{} {}\n", manifest.audit_head.seq, manifest.audit_head.hash).as_bytes(),
        )
        .map_err(io_err(anchor.display()))?;
    } else {
        let _ = std::fs::remove_file(&anchor);
    }

    // Files: never delete; a forced restore moves the target's files aside.
    let files_dir = target.data_dir.join("files");
    let staged = work.path().join("files");
    if files_dir.exists() {
        if dir_has_entries(&files_dir) {
            let old = aside(&files_dir, &stamp);
            std::fs::rename(&files_dir, &old).map_err(io_err(files_dir.display()))?;
            moved_aside.push(old);
        } else {
            let _ = std::fs::remove_dir(&files_dir);
        }
    }
    if staged.exists() {
        std::fs::rename(&staged, &files_dir).map_err(io_err(files_dir.display()))?;
    }
    drop(work);

    store
        .log_event(
            &Actor::system(),
            "backup.restore",
            "backup",
            &manifest.created_at,
            serde_json::json!({
                "backup_created_at": manifest.created_at,
                "source_backend": manifest.backend,
                "rows": rows,
                "files": manifest.files.len(),
                "keys_in_archive": manifest.keys_included,
                "forced": opts.force,
            }),
        )
        .await?;
    let report = audit::verify_log(&store).await?;
    let (encrypted_values, undecryptable_values) = crate::keys::check_encrypted(&store).await?;
    store.close().await;
    if !report.ok() {
        notes.push(format!(
            "The audit chain does not verify ({} problems): the key file does not belong to \
             this data, or the data was altered.",
            report.problems.len()
        ));
    }
    if undecryptable_values > 0 {
        notes.push(format!(
            "{undecryptable_values} of {encrypted_values} encrypted values do not decrypt with \
             the key file: it is not (or not all of) the key material this data was written \
             under."
        ));
    }
    if !ex.encrypted {
        notes.push(
            "The archive was not encrypted: its hashes show it is undamaged, not that nobody \
             rewrote it."
                .into(),
        );
    }
    Ok(RestoreSummary {
        created_at: manifest.created_at.clone(),
        source_backend: manifest.backend.clone(),
        tables,
        rows,
        files: manifest.files.len() as u64,
        keys: keys_from,
        audit: report,
        encrypted_values,
        undecryptable_values,
        moved_aside,
        notes,
    })
}

/// Check the target and load every table in one transaction.
async fn load(
    store: &Store,
    manifest: &Manifest,
    work: &Path,
    force: bool,
) -> Result<(Vec<TableCount>, u64)> {
    let specs = dump::table_specs(store).await?;
    let mut conn = store.pool().acquire().await?;
    let migrations = dump::applied_migrations(&mut conn).await?;
    drop(conn);
    // A backup made before the migrations were numbered in file order names them as they
    // were named then.
    let mut archived_migrations: Vec<String> = manifest
        .migrations
        .iter()
        .map(|m| crate::migrate::current_id(m).to_string())
        .collect();
    archived_migrations.sort();
    if migrations != archived_migrations {
        let known = crate::migrate::migration_ids();
        if let Some(newer) = archived_migrations
            .iter()
            .find(|m| !known.contains(&m.as_str()))
        {
            return Err(StoreError::Archive(format!(
                "the backup was made by a newer Dignity (schema migration {newer} is unknown \
                 here): restore it with that version or a later one. Nothing was written."
            )));
        }
        return Err(StoreError::Archive(format!(
            "the backup has the schema migrations {:?}, this Dignity {:?}: restore it with \
             the Dignity version that made it, then upgrade. Nothing was written.",
            archived_migrations, migrations
        )));
    }
    let archived: Vec<TableSpec> = manifest.tables.iter().map(|t| t.spec.clone()).collect();
    dump::same_schema(&specs, &archived, "the backup")
        .map_err(|m| StoreError::Archive(format!("{m}. Nothing was written.")))?;
    let full = dump::non_empty_tables(store, &specs).await?;
    let files_dir = store.data_dir().join("files");
    if !force && (!full.is_empty() || dir_has_entries(&files_dir)) {
        let mut what: Vec<String> = full
            .iter()
            .map(|(t, n)| format!("{t} ({n} rows)"))
            .collect();
        if dir_has_entries(&files_dir) {
            what.push(format!("{}", files_dir.display()));
        }
        return Err(StoreError::Conflict(format!(
            "the target is not empty: it holds {}. Restore into an empty installation (a new \
             data directory or database), or use --force to replace its contents. Nothing \
             was written.",
            what.join(", ")
        )));
    }

    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Sqlite {
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
    }
    dump::delete_all(&mut tx, &specs).await?;
    let mut counts = Vec::with_capacity(specs.len());
    let mut total = 0;
    for spec in &specs {
        let entry = manifest
            .tables
            .iter()
            .find(|t| t.spec.name == spec.name)
            .expect("same tables");
        let path = work.join(&entry.file);
        let f = std::fs::File::open(&path).map_err(io_err(path.display()))?;
        let mut batch = Vec::with_capacity(500);
        let mut n = 0u64;
        for line in BufReader::new(f).lines() {
            let line = line.map_err(io_err(path.display()))?;
            batch.push(dump::parse_line(&entry.spec, n + 1, &line)?);
            n += 1;
            if batch.len() == 500 {
                dump::insert_rows(&mut tx, spec, &batch).await?;
                batch.clear();
            }
        }
        dump::insert_rows(&mut tx, spec, &batch).await?;
        counts.push(TableCount {
            name: spec.name.clone(),
            rows: n,
        });
        total += n;
    }
    dump::reset_sequences(&mut tx, store.backend(), &specs).await?;
    tx.commit().await?;
    Ok((counts, total))
}
