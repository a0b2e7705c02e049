//! Small numerical toolbox: special functions, dense linear algebra for
//! small systems, a simplex solver and a Poisson GLM.
//!
//! MSE models have at most a few dozen parameters, so hand-written dense
//! routines are both faster to compile and easier to audit than pulling a
//! general linear-algebra crate into the build.

use std::f64::consts::PI;

/// Natural log of the gamma function (Lanczos approximation, g = 7, n = 9),
/// accurate to about 1e-15 relative for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula keeps accuracy for small arguments.
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised lower incomplete gamma P(a, x) and upper Q(a, x) = 1 - P.
/// Series for x < a + 1, continued fraction otherwise (the classic split that
/// keeps both tails accurate).
pub fn gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    let lg = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut sum = 1.0 / a;
        let mut del = sum;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        let p = (sum.ln() + lg).exp();
        (p, 1.0 - p)
    } else {
        // Lentz's continued fraction for Q.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        let q = (h.ln() + lg).exp();
        (1.0 - q, q)
    }
}

/// P(X <= k) for X ~ Poisson(lambda); 0 for k < 0.
pub fn poisson_cdf(k: f64, lambda: f64) -> f64 {
    if k < 0.0 {
        return 0.0;
    }
    if lambda <= 0.0 {
        return 1.0;
    }
    gamma_pq(k.floor() + 1.0, lambda).1
}

/// P(X >= k) for X ~ Poisson(lambda).
pub fn poisson_sf_ge(k: f64, lambda: f64) -> f64 {
    if k <= 0.0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    gamma_pq(k.ceil(), lambda).0
}

/// Standard normal CDF via the incomplete gamma function (erfc).
pub fn norm_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    let q = gamma_pq(0.5, z * z).1; // erfc(|z|)
    if x < 0.0 {
        0.5 * q
    } else {
        1.0 - 0.5 * q
    }
}

/// Standard normal quantile: Acklam's rational approximation polished by
/// Newton steps on `norm_cdf`, giving close to machine precision.
pub fn norm_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "norm_quantile needs 0 < p < 1, got {p}");
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let pl = 0.02425;
    let mut x = if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    for _ in 0..3 {
        let e = norm_cdf(x) - p;
        let dens = (-0.5 * x * x).exp() / (2.0 * PI).sqrt();
        if dens <= 0.0 {
            break;
        }
        x -= e / dens;
    }
    x
}

/// Row-major dense matrix helpers for small symmetric positive-definite systems.
/// Cholesky factorisation in place; returns false if the matrix is not
/// (numerically) positive definite.
pub fn cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 1e-300 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in (j + 1)..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// Solve L L^T x = b given the Cholesky factor from [`cholesky`].
pub fn chol_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in (i + 1)..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Inverse of an SPD matrix from its Cholesky factor.
pub fn chol_inverse(l: &[f64], n: usize) -> Vec<f64> {
    let mut inv = vec![0.0; n * n];
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        chol_solve(l, n, &mut e);
        for i in 0..n {
            inv[i * n + j] = e[i];
        }
    }
    inv
}

/// Column rank of a dense `rows x cols` row-major matrix (Gaussian elimination
/// with partial pivoting and a relative tolerance).
pub fn column_rank(m: &[f64], rows: usize, cols: usize) -> usize {
    let mut a = m.to_vec();
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs())).max(1.0);
    let tol = 1e-9 * scale * rows.max(cols) as f64;
    let mut rank = 0;
    let mut row = 0;
    for col in 0..cols {
        if row >= rows {
            break;
        }
        let (piv, best) = (row..rows)
            .map(|r| (r, a[r * cols + col].abs()))
            .fold((row, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if best <= tol {
            continue;
        }
        for c in 0..cols {
            a.swap(row * cols + c, piv * cols + c);
        }
        for r in (row + 1)..rows {
            let f = a[r * cols + col] / a[row * cols + col];
            if f != 0.0 {
                for c in col..cols {
                    a[r * cols + c] -= f * a[row * cols + c];
                }
            }
        }
        row += 1;
        rank += 1;
    }
    rank
}

/// Outcome of [`lp_max_standard`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LpOutcome {
    Optimal(f64),
    Infeasible,
    Unbounded,
}

