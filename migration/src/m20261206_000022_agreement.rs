//! Agreement across organisations and comments. Each organisation with steps in a pathway
//! version (or whose work a change idea moves) records its decision on it; anyone who can see a
//! version, a step, a transition or a change idea can comment on it, and resolve the comment.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Agreement {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    SubjectVersion,
    OrganisationId,
    Decision,
    Comment,
    RequestedAt,
    DecidedBy,
    DecidedById,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Comment {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    PathwayId,
    ProjectId,
    AuthorId,
    Author,
    Body,
    ResolvedAt,
    ResolvedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agreement::Table)
                    .if_not_exists()
                    .col(pk_uuid(Agreement::Id))
                    .col(string(Agreement::SubjectKind))
                    .col(uuid(Agreement::SubjectId))
                    .col(big_integer(Agreement::SubjectVersion))
                    .col(uuid(Agreement::OrganisationId))
                    .col(string(Agreement::Decision))
                    .col(text(Agreement::Comment))
                    .col(timestamp_with_time_zone_null(Agreement::RequestedAt))
                    .col(string_null(Agreement::DecidedBy))
                    .col(uuid_null(Agreement::DecidedById))
                    .col(timestamp_with_time_zone_null(Agreement::DecidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                // One standing decision per organisation on each subject (a new one replaces it;
                // the audit trail keeps every one).
                Index::create()
                    .name("uq_agreement_subject_organisation")
                    .unique()
                    .table(Agreement::Table)
                    .col(Agreement::SubjectKind)
                    .col(Agreement::SubjectId)
                    .col(Agreement::OrganisationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Comment::Table)
                    .if_not_exists()
                    .col(pk_uuid(Comment::Id))
                    .col(string(Comment::SubjectKind))
                    .col(uuid(Comment::SubjectId))
                    .col(uuid_null(Comment::PathwayId))
                    .col(uuid_null(Comment::ProjectId))
                    .col(uuid_null(Comment::AuthorId))
                    .col(string(Comment::Author))
                    .col(text(Comment::Body))
                    .col(timestamp_with_time_zone_null(Comment::ResolvedAt))
                    .col(string_null(Comment::ResolvedBy))
                    .col(timestamp_with_time_zone(Comment::CreatedAt))
                    .col(timestamp_with_time_zone(Comment::UpdatedAt))
                    .col(big_integer(Comment::Version))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("comment_pathway", Comment::PathwayId),
            ("comment_project", Comment::ProjectId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Comment::Table)
                        .col(column)
                        .col(Comment::CreatedAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Agreement::Table.into_iden(), Comment::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
