//! Accounts: users, teams, sessions, API tokens, two-factor recovery codes, setup links.
//! Rules (password policy, hashing, throttling thresholds) come from `dignity-core`; this
//! module stores and looks up. Every change goes through [`WriteTx`] and is audited.

use crate::{now, Result, Store, StoreError, WriteTx};
use dignity_core::accounts as accounts_rules;
use dignity_core::password;
use dignity_core::{Actor, Role};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Failed sign-ins of one username from one client address before that pair is locked
/// for [`LOCKOUT_MINUTES`] (the same account stays open to other addresses).
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
}

impl User {
    pub fn is_locked(&self, now: &str) -> bool {
        self.locked_until.as_deref().is_some_and(|t| t > now)
    }
    /// What the audit log may know of this user: no password hash, no 2FA secret.
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "username": self.username, "display_name": self.display_name,
            "role": self.role.as_str(), "disabled": self.disabled, "totp_enabled": self.totp_enabled,
        })
    }
}

const USER_COLS: &str = "id, username, display_name, role, password_hash, disabled, totp_secret, totp_enabled, failed_logins, locked_until, created_at";

/// The staff member's display name is encrypted at rest (bound to the user's row): a seized
/// server must not name the staff, who are human rights defenders themselves.
pub(crate) const DISPLAY_NAME: &str = "users.display_name";

fn user(store: &Store, r: &AnyRow) -> Result<User> {
    let role: String = r.get("role");
    let id: i64 = r.get("id");
    Ok(User {
        id,
        username: r.get("username"),
        display_name: crate::fields::dec(store, DISPLAY_NAME, id, r.get("display_name"))?,
        role: role
            .parse()
            .map_err(|e: String| StoreError::Internal(format!("stored role: {e}")))?,
        password_hash: r.get("password_hash"),
        disabled: r.get::<i64, _>("disabled") != 0,
        totp_secret: r.get("totp_secret"),
        totp_enabled: r.get::<i64, _>("totp_enabled") != 0,
        failed_logins: r.get("failed_logins"),
        locked_until: r.get("locked_until"),
        created_at: r.get("created_at"),
    })
}

/// Usernames: 2–64 characters, letters, digits, `.`, `_`, `-`.
pub fn check_username(name: &str) -> Result<String> {
    Ok(accounts_rules::Username::parse(name)?.into_string())
}

pub async fn count_users(store: &Store) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(store.pool())
        .await?
        .get::<i64, _>(0))
}

/// Active administrators. The first-start setup link works while there is none.
pub async fn count_admins(store: &Store) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
            .fetch_one(store.pool())
            .await?
            .get::<i64, _>(0),
    )
}

pub async fn by_username(store: &Store, username: &str) -> Result<Option<User>> {
    let r = sqlx::query(&format!(
        "SELECT {USER_COLS} FROM users WHERE username = $1"
    ))
    .bind(accounts_rules::username_key(username))
    .fetch_optional(store.pool())
    .await?;
    r.as_ref().map(|r| user(store, r)).transpose()
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<User>> {
    let r = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    r.as_ref().map(|r| user(store, r)).transpose()
}

pub async fn list(store: &Store) -> Result<Vec<User>> {
    sqlx::query(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| user(store, r))
        .collect()
}

pub async fn teams_of(store: &Store, user_id: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
            .bind(user_id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect(),
    )
}

/// The actor a signed-in user acts as.
pub async fn actor_for(store: &Store, u: &User) -> Result<Actor> {
    Ok(Actor {
        user_id: Some(u.id),
        username: u.username.clone(),
        role: u.role,
        teams: teams_of(store, u.id).await?,
    })
}

/// Create a user. The password must already satisfy the policy; it is hashed here.
pub async fn create(
    tx: &mut WriteTx,
    username: &str,
    display_name: &str,
    role: Role,
    password_plain: &str,
) -> Result<User> {
    let role = accounts_rules::account_role(role)?;
    let username = check_username(username)?;
    accounts_rules::new_password(password_plain)?;
    let display = if display_name.trim().is_empty() {
        username.clone()
    } else {
        display_name.trim().to_string()
    };
    let at = now();
    let hash = password::hash(password_plain);
    let id = tx.next_id("users").await?;
    let store = tx.store().clone();
    let r = sqlx::query(&format!(
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at, updated_at) \
         VALUES ($6, $1, $2, $3, $4, $5, $5) RETURNING {USER_COLS}"
    ))
    .bind(&username)
    .bind(store.keys().encrypt(DISPLAY_NAME, id, &display))
    .bind(role.as_str())
    .bind(&hash)
    .bind(&at)
    .bind(id)
    .fetch_one(tx.conn())
    .await
    .map_err(StoreError::from)
    .map_err(|e| {
        if e.is_unique_violation() {
            StoreError::Conflict(format!("a user named {username:?}"))
        } else {
            e
        }
    })?;
    let u = user(&store, &r)?;
    tx.audit(
        "user.create",
        "user",
        &u.id.to_string(),
        None,
        Some(&u.audit_view()),
        serde_json::json!({ "username": u.username, "role": u.role.as_str() }),
    );
    Ok(u)
}

