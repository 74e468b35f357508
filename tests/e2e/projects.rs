//! Improvement projects, measures and data through GraphQL, with SPC that agrees with the
//! NHSRplotthedots reference cases.

use crate::helpers::{TestApp, code, field, spawn_app, spc_reference as reference};
use serde_json::{Value, json};

async fn project(app: &TestApp) -> (String, i64) {
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let data = app
        .data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id version members { name role } owner { odsCode } } }",
            json!({"i": {"title": "Faster hip surgery", "aim": "Surgery within 36 hours for 90% of patients by March",
                          "owner": "RX1", "members": [{"name": "Dr A Patel", "role": "LEAD"}, {"name": "J Smith", "role": "MANAGER"}]}}),
        )
        .await;
    let p = &data["createProject"];
    assert_eq!(
        p["members"][1],
        json!({"name": "J Smith", "role": "MANAGER"})
    );
    (
        p["id"].as_str().unwrap().to_string(),
        p["version"].as_i64().unwrap(),
    )
}

async fn measure(
    app: &TestApp,
    project: &str,
    version: i64,
    direction: &str,
    chart: &str,
    target: Option<f64>,
) -> String {
    let data = app
        .data(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { project { version } measure { id chartType } } }",
            json!({"i": {"projectId": project, "expectedVersion": version, "name": "Breaches", "kind": "OUTCOME",
                          "definition": "Four-hour breaches a month", "direction": direction, "chartType": chart, "target": target}}),
        )
        .await;
    data["addMeasure"]["measure"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_reference_chart_comes_out_the_same_through_graphql() {
    let Some(case) = reference("ptd_vignette_total_attendances_rebased.json") else {
        return;
    };
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "INCREASE", "XMR", None).await;
    let points: Vec<Value> = case["dates"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["values"].as_array().unwrap())
        .map(|(d, v)| json!({"date": d, "value": v}))
        .collect();
    // The reference's dates run years past today: allowFuture says they are meant.
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted replaced } }";
    let data = app.data(record, json!({"id": id, "p": points})).await;
    assert_eq!(
        data["recordDataPoints"],
        json!({"inserted": 36, "replaced": 0})
    );

    let spc = app
        .data(
            "query($id: ID!, $o: SpcOptionsInput) { measure(id: $id) { spc(options: $o) {
               groups { mean lowerLimit upperLimit firstIndex n shortGroupWarning }
               points { date value pointType rule ruleLabel lowerLimit upperLimit } variation assurance } } }",
            json!({"id": id, "o": {"rebaseDates": case["options"]["rebase_dates"]}}),
        )
        .await;
    let chart = &spc["measure"]["spc"];
    let e = &case["expected"];
    crate::helpers::assert_groups_match(chart, e, "rebased reference");
    for (g, want) in chart["groups"]
        .as_array()
        .unwrap()
        .iter()
        .zip(e["groups"].as_array().unwrap())
    {
        assert_eq!(g["n"], want["n"]);
        assert_eq!(g["shortGroupWarning"], want["short_group_warning"]);
    }
    let types: Vec<String> = chart["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pointType"].as_str().unwrap().to_lowercase())
        .collect();
    let want: Vec<&str> = e["point_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(types, want);
    let labels: Vec<&str> = chart["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ruleLabel"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = e["special_cause_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(labels, want);

    // `qiflow spc --format json` prints the very object GraphQL serves.
    let full = app
        .data(
            "query($id: ID!, $o: SpcOptionsInput) { measure(id: $id) { spc(options: $o) { chartType
               groups { mean lowerLimit upperLimit firstIndex n shortGroupWarning }
               points { date value pointType rule ruleLabel lowerLimit upperLimit } variation assurance } } }",
            json!({"id": id, "o": {"rebaseDates": case["options"]["rebase_dates"]}}),
        )
        .await;
    let csv: String = std::iter::once("date,value".to_string())
        .chain(
            points
                .iter()
                .map(|p| format!("{},{}", p["date"].as_str().unwrap(), p["value"])),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let path = std::env::temp_dir().join(format!("qiflow-spc-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).unwrap();
    let mut args = vec![
        "spc".to_string(),
        path.display().to_string(),
        "--direction".into(),
        "increase".into(),
        "--format".into(),
        "json".into(),
    ];
    for d in case["options"]["rebase_dates"].as_array().unwrap() {
        args.push("--rebase".into());
        args.push(d.as_str().unwrap().into());
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(&args)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        crate::helpers::numbers_as_floats(&cli),
        crate::helpers::numbers_as_floats(&full["measure"]["spc"])
    );

    // Re-sending a period replaces it, and says so.
    let again = app
        .data(
            record,
            json!({"id": id, "p": [points[0].clone(), {"date": "2030-01-01", "value": 1}]}),
        )
        .await;
    assert_eq!(
        again["recordDataPoints"],
        json!({"inserted": 1, "replaced": 1})
    );
}

#[tokio::test]
async fn bad_rows_are_named_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "P", Some(0.1)).await;
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }";
    for (points, culprit) in [
        (
            json!([{"date": "2025-01-06", "numerator": 1, "denominator": 10}, {"date": "2025-13-01", "numerator": 1, "denominator": 10}]),
            "points[1].date",
        ),
        (
            json!([{"date": "2025-01-06", "numerator": 1, "denominator": 0}]),
            "points[0].denominator",
        ),
        (
            json!([{"date": "2025-01-06", "numerator": 1, "denominator": 10}, {"date": "2025-01-06", "numerator": 2, "denominator": 10}]),
            "points[1].date",
        ),
    ] {
        let err = app.error(record, json!({"id": id, "p": points})).await;
        assert_eq!(
            (code(&err), field(&err)),
            ("VALIDATION", culprit),
            "{err:#}"
        );
    }
    let stored = app
        .data(
            "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(stored["measure"]["points"], json!([]));

    // A P chart: pbar = 30/300 = 0.1, and each point has limits from its own denominator.
    let points: Vec<Value> = (0..15)
        .map(
            |i| json!({"date": format!("2025-01-{:02}", i + 1), "numerator": 2, "denominator": 20}),
        )
        .collect();
    app.data(record, json!({"id": id, "p": points})).await;
    let chart = app
        .data("query($id: ID!) { measure(id: $id) { spc { groups { mean } points { upperLimit } assurance } } }", json!({"id": id}))
        .await;
    let spc = &chart["measure"]["spc"];
    assert_eq!(spc["groups"][0]["mean"], json!(0.1));
    let upper = 0.1 + 3.0 * (0.1f64 * 0.9 / 20.0).sqrt();
    assert!((spc["points"][0]["upperLimit"].as_f64().unwrap() - upper).abs() < 1e-12);
    assert_eq!(spc["assurance"], "INCONSISTENT");

    // A stale project version is a conflict.
    let err = app
        .error(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": project_id, "expectedVersion": version, "name": "Again", "kind": "PROCESS",
                          "definition": "x", "direction": "INCREASE"}}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
}

