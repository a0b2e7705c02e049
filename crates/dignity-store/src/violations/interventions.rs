//! Interventions: what was done about events, acts and persons (appeals, communications,
//! visits, statements…), the answers received, and their deadlines.

use super::*;
use crate::now;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use utoipa::ToSchema;

pub use dignity_core::violations::interventions::{
    CLOCK_TYPES, EXTRA_TYPES, REPLY_DAYS, STATUS_CLOSED,
};
use dignity_core::violations::{interventions as rules, Missing};

with_fields! {
    {
        /// A term of micro-thesaurus 20, or urgent_appeal, special_procedure_communication,
        /// trial_observation, detention_visit, public_statement, meeting_authorities,
        /// meeting_defender, legal_aid.
        pub int_type: String,
        /// The person or organisation that intervened.
        pub intervening_party_id: Option<i64>,
        /// To whom (authorities, special procedures…), free text.
        pub addressees: String,
        /// YYYY-MM-DD.
        pub int_date: String,
        pub description: String,
        /// Micro-thesaurus 27.
        pub response_type: Option<String>,
        pub response_date: String,
        pub response_text: String,
        /// Micro-thesaurus 45.
        pub status: Option<String>,
        /// Micro-thesaurus 46.
        pub priority: Option<String>,
        /// Micro-thesaurus 44.
        pub impact: Option<String>,
        pub follow_up_date: String,
        pub assigned_user: Option<i64>,
        pub assigned_team: Option<i64>,
        pub events: Vec<i64>,
        pub acts: Vec<i64>,
        pub persons: Vec<i64>,
    }

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct InterventionInput {
        ..,
        /// The raw text, which validation parses into a [`Confidentiality`].
        pub confidentiality: String,
        pub need_to_know_users: Vec<i64>,
        pub need_to_know_teams: Vec<i64>,
    }

    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct Intervention {
        pub id: i64,
        ..,
        /// The end of the 60-day reply clock, for communications to special procedures.
        pub reply_due: String,
        #[schema(value_type = String)]
        pub confidentiality: Confidentiality,
        pub created_by: Option<i64>,
        pub created_at: String,
    }
}

struct Valid {
    int_type: String,
    date: chrono::NaiveDate,
    reply_due: String,
    response_date: String,
    follow_up: String,
    codes: [Option<String>; 4],
    level: Confidentiality,
}

fn validate(v: &Vocab, i: &InterventionInput) -> Result<Valid> {
    let t = i.int_type.trim();
    let checked = if rules::is_extra_type(t) {
        None
    } else {
        v.check("int_type", t)?
    };
    let int_type = rules::int_type(t, checked)?;
    let days = rules::Days::parse(&int_type, &i.int_date, &i.response_date, &i.follow_up_date)?;
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(Valid {
        int_type,
        date: days.date,
        reply_due: day(days.reply_due),
        response_date: day(days.response),
        follow_up: day(days.follow_up),
        codes: [
            v.check_opt("response_type", &i.response_type)?,
            v.check_opt("status", &i.status)?,
            v.check_opt("priority", &i.priority)?,
            v.check_opt("impact", &i.impact)?,
        ],
        level: level(&i.confidentiality, Confidentiality::Internal)?,
    })
}

