//! Bayesian model averaging over decomposable graphical models (placeholder).
