//! Dashboards and reports: read-only queries over the other areas' tables.
//!
//! Every count of documented acts goes through [`acl::visible_sql`] for both the act and
//! its event, in the WHERE clause: a reader never counts what they could not open. The
//! filters use the names and values of the search page (`country`, `region`, `year_from`,
//! `year_to`, `act_type`, `perpetrator_type`, `victim_sex`, `victim_age_group`, `lens`),
//! so that a dashboard links to the same records in search.
//!
//! A country or thematic report gathers: counts and a table of cases (victims shown by
//! pseudonym unless names are asked for and allowed), the interventions linked to those
//! cases and the replies received, the State's recommendations with their implementation
//! status, and the ratification gaps (core UN instruments not ratified, procedures not
//! accepted, overdue reports). Nothing here writes; the web layer logs each report made.

use crate::obligations::{self, recs, reports as treaty_reports, RecFilter};
use crate::violations::{self, ACT, EVENT};
use crate::{acl, Result, Store};
use dignity_core::Actor;
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

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
const ACT_DATE: &str = "COALESCE(NULLIF(ac.start_sort, ''), e.start_sort)";
/// The country of an act: its own, else its event's.
const ACT_COUNTRY: &str = "COALESCE(ac.country, e.country)";

/// FROM and WHERE of the visible acts matching a filter, with the values to bind.
fn acts_where(actor: &Actor, f: &DashFilter) -> (String, Vec<String>) {
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
    let mut q = sqlx::query(&sql);
    for a in args {
        q = q.bind(a);
    }
    Ok(q.fetch_all(store.pool())
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
    let mut q = sqlx::query(&sql);
    for a in args {
        q = q.bind(a);
    }
    Ok(q.fetch_all(store.pool())
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

// ------------------------------------------------------------------ reports --

/// What a country or thematic report covers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportScope {
    /// ISO3 of the State.
    pub country: String,
    /// A thematic lens (`torture`, …); none for a country report.
    pub lens: Option<String>,
    /// A type of act (code); narrows a thematic report.
    pub act_type: Option<String>,
    pub year: Option<i32>,
    /// Show victims' names (only honoured when the reader may see names).
    pub include_names: bool,
}

impl ReportScope {
    pub fn filter(&self) -> DashFilter {
        DashFilter {
            country: vec![self.country.clone()],
            lens: self.lens.iter().cloned().collect(),
            act_type: self.act_type.iter().cloned().collect(),
            year_from: self.year,
            year_to: self.year,
            ..Default::default()
        }
    }
    /// Words of the lens to find the relevant recommendations by full text: only used when
    /// none of the State's recommendations carries a theme tag of the lens
    /// ([`lens_theme_tags`]).
    pub fn recommendation_query(&self) -> Option<String> {
        self.lens.as_deref().map(|l| {
            match l {
                "death_penalty" => "death penalty",
                "hrd" => "defenders",
                "disappearance" => "disappearance",
                other => other,
            }
            .to_string()
        })
    }
}

/// Parts of theme tags that put a recommendation under a lens. Recommendations carry the
/// theme tags of their source (UPR Info, the Universal Human Rights Index, an
/// organisation's own list), whatever the language of their text, so a report in French or
/// Arabic picks the same recommendations as one in English. Tags are compared lowercased,
/// so both the English tags of the sources and French, Spanish, Russian and Arabic tags of
/// an organisation's own lists are recognised.
pub fn lens_tag_parts(lens: &str) -> &'static [&'static str] {
    match lens {
        "torture" => &[
            "tortur",
            "ill-treatment",
            "ill treatment",
            "cruel, inhuman",
            "mauvais traitement",
            "malos tratos",
            "пытк",
            "تعذيب",
        ],
        "death_penalty" => &[
            "death penalty",
            "capital punishment",
            "peine de mort",
            "peine capitale",
            "pena de muerte",
            "pena capital",
            "смертн",
            "الإعدام",
            "الاعدام",
        ],
        "hrd" => &[
            "human rights defender",
            "défenseur",
            "defenseur",
            "defensor",
            "правозащитник",
            "المدافع",
        ],
        "disappearance" => &[
            "disappear",
            "disparition",
            "disparu",
            "desaparici",
            "desaparecid",
            "исчезнов",
            "الاختفاء",
        ],
        _ => &[],
    }
}

/// The theme tags of a State's recommendations that fall under a lens (distinct values, in
/// order). Empty when none does: the report then finds the recommendations by the lens's
/// words ([`ReportScope::recommendation_query`]).
pub async fn lens_theme_tags(store: &Store, iso3: &str, lens: &str) -> Result<Vec<String>> {
    let parts = lens_tag_parts(lens);
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT DISTINCT t.value FROM recommendation_tags t JOIN recommendations r ON r.id = t.rec_id \
         WHERE t.kind = 'theme' AND r.iso3 = $1",
    )
    .bind(iso3)
    .fetch_all(store.pool())
    .await?;
    let mut tags: Vec<String> = rows
        .iter()
        .map(|r| r.get::<String, _>(0))
        .filter(|tag| {
            let t = tag.to_lowercase();
            parts.iter().any(|p| t.contains(p))
        })
        .collect();
    // The same order on both backends (their collations differ).
    tags.sort();
    Ok(tags)
}

