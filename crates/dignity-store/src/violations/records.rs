//! Events, acts, persons, involvements, information, chains of events, relationships,
//! lenses, death penalty cases and drafts: one file per job under `records/`, re-exported
//! here so that their paths stay `violations::*` (and `violations::records::*`).

use super::*;

mod acts;
mod death_penalty;
mod drafts;
mod events;
mod information;
mod lenses;
mod persons;

pub use acts::*;
pub use death_penalty::*;
pub use drafts::*;
pub use events::*;
pub use information::*;
pub use lenses::*;
pub use persons::*;

pub(super) fn s(v: &str) -> String {
    v.trim().to_string()
}
