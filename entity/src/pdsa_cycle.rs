use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pdsa_cycle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// The cycle before this one on the same ramp.
    pub previous_cycle_id: Option<Uuid>,
    /// The change idea (a driver-diagram leaf) the cycle tests.
    pub change_idea_id: Option<Uuid>,
    pub change_idea: String,
    pub stage: String,
    pub objective: String,
    /// JSON array of the questions the cycle should answer.
    pub questions: Json,
    /// Who, what, where and when.
    pub plan_details: String,
    pub data_collection: String,
    /// JSON array of the engine's predictions.
    pub predictions: Json,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    pub actual_start: Option<Date>,
    pub actual_end: Option<Date>,
    pub learning: Option<String>,
    pub decision: Option<String>,
    pub rationale: Option<String>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
