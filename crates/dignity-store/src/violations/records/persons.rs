//! Persons: input, validation, blind name indexes, create and update, read, roles, duplicates.

use super::*;
use crate::now;
use dignity_core::violations::persons as prules;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use utoipa::ToSchema;

// ----------------------------------------------------------------- persons --

with_fields! {
    {
        /// individual (default) or organisation.
        pub person_type: String,
        pub name: String,
        /// Other names, aliases and transliterations.
        pub other_names: Vec<String>,
        /// Micro-thesaurus 39.
        pub sex: Option<String>,
        pub gender: String,
        pub birth_date: String,
        /// child, youth, adult, elderly, unknown.
        pub age_group: String,
        /// ISO 3166-1 alpha-3.
        pub nationality: Option<String>,
        /// Micro-thesaurus 13.
        pub ethnicity: Option<String>,
        /// Micro-thesaurus 12.
        pub religion: Option<String>,
        /// Micro-thesaurus 14.
        pub languages: Vec<String>,
        /// Micro-thesaurus 10.
        pub occupation: Option<String>,
        /// Micro-thesaurus 7 (individual, family, group, community…).
        pub counting_unit: Option<String>,
        pub group_size: Option<i64>,
        pub deceased: bool,
        pub death_date: String,
        pub contact: String,
        pub address: String,
        pub notes: String,
    }

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct PersonInput {
        ..,
        /// Default confidential: names of people are restricted to the need-to-know list.
        /// The raw text, which validation parses into a [`Confidentiality`].
        pub confidentiality: String,
        pub need_to_know_users: Vec<i64>,
        pub need_to_know_teams: Vec<i64>,
    }

    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct Person {
        pub id: i64,
        /// Erased (crypto-shredding, see `crate::shred`): the personal fields read empty.
        pub erased: bool,
        ..,
        pub pseudonym: String,
        #[schema(value_type = String)]
        pub confidentiality: Confidentiality,
        pub created_by: Option<i64>,
        pub created_at: String,
        pub updated_at: String,
    }

    /// What to enter to record the same person again (a whole case's export): their
    /// need-to-know list is not carried.
    pub fn person_input(p: &Person) -> PersonInput {
        ..,
        confidentiality: p.confidentiality.to_string(),
        need_to_know_users: vec![],
        need_to_know_teams: vec![],
    }
}

impl Person {
    /// The same person with every identifying field replaced by the pseudonym.
    pub fn pseudonymised(mut self) -> Person {
        self.name = self.pseudonym.clone();
        self.other_names.clear();
        self.contact.clear();
        self.address.clear();
        self.notes.clear();
        self.birth_date = self.birth_date.get(..4).unwrap_or("").to_string();
        self
    }
}

/// A person's input, checked: its values normalised (names trimmed, codes checked, dates
/// written in full), with the type and the level it parses into.
pub(crate) struct ValidPerson {
    pub input: PersonInput,
    pub person_type: &'static str,
    pub level: Confidentiality,
}

pub(crate) fn validate_person(v: &Vocab, p: &PersonInput) -> Result<ValidPerson> {
    let name = prules::name(&p.name)?;
    let person_type = prules::PersonType::parse(&p.person_type)?.as_str();
    let age_group = prules::age_group(&p.age_group)?;
    let life = prules::Lifespan::parse(&p.birth_date, &p.death_date)?;
    let (birth, death) = (life.birth, life.death);
    prules::group_size(p.group_size)?;
    let nationality = v
        .check_country(&p.nationality)
        .map_err(|_| prules::not_a_nationality())?;
    let input = PersonInput {
        name,
        other_names: p
            .other_names
            .iter()
            .map(|n| s(n))
            .filter(|n| !n.is_empty())
            .collect(),
        sex: v.check_opt("sex", &p.sex)?,
        birth_date: birth.to_string(),
        age_group,
        nationality,
        ethnicity: v.check_opt("ethnicity", &p.ethnicity)?,
        religion: v.check_opt("religion", &p.religion)?,
        languages: v.check_all("languages", &p.languages)?,
        occupation: v.check_opt("occupation", &p.occupation)?,
        counting_unit: v.check_opt("counting_unit", &p.counting_unit)?,
        death_date: death.to_string(),
        ..p.clone()
    };
    Ok(ValidPerson {
        input,
        person_type,
        level: level(&p.confidentiality, Confidentiality::Confidential)?,
    })
}

