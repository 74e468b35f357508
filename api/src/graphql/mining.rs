//! What process mining found in an event log, as GraphQL shows it: the discovered map (edges,
//! waits, variants, rework, hand-offs) and conformance to a pathway.

use async_graphql::{ID, SimpleObject};
use engine::events::{DurationStats, RowError, discovery};

/// A bad row of an import.
#[derive(SimpleObject)]
#[graphql(name = "RowError")]
pub struct RowErrorView {
    row: u64,
    column: String,
    message: String,
}

impl From<&RowError> for RowErrorView {
    fn from(e: &RowError) -> Self {
        Self {
            row: e.row,
            column: e.column.clone(),
            message: e.message.clone(),
        }
    }
}

/// A directly-follows edge: how often `to` came straight after `from` in a case, and the waits.
#[derive(SimpleObject)]
#[graphql(name = "DirectlyFollows")]
pub struct EdgeView {
    from: String,
    to: String,
    count: u64,
    mean_seconds: f64,
    median_seconds: f64,
    p90_seconds: f64,
    min_seconds: f64,
    max_seconds: f64,
}

/// An activity with the number of cases that start (or end) with it.
#[derive(SimpleObject)]
#[graphql(name = "ActivityCount")]
pub struct ActivityCountView {
    activity: String,
    count: u64,
}

/// A sequence of activities some cases followed.
#[derive(SimpleObject)]
#[graphql(name = "Variant")]
pub struct VariantView {
    count: u64,
    /// Share of all cases (0 to 1).
    share: f64,
    activities: Vec<String>,
}

/// Durations in seconds.
#[derive(SimpleObject)]
#[graphql(name = "DurationSummary")]
pub struct DurationView {
    count: u64,
    mean_seconds: f64,
    median_seconds: f64,
    p90_seconds: f64,
    min_seconds: f64,
    max_seconds: f64,
}

impl From<DurationStats> for DurationView {
    fn from(d: DurationStats) -> Self {
        Self {
            count: d.count,
            mean_seconds: d.mean_seconds,
            median_seconds: d.median_seconds,
            p90_seconds: d.p90_seconds,
            min_seconds: d.min_seconds,
            max_seconds: d.max_seconds,
        }
    }
}

/// An activity done more than once in some cases.
#[derive(SimpleObject)]
#[graphql(name = "ActivityRework")]
pub struct ReworkView {
    activity: String,
    /// Cases in which it happens more than once.
    cases: u64,
    /// Repeats beyond the first, over all cases.
    repeats: u64,
}

/// Care passing from one organisation to another.
#[derive(SimpleObject)]
#[graphql(name = "OrganisationHandoff")]
pub struct HandoffPairView {
    from: String,
    to: String,
    count: u64,
}

/// Hand-offs between organisations per case.
#[derive(SimpleObject)]
#[graphql(name = "LogHandoffs")]
pub struct HandoffsView {
    total: u64,
    mean_per_case: f64,
    median_per_case: f64,
    max_per_case: u64,
    pairs: Vec<HandoffPairView>,
}

/// What discovery found in a log.
#[derive(SimpleObject)]
#[graphql(name = "Discovery")]
pub struct DiscoveryView {
    events: u64,
    cases: u64,
    /// Sorted by from, then to.
    edges: Vec<EdgeView>,
    start_activities: Vec<ActivityCountView>,
    end_activities: Vec<ActivityCountView>,
    variant_count: u64,
    /// Most frequent first.
    top_variants: Vec<VariantView>,
    /// Share of cases the listed variants cover.
    top_variant_coverage: f64,
    /// From each case's first to its last event.
    case_duration: Option<DurationView>,
    rework: Vec<ReworkView>,
    handoffs: HandoffsView,
}

