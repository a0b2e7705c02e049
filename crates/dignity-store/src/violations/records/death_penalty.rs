//! Death penalty cases.

use super::*;
use crate::now;
use dignity_core::violations::death_penalty::{DeathPenaltyStatus, SentenceDates};
use dignity_core::violations::Missing;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

with_fields! {
    {
        /// charged, sentenced, appeal_pending, executed, commuted, pardoned, acquitted.
        pub status: String,
        pub charge: String,
        pub sentence_date: String,
        pub execution_date: String,
        pub commutation_date: String,
    }

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct DeathPenaltyInput {
        pub event_id: i64,
        pub person_id: i64,
        ..,
    }

    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct DeathPenaltyCase {
        pub id: i64,
        pub event_id: i64,
        pub event_title: String,
        pub person_id: i64,
        pub person: String,
        ..,
    }

    /// A death penalty case in a whole case ([`super::case::Case`]): the person by their
    /// case-local reference.
    #[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
    pub struct CaseDeathPenalty {
        pub person: String,
        ..,
    }
}

/// Record (or update, per event and person) a death penalty case; puts the event under
/// the death penalty lens.
pub async fn set_death_penalty(tx: &mut WriteTx, d: &DeathPenaltyInput) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    let status = DeathPenaltyStatus::parse(&d.status)?;
    let dates = SentenceDates::parse(&d.sentence_date, &d.execution_date, &d.commutation_date)?;
    let (sd, ed, cd) = (dates.sentence, dates.execution, dates.commutation);
    if !exists(tx, EVENT, d.event_id).await? {
        return Err(Missing::Event.invalid("event_id", d.event_id).into());
    }
    if !exists(tx, PERSON, d.person_id).await? {
        return Err(Missing::Person.invalid("person_id", d.person_id).into());
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
        .bind(status.as_str())
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
