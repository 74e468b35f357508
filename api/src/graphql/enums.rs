//! GraphQL mirrors of the engine's enumerations (the engine knows nothing of GraphQL).

use async_graphql::Enum;

/// What kind of body an organisation is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::OrganisationKind")]
pub enum OrganisationKind {
    /// An ambulance service trust.
    AmbulanceTrust,
    /// A hospital (acute) trust.
    AcuteTrust,
    /// A mental health trust.
    MentalHealthTrust,
    /// A community services trust.
    CommunityTrust,
    /// A GP practice or primary care network.
    PrimaryCare,
    /// A council's adult social care.
    SocialCare,
    /// An integrated care board.
    IntegratedCareBoard,
    /// Any other organisation.
    Other,
}

/// Where a pathway is in its life: drafts change, published maps are fixed, archived ones retired.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::PathwayStatus")]
pub enum PathwayStatus {
    /// Being mapped: editable.
    Draft,
    /// Agreed: fixed (clone it to change it).
    Published,
    /// No longer in use; kept for its history.
    Archived,
}

/// The shape of a step in the map.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::StepKind")]
pub enum StepKind {
    /// Where the pathway starts (exactly one).
    Start,
    /// Work done for the patient.
    Activity,
    /// A branch: patients go one way or another, with probabilities.
    Decision,
    /// Where the pathway ends (there may be several).
    End,
}

/// Lean value classification of a step, from the patient's point of view.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ValueClass")]
pub enum ValueClass {
    /// Adds value the patient would pay for.
    ValueAdding,
    /// Necessary but adds no value for the patient (paperwork, checks).
    Necessary,
    /// Adds nothing and could go.
    Waste,
}

/// The eight lean wastes.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::WasteKind")]
pub enum WasteKind {
    /// Moving patients, samples or records more than needed.
    Transport,
    /// Patients or work waiting in queues.
    Inventory,
    /// Staff moving more than the work needs.
    Motion,
    /// Patients or staff waiting.
    Waiting,
    /// Work done before or beyond what is needed.
    Overproduction,
    /// More work than the patient needs.
    OverProcessing,
    /// Errors and work done again.
    Defects,
    /// Staff skills not used.
    Skills,
}

/// How a patient (and their information) passes along a transition.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::Handoff")]
pub enum Handoff {
    /// Within one team: no hand-off.
    Internal,
    /// A referral.
    Referral,
    /// The patient is transferred (by ambulance, porter or transport).
    Transfer,
    /// A letter.
    Letter,
    /// A phone call.
    Phone,
    /// An electronic message or shared record.
    Electronic,
    /// A discharge: the patient leaves one organisation's care for another's.
    Discharge,
}

/// Kinds of structural problem found by validation.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ProblemCode")]
pub enum ProblemCode {
    /// The pathway has no START step.
    MissingStart,
    /// The pathway has more than one START step.
    MultipleStarts,
    /// The pathway has no END step.
    MissingEnd,
    /// An END step has transitions out of it.
    EndHasOutgoing,
    /// A step other than END that patients cannot leave.
    DeadEnd,
    /// A step no route from START reaches.
    UnreachableStep,
    /// From some step no route reaches an END.
    NoPathToEnd,
    /// A loop patients can enter but never leave.
    LoopWithoutExit,
    /// A step with several transitions out does not give each a probability.
    MissingProbability,
    /// A step's outgoing probabilities do not add up to 1.
    ProbabilitySum,
    /// Two transitions join the same two steps.
    DuplicateTransition,
}

/// Where an improvement project is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ProjectStatus")]
pub enum ProjectStatus {
    /// Testing changes.
    Active,
    /// The changes are adopted; the team watches that the gains hold.
    Sustaining,
    /// Finished (with a reason); reopen it to continue.
    Closed,
}

/// A team member's part in an improvement project.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::MemberRole")]
pub enum MemberRole {
    /// The executive sponsor.
    Sponsor,
    /// The clinical or project lead.
    Lead,
    /// The service manager.
    Manager,
    /// A clinician on the team.
    Clinician,
    /// The data analyst.
    Analyst,
    /// A patient or carer partner.
    PatientPartner,
    /// Anyone else.
    Other,
}

