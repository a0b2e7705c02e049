//! UPR recommendations (issue 17 item 8): the importers map each format's spellings of
//! the State's response to one typed value, check action categories, UPR Info issues and
//! SDG targets against the shipped lists, and name the line and the field of a bad cell.

use super::tests::resolver;
use super::*;

fn table(csv: &str) -> Table {
    Table::from_csv(csv).unwrap()
}

const UPR_INFO_HEADER: &str =
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n";

fn upr_info(rows: &str) -> Parsed {
    parse_upr_info(&table(&format!("{UPR_INFO_HEADER}{rows}")), &resolver())
}

/// (line, field) of every rejected cell.
fn fields(p: &Parsed) -> Vec<(u64, &str)> {
    p.rejected
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect()
}

fn messages(p: &Parsed) -> Vec<String> {
    p.rejected.iter().map(|e| e.to_string()).collect()
}

#[test]
fn upr_info_responses_map_to_the_typed_response() {
    // The shared UPR Info exports hold exactly `Accepted` and `Noted` (30,472 and 10,594
    // of 41,066); a blank response is a recommendation without a response yet.
    let p = upr_info(
        "Kenya,,,Do A.,France,,,Accepted,5,Justice,9\n\
         Kenya,,,Do B.,France,,,Noted,1,Justice,9\n\
         Kenya,,,Do C.,France,,,,3,Justice,9\n\
         Kenya,,,Do D.,France,,, accepted ,2,Justice,9\n",
    );
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let got: Vec<_> = p
        .records
        .iter()
        .map(|r| (r.position, r.upr_action))
        .collect();
    assert_eq!(
        got,
        [
            (Some(Position::Supported), Some(5)),
            (Some(Position::Noted), Some(1)),
            (Some(Position::Pending), Some(3)),
            (Some(Position::Supported), Some(2)),
        ]
    );
}

#[test]
fn upr_info_bad_spellings_name_the_line_and_the_field() {
    let p = upr_info(
        "Kenya,,,Do A.,France,,,Rejected,5,Justice,9\n\
         Kenya,,,Do B.,France,,,Accepted,6,Justice,9\n\
         Kenya,,,Do C.,France,,,Accepted,5,Jutsice,9\n\
         Kenya,,,Do D.,France,,,Supported,5,Justice,9\n",
    );
    assert!(p.records.is_empty(), "nothing of a bad row is kept");
    assert_eq!(
        messages(&p),
        [
            "row 2, field Response: expected Accepted, Noted or blank, got \"Rejected\"",
            "row 3, field Action: expected 1 to 5, got \"6\"",
            "row 4, field Issue: unknown issue \"Jutsice\" (not in data/upr/upr-info-issues.csv)",
            "row 5, field Response: expected Accepted, Noted or blank, got \"Supported\"",
        ]
    );
}

const UHRI_ROW_TAIL: &str = ",Recommendations";

fn uhri(rows: &[(&str, &str, &str, &str)]) -> Parsed {
    // (body, UPR Position, Sdgs, annotation id suffix)
    let header = UHRI_COLUMNS.join(",");
    let mut csv = format!("{header}\n");
    for (body, pos, sdgs, id) in rows {
        csv.push_str(&format!(
            "\"Do it.\",\"- Kenya\",{body},A/HRC/1/1,,,\"{sdgs}\",2019-05-01,\"- France\",{pos}{UHRI_ROW_TAIL},0b7c2a7e-0000-4000-8000-0000000000{id},33,,,\n"
        ));
    }
    parse_uhri(&table(&csv), &resolver())
}

#[test]
fn uhri_positions_map_and_a_blank_is_pending_for_the_upr_only() {
    let p = uhri(&[
        ("UPR", "Supported", "", "01"),
        ("UPR", "Noted", "", "02"),
        ("UPR", "Partially supported", "", "03"),
        ("UPR", "", "- 16.10 - Public access to information", "04"),
        ("CCPR", "", "", "05"),
    ]);
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let got: Vec<_> = p.records.iter().map(|r| r.position).collect();
    assert_eq!(
        got,
        [
            Some(Position::Supported),
            Some(Position::Noted),
            Some(Position::PartiallySupported),
            Some(Position::Pending),
            None,
        ]
    );
    assert_eq!(p.records[3].sdgs, ["16.10"]);
}

#[test]
fn uhri_bad_positions_and_sdg_targets_name_the_line_and_the_field() {
    let p = uhri(&[
        ("UPR", "Accepted", "", "01"),
        ("UPR", "Noted", "- 18.1 - No such goal", "02"),
        (
            "UPR",
            "Noted",
            "- 5.1 - End discrimination\n- 5.z - Nothing",
            "03",
        ),
    ]);
    assert!(p.records.is_empty());
    let fields = fields(&p);
    assert_eq!(fields, [(2, "UPR Position"), (3, "Sdgs"), (4, "Sdgs")]);
    assert!(
        p.rejected[0]
            .to_string()
            .contains("expected Supported, Noted, Partially supported or blank"),
        "{}",
        p.rejected[0]
    );
    assert!(
        p.rejected[2].to_string().contains("5.z"),
        "{}",
        p.rejected[2]
    );
}

#[test]
fn generic_tables_use_the_canonical_names() {
    let m = Mapping::parse(
        "[columns]\ntext = \"Rec\"\ncountry = \"State\"\nposition = \"Response\"\nsdgs = \"SDG\"\n[defaults]\nbody = \"UPR\"\n",
    )
    .unwrap();
    let t = table(
        "State,Rec,Response,SDG\n\
         Kenya,Do A,partially supported,16.3\n\
         Kenya,Do B,,\n\
         Kenya,Do C,maybe,\n\
         Kenya,Do D,noted,99.9\n",
    );
    let p = parse_generic(&t, &m, &resolver());
    let got: Vec<_> = p.records.iter().map(|r| r.position).collect();
    assert_eq!(
        got,
        [Some(Position::PartiallySupported), Some(Position::Pending)]
    );
    let fields = fields(&p);
    assert_eq!(fields, [(4, "Response"), (5, "SDG")]);
}

#[test]
fn responses_round_trip_and_hand_entry_knows_the_four() {
    for p in Position::ALL {
        assert_eq!(Position::parse(p.as_str()), Some(p));
        assert_eq!(
            Position::from_spelling(ResponseSpelling::Canonical, p.as_str()),
            Ok(p)
        );
    }
    assert_eq!(
        parse_position(Some("partially supported")).unwrap(),
        Some(Position::PartiallySupported)
    );
    assert_eq!(parse_upr_action(5).unwrap(), 5);
    assert_eq!(parse_upr_action(0).unwrap_err().field, "upr_action");
    assert_eq!(CountFacet::parse("action").unwrap(), CountFacet::Action);
}
