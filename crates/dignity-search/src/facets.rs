//! Facet counting from a per-segment table kept in memory.
//!
//! tantivy's `FacetCollector` reads every matching document's facet ordinals from the
//! bit-packed, multi-valued fast field (an index look-up and a bit-unpacking per value) and
//! maps them through a table it builds again for every query and segment. A search counts
//! the facets of every match (the counts cover all of them, not only the top 20), so for a
//! word matching 100,000 documents that is over a million look-ups per query.
//! [`FacetTables`] keeps, per segment, the ordinals of every document in two flat arrays
//! (built once per segment: at the warm-up, or on first use; a segment never changes) and
//! [`FacetCounter`] counts a match with a few reads of consecutive memory. At 1,000,000
//! documents with ~12 facet values each the table takes ~28 MB (two bytes per value where
//! a segment has at most 65,536 distinct facet values, four otherwise, and four per document).
//!
//! The counts are the same as `FacetCollector`'s for two-level facets (`/name/value`): the
//! number of matching documents holding each value (a value a document holds twice counts
//! once).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, FacetCollector, FacetCounts, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Facet ordinals, two bytes each where the segment has at most 65,536 facet values.
#[derive(Debug)]
enum Ords {
    Small(Vec<u16>),
    Large(Vec<u32>),
}

/// The facet values of every document of one segment.
#[derive(Debug)]
pub(crate) struct FacetTable {
    /// `ords[offsets[d]..offsets[d + 1]]`: the distinct facet ordinals of document `d`.
    offsets: Vec<u32>,
    ords: Ords,
    /// Per ordinal: (facet name, value) of a two-level facet; `None` for other depths.
    names: Vec<Option<(Arc<str>, String)>>,
}

impl FacetTable {
    fn build(reader: &SegmentReader, field: &str) -> tantivy::Result<FacetTable> {
        let fr = reader.facet_reader(field)?;
        let max_doc = reader.max_doc();
        let mut offsets = Vec::with_capacity(max_doc as usize + 1);
        let mut ords: Vec<u32> = Vec::new();
        offsets.push(0);
        for d in 0..max_doc {
            let start = ords.len();
            ords.extend(fr.facet_ords(d).map(|o| o as u32));
            let doc = &mut ords[start..];
            doc.sort_unstable();
            let mut n = 0;
            for i in 0..doc.len() {
                if i == 0 || doc[i] != doc[n - 1] {
                    doc[n] = doc[i];
                    n += 1;
                }
            }
            ords.truncate(start + n);
            offsets.push(ords.len() as u32);
        }
        let ords = if fr.num_facets() <= 1 << 16 {
            Ords::Small(ords.into_iter().map(|o| o as u16).collect())
        } else {
            ords.shrink_to_fit();
            Ords::Large(ords)
        };
        let mut roots: HashMap<String, Arc<str>> = HashMap::new();
        let mut names = Vec::with_capacity(fr.num_facets());
        for o in 0..fr.num_facets() {
            let mut f = Facet::root();
            fr.facet_from_ord(o as u64, &mut f)?;
            let p = f.to_path();
            names.push((p.len() == 2).then(|| {
                let root = roots
                    .entry(p[0].to_string())
                    .or_insert_with(|| Arc::from(p[0]))
                    .clone();
                (root, p[1].to_string())
            }));
        }
        Ok(FacetTable {
            offsets,
            ords,
            names,
        })
    }
}

/// The facet tables of an index's segments (see the module documentation).
#[derive(Clone)]
pub(crate) struct FacetTables {
    inner: Arc<Mutex<HashMap<SegmentId, Arc<FacetTable>>>>,
    /// Off: count with tantivy's `FacetCollector` (same counts; for comparisons).
    enabled: Arc<AtomicBool>,
}

impl Default for FacetTables {
    fn default() -> Self {
        FacetTables {
            inner: Default::default(),
            enabled: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl std::fmt::Debug for FacetTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FacetTables").finish_non_exhaustive()
    }
}

impl FacetTables {
    /// Forget the tables of segments the index no longer has.
    pub fn retain_segments(&self, live: &[SegmentId]) {
        let live: HashSet<&SegmentId> = live.iter().collect();
        self.inner
            .lock()
            .expect("facet tables")
            .retain(|s, _| live.contains(s));
    }

