//! Organisations, pathways, steps and transitions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    OdsCode,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Pathway {
    Table,
    Id,
    Name,
    Description,
    Condition,
    OwnerId,
    Status,
    DemandPerDay,
    Version,
    ParentId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Step {
    Table,
    Id,
    PathwayId,
    Position,
    Key,
    Name,
    Kind,
    OrganisationId,
    Site,
    ActivityCode,
    TouchMinutes,
    ValueClass,
    WasteKinds,
    DataItems,
    CapacityPerDay,
    PercentCompleteAccurate,
}

#[derive(DeriveIden)]
enum Transition {
    Table,
    Id,
    PathwayId,
    Position,
    FromStepId,
    ToStepId,
    Probability,
    WaitMinutes,
    Handoff,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(pk_uuid(Organisation::Id))
                    .col(string_uniq(Organisation::OdsCode))
                    .col(string(Organisation::Name))
                    .col(string(Organisation::Kind))
                    .col(timestamp_with_time_zone(Organisation::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Pathway::Table)
                    .col(pk_uuid(Pathway::Id))
                    .col(string(Pathway::Name))
                    .col(text(Pathway::Description))
                    .col(string(Pathway::Condition))
                    .col(uuid(Pathway::OwnerId))
                    .col(string(Pathway::Status))
                    .col(double_null(Pathway::DemandPerDay))
                    .col(big_integer(Pathway::Version))
                    .col(uuid_null(Pathway::ParentId))
                    .col(timestamp_with_time_zone(Pathway::CreatedAt))
                    .col(timestamp_with_time_zone(Pathway::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Pathway::Table, Pathway::OwnerId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Pathway::Table, Pathway::ParentId)
                            .to(Pathway::Table, Pathway::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pathway_status")
                    .table(Pathway::Table)
                    .col(Pathway::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Step::Table)
                    .col(pk_uuid(Step::Id))
                    .col(uuid(Step::PathwayId))
                    .col(integer(Step::Position))
                    .col(string(Step::Key))
                    .col(string(Step::Name))
                    .col(string(Step::Kind))
                    .col(uuid(Step::OrganisationId))
                    .col(string_null(Step::Site))
                    .col(string_null(Step::ActivityCode))
                    .col(double(Step::TouchMinutes))
                    .col(string(Step::ValueClass))
                    .col(json(Step::WasteKinds))
                    .col(json(Step::DataItems))
                    .col(double_null(Step::CapacityPerDay))
                    .col(double_null(Step::PercentCompleteAccurate))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Step::Table, Step::PathwayId)
                            .to(Pathway::Table, Pathway::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Step::Table, Step::OrganisationId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_step_pathway_key")
                    .table(Step::Table)
                    .col(Step::PathwayId)
                    .col(Step::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Transition::Table)
                    .col(pk_uuid(Transition::Id))
                    .col(uuid(Transition::PathwayId))
                    .col(integer(Transition::Position))
                    .col(uuid(Transition::FromStepId))
                    .col(uuid(Transition::ToStepId))
                    .col(double_null(Transition::Probability))
                    .col(double(Transition::WaitMinutes))
                    .col(string(Transition::Handoff))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transition::Table, Transition::PathwayId)
                            .to(Pathway::Table, Pathway::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transition::Table, Transition::FromStepId)
                            .to(Step::Table, Step::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transition::Table, Transition::ToStepId)
                            .to(Step::Table, Step::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_transition_pathway")
                    .table(Transition::Table)
                    .col(Transition::PathwayId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Transition::Table.into_iden(),
            Step::Table.into_iden(),
            Pathway::Table.into_iden(),
            Organisation::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
