//! The XmR chart: mean and process limits from the moving range, per group (a rebase segment),
//! with every point classified by the special-cause rules.

use super::rules::{Rule, part_of_run, run_one_side, trend, two_in_three};
use super::{Assurance, Direction, PointType, assurance};
use serde::Serialize;

/// 2.66 = 3 / d2 (d2 = 1.128 for moving ranges of two points): mean ± 2.66 × mean moving range.
pub const LIMIT: f64 = 2.66;
/// Moving ranges of at least 3.267 × their mean (the upper range limit) are screened out.
pub const SCREEN: f64 = 3.267;
/// Fewest baseline points `fixAfterNPoints` may name.
pub const MIN_FIXED_BASELINE: usize = 12;
/// Groups shorter than this carry a "trial limits" warning.
pub const SHORT_GROUP: usize = 13;

/// Which points count as close to the limits for the two-in-three rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TwoInThreeMode {
    /// Strictly between the 2-sigma and 3-sigma lines (NHSRplotthedots).
    BetweenTwoAndThreeSigma,
    /// Anywhere beyond the 2-sigma line, outside the limits included (the MDC Excel tool).
    BeyondTwoSigma,
}

/// How an XmR chart is computed. Start from a preset and override fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct XmrOptions {
    pub direction: Direction,
    /// Limits from the first N points of each group (at least 12), or from all its points.
    pub fix_after_n_points: Option<usize>,
    /// Indexes at which a new group starts (a rebase), ascending, each inside the series.
    pub rebase_at: Vec<usize>,
    pub screen_outliers: bool,
    pub trend_length: usize,
    pub shift_length: usize,
    pub two_in_three: TwoInThreeMode,
    pub target: Option<f64>,
}

impl XmrOptions {
    /// NHSRplotthedots, the default: trend 7, shift 7, screening on, two-in-three between the
    /// 2- and 3-sigma lines.
    pub fn plot_the_dots(direction: Direction) -> Self {
        Self {
            direction,
            fix_after_n_points: None,
            rebase_at: Vec::new(),
            screen_outliers: true,
            trend_length: 7,
            shift_length: 7,
            two_in_three: TwoInThreeMode::BetweenTwoAndThreeSigma,
            target: None,
        }
    }

    /// The Making Data Count Excel tool: trend and shift 7 (settable to 6), no screening,
    /// two-in-three counting every point beyond the 2-sigma line.
    pub fn mdc_excel(direction: Direction) -> Self {
        Self {
            screen_outliers: false,
            two_in_three: TwoInThreeMode::BeyondTwoSigma,
            ..Self::plot_the_dots(direction)
        }
    }
}

/// One group: its limits and what they rest on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub first_index: usize,
    pub n: usize,
    pub mean: f64,
    /// Mean moving range of the baseline (after screening).
    pub moving_range_mean: f64,
    pub lower_limit: f64,
    pub upper_limit: f64,
    pub lower_two_sigma: f64,
    pub upper_two_sigma: f64,
    /// Fewer than 13 points: the limits are trial limits.
    pub short_group_warning: bool,
}

/// One point and what the rules make of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct XmrPoint {
    pub value: f64,
    /// Index into [`XmrChart::groups`].
    pub group: usize,
    /// −1, 0 or 1: below, on or above the group's mean.
    pub relative_to_mean: i8,
    pub outside_limits: bool,
    pub close_to_limits: bool,
    pub rule: Rule,
    pub point_type: PointType,
}

/// A whole XmR chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct XmrChart {
    pub groups: Vec<Group>,
    pub points: Vec<XmrPoint>,
    /// The point type of the last point (the variation icon); none for an empty series.
    pub variation: Option<PointType>,
    /// With a target and a direction: assurance against the last group's limits.
    pub assurance: Option<Assurance>,
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn group_limits(values: &[f64], first_index: usize, options: &XmrOptions) -> Group {
    let baseline = &values[..options
        .fix_after_n_points
        .unwrap_or(values.len())
        .min(values.len())];
    let centre = mean(baseline.iter().copied()).unwrap_or(0.0);
    let ranges: Vec<f64> = baseline.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mut moving_range_mean = mean(ranges.iter().copied()).unwrap_or(0.0);
    if options.screen_outliers {
        let cut = SCREEN * moving_range_mean;
        // A series with no variation screens out everything; its mean range stays 0.
        moving_range_mean = mean(ranges.iter().copied().filter(|&r| r < cut)).unwrap_or(0.0);
    }
    let spread = LIMIT * moving_range_mean;
    let near = 2.0 * LIMIT / 3.0 * moving_range_mean;
    Group {
        first_index,
        n: values.len(),
        mean: centre,
        moving_range_mean,
        lower_limit: centre - spread,
        upper_limit: centre + spread,
        lower_two_sigma: centre - near,
        upper_two_sigma: centre + near,
        short_group_warning: values.len() < SHORT_GROUP,
    }
}

pub(crate) fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

/// The lines a point is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub lower: f64,
    pub upper: f64,
    pub lower_two_sigma: f64,
    pub upper_two_sigma: f64,
}

impl Group {
    pub fn limits(&self) -> Limits {
        Limits {
            lower: self.lower_limit,
            upper: self.upper_limit,
            lower_two_sigma: self.lower_two_sigma,
            upper_two_sigma: self.upper_two_sigma,
        }
    }
}

