//! Every record a user makes can be put right: organisations, projects and their teams,
//! measures and their points, driver diagrams. Each correction is audited with its before and
//! after values, and withdrawn records leave charts, summaries and reports but stay in history.

use crate::helpers::{TestApp, code, example_document, field, spawn_app};
use serde_json::{Value, json};

/// The entries of one operation that was done (outcome OK), from `qiflow audit export`.
fn audited(app: &TestApp, operation: &str) -> Vec<Value> {
    app.audit_export()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["operation"] == operation && e["outcome"] == "OK")
        .collect()
}

/// The one change of `field` in the last entry of `operation`.
fn change_of(app: &TestApp, operation: &str, field: &str) -> Value {
    let entries = audited(app, operation);
    let last = entries
        .last()
        .unwrap_or_else(|| panic!("no audit entry for {operation}"));
    last["changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no changes in {last}"))
        .iter()
        .find(|c| c["field"] == field)
        .unwrap_or_else(|| panic!("no change of {field} in {last}"))
        .clone()
}

#[tokio::test]
async fn an_organisation_is_renamed_and_its_pathways_show_the_new_name_under_a_new_version() {
    let app = spawn_app().await;
    let pathway = app.import(&example_document()).await;
    let id = pathway["id"].as_str().unwrap();
    let read = "query($id: ID!) { pathway(id: $id) { version owner { name } steps { organisation { odsCode name } } } }";
    let before = app.data(read, json!({"id": id})).await;
    assert_eq!(
        before["pathway"]["owner"]["name"],
        "Northwick Park Hospital"
    );
    let org = app.organisation_id("RX1").await;
    let version = app
        .data(
            "query($id: ID!) { organisation(id: $id) { version } }",
            json!({"id": org}),
        )
        .await["organisation"]["version"]
        .as_i64()
        .unwrap();
    let update = "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { odsCode name version } }";
    let taken = app
        .error(
            update,
            json!({"i": {"id": org, "expectedVersion": version, "odsCode": "RRU"}}),
        )
        .await;
    assert_eq!(code(&taken), "CONFLICT", "{taken}");
    let bad = app
        .error(
            update,
            json!({"i": {"id": org, "expectedVersion": version, "odsCode": "r x"}}),
        )
        .await;
    assert_eq!(
        (code(&bad), field(&bad)),
        ("VALIDATION", "odsCode"),
        "{bad}"
    );
    let renamed = app
        .data(
            update,
            json!({"i": {"id": org, "expectedVersion": version, "name": "Northwick Park Hospital (LNWH)", "odsCode": "RX2"}}),
        )
        .await;
    assert_eq!(
        renamed["updateOrganisation"],
        json!({"odsCode": "RX2", "name": "Northwick Park Hospital (LNWH)", "version": version + 1})
    );
    let stale = app
        .error(
            update,
            json!({"i": {"id": org, "expectedVersion": version, "name": "Again"}}),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT", "{stale}");
    let after = app.data(read, json!({"id": id})).await;
    assert_eq!(
        after["pathway"]["owner"]["name"],
        "Northwick Park Hospital (LNWH)"
    );
    assert_eq!(
        after["pathway"]["version"].as_i64().unwrap(),
        before["pathway"]["version"].as_i64().unwrap() + 1,
        "the pathway's content changed, so its version moves on"
    );
    assert!(
        after["pathway"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["organisation"]["odsCode"] == "RX2")
    );
    let name = change_of(&app, "updateOrganisation", "name");
    assert_eq!(
        (&name["before"], &name["after"]),
        (
            &json!("Northwick Park Hospital"),
            &json!("Northwick Park Hospital (LNWH)")
        )
    );
    assert_eq!(
        change_of(&app, "updateOrganisation", "ods_code")["before"],
        "RX1"
    );
}

async fn project(app: &TestApp) -> (String, i64) {
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let data = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Faster hip surgery", "aim": "Surgery within 36 hours for 90% by March",
                          "owner": "RX1", "members": [{"name": "Dr A Patel", "role": "LEAD"}]}}),
        )
        .await;
    (
        data["createProject"]["id"].as_str().unwrap().to_string(),
        data["createProject"]["version"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_project_is_closed_with_a_reason_reopened_and_its_team_changed() {
    let app = spawn_app().await;
    let (id, version) = project(&app).await;
    let refused = app
        .error(
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { status } }",
            json!({"i": {"id": id, "expectedVersion": version, "status": "CLOSED"}}),
        )
        .await;
    assert_eq!((code(&refused), field(&refused)), ("VALIDATION", "status"));
    let close = "mutation($id: ID!, $v: Int!, $r: String!) { closeProject(projectId: $id, expectedVersion: $v, reason: $r) { status version closure { by reason at } } }";
    let empty = app
        .error(close, json!({"id": id, "v": version, "r": "  "}))
        .await;
    assert_eq!((code(&empty), field(&empty)), ("VALIDATION", "reason"));
    let closed = app
        .data(
            close,
            json!({"id": id, "v": version, "r": "aim met and sustained for 6 months"}),
        )
        .await["closeProject"]
        .clone();
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(
        closed["closure"]["reason"],
        "aim met and sustained for 6 months"
    );
    assert_eq!(closed["closure"]["by"], "test administrator");
    let version = closed["version"].as_i64().unwrap();
    let again = app
        .error(close, json!({"id": id, "v": version, "r": "x"}))
        .await;
    assert_eq!(code(&again), "VALIDATION", "{again}");
    assert_eq!(
        change_of(&app, "closeProject", "status"),
        json!({"object": id, "field": "status", "before": "ACTIVE", "after": "CLOSED"})
    );
    let reopened = app
        .data(
            "mutation($id: ID!, $v: Int!) { reopenProject(projectId: $id, expectedVersion: $v) { status version closure { reason } } }",
            json!({"id": id, "v": version}),
        )
        .await["reopenProject"]
        .clone();
    assert_eq!(reopened["status"], "ACTIVE");
    assert!(reopened["closure"].is_null());
    let team = "mutation($id: ID!, $v: Int!, $m: [MemberInput!]!) { setProjectTeam(projectId: $id, expectedVersion: $v, members: $m) { version members { name role } } }";
    let version = reopened["version"].as_i64().unwrap();
    let unnamed = app
        .error(
            team,
            json!({"id": id, "v": version, "m": [{"name": "J Smith", "role": "MANAGER"}, {"name": "", "role": "SPONSOR"}]}),
        )
        .await;
    assert_eq!(
        (code(&unnamed), field(&unnamed)),
        ("VALIDATION", "members[1].name")
    );
    let changed = app
        .data(
            team,
            json!({"id": id, "v": version, "m": [{"name": "Dr A Patel", "role": "CLINICIAN"}, {"name": "J Smith", "role": "MANAGER"}]}),
        )
        .await;
    assert_eq!(
        changed["setProjectTeam"]["members"],
        json!([{"name": "Dr A Patel", "role": "CLINICIAN"}, {"name": "J Smith", "role": "MANAGER"}])
    );
    let members = change_of(&app, "setProjectTeam", "members");
    assert_eq!(members["before"], json!(["Dr A Patel (LEAD)"]));
    assert_eq!(
        members["after"],
        json!(["Dr A Patel (CLINICIAN)", "J Smith (MANAGER)"])
    );
}

async fn measure(app: &TestApp, project: &str, version: i64, name: &str) -> String {
    app.data(
        "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
        json!({"i": {"projectId": project, "expectedVersion": version, "name": name, "kind": "OUTCOME",
                      "definition": "Patients a month waiting over 36 hours", "direction": "DECREASE"}}),
    )
    .await["addMeasure"]["measure"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_measure_is_withdrawn_and_a_point_moved_to_its_right_date_with_before_and_after() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let kept = measure(&app, &project_id, version, "Waits over 36 hours").await;
    let dropped = measure(&app, &project_id, version + 1, "Duplicate of waits").await;
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted replaced } }";
    for id in [&kept, &dropped] {
        app.data(
            record,
            json!({"id": id, "p": [{"date": "2025-01-01", "value": 4}, {"date": "2025-02-01", "value": 6}, {"date": "2035-03-01", "value": 5}]}),
        )
        .await;
    }
    // A value corrected: the audit keeps both.
    app.data(
        record,
        json!({"id": kept, "p": [{"date": "2025-02-01", "value": 7}]}),
    )
    .await;
    let corrected = change_of(&app, "recordDataPoints", "points[2025-02-01]");
    assert_eq!(
        (&corrected["before"]["value"], &corrected["after"]["value"]),
        (&json!(6.0), &json!(7.0))
    );
    // A date moved: 2035 was typed for 2025.
    let moving = "mutation($id: ID!, $d: String!, $to: String!, $r: String!) { moveDataPoint(measureId: $id, date: $d, to: $to, reason: $r) { points(first: 100) { nodes { date value } } history: points(includeWithdrawn: true, first: 100) { nodes { date withdrawalReason } } } }";
    let clash = app
        .error(
            moving,
            json!({"id": kept, "d": "2035-03-01", "to": "2025-02-01", "r": "typed 2035"}),
        )
        .await;
    assert_eq!(
        (code(&clash), field(&clash)),
        ("VALIDATION", "to"),
        "{clash}"
    );
    let nothing = app
        .error(
            moving,
            json!({"id": kept, "d": "2035-04-01", "to": "2025-04-01", "r": "typed 2035"}),
        )
        .await;
    assert_eq!((code(&nothing), field(&nothing)), ("VALIDATION", "date"));
    let moved = app
        .data(
            moving,
            json!({"id": kept, "d": "2035-03-01", "to": "2025-03-01", "r": "typed 2035 for 2025"}),
        )
        .await["moveDataPoint"]
        .clone();
    assert_eq!(
        moved["points"],
        json!([{"date": "2025-01-01", "value": 4.0}, {"date": "2025-02-01", "value": 7.0}, {"date": "2025-03-01", "value": 5.0}])
    );
    assert!(
        moved["history"]
            .as_array()
            .unwrap()
            .contains(&json!({"date": "2035-03-01", "withdrawalReason": "typed 2035 for 2025"}))
    );
    let change = change_of(&app, "moveDataPoint", "points[2035-03-01]");
    assert_eq!(
        (&change["before"]["date"], &change["after"]["date"]),
        (&json!("2035-03-01"), &json!("2025-03-01"))
    );

    // The duplicate measure is withdrawn: it leaves the summary and the report.
    let version = app
        .data(
            "query($id: ID!) { project(id: $id) { version } }",
            json!({"id": project_id}),
        )
        .await["project"]["version"]
        .as_i64()
        .unwrap();
    let withdraw = "mutation($id: ID!, $v: Int!, $r: String!) { withdrawMeasure(measureId: $id, expectedVersion: $v, reason: $r) { withdrawal { by reason } } }";
    let done = app
        .data(
            withdraw,
            json!({"id": dropped, "v": version, "r": "a duplicate of the waits measure"}),
        )
        .await;
    assert_eq!(
        done["withdrawMeasure"]["withdrawal"],
        json!({"by": "test administrator", "reason": "a duplicate of the waits measure"})
    );
    let read = "query($id: ID!) { project(id: $id) { measures { nodes { name } } all: measures(includeWithdrawn: true) { nodes { name withdrawal { reason } } } summary { name } report } }";
    let seen = app.data(read, json!({"id": project_id})).await["project"].clone();
    assert_eq!(seen["measures"], json!([{"name": "Waits over 36 hours"}]));
    assert_eq!(seen["summary"], json!([{"name": "Waits over 36 hours"}]));
    assert_eq!(seen["all"].as_array().unwrap().len(), 2);
    assert!(
        !seen["report"]
            .as_str()
            .unwrap()
            .contains("Duplicate of waits")
    );
    let late = app
        .error(
            record,
            json!({"id": dropped, "p": [{"date": "2025-04-01", "value": 1}]}),
        )
        .await;
    assert_eq!(
        (code(&late), field(&late)),
        ("VALIDATION", "measureId"),
        "{late}"
    );
}

