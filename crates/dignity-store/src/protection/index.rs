//! Protection records in search (issue 6): defenders and missing persons.
//!
//! - **Defenders** (`defender` documents, `/protection/defenders/{id}`): areas of work (as
//!   facet and as labels in five languages), country, region, SDG 16.10.1 status,
//!   confidentiality, and the person's names as keyed tokens — only when every reader of
//!   the profile may read the person ([`access_covers`]).
//! - **Missing persons** (`missing` documents, `/protection/missing/{id}`): status, region,
//!   period (name and dates), the date last seen, the person's sex and age group and names
//!   (same rule).
//!
//! Nothing the database encrypts (organisation, contact, whereabouts, places,
//! circumstances, descriptions) reaches the index. One query per batch and child table.

use super::{dec, DEFENDER, MISSING};
use crate::search::{
    access_covers, affected_through, changes_of, id_column, id_list, level_name, Affected,
    BatchAccess, BoxFuture, Change, Indexer, SearchDoc,
};
use crate::violations::index::person_names;
use crate::violations::PERSON;
use crate::{Result, Store};
use dignity_core::{PartialDate, RecordAccess};
use sqlx::Row;
use std::collections::HashMap;

/// What re-indexes a defender besides its own entries: its person's (names).
const DEFENDER_REACHED: &[(&str, &str)] = &[(
    PERSON,
    "SELECT id FROM pro_defenders WHERE person_id IN ({ids})",
)];

/// What re-indexes a missing person's case besides its own entries: its person's (names,
/// sex, age group) and its period's (name).
const MISSING_REACHED: &[(&str, &str)] = &[
    (
        PERSON,
        "SELECT id FROM pro_missing WHERE person_id IN ({ids})",
    ),
    (
        "pro_periods",
        "SELECT id FROM pro_missing WHERE period_id IN ({ids})",
    ),
];

/// The access of the protection records of a person (a defender's profile, a missing
/// person's case) in one batch: rows with the record's id in column 0 and its access
/// columns from 5, its person's id in column 1 and access columns from `person_at`.
struct PersonRecordAccess {
    own: BatchAccess,
    person: BatchAccess,
    person_at: usize,
}

impl PersonRecordAccess {
    async fn load(
        store: &Store,
        record_type: &str,
        ids: &[String],
        rows: &[sqlx::any::AnyRow],
        person_at: usize,
    ) -> Result<Self> {
        Ok(PersonRecordAccess {
            own: BatchAccess::load(store, record_type, ids).await?,
            person: BatchAccess::load(store, PERSON, &id_column(rows, 1)).await?,
            person_at,
        })
    }

    /// One row's record id, person id, and access facts: the record's own, its person's,
    /// and the document's (found only by readers of the record and of its person).
    fn of(&self, r: &sqlx::any::AnyRow) -> (i64, i64, RecordAccess, RecordAccess, RecordAccess) {
        let id: i64 = r.get(0);
        let pid: i64 = r.get(1);
        let own = self.own.of_row(id, r, 5);
        let person = self.person.of_row(pid, r, self.person_at);
        let access = RecordAccess::disclosing(&[&own, &person]);
        (id, pid, own, person, access)
    }
}

// -------------------------------------------------------------------------- defenders --

/// Human rights defenders.
pub struct DefenderIndexer;

impl Indexer for DefenderIndexer {
    fn record_type(&self) -> &'static str {
        "defender"
    }
    fn facets(&self) -> &'static [&'static str] {
        &["area_of_work", "sdg_status", "confidentiality"]
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        (record_type == DEFENDER).then(|| Affected::One(record_id.to_string()))
    }
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        let own = changes_of(changes, DEFENDER);
        Box::pin(affected_through(store, changes, own, DEFENDER_REACHED))
    }
    crate::search::table_loads!(DEFENDER, load_defenders);
}

