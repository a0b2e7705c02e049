//! The records to link and their typed fields.

use super::*;

/// Kinds of field, each with its own comparison levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Personal names: exact, spelling variants, edit distance, Jaro–Winkler,
    /// phonetic, partial and swapped-field levels.
    Name,
    /// Dates with partial precision and day/month swaps.
    Date,
    /// Place names.
    Place,
    /// Codes compared exactly (with a one-typo level).
    Exact,
    /// Free text compared by token overlap.
    Text,
}

impl FieldKind {
    pub fn parse(s: &str) -> Option<FieldKind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "name" => FieldKind::Name,
            "date" => FieldKind::Date,
            "place" => FieldKind::Place,
            "exact" | "code" => FieldKind::Exact,
            "text" => FieldKind::Text,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Name => "name",
            FieldKind::Date => "date",
            FieldKind::Place => "place",
            FieldKind::Exact => "exact",
            FieldKind::Text => "text",
        }
    }
    /// Guess a kind from a column name (used by the CLI when no kind is given).
    pub fn guess(column: &str) -> Option<FieldKind> {
        let c = column.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
        if has(&[
            "dob", "date", "birth_d", "born", "died", "death", "_at", "day",
        ]) {
            Some(FieldKind::Date)
        } else if has(&["name", "surname", "forename", "alias", "patronym"]) {
            Some(FieldKind::Name)
        } else if has(&[
            "place", "city", "town", "village", "country", "region", "location", "district",
            "province",
        ]) {
            Some(FieldKind::Place)
        } else if has(&["note", "desc", "comment", "text", "narrative", "summary"]) {
            Some(FieldKind::Text)
        } else if has(&[
            "code",
            "postcode",
            "zip",
            "email",
            "phone",
            "gender",
            "sex",
            "number",
            "passport",
            "occupation",
            "nationality",
        ]) {
            Some(FieldKind::Exact)
        } else {
            None
        }
    }
}

/// A field to compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldKind,
    /// Apply term-frequency adjustment on exact agreement.
    pub term_frequency: bool,
}

impl FieldSpec {
    /// A field with the default term-frequency setting for its kind (on for
    /// names, places and codes, where common values are much weaker evidence).
    pub fn new(name: &str, kind: FieldKind) -> Self {
        FieldSpec {
            name: name.to_string(),
            kind,
            term_frequency: matches!(kind, FieldKind::Name | FieldKind::Place | FieldKind::Exact),
        }
    }
}

/// Records to link, with typed fields.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub fields: Vec<FieldSpec>,
    pub(super) ids: Vec<String>,
    pub(super) sources: Vec<u32>,
    pub(super) values: Vec<Option<String>>,
}

impl Dataset {
    pub fn new(fields: Vec<FieldSpec>) -> Self {
        Dataset {
            fields,
            ..Default::default()
        }
    }
    /// Add a record from source 0. `values` follow the order of `fields`;
    /// `None` (or an empty string) is a missing value.
    pub fn push(&mut self, id: &str, values: Vec<Option<String>>) {
        self.push_from(0, id, values)
    }
    /// Add a record from a given source (file, list, organisation).
    pub fn push_from(&mut self, source: u32, id: &str, values: Vec<Option<String>>) {
        assert_eq!(
            values.len(),
            self.fields.len(),
            "record {id}: one value per field"
        );
        self.ids.push(id.to_string());
        self.sources.push(source);
        self.values.extend(
            values
                .into_iter()
                .map(|v| v.filter(|s| !s.trim().is_empty())),
        );
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    pub fn id(&self, r: usize) -> &str {
        &self.ids[r]
    }
    pub fn source(&self, r: usize) -> u32 {
        self.sources[r]
    }
    pub fn value(&self, r: usize, f: usize) -> Option<&str> {
        self.values[r * self.fields.len() + f].as_deref()
    }
}
