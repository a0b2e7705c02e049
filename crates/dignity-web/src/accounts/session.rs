//! Signing in and out: the sign-in form (throttled per client), the second factor (TOTP, each
//! time step accepted once), signing out, and the first setup of an empty installation.
//! Results redirect (303) with a flash key, so that reloading never repeats an action.

use crate::authz::{CsrfForm, WebError};
use crate::ctx::{set_cookie, Ctx, SESSION_COOKIE};
use crate::i18n::{self};
use crate::pages::{page, page_status, safe_next, see_other, CsrfOnly};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_core::{password, Actor, Role};
use dignity_store::{accounts, StoreError};
use minijinja::context;
use serde::Deserialize;

/// How long a session lasts.
pub(crate) const SESSION_HOURS: i64 = 12;

// ---------------------------------------------------------------- sign in --

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
) -> Response {
    if ctx.user.is_some() {
        return see_other("/");
    }
    page(
        &state,
        &ctx,
        "login.html",
        context! { error => (), username => "", next => safe_next(&q.next) },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Count an attempt from this client; false once it made too many recently.
pub(crate) fn throttle_ok(state: &AppState, ctx: &Ctx) -> bool {
    let Some(ip) = ctx.client else { return true };
    let mut map = state.throttle.lock().expect("throttle lock");
    let now = std::time::Instant::now();
    let e = map.entry(ip).or_insert((now, 0));
    if now.duration_since(e.0).as_secs() > crate::THROTTLE_WINDOW_SECS {
        *e = (now, 0);
    }
    e.1 += 1;
    e.1 <= crate::THROTTLE_MAX
}

pub(crate) fn with_session_cookie(mut res: Response, token: &str, secure: bool) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, token, Some(SESSION_HOURS * 3600), secure),
    );
    res
}

pub(crate) fn clear_session_cookie(mut res: Response, secure: bool) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), secure),
    );
    res
}

/// Start a session of `stage` for `user`, ending any session the browser held (a new
/// session id at every privilege change: no session fixation).
pub(crate) async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    old: Option<&str>,
    user: &accounts::User,
    stage: &str,
    totp_step: Option<i64>,
) -> Result<String, StoreError> {
    let actor = accounts::actor_for(&state.store, user).await?;
    let mut tx = state.store.begin(&actor).await?;
    // A TOTP code opens one session: its time step is used up in the same transaction.
    if let Some(step) = totp_step {
        if !accounts::use_totp_step(&mut tx, user.id, step).await? {
            tx.rollback().await?;
            return Err(StoreError::Conflict("a used two-factor code".into()));
        }
    }
    if let Some(old) = old {
        accounts::delete_session(&mut tx, old).await?;
    }
    accounts::clear_failed_logins(&mut tx, &user.username, &client_key(ctx)).await?;
    let ttl = if stage == "full" {
        chrono::Duration::hours(SESSION_HOURS)
    } else {
        chrono::Duration::minutes(10)
    };
    let token = accounts::create_session(&mut tx, user.id, stage, ttl).await?;
    tx.audit(
        if stage == "full" {
            "user.login"
        } else {
            "user.login_password_ok"
        },
        "user",
        &user.id.to_string(),
        None,
        None,
        serde_json::json!({ "username": user.username, "ip": ctx.client.map(|i| i.to_string()) }),
    );
    tx.commit().await?;
    Ok(token)
}

pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Response {
    let next = safe_next(&f.next);
    let fail = |key: &str, args: &[(&str, &str)]| {
        page_status(
            &state,
            &ctx,
            "login.html",
            StatusCode::UNAUTHORIZED,
            context! { error => i18n::t_args(ctx.lang, key, args), username => f.username.clone(), next => next.clone() },
        )
    };
    if !throttle_ok(&state, &ctx) {
        return fail("error.locked", &[("minutes", "10")]);
    }
    // The same work and the same answers whether the account exists, is disabled, is
    // locked for this client or not: one password hash check each time (against a dummy
    // hash when there is no account to check), failures counted for any username.
    let client = client_key(&ctx);
    let user = match accounts::by_username(&state.store, &f.username).await {
        Ok(u) => u.filter(|u| !u.disabled),
        Err(e) => return WebError::from(e).into_response(),
    };
    let locked = match accounts::login_locked_until(&state.store, &f.username, &client).await {
        Ok(l) => l.is_some(),
        Err(e) => return WebError::from(e).into_response(),
    };
    let hash = match &user {
        Some(u) if !locked => u.password_hash.as_str(),
        _ => password::dummy_hash(),
    };
    let verified = password::verify(&f.password, hash);
    if locked {
        return fail(
            "error.locked",
            &[("minutes", &accounts::LOCKOUT_MINUTES.to_string())],
        );
    }
    let user = match user {
        Some(u) if verified => u,
        user => {
            let r = async {
                let mut tx = state.store.begin(&Actor::anonymous()).await?;
                let locked =
                    accounts::record_failed_login(&mut tx, &f.username, &client, user.as_ref())
                        .await?;
                tx.commit().await?;
                Ok::<_, StoreError>(locked)
            }
            .await;
            return match r {
                Ok(Some(_)) => fail(
                    "error.locked",
                    &[("minutes", &accounts::LOCKOUT_MINUTES.to_string())],
                ),
                Ok(None) => fail("error.login_failed", &[]),
                Err(e) => WebError::from(e).into_response(),
            };
        }
    };
    let old = crate::ctx::cookie(&headers, SESSION_COOKIE).map(String::from);
    let stage = if user.totp_enabled { "totp" } else { "full" };
    match start_session(&state, &ctx, old.as_deref(), &user, stage, None).await {
        Ok(token) => {
            let to = if stage == "totp" {
                format!(
                    "/login/totp?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                )
            } else {
                next
            };
            with_session_cookie(see_other(&to), &token, ctx.secure)
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn totp_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    if ctx.pending_totp.is_none() {
        return see_other("/login");
    }
    page(&state, &ctx, "login_totp.html", context! { error => () })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub(crate) code: String,
}

/// Check a TOTP code against a base32 secret (one step of clock skew allowed).
pub fn totp_check(secret_b32: &str, _username: &str, code: &str) -> bool {
    totp_step(secret_b32, code).is_some()
}

/// The time step (30-second window) a TOTP code belongs to, if it is valid now (one step
/// of clock skew allowed). Each step is accepted once per user
/// ([`accounts::use_totp_step`]).
pub fn totp_step(secret_b32: &str, code: &str) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .ok()?;
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes).ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let step = now / 30;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| crate::ctx::tokens_match(&t.generate(s * 30), &code))
        .map(|s| s as i64)
}

