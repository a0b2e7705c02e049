//! Statistics core of Dignity.
//!
//! * [`linkage`]: probabilistic record linkage (Fellegi–Sunter with EM and
//!   term-frequency adjustments) to find records of the same person;
//! * [`mse`]: multiple systems estimation of how many people no list recorded;
//! * [`cli`]: the `dignity link` and `dignity estimate` sub-commands.
//!
//! The crate has no web or database dependency: the application hands it
//! plain records and capture histories.

pub mod cli;
pub mod linkage;
pub mod mse;
pub mod numeric;
