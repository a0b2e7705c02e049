//! The indexers of the product's areas, put together in one place above both the search
//! module and the areas: each area implements [`Indexer`] in its own `index` module (which
//! imports `search`), and only this module names them — so that `search` imports no area
//! and no area's indexer is imported back by `search` (no circle between the modules).

use crate::search::{CountryIndexer, InstrumentIndexer, Registry};

impl Registry {
    /// Every record type of the product. Areas add their indexer in their own block.
    pub fn standard() -> Self {
        let mut r = Registry::new();
        // -- search: reference data (issue 6)
        r.add(CountryIndexer);
        r.add(InstrumentIndexer);
        // -- obligations (issue 3)
        r.add(crate::obligations::index::RecommendationIndexer);
        // -- violations (issue 4)
        r.add(crate::violations::index::EventIndexer);
        r.add(crate::violations::index::ActIndexer);
        r.add(crate::violations::index::PersonIndexer);
        // -- protection (issue 5)
        r.add(crate::protection::index::DefenderIndexer);
        r.add(crate::protection::index::MissingIndexer);

        r
    }
}