async fn reload(tx: &mut WriteTx, id: i64) -> Result<User> {
    let r = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
    user(tx.store(), &r)
}

pub async fn set_disabled(tx: &mut WriteTx, id: i64, disabled: bool) -> Result<User> {
    let before = reload(tx, id).await?;
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled as i64)
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    let after = reload(tx, id).await?;
    tx.audit(
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        "user",
        &id.to_string(),
        Some(&before.audit_view()),
        Some(&after.audit_view()),
        serde_json::json!({ "username": after.username }),
    );
    Ok(after)
}

/// Set a new password (policy checked), clear lockout, end the user's sessions.
pub async fn set_password(tx: &mut WriteTx, id: i64, password_plain: &str) -> Result<()> {
    accounts_rules::new_password(password_plain)?;
    let u = reload(tx, id).await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3",
    )
    .bind(password::hash(password_plain))
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    let sessions = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    // A new password ends every way in that the old one opened: API tokens too.
    let tokens =
        sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
            .bind(id)
            .execute(tx.conn())
            .await?
            .rows_affected();
    sqlx::query("DELETE FROM login_failures WHERE name_key = $1")
        .bind(name_key(tx.store(), &u.username))
        .execute(tx.conn())
        .await?;
    tx.audit(
        "user.password_set",
        "user",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "username": u.username, "sessions_ended": sessions, "tokens_revoked": tokens }),
    );
    Ok(())
}

/// The key under which failed sign-ins of a username are counted: a keyed hash, so that
/// the table names no one (and usernames that do not exist are counted alike).
fn name_key(store: &Store, username: &str) -> String {
    store
        .keys()
        .server_mac("login-name", &accounts_rules::username_key(username))
}

/// The end of the current lock of sign-ins of `username` from `client`, if it is locked.
pub async fn login_locked_until(
    store: &Store,
    username: &str,
    client: &str,
) -> Result<Option<String>> {
    let r = sqlx::query(
        "SELECT locked_until FROM login_failures WHERE name_key = $1 AND client = $2 AND locked_until > $3",
    )
    .bind(name_key(store, username))
    .bind(client)
    .bind(now())
    .fetch_optional(store.pool())
    .await?;
    Ok(r.map(|r| r.get::<String, _>(0)))
}

