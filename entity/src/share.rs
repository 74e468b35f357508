use sea_orm::entity::prelude::*;

/// A pathway or project shared with another organisation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "share")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// PATHWAY or PROJECT.
    pub object_kind: String,
    pub object_id: Uuid,
    pub organisation_id: Uuid,
    /// VIEWER or EDITOR.
    pub role: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
