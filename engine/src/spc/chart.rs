//! The chart of a measure: the one place where a measure, its points and what the user asked
//! for (a preset and its adjustments) become a Making Data Count chart. GraphQL's `Measure.spc`,
//! the board's icon table, the report, the SVG picture and `qiflow spc` all call [`chart`], so
//! they cannot disagree.

use super::attribute::{AttributeKind, attribute_chart};
use super::run_chart::{RunChartOptions, run_chart, run_view};
use super::view::{ChartView, attribute_view, xmr_view};
use super::{XmrOptions, xmr};
use crate::measure::{DataPoint, Measure};
use crate::{ChartType, InputErrors};
use chrono::NaiveDate;

/// The rule sets a chart can follow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Preset {
    /// NHSRplotthedots: trend and shift 7, screening on, two-in-three between 2 and 3 sigma.
    #[default]
    PlotTheDots,
    /// The Making Data Count Excel tool: no screening, two-in-three beyond 2 sigma.
    MdcExcel,
}

impl Preset {
    /// Its name as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::PlotTheDots => "PLOT_THE_DOTS",
            Preset::MdcExcel => "MDC_EXCEL",
        }
    }

    /// The preset of a stored name (`as_str`'s). O(1).
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "PLOT_THE_DOTS" => Ok(Preset::PlotTheDots),
            "MDC_EXCEL" => Ok(Preset::MdcExcel),
            other => Err(format!("unknown rule preset '{other}'")),
        }
    }
}

/// How a measure's charts are drawn unless a caller asks otherwise: its rule preset and the
/// points its limits are fixed from (all points when none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChartSettings {
    pub preset: Preset,
    pub baseline_points: Option<usize>,
}

impl ChartSettings {
    /// Checks a baseline length a user gives: at least [`MIN_BASELINE_POINTS`] and at most
    /// [`crate::measure::MAX_POINTS_PER_REQUEST`]; errors name `baselinePoints`. O(1).
    pub fn with_baseline(self, points: Option<i64>) -> Result<Self, crate::InputErrors> {
        let baseline_points = match points {
            None => None,
            Some(n)
                if n >= MIN_BASELINE_POINTS as i64
                    && n <= crate::measure::MAX_POINTS_PER_REQUEST as i64 =>
            {
                Some(n as usize)
            }
            Some(n) => {
                return Err(crate::FieldError::new(
                    "baselinePoints",
                    format!(
                        "limits are fixed from {MIN_BASELINE_POINTS} to {} points, not {n}; leave it out to use every point",
                        crate::measure::MAX_POINTS_PER_REQUEST
                    ),
                )
                .into());
            }
        };
        Ok(Self {
            baseline_points,
            ..self
        })
    }

    /// The chart request these settings make for a chart of `points` points: a baseline longer
    /// than the points is left out until there are enough (trial limits from every point). O(1).
    pub fn request(self, points: usize) -> ChartRequest {
        ChartRequest {
            preset: self.preset,
            fix_after_n_points: self.baseline_points.filter(|&n| n <= points),
            ..Default::default()
        }
    }
}

/// The trend and shift lengths a chart may ask for, in points.
pub const RULE_LENGTHS: std::ops::RangeInclusive<usize> = 5..=12;
/// The fewest points limits may be fixed from.
pub const MIN_BASELINE_POINTS: usize = 12;

/// What the user asked of a chart beyond the measure's own settings; `None` keeps the preset's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartRequest {
    pub preset: Preset,
    pub screen_outliers: Option<bool>,
    pub fix_after_n_points: Option<usize>,
    pub trend_length: Option<usize>,
    pub shift_length: Option<usize>,
    /// Limits are recalculated from the first point on or after each date.
    pub rebase_dates: Vec<NaiveDate>,
}

