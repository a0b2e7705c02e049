//! Dashboards and reports: read-only queries over the other areas' tables.
//!
//! Every count of documented acts goes through [`acl::visible_sql`] for both the act and
//! its event, in the WHERE clause: a reader never counts what they could not open. The
//! filters use the names and values of the search page (`country`, `region`, `year_from`,
//! `year_to`, `act_type`, `perpetrator_type`, `victim_sex`, `victim_age_group`, `lens`),
//! so that a dashboard links to the same records in search.
//!
//! A country or thematic report gathers: counts and a table of cases (victims shown by
//! pseudonym unless names are asked for and allowed), the interventions linked to those
//! cases and the replies received, the State's recommendations with their implementation
//! status, and the ratification gaps (core UN instruments not ratified, procedures not
//! accepted, overdue reports). Nothing here writes; the web layer logs each report made.

use crate::obligations::{self, recs, reports as treaty_reports, RecFilter};
use crate::violations::{self, ACT, EVENT};
use crate::{acl, Result, Store};
use dignity_core::Actor;
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

mod country;
mod dashboard;

pub use country::*;
pub use dashboard::*;
