//! A defender's profile and an attack against them, parsed.

use super::*;

/// The longest organisation name of a profile.
pub const ORGANISATION_MAX: usize = 300;

/// The checked fields of a profile (the rest is free text or the person's, checked by the
/// violations rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub sdg_status: SdgStatus,
    /// Codes of the local vocabulary "area", each once, in the order given.
    pub areas: Vec<String>,
}

/// A profile's SDG status (default `hrd`), its organisation's length and its areas of work,
/// which must be codes of the local vocabulary (`known_areas`, retired ones included).
pub fn parse_profile(
    sdg_status: &str,
    organisation: &str,
    areas: &[String],
    known_areas: &[String],
) -> Result<Profile, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for a in areas.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        if !known_areas.iter().any(|k| k == a) {
            return Err(Invalid::rule(
                "areas",
                "pro.def.not_an_area",
                "{value} is not an area of work",
            )
            .arg("value", format!("{a:?}")));
        }
        if !out.iter().any(|x| x == a) {
            out.push(a.to_string());
        }
    }
    let sdg_status = if sdg_status.trim().is_empty() {
        SdgStatus::Hrd
    } else {
        SdgStatus::parse("sdg_status", sdg_status)?
    };
    if organisation.chars().count() > ORGANISATION_MAX {
        return Err(Invalid::too_long("organisation", ORGANISATION_MAX));
    }
    Ok(Profile {
        sdg_status,
        areas: out,
    })
}

/// What an attack's form or API call gives, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttackRaw<'a> {
    /// Overrides the type of act of the attack type (micro-thesaurus 4).
    pub act_type: &'a str,
    pub victim_status: &'a str,
    pub perpetrator_category: &'a str,
    pub motive: &'a str,
    pub date: &'a str,
}

/// The checked fields of an attack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackFields {
    /// The HURIDOCS type of act recorded on the act.
    pub act_type: String,
    /// `None`: the defender's own status.
    pub victim_status: Option<SdgStatus>,
    pub perpetrator_category: PerpetratorCategory,
    pub motive: Motive,
    /// The day of the attack, not in the future.
    pub date: NaiveDate,
}

/// An attack type that is not an active term of the local vocabulary "attack".
pub fn unknown_attack_type() -> Invalid {
    Invalid::rule(
        "attack_type",
        "pro.def.attack_type",
        "choose a type of attack",
    )
}

/// An attack's fields: the type of act (the override, else `term_act_type`, the one its
/// attack type maps to), the SDG fields (perpetrator and motive default to unknown) and the
/// date (a full date, not after `today`).
pub fn parse_attack(
    raw: &AttackRaw,
    term_act_type: &str,
    today: NaiveDate,
) -> Result<AttackFields, Invalid> {
    let act_type = match raw.act_type.trim() {
        "" => term_act_type.trim(),
        t => t,
    };
    if act_type.is_empty() {
        return Err(Invalid::rule(
            "act_type",
            "pro.def.no_act_type",
            "this type of attack has no type of act: choose one",
        ));
    }
    let victim_status = match raw.victim_status.trim() {
        "" => None,
        s => Some(SdgStatus::parse("victim_status", s)?),
    };
    fn or_unknown(s: &str) -> &str {
        if s.trim().is_empty() {
            "unknown"
        } else {
            s
        }
    }
    let perpetrator_category =
        PerpetratorCategory::parse("perpetrator_category", or_unknown(raw.perpetrator_category))?;
    let motive = Motive::parse("motive", or_unknown(raw.motive))?;
    let date = not_future("date", day("date", raw.date)?, today)?;
    Ok(AttackFields {
        act_type: act_type.to_string(),
        victim_status,
        perpetrator_category,
        motive,
        date,
    })
}
