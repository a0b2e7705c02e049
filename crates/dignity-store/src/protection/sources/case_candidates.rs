//! Candidate matches of one case (the person page), kept in memory under the change token
//! of candidate matches.

use super::*;

/// Replace the change token of candidate matches, in the transaction of a write that can
/// change them (records imported, linked or unlinked, keys back-filled): a case's
/// candidates kept in memory under the old token are no longer used.
pub(super) async fn match_changed(tx: &mut WriteTx) -> Result<()> {
    let token = format!("{:016x}", rand::random::<u64>());
    sqlx::query(
        "INSERT INTO pro_match_state (id, token, changed_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET token = $1, changed_at = $2",
    )
    .bind(token)
    .bind(now())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The current change token of candidate matches (empty before the first change).
pub(super) async fn match_token(store: &Store) -> Result<String> {
    Ok(
        sqlx::query("SELECT token FROM pro_match_state WHERE id = 1")
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get::<String, _>(0))
            .unwrap_or_default(),
    )
}

/// Cases' candidates kept in memory, per store (data directory), while the change token is
/// the one they were computed under. Bounded: at most [`CACHE_CASES`] entries per store;
/// the oldest quarter goes when it is full.
struct CandidateCache {
    token: String,
    /// (case, names visible, min score, limit, fingerprint of the case's own data) →
    /// (stamp, candidates).
    entries: HashMap<CacheKey, (u64, Vec<Candidate>)>,
    stamp: u64,
}

type CacheKey = (i64, bool, u64, usize, [u8; 32]);

const CACHE_CASES: usize = 4096;

static CANDIDATE_CACHE: std::sync::LazyLock<
    std::sync::Mutex<HashMap<std::path::PathBuf, CandidateCache>>,
> = std::sync::LazyLock::new(Default::default);

fn cache_get(store: &Store, token: &str, key: &CacheKey) -> Option<Vec<Candidate>> {
    let mut all = CANDIDATE_CACHE.lock().ok()?;
    let c = all.get_mut(store.data_dir())?;
    if c.token != token {
        return None;
    }
    c.stamp += 1;
    let stamp = c.stamp;
    let e = c.entries.get_mut(key)?;
    e.0 = stamp;
    Some(e.1.clone())
}

fn cache_put(store: &Store, token: &str, key: CacheKey, items: &[Candidate]) {
    let Ok(mut all) = CANDIDATE_CACHE.lock() else {
        return;
    };
    let c = all
        .entry(store.data_dir().to_path_buf())
        .or_insert_with(|| CandidateCache {
            token: token.to_string(),
            entries: HashMap::new(),
            stamp: 0,
        });
    if c.token != token {
        c.token = token.to_string();
        c.entries.clear();
    }
    if c.entries.len() >= CACHE_CASES {
        let mut stamps: Vec<u64> = c.entries.values().map(|e| e.0).collect();
        stamps.sort_unstable();
        let cut = stamps[stamps.len() / 4];
        c.entries.retain(|_, e| e.0 > cut);
    }
    c.stamp += 1;
    c.entries.insert(key, (c.stamp, items.to_vec()));
}

/// Forget every case's candidates kept in memory for this store (tests, benchmarks).
pub fn clear_candidate_cache(store: &Store) {
    if let Ok(mut all) = CANDIDATE_CACHE.lock() {
        all.remove(store.data_dir());
    }
}

/// A single key shared with a case is enough for a record to be scored when that key's
/// block holds at most this many records; otherwise it must share two keys.
const CASE_SMALL_BLOCK: usize = 120;

