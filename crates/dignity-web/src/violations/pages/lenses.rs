//! Violations pages: lens pages, the death-penalty watch and priority countries.

use super::*;

pub async fn lens_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(lens): Path<String>,
) -> Response {
    if !v::LENSES.contains(&lens.as_str()) {
        return WebError::not_found().into_response();
    }
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let counts = v::lens_counts(&state.store, &ctx.actor).await?;
        let c = counts.into_iter().find(|c| c.lens == lens).expect("known lens");
        let by_type: Vec<Json> = v::count_acts_by_type(&state.store, &ctx.actor, Some(&lens))
            .await?
            .into_iter()
            .map(|(t, n)| json!({ "label": vocab.label(&t, ctx.lang.code()), "count": n }))
            .collect();
        let f = EventFilter { lens: Some(lens.clone()), ..Default::default() };
        let (_, events) = v::list_events(&state.store, &ctx.actor, &f, PAGE, 0).await?;
        let (cases, statuses) = if lens == "death_penalty" {
            v::death_penalty_cases(&state.store, &ctx.actor).await?
        } else {
            (vec![], vec![])
        };
        Ok::<_, StoreError>(json!({
            "lens": lens, "counts": c, "by_type": by_type,
            "events": events.iter().map(|e| json!({ "id": e.id, "title": e.title, "start_date": e.start_date,
                "country": e.country.as_deref().map(|x| vocab.country_name(x, ctx.lang.code())).unwrap_or_default(), "acts": e.acts })).collect::<Vec<_>>(),
            "cases": cases,
            "statuses": statuses.iter().map(|(s, n)| json!({ "status": s, "count": n })).collect::<Vec<_>>(),
            "dp_statuses": v::DEATH_PENALTY_STATUSES,
            "may_write": crate::authz::may_write(&ctx),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_lens.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn death_penalty(
    State(state): State<AppState>,
    ctx: SignedIn,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    let event_id: i64 = f.get("event_id").parse().unwrap_or(0);
    let r = async {
        v::require(&state.store, &ctx.actor, Action::Update, v::EVENT, event_id).await?;
        let person =
            dignity_core::violations::picks::case_person(super::person_ref(&f.get("person")))?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        v::set_death_penalty(
            &mut tx,
            &DeathPenaltyInput {
                event_id,
                person_id: person,
                status: f.get("status"),
                charge: f.get("charge"),
                sentence_date: f.get("sentence_date"),
                execution_date: f.get("execution_date"),
                commutation_date: f.get("commutation_date"),
            },
        )
        .await?;
        tx.commit().await
    }
    .await;
    match r {
        Ok(_) => see_other("/violations/lenses/death_penalty?flash=saved"),
        Err(StoreError::Rejected(_)) => {
            see_other("/violations/lenses/death_penalty?error=vio_invalid")
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn priority_countries(
    State(state): State<AppState>,
    ctx: Allowed<gate::ManageSettings>,
    CsrfForm(f): CsrfForm<FormData>,
) -> Response {
    let codes: Vec<String> = f
        .get("countries")
        .split([',', ' ', ';'])
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let mut tx = state.store.begin(&ctx.actor).await?;
        v::set_priority_countries(&mut tx, &vocab, &codes).await?;
        tx.commit().await
    }
    .await;
    match r {
        Ok(_) => see_other("/violations?flash=saved"),
        Err(StoreError::Rejected(_)) => see_other("/violations?error=vio_invalid"),
        Err(e) => WebError::from(e).into_response(),
    }
}
