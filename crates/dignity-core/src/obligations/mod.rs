//! Rules of states' obligations and of the recommendations of the UN mechanisms
//! (issue 3): reporting due dates, "overdue by N days", the complaint and inquiry
//! procedures a State accepted, implementation statuses, country names to ISO codes, and
//! the parsers of recommendation exports (UPR Info, OHCHR's UHRI, a generic mapped table).
//! No I/O: callers hand in bytes or tables and get values or row-numbered errors back.

use crate::PartialDate;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

mod countries;
mod import;
mod procedures;
mod ratification;
mod recommendation;
mod refs;
mod reply;
mod report;
mod schedules;
mod special;
mod statuses;
mod tables;
mod tracking;

pub use countries::*;
pub use import::*;
pub use procedures::*;
pub use ratification::*;
pub use recommendation::*;
pub use refs::*;
pub use reply::*;
pub use report::*;
pub use schedules::*;
pub use special::*;
pub use statuses::*;
pub use tables::*;
pub use tracking::*;

#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod reporting_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod upr_tests;
