//! All integration tests of `dignity-cli`, linked into one test binary: one module per former
//! test file (run one with `cargo test -p dignity-cli --test it MODULE::TEST`).

mod at_rest;
mod backup_keys;
mod cli;
mod common;
mod erase;
mod import_columns;
mod import_limits;
mod import_obligations;
mod import_source_list;
mod pull_the_plug;
mod refdata_update;
mod rotate_files;
