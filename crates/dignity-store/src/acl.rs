//! Confidentiality and need-to-know lists of records.
//!
//! Convention for every record table: columns `confidentiality TEXT NOT NULL`,
//! `published INTEGER NOT NULL DEFAULT 0` and `created_by INTEGER` (user id). The
//! need-to-know list lives in `record_acl` (users and teams per record). Single records are
//! checked with [`access`] + `dignity_core::auth::authorize`; lists, counts and exports
//! filter in SQL with [`visible_sql`], which implements the same read rule (a test holds the
//! two together) so that no count or facet can reveal a record the reader cannot open.

use crate::{Result, Store, StoreError, WriteTx};
use dignity_core::{Action, Actor, Confidentiality, Decision, RecordAccess, RecordType, Role};
use sqlx::Row;

/// Read the access facts of a record whose level, publication and creator the caller
/// loaded from the record's own table.
pub async fn access(
    store: &Store,
    record_type: &str,
    record_id: &str,
    level: Confidentiality,
    published: bool,
    created_by: Option<i64>,
) -> Result<RecordAccess> {
    let rows = sqlx::query(
        "SELECT principal_type, principal_id FROM record_acl WHERE record_type = $1 AND record_id = $2",
    )
    .bind(record_type)
    .bind(record_id)
    .fetch_all(store.pool())
    .await?;
    let mut a = RecordAccess {
        level: Some(level),
        published,
        created_by,
        ..Default::default()
    };
    for r in rows {
        let kind: String = r.get(0);
        let id: i64 = r.get(1);
        match kind.as_str() {
            "user" => a.need_to_know_users.push(id),
            "team" => a.need_to_know_teams.push(id),
            _ => {}
        }
    }
    Ok(a)
}

