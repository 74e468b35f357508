//! Agreement across organisations before a pathway version is published or a change idea that
//! moves work between organisations is adopted, and comments on what they are asked to agree to.

use crate::helpers::{TestApp, code, example_document, field, spawn_app};
use serde_json::{Value, json};

const AGREEMENT: &str = "query($id: ID!) { pathway(id: $id) { version status agreement { complete organisations { organisation { odsCode } state decidedBy comment requestedAt decidedAt } } } }";
const DECIDE: &str = "mutation($i: PathwayAgreementInput!) { decidePathwayAgreement(input: $i) { complete organisations { organisation { odsCode } state decidedBy comment } } }";
const PUBLISH: &str = "mutation($id: ID!, $v: Int!, $r: String) { publishPathway(id: $id, expectedVersion: $v, withoutAgreementReason: $r) { version status } }";
const ADD_DRIVER: &str =
    "mutation($i: AddDriverInput!) { addDriver(input: $i) { version drivers { id kind } } }";
const RENAME: &str = "mutation($id: ID!, $v: Int!, $n: String!) { updatePathway(input: {id: $id, expectedVersion: $v, name: $n}) { version } }";

/// The example pathway owned by RX1 (the test administrator's, made by the import) with its
/// arrival in RRU, an organisation the administrator does not belong to; and tokens for RRU's
/// editor and viewer.
/// Signs in to the web page with the test administrator's token and opens `route` (`#/...`).
async fn open_signed_in(client: &fantoccini::Client, app: &TestApp, route: &str) {
    use crate::browser::{click, wait_for};
    use crate::workplace::fill;
    client.goto(&format!("{}/", app.address)).await.unwrap();
    fill(client, "#token", &app.token).await;
    click(client, "//button[.='Sign in']").await;
    wait_for(client, "#new-pathway").await;
    client
        .goto(&format!("{}/{route}", app.address))
        .await
        .unwrap();
}

/// RX1's project on `pathway` with one primary driver: the project and `addDriver`'s answer.
async fn project_with_a_driver(app: &TestApp, pathway: &Value) -> (Value, Value) {
    let project = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Triage at the scene", "aim": "Surgery within 36 hours", "owner": "RX1", "pathwayId": pathway["id"]}}),
        )
        .await["createProject"]
        .clone();
    let primary = app
        .data(ADD_DRIVER, json!({"i": {"projectId": project["id"], "expectedVersion": project["version"], "kind": "PRIMARY_DRIVER", "text": "Front door"}}))
        .await["addDriver"]
        .clone();
    (project, primary)
}

async fn shared_pathway(app: &TestApp) -> (Value, String, String) {
    let editor = app
        .token_for("Ambulance editor", "RRU", "EDITOR", false)
        .await;
    let viewer = app
        .token_for("Ambulance viewer", "RRU", "VIEWER", false)
        .await;
    let pathway = app.import(&example_document()).await;
    (pathway, editor, viewer)
}

