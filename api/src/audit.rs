//! The audit trail of the GraphQL API: every mutation is recorded after it ran (who, when, which
//! mutation, the ids it named or returned, the outcome). Reads of event-log aggregates are
//! recorded by their resolvers. Entries are only ever inserted.

use crate::caller::Caller;
use crate::store::access;
use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// The top-level fields of the request's operation when it is a mutation, else nothing.
pub fn mutation_fields(request: &async_graphql::Request) -> Vec<String> {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return Vec::new();
    };
    let operation = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    };
    let Some(operation) = operation else {
        return Vec::new();
    };
    if operation.node.ty != OperationType::Mutation {
        return Vec::new();
    }
    operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
        .collect()
}

/// Every id-shaped string in a JSON value (arguments, variables or a result).
pub fn ids_in(value: &serde_json::Value, out: &mut Vec<Uuid>) {
    match value {
        serde_json::Value::String(s) => {
            if let Ok(id) = Uuid::parse_str(s)
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| ids_in(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| ids_in(v, out)),
        _ => {}
    }
}

/// Ids written inline in the query text (`pathway(id: "...")`).
pub fn ids_in_text(text: &str, out: &mut Vec<Uuid>) {
    for token in text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-')) {
        if token.len() == 36
            && let Ok(id) = Uuid::parse_str(token)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
}

/// Records each mutation of a finished request. Failures to record are logged, never hidden
/// from the operator, but do not change the response.
pub async fn record_mutations(
    db: &DatabaseConnection,
    caller: &Caller,
    fields: &[String],
    mut ids: Vec<Uuid>,
    response: &async_graphql::Response,
    request_id: &str,
) {
    if fields.is_empty() {
        return;
    }
    if let Ok(data) = serde_json::to_value(&response.data) {
        ids_in(&data, &mut ids);
    }
    // Uncoded errors are async-graphql refusing the request: VALIDATION, as the client sees.
    let outcome = match response.errors.first().map(crate::error::code_of) {
        None => "OK".to_string(),
        Some(code) if code.is_empty() => "VALIDATION".to_string(),
        Some(code) => code,
    };
    // The caller's organisations and those owning what it named: both sides' administrators
    // see the entry.
    let mut organisations = caller.organisation_ids().unwrap_or_default();
    match access::owners_of(db, &ids).await {
        Ok(owners) => organisations.extend(owners),
        Err(e) => tracing::error!(error = ?e, request_id, "could not attribute an audit entry"),
    }
    organisations.sort();
    organisations.dedup();
    for field in fields {
        if let Err(e) = access::record(
            db,
            caller,
            field,
            &ids,
            &organisations,
            &outcome,
            request_id,
        )
        .await
        {
            tracing::error!(error = ?e, request_id, "could not record an audit entry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_and_ids_are_found() {
        let id = Uuid::now_v7();
        let request = async_graphql::Request::new(format!(
            "mutation {{ publishPathway(id: \"{id}\", expectedVersion: 1) {{ id }} other: archivePathway(id: \"x\", expectedVersion: 2) {{ id }} }}"
        ));
        assert_eq!(
            mutation_fields(&request),
            ["publishPathway", "archivePathway"]
        );
        let mut ids = Vec::new();
        ids_in_text(&request.query, &mut ids);
        assert_eq!(ids, [id]);
        assert!(
            mutation_fields(&async_graphql::Request::new("{ pathways { totalCount } }")).is_empty()
        );
    }
}
