//! Human rights defenders: profile, attacks and threats (violations events and acts with
//! the defender as victim and the SDG 16.10.1 minimum fields), risk assessments (history
//! kept), protection measures (requested → approved → delivered → closed) and check-ins.

use super::*;
use crate::now;
use crate::violations::{self as v, ActInput, EventInput, InformationInput, PersonInput, Vocab};

/// Victim status of SDG indicator 16.10.1.
pub const SDG_STATUSES: &[&str] = &["hrd", "journalist", "media_worker", "trade_unionist"];
/// Perpetrator categories of SDG indicator 16.10.1 (OHCHR metadata).
pub const PERPETRATOR_CATEGORIES: &[&str] = &[
    "state_actor",
    "armed_group",
    "organised_crime",
    "business",
    "private_individual",
    "unknown",
];
/// Motive of an attack.
pub const MOTIVES: &[&str] = &["work_related", "not_work_related", "unknown"];
/// Risk levels.
pub const RISK_LEVELS: &[&str] = &["low", "medium", "high", "extreme"];
/// Risk factors that can be ticked.
pub const RISK_FACTORS: &[&str] = &[
    "prior_attacks",
    "threats_received",
    "high_profile_case",
    "isolated_location",
    "family_targeted",
    "surveillance",
    "impunity",
    "stigmatisation",
    "gender_based",
];
/// Types of protection measure.
pub const MEASURE_TYPES: &[&str] = &[
    "emergency_grant",
    "relocation",
    "legal_support",
    "medical_support",
    "psychosocial_support",
    "digital_security",
    "trial_observation",
    "public_advocacy",
    "private_advocacy",
];
/// Statuses of a measure, in order.
pub const MEASURE_STATUSES: &[&str] = &["requested", "approved", "delivered", "closed"];

fn one_of(field: &str, v: &str, allowed: &[&str]) -> Result<String> {
    let t = v.trim();
    if allowed.contains(&t) {
        Ok(t.to_string())
    } else {
        Err(StoreError::invalid(
            field,
            format!("{t:?}: expected one of {}", allowed.join(", ")),
        ))
    }
}

// -------------------------------------------------------------- profiles --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DefenderInput {
    /// An existing person; otherwise a person is created from the fields below.
    pub person_id: Option<i64>,
    pub name: String,
    pub other_names: Vec<String>,
    /// Micro-thesaurus 39.
    pub sex: Option<String>,
    pub birth_date: String,
    /// child, youth, adult, elderly, unknown.
    pub age_group: String,
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
    /// Default confidential.
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
    pub organisation: String,
    pub country: Option<String>,
    pub region: String,
    pub contact: String,
    pub whereabouts: String,
    pub contact_user: Option<i64>,
    pub contact_user_name: String,
    pub areas: Vec<String>,
    pub sdg_status: String,
    pub memorial_consent: bool,
    pub confidentiality: String,
    pub created_at: String,
    pub updated_at: String,
}

struct ValidDefender {
    country: Option<String>,
    areas: Vec<String>,
    sdg_status: String,
    level: Confidentiality,
}

async fn validate(store: &Store, vocab: &Vocab, d: &DefenderInput) -> Result<ValidDefender> {
    let known: Vec<String> = terms(store, "area", "en", true)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect();
    let mut areas = Vec::new();
    for a in &d.areas {
        let a = a.trim();
        if a.is_empty() {
            continue;
        }
        if !known.iter().any(|k| k == a) {
            return Err(StoreError::invalid(
                "areas",
                format!("{a:?} is not an area of work"),
            ));
        }
        if !areas.iter().any(|x: &String| x == a) {
            areas.push(a.to_string());
        }
    }
    let sdg_status = if d.sdg_status.trim().is_empty() {
        "hrd".to_string()
    } else {
        one_of("sdg_status", &d.sdg_status, SDG_STATUSES)?
    };
    if d.organisation.chars().count() > 300 {
        return Err(StoreError::invalid(
            "organisation",
            "at most 300 characters",
        ));
    }
    Ok(ValidDefender {
        country: vocab.check_country(&d.country)?,
        areas,
        sdg_status,
        level: v::level(&d.confidentiality, Confidentiality::Confidential)?,
    })
}