#[tokio::test]
async fn projects_and_measures_change_under_their_version() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "XMR", Some(4.0)).await;
    let update =
        "mutation($i: UpdateMeasureInput!) { updateMeasure(input: $i) { name target chartType } }";
    // Adding the measure took version 2.
    let data = app
        .data(update, json!({"i": {"id": id, "expectedVersion": 2, "name": "Monthly breaches", "target": null}}))
        .await;
    assert_eq!(
        data["updateMeasure"],
        json!({"name": "Monthly breaches", "target": null, "chartType": "XMR"})
    );
    let err = app
        .error(
            update,
            json!({"i": {"id": id, "expectedVersion": 2, "unit": "breaches"}}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    let err = app
        .error(
            update,
            json!({"i": {"id": id, "expectedVersion": 3, "name": " "}}),
        )
        .await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "name"));
    let data = app
        .data(
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { status version title } }",
            json!({"i": {"id": project_id, "expectedVersion": 3, "status": "SUSTAINING"}}),
        )
        .await;
    assert_eq!(
        data["updateProject"],
        json!({"status": "SUSTAINING", "version": 4, "title": "Faster hip surgery"})
    );
}

#[tokio::test]
async fn a_rebase_with_its_reason_moves_every_chart_of_the_measure_and_can_be_taken_out() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "XMR", None).await;
    // 12 weeks around 40 hours, then 12 around 30: one group by default.
    let points: Vec<Value> = (0..24)
        .map(|i| {
            let level = if i < 12 { 40.0 } else { 30.0 };
            let date =
                chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Days::new(7 * i);
            json!({"date": date.to_string(), "value": level + f64::from((i % 3) as u8)})
        })
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }",
        json!({"id": id, "p": points}),
    )
    .await;
    let add =
        "mutation($i: AddRebaseInput!) { addRebase(input: $i) { rebases { date reason by } } }";
    // The date must be a point's, and a reason is needed.
    let err = app
        .error(add, json!({"i": {"measureId": id, "expectedVersion": version + 1, "date": "2025-03-30", "reason": "new list"}}))
        .await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "date"), "{err:#}");
    let err = app
        .error(add, json!({"i": {"measureId": id, "expectedVersion": version + 1, "date": "2025-03-31", "reason": " "}}))
        .await;
    assert_eq!(
        (code(&err), field(&err)),
        ("VALIDATION", "reason"),
        "{err:#}"
    );
    let data = app
        .data(add, json!({"i": {"measureId": id, "expectedVersion": version + 1, "date": "2025-03-31", "reason": "trauma list adopted"}}))
        .await;
    assert_eq!(
        data["addRebase"]["rebases"],
        json!([{"date": "2025-03-31", "reason": "trauma list adopted", "by": "test administrator"}])
    );
    // The measure's chart, its SVG and the project's report start a new group there; the
    // means are those of each half, worked out here.
    let mean = |from: u32, to: u32| {
        (from..to)
            .map(|i| if i < 12 { 40.0 } else { 30.0 } + f64::from((i % 3) as u8))
            .sum::<f64>()
            / f64::from(to - from)
    };
    let read = "query($id: ID!, $p: ID!) { measure(id: $id) { spc { groups { mean firstIndex } }
        dates: spc(options: {rebaseDates: []}) { groups { mean } } chartSvg }
        project(id: $p) { report(format: MARKDOWN) } }";
    let data = app.data(read, json!({"id": id, "p": project_id})).await;
    let groups = &data["measure"]["spc"]["groups"];
    assert_eq!(groups.as_array().unwrap().len(), 2);
    assert!((groups[0]["mean"].as_f64().unwrap() - mean(0, 12)).abs() < 1e-9);
    assert!((groups[1]["mean"].as_f64().unwrap() - mean(12, 24)).abs() < 1e-9);
    assert_eq!(groups[1]["firstIndex"], 12);
    // Asking for other dates (none) still draws one group, for a look.
    assert_eq!(
        data["measure"]["dates"]["groups"].as_array().unwrap().len(),
        1
    );
    assert!(
        data["measure"]["chartSvg"]
            .as_str()
            .unwrap()
            .contains("data-date=\"2025-03-31\"")
    );
    let report = data["project"]["report"].as_str().unwrap();
    assert!(
        report.contains("2025-03-31") && report.contains("trauma list adopted"),
        "{report}"
    );

    // A second rebase on the same date is refused; a stale version is a conflict.
    let err = app
        .error(add, json!({"i": {"measureId": id, "expectedVersion": version + 2, "date": "2025-03-31", "reason": "again"}}))
        .await;
    assert!(err.to_string().contains("already rebased"), "{err:#}");
    let remove = "mutation($id: ID!, $v: Int!, $d: NaiveDate!) { removeRebase(measureId: $id, expectedVersion: $v, date: $d) { rebases { date } spc { groups { mean } } } }";
    let err = app
        .error(
            remove,
            json!({"id": id, "v": version + 1, "d": "2025-03-31"}),
        )
        .await;
    assert_eq!(code(&err), "CONFLICT");
    let data = app
        .data(
            remove,
            json!({"id": id, "v": version + 2, "d": "2025-03-31"}),
        )
        .await;
    assert_eq!(data["removeRebase"]["rebases"], json!([]));
    assert!(
        (data["removeRebase"]["spc"]["groups"][0]["mean"]
            .as_f64()
            .unwrap()
            - mean(0, 24))
        .abs()
            < 1e-9
    );
    // The audit trail keeps both changes, the reason included.
    let trail = app
        .data("{ auditTrail(organisationId: \"RX1\", last: 5) { nodes { operation changes { field before after } } } }", json!({}))
        .await;
    let text = trail.to_string();
    assert!(
        text.contains("addRebase")
            && text.contains("removeRebase")
            && text.contains("trauma list adopted"),
        "{text}"
    );
}

