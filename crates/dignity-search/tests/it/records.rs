//! Search over the product's real record types (recommendations, events, acts, persons,
//! defenders, missing persons) through `Registry::standard()`, on every backend the test
//! run has:
//! - a fixed multilingual corpus (en, fr, es, ru, ar titles and texts; names in Latin,
//!   Cyrillic and Arabic script, Arabic romanisations, Albanian/Serbian forms) with the
//!   expected hits per query;
//! - two readers of different need-to-know over the same data: hits AND facet counts;
//! - the index follows child writes (a new act re-indexes its event, a person's list
//!   re-indexes the acts naming them) and catches up after a crash;
//! - no victim's name is in the index files in clear.

use dignity_core::obligations::{Mechanism, Position, RecInput};
use dignity_core::{Actor, PartialDate, Role};
use dignity_search::{Search, SearchOptions, SearchRequest};
use dignity_store::obligations::recs;
use dignity_store::protection::defenders::{self, DefenderInput};
use dignity_store::protection::missing::{self, MissingInput};
use dignity_store::search::Registry;
use dignity_store::testing::{backends, store, TestStore};
use dignity_store::violations::{
    self as v, ActInput, EventInput, InvolvementInput, PersonInput, Vocab,
};
use dignity_store::{accounts, acl};
use std::collections::BTreeMap;
use std::time::Duration;

const TORTURE: &str = "02011111000004";
const ARREST: &str = "03010100000004";
const FEMALE: &str = "02000000000039";
const GOVERNMENT: &str = "01000000000024";

struct Ids {
    e_fr: i64,
    e_ru: i64,
    e_ar: i64,
    e_es: i64,
    v_muhammad: i64,
    v_petrovic: i64,
    v_jovanovic: i64,
    a_torture: i64,
    a_petrovic: i64,
    a_jovanovic: i64,
    rec_en: i64,
    rec_fr: i64,
    defender: i64,
    missing: i64,
}

struct Setup {
    s: TestStore,
    dora: Actor,
    ana: Actor,
    ids: Ids,
}

fn person(name: &str, other: &[&str], level: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        other_names: other.iter().map(|s| s.to_string()).collect(),
        confidentiality: level.into(),
        age_group: "adult".into(),
        ..Default::default()
    }
}

fn event(title: &str, country: &str, date: &str) -> EventInput {
    EventInput {
        title: title.into(),
        description: "Narrative kept encrypted".into(),
        start_date: date.into(),
        country: Some(country.into()),
        confidentiality: "internal".into(),
        ..Default::default()
    }
}

fn rec(key: &str, iso3: &str, text: &str, theme: &str, sdg: &str) -> RecInput {
    RecInput {
        key: key.into(),
        mechanism: Mechanism::Upr,
        body: "UPR".into(),
        upr_cycle: Some(4),
        session: "44".into(),
        document_symbol: "A/HRC/54/12".into(),
        paragraph: "6.1".into(),
        date: "2023-11".parse::<PartialDate>().unwrap(),
        iso3: iso3.into(),
        recommending_iso3: Some("FRA".into()),
        kind: "recommendation".into(),
        text: text.into(),
        position: Some(Position::Supported),
        upr_action: None,
        themes: vec![theme.into()],
        affected: vec![],
        sdgs: vec![sdg.into()],
        source: "manual".into(),
        line: 0,
    }
}

