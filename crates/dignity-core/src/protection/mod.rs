//! Rules of the protection area: defenders (profile, attacks, risk, measures, check-ins),
//! missing persons (cases, status, families and consent) and source lists — typed inputs,
//! their parsing into `Invalid` errors that name the field, state machines and clocks.
//! Pure functions, no I/O.

pub mod defenders;
pub mod missing;
pub mod sources;
