//! Rules of the protection area: missing persons (issue 5) — the status of a case and the
//! transitions its history may take, the relatives' kinds, whom a case may go to and the
//! families' sharing consent, periods, family access links, and the parsing of the raw
//! form or API input into these types, with refusals that name the field (rule keys
//! `pro.rule.missing.*` in `crates/dignity-web/i18n/protection/*.toml`). No I/O: checks
//! that need the database (does this evidence item exist?) are made by the store, which
//! takes their refusals from here.

use crate::invalid::required_text;
use crate::violations::{date, Period};
use crate::{Invalid, PartialDate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The codes of an enum's `ALL`, in order (for the lists forms and pages show).
macro_rules! codes {
    ($t:ty, $n:expr) => {{
        let mut out = [""; $n];
        let mut i = 0;
        while i < $n {
            out[i] = <$t>::ALL[i].as_str();
            i += 1;
        }
        out
    }};
}

// ---------------------------------------------------------------- status --

/// Where a missing person case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Missing,
    LocatedAlive,
    DeceasedIdentified,
    /// Remains were recovered but not yet identified.
    RemainsUnidentified,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        Self::Missing,
        Self::LocatedAlive,
        Self::DeceasedIdentified,
        Self::RemainsUnidentified,
        Self::Closed,
    ];
    /// The codes, in the order of [`Self::ALL`].
    pub const CODES: [&'static str; 5] = codes!(CaseStatus, 5);

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::LocatedAlive => "located_alive",
            Self::DeceasedIdentified => "deceased_identified",
            Self::RemainsUnidentified => "remains_unidentified",
            Self::Closed => "closed",
        }
    }

    /// The status of a stored code (`None` for a code this version does not know).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// A status as typed in a form or an API body.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        Self::from_code(t).ok_or_else(|| Invalid::not_one_of(field, t, Self::ALL.map(Self::as_str)))
    }

    /// The statuses a case may go to from this one: a missing person may be found alive or
    /// dead or their remains recovered; recovered remains may be identified; a located
    /// person's case is closed; a closed case may be reopened (as missing).
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus::*;
        match self {
            Missing => &[
                LocatedAlive,
                DeceasedIdentified,
                RemainsUnidentified,
                Closed,
            ],
            RemainsUnidentified => &[DeceasedIdentified, Closed],
            LocatedAlive | DeceasedIdentified => &[Closed],
            Closed => &[Missing],
        }
    }

    /// The bucket of the status in the counts.
    pub fn bucket(self) -> Bucket {
        match self {
            Self::Missing | Self::RemainsUnidentified => Bucket::Open,
            Self::LocatedAlive | Self::DeceasedIdentified => Bucket::Located,
            Self::Closed => Bucket::Closed,
        }
    }

    /// Whether a person is known to be dead in this status.
    pub fn identifies_death(self) -> bool {
        self == Self::DeceasedIdentified
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The buckets the counts of cases are grouped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Open,
    Located,
    Closed,
}

impl Bucket {
    pub const fn as_str(self) -> &'static str {
        match self {
            Bucket::Open => "open",
            Bucket::Located => "located",
            Bucket::Closed => "closed",
        }
    }
}

/// A case may go from `from` to `to`: not to the status it has, and only along
/// [`CaseStatus::next`]. The refusal names the field `status`.
pub fn transition(from: CaseStatus, to: CaseStatus) -> Result<(), Invalid> {
    if from == to {
        return Err(Invalid::rule(
            "status",
            "pro.rule.missing.status_unchanged",
            "the case is already {status}",
        )
        .arg("status", to));
    }
    let next = from.next();
    if !next.contains(&to) {
        return Err(Invalid::rule(
            "status",
            "pro.rule.missing.status_transition",
            "a case that is {from} cannot become {to}: from {from} it can become {next}",
        )
        .arg("from", from)
        .arg("to", to)
        .arg("next", codes(next)));
    }
    Ok(())
}

