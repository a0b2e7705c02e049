//! Linkage runs: the records of a scope loaded and decrypted in memory, scored with the
//! Fellegi–Sunter model, and the candidate pairs stored with their explanations.

use super::pairs::visible_where;
use super::*;

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
    let input = RunInput::parse(
        &settings.scope,
        settings.min_probability,
        settings.max_pairs,
    )?;
    // From here on the settings as parsed (the scope trimmed).
    let settings = &RunSettings {
        scope: input.scope.as_str().into(),
        ..settings.clone()
    };
    let started_at = now();
    let clock = std::time::Instant::now();
    let recs = load_records(store, input.scope.as_str()).await?;
    let loaded = clock.elapsed().as_secs_f64();
    if recs.len() < 2 {
        return Err(rules::too_few_records().into());
    }
    let s2 = settings.clone();
    let computed =
        tokio::task::spawn_blocking(move || compute(&recs, &s2).map(|c| (c, recs.len())))
            .await
            .map_err(|e| StoreError::Internal(format!("linkage task: {e}")))?
            .map_err(|m| StoreError::from(rules::not_linkable(m)))?;
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
