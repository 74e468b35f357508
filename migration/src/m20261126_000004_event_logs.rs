//! Event logs: the log, each import into it (kept when it fails, saying why), the pseudonymised
//! events, and measures computed from a log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Pathway {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Measure {
    Table,
    EventLogId,
    LogDefinition,
}

#[derive(DeriveIden)]
enum EventLog {
    Table,
    Id,
    Name,
    OrganisationId,
    PathwayId,
    EventCount,
    CaseCount,
    NextSeq,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventImport {
    Table,
    Id,
    LogId,
    Source,
    BatchKey,
    Status,
    Rows,
    Events,
    Errors,
    Message,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum LogEvent {
    Table,
    LogId,
    Seq,
    CaseKey,
    Activity,
    TimeMs,
    Organisation,
    Resource,
    Lifecycle,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventLog::Table)
                    .col(pk_uuid(EventLog::Id))
                    .col(string(EventLog::Name))
                    .col(uuid_null(EventLog::OrganisationId))
                    .col(uuid_null(EventLog::PathwayId))
                    .col(big_integer(EventLog::EventCount))
                    .col(big_integer(EventLog::CaseCount))
                    .col(big_integer(EventLog::NextSeq))
                    .col(big_integer(EventLog::Version))
                    .col(timestamp_with_time_zone(EventLog::CreatedAt))
                    .col(timestamp_with_time_zone(EventLog::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventLog::Table, EventLog::OrganisationId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventLog::Table, EventLog::PathwayId)
                            .to(Pathway::Table, Pathway::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventImport::Table)
                    .col(pk_uuid(EventImport::Id))
                    .col(uuid(EventImport::LogId))
                    .col(string(EventImport::Source))
                    .col(string_null(EventImport::BatchKey))
                    .col(string(EventImport::Status))
                    .col(big_integer(EventImport::Rows))
                    .col(big_integer(EventImport::Events))
                    .col(json(EventImport::Errors))
                    .col(text_null(EventImport::Message))
                    .col(timestamp_with_time_zone(EventImport::StartedAt))
                    .col(timestamp_with_time_zone(EventImport::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventImport::Table, EventImport::LogId)
                            .to(EventLog::Table, EventLog::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A batch key is stored once per log: the second push of the same batch finds it.
        manager
            .create_index(
                Index::create()
                    .name("event_import_batch_key")
                    .table(EventImport::Table)
                    .col(EventImport::LogId)
                    .col(EventImport::BatchKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LogEvent::Table)
                    .col(uuid(LogEvent::LogId))
                    .col(big_integer(LogEvent::Seq))
                    .col(string(LogEvent::CaseKey))
                    .col(string(LogEvent::Activity))
                    .col(big_integer(LogEvent::TimeMs))
                    .col(string_null(LogEvent::Organisation))
                    .col(string_null(LogEvent::Resource))
                    .col(string_null(LogEvent::Lifecycle))
                    .primary_key(Index::create().col(LogEvent::LogId).col(LogEvent::Seq))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LogEvent::Table, LogEvent::LogId)
                            .to(EventLog::Table, EventLog::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Measure::Table)
                    .add_column(uuid_null(Measure::EventLogId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Measure::Table)
                    .add_column(json_null(Measure::LogDefinition))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Measure::LogDefinition, Measure::EventLogId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Measure::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(LogEvent::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EventImport::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EventLog::Table).to_owned())
            .await
    }
}
