//! Operations commands: backup, restore, migrate-store, keys, teams.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use dignity_store::{backup, copy, keys, Store};
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
    /// Put the key file in the archive (requires a passphrase or age recipients).
    #[arg(long)]
    pub include_keys: bool,
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
    /// Remove data keys no value uses any more.
    Retire,
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

pub async fn backup_cmd(store: Option<&Store>, a: &BackupArgs) -> Result<i32> {
    let pass = a.passphrase.read()?;
    if a.verify {
        let opts = backup::RestoreOptions {
            passphrase: pass,
            identities: read_identity(&a.identity)?,
            force: false,
        };
        let m = backup::verify_archive_with(&a.file, &opts).await?;
        println!("archive intact: {}", a.file.display());
        println!("{}", serde_json::to_string_pretty(&m)?);
        return Ok(0);
    }
    let store = store.context("no store")?;
    let mut recipients = a.recipients.clone();
    if let Some(p) = &a.recipients_file {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the recipients file {}", p.display()))?;
        recipients.extend(text.lines().map(str::to_string));
    }
    let opts = backup::BackupOptions {
        include_keys: a.include_keys,
        passphrase: pass,
        allow_plaintext_keys: a.allow_plaintext_keys,
        recipients,
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
        passphrase: a.passphrase.read()?,
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
            let r = keys::rotate(store, *retire).await?;
            println!(
                "new data key {}; {} values re-encrypted, {} could not be decrypted",
                r.new_key_id,
                r.reencrypt.reencrypted_total(),
                r.reencrypt.failed_total()
            );
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
            for u in keys::usage(store).await? {
                println!("{:<40} {:<6} {}", u.column, u.key_id, u.values);
            }
        }
        KeysCmd::Retire => {
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
