//! Why an input was refused: the field at fault and a typed problem.
//!
//! Each area's `parse` (raw form or API input → typed record) returns [`Invalid`]; the web
//! layer translates it (catalog keys `invalid.*`, or the area's own key for a
//! [`Problem::Rule`]) and the API and the command line show its English text. The store
//! never invents these messages: it receives records that already parsed.

use crate::types::ParseError;
use std::borrow::Cow;
use std::fmt;

/// One field of an input that cannot be accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Invalid {
    /// The field's name as the form and the API call it (`title`, `acts[2].date`).
    pub field: Cow<'static, str>,
    pub problem: Problem,
}

/// What is wrong with the field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing given where a value is needed.
    Required,
    /// More than `max` characters.
    TooLong { max: usize },
    /// Not one of the values the field accepts (a vocabulary, a status, a list); `allowed`
    /// lists them when the list is short enough to show.
    NotOneOf { value: String, allowed: Vec<String> },
    /// A value of a domain type (a date, an ISO code, a number) that did not parse.
    Parse(ParseError),
    /// A rule of an area. `key` is the translation key (`violations.rule.ended_before_start`),
    /// `en` the English text with `{name}` placeholders filled from `args`.
    Rule {
        key: &'static str,
        en: &'static str,
        args: Vec<(&'static str, String)>,
    },
}

impl Invalid {
    pub fn new(field: impl Into<Cow<'static, str>>, problem: Problem) -> Self {
        Invalid {
            field: field.into(),
            problem,
        }
    }
    pub fn required(field: impl Into<Cow<'static, str>>) -> Self {
        Self::new(field, Problem::Required)
    }
    pub fn too_long(field: impl Into<Cow<'static, str>>, max: usize) -> Self {
        Self::new(field, Problem::TooLong { max })
    }
    pub fn not_one_of<S: ToString>(
        field: impl Into<Cow<'static, str>>,
        value: &str,
        allowed: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(
            field,
            Problem::NotOneOf {
                value: value.to_string(),
                allowed: allowed.into_iter().map(|s| s.to_string()).collect(),
            },
        )
    }
    pub fn parse(field: impl Into<Cow<'static, str>>, e: ParseError) -> Self {
        Self::new(field, Problem::Parse(e))
    }
    /// An area rule: `key` in the catalogs, `en` its English text.
    pub fn rule(field: impl Into<Cow<'static, str>>, key: &'static str, en: &'static str) -> Self {
        Self::new(
            field,
            Problem::Rule {
                key,
                en,
                args: Vec::new(),
            },
        )
    }
    /// A value for a `{name}` placeholder of a rule's text (ignored by other problems).
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        if let Problem::Rule { args, .. } = &mut self.problem {
            args.push((name, value.to_string()));
        }
        self
    }
    /// The same problem found in a nested part of the input (`acts[2]` + `date` →
    /// `acts[2].date`).
    pub fn within(self, prefix: &str) -> Self {
        Invalid {
            field: Cow::Owned(format!("{prefix}.{}", self.field)),
            problem: self.problem,
        }
    }
    /// The English message without the field name (API bodies, command line).
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => f.write_str("is required"),
            Problem::TooLong { max } => write!(f, "is too long (at most {max} characters)"),
            Problem::NotOneOf { value, allowed } if allowed.is_empty() => {
                write!(f, "{value:?} is not an accepted value")
            }
            Problem::NotOneOf { value, allowed } => write!(
                f,
                "{value:?} is not an accepted value (one of: {})",
                allowed.join(", ")
            ),
            Problem::Parse(e) => write!(f, "{e}"),
            Problem::Rule { en, args, .. } => f.write_str(&fill(en, args)),
        }
    }
}

/// `{name}` placeholders of `template` replaced by their values.
pub fn fill(template: &str, args: &[(&'static str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A required text field: trimmed, not empty, at most `max` characters.
pub fn required_text(field: &'static str, raw: &str, max: usize) -> Result<String, Invalid> {
    match optional_text(field, raw, max)? {
        Some(s) => Ok(s),
        None => Err(Invalid::required(field)),
    }
}

/// An optional text field: trimmed, `None` when empty, at most `max` characters.
pub fn optional_text(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(Invalid::too_long(field, max));
    }
    Ok(Some(t.to_string()))
}

/// Test helper: every rule key `prefix…` quoted in `src` has its text in all five catalogs
/// `crates/dignity-web/i18n/<area>/<lang>.toml`. Returns how many keys were found.
#[cfg(test)]
pub(crate) fn assert_rule_keys_in_catalogs(src: &str, prefix: &str, area: &str) -> usize {
    let keys: Vec<&str> = src
        .split('"')
        .filter(|s| s.starts_with(prefix) && !s.ends_with('.') && !s.contains(' '))
        .collect();
    for lang in ["en", "fr", "es", "ar", "ru"] {
        let path = format!(
            "{}/../dignity-web/i18n/{area}/{lang}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table = text.parse().unwrap();
        for k in &keys {
            let mut v = Some(&table);
            let mut parts = k.split('.').peekable();
            let mut found = false;
            while let Some(p) = parts.next() {
                let Some(t) = v else { break };
                match t.get(p) {
                    Some(toml::Value::Table(inner)) => v = Some(inner),
                    Some(toml::Value::String(_)) if parts.peek().is_none() => found = true,
                    _ => v = None,
                }
            }
            assert!(found, "{lang}: {k} missing in i18n/{area}/{lang}.toml");
        }
    }
    keys.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_required_and_bounded() {
        assert_eq!(required_text("title", "  a  ", 5).unwrap(), "a");
        assert_eq!(
            required_text("title", "   ", 5).unwrap_err(),
            Invalid::required("title")
        );
        assert_eq!(
            required_text("title", "éééééé", 5).unwrap_err().problem,
            Problem::TooLong { max: 5 }
        );
        assert_eq!(optional_text("note", "", 5).unwrap(), None);
    }

    #[test]
    fn messages_name_the_field_and_fill_rule_placeholders() {
        let e = Invalid::rule("end", "x.rule", "ends before {start}")
            .arg("start", "2024-03")
            .within("acts[2]");
        assert_eq!(e.to_string(), "acts[2].end: ends before 2024-03");
        let e = Invalid::not_one_of("status", "open", ["pending", "closed"]);
        assert_eq!(
            e.message(),
            "\"open\" is not an accepted value (one of: pending, closed)"
        );
    }
}
