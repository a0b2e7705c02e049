//! Implementation tracking: clusters of recommendations, responsible institutions and
//! focal points, planned actions, dated and attributed assessments of the implementation
//! status (with confidentiality), internal notes, and the follow-up report.

use crate::{acl, now, Result, Store, WriteTx};
use dignity_core::obligations as rules;
use dignity_core::{Actor, Confidentiality, PartialDate};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// What a tracking item is attached to: one recommendation or a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Recommendation(i64),
    Cluster(i64),
}

impl Target {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Target::Recommendation(r) => (Some(r), None),
            Target::Cluster(c) => (None, Some(c)),
        }
    }
    fn cond(self) -> (&'static str, i64) {
        match self {
            Target::Recommendation(r) => ("rec_id", r),
            Target::Cluster(c) => ("cluster_id", c),
        }
    }
}

// ---------------------------------------------------------------- clusters --

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cluster {
    pub id: i64,
    pub iso3: String,
    pub name: String,
    /// `theme`, `affected`, `sdg` or `manual`.
    pub basis: String,
    pub basis_value: String,
    pub members: i64,
}

/// Create a cluster of a State's recommendations; for `theme`, `affected` or `sdg` every
/// recommendation with that value joins it; `manual` clusters start empty.
pub async fn create_cluster(
    tx: &mut WriteTx,
    iso3: &str,
    name: &str,
    basis: &str,
    value: &str,
) -> Result<i64> {
    let spec = rules::parse_cluster(name, basis, value)?;
    let basis = spec.basis.code();
    let store = tx.store().clone();
    let id = tx.next_id("rec_clusters").await?;
    sqlx::query(
        "INSERT INTO rec_clusters (iso3, name, basis, basis_value, created_at, id) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(iso3)
    .bind(enc_keep(&store, "rec_clusters.name", id, name))
    .bind(basis)
    .bind(enc_keep(&store, "rec_clusters.basis_value", id, value))
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await
    .map_err(|_| rules::Unknown::Country.invalid("iso3", None))?;
    if basis != "manual" {
        sqlx::query(
            "INSERT INTO rec_cluster_members (cluster_id, rec_id) SELECT $1, r.id FROM recommendations r \
             JOIN recommendation_tags t ON t.rec_id = r.id WHERE r.iso3 = $2 AND t.kind = $3 AND t.value = $4",
        )
        .bind(id)
        .bind(iso3)
        .bind(basis)
        .bind(value.trim())
        .execute(tx.conn())
        .await?;
    }
    tx.audit(
        "cluster.create",
        "rec_cluster",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "iso3": iso3, "basis": basis }),
    );
    Ok(id)
}