/// Maximise `c·x` subject to `A x = b`, `x >= 0` with `b >= 0` (dense
/// two-phase simplex, Bland's rule so that degenerate problems terminate).
/// `a` is row-major `m x n`. Used for the Fienberg–Rinaldo existence check,
/// whose problems have at most a few hundred columns.
pub fn lp_max_standard(c: &[f64], a: &[f64], b: &[f64], m: usize, n: usize) -> LpOutcome {
    let eps = 1e-9;
    let width = n + m + 1; // x, artificials, rhs
    let mut t = vec![0.0; m * width];
    for i in 0..m {
        let sign = if b[i] < 0.0 { -1.0 } else { 1.0 };
        for j in 0..n {
            t[i * width + j] = sign * a[i * n + j];
        }
        t[i * width + n + i] = 1.0;
        t[i * width + n + m] = sign * b[i];
    }
    let mut basis: Vec<usize> = (n..n + m).collect();

    // Reduced-cost row for a given objective over all columns (maximisation).
    fn run(
        t: &mut [f64],
        basis: &mut [usize],
        obj: &[f64],
        allowed: usize,
        m: usize,
        width: usize,
        eps: f64,
    ) -> bool {
        let rhs = width - 1;
        for _ in 0..50_000 {
            // reduced cost r_j = obj_j - sum_i obj_basis(i) * t_ij
            let mut enter = None;
            for j in 0..allowed {
                if basis.contains(&j) {
                    continue;
                }
                let mut r = obj[j];
                for i in 0..m {
                    r -= obj[basis[i]] * t[i * width + j];
                }
                if r > eps {
                    enter = Some(j);
                    break;
                }
            }
            let Some(e) = enter else { return true };
            let mut leave: Option<(usize, f64)> = None;
            for i in 0..m {
                let aij = t[i * width + e];
                if aij > eps {
                    let ratio = t[i * width + rhs] / aij;
                    match leave {
                        None => leave = Some((i, ratio)),
                        Some((li, lr)) => {
                            if ratio < lr - 1e-12 || (ratio <= lr + 1e-12 && basis[i] < basis[li]) {
                                leave = Some((i, ratio));
                            }
                        }
                    }
                }
            }
            let Some((r, _)) = leave else { return false };
            let p = t[r * width + e];
            for k in 0..width {
                t[r * width + k] /= p;
            }
            for i in 0..m {
                if i != r {
                    let f = t[i * width + e];
                    if f != 0.0 {
                        for k in 0..width {
                            t[i * width + k] -= f * t[r * width + k];
                        }
                    }
                }
            }
            basis[r] = e;
        }
        true
    }

    // Phase 1: maximise -sum(artificials).
    let mut obj1 = vec![0.0; n + m];
    for v in obj1.iter_mut().skip(n) {
        *v = -1.0;
    }
    run(&mut t, &mut basis, &obj1, n + m, m, width, eps);
    let infeas: f64 = (0..m)
        .filter(|&i| basis[i] >= n)
        .map(|i| t[i * width + n + m])
        .sum();
    if infeas > 1e-7 {
        return LpOutcome::Infeasible;
    }
    // Drive remaining (zero-valued) artificials out of the basis where possible.
    for i in 0..m {
        if basis[i] >= n {
            if let Some(j) = (0..n).find(|&j| !basis.contains(&j) && t[i * width + j].abs() > eps) {
                let p = t[i * width + j];
                for k in 0..width {
                    t[i * width + k] /= p;
                }
                for r in 0..m {
                    if r != i {
                        let f = t[r * width + j];
                        if f != 0.0 {
                            for k in 0..width {
                                t[r * width + k] -= f * t[i * width + k];
                            }
                        }
                    }
                }
                basis[i] = j;
            }
        }
    }
    let mut obj2 = vec![0.0; n + m];
    obj2[..n].copy_from_slice(c);
    if !run(&mut t, &mut basis, &obj2, n, m, width, eps) {
        return LpOutcome::Unbounded;
    }
    let val: f64 = (0..m).map(|i| obj2[basis[i]] * t[i * width + n + m]).sum();
    LpOutcome::Optimal(val)
}

/// Result of a Poisson GLM fit with log link.
#[derive(Debug, Clone)]
pub struct PoissonFit {
    pub beta: Vec<f64>,
    /// Unscaled covariance (X' W X)^-1, row-major p x p.
    pub cov: Vec<f64>,
    pub mu: Vec<f64>,
    pub deviance: f64,
    pub loglik: f64,
    pub converged: bool,
    pub iterations: usize,
}

