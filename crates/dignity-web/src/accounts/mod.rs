//! Accounts in the web layer: signing in and out (`session`), the user's own account
//! (`account`), the administration of users and the audit log (`admin`), and teams
//! (`teams`). Routes are in `lib.rs`.

pub mod account;
pub mod admin;
pub mod session;
pub mod teams;
