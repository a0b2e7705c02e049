//! Check-ins with defenders and their clock (overdue ones).

use super::*;
use crate::shared::BindCreated;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Checkin {
    pub id: i64,
    pub defender_id: i64,
    pub measure_id: Option<i64>,
    pub due_on: String,
    pub done_on: String,
    pub notes: String,
    pub overdue: bool,
}

/// Plan a check-in with a defender (optionally about a measure). Audited.
pub async fn add_checkin(
    tx: &mut WriteTx,
    defender_id: i64,
    measure_id: Option<i64>,
    due_on: &str,
) -> Result<i64> {
    let due = rules::parse_checkin_due(due_on)?;
    defender_exists(tx, defender_id).await?;
    if let Some(m) = measure_id {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM pro_measures WHERE id = $1 AND defender_id = $2")
                .bind(m)
                .bind(defender_id)
                .fetch_one(tx.conn())
                .await?
                .get(0);
        if n == 0 {
            return Err(rules::not_this_defenders_measure().into());
        }
    }
    let id = tx.next_id("pro_checkins").await?;
    let due_on = enc_keep(tx.store(), "pro_checkins.due_on", id, &due.to_string());
    sqlx::query("INSERT INTO pro_checkins (defender_id, measure_id, due_on, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(defender_id)
        .bind(measure_id)
        .bind(due_on)
        .bind_created(tx)
        .bind(id)
        .execute(tx.conn())
        .await?;
    // The due date is in the hashed content, not in the clear details.
    tx.audit(
        "checkin.add",
        DEFENDER,
        &defender_id.to_string(),
        None,
        Some(&serde_json::json!({ "due_on": due.to_string(), "measure_id": measure_id })),
        serde_json::json!({ "checkin_id": id }),
    );
    Ok(id)
}

/// Record that a check-in took place. Audited.
pub async fn complete_checkin(tx: &mut WriteTx, id: i64, done_on: &str, notes: &str) -> Result<()> {
    let r = sqlx::query("SELECT defender_id, done_on FROM pro_checkins WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("check-in {id}")))?;
    let def: i64 = r.get(0);
    let done = dec(tx.store(), "pro_checkins.done_on", id, r.get(1))?;
    let already = stored_day(&done).transpose()?;
    let on = rules::parse_checkin_done(already, done_on, today())?;
    let store = tx.store().clone();
    sqlx::query("UPDATE pro_checkins SET done_on = $1, notes = $2 WHERE id = $3")
        .bind(enc_keep(
            &store,
            "pro_checkins.done_on",
            id,
            &on.to_string(),
        ))
        .bind(enc(&store, "pro_checkins.notes", id, notes))
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "checkin.done",
        DEFENDER,
        &def.to_string(),
        None,
        None,
        serde_json::json!({ "checkin_id": id }),
    );
    Ok(())
}

pub async fn checkins_of(store: &Store, defender_id: i64, on: NaiveDate) -> Result<Vec<Checkin>> {
    history_of(
        store,
        "SELECT id, defender_id, measure_id, due_on, done_on, notes FROM pro_checkins WHERE defender_id = $1",
        defender_id,
        |r, id| {
            let due = dec(store, "pro_checkins.due_on", id, r.get(3))?;
            let done = dec(store, "pro_checkins.done_on", id, r.get(4))?;
            Ok(Checkin {
                id,
                defender_id: r.get(1),
                measure_id: r.get(2),
                overdue: checkin_overdue(&due, &done, on),
                due_on: due,
                done_on: done,
                notes: dec(store, "pro_checkins.notes", id, r.get(5))?,
            })
        },
        // Latest due first.
        |c| (&c.due_on, c.id),
    )
    .await
}

/// A date the store wrote (`YYYY-MM-DD`, decrypted): `None` when empty.
fn stored_day(v: &str) -> Option<Result<NaiveDate>> {
    (!v.is_empty()).then(|| {
        v.parse()
            .map_err(|_| StoreError::Internal(format!("a stored date {v:?} does not parse")))
    })
}

/// The clock of a check-in due on `due` and done on `done` (both as stored, empty: not
/// done), on `on` (the rule: [`rules::checkin_clock`]).
fn clock(due: &str, done: &str, on: NaiveDate) -> Result<CheckinClock> {
    let due = stored_day(due).unwrap_or_else(|| Ok(on))?;
    Ok(rules::checkin_clock(due, stored_day(done).transpose()?, on))
}

/// Whether a check-in due on `due` (`YYYY-MM-DD`) and done on `done` (empty: not yet) is
/// overdue on `on`.
pub fn checkin_overdue(due: &str, done: &str, on: NaiveDate) -> bool {
    clock(due, done, on).is_ok_and(|c| c.is_overdue())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueCheckin {
    pub checkin_id: i64,
    pub defender_id: i64,
    pub defender: String,
    pub due_on: String,
    pub days_overdue: i64,
    pub contact_user: Option<i64>,
    pub contact_user_name: String,
}

/// Check-ins past their due date and not done, on defenders the actor may see; with
/// `contact_user`, only those of defenders whose contact point that user is. The due dates
/// are encrypted: SQL selects the open check-ins (not done, the bounded set), the clock is
/// computed here on the decrypted dates, oldest due first.
pub async fn overdue_checkins(
    store: &Store,
    actor: &Actor,
    on: NaiveDate,
    contact_user: Option<i64>,
) -> Result<Vec<OverdueCheckin>> {
    let sql = format!(
        "SELECT c.id, c.defender_id, c.due_on, d.contact_user, COALESCE(u.username, ''), d.person_id FROM pro_checkins c \
         JOIN pro_defenders d ON d.id = c.defender_id LEFT JOIN users u ON u.id = d.contact_user \
         WHERE c.done_on = '' AND ($1 = 0 OR d.contact_user = $1) AND {}",
        profile_visible_sql(actor, "d", dignity_core::RecordType::Defender)
    );
    let rows = sqlx::query(&sql)
        .bind(contact_user.unwrap_or(0))
        .fetch_all(store.pool())
        .await?;
    let mut open = vec![];
    for r in rows {
        let id: i64 = r.get(0);
        let due = dec(store, "pro_checkins.due_on", id, r.get(2))?;
        if let CheckinClock::Overdue { days } = clock(&due, "", on)? {
            open.push((due, id, days, r));
        }
    }
    open.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let names = v::sees_names(store, actor).await?;
    let mut out = vec![];
    for (due, _, days_overdue, r) in open {
        let pid: i64 = r.get(5);
        out.push(OverdueCheckin {
            checkin_id: r.get(0),
            defender_id: r.get(1),
            defender: person_display(store, pid, names).await?,
            days_overdue,
            due_on: due,
            contact_user: r.get(3),
            contact_user_name: r.get(4),
        });
    }
    Ok(out)
}

/// The defender a check-in belongs to.
pub async fn checkins_owner(store: &Store, checkin_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT defender_id FROM pro_checkins WHERE id = $1")
            .bind(checkin_id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}
