//! Event logs in the database: staging a file or a batch (checked and pseudonymised before
//! anything is written), importing it in one transaction, reading a log back into the engine,
//! and discovery as SQL inside PostgreSQL.

use super::visible_organisations;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use crate::store::Unique as _;
use chrono::{DateTime, Utc};
use engine::events::csv::{ReadReport, read_csv};
use engine::events::identifiers::Pseudonymiser;
use engine::events::xes::read_xes;
use engine::events::{EventLog, Interner, Lifecycle, LogBuilder, LogFormat, RawEvent, RowError};
use entity::{event_import, event_log, log_event, organisation};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Value,
};
use std::io::BufRead;
use uuid::Uuid;

/// Most events one `appendEvents` call may carry.
pub const MAX_EVENTS_PER_BATCH: usize = 10_000;

/// Events inserted per statement: 4,000 rows of 8 parameters (32,000) stay under SQLite's 32,766
/// bound parameters and PostgreSQL's 65,535; fewer, larger statements halve the PostgreSQL import.
const EVENT_INSERT_CHUNK: usize = 4_000;

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
}

impl ImportRecord {
    pub fn succeeded(&self) -> bool {
        self.status == "SUCCEEDED"
    }
}

fn import_from_row(row: event_import::Model) -> ImportRecord {
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
        .filter(super::visible_logs(caller))
        .one(db)
        .await?
        .map(Into::into))
}

