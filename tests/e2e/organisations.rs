use crate::helpers::{code, field, spawn_app};
use serde_json::json;

#[tokio::test]
async fn healthz_answers_when_the_database_does_and_graphiql_is_served() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn organisations_are_created_listed_and_found() {
    let app = spawn_app().await;
    let gp = app
        .organisation("Y05794", "Meadow Lane Surgery", "PRIMARY_CARE")
        .await;
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let data = app
        .data("{ organisations { nodes { odsCode kind } } }", json!({}))
        .await;
    assert_eq!(
        data["organisations"],
        json!([{"odsCode": "RX1", "kind": "ACUTE_TRUST"}, {"odsCode": "XQ1", "kind": "OTHER"}, {"odsCode": "Y05794", "kind": "PRIMARY_CARE"}])
    );
    let one = app
        .data(
            "query($id: ID!) { organisation(id: $id) { id odsCode name } }",
            json!({"id": gp}),
        )
        .await;
    assert_eq!(one["organisation"]["name"], "Meadow Lane Surgery");
}

#[tokio::test]
async fn a_taken_ods_code_is_a_conflict_and_a_bad_one_is_invalid() {
    let app = spawn_app().await;
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let create = "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }";
    let err = app
        .error(
            create,
            json!({"i": {"odsCode": "RX1", "name": "Other", "kind": "OTHER"}}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    let err = app
        .error(
            create,
            json!({"i": {"odsCode": "rx-1", "name": "Other", "kind": "OTHER"}}),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION");
    assert_eq!(field(&err), "odsCode");
    let err = app
        .error(
            create,
            json!({"i": {"odsCode": "RX2", "name": "   ", "kind": "OTHER"}}),
        )
        .await;
    assert_eq!(field(&err), "name");
    let data = app
        .data("{ organisations { nodes { odsCode } } }", json!({}))
        .await;
    // The installation's own organisation and the one created.
    assert_eq!(data["organisations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let app = spawn_app().await;
    let q = "query($id: ID!) { organisation(id: $id) { id } }";
    let err = app
        .error(q, json!({"id": uuid::Uuid::now_v7().to_string()}))
        .await;
    assert_eq!(code(&err), "NOT_FOUND");
    let err = app.error(q, json!({"id": "not-an-id"})).await;
    assert_eq!(code(&err), "VALIDATION");
    assert_eq!(field(&err), "id");
    let err = app
        .error(
            "query($id: ID!) { pathway(id: $id) { id } }",
            json!({"id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    assert_eq!(code(&err), "NOT_FOUND");
}

#[tokio::test]
async fn requests_the_schema_rejects_still_carry_a_code() {
    let app = spawn_app().await;
    let err = app.error("{ nope }", json!({})).await;
    assert_eq!(code(&err), "VALIDATION");
    let err = app
        .error(
            "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }",
            json!({"i": {"odsCode": "RX1", "name": "X", "kind": "SPACESHIP"}}),
        )
        .await;
    assert_eq!(code(&err), "VALIDATION");
    let deep = format!(
        "{{ pathways {{ edges {{ node {{ {} id {} }} }} }} }}",
        "parent { ".repeat(12),
        "} ".repeat(12)
    );
    let err = app.error(&deep, json!({})).await;
    assert_eq!(code(&err), "VALIDATION");
    assert!(err["message"].as_str().unwrap().contains("deep"), "{err:#}");
}

#[tokio::test]
async fn every_argument_naming_an_organisation_takes_its_ods_code_or_its_id() {
    let app = crate::helpers::spawn_app().await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    let rx1 = app.organisation_id("RX1").await;
    let rru = app.organisation_id("RRU").await;
    let by_code = app
        .data(
            "{ organisation(id: \"RX1\") { id odsCode } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(by_code["organisation"]["id"], rx1);
    // An id where a code was asked for, and a code where an id was.
    let project = app
        .data(
            "mutation($o: String!) { createProject(input: {title: \"Flow\", aim: \"Faster\", owner: $o}) { owner { odsCode } } }",
            serde_json::json!({"o": rx1}),
        )
        .await;
    assert_eq!(project["createProject"]["owner"]["odsCode"], "RX1");
    let shared = app
        .data(
            "mutation($p: ID!) { sharePathway(pathwayId: $p, organisationId: \"RRU\", role: VIEWER) }",
            serde_json::json!({"p": pathway["id"]}),
        )
        .await;
    assert_eq!(shared["sharePathway"], true);
    let shares = app
        .data(
            "query($p: ID!) { pathway(id: $p) { shares { nodes { organisationId odsCode } } } }",
            serde_json::json!({"p": pathway["id"]}),
        )
        .await;
    assert_eq!(
        shares["pathway"]["shares"],
        serde_json::json!([{"organisationId": rru, "odsCode": "RRU"}])
    );
    let trail = app
        .graphql(
            "{ auditTrail(organisationId: \"RX1\", first: 1) { nodes { id } } }",
            serde_json::json!({}),
        )
        .await;
    assert!(trail["errors"].is_null(), "{trail}");
    let unknown = app
        .error(
            "{ organisation(id: \"ZZZ99\") { id } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(crate::helpers::code(&unknown), "NOT_FOUND");
    let neither = app
        .error(
            "{ organisation(id: \"not an org!\") { id } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        (
            crate::helpers::code(&neither),
            crate::helpers::field(&neither)
        ),
        ("VALIDATION", "id")
    );
}
