//! The review queue and one pair with its two sides, as far as the reader may see them.

use super::*;

/// The SQL condition "the actor may see this side of pair `x`" (`side` is left or right).
fn side_visible(actor: &Actor, side: &str) -> String {
    let p = format!("p_{side}");
    let r = format!("r_{side}");
    let m = format!("m_{side}");
    format!(
        "((x.{side}_kind = '{KIND_PERSON}' AND EXISTS (SELECT 1 FROM vio_persons {p} WHERE {p}.id = x.{side}_id AND {})) \
         OR (x.{side}_kind = '{KIND_RECORD}' AND EXISTS (SELECT 1 FROM pro_source_records {r} WHERE {r}.id = x.{side}_id AND \
         ({r}.missing_id IS NULL OR EXISTS (SELECT 1 FROM pro_missing {m} WHERE {m}.id = {r}.missing_id AND {})))))",
        acl::visible_sql(actor, &p, dignity_core::RecordType::Person),
        crate::protection::profile_visible_sql(actor, &m, dignity_core::RecordType::Missing),
    )
}

/// Pairs whose two records the actor may both see.
pub(super) fn visible_where(actor: &Actor) -> String {
    if !may_review(actor) {
        return "1 = 0".into();
    }
    format!(
        "{} AND {}",
        side_visible(actor, "left"),
        side_visible(actor, "right")
    )
}

/// A pair in the review queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PairRow {
    pub id: i64,
    pub run_id: i64,
    pub left_kind: String,
    pub left_id: i64,
    pub right_kind: String,
    pub right_id: i64,
    pub probability: f64,
    pub match_weight: f64,
    pub status: String,
    pub explanation: Vec<FieldWeight>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: String,
}

pub(super) const PAIR_COLS: &str = "x.id, x.run_id, x.left_kind, x.left_id, x.right_kind, x.right_id, x.probability, x.match_weight, x.status, \
    x.explanation, x.reviewed_by, x.reviewed_at, x.outcome";

pub(super) fn pair_from(r: &sqlx::any::AnyRow) -> (PairRow, String) {
    (
        PairRow {
            id: r.get(0),
            run_id: r.get(1),
            left_kind: r.get(2),
            left_id: r.get(3),
            right_kind: r.get(4),
            right_id: r.get(5),
            probability: r.get(6),
            match_weight: r.get(7),
            status: r.get(8),
            explanation: serde_json::from_str(&r.get::<String, _>(9)).unwrap_or_default(),
            reviewed_by: r.get(10),
            reviewed_at: r.get(11),
        },
        r.get(12),
    )
}

/// Which pairs the queue shows, in which order.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct QueueFilter {
    /// A run (default: the newest).
    pub run: Option<i64>,
    /// pending (default), unsure, accepted, rejected or all.
    pub status: Option<String>,
    /// "uncertain" (closest to 50 % first, default) or "highest".
    pub order: Option<String>,
}

impl QueueFilter {
    fn where_sql(&self, actor: &Actor, run: i64) -> String {
        let status = match self.status.as_deref() {
            Some(s) if STATUSES.contains(&s) => format!(" AND x.status = '{s}'"),
            Some("all") => String::new(),
            _ => " AND x.status = 'pending'".into(),
        };
        format!("x.run_id = {run}{status} AND {}", visible_where(actor))
    }
    fn order_sql(&self) -> &'static str {
        match self.order.as_deref() {
            Some("highest") => "x.probability DESC, x.id",
            _ => "ABS(x.probability - 0.5), x.probability DESC, x.id",
        }
    }
}

async fn newest_run(store: &Store) -> Result<Option<i64>> {
    Ok(sqlx::query("SELECT MAX(id) FROM stat_linkage_runs")
        .fetch_one(store.pool())
        .await?
        .get::<Option<i64>, _>(0))
}

/// The review queue: pairs of a run whose two records the actor may see.
pub async fn queue(
    store: &Store,
    actor: &Actor,
    f: &QueueFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<PairRow>)> {
    let Some(run) = (match f.run {
        Some(r) => Some(r),
        None => newest_run(store).await?,
    }) else {
        return Ok((0, vec![]));
    };
    let w = f.where_sql(actor, run);
    let total: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) FROM stat_linkage_pairs x WHERE {w}"
    ))
    .fetch_one(store.pool())
    .await?
    .get(0);
    let rows = sqlx::query(&format!(
        "SELECT {PAIR_COLS} FROM stat_linkage_pairs x WHERE {w} ORDER BY {} LIMIT {} OFFSET {}",
        f.order_sql(),
        limit.clamp(1, 1000),
        offset.max(0)
    ))
    .fetch_all(store.pool())
    .await?;
    Ok((total, rows.iter().map(|r| pair_from(r).0).collect()))
}