fn states(agreement: &Value) -> Vec<(String, String)> {
    agreement["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["organisation"]["odsCode"].as_str().unwrap().to_string(),
                o["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(code: &str, state: &str) -> (String, String) {
    (code.to_string(), state.to_string())
}

#[tokio::test]
async fn a_pathway_is_published_only_when_every_organisation_with_steps_has_agreed() {
    let app = spawn_app().await;
    let (pathway, editor, viewer) = shared_pathway(&app).await;
    let id = pathway["id"].clone();
    let read = app.data(AGREEMENT, json!({"id": id})).await;
    assert_eq!(
        states(&read["pathway"]["agreement"]),
        vec![pair("RRU", "AWAITED"), pair("RX1", "AWAITED")]
    );
    assert_eq!(read["pathway"]["agreement"]["complete"], false);

    // Refused while RRU has not agreed, naming it; nothing is published.
    let refused = app
        .error(PUBLISH, json!({"id": id, "v": pathway["version"]}))
        .await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("(RRU)"),
        "{refused}"
    );

    // RRU cannot see the draft until it is asked.
    let hidden = app
        .graphql_as(Some(&editor), AGREEMENT, json!({"id": id}))
        .await;
    assert_eq!(code(&hidden["errors"][0]), "NOT_FOUND", "{hidden}");
    let asked = app
        .data(
            "mutation($id: ID!, $v: Int!) { requestPathwayAgreement(pathwayId: $id, expectedVersion: $v) { organisations { organisation { odsCode } state requestedAt } } }",
            json!({"id": id, "v": pathway["version"]}),
        )
        .await;
    let asked = &asked["requestPathwayAgreement"]["organisations"];
    assert!(asked[0]["requestedAt"].is_string(), "{asked}");

    // A viewer of RRU sees it now but may not decide for RRU.
    let by_viewer = app
        .graphql_as(
            Some(&viewer),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "decision": "APPROVE"}}),
        )
        .await;
    assert_eq!(code(&by_viewer["errors"][0]), "FORBIDDEN", "{by_viewer}");
    let rru = app.organisation_id("RRU").await;
    let by_viewer_named = app
        .graphql_as(
            Some(&viewer),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "organisationId": rru, "decision": "APPROVE"}}),
        )
        .await;
    assert_eq!(
        code(&by_viewer_named["errors"][0]),
        "FORBIDDEN",
        "{by_viewer_named}"
    );

    // A member of another organisation, even one the draft is shared with, may not decide for
    // RRU, nor for its own organisation, which has no steps.
    let other = app.token_for("Other trust", "ZZ1", "ADMIN", false).await;
    let zz1 = app.organisation_id("ZZ1").await;
    app.data(
        "mutation($p: ID!, $o: ID!) { sharePathway(pathwayId: $p, organisationId: $o, role: EDITOR) }",
        json!({"p": id, "o": zz1}),
    )
    .await;
    for organisation in [rru.clone(), zz1.clone()] {
        let response = app
            .graphql_as(
                Some(&other),
                DECIDE,
                json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "organisationId": organisation, "decision": "APPROVE"}}),
            )
            .await;
        let got = code(&response["errors"][0]).to_string();
        assert!(got == "FORBIDDEN" || got == "VALIDATION", "{response}");
    }
    // Nor may a share's editor publish without agreement: only the owner may.
    let by_share = app
        .graphql_as(
            Some(&other),
            PUBLISH,
            json!({"id": id, "v": pathway["version"], "r": "We are in a hurry"}),
        )
        .await;
    assert_eq!(code(&by_share["errors"][0]), "FORBIDDEN", "{by_share}");

    // Asking for changes needs a comment; with one it becomes an open comment on the version.
    let bare = app
        .graphql_as(
            Some(&editor),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "decision": "REQUEST_CHANGES"}}),
        )
        .await;
    assert_eq!(field(&bare["errors"][0]), "comment", "{bare}");
    let changes = app
        .graphql_as(
            Some(&editor),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "decision": "REQUEST_CHANGES",
                          "comment": "Our crews hand over in 15 minutes, not 30"}}),
        )
        .await;
    assert!(changes["errors"].is_null(), "{changes}");
    assert_eq!(
        states(&changes["data"]["decidePathwayAgreement"]),
        vec![pair("RRU", "CHANGES_REQUESTED"), pair("RX1", "AWAITED")]
    );
    let comments = app
        .data(
            "query($id: ID!) { pathway(id: $id) { comments(unresolvedOnly: true) { nodes { id about author body resolved version } } } }",
            json!({"id": id}),
        )
        .await;
    let comment = &comments["pathway"]["comments"][0];
    assert_eq!(comment["about"], "PATHWAY");
    assert_eq!(comment["author"], "Ambulance editor");
    assert_eq!(comment["body"], "Our crews hand over in 15 minutes, not 30");

    // The owner fixes the draft (a new version); a decision on the version read before is
    // refused, one on the current version counts.
    let v2 = app
        .data(
            RENAME,
            json!({"id": id, "v": pathway["version"], "n": "Hip fracture (handover fixed)"}),
        )
        .await["updatePathway"]["version"]
        .clone();
    let stale = app
        .graphql_as(
            Some(&editor),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "decision": "APPROVE"}}),
        )
        .await;
    assert_eq!(code(&stale["errors"][0]), "CONFLICT", "{stale}");
    let approved = app
        .graphql_as(
            Some(&editor),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": v2, "decision": "APPROVE", "comment": "Agreed"}}),
        )
        .await;
    assert_eq!(
        states(&approved["data"]["decidePathwayAgreement"]),
        vec![pair("RRU", "AGREED"), pair("RX1", "AWAITED")]
    );

    // A change after the approval makes it an approval of an earlier draft: refused again.
    let v3 = app
        .data(RENAME, json!({"id": id, "v": v2, "n": "Hip fracture (v3)"}))
        .await["updatePathway"]["version"]
        .clone();
    let read = app.data(AGREEMENT, json!({"id": id})).await;
    assert_eq!(
        states(&read["pathway"]["agreement"]),
        vec![pair("RRU", "AGREED_EARLIER_DRAFT"), pair("RX1", "AWAITED")]
    );
    let refused = app.error(PUBLISH, json!({"id": id, "v": v3})).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    app.graphql_as(
        Some(&editor),
        DECIDE,
        json!({"i": {"pathwayId": id, "expectedVersion": v3, "decision": "APPROVE"}}),
    )
    .await;

    // Now it publishes; the owner's organisation agrees by publishing, and the published
    // version shows who agreed and when.
    let published = app.data(PUBLISH, json!({"id": id, "v": v3})).await;
    assert_eq!(published["publishPathway"]["status"], "PUBLISHED");
    let read = app.data(AGREEMENT, json!({"id": id})).await;
    let agreement = &read["pathway"]["agreement"];
    assert_eq!(agreement["complete"], true, "{agreement}");
    assert_eq!(
        states(agreement),
        vec![pair("RRU", "AGREED"), pair("RX1", "AGREED")]
    );
    assert_eq!(
        agreement["organisations"][0]["decidedBy"],
        "Ambulance editor"
    );
    assert_eq!(
        agreement["organisations"][1]["decidedBy"],
        "test administrator"
    );
    assert!(agreement["organisations"][0]["decidedAt"].is_string());

    // The audit trail records each decision with its organisation.
    let rx1 = app.organisation_id("RX1").await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 100) { nodes { operation outcome principalName changes { field after } } } }",
            json!({"o": rx1}),
        )
        .await;
    let entries = trail["auditTrail"].as_array().unwrap();
    let decided: Vec<&Value> = entries
        .iter()
        .filter(|e| e["operation"] == "decidePathwayAgreement" && e["outcome"] == "OK")
        .collect();
    // The three decisions made; the six refused are there too, as refusals.
    assert_eq!(decided.len(), 3, "{entries:#?}");
    assert!(
        decided
            .iter()
            .all(|e| e["principalName"] == "Ambulance editor"
                && e["changes"][0]["field"] == "agreement[RRU]")
    );
    assert!(
        entries
            .iter()
            .any(|e| e["operation"] == "requestPathwayAgreement")
    );
    let publishing = entries
        .iter()
        .find(|e| e["operation"] == "publishPathway" && e["outcome"] == "OK")
        .expect("the publication is audited");
    assert!(
        publishing["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "agreement[RX1]"),
        "{publishing}"
    );
}

