//! Recommendations in search (issue 6): `recommendation` documents, linked to
//! `/obligations/recommendations/{id}`.
//!
//! Recommendations of the UN mechanisms are public documents: every reader may find them.
//! Facets: country under review, recommending state, mechanism, body, theme, SDG, affected
//! group, position, implementation status (the **public** status only — the internal one
//! comes from internal assessments and must not reach anonymous readers), year. An
//! assessment (`rec_assessment`, possibly of a cluster) changes the status: its entry
//! re-indexes the recommendations it is about.

use crate::search::{
    affected_through, changes_of, guess_lang, id_list, public_access, Affected, BoxFuture, Change,
    Indexer, SearchDoc,
};
use crate::{Result, Store};
use dignity_core::PartialDate;
use sqlx::Row;
use std::collections::HashMap;

/// Recommendations.
pub struct RecommendationIndexer;

const REC: &str = "recommendation";

/// What re-indexes a recommendation besides its own entries: an assessment (of the
/// recommendation, or of a cluster it is in) changes its status facet.
const REC_REACHED: &[(&str, &str)] = &[(
    "rec_assessment",
    "SELECT rec_id FROM rec_assessments WHERE id IN ({ids}) AND rec_id IS NOT NULL \
     UNION SELECT m.rec_id FROM rec_cluster_members m JOIN rec_assessments a \
     ON a.cluster_id = m.cluster_id WHERE a.id IN ({ids})",
)];

impl Indexer for RecommendationIndexer {
    fn record_type(&self) -> &'static str {
        REC
    }
    fn facets(&self) -> &'static [&'static str] {
        &["body", "recommending_state", "position", "affected_group"]
    }
    fn affected_batch<'a>(
        &'a self,
        store: &'a Store,
        changes: &'a [Change],
    ) -> BoxFuture<'a, Result<Vec<(Affected, i64)>>> {
        let own = changes_of(changes, REC);
        Box::pin(affected_through(store, changes, own, REC_REACHED))
    }
    crate::search::table_loads!("recommendations", load_recommendations);
}

/// Recommendations' documents.
async fn load_recommendations(store: &Store, ids: &[String]) -> Result<Vec<SearchDoc>> {
    let Some(list) = id_list(ids) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&format!(
        "SELECT id, mechanism, body, document_symbol, paragraph, rec_date, iso3, \
         recommending_iso3, text, position, status_public \
         FROM recommendations WHERE id IN ({list}) ORDER BY id"
    ))
    .fetch_all(store.pool())
    .await?;
    let mut tags: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT rec_id, kind, value FROM recommendation_tags WHERE rec_id IN ({list}) \
         ORDER BY rec_id, kind, value"
    ))
    .fetch_all(store.pool())
    .await?
    {
        tags.entry(r.get(0)).or_default().push((r.get(1), r.get(2)));
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let body: String = r.get(2);
        let symbol: String = r.get(3);
        let para: String = r.get(4);
        let text: String = r.get(8);
        let short: String = text.chars().take(140).collect();
        let title = if text.chars().count() > 140 {
            format!("{short}…")
        } else {
            short
        };
        let reference = match (symbol.is_empty(), para.is_empty()) {
            (false, false) => format!("{body} {symbol} ¶{para}"),
            (false, true) => format!("{body} {symbol}"),
            _ => body.clone(),
        };
        let mut d = SearchDoc::new(REC, &id.to_string(), &title, public_access())
            .text(guess_lang(&text), &reference, &text)
            .facet("mechanism", &r.get::<String, _>(1))
            .facet("body", &body)
            .facet("position", &r.get::<String, _>(9))
            .facet("status", &r.get::<String, _>(10));
        if let Some(from) = r.get::<Option<String>, _>(7) {
            d = d.facet("recommending_state", &from);
        }
        for (kind, value) in tags.get(&id).into_iter().flatten() {
            let facet = match kind.as_str() {
                "theme" => "theme",
                "sdg" => "sdg",
                "affected" => "affected_group",
                _ => continue,
            };
            d = d.facet(facet, value);
        }
        if let Ok(p) = r.get::<String, _>(5).parse::<PartialDate>() {
            d = d.date(&p);
        }
        d.country = Some(r.get(6));
        out.push(d);
    }
    Ok(out)
}
