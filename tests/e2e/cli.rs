//! The command line: `validate`, `schema` and `simulate`.

use crate::helpers::example_document;
use serde_json::json;
use std::process::Command;

fn qiflow(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(args)
        .output()
        .expect("running qiflow");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn write(doc: &serde_json::Value) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("qiflow-doc-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

#[test]
fn validate_passes_a_good_document_and_lists_every_problem_of_a_bad_one() {
    let good = write(&example_document());
    let (status, out) = qiflow(&["validate", good.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains("no problems (4 steps, 4 transitions)"),
        "{out}"
    );

    let mut broken = example_document();
    broken["transitions"][3]["probability"] = json!(0.5);
    broken["steps"][3]["kind"] = json!("ACTIVITY");
    let bad = write(&broken);
    let (status, out) = qiflow(&["validate", bad.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("MISSING_END"), "{out}");
    assert!(out.contains("PROBABILITY_SUM"), "{out}");
    assert!(out.contains("DEAD_END"), "{out}");

    let mut invalid = example_document();
    invalid["transitions"][0]["probability"] = json!(1.5);
    let invalid = write(&invalid);
    let (status, out) = qiflow(&["validate", invalid.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("transitions[0].probability"), "{out}");
    for path in [good, bad, invalid] {
        std::fs::remove_file(path).ok();
    }
}

#[test]
fn the_demo_documents_validate() {
    for name in ["hip_fracture.json", "urgent_lung_cancer.json"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("api/src/demo")
            .join(name);
        let (status, out) = qiflow(&["validate", path.to_str().unwrap()]);
        assert_eq!(status, 0, "{out}");
    }
}

#[test]
fn schema_prints_the_exported_schema() {
    let (status, out) = qiflow(&["schema"]);
    assert_eq!(status, 0);
    let exported = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api/schema.graphql"),
    )
    .unwrap();
    assert!(
        out == exported,
        "`qiflow schema` differs from api/schema.graphql"
    );
}

#[tokio::test]
async fn serve_answers_and_stops_cleanly_on_sigterm() {
    use std::io::BufRead;
    let db = std::env::temp_dir().join(format!("qiflow-serve-{}.db", uuid::Uuid::new_v4()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", db.display()))
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting qiflow serve");
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let url = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("GraphiQL: ")
                .map(|u| u.trim_end_matches("/graphql").to_string())
        })
        .expect("serve prints the GraphiQL address");
    let health = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap_or_else(|e| panic!("GET {url}/healthz: {e:?}"));
    assert_eq!(health.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "qiflow serve exited with {exit}");
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", db.display())).ok();
    }
}

#[test]
fn analyse_refuses_an_invalid_document_with_its_problems() {
    let mut broken = example_document();
    broken["steps"][3]["kind"] = json!("ACTIVITY");
    let bad = write(&broken);
    for format in ["table", "json"] {
        let (status, out) = qiflow(&["analyse", bad.to_str().unwrap(), "--format", format]);
        assert_eq!(status, 1, "{out}");
        assert!(out.contains("MISSING_END"), "{out}");
    }
    std::fs::remove_file(bad).ok();
}

#[test]
fn spc_agrees_with_the_reference_on_a_rebased_chart_and_a_target() {
    for (name, extra) in [
        (
            "ptd_vignette_total_attendances_rebased.json",
            vec!["--rebase", "2017-04-01", "--rebase", "2018-04-01"],
        ),
        (
            "ptd_example_rqm_breaches_all_target1200_unscreened.json",
            vec!["--no-screen", "--target", "1200"],
        ),
        (
            "ptd_example_total_attendances_fix12.json",
            vec!["--fix-after", "12"],
        ),
    ] {
        let Some(case) = crate::helpers::spc_reference(name) else {
            return;
        };
        let mut csv = String::from("date,value\n");
        // Written newest first: the command sorts by date.
        let rows: Vec<String> = case["dates"]
            .as_array()
            .unwrap()
            .iter()
            .zip(case["values"].as_array().unwrap())
            .map(|(d, v)| format!("{},{}", d.as_str().unwrap(), v))
            .collect();
        for row in rows.iter().rev() {
            csv.push_str(row);
            csv.push('\n');
        }
        let path = std::env::temp_dir().join(format!("qiflow-spc-{}.csv", uuid::Uuid::new_v4()));
        std::fs::write(&path, csv).unwrap();
        let direction = case["improvement_direction"].as_str().unwrap();
        let mut args = vec![
            "spc",
            path.to_str().unwrap(),
            "--direction",
            direction,
            "--format",
            "json",
        ];
        args.extend(extra);
        let (status, out) = qiflow(&args);
        std::fs::remove_file(&path).ok();
        assert_eq!(status, 0, "{name}: {out}");
        let chart: serde_json::Value = serde_json::from_str(&out).unwrap();
        let e = &case["expected"];
        crate::helpers::assert_groups_match(&chart, e, name);
        let types: Vec<&str> = chart["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["pointType"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = e["point_type"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_uppercase())
            .collect();
        assert_eq!(types, expected, "{name}");
        assert_eq!(
            chart["assurance"].as_str().map(str::to_lowercase),
            e["assurance_type"].as_str().map(str::to_string),
            "{name}"
        );
    }
}

#[test]
fn spc_names_the_bad_row() {
    let path = std::env::temp_dir().join(format!("qiflow-spc-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, "date,value\n2024-01-01,3\n2024-01-08,x\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(["spc", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("row 3, column value"), "{err}");
    std::fs::write(&path, "date,value\n2024-01-01,3\n2024-01-01,4\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(["spc", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("appears twice"));
    // Issue 12: a header alone panicked; a value past ±1e12 was charted.
    for (content, expected) in [
        ("date,value\n", "no data rows"),
        (
            "date,value\n2024-01-01,3\n2024-01-08,2e12\n",
            "row 3, column value",
        ),
    ] {
        std::fs::write(&path, content).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
            .args(["spc", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        // Refused as an input error (a panic exits with 101).
        assert_eq!(output.status.code(), Some(2), "{err}");
        assert!(err.contains(expected) && !err.contains("panicked"), "{err}");
    }
    std::fs::remove_file(&path).ok();
}

#[test]
fn diff_lists_what_changed_and_the_difference_in_lead_time() {
    let before = example_document();
    let mut after = example_document();
    // X-ray touch time 15 -> 10 minutes, visited 1/0.9 times (a 10% repeat): 5/0.9 less.
    after["steps"][2]["touchMinutes"] = json!(10);
    after["transitions"][1]["handoff"] = json!("TRANSFER");
    let (a, b) = (write(&before), write(&after));
    let (status, out) = qiflow(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains("Step xray changed: touchMinutes 15.0 -> 10.0"),
        "{out}"
    );
    assert!(
        out.contains("Transition triage->xray changed: handoff \"INTERNAL\" -> \"TRANSFER\""),
        "{out}"
    );
    let (status, out) = qiflow(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(status, 0, "{out}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    let difference = c["differences"]["expectedLeadTimeMinutes"]
        .as_f64()
        .unwrap();
    assert!((difference + 5.0 / 0.9).abs() < 1e-9, "{difference}");
    assert_eq!(c["map"]["stepsAdded"], json!([]));
    // A broken document is named with its problems.
    let mut broken = example_document();
    broken["transitions"] = json!([]);
    let broken = write(&broken);
    let (status, out) = qiflow(&["diff", a.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}");
}

/// Issue 15: `qiflow compare` on a log whose wait before surgery doubles from 25 March 2025:
/// that transition comes first, significant, with an interval around the planted change, in the
/// JSON contract the issue names; problems go to standard error.
#[test]
fn compare_finds_the_transition_that_changed() {
    // Deterministic waits: x-ray 30 to 89 minutes; surgery 2 to 3 hours, then 4 to 6 hours.
    let mut csv = String::from("case_id,activity,timestamp\n");
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap();
    for i in 0..400i64 {
        let t0 = start + chrono::Duration::hours(6 * i);
        let after = t0 >= chrono::DateTime::parse_from_rfc3339("2025-03-25T00:00:00Z").unwrap();
        let t1 = t0 + chrono::Duration::minutes(30 + (i * 37) % 60);
        let surgery = 120 + (i * 53) % 60;
        let t2 = t1 + chrono::Duration::minutes(if after { 2 * surgery } else { surgery });
        for (activity, t) in [("ED_TRIAGE", t0), ("XRAY", t1), ("SURGERY", t2)] {
            csv.push_str(&format!("c{i},{activity},{}\n", t.to_rfc3339()));
        }
    }
    let path = std::env::temp_dir().join(format!("qiflow-compare-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).unwrap();
    let file = path.to_str().unwrap();
    let (status, out) = qiflow(&[
        "compare",
        file,
        "--split",
        "2025-03-25",
        "--from",
        "ED_TRIAGE",
        "--to",
        "SURGERY",
        "--format",
        "json",
        "--resamples",
        "200",
    ]);
    assert_eq!(status, 0, "{out}");
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &c["transitions"][0];
    assert_eq!(
        (&first["from"], &first["to"]),
        (&json!("XRAY"), &json!("SURGERY"))
    );
    assert_eq!(first["significant"], true);
    for period in ["before", "after"] {
        for field in ["cases", "perCase", "medianSeconds", "p90Seconds"] {
            assert!(
                first[period][field].is_number(),
                "{period}.{field}: {first}"
            );
        }
    }
    // The median wait doubles from about 2.5 hours: a change of about 2.5 hours.
    let change = first["medianChangeSeconds"].as_f64().unwrap();
    let [lo, hi] = [
        first["ci95"][0].as_f64().unwrap(),
        first["ci95"][1].as_f64().unwrap(),
    ];
    assert!(lo <= change && change <= hi && lo > 0.0, "{first}");
    assert!((change - 9_000.0).abs() < 1_800.0, "{change}");
    let other = &c["transitions"][1];
    assert_eq!(other["significant"], false, "{other}");

    let run = qiflow_full;
    let (status, out, err) = run(&["compare", file, "--split", "25/03/2025"]);
    assert_eq!((status, out.as_str()), (Some(1), ""));
    assert!(err.contains("--split: '25/03/2025' is not a date"), "{err}");
    let (status, out, err) = run(&[
        "compare",
        file,
        "--split",
        "2025-03-25",
        "--from",
        "TRIAGE",
        "--to",
        "SURGERY",
    ]);
    assert_eq!((status, out.as_str()), (Some(1), ""));
    assert!(
        err.contains("--from: no activity 'TRIAGE' in the log"),
        "{err}"
    );
    std::fs::remove_file(path).ok();
}

/// Runs qiflow and answers its exit code, standard output and standard error.
fn qiflow_full(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(args)
        .output()
        .expect("running qiflow");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Issue 16: a Disco export (`;`, `YYYY/MM/DD HH:MM:SS.fff`, a `Case ID` column), gzipped,
/// mines with only `--columns` and `--timezone`; a bad row goes to standard error, never into
/// the JSON on standard output.
#[test]
fn mine_reads_a_gzipped_disco_export_and_keeps_errors_off_standard_output() {
    use std::io::Write as _;
    let csv = "Case ID;Activity;Resource;Complete Timestamp\n\
               1;Admission;Ward 3;2014/10/22 11:15:41.000\n\
               1;Discharge;Ward 3;2014/10/22 13:15:41.500\n\
               2;Admission;Ward 4;2014/10/23 09:00:00.000\n\
               2;Discharge;Ward 4;2014/10/23 10:00:00.000\n";
    let gzip = |text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    // No telling extension: the content says gzip and CSV.
    let path = std::env::temp_dir().join(format!("qiflow-disco-{}.dat", uuid::Uuid::new_v4()));
    std::fs::write(&path, gzip(csv)).unwrap();
    let file = path.to_str().unwrap();
    let columns = "case_id=Case ID,activity=Activity,timestamp=Complete Timestamp";
    let mine = |more: &[&str]| {
        let mut args = vec!["mine", file, "--columns", columns];
        args.extend_from_slice(more);
        qiflow_full(&args)
    };
    let (status, out, err) = mine(&["--timezone", "Europe/Amsterdam", "--format", "json"]);
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(err, "");
    let mined: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (mined["events"].as_u64(), mined["cases"].as_u64()),
        (Some(4), Some(2))
    );
    // (2 h 0.5 s + 1 h) / 2.
    assert_eq!(
        mined["edges"][0]["meanSeconds"].as_f64(),
        Some(5400.25),
        "{out}"
    );
    let (status, table, _) = mine(&["--timezone", "Europe/Amsterdam"]);
    assert_eq!(status, Some(0));
    assert!(
        table.contains(
            "Read as CSV (gzip), ';'-separated, timestamps YYYY/MM/DD HH:MM:SS, times without an offset in Europe/Amsterdam"
        ),
        "{table}"
    );

    let broken = csv.replace("2014/10/23 10:00:00.000", "23/10/2014 10:00");
    std::fs::write(&path, broken).unwrap();
    let (status, out, err) = mine(&["--format", "json"]);
    assert_eq!((status, out.as_str()), (Some(1), ""));
    assert!(err.contains("row 5 column 'Complete Timestamp'"), "{err}");
    let (status, out, err) = qiflow_full(&["mine", file, "--timezone", "Mars/Olympus"]);
    assert_eq!((status, out.as_str()), (Some(2), ""));
    assert!(err.contains("not a time zone"), "{err}");
    std::fs::remove_file(&path).ok();
}

/// Issue 16: an export naming who did each event but no organisation; `--resource-organisations`
/// gives each resource's organisation as the file is read (hand-offs between organisations
/// appear), says how many events it gave one, and names a bad row of the table.
#[test]
fn mine_gives_events_their_resources_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stroke.csv");
    std::fs::write(
        &log,
        "case_id,activity,timestamp,resource\n\
         1,ASSESS,2024-01-01T09:00:00Z,Dr Patel\n\
         1,ASSESS,2024-01-01T12:00:00Z,Rehab physio\n\
         2,ASSESS,2024-01-02T09:00:00Z,Dr Patel\n\
         2,ASSESS,2024-01-02T10:00:00Z,Porter\n",
    )
    .unwrap();
    let table = dir.path().join("resources.csv");
    std::fs::write(
        &table,
        "resource,organisation\nDr Patel,RX8\nRehab physio,RYJ\n",
    )
    .unwrap();
    let (log, table) = (log.to_str().unwrap(), table.to_str().unwrap());
    let (status, out, err) = qiflow_full(&["mine", log, "--format", "json"]);
    assert_eq!(status, Some(0), "{err}");
    let mined: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(mined["handoffs"]["total"], 0, "{out}");
    let with_table = ["mine", log, "--resource-organisations", table];
    let (status, out, err) = qiflow_full(&[&with_table[..], &["--format", "json"]].concat());
    assert_eq!(status, Some(0), "{err}");
    let mined: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Case 1 passes from RX8 to RYJ; case 2's porter has no organisation.
    assert_eq!(mined["handoffs"]["total"], 1, "{out}");
    assert_eq!(mined["handoffs"]["pairs"][0]["from"], "RX8", "{out}");
    assert_eq!(mined["handoffs"]["pairs"][0]["to"], "RYJ", "{out}");
    let (status, out, _) = qiflow_full(&with_table);
    assert_eq!(status, Some(0));
    assert!(
        out.contains("3 event(s) given their resource's organisation"),
        "{out}"
    );
    std::fs::write(
        dir.path().join("resources.csv"),
        "resource,organisation\nDr Patel,\n",
    )
    .unwrap();
    let (status, out, err) = qiflow_full(&with_table);
    assert_eq!((status, out.as_str()), (Some(2), ""), "{err}");
    assert!(
        err.contains("row 2, organisation: the organisation is empty"),
        "{err}"
    );
}

fn simulate(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["simulate", "docs/examples/stroke-unit.json"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--patients", "20000", "--seed", "3"]);
    let (code, out) = qiflow(&all);
    assert_eq!(code, 0, "{out}");
    serde_json::from_str(&out).expect("JSON")
}

fn stroke_unit(result: &serde_json::Value) -> &serde_json::Value {
    result["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "stroke_unit"))
        .expect("the stroke unit")
}

#[test]
fn simulate_answers_the_stroke_unit_question_with_intervals() {
    let seven = simulate(&[]);
    let nine = simulate(&["--servers", "stroke_unit=9"]);
    // The fields programs read.
    let lead = &seven["leadTimeMinutes"];
    for field in ["mean", "median", "p90", "p95"] {
        assert!(
            lead[field].as_f64().is_some_and(|v| v > 0.0),
            "{field}: {lead}"
        );
    }
    let [lo, hi] = [&lead["ci95"][0], &lead["ci95"][1]].map(|v| v.as_f64().unwrap());
    assert!(lo <= lead["mean"].as_f64().unwrap() && lead["mean"].as_f64().unwrap() <= hi);
    let (unit7, unit9) = (stroke_unit(&seven), stroke_unit(&nine));
    for unit in [unit7, unit9] {
        for field in ["mean", "p90"] {
            assert!(unit["queueWaitMinutes"][field].as_f64().is_some(), "{unit}");
        }
        assert!(unit["maxQueue"].as_u64().is_some());
    }
    // Utilisation against the offered load worked out by hand: 0.78 a day × 8 days / beds.
    let offered = |beds: f64| 0.78 * 8.0 / beds;
    for (unit, beds) in [(unit7, 7.0), (unit9, 9.0)] {
        let u = unit["utilisation"].as_f64().unwrap();
        assert!(
            (u - offered(beds)).abs() < 0.03,
            "{beds} beds: {u} vs {}",
            offered(beds)
        );
    }
    // Two more beds: the wait for one falls, and the intervals do not overlap.
    let wait = |unit: &serde_json::Value| {
        let w = &unit["queueWaitMinutes"];
        (
            w["ci95"][0].as_f64().unwrap(),
            w["ci95"][1].as_f64().unwrap(),
        )
    };
    let ((lo7, _), (_, hi9)) = (wait(unit7), wait(unit9));
    assert!(hi9 < lo7, "9 beds {hi9} vs 7 beds {lo7}");
    // The same seed gives the same answer.
    assert_eq!(simulate(&[]), seven);
    // --compare: both runs, and the differences between them.
    let compared = simulate(&["--servers", "stroke_unit=9", "--compare"]);
    let d = (compared["differences"]["steps"].as_array().unwrap().iter())
        .find(|s| s["key"] == "stroke_unit")
        .expect("the stroke unit's difference")
        .clone();
    let w = &d["queueWaitMinutes"];
    assert_eq!(w["baseline"], unit7["queueWaitMinutes"]["mean"]);
    assert_eq!(w["changed"], unit9["queueWaitMinutes"]["mean"]);
    assert!(w["ci95"][1].as_f64().unwrap() < 0.0, "{w}");
    assert_eq!(
        compared["differences"]["leadTimeMeanMinutes"]["baseline"],
        seven["leadTimeMinutes"]["mean"]
    );
    // --changes takes the change kinds whatIf takes: nine servers as a change is --servers 9.
    let dir = tempfile::tempdir().unwrap();
    let changes = dir.path().join("changes.json");
    std::fs::write(
        &changes,
        r#"[{"setServers": {"step": "stroke_unit", "servers": 9}}]"#,
    )
    .unwrap();
    assert_eq!(simulate(&["--changes", changes.to_str().unwrap()]), nine);
    std::fs::write(
        &changes,
        r#"[{"setDelay": {"from": "stroke_unit", "to": "nowhere"}}]"#,
    )
    .unwrap();
    let (code, _, err) = qiflow_full(&[
        "simulate",
        "docs/examples/stroke-unit.json",
        "--changes",
        changes.to_str().unwrap(),
    ]);
    assert_ne!(code, Some(0));
    assert!(err.contains("changes[0].to"), "{err}");
    // And the charts, when asked for.
    let dir = tempfile::tempdir().unwrap();
    let charts = dir.path().join("charts");
    simulate(&["--charts", charts.to_str().unwrap()]);
    for file in ["lead-time.svg", "queues.svg"] {
        let svg = std::fs::read_to_string(charts.join(file)).unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("NaN"), "{file}");
    }
}

#[test]
fn simulate_names_what_is_wrong() {
    let (code, out) = qiflow(&[
        "simulate",
        "docs/examples/stroke-unit.json",
        "--servers",
        "ward=3",
    ]);
    assert_eq!(code, 2, "{out}");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("docs/examples/stroke-unit.json").unwrap())
            .unwrap();
    doc["steps"][4]["serviceTime"] = json!({"distribution": "LOGNORMAL", "meanMinutes": 60});
    doc["steps"][2]["queueCapacity"] = json!(2);
    doc["steps"][3]["queueCapacity"] = json!(2);
    let path = write(&doc);
    let (code, out) = qiflow(&["simulate", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("steps[4].serviceTime.sdMinutes"), "{out}");
    assert!(out.contains("steps[3].queueCapacity"), "{out}");
    assert!(!out.contains("steps[2]"), "{out}");
}

/// The demo's event log as CSV, as an export from a patient administration system would give it.
fn demo_log_csv() -> std::path::PathBuf {
    use engine::events::Lifecycle;
    let mut csv = String::from("case_id,activity,timestamp,organisation,lifecycle\n");
    for (case, activity, ms, organisation, lifecycle) in api::demo::demo_events() {
        let at = chrono::DateTime::from_timestamp_millis(ms).unwrap();
        let lifecycle = match lifecycle {
            Lifecycle::Start => "start",
            Lifecycle::Complete => "complete",
            _ => "",
        };
        csv.push_str(&format!(
            "{case},{activity},{},{organisation},{lifecycle}\n",
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ));
    }
    let path = std::env::temp_dir().join(format!("qiflow-demo-log-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn simulate_calibrated_from_the_demo_log_reproduces_its_lead_time_and_waits() {
    use engine::events::Lifecycle;
    use std::collections::HashMap;
    // The log cannot see moves into END steps (they have no activity code): its lead time ends
    // at the last recorded event. To compare like with like, those waits are 0 here.
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("api/src/demo/hip_fracture.json").unwrap())
            .unwrap();
    let ends: Vec<String> = (document["steps"].as_array().unwrap().iter())
        .filter(|s| s["kind"] == "END")
        .map(|s| s["key"].as_str().unwrap().to_string())
        .collect();
    for t in document["transitions"].as_array_mut().unwrap() {
        if ends.iter().any(|e| t["to"] == e.as_str()) {
            t["waitMinutes"] = json!(0);
        }
    }
    let steps = document["steps"].as_array().unwrap().clone();
    let step_of: HashMap<&str, &str> = (steps.iter())
        .filter_map(|s| Some((s["activityCode"].as_str()?, s["key"].as_str()?)))
        .collect();
    let touch: HashMap<&str, f64> = (steps.iter())
        .map(|s| {
            (
                s["key"].as_str().unwrap(),
                s["touchMinutes"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    let transitions: Vec<(String, String)> = (document["transitions"].as_array().unwrap().iter())
        .map(|t| {
            (
                t["from"].as_str().unwrap().into(),
                t["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    let file = write(&document);

    // The log's figures, worked out here: each case's lead time (first to last event), and for
    // each step the mean wait before it (from the end of the visit before, along a transition
    // of the map, to the step's first event), leaving out activities the map does not have.
    let mut cases: HashMap<String, Vec<(i64, &str, Lifecycle)>> = HashMap::new();
    let events = api::demo::demo_events();
    for (case, activity, ms, _, lifecycle) in &events {
        if let Some(step) = step_of.get(activity.as_str()) {
            cases
                .entry(case.clone())
                .or_default()
                .push((*ms, step, *lifecycle));
        }
    }
    let mut lead_times = Vec::new();
    let mut waits: HashMap<&str, (f64, u32)> = HashMap::new();
    for events in cases.values() {
        lead_times.push((events.last().unwrap().0 - events[0].0) as f64 / 60_000.0);
        // Visits: a start event and the completion after it are one visit.
        let mut visits: Vec<(&str, i64, i64)> = Vec::new();
        for &(ms, step, lifecycle) in events {
            match visits.last_mut() {
                Some(v) if v.0 == step && lifecycle == Lifecycle::Complete && v.1 == v.2 => {
                    v.2 = ms
                }
                _ => visits.push((step, ms, ms)),
            }
        }
        for pair in visits.windows(2) {
            let (from, to) = (pair[0].0, pair[1].0);
            if transitions.iter().any(|(a, b)| a == from && b == to) {
                let w = waits.entry(to).or_default();
                w.0 += (pair[1].1 - pair[0].2) as f64 / 60_000.0;
                w.1 += 1;
            }
        }
    }
    lead_times.sort_by(f64::total_cmp);
    let log_median = lead_times[lead_times.len() / 2];

    let log = demo_log_csv();
    let (status, out) = qiflow(&[
        "simulate",
        file.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--patients",
        "100000",
        "--format",
        "json",
    ]);
    assert_eq!(status, 0, "{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let c = &r["calibration"];
    // The generator's known parameters: surgery lasts a lognormal time of median 90 minutes and
    // σ = 0.45 in the logs: mean 90·e^(σ²/2), sd mean·√(e^σ² − 1).
    let surgery = &c["serviceTimes"][0];
    assert_eq!(surgery["step"], "surgery");
    assert_eq!(surgery["fit"]["time"]["distribution"], "LOGNORMAL");
    let mean = 90.0 * (0.45f64.powi(2) / 2.0).exp();
    let sd = mean * (0.45f64.powi(2).exp() - 1.0).sqrt();
    let fitted = &surgery["fit"]["time"];
    assert!(
        (fitted["meanMinutes"].as_f64().unwrap() / mean - 1.0).abs() < 0.05,
        "{fitted}"
    );
    assert!(
        (fitted["sdMinutes"].as_f64().unwrap() / sd - 1.0).abs() < 0.1,
        "{fitted}"
    );
    assert!(surgery["fit"]["ksPValue"].as_f64().unwrap() > 0.05);
    assert_eq!(c["arrivals"]["cases"], 2000);
    assert_eq!(
        c["arrivals"]["perHourOfWeek"].as_array().unwrap().len(),
        168
    );

    let median = r["leadTimeMinutes"]["median"].as_f64().unwrap();
    assert!(
        (median / log_median - 1.0).abs() < 0.03,
        "simulated median lead time {median:.0} min, the log's {log_median:.0} min"
    );
    let mut compared = 0;
    for step in r["steps"].as_array().unwrap() {
        let key = step["key"].as_str().unwrap();
        let Some(&(sum, n)) = waits.get(key) else {
            continue;
        };
        // The log marks only the completion of every step but surgery, so its wait holds the
        // step's own service.
        let service = if key == "surgery" { 0.0 } else { touch[key] };
        let simulated = step["waitBeforeMinutes"]["mean"].as_f64().unwrap() + service;
        let logged = sum / n as f64;
        eprintln!("{key}: simulated {simulated:.1}, log {logged:.1} ({n} waits)");
        assert!(
            (simulated / logged - 1.0).abs() < 0.03,
            "{key}: simulated wait {simulated:.1} min, the log's {logged:.1} min"
        );
        compared += 1;
    }
    assert_eq!(compared, 13);
    eprintln!("median lead time: simulated {median:.0}, log {log_median:.0}");

    // For people: the fits and their goodness of fit before the result.
    let (status, out) = qiflow(&[
        "simulate",
        file.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--patients",
        "2000",
    ]);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.starts_with("Calibrated from the log: 2000 cases"),
        "{out}"
    );
    assert!(out.contains("KS p"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("service surgery") && l.contains("LOGNORMAL")),
        "{out}"
    );
    // A log that cannot be read is named with its rows.
    let bad = std::env::temp_dir().join(format!("qiflow-bad-log-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&bad, "case_id,activity,timestamp\n1,A,not a time\n").unwrap();
    let (status, _, err) = qiflow_full(&[
        "simulate",
        file.to_str().unwrap(),
        "--log",
        bad.to_str().unwrap(),
    ]);
    assert_ne!(status, Some(0));
    assert!(err.contains("row 2"), "{err}");
}
