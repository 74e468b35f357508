use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "step")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub pathway_id: Uuid,
    /// Order of the step in its pathway (documents keep the user's order).
    pub position: i32,
    pub key: String,
    pub name: String,
    pub kind: String,
    pub organisation_id: Uuid,
    pub site: Option<String>,
    pub activity_code: Option<String>,
    pub touch_minutes: f64,
    pub value_class: String,
    /// JSON array of waste kind names.
    pub waste_kinds: Json,
    /// JSON array of data item names.
    pub data_items: Json,
    pub capacity_per_day: Option<f64>,
    pub percent_complete_accurate: Option<f64>,
    /// The simulation fields (`servers`, `serviceTime`, `schedule`, `queueCapacity`) as the
    /// document spells them; null when none is given.
    pub simulation: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