/// Every log the caller may see, by name.
pub async fn list_logs(db: &impl ConnectionTrait, caller: &Caller) -> Result<Vec<EventLogRecord>> {
    Ok(event_log::Entity::find()
        .filter(super::visible_logs(caller))
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
        .filter(super::visible_logs(caller))
        .unique(db)
        .await?
        .map(Into::into)
        .ok_or_else(|| Error::not_found("event log", id))
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

/// Events checked and pseudonymised, held compactly until they are written.
#[derive(Debug, Default)]
pub struct StagedEvents {
    raw_cases: Interner,
    case_keys: Vec<String>,
    activities: Interner,
    organisations: Interner,
    resources: Interner,
    rows: Vec<StagedRow>,
}

#[derive(Debug, Clone, Copy)]
struct StagedRow {
    case: u32,
    activity: u32,
    time_ms: i64,
    organisation: u32,
    resource: u32,
    lifecycle: Lifecycle,
}

const NONE: u32 = u32::MAX;

impl StagedEvents {
    /// Adds one event, replacing its case id by the case's pseudonym. O(len) expected.
    pub fn push(&mut self, pseudonymiser: &Pseudonymiser, e: &RawEvent<'_>) {
        let before = self.raw_cases.len();
        let case = self.raw_cases.intern(e.case_id);
        if self.raw_cases.len() > before {
            self.case_keys.push(pseudonymiser.pseudonym(e.case_id));
        }
        let optional = |interner: &mut Interner, v: Option<&str>| match v {
            Some(v) if !v.is_empty() => interner.intern(v),
            _ => NONE,
        };
        let organisation = optional(&mut self.organisations, e.organisation);
        let resource = optional(&mut self.resources, e.resource);
        self.rows.push(StagedRow {
            case,
            activity: self.activities.intern(e.activity),
            time_ms: e.time_ms,
            organisation,
            resource,
            lifecycle: e.lifecycle,
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// What staging a file or batch found.
#[derive(Debug)]
pub struct Staged {
    pub events: StagedEvents,
    pub report: ReadReport,
    /// Set when the input could not be read at all (no header, malformed XML).
    pub fatal: Option<RowError>,
}

impl Staged {
    /// Why the import must be refused, if it must: never quoting a value.
    pub fn refusal(&self) -> Option<String> {
        if let Some(f) = &self.fatal {
            return Some(format!("the input cannot be read: {}", f.message));
        }
        if let Some(r) = self.report.screen.refusal() {
            return Some(r);
        }
        if !self.report.errors.is_empty() {
            let more = if self.report.stopped_early {
                " (reading stopped there)"
            } else {
                ""
            };
            return Some(format!(
                "{} row error(s){more}; nothing was stored",
                self.report.errors.len()
            ));
        }
        if self.events.is_empty() {
            return Some("the input holds no events".into());
        }
        None
    }
}

/// Reads and checks a whole file, pseudonymising case ids as it goes; `progress` is told the
/// number of rows read every 64k rows. Nothing touches the database. O(bytes).
pub fn stage_file<R: BufRead>(
    input: R,
    format: &LogFormat,
    pseudonymiser: &Pseudonymiser,
    mut progress: impl FnMut(u64),
) -> Staged {
    let mut events = StagedEvents::default();
    let mut on_event = |row: u64, e: RawEvent<'_>| {
        events.push(pseudonymiser, &e);
        if row.is_multiple_of(65_536) {
            progress(row);
        }
    };
    let result = match format {
        LogFormat::Csv(mapping) => read_csv(input, mapping, &mut on_event),
        LogFormat::Xes => read_xes(input, &mut on_event),
    };
    match result {
        Ok(report) => Staged {
            events,
            report,
            fatal: None,
        },
        Err(fatal) => Staged {
            events,
            report: ReadReport::default(),
            fatal: Some(fatal),
        },
    }
}

/// One event as an API client sends it.
#[derive(Debug, Clone)]
pub struct EventInput {
    pub case_id: String,
    pub activity: String,
    pub timestamp: String,
    pub organisation: Option<String>,
    pub resource: Option<String>,
    pub lifecycle: Option<String>,
}

/// Checks a batch from the API like rows of a file (row = position in `events`, from 1),
/// screening every field but the case id for NHS numbers.
pub fn stage_batch(events: &[EventInput], pseudonymiser: &Pseudonymiser) -> Staged {
    let mut staged = StagedEvents::default();
    let mut report = ReadReport::default();
    if events.len() > MAX_EVENTS_PER_BATCH {
        return Staged {
            events: staged,
            report,
            fatal: Some(RowError {
                row: 0,
                column: "events".into(),
                message: format!("at most {MAX_EVENTS_PER_BATCH} events a call"),
            }),
        };
    }
    for (i, e) in events.iter().enumerate() {
        let row = i as u64 + 1;
        report.rows += 1;
        for (column, value) in [
            ("activity", Some(&e.activity)),
            ("timestamp", Some(&e.timestamp)),
            ("organisation", e.organisation.as_ref()),
            ("resource", e.resource.as_ref()),
            ("lifecycle", e.lifecycle.as_ref()),
        ] {
            if let Some(v) = value {
                report.screen.check(column, v);
            }
        }
        let mut problem = None;
        if e.case_id.trim().is_empty() {
            problem = Some(("caseId", "is empty".to_string()));
        } else if e.activity.trim().is_empty() {
            problem = Some(("activity", "is empty".to_string()));
        }
        let time = engine::events::timestamp::parse_timestamp(&e.timestamp);
        if problem.is_none()
            && let Err(m) = &time
        {
            problem = Some(("timestamp", m.clone()));
        }
        match (problem, time) {
            (Some((column, message)), _) => {
                report.errors.push(RowError {
                    row,
                    column: format!("events[{i}].{column}"),
                    message,
                });
            }
            (None, Ok(time_ms)) => staged.push(
                pseudonymiser,
                &RawEvent {
                    case_id: e.case_id.trim(),
                    activity: e.activity.trim(),
                    time_ms,
                    organisation: e.organisation.as_deref().map(str::trim),
                    resource: e.resource.as_deref().map(str::trim),
                    lifecycle: e
                        .lifecycle
                        .as_deref()
                        .map_or(Lifecycle::Unspecified, Lifecycle::parse),
                },
            ),
            (None, Err(_)) => {}
        }
    }
    Staged {
        events: staged,
        report,
        fatal: None,
    }
}

fn errors_json(staged: &Staged) -> serde_json::Value {
    let mut errors: Vec<&RowError> = staged.fatal.iter().collect();
    errors.extend(staged.report.errors.iter());
    serde_json::to_value(errors).unwrap_or_default()
}

/// Records a refused import: no events, the reason and the row errors (never values).
#[allow(clippy::too_many_arguments)] // the import's own fields, passed through as `import` received them
async fn record_failure(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    log_id: Uuid,
    source: ImportSource,
    batch_key: Option<&str>,
    staged: &Staged,
    message: String,
    started_at: DateTime<Utc>,
) -> Result<ImportRecord> {
    let message = match batch_key {
        // Failed batches do not hold their key, so the client can fix and resend it.
        Some(key) => format!("{message} (batch key '{key}')"),
        None => message,
    };
    let row = event_import::ActiveModel {
        id: Set(Uuid::now_v7()),
        log_id: Set(log_id),
        source: Set(source.as_str().into()),
        batch_key: Set(None),
        status: Set("FAILED".into()),
        rows: Set(staged.report.rows as i64),
        events: Set(0),
        errors: Set(errors_json(staged)),
        message: Set(Some(message)),
        started_at: Set(started_at),
        finished_at: Set(Utc::now()),
    };
    let tx = begin_write(db).await?;
    let model = event_import::Entity::insert(row)
        .exec_with_returning(&tx)
        .await?;
    super::audit::commit_as(tx, ctx, &[model.id, log_id], "VALIDATION").await?;
    Ok(import_from_row(model))
}

/// Stores staged events in `log_id`, all or nothing: one transaction writes the import record,
/// every event and the log's new counts, and recomputes the measures built on the log. A
/// refused input (row errors, NHS numbers, nothing to store) writes only a FAILED import record
/// saying why. A batch key already stored returns that import, marked duplicate, writing
/// nothing.
pub async fn import(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    log_id: Uuid,
    source: ImportSource,
    batch_key: Option<&str>,
    staged: Staged,
    started_at: DateTime<Utc>,
) -> Result<ImportRecord> {
    let caller = &ctx.caller;
    get_log(db, caller, log_id).await?;
    super::access::require_events_write(db, caller, log_id).await?;
    if let Some(key) = batch_key {
        if key.trim().is_empty() || key.len() > 200 {
            return Err(Error::invalid("batchKey", "must be 1 to 200 characters"));
        }
        if let Some(existing) = stored_batch(db, log_id, key).await? {
            return Ok(existing);
        }
    }
    if let Some(message) = staged.refusal() {
        return record_failure(
            db, ctx, log_id, source, batch_key, &staged, message, started_at,
        )
        .await;
    }
    match write(db, ctx, log_id, source, batch_key, &staged, started_at).await {
        Ok(record) => Ok(record),
        Err(Error::Conflict(_)) if batch_key.is_some() => {
            // Another request stored the same batch first.
            let key = batch_key.unwrap_or_default();
            stored_batch(db, log_id, key)
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("batch key vanished")))
        }
        Err(Error::Internal(e)) => {
            tracing::error!(error = ?e, %log_id, "event import failed");
            record_failure(
                db,
                ctx,
                log_id,
                source,
                batch_key,
                &staged,
                "the import failed inside qiflow; nothing was stored".into(),
                started_at,
            )
            .await?;
            Err(Error::Internal(e))
        }
        Err(e) => Err(e),
    }
}

async fn stored_batch(
    db: &impl ConnectionTrait,
    log_id: Uuid,
    key: &str,
) -> Result<Option<ImportRecord>> {
    Ok(event_import::Entity::find()
        .filter(event_import::Column::LogId.eq(log_id))
        .filter(event_import::Column::BatchKey.eq(key))
        .one(db)
        .await?
        .map(|row| ImportRecord {
            duplicate: true,
            ..import_from_row(row)
        }))
}

async fn write(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    log_id: Uuid,
    source: ImportSource,
    batch_key: Option<&str>,
    staged: &Staged,
    started_at: DateTime<Utc>,
) -> Result<ImportRecord> {
    let caller = &ctx.caller;
    let events = &staged.events;
    let n = events.len() as i64;
    let tx = begin_write(db).await?;
    let import_id = Uuid::now_v7();
    // The import row goes first so a second copy of the same batch fails at once on the key.
    event_import::Entity::insert(event_import::ActiveModel {
        id: Set(import_id),
        log_id: Set(log_id),
        source: Set(source.as_str().into()),
        batch_key: Set(batch_key.map(str::to_string)),
        status: Set("SUCCEEDED".into()),
        rows: Set(staged.report.rows as i64),
        events: Set(n),
        errors: Set(serde_json::json!([])),
        message: Set(None),
        started_at: Set(started_at),
        finished_at: Set(Utc::now()),
    })
    .exec_without_returning(&tx)
    .await?;
    // Claim the sequence numbers; the row lock also queues concurrent imports into one log.
    event_log::Entity::update_many()
        .col_expr(
            event_log::Column::NextSeq,
            Expr::col(event_log::Column::NextSeq).add(n),
        )
        .col_expr(
            event_log::Column::Version,
            Expr::col(event_log::Column::Version).add(1),
        )
        .col_expr(event_log::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(event_log::Column::Id.eq(log_id))
        .exec(&tx)
        .await?;
    let log = event_log::Entity::find_by_id(log_id)
        .unique(&tx)
        .await?
        .ok_or_else(|| Error::not_found("event log", log_id))?;
    let first_seq = log.next_seq - n;
    insert_events(&tx, log_id, first_seq, events).await?;
    let counts = tx
        .query_one(
            Query::select()
                .expr(Func::count(Expr::col(log_event::Column::Seq)))
                .expr(Func::count_distinct(Expr::col(log_event::Column::CaseKey)))
                .from(log_event::Entity)
                .and_where(log_event::Column::LogId.eq(log_id)),
        )
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("no count row")))?;
    let event_count: i64 = counts.try_get_by_index(0)?;
    let case_count: i64 = counts.try_get_by_index(1)?;
    event_log::Entity::update_many()
        .col_expr(event_log::Column::EventCount, Expr::value(event_count))
        .col_expr(event_log::Column::CaseCount, Expr::value(case_count))
        .filter(event_log::Column::Id.eq(log_id))
        .exec(&tx)
        .await?;
    super::log_measures::recompute_for_log(&tx, caller, log_id).await?;
    let row = event_import::Entity::find_by_id(import_id)
        .unique(&tx)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("import row vanished")))?;
    super::audit::commit(tx, ctx, &[import_id, log_id]).await?;
    Ok(import_from_row(row))
}