    pub fn get(&self, reader: &SegmentReader, field: &str) -> tantivy::Result<Arc<FacetTable>> {
        let seg = reader.segment_id();
        if let Some(t) = self.inner.lock().expect("facet tables").get(&seg) {
            return Ok(t.clone());
        }
        // Built outside the lock (two queries may build the same table: same result).
        let t = Arc::new(FacetTable::build(reader, field)?);
        self.inner
            .lock()
            .expect("facet tables")
            .insert(seg, t.clone());
        Ok(t)
    }

    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Count, for every matching document, its values of the facets `names` (with the
    /// tables, or with tantivy's `FacetCollector` when they are switched off).
    pub fn counter(&self, field: &str, names: &[&str]) -> AnyFacetCounter {
        if self.enabled() {
            AnyFacetCounter::Table(FacetCounter {
                tables: self.clone(),
                field: field.to_string(),
                names: names.iter().map(|s| s.to_string()).collect(),
            })
        } else {
            let mut fc = FacetCollector::for_field(field);
            for n in names {
                fc.add_facet(Facet::from_path([*n]));
            }
            AnyFacetCounter::Column(fc, names.iter().map(|s| s.to_string()).collect())
        }
    }
}

/// Facet name → value → number of matching documents.
pub(crate) type Counts = HashMap<String, HashMap<String, u64>>;

fn merge(parts: Vec<Counts>) -> Counts {
    let mut out = Counts::new();
    for part in parts {
        for (name, values) in part {
            let o = out.entry(name).or_default();
            for (v, n) in values {
                *o.entry(v).or_default() += n;
            }
        }
    }
    out
}

/// The kept tables, or tantivy's `FacetCollector` (see [`FacetTables::set_enabled`]).
pub(crate) enum AnyFacetCounter {
    Table(FacetCounter),
    Column(FacetCollector, Vec<String>),
}

pub(crate) enum AnySegmentCounter {
    Table(FacetSegmentCounter),
    Column(<FacetCollector as Collector>::Child, Arc<Vec<String>>),
}

impl Collector for AnyFacetCounter {
    type Fruit = Counts;
    type Child = AnySegmentCounter;

