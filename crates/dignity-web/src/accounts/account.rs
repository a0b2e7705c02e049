//! The signed-in user's own account: password, two-factor enrolment, API tokens.

use super::session::{totp_check, with_session_cookie, CodeForm, SESSION_HOURS};
use crate::authz::{CsrfForm, SignedIn, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, see_other, CsrfOnly};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use dignity_core::password;
use dignity_store::{accounts, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

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
