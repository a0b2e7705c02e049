//! Rules of states' obligations and of the recommendations of the UN mechanisms
//! (issue 3): reporting due dates, "overdue by N days", the complaint and inquiry
//! procedures a State accepted, implementation statuses, country names to ISO codes, and
//! the parsers of recommendation exports (UPR Info, OHCHR's UHRI, a generic mapped table).
//! No I/O: callers hand in bytes or tables and get values or row-numbered errors back.

use crate::PartialDate;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

// ------------------------------------------------------------------ statuses --

/// Where a State stands with the implementation of a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImplementationStatus {
    NotStarted,
    InProgress,
    PartiallyImplemented,
    Implemented,
    /// Not implemented, or no longer relevant.
    NotImplemented,
}

impl ImplementationStatus {
    pub const ALL: [ImplementationStatus; 5] = [
        Self::NotStarted,
        Self::InProgress,
        Self::PartiallyImplemented,
        Self::Implemented,
        Self::NotImplemented,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::PartiallyImplemented => "partially_implemented",
            Self::Implemented => "implemented",
            Self::NotImplemented => "not_implemented",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The State's answer to a UPR recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Supported,
    Noted,
}

impl Position {
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Supported => "supported",
            Position::Noted => "noted",
        }
    }
    /// `Accepted`/`Supported` and `Noted`/`Rejected`, as UPR Info and UHRI write them.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "accepted" | "supported" | "support" | "accept" => Some(Position::Supported),
            "noted" | "rejected" | "not accepted" | "not supported" | "note" => {
                Some(Position::Noted)
            }
            _ => None,
        }
    }
}

/// Which kind of UN mechanism made a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    Upr,
    TreatyBody,
    SpecialProcedure,
}

impl Mechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Upr => "upr",
            Mechanism::TreatyBody => "treaty_body",
            Mechanism::SpecialProcedure => "special_procedure",
        }
    }
}

/// Treaty bodies as OHCHR names them.
pub const TREATY_BODIES: &[&str] = &[
    "CAT",
    "CCPR",
    "CEDAW",
    "CERD",
    "CESCR",
    "CMW",
    "CRC",
    "CRC-OP-AC",
    "CRC-OP-SC",
    "CRPD",
    "CED",
    "SPT",
];

/// The mechanism of a body code (`UPR`, `CCPR`, `SR on torture`, `WGAD`, …), with the
/// code normalised; `None` for a body this product does not know.
pub fn body_mechanism(body: &str) -> Option<(Mechanism, String)> {
    let b = body.trim();
    if b.eq_ignore_ascii_case("UPR") {
        return Some((Mechanism::Upr, "UPR".into()));
    }
    if let Some(tb) = TREATY_BODIES.iter().find(|t| t.eq_ignore_ascii_case(b)) {
        return Some((Mechanism::TreatyBody, tb.to_string()));
    }
    let upper = b.to_ascii_uppercase();
    if ["SR", "WG", "IE"].iter().any(|p| upper.starts_with(p)) && b.len() >= 2 {
        return Some((Mechanism::SpecialProcedure, b.to_string()));
    }
    None
}

/// The UPR cycle of a Working Group session (cycle 1: sessions 1–12, cycle 2: 13–26,
/// cycle 3: 27–40, cycle 4: 41–54, …).
pub fn upr_cycle(session: u32) -> u32 {
    match session {
        0 => 0,
        1..=12 => 1,
        s => 2 + (s - 13) / 14,
    }
}

/// The month a UPR Working Group session opened (sessions 1–20; later ones are unknown
/// here and left undated).
pub fn upr_session_month(session: u32) -> Option<PartialDate> {
    const MONTHS: [&str; 20] = [
        "2008-04", "2008-05", "2008-12", "2009-02", "2009-05", "2009-11", "2010-02", "2010-05",
        "2010-11", "2011-01", "2011-05", "2011-10", "2012-05", "2012-10", "2013-01", "2013-04",
        "2013-10", "2014-01", "2014-04", "2014-10",
    ];
    let i = session.checked_sub(1)? as usize;
    MONTHS.get(i).and_then(|m| PartialDate::parse(m).ok())
}

// ------------------------------------------------------------ procedures --

/// A complaint or inquiry procedure and how a State accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcedureRule {
    /// Short label, e.g. `CAT art. 22`.
    pub label: &'static str,
    /// The instrument whose ratification row holds the facts.
    pub instrument: &'static str,
    /// How acceptance works: being party to the protocol, an optional declaration
    /// (opt-in), or automatic unless the State opted out.
    pub via: AcceptanceVia,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceVia {
    Protocol,
    OptIn,
    OptOut,
}

pub const COMPLAINT_PROCEDURES: &[ProcedureRule] = &[
    ProcedureRule {
        label: "ICCPR-OP1",
        instrument: "ICCPR-OP1",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "OP-ICESCR",
        instrument: "OP-ICESCR",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "OP-CEDAW",
        instrument: "OP-CEDAW",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "CAT art. 22",
        instrument: "CAT",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "ICERD art. 14",
        instrument: "ICERD",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "CPED art. 31",
        instrument: "CPED",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "ICMW art. 77",
        instrument: "ICMW",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "OP-CRPD",
        instrument: "OP-CRPD",
        via: AcceptanceVia::Protocol,
    },
    ProcedureRule {
        label: "OP-CRC-IC",
        instrument: "OP-CRC-IC",
        via: AcceptanceVia::Protocol,
    },
];

