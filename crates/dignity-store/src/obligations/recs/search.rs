//! The recommendations list: filters, full-text search, facets and their counts (cached per write).

use super::*;

/// Filters of the recommendations list (every one optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecFilter {
    /// State under review (ISO3).
    pub country: Option<String>,
    /// Full-text query (all words must occur).
    pub q: Option<String>,
    /// `upr`, `treaty_body` or `special_procedure`.
    pub mechanism: Option<String>,
    /// `UPR`, `CCPR`, `CEDAW`, … or a special procedure.
    pub body: Option<String>,
    /// Recommending State (UPR), ISO3.
    pub from: Option<String>,
    pub theme: Option<String>,
    pub affected: Option<String>,
    /// SDG target, e.g. `5.1`.
    pub sdg: Option<String>,
    /// The State's response: `supported`, `noted`, `partially_supported` or `pending`.
    pub position: Option<String>,
    /// UPR Info's action category, `1` (minimal action) … `5` (specific action).
    pub action: Option<String>,
    /// Implementation status (`not_started`, …, or `none` for not assessed).
    pub status: Option<String>,
    pub cycle: Option<i64>,
    /// 1-based page.
    pub page: Option<i64>,
    /// 1 to 200 (default 50).
    pub per_page: Option<i64>,
    /// More values of the facets, OR-ed with the field's own value (several values chosen
    /// in one facet): `("body", "CAT")`. The web layer fills it from repeated query
    /// parameters (`?body=CCPR&body=CAT`).
    #[serde(skip)]
    pub also: Vec<(String, String)>,
}

/// The facets whose values can be combined (OR) within the facet.
pub const MULTI_FACETS: &[&str] = &[
    "country",
    "mechanism",
    "body",
    "from",
    "theme",
    "affected",
    "sdg",
    "position",
    "action",
    "status",
];

impl RecFilter {
    fn s(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    /// Every value chosen in one facet: the field's own and the additional ones.
    pub fn values(&self, key: &str, own: &Option<String>) -> Vec<String> {
        let mut out: Vec<String> = Self::s(own).map(String::from).into_iter().collect();
        for (k, v) in &self.also {
            let v = v.trim();
            if k == key && !v.is_empty() && !out.iter().any(|x| x == v) {
                out.push(v.to_string());
            }
        }
        out
    }
    pub fn is_empty(&self) -> bool {
        [
            &self.country,
            &self.q,
            &self.mechanism,
            &self.body,
            &self.from,
            &self.theme,
            &self.affected,
            &self.sdg,
            &self.position,
            &self.action,
            &self.status,
        ]
        .iter()
        .all(|v| Self::s(v).is_none())
            && self.also.iter().all(|(_, v)| v.trim().is_empty())
            && self.cycle.is_none()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RecommendationFacetValue)]
pub struct FacetValue {
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub mechanism: Vec<FacetValue>,
    pub body: Vec<FacetValue>,
    pub country: Vec<FacetValue>,
    pub from: Vec<FacetValue>,
    pub theme: Vec<FacetValue>,
    pub affected: Vec<FacetValue>,
    pub sdg: Vec<FacetValue>,
    pub position: Vec<FacetValue>,
    /// UPR Info's action categories, `1` … `5`.
    pub action: Vec<FacetValue>,
    pub status: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<Recommendation>,
    pub facets: Option<Facets>,
}

pub(super) enum Bind {
    S(String),
    I(i64),
}

/// The full-text condition on `alias.text`, bound at `$n`, and the value to bind; kept
/// behind this function so that the search engine can be swapped (SQLite FTS5,
/// PostgreSQL tsvector today).
/// `selective` says other filters leave few rows (e.g. one State): then the rows are
/// found through those filters' index and checked against the list of matches, instead
/// of looking up every match (SQLite: `+id IN (…)`, 10 ms instead of 100 ms at 340,000).
pub fn fulltext_condition(
    backend: Backend,
    alias: &str,
    n: usize,
    q: &str,
    selective: bool,
) -> Option<(String, String)> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .take(16)
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(match backend {
        Backend::Sqlite => (
            format!(
                "{}{alias}.id IN (SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH ${n})",
                if selective { "+" } else { "" }
            ),
            words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" "),
        ),
        Backend::Postgres => (
            format!("to_tsvector('simple', {alias}.text) @@ plainto_tsquery('simple', ${n})"),
            words.join(" "),
        ),
    })
}

