//! PostgreSQL only: each import now copies its events into an unlogged scratch table of its own
//! (`store::event_copy`), so the shared scratch table of `m20261202_000014_event_staging` goes.

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
            .execute_unprepared("DROP TABLE IF EXISTS log_event_staging")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNLOGGED TABLE IF NOT EXISTS log_event_staging (
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
        Ok(())
    }
}
