//! End-to-end tests of `dignity estimate` / `dignity link` through the
//! library entry points, including every kind of bad input.

use crate::common;
use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use common::shared_data;
use dignity_stats::cli::{estimate_to, run_link, EstimateArgs, LinkArgs};

#[derive(Parser)]
struct E {
    #[command(flatten)]
    a: EstimateArgs,
}
#[derive(Parser)]
struct L {
    #[command(flatten)]
    a: LinkArgs,
}

fn temp_csv(dir: &tempfile::TempDir, name: &str, body: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    p
}

fn estimate(args: &[&str]) -> Result<String, String> {
    let mut argv = vec!["estimate"];
    argv.extend_from_slice(args);
    let a = E::try_parse_from(argv).map_err(|e| e.to_string())?.a;
    let mut out = Vec::new();
    estimate_to(&a, &mut out).map_err(|e| format!("{e:#}"))?;
    Ok(String::from_utf8(out).unwrap())
}

fn estimate_err(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_csv(&dir, "t.csv", body);
    estimate(&[p.to_str().unwrap()]).expect_err("bad input must be refused")
}

#[test]
fn json_output_has_the_documented_fields() {
    let f = shared_data("mse/hiv_rome.csv");
    let out = estimate(&[f.to_str().unwrap(), "--terms", ""]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for k in [
        "observed", "estimate", "lower", "upper", "method", "model", "warnings",
    ] {
        assert!(v.get(k).is_some(), "missing {k} in {out}");
    }
    assert_eq!(v["method"], "loglinear");
    assert!((v["estimate"].as_f64().unwrap() - 11124.6).abs() < 1.0);
    assert!((v["lower"].as_f64().unwrap() - 9531.7).abs() < 1.0);
}

#[test]
fn stepwise_is_the_default_and_terms_fix_the_model() {
    let f = shared_data("mse/uk_modern_slavery_2013_5lists.csv");
    let v: serde_json::Value =
        serde_json::from_str(&estimate(&[f.to_str().unwrap()]).unwrap()).unwrap();
    assert!((v["estimate"].as_f64().unwrap() - 11313.0).abs() < 11.313);
    let v: serde_json::Value =
        serde_json::from_str(&estimate(&[f.to_str().unwrap(), "--terms", "LA:NG"]).unwrap())
            .unwrap();
    assert_eq!(v["model"], "LA:NG");
}

#[test]
fn text_format_and_other_methods() {
    let f = shared_data("mse/madigan_york_5lists.csv");
    let out = estimate(&[f.to_str().unwrap(), "--method", "dga", "--format", "text"]).unwrap();
    assert!(out.contains("estimated total 618"), "{out}");
    let out = estimate(&[
        f.to_str().unwrap(),
        "--method",
        "lcm",
        "--burn-in",
        "500",
        "--samples",
        "200",
        "--thin",
        "2",
    ])
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["method"], "lcm");
    assert!(v["estimate"].as_f64().unwrap() > 537.0);
}

#[test]
fn stratified_estimates_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from("A,B,C,region,count\n");
    for (r, k) in [("north", 2.0), ("south", 1.0)] {
        for (h, c) in [
            ("1,0,0", 50.0),
            ("0,1,0", 40.0),
            ("0,0,1", 30.0),
            ("1,1,0", 10.0),
            ("1,0,1", 8.0),
            ("0,1,1", 6.0),
            ("1,1,1", 2.0),
        ] {
            body.push_str(&format!("{h},{r},{}\n", c * k));
        }
    }
    let p = temp_csv(&dir, "s.csv", &body);
    for method in ["loglinear", "dga"] {
        let out = estimate(&[
            p.to_str().unwrap(),
            "--stratum",
            "region",
            "--method",
            method,
        ])
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let strata = v["strata"].as_array().unwrap();
        assert_eq!(strata.len(), 2);
        let sum: f64 = strata.iter().map(|s| s["estimate"].as_f64().unwrap()).sum();
        assert!((v["total"]["estimate"].as_f64().unwrap() - sum).abs() < 1e-6 * sum);
        assert_eq!(v["observed"].as_f64().unwrap(), 438.0);
        // doubling every count doubles the log-linear estimate
        if method == "loglinear" {
            let n = strata[0]["estimate"].as_f64().unwrap();
            let s = strata[1]["estimate"].as_f64().unwrap();
            assert!((n - 2.0 * s).abs() < 1e-6 * n, "{n} vs {s}");
        }
    }
}

