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
    /// The establishing resolution (`CHR res. 1985/33`, `HRC res. 16/9`); empty when no
    /// source read gives it.
    #[serde(default)]
    pub resolution: String,
    /// `shipped` (the file `data/special-procedures/mandates.csv`) or `office` (entered here).
    #[serde(default)]
    pub source: String,
    /// Where a shipped row was read, and the day it was read.
    #[serde(default)]
    pub source_url: String,
    #[serde(default)]
    pub as_of: String,
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
         established = excluded.established, source = '', source_url = '', as_of = '' RETURNING id",
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

/// Record the resolution that established a mandate (`CHR res. 1985/33`, `HRC res. 16/9`,
/// `ECOSOC res. 1982/35`, `GA res. …`); empty clears it (audited).
pub async fn set_mandate_resolution(tx: &mut WriteTx, mandate_id: i64, raw: &str) -> Result<()> {
    let resolution = rules::parse_resolution(raw)?;
    sqlx::query("UPDATE sp_mandates SET resolution = $1 WHERE id = $2")
        .bind(resolution.unwrap_or_default())
        .bind(mandate_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "mandate.update",
        "sp_mandate",
        &mandate_id.to_string(),
        None,
        None,
        serde_json::json!({ "resolution": true }),
    );
    Ok(())
}

