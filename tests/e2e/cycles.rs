//! A whole PDSA ramp over HTTP: plan, do, study, act-adapt, a second cycle, act-adopt; illegal
//! moves refused with their reasons.

use crate::helpers::{TestApp, code, field, spawn_app};
use serde_json::{Value, json};

fn week(i: i64) -> String {
    (chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Duration::weeks(i)).to_string()
}

async fn setup(app: &TestApp) -> (String, String) {
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let p = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Faster hip surgery", "aim": "Surgery within 36 hours", "owner": "RX1"}}),
        )
        .await["createProject"]
        .clone();
    let m = app
        .data(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": p["id"], "expectedVersion": p["version"], "name": "Hours to theatre",
                          "kind": "OUTCOME", "definition": "Median hours from arrival to surgery, weekly", "direction": "DECREASE"}}),
        )
        .await["addMeasure"]["measure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // 20 weeks around 40 hours, then 8 weeks at 25 once the change is in.
    let points: Vec<Value> = (0..28)
        .map(|i| json!({"date": week(i), "value": if i < 20 { 40.0 + if i % 2 == 0 { 1.0 } else { -1.0 } } else { 25.0 }}))
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }",
        json!({"id": m, "p": points}),
    )
    .await;
    (p["id"].as_str().unwrap().to_string(), m)
}

const ADVANCE: &str = "mutation($id: ID!, $v: Int!, $a: CycleMoveInput!) { advanceCycle(cycleId: $id, expectedVersion: $v, action: $a) {
  cycle { id stage version decision } nextCycle { id stage version previousCycleId questions plan dataCollection predictions { measureId expectedValue } } } }";

async fn step(app: &TestApp, id: &str, version: i64, action: Value) -> Value {
    app.data(ADVANCE, json!({"id": id, "v": version, "a": action}))
        .await["advanceCycle"]
        .clone()
}

