//! The one write path.
//!
//! Every change to the database goes through a [`WriteTx`]: it opens a transaction whose
//! first statement claims the audit head (serialising writers on SQLite and PostgreSQL
//! alike), lets the caller run its statements, and on [`WriteTx::commit`] appends the
//! audit entries to the hash chain *in the same transaction*. A change without an audit
//! entry cannot be committed, and an audit entry cannot outlive a rolled-back change.

use crate::{now, Backend, Result, Store, StoreError};
use dignity_core::audit::{content_hash, seal, AuditEntry};
use dignity_core::Actor;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Executor, Row};

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

/// A write transaction on a connection of its own.
///
/// The transaction is opened and closed with plain `BEGIN IMMEDIATE` / `BEGIN` and `COMMIT`
/// statements, not with sqlx's nested-transaction bookkeeping: after a failed `COMMIT`
/// (a full disk) SQLite may already have rolled the transaction back, and sqlx's count of
/// open transactions would then stay one too high, turning every later transaction on that
/// pooled connection into a savepoint inside one that never commits (writes answered as
/// saved, then lost; ids handed out twice). Here, a connection on which anything failed,
/// or whose transaction was neither committed nor rolled back cleanly, is closed instead of
/// going back to the pool, and `BEGIN IMMEDIATE` fails loudly on SQLite if a transaction
/// were somehow still open.
pub struct WriteTx {
    /// `None` only while being consumed by `commit`/`rollback`.
    conn: Option<PoolConnection<Any>>,
    actor: Actor,
    pending: Vec<Pending>,
    head_seq: i64,
    head_hash: String,
    audit_key: Vec<u8>,
    anchor_path: std::path::PathBuf,
    store: Store,
    /// Person keys made by this transaction: written to the vault as one batch file by
    /// `commit`, before the database's `COMMIT` (see [`crate::vault`]).
    person_keys: Vec<crate::vault::NewKey>,
    /// The persons whose keys this transaction made (see `Store::uncommitted_person_key`).
    uncommitted_persons: Vec<i64>,
}

impl WriteTx {
    pub(crate) async fn begin(store: &Store, actor: &Actor) -> Result<WriteTx> {
        let mut conn = store.pool().acquire().await?;
        match Self::open(store, &mut conn).await {
            Ok((head_seq, head_hash)) => Ok(WriteTx {
                conn: Some(conn),
                actor: actor.clone(),
                pending: Vec::new(),
                head_seq,
                head_hash,
                audit_key: store.keys().audit_key(),
                anchor_path: store.data_dir().join("audit-anchor"),
                store: store.clone(),
                person_keys: Vec::new(),
                uncommitted_persons: Vec::new(),
            }),
            Err(e) => {
                // Whatever state the connection is in now, it does not go back to the pool.
                conn.close_on_drop();
                Err(e)
            }
        }
    }

    async fn open(store: &Store, conn: &mut AnyConnection) -> Result<(i64, String)> {
        // SQLite: IMMEDIATE takes the write lock now (waiting with busy_timeout instead of
        // failing later) and is refused if a transaction is already open on the connection.
        let begin = match store.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        conn.execute(begin).await?;
        let at = now();
        // Claim the head first: serialises writers on both backends (PostgreSQL locks the
        // row).
        sqlx::query("UPDATE audit_head SET touched_at = $1 WHERE id = 1")
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        Ok((row.get::<i64, _>(0), row.get::<String, _>(1)))
    }

