//! Whether a PDSA cycle's prediction came true, judged as Making Data Count teaches: only a
//! signal on the measure's chart is evidence of change. The limits are fixed from the points
//! before the change (so the change cannot hide itself by moving them), and the points from the
//! start of the test are judged against them by the measure's own rules.

use crate::measure::{DataPoint, Measure};
use crate::pdsa::Expectation;
use crate::spc::chart::{ChartRequest, MIN_BASELINE_POINTS, chart};
use crate::spc::view::PointView;
use crate::spc::{Assurance, Direction, PointType, assurance};
use crate::{InputErrors, spc::rules::Rule};
use chrono::NaiveDate;
use serde::Serialize;

/// What the data says about a prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// A special cause in the predicted direction (for NEUTRAL: none over enough points).
    Met,
    /// A special cause the other way, or (for INCREASE and DECREASE) common cause over enough
    /// points to have shown a shift.
    NotMet,
    /// Too few points since the start of the test to say either.
    NotYet,
    /// Fewer than 12 points before the test: no stable limits to judge against.
    TooLittleBaseline,
}

/// A judgement with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Judgement {
    pub verdict: Verdict,
    /// The change judged: the predicted direction, or for a predicted value the way from the
    /// baseline's mean to it.
    pub direction: Direction,
    /// Points before the test, from which the limits are fixed.
    pub baseline_points: usize,
    /// Points from the start of the test to the end of the window.
    pub window_points: usize,
    /// Window points a verdict of common cause needs (the measure's shift length).
    pub points_needed: usize,
    /// The baseline's centre line and (for XmR charts) its limits.
    pub mean: Option<f64>,
    pub lower_limit: Option<f64>,
    pub upper_limit: Option<f64>,
    /// The mean of the window's points, for the record (not the evidence).
    pub window_mean: Option<f64>,
    /// The window's special-cause points, each with its rule and its limits.
    pub signals: Vec<PointView>,
    /// For a predicted value: the assurance of that target on the fixed limits.
    pub assurance: Option<Assurance>,
    /// The verdict and its evidence in plain English.
    pub reason: String,
}

/// Judges `expectation` on `measure`'s chart: limits fixed from the points dated before `start`
/// (at least 12), then the points from `start` to `end` (inclusive) judged by the rules of
/// `request` (the measure's preset). Later points are left out; `request`'s own baseline and
/// rebases are replaced by the fixed baseline. `points` must be in date order.
/// O(points).
pub fn judge(
    measure: &Measure,
    points: &[DataPoint],
    expectation: Expectation,
    start: NaiveDate,
    end: NaiveDate,
    request: &ChartRequest,
) -> Result<Judgement, InputErrors> {
    let baseline = points.iter().take_while(|p| p.date < start).count();
    let window: Vec<DataPoint> = points[baseline..]
        .iter()
        .filter(|p| p.date <= end)
        .cloned()
        .collect();
    let mut judgement = Judgement {
        verdict: Verdict::TooLittleBaseline,
        direction: match expectation {
            Expectation::Direction { direction } => direction,
            Expectation::Value { .. } => Direction::Neutral,
        },
        baseline_points: baseline,
        window_points: window.len(),
        points_needed: 0,
        mean: None,
        lower_limit: None,
        upper_limit: None,
        window_mean: (!window.is_empty())
            .then(|| window.iter().map(DataPoint::charted).sum::<f64>() / window.len() as f64),
        signals: vec![],
        assurance: None,
        reason: String::new(),
    };
    if baseline < MIN_BASELINE_POINTS {
        judgement.reason = format!(
            "too little baseline: {baseline} point(s) before the test started on {start}; limits need at least {MIN_BASELINE_POINTS}"
        );
        return Ok(judgement);
    }
    let charted: Vec<DataPoint> = points[..baseline].iter().cloned().chain(window).collect();
    let fixed = ChartRequest {
        fix_after_n_points: Some(baseline),
        rebase_dates: vec![],
        ..request.clone()
    };
    let options = crate::spc::chart::options(measure, &fixed, &[])?;
    let view = chart(measure, &charted, &fixed)?;
    let group = &view.groups[0];
    judgement.points_needed = if measure.chart_type == crate::ChartType::Run {
        crate::spc::run_chart::RunChartOptions::default().shift_length
    } else {
        options.shift_length
    };
    judgement.mean = Some(group.mean);
    judgement.lower_limit = group.lower_limit;
    judgement.upper_limit = group.upper_limit;
    if let Expectation::Value { value } = expectation {
        judgement.direction = if value > group.mean {
            Direction::Increase
        } else if value < group.mean {
            Direction::Decrease
        } else {
            Direction::Neutral
        };
        if let (Some(lower), Some(upper)) = (group.lower_limit, group.upper_limit) {
            judgement.assurance = assurance(judgement.direction, value, lower, upper);
        }
    }
    judgement.signals = view.points[baseline..]
        .iter()
        .filter(|p| p.rule != Rule::CommonCause)
        .cloned()
        .collect();
    let up = judgement.signals.iter().any(|p| p.rule.sign() > 0);
    let down = judgement.signals.iter().any(|p| p.rule.sign() < 0);
    let enough = judgement.window_points >= judgement.points_needed;
    let (towards, away) = match judgement.direction {
        Direction::Increase => (up, down),
        Direction::Decrease => (down, up),
        Direction::Neutral => (false, up || down),
    };
    judgement.verdict = match judgement.direction {
        _ if away => Verdict::NotMet,
        Direction::Neutral if enough => Verdict::Met,
        _ if towards => Verdict::Met,
        Direction::Increase | Direction::Decrease if enough => Verdict::NotMet,
        _ => Verdict::NotYet,
    };
    judgement.reason = reason(&judgement, start, measure);
    Ok(judgement)
}

