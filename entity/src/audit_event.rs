use sea_orm::entity::prelude::*;

/// One audited action. Append-only: nothing in qiflow updates or deletes these rows.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub principal_id: Option<Uuid>,
    pub principal_name: String,
    /// The mutation or query field (`appendEvents`), or a CLI action (`token create`).
    pub operation: String,
    /// Ids the operation named or touched.
    pub object_ids: Json,
    /// Organisations whose administrators may read this entry.
    pub organisation_ids: Json,
    /// OK, or the error code.
    pub outcome: String,
    pub request_id: String,
    /// What a correction changed: `[{"object", "field", "before", "after"}]`.
    pub changes: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
