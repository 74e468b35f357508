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
