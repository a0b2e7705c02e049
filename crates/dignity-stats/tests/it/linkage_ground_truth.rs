//! Linkage accuracy against the ground truth of ../shared/data/linkage.

use crate::common;
use std::collections::HashMap;

use common::shared_data;
use dignity_stats::linkage::{metrics, Dataset, FieldKind, LinkageSettings, Linker};

fn load(file: &str, fields: &[(&str, FieldKind)]) -> (Dataset, Vec<u64>) {
    let path = shared_data(&format!("linkage/{file}"));
    metrics::read_labelled(&path, fields, "cluster").unwrap()
}

const FAKE_FIELDS: &[(&str, FieldKind)] = metrics::FAKE_1000_FIELDS;

#[test]
fn fake_1000_unsupervised_matches_ground_truth() {
    let (ds, truth) = load("fake_1000.csv", FAKE_FIELDS);
    assert_eq!(ds.len(), 1000);
    let linker = Linker::new(&ds, LinkageSettings::default()).unwrap();
    assert!(
        metrics::blocking_recall(linker.candidate_pairs(), &truth) > 0.9,
        "automatic blocking lost too many true pairs"
    );
    let model = linker.train().unwrap();
    let pairs = linker.predict(&model);
    let p = metrics::pairwise(&pairs, &truth, 0.5);
    assert!(
        p.precision > 0.9 && p.recall > 0.8 && p.f1 > 0.85,
        "pairwise {p:?}"
    );
    let cl = linker.cluster(&pairs, 0.5);
    let c = metrics::clusters(&cl.assignment, &truth);
    assert!(c.pairwise.f1 > 0.9 && c.bcubed_f1 > 0.9, "clusters {c:?}");
    // 251 true entities: over-splitting is limited
    assert!((251..=320).contains(&c.clusters), "{} clusters", c.clusters);
    // Agreement on a rare exact value outweighs a common one (term frequency).
    let exact = &model.fields[0].levels[1];
    assert!(
        exact.m > exact.u * 10.0,
        "exact first-name agreement must be evidence of a match"
    );
}

#[test]
fn fake_1000_with_clerical_labels() {
    let (ds, truth) = load("fake_1000.csv", FAKE_FIELDS);
    let index: HashMap<String, usize> = (0..ds.len()).map(|i| (ds.id(i).to_string(), i)).collect();
    let mut r = csv::Reader::from_path(shared_data("linkage/fake_1000_labels.csv")).unwrap();
    let mut labels = vec![];
    for rec in r.records() {
        let rec = rec.unwrap();
        let score: f64 = rec[4].parse().unwrap();
        labels.push((index[&rec[0]], index[&rec[2]], score >= 0.5));
    }
    assert_eq!(labels.len(), 3176);
    let linker = Linker::new(&ds, LinkageSettings::default()).unwrap();
    let model = linker.train_with_labels(&labels).unwrap();
    assert!(model.supervised);
    let pairs = linker.predict(&model);
    let p = metrics::pairwise(&pairs, &truth, 0.5);
    assert!(p.f1 > 0.85, "pairwise {p:?}");
}

#[test]
fn explanation_adds_up_to_the_score() {
    let (ds, _) = load("fake_1000.csv", FAKE_FIELDS);
    let linker = Linker::new(&ds, LinkageSettings::default()).unwrap();
    let model = linker.train().unwrap();
    let pairs = linker.predict(&model);
    let best = pairs
        .iter()
        .max_by(|a, b| a.match_weight.total_cmp(&b.match_weight))
        .unwrap();
    let e = linker.explain(&model, best.left as usize, best.right as usize);
    let sum: f64 = e.prior_weight
        + e.fields
            .iter()
            .map(|f| f.weight + f.term_frequency_adjustment)
            .sum::<f64>();
    assert!((sum - best.match_weight).abs() < 1e-9);
    assert!((e.match_probability - best.match_probability).abs() < 1e-12);
    assert_eq!(e.fields.len(), 5);
}

/// The full 50k check runs in release in `examples/bench_linkage.rs`; here
/// on demand (`cargo test --release -- --ignored`).
#[test]
#[ignore]
fn historical_50k_beats_splink_f1() {
    let (ds, truth) = load("historical_50k.csv", metrics::HISTORICAL_50K_FIELDS);
    let linker = Linker::new(&ds, LinkageSettings::default()).unwrap();
    let model = linker.train().unwrap();
    let pairs = linker.predict(&model);
    let p = metrics::pairwise(&pairs, &truth, 0.5);
    assert!(p.f1 >= 0.7428, "pairwise F1 {} below Splink's 0.7428", p.f1);
}
