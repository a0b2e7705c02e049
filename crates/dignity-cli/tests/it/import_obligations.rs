//! `dignity import upr-info | uhri | recommendations` as a script drives them: a dry run
//! that counts and writes nothing, the summary (read, created, updated, rejected), rejected
//! rows named with their line and field and nothing written, idempotent re-imports.

use crate::common::{cmd, out, scalar as count};
use std::path::{Path, PathBuf};
use std::process::Output;

const UPR_1_5: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/upr/upr-info-sessions-1-5.csv"
);

fn run(data: &Path, args: &[&str]) -> Output {
    cmd(data, args).output().unwrap()
}

fn data_dir() -> (PathBuf, PathBuf) {
    let d = crate::common::dir("dignity-cli-obligations");
    let data = d.join("data");
    (d, data)
}

#[test]
fn upr_info_file_dry_run_import_and_re_import() {
    let (_d, data) = data_dir();
    // The real file (Latin-1 in its first form): 6,094 recommendations, sessions 1–5.
    let o = run(&data, &["import", "upr-info", UPR_1_5, "--dry-run"]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains(
            "upr-info: read 6094, would be created 6094, would be updated 0, unchanged 0, rejected 0 (dry run: nothing written)"
        ),
        "{}",
        out(&o)
    );
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 0);

    let o = run(&data, &["import", "upr-info", UPR_1_5]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("upr-info: read 6094, created 6094, updated 0, unchanged 0, rejected 0"),
        "{}",
        out(&o)
    );
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 6094);
    // The file's first row, field by field.
    assert_eq!(
        count(
            &data,
            "SELECT COUNT(*) FROM recommendations WHERE iso3 = 'AFG' AND recommending_iso3 = 'AUT' \
             AND body = 'UPR' AND mechanism = 'upr' AND position = 'supported' AND upr_action = 5 AND session = '5' \
             AND upr_cycle = 1 AND text LIKE 'Enact legislation and take effective measures to protect and promote women''s rights%'"
        ),
        1
    );
    // Again: nothing new, nothing duplicated (stable keys).
    let o = run(&data, &["import", "upr-info", UPR_1_5, "--format", "json"]);
    assert!(o.status.success(), "{}", out(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (&j["read"], &j["created"], &j["updated"], &j["unchanged"]),
        (
            &serde_json::json!(6094),
            &serde_json::json!(0),
            &serde_json::json!(0),
            &serde_json::json!(6094)
        )
    );
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 6094);
}

const UHRI_HEADER: &str = "Text,Countries Concerned,Reccomending Body,Document Symbol,Themes,Affected Persons,Sdgs,Document Publication Date,UPR Reccomending States,UPR Position,Type,OHCHR Annotation Id,UPR Session,Regions Concerned,Recommending Regions,Date of publication on UHRI\n";

