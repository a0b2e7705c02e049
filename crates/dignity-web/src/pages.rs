//! Server-rendered pages. Every handler: read the context, check access, call the store,
//! render a template. Forms post back with a CSRF token; results redirect (303) with a
//! flash key so that reloading a page never repeats an action.

use crate::authz::{gate, Allowed, CsrfForm, SignedIn, WebError};
use crate::ctx::{set_cookie, Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::i18n::{self, Lang};
use crate::templates;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dignity_core::auth::{authorize_system, SystemAction};
use dignity_core::{password, Actor, Role};
use dignity_store::{accounts, audit, reference, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

const SESSION_HOURS: i64 = 12;

/// Render a page with the common context plus `extra`.
pub fn page(state: &AppState, ctx: &Ctx, name: &str, extra: Value) -> Response {
    page_status(state, ctx, name, StatusCode::OK, extra)
}

fn flash_from_path(ctx: &Ctx) -> Value {
    let query = ctx.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let known = v.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if known && (k == "flash" || k == "error") {
            let kind = if k == "flash" { "ok" } else { "error" };
            let prefix = if k == "flash" { "flash" } else { "error" };
            let min = password::MIN_LENGTH.to_string();
            let minutes = accounts::LOCKOUT_MINUTES.to_string();
            let args = [("min", min.as_str()), ("minutes", minutes.as_str())];
            return Value::from_serialize(serde_json::json!({
                "kind": kind,
                "message": i18n::t_args(ctx.lang, &format!("{prefix}.{v}"), &args),
            }));
        }
    }
    Value::from(())
}

/// A page with this status. It is written by [`crate::nav::render_pages`], which adds the
/// navigation (alert counts) that only pages need.
pub fn page_status(
    _state: &AppState,
    ctx: &Ctx,
    name: &str,
    status: StatusCode,
    extra: Value,
) -> Response {
    let user = ctx.user.as_ref().map(|u| {
        context! { username => u.username.clone(), display_name => u.display_name.clone(), role => u.role.as_str() }
    });
    let base = context! {
        current_path => ctx.path.split('?').next().unwrap_or("/").to_string(),
        user => user,
        csrf_token => ctx.csrf_token.clone(),
        flash => flash_from_path(ctx),
        is_admin => ctx.is_admin(),
        can_manage_teams => authorize_system(&ctx.actor, SystemAction::ManageTeamMembers).allowed(),
    };
    crate::nav::pending(
        status,
        crate::nav::PendingPage {
            name: name.to_string(),
            ctx: ctx.clone(),
            context: context! { ..extra, ..base },
        },
    )
}

fn see_other(to: &str) -> Response {
    crate::edge::see_other(to)
}

/// Only local paths are followed after sign-in (no open redirects).
/// A redirect target taken from the user (`next=`, `back=`): a same-site path, else `/`.
fn safe_next(next: &str) -> String {
    dignity_core::LocalPath::or(next, "/").to_string()
}

/// Any path no route has (the router's fallback).
pub async fn not_found() -> WebError {
    WebError::not_found()
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(_) => axum::Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "error", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        templates::STYLESHEET,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    #[serde(default)]
    back: String,
}

pub async fn switch_language(ctx: Ctx, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or(ctx.lang);
    let mut res = see_other(&safe_next(&q.back));
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            lang.code(),
            if ctx.secure { "; Secure" } else { "" }
        ))
        .expect("ascii"),
    );
    res
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Response {
    if ctx.must_enrol_totp() {
        return see_other("/account");
    }
    // Search (issue 6): saved searches with new matches since the user last looked.
    let search_alerts = crate::search::alerts(&state, &ctx).await;
    let r = async {
        let work = match ctx.actor.user_id {
            Some(_) => Some(your_work(&state, &ctx.actor).await?),
            None => None,
        };
        Ok::<_, StoreError>((reference::counts(&state.store).await?, work))
    }
    .await;
    match r {
        Ok(((countries, instruments, terms, targets), work)) => page(
            &state,
            &ctx,
            "home.html",
            context! { counts => context! { countries, instruments, vocabulary_terms => terms, sdg_targets => targets }, search_alerts, work },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// What waits for the signed-in officer: their interventions' reply and follow-up
/// deadlines of the next 14 days (and every overdue one), the check-ins overdue for the
/// defenders whose contact point they are, and their unfinished drafts. Only records the
/// reader may see are counted (each query applies the access rules).
async fn your_work(state: &AppState, actor: &Actor) -> Result<Value, StoreError> {
    use dignity_store::{protection::defenders, violations as v};
    let today = chrono::Utc::now().date_naive();
    let due = v::interventions::deadlines(&state.store, actor, "mine", today, 14).await?;
    let checkins = defenders::overdue_checkins(&state.store, actor, today, actor.user_id).await?;
    let drafts = v::drafts(&state.store, actor).await?;
    Ok(context! {
        due => due.len(),
        overdue => due.iter().filter(|d| d.overdue).count(),
        checkins => checkins.len(),
        drafts => drafts.len(),
    })
}

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
fn throttle_ok(state: &AppState, ctx: &Ctx) -> bool {
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

fn with_session_cookie(mut res: Response, token: &str, secure: bool) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, token, Some(SESSION_HOURS * 3600), secure),
    );
    res
}

fn clear_session_cookie(mut res: Response, secure: bool) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), secure),
    );
    res
}

