//! A State's ratification of an instrument as a user or an import sets it: the raw fields
//! parsed into a typed record (status, partial dates, how consent was given), with the
//! rules that tie them together. Errors name the field; their English text is the one the
//! API and the command line have always shown.

use super::*;
use crate::refdata::TreatyStatus;
use crate::Invalid;

pub use crate::refdata::ConsentKind;

/// The parsed dates and status of one ratification (the free texts — reservations,
/// declarations, note — are stored as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatificationFacts {
    pub status: TreatyStatus,
    pub signature: PartialDate,
    pub consent: PartialDate,
    pub consent_kind: Option<ConsentKind>,
}

/// The columns of a ratifications file (`dignity import ratifications`).
pub const RATIFICATION_COLUMNS: &[&str] = &[
    "iso3",
    "instrument",
    "status",
    "signature",
    "consent",
    "consent_kind",
    "reservations",
    "declarations",
    "complaints_declaration",
    "inquiry_accepted",
    "note",
];

/// The raw fields of a ratification, as typed in the form, the API body or an import row.
#[derive(Debug, Clone, Copy, Default)]
pub struct RatificationRaw<'a> {
    pub status: &'a str,
    pub signature: &'a str,
    pub consent: &'a str,
    pub consent_kind: &'a str,
}

fn partial_date(field: &'static str, raw: &str) -> Result<PartialDate, Invalid> {
    PartialDate::parse(raw).map_err(|e| Invalid::parse(field, e))
}

/// A date of an instrument's life before the instrument was adopted.
fn not_before_adoption(
    field: &'static str,
    date: &PartialDate,
    adopted: NaiveDate,
) -> Result<(), Invalid> {
    match date.latest() {
        Some(d) if d < adopted => Err(Invalid::rule(
            field,
            "obl.rule.before_adoption",
            "{field}: {date} is before the adoption of the instrument ({adopted})",
        )
        .arg("field", field)
        .arg("date", date)
        .arg("adopted", adopted)),
        _ => Ok(()),
    }
}

/// Parse a ratification of an instrument adopted on `adopted`: a known status, partial
/// dates not before the adoption, consent not before signature, a party with a consent
/// date, a signatory's signature that is a date, a known kind of consent.
pub fn parse_ratification(
    raw: &RatificationRaw,
    adopted: NaiveDate,
) -> Result<RatificationFacts, Invalid> {
    let status = TreatyStatus::from_code(raw.status.trim()).ok_or_else(|| {
        Invalid::rule(
            "status",
            "obl.rule.treaty_status",
            "expected party, signatory, none or denounced",
        )
    })?;
    let signature = partial_date("signature", raw.signature)?;
    let consent = partial_date("consent", raw.consent)?;
    not_before_adoption("signature", &signature, adopted)?;
    not_before_adoption("consent", &consent, adopted)?;
    if let (Some(s), Some(c)) = (signature.earliest(), consent.latest()) {
        if c < s {
            return Err(Invalid::rule(
                "consent",
                "obl.rule.consent_before_signature",
                "ratified ({consent}) before it was signed ({signature})",
            )
            .arg("consent", consent)
            .arg("signature", signature));
        }
    }
    if matches!(status, TreatyStatus::Party | TreatyStatus::Denounced)
        && consent == PartialDate::UNKNOWN
    {
        return Err(Invalid::rule(
            "consent",
            "obl.rule.party_needs_consent",
            "a party needs the date (or year) of ratification, accession or succession",
        ));
    }
    if status == TreatyStatus::Signatory
        && signature == PartialDate::UNKNOWN
        && !raw.signature.trim().is_empty()
    {
        return Err(Invalid::rule(
            "signature",
            "obl.rule.signature_not_a_date",
            "not a date",
        ));
    }
    let consent_kind = ConsentKind::parse(raw.consent_kind)?;
    Ok(RatificationFacts {
        status,
        signature,
        consent,
        consent_kind,
    })
}

/// Whether an [`Invalid`] came from a rule of this module (used by the tests).
#[cfg(test)]
pub(super) fn rule_key(e: &Invalid) -> Option<&'static str> {
    match e.problem {
        crate::Problem::Rule { key, .. } => Some(key),
        _ => None,
    }
}
