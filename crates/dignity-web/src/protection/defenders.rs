//! Defenders: profile, attacks and threats, risk, measures, check-ins (pages and forms).

use super::*;
use crate::authz::{rec, CanWrite};

// ----------------------------------------------------------- defenders --

#[derive(Deserialize, Default)]
pub struct DefQuery {
    area: Option<String>,
    country: Option<String>,
}

async fn defenders_view(
    state: &AppState,
    ctx: &Ctx,
    q: &DefQuery,
    problem: Option<Json>,
    values: Json,
) -> Response {
    list_page(state, ctx, "protection_defenders.html", problem, values, async |vocab, lang| {
        let areas = p::terms(&state.store, "area", lang, false).await?;
        let (total, rows) = d::list_defenders(&state.store, &ctx.actor, q.area.as_deref(), q.country.as_deref(), 500, 0).await?;
        let rows: Vec<Json> = rows
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "name": r.name, "region": r.region, "risk": r.risk, "next_review": r.next_review,
                    "country": r.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                    "areas": r.areas.iter().map(|a| areas.iter().find(|t| &t.code == a).map(|t| t.label.clone()).unwrap_or(a.clone())).collect::<Vec<_>>().join(", "),
                    "contact": r.contact_user_name, "open_measures": r.open_measures, "confidentiality": r.confidentiality,
                })
            })
            .collect();
        Ok(json!({
            "total": total, "rows": rows, "areas": term_options(&areas), "area": q.area, "country": q.country,
            "countries": crate::violations::country_options(vocab, lang), "sexes": sex_options(vocab, lang),
            "statuses": words(ctx, "pro.sdg", d::SDG_STATUSES), "users": users(state).await?,
        }))
    })
    .await
}

pub async fn defenders(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<DefQuery>,
) -> Response {
    defenders_view(&state, &ctx, &q, None, json!({})).await
}

fn defender_input(f: &FormData) -> DefenderInput {
    DefenderInput {
        person: dignity_store::protection::NewPerson {
            person_id: opt_i64(&f.get("person_id")),
            name: f.get("name"),
            other_names: f
                .get("other_names")
                .split(';')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
            sex: f.opt("sex"),
            birth_date: f.get("birth_date"),
            age_group: f.get("age_group"),
        },
        profile: dignity_store::protection::defenders::DefenderProfile {
            organisation: f.get("organisation"),
            country: f.opt("country"),
            region: f.get("region"),
            contact: f.get("contact"),
            whereabouts: f.get("whereabouts"),
            contact_user: opt_i64(&f.get("contact_user")),
            areas: f.all("areas"),
            sdg_status: f.get("sdg_status"),
            memorial_consent: f.get("memorial_consent") == "1",
        },
        confidentiality: f.get("confidentiality"),
        need_to_know_users: vec![],
        need_to_know_teams: vec![],
    }
}

pub async fn defender_create(
    State(state): State<AppState>,
    ctx: MayWrite,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let input = defender_input(&body);
    let r = vocab_write(&state, &ctx, async |tx, vocab| {
        d::create_defender(tx, vocab, &input).await
    })
    .await;
    answer(
        &ctx,
        r,
        async |id| see_other(&format!("/protection/defenders/{id}?flash=saved")),
        async |pr| {
            defenders_view(&state, &ctx, &DefQuery::default(), Some(pr), body.to_json()).await
        },
    )
    .await
}

