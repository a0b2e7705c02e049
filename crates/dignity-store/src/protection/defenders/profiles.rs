//! Defenders' profiles: create, update, read (names as the reader may see them), list.

use super::*;

/// The protection profile of a defender: what the profile form enters and the record shows
/// (both embed it flattened: the JSON fields stay at the top level).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DefenderProfile {
    pub organisation: String,
    /// ISO 3166-1 alpha-3.
    pub country: Option<String>,
    pub region: String,
    pub contact: String,
    pub whereabouts: String,
    /// The team member who is the defender's contact point.
    pub contact_user: Option<i64>,
    /// Codes of the local vocabulary "area".
    pub areas: Vec<String>,
    /// hrd, journalist, media_worker, trade_unionist.
    pub sdg_status: String,
    /// The defender (or, after their death, their family) consents to being named on the
    /// public memorial.
    pub memorial_consent: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DefenderInput {
    #[serde(flatten)]
    pub person: NewPerson,
    #[serde(flatten)]
    pub profile: DefenderProfile,
    /// Default confidential. Raw: [`v::level`] parses it (`dignity_core::violations::level`).
    pub confidentiality: String,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Defender {
    pub id: i64,
    pub person_id: i64,
    /// Name, or pseudonym for readers who may not see names.
    pub name: String,
    pub sex: Option<String>,
    pub age_group: String,
    #[serde(flatten)]
    pub profile: DefenderProfile,
    pub contact_user_name: String,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
    pub created_at: String,
    pub updated_at: String,
}

struct ValidDefender {
    country: Option<String>,
    profile: rules::Profile,
    level: Confidentiality,
}

/// The profile parsed by the core rules, against the local vocabulary of areas (retired
/// terms included: a profile keeps them).
async fn validate(store: &Store, vocab: &Vocab, d: &DefenderInput) -> Result<ValidDefender> {
    let known: Vec<String> = terms(store, "area", "en", true)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect();
    let p = &d.profile;
    let profile = rules::parse_profile(&p.sdg_status, &p.organisation, &p.areas, &known)?;
    Ok(ValidDefender {
        country: vocab.check_country(&p.country)?,
        profile,
        level: v::level(&d.confidentiality, Confidentiality::Confidential)?,
    })
}

/// Bind the profile's columns of row `id`, in this order: organisation, country, region,
/// contact, whereabouts, contact_user, sdg_status, memorial_consent (the insert and the
/// update list them alike).
fn bind_profile<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    store: &Store,
    id: i64,
    p: &DefenderProfile,
    val: &ValidDefender,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(enc(
        store,
        "pro_defenders.organisation",
        id,
        &p.organisation,
    ))
    .bind(val.country.clone())
    .bind(enc_keep(store, "pro_defenders.region", id, &p.region))
    .bind(enc(store, "pro_defenders.contact", id, &p.contact))
    .bind(enc(store, "pro_defenders.whereabouts", id, &p.whereabouts))
    .bind(p.contact_user)
    .bind(val.profile.sdg_status.as_str().to_string())
    .bind(p.memorial_consent as i64)
}

async fn check_user(tx: &mut WriteTx, id: Option<i64>) -> Result<()> {
    if let Some(u) = id {
        if !row_exists(tx, "SELECT COUNT(*) FROM users WHERE id = $1", u).await? {
            return Err(no_such("contact_user", Refers::User, u).into());
        }
    }
    Ok(())
}

/// Create a defender's profile (and their person record unless `person_id` is given).
/// The contact point is put on the need-to-know list of a restricted profile. Audited.
pub async fn create_defender(tx: &mut WriteTx, vocab: &Vocab, d: &DefenderInput) -> Result<i64> {
    let store = tx.store().clone();
    let val = validate(&store, vocab, d).await?;
    v::may_create(tx.actor(), val.level)?;
    check_user(tx, d.profile.contact_user).await?;
    let mut users = d.need_to_know_users.clone();
    if let Some(u) = d.profile.contact_user {
        if val.level.needs_list() && !users.contains(&u) {
            users.push(u);
            if let Some(me) = tx.actor().user_id.filter(|m| !users.contains(m)) {
                users.push(me);
            }
        }
    }
    let lists = Lists {
        users: &users,
        teams: &d.need_to_know_teams,
    };
    let person_id = (d.person)
        .resolve(
            tx,
            vocab,
            "pro_defenders",
            val.country.clone(),
            val.level,
            lists,
        )
        .await?;
    let at = now();
    let id = tx.next_id("pro_defenders").await?;
    let insert = sqlx::query(
        "INSERT INTO pro_defenders (person_id, organisation, country, region, contact, whereabouts, contact_user, sdg_status, \
         memorial_consent, confidentiality, published, created_by, created_at, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,0,$11,$12,$12,$13)",
    )
    .bind(person_id);
    bind_profile(insert, &store, id, &d.profile, &val)
        .bind(val.level.as_str())
        .bind(tx.actor().user_id)
        .bind(&at)
        .bind(id)
        .execute(tx.conn())
        .await?;
    set_areas(tx, id, &val.profile.areas).await?;
    set_list(tx, DEFENDER, id, val.level, &users, &d.need_to_know_teams).await?;
    tx.audit(
        "defender.create",
        DEFENDER,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(d).unwrap_or_default()),
        serde_json::json!({ "person_id": person_id, "confidentiality": val.level.as_str() }),
    );
    Ok(id)
}

