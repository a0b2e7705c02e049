//! Filters kept as per-segment bit sets between queries.
//!
//! The permission filter of a reader (`staff`, `u:ID`, `t:ID`…) matches most of the index;
//! tantivy's `TermSetQuery` rebuilds its bit set from the posting lists on every query
//! (800,000 document ids read for a staff member in a 1,000,000-document index). A segment
//! never changes once written (deletions are a separate bit set that every collector
//! applies), so the bit set of a set of terms in a segment can be kept for as long as the
//! segment lives: [`FilterCache`] keeps them by segment id and term set, forgets the
//! segments a reload no longer lists ([`FilterCache::retain_segments`]) and the term sets not
//! used for the longest time when it holds more than [`FilterCache::MAX_KEYS`] of them.
//!
//! The cached query is a pure filter (score 0), exactly as `ConstScoreQuery(TermSetQuery, 0)`:
//! it matches the documents that hold any of the terms.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// The documents of one segment that hold any of a set of terms.
#[derive(Debug)]
pub(crate) struct Bits {
    words: Vec<u64>,
    max_doc: u32,
    len: u32,
}

impl Bits {
    fn build(reader: &SegmentReader, source: &Source) -> tantivy::Result<Bits> {
        match source {
            Source::Terms(terms) => Self::of_terms(reader, terms),
            Source::Overlap { from, to, lo, hi } => Self::of_overlap(reader, from, to, *lo, *hi),
        }
    }

    /// Documents whose span `[from, to]` (two single-valued i64 fast fields) overlaps
    /// `[lo, hi]`: `to >= lo` and `from <= hi` (documents without the values never match).
    /// Each bound is one range scan of its column (tantivy's bit-unpacking range search),
    /// not a look-up per document.
    fn of_overlap(
        reader: &SegmentReader,
        from: &str,
        to: &str,
        lo: Option<i64>,
        hi: Option<i64>,
    ) -> tantivy::Result<Bits> {
        let max_doc = reader.max_doc();
        let ff = reader.fast_fields();
        let (from, to) = (ff.i64(from)?, ff.i64(to)?);
        let mut ids = Vec::new();
        // Documents with both values (the two columns are written together): `to` present.
        let mut scan = |col: &tantivy::columnar::Column<i64>, range| {
            ids.clear();
            col.get_docids_for_value_range(range, 0..max_doc, &mut ids);
            let mut w = Bits::empty(max_doc);
            for &d in &ids {
                w.words[(d / 64) as usize] |= 1u64 << (d % 64);
            }
            w
        };
        let mut bits = scan(&to, lo.unwrap_or(i64::MIN)..=i64::MAX);
        if let Some(hi) = hi {
            let upper = scan(&from, i64::MIN..=hi);
            for (a, b) in bits.words.iter_mut().zip(upper.words) {
                *a &= b;
            }
        }
        bits.len = bits.words.iter().map(|w| w.count_ones()).sum();
        Ok(bits)
    }

    fn empty(max_doc: u32) -> Bits {
        Bits {
            words: vec![0u64; (max_doc as usize).div_ceil(64)],
            max_doc,
            len: 0,
        }
    }

    /// The union of bit sets of the same segment.
    fn union(max_doc: u32, parts: &[Arc<Bits>]) -> Bits {
        let mut out = Bits::empty(max_doc);
        for p in parts {
            for (a, b) in out.words.iter_mut().zip(&p.words) {
                *a |= *b;
            }
        }
        out.len = out.words.iter().map(|w| w.count_ones()).sum();
        out
    }

    fn of_terms(reader: &SegmentReader, terms: &[Term]) -> tantivy::Result<Bits> {
        let max_doc = reader.max_doc();
        let mut words = vec![0u64; (max_doc as usize).div_ceil(64)];
        for term in terms {
            let inverted = reader.inverted_index(term.field())?;
            let Some(info) = inverted.get_term_info(term)? else {
                continue;
            };
            let mut block =
                inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
            loop {
                let docs = block.docs();
                if docs.is_empty() {
                    break;
                }
                for &d in docs {
                    words[(d / 64) as usize] |= 1u64 << (d % 64);
                }
                block.advance();
            }
        }
        let len = words.iter().map(|w| w.count_ones()).sum();
        Ok(Bits {
            words,
            max_doc,
            len,
        })
    }

    /// The first document at or after `from`, or `TERMINATED`.
    #[inline]
    fn next_from(&self, from: DocId) -> DocId {
        if from >= self.max_doc {
            return TERMINATED;
        }
        let mut w = (from / 64) as usize;
        let mut word = self.words[w] & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                let d = (w as u32) * 64 + word.trailing_zeros();
                return if d < self.max_doc { d } else { TERMINATED };
            }
            w += 1;
            if w >= self.words.len() {
                return TERMINATED;
            }
            word = self.words[w];
        }
    }
}

/// A `DocSet` over shared [`Bits`].
struct BitsDocSet {
    bits: Arc<Bits>,
    doc: DocId,
}

impl BitsDocSet {
    fn new(bits: Arc<Bits>) -> BitsDocSet {
        let doc = bits.next_from(0);
        BitsDocSet { bits, doc }
    }
}

