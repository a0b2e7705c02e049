//! Acts and their perpetrators (involvements): input, validation, create, read, list, counts.

use super::*;
use crate::now;
use dignity_core::violations::{acts as vacts, Missing};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use utoipa::ToSchema;

// -------------------------------------------------------------------- acts --

with_fields! {
    {
        pub perpetrator_id: i64,
        /// Micro-thesaurus 18.
        pub degree: Option<String>,
        /// Micro-thesaurus 24.
        pub perpetrator_type: Option<String>,
        /// Micro-thesaurus 26.
        pub latest_status: Option<String>,
    }

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct InvolvementInput {
        ..,
    }

    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct Involvement {
        pub id: i64,
        pub act_id: i64,
        ..,
        /// Name or pseudonym, as the reader may see it.
        pub perpetrator: String,
    }
}

where_when!(with_fields! {
    {
        ..,
        /// Micro-thesaurus 5.
        pub methods: Vec<String>,
        /// Micro-thesaurus 28.
        pub attribution: Option<String>,
        pub consequences: String,
        /// Micro-thesaurus 25: the victim's status at the end of the act.
        pub victim_status: Option<String>,
        /// Arrest and detention (MT 29, 30, 31, 32).
        pub detention_type: Option<String>,
        pub whereabouts: Option<String>,
        pub legal_counsel: Option<String>,
        pub court_type: Option<String>,
        pub case_description: String,
        /// Killing (MT 34, 35).
        pub autopsy: Option<String>,
        pub death_certificate: Option<String>,
        /// Torture (MT 36, 37, 38).
        pub statements_signed: Option<String>,
        pub medical_attention: Option<String>,
        pub intent: Option<String>,
        /// Destruction (MT 47 for compensation).
        pub property_destroyed: String,
        pub property_value: String,
        pub compensation: Option<String>,
    }

    #[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
    #[serde(default)]
    pub struct ActInput {
        pub event_id: i64,
        /// Every act has exactly one victim (a person id).
        pub victim_id: Option<i64>,
        /// Micro-thesaurus 4.
        pub act_type: String,
        ..,
        /// Default: the event's level. The raw text, which validation parses into a
        /// [`Confidentiality`].
        pub confidentiality: String,
        pub need_to_know_users: Vec<i64>,
        pub need_to_know_teams: Vec<i64>,
        /// Perpetrators to record with the act.
        pub perpetrators: Vec<InvolvementInput>,
    }

    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct Act {
        pub id: i64,
        pub event_id: i64,
        pub victim_id: i64,
        pub act_type: String,
        /// killing, torture, detention, disappearance, destruction or other.
        pub kind: String,
        ..,
        #[schema(value_type = String)]
        pub confidentiality: Confidentiality,
        pub created_by: Option<i64>,
        pub created_at: String,
        pub updated_at: String,
        /// Independent sources (distinct source persons) whose information supports the act.
        pub sources: i64,
    }

    /// What to enter to record the same act again (a whole case's export): without its
    /// event, victim, perpetrators and need-to-know list, which the case gives by reference.
    pub fn act_input(a: &Act) -> ActInput {
        ..,
        event_id: 0,
        victim_id: None,
        act_type: a.act_type.clone(),
        confidentiality: a.confidentiality.to_string(),
        need_to_know_users: vec![],
        need_to_know_teams: vec![],
        perpetrators: vec![],
    }
});

/// A validated perpetrator: person, degree, type, latest status.
pub(crate) type Perp = (i64, Option<String>, Option<String>, Option<String>);

pub(crate) struct ValidAct {
    pub act_type: String,
    pub at: ValidWhereWhen,
    pub methods: Vec<String>,
    pub codes: Vec<Option<String>>,
    pub level: Option<Confidentiality>,
    pub perps: Vec<Perp>,
}

