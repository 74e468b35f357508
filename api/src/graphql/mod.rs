//! The GraphQL schema: one query and one mutation object per feature area, merged.

mod access;
mod analysis;
mod cycles;
mod drivers;
mod enums;
mod event_logs;
mod organisation;
mod pathway;
mod pathway_mutations;
mod projects;

use async_graphql::{Context, EmptySubscription, ID, MergedObject, Schema};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

pub use analysis::AnalysisCache;
pub use pathway::ContentLoader;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    organisation::OrganisationQuery,
    pathway::PathwayQuery,
    analysis::AnalysisQuery,
    projects::ProjectQuery,
    cycles::CycleQuery,
    event_logs::EventLogQuery,
    access::AccessQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    organisation::OrganisationMutation,
    pathway_mutations::PathwayMutation,
    projects::ProjectMutation,
    cycles::CycleMutation,
    drivers::DriverMutation,
    event_logs::EventLogMutation,
    access::AccessMutation,
);

pub type QiflowSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema over a database. Per-request data (the caller and the data loader) is added by the
/// HTTP layer; without it the schema still works (as the installation, without batching).
pub fn build_schema(
    db: DatabaseConnection,
    pseudonymiser: std::sync::Arc<engine::events::identifiers::Pseudonymiser>,
    limits: &crate::limits::Limits,
) -> QiflowSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .data(db)
    .data(pseudonymiser)
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
        EmptySubscription,
    )
    .finish()
    .sdl()
}

fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// Parses an id argument, naming the argument when it is not an id.
fn parse_id(field: &str, id: &ID) -> Result<Uuid, crate::Error> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| crate::Error::invalid(field, format!("'{}' is not an id", id.as_str())))
}
