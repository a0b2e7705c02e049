//! Rules of backups and restores: how an archive is sealed (a passphrase, age recipients,
//! or in clear when asked), the passphrase policy, and the refusals of recipients and
//! identities the store could not read. No I/O; the refusals are typed ([`Invalid`], keys
//! `backup.rule.*` in `crates/dignity-web/i18n/shell/*.toml`).

use crate::accounts;
use crate::invalid::Invalid;
use std::fmt::Display;

/// What a backup was asked to be sealed with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sealing<'a> {
    /// Whether age recipients were given (already read).
    pub recipients: bool,
    pub passphrase: Option<&'a str>,
    /// Asked explicitly for an archive in clear.
    pub unencrypted: bool,
    /// The key file goes into the archive.
    pub include_keys: bool,
    /// Asked explicitly for the key file in an archive in clear.
    pub allow_plaintext_keys: bool,
}

impl Sealing<'_> {
    /// Check the choice: a passphrase or recipients, not both; none only when an archive in
    /// clear was asked for, and then no key file unless allowed explicitly; a passphrase
    /// under the password policy. Returns whether the archive is encrypted.
    pub fn check(&self) -> Result<bool, Invalid> {
        if self.recipients && self.passphrase.is_some() {
            return Err(Invalid::rule(
                "recipients",
                "backup.rule.both",
                "give either a passphrase or age recipients, not both",
            ));
        }
        let encrypted = self.passphrase.is_some() || self.recipients;
        if encrypted && self.unencrypted {
            return Err(Invalid::rule(
                "unencrypted",
                "backup.rule.choose",
                "asked for an unencrypted archive and gave a passphrase or recipients: choose one",
            ));
        }
        if !encrypted && !self.unencrypted {
            return Err(Invalid::rule(
                "passphrase",
                "backup.rule.encrypted",
                "backups are encrypted: give a passphrase or age recipients (or explicitly ask \
                 for an unencrypted archive)",
            ));
        }
        if self.include_keys && !encrypted && !self.allow_plaintext_keys {
            return Err(Invalid::rule(
                "keys",
                "backup.rule.plaintext_keys",
                "refusing to write the key file into an unencrypted archive: give a passphrase, \
                 or explicitly allow plaintext keys",
            ));
        }
        if let Some(p) = self.passphrase {
            passphrase(p)?;
        }
        Ok(encrypted)
    }
}

/// A passphrase (of a backup, of a sealed key file) under the password policy (field
/// `passphrase`).
pub fn passphrase(raw: &str) -> Result<&str, Invalid> {
    accounts::new_password(raw).map_err(|e| Invalid::new("passphrase", e.problem))
}

/// An age recipient that did not parse (field `recipients`): the value as given (quoted)
/// and the parser's reason.
pub fn not_a_recipient(value: &str, reason: impl Display) -> Invalid {
    Invalid::rule(
        "recipients",
        "backup.rule.recipient",
        "{value} is not an age recipient: {reason}",
    )
    .arg("value", format!("{value:?}"))
    .arg("reason", reason)
}

/// A line of an identity file that is not an age identity (field `identity`).
pub fn not_an_identity(reason: impl Display) -> Invalid {
    Invalid::rule(
        "identity",
        "backup.rule.identity",
        "not an age identity (AGE-SECRET-KEY-1…): {reason}",
    )
    .arg("reason", reason)
}

/// An identity file without any identity (field `identity`).
pub fn no_identity() -> Invalid {
    Invalid::rule(
        "identity",
        "backup.rule.no_identity",
        "the identity file holds no AGE-SECRET-KEY-1… line",
    )
}

/// The archive would be written inside the uploaded files it backs up (field `out`).
pub fn inside_files() -> Invalid {
    Invalid::rule(
        "out",
        "backup.rule.inside_files",
        "the backup cannot be written inside the uploaded files it backs up",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invalid::assert_rule_keys_in_catalogs;

    const PASS: &str = "a long passphrase";

    #[test]
    fn a_backup_is_sealed_one_way_or_asked_in_clear() {
        let ok = Sealing {
            passphrase: Some(PASS),
            ..Default::default()
        };
        assert_eq!(ok.check(), Ok(true));
        let age = Sealing {
            recipients: true,
            include_keys: true,
            ..Default::default()
        };
        assert_eq!(age.check(), Ok(true));
        let clear = Sealing {
            unencrypted: true,
            ..Default::default()
        };
        assert_eq!(clear.check(), Ok(false));
        for (s, field) in [
            (
                Sealing {
                    recipients: true,
                    passphrase: Some(PASS),
                    ..Default::default()
                },
                "recipients",
            ),
            (
                Sealing {
                    passphrase: Some(PASS),
                    unencrypted: true,
                    ..Default::default()
                },
                "unencrypted",
            ),
            (Sealing::default(), "passphrase"),
            (
                Sealing {
                    unencrypted: true,
                    include_keys: true,
                    ..Default::default()
                },
                "keys",
            ),
            (
                Sealing {
                    passphrase: Some("short"),
                    ..Default::default()
                },
                "passphrase",
            ),
        ] {
            assert_eq!(s.check().unwrap_err().field, field, "{s:?}");
        }
        assert!(Sealing::default()
            .check()
            .unwrap_err()
            .message()
            .starts_with("backups are encrypted"));
        let keys_in_clear = Sealing {
            unencrypted: true,
            include_keys: true,
            allow_plaintext_keys: true,
            ..Default::default()
        };
        assert_eq!(keys_in_clear.check(), Ok(false));
    }

    #[test]
    fn a_passphrase_follows_the_password_policy() {
        assert_eq!(passphrase(PASS), Ok(PASS));
        let e = passphrase("short").unwrap_err();
        assert_eq!(e.field, "passphrase");
        assert_eq!(e.message(), "the password must have at least 12 characters");
    }

    #[test]
    fn unreadable_recipients_and_identities_are_named() {
        let e = not_a_recipient("age1nope", "invalid checksum");
        assert_eq!(
            e.to_string(),
            "recipients: \"age1nope\" is not an age recipient: invalid checksum"
        );
        assert_eq!(not_an_identity("bad").field, "identity");
        assert_eq!(
            no_identity().message(),
            "the identity file holds no AGE-SECRET-KEY-1… line"
        );
        assert_eq!(inside_files().field, "out");
    }

    #[test]
    fn every_rule_key_is_in_the_catalogs() {
        let n = assert_rule_keys_in_catalogs(include_str!("backup.rs"), "backup.rule.", "shell");
        assert!(n >= 8, "{n}");
    }
}