/// The part a measure plays in the IHI family of measures.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::MeasureKind")]
pub enum MeasureKind {
    /// What matters to patients: the aim.
    Outcome,
    /// What the change acts on directly.
    Process,
    /// What could get worse because of the change.
    Balancing,
}

/// How a measure's SPC chart is drawn.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ChartType")]
pub enum ChartType {
    /// An XmR chart (individuals and moving range): one value per point.
    Xmr,
    /// A run chart only (median, runs, shifts and trends); no process limits.
    Run,
    /// A P chart: proportions from a numerator and a denominator per point (values 0 to 1), limits
    /// that vary with each denominator.
    P,
    /// A U chart: rates (events per unit of exposure) from a numerator and a denominator per point.
    U,
}

/// Which way a measure should move, or a prediction expects it to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ImprovementDirection")]
pub enum ImprovementDirection {
    /// Higher is better (or: expected to rise).
    Increase,
    /// Lower is better (or: expected to fall).
    Decrease,
    /// Neither is better (or: expected not to change).
    Neutral,
}

/// How an SPC point is judged, by Making Data Count's rules and the measure's direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::PointType")]
pub enum PointType {
    /// Common-cause variation: nothing special.
    CommonCause,
    /// A special cause in the better direction.
    SpecialCauseImprovement,
    /// A special cause in the worse direction.
    SpecialCauseConcern,
    /// A special cause upwards, for a measure with no better direction.
    SpecialCauseNeutralHigh,
    /// A special cause downwards, for a measure with no better direction.
    SpecialCauseNeutralLow,
}

/// Why a point is special (or COMMON_CAUSE).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::rules::Rule")]
pub enum SpcRule {
    /// A point above the upper process limit.
    AboveUpperLimit,
    /// A point below the lower process limit.
    BelowLowerLimit,
    /// A run of points each higher than the one before (7 by default).
    TrendIncreasing,
    /// A run of points each lower than the one before (7 by default).
    TrendDecreasing,
    /// Two of three points in a row near or beyond the upper limit.
    TwoInThreeAbove,
    /// Two of three points in a row near or beyond the lower limit.
    TwoInThreeBelow,
    /// A run of points above the mean (7 by default).
    ShiftAbove,
    /// A run of points below the mean (7 by default).
    ShiftBelow,
    /// No rule broken.
    CommonCause,
}

/// Whether a measure will meet its target if nothing changes (Making Data Count's assurance icons):
/// judged from the process limits and the target.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::Assurance")]
pub enum Assurance {
    /// The target lies outside the process limits on the right side: the process will meet it every
    /// time.
    ConsistentPass,
    /// The target lies outside the process limits on the wrong side: the process will not meet it
    /// without a change.
    ConsistentFail,
    /// The target lies between the process limits: the process will sometimes meet it and sometimes
    /// not.
    Inconsistent,
}

/// Rule presets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::chart::Preset")]
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
    /// The median time between the two activities.
    MedianTime,
    /// The mean time between the two activities.
    MeanTime,
    /// The 90th percentile of the time between the two activities.
    P90Time,
    /// How many cases' first `fromActivity` falls in the period.
    CaseCount,
    /// The share of cases within the target time: a proportion from 0 to 1, shown as a
    /// percentage.
    PercentWithinTarget,
    /// The share of cases whose first `fromActivity` is followed by a `toActivity` (a branch
    /// taken, or a return for rework): a proportion from 0 to 1, shown as a percentage.
    PercentReaching,
}

/// How a measure from a log groups cases: weeks start on Monday; England dates.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::Period")]
pub enum LogPeriod {
    /// Weeks starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

/// The unit of a time measure's values.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::TimeUnit")]
pub enum TimeUnit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
}

/// The shape of a simulated time (a step's service time or a transition's delay).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::values::DistributionKind")]
pub enum DistributionKind {
    /// Always `meanMinutes`.
    Fixed,
    /// Exponential with mean `meanMinutes`.
    Exponential,
    /// Lognormal with mean `meanMinutes` and standard deviation `sdMinutes`.
    Lognormal,
    /// Gamma with mean `meanMinutes` and standard deviation `sdMinutes`.
    Gamma,
    /// Triangular from `minMinutes` to `maxMinutes` with mean `meanMinutes`.
    Triangular,
    /// One of `samples`, each as likely.
    Empirical,
}

/// A day of the week.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::values::Weekday")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}