#[test]
fn bad_capture_histories_are_refused_with_row_and_column() {
    let e = estimate_err("A,B,count\n1,0,5\n2,1,3\n");
    assert!(
        e.contains("line 3") && e.contains("'A'") && e.contains("0 or 1"),
        "{e}"
    );
    let e = estimate_err("A,B,count\n1,0,5\n0,1,-3\n");
    assert!(e.contains("line 3") && e.contains("negative"), "{e}");
    let e = estimate_err("A,count\n1,5\n");
    assert!(e.contains("at least 2 list"), "{e}");
    let e = estimate_err("A,B,count\n1,0,5\n0,0,3\n");
    assert!(
        e.contains("line 3") && e.contains("no list is marked"),
        "{e}"
    );
    let e = estimate_err("");
    assert!(e.contains("empty"), "{e}");
    let e = estimate_err("A,B,count\n");
    assert!(e.contains("no data rows"), "{e}");
    let e = estimate_err("A,B,count\n1,0,5\n0,1\n");
    assert!(e.contains("line 3"), "{e}");
    let e = estimate_err("A,B,count\n1,0,five\n");
    assert!(e.contains("line 2") && e.contains("count"), "{e}");
    let e = estimate_err("A,B,count\n1,0,2.5\n");
    assert!(e.contains("whole number"), "{e}");
}

#[test]
fn no_number_when_the_estimate_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    // Saturated two-way model with an empty AB-only cell: the MLE is infinite.
    let p = temp_csv(
        &dir,
        "t.csv",
        "A,B,C,count\n1,0,0,10\n0,1,0,10\n0,0,1,10\n1,1,0,0\n1,0,1,5\n0,1,1,5\n1,1,1,3\n",
    );
    let e = estimate(&[p.to_str().unwrap(), "--terms", "A:B,A:C,B:C"]).unwrap_err();
    assert!(e.contains("no estimate") && e.contains("infinite"), "{e}");
    // Two lists that share nobody: no capture–recapture information at all.
    let p = temp_csv(&dir, "u.csv", "A,B,count\n1,0,10\n0,1,10\n");
    let e = estimate(&[p.to_str().unwrap(), "--terms", ""]).unwrap_err();
    assert!(e.contains("no estimate"), "{e}");
    // Unknown list in --terms, unknown stratum column.
    let f = shared_data("mse/hiv_rome.csv");
    let e = estimate(&[f.to_str().unwrap(), "--terms", "c1:zz"]).unwrap_err();
    assert!(e.contains("no list named 'zz'"), "{e}");
    let e = estimate(&[f.to_str().unwrap(), "--stratum", "region"]).unwrap_err();
    assert!(e.contains("stratum column 'region' not found"), "{e}");
}

fn link(args: &[&str]) -> Result<(), String> {
    let mut argv = vec!["link"];
    argv.extend_from_slice(args);
    let a = L::try_parse_from(argv).map_err(|e| e.to_string())?.a;
    run_link(&a).map_err(|e| format!("{e:#}"))
}

#[test]
fn link_writes_pairs_and_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let f = shared_data("linkage/fake_1000.csv");
    let pairs = dir.path().join("pairs.csv");
    let clusters = dir.path().join("clusters.csv");
    link(&[
        f.to_str().unwrap(),
        "--id",
        "unique_id",
        "--field",
        "first_name:name",
        "--field",
        "surname:name",
        "--field",
        "dob",
        "--field",
        "city",
        "--field",
        "email:exact",
        "--pairs",
        pairs.to_str().unwrap(),
        "--clusters",
        clusters.to_str().unwrap(),
    ])
    .unwrap();
    let p = std::fs::read_to_string(&pairs).unwrap();
    assert!(p.starts_with("id_l,id_r,match_probability\n"));
    assert!(p.lines().count() > 1500, "{} pairs", p.lines().count());
    let c = std::fs::read_to_string(&clusters).unwrap();
    assert!(c.starts_with("id,cluster\n"));
    assert_eq!(c.lines().count(), 1001);
    // records 0..3 are one person in the ground truth
    let cl: Vec<&str> = c
        .lines()
        .skip(1)
        .take(4)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert!(cl.iter().all(|x| *x == cl[0]), "{cl:?}");
}

#[test]
fn link_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = temp_csv(&dir, "e.csv", "");
    assert!(link(&[empty.to_str().unwrap(), "--id", "id"])
        .unwrap_err()
        .contains("empty"));
    let f = temp_csv(&dir, "f.csv", "id,name\n1,Ann\n1,Anne\n");
    let e = link(&[f.to_str().unwrap(), "--id", "id"]).unwrap_err();
    assert!(e.contains("line 3") && e.contains("already used"), "{e}");
    let e = link(&[f.to_str().unwrap(), "--id", "key"]).unwrap_err();
    assert!(e.contains("no id column 'key'"), "{e}");
    let g = temp_csv(&dir, "g.csv", "id,name\n1,Ann\n2,Anne\n");
    let e = link(&[g.to_str().unwrap(), "--id", "id", "--field", "name:colour"]).unwrap_err();
    assert!(e.contains("unknown kind 'colour'"), "{e}");
    let e = link(&[g.to_str().unwrap(), "--id", "id", "--field", "nom"]).unwrap_err();
    assert!(e.contains("no column 'nom'"), "{e}");
    let h = temp_csv(&dir, "h.csv", "id,name\n1,Ann\n2,Anne,extra\n");
    let e = link(&[h.to_str().unwrap(), "--id", "id"]).unwrap_err();
    assert!(e.contains("line 3"), "{e}");
    let e = link(&[g.to_str().unwrap(), "--id", "id", "--threshold", "1.5"]).unwrap_err();
    assert!(e.contains("threshold"), "{e}");
}
