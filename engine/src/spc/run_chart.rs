//! The run chart with the IHI rules: a median line, shifts, trends and the number of runs judged
//! against critical values computed exactly from the runs distribution.

use serde::Serialize;

/// Significance of the runs test: 5%, two-sided.
pub const ALPHA: f64 = 0.05;

/// How a run chart is read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunChartOptions {
    /// The median comes from the first N points, or from all of them.
    pub baseline_points: Option<usize>,
    /// A shift: this many points in a row on one side of the median (6 by IHI).
    pub shift_length: usize,
    /// A trend: this many points in a row all going up or all going down (5 by IHI).
    pub trend_length: usize,
    /// Points the team marked as astronomical (obviously different), by index.
    pub astronomical: Vec<usize>,
}

impl Default for RunChartOptions {
    fn default() -> Self {
        Self {
            baseline_points: None,
            shift_length: 6,
            trend_length: 5,
            astronomical: Vec::new(),
        }
    }
}

/// One point of a run chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunPoint {
    pub value: f64,
    /// −1, 0 or 1: below, on or above the median (points on it are not useful).
    pub relative_to_median: i8,
    pub shift: bool,
    pub trend: bool,
    pub astronomical: bool,
}

/// A run chart and what its rules found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunChart {
    pub median: f64,
    pub points: Vec<RunPoint>,
    /// Points not on the median.
    pub useful_points: usize,
    pub runs: usize,
    /// The fewest runs that are not "too few", and the most that are not "too many".
    pub runs_lower_limit: usize,
    pub runs_upper_limit: usize,
    pub too_few_runs: bool,
    pub too_many_runs: bool,
}

/// `C(n, k)` in floating point (exact for the sizes a run chart has). O(k).
fn choose(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// P(R = r): the probability of exactly `r` runs when `above` and `below` points are arranged at
/// random (Wald–Wolfowitz). O(n).
pub fn runs_probability(above: usize, below: usize, r: usize) -> f64 {
    if above == 0 || below == 0 {
        return if r == 1 { 1.0 } else { 0.0 };
    }
    let total = choose(above + below, above);
    let k = r / 2;
    let ways = if r < 2 {
        0.0
    } else if r.is_multiple_of(2) {
        2.0 * choose(above - 1, k - 1) * choose(below - 1, k - 1)
    } else {
        choose(above - 1, k - 1) * choose(below - 1, k)
            + choose(above - 1, k) * choose(below - 1, k - 1)
    };
    ways / total
}

/// The critical numbers of runs for `useful` points split evenly above and below the median, at
/// [`ALPHA`] two-sided: fewer runs than the first, or more than the second, is a signal.
/// Computed from the exact distribution, not a table. O(n²).
pub fn runs_limits(useful: usize) -> (usize, usize) {
    let above = useful / 2;
    let below = useful - above;
    if above == 0 {
        return (1, useful.max(1));
    }
    let max_runs = 2 * above.min(below) + usize::from(above != below);
    let mut lower = 1;
    let mut cumulative = 0.0;
    for r in 1..=max_runs {
        cumulative += runs_probability(above, below, r);
        if cumulative > ALPHA / 2.0 {
            lower = r;
            break;
        }
    }
    let mut upper = max_runs;
    let mut tail = 0.0;
    for r in (1..=max_runs).rev() {
        tail += runs_probability(above, below, r);
        if tail > ALPHA / 2.0 {
            upper = r;
            break;
        }
    }
    (lower, upper)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if !n.is_multiple_of(2) => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Reads a run chart of values in date order. O(n log n) for the median, O(n²) for the limits.
pub fn run_chart(values: &[f64], options: &RunChartOptions) -> Result<RunChart, String> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!("values[{i}] is not a finite number"));
    }
    if let Some(&i) = options.astronomical.iter().find(|&&i| i >= values.len()) {
        return Err(format!("astronomical point {i} is not in the series"));
    }
    let baseline = &values[..options
        .baseline_points
        .unwrap_or(values.len())
        .min(values.len())];
    let centre = median(baseline);
    let side: Vec<i8> = values
        .iter()
        .map(|&v| {
            if v > centre {
                1
            } else if v < centre {
                -1
            } else {
                0
            }
        })
        .collect();
    let useful: Vec<usize> = (0..values.len()).filter(|&i| side[i] != 0).collect();

    // Shifts: runs of useful points on one side; points on the median neither break nor count.
    let mut shift = vec![false; values.len()];
    let mut start = 0;
    while start < useful.len() {
        let mut end = start;
        while end + 1 < useful.len() && side[useful[end + 1]] == side[useful[start]] {
            end += 1;
        }
        if end - start + 1 >= options.shift_length {
            for &i in &useful[start..=end] {
                shift[i] = true;
            }
        }
        start = end + 1;
    }
    let runs = (1..useful.len())
        .filter(|&k| side[useful[k]] != side[useful[k - 1]])
        .count()
        + usize::from(!useful.is_empty());

    // Trends: consecutive equal values count once, so they neither break nor lengthen a trend.
    let distinct: Vec<usize> = (0..values.len())
        .filter(|&i| i == 0 || values[i] != values[i - 1])
        .collect();
    let mut trend = vec![false; values.len()];
    let mut start = 0;
    while start + 1 < distinct.len() {
        let up = values[distinct[start + 1]] > values[distinct[start]];
        let mut end = start + 1;
        while end + 1 < distinct.len() && (values[distinct[end + 1]] > values[distinct[end]]) == up
        {
            end += 1;
        }
        if end - start + 1 >= options.trend_length {
            let (first, last) = (distinct[start], distinct[end]);
            for flag in &mut trend[first..=last] {
                *flag = true;
            }
        }
        start = end;
    }

    let (lower, upper) = runs_limits(useful.len());
    Ok(RunChart {
        median: centre,
        points: (0..values.len())
            .map(|i| RunPoint {
                value: values[i],
                relative_to_median: side[i],
                shift: shift[i],
                trend: trend[i],
                astronomical: options.astronomical.contains(&i),
            })
            .collect(),
        useful_points: useful.len(),
        runs,
        runs_lower_limit: lower,
        runs_upper_limit: upper,
        too_few_runs: !useful.is_empty() && runs < lower,
        too_many_runs: runs > upper,
    })
}

