//! Event logs end to end: imports (upload, appendEvents, the CLI), pseudonymisation, refusals
//! that store nothing, discovery (also as SQL in PostgreSQL), conformance, calibration and
//! measures from a log.

use crate::helpers::{TestApp, code, field, spawn_app, spawn_app_with};
use engine::events::discovery::{DiscoveryOptions, discover};
use engine::events::{ReadOptions, read_log};
use serde_json::{Value, json};
use std::process::Command;

const DISCOVERY: &str = "events cases variantCount topVariantCoverage
    edges { from to count meanSeconds medianSeconds p90Seconds minSeconds maxSeconds }
    startActivities { activity count } endActivities { activity count }
    topVariants { count share activities }
    caseDuration { count meanSeconds medianSeconds p90Seconds minSeconds maxSeconds }
    rework { activity cases repeats }
    handoffs { total meanPerCase medianPerCase maxPerCase pairs { from to count } }";

/// A small log written by hand: case ids that must never reach the database.
fn csv_log(cases: usize) -> String {
    let mut out = String::from("case_id,activity,timestamp,organisation,resource\n");
    for c in 0..cases {
        let id = format!("RAWCASE-{c:04}");
        let base = 1_700_000_000 + c as i64 * 3_600;
        let mut steps = vec![
            ("Referral", 0, "GP01"),
            ("Triage", 600 + c as i64 * 7 % 300, "ACU01"),
        ];
        if c % 3 == 0 {
            steps.push(("Triage", 1_500, "ACU01"));
        }
        steps.push(("Treatment", 5_000 + (c as i64 * 131) % 4_000, "ACU01"));
        steps.push(("Discharge", 9_500 + (c as i64 * 17) % 900, "COM01"));
        for (activity, offset, org) in steps {
            let t = chrono::DateTime::from_timestamp(base + offset, 0).unwrap();
            out.push_str(&format!(
                "{id},{activity},{},{org},staff-{}\n",
                t.format("%Y-%m-%dT%H:%M:%SZ"),
                c % 5
            ));
        }
    }
    out
}

fn expected_discovery(csv: &str) -> Value {
    let (log, report) = read_log(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert!(report.errors.is_empty());
    serde_json::to_value(discover(
        &log,
        &DiscoveryOptions {
            top_variants: 20,
            collapse_repeats: false,
        },
    ))
    .unwrap()
}

fn close(a: &Value, b: &Value, what: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                "{what}: {x} != {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{what}: lengths");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                close(p, q, &format!("{what}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in y {
                close(&x[k], v, &format!("{what}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{what}"),
    }
}

async fn discovery(app: &TestApp, log_id: &str) -> Value {
    app.data(
        &format!("query($id: ID!) {{ eventLog(id: $id) {{ eventCount caseCount discovery {{ {DISCOVERY} }} }} }}"),
        json!({"id": log_id}),
    )
    .await["eventLog"]
        .clone()
}

/// Every byte the database holds: the SQLite file and its write-ahead log, or on PostgreSQL
/// every text column of the events and imports.
async fn stored_text(app: &TestApp) -> String {
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            if let Ok(b) = std::fs::read(format!("{path}{suffix}")) {
                bytes.extend(b);
            }
        }
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(&app.database_url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT case_key || ' ' || activity || ' ' || COALESCE(organisation, '') || ' ' || COALESCE(resource, '') FROM log_event \
             UNION ALL SELECT COALESCE(message, '') || ' ' || CAST(errors AS TEXT) FROM event_import",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn an_uploaded_log_is_pseudonymised_and_discovered_as_the_engine_discovers_it() {
    let app = spawn_app().await;
    let log = app.event_log("Acute referrals").await;
    let csv = csv_log(60);
    let (status, body) = app
        .upload(&log, "format=csv", csv.clone().into_bytes())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["import"]["status"], "SUCCEEDED");
    assert_eq!(body["import"]["events"], 60 * 4 + 20);

    let found = discovery(&app, &log).await;
    assert_eq!(found["eventCount"], 260);
    assert_eq!(found["caseCount"], 60);
    close(&found["discovery"], &expected_discovery(&csv), "discovery");

    let stored = stored_text(&app).await;
    assert!(
        stored.contains("Treatment"),
        "the check reads the stored events"
    );
    assert!(
        !stored.contains("RAWCASE"),
        "a raw case id reached the database"
    );
}

#[tokio::test]
async fn a_bad_row_at_ninety_percent_stores_nothing_and_the_import_says_why() {
    let app = spawn_app().await;
    let log = app.event_log("Broken extract").await;
    let csv = csv_log(250);
    let mut lines: Vec<&str> = csv.lines().collect();
    let bad_at = lines.len() * 9 / 10;
    let mut fields: Vec<&str> = lines[bad_at].split(',').collect();
    fields[2] = "31/02/2024 25:00";
    let broken = fields.join(",");
    lines[bad_at] = &broken;
    let body = lines.join("\n") + "\n";
    let (status, response) = app.upload(&log, "", body.into_bytes()).await;
    assert_eq!(status, 422, "{response}");
    let import = &response["import"];
    assert_eq!(import["status"], "FAILED");
    assert_eq!(import["events"], 0);
    assert_eq!(import["errors"][0]["row"], bad_at as u64 + 1);
    assert_eq!(import["errors"][0]["column"], "timestamp");

    let found = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { eventCount caseCount imports { nodes { status events message errors { row column } } } } }",
            json!({"id": log}),
        )
        .await;
    assert_eq!(found["eventLog"]["eventCount"], 0);
    assert_eq!(found["eventLog"]["imports"][0]["status"], "FAILED");
    assert!(
        found["eventLog"]["imports"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was stored")
    );
    assert!(
        !stored_text(&app).await.contains("Treatment"),
        "no event was stored"
    );
}

