use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "improvement_project")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub aim: String,
    pub owner_id: Uuid,
    pub pathway_id: Option<Uuid>,
    pub status: String,
    /// Incremented by every change; the optimistic-concurrency token.
    pub version: i64,
    /// Set while the project is CLOSED: who closed it, when and why.
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<String>,
    pub closed_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
