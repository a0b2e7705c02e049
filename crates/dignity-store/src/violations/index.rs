//! Violations in search (issue 6): events, acts and persons as [`SearchDoc`]s.
//!
//! - **Acts** carry what a reader looks for in a case: the type of act, the victim's sex and
//!   age group, the perpetrator types, the date range, country and region, the event's
//!   title and lenses, and the victim's names **as keyed tokens only** — and the victim's
//!   names, the event's title and lenses only when everyone who may read the act may also
//!   read the person / the event ([`access_covers`]), so that a search never tells a
//!   reader more than the records they may open.
//! - **Events** carry their title, dates, country, region, status and lenses, and the facets
//!   of their acts (type, perpetrator type, victim sex and age group) from the acts every
//!   reader of the event may read. Never names.
//! - **Persons** carry only their names (keyed tokens), type and confidentiality.
//!
//! Every load is one query per batch (plus one per child table), so that a rebuild of a
//! million acts stays fast; [`Indexer::affected_batch`] maps child writes to the documents
//! they change (an act's entry re-indexes the act and its event, a person's entry the acts
//! naming them).

use super::{dec, Vocab, ACT, EVENT, PERSON};
use crate::search::{
    access_covers, affected_through, guess_lang, id_column, id_list, level_name, map_changes,
    Affected, BatchAccess, BoxFuture, Change, Indexer, SearchDoc,
};
use crate::{Result, Store};
use dignity_core::{PartialDate, RecordAccess};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

const LANGS: [&str; 5] = ["en", "fr", "es", "ar", "ru"];

fn date_of(doc: SearchDoc, start: &str, end: &str) -> SearchDoc {
    let s = start.parse::<PartialDate>().ok();
    let e = end.parse::<PartialDate>().ok();
    match (s, e) {
        (Some(s), Some(e)) => doc.date_span(&s, &e),
        (Some(s), None) => doc.date(&s),
        (None, Some(e)) => doc.date(&e),
        (None, None) => doc,
    }
}

/// The decrypted names (name and other names) of a person row's encrypted columns.
pub(crate) fn person_names(
    store: &Store,
    id: i64,
    name: Option<String>,
    other: Option<String>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        out.push(store.decrypt("vio_persons.name", id, &n)?);
    }
    if let Some(o) = other.filter(|o| !o.is_empty()) {
        let json = store.decrypt("vio_persons.other_names", id, &o)?;
        out.extend(serde_json::from_str::<Vec<String>>(&json).unwrap_or_default());
    }
    out.retain(|n| !n.trim().is_empty());
    Ok(out)
}

/// Which entries name a record directly: `(record_type, id)` of this table, plus a bulk
/// import of events (`vio_events` / `import`) → every record.
fn direct(changes: &[Change], record_type: &str) -> (Vec<(Affected, i64)>, bool) {
    let mut out = Vec::new();
    let mut all = false;
    for c in changes {
        if c.record_type == EVENT && c.record_id == "import" {
            out.push((Affected::All, c.seq));
            all = true;
        } else if c.record_type == record_type {
            out.push((Affected::One(c.record_id.clone()), c.seq));
        }
    }
    (out, all)
}

/// [`direct`], plus (unless that is every record) the records that entries of other
/// types reach through `maps`.
async fn direct_and_reached(
    store: &Store,
    changes: &[Change],
    record_type: &str,
    maps: &[(&str, &str)],
) -> Result<Vec<(Affected, i64)>> {
    let (out, all) = direct(changes, record_type);
    if all {
        return Ok(out);
    }
    affected_through(store, changes, out, maps).await
}

// ------------------------------------------------------------------------------- acts --

/// What re-indexes an act besides its own entries.
const ACT_REACHED: &[(&str, &str)] = &[
    // The event's title, lenses and access are part of its acts' documents.
    (EVENT, "SELECT id FROM vio_acts WHERE event_id IN ({ids})"),
    // So are the victim's names, sex and age group.
    (PERSON, "SELECT id FROM vio_acts WHERE victim_id IN ({ids})"),
];

