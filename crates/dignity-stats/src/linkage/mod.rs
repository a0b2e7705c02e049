//! Probabilistic record linkage (Fellegi–Sunter).
//!
//! Typical use:
//!
//! ```
//! use dignity_stats::linkage::{Dataset, FieldKind, FieldSpec, LinkageSettings, Linker};
//! let mut ds = Dataset::new(vec![
//!     FieldSpec::new("name", FieldKind::Name),
//!     FieldSpec::new("born", FieldKind::Date),
//! ]);
//! ds.push("a", vec![Some("Mohammed Ali".into()), Some("1970-03-01".into())]);
//! ds.push("b", vec![Some("Muhammad Ali".into()), Some("1970-01-03".into())]);
//! ds.push("c", vec![Some("Olga Petrova".into()), Some("1985-11-20".into())]);
//! let linker = Linker::new(&ds, LinkageSettings::default()).unwrap();
//! let model = linker.train().unwrap();
//! let pairs = linker.predict(&model);
//! let clusters = linker.cluster(&pairs, 0.5);
//! assert_eq!(clusters.assignment.len(), 3);
//! ```
//!
//! How it works:
//! * every field is compared at ordinal *levels* ([`compare`]); the model
//!   holds, per level, m = P(level | same person) and u = P(level | different
//!   people), and a pair's evidence is the sum of log2(m/u);
//! * u comes from random pairs (agreement by chance), with the exact level
//!   computed from value frequencies; values rarer than average count more
//!   (term-frequency adjustment, as in Splink);
//! * m and the prior match rate come from EM over the blocked candidate pairs,
//!   each field's m estimated only from pairs found by a blocking rule that
//!   does not involve that field (blocking on a field makes pairs agree on
//!   it by construction); labelled matches replace EM when available;
//! * clusters join pairs above a threshold, refusing merges that most
//!   scored cross pairs contradict, so that one bad link cannot chain two
//!   people's records together.

pub mod blocking;
pub mod compare;
pub mod metrics;
pub mod prepare;
pub mod text;

mod cluster;
mod dataset;
mod model;

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use blocking::{BlockingRule, KeyFn};
use compare::{Comparator, EXACT, MISSING};
use prepare::Prepared;

pub use cluster::{cluster_pairs, DEFAULT_LINK_DENSITY};
pub use dataset::{Dataset, FieldKind, FieldSpec};
pub use model::{
    Blocking, Clustering, FieldExplanation, FieldParams, LevelParams, LinkageError, LinkageModel,
    LinkageSettings, PairExplanation, ScoredPair,
};

/// A prepared linkage job: normalised values, blocking and comparison
/// vectors, ready to train and predict.
pub struct Linker<'a> {
    pub dataset: &'a Dataset,
    pub settings: LinkageSettings,
    prep: Prepared,
    rules: Vec<BlockingRule>,
    pairs: Vec<(u32, u32)>,
    masks: Vec<u32>,
    patterns: Vec<u64>,
    /// Messages about blocking choices and skipped blocks.
    pub diagnostics: Vec<String>,
}

fn kinds(ds: &Dataset) -> Vec<FieldKind> {
    ds.fields.iter().map(|f| f.kind).collect()
}

