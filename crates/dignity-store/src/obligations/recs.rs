//! Recommendations and observations: import (all or nothing, idempotent by stable key),
//! full-text search, facets.

use crate::{now, Backend, Result, Store, StoreError, WriteTx};
use dignity_core::obligations::{ImplementationStatus, Mechanism, Position, RecInput, RowError};
use dignity_core::{Actor, PartialDate};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// One recommendation as shown and served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub id: i64,
    pub key: String,
    /// `upr`, `treaty_body` or `special_procedure`.
    pub mechanism: String,
    /// `UPR`, a treaty body (`CCPR`, …) or a special procedure.
    pub body: String,
    pub upr_cycle: Option<i64>,
    pub session: String,
    pub document_symbol: String,
    pub paragraph: String,
    /// Partial date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), empty when unknown.
    pub date: String,
    pub iso3: String,
    pub recommending_iso3: Option<String>,
    /// `recommendation` or `observation`.
    pub kind: String,
    pub text: String,
    /// `supported`, `noted` or empty.
    pub position: String,
    pub upr_action: Option<i64>,
    pub themes: Vec<String>,
    pub affected: Vec<String>,
    pub sdgs: Vec<String>,
    pub source: String,
    /// The latest implementation status the reader may see; empty when not assessed.
    pub status: String,
    pub updated_at: String,
}

const COLS: &str = "r.id, r.rec_key, r.mechanism, r.body, r.upr_cycle, r.session, r.document_symbol, r.paragraph, r.rec_date, \
    r.iso3, r.recommending_iso3, r.kind, r.text, r.position, r.upr_action, r.themes, r.affected, r.sdgs, r.source, \
    r.status_public, r.status_internal, r.updated_at";

fn lines(s: String) -> Vec<String> {
    s.lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn from_row(r: &AnyRow, staff: bool) -> Recommendation {
    Recommendation {
        id: r.get(0),
        key: r.get(1),
        mechanism: r.get(2),
        body: r.get(3),
        upr_cycle: r.get(4),
        session: r.get(5),
        document_symbol: r.get(6),
        paragraph: r.get(7),
        date: r.get(8),
        iso3: r.get(9),
        recommending_iso3: r.get(10),
        kind: r.get(11),
        text: r.get(12),
        position: r.get(13),
        upr_action: r.get(14),
        themes: lines(r.get(15)),
        affected: lines(r.get(16)),
        sdgs: lines(r.get(17)),
        source: r.get(18),
        status: if staff { r.get(20) } else { r.get(19) },
        updated_at: r.get(21),
    }
}

// ------------------------------------------------------------------ import --

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub read: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Every rejected row, with its line and field. When not empty nothing was written.
    #[schema(value_type = Vec<Object>)]
    pub rejected: Vec<RowError>,
    pub dry_run: bool,
}

fn check(records: &[RecInput], countries: &HashSet<String>) -> Vec<RowError> {
    let mut errs = Vec::new();
    let mut keys: HashMap<&str, u64> = HashMap::new();
    for r in records {
        if let Some(first) = keys.insert(&r.key, r.line) {
            errs.push(RowError::new(
                r.line,
                "key",
                format!("duplicate key {}, first at row {first}", r.key),
            ));
        }
        if !countries.contains(&r.iso3) {
            errs.push(RowError::new(
                r.line,
                "country",
                format!("unknown country {:?}", r.iso3),
            ));
        }
        if let Some(c) = &r.recommending_iso3 {
            if !countries.contains(c) {
                errs.push(RowError::new(
                    r.line,
                    "recommending",
                    format!("unknown country {c:?}"),
                ));
            }
        }
        if r.text.trim().is_empty() {
            errs.push(RowError::new(r.line, "text", "must not be empty"));
        }
    }
    errs
}

