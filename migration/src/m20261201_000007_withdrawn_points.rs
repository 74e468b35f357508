//! Data points are withdrawn, not erased: a retracted or corrected point stays, marked with who
//! withdrew it, when and why. One current point per measure and date (a partial unique index,
//! which SQLite and PostgreSQL both have).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DataPoint {
    Table,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawalReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            timestamp_with_time_zone_null(DataPoint::WithdrawnAt),
            string_null(DataPoint::WithdrawnBy),
            string_null(DataPoint::WithdrawalReason),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DataPoint::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("uq_data_point_measure_date")
                    .table(DataPoint::Table)
                    .to_owned(),
            )
            .await?;
        // sea-query builds no partial index; the statement is the same on both databases.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_data_point_current ON data_point (measure_id, date) WHERE withdrawn_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX uq_data_point_current")
            .await?;
        Ok(())
    }
}
