//! What process mining found in an event log, as GraphQL shows it: the discovered map (edges,
//! waits, variants, rework, hand-offs) and conformance to a pathway.

use async_graphql::{ID, SimpleObject};
use engine::events::{DurationStats, RowError, discovery};

/// A bad row of an import.
#[derive(SimpleObject)]
#[graphql(name = "RowError")]
pub struct RowErrorView {
    /// The row's number in the file (the header is row 1) or the event's position in the batch
    /// (from 1).
    row: u64,
    /// The column (or field) at fault.
    column: String,
    /// What is wrong, in words.
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
    /// The earlier activity.
    from: String,
    /// The activity that came next.
    to: String,
    /// How many times a case went straight from one activity to the other.
    count: u64,
    /// The mean time between them, in seconds.
    mean_seconds: f64,
    /// The median time between them, in seconds.
    median_seconds: f64,
    /// The 90th percentile of the time between them, in seconds.
    p90_seconds: f64,
    /// The shortest time between them, in seconds.
    min_seconds: f64,
    /// The longest time between them, in seconds.
    max_seconds: f64,
}

/// An activity with the number of cases that start (or end) with it.
#[derive(SimpleObject)]
#[graphql(name = "ActivityCount")]
pub struct ActivityCountView {
    /// The activity, as written in the log.
    activity: String,
    /// How many cases.
    count: u64,
}

/// A sequence of activities some cases followed.
#[derive(SimpleObject)]
#[graphql(name = "Variant")]
pub struct VariantView {
    /// How many cases take it.
    count: u64,
    /// Share of all cases (0 to 1).
    share: f64,
    /// The activities in order.
    activities: Vec<String>,
}

/// Durations in seconds.
#[derive(SimpleObject)]
#[graphql(name = "DurationSummary")]
pub struct DurationView {
    /// How many cases.
    count: u64,
    /// The mean, in seconds.
    mean_seconds: f64,
    /// The median, in seconds.
    median_seconds: f64,
    /// The 90th percentile, in seconds.
    p90_seconds: f64,
    /// The shortest, in seconds.
    min_seconds: f64,
    /// The longest, in seconds.
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
    /// The activity that cases repeat.
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
    /// The organisation cases left.
    from: String,
    /// The organisation cases went to.
    to: String,
    /// How many times cases passed from one to the other.
    count: u64,
}

/// Hand-offs between organisations per case.
#[derive(SimpleObject)]
#[graphql(name = "LogHandoffs")]
pub struct HandoffsView {
    /// Changes of organisation, over all cases.
    total: u64,
    /// Changes of organisation per case, on average.
    mean_per_case: f64,
    /// The median changes of organisation per case.
    median_per_case: f64,
    /// The most changes of organisation in one case.
    max_per_case: u64,
    /// Each pair of organisations with how many times cases passed from one to the other, most
    /// first.
    pairs: Vec<HandoffPairView>,
}

/// What discovery found in a log.
#[derive(SimpleObject)]
#[graphql(name = "Discovery")]
pub struct DiscoveryView {
    /// Events in the log.
    events: u64,
    /// Cases in the log.
    cases: u64,
    /// Sorted by from, then to.
    edges: Vec<EdgeView>,
    /// The activities cases start with, most common first.
    start_activities: Vec<ActivityCountView>,
    /// The activities cases end with, most common first.
    end_activities: Vec<ActivityCountView>,
    /// How many different routes (orders of activities) cases take.
    variant_count: u64,
    /// Most frequent first.
    top_variants: Vec<VariantView>,
    /// Share of cases the listed variants cover.
    top_variant_coverage: f64,
    /// From each case's first to its last event.
    case_duration: Option<DurationView>,
    /// Activities cases do more than once, with how many cases repeat each.
    rework: Vec<ReworkView>,
    /// Changes of organisation within cases.
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
    /// The activity, as written in the log.
    activity: String,
    /// How many events have it.
    events: u64,
    /// How many cases have it.
    cases: u64,
}

/// A step patients went past without it being recorded.
#[derive(SimpleObject)]
#[graphql(name = "SkippedStep")]
pub struct SkippedStepView {
    /// The step's key.
    step: String,
    /// The step's name.
    name: String,
    /// How many cases skip it.
    cases: u64,
}

/// A move between two steps (by key) with how often the log made it.
#[derive(SimpleObject)]
#[graphql(name = "StepMove")]
pub struct StepMoveView {
    /// The step moved from (its key).
    from: String,
    /// The step moved to (its key).
    to: String,
    /// How many times it was made.
    count: u64,
    /// How many cases made the move.
    cases: u64,
}

/// How log events were matched to a step.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The step is the only one with its activity code.
    Activity,
    /// Several steps share the code; each event's organisation said which.
    ActivityAndOrganisation,
}

/// How the log's events were matched to one step with an activity code.
#[derive(SimpleObject)]
#[graphql(name = "StepMatch")]
pub struct StepMatchView {
    /// The step's key.
    step: String,
    /// Its activity code.
    activity_code: String,
    /// By activity code alone, or by code and organisation when steps share the code.
    matched_by: MatchedBy,
    /// Events matched to the step.
    events: u64,
    /// Of those, events of a shared code whose organisation did not say which step (none given,
    /// or one no step with the code belongs to): given to the first such step in the map.
    guessed_events: u64,
}

/// The log against a pathway's map.
#[derive(SimpleObject)]
#[graphql(name = "Conformance")]
pub struct ConformanceView {
    /// The pathway the log was checked against.
    pathway_id: ID,
    /// Cases in the log.
    cases: u64,
    /// Moves between consecutive mapped events, over all cases.
    moves: u64,
    /// Of those moves, how many the map allows.
    allowed_moves: u64,
    /// Share of moves the map allows (0 to 1).
    fitness: f64,
    /// Cases every move of which the map allows.
    fitting_cases: u64,
    /// Share of cases that fit the map entirely.
    fitting_case_share: f64,
    /// Activities in the log that no step's `activityCode` matches.
    unknown_activities: Vec<UnknownActivityView>,
    /// Steps of the map that cases pass over, with how many cases skip each.
    skipped_steps: Vec<SkippedStepView>,
    /// Moves patients made that the map has no transition for.
    missing_transitions: Vec<StepMoveView>,
    /// Every map transition with how often the log took it.
    transition_counts: Vec<StepMoveView>,
    /// Map transitions the log never took.
    unseen_transitions: Vec<StepMoveView>,
    /// How the log's events were matched to each step with an activity code, in map order.
    step_matching: Vec<StepMatchView>,
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
            step_matching: c
                .step_matching
                .into_iter()
                .map(|m| StepMatchView {
                    step: m.step,
                    activity_code: m.activity_code,
                    matched_by: match m.matched_by {
                        engine::events::conformance::MatchedBy::Activity => MatchedBy::Activity,
                        engine::events::conformance::MatchedBy::ActivityAndOrganisation => {
                            MatchedBy::ActivityAndOrganisation
                        }
                    },
                    events: m.events,
                    guessed_events: m.guessed_events,
                })
                .collect(),
        }
    }
}
