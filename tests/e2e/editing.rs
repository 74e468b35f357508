//! Building a pathway step by step, publishing, cloning and archiving it, and the errors on the way.

use crate::helpers::{TestApp, code, field, spawn_app};
use serde_json::{Value, json};

const CREATE: &str =
    "mutation($i: CreatePathwayInput!) { createPathway(input: $i) { id version status } }";
const ADD_STEP: &str =
    "mutation($i: AddStepInput!) { addStep(input: $i) { pathway { version } step { id key } } }";
const ADD_TRANSITION: &str = "mutation($i: AddTransitionInput!) { addTransition(input: $i) { pathway { version } transition { id crossesOrganisations from { key } to { key } } } }";

pub struct Draft {
    pub id: String,
    pub version: i64,
    pub steps: Vec<String>,
}

async fn create(app: &TestApp, name: &str) -> Draft {
    let data = app
        .data(
            CREATE,
            json!({"i": {"name": name, "owner": "RX1", "condition": "Stroke", "demandPerDay": 4}}),
        )
        .await;
    Draft {
        id: data["createPathway"]["id"].as_str().unwrap().into(),
        version: data["createPathway"]["version"].as_i64().unwrap(),
        steps: vec![],
    }
}

async fn add_step(app: &TestApp, draft: &mut Draft, key: &str, kind: &str, org: &str) {
    let data = app
        .data(
            ADD_STEP,
            json!({"i": {"pathwayId": draft.id, "expectedVersion": draft.version, "key": key,
                          "name": format!("Step {key}"), "kind": kind, "organisation": org,
                          "touchMinutes": 10, "dataItems": ["NEWS2"]}}),
        )
        .await;
    draft.version = data["addStep"]["pathway"]["version"].as_i64().unwrap();
    draft
        .steps
        .push(data["addStep"]["step"]["id"].as_str().unwrap().into());
}

async fn add_transition(
    app: &TestApp,
    draft: &mut Draft,
    from: usize,
    to: usize,
    p: Option<f64>,
) -> Value {
    let data = app
        .data(
            ADD_TRANSITION,
            json!({"i": {"fromStepId": draft.steps[from], "toStepId": draft.steps[to],
                          "expectedVersion": draft.version, "probability": p, "waitMinutes": 30,
                          "handoff": "REFERRAL"}}),
        )
        .await;
    draft.version = data["addTransition"]["pathway"]["version"]
        .as_i64()
        .unwrap();
    data["addTransition"]["transition"].clone()
}

/// A valid three-step draft: start (RX1) → assess (Y05794) → end (RX1).
pub async fn small_pathway(app: &TestApp) -> Draft {
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    app.organisation("Y05794", "Meadow Lane Surgery", "PRIMARY_CARE")
        .await;
    let mut draft = create(app, "Stroke").await;
    add_step(app, &mut draft, "start", "START", "RX1").await;
    add_step(app, &mut draft, "assess", "ACTIVITY", "Y05794").await;
    add_step(app, &mut draft, "end", "END", "RX1").await;
    add_transition(app, &mut draft, 0, 1, None).await;
    add_transition(app, &mut draft, 1, 2, None).await;
    draft
}

#[tokio::test]
async fn a_pathway_is_built_step_by_step_and_every_change_bumps_its_version() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    // created at 1, then three steps and two transitions.
    assert_eq!(draft.version, 6);
    let data = app
        .data(
            "query($id: ID!) { pathway(id: $id) { version status problems { code } organisations { odsCode }
               steps { key kind organisation { odsCode } touchMinutes valueClass dataItems }
               transitions { from { key } to { key } probability waitMinutes handoff crossesOrganisations } } }",
            json!({"id": draft.id}),
        )
        .await;
    let p = &data["pathway"];
    assert_eq!(p["version"], 6);
    assert_eq!(p["problems"], json!([]));
    assert_eq!(
        p["organisations"],
        json!([{"odsCode": "RX1"}, {"odsCode": "Y05794"}])
    );
    assert_eq!(p["steps"][1]["organisation"]["odsCode"], "Y05794");
    assert_eq!(p["steps"][1]["valueClass"], "NECESSARY");
    assert_eq!(p["transitions"][0]["crossesOrganisations"], true);
    assert_eq!(p["transitions"][0]["probability"], Value::Null);
    assert_eq!(p["transitions"][0]["handoff"], "REFERRAL");
}

