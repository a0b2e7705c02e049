//! Missing persons: cases, their status history (dated, attributed, backed by evidence or a
//! reference, in order), relatives and reports with the family's sharing consent, what was
//! shared with whom, consent-checked exports, and per-case access links for families.

use super::*;
use crate::now;
use crate::violations::{self as v, PersonInput, Vocab};
use sha2::{Digest, Sha256};

/// Statuses of a case.
pub const STATUSES: &[&str] = &[
    "missing",
    "located_alive",
    "deceased_identified",
    "remains_unidentified",
    "closed",
];

/// The statuses a case may go to from `from`.
pub fn next_statuses(from: &str) -> &'static [&'static str] {
    match from {
        "missing" => &[
            "located_alive",
            "deceased_identified",
            "remains_unidentified",
            "closed",
        ],
        "remains_unidentified" => &["deceased_identified", "closed"],
        "located_alive" | "deceased_identified" => &["closed"],
        "closed" => &["missing"],
        _ => &[],
    }
}

/// The bucket of a status in the counts: open, located or closed.
pub fn bucket(status: &str) -> &'static str {
    match status {
        "missing" | "remains_unidentified" => "open",
        "located_alive" | "deceased_identified" => "located",
        _ => "closed",
    }
}

/// Who may receive a case's information.
pub const RECIPIENT_KINDS: &[&str] = &["organisation_only", "commission", "organisations"];
/// Relationships of relatives to the missing person.
pub const RELATIONSHIPS: &[&str] = &[
    "parent",
    "child",
    "spouse",
    "sibling",
    "grandparent",
    "grandchild",
    "other_relative",
    "friend",
    "other",
];

// --------------------------------------------------------------- periods --

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    pub id: i64,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
}

/// Add a conflict or period (e.g. "Kosovo 1998–2000", 1998-01 to 2000-12). Audited.
pub async fn add_period(tx: &mut WriteTx, name: &str, start: &str, end: &str) -> Result<i64> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(StoreError::invalid(
            "name",
            "a period needs a name (at most 200 characters)",
        ));
    }
    let (s, _, e, _) = v::date_range("start_date", start, "end_date", end)?;
    if s.is_empty() {
        return Err(StoreError::invalid("start_date", "a period needs a start"));
    }
    // Names are encrypted: the uniqueness is checked here, among the (few) periods.
    let store = tx.store().clone();
    for r in sqlx::query("SELECT id, name FROM pro_periods")
        .fetch_all(tx.conn())
        .await?
    {
        let other = dec(&store, "pro_periods.name", r.get(0), r.get(1))?;
        if other.trim().to_lowercase() == name.to_lowercase() {
            return Err(StoreError::invalid(
                "name",
                "a period with this name exists",
            ));
        }
    }
    let id = tx.next_id("pro_periods").await?;
    sqlx::query("INSERT INTO pro_periods (name, start_date, end_date, created_at, id) VALUES ($1,$2,$3,$4,$5)")
        .bind(enc_keep(&store, "pro_periods.name", id, name))
        .bind(enc_keep(&store, "pro_periods.start_date", id, &s))
        .bind(enc_keep(&store, "pro_periods.end_date", id, &e))
        .bind(now())
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "period.create",
        "pro_periods",
        &id.to_string(),
        None,
        None,
        serde_json::json!({}),
    );
    Ok(id)
}

