//! The state of a key rotation, kept in the database (`key_rotations`) so that a rotation
//! survives a crash and is resumed, never started twice.
//!
//! 1. [`begin`] records the rotation (target key id, started at/by, phase `key`) in an
//!    audited write transaction **before** the key is generated. While a rotation is
//!    unfinished, [`begin`] returns it instead (resumed): a rerun of `dignity keys rotate`
//!    or a restart of `dignity serve` continues with the same target key.
//! 2. [`ensure_key`] puts the target key into the key file and makes it current; when the
//!    crash came after the key file was written, the key is found there and kept (the key
//!    file then holds exactly one key more than before the rotation, however many times it
//!    was resumed).
//! 3. The phases `fields`, `files` and `index` run ([`crate::keys`],
//!    [`crate::keys::files`]); each end of phase is recorded ([`record`], audited) with its
//!    counts. A resumed rotation runs every phase again: re-encryption only touches what
//!    is not under the target key yet, so what was done is not done twice, and values
//!    written meanwhile under an older key (by a server that had not re-read the key file)
//!    are caught too.
//! 4. [`record`] with phase `done` sets `finished_at`.
//!
//! The rows hold counts only (no value, no file name).

use crate::{now, Result, Store};
use dignity_core::Actor;
use serde::Serialize;
use sqlx::Row;

/// The phases of a rotation, in order.
pub const PHASES: &[&str] = &["key", "fields", "files", "index", "done"];

/// One rotation and its progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RotationJob {
    pub id: i64,
    /// The data key everything is re-encrypted under (`k2`, …: an id, not key material).
    pub target_key: String,
    pub started_at: String,
    /// The user who started it (none when started from the command line).
    pub started_by: Option<i64>,
    /// `key` (generating the key), `fields`, `files`, `index`, or `done`.
    pub phase: String,
    /// Encrypted field values not under the target key when the phase began.
    pub fields_total: u64,
    pub fields_done: u64,
    /// Values that do not decrypt (unknown key, damaged): left as they are.
    pub fields_failed: u64,
    /// Stored evidence files.
    pub files_total: u64,
    /// Files looked at (re-encrypted or already under the target key).
    pub files_done: u64,
    pub files_failed: u64,
    /// Files of the search index.
    pub index_total: u64,
    pub index_done: u64,
    /// The search index was held by another process (a server running beside `dignity
    /// keys rotate`, or writes that did not finish in time): that server re-seals it in
    /// place once it reads the new key file, at the latest when it next opens the index.
    /// A rotation run by the server itself re-seals its index in place (never deferred).
    pub index_deferred: bool,
    pub finished_at: Option<String>,
}

impl RotationJob {
    pub fn finished(&self) -> bool {
        self.finished_at.is_some()
    }
}

const COLUMNS: &str = "id, target_key, started_at, started_by, phase, fields_total, fields_done, \
     fields_failed, files_total, files_done, files_failed, index_total, index_done, \
     index_deferred, finished_at";

fn from_row(r: &sqlx::any::AnyRow) -> RotationJob {
    let n = |i: usize| r.get::<i64, _>(i).max(0) as u64;
    RotationJob {
        id: r.get(0),
        target_key: r.get(1),
        started_at: r.get(2),
        started_by: r.get(3),
        phase: r.get(4),
        fields_total: n(5),
        fields_done: n(6),
        fields_failed: n(7),
        files_total: n(8),
        files_done: n(9),
        files_failed: n(10),
        index_total: n(11),
        index_done: n(12),
        index_deferred: r.get::<i64, _>(13) != 0,
        finished_at: r.get(14),
    }
}

/// The most recent rotation, finished or not.
pub async fn latest(store: &Store) -> Result<Option<RotationJob>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM key_rotations ORDER BY id DESC LIMIT 1"
    ))
    .fetch_optional(store.pool())
    .await?;
    Ok(row.as_ref().map(from_row))
}

/// The unfinished rotation, if there is one.
pub async fn unfinished(store: &Store) -> Result<Option<RotationJob>> {
    Ok(latest(store).await?.filter(|j| !j.finished()))
}

/// Record a new rotation, or return the unfinished one (`true`: resumed). Nothing about
/// keys is changed here: [`ensure_key`] comes next.
pub async fn begin(store: &Store, actor: &Actor) -> Result<(RotationJob, bool)> {
    store.reload_keys()?;
    // The write transaction serialises this with any other starter (CLI or server): only
    // one of them records a rotation, the other resumes it.
    let mut tx = store.begin(actor).await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM key_rotations WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1"
    ))
    .fetch_optional(tx.conn())
    .await?;
    if let Some(r) = row {
        let job = from_row(&r);
        tx.rollback().await?;
        return Ok((job, true));
    }
    // The id the next key takes (`Keyring::rotate` numbers them), without generating it.
    let target = (*store.keys()).clone().rotate(&now());
    let started_at = now();
    let id: i64 = sqlx::query(
        "INSERT INTO key_rotations (target_key, started_at, started_by, phase) \
         VALUES ($1, $2, $3, 'key') RETURNING id",
    )
    .bind(&target)
    .bind(&started_at)
    .bind(actor.user_id)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "keys.rotation.start",
        "keys",
        &target,
        None,
        None,
        serde_json::json!({ "rotation": id, "target_key": target }),
    );
    tx.commit().await?;
    Ok((
        RotationJob {
            id,
            target_key: target,
            started_at,
            started_by: actor.user_id,
            phase: "key".into(),
            ..Default::default()
        },
        false,
    ))
}

