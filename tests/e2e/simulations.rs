//! Simulation through GraphQL: a run in the background gives exactly what the command line gives
//! for the same document, scenario and seed; a queued run is cancelled; bad scenarios are refused
//! by field with nothing stored; runs are audited.

use crate::helpers::{TestApp, code, field, spawn_app};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

const STROKE: &str = "docs/examples/stroke-unit.json";

fn stroke_document() -> Value {
    serde_json::from_str(&std::fs::read_to_string(STROKE).expect("the example")).expect("JSON")
}

const RUN: &str = "id pathwayId pathwayVersion seed status patientsDone patientsTotal error \
    result { replications patientsPerReplication leadTimeMinutes { mean median p90 p95 ci95 } \
    steps { key utilisation queueWaitMinutes { mean p90 ci95 } maxQueue waitBeforeMinutes { mean } } \
    differences { leadTimeMeanMinutes { baseline changed difference ci95 } \
      throughputPerDay { difference ci95 } removedSteps \
      steps { key queueWaitMinutes { baseline changed difference ci95 } utilisation { difference } } } \
    whereTheTimeGoes { queueing { mean } } leadTimeDistribution { share } overTime { intervalMinutes } }";

/// `qiflow simulate` of the stroke example with 20,000 patients and seed 5, and `extra`.
fn stroke_on_the_command_line(extra: &[&str]) -> Value {
    let mut args = vec![
        "simulate",
        STROKE,
        "--format",
        "json",
        "--patients",
        "20000",
        "--seed",
        "5",
    ];
    args.extend_from_slice(extra);
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(&args)
        .output()
        .expect("running qiflow");
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Polls the run until it has ended.
async fn ended(app: &TestApp, id: &Value) -> Value {
    let started = Instant::now();
    loop {
        let node = app
            .data(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Simulation {{ {RUN} }} }} }}"),
                json!({"id": id}),
            )
            .await["node"]
            .clone();
        if !matches!(node["status"].as_str(), Some("QUEUED" | "RUNNING")) {
            return node;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "still {node} after 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_simulation_runs_in_the_background_and_gives_what_the_command_line_gives() {
    let app = spawn_app().await;
    let pathway = app.import(&stroke_document()).await;
    let started = app
        .data(
            &format!(
                "mutation($p: ID!) {{ simulate(pathwayId: $p, seed: 5, scenario: {{patients: 20000, servers: [{{stepKey: \"stroke_unit\", servers: 9}}]}}) {{ {RUN} }} }}"
            ),
            json!({"p": pathway["id"]}),
        )
        .await["simulate"]
        .clone();
    assert_eq!(started["status"], "QUEUED");
    assert_eq!(started["pathwayVersion"], pathway["version"]);
    assert_eq!(started["seed"], 5);
    let run = ended(&app, &started["id"]).await;
    assert_eq!(run["status"], "FINISHED", "{run}");
    assert_eq!(run["patientsDone"], run["patientsTotal"]);
    // A what-if: the pathway as it is is simulated too.
    assert_eq!(run["patientsTotal"], 40000);

    // The command line on the same document, scenario and seed.
    let cli = stroke_on_the_command_line(&["--servers", "stroke_unit=9"]);
    let result = &run["result"];
    for field in ["mean", "median", "p90", "p95", "ci95"] {
        assert_eq!(
            result["leadTimeMinutes"][field], cli["leadTimeMinutes"][field],
            "leadTimeMinutes.{field}"
        );
    }
    let unit = |steps: &Value| {
        steps
            .as_array()
            .and_then(|s| s.iter().find(|s| s["key"] == "stroke_unit"))
            .cloned()
            .expect("the stroke unit")
    };
    let (api_unit, cli_unit) = (unit(&result["steps"]), unit(&cli["steps"]));
    assert_eq!(
        api_unit["queueWaitMinutes"]["mean"],
        cli_unit["queueWaitMinutes"]["mean"]
    );
    assert_eq!(api_unit["utilisation"], cli_unit["utilisation"]);
    assert_eq!(api_unit["maxQueue"], cli_unit["maxQueue"]);

    // The baseline of its differences is the command line's run of the pathway as it is.
    let as_is = stroke_on_the_command_line(&[]);
    let d = &result["differences"];
    assert_eq!(
        d["leadTimeMeanMinutes"]["baseline"],
        as_is["leadTimeMinutes"]["mean"]
    );
    assert_eq!(
        d["leadTimeMeanMinutes"]["changed"],
        cli["leadTimeMinutes"]["mean"]
    );
    let unit_difference = (d["steps"].as_array().unwrap().iter())
        .find(|s| s["key"] == "stroke_unit")
        .expect("the stroke unit's difference");
    let wait = &unit_difference["queueWaitMinutes"];
    assert_eq!(
        wait["baseline"],
        unit(&as_is["steps"])["queueWaitMinutes"]["mean"]
    );
    // Two more beds cut the wait for one by more than the interval's width.
    assert!(wait["ci95"][1].as_f64().unwrap() < 0.0, "{wait}");
    assert_eq!(
        result["leadTimeDistribution"].as_array().map(Vec::len),
        Some(40)
    );

    // Its two charts: 40 bars, and a line for each of the two steps with servers.
    let charts = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Simulation { result { leadTimeChartSvg queueLengthChartSvg } } } }",
            json!({"id": run["id"]}),
        )
        .await["node"]["result"]
        .clone();
    let lead = charts["leadTimeChartSvg"].as_str().expect("svg");
    let queues = charts["queueLengthChartSvg"].as_str().expect("svg");
    assert!(lead.starts_with("<svg") && queues.starts_with("<svg"));
    assert_eq!(lead.matches(r#"class="bar""#).count(), 40);
    assert_eq!(queues.matches(r#"class="queue""#).count(), 2);
    assert!(!lead.contains("NaN") && !queues.contains("NaN"));

    // Listed with its pathway, and in the audit trail of the pathway's owner.
    let listed = app
        .data(
            "query($p: ID!) { pathway(id: $p) { simulations { nodes { id status } } } }",
            json!({"p": pathway["id"]}),
        )
        .await;
    assert_eq!(
        listed["pathway"]["simulations"],
        json!([{"id": run["id"], "status": "FINISHED"}])
    );
    let owner = app.organisation_id("RX8").await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 100) { nodes { operation objectIds } } }",
            json!({"o": owner}),
        )
        .await;
    let entries = trail["auditTrail"].as_array().expect("entries");
    assert!(
        entries.iter().any(|e| e["operation"] == "simulate"
            && e["objectIds"]
                .as_array()
                .is_some_and(|ids| ids.contains(&run["id"]))),
        "{trail}"
    );
}