pub const INQUIRY_PROCEDURES: &[ProcedureRule] = &[
    ProcedureRule {
        label: "CAT art. 20",
        instrument: "CAT",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "OP-CEDAW art. 8",
        instrument: "OP-CEDAW",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "OP-ICESCR art. 11",
        instrument: "OP-ICESCR",
        via: AcceptanceVia::OptIn,
    },
    ProcedureRule {
        label: "OP-CRPD art. 6",
        instrument: "OP-CRPD",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "OP-CRC-IC art. 13",
        instrument: "OP-CRC-IC",
        via: AcceptanceVia::OptOut,
    },
    ProcedureRule {
        label: "CPED art. 33",
        instrument: "CPED",
        via: AcceptanceVia::Protocol,
    },
];

/// Accepted, not accepted, or not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Acceptance {
    Accepted,
    NotAccepted,
    Unknown,
}

/// Whether a State accepted a procedure, from its ratification facts: `party` (party to
/// the instrument) and `flag` (the recorded declaration: for opt-in procedures whether it
/// was made, for opt-out ones whether the procedure applies, i.e. `false` = opted out).
pub fn acceptance(rule: &ProcedureRule, party: bool, flag: Option<bool>) -> Acceptance {
    if !party {
        return Acceptance::NotAccepted;
    }
    match (rule.via, flag) {
        (AcceptanceVia::Protocol, _) => Acceptance::Accepted,
        (_, Some(true)) => Acceptance::Accepted,
        (_, Some(false)) => Acceptance::NotAccepted,
        // Opt-out procedures apply unless the State opted out; opt-in ones need the
        // declaration. Neither is known when it was not recorded.
        (AcceptanceVia::OptOut, None) => Acceptance::Accepted,
        (AcceptanceVia::OptIn, None) => Acceptance::Unknown,
    }
}

// ------------------------------------------------------------- due dates --

/// How long after a State's ratification or accession a treaty enters into force for it
/// (the treaties' final clauses).
pub fn state_entry_into_force(instrument: &str, consent: NaiveDate) -> NaiveDate {
    match instrument {
        // Three months (ICESCR art. 27(2), ICCPR art. 49(2), ICCPR-OP1 art. 9(2)).
        "ICESCR" | "ICCPR" | "ICCPR-OP1" | "ICCPR-OP2" | "OP-ICESCR" => consent
            .checked_add_months(Months::new(3))
            .unwrap_or(consent),
        // First day of the month after three months (ICMW art. 87(2)).
        "ICMW" => {
            let d = consent
                .checked_add_months(Months::new(3))
                .unwrap_or(consent);
            let (y, m) = if d.month() == 12 {
                (d.year() + 1, 1)
            } else {
                (d.year(), d.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
        }
        // Thirtieth day after deposit (ICERD art. 19(2), CEDAW art. 27(2), CAT art. 27(2),
        // CRC art. 49(2), CRPD art. 45(2), CPED art. 39(2), the optional protocols).
        _ => consent + chrono::Duration::days(30),
    }
}

/// `d` plus `years` (29 February becomes 28 February).
pub fn add_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(Months::new(years * 12)).unwrap_or(d)
}

/// One report the treaty expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduledReport {
    /// 1 = initial report, 2 = second (first periodic) report, …
    pub number: u32,
    pub due: NaiveDate,
}

/// The reports a treaty expects from a State, by the treaty's periodicity: the initial
/// report `initial_years` after entry into force for the State, then one every
/// `periodic_years` after the previous due date, up to and including `until`. Without
/// periodic reporting (on request, or folded into another report) only the initial report
/// is expected.
pub fn report_schedule(
    entry_into_force: NaiveDate,
    initial_years: u8,
    periodic_years: Option<u8>,
    until: NaiveDate,
) -> Vec<ScheduledReport> {
    let mut out = Vec::new();
    let mut due = add_years(entry_into_force, initial_years as u32);
    let mut number = 1;
    loop {
        if due > until && number > 1 {
            break;
        }
        out.push(ScheduledReport { number, due });
        let Some(p) = periodic_years.filter(|p| *p > 0) else {
            break;
        };
        due = add_years(due, p as u32);
        number += 1;
        if number > 200 {
            break;
        }
    }
    out
}

/// Re-base the schedule on the last report the State actually submitted: the reports after
/// number `last` fall due every `periodic_years` from its submission (treaty bodies set the
/// next date from the review of the last report, not from the initial cadence), so a State
/// that reported late is not shown as owing the reports of the original calendar. Reports up
/// to `last` are kept as computed; without periodic reporting nothing changes.
pub fn rebase_schedule(
    schedule: &mut [ScheduledReport],
    last: u32,
    submitted: NaiveDate,
    periodic_years: Option<u8>,
) {
    let Some(p) = periodic_years.filter(|p| *p > 0) else {
        return;
    };
    for r in schedule.iter_mut().filter(|r| r.number > last) {
        let due = add_years(submitted, (r.number - last) * p as u32);
        r.due = r.due.max(due);
    }
}

