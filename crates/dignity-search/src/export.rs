//! Exports: every record a search matches, as rows, without a cap.
//!
//! [`SearchIndex::export`] runs the same query as the search page (the reader's access
//! filter included, so an export never holds a record the reader could not open) with a
//! collector that keeps every match as 12 bytes (segment, document, whether the record is
//! open to all staff). An [`ExportCursor`] then reads the matches in batches from the
//! index's document store: memory is bounded by the match list (12 bytes a match: 12 MB
//! for a million) plus one batch, whatever the number of rows.
//!
//! Rows hold only what the index stores in clear (type, id, title, text, country, dates,
//! facet values): never names, which the index keeps only as keyed tokens. A caller that
//! may include names loads them from the database through the record type's indexer.

use crate::analysis::{lang_slot, LANGS};
use crate::index::SearchIndex;
use crate::{Result, SearchRequest};
use dignity_core::crypto::Keyring;
use dignity_core::Actor;
use serde::Serialize;
use std::collections::BTreeMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TantivyDocument, Term};

/// One match of an export search.
#[derive(Debug, Clone, Copy)]
struct Match {
    segment: u32,
    doc: DocId,
    /// Public or internal (readable by all staff): no need-to-know list to check.
    open: bool,
}

/// Collects every matching document in index order.
struct MatchCollector {
    access: Field,
}

struct MatchSegmentCollector {
    segment: u32,
    /// The segment's documents carrying the `staff` access token, ascending.
    open: Vec<DocId>,
    out: Vec<Match>,
}

impl Collector for MatchCollector {
    type Fruit = Vec<Match>;
    type Child = MatchSegmentCollector;

    fn for_segment(
        &self,
        segment_local_id: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<MatchSegmentCollector> {
        let mut open = Vec::new();
        let term = Term::from_field_text(self.access, "staff");
        if let Some(mut p) = reader
            .inverted_index(self.access)?
            .read_postings(&term, IndexRecordOption::Basic)?
        {
            while p.doc() != tantivy::TERMINATED {
                open.push(p.doc());
                p.advance();
            }
        }
        Ok(MatchSegmentCollector {
            segment: segment_local_id,
            open,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Match>>) -> tantivy::Result<Vec<Match>> {
        let mut all: Vec<Match> = Vec::with_capacity(fruits.iter().map(Vec::len).sum());
        for f in fruits {
            all.extend(f);
        }
        all.sort_by_key(|m| (m.segment, m.doc));
        Ok(all)
    }
}

impl SegmentCollector for MatchSegmentCollector {
    type Fruit = Vec<Match>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.out.push(Match {
            segment: self.segment,
            doc,
            open: self.open.binary_search(&doc).is_ok(),
        });
    }

    fn harvest(self) -> Vec<Match> {
        self.out
    }
}

/// One exported record, as the index stores it (no names).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportRow {
    pub record_type: String,
    pub id: String,
    /// The title in the reader's language where there is one.
    pub title: String,
    /// The record's text in the reader's language where there is one, else the first.
    pub text: String,
    pub country: Option<String>,
    pub region: Option<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    /// Facet name → values (without `record_type`, `country`, `region` and `year`, which
    /// have their own columns).
    pub facets: BTreeMap<String, Vec<String>>,
    /// Whether the record is open to all staff (public or internal). A record that is not
    /// is confidential or strictly confidential: the caller checks the export rule on it.
    pub open: bool,
}

/// Reads the rows of an export in batches.
pub struct ExportCursor {
    searcher: Searcher,
    matches: Vec<Match>,
    pos: usize,
    fields: RowFields,
    lang_order: Vec<usize>,
}

struct RowFields {
    record_type: Field,
    id: Field,
    title: Field,
    titles: Vec<Field>,
    bodies: Vec<Field>,
    country: Field,
    date_from: Field,
    date_to: Field,
}

fn date_string(v: i64) -> String {
    format!("{:04}-{:02}-{:02}", v / 10000, (v / 100) % 100, v % 100)
}

impl SearchIndex {
    /// Every record `actor` may read that matches `req` (its `offset` and `limit` are
    /// ignored), ready to be read in batches.
    pub fn export(
        &self,
        keys: &Keyring,
        actor: &Actor,
        req: &SearchRequest,
    ) -> Result<ExportCursor> {
        let searcher = self.searcher();
        let schema = searcher.schema().clone();
        let field = |name: &str| schema.get_field(name).map_err(crate::Error::Index);
        let query = self.query(keys, actor, req);
        let matches = searcher.search(
            &query,
            &MatchCollector {
                access: field("access")?,
            },
        )?;
        let fields = RowFields {
            record_type: field("record_type")?,
            id: field("id")?,
            title: field("title")?,
            titles: LANGS
                .iter()
                .map(|s| field(&format!("title_{s}")))
                .collect::<Result<_>>()?,
            bodies: LANGS
                .iter()
                .map(|s| field(&format!("body_{s}")))
                .collect::<Result<_>>()?,
            country: field("country")?,
            date_from: field("date_from")?,
            date_to: field("date_to")?,
        };
        let slot = lang_slot(&req.lang);
        let first = LANGS.iter().position(|s| *s == slot).unwrap_or(0);
        let lang_order = std::iter::once(first).chain(0..LANGS.len()).collect();
        Ok(ExportCursor {
            searcher,
            matches,
            pos: 0,
            fields,
            lang_order,
        })
    }
}

impl ExportCursor {
    /// How many records matched (before any further check by the caller).
    pub fn total(&self) -> usize {
        self.matches.len()
    }

