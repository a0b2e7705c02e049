//! Implementation statuses, the positions of States on recommendations, the mechanisms and the UPR cycles.

use super::*;

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

/// The State's answer to a UPR recommendation: supported, noted, partially supported, or
/// pending (no response yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Supported,
    Noted,
    PartiallySupported,
    /// No response recorded yet.
    Pending,
}

/// An export format whose spellings of the State's response the importers map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseSpelling {
    /// UPR Info's `Response` column: `Accepted`, `Noted` or blank (the only spellings of
    /// the shared exports, sessions 1–20).
    UprInfo,
    /// UHRI's `UPR Position` column: `Supported`, `Noted`, `Partially supported` or blank
    /// (the names of the responses; no UHRI export is in the shared data to check them).
    Uhri,
    /// A mapped table, a form or the API: the canonical names.
    Canonical,
}

impl Position {
    pub const ALL: [Position; 4] = [
        Position::Supported,
        Position::PartiallySupported,
        Position::Noted,
        Position::Pending,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Supported => "supported",
            Position::Noted => "noted",
            Position::PartiallySupported => "partially_supported",
            Position::Pending => "pending",
        }
    }
    /// `Accepted`/`Supported` and `Noted`/`Rejected`, as UPR Info and UHRI write them,
    /// and the canonical names (`partially supported`, `pending`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('_', " ").as_str() {
            "accepted" | "supported" | "support" | "accept" => Some(Position::Supported),
            "noted" | "rejected" | "not accepted" | "not supported" | "note" => {
                Some(Position::Noted)
            }
            "partially supported" => Some(Position::PartiallySupported),
            "pending" => Some(Position::Pending),
            _ => None,
        }
    }
    /// The response as an export spells it (trimmed, any case). A blank cell is
    /// `Pending` (no response yet); any other spelling is refused with the spellings
    /// the format knows, for the importer to report with the line and the column.
    pub fn from_spelling(format: ResponseSpelling, raw: &str) -> Result<Position, String> {
        let known: &[(&str, Position)] = match format {
            ResponseSpelling::UprInfo => &[
                ("Accepted", Position::Supported),
                ("Noted", Position::Noted),
            ],
            ResponseSpelling::Uhri => &[
                ("Supported", Position::Supported),
                ("Noted", Position::Noted),
                ("Partially supported", Position::PartiallySupported),
            ],
            ResponseSpelling::Canonical => &[
                ("supported", Position::Supported),
                ("noted", Position::Noted),
                ("partially supported", Position::PartiallySupported),
                ("partially_supported", Position::PartiallySupported),
                ("pending", Position::Pending),
            ],
        };
        let v = raw.trim();
        if v.is_empty() {
            return Ok(Position::Pending);
        }
        known
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(v))
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = known.iter().map(|(s, _)| *s).collect();
                format!("expected {} or blank, got {v:?}", names.join(", "))
            })
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

// -------------------------------------------------------------- reporting --

/// Where one report (or one combined submission) to a treaty body stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Submitted on a recorded date.
    Submitted,
    /// Not recorded, but a later report is: submitted or combined into a later one.
    NotRecorded,
    /// Due date passed, not submitted, and the recorded history says so.
    Overdue,
    /// Due on a date still to come.
    Due,
    /// Without enough recorded reporting history nothing can be said about arrears:
    /// the due date is an estimate.
    Unknown,
    /// The information goes into the periodic reports under another instrument
    /// (`included_in`), e.g. OP-CRC-AC inside the CRC report.
    InOtherReport,
    /// After the initial report, additional information only on the committee's request.
    OnRequest,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::NotRecorded => "not_recorded",
            Self::Overdue => "overdue",
            Self::Due => "due",
            Self::Unknown => "unknown",
            Self::InOtherReport => "in_other_report",
            Self::OnRequest => "on_request",
        }
    }
}

/// Where a due date comes from; a date the committee set wins over the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueSource {
    /// Computed from the ratification, the treaty's periodicity and the history.
    Computed,
    /// Typed by the office.
    Recorded,
    /// Set by the committee in its concluding observations (`due_set_in` names them).
    Committee,
    /// No date: the report is on request or inside another one.
    None,
}

impl DueSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Computed => "computed",
            Self::Recorded => "recorded",
            Self::Committee => "committee",
            Self::None => "none",
        }
    }
}

/// The simplified reporting procedure (list of issues prior to reporting) as a status of
/// one reporting cycle; absent: the standard procedure, or not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimplifiedProcedure {
    /// The committee offered it (or applies it unless the State opts out).
    Offered,
    /// The State accepted it.
    Accepted,
    /// The State declined it (standard procedure).
    Declined,
    /// The committee adopted and sent the list of issues prior to reporting; the State's
    /// replies will be its report.
    ListTransmitted,
}

impl SimplifiedProcedure {
    pub const ALL: [SimplifiedProcedure; 4] = [
        Self::Offered,
        Self::Accepted,
        Self::Declined,
        Self::ListTransmitted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::ListTransmitted => "list_transmitted",
        }
    }
    /// `""` is the standard procedure (`None`); anything else unknown is refused.
    pub fn parse(s: &str) -> Result<Option<Self>, crate::Invalid> {
        let all = Self::ALL.map(Self::as_str);
        match s.trim() {
            "" => Ok(None),
            s => all
                .iter()
                .position(|v| *v == s)
                .map(|i| Some(Self::ALL[i]))
                .ok_or_else(|| crate::Invalid::not_one_of("loipr", s, all)),
        }
    }
}
