//! Multiple systems estimation (capture–recapture with several lists).
//!
//! Three families of estimators, each answering "how many people are on no
//! list?" under different assumptions:
//!
//! * [`loglinear`]: Poisson log-linear models with two-list interactions,
//!   selected as in the R package SparseMSE (stepwise Poisson p-values, with
//!   the Fienberg–Rinaldo existence check) or by AIC/BIC;
//! * [`dga`]: Bayesian model averaging over decomposable graphical models
//!   (Madigan & York 1997, R package `dga`);
//! * [`lcm`]: a Dirichlet-process latent-class model for heterogeneous
//!   capture probabilities (Manrique-Vallier 2016, R package `LCMCR`).

pub mod data;
pub mod dga;
pub mod lcm;
pub mod loglinear;
pub mod strata;

use serde::Serialize;

pub use data::{read_capture_csv, read_capture_reader, CaptureHistories, CaptureTable};
pub use strata::{estimate, estimate_strata, Method, StratifiedEstimate, StratumEstimate};

/// Why an estimate could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum MseError {
    /// The input is not valid capture-history data.
    #[error("{0}")]
    Input(String),
    /// The data do not support an estimate under the requested model
    /// (maximum likelihood estimate infinite, parameters not identifiable…).
    #[error("{0}")]
    NoEstimate(String),
    /// A numerical routine failed.
    #[error("{0}")]
    Numerical(String),
}

impl MseError {
    pub fn message(&self) -> &str {
        match self {
            MseError::Input(s) | MseError::NoEstimate(s) | MseError::Numerical(s) => s,
        }
    }
}

/// A population-size estimate in a form shared by all methods (and the CLI's
/// JSON output).
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    /// "loglinear", "dga" or "lcm".
    pub method: String,
    /// Human-readable model description (terms, prior, …).
    pub model: String,
    /// Number of distinct people observed on at least one list.
    pub observed: f64,
    /// Point estimate of the total population (observed + unobserved).
    pub estimate: f64,
    /// Lower end of the interval; `None` when it does not exist.
    pub lower: Option<f64>,
    /// Upper end; `None` when the interval is unbounded.
    pub upper: Option<f64>,
    /// Nominal coverage of [lower, upper].
    pub level: f64,
    /// How the interval was obtained.
    pub interval: String,
    /// Method-specific details (coefficients, deviance, posterior summaries…).
    pub details: serde_json::Value,
    /// Things the reader must know before quoting the number.
    pub warnings: Vec<String>,
}
