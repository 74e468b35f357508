//! Driver diagrams, PDSA cycles, their observations and the history of their moves.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImprovementProject {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Driver {
    Table,
    Id,
    ProjectId,
    ParentId,
    Position,
    Kind,
    Text,
    Changes,
    Hotspot,
}

#[derive(DeriveIden)]
enum PdsaCycle {
    Table,
    Id,
    ProjectId,
    ChangeIdeaId,
    PreviousCycleId,
    ChangeIdea,
    Stage,
    Objective,
    Questions,
    PlanDetails,
    DataCollection,
    Predictions,
    PlannedStart,
    PlannedEnd,
    ActualStart,
    ActualEnd,
    Learning,
    Decision,
    Rationale,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CycleObservation {
    Table,
    Id,
    CycleId,
    At,
    Author,
    Text,
}

#[derive(DeriveIden)]
enum CycleMove {
    Table,
    Id,
    CycleId,
    At,
    By,
    FromStage,
    ToStage,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Driver::Table)
                    .col(pk_uuid(Driver::Id))
                    .col(uuid(Driver::ProjectId))
                    .col(uuid_null(Driver::ParentId))
                    .col(integer(Driver::Position))
                    .col(string(Driver::Kind))
                    .col(text(Driver::Text))
                    .col(json_null(Driver::Changes))
                    .col(json_null(Driver::Hotspot))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Driver::Table, Driver::ProjectId)
                            .to(ImprovementProject::Table, ImprovementProject::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Driver::Table, Driver::ParentId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PdsaCycle::Table)
                    .col(pk_uuid(PdsaCycle::Id))
                    .col(uuid(PdsaCycle::ProjectId))
                    .col(uuid_null(PdsaCycle::PreviousCycleId))
                    .col(uuid_null(PdsaCycle::ChangeIdeaId))
                    .col(string(PdsaCycle::ChangeIdea))
                    .col(string(PdsaCycle::Stage))
                    .col(text(PdsaCycle::Objective))
                    .col(json(PdsaCycle::Questions))
                    .col(text(PdsaCycle::PlanDetails))
                    .col(text(PdsaCycle::DataCollection))
                    .col(json(PdsaCycle::Predictions))
                    .col(date_null(PdsaCycle::PlannedStart))
                    .col(date_null(PdsaCycle::PlannedEnd))
                    .col(date_null(PdsaCycle::ActualStart))
                    .col(date_null(PdsaCycle::ActualEnd))
                    .col(text_null(PdsaCycle::Learning))
                    .col(string_null(PdsaCycle::Decision))
                    .col(text_null(PdsaCycle::Rationale))
                    .col(big_integer(PdsaCycle::Version))
                    .col(timestamp_with_time_zone(PdsaCycle::CreatedAt))
                    .col(timestamp_with_time_zone(PdsaCycle::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PdsaCycle::Table, PdsaCycle::ProjectId)
                            .to(ImprovementProject::Table, ImprovementProject::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PdsaCycle::Table, PdsaCycle::ChangeIdeaId)
                            .to(Driver::Table, Driver::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PdsaCycle::Table, PdsaCycle::PreviousCycleId)
                            .to(PdsaCycle::Table, PdsaCycle::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CycleObservation::Table)
                    .col(pk_uuid(CycleObservation::Id))
                    .col(uuid(CycleObservation::CycleId))
                    .col(timestamp_with_time_zone(CycleObservation::At))
                    .col(string(CycleObservation::Author))
                    .col(text(CycleObservation::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CycleObservation::Table, CycleObservation::CycleId)
                            .to(PdsaCycle::Table, PdsaCycle::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CycleMove::Table)
                    .col(pk_uuid(CycleMove::Id))
                    .col(uuid(CycleMove::CycleId))
                    .col(timestamp_with_time_zone(CycleMove::At))
                    .col(string(CycleMove::By))
                    .col(string(CycleMove::FromStage))
                    .col(string(CycleMove::ToStage))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CycleMove::Table, CycleMove::CycleId)
                            .to(PdsaCycle::Table, PdsaCycle::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CycleMove::Table.into_iden(),
            CycleObservation::Table.into_iden(),
            PdsaCycle::Table.into_iden(),
            Driver::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