/// The coded fields of an act (each a micro-thesaurus), in the order of its form: its type,
/// its methods, then those with a single code ([`validate_act`] checks them in this order).
pub const ACT_CODED: [&str; 14] = [
    "act_type",
    "methods",
    "attribution",
    "victim_status",
    "detention_type",
    "whereabouts",
    "legal_counsel",
    "court_type",
    "autopsy",
    "death_certificate",
    "statements_signed",
    "medical_attention",
    "intent",
    "compensation",
];

pub(crate) fn validate_act(v: &Vocab, a: &ActInput) -> Result<ValidAct> {
    vacts::victim(a.victim_id)?;
    let act_type = vacts::act_type(v.check("act_type", &a.act_type)?)?;
    let vals = [
        &a.attribution,
        &a.victim_status,
        &a.detention_type,
        &a.whereabouts,
        &a.legal_counsel,
        &a.court_type,
        &a.autopsy,
        &a.death_certificate,
        &a.statements_signed,
        &a.medical_attention,
        &a.intent,
        &a.compensation,
    ];
    let mut codes = Vec::new();
    for (f, val) in ACT_CODED[2..].iter().zip(vals) {
        codes.push(v.check_opt(f, val)?);
    }
    let mut perps = Vec::new();
    for p in &a.perpetrators {
        perps.push((
            p.perpetrator_id,
            v.check_opt("degree", &p.degree)?,
            v.check_opt("perpetrator_type", &p.perpetrator_type)?,
            v.check_opt("latest_status", &p.latest_status)?,
        ));
    }
    Ok(ValidAct {
        act_type,
        at: ValidWhereWhen::parse(
            v,
            (&a.start_date, &a.end_date),
            &a.country,
            &a.admin_area,
            &a.place,
            &a.coordinates,
        )?,
        methods: v.check_all("methods", &a.methods)?,
        codes,
        level: if a.confidentiality.trim().is_empty() {
            None
        } else {
            Some(level(&a.confidentiality, Confidentiality::Internal)?)
        },
        perps,
    })
}

/// Whether a record that a new row will point to (a victim, a perpetrator, a source, an
/// event, an act) exists **and the writer may read it**, with everything it discloses.
/// Read on the transaction, so that records it created count. A record the writer may not
/// read answers exactly like one that does not exist: a link cannot probe for it, and
/// nothing is ever linked to a record its writer cannot see.
pub(crate) async fn exists(tx: &mut WriteTx, table: &str, id: i64) -> Result<bool> {
    let Some(access) = access_in_tx(tx, table, id).await? else {
        return Ok(false);
    };
    let mut disclosed = Vec::new();
    if table == ACT {
        let r = sqlx::query("SELECT event_id, victim_id FROM vio_acts WHERE id = $1")
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
        let (ev, victim): (i64, i64) = (r.get(0), r.get(1));
        for (t, pid) in [(EVENT, ev), (PERSON, victim)] {
            disclosed.push(access_in_tx(tx, t, pid).await?.unwrap_or_default());
        }
    }
    let disclosed: Vec<&dignity_core::RecordAccess> = disclosed.iter().collect();
    Ok(
        dignity_core::auth::authorize_disclosing(tx.actor(), Action::Read, &access, &disclosed)
            .allowed(),
    )
}

