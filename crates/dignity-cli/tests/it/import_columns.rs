//! Columns no field reads, in every CSV/XLSX importer: listed with a "did you mean …"
//! suggestion in the dry run and the summary, and refused under `--strict` (nothing
//! written), so that a column named `date_of_birth` is never dropped without a word.

use crate::common::{add_user, count, out, run_pw as run};
use std::path::{Path, PathBuf};

fn setup(name: &str) -> (PathBuf, PathBuf) {
    let d = crate::common::dir(name);
    let data = d.join("data");
    add_user(&data, "dora", "documenter");
    (d, data)
}

fn file(d: &Path, name: &str, text: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn source_list_names_the_unmapped_column_and_strict_refuses_it() {
    let (d, data) = setup("dignity-cli-columns-src");
    let list = file(
        &d,
        "list.csv",
        "external_id,name,date_of_birth,place,Remarks\nKM-1,Agron Krasniqi,1971-05-04,Gjakova,seen at the market\n",
    );
    let base = [
        "import",
        "source-list",
        list.as_str(),
        "--source",
        "Commission",
        "--kind",
        "commission",
        "--as",
        "dora",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        run(&data, &a)
    };
    // The dry run names both columns, with a suggestion where there is one.
    let o = with(&["--dry-run"]);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains(r#"unmapped column: "date_of_birth" (column 3): did you mean "birth_date"?"#),
        "{text}"
    );
    assert!(
        text.contains(r#"unmapped column: "Remarks" (column 5)"#),
        "{text}"
    );
    assert!(
        text.contains("2 column(s) of the file are not imported"),
        "{text}"
    );
    // JSON carries them too.
    let o = with(&["--dry-run", "--format", "json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["unmapped_columns"][0]["column"], "date_of_birth");
    assert_eq!(j["unmapped_columns"][0]["suggestion"], "birth_date");
    assert_eq!(
        j["unmapped_columns"][1]["suggestion"],
        serde_json::Value::Null
    );

    // --strict: refused, the columns named as errors of line 1, nothing written (not even
    // the new source).
    let o = with(&["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("date_of_birth"), "{text}");
    assert!(text.contains("did you mean \"birth_date\""), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(count(&data, "pro_source_records"), 0);
    assert_eq!(count(&data, "pro_sources"), 0);

    // Without --strict the list is imported and the summary still says what was left out.
    let o = with(&[]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("unmapped column: \"date_of_birth\""));
    assert_eq!(count(&data, "pro_source_records"), 1);

    // With a mapping for it, nothing is left out.
    let map = file(&d, "map.toml", "birth_date = \"date_of_birth\"\n");
    let o = with(&["--mapping", map.as_str(), "--dry-run"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(!out(&o).contains("date_of_birth"), "{}", out(&o));
    assert!(out(&o).contains("unmapped column: \"Remarks\""));
    // … and importing it again with the mapping stores the record's new version.
    assert!(out(&o).contains("would be updated 1"), "{}", out(&o));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn upr_info_reports_extra_columns_but_not_the_derived_ones() {
    let (d, data) = setup("dignity-cli-columns-upr");
    let f = file(
        &d,
        "upr.csv",
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session,Sesion date\n\
         Afghanistan,Asia,OIC,Do X.,Austria,WEOG,EU,Accepted,5,Justice,5,2009-05-06\n",
    );
    let o = run(&data, &["import", "upr-info", &f, "--dry-run"]);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains(r#"unmapped column: "Sesion date" (column 12)"#),
        "{text}"
    );
    assert!(!text.contains("To-Rgrp"), "{text}");
    let o = run(&data, &["import", "upr-info", &f, "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("Sesion date"));
    assert_eq!(count(&data, "recommendations"), 0);
    // Without --strict it is imported.
    let o = run(&data, &["import", "upr-info", &f]);
    assert!(o.status.success(), "{}", out(&o));
    assert_eq!(count(&data, "recommendations"), 1);
    std::fs::remove_dir_all(d).ok();
}

const UHRI_HEADER: &str = "Text,Countries Concerned,Reccomending Body,Document Symbol,Themes,Affected Persons,Sdgs,Document Publication Date,UPR Reccomending States,UPR Position,Type,OHCHR Annotation Id,UPR Session,Regions Concerned,Recommending Regions,Date of publication on UHRI";

#[test]
fn uhri_reports_a_misspelt_column_with_the_known_one() {
    let (d, data) = setup("dignity-cli-columns-uhri");
    let f = file(
        &d,
        "uhri.csv",
        &format!(
            "{UHRI_HEADER},Sdg\n\"Adopt a law.\",\"- Iraq\",CEDAW,CEDAW/C/IRQ/CO/8,,,,43798,,,Recommendations,0b7c2a7e-0000-4000-8000-000000000001,,Asia,,2020-01-01,x\n"
        ),
    );
    let o = run(&data, &["import", "uhri", &f, "--dry-run"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(r#"unmapped column: "Sdg" (column 17)"#),
        "{}",
        out(&o)
    );
    let o = run(&data, &["import", "uhri", &f, "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert_eq!(count(&data, "recommendations"), 0);
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn recommendations_with_a_mapping_suggest_the_unmapped_field() {
    let (d, data) = setup("dignity-cli-columns-recs");
    let map = file(
        &d,
        "map.toml",
        "[columns]\ntext = \"Recommendation\"\ncountry = \"State\"\n[defaults]\nbody = \"CAT\"\n",
    );
    let f = file(
        &d,
        "recs.csv",
        "Recommendation,State,Dates\nEnd torture.,Peru,2020-01-01\n",
    );
    let import = |flag: &str| {
        run(
            &data,
            &["import", "recommendations", &f, "--mapping", &map, flag],
        )
    };
    let o = import("--dry-run");
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(r#"unmapped column: "Dates" (column 3): did you mean "date"?"#),
        "{}",
        out(&o)
    );
    let o = import("--strict");
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("did you mean \"date\""), "{}", out(&o));
    assert_eq!(count(&data, "recommendations"), 0);
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn ratifications_suggest_the_known_column() {
    let (d, data) = setup("dignity-cli-columns-rat");
    let f = file(
        &d,
        "rat.csv",
        "iso3,instrument,status,reservation\nPER,CAT,party,none\n",
    );
    let o = run(&data, &["import", "ratifications", &f, "--dry-run"]);
    assert!(
        out(&o)
            .contains(r#"unmapped column: "reservation" (column 4): did you mean "reservations"?"#),
        "{}",
        out(&o)
    );
    let o = run(&data, &["import", "ratifications", &f, "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("reservation"));
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn a_ratification_of_an_unknown_country_is_named_with_its_line_and_nothing_is_written() {
    let (d, data) = setup("dignity-cli-rat-country");
    let f = file(
        &d,
        "rat.csv",
        "iso3,instrument,status,consent,consent_kind\nPER,CAT,party,1988-07-07,ratification\nXXQ,CAT,party,2001-01-01,accession\n",
    );
    let o = run(&data, &["import", "ratifications", &f, "--dry-run"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let before = count(&data, "ratifications");
    let o = run(&data, &["import", "ratifications", &f]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains(r#"row 3, field iso3: unknown country "XXQ""#),
        "{}",
        out(&o)
    );
    assert!(out(&o).contains("nothing was written"), "{}", out(&o));
    assert_eq!(count(&data, "ratifications"), before);
    std::fs::remove_dir_all(d).ok();
}

#[test]
fn incidents_and_kobo_list_unread_columns_and_strict_refuses() {
    let (d, data) = setup("dignity-cli-columns-vio");
    let map = file(
        &d,
        "map.toml",
        "[columns]\nevent_key = \"Incident\"\nevent_title = \"Title\"\nevent_start = \"Date\"\ncountry = \"Country\"\nact_type = \"Violation\"\nvictim_name = \"Victim\"\n[defaults]\nconfidentiality = \"internal\"\n",
    );
    let f = file(
        &d,
        "incidents.csv",
        "Incident,Title,Date,Country,Violation,Victim,Victim sex\n1,Raid,2024-03-05,PER,Arrest,Ana Mamani,F\n",
    );
    let args = |strict: bool| {
        let mut a = vec![
            "import",
            "incidents",
            f.as_str(),
            "--mapping",
            map.as_str(),
            "--as",
            "dora",
        ];
        if strict {
            a.push("--strict");
        }
        a
    };
    let o = run(&data, &args(true));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains(
            r#"row 1, field Victim sex: this column is not imported (did you mean "victim_sex"?)"#
        ),
        "{}",
        out(&o)
    );
    assert_eq!(count(&data, "vio_acts"), 0);
    let o = run(&data, &args(false));
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(r#"unmapped column: "Victim sex" (column 7): did you mean "victim_sex"?"#),
        "{}",
        out(&o)
    );
    assert_eq!(count(&data, "vio_acts"), 1);

    // A KoboToolbox export: metadata columns (`_uuid`, `start`) are not reported; a
    // misspelt question is.
    let k = file(
        &d,
        "kobo.csv",
        "start,end,incident/event_title,incident/event_start,incident/country,acts/act_type,acts/victim_nam,_uuid,_submission_time\n\
         2024-05-01,2024-05-01,Market attack,2024-05-01,SDN,Arrest,Victim One,abc,2024-05-02\n",
    );
    let o = run(&data, &["import", "kobo", &k, "--as", "dora", "--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains(
            r#"field victim_nam: this column is not imported (did you mean "victim_name"?)"#
        ),
        "{text}"
    );
    assert!(
        !text.contains("_uuid") && !text.contains("\"start\""),
        "{text}"
    );
    assert_eq!(count(&data, "vio_acts"), 1);
    std::fs::remove_dir_all(d).ok();
}