    /// How many matches are not open to all staff (confidential or strictly confidential).
    pub fn restricted(&self) -> usize {
        self.matches.iter().filter(|m| !m.open).count()
    }

    /// Keep only the matches for which `keep(row)` is true (e.g. drop the restricted
    /// records the exporter may read but not export). Reads every restricted row once;
    /// open rows are kept without being read. Restarts the cursor.
    pub fn retain_restricted(&mut self, mut keep: impl FnMut(&ExportRow) -> bool) -> Result<()> {
        let mut facet_readers = BTreeMap::new();
        let mut kept = Vec::with_capacity(self.matches.len());
        for m in std::mem::take(&mut self.matches) {
            if m.open || keep(&self.row(m, &mut facet_readers)?) {
                kept.push(m);
            }
        }
        self.matches = kept;
        self.pos = 0;
        Ok(())
    }

    /// The next `n` rows (empty at the end).
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<ExportRow>> {
        let end = (self.pos + n.max(1)).min(self.matches.len());
        let mut facet_readers = BTreeMap::new();
        let mut out = Vec::with_capacity(end - self.pos);
        for i in self.pos..end {
            let m = self.matches[i];
            out.push(self.row(m, &mut facet_readers)?);
        }
        self.pos = end;
        Ok(out)
    }

    fn row(
        &self,
        m: Match,
        facet_readers: &mut BTreeMap<u32, tantivy::fastfield::FacetReader>,
    ) -> Result<ExportRow> {
        let f = &self.fields;
        let d: TantivyDocument = self.searcher.doc(DocAddress::new(m.segment, m.doc))?;
        let s = |field: Field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .map(String::from)
        };
        let i = |field: Field| d.get_first(field).and_then(|v| v.as_i64());
        let title = s(f.titles[self.lang_order[0]])
            .or_else(|| s(f.title))
            .unwrap_or_default();
        let text = self
            .lang_order
            .iter()
            .find_map(|&l| s(f.bodies[l]).filter(|b| !b.is_empty()))
            .unwrap_or_default();
        let fr = match facet_readers.entry(m.segment) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(
                self.searcher
                    .segment_reader(m.segment)
                    .facet_reader("facets")?,
            ),
        };
        let mut facets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut region = None;
        let mut facet = Facet::root();
        for ord in fr.facet_ords(m.doc) {
            fr.facet_from_ord(ord, &mut facet)?;
            let path = facet.to_path();
            if path.len() != 2 {
                continue;
            }
            match path[0] {
                "record_type" | "country" | "year" => {}
                "region" => region = Some(path[1].to_string()),
                name => facets
                    .entry(name.to_string())
                    .or_default()
                    .push(path[1].to_string()),
            }
        }
        Ok(ExportRow {
            record_type: s(f.record_type).unwrap_or_default(),
            id: s(f.id).unwrap_or_default(),
            title,
            text,
            country: s(f.country),
            region,
            date_from: i(f.date_from).map(date_string),
            date_to: i(f.date_to).map(date_string),
            facets,
            open: m.open,
        })
    }
}
