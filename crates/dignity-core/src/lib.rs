//! Domain types and rules.

pub mod refdata;
