//! Demonstration data for `dignity serve --demo`: enough in every area that a person trying
//! Dignity sees each workflow with something in it — synthetic violation cases (the
//! generator), three hand-written cases with interventions and a death penalty case (the
//! case files in `data/demo/cases/`), real UPR recommendations for four States (a sample of
//! UPR Info's export, `data/demo/upr-info-sample.csv`) with their follow-up, defenders at
//! risk, and missing persons listed by two sources.
//!
//! Everything goes through the same audited store functions as the pages; the accounts the
//! records are attributed to are demo accounts whose password is printed. Names are
//! invented; dates in the case files are written relative to today (`{{today-75}}`) so that
//! reply clocks and follow-ups are current whenever the demo starts.

use crate::violations;
use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use dignity_core::{Actor, Role};
use dignity_store::obligations as ob;
use dignity_store::protection::{defenders as hrd, missing, sources as src, NewPerson};
use dignity_store::violations::case::{import_case, Case};
use dignity_store::violations::Vocab;
use dignity_store::{accounts, Store};
use sqlx::Row;

const CASES: &[(&str, &str)] = &[
    (
        "01-death-penalty.json",
        include_str!("../../../data/demo/cases/01-death-penalty.json"),
    ),
    (
        "02-disappearance.json",
        include_str!("../../../data/demo/cases/02-disappearance.json"),
    ),
];
const UPR_SAMPLE: &str = include_str!("../../../data/demo/upr-info-sample.csv");

/// What the demo created, for the message printed at start.
#[derive(Debug, Default)]
pub struct Summary {
    pub password: String,
    pub cases: usize,
    pub recommendations: usize,
    pub defenders: usize,
    pub missing: usize,
}

/// Replace `{{today}}`, `{{today-N}}` and `{{today+N}}` by dates relative to `today`.
pub fn relative_dates(text: &str, today: NaiveDate) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{today") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 7..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return out;
        };
        let offset: i64 = after[..end].replace('+', "").parse().unwrap_or(0);
        out.push_str(
            &(today + Duration::days(offset))
                .format("%Y-%m-%d")
                .to_string(),
        );
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Add the demonstration data to an empty installation.
pub async fn add(store: &Store, cli: &Actor) -> Result<Summary> {
    let today = chrono::Utc::now().date_naive();
    let password = dignity_core::password::generate();
    let mut tx = store.begin(cli).await?;
    accounts::create(
        &mut tx,
        "demo-documenter",
        "Demo documenter",
        Role::Documenter,
        &password,
    )
    .await?;
    let coo_id = accounts::create(
        &mut tx,
        "demo-coordinator",
        "Demo coordinator",
        Role::Coordinator,
        &password,
    )
    .await?
    .id;
    tx.commit().await?;
    violations::demo(
        store,
        violations::DemoCmd::Generate {
            events: 40,
            seed: 1,
            csv: None,
            as_user: Some("demo-documenter".into()),
        },
    )
    .await?;
    let doc = violations::actor(store, "demo-documenter").await?;
    let coo = violations::actor(store, "demo-coordinator").await?;
    let mut s = Summary {
        password,
        cases: 40,
        ..Default::default()
    };
    for (name, text) in CASES {
        let case: Case = serde_json::from_str(&relative_dates(text, today))
            .with_context(|| format!("data/demo/cases/{name}"))?;
        import_case(store, &doc, &case)
            .await
            .with_context(|| format!("data/demo/cases/{name}"))?;
        s.cases += 1;
    }
    s.recommendations = recommendations(store, &coo, today).await?;
    s.defenders = defenders(store, &doc, &coo, coo_id, today).await?;
    s.missing = missing_persons(store, &doc, &coo, coo_id).await?;
    // The country profiles of the four reviewed States, on the public portal.
    store
        .write(&dignity_core::Actor::system(), async |tx| {
            for iso3 in ["PHL", "PER", "SRB", "RUS"] {
                dignity_store::portal::set_country_published(tx, iso3, true).await?;
            }
            Ok(())
        })
        .await?;
    Ok(s)
}