async fn insert_events(
    tx: &DatabaseTransaction,
    log_id: Uuid,
    first_seq: i64,
    events: &StagedEvents,
) -> Result<()> {
    use log_event::Column as C;
    let text = |interner: &Interner, i: u32| -> Value {
        if i == NONE {
            Value::String(None)
        } else {
            interner.name(i).to_string().into()
        }
    };
    for (chunk_index, chunk) in events.rows.chunks(EVENT_INSERT_CHUNK).enumerate() {
        let mut insert = Query::insert();
        insert.into_table(log_event::Entity).columns([
            C::LogId,
            C::Seq,
            C::CaseKey,
            C::Activity,
            C::TimeMs,
            C::Organisation,
            C::Resource,
            C::Lifecycle,
        ]);
        for (i, row) in chunk.iter().enumerate() {
            let seq = first_seq + (chunk_index * EVENT_INSERT_CHUNK + i) as i64;
            let values: [Value; 8] = [
                log_id.into(),
                seq.into(),
                events.case_keys[row.case as usize].clone().into(),
                events.activities.name(row.activity).to_string().into(),
                row.time_ms.into(),
                text(&events.organisations, row.organisation),
                text(&events.resources, row.resource),
                row.lifecycle.as_str().map(str::to_string).into(),
            ];
            insert
                .values(values.map(Into::into))
                .map_err(|e| Error::internal(anyhow::anyhow!("building an event insert: {e}")))?;
        }
        tx.execute(&insert).await?;
    }
    Ok(())
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