/// Blind indexes of a name: the exact (normalised) name and its words in sorted order.
pub fn name_indexes(store: &Store, name: &str) -> Vec<String> {
    let k = store.keys();
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    words.sort();
    vec![
        k.blind_index("vio_person_name", name),
        k.blind_index("vio_person_words", &words.join(" ")),
    ]
}

pub async fn create_person(tx: &mut WriteTx, vocab: &Vocab, p: &PersonInput) -> Result<i64> {
    let v = validate_person(vocab, p)?;
    may_create(tx.actor(), v.level)?;
    let id = insert_person(tx, &v).await?;
    set_list(
        tx,
        PERSON,
        id,
        v.level,
        &p.need_to_know_users,
        &p.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "person.create",
        PERSON,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(p).unwrap_or_default()),
        serde_json::json!({ "confidentiality": v.level.as_str(), "person_type": v.person_type }),
    );
    Ok(id)
}

/// Bind a person's values from their type to their confidentiality, in the order of the
/// columns of `vio_persons` (the insert and the update list them so), as the next values of
/// `q`: the personal fields sealed under the person's own key (`ps`), the name's blind index.
fn bind_person<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ps: &crate::shred::PersonSealer,
    store: &Store,
    v: &'q ValidPerson,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let p = &v.input;
    let other = (!p.other_names.is_empty()).then(|| {
        ps.encrypt(
            "vio_persons.other_names",
            &serde_json::to_string(&p.other_names).unwrap_or_default(),
        )
    });
    q.bind(v.person_type)
        .bind(ps.encrypt("vio_persons.name", &p.name))
        .bind(store.keys().blind_index("vio_person_name", &p.name))
        .bind(other)
        .bind(&p.sex)
        .bind(ps.enc_keep("vio_persons.gender", &p.gender))
        .bind(ps.enc_keep("vio_persons.birth_date", &p.birth_date))
        .bind(&p.age_group)
        .bind(ps.enc_opt("vio_persons.nationality", p.nationality.as_deref()))
        .bind(ps.enc_opt("vio_persons.ethnicity", p.ethnicity.as_deref()))
        .bind(ps.enc_opt("vio_persons.religion", p.religion.as_deref()))
        .bind(ps.enc_opt("vio_persons.occupation", p.occupation.as_deref()))
        .bind(&p.counting_unit)
        .bind(p.group_size)
        .bind(p.deceased as i64)
        .bind(ps.enc_keep("vio_persons.death_date", &p.death_date))
        .bind(ps.enc("vio_persons.contact", &p.contact))
        .bind(ps.enc("vio_persons.address", &p.address))
        .bind(ps.enc("vio_persons.notes", &p.notes))
        .bind(v.level.as_str())
}