/// A run chart in the shape every chart has ([`super::view::ChartView`]), so one renderer, one
/// API type and one judgement serve all: the median is the centre line of its one group, there
/// are no process limits (NaN on the points, `None` on the group), and shift and trend points
/// carry the rule they belong to (a trend wins over a shift), judged for the improvement
/// `direction`. No variation or assurance icons: those are Making Data Count's, for SPC charts.
/// O(points).
pub fn run_view(
    dates: &[chrono::NaiveDate],
    chart: &RunChart,
    options: &RunChartOptions,
    direction: super::Direction,
) -> super::view::ChartView {
    use super::rules::Rule;
    let values: Vec<f64> = chart.points.iter().map(|p| p.value).collect();
    let points = chart
        .points
        .iter()
        .zip(dates)
        .enumerate()
        .map(|(i, (p, date))| {
            // A trend point goes the way its trend goes: up from the point before it (or to the
            // point after it, for the first of the trend).
            let rising = if i > 0 && chart.points[i - 1].trend {
                values[i] > values[i - 1]
            } else {
                values.get(i + 1).is_some_and(|next| *next > values[i])
            };
            let rule = match (p.trend, p.shift, p.relative_to_median) {
                (true, _, _) if rising => Rule::TrendIncreasing,
                (true, _, _) => Rule::TrendDecreasing,
                (false, true, 1) => Rule::ShiftAbove,
                (false, true, _) => Rule::ShiftBelow,
                _ => Rule::CommonCause,
            };
            let rule_label = match rule {
                Rule::TrendIncreasing => {
                    format!("{} Point Trend (Increasing)", options.trend_length)
                }
                Rule::TrendDecreasing => {
                    format!("{} Point Trend (Decreasing)", options.trend_length)
                }
                Rule::ShiftAbove => format!("{} Points Above Median", options.shift_length),
                Rule::ShiftBelow => format!("{} Points Below Median", options.shift_length),
                _ => "Common Cause".into(),
            };
            super::view::PointView {
                date: *date,
                value: p.value,
                point_type: super::xmr::point_type(rule, direction),
                rule,
                rule_label,
                lower_limit: f64::NAN,
                upper_limit: f64::NAN,
            }
        })
        .collect();
    super::view::ChartView {
        chart_type: "RUN",
        groups: vec![super::view::GroupView {
            mean: chart.median,
            lower_limit: None,
            upper_limit: None,
            first_index: 0,
            n: chart.points.len(),
            short_group_warning: false,
        }],
        points,
        variation: None,
        assurance: None,
    }
}