    /// The connection to run statements on, inside the transaction.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("an open write transaction")
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Allocate the id of a row about to be inserted into `table` (whose primary key is an
    /// integer `id`), so that its encrypted fields can be bound to it (their associated
    /// data holds the row id) in the `INSERT` itself. PostgreSQL takes the next value of
    /// the identity sequence; SQLite the largest id plus one, which is what it would have
    /// chosen, and safe because the write transaction holds every other writer off.
    /// `table` must be a literal of the caller (it goes into the SQL).
    pub async fn next_id(&mut self, table: &'static str) -> Result<i64> {
        debug_assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        let sql = match self.store().backend() {
            crate::Backend::Postgres => {
                format!("SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
            }
            crate::Backend::Sqlite => format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
        };
        Ok(sqlx::query(&sql).fetch_one(self.conn()).await?.get(0))
    }

    /// Allocate `n` ids for rows about to be inserted into `table` together (see
    /// [`WriteTx::next_id`]): one statement for the whole batch.
    pub async fn next_ids(&mut self, table: &'static str, n: usize) -> Result<Vec<i64>> {
        debug_assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        match self.store().backend() {
            crate::Backend::Postgres => {
                let sql = format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
                );
                let rows = sqlx::query(&sql)
                    .bind(n as i64)
                    .fetch_all(self.conn())
                    .await?;
                Ok(rows.iter().map(|r| r.get(0)).collect())
            }
            crate::Backend::Sqlite => {
                let first = self.next_id(table).await?;
                Ok((first..first + n as i64).collect())
            }
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A person key to write with this transaction (see [`crate::shred::PersonSealer`]).
    pub(crate) fn add_person_key(&mut self, k: crate::vault::NewKey) {
        self.person_keys.retain(|o| o.person != k.person);
        self.store
            .set_uncommitted_person_key(k.person, Some(k.key.clone()));
        self.uncommitted_persons.push(k.person);
        self.person_keys.push(k);
    }

    /// The key this transaction made for `person`, if any.
    pub(crate) fn person_key(&self, person: i64) -> Option<dignity_core::crypto::PersonKey> {
        self.person_keys
            .iter()
            .find(|k| k.person == person)
            .map(|k| k.key.clone())
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

    /// Run `delete`, a `DELETE` of record `record_id` of `record_type`, and audit `action`
    /// on it (no content, no details) when it removed a row. Returns whether it did.
    pub async fn delete_audited<'q>(
        &mut self,
        delete: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
        action: &str,
        record_type: &str,
        record_id: i64,
    ) -> Result<bool> {
        let n = delete.execute(self.conn()).await?.rows_affected();
        if n > 0 {
            self.audit(
                action,
                record_type,
                &record_id.to_string(),
                None,
                None,
                serde_json::json!({}),
            );
        }
        Ok(n > 0)
    }

    /// Commit the change and its audit entries. Fails (and rolls back) if nothing was
    /// audited. Returns the sequence numbers of the entries. `Ok` means the database
    /// reported the `COMMIT` as done; on any error nothing of this transaction is kept and
    /// the connection is closed, not reused.
    pub async fn commit(mut self) -> Result<Vec<i64>> {
        if self.pending.is_empty() {
            let _ = self.finish("ROLLBACK").await;
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
            let inserted = sqlx::query(
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
            .execute(self.conn())
            .await;
            if let Err(err) = inserted {
                let _ = self.finish("ROLLBACK").await;
                return Err(err.into());
            }
            prev = e.hash.clone();
            seqs.push(seq);
            sealed.push(e);
        }
        let head = sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&prev)
            .execute(self.conn())
            .await;
        if let Err(err) = head {
            let _ = self.finish("ROLLBACK").await;
            return Err(err.into());
        }
        // The person keys this transaction made reach the disk before the rows that use
        // them are committed: one batch file for all of them.
        let new_keys = std::mem::take(&mut self.person_keys);
        if !new_keys.is_empty() {
            let written = self.store.vault().put(&new_keys, &self.store.keys());
            if let Err(err) = written {
                let _ = self.finish("ROLLBACK").await;
                return Err(err);
            }
        }
        self.finish("COMMIT").await?;
        // The anchor outside the database lets `audit verify` see entries deleted at the
        // end of the log. Written only now that the commit is done, so it can never run
        // ahead of the database; best effort (the database is the record: a stale anchor
        // only weakens that one check, and verify says so).
        self.store.write_anchor(&self.anchor_path, seq, &prev);
        if let Some(l) = self.store.commit_listener() {
            l.committed(&sealed);
        }
        Ok(seqs)
    }

    /// Abandon the change: nothing is written, nothing is audited.
    pub async fn rollback(mut self) -> Result<()> {
        self.finish("ROLLBACK").await
    }

    /// End the transaction with `COMMIT` or `ROLLBACK`. The connection goes back to the
    /// pool only if that statement succeeded; otherwise it is closed, which also ends any
    /// transaction still open on it (the database rolls back what was not committed).
    async fn finish(&mut self, statement: &str) -> Result<()> {
        for p in std::mem::take(&mut self.uncommitted_persons) {
            self.store.set_uncommitted_person_key(p, None);
        }
        let mut conn = self.conn.take().expect("an open write transaction");
        match conn.execute(statement).await {
            Ok(_) => Ok(()),
            Err(e) => {
                conn.close_on_drop();
                Err(e.into())
            }
        }
    }
}

impl Drop for WriteTx {
    /// Dropped without `commit` or `rollback` (an error in the caller's statements, a
    /// cancelled request): the transaction's connection is closed rather than returned to
    /// the pool with a transaction open, so the database discards the change.
    fn drop(&mut self) {
        for p in std::mem::take(&mut self.uncommitted_persons) {
            self.store.set_uncommitted_person_key(p, None);
        }
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}
