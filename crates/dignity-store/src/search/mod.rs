//! Storage side of search (issue 6): the document model every record type maps to, the
//! [`Indexer`] trait through which record types plug into the search index, the
//! [`Registry`] of indexers (one block per area), the reference-data indexers, the audit-log
//! queries the index catches up with, and saved searches.
//!
//! The index itself (tantivy) lives in the `dignity-search` crate; this module has no
//! dependency on it, so that each area's store module can implement [`Indexer`] for its own
//! records next to the code that reads them.
//!
//! **What goes where in a [`SearchDoc`]**: `title` and `texts` are stored in the index in
//! clear (for display and snippets) — put there only what the database stores in clear.
//! Names and every other field the database encrypts go into `names` (plaintext in memory
//! only): the index keeps them solely as keyed tokens (see `docs/search.md`).

use crate::{Result, Store};
use dignity_core::{PartialDate, RecordAccess};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

mod changes;
mod indexing;
mod refdata;
mod saved;

pub use changes::*;
pub use indexing::*;
pub use refdata::*;
pub use saved::*;

/// Text of a record in one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LangText {
    /// `en`, `fr`, `es`, `ru`, `ar`; any other code is indexed without stemming.
    pub lang: String,
    /// Title (or name of the thing) in this language; weighs more than the body.
    pub title: String,
    pub body: String,
}

/// One record as the search index sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchDoc {
    /// E.g. `country`, `instrument`, `recommendation`, `event`.
    pub record_type: String,
    pub id: String,
    /// Display title (stored in clear: never a name of a person).
    pub title: String,
    pub texts: Vec<LangText>,
    /// Names and other values the database encrypts: indexed only as keyed tokens, never
    /// stored.
    pub names: Vec<String>,
    /// The span of days the record's date can stand for (a partial date is a range).
    pub date_from: Option<chrono::NaiveDate>,
    pub date_to: Option<chrono::NaiveDate>,
    /// ISO 3166-1 alpha-3.
    pub country: Option<String>,
    /// UN M49 region name.
    pub region: Option<String>,
    /// Facet name → values (`act_type`, `perpetrator_type`, `victim_sex`, `victim_age_group`,
    /// `mechanism`, `theme`, `sdg`, `status`, `lens`, …). `record_type`, `country`,
    /// `region` and `year` are added from the fields above.
    pub facets: BTreeMap<String, Vec<String>>,
    /// Who may read the record: the same facts `authorize` decides on.
    pub access: RecordAccess,
}

impl SearchDoc {
    pub fn new(record_type: &str, id: &str, title: &str, access: RecordAccess) -> Self {
        SearchDoc {
            record_type: record_type.into(),
            id: id.into(),
            title: title.into(),
            access,
            ..Default::default()
        }
    }
    /// Add text in a language.
    pub fn text(mut self, lang: &str, title: &str, body: &str) -> Self {
        self.texts.push(LangText {
            lang: lang.into(),
            title: title.into(),
            body: body.into(),
        });
        self
    }
    /// Set the date from a partial date (`1999`, `1999-04`, `~1999-04-02`).
    pub fn date(mut self, d: &PartialDate) -> Self {
        self.date_from = d.earliest();
        self.date_to = d.latest();
        self
    }
    /// Set the date to the span from `start` to `end` (an event that lasted).
    pub fn date_span(mut self, start: &PartialDate, end: &PartialDate) -> Self {
        self.date_from = start.earliest();
        self.date_to = end.latest().or(start.latest());
        self
    }
    pub fn facet(mut self, name: &str, value: &str) -> Self {
        if !value.is_empty() {
            self.facets
                .entry(name.into())
                .or_default()
                .push(value.into());
        }
        self
    }
}

/// The facets the search page knows how to show, in display order. Record types may add
/// others through [`Indexer::facets`].
pub const STANDARD_FACETS: &[&str] = &[
    "record_type",
    "country",
    "region",
    "year",
    "act_type",
    "perpetrator_type",
    "victim_sex",
    "victim_age_group",
    "mechanism",
    "theme",
    "sdg",
    "status",
    "lens",
];

/// Which records of an indexer's type an audit entry touched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Affected {
    One(String),
    /// Every record of the type (e.g. a reference dataset reloaded in one entry).
    All,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a record type plugs into search. Implement it in your area's store module and add
/// it to [`Registry::standard`] in your area's block.
pub trait Indexer: Send + Sync {
    /// The record type of the documents this indexer makes (`SearchDoc::record_type`).
    fn record_type(&self) -> &'static str;

