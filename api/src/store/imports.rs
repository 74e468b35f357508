//! Writing staged events into a log, all or nothing, with the import's record, the log's new
//! counts and the measures built on it, in one audited transaction; a refused import stores only
//! its FAILED record.

use super::events::*;
use super::scope::Unique as _;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{DbResultExt as _, Error, Result};
use chrono::{DateTime, Utc};
use engine::events::RowError;
use entity::{event_import, event_log, log_event};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, Value,
};
use uuid::Uuid;

/// Events a statement: 8 bound values each stays under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound values a statement; fewer, larger statements import faster.
const EVENT_INSERT_CHUNK: usize = 4_000;
use engine::events::staging::*;

fn errors_json(staged: &Staged) -> serde_json::Value {
    let mut errors: Vec<&RowError> = staged.fatal.iter().collect();
    errors.extend(staged.report.errors.iter());
    serde_json::to_value(errors).unwrap_or_default()
}

/// How the file was read, as stored with the import (none for API batches).
fn reading_json(staged: &Staged) -> Option<serde_json::Value> {
    let reading = staged.report.reading.as_ref()?;
    serde_json::to_value(reading).ok()
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn phases_json(phases: ImportPhases) -> Option<serde_json::Value> {
    serde_json::to_value(phases).ok()
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
        content_hash: Set(None),
        first_seq: Set(None),
        withdrawn_at: Set(None),
        withdrawn_by: Set(None),
        withdrawal_reason: Set(None),
        status: Set("FAILED".into()),
        rows: Set(staged.report.rows as i64),
        events: Set(0),
        errors: Set(errors_json(staged)),
        message: Set(Some(message)),
        started_at: Set(started_at),
        finished_at: Set(Utc::now()),
        reading: Set(reading_json(staged)),
        phases: Set(phases_json(ImportPhases {
            read_ms: millis(staged.read_time),
            ..ImportPhases::default()
        })),
    };
    let tx = begin_write(db).await?;
    let model = event_import::Entity::insert(row)
        .exec_with_returning(&tx)
        .await?;
    super::outbox::emit_for_import(&tx, log_id, &model, super::outbox::EventType::ImportFailed)
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
    if let Some(log) = event_log::Entity::find_by_id(log_id).unique(db).await? {
        refuse_archived(&log)?;
    }
    if let Some(key) = batch_key {
        if key.trim().is_empty() || key.len() > 200 {
            return Err(Error::invalid("batchKey", "must be 1 to 200 characters"));
        }
        // A key is stored and shown back like any other field, so it is screened like one.
        if engine::events::identifiers::contains_nhs_number(key) {
            return Err(Error::invalid(
                "batchKey",
                "looks like it holds an NHS number; use a key that identifies the batch, not a patient",
            ));
        }
        if let Some(existing) = stored_batch(db, log_id, key, &staged).await? {
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
            stored_batch(db, log_id, key, &staged)
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

/// The import already stored under `key`, answered again as a duplicate when `staged` holds the
/// same events; a `CONFLICT` naming the key when it holds others (a client reusing a key for a
/// new batch would otherwise lose the new events without a word).
async fn stored_batch(
    db: &impl ConnectionTrait,
    log_id: Uuid,
    key: &str,
    staged: &Staged,
) -> Result<Option<ImportRecord>> {
    let Some(row) = event_import::Entity::find()
        .filter(event_import::Column::LogId.eq(log_id))
        .filter(event_import::Column::BatchKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row
        .content_hash
        .as_deref()
        .is_some_and(|stored| stored != staged.events.content_hash())
    {
        return Err(Error::Conflict(format!(
            "the key '{key}' was already used for other events (import {}); send new events under a new key",
            row.id
        )));
    }
    Ok(Some(row).map(|row| ImportRecord {
        duplicate: true,
        ..import_from_row(row)
    }))
}

/// Writes the events and the import's record: on PostgreSQL the events are first copied beside
/// the transaction (see [`super::event_copy`]) and moved into the log inside it.
async fn write(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    log_id: Uuid,
    source: ImportSource,
    batch_key: Option<&str>,
    staged: &Staged,
    started_at: DateTime<Utc>,
) -> Result<ImportRecord> {
    let copying = std::time::Instant::now();
    let staging = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let id = Uuid::now_v7();
        if let Err(e) = super::event_copy::copy_to_staging(db, id, &staged.events).await {
            super::event_copy::clear(db, id).await.ok();
            return Err(e);
        }
        Some(id)
    } else {
        None
    };
    let copied = copying.elapsed();
    let written = write_in_transaction(
        db, ctx, log_id, source, batch_key, staged, started_at, staging, copied,
    )
    .await;
    if written.is_err()
        && let Some(id) = staging
    {
        // Nothing reached the log; the copy must not stay behind either.
        super::event_copy::clear(db, id).await.ok();
    }
    written
}

#[allow(clippy::too_many_arguments)] // `write`'s own arguments and what it copied
async fn write_in_transaction(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    log_id: Uuid,
    source: ImportSource,
    batch_key: Option<&str>,
    staged: &Staged,
    started_at: DateTime<Utc>,
    staging: Option<Uuid>,
    copied: std::time::Duration,
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
        content_hash: Set(batch_key.map(|_| staged.events.content_hash())),
        first_seq: Set(None),
        withdrawn_at: Set(None),
        withdrawn_by: Set(None),
        withdrawal_reason: Set(None),
        status: Set("SUCCEEDED".into()),
        rows: Set(staged.report.rows as i64),
        events: Set(n),
        errors: Set(serde_json::json!([])),
        message: Set(None),
        started_at: Set(started_at),
        // Set again, with each phase's time, once the events are written.
        finished_at: Set(Utc::now()),
        reading: Set(reading_json(staged)),
        phases: Set(None),
    })
    .exec_without_returning(&tx)
    .await
    // Another request stored the same batch while this one was staging it.
    .on_unique_violation(|| "this batch key is already stored".into())?;
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
    // Checked again under the row lock: the log may have been archived since `import` looked.
    refuse_archived(&log)?;
    let first_seq = log.next_seq - n;
    let writing = std::time::Instant::now();
    match staging {
        Some(id) => super::event_copy::move_into_log(&tx, id, log_id, first_seq).await?,
        None => insert_events(&tx, log_id, first_seq, events).await?,
    }
    let write_time = copied + writing.elapsed();
    let recomputing = std::time::Instant::now();
    // Into an empty log, the import's own counts are the log's.
    let known = (log.event_count == 0).then(|| (n, events.case_count() as i64));
    refresh_log(&tx, caller, log_id, known).await?;
    let phases = ImportPhases {
        read_ms: millis(staged.read_time),
        write_ms: millis(write_time),
        recompute_ms: millis(recomputing.elapsed()),
    };
    event_import::Entity::update_many()
        .col_expr(event_import::Column::FirstSeq, Expr::value(first_seq))
        .col_expr(event_import::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(
            event_import::Column::Phases,
            Expr::value(phases_json(phases)),
        )
        .filter(event_import::Column::Id.eq(import_id))
        .exec(&tx)
        .await?;
    if let Some(reading) = &staged.report.reading {
        event_log::Entity::update_many()
            .col_expr(
                event_log::Column::Timezone,
                Expr::value(reading.timezone.clone()),
            )
            .filter(event_log::Column::Id.eq(log_id))
            .exec(&tx)
            .await?;
    }
    if let Some(row) = event_import::Entity::find_by_id(import_id).one(&tx).await? {
        super::outbox::emit_for_import(
            &tx,
            log_id,
            &row,
            super::outbox::EventType::ImportCompleted,
        )
        .await?;
    }
    commit_import(tx, ctx, import_id, log_id, &[]).await
}

/// An archived log takes no more events: `VALIDATION` naming the log.
fn refuse_archived(log: &event_log::Model) -> Result<()> {
    match log.archived_at {
        Some(at) => Err(Error::invalid(
            "logId",
            format!(
                "event log '{}' was archived on {}: it takes no more events",
                log.name,
                at.format("%Y-%m-%d")
            ),
        )),
        None => Ok(()),
    }
}

/// Archives a log: it takes no more events and leaves `eventLogs` unless archived logs are
/// asked for; its events, imports and the measures computed from it stay readable. Needs the
/// right to write the log's events.
pub async fn archive_log(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    log_id: Uuid,
    reason: &str,
) -> Result<EventLogRecord> {
    let caller = &ctx.caller;
    let reason = super::rows::parse_reason(reason)?;
    let tx = begin_write(db).await?;
    let current = get_log(&tx, caller, log_id).await?;
    super::access::require_events_write(&tx, caller, log_id).await?;
    if current.archive.is_some() {
        return Err(Error::invalid("logId", "the event log is already archived"));
    }
    event_log::Entity::update_many()
        .col_expr(event_log::Column::ArchivedAt, Expr::value(Utc::now()))
        .col_expr(event_log::Column::ArchivedBy, Expr::value(caller.name()))
        .col_expr(
            event_log::Column::ArchiveReason,
            Expr::value(reason.clone()),
        )
        .col_expr(
            event_log::Column::Version,
            Expr::col(event_log::Column::Version).add(1),
        )
        .filter(event_log::Column::Id.eq(log_id))
        .exec(&tx)
        .await?;
    let archived = get_log(&tx, caller, log_id).await?;
    let change = super::audit::Change {
        object: log_id,
        field: "archiveReason".into(),
        before: serde_json::Value::Null,
        after: reason.into(),
    };
    super::audit::commit_changes(tx, ctx, &[log_id], &[change]).await?;
    Ok(archived)
}

/// Deletes a log that never held anything: no events, no imports (a retracted import is
/// history, so such a log is archived instead), and no measure computed from it. Refused with
/// what it still holds. Needs the right to write the log's events.
pub async fn delete_log(db: &DatabaseConnection, ctx: &RequestContext, log_id: Uuid) -> Result<()> {
    use sea_orm::PaginatorTrait as _;
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = get_log(&tx, caller, log_id).await?;
    super::access::require_events_write(&tx, caller, log_id).await?;
    let imports = event_import::Entity::find()
        .filter(event_import::Column::LogId.eq(log_id))
        .count(&tx)
        .await?;
    let measures = entity::measure::Entity::find()
        .filter(entity::measure::Column::EventLogId.eq(log_id))
        .count(&tx)
        .await?;
    if current.event_count > 0 || imports > 0 || measures > 0 {
        return Err(Error::invalid(
            "logId",
            format!(
                "event log '{}' is not empty ({} events, {imports} imports, {measures} measures computed from it): archive it instead",
                current.name, current.event_count
            ),
        ));
    }
    // Without a foreign key on PostgreSQL (see migration 000014), the log's events go with it
    // here: none were counted, but an import may have committed since the count was read.
    log_event::Entity::delete_many()
        .filter(log_event::Column::LogId.eq(log_id))
        .exec(&tx)
        .await?;
    event_log::Entity::delete_by_id(log_id).exec(&tx).await?;
    let change = super::audit::Change {
        object: log_id,
        field: "name".into(),
        before: current.name.into(),
        after: serde_json::Value::Null,
    };
    super::audit::commit_changes(tx, ctx, &[log_id], &[change]).await
}

/// Commits an import's write (audited) and answers with the import as stored.
async fn commit_import(
    tx: crate::db::WriteTransaction,
    ctx: &RequestContext,
    import_id: Uuid,
    log_id: Uuid,
    changes: &[super::audit::Change],
) -> Result<ImportRecord> {
    let row = event_import::Entity::find_by_id(import_id)
        .unique(&tx)
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("import row vanished")))?;
    super::audit::commit_changes(tx, ctx, &[import_id, log_id], changes).await?;
    Ok(import_from_row(row))
}