    fn for_segment(&self, o: SegmentOrdinal, r: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(match self {
            AnyFacetCounter::Table(c) => AnySegmentCounter::Table(c.for_segment(o, r)?),
            AnyFacetCounter::Column(c, names) => {
                AnySegmentCounter::Column(c.for_segment(o, r)?, Arc::new(names.clone()))
            }
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, parts: Vec<Counts>) -> tantivy::Result<Counts> {
        Ok(merge(parts))
    }
}

impl SegmentCollector for AnySegmentCounter {
    type Fruit = Counts;

    #[inline]
    fn collect(&mut self, doc: DocId, score: Score) {
        match self {
            AnySegmentCounter::Table(c) => c.collect(doc, score),
            AnySegmentCounter::Column(c, _) => c.collect(doc, score),
        }
    }

    fn harvest(self) -> Counts {
        match self {
            AnySegmentCounter::Table(c) => c.harvest(),
            AnySegmentCounter::Column(c, names) => {
                let fc: FacetCounts = c.harvest();
                let mut out = Counts::new();
                for n in names.iter() {
                    let m = out.entry(n.clone()).or_default();
                    for (f, count) in fc.get(Facet::from_path([n.as_str()])) {
                        if let Some(v) = f.to_path().get(1) {
                            *m.entry(v.to_string()).or_default() += count;
                        }
                    }
                }
                out
            }
        }
    }
}

/// A collector of facet counts (see the module documentation).
pub(crate) struct FacetCounter {
    tables: FacetTables,
    field: String,
    names: HashSet<String>,
}

pub(crate) struct FacetSegmentCounter {
    table: Arc<FacetTable>,
    counts: Vec<u32>,
    wanted: Vec<bool>,
}

impl Collector for FacetCounter {
    type Fruit = Counts;
    type Child = FacetSegmentCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCounter> {
        let table = self.tables.get(reader, &self.field)?;
        let wanted = table
            .names
            .iter()
            .map(|n| n.as_ref().is_some_and(|(r, _)| self.names.contains(&**r)))
            .collect();
        Ok(FacetSegmentCounter {
            counts: vec![0; table.names.len()],
            table,
            wanted,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, parts: Vec<Counts>) -> tantivy::Result<Counts> {
        Ok(merge(parts))
    }
}

impl SegmentCollector for FacetSegmentCounter {
    type Fruit = Counts;

    #[inline]
    fn collect(&mut self, doc: DocId, _: Score) {
        let t = &*self.table;
        let (a, b) = (
            t.offsets[doc as usize] as usize,
            t.offsets[doc as usize + 1] as usize,
        );
        match &t.ords {
            Ords::Small(v) => {
                for &o in &v[a..b] {
                    self.counts[o as usize] += 1;
                }
            }
            Ords::Large(v) => {
                for &o in &v[a..b] {
                    self.counts[o as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Counts::new();
        for (o, &n) in self.counts.iter().enumerate() {
            if n == 0 || !self.wanted[o] {
                continue;
            }
            if let Some((root, value)) = &self.table.names[o] {
                *out.entry(root.to_string())
                    .or_default()
                    .entry(value.clone())
                    .or_default() += n as u64;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::FacetCollector;
    use tantivy::query::{AllQuery, TermQuery};
    use tantivy::schema::{FacetOptions, IndexRecordOption, Schema, STRING};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    /// The kept tables count what tantivy's `FacetCollector` counts, across segments,
    /// deletions, documents without facets and values held twice by one document.
    #[test]
    fn counts_match_facet_collector() {
        let mut b = Schema::builder();
        let facets = b.add_facet_field("facets", FacetOptions::default());
        let word = b.add_text_field("w", STRING);
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let countries = ["SRB", "RUS", "SYR", "PER"];
        for round in 0..3u32 {
            for i in 0..900u32 {
                let mut d = TantivyDocument::default();
                d.add_text(word, if i % 3 == 0 { "a" } else { "b" });
                if i % 11 != 0 {
                    let c = countries[((i + round) % 4) as usize];
                    d.add_facet(facets, Facet::from_path(["country", c]));
                    d.add_facet(
                        facets,
                        Facet::from_path(["year", &(1990 + i % 7).to_string()]),
                    );
                    d.add_facet(
                        facets,
                        Facet::from_path(["year", &(1991 + i % 7).to_string()]),
                    );
                    if i % 5 == 0 {
                        // The same value twice (two acts of one type in an event).
                        d.add_facet(facets, Facet::from_path(["act_type", "T"]));
                        d.add_facet(facets, Facet::from_path(["act_type", "T"]));
                    }
                }
                w.add_document(d).unwrap();
            }
            w.commit().unwrap();
        }
        w.delete_term(Term::from_field_text(word, "a"));
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);
        let tables = FacetTables::default();
        let names = ["country", "year", "act_type"];
        for query in [
            Box::new(AllQuery) as Box<dyn tantivy::query::Query>,
            Box::new(TermQuery::new(
                Term::from_field_text(word, "b"),
                IndexRecordOption::Basic,
            )),
        ] {
            let mut fc = FacetCollector::for_field("facets");
            for n in names {
                fc.add_facet(Facet::from_path([n]));
            }
            let want = searcher.search(&query, &fc).unwrap();
            for _ in 0..2 {
                let got = searcher
                    .search(&query, &tables.counter("facets", &names))
                    .unwrap();
                for n in names {
                    let mut w: Vec<(String, u64)> = want
                        .get(Facet::from_path([n]))
                        .map(|(f, c)| (f.to_path()[1].to_string(), c))
                        .collect();
                    let mut g: Vec<(String, u64)> = got
                        .get(n)
                        .map(|m| m.iter().map(|(v, c)| (v.clone(), *c)).collect())
                        .unwrap_or_default();
                    w.sort();
                    g.sort();
                    assert!(!w.is_empty());
                    assert_eq!(g, w, "{n}");
                }
            }
            // The same through the switch to tantivy's collector.
            tables.set_enabled(false);
            let col = searcher
                .search(&query, &tables.counter("facets", &names))
                .unwrap();
            tables.set_enabled(true);
            let tab = searcher
                .search(&query, &tables.counter("facets", &names))
                .unwrap();
            for n in names {
                let norm = |c: &Counts| {
                    let mut v: Vec<(String, u64)> = c
                        .get(n)
                        .map(|m| m.iter().map(|(k, x)| (k.clone(), *x)).collect())
                        .unwrap_or_default();
                    v.sort();
                    v
                };
                assert_eq!(norm(&col), norm(&tab), "{n}");
            }
            // Only the facets asked for.
            let only = searcher
                .search(&query, &tables.counter("facets", &["country"]))
                .unwrap();
            assert_eq!(only.keys().collect::<Vec<_>>(), ["country"]);
        }
    }
}