/// Days a report is overdue on `today`: `Some(n)` with n > 0 when it was due before
/// `today` and not submitted; `None` when submitted or not yet due. A report submitted
/// late is no longer overdue.
pub fn overdue_days(due: NaiveDate, submitted: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    if submitted.is_some() {
        return None;
    }
    let n = (today - due).num_days();
    (n > 0).then_some(n)
}

/// Days a report is overdue, when that can be said: a schedule computed from the
/// ratification alone is an estimate until at least one report of the State under that
/// treaty is recorded (`reporting_recorded`), and counting arrears from it would claim
/// decades of delay nobody checked. Without reporting data: `None`; with it: as
/// [`overdue_days`].
pub fn known_overdue_days(
    reporting_recorded: bool,
    due: NaiveDate,
    submitted: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<i64> {
    if !reporting_recorded {
        return None;
    }
    overdue_days(due, submitted, today)
}

/// Without reporting data, the estimated next report: the first scheduled report due on
/// or after `today` (the schedule must reach past `today`; `None` otherwise).
pub fn estimated_next_due(
    schedule: &[ScheduledReport],
    today: NaiveDate,
) -> Option<ScheduledReport> {
    schedule.iter().find(|r| r.due >= today).copied()
}

/// Days a State has to reply to a communication of the special procedures (the clock of
/// the intervention that carries it, e.g. an urgent appeal).
pub const SP_REPLY_DAYS: i64 = 60;

/// The end of the reply clock of a communication sent on `sent`.
pub fn reply_due(sent: NaiveDate) -> NaiveDate {
    sent + chrono::Duration::days(SP_REPLY_DAYS)
}

/// Where the reply clock stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReplyClock {
    /// Replied on a day; `late_days` > 0 when after the due date.
    Replied { on: NaiveDate, late_days: i64 },
    /// No reply and the due date passed `days` ago.
    Overdue { days: i64 },
    /// No reply yet; `days_left` until the due date (0 = due today).
    Running { days_left: i64 },
}

/// The reply clock: replied (and how late), overdue by N days, or running.
pub fn reply_clock(due: NaiveDate, replied: Option<NaiveDate>, today: NaiveDate) -> ReplyClock {
    match replied {
        Some(on) => ReplyClock::Replied {
            on,
            late_days: (on - due).num_days().max(0),
        },
        None => match overdue_days(due, None, today) {
            Some(days) => ReplyClock::Overdue { days },
            None => ReplyClock::Running {
                days_left: (due - today).num_days(),
            },
        },
    }
}

/// The report that is due next: the first scheduled report after the last one submitted
/// (`last_submitted` is its number; 0 when none), if any.
pub fn next_due(schedule: &[ScheduledReport], last_submitted: u32) -> Option<ScheduledReport> {
    schedule.iter().find(|r| r.number > last_submitted).copied()
}

/// A ratification, accession or succession date must not be before the instrument was
/// adopted (or opened for signature); a signature neither.
pub fn check_not_before(
    field: &str,
    date: &PartialDate,
    limit: NaiveDate,
    what: &str,
) -> Result<(), String> {
    match date.latest() {
        Some(d) if d < limit => Err(format!("{field}: {date} is before {what} ({limit})")),
        _ => Ok(()),
    }
}

// --------------------------------------------------------------- countries --