#[tokio::test]
async fn a_full_ramp_runs_and_illegal_moves_are_refused() {
    let app = spawn_app().await;
    let (project, measure) = setup(&app).await;
    let plan = "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id stage version } }";

    // A plan without a prediction cannot start.
    let empty = app
        .data(plan, json!({"i": {"projectId": project, "changeIdea": "Shared theatre list", "objective": "Try it"}}))
        .await["planCycle"]
        .clone();
    let err = app
        .error(
            ADVANCE,
            json!({"id": empty["id"], "v": 1, "a": {"start": {"actualStart": week(20)}}}),
        )
        .await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "move"));
    assert_eq!(
        err["message"],
        "move: cannot move to DO: the plan has no prediction"
    );

    let first = app
        .data(
            plan,
            json!({"i": {"projectId": project, "changeIdea": "Shared theatre list", "objective": "Cut the wait for surgery",
                          "plannedStart": week(20), "plannedEnd": week(23),
                          "questions": ["Does a shared list cut the wait?"], "plan": "Trauma coordinator runs one list, weekdays, ward 7",
                          "dataCollection": "Theatre system extract every Monday",
                          "predictions": [{"measureId": measure, "expectedValue": 30}]}}),
        )
        .await["planCycle"]
        .clone();
    let id = first["id"].as_str().unwrap().to_string();
    let err = app
        .error(
            ADVANCE,
            json!({"id": id, "v": 1, "a": {"complete": {"actualEnd": week(23)}}}),
        )
        .await;
    assert_eq!(
        err["message"],
        "move: cannot complete (from DO): the cycle is in PLAN"
    );

    let s = step(&app, &id, 1, json!({"start": {"actualStart": week(20)}})).await;
    assert_eq!(s["cycle"]["stage"], "DO");
    app.data(
        "mutation($id: ID!) { addObservation(cycleId: $id, text: \"Two lists merged on Monday\") { id } }",
        json!({"id": id}),
    )
    .await;
    let err = app
        .error(
            ADVANCE,
            json!({"id": id, "v": 1, "a": {"complete": {"actualEnd": week(23)}}}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT", "a stale version");
    step(&app, &id, 2, json!({"complete": {"actualEnd": week(23)}})).await;

    let studied = app
        .data(
            "query($id: ID!) { cycle(id: $id) { stage observations { nodes { text author } } study { meanBefore meanDuring met verdict reason baselinePoints windowPoints lowerLimit signals { pointType rule } } } }",
            json!({"id": id}),
        )
        .await["cycle"]
        .clone();
    assert_eq!(studied["stage"], "STUDY");
    assert_eq!(
        studied["observations"][0]["text"],
        "Two lists merged on Monday"
    );
    let study = &studied["study"][0];
    assert_eq!(study["meanBefore"], json!(40.0));
    assert_eq!(study["meanDuring"], json!(25.0));
    assert_eq!(study["met"], true);
    // Issue 15: judged on limits fixed from the 20 weeks before DO, over the weeks from DO to
    // the end of STUDY (still in STUDY: to today, so all 8 weeks at 25 count).
    assert_eq!(study["verdict"], "MET", "{study}");
    assert_eq!(
        (&study["baselinePoints"], &study["windowPoints"]),
        (&json!(20), &json!(8))
    );
    assert!(
        study["reason"]
            .as_str()
            .unwrap()
            .starts_with("Prediction met: a fall was predicted; 8 special-cause point(s)"),
        "{study}"
    );
    let signals = study["signals"].as_array().unwrap();
    assert_eq!(
        signals.len(),
        8,
        "the eight weeks since the test started are special causes"
    );
    assert!(
        signals
            .iter()
            .all(|s| s["pointType"] == "SPECIAL_CAUSE_IMPROVEMENT")
    );

    let err = app
        .error(
            ADVANCE,
            json!({"id": id, "v": 3, "a": {"learn": {"learning": "  "}}}),
        )
        .await;
    assert_eq!(
        err["message"],
        "move: cannot move to ACT: write down what was learned first"
    );
    step(
        &app,
        &id,
        3,
        json!({"learn": {"learning": "A shared list cuts the wait"}}),
    )
    .await;
    let adapted = step(
        &app,
        &id,
        4,
        json!({"decide": {"decision": "ADAPT", "rationale": "Add weekend lists"}}),
    )
    .await;
    assert_eq!(adapted["cycle"]["stage"], "CLOSED");
    let next = &adapted["nextCycle"];
    assert_eq!(next["stage"], "PLAN");
    assert_eq!(next["previousCycleId"], json!(id));
    assert_eq!(next["predictions"][0]["measureId"], json!(measure));
    assert_eq!(
        next["questions"],
        json!(["Does a shared list cut the wait?"])
    );
    assert_eq!(
        next["dataCollection"],
        "Theatre system extract every Monday"
    );

    let second = next["id"].as_str().unwrap().to_string();
    step(
        &app,
        &second,
        1,
        json!({"start": {"actualStart": week(24)}}),
    )
    .await;
    step(
        &app,
        &second,
        2,
        json!({"complete": {"actualEnd": week(27)}}),
    )
    .await;
    step(
        &app,
        &second,
        3,
        json!({"learn": {"learning": "Weekends work too"}}),
    )
    .await;
    let adopted = step(
        &app,
        &second,
        4,
        json!({"decide": {"decision": "ADOPT", "rationale": "Sustained"}}),
    )
    .await;
    assert_eq!(adopted["cycle"]["decision"], "ADOPT");
    assert_eq!(adopted["nextCycle"], Value::Null);

    let history = app
        .data(
            "query($id: ID!) { cycle(id: $id) { history { from to by } } }",
            json!({"id": id}),
        )
        .await;
    let moves: Vec<(String, String)> = history["cycle"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap().into(),
                m["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("PLAN", "DO"),
            ("DO", "STUDY"),
            ("STUDY", "ACT"),
            ("ACT", "CLOSED")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let listed = app
        .data(
            "query($id: ID!) { project(id: $id) { cycles { nodes { stage decision } } } }",
            json!({"id": project}),
        )
        .await;
    assert_eq!(listed["project"]["cycles"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_adopted_change_idea_becomes_a_new_pathway_version() {
    let app = spawn_app().await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    let project = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Faster X-ray", "aim": "X-ray within 15 minutes of triage", "owner": "RX1", "pathwayId": pathway["id"]}}),
        )
        .await["createProject"]
        .clone();
    let add = "mutation($i: AddDriverInput!) { addDriver(input: $i) { version drivers { id kind text hotspot { kind stepKeys } predictedEffect { baselineLeadTimeMinutes changedLeadTimeMinutes differenceMinutes } } } }";
    // A change idea cannot hang from the aim itself.
    let err = app
        .error(add, json!({"i": {"projectId": project["id"], "expectedVersion": 1, "kind": "CHANGE_IDEA", "text": "x"}}))
        .await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "parentId"));
    let primary = app
        .data(add, json!({"i": {"projectId": project["id"], "expectedVersion": 1, "kind": "PRIMARY_DRIVER", "text": "Imaging flow"}}))
        .await["addDriver"]
        .clone();
    let primary_id = primary["drivers"][0]["id"].clone();
    let with_idea = app
        .data(
            add,
            json!({"i": {"projectId": project["id"], "expectedVersion": primary["version"], "parentId": primary_id,
                          "kind": "CHANGE_IDEA", "text": "Radiographer in ED",
                          "hotspot": {"kind": "DELAY", "stepKeys": ["triage", "xray"]},
                          "changes": [{"setWaitMinutes": {"from": "triage", "to": "xray", "minutes": 15}}]}}),
        )
        .await["addDriver"]
        .clone();
    let idea = &with_idea["drivers"][1];
    assert_eq!(
        idea["hotspot"],
        json!({"kind": "DELAY", "stepKeys": ["triage", "xray"]})
    );
    // Every patient waits triage -> xray once: 45 minutes become 15, so 30 minutes less.
    assert_eq!(idea["predictedEffect"]["differenceMinutes"], json!(-30.0));

    // A prediction must name a measure of the project (here it names the driver): refused.
    let err = app
        .error(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id } }",
            json!({"i": {"projectId": project["id"], "changeIdea": "Radiographer in ED", "changeIdeaId": idea["id"],
                          "objective": "Test", "predictions": [{"measureId": idea["id"], "expectedValue": 15}]}}),
        )
        .await;
    assert_eq!(field(&err), "predictions[0].measureId");

    let measure = app
        .data(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": with_idea["version"], "name": "Minutes to X-ray",
                          "kind": "PROCESS", "definition": "Triage to X-ray, weekly median", "direction": "DECREASE"}}),
        )
        .await["addMeasure"]["measure"]["id"]
        .clone();
    let cycle = app
        .data(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id changeIdeaId } }",
            json!({"i": {"projectId": project["id"], "changeIdea": "Radiographer in ED", "changeIdeaId": idea["id"],
                          "objective": "Test a radiographer in ED for a month",
                          "predictions": [{"measureId": measure, "expectedValue": 15}]}}),
        )
        .await["planCycle"]
        .clone();
    assert_eq!(cycle["changeIdeaId"], idea["id"]);
    let id = cycle["id"].as_str().unwrap().to_string();
    // The whole ramp: a first cycle adapts, the second (which inherits the change idea) adopts.
    step(&app, &id, 1, json!({"start": {"actualStart": week(0)}})).await;
    step(&app, &id, 2, json!({"complete": {"actualEnd": week(4)}})).await;
    step(
        &app,
        &id,
        3,
        json!({"learn": {"learning": "Waits fell, but only on weekdays"}}),
    )
    .await;
    let adapted = step(
        &app,
        &id,
        4,
        json!({"decide": {"decision": "ADAPT", "rationale": "Cover weekends"}}),
    )
    .await;
    let second = adapted["nextCycle"]["id"].as_str().unwrap().to_string();
    step(&app, &second, 1, json!({"start": {"actualStart": week(5)}})).await;
    step(
        &app,
        &second,
        2,
        json!({"complete": {"actualEnd": week(9)}}),
    )
    .await;
    step(
        &app,
        &second,
        3,
        json!({"learn": {"learning": "Waits fell to 15 minutes every day"}}),
    )
    .await;
    let adopted = app
        .data(
            "mutation($id: ID!, $a: CycleMoveInput!) { advanceCycle(cycleId: $id, expectedVersion: 4, action: $a) { newPathwayVersionId } }",
            json!({"id": second, "a": {"decide": {"decision": "ADOPT", "rationale": "It works"}}}),
        )
        .await;
    let new_version = adopted["advanceCycle"]["newPathwayVersionId"].clone();
    let version = app
        .data(
            "query($id: ID!) { pathway(id: $id) { status parentId transitions { from { key } to { key } waitMinutes } } }",
            json!({"id": new_version}),
        )
        .await;
    let p = &version["pathway"];
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["parentId"], pathway["id"]);
    let wait = p["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["from"]["key"] == "triage" && t["to"]["key"] == "xray")
        .unwrap()["waitMinutes"]
        .clone();
    assert_eq!(wait, json!(15.0));
}

