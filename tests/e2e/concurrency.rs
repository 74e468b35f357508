//! No lost updates: of several edits sent at once with the same `expectedVersion`, exactly one wins.

use crate::editing::small_pathway;
use crate::helpers::{code, spawn_app};
use serde_json::json;

#[tokio::test]
async fn concurrent_updates_with_the_same_version_one_wins_the_rest_conflict() {
    let app = spawn_app().await;
    let draft = small_pathway(&app).await;
    let update = "mutation($i: UpdatePathwayInput!) { updatePathway(input: $i) { name version } }";
    let mut version = draft.version;
    for round in 0..5 {
        let requests = (0..4).map(|writer| {
            app.graphql(
                update,
                json!({"i": {"id": draft.id, "expectedVersion": version, "name": format!("Round {round} writer {writer}")}}),
            )
        });
        let responses = futures::future::join_all(requests).await;
        let winners: Vec<_> = responses
            .iter()
            .filter(|r| r.get("errors").is_none())
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {responses:#?}");
        for loser in responses.iter().filter(|r| r.get("errors").is_some()) {
            assert_eq!(code(&loser["errors"][0]), "CONFLICT", "{loser:#}");
        }
        let name = winners[0]["data"]["updatePathway"]["name"].clone();
        version += 1;
        let stored = app
            .data(
                "query($id: ID!) { pathway(id: $id) { name version } }",
                json!({"id": draft.id}),
            )
            .await;
        assert_eq!(stored["pathway"], json!({"name": name, "version": version}));
    }
}

#[tokio::test]
async fn concurrent_step_additions_to_different_pathways_all_succeed() {
    // Writers to different pathways must queue, not fail with "database is locked".
    let app = spawn_app().await;
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let mut ids = vec![];
    for i in 0..6 {
        let data = app
            .data(
                "mutation($i: CreatePathwayInput!) { createPathway(input: $i) { id } }",
                json!({"i": {"name": format!("P{i}"), "owner": "RX1"}}),
            )
            .await;
        ids.push(data["createPathway"]["id"].as_str().unwrap().to_string());
    }
    let requests = ids.iter().map(|id| {
        app.graphql(
            "mutation($i: AddStepInput!) { addStep(input: $i) { pathway { version } } }",
            json!({"i": {"pathwayId": id, "expectedVersion": 1, "key": "start", "name": "Start", "kind": "START", "organisation": "RX1"}}),
        )
    });
    for response in futures::future::join_all(requests).await {
        assert!(response.get("errors").is_none(), "{response:#}");
    }
}

/// Re-sending a period replaces it, also when several clients send it at once (an integration
/// retrying): every request succeeds and the period is stored once. On PostgreSQL two writers
/// used to delete the old point side by side and then both insert, one failing on the unique
/// (measure, date) key.
#[tokio::test]
async fn the_same_period_sent_at_once_by_many_clients_is_stored_once() {
    let app = spawn_app().await;
    let project = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Retries", "aim": "Count once", "owner": "XQ1", "members": []}}),
        )
        .await;
    let measure = app
        .data(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": project["createProject"]["id"], "expectedVersion": project["createProject"]["version"],
                         "name": "Breaches", "kind": "OUTCOME", "definition": "x", "direction": "DECREASE"}}),
        )
        .await;
    let id = measure["addMeasure"]["measure"]["id"].clone();
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted replaced } }";
    for round in 0..3 {
        let requests = (0..12).map(|n| {
            app.graphql(
                record,
                json!({"id": id, "p": [{"date": format!("2025-0{}-01", round + 1), "value": n}]}),
            )
        });
        for response in futures::future::join_all(requests).await {
            assert!(
                response.get("errors").is_none(),
                "round {round}: {response:#}"
            );
        }
    }
    let stored = app
        .data(
            "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(stored["measure"]["points"].as_array().unwrap().len(), 3);
}

/// Issue 12: clients racing on one batch key got INTERNAL, and a FAILED import was left for a
/// batch that was stored. Every racer gets the stored batch (one of them as the new import,
/// the rest marked duplicate), on both databases.
#[tokio::test]
async fn clients_racing_on_one_batch_key_store_it_once_and_all_get_its_answer() {
    let app = spawn_app().await;
    let log = app.event_log("Retried feed").await;
    let append = "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"nightly-2025-01-01\", events: $e) { duplicate import { id status events } } }";
    let events: Vec<_> = (0..50)
        .map(|i| json!({"caseId": format!("c{}", i % 7), "activity": "Triage", "timestamp": format!("2025-01-01T{:02}:00:00Z", i % 24)}))
        .collect();
    let requests = (0..8).map(|_| app.graphql(append, json!({"log": log, "e": events})));
    let responses = futures::future::join_all(requests).await;
    let mut ids = std::collections::HashSet::new();
    let mut fresh = 0;
    for response in &responses {
        assert!(response.get("errors").is_none(), "{response:#}");
        let answer = &response["data"]["appendEvents"];
        assert_eq!(answer["import"]["status"], "SUCCEEDED", "{response}");
        ids.insert(answer["import"]["id"].as_str().unwrap().to_string());
        if answer["duplicate"] == false {
            fresh += 1;
        }
    }
    assert_eq!((ids.len(), fresh), (1, 1), "{responses:#?}");
    let stored = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { eventCount imports { nodes { status } } } }",
            json!({"id": log}),
        )
        .await;
    assert_eq!(stored["eventLog"]["eventCount"], 50, "{stored}");
    assert_eq!(
        stored["eventLog"]["imports"],
        json!([{"status": "SUCCEEDED"}]),
        "{stored}"
    );
}