/// The options of a chart of `measure` over points on `dates` (in order): the preset for the
/// measure's direction, its target, the request's adjustments, and each rebase date as the index
/// of the first point on or after it. Errors name `rebaseDates[i]`. O(points × rebases).
pub fn options(
    measure: &Measure,
    request: &ChartRequest,
    dates: &[NaiveDate],
) -> Result<XmrOptions, InputErrors> {
    let direction = measure.direction.into();
    let mut options = match request.preset {
        Preset::PlotTheDots => XmrOptions::plot_the_dots(direction),
        Preset::MdcExcel => XmrOptions::mdc_excel(direction),
    };
    options.target = measure.target;
    if let Some(s) = request.screen_outliers {
        options.screen_outliers = s;
    }
    if request.fix_after_n_points.is_some() {
        options.fix_after_n_points = request.fix_after_n_points;
    }
    if let Some(n) = request.trend_length {
        options.trend_length = n;
    }
    if let Some(n) = request.shift_length {
        options.shift_length = n;
    }
    let mut errors = InputErrors::default();
    // Rule lengths outside Making Data Count's range make the rules meaningless (a "trend" of 2
    // points signals on noise); limits from fewer than 12 points are not stable enough to judge.
    for (field, length) in [
        ("trendLength", request.trend_length),
        ("shiftLength", request.shift_length),
    ] {
        if let Some(n) = length
            && !RULE_LENGTHS.contains(&n)
        {
            errors.push(
                field,
                format!(
                    "must be {} to {} points, not {n}",
                    RULE_LENGTHS.start(),
                    RULE_LENGTHS.end()
                ),
            );
        }
    }
    if let Some(n) = request.fix_after_n_points
        && n < MIN_BASELINE_POINTS
    {
        errors.push(
            "fixAfterNPoints",
            format!("a baseline needs at least {MIN_BASELINE_POINTS} points, not {n}; leave it out to use every point"),
        );
    }
    for (i, date) in request.rebase_dates.iter().enumerate() {
        match dates.iter().position(|d| d >= date) {
            Some(index) => options.rebase_at.push(index),
            None => errors.push(
                format!("rebaseDates[{i}]"),
                format!("{date} is after the last point"),
            ),
        }
    }
    errors.into_result(|| options)
}

/// Whether every point can be drawn on a chart of this type: P and U charts need a numerator and
/// a denominator above 0 on every point (a P numerator no larger than its denominator), XmR and
/// run charts a finite value (or a numerator and denominator to divide). Errors name the point
/// as `points[3].numerator` with its date. O(points).
pub fn check_points(chart_type: ChartType, points: &[DataPoint]) -> Result<(), InputErrors> {
    let mut errors = InputErrors::default();
    for (i, p) in points.iter().enumerate() {
        let at = |f: &str| format!("points[{i}].{f}");
        for (field, v) in [
            ("value", p.value),
            ("numerator", p.numerator),
            ("denominator", p.denominator),
        ] {
            if v.is_some_and(|v| !crate::measure::in_range(v)) {
                errors.push(
                    at(field),
                    format!("{}: must be a number between -1e12 and 1e12", p.date),
                );
            }
        }
        match chart_type {
            ChartType::P | ChartType::U => match (p.numerator, p.denominator) {
                (Some(x), Some(n)) if n > 0.0 && x >= 0.0 => {
                    if chart_type == ChartType::P && x > n {
                        errors.push(
                            at("numerator"),
                            format!("{}: a proportion cannot exceed 1 ({x} of {n})", p.date),
                        );
                    }
                }
                (Some(_), Some(n)) if n <= 0.0 => errors.push(
                    at("denominator"),
                    format!("{}: must be more than 0, got {n}", p.date),
                ),
                (Some(x), Some(_)) => errors.push(
                    at("numerator"),
                    format!("{}: must be 0 or more, got {x}", p.date),
                ),
                _ => errors.push(
                    at("numerator"),
                    format!(
                        "{}: a {} chart needs a numerator and a denominator",
                        p.date,
                        chart_type.as_str()
                    ),
                ),
            },
            ChartType::Xmr | ChartType::Run => {
                if !p.charted().is_finite() {
                    errors.push(at("value"), format!("{}: has no value to chart", p.date));
                }
            }
        }
    }
    errors.into_result(|| ())
}

