//! Lens counters, cached until the next audited change.

use super::*;
use serde::Serialize;
use utoipa::ToSchema;

// ----------------------------------------------------------------- lenses --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LensCount {
    pub lens: String,
    pub events: i64,
    pub acts: i64,
    /// Events in the priority countries.
    pub priority_events: i64,
}

/// Counters of every lens, over what the actor may see.
pub async fn lens_counts(store: &Store, actor: &Actor) -> Result<Vec<LensCount>> {
    lens_counts_with(store, actor, true).await
}

/// Lens counters computed since the last change, per visibility: the key is the audit
/// head (its HMAC-chained hash changes with every audited write or logged read, in any
/// process, and differs between databases), then the SQL visibility filter of the reader
/// (which holds everything a count depends on: user, role, teams) and whether acts are
/// counted. Only counters for the current head are kept.
pub(super) struct LensCache {
    head: String,
    entries: HashMap<(String, bool), Vec<LensCount>>,
}

pub(super) fn lens_cache() -> &'static Mutex<LensCache> {
    static CACHE: OnceLock<Mutex<LensCache>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(LensCache {
            head: String::new(),
            entries: HashMap::new(),
        })
    })
}

/// The audit head (hash of the last audit entry): changes with every audited change.
pub(super) async fn audit_head(store: &Store) -> Result<String> {
    let r = sqlx::query("SELECT hash FROM audit_head WHERE id = 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(r.map(|r| r.get::<String, _>(0)).unwrap_or_default())
}

/// Lens counters; without `acts`, only events are counted (one pass over the lens tags,
/// for pages that must stay fast on large data) and `acts` reads 0.
///
/// The counters are cached until the next audited change (see [`LensCache`]): counting
/// every event a reader may see takes hundreds of milliseconds at a million acts, and the
/// list page shows them on every request. A change in any process moves the audit head,
/// so a cached counter is never older than the data it counts.
pub async fn lens_counts_with(store: &Store, actor: &Actor, acts: bool) -> Result<Vec<LensCount>> {
    let head = audit_head(store).await?;
    let key = (
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event),
        acts,
    );
    if !head.is_empty() {
        let c = lens_cache().lock().unwrap_or_else(|e| e.into_inner());
        if c.head == head {
            if let Some(v) = c.entries.get(&key) {
                return Ok(v.clone());
            }
        }
    }
    let counts = count_lenses(store, actor, acts).await?;
    if !head.is_empty() {
        let mut c = lens_cache().lock().unwrap_or_else(|e| e.into_inner());
        if c.head != head || c.entries.len() >= 10_000 {
            c.head = head;
            c.entries.clear();
        }
        c.entries.insert(key, counts.clone());
    }
    Ok(counts)
}

pub(super) async fn count_lenses(
    store: &Store,
    actor: &Actor,
    acts: bool,
) -> Result<Vec<LensCount>> {
    let pc = priority_countries(store).await?;
    let pc_sql = if pc.is_empty() {
        "1 = 0".to_string()
    } else {
        // Codes were validated as three ASCII letters when the setting was saved.
        format!(
            "e.country IN ({})",
            pc.iter()
                .filter(|c| c.chars().all(|x| x.is_ascii_uppercase()))
                .map(|c| format!("'{c}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    // One grouped query for all lenses (lenses without events count zero).
    let rows = sqlx::query(&format!(
        "SELECT l.lens, COUNT(*), CAST(COALESCE(SUM(CASE WHEN {pc_sql} THEN 1 ELSE 0 END), 0) AS BIGINT), \
         {} FROM vio_events e JOIN vio_event_lenses l ON l.event_id = e.id WHERE {} GROUP BY l.lens",
        if acts {
            format!(
                "CAST(COALESCE(SUM((SELECT COUNT(*) FROM vio_acts ac WHERE ac.event_id = e.id AND {})), 0) AS BIGINT)",
                act_visible_sql(actor, "ac")
            )
        } else {
            "0".to_string()
        },
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .fetch_all(store.pool())
    .await?;
    Ok(LENSES
        .iter()
        .map(|lens| {
            let r = rows.iter().find(|r| r.get::<String, _>(0) == *lens);
            LensCount {
                lens: lens.to_string(),
                events: r.map(|r| r.get(1)).unwrap_or(0),
                priority_events: r.map(|r| r.get(2)).unwrap_or(0),
                acts: r.map(|r| r.get(3)).unwrap_or(0),
            }
        })
        .collect())
}
