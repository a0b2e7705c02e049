//! Candidate matches of the whole list, window by window, through the key index.

use super::*;

/// Candidate matches for the unlinked current records (of `source_id`, or of all sources):
/// cases the actor may read, and unlinked records of other sources. Best first. Goes through
/// the whole list window by window ([`candidates_page`]): blocking through the key index, so
/// only the records that share a key with another source's record or a case are decrypted.
pub async fn candidates(
    store: &Store,
    actor: &Actor,
    source_id: Option<i64>,
    min_score: f64,
    limit: usize,
) -> Result<Vec<Candidate>> {
    let mut out = vec![];
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    let mut after = 0;
    loop {
        let page = candidates_page(store, actor, source_id, after, 2000, min_score).await?;
        // Two records of two windows meet twice: keep the pair once.
        out.extend(page.items.into_iter().filter(|c| {
            c.other_kind == "case"
                || seen.insert((c.record_id.min(c.other_id), c.record_id.max(c.other_id)))
        }));
        match page.next_after {
            Some(a) => after = a,
            None => break,
        }
    }
    sort_candidates(&mut out);
    out.truncate(limit);
    Ok(out)
}

/// One window of the whole-list matching (the sources page): the next `records` unlinked
/// current records (of `source_id`, or of all sources) after the record id `after`, with
/// their candidates, best first. `next_after` continues with the next window.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SourceCandidatePage)]
pub struct CandidatePage {
    pub items: Vec<Candidate>,
    /// Unlinked records looked at in this window.
    pub records_checked: usize,
    /// The `after` of the next window, if there is one.
    pub next_after: Option<i64>,
}

pub(super) fn sort_candidates(out: &mut [Candidate]) {
    out.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.record_id.cmp(&b.record_id))
            .then(a.other_kind.cmp(&b.other_kind))
            .then(a.other_id.cmp(&b.other_id))
    });
}

/// Blocks larger than this say nothing (a key shared by thousands) and are skipped.
pub(super) const MAX_BLOCK: usize = 2000;
/// A pair sharing a single key is scored only when that key's block is at most this large
/// (a name written in Cyrillic and Latin script may share only its surname and year).
const SMALL_BLOCK: usize = 100;

/// The key index in memory for the whole-list matching: every current record's source and
/// case, and the members of every block. Read once (two queries, nothing decrypted) and
/// kept while the change token of candidate matches is unchanged, so that the windows of
/// the sources page and of [`candidates`] fetch each block once, not once per window.
struct KeySnapshot {
    /// Current record → (source, linked case).
    recs: HashMap<i64, (i64, Option<i64>)>,
    /// Unlinked current records, by id.
    unlinked: Vec<i64>,
    /// Key (blind index) → its number.
    key_no: HashMap<String, u32>,
    /// Members (current records) of each key's block, by key number.
    blocks: Vec<Vec<i64>>,
    /// Current record → its keys' numbers.
    rec_keys: HashMap<i64, Vec<u32>>,
    /// Cases with at least one current record linked.
    linked_cases: HashSet<i64>,
}

/// Per store (data directory): the change token and the snapshot read under it.
type Snapshots = HashMap<std::path::PathBuf, (String, std::sync::Arc<KeySnapshot>)>;

static KEY_SNAPSHOTS: std::sync::LazyLock<std::sync::Mutex<Snapshots>> =
    std::sync::LazyLock::new(Default::default);

