//! A simulation run may try a change idea's change set: the run records which, so the change
//! idea can show its simulated effect (the evidence) without reading every run's scenario.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SimulationRun {
    Table,
    ChangeIdeaId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SimulationRun::Table)
                    .add_column(uuid_null(SimulationRun::ChangeIdeaId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("simulation_run_change_idea")
                    .table(SimulationRun::Table)
                    .col(SimulationRun::ChangeIdeaId)
                    .col(SimulationRun::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("simulation_run_change_idea")
                    .table(SimulationRun::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SimulationRun::Table)
                    .drop_column(SimulationRun::ChangeIdeaId)
                    .to_owned(),
            )
            .await
    }
}
