//! Rules of the accounts area: users, roles, passwords and sessions inputs, typed and
//! parsed (no I/O).

use crate::invalid::{required_text, Invalid};
use crate::password::{self, PasswordError};
use crate::Role;

/// Usernames have 2 to 64 characters.
pub const USERNAME_MIN: usize = 2;
pub const USERNAME_MAX: usize = 64;
/// API token names have 1 to 100 characters.
pub const TOKEN_NAME_MAX: usize = 100;

/// A typed username as it is stored and looked up: trimmed and in lower case, the capital
/// dotted I (`İ`, U+0130) folded to `i` as Turkish writes it. (Unicode's lower case of `İ`,
/// without a locale, is `i` and a combining dot above, which is no letter: an account
/// stored so could never be named again by its own rule.)
pub fn username_key(raw: &str) -> String {
    raw.trim().replace('\u{130}', "i").to_lowercase()
}

/// A username as accounts are stored under it: trimmed, lowercase, 2 to 64 letters,
/// digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Check a username (field `username`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let n = raw.trim();
        let len = n.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
            return Err(Invalid::rule(
                "username",
                "accounts.rule.username_length",
                "must have {min} to {max} characters",
            )
            .arg("min", USERNAME_MIN)
            .arg("max", USERNAME_MAX));
        }
        if !n
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Invalid::rule(
                "username",
                "accounts.rule.username_chars",
                "may contain only letters, digits, '.', '_' and '-'",
            ));
        }
        Ok(Username(username_key(n)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// The role of an account: any role but `public`, the role of anonymous visitors (field
/// `role`).
pub fn account_role(role: Role) -> Result<Role, Invalid> {
    if role == Role::Public {
        return Err(Invalid::rule(
            "role",
            "accounts.rule.public_role",
            "public is the role of anonymous visitors, not of an account",
        ));
    }
    Ok(role)
}

/// A new password under the policy of [`password::check_policy`] (field `password`).
pub fn new_password(raw: &str) -> Result<&str, Invalid> {
    match password::check_policy(raw) {
        Ok(()) => Ok(raw),
        Err(PasswordError::TooShort(min)) => Err(Invalid::rule(
            "password",
            "accounts.rule.password_too_short",
            "the password must have at least {min} characters",
        )
        .arg("min", min)),
        Err(PasswordError::TooLong) => Err(Invalid::rule(
            "password",
            "accounts.rule.password_too_long",
            "the password is too long",
        )),
    }
}

/// The name of an API token: trimmed, 1 to [`TOKEN_NAME_MAX`] characters (field `name`).
pub fn token_name(raw: &str) -> Result<String, Invalid> {
    required_text("name", raw, TOKEN_NAME_MAX)
}

/// Team names have 1 to 100 characters.
pub const TEAM_NAME_MAX: usize = 100;

/// The name of a team: trimmed, 1 to [`TEAM_NAME_MAX`] characters (field `name`).
pub fn team_name(raw: &str) -> Result<&str, Invalid> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > TEAM_NAME_MAX {
        return Err(Invalid::rule(
            "name",
            "accounts.rule.team_name",
            "a team name has 1 to {max} characters",
        )
        .arg("max", TEAM_NAME_MAX));
    }
    Ok(n)
}

/// A need-to-know list naming a user or team that does not exist (field `need_to_know`).
pub fn unknown_principal() -> Invalid {
    Invalid::rule(
        "need_to_know",
        "accounts.rule.unknown_principal",
        "unknown user or team",
    )
}

/// A membership of a team or user that does not exist (field `team`).
pub fn unknown_member() -> Invalid {
    Invalid::rule(
        "team",
        "accounts.rule.unknown_member",
        "unknown team or user",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Problem;

    #[test]
    fn usernames_are_trimmed_lowercased_and_bounded() {
        assert_eq!(
            Username::parse("  Ana.Lopez_2 ").unwrap().as_str(),
            "ana.lopez_2"
        );
        assert_eq!(Username::parse("Ἀλέξης").unwrap().as_str(), "ἀλέξης");
        for len in 0..=70 {
            let r = Username::parse(&"a".repeat(len));
            assert_eq!(r.is_ok(), (2..=64).contains(&len), "{len}");
            if let Err(e) = r {
                assert_eq!(e.field, "username");
                assert_eq!(e.message(), "must have 2 to 64 characters");
            }
        }
    }

    #[test]
    fn a_username_has_no_spaces_nor_punctuation_but_dot_dash_underscore() {
        for c in [' ', '@', '/', '\'', '"', '<', ';', '+', '\u{200b}'] {
            let e = Username::parse(&format!("ana{c}b")).unwrap_err();
            assert_eq!(e.field, "username", "{c:?}");
            assert!(matches!(
                e.problem,
                Problem::Rule {
                    key: "accounts.rule.username_chars",
                    ..
                }
            ));
        }
        for c in ['.', '-', '_'] {
            assert!(Username::parse(&format!("ana{c}b")).is_ok());
        }
    }

    #[test]
    fn only_staff_roles_are_account_roles() {
        for r in [
            Role::Analyst,
            Role::Documenter,
            Role::Coordinator,
            Role::Admin,
        ] {
            assert_eq!(account_role(r), Ok(r));
        }
        assert_eq!(account_role(Role::Public).unwrap_err().field, "role");
    }

    #[test]
    fn a_new_password_follows_the_policy_and_says_the_minimum() {
        let e = new_password("short").unwrap_err();
        assert_eq!(e.field, "password");
        assert_eq!(
            e.message(),
            format!(
                "the password must have at least {} characters",
                password::MIN_LENGTH
            )
        );
        assert_eq!(
            new_password(&"x".repeat(password::MIN_LENGTH)),
            Ok("x".repeat(password::MIN_LENGTH).as_str())
        );
        assert_eq!(
            new_password(&"x".repeat(2000)).unwrap_err().field,
            "password"
        );
    }

    #[test]
    fn a_token_name_is_required_and_bounded() {
        assert_eq!(token_name(" ci ").unwrap(), "ci");
        assert_eq!(token_name("").unwrap_err(), Invalid::required("name"));
        assert_eq!(
            token_name(&"n".repeat(101)).unwrap_err(),
            Invalid::too_long("name", 100)
        );
    }

    #[test]
    fn a_team_name_is_trimmed_and_bounded() {
        assert_eq!(team_name(" Field team ").unwrap(), "Field team");
        for raw in ["", "  ", &"t".repeat(101)] {
            let e = team_name(raw).unwrap_err();
            assert_eq!(e.field, "name");
            assert_eq!(e.message(), "a team name has 1 to 100 characters");
        }
        assert!(team_name(&"т".repeat(100)).is_ok());
        assert_eq!(
            unknown_principal().to_string(),
            "need_to_know: unknown user or team"
        );
        assert_eq!(unknown_member().to_string(), "team: unknown team or user");
    }

    #[test]
    fn every_rule_key_is_in_the_catalogs() {
        let n = crate::invalid::assert_rule_keys_in_catalogs(
            include_str!("mod.rs"),
            "accounts.rule.",
            "shell",
        );
        assert!(n >= 8, "{n}");
    }
}