fn codes(s: &[CaseStatus]) -> String {
    s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// A change of status as entered, before the store checks it against the case (its
/// current status, the date of its last change) and the evidence item against the
/// database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub to: CaseStatus,
    /// An evidence item (violations area) backing the change…
    pub evidence_id: Option<i64>,
    /// …or a reference (a DNA report number, a commission decision, a death certificate).
    pub reference: String,
    pub note: String,
}

impl StatusChange {
    /// The status and its backing: a change of status needs evidence (an evidence item or
    /// a reference). The date is parsed by the store's date helpers (a full day, not in the
    /// future) and checked against the history with [`in_order`].
    pub fn parse(
        status: &str,
        evidence_id: Option<i64>,
        reference: &str,
        note: &str,
    ) -> Result<Self, Invalid> {
        let to = CaseStatus::parse("status", status)?;
        let reference = reference.trim().to_string();
        if evidence_id.is_none() && reference.is_empty() {
            return Err(Invalid::rule(
                "evidence",
                "pro.rule.missing.evidence_required",
                "a change of status needs evidence: attach an evidence item or give a reference",
            ));
        }
        Ok(StatusChange {
            to,
            evidence_id,
            reference,
            note: note.trim().to_string(),
        })
    }
}

/// The history is in date order: a change is not dated before the last one (`last_on`,
/// the day the case went to `from`).
pub fn in_order(from: CaseStatus, last_on: NaiveDate, on: NaiveDate) -> Result<(), Invalid> {
    if on < last_on {
        return Err(Invalid::rule(
            "changed_on",
            "pro.rule.missing.out_of_order",
            "out of order: the last change of this case ({from}) is dated {last}; a new status cannot be dated {on}",
        )
        .arg("from", from)
        .arg("last", last_on)
        .arg("on", on));
    }
    Ok(())
}

/// The evidence item named to back a change does not exist.
pub fn no_evidence_item(id: i64) -> Invalid {
    Invalid::rule(
        "evidence",
        "pro.rule.missing.no_evidence_item",
        "no evidence item {id}",
    )
    .arg("id", id)
}

// ----------------------------------------------------------------- cases --

/// The date a missing person was last seen: a partial date, not in the future (a partial
/// date is in the future when even its earliest day is after `today`).
pub fn last_seen(raw: &str, today: NaiveDate) -> Result<PartialDate, Invalid> {
    let d = date("last_seen_date", raw)?;
    if d.earliest().is_some_and(|e| e > today) {
        return Err(Invalid::rule(
            "last_seen_date",
            "pro.rule.missing.last_seen_future",
            "the date last seen is in the future",
        ));
    }
    Ok(d)
}

/// The period named on a case does not exist.
pub fn no_period(id: i64) -> Invalid {
    Invalid::rule("period_id", "pro.rule.missing.no_period", "no period {id}").arg("id", id)
}

/// A conflict or period cases belong to ("Kosovo 1998–2000", 1998-01 to 2000-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodInput {
    pub name: String,
    pub dates: Period,
}

impl PeriodInput {
    /// A name (at most 200 characters) and a start; the end, if given, not before it.
    pub fn parse(name: &str, start: &str, end: &str) -> Result<Self, Invalid> {
        let name = required_text("name", name, 200)?;
        let dates = Period::parse("start_date", start, "end_date", end)?;
        if dates.start.earliest().is_none() {
            return Err(Invalid::required("start_date"));
        }
        Ok(PeriodInput { name, dates })
    }
}

/// Two periods may not share a name (compared trimmed, case-insensitively).
pub fn same_period_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// A period with this name exists.
pub fn period_name_taken() -> Invalid {
    Invalid::rule(
        "name",
        "pro.rule.missing.period_name_taken",
        "a period with this name exists",
    )
}

// ------------------------------------------------------------- families --

