//! Optimistic concurrency of the edit forms: a form carries the version of the record it
//! was opened on, and a save on a record that changed since is refused (never silently
//! overwriting someone else's change). The store computes and compares the versions.

use crate::Invalid;

/// The field a refused stale save names.
pub const VERSION_FIELD: &str = "version";

/// Whether a form opened on version `expected` may save over the record now at `current`:
/// an empty `expected` (an API client that does not send it) skips the check.
pub fn check_version(expected: &str, current: &str) -> Result<(), Invalid> {
    let expected = expected.trim();
    if expected.is_empty() || expected == current {
        Ok(())
    } else {
        Err(Invalid::rule(
            VERSION_FIELD,
            "vio.rule.stale_form",
            "someone else changed this record after you opened the form; nothing was saved. \
             Open the record again to see their change, then make yours.",
        ))
    }
}

/// Whether a refusal is a stale save (answered as a conflict, not as a bad value).
pub fn is_stale(e: &Invalid) -> bool {
    matches!(
        e.problem,
        crate::Problem::Rule {
            key: "vio.rule.stale_form",
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_on_a_changed_record_is_refused_unless_no_version_was_sent() {
        assert!(check_version("abc", "abc").is_ok());
        assert!(check_version(" abc ", "abc").is_ok());
        assert!(check_version("", "abc").is_ok());
        let e = check_version("abd", "abc").unwrap_err();
        assert!(is_stale(&e));
        assert!(e.message().starts_with("someone else changed this record"));
    }
}
