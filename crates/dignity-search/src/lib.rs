//! Search for Dignity: an embedded tantivy index (`DATA_DIR/index/`) over every record
//! type that registers an [`Indexer`](dignity_store::search::Indexer).
//!
//! - Full text in English, French, Spanish, Russian and Arabic, stemmed and folded per
//!   language ([`analysis`]); queries search every language.
//! - Every file of the index is encrypted on disk ([`at_rest`]).
//! - Names are searchable across spellings and scripts, and are in the index only as
//!   keyed tokens ([`names`]).
//! - The permission filter is part of every query, so hits, totals and facet counts only
//!   ever count records the reader may open ([`index::SearchIndex::access_filter`]).
//! - The index follows the database through the audit log: every commit wakes it, it
//!   applies the audit entries it has not seen, and it polls for other servers' commits
//!   ([`Search`]).

pub mod analysis;
pub mod at_rest;
pub mod export;
mod facets;
mod filter;
pub mod index;
pub mod names;
mod sync;

pub use export::{ExportCursor, ExportRow};
pub use index::{FacetValue, Hit, IndexState, SearchIndex, SearchRequest, SearchResults, WarmUp};
pub use sync::{CatchUp, Rebuild, Search, SearchOptions};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Store(#[from] dignity_store::StoreError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("the search index {0} is in use by another process (a running `dignity serve`?): stop it first")]
    Busy(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