/// Count a failed sign-in of `username` (an account or not: the answer must be the same)
/// from `client`, atomically (one upsert returning the new count, inside the write
/// transaction); after [`MAX_FAILED_LOGINS`] that pair is locked for [`LOCKOUT_MINUTES`].
/// Returns the lock's end if it is locked now. Audited (against the account, if any).
pub async fn record_failed_login(
    tx: &mut WriteTx,
    username: &str,
    client: &str,
    user: Option<&User>,
) -> Result<Option<String>> {
    let key = name_key(tx.store(), username);
    let at = now();
    let failed: i64 = sqlx::query(
        "INSERT INTO login_failures (name_key, client, failures, updated_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (name_key, client) DO UPDATE SET failures = login_failures.failures + 1, updated_at = excluded.updated_at \
         RETURNING failures",
    )
    .bind(&key)
    .bind(client)
    .bind(&at)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    let locked = if failed >= MAX_FAILED_LOGINS {
        let until = (chrono::Utc::now() + chrono::Duration::minutes(LOCKOUT_MINUTES))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        sqlx::query(
            "UPDATE login_failures SET failures = 0, locked_until = $1 WHERE name_key = $2 AND client = $3",
        )
        .bind(&until)
        .bind(&key)
        .bind(client)
        .execute(tx.conn())
        .await?;
        Some(until)
    } else {
        None
    };
    // Forget pairs that have been quiet for a day.
    let old = (chrono::Utc::now() - chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query(
        "DELETE FROM login_failures WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(&old)
    .bind(&at)
    .execute(tx.conn())
    .await?;
    let action = if locked.is_some() {
        "user.locked"
    } else {
        "user.login_failed"
    };
    match user {
        Some(u) => tx.audit(
            action,
            "user",
            &u.id.to_string(),
            None,
            None,
            serde_json::json!({ "username": u.username, "failed": failed, "client": client }),
        ),
        None => tx.audit(
            action,
            "user",
            "",
            None,
            None,
            serde_json::json!({ "failed": failed, "client": client }),
        ),
    }
    Ok(locked)
}

/// After a successful sign-in: forget the failures of `username` from `client`.
pub async fn clear_failed_logins(tx: &mut WriteTx, username: &str, client: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE name_key = $1 AND client = $2")
        .bind(name_key(tx.store(), username))
        .bind(client)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_role(tx: &mut WriteTx, id: i64, role: Role) -> Result<User> {
    let role = accounts_rules::account_role(role)?;
    let before = reload(tx, id).await?;
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    let after = reload(tx, id).await?;
    tx.audit(
        "user.role",
        "user",
        &id.to_string(),
        Some(&before.audit_view()),
        Some(&after.audit_view()),
        serde_json::json!({ "username": after.username, "role": role.as_str() }),
    );
    Ok(after)
}

// ---- two-factor authentication ----

/// Store the (encrypted) TOTP secret; `enabled` once the user proved they can use it.
pub async fn set_totp(
    tx: &mut WriteTx,
    id: i64,
    secret_plain: Option<&str>,
    enabled: bool,
) -> Result<()> {
    let enc = secret_plain.map(|s| tx.store().keys().encrypt("users.totp_secret", id, s));
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&enc)
    .bind(enabled as i64)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    if !enabled {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    tx.audit(
        if enabled {
            "user.totp_enable"
        } else {
            "user.totp_disable"
        },
        "user",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(())
}

/// Use a TOTP time step (a code's 30-second window) of the user once: true if it is newer
/// than the last step accepted (it is remembered then), false for a code already used —
/// or an older one. One conditional update: two requests cannot both use the same code.
pub async fn use_totp_step(tx: &mut WriteTx, id: i64, step: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(r.rows_affected() == 1)
}

pub fn totp_secret(store: &Store, u: &User) -> Result<Option<String>> {
    u.totp_secret
        .as_deref()
        .map(|s| store.decrypt("users.totp_secret", u.id, s))
        .transpose()
}

/// Replace the user's recovery codes with `codes` (stored hashed).
pub async fn set_recovery_codes(tx: &mut WriteTx, id: i64, codes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for c in codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id)
            .bind(password::token_hash(&normalise_code(c)))
            .execute(tx.conn())
            .await?;
    }
    tx.audit(
        "user.recovery_codes",
        "user",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "count": codes.len() }),
    );
    Ok(())
}

fn normalise_code(c: &str) -> String {
    c.trim().to_lowercase().replace(['-', ' '], "")
}

/// Use a recovery code once. True if it was valid and unused.
pub async fn use_recovery_code(tx: &mut WriteTx, id: i64, code: &str) -> Result<bool> {
    let h = password::token_hash(&normalise_code(code));
    let r = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .bind(&h)
    .execute(tx.conn())
    .await?;
    let ok = r.rows_affected() == 1;
    if ok {
        tx.audit(
            "user.recovery_code_used",
            "user",
            &id.to_string(),
            None,
            None,
            serde_json::json!({}),
        );
    }
    Ok(ok)
}

// ---- sessions ----

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    /// `totp` while the second factor is still owed, `full` once signed in.
    pub stage: String,
    pub expires_at: String,
}

/// Create a session; returns the cookie value (only its hash is stored).
pub async fn create_session(
    tx: &mut WriteTx,
    user_id: i64,
    stage: &str,
    ttl: chrono::Duration,
) -> Result<String> {
    let token = password::random_token(32);
    let at = now();
    let expires = (chrono::Utc::now() + ttl).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, stage, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(password::token_hash(&token))
    .bind(user_id)
    .bind(stage)
    .bind(&at)
    .bind(&expires)
    .execute(tx.conn())
    .await?;
    Ok(token)
}

