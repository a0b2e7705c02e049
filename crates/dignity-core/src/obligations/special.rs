//! The special procedures as users enter them: mandates and their holders, country
//! visits, standing invitations, communications — raw fields parsed into typed values,
//! refusals naming the field.

use super::*;
use crate::Invalid;

fn partial_date(field: &'static str, raw: &str) -> Result<PartialDate, Invalid> {
    PartialDate::parse(raw).map_err(|e| Invalid::parse(field, e))
}

/// Whether a mandate is about a theme or about one State.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MandateKind {
    Thematic,
    Country,
}

impl MandateKind {
    pub fn code(self) -> &'static str {
        match self {
            MandateKind::Thematic => "thematic",
            MandateKind::Country => "country",
        }
    }
}

/// A mandate as created or updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateSpec {
    pub code: String,
    pub name: String,
    pub kind: MandateKind,
    pub established: PartialDate,
}

/// Parse a mandate: a code and a name, a kind, the State of a country mandate, the
/// (partial) date it was established.
pub fn parse_mandate(
    code: &str,
    name: &str,
    kind: &str,
    iso3: Option<&str>,
    established: &str,
) -> Result<MandateSpec, Invalid> {
    if code.trim().is_empty() || name.trim().is_empty() {
        return Err(Invalid::rule(
            "code",
            "obl.rule.mandate_code_name",
            "a mandate needs a code and a name",
        ));
    }
    let kind = match kind {
        "thematic" => MandateKind::Thematic,
        "country" => MandateKind::Country,
        _ => {
            return Err(Invalid::rule(
                "kind",
                "obl.rule.mandate_kind",
                "thematic or country",
            ))
        }
    };
    if kind == MandateKind::Country && iso3.is_none() {
        return Err(Invalid::rule(
            "iso3",
            "obl.rule.country_mandate_needs_country",
            "a country mandate needs its country",
        ));
    }
    Ok(MandateSpec {
        code: code.trim().to_string(),
        name: name.trim().to_string(),
        kind,
        established: partial_date("established", established)?,
    })
}

/// A mandate holder's (partial) start and end dates.
pub fn parse_holder_dates(start: &str, end: &str) -> Result<(PartialDate, PartialDate), Invalid> {
    Ok((
        partial_date("start_date", start)?,
        partial_date("end_date", end)?,
    ))
}

/// Where a country visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VisitStatus {
    Requested,
    Accepted,
    Completed,
    Declined,
    Postponed,
}

/// The codes of [`VisitStatus`], in order.
pub const VISIT_STATUSES: [&str; 5] = [
    "requested",
    "accepted",
    "completed",
    "declined",
    "postponed",
];

impl VisitStatus {
    pub const ALL: [VisitStatus; 5] = [
        VisitStatus::Requested,
        VisitStatus::Accepted,
        VisitStatus::Completed,
        VisitStatus::Declined,
        VisitStatus::Postponed,
    ];
    pub fn code(self) -> &'static str {
        VISIT_STATUSES[self as usize]
    }
}

/// The typed parts of a country visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFacts {
    pub status: VisitStatus,
    pub requested: PartialDate,
    pub accepted: PartialDate,
    pub start: PartialDate,
    pub end: PartialDate,
}

/// Parse a visit: a known status, (partial) dates, and an end not before the start.
pub fn parse_visit(
    status: &str,
    requested: &str,
    accepted: &str,
    start: &str,
    end: &str,
) -> Result<VisitFacts, Invalid> {
    let status = VisitStatus::ALL
        .into_iter()
        .find(|s| s.code() == status)
        .ok_or_else(|| {
            Invalid::rule("status", "obl.rule.visit_status", "{statuses}")
                .arg("statuses", VISIT_STATUSES.join(", "))
        })?;
    let v = VisitFacts {
        status,
        requested: partial_date("requested", requested)?,
        accepted: partial_date("accepted", accepted)?,
        start: partial_date("visit_start", start)?,
        end: partial_date("visit_end", end)?,
    };
    if let (Some(s), Some(e)) = (v.start.earliest(), v.end.latest()) {
        if e < s {
            return Err(Invalid::rule(
                "visit_end",
                "obl.rule.visit_ends_before_start",
                "the visit ends before it starts",
            ));
        }
    }
    Ok(v)
}

/// The (partial) date since when a State has a standing invitation.
pub fn parse_invitation_since(raw: &str) -> Result<PartialDate, Invalid> {
    partial_date("since", raw)
}

/// Parse a communication: its (partial) sent and reply dates and its reference.
pub fn parse_communication(
    sent: &str,
    reply: &str,
    reference: &str,
) -> Result<(PartialDate, PartialDate), Invalid> {
    let dates = (partial_date("sent", sent)?, partial_date("reply", reply)?);
    if reference.trim().is_empty() {
        return Err(Invalid::rule(
            "reference",
            "obl.rule.communication_reference",
            "a communication needs its reference (e.g. UA KEN 1/2024)",
        ));
    }
    Ok(dates)
}

/// The number of an intervention typed in a form: nothing when empty.
pub fn parse_intervention_id(raw: &str) -> Result<Option<i64>, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| {
        Invalid::rule(
            "intervention_id",
            "obl.rule.intervention_number",
            "the number of an intervention",
        )
    })
}

/// A new mandate holder: a name, and one of the mandates (`known`).
pub fn check_holder(name: &str, known: bool) -> Result<(), Invalid> {
    if name.trim().is_empty() {
        return Err(Invalid::rule(
            "name",
            "obl.rule.holder_name",
            "give the holder's name",
        ));
    }
    if !known {
        return Err(Invalid::rule(
            "mandate",
            "obl.rule.choose_mandate",
            "choose a mandate",
        ));
    }
    Ok(())
}