/// One documented act in a report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseRow {
    pub act_id: i64,
    pub event_id: i64,
    pub date: String,
    pub act_type: String,
    pub act_type_label: String,
    /// Pseudonym (`P-…`), or the name when names were asked for and may be seen.
    pub victim: String,
    pub victim_sex: String,
    pub victim_age_group: String,
    pub admin_area: String,
}

/// An intervention about the report's cases and the reply received.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterventionRow {
    pub id: i64,
    pub date: String,
    pub int_type: String,
    pub addressees: String,
    pub status: String,
    pub response_type: String,
    pub response_date: String,
    /// Days past the reply date without a reply.
    pub reply_overdue: bool,
}

/// Ratification gaps of a State.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Gaps {
    /// Core UN instruments the State is not a party to: (code, name, status).
    pub not_ratified: Vec<(String, String, String)>,
    /// Core UN instruments with nothing recorded for the State: (code, name). Not gaps:
    /// there is no information.
    pub no_information: Vec<(String, String)>,
    /// Complaint and inquiry procedures not accepted: (label, kind).
    pub procedures_not_accepted: Vec<(String, String)>,
    /// Overdue reports: (body, number, due date, days overdue).
    pub overdue_reports: Vec<(String, i64, String, i64)>,
    /// Treaty bodies the State reports to with no report recorded: their due dates are
    /// estimates, and nothing is counted overdue.
    pub no_reporting_data: Vec<String>,
}

/// Everything a country or thematic report shows.
#[derive(Debug, Clone, Serialize)]
pub struct CountryReport {
    pub scope: ReportScope,
    pub country_name: String,
    /// Whether the victims' names are shown.
    pub names_shown: bool,
    pub generated: String,
    pub counts: Dashboard,
    /// Newest first; at most [`CASE_LIMIT`].
    pub cases: Vec<CaseRow>,
    pub interventions: Vec<InterventionRow>,
    pub recommendations_total: i64,
    /// At most [`REC_LIMIT`], with their implementation status.
    pub recommendations: Vec<recs::Recommendation>,
    pub recommendation_status_counts: Vec<Count>,
    pub gaps: Gaps,
}

pub const CASE_LIMIT: i64 = 1000;
pub const REC_LIMIT: i64 = 200;

