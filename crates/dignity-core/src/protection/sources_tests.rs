use super::*;
use crate::Problem;

fn mapping(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn table(csv: &str) -> (Vec<String>, Vec<(usize, Vec<String>)>) {
    let mut lines = csv.lines();
    let headers = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .enumerate()
        .map(|(i, l)| (i + 2, l.split(',').map(String::from).collect()))
        .collect();
    (headers, rows)
}

fn std_mapping() -> HashMap<String, String> {
    mapping(&[
        ("external_id", "ID"),
        ("name", "Full name"),
        ("birth_date", "DOB"),
        ("place", "Place"),
    ])
}

fn problems(e: &[RowInvalid]) -> Vec<(usize, String)> {
    e.iter()
        .map(|p| (p.line, p.invalid.field.to_string()))
        .collect()
}

#[test]
fn kinds_and_sources() {
    for k in SourceKind::ALL {
        assert_eq!(SourceKind::parse(k.as_str()), Ok(k));
    }
    assert_eq!(SourceKind::CODES[1], "red_cross");
    let s = SourceInput::parse(" ICRC ", "red_cross").unwrap();
    assert_eq!((s.name.as_str(), s.kind), ("ICRC", SourceKind::RedCross));
    assert_eq!(
        SourceInput::parse(" ", "ngo").unwrap_err(),
        Invalid::required("name")
    );
    assert_eq!(
        SourceInput::parse(&"x".repeat(201), "ngo")
            .unwrap_err()
            .problem,
        Problem::TooLong { max: 200 }
    );
    assert_eq!(SourceInput::parse("A", "press").unwrap_err().field, "kind");
    assert!(same_source_name("icrc ", " ICRC"));
}

#[test]
fn every_problem_of_a_list_is_named_by_line_and_field() {
    let (h, rows) = table(
        "ID,Full name,DOB,Place\nK-1,Agron Krasniqi,1971-05-04,Gjakova\nK-1,Someone,1970,Peja\nK-3,,1970-13-01,Peja",
    );
    let e = parse_rows(&h, &rows, &std_mapping()).unwrap_err();
    assert_eq!(
        problems(&e),
        [
            (3, "external_id".into()),
            (4, "name".into()),
            (4, "birth_date".into())
        ]
    );
    assert_eq!(
        e[0].invalid.message(),
        "\"K-1\" appears twice in this file (also on line 2)"
    );
    assert_eq!(e[1].invalid.message(), "empty");
    // A date that does not parse: the typed reason (translated by the web layer), naming
    // the value.
    assert!(matches!(e[2].invalid.problem, Problem::Parse(_)));
    assert!(e[2].invalid.message().contains("(got \"1970-13-01\")"));

    let (h, rows) = table("ID,Full name\nK-1,A");
    let e = parse_rows(
        &h,
        &rows,
        &mapping(&[("external_id", "ID"), ("name", "Name"), ("born", "DOB")]),
    )
    .unwrap_err();
    assert_eq!(problems(&e), [(0, "born".into()), (0, "name".into())]);
    assert_eq!(e[1].invalid.message(), "the file has no column \"Name\"");
    let e = parse_rows(&h, &rows, &mapping(&[("name", "Full name")])).unwrap_err();
    assert_eq!(
        e[0].invalid.message(),
        "map a column to this field (the file's columns: ID, Full name)"
    );
    assert_eq!(problems(&e), [(0, "external_id".into())]);
    let e = parse_rows(
        &h,
        &[],
        &mapping(&[("external_id", "ID"), ("name", "Full name")]),
    )
    .unwrap_err();
    assert_eq!(problems(&e), [(0, "file".into())]);
}

#[test]
fn rows_are_kept_as_received_and_hashed_with_what_was_read() {
    let (h, rows) = table("ID,Full name,DOB,Place,Notes\nK-1,Agron Krasniqi,1971-05,Gjakova,x");
    let r = parse_rows(&h, &rows, &std_mapping()).unwrap().remove(0);
    assert_eq!(r.line, 2);
    assert_eq!(
        (r.external_id.as_str(), r.name.as_str()),
        ("K-1", "Agron Krasniqi")
    );
    assert_eq!(r.birth_date.to_string(), "1971-05");
    assert_eq!(r.last_seen_date, PartialDate::UNKNOWN);
    assert_eq!(
        r.raw,
        r#"{"DOB":"1971-05","Full name":"Agron Krasniqi","ID":"K-1","Notes":"x","Place":"Gjakova"}"#
    );
    let read = r#"["Agron Krasniqi","1971-05","Gjakova","",""]"#;
    assert_eq!(
        r.hash,
        hex::encode(Sha256::digest(format!("{}\n{read}", r.raw).as_bytes()))
    );
    // The same file read with another mapping is another version of the row.
    let mut m = std_mapping();
    m.insert("sex".into(), "Notes".into());
    let again = parse_rows(&h, &rows, &m).unwrap().remove(0);
    assert_eq!(again.raw, r.raw);
    assert_ne!(again.hash, r.hash);
}

/// Lists of random identifiers (from a small alphabet, so that repeats are common) and
/// random names: a duplicate is reported exactly on the lines whose identifier came
/// before, naming the line it was last seen on; an empty name exactly where it is empty.
#[test]
fn duplicates_and_empty_names_over_random_lists() {
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let headers: Vec<String> = ["ID", "Full name"].map(String::from).to_vec();
    let m = mapping(&[("external_id", "ID"), ("name", "Full name")]);
    for _ in 0..300 {
        let len = 1 + next(12) as usize;
        let rows: Vec<(usize, Vec<String>)> = (0..len)
            .map(|i| {
                let id = match next(6) {
                    0 => String::new(),
                    k => format!("K-{k}"),
                };
                let name = if next(5) == 0 {
                    String::new()
                } else {
                    "N".into()
                };
                (i + 2, vec![id, name])
            })
            .collect();
        let mut last: HashMap<&str, usize> = HashMap::new();
        let mut expected = vec![];
        for (line, row) in &rows {
            if row[0].is_empty() {
                expected.push((*line, "external_id".to_string(), None));
            } else if let Some(f) = last.insert(&row[0], *line) {
                expected.push((*line, "external_id".to_string(), Some(f)));
            }
            if row[1].is_empty() {
                expected.push((*line, "name".to_string(), None));
            }
        }
        match parse_rows(&headers, &rows, &m) {
            Ok(parsed) => {
                assert!(expected.is_empty());
                assert_eq!(parsed.len(), rows.len());
            }
            Err(e) => {
                assert_eq!(
                    problems(&e),
                    expected
                        .iter()
                        .map(|(l, f, _)| (*l, f.clone()))
                        .collect::<Vec<_>>()
                );
                for (p, (_, _, f)) in e.iter().zip(&expected) {
                    if let Some(f) = f {
                        assert!(p
                            .invalid
                            .message()
                            .ends_with(&format!("(also on line {f})")));
                    }
                }
            }
        }
    }
}

#[test]
fn linking_rules_over_every_state_of_a_record() {
    let case = 7;
    for current in [true, false] {
        for linked in [None, Some(case), Some(9)] {
            let r = may_link(current, linked, case);
            assert_eq!(r.is_ok(), current && linked.is_none());
            if let Err(e) = r {
                assert_eq!(e.field, "record_id");
                if current && linked == Some(9) {
                    assert!(e.message().contains("linked to case #9"));
                }
            }
        }
    }
    let c = vec!["birth_date: the case says 1971, ICRC says 1973".to_string()];
    assert!(confirm_conflicts(&[], false).is_ok());
    assert!(confirm_conflicts(&c, true).is_ok());
    let e = confirm_conflicts(&c, false).unwrap_err();
    assert_eq!(e.field, "conflict");
    assert!(e.message().contains("ICRC says 1973"));
    assert!(dates_agree("1970", "1970-03-01") && !dates_agree("1970", "1971"));
    assert_eq!(not_linked().field, "record_id");
    assert_eq!(already_has_case().field, "record_id");
}
