//! The modules of the `dignity` command, as a library so that `dignity-bench` (crate
//! `dignity-bench`, the benchmarks kept out of the product binary) reuses the demonstration
//! data generator and the importers instead of copying them.

pub mod config;
pub mod demo;
pub mod import;
pub mod ops;
pub mod prompt;
pub mod refdata;
pub mod search;
pub mod shred;
pub mod violations;