/// The chart of a measure's points (in date order) as its chart type reads them: P and U charts
/// from numerators and denominators with limits per point, XmR from the charted values, RUN as a
/// run chart (the median of the first `fix_after_n_points` points or of all, IHI's shift and
/// trend rules, no process limits). Refuses points the chart type cannot draw rather than
/// filling gaps. O(points), O(points²) for a run chart's runs limits.
pub fn chart(
    measure: &Measure,
    points: &[DataPoint],
    request: &ChartRequest,
) -> Result<ChartView, InputErrors> {
    check_points(measure.chart_type, points)?;
    let dates: Vec<NaiveDate> = points.iter().map(|p| p.date).collect();
    let options = options(measure, request, &dates)?;
    let refused = |e: String| InputErrors::from(crate::FieldError::new("options", e));
    Ok(match measure.chart_type {
        ChartType::P | ChartType::U => {
            let kind = if measure.chart_type == ChartType::P {
                AttributeKind::P
            } else {
                AttributeKind::U
            };
            // check_points has made sure every point has both.
            let x: Vec<f64> = points.iter().filter_map(|p| p.numerator).collect();
            let n: Vec<f64> = points.iter().filter_map(|p| p.denominator).collect();
            let chart = attribute_chart(kind, &x, &n, &options).map_err(refused)?;
            attribute_view(&dates, &chart, &options)
        }
        ChartType::Xmr => {
            let values: Vec<f64> = points.iter().map(DataPoint::charted).collect();
            let chart = xmr(&values, &options).map_err(refused)?;
            xmr_view(&dates, &chart, &options)
        }
        ChartType::Run => {
            let values: Vec<f64> = points.iter().map(DataPoint::charted).collect();
            let run_options = RunChartOptions {
                baseline_points: request.fix_after_n_points,
                ..Default::default()
            };
            let chart = run_chart(&values, &run_options).map_err(refused)?;
            run_view(&dates, &chart, &run_options, options.direction)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ImprovementDirection, MeasureKind};

    fn measure(chart_type: ChartType) -> Measure {
        Measure::parse(
            "Readmissions",
            MeasureKind::Outcome,
            "count",
            "",
            ImprovementDirection::Decrease,
            None,
            chart_type,
        )
        .unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, d).unwrap()
    }

    fn value(d: u32, v: f64) -> DataPoint {
        DataPoint {
            date: day(d),
            value: Some(v),
            numerator: None,
            denominator: None,
            annotation: None,
        }
    }

    /// Issue 15: a RUN measure was drawn as an XmR chart, with a negative lower limit for a count.
    #[test]
    fn a_run_measure_is_a_run_chart_with_a_median_and_no_limits() {
        // Twelve points around 10, then eight at 4: a shift below the median.
        let values = [
            9.0, 11.0, 10.0, 12.0, 8.0, 10.0, 11.0, 9.0, 10.0, 12.0, 8.0, 10.0, 4.0, 4.0, 4.0, 4.0,
            4.0, 4.0, 4.0, 4.0,
        ];
        let points: Vec<DataPoint> = (1..=20).map(|d| value(d, values[d as usize - 1])).collect();
        let run = chart(&measure(ChartType::Run), &points, &ChartRequest::default()).unwrap();
        assert_eq!(run.chart_type, "RUN");
        assert_eq!(
            (run.groups[0].lower_limit, run.groups[0].upper_limit),
            (None, None)
        );
        assert!(
            run.points
                .iter()
                .all(|p| p.lower_limit.is_nan() && p.upper_limit.is_nan())
        );
        assert_eq!(
            run.variation, None,
            "no Making Data Count icons on a run chart"
        );
        // The median of all 20 points: sorted, the 10th and 11th are 8 and 9.
        assert_eq!(run.groups[0].mean, 8.5);
        let shifted: Vec<usize> = (0..20)
            .filter(|&i| run.points[i].rule == super::super::rules::Rule::ShiftBelow)
            .collect();
        assert_eq!(shifted, (12..20).collect::<Vec<_>>());
        assert_eq!(run.points[12].rule_label, "6 Points Below Median");
        // Readmissions should fall: a shift below is an improvement.
        assert_eq!(
            run.points[12].point_type,
            super::super::PointType::SpecialCauseImprovement
        );
        // The same points as XmR have process limits.
        let xmr = chart(&measure(ChartType::Xmr), &points, &ChartRequest::default()).unwrap();
        assert_eq!(xmr.chart_type, "XMR");
        assert!(xmr.groups[0].lower_limit.is_some());
    }

    #[test]
    fn rule_lengths_and_baselines_out_of_range_are_named() {
        let dates: Vec<NaiveDate> = (1..=20).map(day).collect();
        let m = measure(ChartType::Xmr);
        let asked = |trend, shift, fix| ChartRequest {
            trend_length: trend,
            shift_length: shift,
            fix_after_n_points: fix,
            ..ChartRequest::default()
        };
        let errors = options(&m, &asked(Some(4), Some(13), Some(11)), &dates).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["trendLength", "shiftLength", "fixAfterNPoints"]);
        let fine = options(&m, &asked(Some(5), Some(12), Some(12)), &dates).unwrap();
        assert_eq!(
            (
                fine.trend_length,
                fine.shift_length,
                fine.fix_after_n_points
            ),
            (5, 12, Some(12))
        );
    }

    #[test]
    fn points_without_numerators_are_refused_for_a_p_chart_not_plotted_as_zeros() {
        let points: Vec<DataPoint> = (1..=15).map(|d| value(d, 3.0)).collect();
        let errors = chart(&measure(ChartType::P), &points, &ChartRequest::default())
            .expect_err("a P chart of plain values");
        assert_eq!(errors.0.len(), 15);
        assert_eq!(errors.0[0].field, "points[0].numerator");
        assert!(errors.0[0].message.contains("2025-01-01"));
        assert!(chart(&measure(ChartType::Xmr), &points, &ChartRequest::default()).is_ok());
    }

    #[test]
    fn settings_check_the_baseline_and_wait_for_enough_points() {
        let settings = ChartSettings::default();
        assert_eq!(
            settings.with_baseline(Some(11)).unwrap_err().0[0].field,
            "baselinePoints"
        );
        let fixed = settings.with_baseline(Some(12)).unwrap();
        assert_eq!(fixed.request(11).fix_after_n_points, None);
        assert_eq!(fixed.request(12).fix_after_n_points, Some(12));
        assert_eq!(
            Preset::parse(Preset::MdcExcel.as_str()),
            Ok(Preset::MdcExcel)
        );
        assert!(Preset::parse("NONE").is_err());
    }

    #[test]
    fn rebase_dates_become_indexes_and_a_late_one_is_named() {
        let points: Vec<DataPoint> = (1..=20).map(|d| value(d, f64::from(d % 3))).collect();
        let request = ChartRequest {
            rebase_dates: vec![day(10), day(31)],
            ..Default::default()
        };
        let dates: Vec<NaiveDate> = points.iter().map(|p| p.date).collect();
        let errors = options(&measure(ChartType::Xmr), &request, &dates).unwrap_err();
        assert_eq!(errors.0[0].field, "rebaseDates[1]");
        let request = ChartRequest {
            rebase_dates: vec![day(10)],
            ..Default::default()
        };
        let built = chart(&measure(ChartType::Xmr), &points, &request).unwrap();
        assert_eq!(built.groups.len(), 2);
        assert_eq!(built.groups[1].first_index, 9);
    }
}
