//! Measures of improvement projects and their data points: reads, adding and editing a measure,
//! and recording points (a period sent again replaces the one stored).

use super::audit::Change;
use super::projects::*;
use super::scope::INSERT_CHUNK;
use super::scope::Unique as _;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::{NaiveDate, Utc};
use engine::measure::{DataPoint, Measure};
use entity::{data_point, measure};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

pub(super) fn measure_from_row(row: measure::Model) -> Result<MeasureRecord> {
    let bad = |e: String| corrupt("measure", row.id, e);
    let measure = Measure::parse(
        &row.name,
        row.kind.parse().map_err(bad)?,
        &row.definition,
        &row.unit,
        row.direction.parse().map_err(bad)?,
        row.target,
        row.chart_type.parse().map_err(bad)?,
    )
    .map_err(|e| corrupt("measure", row.id, e))?;
    let from_log = match (row.event_log_id, &row.log_definition) {
        (Some(log_id), Some(json)) => Some(LogSource {
            log_id,
            definition: super::log_measures::definition_from_json(row.id, json)?,
        }),
        _ => None,
    };
    let rebases = match &row.rebases {
        Some(json) => serde_json::from_value(json.clone())
            .map_err(|e| corrupt("measure", row.id, e.to_string()))?,
        None => Vec::new(),
    };
    let settings = engine::spc::chart::ChartSettings {
        preset: match &row.rule_preset {
            Some(name) => engine::spc::chart::Preset::parse(name).map_err(bad)?,
            None => Default::default(),
        },
        baseline_points: row.baseline_points.and_then(|n| usize::try_from(n).ok()),
    };
    Ok(MeasureRecord {
        settings,
        rebases,
        id: row.id,
        project_id: row.project_id,
        measure,
        from_log,
        withdrawal: super::rows::Withdrawal::from_columns(
            row.withdrawn_at,
            row.withdrawn_by,
            row.withdrawal_reason,
        ),
    })
}

/// Adds a measure to a project, taking the project's next version (`CONFLICT` when stale). A
/// measure from a log gets its data points computed at once (and again whenever the log grows);
/// its activities must occur in the log unless `allow_unseen_activities`.
pub async fn add_measure(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    project_id: Uuid,
    expected_version: i64,
    m: Measure,
    from_log: Option<LogSource>,
    allow_unseen_activities: bool,
) -> Result<(ProjectRecord, Uuid)> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    get(&tx, caller, project_id).await?;
    super::access::require_project(&tx, caller, project_id, crate::caller::Role::Editor).await?;
    if let Some(source) = &from_log {
        source.definition.check()?;
        super::events::get_log(&tx, caller, source.log_id)
            .await
            .map_err(|_| Error::invalid("logId", format!("no event log {}", source.log_id)))?;
    }
    claim(&tx, caller, project_id, expected_version).await?;
    let position = measure::Entity::find()
        .filter(measure::Column::ProjectId.eq(project_id))
        .count(&tx)
        .await? as i32;
    let id = Uuid::now_v7();
    measure::Entity::insert(measure::ActiveModel {
        id: Set(id),
        project_id: Set(project_id),
        position: Set(position),
        name: Set(m.name),
        kind: Set(m.kind.as_str().to_string()),
        definition: Set(m.definition),
        unit: Set(m.unit),
        direction: Set(m.direction.as_str().to_string()),
        target: Set(m.target),
        chart_type: Set(m.chart_type.as_str().to_string()),
        created_at: Set(Utc::now()),
        event_log_id: Set(from_log.as_ref().map(|s| s.log_id)),
        log_definition: Set(match &from_log {
            Some(s) => Some(serde_json::to_value(&s.definition).map_err(Error::internal)?),
            None => None,
        }),
        ..Default::default()
    })
    .exec_without_returning(&tx)
    .await?;
    if let Some(source) = &from_log {
        let log = super::events::load(&tx, caller, source.log_id).await?;
        if !allow_unseen_activities {
            let unseen = source.definition.unseen_activities(&log);
            if !unseen.is_empty() {
                return Err(Error::Validation(unseen));
            }
        }
        super::log_measures::recompute(&tx, id, &log, &source.definition).await?;
    }
    let project = get(&tx, caller, project_id).await?;
    super::audit::commit(tx, ctx, &[project_id, id]).await?;
    Ok((project, id))
}