/// A list of projects loads every project's measures and cycles in one batch: each project still
/// gets its own.
#[tokio::test]
async fn a_list_of_projects_shows_each_its_own_measures_and_cycles() {
    let app = spawn_app().await;
    let (first, _) = setup(&app).await;
    let second = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Fewer falls", "aim": "Halve falls by June", "owner": "RX1"}}),
        )
        .await["createProject"]
        .clone();
    app.data(
        "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
        json!({"i": {"projectId": second["id"], "expectedVersion": second["version"], "name": "Falls a month",
                     "kind": "OUTCOME", "definition": "Inpatient falls", "direction": "DECREASE"}}),
    )
    .await;
    app.data(
        "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id } }",
        json!({"i": {"projectId": first, "changeIdea": "Shared theatre list", "objective": "Try it"}}),
    )
    .await;
    let listed = app
        .data(
            "{ projects { nodes { id title measures { nodes { name } } cycles { nodes { objective } } } } }",
            json!({}),
        )
        .await;
    let projects = listed["projects"].as_array().unwrap();
    let of = |title: &str| {
        projects
            .iter()
            .find(|p| p["title"] == title)
            .unwrap()
            .clone()
    };
    assert_eq!(
        of("Faster hip surgery")["measures"],
        json!([{"name": "Hours to theatre"}])
    );
    assert_eq!(
        of("Faster hip surgery")["cycles"],
        json!([{"objective": "Try it"}])
    );
    assert_eq!(
        of("Fewer falls")["measures"],
        json!([{"name": "Falls a month"}])
    );
    assert_eq!(of("Fewer falls")["cycles"], json!([]));
}

