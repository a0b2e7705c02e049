//! Poisson log-linear MSE with two-list interactions.
//!
//! The expected count of capture history `h` is modelled as
//! `log mu_h = b0 + sum_k b_k h_k + sum_{(i,j) in model} g_ij h_i h_j`;
//! fitting it to the observed cells and extrapolating to `h = 0` gives the
//! dark figure `exp(b0)` and `N = n + exp(b0)`.
//!
//! Sparse data are the norm in human-rights work: pairs of lists often share
//! nobody. Following Chan, Silverman & Vincent (2021, SparseMSE) an
//! interaction whose overlap is empty is fitted at its boundary value
//! (`-inf`) by dropping the cells that contain both lists, and every model is
//! checked with the Fienberg–Rinaldo linear programme for existence of the
//! (extended) maximum likelihood estimate and with a rank test for
//! identifiability before a number is reported.

use serde::Serialize;
use serde_json::json;

use super::{CaptureHistories, Estimate, MseError};
use crate::numeric::{
    column_rank, ln_gamma, lp_max_standard, norm_quantile, poisson_cdf, poisson_glm, poisson_sf_ge,
    LpOutcome,
};

/// A two-list interaction, as a pair of list indices `(i, j)` with `i < j`.
pub type Term = (usize, usize);

/// How to pick the interaction terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Use exactly these terms (empty = independence model).
    Fixed(Vec<Term>),
    /// SparseMSE's forward stepwise search: add the term with the smallest
    /// one-sided Poisson p-value of its overlap while it is below `pthresh`
    /// (SparseMSE default 0.02), skipping terms that would make the estimate
    /// infinite or non-identifiable.
    Stepwise { pthresh: f64 },
    /// Forward–backward search minimising AIC over existing, identifiable models.
    Aic,
    /// As `Aic` with the BIC penalty (log of the number of cells).
    Bic,
}

/// Which confidence interval to report as `lower`/`upper`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// Profile likelihood for N under the multinomial model (as Rcapture).
    Profile,
    /// Normal interval for the log dark figure (as SparseMSE's
    /// `estimatepopulation.0`).
    WaldLog,
}

/// Options for [`estimate`].
#[derive(Debug, Clone)]
pub struct LoglinearOptions {
    pub selection: Selection,
    pub interval: IntervalMethod,
    /// Nominal coverage, e.g. 0.95.
    pub level: f64,
}

impl Default for LoglinearOptions {
    fn default() -> Self {
        LoglinearOptions {
            selection: Selection::Stepwise { pthresh: 0.02 },
            interval: IntervalMethod::Profile,
            level: 0.95,
        }
    }
}

/// Result of the existence / identifiability check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelCheck {
    /// The (extended) MLE is finite.
    pub exists: bool,
    /// The design has full column rank.
    pub identifiable: bool,
}

impl ModelCheck {
    pub fn ok(&self) -> bool {
        self.exists && self.identifiable
    }
}

/// A fitted log-linear model.
#[derive(Debug, Clone, Serialize)]
pub struct LoglinearFit {
    /// Interactions fitted as free parameters.
    pub terms: Vec<Term>,
    /// Interactions in the model whose overlap is empty (fixed at -inf).
    pub empty_overlaps: Vec<Term>,
    /// Parameter names: "(Intercept)", list names, "A:B".
    pub names: Vec<String>,
    pub coefficients: Vec<f64>,
    pub std_errors: Vec<f64>,
    pub deviance: f64,
    pub df_residual: usize,
    pub loglik: f64,
    /// AIC as R's `glm`, plus 2 per empty overlap (as SparseMSE).
    pub aic: f64,
    pub bic: f64,
    pub observed: f64,
    /// Estimated number of people on no list, exp(intercept).
    pub dark: f64,
    /// Total population estimate n + exp(intercept).
    pub estimate: f64,
    /// Standard error of N (delta method plus multinomial term, as Rcapture).
    pub std_error: f64,
    pub converged: bool,
    #[serde(skip)]
    cells: Vec<usize>,
    #[serde(skip)]
    x: Vec<f64>,
    #[serde(skip)]
    y: Vec<f64>,
    #[serde(skip)]
    mu: Vec<f64>,
    #[serde(skip)]
    cov00: f64,
}

/// The design of a model: kept cells, the matrix and the free terms.
struct Design {
    cells: Vec<usize>,
    x: Vec<f64>,
    y: Vec<f64>,
    p: usize,
    terms: Vec<Term>,
    empty: Vec<Term>,
}

