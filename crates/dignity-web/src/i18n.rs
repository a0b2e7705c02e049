//! Translation layer of the web shell.
//!
//! Five interface languages (the UN working languages less Chinese): English,
//! French, Spanish, Arabic and Russian. Each catalog is a TOML file in
//! `crates/dignity-web/i18n/` mapping keys (nested tables are flattened to
//! dotted keys, `[nav] home = "Home"` is `nav.home`) to strings that may
//! contain `{name}` placeholders. The catalogs are embedded in the binary and
//! parsed once, on first use.
//!
//! Lookup falls back to English, then to the key itself; every missing key is
//! logged once with `tracing::warn!`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
    Es,
    Ar,
    Ru,
}

impl Lang {
    /// Every interface language, in the order shown in the language switcher.
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Fr, Lang::Es, Lang::Ar, Lang::Ru];

    /// The BCP 47 code, as used in `<html lang>` and in the `lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Ar => "ar",
            Lang::Ru => "ru",
        }
    }

    /// The language's name in that language (an endonym), for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::Ar => "العربية",
            Lang::Ru => "Русский",
        }
    }

    /// Writing direction: `"rtl"` for Arabic, `"ltr"` otherwise.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            _ => "ltr",
        }
    }

    /// Parses a language code, case-insensitively; a region or script
    /// subtag is ignored (`"fr-CA"` and `"fr_CA"` are French).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The catalog files of this language, one per area of the product (`i18n/<area>/<lang>.toml`).
    /// Areas keep separate files so that work on one part of the product does not touch
    /// the others' catalogs; a key may appear in one area only (a test checks).
    fn catalog_sources(self) -> Vec<(&'static str, &'static str)> {
        macro_rules! area {
            ($area:literal) => {
                match self {
                    Lang::En => ($area, include_str!(concat!("../i18n/", $area, "/en.toml"))),
                    Lang::Fr => ($area, include_str!(concat!("../i18n/", $area, "/fr.toml"))),
                    Lang::Es => ($area, include_str!(concat!("../i18n/", $area, "/es.toml"))),
                    Lang::Ar => ($area, include_str!(concat!("../i18n/", $area, "/ar.toml"))),
                    Lang::Ru => ($area, include_str!(concat!("../i18n/", $area, "/ru.toml"))),
                }
            };
        }
        vec![
            area!("shell"),
            area!("obligations"),
            area!("violations"),
            area!("protection"),
            area!("search"),
            area!("portal"),
            area!("stats"),
            area!("reports"),
            area!("keys"),
        ]
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::parse(s)
            .ok_or_else(|| format!("unsupported language {s:?}: expected en, fr, es, ar or ru"))
    }
}

/// Chooses the interface language of a request.
///
/// `cookie` is the value of the `lang` cookie (a whole `Cookie` header,
/// `a=b; lang=fr`, is also accepted); when it names a supported language it
/// wins. Otherwise the `Accept-Language` header is read with its q-values and
/// the most preferred supported language is chosen (`fr-CA,fr;q=0.9,en;q=0.5`
/// gives French, `de,ar;q=0.8` Arabic). Failing both, English.
pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = cookie.and_then(lang_from_cookie) {
        return lang;
    }
    accept_language
        .and_then(from_accept_language)
        .unwrap_or_default()
}

fn lang_from_cookie(cookie: &str) -> Option<Lang> {
    if !cookie.contains('=') {
        return Lang::parse(cookie).filter(|_| !cookie.trim().is_empty());
    }
    cookie.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        if name.trim() == "lang" {
            Lang::parse(value.trim().trim_matches('"'))
        } else {
            None
        }
    })
}

fn from_accept_language(header: &str) -> Option<Lang> {
    // (q in thousandths, position, language); highest q first, then header order.
    let mut candidates: Vec<(u16, usize, Lang)> = Vec::new();
    for (pos, item) in header.split(',').enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let mut q = 1000u16;
        for param in parts {
            if let Some((k, v)) = param.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = parse_q(v.trim()).unwrap_or(0);
                }
            }
        }
        if q == 0 || tag.is_empty() || tag == "*" {
            continue;
        }
        if let Some(lang) = Lang::parse(tag) {
            candidates.push((q, pos, lang));
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.first().map(|c| c.2)
}