/// A project with a diagram of two primary drivers, the first with a secondary driver and a
/// change idea under it: the nodes' ids in that order, and the project's version.
async fn four_drivers(app: &TestApp) -> (Vec<String>, i64) {
    let (project_id, mut version) = project(app).await;
    let add =
        "mutation($i: AddDriverInput!) { addDriver(input: $i) { version drivers { id text } } }";
    let mut ids = Vec::new();
    for (parent, kind, text) in [
        (None, "PRIMARY_DRIVER", "Timely imaging"),
        (Some(0), "SECONDARY_DRIVER", "X-ray on arrival"),
        (Some(1), "CHANGE_IDEA", "Nurse-requested X-ray"),
        (None, "PRIMARY_DRIVER", "Theatre access"),
    ] {
        let parent: Option<&String> = parent.map(|i: usize| &ids[i]);
        let data = app
            .data(
                add,
                json!({"i": {"projectId": project_id, "expectedVersion": version, "parentId": parent, "kind": kind, "text": text}}),
            )
            .await;
        version = data["addDriver"]["version"].as_i64().unwrap();
        let drivers = data["addDriver"]["drivers"].as_array().unwrap();
        ids.push(drivers.last().unwrap()["id"].as_str().unwrap().to_string());
    }
    (ids, version)
}