fn normalise_terms(data: &CaptureHistories, terms: &[Term]) -> Result<Vec<Term>, MseError> {
    let t = data.num_lists();
    let mut out: Vec<Term> = Vec::new();
    for &(a, b) in terms {
        let (i, j) = if a < b { (a, b) } else { (b, a) };
        if i == j || j >= t {
            return Err(MseError::Input(format!(
                "invalid interaction ({a}, {b}) for {t} lists"
            )));
        }
        if !out.contains(&(i, j)) {
            out.push((i, j));
        }
    }
    Ok(out)
}

fn build_design(data: &CaptureHistories, terms: &[Term]) -> Design {
    let t = data.num_lists();
    let mut free = Vec::new();
    let mut empty = Vec::new();
    for &(i, j) in terms {
        if data.overlap(i, j) > 0.0 {
            free.push((i, j));
        } else {
            empty.push((i, j));
        }
    }
    let cells: Vec<usize> = (1..(1usize << t))
        .filter(|&h| {
            empty
                .iter()
                .all(|&(i, j)| !(h >> i & 1 == 1 && h >> j & 1 == 1))
        })
        .collect();
    let p = 1 + t + free.len();
    let mut x = Vec::with_capacity(cells.len() * p);
    let mut y = Vec::with_capacity(cells.len());
    for &h in &cells {
        x.push(1.0);
        for k in 0..t {
            x.push((h >> k & 1) as f64);
        }
        for &(i, j) in &free {
            x.push(((h >> i & 1) * (h >> j & 1)) as f64);
        }
        y.push(data.count(h));
    }
    Design {
        cells,
        x,
        y,
        p,
        terms: free,
        empty,
    }
}

/// Check existence (Fienberg & Rinaldo 2012 linear programme, as in
/// SparseMSE's `checkident`) and identifiability (full column rank).
///
/// The MLE exists iff some strictly positive table has the same sufficient
/// statistics `A'y`: maximise `s` subject to `A'(z + s 1) = A'y`, `z >= 0`;
/// the optimum is 0 exactly when no such table exists.
pub fn check_model(data: &CaptureHistories, terms: &[Term]) -> Result<ModelCheck, MseError> {
    let terms = normalise_terms(data, terms)?;
    let d = build_design(data, &terms);
    Ok(check_design(&d))
}

fn check_design(d: &Design) -> ModelCheck {
    let nobs = d.cells.len();
    let p = d.p;
    let identifiable = nobs >= p && column_rank(&d.x, nobs, p) == p;
    // Standard form: rows = parameters, columns = cells + s.
    let ncols = nobs + 1;
    let mut a = vec![0.0; p * ncols];
    let mut b = vec![0.0; p];
    for r in 0..p {
        let mut rowsum = 0.0;
        for c in 0..nobs {
            let v = d.x[c * p + r];
            a[r * ncols + c] = v;
            rowsum += v;
            b[r] += v * d.y[c];
        }
        a[r * ncols + nobs] = rowsum;
    }
    let mut obj = vec![0.0; ncols];
    obj[nobs] = 1.0;
    let exists = match lp_max_standard(&obj, &a, &b, p, ncols) {
        LpOutcome::Optimal(v) => v > 1e-7,
        LpOutcome::Unbounded => true,
        LpOutcome::Infeasible => false,
    };
    ModelCheck {
        exists,
        identifiable,
    }
}

fn term_name(data: &CaptureHistories, t: Term) -> String {
    format!("{}:{}", data.lists()[t.0], data.lists()[t.1])
}

/// Describe a set of terms as "A:B + B:C" ("independence" when empty).
pub fn describe_terms(data: &CaptureHistories, terms: &[Term]) -> String {
    if terms.is_empty() {
        "independence (main effects only)".into()
    } else {
        terms
            .iter()
            .map(|&t| term_name(data, t))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// Parse "A:B,B:C" (list names) into terms; "" is the independence model.
pub fn parse_terms(data: &CaptureHistories, spec: &str) -> Result<Vec<Term>, MseError> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let names: Vec<&str> = part.split(':').map(str::trim).collect();
        if names.len() != 2 {
            return Err(MseError::Input(format!(
                "interaction '{part}' must name exactly two lists as A:B (only two-list terms are supported)"
            )));
        }
        let idx = |n: &str| {
            data.list_index(n).ok_or_else(|| {
                MseError::Input(format!(
                    "interaction '{part}': no list named '{n}' (lists: {})",
                    data.lists().join(", ")
                ))
            })
        };
        let (i, j) = (idx(names[0])?, idx(names[1])?);
        if i == j {
            return Err(MseError::Input(format!(
                "interaction '{part}' names the same list twice"
            )));
        }
        out.push((i.min(j), i.max(j)));
    }
    normalise_terms(data, &out)
}

