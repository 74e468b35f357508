//! Pathway analysis and what-if over GraphQL, and `qiflow analyse` agreeing with it.

use crate::editing::small_pathway;
use crate::helpers::{code, field, numbers_as_floats, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::collections::HashSet;

const ANALYSIS: &str = "expectedLeadTimeMinutes valueAddedMinutes flowEfficiency expectedHandoffs
  expectedCrossOrganisationHandoffs reworkMinutes rolledPercentCompleteAccurate demandPerDay
  steps { key expectedVisits reachProbability expectedMinutes utilisation }
  transitions { from to expectedTraversals reachProbability expectedWaitMinutes crossesOrganisations }
  mostProbableRoute { stepKeys probability minutes }
  hotspots { kind title explanation minutesPerPatient shareOfLeadTime reachProbability patientsPerYear
             hoursPerYear stepKeys transitions suggestedChange { kind description } }";

async fn demo_pathways(app: &crate::helpers::TestApp) -> Vec<Value> {
    let data = app
        .data(
            &format!(
                "{{ pathways {{ edges {{ node {{ id name analysis {{ {ANALYSIS} }} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    data["pathways"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn the_demo_shows_every_kind_of_hotspot_and_matches_the_cli() {
    let app = spawn_app_with(true).await;
    let pathways = demo_pathways(&app).await;
    let kinds: HashSet<&str> = pathways
        .iter()
        .flat_map(|p| p["analysis"]["hotspots"].as_array().unwrap())
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "DELAY",
        "REWORK",
        "DUPLICATION",
        "WASTE",
        "HANDOFF",
        "BOTTLENECK",
    ] {
        assert!(
            kinds.contains(kind),
            "no {kind} hotspot in the demo: {kinds:?}"
        );
    }

    // `qiflow analyse --format json` prints the very object GraphQL serves.
    for (file, name) in [
        (
            "hip_fracture.json",
            "Hip fracture (fractured neck of femur)",
        ),
        (
            "urgent_lung_cancer.json",
            "Urgent suspected lung cancer referral",
        ),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("api/src/demo")
            .join(file);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
            .args(["analyse", path.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
        let served = &pathways.iter().find(|p| p["name"] == name).unwrap()["analysis"];
        assert_eq!(numbers_as_floats(&cli), numbers_as_floats(served), "{file}");

        let table = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
            .args(["analyse", path.to_str().unwrap()])
            .output()
            .unwrap();
        let text = String::from_utf8(table.stdout).unwrap();
        assert!(
            text.contains("Expected lead time") && text.contains("Hotspots"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn hotspots_can_be_filtered_and_limited() {
    let app = spawn_app_with(true).await;
    let data = app
        .data(
            "{ pathways { edges { node { analysis { all: hotspots { kind minutesPerPatient }
               delays: hotspots(kinds: [DELAY, HANDOFF], first: 3) { kind minutesPerPatient } } } } } }",
            json!({}),
        )
        .await;
    for edge in data["pathways"]["edges"].as_array().unwrap() {
        let a = &edge["node"]["analysis"];
        let all = a["all"].as_array().unwrap();
        let minutes: Vec<f64> = all
            .iter()
            .map(|h| h["minutesPerPatient"].as_f64().unwrap())
            .collect();
        assert!(
            minutes.windows(2).all(|w| w[0] >= w[1]),
            "ranked largest first"
        );
        let expected: Vec<&Value> = all
            .iter()
            .filter(|h| h["kind"] == "DELAY" || h["kind"] == "HANDOFF")
            .take(3)
            .collect();
        let delays: Vec<&Value> = a["delays"].as_array().unwrap().iter().collect();
        assert_eq!(delays, expected);
    }
}

#[tokio::test]
async fn what_if_predicts_and_stores_nothing() {
    let app = spawn_app_with(true).await;
    let pathways = demo_pathways(&app).await;
    let hip = pathways
        .iter()
        .find(|p| p["name"].as_str().unwrap().starts_with("Hip"))
        .unwrap();
    let before = app.snapshot().await;
    let baseline = &hip["analysis"];
    let minutes_of = |key: &str| {
        baseline["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()["expectedMinutes"]
            .as_f64()
            .unwrap()
    };
    // Merging the repeated functional assessment drops community_rehab; removing a step keeps
    // every other visit and wait in expectation, so E[T] falls by exactly its expected minutes.
    let data = app
        .data(
            "query($id: ID!, $changes: [ChangeInput!]!) { whatIf(pathwayId: $id, changes: $changes) {
               baseline { expectedLeadTimeMinutes } changed { expectedLeadTimeMinutes }
               differences { expectedLeadTimeMinutes hotspots { kind title change minutesBefore minutesAfter } } } }",
            json!({"id": hip["id"], "changes": [{"mergeDuplicate": {"first": "discharge_plan", "second": "community_rehab"}}]}),
        )
        .await;
    let w = &data["whatIf"];
    let drop = w["differences"]["expectedLeadTimeMinutes"]
        .as_f64()
        .unwrap();
    assert!(
        (drop + minutes_of("community_rehab")).abs() < 1e-6,
        "{drop}"
    );
    assert!(
        (w["baseline"]["expectedLeadTimeMinutes"].as_f64().unwrap()
            - baseline["expectedLeadTimeMinutes"].as_f64().unwrap())
        .abs()
            < 1e-9
    );
    let gone: Vec<&Value> = w["differences"]["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"] == "DISAPPEARED" && h["kind"] == "DUPLICATION")
        .collect();
    assert!(!gone.is_empty());

    // Halving a wait: the delay hotspot halves too.
    let data = app
        .data(
            "query($id: ID!, $changes: [ChangeInput!]!) { whatIf(pathwayId: $id, changes: $changes) {
               differences { expectedLeadTimeMinutes hotspots { kind title change minutesBefore minutesAfter } } } }",
            json!({"id": hip["id"], "changes": [{"setWaitMinutes": {"from": "ortho_clerk", "to": "surgery", "minutes": 840}}]}),
        )
        .await;
    let d = &data["whatIf"]["differences"];
    assert!((d["expectedLeadTimeMinutes"].as_f64().unwrap() + 840.0).abs() < 1e-6);
    let delay = d["hotspots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["title"] == "Wait from 'ortho_clerk' to 'surgery'")
        .unwrap();
    assert_eq!(delay["change"], "CHANGED");
    assert_eq!(numbers_as_floats(&delay["minutesAfter"]), json!(840.0));
    assert_eq!(app.snapshot().await, before, "a what-if stores nothing");
}