#[tokio::test]
async fn the_owner_may_publish_without_agreement_only_with_a_reason_which_the_version_shows() {
    let app = spawn_app().await;
    let (pathway, _editor, _viewer) = shared_pathway(&app).await;
    let id = pathway["id"].clone();
    for blank in ["", "   "] {
        let refused = app
            .error(
                PUBLISH,
                json!({"id": id, "v": pathway["version"], "r": blank}),
            )
            .await;
        assert_eq!(field(&refused), "withoutAgreementReason", "{refused}");
    }
    let reason = "The ambulance trust's lead is on leave; agreed by phone on 1 December";
    let published = app
        .data(
            PUBLISH,
            json!({"id": id, "v": pathway["version"], "r": reason}),
        )
        .await;
    assert_eq!(published["publishPathway"]["status"], "PUBLISHED");
    let read = app.data(AGREEMENT, json!({"id": id})).await;
    let agreement = &read["pathway"]["agreement"];
    assert_eq!(
        states(agreement),
        vec![
            pair("RRU", "PUBLISHED_WITHOUT_AGREEMENT"),
            pair("RX1", "AGREED")
        ]
    );
    assert_eq!(agreement["organisations"][0]["comment"], reason);
    assert_eq!(
        agreement["organisations"][0]["decidedBy"],
        "test administrator"
    );
    assert_eq!(agreement["complete"], true);

    // A version published before qiflow recorded agreement has no decisions on record: it says
    // so, rather than that its organisations' agreement is awaited.
    use sea_orm::{ConnectionTrait, Database};
    let db = Database::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("DELETE FROM agreement")
        .await
        .unwrap();
    let read = app.data(AGREEMENT, json!({"id": id})).await;
    assert_eq!(
        states(&read["pathway"]["agreement"]),
        vec![pair("RRU", "NOT_RECORDED"), pair("RX1", "NOT_RECORDED")]
    );
    assert_eq!(read["pathway"]["agreement"]["complete"], true);
}

#[tokio::test]
async fn a_pathway_in_one_organisation_publishes_as_before() {
    let app = spawn_app().await;
    let mut document = example_document();
    for step in document["steps"].as_array_mut().unwrap() {
        step["organisation"] = json!("RX1");
    }
    let pathway = app.import(&document).await;
    let published = app
        .data(
            PUBLISH,
            json!({"id": pathway["id"], "v": pathway["version"]}),
        )
        .await;
    assert_eq!(published["publishPathway"]["status"], "PUBLISHED");
}

#[tokio::test]
async fn comments_are_written_by_anyone_who_can_see_corrected_by_their_author_and_resolved() {
    let app = spawn_app().await;
    let (pathway, editor, viewer) = shared_pathway(&app).await;
    let id = pathway["id"].clone();
    let content = app
        .data(
            "query($id: ID!) { pathway(id: $id) { steps { id key } transitions { id } } }",
            json!({"id": id}),
        )
        .await;
    let step = content["pathway"]["steps"][0]["id"].clone();
    let transition = content["pathway"]["transitions"][0]["id"].clone();
    const ADD: &str = "mutation($i: AddCommentInput!) { addComment(input: $i) { id about subjectId pathwayId author body resolved version } }";

    // RRU cannot see the draft, so cannot comment on it (as if it did not exist).
    let unseen = app
        .graphql_as(
            Some(&viewer),
            ADD,
            json!({"i": {"stepId": step, "body": "Crews wait here"}}),
        )
        .await;
    assert_eq!(code(&unseen["errors"][0]), "NOT_FOUND", "{unseen}");
    app.data(
        "mutation($id: ID!, $v: Int!) { requestPathwayAgreement(pathwayId: $id, expectedVersion: $v) { complete } }",
        json!({"id": id, "v": pathway["version"]}),
    )
    .await;
    // Once asked, even RRU's viewer may comment, on a step and on a transition.
    let on_step = app
        .graphql_as(
            Some(&viewer),
            ADD,
            json!({"i": {"stepId": step, "body": "  Crews wait here  "}}),
        )
        .await;
    let on_step = on_step["data"]["addComment"].clone();
    assert_eq!(on_step["about"], "STEP");
    assert_eq!(on_step["subjectId"], step);
    assert_eq!(on_step["pathwayId"], id);
    assert_eq!(on_step["body"], "Crews wait here");
    let on_transition = app
        .graphql_as(
            Some(&editor),
            ADD,
            json!({"i": {"transitionId": transition, "body": "Is 30 minutes right?"}}),
        )
        .await;
    assert_eq!(on_transition["data"]["addComment"]["about"], "TRANSITION");

    // Bad input names its field.
    let empty = app
        .error(ADD, json!({"i": {"pathwayId": id, "body": " "}}))
        .await;
    assert_eq!(field(&empty), "body");
    let long = app
        .error(
            ADD,
            json!({"i": {"pathwayId": id, "body": "x".repeat(4_001)}}),
        )
        .await;
    assert_eq!(field(&long), "body");
    let two = app
        .error(
            ADD,
            json!({"i": {"pathwayId": id, "stepId": step, "body": "Which?"}}),
        )
        .await;
    assert_eq!(code(&two), "VALIDATION");

    // Only the author corrects it, and each reader is told whether it is theirs; anyone who can
    // see it resolves it.
    const YOURS: &str = "query($id: ID!) { node(id: $id) { ... on Comment { yours } } }";
    for (token, yours) in [(&viewer, true), (&editor, false), (&app.token, false)] {
        let read = app
            .graphql_as(Some(token), YOURS, json!({"id": on_step["id"]}))
            .await;
        assert_eq!(read["data"]["node"]["yours"], yours, "{read}");
    }
    const EDIT: &str =
        "mutation($i: EditCommentInput!) { editComment(input: $i) { body version } }";
    let not_author = app
        .error(
            EDIT,
            json!({"i": {"id": on_step["id"], "expectedVersion": 1, "body": "Changed"}}),
        )
        .await;
    assert_eq!(code(&not_author), "FORBIDDEN", "{not_author}");
    let corrected = app
        .graphql_as(
            Some(&viewer),
            EDIT,
            json!({"i": {"id": on_step["id"], "expectedVersion": 1, "body": "Crews wait here 20 minutes"}}),
        )
        .await;
    assert_eq!(
        corrected["data"]["editComment"],
        json!({"body": "Crews wait here 20 minutes", "version": 2})
    );
    const RESOLVE: &str = "mutation($i: ResolveCommentInput!) { resolveComment(input: $i) { resolved resolvedBy version } }";
    let stale = app
        .error(
            RESOLVE,
            json!({"i": {"id": on_step["id"], "expectedVersion": 1, "resolved": true}}),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT");
    let resolved = app
        .data(
            RESOLVE,
            json!({"i": {"id": on_step["id"], "expectedVersion": 2, "resolved": true}}),
        )
        .await;
    assert_eq!(
        resolved["resolveComment"],
        json!({"resolved": true, "resolvedBy": "test administrator", "version": 3})
    );
    let listed = app
        .data(
            "query($id: ID!) { pathway(id: $id) { all: comments { totalCount } open: comments(unresolvedOnly: true) { nodes { about } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(listed["pathway"]["all"]["totalCount"], 2);
    assert_eq!(listed["pathway"]["open"], json!([{"about": "TRANSITION"}]));
    // It is found by id like any object; another organisation finds nothing.
    let found = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Comment { body resolved } } }",
            json!({"id": on_step["id"]}),
        )
        .await;
    assert_eq!(found["node"]["resolved"], true);
    let other = app.token_for("Other trust", "ZZ1", "ADMIN", false).await;
    let theirs = app
        .graphql_as(
            Some(&other),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": on_step["id"]}),
        )
        .await;
    assert_eq!(theirs["data"]["node"], Value::Null);
    // The audit trail has each write.
    let rx1 = app.organisation_id("RX1").await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 100) { nodes { operation } } }",
            json!({"o": rx1}),
        )
        .await;
    let operations: Vec<&str> = trail["auditTrail"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["operation"].as_str())
        .collect();
    for operation in ["addComment", "editComment", "resolveComment"] {
        assert!(operations.contains(&operation), "{operations:?}");
    }
}