fn check_error(data: &CaptureHistories, terms: &[Term], c: ModelCheck) -> MseError {
    let mut why = Vec::new();
    if !c.exists {
        why.push("the maximum likelihood estimate is infinite (the overlaps are too sparse for this model)");
    }
    if !c.identifiable {
        why.push("the model is not identifiable from these data (more parameters than the observed cells can determine)");
    }
    MseError::NoEstimate(format!(
        "no estimate for model {}: {}",
        describe_terms(data, terms),
        why.join("; ")
    ))
}

/// Fit the model with the given interactions, refusing (with
/// [`MseError::NoEstimate`]) when the estimate does not exist.
pub fn fit(data: &CaptureHistories, terms: &[Term]) -> Result<LoglinearFit, MseError> {
    let terms = normalise_terms(data, terms)?;
    let d = build_design(data, &terms);
    let c = check_design(&d);
    if !c.ok() {
        return Err(check_error(data, &terms, c));
    }
    fit_design(data, d)
}

fn fit_design(data: &CaptureHistories, d: Design) -> Result<LoglinearFit, MseError> {
    let n = d.cells.len();
    let g = poisson_glm(&d.x, &d.y, n, d.p).ok_or_else(|| {
        MseError::Numerical(format!(
            "the Poisson fit of model {} failed (singular information matrix)",
            describe_terms(data, &d.terms)
        ))
    })?;
    let t = data.num_lists();
    let mut names = vec!["(Intercept)".to_string()];
    names.extend(data.lists().iter().cloned());
    names.extend(d.terms.iter().map(|&tt| term_name(data, tt)));
    let std_errors: Vec<f64> = (0..d.p).map(|i| g.cov[i * d.p + i].sqrt()).collect();
    let dark = g.beta[0].exp();
    let observed = data.observed();
    let cov00 = g.cov[0];
    let std_error = (dark * dark * cov00 + dark).sqrt();
    let k = d.p as f64;
    let aic = -2.0 * g.loglik + 2.0 * k + 2.0 * d.empty.len() as f64;
    let bic = -2.0 * g.loglik + (n as f64).ln() * (k + d.empty.len() as f64);
    let _ = t;
    Ok(LoglinearFit {
        terms: d.terms,
        empty_overlaps: d.empty,
        names,
        coefficients: g.beta.clone(),
        std_errors,
        deviance: g.deviance,
        df_residual: n - d.p,
        loglik: g.loglik,
        aic,
        bic,
        observed,
        dark,
        estimate: observed + dark,
        std_error,
        converged: g.converged,
        cells: d.cells,
        x: d.x,
        y: d.y,
        mu: g.mu,
        cov00,
    })
}

impl LoglinearFit {
    /// All terms of the model, free and empty-overlap ones.
    pub fn all_terms(&self) -> Vec<Term> {
        let mut v = self.terms.clone();
        v.extend(self.empty_overlaps.iter().copied());
        v
    }

    /// Normal interval on log(dark figure), exactly SparseMSE's
    /// `estimatepopulation.0`: n + exp(b0 ± z se(b0)).
    pub fn wald_log_interval(&self, level: f64) -> (f64, f64) {
        let z = norm_quantile(0.5 + level / 2.0);
        let b0 = self.coefficients[0];
        let se = self.cov00.sqrt();
        (
            self.observed + (b0 - z * se).exp(),
            self.observed + (b0 + z * se).exp(),
        )
    }

    /// Multinomial profile log-likelihood of N (Cormack 1992; Rcapture):
    /// lgamma(N+1) - lgamma(N-n+1) + sum y log(mu/N) with the unobserved cell
    /// set to N - n and the model refitted.
    pub fn profile_loglik(&self, n_total: f64) -> Option<f64> {
        let p = self.coefficients.len();
        let rows = self.cells.len() + 1;
        let mut x = Vec::with_capacity(rows * p);
        x.push(1.0);
        x.resize(p, 0.0);
        x.extend_from_slice(&self.x);
        let mut y = Vec::with_capacity(rows);
        let y0 = n_total - self.observed;
        if y0 < 0.0 {
            return None;
        }
        y.push(y0);
        y.extend_from_slice(&self.y);
        let g = poisson_glm(&x, &y, rows, p)?;
        let mut ll = ln_gamma(n_total + 1.0) - ln_gamma(y0 + 1.0);
        for (yy, m) in y.iter().zip(&g.mu) {
            if *yy > 0.0 {
                ll += yy * (m / n_total).ln();
            }
        }
        Some(ll)
    }

