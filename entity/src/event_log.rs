use sea_orm::entity::prelude::*;

/// An event log: the events of one source (a trust's extract, a system's feed), pseudonymised.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub organisation_id: Option<Uuid>,
    /// The pathway the log is checked against by default.
    pub pathway_id: Option<Uuid>,
    pub event_count: i64,
    pub case_count: i64,
    /// The sequence number the next stored event gets (file order across imports).
    pub next_seq: i64,
    /// Incremented by every change; the optimistic-concurrency token.
    pub version: i64,
    pub created_at: DateTimeUtc,
    /// Set when the log was archived: it takes no more events and leaves lists by default.
    pub archived_at: Option<DateTimeUtc>,
    pub archived_by: Option<String>,
    pub archive_reason: Option<String>,
    pub updated_at: DateTimeUtc,
    /// The IANA zone the last file's offset-less times were read in (none before a file).
    pub timezone: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
