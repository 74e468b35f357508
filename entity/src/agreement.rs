use sea_orm::entity::prelude::*;

/// An organisation's standing decision on a pathway version or a change idea.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "agreement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// PATHWAY or CHANGE_IDEA.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// The pathway's version the decision was made on (an approval of an earlier draft no
    /// longer counts); 0 for a change idea (whose agreements go when its change set changes).
    pub subject_version: i64,
    pub organisation_id: Uuid,
    /// AWAITED, APPROVED, CHANGES_REQUESTED or OVERRIDDEN (published without it, with a reason).
    pub decision: String,
    /// The decision's comment, or the owner's reason for publishing without agreement.
    pub comment: String,
    pub requested_at: Option<DateTimeUtc>,
    pub decided_by: Option<String>,
    pub decided_by_id: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
