//! Which state of the database a request sees: a value that changes whenever anything commits,
//! from this process or any other (another replica, `qiflow import-events` on the same SQLite
//! file), and stays the same while nothing does. The answers cache (`answers.rs`) keeps a read's
//! answer under the value seen before the read and serves it only while the value is unchanged.
//!
//! SQLite: `PRAGMA data_version` on a connection of its own, outside the pool (it changes when any
//! *other* connection commits). PostgreSQL: the current snapshot (`txid_current_snapshot()`), whose
//! in-progress list and horizon change with every transaction that writes; two equal snapshots see
//! the same rows. In-memory SQLite has no second connection to ask, so there is no value.
//!
//! Asking is one statement; requests arriving together share one: a request waits for an ask that
//! *started after it arrived* (so it sees every commit made before it arrived) and reuses it, so
//! under load one statement serves every request that queued during the one before.

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

/// The database's state as a comparable value.
pub type State = std::sync::Arc<str>;

/// Asks the database for its state, sharing each ask among the requests waiting for it.
pub struct Generation {
    source: Source,
    /// Tickets: each arrival and each ask takes the next, so "started after I arrived" is a
    /// comparison of two tickets.
    tickets: AtomicU64,
    last: Mutex<Last>,
}

enum Source {
    Sqlite(Box<SqliteConnectOptions>),
    Postgres(DatabaseConnection),
    None,
}

#[derive(Default)]
struct Last {
    /// The ticket taken when the last ask started, and what it answered.
    ticket: u64,
    state: Option<State>,
    connection: Option<SqliteConnection>,
    /// SQLite connections opened so far: a new connection numbers its versions afresh, so the
    /// connection is part of the value.
    opened: u64,
}

impl Generation {
    /// For the database behind `db` (no value for in-memory SQLite or other backends).
    pub fn new(db: &DatabaseConnection) -> Self {
        let source = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let options = db.get_sqlite_connection_pool().connect_options();
                let file = options.get_filename().to_string_lossy();
                // sqlx names an in-memory database `file:sqlx-in-memory-N`; `mode=memory` URLs
                // also start with `file:`. A second connection would not see its commits.
                if file.starts_with("file:") || file == ":memory:" {
                    Source::None
                } else {
                    Source::Sqlite(Box::new((*options).clone()))
                }
            }
            DbBackend::Postgres => Source::Postgres(db.clone()),
            _ => Source::None,
        };
        Self {
            source,
            tickets: AtomicU64::new(1),
            last: Mutex::default(),
        }
    }

    /// The database's state as of some moment after this call began, or `None` when it cannot be
    /// told (then nothing may be served from or kept in the answers cache).
    pub async fn current(&self) -> Option<State> {
        if matches!(self.source, Source::None) {
            return None;
        }
        let arrived = self.tickets.fetch_add(1, Ordering::SeqCst);
        let mut last = self.last.lock().await;
        if last.ticket > arrived {
            return last.state.clone();
        }
        let ticket = self.tickets.fetch_add(1, Ordering::SeqCst);
        let state = self.ask(&mut last).await;
        last.ticket = ticket;
        last.state = state.clone();
        state
    }

    async fn ask(&self, last: &mut Last) -> Option<State> {
        match &self.source {
            Source::None => None,
            Source::Postgres(db) => {
                let statement = Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT txid_current_snapshot()::text AS state",
                );
                match db.query_one_raw(statement).await {
                    Ok(Some(row)) => row.try_get::<String>("", "state").ok().map(State::from),
                    Ok(None) => None,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read the database's snapshot");
                        None
                    }
                }
            }
            Source::Sqlite(options) => {
                if last.connection.is_none() {
                    match options.connect().await {
                        Ok(c) => {
                            last.connection = Some(c);
                            last.opened += 1;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "could not open SQLite to read its data version");
                            return None;
                        }
                    }
                }
                let connection = last.connection.as_mut()?;
                let version: Result<i64, _> = sea_orm::sqlx::query_scalar("PRAGMA data_version")
                    .fetch_one(&mut *connection)
                    .await;
                match version {
                    Ok(v) => Some(State::from(format!("{}:{v}", last.opened))),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read SQLite's data version");
                        if let Some(c) = last.connection.take() {
                            let _ = c.close().await;
                        }
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite_file() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("g.db").display());
        let db = crate::db::connect(&url).await.expect("connects");
        db.execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .expect("creates");
        (dir, db)
    }

    #[tokio::test]
    async fn the_state_changes_with_every_commit_and_only_then() {
        let (_dir, db) = sqlite_file().await;
        let generation = Generation::new(&db);
        let before = generation.current().await.expect("a state");
        assert_eq!(generation.current().await.as_ref(), Some(&before));
        db.execute_unprepared("SELECT count(*) FROM t")
            .await
            .expect("reads");
        assert_eq!(generation.current().await.as_ref(), Some(&before));
        db.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .expect("writes");
        let after = generation.current().await.expect("a state");
        assert_ne!(after, before);
        // Another process's connection to the same file counts as well.
        let other = crate::db::connect(&format!("sqlite://{}", _dir.path().join("g.db").display()))
            .await
            .expect("connects");
        other
            .execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .expect("writes");
        assert_ne!(generation.current().await.as_ref(), Some(&after));
    }

    #[tokio::test]
    async fn in_memory_sqlite_has_no_state() {
        let db = crate::db::connect("sqlite::memory:")
            .await
            .expect("connects");
        assert_eq!(Generation::new(&db).current().await, None);
    }

    #[tokio::test]
    async fn requests_waiting_together_share_one_ask_that_started_after_they_arrived() {
        let (_dir, db) = sqlite_file().await;
        let generation = std::sync::Arc::new(Generation::new(&db));
        let first = generation.current().await;
        let asks_before = generation.tickets.load(Ordering::SeqCst);
        // An ask in progress, made to last until all 20 requests have arrived behind it (left to
        // the scheduler, how many arrive during one ask depends on the machine's load, and the
        // test failed under load with one ask each).
        let in_progress = generation.last.lock().await;
        let waiting: Vec<_> = (0..20)
            .map(|_| {
                let g = generation.clone();
                tokio::spawn(async move { g.current().await })
            })
            .collect();
        while generation.tickets.load(Ordering::SeqCst) - asks_before < 20 {
            tokio::task::yield_now().await;
        }
        drop(in_progress);
        for w in waiting {
            assert_eq!(w.await.expect("runs"), first);
        }
        // 20 arrivals took 20 tickets and one ask, started after they all arrived, served them.
        let taken = generation.tickets.load(Ordering::SeqCst) - asks_before;
        assert_eq!(taken, 21, "{taken} tickets for 20 requests");
    }
}