fn tags(r: &RecInput) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (kind, list) in [
        ("theme", &r.themes),
        ("affected", &r.affected),
        ("sdg", &r.sdgs),
    ] {
        for v in list {
            let v = v.trim().to_string();
            if !v.is_empty() && seen.insert((kind, v.clone())) {
                out.push((kind, v));
            }
        }
    }
    out
}

/// Import recommendations: every record is checked first; if any is rejected nothing is
/// written. Records whose key exists are updated when their content changed. One
/// transaction, one audit entry per record created or updated. `progress` is called with
/// the number of records handled so far.
pub async fn import(
    store: &Store,
    actor: &Actor,
    records: Vec<RecInput>,
    mut rejected: Vec<RowError>,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ImportSummary> {
    let countries: HashSet<String> = sqlx::query("SELECT iso3 FROM countries")
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    rejected.extend(check(&records, &countries));
    let mut summary = ImportSummary {
        read: records.len()
            + rejected
                .iter()
                .map(|e| e.line)
                .collect::<HashSet<_>>()
                .len(),
        dry_run,
        ..Default::default()
    };
    if !rejected.is_empty() {
        rejected.sort_by_key(|e| (e.file.clone(), e.line));
        summary.rejected = rejected;
        return Ok(summary);
    }
    let mut existing: HashMap<String, (i64, String)> = HashMap::new();
    let sources: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    for src in sources {
        for r in
            sqlx::query("SELECT rec_key, id, content_hash FROM recommendations WHERE source = $1")
                .bind(src)
                .fetch_all(store.pool())
                .await?
        {
            existing.insert(r.get(0), (r.get(1), r.get(2)));
        }
    }
    let mut new = Vec::new();
    let mut changed = Vec::new();
    for r in &records {
        let h = r.content_hash();
        match existing.get(&r.key) {
            None => new.push((r, h)),
            Some((id, old)) if *old != h => changed.push((*id, r, h)),
            Some(_) => summary.unchanged += 1,
        }
    }
    summary.created = new.len();
    summary.updated = changed.len();
    if dry_run || (new.is_empty() && changed.is_empty()) {
        progress(records.len());
        return Ok(summary);
    }
    let mut tx = store.begin(actor).await?;
    let at = now();
    let mut done = summary.unchanged;
    // New records in batches: one INSERT … RETURNING for the batch, one for its tags.
    const BATCH: usize = 100;
    for chunk in new.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO recommendations (rec_key, mechanism, body, upr_cycle, session, document_symbol, paragraph, rec_date, \
             iso3, recommending_iso3, kind, text, position, upr_action, themes, affected, sdgs, source, content_hash, created_at, updated_at) VALUES ",
        );
        let n = 21;
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..n {
                if j > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", i * n + j + 1));
            }
            sql.push(')');
        }
        sql.push_str(" RETURNING id, rec_key");
        let mut q = sqlx::query(&sql);
        for (r, h) in chunk {
            q = bind_rec(q, r, h).bind(at.clone()).bind(at.clone());
        }
        let ids: HashMap<String, i64> = q
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|row| (row.get::<String, _>(1), row.get::<i64, _>(0)))
            .collect();
        let mut all_tags = Vec::new();
        for (r, _) in chunk {
            let id = *ids
                .get(&r.key)
                .ok_or_else(|| StoreError::Internal("insert lost a row".into()))?;
            for (k, v) in tags(r) {
                all_tags.push((id, k, v));
            }
            tx.audit(
                "recommendation.create",
                "recommendation",
                &id.to_string(),
                None,
                Some(&serde_json::to_value(r).unwrap_or_default()),
                serde_json::json!({ "source": r.source }),
            );
        }
        insert_tags(&mut tx, &all_tags).await?;
        done += chunk.len();
        progress(done);
    }
    for (id, r, h) in &changed {
        let q = sqlx::query(
            "UPDATE recommendations SET rec_key = $1, mechanism = $2, body = $3, upr_cycle = $4, session = $5, document_symbol = $6, \
             paragraph = $7, rec_date = $8, iso3 = $9, recommending_iso3 = $10, kind = $11, text = $12, position = $13, upr_action = $14, \
             themes = $15, affected = $16, sdgs = $17, source = $18, content_hash = $19, updated_at = $20 WHERE id = $21",
        );
        bind_rec(q, r, h)
            .bind(at.clone())
            .bind(*id)
            .execute(tx.conn())
            .await?;
        sqlx::query("DELETE FROM recommendation_tags WHERE rec_id = $1")
            .bind(*id)
            .execute(tx.conn())
            .await?;
        let t: Vec<_> = tags(r).into_iter().map(|(k, v)| (*id, k, v)).collect();
        insert_tags(&mut tx, &t).await?;
        tx.audit(
            "recommendation.update",
            "recommendation",
            &id.to_string(),
            None,
            Some(&serde_json::to_value(r).unwrap_or_default()),
            serde_json::json!({ "source": r.source }),
        );
        done += 1;
        if done.is_multiple_of(1000) {
            progress(done);
        }
    }
    tx.commit().await?;
    if summary.created + summary.updated > 1000 {
        analyze(store).await?;
    }
    progress(records.len());
    Ok(summary)
}

