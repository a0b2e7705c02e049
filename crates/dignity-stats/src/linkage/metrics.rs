//! Accuracy of linkage against ground truth.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, Context};
use serde::Serialize;

use super::{Dataset, FieldKind, FieldSpec, ScoredPair};

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub true_positives: f64,
    pub predicted: f64,
    pub actual: f64,
}

impl Prf {
    fn new(tp: f64, predicted: f64, actual: f64) -> Prf {
        let precision = if predicted > 0.0 { tp / predicted } else { 0.0 };
        let recall = if actual > 0.0 { tp / actual } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
            true_positives: tp,
            predicted,
            actual,
        }
    }
}

/// The fields of Splink's `fake_1000` test data set (`fake_1000.csv`, truth in `cluster`).
pub const FAKE_1000_FIELDS: &[(&str, FieldKind)] = &[
    ("first_name", FieldKind::Name),
    ("surname", FieldKind::Name),
    ("dob", FieldKind::Date),
    ("city", FieldKind::Place),
    ("email", FieldKind::Exact),
];

/// The fields of Splink's `historical_50k` data set (`historical_50k.csv`, truth in
/// `cluster`).
pub const HISTORICAL_50K_FIELDS: &[(&str, FieldKind)] = &[
    ("first_name", FieldKind::Name),
    ("surname", FieldKind::Name),
    ("dob", FieldKind::Date),
    ("birth_place", FieldKind::Place),
    ("postcode_fake", FieldKind::Exact),
    ("occupation", FieldKind::Exact),
    ("gender", FieldKind::Exact),
];

/// A data set and its ground truth, from a CSV file with the columns `unique_id`, the
/// `fields` and `truth` (each record's entity): the records, and for each the number of its
/// entity (numbered in order of first appearance).
pub fn read_labelled(
    path: &Path,
    fields: &[(&str, FieldKind)],
    truth: &str,
) -> anyhow::Result<(Dataset, Vec<u64>)> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot open {}", path.display()))?;
    let h = r.headers()?.clone();
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .ok_or_else(|| anyhow!("{}: no column {n}", path.display()))
    };
    let (idc, tc) = (col("unique_id")?, col(truth)?);
    let fc = fields
        .iter()
        .map(|f| col(f.0))
        .collect::<anyhow::Result<Vec<usize>>>()?;
    let mut ds = Dataset::new(fields.iter().map(|f| FieldSpec::new(f.0, f.1)).collect());
    let mut ents: HashMap<String, u64> = HashMap::new();
    let mut entities = vec![];
    for rec in r.records() {
        let rec = rec?;
        ds.push(
            &rec[idc],
            fc.iter().map(|&c| Some(rec[c].to_string())).collect(),
        );
        let next = ents.len() as u64;
        entities.push(*ents.entry(rec[tc].to_string()).or_insert(next));
    }
    Ok((ds, entities))
}

fn true_pair_count(truth: &[u64]) -> f64 {
    let mut sizes: HashMap<u64, f64> = HashMap::new();
    for &t in truth {
        *sizes.entry(t).or_default() += 1.0;
    }
    sizes.values().map(|c| c * (c - 1.0) / 2.0).sum()
}

/// Pairwise metrics of the pairs scored at or above `threshold` (the
/// figure Splink reports): recall is over all true pairs, so pairs lost by
/// blocking count as misses.
pub fn pairwise(pairs: &[ScoredPair], truth: &[u64], threshold: f64) -> Prf {
    let mut tp = 0.0;
    let mut predicted = 0.0;
    for p in pairs.iter().filter(|p| p.match_probability >= threshold) {
        predicted += 1.0;
        if truth[p.left as usize] == truth[p.right as usize] {
            tp += 1.0;
        }
    }
    Prf::new(tp, predicted, true_pair_count(truth))
}

/// Share of true pairs that blocking put among the candidates.
pub fn blocking_recall(pairs: &[(u32, u32)], truth: &[u64]) -> f64 {
    let tp = pairs
        .iter()
        .filter(|(i, j)| truth[*i as usize] == truth[*j as usize])
        .count() as f64;
    tp / true_pair_count(truth).max(1.0)
}

/// Cluster quality.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterMetrics {
    /// Pairwise metrics over all pairs placed in the same cluster.
    pub pairwise: Prf,
    /// B-cubed precision, recall and F1 (per-record averages).
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
    /// Adjusted Rand index.
    pub adjusted_rand_index: f64,
    pub clusters: usize,
    pub true_clusters: usize,
}

/// Compare a clustering with the truth.
pub fn clusters(assignment: &[u32], truth: &[u64]) -> ClusterMetrics {
    assert_eq!(assignment.len(), truth.len());
    let n = truth.len() as f64;
    let mut joint: HashMap<(u32, u64), f64> = HashMap::new();
    let mut a_size: HashMap<u32, f64> = HashMap::new();
    let mut t_size: HashMap<u64, f64> = HashMap::new();
    for (&a, &t) in assignment.iter().zip(truth) {
        *joint.entry((a, t)).or_default() += 1.0;
        *a_size.entry(a).or_default() += 1.0;
        *t_size.entry(t).or_default() += 1.0;
    }
    let c2 = |x: f64| x * (x - 1.0) / 2.0;
    let tp: f64 = joint.values().map(|&c| c2(c)).sum();
    let pred: f64 = a_size.values().map(|&c| c2(c)).sum();
    let act: f64 = t_size.values().map(|&c| c2(c)).sum();
    // B-cubed: for record r in cluster A and entity T, precision |A∩T|/|A|.
    let mut bp = 0.0;
    let mut br = 0.0;
    for (&(a, t), &c) in &joint {
        bp += c * c / a_size[&a];
        br += c * c / t_size[&t];
    }
    let (bp, br) = (bp / n, br / n);
    let total = c2(n);
    let expected = pred * act / total.max(1.0);
    let max_index = 0.5 * (pred + act);
    let ari = if (max_index - expected).abs() > 0.0 {
        (tp - expected) / (max_index - expected)
    } else {
        1.0
    };
    ClusterMetrics {
        pairwise: Prf::new(tp, pred, act),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: if bp + br > 0.0 {
            2.0 * bp * br / (bp + br)
        } else {
            0.0
        },
        adjusted_rand_index: ari,
        clusters: a_size.len(),
        true_clusters: t_size.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_imperfect_clusterings() {
        let truth = [1, 1, 1, 2, 2, 3];
        let m = clusters(&[0, 0, 0, 1, 1, 2], &truth);
        assert_eq!(m.pairwise.f1, 1.0);
        assert!((m.adjusted_rand_index - 1.0).abs() < 1e-12);
        let m = clusters(&[0, 0, 1, 1, 1, 2], &truth);
        // predicted pairs: (0,1), (2,3), (2,4), (3,4) -> 2 true of 4 predicted, 4 actual
        assert_eq!(m.pairwise.true_positives, 2.0);
        assert_eq!(m.pairwise.precision, 0.5);
        assert_eq!(m.pairwise.recall, 0.5);
        assert!(m.bcubed_precision < 1.0 && m.bcubed_recall < 1.0);
    }
}