#[tokio::test]
async fn an_nhs_number_outside_the_case_id_refuses_the_log_without_repeating_it() {
    let app = spawn_app().await;
    let log = app.event_log("Leaky extract").await;
    let mut csv = csv_log(5);
    csv = csv
        .replacen("staff-1", "943 476 5919", 1)
        .replacen("staff-2", "9434765919", 1);
    let (status, response) = app.upload(&log, "", csv.into_bytes()).await;
    assert_eq!(status, 422);
    let text = response.to_string();
    assert!(
        !text.contains("9434765919") && !text.contains("943 476 5919"),
        "{text}"
    );
    assert!(text.contains("2 row(s) in column 'resource'"), "{text}");

    // The same through appendEvents: a VALIDATION error, nothing stored, the number not echoed.
    let response = app
        .graphql(
            "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"b1\", events: $e) { duplicate } }",
            json!({"log": log, "e": [
                {"caseId": "9434765919", "activity": "Triage", "timestamp": "2024-01-01T10:00:00Z"},
                {"caseId": "c2", "activity": "Triage", "timestamp": "2024-01-01T10:00:00Z", "resource": "4010232137"}
            ]}),
        )
        .await;
    assert_eq!(code(&response["errors"][0]), "VALIDATION");
    let text = response.to_string();
    assert!(!text.contains("4010232137"), "{text}");
    assert!(text.contains("column 'resource'"), "{text}");
    assert!(!stored_text(&app).await.contains("4010232137"));
}

/// Issue 12: a headerless CSV's first row was echoed and stored in the FAILED import; NHS numbers
/// inside text and in common spellings were stored; batch keys were not screened.
#[tokio::test]
async fn nhs_numbers_in_any_spelling_headerless_files_and_batch_keys_are_never_stored_or_echoed() {
    let app = spawn_app().await;
    let log = app.event_log("Careless extract").await;
    let headerless =
        "9434765919,Triage,2024-01-01T09:00:00Z\n4010232137,Scan,2024-01-01T10:00:00Z\n";
    let (status, response) = app.upload(&log, "", headerless.as_bytes().to_vec()).await;
    assert_eq!(status, 422);
    let text = response.to_string();
    assert!(!text.contains("9434765919"), "{text}");
    assert!(text.contains("header row missing"), "{text}");

    let append = "mutation($log: ID!, $key: String!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: $key, events: $e) { duplicate } }";
    for (i, spelling) in [
        "Review for NHS 4010232137",
        "pt 943 476 5919",
        "943.476.5919",
        "(943) 476 5919",
        "NHS:9434765919",
        "\u{ff19}\u{ff14}\u{ff13}\u{ff14}\u{ff17}\u{ff16}\u{ff15}\u{ff19}\u{ff11}\u{ff19}",
        "943\u{200b}476\u{200b}5919",
    ]
    .iter()
    .enumerate()
    {
        let response = app
            .graphql(
                append,
                json!({"log": log, "key": format!("k{i}"), "e": [
                    {"caseId": "c1", "activity": spelling, "timestamp": "2024-01-01T10:00:00Z"}
                ]}),
            )
            .await;
        assert_eq!(
            code(&response["errors"][0]),
            "VALIDATION",
            "{spelling}: {response}"
        );
        assert!(
            response.to_string().contains("column 'activity'"),
            "{response}"
        );
    }
    let response = app
        .graphql(
            append,
            json!({"log": log, "key": "resend 943 476 5919", "e": [
                {"caseId": "c1", "activity": "Triage", "timestamp": "2024-01-01T10:00:00Z"}
            ]}),
        )
        .await;
    assert_eq!(code(&response["errors"][0]), "VALIDATION", "{response}");
    assert!(!response.to_string().contains("5919"), "{response}");

    let stored = stored_text(&app).await;
    for number in [
        "9434765919",
        "4010232137",
        "943 476 5919",
        "943.476.5919",
        "476 5919",
    ] {
        assert!(!stored.contains(number), "{number} was stored");
    }
}

