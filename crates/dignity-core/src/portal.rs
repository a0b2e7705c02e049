//! Rules of the public portal: which record types can be published, who publishes, and the
//! inputs of publications (snapshots of a page), public dashboards and country profiles.
//! No I/O: the store looks the records up and calls these; the refusals are typed
//! ([`Invalid`], keys `portal.rule.*` in `crates/dignity-web/i18n/portal/*.toml`).

use crate::auth::Actor;
use crate::invalid::Invalid;
use crate::{RecordType, Role};

/// Kinds of publications.
pub const KINDS: &[&str] = &["report", "dashboard", "country", "page"];
/// The languages a publication can be in.
pub const LANGS: &[&str] = &["en", "fr", "es", "ar", "ru"];
/// A publication's slug has 1 to this many characters.
pub const SLUG_MAX: usize = 100;
/// A publication's or public dashboard's title has 1 to this many characters.
pub const TITLE_MAX: usize = 300;

/// Publishing or taking off the portal (the two are refused alike to non-administrators).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Publish,
    Unpublish,
}

impl Verb {
    pub fn of(published: bool) -> Self {
        if published {
            Verb::Publish
        } else {
            Verb::Unpublish
        }
    }
}

/// A record type that cannot be published (field `record_type`).
pub fn not_publishable() -> Invalid {
    Invalid::rule(
        "record_type",
        "portal.rule.not_publishable",
        "records of this type cannot be published",
    )
}

/// The table of a publishable record type (its name comes from the type, never from a
/// string a user sent); records of other types cannot be published (field `record_type`).
pub fn publishable(record_type: RecordType) -> Result<&'static str, Invalid> {
    if record_type.is_publishable() {
        Ok(record_type.table())
    } else {
        Err(not_publishable())
    }
}

/// The record to publish does not exist (field `id`).
pub fn no_such_record() -> Invalid {
    Invalid::rule("id", "portal.rule.no_such_record", "no such record")
}

/// Publishing refused by the authorization rule, which said why (field `published`).
pub fn publish_refused(reason: &'static str) -> Invalid {
    let key = match reason {
        "your role does not allow this action" => "portal.rule.role",
        "only records marked public can be published" => "portal.rule.not_public",
        "this record is restricted to its need-to-know list" => "portal.rule.restricted",
        _ => {
            return Invalid::rule("published", "portal.rule.refused", "{reason}")
                .arg("reason", reason)
        }
    };
    Invalid::rule("published", key, reason)
}

/// A defender's profile is published only with the consent of the defender or, after their
/// death, their family (field `memorial_consent`).
pub fn check_consent(consented: bool) -> Result<(), Invalid> {
    if consented {
        Ok(())
    } else {
        Err(Invalid::rule(
            "memorial_consent",
            "portal.rule.no_consent",
            "the defender (or, after their death, their family) has not consented to publication",
        ))
    }
}

fn only_admins(verb: Verb) -> Invalid {
    match verb {
        Verb::Publish => Invalid::rule(
            "published_by",
            "portal.rule.admins_publish",
            "only administrators publish",
        ),
        Verb::Unpublish => Invalid::rule(
            "published_by",
            "portal.rule.admins_unpublish",
            "only administrators unpublish",
        ),
    }
}

/// Publications (snapshots of pages) are published and removed by administrators signed
/// in, never by the system actor (field `published_by`).
pub fn snapshot_publisher(actor: &Actor, verb: Verb) -> Result<(), Invalid> {
    if !actor.is_staff() || actor.role < Role::Admin {
        return Err(only_admins(verb));
    }
    Ok(())
}

/// Public dashboards and country profiles are published by administrators, and by the
/// system itself (the demo data, the benchmarks); never by the public (field
/// `published_by`).
pub fn portal_publisher(actor: &Actor, verb: Verb) -> Result<(), Invalid> {
    if actor.role < Role::Admin {
        return Err(only_admins(verb));
    }
    Ok(())
}

/// A title of a publication or public dashboard: trimmed, 1 to [`TITLE_MAX`] characters
/// (field `title`).
pub fn title(raw: &str) -> Result<&str, Invalid> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > TITLE_MAX {
        return Err(Invalid::rule(
            "title",
            "portal.rule.title",
            "a title is 1 to {max} characters",
        )
        .arg("max", TITLE_MAX));
    }
    Ok(t)
}

/// The checked input of a publication (a snapshot of a report or dashboard page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationInput<'a> {
    /// One of [`KINDS`].
    pub kind: &'a str,
    /// 1 to [`SLUG_MAX`] lowercase ASCII letters, digits and hyphens.
    pub slug: &'a str,
    /// Trimmed, 1 to [`TITLE_MAX`] characters.
    pub title: &'a str,
    /// One of [`LANGS`].
    pub lang: &'a str,
}

