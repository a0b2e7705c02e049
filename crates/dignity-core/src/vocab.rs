//! Rules of the controlled vocabularies' local terms (added and edited by administrators):
//! their labels and their parent. No I/O; the refusals are typed ([`Invalid`], keys
//! `vocab.rule.*` in `crates/dignity-web/i18n/shell/*.toml`).

use crate::invalid::Invalid;

/// A term's label has at most this many characters.
pub const LABEL_MAX: usize = 300;
/// The fields of a term's labels, in the order [`term_labels`] takes them.
pub const LABEL_FIELDS: [&str; 5] = ["label_en", "label_fr", "label_es", "label_ar", "label_ru"];

/// A term's labels in English, French, Spanish, Arabic and Russian: the English one is
/// required, none has more than [`LABEL_MAX`] characters (field `label_en`, …).
pub fn term_labels(labels: [&str; 5]) -> Result<(), Invalid> {
    if labels[0].trim().is_empty() {
        return Err(Invalid::rule(
            "label_en",
            "vocab.rule.label_en_required",
            "the English label is required",
        ));
    }
    for (field, v) in LABEL_FIELDS.into_iter().zip(labels) {
        if v.chars().count() > LABEL_MAX {
            return Err(Invalid::rule(
                field,
                "vocab.rule.label_too_long",
                "at most {max} characters",
            )
            .arg("max", LABEL_MAX));
        }
    }
    Ok(())
}

/// The parent given for a new term is not a term of its vocabulary (field `parent`).
pub fn unknown_parent(code: &str) -> Invalid {
    Invalid::rule(
        "parent",
        "vocab.rule.unknown_parent",
        "no term {code} in this vocabulary",
    )
    .arg("code", code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invalid::assert_rule_keys_in_catalogs;

    #[test]
    fn a_term_needs_an_english_label_and_short_labels() {
        assert!(term_labels(["Torture", "", "", "", ""]).is_ok());
        let e = term_labels([" ", "Torture", "", "", ""]).unwrap_err();
        assert_eq!(e.field, "label_en");
        assert_eq!(e.message(), "the English label is required");
        let long = "л".repeat(301);
        let e = term_labels(["T", "", "", "", &long]).unwrap_err();
        assert_eq!(e.to_string(), "label_ru: at most 300 characters");
        assert!(term_labels(["T", "", "", &"ع".repeat(300), ""]).is_ok());
    }

    #[test]
    fn an_unknown_parent_is_named() {
        assert_eq!(
            unknown_parent("9.9").to_string(),
            "parent: no term 9.9 in this vocabulary"
        );
    }

    #[test]
    fn every_rule_key_is_in_the_catalogs() {
        let n = assert_rule_keys_in_catalogs(include_str!("vocab.rs"), "vocab.rule.", "shell");
        assert_eq!(n, 3);
    }
}