/// Issue 13: a change idea with a typo in a step key was accepted and then broke every read of
/// the project. Now it is refused with whatIf's paths when written; and when the pathway moves
/// on under a stored change set, the idea shows it in `problems` and the project still reads.
#[tokio::test]
async fn change_sets_are_checked_when_written_and_a_stale_one_never_breaks_a_read() {
    let app = spawn_app().await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    let project = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Faster X-ray", "aim": "X-ray sooner", "owner": "RX1", "pathwayId": pathway["id"]}}),
        )
        .await["createProject"]
        .clone();
    let add = "mutation($i: AddDriverInput!) { addDriver(input: $i) { version drivers { id kind problems predictedEffect { differenceMinutes } } } }";
    let primary = app
        .data(add, json!({"i": {"projectId": project["id"], "expectedVersion": 1, "kind": "PRIMARY_DRIVER", "text": "Imaging flow"}}))
        .await["addDriver"]
        .clone();
    let idea = |changes: Value, hotspot: Value, version: &Value| {
        json!({"i": {"projectId": project["id"], "expectedVersion": version,
                      "parentId": primary["drivers"][0]["id"], "kind": "CHANGE_IDEA", "text": "Radiographer in ED",
                      "changes": changes, "hotspot": hotspot}})
    };
    let typo = app
        .error(
            add,
            idea(
                json!([{"setWaitMinutes": {"from": "triage", "to": "xrya", "minutes": 15}}]),
                json!({"kind": "DELAY", "stepKeys": ["triage", "xray"]}),
                &primary["version"],
            ),
        )
        .await;
    assert_eq!(code(&typo), "VALIDATION", "{typo}");
    assert!(field(&typo).starts_with("changes[0]"), "{typo}");
    let bad_hotspot = app
        .error(
            add,
            idea(
                Value::Null,
                json!({"kind": "DELAY", "stepKeys": ["triage", "nowhere"]}),
                &primary["version"],
            ),
        )
        .await;
    assert_eq!(field(&bad_hotspot), "hotspot.stepKeys[1]", "{bad_hotspot}");

    let added = app
        .data(
            add,
            idea(
                json!([{"setTouchMinutes": {"step": "xray", "minutes": 5}}]),
                Value::Null,
                &primary["version"],
            ),
        )
        .await["addDriver"]
        .clone();
    assert_eq!(added["drivers"][1]["problems"], json!([]), "{added}");
    assert!(!added["drivers"][1]["predictedEffect"].is_null());

    // The pathway moves on: the step the change set names is removed from the draft.
    let steps = app
        .data(
            "query($id: ID!) { pathway(id: $id) { version steps { id key } } }",
            json!({"id": pathway["id"]}),
        )
        .await;
    let xray = steps["pathway"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "xray")
        .unwrap()["id"]
        .clone();
    app.data(
        "mutation($id: ID!, $v: Int!) { removeStep(id: $id, expectedVersion: $v) { version } }",
        json!({"id": xray, "v": steps["pathway"]["version"]}),
    )
    .await;
    let read = app
        .graphql(
            "query($id: ID!) { project(id: $id) { drivers { kind problems predictedEffect { differenceMinutes } } } }",
            json!({"id": project["id"]}),
        )
        .await;
    assert!(
        read["errors"].is_null(),
        "a stale change set broke the read: {read}"
    );
    let stale = &read["data"]["project"]["drivers"][1];
    assert!(stale["predictedEffect"].is_null(), "{read}");
    let problems = stale["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{read}");
    assert!(
        problems[0].as_str().unwrap().starts_with("changes[0].step"),
        "{read}"
    );
}