async fn defender_view(state: &AppState, ctx: &Ctx, id: i64, problem: Option<Json>) -> Response {
    let r = async {
        let df = d::defender_for(&state.store, &ctx.actor, id).await?.ok_or_else(|| StoreError::NotFound(format!("defender {id}")))?;
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let areas = p::terms(&state.store, "area", lang, true).await?;
        let attack_terms = p::terms(&state.store, "attack", lang, true).await?;
        let attacks: Vec<Json> = d::attacks_of(&state.store, &ctx.actor, id)
            .await?
            .iter()
            .map(|a| {
                json!({
                    "id": a.id, "act_id": a.act_id, "event_id": a.event_id, "date": a.facts.date,
                    "type": attack_terms.iter().find(|t| t.code == a.facts.attack_type).map(|t| t.label.clone()).unwrap_or(a.facts.attack_type.clone()),
                    "un_reprisal": a.facts.un_reprisal, "victim_status": a.facts.victim_status, "perpetrator_category": a.facts.perpetrator_category,
                    "motive": a.facts.motive, "sources": a.sources, "verified": a.verified,
                    "sex": crate::violations::label(&vocab, ctx.lang, &a.sex), "age_group": a.age_group,
                    "country": a.facts.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                })
            })
            .collect();
        let today = p::today();
        let sources: Vec<Json> = v::list_persons(&state.store, &ctx.actor, None, None, 300, 0)
            .await?
            .1
            .into_iter()
            .map(|p| json!({ "id": p.id, "name": p.name }))
            .collect();
        Ok::<_, StoreError>(json!({
            "d": {
                "id": df.id, "person_id": df.person_id, "name": df.name, "organisation": df.profile.organisation, "region": df.profile.region,
                "country": df.profile.country.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default(),
                "contact": df.profile.contact, "whereabouts": df.profile.whereabouts, "contact_user": df.contact_user_name,
                "sex": crate::violations::label(&vocab, ctx.lang, &df.sex), "age_group": df.age_group,
                "areas": df.profile.areas.iter().map(|a| areas.iter().find(|t| &t.code == a).map(|t| t.label.clone()).unwrap_or(a.clone())).collect::<Vec<_>>(),
                "sdg_status": df.profile.sdg_status, "memorial_consent": df.profile.memorial_consent, "confidentiality": df.confidentiality,
            },
            "attacks": attacks,
            "min_sources": d::MIN_SOURCES,
            "risk": d::risk_history(&state.store, id).await?,
            "measures": d::measures_of(&state.store, id).await?,
            "checkins": d::checkins_of(&state.store, id, today).await?,
            "today": today.to_string(),
            "attack_types": term_options(&p::terms(&state.store, "attack", lang, false).await?),
            "perp_categories": words(ctx, "pro.perp", d::PERPETRATOR_CATEGORIES),
            "motives": words(ctx, "pro.motive", d::MOTIVES),
            "statuses": words(ctx, "pro.sdg", d::SDG_STATUSES),
            "levels": words(ctx, "pro.risk", d::RISK_LEVELS),
            "factors": words(ctx, "pro.factor", d::RISK_FACTORS),
            "measure_types": words(ctx, "pro.measure", d::MEASURE_TYPES),
            "sources": sources,
            "may_edit": crate::authz::may_write(ctx),
            "problem": problem,
            "portal_panel": crate::portal::record_panel(state, ctx, dignity_core::RecordType::Defender, id, &format!("/protection/defenders/{id}")).await,
        }))
    }
    .await;
    view(state, ctx, "protection_defender.html", r)
}

pub async fn defender_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    defender_view(&state, &ctx, id, None).await
}

/// A POST on a defender whose right to update it was checked (the extractor
/// [`CanWrite`]`<`[`rec::Defender`]`>`, or the store's `require` where the path names a
/// measure or a check-in): `f` in one audited write, then the defender's page — or the page
/// again with the refusal, naming the field.
async fn defender_post<T>(
    state: AppState,
    ctx: &Ctx,
    id: i64,
    form: FormData,
    f: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab, &FormData) -> Result<T, StoreError>,
) -> Response {
    let r = vocab_write(&state, ctx, async |tx, vocab| f(tx, vocab, &form).await).await;
    answer(
        ctx,
        r,
        async |_| see_other(&format!("/protection/defenders/{id}?flash=saved")),
        async |pr| defender_view(&state, ctx, id, Some(pr)).await,
    )
    .await
}

/// A form on the page of defender `ctx.id`, whose right to update it the extractor
/// checked: `save` with the defender's id, in [`defender_post`].
async fn defender_form<T>(
    state: AppState,
    ctx: CanWrite<rec::Defender>,
    form: FormData,
    save: impl AsyncFnOnce(&mut dignity_store::WriteTx, &Vocab, i64, &FormData) -> Result<T, StoreError>,
) -> Response {
    let id = ctx.id;
    defender_post(state, &ctx, id, form, async |tx, vocab, f| {
        save(tx, vocab, id, f).await
    })
    .await
}

