//! The store: the only place that maps rows to engine types and the only place that scopes data
//! to the caller ([`scope`]). Every function takes the caller (reads) or the request context
//! (writes); each write runs in one transaction that records its audit entry before it commits
//! ([`audit::commit`]), so nothing is ever half-saved or unrecorded. Reads take
//! `&impl ConnectionTrait` (so a write can call them inside its transaction); writes take the
//! connection and open their one transaction themselves; the `*_for_read` functions that fill
//! the per-version caches run outside any transaction on purpose.

pub mod access;
pub mod agreements;
pub mod audit;
pub mod caller_cache;
pub mod comments;
pub mod cycles;
pub mod drivers;
mod event_copy;
pub mod event_type;
pub mod events;
pub mod imports;
pub mod log_comparisons;
pub mod log_measures;
pub mod measure_events;
pub mod measures;
pub mod members;
pub mod mining;
pub mod nodes;
pub mod organisations;
pub mod outbox;
pub mod pathway_edits;
pub mod pathways;
pub mod projects;
pub mod reports;
pub mod rows;
pub mod scope;
pub mod shares;
pub mod simulations;
pub mod step_edits;
pub mod studies;
pub mod tokens;
pub mod versions;
pub mod webhooks;

pub use organisations::OrganisationRecord;
pub use pathways::{PathwayContent, PathwayRecord};
