//! Columns of an imported file that no field takes: every importer (CSV or XLSX) lists them,
//! with a "did you mean …" suggestion, so that a column named `date_of_birth` where the
//! importer reads `birth_date` is not dropped without a word. No I/O.

use serde::Serialize;

/// A column of the file's header that the import does not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnusedColumn {
    /// The header as written in the file (empty for a column with no name).
    pub column: String,
    /// 1-based position in the header.
    pub position: usize,
    /// A column name or field the importer knows and that is not in use, close to this one
    /// (by known alias or by edit distance).
    pub suggestion: Option<String>,
}

impl std::fmt::Display for UnusedColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "column {} (no name)", self.position)?;
        } else {
            write!(f, "{:?} (column {})", self.column, self.position)?;
        }
        if let Some(s) = &self.suggestion {
            write!(f, ": did you mean {s:?}?")?;
        }
        Ok(())
    }
}

/// Names that mean the same thing, compared after [`normalise`]: each group's words are
/// interchangeable. Used only for suggestions.
const ALIASES: &[&[&str]] = &[
    &[
        "birth_date",
        "date_of_birth",
        "dob",
        "birthdate",
        "born",
        "birthday",
    ],
    &["name", "full_name", "fullname", "person_name", "names"],
    &[
        "external_id",
        "id",
        "identifier",
        "case_id",
        "record_id",
        "reference",
        "ref",
        "case_no",
        "case_number",
    ],
    &["sex", "gender"],
    &["place", "location", "place_missing", "place_last_seen"],
    &[
        "last_seen_date",
        "date_last_seen",
        "date_missing",
        "disappearance_date",
        "missing_since",
    ],
    &["country", "state", "country_concerned", "countries"],
    &["text", "recommendation", "recommendation_text"],
    &["date", "event_date", "date_of_event", "incident_date"],
    &["victim_name", "victim", "name_of_victim"],
];

/// Lower case, and every run of characters other than letters and digits as one `_`.
pub fn normalise(s: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in s.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// Levenshtein distance between two strings (by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn aliases_of(n: &str) -> Option<&'static [&'static str]> {
    ALIASES.iter().copied().find(|g| g.contains(&n))
}

/// The closest of `expected` to `column`: a known alias first, then the smallest edit
/// distance within a third of the longer name (at least 2).
pub fn suggest(column: &str, expected: &[&str]) -> Option<String> {
    let n = normalise(column);
    if n.is_empty() {
        return None;
    }
    if let Some(group) = aliases_of(&n) {
        if let Some(e) = expected
            .iter()
            .find(|e| group.contains(&normalise(e).as_str()))
        {
            return Some(e.to_string());
        }
    }
    let mut best: Option<(usize, &str)> = None;
    for e in expected {
        let en = normalise(e);
        if en.is_empty() {
            continue;
        }
        let d = edit_distance(&n, &en);
        let limit = (n.chars().count().max(en.chars().count()) / 3).max(2);
        // Also a name that contains the other whole (`birth_date_approx`).
        let contains = n.len() >= 4 && en.len() >= 4 && (n.contains(&en) || en.contains(&n));
        if (d <= limit || contains) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, e));
        }
    }
    best.map(|(_, e)| e.to_string())
}

/// The columns of `header` that are not in `used` (compared after [`normalise`]), each
/// with a suggestion from `expected` (the columns or fields the importer can read), less
/// those the file has and the import reads. Columns with no name are
/// listed too: data may sit in them.
pub fn unused_columns(header: &[String], used: &[&str], expected: &[&str]) -> Vec<UnusedColumn> {
    let used: Vec<String> = used.iter().map(|u| normalise(u)).collect();
    // Columns of the file that are read: their names are not suggested for another.
    let read: Vec<String> = header
        .iter()
        .map(|h| normalise(h))
        .filter(|h| used.contains(h))
        .collect();
    let free: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|e| !read.contains(&normalise(e)))
        .collect();
    header
        .iter()
        .enumerate()
        .filter(|(_, h)| !used.contains(&normalise(h)))
        .map(|(i, h)| UnusedColumn {
            column: h.trim().trim_start_matches('\u{feff}').to_string(),
            position: i + 1,
            suggestion: suggest(h, &free),
        })
        .collect()
}

/// The message of `--strict` (and of a refused strict import): the columns, one per line.
pub fn strict_message(unused: &[UnusedColumn]) -> String {
    let mut s = format!(
        "{} column(s) of the file are not read by this import (map them, or remove them):",
        unused.len()
    );
    for u in unused {
        s.push_str(&format!("\n  {u}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn date_of_birth_is_reported_with_birth_date_suggested() {
        let u = unused_columns(
            &h(&["external_id", "name", "date_of_birth", "Notes"]),
            &["external_id", "name"],
            &["external_id", "name", "birth_date", "place", "sex"],
        );
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].column, "date_of_birth");
        assert_eq!(u[0].position, 3);
        assert_eq!(u[0].suggestion.as_deref(), Some("birth_date"));
        assert_eq!(u[1].column, "Notes");
        assert_eq!(u[1].suggestion, None);
        assert_eq!(
            u[0].to_string(),
            "\"date_of_birth\" (column 3): did you mean \"birth_date\"?"
        );
    }

    #[test]
    fn misspelt_headers_get_the_closest_known_column() {
        assert_eq!(
            suggest("Reccomending Bdy", &["Reccomending Body", "Text"]).as_deref(),
            Some("Reccomending Body")
        );
        assert_eq!(
            suggest("Sesion", &["Session", "Issue"]).as_deref(),
            Some("Session")
        );
        assert_eq!(
            suggest("DOB", &["birth_date"]).as_deref(),
            Some("birth_date")
        );
        assert_eq!(suggest("Gender", &["sex", "place"]).as_deref(), Some("sex"));
        // Nothing close: no guess.
        assert_eq!(suggest("Remarks", &["Session", "Issue"]), None);
        // A field already in use is not suggested again.
        let u = unused_columns(&h(&["birth_date", "dob"]), &["birth_date"], &["birth_date"]);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].suggestion, None);
    }

    #[test]
    fn used_columns_match_whatever_their_case_and_spacing() {
        let u = unused_columns(
            &h(&["\u{feff}Full Name ", "Birth-Date", ""]),
            &["full name", "birth_date"],
            &[],
        );
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].position, 3);
        assert_eq!(u[0].to_string(), "column 3 (no name)");
        assert!(strict_message(&u).contains("column 3 (no name)"));
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("Јован", "Јовan"), 2);
    }
}

#[cfg(test)]
mod fixed_columns {
    use super::*;

    #[test]
    fn a_fixed_column_importer_suggests_its_missing_column() {
        let known = crate::obligations::RATIFICATION_COLUMNS;
        let header: Vec<String> = ["iso3", "instrument", "status", "reservation"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let u = unused_columns(&header, known, known);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].suggestion.as_deref(), Some("reservations"));
    }
}