/// Build a country (or, with a lens / type of act / year, thematic) report for a reader.
pub async fn country_report(
    store: &Store,
    actor: &Actor,
    scope: &ReportScope,
    lang: &str,
) -> Result<CountryReport> {
    let iso3 = scope.country.trim().to_ascii_uppercase();
    if !obligations::country_exists(store, &iso3).await? {
        return Err(crate::StoreError::NotFound(format!("country {iso3}")));
    }
    let scope = &ReportScope {
        country: iso3.clone(),
        ..scope.clone()
    };
    let vocab = violations::Vocab::load(store).await?;
    let names_shown = scope.include_names && violations::sees_names(store, actor).await?;
    let f = scope.filter();
    let counts = dashboard(store, actor, &f, lang).await?;

    // Cases.
    let (fw, args) = acts_where(actor, &f);
    let sql = format!(
        "SELECT ac.id, ac.event_id, {ACT_DATE}, ac.act_type, v.id, v.name, COALESCE(v.sex, ''), v.age_group, \
         CASE WHEN {} THEN 1 ELSE 0 END, ac.admin_area, e.admin_area, ac.start_date, e.start_date {fw} \
         ORDER BY {ACT_DATE} DESC, ac.id DESC LIMIT {CASE_LIMIT}",
        acl::visible_sql(actor, "v", dignity_core::RecordType::Person)
    );
    let mut q = sqlx::query(&sql);
    for a in &args {
        q = q.bind(a);
    }
    let mut cases = Vec::new();
    for r in q.fetch_all(store.pool()).await? {
        let pid: i64 = r.get(4);
        let person_visible: i64 = r.get(8);
        let victim = if names_shown && person_visible == 1 {
            violations::dec(store, "vio_persons.name", pid, r.get(5))?
        } else {
            violations::pseudonym(store, pid)
        };
        let code: String = r.get(3);
        let sex: String = r.get(6);
        let (act_id, event_id): (i64, i64) = (r.get(0), r.get(1));
        // The exact date and the region are encrypted: the act's own, else its event's.
        let own =
            |c: &str, i: usize| violations::dec(store, &format!("vio_acts.{c}"), act_id, r.get(i));
        let ev = |c: &str, i: usize| {
            violations::dec(store, &format!("vio_events.{c}"), event_id, r.get(i))
        };
        let area = match own("admin_area", 9)? {
            a if a.is_empty() => ev("admin_area", 10)?,
            a => a,
        };
        let date = match own("start_date", 11)? {
            d if d.is_empty() => ev("start_date", 12)?,
            d => d,
        };
        cases.push((
            r.get::<String, _>(2),
            CaseRow {
                act_id,
                event_id,
                date,
                act_type_label: vocab.label(&code, lang),
                act_type: code,
                victim,
                victim_sex: if sex.is_empty() {
                    String::new()
                } else {
                    vocab.label(&sex, lang)
                },
                victim_age_group: r.get(7),
                admin_area: area,
            },
        ));
    }
    // Newest first: the SQL orders by month; within a month, by the exact date.
    cases.sort_by(|(ma, a), (mb, b)| {
        mb.cmp(ma)
            .then_with(|| {
                violations::exact_sort_key(&b.date).cmp(&violations::exact_sort_key(&a.date))
            })
            .then_with(|| b.act_id.cmp(&a.act_id))
    });
    let cases: Vec<CaseRow> = cases.into_iter().map(|(_, c)| c).collect();

    // Interventions linked to the report's events or acts.
    let sql = format!(
        "SELECT DISTINCT i.id, i.int_date, i.int_type, i.addressees, COALESCE(i.status, ''), COALESCE(i.response_type, ''), \
         i.response_date, i.reply_due FROM vio_interventions i JOIN vio_intervention_links il ON il.intervention_id = i.id \
         WHERE {} AND ((il.record_type = '{EVENT}' AND il.record_id IN (SELECT e.id {fw})) \
         OR (il.record_type = '{ACT}' AND il.record_id IN (SELECT ac.id {fw}))) ORDER BY i.id DESC LIMIT 500",
        acl::visible_sql(actor, "i", dignity_core::RecordType::Intervention)
    );
    // The acts' WHERE appears twice: bind its values twice, renumbered.
    let n = args.len();
    let sql = renumber_second(&sql, n);
    let mut q = sqlx::query(&sql);
    for a in args.iter().chain(args.iter()) {
        q = q.bind(a);
    }
    let today = obligations::today().to_string();
    // The dates and addressees are encrypted: decrypted here, newest first.
    let mut interventions = Vec::new();
    for r in q.fetch_all(store.pool()).await?.iter() {
        let id: i64 = r.get(0);
        let dec = |c: &str, i: usize| {
            violations::dec(store, &format!("vio_interventions.{c}"), id, r.get(i))
        };
        let t: String = r.get(2);
        let st: String = r.get(4);
        let rt: String = r.get(5);
        let response_date = dec("response_date", 6)?;
        let due = dec("reply_due", 7)?;
        interventions.push(InterventionRow {
            id,
            date: dec("int_date", 1)?,
            int_type: vocab.label(&t, lang),
            addressees: dec("addressees", 3)?,
            status: if st.is_empty() {
                st
            } else {
                vocab.label(&st, lang)
            },
            response_type: if rt.is_empty() {
                rt
            } else {
                vocab.label(&rt, lang)
            },
            reply_overdue: response_date.is_empty() && !due.is_empty() && due < today,
            response_date,
        });
    }
    interventions.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.id.cmp(&a.id)));

    // Recommendations: for a theme, those tagged with it (any language of text), or, when
    // none of the State's recommendations carries such a tag, those whose text has its words.
    let tags = match &scope.lens {
        Some(l) => lens_theme_tags(store, &iso3, l).await?,
        None => Vec::new(),
    };
    let rf = RecFilter {
        country: Some(iso3.clone()),
        q: if tags.is_empty() {
            scope.recommendation_query()
        } else {
            None
        },
        theme: tags.first().cloned(),
        also: tags
            .iter()
            .skip(1)
            .map(|t| ("theme".to_string(), t.clone()))
            .collect(),
        per_page: Some(REC_LIMIT),
        page: Some(1),
        ..Default::default()
    };
    let page = recs::search(store, actor, &rf, false).await?;
    let mut status_counts: BTreeMap<String, i64> = BTreeMap::new();
    if scope.lens.is_none() {
        for c in recs::counts_by(store, actor, &iso3, "status").await? {
            *status_counts.entry(c.value).or_default() += c.count;
        }
    } else {
        // Thematic: count the statuses of the matching recommendations (all pages).
        let mut p = 1;
        loop {
            let rf = RecFilter {
                page: Some(p),
                per_page: Some(200),
                ..rf.clone()
            };
            let pg = recs::search(store, actor, &rf, false).await?;
            for r in &pg.items {
                let s = if r.status.is_empty() {
                    "none"
                } else {
                    &r.status
                };
                *status_counts.entry(s.to_string()).or_default() += 1;
            }
            if pg.items.len() < 200 || p >= 50 {
                break;
            }
            p += 1;
        }
    }

    // Ratification gaps.
    let rats = obligations::ratifications(store, &iso3).await?;
    let mut gaps = Gaps::default();
    for r in rats.iter().filter(|r| r.system == "un") {
        // Nothing recorded is no information, not a gap.
        if r.status == obligations::UNKNOWN {
            gaps.no_information
                .push((r.instrument.clone(), r.instrument_name.clone()));
        } else if r.status != "party" {
            gaps.not_ratified.push((
                r.instrument.clone(),
                r.instrument_name.clone(),
                r.status.clone(),
            ));
        }
    }
    for p in obligations::procedures(&rats) {
        if p.acceptance == "not_accepted" {
            gaps.procedures_not_accepted.push((p.label, p.kind));
        }
    }
    let reps = treaty_reports::reports(store, &iso3, obligations::today()).await?;
    for r in treaty_reports::outstanding(&reps) {
        if r.no_data {
            if !gaps.no_reporting_data.contains(&r.body) {
                gaps.no_reporting_data.push(r.body.clone());
            }
        } else if let Some(d) = r.overdue_days {
            gaps.overdue_reports.push((r.body, r.number, r.due_date, d));
        }
    }

    Ok(CountryReport {
        country_name: vocab.country_name(&iso3, lang),
        scope: scope.clone(),
        names_shown,
        generated: obligations::today().to_string(),
        counts,
        cases,
        interventions,
        recommendations_total: page.total,
        recommendations: page.items,
        recommendation_status_counts: status_counts
            .into_iter()
            .map(|(k, n)| Count {
                label: k.clone(),
                key: k,
                count: n,
            })
            .collect(),
        gaps,
    })
}

