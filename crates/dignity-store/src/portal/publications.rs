//! Publications: snapshots of a report or dashboard page, stored when an administrator
//! publishes them.

use crate::{Result, Store, WriteTx};
use dignity_core::portal::{self as rules, PublicationInput, Verb};
use serde::Serialize;
use sqlx::Row;

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
    rules::snapshot_publisher(tx.actor(), Verb::Publish)?;
    let PublicationInput {
        kind,
        slug,
        title,
        lang,
    } = PublicationInput::parse(kind, slug, title, lang)?;
    let upsert = sqlx::query(
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
    .bind(html);
    let id = super::upsert_published(tx, upsert).await?;
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
    rules::snapshot_publisher(tx.actor(), Verb::Unpublish)?;
    let delete = sqlx::query("DELETE FROM publications WHERE id = $1").bind(id);
    tx.delete_audited(delete, "publication.unpublish", "publication", id)
        .await
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
