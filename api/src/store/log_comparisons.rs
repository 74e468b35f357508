//! What changed in a stored event log between two periods, and what explains a log measure's
//! signal: the log is loaded through the caller's scope and compared on the blocking pool
//! (`engine::events::comparison`).

use super::{events, measures};
use crate::caller::Caller;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use engine::events::comparison::{CompareError, CompareOptions, Comparison};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// Resamples behind each interval of the API's comparisons.
const RESAMPLES: usize = 1_000;

/// Midnight in England at the start of `day`, in ms since the epoch.
fn midnight(field: &str, day: NaiveDate) -> Result<i64> {
    engine::events::timestamp::parse_timestamp(&format!("{day}T00:00:00"))
        .map_err(|e| Error::invalid(field, e))
}

/// A day range [start, end) as ms, checked.
pub fn days(field: &str, start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<[i64; 2]> {
    let start = start.map_or(Ok(i64::MIN), |d| midnight(&format!("{field}.start"), d))?;
    let end = end.map_or(Ok(i64::MAX), |d| midnight(&format!("{field}.end"), d))?;
    if end <= start {
        return Err(Error::invalid(field, "must end after it starts"));
    }
    Ok([start, end])
}

/// Compares two periods of the log `log_id`. Errors name `from`/`to` for unknown activities.
pub async fn compare(
    db: &impl ConnectionTrait,
    caller: &Caller,
    log_id: Uuid,
    before: [i64; 2],
    after: [i64; 2],
    from: Option<String>,
    to: Option<String>,
) -> Result<Comparison> {
    let log = events::load(db, caller, log_id).await?;
    let options = CompareOptions {
        before,
        after,
        from,
        to,
        resamples: RESAMPLES,
        seed: 1,
    };
    match crate::blocking::compute(move |budget| {
        engine::events::comparison::compare(&log, &options, budget)
    })
    .await?
    {
        Ok(c) => Ok(c),
        Err(CompareError::Invalid(message)) => {
            let (field, message) = message.split_once(": ").unwrap_or(("from", &message));
            Err(Error::invalid(field, message))
        }
        Err(CompareError::Stopped) => Err(Error::invalid(
            "compare",
            "stopped before it finished: the request's time ran out",
        )),
    }
}

/// What changed in the log a measure is computed from, between its points before `split` and
/// from it, over the measure's own activities. Without `split`, the split is the first point of
/// the run of the chart's latest signal (a chart without one is refused, naming `splitAt`).
pub async fn explain_measure(
    db: &impl ConnectionTrait,
    caller: &Caller,
    measure_id: Uuid,
    split: Option<NaiveDate>,
) -> Result<(NaiveDate, Comparison)> {
    let measure = measures::measure(db, caller, measure_id).await?;
    let Some(source) = &measure.from_log else {
        return Err(Error::invalid(
            "measureId",
            "this measure is not computed from an event log: there is no log to explain it",
        ));
    };
    let split = match split {
        Some(day) => day,
        None => {
            let points = measures::points(db, caller, measure_id).await?;
            let view = engine::spc::chart::chart(
                &measure.measure,
                &points,
                &measure.chart_request(&points),
            )?;
            latest_signal_start(&view).ok_or_else(|| {
                Error::invalid(
                    "splitAt",
                    "the chart has no signal to explain: give the date to split at",
                )
            })?
        }
    };
    let at = midnight("splitAt", split)?;
    let comparison = compare(
        db,
        caller,
        source.log_id,
        [i64::MIN, at],
        [at, i64::MAX],
        Some(source.definition.from_activity.clone()),
        Some(source.definition.to_activity.clone()),
    )
    .await?;
    Ok((split, comparison))
}

/// The date the latest signal's run starts: the last special-cause point, walked back over the
/// special-cause points before it that point the same way (a shift's points may also break the
/// two-in-three or limit rules). O(points).
pub fn latest_signal_start(view: &engine::spc::view::ChartView) -> Option<NaiveDate> {
    let sign = |i: usize| view.points[i].rule.sign();
    let last = (0..view.points.len()).rev().find(|&i| sign(i) != 0)?;
    let way = sign(last);
    let first = (0..=last)
        .rev()
        .find(|&i| sign(i) != way)
        .map_or(0, |i| i + 1);
    Some(view.points[first].date)
}
