//! Pictures over GraphQL and as `GET .../*.svg` routes, with the data's authorisation.

use crate::helpers::spawn_app_with;
use serde_json::json;

#[tokio::test]
async fn maps_and_charts_come_as_svg_with_the_same_authorisation_as_the_data() {
    let app = spawn_app_with(true).await;
    let data = app
        .data(
            "{ pathways { edges { node { id name mapSvg mermaid dot analysis { hotspots { title } } } } }
               projects { nodes { measures { nodes { id name chartSvg } } } }
               eventLogs { nodes { id mapSvg(minCount: 20) } } }",
            json!({}),
        )
        .await;
    let hip = data["pathways"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"].as_str().unwrap().starts_with("Hip"))
        .unwrap()["node"]
        .clone();
    let svg = hip["mapSvg"].as_str().unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("Northshire Teaching"),
        "lanes are labelled"
    );
    // The legend lists the hotspots the analysis reports, in its order.
    let first = hip["analysis"]["hotspots"][0]["title"].as_str().unwrap();
    assert!(
        svg.contains(
            &format!("H1 {}", engine::render::escape(first))
                .chars()
                .take(60)
                .collect::<String>()
        ),
        "{first}"
    );
    assert!(hip["mermaid"].as_str().unwrap().starts_with("flowchart LR"));
    assert!(hip["dot"].as_str().unwrap().starts_with("digraph pathway"));
    let chart = data["projects"][0]["measures"][0]["chartSvg"]
        .as_str()
        .unwrap();
    assert!(chart.contains("data-icon=\"variation\"") && chart.contains("data-point-type="));
    assert!(
        data["eventLogs"][0]["mapSvg"]
            .as_str()
            .unwrap()
            .contains("ED_TRIAGE")
    );

    // The same pictures as GET routes.
    let id = hip["id"].as_str().unwrap();
    let client = crate::helpers::client_with(&app.token);
    let response = client
        .get(format!("{}/pathways/{id}/map.svg", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert_eq!(response.text().await.unwrap(), svg);
    let measure = data["projects"][0]["measures"][0]["id"].as_str().unwrap();
    let response = client
        .get(format!("{}/measures/{measure}/chart.svg", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // No token: 401; another organisation: 404, as for the data.
    let anonymous = reqwest::get(format!("{}/pathways/{id}/map.svg", app.address))
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let stranger = app.token_for("Elsewhere", "ZZ999", "ADMIN", false).await;
    let response = crate::helpers::client_with(&stranger)
        .get(format!("{}/measures/{measure}/chart.svg", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}

/// A draft's map is drawn again after each edit (a new version) and for each number of hotspots
/// marked, though drawings are kept between requests.
#[tokio::test]
async fn a_drafts_map_follows_its_edits() {
    let app = crate::helpers::spawn_app().await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    const MAP: &str = "query($id: ID!) { pathway(id: $id) { version mapSvg none: mapSvg(hotspots: 0) steps { id name } } }";
    let before = app.data(MAP, json!({"id": pathway["id"]})).await["pathway"].clone();
    let again = app.data(MAP, json!({"id": pathway["id"]})).await["pathway"].clone();
    assert_eq!(before, again);
    assert!(before["mapSvg"].as_str().unwrap().contains("H1 "));
    assert!(!before["none"].as_str().unwrap().contains("H1 "));
    let step = &before["steps"][1];
    let old_name = step["name"].as_str().unwrap().to_string();
    assert!(before["mapSvg"].as_str().unwrap().contains(&old_name));
    app.data(
        "mutation($i: UpdateStepInput!) { updateStep(input: $i) { pathway { version } } }",
        json!({"i": {"id": step["id"], "expectedVersion": before["version"], "name": "Senior triage"}}),
    )
    .await;
    let after = app.data(MAP, json!({"id": pathway["id"]})).await["pathway"].clone();
    for svg in [&after["mapSvg"], &after["none"]] {
        let svg = svg.as_str().unwrap();
        assert!(
            svg.contains("Senior triage") && !svg.contains(&old_name),
            "{svg}"
        );
    }
}