#[tokio::test]
async fn append_events_stores_a_batch_once_and_names_bad_rows() {
    let app = spawn_app().await;
    let log = app.event_log("System feed").await;
    let batch = json!([
        {"caseId": "p1", "activity": "Referral", "timestamp": "2024-03-01T09:00:00Z", "organisation": "GP01"},
        {"caseId": "p1", "activity": "Triage", "timestamp": "2024-03-01 10:30:00", "organisation": "ACU01"},
        {"caseId": "p2", "activity": "Referral", "timestamp": "2024-03-01T11:00:00+00:00"}
    ]);
    let append = "mutation($log: ID!, $key: String!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: $key, events: $e) { duplicate import { status events } log { eventCount caseCount } } }";
    let first = app
        .data(append, json!({"log": log, "key": "2024-03-01", "e": batch}))
        .await;
    assert_eq!(first["appendEvents"]["duplicate"], false);
    assert_eq!(first["appendEvents"]["log"]["eventCount"], 3);
    assert_eq!(first["appendEvents"]["log"]["caseCount"], 2);
    let again = app
        .data(append, json!({"log": log, "key": "2024-03-01", "e": batch}))
        .await;
    assert_eq!(again["appendEvents"]["duplicate"], true);
    assert_eq!(again["appendEvents"]["log"]["eventCount"], 3);

    // The naive time is London local time (GMT in March before the clocks change): 90 minutes.
    let found = discovery(&app, &log).await;
    let edge = &found["discovery"]["edges"][0];
    assert_eq!(
        (edge["from"].as_str(), edge["to"].as_str()),
        (Some("Referral"), Some("Triage"))
    );
    assert_eq!(edge["medianSeconds"], 5400.0);

    let bad = app
        .graphql(
            append,
            json!({"log": log, "key": "k2", "e": [
                {"caseId": "p3", "activity": "", "timestamp": "2024-03-02T09:00:00Z"},
                {"caseId": "p3", "activity": "X", "timestamp": "yesterday"}
            ]}),
        )
        .await;
    let fields: Vec<&str> = bad["errors"][0]["extensions"]["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(code(&bad["errors"][0]), "VALIDATION", "{bad}");
    let message = bad["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("events[0].activity") || fields.contains(&"events[0].activity"),
        "{bad}"
    );
    assert!(
        message.contains("events[1].timestamp") || fields.contains(&"events[1].timestamp"),
        "{bad}"
    );
    // More than 10,000 events in one call is refused before anything is stored.
    let too_many: Vec<Value> = (0..10_001)
        .map(|i| json!({"caseId": format!("q{i}"), "activity": "Referral", "timestamp": "2024-03-02T09:00:00Z"}))
        .collect();
    let refused = app
        .graphql(append, json!({"log": log, "key": "big", "e": too_many}))
        .await;
    assert_eq!(code(&refused["errors"][0]), "VALIDATION");
    assert!(
        refused.to_string().contains("at most 10000 events a call"),
        "{refused}"
    );
    // A refused batch does not hold its key: fixed and resent, it is stored.
    let fixed = app
        .data(
            append,
            json!({"log": log, "key": "k2", "e": [
                {"caseId": "p3", "activity": "Referral", "timestamp": "2024-03-02T09:00:00Z"}
            ]}),
        )
        .await;
    assert_eq!(fixed["appendEvents"]["log"]["eventCount"], 4);
}

#[tokio::test]
async fn the_demo_log_is_checked_against_its_pathway_calibrates_it_and_feeds_a_measure() {
    let app = spawn_app_with(true).await;
    let logs = app
        .data(
            "{ eventLogs { nodes { id name eventCount caseCount pathway { id name } } } }",
            json!({}),
        )
        .await;
    let log = &logs["eventLogs"][0];
    assert_eq!(log["caseCount"], 2000);
    let log_id = log["id"].as_str().unwrap();
    let pathway_id = log["pathway"]["id"].as_str().unwrap();

    let c = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { conformance { cases moves allowedMoves fitness fittingCases fittingCaseShare
                unknownActivities { activity events cases } skippedSteps { step cases }
                missingTransitions { from to count } unseenTransitions { from to }
                stepMatching { step activityCode matchedBy events guessedEvents } } } }",
            json!({"id": log_id}),
        )
        .await["eventLog"]["conformance"]
        .clone();
    assert_eq!(c["cases"], 2000);
    // Every event is matched to a step or is of an unknown activity; the demo map's codes are
    // each on one step.
    let sum = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|x| x["events"].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        sum(&c["stepMatching"]) + sum(&c["unknownActivities"]),
        log["eventCount"].as_u64().unwrap(),
        "{c}"
    );
    assert!(
        c["stepMatching"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["matchedBy"] == "ACTIVITY" && m["guessedEvents"] == 0),
        "{c}"
    );
    // The demo's deliberate deviations: a CT scan the map lacks, and X-rays not recorded.
    assert_eq!(c["unknownActivities"][0]["activity"], "CT_HIP");
    let skipped: Vec<&str> = c["skippedSteps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&"xray") && skipped.contains(&"image_ok"),
        "{c}"
    );
    assert_eq!(c["missingTransitions"][0]["from"], "ed_assess");
    assert_eq!(c["missingTransitions"][0]["to"], "ortho_clerk");
    let fitness = c["fitness"].as_f64().unwrap();
    let expected = c["allowedMoves"].as_f64().unwrap() / c["moves"].as_f64().unwrap();
    assert!(
        (fitness - expected).abs() < 1e-12 && fitness > 0.9 && fitness < 1.0,
        "{c}"
    );

    let calibrated = app
        .data(
            "mutation($p: ID!, $l: ID!) { calibratePathway(pathwayId: $p, logId: $l) { pathway { id status } changes { subject field old new cases } } }",
            json!({"p": pathway_id, "l": log_id}),
        )
        .await["calibratePathway"]
        .clone();
    assert_eq!(calibrated["pathway"]["status"], "DRAFT");
    let changes = calibrated["changes"].as_array().unwrap();
    let surgery_touch = changes
        .iter()
        .find(|v| v["subject"] == "step surgery")
        .expect("surgery has start and complete events");
    assert_eq!(surgery_touch["field"], "touchMinutes");
    assert!(
        changes
            .iter()
            .any(|v| v["field"] == "probability" && v["subject"] == "transition image_ok → xray")
    );

    let projects = app
        .data("{ projects(first: 1) { nodes { measures(first: 5) { nodes { name fromLog { logId fromActivity toActivity statistic period } points(first: 100) { nodes { date value } } } } } } }", json!({}))
        .await;
    let measures = projects["projects"][0]["measures"].as_array().unwrap();
    let from_log = measures
        .iter()
        .find(|m| !m["fromLog"].is_null())
        .expect("a measure from the log");
    assert_eq!(from_log["fromLog"]["logId"], log_id);
    let points = from_log["points"].as_array().unwrap();
    assert!(
        points.len() >= 50,
        "a year of weekly points: {}",
        points.len()
    );
}

#[tokio::test]
async fn measures_from_a_log_follow_appended_events() {
    let app = spawn_app_with(true).await;
    let log = app.event_log("Weekly feed").await;
    let project = app
        .data("{ projects { nodes { id version } } }", json!({}))
        .await["projects"][0]
        .clone();
    let add = "mutation($i: AddLogMeasureInput!) { addLogMeasure(input: $i) { measure { id unit points(first: 100) { nodes { date value } } } } }";
    let mut input = json!({"projectId": project["id"], "expectedVersion": project["version"], "logId": log, "name": "Median hours referral to triage",
                   "fromActivity": "Referral", "toActivity": "Triage", "statistic": "MEDIAN_TIME", "direction": "DECREASE"});
    // The log is empty: its activities are unseen, so only an explicit yes adds the measure.
    let unseen = app.error(add, json!({"i": input})).await;
    assert_eq!(
        (code(&unseen), field(&unseen)),
        ("VALIDATION", "fromActivity"),
        "{unseen}"
    );
    input["allowUnseenActivities"] = json!(true);
    let added = app.data(add, json!({"i": input})).await;
    assert_eq!(added["addLogMeasure"]["measure"]["points"], json!([]));
    let measure_id = added["addLogMeasure"]["measure"]["id"].clone();
    // Monday 4 March 2024: waits of 1 h and 3 h; Monday 11 March: 2 h.
    let append = "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"w\", events: $e) { import { events } } }";
    let e = |case: &str, activity: &str, t: &str| json!({"caseId": case, "activity": activity, "timestamp": t});
    app.data(
        append,
        json!({"log": log, "e": [
            e("a", "Referral", "2024-03-04T09:00:00Z"), e("a", "Triage", "2024-03-04T10:00:00Z"),
            e("b", "Referral", "2024-03-05T09:00:00Z"), e("b", "Triage", "2024-03-05T12:00:00Z"),
            e("c", "Referral", "2024-03-11T09:00:00Z"), e("c", "Triage", "2024-03-11T11:00:00Z"),
        ]}),
    )
    .await;
    let points = app
        .data(
            "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date value } } } }",
            json!({"id": measure_id}),
        )
        .await;
    assert_eq!(
        points["measure"]["points"],
        json!([{"date": "2024-03-04", "value": 2.0}, {"date": "2024-03-11", "value": 2.0}])
    );
    // A second batch adds a 10 h wait in the week of 4 March: the median of 1, 3 and 10 h is 3 h.
    // Retracting that import takes it out again: back to the median of 1 and 3 h, 2 h.
    let second = app
        .data(
            "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"w2\", events: $e) { import { id } } }",
            json!({"log": log, "e": [
                e("d", "Referral", "2024-03-06T08:00:00Z"), e("d", "Triage", "2024-03-06T18:00:00Z"),
            ]}),
        )
        .await["appendEvents"]["import"]["id"]
        .clone();
    let read =
        "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date value } } } }";
    let with_second = app.data(read, json!({"id": measure_id})).await;
    assert_eq!(
        with_second["measure"]["points"],
        json!([{"date": "2024-03-04", "value": 3.0}, {"date": "2024-03-11", "value": 2.0}])
    );
    app.data(
        "mutation($id: ID!) { retractImport(importId: $id, reason: \"sent by mistake\") { id } }",
        json!({"id": second}),
    )
    .await;
    let after = app.data(read, json!({"id": measure_id})).await;
    assert_eq!(
        after["measure"]["points"],
        json!([{"date": "2024-03-04", "value": 2.0}, {"date": "2024-03-11", "value": 2.0}]),
        "the log measure is recomputed in the retraction's transaction"
    );
}

