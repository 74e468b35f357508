//! Access control: principals (people and systems), their API tokens (hashes only), memberships
//! of organisations, shares of pathways and projects with other organisations, and the
//! append-only audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Principal {
    Table,
    Id,
    Name,
    Kind,
    OidcSubject,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    PrincipalId,
    Name,
    TokenHash,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Membership {
    Table,
    Id,
    PrincipalId,
    OrganisationId,
    Role,
    EventsWrite,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Share {
    Table,
    Id,
    ObjectKind,
    ObjectId,
    OrganisationId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    At,
    PrincipalId,
    PrincipalName,
    Operation,
    ObjectIds,
    OrganisationIds,
    Outcome,
    RequestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Principal::Table)
                    .col(pk_uuid(Principal::Id))
                    .col(string_uniq(Principal::Name))
                    .col(string(Principal::Kind))
                    .col(string_null(Principal::OidcSubject).unique_key())
                    .col(timestamp_with_time_zone(Principal::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(pk_uuid(ApiToken::Id))
                    .col(uuid(ApiToken::PrincipalId))
                    .col(string(ApiToken::Name))
                    .col(string_uniq(ApiToken::TokenHash))
                    .col(timestamp_with_time_zone(ApiToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiToken::Table, ApiToken::PrincipalId)
                            .to(Principal::Table, Principal::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Membership::Table)
                    .col(pk_uuid(Membership::Id))
                    .col(uuid(Membership::PrincipalId))
                    .col(uuid(Membership::OrganisationId))
                    .col(string(Membership::Role))
                    .col(boolean(Membership::EventsWrite))
                    .col(timestamp_with_time_zone(Membership::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::PrincipalId)
                            .to(Principal::Table, Principal::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Membership::Table, Membership::OrganisationId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("membership_principal_organisation")
                    .table(Membership::Table)
                    .col(Membership::PrincipalId)
                    .col(Membership::OrganisationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Share::Table)
                    .col(pk_uuid(Share::Id))
                    .col(string(Share::ObjectKind))
                    .col(uuid(Share::ObjectId))
                    .col(uuid(Share::OrganisationId))
                    .col(string(Share::Role))
                    .col(timestamp_with_time_zone(Share::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Share::Table, Share::OrganisationId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("share_object_organisation")
                    .table(Share::Table)
                    .col(Share::ObjectKind)
                    .col(Share::ObjectId)
                    .col(Share::OrganisationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(pk_uuid(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::At))
                    .col(uuid_null(AuditEvent::PrincipalId))
                    .col(string(AuditEvent::PrincipalName))
                    .col(string(AuditEvent::Operation))
                    .col(json(AuditEvent::ObjectIds))
                    .col(json(AuditEvent::OrganisationIds))
                    .col(string(AuditEvent::Outcome))
                    .col(string(AuditEvent::RequestId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_event_at")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvent::Table.into_iden(),
            Share::Table.into_iden(),
            Membership::Table.into_iden(),
            ApiToken::Table.into_iden(),
            Principal::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
