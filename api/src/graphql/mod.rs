//! The GraphQL schema: one query and one mutation object per feature area, merged.

mod access;
mod administration;
mod agreement;
mod analysis;
mod comments;
mod context;
pub use context::ListBudget;
mod cycles;
mod driver_mutations;
mod drivers;
mod enums;
mod event_log_mutations;
mod event_logs;
mod import_reading;
mod log_comparison;
mod measures;
mod mining;
mod node;
mod organisation;
mod paging;
mod pathway;
mod pathway_mutations;
mod project_mutations;
mod projects;
pub(crate) mod simulated_time;
mod simulation_calibration;
pub(crate) mod simulations;
mod studies;
pub mod subscriptions;
mod webhooks;
mod withdrawal;

use async_graphql::{MergedObject, Schema};
use sea_orm::DatabaseConnection;

pub use analysis::AnalysisCache;
pub use pathway::ContentLoader;
pub use projects::ProjectChildren;

/// Everything a caller may read: organisations, pathways and their analysis, improvement
/// projects, event logs, the audit trail, and any object by id.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    organisation::OrganisationQuery,
    pathway::PathwayQuery,
    analysis::AnalysisQuery,
    projects::ProjectQuery,
    cycles::CycleQuery,
    event_logs::EventLogQuery,
    access::AccessQuery,
    node::NodeQuery,
    webhooks::WebhookQuery,
);

/// Every change: each mutation runs in one transaction with its audit entry, and those that edit
/// a versioned record take the `expectedVersion` the caller last read (`CONFLICT` when stale).
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    organisation::OrganisationMutation,
    pathway_mutations::PathwayMutation,
    project_mutations::ProjectMutation,
    cycles::CycleMutation,
    driver_mutations::DriverMutation,
    event_log_mutations::EventLogMutation,
    access::AccessMutation,
    administration::AdministrationMutation,
    webhooks::WebhookMutation,
    simulations::SimulationMutation,
    simulation_calibration::SimulationCalibrationMutation,
    agreement::AgreementMutation,
    comments::CommentMutation,
);

pub type QiflowSchema = Schema<QueryRoot, MutationRoot, subscriptions::SubscriptionRoot>;

/// The schema over a database. Per-request data (the caller and the data loader) is added by the
/// HTTP layer; without it the schema still works (as the installation, without batching).
pub fn build_schema(
    db: DatabaseConnection,
    pseudonymiser: std::sync::Arc<engine::events::identifiers::Pseudonymiser>,
    limits: &crate::limits::Limits,
    webhooks: crate::deliverer::WebhookSettings,
) -> QiflowSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscriptions::SubscriptionRoot,
    )
    .data(db)
    .data(pseudonymiser)
    .data(AnalysisCache::default())
    .data(limits.clone())
    .data(webhooks)
    .limit_depth(limits.depth)
    .limit_complexity(limits.complexity)
    .limit_directives(limits.directives)
    .disable_suggestions()
    .finish()
}

/// The schema in SDL, as exported to `api/schema.graphql`.
pub fn schema_sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscriptions::SubscriptionRoot,
    )
    .finish()
    .sdl()
}
