//! What an act must hold besides its vocabulary codes (checked by the store against the
//! micro-thesauri): a victim and a type.

use crate::Invalid;

/// The victim of an act: every act is done to exactly one person.
pub fn victim(victim_id: Option<i64>) -> Result<i64, Invalid> {
    victim_id.ok_or_else(|| {
        Invalid::rule(
            "victim_id",
            "vio.rule.act_victim",
            "an act needs a victim: choose or add the person it was done to",
        )
    })
}

/// The type of an act (micro-thesaurus 4), already checked against the vocabulary: `None`
/// when none was given.
pub fn act_type(checked: Option<String>) -> Result<String, Invalid> {
    checked.ok_or_else(|| {
        Invalid::rule(
            "act_type",
            "vio.rule.act_type",
            "an act needs a type (micro-thesaurus 4)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_act_needs_a_victim_and_a_type() {
        assert_eq!(victim(Some(4)).unwrap(), 4);
        let e = victim(None).unwrap_err();
        assert_eq!(e.field, "victim_id");
        assert!(e.message().starts_with("an act needs a victim"));
        assert_eq!(act_type(Some("0201".into())).unwrap(), "0201");
        let e = act_type(None).unwrap_err();
        assert_eq!(e.field, "act_type");
        assert_eq!(e.message(), "an act needs a type (micro-thesaurus 4)");
    }
}