#[tokio::test]
async fn bad_changes_are_named() {
    let app = spawn_app_with(true).await;
    let pathways = demo_pathways(&app).await;
    let id = pathways[0]["id"].clone();
    let q = "query($id: ID!, $changes: [ChangeInput!]!) { whatIf(pathwayId: $id, changes: $changes) { differences { expectedLeadTimeMinutes } } }";
    for (changes, culprit) in [
        (
            json!([{"setTouchMinutes": {"step": "nope", "minutes": 1}}]),
            "changes[0].step",
        ),
        (
            json!([{"setTouchMinutes": {"step": "xray", "minutes": 1}}, {"setTouchMinutes": {"step": "xray", "minutes": -1}}]),
            "changes[1].minutes",
        ),
        (json!([{"removeStep": {"step": "fall"}}]), "changes[0].step"),
        (
            json!([{"setProbabilities": {"step": "image_ok", "probabilities": [{"to": "xray", "probability": 0.5}]}}]),
            "changes[0].probabilities",
        ),
    ] {
        let err = app.error(q, json!({"id": id, "changes": changes})).await;
        assert_eq!(
            (code(&err), field(&err)),
            ("VALIDATION", culprit),
            "{err:#}"
        );
    }
    // Exactly one field of a change must be set.
    let err = app
        .error(q, json!({"id": id, "changes": [{"removeStep": {"step": "xray"}, "setTouchMinutes": {"step": "xray", "minutes": 1}}]}))
        .await;
    assert_eq!(code(&err), "VALIDATION");
}

#[tokio::test]
async fn an_invalid_pathway_has_no_analysis_and_a_changed_draft_gets_a_fresh_one() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let q = "query($id: ID!) { pathway(id: $id) { version analysis { expectedLeadTimeMinutes } } }";
    // start -> assess (10 touch) -> end; two waits of 30.
    let data = app.data(q, json!({"id": draft.id})).await;
    assert_eq!(
        numbers_as_floats(&data["pathway"]["analysis"]["expectedLeadTimeMinutes"]),
        json!(90.0)
    );
    let data = app
        .data(
            "mutation($i: UpdateStepInput!) { updateStep(input: $i) { pathway { version analysis { expectedLeadTimeMinutes } } } }",
            json!({"i": {"id": draft.steps[1], "expectedVersion": draft.version, "touchMinutes": 25}}),
        )
        .await;
    assert_eq!(
        numbers_as_floats(&data["updateStep"]["pathway"]["analysis"]["expectedLeadTimeMinutes"]),
        json!(105.0)
    );
    let version = data["updateStep"]["pathway"]["version"].as_i64().unwrap();
    app.data(
        "mutation($id: ID!, $v: Int!) { removeStep(id: $id, expectedVersion: $v) { id } }",
        json!({"id": draft.steps[2], "v": version}),
    )
    .await;
    let err = app.error(q, json!({"id": draft.id})).await;
    assert_eq!(code(&err), "VALIDATION");
    let codes: Vec<&str> = err["extensions"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"MISSING_END"), "{codes:?}");
}
