//! Per-case access links for families, and the case a report or a link belongs to.

use super::*;
use crate::shared::BindCreated;

// ---------------------------------------------------------- family links --

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Create a per-case access link for a relative: returns the token (shown once; only its
/// SHA-256 is stored). Valid for `days` days (1 to 366). Audited.
pub async fn create_family_link(
    tx: &mut WriteTx,
    missing_id: i64,
    relative_id: Option<i64>,
    days: i64,
) -> Result<String> {
    let days = rules::LinkDays::parse(days)?;
    case_exists(tx, missing_id).await?;
    if let Some(r) = relative_id {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM pro_relatives WHERE id = $1 AND missing_id = $2")
                .bind(r)
                .bind(missing_id)
                .fetch_one(tx.conn())
                .await?
                .get(0);
        if n == 0 {
            return Err(rules::link_relative_not_on_case().into());
        }
    }
    let token = dignity_core::password::random_token(32);
    let expires = days.expires(today());
    let id: i64 = sqlx::query(
        "INSERT INTO pro_family_links (missing_id, relative_id, token_hash, created_by, created_at, expires_on) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(missing_id)
    .bind(relative_id)
    .bind(token_hash(&token))
    .bind_created(tx)
    .bind(expires.to_string())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "family_link.create",
        MISSING,
        &missing_id.to_string(),
        None,
        None,
        serde_json::json!({ "link_id": id, "expires_on": expires.to_string() }),
    );
    Ok(token)
}

/// Revoke a family link. Audited.
pub async fn revoke_family_link(tx: &mut WriteTx, link_id: i64) -> Result<()> {
    let m: i64 = sqlx::query("SELECT missing_id FROM pro_family_links WHERE id = $1")
        .bind(link_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("family link {link_id}")))?
        .get(0);
    sqlx::query("UPDATE pro_family_links SET revoked_at = $1 WHERE id = $2")
        .bind(now())
        .bind(link_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "family_link.revoke",
        MISSING,
        &m.to_string(),
        None,
        None,
        serde_json::json!({ "link_id": link_id }),
    );
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyLink {
    pub id: i64,
    pub relative: String,
    pub created_at: String,
    pub expires_on: String,
    pub revoked: bool,
    pub last_used_at: String,
}

pub async fn family_links(store: &Store, missing_id: i64) -> Result<Vec<FamilyLink>> {
    let rows = sqlx::query(
        "SELECT l.id, x.name, l.created_at, l.expires_on, l.revoked_at, l.last_used_at, l.relative_id FROM pro_family_links l \
         LEFT JOIN pro_relatives x ON x.id = l.relative_id WHERE l.missing_id = $1 ORDER BY l.id",
    )
    .bind(missing_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let name: Option<String> = r.get(1);
            Ok(FamilyLink {
                id: r.get(0),
                relative: match name {
                    Some(n) => store.decrypt("pro_relatives.name", r.get::<i64, _>(6), &n)?,
                    None => String::new(),
                },
                created_at: r.get(2),
                expires_on: r.get(3),
                revoked: !r.get::<String, _>(4).is_empty(),
                last_used_at: r.get(5),
            })
        })
        .collect()
}

/// What a family sees of their case: the name they reported, the status and its history
/// (dates and statuses only — no evidence, staff, notes, sources or other cases).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyView {
    pub name: String,
    pub status: String,
    pub status_on: String,
    pub history: Vec<(String, String)>,
}

/// The case behind a family token, if the token is valid (not expired, not revoked). Each
/// use is audited (as the anonymous family, with the link id).
pub async fn family_case(store: &Store, token: &str) -> Result<Option<FamilyView>> {
    if token.trim().len() < 20 {
        return Ok(None);
    }
    let Some(r) = sqlx::query(
        "SELECT id, missing_id, expires_on, revoked_at FROM pro_family_links WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let (link, mid, exp, revoked): (i64, i64, String, String) =
        (r.get(0), r.get(1), r.get(2), r.get(3));
    if !revoked.is_empty() || exp < today().to_string() {
        return Ok(None);
    }
    let Some(c) = get_missing(store, mid).await? else {
        return Ok(None);
    };
    let h = history(store, mid)
        .await?
        .into_iter()
        .map(|e| (e.changed_on, e.to_status))
        .collect();
    let family = Actor {
        user_id: None,
        username: "family".into(),
        role: dignity_core::Role::Public,
        teams: vec![],
    };
    store
        .write(&family, async |tx| {
            sqlx::query("UPDATE pro_family_links SET last_used_at = $1 WHERE id = $2")
                .bind(now())
                .bind(link)
                .execute(tx.conn())
                .await?;
            tx.audit(
                "family_link.view",
                MISSING,
                &mid.to_string(),
                None,
                None,
                serde_json::json!({ "link_id": link }),
            );
            Ok(())
        })
        .await?;
    Ok(Some(FamilyView {
        name: c.name,
        status: c.status,
        status_on: c.status_on,
        history: h,
    }))
}

/// The case a report belongs to.
pub async fn report_case(store: &Store, report_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT missing_id FROM pro_reports WHERE id = $1")
            .bind(report_id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}

/// The case a family link belongs to.
pub async fn link_case(store: &Store, link_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT missing_id FROM pro_family_links WHERE id = $1")
            .bind(link_id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}