#[test]
fn uhri_and_mapped_files_reject_bad_rows_by_line_and_field_and_write_nothing() {
    let (d, data) = data_dir();
    let good = format!(
        "{UHRI_HEADER}\
         \"Adopt a law against torture.\",Kenya,CAT,CAT/C/KEN/CO/3,\"- Torture\",\"- Persons deprived of their liberty\",\"- 16.3 - Promote the rule of law\",2022-06-01,,,Recommendations,6f1c2a1e-1111-4a4b-9c9c-000000000001,,Africa,,2022-07-01\n\
         \"Ratify OP-CAT.\",Kenya,CAT,CAT/C/KEN/CO/3,\"- Torture\",,,2022-06-01,,,Recommendations,6f1c2a1e-1111-4a4b-9c9c-000000000002,,Africa,,2022-07-01\n"
    );
    let bad = format!(
        "{good}\
         \"Unknown State.\",Atlantis,CAT,CAT/C/ATL/CO/1,,,,2022-06-01,,,Recommendations,6f1c2a1e-1111-4a4b-9c9c-000000000003,,,,\n"
    );
    let f_bad = d.join("uhri-bad.csv");
    std::fs::write(&f_bad, &bad).unwrap();
    let o = run(&data, &["import", "uhri", f_bad.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("rejected: ") && text.contains("Atlantis"),
        "{text}"
    );
    assert!(text.contains("row 4, field Countries Concerned"), "{text}");
    // The counts of a refused import say what it would have done, not what it did.
    assert!(text.contains("would be created"), "{text}");
    assert!(!text.contains(", created "), "{text}");
    assert!(
        text.contains("nothing was written: correct the rejected rows and import again"),
        "{text}"
    );
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 0);

    let f_good = d.join("uhri.csv");
    std::fs::write(&f_good, &good).unwrap();
    let o = run(&data, &["import", "uhri", f_good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("uhri: read 2, created 2, updated 0, unchanged 0, rejected 0"),
        "{}",
        out(&o)
    );
    // A changed text under the same OHCHR annotation id is an update, not a new row.
    let changed = good.replace(
        "Adopt a law against torture.",
        "Adopt a law criminalising torture.",
    );
    std::fs::write(&f_good, &changed).unwrap();
    let o = run(&data, &["import", "uhri", f_good.to_str().unwrap()]);
    assert!(
        out(&o).contains("uhri: read 2, created 0, updated 1, unchanged 1, rejected 0"),
        "{}",
        out(&o)
    );
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 2);

    // A generic table with a column mapping; a malformed date names its line and field.
    let map = d.join("map.toml");
    std::fs::write(
        &map,
        "[columns]\ntext = \"Recommendation\"\ncountry = \"State\"\nbody = \"Body\"\ndate = \"Date\"\n",
    )
    .unwrap();
    let table = d.join("table.csv");
    std::fs::write(
        &table,
        "State,Body,Date,Recommendation\nKenya,CCPR,2021-11-30,Establish an independent police oversight body.\nKenya,CCPR,2021-13-45,Release the detained journalists.\n",
    )
    .unwrap();
    let (m, t) = (map.to_str().unwrap(), table.to_str().unwrap());
    let o = run(
        &data,
        &["import", "recommendations", t, "--mapping", m, "--dry-run"],
    );
    let text = out(&o);
    assert!(!o.status.success(), "{text}");
    assert!(text.contains("row 3, field Date"), "{text}");
    assert!(text.contains("(dry run: nothing written)"), "{text}");
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 2);
    std::fs::write(
        &table,
        "State,Body,Date,Recommendation\nKenya,CCPR,2021-11-30,Establish an independent police oversight body.\n",
    )
    .unwrap();
    let o = run(&data, &["import", "recommendations", t, "--mapping", m]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("recommendations: read 1, created 1"),
        "{}",
        out(&o)
    );
    assert_eq!(count(&data, "SELECT COUNT(*) FROM recommendations"), 3);
}

#[test]
fn a_uhri_excel_export_imports_with_serial_dates_and_multi_line_cells() {
    let (d, data) = data_dir();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in UHRI_HEADER.trim_end().split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let row: [&str; 16] = [
        "Take measures to prevent violence against women.",
        "- Iraq",
        "CEDAW",
        "CEDAW/C/IRQ/CO/8",
        "- Women\n- Legal framework",
        "- Women",
        "- 5.1 - End all forms of discrimination against all women and girls everywhere",
        "",
        "",
        "",
        "Recommendations",
        "0b7c2a7e-0000-4000-8000-0000000000aa",
        "",
        "Asia",
        "",
        "",
    ];
    for (c, v) in row.iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    // The publication date as Excel stores it: a serial number (2019-11-29).
    ws.write_number(1, 7, 43798.0).unwrap();
    let f = d.join("uhri.xlsx");
    wb.save(&f).unwrap();
    let o = run(&data, &["import", "uhri", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("uhri: read 1, created 1"), "{}", out(&o));
    assert_eq!(
        count(
            &data,
            "SELECT COUNT(*) FROM recommendations WHERE iso3 = 'IRQ' AND body = 'CEDAW' AND rec_date = '2019-11-29'"
        ),
        1
    );
}