/// In a statement whose placeholders `$1..$n` appear twice (a sub-query repeated), number
/// the second occurrences `$n+1..$2n`.
fn renumber_second(sql: &str, n: usize) -> String {
    if n == 0 {
        return sql.to_string();
    }
    let marker = format!("il.record_type = '{ACT}'");
    let Some(pos) = sql.find(&marker) else {
        return sql.to_string();
    };
    let (head, tail) = sql.split_at(pos);
    let mut out = String::with_capacity(sql.len() + 8);
    out.push_str(head);
    let b = tail.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > i + 1 {
                let k: usize = tail[i + 1..j].parse().unwrap_or(0);
                out.push_str(&format!("${}", k + n));
                i = j;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_query_string() {
        let f = DashFilter::parse("country=srb&country=XKX&year_from=2024&year_to=2025&lens=torture&region=Southern+Europe&bogus=1");
        assert_eq!(f.country, vec!["SRB", "XKX"]);
        assert_eq!(f.year_from, Some(2024));
        assert_eq!(f.region, vec!["Southern Europe"]);
        assert_eq!(DashFilter::parse(&f.to_query()), f);
        assert!(DashFilter::parse("year_from=abc").is_empty());
    }

    #[test]
    fn the_repeated_sub_query_gets_its_own_placeholders() {
        let s = format!("a = $1 AND b = $2 OR (il.record_type = '{ACT}' AND x = $1 AND y = $2)");
        assert_eq!(
            renumber_second(&s, 2),
            format!("a = $1 AND b = $2 OR (il.record_type = '{ACT}' AND x = $3 AND y = $4)")
        );
    }
}
