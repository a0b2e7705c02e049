//! Text rules shared by the areas: required and optional texts, rule messages, name
//! normalisation and phonetic keys (record linkage, search), column names of imports, and
//! the settings of a linkage run. None of them panics on any text.

use crate::{config, text};
use dignity_core::columns::{edit_distance, normalise as column_name, suggest, unused_columns};
use dignity_core::invalid::{fill, optional_text, required_text};
use dignity_core::names::{canonical, normalise, phonetic, skeleton, soundex};
use dignity_core::stats::linkage::{Decision, RunInput, Scope, Stratum, MAX_PAIRS};
use dignity_core::{Invalid, Problem};
use proptest::prelude::*;

proptest! {
    #![proptest_config(config(256))]

    /// A required text is the trimmed text, not empty, at most `max` characters; an
    /// optional one is nothing when empty; each refusal names the field.
    #[test]
    fn texts_are_trimmed_and_bounded(s in text(), max in 0usize..400) {
        match required_text("title", &s, max) {
            Ok(t) => prop_assert!(t == s.trim() && !t.is_empty() && t.chars().count() <= max),
            Err(e) => {
                prop_assert_eq!(&e.field, "title");
                let want = if s.trim().is_empty() { Problem::Required } else { Problem::TooLong { max } };
                prop_assert_eq!(e.problem, want);
            }
        }
        match optional_text("note", &s, max) {
            Ok(None) => prop_assert!(s.trim().is_empty()),
            Ok(Some(t)) => prop_assert!(t == s.trim() && t.chars().count() <= max),
            Err(e) => prop_assert!(e.field == "note" && s.trim().chars().count() > max),
        }
    }

    /// A rule's message fills its placeholders, and a refusal found in a nested part names
    /// the whole path.
    #[test]
    fn messages_fill_placeholders_and_nest_fields(v in text(), prefix in "[a-z]{1,8}(\\[[0-9]\\])?") {
        prop_assert_eq!(fill("before {x} after", &[("x", v.clone())]), format!("before {v} after"));
        let e = Invalid::rule("date", "k", "got {x}").arg("x", &v).within(&prefix);
        prop_assert_eq!(e.field.to_string(), format!("{prefix}.date"));
        prop_assert_eq!(e.message(), format!("got {v}"));
        prop_assert_eq!(e.to_string(), format!("{prefix}.date: got {v}"));
    }

    /// A normalised name is lower-case words of letters and digits separated by single
    /// spaces, and normalising it again changes nothing; its canonical form, phonetic key
    /// and skeletons never panic.
    #[test]
    fn names_normalise_to_words(s in prop_oneof![text(), "[A-Za-z' -]{0,30}", "[А-Яа-яا-ي ]{0,20}"]) {
        let n = normalise(&s);
        prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "), "{:?}", n);
        prop_assert!(n.chars().all(|c| c == ' ' || c.is_alphanumeric()));
        prop_assert_eq!(normalise(&n), n.clone());
        let c = canonical(&n);
        prop_assert_eq!(c.split(' ').count(), n.split(' ').count());
        let p = phonetic(&n);
        for key in p.split(' ').filter(|k| !k.is_empty()) {
            prop_assert!(key.len() == 4 && key.as_bytes()[0].is_ascii_uppercase());
            prop_assert!(key[1..].bytes().all(|b| b.is_ascii_digit()));
        }
        for t in n.split(' ') {
            let _ = skeleton(t);
        }
    }

    /// Soundex is empty for a token without an ASCII letter, else one capital and three
    /// digits starting with its first letter.
    #[test]
    fn soundex_keys_have_four_characters(t in prop_oneof![text(), "[a-z]{1,12}"]) {
        let k = soundex(&t);
        match t.bytes().find(|b| b.is_ascii_lowercase()) {
            None => prop_assert_eq!(k, ""),
            Some(first) => {
                prop_assert_eq!(k.len(), 4);
                prop_assert_eq!(k.as_bytes()[0], first.to_ascii_uppercase());
                prop_assert!(k[1..].bytes().all(|b| (b'0'..=b'6').contains(&b)));
            }
        }
    }

    /// Edit distance is a distance: zero only between equal texts, symmetric, within the
    /// longer length, and obeying the triangle inequality.
    #[test]
    fn edit_distance_is_a_metric(a in "\\PC{0,12}", b in "[a-c]{0,12}", c in "[a-cé]{0,12}") {
        let d = edit_distance;
        prop_assert_eq!(d(&a, &a), 0);
        prop_assert_eq!(d(&a, &b) == 0, a == b);
        prop_assert_eq!(d(&a, &b), d(&b, &a));
        prop_assert!(d(&a, &b) <= a.chars().count().max(b.chars().count()));
        prop_assert!(d(&a, &c) <= d(&a, &b) + d(&b, &c));
    }

    /// A column's name normalises to lower-case runs of letters and digits joined by `_`
    /// (idempotent); a suggestion is always one of the expected names, and every column not
    /// read is listed once with its position. Not for `İ` (U+0130), whose lower case holds a
    /// combining dot that is not a letter (`İa` gives `i\u{307}a`, then `i_a`): reported.
    #[test]
    fn column_names_and_suggestions(
        header in proptest::collection::vec(prop_oneof![text(), "[A-Za-z _-]{1,15}"], 0..6),
        col in text().prop_filter("no İ", |s| !s.contains('\u{130}')),
    ) {
        let expected = ["name", "date_of_birth", "last_seen_date", "country", "victim_name"];
        let n = column_name(&col);
        prop_assert_eq!(column_name(&n), n.clone());
        prop_assert!(!n.starts_with('_') && !n.ends_with('_') && !n.contains("__"));
        if let Some(s) = suggest(&col, &expected) {
            prop_assert!(expected.contains(&s.as_str()));
        }
        let unused = unused_columns(&header, &["name"], &expected);
        for u in &unused {
            prop_assert!(u.position >= 1 && u.position <= header.len());
            prop_assert_ne!(column_name(&header[u.position - 1]), "name");
            if let Some(s) = u.suggestion.as_deref() {
                prop_assert!(expected.contains(&s));
                prop_assert!(s != "name" || !header.iter().any(|h| column_name(h) == "name"));
            }
        }
        prop_assert_eq!(unused.len(), header.iter().filter(|h| column_name(h) != "name").count());
    }

    /// A linkage run takes a known scope, a probability from 0 to 1 and 1 to 200,000
    /// pairs; the decisions and strata parse their codes; each refusal names its field.
    #[test]
    fn linkage_settings_parse_or_name_the_field(
        scope in prop_oneof![text(), "sources|persons"],
        p in prop_oneof![any::<f64>(), -0.5f64..1.5],
        n in 0usize..300_000,
        s in text(),
    ) {
        match RunInput::parse(&scope, p, n) {
            Ok(r) => {
                prop_assert!((0.0..=1.0).contains(&r.min_probability) && (1..=MAX_PAIRS).contains(&r.max_pairs));
                prop_assert_eq!(Scope::parse(r.scope.as_str()), Ok(r.scope));
            }
            Err(e) => prop_assert!(["scope", "min_probability", "max_pairs"].contains(&&*e.field), "{}", e),
        }
        match Decision::parse(&s) {
            Ok(d) => prop_assert_eq!(d.as_str(), s.trim()),
            Err(e) => prop_assert_eq!(&e.field, "decision"),
        }
        match Stratum::parse(&s) {
            Ok(None) => prop_assert!(s.trim().is_empty()),
            Ok(Some(x)) => prop_assert_eq!(x.as_str(), s.trim()),
            Err(e) => prop_assert_eq!(&e.field, "stratum"),
        }
    }
}