async fn check_user(tx: &mut WriteTx, id: Option<i64>) -> Result<()> {
    if let Some(u) = id {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE id = $1")
            .bind(u)
            .fetch_one(tx.conn())
            .await?
            .get(0);
        if n == 0 {
            return Err(StoreError::invalid("contact_user", format!("no user {u}")));
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
    check_user(tx, d.contact_user).await?;
    let mut users = d.need_to_know_users.clone();
    if let Some(u) = d.contact_user {
        if val.level.needs_list() && !users.contains(&u) {
            users.push(u);
            if let Some(me) = tx.actor().user_id.filter(|m| !users.contains(m)) {
                users.push(me);
            }
        }
    }
    let person_id = match d.person_id {
        Some(p) => {
            super::ensure_person_free(tx, "pro_defenders", p, "a defender profile").await?;
            p
        }
        None => {
            v::create_person(
                tx,
                vocab,
                &PersonInput {
                    name: d.name.clone(),
                    other_names: d.other_names.clone(),
                    sex: d.sex.clone(),
                    birth_date: d.birth_date.clone(),
                    age_group: d.age_group.clone(),
                    nationality: val.country.clone(),
                    confidentiality: val.level.as_str().into(),
                    need_to_know_users: users.clone(),
                    need_to_know_teams: d.need_to_know_teams.clone(),
                    ..Default::default()
                },
            )
            .await?
        }
    };
    let at = now();
    let id = tx.next_id("pro_defenders").await?;
    sqlx::query(
        "INSERT INTO pro_defenders (person_id, organisation, country, region, contact, whereabouts, contact_user, sdg_status, \
         memorial_consent, confidentiality, published, created_by, created_at, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,0,$11,$12,$12,$13)",
    )
    .bind(person_id)
    .bind(enc(&store, "pro_defenders.organisation", id, &d.organisation))
    .bind(&val.country)
    .bind(enc_keep(&store, "pro_defenders.region", id, &d.region))
    .bind(enc(&store, "pro_defenders.contact", id, &d.contact))
    .bind(enc(&store, "pro_defenders.whereabouts", id, &d.whereabouts))
    .bind(d.contact_user)
    .bind(&val.sdg_status)
    .bind(d.memorial_consent as i64)
    .bind(val.level.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    set_areas(tx, id, &val.areas).await?;
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
    check_user(tx, d.contact_user).await?;
    let before = get_defender(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("defender {id}")))?;
    sqlx::query(
        "UPDATE pro_defenders SET organisation = $1, country = $2, region = $3, contact = $4, whereabouts = $5, contact_user = $6, \
         sdg_status = $7, memorial_consent = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(enc(&store, "pro_defenders.organisation", id, &d.organisation))
    .bind(&val.country)
    .bind(enc_keep(&store, "pro_defenders.region", id, &d.region))
    .bind(enc(&store, "pro_defenders.contact", id, &d.contact))
    .bind(enc(&store, "pro_defenders.whereabouts", id, &d.whereabouts))
    .bind(d.contact_user)
    .bind(&val.sdg_status)
    .bind(d.memorial_consent as i64)
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    set_areas(tx, id, &val.areas).await?;
    tx.audit(
        "defender.update",
        DEFENDER,
        &id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(d).unwrap_or_default()),
        serde_json::json!({ "memorial_consent": d.memorial_consent }),
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
        organisation: dec(store, "pro_defenders.organisation", id, r.get(2))?,
        country: r.get(3),
        region: dec(store, "pro_defenders.region", id, r.get(4))?,
        contact: dec(store, "pro_defenders.contact", id, r.get(5))?,
        whereabouts: dec(store, "pro_defenders.whereabouts", id, r.get(6))?,
        contact_user: r.get(7),
        contact_user_name: r.get(8),
        areas,
        sdg_status: r.get(9),
        memorial_consent: r.get::<i64, _>(10) == 1,
        confidentiality: r.get(11),
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
        d.contact.clear();
        d.whereabouts.clear();
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
    pub confidentiality: String,
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
        let risk = risk_history(store, id).await?.into_iter().next();
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
            country: d.country,
            region: d.region,
            areas: d.areas,
            contact_user_name: d.contact_user_name,
            risk: risk.as_ref().map(|r| r.level.clone()).unwrap_or_default(),
            next_review: risk.map(|r| r.next_review).unwrap_or_default(),
            open_measures: open,
            confidentiality: d.confidentiality,
        });
    }
    Ok((total, out))
}

// --------------------------------------------------------------- attacks --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttackInput {
    pub defender_id: i64,
    /// Add the act to this event; otherwise an event is created (title below).
    pub event_id: Option<i64>,
    pub title: String,
    /// Code of the local vocabulary "attack".
    pub attack_type: String,
    /// Override the type of act the attack type maps to (micro-thesaurus 4).
    pub act_type: String,
    pub date: String,
    pub country: Option<String>,
    pub admin_area: String,
    pub place: String,
    pub description: String,
    /// A reprisal for cooperation with the UN (also set by the attack type).
    pub un_reprisal: bool,
    /// SDG 16.10.1 victim status; default the defender's.
    pub victim_status: String,
    pub perpetrator_category: String,
    pub motive: String,
    /// A perpetrator (person id), with its type (micro-thesaurus 24).
    pub perpetrator_id: Option<i64>,
    pub perpetrator_type: Option<String>,
    /// Sources (person ids) whose information supports the attack.
    pub source_ids: Vec<i64>,
    /// Default: the defender's level.
    pub confidentiality: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attack {
    pub id: i64,
    pub defender_id: i64,
    pub event_id: i64,
    pub act_id: i64,
    pub attack_type: String,
    pub category: String,
    pub date: String,
    pub country: Option<String>,
    pub un_reprisal: bool,
    pub victim_status: String,
    pub sex: Option<String>,
    pub age_group: String,
    pub perpetrator_category: String,
    pub motive: String,
    /// Independent sources (distinct source persons) of the act.
    pub sources: i64,
    /// At least two independent sources: counted in the SDG 16.10.1 table.
    pub verified: bool,
}

