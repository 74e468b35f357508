//! A chart as the API and the CLI show it: one shape for XmR, P and U charts, with dates.

use super::attribute::{AttributeChart, AttributeKind};
use super::rules::Rule;
use super::{Assurance, PointType, XmrChart, XmrOptions};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub mean: f64,
    /// Absent for P and U charts, whose limits differ per point.
    pub lower_limit: Option<f64>,
    pub upper_limit: Option<f64>,
    pub first_index: usize,
    pub n: usize,
    pub short_group_warning: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointView {
    pub date: NaiveDate,
    pub value: f64,
    pub point_type: PointType,
    pub rule: Rule,
    /// The rule as Making Data Count labels it, e.g. "7 Points Below CL".
    pub rule_label: String,
    pub lower_limit: f64,
    pub upper_limit: f64,
}

/// The chart of a measure: `Measure.spc` in GraphQL, `qiflow spc --format json` on the command
/// line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartView {
    /// XMR, P or U.
    pub chart_type: &'static str,
    pub groups: Vec<GroupView>,
    pub points: Vec<PointView>,
    pub variation: Option<PointType>,
    pub assurance: Option<Assurance>,
}

/// The view of an XmR chart of values on these dates. O(points).
pub fn xmr_view(dates: &[NaiveDate], chart: &XmrChart, options: &XmrOptions) -> ChartView {
    ChartView {
        chart_type: "XMR",
        groups: chart
            .groups
            .iter()
            .map(|g| GroupView {
                mean: g.mean,
                lower_limit: Some(g.lower_limit),
                upper_limit: Some(g.upper_limit),
                first_index: g.first_index,
                n: g.n,
                short_group_warning: g.short_group_warning,
            })
            .collect(),
        points: chart
            .points
            .iter()
            .zip(dates)
            .map(|(p, d)| PointView {
                date: *d,
                value: p.value,
                point_type: p.point_type,
                rule: p.rule,
                rule_label: p.rule.label(options.trend_length, options.shift_length),
                lower_limit: chart.groups[p.group].lower_limit,
                upper_limit: chart.groups[p.group].upper_limit,
            })
            .collect(),
        variation: chart.variation,
        assurance: chart.assurance,
    }
}

/// The view of a P or U chart on these dates. O(points).
pub fn attribute_view(
    dates: &[NaiveDate],
    chart: &AttributeChart,
    options: &XmrOptions,
) -> ChartView {
    ChartView {
        chart_type: match chart.kind {
            AttributeKind::P => "P",
            AttributeKind::U => "U",
        },
        groups: chart
            .groups
            .iter()
            .map(|g| GroupView {
                mean: g.centre,
                lower_limit: None,
                upper_limit: None,
                first_index: g.first_index,
                n: g.n,
                short_group_warning: g.short_group_warning,
            })
            .collect(),
        points: chart
            .points
            .iter()
            .zip(dates)
            .map(|(p, d)| PointView {
                date: *d,
                value: p.point.value,
                point_type: p.point.point_type,
                rule: p.point.rule,
                rule_label: p
                    .point
                    .rule
                    .label(options.trend_length, options.shift_length),
                lower_limit: p.limits.lower,
                upper_limit: p.limits.upper,
            })
            .collect(),
        variation: chart.variation,
        assurance: chart.assurance,
    }
}
