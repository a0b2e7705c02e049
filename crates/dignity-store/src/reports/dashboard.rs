//! Dashboards: counts of documented acts under the search page's filters, cached per audit
//! head.

use super::*;

/// Filters shared with search (same parameter names). Lists are OR within a field, AND
/// across fields.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DashFilter {
    /// ISO 3166-1 alpha-3.
    pub country: Vec<String>,
    /// M49 region or sub-region name (`Europe`, `Southern Asia`, …).
    pub region: Vec<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// HURIDOCS type-of-act codes (micro-thesaurus 4); a code also matches its narrower terms.
    pub act_type: Vec<String>,
    pub perpetrator_type: Vec<String>,
    pub victim_sex: Vec<String>,
    pub victim_age_group: Vec<String>,
    /// death_penalty, torture, hrd, disappearance.
    pub lens: Vec<String>,
}

impl DashFilter {
    /// Parse a query string (unknown keys ignored; repeated keys add values).
    pub fn parse(query: &str) -> DashFilter {
        let mut f = DashFilter::default();
        for (k, v) in url_pairs(query) {
            let v = v.trim().to_string();
            if v.is_empty() {
                continue;
            }
            let list = match k.as_str() {
                "country" => &mut f.country,
                "region" => &mut f.region,
                "act_type" => &mut f.act_type,
                "perpetrator_type" => &mut f.perpetrator_type,
                "victim_sex" => &mut f.victim_sex,
                "victim_age_group" => &mut f.victim_age_group,
                "lens" => &mut f.lens,
                "year_from" => {
                    f.year_from = v.parse().ok().filter(|y| (1000..=9999).contains(y));
                    continue;
                }
                "year_to" => {
                    f.year_to = v.parse().ok().filter(|y| (1000..=9999).contains(y));
                    continue;
                }
                _ => continue,
            };
            let v = if k == "country" {
                v.to_ascii_uppercase()
            } else {
                v
            };
            if list.len() < 50 && !list.contains(&v) {
                list.push(v);
            }
        }
        f
    }

    /// Back to a query string (the same for `/dashboards` and `/search`).
    pub fn to_query(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut add = |k: &str, v: &str| out.push(format!("{k}={}", encode(v)));
        for (k, vs) in [
            ("country", &self.country),
            ("region", &self.region),
            ("act_type", &self.act_type),
            ("perpetrator_type", &self.perpetrator_type),
            ("victim_sex", &self.victim_sex),
            ("victim_age_group", &self.victim_age_group),
            ("lens", &self.lens),
        ] {
            for v in vs {
                add(k, v);
            }
        }
        if let Some(y) = self.year_from {
            add("year_from", &y.to_string());
        }
        if let Some(y) = self.year_to {
            add("year_to", &y.to_string());
        }
        out.join("&")
    }

    pub fn is_empty(&self) -> bool {
        *self == DashFilter::default()
    }
}

fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The date of an act: its own start, else its event's.
pub(super) const ACT_DATE: &str = "COALESCE(NULLIF(ac.start_sort, ''), e.start_sort)";
/// The country of an act: its own, else its event's.
const ACT_COUNTRY: &str = "COALESCE(ac.country, e.country)";

/// FROM and WHERE of the visible acts matching a filter, with the values to bind.
pub(super) fn acts_where(actor: &Actor, f: &DashFilter) -> (String, Vec<String>) {
    let staff = actor.user_id.is_some() && actor.role != dignity_core::Role::Public;
    let mut w = if staff {
        // Staff: an act counts only when it may be read with everything it discloses (its
        // event and its victim, `violations::act_visible_sql`), so a count or a breakdown by
        // the victim's sex or age never tells of a victim the reader may not see.
        vec![violations::act_visible_sql(actor, "ac")]
    } else {
        // The public: published acts of published events. Victims are never published one
        // by one (the memorial has its own consent rule); publishing an act is the decision
        // to count it in public statistics.
        vec![
            acl::visible_sql(actor, "ac", dignity_core::RecordType::Act),
            acl::visible_sql(actor, "e", dignity_core::RecordType::Event),
        ]
    };
    let mut args: Vec<String> = Vec::new();
    let any_of = |args: &mut Vec<String>, vals: &[String], f: &dyn Fn(&str) -> String| {
        if vals.is_empty() {
            return None;
        }
        let parts: Vec<String> = vals
            .iter()
            .map(|v| {
                args.push(v.clone());
                f(&format!("${}", args.len()))
            })
            .collect();
        Some(format!("({})", parts.join(" OR ")))
    };
    if let Some(c) = any_of(&mut args, &f.country, &|p| format!("{ACT_COUNTRY} = {p}")) {
        w.push(c);
    }
    if let Some(c) = any_of(&mut args, &f.region, &|p| {
        format!(
            "EXISTS (SELECT 1 FROM countries rc WHERE rc.iso3 = {ACT_COUNTRY} AND (rc.region_name = {p} OR rc.subregion_name = {p}))"
        )
    }) {
        w.push(c);
    }
    let prefixes: Vec<String> = f
        .act_type
        .iter()
        .map(|t| format!("{}%", t.trim_end_matches('0')))
        .collect();
    if let Some(c) = any_of(&mut args, &prefixes, &|p| format!("ac.act_type LIKE {p}")) {
        w.push(c);
    }
    if let Some(c) = any_of(&mut args, &f.perpetrator_type, &|p| {
        format!("EXISTS (SELECT 1 FROM vio_involvements pi WHERE pi.act_id = ac.id AND pi.perpetrator_type = {p})")
    }) {
        w.push(c);
    }
    if let Some(c) = any_of(&mut args, &f.victim_sex, &|p| format!("v.sex = {p}")) {
        w.push(c);
    }
    if let Some(c) = any_of(&mut args, &f.victim_age_group, &|p| {
        format!("v.age_group = {p}")
    }) {
        w.push(c);
    }
    if let Some(c) = any_of(&mut args, &f.lens, &|p| {
        format!(
            "EXISTS (SELECT 1 FROM vio_event_lenses l WHERE l.event_id = e.id AND l.lens = {p})"
        )
    }) {
        w.push(c);
    }
    if let Some(y) = f.year_from {
        args.push(format!("{y:04}"));
        w.push(format!("{ACT_DATE} >= ${}", args.len()));
    }
    if let Some(y) = f.year_to {
        args.push(format!("{:04}", y + 1));
        w.push(format!("{ACT_DATE} < ${} AND {ACT_DATE} <> ''", args.len()));
    }
    (
        format!(
            "FROM vio_acts ac JOIN vio_events e ON e.id = ac.event_id JOIN vio_persons v ON v.id = ac.victim_id WHERE {}",
            w.join(" AND ")
        ),
        args,
    )
}