/// Lower-case, ASCII-folded, punctuation-free form of a country name: `Côte d'Ivoire`,
/// `COTE D IVOIRE` and `Cote d’Ivoire` all become `cote d ivoire`; `&` reads `and`, `St`
/// reads `saint`, a leading/trailing `the` and UNTERM's `(the)` and `*` are dropped.
pub fn normalize_name(s: &str) -> String {
    let s = decode_entities(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c => c,
        };
        if c == '&' {
            out.push_str(" and ");
        } else if c.is_alphanumeric() {
            out.push(c);
        } else {
            out.push(' ');
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut words: Vec<&str> = words
        .into_iter()
        .map(|w| if w == "st" { "saint" } else { w })
        .collect();
    // "(the)" of UNTERM names and a leading "the".
    if words.last() == Some(&"the") {
        words.pop();
    }
    if words.first() == Some(&"the") {
        words.remove(0);
    }
    words.join(" ")
}

/// `&#40;Unknown&#41;` → `(Unknown)`, `&amp;` → `&` (UPR Info left some HTML entities).
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|e| *e <= 8);
        let decoded = end.and_then(|e| {
            let ent = &tail[1..e];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix('#')
                    .and_then(|n| match n.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok(),
                        None => n.parse().ok(),
                    })
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Names met in the wild (UPR Info, UHRI, older UN usage) for States whose current
/// UNTERM short name differs.
pub const NAME_VARIANTS: &[(&str, &str)] = &[
    ("Cape Verde", "CPV"),
    ("Cote d'Ivoire", "CIV"),
    ("Czech Republic", "CZE"),
    ("DPR Korea", "PRK"),
    ("DPRK", "PRK"),
    ("North Korea", "PRK"),
    ("South Korea", "KOR"),
    ("Korea", "KOR"),
    ("Democratic Republic of Congo", "COD"),
    ("DR Congo", "COD"),
    ("DRC", "COD"),
    ("Congo, Democratic Republic of the", "COD"),
    ("Republic of Congo", "COG"),
    ("Congo-Brazzaville", "COG"),
    ("Laos", "LAO"),
    ("Lao PDR", "LAO"),
    ("Macedonia FYR", "MKD"),
    ("The former Yugoslav Republic of Macedonia", "MKD"),
    ("Macedonia", "MKD"),
    ("FYROM", "MKD"),
    ("Moldova", "MDA"),
    ("Palestine", "PSE"),
    ("State of Palestine", "PSE"),
    ("Swaziland", "SWZ"),
    ("Syria", "SYR"),
    ("Tanzania", "TZA"),
    ("Turkey", "TUR"),
    ("Turkiye", "TUR"),
    ("United Kingdom", "GBR"),
    ("UK", "GBR"),
    ("Great Britain", "GBR"),
    ("United States", "USA"),
    ("USA", "USA"),
    ("United States of America", "USA"),
    ("Vietnam", "VNM"),
    ("Russia", "RUS"),
    ("Iran", "IRN"),
    ("Bolivia", "BOL"),
    ("Venezuela", "VEN"),
    ("Micronesia", "FSM"),
    ("Guinea Bissau", "GNB"),
    ("Timor Leste", "TLS"),
    ("East Timor", "TLS"),
    ("Burma", "MMR"),
    ("Brunei", "BRN"),
    ("Holy See", "VAT"),
    ("Vatican", "VAT"),
    ("Sao Tome", "STP"),
    ("Netherlands", "NLD"),
    ("Kyrgyz Republic", "KGZ"),
    ("Slovak Republic", "SVK"),
    ("Gambia", "GMB"),
    ("Bahamas", "BHS"),
];

/// Resolves country names (any of the UN languages, codes, known variants) to ISO 3166-1
/// alpha-3 codes.
#[derive(Debug, Clone, Default)]
pub struct CountryResolver {
    map: HashMap<String, String>,
}

impl CountryResolver {
    /// `entries`: (iso3, iso2, names in any language). A name that is ambiguous after
    /// normalisation (two countries) is dropped rather than guessed.
    pub fn new<I, N>(entries: I) -> Self
    where
        I: IntoIterator<Item = (String, String, N)>,
        N: IntoIterator<Item = String>,
    {
        let mut map: HashMap<String, String> = HashMap::new();
        let mut ambiguous: Vec<String> = Vec::new();
        let mut add = |k: String, iso3: &str, map: &mut HashMap<String, String>| {
            if k.is_empty() {
                return;
            }
            match map.get(&k) {
                Some(v) if v != iso3 => ambiguous.push(k),
                Some(_) => {}
                None => {
                    map.insert(k, iso3.to_string());
                }
            }
        };
        let mut codes = Vec::new();
        for (iso3, iso2, names) in entries {
            codes.push((iso3.clone(), iso2));
            for n in names {
                add(normalize_name(&n), &iso3, &mut map);
                // "Bolivia (Plurinational State of)" also answers to "Bolivia".
                if let Some(i) = n.find('(') {
                    let short = normalize_name(&n[..i]);
                    if !short.is_empty() && !n[i..].to_lowercase().starts_with("(the)") {
                        add(short, &iso3, &mut map);
                    }
                }
            }
        }
        for k in &ambiguous {
            map.remove(k);
        }
        for (v, iso3) in NAME_VARIANTS {
            map.insert(normalize_name(v), iso3.to_string());
        }
        for (iso3, iso2) in codes {
            map.insert(iso3.to_ascii_lowercase(), iso3.clone());
            map.entry(iso2.to_ascii_lowercase()).or_insert(iso3);
        }
        CountryResolver { map }
    }

    /// The ISO3 code of a name, if known.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        self.map.get(&normalize_name(name)).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Whether a recommending-state cell says the state is not known (`(Unknown)`, blank).
pub fn is_unknown_marker(s: &str) -> bool {
    let n = normalize_name(s);
    n.is_empty() || n == "unknown" || n == "n a" || n == "none"
}

// ---------------------------------------------------------------- decoding --

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    /// ISO-8859-1 with the Windows-1252 characters in 0x80–0x9F.
    Latin1,
}

/// Decode a text file: UTF-8 (a BOM is dropped) when valid, Latin-1/Windows-1252
/// otherwise (UPR Info's old exports). Line ends are made LF (CR and CRLF both accepted).
pub fn decode_text(bytes: &[u8]) -> (String, TextEncoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, enc) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), TextEncoding::Utf8),
        Err(_) => (
            bytes.iter().map(|&b| cp1252(b)).collect(),
            TextEncoding::Latin1,
        ),
    };
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    (text, enc)
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    if (0x80..0xA0).contains(&b) {
        HIGH[(b - 0x80) as usize]
    } else {
        b as char
    }
}

// ------------------------------------------------------------------ tables --

/// A table read from CSV or a spreadsheet: a header and rows with their line numbers
/// (the header is line 1).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// Parse decoded CSV text.
    pub fn from_csv(text: &str) -> Result<Table, RowError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| RowError::new(1, "", format!("cannot read the header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>();
        let mut rows = Vec::new();
        for r in reader.records() {
            let r = r.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("expected {expected_len} fields, found {len}"),
                    _ => format!("malformed CSV: {e}"),
                };
                RowError::new(line, "", msg)
            })?;
            let line = r.position().map_or(0, |p| p.line());
            rows.push((line, r.iter().map(str::to_string).collect()));
        }
        Ok(Table { header, rows })
    }

    /// Index of a column by name (case- and space-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        let n = name.trim().to_ascii_lowercase();
        self.header
            .iter()
            .position(|h| h.trim().to_ascii_lowercase() == n)
    }
}

