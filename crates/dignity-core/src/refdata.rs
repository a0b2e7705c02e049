//! Reference data shipped with Dignity: pure parsers for the versioned files
//! under `data/` at the repository root (see `data/README.md`).
//!
//! Nothing here does I/O. Callers pass file contents: either the copies
//! embedded at compile time in [`shipped`], or text they read themselves.
//! Every parser validates what it reads and reports the line (and, where it
//! applies, the field) at fault in a [`RefDataError`].
//!
//! Versioning: `data/manifest.toml` holds a version per file and an overall
//! `data_version`, which must equal [`DATA_VERSION`]. A loader stores the
//! versions it loaded and reloads a dataset when the shipped version is newer.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod countries;
mod ratifications;
mod sdg;
#[cfg(test)]
mod tests;
mod thesauri;
mod treaties;

pub use countries::*;
pub use ratifications::*;
pub use sdg::*;
pub use thesauri::*;
pub use treaties::*;

/// Overall version of the shipped reference data (`data_version` in
/// `data/manifest.toml`; a test keeps the two equal). It goes up by one
/// whenever any shipped file changes.
pub const DATA_VERSION: u32 = 3;

/// The shipped data files, embedded at compile time.
pub mod shipped {
    /// `data/manifest.toml`: per-file versions and SHA-256 hashes.
    pub const MANIFEST_TOML: &str = include_str!("../../../data/manifest.toml");
    /// `data/countries.csv`.
    pub const COUNTRIES_CSV: &str = include_str!("../../../data/countries.csv");
    /// `data/instruments.toml`.
    pub const INSTRUMENTS_TOML: &str = include_str!("../../../data/instruments.toml");
    /// `data/treaties/status-2022-08.csv`.
    pub const TREATY_STATUS_CSV: &str = include_str!("../../../data/treaties/status-2022-08.csv");
    /// `data/treaties/ratifications.csv`: the facts to the day, with source and as-of date.
    pub const RATIFICATIONS_CSV: &str = include_str!("../../../data/treaties/ratifications.csv");
    /// `data/treaties/ratifications-disagreements.csv`: where the sources disagree and how
    /// it was resolved (documentation; not loaded).
    pub const RATIFICATION_DISAGREEMENTS_CSV: &str =
        include_str!("../../../data/treaties/ratifications-disagreements.csv");
    /// `data/sdg/goals.csv`.
    pub const SDG_GOALS_CSV: &str = include_str!("../../../data/sdg/goals.csv");
    /// `data/sdg/targets.csv`.
    pub const SDG_TARGETS_CSV: &str = include_str!("../../../data/sdg/targets.csv");
    /// `data/huridocs/micro-thesauri.csv`.
    pub const HURIDOCS_THESAURI_CSV: &str =
        include_str!("../../../data/huridocs/micro-thesauri.csv");
}

// ------------------------------------------------------------------ errors --

