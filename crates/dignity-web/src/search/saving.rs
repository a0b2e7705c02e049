//! Saving, opening and deleting saved searches.

use super::*;

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
}

/// Save the current search.
pub async fn save(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<SaveForm>,
) -> Response {
    let uid = ctx.user.id;
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    // Keep only what the search page understands.
    let query = Params::parse(&f.query, search.facet_names()).to_query();
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let id = saved::save_search(&mut tx, uid, &f.name, &query, search.applied()).await?;
        tx.commit().await?;
        Ok::<_, StoreError>(id)
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("/search?{query}&flash=search_saved")).into_response(),
        Err(StoreError::Rejected(_)) => {
            Redirect::to(&format!("/search?{query}&error=search_name")).into_response()
        }
        Err(e) => WebError::internal(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct OpenParams {
    /// Show only what is new since the last visit.
    #[serde(default)]
    new: Option<String>,
}

/// Open a saved search: its results (or only the new ones), and mark them seen.
pub async fn open_saved(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    axum::extract::Query(p): axum::extract::Query<OpenParams>,
) -> Response {
    let uid = ctx.user.id;
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    let s = match saved::saved_search(&state.store, uid, id).await {
        Ok(Some(s)) => s,
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::internal(e).into_response(),
    };
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        saved::mark_seen(&mut tx, uid, id, search.applied()).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = r {
        return WebError::internal(e).into_response();
    }
    let mut to = format!("/search?{}", s.query);
    if p.new.is_some() {
        to.push_str(&format!("&changed_after={}", s.seen_seq));
    }
    Redirect::to(&to).into_response()
}

pub async fn delete_saved(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    let r = async {
        let mut tx = state.store.begin(&ctx.actor).await?;
        let done = saved::delete_saved(&mut tx, ctx.user.id, id).await?;
        if done {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    match r {
        Ok(()) => Redirect::to("/search?flash=search_deleted").into_response(),
        Err(e) => WebError::internal(e).into_response(),
    }
}
