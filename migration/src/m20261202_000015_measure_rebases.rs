//! The rebases a team records on a measure, each with its date, reason, who and when (engine
//! `rebase::Rebase` as a JSON list), so every chart, summary and report of the measure starts its
//! new baselines at the same points and says why.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Measure {
    Table,
    Rebases,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Measure::Table)
                    .add_column(json_null(Measure::Rebases))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Measure::Table)
                    .drop_column(Measure::Rebases)
                    .to_owned(),
            )
            .await
    }
}
