//! The content of each keyed import, as a SHA-256 of its staged events: the same key with the
//! same content answers the first import again; with other content it is a conflict.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventImport {
    Table,
    ContentHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EventImport::Table)
                    .add_column(string_null(EventImport::ContentHash))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EventImport::Table)
                    .drop_column(EventImport::ContentHash)
                    .to_owned(),
            )
            .await
    }
}
