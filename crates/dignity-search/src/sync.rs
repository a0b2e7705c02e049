//! Keeping the index in step with the database.
//!
//! The audit log is the source of truth: every committed change has an entry, in sequence
//! order, naming the record it touched. The index stores the last sequence it applied
//! (and that entry's hash) in its own commit, atomically with the documents. Catching up
//! = read the entries after it, ask the registry which records they touch, load those
//! records (or remove them if gone), commit with the new sequence. So:
//! - after a crash anywhere between the database commit and the index commit, the next
//!   start re-applies what was missing;
//! - several app servers on one PostgreSQL database each keep their own index, each
//!   catching up from the shared log (a poll every few seconds, and at once on their own
//!   commits through the store's [`CommitListener`]);
//! - a database replaced by a restore (the entry at the applied sequence is missing or has
//!   another hash), another schema or another blind-index key → a rebuild.

use crate::index::{
    key_fingerprint, IndexState, SearchIndex, SearchRequest, SearchResults, SCHEMA_VERSION,
};
use crate::Result;
use dignity_core::audit::AuditEntry;
use dignity_core::Actor;
use dignity_store::search::{self as ss, Affected, Registry};
use dignity_store::{CommitListener, Store};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Where and how to run the index.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Default: `DATA_DIR/index`.
    pub dir: Option<PathBuf>,
    pub writer_threads: usize,
    /// Memory of each indexing thread, MB (at least 15).
    pub writer_mb: usize,
    /// How often to look for commits made elsewhere (CLI, other app servers).
    pub poll: Duration,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            dir: None,
            writer_threads: 1,
            writer_mb: 40,
            poll: Duration::from_secs(3),
        }
    }
}

/// What a catch-up did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatchUp {
    pub entries: usize,
    pub indexed: usize,
    pub removed: usize,
    /// The index was rebuilt (database replaced, new schema or key).
    pub rebuilt: bool,
}

/// What a rebuild did.
#[derive(Debug, Clone, Default)]
pub struct Rebuild {
    pub documents: u64,
    pub seq: i64,
    pub seconds: f64,
}

struct Inner {
    store: Store,
    registry: Registry,
    index: SearchIndex,
    facet_names: Vec<String>,
    wake: Arc<tokio::sync::Notify>,
    applied: tokio::sync::watch::Sender<i64>,
    sync_lock: tokio::sync::Mutex<()>,
    poll: Duration,
    /// See [`Search::set_index_hook`].
    index_hook: std::sync::Mutex<Option<IndexHook>>,
}

type IndexHook = Arc<dyn Fn() + Send + Sync>;

/// The search service of one process: index + registry + store.
#[derive(Clone)]
pub struct Search {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("index", &self.inner.index)
            .field("registry", &self.inner.registry)
            .finish()
    }
}

/// Wakes the sync task after each commit (holds the service weakly: the store keeps the
/// listener, the service keeps the store).
struct Wake(Weak<Inner>);

impl CommitListener for Wake {
    fn committed(&self, _entries: &[AuditEntry]) {
        // The entries only say "there is something new": the sync task reads the log
        // itself, so entries committed elsewhere are applied in the same order.
        if let Some(i) = self.0.upgrade() {
            i.wake.notify_one();
        }
    }
}

const BATCH: i64 = 5000;

/// A batch of records of one type loaded (one query for the types that implement
/// `load_many`), each with the audit sequence `seq` gives it.
async fn load_batch(
    ix: &dyn ss::Indexer,
    store: &Store,
    ids: &[String],
    seq: impl Fn(&ss::SearchDoc) -> i64,
) -> Result<Vec<(ss::SearchDoc, i64)>> {
    Ok(ix
        .load_many(store, ids)
        .await?
        .into_iter()
        .map(|d| {
            let s = seq(&d);
            (d, s)
        })
        .collect())
}

impl Search {
    /// Open the index, rebuild it if it must be, and catch up with the audit log. Does not
    /// start following new commits: call [`Search::follow`] for that.
    pub async fn open(store: &Store, registry: Registry, opts: SearchOptions) -> Result<Search> {
        let s = Search::new(store, registry, opts)?;
        if s.inner.index.needs_rebuild(&store.keys()) {
            s.rebuild(&|_, _| {}).await?;
        }
        s.catch_up().await?;
        Ok(s)
    }

