//! All integration tests of `dignity-search`, linked into one test binary: one module per former
//! test file (run one with `cargo test -p dignity-search --test it MODULE::TEST`).

mod at_rest;
mod common;
mod records;
mod search;
