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
    /// The response key (alias or name) of the mutation field this context writes for.
    pub key: Arc<str>,
    /// The keys of the request's mutation fields whose writes have committed, and how many
    /// commits are in flight, shared by every context of the request: a request stopped by its
    /// time limit waits for those to settle, then says which were done.
    done: Arc<Commits>,
}

/// What the writes of one request have committed so far.
#[derive(Debug, Default)]
pub struct Commits {
    keys: std::sync::Mutex<Vec<Arc<str>>>,
    /// Whether the request has written anything, an audit entry of a read included.
    wrote: std::sync::atomic::AtomicBool,
    in_flight: tokio::sync::watch::Sender<usize>,
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
            key: operation.into(),
            done: Arc::default(),
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
            key: operation.into(),
            named,
            ..self.clone()
        }
    }

    /// The same context answering under the response key `key` (a field's alias).
    pub fn answering_as(self, key: &str) -> Self {
        Self {
            key: key.into(),
            ..self
        }
    }

    /// Notes that this context's write has committed.
    pub fn mark_done(&self) {
        let mut done = self.done.keys.lock().unwrap_or_else(|e| e.into_inner());
        if !done.contains(&self.key) {
            done.push(self.key.clone());
        }
    }

    /// Notes that the request writes (a change, or the audit entry of a read): its answer
    /// must not be served again without running it (see `answers.rs`).
    pub fn writes(&self) {
        self.done
            .wrote
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`Self::writes`] was called for any context of the request.
    pub fn wrote(&self) -> bool {
        self.done.wrote.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes that a commit of this request has started (`true`) or ended (`false`).
    pub fn committing(&self, started: bool) {
        self.done.in_flight.send_modify(|n| {
            *n = if started { *n + 1 } else { n.saturating_sub(1) };
        });
    }

    /// The response keys of the request's mutation fields whose writes have committed, once no
    /// commit is in flight (or `wait` has passed).
    pub async fn done_when_settled(&self, wait: std::time::Duration) -> Vec<Arc<str>> {
        let mut in_flight = self.done.in_flight.subscribe();
        let _ = tokio::time::timeout(wait, in_flight.wait_for(|n| *n == 0)).await;
        self.done()
    }

    /// The response keys of the request's mutation fields whose writes have committed.
    pub fn done(&self) -> Vec<Arc<str>> {
        self.done
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_marked_done_is_seen_by_the_whole_request() {
        let request = RequestContext::command("graphql");
        let field = request
            .operation("createOrganisation", vec![])
            .answering_as("a");
        field.mark_done();
        field.mark_done();
        let other = request
            .operation("createOrganisation", vec![])
            .answering_as("b");
        assert_eq!(other.done(), vec![Arc::<str>::from("a")]);
        assert_eq!(
            RequestContext::command("graphql").done(),
            Vec::<Arc<str>>::new()
        );
    }
}
