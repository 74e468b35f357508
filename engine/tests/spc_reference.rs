//! Every case computed by NHSRplotthedots (the reference implementation of Making Data Count),
//! from `../shared/validation/spc/`, must come out the same point by point, numbers to 1e-9
//! relative. The files are read where they lie, never copied. Without the folder (a user's fresh
//! clone) the test says it skipped; under CI (`CI=true`) a missing folder fails.

use engine::spc::rules::{part_of_run, run_one_side, trend, two_in_three, two_in_three_windows};
use engine::spc::{Direction, XmrOptions, assurance, xmr};
use serde_json::Value;
use std::path::PathBuf;

fn folder() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/validation/spc");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the SPC validation cases are missing at {}",
        dir.display()
    );
    eprintln!("skipped: no SPC validation cases at {}", dir.display());
    None
}

fn direction(name: &str) -> Direction {
    match name {
        "increase" => Direction::Increase,
        "decrease" => Direction::Decrease,
        _ => Direction::Neutral,
    }
}

fn close(actual: f64, expected: f64, what: &str) {
    let tolerance = 1e-9 * expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} != {expected}"
    );
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn every_reference_chart_matches_point_by_point() {
    let Some(dir) = folder() else { return };
    let mut checked = 0;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with("ptd_rule_units.json"))
        .collect();
    names.sort();
    for path in names {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = case["name"].as_str().unwrap().to_string();
        let values = numbers(&case["values"]);
        let o = &case["options"];
        let mut options =
            XmrOptions::plot_the_dots(direction(case["improvement_direction"].as_str().unwrap()));
        options.screen_outliers = o["screen_outliers"].as_bool().unwrap_or(true);
        options.fix_after_n_points = o["fix_after_n_points"].as_u64().map(|n| n as usize);
        options.rebase_at = o["rebase_at_indices"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_u64().unwrap() as usize).collect())
            .unwrap_or_default();
        options.target = o["target"].as_f64();
        let chart = xmr(&values, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = &case["expected"];

        let groups = e["groups"].as_array().unwrap();
        assert_eq!(chart.groups.len(), groups.len(), "{name}: groups");
        for (g, want) in chart.groups.iter().zip(groups) {
            assert_eq!(
                g.first_index as u64,
                want["first_index"].as_u64().unwrap(),
                "{name}"
            );
            assert_eq!(g.n as u64, want["n"].as_u64().unwrap(), "{name}");
            close(
                g.mean,
                want["mean"].as_f64().unwrap(),
                &format!("{name} mean"),
            );
            close(
                g.lower_limit,
                want["lpl"].as_f64().unwrap(),
                &format!("{name} lpl"),
            );
            close(
                g.upper_limit,
                want["upl"].as_f64().unwrap(),
                &format!("{name} upl"),
            );
            assert_eq!(
                g.short_group_warning,
                want["short_group_warning"].as_bool().unwrap(),
                "{name}"
            );
            let last = chart.points[g.first_index + g.n - 1]
                .point_type
                .reference_name();
            assert_eq!(
                last,
                want["variation_type_last_point"].as_str().unwrap(),
                "{name}: group's last point"
            );
        }
        if let Some(m) = e["mean"].as_f64() {
            close(chart.groups[0].mean, m, &format!("{name} mean"));
            close(
                chart.groups[0].lower_limit,
                e["lpl"].as_f64().unwrap(),
                &format!("{name} lpl"),
            );
            close(
                chart.groups[0].upper_limit,
                e["upl"].as_f64().unwrap(),
                &format!("{name} upl"),
            );
        }
        for (i, p) in chart.points.iter().enumerate() {
            let at = format!("{name} point {i}");
            assert_eq!(
                p.point_type.reference_name(),
                e["point_type"][i].as_str().unwrap(),
                "{at}: point type"
            );
            assert_eq!(
                p.rule.label(options.trend_length, options.shift_length),
                e["special_cause_type"][i].as_str().unwrap(),
                "{at}: rule"
            );
            assert_eq!(
                p.outside_limits,
                e["outside_limits"][i].as_bool().unwrap(),
                "{at}: outside"
            );
            assert_eq!(
                p.close_to_limits,
                e["close_to_limits"][i].as_bool().unwrap(),
                "{at}: close"
            );
            assert_eq!(
                p.relative_to_mean as i64,
                e["relative_to_mean"][i].as_i64().unwrap(),
                "{at}: side"
            );
        }
        let special: Vec<usize> = chart
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.point_type != engine::spc::PointType::CommonCause)
            .map(|(i, _)| i)
            .collect();
        let want: Vec<usize> = e["special_cause_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(special, want, "{name}: special-cause points");
        assert_eq!(
            chart.variation.map(|v| v.reference_name()),
            e["variation_type_last_point"].as_str(),
            "{name}: variation"
        );
        assert_eq!(
            chart.assurance.map(|a| a.reference_name()),
            e["assurance_type"].as_str(),
            "{name}: assurance"
        );
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} cases were checked");
}

