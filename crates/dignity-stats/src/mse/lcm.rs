//! Dirichlet-process latent-class model (placeholder).