#[tokio::test]
async fn a_driver_is_removed_with_its_branch_or_refused_naming_what_is_under_it() {
    let app = spawn_app().await;
    let (ids, version) = four_drivers(&app).await;
    let remove = "mutation($id: ID!, $v: Int!, $all: Boolean) { removeDriver(id: $id, expectedVersion: $v, withChildren: $all) { version drivers { text } } }";
    let refused = app
        .error(remove, json!({"id": ids[0], "v": version, "all": false}))
        .await;
    assert_eq!(code(&refused), "VALIDATION");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("'X-ray on arrival'") && message.contains("'Nurse-requested X-ray'"),
        "{message}"
    );
    let removed = app
        .data(remove, json!({"id": ids[0], "v": version, "all": true}))
        .await;
    assert_eq!(
        removed["removeDriver"]["drivers"],
        json!([{"text": "Theatre access"}])
    );
    let gone = audited(&app, "removeDriver");
    let changes = gone.last().unwrap()["changes"].as_array().unwrap().clone();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes.iter().all(|c| c["after"].is_null()));
}

#[tokio::test]
async fn a_driver_moves_with_its_branch_where_the_diagram_allows_and_never_under_its_own() {
    let app = spawn_app().await;
    let (ids, version) = four_drivers(&app).await;
    let update = "mutation($i: UpdateDriverInput!) { updateDriver(input: $i) { version drivers { id parentId text } } }";
    // A secondary driver cannot go under a change idea, nor under itself; a primary driver
    // cannot go under another node.
    for (id, parent) in [(1, 2), (1, 1), (3, 0)] {
        let refused = app
            .error(
                update,
                json!({"i": {"id": ids[id], "expectedVersion": version, "parentId": ids[parent]}}),
            )
            .await;
        assert_eq!(code(&refused), "VALIDATION", "{refused}");
    }
    // The secondary driver and its change idea move under "Theatre access".
    let moved = app
        .data(
            update,
            json!({"i": {"id": ids[1], "expectedVersion": version, "parentId": ids[3]}}),
        )
        .await;
    let parent_of = |text: &str| {
        moved["updateDriver"]["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["text"] == text)
            .unwrap()["parentId"]
            .clone()
    };
    assert_eq!(parent_of("X-ray on arrival"), json!(ids[3]));
    assert_eq!(parent_of("Nurse-requested X-ray"), json!(ids[1]));
    // The audit trail keeps where it was.
    let moves = audited(&app, "updateDriver");
    let change = moves.last().unwrap()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "parentId")
        .unwrap()
        .clone();
    assert_eq!(
        (&change["before"], &change["after"]),
        (&json!(ids[0]), &json!(ids[3]))
    );
}

