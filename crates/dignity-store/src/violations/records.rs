//! Events, acts, persons, involvements, information, chains of events, relationships,
//! lenses, death penalty cases and drafts.

use super::*;
use crate::now;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use utoipa::ToSchema;

fn s(v: &str) -> String {
    v.trim().to_string()
}

// ---------------------------------------------------------------- events --

/// What a user enters for an event.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EventInput {
    pub title: String,
    pub description: String,
    /// `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `~YYYY-MM-DD` (estimated); empty = unknown.
    pub start_date: String,
    pub end_date: String,
    /// ISO 3166-1 alpha-3.
    pub country: Option<String>,
    pub admin_area: String,
    pub place: String,
    /// `latitude, longitude`.
    pub coordinates: String,
    /// Micro-thesaurus 41.
    pub violation_status: Option<String>,
    /// Micro-thesaurus 43.
    pub monitoring_status: Option<String>,
    /// Micro-thesaurus 3.
    pub rights_affected: Vec<String>,
    /// Micro-thesaurus 1.
    pub index_terms: Vec<String>,
    /// death_penalty, torture, hrd, disappearance.
    pub lenses: Vec<String>,
    /// public, internal, confidential, strictly_confidential (default internal).
    pub confidentiality: String,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
}

/// An event as stored (encrypted fields decrypted).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub start_date: String,
    pub end_date: String,
    pub country: Option<String>,
    pub admin_area: String,
    pub place: String,
    pub coordinates: String,
    pub violation_status: Option<String>,
    pub monitoring_status: Option<String>,
    pub rights_affected: Vec<String>,
    pub index_terms: Vec<String>,
    pub lenses: Vec<String>,
    pub confidentiality: String,
    pub published: bool,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

pub(crate) struct ValidEvent {
    pub title: String,
    pub dates: (String, String, String, String),
    pub country: Option<String>,
    pub vstatus: Option<String>,
    pub mstatus: Option<String>,
    pub rights: Vec<String>,
    pub terms: Vec<String>,
    pub lenses: Vec<String>,
    pub level: Confidentiality,
    pub coords: Option<String>,
}

pub(crate) fn validate_event(v: &Vocab, e: &EventInput) -> Result<ValidEvent> {
    let title = s(&e.title);
    if title.is_empty() || title.chars().count() > 300 {
        return Err(StoreError::invalid(
            "title",
            "an event needs a title of 1 to 300 characters",
        ));
    }
    let mut lenses = Vec::new();
    for l in &e.lenses {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if !LENSES.contains(&l) {
            return Err(StoreError::invalid("lenses", format!("unknown lens {l:?}")));
        }
        if !lenses.iter().any(|x: &String| x == l) {
            lenses.push(l.to_string());
        }
    }
    Ok(ValidEvent {
        title,
        dates: date_range("start_date", &e.start_date, "end_date", &e.end_date)?,
        country: v.check_country(&e.country)?,
        vstatus: v.check_opt("violation_status", &e.violation_status)?,
        mstatus: v.check_opt("monitoring_status", &e.monitoring_status)?,
        rights: v.check_all("rights_affected", &e.rights_affected)?,
        terms: v.check_all("index_terms", &e.index_terms)?,
        lenses,
        level: level(&e.confidentiality, Confidentiality::Internal)?,
        coords: coordinates(&e.coordinates)?,
    })
}

/// Create an event (audited). The actor's role must allow creating records.
pub async fn create_event(tx: &mut WriteTx, vocab: &Vocab, e: &EventInput) -> Result<i64> {
    let v = validate_event(vocab, e)?;
    may_create(tx.actor(), v.level)?;
    let id = insert_event(tx, &v, e).await?;
    set_list(
        tx,
        EVENT,
        id,
        v.level,
        &e.need_to_know_users,
        &e.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "event.create",
        EVENT,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(e).unwrap_or_default()),
        serde_json::json!({ "confidentiality": v.level.as_str() }),
    );
    Ok(id)
}

pub(crate) async fn insert_event(tx: &mut WriteTx, v: &ValidEvent, e: &EventInput) -> Result<i64> {
    let store = tx.store().clone();
    let at = now();
    let id = tx.next_id("vio_events").await?;
    sqlx::query(
        "INSERT INTO vio_events (title, description, start_date, start_sort, end_date, end_sort, country, admin_area, \
         place, coordinates, violation_status, monitoring_status, confidentiality, published, created_by, created_at, updated_at, id, title_words) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,0,$14,$15,$15,$16,$17)",
    )
    .bind(enc_keep(&store, "vio_events.title", id, &v.title))
    .bind(enc(&store, "vio_events.description", id, &e.description))
    .bind(enc_keep(&store, "vio_events.start_date", id, &v.dates.0))
    .bind(&v.dates.1)
    .bind(enc_keep(&store, "vio_events.end_date", id, &v.dates.2))
    .bind(&v.dates.3)
    .bind(&v.country)
    .bind(enc_keep(&store, "vio_events.admin_area", id, &e.admin_area))
    .bind(enc(&store, "vio_events.place", id, &e.place))
    .bind(v.coords.as_deref().and_then(|c| enc(&store, "vio_events.coordinates", id, c)))
    .bind(&v.vstatus)
    .bind(&v.mstatus)
    .bind(v.level.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .bind(title_words(&store, &v.title))
    .execute(tx.conn())
    .await?;
    add_terms(tx, EVENT, id, "rights_affected", &v.rights).await?;
    add_terms(tx, EVENT, id, "index_terms", &v.terms).await?;
    for l in &v.lenses {
        add_lens(tx, id, l).await?;
    }
    Ok(id)
}

/// Update an event (audited). Access is checked by the caller ([`require`]).
pub async fn update_event(tx: &mut WriteTx, vocab: &Vocab, id: i64, e: &EventInput) -> Result<()> {
    let v = validate_event(vocab, e)?;
    let store = tx.store().clone();
    let before = get_event(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("event {id}")))?;
    check_access_change(
        tx,
        EVENT,
        id,
        v.level,
        &e.need_to_know_users,
        &e.need_to_know_teams,
    )
    .await?;
    sqlx::query(
        "UPDATE vio_events SET title = $1, description = $2, start_date = $3, start_sort = $4, end_date = $5, end_sort = $6, \
         country = $7, admin_area = $8, place = $9, coordinates = $10, violation_status = $11, monitoring_status = $12, \
         confidentiality = $13, updated_at = $14, title_words = $15 WHERE id = $16",
    )
    .bind(enc_keep(&store, "vio_events.title", id, &v.title))
    .bind(enc(&store, "vio_events.description", id, &e.description))
    .bind(enc_keep(&store, "vio_events.start_date", id, &v.dates.0))
    .bind(&v.dates.1)
    .bind(enc_keep(&store, "vio_events.end_date", id, &v.dates.2))
    .bind(&v.dates.3)
    .bind(&v.country)
    .bind(enc_keep(&store, "vio_events.admin_area", id, &e.admin_area))
    .bind(enc(&store, "vio_events.place", id, &e.place))
    .bind(v.coords.as_deref().and_then(|c| enc(&store, "vio_events.coordinates", id, c)))
    .bind(&v.vstatus)
    .bind(&v.mstatus)
    .bind(v.level.as_str())
    .bind(now())
    .bind(title_words(&store, &v.title))
    .bind(id)
    .execute(tx.conn())
    .await?;
    set_terms(tx, EVENT, id, "rights_affected", &v.rights).await?;
    set_terms(tx, EVENT, id, "index_terms", &v.terms).await?;
    sqlx::query("DELETE FROM vio_event_lenses WHERE event_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for l in &v.lenses {
        add_lens(tx, id, l).await?;
    }
    set_list(
        tx,
        EVENT,
        id,
        v.level,
        &e.need_to_know_users,
        &e.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "event.update",
        EVENT,
        &id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(e).unwrap_or_default()),
        serde_json::json!({ "confidentiality": v.level.as_str() }),
    );
    Ok(())
}

pub(crate) async fn add_lens(tx: &mut WriteTx, event_id: i64, lens: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO vio_event_lenses (event_id, lens) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(event_id)
    .bind(lens)
    .execute(tx.conn())
    .await?;
    Ok(())
}

const EVENT_COLS: &str = "id, title, description, start_date, end_date, country, admin_area, place, coordinates, \
    violation_status, monitoring_status, confidentiality, published, created_by, created_at, updated_at";

async fn event_from(store: &Store, r: &AnyRow) -> Result<Event> {
    let id: i64 = r.get(0);
    Ok(Event {
        id,
        title: dec(store, "vio_events.title", id, r.get(1))?,
        description: dec(store, "vio_events.description", id, r.get(2))?,
        start_date: dec(store, "vio_events.start_date", id, r.get(3))?,
        end_date: dec(store, "vio_events.end_date", id, r.get(4))?,
        country: r.get(5),
        admin_area: dec(store, "vio_events.admin_area", id, r.get(6))?,
        place: dec(store, "vio_events.place", id, r.get(7))?,
        coordinates: dec(store, "vio_events.coordinates", id, r.get(8))?,
        violation_status: r.get(9),
        monitoring_status: r.get(10),
        rights_affected: terms_of(store, EVENT, id, "rights_affected").await?,
        index_terms: terms_of(store, EVENT, id, "index_terms").await?,
        lenses: sqlx::query("SELECT lens FROM vio_event_lenses WHERE event_id = $1 ORDER BY lens")
            .bind(id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect(),
        confidentiality: r.get(11),
        published: r.get::<i64, _>(12) == 1,
        created_by: r.get(13),
        created_at: r.get(14),
        updated_at: r.get(15),
    })
}

/// One event, without access checks (callers check with [`require`] first).
pub async fn get_event(store: &Store, id: i64) -> Result<Option<Event>> {
    let r = sqlx::query(&format!(
        "SELECT {EVENT_COLS} FROM vio_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    match r {
        Some(r) => Ok(Some(event_from(store, &r).await?)),
        None => Ok(None),
    }
}

/// A line of the event list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventRow {
    pub id: i64,
    pub title: String,
    pub start_date: String,
    pub end_date: String,
    pub country: Option<String>,
    pub admin_area: String,
    pub violation_status: Option<String>,
    pub confidentiality: String,
    /// Acts of the event the reader may see.
    pub acts: i64,
}

/// Filters of the event list.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct EventFilter {
    /// Words of the title: every word must be a whole word of the title (any order and
    /// case; titles are encrypted, matched through keyed word tokens).
    pub q: Option<String>,
    pub country: Option<String>,
    /// Only events under this lens.
    pub lens: Option<String>,
    /// Only events with an act of this type (or a narrower one).
    pub act_type: Option<String>,
    /// Start on or after (YYYY, YYYY-MM or YYYY-MM-DD), compared by month: the day of
    /// the start is encrypted, so "2024-03-12" includes all of March 2024.
    pub from: Option<String>,
    /// Start on or before (by month, like `from`).
    pub to: Option<String>,
    /// Only events in the priority countries.
    pub priority: Option<bool>,
}

