//! Queries over the reference data, in the reader's language.

use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;

/// A column suffix for a language code; unknown languages read English.
fn lang_col(lang: &str) -> &'static str {
    match lang {
        "fr" => "fr",
        "es" => "es",
        "ar" => "ar",
        "ru" => "ru",
        _ => "en",
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountryRow {
    pub iso3: String,
    pub iso2: String,
    pub numeric: String,
    pub name: String,
    pub name_en: String,
    pub region: String,
    pub subregion: String,
    pub un_member: bool,
    pub regional_group: String,
}

pub async fn countries(store: &Store, lang: &str, region: Option<&str>) -> Result<Vec<CountryRow>> {
    let l = lang_col(lang);
    let sql = format!(
        "SELECT iso3, iso2, numeric_code, name_{l}, name_en, region_name, subregion_name, un_member, regional_group \
         FROM countries WHERE ($1 = '' OR region_name = $1) ORDER BY name_{l}"
    );
    Ok(sqlx::query(&sql)
        .bind(region.unwrap_or(""))
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| CountryRow {
            iso3: r.get(0),
            iso2: r.get(1),
            numeric: r.get(2),
            name: r.get(3),
            name_en: r.get(4),
            region: r.get(5),
            subregion: r.get(6),
            un_member: r.get::<i64, _>(7) != 0,
            regional_group: r.get(8),
        })
        .collect())
}

pub async fn regions(store: &Store) -> Result<Vec<String>> {
    Ok(sqlx::query(
        "SELECT DISTINCT region_name FROM countries WHERE region_name <> '' ORDER BY region_name",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstrumentRow {
    pub code: String,
    pub system: String,
    pub parent_code: Option<String>,
    pub short_name: String,
    pub full_name: String,
    pub adopted: String,
    pub entry_into_force: String,
    pub body: String,
    pub body_name: String,
}

pub async fn instruments(store: &Store, lang: &str) -> Result<Vec<InstrumentRow>> {
    Ok(sqlx::query(
        "SELECT code, system, parent_code, short_name, full_name_en, full_name_fr, adopted, entry_into_force, body_code, body_name \
         FROM instruments ORDER BY system DESC, adopted",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        let fr: String = r.get(5);
        InstrumentRow {
            code: r.get(0),
            system: r.get(1),
            parent_code: r.get(2),
            short_name: r.get(3),
            full_name: if lang == "fr" && !fr.is_empty() { fr } else { r.get(4) },
            adopted: r.get(6),
            entry_into_force: r.get(7),
            body: r.get(8),
            body_name: r.get(9),
        }
    })
    .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VocabularyRow {
    pub number: i64,
    pub name: String,
    pub terms: i64,
}

pub async fn vocabularies(store: &Store) -> Result<Vec<VocabularyRow>> {
    Ok(sqlx::query(
        "SELECT v.list_number, v.name, COUNT(t.id) FROM vocabularies v LEFT JOIN vocab_terms t \
         ON t.list_number = v.list_number AND t.active = 1 GROUP BY v.list_number, v.name ORDER BY v.list_number",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| VocabularyRow {
        number: r.get(0),
        name: r.get(1),
        terms: r.get(2),
    })
    .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TermRow {
    pub code: String,
    pub huri_code: String,
    pub parent: Option<String>,
    pub level: i64,
    pub label: String,
    pub label_en: String,
}

/// The terms of one list, optionally filtered by a label substring (any language).
pub async fn terms(store: &Store, list: i64, lang: &str, q: Option<&str>) -> Result<Vec<TermRow>> {
    let l = lang_col(lang);
    let q = q.map(|s| s.trim().to_lowercase()).unwrap_or_default();
    let sql = format!(
        "SELECT vocab_number, huri_code, parent_vocab_number, level, label_{l}, label_en FROM vocab_terms \
         WHERE list_number = $1 AND active = 1 AND ($2 = '' OR LOWER(label_en) LIKE $3 OR LOWER(label_fr) LIKE $3 \
         OR LOWER(label_es) LIKE $3 OR LOWER(label_{l}) LIKE $3) ORDER BY sort_order"
    );
    Ok(sqlx::query(&sql)
        .bind(list)
        .bind(&q)
        .bind(format!("%{q}%"))
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let label: String = r.get(4);
            let en: String = r.get(5);
            TermRow {
                code: r.get(0),
                huri_code: r.get(1),
                parent: r.get(2),
                level: r.get::<i64, _>(3).max(0),
                label: if label.is_empty() { en.clone() } else { label },
                label_en: en,
            }
        })
        .collect())
}

/// Counts shown on the home page.
pub async fn counts(store: &Store) -> Result<(i64, i64, i64, i64)> {
    let c = |t: &'static str| async move {
        Ok::<i64, crate::StoreError>(
            sqlx::query(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(store.pool())
                .await?
                .get(0),
        )
    };
    Ok((
        c("countries").await?,
        c("instruments").await?,
        c("vocab_terms").await?,
        c("sdg_targets").await?,
    ))
}
