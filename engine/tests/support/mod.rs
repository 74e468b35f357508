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

/// Asserts one directly-follows edge equals pm4py's: its count, and mean, median, min and max
/// waits within 0.001 s.
pub fn edge_agrees(ours: &engine::events::discovery::Edge, theirs: &Value, what: &str) {
    assert_eq!(
        ours.count,
        theirs["count"].as_u64().unwrap(),
        "{what}: count"
    );
    for (value, key) in [
        (ours.mean_seconds, "mean_s"),
        (ours.median_seconds, "median_s"),
        (ours.min_seconds, "min_s"),
        (ours.max_seconds, "max_s"),
    ] {
        within(value, &theirs[key], &format!("{what}: {key}"));
    }
}

/// Asserts the start and end activities with their counts equal pm4py's.
pub fn start_and_end_agree(
    found: &engine::events::discovery::Discovery,
    reference: &Value,
    name: &str,
) {
    use std::collections::BTreeMap;
    for (ours, key) in [
        (&found.start_activities, "start_activities"),
        (&found.end_activities, "end_activities"),
    ] {
        let ours: BTreeMap<&str, u64> = ours
            .iter()
            .map(|a| (a.activity.as_str(), a.count))
            .collect();
        let theirs: BTreeMap<&str, u64> = reference[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_u64().unwrap()))
            .collect();
        assert_eq!(ours, theirs, "{name}: {key}");
    }
}
