//! Simulation runs: what was asked (the scenario and seed), of which pathway version, how far it
//! has got, and what it found (the result as JSON, kept with the version and seed so it can be
//! reproduced).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SimulationRun {
    Table,
    Id,
    PathwayId,
    PathwayVersion,
    RequestedBy,
    Scenario,
    Seed,
    Status,
    CancelRequested,
    PatientsDone,
    PatientsTotal,
    Result,
    Error,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SimulationRun::Table)
                    .if_not_exists()
                    .col(pk_uuid(SimulationRun::Id))
                    .col(uuid(SimulationRun::PathwayId))
                    .col(big_integer(SimulationRun::PathwayVersion))
                    .col(uuid_null(SimulationRun::RequestedBy))
                    .col(json(SimulationRun::Scenario))
                    .col(big_integer(SimulationRun::Seed))
                    .col(string(SimulationRun::Status))
                    .col(boolean(SimulationRun::CancelRequested))
                    .col(big_integer(SimulationRun::PatientsDone))
                    .col(big_integer(SimulationRun::PatientsTotal))
                    .col(json_null(SimulationRun::Result))
                    .col(string_null(SimulationRun::Error))
                    .col(timestamp_with_time_zone(SimulationRun::CreatedAt))
                    .col(timestamp_with_time_zone(SimulationRun::UpdatedAt))
                    .col(timestamp_with_time_zone_null(SimulationRun::FinishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("simulation_run_pathway")
                    .table(SimulationRun::Table)
                    .col(SimulationRun::PathwayId)
                    .col(SimulationRun::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SimulationRun::Table).to_owned())
            .await
    }
}