/// Fit a Poisson log-linear GLM by iteratively reweighted least squares,
/// started like R's `glm` (mu = y + 0.1) so that near-boundary fits take the
/// same path. `x` is row-major `n x p`.
pub fn poisson_glm(x: &[f64], y: &[f64], n: usize, p: usize) -> Option<PoissonFit> {
    let mut mu: Vec<f64> = y.iter().map(|v| v + 0.1).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut beta = vec![0.0; p];
    let mut dev_old = f64::INFINITY;
    let mut converged = false;
    let mut iterations = 0;
    let mut xtwx = vec![0.0; p * p];
    for it in 0..200 {
        iterations = it + 1;
        xtwx.iter_mut().for_each(|v| *v = 0.0);
        let mut xtwz = vec![0.0; p];
        for i in 0..n {
            let w = mu[i];
            let z = eta[i] + (y[i] - mu[i]) / mu[i];
            let row = &x[i * p..(i + 1) * p];
            for a in 0..p {
                if row[a] == 0.0 {
                    continue;
                }
                let wa = w * row[a];
                xtwz[a] += wa * z;
                for b in 0..=a {
                    xtwx[a * p + b] += wa * row[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                xtwx[b * p + a] = xtwx[a * p + b];
            }
        }
        let mut l = xtwx.clone();
        if !cholesky(&mut l, p) {
            return None;
        }
        chol_solve(&l, p, &mut xtwz);
        beta = xtwz;
        for i in 0..n {
            let row = &x[i * p..(i + 1) * p];
            eta[i] = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            mu[i] = eta[i].exp();
        }
        let dev = poisson_deviance(y, &mu);
        if ((dev - dev_old).abs() / (dev.abs() + 0.1)) < 1e-12 {
            converged = true;
            break;
        }
        dev_old = dev;
    }
    // Covariance at the final estimate.
    xtwx.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..n {
        let row = &x[i * p..(i + 1) * p];
        for a in 0..p {
            for b in 0..=a {
                xtwx[a * p + b] += mu[i] * row[a] * row[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            xtwx[b * p + a] = xtwx[a * p + b];
        }
    }
    let mut l = xtwx;
    if !cholesky(&mut l, p) {
        return None;
    }
    let cov = chol_inverse(&l, p);
    let deviance = poisson_deviance(y, &mu);
    let loglik = y
        .iter()
        .zip(&mu)
        .map(|(&yy, &m)| {
            let t = if yy > 0.0 { yy * m.ln() } else { 0.0 };
            t - m - ln_gamma(yy + 1.0)
        })
        .sum();
    Some(PoissonFit {
        beta,
        cov,
        mu,
        deviance,
        loglik,
        converged,
        iterations,
    })
}

/// Poisson deviance 2 Σ [y log(y/mu) - (y - mu)].
pub fn poisson_deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y
        .iter()
        .zip(mu)
        .map(|(&yy, &m)| {
            let t = if yy > 0.0 { yy * (yy / m).ln() } else { 0.0 };
            t - (yy - m)
        })
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_functions_match_known_values() {
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - PI.sqrt().ln()).abs() < 1e-12);
        assert!((norm_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-12);
        assert!((norm_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-10);
        assert!((norm_quantile(0.001) + 3.090_232_306_167_814).abs() < 1e-9);
        // ppois(3, 2.5) = 0.7575761331330659 in R
        assert!((poisson_cdf(3.0, 2.5) - 0.757_576_133_133_066_2).abs() < 1e-12);
        assert!((poisson_sf_ge(4.0, 2.5) - (1.0 - 0.757_576_133_133_066_2)).abs() < 1e-12);
        assert!((poisson_cdf(150.0, 120.0) - 0.996_448_034_894_764_7).abs() < 1e-10);
    }

    #[test]
    fn simplex_solves_small_problem() {
        // max x1 + x2 s.t. x1 + 2 x2 + s1 = 4, 3 x1 + x2 + s2 = 6
        let a = [1.0, 2.0, 1.0, 0.0, 3.0, 1.0, 0.0, 1.0];
        let r = lp_max_standard(&[1.0, 1.0, 0.0, 0.0], &a, &[4.0, 6.0], 2, 4);
        match r {
            LpOutcome::Optimal(v) => assert!((v - 2.8).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rank_detects_dependence() {
        let m = [1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 1.0, 0.0, 1.0];
        assert_eq!(column_rank(&m, 3, 3), 2);
    }
}