/// Put the rotation's target key into the key file (generated once: a key file that
/// already holds it keeps it) and make it current, in the key file and in this process.
pub fn ensure_key(store: &Store, job: &RotationJob) -> Result<()> {
    store.reload_keys()?;
    let mut k = (*store.keys()).clone();
    if k.data_keys.iter().any(|d| d.id == job.target_key) {
        if k.current == job.target_key {
            return Ok(());
        }
        k.current = job.target_key.clone();
    } else {
        let id = k.rotate(&now());
        if id != job.target_key {
            // The key file changed since the rotation was recorded (a key added by hand):
            // the new key still takes the recorded id, which is not in the file.
            if let Some(d) = k.data_keys.iter_mut().find(|d| d.id == id) {
                d.id = job.target_key.clone();
            }
            k.current = job.target_key.clone();
        }
    }
    store.write_keys(&k)?;
    store.replace_keys(k);
    Ok(())
}

/// Record the job's counts and its new phase (audited); `done` finishes it.
pub async fn record(store: &Store, job: &mut RotationJob, phase: &str) -> Result<()> {
    debug_assert!(PHASES.contains(&phase));
    job.phase = phase.into();
    if phase == "done" {
        job.finished_at = Some(now());
    }
    let j = job.clone();
    store
        .write(&Actor::system(), async |tx| {
            sqlx::query(
                "UPDATE key_rotations SET phase = $1, fields_total = $2, fields_done = $3, \
                 fields_failed = $4, files_total = $5, files_done = $6, files_failed = $7, \
                 index_total = $8, index_done = $9, index_deferred = $10, finished_at = $11 \
                 WHERE id = $12",
            )
            .bind(&j.phase)
            .bind(j.fields_total as i64)
            .bind(j.fields_done as i64)
            .bind(j.fields_failed as i64)
            .bind(j.files_total as i64)
            .bind(j.files_done as i64)
            .bind(j.files_failed as i64)
            .bind(j.index_total as i64)
            .bind(j.index_done as i64)
            .bind(j.index_deferred as i64)
            .bind(&j.finished_at)
            .bind(j.id)
            .execute(tx.conn())
            .await?;
            let action = if j.finished() {
                "keys.rotation.finish"
            } else {
                "keys.rotation.phase"
            };
            tx.audit(
                action,
                "keys",
                &j.target_key,
                None,
                None,
                serde_json::json!({
                    "rotation": j.id,
                    "phase": j.phase,
                    "fields_done": j.fields_done,
                    "fields_failed": j.fields_failed,
                    "files_done": j.files_done,
                    "files_failed": j.files_failed,
                    "index_done": j.index_done,
                    "index_deferred": j.index_deferred,
                }),
            );
            Ok(())
        })
        .await
}

/// Told the job whenever its counts change (live progress).
pub type OnProgress<'a> = &'a (dyn Fn(&RotationJob) + Sync);

/// The `fields` phase: record it (with the number of values to do), then re-encrypt every
/// field value not under the target key, in batches.
pub async fn run_fields(
    store: &Store,
    job: &mut RotationJob,
    on: OnProgress<'_>,
) -> Result<crate::keys::ReencryptReport> {
    store.reload_keys()?;
    job.fields_total = crate::keys::pending_values(store).await?;
    job.fields_done = 0;
    job.fields_failed = 0;
    record(store, job, "fields").await?;
    on(job);
    let base = job.clone();
    let rep = crate::keys::reencrypt_with(store, &|done, failed| {
        let mut j = base.clone();
        j.fields_done = done;
        j.fields_failed = failed;
        on(&j);
    })
    .await?;
    // The person keys of the vault (crypto-shredding) are re-wrapped under the new key,
    // counted with the values.
    let person_keys = crate::shred::rewrap(store)?;
    job.fields_done = rep.reencrypted_total() + person_keys.rewrapped;
    job.fields_failed = rep.failed_total() + person_keys.failed;
    // Values written meanwhile under an older key are counted as they are done.
    job.fields_total = job.fields_total.max(job.fields_done + job.fields_failed);
    on(job);
    Ok(rep)
}

/// The `files` phase (blocking: file I/O; a server runs it off its request threads):
/// re-encrypt every evidence file not under the current key. Its end is recorded by the
/// caller ([`record`]).
pub fn run_files(
    store: &Store,
    job: &mut RotationJob,
    on: OnProgress<'_>,
) -> crate::keys::files::FilesReport {
    job.phase = "files".into();
    let base = std::sync::Mutex::new(job.clone());
    let rep = crate::keys::files::reencrypt_files(store, &|done, total| {
        let mut j = base.lock().expect("rotation progress");
        j.files_done = done;
        j.files_total = total;
        on(&j);
    });
    job.files_total = rep.reencrypted + rep.already + rep.failed;
    job.files_done = rep.reencrypted + rep.already;
    job.files_failed = rep.failed;
    on(job);
    rep
}

/// The counts of the `index` phase from the index's report.
pub fn index_done(job: &mut RotationJob, r: &crate::keys::files::IndexReport) {
    job.index_deferred = r.busy;
    job.index_done = r.resealed + r.already;
    job.index_total = job.index_total.max(job.index_done);
}
