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

#[cfg(test)]
mod tests;

/// Overall version of the shipped reference data (`data_version` in
/// `data/manifest.toml`; a test keeps the two equal). It goes up by one
/// whenever any shipped file changes.
pub const DATA_VERSION: u32 = 1;

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

// --------------------------------------------------------------- countries --

/// The five regional groups of the UN General Assembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnRegionalGroup {
    /// African Group (`AFRICAN`).
    African,
    /// Asia-Pacific Group (`ASIA_PACIFIC`).
    AsiaPacific,
    /// Eastern European Group (`EEG`).
    Eeg,
    /// Latin American and Caribbean Group (`GRULAC`).
    Grulac,
    /// Western European and Others Group (`WEOG`).
    Weog,
}

impl UnRegionalGroup {
    /// All five groups.
    pub const ALL: [UnRegionalGroup; 5] = [
        UnRegionalGroup::African,
        UnRegionalGroup::AsiaPacific,
        UnRegionalGroup::Eeg,
        UnRegionalGroup::Grulac,
        UnRegionalGroup::Weog,
    ];

    /// The code used in `countries.csv` and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            UnRegionalGroup::African => "AFRICAN",
            UnRegionalGroup::AsiaPacific => "ASIA_PACIFIC",
            UnRegionalGroup::Eeg => "EEG",
            UnRegionalGroup::Grulac => "GRULAC",
            UnRegionalGroup::Weog => "WEOG",
        }
    }

    /// The English name of the group.
    pub fn name(self) -> &'static str {
        match self {
            UnRegionalGroup::African => "African Group",
            UnRegionalGroup::AsiaPacific => "Asia-Pacific Group",
            UnRegionalGroup::Eeg => "Eastern European Group",
            UnRegionalGroup::Grulac => "Latin American and Caribbean Group",
            UnRegionalGroup::Weog => "Western European and Others Group",
        }
    }

    /// Parses a code as written by [`UnRegionalGroup::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// A country or territory (ISO 3166-1), with UN M49 regions, names in the
/// six UN languages (UNTERM short names where UNTERM has them, else the
/// official names of the source package), UN membership and regional group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2, e.g. `NA` (Namibia: never read it as "missing").
    pub iso2: String,
    /// ISO 3166-1 alpha-3, e.g. `NAM`.
    pub iso3: String,
    /// ISO 3166-1 numeric / M49 code, three digits with leading zeros.
    pub numeric: String,
    pub name_en: String,
    pub name_fr: String,
    pub name_es: String,
    pub name_ar: String,
    pub name_ru: String,
    pub name_zh: String,
    /// M49 region code (three digits), e.g. `002` Africa. None for Antarctica.
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    /// M49 sub-region code, e.g. `202` Sub-Saharan Africa.
    pub subregion_code: Option<String>,
    pub subregion_name: Option<String>,
    /// M49 intermediate region code, e.g. `014` Eastern Africa.
    pub intermediate_region_code: Option<String>,
    pub intermediate_region_name: Option<String>,
    /// One of the 193 UN member states.
    pub un_member: bool,
    /// Regional group; Some exactly for UN members.
    pub un_regional_group: Option<UnRegionalGroup>,
}

impl Country {
    /// The name in a language (`en`, `fr`, `es`, `ar`, `ru`, `zh`); English otherwise.
    pub fn name(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.name_en,
            &self.name_fr,
            &self.name_es,
            &self.name_ar,
            &self.name_ru,
            &self.name_zh,
        )
    }
}

const COUNTRY_COLUMNS: &[&str] = &[
    "iso2",
    "iso3",
    "numeric",
    "name_en",
    "name_fr",
    "name_es",
    "name_ar",
    "name_ru",
    "name_zh",
    "region_code",
    "region_name",
    "subregion_code",
    "subregion_name",
    "intermediate_region_code",
    "intermediate_region_name",
    "un_member",
    "un_regional_group",
];

