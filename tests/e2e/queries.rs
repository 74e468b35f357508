//! The pathway list: pages, cursors, the cap on `first`, the status filter.

use crate::helpers::{code, field, spawn_app};
use serde_json::json;

const LIST: &str = "query($first: Int, $after: String, $status: PathwayStatus) {
  pathways(first: $first, after: $after, status: $status) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }";

#[tokio::test]
async fn pathways_come_in_pages_with_cursors_and_first_is_capped() {
    let app = spawn_app().await;
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    for i in 0..103 {
        app.data(
            "mutation($i: CreatePathwayInput!) { createPathway(input: $i) { id } }",
            json!({"i": {"name": format!("Pathway {i:03}"), "owner": "RX1"}}),
        )
        .await;
    }
    let page = app.data(LIST, json!({"first": 2})).await["pathways"].clone();
    assert_eq!(page["totalCount"], 103);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["edges"][0]["node"]["name"], "Pathway 000");
    assert_eq!(page["edges"][1]["node"]["name"], "Pathway 001");

    let next = app
        .data(
            LIST,
            json!({"first": 2, "after": page["pageInfo"]["endCursor"]}),
        )
        .await["pathways"]
        .clone();
    assert_eq!(next["edges"][0]["node"]["name"], "Pathway 002");
    assert_eq!(next["pageInfo"]["hasPreviousPage"], true);

    // `first` above 100 is refused (a huge one already by the complexity limit); 100 is the
    // largest page.
    let err = app.error(LIST, json!({"first": 100_000})).await;
    assert_eq!(code(&err), "VALIDATION");
    let err = app.error(LIST, json!({"first": 101})).await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "first"));
    let capped = app.data(LIST, json!({"first": 100})).await["pathways"].clone();
    assert_eq!(capped["edges"].as_array().unwrap().len(), 100);
    assert_eq!(capped["pageInfo"]["hasNextPage"], true);
    let rest = app
        .data(
            LIST,
            json!({"first": 100, "after": capped["pageInfo"]["endCursor"]}),
        )
        .await["pathways"]
        .clone();
    assert_eq!(rest["edges"].as_array().unwrap().len(), 3);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    let default = app.data(LIST, json!({})).await["pathways"].clone();
    assert_eq!(default["edges"].as_array().unwrap().len(), 20);

    let published = app.data(LIST, json!({"status": "PUBLISHED"})).await["pathways"].clone();
    assert_eq!(published["totalCount"], 0);

    let err = app.error(LIST, json!({"after": "nonsense"})).await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "after"));
    for bad in [-1, 0] {
        let err = app.error(LIST, json!({"first": bad})).await;
        assert_eq!((code(&err), field(&err)), ("VALIDATION", "first"));
    }
}