impl DocSet for BitsDocSet {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.bits.next_from(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            self.doc = self.bits.next_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.bits.len
    }
}

#[derive(Default)]
struct Entry {
    used: u64,
    segments: HashMap<SegmentId, Arc<Bits>>,
}

#[derive(Default)]
struct Inner {
    tick: u64,
    keys: HashMap<String, Entry>,
}

/// Bit sets of term sets per segment, shared by the queries of one index.
#[derive(Clone, Default)]
pub(crate) struct FilterCache {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for FilterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterCache").finish_non_exhaustive()
    }
}

impl FilterCache {
    /// Term sets kept (readers' permission filters and facet filters): at 1,000,000
    /// documents one set costs 125 kB, so at most ~8 MB.
    pub const MAX_KEYS: usize = 64;

    /// Forget the bit sets of segments the index no longer has (merged or deleted).
    pub fn retain_segments(&self, live: &[SegmentId]) {
        let live: HashSet<&SegmentId> = live.iter().collect();
        let mut inner = self.inner.lock().expect("filter cache");
        for e in inner.keys.values_mut() {
            e.segments.retain(|s, _| live.contains(s));
        }
    }

    fn get(
        &self,
        key: &str,
        reader: &SegmentReader,
        source: &Source,
    ) -> tantivy::Result<Arc<Bits>> {
        let seg = reader.segment_id();
        {
            let mut inner = self.inner.lock().expect("filter cache");
            inner.tick += 1;
            let tick = inner.tick;
            if let Some(e) = inner.keys.get_mut(key) {
                e.used = tick;
                if let Some(b) = e.segments.get(&seg) {
                    return Ok(b.clone());
                }
            }
        }
        // Built outside the lock (two queries may build the same set at once: same result).
        // A set of several terms is the union of the terms' own cached sets: every staff
        // member's filter (`staff`, `u:ID`, `t:ID`…) shares the big `staff` set.
        let bits = match source {
            Source::Terms(terms) if terms.len() > 1 => {
                let parts = terms
                    .iter()
                    .map(|t| {
                        let one = vec![t.clone()];
                        self.get(&terms_key(&one), reader, &Source::Terms(one))
                    })
                    .collect::<tantivy::Result<Vec<_>>>()?;
                Arc::new(Bits::union(reader.max_doc(), &parts))
            }
            _ => Arc::new(Bits::build(reader, source)?),
        };
        let mut inner = self.inner.lock().expect("filter cache");
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.keys.contains_key(key) && inner.keys.len() >= Self::MAX_KEYS {
            if let Some(oldest) = inner
                .keys
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            {
                inner.keys.remove(&oldest);
            }
        }
        let e = inner.keys.entry(key.to_string()).or_default();
        e.used = tick;
        e.segments.insert(seg, bits.clone());
        Ok(bits)
    }

    /// A filter matching the documents that hold any of `terms` (score 0).
    pub fn query(&self, terms: Vec<Term>) -> CachedTermsQuery {
        CachedTermsQuery {
            cache: self.clone(),
            key: terms_key(&terms),
            source: Arc::new(Source::Terms(terms)),
        }
    }

    /// Build the bit sets of these term sets in every segment of `searcher` now (the
    /// warm-up at start: the first queries then find them ready).
    pub fn prepare(&self, searcher: &tantivy::Searcher, sets: &[Vec<Term>]) -> tantivy::Result<()> {
        for terms in sets {
            let q = self.query(terms.clone());
            for r in searcher.segment_readers() {
                self.get(&q.key, r, &q.source)?;
            }
        }
        Ok(())
    }

    /// A filter matching the documents whose date span `[from, to]` (single-valued i64 fast
    /// fields) overlaps `[lo, hi]` — the same documents as the two range clauses `to >= lo`
    /// and `from <= hi` — kept as a bit set per segment like the term filters: a year range
    /// of the search page is then one bit set, not two scans of the date columns.
    pub fn overlap_query(
        &self,
        from: &str,
        to: &str,
        lo: Option<i64>,
        hi: Option<i64>,
    ) -> CachedTermsQuery {
        CachedTermsQuery {
            cache: self.clone(),
            key: format!("overlap {from} {to} {lo:?} {hi:?}"),
            source: Arc::new(Source::Overlap {
                from: from.to_string(),
                to: to.to_string(),
                lo,
                hi,
            }),
        }
    }
}

/// The cache key of a set of terms (order and repetitions do not matter).
fn terms_key(terms: &[Term]) -> String {
    let mut key = String::new();
    let mut sorted: Vec<&Term> = terms.iter().collect();
    sorted.sort();
    sorted.dedup();
    for t in sorted {
        key.push_str(&format!("{}:", t.field().field_id()));
        for b in t.serialized_value_bytes() {
            key.push_str(&format!("{b:02x}"));
        }
        key.push(' ');
    }
    key
}

/// What a cached filter matches.
#[derive(Debug)]
enum Source {
    /// Any of the terms.
    Terms(Vec<Term>),
    /// A date span overlapping a range (see [`FilterCache::overlap_query`]).
    Overlap {
        from: String,
        to: String,
        lo: Option<i64>,
        hi: Option<i64>,
    },
}