#[tokio::test]
async fn discovery_in_postgres_equals_discovery_in_memory() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!("skipped on SQLite: discovery runs as SQL only in PostgreSQL");
        return;
    }
    let app = spawn_app_with(true).await;
    let log = app.event_log("Repeats and hand-offs").await;
    let (status, _) = app.upload(&log, "", csv_log(80).into_bytes()).await;
    assert_eq!(status, 200);
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let caller = api::caller::Caller::Installation;
    let logs = api::store::events::list_logs(&db, &caller, false)
        .await
        .unwrap();
    assert_eq!(logs.len(), 2);
    for record in logs {
        for collapse_repeats in [false, true] {
            let options = DiscoveryOptions {
                top_variants: 20,
                collapse_repeats,
            };
            let in_sql = api::store::mining::discover_in_postgres(&db, &record, &options)
                .await
                .unwrap();
            let in_memory =
                api::store::mining::discovery_in_memory(&db, &caller, record.id, &options)
                    .await
                    .unwrap();
            assert!(!in_memory.edges.is_empty());
            close(
                &serde_json::to_value(&in_sql).unwrap(),
                &serde_json::to_value(&in_memory).unwrap(),
                &format!("{} (collapse {collapse_repeats})", record.name),
            );
        }
    }
}

fn qiflow(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(args)
        .output()
        .expect("running qiflow");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn import_events_on_the_command_line_refuses_nhs_numbers_and_imports_good_files() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let leaky = dir.path().join("leaky.csv");
    std::fs::write(&leaky, csv_log(4).replacen("staff-0", "9434765919", 1)).unwrap();
    let key = app.key_file.to_str().unwrap();
    let args = |file: &str| {
        vec![
            "import-events".to_string(),
            file.to_string(),
            "--log".into(),
            "CLI log".into(),
            "--organisation".into(),
            crate::helpers::BOOTSTRAP_ORGANISATION.into(),
            "--database-url".into(),
            app.database_url.clone(),
            "--key-file".into(),
            key.to_string(),
        ]
    };
    let run = |a: Vec<String>| qiflow(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let (status, out) = run(args(leaky.to_str().unwrap()));
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("refused") && out.contains("column 'resource'"),
        "{out}"
    );
    assert!(!out.contains("9434765919"), "{out}");

    let good = dir.path().join("good.csv");
    std::fs::write(&good, csv_log(10)).unwrap();
    let mut json_args = args(good.to_str().unwrap());
    json_args.extend(["--format".to_string(), "json".to_string()]);
    let (status, out) = run(json_args);
    assert_eq!(status, 0, "{out}");
    let report: Value = serde_json::from_str(&out[..out.rfind('}').unwrap() + 1]).unwrap();
    assert_eq!(report["import"]["status"], "SUCCEEDED");
    assert_eq!(report["log"]["caseCount"], 10);
    // The server (same database, same key) sees the imported log.
    let logs = app
        .data(
            "{ eventLogs { nodes { name eventCount imports { nodes { status source } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(logs["eventLogs"][0]["eventCount"], 44);
    assert_eq!(logs["eventLogs"][0]["imports"][0]["source"], "FILE");

    // Issue 12: the longest field kept is configurable; a longer one fails with its row and
    // column.
    let mut short = args(good.to_str().unwrap());
    short.extend(["--max-field-bytes".to_string(), "3".to_string()]);
    let (status, out) = run(short);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("row 2") && out.contains("at most 3"), "{out}");
}

#[test]
fn mine_prints_the_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.csv");
    let csv = csv_log(30);
    std::fs::write(&file, &csv).unwrap();
    let (status, out) = qiflow(&["mine", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(status, 0, "{out}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    for key in [
        "events",
        "cases",
        "edges",
        "startActivities",
        "endActivities",
        "variantCount",
        "topVariants",
    ] {
        assert!(printed.get(key).is_some(), "missing {key}");
    }
    assert_eq!(printed["startActivities"], json!({"Referral": 30}));
    let expected = expected_discovery(&csv);
    close(&printed["edges"], &expected["edges"], "edges");
    assert_eq!(printed["variantCount"], expected["variantCount"]);

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "case_id,activity,timestamp\nc,,2024-01-01T00:00:00Z\n",
    )
    .unwrap();
    let (status, out) = qiflow(&["mine", bad.to_str().unwrap()]);
    assert_eq!(status, 1);
    assert!(out.contains("row 2 column 'activity': is empty"), "{out}");
}

