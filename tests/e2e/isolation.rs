//! Walks the schema: for every query field, mutation and object field that takes an id
//! (directly or inside an input object), a principal of another organisation gets NOT_FOUND
//! (or FORBIDDEN) for the first organisation's objects. A new id-taking field without a case
//! here fails the test, so nothing is added unchecked.

use crate::helpers::{TestApp, code, example_document, spawn_app};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Every `Type.field` of the schema that takes an id, found by introspection.
async fn id_taking_fields(app: &TestApp) -> BTreeSet<String> {
    let schema = app
        .data(
            "{ __schema { types { name kind
                fields { name args { name type { ...T } } }
                inputFields { name type { ...T } } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }",
            json!({}),
        )
        .await;
    let types = schema["__schema"]["types"].as_array().unwrap().clone();
    fn named(t: &Value) -> String {
        if t["name"].is_string() {
            return t["name"].as_str().unwrap().to_string();
        }
        named(&t["ofType"])
    }
    let inputs: BTreeMap<String, Vec<String>> = types
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| {
            let fields = t["inputFields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| named(&f["type"]))
                .collect();
            (t["name"].as_str().unwrap().to_string(), fields)
        })
        .collect();
    fn holds_id(name: &str, inputs: &BTreeMap<String, Vec<String>>, depth: usize) -> bool {
        name == "ID"
            || (depth < 6
                && inputs
                    .get(name)
                    .is_some_and(|fs| fs.iter().any(|f| holds_id(f, inputs, depth + 1))))
    }
    let mut out = BTreeSet::new();
    for t in types
        .iter()
        .filter(|t| t["kind"] == "OBJECT" && !t["name"].as_str().unwrap().starts_with("__"))
    {
        for f in t["fields"].as_array().into_iter().flatten() {
            if f["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| holds_id(&named(&a["type"]), &inputs, 0))
            {
                out.insert(format!(
                    "{}.{}",
                    t["name"].as_str().unwrap(),
                    f["name"].as_str().unwrap()
                ));
            }
        }
    }
    out
}