/// Parses `data/countries.csv`.
pub fn parse_countries(text: &str) -> Result<Vec<Country>, RefDataError> {
    let mut out = Vec::new();
    let mut seen: [HashSet<String>; 3] = Default::default();
    read_csv(text, COUNTRY_COLUMNS, |row| {
        let iso2 = row.required("iso2")?;
        if !is_upper_code(&iso2, 2) {
            return Err(row.err(
                "iso2",
                format!("expected two capital letters, got {iso2:?}"),
            ));
        }
        let iso3 = row.required("iso3")?;
        if !is_upper_code(&iso3, 3) {
            return Err(row.err(
                "iso3",
                format!("expected three capital letters, got {iso3:?}"),
            ));
        }
        let numeric = row.required("numeric")?;
        if !is_digits(&numeric, 3) {
            return Err(row.err("numeric", format!("expected three digits, got {numeric:?}")));
        }
        for (i, (field, value)) in [("iso2", &iso2), ("iso3", &iso3), ("numeric", &numeric)]
            .into_iter()
            .enumerate()
        {
            if !seen[i].insert(value.clone()) {
                return Err(row.err(field, format!("duplicate {value:?}")));
            }
        }
        let code_name =
            |code: &str, name: &str| -> Result<(Option<String>, Option<String>), RefDataError> {
                let c = row.optional(code);
                let n = row.optional(name);
                if let Some(c) = &c {
                    if !is_digits(c, 3) {
                        return Err(row.err(code, format!("expected three digits, got {c:?}")));
                    }
                }
                match (&c, &n) {
                    (Some(_), None) => Err(row.err(name, "missing while the code is given")),
                    (None, Some(_)) => Err(row.err(code, "missing while the name is given")),
                    _ => Ok((c, n)),
                }
            };
        let (region_code, region_name) = code_name("region_code", "region_name")?;
        let (subregion_code, subregion_name) = code_name("subregion_code", "subregion_name")?;
        let (intermediate_region_code, intermediate_region_name) =
            code_name("intermediate_region_code", "intermediate_region_name")?;
        let un_member = match row.get("un_member") {
            "1" => true,
            "0" => false,
            other => return Err(row.err("un_member", format!("expected 0 or 1, got {other:?}"))),
        };
        let group = row.get("un_regional_group");
        let un_regional_group = match (un_member, group) {
            (true, "") => return Err(row.err("un_regional_group", "required for a UN member")),
            (false, "") => None,
            (false, g) => {
                return Err(row.err("un_regional_group", format!("{g:?} given for a non-member")))
            }
            (true, g) => Some(UnRegionalGroup::from_code(g).ok_or_else(|| {
                row.err(
                    "un_regional_group",
                    format!(
                        "unknown group {g:?} (expected AFRICAN, ASIA_PACIFIC, EEG, GRULAC or WEOG)"
                    ),
                )
            })?),
        };
        out.push(Country {
            name_en: row.required("name_en")?,
            name_fr: row.required("name_fr")?,
            name_es: row.required("name_es")?,
            name_ar: row.required("name_ar")?,
            name_ru: row.required("name_ru")?,
            name_zh: row.required("name_zh")?,
            iso2,
            iso3,
            numeric,
            region_code,
            region_name,
            subregion_code,
            subregion_name,
            intermediate_region_code,
            intermediate_region_name,
            un_member,
            un_regional_group,
        });
        Ok(())
    })?;
    Ok(out)
}

// ------------------------------------------------------------- instruments --

/// The treaty system an instrument belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TreatySystem {
    /// United Nations.
    Un,
    /// Council of Europe.
    Coe,
}

/// The body that monitors an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringBody {
    /// e.g. `CAT`, `CCPR`, `SPT`, `ECtHR`, `GREVIO`.
    pub code: String,
    pub name: String,
}

/// State reporting as set by the treaty: the initial report is due
/// `initial_years` after entry into force for the State, then every
/// `periodic_years`. Due dates must stay editable per State (committees use
/// simplified procedures and fixed calendars).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingPeriodicity {
    #[serde(default)]
    pub initial_years: Option<u8>,
    /// None where periodic reporting is folded into another report or is on request.
    #[serde(default)]
    pub periodic_years: Option<u8>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Kinds of procedures an instrument establishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureKind {
    IndividualComplaints,
    InterState,
    Inquiry,
    UrgentAction,
    CountryVisits,
    CollectiveComplaints,
}

/// A complaint, inquiry or visit procedure and the article establishing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub kind: ProcedureKind,
    /// Article number as written in the treaty, e.g. `22`, `68(13)`, `D`.
    pub article: String,
    /// Conditions, e.g. the optional declaration it depends on.
    #[serde(default)]
    pub note: Option<String>,
}

