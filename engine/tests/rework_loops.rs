//! Rework loop by loop (issue 15): each back transition is its own REWORK hotspot, costing the
//! fall in expected lead time if patients never took the branch into it. Checked by hand on a
//! pathway with a CT rescan and a readmission that both return to the scan, and on random
//! pathways against a fresh analysis of the counterfactual pathway (the flow equations solved
//! again on a map with the branch removed, not the engine's shortcut through the old solution).

use engine::analysis::HotspotKind;
use engine::analysis::hotspots::Subject;
use engine::testing::valid_pathway;
use engine::values::Probability;
use engine::{PathwayDocument, PathwayMap, StepKind, analyse};
use proptest::prelude::*;
use serde_json::json;
use std::collections::HashSet;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} != {b}");
}

/// ```text
/// start -> scan(30) -> check --0.8--> ward(600) -> home --0.9--> end
///           ^  ^         |                         |
///           |  +--0.2, 60+ (rescan)                +--0.1--> readmit(120) --+
///           +---------------------------------------------------------------+ (readmission)
/// ```
fn two_loops() -> PathwayMap {
    let doc = json!({
        "name": "Two loops", "owner": "RX1",
        "organisations": [{"odsCode": "RX1", "name": "Acute", "kind": "ACUTE_TRUST"}],
        "steps": [
            {"key": "start", "name": "Start", "kind": "START", "organisation": "RX1"},
            {"key": "scan", "name": "CT scan", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 30},
            {"key": "check", "name": "Scan check", "kind": "DECISION", "organisation": "RX1"},
            {"key": "ward", "name": "Ward stay", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 600},
            {"key": "home", "name": "At home", "kind": "DECISION", "organisation": "RX1"},
            {"key": "readmit", "name": "Readmission", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 120},
            {"key": "end", "name": "End", "kind": "END", "organisation": "RX1"}
        ],
        "transitions": [
            {"from": "start", "to": "scan"},
            {"from": "scan", "to": "check"},
            {"from": "check", "to": "scan", "probability": 0.2, "waitMinutes": 60},
            {"from": "check", "to": "ward", "probability": 0.8},
            {"from": "ward", "to": "home"},
            {"from": "home", "to": "end", "probability": 0.9},
            {"from": "home", "to": "readmit", "probability": 0.1},
            {"from": "readmit", "to": "scan"}
        ]
    });
    PathwayDocument::from_json(doc)
        .unwrap()
        .parse()
        .unwrap()
        .map
}

#[test]
fn a_rescan_and_a_readmission_to_the_same_scan_are_two_hotspots_with_their_own_cost() {
    let a = analyse(&two_loops(), None).unwrap();
    // Visits to the scan: x = 1 + 0.2x + 0.8·0.1x, so x = 1/0.72. Touch 30x + 600·0.8x +
    // 120·0.08x = 519.6x, waits 60·0.2x = 12x: E[T] = 531.6/0.72 = 738.33.
    close(a.expected_lead_time_minutes, 531.6 / 0.72);
    let rendered = a.rendered_hotspots();
    let loops: Vec<_> = rendered
        .iter()
        .filter(|h| h.kind == HotspotKind::Rework)
        .collect();
    assert_eq!(loops.len(), 2, "{loops:#?}");
    // Without the readmission (home -> end always; readmit unreachable): x = 1.25, touch 37.5 +
    // 600 = 637.5, waits 15: 652.5.
    let readmission = loops
        .iter()
        .find(|h| h.transitions.last().unwrap() == "readmit->scan")
        .unwrap();
    close(readmission.minutes_per_patient, 531.6 / 0.72 - 652.5);
    assert_eq!(
        readmission.step_keys,
        ["scan", "check", "ward", "home", "readmit"]
    );
    assert!(
        readmission.explanation.contains("at 'home'"),
        "the branch into it is at its decision: {}",
        readmission.explanation
    );
    // Without the rescan (check -> ward always): x = 1/0.9, touch 30x + 600x + 12x = 642x, no
    // waits: 713.33.
    let rescan = loops
        .iter()
        .find(|h| h.transitions.last().unwrap() == "check->scan")
        .unwrap();
    close(rescan.minutes_per_patient, 531.6 / 0.72 - 642.0 / 0.9);
    assert_eq!(rescan.step_keys, ["scan", "check"]);
    assert_eq!(rescan.transitions, ["scan->check", "check->scan"]);
    // Largest first: the readmission (85.8) before the rescan (25).
    assert!(readmission.minutes_per_patient > rescan.minutes_per_patient);
}

/// The map with `exits` removed, each decision's other exits sharing their probability in
/// proportion, and whatever START can no longer reach removed with it.
fn counterfactual(map: &PathwayMap, exits: &[usize]) -> PathwayMap {
    let mut transitions: Vec<_> = map
        .transitions
        .iter()
        .enumerate()
        .filter(|(e, _)| !exits.contains(e))
        .map(|(_, t)| t.clone())
        .collect();
    let decisions: HashSet<_> = exits
        .iter()
        .map(|&e| map.transitions[e].from.clone())
        .collect();
    for d in &decisions {
        let kept: f64 = transitions
            .iter()
            .filter(|t| &t.from == d)
            .map(|t| t.probability.map_or(1.0, |p| p.get()))
            .sum();
        for t in transitions.iter_mut().filter(|t| &t.from == d) {
            let p = t.probability.map_or(1.0, |p| p.get()) / kept;
            t.probability = Some(Probability::parse(p.min(1.0)).unwrap());
        }
    }
    let start = map
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Start)
        .unwrap()
        .key
        .clone();
    let mut reached = HashSet::from([start.clone()]);
    let mut walk = vec![start];
    while let Some(s) = walk.pop() {
        for t in transitions.iter().filter(|t| t.from == s) {
            if reached.insert(t.to.clone()) {
                walk.push(t.to.clone());
            }
        }
    }
    let steps = map
        .steps
        .iter()
        .filter(|s| reached.contains(&s.key))
        .cloned()
        .collect();
    transitions.retain(|t| reached.contains(&t.from));
    PathwayMap::new(steps, transitions).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn each_loop_costs_the_lead_time_it_adds(map in valid_pathway(12, true)) {
        let a = analyse(&map, None).unwrap();
        for h in a.hotspots.iter().filter(|h| h.kind == HotspotKind::Rework) {
            let Subject::Loop(i) = h.subject else { panic!("a REWORK hotspot is about a loop") };
            let lp = &a.rework_loops[i];
            let without = analyse(&counterfactual(&map, &lp.exits), None).unwrap();
            let expected = a.expected_lead_time_minutes - without.expected_lead_time_minutes;
            prop_assert!(
                (h.minutes_per_patient - expected).abs() <= 1e-6 * a.expected_lead_time_minutes.max(1.0),
                "{} vs {expected}", h.minutes_per_patient
            );
            // The back transition closes the loop, which starts where it returns to.
            let back = &map.transitions[lp.back];
            prop_assert_eq!(*lp.transitions.last().unwrap(), lp.back);
            prop_assert_eq!(&map.steps[lp.steps[0]].key, &back.to);
            prop_assert_eq!(&map.steps[*lp.steps.last().unwrap()].key, &back.from);
        }
    }
}