/// Issue 13: a trust system that posted the same CSV six times stored six copies of every
/// event. With an `Idempotency-Key` the same file is stored once (the retry answers the first
/// import again); the same key with other content is a CONFLICT naming it, for uploads and for
/// `appendEvents` batch keys alike.
#[tokio::test]
async fn the_same_key_with_the_same_content_stores_once_and_with_other_content_conflicts() {
    let app = spawn_app().await;
    let log = app.event_log("Nightly feed").await;
    let client = crate::helpers::client_with(&app.token);
    let upload = |key: &'static str, body: String| {
        let request = client
            .post(format!("{}/logs/{log}/events", app.address))
            .header("Idempotency-Key", key)
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let csv = csv_log(6);
    let mut first = None;
    for _ in 0..3 {
        let (status, answer) = upload("nightly-2025-01-01", csv.clone()).await;
        assert_eq!(status, 200, "{answer}");
        let id = answer["import"]["id"].clone();
        match &first {
            None => {
                assert_eq!(answer["import"]["duplicate"], false, "{answer}");
                first = Some(id);
            }
            Some(first) => {
                assert_eq!(&id, first, "{answer}");
                assert_eq!(answer["import"]["duplicate"], true, "{answer}");
            }
        }
    }
    let (status, answer) = upload("nightly-2025-01-01", csv_log(7)).await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer.to_string().contains("nightly-2025-01-01"),
        "{answer}"
    );
    let stored = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { eventCount } }",
            json!({"id": log}),
        )
        .await;
    let expected = csv.lines().count() as i64 - 1;
    assert_eq!(stored["eventLog"]["eventCount"], expected, "{stored}");

    let append = "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"b-1\", events: $e) { duplicate } }";
    let one = json!([{"caseId": "c1", "activity": "Triage", "timestamp": "2024-01-01T10:00:00Z"}]);
    let other = json!([{"caseId": "c1", "activity": "Scan", "timestamp": "2024-01-01T10:00:00Z"}]);
    assert_eq!(
        app.data(append, json!({"log": log, "e": one})).await["appendEvents"]["duplicate"],
        false
    );
    assert_eq!(
        app.data(append, json!({"log": log, "e": one})).await["appendEvents"]["duplicate"],
        true
    );
    let clash = app.graphql(append, json!({"log": log, "e": other})).await;
    assert_eq!(code(&clash["errors"][0]), "CONFLICT", "{clash}");
    assert!(clash.to_string().contains("b-1"), "{clash}");
}

/// Issue 13: a CSV posted twice stored two copies of every event, and nothing could remove them.
/// Retracting the second import takes its events out of the log and its discovery, and keeps
/// the import, marked with who, when and why.
#[tokio::test]
async fn a_retracted_import_leaves_the_log_and_its_discovery() {
    let app = spawn_app().await;
    let log = app.event_log("Sent twice").await;
    let csv = csv_log(8);
    let (status, first) = app.upload(&log, "", csv.clone().into_bytes()).await;
    assert_eq!(status, 200, "{first}");
    let once = discovery(&app, &log).await;
    let (_, second) = app.upload(&log, "", csv.into_bytes()).await;
    let twice = discovery(&app, &log).await;
    assert_eq!(
        twice["eventCount"].as_i64().unwrap(),
        2 * once["eventCount"].as_i64().unwrap()
    );
    let retract = "mutation($id: ID!, $r: String!) { retractImport(importId: $id, reason: $r) { id events withdrawnBy withdrawalReason withdrawnAt } }";
    let viewer = app.token_for("Viewer", "XQ1", "VIEWER", false).await;
    let refused = app
        .graphql_as(
            Some(&viewer),
            retract,
            json!({"id": second["import"]["id"], "r": "sent twice"}),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "FORBIDDEN", "{refused}");
    let retracted = app
        .data(
            retract,
            json!({"id": second["import"]["id"], "r": "sent twice"}),
        )
        .await["retractImport"]
        .clone();
    assert_eq!(retracted["withdrawalReason"], "sent twice");
    assert_eq!(retracted["withdrawnBy"], "test administrator");
    assert!(!retracted["withdrawnAt"].is_null());
    let after = discovery(&app, &log).await;
    assert_eq!(
        after, once,
        "discovery after the retraction equals discovery of one copy"
    );
    let again = app
        .graphql(retract, json!({"id": second["import"]["id"], "r": "again"}))
        .await;
    assert_eq!(code(&again["errors"][0]), "CONFLICT", "{again}");
    let imports = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { imports { nodes { id withdrawalReason } } } }",
            json!({"id": log}),
        )
        .await;
    assert_eq!(
        imports["eventLog"]["imports"].as_array().unwrap().len(),
        2,
        "{imports}"
    );
}

/// Issue 15: the demo log's wait for theatre falls by 30% from week 30. The log measure's chart
/// signals; `explainChange` splits where the signal's run starts and names that wait first.
#[tokio::test]
async fn the_demo_log_measure_explains_its_shift_with_the_planted_change() {
    let app = crate::helpers::spawn_app_with(true).await;
    let measures = app
        .data(
            "{ projects(first: 1) { nodes { measures(first: 10) { nodes { id fromLog { logId } } } } } }",
            json!({}),
        )
        .await;
    let log_measure = measures["projects"][0]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| !m["fromLog"].is_null())
        .unwrap()
        .clone();
    let explained = app
        .data(
            "query($id: ID!) { measure(id: $id) { explainChange {
                splitAt fromActivity toActivity beforeMeanSeconds afterMeanSeconds
                transitions { from to significant medianChangeSeconds ci95 contributionSeconds summary } } } }",
            json!({"id": log_measure["id"]}),
        )
        .await["measure"]["explainChange"]
        .clone();
    assert_eq!(
        (&explained["fromActivity"], &explained["toActivity"]),
        (&json!("ED_TRIAGE"), &json!("SURG_HIP"))
    );
    let first = &explained["transitions"][0];
    assert_eq!(
        (&first["from"], &first["to"], &first["significant"]),
        (&json!("ORTHO_CLERK"), &json!("SURG_HIP"), &json!(true)),
        "{explained:#}"
    );
    assert!(
        first["medianChangeSeconds"].as_f64().unwrap() < 0.0,
        "{first}"
    );
    let parts: f64 = explained["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["contributionSeconds"].as_f64().unwrap())
        .sum();
    let whole = explained["afterMeanSeconds"].as_f64().unwrap()
        - explained["beforeMeanSeconds"].as_f64().unwrap();
    assert!(
        (parts - whole).abs() <= 1e-6 * whole.abs(),
        "{parts} vs {whole}"
    );

    // The same through the log, with the periods named; a bad range and activity are named.
    let compare = "query($id: ID!, $b: DateRangeInput!, $a: DateRangeInput!, $f: String, $t: String) {
        eventLog(id: $id) { compare(before: $b, after: $a, from: $f, to: $t) { transitions { from to significant } } } }";
    let split = explained["splitAt"].clone();
    let by_log = app
        .data(
            compare,
            json!({"id": log_measure["fromLog"]["logId"], "b": {"end": split}, "a": {"start": split},
                   "f": "ED_TRIAGE", "t": "SURG_HIP"}),
        )
        .await;
    assert_eq!(
        by_log["eventLog"]["compare"]["transitions"][0]["to"],
        "SURG_HIP"
    );
    let err = app
        .error(
            compare,
            json!({"id": log_measure["fromLog"]["logId"], "b": {"start": split, "end": split}, "a": {}, "f": null, "t": null}),
        )
        .await;
    assert_eq!(crate::helpers::field(&err), "before");
    let err = app
        .error(
            compare,
            json!({"id": log_measure["fromLog"]["logId"], "b": {"end": split}, "a": {"start": split}, "f": "TRIAGE", "t": "SURG_HIP"}),
        )
        .await;
    assert_eq!(crate::helpers::field(&err), "from");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Issue 16: a gzip body, `;`-separated, UK-order timestamps written in Amsterdam across the
