use sea_orm::entity::prelude::*;

/// An event other systems may be told about (the outbox), written in the transaction of the
/// change that causes it. Append-only.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `measure.signal`, `cycle.moved`, ...
    pub event_type: String,
    /// The organisation that owns the object.
    pub organisation_id: Uuid,
    /// The organisations that could see the object when the event happened (its owner and those
    /// it was shared with), a JSON list: whose subscribers and endpoints receive it.
    pub audience: Json,
    pub object_id: Uuid,
    pub at: DateTimeUtc,
    /// The payload's `data`.
    pub data: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
