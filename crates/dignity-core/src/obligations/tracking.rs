//! Implementation tracking as users enter it: clusters of recommendations, institutions,
//! planned actions, assessments of the implementation status, internal notes — the raw
//! fields parsed into typed values, refusals naming the field.

use super::*;
use crate::{Confidentiality, Invalid};

/// A text that must say something (trimmed).
pub fn not_empty<'a>(field: &'static str, raw: &'a str) -> Result<&'a str, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Invalid::rule(
            field,
            "obl.rule.not_empty",
            "must not be empty",
        ));
    }
    Ok(t)
}

/// How the recommendations of a cluster are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterBasis {
    /// Every recommendation with a theme.
    Theme,
    /// Every recommendation about a group of affected persons.
    Affected,
    /// Every recommendation linked to an SDG target.
    Sdg,
    /// Chosen one by one.
    Manual,
}

impl ClusterBasis {
    pub const ALL: [ClusterBasis; 4] = [
        ClusterBasis::Theme,
        ClusterBasis::Affected,
        ClusterBasis::Sdg,
        ClusterBasis::Manual,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ClusterBasis::Theme => "theme",
            ClusterBasis::Affected => "affected",
            ClusterBasis::Sdg => "sdg",
            ClusterBasis::Manual => "manual",
        }
    }
}

/// A new cluster: its name, basis and (unless manual) the value its members share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    pub name: String,
    pub basis: ClusterBasis,
    /// The theme, group or SDG target (empty for a manual cluster).
    pub value: String,
}

/// Parse a cluster: a name, a known basis, and a value unless the cluster is manual.
pub fn parse_cluster(name: &str, basis: &str, value: &str) -> Result<ClusterSpec, Invalid> {
    not_empty("name", name)?;
    let basis = ClusterBasis::ALL
        .into_iter()
        .find(|b| b.code() == basis)
        .ok_or_else(|| {
            Invalid::rule(
                "basis",
                "obl.rule.cluster_basis",
                "theme, affected, sdg or manual",
            )
        })?;
    if basis != ClusterBasis::Manual && value.trim().is_empty() {
        return Err(Invalid::rule(
            "basis_value",
            "obl.rule.basis_value",
            "which theme, group or SDG target",
        ));
    }
    Ok(ClusterSpec {
        name: name.to_string(),
        basis,
        value: value.to_string(),
    })
}

/// The kinds of institutions responsible for implementing recommendations.
pub const INSTITUTION_KINDS: [&str; 6] = [
    "ministry",
    "agency",
    "nhri",
    "parliament",
    "judiciary",
    "other",
];

/// Parse an institution: a name (trimmed) and one of [`INSTITUTION_KINDS`].
pub fn parse_institution<'a>(name: &'a str, kind: &str) -> Result<&'a str, Invalid> {
    let name = not_empty("institution", name)?;
    if !INSTITUTION_KINDS.contains(&kind) {
        return Err(
            Invalid::rule("kind", "obl.rule.institution_kind", "{kinds}")
                .arg("kinds", INSTITUTION_KINDS.join(", ")),
        );
    }
    Ok(name)
}

/// Parse a planned action: a description and a (partial, possibly unknown) target date.
pub fn parse_action(description: &str, target_date: &str) -> Result<PartialDate, Invalid> {
    not_empty("description", description)?;
    PartialDate::parse(target_date).map_err(|e| Invalid::parse("target_date", e))
}

/// The typed parts of an assessment of a recommendation's implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentFacts {
    pub status: ImplementationStatus,
    pub assessed_on: NaiveDate,
    pub level: Confidentiality,
}

/// Parse an assessment: a known status, a full date not after `today`, a confidentiality
/// level (internal when not given).
pub fn parse_assessment(
    status: &str,
    assessed_on: &str,
    confidentiality: Option<&str>,
    today: NaiveDate,
) -> Result<AssessmentFacts, Invalid> {
    let status = ImplementationStatus::parse(status).ok_or_else(|| {
        Invalid::rule(
            "status",
            "obl.rule.implementation_status",
            "not_started, in_progress, partially_implemented, implemented or not_implemented",
        )
    })?;
    let day = NaiveDate::parse_from_str(assessed_on.trim(), "%Y-%m-%d").map_err(|_| {
        Invalid::rule(
            "assessed_on",
            "obl.rule.expected_date",
            "expected a date YYYY-MM-DD",
        )
    })?;
    if day > today {
        return Err(Invalid::rule(
            "assessed_on",
            "obl.rule.assessed_in_future",
            "an assessment cannot be dated in the future",
        ));
    }
    let level = confidentiality_level(confidentiality.unwrap_or("internal"))?;
    Ok(AssessmentFacts {
        status,
        assessed_on: day,
        level,
    })
}

/// A confidentiality level by its code (case, spaces and dashes ignored).
pub fn confidentiality_level(raw: &str) -> Result<Confidentiality, Invalid> {
    raw.parse().map_err(|_: String| {
        let got = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Invalid::rule(
            "confidentiality",
            "obl.rule.confidentiality",
            "unknown confidentiality level {value}: expected public, internal, confidential or strictly_confidential",
        )
        .arg("value", format!("{got:?}"))
    })
}

/// A recommendation joins only a cluster of its own State's recommendations.
pub fn check_same_state_cluster(same_state: bool) -> Result<(), Invalid> {
    if same_state {
        return Ok(());
    }
    Err(Invalid::rule(
        "cluster",
        "obl.rule.cluster_other_state",
        "choose a cluster of this State's recommendations",
    ))
}