#[tokio::test]
async fn an_event_log_is_archived_and_takes_no_more_events_and_only_an_empty_one_is_deleted() {
    let app = spawn_app().await;
    let full = app.event_log("ED extract 2025").await;
    let empty = app.event_log("Made by mistake").await;
    let append = "mutation($id: ID!, $k: String!) { appendEvents(logId: $id, batchKey: $k, events: [{caseId: \"c1\", activity: \"Triage\", timestamp: \"2025-01-06T10:00:00Z\"}]) { import { id } } }";
    app.data(append, json!({"id": full, "k": "first"})).await;
    let delete = "mutation($id: ID!) { deleteEventLog(logId: $id) }";
    let refused = app.error(delete, json!({"id": full})).await;
    assert_eq!((code(&refused), field(&refused)), ("VALIDATION", "logId"));
    assert!(
        refused["message"].as_str().unwrap().contains("1 events"),
        "{refused}"
    );
    let archive = "mutation($id: ID!, $r: String!) { archiveEventLog(logId: $id, reason: $r) { archive { by reason } } }";
    let archived = app
        .data(
            archive,
            json!({"id": full, "r": "superseded by the 2026 extract"}),
        )
        .await;
    assert_eq!(
        archived["archiveEventLog"]["archive"]["reason"],
        "superseded by the 2026 extract"
    );
    let late = app.error(append, json!({"id": full, "k": "second"})).await;
    assert_eq!(
        (code(&late), field(&late)),
        ("VALIDATION", "logId"),
        "{late}"
    );
    let (status, body) = app
        .upload(
            &full,
            "format=csv",
            b"case_id,activity,timestamp\nc2,Triage,2025-01-07T10:00:00Z\n".to_vec(),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let lists = app
        .data(
            "{ current: eventLogs { nodes { name } } all: eventLogs(includeArchived: true) { nodes { name eventCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(lists["current"], json!([{"name": "Made by mistake"}]));
    assert!(
        lists["all"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "ED extract 2025", "eventCount": 1}))
    );
    assert_eq!(
        app.data(delete, json!({"id": empty})).await["deleteEventLog"],
        true
    );
    let gone = app
        .error(
            "query($id: ID!) { eventLog(id: $id) { id } }",
            json!({"id": empty}),
        )
        .await;
    assert_eq!(code(&gone), "NOT_FOUND");
}

