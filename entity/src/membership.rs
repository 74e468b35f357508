use sea_orm::entity::prelude::*;

/// A principal's role in an organisation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "membership")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub principal_id: Uuid,
    pub organisation_id: Uuid,
    /// VIEWER, EDITOR or ADMIN.
    pub role: String,
    /// May upload and append patient-level events for the organisation.
    pub events_write: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
