//! What the data says about a PDSA cycle's predictions: each judged on its measure's chart with
//! limits fixed from the points before the test (`engine::judgement`). One place for GraphQL's
//! `PdsaCycle.study` and the project report, so they cannot disagree.

use super::cycles::{self, CycleRecord};
use crate::caller::Caller;
use crate::error::Result;
use chrono::NaiveDate;
use engine::judgement::Judgement;
use engine::pdsa::{Prediction, Stage};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// One prediction and its judgement (or why it could not be judged: a chart its points cannot
/// draw, a measure no longer there).
#[derive(Debug, Clone)]
pub struct JudgedPrediction {
    pub prediction: Prediction,
    pub measure_id: Uuid,
    pub measure_name: String,
    pub judgement: std::result::Result<Judgement, String>,
}

/// The days a cycle's predictions are judged over: from its DO start to the day it left STUDY
/// (or was abandoned), or to `today` while it is still testing; `None` before it starts.
/// O(moves).
pub async fn window(
    db: &impl ConnectionTrait,
    caller: &Caller,
    cycle: &CycleRecord,
    today: NaiveDate,
) -> Result<Option<(NaiveDate, NaiveDate)>> {
    let Some(start) = cycle.cycle.actual_start else {
        return Ok(None);
    };
    let ended = cycles::history(db, caller, cycle.id)
        .await?
        .into_iter()
        .find(|m| m.from == Stage::Study || m.to == Stage::Abandoned)
        .map(|m| m.at.date_naive());
    Ok(Some((start, ended.unwrap_or(today).max(start))))
}

/// Every prediction of the cycle judged over its [`window`]; empty before the cycle starts.
/// A statement or two per prediction.
pub async fn judge_predictions(
    db: &impl ConnectionTrait,
    caller: &Caller,
    cycle: &CycleRecord,
    today: NaiveDate,
) -> Result<Vec<JudgedPrediction>> {
    let Some((start, end)) = window(db, caller, cycle, today).await? else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for p in &cycle.cycle.predictions {
        let Ok(measure_id) = Uuid::parse_str(&p.measure) else {
            continue;
        };
        let measure = match super::measures::measure(db, caller, measure_id).await {
            Ok(m) => m,
            Err(crate::Error::NotFound { .. }) => {
                out.push(JudgedPrediction {
                    prediction: p.clone(),
                    measure_id,
                    measure_name: p.measure.clone(),
                    judgement: Err("its measure is no longer there".into()),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let points = super::measures::points(db, caller, measure_id).await?;
        let judgement = engine::judgement::judge(
            &measure.measure,
            &points,
            p.expectation,
            start,
            end,
            &Default::default(),
        )
        .map_err(|e| e.to_string());
        out.push(JudgedPrediction {
            prediction: p.clone(),
            measure_id,
            measure_name: measure.measure.name.clone(),
            judgement,
        });
    }
    Ok(out)
}