/// The client address sign-in failures are counted for ("unknown" without one).
pub(crate) fn client_key(ctx: &Ctx) -> String {
    ctx.client
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub async fn totp_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LoginQuery>,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    let Some((pending, user)) = ctx.pending_totp.clone() else {
        return see_other("/login");
    };
    let fail = |key: &str| {
        page_status(
            &state,
            &ctx,
            "login_totp.html",
            StatusCode::UNAUTHORIZED,
            context! { error => ctx.t(key) },
        )
    };
    let client = client_key(&ctx);
    let locked = match accounts::login_locked_until(&state.store, &user.username, &client).await {
        Ok(l) => l.is_some(),
        Err(e) => return WebError::from(e).into_response(),
    };
    if !throttle_ok(&state, &ctx) || locked {
        return fail("error.login_failed");
    }
    let secret = match accounts::totp_secret(&state.store, &user) {
        Ok(s) => s,
        Err(e) => return WebError::from(e).into_response(),
    };
    let step = secret.as_deref().and_then(|s| totp_step(s, &f.code));
    let mut ok = step.is_some();
    if !ok && f.code.trim().len() > 6 {
        // A recovery code.
        let r = async {
            let mut tx = state.store.begin(&Actor::anonymous()).await?;
            let used = accounts::use_recovery_code(&mut tx, user.id, &f.code).await?;
            if used {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok::<_, StoreError>(used)
        }
        .await;
        match r {
            Ok(v) => ok = v,
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    let started = if ok {
        start_session(&state, &ctx, Some(&pending), &user, "full", step).await
    } else {
        Err(StoreError::Conflict("a wrong two-factor code".into()))
    };
    match started {
        Ok(token) => with_session_cookie(see_other(&safe_next(&q.next)), &token, ctx.secure),
        // A wrong code, or a code already used (replayed): a failure like any other.
        Err(StoreError::Conflict(_)) => {
            let r = async {
                let mut tx = state.store.begin(&Actor::anonymous()).await?;
                accounts::record_failed_login(&mut tx, &user.username, &client, Some(&user))
                    .await?;
                tx.commit().await
            }
            .await;
            if let Err(e) = r {
                return WebError::from(e).into_response();
            }
            fail("error.totp_invalid")
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    if let Some(token) = ctx
        .session
        .as_deref()
        .or(ctx.pending_totp.as_ref().map(|p| p.0.as_str()))
    {
        let r = async {
            let mut tx = state.store.begin(&ctx.actor).await?;
            accounts::delete_session(&mut tx, token).await?;
            tx.audit(
                "user.logout",
                "user",
                &ctx.actor.user_id.unwrap_or(0).to_string(),
                None,
                None,
                serde_json::json!({}),
            );
            tx.commit().await
        }
        .await;
        if let Err(e) = r {
            return WebError::from(e).into_response();
        }
    }
    clear_session_cookie(see_other("/login?flash=signed_out"), ctx.secure)
}

// ------------------------------------------------------------ first setup --

#[derive(Deserialize, Default)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

pub async fn setup_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SetupQuery>,
) -> Response {
    match accounts::count_admins(&state.store).await {
        Ok(0) => page(
            &state,
            &ctx,
            "setup.html",
            context! { token => q.token, error => (), username => "", display_name => "" },
        ),
        Ok(_) => see_other("/login"),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn setup(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<SetupForm>,
) -> Response {
    let again = |msg: String| {
        page_status(
            &state,
            &ctx,
            "setup.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { token => f.token.clone(), error => msg, username => f.username.clone(), display_name => f.display_name.clone() },
        )
    };
    if f.password != f.password_confirm {
        return again(ctx.t("error.password_mismatch"));
    }
    if password::check_policy(&f.password).is_err() {
        return again(i18n::t_args(
            ctx.lang,
            "error.password_too_short",
            &[("min", &password::MIN_LENGTH.to_string())],
        ));
    }
    let r = async {
        let mut tx = state.store.begin(&Actor::system()).await?;
        if !accounts::consume_setup_token(&mut tx, &f.token).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let u = accounts::create(
            &mut tx,
            &f.username,
            &f.display_name,
            Role::Admin,
            &f.password,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(Some(u))
    }
    .await;
    match r {
        Ok(Some(u)) => match start_session(&state, &ctx, None, &u, "full", None).await {
            Ok(token) => with_session_cookie(see_other("/account"), &token, ctx.secure),
            Err(e) => WebError::from(e).into_response(),
        },
        Ok(None) => again(ctx.t("error.setup_token_invalid")),
        Err(StoreError::Rejected(e)) => again(i18n::invalid(ctx.lang, &e)),
        Err(StoreError::Conflict(_)) => again(ctx.t("error.username_taken")),
        Err(e) => WebError::from(e).into_response(),
    }
}