/// What a run chart's rules found, in words: "a shift and a trend", "too few runs", or "no
/// signal". O(points).
pub fn signal_words(chart: &RunChart) -> String {
    let mut found = Vec::new();
    if chart.points.iter().any(|p| p.shift) {
        found.push("a shift");
    }
    if chart.points.iter().any(|p| p.trend) {
        found.push("a trend");
    }
    if chart.too_few_runs {
        found.push("too few runs");
    }
    if chart.too_many_runs {
        found.push("too many runs");
    }
    if chart.points.iter().any(|p| p.astronomical) {
        found.push("an astronomical point");
    }
    if found.is_empty() {
        "run chart: no signal".into()
    } else {
        format!("run chart: {}", found.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runs_distribution_sums_to_one() {
        for (a, b) in [(10, 10), (7, 13), (1, 5), (15, 16)] {
            let total: f64 = (1..=a + b).map(|r| runs_probability(a, b, r)).sum();
            assert!((total - 1.0).abs() < 1e-12, "{a},{b}: {total}");
        }
        // Two above, two below: 6 arrangements; AABB, BBAA have 2 runs; ABBA, BAAB 3; ABAB, BABA 4.
        assert!((runs_probability(2, 2, 2) - 2.0 / 6.0).abs() < 1e-12);
        assert!((runs_probability(2, 2, 3) - 2.0 / 6.0).abs() < 1e-12);
        assert!((runs_probability(2, 2, 4) - 2.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn twenty_useful_points_give_the_classic_limits() {
        // The IHI run-chart table: with 20 useful points, 6 runs or fewer are too few and 16 or
        // more too many, so 7 to 15 runs are expected.
        assert_eq!(runs_limits(20), (7, 15));
        // More of the classic table (Swed and Eisenhart; Perla, Provost and Murray 2011).
        assert_eq!(runs_limits(10), (3, 9));
        assert_eq!(runs_limits(30), (11, 21));
    }

    #[test]
    fn shifts_and_trends_follow_the_ihi_rules() {
        // Median 5.5; six points above (one on the median between them does not break the run).
        let values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let chart = run_chart(&values, &RunChartOptions::default()).unwrap();
        assert_eq!(chart.median, 5.5);
        assert!(
            chart.points.iter().all(|p| p.trend),
            "ten rising points are a trend"
        );
        assert_eq!(chart.runs, 2);
        let flat = [3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 7.0, 1.0, 1.0, 1.0];
        let chart = run_chart(&flat, &RunChartOptions::default()).unwrap();
        // 3, 4, 5, 6, 7 rise through repeats: five distinct rising values make a trend.
        assert_eq!(chart.points.iter().filter(|p| p.trend).count(), 7);
        let shift = [
            1.0, 9.0, 9.0, 5.0, 9.0, 9.0, 9.0, 9.0, 1.0, 1.0, 1.0, 1.0, 1.0,
        ];
        let chart = run_chart(
            &shift,
            &RunChartOptions {
                trend_length: 99,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(chart.median, 5.0);
        let flagged: Vec<usize> = (0..shift.len())
            .filter(|&i| chart.points[i].shift)
            .collect();
        assert_eq!(flagged, [1, 2, 4, 5, 6, 7]);
    }
}
