//! Human rights defenders: profile, attacks and threats (violations events and acts with
//! the defender as victim and the SDG 16.10.1 minimum fields), risk assessments (history
//! kept), protection measures (requested → approved → delivered → closed) and check-ins.
//!
//! One file per job: [`profiles`] (the profile, lists), [`attacks`] (attacks and threats,
//! their sources), [`risk`] (risk assessments), [`measures`] (protection measures and their
//! steps) and [`checkins`] (check-ins and their clock); public paths are those of this
//! module (re-exported).

mod attacks;
mod checkins;
mod measures;
mod profiles;
mod risk;

pub use attacks::*;
pub use checkins::*;
pub use measures::*;
pub use profiles::*;
pub use risk::*;

use super::*;
use crate::now;
use crate::violations::{self as v, ActInput, EventInput, InformationInput, PersonInput, Vocab};

/// Victim status of SDG indicator 16.10.1.
pub const SDG_STATUSES: &[&str] = &["hrd", "journalist", "media_worker", "trade_unionist"];
/// Perpetrator categories of SDG indicator 16.10.1 (OHCHR metadata).
pub const PERPETRATOR_CATEGORIES: &[&str] = &[
    "state_actor",
    "armed_group",
    "organised_crime",
    "business",
    "private_individual",
    "unknown",
];
/// Motive of an attack.
pub const MOTIVES: &[&str] = &["work_related", "not_work_related", "unknown"];
/// Risk levels.
pub const RISK_LEVELS: &[&str] = &["low", "medium", "high", "extreme"];
/// Risk factors that can be ticked.
pub const RISK_FACTORS: &[&str] = &[
    "prior_attacks",
    "threats_received",
    "high_profile_case",
    "isolated_location",
    "family_targeted",
    "surveillance",
    "impunity",
    "stigmatisation",
    "gender_based",
];
/// Types of protection measure.
pub const MEASURE_TYPES: &[&str] = &[
    "emergency_grant",
    "relocation",
    "legal_support",
    "medical_support",
    "psychosocial_support",
    "digital_security",
    "trial_observation",
    "public_advocacy",
    "private_advocacy",
];
/// Statuses of a measure, in order.
pub const MEASURE_STATUSES: &[&str] = &["requested", "approved", "delivered", "closed"];

fn one_of(field: &str, v: &str, allowed: &[&str]) -> Result<String> {
    let t = v.trim();
    if allowed.contains(&t) {
        Ok(t.to_string())
    } else {
        Err(StoreError::invalid(
            field,
            format!("{t:?}: expected one of {}", allowed.join(", ")),
        ))
    }
}

