//! Wakes this process's webhook deliverer and GraphQL subscribers when a write that put events
//! in the outbox commits, so they need not poll to be quick (they still poll, for what other
//! replicas commit). A process-wide signal because store writes reach it through their
//! transaction, which knows no server; where several servers share a process (the tests), a
//! wake-up meant for another only makes a deliverer look and find nothing.

use std::sync::LazyLock;
use tokio::sync::watch;

static COMMITS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Says that events were committed.
pub fn committed() {
    COMMITS.send_modify(|n| *n = n.wrapping_add(1));
}

/// A receiver whose `changed()` resolves after the next [`committed`].
pub fn watch() -> watch::Receiver<u64> {
    COMMITS.subscribe()
}