#[tokio::test]
async fn a_draft_made_by_mistake_is_deleted_and_a_published_pathway_never_is() {
    let app = spawn_app().await;
    let draft = app.import(&example_document()).await;
    let mut second = example_document();
    second["name"] = json!("Hip fracture (second draft)");
    let other = app.import(&second).await;
    let delete = "mutation($id: ID!, $v: Int!) { deletePathway(id: $id, expectedVersion: $v) }";
    let publish =
        "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { version } }";
    let published = app
        .data(publish, json!({"id": other["id"], "v": other["version"]}))
        .await;
    let refused = app
        .error(
            delete,
            json!({"id": other["id"], "v": published["publishPathway"]["version"]}),
        )
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    let stale = app
        .error(
            delete,
            json!({"id": draft["id"], "v": draft["version"].as_i64().unwrap() + 5}),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT");
    assert_eq!(
        app.data(delete, json!({"id": draft["id"], "v": draft["version"]}))
            .await["deletePathway"],
        true
    );
    let count = app.data("{ pathways { totalCount } }", json!({})).await;
    assert_eq!(count["pathways"]["totalCount"], 1);
    let name = change_of(&app, "deletePathway", "name");
    assert_eq!(name["before"], "Hip fracture");
}

#[tokio::test]
async fn what_if_refuses_work_moved_to_an_unknown_organisation_and_touch_time_on_start() {
    let app = spawn_app().await;
    let pathway = app.import(&example_document()).await;
    let q = "query($id: ID!, $c: [ChangeInput!]!) { whatIf(pathwayId: $id, changes: $c) { differences { expectedLeadTimeMinutes } } }";
    let unknown = app
        .error(
            q,
            json!({"id": pathway["id"], "c": [{"moveStep": {"step": "xray", "organisation": "RRU"}}, {"moveStep": {"step": "triage", "organisation": "Y0000"}}]}),
        )
        .await;
    assert_eq!(
        (code(&unknown), field(&unknown)),
        ("VALIDATION", "changes[1].organisation"),
        "{unknown}"
    );
    let start = app
        .error(
            q,
            json!({"id": pathway["id"], "c": [{"setTouchMinutes": {"step": "arrive", "minutes": 5}}]}),
        )
        .await;
    assert_eq!(
        (code(&start), field(&start)),
        ("VALIDATION", "changes[0].step"),
        "{start}"
    );
    let known = app
        .data(
            q,
            json!({"id": pathway["id"], "c": [{"moveStep": {"step": "xray", "organisation": "RRU"}}]}),
        )
        .await;
    assert!(known["whatIf"]["differences"].is_object(), "{known}");
    // Issue 14: an organisation is named by its ODS code or its id, here as everywhere.
    let rru = app.organisation_id("RRU").await;
    let by_id = app
        .data(
            q,
            json!({"id": pathway["id"], "c": [{"moveStep": {"step": "xray", "organisation": rru}}]}),
        )
        .await;
    assert_eq!(by_id, known);
}

#[tokio::test]
async fn chart_rules_and_baselines_outside_their_range_are_named() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "Waits over 36 hours").await;
    let points: Vec<Value> = (1..=20)
        .map(|d| json!({"date": format!("2025-01-{d:02}"), "value": d % 4}))
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }",
        json!({"id": id, "p": points}),
    )
    .await;
    let chart = "query($id: ID!, $o: SpcOptionsInput) { measure(id: $id) { spc(options: $o) { variation } } }";
    for (options, named) in [
        (json!({"trendLength": 4}), "trendLength"),
        (json!({"shiftLength": 13}), "shiftLength"),
        (json!({"fixAfterNPoints": 6}), "fixAfterNPoints"),
    ] {
        let error = app.error(chart, json!({"id": id, "o": options})).await;
        assert_eq!(
            (code(&error), field(&error)),
            ("VALIDATION", named),
            "{error}"
        );
    }
    let fine = app
        .data(
            chart,
            json!({"id": id, "o": {"trendLength": 5, "shiftLength": 12, "fixAfterNPoints": 12}}),
        )
        .await;
    assert!(fine["measure"]["spc"]["variation"].is_string(), "{fine}");
}

