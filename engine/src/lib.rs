//! qiflow's pure domain: care pathways as graphs, their validation and the pathway document,
//! analysis and what-if, SPC and PDSA cycles, event logs and process mining, and the pictures.
//!
//! Nothing here touches a database, the network or an async runtime: data in, data out. The API
//! layer parses user input into these types once (so the rest of qiflow never re-checks it), and the
//! store maps rows to and from them.

pub mod agreement;
pub mod analysis;
pub mod budget;
pub mod compare;
pub mod document;
mod document_errors;
pub mod error;
pub mod events;
pub mod graph;
pub mod judgement;
pub mod measure;
pub mod measure_suggestions;
pub mod pathway;
pub mod pdsa;
pub mod rebase;
pub mod render;
pub mod report;
pub mod simulation;
pub mod spc;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validation;
pub mod values;
pub mod whatif;

pub use analysis::{Analysis, Hotspot, HotspotKind, analyse};
pub use document::{ParsedDocument, PathwayDocument, PathwayHeader};
pub use error::{FieldError, InputErrors};
pub use pathway::{Organisation, PathwayMap, Step, StepInput, Transition, TransitionInput};
pub use validation::{Problem, ProblemCode, validate};
pub use values::{
    ChartType, DriverKind, Handoff, ImprovementDirection, MeasureKind, MemberRole, Minutes,
    OdsCode, OrganisationKind, PathwayStatus, PerDay, Percent, Probability, ProjectStatus, StepKey,
    StepKind, ValueClass, WasteKind,
};
pub use whatif::{Change, WhatIf, WhatIfError, what_if};