/// The verdict and its evidence, in words a board reads.
fn reason(j: &Judgement, start: NaiveDate, measure: &Measure) -> String {
    let number = |v: f64| measure.shown(v);
    let limits = match (j.lower_limit, j.upper_limit) {
        (Some(lower), Some(upper)) => format!(
            "mean {} and limits {} to {}",
            number(j.mean.unwrap_or_default()),
            number(lower),
            number(upper)
        ),
        _ => format!("mean {}", number(j.mean.unwrap_or_default())),
    };
    let baseline = format!(
        "limits fixed from the {} points before {start} ({limits})",
        j.baseline_points
    );
    let first = j.signals.first().map(|p| {
        format!(
            "{} special-cause point(s) from {}, first by the rule '{}' ({})",
            j.signals.len(),
            p.date,
            p.rule_label,
            match p.point_type {
                PointType::SpecialCauseImprovement => "improvement",
                PointType::SpecialCauseConcern => "concern",
                _ => "neither better nor worse",
            }
        )
    });
    let expected = match j.direction {
        Direction::Increase => "a rise",
        Direction::Decrease => "a fall",
        Direction::Neutral => "no change",
    };
    let verdict = match j.verdict {
        Verdict::Met => "met",
        Verdict::NotMet => "not met",
        Verdict::NotYet => "not yet known",
        Verdict::TooLittleBaseline => "not judged",
    };
    let evidence = match (&first, j.verdict) {
        (Some(s), _) => s.clone(),
        (None, Verdict::NotYet) => format!(
            "common cause so far over {} point(s); {} are needed to rule a shift out",
            j.window_points, j.points_needed
        ),
        (None, _) => format!(
            "common cause only over {} point(s) since the test started",
            j.window_points
        ),
    };
    let assurance = j.assurance.map_or(String::new(), |a| {
        format!(
            "; on the fixed limits the target would be {}",
            match a {
                Assurance::ConsistentPass => "met every time",
                Assurance::ConsistentFail => "missed every time",
                Assurance::Inconsistent => "hit and missed",
            }
        )
    });
    format!("Prediction {verdict}: {expected} was predicted; {evidence}; {baseline}{assurance}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChartType, ImprovementDirection, MeasureKind};

    fn measure(direction: ImprovementDirection) -> Measure {
        Measure::parse(
            "Readmissions",
            MeasureKind::Outcome,
            "count",
            "",
            direction,
            None,
            ChartType::Xmr,
        )
        .unwrap()
    }

    fn day(i: usize) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Duration::weeks(i as i64)
    }

    /// Twenty weeks of a steady process (common cause around 10), then `after`.
    fn series(after: &[f64]) -> Vec<DataPoint> {
        let baseline = [
            10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.0, 11.0, 9.0, 10.0,
            10.5, 9.5, 10.0, 11.0, 9.0,
        ];
        baseline
            .iter()
            .chain(after)
            .enumerate()
            .map(|(i, v)| DataPoint {
                date: day(i),
                value: Some(*v),
                numerator: None,
                denominator: None,
                annotation: None,
            })
            .collect()
    }

    fn judged(after: &[f64], expectation: Expectation) -> Judgement {
        judge(
            &measure(ImprovementDirection::Decrease),
            &series(after),
            expectation,
            day(20),
            day(20 + after.len()),
            &ChartRequest::default(),
        )
        .unwrap()
    }

    fn direction(direction: Direction) -> Expectation {
        Expectation::Direction { direction }
    }

    #[test]
    fn a_fall_predicted_is_met_by_a_shift_below_and_not_by_a_lower_mean() {
        // Seven points below the mean: a shift (plot-the-dots' length).
        let shift = judged(&[9.4; 7], direction(Direction::Decrease));
        assert_eq!(shift.verdict, Verdict::Met, "{}", shift.reason);
        assert!(shift.signals.iter().all(|p| p.rule == Rule::ShiftBelow));
        assert_eq!((shift.baseline_points, shift.window_points), (20, 7));
        assert!(
            shift
                .reason
                .starts_with("Prediction met: a fall was predicted")
        );
        // A lower mean that is common cause over enough points is no evidence: not met.
        let noise = judged(
            &[9.0, 10.5, 9.5, 10.0, 9.0, 10.5, 9.5, 9.5],
            direction(Direction::Decrease),
        );
        assert!(noise.window_mean.unwrap() < noise.mean.unwrap());
        assert_eq!(noise.verdict, Verdict::NotMet, "{}", noise.reason);
        assert!(noise.signals.is_empty());
        // The same, too short to rule a shift out: not yet.
        let early = judged(&[9.0, 10.5, 9.5], direction(Direction::Decrease));
        assert_eq!(early.verdict, Verdict::NotYet, "{}", early.reason);
    }

    #[test]
    fn an_astronomical_point_counts_for_its_direction_and_against_the_other() {
        let high = judged(&[10.0, 25.0], direction(Direction::Increase));
        assert_eq!(high.verdict, Verdict::Met, "{}", high.reason);
        assert_eq!(high.signals[0].rule, Rule::AboveUpperLimit);
        assert_eq!(high.signals[0].point_type, PointType::SpecialCauseConcern);
        let wrong_way = judged(&[10.0, 25.0], direction(Direction::Decrease));
        assert_eq!(wrong_way.verdict, Verdict::NotMet, "{}", wrong_way.reason);
    }

    #[test]
    fn no_change_predicted_is_met_only_by_common_cause_over_enough_points() {
        let steady = judged(
            &[10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 11.0],
            direction(Direction::Neutral),
        );
        assert_eq!(steady.verdict, Verdict::Met, "{}", steady.reason);
        let short = judged(&[10.0, 11.0], direction(Direction::Neutral));
        assert_eq!(short.verdict, Verdict::NotYet);
        let moved = judged(&[9.4; 7], direction(Direction::Neutral));
        assert_eq!(moved.verdict, Verdict::NotMet);
    }

    #[test]
    fn a_run_measure_is_judged_on_its_run_chart_with_the_median_fixed() {
        let mut m = measure(ImprovementDirection::Decrease);
        m.chart_type = ChartType::Run;
        let j = judge(
            &m,
            &series(&[9.4; 6]),
            direction(Direction::Decrease),
            day(20),
            day(26),
            &ChartRequest::default(),
        )
        .unwrap();
        assert_eq!(j.verdict, Verdict::Met, "{}", j.reason);
        assert_eq!((j.lower_limit, j.upper_limit), (None, None));
        assert_eq!(j.points_needed, 6);
        assert!(j.signals.iter().all(|p| p.rule == Rule::ShiftBelow));
        assert!(j.reason.contains("6 Points Below Median"), "{}", j.reason);
    }

    #[test]
    fn a_short_baseline_is_not_judged() {
        let points = series(&[9.4; 7]);
        let j = judge(
            &measure(ImprovementDirection::Decrease),
            &points[9..],
            direction(Direction::Decrease),
            day(20),
            day(27),
            &ChartRequest::default(),
        )
        .unwrap();
        assert_eq!(j.verdict, Verdict::TooLittleBaseline);
        assert_eq!(j.baseline_points, 11);
        assert!(j.reason.contains("too little baseline"), "{}", j.reason);
    }

    #[test]
    fn a_predicted_value_is_judged_by_the_way_to_it_with_its_assurance() {
        let j = judged(&[9.4; 7], Expectation::Value { value: 5.0 });
        assert_eq!(j.direction, Direction::Decrease);
        assert_eq!(j.verdict, Verdict::Met);
        // 5 is below the fixed lower limit: the old process would miss it every time.
        assert!(j.lower_limit.unwrap() > 5.0);
        assert_eq!(j.assurance, Some(Assurance::ConsistentFail));
        assert!(j.reason.contains("missed every time"), "{}", j.reason);
    }

    #[test]
    fn points_after_the_window_are_left_out() {
        let points = series(&[10.0, 10.0, 25.0]);
        let j = judge(
            &measure(ImprovementDirection::Decrease),
            &points,
            direction(Direction::Increase),
            day(20),
            day(21),
            &ChartRequest::default(),
        )
        .unwrap();
        assert_eq!(j.window_points, 2);
        assert_eq!(j.verdict, Verdict::NotYet);
    }
}
