use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "measure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub position: i32,
    pub name: String,
    pub kind: String,
    pub definition: String,
    pub unit: String,
    pub direction: String,
    pub target: Option<f64>,
    pub chart_type: String,
    pub created_at: DateTimeUtc,
    /// The event log the measure is computed from, if any.
    pub event_log_id: Option<Uuid>,
    /// How it is computed from the log (engine `LogMeasureDefinition` as JSON).
    pub log_definition: Option<Json>,
    /// Set when the measure was withdrawn: it leaves the project's charts and reports.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
    /// Its rebases (engine `rebase::Rebase` list as JSON); null when it has none.
    pub rebases: Option<Json>,
    /// Its rule preset (engine `Preset::as_str`); null for the default.
    pub rule_preset: Option<String>,
    /// The points its limits are fixed from; null for every point.
    pub baseline_points: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
