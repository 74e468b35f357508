//! Agreement with pm4py on real public event logs, read straight from the compressed files as
//! they are shipped (`../shared/validation/realdata/`): events, cases, every directly-follows
//! edge's count and waits (mean, median, min, max within 0.001 s), start and end activities, the
//! variant count and every variant with its count. Offset-less times are read as UTC, as pm4py
//! reads them. Without `../shared` the test says it skipped; under CI (`CI=true`) that fails.

use engine::events::discovery::{DiscoveryOptions, discover};
use engine::events::timestamp::parse_zone;
use engine::events::{InputFormat, ReadOptions, read_log};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

mod support;

fn check(name: &str, file: &std::path::Path, reference: &Value) {
    let options = ReadOptions {
        timezone: parse_zone("UTC").unwrap(),
        ..ReadOptions::default()
    };
    let (log, report) = read_log(std::fs::File::open(file).unwrap(), &options).unwrap();
    assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
    let reading = report.reading.unwrap();
    assert!(
        reading.compressed && reading.format == InputFormat::Xes,
        "{name}: {reading:?}"
    );
    let found = discover(
        &log,
        &DiscoveryOptions {
            top_variants: usize::MAX,
            collapse_repeats: false,
        },
    );
    assert_eq!(
        found.events,
        reference["n_events"].as_u64().unwrap(),
        "{name}: events"
    );
    assert_eq!(
        found.cases,
        reference["n_cases"].as_u64().unwrap(),
        "{name}: cases"
    );

    let theirs: BTreeMap<(&str, &str), &Value> = reference["dfg"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| ((e["from"].as_str().unwrap(), e["to"].as_str().unwrap()), e))
        .collect();
    assert_eq!(found.edges.len(), theirs.len(), "{name}: edges");
    for ours in &found.edges {
        let what = format!("{name}: {} -> {}", ours.from, ours.to);
        let e = theirs
            .get(&(ours.from.as_str(), ours.to.as_str()))
            .unwrap_or_else(|| panic!("{what}: not in pm4py's graph"));
        support::edge_agrees(ours, e, &what);
    }
    support::start_and_end_agree(&found, reference, name);

    assert_eq!(
        found.variant_count,
        reference["variants_count"].as_u64().unwrap(),
        "{name}: variant count"
    );
    let theirs: BTreeMap<Vec<&str>, u64> = reference["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let acts = v["activities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            (acts, v["count"].as_u64().unwrap())
        })
        .collect();
    let ours: BTreeMap<Vec<&str>, u64> = found
        .top_variants
        .iter()
        .map(|v| (v.activities.iter().map(String::as_str).collect(), v.count))
        .collect();
    assert_eq!(ours, theirs, "{name}: variants");
    // The most common come first, as pm4py lists them.
    let counts: Vec<u64> = found.top_variants.iter().map(|v| v.count).collect();
    let theirs: Vec<u64> = reference["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, theirs, "{name}: variant order");
}

#[test]
fn discovery_on_real_compressed_logs_agrees_with_pm4py() {
    let Some(dir) = support::shared("validation/realdata", &["logs", "ref"]) else {
        return;
    };
    let mut checked = 0;
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    logs.sort();
    for file in logs {
        let file_name = file.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = file_name.strip_suffix(".xes.gz") else {
            continue;
        };
        let reference: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("ref/pm4py_{stem}.json"))).unwrap(),
        )
        .unwrap();
        check(stem, &file, &reference);
        checked += 1;
    }
    assert_eq!(checked, 4, "expected the four real logs");
}
