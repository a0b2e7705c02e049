//! Administration of users (create, disable, reset, roles, two-factor requirement) and the
//! audit log (read and verify).

use crate::authz::{gate, Allowed, CsrfForm, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, see_other, CsrfOnly};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use dignity_core::{password, Role};
use dignity_store::{accounts, audit, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

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