/// Issue 13: a cycle planned by mistake sat in every report as "(Plan)". It is abandoned with a
/// reason: kept, with its history, and left out of the report.
#[tokio::test]
async fn a_cycle_planned_by_mistake_is_abandoned_with_a_reason_and_leaves_the_report() {
    let app = spawn_app().await;
    let (project, measure) = setup(&app).await;
    let plan = "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id version } }";
    app.data(plan, json!({"i": {"projectId": project, "changeIdea": "Theatre slot held", "objective": "Hold a slot",
                                   "predictions": [{"measureId": measure, "expectedValue": 30}]}}))
        .await;
    let mistake = app
        .data(plan, json!({"i": {"projectId": project, "changeIdea": "Duplicate by mistake", "objective": "Oops",
                                   "predictions": [{"measureId": measure, "expectedValue": 30}]}}))
        .await["planCycle"]
        .clone();
    let abandon = "mutation($id: ID!, $v: Int!, $r: String!) { abandonCycle(cycleId: $id, expectedVersion: $v, reason: $r) { stage rationale version history { from to } } }";
    let blank = app
        .error(
            abandon,
            json!({"id": mistake["id"], "v": mistake["version"], "r": " "}),
        )
        .await;
    assert_eq!(code(&blank), "VALIDATION", "{blank}");
    let gone = app
        .data(
            abandon,
            json!({"id": mistake["id"], "v": mistake["version"], "r": "planned twice by mistake"}),
        )
        .await["abandonCycle"]
        .clone();
    assert_eq!(gone["stage"], "ABANDONED");
    assert_eq!(gone["rationale"], "planned twice by mistake");
    assert_eq!(
        gone["history"],
        json!([{"from": "PLAN", "to": "ABANDONED"}])
    );
    let again = app
        .error(
            abandon,
            json!({"id": mistake["id"], "v": gone["version"], "r": "again"}),
        )
        .await;
    assert_eq!(code(&again), "VALIDATION", "{again}");

    let report = app
        .data(
            "query($id: ID!) { project(id: $id) { report cycles { nodes { changeIdea stage } } } }",
            json!({"id": project}),
        )
        .await;
    let text = report["project"]["report"].as_str().unwrap();
    assert!(text.contains("Theatre slot held"), "{text}");
    assert!(!text.contains("Duplicate by mistake"), "{text}");
    let stages: Vec<&str> = report["project"]["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["PLAN", "ABANDONED"],
        "the history keeps it: {report}"
    );
}