pub async fn session(store: &Store, token: &str) -> Result<Option<Session>> {
    let r = sqlx::query(
        "SELECT user_id, stage, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(password::token_hash(token))
    .bind(now())
    .fetch_optional(store.pool())
    .await?;
    Ok(r.map(|r| Session {
        user_id: r.get(0),
        stage: r.get(1),
        expires_at: r.get(2),
    }))
}

pub async fn delete_session(tx: &mut WriteTx, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(password::token_hash(token))
        .execute(tx.conn())
        .await?;
    Ok(())
}

// ---- API tokens ----

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// Create an API token for a user; returns the token (shown once) and its id.
pub async fn create_token(tx: &mut WriteTx, user_id: i64, name: &str) -> Result<(i64, String)> {
    let name = accounts_rules::token_name(name)?;
    let token = format!("dgn_{}", password::random_token(32));
    let r = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(&name)
    .bind(password::token_hash(&token))
    .bind(now())
    .fetch_one(tx.conn())
    .await?;
    let id: i64 = r.get(0);
    tx.audit(
        "token.create",
        "api_token",
        &id.to_string(),
        None,
        None,
        serde_json::json!({ "user_id": user_id, "name": name }),
    );
    Ok((id, token))
}

pub async fn tokens_of(store: &Store, user_id: i64) -> Result<Vec<ApiToken>> {
    Ok(sqlx::query(
        "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 AND revoked = 0 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| ApiToken {
        id: r.get(0),
        name: r.get(1),
        created_at: r.get(2),
        last_used_at: r.get(3),
    })
    .collect())
}

pub async fn revoke_token(tx: &mut WriteTx, user_id: i64, token_id: i64) -> Result<()> {
    let r = sqlx::query(
        "UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND user_id = $2 AND revoked = 0",
    )
    .bind(token_id)
    .bind(user_id)
    .execute(tx.conn())
    .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("token {token_id}")));
    }
    tx.audit(
        "token.revoke",
        "api_token",
        &token_id.to_string(),
        None,
        None,
        serde_json::json!({ "user_id": user_id }),
    );
    Ok(())
}

/// The active user owning an API token.
pub async fn user_by_token(store: &Store, token: &str) -> Result<Option<User>> {
    let r = sqlx::query(&format!(
        "SELECT {} FROM users u JOIN api_tokens t ON t.user_id = u.id \
         WHERE t.token_hash = $1 AND t.revoked = 0 AND u.disabled = 0",
        USER_COLS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(password::token_hash(token))
    .fetch_optional(store.pool())
    .await?;
    r.as_ref().map(|r| user(store, r)).transpose()
}

// ---- first-start setup link ----

/// Make a one-time setup token (valid 24 hours); returns it.
pub async fn create_setup_token(store: &Store) -> Result<String> {
    let token = password::random_token(24);
    let mut tx = store.begin(&Actor::system()).await?;
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(password::token_hash(&token))
    .bind(now())
    .bind(
        (chrono::Utc::now() + chrono::Duration::hours(24))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
    .execute(tx.conn())
    .await?;
    tx.audit(
        "setup.link",
        "system",
        "setup",
        None,
        None,
        serde_json::json!({}),
    );
    tx.commit().await?;
    Ok(token)
}

/// Consume a setup token. Valid only while no administrator exists.
pub async fn consume_setup_token(tx: &mut WriteTx, token: &str) -> Result<bool> {
    let users: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'admin'")
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if users > 0 {
        return Ok(false);
    }
    let r = sqlx::query(
        "UPDATE setup_tokens SET used = 1 WHERE token_hash = $1 AND used = 0 AND expires_at > $2",
    )
    .bind(password::token_hash(token))
    .bind(now())
    .execute(tx.conn())
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- settings ----

pub async fn set_setting(tx: &mut WriteTx, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "setting.set",
        "setting",
        key,
        None,
        None,
        serde_json::json!({ "key": key, "value": value }),
    );
    Ok(())
}

pub const REQUIRE_TOTP: &str = "require_totp";

pub async fn totp_required(store: &Store) -> Result<bool> {
    Ok(store.setting(REQUIRE_TOTP).await?.as_deref() == Some("true"))
}
