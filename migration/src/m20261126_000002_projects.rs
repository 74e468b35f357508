//! Improvement projects, their team, measures and data points.

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
enum ImprovementProject {
    Table,
    Id,
    Title,
    Aim,
    OwnerId,
    PathwayId,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectMember {
    Table,
    Id,
    ProjectId,
    Position,
    Name,
    Role,
}

#[derive(DeriveIden)]
enum Measure {
    Table,
    Id,
    ProjectId,
    Position,
    Name,
    Kind,
    Definition,
    Unit,
    Direction,
    Target,
    ChartType,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DataPoint {
    Table,
    Id,
    MeasureId,
    Date,
    Value,
    Numerator,
    Denominator,
    Annotation,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImprovementProject::Table)
                    .col(pk_uuid(ImprovementProject::Id))
                    .col(string(ImprovementProject::Title))
                    .col(text(ImprovementProject::Aim))
                    .col(uuid(ImprovementProject::OwnerId))
                    .col(uuid_null(ImprovementProject::PathwayId))
                    .col(string(ImprovementProject::Status))
                    .col(big_integer(ImprovementProject::Version))
                    .col(timestamp_with_time_zone(ImprovementProject::CreatedAt))
                    .col(timestamp_with_time_zone(ImprovementProject::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImprovementProject::Table, ImprovementProject::OwnerId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImprovementProject::Table, ImprovementProject::PathwayId)
                            .to(Pathway::Table, Pathway::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectMember::Table)
                    .col(pk_uuid(ProjectMember::Id))
                    .col(uuid(ProjectMember::ProjectId))
                    .col(integer(ProjectMember::Position))
                    .col(string(ProjectMember::Name))
                    .col(string(ProjectMember::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectMember::Table, ProjectMember::ProjectId)
                            .to(ImprovementProject::Table, ImprovementProject::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Measure::Table)
                    .col(pk_uuid(Measure::Id))
                    .col(uuid(Measure::ProjectId))
                    .col(integer(Measure::Position))
                    .col(string(Measure::Name))
                    .col(string(Measure::Kind))
                    .col(text(Measure::Definition))
                    .col(string(Measure::Unit))
                    .col(string(Measure::Direction))
                    .col(double_null(Measure::Target))
                    .col(string(Measure::ChartType))
                    .col(timestamp_with_time_zone(Measure::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Measure::Table, Measure::ProjectId)
                            .to(ImprovementProject::Table, ImprovementProject::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DataPoint::Table)
                    .col(pk_uuid(DataPoint::Id))
                    .col(uuid(DataPoint::MeasureId))
                    .col(date(DataPoint::Date))
                    .col(double_null(DataPoint::Value))
                    .col(double_null(DataPoint::Numerator))
                    .col(double_null(DataPoint::Denominator))
                    .col(string_null(DataPoint::Annotation))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DataPoint::Table, DataPoint::MeasureId)
                            .to(Measure::Table, Measure::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_data_point_measure_date")
                    .table(DataPoint::Table)
                    .col(DataPoint::MeasureId)
                    .col(DataPoint::Date)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DataPoint::Table.into_iden(),
            Measure::Table.into_iden(),
            ProjectMember::Table.into_iden(),
            ImprovementProject::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
