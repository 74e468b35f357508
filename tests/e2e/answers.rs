//! Kept answers (`api/src/answers.rs`): a read asked again is answered from what was kept only
//! while nothing has committed since, whoever committed it, only to the same caller, and never
//! when the read itself is recorded in the audit trail.

use crate::helpers::*;
use sea_orm::ConnectionTrait;
use serde_json::json;

const ORGANISATIONS: &str = "{ organisations(first: 100) { nodes { id odsCode name version } } }";

async fn name_of(app: &TestApp, ods: &str) -> String {
    let data = app.data(ORGANISATIONS, json!({})).await;
    data["organisations"]
        .as_array()
        .expect("organisations")
        .iter()
        .find(|o| o["odsCode"] == ods)
        .unwrap_or_else(|| panic!("no {ods} in {data}"))["name"]
        .as_str()
        .expect("a name")
        .to_string()
}

async fn rename(app: &TestApp, ods: &str, name: &str) {
    let data = app.data(ORGANISATIONS, json!({})).await;
    let organisation = data["organisations"]
        .as_array()
        .expect("organisations")
        .iter()
        .find(|o| o["odsCode"] == ods)
        .expect("the organisation")
        .clone();
    app.data(
        "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { name } }",
        json!({"i": {"id": organisation["id"], "expectedVersion": organisation["version"], "name": name}}),
    )
    .await;
}

#[tokio::test]
async fn a_read_asked_again_sees_every_commit_made_here_on_another_replica_or_by_any_connection() {
    let app = spawn_app().await;
    app.organisation("RX1", "First name", "ACUTE_TRUST").await;
    assert_eq!(name_of(&app, "RX1").await, "First name");
    assert_eq!(name_of(&app, "RX1").await, "First name");

    // A change through this server.
    rename(&app, "RX1", "Second name").await;
    assert_eq!(name_of(&app, "RX1").await, "Second name");

    // A change through another replica over the same database.
    let replica = app.another_server(false).await;
    name_of(&app, "RX1").await;
    rename(&replica, "RX1", "Third name").await;
    assert_eq!(name_of(&app, "RX1").await, "Third name");

    // A change by a connection that is no server at all (a script, another process).
    name_of(&app, "RX1").await;
    let db = sea_orm::Database::connect(&app.database_url)
        .await
        .expect("connects");
    db.execute_unprepared("UPDATE organisation SET name = 'Fourth name' WHERE ods_code = 'RX1'")
        .await
        .expect("updates");
    assert_eq!(name_of(&app, "RX1").await, "Fourth name");
}

#[tokio::test]
async fn one_callers_answer_is_never_given_to_another() {
    let app = spawn_app().await;
    let read = "{ eventLogs(first: 10) { nodes { name } } }";
    app.event_log("Only XQ1 sees this").await;
    let own = app
        .token_for("XQ1 analyst", BOOTSTRAP_ORGANISATION, "VIEWER", false)
        .await;
    let stranger = app.token_for("RA7 analyst", "RA7", "VIEWER", false).await;
    for _ in 0..2 {
        let mine = app.graphql_as(Some(&own), read, json!({})).await;
        assert_eq!(
            mine["data"]["eventLogs"][0]["name"], "Only XQ1 sees this",
            "{mine}"
        );
        let theirs = app.graphql_as(Some(&stranger), read, json!({})).await;
        assert_eq!(theirs["data"]["eventLogs"], json!([]), "{theirs}");
    }
}

#[tokio::test]
async fn every_read_of_patient_level_aggregates_is_recorded_even_when_asked_again() {
    let app = spawn_app().await;
    let log = app.event_log("Recorded reads").await;
    app.data(
        "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"b\", events: $e) { import { events } } }",
        json!({"log": log, "e": [
            {"caseId": "c1", "activity": "A", "timestamp": "2024-01-01T00:00:00Z"},
            {"caseId": "c1", "activity": "B", "timestamp": "2024-01-01T01:00:00Z"}
        ]}),
    )
    .await;
    let read = "query($id: ID!) { eventLog(id: $id) { discovery { events } } }";
    // Asked together, so that later requests arrive while earlier ones run.
    let reads: Vec<_> = (0..6)
        .map(|_| app.graphql(read, json!({"id": log})))
        .collect();
    for answer in futures::future::join_all(reads).await {
        assert_eq!(
            answer["data"]["eventLog"]["discovery"]["events"], 2,
            "{answer}"
        );
    }
    for _ in 0..4 {
        app.data(read, json!({"id": log})).await;
    }
    let xq1 = app.organisation_id(BOOTSTRAP_ORGANISATION).await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 100) { nodes { operation } } }",
            json!({"o": xq1}),
        )
        .await;
    let recorded = trail["auditTrail"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["operation"] == "eventLog.discovery")
        .count();
    assert_eq!(recorded, 10, "{trail}");
}