    /// Open the index without rebuilding or catching up (for `dignity reindex`).
    pub fn new(store: &Store, registry: Registry, opts: SearchOptions) -> Result<Search> {
        let dir = opts
            .dir
            .clone()
            .unwrap_or_else(|| store.data_dir().join("index"));
        let index = SearchIndex::open(&dir, &store.keys(), opts.writer_threads, opts.writer_mb)?;
        let applied = index.state().map(|s| s.seq).unwrap_or(0);
        let facet_names = registry.facet_names();
        let s = Search {
            inner: Arc::new(Inner {
                store: store.clone(),
                registry,
                index,
                facet_names,
                wake: Arc::new(tokio::sync::Notify::new()),
                applied: tokio::sync::watch::channel(applied).0,
                sync_lock: tokio::sync::Mutex::new(()),
                poll: opts.poll,
                index_hook: std::sync::Mutex::new(None),
            }),
        };
        Ok(s)
    }

    pub fn index(&self) -> &SearchIndex {
        &self.inner.index
    }
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    pub fn facet_names(&self) -> &[String] {
        &self.inner.facet_names
    }

    /// The last audit sequence the index has applied.
    pub fn applied(&self) -> i64 {
        *self.inner.applied.borrow()
    }

    /// The listener to hand to [`Store::set_commit_listener`].
    pub fn listener(&self) -> Arc<dyn CommitListener> {
        Arc::new(Wake(Arc::downgrade(&self.inner)))
    }

