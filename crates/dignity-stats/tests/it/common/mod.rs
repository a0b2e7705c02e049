//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` next to the repository. The reference data are not
/// optional: a missing folder is a failed test, never a skipped one.
pub fn shared_data(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        root.is_dir(),
        "reference data folder {} is missing: these tests need ../shared/data beside the repository",
        root.display()
    );
    let p = root.join(rel);
    assert!(p.exists(), "reference file {} is missing", p.display());
    p
}

/// |a - b| <= tol * |b|
pub fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs(),
        "{what}: got {got}, published {want} (relative error {:.5} > {tol})",
        (got - want).abs() / want.abs()
    );
}
