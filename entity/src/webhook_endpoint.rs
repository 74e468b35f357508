use sea_orm::entity::prelude::*;

/// Where an organisation wants its events POSTed, signed with its secret.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub url: String,
    /// The event type names it receives, a JSON list.
    pub event_types: Json,
    pub description: String,
    /// `whsec_` + base64 (kept as is: signing needs it).
    pub secret: String,
    /// The secret before the last rotation, which also signs until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    pub paused: bool,
    /// Set when a delivery has used up its retries; cleared by the next success or an edit.
    pub failing: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
