//! The public portal (issue 6): which records are published, publishing and unpublishing
//! them (admins, audited), and publications — snapshots of a report or dashboard page
//! stored when they are published.
//!
//! Everything the public pages read goes through [`public_sql`]: the anonymous actor's
//! [`acl::visible_sql`] plus `published = 1` and confidentiality `public`, so nothing
//! unpublished, confidential or restricted can reach a public page or count.

use crate::{acl, Result, Store, StoreError, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::{Actor, Confidentiality, RecordAccess};
use serde::Serialize;
use sqlx::Row;

/// Record types (tables) an administrator may publish. People's records (persons,
/// evidence files) are never published.
pub const PUBLISHABLE: &[&str] = &[
    "vio_events",
    "vio_interventions",
    "pro_defenders",
    "pro_missing",
    "rec_assessments",
    "mse_datasets",
];

/// Kinds of publications.
pub const KINDS: &[&str] = &["report", "dashboard", "country", "page"];

fn publishable(record_type: &str) -> Result<&'static str> {
    PUBLISHABLE
        .iter()
        .find(|t| **t == record_type)
        .copied()
        .ok_or_else(|| {
            StoreError::invalid("record_type", "records of this type cannot be published")
        })
}

/// The SQL condition of rows of `alias` that the public pages may show.
pub fn public_sql(alias: &str, record_type: &str) -> String {
    format!(
        "({} AND {alias}.published = 1 AND {alias}.confidentiality = 'public')",
        acl::visible_sql(&Actor::anonymous(), alias, record_type)
    )
}

/// The access facts of a publishable record (None: no such record).
pub async fn record_access(
    store: &Store,
    record_type: &str,
    id: i64,
) -> Result<Option<RecordAccess>> {
    let table = publishable(record_type)?;
    let Some(r) = sqlx::query(&format!(
        "SELECT confidentiality, published, created_by FROM {table} WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let lvl: Confidentiality = r
        .get::<String, _>(0)
        .parse()
        .unwrap_or(Confidentiality::StrictlyConfidential);
    Ok(Some(
        acl::access(
            store,
            table,
            &id.to_string(),
            lvl,
            r.get::<i64, _>(1) == 1,
            r.get(2),
        )
        .await?,
    ))
}

/// Publish or unpublish a record (admins; only records marked public can be published).
/// Audited as `record.publish` / `record.unpublish` under the record's type, so the search
/// index and the public pages follow.
pub async fn set_published(
    tx: &mut WriteTx,
    record_type: &str,
    id: i64,
    published: bool,
) -> Result<()> {
    let table = publishable(record_type)?;
    let store = tx.store().clone();
    let Some(access) = record_access(&store, table, id).await? else {
        return Err(StoreError::invalid("id", "no such record"));
    };
    let d = authorize(tx.actor(), Action::Publish, &access);
    if !d.allowed() {
        let why = match d {
            dignity_core::auth::Decision::Deny(w) => w,
            _ => "not allowed",
        };
        return Err(StoreError::invalid("published", why));
    }
    sqlx::query(&format!("UPDATE {table} SET published = $1 WHERE id = $2"))
        .bind(published as i64)
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        if published {
            "record.publish"
        } else {
            "record.unpublish"
        },
        table,
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "published": published }),
    );
    Ok(())
}

