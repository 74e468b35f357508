//! What other systems are told when points are recorded on a measure: always
//! `measure.points_recorded`, and `measure.signal` when the points change what the chart says
//! (the variation or assurance icon, or a new special cause), charted as the measure's own
//! charts are (its rule preset, baseline and rebases).

use super::outbox::{EventType, Notice, Scope, emit};
use super::projects::MeasureRecord;
use crate::db::WriteTransaction;
use crate::error::Result;
use chrono::NaiveDate;
use engine::measure::DataPoint;
use entity::{data_point, improvement_project};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

/// The measure's current points, by date, as the transaction sees them.
pub(super) async fn current_points(
    tx: &impl ConnectionTrait,
    measure_id: uuid::Uuid,
) -> Result<Vec<DataPoint>> {
    Ok(data_point::Entity::find()
        .filter(data_point::Column::MeasureId.eq(measure_id))
        .filter(data_point::Column::WithdrawnAt.is_null())
        .order_by_asc(data_point::Column::Date)
        .all(tx)
        .await?
        .into_iter()
        .map(|p| DataPoint {
            date: p.date,
            value: p.value,
            numerator: p.numerator,
            denominator: p.denominator,
            annotation: p.annotation,
        })
        .collect())
}

/// The measure's chart as its own settings draw it; None when these points make none.
fn chart(record: &MeasureRecord, points: &[DataPoint]) -> Option<engine::spc::view::ChartView> {
    engine::spc::chart::chart(&record.measure, points, &record.chart_request(points)).ok()
}

/// The measure's current points after `recorded` (one per date) replaced those of their dates in
/// `before` (its current points before the write, by date): what [`current_points`] would read
/// inside `tx` after the write, without reading the whole history again (the write holds the
/// measure, so nothing else changed it). O((n + m) log(n + m)).
pub(super) async fn after_recording(
    tx: &impl ConnectionTrait,
    measure_id: uuid::Uuid,
    before: &[DataPoint],
    recorded: &[DataPoint],
) -> Result<Vec<DataPoint>> {
    let dates: std::collections::HashSet<NaiveDate> = recorded.iter().map(|p| p.date).collect();
    let mut after: Vec<DataPoint> = before
        .iter()
        .filter(|p| !dates.contains(&p.date))
        .chain(recorded)
        .cloned()
        .collect();
    after.sort_by_key(|p| p.date);
    // Every test run checks the points worked out against those the write left.
    #[cfg(debug_assertions)]
    {
        let stored = current_points(tx, measure_id).await?;
        if stored != after {
            return Err(crate::error::Error::internal(anyhow::anyhow!(
                "measure {measure_id}: {} points worked out after recording, {} stored",
                after.len(),
                stored.len()
            )));
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = (tx, measure_id);
    Ok(after)
}

/// Emits the events of points recorded on `dates`, given the measure's current points before
/// and after. O(points).
pub(super) async fn points_recorded(
    tx: &WriteTransaction,
    record: &MeasureRecord,
    before: &[DataPoint],
    after: &[DataPoint],
    dates: &[NaiveDate],
) -> Result<()> {
    let Some(project) = improvement_project::Entity::find_by_id(record.project_id)
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    let scope = Scope::Project {
        id: project.id,
        owner: project.owner_id,
    };
    let notice = |event_type, detail| Notice {
        event_type,
        scope,
        object_type: "Measure",
        object_id: record.id,
        version: Some(project.version),
        link: format!("/#/project/{}", project.id),
        detail,
    };
    emit(
        tx,
        notice(
            EventType::MeasurePointsRecorded,
            json!({
                "projectId": project.id,
                "measure": record.measure.name,
                "dates": dates,
                "points": after.len(),
            }),
        ),
    )
    .await?;
    let Some(now) = chart(record, after) else {
        return Ok(());
    };
    let then = chart(record, before);
    if let Some(news) = engine::spc::news::signal_news(then.as_ref(), &now) {
        let rule = news.points.last().map(|p| p.rule);
        emit(
            tx,
            notice(
                EventType::MeasureSignal,
                json!({
                    "projectId": project.id,
                    "measure": record.measure.name,
                    "rule": rule,
                    "signal": news,
                }),
            ),
        )
        .await?;
    }
    Ok(())
}
