//! What a view of a record discloses besides the record itself: an act carries its event
//! and its victim; evidence the event, act (with what the act discloses) and person it
//! documents; a defender's profile or a missing person's case its person. Only which
//! records, by type and id — their access facts are `acl`'s, and the decision is
//! `dignity_core::auth::authorize_disclosing` — so that `acl::decide` decides every record
//! type without importing the areas. A leaf: it imports no area.

use crate::{Result, Store};
use dignity_core::RecordType;
use sqlx::Row;

/// The records that a view of record `id` of `record_type` discloses, in the order they
/// are shown (an act's own parents follow it). A record that is gone discloses nothing.
pub(crate) async fn disclosed(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<Vec<(RecordType, i64)>> {
    let mut parents: Vec<(RecordType, i64)> = Vec::new();
    match record_type {
        RecordType::Act => {
            if let Some(r) = sqlx::query("SELECT event_id, victim_id FROM vio_acts WHERE id = $1")
                .bind(id)
                .fetch_optional(store.pool())
                .await?
            {
                parents.push((RecordType::Event, r.get(0)));
                parents.push((RecordType::Person, r.get(1)));
            }
        }
        RecordType::Evidence => {
            if let Some(r) =
                sqlx::query("SELECT event_id, act_id, person_id FROM vio_evidence WHERE id = $1")
                    .bind(id)
                    .fetch_optional(store.pool())
                    .await?
            {
                for (t, col) in [
                    (RecordType::Event, 0),
                    (RecordType::Act, 1),
                    (RecordType::Person, 2),
                ] {
                    if let Some(pid) = r.get::<Option<i64>, _>(col) {
                        parents.push((t, pid));
                    }
                }
            }
        }
        RecordType::Defender | RecordType::Missing => {
            // The table name comes from the record type (never from a string into the SQL).
            let table = record_type.table();
            let person: Option<i64> =
                sqlx::query(&format!("SELECT person_id FROM {table} WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(store.pool())
                    .await?
                    .and_then(|r| r.get(0));
            parents.extend(person.map(|pid| (RecordType::Person, pid)));
        }
        _ => {}
    }
    let mut out = Vec::new();
    for (t, pid) in parents {
        out.push((t, pid));
        if t == RecordType::Act {
            out.extend(Box::pin(disclosed(store, t, pid)).await?);
        }
    }
    Ok(out)
}