pub(super) fn where_clause(store: &Store, staff: bool, f: &RecFilter) -> (String, Vec<Bind>) {
    let mut conds: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let status_col = if staff {
        "r.status_internal"
    } else {
        "r.status_public"
    };
    // One value: `col = $n`; several chosen in the same facet: `col IN ($n, $m, …)`.
    let any = |binds: &mut Vec<Bind>, vals: Vec<String>| -> Option<String> {
        let ps: Vec<String> = vals
            .into_iter()
            .map(|v| {
                binds.push(Bind::S(v));
                format!("${}", binds.len())
            })
            .collect();
        match ps.len() {
            0 => None,
            1 => Some(format!("= {}", ps[0])),
            _ => Some(format!("IN ({})", ps.join(", "))),
        }
    };
    let upper = |v: Vec<String>| v.into_iter().map(|s| s.to_ascii_uppercase()).collect();
    for (col, vals) in [
        ("r.iso3", upper(f.values("country", &f.country))),
        ("r.mechanism", f.values("mechanism", &f.mechanism)),
        ("r.body", f.values("body", &f.body)),
        ("r.recommending_iso3", upper(f.values("from", &f.from))),
        ("r.position", f.values("position", &f.position)),
        (
            status_col,
            f.values("status", &f.status)
                .into_iter()
                .map(|s| if s == "none" { String::new() } else { s })
                .collect(),
        ),
    ] {
        if let Some(c) = any(&mut binds, vals) {
            conds.push(format!("{col} {c}"));
        }
    }
    // Action categories are numbers (`none`: no category); any other value matches nothing.
    let actions = f.values("action", &f.action);
    if !actions.is_empty() {
        let ps: Vec<String> = actions
            .iter()
            .filter_map(|v| v.parse::<i64>().ok())
            .map(|n| {
                binds.push(Bind::I(n));
                format!("${}", binds.len())
            })
            .collect();
        let mut alts = Vec::new();
        if !ps.is_empty() {
            alts.push(format!("r.upr_action IN ({})", ps.join(", ")));
        }
        if actions.iter().any(|v| v == "none") {
            alts.push("r.upr_action IS NULL".to_string());
        }
        conds.push(if alts.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("({})", alts.join(" OR "))
        });
    }
    if let Some(c) = f.cycle {
        binds.push(Bind::I(c));
        conds.push(format!("r.upr_cycle = ${}", binds.len()));
    }
    for (kind, v) in [
        ("theme", &f.theme),
        ("affected", &f.affected),
        ("sdg", &f.sdg),
    ] {
        if let Some(c) = any(&mut binds, f.values(kind, v)) {
            conds.push(format!(
                "r.id IN (SELECT t.rec_id FROM recommendation_tags t WHERE t.kind = '{kind}' AND t.value {c})"
            ));
        }
    }
    if let Some(q) = RecFilter::s(&f.q) {
        let selective =
            !f.values("country", &f.country).is_empty() || !f.values("from", &f.from).is_empty();
        if let Some((cond, v)) =
            fulltext_condition(store.backend(), "r", binds.len() + 1, q, selective)
        {
            binds.push(Bind::S(v));
            conds.push(cond);
        }
    }
    let w = if conds.is_empty() {
        "1 = 1".to_string()
    } else {
        conds.join(" AND ")
    };
    (w, binds)
}

pub(super) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::S(s) => q.bind(s.clone()),
            Bind::I(i) => q.bind(*i),
        };
    }
    q
}