/// Write the shipped mandates (`data/special-procedures/mandates.csv`) in the loader's
/// transaction (`refdata::load_shipped` checks the version and records it); returns how many.
/// A mandate the office entered or changed (same code, not `shipped`) is kept as the office
/// has it.
pub async fn write_shipped_mandates(
    tx: &mut WriteTx,
    data: &dignity_core::refdata::RefData,
) -> Result<usize> {
    let shipped = dignity_core::refdata::parse_mandates(
        dignity_core::refdata::shipped::SP_MANDATES_CSV,
        &data.countries,
    )
    .map_err(|e| StoreError::Internal(format!("shipped special procedures mandates: {e}")))?;
    for m in &shipped {
        sqlx::query(
            "INSERT INTO sp_mandates (code, name, kind, iso3, established, resolution, source, source_url, as_of) \
             VALUES ($1,$2,$3,$4,$5,$6,'shipped',$7,$8) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, iso3 = excluded.iso3, \
             established = excluded.established, resolution = excluded.resolution, \
             source_url = excluded.source_url, as_of = excluded.as_of WHERE sp_mandates.source = 'shipped'",
        )
        .bind(&m.code)
        .bind(&m.name)
        .bind(&m.kind)
        .bind(&m.iso3)
        .bind(m.established.to_string())
        .bind(m.resolution.clone().unwrap_or_default())
        .bind(&m.source_url)
        .bind(m.as_of.to_string())
        .execute(tx.conn())
        .await?;
    }
    Ok(shipped.len())
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

/// Every mandate with its holders: the office's own first, then the shipped ones; thematic
/// before country mandates, by name.
pub async fn mandates(store: &Store) -> Result<Vec<Mandate>> {
    let rows = sqlx::query(
        "SELECT id, code, name, kind, iso3, established, resolution, source, source_url, as_of \
         FROM sp_mandates ORDER BY CASE WHEN source = 'shipped' THEN 1 ELSE 0 END, kind DESC, name",
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
                resolution: r.get(6),
                source: if r.get::<String, _>(7) == "shipped" {
                    "shipped".into()
                } else {
                    "office".into()
                },
                source_url: r.get(8),
                as_of: r.get(9),
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
    set_standing_invitation_from(tx, iso3, since, "").await
}

/// Set or clear the standing invitation of a State, with the source the office read it in
/// (OHCHR's list of standing invitations, a note verbale, a press release) (audited).
pub async fn set_standing_invitation_from(
    tx: &mut WriteTx,
    iso3: &str,
    since: Option<&str>,
    source: &str,
) -> Result<()> {
    match since {
        Some(s) => {
            let d = rules::parse_invitation_since(s)?;
            sqlx::query(
                "INSERT INTO sp_standing_invitations (iso3, since, source) VALUES ($1, $2, $3) \
                 ON CONFLICT (iso3) DO UPDATE SET since = excluded.since, source = excluded.source",
            )
            .bind(iso3)
            .bind(d.to_string())
            .bind(source.trim())
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
    Ok(standing_invitation_record(store, iso3)
        .await?
        .map(|i| i.since))
}

/// A State's standing invitation to the special procedures as the office recorded it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvitationRecord {
    /// Since when (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub since: String,
    /// Where the office read it; empty when not recorded.
    pub source: String,
}

pub async fn standing_invitation_record(
    store: &Store,
    iso3: &str,
) -> Result<Option<InvitationRecord>> {
    Ok(
        sqlx::query("SELECT since, source FROM sp_standing_invitations WHERE iso3 = $1")
            .bind(iso3)
            .fetch_optional(store.pool())
            .await?
            .map(|r| InvitationRecord {
                since: r.get(0),
                source: r.get(1),
            }),
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
    /// The mandate that sent it (the first of a joint communication).
    pub mandate_code: String,
    /// The other mandates of a joint communication, by code.
    #[serde(default)]
    pub joint_mandates: Vec<String>,
    pub reference: String,
    /// `UA` (urgent appeal), `AL` (allegation letter), `OL` (other letter); empty: not recorded.
    #[serde(default)]
    pub comm_type: String,
    #[serde(default)]
    pub sent: String,
    #[serde(default)]
    pub reply: String,
    /// `none`, `received` or `partial` (a partial or interim reply); empty on input: a reply
    /// date means `received`, none means `none`.
    #[serde(default)]
    pub reply_status: String,
    #[serde(default)]
    pub link: String,
    /// Whether several mandates sent it together.
    #[serde(default, skip_deserializing)]
    pub joint: bool,
    /// The reply deadline the communication states: 60 days from the sent day (empty when
    /// the sent day is not known to the day).
    #[serde(default, skip_deserializing)]
    pub reply_due: String,
    /// `open`, `overdue` (60 days passed with no reply), `replied` or `unknown`.
    #[serde(default, skip_deserializing)]
    pub deadline: String,
    /// Days left (`open`) or days overdue (`overdue`); 0 otherwise.
    #[serde(default, skip_deserializing)]
    pub deadline_days: i64,
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

async fn mandate_id(tx: &mut WriteTx, code: &str, field: &'static str) -> Result<i64> {
    Ok(sqlx::query("SELECT id FROM sp_mandates WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| rules::Unknown::Mandate.invalid(field, None))?
        .get(0))
}

pub async fn add_communication(tx: &mut WriteTx, iso3: &str, c: &Communication) -> Result<i64> {
    rules::parse_communication(&c.sent, &c.reply, &c.reference)?;
    let kind = rules::parse_communication_kind(&c.comm_type, &c.reply_status, &c.sent, &c.reply)?;
    let mid = mandate_id(tx, &c.mandate_code, "mandate_code").await?;
    let mut joint = Vec::new();
    for code in c.joint_mandates.iter().filter(|m| !m.trim().is_empty()) {
        let other = mandate_id(tx, code, "joint_mandates").await?;
        if other != mid && !joint.contains(&other) {
            joint.push(other);
        }
    }
    let id: i64 = sqlx::query(
        "INSERT INTO sp_communications (mandate_id, iso3, reference, sent, reply, link, updated_at, comm_type, reply_status) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(mid)
    .bind(iso3)
    .bind(c.reference.trim())
    .bind(c.sent.trim())
    .bind(c.reply.trim())
    .bind(c.link.trim())
    .bind(now())
    .bind(kind.comm_type.map(|t| t.code()).unwrap_or(""))
    .bind(kind.reply_status.code())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    for other in joint {
        sqlx::query(
            "INSERT INTO sp_communication_mandates (communication_id, mandate_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(other)
        .execute(tx.conn())
        .await?;
    }
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

/// The columns [`communication_from_row`] reads, in order (`c` is `sp_communications`, `m`
/// its mandate).
const COMMUNICATION_COLUMNS: &str =
    "c.id, m.code, c.reference, c.sent, c.reply, c.link, c.comm_type, c.reply_status";

pub(super) fn communication_from_row(r: &sqlx::any::AnyRow) -> Communication {
    let sent: String = r.get(3);
    let status: String = r.get(7);
    let status = rules::ReplyStatus::ALL
        .into_iter()
        .find(|s| s.code() == status)
        .unwrap_or(rules::ReplyStatus::None);
    let deadline = dignity_core::PartialDate::parse(&sent)
        .map(|d| rules::reply_deadline(&d, status, today()))
        .unwrap_or(rules::ReplyDeadline::Unknown);
    Communication {
        id: r.get(0),
        mandate_code: r.get(1),
        joint_mandates: vec![],
        reference: r.get(2),
        comm_type: r.get(6),
        sent,
        reply: r.get(4),
        reply_status: status.code().into(),
        link: r.get(5),
        joint: false,
        reply_due: deadline.due().map(|d| d.to_string()).unwrap_or_default(),
        deadline: deadline.code().into(),
        deadline_days: match deadline {
            rules::ReplyDeadline::Open { days_left, .. } => days_left,
            rules::ReplyDeadline::Overdue { days, .. } => days,
            _ => 0,
        },
        intervention_id: None,
        reply_clocks: vec![],
    }
}

/// The other mandates of these joint communications, by communication id.
async fn joint_mandates(store: &Store, list: &mut [Communication]) -> Result<()> {
    let rows = sqlx::query(
        "SELECT j.communication_id, m.code FROM sp_communication_mandates j \
         JOIN sp_mandates m ON m.id = j.mandate_id ORDER BY m.code",
    )
    .fetch_all(store.pool())
    .await?;
    for c in list.iter_mut() {
        c.joint_mandates = rows
            .iter()
            .filter(|r| r.get::<i64, _>(0) == c.id)
            .map(|r| r.get(1))
            .collect();
        c.joint = !c.joint_mandates.is_empty();
    }
    Ok(())
}

/// The communications to a State, newest first, with the reply clocks of the linked
/// interventions `actor` may see.
pub async fn communications(
    store: &Store,
    actor: &dignity_core::Actor,
    iso3: &str,
) -> Result<Vec<Communication>> {
    let mut list: Vec<Communication> = sqlx::query(&format!(
        "SELECT {COMMUNICATION_COLUMNS} FROM sp_communications c JOIN sp_mandates m ON m.id = c.mandate_id \
         WHERE c.iso3 = $1 ORDER BY c.sent DESC, c.id DESC"
    ))
    .bind(iso3)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(communication_from_row)
    .collect();
    joint_mandates(store, &mut list).await?;
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
    Ok(sqlx::query(&format!(
        "SELECT {COMMUNICATION_COLUMNS}, c.iso3 FROM sp_communication_interventions l \
         JOIN sp_communications c ON c.id = l.communication_id JOIN sp_mandates m ON m.id = c.mandate_id \
         WHERE l.intervention_id = $1 ORDER BY c.sent, c.id"
    ))
    .bind(intervention_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get::<String, _>(8), communication_from_row(r)))
    .collect())
}