impl<'a> Linker<'a> {
    /// Normalise, block and compare.
    pub fn new(dataset: &'a Dataset, settings: LinkageSettings) -> Result<Self, LinkageError> {
        let nf = dataset.fields.len();
        if nf == 0 {
            return Err(LinkageError::Input("no fields to compare".into()));
        }
        if nf > 16 {
            return Err(LinkageError::Input(format!(
                "{nf} fields given; at most 16 can be compared"
            )));
        }
        if dataset.len() > u32::MAX as usize - 1 {
            return Err(LinkageError::Input("too many records".into()));
        }
        let n = dataset.len();
        let prep = prepare::prepare(dataset);
        let mut diagnostics = Vec::new();
        let rules = match &settings.blocking {
            Blocking::Rules(r) => {
                if r.is_empty() {
                    return Err(LinkageError::Input("no blocking rule given".into()));
                }
                r.clone()
            }
            Blocking::Auto {
                pairs_per_record_per_rule,
                pairs_per_record,
            } => {
                let per_rule = ((n as f64) * pairs_per_record_per_rule).max(50_000.0) as u64;
                let total = ((n as f64) * pairs_per_record).max(500_000.0) as u64;
                let chosen = blocking::auto_rules(&prep, &dataset.fields, n, per_rule, total, 24);
                for (r, c) in &chosen {
                    diagnostics.push(format!(
                        "blocking rule {} ({c} pairs)",
                        r.describe(&dataset.fields)
                    ));
                }
                if chosen.is_empty() && n > 1 {
                    return Err(LinkageError::Input(
                        "no usable blocking rule: every field is either missing or too common to block on".into(),
                    ));
                }
                chosen.into_iter().map(|(r, _)| r).collect()
            }
        };
        let sources: Vec<u32> = (0..n).map(|r| dataset.source(r)).collect();
        let cands = blocking::generate(
            &prep,
            &rules,
            n,
            Some(&sources),
            settings.link_only,
            settings.max_block_size,
        );
        if cands.skipped_blocks > 0 {
            diagnostics.push(format!(
                "{} blocks larger than {} records were skipped; add a more specific blocking rule",
                cands.skipped_blocks, settings.max_block_size
            ));
        }
        let cmp = Comparator::new(&prep, kinds(dataset));
        let patterns: Vec<u64> = cands
            .pairs
            .par_iter()
            .map(|&(i, j)| cmp.pattern(i as usize, j as usize))
            .collect();
        Ok(Linker {
            dataset,
            settings,
            prep,
            rules,
            pairs: cands.pairs,
            masks: cands.masks,
            patterns,
            diagnostics,
        })
    }

    pub fn blocking_rules(&self) -> &[BlockingRule] {
        &self.rules
    }
    pub fn num_candidate_pairs(&self) -> usize {
        self.pairs.len()
    }
    /// Candidate pairs (i < j), aligned with [`Linker::predict`]'s output order.
    pub fn candidate_pairs(&self) -> &[(u32, u32)] {
        &self.pairs
    }

    fn total_pairs(&self) -> f64 {
        let n = self.dataset.len() as f64;
        if self.settings.link_only {
            // pairs across sources
            let mut per: HashMap<u32, f64> = HashMap::new();
            for r in 0..self.dataset.len() {
                *per.entry(self.dataset.source(r)).or_default() += 1.0;
            }
            let same: f64 = per.values().map(|c| c * (c - 1.0) / 2.0).sum();
            (n * (n - 1.0) / 2.0 - same).max(1.0)
        } else {
            (n * (n - 1.0) / 2.0).max(1.0)
        }
    }