/// Parses a q-value (0 to 1, at most three decimals) into thousandths.
fn parse_q(v: &str) -> Option<u16> {
    let f: f32 = v.parse().ok()?;
    if !(0.0..=1.0).contains(&f) {
        return None;
    }
    Some((f * 1000.0).round() as u16)
}

type Catalog = BTreeMap<String, String>;

fn catalogs() -> &'static [Catalog; 5] {
    static CATALOGS: OnceLock<[Catalog; 5]> = OnceLock::new();
    CATALOGS.get_or_init(|| Lang::ALL.map(|l| parse_catalogs(l).0))
}

/// Parse and merge the area files of a language. Returns the catalog and the keys found
/// in more than one area (which the tests forbid).
fn parse_catalogs(lang: Lang) -> (Catalog, Vec<String>) {
    let mut out = Catalog::new();
    let mut duplicates = Vec::new();
    for (area, source) in lang.catalog_sources() {
        let table: toml::Table = match source.parse() {
            Ok(t) => t,
            Err(e) => {
                // Tests make sure this never happens in a release; an unreadable
                // catalog must not take the server down.
                tracing::error!(lang = lang.code(), area, error = %e, "translation catalog is not valid TOML");
                continue;
            }
        };
        let mut part = Catalog::new();
        flatten("", &table, &mut part);
        for (k, v) in part {
            if out.insert(k.clone(), v).is_some() {
                duplicates.push(format!("{area}: {k}"));
            }
        }
    }
    (out, duplicates)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn catalog(lang: Lang) -> &'static Catalog {
    &catalogs()[lang as usize]
}

fn warn_missing(lang: Lang, key: &str, fell_back_to: &str) {
    static WARNED: OnceLock<Mutex<HashSet<(Lang, String)>>> = OnceLock::new();
    let warned = WARNED.get_or_init(Default::default);
    let first = warned
        .lock()
        .map(|mut set| set.insert((lang, key.to_string())))
        .unwrap_or(false);
    if first {
        tracing::warn!(lang = lang.code(), key, fell_back_to, "missing translation");
    }
}

/// Looks a key up without any fallback.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    catalog(lang).get(key).map(String::as_str)
}

/// Translates `key` into `lang`; falls back to English, then to the key
/// itself. Placeholders are left as they are (see [`t_args`]).
pub fn t(lang: Lang, key: &str) -> String {
    if let Some(s) = lookup(lang, key) {
        return s.to_string();
    }
    if let Some(s) = lookup(Lang::En, key) {
        warn_missing(lang, key, "en");
        return s.to_string();
    }
    warn_missing(lang, key, "key");
    key.to_string()
}

/// Translates `key` and fills its `{name}` placeholders from `args`.
/// Placeholders without a value are left visible; `{{` and `}}` are literal
/// braces.
///
/// Values that are not plain numbers are wrapped in Unicode directional
/// isolates (U+2068 … U+2069), so that a Latin user name inside an Arabic
/// sentence (or an Arabic one inside an English sentence) keeps its own
/// direction and does not scramble the punctuation around it.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let isolated: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, isolate(v))).collect();
    let refs: Vec<(&str, &str)> = isolated.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(&t(lang, key), &refs)
}

/// First strong isolate (U+2068) and pop directional isolate (U+2069).
pub const FSI: char = '\u{2068}';
pub const PDI: char = '\u{2069}';

/// Wraps `value` in FSI … PDI unless it is empty or a plain number.
pub fn isolate(value: &str) -> String {
    let numeric = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | ' '));
    if value.is_empty() || numeric {
        value.to_string()
    } else {
        format!("{FSI}{value}{PDI}")
    }
}

