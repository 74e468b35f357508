//! Notifications for other systems: the outbox of events (written in the transaction of the
//! change that causes them), the webhook endpoints an organisation's administrators register,
//! one delivery per event and endpoint (unique, so an event reaches an endpoint once however many
//! replicas deliver), and every attempt at it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationEvent {
    Table,
    Id,
    EventType,
    OrganisationId,
    Audience,
    ObjectId,
    At,
    Data,
}

#[derive(DeriveIden)]
enum WebhookEndpoint {
    Table,
    Id,
    OrganisationId,
    Url,
    EventTypes,
    Description,
    Secret,
    PreviousSecret,
    PreviousSecretUntil,
    Paused,
    Failing,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    EndpointId,
    EventId,
    State,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastStatus,
    LastError,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempt {
    Table,
    Id,
    DeliveryId,
    At,
    Status,
    LatencyMs,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationEvent::Table)
                    .col(pk_uuid(NotificationEvent::Id))
                    .col(string(NotificationEvent::EventType))
                    .col(uuid(NotificationEvent::OrganisationId))
                    .col(json(NotificationEvent::Audience))
                    .col(uuid(NotificationEvent::ObjectId))
                    .col(timestamp_with_time_zone(NotificationEvent::At))
                    .col(json(NotificationEvent::Data))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notification_event_at")
                    .table(NotificationEvent::Table)
                    .col(NotificationEvent::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoint::Table)
                    .col(pk_uuid(WebhookEndpoint::Id))
                    .col(uuid(WebhookEndpoint::OrganisationId))
                    .col(string(WebhookEndpoint::Url))
                    .col(json(WebhookEndpoint::EventTypes))
                    .col(string(WebhookEndpoint::Description))
                    .col(string(WebhookEndpoint::Secret))
                    .col(string_null(WebhookEndpoint::PreviousSecret))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoint::PreviousSecretUntil,
                    ))
                    .col(boolean(WebhookEndpoint::Paused))
                    .col(boolean(WebhookEndpoint::Failing))
                    .col(integer(WebhookEndpoint::Version))
                    .col(timestamp_with_time_zone(WebhookEndpoint::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoint::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(pk_uuid(WebhookDelivery::Id))
                    .col(uuid(WebhookDelivery::EndpointId))
                    .col(uuid(WebhookDelivery::EventId))
                    .col(string(WebhookDelivery::State))
                    .col(integer(WebhookDelivery::Attempts))
                    .col(timestamp_with_time_zone(WebhookDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::ClaimedUntil))
                    .col(integer_null(WebhookDelivery::LastStatus))
                    .col(string_null(WebhookDelivery::LastError))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_delivery_once")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::EndpointId)
                    .col(WebhookDelivery::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_delivery_due")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::State)
                    .col(WebhookDelivery::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempt::Table)
                    .col(pk_uuid(WebhookAttempt::Id))
                    .col(uuid(WebhookAttempt::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempt::At))
                    .col(integer_null(WebhookAttempt::Status))
                    .col(integer(WebhookAttempt::LatencyMs))
                    .col(string_null(WebhookAttempt::Error))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_attempt_delivery")
                    .table(WebhookAttempt::Table)
                    .col(WebhookAttempt::DeliveryId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempt::Table.into_iden(),
            WebhookDelivery::Table.into_iden(),
            WebhookEndpoint::Table.into_iden(),
            NotificationEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