fn bind_rec<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    r: &RecInput,
    hash: &str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(r.key.clone())
        .bind(r.mechanism.as_str())
        .bind(r.body.clone())
        .bind(r.upr_cycle.map(|c| c as i64))
        .bind(r.session.clone())
        .bind(r.document_symbol.clone())
        .bind(r.paragraph.clone())
        .bind(r.date.to_string())
        .bind(r.iso3.clone())
        .bind(r.recommending_iso3.clone())
        .bind(r.kind.clone())
        .bind(r.text.clone())
        .bind(r.position.map(|p| p.as_str()).unwrap_or(""))
        .bind(r.upr_action.map(|a| a as i64))
        .bind(r.themes.join("\n"))
        .bind(r.affected.join("\n"))
        .bind(r.sdgs.join("\n"))
        .bind(r.source.clone())
        .bind(hash.to_string())
}

async fn insert_tags(tx: &mut WriteTx, t: &[(i64, &'static str, String)]) -> Result<()> {
    for chunk in t.chunks(300) {
        let mut sql = String::from("INSERT INTO recommendation_tags (rec_id, kind, value) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
        }
        let mut q = sqlx::query(&sql);
        for (id, k, v) in chunk {
            q = q.bind(*id).bind(*k).bind(v.clone());
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Create one recommendation by hand (audited).
pub async fn create(tx: &mut WriteTx, mut r: RecInput) -> Result<i64> {
    if r.key.trim().is_empty() {
        r.key = format!("manual:{}", dignity_core::password::random_token(12));
    }
    if r.text.trim().is_empty() {
        return Err(StoreError::invalid("text", "must not be empty"));
    }
    // Every country the record refers to must exist: an unknown code is the caller's
    // mistake (422 naming the field), not a foreign-key failure (500).
    for (field, code) in [
        ("iso3", Some(&r.iso3)),
        ("recommending_iso3", r.recommending_iso3.as_ref()),
    ] {
        let Some(code) = code else { continue };
        let ok = sqlx::query("SELECT 1 FROM countries WHERE iso3 = $1")
            .bind(code)
            .fetch_optional(tx.conn())
            .await?
            .is_some();
        if !ok {
            return Err(StoreError::invalid(
                field,
                format!("unknown country {code:?}"),
            ));
        }
    }
    let h = r.content_hash();
    let at = now();
    let q = sqlx::query(
        "INSERT INTO recommendations (rec_key, mechanism, body, upr_cycle, session, document_symbol, paragraph, rec_date, \
         iso3, recommending_iso3, kind, text, position, upr_action, themes, affected, sdgs, source, content_hash, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21) RETURNING id",
    );
    let id: i64 = bind_rec(q, &r, &h)
        .bind(at.clone())
        .bind(at)
        .fetch_one(tx.conn())
        .await
        .map_err(StoreError::from)
        .map_err(|e| {
            if e.is_unique_violation() {
                StoreError::Conflict(format!("a recommendation with key {:?}", r.key))
            } else {
                e
            }
        })?
        .get(0);
    let t: Vec<_> = tags(&r).into_iter().map(|(k, v)| (id, k, v)).collect();
    insert_tags(tx, &t).await?;
    tx.audit(
        "recommendation.create",
        "recommendation",
        &id.to_string(),
        None,
        Some(&serde_json::to_value(&r).unwrap_or_default()),
        serde_json::json!({ "source": r.source }),
    );
    Ok(id)
}

/// A recommendation typed in (API, forms).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewRecommendation {
    pub iso3: String,
    pub body: String,
    pub text: String,
    #[serde(default)]
    pub document_symbol: String,
    #[serde(default)]
    pub paragraph: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub recommending_iso3: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub affected: Vec<String>,
    #[serde(default)]
    pub sdgs: Vec<String>,
}

impl NewRecommendation {
    pub fn into_input(self) -> Result<RecInput> {
        let (mechanism, body) =
            dignity_core::obligations::body_mechanism(&self.body).ok_or_else(|| {
                StoreError::invalid("body", format!("unknown mechanism {:?}", self.body))
            })?;
        let date = PartialDate::parse(&self.date)
            .map_err(|e| StoreError::invalid("date", e.to_string()))?;
        let position =
            match self
                .position
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                None => None,
                Some(p) => Some(Position::parse(p).ok_or_else(|| {
                    StoreError::invalid("position", "expected supported or noted")
                })?),
            };
        Ok(RecInput {
            key: String::new(),
            mechanism,
            body,
            upr_cycle: if mechanism == Mechanism::Upr {
                self.session
                    .trim()
                    .parse()
                    .ok()
                    .map(dignity_core::obligations::upr_cycle)
            } else {
                None
            },
            session: self.session.trim().into(),
            document_symbol: self.document_symbol.trim().into(),
            paragraph: self.paragraph.trim().into(),
            date,
            iso3: self.iso3.trim().to_ascii_uppercase(),
            recommending_iso3: self
                .recommending_iso3
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty()),
            kind: match self.kind.as_deref() {
                Some("observation") => "observation".into(),
                _ => "recommendation".into(),
            },
            text: self.text.trim().into(),
            position,
            upr_action: None,
            themes: self.themes,
            affected: self.affected,
            sdgs: self.sdgs,
            source: "manual".into(),
            line: 0,
        })
    }
}

// ------------------------------------------------------------------ search --

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
    /// `supported` or `noted`.
    pub position: Option<String>,
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

enum Bind {
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

fn where_clause(store: &Store, staff: bool, f: &RecFilter) -> (String, Vec<Bind>) {
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

fn bind_all<'q>(
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
type CountCache = std::sync::Mutex<HashMap<String, (i64, i64, Option<Facets>)>>;
fn cache() -> &'static CountCache {
    static C: std::sync::OnceLock<CountCache> = std::sync::OnceLock::new();
    C.get_or_init(Default::default)
}

async fn write_seq(store: &Store) -> Result<i64> {
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
        (page - 1) * per_page
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
async fn disjunctive(store: &Store, staff: bool, f: &RecFilter, mut fc: Facets) -> Result<Facets> {
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

fn own_value<'a>(f: &'a RecFilter, key: &str) -> &'a Option<String> {
    match key {
        "country" => &f.country,
        "mechanism" => &f.mechanism,
        "body" => &f.body,
        "from" => &f.from,
        "theme" => &f.theme,
        "affected" => &f.affected,
        "sdg" => &f.sdg,
        "position" => &f.position,
        _ => &f.status,
    }
}

fn clear_facet(f: &mut RecFilter, key: &str) {
    match key {
        "country" => f.country = None,
        "mechanism" => f.mechanism = None,
        "body" => f.body = None,
        "from" => f.from = None,
        "theme" => f.theme = None,
        "affected" => f.affected = None,
        "sdg" => f.sdg = None,
        "position" => f.position = None,
        _ => f.status = None,
    }
    f.also.retain(|(k, _)| k != key);
}

fn facet_mut<'a>(fc: &'a mut Facets, key: &str) -> &'a mut Vec<FacetValue> {
    match key {
        "country" => &mut fc.country,
        "mechanism" => &mut fc.mechanism,
        "body" => &mut fc.body,
        "from" => &mut fc.from,
        "theme" => &mut fc.theme,
        "affected" => &mut fc.affected,
        "sdg" => &mut fc.sdg,
        "position" => &mut fc.position,
        _ => &mut fc.status,
    }
}

/// The counts of one facet's values over a filtered set.
async fn one_facet(
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

fn top(m: HashMap<String, i64>) -> Vec<FacetValue> {
    let mut v: Vec<FacetValue> = m
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(value, count)| FacetValue { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v.truncate(60);
    v
}

async fn facets_in_one_pass(
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
            "SELECT r.mechanism, r.body, r.iso3, COALESCE(r.recommending_iso3, ''), r.position, {status_col} FROM recommendations r WHERE {w}"
        )),
        binds,
    )
    .fetch_all(store.pool())
    .await?;
    let mut maps: Vec<HashMap<String, i64>> = vec![HashMap::new(); 6];
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
            theme: top(tags.remove("theme").unwrap_or_default()),
            affected: top(tags.remove("affected").unwrap_or_default()),
            sdg: top(tags.remove("sdg").unwrap_or_default()),
        },
    ))
}

