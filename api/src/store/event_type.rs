//! The types of event other systems can be told about, by the names they subscribe to.

/// What happened: the names other systems subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    MeasureSignal,
    MeasurePointsRecorded,
    CycleMoved,
    ImportCompleted,
    ImportFailed,
    PathwayApprovalRequested,
    PathwayApproved,
    PathwayPublished,
    PathwayArchived,
    ProjectClosed,
    SimulationEnded,
    CommentAdded,
}

impl EventType {
    /// Every event type, in the order the documentation lists them.
    pub const ALL: [EventType; 12] = [
        EventType::MeasureSignal,
        EventType::MeasurePointsRecorded,
        EventType::CycleMoved,
        EventType::ImportCompleted,
        EventType::ImportFailed,
        EventType::PathwayApprovalRequested,
        EventType::PathwayApproved,
        EventType::PathwayPublished,
        EventType::PathwayArchived,
        EventType::ProjectClosed,
        EventType::SimulationEnded,
        EventType::CommentAdded,
    ];

    /// The name on the wire, e.g. `measure.signal`.
    pub fn name(self) -> &'static str {
        match self {
            EventType::MeasureSignal => "measure.signal",
            EventType::MeasurePointsRecorded => "measure.points_recorded",
            EventType::CycleMoved => "cycle.moved",
            EventType::ImportCompleted => "import.completed",
            EventType::ImportFailed => "import.failed",
            EventType::PathwayApprovalRequested => "pathway.approval_requested",
            EventType::PathwayApproved => "pathway.approved",
            EventType::PathwayPublished => "pathway.published",
            EventType::PathwayArchived => "pathway.archived",
            EventType::ProjectClosed => "project.closed",
            EventType::SimulationEnded => "simulation.ended",
            EventType::CommentAdded => "comment.added",
        }
    }

    /// What it means, for the documentation and the GraphQL schema.
    pub fn meaning(self) -> &'static str {
        match self {
            EventType::MeasureSignal => {
                "new points changed a measure's variation or assurance icon or raised a special cause; `data` carries the icons before and after and the points flagged, each with its rule"
            }
            EventType::MeasurePointsRecorded => {
                "points were recorded on a measure; `data.dates` lists them"
            }
            EventType::CycleMoved => {
                "a PDSA cycle moved to another stage; `data` has `from`, `to` and the decision"
            }
            EventType::ImportCompleted => "an upload of events to a log was imported",
            EventType::ImportFailed => "an upload of events to a log was refused",
            EventType::PathwayApprovalRequested => {
                "a draft pathway version was put to the organisations with steps in it for their agreement (each can then see it)"
            }
            EventType::PathwayApproved => {
                "an organisation with steps in a draft pathway version approved it"
            }
            EventType::PathwayPublished => "a pathway version was published",
            EventType::PathwayArchived => "a pathway version was archived",
            EventType::ProjectClosed => "an improvement project was closed",
            EventType::SimulationEnded => {
                "a simulation run of a pathway ended; `data.status` is FINISHED, FAILED or CANCELLED (`node(id:)` with `objectId` gives its result)"
            }
            EventType::CommentAdded => {
                "a comment was written on a pathway version, a step, a transition or a change idea (or an organisation asked for changes); `data` has `about`, `subjectId`, `author` and `body`"
            }
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}
