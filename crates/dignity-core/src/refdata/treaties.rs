//! Instruments (`data/instruments.toml`) and the States' treaty status
//! (`data/treaties/status-*.csv`).

use super::*;

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
    /// How many periodic reports one submission covers in the committee's practice
    /// (CERD: 2, one combined report every four years); absent: 1.
    #[serde(default)]
    pub combined: Option<u8>,
    /// The instrument whose periodic reports carry the information after the initial
    /// report (OP-CRC-AC, OP-CRC-SC: CRC), or all of it where there is no initial report
    /// (ICCPR-OP2: ICCPR), for the parties to that instrument.
    #[serde(default)]
    pub later_in: Option<String>,
    /// The periodicity for a State not party to `later_in` (OP-CRC-AC/SC: 5 years).
    #[serde(default)]
    pub periodic_years_alone: Option<u8>,
    /// After the initial report, additional information only when the committee asks
    /// (CPED art. 29(4)).
    #[serde(default)]
    pub on_request: bool,
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
    /// UN instruments: when the instrument enters into force for a State that ratifies
    /// or accedes (the treaty's final clauses).
    #[serde(default)]
    pub state_entry_into_force: Option<EifRule>,
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
            if [
                r.initial_years,
                r.periodic_years,
                r.combined,
                r.periodic_years_alone,
            ]
            .contains(&Some(0))
            {
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
        if let Some(later) = i.reporting.as_ref().and_then(|r| r.later_in.as_ref()) {
            if !list.iter().any(|p| &p.code == later && p.code != i.code) {
                return Err(RefDataError::new(
                    line_of_instrument(text, &i.code),
                    Some("reporting.later_in"),
                    format!("{}: unknown instrument {later:?}", i.code),
                ));
            }
        }
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

pub(super) type KnownCodes<'a> = (&'a HashSet<&'a str>, &'a HashSet<&'a str>);

/// The `iso3`, `instrument` and `status` of a row of a status table, checked: three
/// capital letters, and where `known` is given, a known country and instrument code.
pub(super) fn state_instrument_status(
    row: &Row<'_>,
    known: Option<KnownCodes<'_>>,
) -> Result<(String, String, TreatyStatus), RefDataError> {
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
    Ok((iso3, instrument, status))
}

fn parse_status_inner(
    text: &str,
    known: Option<KnownCodes<'_>>,
) -> Result<Vec<RatificationStatus>, RefDataError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    read_csv(text, STATUS_COLUMNS, |row| {
        let (iso3, instrument, status) = state_instrument_status(row, known)?;
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