/// Start a session of `stage` for `user`, ending any session the browser held (a new
/// session id at every privilege change: no session fixation).
async fn start_session(
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
    code: String,
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
fn client_key(ctx: &Ctx) -> String {
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

#[derive(Deserialize)]
pub struct CsrfOnly {}

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

// ---------------------------------------------------------------- account --

fn totp_setup_view(user: &accounts::User, secret: &str) -> Value {
    let url = format!(
        "otpauth://totp/Dignity:{}?secret={}&issuer=Dignity&algorithm=SHA1&digits=6&period=30",
        user.username, secret
    );
    let svg = qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    context! { secret => secret, otpauth_url => url, qr_svg => svg }
}

async fn account_page(state: &AppState, ctx: &Ctx, extra: Value) -> Response {
    let user = match crate::authz::signed_in(ctx) {
        Ok(u) => u.clone(),
        Err(e) => return e.into_response(),
    };
    let tokens = match accounts::tokens_of(&state.store, user.id).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).into_response(),
    };
    // A pending secret is kept (encrypted) on the user until confirmed with a code.
    let totp_setup = if !user.totp_enabled {
        match accounts::totp_secret(&state.store, &user) {
            Ok(Some(s)) => totp_setup_view(&user, &s),
            Ok(None) => Value::from(()),
            Err(e) => return WebError::from(e).into_response(),
        }
    } else {
        Value::from(())
    };
    let base = context! {
        totp_enabled => user.totp_enabled,
        totp_required => ctx.must_enrol_totp(),
        totp_setup => totp_setup,
        recovery_codes => (),
        tokens => Value::from_serialize(&tokens),
        new_token => (),
    };
    page(state, ctx, "account.html", context! { ..extra, ..base })
}

/// `GET /account`: reads only (GET never writes). Two-factor enrolment starts with the
/// form that posts to [`totp_setup`].
pub async fn account(State(state): State<AppState>, ctx: SignedIn) -> Response {
    account_page(&state, &ctx, context! {}).await
}