/// Acts (`act` documents, linked to `/violations/acts/{id}`).
pub struct ActIndexer;

impl Indexer for ActIndexer {
    fn record_type(&self) -> &'static str {
        "act"
    }
    fn facets(&self) -> &'static [&'static str] {
        &["confidentiality"]
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        (record_type == ACT).then(|| Affected::One(record_id.to_string()))
    }
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        Box::pin(direct_and_reached(store, changes, ACT, ACT_REACHED))
    }
    crate::search::table_loads!(ACT, load_acts);
}

async fn load_acts(store: &Store, ids: &[String]) -> Result<Vec<SearchDoc>> {
    let Some(list) = id_list(ids) else {
        return Ok(Vec::new());
    };
    let vocab = Vocab::load(store).await?;
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.event_id, a.victim_id, a.act_type, a.start_date, a.end_date, a.country, a.admin_area, \
         a.confidentiality, a.published, a.created_by, \
         e.title, e.country, e.admin_area, e.confidentiality, e.published, e.created_by, \
         p.name, p.other_names, p.sex, p.age_group, p.confidentiality, p.published, p.created_by \
         FROM vio_acts a JOIN vio_events e ON e.id = a.event_id JOIN vio_persons p ON p.id = a.victim_id \
         WHERE a.id IN ({list}) ORDER BY a.id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut perps: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT act_id, perpetrator_type FROM vio_involvements WHERE act_id IN ({list}) AND perpetrator_type IS NOT NULL"
    ))
    .fetch_all(store.pool())
    .await?
    {
        perps.entry(r.get(0)).or_default().insert(r.get(1));
    }
    let mut lenses: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT l.event_id, l.lens FROM vio_event_lenses l WHERE l.event_id IN \
         (SELECT event_id FROM vio_acts WHERE id IN ({list})) ORDER BY l.event_id, l.lens"
    ))
    .fetch_all(store.pool())
    .await?
    {
        lenses.entry(r.get(0)).or_default().push(r.get(1));
    }
    let act_acl = BatchAccess::load(store, ACT, ids).await?;
    let event_acl = BatchAccess::load(store, EVENT, &id_column(&rows, 1)).await?;
    let person_acl = BatchAccess::load(store, PERSON, &id_column(&rows, 2)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let event_id: i64 = r.get(1);
        let victim_id: i64 = r.get(2);
        let act_type: String = r.get(3);
        let own = act_acl.of_row(id, r, 8);
        let event_access = event_acl.of_row(event_id, r, 14);
        let person_access = person_acl.of_row(victim_id, r, 21);
        // An act is found only by those who may read it with what it discloses (its event
        // and its victim): the same rule as opening it (`authorize_disclosing`).
        let access = RecordAccess::disclosing(&[&own, &event_access, &person_access]);
        let level = level_name(&own);
        let event_ok = access_covers(&access, &event_access);
        let person_ok = access_covers(&access, &person_access);
        let label = vocab.label(&act_type, "en");
        let event_title = dec(store, "vio_events.title", event_id, r.get(11))?;
        let title = if event_ok {
            format!("{label} — {event_title}")
        } else {
            label.clone()
        };
        let mut d = SearchDoc::new("act", &id.to_string(), &title, access.clone());
        for lang in LANGS {
            d = d.text(lang, &vocab.label(&act_type, lang), "");
        }
        if event_ok {
            d = d.text(guess_lang(&event_title), "", &event_title);
            for l in lenses.get(&event_id).into_iter().flatten() {
                d = d.facet("lens", l);
            }
        }
        d = date_of(
            d,
            &dec(store, "vio_acts.start_date", id, r.get(4))?,
            &dec(store, "vio_acts.end_date", id, r.get(5))?,
        );
        let own_country: Option<String> = r.get(6);
        let own_area = dec(store, "vio_acts.admin_area", id, r.get(7))?;
        d.country = own_country.or_else(|| if event_ok { r.get(12) } else { None });
        let area = if own_area.is_empty() && event_ok {
            dec(store, "vio_events.admin_area", event_id, r.get(13))?
        } else {
            own_area
        };
        d.region = (!area.is_empty()).then_some(area);
        d = d
            .facet("act_type", &act_type)
            .facet("confidentiality", &level);
        for p in perps.get(&id).into_iter().flatten() {
            d = d.facet("perpetrator_type", p);
        }
        if person_ok {
            d.names = person_names(store, victim_id, r.get(17), r.get(18))?;
            if let Some(sex) = r.get::<Option<String>, _>(19) {
                d = d.facet("victim_sex", &sex);
            }
            d = d.facet("victim_age_group", &r.get::<String, _>(20));
        }
        out.push(d);
    }
    Ok(out)
}

