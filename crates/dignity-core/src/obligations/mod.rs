//! Rules of states' obligations and of the recommendations of the UN mechanisms
//! (issue 3): reporting due dates, "overdue by N days", the complaint and inquiry
//! procedures a State accepted, implementation statuses, country names to ISO codes, and
//! the parsers of recommendation exports (UPR Info, OHCHR's UHRI, a generic mapped table).
//! No I/O: callers hand in bytes or tables and get values or row-numbered errors back.

use crate::PartialDate;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

mod countries;
mod import;
mod procedures;
mod reply;
mod schedules;
mod statuses;
mod tables;

pub use countries::*;
pub use import::*;
pub use procedures::*;
pub use reply::*;
pub use schedules::*;
pub use statuses::*;
pub use tables::*;

#[cfg(test)]
mod tests;
