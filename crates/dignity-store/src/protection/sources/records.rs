//! Source records as stored: reading them, linking them to cases and opening a case from one.

use super::*;
use crate::shared::BindCreated;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceRecord {
    pub id: i64,
    pub source_id: i64,
    pub source: String,
    pub source_kind: String,
    pub external_id: String,
    pub line: i64,
    pub name: String,
    pub birth_date: String,
    pub place: String,
    pub sex: String,
    pub last_seen_date: String,
    /// The row exactly as received (column → value), JSON.
    pub raw: String,
    pub missing_id: Option<i64>,
    pub current: bool,
    pub imported_at: String,
}

const REC_SQL: &str = "SELECT r.id, r.source_id, s.name, s.kind, r.external_id, r.line, r.name, r.birth_date, r.place, r.sex, r.last_seen_date, \
    r.raw, r.missing_id, r.current, r.created_at FROM pro_source_records r JOIN pro_sources s ON s.id = r.source_id";

fn record_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<SourceRecord> {
    let id: i64 = r.get(0);
    Ok(SourceRecord {
        id,
        source_id: r.get(1),
        source: dec(store, "pro_sources.name", r.get(1), r.get(2))?,
        source_kind: r.get(3),
        external_id: dec(store, "pro_source_records.external_id", id, r.get(4))?,
        line: r.get(5),
        name: store.decrypt("pro_source_records.name", id, &r.get::<String, _>(6))?,
        birth_date: dec(store, "pro_source_records.birth_date", id, r.get(7))?,
        place: dec(store, "pro_source_records.place", id, r.get(8))?,
        sex: dec(store, "pro_source_records.sex", id, r.get(9))?,
        last_seen_date: dec(store, "pro_source_records.last_seen_date", id, r.get(10))?,
        raw: store.decrypt("pro_source_records.raw", id, &r.get::<String, _>(11))?,
        missing_id: r.get(12),
        current: r.get::<i64, _>(13) == 1,
        imported_at: r.get(14),
    })
}