/// The pairs before and after `pair_id` in the queue (for n/p).
pub async fn neighbours(
    store: &Store,
    actor: &Actor,
    f: &QueueFilter,
    pair_id: i64,
) -> Result<(Option<i64>, Option<i64>)> {
    let Some(run) = f.run else {
        return Ok((None, None));
    };
    let ids: Vec<i64> = sqlx::query(&format!(
        "SELECT x.id FROM stat_linkage_pairs x WHERE {} ORDER BY {}",
        f.where_sql(actor, run),
        f.order_sql()
    ))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    match ids.iter().position(|i| *i == pair_id) {
        Some(p) => Ok((p.checked_sub(1).map(|q| ids[q]), ids.get(p + 1).copied())),
        // The pair left the queue (decided): the next is the first remaining one.
        None => Ok((None, ids.first().copied())),
    }
}

/// One side of a pair, for the side-by-side page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Side {
    pub kind: String,
    pub id: i64,
    /// The name, or a pseudonym for readers who may not see names.
    pub label: String,
    /// The list it comes from (source records) or the person type.
    pub source: String,
    /// The source's identifier of the record.
    pub external_id: String,
    /// Field → value, in the order of the run's fields.
    pub values: Vec<(String, String)>,
    /// The consolidated person: the missing-person case (source records) or the person
    /// this one is merged into (persons).
    pub consolidated: Option<i64>,
}

/// A pair with both sides.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PairView {
    pub pair: PairRow,
    pub left: Side,
    pub right: Side,
}

async fn side(store: &Store, actor: &Actor, kind: &str, id: i64, names: bool) -> Result<Side> {
    if kind == KIND_PERSON {
        let p = v::get_person(store, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
        let p = if names { p } else { p.pseudonymised() };
        let _ = actor;
        Ok(Side {
            kind: kind.into(),
            id,
            label: p.name.clone(),
            source: p.person_type.clone(),
            external_id: String::new(),
            values: vec![
                ("name".into(), p.name.clone()),
                ("birth_date".into(), p.birth_date.clone()),
                ("sex".into(), p.sex.clone().unwrap_or_default()),
                ("death_date".into(), p.death_date.clone()),
            ],
            consolidated: consolidated_root(store, id).await?.filter(|r| *r != id),
        })
    } else {
        let r = src::get_record(store, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("source record {id}")))?;
        let name = if names {
            r.name.clone()
        } else {
            format!("{} {}", r.source, r.external_id)
        };
        Ok(Side {
            kind: kind.into(),
            id,
            label: name.clone(),
            source: r.source.clone(),
            external_id: r.external_id.clone(),
            values: vec![
                ("name".into(), name),
                ("birth_date".into(), r.birth_date.clone()),
                (
                    "place".into(),
                    if names {
                        r.place.clone()
                    } else {
                        String::new()
                    },
                ),
                ("sex".into(), r.sex.clone()),
                ("last_seen_date".into(), r.last_seen_date.clone()),
            ],
            consolidated: r.missing_id,
        })
    }
}

/// One pair, if it exists and the actor may see both of its records. `Ok(None)` for
/// both "no such pair" and "not allowed". Reads of strictly confidential persons are logged.
pub async fn get_pair(store: &Store, actor: &Actor, id: i64) -> Result<Option<PairView>> {
    let Some(r) = sqlx::query(&format!(
        "SELECT {PAIR_COLS} FROM stat_linkage_pairs x WHERE x.id = $1 AND {}",
        visible_where(actor)
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let (pair, _) = pair_from(&r);
    let names = v::sees_names(store, actor).await?;
    for (k, pid) in [
        (&pair.left_kind, pair.left_id),
        (&pair.right_kind, pair.right_id),
    ] {
        if k == KIND_PERSON {
            let Some(access) = v::record_access(store, v::PERSON, pid).await? else {
                return Ok(None);
            };
            if let dignity_core::Decision::Allow { audit_read: true } =
                authorize(actor, Action::Read, &access)
            {
                store
                    .log_event(
                        actor,
                        "record.read",
                        v::PERSON,
                        &pid.to_string(),
                        serde_json::json!({ "via": "linkage" }),
                    )
                    .await?;
            }
        }
    }
    let left = side(store, actor, &pair.left_kind, pair.left_id, names).await?;
    let right = side(store, actor, &pair.right_kind, pair.right_id, names).await?;
    Ok(Some(PairView { pair, left, right }))
}
