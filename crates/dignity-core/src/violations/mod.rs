//! Rules of documenting violations (issue 4), pure and typed: what an event's input must
//! hold before the store writes it. Each `parse` takes the raw text of a form or an API
//! body and returns a typed value or an [`Invalid`](crate::Invalid) naming the field; the
//! store maps the typed values to rows, the web layer translates the refusals (rule keys
//! `vio.rule.*` in `crates/dignity-web/i18n/violations/*.toml`).
//!
//! Vocabulary codes (the HURIDOCS micro-thesauri) are loaded from the database, so their
//! check stays in the store's `Vocab`; its refusal is built here ([`not_a_term`]).

pub mod acts;
pub mod case;
pub mod dates;
pub mod death_penalty;
pub mod drafts;
pub mod event;
pub mod evidence;
pub mod import;
pub mod interventions;
pub mod links;
pub mod persons;
pub mod picks;
pub mod refs;
pub mod stale;

pub use dates::{date, Period};
pub use event::{coordinates, level, title, Coordinates, Lens, Lenses};
pub use links::{act_within, About, EventLink, PersonLink};
pub use refs::Missing;

use crate::Invalid;

/// A code that is not a term of the micro-thesaurus `list` that `field` takes its values
/// from.
pub fn not_a_term(field: impl Into<String>, code: &str, list: i64) -> Invalid {
    Invalid::rule(
        field.into(),
        "vio.rule.not_a_term",
        "{code} is not a term of micro-thesaurus {list}",
    )
    .arg("code", format!("{code:?}"))
    .arg("list", list)
}

/// A value that is not an ISO 3166-1 alpha-3 code of a known country.
pub fn not_a_country(field: impl Into<String>, code: &str) -> Invalid {
    Invalid::rule(
        field.into(),
        "vio.rule.not_a_country",
        "{code} is not an ISO 3166-1 alpha-3 country code",
    )
    .arg("code", format!("{code:?}"))
}
