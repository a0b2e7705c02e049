//! Editing recorded acts, involvements and information, and optimistic concurrency for
//! every edit form: a form carries the *version* of the record it was opened on (a hash of
//! the record as stored), and a save is refused when the record has changed since, instead
//! of silently overwriting someone else's change. Events and persons are updated with
//! [`update_event`] / [`update_person`] after [`check_version`].
//!
//! The check runs inside the write transaction: a [`WriteTx`] claims the audit head first,
//! so writers are serialised and the record read here is the one the update replaces.

use super::*;
use crate::now;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use dignity_core::violations::stale::VERSION_FIELD;
use dignity_core::violations::{act_within, stale, Missing};

/// The version of a record: the first 128 bits of the SHA-256 of its JSON, in hex.
pub fn version_of<T: Serialize>(record: &T) -> String {
    let json = serde_json::to_vec(record).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..16])
}

/// The current version of a record of `table` (`vio_events`, `vio_acts`, `vio_persons`,
/// `vio_involvements`, `vio_information`), or `None` when there is no such record.
pub async fn current_version(store: &Store, table: &str, id: i64) -> Result<Option<String>> {
    Ok(match table {
        EVENT => get_event(store, id).await?.map(|r| version_of(&r)),
        ACT => get_act(store, id).await?.map(|r| version_of(&r)),
        PERSON => get_person(store, id).await?.map(|r| version_of(&r)),
        INVOLVEMENT => get_involvement(store, id).await?.map(|r| version_of(&r)),
        INFORMATION => get_information(store, id).await?.map(|r| version_of(&r)),
        _ => None,
    })
}

/// Refuse a save made on a stale form. `expected` is the version the form was opened on;
/// an empty one (an API client that does not send it) skips the check.
pub async fn check_version(tx: &mut WriteTx, table: &str, id: i64, expected: &str) -> Result<()> {
    let store = tx.store().clone();
    let Some(cur) = current_version(&store, table, id).await? else {
        return Err(StoreError::NotFound(format!("{table} {id}")));
    };
    Ok(stale::check_version(expected, &cur)?)
}

// ------------------------------------------------------------------- acts --

/// Update an act (audited with before/after). The act keeps its event; its victim, type,
/// dates, location, details and confidentiality change. Perpetrators are edited one by one
/// ([`update_involvement`], [`add_involvement`]). Access is checked by the caller.
pub async fn update_act(tx: &mut WriteTx, vocab: &Vocab, id: i64, a: &ActInput) -> Result<()> {
    let store = tx.store().clone();
    let before = get_act(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("act {id}")))?;
    let mut a = a.clone();
    a.event_id = before.event_id;
    a.perpetrators.clear();
    let v = validate_act(vocab, &a)?;
    let victim = a.victim_id.unwrap_or_default();
    if !exists_in(tx, PERSON, victim).await? {
        return Err(Missing::Person.invalid("victim_id", victim).into());
    }
    let lvl = v.level.unwrap_or(before.confidentiality);
    check_access_change(
        tx,
        ACT,
        id,
        lvl,
        &a.need_to_know_users,
        &a.need_to_know_teams,
    )
    .await?;
    let update = sqlx::query(
        "UPDATE vio_acts SET victim_id = $1, act_type = $2, start_date = $3, start_sort = $4, end_date = $5, end_sort = $6, \
         country = $7, admin_area = $8, place = $9, coordinates = $10, attribution = $11, consequences = $12, \
         victim_status = $13, detention_type = $14, whereabouts = $15, legal_counsel = $16, court_type = $17, \
         case_description = $18, autopsy = $19, death_certificate = $20, statements_signed = $21, medical_attention = $22, \
         intent = $23, property_destroyed = $24, property_value = $25, compensation = $26, confidentiality = $27, \
         updated_at = $28 WHERE id = $29",
    )
    .bind(victim);
    bind_act(update, &store, id, &v, &a, lvl)
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    set_terms(tx, (ACT, id, "methods"), &v.methods).await?;
    // As on creation: a lens implied by the new type goes on the event only when the act
    // has no need-to-know list.
    set_act_list_and_lens(tx, id, before.event_id, &v.act_type, lvl, &a).await?;
    tx.audit(
        "act.update",
        ACT,
        &id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(&a).unwrap_or_default()),
        serde_json::json!({ "event_id": before.event_id, "confidentiality": lvl.as_str() }),
    );
    Ok(())
}

/// Exists and readable by the writer (see `records::exists`): the same answer either way.
async fn exists_in(tx: &mut WriteTx, table: &str, id: i64) -> Result<bool> {
    super::records::exists(tx, table, id).await
}

// ------------------------------------------------------------ involvements --

/// Record type of an involvement (its audit entries name the act).
pub const INVOLVEMENT: &str = "vio_involvements";
/// Record type of information (its audit entries name the event or person).
pub const INFORMATION: &str = "vio_information";

/// An involvement as stored, without the perpetrator's name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvolvementRecord {
    pub id: i64,
    pub act_id: i64,
    pub perpetrator_id: i64,
    pub degree: Option<String>,
    pub perpetrator_type: Option<String>,
    pub latest_status: Option<String>,
}

