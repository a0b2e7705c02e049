//! The one write path.
//!
//! Every change to the database goes through a [`WriteTx`]: it opens a transaction whose
//! first statement claims the audit head (serialising writers on SQLite and PostgreSQL
//! alike), lets the caller run its statements, and on [`WriteTx::commit`] appends the
//! audit entries to the hash chain *in the same transaction*. A change without an audit
//! entry cannot be committed, and an audit entry cannot outlive a rolled-back change.

use crate::{now, Result, Store, StoreError};
use dignity_core::audit::{content_hash, seal, AuditEntry};
use dignity_core::Actor;
use sqlx::{Any, AnyConnection, Row, Transaction};

/// Told after a [`WriteTx`] commits, with the audit entries it appended (in sequence
/// order), so that derived data (the search index) can follow the database. Called on the
/// committing task after the database commit: keep it quick (hand work to a background
/// task) and never fail the write. A listener can miss commits (a crash, another process,
/// another app server on the same PostgreSQL database): it must be able to catch up from
/// the audit log, which holds every committed change in order.
pub trait CommitListener: Send + Sync {
    fn committed(&self, entries: &[AuditEntry]);
}

struct Pending {
    action: String,
    record_type: String,
    record_id: String,
    before_hash: Option<String>,
    after_hash: Option<String>,
    details: String,
}

pub struct WriteTx {
    tx: Transaction<'static, Any>,
    actor: Actor,
    pending: Vec<Pending>,
    head_seq: i64,
    head_hash: String,
    audit_key: Vec<u8>,
    anchor_path: std::path::PathBuf,
    store: Store,
}

impl WriteTx {
    pub(crate) async fn begin(store: &Store, actor: &Actor) -> Result<WriteTx> {
        let mut tx = store.pool().begin().await?;
        let at = now();
        // Claim the head first: a write, so SQLite takes its write lock now (waiting with
        // busy_timeout instead of failing later), and PostgreSQL locks the row.
        sqlx::query("UPDATE audit_head SET touched_at = $1 WHERE id = 1")
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        Ok(WriteTx {
            tx,
            actor: actor.clone(),
            pending: Vec::new(),
            head_seq: row.get::<i64, _>(0),
            head_hash: row.get::<String, _>(1),
            audit_key: store.keys().audit_key(),
            anchor_path: store.data_dir().join("audit-anchor"),
            store: store.clone(),
        })
    }

    /// The connection to run statements on, inside the transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Record what this transaction does. `before`/`after` are the record's content; only
    /// their hashes are stored.
    pub fn audit(
        &mut self,
        action: &str,
        record_type: &str,
        record_id: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
        details: serde_json::Value,
    ) {
        self.pending.push(Pending {
            action: action.into(),
            record_type: record_type.into(),
            record_id: record_id.into(),
            before_hash: before.map(|v| content_hash(&self.audit_key, v)),
            after_hash: after.map(|v| content_hash(&self.audit_key, v)),
            details: details.to_string(),
        });
    }

    /// Commit the change and its audit entries. Fails (and rolls back) if nothing was
    /// audited. Returns the sequence numbers of the entries.
    pub async fn commit(mut self) -> Result<Vec<i64>> {
        if self.pending.is_empty() {
            self.tx.rollback().await?;
            return Err(StoreError::Internal(
                "a write was attempted without an audit entry; nothing was saved".into(),
            ));
        }
        let at = now();
        let mut seqs = Vec::with_capacity(self.pending.len());
        let mut sealed = Vec::with_capacity(self.pending.len());
        let mut prev = self.head_hash.clone();
        let mut seq = self.head_seq;
        for p in std::mem::take(&mut self.pending) {
            seq += 1;
            let e = seal(
                &self.audit_key,
                AuditEntry {
                    seq,
                    at: at.clone(),
                    actor_id: self.actor.user_id,
                    actor_name: self.actor.username.clone(),
                    action: p.action,
                    record_type: p.record_type,
                    record_id: p.record_id,
                    before_hash: p.before_hash,
                    after_hash: p.after_hash,
                    details: p.details,
                    prev_hash: prev,
                    hash: String::new(),
                },
            );
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, record_type, record_id, \
                 before_hash, after_hash, details, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(e.seq)
            .bind(&e.at)
            .bind(e.actor_id)
            .bind(&e.actor_name)
            .bind(&e.action)
            .bind(&e.record_type)
            .bind(&e.record_id)
            .bind(&e.before_hash)
            .bind(&e.after_hash)
            .bind(&e.details)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .execute(&mut *self.tx)
            .await?;
            prev = e.hash.clone();
            seqs.push(seq);
            sealed.push(e);
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        // The anchor outside the database lets `audit verify` see entries deleted at the
        // end of the log. Best effort: the database is the record; a stale anchor only
        // weakens that one check, and verify says so.
        let _ = crate::private::write(&self.anchor_path, format!("{seq} {prev}\n").as_bytes());
        if let Some(l) = self.store.commit_listener() {
            l.committed(&sealed);
        }
        Ok(seqs)
    }

    /// Abandon the change: nothing is written, nothing is audited.
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}