/// Create an act with its perpetrators (audited). The event and the persons must exist.
pub async fn create_act(tx: &mut WriteTx, vocab: &Vocab, a: &ActInput) -> Result<i64> {
    may_create(tx.actor(), Confidentiality::Internal)?;
    let v = validate_act(vocab, a)?;
    let ev_level: Option<String> =
        sqlx::query("SELECT confidentiality FROM vio_events WHERE id = $1")
            .bind(a.event_id)
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.get(0));
    let Some(ev_level) = ev_level else {
        return Err(Missing::Event.invalid("event_id", a.event_id).into());
    };
    if !exists(tx, EVENT, a.event_id).await? {
        return Err(Missing::Event.invalid("event_id", a.event_id).into());
    }
    let victim = a.victim_id.unwrap_or_default();
    if !exists(tx, PERSON, victim).await? {
        return Err(Missing::Person.invalid("victim_id", victim).into());
    }
    for p in &v.perps {
        if !exists(tx, PERSON, p.0).await? {
            return Err(Missing::Person.invalid("perpetrator_id", p.0).into());
        }
    }
    let lvl = v
        .level
        .unwrap_or(ev_level.parse().unwrap_or(Confidentiality::Internal));
    may_create(tx.actor(), lvl)?;
    let id = insert_act(tx, &v, a, lvl).await?;
    set_act_list_and_lens(tx, id, a.event_id, &v.act_type, lvl, a).await?;
    tx.audit(
        "act.create",
        ACT,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(a).unwrap_or_default()),
        serde_json::json!({ "event_id": a.event_id, "confidentiality": lvl.as_str(), "perpetrators": v.perps.len() }),
    );
    Ok(id)
}

/// Bind an act's values from its type to its confidentiality, in the order of the columns
/// of `vio_acts` (`act_type` … `confidentiality`: the insert and the update list them so),
/// as the next values of `q`; the sensitive ones encrypted for row `id`.
pub(crate) fn bind_act<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    store: &Store,
    id: i64,
    v: &'q ValidAct,
    a: &'q ActInput,
    lvl: Confidentiality,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let c = &v.codes;
    v.at.bind(q.bind(&v.act_type), store, "vio_acts", id)
        .bind(&c[0])
        .bind(enc(store, "vio_acts.consequences", id, &a.consequences))
        .bind(&c[1])
        .bind(&c[2])
        .bind(&c[3])
        .bind(&c[4])
        .bind(&c[5])
        .bind(enc(
            store,
            "vio_acts.case_description",
            id,
            &a.case_description,
        ))
        .bind(&c[6])
        .bind(&c[7])
        .bind(&c[8])
        .bind(&c[9])
        .bind(&c[10])
        .bind(enc_keep(
            store,
            "vio_acts.property_destroyed",
            id,
            &a.property_destroyed,
        ))
        .bind(enc_keep(
            store,
            "vio_acts.property_value",
            id,
            &a.property_value,
        ))
        .bind(&c[11])
        .bind(lvl.as_str())
}

/// Set an act's need-to-know list, then put the lens its type implies on its event — only
/// for an act without a need-to-know list: a tag on the event must not reveal a restricted
/// act. Lenses already on the event stay (they may be set by hand).
pub(crate) async fn set_act_list_and_lens(
    tx: &mut WriteTx,
    id: i64,
    event_id: i64,
    act_type: &str,
    lvl: Confidentiality,
    a: &ActInput,
) -> Result<()> {
    let (users, teams) = (&a.need_to_know_users, &a.need_to_know_teams);
    set_list(tx, ACT, id, lvl, users, teams).await?;
    if let Some(l) = lens_of_act(act_type).filter(|_| !lvl.needs_list()) {
        add_lens(tx, event_id, l).await?;
    }
    Ok(())
}

