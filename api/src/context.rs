//! The request context: who is asking, under which request id, for which operation, and when.
//! It is made once at the edge (a GraphQL field, an upload, a picture route, a CLI command) and
//! handed down; nothing below the edge reaches up for it. The store records every write it
//! makes under this context in the write's own transaction.

use crate::caller::Caller;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// What every store write needs to know about the request behind it.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub caller: Caller,
    /// The request's id, in the server's log lines and in the audit trail.
    pub request_id: Arc<str>,
    /// What the audit trail calls this operation: a GraphQL field (`publishPathway`), a route
    /// (`uploadEvents`) or a command (`import-events`).
    pub operation: Arc<str>,
    /// Ids the request named in its arguments: recorded with the objects its writes touch, so
    /// the owners of everything named see the entry.
    pub named: Vec<Uuid>,
    /// When the request arrived (the clock every write of the request reads).
    pub started_at: DateTime<Utc>,
}

impl RequestContext {
    /// A request from outside (HTTP), with a new request id.
    pub fn new(caller: Caller, operation: &str) -> Self {
        Self {
            caller,
            request_id: Uuid::now_v7().to_string().into(),
            operation: operation.into(),
            named: Vec::new(),
            started_at: Utc::now(),
        }
    }

    /// A command run on the server itself (the installation), such as `qiflow import-events`.
    pub fn command(operation: &str) -> Self {
        Self::new(Caller::Installation, operation)
    }

    /// The same request doing a named operation (one field of a GraphQL mutation).
    pub fn operation(&self, operation: &str, named: Vec<Uuid>) -> Self {
        Self {
            operation: operation.into(),
            named,
            ..self.clone()
        }
    }

    /// The same request on behalf of another caller (a caller that has just been made an
    /// organisation's administrator inside the write).
    pub fn as_caller(&self, caller: Caller) -> Self {
        Self {
            caller,
            ..self.clone()
        }
    }
}
