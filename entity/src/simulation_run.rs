use sea_orm::entity::prelude::*;

/// One simulation of one pathway version: its scenario and seed, progress and result.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "simulation_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub pathway_id: Uuid,
    pub pathway_version: i64,
    /// The principal who asked for it (null for the installation itself).
    pub requested_by: Option<Uuid>,
    /// The scenario as asked (patients, replications, warm-up, servers changed), JSON.
    pub scenario: Json,
    pub seed: i64,
    /// QUEUED, RUNNING, FINISHED, FAILED or CANCELLED.
    pub status: String,
    pub cancel_requested: bool,
    pub patients_done: i64,
    pub patients_total: i64,
    /// The result (the engine's `SimulationResult` as JSON) once FINISHED.
    pub result: Option<Json>,
    /// Why it FAILED, in words for the user.
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    /// Moved on at least every few seconds while the run is alive.
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The change idea whose change set the run tried, when it tried one.
    pub change_idea_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
