//! Drafts of unfinished entries: each belongs to the signed-in user who saved it.

use crate::Invalid;

/// The owner of a draft: the signed-in user saving it (a caller without an account, such
/// as the system or an API token of no user, keeps no drafts).
pub fn owner(user_id: Option<i64>) -> Result<i64, Invalid> {
    user_id.ok_or_else(|| {
        Invalid::rule(
            "user",
            "vio.rule.draft_owner",
            "drafts belong to a signed-in user",
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn drafts_belong_to_a_user() {
        assert_eq!(super::owner(Some(5)).unwrap(), 5);
        let e = super::owner(None).unwrap_err();
        assert_eq!(
            (e.field.as_ref(), e.message().as_str()),
            ("user", "drafts belong to a signed-in user")
        );
    }
}