/// Fills `{name}` placeholders of an already translated string.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            match after.split_once('}') {
                Some((name, after_close)) => {
                    match args.iter().find(|(k, _)| *k == name) {
                        Some((_, v)) => out.push_str(v),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = after_close;
                }
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names used in a catalog string (`{{` escapes excluded).
pub fn placeholders(s: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        match tail[1..].split_once('}') {
            Some((name, after)) => {
                names.insert(name.to_string());
                rest = after;
            }
            None => break,
        }
    }
    names
}

/// All keys of a language's catalog, sorted.
pub fn keys(lang: Lang) -> impl Iterator<Item = &'static str> {
    catalog(lang).keys().map(String::as_str)
}

/// A refusal of `dignity-core` ([`dignity_core::Invalid`]) in the reader's language: the
/// `invalid.*` key of its problem, or the area's own key for a rule (its English text when
/// no catalog has the key yet).
pub fn invalid(lang: Lang, e: &dignity_core::Invalid) -> String {
    refusal(lang, e, "invalid", |rule| {
        // The rule is already a sentence of the page (not a value to isolate).
        fill(
            &t(lang, "invalid.rule"),
            &[("field", &isolate(e.field.as_ref())), ("rule", &rule)],
        )
    })
}

/// A core refusal's reason alone, without the field's name (keys `invalid.reason.*`, or the
/// rule's own text): for a form's error summary, which names the field by its label
/// ("Requested on: …"). The API keeps naming the field in its `field` member.
pub fn reason(lang: Lang, e: &dignity_core::Invalid) -> String {
    refusal(lang, e, "invalid.reason", |rule| rule)
}

/// A core refusal in `lang` from the keys under `prefix` (`required`, `too_long`, …); a
/// rule's translated text goes through `rule`.
fn refusal(
    lang: Lang,
    e: &dignity_core::Invalid,
    prefix: &str,
    rule: impl FnOnce(String) -> String,
) -> String {
    use dignity_core::Problem;
    let field = e.field.as_ref();
    let key = |name: &str| format!("{prefix}.{name}");
    match &e.problem {
        Problem::Required => t_args(lang, &key("required"), &[("field", field)]),
        Problem::TooLong { max } => t_args(
            lang,
            &key("too_long"),
            &[("field", field), ("max", &max.to_string())],
        ),
        Problem::NotOneOf { value, allowed } if allowed.is_empty() => t_args(
            lang,
            &key("not_one_of"),
            &[("field", field), ("value", value)],
        ),
        Problem::NotOneOf { value, allowed } => t_args(
            lang,
            &key("not_one_of_list"),
            &[
                ("field", field),
                ("value", value),
                ("allowed", &allowed.join(", ")),
            ],
        ),
        Problem::Parse(p) => t_args(
            lang,
            &key("parse"),
            &[("field", field), ("reason", &parse_error(lang, p))],
        ),
        Problem::Rule { key, en, args } => {
            let args: Vec<(&str, String)> = args
                .iter()
                .map(|(name, v)| (*name, code_labels(lang, key, name, v)))
                .collect();
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            rule(match lookup(lang, key).or_else(|| lookup(Lang::En, key)) {
                Some(_) => t_args(lang, key, &args),
                None => fill(en, &args),
            })
        }
    }
}

/// The reasons a core type gives when it refuses a value (`types::reason`, `edge::reason`)
/// and their keys.
const PARSE_REASONS: &[(&str, &str)] = {
    use dignity_core::edge::reason as edge;
    use dignity_core::types::reason;
    &[
        (reason::DATE_SHAPE, "parse.date_shape"),
        (reason::DATE_ESTIMATED, "parse.date_estimated"),
        (reason::YEAR_DIGITS, "parse.year_digits"),
        (reason::MONTH_RANGE, "parse.month_range"),
        (reason::NO_SUCH_DAY, "parse.no_such_day"),
        (reason::TWO_LETTERS, "parse.two_letters"),
        (reason::THREE_LETTERS, "parse.three_letters"),
        (edge::SHA256_HEX, "parse.sha256_hex"),
        (edge::PATH_START, "parse.path_start"),
        (edge::PATH_LENGTH, "parse.path_length"),
        (edge::PATH_PRINTABLE, "parse.path_printable"),
        (edge::PATH_BACKSLASH, "parse.path_backslash"),
        (edge::PATH_DOUBLE_SLASH, "parse.path_double_slash"),
        (edge::PATH_PERCENT, "parse.path_percent"),
        (edge::PATH_ENCODED_CONTROL, "parse.path_encoded_control"),
        (edge::PATH_ENCODED_SLASH, "parse.path_encoded_slash"),
        (edge::PATH_SCHEME, "parse.path_scheme"),
        (edge::MEDIA_TYPE, "parse.media_type"),
    ]
};