    /// Facets this record type brings beyond [`STANDARD_FACETS`].
    fn facets(&self) -> &'static [&'static str] {
        &[]
    }

    /// Which of this type's records an audit entry touched. The default: entries whose
    /// `record_type` is this type name the record by `record_id` (this covers `acl.set`
    /// entries, which name the record whose list changed). Override when a child table's
    /// writes are audited under another type (re-index the parent), or a dataset is
    /// audited as one entry ([`Affected::All`]).
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        (record_type == self.record_type()).then(|| Affected::One(record_id.to_string()))
    }

    /// Which records a batch of audit entries touched, with the sequence of the entry
    /// that touched each. The default asks [`Indexer::affected`] entry by entry; override
    /// when the answer needs the database (a child table audited under its own type — an
    /// act's entry also re-indexes its event — or a person whose name appears in the
    /// documents of other records). Records that no longer exist may be named: loading
    /// them gives `None` and they are removed.
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        let _ = store;
        Box::pin(async move {
            Ok(changes
                .iter()
                .filter_map(|c| {
                    self.affected(&c.record_type, &c.record_id)
                        .map(|a| (a, c.seq))
                })
                .collect())
        })
    }

    /// Load one record as a document; `None` if it no longer exists (it is then removed
    /// from the index).
    fn load<'a>(
        &'a self,
        store: &'a Store,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SearchDoc>>>;

    /// Every id, for a rebuild.
    fn ids<'a>(&'a self, store: &'a Store) -> BoxFuture<'a, Result<Vec<String>>>;

    /// Load many records (a rebuild calls this with batches of ids). Override with one
    /// query when your type has many records.
    fn load_many<'a>(
        &'a self,
        store: &'a Store,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<SearchDoc>>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(d) = self.load(store, id).await? {
                    out.push(d);
                }
            }
            Ok(out)
        })
    }
}

/// `out` (the entries naming records of an indexer's own type) plus the records that
/// entries of other types reach through `maps` (their record type, and SQL with `{ids}` as
/// [`map_changes`] takes it): the `affected_batch` of an indexer whose documents show
/// linked records or child tables.
pub async fn affected_through(
    store: &Store,
    changes: &[Change],
    mut out: Vec<(Affected, i64)>,
    maps: &[(&str, &str)],
) -> Result<Vec<(Affected, i64)>> {
    for (rt, sql) in maps {
        map_changes(store, changes, rt, sql, &mut out).await?;
    }
    Ok(out)
}

/// The `load`, `ids` and `load_many` of an indexer whose documents are the rows of one
/// table, loaded in batches only: `load` goes through `load_many` ([`load_one`]), `ids`
/// lists the table's ids ([`all_ids`]) and `load_many` is `$load_many(store, ids)` (an
/// `async fn(&Store, &[String]) -> Result<Vec<SearchDoc>>`). Write it inside
/// `impl Indexer for …`.
macro_rules! table_loads {
    ($table:expr, $load_many:path) => {
        fn load<'a>(
            &'a self,
            store: &'a $crate::Store,
            id: &'a str,
        ) -> $crate::search::BoxFuture<'a, $crate::Result<Option<$crate::search::SearchDoc>>> {
            $crate::search::load_one(self, store, id)
        }
        fn ids<'a>(
            &'a self,
            store: &'a $crate::Store,
        ) -> $crate::search::BoxFuture<'a, $crate::Result<Vec<String>>> {
            Box::pin($crate::search::all_ids(store, $table))
        }
        fn load_many<'a>(
            &'a self,
            store: &'a $crate::Store,
            ids: &'a [String],
        ) -> $crate::search::BoxFuture<'a, $crate::Result<Vec<$crate::search::SearchDoc>>> {
            Box::pin($load_many(store, ids))
        }
    };
}
pub(crate) use table_loads;

/// The indexers of an installation.
#[derive(Clone, Default)]
pub struct Registry {
    indexers: Vec<Arc<dyn Indexer>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.indexers.iter().map(|i| i.record_type()))
            .finish()
    }
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    pub fn add(&mut self, indexer: impl Indexer + 'static) -> &mut Self {
        self.indexers.push(Arc::new(indexer));
        self
    }

    pub fn indexers(&self) -> &[Arc<dyn Indexer>] {
        &self.indexers
    }

    pub fn get(&self, record_type: &str) -> Option<&Arc<dyn Indexer>> {
        self.indexers
            .iter()
            .find(|i| i.record_type() == record_type)
    }

    /// The facet names to count, in display order.
    pub fn facet_names(&self) -> Vec<String> {
        let mut v: Vec<String> = STANDARD_FACETS.iter().map(|s| s.to_string()).collect();
        for i in &self.indexers {
            for f in i.facets() {
                if !v.iter().any(|x| x == f) {
                    v.push(f.to_string());
                }
            }
        }
        v
    }
}