/// One bar of a chart: a key (code, year, country), its label and the count.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// The counts of a dashboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// Visible acts matching the filter.
    pub total: i64,
    pub by_year: Vec<Count>,
    /// Only acts dated to the month or day.
    pub by_month: Vec<Count>,
    pub by_act_type: Vec<Count>,
    /// Keyed by ISO3.
    pub by_country: Vec<Count>,
    /// Acts per perpetrator type (an act with several types counts once under each).
    pub by_perpetrator_type: Vec<Count>,
    pub by_victim_sex: Vec<Count>,
    pub by_victim_age_group: Vec<Count>,
}

async fn grouped(
    store: &Store,
    from_where: &str,
    args: &[String],
    key: &str,
    extra_join: &str,
    distinct: bool,
) -> Result<Vec<(String, i64)>> {
    let fw = if extra_join.is_empty() {
        from_where.to_string()
    } else {
        // The join goes before the WHERE.
        let (f, w) = from_where.split_once(" WHERE ").expect("a WHERE clause");
        format!("{f} {extra_join} WHERE {w}")
    };
    let count = if distinct {
        "COUNT(DISTINCT ac.id)"
    } else {
        "COUNT(*)"
    };
    let sql = format!(
        "SELECT COALESCE({key}, '') AS k, {count} AS n {fw} GROUP BY COALESCE({key}, '') ORDER BY n DESC, k"
    );
    Ok(crate::query_with(&sql, args)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect())
}

/// The counts of a dashboard before labels: (key, count) per grouping, in the order shown.
#[derive(Debug, Clone, Default)]
struct RawDashboard {
    total: i64,
    by_year: Vec<(String, i64)>,
    by_month: Vec<(String, i64)>,
    by_act_type: Vec<(String, i64)>,
    by_country: Vec<(String, i64)>,
    by_perpetrator_type: Vec<(String, i64)>,
    by_victim_sex: Vec<(String, i64)>,
    by_victim_age_group: Vec<(String, i64)>,
}

/// Dashboards computed since the last change, per reader and filter: the key is the audit
/// head (its HMAC-chained hash changes with every audited write or logged read, in any
/// process, and differs between databases), then the SQL of the visible, filtered acts
/// (which holds everything a count depends on: user, role, teams, filter) and its values.
/// Only dashboards of the current head are kept.
struct DashCache {
    head: String,
    entries: HashMap<(String, Vec<String>), Arc<RawDashboard>>,
}

fn dash_cache() -> &'static Mutex<DashCache> {
    static CACHE: OnceLock<Mutex<DashCache>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(DashCache {
            head: String::new(),
            entries: HashMap::new(),
        })
    })
}

/// The audit head (hash of the last audit entry): changes with every audited change.
async fn audit_head(store: &Store) -> Result<String> {
    let r = sqlx::query("SELECT hash FROM audit_head WHERE id = 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(r.map(|r| r.get::<String, _>(0)).unwrap_or_default())
}

/// Counts grouped by several keys at once: one scan of the visible acts.
async fn grouped_by(
    store: &Store,
    from_where: &str,
    args: &[String],
    keys: &[String],
) -> Result<Vec<(Vec<String>, i64)>> {
    let cols: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("COALESCE({k}, '') AS k{i}"))
        .collect();
    let group: Vec<String> = keys.iter().map(|k| format!("COALESCE({k}, '')")).collect();
    let sql = format!(
        "SELECT {}, COUNT(*) AS n {from_where} GROUP BY {}",
        cols.join(", "),
        group.join(", ")
    );
    Ok(crate::query_with(&sql, args)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            (
                (0..keys.len()).map(|i| r.get::<String, _>(i)).collect(),
                r.get::<i64, _>(keys.len()),
            )
        })
        .collect())
}