#[tokio::test]
async fn a_measure_keeps_its_rule_preset_and_baseline_and_every_chart_uses_them() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "XMR", None).await;
    let values: Vec<f64> = (0..20).map(|i| 30.0 + f64::from((i * 7) % 5)).collect();
    let points: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()
                + chrono::Days::new(7 * i as u64);
            json!({"date": date.to_string(), "value": v})
        })
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }",
        json!({"id": id, "p": points}),
    )
    .await;
    let update = "mutation($i: UpdateMeasureInput!) { updateMeasure(input: $i) { rulePreset baselinePoints } }";
    let err = app
        .error(
            update,
            json!({"i": {"id": id, "expectedVersion": version + 1, "baselinePoints": 5}}),
        )
        .await;
    assert_eq!(
        (code(&err), field(&err)),
        ("VALIDATION", "baselinePoints"),
        "{err:#}"
    );
    let data = app
        .data(update, json!({"i": {"id": id, "expectedVersion": version + 1, "baselinePoints": 12, "rulePreset": "MDC_EXCEL"}}))
        .await;
    assert_eq!(
        data["updateMeasure"],
        json!({"rulePreset": "MDC_EXCEL", "baselinePoints": 12})
    );
    // The chart's mean is the first 12 points' (worked out here), without asking for it; a
    // caller can still ask for every point.
    let first_12 = values[..12].iter().sum::<f64>() / 12.0;
    let all = values.iter().sum::<f64>() / 20.0;
    let chart = app
        .data(
            "query($id: ID!) { measure(id: $id) { baselinePoints rulePreset spc { groups { mean n } } every: spc(options: {fixAfterNPoints: 20}) { groups { mean } } } }",
            json!({"id": id}),
        )
        .await;
    assert!(
        (chart["measure"]["spc"]["groups"][0]["mean"]
            .as_f64()
            .unwrap()
            - first_12)
            .abs()
            < 1e-9,
        "{chart} {first_12}"
    );
    assert!(
        (chart["measure"]["every"]["groups"][0]["mean"]
            .as_f64()
            .unwrap()
            - all)
            .abs()
            < 1e-9
    );
    // Back to every point: null clears the baseline; the preset stays.
    let data = app
        .data(
            update,
            json!({"i": {"id": id, "expectedVersion": version + 2, "baselinePoints": null}}),
        )
        .await;
    assert_eq!(
        data["updateMeasure"],
        json!({"rulePreset": "MDC_EXCEL", "baselinePoints": null})
    );
}