#[tokio::test]
async fn a_queued_simulation_is_cancelled_and_says_so() {
    let app = spawn_app().await;
    let pathway = app.import(&stroke_document()).await;
    let start = |patients: i64| {
        let app = &app;
        let id = pathway["id"].clone();
        async move {
            app.data(
                "mutation($p: ID!, $n: Int!) { simulate(pathwayId: $p, scenario: {patients: $n}) { id status } }",
                json!({"p": id, "n": patients}),
            )
            .await["simulate"]["id"]
                .clone()
        }
    };
    // One run at a time per server: the second waits behind the first.
    let first = start(2_000_000).await;
    let second = start(20_000).await;
    let cancelled = app
        .data(
            "mutation($id: ID!) { cancelSimulation(id: $id) { id cancelRequested } }",
            json!({"id": second}),
        )
        .await;
    assert_eq!(cancelled["cancelSimulation"]["cancelRequested"], true);
    app.data(
        "mutation($id: ID!) { cancelSimulation(id: $id) { id } }",
        json!({"id": first}),
    )
    .await;
    let second = ended(&app, &second).await;
    assert_eq!(second["status"], "CANCELLED", "{second}");
    assert!(second["result"].is_null());
    let first = ended(&app, &first).await;
    // Stopped part-way, unless it was already done when it looked for the cancellation.
    assert!(
        matches!(first["status"].as_str(), Some("CANCELLED" | "FINISHED")),
        "{first}"
    );
}

