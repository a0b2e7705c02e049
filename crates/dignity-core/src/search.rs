//! Rules of the search area's inputs: saved searches. No I/O; the refusals are typed
//! ([`Invalid`], keys `search.rule.*` in `crates/dignity-web/i18n/search/*.toml`).

use crate::invalid::Invalid;

/// A saved search's name has 1 to this many characters.
pub const SAVED_NAME_MAX: usize = 200;
/// A saved search's query string has at most this many bytes.
pub const SAVED_QUERY_MAX: usize = 4000;

/// A search to save: its name (trimmed, 1 to [`SAVED_NAME_MAX`] characters, field `name`)
/// and its query string (at most [`SAVED_QUERY_MAX`] bytes, field `query`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedSearchInput<'a> {
    pub name: &'a str,
    pub query: &'a str,
}

impl<'a> SavedSearchInput<'a> {
    pub fn parse(name: &'a str, query: &'a str) -> Result<Self, Invalid> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > SAVED_NAME_MAX {
            return Err(Invalid::rule(
                "name",
                "search.rule.saved_name",
                "a saved search needs a name of 1 to {max} characters",
            )
            .arg("max", SAVED_NAME_MAX));
        }
        if query.len() > SAVED_QUERY_MAX {
            return Err(Invalid::rule(
                "query",
                "search.rule.saved_too_long",
                "the search is too long to save",
            ));
        }
        Ok(SavedSearchInput { name, query })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invalid::assert_rule_keys_in_catalogs;

    #[test]
    fn a_saved_search_has_a_name_and_a_bounded_query() {
        let s = SavedSearchInput::parse("  Torture SRB ", "q=torture&country=SRB").unwrap();
        assert_eq!(s.name, "Torture SRB");
        assert_eq!(s.query, "q=torture&country=SRB");
        assert!(SavedSearchInput::parse(&"é".repeat(200), "").is_ok());
        for name in ["", "   ", &"n".repeat(201)] {
            let e = SavedSearchInput::parse(name, "q=x").unwrap_err();
            assert_eq!(e.field, "name");
            assert_eq!(
                e.message(),
                "a saved search needs a name of 1 to 200 characters"
            );
        }
        assert!(SavedSearchInput::parse("n", &"q".repeat(4000)).is_ok());
        let e = SavedSearchInput::parse("n", &"q".repeat(4001)).unwrap_err();
        assert_eq!(e.field, "query");
        assert_eq!(e.message(), "the search is too long to save");
    }

    #[test]
    fn every_rule_key_is_in_the_catalogs() {
        let n = assert_rule_keys_in_catalogs(include_str!("search.rs"), "search.rule.", "search");
        assert_eq!(n, 2);
    }
}
