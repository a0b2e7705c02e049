//! The public portal (issue 6): which records are published, publishing and unpublishing
//! them (admins, audited), and publications — snapshots of a report or dashboard page
//! stored when they are published.
//!
//! Everything the public pages read goes through [`public_sql`]: the anonymous actor's
//! [`acl::visible_sql`] plus `published = 1` and confidentiality `public`, so nothing
//! unpublished, confidential or restricted can reach a public page or count.

use crate::{acl, Result, Store, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::portal::{self as rules, PublicationInput, Verb};
use dignity_core::{Actor, Confidentiality, RecordAccess, RecordType};
use serde::Serialize;
use sqlx::Row;

/// Kinds of publications.
pub use dignity_core::portal::KINDS;

/// The table of a publishable record type (its name comes from the type, never from a
/// string a user sent); records of other types cannot be published.
fn publishable(record_type: RecordType) -> Result<&'static str> {
    Ok(rules::publishable(record_type)?)
}

/// The SQL condition of rows of `alias` that the public pages may show: published through
/// the publishing workflow, of public confidentiality, and — for a defender — with the
/// consent to publication still given (consent withdrawn after publication takes the
/// profile off the public pages at once).
pub fn public_sql(alias: &str, record_type: RecordType) -> String {
    let consent = if record_type == RecordType::Defender {
        format!(" AND {alias}.memorial_consent = 1")
    } else {
        String::new()
    };
    format!(
        "({} AND {alias}.published = 1 AND {alias}.confidentiality = 'public'{consent})",
        acl::visible_sql(&Actor::anonymous(), alias, record_type)
    )
}

