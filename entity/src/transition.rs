use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "transition")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub pathway_id: Uuid,
    /// Order of the transition in its pathway.
    pub position: i32,
    pub from_step_id: Uuid,
    pub to_step_id: Uuid,
    pub probability: Option<f64>,
    pub wait_minutes: f64,
    pub handoff: String,
    /// The simulated delay (`{distribution, meanMinutes, ...}`); null: fixed at the wait.
    pub delay: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
