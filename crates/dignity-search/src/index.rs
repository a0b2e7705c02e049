//! The tantivy index: schema, writing documents, and permission-filtered search with
//! facet counts.

use crate::analysis::{self, analyzer_name, lang_slot, LANGS};
use crate::at_rest::{self, SealedDirectory};
use crate::facets::{Counts, FacetTables};
use crate::filter::FilterCache;
use crate::names;
use crate::{Error, Result};
use dignity_core::crypto::Keyring;
use dignity_core::{Actor, Confidentiality, RecordAccess, Role};
use dignity_store::search::SearchDoc;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::{Directory, MmapDirectory};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, Value, STORED, STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};

mod query;
#[cfg(test)]
mod tests;

/// Bump when the schema, the analysis or the record types of `Registry::standard()`
/// change: an index of another version is rebuilt at the next start (an index made before
/// a record type was registered would otherwise miss its existing records, since catching
/// up only applies new audit entries).
/// 2: recommendations, events, acts, persons, defenders and missing persons.
pub const SCHEMA_VERSION: u32 = 2;

/// What an index has applied, kept in its commit payload (atomically with the data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexState {
    pub schema: u32,
    /// Fingerprint of the blind-index key the name tokens were made with.
    pub key: String,
    /// The last audit sequence applied, and that entry's hash.
    pub seq: i64,
    pub hash: String,
}

/// Fingerprint of a key ring's blind-index key (changes if the key does).
pub fn key_fingerprint(keys: &Keyring) -> String {
    let mut k = keys.blind_index("search.fingerprint", "dignity");
    k.truncate(16);
    k
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    record_type: Field,
    id: Field,
    title: Field,
    titles: [Field; 6],
    bodies: [Field; 6],
    names: Field,
    access: Field,
    facets: Field,
    country: Field,
    date_from: Field,
    date_to: Field,
    seq: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let key = b.add_text_field("key", STRING);
    let record_type = b.add_text_field("record_type", STRING | STORED);
    let id = b.add_text_field("id", STRING | STORED);
    let title = b.add_text_field("title", STORED);
    let text = |slot: &str, with_positions: bool| {
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(&analyzer_name(slot))
                    .set_index_option(if with_positions {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::WithFreqs
                    }),
            )
            .set_stored()
    };
    let titles = LANGS.map(|s| b.add_text_field(&format!("title_{s}"), text(s, false)));
    let bodies = LANGS.map(|s| b.add_text_field(&format!("body_{s}"), text(s, false)));
    let raw_freq = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let names = b.add_text_field("names", raw_freq);
    let access = b.add_text_field("access", STRING);
    let facets = b.add_facet_field("facets", FacetOptions::default());
    let country = b.add_text_field("country", STRING | STORED);
    let num = NumericOptions::default()
        .set_indexed()
        .set_fast()
        .set_stored();
    let date_from = b.add_i64_field("date_from", num.clone());
    let date_to = b.add_i64_field("date_to", num.clone());
    let seq = b.add_i64_field("seq", num);
    (
        b.build(),
        Fields {
            key,
            record_type,
            id,
            title,
            titles,
            bodies,
            names,
            access,
            facets,
            country,
            date_from,
            date_to,
            seq,
        },
    )
}

/// The access tokens of a record. A reader's filter matches exactly the records
/// `authorize(reader, Read, access)` allows (a test checks every combination):
/// `anon` public and published; `staff` public or internal; `u:ID` creator or user on the
/// need-to-know list; `t:ID` team on the list. A record without a level fails closed.
pub fn access_tokens(a: &RecordAccess) -> Vec<String> {
    let level = a.level.unwrap_or(Confidentiality::StrictlyConfidential);
    let mut out = Vec::new();
    if level == Confidentiality::Public && a.published {
        out.push("anon".to_string());
    }
    if !level.needs_list() {
        out.push("staff".to_string());
    } else {
        out.extend(a.created_by.iter().map(|u| format!("u:{u}")));
        out.extend(a.need_to_know_users.iter().map(|u| format!("u:{u}")));
        out.extend(a.need_to_know_teams.iter().map(|t| format!("t:{t}")));
    }
    out
}