    /// Follow the database: register the commit listener on the store and start the task
    /// that catches up after each commit and every poll interval.
    pub fn follow(&self) -> tokio::task::JoinHandle<()> {
        self.inner.store.set_commit_listener(Some(self.listener()));
        let weak = Arc::downgrade(&self.inner);
        let poll = self.inner.poll;
        tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else { return };
                let s = Search { inner };
                if let Err(e) = s.catch_up().await {
                    tracing::error!(error = %e, "search index catch-up failed; retrying");
                }
                // The key file was rotated (by `dignity keys rotate` beside this server,
                // which could not take the index): re-seal it now, searches going on.
                if s.key_changed() {
                    match s.reseal(&|_, _| {}).await {
                        Ok(r) if r.resealed > 0 => tracing::info!(
                            files = r.resealed,
                            "search index re-sealed under the new data key"
                        ),
                        Ok(_) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "re-sealing the search index failed; retrying")
                        }
                    }
                }
                let wake = s.inner.wake.clone();
                drop(s);
                let _ = tokio::time::timeout(poll, wake.notified()).await;
            }
        })
    }

    /// Wait until the index has applied audit sequence `seq` (or `timeout` passed).
    /// Returns whether it has.
    pub async fn wait_for(&self, seq: i64, timeout: Duration) -> bool {
        let mut rx = self.inner.applied.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|s| *s >= seq))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    fn state(&self, seq: i64, hash: String) -> IndexState {
        IndexState {
            schema: SCHEMA_VERSION,
            key: key_fingerprint(&self.inner.store.keys()),
            seq,
            hash,
        }
    }

    /// Run index work (analysing, encrypting and writing documents, committing: CPU and
    /// disk, seconds after a large import) on a blocking thread, so that the async runtime
    /// goes on answering requests meanwhile.
    async fn on_index<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SearchIndex) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let hook = inner.index_hook.lock().expect("hook lock").clone();
            if let Some(h) = hook {
                h();
            }
            f(&inner.index)
        })
        .await
        .map_err(|e| crate::Error::Io(std::io::Error::other(e)))?
    }

    /// For tests: called on the indexing thread before each piece of catch-up work.
    #[doc(hidden)]
    pub fn set_index_hook(&self, hook: Option<IndexHook>) {
        *self.inner.index_hook.lock().expect("hook lock") = hook;
    }

    /// Apply the audit entries the index has not seen yet.
    pub async fn catch_up(&self) -> Result<CatchUp> {
        let guard = self.inner.sync_lock.lock().await;
        let store = &self.inner.store;
        let idx = &self.inner.index;
        let mut report = CatchUp::default();
        let mut state = idx.state().unwrap_or_default();
        if state.seq > 0 {
            let hash = ss::audit_hash_at(store, state.seq).await?;
            if hash.as_deref() != Some(state.hash.as_str()) {
                tracing::warn!(
                    applied = state.seq,
                    "the audit log no longer has the entry the search index applied last (database restored or replaced): rebuilding the index"
                );
                drop(guard);
                self.rebuild(&|_, _| {}).await?;
                report.rebuilt = true;
                return Ok(report);
            }
        }
        let keys = store.keys();
        loop {
            let changes = ss::changes_since(store, state.seq, BATCH).await?;
            let Some(last) = changes.last().cloned() else {
                break;
            };
            report.entries += changes.len();
            // Which records, and the last sequence that touched each.
            let mut one: BTreeMap<(usize, String), i64> = BTreeMap::new();
            let mut all: BTreeMap<usize, i64> = BTreeMap::new();
            for (k, ix) in self.inner.registry.indexers().iter().enumerate() {
                for (a, seq) in ix.affected_batch(store, &changes).await? {
                    match a {
                        Affected::One(id) => {
                            let e = one.entry((k, id)).or_insert(seq);
                            *e = (*e).max(seq);
                        }
                        Affected::All => {
                            let e = all.entry(k).or_insert(seq);
                            *e = (*e).max(seq);
                        }
                    }
                }
            }
            let result: Result<()> = async {
                for (&k, &seq) in &all {
                    let ix = &self.inner.registry.indexers()[k];
                    idx.delete_type(ix.record_type());
                    let ids = ix.ids(store).await?;
                    for chunk in ids.chunks(500) {
                        let docs = load_batch(&**ix, store, chunk, |d| {
                            let s = one.get(&(k, d.id.clone())).copied().unwrap_or(seq);
                            s.max(seq)
                        })
                        .await?;
                        let keys = keys.clone();
                        report.indexed += self
                            .on_index(move |idx| {
                                for (d, s) in &docs {
                                    idx.add(&keys, d, *s)?;
                                }
                                Ok(docs.len())
                            })
                            .await?;
                    }
                }
                // The records touched one by one: loaded in batches (one query each for
                // the types that implement `load_many`); those that no longer load are
                // removed.
                let mut per_type: BTreeMap<usize, Vec<String>> = BTreeMap::new();
                for (k, id) in one.keys() {
                    if !all.contains_key(k) {
                        per_type.entry(*k).or_default().push(id.clone());
                    }
                }
                for (k, ids) in per_type {
                    let ix = &self.inner.registry.indexers()[k];
                    for chunk in ids.chunks(500) {
                        let docs = load_batch(&**ix, store, chunk, |d| {
                            one.get(&(k, d.id.clone())).copied().unwrap_or(last.seq)
                        })
                        .await?;
                        let found: std::collections::HashSet<String> =
                            docs.iter().map(|(d, _)| d.id.clone()).collect();
                        let gone: Vec<String> = chunk
                            .iter()
                            .filter(|id| !found.contains(*id))
                            .cloned()
                            .collect();
                        report.indexed += docs.len();
                        report.removed += gone.len();
                        let (keys, record_type) = (keys.clone(), ix.record_type().to_string());
                        self.on_index(move |idx| {
                            for (d, seq) in &docs {
                                idx.upsert(&keys, d, *seq)?;
                            }
                            for id in &gone {
                                idx.delete(&record_type, id);
                            }
                            Ok(())
                        })
                        .await?;
                    }
                }
                Ok(())
            }
            .await;
            if let Err(e) = result {
                self.on_index(|idx| idx.rollback()).await?;
                return Err(e);
            }
            state = self.state(last.seq, last.hash.clone());
            let s = state.clone();
            self.on_index(move |idx| idx.commit(&s)).await?;
            self.inner.applied.send_replace(last.seq);
        }
        Ok(report)
    }

    /// Build the index from scratch from every registered record type. `progress(done,
    /// total)` is called as documents are added. Searches see the old index until the
    /// new one is committed.
    pub async fn rebuild(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Rebuild> {
        let _guard = self.inner.sync_lock.lock().await;
        let t = Instant::now();
        let store = &self.inner.store;
        let idx = &self.inner.index;
        let keys = store.keys();
        let head = ss::audit_head(store).await?;
        let hash = ss::audit_hash_at(store, head).await?.unwrap_or_default();
        // The last change of every record, for "new since" counts.
        let mut last: HashMap<(usize, String), i64> = HashMap::new();
        let mut last_all: HashMap<usize, i64> = HashMap::new();
        for (rt, id, seq) in ss::last_changes(store).await? {
            for (k, ix) in self.inner.registry.indexers().iter().enumerate() {
                match ix.affected(&rt, &id) {
                    Some(Affected::One(id)) => {
                        let e = last.entry((k, id)).or_insert(seq);
                        *e = (*e).max(seq);
                    }
                    Some(Affected::All) => {
                        let e = last_all.entry(k).or_insert(seq);
                        *e = (*e).max(seq);
                    }
                    None => {}
                }
            }
        }
        let mut all_ids = Vec::new();
        for ix in self.inner.registry.indexers() {
            all_ids.push(ix.ids(store).await?);
        }
        let total: u64 = all_ids.iter().map(|v| v.len() as u64).sum();
        let result: Result<u64> = async {
            idx.delete_all()?;
            let mut done = 0u64;
            for (k, ix) in self.inner.registry.indexers().iter().enumerate() {
                for chunk in all_ids[k].chunks(1000) {
                    for d in ix.load_many(store, chunk).await? {
                        let seq = last
                            .get(&(k, d.id.clone()))
                            .copied()
                            .or(last_all.get(&k).copied())
                            .unwrap_or(0);
                        idx.add(&keys, &d, seq)?;
                    }
                    done += chunk.len() as u64;
                    progress(done, total);
                }
            }
            Ok(done)
        }
        .await;
        let documents = match result {
            Ok(n) => n,
            Err(e) => {
                idx.rollback()?;
                return Err(e);
            }
        };
        idx.commit(&self.state(head, hash))?;
        self.inner.applied.send_replace(head);
        Ok(Rebuild {
            documents,
            seq: head,
            seconds: t.elapsed().as_secs_f64(),
        })
    }

    /// Whether the store's current data key is not the one the index seals new files under
    /// (after a key rotation, until [`Search::reseal`]).
    pub fn key_changed(&self) -> bool {
        self.inner
            .index
            .sealed_key()
            .is_some_and(|k| k != self.inner.store.keys().current)
    }

    /// Re-seal the index under the store's current data key while it stays in use (the
    /// server's step of a key rotation; see `at_rest`): searches and indexing go on, and
    /// afterwards no file of the index needs an older key. Runs on a blocking thread.
    /// `progress(done, total)`: index files looked at.
    pub async fn reseal(
        &self,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<dignity_store::keys::files::IndexReport> {
        let inner = self.inner.clone();
        let keys = self.inner.store.keys();
        // The progress callback is borrowed: hand the blocking thread a channel instead.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
        let task = tokio::task::spawn_blocking(move || {
            inner.index.reseal(&keys, &|done, total| {
                let _ = tx.send((done, total));
            })
        });
        while let Some((done, total)) = rx.recv().await {
            progress(done, total);
        }
        task.await
            .map_err(|e| crate::Error::Io(std::io::Error::other(e)))?
    }

    /// Search as `actor` (the permission filter is part of the query).
    pub fn search(&self, actor: &Actor, req: &SearchRequest) -> Result<SearchResults> {
        self.inner.index.search(
            &self.inner.store.keys(),
            actor,
            req,
            &self.inner.facet_names,
        )
    }

    /// How many records `actor` may read match `req`.
    pub fn count(&self, actor: &Actor, req: &SearchRequest) -> Result<u64> {
        self.inner.index.count(&self.inner.store.keys(), actor, req)
    }
}
