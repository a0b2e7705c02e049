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
use crate::violations::{self as v, ActInput, EventInput, InformationInput, Vocab};

// The rules (vocabularies, parsing, the measures' state machine, the check-in clock) are
// in `dignity_core::protection::defenders`; this module maps them to rows.
use dignity_core::protection::defenders as rules;
pub use dignity_core::protection::defenders::{
    CheckinClock, MeasureStatus, MeasureType, Motive, PerpetratorCategory, RiskFactor, RiskLevel,
    SdgStatus,
};
use dignity_core::protection::{no_such, Refers};

/// Victim status of SDG indicator 16.10.1.
pub const SDG_STATUSES: &[&str] = SdgStatus::CODES;
/// Perpetrator categories of SDG indicator 16.10.1 (OHCHR metadata).
pub const PERPETRATOR_CATEGORIES: &[&str] = PerpetratorCategory::CODES;
/// Motive of an attack.
pub const MOTIVES: &[&str] = Motive::CODES;
/// Risk levels.
pub const RISK_LEVELS: &[&str] = RiskLevel::CODES;
/// Risk factors that can be ticked.
pub const RISK_FACTORS: &[&str] = RiskFactor::CODES;
/// Types of protection measure.
pub const MEASURE_TYPES: &[&str] = MeasureType::CODES;
/// Statuses of a measure, in order.
pub const MEASURE_STATUSES: &[&str] = MeasureStatus::CODES;

/// Whether the defender `id` exists (a reference of an input: refused naming `defender_id`).
async fn defender_exists(tx: &mut WriteTx, id: i64) -> Result<()> {
    if !row_exists(tx, "SELECT COUNT(*) FROM pro_defenders WHERE id = $1", id).await? {
        return Err(no_such("defender_id", Refers::Defender, id).into());
    }
    Ok(())
}

/// The rows of one of a defender's histories (risk assessments, check-ins), read as by
/// [`children_of`]; the latest come first by the date `key` gives (sorted here: the dates
/// are encrypted), then by id.
async fn history_of<T>(
    store: &Store,
    sql: &str,
    defender_id: i64,
    read: impl Fn(&sqlx::any::AnyRow, i64) -> Result<T>,
    key: impl Fn(&T) -> (&str, i64),
) -> Result<Vec<T>> {
    let mut out = children_of(store, sql, defender_id, read).await?;
    out.sort_by(|a, b| key(b).cmp(&key(a)));
    Ok(out)
}
