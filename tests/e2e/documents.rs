//! Import and export of pathway documents: the round trip, bad input, all or nothing.

use crate::helpers::{code, example_document, field, numbers_as_floats, spawn_app};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

#[tokio::test]
async fn importing_and_exporting_the_example_gives_the_same_document() {
    let app = spawn_app().await;
    let doc = example_document();
    let pathway = app.import(&doc).await;
    assert_eq!(pathway["status"], "DRAFT");
    assert_eq!(pathway["version"], 1);
    assert_eq!(
        numbers_as_floats(&pathway["document"]),
        numbers_as_floats(&doc)
    );

    // And again through a fresh read, not the mutation's own answer.
    let read = app
        .data(
            "query($id: ID!) { pathway(id: $id) { document } }",
            json!({"id": pathway["id"]}),
        )
        .await;
    assert_eq!(
        numbers_as_floats(&read["pathway"]["document"]),
        numbers_as_floats(&doc)
    );
}

#[test]
fn generated_documents_round_trip_through_the_api() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(spawn_app());
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(&engine::testing::document(), |doc| {
            let value = serde_json::to_value(&doc).unwrap();
            let pathway = runtime.block_on(app.import(&value));
            prop_assert_eq!(
                numbers_as_floats(&pathway["document"]),
                numbers_as_floats(&value)
            );
            Ok(())
        })
        .unwrap();
}

async fn assert_rejected(doc: Value, expected_field: &str, needle: &str) {
    let app = spawn_app().await;
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let before = app.snapshot().await;
    let err = app
        .error(
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({ "d": doc }),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION", "{err:#}");
    assert_eq!(field(&err), expected_field, "{err:#}");
    assert!(err["message"].as_str().unwrap().contains(needle), "{err:#}");
    assert_eq!(app.snapshot().await, before, "nothing may be stored");
}

#[tokio::test]
async fn a_probability_of_one_and_a_half_is_rejected() {
    let mut doc = example_document();
    doc["transitions"][0]["probability"] = json!(1.5);
    assert_rejected(doc, "transitions[0].probability", "1.5").await;
}

#[tokio::test]
async fn a_negative_wait_is_rejected() {
    let mut doc = example_document();
    doc["transitions"][2]["waitMinutes"] = json!(-10);
    assert_rejected(doc, "transitions[2].waitMinutes", "-10").await;
}

#[tokio::test]
async fn an_unknown_step_key_is_rejected() {
    let mut doc = example_document();
    doc["transitions"][1]["to"] = json!("ct_scan");
    assert_rejected(doc, "transitions[1].to", "ct_scan").await;
}

#[tokio::test]
async fn a_misspelt_field_is_rejected_by_its_path() {
    let mut doc = example_document();
    doc["steps"][1]["touchMinuts"] = json!(10);
    assert_rejected(doc, "steps[1].touchMinuts", "touchMinuts").await;
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let app = spawn_app().await;
    let mut doc = example_document();
    doc["transitions"][0]["probability"] = json!(1.5);
    doc["transitions"][2]["waitMinutes"] = json!(-10);
    doc["steps"][2]["percentCompleteAccurate"] = json!(140);
    let err = app
        .error(
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({ "d": doc }),
        )
        .await;
    let fields: Vec<&str> = err["extensions"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "steps[2].percentCompleteAccurate",
            "transitions[0].probability",
            "transitions[2].waitMinutes"
        ]
    );
}

#[tokio::test]
async fn a_failure_after_creating_organisations_stores_nothing_at_all() {
    // The document defines a new organisation (created inside the transaction) and then names one
    // nobody knows: the import fails and the new organisation must not survive.
    let app = spawn_app().await;
    let mut doc = example_document();
    doc["steps"][2]["organisation"] = json!("ZZZ9");
    let before = app.snapshot().await;
    let err = app
        .error(
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({ "d": doc }),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION");
    assert_eq!(field(&err), "steps[2].organisation");
    assert!(err["message"].as_str().unwrap().contains("ZZZ9"));
    assert_eq!(app.snapshot().await, before);
    // Only the installation's own organisation.
    assert_eq!(before["organisations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn known_organisations_are_reused() {
    let app = spawn_app().await;
    app.import(&example_document()).await;
    app.import(&example_document()).await;
    let data = app
        .data(
            "{ organisations { nodes { odsCode } } pathways { totalCount } }",
            json!({}),
        )
        .await;
    // The document's two and the installation's own.
    assert_eq!(data["organisations"].as_array().unwrap().len(), 3);
    assert_eq!(data["pathways"]["totalCount"], 2);
}

#[tokio::test]
async fn an_invalid_structure_imports_as_a_draft_with_problems() {
    let app = spawn_app().await;
    let mut doc = example_document();
    doc["transitions"][3]["probability"] = json!(0.5);
    let pathway = app.import(&doc).await;
    let data = app
        .data(
            "query($id: ID!) { pathway(id: $id) { problems { code steps transitions } } }",
            json!({"id": pathway["id"]}),
        )
        .await;
    assert_eq!(
        data["pathway"]["problems"],
        json!([{"code": "PROBABILITY_SUM", "steps": ["xray"], "transitions": ["xray->xray", "xray->theatre"]}])
    );
}

#[tokio::test]
async fn every_mistake_in_a_document_comes_back_at_once_in_plain_words_from_the_api_and_the_cli() {
    let app = spawn_app().await;
    let mut doc = example_document();
    doc["steps"][1]["kind"] = json!("Activity");
    doc["transitions"][2]["waitMinutes"] = json!("15");
    let response = app
        .graphql(
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({"d": doc}),
        )
        .await;
    // One VALIDATION error whose extensions list every field at fault.
    assert_eq!(code(&response["errors"][0]), "VALIDATION");
    assert_eq!(field(&response["errors"][0]), "steps[1].kind");
    let said: Vec<(String, String)> = response["errors"][0]["extensions"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_string(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(said.len(), 2, "{response}");
    assert_eq!(said[0].0, "steps[1].kind");
    assert!(
        said[0]
            .1
            .contains("'Activity' is not a step kind; use one of START, ACTIVITY, DECISION, END"),
        "{said:?}"
    );
    assert_eq!(said[1].0, "transitions[2].waitMinutes");
    assert!(
        said[1]
            .1
            .contains("expected a number of minutes, got the text \"15\""),
        "{said:?}"
    );
    // The command line gives the same list.
    let path = std::env::temp_dir().join(format!("qiflow-doc-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, doc.to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(["validate", path.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let printed = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        printed.contains("steps[1].kind: 'Activity' is not a step kind"),
        "{printed}"
    );
    assert!(
        printed.contains("transitions[2].waitMinutes: expected a number of minutes"),
        "{printed}"
    );
}