pub(crate) async fn insert_act(
    tx: &mut WriteTx,
    v: &ValidAct,
    a: &ActInput,
    lvl: Confidentiality,
) -> Result<i64> {
    let store = tx.store().clone();
    let at = now();
    let id = tx.next_id("vio_acts").await?;
    let insert = sqlx::query(
        "INSERT INTO vio_acts (event_id, victim_id, act_type, start_date, start_sort, end_date, end_sort, country, admin_area, \
         place, coordinates, attribution, consequences, victim_status, detention_type, whereabouts, legal_counsel, court_type, \
         case_description, autopsy, death_certificate, statements_signed, medical_attention, intent, property_destroyed, \
         property_value, compensation, confidentiality, published, created_by, created_at, updated_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,0,$29,$30,$30,$31)",
    )
    .bind(a.event_id)
    .bind(a.victim_id);
    bind_act(insert, &store, id, v, a, lvl)
        .bind(tx.actor().user_id)
        .bind(&at)
        .bind(id)
        .execute(tx.conn())
        .await?;
    add_terms(tx, (ACT, id, "methods"), &v.methods).await?;
    for p in &v.perps {
        sqlx::query(
            "INSERT INTO vio_involvements (act_id, perpetrator_id, degree, perpetrator_type, latest_status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(p.0)
        .bind(&p.1)
        .bind(&p.2)
        .bind(&p.3)
        .bind(&at)
        .execute(tx.conn())
        .await?;
    }
    Ok(id)
}

/// Add a perpetrator to an act (audited).
pub async fn add_involvement(
    tx: &mut WriteTx,
    vocab: &Vocab,
    act_id: i64,
    i: &InvolvementInput,
) -> Result<i64> {
    // Adding to a record is writing: the role must allow it, whatever the record.
    may_create(tx.actor(), Confidentiality::Internal)?;
    let degree = vocab.check_opt("degree", &i.degree)?;
    let ptype = vocab.check_opt("perpetrator_type", &i.perpetrator_type)?;
    let status = vocab.check_opt("latest_status", &i.latest_status)?;
    if !exists(tx, PERSON, i.perpetrator_id).await? {
        return Err(Missing::Person
            .invalid("perpetrator_id", i.perpetrator_id)
            .into());
    }
    if !exists(tx, ACT, act_id).await? {
        return Err(Missing::Act.invalid("act_id", act_id).into());
    }
    let id: i64 = sqlx::query(
        "INSERT INTO vio_involvements (act_id, perpetrator_id, degree, perpetrator_type, latest_status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(act_id)
    .bind(i.perpetrator_id)
    .bind(degree)
    .bind(ptype)
    .bind(status)
    .bind(now())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "involvement.create",
        ACT,
        &act_id.to_string(),
        None,
        Some(&serde_json::to_value(i).unwrap_or_default()),
        serde_json::json!({ "involvement_id": id }),
    );
    Ok(id)
}

pub(super) const ACT_COLS: &str = "id, event_id, victim_id, act_type, start_date, end_date, country, admin_area, place, coordinates, \
    attribution, consequences, victim_status, detention_type, whereabouts, legal_counsel, court_type, case_description, \
    autopsy, death_certificate, statements_signed, medical_attention, intent, property_destroyed, property_value, \
    compensation, confidentiality, created_by, created_at, updated_at";

pub(super) async fn act_from(store: &Store, r: &AnyRow) -> Result<Act> {
    let id: i64 = r.get(0);
    let act_type: String = r.get(3);
    Ok(Act {
        id,
        event_id: r.get(1),
        victim_id: r.get(2),
        kind: act_kind(&act_type).into(),
        act_type,
        start_date: dec(store, "vio_acts.start_date", id, r.get(4))?,
        end_date: dec(store, "vio_acts.end_date", id, r.get(5))?,
        country: r.get(6),
        admin_area: dec(store, "vio_acts.admin_area", id, r.get(7))?,
        place: dec(store, "vio_acts.place", id, r.get(8))?,
        coordinates: dec(store, "vio_acts.coordinates", id, r.get(9))?,
        methods: terms_of(store, ACT, id, "methods").await?,
        attribution: r.get(10),
        consequences: dec(store, "vio_acts.consequences", id, r.get(11))?,
        victim_status: r.get(12),
        detention_type: r.get(13),
        whereabouts: r.get(14),
        legal_counsel: r.get(15),
        court_type: r.get(16),
        case_description: dec(store, "vio_acts.case_description", id, r.get(17))?,
        autopsy: r.get(18),
        death_certificate: r.get(19),
        statements_signed: r.get(20),
        medical_attention: r.get(21),
        intent: r.get(22),
        property_destroyed: dec(store, "vio_acts.property_destroyed", id, r.get(23))?,
        property_value: dec(store, "vio_acts.property_value", id, r.get(24))?,
        compensation: r.get(25),
        confidentiality: stored_level(r, 26),
        created_by: r.get(27),
        created_at: r.get(28),
        updated_at: r.get(29),
        sources: act_sources(store, id).await?,
    })
}

/// Independent sources of an act: distinct source persons with information on the act
/// itself or on its event as a whole.
pub async fn act_sources(store: &Store, act_id: i64) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(DISTINCT i.source_id) FROM vio_information i JOIN vio_acts a ON a.id = $1 \
         WHERE i.act_id = a.id OR (i.act_id IS NULL AND i.event_id = a.event_id)",
    )
    .bind(act_id)
    .fetch_one(store.pool())
    .await?
    .get(0))
}

