//! The obligations area's pages: the matrix, a State's profile, deadlines, mandates, the recommendations list and one recommendation, the follow-up report.

use super::*;

// ------------------------------------------------------------------ matrix --

pub async fn matrix_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<MatrixFilter>,
) -> Response {
    let store = &state.store;
    let r = async {
        Ok::<_, StoreError>((
            ob::matrix(store, ctx.lang.code(), &f).await?,
            dignity_store::reference::regions(store).await?,
            ob::regional_groups(store).await?,
        ))
    }
    .await;
    match r {
        Ok((m, regions, groups)) => {
            let groups: Vec<Value> = groups
                .iter()
                .map(|g| context! { code => g, name => ctx.t(&format!("obl.group.{g}")) })
                .collect();
            page(
                &state,
                &ctx,
                "obligations_matrix.html",
                context! {
                    matrix => Value::from_serialize(&m),
                    regions => regions,
                    groups => groups,
                    region => f.region.clone().unwrap_or_default(),
                    group => f.group.clone().unwrap_or_default(),
                    system => f.system.clone().unwrap_or_else(|| "un".into()),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

// ----------------------------------------------------------------- country --

pub async fn country_page(
    State(state): State<AppState>,
    CountryPage { ctx, iso3, name }: CountryPage,
) -> Result<Response, WebError> {
    let store = &state.store;
    let actor = &ctx.actor;
    let rats = ob::ratifications(store, &iso3).await?;
    // The as-of date and the source of each Council of Europe fact (issue 17 item 3): the
    // shipped file keeps them, the table keeps the status.
    let coe_facts: HashMap<&str, Value> = rats
        .iter()
        .filter(|r| r.source == ob::coe::SOURCE)
        .filter_map(|r| dignity_core::refdata::shipped_coe_fact(&iso3, &r.instrument))
        .map(|f| {
            let eif = f.entry_into_force.map(|d| d.to_string());
            let denounced = f.denunciation.map(|d| d.to_string());
            let fact = context! {
                as_of => f.as_of_label(), source => f.sources.first().cloned().unwrap_or_default(),
                entry_into_force => eif, denunciation => denounced,
            };
            (f.instrument.as_str(), fact)
        })
        .collect();
    let procs = ob::procedures(&rats);
    let all = reports::reports(store, &iso3, ob::today() + chrono::Duration::days(365)).await?;
    let outstanding = reports::outstanding(&all);
    let visits = reports::visits(store, &iso3).await?;
    let invitation = reports::standing_invitation_record(store, &iso3).await?;
    let by_body = recs::counts_by(store, actor, &iso3, "body").await?;
    let by_theme = recs::counts_by(store, actor, &iso3, "theme").await?;
    let by_status = recs::counts_by(store, actor, &iso3, "status").await?;
    let by_position = recs::counts_by(store, actor, &iso3, "position").await?;
    let mut by_action = recs::counts_by(store, actor, &iso3, "action").await?;
    in_scale_order(&mut by_action);
    let mandates = reports::mandates(store).await?;
    let comms = reports::communications(store, actor, &iso3).await?;
    let clusters = tracking::clusters(store, &iso3).await?;
    let names = HashMap::new();
    let body_rows = facet_rows(&ctx, "body", &by_body, &names);
    let theme_rows = facet_rows(&ctx, "theme", &by_theme, &names);
    let status_rows = facet_rows(&ctx, "status", &by_status, &names);
    let position_rows = facet_rows(&ctx, "position", &by_position, &names);
    let action_rows = facet_rows(&ctx, "action", &by_action, &names);
    let total: i64 = by_body.iter().map(|b| b.count).sum();
    let chart = |id: &str, key: &str, rows: &[(String, i64)]| {
        if rows.is_empty() {
            Value::from(())
        } else {
            Value::from_safe_string(bar_chart(id, &ctx.t(key), rows))
        }
    };
    let table = |key: &str, rows: &[(String, i64)], raw: &[recs::FacetValue]| -> Vec<Value> {
        rows.iter()
            .zip(raw)
            .map(|((label, n), f)| {
                context! {
                    label => label, count => n, value => f.value.clone(),
                    href => format!("/obligations/recommendations?country={iso3}&{key}={}", enc(&f.value)),
                    follow_up => format!("/obligations/countries/{iso3}/follow-up?body={}", enc(&f.value)),
                }
            })
            .collect()
    };
    let portal_panel = crate::portal::country_panel(&state, &ctx, &iso3).await;
    Ok(page(
        &state,
        &ctx,
        "obligations_country.html",
        context! {
            portal_panel => portal_panel,
            iso3 => iso3.clone(),
            name => name,
            can_edit => can_edit(&ctx),
            ratifications => Value::from_serialize(&rats),
            coe_facts => coe_facts,
            procedures => Value::from_serialize(&procs),
            outstanding => Value::from_serialize(&outstanding),
            visits => Value::from_serialize(&visits),
            invitation => invitation.as_ref().map(|i| i.since.clone()),
            invitation_source => invitation.map(|i| i.source),
            mandates => Value::from_serialize(&mandates),
            visit_statuses => reports::VISIT_STATUSES.to_vec(),
            comm_types => rules::COMMUNICATION_TYPES.to_vec(),
            reply_statuses => rules::REPLY_STATUSES.to_vec(),
            communications => Value::from_serialize(&comms),
            clusters => Value::from_serialize(&clusters),
            cluster_bases => ["theme", "affected", "sdg", "manual"].to_vec(),
            total => total,
            by_body => table("body", &body_rows, &by_body),
            by_theme => table("theme", &theme_rows, &by_theme),
            by_status => table("status", &status_rows, &by_status),
            by_position => table("position", &position_rows, &by_position),
            by_action => table("action", &action_rows, &by_action),
            chart_position => chart("chart-position", "obl.country.chart_position", &position_rows),
            chart_action => chart("chart-action", "obl.country.chart_action", &action_rows),
            chart_body => chart("chart-body", "obl.country.chart_body", &body_rows),
            chart_theme => chart("chart-theme", "obl.country.chart_theme", &theme_rows),
            chart_status => chart("chart-status", "obl.country.chart_status", &status_rows),
        },
    ))
}

// --------------------------------------------------------------- deadlines --

#[derive(Deserialize, Default)]
pub struct DaysQuery {
    days: Option<i64>,
}

pub async fn deadlines_page(
    State(state): State<AppState>,
    CountryPage { ctx, iso3, name }: CountryPage,
    Query(q): Query<DaysQuery>,
) -> Response {
    let days = q.days.unwrap_or(365).clamp(1, 3650);
    let r = async {
        Ok::<_, StoreError>((
            reports::deadlines(&state.store, &iso3, days).await?,
            reports::reports(
                &state.store,
                &iso3,
                ob::today() + chrono::Duration::days(days),
            )
            .await?,
            tracking::due_actions(&state.store, &iso3, days).await?,
        ))
    }
    .await;
    match r {
        Ok((due, all, actions)) => {
            let recorded: Vec<_> = all.iter().filter(|r| r.recorded).cloned().collect();
            let instruments: Vec<String> = {
                let mut v: Vec<String> = all.iter().map(|r| r.instrument.clone()).collect();
                v.dedup();
                v
            };
            page(
                &state,
                &ctx,
                "obligations_deadlines.html",
                context! {
                    iso3 => iso3, name => name, days => days, due => Value::from_serialize(&due),
                    recorded => Value::from_serialize(&recorded), instruments => instruments, can_edit => can_edit(&ctx),
                    actions => Value::from_serialize(&actions),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

/// `GET /obligations/mandates`: special procedure mandates and their holders over time.
pub async fn mandates_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        Ok::<_, StoreError>((
            reports::mandates(&state.store).await?,
            ob::country_names(&state.store, ctx.lang.code()).await?,
        ))
    }
    .await;
    let (mandates, names) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    let mut countries: Vec<(String, String)> = names.clone().into_iter().collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    page(
        &state,
        &ctx,
        "obligations_mandates.html",
        context! {
            mandates => mandates.iter().map(|m| context! {
                ..Value::from_serialize(m),
                ..context! { country => m.iso3.as_ref().and_then(|c| names.get(c).cloned()) }
            }).collect::<Vec<_>>(),
            countries => countries.iter().map(|(c, n)| context! { code => c, name => n }).collect::<Vec<_>>(),
            can_edit => can_edit(&ctx),
        },
    )
}

// --------------------------------------------------------- recommendations --

/// The filter of a recommendations query string. A facet may be given several times
/// (`?body=CCPR&body=CAT`): the values are OR-ed within the facet. Returns the filter and
/// every (key, value) pair given, in order.
pub(super) fn rec_filter(raw: Option<&str>) -> Result<(RecFilter, Vec<(String, String)>), String> {
    let mut seen = std::collections::HashSet::new();
    let mut first = url::form_urlencoded::Serializer::new(String::new());
    let mut also = vec![];
    let mut pairs = vec![];
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if v.trim().is_empty() {
            continue;
        }
        let repeated = !seen.insert(k.to_string());
        if !repeated {
            first.append_pair(&k, &v);
        } else if recs::MULTI_FACETS.contains(&k.as_ref()) {
            also.push((k.to_string(), v.to_string()));
        } else {
            continue;
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    let uri: axum::http::Uri = format!("/?{}", first.finish())
        .parse()
        .map_err(|e: axum::http::uri::InvalidUri| e.to_string())?;
    let Query(mut f) = Query::<RecFilter>::try_from_uri(&uri).map_err(|e| e.body_text())?;
    f.also = also;
    Ok((f, pairs))
}

pub async fn recommendations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Response {
    let (f, pairs) = match rec_filter(raw.as_deref()) {
        Ok(x) => x,
        Err(_) => {
            return WebError::keyed(StatusCode::BAD_REQUEST, "error.bad_request").into_response()
        }
    };
    let r = async {
        Ok::<_, StoreError>((
            recs::search(&state.store, &ctx.actor, &f, true).await?,
            ob::country_names(&state.store, ctx.lang.code()).await?,
        ))
    }
    .await;
    let (p, names) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    let mut facets = p.facets.clone().unwrap_or_default();
    in_scale_order(&mut facets.action);
    // Every facet value links to the current filters plus itself (several values of one
    // facet are OR-ed), or, when chosen already, to the filters without it.
    let base: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "page").collect();
    let href = |pairs: &[(String, String)]| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        format!("/obligations/recommendations?{}", s.finish())
    };
    let toggle = |k: &str, v: &str| {
        let on = base.iter().any(|(bk, bv)| bk == k && bv == v);
        let mut p: Vec<(String, String)> = base
            .iter()
            .filter(|(bk, bv)| !(bk == k && bv == v))
            .cloned()
            .collect();
        if !on {
            p.push((k.to_string(), v.to_string()));
        }
        (on, href(&p))
    };
    let without = |k: &str| {
        let p: Vec<(String, String)> = base.iter().filter(|(bk, _)| bk != k).cloned().collect();
        href(&p)
    };
    let paged = |n: i64| {
        let mut p = base.clone();
        p.push(("page".into(), n.to_string()));
        href(&p)
    };
    let groups: Vec<Value> = [
        ("mechanism", &facets.mechanism),
        ("body", &facets.body),
        ("country", &facets.country),
        ("from", &facets.from),
        ("theme", &facets.theme),
        ("affected", &facets.affected),
        ("sdg", &facets.sdg),
        ("position", &facets.position),
        ("action", &facets.action),
        ("status", &facets.status),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| {
        let rows = facet_rows(&ctx, k, v, &names);
        let any_active = base.iter().any(|(bk, _)| bk == k);
        let values: Vec<Value> = v
            .iter()
            .zip(rows)
            .take(25)
            .map(|(fv, (label, n))| {
                let (active, href) = toggle(k, fv.value.as_str());
                context! { label => label, count => n, href => href, active => active }
            })
            .collect();
        context! { key => k, values => values, clear => any_active.then(|| without(k)) }
    })
    .collect();
    let items: Vec<Value> = p
        .items
        .iter()
        .map(|r| {
            context! {
                id => r.id, body => r.body.clone(), mechanism => r.mechanism.clone(),
                country => names.get(&r.iso3).cloned().unwrap_or_else(|| r.iso3.clone()),
                from => r.recommending_iso3.as_ref().map(|f| names.get(f).cloned().unwrap_or_else(|| f.clone())),
                text => if r.text.chars().count() > 400 { format!("{}…", r.text.chars().take(400).collect::<String>()) } else { r.text.clone() },
                date => r.date.clone(), symbol => r.document_symbol.clone(),
                session => r.session.clone(), position => r.position.clone(), status => r.status.clone(),
                action => r.upr_action.map(|a| action_label(&ctx, &a.to_string())),
                themes => r.themes.clone(),
            }
        })
        .collect();
    let pages = (p.total + p.per_page - 1) / p.per_page;
    let mut countries: Vec<(String, String)> =
        names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let countries: Vec<Value> = countries
        .iter()
        .map(|(c, n)| context! { iso3 => c, name => n })
        .collect();
    page(
        &state,
        &ctx,
        "obligations_recommendations.html",
        context! {
            total => p.total, items => items, facets => groups,
            q => f.q.clone().unwrap_or_default(),
            country => f.country.clone().unwrap_or_default().to_ascii_uppercase(),
            countries => countries,
            page => p.page, pages => pages,
            prev => (p.page > 1).then(|| paged(p.page - 1)),
            next => (p.page < pages).then(|| paged(p.page + 1)),
            filtered => !f.is_empty(),
        },
    )
}

pub async fn recommendation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Response {
    let store = &state.store;
    let actor = &ctx.actor;
    let rec = match recs::get(store, actor, id).await {
        Ok(Some(r)) => r,
        Ok(None) => return WebError::not_found().into_response(),
        Err(e) => return WebError::from(e).into_response(),
    };
    let r = async {
        Ok::<_, StoreError>((
            tracking::history(store, actor, id).await?,
            tracking::assignments(store, id).await?,
            tracking::actions(store, id).await?,
            tracking::notes(store, actor, tracking::Target::Recommendation(id)).await?,
            ob::country_names(store, ctx.lang.code()).await?,
            tracking::clusters(store, &rec.iso3).await?,
        ))
    }
    .await;
    let (history, assignments, actions, notes, names, clusters) = match r {
        Ok(v) => v,
        Err(e) => return WebError::from(e).into_response(),
    };
    // The public portal panel (administrators) for the latest implementation assessment.
    let portal_panel = match history.last() {
        Some(a) => {
            crate::portal::record_panel(
                &state,
                &ctx,
                dignity_core::RecordType::Assessment,
                a.id,
                &format!("/obligations/recommendations/{id}"),
            )
            .await
        }
        None => None,
    };
    page(
        &state,
        &ctx,
        "obligations_recommendation.html",
        context! {
            portal_panel => portal_panel,
            r => Value::from_serialize(&rec),
            action => rec.upr_action.and_then(dignity_core::refdata::action_category).map(|c| context! {
                label => action_label(&ctx, &c.category.to_string()), definition => c.definition_en.clone(),
                source_url => c.source_url.clone(), source_date => c.source_date.clone(),
            }),
            country => names.get(&rec.iso3).cloned().unwrap_or_default(),
            from => rec.recommending_iso3.as_ref().and_then(|f| names.get(f).cloned()),
            history => history.iter().map(|a| {
                // Only web links are made clickable.
                let links: Vec<&str> = a.evidence.lines().map(str::trim)
                    .filter(|l| l.starts_with("https://") || l.starts_with("http://")).collect();
                context! { ..Value::from_serialize(a), ..context! { links => links } }
            }).collect::<Vec<_>>(),
            assignments => Value::from_serialize(&assignments),
            actions => Value::from_serialize(&actions),
            clusters => Value::from_serialize(&clusters),
            notes => Value::from_serialize(&notes),
            can_edit => can_edit(&ctx),
            staff => ctx.actor.is_staff(),
            statuses => recs::statuses(),
            levels => Confidentiality::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            kinds => tracking::INSTITUTION_KINDS.to_vec(),
            today => ob::today().to_string(),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct FollowUpQuery {
    body: Option<String>,
    since: Option<String>,
}

pub async fn follow_up_page(
    State(state): State<AppState>,
    CountryPage { ctx, iso3, name }: CountryPage,
    Query(q): Query<FollowUpQuery>,
) -> Response {
    let body = q.body.unwrap_or_else(|| "CCPR".into());
    let since = q
        .since
        .filter(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
        .unwrap_or_else(|| "1900-01-01".into());
    match tracking::follow_up(&state.store, &ctx.actor, &iso3, &body, &since).await {
        Ok(items) => {
            let bodies = recs::counts_by(&state.store, &ctx.actor, &iso3, "body")
                .await
                .unwrap_or_default();
            page(
                &state,
                &ctx,
                "obligations_followup.html",
                context! {
                    self_href => format!("/obligations/countries/{iso3}/follow-up?body={}", enc(&body)),
                    iso3 => iso3, name => name, body => body, since => since,
                    items => items.iter().map(|it| context! {
                        ..context! { action => it.recommendation.upr_action.map(|a| action_label(&ctx, &a.to_string())) },
                        ..Value::from_serialize(it)
                    }).collect::<Vec<_>>(),
                    bodies => bodies.iter().map(|b| b.value.clone()).collect::<Vec<_>>(),
                    generated => ob::today().to_string(),
                },
            )
        }
        Err(e) => WebError::from(e).into_response(),
    }
}