/// Issue 21: the time to signal of a weekly XmR measure through GraphQL and `qiflow spc
/// --time-to-signal`: σ is the baseline's mean moving range / 1.128 (worked out here), the change
/// is read in σ, and the figures are the engine's simulation (checked against an independent one
/// in `engine/tests/time_to_signal.rs`); a P chart is refused, naming the chart type.
#[tokio::test]
async fn the_time_to_signal_of_a_weekly_measure_through_graphql_and_the_cli() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "XMR", None).await;
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let rows: Vec<(String, f64)> = (0..24)
        .map(|i| {
            let date = start + chrono::Days::new(7 * i);
            (date.to_string(), if i % 2 == 0 { 10.0 } else { 12.0 })
        })
        .collect();
    let points: Vec<Value> = rows
        .iter()
        .map(|(d, v)| json!({"date": d, "value": v}))
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }",
        json!({"id": id, "p": points}),
    )
    .await;
    // Every moving range is 2.
    let sigma = 2.0 / 1.128;
    let change = -sigma;
    let found = app
        .data(
            "query($id: ID!, $c: Float!) { measure(id: $id) { timeToSignal(change: $c) {
                sigma changeSigmas expectedPoints ci95 p90Points daysBetweenPoints expectedWeeks } } }",
            json!({"id": id, "c": change}),
        )
        .await["measure"]["timeToSignal"]
        .clone();
    assert!(
        (found["sigma"].as_f64().unwrap() - sigma).abs() < 1e-9,
        "{found}"
    );
    assert!(
        (found["changeSigmas"].as_f64().unwrap() + 1.0).abs() < 1e-9,
        "{found}"
    );
    let rules = engine::spc::time_to_signal::SignalRules::of(
        &engine::spc::xmr::XmrOptions::plot_the_dots(engine::spc::Direction::Decrease),
    );
    let engine = engine::spc::time_to_signal::time_to_signal(-1.0, &rules).unwrap();
    assert!((found["expectedPoints"].as_f64().unwrap() - engine.expected_points).abs() < 1e-9);
    assert_eq!(found["p90Points"], json!(engine.p90_points));
    assert_eq!(found["daysBetweenPoints"], json!(7));
    assert_eq!(found["expectedWeeks"], found["expectedPoints"]);

    // The CLI on the same points, as a file: the same figures.
    let path = std::env::temp_dir().join(format!("qiflow-tts-{}.csv", uuid::Uuid::new_v4()));
    let mut csv = String::from("date,value\n");
    for (d, v) in &rows {
        csv.push_str(&format!("{d},{v}\n"));
    }
    std::fs::write(&path, csv).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args([
            "spc",
            path.to_str().unwrap(),
            "--direction",
            "decrease",
            "--format",
            "json",
            "--time-to-signal",
        ])
        .arg(change.to_string())
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["expectedPoints"], found["expectedPoints"]);
    assert_eq!(cli["p90Points"], found["p90Points"]);

    // A P chart has no single σ.
    let p = measure(&app, &project_id, version + 1, "DECREASE", "P", None).await;
    let err = app
        .error(
            "query($id: ID!) { measure(id: $id) { timeToSignal(change: 0.1) { expectedPoints } } }",
            json!({"id": p}),
        )
        .await;
    assert_eq!(
        (code(&err), field(&err)),
        ("VALIDATION", "chartType"),
        "{err:#}"
    );
}

