//! Operations commands: backup, restore, migrate-store, keys, teams.

use crate::config::Config;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use dignity_store::{backup, copy, keyfile, keys, Store};
use std::path::PathBuf;

#[derive(Args)]
pub struct PassphraseArgs {
    /// Read the archive passphrase from this file (first line). Or set DIGNITY_BACKUP_PASSPHRASE.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

impl PassphraseArgs {
    pub fn read(&self) -> Result<Option<String>> {
        if let Some(p) = &self.passphrase_file {
            let s = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the passphrase file {}", p.display()))?;
            return Ok(Some(s.lines().next().unwrap_or("").to_string()));
        }
        Ok(std::env::var("DIGNITY_BACKUP_PASSPHRASE")
            .ok()
            .filter(|s| !s.is_empty()))
    }
}

#[derive(Args)]
pub struct BackupArgs {
    /// The archive to write (never overwritten), or to check with --verify.
    pub file: PathBuf,
    /// Check an existing archive (every hash) instead of writing one.
    #[arg(long)]
    pub verify: bool,
    /// Put the key file in the archive (the default for encrypted archives; for an
    /// --unencrypted one it also needs --allow-plaintext-keys).
    #[arg(long)]
    pub include_keys: bool,
    /// Leave the key file out of an encrypted archive (restoring it then needs a copy of the
    /// key file kept elsewhere).
    #[arg(long, conflicts_with = "include_keys")]
    pub without_keys: bool,
    /// Write the archive WITHOUT encryption (backups are encrypted by default). Prints a
    /// warning: anyone who gets the file reads what is not field-encrypted.
    #[arg(long)]
    pub unencrypted: bool,
    /// Encrypt the archive to this age recipient (an `age1…` public key; repeatable) instead of a passphrase: the machine that makes the backup then holds nothing that opens it.
    #[arg(long = "recipient", value_name = "AGE1…")]
    pub recipients: Vec<String>,
    /// Read age recipients from this file (one per line, `#` comments).
    #[arg(long, value_name = "FILE")]
    pub recipients_file: Option<PathBuf>,
    /// With --verify: the age identity file that opens an archive made with --recipient.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Allow key material in an unencrypted archive (dangerous: anyone with the file reads every protected field).
    #[arg(long)]
    pub allow_plaintext_keys: bool,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The archive made by `dignity backup`.
    pub file: PathBuf,
    /// Restore over a non-empty target (its files and a differing key file are moved aside, not deleted).
    #[arg(long)]
    pub force: bool,
    /// The age identity file (`AGE-SECRET-KEY-1…`) that opens an archive made with --recipient.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

#[derive(Args)]
pub struct MigrateArgs {
    /// The empty PostgreSQL database to copy this installation into.
    #[arg(long)]
    pub to: String,
}

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Add a new data key and re-encrypt every protected field under it.
    Rotate {
        /// Then remove old keys from the key file (only when no value uses them and no server runs).
        #[arg(long)]
        retire: bool,
    },
    /// Which keys the stored values use.
    Status,
    /// Copy the person key vault (crypto-shredding) to DEST, replacing an older copy
    /// there whole: keep only the latest copy, an older one still holds the keys of
    /// persons erased since.
    VaultCopy {
        /// A new directory, or an older copy of the vault to replace.
        dest: PathBuf,
    },
    /// Remove data keys no value uses any more.
    Retire,
    /// Seal the key file with a passphrase (Argon2id + XChaCha20-Poly1305). The new
    /// passphrase comes from --new-passphrase-file, DIGNITY_NEW_KEY_PASSPHRASE, or the terminal.
    Seal {
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Seal the key file under a new passphrase. The current one comes from
    /// DIGNITY_KEY_PASSPHRASE(_FILE) or the terminal; the new one as for `seal`.
    ChangePassphrase {
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Write the key file back in clear (the passphrase as for `change-passphrase`).
    Unseal,
    /// Set up encrypted backups to an age key pair: the identity (private key) is written to
    /// FILE, to be kept offline by the office; the public key goes to
    /// DATA_DIR/backup-recipients.txt, which `dignity backup` then encrypts to.
    BackupIdentity {
        /// Where to write the identity (never overwritten). Move it off this machine.
        out: PathBuf,
    },
}

fn new_key_passphrase(file: &Option<PathBuf>) -> Result<String> {
    if let Some(p) = file {
        let s = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the passphrase file {}", p.display()))?;
        return Ok(s.lines().next().unwrap_or("").to_string());
    }
    if let Some(p) = std::env::var("DIGNITY_NEW_KEY_PASSPHRASE")
        .ok()
        .filter(|s| !s.is_empty())
    {
        return Ok(p);
    }
    if crate::prompt::interactive() {
        return crate::prompt::new_secret("key file passphrase");
    }
    anyhow::bail!(
        "give the new passphrase with --new-passphrase-file or DIGNITY_NEW_KEY_PASSPHRASE \
         (or run on a terminal to be asked); nothing was changed"
    )
}

fn current_key_passphrase(cfg: &Config) -> Result<String> {
    if let Some(p) = &cfg.key_passphrase {
        return Ok(p.expose().to_string());
    }
    if crate::prompt::interactive() {
        return crate::prompt::hidden(&format!(
            "Passphrase of the key file {}: ",
            cfg.key_path().display()
        ));
    }
    anyhow::bail!(
        "the key file {} is sealed: give its passphrase with {} or {}; nothing was changed",
        cfg.key_path().display(),
        keyfile::PASSPHRASE_ENV,
        keyfile::PASSPHRASE_FILE_ENV
    )
}

/// Record a change of the key file's sealing in the audit log (the action only: never a
/// passphrase, a key or anything derived from them). The key file is changed first (it is
/// not in the database): when the audit entry cannot be written, the error says that the
/// change was made.
async fn audit_key_file(cfg: &Config, action: &str, passphrase: Option<&str>) -> Result<()> {
    // The passphrase that opens the key file now (none once in clear): never asked again.
    let mut cfg = cfg.clone();
    cfg.key_passphrase = passphrase.map(keyfile::Passphrase::new);
    let opts = cfg.open_options();
    let res = async {
        let store = Store::open(&opts).await?;
        store
            .log_event(
                &dignity_core::Actor::system(),
                action,
                "keys",
                "key-file",
                serde_json::json!({ "sealed": passphrase.is_some() }),
            )
            .await?;
        store.close().await;
        Ok::<_, dignity_store::StoreError>(())
    }
    .await;
    res.with_context(|| {
        format!("the key file was changed, but the audit entry `{action}` could not be written")
    })
}

/// The `keys` commands that work on the key file itself, without opening the store;
/// `None` for the others.
pub async fn key_file_cmd(cfg: &Config, cmd: &KeysCmd) -> Result<Option<i32>> {
    let path = cfg.key_path();
    let held = || {
        dignity_store::DataDirLock::acquire(&cfg.data_dir).map_err(|_| {
            anyhow::anyhow!(
                "a `dignity serve` is running on {}: stop it first (it would write the key \
                 file back as it read it); nothing was changed",
                cfg.data_dir.display()
            )
        })
    };
    let exists = || -> Result<()> {
        if !path.exists() {
            anyhow::bail!(
                "there is no key file at {} (a new installation creates one when it first starts)",
                path.display()
            );
        }
        Ok(())
    };
    match cmd {
        KeysCmd::Seal {
            new_passphrase_file,
        } => {
            exists()?;
            let _lock = held()?;
            if keyfile::is_sealed(&path) {
                anyhow::bail!(
                    "the key file {} is already sealed: use `dignity keys change-passphrase`",
                    path.display()
                );
            }
            let new = new_key_passphrase(new_passphrase_file)?;
            keyfile::seal_file(&path, &new)?;
            println!("key file sealed with a passphrase: {}", path.display());
            audit_key_file(cfg, "keys.seal", Some(&new)).await?;
            println!(
                "Every start now needs the passphrase ({} or {}, or the terminal). Replace \
                 your offline copy of the key file: the old copy is still in clear.",
                keyfile::PASSPHRASE_ENV,
                keyfile::PASSPHRASE_FILE_ENV
            );
        }
        KeysCmd::ChangePassphrase {
            new_passphrase_file,
        } => {
            exists()?;
            let _lock = held()?;
            if !keyfile::is_sealed(&path) {
                anyhow::bail!(
                    "the key file {} is not sealed: use `dignity keys seal`",
                    path.display()
                );
            }
            let old = current_key_passphrase(cfg)?;
            // The current passphrase is checked before a new one is asked for.
            keyfile::read(&path, Some(&old), None)?;
            let new = new_key_passphrase(new_passphrase_file)?;
            keyfile::change_passphrase(&path, &old, &new)?;
            println!(
                "key file sealed under the new passphrase: {}",
                path.display()
            );
            audit_key_file(cfg, "keys.change_passphrase", Some(&new)).await?;
        }
        KeysCmd::Unseal => {
            exists()?;
            let _lock = held()?;
            if !keyfile::is_sealed(&path) {
                anyhow::bail!("the key file {} is not sealed", path.display());
            }
            let old = current_key_passphrase(cfg)?;
            keyfile::unseal_file(&path, &old)?;
            eprintln!(
                "warning: the key file {} is now in clear: whoever copies it (and the data) \
                 reads every protected field",
                path.display()
            );
            audit_key_file(cfg, "keys.unseal", None).await?;
        }
        KeysCmd::BackupIdentity { out } => {
            let rec = recipients_path(cfg);
            if rec.exists() {
                anyhow::bail!(
                    "{} exists: backups already go to the recipients in it (edit it by hand \
                     to add or replace one); nothing was written",
                    rec.display()
                );
            }
            if out.exists() {
                anyhow::bail!("{} exists: choose a new file name", out.display());
            }
            let (identity, recipient) = backup::new_age_identity();
            dignity_store::private::write(
                out,
                format!(
                    "# Dignity backup identity: opens the backups encrypted to {recipient}\n\
                     # Keep it OFF the server (printed, or on a USB key in a safe).\n{identity}\n"
                )
                .as_bytes(),
            )
            .with_context(|| format!("cannot write {}", out.display()))?;
            dignity_store::private::create_dir(&cfg.data_dir)
                .with_context(|| format!("cannot create {}", cfg.data_dir.display()))?;
            dignity_store::private::write(
                &rec,
                format!("# Backups are encrypted to these age recipients.\n{recipient}\n")
                    .as_bytes(),
            )
            .with_context(|| format!("cannot write {}", rec.display()))?;
            println!("backup recipient: {recipient} (in {})", rec.display());
            println!(
                "identity written to {}: move it off this machine now and keep it safe; \
                 `dignity restore --identity FILE` needs it, and nothing else opens the backups.",
                out.display()
            );
        }
        _ => return Ok(None),
    }
    Ok(Some(0))
}

#[derive(Subcommand)]
pub enum TeamCmd {
    /// Create a team.
    Add { name: String },
    /// List teams.
    List,
    /// Add a user to a team (or remove with --remove).
    Member {
        team: String,
        user: String,
        #[arg(long)]
        remove: bool,
    },
}

fn read_identity(p: &Option<PathBuf>) -> Result<Option<String>> {
    p.as_ref()
        .map(|p| {
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the identity file {}", p.display()))
        })
        .transpose()
}

/// Where `dignity backup` finds the age recipients configured at set-up
/// (`dignity keys backup-identity` writes it).
pub fn recipients_path(cfg: &Config) -> PathBuf {
    cfg.data_dir.join(RECIPIENTS_FILE)
}

pub const RECIPIENTS_FILE: &str = "backup-recipients.txt";

fn recipient_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Whether the archive is sealed with a passphrase (its first bytes).
fn passphrase_sealed(p: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"DGNYBAK\x01"
}

/// The archive's passphrase: given, or asked for on a terminal when the archive needs one.
fn archive_passphrase(a: &PassphraseArgs, archive: &std::path::Path) -> Result<Option<String>> {
    let p = a.read()?;
    if p.is_none() && passphrase_sealed(archive) && crate::prompt::interactive() {
        return Ok(Some(crate::prompt::hidden("Passphrase of the archive: ")?));
    }
    Ok(p)
}

pub const UNENCRYPTED_WARNING: &str = "warning: this backup is NOT encrypted (--unencrypted): \
anyone who gets the file reads the user accounts and every field that is not field-encrypted, \
and its hashes detect damage but not a deliberate rewrite. Keep it on this machine, or \
encrypt it before it leaves.";

pub async fn backup_cmd(store: Option<&Store>, cfg: &Config, a: &BackupArgs) -> Result<i32> {
    if a.verify {
        let opts = backup::RestoreOptions {
            passphrase: archive_passphrase(&a.passphrase, &a.file)?,
            identities: read_identity(&a.identity)?,
            force: false,
        };
        let m = backup::verify_archive_with(&a.file, &opts).await?;
        println!("archive intact: {}", a.file.display());
        println!("{}", serde_json::to_string_pretty(&m)?);
        return Ok(0);
    }
    let store = store.context("no store")?;
    let mut pass = a.passphrase.read()?;
    let mut recipients = a.recipients.clone();
    if let Some(p) = &a.recipients_file {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the recipients file {}", p.display()))?;
        recipients.extend(recipient_lines(&text));
    }
    if a.unencrypted {
        if pass.is_some() || !recipients.is_empty() {
            anyhow::bail!(
                "--unencrypted was given with a passphrase or recipients: choose one; nothing was written"
            );
        }
        eprintln!("{UNENCRYPTED_WARNING}");
    } else if pass.is_none() && recipients.is_empty() {
        // Encrypted by default: the recipients configured at set-up, else a passphrase
        // typed at the terminal, else a refusal that says what to give.
        let configured = recipients_path(cfg);
        if configured.exists() {
            let text = std::fs::read_to_string(&configured).with_context(|| {
                format!("cannot read the recipients file {}", configured.display())
            })?;
            recipients = recipient_lines(&text);
            if recipients.is_empty() {
                anyhow::bail!(
                    "{} holds no age recipient: add the office's `age1…` public key, or give a passphrase; nothing was written",
                    configured.display()
                );
            }
        } else if crate::prompt::interactive() {
            pass = Some(crate::prompt::new_secret("backup passphrase")?);
        } else {
            anyhow::bail!(
                "backups are encrypted: give a passphrase (DIGNITY_BACKUP_PASSPHRASE or \
                 --passphrase-file), an age recipient (--recipient, --recipients-file, or \
                 once for all `dignity keys backup-identity`, which writes {}), or \
                 --unencrypted for an archive in clear. Nothing was written.",
                configured.display()
            );
        }
    }
    let opts = backup::BackupOptions {
        include_keys: if a.unencrypted {
            a.include_keys
        } else {
            !a.without_keys
        },
        passphrase: pass,
        allow_plaintext_keys: a.allow_plaintext_keys,
        recipients,
        unencrypted: a.unencrypted,
    };
    let s = backup::backup(store, &a.file, &opts).await?;
    println!(
        "backup written: {} ({} bytes, {} rows in {} tables, {} files, audit head {}, {}, {})",
        s.path.display(),
        s.bytes,
        s.rows,
        s.tables.len(),
        s.files,
        s.audit_head_seq,
        if s.encrypted {
            "encrypted"
        } else {
            "NOT encrypted"
        },
        if s.keys_included {
            "keys included"
        } else {
            "keys not included"
        }
    );
    for n in &s.notes {
        println!("note: {n}");
    }
    Ok(0)
}

pub async fn restore_cmd(target: &dignity_store::OpenOptions, a: &RestoreArgs) -> Result<i32> {
    let opts = backup::RestoreOptions {
        passphrase: archive_passphrase(&a.passphrase, &a.file)?,
        identities: read_identity(&a.identity)?,
        force: a.force,
    };
    let s = backup::restore(&a.file, target, &opts).await?;
    println!(
        "restored {} rows in {} tables and {} files (backup of {} made {}); keys: {}",
        s.rows,
        s.tables.len(),
        s.files,
        s.source_backend,
        s.created_at,
        s.keys
    );
    println!(
        "audit chain: {} ({} entries); encrypted values: {} ({} do not decrypt)",
        if s.audit.ok() { "intact" } else { "PROBLEMS" },
        s.audit.checked,
        s.encrypted_values,
        s.undecryptable_values
    );
    for p in &s.audit.problems {
        println!("  - {p}");
    }
    for n in &s.notes {
        println!("note: {n}");
    }
    Ok(if s.audit.ok() && s.undecryptable_values == 0 {
        0
    } else {
        1
    })
}

pub async fn migrate_cmd(store: &Store, a: &MigrateArgs) -> Result<i32> {
    let r = copy::migrate_store(store, &a.to).await?;
    println!("{:<28} {:>10} {:>10}  content", "table", "source", "target");
    for t in &r.tables {
        println!(
            "{:<28} {:>10} {:>10}  {}",
            t.name,
            t.source_rows,
            t.target_rows,
            if t.matches() {
                "identical"
            } else {
                "DIFFERENT"
            }
        );
    }
    println!("{} rows copied to {}", r.rows, r.target);
    if r.source_writes_after_copy > 0 {
        println!(
            "warning: {} audited writes reached the source after the copy started; they are not in the target",
            r.source_writes_after_copy
        );
    }
    Ok(if r.ok() { 0 } else { 1 })
}

pub async fn keys_cmd(store: &Store, cmd: &KeysCmd) -> Result<i32> {
    match cmd {
        KeysCmd::Rotate { retire } => {
            let files_bar = progress_bar("evidence files");
            let index_bar = progress_bar("search index files");
            let files_progress = |done: u64, total: u64| {
                files_bar.set_length(total);
                files_bar.set_position(done);
            };
            let index_progress = |done: u64, total: u64| {
                index_bar.set_length(total);
                index_bar.set_position(done);
            };
            let index_dir = store.data_dir().join("index");
            let index_time = std::sync::Mutex::new(std::time::Duration::ZERO);
            let index_step: dignity_store::keys::files::IndexStep<'_> = &|k, p| {
                let t = std::time::Instant::now();
                let r =
                    dignity_search::at_rest::reseal(&index_dir, k, p).map_err(|e| e.to_string());
                *index_time.lock().expect("timer") = t.elapsed();
                r
            };
            let on_start = |j: &dignity_store::keys::rotation::RotationJob, resumed: bool| {
                if resumed {
                    println!(
                        "resuming rotation to key {} (started {}, interrupted in phase {})",
                        j.target_key, j.started_at, j.phase
                    );
                } else {
                    println!("starting rotation to key {}", j.target_key);
                }
            };
            let steps = dignity_store::keys::files::RotateSteps {
                files_progress: Some(&files_progress),
                index: Some(index_step),
                index_progress: Some(&index_progress),
                on_start: Some(&on_start),
            };
            let r = keys::rotate_with(store, *retire, &steps).await;
            files_bar.finish_and_clear();
            index_bar.finish_and_clear();
            let r = r?;
            println!(
                "new data key {}; {} values re-encrypted, {} could not be decrypted",
                r.new_key_id,
                r.reencrypt.reencrypted_total(),
                r.reencrypt.failed_total()
            );
            println!(
                "evidence files: {} re-encrypted ({} MB), {} already under the new key, {} could not be re-encrypted",
                r.files.reencrypted,
                r.files.bytes / 1_000_000,
                r.files.already,
                r.files.failed
            );
            match &r.index {
                Some(i) if i.busy => println!(
                    "search index: held by a running server; it re-seals its index under the new key in place once it reads the new key file (at the latest when it next starts)"
                ),
                Some(i) => println!(
                    "search index: {} files re-sealed in {:.1} s, {} already under the new key",
                    i.resealed,
                    index_time.lock().expect("timer").as_secs_f64(),
                    i.already
                ),
                None => {}
            }
            if !r.retired.is_empty() {
                println!("retired keys: {}", r.retired.join(", "));
            }
            if let Some(why) = r.retire_refused {
                println!("old keys kept: {why}");
            }
            println!(
                "Replace your offline copy of the key file: {}",
                store.key_path().display()
            );
        }
        KeysCmd::Status => {
            println!("current key: {}", store.keys().current);
            if let Some(j) = dignity_store::keys::rotation::unfinished(store).await? {
                println!(
                    "unfinished rotation to key {} (started {}, phase {}): run `dignity keys rotate` to resume it",
                    j.target_key, j.started_at, j.phase
                );
            }
            for u in keys::usage(store).await? {
                println!("{:<40} {:<6} {}", u.column, u.key_id, u.values);
            }
        }
        KeysCmd::VaultCopy { dest } => {
            let n = store.vault().copy_to(dest)?;
            println!(
                "person key vault copied to {} ({n} keys); keep this copy only, replace it \
                 after every erasure",
                dest.display()
            );
        }
        KeysCmd::Seal { .. }
        | KeysCmd::ChangePassphrase { .. }
        | KeysCmd::Unseal
        | KeysCmd::BackupIdentity { .. } => unreachable!("handled by key_file_cmd"),
        KeysCmd::Retire => {
            // The index's files sealed under an old key are sealed again first (when no
            // server holds the index; retiring refuses while one runs anyway).
            let k = store.keys();
            dignity_search::at_rest::reseal(&store.data_dir().join("index"), &k, &|_, _| {})
                .context("cannot re-seal the search index under the current key")?;
            let gone = keys::retire_old_keys(store).await?;
            println!(
                "retired: {}",
                if gone.is_empty() {
                    "none".into()
                } else {
                    gone.join(", ")
                }
            );
        }
    }
    Ok(0)
}

pub async fn team_cmd(store: &Store, actor: &dignity_core::Actor, cmd: &TeamCmd) -> Result<i32> {
    use dignity_store::{accounts, acl};
    match cmd {
        TeamCmd::Add { name } => {
            let mut tx = store.begin(actor).await?;
            let id = acl::create_team(&mut tx, name).await?;
            tx.commit().await?;
            println!("team {name:?} created (id {id})");
        }
        TeamCmd::List => {
            for (id, name, members) in acl::teams(store).await? {
                println!("{id:>4} {name:<40} {members} member(s)");
            }
        }
        TeamCmd::Member { team, user, remove } => {
            let t = acl::team_by_name(store, team)
                .await?
                .with_context(|| format!("no team named {team:?}"))?;
            let u = accounts::by_username(store, user)
                .await?
                .with_context(|| format!("no user named {user:?}"))?;
            let mut tx = store.begin(actor).await?;
            acl::set_member(&mut tx, t, u.id, !remove).await?;
            tx.commit().await?;
            println!(
                "{} {} team {team:?}",
                u.username,
                if *remove { "left" } else { "joined" }
            );
        }
    }
    Ok(0)
}

/// A progress bar on the terminal (hidden when stderr is not one).
fn progress_bar(what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{bar:40}}] {{pos}}/{{len}} ({{eta}} left)"
        ))
        .expect("template")
        .progress_chars("=> "),
    );
    bar
}