    /// Profile-likelihood interval for N. Returns (N maximising the profile,
    /// lower, upper); `upper` is `None` when the likelihood does not drop
    /// enough within 10^4 times the observed count (no finite upper limit).
    pub fn profile_interval(&self, level: f64) -> Result<(f64, f64, Option<f64>), MseError> {
        let crit = norm_quantile(0.5 + level / 2.0).powi(2);
        let n = self.observed;
        let ll = |v: f64| {
            self.profile_loglik(v).ok_or_else(|| {
                MseError::Numerical(format!("profile likelihood fit failed at N = {v:.1}"))
            })
        };
        // Maximise by golden-section search on a bracket around the Poisson estimate.
        let se = self.std_error.max(1.0);
        let mut a = (self.estimate - 10.0 * se).max(n);
        let mut b = self.estimate + 10.0 * se;
        let gr = 0.5 * (5f64.sqrt() - 1.0);
        let mut c = b - gr * (b - a);
        let mut dd = a + gr * (b - a);
        let (mut fc, mut fd) = (ll(c)?, ll(dd)?);
        for _ in 0..200 {
            if (b - a).abs() < 1e-7 * (1.0 + b.abs()) {
                break;
            }
            if fc > fd {
                b = dd;
                dd = c;
                fd = fc;
                c = b - gr * (b - a);
                fc = ll(c)?;
            } else {
                a = c;
                c = dd;
                fc = fd;
                dd = a + gr * (b - a);
                fd = ll(dd)?;
            }
        }
        let nhat = 0.5 * (a + b);
        let lmax = ll(nhat)?;
        let g = |v: f64| -> Result<f64, MseError> { Ok(2.0 * (lmax - ll(v)?) - crit) };
        let bisect = |mut lo: f64, mut hi: f64| -> Result<f64, MseError> {
            // g(lo) and g(hi) have opposite signs.
            let glo = g(lo)?;
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if (hi - lo) < 1e-9 * (1.0 + mid) {
                    break;
                }
                let gm = g(mid)?;
                if (gm > 0.0) == (glo > 0.0) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Ok(0.5 * (lo + hi))
        };
        let lower = if g(n)? <= 0.0 { n } else { bisect(n, nhat)? };
        // Walk outwards (doubling the step) until the likelihood has dropped
        // by the critical amount, then bisect between the maximum and there.
        let mut step = se.max(nhat - n).max(1.0);
        let limit = nhat + 1e4 * n.max(1.0);
        let mut upper = None;
        while nhat + step < limit {
            let hi = nhat + step;
            if g(hi)? > 0.0 {
                upper = Some(bisect(nhat, hi)?);
                break;
            }
            step *= 2.0;
        }
        Ok((nhat, lower, upper))
    }
}

/// SparseMSE stepwise selection (see [`Selection::Stepwise`]).
pub fn stepwise(data: &CaptureHistories, pthresh: f64) -> Result<LoglinearFit, MseError> {
    let t = data.num_lists();
    let base = fit(data, &[])?;
    if pthresh <= 0.0 {
        return Ok(base);
    }
    let candidates: Vec<Term> = (0..t)
        .flat_map(|i| ((i + 1)..t).map(move |j| (i, j)))
        .collect();
    let nstar: Vec<f64> = candidates
        .iter()
        .map(|&(i, j)| data.overlap(i, j))
        .collect();
    let mut included = vec![false; candidates.len()];
    let mut current = base;
    let mut model: Vec<Term> = Vec::new();
    loop {
        let mut best: Option<(usize, f64)> = None;
        for (k, &(i, j)) in candidates.iter().enumerate() {
            if included[k] {
                continue;
            }
            // Expected overlap under the current model, over the cells it keeps.
            let pstar: f64 = current
                .cells
                .iter()
                .zip(&current.mu)
                .filter(|(h, _)| *h >> i & 1 == 1 && *h >> j & 1 == 1)
                .map(|(_, m)| m)
                .sum();
            let mut pval = poisson_cdf(nstar[k], pstar).min(poisson_sf_ge(nstar[k], pstar));
            if pval < pthresh {
                let mut trial = model.clone();
                trial.push((i, j));
                if !check_model(data, &trial)?.ok() {
                    pval = 1.0;
                }
            }
            let better = match best {
                None => true,
                Some((_, p)) => pval < p,
            };
            if better {
                best = Some((k, pval));
            }
        }
        match best {
            Some((k, p)) if p < pthresh => {
                included[k] = true;
                model.push(candidates[k]);
                current = fit(data, &model)?;
            }
            _ => return Ok(current),
        }
    }
}