/// Totals and facet counts of recent searches, valid while nothing was written: the key
/// is the store, the reader's class and the filter; the value carries the audit sequence
/// number it was computed at (every write moves it, on every process sharing the database).
pub(super) type CountCache = std::sync::Mutex<HashMap<String, (i64, i64, Option<Facets>)>>;
pub(super) fn cache() -> &'static CountCache {
    static C: std::sync::OnceLock<CountCache> = std::sync::OnceLock::new();
    C.get_or_init(Default::default)
}

pub(super) async fn write_seq(store: &Store) -> Result<i64> {
    Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?
        .get(0))
}

/// Refresh the planner's statistics after a large import (SQLite has none until asked).
pub async fn analyze(store: &Store) -> Result<()> {
    let stmts: &[&str] = match store.backend() {
        Backend::Sqlite => &["ANALYZE"],
        Backend::Postgres => &["ANALYZE recommendations", "ANALYZE recommendation_tags"],
    };
    for s in stmts {
        sqlx::query(s).execute(store.pool()).await?;
    }
    Ok(())
}

/// Search recommendations; with `facets`, also count the values of every facet over
/// the same filtered set.
pub async fn search(store: &Store, actor: &Actor, f: &RecFilter, facets: bool) -> Result<RecPage> {
    let staff = actor.is_staff();
    let (w, binds) = where_clause(store, staff, f);
    let per_page = f.per_page.unwrap_or(50).clamp(1, 200);
    let page = f.page.unwrap_or(1).max(1);
    let key = format!(
        "{}|{staff}|{w}|{}",
        store.data_dir().display(),
        binds
            .iter()
            .map(|b| match b {
                Bind::S(s) => s.clone(),
                Bind::I(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\u{1f}")
    );
    let seq = write_seq(store).await?;
    let cached = cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned())
        .filter(|(s, _, fc)| *s == seq && (!facets || fc.is_some()));
    let has_text = RecFilter::s(&f.q).is_some();
    let (total, cached_facets) = match cached {
        Some((_, total, fc)) => (total, fc),
        // A text query: one pass over the matching rows gives the total and the facets
        // (the full-text index is read twice instead of once per facet).
        None if has_text && facets => {
            let (total, fc) = facets_in_one_pass(store, staff, &w, &binds).await?;
            (total, Some(disjunctive(store, staff, f, fc).await?))
        }
        None => {
            let total: i64 = bind_all(
                sqlx::query(&format!("SELECT COUNT(*) FROM recommendations r WHERE {w}")),
                &binds,
            )
            .fetch_one(store.pool())
            .await?
            .get(0);
            (total, None)
        }
    };
    // Unfiltered, the date index gives the order; filtered, the filter's index finds the
    // rows and they are sorted (walking the date index would visit most of the table).
    let order = if binds.is_empty() {
        "r.rec_date"
    } else {
        "r.rec_date || ''"
    };
    let sql = format!(
        "SELECT {COLS} FROM recommendations r WHERE {w} ORDER BY {order} DESC, r.id DESC LIMIT {per_page} OFFSET {}",
        (page - 1).saturating_mul(per_page)
    );
    let items = bind_all(sqlx::query(&sql), &binds)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| from_row(r, staff))
        .collect();
    let facets = match (facets, cached_facets) {
        (false, _) => None,
        (true, Some(fc)) => Some(fc),
        (true, None) => {
            let fc = facet_counts(store, staff, &w, &binds).await?;
            Some(disjunctive(store, staff, f, fc).await?)
        }
    };
    if let Ok(mut c) = cache().lock() {
        if c.len() > 2000 {
            c.clear();
        }
        let keep = facets.clone().or_else(|| {
            c.get(&key)
                .and_then(|e| (e.0 == seq).then(|| e.2.clone()).flatten())
        });
        c.insert(key, (seq, total, keep));
    }
    Ok(RecPage {
        total,
        page,
        per_page,
        items,
        facets,
    })
}

/// A facet with a value chosen counts its values without its own filter (the other
/// filters still apply), so that more values of it can be added (OR) with their counts.
pub(super) async fn disjunctive(
    store: &Store,
    staff: bool,
    f: &RecFilter,
    mut fc: Facets,
) -> Result<Facets> {
    for key in MULTI_FACETS {
        if f.values(key, own_value(f, key)).is_empty() {
            continue;
        }
        let mut g = f.clone();
        clear_facet(&mut g, key);
        let (w, b) = where_clause(store, staff, &g);
        *facet_mut(&mut fc, key) = one_facet(store, staff, &w, &b, key).await?;
    }
    Ok(fc)
}

pub(super) fn own_value<'a>(f: &'a RecFilter, key: &str) -> &'a Option<String> {
    match key {
        "country" => &f.country,
        "mechanism" => &f.mechanism,
        "body" => &f.body,
        "from" => &f.from,
        "theme" => &f.theme,
        "affected" => &f.affected,
        "sdg" => &f.sdg,
        "position" => &f.position,
        "action" => &f.action,
        _ => &f.status,
    }
}

