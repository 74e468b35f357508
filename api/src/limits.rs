//! What keeps a public GraphQL endpoint standing: limits on queries, bodies, time and rate.
//! Every number is a default that `qiflow serve` flags can change.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The limits of one server.
#[derive(Debug, Clone)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
    /// Directives in one query.
    pub directives: usize,
    /// Fields (with aliases) in one query, fragments included.
    pub fields: usize,
    /// Bytes of a `/graphql` body, counted as they are read.
    pub body_bytes: usize,
    /// Operations in one batch.
    pub max_batch: usize,
    pub timeout: Duration,
    /// Rate-limit points a principal gets per minute: a query costs 1, a mutation more.
    pub points_per_minute: u32,
    pub mutation_cost: u32,
    /// Development mode: introspection for every caller whatever `introspection` says.
    pub dev: bool,
    /// Who may introspect the schema (never an anonymous caller).
    pub introspection: Introspection,
    /// Open connections, per peer address, and the time a request head may take.
    pub connections: crate::connections::ConnectionLimits,
    /// The longest a request body may stop arriving before the request is abandoned.
    pub body_idle: Duration,
    /// Most items of unpaginated lists (steps, transitions, their figures, hotspots) one
    /// operation may resolve: about eight of the largest pathways (1,000 steps and 5,000
    /// transitions), or a hundred typical ones.
    pub list_items: usize,
    /// The largest answer `/graphql` sends, in bytes (a client needing more pages its lists).
    pub response_bytes: usize,
    /// Failed sign-ins (a token presented and refused) one peer address may make a minute;
    /// past them its requests are refused before any token is checked.
    pub auth_failures_per_minute: u32,
    /// Most bytes of an imported event's activity, organisation or resource.
    pub max_field_bytes: usize,
}

/// Who may introspect the schema: code generators and GraphiQL need it; anonymous callers never
/// get it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Introspection {
    /// Administrators of some organisation only.
    Admins,
    /// Every authenticated caller (the default).
    #[default]
    Authenticated,
    /// Nobody.
    Off,
}

impl Introspection {
    /// Whether `caller` may introspect.
    pub fn allows(self, caller: &crate::caller::Caller) -> bool {
        use crate::caller::Caller;
        match (self, caller) {
            (_, Caller::Anonymous) | (Introspection::Off, _) => false,
            (Introspection::Admins, c) => c.is_admin_somewhere(),
            (Introspection::Authenticated, _) => true,
        }
    }
}

impl std::str::FromStr for Introspection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admins" => Ok(Self::Admins),
            "authenticated" => Ok(Self::Authenticated),
            "off" => Ok(Self::Off),
            other => Err(format!("'{other}' is not admins, authenticated or off")),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 10,
            complexity: 2_000,
            directives: 5,
            fields: 500,
            body_bytes: 1024 * 1024,
            max_batch: 5,
            timeout: Duration::from_secs(10),
            points_per_minute: 1_200,
            mutation_cost: 5,
            dev: false,
            introspection: Introspection::Authenticated,
            connections: Default::default(),
            body_idle: Duration::from_secs(30),
            list_items: 50_000,
            response_bytes: 16 << 20,
            auth_failures_per_minute: 30,
            max_field_bytes: engine::events::bounded::MAX_FIELD_BYTES,
        }
    }
}

/// Why a body was not read (or not kept).
#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    Unreadable,
    /// No byte arrived for the idle limit.
    Stalled,
    /// Keeping it failed on our side (a full disk): not the client's fault.
    NotKept(std::io::Error),
}

/// Copies a body into `sink` chunk by chunk: at most `limit` bytes, and never waiting more than
/// `idle` for the next chunk. Reading and writing failures are told apart, because a failure to
/// write (a full disk) is ours, not the client's. Returns the bytes copied.
pub async fn spool_body(
    body: impl tokio::io::AsyncRead + Unpin,
    sink: &mut (impl tokio::io::AsyncWrite + Unpin),
    limit: u64,
    idle: Duration,
) -> Result<u64, BodyError> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut body = body;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match tokio::time::timeout(idle, body.read(&mut chunk)).await {
            Err(_) => return Err(BodyError::Stalled),
            Ok(Err(_)) => return Err(BodyError::Unreadable),
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => n,
        };
        total += n as u64;
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        sink.write_all(&chunk[..n])
            .await
            .map_err(BodyError::NotKept)?;
    }
    sink.flush().await.map_err(BodyError::NotKept)?;
    Ok(total)
}