/// See [`FilterCache::query`].
#[derive(Clone)]
pub(crate) struct CachedTermsQuery {
    cache: FilterCache,
    key: String,
    source: Arc<Source>,
}

impl std::fmt::Debug for CachedTermsQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedTermsQuery")
            .field("source", &self.source)
            .finish()
    }
}

impl Query for CachedTermsQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for CachedTermsQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.cache.get(&self.key, reader, &self.source)?;
        Ok(Box::new(ConstScorer::new(BitsDocSet::new(bits), 0.0)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut s = self.scorer(reader, 1.0)?;
        if s.seek(doc) == doc {
            Ok(Explanation::new("CachedTermsQuery", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(
                "document does not match".to_string(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::{ConstScoreQuery, TermSetQuery};
    use tantivy::schema::{Schema, STRING};
    use tantivy::{doc, Index, IndexWriter};

    /// The cached filter matches exactly what `TermSetQuery` matches, across segments,
    /// deletions (applied by the collector) and merges; stale segments are forgotten.
    #[test]
    fn cached_filter_matches_term_set_query() {
        let mut b = Schema::builder();
        let f = b.add_text_field("access", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let toks = ["staff", "anon", "u:1", "t:7"];
        for round in 0..3 {
            for i in 0..700u32 {
                let mut d = tantivy::TantivyDocument::default();
                d.add_text(f, toks[((i * 7 + round) % 4) as usize]);
                if i % 5 == 0 {
                    d.add_text(f, "u:1");
                }
                w.add_document(d).unwrap();
            }
            w.commit().unwrap();
        }
        w.delete_term(Term::from_field_text(f, "anon"));
        w.add_document(doc!(f => "t:7")).unwrap();
        w.commit().unwrap();
        let reader = index.reader().unwrap();
        let cache = FilterCache::default();
        let check = |searcher: &tantivy::Searcher| {
            for set in [
                vec!["staff"],
                vec!["staff", "u:1", "t:7"],
                vec!["anon"],
                vec!["none"],
            ] {
                let terms: Vec<Term> = set.iter().map(|s| Term::from_field_text(f, s)).collect();
                let want = searcher
                    .search(
                        &ConstScoreQuery::new(Box::new(TermSetQuery::new(terms.clone())), 0.0),
                        &DocSetCollector,
                    )
                    .unwrap();
                for _ in 0..2 {
                    let got = searcher
                        .search(&cache.query(terms.clone()), &DocSetCollector)
                        .unwrap();
                    assert_eq!(got, want, "{set:?}");
                }
            }
        };
        let searcher = reader.searcher();
        assert!(searcher.segment_readers().len() > 1);
        check(&searcher);
        let ids = index.searchable_segment_ids().unwrap();
        w.merge(&ids).wait().unwrap();
        w.commit().unwrap();
        reader.reload().unwrap();
        let searcher = reader.searcher();
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        cache.retain_segments(&live);
        for e in cache.inner.lock().unwrap().keys.values() {
            assert!(e.segments.is_empty());
        }
        check(&searcher);
    }

    /// The cached overlap filter matches what the two range clauses match.
    #[test]
    fn cached_overlap_matches_range_queries() {
        use std::ops::Bound;
        use tantivy::query::{BooleanQuery, Occur, RangeQuery};
        use tantivy::schema::NumericOptions;
        let mut b = Schema::builder();
        let num = NumericOptions::default().set_indexed().set_fast();
        let from = b.add_i64_field("date_from", num.clone());
        let to = b.add_i64_field("date_to", num);
        let f = b.add_text_field("x", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..2000i64 {
            let a = 19_500_101 + (i * 7919 % 75) * 10_000;
            let span = (i * 31 % 90) * 10_000;
            if i % 13 == 0 {
                w.add_document(doc!(f => "undated")).unwrap();
            } else {
                w.add_document(doc!(from => a, to => a + span)).unwrap();
            }
            if i % 700 == 0 {
                w.commit().unwrap();
            }
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let cache = FilterCache::default();
        for (lo, hi) in [
            (Some(19_900_101), Some(19_951_231)),
            (Some(20_200_101), None),
            (None, Some(19_601_231)),
            (Some(19_000_101), Some(19_001_231)),
        ] {
            let mut c: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(lo) = lo {
                c.push((
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        Bound::Included(Term::from_field_i64(to, lo)),
                        Bound::Unbounded,
                    )),
                ));
            }
            if let Some(hi) = hi {
                c.push((
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        Bound::Unbounded,
                        Bound::Included(Term::from_field_i64(from, hi)),
                    )),
                ));
            }
            let want = searcher
                .search(&BooleanQuery::new(c), &DocSetCollector)
                .unwrap();
            let got = searcher
                .search(
                    &cache.overlap_query("date_from", "date_to", lo, hi),
                    &DocSetCollector,
                )
                .unwrap();
            assert_eq!(got, want, "{lo:?} {hi:?}");
        }
    }
}
