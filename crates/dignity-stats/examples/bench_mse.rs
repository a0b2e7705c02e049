//! MSE benchmark: every reference table, estimates vs the published figures
//! and timings (run with --release).

use std::path::PathBuf;
use std::time::Instant;

use dignity_stats::mse::dga::{self, DgaOptions, NPrior};
use dignity_stats::mse::lcm::{self, LcmOptions};
use dignity_stats::mse::{loglinear, read_capture_csv};

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mse");
    println!("| table | method | estimate | 95% interval | published | time |");
    println!("|---|---|---|---|---|---|");
    let sparse = [
        ("uk_modern_slavery_2013.csv", "11,418 (9,977–13,146)"),
        ("uk_modern_slavery_2013_5lists.csv", "11,313 (9,884–13,027)"),
        ("netherlands.csv", "111,139 (92,440–133,991)"),
        ("new_orleans.csv", "1,184 (721–2,046)"),
        ("us_western_site.csv", "2,483 (1,657–3,830)"),
    ];
    let load = |f: &str| {
        read_capture_csv(&dir.join(f), None)
            .expect("reference data")
            .strata
            .remove(0)
            .1
    };
    for (f, published) in sparse {
        let d = load(f);
        let t = Instant::now();
        let fit = loglinear::stepwise(&d, 0.02).unwrap();
        let el = t.elapsed().as_secs_f64() * 1e3;
        let (lo, hi) = fit.wald_log_interval(0.95);
        println!(
            "| {f} | log-linear stepwise ({} terms) | {:.0} | {:.0}–{:.0} | SparseMSE {published} | {el:.1} ms |",
            fit.terms.len(),
            fit.estimate,
            lo,
            hi
        );
    }
    let d = load("hiv_rome.csv");
    let t = Instant::now();
    let fit = loglinear::fit(&d, &[]).unwrap();
    let (_, lo, hi) = fit.profile_interval(0.95).unwrap();
    let el = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "| hiv_rome.csv | log-linear independence, profile interval | {:.1} | {:.1}–{:.1} | Rcapture 11,124.6 (9,531.7–13,114.1) | {el:.1} ms |",
        fit.estimate,
        lo,
        hi.unwrap_or(f64::NAN)
    );
    let d = load("madigan_york_3lists.csv");
    let t = Instant::now();
    let p = dga::posterior(
        &d,
        &DgaOptions {
            delta: 1.0,
            prior: NPrior::NegativeBinomial { a: 13.14, b: 55.17 },
            max_missing: Some(300),
            level: 0.95,
        },
    )
    .unwrap();
    let el = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "| madigan_york_3lists.csv | dga, delta 1, NB prior | Bayes est. {:.0}, mode {:.0} | {:.0}–{:.0} | dga 731, mode 728 | {el:.1} ms |",
        p.bayes_estimate(),
        p.mode(),
        p.quantile(0.025),
        p.quantile(0.975)
    );
    let d = load("madigan_york_5lists.csv");
    let t = Instant::now();
    let p = dga::posterior(
        &d,
        &DgaOptions {
            delta: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    let el = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "| madigan_york_5lists.csv | dga, delta 0.5 | mean {:.0}, mode {:.0} | {:.0}–{:.0} | dga 618, mode 614 (588–655) | {el:.1} ms |",
        p.mean(),
        p.mode(),
        p.quantile(0.025),
        p.quantile(0.975)
    );
    for f in [
        "madigan_york_5lists.csv",
        "uk_modern_slavery_2013_5lists.csv",
        "us_western_site.csv",
    ] {
        let d = load(f);
        let t = Instant::now();
        let p = lcm::sample(&d, &LcmOptions::default()).unwrap();
        let el = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "| {f} | LCM (K ≤ 10, 10k burn-in, 2,000 × 10 draws) | {:.0} (MC error {:.1}) | {:.0}–{:.0} | no published figure | {el:.0} ms |",
            p.mean(),
            p.mc_error(),
            p.quantile(0.025),
            p.quantile(0.975)
        );
    }
}
