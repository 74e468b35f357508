//! What the reference tests share: finding `../shared` (skipping without it, failing under CI)
//! and comparing a figure with the reference's.

use serde_json::Value;
use std::path::PathBuf;

/// `../shared/<sub>` when every one of `needed` is there under it; otherwise `None` after saying
/// the test skipped, or a failure under CI (`CI=true`), where the reference must be present.
pub fn shared(sub: &str, needed: &[&str]) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(sub);
    if needed.iter().all(|n| dir.join(n).exists()) {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the reference is missing at {}",
        dir.display()
    );
    eprintln!("skipped: no reference at {}", dir.display());
    None
}

/// Asserts `ours` is within 0.001 of the reference's number (pm4py's figures are rounded to
/// three decimals).
pub fn within(ours: f64, theirs: &Value, what: &str) {
    let theirs = theirs.as_f64().unwrap();
    assert!(
        (ours - theirs).abs() <= 0.001 + 1e-9,
        "{what}: {ours} != {theirs}"
    );
}
