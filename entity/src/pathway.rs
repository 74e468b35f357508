use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pathway")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub condition: String,
    pub owner_id: Uuid,
    pub status: String,
    pub demand_per_day: Option<f64>,
    /// The lead time the pathway should achieve, in minutes.
    pub target_lead_time_minutes: Option<f64>,
    /// Incremented by every change; the optimistic-concurrency token.
    pub version: i64,
    /// The pathway this one was cloned from.
    pub parent_id: Option<Uuid>,
    /// When the pathway was published (versions are labelled 1, 2, 3 ... in this order).
    pub published_at: Option<DateTimeUtc>,
    /// The identifier the importing system gives the pathway, unique per owner and carried by
    /// the newest version of its family: a re-import under it updates or answers that pathway
    /// rather than making a second one.
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