#[tokio::test]
async fn a_bad_scenario_is_refused_by_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let pathway = app.import(&stroke_document()).await;
    let mut no_demand = stroke_document();
    no_demand.as_object_mut().unwrap().remove("demandPerDay");
    no_demand["name"] = json!("No demand");
    let undemanded = app.import(&no_demand).await;
    let cases = [
        (&pathway, "{replications: 1}", "scenario.replications"),
        (
            &pathway,
            "{servers: [{stepKey: \"ward\", servers: 3}]}",
            "scenario.servers[0].stepKey",
        ),
        (&pathway, "{patients: 5}", "scenario.patients"),
        (&pathway, "{warmUpMinutes: -5}", "scenario.warmUpMinutes"),
        (
            &pathway,
            "{changes: [{setServers: {step: \"stroke_unit\", servers: 0}}]}",
            "scenario.changes[0].servers",
        ),
        (
            &pathway,
            "{changes: [{setServiceTime: {step: \"stroke_unit\", time: {distribution: GAMMA, meanMinutes: 60}}}]}",
            "scenario.changes[0].time.sdMinutes",
        ),
        (
            &pathway,
            "{changes: [{setSchedule: {step: \"stroke_unit\", sessions: [{days: [MONDAY], fromHour: 9, toHour: 30, servers: 2}]}}]}",
            "scenario.changes[0].sessions[0].toHour",
        ),
        (
            &pathway,
            "{arrivalsFromLog: {logId: \"nope\"}}",
            "scenario.arrivalsFromLog.logId",
        ),
        (
            &pathway,
            "{arrivalsByHour: [1, 2]}",
            "scenario.arrivalsByHour",
        ),
        (&undemanded, "{}", "pathwayId.demandPerDay"),
    ];
    for (target, scenario, expected) in cases {
        let error = app
            .error(
                &format!(
                    "mutation($p: ID!) {{ simulate(pathwayId: $p, scenario: {scenario}) {{ id }} }}"
                ),
                json!({"p": target["id"]}),
            )
            .await;
        assert_eq!(code(&error), "VALIDATION", "{scenario}: {error}");
        assert_eq!(field(&error), expected, "{scenario}: {error}");
    }
    for target in [&pathway, &undemanded] {
        let listed = app
            .data(
                "query($p: ID!) { pathway(id: $p) { simulations { totalCount } } }",
                json!({"p": target["id"]}),
            )
            .await;
        assert_eq!(listed["pathway"]["simulations"]["totalCount"], 0);
    }
}

#[tokio::test]
async fn a_run_whose_server_stopped_is_shown_failed() {
    use sea_orm::sea_query::{Alias, Expr, Query};
    use sea_orm::{ConnectionTrait, Database};
    let app = spawn_app().await;
    let pathway = app.import(&stroke_document()).await;
    let run = app
        .data(
            "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {patients: 100}) { id } }",
            json!({"p": pathway["id"]}),
        )
        .await["simulate"]["id"]
        .clone();
    assert_eq!(ended(&app, &run).await["status"], "FINISHED");
    // As a server killed mid-run leaves it: RUNNING, last heard of a minute ago.
    let db = Database::connect(&app.database_url)
        .await
        .expect("database");
    let minute_ago = chrono::Utc::now() - chrono::Duration::seconds(60);
    let update = Query::update()
        .table(Alias::new("simulation_run"))
        .value(Alias::new("status"), "RUNNING")
        .value(Alias::new("updated_at"), minute_ago)
        .value(
            Alias::new("finished_at"),
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .to_owned();
    db.execute(&update).await.expect("update");
    let shown = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Simulation { status error } } }",
            json!({"id": run}),
        )
        .await["node"]
        .clone();
    assert_eq!(shown["status"], "FAILED", "{shown}");
    assert!(
        shown["error"]
            .as_str()
            .is_some_and(|e| e.contains("server running it stopped")),
        "{shown}"
    );
}

#[tokio::test]
async fn one_caller_may_have_five_runs_queued_or_running() {
    let app = spawn_app().await;
    let pathway = app.import(&stroke_document()).await;
    let start =
        "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {patients: 2000000}) { id } }";
    let mut runs = Vec::new();
    for _ in 0..5 {
        runs.push(app.data(start, json!({"p": pathway["id"]})).await["simulate"]["id"].clone());
    }
    let refused = app.error(start, json!({"p": pathway["id"]})).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    for run in &runs {
        app.data(
            "mutation($id: ID!) { cancelSimulation(id: $id) { id } }",
            json!({"id": run}),
        )
        .await;
    }
    for run in &runs {
        ended(&app, run).await;
    }
    // Once they have ended, another may start.
    let again = app
        .data(
            start.replace("2000000", "100").as_str(),
            json!({"p": pathway["id"]}),
        )
        .await;
    assert!(again["simulate"]["id"].is_string());
}

