use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "data_point")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub measure_id: Uuid,
    /// The period the value belongs to; one current (not withdrawn) point per measure and date.
    pub date: Date,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub annotation: Option<String>,
    /// When the point was retracted or replaced by a correction; `None` while it is current.
    pub withdrawn_at: Option<DateTimeUtc>,
    /// Who withdrew it (the principal's name).
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