/// A rejected row: file line (1 = header) and field, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, field: &str, message: impl Into<String>) -> Self {
        RowError {
            file: String::new(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}: ", self.file)?;
        }
        // Line 0: the whole file (its size, its encoding, not text at all).
        match (self.line, self.field.is_empty()) {
            (0, true) => {}
            (0, false) => write!(f, "field {}: ", self.field)?,
            (l, true) => write!(f, "row {l}: ")?,
            (l, false) => write!(f, "row {l}, field {}: ", self.field)?,
        }
        f.write_str(&self.message)
    }
}

// ---------------------------------------------------------- recommendations --

/// One recommendation or observation, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecInput {
    /// Stable key: the same recommendation imported again gets the same key.
    pub key: String,
    pub mechanism: Mechanism,
    pub body: String,
    pub upr_cycle: Option<u32>,
    pub session: String,
    pub document_symbol: String,
    pub paragraph: String,
    pub date: PartialDate,
    pub iso3: String,
    pub recommending_iso3: Option<String>,
    /// `recommendation` or `observation`.
    pub kind: String,
    pub text: String,
    pub position: Option<Position>,
    /// UPR Info's action category 1–5 (1: minimal action … 5: specific action).
    pub upr_action: Option<u8>,
    pub themes: Vec<String>,
    pub affected: Vec<String>,
    pub sdgs: Vec<String>,
    /// `upr-info`, `uhri`, `generic`, `manual`.
    pub source: String,
    /// Line in the source file (0 when typed in).
    #[serde(skip)]
    pub line: u64,
}

impl RecInput {
    /// A hash of the content, to tell an unchanged re-import from an update.
    pub fn content_hash(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("key");
        }
        hex::encode(&Sha256::digest(v.to_string().as_bytes())[..16])
    }
}

fn text_fingerprint(text: &str) -> String {
    let norm: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    hex::encode(&Sha256::digest(norm.as_bytes())[..8])
}

/// What a parser made of a table: the records and the rejected rows.
#[derive(Debug, Default)]
pub struct Parsed {
    pub records: Vec<RecInput>,
    pub rejected: Vec<RowError>,
    /// Rows kept as a further occurrence of an identical recommendation (UPR Info lists a
    /// few twice): (line, line of the first occurrence).
    pub repeated: Vec<(u64, u64)>,
}

fn cell(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|i| row.get(i)).map(|s| s.trim()).unwrap_or("")
}

fn require_columns(t: &Table, cols: &[&str]) -> Result<Vec<usize>, RowError> {
    cols.iter()
        .map(|c| {
            t.column(c)
                .ok_or_else(|| RowError::new(1, c, format!("missing column {c:?}")))
        })
        .collect()
}

/// The columns of a UPR Info export the parser reads.
pub const UPR_INFO_COLUMNS: &[&str] = &[
    "To", "Text", "From", "Response", "Action", "Issue", "Session",
];
/// Columns of a UPR Info export known and deliberately not read (regional groups and
/// organisations are derived from the states): not reported as unmapped.
pub const UPR_INFO_DERIVED: &[&str] = &["To-Rgrp", "To-Org", "From-Rgrp", "From-Org"];
/// Parse a UPR Info export (`To, To-Rgrp, To-Org, Text, From, From-Rgrp, From-Org,
/// Response, Action, Issue, Session`). Keys: session, state under review, recommending
/// state and the text; an identical recommendation listed again gets `#2`, `#3`, ….
pub fn parse_upr_info(t: &Table, countries: &CountryResolver) -> Parsed {
    let mut p = Parsed::default();
    let cols = match require_columns(t, UPR_INFO_COLUMNS) {
        Ok(c) => c,
        Err(e) => {
            p.rejected.push(e);
            return p;
        }
    };
    let [to, text, from, response, action, issue, session] = cols[..] else {
        unreachable!()
    };
    let mut seen: HashMap<String, (u32, u64)> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let mut errs = Vec::new();
        let to_name = cell(row, Some(to));
        let iso3 = match countries.resolve(to_name) {
            Some(c) => c.to_string(),
            None => {
                errs.push(RowError::new(
                    line,
                    "To",
                    format!("unknown country {to_name:?}"),
                ));
                String::new()
            }
        };
        let from_name = cell(row, Some(from));
        let recommending = if is_unknown_marker(from_name) {
            None
        } else {
            match countries.resolve(from_name) {
                Some(c) => Some(c.to_string()),
                None => {
                    errs.push(RowError::new(
                        line,
                        "From",
                        format!("unknown country {from_name:?}"),
                    ));
                    None
                }
            }
        };
        let body = decode_entities(cell(row, Some(text)));
        if body.trim().is_empty() {
            errs.push(RowError::new(
                line,
                "Text",
                "the recommendation has no text",
            ));
        }
        let resp = cell(row, Some(response));
        let position = if resp.is_empty() {
            None
        } else {
            match Position::parse(resp) {
                Some(p) => Some(p),
                None => {
                    errs.push(RowError::new(
                        line,
                        "Response",
                        format!("expected Accepted, Noted or blank, got {resp:?}"),
                    ));
                    None
                }
            }
        };
        let act = cell(row, Some(action));
        let upr_action = if act.is_empty() {
            None
        } else {
            match act.parse::<u8>() {
                Ok(a @ 1..=5) => Some(a),
                _ => {
                    errs.push(RowError::new(
                        line,
                        "Action",
                        format!("expected 1 to 5, got {act:?}"),
                    ));
                    None
                }
            }
        };
        let sess = cell(row, Some(session));
        let sess_n = match sess.parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => {
                errs.push(RowError::new(
                    line,
                    "Session",
                    format!("expected a session number, got {sess:?}"),
                ));
                0
            }
        };
        if !errs.is_empty() {
            p.rejected.extend(errs);
            continue;
        }
        let themes: Vec<String> = cell(row, Some(issue))
            .split(',')
            .map(|s| decode_entities(s.trim()))
            .filter(|s| !s.is_empty())
            .collect();
        let base = format!(
            "upr:{sess_n}:{iso3}:{}:{}",
            recommending.as_deref().unwrap_or("-"),
            text_fingerprint(&body)
        );
        let entry = seen.entry(base.clone()).or_insert((0, line));
        entry.0 += 1;
        let key = if entry.0 == 1 {
            base
        } else {
            p.repeated.push((line, entry.1));
            format!("{base}#{}", entry.0)
        };
        p.records.push(RecInput {
            key,
            mechanism: Mechanism::Upr,
            body: "UPR".into(),
            upr_cycle: Some(upr_cycle(sess_n)),
            session: sess_n.to_string(),
            document_symbol: String::new(),
            paragraph: String::new(),
            date: upr_session_month(sess_n).unwrap_or(PartialDate::UNKNOWN),
            iso3,
            recommending_iso3: recommending,
            kind: "recommendation".into(),
            text: body.trim().to_string(),
            position,
            upr_action,
            themes,
            affected: vec![],
            sdgs: vec![],
            source: "upr-info".into(),
            line,
        });
    }
    p
}

