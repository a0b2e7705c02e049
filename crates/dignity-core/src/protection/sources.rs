//! Rules of the protection area: lists of missing persons from other sources (a
//! commission, the Red Cross, NGOs, family associations) — the kinds of source, the fields
//! a list's columns can feed, the reading of every row through a column mapping (each
//! problem named by line and field, nothing accepted until every row is), and the rules of
//! linking a record to a case. Refusal keys `pro.rule.sources.*` in
//! `crates/dignity-web/i18n/protection/*.toml`. No I/O: the store reads the file into
//! headers and rows and hands them in.

use crate::invalid::required_text;
use crate::{Invalid, PartialDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Who sent a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Commission,
    RedCross,
    Ngo,
    FamilyAssociation,
    Other,
}

impl SourceKind {
    pub const ALL: [SourceKind; 5] = [
        Self::Commission,
        Self::RedCross,
        Self::Ngo,
        Self::FamilyAssociation,
        Self::Other,
    ];
    /// The codes, in the order of [`Self::ALL`].
    pub const CODES: [&'static str; 5] = {
        let mut out = [""; 5];
        let mut i = 0;
        while i < 5 {
            out[i] = Self::ALL[i].as_str();
            i += 1;
        }
        out
    };

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Commission => "commission",
            Self::RedCross => "red_cross",
            Self::Ngo => "ngo",
            Self::FamilyAssociation => "family_association",
            Self::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| Invalid::not_one_of("kind", raw, Self::CODES))
    }
}

/// A source as registered: a name (at most 200 characters) and a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInput {
    pub name: String,
    pub kind: SourceKind,
}

impl SourceInput {
    pub fn parse(name: &str, kind: &str) -> Result<Self, Invalid> {
        Ok(SourceInput {
            name: required_text("name", name, 200)?,
            kind: SourceKind::parse(kind)?,
        })
    }
}

/// Two sources may not share a name (compared trimmed, case-insensitively).
pub fn same_source_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// A source with this name exists.
pub fn source_name_taken() -> Invalid {
    Invalid::rule(
        "name",
        "pro.rule.sources.name_taken",
        "a source with this name exists",
    )
}

// --------------------------------------------------------------- columns --

/// The fields a column of a list can be mapped to. `external_id` and `name` are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    ExternalId,
    Name,
    BirthDate,
    Place,
    Sex,
    LastSeenDate,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Self::ExternalId,
        Self::Name,
        Self::BirthDate,
        Self::Place,
        Self::Sex,
        Self::LastSeenDate,
    ];
    /// The codes, in the order of [`Self::ALL`].
    pub const CODES: [&'static str; 6] = {
        let mut out = [""; 6];
        let mut i = 0;
        while i < 6 {
            out[i] = Self::ALL[i].as_str();
            i += 1;
        }
        out
    };
    /// The fields every list must map.
    pub const REQUIRED: [Target; 2] = [Self::ExternalId, Self::Name];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ExternalId => "external_id",
            Self::Name => "name",
            Self::BirthDate => "birth_date",
            Self::Place => "place",
            Self::Sex => "sex",
            Self::LastSeenDate => "last_seen_date",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == code)
    }
}

/// One row of a list, read through the mapping: the fields typed, the row as received
/// (JSON, column → value) and the hash of both (a row read again with another mapping is
/// another version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub line: usize,
    pub external_id: String,
    pub name: String,
    pub birth_date: PartialDate,
    pub place: String,
    pub sex: String,
    pub last_seen_date: PartialDate,
    pub raw: String,
    pub hash: String,
}

/// A problem with one row of a list (line 0: the mapping or the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowInvalid {
    pub line: usize,
    pub invalid: Invalid,
}

impl RowInvalid {
    fn new(line: usize, invalid: Invalid) -> Self {
        RowInvalid { line, invalid }
    }
}

/// At most this many problems are reported for one list.
pub const MAX_ROW_PROBLEMS: usize = 200;

