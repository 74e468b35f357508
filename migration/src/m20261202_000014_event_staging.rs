//! PostgreSQL only: a scratch table that `COPY ... FROM STDIN` fills with an import's events
//! before the import's transaction moves them into `log_event` in one statement. sea-orm does
//! not lend its transaction's connection to sqlx's COPY, so the COPY runs beside it; the events
//! reach the log only if that transaction commits. Unlogged: it holds nothing worth a WAL.
//!
//! And `log_event` loses its foreign key to `event_log`: checking it row by row was more than
//! half of writing a million events (8.5 s of COPY with it, 3.9 s without, measured here).
//! Events are written only by an import holding the log's row lock, and deleting a log deletes
//! its events itself (`store::imports::delete_log`), as the key's cascade did.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNLOGGED TABLE log_event_staging (
                    import_id uuid NOT NULL,
                    rel_seq bigint NOT NULL,
                    case_key text NOT NULL,
                    activity text NOT NULL,
                    time_ms bigint NOT NULL,
                    organisation text,
                    resource text,
                    lifecycle text,
                    staged_at timestamptz NOT NULL DEFAULT now()
                )",
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE log_event DROP CONSTRAINT IF EXISTS log_event_log_id_fkey",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS log_event_staging")
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE log_event ADD CONSTRAINT log_event_log_id_fkey FOREIGN KEY (log_id) \
                 REFERENCES event_log (id) ON DELETE CASCADE",
            )
            .await?;
        Ok(())
    }
}
