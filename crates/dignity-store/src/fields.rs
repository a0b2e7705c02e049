//! The encrypted fields of a record's row: every area encrypts a field of row `row` under
//! the data key (names, contact details, exact places, narratives, notes) and reads it back
//! through these, so that empty and NULL mean the same everywhere. A leaf: it imports no
//! area, and every area imports it.

use crate::{Result, Store};

/// Encrypt an optional field of row `row` (empty stays NULL).
pub fn enc(store: &Store, field: &str, row: i64, v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| store.keys().encrypt(field, row, t))
}

/// Encrypt a field of row `row` kept `NOT NULL`: empty stays `''`.
pub fn enc_keep(store: &Store, field: &str, row: i64, v: &str) -> String {
    enc(store, field, row, v).unwrap_or_default()
}

/// Encrypt an optional field of row `row` (`None` and empty stay NULL).
pub fn enc_opt(store: &Store, field: &str, row: i64, v: Option<&str>) -> Option<String> {
    v.and_then(|v| enc(store, field, row, v))
}

/// Decrypt an optional field of row `row` (NULL and empty read `None`).
pub fn dec_opt(store: &Store, field: &str, row: i64, v: Option<String>) -> Result<Option<String>> {
    let d = dec(store, field, row, v)?;
    Ok((!d.is_empty()).then_some(d))
}

/// Decrypt an optional field of row `row` (NULL reads empty).
pub fn dec(store: &Store, field: &str, row: i64, v: Option<String>) -> Result<String> {
    match v {
        Some(v) if !v.is_empty() => store.decrypt(field, row, &v),
        _ => Ok(String::new()),
    }
}