fn yyyymmdd(d: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    d.year() as i64 * 10000 + d.month() as i64 * 100 + d.day() as i64
}

type Clauses = Vec<(Occur, Box<dyn Query>)>;

/// A search as the page and the API ask it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Words; every word must match (title, text in any language, or a name).
    pub q: String,
    /// Facet name → accepted values: any of the values, all of the facets.
    pub filters: BTreeMap<String, Vec<String>>,
    /// Records whose date range overlaps these years.
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// Only records changed after this audit sequence ("new since last visit").
    pub changed_after: Option<i64>,
    /// The reader's language (titles and snippets).
    pub lang: String,
    pub offset: usize,
    pub limit: usize,
    /// The reader may not see names (an analyst where analysts see pseudonyms,
    /// `violations::sees_names`): the words are not matched against names at all, so a
    /// search cannot confirm that a named person is in the records. Set it for every
    /// request made on behalf of a user (the web layer's `reader_request` does).
    #[serde(default)]
    pub without_names: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub record_type: String,
    pub id: String,
    pub title: String,
    /// Plain text around the matching words.
    pub snippet: String,
    /// The same, HTML-escaped, matching words in `<mark>`.
    pub snippet_html: String,
    pub score: f32,
    pub country: Option<String>,
    /// `YYYY-MM-DD`, the span the record's (partial) date stands for.
    pub date_from: Option<String>,
    pub date_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: u64,
    pub hits: Vec<Hit>,
    /// Facet name → values with counts (only values with at least one visible record), in
    /// the order of the registry's facet names.
    pub facets: Vec<(String, Vec<FacetValue>)>,
}

/// What [`SearchIndex::warm_up`] did.
#[derive(Debug, Clone, Copy)]
pub struct WarmUp {
    pub segments: usize,
    /// Bytes of index files read.
    pub bytes: u64,
    pub seconds: f64,
}

/// The tantivy index of one installation (`DATA_DIR/index`).
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    dir: PathBuf,
    /// The encrypting directory the index's files are in (`None`: the benchmark's clear
    /// index).
    sealed: Option<SealedDirectory>,
    /// Permission and facet filters kept as bit sets per segment between queries.
    filters: FilterCache,
    /// The facet values of every document, per segment, for counting.
    facet_tables: FacetTables,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// Why the index in `dir` cannot be used as it is and must be made again, if it must: it
/// is in clear text where it should be sealed (or the other way round, in the benchmark),
/// or one of its files is sealed under a data key that is not in the key ring any more.
fn unusable(dir: &Path, keys: Option<&Keyring>) -> Result<Option<&'static str>> {
    // tantivy's two files of its own (the other files are listed in them).
    let meta = at_rest::is_sealed(&dir.join("meta.json"))?;
    let managed = at_rest::is_sealed(&dir.join(".managed.json"))?;
    let sealed = match (meta, managed) {
        (None, None) => return Ok(None),
        (a, b) => a.unwrap_or(true) && b.unwrap_or(true),
    };
    let Some(keys) = keys else {
        let any_sealed = meta == Some(true) || managed == Some(true);
        return Ok(any_sealed.then_some("is encrypted where a clear index was asked for"));
    };
    if !sealed {
        return Ok(Some(
            "holds clear text (it was made before the index was encrypted)",
        ));
    }
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if !e.file_type()?.is_file() {
            continue;
        }
        if let Some(kid) = at_rest::sealed_key_id(&e.path())? {
            if !keys.data_keys.iter().any(|d| d.id == kid) {
                return Ok(Some(
                    "is sealed under a data key that is not in the key file any more",
                ));
            }
        }
    }
    // Sealed under a key of the same id but another key file (another installation's).
    let d = SealedDirectory::open(dir, keys)?;
    for f in [meta.map(|_| "meta.json"), managed.map(|_| ".managed.json")]
        .into_iter()
        .flatten()
    {
        if d.atomic_read(Path::new(f)).is_err() {
            return Ok(Some("does not decrypt with this key file"));
        }
    }
    Ok(None)
}

