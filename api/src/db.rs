//! Connecting to the database (an SQLite file by default, or PostgreSQL) and running migrations.

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The database used when none is given: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://qiflow.db";

/// How long an SQLite writer waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a connection pool. SQLite files are created if missing and run in WAL mode with foreign
/// keys on and a busy timeout, so concurrent readers never block and writers queue.
/// A PostgreSQL URL on this machine (`localhost`, `127.0.0.1`, `::1` or a socket) without an
/// `sslmode` is used without TLS: encrypting loopback traffic costs CPU on every statement and
/// protects nothing. Give `sslmode=require` (or `verify-full`) for a server elsewhere.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(local_postgres_without_tls(url));
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A ping on every checkout is a round trip (on SQLite, a hop to its worker thread) per
        // statement; only connections idle long enough to have been dropped are checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    } else {
        options.max_connections(16);
    }
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact(url)))
}

/// `url` with `sslmode=disable` added when it names a PostgreSQL server on this machine and
/// says nothing of TLS.
fn local_postgres_without_tls(url: &str) -> String {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        || url.contains("sslmode=")
    {
        return url.to_string();
    }
    let after_scheme = &url[url.find("://").map_or(0, |i| i + 3)..];
    let authority = after_scheme.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let local = matches!(host, "" | "localhost" | "127.0.0.1" | "::1") || url.contains("host=/");
    if !local {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=disable")
}

/// Brings the schema up to date; safe to run on every start and from several replicas.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("running database migrations")
}

/// A transaction that writes. On SQLite it also holds this process's turn to write: SQLite
/// takes one writer at a time, and writers that find the lock taken sleep and retry on the busy
/// timeout (hundreds of futex calls and a p99 of half a second at 50 writers). Queueing them
/// here, on an async mutex per database file, hands the lock over in order without sleeping.
/// Other processes writing the same file still queue on the busy timeout.
pub struct WriteTransaction {
    tx: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
    access_changed: std::sync::atomic::AtomicBool,
    notified: std::sync::atomic::AtomicBool,
}

impl WriteTransaction {
    /// Notes that the write put an event in the outbox, so this process's deliverers and
    /// subscribers are woken once it commits.
    pub(crate) fn notifies(&self) {
        self.notified
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`Self::notifies`] was called.
    pub(crate) fn notified(&self) -> bool {
        self.notified.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Notes that the write changes who may do what (a membership, a token), so verified
    /// callers must be forgotten once it commits.
    pub(crate) fn changes_access(&self) {
        self.access_changed
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`Self::changes_access`] was called.
    pub(crate) fn access_changed(&self) -> bool {
        self.access_changed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Commits. Store writes commit through `store::audit::commit`, which writes the audit
    /// entry first.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        #[allow(clippy::disallowed_methods)]
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

// Delegation only, so that `&WriteTransaction` goes wherever a connection does.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.tx.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.tx.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.tx.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.tx.query_all_raw(stmt).await
    }
}

/// The writers' queue of each SQLite file this process has open.
static SQLITE_WRITERS: LazyLock<std::sync::Mutex<HashMap<PathBuf, Arc<AsyncMutex<()>>>>> =
    LazyLock::new(Default::default);

/// Starts a transaction that will write. On SQLite it waits for this process's turn, then takes
/// the write lock at once (`BEGIN IMMEDIATE`), so a writer never fails with "database is
/// locked" when it tries to upgrade a read lock.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let turn = if db.get_database_backend() == DbBackend::Sqlite {
        let file = db
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .to_path_buf();
        let queue = SQLITE_WRITERS
            .lock()
            .map_err(|_| DbErr::Custom("the SQLite writers' queue was poisoned".into()))?
            .entry(file)
            .or_default()
            .clone();
        Some(queue.lock_owned().await)
    } else {
        None
    };
    let tx = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTransaction {
        tx,
        _turn: turn,
        access_changed: Default::default(),
        notified: Default::default(),
    })
}

/// Whether the database answers (for `/healthz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{local_postgres_without_tls as local, redact};

    #[test]
    fn loopback_postgres_skips_tls_unless_asked() {
        assert_eq!(
            local("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            local("postgres://u:p@localhost/db?application_name=q"),
            "postgres://u:p@localhost/db?application_name=q&sslmode=disable"
        );
        assert_eq!(
            local("postgres://u@[::1]:5432/db"),
            "postgres://u@[::1]:5432/db?sslmode=disable"
        );
        for kept in [
            "postgres://u@db.example.nhs.uk/db",
            "postgres://u@127.0.0.1/db?sslmode=require",
            "sqlite://qiflow.db",
        ] {
            assert_eq!(local(kept), kept);
        }
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://qi:secret@db:5432/qiflow"),
            "postgres://qi:***@db:5432/qiflow"
        );
        assert_eq!(redact("sqlite://qiflow.db"), "sqlite://qiflow.db");
        assert_eq!(redact("postgres://qi@db/x"), "postgres://qi@db/x");
    }
}
