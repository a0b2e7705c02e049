//! Missing persons: cases, their status history (dated, attributed, backed by evidence or a
//! reference, in order), relatives and reports with the family's sharing consent, what was
//! shared with whom, consent-checked exports, and per-case access links for families.

use super::*;
use crate::now;
use crate::violations::{self as v, PersonInput, Vocab};
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

/// Statuses of a case.
pub const STATUSES: &[&str] = &[
    "missing",
    "located_alive",
    "deceased_identified",
    "remains_unidentified",
    "closed",
];

/// The statuses a case may go to from `from`.
pub fn next_statuses(from: &str) -> &'static [&'static str] {
    match from {
        "missing" => &[
            "located_alive",
            "deceased_identified",
            "remains_unidentified",
            "closed",
        ],
        "remains_unidentified" => &["deceased_identified", "closed"],
        "located_alive" | "deceased_identified" => &["closed"],
        "closed" => &["missing"],
        _ => &[],
    }
}

/// The bucket of a status in the counts: open, located or closed.
pub fn bucket(status: &str) -> &'static str {
    match status {
        "missing" | "remains_unidentified" => "open",
        "located_alive" | "deceased_identified" => "located",
        _ => "closed",
    }
}

/// Who may receive a case's information.
pub const RECIPIENT_KINDS: &[&str] = &["organisation_only", "commission", "organisations"];
/// Relationships of relatives to the missing person.
pub const RELATIONSHIPS: &[&str] = &[
    "parent",
    "child",
    "spouse",
    "sibling",
    "grandparent",
    "grandchild",
    "other_relative",
    "friend",
    "other",
];