/// Reads a body, stopping as soon as it passes `limit` bytes (whatever `Content-Length` says,
/// and with chunked bodies that have none).
pub async fn read_limited(
    body: poem::Body,
    limit: usize,
    idle: Duration,
) -> Result<Vec<u8>, BodyError> {
    let mut bytes = Vec::new();
    spool_body(body.into_async_read(), &mut bytes, limit as u64, idle).await?;
    Ok(bytes)
}

/// Counts fields and directives of a parsed query with its fragments expanded: a check in time
/// linear in the document's size before the schema's own validation, against documents built to
/// exhaust it. (Documents that do not
/// parse never get here: the schema refuses them with its own message.)
pub fn check_shape(document: &ExecutableDocument, limits: &Limits) -> Result<(), String> {
    let (fields, directives) = count(document);
    if directives > limits.directives {
        return Err(format!(
            "the query has {directives} directives; at most {} are allowed",
            limits.directives
        ));
    }
    if fields == usize::MAX {
        return Err(format!(
            "the query's fragments spread one another in a circle, more than {MAX_FRAGMENT_DEPTH} deep, or into too many fields"
        ));
    }
    if fields > limits.fields {
        return Err(format!(
            "the query asks for {fields} fields once its fragments are spread; at most {} are allowed",
            limits.fields
        ));
    }
    Ok(())
}