/// Why a value did not parse into a domain type (a date, a country code, an evidence file's
/// SHA-256, a local address, a media type), in `lang`: the reason (keys `parse.*`; one no
/// catalog has yet stays in English) and the value given.
pub fn parse_error(lang: Lang, p: &dignity_core::types::ParseError) -> String {
    let key = PARSE_REASONS
        .iter()
        .find(|(reason, _)| *reason == p.reason)
        .map_or("", |(_, key)| key);
    let reason = match lookup(Lang::En, key) {
        Some(_) => t(lang, key),
        None => p.reason.to_string(),
    };
    t_args(
        lang,
        "parse.error",
        &[("reason", &reason), ("value", &p.value)],
    )
}

/// A field of a JSON body that serde refused, as axum words it (`PATH: WHAT: REASON (got
/// "VALUE") at line L column C`), in `lang`: where the reason is one a core type gives (an
/// evidence item's `sha256`), the path and the reason translated as [`parse_error`] does;
/// any other text as it is.
pub fn json_refusal(lang: Lang, text: &str) -> String {
    let refused = PARSE_REASONS.iter().find_map(|&(reason, _)| {
        let (path, rest) = text.split_once(": ")?;
        let got = rest.split_once(reason)?.1.strip_prefix(" (got ")?;
        let quoted = got.rsplit_once(')')?.0;
        Some((path, reason, quoted))
    });
    match refused {
        Some((path, reason, quoted)) => {
            // The value as Rust's `{:?}` quotes it, which reads as a JSON string.
            let value = serde_json::from_str(quoted).unwrap_or_else(|_| quoted.to_string());
            let p = dignity_core::types::ParseError {
                what: "",
                reason,
                value,
            };
            format!("{path}: {}", parse_error(lang, &p))
        }
        None => text.to_string(),
    }
}

/// The arguments of rules that are codes of a list (a measure's or a case's status): the
/// catalog prefix of their labels.
const CODE_ARGS: &[(&str, &[&str], &str)] = &[
    (
        "pro.def.measure_next",
        &["from", "to", "next"],
        "pro.mstatus",
    ),
    ("pro.def.measure_closed", &["from", "to"], "pro.mstatus"),
    (
        "pro.rule.missing.status_unchanged",
        &["status"],
        "pro.status",
    ),
    (
        "pro.rule.missing.status_transition",
        &["from", "to", "next"],
        "pro.status",
    ),
];

