//! Answers to reads, kept and served again while the database has not changed.
//!
//! Clients send the same reads again and again (a page polling a pathway, a board's dashboard, an
//! integration reading every minute), and most of a read's cost is async-graphql resolving a few
//! hundred fields and one statement to find what the caller may see (see "What a request costs"
//! in the README). An answer depends only on the request body, who asks (the caller with its
//! memberships), the media type asked for, the rows in the database and, for a few fields, the
//! date. So an answer is kept under (caller, media type, body) with the database's state read
//! *before* the read ran ([`crate::generation`]), and served while a state read *after* the new
//! request arrived is the same: any commit in between, by this process or another, makes it
//! stale. A read that writes (the audit entry of a read of patient-level aggregates) is never
//! kept, so every such read is recorded. Answers with errors are never kept, and an answer is
//! kept only when its request comes a second time, so reads never repeated cost almost nothing.
//!
//! Bounded by the bytes kept, and each answer lives at most [`FRESH_FOR`]: the few fields that
//! read the clock (today's date in a study's judgements and the report) are at most that old.

use crate::caller::Caller;
use crate::generation::{Generation, State};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an answer may be served (see the module's note on the clock).
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// Total bytes of request and answer bodies kept.
const CAPACITY_BYTES: u64 = 32 * 1024 * 1024;

/// Answers larger than this are not kept: they are rare, and would push out many small ones.
const LARGEST_KEPT: usize = 1024 * 1024;

/// What an answer is kept under.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    caller: Caller,
    media_type: &'static str,
    body: Arc<[u8]>,
}

impl Key {
    pub fn new(caller: &Caller, media_type: &'static str, body: &[u8]) -> Self {
        Self {
            caller: caller.clone(),
            media_type,
            body: body.into(),
        }
    }
}

/// A kept answer.
#[derive(Clone)]
pub struct Answer {
    /// The database's state before the read ran.
    state: State,
    made: Instant,
    /// The rate-limit points the request costs (charged again on every hit).
    pub cost: u32,
    pub body: Arc<[u8]>,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Answer> for ByBytes {
    fn weight(&self, key: &Key, answer: &Answer) -> u64 {
        (key.body.len() + answer.body.len() + 128) as u64
    }
}

/// What [`Answers::find`] found.
pub enum Found {
    /// An answer to serve.
    Fresh(Answer),
    /// An answer made before the last commit; the database's state now.
    Stale(Option<State>),
    Missing,
}

/// Whether the operation `operation_name` of `document` only reads (a query, not a mutation or
/// a subscription). Unknown operations are not reads: the schema refuses them.
pub fn only_reads(
    document: &async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_some_and(|op| op.node.ty == OperationType::Query)
}

/// How many requests [`Answers::asked_before`] remembers having seen once.
const REMEMBERED: usize = 65_536;

/// The kept answers of one server.
pub struct Answers {
    kept: Cache<Key, Answer, ByBytes>,
    /// Hashes of requests seen once: an answer is kept only when its request comes a second
    /// time, so reads that are never repeated (a client paging through, variables that always
    /// differ) cost a hash, not a wait for the database's state and a copy into the cache.
    seen: Cache<u64, ()>,
    hasher: std::collections::hash_map::RandomState,
    generation: Generation,
}

impl Answers {
    pub fn new(db: &sea_orm::DatabaseConnection) -> Self {
        Self {
            kept: Cache::with_weighter(16_384, CAPACITY_BYTES, ByBytes),
            seen: Cache::new(REMEMBERED),
            hasher: Default::default(),
            generation: Generation::new(db),
        }
    }

    /// Whether the request `key` was seen before (recently); remembers it if not.
    pub fn asked_before(&self, key: &Key) -> bool {
        use std::hash::BuildHasher as _;
        let hash = self.hasher.hash_one(key);
        if self.seen.get(&hash).is_some() {
            return true;
        }
        self.seen.insert(hash, ());
        false
    }

    /// The kept answer to `key` if it is still fresh and the database has not changed since it
    /// was made.
    pub async fn find(&self, key: &Key) -> Found {
        let kept = self
            .kept
            .get(key)
            .filter(|answer| answer.made.elapsed() < FRESH_FOR);
        let Some(kept) = kept else {
            return Found::Missing;
        };
        let now = self.generation.current().await;
        if now.as_ref() == Some(&kept.state) {
            Found::Fresh(kept)
        } else {
            Found::Stale(now)
        }
    }

    /// The database's state now (`None`: answers cannot be kept).
    pub async fn state(&self) -> Option<State> {
        self.generation.current().await
    }

    /// Keeps the answer `body` to `key`, made from the database in `state` (read before the
    /// request ran).
    pub fn keep(&self, key: Key, state: State, cost: u32, body: &[u8]) {
        if body.len() > LARGEST_KEPT {
            return;
        }
        self.kept.insert(
            key,
            Answer {
                state,
                made: Instant::now(),
                cost,
                body: body.into(),
            },
        );
    }
}
