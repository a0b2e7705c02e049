//! Protection on every backend: defenders (profile, attacks with the SDG fields and the
//! two-sources rule, risk history, measures, check-ins), missing persons (status history
//! with evidence and order, families and consent in every channel), source lists (import,
//! malformed lists, re-imports, candidate matching across scripts, linking and conflicts),
//! reports (SDG 16.10.1, memorial, counts), family links, and encryption at rest.

use crate::common;
use dignity_core::{Actor, Role};
use dignity_store::protection::defenders::{self as d, *};
use dignity_store::protection::missing::{self as m, *};
use dignity_store::protection::reports;
use dignity_store::protection::sources::{self as s, Mapping};
use dignity_store::testing::{backends, fixtures, TestStore};
use dignity_store::violations::{self as v, PersonInput, Vocab};
use dignity_store::{Backend, StoreError};
use sqlx::Row;

mod candidates;
mod defenders;
mod missing;
mod sources;

const FEMALE: &str = "02000000000039";

async fn setup(b: Backend) -> (TestStore, Actor, Actor, Actor, i64) {
    let st = common::fresh_store(b).await;
    let mut u = common::users(
        &st,
        &[
            ("dora", Role::Documenter),
            ("ana", Role::Analyst),
            ("cora", Role::Coordinator),
        ],
    )
    .await
    .into_iter();
    let ((_, d), (_, a), (coo, c)) = (u.next().unwrap(), u.next().unwrap(), u.next().unwrap());
    (st, d, a, c, coo.id)
}

fn invalid_field(e: StoreError) -> String {
    match e {
        StoreError::Rejected(e) => e.field.to_string(),
        e => panic!("expected a validation error, got {e}"),
    }
}

async fn audit_count(st: &TestStore) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM audit_log")
        .fetch_one(st.pool())
        .await
        .unwrap()
        .get(0)
}

async fn case_with_family(
    st: &TestStore,
    who: &Actor,
    vocab: &Vocab,
    consent: Consent,
    team: i64,
) -> (i64, i64, i64) {
    st.write(who, async |tx| {
        let (id, rel) = fixtures::case_and_relative(
            tx,
            vocab,
            &MissingInput {
                person: dignity_store::protection::NewPerson {
                    name: "Agron Krasniqi".into(),
                    other_names: vec!["Агрон Краснићи".into()],
                    birth_date: "1971-05-04".into(),
                    ..Default::default()
                },
                disappearance: dignity_store::protection::missing::Disappearance {
                    last_seen_date: "1999-04-12".into(),
                    last_seen_place: "Gjakova".into(),
                    region: "Gjakova".into(),
                    community: "Albanian".into(),
                    circumstances: "Taken from the convoy at the bridge".into(),
                    description: "Blue jacket, scar on the left hand".into(),
                    ..Default::default()
                },
                opened_on: "2001-03-01".into(),
                need_to_know_users: vec![team],
                ..Default::default()
            },
            &RelativeInput {
                name: "Shpresa Krasniqi".into(),
                relationship: "spouse".into(),
                contact: "+383 44 000 000".into(),
            },
        )
        .await?;
        let rep = add_report(
            tx,
            id,
            &ReportInput {
                relative_id: rel,
                reported_on: "2001-03-01".into(),
                consent,
            },
        )
        .await?;
        Ok((id, rel, rep))
    })
    .await
    .unwrap()
}

fn table(csv: &str) -> s::Table {
    s::read_csv(csv.as_bytes()).unwrap()
}

/// The current record with this external id (stored encrypted: found through the list).
async fn record_id(st: &TestStore, external_id: &str) -> i64 {
    s::records(st, None, false, 1000, 0)
        .await
        .unwrap()
        .1
        .into_iter()
        .find(|r| r.external_id == external_id)
        .unwrap()
        .id
}