/// autumn clock change: read as it comes, the wait is the true elapsed time, and the import and
/// the log say how they were read.
#[tokio::test]
async fn a_gzip_upload_in_another_dialect_and_zone_is_read_as_it_comes() {
    let app = spawn_app().await;
    let log = app.event_log("Amsterdam extract").await;
    // 01:30 CEST to 03:30 CET on 27 October 2024 is three hours; 02:30 happens twice.
    let csv = "\u{feff}case_id;activity;timestamp;organisation\r\n\
               A1;Arrive;27/10/2024 01:30;RX8\r\n\
               A1;Scan;27/10/2024 03:30;RX8\r\n\
               A2;Arrive;27/10/2024 02:30;RX8\r\n\
               A2;Scan;27/10/2024 05:30;RX8\r\n";
    let client = crate::helpers::client_with(&app.token);
    let post = |query: &str, encoding: &'static str, body: Vec<u8>| {
        let request = client
            .post(format!("{}/logs/{log}/events?{query}", app.address))
            .header("Content-Encoding", encoding)
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, refused) = post("", "br", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 415, "{refused}");
    let (status, refused) = post("timezone=Mars/Olympus", "gzip", gzip(csv.as_bytes())).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("timezone:")
    );

    let (status, body) = post("timezone=Europe/Amsterdam", "gzip", gzip(csv.as_bytes())).await;
    assert_eq!(status, 200, "{body}");
    let import = &body["import"];
    assert_eq!(import["events"], 4, "{body}");
    assert_eq!(
        import["reading"],
        json!({"format": "CSV", "compressed": true, "delimiter": ";",
               "timestampFormat": "DD/MM/YYYY HH:MM:SS", "timezone": "Europe/Amsterdam",
               "clockChanges": {"movedForward": 0, "repeated": 1}}),
        "{body}"
    );
    for phase in ["readMs", "writeMs", "recomputeMs"] {
        assert!(import["phases"][phase].is_u64(), "{body}");
    }

    let read = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { timezone
                 imports(first: 5) { nodes { reading { compressed delimiter timestampFormat timezone repeated description }
                                            phases { readSeconds writeSeconds recomputeSeconds } } }
                 discovery { edges { from to meanSeconds } } } }",
            json!({"id": log}),
        )
        .await;
    let log_read = &read["eventLog"];
    assert_eq!(log_read["timezone"], "Europe/Amsterdam");
    let reading = &log_read["imports"][0]["reading"];
    assert_eq!(reading["repeated"], 1);
    assert!(
        reading["description"]
            .as_str()
            .unwrap()
            .contains("';'-separated"),
        "{reading}"
    );
    assert!(log_read["imports"][0]["phases"]["writeSeconds"].is_number());
    let edges = log_read["discovery"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{log_read}");
    // A1 waits 3 h; A2 from 02:30 CEST (the first) to 05:30 CET waits 4 h.
    assert_eq!(
        edges[0]["meanSeconds"].as_f64(),
        Some(3.5 * 3600.0),
        "{log_read}"
    );
}

/// Issue 16: on PostgreSQL the events go in by COPY (through a scratch table of the import's
/// own that its transaction drops): values that COPY's text format must escape arrive unchanged,
/// and no scratch table stays behind.
#[tokio::test]
async fn events_copied_into_postgres_arrive_unchanged_and_leave_nothing_behind() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!("skipped on SQLite: COPY is PostgreSQL's");
        return;
    }
    let app = spawn_app().await;
    let log = app.event_log("Escapes").await;
    let csv = "case_id,activity,timestamp,organisation,lifecycle\n\
               c1,\"Scan\\CT\",2024-01-01T09:00:00Z,,In Progress\n\
               c1,\"Ward\t2\nbay 4\",2024-01-01T10:00:00Z,\\N,complete\n";
    let (status, body) = app.upload(&log, "", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{body}");
    let found = discovery(&app, &log).await;
    let edge = &found["discovery"]["edges"][0];
    assert_eq!(
        (edge["from"].as_str(), edge["to"].as_str()),
        (Some("Scan\\CT"), Some("Ward\t2\nbay 4")),
        "{found}"
    );
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(&app.database_url).await.unwrap();
    let value = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<Option<String>>(0)
                .unwrap()
        }
    };
    let scratch = "SELECT CAST(COUNT(*) AS TEXT) FROM pg_class WHERE relname LIKE 'log\\_event\\_staging\\_%'";
    assert_eq!(value(scratch).await.as_deref(), Some("0"));

    // The lifecycle is kept as written; "\N" in a CSV is text, not COPY's null.
    assert_eq!(
        value("SELECT lifecycle FROM log_event WHERE seq = 0")
            .await
            .as_deref(),
        Some("In Progress")
    );
    assert_eq!(
        value("SELECT organisation FROM log_event WHERE seq = 1")
            .await
            .as_deref(),
        Some("\\N")
    );
}

/// Issue 16: an upload whose events name who did them but not the organisation: the
/// `resourceOrganisations` table gives them their resource's, the import says how many, and a
/// bad table is refused naming its row.
#[tokio::test]
async fn an_upload_gives_events_their_resources_organisation() {
    let app = spawn_app().await;
    let log = app.event_log("Resources").await;
    let csv = "case_id,activity,timestamp,resource\n\
               c1,ASSESS,2024-01-01T09:00:00Z,Dr Patel\n\
               c1,ASSESS,2024-01-01T12:00:00Z,Rehab physio\n";
    let query = |table: &str| {
        let encoded: String = table
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("resourceOrganisations={encoded}")
    };
    let (status, refused) = app
        .upload(
            &log,
            &query("resource,organisation\nDr Patel,\n"),
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("resourceOrganisations: row 2 organisation"),
        "{refused}"
    );
    let table = "resource,organisation\nDr Patel,RX8\nRehab physio,RYJ\n";
    let (status, body) = app
        .upload(&log, &query(table), csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["import"]["reading"]["organisationsFromResources"], 2,
        "{body}"
    );
    let read = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { imports(first: 1) { nodes { reading { organisationsFromResources } } }
                 discovery { handoffs { total pairs { from to count } } } } }",
            json!({"id": log}),
        )
        .await;
    assert_eq!(
        read["eventLog"]["imports"][0]["reading"]["organisationsFromResources"],
        2
    );
    assert_eq!(
        read["eventLog"]["discovery"]["handoffs"]["pairs"],
        json!([{"from": "RX8", "to": "RYJ", "count": 1}]),
        "{read}"
    );
}

