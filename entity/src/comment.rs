use sea_orm::entity::prelude::*;

/// A comment on a pathway version, a step, a transition or a change idea.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "comment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// PATHWAY, STEP, TRANSITION or CHANGE_IDEA.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// The pathway version commented on (or holding the step or transition).
    pub pathway_id: Option<Uuid>,
    /// The project holding the change idea commented on.
    pub project_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub author: String,
    pub body: String,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Incremented by every change; the optimistic-concurrency token.
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