/// An international human rights instrument (`data/instruments.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Dignity's code, e.g. `CAT`, `OP-CRC-AC`, `ECHR-P13`.
    pub code: String,
    pub system: TreatySystem,
    /// The instrument a protocol supplements.
    #[serde(default)]
    pub parent: Option<String>,
    /// Full official English title.
    pub name_en: String,
    /// Full official French title, where verified.
    #[serde(default)]
    pub name_fr: Option<String>,
    pub short_name: String,
    /// UNTC chapter (`UNTC MTDSG IV-9`) or CoE series number (`ETS No. 005`).
    pub treaty_reference: String,
    /// UN instruments: the General Assembly resolution that adopted it.
    #[serde(default)]
    pub adopted_by: Option<String>,
    /// UN: adoption by the General Assembly. CoE: opening for signature.
    pub adopted: NaiveDate,
    pub entry_into_force: NaiveDate,
    pub monitoring_body: MonitoringBody,
    #[serde(default)]
    pub reporting: Option<ReportingPeriodicity>,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    /// Other codes met in the wild, e.g. `ICRMW` for `ICMW`.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where to check the entry (UNTC or CoE Treaty Office page).
    pub source: String,
}

impl Instrument {
    /// Whether `code` is this instrument's code or one of its aliases
    /// (ASCII case-insensitive).
    pub fn answers_to(&self, code: &str) -> bool {
        let code = code.trim();
        self.code.eq_ignore_ascii_case(code)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(code))
    }
}

/// Finds an instrument by code or alias (ASCII case-insensitive).
pub fn find_instrument<'a>(instruments: &'a [Instrument], code: &str) -> Option<&'a Instrument> {
    instruments.iter().find(|i| i.answers_to(code))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentsFile {
    instrument: Vec<Instrument>,
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

/// Line of the `code = "..."` entry of an instrument, for error messages.
fn line_of_instrument(text: &str, code: &str) -> Option<u64> {
    let needle = format!("\"{code}\"");
    text.lines().enumerate().find_map(|(i, l)| {
        let l = l.trim_start();
        (l.starts_with("code") && l.contains(&needle)).then_some(i as u64 + 1)
    })
}

/// Parses `data/instruments.toml` and checks it: unique codes and aliases,
/// known parents (in the same system, not themselves protocols), entry into
/// force not before adoption, non-empty names, positive reporting periods.
pub fn parse_instruments(text: &str) -> Result<Vec<Instrument>, RefDataError> {
    let file: InstrumentsFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        RefDataError::new(line, None, e.message().trim().to_owned())
    })?;
    let list = file.instrument;
    let mut names: HashMap<String, &str> = HashMap::new();
    for i in &list {
        let err = |field: &str, msg: String| {
            RefDataError::new(
                line_of_instrument(text, &i.code),
                Some(field),
                format!("{}: {msg}", i.code),
            )
        };
        if i.code.trim().is_empty() || i.code.trim() != i.code {
            return Err(RefDataError::new(
                None,
                Some("code"),
                format!("invalid code {:?}", i.code),
            ));
        }
        for (field, v) in [
            ("name_en", &i.name_en),
            ("short_name", &i.short_name),
            ("treaty_reference", &i.treaty_reference),
            ("source", &i.source),
            ("monitoring_body.code", &i.monitoring_body.code),
            ("monitoring_body.name", &i.monitoring_body.name),
        ] {
            if v.trim().is_empty() {
                return Err(err(field, "must not be empty".into()));
            }
        }
        if i.entry_into_force < i.adopted {
            return Err(err(
                "entry_into_force",
                format!("{} is before adoption on {}", i.entry_into_force, i.adopted),
            ));
        }
        if let Some(r) = &i.reporting {
            if r.initial_years == Some(0) || r.periodic_years == Some(0) {
                return Err(err("reporting", "years must be positive".into()));
            }
        }
        if let Some(p) = i.procedures.iter().find(|p| p.article.trim().is_empty()) {
            return Err(err(
                "procedures",
                format!("{:?} procedure without an article", p.kind),
            ));
        }
        for name in std::iter::once(&i.code).chain(&i.aliases) {
            if let Some(other) = names.insert(name.to_ascii_uppercase(), &i.code) {
                return Err(err(
                    "aliases",
                    format!("{name:?} is already used by {other}"),
                ));
            }
        }
    }
    for i in &list {
        if let Some(parent) = &i.parent {
            let err = |msg: String| {
                RefDataError::new(line_of_instrument(text, &i.code), Some("parent"), msg)
            };
            let Some(p) = list.iter().find(|p| &p.code == parent) else {
                return Err(err(format!("{}: unknown parent {parent:?}", i.code)));
            };
            if p.parent.is_some() {
                return Err(err(format!(
                    "{}: parent {parent} is itself a protocol",
                    i.code
                )));
            }
            if p.system != i.system {
                return Err(err(format!(
                    "{}: parent {parent} is in another treaty system",
                    i.code
                )));
            }
        }
    }
    Ok(list)
}

