//! Attacks and threats against defenders: violations events and acts with the defender as
//! victim and the SDG 16.10.1 fields, their sources.

use super::*;
use crate::shared::BindCreated;

/// What an attack is, as the attack form enters it and the record shows it (both embed it
/// flattened: the JSON fields stay at the top level).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttackFacts {
    pub defender_id: i64,
    /// Code of the local vocabulary "attack".
    pub attack_type: String,
    pub date: String,
    pub country: Option<String>,
    /// A reprisal for cooperation with the UN (also set by the attack type).
    pub un_reprisal: bool,
    /// SDG 16.10.1 victim status; default the defender's.
    pub victim_status: String,
    pub perpetrator_category: String,
    pub motive: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AttackInput {
    #[serde(flatten)]
    pub facts: AttackFacts,
    /// Add the act to this event; otherwise an event is created (title below).
    pub event_id: Option<i64>,
    pub title: String,
    /// Override the type of act the attack type maps to (micro-thesaurus 4).
    pub act_type: String,
    pub admin_area: String,
    pub place: String,
    pub description: String,
    /// A perpetrator (person id), with its type (micro-thesaurus 24).
    pub perpetrator_id: Option<i64>,
    pub perpetrator_type: Option<String>,
    /// Sources (person ids) whose information supports the attack.
    pub source_ids: Vec<i64>,
    /// Default: the defender's level. Raw: [`v::level`] parses it
    /// (`dignity_core::violations::level`).
    pub confidentiality: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attack {
    pub id: i64,
    #[serde(flatten)]
    pub facts: AttackFacts,
    pub event_id: i64,
    pub act_id: i64,
    pub category: String,
    pub sex: Option<String>,
    pub age_group: String,
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
pub async fn record_attack(tx: &mut WriteTx, vocab: &Vocab, input: &AttackInput) -> Result<i64> {
    let (a, k) = (input, &input.facts);
    let store = tx.store().clone();
    let d = get_defender(&store, k.defender_id)
        .await?
        .ok_or_else(|| no_such("defender_id", Refers::Defender, k.defender_id))?;
    let t = term(&store, "attack", k.attack_type.trim())
        .await?
        .filter(|t| t.entry.active)
        .ok_or_else(rules::unknown_attack_type)?;
    let f = rules::parse_attack(
        &rules::AttackRaw {
            act_type: &a.act_type,
            victim_status: &k.victim_status,
            perpetrator_category: &k.perpetrator_category,
            motive: &k.motive,
            date: &k.date,
        },
        &t.entry.act_type,
        today(),
    )?;
    let (act_type, date) = (f.act_type, f.date);
    let victim_status = f
        .victim_status
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| d.profile.sdg_status.clone());
    let level = v::level(&a.confidentiality, d.confidentiality)?
        .as_str()
        .to_string();
    let country = if k.country.as_deref().unwrap_or("").trim().is_empty() {
        d.profile.country.clone()
    } else {
        k.country.clone()
    };
    // The event and the act are restricted to the defender's need-to-know list.
    let (users, teams) = lists_of(&store, DEFENDER, k.defender_id).await?;
    let event_id = match a.event_id {
        Some(e) => {
            if v::get_event(&store, e).await?.is_none() {
                return Err(no_such("event_id", Refers::Event, e).into());
            }
            e
        }
        None => {
            let title = if a.title.trim().is_empty() {
                format!("{} — {}", t.entry.label_en, date)
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
    let reprisal = k.un_reprisal || t.entry.un_reprisal;
    let id: i64 = sqlx::query(
        "INSERT INTO pro_attacks (defender_id, act_id, attack_type, un_reprisal, victim_status, perpetrator_category, motive, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(k.defender_id)
    .bind(act_id)
    .bind(&t.code)
    .bind(reprisal as i64)
    .bind(&victim_status)
    .bind(f.perpetrator_category.as_str())
    .bind(f.motive.as_str())
    .bind_created(tx)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "attack.create",
        DEFENDER,
        &k.defender_id.to_string(),
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
        facts: AttackFacts {
            defender_id: r.get(1),
            attack_type: r.get(4),
            date: v::dec(store, "vio_acts.start_date", act_id, r.get(6))?,
            country: r.get(7),
            un_reprisal: r.get::<i64, _>(8) == 1,
            victim_status: r.get(9),
            perpetrator_category: r.get(12),
            motive: r.get(13),
        },
        event_id: r.get(2),
        act_id,
        category: r.get(5),
        sex: r.get(10),
        age_group: r.get(11),
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
