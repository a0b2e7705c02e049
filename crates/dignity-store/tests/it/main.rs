//! All integration tests of `dignity-store`, linked into one test binary: one module per former
//! test file (run one with `cargo test -p dignity-store --test it MODULE::TEST`).

mod acl;
mod authz;
mod common;
mod edge;
mod evidence_at_rest;
mod keyfile;
mod linkage;
mod linkage_bench;
mod obligations;
mod ops;
mod portal;
mod protection;
mod protection_at_rest;
mod reports;
mod rest_at_rest;
mod shred;
mod store;
mod vio_at_rest;
mod violations;
