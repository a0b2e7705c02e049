//! Record linkage over the persons in the app (issue 7): a *run* links either the missing
//! persons' source records (each list's records, with their own identifiers) or the
//! violations persons with the Fellegi–Sunter model of `dignity-stats`, and stores the
//! candidate pairs with their match probability and a per-field explanation (field, level,
//! weight — never the values: names are decrypted in memory only). Reviewers accept,
//! reject or mark pairs unsure; accepting links the two records to one consolidated person
//! (source records: the protection area's `link`; persons: a row in `stat_person_merges`),
//! and every acceptance can be undone. Source records are never changed or deleted.
//! Capture histories for multiple systems estimation come from the linked source records.

use crate::protection::sources as src;

use crate::violations::{self as v, Vocab};
use crate::{acl, now, Result, Store, StoreError, WriteTx};
use dignity_core::auth::{authorize, Action};
use dignity_core::stats::linkage::{self as rules, Decision, RunInput, Stratum};
use dignity_core::{Actor, Confidentiality, Role};
use dignity_stats::linkage::{
    Dataset, FieldKind, FieldSpec, LinkageModel, LinkageSettings, Linker,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

pub const RUN_TYPE: &str = "stat_linkage_runs";
pub const PAIR_TYPE: &str = "stat_linkage_pairs";
/// Scopes of a run.
pub const SCOPES: &[&str] = &["sources", "persons"];
/// Kinds of record in a pair.
pub const KIND_RECORD: &str = "source_record";
pub const KIND_PERSON: &str = "person";
/// Review decisions.
pub const DECISIONS: &[&str] = &["accept", "reject", "unsure"];
/// Statuses of a pair.
pub const STATUSES: &[&str] = &["pending", "unsure", "accepted", "rejected"];
/// Strata for capture histories.
pub const STRATA: &[&str] = &["region", "period", "sex"];

/// Fields compared in each scope (name, kind), in the order of the explanation.
fn fields(scope: &str) -> Vec<FieldSpec> {
    let f = |n: &str, k| FieldSpec::new(n, k);
    if scope == "persons" {
        vec![
            f("name", FieldKind::Name),
            f("birth_date", FieldKind::Date),
            f("sex", FieldKind::Exact),
            f("death_date", FieldKind::Date),
        ]
    } else {
        vec![
            f("name", FieldKind::Name),
            f("birth_date", FieldKind::Date),
            f("place", FieldKind::Place),
            f("sex", FieldKind::Exact),
            f("last_seen_date", FieldKind::Date),
        ]
    }
}

/// Who may run linkage and review pairs: documenters and above (they see the source
/// lists' records in the protection area too).
pub fn may_review(actor: &Actor) -> bool {
    actor.user_id.is_some() && actor.role >= Role::Documenter
}

fn forbidden() -> StoreError {
    StoreError::Forbidden("your role does not allow record linkage".into())
}

mod captures;
mod pairs;
mod review;
mod runs;

pub use captures::*;
pub use pairs::*;
pub use review::*;
pub use runs::*;
