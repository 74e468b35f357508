//! The store: the only place that maps rows to engine types and the only place that scopes data
//! to the caller. Every function takes the caller; each write runs in one transaction, so nothing
//! is ever half-saved.

pub mod cycles;
pub mod drivers;
pub mod events;
pub mod log_measures;
pub mod mining;
pub mod organisations;
pub mod pathways;
pub mod projects;
pub mod reports;
mod rows;

use crate::caller::Caller;
use sea_orm::Condition;

pub use organisations::OrganisationRecord;
pub use pathways::{PathwayContent, PathwayRecord};

/// Which pathways the caller may see. Access control narrows this; until then the installation
/// sees everything.
pub(crate) fn visible_pathways(caller: &Caller) -> Condition {
    match caller {
        Caller::Installation => Condition::all(),
    }
}

/// Which organisations the caller may see.
pub(crate) fn visible_organisations(caller: &Caller) -> Condition {
    match caller {
        Caller::Installation => Condition::all(),
    }
}

/// Rows are inserted in chunks to stay under SQLite's bound-parameter limit.
pub(crate) const INSERT_CHUNK: usize = 200;
