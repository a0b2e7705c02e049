//! What the store tests share: a fresh store with the reference data, and accounts with
//! their actors.
#![allow(dead_code)]

use dignity_core::{Actor, Role};
use dignity_store::protection::sources;
use dignity_store::testing::TestStore;
use dignity_store::{accounts, obligations, violations, Backend, Store, WriteTx};
use sqlx::Row;

pub use dignity_store::testing::fixtures::{police_oversight, sha256sum};

/// The vocabulary code of the sex "female".
pub const FEMALE: &str = "02000000000039";

/// The passphrase of every account the tests create.
pub const PW: &str = "a long enough passphrase";

/// A fresh store on `b` with the shipped reference data (vocabularies, countries) loaded.
pub async fn fresh_store(b: Backend) -> TestStore {
    let st = dignity_store::testing::store(b).await;
    dignity_store::refdata::load_shipped(&st).await.unwrap();
    st
}

/// New accounts (passphrase [`PW`]), written in one audited transaction as the system:
/// each account with its actor.
pub async fn users(s: &Store, who: &[(&str, Role)]) -> Vec<(accounts::User, Actor)> {
    let mut tx = s.begin(&Actor::system()).await.unwrap();
    let mut made = Vec::new();
    for (name, role) in who {
        made.push(
            accounts::create(&mut tx, name, "", *role, PW)
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut out = Vec::new();
    for u in made {
        let a = accounts::actor_for(s, &u).await.unwrap();
        out.push((u, a));
    }
    out
}

/// An administrator's actor as the first account of a store has it (id 1), for writes
/// whose author does not matter.
pub fn admin() -> Actor {
    Actor {
        user_id: Some(1),
        username: "amina".into(),
        role: Role::Admin,
        teams: vec![],
    }
}

/// A new account (passphrase [`PW`]), written as the system.
pub async fn account(s: &Store, name: &str, role: Role) -> accounts::User {
    users(s, &[(name, role)]).await.remove(0).0
}

/// Rows of a table.
pub async fn count(s: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(s.pool())
        .await
        .unwrap()
}

/// A new account's actor.
pub async fn actor(s: &Store, name: &str, role: Role) -> Actor {
    users(s, &[(name, role)]).await.remove(0).1
}

/// The source list "ICRC" (a Red Cross list), created by `who`.
pub async fn icrc_source(s: &Store, who: &Actor) -> i64 {
    s.write(who, async |tx| {
        sources::create_source(tx, "ICRC", "red_cross").await
    })
    .await
    .unwrap()
}

/// The source lists "ICRC" (a Red Cross list) and "Commission" (a commission's), created by
/// `who` in one write.
pub async fn icrc_and_commission(s: &Store, who: &Actor) -> (i64, i64) {
    s.write(who, async |tx| {
        Ok((
            sources::create_source(tx, "ICRC", "red_cross").await?,
            sources::create_source(tx, "Commission", "commission").await?,
        ))
    })
    .await
    .unwrap()
}

/// The mapping of a list with the columns `ID` (the external id) and `Full name`.
pub fn id_and_name_mapping() -> sources::Mapping {
    [("external_id", "ID"), ("name", "Full name")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The first column of the rows that `sql` (a query without parameters) returns.
pub async fn column<T>(s: &Store, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let rows = sqlx::query(sql).fetch_all(s.pool()).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

/// [`column`] as text.
pub async fn texts(s: &Store, sql: &str) -> Vec<String> {
    column(s, sql).await
}

/// [`column`] as integers.
pub async fn ints(s: &Store, sql: &str) -> Vec<i64> {
    column(s, sql).await
}

/// The thematic mandate of the Special Rapporteur on torture (`SR-TORTURE`, since 1985).
pub async fn sr_torture_mandate(tx: &mut WriteTx) {
    let (code, name) = ("SR-TORTURE", "Special Rapporteur on torture");
    obligations::reports::upsert_mandate(tx, code, name, "thematic", None, "1985")
        .await
        .unwrap();
}

/// Records `report` as Kenya's first report under CPED (its number set to 1), in `tx`.
pub async fn kenya_first_cped_report(tx: &mut WriteTx, report: obligations::reports::ReportInput) {
    let report = obligations::reports::ReportInput {
        number: 1,
        ..report
    };
    obligations::reports::set_report(tx, "KEN", "CPED", &report)
        .await
        .unwrap();
}

/// The event `event` and its victim `victim`, written in `tx`: their ids.
pub async fn event_and_victim(
    tx: &mut WriteTx,
    vocab: &violations::Vocab,
    event: &violations::EventInput,
    victim: &violations::PersonInput,
) -> (i64, i64) {
    let event = violations::create_event(tx, vocab, event).await.unwrap();
    let victim = violations::create_person(tx, vocab, victim).await.unwrap();
    (event, victim)
}

/// An adult woman, `name`, at the confidentiality `level` (empty: the default), written in
/// `tx`: her id.
pub async fn adult_woman(
    tx: &mut WriteTx,
    vocab: &violations::Vocab,
    name: &str,
    level: &str,
) -> i64 {
    let person = violations::PersonInput {
        name: name.into(),
        sex: Some(FEMALE.into()),
        age_group: "adult".into(),
        confidentiality: level.into(),
        ..Default::default()
    };
    violations::create_person(tx, vocab, &person).await.unwrap()
}

/// The perpetrator organisation "Special Operations Unit" (internal), written in `tx`.
pub async fn special_operations_unit(tx: &mut WriteTx, vocab: &violations::Vocab) -> i64 {
    let unit = violations::PersonInput {
        person_type: "organisation".into(),
        name: "Special Operations Unit".into(),
        confidentiality: "internal".into(),
        ..Default::default()
    };
    violations::create_person(tx, vocab, &unit).await.unwrap()
}

/// A country visit of the Special Rapporteur on torture with every other field empty, to
/// fill in with the fields a test sets.
pub fn sr_torture_visit() -> obligations::reports::Visit {
    obligations::reports::Visit {
        id: 0,
        mandate_code: "SR-TORTURE".into(),
        mandate_name: String::new(),
        iso3: String::new(),
        status: String::new(),
        requested: String::new(),
        accepted: String::new(),
        visit_start: String::new(),
        visit_end: String::new(),
        report_symbol: String::new(),
        note: String::new(),
    }
}

/// An assessment: `status` on `assessed_on`, with no narrative, evidence or level, not
/// published, by nobody in particular and not through a cluster.
pub fn assessment(status: &str, assessed_on: &str) -> obligations::tracking::Assessment {
    obligations::tracking::Assessment {
        id: 0,
        status: status.into(),
        assessed_on: assessed_on.into(),
        narrative: String::new(),
        evidence: String::new(),
        confidentiality: None,
        published: false,
        by: None,
        via_cluster: false,
    }
}

/// What the SQLite database file and its write-ahead log hold, read as text, for the tests
/// that look for a value in clear.
pub fn sqlite_file_text(s: &TestStore) -> String {
    let mut raw = std::fs::read(s.opts.sqlite_path()).unwrap();
    if let Ok(w) = std::fs::read(s.opts.sqlite_path().with_extension("db-wal")) {
        raw.extend(w);
    }
    String::from_utf8_lossy(&raw).into_owned()
}

/// A party to a treaty since its consent on 2015-01-10 (what Kenya gave to CPED), as typed
/// in.
pub fn party_since_2015() -> obligations::RatificationInput {
    obligations::RatificationInput {
        status: "party".into(),
        consent: "2015-01-10".into(),
        ..Default::default()
    }
}

/// An urgent appeal to the Special Rapporteur on torture on 2024-03-12, as typed in.
pub fn urgent_appeal() -> violations::interventions::InterventionInput {
    violations::interventions::InterventionInput {
        int_type: "urgent_appeal".into(),
        addressees: "Special Rapporteur on torture".into(),
        int_date: "2024-03-12".into(),
        ..Default::default()
    }
}
