use sea_orm::entity::prelude::*;

/// One import into a log (a file, an upload or an API batch), kept whether it succeeded or not.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event_import")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub log_id: Uuid,
    /// FILE, UPLOAD or API.
    pub source: String,
    /// The client's key for an API batch: the same key twice stores the events once.
    pub batch_key: Option<String>,
    /// SUCCEEDED or FAILED.
    pub status: String,
    pub rows: i64,
    pub events: i64,
    /// Row errors: `[{row, column, message}]`, never the offending values.
    pub errors: Json,
    pub message: Option<String>,
    pub started_at: DateTimeUtc,
    pub finished_at: DateTimeUtc,
    /// SHA-256 (hex) of the staged events of a keyed import: a second use of the key must
    /// carry the same content.
    pub content_hash: Option<String>,
    /// The sequence number of the import's first event (its events are one contiguous run).
    pub first_seq: Option<i64>,
    /// When the import was retracted (its events removed from the log); `None` while it stands.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
    /// How a file was read: `{format, compressed, delimiter, timestampFormat, timezone,
    /// clockChanges}` (none for API batches).
    pub reading: Option<Json>,
    /// Milliseconds each phase took: `{readMs, writeMs, recomputeMs}`.
    pub phases: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
