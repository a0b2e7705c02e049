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

use crate::common;
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

mod catch_up;
mod languages;
mod readers;

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
    let dora = common::account(&mut tx, "dora", Role::Documenter).await;
    let ana = common::account(&mut tx, "ana", Role::Analyst).await;
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
            person: dignity_store::protection::NewPerson {
                name: "Mohamed Abdallah".into(),
                ..Default::default()
            },
            profile: dignity_store::protection::defenders::DefenderProfile {
                country: Some("EGY".into()),
                region: "Cairo".into(),
                areas: vec!["women_rights".into()],
                ..Default::default()
            },
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
            person: dignity_store::protection::NewPerson {
                person_id: None,
                name: "Arben Krasniqi".into(),
                other_names: vec![],
                sex: None,
                birth_date: String::new(),
                age_group: "adult".into(),
            },
            disappearance: dignity_store::protection::missing::Disappearance {
                last_seen_date: "1999-04".into(),
                last_seen_place: "Prizren".into(),
                region: "Prizren".into(),
                community: String::new(),
                circumstances: "Taken at a checkpoint".into(),
                description: String::new(),
                period_id: None,
            },
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

/// The search over the standard registry, opened on `s` with [`opts`].
async fn open(s: &TestStore) -> Search {
    Search::open(s, Registry::standard(), opts(s))
        .await
        .unwrap()
}

fn q(text: &str) -> SearchRequest {
    common::request(text, 100)
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