#[tokio::test]
async fn one_chart_for_graphql_the_icon_table_and_the_cli_and_no_switch_to_a_chart_the_points_cannot_make()
 {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "XMR", Some(0.2)).await;
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }";
    // Plain values cannot be drawn as a P chart: refused, naming chartType (they used to be
    // plotted as 0 of 1).
    let values: Vec<Value> = (0..3)
        .map(|i| json!({"date": format!("2025-02-{:02}", i + 1), "value": 0.3}))
        .collect();
    app.data(record, json!({"id": id, "p": values})).await;
    let update = "mutation($i: UpdateMeasureInput!) { updateMeasure(input: $i) { chartType } }";
    let err = app
        .error(
            update,
            json!({"i": {"id": id, "expectedVersion": version + 1, "chartType": "P"}}),
        )
        .await;
    assert_eq!(
        (code(&err), field(&err)),
        ("VALIDATION", "chartType"),
        "{err:#}"
    );
    assert!(err.to_string().contains("2025-02-01"), "{err:#}");
    let stored = app
        .data(
            "query($id: ID!) { measure(id: $id) { chartType } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(stored["measure"]["chartType"], "XMR");

    // A P measure with a shift: GraphQL's chart, the icon table and `qiflow spc --chart p`
    // agree, field for field.
    let id = measure(&app, &project_id, version + 1, "DECREASE", "P", Some(0.2)).await;
    let points: Vec<Value> = (0..24)
        .map(|i| {
            let (x, n) = if i < 14 {
                (6 + i % 3, 20 + i % 5)
            } else {
                (2 + i % 2, 25)
            };
            json!({"date": format!("2025-03-{:02}", i + 1), "numerator": x, "denominator": n})
        })
        .collect();
    app.data(record, json!({"id": id, "p": points})).await;
    let full = app
        .data(
            "query($id: ID!, $p: ID!) { measure(id: $id) { spc { chartType
               groups { mean lowerLimit upperLimit firstIndex n shortGroupWarning }
               points { date value pointType rule ruleLabel lowerLimit upperLimit } variation assurance } }
               project(id: $p) { summary { measureId variation assurance } } }",
            json!({"id": id, "p": project_id}),
        )
        .await;
    let spc = &full["measure"]["spc"];
    assert_eq!(spc["chartType"], "P");
    let row = full["project"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["measureId"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["variation"], spc["variation"], "{full:#}");
    assert_eq!(row["assurance"], spc["assurance"], "{full:#}");
    assert!(spc["variation"].is_string());
    let csv: String = std::iter::once("date,numerator,denominator".to_string())
        .chain(points.iter().map(|p| {
            format!(
                "{},{},{}",
                p["date"].as_str().unwrap(),
                p["numerator"],
                p["denominator"]
            )
        }))
        .collect::<Vec<_>>()
        .join("\n");
    let path = std::env::temp_dir().join(format!("qiflow-spc-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args([
            "spc",
            path.to_str().unwrap(),
            "--chart",
            "p",
            "--direction",
            "decrease",
        ])
        .args(["--target", "0.2", "--format", "json"])
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    let cli: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(
        crate::helpers::numbers_as_floats(&cli),
        crate::helpers::numbers_as_floats(spc)
    );
}

