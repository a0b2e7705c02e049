//! Fixtures that the test suites of several crates share (a `#[cfg(test)]` item cannot cross
//! crates): recommendations as typed in, source lists imported from CSV text, missing
//! persons' cases (with a relative), acts, emergency grants, the need-to-know lists of the permission matrix
//! tests, the SHA-256 of a file as `sha256sum` prints it, and a search record type made of
//! the rows of one table. Used by tests (and the benchmarks) only.

use crate::obligations::recs::{self, NewRecommendation};
use crate::protection::defenders::{request_measure, MeasureInput, MeasureStatusInput};
use crate::protection::missing::{self, MissingInput};
use crate::protection::sources::{self, ImportReport, Mapping};
use crate::search::{BoxFuture, Indexer, SearchDoc};
use crate::violations::{self, Vocab};
use crate::{acl, Store, WriteTx};
use dignity_core::{Actor, RecordAccess};
use sqlx::any::AnyRow;
use sqlx::Row;

/// The recommendation CCPR/C/KEN/CO/4 paragraph 12 (an independent police oversight body),
/// as typed in.
pub fn police_oversight() -> NewRecommendation {
    NewRecommendation {
        iso3: "KEN".into(),
        body: "CCPR".into(),
        text: "Establish an independent police oversight body.".into(),
        document_symbol: "CCPR/C/KEN/CO/4".into(),
        paragraph: "12".into(),
        date: "2021-07-27".into(),
        ..Default::default()
    }
}

/// The recommendation CAT/C/USA/CO/3-5 paragraph 11 (investigate all allegations of
/// torture), as typed in.
pub fn torture_investigation() -> NewRecommendation {
    NewRecommendation {
        iso3: "USA".into(),
        body: "CAT".into(),
        text: "Investigate all allegations of torture promptly and impartially.".into(),
        document_symbol: "CAT/C/USA/CO/3-5".into(),
        paragraph: "11".into(),
        date: "2014-11-20".into(),
        ..Default::default()
    }
}

/// Writes the recommendation `rec` (which must be valid) in `tx`: its id.
pub async fn create_recommendation(tx: &mut WriteTx, rec: NewRecommendation) -> i64 {
    recs::create(tx, rec.into_input().unwrap()).await.unwrap()
}

/// Imports the CSV text `csv` (which must read and import without an error) into the source
/// list `source_id` as `actor`, as the file `filename`.
pub async fn import_csv(
    store: &Store,
    actor: &Actor,
    source_id: i64,
    filename: &str,
    csv: &[u8],
    mapping: &Mapping,
) -> ImportReport {
    let table = sources::read_csv(csv).unwrap();
    sources::import_list(
        store,
        actor,
        source_id,
        filename,
        &table,
        mapping,
        &sources::ImportOptions::default(),
    )
    .await
    .unwrap()
}