async fn setup(b: dignity_store::Backend) -> Setup {
    let s = store(b).await;
    dignity_store::refdata::load_shipped(&s).await.unwrap();
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let dora = accounts::create(
        &mut tx,
        "dora",
        "",
        Role::Documenter,
        "a long enough passphrase",
    )
    .await
    .unwrap();
    let ana = accounts::create(
        &mut tx,
        "ana",
        "",
        Role::Analyst,
        "a long enough passphrase",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let dora = accounts::actor_for(&s, &dora).await.unwrap();
    let ana = accounts::actor_for(&s, &ana).await.unwrap();
    let vocab = Vocab::load(&s).await.unwrap();
    let pvocab = vocab.clone();

    let mut tx = s.begin(&dora).await.unwrap();
    let e_fr = v::create_event(
        &mut tx,
        &vocab,
        &EventInput {
            lenses: vec!["torture".into()],
            admin_area: "Nišava".into(),
            ..event("Arrestation de manifestants à Niš", "SRB", "2024-03-05")
        },
    )
    .await
    .unwrap();
    let e_ru = v::create_event(
        &mut tx,
        &vocab,
        &event("Задержание журналистов в Москве", "RUS", "2022-02"),
    )
    .await
    .unwrap();
    let e_ar = v::create_event(
        &mut tx,
        &vocab,
        &event("اعتقال المتظاهرين في القاهرة", "EGY", "2019-09-20"),
    )
    .await
    .unwrap();
    let e_es = v::create_event(
        &mut tx,
        &vocab,
        &event(
            "Desaparición de estudiantes normalistas",
            "MEX",
            "2014-09-26",
        ),
    )
    .await
    .unwrap();
    // Names of victims: confidential by default (only dora, who records them, and their
    // need-to-know list may read them).
    let v_muhammad = v::create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            sex: Some(FEMALE.into()),
            ..person("Muhammad al-Hassan", &["محمد الحسن"], "confidential")
        },
    )
    .await
    .unwrap();
    let v_petrovic = v::create_person(&mut tx, &vocab, &person("Jovana Petrović", &[], "internal"))
        .await
        .unwrap();
    let v_jovanovic = v::create_person(&mut tx, &vocab, &person("Ана Јовановић", &[], "internal"))
        .await
        .unwrap();
    let police = v::create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            person_type: "organisation".into(),
            ..person("Special police unit", &[], "internal")
        },
    )
    .await
    .unwrap();
    let act = |event_id: i64, victim: i64, act_type: &str, level: &str| ActInput {
        event_id,
        victim_id: Some(victim),
        act_type: act_type.into(),
        confidentiality: level.into(),
        perpetrators: vec![InvolvementInput {
            perpetrator_id: police,
            degree: None,
            perpetrator_type: Some(GOVERNMENT.into()),
            latest_status: None,
        }],
        ..Default::default()
    };
    // The torture act is confidential: only dora (its creator) may read it.
    let a_torture = v::create_act(
        &mut tx,
        &vocab,
        &act(e_fr, v_muhammad, TORTURE, "confidential"),
    )
    .await
    .unwrap();
    let a_petrovic = v::create_act(&mut tx, &vocab, &act(e_fr, v_petrovic, ARREST, "internal"))
        .await
        .unwrap();
    let a_jovanovic = v::create_act(&mut tx, &vocab, &act(e_ru, v_jovanovic, ARREST, "internal"))
        .await
        .unwrap();
    let rec_en = recs::create(&mut tx, rec("t:1", "SRB", "Investigate promptly all allegations of torture by police officers and prosecute those responsible", "torture", "16"))
        .await
        .unwrap();
    let rec_fr = recs::create(
        &mut tx,
        rec(
            "t:2",
            "RUS",
            "Garantir la sécurité des journalistes et l'indépendance des médias",
            "freedom_of_expression",
            "16",
        ),
    )
    .await
    .unwrap();
    let defender = defenders::create_defender(
        &mut tx,
        &pvocab,
        &DefenderInput {
            name: "Mohamed Abdallah".into(),
            country: Some("EGY".into()),
            region: "Cairo".into(),
            areas: vec!["women_rights".into()],
            confidentiality: "internal".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let missing = missing::create_missing(
        &mut tx,
        &pvocab,
        &MissingInput {
            person_id: None,
            name: "Arben Krasniqi".into(),
            other_names: vec![],
            sex: None,
            birth_date: String::new(),
            age_group: "adult".into(),
            last_seen_date: "1999-04".into(),
            last_seen_place: "Prizren".into(),
            region: "Prizren".into(),
            community: String::new(),
            circumstances: "Taken at a checkpoint".into(),
            description: String::new(),
            period_id: None,
            opened_on: String::new(),
            confidentiality: "internal".into(),
            need_to_know_users: vec![],
            need_to_know_teams: vec![],
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Setup {
        s,
        dora,
        ana,
        ids: Ids {
            e_fr,
            e_ru,
            e_ar,
            e_es,
            v_muhammad,
            v_petrovic,
            v_jovanovic,
            a_torture,
            a_petrovic,
            a_jovanovic,
            rec_en,
            rec_fr,
            defender,
            missing,
        },
    }
}

fn opts(s: &TestStore) -> SearchOptions {
    SearchOptions {
        dir: Some(s.opts.data_dir.join("index")),
        poll: Duration::from_millis(200),
        ..Default::default()
    }
}

fn q(text: &str) -> SearchRequest {
    SearchRequest {
        q: text.into(),
        lang: "en".into(),
        limit: 100,
        ..Default::default()
    }
}

fn qf(text: &str, filters: &[(&str, &str)]) -> SearchRequest {
    let mut f: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in filters {
        f.entry(k.to_string()).or_default().push(v.to_string());
    }
    SearchRequest {
        filters: f,
        ..q(text)
    }
}

/// The hits as sorted `type:id`, leaving out reference data (countries, instruments).
fn hits(search: &Search, actor: &Actor, req: &SearchRequest) -> Vec<String> {
    let mut v: Vec<String> = search
        .search(actor, req)
        .unwrap()
        .hits
        .into_iter()
        .filter(|h| h.record_type != "country" && h.record_type != "instrument")
        .map(|h| format!("{}:{}", h.record_type, h.id))
        .collect();
    v.sort();
    v
}

fn k(t: &str, id: i64) -> String {
    format!("{t}:{id}")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The count of one facet value (0 when absent).
fn facet_count(
    search: &Search,
    actor: &Actor,
    req: &SearchRequest,
    facet: &str,
    value: &str,
) -> u64 {
    search
        .search(actor, req)
        .unwrap()
        .facets
        .into_iter()
        .find(|(n, _)| n == facet)
        .and_then(|(_, vs)| vs.into_iter().find(|v| v.value == value))
        .map(|v| v.count)
        .unwrap_or(0)
}

#[tokio::test]
async fn every_record_type_is_searchable_in_five_languages_and_by_name() {
    for b in backends() {
        let Setup {
            s, dora, ids: i, ..
        } = setup(b).await;
        let search = Search::open(&s, Registry::standard(), opts(&s))
            .await
            .unwrap();
        let hrd = k("person", person_of_defender(&s, i.defender).await);
        let expect: Vec<(&str, Vec<String>)> = vec![
            // French stemming and folding: "manifestant" finds "manifestants" in the
            // event's title, and the two acts of the event that carry it.
            (
                "manifestant",
                vec![
                    k("act", i.a_petrovic),
                    k("act", i.a_torture),
                    k("event", i.e_fr),
                ],
            ),
            (
                "Nis",
                vec![
                    k("act", i.a_petrovic),
                    k("act", i.a_torture),
                    k("event", i.e_fr),
                ],
            ),
            // Russian stemming.
            (
                "задержания",
                vec![k("act", i.a_jovanovic), k("event", i.e_ru)],
            ),
            (
                "журналист",
                vec![k("act", i.a_jovanovic), k("event", i.e_ru)],
            ),
            // Arabic normalisation and stemming.
            ("المتظاهرين", vec![k("event", i.e_ar)]),
            // Spanish with and without accents.
            ("desaparicion", vec![k("event", i.e_es)]),
            ("estudiante", vec![k("event", i.e_es)]),
            // English stemming over recommendations; the torture act by its type.
            ("allegation", vec![k("recommendation", i.rec_en)]),
            (
                "tortures",
                vec![k("act", i.a_torture), k("recommendation", i.rec_en)],
            ),
            ("journalistes", vec![k("recommendation", i.rec_fr)]),
            // Arabic romanisations and scripts of one name.
            (
                "Mohammed",
                vec![
                    k("act", i.a_torture),
                    k("defender", i.defender),
                    k("person", i.v_muhammad),
                    hrd.clone(),
                ],
            ),
            (
                "Muhammad",
                vec![
                    k("act", i.a_torture),
                    k("defender", i.defender),
                    k("person", i.v_muhammad),
                    hrd.clone(),
                ],
            ),
            (
                "محمد",
                vec![
                    k("act", i.a_torture),
                    k("defender", i.defender),
                    k("person", i.v_muhammad),
                    hrd.clone(),
                ],
            ),
            (
                "Mohamed Abdallah",
                vec![k("defender", i.defender), hrd.clone()],
            ),
            (
                "Hassan",
                vec![k("act", i.a_torture), k("person", i.v_muhammad)],
            ),
            // Serbian Latin / Cyrillic.
            (
                "Petrovic",
                vec![k("act", i.a_petrovic), k("person", i.v_petrovic)],
            ),
            (
                "Петровић",
                vec![k("act", i.a_petrovic), k("person", i.v_petrovic)],
            ),
            (
                "Jovanovic",
                vec![k("act", i.a_jovanovic), k("person", i.v_jovanovic)],
            ),
            (
                "Ana Jovanovich",
                vec![k("act", i.a_jovanovic), k("person", i.v_jovanovic)],
            ),
            // Albanian / Serbian forms of one name.
            (
                "Krasniqi",
                vec![
                    k("missing", i.missing),
                    k("person", person_of_missing(&s, i.missing).await),
                ],
            ),
            (
                "Krasnići",
                vec![
                    k("missing", i.missing),
                    k("person", person_of_missing(&s, i.missing).await),
                ],
            ),
            (
                "Красничи",
                vec![
                    k("missing", i.missing),
                    k("person", person_of_missing(&s, i.missing).await),
                ],
            ),
        ];
        for (query, want) in expect {
            assert_eq!(
                hits(&search, &dora, &q(query)),
                sorted(want),
                "{b:?}: query {query:?}"
            );
        }
        // A reader who may not see names (an analyst seeing pseudonyms) searches without
        // them: a name confirms nothing, other words still match.
        let blind = |text: &str| SearchRequest {
            without_names: true,
            ..q(text)
        };
        assert!(hits(&search, &dora, &blind("Mohammed")).is_empty());
        assert!(hits(&search, &dora, &blind("Krasniqi")).is_empty());
        assert_eq!(
            hits(&search, &dora, &blind("estudiantes")),
            vec![k("event", i.e_es)]
        );
        // Facets narrow the same words.
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf(
                    "manifestant",
                    &[("record_type", "act"), ("act_type", TORTURE)]
                )
            ),
            vec![k("act", i.a_torture)]
        );
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf(
                    "",
                    &[("record_type", "recommendation"), ("theme", "torture")]
                )
            ),
            vec![k("recommendation", i.rec_en)]
        );
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf("", &[("record_type", "event"), ("lens", "torture")])
            ),
            vec![k("event", i.e_fr)]
        );
        assert_eq!(
            hits(&search, &dora, &qf("", &[("area_of_work", "women_rights")])),
            vec![k("defender", i.defender)]
        );
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf("", &[("record_type", "missing"), ("region", "Prizren")])
            ),
            vec![k("missing", i.missing)]
        );
        let y = SearchRequest {
            year_from: Some(2019),
            year_to: Some(2019),
            ..qf("", &[("record_type", "event")])
        };
        assert_eq!(hits(&search, &dora, &y), vec![k("event", i.e_ar)]);
        let _ = (i.v_jovanovic, i.e_es);
    }
}

