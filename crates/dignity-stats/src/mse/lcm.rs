//! Bayesian latent-class MSE with a Dirichlet-process prior on the classes
//! (Manrique-Vallier 2016, "Bayesian population size estimation using
//! Dirichlet process mixtures", Biometrics; the R package `LCMCR`).
//!
//! People differ in how likely they are to be documented (victims in remote
//! areas are missed by every list), which biases log-linear models that
//! assume one capture probability per list. Here each person belongs to a
//! latent class with its own capture probabilities, conditionally
//! independent across lists within a class; a truncated stick-breaking
//! prior lets the data decide how many classes matter. The Gibbs sampler
//! augments the data with the unobserved people and their classes:
//!
//! 1. classes of the observed people, per capture history (multinomial);
//! 2. capture probabilities λ_jk ~ Beta(1 + captures, 1 + misses);
//! 3. stick-breaking weights V_k ~ Beta(1 + n_k, α + n_{>k});
//! 4. concentration α ~ Gamma(a + K − 1, b − Σ log(1 − V_k));
//! 5. unobserved count n0 ~ NegBin(n, 1 − π0) under p(N) ∝ 1/N, where π0 is
//!    the probability of being on no list, and their classes.

use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Beta, Binomial, Distribution, Gamma, Poisson};
use serde_json::json;

use super::{CaptureHistories, Estimate, MseError};

/// Options of the sampler.
#[derive(Debug, Clone)]
pub struct LcmOptions {
    /// Truncation level of the stick-breaking prior (LCMCR default 10).
    pub max_classes: usize,
    pub burn_in: usize,
    /// Posterior draws kept.
    pub samples: usize,
    /// Iterations between kept draws.
    pub thin: usize,
    pub seed: u64,
    /// Gamma(a, b) prior on the concentration α (LCMCR: 0.25, 0.25).
    pub alpha_prior: (f64, f64),
    pub level: f64,
}

impl Default for LcmOptions {
    fn default() -> Self {
        LcmOptions {
            max_classes: 10,
            burn_in: 10_000,
            samples: 2_000,
            thin: 10,
            seed: 1,
            alpha_prior: (0.25, 0.25),
            level: 0.95,
        }
    }
}

/// Posterior draws of the total population size.
#[derive(Debug, Clone)]
pub struct LcmPosterior {
    pub n_samples: Vec<f64>,
    /// Posterior mean number of classes holding at least one person.
    pub mean_occupied_classes: f64,
}

impl LcmPosterior {
    pub fn mean(&self) -> f64 {
        self.n_samples.iter().sum::<f64>() / self.n_samples.len() as f64
    }
    /// Empirical quantile (type 7, as R's default).
    pub fn quantile(&self, q: f64) -> f64 {
        quantile(&self.n_samples, q)
    }
    /// Monte-Carlo standard error of the mean (batch means, 20 batches).
    pub fn mc_error(&self) -> f64 {
        let b = 20;
        let len = self.n_samples.len() / b;
        if len < 2 {
            return f64::NAN;
        }
        let means: Vec<f64> = (0..b)
            .map(|k| self.n_samples[k * len..(k + 1) * len].iter().sum::<f64>() / len as f64)
            .collect();
        let m = means.iter().sum::<f64>() / b as f64;
        let var = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (b - 1) as f64;
        (var / b as f64).sqrt()
    }
}

/// Empirical quantile with linear interpolation (R type 7).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