/// Sources needed before an attack counts as verified.
pub const MIN_SOURCES: i64 = 2;

/// Record an attack or threat against a defender: an event (lens `hrd`) and an act with the
/// defender as victim, the SDG fields, the perpetrator and the sources. Returns the attack
/// id. Everything in one transaction (the caller's).
pub async fn record_attack(tx: &mut WriteTx, vocab: &Vocab, a: &AttackInput) -> Result<i64> {
    let store = tx.store().clone();
    let d = get_defender(&store, a.defender_id).await?.ok_or_else(|| {
        StoreError::invalid("defender_id", format!("no defender {}", a.defender_id))
    })?;
    let t = term(&store, "attack", a.attack_type.trim())
        .await?
        .filter(|t| t.active)
        .ok_or_else(|| StoreError::invalid("attack_type", "choose a type of attack"))?;
    let act_type = if a.act_type.trim().is_empty() {
        t.act_type.clone()
    } else {
        a.act_type.trim().to_string()
    };
    if act_type.is_empty() {
        return Err(StoreError::invalid(
            "act_type",
            "this type of attack has no type of act: choose one",
        ));
    }
    let victim_status = if a.victim_status.trim().is_empty() {
        d.sdg_status.clone()
    } else {
        one_of("victim_status", &a.victim_status, SDG_STATUSES)?
    };
    let perp_cat = one_of(
        "perpetrator_category",
        if a.perpetrator_category.trim().is_empty() {
            "unknown"
        } else {
            &a.perpetrator_category
        },
        PERPETRATOR_CATEGORIES,
    )?;
    let motive = one_of(
        "motive",
        if a.motive.trim().is_empty() {
            "unknown"
        } else {
            &a.motive
        },
        MOTIVES,
    )?;
    let date = day("date", &a.date)?;
    not_future("date", date)?;
    let level = if a.confidentiality.trim().is_empty() {
        d.confidentiality.clone()
    } else {
        a.confidentiality.clone()
    };
    let country = if a.country.as_deref().unwrap_or("").trim().is_empty() {
        d.country.clone()
    } else {
        a.country.clone()
    };
    // The event and the act are restricted to the defender's need-to-know list.
    let (users, teams) = lists_of(&store, DEFENDER, a.defender_id).await?;
    let event_id = match a.event_id {
        Some(e) => {
            if v::get_event(&store, e).await?.is_none() {
                return Err(StoreError::invalid("event_id", format!("no event {e}")));
            }
            e
        }
        None => {
            let title = if a.title.trim().is_empty() {
                format!("{} — {}", t.label_en, date)
            } else {
                a.title.clone()
            };
            v::create_event(
                tx,
                vocab,
                &EventInput {
                    title,
                    description: a.description.clone(),
                    start_date: date.to_string(),
                    country: country.clone(),
                    admin_area: a.admin_area.clone(),
                    place: a.place.clone(),
                    lenses: vec!["hrd".into()],
                    confidentiality: level.clone(),
                    need_to_know_users: users.clone(),
                    need_to_know_teams: teams.clone(),
                    ..Default::default()
                },
            )
            .await?
        }
    };
    let act_id = v::create_act(
        tx,
        vocab,
        &ActInput {
            event_id,
            victim_id: Some(d.person_id),
            act_type,
            start_date: date.to_string(),
            country: country.clone(),
            admin_area: a.admin_area.clone(),
            place: a.place.clone(),
            confidentiality: level.clone(),
            need_to_know_users: users.clone(),
            need_to_know_teams: teams.clone(),
            perpetrators: a
                .perpetrator_id
                .map(|p| v::InvolvementInput {
                    perpetrator_id: p,
                    perpetrator_type: a.perpetrator_type.clone(),
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            ..Default::default()
        },
    )
    .await?;
    let mut seen = vec![];
    for s in &a.source_ids {
        if seen.contains(s) {
            continue;
        }
        seen.push(*s);
        v::add_information(
            tx,
            vocab,
            &InformationInput {
                source_id: *s,
                event_id: Some(event_id),
                act_id: Some(act_id),
                ..Default::default()
            },
        )
        .await?;
    }
    let reprisal = a.un_reprisal || t.un_reprisal;
    let id: i64 = sqlx::query(
        "INSERT INTO pro_attacks (defender_id, act_id, attack_type, un_reprisal, victim_status, perpetrator_category, motive, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(a.defender_id)
    .bind(act_id)
    .bind(&t.code)
    .bind(reprisal as i64)
    .bind(&victim_status)
    .bind(&perp_cat)
    .bind(&motive)
    .bind(tx.actor().user_id)
    .bind(now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "attack.create",
        DEFENDER,
        &a.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(a).unwrap_or_default()),
        serde_json::json!({ "attack_id": id, "act_id": act_id, "event_id": event_id, "un_reprisal": reprisal }),
    );
    Ok(id)
}

/// Add a source to an attack (the act's information).
pub async fn add_attack_source(
    tx: &mut WriteTx,
    vocab: &Vocab,
    attack_id: i64,
    source_id: i64,
) -> Result<()> {
    let r = sqlx::query("SELECT a.act_id, x.event_id, a.defender_id FROM pro_attacks a JOIN vio_acts x ON x.id = a.act_id WHERE a.id = $1")
        .bind(attack_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("attack {attack_id}")))?;
    let (act, event, def): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
    v::add_information(
        tx,
        vocab,
        &InformationInput {
            source_id,
            event_id: Some(event),
            act_id: Some(act),
            ..Default::default()
        },
    )
    .await?;
    tx.audit(
        "attack.source_add",
        DEFENDER,
        &def.to_string(),
        None,
        None,
        serde_json::json!({ "attack_id": attack_id, "source_id": source_id }),
    );
    Ok(())
}

pub(crate) const ATTACK_SQL: &str = "SELECT k.id, k.defender_id, x.event_id, k.act_id, k.attack_type, COALESCE(t.category, ''), x.start_date, x.country, \
    k.un_reprisal, k.victim_status, p.sex, p.age_group, k.perpetrator_category, k.motive \
    FROM pro_attacks k JOIN vio_acts x ON x.id = k.act_id JOIN vio_persons p ON p.id = x.victim_id \
    LEFT JOIN pro_terms t ON t.kind = 'attack' AND t.code = k.attack_type";

pub(crate) async fn attack_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<Attack> {
    let act_id: i64 = r.get(3);
    let sources = v::act_sources(store, act_id).await?;
    Ok(Attack {
        id: r.get(0),
        defender_id: r.get(1),
        event_id: r.get(2),
        act_id,
        attack_type: r.get(4),
        category: r.get(5),
        date: v::dec(store, "vio_acts.start_date", act_id, r.get(6))?,
        country: r.get(7),
        un_reprisal: r.get::<i64, _>(8) == 1,
        victim_status: r.get(9),
        sex: r.get(10),
        age_group: r.get(11),
        perpetrator_category: r.get(12),
        motive: r.get(13),
        sources,
        verified: sources >= MIN_SOURCES,
    })
}

/// The attacks on a defender whose acts the actor may read, newest first.
pub async fn attacks_of(store: &Store, actor: &Actor, defender_id: i64) -> Result<Vec<Attack>> {
    let sql = format!(
        "{ATTACK_SQL} JOIN vio_events e ON e.id = x.event_id WHERE k.defender_id = $1 AND {} AND {} ORDER BY x.start_sort DESC, k.id DESC",
        v::act_visible_sql(actor, "x"),
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    );
    let rows = sqlx::query(&sql)
        .bind(defender_id)
        .fetch_all(store.pool())
        .await?;
    let mut out = vec![];
    for r in &rows {
        out.push(attack_from(store, r).await?);
    }
    Ok(out)
}

// ------------------------------------------------------------------ risk --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RiskInput {
    pub defender_id: i64,
    /// low, medium, high, extreme.
    pub level: String,
    pub factors: Vec<String>,
    pub notes: String,
    /// Default today.
    pub assessed_on: String,
    pub next_review: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskAssessment {
    pub id: i64,
    pub defender_id: i64,
    pub level: String,
    pub factors: Vec<String>,
    pub notes: String,
    pub assessed_on: String,
    pub next_review: String,
    pub assessor: String,
    pub created_at: String,
}

/// Add a risk assessment (the earlier ones stay: the list is the history). Audited.
pub async fn assess_risk(tx: &mut WriteTx, r: &RiskInput) -> Result<i64> {
    let level = one_of("level", &r.level, RISK_LEVELS)?;
    let mut factors = vec![];
    for f in &r.factors {
        let f = one_of("factors", f, RISK_FACTORS)?;
        if !factors.contains(&f) {
            factors.push(f);
        }
    }
    let on = if r.assessed_on.trim().is_empty() {
        today()
    } else {
        not_future("assessed_on", day("assessed_on", &r.assessed_on)?)?
    };
    let next = day("next_review", &r.next_review)?;
    if next <= on {
        return Err(StoreError::invalid(
            "next_review",
            "the next review is after the assessment",
        ));
    }
    let exists: i64 = sqlx::query("SELECT COUNT(*) FROM pro_defenders WHERE id = $1")
        .bind(r.defender_id)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if exists == 0 {
        return Err(StoreError::invalid(
            "defender_id",
            format!("no defender {}", r.defender_id),
        ));
    }
    let store = tx.store().clone();
    let id = tx.next_id("pro_risk").await?;
    sqlx::query(
        "INSERT INTO pro_risk (defender_id, level, factors, notes, assessed_on, next_review, assessor_id, assessor_name, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
    )
    .bind(r.defender_id)
    .bind(&level)
    .bind(factors.join(","))
    .bind(enc(&store, "pro_risk.notes", id, &r.notes))
    .bind(enc_keep(&store, "pro_risk.assessed_on", id, &on.to_string()))
    .bind(enc_keep(&store, "pro_risk.next_review", id, &next.to_string()))
    .bind(tx.actor().user_id)
    .bind(tx.actor().username.clone())
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "risk.assess",
        DEFENDER,
        &r.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(r).unwrap_or_default()),
        serde_json::json!({ "risk_id": id, "level": level }),
    );
    Ok(id)
}