// ----------------------------------------------------------------------------- events --

/// What re-indexes an event besides its own entries.
const EVENT_REACHED: &[(&str, &str)] = &[
    // An act's type, perpetrators and access feed its event's facets…
    (ACT, "SELECT event_id FROM vio_acts WHERE id IN ({ids})"),
    // …and so do its victim's sex and age group.
    (
        PERSON,
        "SELECT DISTINCT event_id FROM vio_acts WHERE victim_id IN ({ids})",
    ),
];

/// Events (`event` documents, linked to `/violations/events/{id}`).
pub struct EventIndexer;

impl Indexer for EventIndexer {
    fn record_type(&self) -> &'static str {
        "event"
    }
    fn facets(&self) -> &'static [&'static str] {
        &["confidentiality"]
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        match (record_type, record_id) {
            (EVENT, "import") => Some(Affected::All),
            (EVENT, id) => Some(Affected::One(id.to_string())),
            _ => None,
        }
    }
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        Box::pin(direct_and_reached(store, changes, EVENT, EVENT_REACHED))
    }
    crate::search::table_loads!(EVENT, load_events);
}

struct ActFacts {
    id: i64,
    access: RecordAccess,
    act_type: String,
    sex: Option<String>,
    age_group: String,
    person: RecordAccess,
}

