//! The demo integrated care system.

use crate::helpers::{numbers_as_floats, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn the_demo_loads_once_with_published_cross_organisation_pathways() {
    let app = spawn_app_with(true).await;
    let data = app
        .data(
            "{ organisations { odsCode kind } pathways(status: PUBLISHED) { totalCount edges { node { name problems { code }
               organisations { odsCode } steps { dataItems } transitions { crossesOrganisations probability } document } } } }",
            json!({}),
        )
        .await;
    let organisations = data["organisations"].as_array().unwrap();
    assert!(organisations.len() >= 6, "{organisations:?}");
    let kinds: std::collections::HashSet<&str> = organisations
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.len() >= 5,
        "a real mix of organisation kinds: {kinds:?}"
    );
    let pathways = data["pathways"]["edges"].as_array().unwrap();
    assert_eq!(data["pathways"]["totalCount"], 2);
    for edge in pathways {
        let p = &edge["node"];
        assert_eq!(p["problems"], json!([]), "{}", p["name"]);
        assert!(
            p["organisations"].as_array().unwrap().len() >= 4,
            "{}",
            p["name"]
        );
        let transitions = p["transitions"].as_array().unwrap();
        assert!(
            transitions
                .iter()
                .any(|t| t["crossesOrganisations"] == true)
        );
        // A rework loop: some step can be visited again (a transition with probability < 1 back).
        assert!(
            transitions
                .iter()
                .any(|t| t["probability"].as_f64().is_some_and(|p| p < 0.2))
        );
    }
    // The shipped documents are exactly what is served.
    for (_, text) in api::demo::DOCUMENTS {
        let shipped: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(
            pathways
                .iter()
                .any(|e| numbers_as_floats(&e["node"]["document"]) == numbers_as_floats(&shipped)),
            "{} is not served as shipped",
            shipped["name"]
        );
    }

    // A second start with --demo (another replica, or a restart) changes nothing.
    let again = app.another_server(true).await;
    let after = again
        .data(
            "{ organisations { odsCode } pathways { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        after["organisations"].as_array().unwrap().len(),
        organisations.len()
    );
    assert_eq!(after["pathways"]["totalCount"], 2);
}