/// Forward–backward search on AIC or BIC among models whose estimate exists.
fn ic_search(data: &CaptureHistories, bic: bool) -> Result<LoglinearFit, MseError> {
    let t = data.num_lists();
    let score = |f: &LoglinearFit| if bic { f.bic } else { f.aic };
    let candidates: Vec<Term> = (0..t)
        .flat_map(|i| ((i + 1)..t).map(move |j| (i, j)))
        .collect();
    let mut model: Vec<Term> = Vec::new();
    let mut current = fit(data, &model)?;
    loop {
        let mut best: Option<(Vec<Term>, LoglinearFit)> = None;
        let mut moves: Vec<Vec<Term>> = Vec::new();
        for c in &candidates {
            if model.contains(c) {
                moves.push(model.iter().copied().filter(|x| x != c).collect());
            } else {
                let mut m = model.clone();
                m.push(*c);
                moves.push(m);
            }
        }
        for m in moves {
            let Ok(f) = fit(data, &m) else { continue };
            if !f.converged {
                continue;
            }
            let better = match &best {
                None => score(&f) < score(&current) - 1e-9,
                Some((_, b)) => score(&f) < score(b) - 1e-9,
            };
            if better {
                best = Some((m, f));
            }
        }
        match best {
            Some((m, f)) => {
                model = m;
                current = f;
            }
            None => return Ok(current),
        }
    }
}

/// Select a model as requested.
pub fn select(data: &CaptureHistories, selection: &Selection) -> Result<LoglinearFit, MseError> {
    match selection {
        Selection::Fixed(terms) => fit(data, terms),
        Selection::Stepwise { pthresh } => stepwise(data, *pthresh),
        Selection::Aic => ic_search(data, false),
        Selection::Bic => ic_search(data, true),
    }
}

/// Fit, select and summarise as an [`Estimate`].
pub fn estimate(data: &CaptureHistories, opts: &LoglinearOptions) -> Result<Estimate, MseError> {
    let f = select(data, &opts.selection)?;
    let mut warnings = Vec::new();
    if !f.converged {
        warnings.push("the Poisson fit did not converge; the estimate is unreliable".to_string());
    }
    if !f.empty_overlaps.is_empty() {
        warnings.push(format!(
            "interactions with no observed overlap fitted at their boundary (-inf): {}",
            f.empty_overlaps
                .iter()
                .map(|&t| term_name(data, t))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let (wl, wu) = f.wald_log_interval(opts.level);
    let (nhat_profile, pl, pu) = f.profile_interval(opts.level)?;
    if pu.is_none() {
        warnings.push("the profile likelihood gives no finite upper limit: the data cannot bound the population".into());
    }
    if f.dark > 10.0 * f.observed {
        warnings.push(format!(
            "the unobserved count is estimated at {:.0}, more than ten times the {} people observed: treat with great caution",
            f.dark, f.observed
        ));
    }
    let (lower, upper, interval) = match opts.interval {
        IntervalMethod::Profile => (Some(pl), pu, "profile likelihood"),
        IntervalMethod::WaldLog => (Some(wl), Some(wu), "normal on log(unobserved count)"),
    };
    let selection = match &opts.selection {
        Selection::Fixed(_) => "fixed".to_string(),
        Selection::Stepwise { pthresh } => format!("stepwise (SparseMSE, p < {pthresh})"),
        Selection::Aic => "AIC".into(),
        Selection::Bic => "BIC".into(),
    };
    let coefs: Vec<_> = f
        .names
        .iter()
        .zip(f.coefficients.iter().zip(&f.std_errors))
        .map(|(n, (b, s))| json!({"term": n, "estimate": b, "std_error": s}))
        .collect();
    let details = json!({
        "selection": selection,
        "terms": f.terms.iter().map(|&t| term_name(data, t)).collect::<Vec<_>>(),
        "empty_overlaps": f.empty_overlaps.iter().map(|&t| term_name(data, t)).collect::<Vec<_>>(),
        "coefficients": coefs,
        "unobserved": f.dark,
        "std_error": f.std_error,
        "deviance": f.deviance,
        "df_residual": f.df_residual,
        "aic": f.aic,
        "bic": f.bic,
        "wald_log_interval": [wl, wu],
        "profile_interval": [pl, pu],
        "profile_mle": nhat_profile,
    });
    Ok(Estimate {
        method: "loglinear".into(),
        model: describe_terms(data, &f.all_terms()),
        observed: f.observed,
        estimate: f.estimate,
        lower,
        upper,
        level: opts.level,
        interval: interval.into(),
        details,
        warnings,
    })
}
