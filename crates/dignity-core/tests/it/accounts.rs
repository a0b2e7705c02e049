//! Accounts: usernames, roles, passwords and token names are accepted or refused naming the
//! field, whatever text they hold; a stored username parses back to itself.

use crate::{config, text};
use dignity_core::accounts::{
    account_role, new_password, token_name, Username, TOKEN_NAME_MAX, USERNAME_MAX, USERNAME_MIN,
};
use dignity_core::password::{check_policy, MIN_LENGTH};
use dignity_core::Role;
use proptest::prelude::*;

/// A Turkish officer's username keeps its letters: `İlker` is stored as `ilker`, and is
/// found again whichever way it is typed at sign-in.
#[test]
fn a_turkish_dotted_capital_i_is_stored_as_i() {
    let u = Username::parse(" İlker ").unwrap();
    assert_eq!(u.as_str(), "ilker");
    assert_eq!(u.as_str().chars().count(), 5);
    for typed in ["İlker", "ILKER", "ilker", " İLKER"] {
        assert_eq!(
            dignity_core::accounts::username_key(typed),
            "ilker",
            "{typed}"
        );
    }
    // Dotless ı is another letter and stays one.
    assert_eq!(Username::parse("Işık").unwrap().as_str(), "işık");
}

proptest! {
    #![proptest_config(config(256))]

    /// A username is 2 to 64 letters, digits, `.`, `_` or `-` (trimmed), stored in lower
    /// case (`İ` as `i`); anything else is refused naming `username`.
    #[test]
    fn usernames_parse_or_name_the_field(s in prop_oneof![text(), "[ ]?[a-zA-Z0-9._-]{0,70}[ ]?", "\\PC{1,66}"]) {
        let t = s.trim();
        let good = (USERNAME_MIN..=USERNAME_MAX).contains(&t.chars().count())
            && t.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
        match Username::parse(&s) {
            Ok(u) => {
                prop_assert!(good);
                // Lower case; the Turkish capital dotted I is written `i`.
                prop_assert_eq!(u.as_str(), t.replace('İ', "i").to_lowercase());
            }
            Err(e) => {
                prop_assert!(!good);
                prop_assert_eq!(&e.field, "username");
            }
        }
    }

    /// A new password has at least 12 characters and at most 1024 bytes; the refusal names
    /// `password`.
    #[test]
    fn passwords_follow_the_policy(s in prop_oneof![text(), "\\PC{10,14}", "[a-z]{1020,1030}"]) {
        let good = s.chars().count() >= MIN_LENGTH && s.len() <= 1024;
        prop_assert_eq!(check_policy(&s).is_ok(), good);
        match new_password(&s) {
            Ok(p) => prop_assert!(good && p == s),
            Err(e) => prop_assert!(!good && e.field == "password"),
        }
    }

    /// A token name is 1 to 100 characters, trimmed; every role but `public` may hold an
    /// account.
    #[test]
    fn token_names_and_roles(s in text()) {
        match token_name(&s) {
            Ok(n) => prop_assert!(n == s.trim() && !n.is_empty() && n.chars().count() <= TOKEN_NAME_MAX),
            Err(e) => prop_assert_eq!(&e.field, "name"),
        }
        if let Ok(r) = s.parse::<Role>() {
            prop_assert_eq!(account_role(r).is_ok(), r != Role::Public);
        }
    }

    /// Any accepted username, stored, parses back to itself, `İ` (U+0130) included: it is
    /// stored as `i` (not `i` and a combining dot, which the rule would then refuse).
    #[test]
    fn stored_usernames_round_trip(
        s in prop_oneof!["\\PC{2,64}", "[a-zA-Z0-9._é-]{2,64}", "[İIiıa]{2,64}"],
    ) {
        if let Ok(u) = Username::parse(&s) {
            prop_assert_eq!(Username::parse(u.as_str()), Ok(u.clone()));
        }
    }
}