// -------------------------------------------------------- treaty status --

/// A State's status with regard to an instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TreatyStatus {
    /// Ratified, acceded or succeeded (`party`).
    Party,
    /// Signed, not ratified (`signatory`).
    Signatory,
    /// No action (`none`).
    #[serde(rename = "none")]
    NoAction,
    /// Was a party, then denounced the instrument (`denounced`).
    Denounced,
}

impl TreatyStatus {
    /// The code used in the CSV and in JSON.
    pub fn code(self) -> &'static str {
        match self {
            TreatyStatus::Party => "party",
            TreatyStatus::Signatory => "signatory",
            TreatyStatus::NoAction => "none",
            TreatyStatus::Denounced => "denounced",
        }
    }

    /// Parses a code as written by [`TreatyStatus::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [
            TreatyStatus::Party,
            TreatyStatus::Signatory,
            TreatyStatus::NoAction,
            TreatyStatus::Denounced,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// One row of `data/treaties/status-*.csv`: a State and an instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatificationStatus {
    /// ISO 3166-1 alpha-3 of the State.
    pub iso3: String,
    /// Instrument code as in `instruments.toml`.
    pub instrument: String,
    pub status: TreatyStatus,
    /// Year of ratification, accession or succession (party, denounced);
    /// None otherwise. Exact dates are in the UN Treaty Collection.
    pub year: Option<u16>,
    pub note: Option<String>,
}

const STATUS_COLUMNS: &[&str] = &["iso3", "instrument", "status", "year", "note"];

/// Parses a treaty status table (`data/treaties/status-2022-08.csv`): formats,
/// a year exactly for parties and denunciations, no duplicate State/instrument.
pub fn parse_ratification_status(text: &str) -> Result<Vec<RatificationStatus>, RefDataError> {
    parse_status_inner(text, None)
}

/// Like [`parse_ratification_status`], and also checks that every `iso3` is a
/// known country and every `instrument` a known instrument code (not an alias).
pub fn parse_ratification_status_checked(
    text: &str,
    countries: &[Country],
    instruments: &[Instrument],
) -> Result<Vec<RatificationStatus>, RefDataError> {
    let iso3: HashSet<&str> = countries.iter().map(|c| c.iso3.as_str()).collect();
    let codes: HashSet<&str> = instruments.iter().map(|i| i.code.as_str()).collect();
    parse_status_inner(text, Some((&iso3, &codes)))
}

type KnownCodes<'a> = (&'a HashSet<&'a str>, &'a HashSet<&'a str>);

fn parse_status_inner(
    text: &str,
    known: Option<KnownCodes<'_>>,
) -> Result<Vec<RatificationStatus>, RefDataError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, STATUS_COLUMNS, |row| {
        let iso3 = row.required("iso3")?;
        if !is_upper_code(&iso3, 3) {
            return Err(row.err(
                "iso3",
                format!("expected three capital letters, got {iso3:?}"),
            ));
        }
        let instrument = row.required("instrument")?;
        if let Some((countries, instruments)) = known {
            if !countries.contains(iso3.as_str()) {
                return Err(row.err("iso3", format!("unknown country {iso3:?}")));
            }
            if !instruments.contains(instrument.as_str()) {
                return Err(row.err("instrument", format!("unknown instrument {instrument:?}")));
            }
        }
        let raw = row.get("status");
        let status = TreatyStatus::from_code(raw).ok_or_else(|| {
            row.err(
                "status",
                format!("expected party, signatory, none or denounced, got {raw:?}"),
            )
        })?;
        let year = match row.get("year") {
            "" => None,
            _ => {
                let y: u16 = row.parse("year", "a year")?;
                if !(1945..=2100).contains(&y) {
                    return Err(row.err("year", format!("{y} is out of range")));
                }
                Some(y)
            }
        };
        match (status, year) {
            (TreatyStatus::Party | TreatyStatus::Denounced, None) => {
                return Err(row.err("year", format!("required when status is {}", status.code())))
            }
            (TreatyStatus::Signatory | TreatyStatus::NoAction, Some(_)) => {
                return Err(row.err(
                    "year",
                    format!("must be empty when status is {}", status.code()),
                ))
            }
            _ => {}
        }
        if !seen.insert((iso3.clone(), instrument.clone())) {
            return Err(row.err(
                "instrument",
                format!("duplicate row for {iso3} and {instrument}"),
            ));
        }
        out.push(RatificationStatus {
            iso3,
            instrument,
            status,
            year,
            note: row.optional("note"),
        });
        Ok(())
    })?;
    Ok(out)
}