#[tokio::test]
async fn a_transition_between_two_pathways_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let mut other = create(&app, "Other").await;
    add_step(&app, &mut other, "elsewhere", "ACTIVITY", "RX1").await;
    let before = app.snapshot().await;
    let err = app
        .error(
            ADD_TRANSITION,
            json!({"i": {"fromStepId": draft.steps[0], "toStepId": other.steps[0], "expectedVersion": draft.version}}),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION");
    assert_eq!(field(&err), "toStepId");
    assert!(
        err["message"].as_str().unwrap().contains("elsewhere"),
        "{err:#}"
    );
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn bad_transition_numbers_are_rejected_and_change_nothing() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let before = app.snapshot().await;
    for (fields, culprit) in [
        (json!({"probability": 1.5}), "probability"),
        (json!({"waitMinutes": -5}), "waitMinutes"),
    ] {
        let mut input = json!({"fromStepId": draft.steps[0], "toStepId": draft.steps[2], "expectedVersion": draft.version});
        input
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let err = app.error(ADD_TRANSITION, json!({ "i": input })).await;
        assert_eq!(code(&err), "VALIDATION");
        assert_eq!(field(&err), culprit);
    }
    let err = app
        .error(
            ADD_TRANSITION,
            json!({"i": {"fromStepId": uuid::Uuid::now_v7().to_string(), "toStepId": draft.steps[2], "expectedVersion": draft.version}}),
        )
        .await;
    // A step nobody (or not this caller) can see is NOT_FOUND, like any object.
    assert_eq!(code(&err), "NOT_FOUND");
    assert!(err["message"].as_str().unwrap().contains("step"), "{err}");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn steps_are_validated_and_keys_are_unique() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let before = app.snapshot().await;
    let step = |key: &str, touch: f64, org: &str| {
        json!({"i": {"pathwayId": draft.id, "expectedVersion": draft.version, "key": key,
                      "name": "X", "kind": "ACTIVITY", "organisation": org, "touchMinutes": touch}})
    };
    let err = app.error(ADD_STEP, step("assess", 1.0, "RX1")).await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "key"));
    let err = app.error(ADD_STEP, step("new", -1.0, "RX1")).await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "touchMinutes"));
    let err = app.error(ADD_STEP, step("new", 1.0, "ZZZ9")).await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "organisation"));
    let err = app.error(ADD_STEP, step("has space", 1.0, "RX1")).await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "key"));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn steps_and_transitions_are_updated_and_removed() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let data = app
        .data(
            "mutation($i: UpdateStepInput!) { updateStep(input: $i) { pathway { version } step { key name touchMinutes site wasteKinds } } }",
            json!({"i": {"id": draft.steps[1], "expectedVersion": draft.version, "name": "GP assessment",
                          "touchMinutes": 12.5, "site": "Meadow Lane", "wasteKinds": ["WAITING", "MOTION", "WAITING"]}}),
        )
        .await;
    let step = &data["updateStep"]["step"];
    assert_eq!(step["name"], "GP assessment");
    assert_eq!(step["touchMinutes"], 12.5);
    assert_eq!(step["site"], "Meadow Lane");
    assert_eq!(step["wasteKinds"], json!(["MOTION", "WAITING"]));
    let version = data["updateStep"]["pathway"]["version"].as_i64().unwrap();

    // Clearing an optional field with null; a key already used is refused.
    let data = app
        .data(
            "mutation($i: UpdateStepInput!) { updateStep(input: $i) { pathway { version } step { site } } }",
            json!({"i": {"id": draft.steps[1], "expectedVersion": version, "site": null}}),
        )
        .await;
    assert_eq!(data["updateStep"]["step"]["site"], Value::Null);
    let version = data["updateStep"]["pathway"]["version"].as_i64().unwrap();
    let err = app
        .error(
            "mutation($i: UpdateStepInput!) { updateStep(input: $i) { step { key } } }",
            json!({"i": {"id": draft.steps[1], "expectedVersion": version, "key": "end"}}),
        )
        .await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "key"));

    let pathway = app
        .data(
            "query($id: ID!) { pathway(id: $id) { transitions { id } } }",
            json!({"id": draft.id}),
        )
        .await;
    let first_transition = pathway["pathway"]["transitions"][0]["id"].clone();
    let data = app
        .data(
            "mutation($i: UpdateTransitionInput!) { updateTransition(input: $i) { pathway { version } transition { waitMinutes handoff probability } } }",
            json!({"i": {"id": first_transition, "expectedVersion": version, "waitMinutes": 120, "handoff": "LETTER", "probability": 1}}),
        )
        .await;
    assert_eq!(
        data["updateTransition"]["transition"],
        json!({"waitMinutes": 120.0, "handoff": "LETTER", "probability": 1.0})
    );
    let version = data["updateTransition"]["pathway"]["version"]
        .as_i64()
        .unwrap();

    let data = app
        .data(
            "mutation($id: ID!, $v: Int!) { removeTransition(id: $id, expectedVersion: $v) { version transitions { from { key } } } }",
            json!({"id": first_transition, "v": version}),
        )
        .await;
    assert_eq!(
        data["removeTransition"]["transitions"],
        json!([{"from": {"key": "assess"}}])
    );
    let version = data["removeTransition"]["version"].as_i64().unwrap();

    // Removing a step removes the transitions that touch it.
    let data = app
        .data(
            "mutation($id: ID!, $v: Int!) { removeStep(id: $id, expectedVersion: $v) { version steps { key } transitions { id } problems { code } } }",
            json!({"id": draft.steps[1], "v": version}),
        )
        .await;
    let p = &data["removeStep"];
    assert_eq!(p["steps"], json!([{"key": "start"}, {"key": "end"}]));
    assert_eq!(p["transitions"], json!([]));
    assert_eq!(p["version"], version + 1);
    let codes: Vec<&str> = p["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"DEAD_END"), "{codes:?}");
}

