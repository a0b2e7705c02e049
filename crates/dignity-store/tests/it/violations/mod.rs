//! Documenting violations on every backend: the ESF model (event → acts → victim and
//! perpetrators), validation of bad input with nothing half-written, confidentiality in
//! every list, count and export, encryption of names at rest, evidence hashing and
//! packages, interventions and their reply clock, case round trips and imports.

use crate::common;
use dignity_core::auth::Action;
use dignity_core::{Actor, Role};
use dignity_store::testing::{backends, TestStore};
use dignity_store::violations::evidence::{self, EvidenceInput, UploadError};
use dignity_store::violations::import::{self, Mapping};
use dignity_store::violations::interventions::{self, InterventionInput};
use dignity_store::violations::{self as v, case, *};
use dignity_store::{acl, Backend, StoreError};
use sqlx::Row;

mod cases;
mod confidentiality;
mod documenting;
mod evidence_files;
mod lists;
mod reply_clock;

const TORTURE: &str = "02011111000004";
const EXECUTION: &str = "01010102000004";
const ARREST: &str = "03010100000004";
const FEMALE: &str = "02000000000039";
const GOVERNMENT: &str = "01000000000024";
const DIRECT: &str = "01000000000018";
const INTERVIEW: &str = "09142005180116";
const RELIABLE: &str = "01000000000042";
const CONFIRMED: &str = "01000000000041";
const RIGHT_TO_LIFE: &str = "01010000000003";
const SHOOTING: &str = "01010000000005";
const SPOUSE: &str = "01010100000021";
const PRECEDES: &str = "01000000000022";

async fn setup(b: Backend) -> (TestStore, Actor, Actor, Actor) {
    let s = common::fresh_store(b).await;
    let mut who = common::users(
        &s,
        &[
            ("dora", Role::Documenter),
            ("ana", Role::Analyst),
            ("adam", Role::Admin),
        ],
    )
    .await
    .into_iter()
    .map(|(_, a)| a);
    let (d, a, m) = (
        who.next().unwrap(),
        who.next().unwrap(),
        who.next().unwrap(),
    );
    (s, d, a, m)
}

struct CaseIds {
    event: i64,
    victim: i64,
    perp: i64,
    source: i64,
    act1: i64,
    act2: i64,
}

async fn document_case(s: &TestStore, who: &Actor) -> CaseIds {
    let vocab = Vocab::load(s).await.unwrap();
    let mut tx = s.begin(who).await.unwrap();
    let (event, victim) = common::event_and_victim(
        &mut tx,
        &vocab,
        &EventInput {
            title: "Raid on the Hope Clinic".into(),
            description: "Security forces raided the clinic; Amaru Quispe was taken away.".into(),
            start_date: "2024-03-05".into(),
            end_date: "2024-03-07".into(),
            country: Some("PER".into()),
            admin_area: "Cusco".into(),
            place: "Calle Hatun Rumiyoq 12".into(),
            coordinates: "-13.5167, -71.9781".into(),
            violation_status: Some(CONFIRMED.into()),
            rights_affected: vec![RIGHT_TO_LIFE.into()],
            confidentiality: "internal".into(),
            ..Default::default()
        },
        &PersonInput {
            name: "Amaru Quispe Mamani".into(),
            other_names: vec!["Амару Киспе".into()],
            sex: Some(FEMALE.into()),
            birth_date: "1990".into(),
            contact: "+51 999 123 456".into(),
            ..Default::default()
        },
    )
    .await;
    let perp = common::special_operations_unit(&mut tx, &vocab).await;
    let source = create_person(
        &mut tx,
        &vocab,
        &PersonInput {
            name: "Witness Killa Huaman".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let act1 = create_act(
        &mut tx,
        &vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: ARREST.into(),
            start_date: "2024-03-05".into(),
            perpetrators: vec![InvolvementInput {
                perpetrator_id: perp,
                degree: Some(DIRECT.into()),
                perpetrator_type: Some(GOVERNMENT.into()),
                latest_status: None,
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let act2 = create_act(
        &mut tx,
        &vocab,
        &ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: TORTURE.into(),
            start_date: "2024-03-06".into(),
            methods: vec![SHOOTING.into()],
            consequences: "Broken ribs".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The witness on the event, the victim on the torture act.
    for info in [
        InformationInput {
            source_id: source,
            event_id: Some(event),
            source_type: Some(INTERVIEW.into()),
            reliability: Some(RELIABLE.into()),
            info_date: "2024-03-10".into(),
            ..Default::default()
        },
        InformationInput {
            source_id: victim,
            act_id: Some(act2),
            ..Default::default()
        },
    ] {
        add_information(&mut tx, &vocab, &info).await.unwrap();
    }
    tx.commit().await.unwrap();
    CaseIds {
        event,
        victim,
        perp,
        source,
        act1,
        act2,
    }
}

/// A death penalty record of the case's victim in its event: `status`, sentenced on
/// `sentence_date`.
fn death_penalty(c: &CaseIds, status: &str, sentence_date: &str) -> DeathPenaltyInput {
    DeathPenaltyInput {
        event_id: c.event,
        person_id: c.victim,
        status: status.into(),
        sentence_date: sentence_date.into(),
        ..Default::default()
    }
}

async fn count(s: &TestStore, table: &str) -> i64 {
    common::count(s, table).await
}

/// Make the case's victim readable by every staff member (internal), so that the acts on
/// them are visible to readers of the acts and events (an act is visible only with its
/// victim).
async fn victim_internal(s: &TestStore, c: &CaseIds) {
    sqlx::query("UPDATE vio_persons SET confidentiality = 'internal' WHERE id = $1")
        .bind(c.victim)
        .execute(s.pool())
        .await
        .unwrap();
}
