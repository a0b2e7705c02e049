//! The public pages: the portal's home, a published record, country profiles, public
//! dashboards and publications, rendered as the anonymous visitor.

use super::*;

/// `GET /public`: what has been published.
pub async fn home(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Response {
    public_page(&state, ctx, &headers, "portal_home.html", async |state: &AppState, ctx: &Ctx| {
        let counts = portal::published_counts(&state.store).await?;
        let mut sections = Vec::new();
        for (rt, n) in &counts {
            let t = rt.table();
            let mut items = Vec::new();
            for id in portal::published_ids(&state.store, *rt, 20, 0).await? {
                items.push(public_record(state, ctx, t, id).await?);
            }
            sections.push(context! { record_type => t, label => type_label(ctx, t), count => n, items => items });
        }
        let pubs: Vec<Value> = portal::publications(&state.store)
            .await?
            .into_iter()
            .filter(|p| p.lang == ctx.lang.code() || p.lang == "en")
            .map(|p| context! { slug => p.slug, title => p.title, kind => p.kind, lang => p.lang, published_at => p.published_at.get(..10).unwrap_or("").to_string() })
            .collect();
        let published = portal::published_countries(&state.store).await?;
        let countries: Vec<Value> = reference::countries(&state.store, ctx.lang.code(), None)
            .await?
            .into_iter()
            .filter(|c| published.contains(&c.iso3))
            .map(|c| context! { iso3 => c.iso3, name => c.name })
            .collect();
        let dashboards = dashboards_list(state).await?;
        Ok(Some(context! { sections => sections, publications => pubs, countries => countries, dashboards => dashboards }))
    })
    .await
}

/// `GET /public/records/{type}/{id}`: one published record (404 for anything else).
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((record_type, id)): Path<(String, i64)>,
) -> Response {
    public_page(
        &state,
        ctx,
        &headers,
        "portal_record.html",
        async |state: &AppState, ctx: &Ctx| {
            let Some(rt) = RecordType::from_table(&record_type).filter(|t| t.is_publishable())
            else {
                return Ok(None);
            };
            if !portal::is_public(&state.store, rt, id).await? {
                return Ok(None);
            }
            let r = public_record(state, ctx, rt.table(), id).await?;
            Ok(Some(context! { record => r }))
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct CountryPick {
    #[serde(default)]
    iso3: String,
}

/// `GET /public/countries?iso3=…` (the country form without JavaScript).
pub async fn country_pick(Query(p): Query<CountryPick>) -> Response {
    let iso3: String = p
        .iso3
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .take(3)
        .collect();
    Redirect::to(&format!("/public/countries/{}", iso3.to_ascii_uppercase())).into_response()
}

/// `GET /public/countries/{iso3}`: ratifications, reporting, visits and recommendations.
pub async fn country(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(iso3): Path<String>,
) -> Response {
    let iso3 = iso3.to_ascii_uppercase();
    public_page(&state, ctx, &headers, "portal_country.html", async |state: &AppState, ctx: &Ctx| {
        // Only the profiles an administrator has put on the portal.
        if portal::country_published_since(&state.store, &iso3).await?.is_none() {
            return Ok(None);
        }
        let Some(c) = reference::countries(&state.store, ctx.lang.code(), None)
            .await?
            .into_iter()
            .find(|c| c.iso3 == iso3)
        else {
            return Ok(None);
        };
        let today = chrono::Utc::now().date_naive();
        let ratifications: Vec<Value> = obligations::ratifications(&state.store, &iso3)
            .await?
            .into_iter()
            // Nothing recorded reads `unknown` ("No information") from the store.
            .map(|r| context! {
                instrument => r.instrument, name => r.instrument_name, status => r.status,
                signature => r.signature, consent => r.consent, consent_kind => r.consent_kind,
                entry_into_force => r.entry_into_force, source => r.source,
                fact_source => r.fact_source, as_of => r.as_of,
            })
            .collect();
        // The reporting status: the report outstanding under each treaty, as the internal
        // page, the PDF report and the API show it (one function computes it).
        let all = obligations::reports::reports(&state.store, &iso3, today).await?;
        let outstanding: Vec<obligations::reports::Report> = obligations::reports::outstanding(&all)
            .into_iter()
            // The office's own notes stay internal.
            .map(|r| obligations::reports::Report { note: String::new(), ..r })
            .collect();
        let reports = Value::from_serialize(outstanding);
        let visits: Vec<Value> = obligations::reports::visits(&state.store, &iso3)
            .await?
            .into_iter()
            .map(|v| context! { mandate => if v.mandate_name.is_empty() { v.mandate_code } else { v.mandate_name }, status => v.status, start => v.visit_start, end => v.visit_end })
            .collect();
        let filter = obligations::recs::RecFilter {
            country: Some(iso3.clone()),
            per_page: Some(50),
            ..Default::default()
        };
        let recs = obligations::recs::search(&state.store, &Actor::anonymous(), &filter, false).await?;
        let rec_items: Vec<Value> = recs
            .items
            .into_iter()
            .map(|r| context! { body => r.body, date => r.date, text => r.text, position => r.position, status => r.status })
            .collect();
        Ok(Some(context! {
            country => context! { iso3 => c.iso3, name => c.name },
            ratifications => ratifications,
            reports => reports,
            visits => visits,
            recommendations => rec_items,
            recommendations_total => recs.total,
        }))
    })
    .await
}

/// The public dashboards, for the lists.
pub(super) async fn dashboards_list(state: &AppState) -> Result<Vec<Value>, StoreError> {
    Ok(portal::public_dashboards(&state.store)
        .await?
        .into_iter()
        .map(|d| context! { id => d.id, slug => d.slug, title => d.title, published_at => d.published_at.get(..10).unwrap_or("").to_string() })
        .collect())
}

/// `GET /public/dashboards/{slug}`: a published dashboard, counted now as the anonymous
/// visitor (published acts of public confidentiality in published public events), with
/// its maps, charts and tables.
pub async fn public_dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    public_page(&state, ctx, &headers, "portal_dashboard.html", async |state: &AppState, ctx: &Ctx| {
        let Some(d) = portal::public_dashboard(&state.store, &slug).await? else {
            return Ok(None);
        };
        let f = dignity_store::reports::DashFilter::parse(&d.filter);
        // The anonymous actor: the same counts as `portal::public_dashboard_counts`.
        let v = crate::dashboards::dashboard_context(&state.store, &ctx.actor, ctx.lang, &f).await?;
        Ok(Some(context! {
            dashboard => context! { title => d.title, published_at => d.published_at.get(..10).unwrap_or("").to_string() },
            ..v
        }))
    })
    .await
}

/// `GET /public/publications/{slug}`: a published snapshot, in the reader's language if
/// there is one.
pub async fn publication(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    public_page(&state, ctx, &headers, "portal_publication.html", async |state: &AppState, ctx: &Ctx| {
        let p = portal::publication(&state.store, &slug, ctx.lang.code()).await?;
        Ok(p.map(|p| context! { publication => context! { title => p.title, kind => p.kind, lang => p.lang, html => p.html, published_at => p.published_at.get(..10).unwrap_or("").to_string() } }))
    })
    .await
}
