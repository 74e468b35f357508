//! Callers verified from API tokens, kept for a short time so that a request does not pay three
//! statements and a hash lookup to learn who is asking.
//!
//! Two rules keep it honest:
//! - a write committed by this process that changes access (a new membership, a token issued
//!   or revoked, a new organisation's administrator) forgets everything, so the change shows on
//!   the very next request; an entry records the generation it was read under, so a caller read
//!   before such a change and stored after it is never served;
//! - a token revoked, or a membership changed, by another process (the `qiflow token` command,
//!   another replica) is seen within [`TTL`].

use crate::caller::Caller;
use quick_cache::sync::Cache;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a verified caller is trusted without asking the database again.
pub const TTL: Duration = Duration::from_secs(30);

/// Most tokens remembered at once.
const CAPACITY: usize = 10_000;

#[derive(Clone)]
struct Entry {
    caller: Caller,
    generation: u64,
    until: Instant,
}

static ENTRIES: LazyLock<Cache<String, Entry>> = LazyLock::new(|| Cache::new(CAPACITY));
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The generation to record with a caller about to be read from the database.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// The caller of a token hash, if verified recently and nothing has been written since.
pub fn get(token_hash: &str) -> Option<Caller> {
    let entry = ENTRIES.get(token_hash)?;
    (entry.generation == generation() && entry.until > Instant::now()).then_some(entry.caller)
}

/// Remembers a caller read under `generation` until `TTL` from now, or the token's expiry if
/// sooner.
pub fn put(token_hash: String, caller: Caller, generation: u64, expires_in: Duration) {
    let until = Instant::now() + TTL.min(expires_in);
    ENTRIES.insert(
        token_hash,
        Entry {
            caller,
            generation,
            until,
        },
    );
}

/// Forgets every caller (after a committed write, which may have changed who may do what).
pub fn forget_all() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_after_the_read_keeps_the_stale_caller_out() {
        let read_under = generation();
        forget_all();
        put("h1".into(), Caller::Installation, read_under, TTL);
        assert!(get("h1").is_none(), "read before a write, stored after it");
        put("h1".into(), Caller::Installation, generation(), TTL);
        assert_eq!(get("h1"), Some(Caller::Installation));
        forget_all();
        assert!(get("h1").is_none());
        put(
            "h2".into(),
            Caller::Installation,
            generation(),
            Duration::ZERO,
        );
        assert!(get("h2").is_none(), "an expired token is not served");
    }
}