// --------------------------------------------------------------------- SDG --

/// A Sustainable Development Goal, with short and full titles in the six UN
/// languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdgGoal {
    /// 1..=17.
    pub goal: u8,
    pub short_en: String,
    pub short_fr: String,
    pub short_es: String,
    pub short_ar: String,
    pub short_ru: String,
    pub short_zh: String,
    pub title_en: String,
    pub title_fr: String,
    pub title_es: String,
    pub title_ar: String,
    pub title_ru: String,
    pub title_zh: String,
}

impl SdgGoal {
    /// The full title in a language; English otherwise.
    pub fn title(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.title_en,
            &self.title_fr,
            &self.title_es,
            &self.title_ar,
            &self.title_ru,
            &self.title_zh,
        )
    }

    /// The short title in a language; English otherwise.
    pub fn short(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.short_en,
            &self.short_fr,
            &self.short_es,
            &self.short_ar,
            &self.short_ru,
            &self.short_zh,
        )
    }
}

/// An SDG target, e.g. `16.10`, titled in the six UN languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SdgTarget {
    /// `<goal>.<number or letter>`, e.g. `16.10`, `16.a`.
    pub code: String,
    pub goal: u8,
    pub title_en: String,
    pub title_fr: String,
    pub title_es: String,
    pub title_ar: String,
    pub title_ru: String,
    pub title_zh: String,
}

impl SdgTarget {
    /// The title in a language; English otherwise.
    pub fn title(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.title_en,
            &self.title_fr,
            &self.title_es,
            &self.title_ar,
            &self.title_ru,
            &self.title_zh,
        )
    }
}

const LANGS: [&str; 6] = ["en", "fr", "es", "ar", "ru", "zh"];

fn parse_goal_number(row: &Row<'_>, field: &str) -> Result<u8, RefDataError> {
    let g: u8 = row.parse(field, "a goal number 1-17")?;
    if !(1..=17).contains(&g) {
        return Err(row.err(field, format!("goal {g} is not between 1 and 17")));
    }
    Ok(g)
}

