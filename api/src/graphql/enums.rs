//! GraphQL mirrors of the engine's enumerations (the engine knows nothing of GraphQL).

use async_graphql::Enum;

/// What kind of body an organisation is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::OrganisationKind")]
pub enum OrganisationKind {
    AmbulanceTrust,
    AcuteTrust,
    MentalHealthTrust,
    CommunityTrust,
    PrimaryCare,
    SocialCare,
    IntegratedCareBoard,
    Other,
}

/// Where a pathway is in its life: drafts change, published maps are fixed, archived ones retired.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::PathwayStatus")]
pub enum PathwayStatus {
    Draft,
    Published,
    Archived,
}

/// The shape of a step in the map.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::StepKind")]
pub enum StepKind {
    Start,
    Activity,
    Decision,
    End,
}

/// Lean value classification of a step, from the patient's point of view.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ValueClass")]
pub enum ValueClass {
    ValueAdding,
    Necessary,
    Waste,
}

/// The eight lean wastes.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::WasteKind")]
pub enum WasteKind {
    Transport,
    Inventory,
    Motion,
    Waiting,
    Overproduction,
    OverProcessing,
    Defects,
    Skills,
}

/// How a patient (and their information) passes along a transition.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::Handoff")]
pub enum Handoff {
    Internal,
    Referral,
    Transfer,
    Letter,
    Phone,
    Electronic,
    Discharge,
}

/// Kinds of structural problem found by validation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ProblemCode")]
pub enum ProblemCode {
    MissingStart,
    MultipleStarts,
    MissingEnd,
    EndHasOutgoing,
    DeadEnd,
    UnreachableStep,
    NoPathToEnd,
    LoopWithoutExit,
    MissingProbability,
    ProbabilitySum,
    DuplicateTransition,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ProjectStatus")]
pub enum ProjectStatus {
    Active,
    Sustaining,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::MemberRole")]
pub enum MemberRole {
    Sponsor,
    Lead,
    Manager,
    Clinician,
    Analyst,
    PatientPartner,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::MeasureKind")]
pub enum MeasureKind {
    Outcome,
    Process,
    Balancing,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ChartType")]
pub enum ChartType {
    Xmr,
    Run,
    P,
    U,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ImprovementDirection")]
pub enum ImprovementDirection {
    Increase,
    Decrease,
    Neutral,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::PointType")]
pub enum PointType {
    CommonCause,
    SpecialCauseImprovement,
    SpecialCauseConcern,
    SpecialCauseNeutralHigh,
    SpecialCauseNeutralLow,
}

/// Why a point is special (or COMMON_CAUSE).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::rules::Rule")]
pub enum SpcRule {
    AboveUpperLimit,
    BelowLowerLimit,
    TrendIncreasing,
    TrendDecreasing,
    TwoInThreeAbove,
    TwoInThreeBelow,
    ShiftAbove,
    ShiftBelow,
    CommonCause,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::Assurance")]
pub enum Assurance {
    ConsistentPass,
    ConsistentFail,
    Inconsistent,
}

/// Rule presets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SpcPreset {
    /// NHSRplotthedots: trend and shift 7, screening on, two-in-three between 2 and 3 sigma.
    PlotTheDots,
    /// The Making Data Count Excel tool: no screening, two-in-three beyond 2 sigma.
    MdcExcel,
}

/// What a measure from a log computes per period.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::LogStatistic")]
pub enum LogStatistic {
    MedianTime,
    MeanTime,
    P90Time,
    CaseCount,
    PercentWithinTarget,
}

/// How a measure from a log groups cases: weeks start on Monday; England dates.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::Period")]
pub enum LogPeriod {
    Week,
    Month,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::TimeUnit")]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
}