/// A problem in a reference data file: where it is (line, field) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefDataError {
    /// 1-based line number in the file, where known.
    pub line: Option<u64>,
    /// Column (CSV) or key (TOML) at fault, where known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl RefDataError {
    fn new(line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> Self {
        RefDataError {
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for RefDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line, &self.field) {
            (Some(l), Some(c)) => write!(f, "line {l}, field `{c}`: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            (None, Some(c)) => write!(f, "field `{c}`: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for RefDataError {}

// --------------------------------------------------------------- languages --

/// Picks the field for a language code (`en`, `fr`, `es`, `ar`, `ru`, `zh`,
/// also `zh-Hans`), falling back to English for anything else.
fn pick<'a>(
    lang: &str,
    en: &'a str,
    fr: &'a str,
    es: &'a str,
    ar: &'a str,
    ru: &'a str,
    zh: &'a str,
) -> &'a str {
    let primary = lang
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match primary.as_str() {
        "fr" => fr,
        "es" => es,
        "ar" => ar,
        "ru" => ru,
        "zh" => zh,
        _ => en,
    }
}

// --------------------------------------------------------------- CSV rows --

/// One CSV record with its line number and the column index of the table.
struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
    line: u64,
}

impl Row<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> RefDataError {
        RefDataError::new(Some(self.line), Some(field), message)
    }

    /// The trimmed value of a column (the table checked the column exists).
    fn get(&self, field: &str) -> &str {
        self.columns
            .get(field)
            .and_then(|&i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    fn required(&self, field: &str) -> Result<String, RefDataError> {
        let v = self.get(field);
        if v.is_empty() {
            Err(self.err(field, "must not be empty"))
        } else {
            Ok(v.to_owned())
        }
    }

    fn optional(&self, field: &str) -> Option<String> {
        let v = self.get(field);
        (!v.is_empty()).then(|| v.to_owned())
    }

    fn parse<T: std::str::FromStr>(&self, field: &str, what: &str) -> Result<T, RefDataError> {
        let v = self.get(field);
        v.parse()
            .map_err(|_| self.err(field, format!("expected {what}, got {v:?}")))
    }
}

/// Reads a CSV table whose header must hold exactly `expected` (any order),
/// calling `f` for every record.
fn read_csv(
    text: &str,
    expected: &[&str],
    mut f: impl FnMut(&Row<'_>) -> Result<(), RefDataError>,
) -> Result<(), RefDataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut columns = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if !expected.contains(&h) {
            return Err(RefDataError::new(Some(1), Some(h), "unexpected column"));
        }
        if columns.insert(h.to_owned(), i).is_some() {
            return Err(RefDataError::new(Some(1), Some(h), "duplicate column"));
        }
    }
    if let Some(missing) = expected.iter().find(|c| !columns.contains_key(**c)) {
        return Err(RefDataError::new(Some(1), Some(missing), "missing column"));
    }
    for result in reader.records() {
        let record = result.map_err(csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        f(&Row {
            record: &record,
            columns: &columns,
            line,
        })?;
    }
    Ok(())
}

fn csv_error(e: csv::Error) -> RefDataError {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_owned(),
        _ => e.to_string(),
    };
    RefDataError::new(line, None, message)
}

fn is_upper_code(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> u64 {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

// ---------------------------------------------------------------- manifest --

/// One file of `data/manifest.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Path under `data/`.
    pub path: String,
    /// Goes up by one whenever the file's content changes.
    pub version: u32,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
    /// Short description of the source.
    pub source: String,
    /// The date the facts of the file were true (`YYYY-MM` or `YYYY-MM-DD`), where pages
    /// show it ("status as of …").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// `data/manifest.toml`: the data version and a version per file. Keys of
/// `files`: `countries`, `instruments`, `treaty_status`, `ratifications`,
/// `ratification_disagreements`, `sdg_goals`, `sdg_targets`, `huridocs_thesauri`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataManifest {
    pub data_version: u32,
    pub files: BTreeMap<String, ManifestFile>,
}

impl DataManifest {
    /// The version of one dataset, by manifest key (e.g. `countries`).
    pub fn version_of(&self, key: &str) -> Option<u32> {
        self.files.get(key).map(|f| f.version)
    }
}

/// The date the shipped ratification status was true (`as_of` of `treaty_status` in
/// `data/manifest.toml`), which every page that shows it states.
pub fn shipped_status_as_of() -> &'static str {
    static AS_OF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AS_OF.get_or_init(|| {
        parse_manifest(shipped::MANIFEST_TOML)
            .ok()
            .and_then(|m| m.files.get("treaty_status").and_then(|f| f.as_of.clone()))
            .unwrap_or_default()
    })
}

/// Parses `data/manifest.toml`.
pub fn parse_manifest(text: &str) -> Result<DataManifest, RefDataError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        RefDataError::new(line, None, e.message().trim().to_owned())
    })
}

// ----------------------------------------------------------- all together --

/// All shipped reference data, parsed and cross-checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefData {
    pub manifest: DataManifest,
    pub countries: Vec<Country>,
    pub instruments: Vec<Instrument>,
    pub ratification_status: Vec<RatificationStatus>,
    /// The facts to the day (`treaties/ratifications.csv`).
    pub ratifications: Vec<DatedRatification>,
    pub sdg_goals: Vec<SdgGoal>,
    pub sdg_targets: Vec<SdgTarget>,
    pub thesauri: Vec<VocabTerm>,
}

/// Parses the files embedded in [`shipped`]. An error names the file.
pub fn parse_shipped() -> Result<RefData, RefDataError> {
    fn ctx<T>(file: &str, r: Result<T, RefDataError>) -> Result<T, RefDataError> {
        r.map_err(|mut e| {
            e.message = format!("{file}: {}", e.message);
            e
        })
    }
    let manifest = ctx("manifest.toml", parse_manifest(shipped::MANIFEST_TOML))?;
    let countries = ctx("countries.csv", parse_countries(shipped::COUNTRIES_CSV))?;
    let instruments = ctx(
        "instruments.toml",
        parse_instruments(shipped::INSTRUMENTS_TOML),
    )?;
    let ratification_status = ctx(
        "treaties/status-2022-08.csv",
        parse_ratification_status_checked(shipped::TREATY_STATUS_CSV, &countries, &instruments),
    )?;
    let ratifications = ctx(
        "treaties/ratifications.csv",
        parse_dated_ratifications(shipped::RATIFICATIONS_CSV, &countries, &instruments),
    )?;
    let sdg_goals = ctx("sdg/goals.csv", parse_sdg_goals(shipped::SDG_GOALS_CSV))?;
    let sdg_targets = ctx(
        "sdg/targets.csv",
        parse_sdg_targets(shipped::SDG_TARGETS_CSV),
    )?;
    let thesauri = ctx(
        "huridocs/micro-thesauri.csv",
        parse_thesauri(shipped::HURIDOCS_THESAURI_CSV),
    )?;
    Ok(RefData {
        manifest,
        countries,
        instruments,
        ratification_status,
        ratifications,
        sdg_goals,
        sdg_targets,
        thesauri,
    })
}
