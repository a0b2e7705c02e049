//! The search page: results, facets and the reader's saved searches with their news.

use super::*;

/// The search page.
pub async fn search_page(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(search) = state.search.clone() else {
        return unavailable();
    };
    let params = Params::parse(query.as_deref().unwrap_or(""), search.facet_names());
    let req = reader_request(&state, &ctx, &params, ctx.lang.code()).await;
    let results = match search.search(&ctx.actor, &req) {
        Ok(r) => r,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let countries = match Labels::load(&state, &ctx).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    let base_query = params.to_query();
    let facets: Vec<_> = results
        .facets
        .iter()
        .map(|(name, values)| {
            let selected = params.filters.get(name).cloned().unwrap_or_default();
            let values: Vec<_> = values
                .iter()
                .map(|v| {
                    context! {
                        value => v.value.clone(),
                        label => value_label(&ctx, &countries, name, &v.value),
                        count => v.count,
                        checked => selected.contains(&v.value),
                    }
                })
                .collect();
            context! { name => name.clone(), label => facet_label(&ctx, name), values => values }
        })
        .collect();
    let names = hit_names(&state, &ctx, &results.hits).await;
    let hits: Vec<_> = results
        .hits
        .iter()
        .map(|h| {
            context! {
                url => hit_url(h),
                title => hit_title(&ctx, &countries, h, &names),
                snippet_html => h.snippet_html.clone(),
                type_label => value_label(&ctx, &countries, "record_type", &h.record_type),
                country => h.country.as_ref().map(|c| value_label(&ctx, &countries, "country", c)),
                date_from => h.date_from.clone(),
                date_to => h.date_to.clone(),
            }
        })
        .collect();
    let pages = (results.total as usize).div_ceil(PAGE_SIZE).max(1);
    let page_link = |n: usize| {
        let mut q = base_query.clone();
        if let Some(c) = params.changed_after {
            q.push_str(&format!("&changed_after={c}"));
        }
        format!("/search?{q}&page={n}")
    };
    // Saved searches of the signed-in user, with what is new since their last visit.
    let saved_list = match saved_with_news(&state, &ctx, &search).await {
        Ok(l) => l,
        Err(e) => return WebError::internal(e).into_response(),
    };
    // Export form (crate::exports): the same search, as a file.
    let can_export = ctx.actor.is_staff();
    let can_export_names = can_export
        && dignity_store::violations::sees_names(&state.store, &ctx.actor)
            .await
            .unwrap_or(false);
    let searched = !params.q.is_empty()
        || !params.filters.is_empty()
        || params.year_from.is_some()
        || params.year_to.is_some();
    page(
        &state,
        &ctx,
        "search_results.html",
        context! {
            q => params.q.clone(),
            year_from => params.year_from,
            year_to => params.year_to,
            new_only => params.changed_after.is_some(),
            searched => searched,
            total => results.total,
            hits => hits,
            facets => facets,
            page => params.page,
            pages => pages,
            prev => (params.page > 1).then(|| page_link(params.page - 1)),
            next => (params.page < pages).then(|| page_link(params.page + 1)),
            query => base_query,
            can_save => ctx.actor.is_staff() && ctx.via == AuthVia::Session,
            saved => saved_list,
            can_export => can_export,
            can_export_names => can_export_names,
            export_fields => params.form_fields(),
        },
    )
}

/// The signed-in staff member's saved searches, each with how many of its results are
/// new or changed since they last opened it — counted in the index with their permission
/// filter, so a count never includes a record they cannot open. Empty for others.
async fn saved_with_news(
    state: &AppState,
    ctx: &Ctx,
    search: &Search,
) -> Result<Vec<minijinja::Value>, StoreError> {
    let mut out = Vec::new();
    if let (Some(u), true) = (&ctx.user, ctx.actor.is_staff()) {
        for s in saved::saved_searches(&state.store, u.id).await? {
            let p = Params::parse(&s.query, search.facet_names());
            let mut req = reader_request(state, ctx, &p, ctx.lang.code()).await;
            req.changed_after = Some(s.seen_seq);
            let new = search.count(&ctx.actor, &req).unwrap_or(0);
            out.push(context! { id => s.id, name => s.name, new => new });
        }
    }
    Ok(out)
}

/// Alerts for the home page: the saved searches with new matches since the user last
/// looked (nothing is written or audited by looking at them). Empty when search is off,
/// for visitors, and on any error (the home page must not fail because of it).
pub async fn alerts(state: &AppState, ctx: &Ctx) -> Vec<minijinja::Value> {
    let Some(search) = state.search.clone() else {
        return Vec::new();
    };
    match saved_with_news(state, ctx, &search).await {
        Ok(list) => list
            .into_iter()
            .filter(|v| {
                v.get_attr("new")
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0)
                    > 0
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "saved search alerts failed");
            Vec::new()
        }
    }
}