/// `POST /account/totp/setup`: prepare a fresh secret for two-factor enrolment (kept,
/// encrypted, on the user until confirmed with a code), then back to the account page,
/// which shows it as a QR code. Posting again replaces a pending secret.
pub async fn totp_setup(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    if !ctx.user.totp_enabled {
        let secret = totp_rs::Secret::generate_secret().to_encoded().to_string();
        let r = async {
            let mut tx = state.store.begin(&ctx.actor).await?;
            accounts::set_totp(&mut tx, ctx.user.id, Some(&secret), false).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = r {
            return WebError::from(e).into_response();
        }
    }
    see_other("/account")
}

fn recovery_codes() -> Vec<String> {
    (0..10)
        .map(|_| {
            let t = password::random_token(8)
                .to_lowercase()
                .replace(['-', '_'], "x");
            format!("{}-{}", &t[..5], &t[5..10])
        })
        .collect()
}

pub async fn totp_enable(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    let user = ctx.user.clone();
    let secret = match accounts::totp_secret(&state.store, &user) {
        Ok(Some(s)) => s,
        Ok(None) => return see_other("/account"),
        Err(e) => return WebError::from(e).into_response(),
    };
    if !totp_check(&secret, &user.username, &f.code) {
        return see_other("/account?error=totp_invalid");
    }
    let codes = recovery_codes();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            accounts::set_totp(tx, user.id, Some(&secret), true).await?;
            accounts::set_recovery_codes(tx, user.id, &codes).await?;
            Ok(())
        })
        .await;
    if let Err(e) = r {
        return WebError::from(e).into_response();
    }
    let mut ctx2 = ctx.clone();
    ctx2.user = accounts::by_id(&state.store, user.id).await.ok().flatten();
    ctx2.totp_required = false;
    ctx2.path = "/account?flash=totp_enabled".into();
    account_page(&state, &ctx2, context! { recovery_codes => codes }).await
}

#[derive(Deserialize)]
pub struct PasswordConfirm {
    #[serde(default)]
    password: String,
}