impl From<discovery::Discovery> for DiscoveryView {
    fn from(d: discovery::Discovery) -> Self {
        let counts = |v: Vec<discovery::ActivityCount>| {
            v.into_iter()
                .map(|a| ActivityCountView {
                    activity: a.activity,
                    count: a.count,
                })
                .collect()
        };
        Self {
            events: d.events,
            cases: d.cases,
            edges: d
                .edges
                .into_iter()
                .map(|e| EdgeView {
                    from: e.from,
                    to: e.to,
                    count: e.count,
                    mean_seconds: e.mean_seconds,
                    median_seconds: e.median_seconds,
                    p90_seconds: e.p90_seconds,
                    min_seconds: e.min_seconds,
                    max_seconds: e.max_seconds,
                })
                .collect(),
            start_activities: counts(d.start_activities),
            end_activities: counts(d.end_activities),
            variant_count: d.variant_count,
            top_variants: d
                .top_variants
                .into_iter()
                .map(|v| VariantView {
                    count: v.count,
                    share: v.share,
                    activities: v.activities,
                })
                .collect(),
            top_variant_coverage: d.top_variant_coverage,
            case_duration: d.case_duration.map(Into::into),
            rework: d
                .rework
                .into_iter()
                .map(|r| ReworkView {
                    activity: r.activity,
                    cases: r.cases,
                    repeats: r.repeats,
                })
                .collect(),
            handoffs: HandoffsView {
                total: d.handoffs.total,
                mean_per_case: d.handoffs.mean_per_case,
                median_per_case: d.handoffs.median_per_case,
                max_per_case: d.handoffs.max_per_case,
                pairs: d
                    .handoffs
                    .pairs
                    .into_iter()
                    .map(|p| HandoffPairView {
                        from: p.from,
                        to: p.to,
                        count: p.count,
                    })
                    .collect(),
            },
        }
    }
}

/// A log activity with no step of that activity code.
#[derive(SimpleObject)]
#[graphql(name = "UnknownActivity")]
pub struct UnknownActivityView {
    activity: String,
    events: u64,
    cases: u64,
}

/// A step patients went past without it being recorded.
#[derive(SimpleObject)]
#[graphql(name = "SkippedStep")]
pub struct SkippedStepView {
    /// The step's key.
    step: String,
    name: String,
    cases: u64,
}

/// A move between two steps (by key) with how often the log made it.
#[derive(SimpleObject)]
#[graphql(name = "StepMove")]
pub struct StepMoveView {
    from: String,
    to: String,
    count: u64,
    cases: u64,
}

/// The log against a pathway's map.
#[derive(SimpleObject)]
#[graphql(name = "Conformance")]
pub struct ConformanceView {
    pathway_id: ID,
    cases: u64,
    moves: u64,
    allowed_moves: u64,
    /// Share of moves the map allows (0 to 1).
    fitness: f64,
    fitting_cases: u64,
    /// Share of cases that fit the map entirely.
    fitting_case_share: f64,
    unknown_activities: Vec<UnknownActivityView>,
    skipped_steps: Vec<SkippedStepView>,
    /// Moves patients made that the map has no transition for.
    missing_transitions: Vec<StepMoveView>,
    /// Every map transition with how often the log took it.
    transition_counts: Vec<StepMoveView>,
    /// Map transitions the log never took.
    unseen_transitions: Vec<StepMoveView>,
}

impl ConformanceView {
    pub(super) fn new(pathway_id: uuid::Uuid, c: engine::events::conformance::Conformance) -> Self {
        let moves = |v: Vec<engine::events::conformance::StepMove>| {
            v.into_iter()
                .map(|m| StepMoveView {
                    from: m.from,
                    to: m.to,
                    count: m.count,
                    cases: m.cases,
                })
                .collect()
        };
        Self {
            pathway_id: ID(pathway_id.to_string()),
            cases: c.cases,
            moves: c.moves,
            allowed_moves: c.allowed_moves,
            fitness: c.fitness,
            fitting_cases: c.fitting_cases,
            fitting_case_share: c.fitting_case_share,
            unknown_activities: c
                .unknown_activities
                .into_iter()
                .map(|u| UnknownActivityView {
                    activity: u.activity,
                    events: u.events,
                    cases: u.cases,
                })
                .collect(),
            skipped_steps: c
                .skipped_steps
                .into_iter()
                .map(|s| SkippedStepView {
                    step: s.step,
                    name: s.name,
                    cases: s.cases,
                })
                .collect(),
            missing_transitions: moves(c.missing_transitions),
            transition_counts: moves(c.transition_counts),
            unseen_transitions: moves(c.unseen_transitions),
        }
    }
}