/// Classifies the points of one group around its centre line, each against its own limits (the
/// same for every point of an XmR chart; per point for P and U charts). O(points).
pub(crate) fn classify(
    values: &[f64],
    centre: f64,
    limits: &[Limits],
    group: usize,
    options: &XmrOptions,
) -> Vec<XmrPoint> {
    let relative: Vec<i8> = values.iter().map(|&y| sign(y - centre)).collect();
    let outside: Vec<bool> = values
        .iter()
        .zip(limits)
        .map(|(&y, l)| y > l.upper || y < l.lower)
        .collect();
    let close: Vec<bool> = values
        .iter()
        .zip(&outside)
        .zip(limits)
        .map(|((&y, &out), l)| {
            let beyond = y < l.lower_two_sigma || y > l.upper_two_sigma;
            match options.two_in_three {
                TwoInThreeMode::BetweenTwoAndThreeSigma => beyond && !out,
                TwoInThreeMode::BeyondTwoSigma => beyond,
            }
        })
        .collect();
    let in_trend = part_of_run(&trend(values, options.trend_length), options.trend_length);
    let two_of_three = two_in_three(&close, &relative);
    let in_shift = part_of_run(
        &run_one_side(&relative, options.shift_length),
        options.shift_length,
    );
    (0..values.len())
        .map(|i| {
            let rule = if outside[i] {
                if relative[i] == 1 {
                    Rule::AboveUpperLimit
                } else {
                    Rule::BelowLowerLimit
                }
            } else if in_trend[i] {
                // The direction of travel: towards the next point when it is in the trend too,
                // otherwise from the previous one.
                let towards_next = i + 1 < values.len() && in_trend[i + 1];
                let step = if towards_next {
                    sign(values[i + 1] - values[i])
                } else if i > 0 {
                    sign(values[i] - values[i - 1])
                } else {
                    0
                };
                if step == 1 {
                    Rule::TrendIncreasing
                } else {
                    Rule::TrendDecreasing
                }
            } else if two_of_three[i] {
                if relative[i] > 0 {
                    Rule::TwoInThreeAbove
                } else {
                    Rule::TwoInThreeBelow
                }
            } else if in_shift[i] {
                if relative[i] > 0 {
                    Rule::ShiftAbove
                } else {
                    Rule::ShiftBelow
                }
            } else {
                Rule::CommonCause
            };
            XmrPoint {
                value: values[i],
                group,
                relative_to_mean: relative[i],
                outside_limits: outside[i],
                close_to_limits: close[i],
                rule,
                point_type: point_type(rule, options.direction),
            }
        })
        .collect()
}

/// The colour of a point from its rule: the improving way, the other way, or neutral high/low.
pub fn point_type(rule: Rule, direction: Direction) -> PointType {
    let s = rule.sign();
    match (direction, s) {
        (_, 0) => PointType::CommonCause,
        (Direction::Neutral, s) if s > 0 => PointType::SpecialCauseNeutralHigh,
        (Direction::Neutral, _) => PointType::SpecialCauseNeutralLow,
        (Direction::Increase, s) | (Direction::Decrease, s)
            if (s > 0) == (direction == Direction::Increase) =>
        {
            PointType::SpecialCauseImprovement
        }
        _ => PointType::SpecialCauseConcern,
    }
}

/// The XmR chart of a series in date order. Errors (as plain messages naming the option) for
/// non-finite values, a fixed baseline under 12 points, rebase indexes outside the series or out
/// of order, and rule lengths under 2. O(points).
pub fn xmr(values: &[f64], options: &XmrOptions) -> Result<XmrChart, String> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!("values[{i}] is not a finite number"));
    }
    if let Some(n) = options
        .fix_after_n_points
        .filter(|&n| n < MIN_FIXED_BASELINE)
    {
        return Err(format!(
            "fixAfterNPoints must be at least {MIN_FIXED_BASELINE}, got {n}"
        ));
    }
    if options.trend_length < 2 || options.shift_length < 2 {
        return Err("trendLength and shiftLength must be at least 2".into());
    }
    let mut starts = vec![0usize];
    for &r in &options.rebase_at {
        if r == 0 || r >= values.len() || r <= *starts.last().unwrap_or(&0) {
            return Err(format!(
                "rebase at index {r} must fall inside the series ({} points), after the previous one",
                values.len()
            ));
        }
        starts.push(r);
    }
    let mut groups = Vec::with_capacity(starts.len());
    let mut points = Vec::with_capacity(values.len());
    for (g, &start) in starts.iter().enumerate() {
        let end = starts.get(g + 1).copied().unwrap_or(values.len());
        let segment = &values[start..end];
        let group = group_limits(segment, start, options);
        let limits = vec![group.limits(); segment.len()];
        points.extend(classify(segment, group.mean, &limits, g, options));
        groups.push(group);
    }
    let variation = points.last().map(|p| p.point_type);
    let assurance = match (options.target, groups.last()) {
        (Some(target), Some(last)) if !values.is_empty() => assurance(
            options.direction,
            target,
            last.lower_limit,
            last.upper_limit,
        ),
        _ => None,
    };
    Ok(XmrChart {
        groups,
        points,
        variation,
        assurance,
    })
}
