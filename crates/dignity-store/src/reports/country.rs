//! Country and thematic reports: cases, interventions and replies, recommendations and
//! ratification gaps.

use super::dashboard::{acts_where, ACT_DATE};
use super::*;

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
    /// The report outstanding under each treaty, as every page and the API show it.
    pub reporting: Vec<treaty_reports::Report>,
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
    let q = crate::query_with(&sql, &args);
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
    gaps.reporting = treaty_reports::outstanding(&reps)
        .into_iter()
        // The office's own notes stay out of reports.
        .map(|r| treaty_reports::Report {
            note: String::new(),
            ..r
        })
        .collect();
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
