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

use crate::{Result, Store, WriteTx};
use dignity_core::{Confidentiality, PartialDate, RecordAccess};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

// ------------------------------------------------------------------ audit-log queries --

/// One audit entry as the index needs it.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub record_type: String,
    pub record_id: String,
    pub hash: String,
}

/// The audit head: the sequence number of the last committed entry.
pub async fn audit_head(store: &Store) -> Result<i64> {
    Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?
        .get(0))
}

/// The hash of entry `seq`, if it exists (an index compares it with the one it applied
/// last, to notice a database replaced by a restore).
pub async fn audit_hash_at(store: &Store, seq: i64) -> Result<Option<String>> {
    Ok(sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(store.pool())
        .await?
        .map(|r| r.get(0)))
}

/// Up to `limit` entries after `after`, in order.
pub async fn changes_since(store: &Store, after: i64, limit: i64) -> Result<Vec<Change>> {
    Ok(sqlx::query(
        "SELECT seq, record_type, record_id, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Change {
        seq: r.get(0),
        record_type: r.get(1),
        record_id: r.get(2),
        hash: r.get(3),
    })
    .collect())
}

/// The last audit sequence of every (record type, record id) of the log (for a rebuild:
/// "new since" counts compare with it).
pub async fn last_changes(store: &Store) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query(
        "SELECT record_type, record_id, MAX(seq) FROM audit_log GROUP BY record_type, record_id",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect())
}

// ------------------------------------------------------------ helpers for indexers --

/// Numeric ids as a SQL list (`1, 2, 3`) for `IN (…)`; ids that are not integers are
/// dropped (only integers ever reach the SQL). `None` when no id is left.
pub fn id_list(ids: &[String]) -> Option<String> {
    let v: Vec<String> = ids
        .iter()
        .filter_map(|i| i.parse::<i64>().ok())
        .map(|i| i.to_string())
        .collect();
    (!v.is_empty()).then(|| v.join(", "))
}

/// The need-to-know lists (users, teams) of many records of one type, in one query.
pub async fn acl_lists(
    store: &Store,
    record_type: &str,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (Vec<i64>, Vec<i64>)>> {
    let mut out: std::collections::HashMap<String, (Vec<i64>, Vec<i64>)> = Default::default();
    let Some(list) = id_list(ids) else {
        return Ok(out);
    };
    // The ids are integers; record_acl keeps them as text.
    let quoted = list
        .split(", ")
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(&format!(
        "SELECT record_id, principal_type, principal_id FROM record_acl \
         WHERE record_type = $1 AND record_id IN ({quoted})"
    ))
    .bind(record_type)
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        let e = out.entry(r.get::<String, _>(0)).or_default();
        let id: i64 = r.get(2);
        match r.get::<String, _>(1).as_str() {
            "user" => e.0.push(id),
            "team" => e.1.push(id),
            _ => {}
        }
    }
    Ok(out)
}

/// Every id of `table` (an integer `id` column) as strings, in order: an indexer's `ids`.
/// The table is a constant of the code (`&'static`), never a string built at run time.
pub async fn all_ids(store: &Store, table: &'static str) -> Result<Vec<String>> {
    Ok(id_column(
        &sqlx::query(&format!("SELECT id FROM {table} ORDER BY id"))
            .fetch_all(store.pool())
            .await?,
        0,
    ))
}

/// The integers of column `k` of `rows` as string ids.
pub fn id_column(rows: &[sqlx::any::AnyRow], k: usize) -> Vec<String> {
    rows.iter()
        .map(|r| r.get::<i64, _>(k).to_string())
        .collect()
}

/// One record through the indexer's `load_many`: the `load` of an indexer whose batch
/// load is its only load.
pub fn load_one<'a, I: Indexer + ?Sized>(
    indexer: &'a I,
    store: &'a Store,
    id: &'a str,
) -> BoxFuture<'a, Result<Option<SearchDoc>>> {
    Box::pin(async move {
        let ids = [id.to_string()];
        Ok(indexer.load_many(store, &ids).await?.into_iter().next())
    })
}

