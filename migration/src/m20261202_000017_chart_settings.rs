//! A measure's own chart settings, kept so every chart, summary, report and study of it uses the
//! same rules: the rule preset (NHSRplotthedots' or the Making Data Count Excel tool's; null for
//! the default) and the points its limits are fixed from (null: every point).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Measure {
    Table,
    RulePreset,
    BaselinePoints,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Measure::Table)
                    .add_column(string_null(Measure::RulePreset))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Measure::Table)
                    .add_column(integer_null(Measure::BaselinePoints))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Measure::RulePreset, Measure::BaselinePoints] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Measure::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