/// The first organisation's objects, made by its administrator.
async fn objects(app: &TestApp) -> BTreeMap<&'static str, Value> {
    let pathway = app.import(&example_document()).await;
    let pathway_id = pathway["id"].clone();
    let content = app
        .data(
            "query($id: ID!) { pathway(id: $id) { steps { id } transitions { id } } }",
            json!({"id": pathway_id}),
        )
        .await;
    let orgs = app
        .data("{ organisations { nodes { id odsCode } } }", json!({}))
        .await;
    let rx1 = orgs["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["odsCode"] == "RX1")
        .unwrap()["id"]
        .clone();
    let project = app
        .data(
            "mutation($p: ID!) { createProject(input: {title: \"Flow\", aim: \"Faster\", owner: \"RX1\", pathwayId: $p}) { id version } }",
            json!({"p": pathway_id}),
        )
        .await["createProject"]
        .clone();
    let measure = app
        .data(
            "mutation($p: ID!, $v: Int!) { addMeasure(input: {projectId: $p, expectedVersion: $v, name: \"Wait\", kind: OUTCOME, definition: \"Hours\", direction: DECREASE}) { measure { id } project { version } } }",
            json!({"p": project["id"], "v": project["version"]}),
        )
        .await["addMeasure"]
        .clone();
    let driver = app
        .data(
            "mutation($p: ID!, $v: Int!) { addDriver(input: {projectId: $p, expectedVersion: $v, kind: PRIMARY_DRIVER, text: \"Access\"}) { drivers { id } } }",
            json!({"p": project["id"], "v": measure["project"]["version"]}),
        )
        .await;
    let driver_id = driver["addDriver"]["drivers"][0]["id"].clone();
    // A webhook endpoint told of cycle moves, so the move below makes a delivery.
    let webhook = app
        .data(
            "mutation($o: ID!) { createWebhookEndpoint(input: {organisation: $o, url: \"http://127.0.0.1:9/hook\", eventTypes: [\"cycle.moved\"]}) { endpoint { id } } }",
            json!({"o": rx1}),
        )
        .await["createWebhookEndpoint"]["endpoint"]["id"]
        .clone();
    let cycle = app
        .data(
            "mutation($p: ID!) { planCycle(input: {projectId: $p, changeIdea: \"List\", objective: \"Try\"}) { id } }",
            json!({"p": project["id"]}),
        )
        .await["planCycle"]["id"]
        .clone();
    // A second cycle, started, with an observation.
    let observed = app
        .data(
            "mutation($p: ID!, $m: ID!) { planCycle(input: {projectId: $p, changeIdea: \"List\", objective: \"Try\", predictions: [{measureId: $m, expectedValue: 1}]}) { id } }",
            json!({"p": project["id"], "m": measure["measure"]["id"]}),
        )
        .await["planCycle"]["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { advanceCycle(cycleId: $id, expectedVersion: 1, action: {start: {actualStart: \"2025-01-06\"}}) { cycle { id } } }",
        json!({"id": observed}),
    )
    .await;
    let delivery = app
        .data(
            "query($id: ID!) { webhookEndpoint(id: $id) { deliveries { nodes { id } } } }",
            json!({"id": webhook}),
        )
        .await["webhookEndpoint"]["deliveries"][0]["id"]
        .clone();
    assert!(delivery.is_string(), "the cycle's move made no delivery");
    let observation = app
        .data(
            "mutation($id: ID!) { addObservation(cycleId: $id, text: \"Seen\") { observations { nodes { id } } } }",
            json!({"id": observed}),
        )
        .await["addObservation"]["observations"][0]["id"]
        .clone();
    let administered = app
        .data(
            "query($id: ID!) { organisation(id: $id) { tokens { nodes { id } } members { nodes { principalId } } } }",
            json!({"id": rx1}),
        )
        .await;
    let token = administered["organisation"]["tokens"][0]["id"].clone();
    let principal = administered["organisation"]["members"][0]["principalId"].clone();
    assert!(token.is_string() && principal.is_string(), "{administered}");
    let log = app.event_log("First organisation's log").await;
    let import = app
        .data(
            "mutation($id: ID!) { appendEvents(logId: $id, batchKey: \"first\", events: [{caseId: \"c\", activity: \"a\", timestamp: \"2025-01-06T00:00:00Z\"}]) { import { id } } }",
            json!({"id": log}),
        )
        .await["appendEvents"]["import"]["id"]
        .clone();
    let simulation = app
        .data(
            "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {patients: 100}) { id } }",
            json!({"p": pathway_id}),
        )
        .await["simulate"]["id"]
        .clone();
    let comment = app
        .data(
            "mutation($p: ID!) { addComment(input: {pathwayId: $p, body: \"Is the wait right?\"}) { id } }",
            json!({"p": pathway_id}),
        )
        .await["addComment"]["id"]
        .clone();
    BTreeMap::from([
        ("import", import),
        ("simulation", simulation),
        ("comment", comment),
        ("pathway", pathway_id),
        ("step", content["pathway"]["steps"][0]["id"].clone()),
        ("step2", content["pathway"]["steps"][1]["id"].clone()),
        (
            "transition",
            content["pathway"]["transitions"][0]["id"].clone(),
        ),
        ("organisation", rx1),
        ("project", project["id"].clone()),
        ("measure", measure["measure"]["id"].clone()),
        ("driver", driver_id),
        ("cycle", cycle),
        ("observation", observation),
        ("token", token),
        ("principal", principal),
        ("log", json!(log)),
        ("webhook", webhook),
        ("delivery", delivery),
    ])
}

/// One probe: the operation and the variables, given the first organisation's objects.
type Probe = (&'static str, fn(&BTreeMap<&'static str, Value>) -> Value);