/// The entries that name a record of `record_type`, each with its sequence.
pub fn changes_of(changes: &[Change], record_type: &str) -> Vec<(Affected, i64)> {
    changes
        .iter()
        .filter(|c| c.record_type == record_type)
        .map(|c| (Affected::One(c.record_id.clone()), c.seq))
        .collect()
}

/// The records that entries of `from_type` reach through `sql` (one integer column;
/// `{ids}` stands for the entries' record ids, as often as it appears), each with the
/// largest sequence of those entries: how a child table's or a linked record's write
/// re-indexes the documents that show it (an act's entry → its event).
pub async fn map_changes(
    store: &Store,
    changes: &[Change],
    from_type: &str,
    sql: &str,
    out: &mut Vec<(Affected, i64)>,
) -> Result<()> {
    let from: Vec<&Change> = changes
        .iter()
        .filter(|c| c.record_type == from_type)
        .collect();
    let ids: Vec<String> = from.iter().map(|c| c.record_id.clone()).collect();
    let Some(list) = id_list(&ids) else {
        return Ok(());
    };
    let seq = from.iter().map(|c| c.seq).max().unwrap_or(0);
    for id in id_column(
        &sqlx::query(&sql.replace("{ids}", &list))
            .fetch_all(store.pool())
            .await?,
        0,
    ) {
        out.push((Affected::One(id), seq));
    }
    Ok(())
}

/// The access facts of a batch of records of one type: their need-to-know lists are
/// loaded in one query ([`acl_lists`]), their level, publication and creator come from
/// the batch's own rows ([`BatchAccess::of_row`]).
pub struct BatchAccess {
    lists: std::collections::HashMap<String, (Vec<i64>, Vec<i64>)>,
}

impl BatchAccess {
    pub async fn load(store: &Store, record_type: &str, ids: &[String]) -> Result<BatchAccess> {
        Ok(BatchAccess {
            lists: acl_lists(store, record_type, ids).await?,
        })
    }

    /// The access of record `id` from a row whose columns `at`, `at + 1` and `at + 2` are
    /// its `confidentiality`, `published` (0/1) and `created_by`.
    pub fn of_row(&self, id: i64, row: &sqlx::any::AnyRow, at: usize) -> RecordAccess {
        access_of(
            &row.get::<String, _>(at),
            row.get::<i64, _>(at + 1) == 1,
            row.get(at + 2),
            self.lists.get(&id.to_string()),
        )
    }
}

/// The name of an access's level (`""` without one): the `confidentiality` facet.
pub fn level_name(a: &RecordAccess) -> String {
    a.level.map(|l| l.as_str().to_string()).unwrap_or_default()
}

/// The access facts of a record from its level, publication, creator and need-to-know
/// lists (as [`acl_lists`] returns them). An unknown level fails closed.
pub fn access_of(
    level: &str,
    published: bool,
    created_by: Option<i64>,
    lists: Option<&(Vec<i64>, Vec<i64>)>,
) -> RecordAccess {
    RecordAccess {
        level: Some(
            level
                .parse()
                .unwrap_or(Confidentiality::StrictlyConfidential),
        ),
        published,
        created_by,
        need_to_know_users: lists.map(|l| l.0.clone()).unwrap_or_default(),
        need_to_know_teams: lists.map(|l| l.1.clone()).unwrap_or_default(),
    }
}

/// Whether everyone who may read a record with `outer` access may also read one with
/// `inner` access (the rule of `authorize(…, Read, …)`). A document may carry the keyed
/// name tokens of a linked person only if this holds: otherwise a name search would tell
/// a reader of the act that the person they may not see is its victim.
pub fn access_covers(outer: &RecordAccess, inner: &RecordAccess) -> bool {
    let lvl = |a: &RecordAccess| a.level.unwrap_or(Confidentiality::StrictlyConfidential);
    let (o, i) = (lvl(outer), lvl(inner));
    let anon = |a: &RecordAccess, l: Confidentiality| l == Confidentiality::Public && a.published;
    if anon(outer, o) && !anon(inner, i) {
        return false;
    }
    if !i.needs_list() {
        return true;
    }
    if !o.needs_list() {
        return false;
    }
    let users_in = |u: &i64| inner.created_by == Some(*u) || inner.need_to_know_users.contains(u);
    outer.created_by.iter().all(users_in)
        && outer.need_to_know_users.iter().all(users_in)
        && outer
            .need_to_know_teams
            .iter()
            .all(|t| inner.need_to_know_teams.contains(t))
}