pub async fn get_act(store: &Store, id: i64) -> Result<Option<Act>> {
    let r = sqlx::query(&format!("SELECT {ACT_COLS} FROM vio_acts WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    match r {
        Some(r) => Ok(Some(act_from(store, &r).await?)),
        None => Ok(None),
    }
}

/// The acts of an event that the actor may see.
pub async fn acts_of_event(store: &Store, actor: &Actor, event_id: i64) -> Result<Vec<Act>> {
    let rows = sqlx::query(&format!(
        "SELECT {ACT_COLS} FROM vio_acts ac WHERE ac.event_id = $1 AND {} ORDER BY ac.start_sort, ac.id",
        act_visible_sql(actor, "ac")
    ))
    .bind(event_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(act_from(store, r).await?);
    }
    // The clear sort key keeps the month: within a month, by the exact (decrypted) date.
    out.sort_by_cached_key(|a| (sort_key_of(&a.start_date), a.id));
    Ok(out)
}

/// The order of the acts of an event: the month key (unknown first, as `ORDER BY
/// start_sort` did), then the exact day.
pub(super) fn sort_key_of(d: &str) -> (String, String) {
    let exact = exact_sort_key(d);
    (exact.chars().take(7).collect(), exact)
}

pub async fn involvements(store: &Store, actor: &Actor, act_id: i64) -> Result<Vec<Involvement>> {
    let rows = sqlx::query(
        "SELECT id, act_id, perpetrator_id, degree, perpetrator_type, latest_status FROM vio_involvements WHERE act_id = $1 ORDER BY id",
    )
    .bind(act_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = vec![];
    for r in rows {
        let pid: i64 = r.get(2);
        out.push(Involvement {
            id: r.get(0),
            act_id: r.get(1),
            perpetrator_id: pid,
            perpetrator: display_name(store, actor, pid).await?,
            degree: r.get(3),
            perpetrator_type: r.get(4),
            latest_status: r.get(5),
        });
    }
    Ok(out)
}

/// A line of the act list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActRow {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub act_type: String,
    pub start_date: String,
    pub country: Option<String>,
    pub victim_id: i64,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
}

/// Filters of the act list.
#[derive(Debug, Clone, Default)]
pub struct ActFilter {
    /// Type of act (micro-thesaurus 4); narrower types are included.
    pub act_type: Option<String>,
    pub country: Option<String>,
    /// Only the acts done to this person.
    pub victim_id: Option<i64>,
    /// Keyset pagination: only acts with a smaller id (the last id of the previous page).
    pub before: Option<i64>,
}

/// Totals of lists are counted up to this many rows: past it a list says "more than
/// 10,000" instead of scanning every row the reader may see on each request.
pub const TOTAL_CAP: i64 = 10_000;

/// `COUNT(*)` of a list, stopping after `TOTAL_CAP + 1` rows.
pub(crate) fn capped_count_sql(from_where: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {from_where} LIMIT {}) capped",
        TOTAL_CAP + 1
    )
}