async fn key_snapshot(store: &Store) -> Result<std::sync::Arc<KeySnapshot>> {
    let token = match_token(store).await?;
    if let Ok(all) = KEY_SNAPSHOTS.lock() {
        if let Some((t, snap)) = all.get(store.data_dir()) {
            if *t == token {
                return Ok(snap.clone());
            }
        }
    }
    let mut recs = HashMap::new();
    let mut unlinked = vec![];
    let mut linked_cases = HashSet::new();
    for r in
        sqlx::query("SELECT id, source_id, missing_id FROM pro_source_records WHERE current = 1")
            .fetch_all(store.pool())
            .await?
    {
        let (id, src, case): (i64, i64, Option<i64>) = (r.get(0), r.get(1), r.get(2));
        match case {
            Some(c) => {
                linked_cases.insert(c);
            }
            None => unlinked.push(id),
        }
        recs.insert(id, (src, case));
    }
    unlinked.sort_unstable();
    let mut key_no: HashMap<String, u32> = HashMap::new();
    let mut blocks: Vec<Vec<i64>> = vec![];
    let mut rec_keys: HashMap<i64, Vec<u32>> = HashMap::new();
    for r in sqlx::query("SELECT record_id, key FROM pro_match_keys")
        .fetch_all(store.pool())
        .await?
    {
        let id: i64 = r.get(0);
        if !recs.contains_key(&id) {
            continue; // an older version
        }
        let key: String = r.get(1);
        let n = match key_no.get(&key) {
            Some(n) => *n,
            None => {
                let n = blocks.len() as u32;
                key_no.insert(key, n);
                blocks.push(vec![]);
                n
            }
        };
        blocks[n as usize].push(id);
        rec_keys.entry(id).or_default().push(n);
    }
    let snap = std::sync::Arc::new(KeySnapshot {
        recs,
        unlinked,
        key_no,
        blocks,
        rec_keys,
        linked_cases,
    });
    if let Ok(mut all) = KEY_SNAPSHOTS.lock() {
        all.insert(store.data_dir().to_path_buf(), (token, snap.clone()));
    }
    Ok(snap)
}