/// The current measures of a project (withdrawn ones too with `include_withdrawn`), in the
/// order they were added.
pub async fn measures(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
    include_withdrawn: bool,
) -> Result<Vec<MeasureRecord>> {
    ensure_visible(db, caller, project_id).await?;
    let mut query = measure::Entity::find().filter(measure::Column::ProjectId.eq(project_id));
    if !include_withdrawn {
        query = query.filter(measure::Column::WithdrawnAt.is_null());
    }
    query
        .order_by_asc(measure::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(measure_from_row)
        .collect()
}

/// The measures of each of `projects` the caller may see, in order: two statements however many
/// projects.
pub async fn of_projects(
    db: &impl ConnectionTrait,
    caller: &Caller,
    projects: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<MeasureRecord>>> {
    let visible = super::projects::visible_among(db, caller, projects).await?;
    let mut out: std::collections::HashMap<Uuid, Vec<MeasureRecord>> =
        visible.iter().map(|id| (*id, Vec::new())).collect();
    for row in measure::Entity::find()
        .filter(measure::Column::ProjectId.is_in(visible))
        .filter(measure::Column::WithdrawnAt.is_null())
        .order_by_asc(measure::Column::Position)
        .all(db)
        .await?
    {
        let project = row.project_id;
        out.entry(project).or_default().push(measure_from_row(row)?);
    }
    Ok(out)
}

/// One measure the caller may see, or `NOT_FOUND`.
pub async fn measure(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<MeasureRecord> {
    let row = measure::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("measure", id))?;
    match ensure_visible(db, caller, row.project_id).await {
        Ok(()) => measure_from_row(row),
        Err(Error::NotFound { .. }) => Err(Error::not_found("measure", id)),
        Err(e) => Err(e),
    }
}

/// A measure's current data points (not withdrawn), by date: what charts, summaries and
/// reports are drawn from.
pub async fn points(
    db: &impl ConnectionTrait,
    caller: &Caller,
    measure_id: Uuid,
) -> Result<Vec<DataPoint>> {
    measure(db, caller, measure_id).await?;
    Ok(data_point::Entity::find()
        .filter(data_point::Column::MeasureId.eq(measure_id))
        .filter(data_point::Column::WithdrawnAt.is_null())
        .order_by_asc(data_point::Column::Date)
        .all(db)
        .await?
        .into_iter()
        .map(point_from_row)
        .collect())
}

/// A point that was retracted, or replaced by a correction, with who did it, when and why.
#[derive(Debug, Clone)]
pub struct WithdrawnPoint {
    pub point: DataPoint,
    pub at: chrono::DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// Every point of a measure, current and withdrawn, by date then by when it was withdrawn
/// (current last): the measure's history.
pub async fn history(
    db: &impl ConnectionTrait,
    caller: &Caller,
    measure_id: Uuid,
) -> Result<Vec<(DataPoint, Option<WithdrawnPoint>)>> {
    measure(db, caller, measure_id).await?;
    let mut rows = data_point::Entity::find()
        .filter(data_point::Column::MeasureId.eq(measure_id))
        .order_by_asc(data_point::Column::Date)
        .all(db)
        .await?;
    rows.sort_by_key(|p| (p.date, p.withdrawn_at.is_none(), p.withdrawn_at));
    Ok(rows
        .into_iter()
        .map(|p| {
            let withdrawal = p.withdrawn_at.map(|at| WithdrawnPoint {
                point: point_from_row(p.clone()),
                at,
                by: p.withdrawn_by.clone().unwrap_or_default(),
                reason: p.withdrawal_reason.clone().unwrap_or_default(),
            });
            (point_from_row(p), withdrawal)
        })
        .collect())
}

/// Withdraws the measure's current points on `dates`, keeping them marked with who, when and
/// why. Every date must have a current point (`dates[i]` names one that has not), else nothing
/// changes. One audited transaction; returns how many were withdrawn.
pub async fn retract_points(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    measure_id: Uuid,
    dates: &[NaiveDate],
    reason: &str,
) -> Result<usize> {
    let caller = &ctx.caller;
    let reason = super::rows::parse_reason(reason)?;
    let tx = begin_write(db).await?;
    writable(&tx, caller, measure_id).await?;
    hold_measure(&tx, measure_id).await?;
    let current = current_on(&tx, measure_id, dates).await?;
    let mut errors = engine::InputErrors::default();
    for (i, d) in dates.iter().enumerate() {
        if !current.contains_key(d) {
            errors.push(
                format!("dates[{i}]"),
                format!("the measure has no current point on {d}"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let withdrawn = withdraw(&tx, caller, measure_id, dates, &reason)
        .await?
        .len();
    let changes: Vec<Change> = current
        .values()
        .map(|p| point_change(measure_id, Some(p), None))
        .collect();
    super::audit::commit_changes(tx, ctx, &[measure_id], &changes).await?;
    Ok(withdrawn)
}

/// The current points of a measure on `dates`, by date.
async fn current_on(
    tx: &impl ConnectionTrait,
    measure_id: Uuid,
    dates: &[NaiveDate],
) -> Result<std::collections::BTreeMap<NaiveDate, DataPoint>> {
    let mut current = std::collections::BTreeMap::new();
    for chunk in dates.chunks(INSERT_CHUNK) {
        for p in data_point::Entity::find()
            .filter(data_point::Column::MeasureId.eq(measure_id))
            .filter(data_point::Column::WithdrawnAt.is_null())
            .filter(data_point::Column::Date.is_in(chunk.iter().copied()))
            .all(tx)
            .await?
        {
            current.insert(p.date, point_from_row(p));
        }
    }
    Ok(current)
}

/// A point as the audit trail keeps it.
fn point_json(p: &DataPoint) -> serde_json::Value {
    serde_json::json!({
        "date": p.date,
        "value": p.value,
        "numerator": p.numerator,
        "denominator": p.denominator,
        "annotation": p.annotation,
    })
}

/// One point corrected (both), recorded (no `before`) or retracted (no `after`), as an audit
/// change named by its date.
fn point_change(measure_id: Uuid, before: Option<&DataPoint>, after: Option<&DataPoint>) -> Change {
    let date = before
        .or(after)
        .map(|p| p.date.to_string())
        .unwrap_or_default();
    Change {
        object: measure_id,
        field: format!("points[{date}]"),
        before: before.map_or(serde_json::Value::Null, point_json),
        after: after.map_or(serde_json::Value::Null, point_json),
    }
}

/// Moves a measure's current point from `from` to `to` (a date entered wrongly): the point at
/// `from` is withdrawn with `reason` and the same values are recorded at `to`, which must have
/// no current point. One audited transaction.
pub async fn move_point(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    measure_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    reason: &str,
) -> Result<()> {
    let caller = &ctx.caller;
    let reason = super::rows::parse_reason(reason)?;
    let tx = begin_write(db).await?;
    writable(&tx, caller, measure_id).await?;
    hold_measure(&tx, measure_id).await?;
    let current = current_on(&tx, measure_id, &[from, to]).await?;
    let Some(point) = current.get(&from).cloned() else {
        return Err(Error::invalid(
            "date",
            format!("the measure has no current point on {from}"),
        ));
    };
    if from == to {
        return Err(Error::invalid("to", "the point is already on that date"));
    }
    if current.contains_key(&to) {
        return Err(Error::invalid(
            "to",
            format!("the measure already has a point on {to}: correct or retract it first"),
        ));
    }
    withdraw(&tx, caller, measure_id, &[from], &reason).await?;
    let moved = DataPoint {
        date: to,
        ..point.clone()
    };
    insert_points(&tx, measure_id, std::slice::from_ref(&moved)).await?;
    let change = Change {
        object: measure_id,
        field: format!("points[{from}]"),
        before: point_json(&point),
        after: point_json(&moved),
    };
    super::audit::commit_changes(tx, ctx, &[measure_id], &[change]).await
}

/// The measure, when the caller may edit its points: `FORBIDDEN` without the editor role,
/// `VALIDATION` when it is computed from a log or withdrawn.
async fn writable(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    measure_id: Uuid,
) -> Result<MeasureRecord> {
    let row = measure::Entity::find_by_id(measure_id)
        .unique(tx)
        .await?
        .ok_or_else(|| Error::not_found("measure", measure_id))?;
    // Requiring EDITOR finds the project among those the caller may see: one check, not two,
    // while every other writer waits.
    match super::access::require_project(tx, caller, row.project_id, crate::caller::Role::Editor)
        .await
    {
        Err(Error::NotFound { .. }) => return Err(Error::not_found("measure", measure_id)),
        other => other?,
    }
    let record = measure_from_row(row)?;
    if let Some(source) = &record.from_log {
        return Err(Error::invalid(
            "measureId",
            format!(
                "measure {measure_id} is computed from event log {}: its points follow the log, so add events to the log or retract an import instead",
                source.log_id
            ),
        ));
    }
    if record.withdrawal.is_some() {
        return Err(Error::invalid(
            "measureId",
            format!("measure {measure_id} is withdrawn: its points can no longer change"),
        ));
    }
    Ok(record)
}

async fn insert_points(
    tx: &impl ConnectionTrait,
    measure_id: Uuid,
    points: &[DataPoint],
) -> Result<()> {
    let rows: Vec<data_point::ActiveModel> = points
        .iter()
        .map(|p| data_point::ActiveModel {
            id: Set(Uuid::now_v7()),
            measure_id: Set(measure_id),
            date: Set(p.date),
            value: Set(p.value),
            numerator: Set(p.numerator),
            denominator: Set(p.denominator),
            annotation: Set(p.annotation.clone()),
            withdrawn_at: Set(None),
            withdrawn_by: Set(None),
            withdrawal_reason: Set(None),
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        data_point::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// Withdraws a measure: it leaves the project's charts, summary and report, and stays readable
/// with `includeWithdrawn`, marked with who, when and why. Takes the project's next version.
pub async fn withdraw_measure(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    measure_id: Uuid,
    expected_version: i64,
    reason: &str,
) -> Result<MeasureRecord> {
    let caller = &ctx.caller;
    let reason = super::rows::parse_reason(reason)?;
    let tx = begin_write(db).await?;
    let current = measure(&tx, caller, measure_id).await?;
    claim(&tx, caller, current.project_id, expected_version).await?;
    if current.withdrawal.is_some() {
        return Err(Error::invalid(
            "measureId",
            "the measure is already withdrawn",
        ));
    }
    measure::Entity::update_many()
        .col_expr(measure::Column::WithdrawnAt, Expr::value(Utc::now()))
        .col_expr(measure::Column::WithdrawnBy, Expr::value(caller.name()))
        .col_expr(
            measure::Column::WithdrawalReason,
            Expr::value(reason.clone()),
        )
        .filter(measure::Column::Id.eq(measure_id))
        .exec(&tx)
        .await?;
    let updated = measure(&tx, caller, measure_id).await?;
    let change = Change {
        object: measure_id,
        field: "withdrawalReason".into(),
        before: serde_json::Value::Null,
        after: serde_json::Value::String(reason),
    };
    super::audit::commit_changes(tx, ctx, &[current.project_id, measure_id], &[change]).await?;
    Ok(updated)
}

/// Writers of one measure take turns on its row (a no-op update holds the row lock until commit
/// on PostgreSQL; SQLite has one writer anyway), so two that replace the same period cannot
/// both withdraw the old point and then both insert a new one.
async fn hold_measure(tx: &impl ConnectionTrait, measure_id: Uuid) -> Result<()> {
    // A write transaction on SQLite already holds the only write lock (`BEGIN IMMEDIATE`); the
    // statement would be one more hop to its thread while every other writer waits.
    if tx.get_database_backend() == sea_orm::DbBackend::Sqlite {
        return Ok(());
    }
    measure::Entity::update_many()
        .col_expr(measure::Column::Id, Expr::col(measure::Column::Id))
        .filter(measure::Column::Id.eq(measure_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Marks the current points of `dates` withdrawn by the caller for `reason`, and gives them as
/// they were (one statement per chunk of dates, `UPDATE ... RETURNING`).
async fn withdraw(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    measure_id: Uuid,
    dates: &[NaiveDate],
    reason: &str,
) -> Result<std::collections::BTreeMap<NaiveDate, DataPoint>> {
    let mut withdrawn = std::collections::BTreeMap::new();
    let now = Utc::now();
    for chunk in dates.chunks(INSERT_CHUNK) {
        let rows = data_point::Entity::update_many()
            .col_expr(data_point::Column::WithdrawnAt, Expr::value(now))
            .col_expr(
                data_point::Column::WithdrawnBy,
                Expr::value(caller.name().to_string()),
            )
            .col_expr(
                data_point::Column::WithdrawalReason,
                Expr::value(reason.to_string()),
            )
            .filter(data_point::Column::MeasureId.eq(measure_id))
            .filter(data_point::Column::WithdrawnAt.is_null())
            .filter(data_point::Column::Date.is_in(chunk.iter().copied()))
            .exec_with_returning(tx)
            .await?;
        // The returned rows carry the new withdrawal; the point itself is as it was.
        withdrawn.extend(rows.into_iter().map(|p| (p.date, point_from_row(p))));
    }
    Ok(withdrawn)
}

fn point_from_row(p: data_point::Model) -> DataPoint {
    DataPoint {
        date: p.date,
        value: p.value,
        numerator: p.numerator,
        denominator: p.denominator,
        annotation: p.annotation,
    }
}

/// The points of every measure of a project the caller may see, by measure, each by date: one
/// statement for the whole project (the icon table and the report read them all).
pub async fn points_of_project(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<std::collections::HashMap<Uuid, Vec<DataPoint>>> {
    ensure_visible(db, caller, project_id).await?;
    let in_project = sea_orm::sea_query::Query::select()
        .column(measure::Column::Id)
        .from(measure::Entity)
        .and_where(measure::Column::ProjectId.eq(project_id))
        .and_where(measure::Column::WithdrawnAt.is_null())
        .to_owned();
    let mut out: std::collections::HashMap<Uuid, Vec<DataPoint>> = Default::default();
    for p in data_point::Entity::find()
        .filter(data_point::Column::MeasureId.in_subquery(in_project))
        .filter(data_point::Column::WithdrawnAt.is_null())
        .order_by_asc(data_point::Column::Date)
        .all(db)
        .await?
    {
        out.entry(p.measure_id).or_default().push(point_from_row(p));
    }
    Ok(out)
}

/// How a batch of points landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub inserted: usize,
    /// Points for dates the measure already had: the new value replaced the old.
    pub replaced: usize,
}

/// Records checked points, correcting any the measure already has for the same dates (the old
/// point is withdrawn, kept in the history, so sending a period twice charts it once). One
/// transaction.
pub async fn record_points(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    measure_id: Uuid,
    points: Vec<DataPoint>,
) -> Result<Recorded> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let record = writable(&tx, caller, measure_id).await?;
    hold_measure(&tx, measure_id).await?;
    let earlier = super::measure_events::current_points(&tx, measure_id).await?;
    // A point re-sent for a date corrects it: the old value stays, withdrawn, in the history.
    let dates: Vec<NaiveDate> = points.iter().map(|p| p.date).collect();
    let before = withdraw(&tx, caller, measure_id, &dates, "corrected by a new value").await?;
    let replaced = before.len();
    insert_points(&tx, measure_id, &points).await?;
    // Corrections keep their before and after values; new periods are in the request.
    let changes: Vec<Change> = points
        .iter()
        .filter_map(|p| {
            let old = before.get(&p.date)?;
            (old != p).then(|| point_change(measure_id, Some(old), Some(p)))
        })
        .collect();
    let after = super::measure_events::after_recording(&tx, measure_id, &earlier, &points).await?;
    super::measure_events::points_recorded(&tx, &record, &earlier, &after, &dates).await?;
    super::audit::commit_changes(tx, ctx, &[measure_id], &changes).await?;
    Ok(Recorded {
        inserted: points.len() - replaced,
        replaced,
    })
}

/// Changes a measure: `edit` receives the measure as it is and returns it as it should be
/// (checked again). Takes the project's next version.
pub async fn update_measure(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    measure_id: Uuid,
    expected_version: i64,
    edit: impl FnOnce(
        &Measure,
        engine::spc::chart::ChartSettings,
    ) -> std::result::Result<
        (Measure, engine::spc::chart::ChartSettings),
        engine::InputErrors,
    >,
) -> Result<MeasureRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = measure(&tx, caller, measure_id).await?;
    claim(&tx, caller, current.project_id, expected_version).await?;
    let (m, settings) = edit(&current.measure, current.settings)?;
    if m.chart_type != current.measure.chart_type {
        let recorded = points(&tx, caller, measure_id).await?;
        if let Err(problems) = engine::spc::chart::check_points(m.chart_type, &recorded) {
            let first = problems
                .0
                .first()
                .map_or(String::new(), |p| p.message.clone());
            return Err(Error::invalid(
                "chartType",
                format!(
                    "a {} chart cannot draw {} of this measure's {} points (first: {first}); correct or withdraw them first",
                    m.chart_type.as_str(),
                    problems.0.len(),
                    recorded.len()
                ),
            ));
        }
    }
    measure::Entity::update_many()
        .col_expr(measure::Column::Name, Expr::value(m.name))
        .col_expr(measure::Column::Kind, Expr::value(m.kind.as_str()))
        .col_expr(measure::Column::Definition, Expr::value(m.definition))
        .col_expr(measure::Column::Unit, Expr::value(m.unit))
        .col_expr(
            measure::Column::Direction,
            Expr::value(m.direction.as_str()),
        )
        .col_expr(measure::Column::Target, Expr::value(m.target))
        .col_expr(
            measure::Column::ChartType,
            Expr::value(m.chart_type.as_str()),
        )
        .col_expr(
            measure::Column::RulePreset,
            Expr::value(settings.preset.as_str()),
        )
        .col_expr(
            measure::Column::BaselinePoints,
            Expr::value(settings.baseline_points.map(|n| n as i32)),
        )
        .filter(measure::Column::Id.eq(measure_id))
        .exec(&tx)
        .await?;
    let updated = measure(&tx, caller, measure_id).await?;
    let changes = Change::between(
        measure_id,
        &measure_snapshot(&current),
        &measure_snapshot(&updated),
    )?;
    super::audit::commit_changes(tx, ctx, &[measure_id], &changes).await?;
    Ok(updated)
}

/// Changes a measure's rebases: `edit` receives them as they are and the dates of the measure's
/// current points (in date order) and returns them as they should be. Takes the project's next
/// version; the audit trail records the list before and after.
pub async fn change_rebases(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    measure_id: Uuid,
    expected_version: i64,
    edit: impl FnOnce(
        &[engine::rebase::Rebase],
        &[NaiveDate],
    ) -> std::result::Result<Vec<engine::rebase::Rebase>, engine::InputErrors>,
) -> Result<MeasureRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = measure(&tx, caller, measure_id).await?;
    claim(&tx, caller, current.project_id, expected_version).await?;
    let dates: Vec<NaiveDate> = points(&tx, caller, measure_id)
        .await?
        .iter()
        .map(|p| p.date)
        .collect();
    let rebases = edit(&current.rebases, &dates)?;
    let json = serde_json::to_value(&rebases).map_err(Error::internal)?;
    measure::Entity::update_many()
        .col_expr(
            measure::Column::Rebases,
            Expr::value((!rebases.is_empty()).then_some(json)),
        )
        .filter(measure::Column::Id.eq(measure_id))
        .exec(&tx)
        .await?;
    let updated = measure(&tx, caller, measure_id).await?;
    let changes = Change::between(
        measure_id,
        &serde_json::json!({ "rebases": current.rebases }),
        &serde_json::json!({ "rebases": updated.rebases }),
    )?;
    super::audit::commit_changes(tx, ctx, &[measure_id], &changes).await?;
    Ok(updated)
}

/// The fields of a measure a correction can change, as the audit trail records them.
fn measure_snapshot(record: &MeasureRecord) -> serde_json::Value {
    let m = &record.measure;
    serde_json::json!({
        "rulePreset": record.settings.preset.as_str(),
        "baselinePoints": record.settings.baseline_points,
        "name": m.name,
        "kind": m.kind.as_str(),
        "definition": m.definition,
        "unit": m.unit,
        "direction": m.direction.as_str(),
        "target": m.target,
        "chartType": m.chart_type.as_str(),
    })
}
