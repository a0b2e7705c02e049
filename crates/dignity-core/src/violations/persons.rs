//! What a person's record must hold besides its vocabulary codes (checked by the store):
//! a name, a type (individual or organisation), an age group from a short list, a date of
//! death not before the date of birth, and a group size of at least one.

use super::dates::date;
use crate::{Invalid, PartialDate};

/// The longest name of a person, in characters.
pub const NAME_MAX: usize = 300;

/// Age groups of a person.
pub const AGE_GROUPS: &[&str] = &["child", "youth", "adult", "elderly", "unknown"];

/// A person's name: trimmed, 1 to [`NAME_MAX`] characters.
pub fn name(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > NAME_MAX {
        return Err(Invalid::rule(
            "name",
            "vio.rule.person_name",
            "a person needs a name (1 to 300 characters); use \"unknown\" with a description in the notes if the name is not known",
        ));
    }
    Ok(t.to_string())
}

/// An individual or an organisation (a group of people documented together is an
/// individual record with a group size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonType {
    Individual,
    Organisation,
}

impl PersonType {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonType::Individual => "individual",
            PersonType::Organisation => "organisation",
        }
    }

    /// Empty is an individual; the American spelling is accepted.
    pub fn parse(raw: &str) -> Result<PersonType, Invalid> {
        match raw.trim() {
            "" | "individual" => Ok(PersonType::Individual),
            "organisation" | "organization" => Ok(PersonType::Organisation),
            o => Err(Invalid::rule(
                "person_type",
                "vio.rule.person_type",
                "{value}: expected individual or organisation",
            )
            .arg("value", format!("{o:?}"))),
        }
    }
}

/// An age group, one of [`AGE_GROUPS`] (empty: not given).
pub fn age_group(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if !t.is_empty() && !AGE_GROUPS.contains(&t) {
        return Err(Invalid::rule(
            "age_group",
            "vio.rule.age_group",
            "{value}: expected one of {allowed}",
        )
        .arg("value", format!("{t:?}"))
        .arg("allowed", AGE_GROUPS.join(", ")));
    }
    Ok(t.to_string())
}

/// A date of birth and a date of death, each possibly unknown or partial: the death's
/// latest day is not before the birth's earliest day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifespan {
    pub birth: PartialDate,
    pub death: PartialDate,
}

impl Lifespan {
    pub fn parse(birth: &str, death: &str) -> Result<Lifespan, Invalid> {
        let b = date("birth_date", birth)?;
        let d = date("death_date", death)?;
        if let (Some(b0), Some(d1)) = (b.earliest(), d.latest()) {
            if d1 < b0 {
                return Err(Invalid::rule(
                    "death_date",
                    "vio.rule.death_before_birth",
                    "the date of death is before the date of birth",
                ));
            }
        }
        Ok(Lifespan { birth: b, death: d })
    }
}

/// The number of people a group record stands for: at least one (none: not a group).
pub fn group_size(n: Option<i64>) -> Result<Option<i64>, Invalid> {
    if n.is_some_and(|n| n < 1) {
        return Err(Invalid::rule(
            "group_size",
            "vio.rule.group_size",
            "a group has at least one member",
        ));
    }
    Ok(n)
}

/// A nationality that is not the code of a known country.
pub fn not_a_nationality() -> Invalid {
    Invalid::rule(
        "nationality",
        "vio.rule.nationality",
        "not an ISO 3166-1 alpha-3 country code",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_required_and_bounded() {
        assert_eq!(name("  Amaru Quispe ").unwrap(), "Amaru Quispe");
        assert!(name(&"é".repeat(NAME_MAX)).is_ok());
        for bad in [" ".to_string(), "x".repeat(NAME_MAX + 1)] {
            let e = name(&bad).unwrap_err();
            assert_eq!(e.field, "name");
            assert!(e.message().starts_with("a person needs a name"));
        }
    }

    #[test]
    fn types_and_age_groups_come_from_their_lists() {
        assert_eq!(PersonType::parse("").unwrap(), PersonType::Individual);
        assert_eq!(
            PersonType::parse(" organization ").unwrap().as_str(),
            "organisation"
        );
        let e = PersonType::parse("family").unwrap_err();
        assert_eq!(e.field, "person_type");
        assert_eq!(
            e.message(),
            "\"family\": expected individual or organisation"
        );
        for a in AGE_GROUPS {
            assert_eq!(age_group(&format!(" {a} ")).unwrap(), *a);
        }
        assert_eq!(age_group("").unwrap(), "");
        let e = age_group("teen").unwrap_err();
        assert_eq!(e.field, "age_group");
        assert_eq!(
            e.message(),
            "\"teen\": expected one of child, youth, adult, elderly, unknown"
        );
    }

    /// Over a space of partial dates: refused exactly when death comes before birth.
    #[test]
    fn death_is_never_before_birth() {
        let mut space = vec![String::new()];
        for y in [1950, 1990, 2024] {
            space.push(format!("{y}"));
            for m in [1, 6, 12] {
                space.push(format!("{y}-{m:02}"));
                space.push(format!("{y}-{m:02}-15"));
            }
        }
        for b in &space {
            for d in &space {
                let (pb, pd) = (
                    PartialDate::parse(b).unwrap(),
                    PartialDate::parse(d).unwrap(),
                );
                let before = matches!((pb.earliest(), pd.latest()), (Some(x), Some(y)) if y < x);
                match Lifespan::parse(b, d) {
                    Ok(l) => assert!(!before && l.birth == pb && l.death == pd, "{b}..{d}"),
                    Err(e) => assert!(before && e.field == "death_date", "{b}..{d}: {e}"),
                }
            }
        }
        assert_eq!(
            Lifespan::parse("1990-13", "").unwrap_err().field,
            "birth_date"
        );
    }

    #[test]
    fn a_group_has_members_and_a_nationality_is_a_country() {
        assert_eq!(group_size(None).unwrap(), None);
        assert_eq!(group_size(Some(12)).unwrap(), Some(12));
        for n in [0, -3] {
            assert_eq!(group_size(Some(n)).unwrap_err().field, "group_size");
        }
        let e = not_a_nationality();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("nationality", "not an ISO 3166-1 alpha-3 country code")
        );
    }
}