/// Read every row of a list through its mapping (`target → column header`; targets not
/// mapped stay empty). The mapping must name known targets and existing columns and map
/// the required ones; each row needs the source's identifier (once in the file) and a name
/// (at most 300 characters), and its dates must be (partial) dates. Any problem means no
/// row: every problem is returned, named by line and field.
pub fn parse_rows(
    headers: &[String],
    rows: &[(usize, Vec<String>)],
    mapping: &HashMap<String, String>,
) -> Result<Vec<SourceRow>, Vec<RowInvalid>> {
    let col = columns(headers, mapping)?;
    if rows.is_empty() {
        return Err(vec![RowInvalid::new(
            0,
            Invalid::rule(
                "file",
                "pro.rule.sources.no_rows",
                "the file has a header but no rows",
            ),
        )]);
    }
    let get = |row: &Vec<String>, t: Target| {
        col.get(&t)
            .and_then(|i| row.get(*i))
            .cloned()
            .unwrap_or_default()
    };
    let mut errors = vec![];
    let mut out = Vec::with_capacity(rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, row) in rows {
        let line = *line;
        let ext = get(row, Target::ExternalId);
        let name = get(row, Target::Name);
        if ext.is_empty() {
            errors.push(RowInvalid::new(
                line,
                Invalid::rule(
                    "external_id",
                    "pro.rule.sources.no_external_id",
                    "empty: every record needs the source's identifier",
                ),
            ));
        } else if let Some(first) = seen.insert(ext.clone(), line) {
            errors.push(RowInvalid::new(
                line,
                Invalid::rule(
                    "external_id",
                    "pro.rule.sources.external_id_twice",
                    "{value} appears twice in this file (also on line {first})",
                )
                .arg("value", format!("{ext:?}"))
                .arg("first", first),
            ));
        }
        if name.is_empty() {
            errors.push(RowInvalid::new(
                line,
                Invalid::rule("name", "pro.rule.sources.empty", "empty"),
            ));
        } else if name.chars().count() > 300 {
            errors.push(RowInvalid::new(
                line,
                Invalid::rule(
                    "name",
                    "pro.rule.sources.too_long",
                    "longer than {max} characters",
                )
                .arg("max", 300),
            ));
        }
        let mut dates = [PartialDate::UNKNOWN, PartialDate::UNKNOWN];
        for (i, t) in [Target::BirthDate, Target::LastSeenDate]
            .into_iter()
            .enumerate()
        {
            let d = get(row, t);
            match PartialDate::parse(&d) {
                Ok(p) => dates[i] = p,
                Err(e) => errors.push(RowInvalid::new(line, Invalid::parse(t.as_str(), e))),
            }
        }
        let raw: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .cloned()
            .zip(row.iter().map(|c| serde_json::Value::String(c.clone())))
            .collect();
        let raw = serde_json::Value::Object(raw).to_string();
        let (place, sex) = (get(row, Target::Place), get(row, Target::Sex));
        let [birth_date, last_seen_date] = dates;
        // The row as received and the fields read from it: importing the same file again
        // with a corrected mapping (a column that was left out) stores a new version.
        let read = serde_json::json!([
            name,
            birth_date.to_string(),
            place,
            sex,
            last_seen_date.to_string()
        ])
        .to_string();
        let hash = hex::encode(Sha256::digest(format!("{raw}\n{read}").as_bytes()));
        out.push(SourceRow {
            line,
            external_id: ext,
            name,
            birth_date,
            place,
            sex,
            last_seen_date,
            raw,
            hash,
        });
    }
    if !errors.is_empty() {
        errors.truncate(MAX_ROW_PROBLEMS);
        return Err(errors);
    }
    Ok(out)
}

/// The column of each mapped target, or every problem of the mapping (line 0).
fn columns(
    headers: &[String],
    mapping: &HashMap<String, String>,
) -> Result<HashMap<Target, usize>, Vec<RowInvalid>> {
    let mut errors = vec![];
    let mut col = HashMap::new();
    let mut keys: Vec<&String> = mapping.keys().collect();
    keys.sort();
    for k in keys {
        let header = mapping[k].trim();
        let Some(target) = Target::from_code(k) else {
            errors.push(RowInvalid::new(
                0,
                Invalid::rule(
                    k.clone(),
                    "pro.rule.sources.unknown_target",
                    "unknown field in the mapping; known: {known}",
                )
                .arg("known", Target::CODES.join(", ")),
            ));
            continue;
        };
        if header.is_empty() {
            continue;
        }
        match headers.iter().position(|h| h == header) {
            Some(i) => {
                col.insert(target, i);
            }
            None => errors.push(RowInvalid::new(
                0,
                Invalid::rule(
                    k.clone(),
                    "pro.rule.sources.no_column",
                    "the file has no column {column}",
                )
                .arg("column", format!("{header:?}")),
            )),
        }
    }
    for req in Target::REQUIRED {
        if !col.contains_key(&req) && !errors.iter().any(|e| e.invalid.field == req.as_str()) {
            errors.push(RowInvalid::new(
                0,
                Invalid::rule(
                    req.as_str(),
                    "pro.rule.sources.map_required",
                    "map a column to this field (the file's columns: {columns})",
                )
                .arg("columns", headers.join(", ")),
            ));
        }
    }
    if errors.is_empty() {
        Ok(col)
    } else {
        Err(errors)
    }
}

// ----------------------------------------------------------------- links --

/// Partial dates agree when one is a prefix of the other (`1970` and `1970-03-01`).
pub fn dates_agree(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// A record may be linked to case `case`: it is the current version of the record and not
/// linked yet (to this case or to another).
pub fn may_link(current: bool, linked_to: Option<i64>, case: i64) -> Result<(), Invalid> {
    if !current {
        return Err(Invalid::rule(
            "record_id",
            "pro.rule.sources.replaced",
            "this version of the record was replaced by a newer import: link the current one",
        ));
    }
    match linked_to {
        Some(m) if m == case => Err(Invalid::rule(
            "record_id",
            "pro.rule.sources.linked_here",
            "this record is already linked to this case",
        )),
        Some(m) => Err(Invalid::rule(
            "record_id",
            "pro.rule.sources.linked_elsewhere",
            "this record is linked to case #{case}: unlink it there first",
        )
        .arg("case", m)),
        None => Ok(()),
    }
}

/// A link to a case the record disagrees with needs confirmation.
pub fn confirm_conflicts(conflicts: &[String], accepted: bool) -> Result<(), Invalid> {
    if conflicts.is_empty() || accepted {
        return Ok(());
    }
    Err(Invalid::rule(
        "conflict",
        "pro.rule.sources.conflict",
        "the records disagree — {conflicts}; confirm the link to keep both versions",
    )
    .arg("conflicts", conflicts.join("; ")))
}

/// Only a linked record can be unlinked.
pub fn not_linked() -> Invalid {
    Invalid::rule(
        "record_id",
        "pro.rule.sources.not_linked",
        "this record is not linked",
    )
}

/// A case is opened only from a record not linked to one.
pub fn already_has_case() -> Invalid {
    Invalid::rule(
        "record_id",
        "pro.rule.sources.has_case",
        "this record is already linked to a case",
    )
}

/// A link or unlink form named no record.
pub fn no_record_chosen() -> Invalid {
    Invalid::rule("record_id", "pro.rule.sources.choose", "choose a record")
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;
