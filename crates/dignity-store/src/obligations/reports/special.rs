//! The special procedures: mandates and their holders, standing invitations, country visits,
//! communications and the reply clocks of the interventions that carry them.

use super::*;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mandate {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `thematic` or `country`.
    pub kind: String,
    pub iso3: Option<String>,
    pub established: String,
    pub holders: Vec<MandateHolder>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MandateHolder {
    pub name: String,
    pub start_date: String,
    pub end_date: String,
}

/// Create or update a mandate (audited).
pub async fn upsert_mandate(
    tx: &mut WriteTx,
    code: &str,
    name: &str,
    kind: &str,
    iso3: Option<&str>,
    established: &str,
) -> Result<i64> {
    rules::parse_mandate(code, name, kind, iso3, established)?;
    let id: i64 = sqlx::query(
        "INSERT INTO sp_mandates (code, name, kind, iso3, established) VALUES ($1,$2,$3,$4,$5) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, iso3 = excluded.iso3, \
         established = excluded.established RETURNING id",
    )
    .bind(code.trim())
    .bind(name.trim())
    .bind(kind)
    .bind(iso3)
    .bind(established.trim())
    .fetch_one(tx.conn())
    .await
    .map_err(|e| match StoreError::from(e) {
        e if e.to_string().contains("FOREIGN") || e.to_string().contains("foreign") => {
            rules::Unknown::Country.invalid("iso3", None).into()
        }
        e => e,
    })?
    .get(0);
    tx.audit(
        "mandate.update",
        "sp_mandate",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "code": code }),
    );
    Ok(id)
}

/// Add a mandate holder (audited).
pub async fn add_holder(
    tx: &mut WriteTx,
    mandate_id: i64,
    name: &str,
    start: &str,
    end: &str,
) -> Result<()> {
    rules::parse_holder_dates(start, end)?;
    sqlx::query("INSERT INTO sp_mandate_holders (mandate_id, name, start_date, end_date) VALUES ($1,$2,$3,$4)")
        .bind(mandate_id)
        .bind(name.trim())
        .bind(start.trim())
        .bind(end.trim())
        .execute(tx.conn())
        .await?;
    tx.audit(
        "mandate.holder_add",
        "sp_mandate",
        &mandate_id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(())
}

pub async fn mandates(store: &Store) -> Result<Vec<Mandate>> {
    let rows = sqlx::query(
        "SELECT id, code, name, kind, iso3, established FROM sp_mandates ORDER BY kind DESC, name",
    )
    .fetch_all(store.pool())
    .await?;
    let holders = sqlx::query(
        "SELECT mandate_id, name, start_date, end_date FROM sp_mandate_holders ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Mandate {
                id,
                code: r.get(1),
                name: r.get(2),
                kind: r.get(3),
                iso3: r.get(4),
                established: r.get(5),
                holders: in_date_order(
                    holders
                        .iter()
                        .filter(|h| h.get::<i64, _>(0) == id)
                        .map(|h| MandateHolder {
                            name: h.get(1),
                            start_date: h.get(2),
                            end_date: h.get(3),
                        })
                        .collect(),
                ),
            }
        })
        .collect())
}