/// Values of a multi-valued UHRI cell: one per line, each prefixed with `- `.
pub fn split_multi(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .trim_start_matches('-')
                .trim()
        })
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A date as spreadsheets deliver it: ISO (`2019-11-29`, also with a time), `29/11/2019`
/// (day first), a year, or an Excel serial number (`43798`).
pub fn parse_loose_date(s: &str) -> Result<PartialDate, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(PartialDate::UNKNOWN);
    }
    if let Ok(d) = PartialDate::parse(s) {
        return Ok(d);
    }
    // ISO with a time part.
    if s.len() > 10 && s.as_bytes()[10] == b'T' || s.len() > 10 && s.as_bytes()[10] == b' ' {
        if let Ok(d) = PartialDate::parse(&s[..10]) {
            return Ok(d);
        }
    }
    if let Ok(serial) = s.parse::<f64>() {
        if (1.0..2_958_466.0).contains(&serial) {
            // Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included).
            let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
            let d = base + chrono::Duration::days(serial.floor() as i64);
            return PartialDate::parse(&d.format("%Y-%m-%d").to_string())
                .map_err(|e| e.to_string());
        }
    }
    let parts: Vec<&str> = s.split(['/', '.']).collect();
    if let [d, m, y] = parts[..] {
        if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) {
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                return PartialDate::parse(&date.format("%Y-%m-%d").to_string())
                    .map_err(|e| e.to_string());
            }
            return Err(format!("no such date {s:?}"));
        }
    }
    Err(format!(
        "expected a date (YYYY-MM-DD, DD/MM/YYYY, a year or an Excel date), got {s:?}"
    ))
}

/// The SDG target code at the start of a UHRI value: `1.4 - Equal rights…` → `1.4`.
pub fn sdg_code(s: &str) -> Option<String> {
    let code = s.split(" - ").next()?.trim();
    let ok = code.split('.').count() == 2
        && code
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    ok.then(|| code.to_ascii_lowercase())
}

/// The 16 columns of OHCHR's Universal Human Rights Index export.
pub const UHRI_COLUMNS: [&str; 16] = [
    "Text",
    "Countries Concerned",
    "Reccomending Body",
    "Document Symbol",
    "Themes",
    "Affected Persons",
    "Sdgs",
    "Document Publication Date",
    "UPR Reccomending States",
    "UPR Position",
    "Type",
    "OHCHR Annotation Id",
    "UPR Session",
    "Regions Concerned",
    "Recommending Regions",
    "Date of publication on UHRI",
];