async fn load_events(store: &Store, ids: &[String]) -> Result<Vec<SearchDoc>> {
    let Some(list) = id_list(ids) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&format!(
        "SELECT id, title, start_date, end_date, country, admin_area, violation_status, \
         confidentiality, published, created_by FROM vio_events WHERE id IN ({list}) ORDER BY id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut lenses: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT event_id, lens FROM vio_event_lenses WHERE event_id IN ({list}) ORDER BY event_id, lens"
    ))
    .fetch_all(store.pool())
    .await?
    {
        lenses.entry(r.get(0)).or_default().push(r.get(1));
    }
    let act_rows = sqlx::query(&format!(
        "SELECT a.event_id, a.id, a.act_type, a.confidentiality, a.published, a.created_by, \
         p.id, p.sex, p.age_group, p.confidentiality, p.published, p.created_by \
         FROM vio_acts a JOIN vio_persons p ON p.id = a.victim_id WHERE a.event_id IN ({list})"
    ))
    .fetch_all(store.pool())
    .await?;
    let act_acl = BatchAccess::load(store, ACT, &id_column(&act_rows, 1)).await?;
    let person_acl = BatchAccess::load(store, PERSON, &id_column(&act_rows, 6)).await?;
    let mut acts: HashMap<i64, Vec<ActFacts>> = HashMap::new();
    for r in &act_rows {
        let id: i64 = r.get(1);
        let pid: i64 = r.get(6);
        acts.entry(r.get(0)).or_default().push(ActFacts {
            id,
            access: act_acl.of_row(id, r, 3),
            act_type: r.get(2),
            sex: r.get(7),
            age_group: r.get(8),
            person: person_acl.of_row(pid, r, 9),
        });
    }
    let mut perps: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT i.act_id, i.perpetrator_type FROM vio_involvements i JOIN vio_acts a ON a.id = i.act_id \
         WHERE a.event_id IN ({list}) AND i.perpetrator_type IS NOT NULL"
    ))
    .fetch_all(store.pool())
    .await?
    {
        perps.entry(r.get(0)).or_default().push(r.get(1));
    }
    let event_acl = BatchAccess::load(store, EVENT, ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let title = dec(store, "vio_events.title", id, r.get(1))?;
        let access = event_acl.of_row(id, r, 7);
        let level = level_name(&access);
        let mut d = SearchDoc::new("event", &id.to_string(), &title, access.clone()).text(
            guess_lang(&title),
            &title,
            "",
        );
        d = date_of(
            d,
            &dec(store, "vio_events.start_date", id, r.get(2))?,
            &dec(store, "vio_events.end_date", id, r.get(3))?,
        );
        d.country = r.get(4);
        let area = dec(store, "vio_events.admin_area", id, r.get(5))?;
        d.region = (!area.is_empty()).then_some(area);
        if let Some(s) = r.get::<Option<String>, _>(6) {
            d = d.facet("status", &s);
        }
        d = d.facet("confidentiality", &level);
        for l in lenses.get(&id).into_iter().flatten() {
            d = d.facet("lens", l);
        }
        // Facets of the acts, only from acts (and victims) every reader of the event may
        // read: a facet count must not reveal an act the reader cannot open.
        let mut seen: BTreeSet<(&str, String)> = BTreeSet::new();
        for a in acts.get(&id).into_iter().flatten() {
            if !access_covers(&access, &a.access) {
                continue;
            }
            seen.insert(("act_type", a.act_type.clone()));
            for p in perps.get(&a.id).into_iter().flatten() {
                seen.insert(("perpetrator_type", p.clone()));
            }
            if access_covers(&access, &a.person) {
                if let Some(s) = &a.sex {
                    seen.insert(("victim_sex", s.clone()));
                }
                seen.insert(("victim_age_group", a.age_group.clone()));
            }
        }
        for (name, value) in seen {
            d = d.facet(name, &value);
        }
        out.push(d);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------- persons --

/// Persons (`person` documents, linked to `/violations/persons/{id}`): names as keyed
/// tokens only; the display title is empty (the search page shows the name to readers
/// who may see it).
pub struct PersonIndexer;

impl Indexer for PersonIndexer {
    fn record_type(&self) -> &'static str {
        "person"
    }
    fn facets(&self) -> &'static [&'static str] {
        &["person_type", "confidentiality"]
    }
    fn affected(&self, record_type: &str, record_id: &str) -> Option<Affected> {
        (record_type == PERSON).then(|| Affected::One(record_id.to_string()))
    }
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        Box::pin(async move {
            let (mut out, all) = direct(changes, PERSON);
            if all {
                return Ok(out);
            }
            // A case imported as one entry (`case.import` on the event) made its persons.
            let imports: Vec<Change> = changes
                .iter()
                .filter(|c| c.record_type == EVENT)
                .cloned()
                .collect();
            map_changes(
                store,
                &imports,
                EVENT,
                "SELECT victim_id FROM vio_acts WHERE event_id IN ({ids}) UNION \
                 SELECT i.perpetrator_id FROM vio_involvements i JOIN vio_acts a ON a.id = i.act_id WHERE a.event_id IN ({ids})",
                &mut out,
            )
            .await?;
            Ok(out)
        })
    }
    crate::search::table_loads!(PERSON, load_persons);
}

/// Persons' documents.
async fn load_persons(store: &Store, ids: &[String]) -> Result<Vec<SearchDoc>> {
    let Some(list) = id_list(ids) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&format!(
        "SELECT id, person_type, name, other_names, confidentiality, published, created_by \
         FROM vio_persons WHERE id IN ({list}) ORDER BY id"
    ))
    .fetch_all(store.pool())
    .await?;
    let acl = BatchAccess::load(store, PERSON, ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let access = acl.of_row(id, r, 4);
        let level = level_name(&access);
        let mut d = SearchDoc::new("person", &id.to_string(), "", access)
            .facet("person_type", &r.get::<String, _>(1))
            .facet("confidentiality", &level);
        d.names = person_names(store, id, r.get(2), r.get(3))?;
        out.push(d);
    }
    Ok(out)
}