/// Counts a log's events and cases again and recomputes the measures built on it, after events
/// were added or removed (in the same transaction). `known` gives the counts when the caller
/// knows them (the first import into an empty log: its own events and cases), sparing a
/// count of distinct cases over the whole log (9.5 s at 10^7 events on PostgreSQL).
async fn refresh_log(
    tx: &crate::db::WriteTransaction,
    caller: &crate::caller::Caller,
    log_id: Uuid,
    known: Option<(i64, i64)>,
) -> Result<()> {
    let (event_count, case_count) = match known {
        Some(counts) => counts,
        None => {
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
            (counts.try_get_by_index(0)?, counts.try_get_by_index(1)?)
        }
    };
    event_log::Entity::update_many()
        .col_expr(event_log::Column::EventCount, Expr::value(event_count))
        .col_expr(event_log::Column::CaseCount, Expr::value(case_count))
        .filter(event_log::Column::Id.eq(log_id))
        .exec(tx)
        .await?;
    // Other systems are told of each measure whose points changed.
    for changed in super::log_measures::recompute_for_log(tx, caller, log_id).await? {
        let record = super::measures::measure_from_row(changed.row)?;
        super::measure_events::points_recorded(
            tx,
            &record,
            &changed.before,
            &changed.after,
            &changed.changed,
        )
        .await?;
    }
    Ok(())
}

