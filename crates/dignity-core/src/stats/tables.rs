//! Capture-history tables stored for estimation: their name and level.

use crate::invalid::{required_text, Invalid};

/// The longest name of a stored table, in characters.
pub const NAME_MAX: usize = 200;

/// A stored table's name: trimmed, 1 to [`NAME_MAX`] characters.
pub fn parse_name(raw: &str) -> Result<String, Invalid> {
    required_text("name", raw, NAME_MAX)
}

/// The reader's role may not create records at the table's confidentiality level.
pub fn level_not_allowed() -> Invalid {
    Invalid::rule(
        "confidentiality",
        "stats.rule.level_not_allowed",
        "your role cannot create records at this level",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn a_table_name_is_trimmed_and_bounded() {
        assert_eq!(parse_name("  Kosovo lists ").unwrap(), "Kosovo lists");
        assert_eq!(parse_name("   ").unwrap_err(), Invalid::required("name"));
        assert_eq!(
            parse_name(&"é".repeat(NAME_MAX)).unwrap().chars().count(),
            NAME_MAX
        );
        let e = parse_name(&"é".repeat(NAME_MAX + 1)).unwrap_err();
        assert_eq!(e.field, "name");
        assert_eq!(e.problem, Problem::TooLong { max: NAME_MAX });
    }
}
