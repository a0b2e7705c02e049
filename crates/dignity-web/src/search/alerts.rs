//! Alerts: what is new in each saved search since its owner last looked, as a page, a
//! count for the navigation, and JSON.

use super::*;

/// One saved search with what is new in it for its owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alert {
    /// The saved search.
    pub id: i64,
    pub name: String,
    /// Matches added or changed since the owner last looked, counted with their
    /// permissions now.
    pub new: u64,
    /// When they last marked it seen (RFC 3339), if ever.
    pub seen_at: Option<String>,
    /// The search page showing only the new matches (opening it marks them seen).
    pub url: String,
    /// The first new matches (up to 20), as the search API gives them.
    pub hits: Vec<Hit>,
}

/// The answer of `GET /api/v1/alerts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertsAnswer {
    /// New matches over all the caller's saved searches.
    pub total: u64,
    /// Every saved search of the caller, those with new matches first.
    pub items: Vec<Alert>,
}

/// The saved searches of the signed-in staff member with their new matches, counted and
/// found in the index with the reader's permission filter *now* (a record they can no
/// longer open is neither counted nor listed). Reading writes nothing.
async fn alerts_of(
    state: &AppState,
    ctx: &Ctx,
    search: &Search,
    with_hits: bool,
) -> Result<Vec<(saved::SavedSearch, u64, Vec<Hit>)>, StoreError> {
    let mut out = Vec::new();
    let (Some(u), true) = (&ctx.user, ctx.actor.is_staff()) else {
        return Ok(out);
    };
    for s in saved::saved_searches(&state.store, u.id).await? {
        let mut p = Params::parse(&s.query, search.facet_names());
        p.page = 1;
        let mut req = reader_request(state, ctx, &p, ctx.lang.code()).await;
        req.changed_after = Some(s.seen_seq);
        let (new, hits) = if with_hits {
            match search.search(&ctx.actor, &req) {
                Ok(r) => (r.total, r.hits),
                Err(e) => {
                    tracing::error!(error = %e, "alerts search failed");
                    (0, Vec::new())
                }
            }
        } else {
            (search.count(&ctx.actor, &req).unwrap_or(0), Vec::new())
        };
        out.push((s, new, hits));
    }
    out.sort_by(|a, b| (b.1 > 0).cmp(&(a.1 > 0)).then(a.0.id.cmp(&b.0.id)));
    Ok(out)
}

/// The number of new matches over the saved searches of a signed-in staff member, for the
/// navigation's "Alerts (3)"; `None` for everyone else, when search is off, or on error.
pub async fn alert_count(state: &AppState, ctx: &Ctx) -> Option<u64> {
    let search = state.search.clone()?;
    crate::authz::signed_in(ctx).ok()?;
    let uid = ctx.actor.user_id?;
    // Every change that can move the count (a record written, a search saved or marked as
    // seen, a role or team changed) is an audited write, and reaches the index after it.
    let at = match dignity_store::portal::public_version(&state.store).await {
        Ok(head) => (head, search.applied()),
        Err(e) => {
            tracing::error!(error = %e, "alert count failed");
            return None;
        }
    };
    if let Some(&(seen_at, n)) = state.alert_counts.lock().ok()?.get(&uid) {
        if seen_at == at {
            return Some(n);
        }
    }
    match alerts_of(state, ctx, &search, false).await {
        Ok(list) => {
            let n = list.iter().map(|a| a.1).sum();
            if let Ok(mut m) = state.alert_counts.lock() {
                m.insert(uid, (at, n));
            }
            Some(n)
        }
        Err(e) => {
            tracing::error!(error = %e, "alert count failed");
            None
        }
    }
}

/// `GET /alerts`: each saved search with its new matches since last seen, and "Mark as
/// seen".
pub async fn alerts_page(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    let list = match alerts_of(&state, &ctx, &search, true).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let labels = match Labels::load(&state, &ctx).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let mut items = Vec::new();
    for (s, new, hits) in &list {
        let names = hit_names(&state, &ctx, hits).await;
        let hits: Vec<_> = hits
            .iter()
            .map(|h| {
                context! {
                    url => hit_url(h),
                    title => hit_title(&ctx, &labels, h, &names),
                    type_label => value_label(&ctx, &labels, "record_type", &h.record_type),
                    date_from => h.date_from.clone(),
                }
            })
            .collect();
        items.push(context! {
            id => s.id,
            name => s.name.clone(),
            new => new,
            more => (*new as usize) > hits.len(),
            seen_at => s.seen_at.as_deref().and_then(|t| t.get(..10)).map(String::from),
            hits => hits,
        });
    }
    let total: u64 = list.iter().map(|a| a.1).sum();
    page(
        &state,
        &ctx,
        "search_alerts.html",
        context! { items => items, total => total },
    )
}

/// `POST /alerts/{id}/seen`: mark a saved search's matches as seen (audited as
/// `saved_search.seen`, holding the sequence, never the query).
pub async fn alert_seen(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<CsrfOnly>,
) -> Response {
    let uid = ctx.user.id;
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    match saved::saved_search(&state.store, uid, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::internal(e).into_response(),
    }
    let r = state
        .store
        .write(&ctx.actor, async |tx| {
            saved::mark_seen(tx, uid, id, search.applied()).await
        })
        .await;
    match r {
        Ok(()) => Redirect::to("/alerts?flash=alerts_seen").into_response(),
        Err(e) => WebError::internal(e).into_response(),
    }
}

/// The API's answer when this server runs without search.
pub(super) fn api_unavailable() -> Response {
    WebError::refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "search is not available on this server",
        None,
    )
    .into_response()
}

/// New matches of the caller's saved searches since they last marked each seen, counted
/// and listed with the caller's permissions at the time of the request. Reading them
/// writes nothing.
#[utoipa::path(get, path = "/api/v1/alerts",
    responses((status = 200, body = AlertsAnswer), (status = 401, body = crate::api::ApiError), (status = 503, body = crate::api::ApiError)),
    security(("bearer" = [])), tag = "search")]
pub async fn api_alerts(State(state): State<AppState>, ctx: SignedIn) -> Response {
    let Some(search) = state.search.clone() else {
        return api_unavailable();
    };
    match alerts_of(&state, &ctx, &search, true).await {
        Ok(list) => {
            let total = list.iter().map(|a| a.1).sum();
            let items = list
                .into_iter()
                .map(|(s, new, hits)| Alert {
                    url: format!("/search/saved/{}?new=1", s.id),
                    id: s.id,
                    name: s.name,
                    new,
                    seen_at: s.seen_at,
                    hits,
                })
                .collect();
            Json(AlertsAnswer { total, items }).into_response()
        }
        Err(e) => WebError::internal(format!("alerts failed: {e}")).into_response(),
    }
}