#[tokio::test]
async fn a_plan_is_edited_only_in_plan_and_adapt_carries_it_forward_one_cycle_later() {
    let app = spawn_app().await;
    let (project, measure) = setup(&app).await;
    let planned = app
        .data(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id version } }",
            json!({"i": {"projectId": project, "changeIdea": "Shared theatre lsit", "objective": "Try it",
                          "predictions": [{"measureId": measure, "expectedValue": 30.0}]}}),
        )
        .await["planCycle"]
        .clone();
    let id = planned["id"].as_str().unwrap();
    let edit = "mutation($id: ID!, $v: Int!, $p: CyclePlanInput!) { updateCyclePlan(cycleId: $id, expectedVersion: $v, plan: $p) { version changeIdea plan plannedStart plannedEnd predictions { measureId expectedValue } } }";
    let plan = json!({"changeIdea": "Shared theatre list", "objective": "Try it on weekdays",
                      "plan": "Ward 7, weekdays, Dr Patel", "questions": ["Do lists start on time?"],
                      "plannedStart": week(20), "plannedEnd": "2025-06-08",
                      "predictions": [{"measureId": measure, "expectedValue": 28.0}]});
    let bad = app
        .error(
            edit,
            json!({"id": id, "v": 1, "p": {"changeIdea": "x", "objective": "y", "predictions": [{"measureId": measure}]}}),
        )
        .await;
    assert_eq!(
        (code(&bad), field(&bad)),
        ("VALIDATION", "predictions[0]"),
        "{bad}"
    );
    let edited =
        app.data(edit, json!({"id": id, "v": 1, "p": plan})).await["updateCyclePlan"].clone();
    assert_eq!(edited["changeIdea"], "Shared theatre list");
    assert_eq!(edited["predictions"][0]["expectedValue"], 28.0);
    assert_eq!(edited["version"], 2);
    let stale = app.error(edit, json!({"id": id, "v": 1, "p": plan})).await;
    assert_eq!(code(&stale), "CONFLICT");
    let entry = app
        .audit_export()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .rfind(|e| e["operation"] == "updateCyclePlan" && e["outcome"] == "OK")
        .unwrap();
    assert!(
        entry["changes"]
            .as_array()
            .unwrap()
            .contains(&json!({"object": id, "field": "changeIdea", "before": "Shared theatre lsit", "after": "Shared theatre list"})),
        "{entry}"
    );

    // Once started, the plan is the record: refused. Observations are corrected and retracted.
    step(&app, id, 2, json!({"start": {"actualStart": week(20)}})).await;
    let late = app.error(edit, json!({"id": id, "v": 3, "p": plan})).await;
    assert_eq!(
        (code(&late), field(&late)),
        ("VALIDATION", "cycleId"),
        "{late}"
    );
    let observe =
        "mutation($id: ID!, $t: String!) { addObservation(cycleId: $id, text: $t) { id } }";
    for text in [
        "Lists started 20 mintues late",
        "Observed on the wrong ward",
    ] {
        app.data(observe, json!({"id": id, "t": text})).await;
    }
    let read = "query($id: ID!) { cycle(id: $id) { observations { nodes { id text correctedAt } } all: observations(includeWithdrawn: true) { nodes { text withdrawal { reason by } } } } }";
    let seen = app.data(read, json!({"id": id})).await["cycle"].clone();
    let first = seen["observations"][0]["id"].as_str().unwrap().to_string();
    let second = seen["observations"][1]["id"].as_str().unwrap().to_string();
    app.data(
        "mutation($id: ID!, $t: String!) { correctObservation(observationId: $id, text: $t) { text } }",
        json!({"id": first, "t": "Lists started 20 minutes late"}),
    )
    .await;
    app.data(
        "mutation($id: ID!, $r: String!) { retractObservation(observationId: $id, reason: $r) { withdrawal { reason } } }",
        json!({"id": second, "r": "recorded against the wrong cycle"}),
    )
    .await;
    let seen = app.data(read, json!({"id": id})).await["cycle"].clone();
    assert_eq!(seen["observations"].as_array().unwrap().len(), 1);
    assert_eq!(
        seen["observations"][0]["text"],
        "Lists started 20 minutes late"
    );
    assert!(!seen["observations"][0]["correctedAt"].is_null());
    assert_eq!(
        seen["all"][1]["withdrawal"],
        json!({"reason": "recorded against the wrong cycle", "by": "test administrator"})
    );

    // ADAPT: the next cycle starts from this plan, planned one cycle length later.
    step(&app, id, 3, json!({"complete": {"actualEnd": week(24)}})).await;
    step(&app, id, 4, json!({"learn": {"learning": "Weekdays work"}})).await;
    let adapted = step(
        &app,
        id,
        5,
        json!({"decide": {"decision": "ADAPT", "rationale": "Try weekends"}}),
    )
    .await;
    let next = adapted["nextCycle"]["id"].as_str().unwrap();
    let next = app
        .data(
            "query($id: ID!) { cycle(id: $id) { stage plan questions plannedStart plannedEnd } }",
            json!({"id": next}),
        )
        .await["cycle"]
        .clone();
    // Planned 2025-05-26 to 2025-06-08 (14 days), so the next: 2025-06-09 to 2025-06-22.
    assert_eq!(week(20), "2025-05-26");
    assert_eq!(
        next,
        json!({"stage": "PLAN", "plan": "Ward 7, weekdays, Dr Patel", "questions": ["Do lists start on time?"],
               "plannedStart": "2025-06-09", "plannedEnd": "2025-06-22"})
    );
}

