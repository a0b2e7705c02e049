//! The indexers of reference data: countries and instruments (public, published).

use super::{Affected, BoxFuture, Indexer, SearchDoc};
use crate::{Result, Store};
use dignity_core::{Confidentiality, PartialDate, RecordAccess};
use sqlx::Row;

/// The access of public reference material: public and published (everyone may read it).
pub fn public_access() -> RecordAccess {
    public_published()
}

fn public_published() -> RecordAccess {
    let mut a = RecordAccess::new(Confidentiality::Public);
    a.published = true;
    a
}

/// Countries and territories (reference data: public).
pub struct CountryIndexer;

const COUNTRY_COLS: &str = "iso3, name_en, name_fr, name_es, name_ar, name_ru, region_name, subregion_name, regional_group";

fn country_doc(r: &sqlx::any::AnyRow) -> SearchDoc {
    let iso3: String = r.get(0);
    let region: String = r.get(6);
    let sub: String = r.get(7);
    let group: String = r.get(8);
    let body = [region.as_str(), sub.as_str(), group.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ");
    let mut d = SearchDoc::new("country", &iso3, &r.get::<String, _>(1), public_published());
    for (k, lang) in ["en", "fr", "es", "ar", "ru"].iter().enumerate() {
        let name: String = r.get(1 + k);
        d = d.text(lang, &name, if *lang == "en" { &body } else { "" });
    }
    d.country = Some(iso3);
    d.region = (!region.is_empty()).then_some(region);
    d
}

impl Indexer for CountryIndexer {
    fn record_type(&self) -> &'static str {
        "country"
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        dataset_affected("countries", "country", record_type, record_id)
    }
    fn load<'a>(
        &'a self,
        store: &'a Store,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SearchDoc>>> {
        let sql = format!("SELECT {COUNTRY_COLS} FROM countries WHERE iso3 = $1");
        Box::pin(load_by_key(store, sql, id, country_doc))
    }
    fn ids<'a>(&'a self, store: &'a Store) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(key_column(
            store,
            "SELECT iso3 FROM countries ORDER BY iso3",
        ))
    }
}

/// What an audit entry touched of a reference dataset: every record when the whole
/// `dataset` was (re)loaded (a `refdata` entry naming it), else the one record of type
/// `own` it names.
fn dataset_affected(
    dataset: &str,
    own: &str,
    record_type: &str,
    record_id: &str,
) -> Option<Affected> {
    match (record_type, record_id) {
        ("refdata", d) if d == dataset => Some(Affected::All),
        (t, id) if t == own => Some(Affected::One(id.into())),
        _ => None,
    }
}

/// The document of the row `sql` selects with `id` as `$1` (none if there is none).
async fn load_by_key(
    store: &Store,
    sql: String,
    id: &str,
    doc: fn(&sqlx::any::AnyRow) -> SearchDoc,
) -> Result<Option<SearchDoc>> {
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    Ok(r.as_ref().map(doc))
}

/// The text keys `sql` selects, in its order.
async fn key_column(store: &Store, sql: &'static str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(sql).fetch_all(store.pool()).await?)
}

/// Human rights instruments (reference data: public).
pub struct InstrumentIndexer;

const INSTRUMENT_COLS: &str =
    "code, system, short_name, full_name_en, full_name_fr, adopted, body_code, body_name";

fn instrument_doc(r: &sqlx::any::AnyRow) -> SearchDoc {
    let code: String = r.get(0);
    let system: String = r.get(1);
    let short: String = r.get(2);
    let en: String = r.get(3);
    let fr: String = r.get(4);
    let adopted: String = r.get(5);
    let body_code: String = r.get(6);
    let body_name: String = r.get(7);
    let mut d = SearchDoc::new("instrument", &code, &short, public_published())
        .text(
            "en",
            &format!("{en} ({code})"),
            &format!("{short}. {body_name} ({body_code})."),
        )
        .facet("mechanism", &body_code)
        .facet("system", &system);
    if !fr.is_empty() {
        d = d.text("fr", &fr, "");
    }
    if let Ok(p) = adopted.parse::<PartialDate>() {
        d = d.date(&p);
    }
    d
}

impl Indexer for InstrumentIndexer {
    fn record_type(&self) -> &'static str {
        "instrument"
    }
    fn facets(&self) -> &'static [&'static str] {
        &["system"]
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        dataset_affected("instruments", "instrument", record_type, record_id)
    }
    fn load<'a>(
        &'a self,
        store: &'a Store,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SearchDoc>>> {
        let sql = format!("SELECT {INSTRUMENT_COLS} FROM instruments WHERE code = $1");
        Box::pin(load_by_key(store, sql, id, instrument_doc))
    }
    fn ids<'a>(&'a self, store: &'a Store) -> BoxFuture<'a, Result<Vec<String>>> {
        Box::pin(key_column(
            store,
            "SELECT code FROM instruments ORDER BY code",
        ))
    }
}