/// Every period, decrypted, by start date (sorted here: the dates are encrypted).
pub async fn periods(store: &Store) -> Result<Vec<Period>> {
    let mut out = vec![];
    for r in sqlx::query("SELECT id, name, start_date, end_date FROM pro_periods")
        .fetch_all(store.pool())
        .await?
    {
        let id: i64 = r.get(0);
        out.push(Period {
            id,
            name: dec(store, "pro_periods.name", id, r.get(1))?,
            start_date: dec(store, "pro_periods.start_date", id, r.get(2))?,
            end_date: dec(store, "pro_periods.end_date", id, r.get(3))?,
        });
    }
    out.sort_by(|a, b| {
        sort_date(&a.start_date)
            .cmp(&sort_date(&b.start_date))
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The name of each period, by id (decrypted).
pub async fn period_names(store: &Store) -> Result<std::collections::HashMap<i64, String>> {
    Ok(periods(store)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// A typed date as a sort key (its earliest day; an unparseable value sorts first).
pub(crate) fn sort_date(s: &str) -> String {
    s.parse::<dignity_core::PartialDate>()
        .map(|d| v::sort_key(&d))
        .unwrap_or_default()
}

// ----------------------------------------------------------------- cases --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MissingInput {
    /// An existing person; otherwise one is created from the fields below.
    pub person_id: Option<i64>,
    pub name: String,
    pub other_names: Vec<String>,
    /// Micro-thesaurus 39.
    pub sex: Option<String>,
    pub birth_date: String,
    pub age_group: String,
    /// Partial date (YYYY, YYYY-MM, YYYY-MM-DD).
    pub last_seen_date: String,
    pub last_seen_place: String,
    pub region: String,
    pub community: String,
    pub circumstances: String,
    /// Physical description and clothing.
    pub description: String,
    pub period_id: Option<i64>,
    /// The date the case is opened (default today).
    pub opened_on: String,
    /// Default confidential.
    pub confidentiality: String,
    pub need_to_know_users: Vec<i64>,
    pub need_to_know_teams: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingCase {
    pub id: i64,
    pub person_id: i64,
    /// Name or pseudonym as the reader may see it.
    pub name: String,
    pub other_names: Vec<String>,
    pub sex: Option<String>,
    pub birth_date: String,
    pub last_seen_date: String,
    pub last_seen_place: String,
    pub region: String,
    pub community: String,
    pub circumstances: String,
    pub description: String,
    pub period_id: Option<i64>,
    pub period: String,
    pub status: String,
    pub status_on: String,
    pub confidentiality: String,
    pub created_at: String,
}

/// Open a missing person case (status "missing"). Audited.
pub async fn create_missing(tx: &mut WriteTx, vocab: &Vocab, m: &MissingInput) -> Result<i64> {
    let store = tx.store().clone();
    let level = v::level(&m.confidentiality, Confidentiality::Confidential)?;
    v::may_create(tx.actor(), level)?;
    let seen = v::date("last_seen_date", &m.last_seen_date)?;
    if seen.earliest().is_some_and(|d| d > today()) {
        return Err(StoreError::invalid(
            "last_seen_date",
            "the date last seen is in the future",
        ));
    }
    let opened = if m.opened_on.trim().is_empty() {
        today()
    } else {
        not_future("opened_on", day("opened_on", &m.opened_on)?)?
    };
    if let Some(p) = m.period_id {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM pro_periods WHERE id = $1")
            .bind(p)
            .fetch_one(tx.conn())
            .await?
            .get(0);
        if n == 0 {
            return Err(StoreError::invalid("period_id", format!("no period {p}")));
        }
    }
    let person_id = match m.person_id {
        Some(p) => {
            super::ensure_person_free(tx, "pro_missing", p, "a missing person case").await?;
            p
        }
        None => {
            v::create_person(
                tx,
                vocab,
                &PersonInput {
                    name: m.name.clone(),
                    other_names: m.other_names.clone(),
                    sex: m.sex.clone(),
                    birth_date: m.birth_date.clone(),
                    age_group: m.age_group.clone(),
                    confidentiality: level.as_str().into(),
                    need_to_know_users: m.need_to_know_users.clone(),
                    need_to_know_teams: m.need_to_know_teams.clone(),
                    ..Default::default()
                },
            )
            .await?
        }
    };
    let at = now();
    let id = tx.next_id("pro_missing").await?;
    sqlx::query(
        "INSERT INTO pro_missing (person_id, last_seen_date, last_seen_sort, last_seen_place, region, community, circumstances, description, \
         period_id, status, status_on, confidentiality, published, created_by, created_at, updated_at, id, region_key, community_key) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'missing',$10,$11,0,$12,$13,$13,$14,$15,$16)",
    )
    .bind(person_id)
    .bind(enc_keep(&store, "pro_missing.last_seen_date", id, &seen.to_string()))
    .bind(month_key(&seen))
    .bind(enc(&store, "pro_missing.last_seen_place", id, &m.last_seen_place))
    .bind(enc_keep(&store, "pro_missing.region", id, &m.region))
    .bind(enc_keep(&store, "pro_missing.community", id, &m.community))
    .bind(enc(&store, "pro_missing.circumstances", id, &m.circumstances))
    .bind(enc(&store, "pro_missing.description", id, &m.description))
    .bind(m.period_id)
    .bind(enc_keep(&store, "pro_missing.status_on", id, &opened.to_string()))
    .bind(level.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .bind(label_key(&store, REGION_KEY, &m.region))
    .bind(label_key(&store, COMMUNITY_KEY, &m.community))
    .execute(tx.conn())
    .await?;
    let hid = tx.next_id("pro_status_history").await?;
    sqlx::query(
        "INSERT INTO pro_status_history (missing_id, seq, from_status, to_status, changed_on, reference, by_user, by_name, at, id) \
         VALUES ($1, 1, '', 'missing', $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(enc_keep(&store, "pro_status_history.changed_on", hid, &opened.to_string()))
    .bind(enc_keep(&store, "pro_status_history.reference", hid, "case opened"))
    .bind(tx.actor().user_id)
    .bind(tx.actor().username.clone())
    .bind(&at)
    .bind(hid)
    .execute(tx.conn())
    .await?;
    set_list(
        tx,
        MISSING,
        id,
        level,
        &m.need_to_know_users,
        &m.need_to_know_teams,
    )
    .await?;
    tx.audit(
        "missing.create",
        MISSING,
        &id.to_string(),
        None,
        Some(&serde_json::to_value(m).unwrap_or_default()),
        serde_json::json!({ "person_id": person_id, "confidentiality": level.as_str() }),
    );
    Ok(id)
}

const CASE_SQL: &str = "SELECT m.id, m.person_id, m.last_seen_date, m.last_seen_place, m.region, m.community, m.circumstances, m.description, \
    m.period_id, COALESCE(p.name, ''), m.status, m.status_on, m.confidentiality, m.created_at FROM pro_missing m LEFT JOIN pro_periods p ON p.id = m.period_id";

async fn case_from(store: &Store, r: &sqlx::any::AnyRow) -> Result<MissingCase> {
    let pid: i64 = r.get(1);
    let p = v::get_person(store, pid)
        .await?
        .ok_or_else(|| StoreError::Internal(format!("case without person {pid}")))?;
    let id: i64 = r.get(0);
    Ok(MissingCase {
        id,
        person_id: pid,
        name: p.name,
        other_names: p.other_names,
        sex: p.sex,
        birth_date: p.birth_date,
        last_seen_date: dec(store, "pro_missing.last_seen_date", id, r.get(2))?,
        last_seen_place: dec(store, "pro_missing.last_seen_place", id, r.get(3))?,
        region: dec(store, "pro_missing.region", id, r.get(4))?,
        community: dec(store, "pro_missing.community", id, r.get(5))?,
        circumstances: dec(store, "pro_missing.circumstances", id, r.get(6))?,
        description: dec(store, "pro_missing.description", id, r.get(7))?,
        period_id: r.get(8),
        period: match r.get::<Option<i64>, _>(8) {
            Some(p) => dec(store, "pro_periods.name", p, r.get(9))?,
            None => String::new(),
        },
        status: r.get(10),
        status_on: dec(store, "pro_missing.status_on", id, r.get(11))?,
        confidentiality: r.get(12),
        created_at: r.get(13),
    })
}

/// A case, decrypted, with the real name (no access check: see [`case_for`]).
pub async fn get_missing(store: &Store, id: i64) -> Result<Option<MissingCase>> {
    match sqlx::query(&format!("{CASE_SQL} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
    {
        Some(r) => Ok(Some(case_from(store, &r).await?)),
        None => Ok(None),
    }
}

/// A case as the actor may see it (`None` when missing or not readable; pseudonymised for
/// readers who may not see names).
pub async fn case_for(store: &Store, actor: &Actor, id: i64) -> Result<Option<MissingCase>> {
    if !can(store, actor, Action::Read, MISSING, id).await? {
        return Ok(None);
    }
    let Some(mut c) = get_missing(store, id).await? else {
        return Ok(None);
    };
    if !v::sees_names(store, actor).await? {
        c.name = v::pseudonym(store, c.person_id);
        c.other_names.clear();
        c.last_seen_place.clear();
        c.circumstances.clear();
        c.description.clear();
    }
    Ok(Some(c))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MissingFilter {
    pub status: Option<String>,
    pub region: Option<String>,
    pub period_id: Option<i64>,
    /// Exact name or other name (blind index look-up).
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingRow {
    pub id: i64,
    pub name: String,
    pub last_seen_date: String,
    pub region: String,
    pub community: String,
    pub status: String,
    pub status_on: String,
    pub sources: i64,
    pub confidentiality: String,
}

/// Cases the actor may see, filtered; newest first.
pub async fn list_missing(
    store: &Store,
    actor: &Actor,
    f: &MissingFilter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<MissingRow>)> {
    let mut w = vec![profile_visible_sql(
        actor,
        "m",
        dignity_core::RecordType::Missing,
    )];
    let mut binds: Vec<String> = vec![];
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        binds.push(s.into());
        w.push(format!("m.status = ${}", binds.len()));
    }
    if let Some(s) = f.region.as_deref().filter(|s| !s.trim().is_empty()) {
        binds.push(label_key(store, REGION_KEY, s));
        w.push(format!("m.region_key = ${}", binds.len()));
    }
    if let Some(p) = f.period_id {
        w.push(format!("m.period_id = {p}"));
    }
    let names = v::sees_names(store, actor).await?;
    // No name matching for a reader who may not see names (issue 15, hole 6): the answer
    // would tell them whether that person is recorded.
    if let Some(n) = f.name.as_deref().filter(|n| names && !n.trim().is_empty()) {
        let idx = v::name_indexes(store, n);
        binds.push(idx[0].clone());
        binds.push(idx[1].clone());
        w.push(format!("m.person_id IN (SELECT person_id FROM vio_person_names WHERE bidx = ${} OR bidx = ${})", binds.len() - 1, binds.len()));
    }
    let w = w.join(" AND ");
    let sql = format!("SELECT COUNT(*) FROM pro_missing m WHERE {w}");
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total: i64 = q.fetch_one(store.pool()).await?.get(0);
    let sql = format!(
        "SELECT m.id, m.person_id, m.last_seen_date, m.region, m.community, m.status, m.status_on, m.confidentiality, \
         (SELECT COUNT(*) FROM pro_source_records r WHERE r.missing_id = m.id AND r.current = 1) FROM pro_missing m WHERE {w} \
         ORDER BY m.id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 1000),
        offset.max(0)
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(store.pool()).await?;
    let mut out = vec![];
    for r in rows {
        let pid: i64 = r.get(1);
        let id: i64 = r.get(0);
        out.push(MissingRow {
            id,
            name: if names {
                v::get_person(store, pid)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default()
            } else {
                v::pseudonym(store, pid)
            },
            last_seen_date: dec(store, "pro_missing.last_seen_date", id, r.get(2))?,
            region: dec(store, "pro_missing.region", id, r.get(3))?,
            community: dec(store, "pro_missing.community", id, r.get(4))?,
            status: r.get(5),
            status_on: dec(store, "pro_missing.status_on", id, r.get(6))?,
            confidentiality: r.get(7),
            sources: r.get(8),
        });
    }
    Ok((total, out))
}

// ------------------------------------------------------------- status --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct StatusChange {
    pub status: String,
    /// The date of the change (the identification, the location…), not of its entry.
    pub changed_on: String,
    /// An evidence item (violations area) backing the change…
    pub evidence_id: Option<i64>,
    /// …or a reference (a DNA report number, a commission decision, a death certificate).
    pub reference: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusEntry {
    pub seq: i64,
    pub from_status: String,
    pub to_status: String,
    pub changed_on: String,
    pub evidence_id: Option<i64>,
    pub reference: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

/// Change the status of a case. Refused (nothing written) without evidence or a reference,
/// for a transition that does not follow from the current status, for a date before the
/// last change or in the future. Audited.
pub async fn change_status(tx: &mut WriteTx, id: i64, c: &StatusChange) -> Result<i64> {
    let to = c.status.trim();
    if !STATUSES.contains(&to) {
        return Err(StoreError::invalid(
            "status",
            format!("{to:?}: expected one of {}", STATUSES.join(", ")),
        ));
    }
    let r = sqlx::query("SELECT status, status_on FROM pro_missing WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("missing person case {id}")))?;
    let from: String = r.get(0);
    let last_on = dec(tx.store(), "pro_missing.status_on", id, r.get(1))?;
    if from == to {
        return Err(StoreError::invalid(
            "status",
            format!("the case is already {to}"),
        ));
    }
    let next = next_statuses(&from);
    if !next.contains(&to) {
        return Err(StoreError::invalid(
            "status",
            format!(
                "a case that is {from} cannot become {to}: from {from} it can become {}",
                next.join(", ")
            ),
        ));
    }
    if c.evidence_id.is_none() && c.reference.trim().is_empty() {
        return Err(StoreError::invalid(
            "evidence",
            "a change of status needs evidence: attach an evidence item or give a reference",
        ));
    }
    if let Some(e) = c.evidence_id {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM vio_evidence WHERE id = $1")
            .bind(e)
            .fetch_one(tx.conn())
            .await?
            .get(0);
        if n == 0 {
            return Err(StoreError::invalid(
                "evidence",
                format!("no evidence item {e}"),
            ));
        }
    }
    let on = not_future("changed_on", day("changed_on", &c.changed_on)?)?;
    if on.to_string() < last_on {
        return Err(StoreError::invalid(
            "changed_on",
            format!("out of order: the last change of this case ({from}) is dated {last_on}; a new status cannot be dated {on}"),
        ));
    }
    let seq: i64 = sqlx::query(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM pro_status_history WHERE missing_id = $1",
    )
    .bind(id)
    .fetch_one(tx.conn())
    .await?
    .get(0);
    let store = tx.store().clone();
    let at = now();
    let hid = tx.next_id("pro_status_history").await?;
    sqlx::query(
        "INSERT INTO pro_status_history (missing_id, seq, from_status, to_status, changed_on, evidence_id, reference, note, by_user, by_name, at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
    )
    .bind(id)
    .bind(seq)
    .bind(&from)
    .bind(to)
    .bind(enc_keep(&store, "pro_status_history.changed_on", hid, &on.to_string()))
    .bind(c.evidence_id)
    .bind(enc_keep(&store, "pro_status_history.reference", hid, &c.reference))
    .bind(enc(&store, "pro_status_history.note", hid, &c.note))
    .bind(tx.actor().user_id)
    .bind(tx.actor().username.clone())
    .bind(&at)
    .bind(hid)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "UPDATE pro_missing SET status = $1, status_on = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(to)
    .bind(enc_keep(
        &store,
        "pro_missing.status_on",
        id,
        &on.to_string(),
    ))
    .bind(&at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    if to == "deceased_identified" {
        sqlx::query("UPDATE vio_persons SET deceased = 1, updated_at = $1 WHERE id = (SELECT person_id FROM pro_missing WHERE id = $2)")
            .bind(&at)
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    tx.audit(
        "missing.status",
        MISSING,
        &id.to_string(),
        Some(&serde_json::json!({ "status": from, "status_on": last_on })),
        Some(&serde_json::to_value(c).unwrap_or_default()),
        serde_json::json!({ "from": from, "to": to, "seq": seq, "evidence_id": c.evidence_id }),
    );
    Ok(seq)
}

/// The status history of a case, oldest first.
pub async fn history(store: &Store, id: i64) -> Result<Vec<StatusEntry>> {
    let rows = sqlx::query(
        "SELECT seq, from_status, to_status, changed_on, evidence_id, reference, note, by_name, at, id FROM pro_status_history \
         WHERE missing_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let hid: i64 = r.get(9);
            Ok(StatusEntry {
                seq: r.get(0),
                from_status: r.get(1),
                to_status: r.get(2),
                changed_on: dec(store, "pro_status_history.changed_on", hid, r.get(3))?,
                evidence_id: r.get(4),
                reference: dec(store, "pro_status_history.reference", hid, r.get(5))?,
                note: dec(store, "pro_status_history.note", hid, r.get(6))?,
                by: r.get(7),
                at: r.get(8),
            })
        })
        .collect()
}

// ------------------------------------------------------------- families --

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RelativeInput {
    pub name: String,
    pub relationship: String,
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Relative {
    pub id: i64,
    pub missing_id: i64,
    pub name: String,
    pub relationship: String,
    pub contact: String,
}

/// Add a relative or reporting person to a case. Audited.
pub async fn add_relative(tx: &mut WriteTx, missing_id: i64, r: &RelativeInput) -> Result<i64> {
    let name = r.name.trim();
    if name.is_empty() || name.chars().count() > 300 {
        return Err(StoreError::invalid(
            "relative_name",
            "a relative needs a name (at most 300 characters)",
        ));
    }
    let rel = r.relationship.trim();
    if !RELATIONSHIPS.contains(&rel) {
        return Err(StoreError::invalid(
            "relationship",
            format!("{rel:?}: expected one of {}", RELATIONSHIPS.join(", ")),
        ));
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM pro_missing WHERE id = $1")
        .bind(missing_id)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if n == 0 {
        return Err(StoreError::NotFound(format!(
            "missing person case {missing_id}"
        )));
    }
    let store = tx.store().clone();
    let id = tx.next_id("pro_relatives").await?;
    sqlx::query("INSERT INTO pro_relatives (missing_id, name, relationship, contact, created_by, created_at, id) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .bind(missing_id)
        .bind(store.keys().encrypt("pro_relatives.name", id, name))
        .bind(rel)
        .bind(enc(&store, "pro_relatives.contact", id, &r.contact))
        .bind(tx.actor().user_id)
        .bind(now())
        .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "relative.add",
        MISSING,
        &missing_id.to_string(),
        None,
        Some(&serde_json::to_value(r).unwrap_or_default()),
        serde_json::json!({ "relative_id": id, "relationship": rel }),
    );
    Ok(id)
}

pub async fn relatives(store: &Store, missing_id: i64) -> Result<Vec<Relative>> {
    let rows = sqlx::query("SELECT id, missing_id, name, relationship, contact FROM pro_relatives WHERE missing_id = $1 ORDER BY id")
        .bind(missing_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Ok(Relative {
                id,
                missing_id: r.get(1),
                name: store.decrypt("pro_relatives.name", id, &r.get::<String, _>(2))?,
                relationship: r.get(3),
                contact: dec(store, "pro_relatives.contact", id, r.get(4))?,
            })
        })
        .collect()
}

/// Sharing consent of one report: whom the reporting family allows the information to go to.
/// The organisation itself always holds it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(default)]
pub struct Consent {
    /// The authorities' commission on missing persons.
    pub commission: bool,
    /// Other organisations (the Red Cross, NGOs, family associations).
    pub organisations: bool,
}

impl Consent {
    pub fn allows(&self, recipient_kind: &str) -> bool {
        match recipient_kind {
            "organisation_only" => true,
            "commission" => self.commission,
            "organisations" => self.organisations,
            _ => false,
        }
    }
    /// The one-word summary shown next to the data.
    pub fn summary(&self) -> &'static str {
        match (self.commission, self.organisations) {
            (false, false) => "organisation_only",
            (true, false) => "commission",
            (false, true) => "organisations",
            (true, true) => "commission_and_organisations",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReportInput {
    pub relative_id: i64,
    /// Default today.
    pub reported_on: String,
    pub consent: Consent,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FamilyReport)]
pub struct Report {
    pub id: i64,
    pub missing_id: i64,
    pub relative_id: i64,
    pub relative: String,
    pub relationship: String,
    pub reported_on: String,
    pub consent: Consent,
    pub consent_updated_at: String,
}

/// Record a report by a relative with their sharing consent. Audited.
pub async fn add_report(tx: &mut WriteTx, missing_id: i64, r: &ReportInput) -> Result<i64> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM pro_relatives WHERE id = $1 AND missing_id = $2")
            .bind(r.relative_id)
            .bind(missing_id)
            .fetch_one(tx.conn())
            .await?
            .get(0);
    if n == 0 {
        return Err(StoreError::invalid(
            "relative_id",
            "the reporting person must be a relative recorded on this case",
        ));
    }
    let on = if r.reported_on.trim().is_empty() {
        today()
    } else {
        not_future("reported_on", day("reported_on", &r.reported_on)?)?
    };
    let at = now();
    let id = tx.next_id("pro_reports").await?;
    let reported_on = enc_keep(tx.store(), "pro_reports.reported_on", id, &on.to_string());
    sqlx::query(
        "INSERT INTO pro_reports (missing_id, relative_id, reported_on, consent_commission, consent_organisations, consent_updated_at, created_by, created_at, id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$6,$8)",
    )
    .bind(missing_id)
    .bind(r.relative_id)
    .bind(reported_on)
    .bind(r.consent.commission as i64)
    .bind(r.consent.organisations as i64)
    .bind(&at)
    .bind(tx.actor().user_id)
    .bind(id)
    .execute(tx.conn())
    .await?;
    log_consent(tx, id, r.consent, false).await?;
    tx.audit(
        "report.create",
        MISSING,
        &missing_id.to_string(),
        None,
        Some(&serde_json::to_value(r).unwrap_or_default()),
        serde_json::json!({ "report_id": id, "consent": r.consent.summary() }),
    );
    Ok(id)
}

async fn log_consent(
    tx: &mut WriteTx,
    report_id: i64,
    c: Consent,
    withdrawn_after_sharing: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO pro_consent_log (report_id, consent_commission, consent_organisations, withdrawn_after_sharing, by_user, by_name, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(report_id)
    .bind(c.commission as i64)
    .bind(c.organisations as i64)
    .bind(withdrawn_after_sharing as i64)
    .bind(tx.actor().user_id)
    .bind(tx.actor().username.clone())
    .bind(now())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// What changing a consent did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentChange {
    /// Consent for a kind of recipient was withdrawn after information had gone to it.
    pub withdrawn_after_sharing: bool,
    /// What those recipients received (for the follow-up: asking them to delete it).
    pub already_shared: Vec<Share>,
}

/// Change the consent of a report. A withdrawal after sharing is logged as such and
/// answered with what was already shared; no further sharing happens. Audited.
pub async fn set_consent(tx: &mut WriteTx, report_id: i64, c: Consent) -> Result<ConsentChange> {
    let r = sqlx::query("SELECT missing_id, consent_commission, consent_organisations FROM pro_reports WHERE id = $1")
        .bind(report_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("report {report_id}")))?;
    let missing_id: i64 = r.get(0);
    let before = Consent {
        commission: r.get::<i64, _>(1) == 1,
        organisations: r.get::<i64, _>(2) == 1,
    };
    let store = tx.store().clone();
    let shared = shares(&store, missing_id).await?;
    let withdrawn: Vec<&str> = [
        ("commission", before.commission && !c.commission),
        ("organisations", before.organisations && !c.organisations),
    ]
    .into_iter()
    .filter(|(_, w)| *w)
    .map(|(k, _)| k)
    .collect();
    let already: Vec<Share> = shared
        .into_iter()
        .filter(|s| withdrawn.contains(&s.recipient_kind.as_str()))
        .collect();
    let after_sharing = !already.is_empty();
    sqlx::query("UPDATE pro_reports SET consent_commission = $1, consent_organisations = $2, consent_updated_at = $3 WHERE id = $4")
        .bind(c.commission as i64)
        .bind(c.organisations as i64)
        .bind(now())
        .bind(report_id)
        .execute(tx.conn())
        .await?;
    log_consent(tx, report_id, c, after_sharing).await?;
    tx.audit(
        if after_sharing { "consent.withdrawn_after_sharing" } else { "consent.change" },
        MISSING,
        &missing_id.to_string(),
        Some(&serde_json::to_value(before).unwrap_or_default()),
        Some(&serde_json::to_value(c).unwrap_or_default()),
        serde_json::json!({ "report_id": report_id, "from": before.summary(), "to": c.summary(), "shares_before": already.len() }),
    );
    Ok(ConsentChange {
        withdrawn_after_sharing: after_sharing,
        already_shared: already,
    })
}

pub async fn reports(store: &Store, missing_id: i64) -> Result<Vec<Report>> {
    let rows = sqlx::query(
        "SELECT r.id, r.missing_id, r.relative_id, x.name, x.relationship, r.reported_on, r.consent_commission, r.consent_organisations, r.consent_updated_at \
         FROM pro_reports r JOIN pro_relatives x ON x.id = r.relative_id WHERE r.missing_id = $1 ORDER BY r.id",
    )
    .bind(missing_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Ok(Report {
                id,
                missing_id: r.get(1),
                relative_id: r.get(2),
                relative: store.decrypt(
                    "pro_relatives.name",
                    r.get::<i64, _>(2),
                    &r.get::<String, _>(3),
                )?,
                relationship: r.get(4),
                reported_on: dec(store, "pro_reports.reported_on", id, r.get(5))?,
                consent: Consent {
                    commission: r.get::<i64, _>(6) == 1,
                    organisations: r.get::<i64, _>(7) == 1,
                },
                consent_updated_at: r.get(8),
            })
        })
        .collect()
}

/// The consent in force for a case: what every report allows (the most restrictive wins).
/// A case without a report is kept in the organisation.
pub async fn case_consent(store: &Store, missing_id: i64) -> Result<Consent> {
    let r = sqlx::query("SELECT COUNT(*), COALESCE(MIN(consent_commission), 0), COALESCE(MIN(consent_organisations), 0) FROM pro_reports WHERE missing_id = $1")
        .bind(missing_id)
        .fetch_one(store.pool())
        .await?;
    let n: i64 = r.get(0);
    Ok(if n == 0 {
        Consent::default()
    } else {
        Consent {
            commission: r.get::<i64, _>(1) == 1,
            organisations: r.get::<i64, _>(2) == 1,
        }
    })
}

/// One time information about a case left the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Share {
    pub id: i64,
    pub missing_id: i64,
    pub recipient_kind: String,
    pub recipient: String,
    /// share, export or api.
    pub channel: String,
    /// What was sent (field names).
    pub fields: String,
    pub by: String,
    pub at: String,
}

/// The fields that go out when a case is shared.
pub const SHARED_FIELDS: &str =
    "name,sex,birth_date,last_seen_date,last_seen_place,region,status,status_on,history";

/// Share a case with a recipient, if the family's consent allows it; logged in
/// `pro_shares` and audited. Refused (nothing written) otherwise.
pub async fn share(
    tx: &mut WriteTx,
    missing_id: i64,
    recipient_kind: &str,
    recipient: &str,
    channel: &str,
) -> Result<i64> {
    if !RECIPIENT_KINDS.contains(&recipient_kind) || recipient_kind == "organisation_only" {
        return Err(StoreError::invalid(
            "recipient_kind",
            "expected commission or organisations",
        ));
    }
    if recipient.trim().is_empty() {
        return Err(StoreError::invalid("recipient", "name the recipient"));
    }
    let store = tx.store().clone();
    let consent = case_consent(&store, missing_id).await?;
    if !consent.allows(recipient_kind) {
        return Err(StoreError::invalid(
            "consent",
            format!("the family's consent does not allow sharing this case with {recipient_kind} (consent: {})", consent.summary()),
        ));
    }
    let id = tx.next_id("pro_shares").await?;
    let to = enc_keep(tx.store(), "pro_shares.recipient", id, recipient);
    sqlx::query(
        "INSERT INTO pro_shares (missing_id, recipient_kind, recipient, channel, fields, by_user, by_name, at, id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(missing_id)
    .bind(recipient_kind)
    .bind(to)
    .bind(channel)
    .bind(SHARED_FIELDS)
    .bind(tx.actor().user_id)
    .bind(tx.actor().username.clone())
    .bind(now())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        "missing.share",
        MISSING,
        &missing_id.to_string(),
        None,
        None,
        serde_json::json!({ "share_id": id, "recipient_kind": recipient_kind, "channel": channel }),
    );
    Ok(id)
}

/// Whether an error is a refusal by the family's consent.
pub fn is_consent_refusal(e: &StoreError) -> bool {
    matches!(e, StoreError::Invalid { field, .. } if field == "consent")
}

/// Record a refused attempt to pass a case on (its consent does not allow the recipient),
/// so that the audit log shows attempts as well as what left. Audited; no names.
pub async fn log_refused_share(
    store: &Store,
    actor: &Actor,
    missing_id: i64,
    recipient_kind: &str,
    channel: &str,
) -> Result<()> {
    store
        .log_event(
            actor,
            "missing.share_refused",
            MISSING,
            &missing_id.to_string(),
            serde_json::json!({ "recipient_kind": recipient_kind, "channel": channel }),
        )
        .await
}

pub async fn shares(store: &Store, missing_id: i64) -> Result<Vec<Share>> {
    sqlx::query("SELECT id, missing_id, recipient_kind, recipient, channel, fields, by_name, at FROM pro_shares WHERE missing_id = $1 ORDER BY id")
        .bind(missing_id)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.get(0);
            Ok(Share {
                id,
                missing_id: r.get(1),
                recipient_kind: r.get(2),
                recipient: dec(store, "pro_shares.recipient", id, r.get(3))?,
                channel: r.get(4),
                fields: r.get(5),
                by: r.get(6),
                at: r.get(7),
            })
        })
        .collect()
}

/// One case as it leaves the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedCase {
    pub id: i64,
    pub name: String,
    pub sex: Option<String>,
    pub birth_date: String,
    pub last_seen_date: String,
    pub last_seen_place: String,
    pub region: String,
    pub status: String,
    pub status_on: String,
    pub history: Vec<(String, String)>,
}

/// What an export for a recipient contains and what it withheld.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExportForRecipient {
    pub recipient_kind: String,
    pub recipient: String,
    pub cases: Vec<SharedCase>,
    /// Cases the exporter may read that the families' consent keeps from this recipient.
    pub withheld: i64,
}

/// Export the cases the actor may export to a recipient: only those whose consent allows
/// it; every exported case is logged as shared (channel `export` or `api`), the export
/// itself audited. Names go out only when the actor may see them.
pub async fn export_for(
    store: &Store,
    actor: &Actor,
    recipient_kind: &str,
    recipient: &str,
    channel: &str,
    filter: &MissingFilter,
) -> Result<ExportForRecipient> {
    if !RECIPIENT_KINDS.contains(&recipient_kind) {
        return Err(StoreError::invalid(
            "recipient_kind",
            "expected organisation_only, commission or organisations",
        ));
    }
    if recipient_kind != "organisation_only" && recipient.trim().is_empty() {
        return Err(StoreError::invalid("recipient", "name the recipient"));
    }
    let (_, rows) = list_missing(store, actor, filter, 1000, 0).await?;
    let mut cases = vec![];
    let mut withheld = 0;
    let mut ids = vec![];
    for r in rows {
        if !can(store, actor, Action::Export, MISSING, r.id).await? {
            withheld += 1;
            continue;
        }
        if !case_consent(store, r.id).await?.allows(recipient_kind) {
            withheld += 1;
            continue;
        }
        let Some(c) = case_for(store, actor, r.id).await? else {
            continue;
        };
        let h = history(store, r.id)
            .await?
            .into_iter()
            .map(|e| (e.changed_on, e.to_status))
            .collect();
        ids.push(r.id);
        cases.push(SharedCase {
            id: c.id,
            name: c.name,
            sex: c.sex,
            birth_date: c.birth_date,
            last_seen_date: c.last_seen_date,
            last_seen_place: c.last_seen_place,
            region: c.region,
            status: c.status,
            status_on: c.status_on,
            history: h,
        });
    }
    let rk = recipient_kind.to_string();
    let rc = recipient.trim().to_string();
    let ch = channel.to_string();
    let n = ids.len();
    store
        .write(actor, async |tx| {
            if rk != "organisation_only" {
                for id in &ids {
                    // Consent is checked again inside the transaction that records the share.
                    share(tx, *id, &rk, &rc, &ch).await?;
                }
            }
            tx.audit("missing.export", MISSING, "*", None, None, serde_json::json!({ "recipient_kind": rk, "cases": n, "withheld": withheld, "channel": ch }));
            Ok(())
        })
        .await?;
    Ok(ExportForRecipient {
        recipient_kind: recipient_kind.into(),
        recipient: recipient.trim().into(),
        cases,
        withheld,
    })
}

/// CSV of an export.
pub fn export_csv(e: &ExportForRecipient) -> String {
    let mut w = dignity_core::edge::CsvWriter::from_writer(vec![]);
    let _ = w.write_record([
        "case",
        "name",
        "sex",
        "birth_date",
        "last_seen_date",
        "last_seen_place",
        "region",
        "status",
        "status_on",
        "history",
    ]);
    for c in &e.cases {
        let h = c
            .history
            .iter()
            .map(|(d, s)| format!("{d} {s}"))
            .collect::<Vec<_>>()
            .join("; ");
        let _ = w.write_record([
            c.id.to_string().as_str(),
            &c.name,
            c.sex.as_deref().unwrap_or(""),
            &c.birth_date,
            &c.last_seen_date,
            &c.last_seen_place,
            &c.region,
            &c.status,
            &c.status_on,
            &h,
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

// ---------------------------------------------------------- family links --

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Create a per-case access link for a relative: returns the token (shown once; only its
/// SHA-256 is stored). Valid for `days` days (1 to 366). Audited.
pub async fn create_family_link(
    tx: &mut WriteTx,
    missing_id: i64,
    relative_id: Option<i64>,
    days: i64,
) -> Result<String> {
    if !(1..=366).contains(&days) {
        return Err(StoreError::invalid(
            "days",
            "a family link is valid for 1 to 366 days",
        ));
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM pro_missing WHERE id = $1")
        .bind(missing_id)
        .fetch_one(tx.conn())
        .await?
        .get(0);
    if n == 0 {
        return Err(StoreError::NotFound(format!(
            "missing person case {missing_id}"
        )));
    }
    if let Some(r) = relative_id {
        let n: i64 =
            sqlx::query("SELECT COUNT(*) FROM pro_relatives WHERE id = $1 AND missing_id = $2")
                .bind(r)
                .bind(missing_id)
                .fetch_one(tx.conn())
                .await?
                .get(0);
        if n == 0 {
            return Err(StoreError::invalid(
                "relative_id",
                "not a relative on this case",
            ));
        }
    }
    let token = dignity_core::password::random_token(32);
    let expires = today() + chrono::Days::new(days as u64);
    let id: i64 = sqlx::query(
        "INSERT INTO pro_family_links (missing_id, relative_id, token_hash, created_by, created_at, expires_on) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(missing_id)
    .bind(relative_id)
    .bind(token_hash(&token))
    .bind(tx.actor().user_id)
    .bind(now())
    .bind(expires.to_string())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        "family_link.create",
        MISSING,
        &missing_id.to_string(),
        None,
        None,
        serde_json::json!({ "link_id": id, "expires_on": expires.to_string() }),
    );
    Ok(token)
}

/// Revoke a family link. Audited.
pub async fn revoke_family_link(tx: &mut WriteTx, link_id: i64) -> Result<()> {
    let m: i64 = sqlx::query("SELECT missing_id FROM pro_family_links WHERE id = $1")
        .bind(link_id)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("family link {link_id}")))?
        .get(0);
    sqlx::query("UPDATE pro_family_links SET revoked_at = $1 WHERE id = $2")
        .bind(now())
        .bind(link_id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        "family_link.revoke",
        MISSING,
        &m.to_string(),
        None,
        None,
        serde_json::json!({ "link_id": link_id }),
    );
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyLink {
    pub id: i64,
    pub relative: String,
    pub created_at: String,
    pub expires_on: String,
    pub revoked: bool,
    pub last_used_at: String,
}

pub async fn family_links(store: &Store, missing_id: i64) -> Result<Vec<FamilyLink>> {
    let rows = sqlx::query(
        "SELECT l.id, x.name, l.created_at, l.expires_on, l.revoked_at, l.last_used_at, l.relative_id FROM pro_family_links l \
         LEFT JOIN pro_relatives x ON x.id = l.relative_id WHERE l.missing_id = $1 ORDER BY l.id",
    )
    .bind(missing_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let name: Option<String> = r.get(1);
            Ok(FamilyLink {
                id: r.get(0),
                relative: match name {
                    Some(n) => store.decrypt("pro_relatives.name", r.get::<i64, _>(6), &n)?,
                    None => String::new(),
                },
                created_at: r.get(2),
                expires_on: r.get(3),
                revoked: !r.get::<String, _>(4).is_empty(),
                last_used_at: r.get(5),
            })
        })
        .collect()
}

/// What a family sees of their case: the name they reported, the status and its history
/// (dates and statuses only — no evidence, staff, notes, sources or other cases).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyView {
    pub name: String,
    pub status: String,
    pub status_on: String,
    pub history: Vec<(String, String)>,
}

/// The case behind a family token, if the token is valid (not expired, not revoked). Each
/// use is audited (as the anonymous family, with the link id).
pub async fn family_case(store: &Store, token: &str) -> Result<Option<FamilyView>> {
    if token.trim().len() < 20 {
        return Ok(None);
    }
    let Some(r) = sqlx::query(
        "SELECT id, missing_id, expires_on, revoked_at FROM pro_family_links WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let (link, mid, exp, revoked): (i64, i64, String, String) =
        (r.get(0), r.get(1), r.get(2), r.get(3));
    if !revoked.is_empty() || exp < today().to_string() {
        return Ok(None);
    }
    let Some(c) = get_missing(store, mid).await? else {
        return Ok(None);
    };
    let h = history(store, mid)
        .await?
        .into_iter()
        .map(|e| (e.changed_on, e.to_status))
        .collect();
    let family = Actor {
        user_id: None,
        username: "family".into(),
        role: dignity_core::Role::Public,
        teams: vec![],
    };
    store
        .write(&family, async |tx| {
            sqlx::query("UPDATE pro_family_links SET last_used_at = $1 WHERE id = $2")
                .bind(now())
                .bind(link)
                .execute(tx.conn())
                .await?;
            tx.audit(
                "family_link.view",
                MISSING,
                &mid.to_string(),
                None,
                None,
                serde_json::json!({ "link_id": link }),
            );
            Ok(())
        })
        .await?;
    Ok(Some(FamilyView {
        name: c.name,
        status: c.status,
        status_on: c.status_on,
        history: h,
    }))
}

/// The case a report belongs to.
pub async fn report_case(store: &Store, report_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT missing_id FROM pro_reports WHERE id = $1")
            .bind(report_id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}

/// The case a family link belongs to.
pub async fn link_case(store: &Store, link_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT missing_id FROM pro_family_links WHERE id = $1")
            .bind(link_id)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.get(0)),
    )
}