#[test]
fn the_reference_rule_helpers_agree() {
    let Some(dir) = folder() else { return };
    let units: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ptd_rule_units.json")).unwrap())
            .unwrap();
    let ints = |v: &Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect()
    };
    for case in units["cases"].as_array().unwrap() {
        let args = &case["args"];
        let expected = ints(&case["expected"]);
        let got: Vec<i64> = match case["function"].as_str().unwrap() {
            "seven_point_one_side_mean" => {
                let v: Vec<i8> = ints(&args["v"]).into_iter().map(|x| x as i8).collect();
                // The reference flags a run with 1 whichever side it is on.
                run_one_side(&v, 7)
                    .into_iter()
                    .map(|x| i64::from(x).abs())
                    .collect()
            }
            "part_of_seven" => {
                let v: Vec<i8> = ints(&args["v"]).into_iter().map(|x| x as i8).collect();
                part_of_run(&v, 7).into_iter().map(i64::from).collect()
            }
            "seven_point_trend" => trend(&numbers(&args["y"]), 7)
                .into_iter()
                .map(i64::from)
                .collect(),
            f @ ("two_in_three_window" | "two_in_three_flagged_points") => {
                let close: Vec<bool> = ints(&args["close_to_limits"])
                    .into_iter()
                    .map(|x| x != 0)
                    .collect();
                let side: Vec<i8> = ints(&args["relative_to_mean"])
                    .into_iter()
                    .map(|x| x as i8)
                    .collect();
                let out = if f == "two_in_three_window" {
                    two_in_three_windows(&close, &side)
                } else {
                    two_in_three(&close, &side)
                };
                out.into_iter().map(i64::from).collect()
            }
            other => panic!("unknown helper {other}"),
        };
        assert_eq!(got, expected, "{} {}", case["function"], args);
    }
    for case in units["assurance_cases"].as_array().unwrap() {
        let got = assurance(
            direction(case["improvement_direction"].as_str().unwrap()),
            case["target"].as_f64().unwrap(),
            case["lpl"].as_f64().unwrap(),
            case["upl"].as_f64().unwrap(),
        );
        assert_eq!(
            got.map(|a| a.reference_name()),
            case["expected"].as_str(),
            "{case}"
        );
    }
}

/// Issue 15: a PDSA prediction is judged on limits fixed from the points before the test. Judged
/// from the 13th point of every reference case whose limits NHSRplotthedots fixed after 12
/// points, the judgement's limits and its special-cause points are the reference's.
#[test]
fn a_prediction_is_judged_on_the_reference_chart_with_the_baseline_fixed() {
    use engine::judgement::judge;
    use engine::measure::{DataPoint, Measure};
    use engine::pdsa::Expectation;
    use engine::spc::chart::ChartRequest;
    let Some(dir) = folder() else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") || path.ends_with("ptd_rule_units.json") {
            continue;
        }
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let o = &case["options"];
        let (Some(n), None, None) = (
            o["fix_after_n_points"].as_u64(),
            o["rebase_at_indices"].as_array(),
            o["target"].as_f64(),
        ) else {
            continue;
        };
        let n = n as usize;
        let name = case["name"].as_str().unwrap();
        let values = numbers(&case["values"]);
        let dates: Vec<chrono::NaiveDate> = case["dates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().parse().unwrap())
            .collect();
        let points: Vec<DataPoint> = dates
            .iter()
            .zip(&values)
            .map(|(date, v)| DataPoint {
                date: *date,
                value: Some(*v),
                numerator: None,
                denominator: None,
                annotation: None,
            })
            .collect();
        let improvement = case["improvement_direction"].as_str().unwrap();
        let measure = Measure::parse(
            name,
            engine::MeasureKind::Outcome,
            "the reference case's values",
            "",
            match improvement {
                "increase" => engine::ImprovementDirection::Increase,
                "decrease" => engine::ImprovementDirection::Decrease,
                _ => engine::ImprovementDirection::Neutral,
            },
            None,
            engine::ChartType::Xmr,
        )
        .unwrap();
        let request = ChartRequest {
            screen_outliers: o["screen_outliers"].as_bool(),
            ..Default::default()
        };
        let judged = judge(
            &measure,
            &points,
            Expectation::Direction {
                direction: Direction::Increase,
            },
            dates[n],
            *dates.last().unwrap(),
            &request,
        )
        .unwrap();
        let e = &case["expected"];
        assert_eq!(judged.baseline_points, n, "{name}");
        close(judged.mean.unwrap(), e["mean"].as_f64().unwrap(), name);
        close(
            judged.lower_limit.unwrap(),
            e["lpl"].as_f64().unwrap(),
            name,
        );
        close(
            judged.upper_limit.unwrap(),
            e["upl"].as_f64().unwrap(),
            name,
        );
        let expected: Vec<usize> = e["special_cause_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_u64().unwrap() as usize)
            .filter(|i| *i >= n)
            .collect();
        let found: Vec<usize> = judged
            .signals
            .iter()
            .map(|p| dates.iter().position(|d| *d == p.date).unwrap())
            .collect();
        assert_eq!(
            found, expected,
            "{name}: special-cause points after the baseline"
        );
        for p in &judged.signals {
            let i = dates.iter().position(|d| *d == p.date).unwrap();
            assert_eq!(
                p.rule_label, e["special_cause_type"][i],
                "{name}: point {i}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 1, "no reference case fixes its limits");
}