impl<'a> PublicationInput<'a> {
    /// Check a publication's kind, slug, title and language, in this order.
    pub fn parse(
        kind: &'a str,
        slug: &'a str,
        title: &'a str,
        lang: &'a str,
    ) -> Result<Self, Invalid> {
        if !KINDS.contains(&kind) {
            return Err(Invalid::rule(
                "kind",
                "portal.rule.kind",
                "kind must be report, dashboard, country or page",
            ));
        }
        if slug.is_empty()
            || slug.len() > SLUG_MAX
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(Invalid::rule(
                "slug",
                "portal.rule.slug",
                "a slug is 1 to {max} characters: lowercase letters, digits and hyphens",
            )
            .arg("max", SLUG_MAX));
        }
        let title = self::title(title)?;
        if !LANGS.contains(&lang) {
            return Err(Invalid::rule(
                "lang",
                "portal.rule.lang",
                "language must be en, fr, es, ar or ru",
            ));
        }
        Ok(PublicationInput {
            kind,
            slug,
            title,
            lang,
        })
    }
}

/// A State's code as country profiles are stored under it: trimmed, upper case.
pub fn country_code(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// A country profile of a State that is not in the reference data (field `iso3`).
pub fn unknown_country(iso3: &str) -> Invalid {
    Invalid::rule("iso3", "portal.rule.unknown_country", "no country {iso3}").arg("iso3", iso3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invalid::assert_rule_keys_in_catalogs;

    fn actor(role: Role, user: Option<i64>) -> Actor {
        Actor {
            user_id: user,
            username: "a".into(),
            role,
            teams: vec![],
        }
    }

    #[test]
    fn only_some_types_are_publishable() {
        assert_eq!(publishable(RecordType::Event).unwrap(), "vio_events");
        let e = publishable(RecordType::Person).unwrap_err();
        assert_eq!(e.field, "record_type");
        assert_eq!(e.message(), "records of this type cannot be published");
        assert_eq!(no_such_record().to_string(), "id: no such record");
    }

    #[test]
    fn refusals_keep_the_reason_of_the_authorization_rule() {
        for reason in [
            "your role does not allow this action",
            "only records marked public can be published",
            "this record is restricted to its need-to-know list",
            "sign in first",
        ] {
            let e = publish_refused(reason);
            assert_eq!(e.field, "published");
            assert_eq!(e.message(), reason);
        }
        assert!(check_consent(true).is_ok());
        let e = check_consent(false).unwrap_err();
        assert_eq!(e.field, "memorial_consent");
        assert!(e.message().contains("has not consented to publication"));
    }

    #[test]
    fn administrators_publish() {
        let admin = actor(Role::Admin, Some(1));
        let coordinator = actor(Role::Coordinator, Some(2));
        assert!(snapshot_publisher(&admin, Verb::Publish).is_ok());
        let e = snapshot_publisher(&coordinator, Verb::Publish).unwrap_err();
        assert_eq!(e.field, "published_by");
        assert_eq!(e.message(), "only administrators publish");
        let e = portal_publisher(&coordinator, Verb::of(false)).unwrap_err();
        assert_eq!(e.message(), "only administrators unpublish");
        // The system actor publishes dashboards (demo data) but not snapshots.
        let system = Actor::system();
        assert!(portal_publisher(&system, Verb::Publish).is_ok());
        assert!(snapshot_publisher(&system, Verb::Publish).is_err());
    }

    #[test]
    fn publications_check_kind_slug_title_and_language() {
        let p = PublicationInput::parse("report", "annual-2024", "  Annual  ", "fr").unwrap();
        assert_eq!((p.slug, p.title, p.lang), ("annual-2024", "Annual", "fr"));
        for (kind, slug, title, lang, field) in [
            ("poster", "x", "T", "en", "kind"),
            ("report", "Bad Slug", "T", "en", "slug"),
            ("report", "", "T", "en", "slug"),
            ("report", &"a".repeat(101), "T", "en", "slug"),
            ("report", "ok", " ", "en", "title"),
            ("report", "ok", &"t".repeat(301), "en", "title"),
            ("report", "ok", "T", "de", "lang"),
        ] {
            let e = PublicationInput::parse(kind, slug, title, lang).unwrap_err();
            assert_eq!(e.field, field, "{kind} {slug} {title} {lang}");
        }
        assert_eq!(
            PublicationInput::parse("page", "ok", "", "en")
                .unwrap_err()
                .message(),
            "a title is 1 to 300 characters"
        );
        assert_eq!(
            PublicationInput::parse("page", "A", "T", "en")
                .unwrap_err()
                .message(),
            "a slug is 1 to 100 characters: lowercase letters, digits and hyphens"
        );
        assert_eq!(title(&"é".repeat(300)).unwrap().chars().count(), 300);
    }

    #[test]
    fn country_profiles_name_the_unknown_state() {
        assert_eq!(country_code(" srb "), "SRB");
        let e = unknown_country("XXX");
        assert_eq!(e.to_string(), "iso3: no country XXX");
    }

    #[test]
    fn every_rule_key_is_in_the_catalogs() {
        let n = assert_rule_keys_in_catalogs(include_str!("portal.rs"), "portal.rule.", "portal");
        assert!(n >= 12, "{n}");
    }
}
