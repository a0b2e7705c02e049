//! All integration tests of `dignity-web`, linked into one test binary: one module per former
//! test file (run one with `cargo test -p dignity-web --test it MODULE::TEST`).

mod alerts;
mod authz;
mod common;
mod disk_full;
mod edge;
mod erasure;
mod evidence_at_rest;
mod exports;
mod layering;
mod matrix;
mod no_hand_checks;
mod obligations;
mod portal_dashboards;
mod protection;
mod protection_defenders;
mod reports;
mod search;
mod sessions;
mod stats_linkage;
mod violations;
mod web;
