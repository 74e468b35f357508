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

use crate::caller::Caller;
use crate::context::RequestContext;
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
    .data(AnalysisCache::default())
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

/// The request's context as the HTTP edge made it; a schema run without one (tests, the
/// schema export) acts for nobody.
fn request(ctx: &Context<'_>) -> RequestContext {
    ctx.data_opt::<RequestContext>()
        .cloned()
        .unwrap_or_else(|| RequestContext::new(Caller::Anonymous, ""))
}

/// Who is asking.
fn caller_of(ctx: &Context<'_>) -> Caller {
    ctx.data_opt::<RequestContext>()
        .map(|r| r.caller.clone())
        .unwrap_or(Caller::Anonymous)
}

/// The context of a mutation field's write: the request's, naming this field and the ids in its
/// arguments (variables resolved), which the store records with the write in its transaction.
fn change(ctx: &Context<'_>) -> RequestContext {
    let field = ctx.field();
    let mut named = Vec::new();
    if let Ok(arguments) = field.arguments() {
        for (_, value) in arguments {
            if let Ok(json) = value.into_json() {
                crate::audit::ids_in(&json, &mut named);
            }
        }
    }
    request(ctx).operation(field.name(), named)
}

fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// Parses an id argument, naming the argument when it is not an id.
fn parse_id(field: &str, id: &ID) -> Result<Uuid, crate::Error> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| crate::Error::invalid(field, format!("'{}' is not an id", id.as_str())))
}
