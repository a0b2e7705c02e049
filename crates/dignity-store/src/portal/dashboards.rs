//! Public dashboards: a title and a dashboard filter, counted live as the anonymous
//! visitor.

use crate::{Result, Store, WriteTx};
use dignity_core::portal::{self as rules, Verb};
use dignity_core::Actor;
use serde::Serialize;
use sqlx::Row;

/// A dashboard published to the portal: a title and the dashboard's filter (the query
/// string of `/dashboards`, normalised). The public page counts live as the anonymous
/// visitor ([`public_dashboard_counts`]), so it never holds a count of a record that is not
/// published and public *now*.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PublicDashboard {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// The filter as a query string (`country=SRB&year_from=2020`), empty for all acts.
    pub filter: String,
    pub published_by: Option<i64>,
    pub published_at: String,
}

const DASH_COLS: &str = "id, slug, title, filter, published_by, published_at";

fn dash_row(r: &sqlx::any::AnyRow) -> PublicDashboard {
    PublicDashboard {
        id: r.get(0),
        slug: r.get(1),
        title: r.get(2),
        filter: r.get(3),
        published_by: r.get(4),
        published_at: r.get(5),
    }
}

/// A slug from a title: lowercase ASCII letters and digits joined by hyphens, prefixed
/// `dashboard-`; a title without any (Arabic, Cyrillic) gives `dashboard-<n>` from the
/// filter's hash so the address stays stable for the same filter.
pub fn dashboard_slug(title: &str, filter: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut slug = String::from("dashboard");
    for w in words {
        if slug.len() + 1 + w.len() > 80 {
            break;
        }
        slug.push('-');
        slug.push_str(&w);
    }
    if slug == "dashboard" {
        use sha2::{Digest, Sha256};
        let h = Sha256::digest(filter.as_bytes());
        slug.push_str(&format!(
            "-{:02x}{:02x}{:02x}{:02x}",
            h[0], h[1], h[2], h[3]
        ));
    }
    slug
}

/// Publish a dashboard (admins; audited as `dashboard.publish`). The filter is parsed and
/// stored normalised; publishing under the slug of an existing public dashboard replaces
/// its title and filter. Returns the dashboard's id and slug.
pub async fn publish_dashboard(
    tx: &mut WriteTx,
    title: &str,
    filter: &str,
) -> Result<(i64, String)> {
    rules::portal_publisher(tx.actor(), Verb::Publish)?;
    let title = rules::title(title)?;
    let f = crate::reports::DashFilter::parse(filter);
    let filter = f.to_query();
    let slug = dashboard_slug(title, &filter);
    let upsert = sqlx::query(
        "INSERT INTO portal_dashboards (slug, title, filter, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, filter = excluded.filter, \
         published_by = excluded.published_by, published_at = excluded.published_at \
         RETURNING id",
    )
    .bind(&slug)
    .bind(title)
    .bind(&filter);
    let id = super::upsert_published(tx, upsert).await?;
    tx.audit(
        "dashboard.publish",
        "portal_dashboard",
        &id.to_string(),
        None,
        Some(&serde_json::json!({ "slug": slug, "title": title, "filter": filter })),
        serde_json::json!({ "slug": slug, "filter": filter }),
    );
    Ok((id, slug))
}

/// Take a dashboard off the portal (admins; audited as `dashboard.unpublish`). Returns
/// whether it was there.
pub async fn unpublish_dashboard(tx: &mut WriteTx, id: i64) -> Result<bool> {
    rules::portal_publisher(tx.actor(), Verb::Unpublish)?;
    let delete = sqlx::query("DELETE FROM portal_dashboards WHERE id = $1").bind(id);
    tx.delete_audited(delete, "dashboard.unpublish", "portal_dashboard", id)
        .await
}

/// The public dashboards, newest first.
pub async fn public_dashboards(store: &Store) -> Result<Vec<PublicDashboard>> {
    Ok(sqlx::query(&format!(
        "SELECT {DASH_COLS} FROM portal_dashboards ORDER BY published_at DESC, id DESC"
    ))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(dash_row)
    .collect())
}

/// A public dashboard by slug.
pub async fn public_dashboard(store: &Store, slug: &str) -> Result<Option<PublicDashboard>> {
    Ok(sqlx::query(&format!(
        "SELECT {DASH_COLS} FROM portal_dashboards WHERE slug = $1"
    ))
    .bind(slug)
    .fetch_optional(store.pool())
    .await?
    .as_ref()
    .map(dash_row))
}

/// The counts of a public dashboard, as the anonymous visitor sees them: only published
/// acts of public confidentiality in published events of public confidentiality
/// (`acl::visible_sql` of the anonymous actor on both).
pub async fn public_dashboard_counts(
    store: &Store,
    d: &PublicDashboard,
    lang: &str,
) -> Result<crate::reports::Dashboard> {
    let f = crate::reports::DashFilter::parse(&d.filter);
    crate::reports::dashboard(store, &Actor::anonymous(), &f, lang).await
}
