//! Event logs in the database: staging a file or a batch (checked and pseudonymised before
//! anything is written), importing it in one transaction, reading a log back into the engine,
//! and discovery as SQL inside PostgreSQL.

use super::scope::Unique as _;
use super::scope::visible_organisations;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use engine::events::{EventLog, Lifecycle, LogBuilder, RowError};
use entity::{event_import, event_log, log_event, organisation};
use sea_orm::sea_query::{Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

/// Events read back per query when loading a log.
const EVENT_PAGE: u64 = 50_000;

/// How a log's events got in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    /// `qiflow import-events`.
    File,
    /// The HTTP upload endpoint.
    Upload,
    /// A GraphQL `appendEvents` batch.
    Api,
}

impl ImportSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportSource::File => "FILE",
            ImportSource::Upload => "UPLOAD",
            ImportSource::Api => "API",
        }
    }
}

/// An event log as the API shows it: counts, never events.
#[derive(Debug, Clone)]
pub struct EventLogRecord {
    pub id: Uuid,
    pub name: String,
    pub organisation_id: Option<Uuid>,
    pub pathway_id: Option<Uuid>,
    pub event_count: i64,
    pub case_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the log was archived: who, when and why.
    pub archive: Option<super::rows::Withdrawal>,
    /// The IANA zone the last file's offset-less times were read in.
    pub timezone: Option<String>,
}

impl From<event_log::Model> for EventLogRecord {
    fn from(row: event_log::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            organisation_id: row.organisation_id,
            pathway_id: row.pathway_id,
            event_count: row.event_count,
            case_count: row.case_count,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            archive: super::rows::Withdrawal::from_columns(
                row.archived_at,
                row.archived_by,
                row.archive_reason,
            ),
            timezone: row.timezone,
        }
    }
}

/// One import, successful or not.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub id: Uuid,
    pub log_id: Uuid,
    pub source: String,
    pub batch_key: Option<String>,
    /// SUCCEEDED or FAILED.
    pub status: String,
    pub rows: i64,
    pub events: i64,
    pub errors: Vec<RowError>,
    pub message: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// True when this batch key had been stored before, so nothing new was written.
    pub duplicate: bool,
    /// When, by whom and why the import was retracted (its events left the log).
    pub withdrawal: Option<(DateTime<Utc>, String, String)>,
    /// How a file was read (none for API batches and imports from before it was kept).
    pub reading: Option<engine::events::input::Reading>,
    /// How long each phase took (none for imports from before it was kept).
    pub phases: Option<ImportPhases>,
}

/// Milliseconds each phase of an import took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPhases {
    /// Reading and checking every row (and pseudonymising case ids).
    pub read_ms: u64,
    /// Writing the events.
    pub write_ms: u64,
    /// Counting the log again and recomputing the measures built on it.
    pub recompute_ms: u64,
}

impl ImportRecord {
    pub fn succeeded(&self) -> bool {
        self.status == "SUCCEEDED"
    }
}

pub(crate) fn import_from_row(row: event_import::Model) -> ImportRecord {
    let errors = serde_json::from_value::<Vec<StoredRowError>>(row.errors)
        .unwrap_or_default()
        .into_iter()
        .map(|e| RowError {
            row: e.row,
            column: e.column,
            message: e.message,
        })
        .collect();
    ImportRecord {
        id: row.id,
        log_id: row.log_id,
        source: row.source,
        batch_key: row.batch_key,
        status: row.status,
        rows: row.rows,
        events: row.events,
        errors,
        message: row.message,
        started_at: row.started_at,
        finished_at: row.finished_at,
        duplicate: false,
        withdrawal: row.withdrawn_at.map(|at| {
            (
                at,
                row.withdrawn_by.unwrap_or_default(),
                row.withdrawal_reason.unwrap_or_default(),
            )
        }),
        reading: row.reading.and_then(|r| serde_json::from_value(r).ok()),
        phases: row.phases.and_then(|p| serde_json::from_value(p).ok()),
    }
}

#[derive(serde::Deserialize)]
struct StoredRowError {
    row: u64,
    column: String,
    message: String,
}

