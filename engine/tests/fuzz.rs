//! Fuzzing the readers of outside input with proptest over bytes (issue 12): arbitrary bytes,
//! and valid inputs with random bytes spliced in, must never panic, hang or grow without bound
//! in the CSV and XES readers, the pathway document, the NHS-number screen and the analysis of
//! what a document parses to. The case count comes from `QIFLOW_FUZZ_CASES` (256 by default);
//! `.ci/run` runs a longer round under a time limit.

use engine::events::csv::{ColumnMapping, read_csv};
use engine::events::identifiers::contains_nhs_number;
use engine::events::xes::read_xes;
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("QIFLOW_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

const CSV: &str = "case_id,activity,timestamp,organisation,resource\n\
c1,Triage,2024-01-01T09:00:00Z,RX1,nurse 1\n\
c1,\"Scan, CT\",2024-01-01 10:30,RX1,\n\
c2,Triage,2024-03-31T01:30:00+01:00,RX2,943 476 5919\n";

const XES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0"><trace><string key="concept:name" value="c1"/>
<event><string key="concept:name" value="Triage"/><date key="time:timestamp" value="2023-01-02T00:00:00.000+00:00"/>
<string key="org:group" value="RX8"/><list key="l"><string key="x" value="y"/></list></event>
</trace></log>"#;

const DOCUMENT: &str = r#"{"name": "P", "owner": "RX1", "demandPerDay": 2,
"organisations": [{"odsCode": "RX1", "name": "Trust", "kind": "ACUTE_TRUST"}],
"steps": [{"key": "s", "name": "Start", "kind": "START", "organisation": "RX1", "touchMinutes": 0},
 {"key": "a", "name": "Assess", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 10, "activityCode": "A", "dataItems": ["x"]},
 {"key": "b", "name": "Reassess", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 5, "activityCode": "A"},
 {"key": "e", "name": "End", "kind": "END", "organisation": "RX1", "touchMinutes": 0}],
"transitions": [{"from": "s", "to": "a", "waitMinutes": 5}, {"from": "a", "to": "b", "waitMinutes": 5},
 {"from": "b", "to": "a", "probability": 0.3, "waitMinutes": 1}, {"from": "b", "to": "e", "probability": 0.7, "waitMinutes": 0}]}"#;

/// A valid input with up to 16 bytes overwritten, inserted or removed at random places.
fn spliced(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 0..16).prop_map(move |edits| {
        let mut bytes = valid.as_bytes().to_vec();
        for (at, byte, kind) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        bytes
    })
}

fn input(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..2048), spliced(valid),]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_csv_reader_never_panics(bytes in input(CSV)) {
        let mut events = 0u64;
        if let Ok(report) = read_csv(&bytes[..], &ColumnMapping::default(), |_, _| events += 1) {
            prop_assert!(report.errors.len() <= engine::events::csv::MAX_ROW_ERRORS);
            prop_assert!(events <= report.rows);
        }
    }

    #[test]
    fn the_xes_reader_never_panics(bytes in input(XES)) {
        let mut events = 0u64;
        if let Ok(report) = read_xes(&bytes[..], |_, _| events += 1) {
            prop_assert!(report.errors.len() <= engine::events::csv::MAX_ROW_ERRORS);
            prop_assert!(events <= report.rows);
        }
    }

    /// A document that parses is analysed (with a work budget: a hostile shape may not hang).
    #[test]
    fn the_pathway_document_never_panics(bytes in input(DOCUMENT)) {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return Ok(());
        };
        let Ok(document) = engine::PathwayDocument::from_json(value) else {
            return Ok(());
        };
        if let Ok(parsed) = document.parse() {
            let budget = engine::budget::Budget::with_limit(50_000_000);
            let demand = parsed.header.demand_per_day.map(|d| d.get());
            let _ = engine::analysis::analyse_shared(std::sync::Arc::new(parsed.map), demand, &budget);
        }
    }

    #[test]
    fn the_nhs_number_screen_never_panics(text in any::<String>(), bytes in input(CSV)) {
        let _ = contains_nhs_number(&text);
        let _ = contains_nhs_number(&String::from_utf8_lossy(&bytes));
    }
}
