//! Measures of an improvement project and their data points, as users send them.

use crate::error::InputErrors;
use crate::pathway::{MAX_NAME, MAX_TEXT};
use crate::values::{
    ChartType, ImprovementDirection, MeasureKind, parse_optional_text, parse_text,
};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Most data points one request may carry.
pub const MAX_POINTS_PER_REQUEST: usize = 10_000;

/// A measure: what is counted, how, and which way is better.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub name: String,
    pub kind: MeasureKind,
    /// The operational definition: exactly what is counted and how.
    pub definition: String,
    pub unit: String,
    pub direction: ImprovementDirection,
    pub target: Option<f64>,
    pub chart_type: ChartType,
}

impl Measure {
    /// Checks a measure's fields; errors name `name`, `definition`, `unit` or `target`. O(input).
    pub fn parse(
        name: &str,
        kind: MeasureKind,
        definition: &str,
        unit: &str,
        direction: ImprovementDirection,
        target: Option<f64>,
        chart_type: ChartType,
    ) -> Result<Self, InputErrors> {
        let mut errors = InputErrors::default();
        let proportion = is_proportion(chart_type, unit);
        let name = errors.check("name", parse_text(name, MAX_NAME));
        let definition = errors.check("definition", parse_text(definition, MAX_TEXT));
        let unit = errors.check("unit", parse_optional_text(Some(unit), MAX_NAME));
        if target.is_some_and(|t| !t.is_finite()) {
            errors.push("target", "must be a finite number");
        } else if let Some(t) = target
            && proportion
            && !(0.0..=1.0).contains(&t)
        {
            errors.push(
                "target",
                format!("a percentage is kept as a proportion from 0 to 1 (90% is 0.9), not {t}"),
            );
        }
        match (name, definition, unit) {
            (Some(name), Some(definition), Some(unit)) if errors.is_empty() => Ok(Self {
                name,
                kind,
                definition,
                unit: unit.unwrap_or_default(),
                direction,
                target,
                chart_type,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether values of a measure with this chart type and unit are proportions (0 to 1) that
/// people read as percentages: a P chart, or a unit of `%`. O(1).
pub fn is_proportion(chart_type: ChartType, unit: &str) -> bool {
    chart_type == ChartType::P || unit.trim() == "%"
}

impl Measure {
    /// Whether its values are proportions shown as percentages (see [`is_proportion`]).
    pub fn is_proportion(&self) -> bool {
        is_proportion(self.chart_type, &self.unit)
    }

    /// A value as people read it: a proportion as a percentage (`0.852` → `85.2%`), anything
    /// else with its unit (`31.5 hours`). The one place values are scaled for people, so a P
    /// chart's 0.5 is never shown as "0.5 %". O(1).
    pub fn shown(&self, value: f64) -> String {
        let trimmed = |v: f64, places: usize| {
            let s = format!("{v:.places$}");
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            }
        };
        if self.is_proportion() {
            format!("{}%", trimmed(value * 100.0, 1))
        } else if self.unit.trim().is_empty() {
            trimmed(value, 2)
        } else {
            format!("{} {}", trimmed(value, 2), self.unit.trim())
        }
    }

    /// Refuses values a proportion cannot take (above 1 or below 0), naming each row as
    /// `points[3].value`. O(points).
    pub fn check_proportions(&self, points: &[DataPoint]) -> Result<(), InputErrors> {
        let mut errors = InputErrors::default();
        if self.is_proportion() && self.chart_type != ChartType::P {
            for (i, p) in points.iter().enumerate() {
                if let Some(v) = p.value
                    && !(0.0..=1.0).contains(&v)
                {
                    errors.push(
                        format!("points[{i}].value"),
                        format!("{}: a percentage is recorded as a proportion from 0 to 1 (85% is 0.85), not {v}", p.date),
                    );
                }
            }
        }
        errors.into_result(|| ())
    }
}

/// A data point as users send it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PointInput {
    pub date: String,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub annotation: Option<String>,
}

/// A checked data point: a value, or a numerator and denominator for P and U charts.
#[derive(Debug, Clone, PartialEq)]
pub struct DataPoint {
    pub date: NaiveDate,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub annotation: Option<String>,
}

impl DataPoint {
    /// The value charted: the value itself, or numerator / denominator.
    pub fn charted(&self) -> f64 {
        match (self.value, self.numerator, self.denominator) {
            (Some(v), _, _) => v,
            (None, Some(x), Some(n)) => x / n,
            _ => f64::NAN,
        }
    }
}

/// The largest magnitude a point's number may have: beyond it a value is a typing or unit
/// mistake, and sums of squares in the limits would lose all precision.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// Whether `v` is a number a chart can take: finite and within ±[`MAX_MAGNITUDE`].
pub fn in_range(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_MAGNITUDE
}

/// Checks a batch of points for a chart type (and, with `latest`, that no date is after it): dates are YYYY-MM-DD and appear once in the
/// batch, numbers are finite, P and U charts need a numerator and a denominator above 0 (a P
/// numerator no larger than its denominator), other charts a value. Every error names its row,
/// as `points[3].denominator`. O(points).
pub fn parse_points(
    chart: ChartType,
    inputs: &[PointInput],
    latest: Option<NaiveDate>,
) -> Result<Vec<DataPoint>, InputErrors> {
    let mut errors = InputErrors::default();
    if inputs.len() > MAX_POINTS_PER_REQUEST {
        errors.push(
            "points",
            format!("at most {MAX_POINTS_PER_REQUEST} points a request"),
        );
        return Err(errors);
    }
    let mut seen: HashMap<NaiveDate, usize> = HashMap::new();
    let mut out = Vec::with_capacity(inputs.len());
    for (i, p) in inputs.iter().enumerate() {
        let at = |f: &str| format!("points[{i}].{f}");
        let date = match NaiveDate::parse_from_str(p.date.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(at("date"), format!("'{}' is not a YYYY-MM-DD date", p.date));
                None
            }
        };
        if let (Some(d), Some(latest)) = (date, latest)
            && d > latest
        {
            errors.push(
                at("date"),
                format!("{d} is after {latest}, the latest date accepted (a typing mistake? say allowFuture to record it)"),
            );
        }
        if let Some((d, first)) = date.and_then(|d| seen.insert(d, i).map(|first| (d, first))) {
            errors.push(
                at("date"),
                format!("{d} is already in this request at points[{first}]"),
            );
        }
        for (field, v) in [
            ("value", p.value),
            ("numerator", p.numerator),
            ("denominator", p.denominator),
        ] {
            if v.is_some_and(|v| !in_range(v)) {
                errors.push(at(field), "must be a number between -1e12 and 1e12");
            }
        }
        match chart {
            ChartType::P | ChartType::U => match (p.numerator, p.denominator) {
                (Some(x), Some(n)) => {
                    if n <= 0.0 {
                        errors.push(at("denominator"), format!("must be more than 0, got {n}"));
                    } else if x < 0.0 {
                        errors.push(at("numerator"), format!("must be 0 or more, got {x}"));
                    } else if chart == ChartType::P && x > n {
                        errors.push(
                            at("numerator"),
                            format!("a proportion cannot exceed 1 ({x} of {n})"),
                        );
                    }
                }
                _ => errors.push(
                    at("denominator"),
                    "a P or U chart needs a numerator and a denominator",
                ),
            },
            ChartType::Xmr | ChartType::Run => {
                if p.value.is_none() {
                    errors.push(at("value"), "is required for this chart");
                }
            }
        }
        let annotation = match parse_optional_text(p.annotation.as_deref(), MAX_NAME) {
            Ok(a) => a,
            Err(m) => {
                errors.push(at("annotation"), m);
                None
            }
        };
        if let Some(date) = date {
            out.push(DataPoint {
                date,
                value: p.value,
                numerator: p.numerator,
                denominator: p.denominator,
                annotation,
            });
        }
    }
    errors.into_result(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15: a P chart's 0.5 showed as "0.5 %" while a log measure's 50% showed as "50 %".
    /// One scale: proportions 0 to 1, shown as percentages.
    #[test]
    fn proportions_are_kept_from_0_to_1_and_shown_as_percentages() {
        let parse = |unit: &str, target: Option<f64>, chart: ChartType| {
            Measure::parse(
                "Seen in 4 hours",
                MeasureKind::Outcome,
                "share of attendances",
                unit,
                ImprovementDirection::Increase,
                target,
                chart,
            )
        };
        let p = parse("", Some(0.95), ChartType::P).unwrap();
        assert_eq!(p.shown(0.5), "50%");
        assert_eq!(p.shown(0.8526), "85.3%");
        let percent = parse("%", None, ChartType::Xmr).unwrap();
        assert_eq!(percent.shown(0.9), "90%");
        let hours = parse("hours", None, ChartType::Xmr).unwrap();
        assert_eq!(hours.shown(31.5), "31.5 hours");
        // A target of 95 for a percentage is a mistake of scale, named.
        let err = parse("%", Some(95.0), ChartType::Xmr).unwrap_err();
        assert!(err.to_string().contains("90% is 0.9"), "{err}");
        // So is a value of 85 recorded for one.
        let points = parse_points(
            ChartType::Xmr,
            &[PointInput {
                date: "2025-01-06".into(),
                value: Some(85.0),
                ..Default::default()
            }],
            None,
        )
        .unwrap();
        let err = percent.check_proportions(&points).unwrap_err();
        assert!(err.to_string().contains("points[0].value"), "{err}");
        assert!(hours.check_proportions(&points).is_ok());
    }

    /// Issue 12: values past ±1e12 were charted (limits from their squares lose all precision).
    #[test]
    fn values_past_a_trillion_are_refused_with_their_row() {
        let point = |value: f64| PointInput {
            date: "2025-01-06".into(),
            value: Some(value),
            numerator: None,
            denominator: None,
            annotation: None,
        };
        let mut second = point(-2e12);
        second.date = "2025-01-13".into();
        let err = parse_points(ChartType::Xmr, &[point(1e12), second], None).unwrap_err();
        assert!(err.to_string().contains("points[1].value"), "{err}");
        assert!(!err.to_string().contains("points[0]"), "{err}");
        let stored = DataPoint {
            date: chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
            value: Some(5e12),
            numerator: None,
            denominator: None,
            annotation: None,
        };
        assert!(crate::spc::chart::check_points(ChartType::Xmr, &[stored]).is_err());
    }

    #[test]
    fn every_bad_row_is_named() {
        let inputs = vec![
            PointInput {
                date: "2025-01-06".into(),
                numerator: Some(3.0),
                denominator: Some(10.0),
                ..Default::default()
            },
            PointInput {
                date: "06/01/2025".into(),
                numerator: Some(3.0),
                denominator: Some(10.0),
                ..Default::default()
            },
            PointInput {
                date: "2025-01-13".into(),
                numerator: Some(3.0),
                denominator: Some(0.0),
                ..Default::default()
            },
            PointInput {
                date: "2025-01-06".into(),
                numerator: Some(11.0),
                denominator: Some(10.0),
                ..Default::default()
            },
        ];
        let errors = parse_points(ChartType::P, &inputs, None).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "points[1].date",
                "points[2].denominator",
                "points[3].date",
                "points[3].numerator"
            ]
        );
    }

    #[test]
    fn xmr_points_need_values() {
        let ok = parse_points(
            ChartType::Xmr,
            &[PointInput {
                date: "2025-01-06".into(),
                value: Some(4.0),
                ..Default::default()
            }],
            None,
        )
        .unwrap();
        assert_eq!(ok[0].charted(), 4.0);
        let err = parse_points(
            ChartType::Xmr,
            &[PointInput {
                date: "2025-01-06".into(),
                ..Default::default()
            }],
            None,
        )
        .unwrap_err();
        assert_eq!(err.0[0].field, "points[0].value");
    }

    /// Issue 13: a point dated 2030 instead of 2025 became the "latest" value for good.
    #[test]
    fn dates_after_the_latest_accepted_are_refused_with_their_row() {
        let point = |date: &str| PointInput {
            date: date.into(),
            value: Some(1.0),
            ..Default::default()
        };
        let latest = NaiveDate::from_ymd_opt(2025, 2, 1);
        let err = parse_points(
            ChartType::Xmr,
            &[point("2025-02-01"), point("2030-01-06")],
            latest,
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].field, "points[1].date");
        assert!(err.0[0].message.contains("allowFuture"));
        assert!(parse_points(ChartType::Xmr, &[point("2030-01-06")], None).is_ok());
    }
}