/// A new, empty log. The name must be unique; the organisation and pathway must exist.
pub async fn create_log(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    name: &str,
    organisation_id: Option<Uuid>,
    pathway_id: Option<Uuid>,
) -> Result<EventLogRecord> {
    let caller = &ctx.caller;
    let name = engine::values::parse_text(name, engine::pathway::MAX_NAME)
        .map_err(|e| Error::invalid("name", e))?;
    let tx = begin_write(db).await?;
    match organisation_id {
        Some(org) => {
            organisation::Entity::find_by_id(org)
                .filter(visible_organisations(caller))
                .unique(&tx)
                .await?
                .ok_or_else(|| {
                    Error::invalid("organisationId", format!("no organisation {org}"))
                })?;
            super::access::require_organisation(caller, org, crate::caller::Role::Editor)?;
        }
        None if !matches!(caller, Caller::Installation) => {
            return Err(Error::invalid(
                "organisationId",
                "name the organisation whose patients the log holds",
            ));
        }
        None => {}
    }
    if let Some(p) = pathway_id {
        super::pathways::get(&tx, caller, p)
            .await
            .map_err(|_| Error::invalid("pathwayId", format!("no pathway {p}")))?;
    }
    let taken = event_log::Entity::find()
        .filter(event_log::Column::Name.eq(name.clone()))
        .one(&tx)
        .await?;
    if taken.is_some() {
        return Err(Error::Conflict(format!(
            "an event log named '{name}' already exists"
        )));
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let row = event_log::ActiveModel {
        id: Set(id),
        name: Set(name),
        organisation_id: Set(organisation_id),
        pathway_id: Set(pathway_id),
        event_count: Set(0),
        case_count: Set(0),
        next_seq: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    event_log::Entity::insert(row)
        .exec_without_returning(&tx)
        .await?;
    let log = get_log(&tx, caller, id).await?;
    super::audit::commit(tx, ctx, &[id]).await?;
    Ok(log)
}

/// The log with this name, if the caller may see it.
pub async fn find_log_by_name(
    db: &impl ConnectionTrait,
    caller: &Caller,
    name: &str,
) -> Result<Option<EventLogRecord>> {
    Ok(event_log::Entity::find()
        .filter(event_log::Column::Name.eq(name.trim()))
        .filter(super::scope::visible_logs(caller))
        .one(db)
        .await?
        .map(Into::into))
}

/// Every log the caller may see, by name; archived ones only with `include_archived`.
pub async fn list_logs(
    db: &impl ConnectionTrait,
    caller: &Caller,
    include_archived: bool,
) -> Result<Vec<EventLogRecord>> {
    let mut query = event_log::Entity::find();
    if !include_archived {
        query = query.filter(event_log::Column::ArchivedAt.is_null());
    }
    Ok(query
        .filter(super::scope::visible_logs(caller))
        .order_by_asc(event_log::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One log the caller may see, or `NOT_FOUND`.
pub async fn get_log(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<EventLogRecord> {
    event_log::Entity::find_by_id(id)
        .filter(super::scope::visible_logs(caller))
        .unique(db)
        .await?
        .map(Into::into)
        .ok_or_else(|| Error::not_found("event log", id))
}

/// One import, when the caller may see its log (`NOT_FOUND` otherwise).
pub async fn import(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<ImportRecord> {
    let row = event_import::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("import", id))?;
    match get_log(db, caller, row.log_id).await {
        Ok(_) => Ok(import_from_row(row)),
        Err(Error::NotFound { .. }) => Err(Error::not_found("import", id)),
        Err(e) => Err(e),
    }
}

/// A log's imports, newest first.
pub async fn imports(
    db: &impl ConnectionTrait,
    caller: &Caller,
    log_id: Uuid,
) -> Result<Vec<ImportRecord>> {
    get_log(db, caller, log_id).await?;
    Ok(event_import::Entity::find()
        .filter(event_import::Column::LogId.eq(log_id))
        .order_by_desc(event_import::Column::StartedAt)
        .order_by_desc(event_import::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(import_from_row)
        .collect())
}

/// Reads a stored log into the engine's compact form, page by page in stored order (so no
/// sort is needed in the database), grouping by pseudonymised case. O(n).
pub async fn load(db: &impl ConnectionTrait, caller: &Caller, log_id: Uuid) -> Result<EventLog> {
    get_log(db, caller, log_id).await?;
    use log_event::Column as C;
    let mut builder = LogBuilder::new();
    let mut from = 0i64;
    loop {
        let rows = db
            .query_all(
                Query::select()
                    .columns([
                        C::Seq,
                        C::CaseKey,
                        C::Activity,
                        C::TimeMs,
                        C::Organisation,
                        C::Lifecycle,
                    ])
                    .from(log_event::Entity)
                    .and_where(C::LogId.eq(log_id))
                    .and_where(C::Seq.gte(from))
                    .order_by(C::Seq, Order::Asc)
                    .limit(EVENT_PAGE),
            )
            .await?;
        let count = rows.len();
        for row in rows {
            let seq: i64 = row.try_get_by_index(0)?;
            let case_key: String = row.try_get_by_index(1)?;
            let activity: String = row.try_get_by_index(2)?;
            let time_ms: i64 = row.try_get_by_index(3)?;
            let organisation: Option<String> = row.try_get_by_index(4)?;
            let lifecycle: Option<String> = row.try_get_by_index(5)?;
            builder.push(
                &case_key,
                &activity,
                time_ms,
                organisation.as_deref(),
                lifecycle
                    .as_deref()
                    .map_or(Lifecycle::Unspecified, Lifecycle::parse),
            );
            from = seq + 1;
        }
        if (count as u64) < EVENT_PAGE {
            break;
        }
    }
    Ok(builder.build())
}
