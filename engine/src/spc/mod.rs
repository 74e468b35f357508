//! Statistical process control as NHS England's *Making Data Count* teaches it: XmR ("plot the
//! dots") charts with special-cause rules, variation and assurance. Pure functions of the values,
//! which must already be in date order.

pub mod attribute;
pub mod chart;
pub mod news;
pub mod rules;
pub mod run_chart;
pub mod time_to_signal;
pub mod view;
pub mod xmr;

use serde::{Deserialize, Serialize};

pub use xmr::{Group, XmrChart, XmrOptions, XmrPoint, xmr};

/// Which way is better for a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Increase,
    Decrease,
    Neutral,
}

/// How a point is coloured (and the variation icon of the last point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PointType {
    CommonCause,
    SpecialCauseImprovement,
    SpecialCauseConcern,
    SpecialCauseNeutralHigh,
    SpecialCauseNeutralLow,
}

impl PointType {
    /// The name NHSRplotthedots uses, e.g. `special_cause_improvement`.
    pub fn reference_name(self) -> &'static str {
        match self {
            PointType::CommonCause => "common_cause",
            PointType::SpecialCauseImprovement => "special_cause_improvement",
            PointType::SpecialCauseConcern => "special_cause_concern",
            PointType::SpecialCauseNeutralHigh => "special_cause_neutral_high",
            PointType::SpecialCauseNeutralLow => "special_cause_neutral_low",
        }
    }
}

/// Whether the process will meet a target (the assurance icon).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Assurance {
    /// The target lies beyond the limits on the good side: the process always meets it.
    ConsistentPass,
    /// The target lies beyond the limits on the bad side: the process never meets it.
    ConsistentFail,
    /// The target lies between the limits: it will be hit and missed.
    Inconsistent,
}

impl Assurance {
    /// The name NHSRplotthedots uses, e.g. `consistent_pass`.
    pub fn reference_name(self) -> &'static str {
        match self {
            Assurance::ConsistentPass => "consistent_pass",
            Assurance::ConsistentFail => "consistent_fail",
            Assurance::Inconsistent => "inconsistent",
        }
    }
}

/// Assurance of a target against process limits: for INCREASE a target above the upper limit
/// always fails and one below the lower limit always passes; mirrored for DECREASE; none for
/// NEUTRAL. O(1).
pub fn assurance(direction: Direction, target: f64, lower: f64, upper: f64) -> Option<Assurance> {
    match direction {
        Direction::Neutral => None,
        Direction::Increase if target > upper => Some(Assurance::ConsistentFail),
        Direction::Increase if target < lower => Some(Assurance::ConsistentPass),
        Direction::Decrease if target < lower => Some(Assurance::ConsistentFail),
        Direction::Decrease if target > upper => Some(Assurance::ConsistentPass),
        _ => Some(Assurance::Inconsistent),
    }
}