/// The defender a measure or a check-in belongs to, if the caller may update them (the
/// store's check: not readable answers *not found*).
async fn owner_to_update(state: &AppState, ctx: &Ctx, owner: Option<i64>) -> Result<i64, WebError> {
    let id = owner.ok_or_else(WebError::not_found)?;
    p::require(&state.store, &ctx.actor, Action::Update, p::DEFENDER, id).await?;
    Ok(id)
}

pub async fn attack_create(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Defender>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_form(state, ctx, body, async |tx, vocab, id, f| {
        let input = AttackInput {
            facts: dignity_store::protection::defenders::AttackFacts {
                defender_id: id,
                attack_type: f.get("attack_type"),
                date: f.get("date"),
                un_reprisal: f.get("un_reprisal") == "1",
                victim_status: f.get("victim_status"),
                perpetrator_category: f.get("perpetrator_category"),
                motive: f.get("motive"),
                ..Default::default()
            },
            title: f.get("title"),
            admin_area: f.get("admin_area"),
            place: f.get("place"),
            description: f.get("description"),
            source_ids: f
                .all("source_ids")
                .iter()
                .filter_map(|s| opt_i64(s))
                .collect(),
            ..Default::default()
        };
        d::record_attack(tx, vocab, &input).await
    })
    .await
}

pub async fn risk_create(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Defender>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_form(state, ctx, body, async |tx, _vocab, id, f| {
        d::assess_risk(
            tx,
            &RiskInput {
                defender_id: id,
                level: f.get("level"),
                factors: f.all("factors"),
                notes: f.get("notes"),
                assessed_on: f.get("assessed_on"),
                next_review: f.get("next_review"),
            },
        )
        .await
    })
    .await
}

pub async fn measure_create(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Defender>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_form(state, ctx, body, async |tx, _vocab, id, f| {
        d::request_measure(
            tx,
            &MeasureInput {
                defender_id: id,
                measure_type: f.get("measure_type"),
                requested_on: f.get("requested_on"),
                amount: f.get("amount"),
                currency: f.get("currency"),
                host: f.get("host"),
                period_start: f.get("period_start"),
                period_end: f.get("period_end"),
                visa: f.get("visa"),
                security_plan: f.get("security_plan"),
                description: f.get("description"),
                intervention_id: opt_i64(&f.get("intervention_id")),
            },
        )
        .await
    })
    .await
}

pub async fn checkin_create(
    State(state): State<AppState>,
    ctx: CanWrite<rec::Defender>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    defender_form(state, ctx, body, async |tx, _vocab, id, f| {
        d::add_checkin(tx, id, opt_i64(&f.get("measure_id")), &f.get("due_on")).await
    })
    .await
}

pub async fn measure_status(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(mid): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let owner = d::get_measure(&state.store, mid).await.ok().flatten();
    let def = match owner_to_update(&state, &ctx, owner.map(|m| m.defender_id)).await {
        Ok(def) => def,
        Err(e) => return e.into_response(),
    };
    defender_post(state, &ctx, def, body, async |tx, _vocab, f| {
        d::advance_measure(
            tx,
            mid,
            &MeasureStatusInput {
                status: f.get("status"),
                on_date: f.get("on_date"),
                cost: f.get("cost"),
                cost_currency: f.get("cost_currency"),
                outcome: f.get("outcome"),
            },
        )
        .await
    })
    .await
}

pub async fn checkin_done(
    State(state): State<AppState>,
    ctx: MayWrite,
    Path(cid): Path<i64>,
    CsrfForm(body): CsrfForm<FormData>,
) -> Response {
    let owner = d::checkins_owner(&state.store, cid).await.ok().flatten();
    let def = match owner_to_update(&state, &ctx, owner).await {
        Ok(def) => def,
        Err(e) => return e.into_response(),
    };
    defender_post(state, &ctx, def, body, async |tx, _vocab, f| {
        d::complete_checkin(tx, cid, &f.get("done_on"), &f.get("notes")).await
    })
    .await
}