/// Parses `data/sdg/goals.csv`.
pub fn parse_sdg_goals(text: &str) -> Result<Vec<SdgGoal>, RefDataError> {
    let columns: Vec<String> = std::iter::once("goal".to_owned())
        .chain(LANGS.iter().map(|l| format!("short_{l}")))
        .chain(LANGS.iter().map(|l| format!("title_{l}")))
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, &columns, |row| {
        let goal = parse_goal_number(row, "goal")?;
        if !seen.insert(goal) {
            return Err(row.err("goal", format!("duplicate goal {goal}")));
        }
        out.push(SdgGoal {
            goal,
            short_en: row.required("short_en")?,
            short_fr: row.required("short_fr")?,
            short_es: row.required("short_es")?,
            short_ar: row.required("short_ar")?,
            short_ru: row.required("short_ru")?,
            short_zh: row.required("short_zh")?,
            title_en: row.required("title_en")?,
            title_fr: row.required("title_fr")?,
            title_es: row.required("title_es")?,
            title_ar: row.required("title_ar")?,
            title_ru: row.required("title_ru")?,
            title_zh: row.required("title_zh")?,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Parses `data/sdg/targets.csv`; the goal column must match the code.
pub fn parse_sdg_targets(text: &str) -> Result<Vec<SdgTarget>, RefDataError> {
    let columns: Vec<String> = ["code".to_owned(), "goal".to_owned()]
        .into_iter()
        .chain(LANGS.iter().map(|l| format!("title_{l}")))
        .collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, &columns, |row| {
        let code = row.required("code")?;
        let goal = parse_goal_number(row, "goal")?;
        let valid = code.split_once('.').is_some_and(|(g, t)| {
            g == goal.to_string()
                && !t.is_empty()
                && t.len() <= 2
                && (t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0')
                    || t.len() == 1 && t.bytes().all(|b| b.is_ascii_lowercase()))
        });
        if !valid {
            return Err(row.err(
                "code",
                format!("expected <goal>.<number or letter> with goal {goal}, got {code:?}"),
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(row.err("code", format!("duplicate target {code}")));
        }
        out.push(SdgTarget {
            code,
            goal,
            title_en: row.required("title_en")?,
            title_fr: row.required("title_fr")?,
            title_es: row.required("title_es")?,
            title_ar: row.required("title_ar")?,
            title_ru: row.required("title_ru")?,
            title_zh: row.required("title_zh")?,
        });
        Ok(())
    })?;
    Ok(out)
}

// ---------------------------------------------------------------- HURIDOCS --

/// A term of the HURIDOCS micro-thesauri (`data/huridocs/micro-thesauri.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabTerm {
    /// Micro-thesaurus number, e.g. 4 = types of acts.
    pub list_number: u16,
    /// e.g. `types_of_acts`; None for the OpenEvSys lists 80-92, which have no name.
    pub list_name: Option<String>,
    /// Hierarchical code, two digits per level (12 digits).
    pub huri_code: String,
    /// Depth, 0 = top; HURIDOCS uses -5 for the "Other / Not applicable /
    /// Unknown" entries at the end of some lists.
    pub level: i8,
    /// `vocab_number` of the parent term; None at the top of a list.
    pub parent_vocab_number: Option<String>,
    /// Unique id of the term (14 digits: huri_code + list number).
    pub vocab_number: String,
    /// Display order within the list.
    pub order: u32,
    pub term_en: String,
    pub term_fr: String,
    pub term_es: String,
}

impl VocabTerm {
    /// The term in a language (`en`, `fr`, `es`); English otherwise.
    pub fn term(&self, lang: &str) -> &str {
        pick(
            lang,
            &self.term_en,
            &self.term_fr,
            &self.term_es,
            &self.term_en,
            &self.term_en,
            &self.term_en,
        )
    }
}

const THESAURI_COLUMNS: &[&str] = &[
    "list_number",
    "list_name",
    "huri_code",
    "level",
    "parent_vocab_number",
    "vocab_number",
    "order",
    "english",
    "french",
    "spanish",
];

/// Parses the HURIDOCS micro-thesauri: unique vocab numbers, and every parent
/// present in the same list (`0` or empty means no parent).
pub fn parse_thesauri(text: &str) -> Result<Vec<VocabTerm>, RefDataError> {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    read_csv(text, THESAURI_COLUMNS, |row| {
        let vocab_number = row.required("vocab_number")?;
        if !vocab_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(row.err(
                "vocab_number",
                format!("expected digits, got {vocab_number:?}"),
            ));
        }
        let huri_code = row.required("huri_code")?;
        if !huri_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(row.err("huri_code", format!("expected digits, got {huri_code:?}")));
        }
        if index.insert(vocab_number.clone(), out.len()).is_some() {
            return Err(row.err("vocab_number", format!("duplicate {vocab_number}")));
        }
        let parent_vocab_number = match row.get("parent_vocab_number") {
            "" | "0" => None,
            p => Some(p.to_owned()),
        };
        lines.push(row.line);
        out.push(VocabTerm {
            list_number: row.parse("list_number", "a list number")?,
            list_name: row.optional("list_name"),
            huri_code,
            level: row.parse("level", "a level")?,
            parent_vocab_number,
            vocab_number,
            order: row.parse("order", "a non-negative order")?,
            term_en: row.required("english")?,
            term_fr: row.required("french")?,
            term_es: row.required("spanish")?,
        });
        Ok(())
    })?;
    for (term, &line) in out.iter().zip(&lines) {
        if let Some(p) = &term.parent_vocab_number {
            let err = |msg: String| RefDataError::new(Some(line), Some("parent_vocab_number"), msg);
            match index.get(p) {
                None => return Err(err(format!("unknown parent {p}"))),
                Some(&i) if out[i].list_number != term.list_number => {
                    return Err(err(format!("parent {p} is in list {}", out[i].list_number)))
                }
                Some(_) if p == &term.vocab_number => {
                    return Err(err("a term cannot be its own parent".into()))
                }
                _ => {}
            }
        }
    }
    Ok(out)
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
}

/// `data/manifest.toml`: the data version and a version per file. Keys of
/// `files`: `countries`, `instruments`, `treaty_status`, `sdg_goals`,
/// `sdg_targets`, `huridocs_thesauri`.
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
        sdg_goals,
        sdg_targets,
        thesauri,
    })
}