/// Candidate matches for one case (the person page): unlinked current records of every
/// source sharing blocking keys with the case's names (its person's name, other names and
/// the names of the records already linked to it), found through the key index and scored
/// like [`candidates`]. Best first. Nothing if the actor may not see the case.
///
/// Only the records that share two keys with the case, or one key of a block of at most
/// [`CASE_SMALL_BLOCK`] records, are read and decrypted (blocks of more than [`MAX_BLOCK`]
/// are skipped). The result is kept in memory until a write changes what it depends on
/// (an import, a link or unlink: the change token; the case's own names, date of birth
/// and place: part of the key), so a page seen again does no matching at all.
pub async fn candidates_for_case(
    store: &Store,
    actor: &Actor,
    missing_id: i64,
    min_score: f64,
    limit: usize,
) -> Result<Vec<Candidate>> {
    if !can(store, actor, Action::Read, MISSING, missing_id).await? {
        return Ok(vec![]);
    }
    // The case's own data (not the pseudonym shown to readers who do not see names).
    let Some(case) = missing::get_missing(store, missing_id).await? else {
        return Ok(vec![]);
    };
    let names_visible = v::sees_names(store, actor).await?;
    let token = match_token(store).await?;
    let fingerprint: [u8; 32] = Sha256::digest(
        serde_json::json!([
            case.name,
            case.other_names,
            case.birth_date,
            case.disappearance.last_seen_place
        ])
        .to_string()
        .as_bytes(),
    )
    .into();
    let key: CacheKey = (
        missing_id,
        names_visible,
        min_score.to_bits(),
        limit,
        fingerprint,
    );
    if let Some(hit) = cache_get(store, &token, &key) {
        return Ok(hit);
    }
    let out = case_candidates(store, &case, names_visible, min_score, limit).await?;
    cache_put(store, &token, key, &out);
    Ok(out)
}

async fn case_candidates(
    store: &Store,
    case: &missing::MissingCase,
    names_visible: bool,
    min_score: f64,
    limit: usize,
) -> Result<Vec<Candidate>> {
    let missing_id = case.id;
    let mut names: Vec<String> = std::iter::once(case.name.clone())
        .chain(case.other_names.iter().cloned())
        .collect();
    for r in
        sqlx::query("SELECT name, id FROM pro_source_records WHERE missing_id = $1 AND current = 1")
            .bind(missing_id)
            .fetch_all(store.pool())
            .await?
    {
        names.push(store.decrypt(
            "pro_source_records.name",
            r.get::<i64, _>(1),
            &r.get::<String, _>(0),
        )?);
    }
    let keys = match_keys(
        &store.keys(),
        names.iter().map(String::as_str),
        &case.birth_date,
    );
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let case_ent = Entity {
        kind: 0,
        id: missing_id,
        source_id: 0,
        source: String::new(),
        display: String::new(),
        names: names.iter().map(|n| prep_name(n)).collect(),
        birth: case.birth_date.clone(),
        place: case.disappearance.last_seen_place.clone(),
    };
    // The members of each key's block, from the key index alone (nothing decrypted).
    let keys: Vec<String> = keys.into_iter().collect();
    let mut blocks: HashMap<String, Vec<i64>> = HashMap::new();
    for chunk in keys.chunks(200) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT key, record_id FROM pro_match_keys WHERE key IN ({})",
            ph.join(",")
        );
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(k.clone());
        }
        for r in q.fetch_all(store.pool()).await? {
            blocks.entry(r.get(0)).or_default().push(r.get(1));
        }
    }
    // record → (keys shared with the case, smallest block shared)
    let mut shared: HashMap<i64, (usize, usize)> = HashMap::new();
    for members in blocks.values() {
        if members.len() > MAX_BLOCK {
            continue;
        }
        for id in members {
            let e = shared.entry(*id).or_insert((0, usize::MAX));
            e.0 += 1;
            e.1 = e.1.min(members.len());
        }
    }
    let wanted: Vec<String> = shared
        .iter()
        .filter(|(_, (n, smallest))| *n >= 2 || *smallest <= CASE_SMALL_BLOCK)
        .map(|(id, _)| id.to_string())
        .collect();
    let source_names = source_names(store, store.pool()).await?;
    let mut out = vec![];
    for chunk in wanted.chunks(500) {
        let sql = format!(
            "SELECT id, source_id, name, birth_date, place FROM pro_source_records \
             WHERE id IN ({}) AND current = 1 AND missing_id IS NULL",
            chunk.join(",")
        );
        for r in sqlx::query(&sql).fetch_all(store.pool()).await? {
            let rec = record_entity(store, &r, &source_names, names_visible)?;
            let (sc, reasons) = score(&rec, &case_ent);
            if sc >= min_score {
                out.push(Candidate {
                    record_id: rec.id,
                    record_source: rec.source.clone(),
                    record_name: rec.display.clone(),
                    other_kind: "case".into(),
                    other_id: missing_id,
                    other_source: String::new(),
                    other_name: String::new(),
                    score: (sc * 1000.0).round() / 1000.0,
                    reasons,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.record_id.cmp(&b.record_id))
    });
    out.truncate(limit);
    Ok(out)
}