#[tokio::test]
async fn pathways_page_forwards_with_first_and_backwards_with_last() {
    let app = crate::helpers::spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut doc = crate::helpers::example_document();
        doc["name"] = serde_json::json!(format!("Pathway {i}"));
        ids.push(app.import(&doc).await["id"].clone());
    }
    let page = "query($first: Int, $after: String, $last: Int, $before: String) {
        pathways(first: $first, after: $after, last: $last, before: $before) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } } }";
    let names = |answer: &serde_json::Value| -> Vec<serde_json::Value> {
        answer["pathways"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].clone())
            .collect()
    };
    let tail = app.data(page, serde_json::json!({"last": 2})).await;
    assert_eq!(names(&tail), ids[3..5].to_vec());
    assert_eq!(tail["pathways"]["totalCount"], 5);
    assert_eq!(tail["pathways"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(tail["pathways"]["pageInfo"]["hasNextPage"], false);
    let before = tail["pathways"]["pageInfo"]["startCursor"].clone();
    let middle = app
        .data(page, serde_json::json!({"last": 2, "before": before}))
        .await;
    assert_eq!(names(&middle), ids[1..3].to_vec());
    assert_eq!(middle["pathways"]["pageInfo"]["hasNextPage"], true);
    let head = app
        .data(
            page,
            serde_json::json!({"last": 2, "before": middle["pathways"]["pageInfo"]["startCursor"]}),
        )
        .await;
    assert_eq!(names(&head), ids[0..1].to_vec());
    assert_eq!(head["pathways"]["pageInfo"]["hasPreviousPage"], false);
    // Forwards from the start meets the same pathways in the same order.
    let first = app.data(page, serde_json::json!({"first": 3})).await;
    assert_eq!(names(&first), ids[0..3].to_vec());
    let both = app
        .error(page, serde_json::json!({"first": 2, "last": 2}))
        .await;
    assert_eq!(crate::helpers::field(&both), "last");
}

/// Reads a whole list a page at a time, forwards (`first`/`after`) or backwards
/// (`last`/`before`), checking `totalCount` on every page; returns the items in list order.
async fn read_in_pages(
    app: &crate::helpers::TestApp,
    query: &str,
    variables: serde_json::Value,
    list: impl Fn(&serde_json::Value) -> serde_json::Value,
    forwards: bool,
) -> (Vec<serde_json::Value>, u64) {
    let mut items = Vec::new();
    let mut cursor = serde_json::Value::Null;
    let mut total = None;
    loop {
        let mut vars = variables.clone();
        if forwards {
            vars["first"] = json!(7);
            vars["after"] = cursor.clone();
        } else {
            vars["last"] = json!(7);
            vars["before"] = cursor.clone();
        }
        let page = list(&app.data(query, vars).await);
        let count = page["totalCount"].as_u64().unwrap();
        assert_eq!(
            *total.get_or_insert(count),
            count,
            "totalCount is the whole list's"
        );
        let nodes: Vec<serde_json::Value> = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        assert_eq!(json!(nodes), page["nodes"], "edges and nodes agree");
        let info = &page["pageInfo"];
        if forwards {
            items.extend(nodes);
            if info["hasNextPage"] == false {
                break;
            }
            cursor = info["endCursor"].clone();
        } else {
            items.splice(0..0, nodes);
            if info["hasPreviousPage"] == false {
                break;
            }
            cursor = info["startCursor"].clone();
        }
    }
    (items, total.unwrap_or(0))
}

/// Every list is a connection that pages the same way: a measure's points (held whole) and the
/// audit trail (paged by the store) read forwards and backwards give the whole list, in order,
/// with its length as `totalCount`.
#[tokio::test]
async fn every_list_pages_forwards_and_backwards_to_the_whole_list() {
    let app = crate::helpers::spawn_app_with(true).await;
    let measure = app
        .data(
            "{ projects(first: 1) { nodes { measures(first: 1) { nodes { id } } } } }",
            json!({}),
        )
        .await["projects"][0]["measures"][0]["id"]
        .clone();
    let points = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
        measure(id: $id) { points(first: $first, after: $after, last: $last, before: $before) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { date value } } nodes { date value } } } }";
    let all = app
        .data(
            "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date value } } } }",
            json!({"id": measure}),
        )
        .await["measure"]["points"]
        .clone();
    assert_eq!(all.as_array().unwrap().len(), 52);
    for forwards in [true, false] {
        let (read, total) = read_in_pages(
            &app,
            points,
            json!({"id": measure}),
            |d| d["measure"]["points"].clone(),
            forwards,
        )
        .await;
        assert_eq!(json!(read), all, "forwards: {forwards}");
        assert_eq!(total, 52);
    }

    let organisation = app.organisation_id("RX8").await;
    let trail = "query($o: ID!, $first: Int, $after: String, $last: Int, $before: String) {
        auditTrail(organisationId: $o, first: $first, after: $after, last: $last, before: $before) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { node { id operation } } nodes { id operation } } }";
    let (forwards, total) = read_in_pages(
        &app,
        trail,
        json!({"o": organisation}),
        |d| d["auditTrail"].clone(),
        true,
    )
    .await;
    let (backwards, _) = read_in_pages(
        &app,
        trail,
        json!({"o": organisation}),
        |d| d["auditTrail"].clone(),
        false,
    )
    .await;
    assert!(forwards.len() > 7, "more than one page: {}", forwards.len());
    assert_eq!(forwards.len() as u64, total);
    assert_eq!(forwards, backwards);
}