    /// u probabilities: random pairs for the fuzzy levels, value frequencies
    /// for the exact level (random sampling sees too few exact agreements on
    /// rare values to estimate it well).
    fn estimate_u(&self) -> Vec<Vec<f64>> {
        let n = self.dataset.len();
        let ks = kinds(self.dataset);
        let nf = ks.len();
        let cmp = Comparator::new(&self.prep, ks.clone());
        let samples = self
            .settings
            .u_sample_pairs
            .min(n * n.saturating_sub(1) / 2)
            .max(1);
        let chunks = 64usize;
        let per = samples.div_ceil(chunks);
        let seed = self.settings.seed;
        let link_only = self.settings.link_only;
        let counts: Vec<Vec<f64>> = (0..chunks)
            .into_par_iter()
            .map(|c| {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(c as u64 * 7919));
                let mut cnt: Vec<Vec<f64>> = ks
                    .iter()
                    .map(|k| vec![0.0; compare::num_levels(*k)])
                    .collect();
                if n < 2 {
                    return cnt;
                }
                let mut done = 0;
                let mut tries = 0;
                while done < per && tries < per * 20 {
                    tries += 1;
                    let i = rng.gen_range(0..n);
                    let j = rng.gen_range(0..n);
                    if i == j || (link_only && self.dataset.source(i) == self.dataset.source(j)) {
                        continue;
                    }
                    for (f, cf) in cnt.iter_mut().enumerate() {
                        cf[cmp.level(f, i, j) as usize] += 1.0;
                    }
                    done += 1;
                }
                cnt
            })
            .reduce(
                || {
                    ks.iter()
                        .map(|k| vec![0.0; compare::num_levels(*k)])
                        .collect()
                },
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        for (p, q) in x.iter_mut().zip(y) {
                            *p += q;
                        }
                    }
                    a
                },
            );
        let mut u = Vec::with_capacity(nf);
        for (f, c) in counts.iter().enumerate() {
            // Exact agreement by chance: sum over values of c(c-1) / (m(m-1)).
            let mut vc: HashMap<u32, f64> = HashMap::new();
            for &id in &self.prep.ids[f] {
                if id != 0 {
                    *vc.entry(id).or_default() += 1.0;
                }
            }
            let m: f64 = vc.values().sum();
            let exact = if m > 1.0 {
                vc.values().map(|c| c * (c - 1.0)).sum::<f64>() / (m * (m - 1.0))
            } else {
                0.0
            };
            let nonexact: f64 = c.iter().skip(2).sum();
            let nl = c.len();
            let mut uf = vec![0.0; nl];
            uf[MISSING as usize] = 1.0;
            let floor = 0.5 / (samples as f64);
            let exact = exact.max(floor);
            for l in 2..nl {
                // Laplace-like smoothing keeps unseen levels finite.
                uf[l] = (1.0 - exact) * (c[l] + 0.5) / (nonexact + 0.5 * (nl - 2) as f64);
            }
            uf[EXACT as usize] = exact;
            u.push(uf);
        }
        u
    }

    /// Aggregate identical (pattern, rule mask) combinations for EM.
    fn aggregate(&self) -> Vec<(u64, u32, f64)> {
        let map: HashMap<(u64, u32), f64> = self
            .patterns
            .par_iter()
            .zip(self.masks.par_iter())
            .fold(HashMap::new, |mut m: HashMap<(u64, u32), f64>, (&p, &k)| {
                *m.entry((p, k)).or_default() += 1.0;
                m
            })
            .reduce(HashMap::new, |mut a, b| {
                for (k, v) in b {
                    *a.entry(k).or_default() += v;
                }
                a
            });
        let mut v: Vec<(u64, u32, f64)> = map.into_iter().map(|((p, k), c)| (p, k, c)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }

    /// Which rules each field takes part in (bit mask).
    fn field_rule_masks(&self) -> Vec<u32> {
        let nf = self.dataset.fields.len();
        let mut out = vec![0u32; nf];
        for (r, rule) in self.rules.iter().enumerate() {
            for f in rule.fields() {
                out[f] |= 1 << r;
            }
        }
        out
    }

    /// Unsupervised training: u from random pairs, m and the prior by EM.
    pub fn train(&self) -> Result<LinkageModel, LinkageError> {
        self.train_inner(None)
    }

    /// Supervised training from clerically reviewed pairs `(i, j, is_match)`:
    /// m comes from the labelled matches (which were not selected by
    /// blocking, so need no correction); u still from random pairs, and the
    /// prior by EM with m and u held fixed.
    pub fn train_with_labels(
        &self,
        labels: &[(usize, usize, bool)],
    ) -> Result<LinkageModel, LinkageError> {
        let n = self.dataset.len();
        if let Some(&(i, j, _)) = labels.iter().find(|(i, j, _)| *i >= n || *j >= n || i == j) {
            return Err(LinkageError::Input(format!(
                "labelled pair ({i}, {j}) does not name two records"
            )));
        }
        if !labels.iter().any(|l| l.2) {
            return Err(LinkageError::Input(
                "the labels contain no matching pair".into(),
            ));
        }
        self.train_inner(Some(labels))
    }

    fn train_inner(
        &self,
        labels: Option<&[(usize, usize, bool)]>,
    ) -> Result<LinkageModel, LinkageError> {
        let ks = kinds(self.dataset);
        let nf = ks.len();
        let u = self.estimate_u();
        let field_masks = self.field_rule_masks();
        let total_pairs = self.total_pairs();
        let n = self.dataset.len() as f64;
        let mut m: Vec<Vec<f64>> = ks
            .iter()
            .map(|&k| {
                let nl = compare::num_levels(k);
                let mut v = vec![0.0; nl];
                v[MISSING as usize] = 1.0;
                // Start from "agreement is likely for matches".
                let mut rest = 1.0;
                for (l, x) in v.iter_mut().enumerate().skip(1) {
                    let share = if l == nl - 1 { rest } else { rest * 0.6 };
                    *x = share;
                    rest -= share;
                }
                v
            })
            .collect();
        let mut lambda = (2.0 * n / total_pairs).min(0.5);
        let mut iterations = 0;
        let supervised = labels.is_some();

        // m-step helper: weighted level counts per field, restricted to pairs
        // found by a rule not involving the field (falls back to all pairs).
        let m_step = |weights: &dyn Fn(usize) -> f64, items: &[(u64, u32, f64)]| -> Vec<Vec<f64>> {
            let mut out = Vec::with_capacity(nf);
            for f in 0..nf {
                let nl = compare::num_levels(ks[f]);
                let mut acc = vec![0.0; nl];
                let mut acc_all = vec![0.0; nl];
                for (idx, &(p, mask, _)) in items.iter().enumerate() {
                    let w = weights(idx);
                    let l = compare::unpack(p, f) as usize;
                    acc_all[l] += w;
                    if mask & !field_masks[f] != 0 {
                        acc[l] += w;
                    }
                }
                let src = if acc.iter().skip(1).sum::<f64>() > 5.0 {
                    acc
                } else {
                    acc_all
                };
                let tot: f64 = src.iter().skip(1).sum();
                let mut mf = vec![0.0; nl];
                mf[MISSING as usize] = 1.0;
                for l in 1..nl {
                    mf[l] = ((src[l] + 1e-3) / (tot + 1e-3 * (nl - 1) as f64)).max(1e-6);
                }
                out.push(mf);
            }
            out
        };

        if let Some(labels) = labels {
            let cmp = Comparator::new(&self.prep, ks.clone());
            let items: Vec<(u64, u32, f64)> = labels
                .iter()
                .filter(|l| l.2)
                .map(|&(i, j, _)| (cmp.pattern(i, j), 0, 1.0))
                .collect();
            m = m_step(&|_| 1.0, &items);
        }
        if !self.patterns.is_empty() {
            let items = self.aggregate();
            let mut post = vec![0.0; items.len()];
            for it in 0..self.settings.em_max_iterations {
                iterations = it + 1;
                // E-step
                let prior = (lambda / (1.0 - lambda)).log2();
                for (k, &(p, _, _)) in items.iter().enumerate() {
                    let mut w = prior;
                    for f in 0..nf {
                        let l = compare::unpack(p, f) as usize;
                        if l != MISSING as usize {
                            w += (m[f][l] / u[f][l]).log2();
                        }
                    }
                    post[k] = 1.0 / (1.0 + (-w).exp2());
                }
                // M-step
                let new_m = if supervised {
                    m.clone()
                } else {
                    m_step(&|k| post[k] * items[k].2, &items)
                };
                let expected: f64 = items.iter().zip(&post).map(|(it, p)| it.2 * p).sum();
                let new_lambda = (expected / total_pairs).clamp(1e-12, 0.5);
                let mut delta = (new_lambda - lambda).abs() / lambda;
                for f in 0..nf {
                    for l in 1..m[f].len() {
                        delta = delta.max((new_m[f][l] - m[f][l]).abs());
                    }
                }
                m = new_m;
                lambda = new_lambda;
                if delta < 1e-5 {
                    break;
                }
            }
        }
        let fields = (0..nf)
            .map(|f| {
                let labels = compare::labels(ks[f]);
                FieldParams {
                    field: self.dataset.fields[f].name.clone(),
                    kind: ks[f],
                    term_frequency: self.dataset.fields[f].term_frequency,
                    levels: (0..labels.len())
                        .map(|l| LevelParams {
                            label: labels[l].to_string(),
                            m: m[f][l],
                            u: u[f][l],
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(LinkageModel {
            lambda,
            fields,
            blocking_rules: self
                .rules
                .iter()
                .map(|r| r.describe(&self.dataset.fields))
                .collect(),
            em_iterations: iterations,
            supervised,
        })
    }

    /// Term-frequency adjustment for an exact agreement of field `f` between
    /// records `i` and `j`: log2(u_exact / frequency of the shared value).
    fn tf_adjustment(&self, model: &LinkageModel, f: usize, i: usize) -> f64 {
        let fp = &model.fields[f];
        if !fp.term_frequency {
            return 0.0;
        }
        let nn = self.prep.non_null[f].max(1) as f64;
        let tf = (self.prep.tf[f][i] as f64).max(1.0 / nn);
        (fp.levels[EXACT as usize].u / tf).log2()
    }

    fn score(&self, model: &LinkageModel, table: &[Vec<f64>], idx: usize) -> f64 {
        let (i, _) = self.pairs[idx];
        let p = self.patterns[idx];
        let mut w = model.prior_weight();
        for (f, tf) in table.iter().enumerate() {
            let l = compare::unpack(p, f);
            w += tf[l as usize];
            if l == EXACT {
                w += self.tf_adjustment(model, f, i as usize);
            }
        }
        w
    }

    fn weight_table(model: &LinkageModel) -> Vec<Vec<f64>> {
        model
            .fields
            .iter()
            .map(|fp| {
                fp.levels
                    .iter()
                    .enumerate()
                    .map(|(l, lp)| if l == 0 { 0.0 } else { lp.weight() })
                    .collect()
            })
            .collect()
    }

    /// Score every candidate pair (same order as [`Linker::candidate_pairs`]).
    pub fn predict(&self, model: &LinkageModel) -> Vec<ScoredPair> {
        self.check_model(model);
        let table = Self::weight_table(model);
        (0..self.pairs.len())
            .into_par_iter()
            .map(|k| {
                let w = self.score(model, &table, k);
                ScoredPair {
                    left: self.pairs[k].0,
                    right: self.pairs[k].1,
                    match_weight: w,
                    match_probability: 1.0 / (1.0 + (-w).exp2()),
                }
            })
            .collect()
    }

    fn check_model(&self, model: &LinkageModel) {
        assert_eq!(
            model.fields.len(),
            self.dataset.fields.len(),
            "model and dataset have different fields"
        );
    }

    /// Explain the score of records `i` and `j` (any two records, blocked or not).
    pub fn explain(&self, model: &LinkageModel, i: usize, j: usize) -> PairExplanation {
        self.check_model(model);
        let cmp = Comparator::new(&self.prep, kinds(self.dataset));
        let mut total = model.prior_weight();
        let mut fields = Vec::new();
        for (f, fp) in model.fields.iter().enumerate() {
            let l = cmp.level(f, i, j) as usize;
            let weight = if l == 0 { 0.0 } else { fp.levels[l].weight() };
            let tfa = if l == EXACT as usize {
                self.tf_adjustment(model, f, i)
            } else {
                0.0
            };
            total += weight + tfa;
            fields.push(FieldExplanation {
                field: fp.field.clone(),
                value_left: self.dataset.value(i, f).map(str::to_string),
                value_right: self.dataset.value(j, f).map(str::to_string),
                level: fp.levels[l].label.clone(),
                weight,
                term_frequency_adjustment: tfa,
            });
        }
        PairExplanation {
            id_left: self.dataset.id(i).to_string(),
            id_right: self.dataset.id(j).to_string(),
            prior_weight: model.prior_weight(),
            fields,
            match_weight: total,
            match_probability: 1.0 / (1.0 + (-total).exp2()),
        }
    }

    /// Cluster records from scored pairs at `threshold`, with the default
    /// safeguard against chaining (see [`cluster_pairs`]).
    pub fn cluster(&self, pairs: &[ScoredPair], threshold: f64) -> Clustering {
        cluster_pairs(self.dataset.len(), pairs, threshold, DEFAULT_LINK_DENSITY)
    }
}
