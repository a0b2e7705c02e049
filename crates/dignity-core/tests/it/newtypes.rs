//! The parse newtypes of the edges (ISO codes, partial dates, SHA-256 digests, local
//! addresses, media types, record types, confidentiality levels, roles): what parses prints
//! back to itself, and what does not is refused with the type named.

use crate::{config, partial_date, text};
use dignity_core::edge::{content_disposition, csv_cell};
use dignity_core::{
    Confidentiality, Iso2, Iso3, LocalPath, MediaType, PartialDate, Precision, RecordType, Role,
    Sha256,
};
use proptest::prelude::*;

/// A partial date that is not estimated.
fn plain_date() -> impl Strategy<Value = (PartialDate, String)> {
    partial_date().prop_filter("not estimated", |(_, s)| !s.starts_with('~'))
}

proptest! {
    #![proptest_config(config(256))]

    /// Three ASCII letters, in any case and with white space around, are an ISO alpha-3
    /// code in upper case; it prints and parses back to itself, also through JSON.
    #[test]
    fn iso3_codes_round_trip(code in "[a-zA-Z]{3}", pad in "[ \t]{0,2}") {
        let c = Iso3::parse(&format!("{pad}{code}{pad}")).unwrap();
        prop_assert_eq!(c.as_str(), code.to_ascii_uppercase());
        prop_assert_eq!(Iso3::parse(&c.to_string()), Ok(c.clone()));
        let json = serde_json::to_string(&c).unwrap();
        prop_assert_eq!(serde_json::from_str::<Iso3>(&json).unwrap(), c);
    }

    /// Anything but three (two) ASCII letters is refused, naming the code and keeping the
    /// value given.
    #[test]
    fn iso_codes_refuse_anything_else(s in text()) {
        let t = s.trim();
        let three = t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic());
        match Iso3::parse(&s) {
            Ok(c) => {
                prop_assert!(three);
                prop_assert_eq!(c.as_str(), t.to_ascii_uppercase());
            }
            Err(e) => {
                prop_assert!(!three);
                prop_assert_eq!(e.what, "ISO 3166-1 alpha-3");
                prop_assert_eq!(e.value, s.clone());
            }
        }
        let two = t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic());
        match Iso2::parse(&s) {
            Ok(c) => prop_assert!(two && c.as_str() == t.to_ascii_uppercase()),
            Err(e) => prop_assert!(!two && e.what == "ISO 3166-1 alpha-2"),
        }
    }

    /// A partial date of any shape prints as it was written and parses back to itself (in
    /// text and in JSON), keeps its precision, and stands for a span of days from its
    /// earliest to its latest.
    #[test]
    fn partial_dates_round_trip((d, s) in partial_date()) {
        prop_assert_eq!(d.to_string(), s.clone());
        prop_assert_eq!(PartialDate::parse(&d.to_string()), Ok(d));
        let json = serde_json::to_string(&d).unwrap();
        prop_assert_eq!(serde_json::from_str::<PartialDate>(&json).unwrap(), d);
        let precision = match (s.len(), s.starts_with('~')) {
            (0, _) => Precision::Unknown,
            (4, _) => Precision::Year,
            (7, _) => Precision::Month,
            (_, true) => Precision::Estimated,
            _ => Precision::Exact,
        };
        prop_assert_eq!(d.precision(), precision);
        match (d.earliest(), d.latest()) {
            (None, None) => prop_assert_eq!(d, PartialDate::UNKNOWN),
            (Some(a), Some(b)) => {
                prop_assert!(a <= b);
                if let Some(exact) = s.strip_prefix('~') {
                    prop_assert_eq!((a.to_string(), b.to_string()), (exact.to_string(), exact.to_string()));
                } else {
                    prop_assert!(a.to_string().starts_with(&s) && b.to_string().starts_with(&s));
                }
                prop_assert_eq!(d.year_value(), Some(chrono::Datelike::year(&a)));
            }
            other => prop_assert!(false, "half-known span {:?}", other),
        }
    }

    /// Dates that are not estimated sort as text in the order of their earliest day (the
    /// store's `start_sort` columns rely on a sortable spelling). An estimated date
    /// (`~YYYY-MM-DD`) does not: `~` sorts after every digit.
    #[test]
    fn plain_dates_sort_as_text((a, sa) in plain_date(), (b, sb) in plain_date()) {
        if let (Some(x), Some(y)) = (a.earliest(), b.earliest()) {
            if x < y {
                prop_assert!(sa < sb, "{} !< {}", sa, sb);
            }
        }
    }

    /// Any text either parses to a date that prints and parses back to itself, or is
    /// refused as a date with the value given.
    #[test]
    fn partial_dates_parse_or_refuse_any_text(s in text()) {
        match PartialDate::parse(&s) {
            Ok(d) => prop_assert_eq!(PartialDate::parse(&d.to_string()), Ok(d)),
            Err(e) => {
                prop_assert_eq!(e.what, "date");
                prop_assert_eq!(e.value, s.clone());
            }
        }
    }

    /// A digest is 64 lower-case hexadecimal characters that parse back to it; its two
    /// path segments are hexadecimal and join back to it.
    #[test]
    fn digests_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let d = Sha256::digest(&bytes);
        prop_assert_eq!(Sha256::parse(d.as_str()), Ok(d.clone()));
        let (a, b) = d.segments();
        prop_assert_eq!(a.len(), 2);
        prop_assert_eq!(format!("{a}{b}"), d.to_string());
        prop_assert!(d.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        prop_assert!(Sha256::parse(&d.to_ascii_uppercase()).is_err() || !d.bytes().any(|c| c.is_ascii_alphabetic()));
    }

    /// Anything but 64 lower-case hexadecimal characters is refused as a SHA-256, with the
    /// value cut to 80 characters.
    #[test]
    fn digests_refuse_anything_else(s in prop_oneof![text(), "[0-9a-fA-F]{62,66}"]) {
        let good = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match Sha256::parse(&s) {
            Ok(d) => prop_assert!(good && d == s),
            Err(e) => {
                prop_assert!(!good);
                prop_assert_eq!(e.what, "SHA-256");
                prop_assert!(e.value.chars().count() <= 81);
                prop_assert!(s.starts_with(e.value.trim_end_matches('…')));
            }
        }
    }

    /// A local address parses back to itself and cannot leave the site: one leading `/`,
    /// printable ASCII, no backslash, no `//` in its path, no scheme.
    #[test]
    fn local_paths_stay_local(
        s in prop_oneof![text(), "/[ -~]{0,30}", "/[a-z]{0,5}(/[a-z%0-9:]{0,6}){0,3}([?#][ -~]{0,10})?"],
    ) {
        match LocalPath::parse(&s) {
            Ok(p) => {
                prop_assert_eq!(LocalPath::parse(p.as_str()), Ok(p.clone()));
                let path = s.split(['?', '#']).next().unwrap();
                prop_assert!(s.starts_with('/') && !path.contains("//"));
                prop_assert!(s.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'));
                prop_assert!(!path[1..].split('/').next().unwrap().contains(':'));
                prop_assert!(s.len() <= 2048);
            }
            Err(e) => prop_assert_eq!(e.what, "local address"),
        }
        prop_assert!(LocalPath::parse(LocalPath::or(&s, "/").as_str()).is_ok());
    }

    /// A media type is `type/subtype` in lower case, parses back to itself and is a safe
    /// header value; anything else becomes `application/octet-stream`.
    #[test]
    fn media_types_are_safe_headers(
        s in prop_oneof![
            text(),
            "[ ]?[a-zA-Z0-9!#$&^_.+-]{1,10}/[a-zA-Z0-9!#$&^_.+-]{1,10}(; ?[a-z]+=[a-z0-9-]+)?",
        ],
    ) {
        let m = MediaType::from(s.as_str());
        prop_assert_eq!(MediaType::parse(m.as_str()), Ok(m.clone()));
        prop_assert_eq!(m.as_str().matches('/').count(), 1);
        prop_assert!(m.as_str().bytes().all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && b != b';'));
        if let Err(e) = MediaType::parse(&s) {
            prop_assert_eq!(e.what, "media type");
            prop_assert_eq!(m.as_str(), "application/octet-stream");
        }
    }

    /// Whatever a file is named, its `Content-Disposition` is one line of printable ASCII
    /// and its `filename*` percent-decodes to the name (control characters and surrounding
    /// white space dropped, `download` when nothing is left).
    #[test]
    fn content_dispositions_are_valid_headers(kind in "inline|attachment|[a-z]{0,6}", name in text()) {
        let h = content_disposition(&kind, &name);
        prop_assert!(h.bytes().all(|b| (b' '..=b'~').contains(&b)), "{:?}", h);
        let want_kind = if kind == "inline" { "inline" } else { "attachment" };
        let start = format!("{want_kind}; filename=\"");
        prop_assert!(h.starts_with(&start));
        let ext = h.split("filename*=UTF-8''").nth(1).unwrap();
        let mut bytes = Vec::new();
        let mut it = ext.bytes();
        while let Some(b) = it.next() {
            if b == b'%' {
                let hex = [it.next().unwrap(), it.next().unwrap()];
                bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
            } else {
                bytes.push(b);
            }
        }
        let kept: String = name.chars().filter(|c| !c.is_control()).collect();
        let kept = kept.trim();
        let want = if kept.is_empty() { "download" } else { kept };
        prop_assert_eq!(String::from_utf8(bytes).unwrap(), want);
    }

    /// A CSV cell never starts like a formula unless it is a plain number; otherwise it is
    /// the text itself, or the text behind one `'`.
    #[test]
    fn csv_cells_never_start_a_formula(s in prop_oneof![text(), "[=+@\t\r-]?[0-9.eE+-]{0,8}[a-z(]{0,3}"]) {
        let c = csv_cell(&s);
        let quoted = format!("'{s}");
        prop_assert!(c == s || *c == quoted);
        if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            prop_assert!(s.parse::<f64>().is_ok_and(f64::is_finite), "{:?}", s);
        }
    }

    /// Only a record type's table name or path segment parses, to that type; anything else
    /// is refused with at most 64 characters of it quoted.
    #[test]
    fn record_types_parse_only_their_names(s in prop_oneof![text(), "(vio|pro|rec|mse)_[a-z]{2,10}", "[a-z]{4,11}"]) {
        match s.parse::<RecordType>() {
            Ok(t) => prop_assert!(t.table() == s || t.table().split_once('_').unwrap().1 == s),
            Err(e) => {
                prop_assert!(RecordType::ALL.iter().all(|t| t.table() != s));
                prop_assert!(e.starts_with("unknown record type "));
                prop_assert!(e.chars().count() <= "unknown record type ".len() + 2 + 64 * 10);
            }
        }
        for t in RecordType::ALL {
            prop_assert_eq!(t.to_string().parse::<RecordType>(), Ok(t));
        }
    }

    /// A confidentiality level or a role prints as its code and parses back to itself,
    /// whatever its case and white space; any other text is refused, naming the list.
    #[test]
    fn levels_and_roles_round_trip(s in text(), i in 0..4usize, upper: bool, pad in "[ ]{0,2}") {
        let l = Confidentiality::ALL[i];
        let code = if upper { l.to_string().to_uppercase() } else { l.to_string() };
        prop_assert_eq!(format!("{pad}{code}{pad}").parse::<Confidentiality>(), Ok(l));
        prop_assert_eq!(l.needs_list(), l >= Confidentiality::Confidential);
        for r in Role::STAFF.into_iter().chain([Role::Public]) {
            prop_assert_eq!(r.to_string().parse::<Role>(), Ok(r));
        }
        match s.parse::<Confidentiality>() {
            Ok(l) => {
                let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                prop_assert_eq!(norm, l.as_str());
            }
            Err(e) => prop_assert!(e.contains("expected public, internal, confidential or strictly_confidential")),
        }
        if let Ok(r) = s.parse::<Role>() {
            prop_assert_eq!(s.trim().to_ascii_lowercase(), r.as_str());
        }
    }
}