#[tokio::test]
async fn versions_are_listed_labelled_and_compared_field_by_field() {
    let app = spawn_app().await;
    let first = app.import(&example_document()).await;
    let publish = "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { revision versionLabel } }";
    let published = app
        .data(publish, json!({"id": first["id"], "v": first["version"]}))
        .await;
    assert_eq!(published["publishPathway"]["versionLabel"], 1);
    let second = app
        .data(
            "mutation($id: ID!) { clonePathway(id: $id) { id revision versionLabel steps { id key } } }",
            json!({"id": first["id"]}),
        )
        .await["clonePathway"]
        .clone();
    assert!(second["versionLabel"].is_null(), "a draft has no label");
    let xray = second["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "xray")
        .unwrap()["id"]
        .clone();
    let edited = app
        .data(
            "mutation($i: UpdateStepInput!) { updateStep(input: $i) { pathway { revision } } }",
            json!({"i": {"id": xray, "expectedVersion": second["revision"], "touchMinutes": 10}}),
        )
        .await;
    let revision = edited["updateStep"]["pathway"]["revision"]
        .as_i64()
        .unwrap();
    assert_eq!(revision, second["revision"].as_i64().unwrap() + 1);
    let touch = change_of(&app, "updateStep", "steps[xray].touchMinutes");
    assert_eq!(
        (&touch["before"], &touch["after"]),
        (&json!(15.0), &json!(10.0))
    );
    let published = app
        .data(publish, json!({"id": second["id"], "v": revision}))
        .await;
    assert_eq!(published["publishPathway"]["versionLabel"], 2);

    let read = "query($id: ID!, $with: ID!) { pathway(id: $id) {
        versions { nodes { id versionLabel } }
        compare(with: $with) {
          stepsAdded stepsRemoved transitionsAdded { from to } transitionsRemoved { from to }
          stepsChanged { key changes { field before after } } transitionsChanged { from to }
          before { expectedLeadTimeMinutes } after { expectedLeadTimeMinutes }
          differences { expectedLeadTimeMinutes hotspots { change minutesBefore minutesAfter } } } } }";
    let seen = app
        .data(read, json!({"id": first["id"], "with": second["id"]}))
        .await["pathway"]
        .clone();
    assert_eq!(
        seen["versions"],
        json!([{"id": first["id"], "versionLabel": 1}, {"id": second["id"], "versionLabel": 2}])
    );
    let c = &seen["compare"];
    assert_eq!(
        c["stepsChanged"],
        json!([{"key": "xray", "changes": [{"field": "touchMinutes", "before": 15.0, "after": 10.0}]}])
    );
    for list in [
        "stepsAdded",
        "stepsRemoved",
        "transitionsAdded",
        "transitionsRemoved",
        "transitionsChanged",
    ] {
        assert_eq!(c[list], json!([]), "{list}");
    }
    // X-ray is visited 1/0.9 times (a 10% repeat): 5/0.9 minutes less per patient.
    let difference = c["differences"]["expectedLeadTimeMinutes"]
        .as_f64()
        .unwrap();
    assert!((difference + 5.0 / 0.9).abs() < 1e-9, "{difference}");
    let (before, after) = (
        c["before"]["expectedLeadTimeMinutes"].as_f64().unwrap(),
        c["after"]["expectedLeadTimeMinutes"].as_f64().unwrap(),
    );
    assert!((after - before - difference).abs() < 1e-9);
    let hotspots = c["differences"]["hotspots"].as_array().unwrap();
    assert!(hotspots.iter().any(|h| h["change"] == "UNCHANGED"));
    assert!(hotspots.iter().all(|h| h["change"] != "APPEARED"));
}

#[tokio::test]
async fn the_same_document_sent_again_under_its_external_id_never_makes_a_second_pathway() {
    let app = spawn_app().await;
    let mut document = example_document();
    document["externalId"] = json!("EPR-PATHWAY-42");
    let first = app.import(&document).await;
    let again = app.import(&document).await;
    assert_eq!(
        (&again["id"], &again["version"]),
        (&first["id"], &first["version"]),
        "the same document is answered, unchanged"
    );
    assert_eq!(again["document"]["externalId"], "EPR-PATHWAY-42");
    // A changed document updates the draft in place.
    document["transitions"][3]["waitMinutes"] = json!(720);
    let updated = app.import(&document).await;
    assert_eq!(updated["id"], first["id"]);
    assert_eq!(
        updated["version"].as_i64().unwrap(),
        first["version"].as_i64().unwrap() + 1
    );
    assert_eq!(updated["document"]["transitions"][3]["waitMinutes"], 720.0);
    // Once published, a changed document becomes its next draft version, which takes the id.
    app.data(
        "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { id } }",
        json!({"id": first["id"], "v": updated["version"]}),
    )
    .await;
    document["transitions"][3]["waitMinutes"] = json!(600);
    let next = app.import(&document).await;
    assert_ne!(next["id"], first["id"]);
    let read = "query($id: ID!) { pathway(id: $id) { parentId status document } }";
    let seen = app.data(read, json!({"id": next["id"]})).await["pathway"].clone();
    assert_eq!(seen["parentId"], first["id"]);
    assert_eq!(seen["status"], "DRAFT");
    let old = app.data(read, json!({"id": first["id"]})).await["pathway"].clone();
    assert!(old["document"]["externalId"].is_null());
    assert_eq!(app.import(&document).await["id"], next["id"]);
    let count = app.data("{ pathways { totalCount } }", json!({})).await;
    assert_eq!(count["pathways"]["totalCount"], 2);
    // An identifier that is empty or holds an NHS number is named.
    document["externalId"] = json!("9434765919");
    let refused = app
        .error(
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({"d": document}),
        )
        .await;
    assert_eq!(
        (code(&refused), field(&refused)),
        ("VALIDATION", "externalId")
    );
}

