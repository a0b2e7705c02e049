//! Domain types and rules for Dignity.
//!
//! This crate does no I/O: it holds the newtypes that make bad values unrepresentable
//! (ISO codes, partial dates, roles, confidentiality levels), the one authorization module
//! every read and write asks, the hash chain of the audit log, and the field-level
//! encryption primitives. Storage and HTTP live in other crates and call these rules.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod columns;
pub mod crypto;
pub mod edge;
pub mod entities;
pub mod geo;
pub mod invalid;
pub mod names;
pub mod obligations;
pub mod password;
pub mod portal;
pub mod protection;
pub mod record_type;
pub mod refdata;
pub mod search;
pub mod stats;
pub mod types;
pub mod violations;
pub mod vocab;

pub use auth::{Action, Actor, Confidentiality, Decision, RecordAccess, Role};
pub use edge::{LocalPath, MediaType, Sha256};
pub use invalid::{Invalid, Problem};
pub use record_type::RecordType;
pub use types::{Iso2, Iso3, PartialDate, Precision};
