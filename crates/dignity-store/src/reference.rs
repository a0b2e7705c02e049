//! Queries over the reference data, in the reader's language.

use crate::{now, Result, Store, WriteTx};
use serde::Serialize;
use sqlx::Row;

/// A column suffix for a language code; unknown languages read English.
pub(crate) fn lang_col(lang: &str) -> &'static str {
    match lang {
        "fr" => "fr",
        "es" => "es",
        "ar" => "ar",
        "ru" => "ru",
        _ => "en",
    }
}

/// Whether `iso3` is a State of the reference data (read on the caller's connection, so
/// inside a write transaction).
pub(crate) async fn country_known(conn: &mut sqlx::AnyConnection, iso3: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM countries WHERE iso3 = $1")
        .bind(iso3)
        .fetch_optional(conn)
        .await?
        .is_some())
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
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT region_name FROM countries WHERE region_name <> '' ORDER BY region_name",
    )
    .fetch_all(store.pool())
    .await?)
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
    /// Where the list comes from: `HURIDOCS` (the standard micro-thesauri) or `OpenEvSys`
    /// (an addition of HURIDOCS' OpenEvSys, whose copy Dignity ships).
    pub source: String,
    /// The version of the shipped file the list was loaded from
    /// (`huridocs_thesauri` in `data/manifest.toml`); empty if unknown.
    pub version: String,
    /// When that version was loaded (RFC 3339); empty if unknown.
    pub loaded_at: String,
}