/// The WHERE clause and arguments of an event filter (arguments are bound, never spliced).
async fn event_where(
    store: &Store,
    actor: &Actor,
    f: &EventFilter,
) -> Result<(String, Vec<String>)> {
    let mut w = vec![acl::visible_sql(
        actor,
        "e",
        dignity_core::RecordType::Event,
    )];
    let mut args: Vec<String> = Vec::new();
    let arg = |v: String, args: &mut Vec<String>| {
        args.push(v);
        format!("${}", args.len())
    };
    if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
        // Titles are encrypted: every word of the query must be a whole word of the title,
        // matched through the keyed word tokens (see `title_words`).
        let words = dignity_core::crypto::index_words(q);
        if words.is_empty() {
            w.push("1 = 0".into());
        }
        for word in words {
            let token = store.keys().blind_index(TITLE_WORD, &word);
            let p = arg(format!("% {token} %"), &mut args);
            w.push(format!("e.title_words LIKE {p}"));
        }
    }
    if let Some(c) = f.country.as_deref().filter(|c| !c.trim().is_empty()) {
        let p = arg(c.trim().to_ascii_uppercase(), &mut args);
        w.push(format!("e.country = {p}"));
    }
    if let Some(l) = f.lens.as_deref().filter(|c| !c.trim().is_empty()) {
        let p = arg(l.trim().to_string(), &mut args);
        w.push(format!(
            "EXISTS (SELECT 1 FROM vio_event_lenses l WHERE l.event_id = e.id AND l.lens = {p})"
        ));
    }
    if let Some(t) = f.act_type.as_deref().filter(|c| !c.trim().is_empty()) {
        let p = arg(format!("{}%", t.trim().trim_end_matches('0')), &mut args);
        w.push(format!(
            "EXISTS (SELECT 1 FROM vio_acts ac WHERE ac.event_id = e.id AND ac.act_type LIKE {p} AND {})",
            act_visible_sql(actor, "ac")
        ));
    }
    // The sort keys keep the month only: the bounds compare months (a filter "from
    // 2024-03-12" includes March 2024).
    if let Some(d) = f.from.as_deref().filter(|c| !c.trim().is_empty()) {
        let p = arg(month_bound(d), &mut args);
        w.push(format!("e.start_sort >= {p}"));
    }
    if let Some(d) = f.to.as_deref().filter(|c| !c.trim().is_empty()) {
        let p = arg(month_bound_to(d), &mut args);
        w.push(format!("e.start_sort <= {p} AND e.start_sort <> ''"));
    }
    if f.priority == Some(true) {
        let pc = priority_countries(store).await?;
        if pc.is_empty() {
            w.push("1 = 0".into());
        } else {
            let ps: Vec<String> = pc.into_iter().map(|c| arg(c, &mut args)).collect();
            w.push(format!("e.country IN ({})", ps.join(", ")));
        }
    }
    Ok((w.join(" AND "), args))
}

/// Events the actor may see, newest first; with the total up to [`TOTAL_CAP`] + 1 (see
/// [`total_is_exact`]).
pub async fn list_events(
    store: &Store,
    actor: &Actor,
    f: &EventFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<EventRow>)> {
    let (w, args) = event_where(store, actor, f).await?;
    let count_sql = capped_count_sql(&format!("vio_events e WHERE {w}"));
    let mut q = sqlx::query(&count_sql);
    for a in &args {
        q = q.bind(a);
    }
    let total: i64 = q.fetch_one(store.pool()).await?.get(0);
    let list_sql = format!(
        "SELECT e.id, e.title, e.start_date, e.end_date, e.country, e.admin_area, e.violation_status, e.confidentiality, \
         (SELECT COUNT(*) FROM vio_acts ac WHERE ac.event_id = e.id AND {}), e.start_sort \
         FROM vio_events e WHERE {w} ORDER BY e.start_sort DESC, e.id DESC LIMIT {} OFFSET {}",
        act_visible_sql(actor, "ac"),
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let mut q = sqlx::query(&list_sql);
    for a in &args {
        q = q.bind(a);
    }
    let mut rows = Vec::new();
    for r in q.fetch_all(store.pool()).await?.iter() {
        let id: i64 = r.get(0);
        rows.push((
            r.get::<String, _>(9),
            EventRow {
                id,
                title: dec(store, "vio_events.title", id, r.get(1))?,
                start_date: dec(store, "vio_events.start_date", id, r.get(2))?,
                end_date: dec(store, "vio_events.end_date", id, r.get(3))?,
                country: r.get(4),
                admin_area: dec(store, "vio_events.admin_area", id, r.get(5))?,
                violation_status: r.get(6),
                confidentiality: r.get(7),
                acts: r.get(8),
            },
        ));
    }
    // Newest first: the page comes in month order; within a month, by the exact date.
    rows.sort_by(|(ma, a), (mb, b)| {
        mb.cmp(ma)
            .then_with(|| exact_sort_key(&b.start_date).cmp(&exact_sort_key(&a.start_date)))
            .then_with(|| b.id.cmp(&a.id))
    });
    Ok((total, rows.into_iter().map(|(_, r)| r).collect()))
}

// ----------------------------------------------------------------- persons --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonInput {
    /// individual (default) or organisation.
    pub person_type: String,
    pub name: String,
    /// Other names, aliases and transliterations.
    pub other_names: Vec<String>,
    /// Micro-thesaurus 39.
    pub sex: Option<String>,
    pub gender: String,
    pub birth_date: String,
    /// child, youth, adult, elderly, unknown.
    pub age_group: String,
    /// ISO 3166-1 alpha-3.
    pub nationality: Option<String>,
    /// Micro-thesaurus 13.
    pub ethnicity: Option<String>,
    /// Micro-thesaurus 12.
    pub religion: Option<String>,
    /// Micro-thesaurus 14.
    pub languages: Vec<String>,
    /// Micro-thesaurus 10.
    pub occupation: Option<String>,
    /// Micro-thesaurus 7 (individual, family, group, community…).
    pub counting_unit: Option<String>,
    pub group_size: Option<i64>,
    pub deceased: bool,
    pub death_date: String,
    pub contact: String,
    pub address: String,
    pub notes: String,
    /// Default confidential: names of people are restricted to the need-to-know list.
    pub confidentiality: String,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    /// Erased (crypto-shredding, see `crate::shred`): the personal fields read empty.
    pub erased: bool,
    pub person_type: String,
    pub name: String,
    pub other_names: Vec<String>,
    pub pseudonym: String,
    pub sex: Option<String>,
    pub gender: String,
    pub birth_date: String,
    pub age_group: String,
    pub nationality: Option<String>,
    pub ethnicity: Option<String>,
    pub religion: Option<String>,
    pub languages: Vec<String>,
    pub occupation: Option<String>,
    pub counting_unit: Option<String>,
    pub group_size: Option<i64>,
    pub deceased: bool,
    pub death_date: String,
    pub contact: String,
    pub address: String,
    pub notes: String,
    pub confidentiality: String,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Person {
    /// The same person with every identifying field replaced by the pseudonym.
    pub fn pseudonymised(mut self) -> Person {
        self.name = self.pseudonym.clone();
        self.other_names.clear();
        self.contact.clear();
        self.address.clear();
        self.notes.clear();
        self.birth_date = self.birth_date.get(..4).unwrap_or("").to_string();
        self
    }
}

pub(crate) struct ValidPerson {
    pub person_type: &'static str,
    pub name: String,
    pub other_names: Vec<String>,
    pub sex: Option<String>,
    pub birth: String,
    pub age_group: String,
    pub nationality: Option<String>,
    pub ethnicity: Option<String>,
    pub religion: Option<String>,
    pub languages: Vec<String>,
    pub occupation: Option<String>,
    pub counting_unit: Option<String>,
    pub death: String,
    pub level: Confidentiality,
}

pub(crate) fn validate_person(v: &Vocab, p: &PersonInput) -> Result<ValidPerson> {
    let name = s(&p.name);
    if name.is_empty() || name.chars().count() > 300 {
        return Err(StoreError::invalid("name", "a person needs a name (1 to 300 characters); use \"unknown\" with a description in the notes if the name is not known"));
    }
    let person_type = match p.person_type.trim() {
        "" | "individual" => "individual",
        "organisation" | "organization" => "organisation",
        o => {
            return Err(StoreError::invalid(
                "person_type",
                format!("{o:?}: expected individual or organisation"),
            ))
        }
    };
    let age_group = s(&p.age_group);
    if !age_group.is_empty() && !AGE_GROUPS.contains(&age_group.as_str()) {
        return Err(StoreError::invalid(
            "age_group",
            format!("{age_group:?}: expected one of {}", AGE_GROUPS.join(", ")),
        ));
    }
    let birth = date("birth_date", &p.birth_date)?;
    let death = date("death_date", &p.death_date)?;
    if let (Some(b), Some(d)) = (birth.earliest(), death.latest()) {
        if d < b {
            return Err(StoreError::invalid(
                "death_date",
                "the date of death is before the date of birth",
            ));
        }
    }
    if p.group_size.is_some_and(|n| n < 1) {
        return Err(StoreError::invalid(
            "group_size",
            "a group has at least one member",
        ));
    }
    let nationality = v.check_country(&p.nationality).map_err(|_| {
        StoreError::invalid("nationality", "not an ISO 3166-1 alpha-3 country code")
    })?;
    Ok(ValidPerson {
        person_type,
        name,
        other_names: p
            .other_names
            .iter()
            .map(|n| s(n))
            .filter(|n| !n.is_empty())
            .collect(),
        sex: v.check_opt("sex", &p.sex)?,
        birth: birth.to_string(),
        age_group,
        nationality,
        ethnicity: v.check_opt("ethnicity", &p.ethnicity)?,
        religion: v.check_opt("religion", &p.religion)?,
        languages: v.check_all("languages", &p.languages)?,
        occupation: v.check_opt("occupation", &p.occupation)?,
        counting_unit: v.check_opt("counting_unit", &p.counting_unit)?,
        death: death.to_string(),
        level: level(&p.confidentiality, Confidentiality::Confidential)?,
    })
}

/// Blind indexes of a name: the exact (normalised) name and its words in sorted order.
pub fn name_indexes(store: &Store, name: &str) -> Vec<String> {
    let k = store.keys();
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    words.sort();
    vec![
        k.blind_index("vio_person_name", name),
        k.blind_index("vio_person_words", &words.join(" ")),
    ]
}

pub async fn create_person(tx: &mut WriteTx, vocab: &Vocab, p: &PersonInput) -> Result<i64> {
    let v = validate_person(vocab, p)?;
    may_create(tx.actor(), v.level)?;
    let id = insert_person(tx, &v, p).await?;
    set_list(
        tx,
        PERSON,
        id,
        v.level,
        &p.need_to_know_users,
        &p.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "person.create",
        PERSON,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(p).unwrap_or_default()),
        serde_json::json!({ "confidentiality": v.level.as_str(), "person_type": v.person_type }),
    );
    Ok(id)
}