#[tokio::test]
async fn the_demo_change_idea_is_suggested_measures_ready_to_add_from_its_log() {
    let app = crate::helpers::spawn_app_with(true).await;
    let found = app
        .data(
            "{ projects { nodes { id version drivers { kind text suggestedMeasures { family name reason logId fromActivity toActivity statistic period unit direction } } } } }",
            json!({}),
        )
        .await;
    let project = found["projects"][0].clone();
    let idea = (project["drivers"].as_array().unwrap().iter())
        .find(|d| d["kind"] == "CHANGE_IDEA")
        .expect("the demo's change idea")
        .clone();
    let suggested = idea["suggestedMeasures"].as_array().unwrap();
    let family = |f: &'static str| suggested.iter().filter(move |m| m["family"] == f);
    // The process measure is the targeted transition: orthopaedic clerking to surgery.
    let process: Vec<_> = family("PROCESS").collect();
    assert_eq!(process.len(), 1, "{suggested:?}");
    assert_eq!(
        (&process[0]["fromActivity"], &process[0]["toActivity"]),
        (&json!("ORTHO_CLERK"), &json!("SURG_HIP"))
    );
    // Balancing: at least one measure downstream of surgery.
    assert!(
        family("BALANCING")
            .any(|m| m["fromActivity"] == "SURG_HIP" || m["fromActivity"] == "COMM_REHAB"),
        "{suggested:?}"
    );
    assert_eq!(family("OUTCOME").count(), 1);
    assert!(
        suggested
            .iter()
            .all(|m| !m["logId"].is_null() && !m["reason"].as_str().unwrap().is_empty())
    );

    // Adopted as it comes, it is computed from the demo log at once.
    let p = process[0];
    let added = app
        .data(
            "mutation($i: AddLogMeasureInput!) { addLogMeasure(input: $i) { measure { id points(first: 100) { nodes { date value } } } } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": project["version"], "logId": p["logId"],
                "name": p["name"], "fromActivity": p["fromActivity"], "toActivity": p["toActivity"],
                "statistic": p["statistic"], "period": p["period"], "unit": p["unit"], "direction": p["direction"]}}),
        )
        .await;
    let points = added["addLogMeasure"]["measure"]["points"]
        .as_array()
        .unwrap()
        .clone();
    // By hand from the generator's events: per week (Monday start) of the first ORTHO_CLERK,
    // the median hours to the next SURG_HIP. Winter weeks only, when England's dates are UTC's.
    use chrono::Datelike;
    let mut weeks: std::collections::BTreeMap<chrono::NaiveDate, Vec<f64>> = Default::default();
    let events = api::demo::demo_events();
    let mut by_case: std::collections::BTreeMap<&str, Vec<(&str, i64)>> = Default::default();
    for (case, activity, ms, _, _) in &events {
        by_case.entry(case).or_default().push((activity, *ms));
    }
    for case in by_case.values() {
        let Some(i) = case.iter().position(|e| e.0 == "ORTHO_CLERK") else {
            continue;
        };
        let Some(j) = (i + 1..case.len()).find(|&j| case[j].0 == "SURG_HIP") else {
            continue;
        };
        let date = chrono::DateTime::from_timestamp_millis(case[i].1)
            .unwrap()
            .date_naive();
        let monday = date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64);
        weeks
            .entry(monday)
            .or_default()
            .push((case[j].1 - case[i].1) as f64 / 3_600_000.0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = (v.len() - 1) as f64 * 0.5;
        let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (at - lo as f64)
    };
    let mut compared = 0;
    for point in &points {
        let date: chrono::NaiveDate = point["date"].as_str().unwrap().parse().unwrap();
        if date >= chrono::NaiveDate::from_ymd_opt(2025, 3, 24).unwrap() {
            continue;
        }
        let want = median(weeks.get_mut(&date).expect("a week in the log"));
        let got = point["value"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-6, "{date}: {got} against {want}");
        compared += 1;
    }
    assert!(compared >= 10, "{compared} weeks compared");
}

