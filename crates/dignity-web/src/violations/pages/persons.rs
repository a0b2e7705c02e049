//! Violations pages: the persons list and a person's page.

use super::*;

#[derive(Deserialize, Default)]
pub struct PersonsQuery {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

pub async fn persons(
    State(state): State<AppState>,
    ctx: SignedIn,
    Query(q): Query<PersonsQuery>,
) -> Response {
    let page_no = q.page.unwrap_or(1).max(1);
    let role = q.role.clone().filter(|r| !r.is_empty());
    match v::list_persons(
        &state.store,
        &ctx.actor,
        q.name.as_deref(),
        role.as_deref(),
        PAGE,
        (page_no - 1) * PAGE,
    )
    .await
    {
        Ok((total, rows)) => page(
            &state,
            &ctx,
            "violations_persons.html",
            v(
                json!({ "total": total, "persons": rows, "name": q.name.unwrap_or_default(), "role": role.unwrap_or_default(),
                "roles": ["victim", "perpetrator", "source", "intervening_party"], "page": page_no,
                "has_prev": page_no > 1, "has_next": page_no * PAGE < total }),
            ),
        ),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn person_page(
    State(state): State<AppState>,
    ctx: SignedIn,
    Path(id): Path<i64>,
) -> Response {
    let r = async {
        let (p, full) = v::person_for(&state.store, &ctx.actor, id).await?.ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
        // An erased person (crypto-shredding) is shown as such and can no longer be edited.
        let erased = p.erased;
        let may_edit = !erased && full && crate::authz::may_write(&ctx) && v::can(&state.store, &ctx.actor, Action::Update, v::PERSON, id).await?;
        let may_erase = !erased && crate::authz::may(&ctx, dignity_core::auth::SystemAction::ErasePersons);
        let vocab = Vocab::load(&state.store).await?;
        let lang = ctx.lang.code();
        let acts: Vec<Json> = sqlx_acts_of_victim(&state, &ctx, id).await?;
        let links: Vec<Json> = v::person_links(&state.store, &ctx.actor, id)
            .await?
            .iter()
            .map(|l| json!({ "other": if l.from_id == id { l.to_id } else { l.from_id }, "link_type": vocab.label(&l.link_type, lang) }))
            .collect();
        let fields: Vec<Json> = [
            ("person_type", ctx.t(&format!("vio.person_type.{}", p.person_type))),
            ("other_names", p.other_names.join("; ")),
            ("sex", label(&vocab, ctx.lang, &p.sex)),
            ("gender", p.gender.clone()),
            ("birth_date", p.birth_date.clone()),
            ("age_group", if p.age_group.is_empty() { String::new() } else { ctx.t(&format!("vio.age.{}", p.age_group)) }),
            ("nationality", p.nationality.as_deref().map(|c| vocab.country_name(c, lang)).unwrap_or_default()),
            ("ethnicity", label(&vocab, ctx.lang, &p.ethnicity)),
            ("religion", label(&vocab, ctx.lang, &p.religion)),
            ("languages", p.languages.iter().map(|c| vocab.label(c, lang)).collect::<Vec<_>>().join(", ")),
            ("occupation", label(&vocab, ctx.lang, &p.occupation)),
            ("counting_unit", label(&vocab, ctx.lang, &p.counting_unit)),
            ("death_date", if p.deceased { if p.death_date.is_empty() { ctx.t("common.yes") } else { p.death_date.clone() } } else { String::new() }),
            ("contact", p.contact.clone()),
            ("address", p.address.clone()),
            ("notes", p.notes.clone()),
        ]
        .into_iter()
        .filter(|(_, val)| !val.is_empty())
        .map(|(k, val)| json!({ "key": k, "value": val }))
        .collect();
        Ok::<_, StoreError>(json!({
            "person": { "id": p.id, "name": if erased { ctx.t("vio.erase.erased_name") } else { p.name }, "pseudonym": p.pseudonym, "confidentiality": p.confidentiality },
            "full": full,
            "erased": erased,
            "may_erase": may_erase,
            "fields": fields,
            "roles": v::person_roles(&state.store, &ctx.actor, id).await?,
            "acts": acts,
            "links": links,
            "may_edit": may_edit,
            "opts": if may_edit { options(&vocab, lang, &["person_link"]) } else { json!({}) },
            "people": if may_edit { person_choices(&state, &ctx).await? } else { json!([]) },
            "problem": query_problem(&ctx),
        }))
    }
    .await;
    match r {
        Ok(c) => page(&state, &ctx, "violations_person.html", v(c)),
        Err(e) => WebError::from(e).into_response(),
    }
}

/// Acts in which a person is the victim, among those the reader may see.
async fn sqlx_acts_of_victim(
    state: &AppState,
    ctx: &Ctx,
    person: i64,
) -> Result<Vec<Json>, StoreError> {
    let vocab = Vocab::load(&state.store).await?;
    let f = v::ActFilter {
        victim_id: Some(person),
        ..Default::default()
    };
    let (_, rows) = v::list_acts(&state.store, &ctx.actor, &f, 1000, 0).await?;
    Ok(rows
        .into_iter()
        .map(|a| json!({ "id": a.id, "event_id": a.event_id, "event_title": a.event_title, "act_type": vocab.label(&a.act_type, ctx.lang.code()), "start_date": a.start_date }))
        .collect())
}