pub(crate) async fn insert_person(
    tx: &mut WriteTx,
    v: &ValidPerson,
    p: &PersonInput,
) -> Result<i64> {
    let store = tx.store().clone();
    let keys = store.keys();
    let at = now();
    let id = tx.next_id("vio_persons").await?;
    // The personal fields are under the person's own key (crypto-shredding, see
    // `crate::shred`).
    let ps = crate::shred::PersonSealer::for_person(tx, id, true)?;
    let other = (!v.other_names.is_empty()).then(|| {
        ps.encrypt(
            "vio_persons.other_names",
            &serde_json::to_string(&v.other_names).unwrap_or_default(),
        )
    });
    sqlx::query(
        "INSERT INTO vio_persons (person_type, name, name_bidx, other_names, sex, gender, birth_date, age_group, nationality, \
         ethnicity, religion, occupation, counting_unit, group_size, deceased, death_date, contact, address, notes, \
         confidentiality, published, created_by, created_at, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,0,$21,$22,$22,$23)",
    )
    .bind(v.person_type)
    .bind(ps.encrypt("vio_persons.name", &v.name))
    .bind(keys.blind_index("vio_person_name", &v.name))
    .bind(other)
    .bind(&v.sex)
    .bind(ps.enc_keep("vio_persons.gender", &p.gender))
    .bind(ps.enc_keep("vio_persons.birth_date", &v.birth))
    .bind(&v.age_group)
    .bind(ps.enc_opt("vio_persons.nationality", v.nationality.as_deref()))
    .bind(ps.enc_opt("vio_persons.ethnicity", v.ethnicity.as_deref()))
    .bind(ps.enc_opt("vio_persons.religion", v.religion.as_deref()))
    .bind(ps.enc_opt("vio_persons.occupation", v.occupation.as_deref()))
    .bind(&v.counting_unit)
    .bind(p.group_size)
    .bind(p.deceased as i64)
    .bind(ps.enc_keep("vio_persons.death_date", &v.death))
    .bind(ps.enc("vio_persons.contact", &p.contact))
    .bind(ps.enc("vio_persons.address", &p.address))
    .bind(ps.enc("vio_persons.notes", &p.notes))
    .bind(v.level.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    let mut idx = name_indexes(&store, &v.name);
    for n in &v.other_names {
        idx.extend(name_indexes(&store, n));
    }
    idx.sort();
    idx.dedup();
    for b in idx {
        sqlx::query(
            "INSERT INTO vio_person_names (person_id, bidx) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(b)
        .execute(tx.conn())
        .await?;
    }
    add_terms(tx, PERSON, id, "languages", &v.languages).await?;
    Ok(id)
}

pub async fn update_person(
    tx: &mut WriteTx,
    vocab: &Vocab,
    id: i64,
    p: &PersonInput,
) -> Result<()> {
    let v = validate_person(vocab, p)?;
    let store = tx.store().clone();
    let keys = store.keys();
    let before = get_person(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
    if before.erased {
        return Err(StoreError::Conflict(format!(
            "person {id} was erased: their fields cannot be written again"
        )));
    }
    let ps = crate::shred::PersonSealer::for_person(tx, id, false)?;
    check_access_change(
        tx,
        PERSON,
        id,
        v.level,
        &p.need_to_know_users,
        &p.need_to_know_teams,
    )
    .await?;
    let other = (!v.other_names.is_empty()).then(|| {
        ps.encrypt(
            "vio_persons.other_names",
            &serde_json::to_string(&v.other_names).unwrap_or_default(),
        )
    });
    sqlx::query(
        "UPDATE vio_persons SET person_type = $1, name = $2, name_bidx = $3, other_names = $4, sex = $5, gender = $6, \
         birth_date = $7, age_group = $8, nationality = $9, ethnicity = $10, religion = $11, occupation = $12, \
         counting_unit = $13, group_size = $14, deceased = $15, death_date = $16, contact = $17, address = $18, notes = $19, \
         confidentiality = $20, updated_at = $21 WHERE id = $22",
    )
    .bind(v.person_type)
    .bind(ps.encrypt("vio_persons.name", &v.name))
    .bind(keys.blind_index("vio_person_name", &v.name))
    .bind(other)
    .bind(&v.sex)
    .bind(ps.enc_keep("vio_persons.gender", &p.gender))
    .bind(ps.enc_keep("vio_persons.birth_date", &v.birth))
    .bind(&v.age_group)
    .bind(ps.enc_opt("vio_persons.nationality", v.nationality.as_deref()))
    .bind(ps.enc_opt("vio_persons.ethnicity", v.ethnicity.as_deref()))
    .bind(ps.enc_opt("vio_persons.religion", v.religion.as_deref()))
    .bind(ps.enc_opt("vio_persons.occupation", v.occupation.as_deref()))
    .bind(&v.counting_unit)
    .bind(p.group_size)
    .bind(p.deceased as i64)
    .bind(ps.enc_keep("vio_persons.death_date", &v.death))
    .bind(ps.enc("vio_persons.contact", &p.contact))
    .bind(ps.enc("vio_persons.address", &p.address))
    .bind(ps.enc("vio_persons.notes", &p.notes))
    .bind(v.level.as_str())
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM vio_person_names WHERE person_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    let mut idx = name_indexes(&store, &v.name);
    for n in &v.other_names {
        idx.extend(name_indexes(&store, n));
    }
    idx.sort();
    idx.dedup();
    for b in idx {
        sqlx::query("INSERT INTO vio_person_names (person_id, bidx) VALUES ($1, $2)")
            .bind(id)
            .bind(b)
            .execute(tx.conn())
            .await?;
    }
    set_terms(tx, PERSON, id, "languages", &v.languages).await?;
    set_list(
        tx,
        PERSON,
        id,
        v.level,
        &p.need_to_know_users,
        &p.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "person.update",
        PERSON,
        &id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(p).unwrap_or_default()),
        serde_json::json!({ "confidentiality": v.level.as_str() }),
    );
    Ok(())
}

const PERSON_COLS: &str = "id, person_type, name, other_names, sex, gender, birth_date, age_group, nationality, ethnicity, \
    religion, occupation, counting_unit, group_size, deceased, death_date, contact, address, notes, confidentiality, \
    created_by, created_at, updated_at";

async fn person_from(store: &Store, r: &AnyRow) -> Result<Person> {
    let id: i64 = r.get(0);
    let other = dec(store, "vio_persons.other_names", id, r.get(3))?;
    let name: String = r.get(2);
    Ok(Person {
        erased: crate::shred::is_erased(store, id, &name),
        id,
        person_type: r.get(1),
        name: store.decrypt("vio_persons.name", id, &name)?,
        other_names: if other.is_empty() {
            vec![]
        } else {
            serde_json::from_str(&other).unwrap_or_default()
        },
        pseudonym: pseudonym(store, id),
        sex: r.get(4),
        gender: dec(store, "vio_persons.gender", id, r.get(5))?,
        birth_date: dec(store, "vio_persons.birth_date", id, r.get(6))?,
        age_group: r.get(7),
        nationality: dec_opt(store, "vio_persons.nationality", id, r.get(8))?,
        ethnicity: dec_opt(store, "vio_persons.ethnicity", id, r.get(9))?,
        religion: dec_opt(store, "vio_persons.religion", id, r.get(10))?,
        languages: terms_of(store, PERSON, id, "languages").await?,
        occupation: dec_opt(store, "vio_persons.occupation", id, r.get(11))?,
        counting_unit: r.get(12),
        group_size: r.get(13),
        deceased: r.get::<i64, _>(14) == 1,
        death_date: dec(store, "vio_persons.death_date", id, r.get(15))?,
        contact: dec(store, "vio_persons.contact", id, r.get(16))?,
        address: dec(store, "vio_persons.address", id, r.get(17))?,
        notes: dec(store, "vio_persons.notes", id, r.get(18))?,
        confidentiality: r.get(19),
        created_by: r.get(20),
        created_at: r.get(21),
        updated_at: r.get(22),
    })
}

pub async fn get_person(store: &Store, id: i64) -> Result<Option<Person>> {
    let r = sqlx::query(&format!(
        "SELECT {PERSON_COLS} FROM vio_persons WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    match r {
        Some(r) => Ok(Some(person_from(store, &r).await?)),
        None => Ok(None),
    }
}

/// A person as the actor may see them: `None` if missing **or not readable by the actor**
/// (the two answer the same, so that a restricted person's existence does not leak);
/// pseudonymised for readers who may not see names.
pub async fn person_for(store: &Store, actor: &Actor, id: i64) -> Result<Option<(Person, bool)>> {
    if !can(store, actor, Action::Read, PERSON, id).await? {
        return Ok(None);
    }
    let Some(p) = get_person(store, id).await? else {
        return Ok(None);
    };
    Ok(Some(if sees_names(store, actor).await? {
        (p, true)
    } else {
        (p.pseudonymised(), false)
    }))
}

/// The name to show for a person mentioned by a record the actor may read: the name when
/// the actor may read the person record and see names, otherwise the keyed pseudonym
/// (which reveals nothing without the index key).
pub async fn display_name(store: &Store, actor: &Actor, id: i64) -> Result<String> {
    if can(store, actor, Action::Read, PERSON, id).await? && sees_names(store, actor).await? {
        Ok(get_person(store, id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default())
    } else {
        Ok(pseudonym(store, id))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub person_type: String,
    pub roles: Vec<String>,
    pub confidentiality: String,
}

/// Persons the actor may see (names shown only to those who may see names), optionally
/// only those whose name or other name is exactly `name` (blind index look-up), or who have
/// `role` (victim, perpetrator, source, intervening_party).
pub async fn list_persons(
    store: &Store,
    actor: &Actor,
    name: Option<&str>,
    role: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<PersonRow>)> {
    let mut w = vec![acl::visible_sql(
        actor,
        "p",
        dignity_core::RecordType::Person,
    )];
    let mut args = Vec::new();
    let names = sees_names(store, actor).await?;
    // A reader who may not see names gets no name matching at all: an answer to a name
    // would tell them whether that person is recorded (issue 15, hole 6).
    if let Some(n) = name.filter(|n| names && !n.trim().is_empty()) {
        args.push(name_indexes(store, n));
        w.push(
            "p.id IN (SELECT person_id FROM vio_person_names WHERE bidx = $1 OR bidx = $2)".into(),
        );
    }
    if let Some(r) = role.and_then(|r| role_sql(actor, r, "p.id")) {
        w.push(r);
    }
    let w = w.join(" AND ");
    fn bind<'q>(
        sql: &'q str,
        args: &'q [Vec<String>],
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a[0].clone()).bind(a[1].clone());
        }
        q
    }
    let count_sql = format!("SELECT COUNT(*) FROM vio_persons p WHERE {w}");
    let total: i64 = bind(&count_sql, &args)
        .fetch_one(store.pool())
        .await?
        .get(0);
    let sql = format!(
        "SELECT p.id FROM vio_persons p WHERE {w} ORDER BY p.id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let ids: Vec<i64> = bind(&sql, &args)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let p = get_person(store, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
        out.push(PersonRow {
            id,
            name: if names {
                p.name.clone()
            } else {
                p.pseudonym.clone()
            },
            person_type: p.person_type.clone(),
            roles: person_roles(store, actor, id).await?,
            confidentiality: p.confidentiality,
        });
    }
    Ok((total, out))
}

/// The most recent persons the actor may see, as (id, name or pseudonym), for pickers: one
/// query, no per-person look-ups.
pub async fn recent_person_names(
    store: &Store,
    actor: &Actor,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let names = sees_names(store, actor).await?;
    let rows = sqlx::query(&format!(
        "SELECT p.id, p.name FROM vio_persons p WHERE {} ORDER BY p.id DESC LIMIT {}",
        acl::visible_sql(actor, "p", dignity_core::RecordType::Person),
        limit.clamp(1, 5000)
    ))
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.get(0);
        let name = if names {
            store.decrypt("vio_persons.name", id, &r.get::<String, _>(1))?
        } else {
            pseudonym(store, id)
        };
        out.push((id, name));
    }
    Ok(out)
}

/// The roles a person can have in the data.
pub const PERSON_ROLES: [&str; 4] = ["victim", "perpetrator", "source", "intervening_party"];

/// The SQL condition "person `pid` has `role` in a record the actor may read" (`None` for
/// an unknown role): a role — and so a facet or count of victims — never comes from a
/// record the reader may not see.
fn role_sql(actor: &Actor, role: &str, pid: &str) -> Option<String> {
    let act = |a: &str| acl::visible_sql(actor, a, dignity_core::RecordType::Act);
    Some(match role {
        "victim" => format!(
            "EXISTS (SELECT 1 FROM vio_acts ra WHERE ra.victim_id = {pid} AND {})",
            act("ra")
        ),
        "perpetrator" => format!(
            "EXISTS (SELECT 1 FROM vio_involvements ri JOIN vio_acts ra ON ra.id = ri.act_id \
             WHERE ri.perpetrator_id = {pid} AND {})",
            act("ra")
        ),
        "source" => format!(
            "EXISTS (SELECT 1 FROM vio_information ri WHERE ri.source_id = {pid} \
             AND (ri.event_id IS NULL OR EXISTS (SELECT 1 FROM vio_events re WHERE re.id = ri.event_id AND {})) \
             AND (ri.act_id IS NULL OR EXISTS (SELECT 1 FROM vio_acts ra WHERE ra.id = ri.act_id AND {})))",
            acl::visible_sql(actor, "re", dignity_core::RecordType::Event),
            act("ra")
        ),
        "intervening_party" => format!(
            "EXISTS (SELECT 1 FROM vio_interventions rv WHERE rv.intervening_party_id = {pid} AND {})",
            acl::visible_sql(actor, "rv", dignity_core::RecordType::Intervention)
        ),
        _ => return None,
    })
}

/// The roles a person has in the records the actor may read, derived from the links.
pub async fn person_roles(store: &Store, actor: &Actor, id: i64) -> Result<Vec<String>> {
    let cols: Vec<String> = PERSON_ROLES
        .iter()
        .map(|r| {
            format!(
                "CASE WHEN {} THEN 1 ELSE 0 END",
                role_sql(actor, r, "$1").expect("a known role")
            )
        })
        .collect();
    let r = sqlx::query(&format!("SELECT {}", cols.join(", ")))
        .bind(id)
        .fetch_one(store.pool())
        .await?;
    let mut roles = vec![];
    for (i, name) in PERSON_ROLES.iter().enumerate() {
        if r.get::<i64, _>(i) > 0 {
            roles.push(name.to_string());
        }
    }
    Ok(roles)
}

/// Possible duplicates of a person about to be entered: same name or other name (any word
/// order, case, accents of spacing), or same birth date and sex with a shared word.
/// Only persons the actor may read are returned, and nothing at all to a reader who may
/// not see names (a match would tell them whether that name is recorded).
pub async fn possible_duplicates(
    store: &Store,
    actor: &Actor,
    name: &str,
    others: &[String],
) -> Result<Vec<PersonRow>> {
    let names = sees_names(store, actor).await?;
    if !names {
        return Ok(vec![]);
    }
    let mut idx = name_indexes(store, name);
    for o in others {
        idx.extend(name_indexes(store, o));
    }
    let mut ids: Vec<i64> = Vec::new();
    for b in idx {
        for r in sqlx::query(&format!(
            "SELECT n.person_id FROM vio_person_names n JOIN vio_persons p ON p.id = n.person_id WHERE n.bidx = $1 AND {}",
            acl::visible_sql(actor, "p", dignity_core::RecordType::Person)
        ))
        .bind(b)
        .fetch_all(store.pool())
        .await?
        {
            let id: i64 = r.get(0);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let mut out = vec![];
    for id in ids {
        if let Some(p) = get_person(store, id).await? {
            out.push(PersonRow {
                id,
                name: if names {
                    p.name.clone()
                } else {
                    p.pseudonym.clone()
                },
                person_type: p.person_type,
                roles: person_roles(store, actor, id).await?,
                confidentiality: p.confidentiality,
            });
        }
    }
    Ok(out)
}

// -------------------------------------------------------------------- acts --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct InvolvementInput {
    pub perpetrator_id: i64,
    /// Micro-thesaurus 18.
    pub degree: Option<String>,
    /// Micro-thesaurus 24.
    pub perpetrator_type: Option<String>,
    /// Micro-thesaurus 26.
    pub latest_status: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActInput {
    pub event_id: i64,
    /// Every act has exactly one victim (a person id).
    pub victim_id: Option<i64>,
    /// Micro-thesaurus 4.
    pub act_type: String,
    pub start_date: String,
    pub end_date: String,
    pub country: Option<String>,
    pub admin_area: String,
    pub place: String,
    pub coordinates: String,
    /// Micro-thesaurus 5.
    pub methods: Vec<String>,
    /// Micro-thesaurus 28.
    pub attribution: Option<String>,
    pub consequences: String,
    /// Micro-thesaurus 25: the victim's status at the end of the act.
    pub victim_status: Option<String>,
    /// Arrest and detention (MT 29, 30, 31, 32).
    pub detention_type: Option<String>,
    pub whereabouts: Option<String>,
    pub legal_counsel: Option<String>,
    pub court_type: Option<String>,
    pub case_description: String,
    /// Killing (MT 34, 35).
    pub autopsy: Option<String>,
    pub death_certificate: Option<String>,
    /// Torture (MT 36, 37, 38).
    pub statements_signed: Option<String>,
    pub medical_attention: Option<String>,
    pub intent: Option<String>,
    /// Destruction (MT 47 for compensation).
    pub property_destroyed: String,
    pub property_value: String,
    pub compensation: Option<String>,
    /// Default: the event's level.
    pub confidentiality: String,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
    /// Perpetrators to record with the act.
    pub perpetrators: Vec<InvolvementInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Involvement {
    pub id: i64,
    pub act_id: i64,
    pub perpetrator_id: i64,
    /// Name or pseudonym, as the reader may see it.
    pub perpetrator: String,
    pub degree: Option<String>,
    pub perpetrator_type: Option<String>,
    pub latest_status: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Act {
    pub id: i64,
    pub event_id: i64,
    pub victim_id: i64,
    pub act_type: String,
    /// killing, torture, detention, disappearance, destruction or other.
    pub kind: String,
    pub start_date: String,
    pub end_date: String,
    pub country: Option<String>,
    pub admin_area: String,
    pub place: String,
    pub coordinates: String,
    pub methods: Vec<String>,
    pub attribution: Option<String>,
    pub consequences: String,
    pub victim_status: Option<String>,
    pub detention_type: Option<String>,
    pub whereabouts: Option<String>,
    pub legal_counsel: Option<String>,
    pub court_type: Option<String>,
    pub case_description: String,
    pub autopsy: Option<String>,
    pub death_certificate: Option<String>,
    pub statements_signed: Option<String>,
    pub medical_attention: Option<String>,
    pub intent: Option<String>,
    pub property_destroyed: String,
    pub property_value: String,
    pub compensation: Option<String>,
    pub confidentiality: String,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Independent sources (distinct source persons) whose information supports the act.
    pub sources: i64,
}

/// A validated perpetrator: person, degree, type, latest status.
pub(crate) type Perp = (i64, Option<String>, Option<String>, Option<String>);

pub(crate) struct ValidAct {
    pub act_type: String,
    pub dates: (String, String, String, String),
    pub country: Option<String>,
    pub coords: Option<String>,
    pub methods: Vec<String>,
    pub codes: Vec<Option<String>>,
    pub level: Option<Confidentiality>,
    pub perps: Vec<Perp>,
}

const ACT_CODED: [&str; 14] = [
    "attribution",
    "victim_status",
    "detention_type",
    "whereabouts",
    "legal_counsel",
    "court_type",
    "autopsy",
    "death_certificate",
    "statements_signed",
    "medical_attention",
    "intent",
    "compensation",
    "degree",
    "perpetrator_type",
];

pub(crate) fn validate_act(v: &Vocab, a: &ActInput) -> Result<ValidAct> {
    if a.victim_id.is_none() {
        return Err(StoreError::invalid(
            "victim_id",
            "an act needs a victim: choose or add the person it was done to",
        ));
    }
    let act_type = v.check("act_type", &a.act_type)?.ok_or_else(|| {
        StoreError::invalid("act_type", "an act needs a type (micro-thesaurus 4)")
    })?;
    let vals = [
        &a.attribution,
        &a.victim_status,
        &a.detention_type,
        &a.whereabouts,
        &a.legal_counsel,
        &a.court_type,
        &a.autopsy,
        &a.death_certificate,
        &a.statements_signed,
        &a.medical_attention,
        &a.intent,
        &a.compensation,
    ];
    let mut codes = Vec::new();
    for (f, val) in ACT_CODED.iter().zip(vals) {
        codes.push(v.check_opt(f, val)?);
    }
    let mut perps = Vec::new();
    for p in &a.perpetrators {
        perps.push((
            p.perpetrator_id,
            v.check_opt("degree", &p.degree)?,
            v.check_opt("perpetrator_type", &p.perpetrator_type)?,
            v.check_opt("latest_status", &p.latest_status)?,
        ));
    }
    Ok(ValidAct {
        act_type,
        dates: date_range("start_date", &a.start_date, "end_date", &a.end_date)?,
        country: v.check_country(&a.country)?,
        coords: coordinates(&a.coordinates)?,
        methods: v.check_all("methods", &a.methods)?,
        codes,
        level: if a.confidentiality.trim().is_empty() {
            None
        } else {
            Some(level(&a.confidentiality, Confidentiality::Internal)?)
        },
        perps,
    })
}

/// Whether a record that a new row will point to (a victim, a perpetrator, a source, an
/// event, an act) exists **and the writer may read it**, with everything it discloses.
/// Read on the transaction, so that records it created count. A record the writer may not
/// read answers exactly like one that does not exist: a link cannot probe for it, and
/// nothing is ever linked to a record its writer cannot see.
pub(crate) async fn exists(tx: &mut WriteTx, table: &str, id: i64) -> Result<bool> {
    let Some(access) = access_in_tx(tx, table, id).await? else {
        return Ok(false);
    };
    let mut disclosed = Vec::new();
    if table == ACT {
        let r = sqlx::query("SELECT event_id, victim_id FROM vio_acts WHERE id = $1")
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        let (ev, victim): (i64, i64) = (r.get(0), r.get(1));
        for (t, pid) in [(EVENT, ev), (PERSON, victim)] {
            disclosed.push(access_in_tx(tx, t, pid).await?.unwrap_or_default());
        }
    }
    let disclosed: Vec<&dignity_core::RecordAccess> = disclosed.iter().collect();
    Ok(
        dignity_core::auth::authorize_disclosing(tx.actor(), Action::Read, &access, &disclosed)
            .allowed(),
    )
}

/// Create an act with its perpetrators (audited). The event and the persons must exist.
pub async fn create_act(tx: &mut WriteTx, vocab: &Vocab, a: &ActInput) -> Result<i64> {
    may_create(tx.actor(), Confidentiality::Internal)?;
    let v = validate_act(vocab, a)?;
    let ev_level: Option<String> =
        sqlx::query("SELECT confidentiality FROM vio_events WHERE id = $1")
            .bind(a.event_id)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get(0));
    let Some(ev_level) = ev_level else {
        return Err(StoreError::invalid(
            "event_id",
            format!("no event {}", a.event_id),
        ));
    };
    if !exists(tx, EVENT, a.event_id).await? {
        return Err(StoreError::invalid(
            "event_id",
            format!("no event {}", a.event_id),
        ));
    }
    let victim = a.victim_id.unwrap_or_default();
    if !exists(tx, PERSON, victim).await? {
        return Err(StoreError::invalid(
            "victim_id",
            format!("no person {victim}"),
        ));
    }
    for p in &v.perps {
        if !exists(tx, PERSON, p.0).await? {
            return Err(StoreError::invalid(
                "perpetrator_id",
                format!("no person {}", p.0),
            ));
        }
    }
    let lvl = v
        .level
        .unwrap_or(ev_level.parse().unwrap_or(Confidentiality::Internal));
    may_create(tx.actor(), lvl)?;
    let id = insert_act(tx, &v, a, lvl).await?;
    set_list(
        tx,
        ACT,
        id,
        lvl,
        &a.need_to_know_users,
        &a.need_to_know_teams,
    )
    .await?;
    // The lens an act type implies is put on the event only for acts without a
    // need-to-know list: a tag on the event must not reveal a restricted act.
    if let Some(l) = lens_of_act(&v.act_type).filter(|_| !lvl.needs_list()) {
        add_lens(tx, a.event_id, l).await?;
    }
    tx.audit(
        "act.create",
        ACT,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(a).unwrap_or_default()),
        serde_json::json!({ "event_id": a.event_id, "confidentiality": lvl.as_str(), "perpetrators": v.perps.len() }),
    );
    Ok(id)
}

pub(crate) async fn insert_act(
    tx: &mut WriteTx,
    v: &ValidAct,
    a: &ActInput,
    lvl: Confidentiality,
) -> Result<i64> {
    let store = tx.store().clone();
    let at = now();
    let c = &v.codes;
    let id = tx.next_id("vio_acts").await?;
    sqlx::query(
        "INSERT INTO vio_acts (event_id, victim_id, act_type, start_date, start_sort, end_date, end_sort, country, admin_area, \
         place, coordinates, attribution, consequences, victim_status, detention_type, whereabouts, legal_counsel, court_type, \
         case_description, autopsy, death_certificate, statements_signed, medical_attention, intent, property_destroyed, \
         property_value, compensation, confidentiality, published, created_by, created_at, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,0,$29,$30,$30,$31)",
    )
    .bind(a.event_id)
    .bind(a.victim_id)
    .bind(&v.act_type)
    .bind(enc_keep(&store, "vio_acts.start_date", id, &v.dates.0))
    .bind(&v.dates.1)
    .bind(enc_keep(&store, "vio_acts.end_date", id, &v.dates.2))
    .bind(&v.dates.3)
    .bind(&v.country)
    .bind(enc_keep(&store, "vio_acts.admin_area", id, &a.admin_area))
    .bind(enc(&store, "vio_acts.place", id, &a.place))
    .bind(v.coords.as_deref().and_then(|x| enc(&store, "vio_acts.coordinates", id, x)))
    .bind(&c[0])
    .bind(enc(&store, "vio_acts.consequences", id, &a.consequences))
    .bind(&c[1])
    .bind(&c[2])
    .bind(&c[3])
    .bind(&c[4])
    .bind(&c[5])
    .bind(enc(&store, "vio_acts.case_description", id, &a.case_description))
    .bind(&c[6])
    .bind(&c[7])
    .bind(&c[8])
    .bind(&c[9])
    .bind(&c[10])
    .bind(enc_keep(&store, "vio_acts.property_destroyed", id, &a.property_destroyed))
    .bind(enc_keep(&store, "vio_acts.property_value", id, &a.property_value))
    .bind(&c[11])
    .bind(lvl.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    add_terms(tx, ACT, id, "methods", &v.methods).await?;
    for p in &v.perps {
        sqlx::query(
            "INSERT INTO vio_involvements (act_id, perpetrator_id, degree, perpetrator_type, latest_status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(p.0)
        .bind(&p.1)
        .bind(&p.2)
        .bind(&p.3)
        .bind(&at)
        .execute(tx.conn())
        .await?;
    }
    Ok(id)
}

/// Add a perpetrator to an act (audited).
pub async fn add_involvement(
    tx: &mut WriteTx,
    vocab: &Vocab,
    act_id: i64,
    i: &InvolvementInput,
) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    let degree = vocab.check_opt("degree", &i.degree)?;
    let ptype = vocab.check_opt("perpetrator_type", &i.perpetrator_type)?;
    let status = vocab.check_opt("latest_status", &i.latest_status)?;
    if !exists(tx, PERSON, i.perpetrator_id).await? {
        return Err(StoreError::invalid(
            "perpetrator_id",
            format!("no person {}", i.perpetrator_id),
        ));
    }
    if !exists(tx, ACT, act_id).await? {
        return Err(StoreError::invalid("act_id", format!("no act {act_id}")));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO vio_involvements (act_id, perpetrator_id, degree, perpetrator_type, latest_status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(act_id)
    .bind(i.perpetrator_id)
    .bind(degree)
    .bind(ptype)
    .bind(status)
    .bind(now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "involvement.create",
        ACT,
        &act_id.to_string(),
        None,
        Some(&serde_json::to_value(i).unwrap_or_default()),
        serde_json::json!({ "involvement_id": id }),
    );
    Ok(id)
}

const ACT_COLS: &str = "id, event_id, victim_id, act_type, start_date, end_date, country, admin_area, place, coordinates, \
    attribution, consequences, victim_status, detention_type, whereabouts, legal_counsel, court_type, case_description, \
    autopsy, death_certificate, statements_signed, medical_attention, intent, property_destroyed, property_value, \
    compensation, confidentiality, created_by, created_at, updated_at";

async fn act_from(store: &Store, r: &AnyRow) -> Result<Act> {
    let id: i64 = r.get(0);
    let act_type: String = r.get(3);
    Ok(Act {
        id,
        event_id: r.get(1),
        victim_id: r.get(2),
        kind: act_kind(&act_type).into(),
        act_type,
        start_date: dec(store, "vio_acts.start_date", id, r.get(4))?,
        end_date: dec(store, "vio_acts.end_date", id, r.get(5))?,
        country: r.get(6),
        admin_area: dec(store, "vio_acts.admin_area", id, r.get(7))?,
        place: dec(store, "vio_acts.place", id, r.get(8))?,
        coordinates: dec(store, "vio_acts.coordinates", id, r.get(9))?,
        methods: terms_of(store, ACT, id, "methods").await?,
        attribution: r.get(10),
        consequences: dec(store, "vio_acts.consequences", id, r.get(11))?,
        victim_status: r.get(12),
        detention_type: r.get(13),
        whereabouts: r.get(14),
        legal_counsel: r.get(15),
        court_type: r.get(16),
        case_description: dec(store, "vio_acts.case_description", id, r.get(17))?,
        autopsy: r.get(18),
        death_certificate: r.get(19),
        statements_signed: r.get(20),
        medical_attention: r.get(21),
        intent: r.get(22),
        property_destroyed: dec(store, "vio_acts.property_destroyed", id, r.get(23))?,
        property_value: dec(store, "vio_acts.property_value", id, r.get(24))?,
        compensation: r.get(25),
        confidentiality: r.get(26),
        created_by: r.get(27),
        created_at: r.get(28),
        updated_at: r.get(29),
        sources: act_sources(store, id).await?,
    })
}

/// Independent sources of an act: distinct source persons with information on the act
/// itself or on its event as a whole.
pub async fn act_sources(store: &Store, act_id: i64) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(DISTINCT i.source_id) FROM vio_information i JOIN vio_acts a ON a.id = $1 \
         WHERE i.act_id = a.id OR (i.act_id IS NULL AND i.event_id = a.event_id)",
    )
    .bind(act_id)
    .fetch_one(store.pool())
    .await?
    .get(0))
}

pub async fn get_act(store: &Store, id: i64) -> Result<Option<Act>> {
    let r = sqlx::query(&format!("SELECT {ACT_COLS} FROM vio_acts WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    match r {
        Some(r) => Ok(Some(act_from(store, &r).await?)),
        None => Ok(None),
    }
}

/// The acts of an event that the actor may see.
pub async fn acts_of_event(store: &Store, actor: &Actor, event_id: i64) -> Result<Vec<Act>> {
    let rows = sqlx::query(&format!(
        "SELECT {ACT_COLS} FROM vio_acts ac WHERE ac.event_id = $1 AND {} ORDER BY ac.start_sort, ac.id",
        act_visible_sql(actor, "ac")
    ))
    .bind(event_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(act_from(store, r).await?);
    }
    // The clear sort key keeps the month: within a month, by the exact (decrypted) date.
    out.sort_by_cached_key(|a| (sort_key_of(&a.start_date), a.id));
    Ok(out)
}

/// The order of the acts of an event: the month key (unknown first, as `ORDER BY
/// start_sort` did), then the exact day.
fn sort_key_of(d: &str) -> (String, String) {
    let exact = exact_sort_key(d);
    (exact.chars().take(7).collect(), exact)
}

pub async fn involvements(store: &Store, actor: &Actor, act_id: i64) -> Result<Vec<Involvement>> {
    let rows = sqlx::query(
        "SELECT id, act_id, perpetrator_id, degree, perpetrator_type, latest_status FROM vio_involvements WHERE act_id = $1 ORDER BY id",
    )
    .bind(act_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in rows {
        let pid: i64 = r.get(2);
        out.push(Involvement {
            id: r.get(0),
            act_id: r.get(1),
            perpetrator_id: pid,
            perpetrator: display_name(store, actor, pid).await?,
            degree: r.get(3),
            perpetrator_type: r.get(4),
            latest_status: r.get(5),
        });
    }
    Ok(out)
}

/// A line of the act list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActRow {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub act_type: String,
    pub start_date: String,
    pub country: Option<String>,
    pub victim_id: i64,
    pub confidentiality: String,
}

/// Filters of the act list.
#[derive(Debug, Clone, Default)]
pub struct ActFilter {
    /// Type of act (micro-thesaurus 4); narrower types are included.
    pub act_type: Option<String>,
    pub country: Option<String>,
    /// Only the acts done to this person.
    pub victim_id: Option<i64>,
    /// Keyset pagination: only acts with a smaller id (the last id of the previous page).
    pub before: Option<i64>,
}

/// Totals of lists are counted up to this many rows: past it a list says "more than
/// 10,000" instead of scanning every row the reader may see on each request.
pub const TOTAL_CAP: i64 = 10_000;

/// `COUNT(*)` of a list, stopping after `TOTAL_CAP + 1` rows.
pub(crate) fn capped_count_sql(from_where: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} LIMIT {}) capped",
        TOTAL_CAP + 1
    )
}

/// Is a total from a list function exact (not capped at [`TOTAL_CAP`])?
pub fn total_is_exact(total: i64) -> bool {
    total <= TOTAL_CAP
}

/// Acts the actor may see (the act and its event both visible), newest first, with the
/// total up to [`TOTAL_CAP`] + 1 (see [`total_is_exact`]).
pub async fn list_acts(
    store: &Store,
    actor: &Actor,
    f: &ActFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<ActRow>)> {
    let mut w = format!(
        "{} AND {}",
        act_visible_sql(actor, "ac"),
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    );
    let t = f
        .act_type
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("{}%", t.trim().trim_end_matches('0')));
    let c = f
        .country
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_default();
    // Only the conditions in use go into the SQL, so that the planner can use the indexes
    // (act type, victim, id) instead of testing `$n = ''` on every row.
    let mut args: Vec<String> = vec![];
    let mut arg = |v: String| {
        args.push(v);
        format!("${}", args.len())
    };
    if let Some(t) = t {
        w.push_str(&format!(" AND ac.act_type LIKE {}", arg(t)));
    }
    if !c.is_empty() {
        w.push_str(&format!(
            " AND COALESCE(ac.country, e.country) = {}",
            arg(c)
        ));
    }
    if let Some(v) = f.victim_id {
        w.push_str(&format!(" AND ac.victim_id = {}", v));
    }
    if let Some(b) = f.before {
        w.push_str(&format!(" AND ac.id < {}", b));
    }
    let count_sql = capped_count_sql(&format!(
        "vio_acts ac JOIN vio_events e ON e.id = ac.event_id WHERE {w}"
    ));
    let mut q = sqlx::query(&count_sql);
    for a in &args {
        q = q.bind(a);
    }
    let total: i64 = q.fetch_one(store.pool()).await?.get(0);
    let list_sql = format!(
        "SELECT ac.id, ac.event_id, e.title, ac.act_type, ac.start_date, COALESCE(ac.country, e.country), ac.victim_id, ac.confidentiality \
         FROM vio_acts ac JOIN vio_events e ON e.id = ac.event_id WHERE {w} ORDER BY ac.id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let mut q = sqlx::query(&list_sql);
    for a in &args {
        q = q.bind(a);
    }
    let mut rows = Vec::new();
    for r in q.fetch_all(store.pool()).await?.iter() {
        let (id, event_id): (i64, i64) = (r.get(0), r.get(1));
        rows.push(ActRow {
            id,
            event_id,
            event_title: dec(store, "vio_events.title", event_id, r.get(2))?,
            act_type: r.get(3),
            start_date: dec(store, "vio_acts.start_date", id, r.get(4))?,
            country: r.get(5),
            victim_id: r.get(6),
            confidentiality: r.get(7),
        });
    }
    Ok((total, rows))
}

/// Counts of visible acts by type of act (top-level groups of MT 4 by their first two
/// digits), for counters and lenses.
pub async fn count_acts_by_type(
    store: &Store,
    actor: &Actor,
    lens: Option<&str>,
) -> Result<Vec<(String, i64)>> {
    let lens_w = match lens {
        Some(_) => {
            " AND EXISTS (SELECT 1 FROM vio_event_lenses l WHERE l.event_id = e.id AND l.lens = $1)"
        }
        None => " AND $1 = $1",
    };
    Ok(sqlx::query(&format!(
        "SELECT ac.act_type, COUNT(*) FROM vio_acts ac JOIN vio_events e ON e.id = ac.event_id WHERE {} AND {}{lens_w} \
         GROUP BY ac.act_type ORDER BY COUNT(*) DESC",
        act_visible_sql(actor, "ac"),
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .bind(lens.unwrap_or(""))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

// ------------------------------------------------------------ information --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct InformationInput {
    /// The source (a person).
    pub source_id: i64,
    pub event_id: Option<i64>,
    pub act_id: Option<i64>,
    /// Information about a person.
    pub person_id: Option<i64>,
    /// Micro-thesaurus 19.
    pub connection: Option<String>,
    /// Micro-thesaurus 16.
    pub source_type: Option<String>,
    /// Micro-thesaurus 42.
    pub reliability: Option<String>,
    pub info_date: String,
    /// Micro-thesaurus 14.
    pub language: Option<String>,
    pub remarks: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Information {
    pub id: i64,
    pub source_id: i64,
    /// Name or pseudonym.
    pub source: String,
    pub event_id: Option<i64>,
    pub act_id: Option<i64>,
    pub person_id: Option<i64>,
    pub connection: Option<String>,
    pub source_type: Option<String>,
    pub reliability: Option<String>,
    pub info_date: String,
    pub language: Option<String>,
    pub remarks: String,
}

pub async fn add_information(tx: &mut WriteTx, vocab: &Vocab, i: &InformationInput) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    if i.event_id.is_none() && i.person_id.is_none() && i.act_id.is_none() {
        return Err(StoreError::invalid(
            "event_id",
            "information is about an event, an act or a person",
        ));
    }
    let connection = vocab.check_opt("connection", &i.connection)?;
    let stype = vocab.check_opt("source_type", &i.source_type)?;
    let rel = vocab.check_opt("reliability", &i.reliability)?;
    let lang = vocab.check_opt("language", &i.language)?;
    let d = date("info_date", &i.info_date)?;
    if !exists(tx, PERSON, i.source_id).await? {
        return Err(StoreError::invalid(
            "source_id",
            format!("no person {}", i.source_id),
        ));
    }
    let mut event_id = i.event_id;
    if let Some(a) = i.act_id {
        let ev: Option<i64> = sqlx::query("SELECT event_id FROM vio_acts WHERE id = $1")
            .bind(a)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get(0));
        match ev {
            None => return Err(StoreError::invalid("act_id", format!("no act {a}"))),
            Some(e) if event_id.is_some_and(|x| x != e) => {
                return Err(StoreError::invalid(
                    "act_id",
                    "the act belongs to another event",
                ))
            }
            Some(e) => event_id = Some(e),
        }
    }
    if let Some(e) = event_id {
        if !exists(tx, EVENT, e).await? {
            return Err(StoreError::invalid("event_id", format!("no event {e}")));
        }
    }
    if let Some(p) = i.person_id {
        if !exists(tx, PERSON, p).await? {
            return Err(StoreError::invalid("person_id", format!("no person {p}")));
        }
    }
    let store = tx.store().clone();
    let id = tx.next_id("vio_information").await?;
    sqlx::query(
        "INSERT INTO vio_information (source_id, event_id, act_id, person_id, connection, source_type, reliability, info_date, \
         language, remarks, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
    )
    .bind(i.source_id)
    .bind(event_id)
    .bind(i.act_id)
    .bind(i.person_id)
    .bind(connection)
    .bind(stype)
    .bind(rel)
    .bind(enc_keep(&store, "vio_information.info_date", id, &d.to_string()))
    .bind(lang)
    .bind(enc(&store, "vio_information.remarks", id, &i.remarks))
    .bind(tx.actor().user_id)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "information.create",
        if event_id.is_some() { EVENT } else { PERSON },
        &event_id.or(i.person_id).unwrap_or_default().to_string(),
        None,
        Some(&serde_json::to_value(i).unwrap_or_default()),
        serde_json::json!({ "information_id": id }),
    );
    Ok(id)
}

/// Information on an event (and its acts), or about a person.
pub async fn information_of(
    store: &Store,
    actor: &Actor,
    event_id: Option<i64>,
    person_id: Option<i64>,
) -> Result<Vec<Information>> {
    let cond = if event_id.is_some() {
        "event_id = $1 AND $2 = $2"
    } else {
        "person_id = $2 AND $1 = $1"
    };
    let rows = sqlx::query(&format!(
        "SELECT id, source_id, event_id, act_id, person_id, connection, source_type, reliability, info_date, language, remarks \
         FROM vio_information WHERE {} ORDER BY id",
        cond
    ))
    .bind(event_id.unwrap_or(0))
    .bind(person_id.unwrap_or(0))
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in rows {
        let sid: i64 = r.get(1);
        let id: i64 = r.get(0);
        out.push(Information {
            id,
            source_id: sid,
            source: display_name(store, actor, sid).await?,
            event_id: r.get(2),
            act_id: r.get(3),
            person_id: r.get(4),
            connection: r.get(5),
            source_type: r.get(6),
            reliability: r.get(7),
            info_date: dec(store, "vio_information.info_date", id, r.get(8))?,
            language: r.get(9),
            remarks: dec(store, "vio_information.remarks", id, r.get(10))?,
        });
    }
    Ok(out)
}

// ----------------------------------------------------------------- links --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    pub id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub link_type: String,
}

/// Chain of events: `from` relates to `to` as `link_type` (micro-thesaurus 22).
pub async fn link_events(
    tx: &mut WriteTx,
    vocab: &Vocab,
    from: i64,
    to: i64,
    link_type: &str,
) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    let t = vocab
        .check("event_link", link_type)?
        .ok_or_else(|| StoreError::invalid("link_type", "choose a type of chain of events"))?;
    if from == to {
        return Err(StoreError::invalid(
            "to_event",
            "an event cannot be chained to itself",
        ));
    }
    for e in [from, to] {
        if !exists(tx, EVENT, e).await? {
            return Err(StoreError::invalid("to_event", format!("no event {e}")));
        }
    }
    let id: i64 = sqlx::query("INSERT INTO vio_event_links (from_event, to_event, link_type, created_at) VALUES ($1,$2,$3,$4) RETURNING id")
        .bind(from)
        .bind(to)
        .bind(&t)
        .bind(now())
        .fetch_one(tx.conn())
        .await?
        .get(0);
    tx.audit(
        "event.link",
        EVENT,
        &from.to_string(),
        None,
        None,
        serde_json::json!({ "to": to, "type": t }),
    );
    Ok(id)
}

