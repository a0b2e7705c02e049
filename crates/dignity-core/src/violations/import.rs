//! The rules of importing incident lists (CSV, XLSX, KoboToolbox / ODK submissions)
//! through a column mapping: the fields a column can feed, and the refusals of a file, a
//! mapping or a row that name the line and the field. The store reads the rows with these
//! rules and writes a clean file in one transaction.

use crate::Invalid;
use std::borrow::Cow;
use std::fmt;

/// The fields a column can be mapped to.
pub const TARGETS: &[&str] = &[
    "event_key",
    "event_title",
    "event_description",
    "event_start",
    "event_end",
    "country",
    "admin_area",
    "place",
    "violation_status",
    "lens",
    "act_type",
    "act_start",
    "act_end",
    "method",
    "victim_key",
    "victim_name",
    "victim_other_names",
    "victim_sex",
    "victim_birth_date",
    "victim_age_group",
    "victim_nationality",
    "victim_occupation",
    "victim_deceased",
    "perpetrator_name",
    "perpetrator_type",
    "degree",
    "source_name",
    "source_type",
    "reliability",
    "confidentiality",
];

/// The fields a mapping names (columns and defaults) must be [`TARGETS`].
pub fn check_targets<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<(), Invalid> {
    for k in fields {
        if !TARGETS.contains(&k) {
            return Err(Invalid::rule(
                "mapping",
                "vio.rule.import_target",
                "unknown target field {target} in the mapping; known: {known}",
            )
            .arg("target", format!("{k:?}"))
            .arg("known", TARGETS.join(", ")));
        }
    }
    Ok(())
}

/// A file that could not be read (`reason`: what the reader said).
pub fn unreadable_file(reason: impl fmt::Display) -> Invalid {
    Invalid::rule("file", "vio.rule.import_file", "{reason}").arg("reason", reason)
}

/// A file without rows.
pub fn no_rows() -> Invalid {
    Invalid::rule("file", "vio.rule.import_no_rows", "no rows to import")
}

/// A line the reader could not split into fields.
pub fn malformed_line(reason: impl fmt::Display) -> Invalid {
    Invalid::rule(
        "row",
        "vio.rule.import_malformed",
        "malformed line: {reason}",
    )
    .arg("reason", reason)
}

/// A country given neither as a code nor as a known name.
pub fn not_a_country_or_name(value: &str) -> Invalid {
    Invalid::rule(
        "country",
        "vio.rule.import_country",
        "{value} is neither an ISO 3166-1 alpha-3 code nor a country name",
    )
    .arg("value", format!("{value:?}"))
}

/// The victim's name of a row (one row is one act, and every act has a victim).
pub fn victim_name(raw: &str) -> Result<&str, Invalid> {
    if raw.trim().is_empty() {
        return Err(Invalid::rule(
            "victim_name",
            "vio.rule.import_victim",
            "an act needs a victim: the victim's name is empty",
        ));
    }
    Ok(raw)
}

/// A refusal met in a row, said under the row's column (`field`) instead of the record's
/// own field name.
pub fn as_column(field: impl Into<Cow<'static, str>>, refusal: Invalid) -> Invalid {
    Invalid::new(field, refusal.problem)
}

/// A row that was valid when the file was checked but not when it was read again to be
/// written (the file changed in between): the refusal (`field: message`) under its line.
pub fn at_line(line: usize, refusal: impl fmt::Display) -> Invalid {
    Invalid::rule(format!("line {line}"), "vio.rule.import_line", "{refusal}")
        .arg("refusal", refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn a_mapping_names_known_fields_only() {
        assert!(check_targets(["victim_name", "country"]).is_ok());
        assert!(check_targets(TARGETS.iter().copied()).is_ok());
        let e = check_targets(["victim_name", "victim_shoe_size"]).unwrap_err();
        assert_eq!(e.field, "mapping");
        assert!(e.message().starts_with(
            "unknown target field \"victim_shoe_size\" in the mapping; known: event_key,"
        ));
    }

    #[test]
    fn row_refusals_name_their_field() {
        assert_eq!(victim_name(" Amaru ").unwrap(), " Amaru ");
        let e = victim_name("  ").unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            (
                "victim_name",
                "an act needs a victim: the victim's name is empty"
            )
        );
        let e = not_a_country_or_name("Atlantis");
        assert_eq!(e.field, "country");
        assert_eq!(
            e.message(),
            "\"Atlantis\" is neither an ISO 3166-1 alpha-3 code nor a country name"
        );
        assert_eq!(
            malformed_line("bad quote").message(),
            "malformed line: bad quote"
        );
        assert_eq!(no_rows().field, "file");
        assert_eq!(unreadable_file("not UTF-8").message(), "not UTF-8");
        let e = as_column("victim_sex", Invalid::required("sex"));
        assert_eq!(
            (e.field.as_ref(), e.problem),
            ("victim_sex", Problem::Required)
        );
        let e = at_line(7, Invalid::required("name"));
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("line 7", "name: is required")
        );
    }
}
