//! Who may see and change a record of the area: its access facts (with those of what a view
//! of it discloses), the checks [`can`] and [`require`] (also on a write transaction), a
//! change of its level or need-to-know list, the SQL filter of acts, and the role check on
//! creating. Re-exported as `violations::*`.

use super::*;

/// The record type whose table is `table`; any other table is an internal error.
fn record_type_of(table: &str) -> Result<dignity_core::RecordType> {
    dignity_core::RecordType::from_table(table)
        .ok_or_else(|| StoreError::Internal(format!("{table} is not a record table")))
}

/// The access facts of one record of `table` (which follows the record-table convention).
pub async fn record_access(
    store: &Store,
    table: &str,
    id: i64,
) -> Result<Option<dignity_core::RecordAccess>> {
    // The table name comes from the record type (never from a string into the SQL).
    let record_type = record_type_of(table)?;
    acl::record_access(store, record_type, id).await
}

pub use crate::shared::{can, require};

/// The access facts of a record, read on the transaction's connection.
pub(crate) async fn access_in_tx(
    tx: &mut WriteTx,
    table: &str,
    id: i64,
) -> Result<Option<dignity_core::RecordAccess>> {
    // The table name comes from the record type (never from a string into the SQL).
    let record_type = record_type_of(table)?;
    let table = record_type.table();
    let Some(r) = sqlx::query(&format!(
        "SELECT confidentiality, published, created_by FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    else {
        return Ok(None);
    };
    let lvl: String = r.get(0);
    let mut a = dignity_core::RecordAccess {
        level: Some(lvl.parse().unwrap_or(Confidentiality::StrictlyConfidential)),
        published: r.get::<i64, _>(1) == 1,
        created_by: r.get(2),
        ..Default::default()
    };
    for r in sqlx::query(
        "SELECT principal_type, principal_id FROM record_acl WHERE record_type = $1 AND record_id = $2",
    )
    .bind(table)
    .bind(id.to_string())
    .fetch_all(tx.conn())
    .await?
    {
        match r.get::<String, _>(0).as_str() {
            "user" => a.need_to_know_users.push(r.get(1)),
            "team" => a.need_to_know_teams.push(r.get(1)),
            _ => {}
        }
    }
    Ok(Some(a))
}

/// Check and audit a change of who may see a record: its confidentiality level, or its
/// need-to-know list (an empty list in an update keeps the current one). Either needs
/// `ManageAccess` on the record as it is **and** as it will be (coordinators and admins on
/// the list); the change is written to the audit log as `record.access_change`. Nothing
/// changes: nothing to check.
pub(crate) async fn check_access_change(
    tx: &mut WriteTx,
    table: &str,
    id: i64,
    level: Confidentiality,
    users: &[i64],
    teams: &[i64],
) -> Result<()> {
    let Some(before) = access_in_tx(tx, table, id).await? else {
        return Err(StoreError::NotFound(format!("{table} {id}")));
    };
    let sorted = |v: &[i64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    let level_changed = before.level != Some(level);
    let list_changed = level.needs_list()
        && (!users.is_empty() || !teams.is_empty())
        && (sorted(users) != sorted(before.need_to_know_users.as_slice())
            || sorted(teams) != sorted(before.need_to_know_teams.as_slice()));
    if !level_changed && !list_changed {
        return Ok(());
    }
    let mut after = before.clone();
    after.level = Some(level);
    if list_changed {
        after.need_to_know_users = users.to_vec();
        after.need_to_know_teams = teams.to_vec();
    }
    let actor = tx.actor().clone();
    if !(authorize(&actor, Action::ManageAccess, &before).allowed()
        && authorize(&actor, Action::ManageAccess, &after).allowed())
    {
        return Err(StoreError::Forbidden(
            "changing who may see a record (its confidentiality or its need-to-know list) needs the right to manage access, at the current and the new level".into(),
        ));
    }
    tx.audit(
        "record.access_change",
        table,
        &id.to_string(),
        None,
        None,
        serde_json::json!({
            "from": before.level.map(|l| l.as_str()).unwrap_or(""),
            "to": level.as_str(),
            "need_to_know_changed": list_changed,
        }),
    );
    Ok(())
}

/// SQL (for a WHERE clause): the act `alias` (a `vio_acts` row) is readable **with
/// everything it discloses** — its event and its victim. The SQL form of
/// `can(actor, Read, ACT, id)` (`authorize_disclosing` in core); every act list, count and
/// export uses it, never the act's own level alone.
pub fn act_visible_sql(actor: &Actor, alias: &str) -> String {
    format!(
        "({} AND EXISTS (SELECT 1 FROM vio_events dx_e WHERE dx_e.id = {alias}.event_id AND {}) \
         AND EXISTS (SELECT 1 FROM vio_persons dx_p WHERE dx_p.id = {alias}.victim_id AND {}))",
        acl::visible_sql(actor, alias, dignity_core::RecordType::Act),
        acl::visible_sql(actor, "dx_e", dignity_core::RecordType::Event),
        acl::visible_sql(actor, "dx_p", dignity_core::RecordType::Person),
    )
}

/// May the actor create a record with this level at all (role check)?
pub fn may_create(actor: &Actor, lvl: Confidentiality) -> Result<()> {
    if authorize(actor, Action::Create, &dignity_core::RecordAccess::new(lvl)).allowed() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "your role does not allow creating records".into(),
        ))
    }
}

/// Set a record's need-to-know list when it is restricted (and the lists are given).
pub(crate) use crate::shared::set_list;
