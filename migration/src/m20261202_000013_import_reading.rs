//! How each import was read (format, gzip, delimiter, timestamp format, zone, clock changes) and
//! how long each of its phases took; the zone a log's offset-less times were read in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventImport {
    Table,
    Reading,
    Phases,
}

#[derive(DeriveIden)]
enum EventLog {
    Table,
    Timezone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite's ALTER TABLE adds one at a time.
        for column in [EventImport::Reading, EventImport::Phases] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EventImport::Table)
                        .add_column(json_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(EventLog::Table)
                    .add_column(string_null(EventLog::Timezone))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [EventImport::Reading, EventImport::Phases] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EventImport::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(EventLog::Table)
                    .drop_column(EventLog::Timezone)
                    .to_owned(),
            )
            .await
    }
}