/// Relationship between persons (micro-thesaurus 21).
pub async fn link_persons(
    tx: &mut WriteTx,
    vocab: &Vocab,
    a: i64,
    b: i64,
    link_type: &str,
    start: &str,
    end: &str,
) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    let t = vocab
        .check("person_link", link_type)?
        .ok_or_else(|| StoreError::invalid("link_type", "choose a type of relationship"))?;
    if a == b {
        return Err(StoreError::invalid(
            "person_b",
            "a person cannot be related to themselves",
        ));
    }
    let (sd, _, ed, _) = date_range("start_date", start, "end_date", end)?;
    for p in [a, b] {
        if !exists(tx, PERSON, p).await? {
            return Err(StoreError::invalid("person_b", format!("no person {p}")));
        }
    }
    let store = tx.store().clone();
    let id = tx.next_id("vio_person_links").await?;
    sqlx::query(
        "INSERT INTO vio_person_links (person_a, person_b, link_type, start_date, end_date, created_at, id) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(a)
    .bind(b)
    .bind(&t)
    .bind(enc_keep(&store, "vio_person_links.start_date", id, &sd))
    .bind(enc_keep(&store, "vio_person_links.end_date", id, &ed))
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "person.link",
        PERSON,
        &a.to_string(),
        None,
        None,
        serde_json::json!({ "to": b, "type": t }),
    );
    Ok(id)
}

