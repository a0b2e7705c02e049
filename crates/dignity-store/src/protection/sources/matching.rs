//! Comparing names, dates of birth and places, and the keyed blocking keys of names.

use super::*;

/// A possible match: an unlinked source record and a case or another source's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    pub record_id: i64,
    pub record_source: String,
    pub record_name: String,
    /// "case" or "record".
    pub other_kind: String,
    pub other_id: i64,
    pub other_source: String,
    pub other_name: String,
    /// 0 to 1.
    pub score: f64,
    pub reasons: Vec<String>,
}

/// One side of a comparison, prepared once.
pub(super) struct Entity {
    pub(super) kind: u8, // 0 case, 1 record
    pub(super) id: i64,
    pub(super) source_id: i64,
    pub(super) source: String,
    pub(super) display: String,
    /// Canonical normalised names (each token canonical, sorted) and their characters.
    pub(super) names: Vec<(String, Vec<char>)>,
    pub(super) birth: String,
    pub(super) place: String,
}

/// A source record as one side of a comparison, from a row `id, source_id, name,
/// birth_date, place` of `pro_source_records`; its name is shown only where the reader
/// sees names (`names_visible`).
pub(super) fn record_entity(
    store: &Store,
    r: &sqlx::any::AnyRow,
    source_names: &HashMap<i64, String>,
    names_visible: bool,
) -> Result<Entity> {
    let rid: i64 = r.get(0);
    let name = store.decrypt("pro_source_records.name", rid, &r.get::<String, _>(2))?;
    let source_id: i64 = r.get(1);
    Ok(Entity {
        kind: 1,
        id: rid,
        source_id,
        source: source_names.get(&source_id).cloned().unwrap_or_default(),
        names: vec![prep_name(&name)],
        display: if names_visible { name } else { String::new() },
        birth: dec(store, "pro_source_records.birth_date", rid, r.get(3))?,
        place: dec(store, "pro_source_records.place", rid, r.get(4))?,
    })
}

pub(super) fn prep_name(n: &str) -> (String, Vec<char>) {
    let mut toks: Vec<String> = text::canonical(&text::normalise(n))
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    toks.sort();
    let s = toks.join(" ");
    let c = s.chars().collect();
    (s, c)
}

/// Blocking keys of a name: the Soundex codes of every pair of its tokens (word order does
/// not matter; one misspelt token still leaves a shared key when the name has three).
fn block_keys(n: &str) -> Vec<String> {
    let codes: Vec<String> = n
        .split(' ')
        .filter(|t| t.len() >= 2)
        .map(text::soundex)
        .collect();
    let mut out = vec![];
    if codes.len() == 1 {
        out.push(codes[0].clone());
    }
    for i in 0..codes.len() {
        for j in i + 1..codes.len() {
            let (a, b) = if codes[i] <= codes[j] {
                (&codes[i], &codes[j])
            } else {
                (&codes[j], &codes[i])
            };
            out.push(format!("{a}{b}"));
        }
    }
    out
}

/// Blocking keys of a prepared name with the year of birth: the Soundex code of each token
/// and the year (a name with one token spelt otherwise still shares one).
fn year_keys(n: &str, birth_date: &str) -> Vec<String> {
    let Some(y) = birth_date
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
    else {
        return vec![];
    };
    n.split(' ')
        .filter(|t| t.len() >= 2)
        .map(|t| format!("{}|{y}", text::soundex(t)))
        .collect()
}

pub(super) fn score(a: &Entity, b: &Entity) -> (f64, Vec<String>) {
    let mut best = 0.0f64;
    for (sa, ca) in &a.names {
        for (sb, cb) in &b.names {
            let s = if sa == sb {
                1.0
            } else {
                text::jaro_winkler(ca, cb)
            };
            best = best.max(s);
        }
    }
    let mut reasons = vec![format!("name {:.0}%", best * 100.0)];
    let mut s = 0.6 * best;
    if !a.birth.is_empty() && !b.birth.is_empty() {
        if a.birth == b.birth {
            s += 0.25;
            reasons.push("same date of birth".into());
        } else if dates_agree(&a.birth, &b.birth) {
            s += 0.18;
            reasons.push("compatible date of birth".into());
        } else if a.birth.get(..4) == b.birth.get(..4) {
            s += 0.1;
            reasons.push("same year of birth".into());
        } else {
            s -= 0.15;
            reasons.push("different date of birth".into());
        }
    } else {
        s += 0.1;
    }
    if !a.place.is_empty() && !b.place.is_empty() {
        let pa = text::canonical(&text::normalise(&a.place));
        let pb = text::canonical(&text::normalise(&b.place));
        let j = text::jaro_winkler(
            &pa.chars().collect::<Vec<_>>(),
            &pb.chars().collect::<Vec<_>>(),
        );
        // Places differ between languages (Peć / Pejë): agreement counts, difference not.
        if pa == pb || j >= 0.85 {
            s += 0.15;
            reasons.push("same place".into());
        }
    } else {
        s += 0.05;
    }
    (s.clamp(0.0, 1.0), reasons)
}

pub(super) fn candidate(rec: &Entity, other: &Entity, s: f64, reasons: Vec<String>) -> Candidate {
    Candidate {
        record_id: rec.id,
        record_source: rec.source.clone(),
        record_name: rec.display.clone(),
        other_kind: if other.kind == 0 {
            "case".into()
        } else {
            "record".into()
        },
        other_id: other.id,
        other_source: other.source.clone(),
        other_name: other.display.clone(),
        score: (s * 1000.0).round() / 1000.0,
        reasons,
    }
}