/// The access facts of a publishable record (None: no such record).
pub async fn record_access(
    store: &Store,
    record_type: RecordType,
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
    record_type: RecordType,
    id: i64,
    published: bool,
) -> Result<()> {
    let table = publishable(record_type)?;
    let store = tx.store().clone();
    let Some(access) = record_access(&store, record_type, id).await? else {
        return Err(rules::no_such_record().into());
    };
    let d = authorize(tx.actor(), Action::Publish, &access);
    if !d.allowed() {
        let why = match d {
            dignity_core::auth::Decision::Deny(w) => w,
            _ => "not allowed",
        };
        return Err(rules::publish_refused(why).into());
    }
    if published && table == "pro_defenders" {
        let consent: i64 = sqlx::query("SELECT memorial_consent FROM pro_defenders WHERE id = $1")
            .bind(id)
            .fetch_one(tx.conn())
            .await?
            .get(0);
        rules::check_consent(consent == 1)?;
    }
    sqlx::query(&format!("UPDATE {table} SET published = $1 WHERE id = $2"))
        .bind(published as i64)
        .bind(id)
        .execute(tx.conn())
        .await?;
    if table == "vio_events" {
        cascade_to_acts(tx, id, published).await?;
    }
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

/// The acts of an event are published with it: publishing an event publishes its acts of
/// public confidentiality (an act that is internal or confidential stays unpublished),
/// unpublishing it unpublishes all of them. Acts cannot be published on their own; the
/// public dashboards and reports count the published acts of published events. Each act
/// that changes is audited (`record.publish` / `record.unpublish` under `vio_acts`), so
/// the search index follows.
async fn cascade_to_acts(tx: &mut WriteTx, event_id: i64, published: bool) -> Result<()> {
    let level = if published {
        " AND confidentiality = 'public'"
    } else {
        ""
    };
    let ids: Vec<i64> = sqlx::query(&format!(
        "SELECT id FROM vio_acts WHERE event_id = $1 AND published <> $2{level} ORDER BY id"
    ))
    .bind(event_id)
    .bind(published as i64)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    for act in ids {
        sqlx::query("UPDATE vio_acts SET published = $1 WHERE id = $2")
            .bind(published as i64)
            .bind(act)
            .execute(tx.conn())
            .await?;
        tx.audit(
            if published {
                "record.publish"
            } else {
                "record.unpublish"
            },
            "vio_acts",
            &act.to_string(),
            None,
            None,
            serde_json::json!({ "published": published, "with_event": event_id }),
        );
    }
    Ok(())
}

/// When a record was last published (the time of its latest `record.publish` audit entry),
/// if it is public now.
pub async fn published_since(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<Option<String>> {
    if !is_public(store, record_type, id).await? {
        return Ok(None);
    }
    Ok(sqlx::query(
        "SELECT MAX(at) FROM audit_log WHERE action = 'record.publish' AND record_type = $1 AND record_id = $2",
    )
    .bind(record_type.table())
    .bind(id.to_string())
    .fetch_one(store.pool())
    .await?
    .get::<Option<String>, _>(0)
    .or(Some(String::new())))
}

/// Whether the people a record is about consented to its publication: a defender's profile
/// (`memorial_consent`, given by the defender or, after their death, their family) is
/// published only with it. True for the other types.
pub async fn consents_to_publication(
    store: &Store,
    record_type: RecordType,
    id: i64,
) -> Result<bool> {
    if record_type != RecordType::Defender {
        return Ok(true);
    }
    Ok(
        sqlx::query("SELECT memorial_consent FROM pro_defenders WHERE id = $1")
            .bind(id)
            .fetch_optional(store.pool())
            .await?
            .is_some_and(|r| r.get::<i64, _>(0) == 1),
    )
}

/// Ids of the published public records of a type, newest first.
pub async fn published_ids(
    store: &Store,
    record_type: RecordType,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>> {
    let table = publishable(record_type)?;
    Ok(sqlx::query(&format!(
        "SELECT t.id FROM {table} t WHERE {} ORDER BY t.id DESC LIMIT $1 OFFSET $2",
        public_sql("t", record_type)
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
pub async fn published_counts(store: &Store) -> Result<Vec<(RecordType, i64)>> {
    let mut out = Vec::new();
    for record_type in RecordType::PUBLISHABLE {
        let table = record_type.table();
        let n: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM {table} t WHERE {}",
            public_sql("t", record_type)
        ))
        .fetch_one(store.pool())
        .await?
        .get(0);
        if n > 0 {
            out.push((record_type, n));
        }
    }
    Ok(out)
}

/// Whether a record is on the public pages.
pub async fn is_public(store: &Store, record_type: RecordType, id: i64) -> Result<bool> {
    let table = publishable(record_type)?;
    Ok(sqlx::query(&format!(
        "SELECT 1 FROM {table} t WHERE t.id = $1 AND {}",
        public_sql("t", record_type)
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
    rules::snapshot_publisher(tx.actor(), Verb::Publish)?;
    let PublicationInput {
        kind,
        slug,
        title,
        lang,
    } = PublicationInput::parse(kind, slug, title, lang)?;
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
    rules::snapshot_publisher(tx.actor(), Verb::Unpublish)?;
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

// ---------------------------------------------------------------- country profiles --

/// Publish or unpublish a State's country profile on the portal (admins; audited as
/// `country.publish` / `country.unpublish` under `portal_countries`). Publishing again
/// keeps the first date. An unknown State is refused.
pub async fn set_country_published(tx: &mut WriteTx, iso3: &str, published: bool) -> Result<()> {
    rules::portal_publisher(tx.actor(), Verb::of(published))?;
    let iso3 = rules::country_code(iso3);
    let known = sqlx::query("SELECT 1 FROM countries WHERE iso3 = $1")
        .bind(&iso3)
        .fetch_optional(tx.conn())
        .await?
        .is_some();
    if !known {
        return Err(rules::unknown_country(&iso3).into());
    }
    let changed = if published {
        sqlx::query(
            "INSERT INTO portal_countries (iso3, published_by, published_at) VALUES ($1, $2, $3) \
             ON CONFLICT (iso3) DO NOTHING",
        )
        .bind(&iso3)
        .bind(tx.actor().user_id)
        .bind(crate::now())
        .execute(tx.conn())
        .await?
        .rows_affected()
    } else {
        sqlx::query("DELETE FROM portal_countries WHERE iso3 = $1")
            .bind(&iso3)
            .execute(tx.conn())
            .await?
            .rows_affected()
    };
    if changed > 0 {
        tx.audit(
            if published {
                "country.publish"
            } else {
                "country.unpublish"
            },
            "portal_countries",
            &iso3,
            None,
            None,
            serde_json::json!({ "iso3": iso3 }),
        );
    }
    Ok(())
}

/// Since when a State's country profile is on the portal (`None`: it is not).
pub async fn country_published_since(store: &Store, iso3: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query("SELECT published_at FROM portal_countries WHERE iso3 = $1")
            .bind(iso3.to_ascii_uppercase())
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}

/// The States whose country profile is on the portal.
pub async fn published_countries(store: &Store) -> Result<Vec<String>> {
    Ok(
        sqlx::query("SELECT iso3 FROM portal_countries ORDER BY iso3")
            .fetch_all(store.pool())
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect(),
    )
}

// ---------------------------------------------------------------- public dashboards --

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
    let id: i64 = sqlx::query(
        "INSERT INTO portal_dashboards (slug, title, filter, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, filter = excluded.filter, \
         published_by = excluded.published_by, published_at = excluded.published_at \
         RETURNING id",
    )
    .bind(&slug)
    .bind(title)
    .bind(&filter)
    .bind(tx.actor().user_id)
    .bind(crate::now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
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
    let n = sqlx::query("DELETE FROM portal_dashboards WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if n > 0 {
        tx.audit(
            "dashboard.unpublish",
            "portal_dashboard",
            &id.to_string(),
            None,
            None,
            serde_json::json!({}),
        );
    }
    Ok(n > 0)
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