fn date_string(v: i64) -> String {
    format!("{:04}-{:02}-{:02}", v / 10000, (v / 100) % 100, v % 100)
}

impl SearchIndex {
    /// Open the index in `dir`, creating it if absent, every file sealed under a key
    /// derived from the key ring's data key ([`crate::at_rest`]). An index of another
    /// schema version, an index in clear text (made before the index was encrypted) and
    /// an index sealed under a data key the key file no longer holds are deleted and made
    /// again empty (the caller rebuilds it: [`SearchIndex::needs_rebuild`]).
    /// `writer_threads`/`writer_mb`: indexing threads and their memory (at least 15 MB each).
    pub fn open(
        dir: &Path,
        keys: &Keyring,
        writer_threads: usize,
        writer_mb: usize,
    ) -> Result<SearchIndex> {
        Self::open_in(dir, Some(keys), writer_threads, writer_mb)
    }

    /// Open an index whose files are **not** encrypted, for `dignity bench search
    /// --compare-clear` only (it measures what the encryption costs). Never for data.
    #[doc(hidden)]
    pub fn open_clear_for_benchmark(
        dir: &Path,
        writer_threads: usize,
        writer_mb: usize,
    ) -> Result<SearchIndex> {
        Self::open_in(dir, None, writer_threads, writer_mb)
    }