async fn person_of_missing(s: &TestStore, id: i64) -> i64 {
    missing::get_missing(s, id)
        .await
        .unwrap()
        .unwrap()
        .person_id
}

async fn person_of_defender(s: &TestStore, id: i64) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT person_id FROM pro_defenders WHERE id = $1")
        .bind(id)
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn two_readers_see_only_their_hits_and_facet_counts() {
    for b in backends() {
        let Setup {
            s,
            dora,
            ana,
            ids: i,
        } = setup(b).await;
        let search = Search::open(&s, Registry::standard(), opts(&s))
            .await
            .unwrap();
        search.follow();
        let anon = Actor::anonymous();
        let hrd = k("person", person_of_defender(&s, i.defender).await);

        // dora recorded the confidential torture act and its victim; ana may not read them.
        assert_eq!(
            hits(&search, &dora, &q("Mohammed")),
            sorted(vec![
                k("act", i.a_torture),
                k("defender", i.defender),
                k("person", i.v_muhammad),
                hrd.clone()
            ])
        );
        assert_eq!(
            hits(&search, &ana, &q("Mohammed")),
            vec![k("defender", i.defender), hrd.clone()]
        );
        assert!(hits(&search, &anon, &q("Mohammed")).is_empty());
        // Nor its type, its victim's sex, or its event's words through it.
        assert_eq!(
            hits(&search, &ana, &q("manifestant")),
            vec![k("act", i.a_petrovic), k("event", i.e_fr)]
        );
        let acts = qf("", &[("record_type", "act")]);
        assert_eq!(facet_count(&search, &dora, &acts, "act_type", TORTURE), 1);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", TORTURE), 0);
        assert_eq!(facet_count(&search, &dora, &acts, "act_type", ARREST), 2);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", ARREST), 2);
        assert_eq!(facet_count(&search, &dora, &acts, "victim_sex", FEMALE), 1);
        assert_eq!(facet_count(&search, &ana, &acts, "victim_sex", FEMALE), 0);
        assert_eq!(
            facet_count(&search, &dora, &q(""), "confidentiality", "confidential"),
            2
        );
        assert_eq!(
            facet_count(&search, &ana, &q(""), "confidentiality", "confidential"),
            0
        );
        // The internal event does not count the confidential act's type among its facets,
        // for anyone: its readers are not all readers of the act.
        let events = qf("", &[("record_type", "event")]);
        assert_eq!(facet_count(&search, &dora, &events, "act_type", TORTURE), 0);
        assert_eq!(facet_count(&search, &ana, &events, "act_type", ARREST), 2);
        assert_eq!(
            facet_count(&search, &ana, &events, "perpetrator_type", GOVERNMENT),
            2
        );
        // Totals agree with the hits.
        assert_eq!(search.count(&ana, &acts).unwrap(), 2);
        assert_eq!(search.count(&dora, &acts).unwrap(), 3);
        // Anonymous readers see the public recommendations only.
        assert_eq!(
            hits(
                &search,
                &anon,
                &qf("", &[("record_type", "recommendation")])
            ),
            vec![k("recommendation", i.rec_en), k("recommendation", i.rec_fr)]
        );
        for t in ["event", "act", "person", "defender", "missing"] {
            assert_eq!(
                facet_count(&search, &anon, &q(""), "record_type", t),
                0,
                "{t}"
            );
            assert!(
                facet_count(&search, &ana, &q(""), "record_type", t) > 0,
                "{t}"
            );
        }

        // ana is put on the act's list: she still does not find it — an act is visible only
        // with its victim, whom she may not read yet. Its document is now for the readers
        // of both (dora alone), so it carries the victim's name for her.
        let mut tx = s.begin(&dora).await.unwrap();
        acl::set_need_to_know(
            &mut tx,
            v::ACT,
            &i.a_torture.to_string(),
            &[ana.user_id.unwrap()],
            &[],
        )
        .await
        .unwrap();
        let seq = *tx.commit().await.unwrap().last().unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", TORTURE), 0);
        assert_eq!(
            hits(&search, &ana, &q("Mohammed")),
            vec![k("defender", i.defender), hrd.clone()]
        );
        assert_eq!(
            hits(&search, &dora, &q("Mohammed")),
            sorted(vec![
                k("act", i.a_torture),
                k("defender", i.defender),
                k("person", i.v_muhammad),
                hrd.clone()
            ])
        );
        // ana is put on the person's list too: the act's document follows the person's
        // list (a person's entry re-indexes the acts naming them).
        let mut tx = s.begin(&dora).await.unwrap();
        acl::set_need_to_know(
            &mut tx,
            v::PERSON,
            &i.v_muhammad.to_string(),
            &[ana.user_id.unwrap()],
            &[],
        )
        .await
        .unwrap();
        let seq = *tx.commit().await.unwrap().last().unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await);
        assert_eq!(
            hits(&search, &ana, &q("Mohammed")),
            sorted(vec![
                k("act", i.a_torture),
                k("defender", i.defender),
                k("person", i.v_muhammad),
                hrd.clone()
            ])
        );
        assert_eq!(facet_count(&search, &ana, &acts, "victim_sex", FEMALE), 1);
        assert_eq!(facet_count(&search, &ana, &acts, "act_type", TORTURE), 1);

        // A new internal act of torture on the event: the act's entry re-indexes its event.
        let vocab = Vocab::load(&s).await.unwrap();
        let mut tx = s.begin(&dora).await.unwrap();
        let a_new = v::create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: i.e_fr,
                victim_id: Some(i.v_petrovic),
                act_type: TORTURE.into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let seq = *tx.commit().await.unwrap().last().unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await);
        assert_eq!(
            hits(
                &search,
                &ana,
                &qf("", &[("record_type", "event"), ("act_type", TORTURE)])
            ),
            vec![k("event", i.e_fr)]
        );
        assert_eq!(
            hits(&search, &ana, &qf("Petrovic", &[("act_type", TORTURE)])),
            vec![k("act", a_new)]
        );

        // Implementation assessments re-index the recommendation they are about; only a
        // public, published one changes the status everyone may filter on.
        use dignity_store::obligations::tracking::{self, Assessment, Target};
        let assessment = |status: &str, level: &str, published: bool| Assessment {
            id: 0,
            status: status.into(),
            assessed_on: "2025-06-30".into(),
            narrative: String::new(),
            evidence: String::new(),
            confidentiality: Some(level.into()),
            published,
            by: None,
            via_cluster: false,
        };
        let mut tx = s.begin(&Actor::system()).await.unwrap();
        tracking::assess(
            &mut tx,
            Target::Recommendation(i.rec_en),
            &assessment("implemented", "public", true),
        )
        .await
        .unwrap();
        tracking::assess(
            &mut tx,
            Target::Recommendation(i.rec_fr),
            &assessment("in_progress", "internal", false),
        )
        .await
        .unwrap();
        let seq = *tx.commit().await.unwrap().last().unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await);
        let recs = qf("", &[("record_type", "recommendation")]);
        assert_eq!(
            facet_count(&search, &anon, &recs, "status", "implemented"),
            1
        );
        assert_eq!(
            facet_count(&search, &anon, &recs, "status", "in_progress"),
            0
        );
        assert_eq!(
            hits(&search, &anon, &qf("", &[("status", "implemented")])),
            vec![k("recommendation", i.rec_en)]
        );
    }
}