/// Holders in the order of their start: an estimated (`~YYYY-MM-DD`) date, a month or a
/// year by the earliest day it stands for (as text, `~` would sort after every date);
/// holders with no start first; equal starts as entered.
fn in_date_order(mut holders: Vec<MandateHolder>) -> Vec<MandateHolder> {
    holders.sort_by_key(|h| {
        dignity_core::PartialDate::parse(&h.start_date)
            .ok()
            .and_then(|d| d.earliest())
    });
    holders
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Visit {
    #[serde(default)]
    pub id: i64,
    pub mandate_code: String,
    #[serde(default)]
    pub mandate_name: String,
    #[serde(default)]
    pub iso3: String,
    /// `requested`, `accepted`, `completed`, `declined` or `postponed`.
    pub status: String,
    #[serde(default)]
    pub requested: String,
    #[serde(default)]
    pub accepted: String,
    #[serde(default)]
    pub visit_start: String,
    #[serde(default)]
    pub visit_end: String,
    #[serde(default)]
    pub report_symbol: String,
    #[serde(default)]
    pub note: String,
}

pub use rules::VISIT_STATUSES;

/// Record a country visit (audited).
pub async fn add_visit(tx: &mut WriteTx, iso3: &str, v: &Visit) -> Result<i64> {
    let facts = rules::parse_visit(
        &v.status,
        &v.requested,
        &v.accepted,
        &v.visit_start,
        &v.visit_end,
    )?;
    let m = sqlx::query("SELECT id FROM sp_mandates WHERE code = $1")
        .bind(v.mandate_code.trim())
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| rules::Unknown::Mandate.invalid("mandate_code", Some(&v.mandate_code)))?;
    let mid: i64 = m.get(0);
    let id = tx.next_id("sp_visits").await?;
    let note = crate::violations::enc_keep(tx.store(), VISIT_NOTE, id, &v.note);
    sqlx::query(
        "INSERT INTO sp_visits (mandate_id, iso3, status, requested, accepted, visit_start, visit_end, report_symbol, note, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(mid)
    .bind(iso3)
    .bind(facts.status.code())
    .bind(facts.requested.to_string())
    .bind(facts.accepted.to_string())
    .bind(facts.start.to_string())
    .bind(facts.end.to_string())
    .bind(v.report_symbol.trim())
    .bind(note)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await
    .map_err(|e| match StoreError::from(e) {
        e if e.to_string().to_lowercase().contains("foreign") => {
            rules::Unknown::Country.invalid("iso3", None).into()
        }
        e => e,
    })?;
    tx.audit(
        "visit.create",
        "sp_visit",
        &id.to_string(),
        None,
        Some(&serde_json::to_value(v).unwrap_or_default()),
        serde_json::json!({ "iso3": iso3, "mandate": v.mandate_code, "status": v.status }),
    );
    Ok(id)
}

pub async fn visits(store: &Store, iso3: &str) -> Result<Vec<Visit>> {
    sqlx::query(
        "SELECT v.id, m.code, m.name, v.iso3, v.status, v.requested, v.accepted, v.visit_start, v.visit_end, v.report_symbol, v.note \
         FROM sp_visits v JOIN sp_mandates m ON m.id = v.mandate_id WHERE v.iso3 = $1 ORDER BY v.requested DESC, v.id DESC",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Visit {
        id: r.get(0),
        mandate_code: r.get(1),
        mandate_name: r.get(2),
        iso3: r.get(3),
        status: r.get(4),
        requested: r.get(5),
        accepted: r.get(6),
        visit_start: r.get(7),
        visit_end: r.get(8),
        report_symbol: r.get(9),
        note: crate::violations::dec(store, VISIT_NOTE, r.get::<i64, _>(0), r.get(10))?,
    })
    })
    .collect()
}

/// Set or clear the standing invitation of a State (audited).
pub async fn set_standing_invitation(
    tx: &mut WriteTx,
    iso3: &str,
    since: Option<&str>,
) -> Result<()> {
    match since {
        Some(s) => {
            let d = rules::parse_invitation_since(s)?;
            sqlx::query(
                "INSERT INTO sp_standing_invitations (iso3, since) VALUES ($1, $2) ON CONFLICT (iso3) DO UPDATE SET since = excluded.since",
            )
            .bind(iso3)
            .bind(d.to_string())
            .execute(tx.conn())
            .await
            .map_err(|_| rules::Unknown::Country.invalid("iso3", None))?;
        }
        None => {
            sqlx::query("DELETE FROM sp_standing_invitations WHERE iso3 = $1")
                .bind(iso3)
                .execute(tx.conn())
                .await?;
        }
    }
    tx.audit(
        "invitation.update",
        "sp_invitation",
        iso3,
        None,
        None,
        serde_json::json!({ "standing": since.is_some() }),
    );
    Ok(())
}

pub async fn standing_invitation(store: &Store, iso3: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query("SELECT since FROM sp_standing_invitations WHERE iso3 = $1")
            .bind(iso3)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}

/// A communication of a special procedure to a State. The 60-day reply clock lives with
/// the interventions (violations area): a communication can be linked to the
/// interventions that carry it (e.g. the urgent appeal that prompted it).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Communication {
    /// Set by the store; ignored on input.
    #[serde(default)]
    pub id: i64,
    pub mandate_code: String,
    pub reference: String,
    #[serde(default)]
    pub sent: String,
    #[serde(default)]
    pub reply: String,
    #[serde(default)]
    pub link: String,
    /// On input: an intervention to link (the reader must be allowed to edit it).
    #[serde(default)]
    pub intervention_id: Option<i64>,
    /// The reply clocks of the linked interventions the reader may see.
    #[serde(default, skip_deserializing)]
    pub reply_clocks: Vec<ReplyClockView>,
}