/// Chain-of-events links touching an event whose other end the actor may see.
pub async fn event_links(store: &Store, actor: &Actor, id: i64) -> Result<Vec<Link>> {
    Ok(sqlx::query(&format!(
        "SELECT l.id, l.from_event, l.to_event, l.link_type FROM vio_event_links l \
         JOIN vio_events e ON e.id = CASE WHEN l.from_event = $1 THEN l.to_event ELSE l.from_event END \
         WHERE (l.from_event = $1 OR l.to_event = $1) AND {} ORDER BY l.id",
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Link { id: r.get(0), from_id: r.get(1), to_id: r.get(2), link_type: r.get(3) })
    .collect())
}

pub async fn person_links(store: &Store, actor: &Actor, id: i64) -> Result<Vec<Link>> {
    Ok(sqlx::query(&format!(
        "SELECT l.id, l.person_a, l.person_b, l.link_type FROM vio_person_links l \
         JOIN vio_persons p ON p.id = CASE WHEN l.person_a = $1 THEN l.person_b ELSE l.person_a END \
         WHERE (l.person_a = $1 OR l.person_b = $1) AND {} ORDER BY l.id",
        acl::visible_sql(actor, "p", dignity_core::RecordType::Person)
    ))
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Link { id: r.get(0), from_id: r.get(1), to_id: r.get(2), link_type: r.get(3) })
    .collect())
}