#[tokio::test]
async fn withdrawals_keep_their_before_and_after_in_the_audit_trail() {
    let app = spawn_app().await;
    let log = app.event_log("ED extract").await;
    let import = app
        .data(
            "mutation($id: ID!) { appendEvents(logId: $id, batchKey: \"k\", events: [{caseId: \"c1\", activity: \"Triage\", timestamp: \"2025-01-06T10:00:00Z\"}, {caseId: \"c1\", activity: \"X-ray\", timestamp: \"2025-01-06T11:00:00Z\"}]) { import { id } } }",
            json!({"id": log}),
        )
        .await["appendEvents"]["import"]["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { retractImport(importId: $id, reason: \"sent twice\") { id } }",
        json!({"id": import}),
    )
    .await;
    let events = change_of(&app, "retractImport", "events");
    assert_eq!(
        (&events["before"], &events["after"]),
        (&json!(2), &json!(0))
    );
    assert_eq!(
        change_of(&app, "retractImport", "withdrawalReason")["after"],
        "sent twice"
    );
    let (project_id, _) = project(&app).await;
    let cycle = app
        .data(
            "mutation($p: ID!) { planCycle(input: {projectId: $p, changeIdea: \"List\", objective: \"Try\"}) { id version } }",
            json!({"p": project_id}),
        )
        .await["planCycle"]
        .clone();
    app.data(
        "mutation($id: ID!, $v: Int!) { abandonCycle(cycleId: $id, expectedVersion: $v, reason: \"planned by mistake\") { stage } }",
        json!({"id": cycle["id"], "v": cycle["version"]}),
    )
    .await;
    let stage = change_of(&app, "abandonCycle", "stage");
    assert_eq!(
        (&stage["before"], &stage["after"]),
        (&json!("PLAN"), &json!("ABANDONED"))
    );
    assert_eq!(
        change_of(&app, "abandonCycle", "rationale")["after"],
        "planned by mistake"
    );
}

/// One step of a random history of a measure.
#[derive(Debug, Clone)]
enum Step {
    Record(chrono::NaiveDate, i64),
    Retract(chrono::NaiveDate),
    Move(chrono::NaiveDate, chrono::NaiveDate),
}

#[tokio::test]
async fn any_history_of_records_corrections_and_retractions_charts_as_its_surviving_points() {
    use engine::testing::SplitMix;
    use std::collections::BTreeMap;
    let cases: u64 = std::env::var("QIFLOW_HISTORY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    // Hundreds of writes in a few seconds: far past the default rate limit, which is not what
    // this test is about.
    let limits = api::limits::Limits {
        points_per_minute: 1_000_000,
        ..api::limits::Limits::default()
    };
    let app = crate::helpers::spawn_app_limited(false, limits).await;
    let (project_id, _) = project(&app).await;
    let version = "query($id: ID!) { project(id: $id) { version } }";
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted } }";
    let retract = "mutation($id: ID!, $d: [String!]!) { retractDataPoints(measureId: $id, dates: $d, reason: \"wrong\") { retracted } }";
    let moving = "mutation($id: ID!, $d: String!, $to: String!) { moveDataPoint(measureId: $id, date: $d, to: $to, reason: \"wrong date\") { id } }";
    let chart = "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date value } } spc { groups { mean lowerLimit upperLimit } points { date value pointType } variation assurance } } }";
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    for seed in 0..cases {
        let mut random = SplitMix::new(seed);
        // 14 to 29 weeks to choose from, so dates repeat (corrections) and gaps appear.
        let weeks = 14 + random.below(16);
        let day =
            |random: &mut SplitMix| start + chrono::Duration::weeks(random.below(weeks) as i64);
        let steps: Vec<Step> = (0..30 + random.below(20))
            .map(|_| match random.below(10) {
                0..=5 => {
                    let date = day(&mut random);
                    Step::Record(date, random.below(50) as i64)
                }
                6..=7 => Step::Retract(day(&mut random)),
                _ => {
                    let from = day(&mut random);
                    Step::Move(from, day(&mut random))
                }
            })
            .collect();
        let v = app.data(version, json!({"id": project_id})).await["project"]["version"]
            .as_i64()
            .unwrap();
        let id = measure(&app, &project_id, v, &format!("History {seed}")).await;
        let mut model: BTreeMap<chrono::NaiveDate, i64> = BTreeMap::new();
        for step in &steps {
            match *step {
                Step::Record(date, value) => {
                    app.data(
                        record,
                        json!({"id": id, "p": [{"date": date.to_string(), "value": value}]}),
                    )
                    .await;
                    model.insert(date, value);
                }
                Step::Retract(date) => {
                    let answer = app
                        .graphql(retract, json!({"id": id, "d": [date.to_string()]}))
                        .await;
                    if model.remove(&date).is_some() {
                        assert!(answer["errors"].is_null(), "{step:?}: {answer}");
                    } else {
                        assert_eq!(code(&answer["errors"][0]), "VALIDATION", "{step:?}");
                    }
                }
                Step::Move(from, to) => {
                    let answer = app
                        .graphql(
                            moving,
                            json!({"id": id, "d": from.to_string(), "to": to.to_string()}),
                        )
                        .await;
                    let allowed =
                        from != to && model.contains_key(&from) && !model.contains_key(&to);
                    if allowed {
                        assert!(answer["errors"].is_null(), "{step:?}: {answer}");
                        let value = model.remove(&from).unwrap();
                        model.insert(to, value);
                    } else {
                        assert_eq!(code(&answer["errors"][0]), "VALIDATION", "{step:?}");
                    }
                }
            }
        }
        let seen = app.data(chart, json!({"id": id})).await;
        let expected_points: Vec<Value> = model
            .iter()
            .map(|(d, v)| json!({"date": d.to_string(), "value": *v as f64}))
            .collect();
        assert_eq!(
            seen["measure"]["points"],
            json!(expected_points),
            "seed {seed}"
        );
        // The same surviving points recorded afresh on a new measure chart identically.
        let v = app.data(version, json!({"id": project_id})).await["project"]["version"]
            .as_i64()
            .unwrap();
        let fresh = measure(&app, &project_id, v, &format!("Fresh {seed}")).await;
        if !expected_points.is_empty() {
            app.data(record, json!({"id": fresh, "p": expected_points}))
                .await;
        }
        let again = app.data(chart, json!({"id": fresh})).await;
        assert_eq!(seen, again, "seed {seed}: {steps:?}");
    }
}