    fn open_in(
        dir: &Path,
        keys: Option<&Keyring>,
        writer_threads: usize,
        writer_mb: usize,
    ) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let directory = || -> Result<(Box<dyn Directory>, Option<SealedDirectory>)> {
            Ok(match keys {
                Some(k) => {
                    let d = SealedDirectory::open(dir, k)?;
                    (Box::new(d.clone()), Some(d))
                }
                None => (
                    Box::new(MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?),
                    None,
                ),
            })
        };
        let wipe = |why: &str| -> Result<()> {
            tracing::warn!(dir = %dir.display(), "search index {why}: deleting it and rebuilding it");
            std::fs::remove_dir_all(dir)?;
            std::fs::create_dir_all(dir)?;
            Ok(())
        };
        if let Some(k) = keys {
            // After `dignity keys rotate` beside a running server (which held the index):
            // re-seal under the current key the files sealed under an older one.
            let t = std::time::Instant::now();
            match at_rest::reseal(dir, k, &|_, _| {}) {
                Ok(r) if r.resealed > 0 => tracing::info!(
                    files = r.resealed,
                    ms = t.elapsed().as_millis() as u64,
                    "search index re-sealed under the current data key"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the search index could not be re-sealed under the current data key")
                }
            }
        }
        if let Some(why) = unusable(dir, keys)? {
            wipe(why)?;
        }
        let (index, sealed) = if dir.join("meta.json").exists() {
            let (d, sealed) = directory()?;
            match Index::open(d) {
                Ok(i) if i.schema() == schema => (i, sealed),
                _ => {
                    wipe("has another schema")?;
                    let (d, sealed) = directory()?;
                    (Index::create(d, schema, IndexSettings::default())?, sealed)
                }
            }
        } else {
            let (d, sealed) = directory()?;
            (Index::create(d, schema, IndexSettings::default())?, sealed)
        };
        analysis::register(index.tokenizers());
        let writer = index
            .writer_with_num_threads(
                writer_threads.max(1),
                writer_mb.max(15) * 1_000_000 * writer_threads.max(1),
            )
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => Error::Busy(dir.display().to_string()),
                e => e.into(),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            f,
            dir: dir.to_path_buf(),
            sealed,
            filters: FilterCache::default(),
            facet_tables: FacetTables::default(),
        })
    }

    /// Whether the index's files are encrypted (always, but in the benchmark's comparison).
    pub fn is_sealed(&self) -> bool {
        self.sealed.is_some()
    }

    /// Bytes of index files decrypted and held in memory (0 for a clear index, whose files
    /// are mapped from disk instead).
    pub fn memory_bytes(&self) -> u64 {
        self.sealed.as_ref().map_or(0, |d| d.memory_bytes())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The id of the data key new index files are sealed under (`None`: a clear index).
    pub fn sealed_key(&self) -> Option<String> {
        self.sealed.as_ref().map(|d| d.current_key())
    }

    /// Re-seal the index's files under the current data key of `keys` while it stays in
    /// use: searches and indexing go on (see [`SealedDirectory::reseal_live`]). Blocking
    /// (file I/O). A clear index has nothing to re-seal.
    pub fn reseal(
        &self,
        keys: &Keyring,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<dignity_store::keys::files::IndexReport> {
        match &self.sealed {
            Some(d) => Ok(d.reseal_live(keys, progress)?),
            None => Ok(Default::default()),
        }
    }

    /// What the index has applied (from the last commit), if it was ever committed.
    pub fn state(&self) -> Option<IndexState> {
        let metas = self.index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }

    /// Whether the index must be rebuilt before use: never committed, another schema, or
    /// made with another blind-index key.
    pub fn needs_rebuild(&self, keys: &Keyring) -> bool {
        match self.state() {
            Some(s) => s.schema != SCHEMA_VERSION || s.key != key_fingerprint(keys),
            None => true,
        }
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn key_term(&self, record_type: &str, id: &str) -> Term {
        Term::from_field_text(self.f.key, &format!("{record_type}:{id}"))
    }

    /// The tantivy document of a record.
    fn document(&self, keys: &Keyring, doc: &SearchDoc, seq: i64) -> TantivyDocument {
        let f = &self.f;
        let mut d = TantivyDocument::default();
        d.add_text(f.key, format!("{}:{}", doc.record_type, doc.id));
        d.add_text(f.record_type, &doc.record_type);
        d.add_text(f.id, &doc.id);
        d.add_text(f.title, &doc.title);
        for t in &doc.texts {
            let i = LANGS
                .iter()
                .position(|s| *s == lang_slot(&t.lang))
                .unwrap_or(5);
            if !t.title.is_empty() {
                d.add_text(f.titles[i], &t.title);
            }
            if !t.body.is_empty() {
                d.add_text(f.bodies[i], &t.body);
            }
        }
        for n in &doc.names {
            for tok in names::name_tokens(keys, n) {
                d.add_text(f.names, tok);
            }
        }
        for a in access_tokens(&doc.access) {
            d.add_text(f.access, a);
        }
        d.add_facet(
            f.facets,
            Facet::from_path(["record_type", &doc.record_type]),
        );
        if let Some(c) = &doc.country {
            d.add_facet(f.facets, Facet::from_path(["country", c]));
            d.add_text(f.country, c);
        }
        if let Some(r) = &doc.region {
            d.add_facet(f.facets, Facet::from_path(["region", r]));
        }
        for (name, values) in &doc.facets {
            for v in values {
                d.add_facet(f.facets, Facet::from_path([name.as_str(), v.as_str()]));
            }
        }
        let (from, to) = match (doc.date_from, doc.date_to) {
            (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
            (a, b) => (a.or(b), b.or(a)),
        };
        if let (Some(a), Some(b)) = (from, to) {
            use chrono::Datelike;
            d.add_i64(f.date_from, yyyymmdd(a));
            d.add_i64(f.date_to, yyyymmdd(b));
            // A year facet for every year the date can stand for (at most 50).
            for y in a.year()..=b.year().min(a.year() + 49) {
                d.add_facet(f.facets, Facet::from_path(["year", &y.to_string()]));
            }
        }
        d.add_i64(f.seq, seq);
        d
    }

    /// Add or replace a record (visible after [`SearchIndex::commit`]). `seq`: the audit
    /// sequence of its last change.
    pub fn upsert(&self, keys: &Keyring, doc: &SearchDoc, seq: i64) -> Result<()> {
        let d = self.document(keys, doc, seq);
        let w = self.writer.lock().expect("writer lock");
        w.delete_term(self.key_term(&doc.record_type, &doc.id));
        w.add_document(d)?;
        Ok(())
    }

    /// Add a record known not to be in the index (rebuilds, bulk loads).
    pub fn add(&self, keys: &Keyring, doc: &SearchDoc, seq: i64) -> Result<()> {
        let d = self.document(keys, doc, seq);
        self.writer.lock().expect("writer lock").add_document(d)?;
        Ok(())
    }

    pub fn delete(&self, record_type: &str, id: &str) {
        self.writer
            .lock()
            .expect("writer lock")
            .delete_term(self.key_term(record_type, id));
    }

    pub fn delete_type(&self, record_type: &str) {
        self.writer
            .lock()
            .expect("writer lock")
            .delete_term(Term::from_field_text(self.f.record_type, record_type));
    }

    pub fn delete_all(&self) -> Result<()> {
        self.writer
            .lock()
            .expect("writer lock")
            .delete_all_documents()?;
        Ok(())
    }

    /// Commit what was written, with the state it brings the index to, and make it
    /// visible to searches.
    pub fn commit(&self, state: &IndexState) -> Result<()> {
        {
            let mut w = self.writer.lock().expect("writer lock");
            let mut p = w.prepare_commit()?;
            p.set_payload(&serde_json::to_string(state).expect("state serialises"));
            p.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Throw away what was written since the last commit.
    pub fn rollback(&self) -> Result<()> {
        self.writer.lock().expect("writer lock").rollback()?;
        Ok(())
    }

    /// Wait for background merges (before measuring the size of the index).
    pub fn wait_merging(self) -> Result<()> {
        let w = self.writer.into_inner().expect("writer lock");
        w.wait_merging_threads()?;
        Ok(())
    }

    /// Prepare the index for its first queries (run it in the background after opening):
    /// build the permission bit sets every reader's filter is made of (`staff`, `anon`) in
    /// every segment, and read the files the queries read (postings, term dictionaries,
    /// field norms, fast fields: facets and dates; not the document store) once, so that
    /// the first searches neither build those sets nor wait for the disk. Only reads.
    /// (The encrypted index's files are already in memory, decrypted when the index was
    /// opened: their bytes are counted, not read again.)
    pub fn warm_up(&self) -> Result<WarmUp> {
        let t = std::time::Instant::now();
        let searcher = self.searcher();
        let sets: Vec<Vec<Term>> = ["staff", "anon"]
            .iter()
            .map(|s| vec![Term::from_field_text(self.f.access, s)])
            .collect();
        self.filters.prepare(&searcher, &sets)?;
        if self.facet_tables.enabled() {
            for r in searcher.segment_readers() {
                self.facet_tables.get(r, "facets")?;
            }
        }
        let mut bytes = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        for r in searcher.segment_readers() {
            let seg = r.segment_id().uuid_string();
            for ext in ["idx", "term", "fieldnorm", "fast"] {
                let name = format!("{seg}.{ext}");
                if self.sealed.is_some() {
                    // Decrypted into memory when the segment was opened: nothing to read
                    // from the disk; count what the queries have at hand.
                    if let Ok(f) = self.index.directory().open_read(Path::new(&name)) {
                        bytes += tantivy::HasLen::len(&f) as u64;
                    }
                    continue;
                }
                let Ok(mut f) = std::fs::File::open(self.dir.join(&name)) else {
                    continue;
                };
                loop {
                    match std::io::Read::read(&mut f, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => bytes += n as u64,
                    }
                }
            }
        }
        Ok(WarmUp {
            segments: searcher.segment_readers().len(),
            bytes,
            seconds: t.elapsed().as_secs_f64(),
        })
    }

    /// Count facets from the kept per-segment tables (the default) or, switched off, with
    /// tantivy's `FacetCollector` (the same counts; `dignity bench search` compares them).
    pub fn set_facet_tables(&self, on: bool) {
        self.facet_tables.set_enabled(on);
    }
}
