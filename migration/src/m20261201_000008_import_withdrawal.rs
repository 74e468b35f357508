//! An import can be retracted: its events leave the log, and the import stays, marked with who
//! retracted it, when and why. Each import keeps the first sequence number of its events (an
//! import's events are one contiguous run of the log's sequence).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventImport {
    Table,
    FirstSeq,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawalReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            big_integer_null(EventImport::FirstSeq),
            timestamp_with_time_zone_null(EventImport::WithdrawnAt),
            string_null(EventImport::WithdrawnBy),
            string_null(EventImport::WithdrawalReason),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EventImport::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