/// Retracts an import: its events leave the log (the log's counts and the measures computed
/// from it follow, in the same transaction), and the import stays, marked with who retracted
/// it, when and why. Needs the right to write the log's events; a failed, already retracted or
/// import from before sequences were recorded is refused saying which.
pub async fn retract(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    import_id: Uuid,
    reason: &str,
) -> Result<ImportRecord> {
    let caller = &ctx.caller;
    let reason = super::rows::parse_reason(reason)?;
    let tx = begin_write(db).await?;
    let row = event_import::Entity::find_by_id(import_id)
        .unique(&tx)
        .await?
        .ok_or_else(|| Error::not_found("import", import_id))?;
    let log_id = row.log_id;
    match get_log(&tx, caller, log_id).await {
        Ok(_) => {}
        Err(Error::NotFound { .. }) => return Err(Error::not_found("import", import_id)),
        Err(e) => return Err(e),
    }
    super::access::require_events_write(&tx, caller, log_id).await?;
    if row.withdrawn_at.is_some() {
        return Err(Error::Conflict(format!(
            "import {import_id} is already retracted"
        )));
    }
    let Some(first_seq) = row.first_seq.filter(|_| row.status == "SUCCEEDED") else {
        return Err(Error::invalid(
            "importId",
            format!("import {import_id} stored no events to retract"),
        ));
    };
    log_event::Entity::delete_many()
        .filter(log_event::Column::LogId.eq(log_id))
        .filter(log_event::Column::Seq.gte(first_seq))
        .filter(log_event::Column::Seq.lt(first_seq + row.events))
        .exec(&tx)
        .await?;
    event_import::Entity::update_many()
        .col_expr(event_import::Column::WithdrawnAt, Expr::value(Utc::now()))
        .col_expr(
            event_import::Column::WithdrawnBy,
            Expr::value(caller.name().to_string()),
        )
        .col_expr(
            event_import::Column::WithdrawalReason,
            Expr::value(reason.clone()),
        )
        .filter(event_import::Column::Id.eq(import_id))
        .exec(&tx)
        .await?;
    event_log::Entity::update_many()
        .col_expr(
            event_log::Column::Version,
            Expr::col(event_log::Column::Version).add(1),
        )
        .col_expr(event_log::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(event_log::Column::Id.eq(log_id))
        .exec(&tx)
        .await?;
    refresh_log(&tx, caller, log_id, None).await?;
    let changes = [
        super::audit::Change {
            object: import_id,
            field: "events".into(),
            before: row.events.into(),
            after: 0.into(),
        },
        super::audit::Change {
            object: import_id,
            field: "withdrawalReason".into(),
            before: serde_json::Value::Null,
            after: reason.into(),
        },
    ];
    commit_import(tx, ctx, import_id, log_id, &changes).await
}

async fn insert_events(
    tx: &DatabaseTransaction,
    log_id: Uuid,
    first_seq: i64,
    events: &StagedEvents,
) -> Result<()> {
    use log_event::Column as C;
    // Chunk by chunk from the staged columns: a copy of every event (10^7 of them) would
    // double the import's memory.
    let mut rows = events.events();
    for chunk_index in 0.. {
        let chunk: Vec<_> = rows.by_ref().take(EVENT_INSERT_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
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
        for (i, event) in chunk.iter().enumerate() {
            let seq = first_seq + (chunk_index * EVENT_INSERT_CHUNK + i) as i64;
            let values: [Value; 8] = [
                log_id.into(),
                seq.into(),
                event.case_key.to_string().into(),
                event.activity.to_string().into(),
                event.time_ms.into(),
                event.organisation.map(str::to_string).into(),
                event.resource.map(str::to_string).into(),
                event.lifecycle_text.map(str::to_string).into(),
            ];
            insert
                .values(values.map(Into::into))
                .map_err(|e| Error::internal(anyhow::anyhow!("building an event insert: {e}")))?;
        }
        tx.execute(&insert).await?;
    }
    Ok(())
}
