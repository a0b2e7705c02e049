//! The rules of a case file (an event with its acts, persons and the rest, as one JSON
//! document whose records refer to each other by case-local references `p1`, `a1`, …):
//! its format, its references (each person named once, every reference to a person or an
//! act resolved) and the files it names that this installation already holds (same size,
//! same SHA-512). The store reads the records and writes them.

use crate::Invalid;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// The format a case file declares.
pub const FORMAT: &str = "dignity-case/1";

/// The declared format must be [`FORMAT`].
pub fn format(raw: &str) -> Result<(), Invalid> {
    if raw == FORMAT {
        return Ok(());
    }
    Err(Invalid::rule("format", "vio.rule.case_format", "expected {format}").arg("format", FORMAT))
}

/// A part of the file that does not read as the record it should be (`reason`: what the
/// JSON reader said).
pub fn unreadable(field: impl Into<Cow<'static, str>>, reason: impl fmt::Display) -> Invalid {
    Invalid::rule(field, "vio.rule.case_unreadable", "{reason}").arg("reason", reason)
}

/// A record of the file (`persons[p1]`, `acts[a1]`) refused by a rule of its own: the
/// refusal (`field: message`) stays whole under the record's name.
pub fn in_record(record: impl Into<Cow<'static, str>>, refusal: impl fmt::Display) -> Invalid {
    Invalid::rule(record, "vio.rule.case_record", "{refusal}").arg("refusal", refusal)
}

/// The case-local references of a file's persons and acts.
#[derive(Debug, Clone, Default)]
pub struct Refs {
    persons: HashSet<String>,
    acts: Vec<String>,
}

impl Refs {
    /// The references of the acts, in the file's order.
    pub fn new(acts: impl IntoIterator<Item = String>) -> Refs {
        Refs {
            persons: HashSet::new(),
            acts: acts.into_iter().collect(),
        }
    }

    /// A person's reference, which no other person of the file may use.
    pub fn add_person(&mut self, r: &str) -> Result<(), Invalid> {
        if !self.persons.insert(r.to_string()) {
            return Err(Invalid::rule(
                "persons",
                "vio.rule.case_reference_twice",
                "reference {reference} used twice",
            )
            .arg("reference", r));
        }
        Ok(())
    }

    /// A reference (in `field`) to a person of the file.
    pub fn person(&self, r: &str, field: impl Into<Cow<'static, str>>) -> Result<(), Invalid> {
        if self.persons.contains(r) {
            return Ok(());
        }
        Err(Invalid::rule(
            field,
            "vio.rule.case_unknown_person",
            "unknown person reference {reference}",
        )
        .arg("reference", format!("{r:?}")))
    }

    /// A reference to an act of the file: its position (none given: `None`).
    pub fn act(&self, r: Option<&str>) -> Result<Option<usize>, Invalid> {
        let Some(r) = r else { return Ok(None) };
        match self.acts.iter().position(|a| a == r) {
            Some(k) => Ok(Some(k)),
            None => Err(Invalid::rule(
                "act",
                "vio.rule.case_unknown_act",
                "unknown act reference {reference}",
            )
            .arg("reference", format!("{r:?}"))),
        }
    }
}

/// An evidence record of the file (reference `r`) whose file this installation holds
/// already (found by its SHA-256): its size and SHA-512 must be the stored file's.
pub fn same_file(r: &str, stored: (u64, &str), declared: (i64, &str)) -> Result<(), Invalid> {
    let (stored_size, stored_sha512) = stored;
    let (size, sha512) = declared;
    if i64::try_from(stored_size).ok() != Some(size) {
        return Err(Invalid::rule(
            format!("evidence[{r}].size_bytes"),
            "vio.rule.case_file_size",
            "the stored file with this SHA-256 has {stored} bytes, not {declared}",
        )
        .arg("stored", stored_size)
        .arg("declared", size));
    }
    if stored_sha512 != sha512.trim().to_ascii_lowercase() {
        return Err(Invalid::rule(
            format!("evidence[{r}].sha512"),
            "vio.rule.case_file_sha512",
            "the stored file with this SHA-256 has another SHA-512",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_file_declares_its_format() {
        assert!(format("dignity-case/1").is_ok());
        let e = format("dignity-case/2").unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("format", "expected dignity-case/1")
        );
    }

    #[test]
    fn references_are_unique_and_resolve() {
        let mut r = Refs::new(["a1".to_string(), "a2".to_string()]);
        r.add_person("p1").unwrap();
        r.add_person("p2").unwrap();
        let e = r.add_person("p1").unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("persons", "reference p1 used twice")
        );
        assert!(r.person("p2", "acts[a1].victim").is_ok());
        let e = r.person("p9", "acts[a1].victim").unwrap_err();
        assert_eq!(e.field, "acts[a1].victim");
        assert_eq!(e.message(), "unknown person reference \"p9\"");
        assert_eq!(r.act(None).unwrap(), None);
        assert_eq!(r.act(Some("a2")).unwrap(), Some(1));
        let e = r.act(Some("a7")).unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("act", "unknown act reference \"a7\"")
        );
    }

    #[test]
    fn a_file_already_held_must_be_the_same_file() {
        let sha = "ab".repeat(64);
        assert!(same_file("e1", (10, &sha), (10, &sha.to_uppercase())).is_ok());
        let e = same_file("e1", (10, &sha), (11, &sha)).unwrap_err();
        assert_eq!(e.field, "evidence[e1].size_bytes");
        assert_eq!(
            e.message(),
            "the stored file with this SHA-256 has 10 bytes, not 11"
        );
        let e = same_file("e1", (10, &sha), (10, &"cd".repeat(64))).unwrap_err();
        assert_eq!(e.field, "evidence[e1].sha512");
    }

    #[test]
    fn a_refused_record_keeps_its_refusal_under_its_name() {
        let inner = Invalid::required("name");
        let e = in_record("persons[p1]", &inner);
        assert_eq!(e.field, "persons[p1]");
        assert_eq!(e.message(), "name: is required");
        let e = unreadable("event", "missing field `title`");
        assert_eq!(e.message(), "missing field `title`");
    }
}