/// Add a recommendation to a cluster by hand.
pub async fn add_to_cluster(tx: &mut WriteTx, cluster: i64, rec: i64) -> Result<()> {
    sqlx::query("INSERT INTO rec_cluster_members (cluster_id, rec_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(cluster)
        .bind(rec)
        .execute(tx.conn())
        .await
        .map_err(|_| rules::Unknown::ClusterOrRecommendation.invalid("cluster", None))?;
    tx.audit(
        "cluster.member_add",
        "rec_cluster",
        &cluster.to_string(),
        None,
        None,
        serde_json::json!({ "rec_id": rec }),
    );
    Ok(())
}

/// A State's clusters, by name (sorted here: the names are encrypted).
pub async fn clusters(store: &Store, iso3: &str) -> Result<Vec<Cluster>> {
    let mut out = sqlx::query(
        "SELECT c.id, c.iso3, c.name, c.basis, c.basis_value, (SELECT COUNT(*) FROM rec_cluster_members m WHERE m.cluster_id = c.id) \
         FROM rec_clusters c WHERE c.iso3 = $1",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get(0);
        Ok(Cluster {
            id,
            iso3: r.get(1),
            name: dec(store, "rec_clusters.name", id, r.get(2))?,
            basis: r.get(3),
            basis_value: dec(store, "rec_clusters.basis_value", id, r.get(4))?,
            members: r.get(5),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

fn enc_keep(store: &Store, field: &str, row: i64, v: &str) -> String {
    crate::violations::enc_keep(store, field, row, v)
}

fn dec(store: &Store, field: &str, row: i64, v: Option<String>) -> Result<String> {
    crate::violations::dec(store, field, row, v)
}

// ---------------------------------------------------- institutions, actions --

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assignment {
    pub institution: String,
    /// `ministry`, `agency`, `nhri`, `parliament`, `judiciary` or `other`.
    pub kind: String,
    pub focal_point: String,
    /// Set when the assignment came through a cluster.
    pub via_cluster: Option<String>,
}

pub use rules::INSTITUTION_KINDS;

/// Institution names are encrypted at rest, bound to their row.
const INSTITUTION_NAME: &str = "institutions.name";

/// Find or create an institution by name. The names are encrypted (each bound to its
/// row), so the lookup decrypts them here: the write transaction holds other writers off,
/// which keeps a name unique.
pub async fn institution(
    tx: &mut WriteTx,
    name: &str,
    kind: &str,
    iso3: Option<&str>,
) -> Result<i64> {
    let name = rules::parse_institution(name, kind)?;
    let store = tx.store().clone();
    for r in sqlx::query("SELECT id, name FROM institutions ORDER BY id")
        .fetch_all(tx.conn())
        .await?
    {
        let id: i64 = r.get(0);
        if dec(&store, INSTITUTION_NAME, id, r.get(1))? == name {
            return Ok(id);
        }
    }
    let id = tx.next_id("institutions").await?;
    sqlx::query(
        "INSERT INTO institutions (id, name, kind, iso3, created_at) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(id)
    .bind(store.keys().encrypt(INSTITUTION_NAME, id, name))
    .bind(kind)
    .bind(iso3)
    .bind(now())
    .execute(tx.conn())
    .await?;
    tx.audit(
        "institution.create",
        "institution",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "kind": kind }),
    );
    Ok(id)
}

/// The name of the institution `id` of a left join (`None` when there is none).
fn institution_name(store: &Store, id: Option<i64>, v: Option<String>) -> Result<Option<String>> {
    id.map(|id| dec(store, INSTITUTION_NAME, id, v)).transpose()
}

/// Assign a recommendation or cluster to an institution (audited).
pub async fn assign(
    tx: &mut WriteTx,
    target: Target,
    institution_id: i64,
    focal_point: &str,
) -> Result<i64> {
    let (r, c) = target.ids();
    let id = tx.next_id("rec_assignments").await?;
    let focal = enc_keep(tx.store(), "rec_assignments.focal_point", id, focal_point);
    sqlx::query(
        "INSERT INTO rec_assignments (rec_id, cluster_id, institution_id, focal_point, created_at, id) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(r)
    .bind(c)
    .bind(institution_id)
    .bind(focal)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await
    .map_err(|_| rules::Unknown::RecommendationClusterOrInstitution.invalid("target", None))?;
    tx.audit(
        "assignment.create",
        "rec_assignment",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "target": target, "institution": institution_id }),
    );
    Ok(id)
}

/// The rows of `select` (its table aliased `a`) that belong to recommendation `rec_id`,
/// directly or through one of its clusters.
async fn rows_of_rec(store: &Store, select: &str, rec_id: i64) -> Result<Vec<AnyRow>> {
    Ok(sqlx::query(&format!(
        "{select} WHERE a.rec_id = $1 OR a.cluster_id IN (SELECT cluster_id FROM rec_cluster_members WHERE rec_id = $1)"
    ))
    .bind(rec_id)
    .fetch_all(store.pool())
    .await?)
}

/// Run `insert`, a row on a recommendation or a cluster whose last two values, bound here,
/// are its creation time (now) and its id; an unknown target is refused (field `target`).
async fn insert_on_target<'q>(
    tx: &mut WriteTx,
    insert: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    id: i64,
) -> Result<()> {
    insert
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await
        .map_err(|_| rules::Unknown::RecommendationOrCluster.invalid("target", None))?;
    Ok(())
}

/// The assignments of a recommendation, direct and through its clusters.
pub async fn assignments(store: &Store, rec_id: i64) -> Result<Vec<Assignment>> {
    rows_of_rec(
        store,
        "SELECT i.name, i.kind, a.focal_point, c.name, a.id, c.id, i.id FROM rec_assignments a JOIN institutions i ON i.id = a.institution_id \
         LEFT JOIN rec_clusters c ON c.id = a.cluster_id",
        rec_id,
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.get::<i64, _>(4),
            Assignment {
                institution: dec(store, INSTITUTION_NAME, r.get::<i64, _>(6), r.get(0))?,
                kind: r.get(1),
                focal_point: dec(store, "rec_assignments.focal_point", r.get(4), r.get(2))?,
                via_cluster: match r.get::<Option<i64>, _>(5) {
                    Some(c) => Some(dec(store, "rec_clusters.name", c, r.get(3))?),
                    None => None,
                },
            },
        ))
    })
    .collect::<Result<Vec<_>>>()
    .map(|mut v| {
        // By institution name (sorted here: the names are encrypted), then assignment.
        v.sort_by(|a, b| (&a.1.institution, a.0).cmp(&(&b.1.institution, b.0)));
        v.into_iter().map(|x| x.1).collect()
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedAction {
    #[serde(default)]
    pub id: i64,
    pub description: String,
    #[serde(default)]
    pub institution: Option<String>,
    /// Full date, `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub target_date: String,
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub done: bool,
    /// Days past the target date, when not done.
    #[serde(default)]
    pub overdue_days: Option<i64>,
}

pub async fn add_action(
    tx: &mut WriteTx,
    target: Target,
    a: &PlannedAction,
    institution_id: Option<i64>,
) -> Result<i64> {
    let d = rules::parse_action(&a.description, &a.target_date)?;
    let (r, c) = target.ids();
    let store = tx.store().clone();
    let id = tx.next_id("rec_actions").await?;
    let insert = sqlx::query(
        "INSERT INTO rec_actions (rec_id, cluster_id, institution_id, description, target_date, indicator, done, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(r)
    .bind(c)
    .bind(institution_id)
    .bind(enc_keep(&store, "rec_actions.description", id, &a.description))
    .bind(enc_keep(&store, "rec_actions.target_date", id, &d.to_string()))
    .bind(enc_keep(&store, "rec_actions.indicator", id, &a.indicator))
    .bind(a.done as i64);
    insert_on_target(tx, insert, id).await?;
    tx.audit(
        "action.create",
        "rec_action",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "target": target }),
    );
    Ok(id)
}

pub async fn actions(store: &Store, rec_id: i64) -> Result<Vec<PlannedAction>> {
    let today = super::today();
    let mut out = rows_of_rec(
        store,
        "SELECT a.id, a.description, i.name, a.target_date, a.indicator, a.done, i.id FROM rec_actions a \
         LEFT JOIN institutions i ON i.id = a.institution_id",
        rec_id,
    )
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get(0);
        let target = dec(store, "rec_actions.target_date", id, r.get(3))?;
        let done = r.get::<i64, _>(5) != 0;
        let overdue = PartialDate::parse(&target)
            .ok()
            .and_then(|d| d.latest())
            .and_then(|d| dignity_core::obligations::overdue_days(d, done.then_some(d), today));
        Ok(PlannedAction {
            id,
            description: dec(store, "rec_actions.description", id, r.get(1))?,
            institution: institution_name(store, r.get(6), r.get(2))?,
            target_date: target,
            indicator: dec(store, "rec_actions.indicator", id, r.get(4))?,
            done,
            overdue_days: overdue,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    // By target date (sorted here: the dates are encrypted), then id.
    out.sort_by(|a, b| a.target_date.cmp(&b.target_date).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Mark a planned action of a recommendation (or of a cluster it belongs to) done or not
/// done (audited with the state before and after). An action of another recommendation
/// is refused.
pub async fn set_action_done(
    tx: &mut WriteTx,
    rec_id: i64,
    action_id: i64,
    done: bool,
) -> Result<()> {
    let before: Option<i64> = sqlx::query(
        "SELECT done FROM rec_actions WHERE id = $1 AND (rec_id = $2 OR cluster_id IN          (SELECT cluster_id FROM rec_cluster_members WHERE rec_id = $2))",
    )
    .bind(action_id)
    .bind(rec_id)
    .fetch_optional(tx.conn())
    .await?
    .map(|r| r.get(0));
    let Some(before) = before else {
        return Err(rules::Unknown::PlannedAction
            .invalid("action_id", None)
            .into());
    };
    sqlx::query("UPDATE rec_actions SET done = $1 WHERE id = $2")
        .bind(done as i64)
        .bind(action_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        if done { "action.done" } else { "action.reopen" },
        "rec_action",
        &action_id.to_string(),
        Some(&serde_json::json!({ "done": before != 0 })),
        Some(&serde_json::json!({ "done": done })),
        serde_json::json!({ "rec_id": rec_id }),
    );
    Ok(())
}

/// A planned action that is due: its recommendation, what, by whom, when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueAction {
    pub rec_id: i64,
    pub body: String,
    pub description: String,
    pub institution: Option<String>,
    pub target_date: String,
    pub overdue_days: Option<i64>,
}

/// Reminders: the planned actions on a State's recommendations not done and due within
/// `days` (overdue ones included), earliest first.
pub async fn due_actions(store: &Store, iso3: &str, days: i64) -> Result<Vec<DueAction>> {
    let today = super::today();
    let until = today + chrono::Duration::days(days);
    // The open actions (not done, with a target date) of the State: their dates are
    // encrypted, so the clock is computed here on the decrypted dates.
    let mut out = vec![];
    for r in sqlx::query(
        "SELECT r.id, r.body, a.description, i.name, a.target_date, a.id, i.id FROM rec_actions a \
         JOIN recommendations r ON r.id = a.rec_id OR r.id IN (SELECT m.rec_id FROM rec_cluster_members m WHERE m.cluster_id = a.cluster_id) \
         LEFT JOIN institutions i ON i.id = a.institution_id \
         WHERE r.iso3 = $1 AND a.done = 0 AND a.target_date <> ''",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?
    {
        let aid: i64 = r.get(5);
        let target = dec(store, "rec_actions.target_date", aid, r.get(4))?;
        let Some(d) = PartialDate::parse(&target).ok().and_then(|p| p.latest()) else {
            continue;
        };
        if d <= until {
            out.push((
                aid,
                DueAction {
                    rec_id: r.get(0),
                    body: r.get(1),
                    description: dec(store, "rec_actions.description", aid, r.get(2))?,
                    institution: institution_name(store, r.get(6), r.get(3))?,
                    target_date: target,
                    overdue_days: dignity_core::obligations::overdue_days(d, None, today),
                },
            ));
        }
    }
    // By target date as typed (as before the dates were encrypted), then action.
    out.sort_by(|a, b| (&a.1.target_date, a.0).cmp(&(&b.1.target_date, b.0)));
    Ok(out.into_iter().map(|x| x.1).collect())
}

// -------------------------------------------------------------- assessments --

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    #[serde(default)]
    pub id: i64,
    pub status: String,
    /// `YYYY-MM-DD`.
    pub assessed_on: String,
    #[serde(default)]
    pub narrative: String,
    /// Links to evidence, one per line.
    #[serde(default)]
    pub evidence: String,
    /// public, internal, confidential, strictly_confidential (default internal).
    #[serde(default)]
    pub confidentiality: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub via_cluster: bool,
}

/// Record an assessment of a recommendation's (or a cluster's) implementation status,
/// dated and attributed to the actor (audited); refreshes the statuses shown in lists.
pub async fn assess(tx: &mut WriteTx, target: Target, a: &Assessment) -> Result<i64> {
    let rules::AssessmentFacts {
        status,
        assessed_on: day,
        level,
    } = rules::parse_assessment(
        &a.status,
        &a.assessed_on,
        a.confidentiality.as_deref(),
        super::today(),
    )?;
    let published = a.published && level == Confidentiality::Public;
    let (r, c) = target.ids();
    let store = tx.store().clone();
    let id = tx.next_id("rec_assessments").await?;
    let enc = |col: &str, v: &str| {
        crate::violations::enc_keep(&store, &format!("rec_assessments.{col}"), id, v)
    };
    let insert = sqlx::query(
        "INSERT INTO rec_assessments (rec_id, cluster_id, status, assessed_on, narrative, evidence, confidentiality, published, created_by, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(r)
    .bind(c)
    .bind(status.as_str())
    .bind(enc("assessed_on", &day.to_string()))
    .bind(enc("narrative", &a.narrative))
    .bind(enc("evidence", &a.evidence))
    .bind(level.as_str())
    .bind(published as i64)
    .bind(tx.actor().user_id);
    insert_on_target(tx, insert, id).await?;
    tx.audit(
        "assessment.create",
        "rec_assessment",
        &id.to_string(),
        None,
        Some(&serde_json::json!({ "status": status.as_str(), "on": day.to_string(), "narrative": a.narrative, "evidence": a.evidence })),
        serde_json::json!({ "target": target, "status": status.as_str(), "confidentiality": level.as_str() }),
    );
    refresh_status(tx, target).await?;
    Ok(id)
}

/// Recompute the statuses shown in lists from the latest assessments: `status_public`
/// from public, published ones, `status_internal` from public and internal ones (never
/// from confidential ones, which only their need-to-know list may see).
async fn refresh_status(tx: &mut WriteTx, target: Target) -> Result<()> {
    let recs: Vec<i64> = match target {
        Target::Recommendation(r) => vec![r],
        Target::Cluster(c) => {
            sqlx::query("SELECT rec_id FROM rec_cluster_members WHERE cluster_id = $1")
                .bind(c)
                .fetch_all(tx.conn())
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect()
        }
    };
    let store = tx.store().clone();
    for rec in recs {
        // The assessments of one recommendation (few): the latest by the decrypted date.
        let rows = sqlx::query(
            "SELECT id, status, assessed_on, confidentiality, published FROM rec_assessments \
             WHERE (rec_id = $1 OR cluster_id IN (SELECT cluster_id FROM rec_cluster_members WHERE rec_id = $1)) \
             AND confidentiality IN ('public', 'internal')",
        )
        .bind(rec)
        .fetch_all(tx.conn())
        .await?;
        let mut dated = vec![];
        for r in &rows {
            let id: i64 = r.get(0);
            let on = crate::violations::dec(&store, "rec_assessments.assessed_on", id, r.get(2))?;
            let public = crate::shared::stored_level(r, 3) == Confidentiality::Public
                && r.get::<i64, _>(4) == 1;
            dated.push((on, id, r.get::<String, _>(1), public));
        }
        dated.sort();
        let i: Option<String> = dated.last().map(|d| d.2.clone());
        let p: Option<String> = dated.iter().rev().find(|d| d.3).map(|d| d.2.clone());
        sqlx::query(
            "UPDATE recommendations SET status_public = $1, status_internal = $2 WHERE id = $3",
        )
        .bind(p.unwrap_or_default())
        .bind(i.unwrap_or_default())
        .bind(rec)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// The status history of a recommendation the actor may see, oldest first (direct
/// assessments and those of its clusters).
pub async fn history(store: &Store, actor: &Actor, rec_id: i64) -> Result<Vec<Assessment>> {
    let vis = acl::visible_sql(actor, "ra", dignity_core::RecordType::Assessment);
    let mut out = sqlx::query(&format!(
        "SELECT ra.id, ra.status, ra.assessed_on, ra.narrative, ra.evidence, ra.confidentiality, ra.published, u.display_name, u.username, ra.cluster_id, u.id \
         FROM rec_assessments ra LEFT JOIN users u ON u.id = ra.created_by \
         WHERE (ra.rec_id = $1 OR ra.cluster_id IN (SELECT cluster_id FROM rec_cluster_members WHERE rec_id = $1)) AND {vis}"
    ))
    .bind(rec_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let dn = match r.get::<Option<i64>, _>(10) {
            Some(uid) => Some(dec(store, crate::accounts::DISPLAY_NAME, uid, r.get(7))?),
            None => None,
        };
        let un: Option<String> = r.get(8);
        let id: i64 = r.get(0);
        let dec = |col: &str, i: usize| {
            crate::violations::dec(store, &format!("rec_assessments.{col}"), id, r.get(i))
        };
        Ok(Assessment {
            id,
            status: r.get(1),
            assessed_on: dec("assessed_on", 2)?,
            narrative: dec("narrative", 3)?,
            evidence: dec("evidence", 4)?,
            confidentiality: Some(r.get(5)),
            published: r.get::<i64, _>(6) != 0,
            by: dn.filter(|s| !s.is_empty()).or(un),
            via_cluster: r.get::<Option<i64>, _>(9).is_some(),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    // Oldest first (sorted here: the dates are encrypted).
    out.sort_by(|a, b| a.assessed_on.cmp(&b.assessed_on).then(a.id.cmp(&b.id)));
    Ok(out)
}

// -------------------------------------------------------------------- notes --

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Note {
    pub id: i64,
    pub body: String,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
    pub by: Option<String>,
    pub created_at: String,
}

/// Add an internal tracking note (a record with its own confidentiality; default
/// internal). Public visitors never see notes that are not public and published.
pub async fn add_note(
    tx: &mut WriteTx,
    target: Target,
    body: &str,
    level: Confidentiality,
) -> Result<i64> {
    rules::not_empty("body", body)?;
    let (r, c) = target.ids();
    let id = tx.next_id("rec_notes").await?;
    let enc_body = crate::violations::enc_keep(tx.store(), "rec_notes.body", id, body);
    let insert = sqlx::query(
        "INSERT INTO rec_notes (rec_id, cluster_id, body, confidentiality, published, created_by, created_at, id) VALUES ($1,$2,$3,$4,0,$5,$6,$7)",
    )
    .bind(r)
    .bind(c)
    .bind(enc_body)
    .bind(level.as_str())
    .bind(tx.actor().user_id);
    insert_on_target(tx, insert, id).await?;
    tx.audit(
        "note.create",
        "rec_note",
        &id.to_string(),
        None,
        Some(&serde_json::json!({ "body": body })),
        serde_json::json!({ "target": target, "confidentiality": level.as_str() }),
    );
    Ok(id)
}

/// The notes on a target that the actor may read.
pub async fn notes(store: &Store, actor: &Actor, target: Target) -> Result<Vec<Note>> {
    let vis = acl::visible_sql(actor, "n", dignity_core::RecordType::RecommendationNote);
    let (col, id) = target.cond();
    sqlx::query(&format!(
        "SELECT n.id, n.body, n.confidentiality, u.username, n.created_at FROM rec_notes n LEFT JOIN users u ON u.id = n.created_by \
         WHERE n.{col} = $1 AND {vis} ORDER BY n.created_at"
    ))
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.get(0);
        Ok(Note {
            id,
            body: crate::violations::dec(store, "rec_notes.body", id, r.get(1))?,
            confidentiality: crate::shared::stored_level(r, 2),
            by: r.get(3),
            created_at: r.get(4),
        })
    })
    .collect()
}

// ------------------------------------------------------------ follow-up ---

/// One line of a follow-up report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpItem {
    pub recommendation: super::Recommendation,
    pub assignments: Vec<Assignment>,
    pub actions: Vec<PlannedAction>,
    /// Assessments since the date, oldest first.
    pub assessments: Vec<Assessment>,
}

/// What has been done on one mechanism's recommendations to a State since `since`
/// (e.g. the last review): every recommendation of the body, its institutions, actions
/// and the assessments the reader may see.
pub async fn follow_up(
    store: &Store,
    actor: &Actor,
    iso3: &str,
    body: &str,
    since: &str,
) -> Result<Vec<FollowUpItem>> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let f = super::RecFilter {
            country: Some(iso3.into()),
            body: Some(body.into()),
            page: Some(page),
            per_page: Some(200),
            ..Default::default()
        };
        let p = super::recs::search(store, actor, &f, false).await?;
        let n = p.items.len();
        for r in p.items {
            let id = r.id;
            let assessments = history(store, actor, id)
                .await?
                .into_iter()
                .filter(|a| a.assessed_on.as_str() >= since)
                .collect();
            out.push(FollowUpItem {
                recommendation: r,
                assignments: assignments(store, id).await?,
                actions: actions(store, id).await?,
                assessments,
            });
        }
        if n < 200 || out.len() >= 2000 {
            break;
        }
        page += 1;
    }
    Ok(out)
}