// ----------------------------------------------------------------- lenses --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LensCount {
    pub lens: String,
    pub events: i64,
    pub acts: i64,
    /// Events in the priority countries.
    pub priority_events: i64,
}

/// Counters of every lens, over what the actor may see.
pub async fn lens_counts(store: &Store, actor: &Actor) -> Result<Vec<LensCount>> {
    lens_counts_with(store, actor, true).await
}

/// Lens counters computed since the last change, per visibility: the key is the audit
/// head (its HMAC-chained hash changes with every audited write or logged read, in any
/// process, and differs between databases), then the SQL visibility filter of the reader
/// (which holds everything a count depends on: user, role, teams) and whether acts are
/// counted. Only counters for the current head are kept.
struct LensCache {
    head: String,
    entries: HashMap<(String, bool), Vec<LensCount>>,
}

fn lens_cache() -> &'static Mutex<LensCache> {
    static CACHE: OnceLock<Mutex<LensCache>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(LensCache {
            head: String::new(),
            entries: HashMap::new(),
        })
    })
}

/// The audit head (hash of the last audit entry): changes with every audited change.
async fn audit_head(store: &Store) -> Result<String> {
    let r = sqlx::query("SELECT hash FROM audit_head WHERE id = 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(r.map(|r| r.get::<String, _>(0)).unwrap_or_default())
}

/// Lens counters; without `acts`, only events are counted (one pass over the lens tags,
/// for pages that must stay fast on large data) and `acts` reads 0.
///
/// The counters are cached until the next audited change (see [`LensCache`]): counting
/// every event a reader may see takes hundreds of milliseconds at a million acts, and the
/// list page shows them on every request. A change in any process moves the audit head,
/// so a cached counter is never older than the data it counts.
pub async fn lens_counts_with(store: &Store, actor: &Actor, acts: bool) -> Result<Vec<LensCount>> {
    let head = audit_head(store).await?;
    let key = (
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event),
        acts,
    );
    if !head.is_empty() {
        let c = lens_cache().lock().unwrap_or_else(|e| e.into_inner());
        if c.head == head {
            if let Some(v) = c.entries.get(&key) {
                return Ok(v.clone());
            }
        }
    }
    let counts = count_lenses(store, actor, acts).await?;
    if !head.is_empty() {
        let mut c = lens_cache().lock().unwrap_or_else(|e| e.into_inner());
        if c.head != head || c.entries.len() >= 10_000 {
            c.head = head;
            c.entries.clear();
        }
        c.entries.insert(key, counts.clone());
    }
    Ok(counts)
}