/// A guess of the language of a short text written by a user (an event title), for
/// stemming: Cyrillic → `ru`, Arabic → `ar`, Latin with French or Spanish marks or
/// function words → `fr` / `es`, other Latin → `en`.
pub fn guess_lang(text: &str) -> &'static str {
    let (mut cyr, mut arab, mut latin) = (0, 0, 0);
    for c in text.chars() {
        match c {
            '\u{0400}'..='\u{04FF}' => cyr += 1,
            '\u{0600}'..='\u{06FF}' => arab += 1,
            c if c.is_alphabetic() => latin += 1,
            _ => {}
        }
    }
    if cyr > latin && cyr >= arab {
        return "ru";
    }
    if arab > latin {
        return "ar";
    }
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    let fr = count(&[
        "le", "la", "les", "des", "du", "et", "à", "au", "aux", "une", "dans", "sur", "contre",
        "d'un", "d'une",
    ]) + lower.matches(['è', 'ê', 'à', 'ç', 'œ', 'û']).count();
    let es = count(&[
        "el", "los", "las", "del", "y", "una", "en", "por", "contra", "con",
    ]) + lower.matches(['ñ', 'á', 'í', 'ó', 'ú', '¿', '¡']).count();
    if fr > es && fr > 0 {
        "fr"
    } else if es > 0 {
        "es"
    } else {
        "en"
    }
}

