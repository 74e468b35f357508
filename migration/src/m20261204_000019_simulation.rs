//! What the simulation needs beyond the map: a step's servers, service-time distribution,
//! schedule and queue capacity (one JSON object, null when none is given), and a transition's
//! delay distribution (null: fixed at its wait).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Step {
    Table,
    Simulation,
}

#[derive(DeriveIden)]
enum Transition {
    Table,
    Delay,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Step::Table)
                    .add_column(json_null(Step::Simulation))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Transition::Table)
                    .add_column(json_null(Transition::Delay))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Step::Table)
                    .drop_column(Step::Simulation)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Transition::Table)
                    .drop_column(Transition::Delay)
                    .to_owned(),
            )
            .await
    }
}
