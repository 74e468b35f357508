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
    let key = ctx.item.node.response_key().node.to_string();
    request(ctx)
        .operation(field.name(), named)
        .answering_as(&key)
}

pub(super) fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
}

/// Parses an id argument, naming the argument when it is not an id.
/// The id of the organisation `reference` names: its id, or its ODS code (every argument that
/// names an organisation takes either). An unknown code is `NOT_FOUND`; anything else that is
/// neither is a `VALIDATION` error naming `field`.
pub(super) async fn organisation_ref(
    ctx: &Context<'_>,
    field: &str,
    reference: &ID,
) -> async_graphql::Result<Uuid> {
    if let Ok(id) = Uuid::parse_str(reference.as_str()) {
        return Ok(id);
    }
    let code = engine::OdsCode::parse(reference.as_str()).map_err(|_| {
        crate::Error::invalid(
            field,
            format!(
                "'{}' is neither an organisation's id nor an ODS code",
                reference.as_str()
            ),
        )
    })?;
    Ok(
        crate::store::organisations::by_codes(db(ctx)?, std::slice::from_ref(&code))
            .await?
            .remove(&code)
            .map(|o| o.id)
            .ok_or_else(|| crate::Error::not_found("organisation", code.as_str()))?,
    )
}

/// The ODS code of the organisation `reference` names: its ODS code, or its id.
pub(super) async fn organisation_code(
    ctx: &Context<'_>,
    field: &str,
    reference: &str,
) -> async_graphql::Result<String> {
    match Uuid::parse_str(reference.trim()) {
        Ok(id) => Ok(
            crate::store::organisations::get(db(ctx)?, &caller_of(ctx), id)
                .await
                .map_err(|_| {
                    crate::Error::invalid(field, format!("there is no organisation {id}"))
                })?
                .organisation
                .ods_code
                .to_string(),
        ),
        Err(_) => Ok(reference.to_string()),
    }
}

pub(super) fn parse_id(field: &str, id: &ID) -> Result<Uuid, crate::Error> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| crate::Error::invalid(field, format!("'{}' is not an id", id.as_str())))
}

/// The items of unpaginated lists (steps, transitions, their figures, hotspots) an operation has
/// resolved, against its most ([`crate::limits::Limits::list_items`]). Their sizes are only
/// known once each pathway is read, so static complexity cannot bound them; this does, as they
/// are resolved.
#[derive(Debug)]
pub struct ListBudget {
    used: std::sync::atomic::AtomicUsize,
    max: usize,
}

impl ListBudget {
    pub fn new(max: usize) -> Self {
        Self {
            used: Default::default(),
            max,
        }
    }
}

/// Charges `n` items of the list `field` to the operation, or refuses it once the operation has
/// asked for more than its budget.
pub(super) fn charge_items(ctx: &Context<'_>, field: &str, n: usize) -> Result<(), crate::Error> {
    let Some(budget) = ctx.data_opt::<ListBudget>() else {
        return Ok(());
    };
    let used = budget
        .used
        .fetch_add(n, std::sync::atomic::Ordering::Relaxed)
        .saturating_add(n);
    if used > budget.max {
        return Err(crate::Error::invalid(
            field,
            format!(
                "this request asks for more than {} steps, transitions and figures; ask for fewer pathways at a time (first:) or fewer lists",
                budget.max
            ),
        ));
    }
    Ok(())
}