/// The reply clock of an intervention linked to a communication.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReplyClockView {
    pub intervention_id: i64,
    pub int_type: String,
    /// The day the intervention was sent.
    pub sent: String,
    /// Sent + 60 days (the intervention's recorded reply date when it has one).
    pub due: String,
    /// The day of the reply, empty when none.
    pub replied: String,
    /// `running`, `overdue` or `replied`.
    pub state: String,
    /// Days left (running), days overdue (overdue) or days late (replied).
    pub days: i64,
}

pub async fn add_communication(tx: &mut WriteTx, iso3: &str, c: &Communication) -> Result<i64> {
    rules::parse_communication(&c.sent, &c.reply, &c.reference)?;
    let mid: i64 = sqlx::query("SELECT id FROM sp_mandates WHERE code = $1")
        .bind(c.mandate_code.trim())
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| rules::Unknown::Mandate.invalid("mandate_code", None))?
        .get(0);
    let id: i64 = sqlx::query(
        "INSERT INTO sp_communications (mandate_id, iso3, reference, sent, reply, link, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(mid)
    .bind(iso3)
    .bind(c.reference.trim())
    .bind(c.sent.trim())
    .bind(c.reply.trim())
    .bind(c.link.trim())
    .bind(now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "communication.create",
        "sp_communication",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "iso3": iso3 }),
    );
    if let Some(int) = c.intervention_id {
        link_intervention(tx, id, int).await?;
    }
    Ok(id)
}

/// Link a communication to an intervention whose reply clock it follows (audited as
/// `communication.link`). The writer must be allowed to edit the intervention; an
/// intervention it may not see reads as unknown.
pub async fn link_intervention(
    tx: &mut WriteTx,
    communication_id: i64,
    intervention_id: i64,
) -> Result<()> {
    let actor = tx.actor().clone();
    let known = sqlx::query("SELECT 1 FROM sp_communications WHERE id = $1")
        .bind(communication_id)
        .fetch_optional(tx.conn())
        .await?
        .is_some();
    if !known {
        return Err(StoreError::NotFound(format!(
            "communication {communication_id}"
        )));
    }
    // The intervention's access facts, read in this transaction (it may be new in it).
    let access = match sqlx::query(
        "SELECT confidentiality, published, created_by FROM vio_interventions WHERE id = $1",
    )
    .bind(intervention_id)
    .fetch_optional(tx.conn())
    .await?
    {
        None => None,
        Some(r) => {
            let level: String = r.get(0);
            let mut a = dignity_core::RecordAccess {
                level: Some(
                    level
                        .parse()
                        .unwrap_or(dignity_core::Confidentiality::StrictlyConfidential),
                ),
                published: r.get::<i64, _>(1) == 1,
                created_by: r.get(2),
                ..Default::default()
            };
            let acl = sqlx::query(
                "SELECT principal_type, principal_id FROM record_acl WHERE record_type = $1 AND record_id = $2",
            )
            .bind(crate::violations::INTERVENTION)
            .bind(intervention_id.to_string())
            .fetch_all(tx.conn())
            .await?;
            for p in acl {
                match p.get::<String, _>(0).as_str() {
                    "user" => a.need_to_know_users.push(p.get(1)),
                    "team" => a.need_to_know_teams.push(p.get(1)),
                    _ => {}
                }
            }
            Some(a)
        }
    };
    use dignity_core::auth::{authorize, Action};
    let may = |action| {
        access
            .as_ref()
            .is_some_and(|a| authorize(&actor, action, a).allowed())
    };
    if !may(Action::Read) {
        return Err(rules::intervention_refused(intervention_id, false).into());
    }
    if !may(Action::Update) {
        return Err(rules::intervention_refused(intervention_id, true).into());
    }
    sqlx::query(
        "INSERT INTO sp_communication_interventions (communication_id, intervention_id, linked_at) VALUES ($1,$2,$3) \
         ON CONFLICT (communication_id, intervention_id) DO NOTHING",
    )
    .bind(communication_id)
    .bind(intervention_id)
    .bind(now())
    .execute(tx.conn())
    .await?;
    tx.audit(
        "communication.link",
        "sp_communication",
        &communication_id.to_string(),
        None,
        None,
        serde_json::json!({ "intervention": intervention_id }),
    );
    Ok(())
}

