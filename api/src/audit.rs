//! The GraphQL edge's part of the audit trail. A mutation that changes anything records itself
//! in its own transaction (`store::audit::commit`); what is left for the edge is the attempts
//! that changed nothing because they were refused, recorded here with the refusal's code.

use crate::context::RequestContext;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection,
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// One top-level field of a mutation: its response key (alias or name), its name and the ids its
/// own arguments name (with variables substituted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutationField {
    pub key: String,
    pub name: String,
    pub named: Vec<Uuid>,
}

/// The top-level fields of the named (or only) operation of a parsed request when it is a
/// mutation, else nothing. The ids come from each field's arguments only, never from the rest
/// of the query's text: a comment or another field cannot plant an id in a refusal's entry.
pub fn mutation_fields(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &async_graphql::Variables,
) -> Vec<MutationField> {
    let operation = match (&document.operations, operation_name) {
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
            Selection::Field(f) => {
                let mut named = Vec::new();
                for (_, value) in &f.node.arguments {
                    let value = value.node.clone().into_const_with(|variable| {
                        Ok::<_, std::convert::Infallible>(
                            variables.get(&variable).cloned().unwrap_or_default(),
                        )
                    });
                    if let Ok(value) = value
                        && let Ok(json) = value.into_json()
                    {
                        ids_in(&json, &mut named);
                    }
                }
                Some(MutationField {
                    key: f.node.response_key().node.to_string(),
                    name: f.node.name.node.to_string(),
                    named,
                })
            }
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

/// Records each mutation field of a finished request that was refused (it has no data and the
/// response has errors): nothing was committed, so the entry is written on its own. Failures to
/// record are logged, never hidden from the operator, but do not change the response.
pub async fn record_refusals(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    fields: &[MutationField],
    response: &async_graphql::Response,
) {
    if fields.is_empty() || response.errors.is_empty() {
        return;
    }
    let data = serde_json::to_value(&response.data).unwrap_or_default();
    for field in fields {
        if !data.get(&field.key).is_none_or(serde_json::Value::is_null) {
            continue;
        }
        // The field's own error, else the request's (async-graphql refusing it before it ran:
        // VALIDATION, as the client sees).
        let error = response
            .errors
            .iter()
            .find(|e| {
                matches!(e.path.first(), Some(async_graphql::PathSegment::Field(k)) if *k == field.key)
            })
            .or(response.errors.first());
        let outcome = match error.map(crate::error::code_of) {
            Some(code) if !code.is_empty() => code,
            _ => "VALIDATION".to_string(),
        };
        let ctx = ctx.operation(&field.name, field.named.clone());
        if let Err(e) =
            crate::store::audit::record_alone(db, &ctx, &field.name, &[], &outcome).await
        {
            tracing::error!(error = ?e, request_id = %ctx.request_id, "could not record an audit entry");
        }
    }
}

/// Records each mutation field of a request stopped by its time limit that had not committed
/// as `NOT_RUN` (those that had are already recorded as done, in their own transactions).
pub async fn record_not_run(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    fields: &[MutationField],
    done: &[std::sync::Arc<str>],
) {
    for field in fields
        .iter()
        .filter(|f| !done.iter().any(|d| **d == *f.key))
    {
        let ctx = ctx.operation(&field.name, field.named.clone());
        if let Err(e) =
            crate::store::audit::record_alone(db, &ctx, &field.name, &[], "NOT_RUN").await
        {
            tracing::error!(error = ?e, request_id = %ctx.request_id, "could not record an audit entry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_and_ids_are_found() {
        let id = Uuid::now_v7();
        let planted = Uuid::now_v7();
        let variable = Uuid::now_v7();
        let request = async_graphql::Request::new(format!(
            "mutation($v: ID!) {{ publishPathway(id: \"{id}\", expectedVersion: 1) {{ id }} # {planted}\n other: archivePathway(id: $v, expectedVersion: 2) {{ id }} }}"
        ));
        let variables =
            async_graphql::Variables::from_json(serde_json::json!({ "v": variable.to_string() }));
        let fields = |q: &str| {
            mutation_fields(
                &async_graphql::parser::parse_query(q).unwrap(),
                None,
                &variables,
            )
        };
        let found = fields(&request.query);
        let names: Vec<_> = found
            .iter()
            .map(|f| (f.key.clone(), f.name.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("publishPathway".to_string(), "publishPathway".to_string()),
                ("other".to_string(), "archivePathway".to_string())
            ]
        );
        // Each field names only the ids of its own arguments; the comment's id is nobody's.
        assert_eq!(found[0].named, [id]);
        assert_eq!(found[1].named, [variable]);
        assert!(fields("{ pathways { totalCount } }").is_empty());
    }
}