/// Parse a UHRI export. One record per country concerned, keyed by the OHCHR
/// annotation id and the country. Duplicate annotation ids are rejected.
pub fn parse_uhri(t: &Table, countries: &CountryResolver) -> Parsed {
    let mut p = Parsed::default();
    let need = [
        "Text",
        "Countries Concerned",
        "Reccomending Body",
        "Document Symbol",
        "OHCHR Annotation Id",
    ];
    if let Err(e) = require_columns(t, &need) {
        p.rejected.push(e);
        return p;
    }
    let c = |n: &str| t.column(n);
    let (text_c, countries_c, body_c, symbol_c, id_c) = (
        c("Text"),
        c("Countries Concerned"),
        c("Reccomending Body"),
        c("Document Symbol"),
        c("OHCHR Annotation Id"),
    );
    let (themes_c, affected_c, sdgs_c, date_c, from_c, pos_c, type_c, session_c) = (
        c("Themes"),
        c("Affected Persons"),
        c("Sdgs"),
        c("Document Publication Date"),
        c("UPR Reccomending States"),
        c("UPR Position"),
        c("Type"),
        c("UPR Session"),
    );
    let mut ids: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let mut errs = Vec::new();
        let id = cell(row, id_c).to_ascii_lowercase();
        if id.is_empty() {
            errs.push(RowError::new(
                line,
                "OHCHR Annotation Id",
                "must not be empty",
            ));
        } else if let Some(first) = ids.get(&id) {
            errs.push(RowError::new(
                line,
                "OHCHR Annotation Id",
                format!("duplicate key {id}, first at row {first}"),
            ));
        } else {
            ids.insert(id.clone(), line);
        }
        let text = cell(row, text_c).to_string();
        if text.is_empty() {
            errs.push(RowError::new(line, "Text", "must not be empty"));
        }
        let body_raw = cell(row, body_c);
        let mech = body_mechanism(body_raw);
        if mech.is_none() {
            errs.push(RowError::new(
                line,
                "Reccomending Body",
                format!("unknown mechanism {body_raw:?}"),
            ));
        }
        let mut isos = Vec::new();
        let names = split_multi(cell(row, countries_c));
        if names.is_empty() {
            errs.push(RowError::new(
                line,
                "Countries Concerned",
                "must not be empty",
            ));
        }
        for n in &names {
            match countries.resolve(n) {
                Some(i) => {
                    if !isos.iter().any(|x: &String| x == i) {
                        isos.push(i.to_string())
                    }
                }
                None => errs.push(RowError::new(
                    line,
                    "Countries Concerned",
                    format!("unknown country {n:?}"),
                )),
            }
        }
        let date = match parse_loose_date(cell(row, date_c)) {
            Ok(d) => d,
            Err(m) => {
                errs.push(RowError::new(line, "Document Publication Date", m));
                PartialDate::UNKNOWN
            }
        };
        let from_names = split_multi(cell(row, from_c));
        let mut recommending = None;
        if let Some(n) = from_names.first() {
            if !is_unknown_marker(n) {
                match countries.resolve(n) {
                    Some(i) => recommending = Some(i.to_string()),
                    None => errs.push(RowError::new(
                        line,
                        "UPR Reccomending States",
                        format!("unknown country {n:?}"),
                    )),
                }
            }
        }
        let pos_raw = cell(row, pos_c);
        let position = if pos_raw.is_empty() {
            None
        } else {
            let p = Position::parse(pos_raw);
            if p.is_none() {
                errs.push(RowError::new(
                    line,
                    "UPR Position",
                    format!("expected Supported or Noted, got {pos_raw:?}"),
                ));
            }
            p
        };
        if !errs.is_empty() {
            p.rejected.extend(errs);
            continue;
        }
        let (mechanism, body) = mech.expect("checked");
        let type_cell = cell(row, type_c);
        let kind = if type_cell.is_empty() || type_cell.to_ascii_lowercase().contains("recommend") {
            "recommendation"
        } else {
            "observation"
        };
        let session = cell(row, session_c).to_string();
        let upr_cycle = if mechanism == Mechanism::Upr {
            session.trim().parse::<u32>().ok().map(upr_cycle)
        } else {
            None
        };
        let sdgs: Vec<String> = split_multi(cell(row, sdgs_c))
            .iter()
            .filter_map(|s| sdg_code(s))
            .collect();
        for iso3 in &isos {
            p.records.push(RecInput {
                key: format!("uhri:{id}:{iso3}"),
                mechanism,
                body: body.clone(),
                upr_cycle,
                session: session.clone(),
                document_symbol: cell(row, symbol_c).to_string(),
                paragraph: String::new(),
                date,
                iso3: iso3.clone(),
                recommending_iso3: recommending.clone(),
                kind: kind.into(),
                text: text.clone(),
                position,
                upr_action: None,
                themes: split_multi(cell(row, themes_c)),
                affected: split_multi(cell(row, affected_c)),
                sdgs: sdgs.clone(),
                source: "uhri".into(),
                line,
            });
        }
    }
    p
}

/// Which column of a generic table holds which field (`dignity import recommendations
/// FILE --mapping MAP.toml`):
///
/// ```toml
/// [columns]
/// text = "Recommendation"      # required
/// country = "State"            # required (names or ISO codes)
/// body = "Body"                # or a default below
/// key = "ID"                   # optional stable key; else derived from the content
/// symbol = "Symbol"
/// paragraph = "Para"
/// date = "Date"
/// recommending = "From"
/// position = "Response"
/// session = "Session"
/// themes = "Themes"
/// affected = "Groups"
/// sdgs = "SDG"
/// type = "Type"
/// [defaults]
/// body = "CCPR"
/// separator = ";"              # between values of multi-valued cells (default: new line)
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
}

/// The fields a generic recommendations mapping can fill.
pub const MAPPING_FIELDS: &[&str] = &[
    "text",
    "country",
    "body",
    "key",
    "symbol",
    "paragraph",
    "date",
    "recommending",
    "position",
    "session",
    "themes",
    "affected",
    "sdgs",
    "type",
];

