//! A small pathway analysed by hand: every figure below is worked out in the comments, so a
//! mistake in the engine cannot hide behind a second copy of the same formula.
//!
//! ```text
//!  start(A) --30 TRANSFER--> triage(A) --60--> xray(A) --0--> check(A) --0.8, 120 REFERRAL--> gp(B) --0--> end(B)
//!                                               ^               |
//!                                               +--0.2, 10------+          (rework: a repeat X-ray)
//! ```
//! Organisations: A = RX1 (acute trust), B = Y05794 (GP). Demand 8 patients a day.

use engine::analysis::HotspotKind;
use engine::{PathwayDocument, analyse};
use serde_json::json;

fn pathway() -> engine::PathwayMap {
    let doc = json!({
        "name": "Worked example", "owner": "RX1", "demandPerDay": 8,
        "organisations": [
            {"odsCode": "RX1", "name": "Acute", "kind": "ACUTE_TRUST"},
            {"odsCode": "Y05794", "name": "Surgery", "kind": "PRIMARY_CARE"}
        ],
        "steps": [
            {"key": "start", "name": "Start", "kind": "START", "organisation": "RX1"},
            {"key": "triage", "name": "Triage", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 10,
             "valueClass": "VALUE_ADDING", "activityCode": "TRIAGE", "dataItems": ["NEWS2"],
             "capacityPerDay": 20, "percentCompleteAccurate": 90},
            {"key": "xray", "name": "X-ray", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 20,
             "valueClass": "VALUE_ADDING", "capacityPerDay": 10, "percentCompleteAccurate": 80},
            {"key": "check", "name": "Image check", "kind": "DECISION", "organisation": "RX1", "touchMinutes": 5},
            {"key": "gp", "name": "GP review", "kind": "ACTIVITY", "organisation": "Y05794", "touchMinutes": 15,
             "wasteKinds": ["OVER_PROCESSING"], "dataItems": ["NEWS2"]},
            {"key": "end", "name": "End", "kind": "END", "organisation": "Y05794"}
        ],
        "transitions": [
            {"from": "start", "to": "triage", "waitMinutes": 30, "handoff": "TRANSFER"},
            {"from": "triage", "to": "xray", "waitMinutes": 60},
            {"from": "xray", "to": "check"},
            {"from": "check", "to": "xray", "probability": 0.2, "waitMinutes": 10},
            {"from": "check", "to": "gp", "probability": 0.8, "waitMinutes": 120, "handoff": "REFERRAL"},
            {"from": "gp", "to": "end"}
        ]
    });
    PathwayDocument::from_json(doc)
        .unwrap()
        .parse()
        .unwrap()
        .map
}