async fn count_lenses(store: &Store, actor: &Actor, acts: bool) -> Result<Vec<LensCount>> {
    let pc = priority_countries(store).await?;
    let pc_sql = if pc.is_empty() {
        "1 = 0".to_string()
    } else {
        // Codes were validated as three ASCII letters when the setting was saved.
        format!(
            "e.country IN ({})",
            pc.iter()
                .filter(|c| c.chars().all(|x| x.is_ascii_uppercase()))
                .map(|c| format!("'{c}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    // One grouped query for all lenses (lenses without events count zero).
    let rows = sqlx::query(&format!(
        "SELECT l.lens, COUNT(*), CAST(COALESCE(SUM(CASE WHEN {pc_sql} THEN 1 ELSE 0 END), 0) AS BIGINT), \
         {} FROM vio_events e JOIN vio_event_lenses l ON l.event_id = e.id WHERE {} GROUP BY l.lens",
        if acts {
            format!(
                "CAST(COALESCE(SUM((SELECT COUNT(*) FROM vio_acts ac WHERE ac.event_id = e.id AND {})), 0) AS BIGINT)",
                act_visible_sql(actor, "ac")
            )
        } else {
            "0".to_string()
        },
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .fetch_all(store.pool())
    .await?;
    Ok(LENSES
        .iter()
        .map(|lens| {
            let r = rows.iter().find(|r| r.get::<String, _>(0) == *lens);
            LensCount {
                lens: lens.to_string(),
                events: r.map(|r| r.get(1)).unwrap_or(0),
                priority_events: r.map(|r| r.get(2)).unwrap_or(0),
                acts: r.map(|r| r.get(3)).unwrap_or(0),
            }
        })
        .collect())
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DeathPenaltyInput {
    pub event_id: i64,
    pub person_id: i64,
    /// charged, sentenced, appeal_pending, executed, commuted, pardoned, acquitted.
    pub status: String,
    pub charge: String,
    pub sentence_date: String,
    pub execution_date: String,
    pub commutation_date: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeathPenaltyCase {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub person_id: i64,
    pub person: String,
    pub status: String,
    pub charge: String,
    pub sentence_date: String,
    pub execution_date: String,
    pub commutation_date: String,
}

/// Record (or update, per event and person) a death penalty case; puts the event under
/// the death penalty lens.
pub async fn set_death_penalty(tx: &mut WriteTx, d: &DeathPenaltyInput) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    if !DEATH_PENALTY_STATUSES.contains(&d.status.trim()) {
        return Err(StoreError::invalid(
            "status",
            format!("expected one of {}", DEATH_PENALTY_STATUSES.join(", ")),
        ));
    }
    let sd = date("sentence_date", &d.sentence_date)?;
    let ed = date("execution_date", &d.execution_date)?;
    let cd = date("commutation_date", &d.commutation_date)?;
    if let (Some(a), Some(b)) = (sd.earliest(), ed.latest()) {
        if b < a {
            return Err(StoreError::invalid(
                "execution_date",
                "the execution date is before the sentence",
            ));
        }
    }
    if !exists(tx, EVENT, d.event_id).await? {
        return Err(StoreError::invalid(
            "event_id",
            format!("no event {}", d.event_id),
        ));
    }
    if !exists(tx, PERSON, d.person_id).await? {
        return Err(StoreError::invalid(
            "person_id",
            format!("no person {}", d.person_id),
        ));
    }
    let existing: Option<i64> =
        sqlx::query("SELECT id FROM vio_death_penalty WHERE event_id = $1 AND person_id = $2")
            .bind(d.event_id)
            .bind(d.person_id)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get(0));
    let at = now();
    let store = tx.store().clone();
    let (id, insert) = match existing {
        Some(id) => (id, false),
        None => (tx.next_id("vio_death_penalty").await?, true),
    };
    let e = |c: &str, v: &str| enc_keep(&store, &format!("vio_death_penalty.{c}"), id, v);
    let sql = if insert {
        "INSERT INTO vio_death_penalty (status, charge, sentence_date, execution_date, commutation_date, updated_at, id, event_id, person_id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"
    } else {
        "UPDATE vio_death_penalty SET status = $1, charge = $2, sentence_date = $3, execution_date = $4, \
         commutation_date = $5, updated_at = $6 WHERE id = $7 AND event_id = $8 AND person_id = $9"
    };
    sqlx::query(sql)
        .bind(d.status.trim())
        .bind(e("charge", &d.charge))
        .bind(e("sentence_date", &sd.to_string()))
        .bind(e("execution_date", &ed.to_string()))
        .bind(e("commutation_date", &cd.to_string()))
        .bind(&at)
        .bind(id)
        .bind(d.event_id)
        .bind(d.person_id)
        .execute(tx.conn())
        .await?;
    add_lens(tx, d.event_id, "death_penalty").await?;
    tx.audit(
        "death_penalty.set",
        EVENT,
        &d.event_id.to_string(),
        None,
        Some(&serde_json::to_value(d).unwrap_or_default()),
        serde_json::json!({ "case_id": id, "status": d.status.trim() }),
    );
    Ok(id)
}

/// Death penalty cases on events the actor may see, and counts per status.
pub async fn death_penalty_cases(
    store: &Store,
    actor: &Actor,
) -> Result<(Vec<DeathPenaltyCase>, Vec<(String, i64)>)> {
    let rows = sqlx::query(&format!(
        "SELECT d.id, d.event_id, e.title, d.person_id, d.status, d.charge, d.sentence_date, d.execution_date, d.commutation_date \
         FROM vio_death_penalty d JOIN vio_events e ON e.id = d.event_id WHERE {} ORDER BY d.id DESC LIMIT 500",
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .fetch_all(store.pool())
    .await?;
    let mut cases = vec![];
    for r in rows {
        let (id, event_id, pid): (i64, i64, i64) = (r.get(0), r.get(1), r.get(3));
        let f = |c: &str, i: usize| dec(store, &format!("vio_death_penalty.{c}"), id, r.get(i));
        cases.push(DeathPenaltyCase {
            id,
            event_id,
            event_title: dec(store, "vio_events.title", event_id, r.get(2))?,
            person_id: pid,
            person: display_name(store, actor, pid).await?,
            status: r.get(4),
            charge: f("charge", 5)?,
            sentence_date: f("sentence_date", 6)?,
            execution_date: f("execution_date", 7)?,
            commutation_date: f("commutation_date", 8)?,
        });
    }
    // The dates are encrypted: the latest sentence first, in Rust.
    cases.sort_by(|a, b| {
        exact_sort_key(&b.sentence_date)
            .cmp(&exact_sort_key(&a.sentence_date))
            .then_with(|| b.id.cmp(&a.id))
    });
    let counts = sqlx::query(&format!(
        "SELECT d.status, COUNT(*) FROM vio_death_penalty d JOIN vio_events e ON e.id = d.event_id WHERE {} GROUP BY d.status ORDER BY d.status",
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    Ok((cases, counts))
}

// ----------------------------------------------------------------- drafts --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draft {
    pub id: i64,
    pub kind: String,
    /// The saved form fields.
    pub payload: serde_json::Value,
    pub updated_at: String,
}

/// Save (or replace) a draft of a form: kept apart from the records and encrypted, so an
/// unfinished entry is neither lost nor half-written into the data.
pub async fn save_draft(
    tx: &mut WriteTx,
    id: Option<i64>,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<i64> {
    let uid = tx
        .actor()
        .user_id
        .ok_or_else(|| StoreError::invalid("user", "drafts belong to a signed-in user"))?;
    let at = now();
    let id = match id {
        Some(id) => {
            let ct = tx
                .store()
                .keys()
                .encrypt("vio_drafts.payload", id, &payload.to_string());
            let n = sqlx::query("UPDATE vio_drafts SET payload = $1, updated_at = $2, kind = $3 WHERE id = $4 AND user_id = $5")
                .bind(&ct)
                .bind(&at)
                .bind(kind)
                .bind(id)
                .bind(uid)
                .execute(tx.conn())
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound(format!("draft {id}")));
            }
            id
        }
        None => {
            let id = tx.next_id("vio_drafts").await?;
            let ct = tx
                .store()
                .keys()
                .encrypt("vio_drafts.payload", id, &payload.to_string());
            sqlx::query("INSERT INTO vio_drafts (user_id, kind, payload, updated_at, id) VALUES ($1,$2,$3,$4,$5)")
                .bind(uid)
                .bind(kind)
                .bind(&ct)
                .bind(&at)
                .bind(id)
                .execute(tx.conn())
                .await?;
            id
        }
    };
    tx.audit(
        "draft.save",
        "vio_drafts",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "kind": kind }),
    );
    Ok(id)
}

pub async fn drafts(store: &Store, actor: &Actor) -> Result<Vec<Draft>> {
    let rows = sqlx::query("SELECT id, kind, payload, updated_at FROM vio_drafts WHERE user_id = $1 ORDER BY updated_at DESC")
        .bind(actor.user_id.unwrap_or(-1))
        .fetch_all(store.pool())
        .await?;
    let mut out = vec![];
    for r in rows {
        let p = store.decrypt(
            "vio_drafts.payload",
            r.get::<i64, _>(0),
            &r.get::<String, _>(2),
        )?;
        out.push(Draft {
            id: r.get(0),
            kind: r.get(1),
            payload: serde_json::from_str(&p).unwrap_or_default(),
            updated_at: r.get(3),
        });
    }
    Ok(out)
}

pub async fn delete_draft(tx: &mut WriteTx, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM vio_drafts WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(tx.actor().user_id.unwrap_or(-1))
        .execute(tx.conn())
        .await?;
    tx.audit(
        "draft.delete",
        "vio_drafts",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(())
}
