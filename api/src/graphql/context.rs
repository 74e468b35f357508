//! What every resolver takes from the request: its context (caller, request id), the database,
//! the context of a mutation's write, and ids parsed with the argument named.

use crate::caller::Caller;
use crate::context::RequestContext;
use async_graphql::{Context, ID};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// The request's context as the HTTP edge made it; a schema run without one (tests, the
/// schema export) acts for nobody.
pub(super) fn request(ctx: &Context<'_>) -> RequestContext {
    ctx.data_opt::<RequestContext>()
        .cloned()
        .unwrap_or_else(|| RequestContext::new(Caller::Anonymous, ""))
}

/// Who is asking.
pub(super) fn caller_of(ctx: &Context<'_>) -> Caller {
    ctx.data_opt::<RequestContext>()
        .map(|r| r.caller.clone())
        .unwrap_or(Caller::Anonymous)
}

/// The context of a mutation field's write: the request's, naming this field and the ids in its
/// arguments (variables resolved), which the store records with the write in its transaction.
pub(super) fn change(ctx: &Context<'_>) -> RequestContext {
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

pub(super) fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// Parses an id argument, naming the argument when it is not an id.
pub(super) fn parse_id(field: &str, id: &ID) -> Result<Uuid, crate::Error> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| crate::Error::invalid(field, format!("'{}' is not an id", id.as_str())))
}
