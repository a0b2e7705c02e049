//! The special procedures as users enter them: mandates and their holders, country
//! visits, standing invitations, communications — raw fields parsed into typed values,
//! refusals naming the field.

use super::*;
use crate::Invalid;
use crate::Precision;

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

/// The resolution that established a mandate, as its body numbers it (`CHR res. 1985/33`,
/// `HRC res. 16/9`, `ECOSOC res. 1982/35`, `GA res. …`); empty: not known (never guessed).
pub fn parse_resolution(raw: &str) -> Result<Option<String>, Invalid> {
    let r = raw.trim();
    if r.is_empty() {
        return Ok(None);
    }
    if crate::refdata::is_resolution(r) {
        Ok(Some(r.to_string()))
    } else {
        Err(Invalid::rule(
            "resolution",
            "obl.rule.resolution",
            "the body and number, e.g. HRC res. 5/1 or CHR res. 1985/33",
        ))
    }
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
    // Requested, then accepted, then carried out: a later step is not dated before an
    // earlier one.
    let steps = [
        ("requested", v.requested),
        ("accepted", v.accepted),
        ("visit_start", v.start),
    ];
    for (i, (field, later)) in steps.iter().enumerate().skip(1) {
        for (_, earlier) in &steps[..i] {
            if let (Some(e), Some(l)) = (earlier.earliest(), later.latest()) {
                if l < e {
                    return Err(Invalid::rule(
                        *field,
                        "obl.rule.visit_steps_in_order",
                        "requested, accepted and carried out in that order",
                    ));
                }
            }
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

/// The kind of a communication, as the Special Procedures type them (their communications
/// reports and database): an urgent appeal, an allegation letter, an other letter (about
/// legislation, policy or practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CommunicationType {
    #[serde(rename = "UA")]
    UrgentAppeal,
    #[serde(rename = "AL")]
    AllegationLetter,
    #[serde(rename = "OL")]
    OtherLetter,
}

/// The codes of [`CommunicationType`], in order (the Special Procedures' own: `UA`, `AL`, `OL`).
pub const COMMUNICATION_TYPES: [&str; 3] = ["UA", "AL", "OL"];

impl CommunicationType {
    pub const ALL: [CommunicationType; 3] = [
        CommunicationType::UrgentAppeal,
        CommunicationType::AllegationLetter,
        CommunicationType::OtherLetter,
    ];
    pub fn code(self) -> &'static str {
        COMMUNICATION_TYPES[self as usize]
    }
}

/// Whether the State replied to a communication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyStatus {
    /// No reply received.
    None,
    /// A reply received.
    Received,
    /// A partial or interim reply received (the State said more would follow).
    Partial,
}

/// The codes of [`ReplyStatus`], in order.
pub const REPLY_STATUSES: [&str; 3] = ["none", "received", "partial"];

impl ReplyStatus {
    pub const ALL: [ReplyStatus; 3] = [
        ReplyStatus::None,
        ReplyStatus::Received,
        ReplyStatus::Partial,
    ];
    pub fn code(self) -> &'static str {
        REPLY_STATUSES[self as usize]
    }
    /// Whether any reply (full, partial or interim) came.
    pub fn replied(self) -> bool {
        self != ReplyStatus::None
    }
}

/// The typed parts of a communication beyond its reference and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommunicationKind {
    /// `None` for a communication recorded before types were kept (shown as not recorded).
    pub comm_type: Option<CommunicationType>,
    pub reply_status: ReplyStatus,
}

/// Parse a communication's type and reply status. The type is `UA`, `AL` or `OL` (empty:
/// not recorded); the reply status `none`, `received` or `partial`, or empty to follow the
/// reply date (a date: received; none: no reply). A reply date with "no reply", or a reply
/// dated before the communication was sent, is refused naming the field.
pub fn parse_communication_kind(
    comm_type: &str,
    reply_status: &str,
    sent: &str,
    reply: &str,
) -> Result<CommunicationKind, Invalid> {
    let t = comm_type.trim();
    let comm_type = if t.is_empty() {
        None
    } else {
        Some(
            CommunicationType::ALL
                .into_iter()
                .find(|c| c.code().eq_ignore_ascii_case(t))
                .ok_or_else(|| {
                    Invalid::rule("comm_type", "obl.rule.communication_type", "{types}")
                        .arg("types", COMMUNICATION_TYPES.join(", "))
                })?,
        )
    };
    let sent = partial_date("sent", sent)?;
    let reply = partial_date("reply", reply)?;
    let has_reply_date = reply.precision() != Precision::Unknown;
    let s = reply_status.trim();
    let reply_status = if s.is_empty() {
        if has_reply_date {
            ReplyStatus::Received
        } else {
            ReplyStatus::None
        }
    } else {
        ReplyStatus::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                Invalid::rule("reply_status", "obl.rule.reply_status", "{statuses}")
                    .arg("statuses", REPLY_STATUSES.join(", "))
            })?
    };
    if reply_status == ReplyStatus::None && has_reply_date {
        return Err(Invalid::rule(
            "reply_status",
            "obl.rule.reply_date_without_reply",
            "a reply date means a reply was received",
        ));
    }
    if let (Some(s), Some(r)) = (sent.earliest(), reply.latest()) {
        if r < s {
            return Err(Invalid::rule(
                "reply",
                "obl.rule.reply_before_sent",
                "the reply is dated before the communication was sent",
            ));
        }
    }
    Ok(CommunicationKind {
        comm_type,
        reply_status,
    })
}

