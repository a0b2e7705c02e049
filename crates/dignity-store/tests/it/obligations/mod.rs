//! Obligations (issue 3) on every backend: shipped ratifications, the real UPR Info
//! files, idempotent re-import, rejected files write nothing, reports and overdue,
//! special procedures, tracking with confidential notes.

use crate::common;
use dignity_core::obligations::{self as rules, RecInput, Table};
use dignity_core::{Actor, Confidentiality, Role};
use dignity_store::obligations::{
    self as ob, recs, reports, tracking, RatificationInput, RecFilter,
};
use dignity_store::testing::{backends, TestStore};
use dignity_store::StoreError;

mod coe;
mod communications;
mod ratifications;
mod reporting;
mod special_procedures;
mod tracking_notes;
mod upr;
mod upr_responses;

const UPR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/upr");

async fn fresh(b: dignity_store::Backend) -> TestStore {
    common::fresh_store(b).await
}

fn upr_files() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(UPR_DIR)
        .expect("../shared/data/upr")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    v.sort();
    v
}

async fn parse_upr(s: &TestStore) -> (Vec<RecInput>, Vec<rules::RowError>) {
    let resolver = ob::country_resolver(s).await.unwrap();
    let mut recs = Vec::new();
    let mut errs = Vec::new();
    // One import of all files: identical recommendations across files get distinct keys.
    let mut all = Table::default();
    for f in upr_files() {
        let (text, _) = rules::decode_text(&std::fs::read(&f).unwrap());
        let t = Table::from_csv(&text).unwrap();
        if all.header.is_empty() {
            all.header = t.header.clone();
        }
        all.rows.extend(t.rows);
    }
    let p = rules::parse_upr_info(&all, &resolver);
    recs.extend(p.records);
    errs.extend(p.rejected);
    (recs, errs)
}

async fn user(s: &TestStore, name: &str, role: Role) -> Actor {
    common::actor(s, name, role).await
}
