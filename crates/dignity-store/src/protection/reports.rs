//! Reporting: the SDG 16.10.1 table (killings of defenders, journalists and trade unionists
//! by sex, age group and perpetrator category, for a year and a country), the public
//! memorial of killed defenders (consented names only), and counts of missing person cases
//! (open / located / closed by period, region or community) with a server-rendered SVG chart.

use super::defenders::{attack_from, ATTACK_SQL};
use super::missing::bucket;
use super::*;
use crate::violations as v;
use dignity_core::protection::missing::CountBy;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SdgRow {
    pub victim_status: String,
    pub sex: String,
    pub age_group: String,
    pub perpetrator_category: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SdgTable {
    pub year: i32,
    pub country: String,
    pub rows: Vec<SdgRow>,
    /// Verified killings (at least two independent sources).
    pub total: i64,
    /// Killings recorded with fewer than two independent sources: not counted.
    pub unverified: i64,
}

/// The SDG 16.10.1 table: verified killings in `year` in `country` (ISO alpha-3) of
/// defenders, journalists, media workers and trade unionists, among the attacks the actor
/// may read.
pub async fn sdg_16101(store: &Store, actor: &Actor, year: i32, country: &str) -> Result<SdgTable> {
    let country = country.trim().to_ascii_uppercase();
    let sql = format!(
        "{ATTACK_SQL} JOIN vio_events e ON e.id = x.event_id JOIN pro_defenders d ON d.id = k.defender_id \
         WHERE t.category = 'killing' AND x.start_sort >= $1 AND x.start_sort <= $2 AND x.country = $3 AND {} AND {} AND {}",
        v::act_visible_sql(actor, "x"),
        acl::visible_sql(actor, "e", dignity_core::RecordType::Event),
        profile_visible_sql(actor, "d", dignity_core::RecordType::Defender)
    );
    let rows = sqlx::query(&sql)
        // The clear sort keys keep the month (`YYYY-MM`).
        .bind(format!("{year:04}-01"))
        .bind(format!("{year:04}-12"))
        .bind(&country)
        .fetch_all(store.pool())
        .await?;
    let vocab = v::Vocab::load(store).await?;
    let mut counts: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    let (mut total, mut unverified) = (0, 0);
    for r in &rows {
        let a = attack_from(store, r).await?;
        if !a.verified {
            unverified += 1;
            continue;
        }
        total += 1;
        let sex = a
            .sex
            .as_deref()
            .map(|s| vocab.label(s, "en").to_lowercase())
            .unwrap_or_else(|| "unknown".into());
        let age = if a.age_group.is_empty() {
            "unknown".to_string()
        } else {
            a.age_group.clone()
        };
        *counts
            .entry((
                a.facts.victim_status,
                sex,
                age,
                a.facts.perpetrator_category,
            ))
            .or_default() += 1;
    }
    Ok(SdgTable {
        year,
        country,
        rows: counts
            .into_iter()
            .map(
                |((victim_status, sex, age_group, perpetrator_category), count)| SdgRow {
                    victim_status,
                    sex,
                    age_group,
                    perpetrator_category,
                    count,
                },
            )
            .collect(),
        total,
        unverified,
    })
}

/// The table as CSV.
pub fn sdg_csv(t: &SdgTable) -> String {
    let mut w = dignity_core::edge::CsvWriter::from_writer(vec![]);
    let _ = w.write_record([
        "indicator",
        "year",
        "country",
        "victim_status",
        "sex",
        "age_group",
        "perpetrator_category",
        "killings",
    ]);
    for r in &t.rows {
        let _ = w.write_record([
            "16.10.1",
            &t.year.to_string(),
            &t.country,
            &r.victim_status,
            &r.sex,
            &r.age_group,
            &r.perpetrator_category,
            &r.count.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemorialEntry {
    pub name: String,
    pub date: String,
    pub country: Option<String>,
    pub areas: Vec<String>,
}

/// The public memorial: defenders killed (an attack of category "killing"), named only when
/// their profile is public — published through the audited publishing workflow, of public
/// confidentiality, with the consent to publication given (`portal::public_sql`) — and the
/// killing is a published act. Nothing else about them, and no other defender.
pub async fn memorial(store: &Store) -> Result<Vec<MemorialEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT d.id, x.id, x.start_date, d.country FROM pro_defenders d JOIN pro_attacks k ON k.defender_id = d.id \
         JOIN pro_terms t ON t.kind = 'attack' AND t.code = k.attack_type JOIN vio_acts x ON x.id = k.act_id \
         WHERE d.memorial_consent = 1 AND t.category = 'killing' AND {} AND {} ORDER BY d.id",
        crate::portal::public_sql("d", dignity_core::RecordType::Defender),
        crate::portal::public_sql("x", dignity_core::RecordType::Act),
    ))
    .fetch_all(store.pool())
    .await?;
    // The dates of acts are encrypted: the earliest killing of each defender is found here.
    // Defender → (sort key, date as typed, country).
    type First = (String, String, Option<String>);
    let mut first: BTreeMap<i64, First> = BTreeMap::new();
    for r in &rows {
        let date = v::dec(store, "vio_acts.start_date", r.get::<i64, _>(1), r.get(2))?;
        let key = v::exact_sort_key(&date);
        let e = first
            .entry(r.get(0))
            .or_insert_with(|| (key.clone(), date.clone(), r.get(3)));
        if key < e.0 {
            (e.0, e.1) = (key, date);
        }
    }
    let mut order: Vec<(i64, First)> = first.into_iter().collect();
    order.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let mut out = vec![];
    for (id, (_, date, country)) in order {
        let Some(d) = super::defenders::get_defender(store, id).await? else {
            continue;
        };
        out.push(MemorialEntry {
            name: d.name,
            date,
            country,
            areas: d.profile.areas,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct CountRow {
    pub group: String,
    pub open: i64,
    pub located: i64,
    pub closed: i64,
}

/// Dimensions the counts can be grouped by.
pub const COUNT_BY: &[&str] = &CountBy::CODES;

/// Cases the actor may see, counted by status bucket and grouped by period, region,
/// community or year last seen. The filter is in SQL (no count reveals a hidden case). The
/// region and community are encrypted: SQL groups by their keyed tokens, and each group is
/// named by decrypting one of its cases' values; periods are grouped by id and named from
/// the (decrypted) periods; the year comes from the clear month sort key.
pub async fn missing_counts(store: &Store, actor: &Actor, by: &str) -> Result<Vec<CountRow>> {
    // (grouping expression, encrypted column naming the group)
    let by = CountBy::parse(by)?;
    let (group, label) = match by {
        CountBy::Period => ("COALESCE(CAST(m.period_id AS TEXT), '')", None),
        CountBy::Region => ("m.region_key", Some(("m.region", "pro_missing.region"))),
        CountBy::Community => (
            "m.community_key",
            Some(("m.community", "pro_missing.community")),
        ),
        CountBy::Year => ("substr(m.last_seen_sort, 1, 4)", None),
    };
    // With one case of each group (its smallest id), whose value names the group.
    let sql = format!(
        "SELECT {group}, m.status, COUNT(*), MIN(m.id) FROM pro_missing m WHERE {} GROUP BY {group}, m.status",
        profile_visible_sql(actor, "m", dignity_core::RecordType::Missing)
    );
    let rows = sqlx::query(&sql).fetch_all(store.pool()).await?;
    let periods = if by == CountBy::Period {
        super::missing::period_names(store).await?
    } else {
        Default::default()
    };
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    if let Some((col, field)) = label {
        let mut first: BTreeMap<String, i64> = BTreeMap::new();
        for r in &rows {
            let id: i64 = r.get(3);
            let e = first.entry(r.get(0)).or_insert(id);
            *e = (*e).min(id);
        }
        for (token, id) in first {
            let v: Option<String> =
                sqlx::query(&format!("SELECT {col} FROM pro_missing m WHERE m.id = $1"))
                    .bind(id)
                    .fetch_optional(store.pool())
                    .await?
                    .and_then(|r| r.get(0));
            names.insert(token, dec(store, field, id, v)?);
        }
    }
    let mut out: BTreeMap<String, CountRow> = BTreeMap::new();
    for r in &rows {
        let g: String = r.get(0);
        let s: String = r.get(1);
        let n: i64 = r.get(2);
        let group = match by {
            CountBy::Period => g
                .parse::<i64>()
                .ok()
                .and_then(|p| periods.get(&p).cloned())
                .unwrap_or_default(),
            CountBy::Region | CountBy::Community => names.get(&g).cloned().unwrap_or_default(),
            CountBy::Year => g,
        };
        let row = out.entry(group.clone()).or_insert(CountRow {
            group,
            open: 0,
            located: 0,
            closed: 0,
        });
        match bucket(&s) {
            "open" => row.open += n,
            "located" => row.located += n,
            _ => row.closed += n,
        }
    }
    Ok(out.into_values().collect())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal stacked bar chart of counts (open, located, closed) as SVG, with a title and
/// a description for screen readers; `labels` are the legend words in the reader's language
/// (title, open, located, closed, unknown group).
pub fn counts_svg(rows: &[CountRow], labels: [&str; 5]) -> String {
    let bar_h = 22;
    let left = 180;
    let width = 640;
    let plot = width - left - 20;
    let top = 40;
    let height = top + rows.len().max(1) as i32 * (bar_h + 8) + 20;
    let max = rows
        .iter()
        .map(|r| r.open + r.located + r.closed)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let colours = ["#b2182b", "#2166ac", "#777777"];
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" viewBox=\"0 0 {width} {height}\" width=\"100%\">\
         <title id=\"chart-title\">{}</title><desc id=\"chart-desc\">{}</desc>",
        esc(labels[0]),
        esc(&rows.iter().map(|r| format!("{}: {} {}, {} {}, {} {}", if r.group.is_empty() { labels[4] } else { &r.group }, r.open, labels[1], r.located, labels[2], r.closed, labels[3])).collect::<Vec<_>>().join("; "))
    );
    for (i, (l, c)) in labels[1..4].iter().zip(colours).enumerate() {
        let x = left + i as i32 * 140;
        s.push_str(&format!("<rect x=\"{x}\" y=\"10\" width=\"14\" height=\"14\" fill=\"{c}\"/><text x=\"{}\" y=\"22\" font-size=\"13\">{}</text>", x + 20, esc(l)));
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + i as i32 * (bar_h + 8);
        let name = if r.group.is_empty() {
            labels[4].to_string()
        } else {
            r.group.clone()
        };
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
            left - 8,
            y + 16,
            esc(&name)
        ));
        let mut x = left as f64;
        for (n, c) in [r.open, r.located, r.closed].into_iter().zip(colours) {
            let w = n as f64 / max * plot as f64;
            if n > 0 {
                s.push_str(&format!("<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"{c}\"><title>{n}</title></rect>"));
            }
            x += w;
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{}</text>",
            x + 4.0,
            y + 16,
            r.open + r.located + r.closed
        ));
    }
    s.push_str("</svg>");
    s
}
