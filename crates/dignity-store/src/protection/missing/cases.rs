//! Missing person cases: opening one, reading it as the actor may see it, the filtered list.

use super::*;
use crate::shared::BindCreated;

// ----------------------------------------------------------------- cases --

/// What is known of a disappearance: entered when a case is opened, shown on the case (both
/// embed it flattened: the JSON fields stay at the top level).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Disappearance {
    /// Partial date (YYYY, YYYY-MM, YYYY-MM-DD).
    pub last_seen_date: String,
    pub last_seen_place: String,
    pub region: String,
    pub community: String,
    pub circumstances: String,
    /// Physical description and clothing.
    pub description: String,
    pub period_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MissingInput {
    #[serde(flatten)]
    pub person: NewPerson,
    #[serde(flatten)]
    pub disappearance: Disappearance,
    /// The date the case is opened (default today).
    pub opened_on: String,
    /// Default confidential. Raw: [`v::level`] parses it (`dignity_core::violations::level`).
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
    #[serde(flatten)]
    pub disappearance: Disappearance,
    pub period: String,
    pub status: String,
    pub status_on: String,
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
    pub created_at: String,
}

/// Open a missing person case (status "missing"). Audited.
pub async fn create_missing(tx: &mut WriteTx, vocab: &Vocab, m: &MissingInput) -> Result<i64> {
    let store = tx.store().clone();
    let level = v::level(&m.confidentiality, Confidentiality::Confidential)?;
    v::may_create(tx.actor(), level)?;
    let d = &m.disappearance;
    let seen = rules::last_seen(&d.last_seen_date, today())?;
    let opened = if m.opened_on.trim().is_empty() {
        today()
    } else {
        not_future("opened_on", day("opened_on", &m.opened_on)?)?
    };
    if let Some(p) = d.period_id {
        if !row_exists(tx, "SELECT COUNT(*) FROM pro_periods WHERE id = $1", p).await? {
            return Err(rules::no_period(p).into());
        }
    }
    let lists = Lists {
        users: &m.need_to_know_users,
        teams: &m.need_to_know_teams,
    };
    let person_id = (m.person)
        .resolve(tx, vocab, "pro_missing", None, level, lists)
        .await?;
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
    .bind(enc(&store, "pro_missing.last_seen_place", id, &d.last_seen_place))
    .bind(enc_keep(&store, "pro_missing.region", id, &d.region))
    .bind(enc_keep(&store, "pro_missing.community", id, &d.community))
    .bind(enc(&store, "pro_missing.circumstances", id, &d.circumstances))
    .bind(enc(&store, "pro_missing.description", id, &d.description))
    .bind(d.period_id)
    .bind(enc_keep(&store, "pro_missing.status_on", id, &opened.to_string()))
    .bind(level.as_str())
    .bind(tx.actor().user_id)
    .bind(&at)
    .bind(id)
    .bind(label_key(&store, REGION_KEY, &d.region))
    .bind(label_key(&store, COMMUNITY_KEY, &d.community))
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
    .bind_by(tx)
    .bind(&at)
    .bind(hid)
    .execute(tx.conn())
    .await?;
    set_list(tx, MISSING, id, level, lists.users, lists.teams).await?;
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
        disappearance: Disappearance {
            last_seen_date: dec(store, "pro_missing.last_seen_date", id, r.get(2))?,
            last_seen_place: dec(store, "pro_missing.last_seen_place", id, r.get(3))?,
            region: dec(store, "pro_missing.region", id, r.get(4))?,
            community: dec(store, "pro_missing.community", id, r.get(5))?,
            circumstances: dec(store, "pro_missing.circumstances", id, r.get(6))?,
            description: dec(store, "pro_missing.description", id, r.get(7))?,
            period_id: r.get(8),
        },
        period: match r.get::<Option<i64>, _>(8) {
            Some(p) => dec(store, "pro_periods.name", p, r.get(9))?,
            None => String::new(),
        },
        status: r.get(10),
        status_on: dec(store, "pro_missing.status_on", id, r.get(11))?,
        confidentiality: stored_level(r, 12),
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
        c.disappearance.last_seen_place.clear();
        c.disappearance.circumstances.clear();
        c.disappearance.description.clear();
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
    #[schema(value_type = String)]
    pub confidentiality: Confidentiality,
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
            name: person_display(store, pid, names).await?,
            last_seen_date: dec(store, "pro_missing.last_seen_date", id, r.get(2))?,
            region: dec(store, "pro_missing.region", id, r.get(3))?,
            community: dec(store, "pro_missing.community", id, r.get(4))?,
            status: r.get(5),
            status_on: dec(store, "pro_missing.status_on", id, r.get(6))?,
            confidentiality: stored_level(&r, 7),
            sources: r.get(8),
        });
    }
    Ok((total, out))
}