async fn write_links(tx: &mut WriteTx, id: i64, i: &InterventionInput) -> Result<()> {
    sqlx::query("DELETE FROM vio_intervention_links WHERE intervention_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for (kind, ids) in [(EVENT, &i.events), (ACT, &i.acts), (PERSON, &i.persons)] {
        for rid in ids {
            // Linked records must exist and be readable by the writer (the same answer).
            if !super::records::exists(tx, kind, *rid).await? {
                let field = match kind {
                    EVENT => "events",
                    ACT => "acts",
                    _ => "persons",
                };
                return Err(Missing::Record.invalid(field, *rid).into());
            }
            sqlx::query(
                "INSERT INTO vio_intervention_links (intervention_id, record_type, record_id) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(kind)
            .bind(*rid)
            .execute(tx.conn())
            .await?;
        }
    }
    Ok(())
}

pub async fn create_intervention(
    tx: &mut WriteTx,
    vocab: &Vocab,
    i: &InterventionInput,
) -> Result<i64> {
    let v = validate(vocab, i)?;
    may_create(tx.actor(), v.level)?;
    if let Some(p) = i.intervening_party_id {
        if !super::records::exists(tx, PERSON, p).await? {
            return Err(Missing::Person.invalid("intervening_party_id", p).into());
        }
    }
    let store = tx.store().clone();
    let at = now();
    let id = tx.next_id("vio_interventions").await?;
    sqlx::query(
        "INSERT INTO vio_interventions (int_type, intervening_party_id, addressees, int_date, description, response_type, \
         response_date, response_text, status, priority, impact, reply_due, follow_up_date, assigned_user, assigned_team, \
         confidentiality, published, created_by, created_at, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,0,$17,$18,$18,$19)",
    )
    .bind(&v.int_type)
    .bind(i.intervening_party_id)
    .bind(enc_keep(&store, "vio_interventions.addressees", id, &i.addressees))
    .bind(enc_keep(&store, "vio_interventions.int_date", id, &v.date.to_string()))
    .bind(enc(&store, "vio_interventions.description", id, &i.description))
    .bind(&v.codes[0])
    .bind(enc_keep(&store, "vio_interventions.response_date", id, &v.response_date))
    .bind(enc(&store, "vio_interventions.response_text", id, &i.response_text))
    .bind(&v.codes[1])
    .bind(&v.codes[2])
    .bind(&v.codes[3])
    .bind(enc_keep(&store, "vio_interventions.reply_due", id, &v.reply_due))
    .bind(enc_keep(&store, "vio_interventions.follow_up_date", id, &v.follow_up))
    .bind(i.assigned_user)
    .bind(i.assigned_team)
    .bind(v.level.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    write_links(tx, id, i).await?;
    set_list(
        tx,
        INTERVENTION,
        id,
        v.level,
        &i.need_to_know_users,
        &i.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "intervention.create",
        INTERVENTION,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(i).unwrap_or_default()),
        serde_json::json!({ "type": v.int_type }),
    );
    Ok(id)
}

/// Record the response to an intervention (and optionally its new status and impact).
#[allow(clippy::too_many_arguments)]
pub async fn record_response(
    tx: &mut WriteTx,
    vocab: &Vocab,
    id: i64,
    response_type: Option<String>,
    response_date: &str,
    response_text: &str,
    status: Option<String>,
    impact: Option<String>,
) -> Result<()> {
    let store = tx.store().clone();
    let cur = get_intervention(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("intervention {id}")))?;
    let rt = vocab.check_opt("response_type", &response_type)?;
    let st = vocab.check_opt("status", &status)?;
    let im = vocab.check_opt("impact", &impact)?;
    let rd = rules::exact_day("response_date", response_date, true)?.expect("required");
    // The stored day of the intervention (written by `validate`, so a parsed day).
    if let Ok(Some(d)) = rules::exact_day("int_date", &cur.int_date, false) {
        rules::response_after(d, rd)?;
    }
    sqlx::query(
        "UPDATE vio_interventions SET response_type = $1, response_date = $2, response_text = $3, \
         status = COALESCE($4, status), impact = COALESCE($5, impact), updated_at = $6 WHERE id = $7",
    )
    .bind(&rt)
    .bind(enc_keep(&store, "vio_interventions.response_date", id, &rd.to_string()))
    .bind(enc(&store, "vio_interventions.response_text", id, response_text))
    .bind(&st)
    .bind(&im)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "intervention.response",
        INTERVENTION,
        &id.to_string(),
        Some(&serde_json::to_value(&cur).unwrap_or_default()),
        None,
        serde_json::json!({ "response_type": rt }),
    );
    Ok(())
}

const COLS: &str = "id, int_type, intervening_party_id, addressees, int_date, description, response_type, response_date, \
    response_text, status, priority, impact, reply_due, follow_up_date, assigned_user, assigned_team, confidentiality, \
    created_by, created_at";

async fn from_row(store: &Store, r: &AnyRow) -> Result<Intervention> {
    let id: i64 = r.get(0);
    let links = sqlx::query("SELECT record_type, record_id FROM vio_intervention_links WHERE intervention_id = $1 ORDER BY record_id")
        .bind(id)
        .fetch_all(store.pool())
        .await?;
    let of = |k: &str| -> Vec<i64> {
        links
            .iter()
            .filter(|l| l.get::<String, _>(0) == k)
            .map(|l| l.get(1))
            .collect()
    };
    Ok(Intervention {
        id,
        int_type: r.get(1),
        intervening_party_id: r.get(2),
        addressees: dec(store, "vio_interventions.addressees", id, r.get(3))?,
        int_date: dec(store, "vio_interventions.int_date", id, r.get(4))?,
        description: dec(store, "vio_interventions.description", id, r.get(5))?,
        response_type: r.get(6),
        response_date: dec(store, "vio_interventions.response_date", id, r.get(7))?,
        response_text: dec(store, "vio_interventions.response_text", id, r.get(8))?,
        status: r.get(9),
        priority: r.get(10),
        impact: r.get(11),
        reply_due: dec(store, "vio_interventions.reply_due", id, r.get(12))?,
        follow_up_date: dec(store, "vio_interventions.follow_up_date", id, r.get(13))?,
        assigned_user: r.get(14),
        assigned_team: r.get(15),
        events: of(EVENT),
        acts: of(ACT),
        persons: of(PERSON),
        confidentiality: stored_level(r, 16),
        created_by: r.get(17),
        created_at: r.get(18),
    })
}

pub async fn get_intervention(store: &Store, id: i64) -> Result<Option<Intervention>> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM vio_interventions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    match r {
        Some(r) => Ok(Some(from_row(store, &r).await?)),
        None => Ok(None),
    }
}

