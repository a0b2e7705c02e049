//! Events: input, validation, create and update, read, list and filters.

use super::*;
use crate::now;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use utoipa::ToSchema;

// ---------------------------------------------------------------- events --

where_when!(with_fields! {
    {
        pub title: String,
        pub description: String,
        ..,
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
    }

    /// What a user enters for an event.
    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct EventInput {
        ..,
        /// public, internal, confidential, strictly_confidential (default internal): the
        /// raw text, which validation parses into a [`Confidentiality`].
        pub confidentiality: String,
        pub need_to_know_users: Vec<i64>,
        pub need_to_know_teams: Vec<i64>,
    }

    /// An event as stored (encrypted fields decrypted).
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct Event {
        pub id: i64,
        ..,
        #[schema(value_type = String)]
        pub confidentiality: Confidentiality,
        pub published: bool,
        pub created_by: Option<i64>,
        pub created_at: String,
        pub updated_at: String,
    }

    /// What to enter to record the same event again (a whole case's export): its
    /// need-to-know list is not carried.
    pub fn event_input(e: &Event) -> EventInput {
        ..,
        confidentiality: e.confidentiality.to_string(),
        need_to_know_users: vec![],
        need_to_know_teams: vec![],
    }
});

pub(crate) struct ValidEvent {
    pub title: String,
    pub at: ValidWhereWhen,
    pub vstatus: Option<String>,
    pub mstatus: Option<String>,
    pub rights: Vec<String>,
    pub terms: Vec<String>,
    pub lenses: Vec<String>,
    pub level: Confidentiality,
}

pub(crate) fn validate_event(v: &Vocab, e: &EventInput) -> Result<ValidEvent> {
    let title = dignity_core::violations::title(&e.title)?;
    let lenses = dignity_core::violations::Lenses::parse(&e.lenses)?.codes();
    Ok(ValidEvent {
        title,
        at: ValidWhereWhen::parse(
            v,
            (&e.start_date, &e.end_date),
            &e.country,
            &e.admin_area,
            &e.place,
            &e.coordinates,
        )?,
        vstatus: v.check_opt("violation_status", &e.violation_status)?,
        mstatus: v.check_opt("monitoring_status", &e.monitoring_status)?,
        rights: v.check_all("rights_affected", &e.rights_affected)?,
        terms: v.check_all("index_terms", &e.index_terms)?,
        lenses,
        level: level(&e.confidentiality, Confidentiality::Internal)?,
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

/// Bind an event's values from its title to its confidentiality, in the order of the
/// columns of `vio_events` (the insert and the update list them so), as the next values of
/// `q`; the sensitive ones encrypted for row `id`.
fn bind_event<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    store: &Store,
    id: i64,
    v: &'q ValidEvent,
    e: &'q EventInput,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let q = q
        .bind(enc_keep(store, "vio_events.title", id, &v.title))
        .bind(enc(store, "vio_events.description", id, &e.description));
    let q = v.at.bind(q, store, "vio_events", id);
    q.bind(&v.vstatus).bind(&v.mstatus).bind(v.level.as_str())
}

pub(crate) async fn insert_event(tx: &mut WriteTx, v: &ValidEvent, e: &EventInput) -> Result<i64> {
    let store = tx.store().clone();
    let at = now();
    let id = tx.next_id("vio_events").await?;
    bind_event(
        sqlx::query(
            "INSERT INTO vio_events (title, description, start_date, start_sort, end_date, end_sort, country, admin_area, \
             place, coordinates, violation_status, monitoring_status, confidentiality, published, created_by, created_at, updated_at, id, title_words) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,0,$14,$15,$15,$16,$17)",
        ),
        &store,
        id,
        v,
        e,
    )
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .bind(title_words(&store, &v.title))
    .execute(tx.conn())
    .await?;
    add_terms(tx, (EVENT, id, "rights_affected"), &v.rights).await?;
    add_terms(tx, (EVENT, id, "index_terms"), &v.terms).await?;
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
    let (users, teams) = (&e.need_to_know_users, &e.need_to_know_teams);
    check_access_change(tx, EVENT, id, v.level, users, teams).await?;
    bind_event(
        sqlx::query(
            "UPDATE vio_events SET title = $1, description = $2, start_date = $3, start_sort = $4, end_date = $5, end_sort = $6, \
             country = $7, admin_area = $8, place = $9, coordinates = $10, violation_status = $11, monitoring_status = $12, \
             confidentiality = $13, updated_at = $14, title_words = $15 WHERE id = $16",
        ),
        &store,
        id,
        &v,
        e,
    )
    .bind(now())
    .bind(title_words(&store, &v.title))
    .bind(id)
    .execute(tx.conn())
    .await?;
    set_terms(tx, (EVENT, id, "rights_affected"), &v.rights).await?;
    set_terms(tx, (EVENT, id, "index_terms"), &v.terms).await?;
    sqlx::query("DELETE FROM vio_event_lenses WHERE event_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for l in &v.lenses {
        add_lens(tx, id, l).await?;
    }
    set_list(tx, EVENT, id, v.level, users, teams).await?;
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

pub(super) const EVENT_COLS: &str = "id, title, description, start_date, end_date, country, admin_area, place, coordinates, \
    violation_status, monitoring_status, confidentiality, published, created_by, created_at, updated_at";

pub(super) async fn event_from(store: &Store, r: &AnyRow) -> Result<Event> {
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
        confidentiality: stored_level(r, 11),
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
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
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
pub(super) async fn event_where(
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
    let columns = format!(
        "e.id, e.title, e.start_date, e.end_date, e.country, e.admin_area, e.violation_status, e.confidentiality, \
         (SELECT COUNT(*) FROM vio_acts ac WHERE ac.event_id = e.id AND {}), e.start_sort",
        act_visible_sql(actor, "ac")
    );
    let (total, page) = page_of(
        store,
        &columns,
        &format!("vio_events e WHERE {w}"),
        "e.start_sort DESC, e.id DESC",
        &args,
        (limit, offset),
    )
    .await?;
    let mut rows = Vec::new();
    for r in &page {
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
                confidentiality: stored_level(r, 7),
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
