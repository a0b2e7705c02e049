//! All integration tests of `dignity-stats`, linked into one test binary: one module per former
//! test file (run one with `cargo test -p dignity-stats --test it MODULE::TEST`).

mod cli;
mod common;
mod linkage_ground_truth;
mod mse_bayes;
mod mse_loglinear;