pub(super) fn clear_facet(f: &mut RecFilter, key: &str) {
    match key {
        "country" => f.country = None,
        "mechanism" => f.mechanism = None,
        "body" => f.body = None,
        "from" => f.from = None,
        "theme" => f.theme = None,
        "affected" => f.affected = None,
        "sdg" => f.sdg = None,
        "position" => f.position = None,
        "action" => f.action = None,
        _ => f.status = None,
    }
    f.also.retain(|(k, _)| k != key);
}

pub(super) fn facet_mut<'a>(fc: &'a mut Facets, key: &str) -> &'a mut Vec<FacetValue> {
    match key {
        "country" => &mut fc.country,
        "mechanism" => &mut fc.mechanism,
        "body" => &mut fc.body,
        "from" => &mut fc.from,
        "theme" => &mut fc.theme,
        "affected" => &mut fc.affected,
        "sdg" => &mut fc.sdg,
        "position" => &mut fc.position,
        "action" => &mut fc.action,
        _ => &mut fc.status,
    }
}

/// The counts of one facet's values over a filtered set.
pub(super) async fn one_facet(
    store: &Store,
    staff: bool,
    w: &str,
    binds: &[Bind],
    key: &str,
) -> Result<Vec<FacetValue>> {
    let col = match key {
        "country" => "r.iso3",
        "mechanism" => "r.mechanism",
        "body" => "r.body",
        "from" => "r.recommending_iso3",
        "position" => "r.position",
        "action" => super::ACTION_TEXT,
        "status" if staff => "r.status_internal",
        "status" => "r.status_public",
        _ => "",
    };
    let sql = if col.is_empty() {
        format!(
            "SELECT t.value, COUNT(*) FROM recommendation_tags t JOIN recommendations r ON r.id = t.rec_id \
             WHERE t.kind = '{key}' AND {w} GROUP BY t.value ORDER BY COUNT(*) DESC LIMIT 60"
        )
    } else {
        format!(
            "SELECT COALESCE({col}, ''), COUNT(*) FROM recommendations r WHERE {w} GROUP BY {col} ORDER BY COUNT(*) DESC LIMIT 60"
        )
    };
    Ok(bind_all(sqlx::query(&sql), binds)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let v: String = r.get(0);
            FacetValue {
                value: if key == "status" && v.is_empty() {
                    "none".into()
                } else {
                    v
                },
                count: r.get(1),
            }
        })
        .filter(|v| !v.value.is_empty())
        .collect())
}

pub(super) fn top(m: HashMap<String, i64>) -> Vec<FacetValue> {
    let mut v: Vec<FacetValue> = m
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v.truncate(60);
    v
}