/// Every risk assessment of a defender, the latest first (sorted here: the dates are
/// encrypted).
pub async fn risk_history(store: &Store, defender_id: i64) -> Result<Vec<RiskAssessment>> {
    let rows = sqlx::query(
        "SELECT id, defender_id, level, factors, notes, assessed_on, next_review, assessor_name, created_at FROM pro_risk \
         WHERE defender_id = $1",
    )
    .bind(defender_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let f: String = r.get(3);
            let id: i64 = r.get(0);
            Ok(RiskAssessment {
                id,
                defender_id: r.get(1),
                level: r.get(2),
                factors: f
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect(),
                notes: dec(store, "pro_risk.notes", id, r.get(4))?,
                assessed_on: dec(store, "pro_risk.assessed_on", id, r.get(5))?,
                next_review: dec(store, "pro_risk.next_review", id, r.get(6))?,
                assessor: r.get(7),
                created_at: r.get(8),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| b.assessed_on.cmp(&a.assessed_on).then(b.id.cmp(&a.id)));
    Ok(out)
}

// -------------------------------------------------------------- measures --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MeasureInput {
    pub defender_id: i64,
    pub measure_type: String,
    /// Default today.
    pub requested_on: String,
    /// Emergency grant: amount and currency.
    pub amount: String,
    pub currency: String,
    /// Relocation: host, period (6 to 12 months), visa, security plan.
    pub host: String,
    pub period_start: String,
    pub period_end: String,
    pub visa: String,
    pub security_plan: String,
    pub description: String,
    /// Advocacy: the intervention (violations area) that carries it out.
    pub intervention_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct MeasureDetails {
    pub host: String,
    pub visa: String,
    pub security_plan: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureStep {
    pub from_status: String,
    pub to_status: String,
    pub on_date: String,
    pub by: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Measure {
    pub id: i64,
    pub defender_id: i64,
    pub measure_type: String,
    pub status: String,
    pub requested_on: String,
    pub approved_on: String,
    pub delivered_on: String,
    pub closed_on: String,
    pub amount: String,
    pub currency: String,
    pub cost: String,
    pub cost_currency: String,
    pub period_start: String,
    pub period_end: String,
    pub details: MeasureDetails,
    pub outcome: String,
    pub intervention_id: Option<i64>,
    pub history: Vec<MeasureStep>,
}

/// Request a protection measure. Audited.
pub async fn request_measure(tx: &mut WriteTx, m: &MeasureInput) -> Result<i64> {
    let mtype = one_of("measure_type", &m.measure_type, MEASURE_TYPES)?;
    let on = if m.requested_on.trim().is_empty() {
        today()
    } else {
        not_future("requested_on", day("requested_on", &m.requested_on)?)?
    };
    let mut amount = None;
    let mut cur = String::new();
    let (mut ps, mut pe) = (String::new(), String::new());
    if mtype == "emergency_grant" {
        amount = cents("amount", &m.amount)?.filter(|c| *c > 0);
        if amount.is_none() {
            return Err(StoreError::invalid(
                "amount",
                "an emergency grant needs an amount",
            ));
        }
        cur = currency("currency", &m.currency)?;
    }
    if mtype == "relocation" {
        if m.host.trim().is_empty() {
            return Err(StoreError::invalid(
                "host",
                "a temporary relocation needs a host (organisation or city)",
            ));
        }
        let s = day("period_start", &m.period_start)?;
        let e = day("period_end", &m.period_end)?;
        let min = s.checked_add_months(chrono::Months::new(6)).unwrap_or(s);
        let max = s.checked_add_months(chrono::Months::new(12)).unwrap_or(s);
        if e < min.pred_opt().unwrap_or(min) || e > max {
            return Err(StoreError::invalid(
                "period_end",
                "a temporary relocation lasts 6 to 12 months",
            ));
        }
        if m.visa.trim().is_empty() {
            return Err(StoreError::invalid(
                "visa",
                "say what visa the relocation needs (or \"none needed\")",
            ));
        }
        if m.security_plan.trim().is_empty() {
            return Err(StoreError::invalid(
                "security_plan",
                "a temporary relocation needs a security plan",
            ));
        }
        ps = s.to_string();
        pe = e.to_string();
    }
    let exists: i64 = sqlx::query("SELECT COUNT(*) FROM pro_defenders WHERE id = $1")
        .bind(m.defender_id)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if exists == 0 {
        return Err(StoreError::invalid(
            "defender_id",
            format!("no defender {}", m.defender_id),
        ));
    }
    if let Some(i) = m.intervention_id {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM vio_interventions WHERE id = $1")
            .bind(i)
            .fetch_one(tx.conn())
            .await?
            .get(0);
        if n == 0 {
            return Err(StoreError::invalid(
                "intervention_id",
                format!("no intervention {i}"),
            ));
        }
    }
    let store = tx.store().clone();
    let details = MeasureDetails {
        host: m.host.trim().into(),
        visa: m.visa.trim().into(),
        security_plan: m.security_plan.trim().into(),
        description: m.description.trim().into(),
    };
    let at = now();
    let id = tx.next_id("pro_measures").await?;
    sqlx::query(
        "INSERT INTO pro_measures (defender_id, measure_type, status, requested_on, amount, currency, period_start, period_end, \
         details, intervention_id, created_by, created_at, updated_at, id) VALUES ($1,$2,'requested',$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$12)",
    )
    .bind(m.defender_id)
    .bind(&mtype)
    .bind(enc_keep(&store, "pro_measures.requested_on", id, &on.to_string()))
    .bind(enc_keep(&store, "pro_measures.amount", id, &amount.map(|a| a.to_string()).unwrap_or_default()))
    .bind(&cur)
    .bind(enc_keep(&store, "pro_measures.period_start", id, &ps))
    .bind(enc_keep(&store, "pro_measures.period_end", id, &pe))
    .bind(store.keys().encrypt("pro_measures.details", id, &serde_json::to_string(&details).unwrap_or_default()))
    .bind(m.intervention_id)
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    step(tx, id, "", "requested", &on.to_string()).await?;
    tx.audit(
        "measure.request",
        DEFENDER,
        &m.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(m).unwrap_or_default()),
        serde_json::json!({ "measure_id": id, "measure_type": mtype }),
    );
    Ok(id)
}

async fn step(tx: &mut WriteTx, id: i64, from: &str, to: &str, on: &str) -> Result<()> {
    let hid = tx.next_id("pro_measure_history").await?;
    let on = enc_keep(tx.store(), "pro_measure_history.on_date", hid, on);
    sqlx::query("INSERT INTO pro_measure_history (measure_id, from_status, to_status, on_date, by_user, by_name, at, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(on)
        .bind(tx.actor().user_id)
        .bind(tx.actor().username.clone())
        .bind(now())
        .bind(hid)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Move a measure on: requested → approved → delivered → closed (a request or an approved
/// measure may also be closed directly: declined or cancelled). Dates never go back.
/// Delivering records the cost; closing requires the outcome. Audited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MeasureStatusInput {
    pub status: String,
    /// Default today.
    pub on_date: String,
    pub cost: String,
    pub cost_currency: String,
    pub outcome: String,
}

pub async fn advance_measure(tx: &mut WriteTx, id: i64, s: &MeasureStatusInput) -> Result<()> {
    let to = one_of("status", &s.status, MEASURE_STATUSES)?;
    let store = tx.store().clone();
    let m = get_measure(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("measure {id}")))?;
    let allowed: &[&str] = match m.status.as_str() {
        "requested" => &["approved", "closed"],
        "approved" => &["delivered", "closed"],
        "delivered" => &["closed"],
        _ => &[],
    };
    if !allowed.contains(&to.as_str()) {
        return Err(StoreError::invalid(
            "status",
            format!(
                "a measure that is {} cannot become {to}{}",
                m.status,
                if allowed.is_empty() {
                    " (it is closed)".to_string()
                } else {
                    format!(": next is {}", allowed.join(" or "))
                }
            ),
        ));
    }
    let on = if s.on_date.trim().is_empty() {
        today()
    } else {
        not_future("on_date", day("on_date", &s.on_date)?)?
    };
    let last = [&m.requested_on, &m.approved_on, &m.delivered_on]
        .iter()
        .filter(|d| !d.is_empty())
        .max()
        .map(|d| d.to_string())
        .unwrap_or_default();
    if on.to_string() < last {
        return Err(StoreError::invalid(
            "on_date",
            format!("out of order: the previous step was on {last}"),
        ));
    }
    let cost = cents("cost", &s.cost)?;
    let cost_cur = if cost.is_some() {
        currency("cost_currency", &s.cost_currency)?
    } else {
        String::new()
    };
    if to == "closed" && s.outcome.trim().is_empty() {
        return Err(StoreError::invalid(
            "outcome",
            "say what came of the measure before closing it",
        ));
    }
    let col = match to.as_str() {
        "approved" => "approved_on",
        "delivered" => "delivered_on",
        _ => "closed_on",
    };
    sqlx::query(&format!(
        "UPDATE pro_measures SET status = $1, {col} = $2, cost = COALESCE($3, cost), \
         cost_currency = CASE WHEN $4 = '' THEN cost_currency ELSE $4 END, outcome = COALESCE($5, outcome), updated_at = $6 WHERE id = $7"
    ))
    .bind(&to)
    .bind(enc_keep(&store, &format!("pro_measures.{col}"), id, &on.to_string()))
    .bind(cost.map(|c| enc_keep(&store, "pro_measures.cost", id, &c.to_string())))
    .bind(&cost_cur)
    .bind(enc(&store, "pro_measures.outcome", id, &s.outcome))
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    step(tx, id, &m.status, &to, &on.to_string()).await?;
    tx.audit(
        "measure.status",
        DEFENDER,
        &m.defender_id.to_string(),
        None,
        Some(&serde_json::to_value(s).unwrap_or_default()),
        serde_json::json!({ "measure_id": id, "from": m.status, "to": to }),
    );
    Ok(())
}

const MEASURE_COLS: &str = "id, defender_id, measure_type, status, requested_on, approved_on, delivered_on, closed_on, amount, currency, \
    cost, cost_currency, period_start, period_end, details, outcome, intervention_id";

async fn measure_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<Measure> {
    let id: i64 = r.get(0);
    let details = dec(store, "pro_measures.details", id, r.get(14))?;
    let history = sqlx::query("SELECT from_status, to_status, on_date, by_name, id FROM pro_measure_history WHERE measure_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|h| {
            Ok(MeasureStep {
                from_status: h.get(0),
                to_status: h.get(1),
                on_date: dec(store, "pro_measure_history.on_date", h.get(4), h.get(2))?,
                by: h.get(3),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Amounts are kept as encrypted cents.
    let cents_of = |field: &str, v: Option<String>| -> Result<Option<i64>> {
        Ok(dec(store, field, id, v)?.parse::<i64>().ok())
    };
    Ok(Measure {
        id,
        defender_id: r.get(1),
        measure_type: r.get(2),
        status: r.get(3),
        requested_on: dec(store, "pro_measures.requested_on", id, r.get(4))?,
        approved_on: dec(store, "pro_measures.approved_on", id, r.get(5))?,
        delivered_on: dec(store, "pro_measures.delivered_on", id, r.get(6))?,
        closed_on: dec(store, "pro_measures.closed_on", id, r.get(7))?,
        amount: money(cents_of("pro_measures.amount", r.get(8))?),
        currency: r.get(9),
        cost: money(cents_of("pro_measures.cost", r.get(10))?),
        cost_currency: r.get(11),
        period_start: dec(store, "pro_measures.period_start", id, r.get(12))?,
        period_end: dec(store, "pro_measures.period_end", id, r.get(13))?,
        details: serde_json::from_str(&details).unwrap_or_default(),
        outcome: dec(store, "pro_measures.outcome", id, r.get(15))?,
        intervention_id: r.get(16),
        history,
    })
}

pub async fn get_measure(store: &Store, id: i64) -> Result<Option<Measure>> {
    match sqlx::query(&format!(
        "SELECT {MEASURE_COLS} FROM pro_measures WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    {
        Some(r) => Ok(Some(measure_from(store, &r).await?)),
        None => Ok(None),
    }
}

pub async fn measures_of(store: &Store, defender_id: i64) -> Result<Vec<Measure>> {
    let rows = sqlx::query(&format!(
        "SELECT {MEASURE_COLS} FROM pro_measures WHERE defender_id = $1 ORDER BY id DESC"
    ))
    .bind(defender_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in &rows {
        out.push(measure_from(store, r).await?);
    }
    Ok(out)
}

// -------------------------------------------------------------- check-ins --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Checkin {
    pub id: i64,
    pub defender_id: i64,
    pub measure_id: Option<i64>,
    pub due_on: String,
    pub done_on: String,
    pub notes: String,
    pub overdue: bool,
}

/// Plan a check-in with a defender (optionally about a measure). Audited.
pub async fn add_checkin(
    tx: &mut WriteTx,
    defender_id: i64,
    measure_id: Option<i64>,
    due_on: &str,
) -> Result<i64> {
    let due = day("due_on", due_on)?;
    let exists: i64 = sqlx::query("SELECT COUNT(*) FROM pro_defenders WHERE id = $1")
        .bind(defender_id)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if exists == 0 {
        return Err(StoreError::invalid(
            "defender_id",
            format!("no defender {defender_id}"),
        ));
    }
    if let Some(m) = measure_id {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM pro_measures WHERE id = $1 AND defender_id = $2")
                .bind(m)
                .bind(defender_id)
                .fetch_one(tx.conn())
                .await?
                .get(0);
        if n == 0 {
            return Err(StoreError::invalid(
                "measure_id",
                "not a measure of this defender",
            ));
        }
    }
    let id = tx.next_id("pro_checkins").await?;
    let due_on = enc_keep(tx.store(), "pro_checkins.due_on", id, &due.to_string());
    sqlx::query("INSERT INTO pro_checkins (defender_id, measure_id, due_on, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(defender_id)
        .bind(measure_id)
        .bind(due_on)
        .bind(tx.actor().user_id)
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    // The due date is in the hashed content, not in the clear details.
    tx.audit(
        "checkin.add",
        DEFENDER,
        &defender_id.to_string(),
        None,
        Some(&serde_json::json!({ "due_on": due.to_string(), "measure_id": measure_id })),
        serde_json::json!({ "checkin_id": id }),
    );
    Ok(id)
}

/// Record that a check-in took place. Audited.
pub async fn complete_checkin(tx: &mut WriteTx, id: i64, done_on: &str, notes: &str) -> Result<()> {
    let r = sqlx::query("SELECT defender_id, done_on FROM pro_checkins WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("check-in {id}")))?;
    let def: i64 = r.get(0);
    let done = dec(tx.store(), "pro_checkins.done_on", id, r.get(1))?;
    if !done.is_empty() {
        return Err(StoreError::invalid(
            "done_on",
            format!("this check-in was already done on {done}"),
        ));
    }
    let on = if done_on.trim().is_empty() {
        today()
    } else {
        not_future("done_on", day("done_on", done_on)?)?
    };
    let store = tx.store().clone();
    sqlx::query("UPDATE pro_checkins SET done_on = $1, notes = $2 WHERE id = $3")
        .bind(enc_keep(
            &store,
            "pro_checkins.done_on",
            id,
            &on.to_string(),
        ))
        .bind(enc(&store, "pro_checkins.notes", id, notes))
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "checkin.done",
        DEFENDER,
        &def.to_string(),
        None,
        None,
        serde_json::json!({ "checkin_id": id }),
    );
    Ok(())
}

pub async fn checkins_of(store: &Store, defender_id: i64, on: NaiveDate) -> Result<Vec<Checkin>> {
    let rows = sqlx::query("SELECT id, defender_id, measure_id, due_on, done_on, notes FROM pro_checkins WHERE defender_id = $1")
        .bind(defender_id)
        .fetch_all(store.pool())
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            let due = dec(store, "pro_checkins.due_on", id, r.get(3))?;
            let done = dec(store, "pro_checkins.done_on", id, r.get(4))?;
            Ok(Checkin {
                id,
                defender_id: r.get(1),
                measure_id: r.get(2),
                overdue: checkin_overdue(&due, &done, on),
                due_on: due,
                done_on: done,
                notes: dec(store, "pro_checkins.notes", id, r.get(5))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Latest due first (sorted here: the dates are encrypted).
    out.sort_by(|a, b| b.due_on.cmp(&a.due_on).then(b.id.cmp(&a.id)));
    Ok(out)
}

/// Whether a check-in due on `due` (`YYYY-MM-DD`) and done on `done` (empty: not yet) is
/// overdue on `on`.
pub fn checkin_overdue(due: &str, done: &str, on: NaiveDate) -> bool {
    done.is_empty() && due < on.to_string().as_str()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverdueCheckin {
    pub checkin_id: i64,
    pub defender_id: i64,
    pub defender: String,
    pub due_on: String,
    pub days_overdue: i64,
    pub contact_user: Option<i64>,
    pub contact_user_name: String,
}

/// Check-ins past their due date and not done, on defenders the actor may see; with
/// `contact_user`, only those of defenders whose contact point that user is. The due dates
/// are encrypted: SQL selects the open check-ins (not done, the bounded set), the clock is
/// computed here on the decrypted dates, oldest due first.
pub async fn overdue_checkins(
    store: &Store,
    actor: &Actor,
    on: NaiveDate,
    contact_user: Option<i64>,
) -> Result<Vec<OverdueCheckin>> {
    let sql = format!(
        "SELECT c.id, c.defender_id, c.due_on, d.contact_user, COALESCE(u.username, ''), d.person_id FROM pro_checkins c \
         JOIN pro_defenders d ON d.id = c.defender_id LEFT JOIN users u ON u.id = d.contact_user \
         WHERE c.done_on = '' AND ($1 = 0 OR d.contact_user = $1) AND {}",
        profile_visible_sql(actor, "d", dignity_core::RecordType::Defender)
    );
    let rows = sqlx::query(&sql)
        .bind(contact_user.unwrap_or(0))
        .fetch_all(store.pool())
        .await?;
    let mut open = vec![];
    for r in rows {
        let id: i64 = r.get(0);
        let due = dec(store, "pro_checkins.due_on", id, r.get(2))?;
        if checkin_overdue(&due, "", on) {
            open.push((due, id, r));
        }
    }
    open.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let names = v::sees_names(store, actor).await?;
    let mut out = vec![];
    for (due, _, r) in open {
        let pid: i64 = r.get(5);
        let d = NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap_or(on);
        out.push(OverdueCheckin {
            checkin_id: r.get(0),
            defender_id: r.get(1),
            defender: if names {
                v::get_person(store, pid)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default()
            } else {
                v::pseudonym(store, pid)
            },
            days_overdue: (on - d).num_days(),
            due_on: due,
            contact_user: r.get(3),
            contact_user_name: r.get(4),
        });
    }
    Ok(out)
}

/// The defender a check-in belongs to.
pub async fn checkins_owner(store: &Store, checkin_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT defender_id FROM pro_checkins WHERE id = $1")
            .bind(checkin_id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}