impl Mapping {
    pub fn parse(toml_text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(toml_text).map_err(|e| format!("mapping: {e}"))?;
        for k in m.columns.keys() {
            if !MAPPING_FIELDS.contains(&k.as_str()) {
                return Err(format!(
                    "mapping: unknown field {k:?} (known: {})",
                    MAPPING_FIELDS.join(", ")
                ));
            }
        }
        for k in ["text", "country"] {
            if !m.columns.contains_key(k) {
                return Err(format!("mapping: [columns] needs {k:?}"));
            }
        }
        if !m.columns.contains_key("body") && !m.defaults.contains_key("body") {
            return Err("mapping: give a body column or a default body".into());
        }
        Ok(m)
    }
}

/// Parse a generic table with a column mapping.
pub fn parse_generic(t: &Table, m: &Mapping, countries: &CountryResolver) -> Parsed {
    let mut p = Parsed::default();
    let mut cols: HashMap<&str, usize> = HashMap::new();
    for (field, col) in &m.columns {
        match t.column(col) {
            Some(i) => {
                cols.insert(field.as_str(), i);
            }
            None => {
                p.rejected.push(RowError::new(
                    1,
                    col,
                    format!("missing column {col:?} (mapped to {field})"),
                ));
            }
        }
    }
    if !p.rejected.is_empty() {
        return p;
    }
    let sep = m.defaults.get("separator").cloned();
    let multi = |s: &str| -> Vec<String> {
        match &sep {
            Some(sep) if !sep.is_empty() => s
                .split(sep.as_str())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
            _ => split_multi(s),
        }
    };
    let get = |row: &[String], f: &str| -> String {
        let v = cell(row, cols.get(f).copied());
        if v.is_empty() {
            m.defaults.get(f).cloned().unwrap_or_default()
        } else {
            v.to_string()
        }
    };
    let mut keys: HashMap<String, u64> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let mut errs = Vec::new();
        let col_name = |f: &str| m.columns.get(f).cloned().unwrap_or_else(|| f.to_string());
        let text = get(row, "text");
        if text.is_empty() {
            errs.push(RowError::new(line, &col_name("text"), "must not be empty"));
        }
        let cname = get(row, "country");
        let iso3 = countries.resolve(&cname).map(str::to_string);
        if iso3.is_none() {
            errs.push(RowError::new(
                line,
                &col_name("country"),
                format!("unknown country {cname:?}"),
            ));
        }
        let body_raw = get(row, "body");
        let mech = body_mechanism(&body_raw);
        if mech.is_none() {
            errs.push(RowError::new(
                line,
                &col_name("body"),
                format!("unknown mechanism {body_raw:?} (UPR, a treaty body such as CCPR, or a special procedure SR…/WG…/IE…)"),
            ));
        }
        let date = match parse_loose_date(&get(row, "date")) {
            Ok(d) => d,
            Err(e) => {
                errs.push(RowError::new(line, &col_name("date"), e));
                PartialDate::UNKNOWN
            }
        };
        let rname = get(row, "recommending");
        let recommending = if is_unknown_marker(&rname) {
            None
        } else {
            match countries.resolve(&rname) {
                Some(i) => Some(i.to_string()),
                None => {
                    errs.push(RowError::new(
                        line,
                        &col_name("recommending"),
                        format!("unknown country {rname:?}"),
                    ));
                    None
                }
            }
        };
        let praw = get(row, "position");
        let position = if praw.is_empty() {
            None
        } else {
            let p = Position::parse(&praw);
            if p.is_none() {
                errs.push(RowError::new(
                    line,
                    &col_name("position"),
                    format!("expected supported or noted, got {praw:?}"),
                ));
            }
            p
        };
        let symbol = get(row, "symbol");
        let paragraph = get(row, "paragraph");
        let key = {
            let k = get(row, "key");
            if k.is_empty() {
                format!(
                    "generic:{}:{}:{symbol}:{paragraph}:{}",
                    body_raw.to_ascii_uppercase(),
                    iso3.as_deref().unwrap_or(""),
                    text_fingerprint(&text)
                )
            } else {
                format!("generic:{k}")
            }
        };
        if let Some(first) = keys.get(&key) {
            errs.push(RowError::new(
                line,
                &col_name("key"),
                format!("duplicate key, first at row {first}"),
            ));
        }
        if !errs.is_empty() {
            p.rejected.extend(errs);
            continue;
        }
        keys.insert(key.clone(), line);
        let (mechanism, body) = mech.expect("checked");
        let session = get(row, "session");
        let kind = get(row, "type").to_ascii_lowercase();
        p.records.push(RecInput {
            key,
            mechanism,
            body,
            upr_cycle: if mechanism == Mechanism::Upr {
                session.parse().ok().map(upr_cycle)
            } else {
                None
            },
            session,
            document_symbol: symbol,
            paragraph,
            date,
            iso3: iso3.expect("checked"),
            recommending_iso3: recommending,
            kind: if kind.contains("observ") || kind.contains("concern") {
                "observation".into()
            } else {
                "recommendation".into()
            },
            text,
            position,
            upr_action: None,
            themes: multi(&get(row, "themes")),
            affected: multi(&get(row, "affected")),
            sdgs: multi(&get(row, "sdgs"))
                .iter()
                .map(|s| sdg_code(s).unwrap_or_else(|| s.to_ascii_lowercase()))
                .collect(),
            source: "generic".into(),
            line,
        });
    }
    p
}

#[cfg(test)]
mod tests;