fn match_entities(
    ents: &[Entity],
    source_id: Option<i64>,
    min_score: f64,
    limit: usize,
) -> Vec<Candidate> {
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, e) in ents.iter().enumerate() {
        let mut ks: HashSet<String> = HashSet::new();
        for (n, _) in &e.names {
            ks.extend(block_keys(n));
            ks.extend(year_keys(n, &e.birth));
        }
        for k in ks {
            blocks.entry(k).or_default().push(i as u32);
        }
    }
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let mut out = vec![];
    for members in blocks.values() {
        if members.len() > 2000 {
            continue; // a key shared by thousands says nothing
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (a, b) = (&ents[i as usize], &ents[j as usize]);
                // At least one side is an unlinked record of the wanted source; never two
                // records of one source, never two cases.
                let (rec, other) = if a.kind == 1 && source_id.is_none_or(|s| s == a.source_id) {
                    (a, b)
                } else if b.kind == 1 && source_id.is_none_or(|s| s == b.source_id) {
                    (b, a)
                } else {
                    continue;
                };
                if other.kind == 1 && other.source_id == rec.source_id {
                    continue;
                }
                let key = if i < j { (i, j) } else { (j, i) };
                if !seen.insert(key) {
                    continue;
                }
                let (s, reasons) = score(rec, other);
                if s >= min_score {
                    out.push(candidate(rec, other, s, reasons));
                }
            }
        }
    }
    sort_candidates(&mut out);
    out.truncate(limit);
    out
}

/// Kind of the blind index of matching keys.
const MATCH_KEY_KIND: &str = "pro.match";

/// The blocking keys of a person's names, as stored: keyed hashes (blind index) of the
/// Soundex codes of every pair of normalised, transliterated name tokens, and of every
/// token with the year of birth (when known) — so that a name written in Cyrillic or Latin
/// script, with the words in another order, or with one token misspelt, shares a key.
pub fn match_keys<'a>(
    keys: &dignity_core::crypto::Keyring,
    names: impl IntoIterator<Item = &'a str>,
    birth_date: &str,
) -> HashSet<String> {
    let mut out = HashSet::new();
    for n in names {
        let (canon, _) = prep_name(n);
        for k in block_keys(&canon)
            .into_iter()
            .chain(year_keys(&canon, birth_date))
        {
            out.insert(keys.blind_index(MATCH_KEY_KIND, &k));
        }
    }
    out
}

pub(super) async fn insert_keys(tx: &mut WriteTx, rows: &[(i64, String)]) -> Result<()> {
    for chunk in rows.chunks(500) {
        let mut sql = String::from("INSERT INTO pro_match_keys (record_id, key) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${},${})", 2 * i + 1, 2 * i + 2));
        }
        let mut q = sqlx::query(&sql);
        for (id, k) in chunk {
            q = q.bind(*id).bind(k.clone());
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Key the records imported before blocking keys existed (audited as maintenance), after
/// the keyed content hashes and external ids ([`rekey_content_hashes`],
/// [`ensure_external_keys`]) of records older versions wrote without them. Run
/// once at start-up (`dignity serve`), not per request: records imported since migration
/// 0302 are keyed by their import. Returns how many records it keyed.
pub async fn ensure_match_keys(store: &Store) -> Result<usize> {
    if any_unkeyed_hash(store).await? {
        let n = rekey_content_hashes(store).await?;
        tracing::info!(rows = n, "keyed the content hashes of source records");
    }
    let n = ensure_external_keys(store).await?;
    if n > 0 {
        tracing::info!(rows = n, "keyed the external ids of source records");
    }
    let system = Actor {
        user_id: None,
        username: "system".into(),
        role: dignity_core::Role::Admin,
        teams: vec![],
    };
    let pending = "SELECT COUNT(*) FROM pro_source_records WHERE keyed = 0";
    in_batches(store, &system, pending, async |tx| {
        // Read inside the transaction: another request may have keyed them.
        let rows = sqlx::query("SELECT id, name, birth_date FROM pro_source_records WHERE keyed = 0 ORDER BY id LIMIT 2000")
            .fetch_all(tx.conn())
            .await?;
        let keys = tx.store().keys();
        let mut keyrows = vec![];
        let mut ids = vec![];
        for r in &rows {
            let id: i64 = r.get(0);
            let name = tx.store().decrypt("pro_source_records.name", id, &r.get::<String, _>(1))?;
            // The date may still be in clear when this runs before the start has
            // encrypted the values an older version wrote.
            let birth = dec_or_clear(tx.store(), "pro_source_records.birth_date", id, r.get(2))?;
            for k in match_keys(&keys, [name.as_str()], &birth) {
                keyrows.push((id, k));
            }
            ids.push(id.to_string());
        }
        insert_keys(tx, &keyrows).await?;
        for chunk in ids.chunks(500) {
            sqlx::query(&format!("UPDATE pro_source_records SET keyed = 1 WHERE id IN ({})", chunk.join(",")))
                .execute(tx.conn())
                .await?;
        }
        match_changed(tx).await?;
        tx.audit(
            "source_record.keys",
            "pro_source_records",
            "",
            None,
            None,
            serde_json::json!({ "records": ids.len() }),
        );
        Ok(ids.len())
    })
    .await
}

/// Match plain name/birth/place triples (for tests and benchmarks without a database).
pub fn match_plain(
    items: &[(i64, i64, &str, &str, &str)],
    min_score: f64,
    limit: usize,
) -> Vec<Candidate> {
    let ents: Vec<Entity> = items
        .iter()
        .map(|(id, src, name, birth, place)| Entity {
            kind: 1,
            id: *id,
            source_id: *src,
            source: src.to_string(),
            display: name.to_string(),
            names: vec![prep_name(name)],
            birth: birth.to_string(),
            place: place.to_string(),
        })
        .collect();
    match_entities(&ents, None, min_score, limit)
}
