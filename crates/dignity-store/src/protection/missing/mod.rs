//! Missing persons: cases, their status history (dated, attributed, backed by evidence or a
//! reference, in order), relatives and reports with the family's sharing consent, what was
//! shared with whom, consent-checked exports, and per-case access links for families.

use super::*;
use crate::now;
use crate::violations::{self as v, Vocab};
use sha2::{Digest, Sha256};

mod cases;
mod families;
mod links;
mod periods;
mod sharing;
mod status;

pub use cases::*;
pub use families::*;
pub use links::*;
pub use periods::*;
pub use sharing::*;
pub use status::*;

pub use dignity_core::protection::missing::Consent;
use dignity_core::protection::missing::{self as rules, CaseStatus, RecipientKind, Relationship};

/// `NotFound` unless case `missing_id` exists (read on the transaction).
async fn case_exists(tx: &mut WriteTx, missing_id: i64) -> Result<()> {
    if !row_exists(
        tx,
        "SELECT COUNT(*) FROM pro_missing WHERE id = $1",
        missing_id,
    )
    .await?
    {
        return Err(StoreError::NotFound(format!(
            "missing person case {missing_id}"
        )));
    }
    Ok(())
}

/// Statuses of a case (the codes of [`CaseStatus`]).
pub const STATUSES: &[&str] = &CaseStatus::CODES;

/// The statuses a case may go to from `from` (none for a code this version does not know).
pub fn next_statuses(from: &str) -> Vec<&'static str> {
    CaseStatus::from_code(from)
        .map(|s| s.next().iter().map(|n| n.as_str()).collect())
        .unwrap_or_default()
}

/// The bucket of a status in the counts: open, located or closed.
pub fn bucket(status: &str) -> &'static str {
    CaseStatus::from_code(status)
        .map(|s| s.bucket().as_str())
        .unwrap_or("closed")
}

/// Who may receive a case's information (the codes of [`RecipientKind`]).
pub const RECIPIENT_KINDS: &[&str] = &RecipientKind::CODES;
/// Relationships of relatives to the missing person (the codes of [`Relationship`]).
pub const RELATIONSHIPS: &[&str] = &Relationship::CODES;

/// The OpenAPI shape of [`Consent`] (a type of `dignity-core`, which has no OpenAPI).
#[derive(ToSchema)]
#[schema(as = Consent)]
#[allow(dead_code)]
pub struct ConsentSchema {
    /// The authorities' commission on missing persons.
    pub commission: bool,
    /// Other organisations (the Red Cross, NGOs, family associations).
    pub organisations: bool,
}
