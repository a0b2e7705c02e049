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

pub(super) fn parse_rows(
    t: &Table,
    m: &Mapping,
) -> std::result::Result<Vec<Parsed>, Vec<RowError>> {
    let mut errors = vec![];
    for k in m.keys() {
        if !TARGETS.contains(&k.as_str()) {
            errors.push(RowError {
                line: 0,
                field: k.clone(),
                message: format!(
                    "unknown field in the mapping; known: {}",
                    TARGETS.join(", ")
                ),
            });
        }
    }
    let mut col = HashMap::new();
    for (target, header) in m {
        if header.trim().is_empty() {
            continue;
        }
        match t.headers.iter().position(|h| h == header.trim()) {
            Some(i) => {
                col.insert(target.as_str(), i);
            }
            None => errors.push(RowError {
                line: 0,
                field: target.clone(),
                message: format!("the file has no column {header:?}"),
            }),
        }
    }
    for req in ["external_id", "name"] {
        if !col.contains_key(req) && !errors.iter().any(|e| e.field == req) {
            errors.push(RowError {
                line: 0,
                field: req.into(),
                message: format!(
                    "map a column to this field (the file's columns: {})",
                    t.headers.join(", ")
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if t.rows.is_empty() {
        return Err(file_error("file", "the file has a header but no rows"));
    }
    let get = |row: &Vec<String>, f: &str| {
        col.get(f)
            .and_then(|i| row.get(*i))
            .cloned()
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(t.rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let ext = get(row, "external_id");
        let name = get(row, "name");
        if ext.is_empty() {
            errors.push(RowError {
                line,
                field: "external_id".into(),
                message: "empty: every record needs the source's identifier".into(),
            });
        } else if let Some(first) = seen.insert(ext.clone(), line) {
            errors.push(RowError {
                line,
                field: "external_id".into(),
                message: format!("{ext:?} appears twice in this file (also on line {first})"),
            });
        }
        if name.is_empty() {
            errors.push(RowError {
                line,
                field: "name".into(),
                message: "empty".into(),
            });
        } else if name.chars().count() > 300 {
            errors.push(RowError {
                line,
                field: "name".into(),
                message: "longer than 300 characters".into(),
            });
        }
        let mut dates = vec![];
        for f in ["birth_date", "last_seen_date"] {
            let d = get(row, f);
            match dignity_core::PartialDate::parse(&d) {
                Ok(p) => dates.push(p.to_string()),
                Err(e) => {
                    errors.push(RowError {
                        line,
                        field: f.into(),
                        message: format!("{d:?}: {e}"),
                    });
                    dates.push(String::new());
                }
            }
        }
        let raw: serde_json::Map<String, serde_json::Value> = t
            .headers
            .iter()
            .cloned()
            .zip(row.iter().map(|c| serde_json::Value::String(c.clone())))
            .collect();
        let raw = serde_json::Value::Object(raw).to_string();
        let (place, sex) = (get(row, "place"), get(row, "sex"));
        // The row as received and the fields read from it: importing the same file again
        // with a corrected mapping (a column that was left out) stores a new version.
        let read = serde_json::json!([name, dates[0], place, sex, dates[1]]).to_string();
        let hash = hex::encode(Sha256::digest(format!("{raw}\n{read}").as_bytes()));
        out.push(Parsed {
            line,
            external_id: ext,
            name,
            birth_date: dates[0].clone(),
            place,
            sex,
            last_seen_date: dates[1].clone(),
            raw,
            hash,
            ext_key: String::new(),
        });
    }
    if !errors.is_empty() {
        errors.truncate(200);
        return Err(errors);
    }
    Ok(out)
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
