//! Information (a source on an event, act or person), chains of events and relationships between persons.

use super::*;
use crate::now;
use crate::shared::BindCreated;
use dignity_core::violations::{About, EventLink, Missing, PersonLink};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ------------------------------------------------------------ information --

with_fields! {
    {
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

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct InformationInput {
        ..,
    }

    /// Information as stored (remarks decrypted), without the source's name.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct InformationRecord {
        pub id: i64,
        ..,
    }

    /// What to enter to record the same information again.
    pub fn information_input(i: &InformationRecord) -> InformationInput {
        ..,
    }
}

/// Information with the name of its source, as the reader may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Information {
    #[serde(flatten)]
    pub record: InformationRecord,
    /// Name or pseudonym.
    pub source: String,
}

/// The columns [`information_from`] reads.
pub(crate) const INFORMATION_COLS: &str =
    "id, source_id, event_id, act_id, person_id, connection, source_type, \
    reliability, info_date, language, remarks";

/// Information from a row of [`INFORMATION_COLS`].
pub(crate) fn information_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<InformationRecord> {
    let id: i64 = r.get(0);
    Ok(InformationRecord {
        id,
        source_id: r.get(1),
        event_id: r.get(2),
        act_id: r.get(3),
        person_id: r.get(4),
        connection: r.get(5),
        source_type: r.get(6),
        reliability: r.get(7),
        info_date: dec(store, "vio_information.info_date", id, r.get(8))?,
        language: r.get(9),
        remarks: dec(store, "vio_information.remarks", id, r.get(10))?,
    })
}

pub async fn add_information(tx: &mut WriteTx, vocab: &Vocab, i: &InformationInput) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    let about = About::parse(i.event_id, i.act_id, i.person_id)?;
    let connection = vocab.check_opt("connection", &i.connection)?;
    let stype = vocab.check_opt("source_type", &i.source_type)?;
    let rel = vocab.check_opt("reliability", &i.reliability)?;
    let lang = vocab.check_opt("language", &i.language)?;
    let d = date("info_date", &i.info_date)?;
    if !exists(tx, PERSON, i.source_id).await? {
        return Err(Missing::Person.invalid("source_id", i.source_id).into());
    }
    let mut act_event = None;
    if let Some(a) = i.act_id {
        act_event = sqlx::query("SELECT event_id FROM vio_acts WHERE id = $1")
            .bind(a)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get::<i64, _>(0));
        if act_event.is_none() {
            return Err(Missing::Act.invalid("act_id", a).into());
        }
    }
    let event_id = about.event(act_event)?;
    if let Some(e) = event_id {
        if !exists(tx, EVENT, e).await? {
            return Err(Missing::Event.invalid("event_id", e).into());
        }
    }
    if let Some(p) = i.person_id {
        if !exists(tx, PERSON, p).await? {
            return Err(Missing::Person.invalid("person_id", p).into());
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
    .bind_created(tx)
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
        "SELECT {INFORMATION_COLS} FROM vio_information WHERE {cond} ORDER BY id"
    ))
    .bind(event_id.unwrap_or(0))
    .bind(person_id.unwrap_or(0))
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in rows {
        let record = information_from(store, &r)?;
        out.push(Information {
            source: display_name(store, actor, record.source_id).await?,
            record,
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
    let link = EventLink::parse(from, to, vocab.check("event_link", link_type)?)?;
    for e in [from, to] {
        if !exists(tx, EVENT, e).await? {
            return Err(Missing::Event.invalid("to_event", e).into());
        }
    }
    let t = link.link_type;
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
    let link = PersonLink::parse(a, b, vocab.check("person_link", link_type)?, start, end)?;
    for p in [a, b] {
        if !exists(tx, PERSON, p).await? {
            return Err(Missing::Person.invalid("person_b", p).into());
        }
    }
    let (t, sd, ed) = (
        link.link_type,
        link.period.start.to_string(),
        link.period.end.to_string(),
    );
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

/// The links that `sql` selects (id, one end, the other end, type) for record `id` (`$1`).
async fn links(store: &Store, sql: &str, id: i64) -> Result<Vec<Link>> {
    Ok(sqlx::query(sql)
        .bind(id)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| Link {
            id: r.get(0),
            from_id: r.get(1),
            to_id: r.get(2),
            link_type: r.get(3),
        })
        .collect())
}

/// Chain-of-events links touching an event whose other end the actor may see.
pub async fn event_links(store: &Store, actor: &Actor, id: i64) -> Result<Vec<Link>> {
    let sql = format!(
        "SELECT l.id, l.from_event, l.to_event, l.link_type FROM vio_event_links l \
         JOIN vio_events e ON e.id = CASE WHEN l.from_event = $1 THEN l.to_event ELSE l.from_event END \
         WHERE (l.from_event = $1 OR l.to_event = $1) AND {} ORDER BY l.id",
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    );
    links(store, &sql, id).await
}

pub async fn person_links(store: &Store, actor: &Actor, id: i64) -> Result<Vec<Link>> {
    let sql = format!(
        "SELECT l.id, l.person_a, l.person_b, l.link_type FROM vio_person_links l \
         JOIN vio_persons p ON p.id = CASE WHEN l.person_a = $1 THEN l.person_b ELSE l.person_a END \
         WHERE (l.person_a = $1 OR l.person_b = $1) AND {} ORDER BY l.id",
        acl::visible_sql(actor, "p", dignity_core::RecordType::Person)
    );
    links(store, &sql, id).await
}
