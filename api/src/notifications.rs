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

/// On PostgreSQL, wakes this process when another replica commits events: `LISTEN
/// qiflow_events` on a connection of its own (the outbox's `NOTIFY` carries only the event id;
/// readers read the outbox under their own scope). Reconnects after a second when the
/// connection drops.
pub fn listen_postgres(db: &sea_orm::DatabaseConnection) -> Option<tokio::task::JoinHandle<()>> {
    use sea_orm::sqlx::postgres::PgListener;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return None;
    }
    let pool = db.get_postgres_connection_pool().clone();
    Some(tokio::spawn(async move {
        loop {
            let listening = async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen("qiflow_events").await?;
                loop {
                    listener.recv().await?;
                    committed();
                }
                #[allow(unreachable_code)]
                Ok::<(), sea_orm::sqlx::Error>(())
            };
            if let Err(e) = listening.await {
                tracing::warn!("listening for other replicas' events: {e}");
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }))
}