/// Defenders' documents.
async fn load_defenders(store: &Store, ids: &[String]) -> Result<Vec<SearchDoc>> {
    let Some(list) = id_list(ids) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&format!(
        "SELECT d.id, d.person_id, d.country, d.region, d.sdg_status, d.confidentiality, d.published, \
         d.created_by, d.created_at, p.name, p.other_names, p.confidentiality, p.published, p.created_by \
         FROM pro_defenders d JOIN vio_persons p ON p.id = d.person_id WHERE d.id IN ({list}) ORDER BY d.id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut areas: HashMap<i64, Vec<(String, [String; 5])>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT a.defender_id, a.code, COALESCE(t.label_en, a.code), COALESCE(t.label_fr, ''), \
         COALESCE(t.label_es, ''), COALESCE(t.label_ar, ''), COALESCE(t.label_ru, '') \
         FROM pro_defender_areas a LEFT JOIN pro_terms t ON t.kind = 'area' AND t.code = a.code \
         WHERE a.defender_id IN ({list}) ORDER BY a.defender_id, a.code"
    ))
    .fetch_all(store.pool())
    .await?
    {
        areas
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), [r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)]));
    }
    let acl = PersonRecordAccess::load(store, DEFENDER, ids, &rows, 11).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, pid, own, person, access) = acl.of(r);
        let level = level_name(&own);
        let mut d = SearchDoc::new("defender", &id.to_string(), "", access.clone())
            .facet("sdg_status", &r.get::<String, _>(4))
            .facet("confidentiality", &level);
        for (code, labels) in areas.get(&id).into_iter().flatten() {
            d = d.facet("area_of_work", code);
            for (lang, label) in ["en", "fr", "es", "ar", "ru"].iter().zip(labels) {
                if !label.is_empty() {
                    d = d.text(lang, "", label);
                }
            }
        }
        d.country = r.get(2);
        let region = dec(store, "pro_defenders.region", id, r.get(3))?;
        d.region = (!region.is_empty()).then_some(region);
        // No date: a profile's creation date is not a date of what it documents.
        if access_covers(&access, &person) {
            d.names = person_names(store, pid, r.get(9), r.get(10))?;
        }
        out.push(d);
    }
    Ok(out)
}

// -------------------------------------------------------------------- missing persons --

/// Missing persons' cases.
pub struct MissingIndexer;

impl Indexer for MissingIndexer {
    fn record_type(&self) -> &'static str {
        "missing"
    }
    fn facets(&self) -> &'static [&'static str] {
        &["period", "confidentiality"]
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        (record_type == MISSING).then(|| Affected::One(record_id.to_string()))
    }
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        let own = changes_of(changes, MISSING);
        Box::pin(affected_through(store, changes, own, MISSING_REACHED))
    }
    crate::search::table_loads!(MISSING, load_missing);
}

/// Missing persons' documents.
async fn load_missing(store: &Store, ids: &[String]) -> Result<Vec<SearchDoc>> {
    let Some(list) = id_list(ids) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&format!(
        "SELECT m.id, m.person_id, m.last_seen_date, m.region, m.status, m.confidentiality, m.published, \
         m.created_by, pr.name, p.name, p.other_names, p.sex, p.age_group, p.confidentiality, p.published, \
         p.created_by, m.period_id FROM pro_missing m JOIN vio_persons p ON p.id = m.person_id \
         LEFT JOIN pro_periods pr ON pr.id = m.period_id WHERE m.id IN ({list}) ORDER BY m.id"
    ))
    .fetch_all(store.pool())
    .await?;
    let acl = PersonRecordAccess::load(store, MISSING, ids, &rows, 13).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, pid, own, person, access) = acl.of(r);
        let level = level_name(&own);
        let mut d = SearchDoc::new("missing", &id.to_string(), "", access.clone())
            .facet("status", &r.get::<String, _>(4))
            .facet("confidentiality", &level);
        if let Some(p) = r.get::<Option<i64>, _>(16) {
            let period = dec(store, "pro_periods.name", p, r.get(8))?;
            d = d.facet("period", &period).text("xx", "", &period);
        }
        let seen = dec(store, "pro_missing.last_seen_date", id, r.get(2))?;
        if let Ok(p) = seen.parse::<PartialDate>() {
            d = d.date(&p);
        }
        let region = dec(store, "pro_missing.region", id, r.get(3))?;
        d.region = (!region.is_empty()).then_some(region);
        if access_covers(&access, &person) {
            d.names = person_names(store, pid, r.get(9), r.get(10))?;
            if let Some(sex) = r.get::<Option<String>, _>(11) {
                d = d.facet("victim_sex", &sex);
            }
            d = d.facet("victim_age_group", &r.get::<String, _>(12));
        }
        out.push(d);
    }
    Ok(out)
}