async fn set_areas(tx: &mut WriteTx, id: i64, areas: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM pro_defender_areas WHERE defender_id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    for a in areas {
        sqlx::query("INSERT INTO pro_defender_areas (defender_id, code) VALUES ($1, $2)")
            .bind(id)
            .bind(a)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Update the protection profile (not the person record, which the violations pages edit).
pub async fn update_defender(
    tx: &mut WriteTx,
    vocab: &Vocab,
    id: i64,
    d: &DefenderInput,
) -> Result<()> {
    let store = tx.store().clone();
    let val = validate(&store, vocab, d).await?;
    check_user(tx, d.profile.contact_user).await?;
    let before = get_defender(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("defender {id}")))?;
    let update = sqlx::query(
        "UPDATE pro_defenders SET organisation = $1, country = $2, region = $3, contact = $4, whereabouts = $5, contact_user = $6, \
         sdg_status = $7, memorial_consent = $8, updated_at = $9 WHERE id = $10",
    );
    bind_profile(update, &store, id, &d.profile, &val)
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    set_areas(tx, id, &val.profile.areas).await?;
    tx.audit(
        "defender.update",
        DEFENDER,
        &id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(d).unwrap_or_default()),
        serde_json::json!({ "memorial_consent": d.profile.memorial_consent }),
    );
    Ok(())
}

/// A defender's profile, decrypted, with the person's real name (callers decide whether
/// the reader may see it: see [`defender_for`]).
pub async fn get_defender(store: &Store, id: i64) -> Result<Option<Defender>> {
    let Some(r) = sqlx::query(
        "SELECT d.id, d.person_id, d.organisation, d.country, d.region, d.contact, d.whereabouts, d.contact_user, \
         COALESCE(u.username, ''), d.sdg_status, d.memorial_consent, d.confidentiality, d.created_at, d.updated_at \
         FROM pro_defenders d LEFT JOIN users u ON u.id = d.contact_user WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let person_id: i64 = r.get(1);
    let p = v::get_person(store, person_id)
        .await?
        .ok_or_else(|| StoreError::Internal(format!("defender {id} without person")))?;
    let areas =
        sqlx::query("SELECT code FROM pro_defender_areas WHERE defender_id = $1 ORDER BY code")
            .bind(id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
    Ok(Some(Defender {
        id,
        person_id,
        name: p.name,
        sex: p.sex,
        age_group: p.age_group,
        profile: DefenderProfile {
            organisation: dec(store, "pro_defenders.organisation", id, r.get(2))?,
            country: r.get(3),
            region: dec(store, "pro_defenders.region", id, r.get(4))?,
            contact: dec(store, "pro_defenders.contact", id, r.get(5))?,
            whereabouts: dec(store, "pro_defenders.whereabouts", id, r.get(6))?,
            contact_user: r.get(7),
            areas,
            sdg_status: r.get(9),
            memorial_consent: r.get::<i64, _>(10) == 1,
        },
        contact_user_name: r.get(8),
        confidentiality: stored_level(&r, 11),
        created_at: r.get(12),
        updated_at: r.get(13),
    }))
}

/// A defender as the actor may see them: `None` when missing or not readable. Readers who
/// may not see names get the pseudonym and no contact details or whereabouts.
pub async fn defender_for(store: &Store, actor: &Actor, id: i64) -> Result<Option<Defender>> {
    if !can(store, actor, Action::Read, DEFENDER, id).await? {
        return Ok(None);
    }
    let Some(mut d) = get_defender(store, id).await? else {
        return Ok(None);
    };
    if !v::sees_names(store, actor).await? {
        d.name = v::pseudonym(store, d.person_id);
        d.profile.contact.clear();
        d.profile.whereabouts.clear();
    }
    Ok(Some(d))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DefenderRow {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub region: String,
    pub areas: Vec<String>,
    pub contact_user_name: String,
    /// The latest risk level, if assessed.
    pub risk: String,
    pub next_review: String,
    pub open_measures: i64,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
}

/// Defenders the actor may see, optionally in one area of work or country.
pub async fn list_defenders(
    store: &Store,
    actor: &Actor,
    area: Option<&str>,
    country: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<DefenderRow>)> {
    let mut w = vec![profile_visible_sql(
        actor,
        "d",
        dignity_core::RecordType::Defender,
    )];
    let area = area
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(String::from);
    let country = country
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty());
    let mut binds: Vec<String> = vec![];
    if let Some(a) = &area {
        binds.push(a.clone());
        w.push(format!("EXISTS (SELECT 1 FROM pro_defender_areas x WHERE x.defender_id = d.id AND x.code = ${})", binds.len()));
    }
    if let Some(c) = &country {
        binds.push(c.clone());
        w.push(format!("d.country = ${}", binds.len()));
    }
    let w = w.join(" AND ");
    let sql = format!("SELECT COUNT(*) FROM pro_defenders d WHERE {w}");
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total: i64 = q.fetch_one(store.pool()).await?.get(0);
    let sql = format!(
        "SELECT d.id FROM pro_defenders d WHERE {w} ORDER BY d.id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let ids: Vec<i64> = q
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let names = v::sees_names(store, actor).await?;
    let mut out = vec![];
    for id in ids {
        let Some(d) = get_defender(store, id).await? else {
            continue;
        };
        let risk = risk_history(store, id)
            .await?
            .into_iter()
            .next()
            .map(|r| r.assessment);
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) FROM pro_measures WHERE defender_id = $1 AND status <> 'closed'",
        )
        .bind(id)
        .fetch_one(store.pool())
        .await?
        .get(0);
        out.push(DefenderRow {
            id,
            name: if names {
                d.name
            } else {
                v::pseudonym(store, d.person_id)
            },
            country: d.profile.country,
            region: d.profile.region,
            areas: d.profile.areas,
            contact_user_name: d.contact_user_name,
            risk: risk.as_ref().map(|r| r.level.clone()).unwrap_or_default(),
            next_review: risk.map(|r| r.next_review).unwrap_or_default(),
            open_measures: open,
            confidentiality: d.confidentiality,
        });
    }
    Ok((total, out))
}
