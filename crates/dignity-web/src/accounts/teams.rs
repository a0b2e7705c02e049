//! Teams and their members (administrators, and team leads for their own teams).

use crate::authz::{gate, Allowed, CsrfForm, WebError};
use crate::ctx::Ctx;
use crate::pages::{page, see_other, CsrfOnly};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use dignity_core::auth::{authorize_system, SystemAction};
use dignity_store::{accounts, StoreError};
use minijinja::context;
use serde::Deserialize;

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
        Err(StoreError::Rejected(_)) | Err(StoreError::Conflict(_)) => {
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
        Err(StoreError::Rejected(_)) => WebError::not_found().into_response(),
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
