//! `dignity refdata update FILE` as an administrator runs it: a file with an error names
//! its line and field and writes nothing; a valid snapshot shows what it changes and writes
//! nothing until accepted; accepted, it changes the shipped facts, keeps the office's rows
//! and keeps every previous value in the history.

use crate::common::{cmd, count, out, scalar};
use std::path::Path;

const HEADER: &str =
    "iso3,instrument,status,signature,consent,consent_kind,reservations,source,as_of,note\n";

fn consent(data: &Path, iso3: &str, instrument: &str) -> i64 {
    scalar(
        data,
        &format!(
            "SELECT COUNT(*) FROM ratifications WHERE iso3 = '{iso3}' AND instrument = '{instrument}' \
             AND consent = '2018-04-17' AND fact_source = 'untc' AND as_of = '2026-11-30'"
        ),
    )
}

#[test]
fn a_snapshot_is_checked_shown_and_applied_only_when_accepted() {
    let d = crate::common::dir("dignity-cli-refdata");
    let data = d.join("data");
    // (The command loads the shipped facts first, as every command that opens the store.)
    // A file with an error: its line and field, nothing written.
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}AFG,OP-CAT,party,,2018-04-17,accession,no,untc,2026-11-30,\n\
             GBR,ICERD,party,1966-10-11,1969-02-30,ratification,no,untc,2026-11-30,\n"
        ),
    )
    .unwrap();
    let o = cmd(
        &data,
        &["refdata", "update", bad.to_str().unwrap(), "--accept"],
    )
    .output()
    .unwrap();
    assert!(!o.status.success());
    assert!(out(&o).contains("line 3, field `consent`"), "{}", out(&o));
    assert!(out(&o).contains("nothing was written"), "{}", out(&o));
    assert_eq!(consent(&data, "AFG", "OP-CAT"), 0);

    // A valid snapshot (a test fixture, not a quoted fact): shown, not applied without
    // an answer (no terminal here).
    let good = d.join("untc-2026-11.csv");
    std::fs::write(
        &good,
        format!(
            "{HEADER}AFG,OP-CAT,party,,2018-04-17,accession,no,untc,2026-11-30,\n\
             GBR,ICERD,party,1966-10-11,1969-03-07,ratification,no,untc,2026-11-30,\n\
             USA,ICERD,party,1966-09-28,1994-10-21,ratification,yes,untc,2026-11-30,\n"
        ),
    )
    .unwrap();
    let o = cmd(&data, &["refdata", "update", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let text = out(&o);
    for line in [
        "changed dates: 1",
        "  AFG OP-CAT: consent 2018 → 2018-04-17, consent_kind — → accession, reservations_listed — → no (as of 2026-11-30)",
        "reservations or declarations no longer listed (withdrawn): 1",
        "  GBR ICERD: reservations_listed yes → no (as of 2026-11-30)",
        "confirmed as of a later day: 1",
        "nothing was written (run again with --accept to apply)",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    assert_eq!(consent(&data, "AFG", "OP-CAT"), 0);
    assert_eq!(count(&data, "ratification_history"), 0);

    // Accepted: applied, the history keeps the previous values with who and what.
    let o = cmd(
        &data,
        &["refdata", "update", good.to_str().unwrap(), "--accept"],
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("applied: 3 facts written"), "{}", out(&o));
    assert_eq!(consent(&data, "AFG", "OP-CAT"), 1);
    assert_eq!(
        scalar(
            &data,
            "SELECT COUNT(*) FROM ratification_history WHERE iso3 = 'AFG' AND instrument = 'OP-CAT' \
             AND field = 'consent' AND old_value = '2018' AND new_value = '2018-04-17' \
             AND origin LIKE 'refdata update untc-2026-11.csv sha256:%' AND actor_name LIKE 'cli:%'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &data,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'refdata.update' AND record_id = 'ratifications'"
        ),
        1
    );
    // Again: nothing left to change.
    let o = cmd(&data, &["refdata", "update", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("nothing to change"), "{}", out(&o));
}