#[tokio::test]
async fn catch_up_covers_every_record_type_and_the_index_holds_no_names() {
    for b in backends() {
        let Setup {
            s, dora, ids: i, ..
        } = setup(b).await;
        {
            let search = Search::open(&s, Registry::standard(), opts(&s))
                .await
                .unwrap();
            assert_eq!(hits(&search, &dora, &q("Krasniqi")).len(), 2);
        }
        // Written while no index listens (the server crashed, or the CLI wrote).
        let vocab = Vocab::load(&s).await.unwrap();
        let pvocab = vocab.clone();
        let mut tx = s.begin(&dora).await.unwrap();
        let victim = v::create_person(
            &mut tx,
            &vocab,
            &person("Milica Stojanović", &["Милица Стојановић"], "internal"),
        )
        .await
        .unwrap();
        let act = v::create_act(
            &mut tx,
            &vocab,
            &ActInput {
                event_id: i.e_ar,
                victim_id: Some(victim),
                act_type: ARREST.into(),
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let r = recs::create(
            &mut tx,
            rec(
                "t:3",
                "EGY",
                "Release all human rights defenders detained arbitrarily",
                "hrd",
                "16",
            ),
        )
        .await
        .unwrap();
        let d = defenders::create_defender(
            &mut tx,
            &pvocab,
            &DefenderInput {
                name: "Fatima Zahra".into(),
                areas: vec!["women_rights".into()],
                confidentiality: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let search = Search::open(&s, Registry::standard(), opts(&s))
            .await
            .unwrap();
        assert_eq!(
            hits(&search, &dora, &q("Stojanovic")),
            vec![k("act", act), k("person", victim)]
        );
        assert_eq!(
            hits(&search, &dora, &q("detained")),
            vec![k("recommendation", r)]
        );
        assert_eq!(
            hits(&search, &dora, &q("Fatima")),
            sorted(vec![
                k("defender", d),
                k("person", person_of_defender(&s, d).await)
            ])
        );
        // The new act re-indexed its event: it is counted among the event's act types.
        assert_eq!(
            hits(
                &search,
                &dora,
                &qf("", &[("record_type", "event"), ("act_type", ARREST)])
            ),
            sorted(vec![
                k("event", i.e_ar),
                k("event", i.e_fr),
                k("event", i.e_ru)
            ])
        );
        drop(search);

        // Grep every index file for the names as written, lowercased and transliterated.
        let dir = s.opts.data_dir.join("index");
        let mut bytes = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                bytes.extend(std::fs::read(&p).unwrap());
            }
        }
        assert!(bytes.len() > 1000, "the index has files");
        let hay = String::from_utf8_lossy(&bytes).to_lowercase();
        for name in [
            "Muhammad",
            "muhammad",
            "Hassan",
            "hasan",
            "محمد",
            "الحسن",
            "Petrović",
            "petrovic",
            "Јовановић",
            "jovanovic",
            "Krasniqi",
            "krasniqi",
            "Stojanović",
            "stojanovic",
            "Стојановић",
            "Milica",
            "Abdallah",
            "abdalah",
            "Fatima",
            "zahra",
        ] {
            assert!(
                !hay.contains(&name.to_lowercase()),
                "{b:?}: {name:?} is in the index files in clear"
            );
        }
        // What the database encrypts besides names does not reach the index either.
        for secret in ["narrative kept encrypted", "checkpoint"] {
            assert!(
                !hay.contains(secret),
                "{b:?}: {secret:?} is in the index files"
            );
        }
        let _ = (i.rec_fr, i.v_jovanovic, i.e_es, i.e_ru);
    }
}
