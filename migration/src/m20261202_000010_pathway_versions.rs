//! Pathway versions are labelled by when they were published (so a pathway records it), and a
//! pathway can carry the identifier an integrator's own system gives it, so importing the same
//! document again never makes a second pathway.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Pathway {
    Table,
    Status,
    UpdatedAt,
    PublishedAt,
    ExternalId,
    OwnerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            timestamp_with_time_zone_null(Pathway::PublishedAt),
            string_null(Pathway::ExternalId),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Pathway::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // A published pathway cannot change, so its last change is when it was published.
        // (Archived ones may or may not have been published: they stay unlabelled.)
        manager
            .exec_stmt(
                Query::update()
                    .table(Pathway::Table)
                    .value(Pathway::PublishedAt, Expr::col(Pathway::UpdatedAt))
                    .and_where(Expr::col(Pathway::Status).eq("PUBLISHED"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                // Only the newest version of a family carries the identifier (a re-import that
                // makes a new version moves it), so it is unique per owner.
                Index::create()
                    .name("uq_pathway_external_id")
                    .unique()
                    .table(Pathway::Table)
                    .col(Pathway::OwnerId)
                    .col(Pathway::ExternalId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
