//! Dashboards and country/thematic reports on every backend: counts only of what the
//! reader may see, cases pseudonymised unless names are asked for and allowed, the
//! interventions and replies, recommendation statuses and ratification gaps.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::obligations::{recs, tracking};
use dignity_store::reports::{self, DashFilter, ReportScope};
use dignity_store::testing::fixtures::{self, create_recommendation};
use dignity_store::testing::{backends, store, TestStore};
use dignity_store::violations::interventions::{self, InterventionInput};
use dignity_store::violations::*;
use dignity_store::Backend;

const TORTURE: &str = "02011111000004";
const EXECUTION: &str = "01010102000004";
const ARREST: &str = "03010100000004";
const FEMALE: &str = "02000000000039";
const GOVERNMENT: &str = "01000000000024";
pub const VICTIM: &str = "Amaru Quispe Mamani";

async fn user(s: &TestStore, name: &str, role: Role) -> Actor {
    common::actor(s, name, role).await
}

#[allow(clippy::too_many_arguments)]
async fn event(
    s: &TestStore,
    who: &Actor,
    country: &str,
    date: &str,
    level: &str,
    lenses: &[&str],
    acts: &[&str],
    victim: i64,
    perp: Option<i64>,
) -> i64 {
    let vocab = Vocab::load(s).await.unwrap();
    let mut tx = s.begin(who).await.unwrap();
    let e = create_event(
        &mut tx,
        &vocab,
        &EventInput {
            title: format!("Event in {country} on {date}"),
            start_date: date.into(),
            country: Some(country.into()),
            lenses: lenses.iter().map(|l| l.to_string()).collect(),
            confidentiality: level.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for t in acts {
        create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: e,
                victim_id: Some(victim),
                act_type: t.to_string(),
                start_date: date.into(),
                perpetrators: perp
                    .map(|p| InvolvementInput {
                        perpetrator_id: p,
                        degree: None,
                        perpetrator_type: Some(GOVERNMENT.into()),
                        latest_status: None,
                    })
                    .into_iter()
                    .collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    e
}

/// An internal event in Peru on `date`, under no lens, with one arrest of `victim` by no
/// recorded perpetrator.
async fn arrest_in_peru(s: &TestStore, who: &Actor, date: &str, victim: i64) -> i64 {
    event(
        s,
        who,
        "PER",
        date,
        "internal",
        &[],
        &[ARREST],
        victim,
        None,
    )
    .await
}

/// The total of the dashboard filtered by `f` as dora sees it.
async fn dora_total(w: &World, f: &DashFilter) -> i64 {
    reports::dashboard(&w.s, &w.dora, f, "en")
        .await
        .unwrap()
        .total
}

struct World {
    s: TestStore,
    dora: Actor,
    ana: Actor,
}

async fn world(b: Backend) -> World {
    let s = store(b).await;
    dignity_store::refdata::load_shipped(&s).await.unwrap();
    let dora = user(&s, "dora", Role::Documenter).await;
    let ana = user(&s, "ana", Role::Analyst).await;
    let vocab = Vocab::load(&s).await.unwrap();
    let mut tx = s.begin(&dora).await.unwrap();
    // Internal like the acts below: an act counts for a reader only with its victim.
    let victim = common::adult_woman(&mut tx, &vocab, VICTIM, "internal").await;
    let perp = common::special_operations_unit(&mut tx, &vocab).await;
    tx.commit().await.unwrap();
    // Visible to every staff member: two acts in the USA in 2025 (torture lens), one in Peru.
    let e1 = event(
        &s,
        &dora,
        "USA",
        "2025-03-05",
        "internal",
        &["torture"],
        &[ARREST, TORTURE],
        victim,
        Some(perp),
    )
    .await;
    arrest_in_peru(&s, &dora, "2024-06-01", victim).await;
    // Confidential, dora's own: analysts do not see it, nor count it.
    event(
        &s,
        &dora,
        "USA",
        "2024-01-10",
        "confidential",
        &[],
        &[EXECUTION],
        victim,
        None,
    )
    .await;
    let mut tx = s.begin(&dora).await.unwrap();
    interventions::create_intervention(
        &mut tx,
        &vocab,
        &InterventionInput {
            int_type: "urgent_appeal".into(),
            addressees: "Special Rapporteur on torture".into(),
            int_date: "2025-03-12".into(),
            events: vec![e1],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rec = create_recommendation(&mut tx, fixtures::torture_investigation()).await;
    let review = tracking::Assessment {
        narrative: "Review opened".into(),
        confidentiality: Some("public".into()),
        published: true,
        ..common::assessment("in_progress", "2024-05-01")
    };
    tracking::assess(&mut tx, tracking::Target::Recommendation(rec), &review)
        .await
        .unwrap();
    create_recommendation(
        &mut tx,
        recs::NewRecommendation {
            iso3: "USA".into(),
            body: "CCPR".into(),
            text: "Ensure access to voting for all citizens.".into(),
            document_symbol: "CCPR/C/USA/CO/5".into(),
            paragraph: "40".into(),
            date: "2023-11-03".into(),
            ..Default::default()
        },
    )
    .await;
    tx.commit().await.unwrap();
    World { s, dora, ana }
}

fn count(v: &[reports::Count], key: &str) -> i64 {
    v.iter()
        .find(|c| c.key == key)
        .map(|c| c.count)
        .unwrap_or(0)
}

#[tokio::test]
async fn dashboards_count_only_what_the_reader_may_see() {
    for b in backends() {
        let w = world(b).await;
        let all = DashFilter::default();
        let d = reports::dashboard(&w.s, &w.dora, &all, "en").await.unwrap();
        assert_eq!(d.total, 4, "{b:?}");
        assert_eq!(count(&d.by_country, "USA"), 3);
        assert_eq!(count(&d.by_country, "PER"), 1);
        assert_eq!(count(&d.by_year, "2025"), 2);
        assert_eq!(count(&d.by_year, "2024"), 2);
        assert_eq!(count(&d.by_month, "2025-03"), 2);
        assert_eq!(count(&d.by_act_type, ARREST), 2);
        assert_eq!(count(&d.by_perpetrator_type, GOVERNMENT), 2);
        assert_eq!(count(&d.by_victim_sex, FEMALE), 4);
        assert_eq!(count(&d.by_victim_age_group, "adult"), 4);
        assert!(d
            .by_country
            .iter()
            .any(|c| c.key == "USA" && c.label == "United States of America (the)"));

        let a = reports::dashboard(&w.s, &w.ana, &all, "en").await.unwrap();
        assert_eq!(
            a.total, 3,
            "the confidential act is not counted for the analyst"
        );
        assert_eq!(count(&a.by_country, "USA"), 2);
        assert_eq!(count(&a.by_act_type, EXECUTION), 0);
        assert_eq!(count(&a.by_year, "2024"), 1);

        let public = reports::dashboard(&w.s, &Actor::anonymous(), &all, "en")
            .await
            .unwrap();
        assert_eq!(public.total, 0, "nothing is published");

        // Filters with the search page's names and values.
        let f = DashFilter::parse("country=usa&year_from=2025&year_to=2025");
        assert_eq!(dora_total(&w, &f).await, 2);
        let f = DashFilter::parse("region=Americas&lens=torture");
        assert_eq!(dora_total(&w, &f).await, 2);
        let f = DashFilter::parse("act_type=03010100000004&region=Latin+America+and+the+Caribbean");
        assert_eq!(dora_total(&w, &f).await, 1);
        let f = DashFilter::parse(&format!(
            "perpetrator_type={GOVERNMENT}&victim_sex={FEMALE}&victim_age_group=adult"
        ));
        assert_eq!(dora_total(&w, &f).await, 2);
    }
}

#[tokio::test]
async fn a_country_report_has_counts_cases_interventions_recommendations_and_gaps() {
    for b in backends() {
        let w = world(b).await;
        let scope = ReportScope {
            country: "usa".into(),
            ..Default::default()
        };
        let r = reports::country_report(&w.s, &w.dora, &scope, "en")
            .await
            .unwrap();
        assert_eq!(r.scope.country, "USA");
        assert_eq!(r.country_name, "United States of America (the)");
        assert_eq!(r.counts.total, 3, "{b:?}");
        assert_eq!(r.cases.len(), 3);
        assert_eq!(r.cases[0].date, "2025-03-05");
        assert!(r.cases.iter().any(|c| c.act_type == TORTURE));
        // Pseudonymised by default, even for a reader who may see names.
        assert!(!r.names_shown);
        assert!(r
            .cases
            .iter()
            .all(|c| c.victim.starts_with("P-") && c.victim != VICTIM));
        assert_eq!(r.interventions.len(), 1);
        assert_eq!(
            r.interventions[0].addressees,
            "Special Rapporteur on torture"
        );
        assert!(r.interventions[0].response_date.is_empty());
        assert_eq!(r.recommendations_total, 2);
        let cat = r.recommendations.iter().find(|x| x.body == "CAT").unwrap();
        assert_eq!(cat.status, "in_progress");
        assert_eq!(count(&r.recommendation_status_counts, "in_progress"), 1);
        // The USA signed but did not ratify the ICESCR; it is a party to the ICCPR.
        assert!(r
            .gaps
            .not_ratified
            .iter()
            .any(|(c, _, s)| c == "ICESCR" && s == "signatory"));
        assert!(!r.gaps.not_ratified.iter().any(|(c, _, _)| c == "ICCPR"));
        assert!(r
            .gaps
            .procedures_not_accepted
            .iter()
            .any(|(l, _)| l.contains("ICCPR")));

        // Names only with permission and choice.
        let named = ReportScope {
            include_names: true,
            ..scope.clone()
        };
        let r = reports::country_report(&w.s, &w.dora, &named, "en")
            .await
            .unwrap();
        assert!(r.names_shown);
        assert!(r.cases.iter().all(|c| c.victim == VICTIM));
        let r = reports::country_report(&w.s, &w.ana, &named, "en")
            .await
            .unwrap();
        assert!(
            !r.names_shown,
            "analysts see pseudonyms unless the setting allows names"
        );
        assert_eq!(r.counts.total, 2);
        assert!(r.cases.iter().all(|c| c.victim != VICTIM));

        // Thematic: torture in the USA in 2025.
        let thematic = ReportScope {
            lens: Some("torture".into()),
            year: Some(2025),
            ..scope.clone()
        };
        let r = reports::country_report(&w.s, &w.dora, &thematic, "fr")
            .await
            .unwrap();
        assert_eq!(r.counts.total, 2);
        assert_eq!(
            r.recommendations_total, 1,
            "only the recommendation about torture"
        );
        assert_eq!(r.recommendations[0].body, "CAT");
        assert_eq!(r.country_name, "États-Unis d'Amérique (les)");

        let unknown = ReportScope {
            country: "XXX".into(),
            ..Default::default()
        };
        assert!(reports::country_report(&w.s, &w.dora, &unknown, "en")
            .await
            .is_err());
    }
}

/// A thematic report picks the recommendations by their theme tags, whatever the language
/// of their text and of the report: a French recommendation about ill-treatment tagged
/// with the torture theme is in a torture report made in English, French or Arabic; an
/// English one that is tagged with another theme is not.
#[tokio::test]
async fn a_thematic_report_picks_recommendations_by_theme_tags_in_every_language() {
    for b in backends() {
        let w = world(b).await;
        let mut tx = w.s.begin(&w.dora).await.unwrap();
        for (body, text, themes) in [
            (
                "CAT",
                "Mettre fin aux mauvais traitements infligés aux personnes détenues.",
                vec!["Torture and other cruel, inhuman or degrading treatment"],
            ),
            (
                "CCPR",
                "Investigar sin demora las denuncias presentadas por las víctimas.",
                vec!["Tortura", "Administración de justicia"],
            ),
            (
                "CCPR",
                "Abolish the death penalty, which is a form of torture for those waiting.",
                vec!["Death penalty"],
            ),
            (
                "CEDAW",
                "Ensure access to shelters for women.",
                vec!["Women's rights"],
            ),
        ] {
            create_recommendation(
                &mut tx,
                recs::NewRecommendation {
                    iso3: "FRA".into(),
                    body: body.into(),
                    text: text.into(),
                    document_symbol: format!("{body}/C/FRA/CO/7"),
                    paragraph: "12".into(),
                    date: "2024-05-01".into(),
                    themes: themes.into_iter().map(String::from).collect(),
                    ..Default::default()
                },
            )
            .await;
        }
        tx.commit().await.unwrap();

        assert_eq!(
            reports::lens_theme_tags(&w.s, "FRA", "torture")
                .await
                .unwrap(),
            [
                "Tortura",
                "Torture and other cruel, inhuman or degrading treatment"
            ]
        );
        for lang in ["en", "fr", "ar", "ru"] {
            let scope = ReportScope {
                country: "FRA".into(),
                lens: Some("torture".into()),
                ..Default::default()
            };
            let r = reports::country_report(&w.s, &w.dora, &scope, lang)
                .await
                .unwrap();
            let mut bodies: Vec<&str> = r.recommendations.iter().map(|x| x.body.as_str()).collect();
            bodies.sort();
            assert_eq!(bodies, ["CAT", "CCPR"], "{b:?} {lang}");
            assert_eq!(r.recommendations_total, 2);
            assert!(r
                .recommendations
                .iter()
                .all(|x| !x.text.contains("death penalty")));
            let none: i64 = r.recommendation_status_counts.iter().map(|c| c.count).sum();
            assert_eq!(none, 2, "the status counts cover the same recommendations");
        }
        let scope = ReportScope {
            country: "FRA".into(),
            lens: Some("death_penalty".into()),
            ..Default::default()
        };
        let r = reports::country_report(&w.s, &w.dora, &scope, "fr")
            .await
            .unwrap();
        assert_eq!(r.recommendations_total, 1);
        assert!(r.recommendations[0].text.starts_with("Abolish"));
    }
}

/// Dashboards are kept until the next change: asking again gives the same counts, and
/// every audited write (a new act, visible to some readers only) shows at once, for each
/// reader as their access allows.
#[tokio::test]
async fn dashboards_follow_every_change_for_each_reader() {
    for b in backends() {
        let w = world(b).await;
        let all = DashFilter::default();
        let peru = DashFilter::parse("country=PER");
        let before_d = reports::dashboard(&w.s, &w.dora, &all, "en").await.unwrap();
        let before_a = reports::dashboard(&w.s, &w.ana, &all, "en").await.unwrap();
        let before_p = reports::dashboard(&w.s, &w.ana, &peru, "en").await.unwrap();
        let again = reports::dashboard(&w.s, &w.dora, &all, "en").await.unwrap();
        assert_eq!(again.total, before_d.total, "{b:?}");
        assert_eq!(again.by_country, before_d.by_country);
        assert_eq!(again.by_year, before_d.by_year);

        let vocab = Vocab::load(&w.s).await.unwrap();
        let mut tx = w.s.begin(&w.dora).await.unwrap();
        let victim = common::adult_woman(&mut tx, &vocab, "Rosa Huaman", "internal").await;
        tx.commit().await.unwrap();
        arrest_in_peru(&w.s, &w.dora, "2023", victim).await;
        let d = reports::dashboard(&w.s, &w.dora, &all, "en").await.unwrap();
        assert_eq!(d.total, before_d.total + 1, "{b:?}");
        assert_eq!(
            count(&d.by_year, "2023"),
            count(&before_d.by_year, "2023") + 1
        );
        assert_eq!(
            count(&d.by_country, "PER"),
            count(&before_d.by_country, "PER") + 1
        );
        assert_eq!(
            count(&d.by_act_type, ARREST),
            count(&before_d.by_act_type, ARREST) + 1
        );
        assert_eq!(
            count(&d.by_victim_sex, FEMALE),
            count(&before_d.by_victim_sex, FEMALE) + 1
        );
        let a = reports::dashboard(&w.s, &w.ana, &all, "en").await.unwrap();
        assert_eq!(a.total, before_a.total + 1);
        let p = reports::dashboard(&w.s, &w.ana, &peru, "en").await.unwrap();
        assert_eq!(p.total, before_p.total + 1);

        // A confidential act: its creator counts it, the analyst does not.
        event(
            &w.s,
            &w.dora,
            "PER",
            "2023-06-01",
            "confidential",
            &[],
            &[TORTURE],
            victim,
            None,
        )
        .await;
        let d2 = reports::dashboard(&w.s, &w.dora, &all, "en").await.unwrap();
        assert_eq!(d2.total, d.total + 1);
        assert_eq!(count(&d2.by_month, "2023-06"), 1);
        let a2 = reports::dashboard(&w.s, &w.ana, &all, "en").await.unwrap();
        assert_eq!(a2.total, a.total);
        assert_eq!(count(&a2.by_month, "2023-06"), 0);
        let p2 = reports::dashboard(&w.s, &w.ana, &peru, "en").await.unwrap();
        assert_eq!(p2.total, p.total);
    }
}
