//! The demo integrated care system.

use crate::helpers::{numbers_as_floats, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn the_demo_loads_once_with_published_cross_organisation_pathways() {
    let app = spawn_app_with(true).await;
    let data = app
        .data(
            "{ organisations { nodes { odsCode kind } } pathways(status: PUBLISHED) { totalCount edges { node { name problems { code }
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
            "{ organisations { nodes { odsCode } } pathways { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        after["organisations"].as_array().unwrap().len(),
        organisations.len()
    );
    // Two published pathways, and the draft the demo project's adopted change made.
    assert_eq!(after["pathways"]["totalCount"], 3);
    let projects = again
        .data("{ projects { nodes { title } } }", json!({}))
        .await;
    assert_eq!(projects["projects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_demo_project_has_a_year_of_data_two_cycles_and_a_report() {
    let app = spawn_app_with(true).await;
    let data = app
        .data(
            "{ projects(first: 1) { nodes { id title pathwayId members { name role }
                 measures(first: 5) { nodes { name points(first: 100) { nodes { date } } spc { variation assurance points { pointType } }
                            runChart(astronomicalDates: [\"2025-01-06\"]) { runs runsLowerLimit tooFewRuns usefulPoints points { astronomical } } cycleWindows { start end } } }
                 summary { name latestValue variation assurance }
                 drivers { kind predictedEffect { differenceMinutes } }
                 cycles { nodes { stage decision study { met verdict signals { pointType } } } }
                 report } } }",
            json!({}),
        )
        .await;
    let project = &data["projects"][0];
    assert_eq!(project["title"], api::demo::PROJECT_TITLE);
    assert!(project["pathwayId"].is_string());
    let roles: Vec<&str> = project["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"MANAGER") && roles.contains(&"PATIENT_PARTNER"));
    let measure = &project["measures"][0];
    assert_eq!(measure["points"].as_array().unwrap().len(), 52);
    // A real signal: the weeks after the change are special causes of improvement.
    let improving = measure["spc"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["pointType"] == "SPECIAL_CAUSE_IMPROVEMENT")
        .count();
    assert!(improving >= 7, "{improving} improving points");
    assert_eq!(
        project["summary"][0]["variation"],
        measure["spc"]["variation"]
    );
    let change_idea = project["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "CHANGE_IDEA")
        .unwrap();
    // 28 hours' wait becomes 14: every patient waits once, so 840 minutes less.
    assert_eq!(
        change_idea["predictedEffect"]["differenceMinutes"],
        json!(-840.0)
    );
    let cycles = project["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 2);
    assert_eq!(cycles[0]["decision"], "ADAPT");
    assert_eq!(cycles[1]["decision"], "ADOPT");
    assert_eq!(cycles[0]["study"][0]["met"], true);
    assert_eq!(cycles[0]["study"][0]["verdict"], "MET");
    let report = project["report"].as_str().unwrap();
    for needle in [
        "# Hip fracture: surgery within 36 hours",
        "## Measures",
        "## Driver diagram",
        "### Cycle 2",
        "Sarah Collins, theatre manager, manager",
        "Decision: Adopt",
        // Issue 15: each prediction judged on limits fixed before the test, with its evidence.
        ": Prediction met: a fall was predicted; ",
        "limits fixed from the ",
    ] {
        assert!(
            report.contains(needle),
            "report lacks {needle:?}:\n{report}"
        );
    }
}

#[tokio::test]
async fn qiflow_report_prints_the_same_report() {
    let app = spawn_app_with(true).await;
    let data = app
        .data(
            "{ projects { nodes { id report html: report(format: HTML) } } }",
            json!({}),
        )
        .await;
    let project = &data["projects"][0];
    for (format, field) in [("markdown", "report"), ("html", "html")] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
            .args([
                "report",
                project["id"].as_str().unwrap(),
                "--format",
                format,
                "--database-url",
                &app.database_url,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            project[field].as_str().unwrap()
        );
    }
    // Issue 15: the HTML report a manager sends to a board: self-contained, the chart inline,
    // the team by role, and each prediction's judgement with its evidence.
    let html = project["html"].as_str().unwrap();
    for needle in [
        "<!DOCTYPE html>",
        "@page{size:A4",
        "<figure><svg",
        "<tr><td>Manager</td><td>Sarah Collins, theatre manager</td></tr>",
        "Prediction met: a fall was predicted; ",
        "limits fixed from the ",
    ] {
        assert!(html.contains(needle), "the HTML report lacks {needle:?}");
    }
    assert!(!html.contains("<script") && !html.contains("src="));
}

#[tokio::test]
async fn a_restarted_demo_prints_the_same_token_while_it_is_valid() {
    let app = spawn_app_with(true).await;
    let again = app.restart_demo().await;
    assert_eq!(again.token, app.token, "a restart reuses the kept token");
    // The token still works, and a revoked one is replaced on the next start.
    let me = again.data("{ me { name } }", json!({})).await;
    assert_eq!(me["me"]["name"], "demo administrator");
    let id = again
        .data(
            "query { organisations { nodes { tokens { nodes { id name } } } } }",
            json!({}),
        )
        .await["organisations"][0]["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "demo")
        .unwrap()["id"]
        .clone();
    again
        .data(
            "mutation($id: ID!) { revokeToken(tokenId: $id) }",
            json!({"id": id}),
        )
        .await;
    let third = app.restart_demo().await;
    assert_ne!(
        third.token, app.token,
        "a revoked token is not printed again"
    );
    assert_eq!(
        third.data("{ me { name } }", json!({})).await["me"]["name"],
        "demo administrator"
    );
}
