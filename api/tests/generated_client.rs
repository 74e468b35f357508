//! A client generated from the exported schema by a standard toolchain (`graphql_client`'s derive,
//! at compile time): this file not compiling means client developers cannot generate code from
//! `api/schema.graphql`. The generated types then read answers shaped as the server gives them.

use graphql_client::GraphQLQuery;

// The schema's custom scalars, as a client maps them.
type NaiveDate = String;
type DateTime = String;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/client/queries.graphql",
    response_derives = "Debug"
)]
struct Pathways;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/client/queries.graphql",
    response_derives = "Debug"
)]
struct Node;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "schema.graphql",
    query_path = "tests/client/queries.graphql",
    response_derives = "Debug"
)]
struct RotateToken;

#[test]
fn generated_types_read_answers_shaped_as_the_server_gives_them() {
    let body = Pathways::build_query(pathways::Variables { first: 10 });
    assert_eq!(body.operation_name, "Pathways");
    let answer: pathways::ResponseData = serde_json::from_value(serde_json::json!({
        "pathways": {
            "totalCount": 1,
            "pageInfo": {"hasNextPage": false, "endCursor": "c1"},
            "edges": [{"node": {
                "id": "01a2", "name": "Hip fracture", "status": "PUBLISHED", "revision": 3,
                "versionLabel": 1,
                "owner": {"id": "01a1", "odsCode": "RX1", "name": "Northwick Park"},
                "steps": [{"id": "s1", "key": "arrive", "kind": "START", "touchMinutes": 0.0,
                           "organisation": {"odsCode": "RX1"}}],
                "analysis": {"expectedLeadTimeMinutes": 100.0,
                             "hotspots": [{"kind": "DELAY", "title": "Wait", "minutesPerPatient": 60.0}]}
            }}]
        }
    }))
    .expect("the generated types read a pathway page");
    let node = &answer.pathways.edges[0].node;
    assert_eq!(node.version_label, Some(1));
    assert!(matches!(node.steps[0].kind, pathways::StepKind::START));
    assert_eq!(
        Node::build_query(node::Variables { id: "m1".into() }).operation_name,
        "Node"
    );
    let found: node::ResponseData = serde_json::from_value(serde_json::json!({
        "node": {"__typename": "Measure", "id": "m1", "name": "Waits", "points": {"totalCount": 1, "nodes": [{"date": "2025-01-06", "value": 4.0}]}}
    }))
    .expect("the generated types read a node");
    assert!(matches!(
        found.node.map(|n| n.on),
        Some(node::NodeNodeOn::Measure(_))
    ));
    let _ = RotateToken::build_query(rotate_token::Variables { id: "t1".into() });
}
