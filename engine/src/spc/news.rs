//! What new points changed on a measure's chart: whether other systems should be told that the
//! measure has signalled (`measure.signal`). A point that was common cause, or absent, and is now
//! a special cause is news, and so is a change of the variation or assurance icon. Points the
//! new ones flag retrospectively count: the seventh point below the mean turns the six before it
//! into a shift as well.

use super::view::{ChartView, PointView};
use super::{Assurance, PointType};
use serde::Serialize;

/// A change on a measure's chart worth telling others about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalNews {
    pub variation_before: Option<PointType>,
    pub variation: Option<PointType>,
    pub assurance_before: Option<Assurance>,
    pub assurance: Option<Assurance>,
    /// The points that became special causes, in date order.
    pub points: Vec<PointView>,
}

/// Compares the chart before a change (None when the points then could not make one) with the
/// chart after it; None when nothing a reader of the icons would notice changed. O(points).
pub fn signal_news(before: Option<&ChartView>, after: &ChartView) -> Option<SignalNews> {
    let special_before: std::collections::HashSet<chrono::NaiveDate> = before
        .map(|chart| {
            chart
                .points
                .iter()
                .filter(|p| p.point_type != PointType::CommonCause)
                .map(|p| p.date)
                .collect()
        })
        .unwrap_or_default();
    let points: Vec<PointView> = after
        .points
        .iter()
        .filter(|p| p.point_type != PointType::CommonCause && !special_before.contains(&p.date))
        .cloned()
        .collect();
    let variation_before = before.and_then(|c| c.variation);
    let assurance_before = before.and_then(|c| c.assurance);
    let changed = variation_before != after.variation || assurance_before != after.assurance;
    (changed || !points.is_empty()).then_some(SignalNews {
        variation_before,
        variation: after.variation,
        assurance_before,
        assurance: after.assurance,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spc::{XmrOptions, view::xmr_view, xmr};
    use chrono::NaiveDate;

    fn chart(values: &[f64]) -> ChartView {
        let dates: Vec<NaiveDate> = (0..values.len())
            .map(|i| NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Days::new(7 * i as u64))
            .collect();
        // Limits fixed from the first twelve, as a team with a baseline has them.
        let options = XmrOptions {
            fix_after_n_points: Some(12),
            ..XmrOptions::plot_the_dots(crate::spc::Direction::Decrease)
        };
        xmr_view(&dates, &xmr(values, &options).unwrap(), &options)
    }

    /// Twelve points about 10, steady: common cause only.
    const STEADY: [f64; 12] = [
        10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.0,
    ];

    #[test]
    fn a_common_cause_point_is_not_news() {
        let before = chart(&STEADY);
        let mut values = STEADY.to_vec();
        values.push(10.2);
        assert_eq!(signal_news(Some(&before), &chart(&values)), None);
    }

    #[test]
    fn the_seventh_point_below_the_mean_makes_seven_points_news() {
        let mut values = STEADY.to_vec();
        values.extend([9.6; 6]);
        let before = chart(&values);
        assert!(signal_news(None, &before).is_none_or(|n| n.points.is_empty()));
        values.push(9.6);
        let news = signal_news(Some(&before), &chart(&values)).expect("a shift is news");
        assert_eq!(news.points.len(), 7, "{news:?}");
        assert!(
            news.points
                .iter()
                .all(|p| p.rule == crate::spc::rules::Rule::ShiftBelow)
        );
        // Sent again, the same points are no longer news.
        let after = chart(&values);
        assert_eq!(signal_news(Some(&after), &after), None);
    }

    #[test]
    fn a_point_beyond_the_limits_is_news() {
        let before = chart(&STEADY);
        let mut values = STEADY.to_vec();
        values.push(30.0);
        let news = signal_news(Some(&before), &chart(&values)).expect("news");
        assert_eq!(news.points.len(), 1);
        assert_eq!(
            news.points[0].rule,
            crate::spc::rules::Rule::AboveUpperLimit
        );
        assert_ne!(news.variation, news.variation_before);
    }
}