fn probes() -> BTreeMap<&'static str, Probe> {
    let mut m: BTreeMap<&'static str, Probe> = BTreeMap::new();
    m.insert(
        "QueryRoot.pathway",
        (
            "query($id: ID!) { pathway(id: $id) { id } }",
            |o| json!({"id": o["pathway"]}),
        ),
    );
    m.insert("QueryRoot.whatIf", ("query($id: ID!) { whatIf(pathwayId: $id, changes: []) { differences { expectedLeadTimeMinutes } } }", |o| json!({"id": o["pathway"]})));
    m.insert(
        "QueryRoot.project",
        (
            "query($id: ID!) { project(id: $id) { id } }",
            |o| json!({"id": o["project"]}),
        ),
    );
    m.insert(
        "QueryRoot.measure",
        (
            "query($id: ID!) { measure(id: $id) { id } }",
            |o| json!({"id": o["measure"]}),
        ),
    );
    m.insert(
        "QueryRoot.cycle",
        (
            "query($id: ID!) { cycle(id: $id) { id } }",
            |o| json!({"id": o["cycle"]}),
        ),
    );
    m.insert(
        "QueryRoot.eventLog",
        (
            "query($id: ID!) { eventLog(id: $id) { id } }",
            |o| json!({"id": o["log"]}),
        ),
    );
    m.insert(
        "QueryRoot.auditTrail",
        (
            "query($id: ID!) { auditTrail(organisationId: $id) { nodes { id } } }",
            |o| json!({"id": o["organisation"]}),
        ),
    );
    // Organisations are public (names and ODS codes): reading one is allowed, see below.
    m.insert(
        "QueryRoot.organisation",
        (
            "query($id: ID!) { organisation(id: $id) { id } }",
            |o| json!({"id": o["organisation"]}),
        ),
    );
    // The attacker's own log checked against the first organisation's pathway.
    m.insert(
        "QueryRoot.node",
        (
            "query($id: ID!) { node(id: $id) { id } }",
            |o| json!({"id": o["measure"]}),
        ),
    );
    m.insert(
        "QueryRoot.nodes",
        (
            "query($id: ID!) { nodes(ids: [$id]) { id } }",
            |o| json!({"id": o["project"]}),
        ),
    );
    m.insert("Pathway.compare", ("query($mine: ID!, $p: ID!) { pathway(id: $mine) { compare(with: $p) { stepsAdded } } }", |o| json!({"mine": o["attacker_pathway"], "p": o["pathway"]})));
    m.insert("EventLog.conformance", ("query($log: ID!, $p: ID!) { eventLog(id: $log) { conformance(pathwayId: $p) { fitness } } }", |o| json!({"log": o["attacker_log"], "p": o["pathway"]})));
    m.insert("MutationRoot.updatePathway", ("mutation($id: ID!) { updatePathway(input: {id: $id, expectedVersion: 1, name: \"x\"}) { id } }", |o| json!({"id": o["pathway"]})));
    m.insert("MutationRoot.addStep", ("mutation($id: ID!) { addStep(input: {pathwayId: $id, expectedVersion: 1, key: \"k\", name: \"n\", kind: ACTIVITY, organisation: \"RX1\"}) { pathway { id } } }", |o| json!({"id": o["pathway"]})));
    m.insert("MutationRoot.updateStep", ("mutation($id: ID!) { updateStep(input: {id: $id, expectedVersion: 1, name: \"x\"}) { pathway { id } } }", |o| json!({"id": o["step"]})));
    m.insert(
        "MutationRoot.removeStep",
        (
            "mutation($id: ID!) { removeStep(id: $id, expectedVersion: 1) { id } }",
            |o| json!({"id": o["step"]}),
        ),
    );
    m.insert("MutationRoot.addTransition", ("mutation($a: ID!, $b: ID!) { addTransition(input: {fromStepId: $a, toStepId: $b, expectedVersion: 1}) { pathway { id } } }", |o| json!({"a": o["step"], "b": o["step2"]})));
    m.insert("MutationRoot.updateTransition", ("mutation($id: ID!) { updateTransition(input: {id: $id, expectedVersion: 1, waitMinutes: 1}) { pathway { id } } }", |o| json!({"id": o["transition"]})));
    m.insert(
        "MutationRoot.removeTransition",
        (
            "mutation($id: ID!) { removeTransition(id: $id, expectedVersion: 1) { id } }",
            |o| json!({"id": o["transition"]}),
        ),
    );
    m.insert(
        "MutationRoot.publishPathway",
        (
            "mutation($id: ID!) { publishPathway(id: $id, expectedVersion: 1) { id } }",
            |o| json!({"id": o["pathway"]}),
        ),
    );
    m.insert(
        "MutationRoot.archivePathway",
        (
            "mutation($id: ID!) { archivePathway(id: $id, expectedVersion: 1) { id } }",
            |o| json!({"id": o["pathway"]}),
        ),
    );
    m.insert(
        "MutationRoot.clonePathway",
        (
            "mutation($id: ID!) { clonePathway(id: $id) { id } }",
            |o| json!({"id": o["pathway"]}),
        ),
    );
    m.insert("MutationRoot.createProject", ("mutation($id: ID!) { createProject(input: {title: \"t\", aim: \"a\", owner: \"ZZ1\", pathwayId: $id}) { id } }", |o| json!({"id": o["pathway"]})));
    m.insert("MutationRoot.updateProject", ("mutation($id: ID!) { updateProject(input: {id: $id, expectedVersion: 1, title: \"x\"}) { id } }", |o| json!({"id": o["project"]})));
    m.insert("MutationRoot.updateMeasure", ("mutation($id: ID!) { updateMeasure(input: {id: $id, expectedVersion: 1, name: \"x\"}) { id } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.addRebase", ("mutation($id: ID!) { addRebase(input: {measureId: $id, expectedVersion: 1, date: \"2025-01-13\", reason: \"r\"}) { id } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.removeRebase", ("mutation($id: ID!) { removeRebase(measureId: $id, expectedVersion: 1, date: \"2025-01-13\") { id } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.addMeasure", ("mutation($id: ID!) { addMeasure(input: {projectId: $id, expectedVersion: 1, name: \"n\", kind: OUTCOME, definition: \"d\", direction: DECREASE}) { measure { id } } }", |o| json!({"id": o["project"]})));
    m.insert("MutationRoot.recordDataPoints", ("mutation($id: ID!) { recordDataPoints(measureId: $id, points: [{date: \"2025-01-06\", value: 1}]) { inserted } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.retractDataPoints", ("mutation($id: ID!) { retractDataPoints(measureId: $id, dates: [\"2025-01-06\"], reason: \"r\") { retracted } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.planCycle", ("mutation($id: ID!) { planCycle(input: {projectId: $id, changeIdea: \"c\", objective: \"o\"}) { id } }", |o| json!({"id": o["project"]})));
    m.insert("MutationRoot.abandonCycle", ("mutation($id: ID!) { abandonCycle(cycleId: $id, expectedVersion: 1, reason: \"r\") { id } }", |o| json!({"id": o["cycle"]})));
    m.insert("MutationRoot.advanceCycle", ("mutation($id: ID!) { advanceCycle(cycleId: $id, expectedVersion: 1, action: {start: {actualStart: \"2025-01-06\"}}) { cycle { id } } }", |o| json!({"id": o["cycle"]})));
    m.insert(
        "MutationRoot.addObservation",
        (
            "mutation($id: ID!) { addObservation(cycleId: $id, text: \"t\") { id } }",
            |o| json!({"id": o["cycle"]}),
        ),
    );
    m.insert("MutationRoot.addDriver", ("mutation($id: ID!) { addDriver(input: {projectId: $id, expectedVersion: 1, kind: PRIMARY_DRIVER, text: \"t\"}) { id } }", |o| json!({"id": o["project"]})));
    m.insert("MutationRoot.updateCyclePlan", ("mutation($id: ID!) { updateCyclePlan(cycleId: $id, expectedVersion: 1, plan: {changeIdea: \"x\", objective: \"y\"}) { id } }", |o| json!({"id": o["cycle"]})));
    m.insert(
        "MutationRoot.correctObservation",
        (
            "mutation($id: ID!) { correctObservation(observationId: $id, text: \"x\") { id } }",
            |o| json!({"id": o["observation"]}),
        ),
    );
    m.insert(
        "MutationRoot.retractObservation",
        (
            "mutation($id: ID!) { retractObservation(observationId: $id, reason: \"x\") { id } }",
            |o| json!({"id": o["observation"]}),
        ),
    );
    m.insert(
        "MutationRoot.archiveEventLog",
        (
            "mutation($id: ID!) { archiveEventLog(logId: $id, reason: \"x\") { id } }",
            |o| json!({"id": o["log"]}),
        ),
    );
    m.insert(
        "MutationRoot.deleteEventLog",
        (
            "mutation($id: ID!) { deleteEventLog(logId: $id) }",
            |o| json!({"id": o["log"]}),
        ),
    );
    m.insert(
        "MutationRoot.deletePathway",
        (
            "mutation($id: ID!) { deletePathway(id: $id, expectedVersion: 1) }",
            |o| json!({"id": o["pathway"]}),
        ),
    );
    m.insert("MutationRoot.addOrganisationMember", ("mutation($o: ID!) { addOrganisationMember(input: {organisationId: $o, name: \"Mallory\", role: ADMIN}) { name } }", |o| json!({"o": o["organisation"]})));
    m.insert("MutationRoot.setOrganisationMemberRole", ("mutation($o: ID!, $p: ID!) { setOrganisationMemberRole(organisationId: $o, principalId: $p, role: VIEWER) { name } }", |o| json!({"o": o["organisation"], "p": o["principal"]})));
    m.insert("MutationRoot.removeOrganisationMember", ("mutation($o: ID!, $p: ID!) { removeOrganisationMember(organisationId: $o, principalId: $p) }", |o| json!({"o": o["organisation"], "p": o["principal"]})));
    m.insert("MutationRoot.issueToken", ("mutation($o: ID!) { issueToken(input: {organisationId: $o, principal: \"Mallory\", role: ADMIN}) { secret } }", |o| json!({"o": o["organisation"]})));
    m.insert(
        "MutationRoot.revokeToken",
        (
            "mutation($id: ID!) { revokeToken(tokenId: $id) }",
            |o| json!({"id": o["token"]}),
        ),
    );
    m.insert(
        "MutationRoot.rotateToken",
        (
            "mutation($id: ID!) { rotateToken(tokenId: $id) { secret } }",
            |o| json!({"id": o["token"]}),
        ),
    );
    m.insert("MutationRoot.updateOrganisation", ("mutation($id: ID!) { updateOrganisation(input: {id: $id, expectedVersion: 1, name: \"x\"}) { id } }", |o| json!({"id": o["organisation"]})));
    m.insert("MutationRoot.closeProject", ("mutation($id: ID!) { closeProject(projectId: $id, expectedVersion: 1, reason: \"r\") { id } }", |o| json!({"id": o["project"]})));
    m.insert(
        "MutationRoot.reopenProject",
        (
            "mutation($id: ID!) { reopenProject(projectId: $id, expectedVersion: 1) { id } }",
            |o| json!({"id": o["project"]}),
        ),
    );
    m.insert("MutationRoot.setProjectTeam", ("mutation($id: ID!) { setProjectTeam(projectId: $id, expectedVersion: 1, members: []) { id } }", |o| json!({"id": o["project"]})));
    m.insert("MutationRoot.withdrawMeasure", ("mutation($id: ID!) { withdrawMeasure(measureId: $id, expectedVersion: 1, reason: \"r\") { id } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.moveDataPoint", ("mutation($id: ID!) { moveDataPoint(measureId: $id, date: \"2025-01-06\", to: \"2025-01-07\", reason: \"r\") { id } }", |o| json!({"id": o["measure"]})));
    m.insert("MutationRoot.removeDriver", ("mutation($id: ID!) { removeDriver(id: $id, expectedVersion: 1, withChildren: true) { id } }", |o| json!({"id": o["driver"]})));
    m.insert("MutationRoot.updateDriver", ("mutation($id: ID!) { updateDriver(input: {id: $id, expectedVersion: 1, text: \"x\"}) { id } }", |o| json!({"id": o["driver"]})));
    m.insert("MutationRoot.createEventLog", ("mutation($id: ID!) { createEventLog(input: {name: \"steal\", organisationId: $id}) { id } }", |o| json!({"id": o["organisation"]})));
    m.insert(
        "MutationRoot.retractImport",
        (
            "mutation($id: ID!) { retractImport(importId: $id, reason: \"r\") { id } }",
            |o| json!({"id": o["import"]}),
        ),
    );
    m.insert("MutationRoot.appendEvents", ("mutation($id: ID!) { appendEvents(logId: $id, batchKey: \"k\", events: [{caseId: \"c\", activity: \"a\", timestamp: \"2025-01-06T00:00:00Z\"}]) { duplicate } }", |o| json!({"id": o["log"]})));
    m.insert("MutationRoot.calibratePathway", ("mutation($p: ID!, $l: ID!) { calibratePathway(pathwayId: $p, logId: $l) { changes { field } } }", |o| json!({"p": o["pathway"], "l": o["attacker_log"]})));
    m.insert("MutationRoot.calibrateSimulation", ("mutation($p: ID!, $l: ID!) { calibrateSimulation(pathwayId: $p, logId: $l) { notes } }", |o| json!({"p": o["pathway"], "l": o["attacker_log"]})));
    m.insert("MutationRoot.addLogMeasure", ("mutation($p: ID!, $l: ID!) { addLogMeasure(input: {projectId: $p, expectedVersion: 1, logId: $l, name: \"n\", fromActivity: \"a\", toActivity: \"b\", statistic: MEDIAN_TIME, direction: DECREASE}) { measure { id } } }", |o| json!({"p": o["project"], "l": o["attacker_log"]})));
    m.insert(
        "MutationRoot.revokePathwayShare",
        (
            "mutation($p: ID!, $o: ID!) { revokePathwayShare(pathwayId: $p, organisationId: $o) }",
            |o| json!({"p": o["pathway"], "o": o["attacker_organisation"]}),
        ),
    );
    m.insert(
        "MutationRoot.revokeProjectShare",
        (
            "mutation($p: ID!, $o: ID!) { revokeProjectShare(projectId: $p, organisationId: $o) }",
            |o| json!({"p": o["project"], "o": o["attacker_organisation"]}),
        ),
    );
    m.insert("MutationRoot.requestPathwayAgreement", ("mutation($p: ID!) { requestPathwayAgreement(pathwayId: $p, expectedVersion: 1) { complete } }", |o| json!({"p": o["pathway"]})));
    m.insert("MutationRoot.decidePathwayAgreement", ("mutation($p: ID!, $o: ID!) { decidePathwayAgreement(input: {pathwayId: $p, expectedVersion: 1, organisationId: $o, decision: APPROVE}) { complete } }", |o| json!({"p": o["pathway"], "o": o["organisation"]})));
    m.insert(
        "MutationRoot.requestChangeIdeaAgreement",
        (
            "mutation($i: ID!) { requestChangeIdeaAgreement(changeIdeaId: $i) { complete } }",
            |o| json!({"i": o["driver"]}),
        ),
    );
    m.insert("MutationRoot.decideChangeIdeaAgreement", ("mutation($i: ID!, $o: ID!) { decideChangeIdeaAgreement(input: {changeIdeaId: $i, organisationId: $o, decision: APPROVE}) { complete } }", |o| json!({"i": o["driver"], "o": o["organisation"]})));
    m.insert(
        "MutationRoot.addComment",
        (
            "mutation($s: ID!) { addComment(input: {stepId: $s, body: \"Mine now\"}) { id } }",
            |o| json!({"s": o["step"]}),
        ),
    );
    m.insert("MutationRoot.editComment", ("mutation($c: ID!) { editComment(input: {id: $c, expectedVersion: 1, body: \"Changed\"}) { id } }", |o| json!({"c": o["comment"]})));
    m.insert("MutationRoot.resolveComment", ("mutation($c: ID!) { resolveComment(input: {id: $c, expectedVersion: 1, resolved: true}) { id } }", |o| json!({"c": o["comment"]})));
    m.insert("MutationRoot.sharePathway", ("mutation($p: ID!, $o: ID!) { sharePathway(pathwayId: $p, organisationId: $o, role: EDITOR) }", |o| json!({"p": o["pathway"], "o": o["attacker_organisation"]})));
    m.insert(
        "QueryRoot.webhookEndpoint",
        (
            "query($id: ID!) { webhookEndpoint(id: $id) { id url } }",
            |o| json!({"id": o["webhook"]}),
        ),
    );
    m.insert("MutationRoot.createWebhookEndpoint", ("mutation($o: ID!) { createWebhookEndpoint(input: {organisation: $o, url: \"http://127.0.0.1:9/steal\", eventTypes: [\"measure.signal\"]}) { secret } }", |o| json!({"o": o["organisation"]})));
    m.insert("MutationRoot.updateWebhookEndpoint", ("mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, expectedVersion: 1, url: \"http://127.0.0.1:9/steal\"}) { id } }", |o| json!({"id": o["webhook"]})));
    m.insert(
        "MutationRoot.rotateWebhookSecret",
        (
            "mutation($id: ID!) { rotateWebhookSecret(id: $id, expectedVersion: 1) { secret } }",
            |o| json!({"id": o["webhook"]}),
        ),
    );
    m.insert(
        "MutationRoot.deleteWebhookEndpoint",
        (
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            |o| json!({"id": o["webhook"]}),
        ),
    );
    m.insert(
        "MutationRoot.replayWebhookDelivery",
        (
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) }",
            |o| json!({"id": o["delivery"]}),
        ),
    );
    m.insert(
        "MutationRoot.simulate",
        (
            "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {patients: 100}) { id } }",
            |o| json!({"p": o["pathway"]}),
        ),
    );
    m.insert(
        "MutationRoot.cancelSimulation",
        (
            "mutation($id: ID!) { cancelSimulation(id: $id) { id status } }",
            |o| json!({"id": o["simulation"]}),
        ),
    );
    m.insert("MutationRoot.shareProject", ("mutation($p: ID!, $o: ID!) { shareProject(projectId: $p, organisationId: $o, role: EDITOR) }", |o| json!({"p": o["project"], "o": o["attacker_organisation"]})));
    m
}

#[tokio::test]
async fn another_organisation_finds_nothing_of_the_first_through_any_id_taking_field() {
    let app = spawn_app().await;
    let mut objects = objects(&app).await;
    // The attacker: an administrator and system client of its own organisation, with a log.
    let attacker = app
        .token_for("Other ICS system", "ZZ1", "ADMIN", true)
        .await;
    let own = app
        .graphql_as(
            Some(&attacker),
            "{ me { memberships { organisationId } } }",
            json!({}),
        )
        .await;
    let attacker_org = own["data"]["me"]["memberships"][0]["organisationId"].clone();
    let log = app
        .graphql_as(
            Some(&attacker),
            "mutation($o: ID!) { createEventLog(input: {name: \"Attacker log\", organisationId: $o}) { id } }",
            json!({"o": attacker_org}),
        )
        .await;
    objects.insert("attacker_log", log["data"]["createEventLog"]["id"].clone());
    objects.insert("attacker_organisation", attacker_org);
    let mut document = crate::helpers::example_document();
    document["owner"] = json!("ZZ1");
    document["organisations"] = json!([]);
    for step in document["steps"].as_array_mut().unwrap() {
        step["organisation"] = json!("ZZ1");
    }
    let own_pathway = app
        .graphql_as(
            Some(&attacker),
            "mutation($d: JSON!) { importPathway(document: $d) { id } }",
            json!({"d": document}),
        )
        .await;
    objects.insert(
        "attacker_pathway",
        own_pathway["data"]["importPathway"]["id"].clone(),
    );
    assert!(objects["attacker_pathway"].is_string(), "{own_pathway}");

    // Subscriptions run over WebSocket, not POST: `subscriptions.rs` subscribes as another
    // organisation naming the first one's id and hears nothing.
    let mut found = id_taking_fields(&app).await;
    assert!(found.remove("SubscriptionRoot.events"));
    let probes = probes();
    let covered: BTreeSet<String> = probes.keys().map(|k| k.to_string()).collect();
    assert_eq!(
        found, covered,
        "id-taking fields and the probes of this test differ: add a probe for each new field"
    );

    let before = app
        .data(
            "{ pathways { totalCount } projects { nodes { id version } } }",
            json!({}),
        )
        .await;
    let mut leaks = Vec::new();
    for (field, (query, variables)) in &probes {
        let response = app
            .graphql_as(Some(&attacker), query, variables(&objects))
            .await;
        let got = code(&response["errors"][0]).to_string();
        let ok = match *field {
            // Public: any authenticated caller may read an organisation's name and ODS code.
            "QueryRoot.organisation" => response["errors"].is_null(),
            // What may not be seen is null, as if it did not exist.
            "QueryRoot.nodes" => response["data"]["nodes"] == json!([null]),
            _ => got == "NOT_FOUND" || got == "FORBIDDEN",
        };
        if !ok {
            leaks.push(format!("{field}: {response}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    // And nothing of the first organisation changed.
    assert_eq!(
        app.data(
            "{ pathways { totalCount } projects { nodes { id version } } }",
            json!({})
        )
        .await,
        before
    );
}

#[tokio::test]
async fn node_finds_every_kind_of_object_for_its_owner_and_nothing_for_another_organisation() {
    let app = spawn_app().await;
    let mut objects = objects(&app).await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 1) { nodes { id } } }",
            json!({"o": objects["organisation"]}),
        )
        .await;
    objects.insert("audit entry", trail["auditTrail"][0]["id"].clone());
    let attacker = app
        .token_for("Other ICS system", "ZZ1", "ADMIN", true)
        .await;
    let expected = [
        ("organisation", "Organisation"),
        ("pathway", "Pathway"),
        ("step", "Step"),
        ("transition", "Transition"),
        ("project", "ImprovementProject"),
        ("measure", "Measure"),
        ("driver", "Driver"),
        ("cycle", "PdsaCycle"),
        ("observation", "Observation"),
        ("log", "EventLog"),
        ("import", "EventImport"),
        ("token", "ApiToken"),
        ("audit entry", "AuditEntry"),
        ("simulation", "Simulation"),
        ("comment", "Comment"),
    ];
    let query = "query($id: ID!) { node(id: $id) { __typename id } }";
    for (key, typename) in expected {
        let id = &objects[key];
        let mine = app.graphql(query, json!({"id": id})).await;
        assert_eq!(
            mine["data"]["node"],
            json!({"__typename": typename, "id": id}),
            "{key}: {mine}"
        );
        let theirs = app
            .graphql_as(Some(&attacker), query, json!({"id": id}))
            .await;
        if key == "organisation" {
            // Organisations are public, as through `organisation(id:)`.
            assert!(theirs["errors"].is_null(), "{theirs}");
        } else {
            // null at the field (Relay's `node` is nullable), the rest of the answer intact.
            assert_eq!(theirs["data"], json!({"node": null}), "{key}: {theirs}");
            assert_eq!(code(&theirs["errors"][0]), "NOT_FOUND", "{key}: {theirs}");
        }
    }
    // nodes: in the order asked, null for what does not exist.
    let many = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
            json!({"ids": [objects["measure"], uuid::Uuid::now_v7().to_string(), objects["pathway"]]}),
        )
        .await;
    assert_eq!(
        many["nodes"],
        json!([{"__typename": "Measure"}, null, {"__typename": "Pathway"}])
    );
}