#[tokio::test]
async fn a_change_idea_that_moves_work_between_organisations_is_adopted_only_with_their_agreement()
{
    let app = spawn_app().await;
    let (pathway, editor, _viewer) = shared_pathway(&app).await;
    let (project, primary) = project_with_a_driver(&app, &pathway).await;
    let primary_id = primary["drivers"][0]["id"].clone();
    let with_ideas = app
        .data(ADD_DRIVER, json!({"i": {"projectId": project["id"], "expectedVersion": primary["version"], "parentId": primary_id,
                                "kind": "CHANGE_IDEA", "text": "Paramedics triage at the scene",
                                "changes": [{"moveStep": {"step": "triage", "organisation": "RRU"}}]}}))
        .await["addDriver"]
        .clone();
    let idea = with_ideas["drivers"][1]["id"].clone();
    let with_inside = app
        .data(ADD_DRIVER, json!({"i": {"projectId": project["id"], "expectedVersion": with_ideas["version"], "parentId": primary_id,
                                "kind": "CHANGE_IDEA", "text": "Faster X-ray reporting",
                                "changes": [{"setTouchMinutes": {"step": "xray", "minutes": 10}}]}}))
        .await["addDriver"]
        .clone();
    let inside = with_inside["drivers"][2]["id"].clone();
    const IDEA: &str = "query($id: ID!) { node(id: $id) { ... on Driver { agreement { complete organisations { organisation { odsCode } state decidedBy comment } } comments { nodes { body author } } } } }";

    // A change inside one organisation needs nobody else's agreement.
    let read = app.data(IDEA, json!({"id": inside})).await;
    assert_eq!(read["node"]["agreement"]["organisations"], json!([]));
    assert_eq!(read["node"]["agreement"]["complete"], true);
    let nobody = app
        .error(
            "mutation($id: ID!) { requestChangeIdeaAgreement(changeIdeaId: $id) { complete } }",
            json!({"id": inside}),
        )
        .await;
    assert_eq!(field(&nobody), "changeIdeaId");

    // Moving triage into the ambulance trust involves both trusts.
    let read = app.data(IDEA, json!({"id": idea})).await;
    assert_eq!(
        states(&read["node"]["agreement"]),
        vec![pair("RRU", "AWAITED"), pair("RX1", "AWAITED")]
    );

    // A cycle tests the idea; ADOPT is refused while RRU has not agreed.
    let measure = app
        .data(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": with_inside["version"], "name": "Hours to theatre",
                          "kind": "OUTCOME", "definition": "Median hours, weekly", "direction": "DECREASE"}}),
        )
        .await["addMeasure"]["measure"]["id"]
        .clone();
    let cycle = app
        .data(
            "mutation($i: PlanCycleInput!) { planCycle(input: $i) { id } }",
            json!({"i": {"projectId": project["id"], "changeIdea": "Paramedics triage at the scene", "changeIdeaId": idea,
                          "objective": "Try it for a month", "predictions": [{"measureId": measure, "expectedValue": 30}]}}),
        )
        .await["planCycle"]["id"]
        .clone();
    const ADVANCE: &str = "mutation($id: ID!, $v: Int!, $a: CycleMoveInput!) { advanceCycle(cycleId: $id, expectedVersion: $v, action: $a) { cycle { stage } newPathwayVersionId } }";
    for (version, action) in [
        (1, json!({"start": {"actualStart": "2025-01-06"}})),
        (2, json!({"complete": {"actualEnd": "2025-02-03"}})),
        (3, json!({"learn": {"learning": "Handovers were quicker"}})),
    ] {
        app.data(ADVANCE, json!({"id": cycle, "v": version, "a": action}))
            .await;
    }
    let adopt = json!({"id": cycle, "v": 4, "a": {"decide": {"decision": "ADOPT", "rationale": "It works"}}});
    let refused = app.error(ADVANCE, adopt.clone()).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("(RRU)"),
        "{refused}"
    );

    // Asked, RRU can see the idea, comment on it and approve it.
    app.data(
        "mutation($id: ID!) { requestChangeIdeaAgreement(changeIdeaId: $id) { complete } }",
        json!({"id": idea}),
    )
    .await;
    let commented = app
        .graphql_as(
            Some(&editor),
            "mutation($id: ID!) { addComment(input: {changeIdeaId: $id, body: \"We need two more crews\"}) { about } }",
            json!({"id": idea}),
        )
        .await;
    assert_eq!(
        commented["data"]["addComment"]["about"], "CHANGE_IDEA",
        "{commented}"
    );
    const DECIDE_IDEA: &str = "mutation($i: ChangeIdeaAgreementInput!) { decideChangeIdeaAgreement(input: $i) { organisations { organisation { odsCode } state } } }";
    let approved = app
        .graphql_as(
            Some(&editor),
            DECIDE_IDEA,
            json!({"i": {"changeIdeaId": idea, "decision": "APPROVE"}}),
        )
        .await;
    assert!(approved["errors"].is_null(), "{approved}");
    assert_eq!(
        states(&approved["data"]["decideChangeIdeaAgreement"]),
        vec![pair("RRU", "AGREED"), pair("RX1", "AWAITED")]
    );

    // Changing what the idea changes clears the agreement given to the old change set.
    let project_version = app
        .data(
            "query($id: ID!) { project(id: $id) { version } }",
            json!({"id": project["id"]}),
        )
        .await["project"]["version"]
        .clone();
    app.data(
        "mutation($i: UpdateDriverInput!) { updateDriver(input: $i) { version } }",
        json!({"i": {"id": idea, "expectedVersion": project_version,
                      "changes": [{"moveStep": {"step": "triage", "organisation": "RRU"}},
                                  {"setWaitMinutes": {"from": "arrive", "to": "triage", "minutes": 5}}]}}),
    )
    .await;
    let read = app.data(IDEA, json!({"id": idea})).await;
    assert_eq!(
        states(&read["node"]["agreement"]),
        vec![pair("RRU", "AWAITED"), pair("RX1", "AWAITED")]
    );
    assert_eq!(
        read["node"]["comments"],
        json!([{"body": "We need two more crews", "author": "Ambulance editor"}])
    );
    app.graphql_as(
        Some(&editor),
        DECIDE_IDEA,
        json!({"i": {"changeIdeaId": idea, "decision": "APPROVE"}}),
    )
    .await;

    // Now ADOPT makes the new version; the adopter's own organisation agrees by adopting.
    let adopted = app.data(ADVANCE, adopt).await;
    assert!(
        adopted["advanceCycle"]["newPathwayVersionId"].is_string(),
        "{adopted}"
    );
    let read = app.data(IDEA, json!({"id": idea})).await;
    assert_eq!(
        states(&read["node"]["agreement"]),
        vec![pair("RRU", "AGREED"), pair("RX1", "AGREED")]
    );
    assert_eq!(
        read["node"]["agreement"]["organisations"][1]["comment"],
        "agreed by adopting"
    );
}