#[tokio::test]
async fn published_pathways_are_immutable_and_change_through_clones() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let published = app
        .data(
            "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { status version } }",
            json!({"id": draft.id, "v": draft.version}),
        )
        .await;
    assert_eq!(
        published["publishPathway"],
        json!({"status": "PUBLISHED", "version": draft.version + 1})
    );
    let version = draft.version + 1;

    let err = app
        .error(
            "mutation($i: UpdatePathwayInput!) { updatePathway(input: $i) { id } }",
            json!({"i": {"id": draft.id, "expectedVersion": version, "name": "Changed"}}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    assert!(
        err["message"].as_str().unwrap().contains("clone"),
        "{err:#}"
    );

    let clone = app
        .data(
            "mutation($id: ID!) { clonePathway(id: $id) { id status version parentId parent { id status } steps { key } transitions { from { key } to { key } } } }",
            json!({"id": draft.id}),
        )
        .await["clonePathway"]
        .clone();
    assert_eq!(clone["status"], "DRAFT");
    assert_eq!(clone["version"], 1);
    assert_eq!(clone["parentId"], json!(draft.id));
    assert_eq!(clone["parent"]["status"], "PUBLISHED");
    assert_eq!(clone["steps"].as_array().unwrap().len(), 3);
    assert_eq!(
        clone["transitions"][1],
        json!({"from": {"key": "assess"}, "to": {"key": "end"}})
    );

    let renamed = app
        .data(
            "mutation($i: UpdatePathwayInput!) { updatePathway(input: $i) { name version demandPerDay } }",
            json!({"i": {"id": clone["id"], "expectedVersion": 1, "name": "Stroke v2", "demandPerDay": null}}),
        )
        .await;
    assert_eq!(
        renamed["updatePathway"],
        json!({"name": "Stroke v2", "version": 2, "demandPerDay": null})
    );

    let archived = app
        .data(
            "mutation($id: ID!, $v: Int!) { archivePathway(id: $id, expectedVersion: $v) { status } }",
            json!({"id": draft.id, "v": version}),
        )
        .await;
    assert_eq!(archived["archivePathway"]["status"], "ARCHIVED");
}

#[tokio::test]
async fn publishing_needs_zero_problems_and_lists_them() {
    let app = spawn_app().await;
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let mut draft = create(&app, "Broken").await;
    add_step(&app, &mut draft, "start", "START", "RX1").await;
    add_step(&app, &mut draft, "stuck", "ACTIVITY", "RX1").await;
    add_transition(&app, &mut draft, 0, 1, None).await;
    let err = app
        .error(
            "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { status } }",
            json!({"id": draft.id, "v": draft.version}),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION");
    let codes: Vec<&str> = err["extensions"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["MISSING_END", "DEAD_END"]);
    // The failed publish did not even take a version.
    let data = app
        .data(
            "query($id: ID!) { pathway(id: $id) { status version } }",
            json!({"id": draft.id}),
        )
        .await;
    assert_eq!(
        data["pathway"],
        json!({"status": "DRAFT", "version": draft.version})
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let err = app
        .error(
            "mutation($i: UpdatePathwayInput!) { updatePathway(input: $i) { id } }",
            json!({"i": {"id": draft.id, "expectedVersion": draft.version - 1, "name": "Late"}}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    let err = app
        .error(
            "mutation($id: ID!, $v: Int!) { removeStep(id: $id, expectedVersion: $v) { id } }",
            json!({"id": draft.steps[0], "v": draft.version + 7}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
}