pub async fn totp_disable(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<PasswordConfirm>,
) -> Response {
    let user = ctx.user.clone();
    if !password::verify(&f.password, &user.password_hash) {
        return see_other("/account?error=login_failed");
    }
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            accounts::set_totp(tx, user.id, None, false).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other("/account?flash=totp_disabled"),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct ChangePassword {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<ChangePassword>,
) -> Response {
    let user = ctx.user.clone();
    if !password::verify(&f.current_password, &user.password_hash) {
        return see_other("/account?error=login_failed");
    }
    if f.new_password != f.new_password_confirm {
        return see_other("/account?error=password_mismatch");
    }
    if password::check_policy(&f.new_password).is_err() {
        return see_other("/account?error=password_too_short");
    }
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            accounts::set_password(tx, user.id, &f.new_password).await?;
            let token = accounts::create_session(
                tx,
                user.id,
                "full",
                chrono::Duration::hours(SESSION_HOURS),
            )
            .await?;
            Ok(token)
        })
        .await;
    match r {
        // All other sessions ended; this browser gets a fresh one.
        Ok(token) => with_session_cookie(
            see_other("/account?flash=password_changed"),
            &token,
            ctx.secure,
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn token_create(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> Response {
    let user = ctx.user.clone();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            let (_, token) = accounts::create_token(tx, user.id, &f.name).await?;
            Ok(token)
        })
        .await;
    match r {
        Ok(token) => {
            let mut ctx2 = ctx.clone();
            ctx2.path = "/account?flash=token_created".into();
            account_page(&state, &ctx2, context! { new_token => token }).await
        }
        Err(StoreError::Rejected(_)) => see_other("/account?error=token_name"),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn token_revoke(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    let user = ctx.user.clone();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            accounts::revoke_token(tx, user.id, id).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other("/account?flash=token_revoked"),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

// ------------------------------------------------------------------ admin --

async fn users_page(state: &AppState, ctx: &Ctx, extra: Value) -> Response {
    let users = match accounts::list(&state.store).await {
        Ok(u) => u,
        Err(e) => return WebError::from(e).into_response(),
    };
    let now = dignity_store::now();
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            context! { id => u.id, username => u.username.clone(), display_name => u.display_name.clone(),
            role => u.role.as_str(), disabled => u.disabled, totp_enabled => u.totp_enabled, locked => u.is_locked(&now) }
        })
        .collect();
    let required = accounts::totp_required(&state.store).await.unwrap_or(false);
    let base = context! {
        users => rows,
        roles => Role::STAFF.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        require_totp => required,
        new_password => (),
    };
    page(state, ctx, "admin_users.html", context! { ..extra, ..base })
}

pub async fn admin_users(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageUsers>,
) -> Response {
    users_page(&state, &ctx, context! {}).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

pub async fn admin_user_create(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageUsers>,
    CsrfForm(f): CsrfForm<NewUserForm>,
) -> Response {
    let Ok(role) = f.role.parse::<Role>() else {
        return see_other("/admin/users?error=bad_request");
    };
    let pw = password::generate();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            let u = accounts::create(tx, &f.username, &f.display_name, role, &pw).await?;
            Ok(u)
        })
        .await;
    match r {
        Ok(u) => {
            let mut ctx2 = ctx.clone();
            ctx2.path = "/admin/users?flash=user_created".into();
            users_page(
                &state,
                &ctx2,
                context! { new_password => context! { username => u.username, password => pw } },
            )
            .await
        }
        Err(StoreError::Conflict(_)) => see_other("/admin/users?error=username_taken"),
        Err(StoreError::Rejected(_)) => see_other("/admin/users?error=invalid_username"),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn admin_user_action(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageUsers>,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    if ctx.actor.user_id == Some(id) && action == "disable" {
        return see_other("/admin/users?error=forbidden");
    }
    let pw = password::generate();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            let out = match action.as_str() {
                "disable" => {
                    accounts::set_disabled(tx, id, true).await?;
                    None
                }
                "enable" => {
                    accounts::set_disabled(tx, id, false).await?;
                    None
                }
                "reset-password" => {
                    accounts::set_password(tx, id, &pw).await?;
                    Some(pw.clone())
                }
                _ => return Err(StoreError::NotFound(action.clone())),
            };
            Ok(out)
        })
        .await;
    match r {
        Ok(None) => see_other("/admin/users?flash=saved"),
        Ok(Some(pw)) => {
            let name = accounts::by_id(&state.store, id)
                .await
                .ok()
                .flatten()
                .map(|u| u.username)
                .unwrap_or_default();
            let mut ctx2 = ctx.clone();
            ctx2.path = "/admin/users?flash=password_reset".into();
            users_page(
                &state,
                &ctx2,
                context! { new_password => context! { username => name, password => pw } },
            )
            .await
        }
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct RequireTotpForm {
    #[serde(default)]
    require_totp: Option<String>,
}

pub async fn admin_require_totp(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageSettings>,
    CsrfForm(f): CsrfForm<RequireTotpForm>,
) -> Response {
    let on = f.require_totp.is_some();
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            accounts::set_setting(
                tx,
                accounts::REQUIRE_TOTP,
                if on { "true" } else { "false" },
            )
            .await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other("/admin/users?flash=saved"),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    record_type: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

const AUDIT_PAGE: i64 = 50;

async fn audit_page(state: &AppState, ctx: &Ctx, q: AuditQuery, verify: Value) -> Response {
    let filter = audit::AuditFilter {
        actor: q.actor.clone(),
        action: q.action.clone(),
        record_type: q.record_type.clone(),
        record_id: None,
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let entries = match audit::list(
        &state.store,
        &filter,
        AUDIT_PAGE + 1,
        (page_no - 1) * AUDIT_PAGE,
    )
    .await
    {
        Ok(e) => e,
        Err(e) => return WebError::from(e).into_response(),
    };
    let has_next = entries.len() as i64 > AUDIT_PAGE;
    let entries: Vec<_> = entries.into_iter().take(AUDIT_PAGE as usize).collect();
    page(
        state,
        ctx,
        "admin_audit.html",
        context! {
            entries => Value::from_serialize(&entries),
            filter => Value::from_serialize(&filter),
            verify => verify,
            page => page_no,
            has_next => has_next,
            has_prev => page_no > 1,
        },
    )
}

pub async fn admin_audit(
    State(state): State<AppState>,
    ctx: Allowed<gate::ViewAudit>,
    Query(q): Query<AuditQuery>,
) -> Response {
    audit_page(&state, &ctx, q, Value::from(())).await
}

pub async fn admin_audit_verify(
    State(state): State<AppState>,
    ctx: Allowed<gate::ViewAudit>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    match audit::verify_log(&state.store).await {
        Ok(rep) => {
            let problems: Vec<String> = rep.problems.iter().map(|p| p.to_string()).collect();
            let v = context! { ok => rep.ok(), checked => rep.checked, problems => problems };
            audit_page(&state, &ctx, AuditQuery::default(), v).await
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

// -------------------------------------------------------- reference data --

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    #[serde(default)]
    region: Option<String>,
}

pub async fn countries(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegionQuery>,
) -> Response {
    let region = q.region.filter(|r| !r.is_empty());
    let r = async {
        Ok::<_, StoreError>((
            reference::countries(&state.store, ctx.lang.code(), region.as_deref()).await?,
            reference::regions(&state.store).await?,
        ))
    }
    .await;
    match r {
        Ok((list, regions)) => page(
            &state,
            &ctx,
            "countries.html",
            context! { total => list.len(), countries => Value::from_serialize(&list), regions => regions, region => region },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn instruments(State(state): State<AppState>, ctx: Ctx) -> Response {
    match reference::instruments(&state.store, ctx.lang.code()).await {
        Ok(list) => page(
            &state,
            &ctx,
            "instruments.html",
            context! { instruments => Value::from_serialize(&list) },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn vocabularies(State(state): State<AppState>, ctx: Ctx) -> Response {
    match reference::vocabularies(&state.store).await {
        Ok(list) => page(
            &state,
            &ctx,
            "vocabularies.html",
            context! { lists => Value::from_serialize(&list) },
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct TermQuery {
    #[serde(default)]
    q: Option<String>,
}

pub async fn vocabulary(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(list): Path<i64>,
    Query(q): Query<TermQuery>,
) -> Response {
    let lists = match reference::vocabularies(&state.store).await {
        Ok(l) => l,
        Err(e) => return WebError::from(e).into_response(),
    };
    let Some(meta) = lists.into_iter().find(|l| l.number == list) else {
        return WebError::not_found().into_response();
    };
    match reference::terms(&state.store, list, ctx.lang.code(), q.q.as_deref()).await {
        Ok(terms) => {
            let rows: Vec<Value> = terms
                .iter()
                .map(|t| context! { code => t.code.clone(), label => t.label.clone(), level => t.level })
                .collect();
            page(
                &state,
                &ctx,
                "vocabulary.html",
                context! {
                    list => Value::from_serialize(&meta),
                    terms => rows,
                    q => q.q.unwrap_or_default(),
                    can_edit => authorize_system(&ctx.actor, SystemAction::ManageReferenceData).allowed(),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct TermForm {
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    label_fr: String,
    #[serde(default)]
    label_es: String,
    #[serde(default)]
    label_ar: String,
    #[serde(default)]
    label_ru: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    parent: Option<String>,
}

impl TermForm {
    fn labels(&self, active: bool) -> reference::TermLabels {
        reference::TermLabels {
            label_en: self.label_en.clone(),
            label_fr: self.label_fr.clone(),
            label_es: self.label_es.clone(),
            label_ar: self.label_ar.clone(),
            label_ru: self.label_ru.clone(),
            active,
        }
    }
}

async fn vocabulary_meta(
    state: &AppState,
    list: i64,
) -> Result<Option<reference::VocabularyRow>, StoreError> {
    Ok(reference::vocabularies(&state.store)
        .await?
        .into_iter()
        .find(|l| l.number == list))
}

pub async fn term_form(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path((list, code)): Path<(i64, String)>,
) -> Response {
    let r = async {
        Ok::<_, StoreError>((
            vocabulary_meta(&state, list).await?,
            reference::term(&state.store, list, &code).await?,
        ))
    }
    .await;
    match r {
        Ok((Some(meta), Some(term))) => page(
            &state,
            &ctx,
            "vocabulary_term.html",
            context! { list => Value::from_serialize(&meta), term => Value::from_serialize(&term) },
        ),
        Ok(_) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn term_save(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path((list, code)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<TermForm>,
) -> Response {
    let labels = f.labels(f.active.is_some());
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            reference::update_term(tx, list, &code, &labels).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other(&format!("/vocabularies/{list}?flash=saved")),
        Err(StoreError::Invalid { .. }) => see_other(&format!(
            "/vocabularies/{list}/terms/{code}?error=invalid_term"
        )),
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn term_add(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageReferenceData>,
    Path(list): Path<i64>,
    CsrfForm(f): CsrfForm<TermForm>,
) -> Response {
    let labels = f.labels(true);
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            let code = reference::add_term(tx, list, f.parent.as_deref(), &labels).await?;
            Ok(code)
        })
        .await;
    match r {
        Ok(_) => see_other(&format!("/vocabularies/{list}?flash=saved")),
        Err(StoreError::Invalid { .. }) => {
            see_other(&format!("/vocabularies/{list}?error=invalid_term"))
        }
        Err(StoreError::NotFound(_)) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

// ------------------------------------------------------------------ teams --

async fn teams_page(state: &AppState, ctx: &Ctx) -> Response {
    let teams = match dignity_store::acl::teams(&state.store).await {
        Ok(t) => t,
        Err(e) => return WebError::from(e).into_response(),
    };
    let mut rows = Vec::new();
    for (id, name, _) in teams {
        let members = match dignity_store::acl::members(&state.store, id).await {
            Ok(m) => m,
            Err(e) => return WebError::from(e).into_response(),
        };
        rows.push(context! {
            id => id,
            name => name,
            can_edit => can_edit_team(ctx, id),
            members => members.into_iter().map(|(id, u, d)| context! { id => id, username => u, display_name => d }).collect::<Vec<_>>(),
        });
    }
    page(
        state,
        ctx,
        "admin_teams.html",
        context! { teams => rows, can_create => crate::authz::may(ctx, SystemAction::ManageUsers) },
    )
}

/// Admins manage every team; coordinators the teams they belong to.
fn can_edit_team(ctx: &Ctx, team: i64) -> bool {
    crate::authz::may(ctx, SystemAction::ManageUsers)
        || (authorize_system(&ctx.actor, SystemAction::ManageTeamMembers).allowed()
            && ctx.actor.teams.contains(&team))
}

pub async fn admin_teams(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageTeamMembers>,
) -> Response {
    teams_page(&state, &ctx).await
}

#[derive(Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    name: String,
}

pub async fn admin_team_create(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageUsers>,
    CsrfForm(f): CsrfForm<TeamForm>,
) -> Response {
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            dignity_store::acl::create_team(tx, &f.name).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other("/admin/teams?flash=saved"),
        Err(StoreError::Invalid { .. }) | Err(StoreError::Conflict(_)) => {
            see_other("/admin/teams?error=bad_request")
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    username: String,
}

pub async fn admin_team_member_add(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageTeamMembers>,
    Path(team): Path<i64>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> Response {
    if !can_edit_team(&ctx, team) {
        return WebError::forbidden().into_response();
    }
    let user = match accounts::by_username(&state.store, &f.username).await {
        Ok(Some(u)) => u,
        Ok(None) => return see_other("/admin/teams?error=not_found"),
        Err(e) => return WebError::from(e).into_response(),
    };
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            dignity_store::acl::set_member(tx, team, user.id, true).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other("/admin/teams?flash=saved"),
        Err(StoreError::Invalid { .. }) => WebError::not_found().into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn admin_team_member_remove(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageTeamMembers>,
    Path((team, user)): Path<(i64, i64)>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    if !can_edit_team(&ctx, team) {
        return WebError::forbidden().into_response();
    }
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            dignity_store::acl::set_member(tx, team, user, false).await?;
            Ok(())
        })
        .await;
    match r {
        Ok(_) => see_other("/admin/teams?flash=saved"),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::{lookup, Lang};

    /// Every `?flash=…` and `?error=…` a page redirects with has its message in every language.
    #[test]
    fn every_flash_and_error_key_is_translated() {
        let src = include_str!("pages.rs");
        let mut checked = 0;
        for (marker, prefix) in [("?flash=", "flash"), ("?error=", "error")] {
            for (i, _) in src.match_indices(marker) {
                let key: String = src[i + marker.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if key.is_empty() {
                    continue;
                }
                for lang in Lang::ALL {
                    assert!(
                        lookup(lang, &format!("{prefix}.{key}")).is_some(),
                        "{prefix}.{key} missing in {lang}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 10);
    }
}