/// The pathway page: the organisations' agreement, asking them, the discussion, and the owner
/// publishing without an organisation's agreement with a reason.
#[tokio::test]
async fn the_pathway_page_asks_for_agreement_holds_the_discussion_and_publishes_with_a_reason() {
    use crate::browser::{assert_accessible, click, open_browser, wait_for};
    use crate::workplace::{choose, fill, notice, text, wait_for_xpath};
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = crate::helpers::spawn_app_with(true).await;
    // A community trust the demo's administrator does not belong to runs the first step.
    app.token_for("Community editor", "RYY", "EDITOR", false)
        .await;
    let mut document = example_document();
    document["owner"] = json!("RZ1");
    document["organisations"] =
        json!([{"odsCode": "RZ1", "name": "Riverside Hospital", "kind": "ACUTE_TRUST"}]);
    for step in document["steps"].as_array_mut().unwrap() {
        step["organisation"] = json!(if step["key"] == "arrive" {
            "RYY"
        } else {
            "RZ1"
        });
    }
    let pathway = app.import(&document).await;
    let id = pathway["id"].as_str().unwrap();

    open_signed_in(&client, &app, &format!("#/pathway/{id}")).await;
    wait_for(&client, "#agreement-table").await;
    let table = text(&client, "#agreement-table").await;
    assert!(
        table.contains("Organisation RYY (RYY)") && table.contains("awaited"),
        "{table}"
    );
    // Publishing waits for the community trust.
    let publish = wait_for(&client, "#publish").await;
    assert_eq!(publish.attr("disabled").await.unwrap(), Some("true".into()));
    assert!(
        text(&client, "#agreement-waiting")
            .await
            .contains("Organisation RYY")
    );
    click(&client, "//button[@id='ask-agreement']").await;
    notice(&client, "Asked the organisations").await;
    wait_for_xpath(
        &client,
        "//tr[@data-organisation='RYY'][contains(., 'asked')]",
    )
    .await;
    // What the community trust sees through the API matches.
    let agreement = app.data(AGREEMENT, json!({"id": id})).await;
    assert_eq!(
        states(&agreement["pathway"]["agreement"]),
        vec![pair("RYY", "AWAITED"), pair("RZ1", "AWAITED")]
    );

    // A comment on a step, named before anything is sent when empty, then resolved.
    click(&client, "//button[.='Add the comment']").await;
    wait_for_xpath(
        &client,
        "//div[contains(@class,'nhsuk-error-summary')][contains(., 'write the comment')]",
    )
    .await;
    let step = app
        .data(
            "query($id: ID!) { pathway(id: $id) { steps { id key } } }",
            json!({"id": id}),
        )
        .await["pathway"]["steps"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    choose(&client, "#comment-about", &format!("step:{step}")).await;
    fill(&client, "#comment-body", "Triage takes longer at night").await;
    click(&client, "//button[.='Add the comment']").await;
    notice(&client, "Added the comment").await;
    let list = text(&client, "#comment-list").await;
    assert!(
        list.contains("Step: ED triage") && list.contains("Triage takes longer at night"),
        "{list}"
    );
    // Its author corrects it: a blank correction is refused by the API's word, in its own form.
    let comment = app
        .data(
            "query($id: ID!) { pathway(id: $id) { comments { nodes { id yours } } } }",
            json!({"id": id}),
        )
        .await["pathway"]["comments"][0]
        .clone();
    assert_eq!(comment["yours"], true, "{comment}");
    let correction = format!("#correct-{}", comment["id"].as_str().unwrap());
    click(&client, "//li[contains(., 'Triage takes longer')]//summary").await;
    fill(&client, &correction, "").await;
    click(&client, "//button[.='Save the correction']").await;
    wait_for(&client, &format!("{correction}-error")).await;
    assert!(
        text(&client, &format!("{correction}-error"))
            .await
            .contains("write the comment")
    );
    fill(
        &client,
        &correction,
        "Triage takes longer at night, after 22:00",
    )
    .await;
    click(&client, "//button[.='Save the correction']").await;
    notice(&client, "Corrected the comment").await;
    let corrected = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Comment { body version } } }",
            json!({"id": comment["id"]}),
        )
        .await;
    assert_eq!(
        corrected["node"],
        json!({"body": "Triage takes longer at night, after 22:00", "version": 2})
    );
    assert!(text(&client, "#comment-list").await.contains("after 22:00"));
    click(
        &client,
        "//li[contains(., 'Triage takes longer')]//button[starts-with(., 'Mark resolved')]",
    )
    .await;
    notice(&client, "Marked the comment resolved").await;
    wait_for_xpath(
        &client,
        "//li[@data-resolved='true'][contains(., 'Triage takes longer')]",
    )
    .await;
    assert_accessible(&client, "a draft awaiting agreement, with comments").await;

    // The owner publishes without the community trust's agreement, with a reason.
    click(
        &client,
        "//summary[contains(., 'Publish without their agreement')]",
    )
    .await;
    click(&client, "//button[.='Publish without their agreement']").await;
    wait_for_xpath(
        &client,
        "//div[contains(@class,'nhsuk-error-summary')][contains(., 'say why')]",
    )
    .await;
    fill(
        &client,
        "#withoutAgreementReason",
        "Agreed at the ICS board on 1 December",
    )
    .await;
    click(&client, "//button[.='Publish without their agreement']").await;
    notice(&client, "Published without every organisation's agreement").await;
    wait_for_xpath(&client, "//tr[@data-organisation='RYY'][contains(., 'published without agreement')][contains(., 'Agreed at the ICS board')]").await;
    let agreement = app.data(AGREEMENT, json!({"id": id})).await;
    assert_eq!(agreement["pathway"]["status"], "PUBLISHED");
    assert_eq!(
        agreement["pathway"]["agreement"]["organisations"][0]["comment"],
        "Agreed at the ICS board on 1 December"
    );
    assert_accessible(&client, "a version published without agreement").await;

    // On the project's driver diagram, a change idea moving triage into the community trust
    // shows whose agreement it needs, and asks them.
    let project = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version } }",
            json!({"i": {"title": "Triage in the community", "aim": "Fewer admissions", "owner": "RZ1", "pathwayId": id}}),
        )
        .await["createProject"]
        .clone();
    let primary = app
        .data(ADD_DRIVER, json!({"i": {"projectId": project["id"], "expectedVersion": project["version"], "kind": "PRIMARY_DRIVER", "text": "Front door"}}))
        .await["addDriver"]
        .clone();
    let with_idea = app
        .data(ADD_DRIVER, json!({"i": {"projectId": project["id"], "expectedVersion": primary["version"], "parentId": primary["drivers"][0]["id"],
                                "kind": "CHANGE_IDEA", "text": "Community triage",
                                "changes": [{"moveStep": {"step": "triage", "organisation": "RYY"}}]}}))
        .await["addDriver"]
        .clone();
    let idea = with_idea["drivers"][1]["id"].clone();
    client
        .goto(&format!(
            "{}/#/project/{}",
            app.address,
            project["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    wait_for_xpath(&client, "//span[contains(@class,'qf-agreement')][contains(., 'Organisation RYY (RYY)')][contains(., 'awaited')]").await;
    click(&client, "//button[contains(., 'Ask them to agree')]").await;
    for _ in 0..100 {
        let asked = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Driver { agreement { organisations { requestedAt } } } } }",
                json!({"id": idea}),
            )
            .await;
        if asked["node"]["agreement"]["organisations"][0]["requestedAt"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let asked = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Driver { agreement { organisations { requestedAt } } } } }",
            json!({"id": idea}),
        )
        .await;
    assert!(
        asked["node"]["agreement"]["organisations"][0]["requestedAt"].is_string(),
        "the page did not ask for agreement to the change idea: {asked}"
    );

    // The change idea's discussion: opened, written in, resolved.
    click(&client, "//button[contains(., 'Comments')]").await;
    let box_id = format!("#idea-comment-{}", idea.as_str().unwrap());
    fill(&client, &box_id, "Who staffs it at weekends?").await;
    click(
        &client,
        "//div[@data-discussion]//button[.='Add the comment']",
    )
    .await;
    wait_for_xpath(
        &client,
        "//div[@data-discussion]//li[contains(., 'Who staffs it at weekends?')]",
    )
    .await;
    click(
        &client,
        "//div[@data-discussion]//li[contains(., 'Who staffs it')]//summary",
    )
    .await;
    let comment = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Driver { comments { nodes { id } } } } }",
            json!({"id": idea}),
        )
        .await["node"]["comments"][0]["id"]
        .clone();
    let correction = format!("#correct-{}", comment.as_str().unwrap());
    // Corrected elsewhere after the page read it: the page's correction is refused as stale,
    // saying so about the comment, and the discussion shows the other correction.
    app.data(
        "mutation($i: EditCommentInput!) { editComment(input: $i) { version } }",
        json!({"i": {"id": comment, "expectedVersion": 1, "body": "Who staffs it at weekends? (asked twice)"}}),
    )
    .await;
    fill(&client, &correction, "Who staffs it on Saturdays?").await;
    click(
        &client,
        "//div[@data-discussion]//button[.='Save the correction']",
    )
    .await;
    wait_for_xpath(
        &client,
        "//p[@role='alert'][contains(., 'Someone else changed this comment since you read it')]",
    )
    .await;
    wait_for_xpath(
        &client,
        "//div[@data-discussion]//li[contains(., '(asked twice)')]",
    )
    .await;
    client
        .execute(
            "document.querySelector(arguments[0]).closest('details').open = true;",
            vec![json!(correction)],
        )
        .await
        .unwrap();
    fill(
        &client,
        &correction,
        "Who staffs it at weekends and on bank holidays?",
    )
    .await;
    click(
        &client,
        "//div[@data-discussion]//button[.='Save the correction']",
    )
    .await;
    wait_for_xpath(
        &client,
        "//div[@data-discussion]//li[contains(., 'bank holidays')]",
    )
    .await;
    click(
        &client,
        "//div[@data-discussion]//li[contains(., 'Who staffs it')]//button[starts-with(., 'Mark resolved')]",
    )
    .await;
    wait_for_xpath(
        &client,
        "//div[@data-discussion]//li[@data-resolved='true']",
    )
    .await;
    let comments = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Driver { comments { nodes { body resolved author } } } } }",
            json!({"id": idea}),
        )
        .await;
    assert_eq!(
        comments["node"]["comments"],
        json!([{"body": "Who staffs it at weekends and on bank holidays?", "resolved": true, "author": "demo administrator"}])
    );
    assert_accessible(&client, "a change idea's agreement and discussion").await;
}