/// The access facts of record `id` of type `record_type`, read from its own table (the
/// table name comes from the type, never from a string) and its need-to-know list.
/// `None`: no such record.
pub async fn record_access(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<Option<RecordAccess>> {
    let table = record_type.table();
    let Some(r) = sqlx::query(&format!(
        "SELECT confidentiality, published, created_by FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let lvl: String = r.get(0);
    let lvl: Confidentiality = lvl.parse().unwrap_or(Confidentiality::StrictlyConfidential);
    Ok(Some(
        access(
            store,
            table,
            &id.to_string(),
            lvl,
            r.get::<i64, _>(1) == 1,
            r.get(2),
        )
        .await?,
    ))
}

/// The decision on `action` for record `id` of `record_type`, with every record that a
/// view of it discloses (an act's event and victim, evidence's act and event, a profile's
/// person) — the one rule of `dignity_core::auth::authorize_disclosing`. Writes nothing
/// (a granted read of a strictly confidential record is logged by the read itself).
/// `None`: no such record.
pub async fn decide(
    store: &Store,
    actor: &Actor,
    action: Action,
    record_type: RecordType,
    id: i64,
) -> Result<Option<Decision>> {
    match record_type {
        RecordType::Event
        | RecordType::Act
        | RecordType::Person
        | RecordType::Intervention
        | RecordType::Evidence
        | RecordType::Defender
        | RecordType::Missing => {
            let Some(access) = record_access(store, record_type, id).await? else {
                return Ok(None);
            };
            let mut disclosed = Vec::new();
            for (t, pid) in crate::disclosure::disclosed(store, record_type, id).await? {
                // A record that is gone fails closed (an access without a level).
                disclosed.push(record_access(store, t, pid).await?.unwrap_or_default());
            }
            let disclosed: Vec<&RecordAccess> = disclosed.iter().collect();
            Ok(Some(dignity_core::auth::authorize_disclosing(
                actor, action, &access, &disclosed,
            )))
        }
        RecordType::Assessment | RecordType::RecommendationNote | RecordType::MseDataset => {
            Ok(record_access(store, record_type, id)
                .await?
                .map(|a| dignity_core::auth::authorize(actor, action, &a)))
        }
    }
}

/// Replace a record's need-to-know list (audited as `acl.set`).
pub async fn set_need_to_know(
    tx: &mut WriteTx,
    record_type: &str,
    record_id: &str,
    users: &[i64],
    teams: &[i64],
) -> Result<()> {
    sqlx::query("DELETE FROM record_acl WHERE record_type = $1 AND record_id = $2")
        .bind(record_type)
        .bind(record_id)
        .execute(tx.conn())
        .await?;
    for (kind, ids) in [("user", users), ("team", teams)] {
        for id in ids {
            sqlx::query(
                "INSERT INTO record_acl (record_type, record_id, principal_type, principal_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(record_type)
            .bind(record_id)
            .bind(kind)
            .bind(*id)
            .execute(tx.conn())
            .await
            .map_err(|e| match StoreError::from(e) {
                e if e.to_string().contains("FOREIGN") => dignity_core::accounts::unknown_principal().into(),
                e => e,
            })?;
        }
    }
    tx.audit(
        "acl.set",
        record_type,
        record_id,
        None,
        None,
        serde_json::json!({ "users": users, "teams": teams }),
    );
    Ok(())
}

/// Ids the code holds (the actor's teams: integers, never text from a request) as the
/// list of an SQL `IN (…)`: `1, 2, 3`.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A SQL condition (for a WHERE clause) that is true exactly for the rows of `alias` the
/// actor may read — the same rule as `authorize(actor, Read, …)`. The rows of `alias` hold
/// records of `record_type`, whose need-to-know lists are those of `record_type.table()`:
/// the name comes from the type, never from a string; besides it only integers from the
/// actor (never user input) are written into the SQL.
pub fn visible_sql(actor: &Actor, alias: &str, record_type: RecordType) -> String {
    let record_type = record_type.table();
    debug_assert!(alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let Some(uid) = actor.user_id.filter(|_| actor.role != Role::Public) else {
        return format!("({alias}.confidentiality = 'public' AND {alias}.published = 1)");
    };
    let teams = if actor.teams.is_empty() {
        "(a.principal_type = 'team' AND 1 = 0)".to_string()
    } else {
        format!(
            "(a.principal_type = 'team' AND a.principal_id IN ({}))",
            id_list(&actor.teams)
        )
    };
    format!(
        "({alias}.confidentiality IN ('public', 'internal') OR {alias}.created_by = {uid} OR EXISTS (\
         SELECT 1 FROM record_acl a WHERE a.record_type = '{record_type}' AND a.record_id = CAST({alias}.id AS TEXT) \
         AND ((a.principal_type = 'user' AND a.principal_id = {uid}) OR {teams})))"
    )
}

pub async fn teams(store: &Store) -> Result<Vec<(i64, String, i64)>> {
    Ok(sqlx::query(
        "SELECT t.id, t.name, COUNT(m.user_id) FROM teams t LEFT JOIN team_members m ON m.team_id = t.id \
         GROUP BY t.id, t.name ORDER BY t.name",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect())
}

/// Create a team (audited).
pub async fn create_team(tx: &mut WriteTx, name: &str) -> Result<i64> {
    let name = dignity_core::accounts::team_name(name)?;
    let r = sqlx::query("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(crate::now())
        .fetch_one(tx.conn())
        .await
        .map_err(StoreError::from)
        .map_err(|e| {
            if e.is_unique_violation() {
                StoreError::Conflict(format!("a team named {name:?}"))
            } else {
                e
            }
        })?;
    let id: i64 = r.get(0);
    tx.audit(
        "team.create",
        "team",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "name": name }),
    );
    Ok(id)
}

/// Add or remove a member (audited).
pub async fn set_member(tx: &mut WriteTx, team_id: i64, user_id: i64, member: bool) -> Result<()> {
    if member {
        sqlx::query(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(team_id)
        .bind(user_id)
        .execute(tx.conn())
        .await
        .map_err(|_| StoreError::from(dignity_core::accounts::unknown_member()))?;
    } else {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .execute(tx.conn())
            .await?;
    }
    tx.audit(
        if member {
            "team.member_add"
        } else {
            "team.member_remove"
        },
        "team",
        &team_id.to_string(),
        None,
        None,
        serde_json::json!({ "user_id": user_id }),
    );
    Ok(())
}

pub async fn team_by_name(store: &Store, name: &str) -> Result<Option<i64>> {
    Ok(sqlx::query("SELECT id FROM teams WHERE name = $1")
        .bind(name.trim())
        .fetch_optional(store.pool())
        .await?
        .map(|r| r.get(0)))
}

/// Members of a team: (user id, username, display name).
pub async fn members(store: &Store, team_id: i64) -> Result<Vec<(i64, String, String)>> {
    sqlx::query(
        "SELECT u.id, u.username, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 ORDER BY u.username",
    )
    .bind(team_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get(0);
        let name = crate::fields::dec(store, crate::accounts::DISPLAY_NAME, id, r.get(2))?;
        Ok((id, r.get(1), name))
    })
    .collect::<Result<Vec<_>>>()
}