fn multinomial(rng: &mut StdRng, n: u64, probs: &[f64], out: &mut [u64]) {
    let mut rest = n;
    let mut mass: f64 = probs.iter().sum();
    for (k, &p) in probs.iter().enumerate() {
        if rest == 0 || k == probs.len() - 1 {
            out[k] = rest;
            rest = 0;
            continue;
        }
        let q = if mass > 0.0 {
            (p / mass).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let x = if q <= 0.0 {
            0
        } else if q >= 1.0 {
            rest
        } else {
            Binomial::new(rest, q).map(|b| b.sample(rng)).unwrap_or(0)
        };
        out[k] = x;
        rest -= x;
        mass -= p;
    }
}

/// Run the Gibbs sampler.
pub fn sample(data: &CaptureHistories, opts: &LcmOptions) -> Result<LcmPosterior, MseError> {
    let j = data.num_lists();
    let kk = opts.max_classes.max(1);
    if opts.samples == 0 || opts.thin == 0 {
        return Err(MseError::Input("samples and thin must be positive".into()));
    }
    let cells: Vec<(usize, u64)> = data
        .counts()
        .iter()
        .enumerate()
        .filter(|(h, c)| *h != 0 && **c > 0.0)
        .map(|(h, c)| (h, *c as u64))
        .collect();
    let n: u64 = cells.iter().map(|c| c.1).sum();
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let (a0, b0) = opts.alpha_prior;
    // State
    let mut lambda = vec![vec![0.5; kk]; j]; // lambda[list][class]
    let mut pi = vec![1.0 / kk as f64; kk];
    let mut alpha = 1.0;
    let mut n0: u64 = n / 2;
    let mut class_counts = vec![0u64; kk];
    let mut caught = vec![vec![0u64; kk]; j];
    let mut buf = vec![0u64; kk];
    let mut probs = vec![0.0; kk];
    let mut draws = Vec::with_capacity(opts.samples);
    let mut occupied_sum = 0.0;
    let total_iter = opts.burn_in + opts.samples * opts.thin;
    for it in 0..total_iter {
        class_counts.iter_mut().for_each(|v| *v = 0);
        caught
            .iter_mut()
            .for_each(|r| r.iter_mut().for_each(|v| *v = 0));
        // 1. classes of observed people, per capture history
        for &(h, c) in &cells {
            for k in 0..kk {
                let mut p = pi[k];
                for (l, lam) in lambda.iter().enumerate() {
                    p *= if h >> l & 1 == 1 {
                        lam[k]
                    } else {
                        1.0 - lam[k]
                    };
                }
                probs[k] = p;
            }
            multinomial(&mut rng, c, &probs, &mut buf);
            for k in 0..kk {
                class_counts[k] += buf[k];
                for (l, row) in caught.iter_mut().enumerate() {
                    if h >> l & 1 == 1 {
                        row[k] += buf[k];
                    }
                }
            }
        }
        // 5. unobserved people and their classes (given the current parameters)
        let miss: Vec<f64> = (0..kk)
            .map(|k| pi[k] * lambda.iter().map(|lam| 1.0 - lam[k]).product::<f64>())
            .collect();
        let pi0: f64 = miss.iter().sum::<f64>().clamp(1e-300, 1.0 - 1e-12);
        // NegBin(n, 1 - pi0) as a Gamma–Poisson mixture.
        let g = Gamma::new(n as f64, pi0 / (1.0 - pi0))
            .map_err(|e| MseError::Numerical(format!("gamma draw: {e}")))?
            .sample(&mut rng);
        n0 = if g > 0.0 {
            Poisson::new(g)
                .map(|p| p.sample(&mut rng) as u64)
                .unwrap_or(n0)
        } else {
            0
        };
        multinomial(&mut rng, n0, &miss, &mut buf);
        for k in 0..kk {
            class_counts[k] += buf[k];
        }
        // 2. capture probabilities
        for (l, lam) in lambda.iter_mut().enumerate() {
            for k in 0..kk {
                let yes = caught[l][k] as f64;
                let no = class_counts[k] as f64 - yes;
                lam[k] = Beta::new(1.0 + yes, 1.0 + no)
                    .map(|b| b.sample(&mut rng))
                    .unwrap_or(0.5)
                    .clamp(1e-10, 1.0 - 1e-10);
            }
        }
        // 3. stick-breaking weights
        let mut rest: f64 = class_counts.iter().map(|&c| c as f64).sum();
        let mut remaining = 1.0;
        let mut sum_log = 0.0;
        for k in 0..kk {
            rest -= class_counts[k] as f64;
            let v = if k == kk - 1 {
                1.0
            } else {
                Beta::new(1.0 + class_counts[k] as f64, alpha + rest)
                    .map(|b| b.sample(&mut rng))
                    .unwrap_or(0.5)
                    .clamp(1e-12, 1.0 - 1e-12)
            };
            pi[k] = remaining * v;
            if k < kk - 1 {
                sum_log += (1.0 - v).ln();
            }
            remaining *= 1.0 - v;
        }
        // 4. concentration
        if kk > 1 {
            alpha = Gamma::new(a0 + kk as f64 - 1.0, 1.0 / (b0 - sum_log))
                .map(|g| g.sample(&mut rng))
                .unwrap_or(alpha)
                .max(1e-6);
        }
        if it >= opts.burn_in && (it - opts.burn_in).rem_euclid(opts.thin) == 0 {
            draws.push((n + n0) as f64);
            occupied_sum += class_counts.iter().filter(|&&c| c > 0).count() as f64;
        }
    }
    let len = draws.len() as f64;
    Ok(LcmPosterior {
        n_samples: draws,
        mean_occupied_classes: occupied_sum / len,
    })
}

/// Posterior summary as an [`Estimate`] (point estimate = posterior mean).
pub fn estimate(data: &CaptureHistories, opts: &LcmOptions) -> Result<Estimate, MseError> {
    if data.num_lists() < 3 {
        return Err(MseError::NoEstimate(
            "the latent-class model needs at least 3 lists: with 2 lists heterogeneity cannot be identified".into(),
        ));
    }
    let post = sample(data, opts)?;
    let a = (1.0 - opts.level) / 2.0;
    let mut warnings = Vec::new();
    let mean = post.mean();
    let upper = post.quantile(1.0 - a);
    if upper > 20.0 * data.observed() {
        warnings.push(
            "the posterior puts substantial mass on populations over 20 times the observed count: the data barely constrain the estimate".into(),
        );
    }
    let mce = post.mc_error();
    Ok(Estimate {
        method: "lcm".into(),
        model: format!(
            "Dirichlet-process latent classes (up to {} classes), p(N) ∝ 1/N",
            opts.max_classes
        ),
        observed: data.observed(),
        estimate: mean,
        lower: Some(post.quantile(a)),
        upper: Some(upper),
        level: opts.level,
        interval: "posterior quantiles".into(),
        details: json!({
            "posterior_mean": mean,
            "posterior_median": post.quantile(0.5),
            "monte_carlo_error": mce,
            "mean_occupied_classes": post.mean_occupied_classes,
            "samples": post.n_samples.len(),
            "burn_in": opts.burn_in,
            "thin": opts.thin,
            "seed": opts.seed,
        }),
        warnings,
    })
}