/// A hotspot is suggested its family of measures too: for each of the demo pathway's hotspots of
/// two joined steps, the process measure is that transition between their activity codes.
#[tokio::test]
async fn each_demo_hotspot_of_a_transition_is_suggested_that_transition_as_its_process_measure() {
    let app = crate::helpers::spawn_app_with(true).await;
    let pathways = app
        .data(
            "{ pathways(first: 20) { nodes { id name status steps { key activityCode } transitions { from { key } to { key } } analysis { hotspots { kind stepKeys } } } } }",
            json!({}),
        )
        .await;
    let pathway = pathways["pathways"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["status"] == "PUBLISHED" && p["name"].as_str().unwrap().contains("Hip"))
        .expect("the demo's hip fracture pathway")
        .clone();
    let code = |key: &Value| {
        pathway["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| &s["key"] == key)
            .map(|s| s["activityCode"].clone())
            .unwrap()
    };
    let joined = |keys: &[Value]| {
        keys.len() == 2
            && pathway["transitions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["from"]["key"] == keys[0] && t["to"]["key"] == keys[1])
    };
    let mut checked = 0;
    for hotspot in pathway["analysis"]["hotspots"].as_array().unwrap() {
        let keys = hotspot["stepKeys"].as_array().unwrap().clone();
        if !joined(&keys) || code(&keys[0]).is_null() || code(&keys[1]).is_null() {
            continue;
        }
        let suggested = app
            .data(
                "query($id: ID!, $k: [String!]!) { pathway(id: $id) { suggestedMeasures(stepKeys: $k) { family fromActivity toActivity logId reason } } }",
                json!({"id": pathway["id"], "k": keys}),
            )
            .await;
        let list = suggested["pathway"]["suggestedMeasures"]
            .as_array()
            .unwrap();
        let process: Vec<&Value> = list.iter().filter(|m| m["family"] == "PROCESS").collect();
        assert_eq!(process.len(), 1, "{hotspot}: {list:?}");
        assert_eq!(
            (&process[0]["fromActivity"], &process[0]["toActivity"]),
            (&code(&keys[0]), &code(&keys[1])),
            "{hotspot}"
        );
        assert!(list.iter().any(|m| m["family"] == "BALANCING"), "{list:?}");
        assert!(list.iter().all(|m| m["logId"].is_string()));
        checked += 1;
    }
    assert!(
        checked > 0,
        "no demo hotspot is a transition between coded steps"
    );
    let unknown = app
        .error(
            "query($id: ID!) { pathway(id: $id) { suggestedMeasures(stepKeys: [\"nowhere\"]) { name } } }",
            json!({"id": pathway["id"]}),
        )
        .await;
    assert_eq!(crate::helpers::field(&unknown), "stepKeys[0]");
}

/// A pathway with a target lead time is suggested the share of patients within it as an outcome
/// measure; adopted over the demo log, its weekly shares equal ones worked out by hand.
#[tokio::test]
async fn a_target_lead_time_brings_the_share_within_it_as_an_outcome_measure() {
    let app = crate::helpers::spawn_app_with(true).await;
    let found = app
        .data(
            "{ projects(first: 1) { nodes { id version pathwayId drivers { kind suggestedMeasures { logId } } } } }",
            json!({}),
        )
        .await;
    let project = found["projects"][0].clone();
    let log = (project["drivers"].as_array().unwrap().iter())
        .find(|d| d["kind"] == "CHANGE_IDEA")
        .unwrap()["suggestedMeasures"][0]["logId"]
        .clone();
    // A draft of the project's pathway with a target of 14 days end to end.
    let draft = app
        .data(
            "mutation($id: ID!) { clonePathway(id: $id) { id revision targetLeadTimeMinutes } }",
            json!({"id": project["pathwayId"]}),
        )
        .await["clonePathway"]
        .clone();
    assert_eq!(draft["targetLeadTimeMinutes"], Value::Null);
    let bad = app
        .error(
            "mutation($id: ID!, $v: Int!) { updatePathway(input: {id: $id, expectedVersion: $v, targetLeadTimeMinutes: -5}) { id } }",
            json!({"id": draft["id"], "v": draft["revision"]}),
        )
        .await;
    assert_eq!(field(&bad), "targetLeadTimeMinutes");
    let target = 14.0 * 1440.0;
    let updated = app
        .data(
            "mutation($id: ID!, $v: Int!, $t: Float) { updatePathway(input: {id: $id, expectedVersion: $v, targetLeadTimeMinutes: $t}) { targetLeadTimeMinutes document } }",
            json!({"id": draft["id"], "v": draft["revision"], "t": target}),
        )
        .await["updatePathway"]
        .clone();
    assert_eq!(updated["targetLeadTimeMinutes"], json!(target));
    // The document carries it, so an export imports back with it.
    assert_eq!(updated["document"]["targetLeadTimeMinutes"], json!(target));
    let suggested = app
        .data(
            "query($id: ID!) { pathway(id: $id) { suggestedMeasures(stepKeys: [\"ortho_clerk\", \"surgery\"]) { family name fromActivity toActivity statistic period unit direction targetMinutes } } }",
            json!({"id": draft["id"]}),
        )
        .await;
    let list = suggested["pathway"]["suggestedMeasures"]
        .as_array()
        .unwrap();
    let within = list
        .iter()
        .find(|m| m["statistic"] == "PERCENT_WITHIN_TARGET")
        .unwrap_or_else(|| panic!("no share within the target: {list:?}"))
        .clone();
    assert_eq!(within["family"], "OUTCOME");
    assert_eq!(within["direction"], "INCREASE");
    assert_eq!(within["targetMinutes"], json!(target));
    assert_eq!(
        (&within["fromActivity"], &within["toActivity"]),
        (&json!("AMB_CALL"), &json!("DISCH_PLAN"))
    );

    // Adopted over the demo log as suggested.
    let added = app
        .data(
            "mutation($i: AddLogMeasureInput!) { addLogMeasure(input: $i) { measure { points(first: 100) { nodes { date value } } } } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": project["version"], "logId": log,
                "name": within["name"], "fromActivity": within["fromActivity"], "toActivity": within["toActivity"],
                "statistic": within["statistic"], "period": within["period"], "unit": within["unit"],
                "direction": within["direction"], "targetMinutes": within["targetMinutes"]}}),
        )
        .await;
    let points = added["addLogMeasure"]["measure"]["points"]
        .as_array()
        .unwrap()
        .clone();
    // By hand: per week (Monday start) of the first AMB_CALL, of the cases that reached
    // DISCH_PLAN after it, the share that took at most 14 days. Winter weeks only.
    use chrono::Datelike;
    let mut weeks: std::collections::BTreeMap<chrono::NaiveDate, (u32, u32)> = Default::default();
    let events = api::demo::demo_events();
    let mut by_case: std::collections::BTreeMap<&str, Vec<(&str, i64)>> = Default::default();
    for (case, activity, ms, _, _) in &events {
        by_case.entry(case).or_default().push((activity, *ms));
    }
    for case in by_case.values() {
        let Some(i) = case.iter().position(|e| e.0 == "AMB_CALL") else {
            continue;
        };
        let Some(j) = (i + 1..case.len()).find(|&j| case[j].0 == "DISCH_PLAN") else {
            continue;
        };
        let date = chrono::DateTime::from_timestamp_millis(case[i].1)
            .unwrap()
            .date_naive();
        let monday = date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64);
        let slot = weeks.entry(monday).or_default();
        slot.1 += 1;
        if (case[j].1 - case[i].1) as f64 <= target * 60_000.0 {
            slot.0 += 1;
        }
    }
    let mut compared = 0;
    for point in &points {
        let date: chrono::NaiveDate = point["date"].as_str().unwrap().parse().unwrap();
        if date >= chrono::NaiveDate::from_ymd_opt(2025, 3, 24).unwrap() {
            continue;
        }
        let (within, reached) = weeks[&date];
        let want = within as f64 / reached as f64;
        let got = point["value"].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{date}: {got} against {want}");
        compared += 1;
    }
    assert!(compared >= 10, "{compared} weeks compared");
}
