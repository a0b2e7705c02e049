//! Settings of a linkage job and what it gives back: the trained model, scored pairs, explanations and clusters.

use super::*;

/// How pairs are chosen for comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Blocking {
    /// Choose rules from the data (see [`blocking::auto_rules`]).
    Auto {
        /// Most pairs one rule may generate, as a multiple of the record count.
        pairs_per_record_per_rule: f64,
        /// Most pairs all rules together may generate, per record.
        pairs_per_record: f64,
    },
    /// Use these rules.
    Rules(Vec<BlockingRule>),
}

/// Settings of a linkage job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkageSettings {
    pub blocking: Blocking,
    /// Only link records from different sources (no de-duplication within one).
    pub link_only: bool,
    /// Random pairs sampled to estimate u.
    pub u_sample_pairs: usize,
    pub em_max_iterations: usize,
    /// Seed for the random pair sample.
    pub seed: u64,
    /// Blocks larger than this are skipped (with a warning).
    pub max_block_size: usize,
}

impl Default for LinkageSettings {
    fn default() -> Self {
        LinkageSettings {
            blocking: Blocking::Auto {
                pairs_per_record_per_rule: 8.0,
                pairs_per_record: 60.0,
            },
            link_only: false,
            u_sample_pairs: 400_000,
            em_max_iterations: 50,
            seed: 42,
            max_block_size: 5_000,
        }
    }
}

/// Errors of the linkage API.
#[derive(Debug, thiserror::Error)]
pub enum LinkageError {
    #[error("{0}")]
    Input(String),
}

/// m and u of one comparison level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LevelParams {
    pub label: String,
    pub m: f64,
    pub u: f64,
}

impl LevelParams {
    /// log2 Bayes factor of this level.
    pub fn weight(&self) -> f64 {
        (self.m / self.u).log2()
    }
}

/// Parameters of one field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldParams {
    pub field: String,
    pub kind: FieldKind,
    pub term_frequency: bool,
    /// Index 0 is "missing" (weight 0).
    pub levels: Vec<LevelParams>,
}

/// A trained Fellegi–Sunter model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkageModel {
    /// Prior probability that two random records match.
    pub lambda: f64,
    pub fields: Vec<FieldParams>,
    pub blocking_rules: Vec<String>,
    pub em_iterations: usize,
    /// True when m came from labelled matches rather than EM.
    pub supervised: bool,
}

impl LinkageModel {
    pub(super) fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }
}

/// A scored candidate pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub left: u32,
    pub right: u32,
    /// Total log2 Bayes factor plus the prior log2 odds.
    pub match_weight: f64,
    pub match_probability: f64,
}

/// One field's part in a pair's score.
#[derive(Debug, Clone, Serialize)]
pub struct FieldExplanation {
    pub field: String,
    pub value_left: Option<String>,
    pub value_right: Option<String>,
    pub level: String,
    /// log2(m/u) of the level.
    pub weight: f64,
    /// Extra log2 weight from the rarity of the shared value.
    pub term_frequency_adjustment: f64,
}

/// Why a pair scored as it did.
#[derive(Debug, Clone, Serialize)]
pub struct PairExplanation {
    pub id_left: String,
    pub id_right: String,
    pub prior_weight: f64,
    pub fields: Vec<FieldExplanation>,
    pub match_weight: f64,
    pub match_probability: f64,
}

/// Clusters of records believed to be the same person.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// Cluster number of each record (0-based, dense).
    pub assignment: Vec<u32>,
    pub num_clusters: usize,
    /// Merges refused by the anti-chaining safeguard.
    pub refused_merges: usize,
}