#[tokio::test]
async fn calibrated_from_the_demo_log_then_a_change_tried_by_simulation() {
    let app = crate::helpers::spawn_app_with(true).await;
    let found = app
        .data(
            "{ pathways(status: PUBLISHED) { nodes { id name } } eventLogs(first: 10) { nodes { id name } } }",
            json!({}),
        )
        .await;
    let hip = (found["pathways"].as_array().unwrap().iter())
        .find(|p| p["name"].as_str().unwrap().starts_with("Hip fracture"))
        .expect("the demo's hip fracture pathway")["id"]
        .clone();
    let log = found["eventLogs"][0]["id"].clone();

    let calibrated = app
        .data(
            "mutation($p: ID!, $l: ID!) { calibrateSimulation(pathwayId: $p, logId: $l) { \
               pathway { id status } arrivals { cases perDay perHourOfWeek } \
               serviceTimes { step fit { observations ksPValue time { distribution meanMinutes sdMinutes } candidates { distribution aic } } } \
               delays { from to queueingMinutes serviceMinutes delay { distribution meanMinutes } fit { observedMeanMinutes } } \
               changes { field } notes } }",
            json!({"p": hip, "l": log}),
        )
        .await["calibrateSimulation"]
        .clone();
    assert_eq!(calibrated["pathway"]["status"], "DRAFT");
    assert_eq!(calibrated["arrivals"]["cases"], 2000);
    assert_eq!(
        calibrated["arrivals"]["perHourOfWeek"]
            .as_array()
            .map(Vec::len),
        Some(168)
    );
    // Surgery has start and complete events: lognormal with median 90 and σ 0.45 in the
    // generator, so a mean of 90·e^(σ²/2) ≈ 99.6 minutes.
    let surgery = &calibrated["serviceTimes"][0];
    assert_eq!(surgery["step"], "surgery");
    assert_eq!(surgery["fit"]["time"]["distribution"], "LOGNORMAL");
    let mean = surgery["fit"]["time"]["meanMinutes"].as_f64().unwrap();
    assert!((mean / (90.0 * (0.45f64.powi(2) / 2.0).exp()) - 1.0).abs() < 0.05);
    assert_eq!(
        surgery["fit"]["candidates"].as_array().map(Vec::len),
        Some(3)
    );
    // A delay into a step whose events mark completion has that step's touch time taken off.
    let first = (calibrated["delays"].as_array().unwrap().iter())
        .find(|d| d["from"] == "fall")
        .expect("the delay after the fall");
    assert_eq!(first["serviceMinutes"], 35.0);
    let observed = first["fit"]["observedMeanMinutes"].as_f64().unwrap();
    let delay = first["delay"]["meanMinutes"].as_f64().unwrap();
    assert!((observed - 35.0 - delay).abs() < 0.01, "{first}");

    // The calibrated draft, with the log's arrivals, against the same with two more theatres
    // a day's worth of surgery: servers on surgery make it queue; the change removes the queue.
    let draft = calibrated["pathway"]["id"].clone();
    let started = app
        .data(
            "mutation($p: ID!, $l: ID!) { simulate(pathwayId: $p, seed: 3, scenario: { patients: 20000, \
               arrivalsFromLog: {logId: $l}, \
               changes: [{setServers: {step: \"surgery\", servers: 2}}, \
                         {setDelay: {from: \"surgery\", to: \"ward_rehab\", time: {distribution: FIXED, meanMinutes: 60}}}] }) \
               { id isWhatIf arrivalsFromLogId replayed patientsTotal } }",
            json!({"p": draft, "l": log}),
        )
        .await["simulate"]
        .clone();
    assert_eq!(started["isWhatIf"], true);
    assert_eq!(started["arrivalsFromLogId"], log);
    assert_eq!(started["replayed"], false);
    assert_eq!(started["patientsTotal"], 40000);
    let run = ended(&app, &started["id"]).await;
    assert_eq!(run["status"], "FINISHED", "{run}");
    let d = &run["result"]["differences"];
    let step = |key: &str| {
        (d["steps"].as_array().unwrap().iter())
            .find(|s| s["key"] == key)
            .cloned()
            .expect("the step")
    };
    // Surgery goes from as many theatres as needed (no queue) to two: a queue appears.
    let surgery = step("surgery");
    assert_eq!(surgery["queueWaitMinutes"]["baseline"], 0.0);
    assert!(surgery["queueWaitMinutes"]["ci95"][0].as_f64().unwrap() >= 0.0);
    // The delay into the ward falls from the fitted mean (about 2.6 hours) to 60 minutes, which
    // every patient passes through once or more: the mean lead time falls.
    assert!(
        d["leadTimeMeanMinutes"]["difference"].as_f64().unwrap() < 0.0,
        "{d}"
    );
    let ward = step("ward_rehab");
    assert!(
        ward["queueWaitMinutes"]["difference"]
            .as_f64()
            .unwrap()
            .abs()
            < 1e-9
    );

    // Bad changes are named; another organisation's log is not found.
    let error = app
        .error(
            "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {changes: [{setDelay: {from: \"fall\", to: \"home\"}}]}) { id } }",
            json!({"p": draft}),
        )
        .await;
    assert_eq!(field(&error), "scenario.changes[0].to", "{error}");
    let (stranger, own) = stranger_with_a_pathway(&app).await;
    let refused = app
        .graphql_as(
            Some(&stranger),
            "mutation($p: ID!, $l: ID!) { simulate(pathwayId: $p, scenario: {arrivalsFromLog: {logId: $l}}) { id } }",
            json!({"p": own, "l": log}),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "NOT_FOUND", "{refused}");
}