/// Issue 13: `recordDataPoints` on a measure computed from an event log inserted nothing without
/// a word, and a point dated years ahead (2030 for 2025) was stored as the "latest" for good.
#[tokio::test]
async fn hand_points_on_a_log_measure_and_far_future_dates_are_refused() {
    let app = crate::helpers::spawn_app_with(true).await;
    let projects = app
        .data(
            "{ projects { nodes { measures { nodes { id fromLog { logId } } } } } }",
            json!({}),
        )
        .await;
    let measures = projects["projects"][0]["measures"].as_array().unwrap();
    let from_log = measures.iter().find(|m| !m["fromLog"].is_null()).unwrap();
    let by_hand = measures.iter().find(|m| m["fromLog"].is_null()).unwrap();
    let record = "mutation($id: ID!, $p: [DataPointInput!]!, $f: Boolean! = false) { recordDataPoints(measureId: $id, points: $p, allowFuture: $f) { inserted } }";
    let refused = app
        .graphql(
            record,
            json!({"id": from_log["id"], "p": [{"date": "2024-01-01", "value": 3}]}),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "VALIDATION", "{refused}");
    assert!(
        refused.to_string().contains("computed from event log"),
        "{refused}"
    );

    let far = json!([{"date": "2024-01-01", "value": 1}, {"date": "2099-01-01", "value": 2}]);
    let refused = app
        .graphql(record, json!({"id": by_hand["id"], "p": far}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "points[1].date",
        "{refused}"
    );
    let allowed = app
        .graphql(record, json!({"id": by_hand["id"], "p": far, "f": true}))
        .await;
    assert_eq!(
        allowed["data"]["recordDataPoints"]["inserted"], 2,
        "{allowed}"
    );
}

/// Issue 13: a point dated 2030 instead of 2025 was the "latest" for good. It can be retracted
/// with a reason, and a re-sent period corrects a value: withdrawn points stay in the history,
/// marked with who, when and why, and leave the chart, which equals the chart of the surviving
/// points recorded afresh.
#[tokio::test]
async fn points_are_corrected_and_retracted_with_history_and_charts_leave_them_out() {
    let app = spawn_app().await;
    let (project_id, version) = project(&app).await;
    let id = measure(&app, &project_id, version, "DECREASE", "XMR", None).await;
    let fresh = measure(&app, &project_id, version + 1, "DECREASE", "XMR", None).await;
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted replaced } }";
    let monthly: Vec<Value> = (0..15)
        .map(|i| json!({"date": format!("{}-{:02}-01", 2024 + i / 12, i % 12 + 1), "value": 10 + (i * 7) % 5}))
        .collect();
    app.data(record, json!({"id": id, "p": monthly})).await;
    // A typing mistake (2030), then a correction of March's value.
    app.data(
        record,
        json!({"id": id, "p": [{"date": "2030-01-01", "value": 99}]}),
    )
    .await;
    let corrected = app
        .data(
            record,
            json!({"id": id, "p": [{"date": "2025-03-01", "value": 11}]}),
        )
        .await;
    assert_eq!(
        corrected["recordDataPoints"],
        json!({"inserted": 0, "replaced": 1})
    );
    let retract = "mutation($id: ID!, $d: [String!]!, $r: String!) { retractDataPoints(measureId: $id, dates: $d, reason: $r) { retracted } }";
    let missing = app
        .error(
            retract,
            json!({"id": id, "d": ["2030-01-01", "2031-01-01"], "r": "typed 2030 for 2025"}),
        )
        .await;
    assert_eq!(
        (code(&missing), field(&missing)),
        ("VALIDATION", "dates[1]"),
        "{missing}"
    );
    let done = app
        .data(
            retract,
            json!({"id": id, "d": ["2030-01-01"], "r": "typed 2030 for 2025"}),
        )
        .await;
    assert_eq!(done["retractDataPoints"]["retracted"], 1);

    let read = "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date value } } history: points(includeWithdrawn: true, first: 100) { nodes { date value withdrawnBy withdrawalReason withdrawnAt } } spc { groups { mean lowerLimit upperLimit } points { date value pointType } variation } } }";
    let seen = app.data(read, json!({"id": id})).await;
    let current = seen["measure"]["points"].as_array().unwrap();
    assert_eq!(current.len(), 15, "{seen}");
    assert!(current.iter().all(|p| p["date"] != "2030-01-01"), "{seen}");
    let march: Vec<&Value> = seen["measure"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["date"] == "2025-03-01")
        .collect();
    assert_eq!(march.len(), 2, "{seen}");
    assert_eq!(march[0]["withdrawalReason"], "corrected by a new value");
    assert_eq!(march[1]["value"], 11.0);
    assert!(march[1]["withdrawnAt"].is_null());
    let typo = seen["measure"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["date"] == "2030-01-01")
        .unwrap()
        .clone();
    assert_eq!(typo["withdrawalReason"], "typed 2030 for 2025");
    assert_eq!(typo["withdrawnBy"], "test administrator");

    // The chart equals the chart of the surviving points recorded afresh.
    app.data(record, json!({"id": fresh, "p": current})).await;
    let again = app.data(read, json!({"id": fresh})).await;
    assert_eq!(seen["measure"]["spc"], again["measure"]["spc"]);
}

