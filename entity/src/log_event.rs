use sea_orm::entity::prelude::*;

/// One event of a log. The case key is a keyed hash of the case id: patient identifiers never
/// reach the database.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "log_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub log_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub case_key: String,
    pub activity: String,
    /// Milliseconds since the Unix epoch, UTC.
    pub time_ms: i64,
    pub organisation: Option<String>,
    pub resource: Option<String>,
    pub lifecycle: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