pub async fn get_record(store: &Store, id: i64) -> Result<Option<SourceRecord>> {
    match sqlx::query(&format!("{REC_SQL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
    {
        Some(r) => Ok(Some(record_from(store, &r)?)),
        None => Ok(None),
    }
}

/// Current records of a source (or of all sources), optionally only unlinked ones.
pub async fn records(
    store: &Store,
    source_id: Option<i64>,
    unlinked_only: bool,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<SourceRecord>)> {
    let w = format!(
        "r.current = 1 AND ($1 = 0 OR r.source_id = $1){}",
        if unlinked_only {
            " AND r.missing_id IS NULL"
        } else {
            ""
        }
    );
    let total: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM pro_source_records r WHERE {w}"
    ))
    .bind(source_id.unwrap_or(0))
    .fetch_one(store.pool())
    .await?
    .get(0);
    let rows = sqlx::query(&format!(
        "{REC_SQL} WHERE {w} ORDER BY r.source_id, r.id LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    ))
    .bind(source_id.unwrap_or(0))
    .fetch_all(store.pool())
    .await?;
    Ok((
        total,
        rows.iter()
            .map(|r| record_from(store, r))
            .collect::<Result<_>>()?,
    ))
}

/// The source records linked to a case, each with the differences from the case and the
/// other records (conflicts), for the person page.
pub async fn records_of_case(
    store: &Store,
    missing_id: i64,
) -> Result<Vec<(SourceRecord, Vec<String>)>> {
    let rows = sqlx::query(&format!(
        "{REC_SQL} WHERE r.missing_id = $1 AND r.current = 1"
    ))
    .bind(missing_id)
    .fetch_all(store.pool())
    .await?;
    let mut recs: Vec<SourceRecord> = rows
        .iter()
        .map(|r| record_from(store, r))
        .collect::<Result<_>>()?;
    // By source name (decrypted), then id.
    recs.sort_by(|a, b| a.source.cmp(&b.source).then(a.id.cmp(&b.id)));
    let case = missing::get_missing(store, missing_id).await?;
    Ok(recs
        .iter()
        .map(|r| {
            let mut c = vec![];
            if let Some(case) = &case {
                c.extend(conflicts(
                    r,
                    &case.birth_date,
                    &case.sex.clone().unwrap_or_default(),
                ));
            }
            for o in recs.iter().filter(|o| o.id != r.id) {
                if !r.birth_date.is_empty()
                    && !o.birth_date.is_empty()
                    && !dates_agree(&r.birth_date, &o.birth_date)
                {
                    c.push(format!("birth_date: {} says {}", o.source, o.birth_date));
                }
            }
            (r.clone(), c)
        })
        .collect())
}

pub(super) use rules::dates_agree;

/// Differences between a source record and the case it is (to be) linked to.
fn conflicts(r: &SourceRecord, case_birth: &str, case_sex: &str) -> Vec<String> {
    let mut c = vec![];
    if !r.birth_date.is_empty() && !case_birth.is_empty() && !dates_agree(&r.birth_date, case_birth)
    {
        c.push(format!(
            "birth_date: the case says {case_birth}, {} says {}",
            r.source, r.birth_date
        ));
    }
    let _ = case_sex;
    c
}

/// Link a source record to a case. A record already linked to another case is refused (unlink
/// it first); a record that conflicts with the case (another date of birth) is refused unless
/// `accept_conflicts` — then the conflict stays visible on the person page. Audited.
///
/// Linking needs the right to update the case and to read both ends: a record already
/// linked to a case the actor may not read answers *not found*, like a record that does
/// not exist (its case number is not told).
pub async fn link(
    tx: &mut WriteTx,
    record_id: i64,
    missing_id: i64,
    accept_conflicts: bool,
) -> Result<Vec<String>> {
    require_in_tx(tx, Action::Update, MISSING, missing_id).await?;
    readable_record(tx, record_id).await?;
    link_unchecked(tx, record_id, missing_id, accept_conflicts).await
}

/// A source record as the actor may act on it: source lists are for documenters and
/// above, and a record linked to a case is readable only by the case's readers. Anything
/// else answers *not found*.
async fn readable_record(tx: &mut WriteTx, record_id: i64) -> Result<SourceRecord> {
    let nf = || StoreError::NotFound(format!("source record {record_id}"));
    let actor = tx.actor();
    if !(actor.user_id.is_some() && actor.role >= dignity_core::Role::Documenter) {
        return Err(nf());
    }
    let store = tx.store().clone();
    let r = get_record(&store, record_id).await?.ok_or_else(nf)?;
    if let Some(m) = r.missing_id {
        if require_in_tx(tx, Action::Read, MISSING, m).await.is_err() {
            return Err(nf());
        }
    }
    Ok(r)
}

async fn link_unchecked(
    tx: &mut WriteTx,
    record_id: i64,
    missing_id: i64,
    accept_conflicts: bool,
) -> Result<Vec<String>> {
    let store = tx.store().clone();
    let r = get_record(&store, record_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("source record {record_id}")))?;
    rules::may_link(r.current, r.missing_id, missing_id)?;
    // Read inside the transaction: the case may have been opened by it.
    let row = sqlx::query("SELECT p.birth_date, p.id FROM pro_missing m JOIN vio_persons p ON p.id = m.person_id WHERE m.id = $1")
        .bind(missing_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("missing person case {missing_id}")))?;
    let birth = v::dec(tx.store(), "vio_persons.birth_date", row.get(1), row.get(0))?;
    let c = conflicts(&r, &birth, "");
    rules::confirm_conflicts(&c, accept_conflicts)?;
    sqlx::query("UPDATE pro_source_records SET missing_id = $1, linked_by = $2, linked_at = $3 WHERE id = $4")
        .bind(missing_id)
        .bind_created(tx)
        .bind(record_id)
        .execute(tx.conn())
        .await?;
    match_changed(tx).await?;
    tx.audit(
        "source_record.link",
        MISSING,
        &missing_id.to_string(),
        None,
        None,
        serde_json::json!({ "record_id": record_id, "source_id": r.source_id, "conflicts": c.len() }),
    );
    Ok(c)
}

/// Undo a link. Audited. Needs the right to update the case the record is linked to
/// (a record linked to a case the actor may not read answers *not found*).
pub async fn unlink(tx: &mut WriteTx, record_id: i64) -> Result<()> {
    let r = readable_record(tx, record_id).await?;
    let Some(m) = r.missing_id else {
        return Err(rules::not_linked().into());
    };
    require_in_tx(tx, Action::Update, MISSING, m).await?;
    sqlx::query("UPDATE pro_source_records SET missing_id = NULL, linked_by = NULL, linked_at = '' WHERE id = $1").bind(record_id).execute(tx.conn()).await?;
    match_changed(tx).await?;
    tx.audit(
        "source_record.unlink",
        MISSING,
        &m.to_string(),
        None,
        None,
        serde_json::json!({ "record_id": record_id }),
    );
    Ok(())
}

/// Open a case from a source record (the person is not yet known) and link the record.
pub async fn case_from_record(
    tx: &mut WriteTx,
    vocab: &Vocab,
    record_id: i64,
    confidentiality: &str,
) -> Result<i64> {
    let r = readable_record(tx, record_id).await?;
    if r.missing_id.is_some() {
        return Err(rules::already_has_case().into());
    }
    let id = missing::create_missing(
        tx,
        vocab,
        &MissingInput {
            person: crate::protection::NewPerson {
                name: r.name.clone(),
                birth_date: r.birth_date.clone(),
                ..Default::default()
            },
            disappearance: crate::protection::missing::Disappearance {
                last_seen_date: r.last_seen_date.clone(),
                last_seen_place: r.place.clone(),
                ..Default::default()
            },
            confidentiality: confidentiality.into(),
            ..Default::default()
        },
    )
    .await?;
    // The case was opened by this transaction (by this actor): not yet visible outside it.
    link_unchecked(tx, record_id, id, true).await?;
    Ok(id)
}