/// Interventions linked to a record, that the actor may see.
pub async fn interventions_for(
    store: &Store,
    actor: &Actor,
    record_type: &str,
    id: i64,
) -> Result<Vec<Intervention>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM vio_interventions i WHERE i.id IN (SELECT intervention_id FROM vio_intervention_links \
         WHERE record_type = $1 AND record_id = $2) AND {} ORDER BY i.id DESC",
        COLS.split(", ").map(|c| format!("i.{c}")).collect::<Vec<_>>().join(", "),
        acl::visible_sql(actor, "i", dignity_core::RecordType::Intervention)
    ))
    .bind(record_type)
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    newest_first(store, &rows).await
}

/// The interventions of `rows`, newest first: the dates are encrypted, so they are sorted
/// here by the decrypted date of the intervention, then by id.
async fn newest_first(store: &Store, rows: &[AnyRow]) -> Result<Vec<Intervention>> {
    let mut out = vec![];
    for r in rows {
        out.push(from_row(store, r).await?);
    }
    out.sort_by(|a, b| b.int_date.cmp(&a.int_date).then_with(|| b.id.cmp(&a.id)));
    Ok(out)
}

pub async fn list_interventions(
    store: &Store,
    actor: &Actor,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<Intervention>)> {
    let w = acl::visible_sql(actor, "i", dignity_core::RecordType::Intervention);
    let total: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM vio_interventions i WHERE {w}"
    ))
    .fetch_one(store.pool())
    .await?
    .get(0);
    let rows = sqlx::query(&format!(
        "SELECT {} FROM vio_interventions i WHERE {w} ORDER BY i.id DESC LIMIT {} OFFSET {}",
        COLS.split(", ")
            .map(|c| format!("i.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        limit.clamp(1, 1000),
        offset.max(0)
    ))
    .fetch_all(store.pool())
    .await?;
    // Pages follow the order of entry (the dates are encrypted); within a page, by date.
    Ok((total, newest_first(store, &rows).await?))
}

/// A deadline on the "due and overdue" page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deadline {
    pub intervention_id: i64,
    pub int_type: String,
    /// reply (the 60-day clock) or follow_up.
    pub kind: String,
    pub due: String,
    pub overdue: bool,
    /// Days left (negative when overdue).
    pub days_left: i64,
    pub addressees: String,
    pub assigned_user: Option<i64>,
    pub assigned_team: Option<i64>,
}

/// Deadlines within `horizon_days` from `today` (and every overdue one) of open
/// interventions the actor may see. `scope`: `mine` (assigned to or created by the actor),
/// `team` (assigned to one of the actor's teams) or `all`.
pub async fn deadlines(
    store: &Store,
    actor: &Actor,
    scope: &str,
    today: chrono::NaiveDate,
    horizon_days: i64,
) -> Result<Vec<Deadline>> {
    let uid = actor.user_id.unwrap_or(-1);
    let scope_sql = match scope {
        "mine" => format!(
            "(i.assigned_user = {uid} OR (i.assigned_user IS NULL AND i.created_by = {uid}))"
        ),
        "team" => {
            if actor.teams.is_empty() {
                "1 = 0".to_string()
            } else {
                format!("i.assigned_team IN ({})", acl::id_list(&actor.teams))
            }
        }
        _ => "1 = 1".to_string(),
    };
    let rows = sqlx::query(&format!(
        "SELECT i.id, i.int_type, i.reply_due, i.follow_up_date, i.response_date, i.addressees, i.assigned_user, i.assigned_team \
         FROM vio_interventions i WHERE {} AND {scope_sql} AND (i.status IS NULL OR i.status <> $1) \
         AND ((i.reply_due <> '' AND i.response_date = '') OR i.follow_up_date <> '')",
        acl::visible_sql(actor, "i", dignity_core::RecordType::Intervention)
    ))
    .bind(STATUS_CLOSED)
    .fetch_all(store.pool())
    .await?;
    // The dates are encrypted: the open interventions with a clock are read (a bounded
    // set: closed ones and answered replies are left out in SQL) and the clocks are
    // computed by the area's rules.
    let mut out = vec![];
    for r in rows {
        let id: i64 = r.get(0);
        let reply = dec(store, "vio_interventions.reply_due", id, r.get(2))?;
        let follow = dec(store, "vio_interventions.follow_up_date", id, r.get(3))?;
        let responded = !r.get::<String, _>(4).is_empty();
        for d in rules::deadlines(&reply, &follow, responded, today, horizon_days) {
            out.push(Deadline {
                intervention_id: r.get(0),
                int_type: r.get(1),
                kind: d.kind.as_str().into(),
                overdue: d.overdue(),
                days_left: d.days_left,
                due: d.due,
                addressees: dec(store, "vio_interventions.addressees", id, r.get(5))?,
                assigned_user: r.get(6),
                assigned_team: r.get(7),
            });
        }
    }
    out.sort_by(|a, b| {
        a.due
            .cmp(&b.due)
            .then(a.intervention_id.cmp(&b.intervention_id))
    });
    Ok(out)
}