/// Write the blind indexes of a person's name and other names (`vio_person_names`), by
/// which persons are found by name.
async fn insert_name_indexes(tx: &mut WriteTx, id: i64, v: &ValidPerson) -> Result<()> {
    let store = tx.store().clone();
    let mut idx = name_indexes(&store, &v.input.name);
    for n in &v.input.other_names {
        idx.extend(name_indexes(&store, n));
    }
    idx.sort();
    idx.dedup();
    for b in idx {
        sqlx::query(
            "INSERT INTO vio_person_names (person_id, bidx) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(b)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

pub(crate) async fn insert_person(tx: &mut WriteTx, v: &ValidPerson) -> Result<i64> {
    let store = tx.store().clone();
    let at = now();
    let id = tx.next_id("vio_persons").await?;
    // The personal fields are under the person's own key (crypto-shredding, see
    // `crate::shred`).
    let ps = crate::shred::PersonSealer::for_person(tx, id, true)?;
    bind_person(
        sqlx::query(
            "INSERT INTO vio_persons (person_type, name, name_bidx, other_names, sex, gender, birth_date, age_group, nationality, \
             ethnicity, religion, occupation, counting_unit, group_size, deceased, death_date, contact, address, notes, \
             confidentiality, published, created_by, created_at, updated_at, id) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,0,$21,$22,$22,$23)",
        ),
        &ps,
        &store,
        v,
    )
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    insert_name_indexes(tx, id, v).await?;
    add_terms(tx, (PERSON, id, "languages"), &v.input.languages).await?;
    Ok(id)
}

pub async fn update_person(
    tx: &mut WriteTx,
    vocab: &Vocab,
    id: i64,
    p: &PersonInput,
) -> Result<()> {
    let v = validate_person(vocab, p)?;
    let store = tx.store().clone();
    let before = get_person(&store, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
    if before.erased {
        return Err(StoreError::Conflict(format!(
            "person {id} was erased: their fields cannot be written again"
        )));
    }
    let ps = crate::shred::PersonSealer::for_person(tx, id, false)?;
    let (users, teams) = (&p.need_to_know_users, &p.need_to_know_teams);
    check_access_change(tx, PERSON, id, v.level, users, teams).await?;
    bind_person(
        sqlx::query(
            "UPDATE vio_persons SET person_type = $1, name = $2, name_bidx = $3, other_names = $4, sex = $5, gender = $6, \
             birth_date = $7, age_group = $8, nationality = $9, ethnicity = $10, religion = $11, occupation = $12, \
             counting_unit = $13, group_size = $14, deceased = $15, death_date = $16, contact = $17, address = $18, notes = $19, \
             confidentiality = $20, updated_at = $21 WHERE id = $22",
        ),
        &ps,
        &store,
        &v,
    )
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    crate::shred::delete_name_tokens(tx, id).await?;
    insert_name_indexes(tx, id, &v).await?;
    set_terms(tx, (PERSON, id, "languages"), &v.input.languages).await?;
    set_list(tx, PERSON, id, v.level, users, teams).await?;
    tx.audit(
        "person.update",
        PERSON,
        &id.to_string(),
        Some(&serde_json::to_value(&before).unwrap_or_default()),
        Some(&serde_json::to_value(p).unwrap_or_default()),
        serde_json::json!({ "confidentiality": v.level.as_str() }),
    );
    Ok(())
}

pub(super) const PERSON_COLS: &str = "id, person_type, name, other_names, sex, gender, birth_date, age_group, nationality, ethnicity, \
    religion, occupation, counting_unit, group_size, deceased, death_date, contact, address, notes, confidentiality, \
    created_by, created_at, updated_at";

pub(super) async fn person_from(store: &Store, r: &AnyRow) -> Result<Person> {
    let id: i64 = r.get(0);
    let other = dec(store, "vio_persons.other_names", id, r.get(3))?;
    let name: String = r.get(2);
    Ok(Person {
        erased: crate::shred::is_erased(store, id, &name),
        id,
        person_type: r.get(1),
        name: store.decrypt("vio_persons.name", id, &name)?,
        other_names: if other.is_empty() {
            vec![]
        } else {
            serde_json::from_str(&other).unwrap_or_default()
        },
        pseudonym: pseudonym(store, id),
        sex: r.get(4),
        gender: dec(store, "vio_persons.gender", id, r.get(5))?,
        birth_date: dec(store, "vio_persons.birth_date", id, r.get(6))?,
        age_group: r.get(7),
        nationality: dec_opt(store, "vio_persons.nationality", id, r.get(8))?,
        ethnicity: dec_opt(store, "vio_persons.ethnicity", id, r.get(9))?,
        religion: dec_opt(store, "vio_persons.religion", id, r.get(10))?,
        languages: terms_of(store, PERSON, id, "languages").await?,
        occupation: dec_opt(store, "vio_persons.occupation", id, r.get(11))?,
        counting_unit: r.get(12),
        group_size: r.get(13),
        deceased: r.get::<i64, _>(14) == 1,
        death_date: dec(store, "vio_persons.death_date", id, r.get(15))?,
        contact: dec(store, "vio_persons.contact", id, r.get(16))?,
        address: dec(store, "vio_persons.address", id, r.get(17))?,
        notes: dec(store, "vio_persons.notes", id, r.get(18))?,
        confidentiality: stored_level(r, 19),
        created_by: r.get(20),
        created_at: r.get(21),
        updated_at: r.get(22),
    })
}

pub async fn get_person(store: &Store, id: i64) -> Result<Option<Person>> {
    let r = sqlx::query(&format!(
        "SELECT {PERSON_COLS} FROM vio_persons WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    match r {
        Some(r) => Ok(Some(person_from(store, &r).await?)),
        None => Ok(None),
    }
}

/// A person as the actor may see them: `None` if missing **or not readable by the actor**
/// (the two answer the same, so that a restricted person's existence does not leak);
/// pseudonymised for readers who may not see names.
pub async fn person_for(store: &Store, actor: &Actor, id: i64) -> Result<Option<(Person, bool)>> {
    if !can(store, actor, Action::Read, PERSON, id).await? {
        return Ok(None);
    }
    let Some(p) = get_person(store, id).await? else {
        return Ok(None);
    };
    Ok(Some(if sees_names(store, actor).await? {
        (p, true)
    } else {
        (p.pseudonymised(), false)
    }))
}

/// The name to show for a person mentioned by a record the actor may read: the name when
/// the actor may read the person record and see names, otherwise the keyed pseudonym
/// (which reveals nothing without the index key).
pub async fn display_name(store: &Store, actor: &Actor, id: i64) -> Result<String> {
    if can(store, actor, Action::Read, PERSON, id).await? && sees_names(store, actor).await? {
        Ok(get_person(store, id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default())
    } else {
        Ok(pseudonym(store, id))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub person_type: String,
    pub roles: Vec<String>,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
}

/// A person's row in a list: their name (when `names`, else their pseudonym), type, roles
/// and confidentiality.
async fn person_row(store: &Store, actor: &Actor, p: Person, names: bool) -> Result<PersonRow> {
    Ok(PersonRow {
        id: p.id,
        name: if names { p.name } else { p.pseudonym },
        person_type: p.person_type,
        roles: person_roles(store, actor, p.id).await?,
        confidentiality: p.confidentiality,
    })
}

/// Persons the actor may see (names shown only to those who may see names), optionally
/// only those whose name or other name is exactly `name` (blind index look-up), or who have
/// `role` (victim, perpetrator, source, intervening_party).
pub async fn list_persons(
    store: &Store,
    actor: &Actor,
    name: Option<&str>,
    role: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<PersonRow>)> {
    let mut w = vec![acl::visible_sql(
        actor,
        "p",
        dignity_core::RecordType::Person,
    )];
    let mut args = Vec::new();
    let names = sees_names(store, actor).await?;
    // A reader who may not see names gets no name matching at all: an answer to a name
    // would tell them whether that person is recorded (issue 15, hole 6).
    if let Some(n) = name.filter(|n| names && !n.trim().is_empty()) {
        args.push(name_indexes(store, n));
        w.push(
            "p.id IN (SELECT person_id FROM vio_person_names WHERE bidx = $1 OR bidx = $2)".into(),
        );
    }
    if let Some(r) = role.and_then(|r| role_sql(actor, r, "p.id")) {
        w.push(r);
    }
    let w = w.join(" AND ");
    fn bind<'q>(
        sql: &'q str,
        args: &'q [Vec<String>],
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a[0].clone()).bind(a[1].clone());
        }
        q
    }
    let count_sql = format!("SELECT COUNT(*) FROM vio_persons p WHERE {w}");
    let total: i64 = bind(&count_sql, &args)
        .fetch_one(store.pool())
        .await?
        .get(0);
    let sql = format!(
        "SELECT p.id FROM vio_persons p WHERE {w} ORDER BY p.id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let ids: Vec<i64> = bind(&sql, &args)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let p = get_person(store, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
        out.push(person_row(store, actor, p, names).await?);
    }
    Ok((total, out))
}

/// The most recent persons the actor may see, as (id, name or pseudonym), for pickers: one
/// query, no per-person look-ups.
pub async fn recent_person_names(
    store: &Store,
    actor: &Actor,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let names = sees_names(store, actor).await?;
    let rows = sqlx::query(&format!(
        "SELECT p.id, p.name FROM vio_persons p WHERE {} ORDER BY p.id DESC LIMIT {}",
        acl::visible_sql(actor, "p", dignity_core::RecordType::Person),
        limit.clamp(1, 5000)
    ))
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.get(0);
        let name = if names {
            store.decrypt("vio_persons.name", id, &r.get::<String, _>(1))?
        } else {
            pseudonym(store, id)
        };
        out.push((id, name));
    }
    Ok(out)
}

/// The roles a person can have in the data.
pub const PERSON_ROLES: [&str; 4] = ["victim", "perpetrator", "source", "intervening_party"];

/// The SQL condition "person `pid` has `role` in a record the actor may read" (`None` for
/// an unknown role): a role — and so a facet or count of victims — never comes from a
/// record the reader may not see.
pub(super) fn role_sql(actor: &Actor, role: &str, pid: &str) -> Option<String> {
    let act = |a: &str| acl::visible_sql(actor, a, dignity_core::RecordType::Act);
    Some(match role {
        "victim" => format!(
            "EXISTS (SELECT 1 FROM vio_acts ra WHERE ra.victim_id = {pid} AND {})",
            act("ra")
        ),
        "perpetrator" => format!(
            "EXISTS (SELECT 1 FROM vio_involvements ri JOIN vio_acts ra ON ra.id = ri.act_id \
             WHERE ri.perpetrator_id = {pid} AND {})",
            act("ra")
        ),
        "source" => format!(
            "EXISTS (SELECT 1 FROM vio_information ri WHERE ri.source_id = {pid} \
             AND (ri.event_id IS NULL OR EXISTS (SELECT 1 FROM vio_events re WHERE re.id = ri.event_id AND {})) \
             AND (ri.act_id IS NULL OR EXISTS (SELECT 1 FROM vio_acts ra WHERE ra.id = ri.act_id AND {})))",
            acl::visible_sql(actor, "re", dignity_core::RecordType::Event),
            act("ra")
        ),
        "intervening_party" => format!(
            "EXISTS (SELECT 1 FROM vio_interventions rv WHERE rv.intervening_party_id = {pid} AND {})",
            acl::visible_sql(actor, "rv", dignity_core::RecordType::Intervention)
        ),
        _ => return None,
    })
}

/// The roles a person has in the records the actor may read, derived from the links.
pub async fn person_roles(store: &Store, actor: &Actor, id: i64) -> Result<Vec<String>> {
    let cols: Vec<String> = PERSON_ROLES
        .iter()
        .map(|r| {
            format!(
                "CASE WHEN {} THEN 1 ELSE 0 END",
                role_sql(actor, r, "$1").expect("a known role")
            )
        })
        .collect();
    let r = sqlx::query(&format!("SELECT {}", cols.join(", ")))
        .bind(id)
        .fetch_one(store.pool())
        .await?;
    let mut roles = vec![];
    for (i, name) in PERSON_ROLES.iter().enumerate() {
        if r.get::<i64, _>(i) > 0 {
            roles.push(name.to_string());
        }
    }
    Ok(roles)
}

/// Possible duplicates of a person about to be entered: same name or other name (any word
/// order, case, accents of spacing), or same birth date and sex with a shared word.
/// Only persons the actor may read are returned, and nothing at all to a reader who may
/// not see names (a match would tell them whether that name is recorded).
pub async fn possible_duplicates(
    store: &Store,
    actor: &Actor,
    name: &str,
    others: &[String],
) -> Result<Vec<PersonRow>> {
    let names = sees_names(store, actor).await?;
    if !names {
        return Ok(vec![]);
    }
    let mut idx = name_indexes(store, name);
    for o in others {
        idx.extend(name_indexes(store, o));
    }
    let mut ids: Vec<i64> = Vec::new();
    for b in idx {
        for r in sqlx::query(&format!(
            "SELECT n.person_id FROM vio_person_names n JOIN vio_persons p ON p.id = n.person_id WHERE n.bidx = $1 AND {}",
            acl::visible_sql(actor, "p", dignity_core::RecordType::Person)
        ))
        .bind(b)
        .fetch_all(store.pool())
        .await?
        {
            let id: i64 = r.get(0);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let mut out = vec![];
    for id in ids {
        if let Some(p) = get_person(store, id).await? {
            out.push(person_row(store, actor, p, names).await?);
        }
    }
    Ok(out)
}