/// Sum counts per key, most first (then by key), as the single-key queries ordered them.
fn by_count(m: BTreeMap<String, i64>) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The counts of the visible acts matching a filter: two scans grouping by several keys
/// at once (date × type of act; country × victim sex × age group) and one for the
/// perpetrator types (an act with several counts once under each), instead of one scan
/// per chart.
async fn raw_dashboard(store: &Store, fw: &str, args: &[String]) -> Result<RawDashboard> {
    // Month where the date has one, else the year: the year is its first four characters.
    let period = format!(
        "CASE WHEN LENGTH({ACT_DATE}) >= 7 THEN SUBSTR({ACT_DATE}, 1, 7) ELSE SUBSTR({ACT_DATE}, 1, 4) END"
    );
    let (mut total, mut years, mut months, mut types) =
        (0, BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for (k, n) in grouped_by(store, fw, args, &[period, "ac.act_type".into()]).await? {
        total += n;
        let year: String = k[0].chars().take(4).collect();
        if !year.is_empty() {
            *years.entry(year).or_insert(0) += n;
        }
        if k[0].chars().count() == 7 {
            *months.entry(k[0].clone()).or_insert(0) += n;
        }
        *types.entry(k[1].clone()).or_insert(0) += n;
    }
    let (mut countries, mut sexes, mut ages) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let keys = [
        ACT_COUNTRY.to_string(),
        "v.sex".into(),
        "v.age_group".into(),
    ];
    for (k, n) in grouped_by(store, fw, args, &keys).await? {
        *countries.entry(k[0].clone()).or_insert(0) += n;
        *sexes.entry(k[1].clone()).or_insert(0) += n;
        *ages.entry(k[2].clone()).or_insert(0) += n;
    }
    let by_perpetrator_type = grouped(
        store,
        fw,
        args,
        "inv.perpetrator_type",
        "JOIN vio_involvements inv ON inv.act_id = ac.id",
        true,
    )
    .await?;
    Ok(RawDashboard {
        total,
        by_year: years.into_iter().collect(),
        by_month: months.into_iter().collect(),
        by_act_type: by_count(types),
        by_country: by_count(countries),
        by_perpetrator_type,
        by_victim_sex: by_count(sexes),
        by_victim_age_group: by_count(ages),
    })
}

/// Counts for the dashboard, in the reader's language.
///
/// Kept until the next audited change (see [`DashCache`]): at a million acts the scans
/// take seconds, and a dashboard is looked at again and again between changes. A change
/// in any process moves the audit head, so a kept dashboard is never older than the data.
pub async fn dashboard(
    store: &Store,
    actor: &Actor,
    f: &DashFilter,
    lang: &str,
) -> Result<Dashboard> {
    let vocab = violations::Vocab::load(store).await?;
    let (fw, args) = acts_where(actor, f);
    let head = audit_head(store).await?;
    let key = (fw, args);
    let cached = if head.is_empty() {
        None
    } else {
        let c = dash_cache().lock().unwrap_or_else(|e| e.into_inner());
        (c.head == head)
            .then(|| c.entries.get(&key).cloned())
            .flatten()
    };
    let raw = match cached {
        Some(r) => r,
        None => {
            let r = Arc::new(raw_dashboard(store, &key.0, &key.1).await?);
            if !head.is_empty() {
                let mut c = dash_cache().lock().unwrap_or_else(|e| e.into_inner());
                if c.head != head || c.entries.len() >= 1_000 {
                    c.head = head;
                    c.entries.clear();
                }
                c.entries.insert(key, r.clone());
            }
            r
        }
    };
    let plain = |v: &[(String, i64)]| -> Vec<Count> {
        v.iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, n)| Count {
                label: k.clone(),
                key: k.clone(),
                count: *n,
            })
            .collect()
    };
    let coded = |v: &[(String, i64)]| -> Vec<Count> {
        v.iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, n)| Count {
                label: vocab.label(k, lang),
                key: k.clone(),
                count: *n,
            })
            .collect()
    };
    Ok(Dashboard {
        total: raw.total,
        by_year: plain(&raw.by_year),
        by_month: plain(&raw.by_month),
        by_act_type: coded(&raw.by_act_type),
        by_country: raw
            .by_country
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, n)| Count {
                label: vocab.country_name(k, lang),
                key: k.clone(),
                count: *n,
            })
            .collect(),
        by_perpetrator_type: coded(&raw.by_perpetrator_type),
        by_victim_sex: coded(&raw.by_victim_sex),
        by_victim_age_group: plain(&raw.by_victim_age_group),
    })
}