fn day(today: NaiveDate, offset: i64) -> String {
    (today + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// UPR Info's recommendations to four States in their second cycle, with the follow-up of
/// a few Philippine ones: a cluster, a responsible institution, a planned action due soon,
/// and dated assessments.
async fn recommendations(store: &Store, coo: &Actor, today: NaiveDate) -> Result<usize> {
    use dignity_core::obligations as rules;
    let resolver = ob::country_resolver(store).await?;
    let table = rules::Table::from_csv(UPR_SAMPLE)
        .map_err(|e| anyhow::anyhow!("data/demo/upr-info-sample.csv: {e:?}"))?;
    let p = rules::parse_upr_info(&table, &resolver);
    anyhow::ensure!(
        p.rejected.is_empty(),
        "data/demo/upr-info-sample.csv: {:?}",
        p.rejected.first()
    );
    let summary = ob::recs::import(store, coo, p.records, vec![], false, &|_| {}).await?;
    let n = summary.created;
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM recommendations WHERE iso3 = 'PHL' AND text LIKE '%torture%' ORDER BY id LIMIT 3",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let statuses = [
        ("in_progress", -200, "A bill criminalising torture in all places of detention is before the Senate committee."),
        ("partially_implemented", -60, "The anti-torture law is in force; independent monitoring of police stations has not started."),
        ("not_started", -30, "No steps reported by the government since the review."),
    ];
    for (id, (status, ago, narrative)) in ids.iter().zip(statuses) {
        let a = ob::tracking::Assessment {
            status: status.into(),
            assessed_on: day(today, ago),
            narrative: narrative.into(),
            evidence: String::new(),
            confidentiality: Some("public".into()),
            published: true,
            id: 0,
            by: None,
            via_cluster: false,
        };
        let id = *id;
        store
            .write(coo, async |tx| {
                ob::tracking::assess(tx, ob::tracking::Target::Recommendation(id), &a).await
            })
            .await?;
    }
    let due = day(today, 30);
    if let Some(first) = ids.first().copied() {
        store
            .write(coo, async |tx| {
                let target = ob::tracking::Target::Recommendation(first);
                let inst = ob::tracking::institution(
                    tx,
                    "Commission on Human Rights of the Philippines",
                    "nhri",
                    Some("PHL"),
                )
                .await?;
                ob::tracking::assign(tx, target, inst, "Focal point, Legal Division").await?;
                let action = ob::tracking::PlannedAction {
                    description: "Unannounced visits to ten police stations in Metro Manila".into(),
                    target_date: due.clone(),
                    indicator: "Number of stations visited; findings published".into(),
                    id: 0,
                    institution: None,
                    done: false,
                    overdue_days: None,
                };
                ob::tracking::add_action(tx, target, &action, Some(inst)).await
            })
            .await?;
    }
    // The State's reports to the Human Rights Committee, so that the reporting table shows
    // recorded data next to computed due dates.
    store
        .write(coo, async |tx| {
            ob::reports::set_report(
                tx,
                "PHL",
                "ICCPR",
                &ob::reports::ReportInput {
                    number: 4,
                    due_date: "2006-11-01".into(),
                    submitted: "2011-04-28".into(),
                    symbol: "CCPR/C/PHL/4".into(),
                    review_session: "106th session (2012)".into(),
                    co_symbol: "CCPR/C/PHL/CO/4".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await?;
    Ok(n)
}

/// Three defenders: an environmental defender under threat (two sources, risk assessed,
/// relocation granted and delivered, a check-in overdue), a journalist facing judicial
/// harassment, and a killed trade unionist whose family consented to the memorial.
async fn defenders(
    store: &Store,
    doc: &Actor,
    coo: &Actor,
    coo_id: i64,
    today: NaiveDate,
) -> Result<usize> {
    let vocab = Vocab::load(store).await?;
    // name, sex (MT 39), country, organisation, areas of work, SDG 16.10.1 status, memorial.
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a str,
        bool,
    );
    let people: [Row; 3] = [
        (
            "Marisol Quispe Huamán",
            "02000000000039",
            "PER",
            "Frente de Defensa del Agua de Espinar",
            &["land_environment", "indigenous", "women_rights"],
            "hrd",
            false,
        ),
        (
            "Olga Vasilyeva",
            "02000000000039",
            "RUS",
            "Independent newspaper in Pskov",
            &["journalism"],
            "journalist",
            false,
        ),
        (
            "Jerome Dela Cruz",
            "01000000000039",
            "PHL",
            "Plantation workers' union, Negros",
            &["trade_union", "land_environment"],
            "trade_unionist",
            true,
        ),
    ];
    let mut ids = vec![];
    for (name, sex, country, org, areas, sdg, memorial) in people {
        let input = hrd::DefenderInput {
            person: NewPerson {
                name: name.into(),
                sex: Some(sex.into()),
                age_group: "adult".into(),
                ..Default::default()
            },
            profile: hrd::DefenderProfile {
                organisation: org.into(),
                country: Some(country.into()),
                contact: "+00 000 000 000 (demo)".into(),
                whereabouts: "Known to the contact point only (demo)".into(),
                contact_user: Some(coo_id),
                areas: areas.iter().map(|a| a.to_string()).collect(),
                sdg_status: sdg.into(),
                memorial_consent: memorial,
                ..Default::default()
            },
            ..Default::default()
        };
        let id = store
            .write(doc, async |tx| {
                hrd::create_defender(tx, &vocab, &input).await
            })
            .await?;
        ids.push(id);
    }
    let source = |name: &'static str| {
        let vocab = &vocab;
        async move {
            store
                .write(doc, async |tx| {
                    dignity_store::violations::create_person(
                        tx,
                        vocab,
                        &dignity_store::violations::PersonInput {
                            name: name.into(),
                            confidentiality: "confidential".into(),
                            ..Default::default()
                        },
                    )
                    .await
                })
                .await
        }
    };
    let s1 = source("Community radio in Espinar").await?;
    let s2 = source("Parish human rights office").await?;
    let attacks = [
        (ids[0], "threats", -40, "private_individual", vec![s1, s2]),
        (ids[0], "un_reprisal", -12, "state_actor", vec![s1]),
        (ids[1], "judicial_harassment", -90, "state_actor", vec![]),
        (ids[2], "killing", -200, "unknown", vec![s2]),
    ];
    for (defender_id, kind, ago, perp, sources) in attacks {
        let a = hrd::AttackInput {
            facts: hrd::AttackFacts {
                defender_id,
                attack_type: kind.into(),
                date: day(today, ago),
                perpetrator_category: perp.into(),
                motive: "work_related".into(),
                ..Default::default()
            },
            source_ids: sources,
            ..Default::default()
        };
        store
            .write(doc, async |tx| hrd::record_attack(tx, &vocab, &a).await)
            .await?;
    }
    let d = ids[0];
    store
        .write(coo, async |tx| {
            hrd::assess_risk(
                tx,
                &hrd::RiskInput {
                    defender_id: d,
                    level: "high".into(),
                    factors: vec![
                        "threats_received".into(),
                        "isolated_location".into(),
                        "gender_based".into(),
                    ],
                    notes: "Threats after she testified before the UN; lives far from the town."
                        .into(),
                    assessed_on: day(today, -35),
                    next_review: day(today, 25),
                },
            )
            .await?;
            Ok(())
        })
        .await?;
    let m = store
        .write(coo, async |tx| {
            hrd::request_measure(
                tx,
                &hrd::MeasureInput {
                    defender_id: d,
                    measure_type: "relocation".into(),
                    requested_on: day(today, -34),
                    host: "Shelter programme in Lima (demo)".into(),
                    period_start: day(today, -20),
                    period_end: day(today, 200),
                    visa: "Not needed (in-country)".into(),
                    security_plan: "Travel by day with a companion; weekly call.".into(),
                    ..Default::default()
                },
            )
            .await
        })
        .await?;
    for (status, ago) in [("approved", -30), ("delivered", -20)] {
        store
            .write(coo, async |tx| {
                hrd::advance_measure(
                    tx,
                    m,
                    &hrd::MeasureStatusInput {
                        status: status.into(),
                        on_date: day(today, ago),
                        ..Default::default()
                    },
                )
                .await
            })
            .await?;
    }
    store
        .write(coo, async |tx| {
            hrd::add_checkin(tx, d, Some(m), &day(today, -3)).await?;
            hrd::add_checkin(tx, d, Some(m), &day(today, 11)).await
        })
        .await?;
    Ok(ids.len())
}

/// A tracing case opened from a family report, and the same people listed by two sources
/// (a commission's list and a family association's list, one in Cyrillic), imported as
/// lists so that the candidate matches appear.
async fn missing_persons(store: &Store, doc: &Actor, coo: &Actor, coo_id: i64) -> Result<usize> {
    let vocab = Vocab::load(store).await?;
    let people = [
        (
            "Agron Krasniqi",
            "Агрон Краснићи",
            "1971-05-04",
            "Gjakova",
            "1999-04-12",
        ),
        (
            "Mirela Gashi",
            "Мирела Гаши",
            "1984-11-20",
            "Peja",
            "1999-05-02",
        ),
        (
            "Dragan Petrović",
            "Драган Петровић",
            "1962-02-17",
            "Prizren",
            "1999-06-15",
        ),
        (
            "Bekim Hoxha",
            "Беким Хоџа",
            "1990-08-09",
            "Mitrovica",
            "1998-09-30",
        ),
    ];
    let period = store
        .write(coo, async |tx| {
            missing::add_period(tx, "Kosovo conflict", "1998-01", "2000-12").await
        })
        .await?;
    let mut n = 0;
    for (i, (name, cyr, born, place, seen)) in people.iter().enumerate() {
        let m = missing::MissingInput {
            person: NewPerson {
                name: name.to_string(),
                other_names: vec![cyr.to_string()],
                birth_date: born.to_string(),
                ..Default::default()
            },
            disappearance: missing::Disappearance {
                last_seen_date: seen.to_string(),
                last_seen_place: place.to_string(),
                region: place.to_string(),
                community: if i == 2 { "Serbian" } else { "Albanian" }.into(),
                circumstances: "Taken from a convoy by armed men (demo).".into(),
                description: "Dark jacket, a scar on the left hand (demo).".into(),
                period_id: Some(period),
            },
            opened_on: "2001-03-01".into(),
            need_to_know_users: vec![coo_id],
            ..Default::default()
        };
        store
            .write(doc, async |tx| {
                let id = missing::create_missing(tx, &vocab, &m).await?;
                let rel = missing::add_relative(
                    tx,
                    id,
                    &missing::RelativeInput {
                        name: format!("Relative of {}", m.person.name),
                        relationship: "sibling".into(),
                        contact: "+383 00 000 000 (demo)".into(),
                    }
                    .parse()?,
                )
                .await?;
                missing::add_report(
                    tx,
                    id,
                    &missing::ReportInput {
                        relative_id: rel,
                        reported_on: "2001-03-01".into(),
                        consent: missing::Consent {
                            commission: true,
                            organisations: i != 1,
                        },
                    },
                )
                .await?;
                if i == 3 {
                    missing::change_status(
                        tx,
                        id,
                        &missing::StatusChange {
                            status: "located_alive".into(),
                            changed_on: "2004-05-10".into(),
                            reference: "Letter of the authorities' commission (demo)".into(),
                            note: "Found living abroad; the family was informed.".into(),
                            ..Default::default()
                        },
                    )
                    .await?;
                }
                Ok(id)
            })
            .await?;
        n += 1;
    }
    let lists = [
        (
            "Commission on Missing Persons (demo)",
            "commission",
            "commission.csv",
            "id,name,birth_date,place,sex,last_seen_date\n\
             C-101,Agron Krasniqi,1971-05-04,Gjakova,M,1999-04-12\n\
             C-102,Mirela Gashi,1984-11-20,Peja,F,1999-05-02\n\
             C-103,Dragan Petrovic,1962-02-17,Prizren,M,1999-06-15\n\
             C-104,Arben Berisha,1975-01-30,Gjakova,M,1999-04-12\n",
        ),
        (
            "Family association (demo)",
            "family_association",
            "association.csv",
            "id,name,birth_date,place,sex,last_seen_date\n\
             FA-7,Агрон Красниќи,1971,Ђаковица,M,1999-04\n\
             FA-8,Драган Петровић,1962-02-17,Призрен,M,1999-06-15\n\
             FA-9,Arben Berisha,1975,Gjakova,M,\n",
        ),
    ];
    for (name, kind, file, body) in lists {
        let table = src::read_table(file, body.as_bytes())
            .map_err(|e| anyhow::anyhow!("demo list {file}: {e:?}"))?;
        let mut mapping = src::guess_mapping(&table.headers);
        mapping.insert("external_id".into(), "id".into());
        let id = store
            .write(coo, async |tx| src::create_source(tx, name, kind).await)
            .await?;
        src::import_list(
            store,
            coo,
            id,
            file,
            &table,
            &mapping,
            &src::ImportOptions {
                dry_run: false,
                progress: None,
                strict: true,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo list {file}: {e:?}"))?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_relative_to_today() {
        let t = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(
            relative_dates("a {{today-1}} b {{today+31}} c {{today}}", t),
            "a 2026-02-28 b 2026-04-01 c 2026-03-01"
        );
        assert_eq!(relative_dates("{{today", t), "{{today");
    }

    #[test]
    fn shipped_case_files_parse() {
        let t = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        for (name, text) in CASES {
            let c: Case = serde_json::from_str(&relative_dates(text, t))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!c.acts.is_empty(), "{name}");
            assert!(!relative_dates(text, t).contains("{{"), "{name}");
        }
    }
}