pub async fn get_involvement(store: &Store, id: i64) -> Result<Option<InvolvementRecord>> {
    Ok(sqlx::query(
        "SELECT id, act_id, perpetrator_id, degree, perpetrator_type, latest_status FROM vio_involvements WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| InvolvementRecord {
        id: r.get(0),
        act_id: r.get(1),
        perpetrator_id: r.get(2),
        degree: r.get(3),
        perpetrator_type: r.get(4),
        latest_status: r.get(5),
    }))
}

/// Update an involvement (audited on its act). Access to the act is checked by the caller.
pub async fn update_involvement(
    tx: &mut WriteTx,
    vocab: &Vocab,
    id: i64,
    i: &InvolvementInput,
) -> Result<()> {
    let store = tx.store().clone();
    let before = get_involvement(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("involvement {id}")))?;
    let degree = vocab.check_opt("degree", &i.degree)?;
    let ptype = vocab.check_opt("perpetrator_type", &i.perpetrator_type)?;
    let status = vocab.check_opt("latest_status", &i.latest_status)?;
    if !exists_in(tx, PERSON, i.perpetrator_id).await? {
        return Err(Missing::Person
            .invalid("perpetrator_id", i.perpetrator_id)
            .into());
    }
    sqlx::query(
        "UPDATE vio_involvements SET perpetrator_id = $1, degree = $2, perpetrator_type = $3, latest_status = $4 WHERE id = $5",
    )
    .bind(i.perpetrator_id)
    .bind(&degree)
    .bind(&ptype)
    .bind(&status)
    .bind(id)
    .execute(tx.conn())
    .await?;
    let after = InvolvementRecord {
        id,
        act_id: before.act_id,
        perpetrator_id: i.perpetrator_id,
        degree,
        perpetrator_type: ptype,
        latest_status: status,
    };
    tx.audit(
        "involvement.update",
        ACT,
        &before.act_id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(&after).unwrap_or_default()),
        serde_json::json!({ "involvement_id": id }),
    );
    Ok(())
}

// ------------------------------------------------------------- information --

pub async fn get_information(store: &Store, id: i64) -> Result<Option<InformationRecord>> {
    let r = sqlx::query(&format!(
        "SELECT {INFORMATION_COLS} FROM vio_information WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    r.map(|r| information_from(store, &r)).transpose()
}

/// Update information (audited on its event or person). What it is about (event, act of
/// that event, or person) may change within its event; access is checked by the caller.
pub async fn update_information(
    tx: &mut WriteTx,
    vocab: &Vocab,
    id: i64,
    i: &InformationInput,
) -> Result<()> {
    let store = tx.store().clone();
    let before = get_information(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("information {id}")))?;
    let connection = vocab.check_opt("connection", &i.connection)?;
    let stype = vocab.check_opt("source_type", &i.source_type)?;
    let rel = vocab.check_opt("reliability", &i.reliability)?;
    let lang = vocab.check_opt("language", &i.language)?;
    let d = date("info_date", &i.info_date)?;
    if !exists_in(tx, PERSON, i.source_id).await? {
        return Err(Missing::Person.invalid("source_id", i.source_id).into());
    }
    let event_id = before.event_id;
    if let Some(a) = i.act_id {
        let ev: Option<i64> = sqlx::query("SELECT event_id FROM vio_acts WHERE id = $1")
            .bind(a)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get(0));
        match ev {
            None => return Err(Missing::Act.invalid("act_id", a).into()),
            Some(e) => act_within(event_id, e)?,
        }
    }
    let person_id = if event_id.is_some() {
        i.person_id
    } else {
        before.person_id
    };
    if let Some(p) = i.person_id {
        if !exists_in(tx, PERSON, p).await? {
            return Err(Missing::Person.invalid("person_id", p).into());
        }
    }
    sqlx::query(
        "UPDATE vio_information SET source_id = $1, act_id = $2, person_id = $3, connection = $4, source_type = $5, \
         reliability = $6, info_date = $7, language = $8, remarks = $9 WHERE id = $10",
    )
    .bind(i.source_id)
    .bind(i.act_id)
    .bind(person_id)
    .bind(&connection)
    .bind(&stype)
    .bind(&rel)
    .bind(enc_keep(&store, "vio_information.info_date", id, &d.to_string()))
    .bind(&lang)
    .bind(enc(&store, "vio_information.remarks", id, &i.remarks))
    .bind(id)
    .execute(tx.conn())
    .await?;
    let after = InformationRecord {
        id,
        source_id: i.source_id,
        event_id,
        act_id: i.act_id,
        person_id,
        connection,
        source_type: stype,
        reliability: rel,
        info_date: d.to_string(),
        language: lang,
        remarks: i.remarks.trim().to_string(),
    };
    tx.audit(
        "information.update",
        if event_id.is_some() { EVENT } else { PERSON },
        &event_id
            .or(before.person_id)
            .unwrap_or_default()
            .to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(&after).unwrap_or_default()),
        serde_json::json!({ "information_id": id }),
    );
    Ok(())
}
