//! Every record can be put right: organisations carry a version for optimistic edits, projects
//! are closed with a reason, measures and observations are withdrawn (kept, marked with who,
//! when and why), event logs are archived, and an audit entry keeps the before and after values
//! of what a correction changed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum ImprovementProject {
    Table,
    ClosedAt,
    ClosedBy,
    ClosedReason,
}

#[derive(DeriveIden)]
enum Measure {
    Table,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawalReason,
}

#[derive(DeriveIden)]
enum CycleObservation {
    Table,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawalReason,
    CorrectedAt,
}

#[derive(DeriveIden)]
enum EventLog {
    Table,
    ArchivedAt,
    ArchivedBy,
    ArchiveReason,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Changes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns: Vec<(DynIden, ColumnDef)> = vec![
            (
                Organisation::Table.into_iden(),
                big_integer(Organisation::Version).default(1).to_owned(),
            ),
            (
                ImprovementProject::Table.into_iden(),
                timestamp_with_time_zone_null(ImprovementProject::ClosedAt),
            ),
            (
                ImprovementProject::Table.into_iden(),
                string_null(ImprovementProject::ClosedBy),
            ),
            (
                ImprovementProject::Table.into_iden(),
                text_null(ImprovementProject::ClosedReason),
            ),
            (
                Measure::Table.into_iden(),
                timestamp_with_time_zone_null(Measure::WithdrawnAt),
            ),
            (
                Measure::Table.into_iden(),
                string_null(Measure::WithdrawnBy),
            ),
            (
                Measure::Table.into_iden(),
                text_null(Measure::WithdrawalReason),
            ),
            (
                CycleObservation::Table.into_iden(),
                timestamp_with_time_zone_null(CycleObservation::WithdrawnAt),
            ),
            (
                CycleObservation::Table.into_iden(),
                string_null(CycleObservation::WithdrawnBy),
            ),
            (
                CycleObservation::Table.into_iden(),
                text_null(CycleObservation::WithdrawalReason),
            ),
            (
                CycleObservation::Table.into_iden(),
                timestamp_with_time_zone_null(CycleObservation::CorrectedAt),
            ),
            (
                EventLog::Table.into_iden(),
                timestamp_with_time_zone_null(EventLog::ArchivedAt),
            ),
            (
                EventLog::Table.into_iden(),
                string_null(EventLog::ArchivedBy),
            ),
            (
                EventLog::Table.into_iden(),
                text_null(EventLog::ArchiveReason),
            ),
            (
                AuditEvent::Table.into_iden(),
                json_null(AuditEvent::Changes),
            ),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
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
