//! Web.

pub mod i18n;
pub mod templates;
