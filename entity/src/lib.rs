//! sea-orm entities of qiflow's tables. Thin by design: rows only, no logic. The store in `api`
//! maps them to and from the engine's domain types. Enumerations are stored as their upper-case
//! names (text), so both SQLite and PostgreSQL hold the same values.

pub mod agreement;
pub mod api_token;
pub mod audit_event;
pub mod comment;
pub mod cycle_move;
pub mod cycle_observation;
pub mod data_point;
pub mod driver;
pub mod event_import;
pub mod event_log;
pub mod improvement_project;
pub mod log_event;
pub mod measure;
pub mod membership;
pub mod notification_event;
pub mod organisation;
pub mod pathway;
pub mod pdsa_cycle;
pub mod principal;
pub mod project_member;
pub mod share;
pub mod simulation_run;
pub mod step;
pub mod transition;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;

pub mod prelude {
    pub use super::organisation::Entity as Organisation;
    pub use super::pathway::Entity as Pathway;
    pub use super::step::Entity as Step;
    pub use super::transition::Entity as Transition;
}