/// Candidate matches of one window of unlinked records, found like the person page's
/// ([`candidates_for_case`]): the window's blocking keys and the members of their blocks
/// come from the key index (read once and kept in memory until a write changes it), cases
/// are found through the records linked to them, or, when they have none, through the
/// keys of their own names (computed, never stored), and only the records of the pairs
/// so found are decrypted and scored. Its cost grows with the window and the size of the
/// blocks, not with the number of records.
pub async fn candidates_page(
    store: &Store,
    actor: &Actor,
    source_id: Option<i64>,
    after: i64,
    records: usize,
    min_score: f64,
) -> Result<CandidatePage> {
    let records = records.clamp(1, 10_000);
    let snap = key_snapshot(store).await?;
    // The window: ids and sources only, nothing decrypted.
    let from = snap.unlinked.partition_point(|id| *id <= after);
    let mut window: Vec<(i64, i64)> = snap.unlinked[from..]
        .iter()
        .map(|id| (*id, snap.recs[id].0))
        .filter(|(_, src)| source_id.is_none_or(|s| s == *src))
        .take(records + 1)
        .collect();
    let next_after = if window.len() > records {
        window.truncate(records);
        window.last().map(|w| w.0)
    } else {
        None
    };
    let records_checked = window.len();
    if window.is_empty() {
        return Ok(CandidatePage {
            items: vec![],
            records_checked,
            next_after,
        });
    }
    let probe_source: HashMap<i64, i64> = window.iter().copied().collect();
    let all_keys: HashSet<u32> = window
        .iter()
        .filter_map(|(id, _)| snap.rec_keys.get(id))
        .flatten()
        .copied()
        .collect();
    // Visible cases.
    let sql = format!(
        "SELECT m.id, m.person_id, m.last_seen_place FROM pro_missing m WHERE {}",
        profile_visible_sql(actor, "m", dignity_core::RecordType::Missing)
    );
    let visible: HashMap<i64, (i64, Option<String>)> = sqlx::query(&sql)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    // Cases with no linked record: the keys of their own names (computed, never stored).
    let mut persons: HashMap<i64, v::Person> = HashMap::new();
    let mut case_keys: HashMap<u32, Vec<i64>> = HashMap::new();
    for c in visible.keys().filter(|c| !snap.linked_cases.contains(c)) {
        let Some(p) = v::get_person(store, visible[c].0).await? else {
            continue;
        };
        let ks = match_keys(
            &store.keys(),
            std::iter::once(p.name.as_str()).chain(p.other_names.iter().map(String::as_str)),
            &p.birth_date,
        );
        for k in ks {
            if let Some(n) = snap.key_no.get(&k).filter(|n| all_keys.contains(n)) {
                case_keys.entry(*n).or_default().push(*c);
            }
        }
        persons.insert(*c, p);
    }
    // Pairs: a window record and a case, or an unlinked record of another source. A pair
    // that shares two keys or more is scored; one that shares a single key only when that
    // block is small (in a large block one shared key is mostly a common first name and
    // year), so that a window does not decrypt whole blocks.
    let mut pairs: HashSet<(i64, u8, i64)> = HashSet::new();
    for (rid, src) in &window {
        let Some(ks) = snap.rec_keys.get(rid) else {
            continue;
        };
        // partner → (keys shared, smallest block shared)
        let mut shared: HashMap<(u8, i64), (usize, usize)> = HashMap::new();
        let mut add = |p: (u8, i64), size: usize| {
            let e = shared.entry(p).or_insert((0, usize::MAX));
            e.0 += 1;
            e.1 = e.1.min(size);
        };
        for k in ks {
            let members = &snap.blocks[*k as usize];
            let from_cases = case_keys.get(k).map(Vec::as_slice).unwrap_or(&[]);
            let size = members.len() + from_cases.len();
            if size > MAX_BLOCK {
                continue;
            }
            let mut here: HashSet<(u8, i64)> = HashSet::new();
            for oid in members {
                let (osrc, case) = snap.recs[oid];
                match case {
                    Some(c) if visible.contains_key(&c) => {
                        here.insert((0, c));
                    }
                    Some(_) => {}
                    // Another source's record; each pair once when both are in the window.
                    None if osrc != *src
                        && oid != rid
                        && !(probe_source.contains_key(oid) && oid < rid) =>
                    {
                        here.insert((1, *oid));
                    }
                    None => {}
                }
            }
            here.extend(from_cases.iter().map(|c| (0, *c)));
            for p in here {
                add(p, size);
            }
        }
        for ((kind, oid), (n, smallest)) in shared {
            if n >= 2 || smallest <= SMALL_BLOCK {
                pairs.insert((*rid, kind, oid));
            }
        }
    }
    // Decrypt only what the pairs need.
    let names_visible = v::sees_names(store, actor).await?;
    let need_records: HashSet<i64> = pairs
        .iter()
        .flat_map(|&(r, kind, o)| std::iter::once(r).chain(if kind == 1 { Some(o) } else { None }))
        .collect();
    let need_cases: HashSet<i64> = pairs.iter().filter(|p| p.1 == 0).map(|p| p.2).collect();
    let source_names = source_names(store, store.pool()).await?;
    let mut recs: HashMap<i64, Entity> = HashMap::new();
    let ids: Vec<String> = need_records.iter().map(|i| i.to_string()).collect();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, source_id, name, birth_date, place FROM pro_source_records WHERE id IN ({})",
            chunk.join(",")
        );
        for r in sqlx::query(&sql).fetch_all(store.pool()).await? {
            let rec = record_entity(store, &r, &source_names, names_visible)?;
            recs.insert(rec.id, rec);
        }
    }
    let mut cases: HashMap<i64, Entity> = HashMap::new();
    for c in &need_cases {
        let (pid, place) = visible[c].clone();
        let p = match persons.remove(c) {
            Some(p) => p,
            None => match v::get_person(store, pid).await? {
                Some(p) => p,
                None => continue,
            },
        };
        let mut ns: Vec<(String, Vec<char>)> = std::iter::once(&p.name)
            .chain(p.other_names.iter())
            .map(|n| prep_name(n))
            .collect();
        for r in sqlx::query(
            "SELECT name, id FROM pro_source_records WHERE missing_id = $1 AND current = 1",
        )
        .bind(*c)
        .fetch_all(store.pool())
        .await?
        {
            ns.push(prep_name(&store.decrypt(
                "pro_source_records.name",
                r.get::<i64, _>(1),
                &r.get::<String, _>(0),
            )?));
        }
        cases.insert(
            *c,
            Entity {
                kind: 0,
                id: *c,
                source_id: 0,
                source: String::new(),
                display: if names_visible {
                    p.name.clone()
                } else {
                    v::pseudonym(store, pid)
                },
                names: ns,
                birth: p.birth_date.clone(),
                place: dec(store, "pro_missing.last_seen_place", *c, place)?,
            },
        );
    }
    let mut items = vec![];
    for (rid, kind, oid) in pairs {
        let Some(rec) = recs.get(&rid) else { continue };
        let other = if kind == 0 {
            cases.get(&oid)
        } else {
            recs.get(&oid)
        };
        let Some(other) = other else { continue };
        let (s, reasons) = score(rec, other);
        if s >= min_score {
            items.push(candidate(rec, other, s, reasons));
        }
    }
    sort_candidates(&mut items);
    Ok(CandidatePage {
        items,
        records_checked,
        next_after,
    })
}