#[tokio::test]
async fn a_change_idea_and_a_prediction_take_their_effect_from_a_simulation() {
    let app = crate::helpers::spawn_app_with(true).await;
    let found = app
        .data(
            "{ projects { nodes { id pathwayId measures { nodes { id } } \
               drivers { id kind changes predictedEffect { differenceMinutes } simulatedEffect { simulationId } } } } }",
            json!({}),
        )
        .await;
    let project = found["projects"][0].clone();
    let idea = (project["drivers"].as_array().unwrap().iter())
        .find(|d| d["kind"] == "CHANGE_IDEA" && !d["changes"].is_null())
        .expect("the demo's change idea with a change set")
        .clone();
    assert!(idea["simulatedEffect"].is_null());
    let started = app
        .data(
            "mutation($p: ID!, $i: ID!) { simulate(pathwayId: $p, seed: 4, scenario: {patients: 40000, changeIdeaId: $i}) { id changeIdeaId isWhatIf } }",
            json!({"p": project["pathwayId"], "i": idea["id"]}),
        )
        .await["simulate"]
        .clone();
    assert_eq!(started["changeIdeaId"], idea["id"]);
    assert_eq!(started["isWhatIf"], true);
    let run = ended(&app, &started["id"]).await;
    assert_eq!(run["status"], "FINISHED", "{run}");
    let lead = &run["result"]["differences"]["leadTimeMeanMinutes"];

    // The change idea shows the run as its simulated effect; with no step short of servers,
    // the simulation and the exact analysis answer the same question, and the interval of the
    // simulated difference holds the analysis' difference.
    let effect = app
        .data(
            "query($p: ID!) { node(id: $p) { ... on ImprovementProject { drivers { id predictedEffect { differenceMinutes } \
               simulatedEffect { simulationId seed pathwayVersion differenceMinutes differenceCi95 changedLeadTimeMinutes } } } } }",
            json!({"p": project["id"]}),
        )
        .await["node"]["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == idea["id"])
        .cloned()
        .unwrap();
    let simulated = &effect["simulatedEffect"];
    assert_eq!(simulated["simulationId"], run["id"]);
    assert_eq!(simulated["seed"], 4);
    assert_eq!(simulated["differenceMinutes"], lead["difference"]);
    let exact = effect["predictedEffect"]["differenceMinutes"]
        .as_f64()
        .unwrap();
    let [lo, hi] = [
        simulated["differenceCi95"][0].as_f64().unwrap(),
        simulated["differenceCi95"][1].as_f64().unwrap(),
    ];
    assert!(
        exact < 0.0 && (lo..=hi).contains(&exact),
        "the analysis' {exact} against the simulation's {lo}..{hi}"
    );

    // A PDSA prediction resting on the run keeps its figures.
    let measure = project["measures"][0]["id"].clone();
    let planned = app
        .data(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { predictions { predictedLeadTimeMinutes \
               simulation { simulationId seed leadTimeMeanMinutes leadTimeCi95 differenceMinutes differenceCi95 } } } }",
            json!({"i": {"projectId": project["id"], "changeIdea": "Ring-fenced list", "objective": "Try it",
                "predictions": [{"measureId": measure, "expectedDirection": "DECREASE", "simulationId": run["id"]}]}}),
        )
        .await["planCycle"]["predictions"][0]
        .clone();
    let evidence = &planned["simulation"];
    assert_eq!(evidence["simulationId"], run["id"]);
    assert_eq!(
        evidence["leadTimeMeanMinutes"],
        run["result"]["leadTimeMinutes"]["mean"]
    );
    assert_eq!(
        planned["predictedLeadTimeMinutes"],
        run["result"]["leadTimeMinutes"]["mean"]
    );
    assert_eq!(evidence["differenceMinutes"], lead["difference"]);
    assert_eq!(evidence["differenceCi95"], lead["ci95"]);

    // Another organisation cannot try this change idea.
    let (stranger, own) = stranger_with_a_pathway(&app).await;
    let refused = app
        .graphql_as(
            Some(&stranger),
            "mutation($p: ID!, $i: ID!) { simulate(pathwayId: $p, scenario: {changeIdeaId: $i}) { id } }",
            json!({"p": own, "i": idea["id"]}),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "NOT_FOUND", "{refused}");
}

