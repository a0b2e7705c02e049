//! Recommendations and observations: import (all or nothing, idempotent by stable key),
//! full-text search, facets.

use crate::{now, Backend, Result, Store, StoreError, WriteTx};
use dignity_core::obligations::{
    self as rules, ImplementationStatus, Mechanism, RecInput, RowError,
};
use dignity_core::Actor;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

mod search;
pub use search::*;

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
    /// The State's response to a UPR recommendation: `supported`, `noted`,
    /// `partially_supported` or `pending` (no response yet); empty for other mechanisms.
    pub position: String,
    /// UPR Info's action category, 1 (minimal action) … 5 (specific action).
    pub upr_action: Option<i64>,
    /// The category's label as UPR Info names it (`data/upr/action-categories.csv`), e.g.
    /// `Specific action`.
    pub upr_action_label: Option<String>,
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

/// The action category as text (`"1"` … `"5"`, `""` when none): the value its facet counts.
pub(crate) const ACTION_TEXT: &str = "COALESCE(CAST(r.upr_action AS TEXT), '')";

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
        upr_action_label: r
            .get::<Option<i64>, _>(14)
            .and_then(dignity_core::refdata::action_category)
            .map(|c| c.label_en.clone()),
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
    rules::not_empty("text", &r.text)?;
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
            return Err(rules::Unknown::Country.invalid(field, Some(code)).into());
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
    /// `supported`, `noted`, `partially_supported` or `pending`; a UPR recommendation
    /// without one is pending.
    #[serde(default)]
    pub position: Option<String>,
    /// UPR Info's action category, 1 (minimal action) … 5 (specific action).
    #[serde(default)]
    pub upr_action: Option<i64>,
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
        let (mechanism, body) = rules::parse_body(&self.body)?;
        let date = rules::parse_rec_date(&self.date)?;
        let position = rules::parse_position(self.position.as_deref())?
            .or((mechanism == Mechanism::Upr).then_some(rules::Position::Pending));
        let upr_action = self.upr_action.map(rules::parse_upr_action).transpose()?;
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
            upr_action,
            themes: self.themes,
            affected: self.affected,
            sdgs: self.sdgs,
            source: "manual".into(),
            line: 0,
        })
    }
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

/// Counts of one State's recommendations by a column (`body`, `position`, `action`,
/// status); the response and the action category count the UPR recommendations only.
pub async fn counts_by(
    store: &Store,
    actor: &Actor,
    iso3: &str,
    what: &str,
) -> Result<Vec<FacetValue>> {
    let facet = rules::CountFacet::parse(what)?;
    // A response and an action category belong to UPR recommendations only.
    let upr_only = matches!(
        facet,
        rules::CountFacet::Position | rules::CountFacet::Action
    );
    let f = RecFilter {
        country: Some(iso3.into()),
        mechanism: upr_only.then(|| Mechanism::Upr.as_str().to_string()),
        ..Default::default()
    };
    let staff = actor.is_staff();
    let (w, binds) = where_clause(store, staff, &f);
    let c = match facet {
        rules::CountFacet::Body => "r.body",
        rules::CountFacet::Mechanism => "r.mechanism",
        rules::CountFacet::Position => "r.position",
        rules::CountFacet::Action => ACTION_TEXT,
        rules::CountFacet::Status => if staff { "r.status_internal" } else { "r.status_public" },
        rules::CountFacet::Theme => {
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
    .map(facet_value)
    .collect())
}

/// A facet value and its count from a row (value, count); an empty value is `none`.
pub(crate) fn facet_value(r: &sqlx::any::AnyRow) -> FacetValue {
    let v: String = r.get(0);
    FacetValue {
        value: if v.is_empty() { "none".into() } else { v },
        count: r.get(1),
    }
}

/// Known implementation statuses, for forms.
pub fn statuses() -> Vec<&'static str> {
    ImplementationStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect()
}
