//! Violations pages: an intervention's page and the due and overdue list.

use super::*;

pub async fn intervention_page(
    State(state): State<AppState>,
    ctx: CanRead<rec::Intervention>,
    Path(id): Path<i64>,
) -> Response {
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let i = interventions::get_intervention(&state.store, id)
            .await?
            .ok_or_else(|| StoreError::NotFound("intervention".into()))?;
        let party = match i.intervening_party_id {
            Some(p) => v::display_name(&state.store, &ctx.actor, p).await?,
            None => String::new(),
        };
        let mut j = intervention_json(&vocab, ctx.lang, &i);
        j["description"] = json!(i.description);
        j["response_text"] = json!(i.response_text);
        j["impact"] = json!(label(&vocab, ctx.lang, &i.impact));
        j["party"] = json!(party);
        j["events"] = json!(i.events);
        j["acts"] = json!(i.acts);
        // Special procedures' communications that follow this intervention's reply clock.
        j["communications"] = json!(dignity_store::obligations::reports::communications_of_intervention(&state.store, id)
            .await?
            .into_iter()
            .map(|(iso3, c)| json!({ "iso3": iso3, "reference": c.reference, "mandate_code": c.mandate_code, "sent": c.sent }))
            .collect::<Vec<_>>());
        let may_edit = crate::authz::may_write(&ctx)
            && v::can(
                &state.store,
                &ctx.actor,
                Action::Update,
                v::INTERVENTION,
                id,
            )
            .await?;
        Ok::<_, StoreError>(json!({ "it": j, "may_edit": may_edit,
            "opts": options(&vocab, ctx.lang.code(), &["response_type", "status", "impact"]) }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_intervention.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct DueQuery {
    #[serde(default)]
    scope: Option<String>,
}

pub async fn due(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<DueQuery>,
) -> Response {
    let scope = match q.scope.as_deref() {
        Some("team") => "team",
        Some("all") => "all",
        _ => "mine",
    };
    let r = async {
        let vocab = Vocab::load(&state.store).await?;
        let today = chrono::Utc::now().date_naive();
        let list = interventions::deadlines(&state.store, &ctx.actor, scope, today, 14).await?;
        Ok::<_, StoreError>(json!({
            "scope": scope,
            "scopes": ["mine", "team", "all"],
            "today": today.to_string(),
            "items": list.iter().map(|d| json!({ "id": d.intervention_id, "int_type": label(&vocab, ctx.lang, &Some(d.int_type.clone())),
                "kind": d.kind, "due": d.due, "overdue": d.overdue, "days": d.days_left.abs(), "addressees": d.addressees })).collect::<Vec<_>>(),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_due.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}