async fn facet_counts(store: &Store, staff: bool, w: &str, binds: &[Bind]) -> Result<Facets> {
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
        .map(|r| {
            let v: String = r.get(0);
            FacetValue {
                value: if v.is_empty() { "none".into() } else { v },
                count: r.get(1),
            }
        })
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
        status,
    })
}

/// One recommendation.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Option<Recommendation>> {
    Ok(sqlx::query(&format!(
        "SELECT {COLS} FROM recommendations r WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .map(|r| from_row(&r, actor.is_staff())))
}

/// Counts of one State's recommendations by a column (`body`, `position`, status).
pub async fn counts_by(
    store: &Store,
    actor: &Actor,
    iso3: &str,
    what: &str,
) -> Result<Vec<FacetValue>> {
    let f = RecFilter {
        country: Some(iso3.into()),
        ..Default::default()
    };
    let staff = actor.is_staff();
    let (w, binds) = where_clause(store, staff, &f);
    let c = match what {
        "body" => "r.body",
        "mechanism" => "r.mechanism",
        "position" => "r.position",
        "status" => if staff { "r.status_internal" } else { "r.status_public" },
        "theme" => {
            return Ok(bind_all(
                sqlx::query(&format!(
                    "SELECT t.value, COUNT(*) FROM recommendation_tags t JOIN recommendations r ON r.id = t.rec_id \
                     WHERE t.kind = 'theme' AND {w} GROUP BY t.value ORDER BY COUNT(*) DESC, t.value LIMIT 12"
                )),
                &binds,
            )
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| FacetValue { value: r.get(0), count: r.get(1) })
            .collect())
        }
        _ => return Err(StoreError::invalid("what", "unknown facet")),
    };
    Ok(bind_all(
        sqlx::query(&format!(
            "SELECT {c}, COUNT(*) FROM recommendations r WHERE {w} GROUP BY {c} ORDER BY COUNT(*) DESC, {c}"
        )),
        &binds,
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let v: String = r.get(0);
        FacetValue {
            value: if v.is_empty() { "none".into() } else { v },
            count: r.get(1),
        }
    })
    .collect())
}

/// Known implementation statuses, for forms.
pub fn statuses() -> Vec<&'static str> {
    ImplementationStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect()
}