/// The driver diagram suggests the demo change idea's family of measures and adds the process
/// measure, computed from the demo log, in one click.
#[tokio::test]
async fn the_driver_diagram_suggests_measures_and_adds_one_computed_from_the_log() {
    use crate::browser::{assert_accessible, click, open_browser};
    use crate::workplace::wait_for_xpath;
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = crate::helpers::spawn_app_with(true).await;
    let project = app
        .data(
            "{ projects(first: 1) { nodes { id drivers { id kind suggestedMeasures { family name fromActivity toActivity } } } } }",
            json!({}),
        )
        .await["projects"][0]
        .clone();
    let idea = project["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "CHANGE_IDEA")
        .unwrap()
        .clone();
    let process = idea["suggestedMeasures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["family"] == "PROCESS")
        .unwrap()
        .clone();
    let name = process["name"].as_str().unwrap();
    open_signed_in(
        &client,
        &app,
        &format!("#/project/{}", project["id"].as_str().unwrap()),
    )
    .await;
    click(&client, "//button[contains(., 'Suggest measures')]").await;
    // The page lists what the API suggests, family by family.
    for family in ["OUTCOME", "PROCESS", "BALANCING"] {
        wait_for_xpath(&client, &format!("//li[@data-family='{family}']")).await;
    }
    assert_accessible(&client, "a change idea's suggested measures").await;
    click(
        &client,
        &format!("//li[@data-family='PROCESS'][contains(., \"{name}\")]//button"),
    )
    .await;
    for _ in 0..100 {
        let measures = app
            .data(
                "query($id: ID!) { project(id: $id) { measures { nodes { name points(first: 1) { totalCount } } } } }",
                json!({"id": project["id"]}),
            )
            .await;
        if let Some(m) = measures["project"]["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
        {
            assert!(m["points"]["totalCount"].as_u64().unwrap() > 0, "{m}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the page did not add the suggested measure {name}");
}

/// Several first decisions for one organisation at once (two people, or a double click): each
/// is recorded or refused with CONFLICT, never an internal error, and one decision stands.
#[tokio::test]
async fn decisions_sent_at_once_for_one_organisation_are_recorded_or_refused_as_conflicts() {
    let app = spawn_app().await;
    let (first, editor, _viewer) = shared_pathway(&app).await;
    for round in 0..3 {
        let pathway = if round == 0 {
            first.clone()
        } else {
            let mut document = example_document();
            document["name"] = json!(format!("Hip fracture {round}"));
            app.import(&document).await
        };
        app.data(
            "mutation($id: ID!, $v: Int!) { requestPathwayAgreement(pathwayId: $id, expectedVersion: $v) { complete } }",
            json!({"id": pathway["id"], "v": pathway["version"]}),
        )
        .await;
        let requests = (0..8).map(|_| {
            app.graphql_as(
                Some(&editor),
                DECIDE,
                json!({"i": {"pathwayId": pathway["id"], "expectedVersion": pathway["version"], "decision": "APPROVE"}}),
            )
        });
        let responses = futures::future::join_all(requests).await;
        for response in &responses {
            if let Some(errors) = response.get("errors") {
                assert_eq!(code(&errors[0]), "CONFLICT", "round {round}: {response:#}");
            }
        }
        assert!(
            responses.iter().any(|r| r.get("errors").is_none()),
            "round {round}: none recorded: {responses:#?}"
        );
        let read = app.data(AGREEMENT, json!({"id": pathway["id"]})).await;
        assert_eq!(
            states(&read["pathway"]["agreement"]),
            vec![pair("RRU", "AGREED"), pair("RX1", "AWAITED")]
        );
    }
}

/// A draft deleted as a mistake takes its comments and decisions with it (nothing is left
/// pointing at a pathway that is gone).
#[tokio::test]
async fn deleting_a_draft_removes_its_comments_and_decisions() {
    let app = spawn_app().await;
    let (pathway, editor, _viewer) = shared_pathway(&app).await;
    let id = pathway["id"].as_str().unwrap().to_string();
    app.data(
        "mutation($id: ID!, $v: Int!) { requestPathwayAgreement(pathwayId: $id, expectedVersion: $v) { complete } }",
        json!({"id": id, "v": pathway["version"]}),
    )
    .await;
    let changes = app
        .graphql_as(
            Some(&editor),
            DECIDE,
            json!({"i": {"pathwayId": id, "expectedVersion": pathway["version"], "decision": "REQUEST_CHANGES", "comment": "Not yet"}}),
        )
        .await;
    assert!(changes["errors"].is_null(), "{changes}");
    // This installation holds only this pathway's comments and decisions.
    assert_eq!(comments_and_decisions(&app).await, (1, 2));
    app.data(
        "mutation($id: ID!, $v: Int!) { deletePathway(id: $id, expectedVersion: $v) }",
        json!({"id": id, "v": pathway["version"]}),
    )
    .await;
    assert_eq!(comments_and_decisions(&app).await, (0, 0));
}

/// How many comments and decisions the installation holds, counted in the database itself.
async fn comments_and_decisions(app: &TestApp) -> (i64, i64) {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(&app.database_url).await.unwrap();
    let mut counts = [0; 2];
    for (count, table) in counts.iter_mut().zip(["comment", "agreement"]) {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        *count = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
    }
    (counts[0], counts[1])
}

#[tokio::test]
async fn removing_a_change_idea_removes_its_comments_and_decisions_and_no_others() {
    let app = spawn_app().await;
    let (pathway, editor, _viewer) = shared_pathway(&app).await;
    let (project, primary) = project_with_a_driver(&app, &pathway).await;
    let mut version = primary["version"].clone();
    let mut ideas = Vec::new();
    for text in [
        "Paramedics triage at the scene",
        "Paramedics triage by video",
    ] {
        let added = app
            .data(ADD_DRIVER, json!({"i": {"projectId": project["id"], "expectedVersion": version,
                                    "parentId": primary["drivers"][0]["id"], "kind": "CHANGE_IDEA", "text": text,
                                    "changes": [{"moveStep": {"step": "triage", "organisation": "RRU"}}]}}))
            .await["addDriver"]
            .clone();
        version = added["version"].clone();
        ideas.push(added["drivers"].as_array().unwrap().last().unwrap()["id"].clone());
    }
    let mut comments = Vec::new();
    for idea in &ideas {
        app.data(
            "mutation($id: ID!) { requestChangeIdeaAgreement(changeIdeaId: $id) { complete } }",
            json!({"id": idea}),
        )
        .await;
        let decided = app
            .graphql_as(
                Some(&editor),
                "mutation($i: ChangeIdeaAgreementInput!) { decideChangeIdeaAgreement(input: $i) { complete } }",
                json!({"i": {"changeIdeaId": idea, "decision": "APPROVE"}}),
            )
            .await;
        assert!(decided["errors"].is_null(), "{decided}");
        let commented = app
            .graphql_as(
                Some(&editor),
                "mutation($id: ID!) { addComment(input: {changeIdeaId: $id, body: \"We need two more crews\"}) { id } }",
                json!({"id": idea}),
            )
            .await;
        comments.push(commented["data"]["addComment"]["id"].clone());
    }
    const IDEA: &str = "query($id: ID!) { node(id: $id) { ... on Driver { agreement { organisations { state } } comments { nodes { id } } } } }";
    let kept = app.data(IDEA, json!({"id": ideas[1]})).await;
    // Each idea: one comment, and a row for each of its two organisations (asked, then RRU decided).
    assert_eq!(comments_and_decisions(&app).await, (2, 4));

    app.data(
        "mutation($id: ID!, $v: Int!) { removeDriver(id: $id, expectedVersion: $v) { version } }",
        json!({"id": ideas[0], "v": version}),
    )
    .await;
    let gone = app
        .error(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": comments[0]}),
        )
        .await;
    assert_eq!(code(&gone), "NOT_FOUND", "{gone}");
    // Only the other idea's comment and decision are left.
    assert_eq!(comments_and_decisions(&app).await, (1, 2));
    // The other idea keeps its decision and its discussion.
    assert_eq!(app.data(IDEA, json!({"id": ideas[1]})).await, kept);
    assert_eq!(
        kept["node"]["comments"],
        json!([{"id": comments[1]}]),
        "{kept}"
    );
}

/// The page counts every open comment, not only those it shows, says when it shows only the
/// oldest, and shows the rest on asking.
#[tokio::test]
async fn the_pathway_page_counts_every_open_comment_and_shows_them_all_on_asking() {
    use crate::browser::{click, open_browser, wait_for};
    use crate::workplace::text;
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let pathway = app.import(&example_document()).await;
    let id = pathway["id"].as_str().unwrap();
    let mut first = Vec::new();
    for n in 1..=103 {
        let added = app
            .data(
                "mutation($id: ID!, $b: String!) { addComment(input: {pathwayId: $id, body: $b}) { id } }",
                json!({"id": id, "b": format!("Comment {n}")}),
            )
            .await;
        if n <= 4 {
            first.push(added["addComment"]["id"].clone());
        }
    }
    for comment in &first {
        app.data(
            "mutation($i: ResolveCommentInput!) { resolveComment(input: $i) { id } }",
            json!({"i": {"id": comment, "expectedVersion": 1, "resolved": true}}),
        )
        .await;
    }
    let counted = app
        .data(
            "query($id: ID!) { pathway(id: $id) { comments(first: 1) { totalCount } open: comments(unresolvedOnly: true, first: 1) { totalCount } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        (
            &counted["pathway"]["comments"]["totalCount"],
            &counted["pathway"]["open"]["totalCount"]
        ),
        (&json!(103), &json!(99))
    );

    open_signed_in(&client, &app, &format!("#/pathway/{id}")).await;
    wait_for(&client, "#comments-shown").await;
    assert_eq!(text(&client, "#comments-open").await, "(99 open)");
    assert_eq!(
        text(&client, "#comments-shown").await,
        "Showing the oldest 50 of 103 comments."
    );
    let listed = || async {
        client
            .execute(
                "return document.querySelectorAll('#comment-list > li').length;",
                vec![],
            )
            .await
            .unwrap()
    };
    assert_eq!(listed().await, json!(50));
    // The rest on asking, fifty at a time, and still after a change (which reads the pathway
    // again).
    click(&client, "//button[@id='more-comments']").await;
    wait_for(&client, "#comment-list > li:nth-child(100)").await;
    assert_eq!(
        text(&client, "#comments-shown").await,
        "Showing the oldest 100 of 103 comments."
    );
    click(&client, "//button[@id='more-comments']").await;
    wait_for(&client, "#comment-list > li:nth-child(103)").await;
    assert!(
        client
            .find(fantoccini::Locator::Css("#comments-shown"))
            .await
            .is_err(),
        "all shown"
    );
    click(
        &client,
        "//li[contains(., 'Comment 103')]//button[starts-with(., 'Mark resolved')]",
    )
    .await;
    crate::workplace::notice(&client, "Marked the comment resolved").await;
    assert_eq!(text(&client, "#comments-open").await, "(98 open)");
    assert_eq!(listed().await, json!(103));
    client.close().await.unwrap();
}
