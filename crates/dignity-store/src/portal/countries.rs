//! Country profiles on the portal: which States' profiles are published.

use crate::{Result, Store, WriteTx};
use dignity_core::portal::{self as rules, Verb};
use sqlx::Row;

/// Publish or unpublish a State's country profile on the portal (admins; audited as
/// `country.publish` / `country.unpublish` under `portal_countries`). Publishing again
/// keeps the first date. An unknown State is refused.
pub async fn set_country_published(tx: &mut WriteTx, iso3: &str, published: bool) -> Result<()> {
    rules::portal_publisher(tx.actor(), Verb::of(published))?;
    let iso3 = rules::country_code(iso3);
    if !crate::reference::country_known(tx.conn(), &iso3).await? {
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