pub(super) async fn facets_in_one_pass(
    store: &Store,
    staff: bool,
    w: &str,
    binds: &[Bind],
) -> Result<(i64, Facets)> {
    let status_col = if staff {
        "r.status_internal"
    } else {
        "r.status_public"
    };
    let rows = bind_all(
        sqlx::query(&format!(
            "SELECT r.mechanism, r.body, r.iso3, COALESCE(r.recommending_iso3, ''), r.position, {status_col}, {} FROM recommendations r WHERE {w}",
            super::ACTION_TEXT
        )),
        binds,
    )
    .fetch_all(store.pool())
    .await?;
    let mut maps: Vec<HashMap<String, i64>> = vec![HashMap::new(); 7];
    for r in &rows {
        for (i, m) in maps.iter_mut().enumerate() {
            let mut v: String = r.get(i);
            if i == 5 && v.is_empty() {
                v = "none".into();
            }
            *m.entry(v).or_default() += 1;
        }
    }
    let total = rows.len() as i64;
    drop(rows);
    let mut tags: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for r in bind_all(
        sqlx::query(&format!(
            "SELECT t.kind, t.value FROM recommendation_tags t WHERE t.rec_id IN (SELECT r.id FROM recommendations r WHERE {w})"
        )),
        binds,
    )
    .fetch_all(store.pool())
    .await?
    {
        *tags.entry(r.get(0)).or_default().entry(r.get(1)).or_default() += 1;
    }
    let mut it = maps.into_iter();
    let mut next = || top(it.next().unwrap_or_default());
    Ok((
        total,
        Facets {
            mechanism: next(),
            body: next(),
            country: next(),
            from: next(),
            position: next(),
            status: next(),
            action: next(),
            theme: top(tags.remove("theme").unwrap_or_default()),
            affected: top(tags.remove("affected").unwrap_or_default()),
            sdg: top(tags.remove("sdg").unwrap_or_default()),
        },
    ))
}

pub(super) async fn facet_counts(
    store: &Store,
    staff: bool,
    w: &str,
    binds: &[Bind],
) -> Result<Facets> {
    let status_col = if staff {
        "r.status_internal"
    } else {
        "r.status_public"
    };
    let col = |c: &str| {
        format!("SELECT COALESCE({c}, ''), COUNT(*) FROM recommendations r WHERE {w} GROUP BY {c} ORDER BY COUNT(*) DESC LIMIT 60")
    };
    let unfiltered = binds.is_empty();
    let tag = |k: &str| {
        if unfiltered {
            // Every recommendation counts: the tag index alone answers.
            format!(
                "SELECT t.value, COUNT(*) FROM recommendation_tags t WHERE t.kind = '{k}' GROUP BY t.value ORDER BY COUNT(*) DESC LIMIT 60"
            )
        } else {
            format!(
                "SELECT t.value, COUNT(*) FROM recommendation_tags t JOIN recommendations r ON r.id = t.rec_id \
                 WHERE t.kind = '{k}' AND {w} GROUP BY t.value ORDER BY COUNT(*) DESC LIMIT 60"
            )
        }
    };
    let run = |sql: String| async move {
        Ok::<_, StoreError>(
            bind_all(sqlx::query(&sql), binds)
                .fetch_all(store.pool())
                .await?
                .iter()
                .map(|r| FacetValue {
                    value: r.get(0),
                    count: r.get(1),
                })
                .filter(|v| !v.value.is_empty() || v.count == 0)
                .collect::<Vec<_>>(),
        )
    };
    let status: Vec<FacetValue> = bind_all(sqlx::query(&col(status_col)), binds)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(super::facet_value)
        .collect();
    Ok(Facets {
        mechanism: run(col("r.mechanism")).await?,
        body: run(col("r.body")).await?,
        country: run(col("r.iso3")).await?,
        from: run(col("r.recommending_iso3")).await?,
        theme: run(tag("theme")).await?,
        affected: run(tag("affected")).await?,
        sdg: run(tag("sdg")).await?,
        position: run(col("r.position")).await?,
        action: run(col(super::ACTION_TEXT)).await?,
        status,
    })
}