/// Issue 21: a plan shows, for a predicted value, how long the change takes to show on the
/// measure's chart and warns when the planned dates hold fewer points; a predicted direction
/// names no size and has none.
#[tokio::test]
async fn a_plan_warns_when_the_cycle_is_shorter_than_its_change_needs_to_show() {
    let app = spawn_app().await;
    let (project, measure) = setup(&app).await;
    let planned = app
        .data(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { predictions { measureId timeToSignal {
                pointsInCycle tooShort warning timeToSignal { baselineMean change expectedPoints p90Points } } } } }",
            json!({"i": {"projectId": project, "changeIdea": "Shared theatre list", "objective": "Cut the wait",
                          "plannedStart": week(28), "plannedEnd": week(31),
                          "predictions": [{"measureId": measure, "expectedValue": 35}]}}),
        )
        .await["planCycle"]["predictions"][0]["timeToSignal"]
        .clone();
    // Weeks 28 to 31: four weekly points.
    assert_eq!(planned["pointsInCycle"], json!(4));
    let time = &planned["timeToSignal"];
    let change = time["change"].as_f64().unwrap();
    assert!((change - (35.0 - time["baselineMean"].as_f64().unwrap())).abs() < 1e-9);
    // The same figure as the measure's own time to signal for that change.
    let own = app
        .data(
            "query($id: ID!, $c: Float!) { measure(id: $id) { timeToSignal(change: $c) { expectedPoints p90Points } } }",
            json!({"id": measure, "c": change}),
        )
        .await["measure"]["timeToSignal"]
        .clone();
    assert_eq!(own["expectedPoints"], time["expectedPoints"]);
    let needed = time["expectedPoints"].as_f64().unwrap();
    assert_eq!(planned["tooShort"], json!(needed > 4.0), "{planned}");
    if needed > 4.0 {
        assert!(
            planned["warning"]
                .as_str()
                .unwrap()
                .contains("hold 4 points"),
            "{planned}"
        );
    }
    // A direction names no size.
    let by_direction = app
        .data(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { predictions { timeToSignal { tooShort } } } }",
            json!({"i": {"projectId": project, "changeIdea": "Another list", "objective": "Try it",
                          "predictions": [{"measureId": measure, "expectedDirection": "DECREASE"}]}}),
        )
        .await;
    assert_eq!(
        by_direction["planCycle"]["predictions"][0]["timeToSignal"],
        json!(null)
    );
}
