//! What changed between two periods of an event log, as the API shows it.

use async_graphql::{ID, InputObject, SimpleObject};
use chrono::NaiveDate;
use engine::events::comparison::{Comparison, PeriodFigures, TransitionChange, VariantChange};

/// Days from `start` to the day before `end` (midnight to midnight in England); either end may
/// be left open.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct DateRangeInput {
    /// The first day (YYYY-MM-DD); from the log's start when null.
    pub start: Option<NaiveDate>,
    /// The day after the last (YYYY-MM-DD); to the log's end when null.
    pub end: Option<NaiveDate>,
}

/// One transition in one period.
#[derive(SimpleObject)]
#[graphql(name = "LogPeriodFigures")]
pub struct PeriodFiguresView {
    /// Cases in the period (those with the segment, when one is asked for).
    cases: u64,
    /// Times the transition was taken.
    count: u64,
    /// Times per case.
    per_case: f64,
    /// Its mean wait in seconds; null when never taken.
    mean_seconds: Option<f64>,
    /// Its median wait in seconds; null when never taken.
    median_seconds: Option<f64>,
    /// Its 90th percentile wait in seconds; null when never taken.
    p90_seconds: Option<f64>,
}

impl From<PeriodFigures> for PeriodFiguresView {
    fn from(p: PeriodFigures) -> Self {
        Self {
            cases: p.cases,
            count: p.count,
            per_case: p.per_case,
            mean_seconds: p.mean_seconds,
            median_seconds: p.median_seconds,
            p90_seconds: p.p90_seconds,
        }
    }
}

/// How one directly-follows transition changed between the periods.
#[derive(SimpleObject)]
#[graphql(name = "LogTransitionChange")]
pub struct TransitionChangeView {
    /// The activity left.
    from: String,
    /// The activity that came next.
    to: String,
    /// The earlier period.
    before: PeriodFiguresView,
    /// The later period.
    after: PeriodFiguresView,
    /// The later median wait less the earlier, in seconds; null when either never took it.
    median_change_seconds: Option<f64>,
    /// The 95% interval of that change (seeded bootstrap over cases), [low, high] in seconds.
    ci95: Option<Vec<f64>>,
    /// The change in times per case.
    per_case_change: f64,
    /// The 95% interval of the change in times per case, [low, high].
    per_case_ci95: Vec<f64>,
    /// Whether either interval leaves out zero.
    significant: bool,
    /// Its part in the change of the mean time per case, in seconds (the parts of all
    /// transitions sum to the whole change).
    contribution_seconds: f64,
    /// Of that part, what the change in how often it is taken accounts for.
    frequency_part_seconds: f64,
    /// Of that part, what the change in its wait accounts for.
    wait_part_seconds: f64,
    /// The change in words.
    summary: String,
}

impl From<TransitionChange> for TransitionChangeView {
    fn from(t: TransitionChange) -> Self {
        Self {
            from: t.from,
            to: t.to,
            before: t.before.into(),
            after: t.after.into(),
            median_change_seconds: t.median_change_seconds,
            ci95: t.ci95.map(|c| c.to_vec()),
            per_case_change: t.per_case_change,
            per_case_ci95: t.per_case_ci95.to_vec(),
            significant: t.significant,
            contribution_seconds: t.contribution_seconds,
            frequency_part_seconds: t.frequency_part_seconds,
            wait_part_seconds: t.wait_part_seconds,
            summary: t.summary,
        }
    }
}

/// A route and the share of cases taking it in each period.
#[derive(SimpleObject)]
#[graphql(name = "LogVariantChange")]
pub struct VariantChangeView {
    /// The activities in order.
    activities: Vec<String>,
    /// Its share of the earlier period's cases (0 to 1).
    before_share: f64,
    /// Its share of the later period's cases (0 to 1).
    after_share: f64,
}

impl From<VariantChange> for VariantChangeView {
    fn from(v: VariantChange) -> Self {
        Self {
            activities: v.activities,
            before_share: v.before_share,
            after_share: v.after_share,
        }
    }
}

/// What changed in the pathway between two periods of an event log.
#[derive(SimpleObject)]
pub struct LogComparison {
    /// The log compared.
    log_id: ID,
    /// The date the later period starts, when the comparison explains a measure's change.
    split_at: Option<NaiveDate>,
    /// The activity times are measured from; null for whole cases.
    from_activity: Option<String>,
    /// The activity times are measured to; null for whole cases.
    to_activity: Option<String>,
    /// Cases in the earlier period.
    before_cases: u64,
    /// Cases in the later period.
    after_cases: u64,
    /// The mean time per case in the earlier period, in seconds.
    before_mean_seconds: Option<f64>,
    /// The mean time per case in the later period, in seconds.
    after_mean_seconds: Option<f64>,
    /// The median time per case in the earlier period, in seconds.
    before_median_seconds: Option<f64>,
    /// The median time per case in the later period, in seconds.
    after_median_seconds: Option<f64>,
    /// Every transition, significant changes first, then by the size of its part in the change.
    transitions: Vec<TransitionChangeView>,
    /// The ten routes whose share changed most.
    variants: Vec<VariantChangeView>,
}

impl LogComparison {
    pub fn new(log_id: uuid::Uuid, split_at: Option<NaiveDate>, c: Comparison) -> Self {
        Self {
            log_id: ID(log_id.to_string()),
            split_at,
            from_activity: c.from,
            to_activity: c.to,
            before_cases: c.before_cases,
            after_cases: c.after_cases,
            before_mean_seconds: c.before_mean_seconds,
            after_mean_seconds: c.after_mean_seconds,
            before_median_seconds: c.before_median_seconds,
            after_median_seconds: c.after_median_seconds,
            transitions: c.transitions.into_iter().map(Into::into).collect(),
            variants: c.variants.into_iter().map(Into::into).collect(),
        }
    }
}