/// How a relative (or the person reporting) is related to the missing person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Parent,
    Child,
    Spouse,
    Sibling,
    Grandparent,
    Grandchild,
    OtherRelative,
    Friend,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 9] = [
        Self::Parent,
        Self::Child,
        Self::Spouse,
        Self::Sibling,
        Self::Grandparent,
        Self::Grandchild,
        Self::OtherRelative,
        Self::Friend,
        Self::Other,
    ];
    /// The codes, in the order of [`Self::ALL`].
    pub const CODES: [&'static str; 9] = codes!(Relationship, 9);

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Child => "child",
            Self::Spouse => "spouse",
            Self::Sibling => "sibling",
            Self::Grandparent => "grandparent",
            Self::Grandchild => "grandchild",
            Self::OtherRelative => "other_relative",
            Self::Friend => "friend",
            Self::Other => "other",
        }
    }

    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let t = raw.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == t)
            .ok_or_else(|| Invalid::not_one_of(field, t, Self::ALL.map(Self::as_str)))
    }
}

/// A relative or reporting person as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelativeInput {
    pub name: String,
    pub relationship: Relationship,
    pub contact: String,
}

impl RelativeInput {
    /// A name (at most 300 characters) and one of the relationships; the contact is free.
    pub fn parse(name: &str, relationship: &str, contact: &str) -> Result<Self, Invalid> {
        Ok(RelativeInput {
            name: required_text("relative_name", name, 300)?,
            relationship: Relationship::parse("relationship", relationship)?,
            contact: contact.trim().to_string(),
        })
    }
}

/// The reporting person named on a report is not a relative recorded on this case.
pub fn reporter_not_relative() -> Invalid {
    Invalid::rule(
        "relative_id",
        "pro.rule.missing.reporter_not_relative",
        "the reporting person must be a relative recorded on this case",
    )
}

// ------------------------------------------------------------- consent --

/// Who may receive a case's information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    /// The organisation itself (always allowed: nothing leaves).
    OrganisationOnly,
    /// The authorities' commission on missing persons.
    Commission,
    /// Other organisations (the Red Cross, NGOs, family associations).
    Organisations,
}

impl RecipientKind {
    pub const ALL: [RecipientKind; 3] = [
        Self::OrganisationOnly,
        Self::Commission,
        Self::Organisations,
    ];
    /// The codes, in the order of [`Self::ALL`].
    pub const CODES: [&'static str; 3] = codes!(RecipientKind, 3);
    /// The kinds a case can be passed on to (it leaves the organisation).
    pub const OUTSIDE: [RecipientKind; 2] = [Self::Commission, Self::Organisations];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OrganisationOnly => "organisation_only",
            Self::Commission => "commission",
            Self::Organisations => "organisations",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code.trim())
    }

    /// The kind of recipient of an export (any kind; `organisation_only` keeps it in).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::from_code(raw).ok_or_else(|| {
            Invalid::not_one_of("recipient_kind", raw.trim(), Self::ALL.map(Self::as_str))
        })
    }

    /// The kind of recipient of a share: one outside the organisation.
    pub fn parse_outside(raw: &str) -> Result<Self, Invalid> {
        Self::OUTSIDE
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| {
                Invalid::not_one_of(
                    "recipient_kind",
                    raw.trim(),
                    Self::OUTSIDE.map(Self::as_str),
                )
            })
    }
}

impl fmt::Display for RecipientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recipient outside the organisation is named (trimmed); the organisation itself needs
/// no name.
pub fn recipient(kind: RecipientKind, raw: &str) -> Result<String, Invalid> {
    match kind {
        RecipientKind::OrganisationOnly => Ok(raw.trim().to_string()),
        _ => required_text("recipient", raw, 300),
    }
}

/// Sharing consent of one report: whom the reporting family allows the information to go
/// to. The organisation itself always holds it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(default)]
pub struct Consent {
    /// The authorities' commission on missing persons.
    pub commission: bool,
    /// Other organisations (the Red Cross, NGOs, family associations).
    pub organisations: bool,
}