/// A rule's argument as the reader reads it: a code of a list by its label in `lang` (lower
/// case, inside the sentence), a list of codes ("approved or closed", "a, b") label by
/// label; any other argument as it is.
fn code_labels(lang: Lang, rule: &str, arg: &str, value: &str) -> String {
    let Some((_, _, prefix)) = CODE_ARGS
        .iter()
        .find(|(r, args, _)| *r == rule && args.contains(&arg))
    else {
        return value.to_string();
    };
    let label = |code: &str| {
        lookup(lang, &format!("{prefix}.{code}"))
            .map(str::to_lowercase)
            .unwrap_or_else(|| code.to_string())
    };
    let (parts, sep): (Vec<&str>, String) = if value.contains(" or ") {
        (value.split(" or ").collect(), t(lang, "invalid.or"))
    } else {
        (value.split(", ").collect(), ", ".to_string())
    };
    parts.into_iter().map(label).collect::<Vec<_>>().join(&sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_refusals_are_translated_and_name_the_field() {
        let e = dignity_core::Invalid::required("title");
        assert_eq!(
            invalid(Lang::Fr, &e),
            "Le champ « \u{2068}title\u{2069} » est obligatoire."
        );
        let e = dignity_core::Invalid::not_one_of("status", "open", ["pending", "closed"]);
        assert!(invalid(Lang::Es, &e).contains("pending, closed"));
        // A rule whose key no catalog has yet shows its English text, filled.
        let e = dignity_core::Invalid::rule("end", "nowhere.rule.x", "ends before {start}")
            .arg("start", "2024");
        assert_eq!(
            invalid(Lang::Ru, &e),
            "Поле «\u{2068}end\u{2069}»: ends before 2024"
        );
    }

    #[test]
    fn every_reason_of_a_date_or_code_that_does_not_parse_is_translated() {
        use dignity_core::{Iso2, Iso3, PartialDate};
        for (e, fr) in [
            (PartialDate::parse("1-2-3-4"), "attendu"),
            (PartialDate::parse("~2024"), "estimée"),
            (PartialDate::parse("0099"), "quatre chiffres"),
            (PartialDate::parse("2024-13"), "01 à 12"),
            (PartialDate::parse("2024-02-30"), "n’existe pas"),
        ] {
            let e = e.unwrap_err();
            let said = parse_error(Lang::Fr, &e);
            assert!(said.contains(fr), "{e}: {said}");
            assert!(!said.contains(e.reason), "{e}: {said}");
        }
        let e = Iso2::parse("x").unwrap_err();
        assert!(parse_error(Lang::Fr, &e).contains("2 lettres"), "{e}");
        let e = Iso3::parse("x").unwrap_err();
        assert!(parse_error(Lang::Fr, &e).contains("3 lettres"), "{e}");
    }

    #[test]
    fn every_reason_of_an_edge_value_that_does_not_parse_is_translated() {
        use dignity_core::{LocalPath, MediaType, Sha256};
        for (e, fr) in [
            (Sha256::parse("../keys.json").map(|_| ()), "hexadécimaux"),
            (LocalPath::parse("evil").map(|_| ()), "commencer par /"),
            (
                LocalPath::parse(&format!("/{}", "a".repeat(2048))).map(|_| ()),
                "longueur",
            ),
            (LocalPath::parse("/a b").map(|_| ()), "imprimables"),
            (LocalPath::parse("/a\\b").map(|_| ()), "inversée"),
            (LocalPath::parse("/a//b").map(|_| ()), "//"),
            (LocalPath::parse("/a%zz").map(|_| ()), "incomplet"),
            (LocalPath::parse("/a%0d").map(|_| ()), "contrôle"),
            (LocalPath::parse("/%2Fevil").map(|_| ()), "dans le chemin"),
            (LocalPath::parse("/javascript:x").map(|_| ()), "schéma"),
            (MediaType::parse("text").map(|_| ()), "sous-type"),
        ] {
            let e = e.unwrap_err();
            let said = parse_error(Lang::Fr, &e);
            assert!(said.contains(fr), "{e}: {said}");
            assert!(!said.contains(e.reason), "{e}: {said}");
        }
        // As a JSON body's refusal reads (an evidence item's `sha256`).
        let said = json_refusal(
            Lang::Fr,
            "evidence[0].sha256: SHA-256: must be 64 lower-case hexadecimal characters \
             (got \"../x\") at line 1 column 9",
        );
        assert_eq!(
            said,
            "evidence[0].sha256: \u{2068}64 caractères hexadécimaux en minuscules attendus\u{2069} \
             (reçu : \u{2068}../x\u{2069})"
        );
        assert_eq!(
            json_refusal(Lang::Fr, "missing field `ref`"),
            "missing field `ref`"
        );
    }

    #[test]
    fn status_codes_in_a_refusal_read_as_their_labels() {
        let e = dignity_core::Invalid::rule(
            "status",
            "pro.def.measure_next",
            "a measure that is {from} cannot become {to}: next is {next}",
        )
        .arg("next", "approved or closed")
        .arg("from", "requested")
        .arg("to", "delivered");
        let said = reason(Lang::Fr, &e);
        assert!(said.contains("approuvée ou close"), "{said}");
        assert!(!said.contains("requested"), "{said}");
        assert!(reason(Lang::En, &e).contains("approved or closed"));
    }

    #[test]
    fn a_reason_alone_does_not_name_the_field() {
        let e = dignity_core::Invalid::required("requested_on");
        assert_eq!(reason(Lang::Fr, &e), "une valeur est obligatoire.");
        let e = dignity_core::Invalid::rule("end", "nowhere.rule.x", "ends before {start}")
            .arg("start", "2024");
        assert_eq!(reason(Lang::En, &e), "ends before 2024");
    }

    #[test]
    fn catalogs_parse_and_are_not_empty() {
        for lang in Lang::ALL {
            for (area, source) in lang.catalog_sources() {
                let table: Result<toml::Table, _> = source.parse();
                assert!(table.is_ok(), "{lang} {area}: {:?}", table.err());
            }
            let (_, duplicates) = parse_catalogs(lang);
            assert!(
                duplicates.is_empty(),
                "{lang}: keys in two areas: {duplicates:?}"
            );
            assert!(keys(lang).count() > 100, "{lang} catalog is nearly empty");
        }
    }

    #[test]
    fn every_catalog_is_complete() {
        for lang in Lang::ALL {
            let missing: Vec<_> = keys(Lang::En)
                .filter(|k| lookup(lang, k).is_none())
                .collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }

    #[test]
    fn no_catalog_has_keys_english_lacks() {
        for lang in Lang::ALL {
            let extra: Vec<_> = keys(lang)
                .filter(|k| lookup(Lang::En, k).is_none())
                .collect();
            assert!(extra.is_empty(), "{lang} has keys not in en: {extra:?}");
        }
    }

    #[test]
    fn placeholders_match_across_languages() {
        for key in keys(Lang::En) {
            let expected = placeholders(lookup(Lang::En, key).unwrap());
            for lang in Lang::ALL {
                if let Some(s) = lookup(lang, key) {
                    assert_eq!(placeholders(s), expected, "{lang}: {key} = {s:?}");
                }
            }
        }
    }

    #[test]
    fn no_empty_strings_and_translations_differ_somewhere() {
        for lang in Lang::ALL {
            for key in keys(lang) {
                assert!(
                    !lookup(lang, key).unwrap().trim().is_empty(),
                    "{lang}: {key} is empty"
                );
            }
            if lang != Lang::En {
                let same = keys(lang)
                    .filter(|k| lookup(lang, k) == lookup(Lang::En, k))
                    .count();
                // A few strings legitimately stay the same (the product name, "Total"…).
                assert!(
                    same * 10 < keys(lang).count(),
                    "{lang}: {same} strings identical to English"
                );
            }
        }
    }

    #[test]
    fn required_keys_exist() {
        for key in [
            "nav.home",
            "role.admin",
            "role.coordinator",
            "role.documenter",
            "role.analyst",
            "level.public",
            "level.internal",
            "level.confidential",
            "level.strictly_confidential",
            "error.csrf",
            "error.login_failed",
            "error.locked",
            "error.totp_invalid",
            "error.forbidden",
            "error.not_found",
            "error.password_mismatch",
            "error.password_too_short",
            "error.username_taken",
            "error.setup_token_invalid",
            "error.internal",
            "flash.saved",
            "flash.user_created",
            "flash.password_reset",
            "flash.totp_enabled",
            "flash.totp_disabled",
            "flash.token_created",
            "flash.token_revoked",
            "flash.signed_out",
            "flash.password_changed",
        ] {
            assert!(lookup(Lang::En, key).is_some(), "en lacks {key}");
        }
        assert!(placeholders(lookup(Lang::En, "error.locked").unwrap()).contains("minutes"));
        assert!(
            placeholders(lookup(Lang::En, "error.password_too_short").unwrap()).contains("min")
        );
    }

    #[test]
    fn known_wording() {
        assert_eq!(t(Lang::Fr, "audit.title"), "Journal d'audit");
        assert_eq!(t(Lang::Es, "audit.title"), "Registro de auditoría");
        assert_eq!(t(Lang::Ar, "audit.title"), "سجل التدقيق");
        assert_eq!(t(Lang::Ru, "audit.title"), "Журнал аудита");
        assert_eq!(t(Lang::Fr, "nav.login"), "Se connecter");
        assert_eq!(t(Lang::Fr, "level.confidential"), "Confidentiel");
        assert_eq!(
            t(Lang::Fr, "level.strictly_confidential"),
            "Strictement confidentiel"
        );
    }

    #[test]
    fn lang_basics() {
        assert_eq!(Lang::ALL.len(), 5);
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Some(l));
            assert_eq!(l.code().parse::<Lang>(), Ok(l));
        }
        assert_eq!(Lang::Ar.dir(), "rtl");
        assert_eq!(Lang::Ru.dir(), "ltr");
        assert_eq!(Lang::Ar.name(), "العربية");
        assert_eq!(Lang::Fr.name(), "Français");
        assert_eq!(Lang::parse("FR-ca"), Some(Lang::Fr));
        assert_eq!(Lang::parse("es_419"), Some(Lang::Es));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(None, Some("fr-CA,fr;q=0.9,en;q=0.5")), Lang::Fr);
        assert_eq!(negotiate(None, Some("de,ar;q=0.8")), Lang::Ar);
        assert_eq!(negotiate(None, Some("en;q=0.2, ru;q=0.9, es")), Lang::Es);
        assert_eq!(negotiate(None, Some("en;q=0.5, ru;q=0.9")), Lang::Ru);
        assert_eq!(negotiate(None, Some("fr;q=0, es;q=0.1")), Lang::Es);
        assert_eq!(
            negotiate(None, Some("fr;q=0.7, es;q=0.7")),
            Lang::Fr,
            "ties keep header order"
        );
        assert_eq!(negotiate(None, Some("de, zh-CN")), Lang::En);
        assert_eq!(negotiate(None, Some("*")), Lang::En);
        assert_eq!(negotiate(None, Some("")), Lang::En);
        assert_eq!(negotiate(None, Some(";;,q=,fr;q=abc")), Lang::En);
        assert_eq!(negotiate(None, None), Lang::En);
        // The cookie wins when valid, otherwise the header decides.
        assert_eq!(negotiate(Some("ru"), Some("fr")), Lang::Ru);
        assert_eq!(negotiate(Some("xx"), Some("fr")), Lang::Fr);
        assert_eq!(negotiate(Some(""), Some("es")), Lang::Es);
        assert_eq!(
            negotiate(Some("session=abc; lang=ar"), Some("fr")),
            Lang::Ar
        );
        assert_eq!(negotiate(Some("session=abc"), Some("fr")), Lang::Fr);
        assert_eq!(negotiate(Some("ar"), None), Lang::Ar);
    }

    #[test]
    fn fallback_and_placeholders() {
        assert_eq!(t(Lang::Fr, "no.such.key"), "no.such.key");
        assert_eq!(t(Lang::Ar, "no.such.key"), "no.such.key");
        assert_eq!(
            t_args(Lang::En, "error.locked", &[("minutes", "15")]),
            "Too many failed attempts. Try again in 15 minutes."
        );
        assert_eq!(
            t_args(Lang::En, "nav.signed_in_as", &[("name", "Amina")]),
            "Signed in as \u{2068}Amina\u{2069}"
        );
        assert_eq!(isolate("12"), "12");
        assert_eq!(isolate(""), "");
        assert_eq!(fill("a {x} b {y} {{z}}", &[("x", "1")]), "a 1 b {y} {z}");
        assert_eq!(fill("unclosed {x", &[("x", "1")]), "unclosed {x");
        assert_eq!(fill("stray } brace", &[]), "stray } brace");
        let names = placeholders("{a} and {b} but not {{c}}");
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["a", "b"]);
    }
}