/// The reply clocks of the interventions linked to these communications that `actor` may
/// see, by communication id.
pub(super) async fn reply_clocks(
    store: &Store,
    actor: &dignity_core::Actor,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<ReplyClockView>>> {
    let mut out: std::collections::HashMap<i64, Vec<ReplyClockView>> = Default::default();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let rows = sqlx::query(&format!(
        "SELECT l.communication_id, i.id, i.int_type, i.int_date, i.reply_due, i.response_date, c.reply \
         FROM sp_communication_interventions l JOIN vio_interventions i ON i.id = l.intervention_id \
         JOIN sp_communications c ON c.id = l.communication_id \
         WHERE l.communication_id IN ({list}) AND {} ORDER BY i.id",
        crate::acl::visible_sql(actor, "i", dignity_core::RecordType::Intervention)
    ))
    .fetch_all(store.pool())
    .await?;
    let today = today();
    // The intervention's dates are encrypted (they come in order of entry).
    for r in &rows {
        let iid: i64 = r.get(1);
        let dec = |c: &str, i: usize| {
            crate::violations::dec(store, &format!("vio_interventions.{c}"), iid, r.get(i))
        };
        let sent = dec("int_date", 3)?;
        let Some(sent_d) = date_of(&sent) else {
            continue;
        };
        let recorded_due = dec("reply_due", 4)?;
        let due = date_of(&recorded_due).unwrap_or_else(|| rules::reply_due(sent_d));
        // The intervention's reply, else the one recorded on the communication.
        let response = dec("response_date", 5)?;
        let comm_reply: String = r.get(6);
        let replied = date_of(&response).or_else(|| date_of(&comm_reply));
        let (state, days) = match rules::reply_clock(due, replied, today) {
            rules::ReplyClock::Replied { late_days, .. } => ("replied", late_days),
            rules::ReplyClock::Overdue { days } => ("overdue", days),
            rules::ReplyClock::Running { days_left } => ("running", days_left),
        };
        out.entry(r.get(0)).or_default().push(ReplyClockView {
            intervention_id: r.get(1),
            int_type: r.get(2),
            sent,
            due: due.to_string(),
            replied: replied.map(|d| d.to_string()).unwrap_or_default(),
            state: state.into(),
            days,
        });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| {
            a.sent
                .cmp(&b.sent)
                .then(a.intervention_id.cmp(&b.intervention_id))
        });
    }
    Ok(out)
}

pub(super) fn communication_from_row(r: &sqlx::any::AnyRow) -> Communication {
    Communication {
        id: r.get(0),
        mandate_code: r.get(1),
        reference: r.get(2),
        sent: r.get(3),
        reply: r.get(4),
        link: r.get(5),
        intervention_id: None,
        reply_clocks: vec![],
    }
}

/// The communications to a State, newest first, with the reply clocks of the linked
/// interventions `actor` may see.
pub async fn communications(
    store: &Store,
    actor: &dignity_core::Actor,
    iso3: &str,
) -> Result<Vec<Communication>> {
    let mut list: Vec<Communication> = sqlx::query(
        "SELECT c.id, m.code, c.reference, c.sent, c.reply, c.link FROM sp_communications c JOIN sp_mandates m ON m.id = c.mandate_id \
         WHERE c.iso3 = $1 ORDER BY c.sent DESC, c.id DESC",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(communication_from_row)
    .collect();
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let mut clocks = reply_clocks(store, actor, &ids).await?;
    for c in &mut list {
        c.reply_clocks = clocks.remove(&c.id).unwrap_or_default();
    }
    Ok(list)
}

/// The communications linked to an intervention (public facts: mandate, reference,
/// dates), for the intervention's page; the caller has checked it may read the
/// intervention.
pub async fn communications_of_intervention(
    store: &Store,
    intervention_id: i64,
) -> Result<Vec<(String, Communication)>> {
    Ok(sqlx::query(
        "SELECT c.id, m.code, c.reference, c.sent, c.reply, c.link, c.iso3 FROM sp_communication_interventions l \
         JOIN sp_communications c ON c.id = l.communication_id JOIN sp_mandates m ON m.id = c.mandate_id \
         WHERE l.intervention_id = $1 ORDER BY c.sent, c.id",
    )
    .bind(intervention_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get::<String, _>(6), communication_from_row(r)))
    .collect())
}