impl Consent {
    /// Whether information may go to this kind of recipient.
    pub fn allows(&self, kind: RecipientKind) -> bool {
        match kind {
            RecipientKind::OrganisationOnly => true,
            RecipientKind::Commission => self.commission,
            RecipientKind::Organisations => self.organisations,
        }
    }

    /// The one-word summary shown next to the data.
    pub fn summary(&self) -> &'static str {
        match (self.commission, self.organisations) {
            (false, false) => "organisation_only",
            (true, false) => "commission",
            (false, true) => "organisations",
            (true, true) => "commission_and_organisations",
        }
    }

    /// The consent in force for a case with these reports: what every report allows (the
    /// most restrictive wins); a case without a report is kept in the organisation.
    pub fn of_case(reports: impl IntoIterator<Item = Consent>) -> Consent {
        let mut it = reports.into_iter().peekable();
        if it.peek().is_none() {
            return Consent::default();
        }
        it.fold(
            Consent {
                commission: true,
                organisations: true,
            },
            |a, c| Consent {
                commission: a.commission && c.commission,
                organisations: a.organisations && c.organisations,
            },
        )
    }

    /// The kinds of recipient this consent allowed and `after` no longer allows.
    pub fn withdrawn(&self, after: Consent) -> Vec<RecipientKind> {
        RecipientKind::OUTSIDE
            .into_iter()
            .filter(|k| self.allows(*k) && !after.allows(*k))
            .collect()
    }

    /// Information may go to `kind`, or the refusal (field `consent`, which the web layer
    /// answers 403 with the code `consent`).
    pub fn check(&self, kind: RecipientKind) -> Result<(), Invalid> {
        if self.allows(kind) {
            return Ok(());
        }
        // One key per kind of recipient, so that each language names it in a sentence.
        let (key, en) = match kind {
            RecipientKind::Organisations => (
                "pro.rule.missing.consent_refused_organisations",
                "the family's consent does not allow sharing this case with organisations (consent: {consent})",
            ),
            _ => (
                "pro.rule.missing.consent_refused_commission",
                "the family's consent does not allow sharing this case with commission (consent: {consent})",
            ),
        };
        Err(Invalid::rule("consent", key, en).arg("consent", self.summary()))
    }
}

// ---------------------------------------------------------- family links --

/// How long a family access link is valid: 1 to 366 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkDays(u16);

impl LinkDays {
    pub const MAX: u16 = 366;

    pub fn parse(days: i64) -> Result<Self, Invalid> {
        if (1..=Self::MAX as i64).contains(&days) {
            Ok(LinkDays(days as u16))
        } else {
            Err(Invalid::rule(
                "days",
                "pro.rule.missing.link_days",
                "a family link is valid for 1 to {max} days",
            )
            .arg("max", Self::MAX))
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// The last day a link created on `today` is valid.
    pub fn expires(self, today: NaiveDate) -> NaiveDate {
        today + chrono::Days::new(self.0 as u64)
    }
}

/// A family link was asked for a relative who is not on this case.
pub fn link_relative_not_on_case() -> Invalid {
    Invalid::rule(
        "relative_id",
        "pro.rule.missing.link_relative",
        "not a relative on this case",
    )
}

// ---------------------------------------------------------------- counts --

/// What the counts of cases are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountBy {
    Period,
    Region,
    Community,
    /// The year last seen.
    Year,
}

impl CountBy {
    pub const ALL: [CountBy; 4] = [Self::Period, Self::Region, Self::Community, Self::Year];
    /// The codes, in the order of [`Self::ALL`].
    pub const CODES: [&'static str; 4] = codes!(CountBy, 4);

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Period => "period",
            Self::Region => "region",
            Self::Community => "community",
            Self::Year => "year",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|b| b.as_str() == raw)
            .ok_or_else(|| Invalid::not_one_of("by", raw, Self::ALL.map(Self::as_str)))
    }
}

#[cfg(test)]
#[path = "missing_tests.rs"]
mod tests;