/// An act of `act_type` on `victim` in event `event`, starting on `date`, with its own
/// confidentiality `level` (empty: the event's), written in `tx`: its id.
pub async fn add_act(
    tx: &mut WriteTx,
    vocab: &Vocab,
    (event, victim): (i64, i64),
    act_type: &str,
    date: &str,
    level: &str,
) -> i64 {
    violations::create_act(
        tx,
        vocab,
        &violations::ActInput {
            event_id: event,
            victim_id: Some(victim),
            act_type: act_type.into(),
            start_date: date.into(),
            confidentiality: level.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// A missing person's case, `name`, at the confidentiality `level`, written as `who`: its id.
pub async fn missing_case(
    store: &Store,
    who: &Actor,
    vocab: &Vocab,
    name: &str,
    level: &str,
) -> i64 {
    let input = MissingInput {
        person: crate::protection::NewPerson {
            name: name.into(),
            ..Default::default()
        },
        confidentiality: level.into(),
        ..Default::default()
    };
    store
        .write(who, async |tx| {
            missing::create_missing(tx, vocab, &input).await
        })
        .await
        .unwrap()
}

/// The missing person's case `case` and `relative`, a relative of theirs, written in `tx`:
/// their ids.
pub async fn case_and_relative(
    tx: &mut WriteTx,
    vocab: &Vocab,
    case: &MissingInput,
    relative: &missing::RelativeInput,
) -> crate::Result<(i64, i64)> {
    let id = missing::create_missing(tx, vocab, case).await?;
    let rel = missing::add_relative(tx, id, &relative.parse()?).await?;
    Ok((id, rel))
}

/// An emergency grant of `amount` euros to the defender `defender`, requested on
/// `requested_on`, written as `who`: its id.
pub async fn emergency_grant(
    store: &Store,
    who: &Actor,
    defender: i64,
    requested_on: &str,
    amount: &str,
) -> i64 {
    let input = MeasureInput {
        defender_id: defender,
        measure_type: "emergency_grant".into(),
        requested_on: requested_on.into(),
        amount: amount.into(),
        currency: "EUR".into(),
        ..Default::default()
    };
    store
        .write(who, async |tx| request_measure(tx, &input).await)
        .await
        .unwrap()
}

/// The step of a measure to `status` on `on_date`, costing `cost` euros (empty: no cost).
pub fn measure_step(status: &str, on_date: &str, cost: &str) -> MeasureStatusInput {
    MeasureStatusInput {
        status: status.into(),
        on_date: on_date.into(),
        cost: cost.into(),
        cost_currency: if cost.is_empty() { "" } else { "EUR" }.into(),
        ..Default::default()
    }
}

/// The team "Field office North" with `member` in it, written in `tx`: its id.
pub async fn field_office_north(tx: &mut WriteTx, member: i64) -> i64 {
    let team = acl::create_team(tx, "Field office North").await.unwrap();
    acl::set_member(tx, team, member, true).await.unwrap();
    team
}

/// The need-to-know list `n` of the permission matrix tests, as (users, teams): 0 none (no
/// list), 1 the user `first`, 2 the team `team`, 3 the user `second`.
pub fn matrix_list(n: usize, first: i64, second: i64, team: i64) -> (Vec<i64>, Vec<i64>) {
    match n {
        1 => (vec![first], vec![]),
        2 => (vec![], vec![team]),
        3 => (vec![second], vec![]),
        _ => (vec![], vec![]),
    }
}

/// The access to the record of the row `r`, whose first columns are its id, confidentiality,
/// `published` (0 or 1) and `created_by`; its need-to-know lists are those of `record_type`.
pub async fn row_access(store: &Store, record_type: &str, r: &AnyRow) -> RecordAccess {
    let id: i64 = r.get(0);
    let level: String = r.get(1);
    acl::access(
        store,
        record_type,
        &id.to_string(),
        level.parse().unwrap(),
        r.get::<i64, _>(2) == 1,
        r.get(3),
    )
    .await
    .unwrap()
}

/// The SHA-256 of a file as `sha256sum` prints it.
pub fn sha256sum(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A search record type of tests and benchmarks whose documents are the rows of one table:
/// [`Indexer::load`] reads the row with `select` (its `$1` is the id as a number; an id that
/// is not a number is no record) and makes it a document with `doc`; [`Indexer::ids`] lists
/// the ids of `table`.
pub struct RowIndexer {
    pub record_type: &'static str,
    pub table: &'static str,
    pub select: &'static str,
    pub doc: RowDoc,
}

/// How a [`RowIndexer`] makes the row of the record `id` a document.
pub type RowDoc = for<'a> fn(&'a Store, i64, AnyRow) -> BoxFuture<'a, crate::Result<SearchDoc>>;

impl Indexer for RowIndexer {
    fn record_type(&self) -> &'static str {
        self.record_type
    }
    fn load<'a>(
        &'a self,
        store: &'a Store,
        id: &'a str,
    ) -> BoxFuture<'a, crate::Result<Option<SearchDoc>>> {
        Box::pin(async move {
            let Ok(n) = id.parse::<i64>() else {
                return Ok(None);
            };
            let row = sqlx::query(self.select)
                .bind(n)
                .fetch_optional(store.pool())
                .await?;
            match row {
                Some(r) => Ok(Some((self.doc)(store, n, r).await?)),
                None => Ok(None),
            }
        })
    }
    fn ids<'a>(&'a self, store: &'a Store) -> BoxFuture<'a, crate::Result<Vec<String>>> {
        Box::pin(crate::search::all_ids(store, self.table))
    }
}