/// Issue 15: a RUN measure was drawn as an XmR chart (a negative lower limit for a count). It is
/// a run chart everywhere: the chart, the picture, the icon table and the report.
#[tokio::test]
async fn a_run_measure_is_a_run_chart_everywhere() {
    let app = spawn_app().await;
    let (project, version) = project(&app).await;
    let id = measure(&app, &project, version, "DECREASE", "RUN", None).await;
    let values = [
        9, 11, 10, 12, 8, 10, 11, 9, 10, 12, 8, 10, 4, 4, 4, 4, 4, 4, 4, 4,
    ];
    let points: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"date": format!("2025-01-{:02}", i + 1), "value": v}))
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }",
        json!({"id": id, "p": points}),
    )
    .await;
    let read = app
        .data(
            "query($id: ID!, $p: ID!) {
               measure(id: $id) { spc { chartType groups { mean lowerLimit } points { rule ruleLabel lowerLimit upperLimit } } chartSvg }
               project(id: $p) { summary { variation runSignals } report } }",
            json!({"id": id, "p": project}),
        )
        .await;
    let spc = &read["measure"]["spc"];
    assert_eq!(spc["chartType"], "RUN");
    assert_eq!(spc["groups"][0], json!({"mean": 8.5, "lowerLimit": null}));
    assert!(
        spc["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["lowerLimit"].is_null() && p["upperLimit"].is_null())
    );
    assert_eq!(spc["points"][12]["ruleLabel"], "6 Points Below Median");
    let svg = read["measure"]["chartSvg"].as_str().unwrap();
    assert!(
        !svg.contains("NaN") && !svg.contains("stroke-dasharray=\"5 4\""),
        "no limit lines: {svg}"
    );
    let summary = &read["project"]["summary"][0];
    assert_eq!(summary["variation"], json!(null));
    assert_eq!(summary["runSignals"], "run chart: a shift, too few runs");
    let report = read["project"]["report"].as_str().unwrap();
    assert!(
        report.contains("| run chart: a shift, too few runs |"),
        "{report}"
    );
}