/// The analysis's hotspots with their words.
struct AnalysisWords {
    hotspots: Vec<engine::analysis::RenderedHotspot>,
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn every_figure_matches_the_hand_calculation() {
    let a = analyse(&pathway(), Some(8.0)).unwrap();
    let step = |k: &str| a.steps.iter().find(|s| s.key == k).unwrap();
    // Visits: start, triage once. The loop xray <-> check: V_x = 1 + 0.2·V_c, V_c = V_x, so
    // V_x = V_c = 1/0.8 = 1.25. gp gets 0.8·1.25 = 1, end 1.
    for (k, v) in [
        ("start", 1.0),
        ("triage", 1.0),
        ("xray", 1.25),
        ("check", 1.25),
        ("gp", 1.0),
        ("end", 1.0),
    ] {
        close(step(k).expected_visits, v);
    }
    // Everyone reaches every step (the loop always exits to gp).
    for k in ["start", "triage", "xray", "check", "gp", "end"] {
        close(step(k).reach_probability, 1.0);
    }
    // E[T]: touch 10 + 20·1.25 + 5·1.25 + 15 = 56.25; waits 30 + 60 + 0 + 10·0.25 + 120·1 + 0
    // = 212.5; total 268.75.
    close(a.expected_lead_time_minutes, 268.75);
    // Value-adding: triage 10 + xray 25 = 35; flow efficiency 35 / 268.75.
    close(a.value_added_minutes, 35.0);
    close(a.flow_efficiency, 35.0 / 268.75);
    // Non-internal hand-offs: start->triage (TRANSFER) 1 + check->gp (REFERRAL) 1 = 2.
    close(a.expected_handoffs, 2.0);
    // Between organisations: only check->gp (RX1 to Y05794), traversed once.
    close(a.expected_cross_organisation_handoffs, 1.0);
    // Rework: (1.25 − 1)·20 + (1.25 − 1)·5 for the steps; for check->xray V_e = 0.25 and
    // r_e = 0.2 (the chance of at least one repeat), so (0.25 − 0.2)·10 = 0.5. Total 6.75.
    close(a.rework_minutes, 6.75);
    let back = a
        .transitions
        .iter()
        .find(|t| t.from == "check" && t.to == "xray")
        .unwrap();
    close(back.expected_traversals, 0.25);
    close(back.reach_probability, 0.2);
    // Utilisation: triage 8·1/20 = 0.4; xray 8·1.25/10 = 1.0 (a bottleneck whose queue grows).
    close(step("triage").utilisation.unwrap(), 0.4);
    close(step("xray").utilisation.unwrap(), 1.0);
    assert_eq!(step("check").utilisation, None);
    // Most probable route: start, triage, xray, check, gp, end with probability 0.8 and
    // 50 touch minutes + 210 waiting minutes.
    assert_eq!(
        a.most_probable_route.step_keys,
        ["start", "triage", "xray", "check", "gp", "end"]
    );
    close(a.most_probable_route.probability, 0.8);
    close(a.most_probable_route.minutes, 260.0);
    // Rolled %C&A along that route: 0.9 (triage) · 0.8 (xray) = 0.72.
    close(a.rolled_percent_complete_accurate.unwrap(), 0.72);
}

#[test]
fn hotspots_are_ranked_on_one_scale_with_their_numbers() {
    let analysis = analyse(&pathway(), Some(8.0)).unwrap();
    let a = AnalysisWords {
        hotspots: analysis.rendered_hotspots(),
    };
    let ranked: Vec<(HotspotKind, f64)> = a
        .hotspots
        .iter()
        .map(|h| (h.kind, h.minutes_per_patient))
        .collect();
    // Delay check->gp 120 and the RX1->Y05794 hand-off 120 (ties by kind), delay triage->xray 60,
    // delay start->triage 30, the xray bottleneck V·touch = 25, gp repeating NEWS2 after triage:
    // P(triage then gp) = 1, 15 touch minutes → 15, gp's over-processing 15, the loop: with
    // check->xray closed (its 0.2 given to check->gp) E[T] is 50 + 210 = 260, so it costs
    // 268.75 − 260 = 8.75; the repeat wait check->xray 0.25·10 = 2.5.
    let expected = [
        (HotspotKind::Delay, 120.0),
        (HotspotKind::Handoff, 120.0),
        (HotspotKind::Delay, 60.0),
        (HotspotKind::Delay, 30.0),
        (HotspotKind::Bottleneck, 25.0),
        (HotspotKind::Duplication, 15.0),
        (HotspotKind::Waste, 15.0),
        (HotspotKind::Rework, 8.75),
        (HotspotKind::Delay, 2.5),
    ];
    assert_eq!(ranked.len(), expected.len(), "{ranked:?}");
    for ((kind, minutes), (want_kind, want_minutes)) in ranked.iter().zip(expected) {
        assert_eq!(*kind, want_kind);
        close(*minutes, want_minutes);
    }
    let delay = &a.hotspots[0];
    close(delay.share_of_lead_time, 120.0 / 268.75);
    // 8 a day for 365 days, all of them waiting: 2920 patients, 120·2920/60 = 5840 hours.
    close(delay.patients_per_year.unwrap(), 2920.0);
    close(delay.hours_per_year.unwrap(), 5840.0);
    assert!(
        delay.explanation.contains("hand-off between organisations"),
        "{}",
        delay.explanation
    );
    assert_eq!(delay.transitions, ["check->gp"]);

    let bottleneck = a
        .hotspots
        .iter()
        .find(|h| h.kind == HotspotKind::Bottleneck)
        .unwrap();
    assert!(
        bottleneck.explanation.contains("grows without limit"),
        "{}",
        bottleneck.explanation
    );
    assert!(
        bottleneck.explanation.contains("100%"),
        "{}",
        bottleneck.explanation
    );

    let duplicate = a
        .hotspots
        .iter()
        .find(|h| h.kind == HotspotKind::Duplication)
        .unwrap();
    assert_eq!(duplicate.step_keys, ["triage", "gp"]);
    assert!(duplicate.explanation.contains("NEWS2"));
    assert!(duplicate.explanation.contains("another organisation"));

    let rework = a
        .hotspots
        .iter()
        .find(|h| h.kind == HotspotKind::Rework)
        .unwrap();
    // 1 − 1/N[x][x] = 1 − 1/1.25 = 20% come back round.
    close(rework.reach_probability, 0.2);
    assert_eq!(rework.step_keys, ["xray", "check"]);
    assert_eq!(rework.transitions, ["xray->check", "check->xray"]);
    assert!(
        rework
            .explanation
            .contains("go back from 'check' to 'xray' at least once"),
        "{}",
        rework.explanation
    );

    let handoff = a
        .hotspots
        .iter()
        .find(|h| h.kind == HotspotKind::Handoff)
        .unwrap();
    close(handoff.reach_probability, 1.0);
    assert!(a.hotspots.iter().all(|h| h.suggested_change.is_some()));
}

#[test]
fn an_invalid_pathway_gets_its_problems() {
    let mut map = pathway();
    map.transitions.pop();
    let problems = analyse(&map, None).unwrap_err();
    assert_eq!(problems[0].code, engine::ProblemCode::DeadEnd);
}