/// Issue 15: drivers added kind by kind (both secondary drivers, then both change ideas) were
/// reported with both ideas under the last secondary driver. The report follows the tree.
#[tokio::test]
async fn the_report_nests_each_change_idea_under_its_own_driver() {
    let app = spawn_app().await;
    let (project_id, mut version) = project(&app).await;
    let add =
        "mutation($i: AddDriverInput!) { addDriver(input: $i) { version drivers { id text } } }";
    let mut ids = Vec::new();
    for (parent, kind, text) in [
        (None, "PRIMARY_DRIVER", "Timely surgery"),
        (Some(0), "SECONDARY_DRIVER", "Theatre time"),
        (Some(0), "SECONDARY_DRIVER", "Fit for surgery"),
        (Some(1), "CHANGE_IDEA", "Shared trauma list"),
        (Some(2), "CHANGE_IDEA", "Anaesthetic review on arrival"),
    ] {
        let parent: Option<&String> = parent.map(|i: usize| &ids[i]);
        let data = app
            .data(
                add,
                json!({"i": {"projectId": project_id, "expectedVersion": version, "parentId": parent, "kind": kind, "text": text}}),
            )
            .await;
        version = data["addDriver"]["version"].as_i64().unwrap();
        let drivers = data["addDriver"]["drivers"].as_array().unwrap();
        ids.push(drivers.last().unwrap()["id"].as_str().unwrap().to_string());
    }
    let report = app
        .data(
            "query($id: ID!) { project(id: $id) { report } }",
            json!({"id": project_id}),
        )
        .await["project"]["report"]
        .as_str()
        .unwrap()
        .to_string();
    let diagram = "- Primary driver: Timely surgery
  - Secondary driver: Theatre time
    - Change idea: Shared trauma list
  - Secondary driver: Fit for surgery
    - Change idea: Anaesthetic review on arrival
";
    assert!(report.contains(diagram), "{report}");
}

/// A family with branches: every member lists the same versions, each labelled by publication,
/// and a pathway imported apart is no member.
#[tokio::test]
async fn every_version_of_a_branching_family_lists_the_whole_family() {
    let app = spawn_app().await;
    const PUBLISH: &str =
        "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { id } }";
    const CLONE: &str = "mutation($id: ID!) { clonePathway(id: $id) { id version } }";
    let first = app.import(&example_document()).await;
    app.data(PUBLISH, json!({"id": first["id"], "v": first["version"]}))
        .await;
    let second = app.data(CLONE, json!({"id": first["id"]})).await["clonePathway"].clone();
    app.data(PUBLISH, json!({"id": second["id"], "v": second["version"]}))
        .await;
    // A draft from the second, and another from the first (a branch).
    let third = app.data(CLONE, json!({"id": second["id"]})).await["clonePathway"].clone();
    let branch = app.data(CLONE, json!({"id": first["id"]})).await["clonePathway"].clone();
    let apart = app.import(&example_document()).await;
    let expected = json!([
        {"id": first["id"], "versionLabel": 1},
        {"id": second["id"], "versionLabel": 2},
        {"id": third["id"], "versionLabel": null},
        {"id": branch["id"], "versionLabel": null},
    ]);
    const VERSIONS: &str = "query($id: ID!) { pathway(id: $id) { versions(first: 50) { nodes { id versionLabel } } } }";
    for member in [&first, &second, &third, &branch] {
        let listed = app.data(VERSIONS, json!({"id": member["id"]})).await;
        assert_eq!(listed["pathway"]["versions"], expected, "from {member}");
    }
    let alone = app.data(VERSIONS, json!({"id": apart["id"]})).await;
    assert_eq!(
        alone["pathway"]["versions"],
        json!([{"id": apart["id"], "versionLabel": null}])
    );
}
