//! Log-linear MSE against the published figures in ../shared/data/mse/README.md
//! (SparseMSE 2.0.1 and Rcapture 1.4-4 under R 4.2.2). Tolerance 0.1 %: the
//! published figures are rounded to whole people.

use crate::common;
use common::{assert_rel, shared_data};
use dignity_stats::mse::loglinear::{
    self, parse_terms, IntervalMethod, LoglinearOptions, Selection,
};
use dignity_stats::mse::{read_capture_csv, CaptureHistories};

const TOL: f64 = 1e-3;

fn load(name: &str) -> CaptureHistories {
    let t = read_capture_csv(&shared_data(&format!("mse/{name}")), None).unwrap();
    assert_eq!(t.strata.len(), 1);
    t.strata.into_iter().next().unwrap().1
}

/// SparseMSE `estimatepopulation.0(zdat, method = "stepwise")`: point
/// estimate and the 95 % interval normal on the log dark figure.
fn check_sparsemse(name: &str, n_obs: f64, est: f64, lo: f64, hi: f64) -> loglinear::LoglinearFit {
    let d = load(name);
    assert_eq!(d.observed(), n_obs, "{name}: observed count");
    let f = loglinear::stepwise(&d, 0.02).unwrap();
    assert_rel(&format!("{name} estimate"), f.estimate, est, TOL);
    let (l, u) = f.wald_log_interval(0.95);
    assert_rel(&format!("{name} lower"), l, lo, TOL);
    assert_rel(&format!("{name} upper"), u, hi, TOL);
    f
}

#[test]
fn uk_modern_slavery_six_lists_stepwise() {
    let f = check_sparsemse(
        "uk_modern_slavery_2013.csv",
        2744.0,
        11418.0,
        9977.0,
        13146.0,
    );
    assert_eq!(f.terms.len(), 7);
}

#[test]
fn uk_modern_slavery_main_effects() {
    let d = load("uk_modern_slavery_2013.csv");
    let f = loglinear::fit(&d, &[]).unwrap();
    assert_rel("estimate", f.estimate, 12214.0, TOL);
    let (l, u) = f.wald_log_interval(0.95);
    assert_rel("lower", l, 10989.0, TOL);
    assert_rel("upper", u, 13621.0, TOL);
}

#[test]
fn uk_modern_slavery_five_lists_selects_published_terms() {
    let f = check_sparsemse(
        "uk_modern_slavery_2013_5lists.csv",
        2744.0,
        11313.0,
        9884.0,
        13027.0,
    );
    let d = load("uk_modern_slavery_2013_5lists.csv");
    let mut got: Vec<_> = f.terms.clone();
    let mut want = parse_terms(&d, "LA:NG,NG:GP,PFNCA:GP,LA:PFNCA,GO:GP,NG:GO").unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want, "selected interactions");
    assert!(
        (f.deviance - 16.35).abs() < 0.01,
        "residual deviance {}",
        f.deviance
    );
    assert_eq!(f.df_residual, 19);
}

#[test]
fn netherlands_stepwise() {
    check_sparsemse("netherlands.csv", 8234.0, 111139.0, 92440.0, 133991.0);
}

#[test]
fn new_orleans_stepwise() {
    check_sparsemse("new_orleans.csv", 185.0, 1184.0, 721.0, 2046.0);
}

#[test]
fn us_western_site_stepwise() {
    check_sparsemse("us_western_site.csv", 345.0, 2483.0, 1657.0, 3830.0);
}

#[test]
fn hiv_rome_rcapture_independence_profile_interval() {
    let d = load("hiv_rome.csv");
    let f = loglinear::fit(&d, &[]).unwrap();
    assert_rel("estimate", f.estimate, 11124.6, TOL);
    let (_, lo, hi) = f.profile_interval(0.95).unwrap();
    assert_rel("profile lower", lo, 9531.7, TOL);
    assert_rel(
        "profile upper",
        hi.expect("finite upper limit"),
        13114.1,
        TOL,
    );
}

#[test]
fn hiv_rome_rcapture_c1_c2() {
    let d = load("hiv_rome.csv");
    let terms = parse_terms(&d, "c1:c2").unwrap();
    let f = loglinear::fit(&d, &terms).unwrap();
    assert_rel("estimate", f.estimate, 12318.5, TOL);
    assert_rel("standard error", f.std_error, 1188.7, TOL);
    assert_rel("deviance", f.deviance, 7.614, TOL);
    assert_eq!(f.df_residual, 9);
}

#[test]
fn estimate_summary_reports_both_intervals() {
    let d = load("hiv_rome.csv");
    let opts = LoglinearOptions {
        selection: Selection::Fixed(vec![]),
        interval: IntervalMethod::Profile,
        level: 0.95,
    };
    let e = loglinear::estimate(&d, &opts).unwrap();
    assert_eq!(e.method, "loglinear");
    assert_rel("lower", e.lower.unwrap(), 9531.7, TOL);
    let w = &e.details["wald_log_interval"];
    assert!(w[0].as_f64().unwrap() < e.estimate && w[1].as_f64().unwrap() > e.estimate);
}

#[test]
fn information_criteria_search_finds_a_model_no_worse_than_independence() {
    let d = load("uk_modern_slavery_2013_5lists.csv");
    let indep = loglinear::fit(&d, &[]).unwrap();
    let a = loglinear::select(&d, &Selection::Aic).unwrap();
    let b = loglinear::select(&d, &Selection::Bic).unwrap();
    assert!(a.aic < indep.aic);
    assert!(b.bic < indep.bic);
    // BIC penalises harder, so it never keeps more terms than AIC here.
    assert!(b.terms.len() <= a.terms.len());
}

#[test]
fn empty_overlap_is_fitted_at_boundary_and_penalised() {
    // new_orleans: A and B never overlap. Including A:B removes the cells
    // with both lists and adds 2 to the AIC as SparseMSE does.
    let d = load("new_orleans.csv");
    assert_eq!(d.overlap(0, 1), 0.0);
    let f0 = loglinear::fit(&d, &[]).unwrap();
    let f1 = loglinear::fit(&d, &[(0, 1)]).unwrap();
    assert_eq!(f1.empty_overlaps, vec![(0, 1)]);
    assert!(f1.terms.is_empty());
    assert_eq!(f1.df_residual, f0.df_residual - 64);
}
