//! Record linkage over the persons in the app (issue 7): a *run* links either the missing
//! persons' source records (each list's records, with their own identifiers) or the
//! violations persons with the Fellegi–Sunter model of `dignity-stats`, and stores the
//! candidate pairs with their match probability and a per-field explanation (field, level,
//! weight — never the values: names are decrypted in memory only). Reviewers accept,
//! reject or mark pairs unsure; accepting links the two records to one consolidated person
//! (source records: the protection area's `link`; persons: a row in `stat_person_merges`),
//! and every acceptance can be undone. Source records are never changed or deleted.
//! Capture histories for multiple systems estimation come from the linked source records.

use crate::protection::sources as src;

use crate::violations::{self as v, Vocab};
use crate::{acl, now, Result, Store, StoreError, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::{Actor, Confidentiality, Role};
use dignity_stats::linkage::{
    Dataset, FieldKind, FieldSpec, LinkageModel, LinkageSettings, Linker,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

pub const RUN_TYPE: &str = "stat_linkage_runs";
pub const PAIR_TYPE: &str = "stat_linkage_pairs";
/// Scopes of a run.
pub const SCOPES: &[&str] = &["sources", "persons"];
/// Kinds of record in a pair.
pub const KIND_RECORD: &str = "source_record";
pub const KIND_PERSON: &str = "person";
/// Review decisions.
pub const DECISIONS: &[&str] = &["accept", "reject", "unsure"];
/// Statuses of a pair.
pub const STATUSES: &[&str] = &["pending", "unsure", "accepted", "rejected"];
/// Strata for capture histories.
pub const STRATA: &[&str] = &["region", "period", "sex"];

/// Fields compared in each scope (name, kind), in the order of the explanation.
fn fields(scope: &str) -> Vec<FieldSpec> {
    let f = |n: &str, k| FieldSpec::new(n, k);
    if scope == "persons" {
        vec![
            f("name", FieldKind::Name),
            f("birth_date", FieldKind::Date),
            f("sex", FieldKind::Exact),
            f("death_date", FieldKind::Date),
        ]
    } else {
        vec![
            f("name", FieldKind::Name),
            f("birth_date", FieldKind::Date),
            f("place", FieldKind::Place),
            f("sex", FieldKind::Exact),
            f("last_seen_date", FieldKind::Date),
        ]
    }
}

/// Who may run linkage and review pairs: documenters and above (they see the source
/// lists' records in the protection area too).
pub fn may_review(actor: &Actor) -> bool {
    actor.user_id.is_some() && actor.role >= Role::Documenter
}

fn forbidden() -> StoreError {
    StoreError::Forbidden("your role does not allow record linkage".into())
}

// ------------------------------------------------------------------ runs --

/// Settings of a run, as the reviewer chose them.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunSettings {
    /// "sources" (missing persons' source records) or "persons" (violations persons).
    pub scope: String,
    /// Pairs below this match probability are not stored.
    pub min_probability: f64,
    /// At most this many pairs are stored (highest first).
    pub max_pairs: usize,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            scope: "sources".into(),
            min_probability: 0.1,
            max_pairs: 100_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Run {
    pub id: i64,
    pub scope: String,
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    /// The trained model: prior match rate, m and u of every level, blocking rules.
    #[schema(value_type = Object)]
    pub model: serde_json::Value,
    pub records: i64,
    /// Pairs compared (after blocking).
    pub candidates: i64,
    /// Pairs stored for review.
    pub pairs: i64,
    pub diagnostics: Vec<String>,
    pub started_by: Option<i64>,
    pub started_by_name: String,
    pub started_at: String,
    pub finished_at: String,
    pub pending: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub unsure: i64,
}

/// One record prepared for linkage: id and values in the order of [`fields`].
struct Rec {
    id: i64,
    source: u32,
    values: Vec<Option<String>>,
    case: Option<i64>,
}

async fn load_records(store: &Store, scope: &str) -> Result<Vec<Rec>> {
    let mut out = vec![];
    if scope == "persons" {
        let rows = sqlx::query(
            "SELECT id, name, sex, birth_date, death_date FROM vio_persons WHERE person_type = 'individual' ORDER BY id",
        )
        .fetch_all(store.pool())
        .await?;
        for r in rows {
            let id: i64 = r.get(0);
            let name = store.decrypt("vio_persons.name", id, &r.get::<String, _>(1))?;
            out.push(Rec {
                id,
                source: 0,
                values: vec![
                    Some(name),
                    Some(v::dec(store, "vio_persons.birth_date", id, r.get(3))?),
                    r.get::<Option<String>, _>(2),
                    Some(v::dec(store, "vio_persons.death_date", id, r.get(4))?),
                ],
                case: None,
            });
        }
    } else {
        let rows = sqlx::query(
            "SELECT id, source_id, name, birth_date, place, sex, last_seen_date, missing_id FROM pro_source_records \
             WHERE current = 1 ORDER BY id",
        )
        .fetch_all(store.pool())
        .await?;
        for r in rows {
            let rid: i64 = r.get(0);
            let name = store.decrypt("pro_source_records.name", rid, &r.get::<String, _>(2))?;
            let place = v::dec(store, "pro_source_records.place", rid, r.get(4))?;
            out.push(Rec {
                id: r.get(0),
                source: r.get::<i64, _>(1) as u32,
                values: vec![
                    Some(name),
                    Some(v::dec(
                        store,
                        "pro_source_records.birth_date",
                        rid,
                        r.get(3),
                    )?),
                    Some(place),
                    Some(v::dec(store, "pro_source_records.sex", rid, r.get(5))?),
                    Some(v::dec(
                        store,
                        "pro_source_records.last_seen_date",
                        rid,
                        r.get(6),
                    )?),
                ],
                case: r.get(7),
            });
        }
    }
    Ok(out)
}

/// One field's part in a stored pair's score (no values).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldWeight {
    pub field: String,
    /// The comparison level, e.g. "exact", "jaro-winkler >= 0.92", "missing".
    pub level: String,
    /// log2(m/u) of the level plus the term-frequency adjustment.
    pub weight: f64,
}

struct Scored {
    left: i64,
    right: i64,
    probability: f64,
    weight: f64,
    explanation: Vec<FieldWeight>,
}

/// What the linkage computation produced, before storing.
struct Computed {
    model: LinkageModel,
    candidates: usize,
    pairs: Vec<Scored>,
    diagnostics: Vec<String>,
}

fn compute(recs: &[Rec], settings: &RunSettings) -> std::result::Result<Computed, String> {
    let specs = fields(&settings.scope);
    let mut ds = Dataset::new(specs);
    for (i, r) in recs.iter().enumerate() {
        ds.push_from(r.source, &i.to_string(), r.values.clone());
    }
    let ls = LinkageSettings {
        link_only: settings.scope == "sources",
        ..Default::default()
    };
    let linker = Linker::new(&ds, ls).map_err(|e| e.to_string())?;
    let model = linker.train().map_err(|e| e.to_string())?;
    let scored = linker.predict(&model);
    let mut keep: Vec<_> = scored
        .iter()
        .filter(|p| p.match_probability >= settings.min_probability)
        .filter(|p| {
            // Records already linked to one case are one person already.
            let (a, b) = (&recs[p.left as usize], &recs[p.right as usize]);
            a.case.is_none() || a.case != b.case
        })
        .collect();
    keep.sort_by(|a, b| b.match_probability.total_cmp(&a.match_probability));
    keep.truncate(settings.max_pairs);
    let pairs = keep
        .iter()
        .map(|p| {
            let e = linker.explain(&model, p.left as usize, p.right as usize);
            let (l, r) = (&recs[p.left as usize], &recs[p.right as usize]);
            let (left, right) = if l.id < r.id {
                (l.id, r.id)
            } else {
                (r.id, l.id)
            };
            Scored {
                left,
                right,
                probability: p.match_probability,
                weight: p.match_weight,
                explanation: e
                    .fields
                    .iter()
                    .map(|f| FieldWeight {
                        field: f.field.clone(),
                        level: f.level.clone(),
                        weight: ((f.weight + f.term_frequency_adjustment) * 100.0).round() / 100.0,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Computed {
        model,
        candidates: linker.num_candidate_pairs(),
        pairs,
        diagnostics: linker.diagnostics.clone(),
    })
}

/// Run linkage over the scope's records and store the candidate pairs for review.
/// Audited (`linkage.run`); the names are decrypted in memory only.
pub async fn start_run(store: &Store, actor: &Actor, settings: &RunSettings) -> Result<Run> {
    if !may_review(actor) {
        return Err(forbidden());
    }
    if !SCOPES.contains(&settings.scope.as_str()) {
        return Err(StoreError::invalid(
            "scope",
            format!("expected one of {}", SCOPES.join(", ")),
        ));
    }
    if !(0.0..=1.0).contains(&settings.min_probability) {
        return Err(StoreError::invalid(
            "min_probability",
            "give a probability between 0 and 1",
        ));
    }
    if settings.max_pairs == 0 || settings.max_pairs > 200_000 {
        return Err(StoreError::invalid(
            "max_pairs",
            "give a number of pairs between 1 and 200000",
        ));
    }
    let started_at = now();
    let clock = std::time::Instant::now();
    let recs = load_records(store, &settings.scope).await?;
    let loaded = clock.elapsed().as_secs_f64();
    if recs.len() < 2 {
        return Err(StoreError::invalid(
            "scope",
            "fewer than two records to link",
        ));
    }
    let s2 = settings.clone();
    let computed =
        tokio::task::spawn_blocking(move || compute(&recs, &s2).map(|c| (c, recs.len())))
            .await
            .map_err(|e| StoreError::Internal(format!("linkage task: {e}")))?
            .map_err(|m| StoreError::invalid("scope", m))?;
    let (mut c, n) = computed;
    c.diagnostics.push(format!(
        "{n} records read and decrypted in {loaded:.1} s; {} pairs compared and scored in {:.1} s",
        c.candidates,
        clock.elapsed().as_secs_f64() - loaded
    ));
    let kind = if settings.scope == "persons" {
        KIND_PERSON
    } else {
        KIND_RECORD
    };
    let settings_json = serde_json::to_string(settings).expect("settings serialise");
    let model_json = serde_json::to_string(&c.model).expect("model serialises");
    let id = store
        .write(actor, async |tx| {
            let id: i64 = sqlx::query(
                "INSERT INTO stat_linkage_runs (scope, settings, model, records, candidates, pairs, diagnostics, started_by, started_at, finished_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
            )
            .bind(&settings.scope)
            .bind(&settings_json)
            .bind(&model_json)
            .bind(n as i64)
            .bind(c.candidates as i64)
            .bind(c.pairs.len() as i64)
            .bind(serde_json::to_string(&c.diagnostics).expect("strings serialise"))
            .bind(tx.actor().user_id)
            .bind(&started_at)
            .bind(now())
            .fetch_one(tx.conn())
            .await?
            .get(0);
            const BATCH: usize = 500;
            for chunk in c.pairs.chunks(BATCH) {
                let mut sql = String::from(
                    "INSERT INTO stat_linkage_pairs (run_id, left_kind, left_id, right_kind, right_id, probability, match_weight, explanation) VALUES ",
                );
                for i in 0..chunk.len() {
                    let b = i * 5;
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!(
                        "($1,$2,${},$2,${},${},${},${})",
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7
                    ));
                }
                let mut q = sqlx::query(&sql).bind(id).bind(kind);
                for p in chunk {
                    q = q
                        .bind(p.left)
                        .bind(p.right)
                        .bind((p.probability * 1e6).round() / 1e6)
                        .bind((p.weight * 1e3).round() / 1e3)
                        .bind(serde_json::to_string(&p.explanation).expect("explanation serialises"));
                }
                q.execute(tx.conn()).await?;
            }
            tx.audit(
                "linkage.run",
                RUN_TYPE,
                &id.to_string(),
                None,
                None,
                serde_json::json!({ "scope": settings.scope, "records": n, "candidates": c.candidates, "pairs": c.pairs.len() }),
            );
            Ok(id)
        })
        .await?;
    get_run(store, actor, id)
        .await?
        .ok_or_else(|| StoreError::Internal("run vanished".into()))
}

/// The columns of a run as `actor` sees it: the pair counts (`pairs` and each status)
/// count only the pairs whose two records the reader may see (`visible_where`), so a
/// count never reveals how many pairs involve hidden records.
fn run_cols(actor: &Actor) -> String {
    let vis = visible_where(actor);
    let n = |status: &str| {
        format!(
            "(SELECT COUNT(*) FROM stat_linkage_pairs x WHERE x.run_id = r.id{status} AND {vis})"
        )
    };
    format!(
        "r.id, r.scope, r.settings, r.model, r.records, r.candidates, {}, r.diagnostics, r.started_by, \
         COALESCE(u.username, ''), r.started_at, r.finished_at, {}, {}, {}, {}",
        n(""),
        n(" AND x.status = 'pending'"),
        n(" AND x.status = 'accepted'"),
        n(" AND x.status = 'rejected'"),
        n(" AND x.status = 'unsure'"),
    )
}

fn run_from(r: &sqlx::any::AnyRow) -> Run {
    Run {
        id: r.get(0),
        scope: r.get(1),
        settings: serde_json::from_str(&r.get::<String, _>(2)).unwrap_or_default(),
        model: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
        records: r.get(4),
        candidates: r.get(5),
        pairs: r.get(6),
        diagnostics: serde_json::from_str(&r.get::<String, _>(7)).unwrap_or_default(),
        started_by: r.get(8),
        started_by_name: r.get(9),
        started_at: r.get(10),
        finished_at: r.get(11),
        pending: r.get(12),
        accepted: r.get(13),
        rejected: r.get(14),
        unsure: r.get(15),
    }
}

/// A run, its pair counts as `actor` may see them.
pub async fn get_run(store: &Store, actor: &Actor, id: i64) -> Result<Option<Run>> {
    Ok(sqlx::query(&format!(
        "SELECT {} FROM stat_linkage_runs r LEFT JOIN users u ON u.id = r.started_by WHERE r.id = $1",
        run_cols(actor)
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .as_ref()
    .map(run_from))
}

/// Runs, newest first (the pair counts are the reader's: pairs whose two records they may
/// see).
pub async fn runs(store: &Store, actor: &Actor) -> Result<Vec<Run>> {
    if !may_review(actor) {
        return Ok(vec![]);
    }
    Ok(sqlx::query(&format!(
        "SELECT {} FROM stat_linkage_runs r LEFT JOIN users u ON u.id = r.started_by ORDER BY r.id DESC LIMIT 50",
        run_cols(actor)
    ))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(run_from)
    .collect())
}

// ----------------------------------------------------------------- pairs --

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
fn visible_where(actor: &Actor) -> String {
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

const PAIR_COLS: &str = "x.id, x.run_id, x.left_kind, x.left_id, x.right_kind, x.right_id, x.probability, x.match_weight, x.status, \
    x.explanation, x.reviewed_by, x.reviewed_at, x.outcome";

fn pair_from(r: &sqlx::any::AnyRow) -> (PairRow, String) {
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

// ------------------------------------------------------- review, merges --

/// What accepting a pair did, kept for undo.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Outcome {
    /// Source records: the case the records were linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    case: Option<i64>,
    /// The case was opened from this record by the acceptance (it stays its record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opened_from: Option<i64>,
    /// Records linked to the case by the acceptance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    linked: Vec<i64>,
    /// Persons: the merge row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    merge: Option<i64>,
}

async fn load_pair_tx(tx: &mut WriteTx, id: i64) -> Result<(PairRow, String)> {
    let actor = tx.actor().clone();
    let r = sqlx::query(&format!(
        "SELECT {PAIR_COLS} FROM stat_linkage_pairs x WHERE x.id = $1 AND {}",
        visible_where(&actor)
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("pair {id}")))?;
    Ok(pair_from(&r))
}

/// The person a violations person is consolidated into (following merges), itself if
/// none; `None` if the person does not exist.
pub async fn consolidated_root(store: &Store, person_id: i64) -> Result<Option<i64>> {
    let mut cur = person_id;
    for _ in 0..1000 {
        match sqlx::query(
            "SELECT person_id FROM stat_person_merges WHERE merged_id = $1 AND undone_at = ''",
        )
        .bind(cur)
        .fetch_optional(store.pool())
        .await?
        {
            Some(r) => cur = r.get(0),
            None => return Ok(Some(cur)),
        }
    }
    Err(StoreError::Internal("merge cycle".into()))
}

async fn root_tx(tx: &mut WriteTx, person_id: i64) -> Result<i64> {
    let mut cur = person_id;
    for _ in 0..1000 {
        match sqlx::query(
            "SELECT person_id FROM stat_person_merges WHERE merged_id = $1 AND undone_at = ''",
        )
        .bind(cur)
        .fetch_optional(tx.conn())
        .await?
        {
            Some(r) => cur = r.get(0),
            None => return Ok(cur),
        }
    }
    Err(StoreError::Internal("merge cycle".into()))
}

/// Every person consolidated with `person_id` (itself included), by id.
pub async fn merged_group(store: &Store, person_id: i64) -> Result<Vec<i64>> {
    let Some(root) = consolidated_root(store, person_id).await? else {
        return Ok(vec![]);
    };
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let rows = sqlx::query(
            "SELECT merged_id FROM stat_person_merges WHERE person_id = $1 AND undone_at = '' ORDER BY merged_id",
        )
        .bind(out[i])
        .fetch_all(store.pool())
        .await?;
        out.extend(rows.iter().map(|r| r.get::<i64, _>(0)));
        i += 1;
    }
    out.sort_unstable();
    Ok(out)
}

async fn accept(tx: &mut WriteTx, pair: &PairRow) -> Result<Outcome> {
    let store = tx.store().clone();
    if pair.left_kind == KIND_PERSON {
        let a = root_tx(tx, pair.left_id).await?;
        let b = root_tx(tx, pair.right_id).await?;
        if a == b {
            return Err(StoreError::invalid(
                "pair",
                "these two persons are already consolidated into one",
            ));
        }
        let (keep, merged) = (a.min(b), a.max(b));
        let id: i64 = sqlx::query(
            "INSERT INTO stat_person_merges (pair_id, person_id, merged_id, merged_by, merged_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
        )
        .bind(pair.id)
        .bind(keep)
        .bind(merged)
        .bind(tx.actor().user_id)
        .bind(now())
        .fetch_one(tx.conn())
        .await?
        .get(0);
        tx.audit(
            "person.merge",
            v::PERSON,
            &keep.to_string(),
            None,
            None,
            serde_json::json!({ "merged_id": merged, "merge_id": id, "pair_id": pair.id }),
        );
        return Ok(Outcome {
            merge: Some(id),
            ..Default::default()
        });
    }
    let ra = src::get_record(&store, pair.left_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("source record {}", pair.left_id)))?;
    let rb = src::get_record(&store, pair.right_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("source record {}", pair.right_id)))?;
    if !ra.current || !rb.current {
        return Err(StoreError::invalid(
            "pair",
            "a newer import replaced one of these records: run linkage again",
        ));
    }
    match (ra.missing_id, rb.missing_id) {
        (Some(a), Some(b)) if a == b => Err(StoreError::invalid(
            "pair",
            "these two records are already linked to the same case",
        )),
        (Some(a), Some(b)) => Err(StoreError::invalid(
            "pair",
            format!("the records are linked to two cases (#{a} and #{b}): decide on the cases in the protection area first"),
        )),
        (Some(m), None) | (None, Some(m)) => {
            let other = if ra.missing_id.is_none() { ra.id } else { rb.id };
            src::link(tx, other, m, true).await?;
            Ok(Outcome {
                case: Some(m),
                linked: vec![other],
                ..Default::default()
            })
        }
        (None, None) => {
            let vocab = Vocab::load(&store).await?;
            let m = src::case_from_record(tx, &vocab, ra.id, Confidentiality::Confidential.as_str()).await?;
            src::link(tx, rb.id, m, true).await?;
            Ok(Outcome {
                case: Some(m),
                opened_from: Some(ra.id),
                linked: vec![rb.id],
                ..Default::default()
            })
        }
    }
}

/// Record a reviewer's decision on a pair: `accept` consolidates the two records into one
/// person, `reject` and `unsure` only mark the pair. An accepted pair must be undone before
/// it can be decided again. Audited.
pub async fn decide(tx: &mut WriteTx, pair_id: i64, decision: &str) -> Result<()> {
    if !may_review(tx.actor()) {
        return Err(forbidden());
    }
    if !DECISIONS.contains(&decision) {
        return Err(StoreError::invalid(
            "decision",
            format!("expected one of {}", DECISIONS.join(", ")),
        ));
    }
    let (pair, _) = load_pair_tx(tx, pair_id).await?;
    if pair.status == "accepted" {
        return Err(StoreError::invalid(
            "decision",
            "this pair is merged: undo the merge first",
        ));
    }
    let (status, outcome) = match decision {
        "accept" => (
            "accepted",
            serde_json::to_string(&accept(tx, &pair).await?).expect("outcome"),
        ),
        "reject" => ("rejected", String::new()),
        _ => ("unsure", String::new()),
    };
    sqlx::query("UPDATE stat_linkage_pairs SET status = $1, reviewed_by = $2, reviewed_at = $3, outcome = $4 WHERE id = $5")
        .bind(status)
        .bind(tx.actor().user_id)
        .bind(now())
        .bind(&outcome)
        .bind(pair_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        &format!("linkage.{decision}"),
        PAIR_TYPE,
        &pair_id.to_string(),
        Some(&serde_json::json!({ "status": pair.status })),
        Some(&serde_json::json!({ "status": status })),
        serde_json::json!({ "run_id": pair.run_id, "kind": pair.left_kind, "left_id": pair.left_id, "right_id": pair.right_id,
            "outcome": serde_json::from_str::<serde_json::Value>(&outcome).unwrap_or_default() }),
    );
    Ok(())
}

/// Undo an accepted pair: the records are separate persons again and the pair goes back
/// to the queue. Source records are unlinked from the case (a case the acceptance opened
/// keeps the record it was opened from); a persons merge is marked undone. Audited.
pub async fn undo(tx: &mut WriteTx, pair_id: i64) -> Result<()> {
    if !may_review(tx.actor()) {
        return Err(forbidden());
    }
    let (pair, outcome) = load_pair_tx(tx, pair_id).await?;
    if pair.status != "accepted" {
        return Err(StoreError::invalid("pair", "this pair is not merged"));
    }
    let o: Outcome = serde_json::from_str(&outcome).unwrap_or_default();
    if let Some(merge) = o.merge {
        // Merges made after this one on top of it stay: undoing splits exactly this link.
        sqlx::query("UPDATE stat_person_merges SET undone_by = $1, undone_at = $2 WHERE id = $3 AND undone_at = ''")
            .bind(tx.actor().user_id)
            .bind(now())
            .bind(merge)
            .execute(tx.conn())
            .await?;
        tx.audit(
            "person.unmerge",
            v::PERSON,
            &pair.left_id.min(pair.right_id).to_string(),
            None,
            None,
            serde_json::json!({ "merge_id": merge, "pair_id": pair_id }),
        );
    }
    if let Some(case) = o.case {
        for rec in &o.linked {
            let still: Option<i64> =
                sqlx::query("SELECT missing_id FROM pro_source_records WHERE id = $1")
                    .bind(*rec)
                    .fetch_one(tx.conn())
                    .await?
                    .get(0);
            if still == Some(case) {
                src::unlink(tx, *rec).await?;
            }
        }
    }
    sqlx::query("UPDATE stat_linkage_pairs SET status = 'pending', reviewed_by = $1, reviewed_at = $2, outcome = '' WHERE id = $3")
        .bind(tx.actor().user_id)
        .bind(now())
        .bind(pair_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "linkage.undo",
        PAIR_TYPE,
        &pair_id.to_string(),
        Some(&serde_json::json!({ "status": "accepted" })),
        Some(&serde_json::json!({ "status": "pending" })),
        serde_json::json!({ "run_id": pair.run_id, "outcome": serde_json::from_str::<serde_json::Value>(&outcome).unwrap_or_default() }),
    );
    Ok(())
}

// ------------------------------------------------------ capture histories --

/// Capture histories built from the linked source records: one consolidated person per
/// missing-person case (with every record linked to it) or per unlinked record, and the
/// lists (sources) that documented them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureHistories {
    /// Source names, one column each.
    pub lists: Vec<String>,
    /// The stratum column's name, if stratified.
    pub stratum: Option<String>,
    /// (on which lists, stratum value, number of persons), sorted.
    pub rows: Vec<(Vec<bool>, String, i64)>,
}

impl CaptureHistories {
    /// Persons documented on at least one list.
    pub fn observed(&self) -> i64 {
        self.rows.iter().map(|r| r.2).sum()
    }
    /// The table as CSV: one 0/1 column per list, the stratum, `count`.
    pub fn to_csv(&self) -> String {
        let mut w = dignity_core::edge::CsvWriter::from_writer(vec![]);
        let mut head: Vec<String> = self.lists.clone();
        if let Some(s) = &self.stratum {
            head.push(s.clone());
        }
        head.push("count".into());
        let _ = w.write_record(&head);
        for (on, s, n) in &self.rows {
            let mut rec: Vec<String> = on
                .iter()
                .map(|b| if *b { "1" } else { "0" }.to_string())
                .collect();
            if self.stratum.is_some() {
                rec.push(s.clone());
            }
            rec.push(n.to_string());
            let _ = w.write_record(&rec);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// Build the capture histories of the current source records the actor may see, optionally
/// stratified by the case's region or period, or by sex (as the records give it).
pub async fn capture_histories(
    store: &Store,
    actor: &Actor,
    stratum: Option<&str>,
) -> Result<CaptureHistories> {
    if !may_review(actor) {
        return Err(forbidden());
    }
    if let Some(s) = stratum {
        if !STRATA.contains(&s) {
            return Err(StoreError::invalid(
                "stratum",
                format!("expected one of {}", STRATA.join(", ")),
            ));
        }
    }
    let sources = src::sources(store).await?;
    let lists: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let col: HashMap<i64, usize> = sources.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    if let Some(s) = stratum {
        if lists.iter().any(|l| l == s || l == "count") {
            return Err(StoreError::invalid(
                "stratum",
                "a list has the name of a column of the table: rename the source",
            ));
        }
    }
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.source_id, r.missing_id, r.sex, m.region, m.period_id FROM pro_source_records r \
         LEFT JOIN pro_missing m ON m.id = r.missing_id \
         WHERE r.current = 1 AND (r.missing_id IS NULL OR {}) ORDER BY r.id",
        crate::protection::profile_visible_sql(actor, "m", dignity_core::RecordType::Missing)
    ))
    .fetch_all(store.pool())
    .await?;
    // Region and period names are encrypted: decrypted here.
    let periods = if stratum == Some("period") {
        crate::protection::missing::period_names(store).await?
    } else {
        Default::default()
    };
    // Consolidated person → (lists, stratum value).
    let mut persons: BTreeMap<(u8, i64), (Vec<bool>, String)> = BTreeMap::new();
    for r in &rows {
        let key = match r.get::<Option<i64>, _>(2) {
            Some(m) => (0u8, m),
            None => (1u8, r.get(0)),
        };
        let e = persons
            .entry(key)
            .or_insert_with(|| (vec![false; lists.len()], String::new()));
        if let Some(i) = col.get(&r.get::<i64, _>(1)) {
            e.0[*i] = true;
        }
        let value: String = match stratum {
            Some("region") => match r.get::<Option<i64>, _>(2) {
                Some(m) => crate::protection::dec(store, "pro_missing.region", m, r.get(4))?,
                None => String::new(),
            },
            Some("period") => r
                .get::<Option<i64>, _>(5)
                .and_then(|p| periods.get(&p).cloned())
                .unwrap_or_default(),
            Some("sex") => normal_sex(&v::dec(
                store,
                "pro_source_records.sex",
                r.get(0),
                r.get(3),
            )?)
            .into(),
            _ => String::new(),
        };
        if e.1.is_empty() && !value.is_empty() {
            e.1 = value;
        }
    }
    let mut counts: BTreeMap<(Vec<bool>, String), i64> = BTreeMap::new();
    for (_, (on, s)) in persons {
        let s = if stratum.is_some() && s.is_empty() {
            "unknown".to_string()
        } else {
            s
        };
        *counts.entry((on, s)).or_default() += 1;
    }
    Ok(CaptureHistories {
        lists,
        stratum: stratum.map(String::from),
        rows: counts.into_iter().map(|((on, s), n)| (on, s, n)).collect(),
    })
}

fn normal_sex(s: &str) -> &'static str {
    match s.trim().to_lowercase().as_str() {
        "f" | "female" | "woman" | "w" | "ж" | "femme" | "mujer" => "female",
        "m" | "male" | "man" | "м" | "homme" | "hombre" | "h" => "male",
        "" => "",
        _ => "other",
    }
}
