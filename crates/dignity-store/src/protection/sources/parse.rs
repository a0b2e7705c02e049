//! The column mapping and the rows read through it: every row checked (line and field),
//! and the columns a mapping leaves unread.

use super::*;

/// Which column feeds which field: `target → column header`. Targets not mapped are left
/// empty; a mapping naming a column the file lacks is an error.
pub type Mapping = HashMap<String, String>;

/// A mapping guessed from the headers (same names as the targets, case-insensitive).
pub fn guess_mapping(headers: &[String]) -> Mapping {
    let mut m = Mapping::new();
    for t in TARGETS {
        if let Some(h) = headers
            .iter()
            .find(|h| h.trim().to_lowercase().replace([' ', '-'], "_") == *t)
        {
            m.insert(t.to_string(), h.clone());
        }
    }
    m
}

pub(super) struct Parsed {
    pub(super) line: usize,
    pub(super) external_id: String,
    pub(super) name: String,
    pub(super) birth_date: String,
    pub(super) place: String,
    pub(super) sex: String,
    pub(super) last_seen_date: String,
    pub(super) raw: String,
    pub(super) hash: String,
    /// The keyed external id ([`external_key`]), filled by the import (it needs the source).
    pub(super) ext_key: String,
}

/// Every row of a list read through the mapping by the core rules
/// ([`rules::parse_rows`]); their problems as the import reports them.
pub(super) fn parse_rows(
    t: &Table,
    m: &Mapping,
) -> std::result::Result<Vec<Parsed>, Vec<RowError>> {
    let rows = rules::parse_rows(&t.headers, &t.rows, m).map_err(|e| {
        e.into_iter()
            .map(|p| RowError {
                line: p.line,
                field: p.invalid.field.to_string(),
                message: p.invalid.message(),
                rule: Some(p.invalid),
            })
            .collect::<Vec<_>>()
    })?;
    Ok(rows
        .into_iter()
        .map(|r| Parsed {
            line: r.line,
            external_id: r.external_id,
            name: r.name,
            birth_date: r.birth_date.to_string(),
            place: r.place,
            sex: r.sex,
            last_seen_date: r.last_seen_date.to_string(),
            raw: r.raw,
            hash: r.hash,
            ext_key: String::new(),
        })
        .collect())
}

/// The columns of a list that its mapping leaves unread, each with a "did you mean …"
/// suggestion among the fields not mapped yet (`date_of_birth` → `birth_date`).
pub fn unused_columns(table: &Table, mapping: &Mapping) -> Vec<UnusedColumn> {
    let used: Vec<&str> = mapping.values().map(String::as_str).collect();
    let free: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|t| !mapping.contains_key(*t))
        .collect();
    dignity_core::columns::unused_columns(&table.headers, &used, &free)
}

/// The errors of a strict import: one per unread column (line 1, the column's name).
pub fn strict_errors(unused: &[UnusedColumn]) -> Vec<RowError> {
    unused
        .iter()
        .map(|u| RowError {
            line: 1,
            rule: None,
            field: if u.column.is_empty() {
                format!("column {}", u.position)
            } else {
                u.column.clone()
            },
            message: match &u.suggestion {
                Some(s) => format!("this column is not imported (did you mean {s:?}?)"),
                None => "this column is not imported: map it or remove it".into(),
            },
        })
        .collect()
}

/// Check a list against a mapping without a source (a dry run for a source not yet
/// registered): the number of rows, or every error (line and field).
pub fn check_list(table: &Table, mapping: &Mapping) -> std::result::Result<usize, Vec<RowError>> {
    parse_rows(table, mapping).map(|p| p.len())
}
