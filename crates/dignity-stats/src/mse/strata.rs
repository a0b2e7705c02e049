//! One entry point for all methods, and stratified estimation.
//!
//! Capture probabilities often differ by region, period or sex; estimating
//! per stratum and adding up avoids the bias of pooling heterogeneous
//! groups. Totals combine the strata as independent: exact convolution of
//! the dga posteriors, draw-by-draw sums for the latent-class sampler, and
//! a normal approximation from the per-stratum standard errors for
//! log-linear fits.

use serde::Serialize;
use serde_json::json;

use super::dga::{self, DgaOptions};
use super::lcm::{self, LcmOptions};
use super::loglinear::{self, LoglinearOptions};
use super::{CaptureHistories, CaptureTable, Estimate, MseError};
use crate::numeric::norm_quantile;

/// An estimation method with its options.
#[derive(Debug, Clone)]
pub enum Method {
    Loglinear(LoglinearOptions),
    Dga(DgaOptions),
    Lcm(LcmOptions),
}

impl Method {
    /// The method for stratum `k`: latent-class chains of different strata
    /// get different seeds, so that their draws are independent when summed.
    fn for_stratum(&self, k: usize) -> Method {
        match self {
            Method::Lcm(o) => Method::Lcm(LcmOptions {
                seed: o.seed.wrapping_add(k as u64 * 1_000_003),
                ..o.clone()
            }),
            other => other.clone(),
        }
    }

    fn level(&self) -> f64 {
        match self {
            Method::Loglinear(o) => o.level,
            Method::Dga(o) => o.level,
            Method::Lcm(o) => o.level,
        }
    }
}

/// Estimate the population of one table.
pub fn estimate(data: &CaptureHistories, method: &Method) -> Result<Estimate, MseError> {
    match method {
        Method::Loglinear(o) => loglinear::estimate(data, o),
        Method::Dga(o) => dga::estimate(data, o),
        Method::Lcm(o) => lcm::estimate(data, o),
    }
}

/// Result for one stratum.
#[derive(Debug, Clone, Serialize)]
pub struct StratumEstimate {
    pub stratum: String,
    #[serde(flatten)]
    pub estimate: Option<Estimate>,
    /// Why there is no estimate for this stratum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Per-stratum estimates and their total.
#[derive(Debug, Clone, Serialize)]
pub struct StratifiedEstimate {
    pub strata: Vec<StratumEstimate>,
    /// `None` when some stratum has no estimate.
    pub total: Option<Estimate>,
    pub warnings: Vec<String>,
}

/// Estimate every stratum and the total.
pub fn estimate_strata(table: &CaptureTable, method: &Method) -> StratifiedEstimate {
    let mut strata = Vec::new();
    let mut warnings = Vec::new();
    for (k, (name, data)) in table.strata.iter().enumerate() {
        match estimate(data, &method.for_stratum(k)) {
            Ok(e) => strata.push(StratumEstimate {
                stratum: name.clone(),
                estimate: Some(e),
                error: None,
            }),
            Err(e) => strata.push(StratumEstimate {
                stratum: name.clone(),
                estimate: None,
                error: Some(e.to_string()),
            }),
        }
    }
    let failed: Vec<&str> = strata
        .iter()
        .filter(|s| s.error.is_some())
        .map(|s| s.stratum.as_str())
        .collect();
    let total = if !failed.is_empty() {
        warnings.push(format!(
            "no total: no estimate for stratum {}",
            failed.join(", ")
        ));
        None
    } else {
        match total(table, method, &strata) {
            Ok(t) => Some(t),
            Err(e) => {
                warnings.push(format!("no total: {e}"));
                None
            }
        }
    };
    StratifiedEstimate {
        strata,
        total,
        warnings,
    }
}

fn total(
    table: &CaptureTable,
    method: &Method,
    strata: &[StratumEstimate],
) -> Result<Estimate, MseError> {
    let level = method.level();
    let a = (1.0 - level) / 2.0;
    let ests: Vec<&Estimate> = strata.iter().filter_map(|s| s.estimate.as_ref()).collect();
    let observed: f64 = ests.iter().map(|e| e.observed).sum();
    let point: f64 = ests.iter().map(|e| e.estimate).sum();
    let mut warnings: Vec<String> = Vec::new();
    for s in strata {
        if let Some(e) = &s.estimate {
            warnings.extend(
                e.warnings
                    .iter()
                    .map(|w| format!("stratum {}: {w}", s.stratum)),
            );
        }
    }
    let (lower, upper, interval, method_name, details) = match method {
        Method::Loglinear(_) => {
            let var: f64 = ests
                .iter()
                .map(|e| e.details["std_error"].as_f64().unwrap_or(f64::NAN).powi(2))
                .sum();
            let z = norm_quantile(1.0 - a);
            let se = var.sqrt();
            (
                Some((point - z * se).max(observed)),
                Some(point + z * se),
                "normal approximation from the per-stratum standard errors",
                "loglinear",
                json!({"std_error": se}),
            )
        }
        Method::Dga(o) => {
            // Exact convolution of independent discrete posteriors.
            let mut dist: Vec<f64> = vec![1.0];
            let mut offset = 0.0;
            for (_, data) in &table.strata {
                let post = dga::posterior(data, o)?;
                let mut next = vec![0.0; dist.len() + post.probabilities.len() - 1];
                for (i, p) in dist.iter().enumerate() {
                    if *p < 1e-15 {
                        continue;
                    }
                    for (j, q) in post.probabilities.iter().enumerate() {
                        next[i + j] += p * q;
                    }
                }
                dist = next;
                offset += post.n_values[0];
            }
            let q = |t: f64| {
                let mut c = 0.0;
                for (i, p) in dist.iter().enumerate() {
                    c += p;
                    if c >= t - 1e-12 {
                        return offset + i as f64;
                    }
                }
                offset + (dist.len() - 1) as f64
            };
            (
                Some(q(a)),
                Some(q(1.0 - a)),
                "posterior quantiles of the summed strata",
                "dga",
                json!({"posterior_median": q(0.5)}),
            )
        }
        Method::Lcm(_) => {
            let mut sum: Vec<f64> = Vec::new();
            for (k, (_, data)) in table.strata.iter().enumerate() {
                let Method::Lcm(o) = method.for_stratum(k) else {
                    unreachable!("for_stratum keeps the method")
                };
                let post = lcm::sample(data, &o)?;
                if sum.is_empty() {
                    sum = post.n_samples;
                } else {
                    for (s, x) in sum.iter_mut().zip(post.n_samples) {
                        *s += x;
                    }
                }
            }
            (
                Some(lcm::quantile(&sum, a)),
                Some(lcm::quantile(&sum, 1.0 - a)),
                "posterior quantiles of the summed strata",
                "lcm",
                json!({"posterior_median": lcm::quantile(&sum, 0.5)}),
            )
        }
    };
    Ok(Estimate {
        method: method_name.into(),
        model: format!("sum over {} strata", strata.len()),
        observed,
        estimate: point,
        lower,
        upper,
        level,
        interval: interval.into(),
        details,
        warnings,
    })
}
