//! P charts (proportions) and U charts (rates): a centre line from the totals of the baseline and
//! limits per point from its own denominator, judged by the same rules as the XmR chart.

use super::xmr::{Limits, XmrOptions, XmrPoint, classify};
use super::{Assurance, PointType, assurance};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeKind {
    /// Proportion: numerator ≤ denominator; limits clipped to [0, 1].
    P,
    /// Rate per unit of denominator; limits clipped at 0.
    U,
}

/// One group of an attribute chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeGroup {
    pub first_index: usize,
    pub n: usize,
    /// Σ numerators / Σ denominators over the baseline.
    pub centre: f64,
    pub short_group_warning: bool,
}

/// A point with the limits of its own denominator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributePoint {
    #[serde(flatten)]
    pub point: XmrPoint,
    pub limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChart {
    pub kind: AttributeKind,
    pub groups: Vec<AttributeGroup>,
    pub points: Vec<AttributePoint>,
    pub variation: Option<PointType>,
    /// Against the last point's limits.
    pub assurance: Option<Assurance>,
}

/// The P or U chart of numerator/denominator pairs in date order. Errors name the row: a
/// denominator of zero or less, a non-finite or negative numerator, a proportion above 1.
/// O(points).
pub fn attribute_chart(
    kind: AttributeKind,
    numerators: &[f64],
    denominators: &[f64],
    options: &XmrOptions,
) -> Result<AttributeChart, String> {
    if numerators.len() != denominators.len() {
        return Err("numerators and denominators differ in length".into());
    }
    for (i, (&x, &n)) in numerators.iter().zip(denominators).enumerate() {
        if !n.is_finite() || n <= 0.0 {
            return Err(format!(
                "row {i}: the denominator must be more than 0, got {n}"
            ));
        }
        if !x.is_finite() || x < 0.0 {
            return Err(format!("row {i}: the numerator must be 0 or more, got {x}"));
        }
        if kind == AttributeKind::P && x > n {
            return Err(format!(
                "row {i}: a proportion cannot exceed 1 ({x} of {n})"
            ));
        }
    }
    let mut starts = vec![0usize];
    for &r in &options.rebase_at {
        if r == 0 || r >= numerators.len() || r <= *starts.last().unwrap_or(&0) {
            return Err(format!(
                "rebase at index {r} must fall inside the series, after the previous one"
            ));
        }
        starts.push(r);
    }
    let mut groups = Vec::new();
    let mut points = Vec::new();
    for (g, &start) in starts.iter().enumerate() {
        let end = starts.get(g + 1).copied().unwrap_or(numerators.len());
        let baseline_end = options
            .fix_after_n_points
            .map_or(end, |n| (start + n).min(end));
        let centre = numerators[start..baseline_end].iter().sum::<f64>()
            / denominators[start..baseline_end].iter().sum::<f64>();
        let limits: Vec<Limits> = (start..end)
            .map(|i| {
                let sd = match kind {
                    AttributeKind::P => (centre * (1.0 - centre) / denominators[i]).sqrt(),
                    AttributeKind::U => (centre / denominators[i]).sqrt(),
                };
                let clip = |v: f64| match kind {
                    AttributeKind::P => v.clamp(0.0, 1.0),
                    AttributeKind::U => v.max(0.0),
                };
                Limits {
                    lower: clip(centre - 3.0 * sd),
                    upper: clip(centre + 3.0 * sd),
                    lower_two_sigma: clip(centre - 2.0 * sd),
                    upper_two_sigma: clip(centre + 2.0 * sd),
                }
            })
            .collect();
        let values: Vec<f64> = (start..end)
            .map(|i| numerators[i] / denominators[i])
            .collect();
        let classified = classify(&values, centre, &limits, g, options);
        points.extend(
            classified
                .into_iter()
                .zip(limits)
                .map(|(point, limits)| AttributePoint { point, limits }),
        );
        groups.push(AttributeGroup {
            first_index: start,
            n: end - start,
            centre,
            short_group_warning: end - start < super::xmr::SHORT_GROUP,
        });
    }
    let variation = points.last().map(|p| p.point.point_type);
    let assurance = match (options.target, points.last()) {
        (Some(target), Some(last)) => assurance(
            options.direction,
            target,
            last.limits.lower,
            last.limits.upper,
        ),
        _ => None,
    };
    Ok(AttributeChart {
        kind,
        groups,
        points,
        variation,
        assurance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spc::{Direction, rules::Rule};

    #[test]
    fn a_p_chart_has_limits_per_point_from_the_pooled_proportion() {
        // 10 weeks of 100 patients with 10 events, then a week of 400 with 100 events.
        let mut x = vec![10.0; 10];
        let mut n = vec![100.0; 10];
        x.push(100.0);
        n.push(400.0);
        let chart = attribute_chart(
            AttributeKind::P,
            &x,
            &n,
            &XmrOptions::plot_the_dots(Direction::Decrease),
        )
        .unwrap();
        // pbar = 200 / 1400 = 1/7.
        let pbar = 200.0 / 1400.0;
        assert!((chart.groups[0].centre - pbar).abs() < 1e-15);
        let sd_small = (pbar * (1.0 - pbar) / 100.0).sqrt();
        let sd_big = (pbar * (1.0 - pbar) / 400.0).sqrt();
        assert!((chart.points[0].limits.upper - (pbar + 3.0 * sd_small)).abs() < 1e-15);
        assert!((chart.points[10].limits.upper - (pbar + 3.0 * sd_big)).abs() < 1e-15);
        // 25% against an upper limit of about 19.5%: above the limit, a concern when lower is better.
        assert_eq!(chart.points[10].point.rule, Rule::AboveUpperLimit);
        assert_eq!(
            chart.points[10].point.point_type,
            PointType::SpecialCauseConcern
        );
    }

    #[test]
    fn a_u_chart_clips_at_zero_and_bad_rows_are_named() {
        let chart = attribute_chart(
            AttributeKind::U,
            &[0.0, 1.0, 0.0],
            &[1.0, 1.0, 1.0],
            &XmrOptions::plot_the_dots(Direction::Neutral),
        )
        .unwrap();
        assert_eq!(chart.points[0].limits.lower, 0.0);
        let err = attribute_chart(
            AttributeKind::P,
            &[1.0, 2.0],
            &[2.0, 0.0],
            &XmrOptions::plot_the_dots(Direction::Neutral),
        )
        .unwrap_err();
        assert!(err.starts_with("row 1"), "{err}");
        let err = attribute_chart(
            AttributeKind::P,
            &[3.0],
            &[2.0],
            &XmrOptions::plot_the_dots(Direction::Neutral),
        )
        .unwrap_err();
        assert!(err.contains("exceed 1"), "{err}");
    }
}
