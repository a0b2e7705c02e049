//! The public portal (issue 6): which records are published, publishing and unpublishing
//! them (admins, audited), and publications — snapshots of a report or dashboard page
//! stored when they are published.
//!
//! Everything the public pages read goes through [`public_sql`]: the anonymous actor's
//! [`acl::visible_sql`] plus `published = 1` and confidentiality `public`, so nothing
//! unpublished, confidential or restricted can reach a public page or count.

use crate::{acl, Result, Store, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::portal as rules;
use dignity_core::{Actor, RecordAccess, RecordType};
use sqlx::Row;

/// Kinds of publications.
pub use dignity_core::portal::KINDS;

mod countries;
mod dashboards;
mod publications;

pub use countries::*;
pub use dashboards::*;
pub use publications::*;

/// The table of a publishable record type (its name comes from the type, never from a
/// string a user sent); records of other types cannot be published.
fn publishable(record_type: RecordType) -> Result<&'static str> {
    Ok(rules::publishable(record_type)?)
}

/// The SQL condition of rows of `alias` that the public pages may show: published through
/// the publishing workflow, of public confidentiality, and — for a defender — with the
/// consent to publication still given (consent withdrawn after publication takes the
/// profile off the public pages at once).
pub fn public_sql(alias: &str, record_type: RecordType) -> String {
    let consent = if record_type == RecordType::Defender {
        format!(" AND {alias}.memorial_consent = 1")
    } else {
        String::new()
    };
    format!(
        "({} AND {alias}.published = 1 AND {alias}.confidentiality = 'public'{consent})",
        acl::visible_sql(&Actor::anonymous(), alias, record_type)
    )
}

/// Run `upsert`, the insert of something published whose last two values, bound here, are
/// who published it (the actor) and when (now), and return its id (`RETURNING id`).
async fn upsert_published<'q>(
    tx: &mut WriteTx,
    upsert: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<i64> {
    let by = tx.actor().user_id;
    Ok(upsert
        .bind(by)
        .bind(crate::now())
        .fetch_one(tx.conn())
        .await?
        .get(0))
}

/// The access facts of a publishable record (None: no such record).
pub async fn record_access(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<Option<RecordAccess>> {
    publishable(record_type)?;
    acl::record_access(store, record_type, id).await
}

/// Publish or unpublish a record (admins; only records marked public can be published).
/// Audited as `record.publish` / `record.unpublish` under the record's type, so the search
/// index and the public pages follow.
pub async fn set_published(
    tx: &mut WriteTx,
    record_type: RecordType,
    id: i64,
    published: bool,
) -> Result<()> {
    let table = publishable(record_type)?;
    let store = tx.store().clone();
    let Some(access) = record_access(&store, record_type, id).await? else {
        return Err(rules::no_such_record().into());
    };
    let d = authorize(tx.actor(), Action::Publish, &access);
    if !d.allowed() {
        let why = match d {
            dignity_core::auth::Decision::Deny(w) => w,
            _ => "not allowed",
        };
        return Err(rules::publish_refused(why).into());
    }
    if published && table == "pro_defenders" {
        let consent: i64 = sqlx::query("SELECT memorial_consent FROM pro_defenders WHERE id = $1")
            .bind(id)
            .fetch_one(tx.conn())
            .await?
            .get(0);
        rules::check_consent(consent == 1)?;
    }
    sqlx::query(&format!("UPDATE {table} SET published = $1 WHERE id = $2"))
        .bind(published as i64)
        .bind(id)
        .execute(tx.conn())
        .await?;
    if table == "vio_events" {
        cascade_to_acts(tx, id, published).await?;
    }
    tx.audit(
        if published {
            "record.publish"
        } else {
            "record.unpublish"
        },
        table,
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "published": published }),
    );
    Ok(())
}

/// The acts of an event are published with it: publishing an event publishes its acts of
/// public confidentiality (an act that is internal or confidential stays unpublished),
/// unpublishing it unpublishes all of them. Acts cannot be published on their own; the
/// public dashboards and reports count the published acts of published events. Each act
/// that changes is audited (`record.publish` / `record.unpublish` under `vio_acts`), so
/// the search index follows.
async fn cascade_to_acts(tx: &mut WriteTx, event_id: i64, published: bool) -> Result<()> {
    let level = if published {
        " AND confidentiality = 'public'"
    } else {
        ""
    };
    let ids: Vec<i64> = sqlx::query(&format!(
        "SELECT id FROM vio_acts WHERE event_id = $1 AND published <> $2{level} ORDER BY id"
    ))
    .bind(event_id)
    .bind(published as i64)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    for act in ids {
        sqlx::query("UPDATE vio_acts SET published = $1 WHERE id = $2")
            .bind(published as i64)
            .bind(act)
            .execute(tx.conn())
            .await?;
        tx.audit(
            if published {
                "record.publish"
            } else {
                "record.unpublish"
            },
            "vio_acts",
            &act.to_string(),
            None,
            None,
            serde_json::json!({ "published": published, "with_event": event_id }),
        );
    }
    Ok(())
}

/// When a record was last published (the time of its latest `record.publish` audit entry),
/// if it is public now.
pub async fn published_since(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<Option<String>> {
    if !is_public(store, record_type, id).await? {
        return Ok(None);
    }
    Ok(sqlx::query(
        "SELECT MAX(at) FROM audit_log WHERE action = 'record.publish' AND record_type = $1 AND record_id = $2",
    )
    .bind(record_type.table())
    .bind(id.to_string())
    .fetch_one(store.pool())
    .await?
    .get::<Option<String>, _>(0)
    .or(Some(String::new())))
}

/// Whether the people a record is about consented to its publication: a defender's profile
/// (`memorial_consent`, given by the defender or, after their death, their family) is
/// published only with it. True for the other types.
pub async fn consents_to_publication(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<bool> {
    if record_type != RecordType::Defender {
        return Ok(true);
    }
    Ok(
        sqlx::query("SELECT memorial_consent FROM pro_defenders WHERE id = $1")
            .bind(id)
            .fetch_optional(store.pool())
            .await?
            .is_some_and(|r| r.get::<i64, _>(0) == 1),
    )
}

/// Ids of the published public records of a type, newest first.
pub async fn published_ids(
    store: &Store,
    record_type: RecordType,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>> {
    let table = publishable(record_type)?;
    Ok(sqlx::query(&format!(
        "SELECT t.id FROM {table} t WHERE {} ORDER BY t.id DESC LIMIT $1 OFFSET $2",
        public_sql("t", record_type)
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// How many published public records each type has (types with none left out).
pub async fn published_counts(store: &Store) -> Result<Vec<(RecordType, i64)>> {
    let mut out = Vec::new();
    for record_type in RecordType::PUBLISHABLE {
        let table = record_type.table();
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {table} t WHERE {}",
            public_sql("t", record_type)
        ))
        .fetch_one(store.pool())
        .await?
        .get(0);
        if n > 0 {
            out.push((record_type, n));
        }
    }
    Ok(out)
}

/// Whether a record is on the public pages.
pub async fn is_public(store: &Store, record_type: RecordType, id: i64) -> Result<bool> {
    let table = publishable(record_type)?;
    Ok(sqlx::query(&format!(
        "SELECT 1 FROM {table} t WHERE t.id = $1 AND {}",
        public_sql("t", record_type)
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .is_some())
}