/// Ids of the published public records of a type, newest first.
pub async fn published_ids(
    store: &Store,
    record_type: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>> {
    let table = publishable(record_type)?;
    Ok(sqlx::query(&format!(
        "SELECT t.id FROM {table} t WHERE {} ORDER BY t.id DESC LIMIT $1 OFFSET $2",
        public_sql("t", table)
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// How many published public records each type has (types with none left out).
pub async fn published_counts(store: &Store) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for table in PUBLISHABLE {
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {table} t WHERE {}",
            public_sql("t", table)
        ))
        .fetch_one(store.pool())
        .await?
        .get(0);
        if n > 0 {
            out.push((table.to_string(), n));
        }
    }
    Ok(out)
}

/// Whether a record is on the public pages.
pub async fn is_public(store: &Store, record_type: &str, id: i64) -> Result<bool> {
    let table = publishable(record_type)?;
    Ok(sqlx::query(&format!(
        "SELECT 1 FROM {table} t WHERE t.id = $1 AND {}",
        public_sql("t", table)
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .is_some())
}

// ------------------------------------------------------------------- publications --

/// A snapshot of a page, published.
#[derive(Debug, Clone, Serialize)]
pub struct Publication {
    pub id: i64,
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub lang: String,
    pub html: String,
    pub published_by: Option<i64>,
    pub published_at: String,
}

const PUB_COLS: &str = "id, kind, slug, title, lang, html, published_by, published_at";

fn pub_row(r: &sqlx::any::AnyRow) -> Publication {
    Publication {
        id: r.get(0),
        kind: r.get(1),
        slug: r.get(2),
        title: r.get(3),
        lang: r.get(4),
        html: r.get(5),
        published_by: r.get(6),
        published_at: r.get(7),
    }
}

/// Publish a snapshot of a report or dashboard page (admins): `html` is the page's content
/// as rendered now, in language `lang`; publishing the same slug and language again
/// replaces it. The caller renders `html` for the anonymous public (pseudonymised, only
/// public data). Audited as `publication.publish`.
pub async fn publish_snapshot(
    tx: &mut WriteTx,
    kind: &str,
    slug: &str,
    title: &str,
    lang: &str,
    html: &str,
) -> Result<i64> {
    if !tx.actor().is_staff() || tx.actor().role < dignity_core::Role::Admin {
        return Err(StoreError::invalid(
            "published_by",
            "only administrators publish",
        ));
    }
    if !KINDS.contains(&kind) {
        return Err(StoreError::invalid(
            "kind",
            "kind must be report, dashboard, country or page",
        ));
    }
    if slug.is_empty()
        || slug.len() > 100
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(StoreError::invalid(
            "slug",
            "a slug is 1 to 100 characters: lowercase letters, digits and hyphens",
        ));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(StoreError::invalid(
            "title",
            "a title is 1 to 300 characters",
        ));
    }
    if !["en", "fr", "es", "ar", "ru"].contains(&lang) {
        return Err(StoreError::invalid(
            "lang",
            "language must be en, fr, es, ar or ru",
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO publications (kind, slug, title, lang, html, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (slug, lang) DO UPDATE SET kind = excluded.kind, title = excluded.title, \
         html = excluded.html, published_by = excluded.published_by, published_at = excluded.published_at \
         RETURNING id",
    )
    .bind(kind)
    .bind(slug)
    .bind(title)
    .bind(lang)
    .bind(html)
    .bind(tx.actor().user_id)
    .bind(crate::now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "publication.publish",
        "publication",
        &id.to_string(),
        None,
        Some(&serde_json::json!({ "kind": kind, "slug": slug, "title": title, "lang": lang, "html": html })),
        serde_json::json!({ "kind": kind, "slug": slug, "lang": lang }),
    );
    Ok(id)
}

/// Remove a publication from the public pages (admins; audited). Returns whether it existed.
pub async fn unpublish_snapshot(tx: &mut WriteTx, id: i64) -> Result<bool> {
    if !tx.actor().is_staff() || tx.actor().role < dignity_core::Role::Admin {
        return Err(StoreError::invalid(
            "published_by",
            "only administrators unpublish",
        ));
    }
    let n = sqlx::query("DELETE FROM publications WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if n > 0 {
        tx.audit(
            "publication.unpublish",
            "publication",
            &id.to_string(),
            None,
            None,
            serde_json::json!({}),
        );
    }
    Ok(n > 0)
}

/// Every publication, newest first (without the html).
pub async fn publications(store: &Store) -> Result<Vec<Publication>> {
    Ok(sqlx::query(
        "SELECT id, kind, slug, title, lang, '', published_by, published_at FROM publications \
         ORDER BY published_at DESC, id DESC",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(pub_row)
    .collect())
}

/// A publication by slug, in `lang` if there is one, else in any language.
pub async fn publication(store: &Store, slug: &str, lang: &str) -> Result<Option<Publication>> {
    Ok(sqlx::query(&format!(
        "SELECT {PUB_COLS} FROM publications WHERE slug = $1 \
         ORDER BY CASE WHEN lang = $2 THEN 0 WHEN lang = 'en' THEN 1 ELSE 2 END, lang LIMIT 1"
    ))
    .bind(slug)
    .bind(lang)
    .fetch_optional(store.pool())
    .await?
    .as_ref()
    .map(pub_row))
}

/// A version of everything the public pages show, for their ETags: the audit head. Every
/// change (a publication, a record published or edited, reference data) moves it, so a
/// cached public page is revalidated after any write and reused until then.
pub async fn public_version(store: &Store) -> Result<i64> {
    Ok(sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?
        .get(0))
}