/// Issue 15: one percentage scale. A `%` measure keeps proportions (0 to 1), refuses 85 for 85%,
/// reports them as percentages, and the migration rescales one stored on the 0-100 scale.
#[tokio::test]
async fn percentages_are_proportions_shown_as_percentages() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let (project, version) = project(&app).await;
    let add = app
        .data(
            "mutation($i: AddMeasureInput!) { addMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": project, "expectedVersion": version, "name": "Seen in 4 hours", "kind": "OUTCOME",
                          "definition": "Share of attendances seen within four hours", "unit": "%",
                          "direction": "INCREASE", "chartType": "XMR", "target": 0.95}}),
        )
        .await;
    let id = add["addMeasure"]["measure"]["id"].clone();
    let record = "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p) { inserted } }";
    let err = app
        .error(
            record,
            json!({"id": id, "p": [{"date": "2025-01-06", "value": 85}]}),
        )
        .await;
    assert_eq!((code(&err), field(&err)), ("VALIDATION", "points[0].value"));
    app.data(
        record,
        json!({"id": id, "p": [{"date": "2025-01-06", "value": 0.85}, {"date": "2025-01-13", "value": 0.9}]}),
    )
    .await;
    let read = "query($id: ID!, $p: ID!) { measure(id: $id) { target points(first: 10) { nodes { value } } }
                                          project(id: $p) { report } }";
    let before = app.data(read, json!({"id": id, "p": project})).await;
    assert!(
        before["project"]["report"]
            .as_str()
            .unwrap()
            .contains("| 90% (2025-01-13) | 95% |"),
        "{}",
        before["project"]["report"]
    );

    // Data kept on the 0-100 scale before this release is rescaled by the migration.
    let db = api::db::connect(&app.database_url).await.unwrap();
    db.execute_unprepared("UPDATE data_point SET value = value * 100")
        .await
        .unwrap();
    db.execute_unprepared("UPDATE measure SET target = 95 WHERE TRIM(unit) = '%'")
        .await
        .unwrap();
    use migration::MigratorTrait;
    // Back to before the rescaling migration, however many came after it.
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let rescaling = names
        .iter()
        .position(|n| n == "m20261202_000012_proportions")
        .unwrap();
    migration::Migrator::down(&db, Some((names.len() - rescaling) as u32))
        .await
        .unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let after = app.data(read, json!({"id": id, "p": project})).await;
    assert_eq!(
        after["measure"], before["measure"],
        "rescaled to proportions"
    );
}