/// Split a stored list of values (`a; b`, `a, b`, `a|b` or a JSON array) into values.
pub fn split_values(s: &str) -> Vec<String> {
    let s = s.trim();
    if s.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(s) {
            return v.into_iter().filter(|x| !x.trim().is_empty()).collect();
        }
    }
    s.split([';', ',', '|'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

// ------------------------------------------------------------- reference-data indexers --

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
        match (record_type, record_id) {
            ("refdata", "countries") => Some(Affected::All),
            ("country", id) => Some(Affected::One(id.into())),
            _ => None,
        }
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
        match (record_type, record_id) {
            ("refdata", "instruments") => Some(Affected::All),
            ("instrument", id) => Some(Affected::One(id.into())),
            _ => None,
        }
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

// ------------------------------------------------------------------- saved searches --

/// A user's saved search. `name` and `query` are stored encrypted: a query can hold the
/// name of a person.
#[derive(Debug, Clone, Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The search as a URL query string (`q=…&country=SRB&…`).
    pub query: String,
    pub created_at: String,
    /// The audit sequence the user had seen results up to; hits changed after it are "new".
    pub seen_seq: i64,
    pub seen_at: Option<String>,
}

const SAVED_COLS: &str = "id, user_id, name, query, created_at, seen_seq, seen_at";

fn saved_row(store: &Store, r: &sqlx::any::AnyRow) -> Result<SavedSearch> {
    let id: i64 = r.get(0);
    Ok(SavedSearch {
        id,
        user_id: r.get(1),
        name: store.decrypt("saved_searches.name", id, &r.get::<String, _>(2))?,
        query: store.decrypt("saved_searches.query", id, &r.get::<String, _>(3))?,
        created_at: r.get(4),
        seen_seq: r.get(5),
        seen_at: r.get(6),
    })
}

/// Save a search for `user_id` (audited; the audit entry holds no query).
pub async fn save_search(
    tx: &mut WriteTx,
    user_id: i64,
    name: &str,
    query: &str,
    seen_seq: i64,
) -> Result<i64> {
    let dignity_core::search::SavedSearchInput { name, query } =
        dignity_core::search::SavedSearchInput::parse(name, query)?;
    let keys = tx.store().keys();
    let id = tx.next_id("saved_searches").await?;
    sqlx::query(
        "INSERT INTO saved_searches (user_id, name, query, created_at, seen_seq, seen_at, id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user_id)
    .bind(keys.encrypt("saved_searches.name", id, name))
    .bind(keys.encrypt("saved_searches.query", id, query))
    .bind(crate::now())
    .bind(seen_seq)
    .bind(crate::now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "saved_search.create",
        "saved_search",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(id)
}

/// A user's saved searches, oldest first.
pub async fn saved_searches(store: &Store, user_id: i64) -> Result<Vec<SavedSearch>> {
    sqlx::query(&format!(
        "SELECT {SAVED_COLS} FROM saved_searches WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| saved_row(store, r))
    .collect()
}

/// One saved search of `user_id` (None if it is not theirs).
pub async fn saved_search(store: &Store, user_id: i64, id: i64) -> Result<Option<SavedSearch>> {
    sqlx::query(&format!(
        "SELECT {SAVED_COLS} FROM saved_searches WHERE user_id = $1 AND id = $2"
    ))
    .bind(user_id)
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| saved_row(store, &r))
    .transpose()
}

/// The user has looked at the results up to audit sequence `seq` (audited).
pub async fn mark_seen(tx: &mut WriteTx, user_id: i64, id: i64, seq: i64) -> Result<()> {
    sqlx::query(
        "UPDATE saved_searches SET seen_seq = $1, seen_at = $2 WHERE user_id = $3 AND id = $4",
    )
    .bind(seq)
    .bind(crate::now())
    .bind(user_id)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "saved_search.seen",
        "saved_search",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "seq": seq }),
    );
    Ok(())
}

/// Delete a saved search of `user_id` (audited). Returns whether one was deleted.
pub async fn delete_saved(tx: &mut WriteTx, user_id: i64, id: i64) -> Result<bool> {
    let n = sqlx::query("DELETE FROM saved_searches WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if n > 0 {
        tx.audit(
            "saved_search.delete",
            "saved_search",
            &id.to_string(),
            None,
            None,
            serde_json::json!({}),
        );
    }
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dignity_core::auth::{authorize, Action};
    use dignity_core::{Actor, Role};

    /// `access_covers(outer, inner)` holds exactly when every reader `authorize` lets
    /// read `outer` may also read `inner`, over levels × publication × creators × lists.
    #[test]
    fn access_covers_agrees_with_authorize() {
        let levels = [
            Confidentiality::Public,
            Confidentiality::Internal,
            Confidentiality::Confidential,
            Confidentiality::StrictlyConfidential,
        ];
        let mut accesses = Vec::new();
        for level in levels {
            for published in [false, true] {
                for creator in [None, Some(1)] {
                    for (users, teams) in [(vec![], vec![]), (vec![2], vec![]), (vec![], vec![7])] {
                        accesses.push(RecordAccess {
                            level: Some(level),
                            published,
                            created_by: creator,
                            need_to_know_users: users,
                            need_to_know_teams: teams,
                        });
                    }
                }
            }
        }
        let staff = |id: i64, teams: Vec<i64>| Actor {
            user_id: Some(id),
            role: Role::Analyst,
            teams,
            ..Actor::anonymous()
        };
        let readers = [
            Actor::anonymous(),
            staff(1, vec![]),
            staff(2, vec![]),
            staff(3, vec![7]),
            staff(4, vec![]),
        ];
        let reads = |a: &Actor, r: &RecordAccess| authorize(a, Action::Read, r).allowed();
        for outer in &accesses {
            for inner in &accesses {
                let all = readers.iter().all(|a| !reads(a, outer) || reads(a, inner));
                if access_covers(outer, inner) {
                    assert!(all, "covers but a reader differs: {outer:?} {inner:?}");
                }
            }
        }
    }

    #[test]
    fn languages_are_guessed_by_script_and_words() {
        assert_eq!(guess_lang("Задержание журналистов"), "ru");
        assert_eq!(guess_lang("اعتقال المتظاهرين"), "ar");
        assert_eq!(guess_lang("Arrestation de manifestants à Niš"), "fr");
        assert_eq!(guess_lang("Desaparición de estudiantes"), "es");
        assert_eq!(guess_lang("Raid on the clinic"), "en");
    }
}