/// The State's reply deadline as the communications state it: 60 days from the day the
/// communication was sent; only a communication sent on a known day has one.
pub fn communication_reply_due(sent: &PartialDate) -> Option<NaiveDate> {
    match sent.precision() {
        Precision::Exact => sent.earliest().map(reply_due),
        _ => None,
    }
}

/// Where a communication's reply deadline stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum ReplyDeadline {
    /// The sent day is not known to the day: no deadline can be computed.
    Unknown,
    /// A reply (full, partial or interim) came.
    Replied { due: NaiveDate },
    /// No reply yet and the deadline has not passed; `days_left` 0 = due today.
    Open { due: NaiveDate, days_left: i64 },
    /// No reply and the deadline passed `days` ago.
    Overdue { due: NaiveDate, days: i64 },
}

impl ReplyDeadline {
    /// `unknown`, `replied`, `open` or `overdue`.
    pub fn code(&self) -> &'static str {
        match self {
            ReplyDeadline::Unknown => "unknown",
            ReplyDeadline::Replied { .. } => "replied",
            ReplyDeadline::Open { .. } => "open",
            ReplyDeadline::Overdue { .. } => "overdue",
        }
    }
    pub fn due(&self) -> Option<NaiveDate> {
        match *self {
            ReplyDeadline::Unknown => None,
            ReplyDeadline::Replied { due }
            | ReplyDeadline::Open { due, .. }
            | ReplyDeadline::Overdue { due, .. } => Some(due),
        }
    }
}

/// A communication's reply deadline on `today`: "overdue" only when the 60 days have passed
/// and no reply (full, partial or interim) was received.
pub fn reply_deadline(sent: &PartialDate, status: ReplyStatus, today: NaiveDate) -> ReplyDeadline {
    let Some(due) = communication_reply_due(sent) else {
        return ReplyDeadline::Unknown;
    };
    if status.replied() {
        return ReplyDeadline::Replied { due };
    }
    match reply_clock(due, None, today) {
        ReplyClock::Overdue { days } => ReplyDeadline::Overdue { due, days },
        ReplyClock::Running { days_left } => ReplyDeadline::Open { due, days_left },
        ReplyClock::Replied { .. } => ReplyDeadline::Replied { due },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn sent(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn the_reply_deadline_is_sixty_days_from_the_sent_day() {
        assert_eq!(
            communication_reply_due(&sent("2024-01-05")),
            Some(day("2024-03-05"))
        );
        // Across a leap day and a year end.
        assert_eq!(
            communication_reply_due(&sent("2023-12-31")),
            Some(day("2024-02-29"))
        );
        assert_eq!(
            communication_reply_due(&sent("2025-11-15")),
            Some(day("2026-01-14"))
        );
        // No deadline without the day it was sent.
        for s in ["2024-01", "2024", "~2024-01-05", ""] {
            assert_eq!(communication_reply_due(&sent(s)), None, "{s}");
            assert_eq!(
                reply_deadline(&sent(s), ReplyStatus::None, day("2030-01-01")),
                ReplyDeadline::Unknown
            );
        }
    }

    #[test]
    fn overdue_only_past_the_deadline_with_no_reply() {
        let s = sent("2024-01-05");
        let due = day("2024-03-05");
        assert_eq!(
            reply_deadline(&s, ReplyStatus::None, day("2024-03-05")),
            ReplyDeadline::Open { due, days_left: 0 }
        );
        assert_eq!(
            reply_deadline(&s, ReplyStatus::None, day("2024-02-04")),
            ReplyDeadline::Open { due, days_left: 30 }
        );
        assert_eq!(
            reply_deadline(&s, ReplyStatus::None, day("2024-03-06")),
            ReplyDeadline::Overdue { due, days: 1 }
        );
        // A reply, partial or interim included, is never overdue, late or not.
        for st in [ReplyStatus::Received, ReplyStatus::Partial] {
            let d = reply_deadline(&s, st, day("2025-01-01"));
            assert_eq!(d, ReplyDeadline::Replied { due });
            assert_eq!(d.code(), "replied");
        }
    }

    #[test]
    fn communication_types_and_reply_statuses_parse_or_name_the_field() {
        let k = parse_communication_kind("UA", "", "2024-01-05", "").unwrap();
        assert_eq!(k.comm_type, Some(CommunicationType::UrgentAppeal));
        assert_eq!(k.reply_status, ReplyStatus::None);
        // A reply date alone means a reply was received.
        let k = parse_communication_kind("al", "", "2024-01-05", "2024-02-01").unwrap();
        assert_eq!(k.comm_type, Some(CommunicationType::AllegationLetter));
        assert_eq!(k.reply_status, ReplyStatus::Received);
        let k = parse_communication_kind("OL", "partial", "2024-01-05", "").unwrap();
        assert_eq!(k.reply_status, ReplyStatus::Partial);
        assert_eq!(
            parse_communication_kind("", "", "", "").unwrap().comm_type,
            None
        );
        let field = |t: &str, st: &str, s: &str, r: &str| {
            parse_communication_kind(t, st, s, r)
                .unwrap_err()
                .field
                .to_string()
        };
        assert_eq!(field("XX", "", "2024-01-05", ""), "comm_type");
        assert_eq!(field("UA", "maybe", "2024-01-05", ""), "reply_status");
        assert_eq!(
            field("UA", "none", "2024-01-05", "2024-02-01"),
            "reply_status"
        );
        assert_eq!(field("UA", "", "2024-01-05", "2023-12-01"), "reply");
        assert_eq!(field("UA", "", "Jan", ""), "sent");
    }
}
