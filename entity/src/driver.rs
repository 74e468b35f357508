use sea_orm::entity::prelude::*;

/// A node of a project's driver diagram: a primary or secondary driver, or a change idea.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "driver")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub position: i32,
    pub kind: String,
    pub text: String,
    /// For change ideas: the what-if change set (JSON array of engine changes).
    pub changes: Option<Json>,
    /// For change ideas: the pathway hotspot the idea answers (`{"kind", "stepKeys"}`).
    pub hotspot: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