/// Whether a query asks for the schema (`__schema` or `__type`; `__typename` is fine).
pub fn asks_for_introspection(document: &ExecutableDocument) -> bool {
    fn walk(set: &SelectionSet) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(f) => {
                matches!(f.node.name.node.as_str(), "__schema" | "__type")
                    || walk(&f.node.selection_set.node)
            }
            Selection::InlineFragment(i) => walk(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    document
        .operations
        .iter()
        .any(|(_, op)| walk(&op.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|f| walk(&f.node.selection_set.node))
}

/// Fragments may spread fragments this deep; deeper is refused (no real query comes close, and
/// it bounds the recursion below).
const MAX_FRAGMENT_DEPTH: usize = 32;

/// Fields and directives of a query as it would run: every spread of a fragment counts the
/// fragment's fields again, so a fragment spread twice at each of 30 levels asks for 2^30
/// fields. Each fragment is counted once and remembered, so this is linear in the document's size
/// (selection sets nest at most 64 deep, a limit of the parser). Counts saturate; a fragment
/// cycle, or a chain of spreads deeper than [`MAX_FRAGMENT_DEPTH`], counts as more than any limit;
/// a spread of an unknown fragment counts nothing (the schema refuses it).
fn count(document: &ExecutableDocument) -> (usize, usize) {
    use async_graphql::parser::types::FragmentDefinition;
    use async_graphql::{Name, Positioned};
    use std::collections::HashMap;

    #[derive(Clone, Copy)]
    enum Seen {
        Counting,
        Counted(usize, usize),
    }
    const TOO_MANY: (usize, usize) = (usize::MAX, usize::MAX);

    struct Counter<'a> {
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        seen: HashMap<&'a str, Seen>,
    }

    impl<'a> Counter<'a> {
        fn set(&mut self, set: &'a SelectionSet, depth: usize) -> (usize, usize) {
            let (mut fields, mut directives) = (0usize, 0usize);
            for item in &set.items {
                let (f, d) = match &item.node {
                    Selection::Field(field) => {
                        let (f, d) = self.set(&field.node.selection_set.node, depth);
                        (
                            f.saturating_add(1),
                            d.saturating_add(field.node.directives.len()),
                        )
                    }
                    Selection::InlineFragment(inline) => {
                        let (f, d) = self.set(&inline.node.selection_set.node, depth);
                        (f, d.saturating_add(inline.node.directives.len()))
                    }
                    Selection::FragmentSpread(spread) => {
                        let (f, d) = self.fragment(spread.node.fragment_name.node.as_str(), depth);
                        (f, d.saturating_add(spread.node.directives.len()))
                    }
                };
                fields = fields.saturating_add(f);
                directives = directives.saturating_add(d);
            }
            (fields, directives)
        }

        fn fragment(&mut self, name: &'a str, depth: usize) -> (usize, usize) {
            match self.seen.get(name) {
                Some(Seen::Counted(f, d)) => return (*f, *d),
                Some(Seen::Counting) => return TOO_MANY,
                None => {}
            }
            if depth >= MAX_FRAGMENT_DEPTH {
                return TOO_MANY;
            }
            let Some((key, fragment)) = self.fragments.get_key_value(name) else {
                return (0, 0);
            };
            self.seen.insert(key.as_str(), Seen::Counting);
            let (f, d) = self.set(&fragment.node.selection_set.node, depth + 1);
            let counted = (f, d.saturating_add(fragment.node.directives.len()));
            self.seen
                .insert(key.as_str(), Seen::Counted(counted.0, counted.1));
            counted
        }
    }

    let mut counter = Counter {
        fragments: &document.fragments,
        seen: HashMap::new(),
    };
    let (mut fields, mut directives) = (0usize, 0usize);
    for (_, op) in document.operations.iter() {
        let (f, d) = counter.set(&op.node.selection_set.node, 0);
        fields = fields.saturating_add(f);
        directives = directives
            .saturating_add(d)
            .saturating_add(op.node.directives.len());
    }
    (fields, directives)
}

/// Where a request carries a NUL character, which no database stores in text (PostgreSQL
/// refuses it, SQLite cuts the text there): a variable's path, or `query` for a literal in the
/// query (raw or as the `\u0000` escape). O(size of the request).
pub fn nul_in(request: &async_graphql::Request) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, v)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(v, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(map) => map.iter().any(|(k, v)| {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                let found = walk(v, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    if request.query.contains('\0') || request.query.contains("\\u0000") {
        return Some("query".into());
    }
    let variables = serde_json::to_value(&request.variables).ok()?;
    let mut path = String::from("variables");
    walk(&variables, &mut path).then_some(path)
}

/// A token bucket per key (a principal, a peer address), refilled continuously: `per_minute`
/// points a minute, at most a minute's worth saved up. In memory, per server: each replica
/// limits on its own. Keys whose buckets are full again are forgotten when the map grows past
/// [`MAX_TRACKED`], so many one-off clients cannot grow it without bound.
#[derive(Debug)]
pub struct RateLimiter<K = Uuid> {
    per_minute: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

/// Keys a [`RateLimiter`] holds before it forgets those with full buckets.
pub const MAX_TRACKED: usize = 100_000;

impl<K: std::hash::Hash + Eq + Copy> RateLimiter<K> {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `cost` points, or says in how many whole seconds they will be there.
    pub fn take(&self, key: K, cost: u32) -> Result<(), u64> {
        self.check(key, cost, true)
    }

    /// Whether `cost` points are there, without taking them.
    pub fn has(&self, key: K, cost: u32) -> Result<(), u64> {
        self.check(key, cost, false)
    }

    fn check(&self, key: K, cost: u32, take: bool) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            let per_minute = self.per_minute;
            buckets.retain(|_, (points, at)| {
                *points + now.duration_since(*at).as_secs_f64() * per_minute / 60.0 < per_minute
            });
        }
        let (points, at) = buckets.entry(key).or_insert((self.per_minute, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0;
        *points = (*points + refill).min(self.per_minute);
        *at = now;
        let cost = cost as f64;
        if *points >= cost {
            if take {
                *points -= cost;
            }
            return Ok(());
        }
        let missing = cost - *points;
        Err((missing * 60.0 / self.per_minute).ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12: a full disk during an upload was a VALIDATION quoting the OS error.
    #[tokio::test(start_paused = true)]
    async fn a_body_that_stalls_or_cannot_be_kept_is_told_apart_from_a_bad_one() {
        struct FullDisk;
        impl tokio::io::AsyncWrite for FullDisk {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                _: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::task::Poll::Ready(Err(std::io::Error::from_raw_os_error(28)))
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
        }
        let idle = Duration::from_secs(30);
        let kept = spool_body(&b"case_id"[..], &mut FullDisk, 100, idle).await;
        assert!(matches!(kept, Err(BodyError::NotKept(_))), "{kept:?}");
        let mut sink = Vec::new();
        assert!(matches!(
            spool_body(&b"0123456789"[..], &mut sink, 5, idle).await,
            Err(BodyError::TooLarge)
        ));
        let (_client, server) = tokio::io::duplex(64);
        assert!(matches!(
            spool_body(server, &mut sink, 100, idle).await,
            Err(BodyError::Stalled)
        ));
    }

    #[test]
    fn nul_characters_are_found_with_their_path() {
        let request = async_graphql::Request::new("mutation($i: In!) { f(input: $i) }").variables(
            async_graphql::Variables::from_json(
                serde_json::json!({"i": {"steps": [{"name": "ok"}, {"name": "a\u{0}b"}]}}),
            ),
        );
        assert_eq!(
            nul_in(&request).as_deref(),
            Some("variables.i.steps[1].name")
        );
        let inline = async_graphql::Request::new("mutation { f(name: \"a\\u0000b\") }");
        assert_eq!(nul_in(&inline).as_deref(), Some("query"));
        assert_eq!(nul_in(&async_graphql::Request::new("{ a }")), None);
    }

    #[test]
    fn shapes_are_counted_with_fragments_and_directives() {
        let limits = Limits {
            fields: 3,
            directives: 1,
            ..Limits::default()
        };
        let check = |q: &str| check_shape(&async_graphql::parser::parse_query(q).unwrap(), &limits);
        assert!(check("{ a b }").is_ok());
        assert!(check("{ a b c d }").is_err());
        assert!(check("{ ...F } fragment F on Query { a b c d }").is_err());
        assert!(check("{ a @skip(if: true) b @skip(if: true) }").is_err());
        // A fragment spread twice counts twice.
        assert!(check("{ ...F ...F } fragment F on Query { a b }").is_err());
        assert!(check("{ ...F } fragment F on Query { a b }").is_ok());
    }

    /// F0 spreads F1 twice, F1 spreads F2 twice ... 30 levels: about 1.4 KB asking for 2^30
    /// fields. Refused by counting each fragment once.
    fn bomb(levels: usize) -> String {
        let mut q = String::from("query { ...F0 }\n");
        for i in 0..levels {
            q.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        q.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
        q
    }

    #[test]
    fn fragments_are_counted_expanded_once_each() {
        let check = |q: &str| {
            check_shape(
                &async_graphql::parser::parse_query(q).unwrap(),
                &Limits::default(),
            )
        };
        let q = bomb(30);
        assert!(q.len() < 1_600, "{}", q.len());
        assert!(check(&q).unwrap_err().contains("fragments"));
        // 2^8 = 256 fields is within the default 500.
        assert!(check(&bomb(8)).is_ok());
        assert!(check(&bomb(9)).is_err());
        // A circle, and a chain deeper than the limit.
        assert!(
            check("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }").is_err()
        );
        let mut chain = String::from("{ ...C0 }\n");
        for i in 0..40 {
            chain.push_str(&format!("fragment C{i} on Query {{ ...C{} }}\n", i + 1));
        }
        chain.push_str("fragment C40 on Query { a }\n");
        assert!(check(&chain).is_err());
    }

    #[test]
    fn the_bucket_empties_and_says_when_to_come_back() {
        let limiter = RateLimiter::new(60);
        let p = Uuid::now_v7();
        for _ in 0..12 {
            assert!(limiter.take(p, 5).is_ok());
        }
        // 60 points spent; 5 more come back at one a second.
        let wait = limiter.take(p, 5).unwrap_err();
        assert!((4..=5).contains(&wait), "{wait}");
        assert!(
            limiter.take(Uuid::now_v7(), 5).is_ok(),
            "buckets are per principal"
        );
    }
}