pub async fn vocabularies(store: &Store) -> Result<Vec<VocabularyRow>> {
    Ok(sqlx::query(
        "SELECT v.list_number, v.name, COUNT(t.id), v.source, COALESCE(r.version, ''), COALESCE(r.loaded_at, '') \
         FROM vocabularies v LEFT JOIN vocab_terms t ON t.list_number = v.list_number AND t.active = 1 \
         LEFT JOIN refdata_versions r ON r.name = 'huridocs' AND v.source IN ('HURIDOCS', 'OpenEvSys') \
         GROUP BY v.list_number, v.name, v.source, r.version, r.loaded_at ORDER BY v.list_number",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| VocabularyRow {
        number: r.get(0),
        name: r.get(1),
        terms: r.get(2),
        source: r.get(3),
        version: r.get(4),
        loaded_at: r.get(5),
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

/// One term with all its labels, for editing.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TermLabels {
    pub label_en: String,
    pub label_fr: String,
    pub label_es: String,
    pub label_ar: String,
    pub label_ru: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TermFull {
    pub list_number: i64,
    pub code: String,
    pub huri_code: String,
    pub parent: Option<String>,
    pub level: i64,
    #[serde(flatten)]
    pub labels: TermLabels,
}

pub async fn term(store: &Store, list: i64, code: &str) -> Result<Option<TermFull>> {
    let r = sqlx::query(
        "SELECT list_number, vocab_number, huri_code, parent_vocab_number, level, label_en, label_fr, label_es, \
         label_ar, label_ru, active FROM vocab_terms WHERE list_number = $1 AND vocab_number = $2",
    )
    .bind(list)
    .bind(code)
    .fetch_optional(store.pool())
    .await?;
    Ok(r.map(|r| TermFull {
        list_number: r.get(0),
        code: r.get(1),
        huri_code: r.get(2),
        parent: r.get(3),
        level: r.get(4),
        labels: TermLabels {
            label_en: r.get(5),
            label_fr: r.get(6),
            label_es: r.get(7),
            label_ar: r.get(8),
            label_ru: r.get(9),
            active: r.get::<i64, _>(10) != 0,
        },
    }))
}

fn check_labels(l: &TermLabels) -> Result<()> {
    Ok(dignity_core::vocab::term_labels([
        &l.label_en,
        &l.label_fr,
        &l.label_es,
        &l.label_ar,
        &l.label_ru,
    ])?)
}

/// Bind a term's labels (en, fr, es, ar, ru: trimmed) and whether it is active, in that
/// order, as the next values of `q`.
fn bind_labels<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    l: &'q TermLabels,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(l.label_en.trim())
        .bind(l.label_fr.trim())
        .bind(l.label_es.trim())
        .bind(l.label_ar.trim())
        .bind(l.label_ru.trim())
        .bind(l.active as i64)
}

/// Change a term's labels or retire it (audited; retired terms stay for existing records).
pub async fn update_term(
    tx: &mut crate::WriteTx,
    list: i64,
    code: &str,
    l: &TermLabels,
) -> Result<()> {
    check_labels(l)?;
    let before = term(tx.store(), list, code)
        .await?
        .ok_or_else(|| crate::StoreError::NotFound(format!("term {code} in vocabulary {list}")))?;
    bind_labels(
        sqlx::query(
            "UPDATE vocab_terms SET label_en = $1, label_fr = $2, label_es = $3, label_ar = $4, label_ru = $5, active = $6 \
             WHERE list_number = $7 AND vocab_number = $8",
        ),
        l,
    )
    .bind(list)
    .bind(code)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "vocab.update",
        "vocab_term",
        code,
        Some(&serde_json::to_value(&before.labels).unwrap_or_default()),
        Some(&serde_json::to_value(l).unwrap_or_default()),
        serde_json::json!({ "list": list }),
    );
    Ok(())
}

/// Add a local term to a vocabulary, optionally under a parent term. Returns its code.
pub async fn add_term(
    tx: &mut crate::WriteTx,
    list: i64,
    parent: Option<&str>,
    l: &TermLabels,
) -> Result<String> {
    check_labels(l)?;
    let exists: i64 = sqlx::query("SELECT COUNT(*) FROM vocabularies WHERE list_number = $1")
        .bind(list)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if exists == 0 {
        return Err(crate::StoreError::NotFound(format!("vocabulary {list}")));
    }
    let parent = parent.map(str::trim).filter(|p| !p.is_empty());
    let level = match parent {
        Some(p) => {
            let r = sqlx::query(
                "SELECT level FROM vocab_terms WHERE list_number = $1 AND vocab_number = $2",
            )
            .bind(list)
            .bind(p)
            .fetch_optional(tx.conn())
            .await?
            .ok_or_else(|| dignity_core::vocab::unknown_parent(p))?;
            r.get::<i64, _>(0).max(0) + 1
        }
        None => 0,
    };
    let next: i64 = sqlx::query(
        "SELECT COUNT(*) FROM vocab_terms WHERE list_number = $1 AND huri_code = 'local'",
    )
    .bind(list)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    let order: i64 =
        sqlx::query("SELECT COALESCE(MAX(sort_order), 0) FROM vocab_terms WHERE list_number = $1")
            .bind(list)
            .fetch_one(tx.conn())
            .await?
            .get(0);
    let code = format!("local-{list}-{}", next + 1);
    let insert = sqlx::query(
        "INSERT INTO vocab_terms (list_number, vocab_number, huri_code, parent_vocab_number, level, sort_order, \
         label_en, label_fr, label_es, label_ar, label_ru, active) VALUES ($1,$2,'local',$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(list)
    .bind(&code)
    .bind(parent)
    .bind(level)
    .bind(order + 1);
    bind_labels(insert, l).execute(tx.conn()).await?;
    tx.audit(
        "vocab.add",
        "vocab_term",
        &code,
        None,
        Some(&serde_json::to_value(l).unwrap_or_default()),
        serde_json::json!({ "list": list, "parent": parent }),
    );
    Ok(code)
}

// ------------------------------------------------------ dataset versions --

/// The version of a shipped dataset loaded in the database (`refdata_versions`), if any.
pub(crate) async fn loaded_version(store: &Store, name: &str) -> Result<Option<u32>> {
    let r = sqlx::query("SELECT version FROM refdata_versions WHERE name = $1")
        .bind(name)
        .fetch_optional(store.pool())
        .await?;
    Ok(r.and_then(|r| r.get::<String, _>(0).parse().ok()))
}

/// Record that `version` of a shipped dataset is loaded (`rows` rows), audited as
/// `refdata.load`, in the loading transaction.
pub(crate) async fn mark(tx: &mut WriteTx, name: &str, version: u32, rows: usize) -> Result<()> {
    sqlx::query(
        "INSERT INTO refdata_versions (name, version, loaded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, loaded_at = excluded.loaded_at",
    )
    .bind(name)
    .bind(version.to_string())
    .bind(now())
    .execute(tx.conn())
    .await?;
    tx.audit(
        "refdata.load",
        "refdata",
        name,
        None,
        None,
        serde_json::json!({ "dataset": name, "version": version, "rows": rows }),
    );
    Ok(())
}
