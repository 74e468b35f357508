//! Measures computed from an event log: defined once, their data points follow the log.

use super::events;
use crate::caller::Caller;
use crate::error::{Error, Result};
use engine::events::log_measure::{LogMeasureDefinition, log_measure_points};
use entity::{data_point, measure};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Reads a stored definition (written by qiflow, so a failure is an internal error).
pub(crate) fn definition_from_json(
    measure_id: Uuid,
    json: &serde_json::Value,
) -> Result<LogMeasureDefinition> {
    serde_json::from_value(json.clone()).map_err(|e| {
        Error::internal(anyhow::anyhow!(
            "measure {measure_id} has an unreadable log definition: {e}"
        ))
    })
}

/// Replaces every data point of the measure with those computed from its log.
pub(crate) async fn recompute(
    tx: &DatabaseTransaction,
    measure_id: Uuid,
    log: &engine::events::EventLog,
    definition: &LogMeasureDefinition,
) -> Result<usize> {
    // Computed points are the log's, not anyone's record: they are replaced, not withdrawn.
    data_point::Entity::delete_many()
        .filter(data_point::Column::MeasureId.eq(measure_id))
        .exec(tx)
        .await?;
    let points = log_measure_points(log, definition);
    let rows: Vec<data_point::ActiveModel> = points
        .iter()
        .map(|(date, value)| data_point::ActiveModel {
            id: Set(Uuid::now_v7()),
            measure_id: Set(measure_id),
            date: Set(*date),
            value: Set(Some(*value)),
            numerator: Set(None),
            denominator: Set(None),
            annotation: Set(None),
            withdrawn_at: Set(None),
            withdrawn_by: Set(None),
            withdrawal_reason: Set(None),
        })
        .collect();
    for chunk in rows.chunks(super::scope::INSERT_CHUNK) {
        data_point::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    Ok(points.len())
}

/// A measure whose points a recompute changed: the points before and after and the dates
/// changed, for the events the caller emits.
pub(crate) struct Recomputed {
    pub row: measure::Model,
    pub before: Vec<engine::measure::DataPoint>,
    pub after: Vec<engine::measure::DataPoint>,
    pub changed: Vec<chrono::NaiveDate>,
}

/// Recomputes every measure built on the log (after events are added or retracted), and gives
/// those whose points changed. Loads the log only when some measure needs it.
pub(crate) async fn recompute_for_log(
    tx: &DatabaseTransaction,
    caller: &Caller,
    log_id: Uuid,
) -> Result<Vec<Recomputed>> {
    let measures = measure::Entity::find()
        .filter(measure::Column::EventLogId.eq(log_id))
        .all(tx)
        .await?;
    if measures.is_empty() {
        return Ok(Vec::new());
    }
    let mut recomputed = Vec::new();
    let log = events::load(tx, caller, log_id).await?;
    for m in measures {
        let Some(json) = &m.log_definition else {
            continue;
        };
        let definition = definition_from_json(m.id, json)?;
        let before = super::measure_events::current_points(tx, m.id).await?;
        recompute(tx, m.id, &log, &definition).await?;
        let after = super::measure_events::current_points(tx, m.id).await?;
        let earlier: std::collections::HashMap<chrono::NaiveDate, Option<f64>> =
            before.iter().map(|p| (p.date, p.value)).collect();
        let changed: Vec<chrono::NaiveDate> = after
            .iter()
            .filter(|p| earlier.get(&p.date) != Some(&p.value))
            .map(|p| p.date)
            .collect();
        if changed.is_empty() && before.len() == after.len() {
            continue;
        }
        recomputed.push(Recomputed {
            row: m,
            before,
            after,
            changed,
        });
    }
    Ok(recomputed)
}