/// One page of a list and its total up to [`TOTAL_CAP`] + 1: `SELECT {columns} FROM
/// {from_where} ORDER BY {order}`, at most `limit` rows (1 to 1000) from `offset`, with
/// `args` bound to the placeholders.
pub(crate) async fn page_of(
    store: &Store,
    columns: &str,
    from_where: &str,
    order: &str,
    args: &[String],
    (limit, offset): (i64, i64),
) -> Result<(i64, Vec<AnyRow>)> {
    let count_sql = capped_count_sql(from_where);
    let q = crate::query_with(&count_sql, args);
    let total: i64 = q.fetch_one(store.pool()).await?.get(0);
    let list_sql = format!(
        "SELECT {columns} FROM {from_where} ORDER BY {order} LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let rows = crate::query_with(&list_sql, args)
        .fetch_all(store.pool())
        .await?;
    Ok((total, rows))
}

/// Is a total from a list function exact (not capped at [`TOTAL_CAP`])?
pub fn total_is_exact(total: i64) -> bool {
    total <= TOTAL_CAP
}

/// Acts the actor may see (the act and its event both visible), newest first, with the
/// total up to [`TOTAL_CAP`] + 1 (see [`total_is_exact`]).
pub async fn list_acts(
    store: &Store,
    actor: &Actor,
    f: &ActFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<ActRow>)> {
    let mut w = format!(
        "{} AND {}",
        act_visible_sql(actor, "ac"),
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    );
    let t = f
        .act_type
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("{}%", t.trim().trim_end_matches('0')));
    let c = f
        .country
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_default();
    // Only the conditions in use go into the SQL, so that the planner can use the indexes
    // (act type, victim, id) instead of testing `$n = ''` on every row.
    let mut args: Vec<String> = vec![];
    let mut arg = |v: String| {
        args.push(v);
        format!("${}", args.len())
    };
    if let Some(t) = t {
        w.push_str(&format!(" AND ac.act_type LIKE {}", arg(t)));
    }
    if !c.is_empty() {
        w.push_str(&format!(
            " AND COALESCE(ac.country, e.country) = {}",
            arg(c)
        ));
    }
    if let Some(v) = f.victim_id {
        w.push_str(&format!(" AND ac.victim_id = {}", v));
    }
    if let Some(b) = f.before {
        w.push_str(&format!(" AND ac.id < {}", b));
    }
    let (total, page) = page_of(
        store,
        "ac.id, ac.event_id, e.title, ac.act_type, ac.start_date, COALESCE(ac.country, e.country), ac.victim_id, \
         ac.confidentiality",
        &format!("vio_acts ac JOIN vio_events e ON e.id = ac.event_id WHERE {w}"),
        "ac.id DESC",
        &args,
        (limit, offset),
    )
    .await?;
    let mut rows = Vec::new();
    for r in &page {
        let (id, event_id): (i64, i64) = (r.get(0), r.get(1));
        rows.push(ActRow {
            id,
            event_id,
            event_title: dec(store, "vio_events.title", event_id, r.get(2))?,
            act_type: r.get(3),
            start_date: dec(store, "vio_acts.start_date", id, r.get(4))?,
            country: r.get(5),
            victim_id: r.get(6),
            confidentiality: stored_level(r, 7),
        });
    }
    Ok((total, rows))
}

/// Counts of visible acts by type of act (top-level groups of MT 4 by their first two
/// digits), for counters and lenses.
pub async fn count_acts_by_type(
    store: &Store,
    actor: &Actor,
    lens: Option<&str>,
) -> Result<Vec<(String, i64)>> {
    let lens_w = match lens {
        Some(_) => {
            " AND EXISTS (SELECT 1 FROM vio_event_lenses l WHERE l.event_id = e.id AND l.lens = $1)"
        }
        None => " AND $1 = $1",
    };
    Ok(sqlx::query(&format!(
        "SELECT ac.act_type, COUNT(*) FROM vio_acts ac JOIN vio_events e ON e.id = ac.event_id WHERE {} AND {}{lens_w} \
         GROUP BY ac.act_type ORDER BY COUNT(*) DESC",
        act_visible_sql(actor, "ac"),
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event)
    ))
    .bind(lens.unwrap_or(""))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}
