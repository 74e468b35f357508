//! A pathway can carry the lead time it should achieve (a national standard or a local aim), so
//! the measures suggested for its changes include the share of patients within it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Pathway {
    Table,
    TargetLeadTimeMinutes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Pathway::Table)
                    .add_column(double_null(Pathway::TargetLeadTimeMinutes))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Pathway::Table)
                    .drop_column(Pathway::TargetLeadTimeMinutes)
                    .to_owned(),
            )
            .await
    }
}
