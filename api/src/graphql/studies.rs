//! The study of a PDSA cycle as the API shows it: each prediction's judgement on its measure's
//! chart with limits fixed before the test, and the evidence.

use super::context::{caller_of, db};
use super::enums::{Assurance, ImprovementDirection, PointType, SpcRule};
use crate::store::cycles::CycleRecord;
use crate::store::studies::JudgedPrediction;
use async_graphql::{Context, Enum, ID, Result, SimpleObject};
use chrono::NaiveDate;

/// What the data says about a prediction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::judgement::Verdict")]
pub enum Verdict {
    /// A special cause in the predicted direction (for no change predicted: none over enough
    /// points).
    Met,
    /// A special cause the other way, or common cause over enough points to have shown a shift.
    NotMet,
    /// Too few points since the test started to say either.
    NotYet,
    /// Fewer than 12 points before the test: no stable limits to judge against.
    TooLittleBaseline,
}

/// A special-cause point during a cycle's test: the evidence of a judgement.
#[derive(SimpleObject)]
pub struct SignalView {
    /// The point's date.
    date: NaiveDate,
    /// Its value.
    value: f64,
    /// The rule it broke.
    rule: SpcRule,
    /// The rule as Making Data Count labels it, e.g. "7 Points Below CL".
    rule_label: String,
    /// Improvement, concern or neutral.
    point_type: PointType,
    /// The fixed lower process limit at this point; null on a run chart.
    lower_limit: Option<f64>,
    /// The fixed upper process limit at this point; null on a run chart.
    upper_limit: Option<f64>,
}

/// One prediction judged on its measure's chart: limits fixed from the points before the
/// cycle's DO date, then the points from that date to the end of STUDY (or today).
#[derive(SimpleObject)]
pub struct PredictionStudy {
    /// The measure (its id).
    measure_id: ID,
    /// Met, not met, not yet known, or too little baseline to judge.
    verdict: Verdict,
    /// The verdict and its evidence in plain English (or why it could not be judged).
    reason: String,
    /// The change judged: the predicted direction, or for a predicted value the way from the
    /// baseline's mean to it.
    direction: Option<ImprovementDirection>,
    /// Points before the test, from which the limits are fixed.
    baseline_points: i32,
    /// Points from the start of the test to the end of the window.
    window_points: i32,
    /// Window points that show common cause must number at least this (the shift rule's
    /// length) before a predicted rise or fall is judged not met.
    points_needed: i32,
    /// The baseline's mean (the centre line); null when not judged.
    mean_before: Option<f64>,
    /// The mean of the window's points, for the record: a different mean alone is no evidence.
    mean_during: Option<f64>,
    /// The fixed lower process limit (XmR charts; P and U charts give it per point).
    lower_limit: Option<f64>,
    /// The fixed upper process limit (XmR charts; P and U charts give it per point).
    upper_limit: Option<f64>,
    /// The window's special-cause points.
    signals: Vec<SignalView>,
    /// For a predicted value: whether the process as it was (the fixed limits) would meet it.
    assurance: Option<Assurance>,
    /// True when met, false when not met, null otherwise.
    met: Option<bool>,
}

impl From<JudgedPrediction> for PredictionStudy {
    fn from(p: JudgedPrediction) -> Self {
        let measure_id = ID(p.measure_id.to_string());
        let j = match p.judgement {
            Ok(j) => j,
            Err(reason) => {
                return Self {
                    measure_id,
                    verdict: Verdict::NotYet,
                    reason: format!("Not judged: {reason}."),
                    direction: None,
                    baseline_points: 0,
                    window_points: 0,
                    points_needed: 0,
                    mean_before: None,
                    mean_during: None,
                    lower_limit: None,
                    upper_limit: None,
                    signals: vec![],
                    assurance: None,
                    met: None,
                };
            }
        };
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Self {
            measure_id,
            verdict: j.verdict.into(),
            reason: j.reason,
            direction: Some(match j.direction {
                engine::spc::Direction::Increase => ImprovementDirection::Increase,
                engine::spc::Direction::Decrease => ImprovementDirection::Decrease,
                engine::spc::Direction::Neutral => ImprovementDirection::Neutral,
            }),
            baseline_points: count(j.baseline_points),
            window_points: count(j.window_points),
            points_needed: count(j.points_needed),
            mean_before: j.mean,
            mean_during: j.window_mean,
            lower_limit: j.lower_limit,
            upper_limit: j.upper_limit,
            signals: j
                .signals
                .into_iter()
                .map(|s| SignalView {
                    date: s.date,
                    value: s.value,
                    rule: s.rule.into(),
                    rule_label: s.rule_label,
                    point_type: s.point_type.into(),
                    lower_limit: s.lower_limit.is_finite().then_some(s.lower_limit),
                    upper_limit: s.upper_limit.is_finite().then_some(s.upper_limit),
                })
                .collect(),
            assurance: j.assurance.map(Into::into),
            met: match j.verdict {
                engine::judgement::Verdict::Met => Some(true),
                engine::judgement::Verdict::NotMet => Some(false),
                _ => None,
            },
        }
    }
}

/// Every prediction of a cycle judged (empty before the cycle starts).
pub(super) async fn study_of(
    ctx: &Context<'_>,
    cycle: &CycleRecord,
) -> Result<Vec<PredictionStudy>> {
    let today = chrono::Utc::now().date_naive();
    Ok(crate::store::studies::judge_cycles(
        db(ctx)?,
        &caller_of(ctx),
        cycle.project_id,
        std::slice::from_ref(cycle),
        today,
    )
    .await?
    .into_iter()
    .flatten()
    .map(Into::into)
    .collect())
}