/// Another organisation's administrator (a system client) and a pathway of its own.
async fn stranger_with_a_pathway(app: &TestApp) -> (String, Value) {
    let stranger = app.token_for("Other ICS", "ZZ1", "ADMIN", true).await;
    let mut document = stroke_document();
    document["owner"] = json!("ZZ1");
    document["organisations"] = json!([]);
    for step in document["steps"].as_array_mut().unwrap() {
        step["organisation"] = json!("ZZ1");
    }
    let own = app
        .graphql_as(
            Some(&stranger),
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({"d": document}),
        )
        .await;
    let own = own["data"]["importPathway"]["id"].clone();
    assert!(own.is_string());
    (stranger, own)
}

#[tokio::test]
async fn arrivals_crowded_into_monday_mornings_lengthen_the_queue_for_the_scanner() {
    let app = spawn_app().await;
    let pathway = app.import(&stroke_document()).await;
    // The same patients a week, all arriving on Mondays from 08:00 to 12:00.
    let mondays: Vec<f64> = (0..168)
        .map(|h| if (8..12).contains(&h) { 1.0 } else { 0.0 })
        .collect();
    let started = app
        .data(
            "mutation($p: ID!, $w: [Float!]!) { simulate(pathwayId: $p, seed: 2, scenario: {patients: 20000, whatIfArrivalsByHour: $w}) { id isWhatIf } }",
            json!({"p": pathway["id"], "w": mondays}),
        )
        .await["simulate"]
        .clone();
    assert_eq!(started["isWhatIf"], true);
    let run = ended(&app, &started["id"]).await;
    assert_eq!(run["status"], "FINISHED", "{run}");
    let d = &run["result"]["differences"];
    let ct = (d["steps"].as_array().unwrap().iter())
        .find(|s| s["key"] == "ct_scan")
        .unwrap();
    // 0.78 patients a day at 20 minutes each: 1% busy when spread out, 23% in the four hours.
    assert!(
        ct["queueWaitMinutes"]["ci95"][0].as_f64().unwrap() > 0.0,
        "{ct}"
    );
    let u = ct["utilisation"]["difference"].as_f64().unwrap();
    assert!(
        u.abs() < 0.005,
        "the scanner does the same work a week: {u}"
    );
    // The same patients a week finish.
    let t = &d["throughputPerDay"]["ci95"];
    assert!(
        t[0].as_f64().unwrap() <= 0.0 && t[1].as_f64().unwrap() >= 0.0,
        "{t}"
    );

    // A profile of the wrong length is named.
    let error = app
        .error(
            "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {whatIfArrivalsByHour: [1, 2, 3]}) { id } }",
            json!({"p": pathway["id"]}),
        )
        .await;
    assert_eq!(field(&error), "scenario.whatIfArrivalsByHour", "{error}");
}
