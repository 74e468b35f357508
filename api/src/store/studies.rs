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

/// Every prediction of each cycle (all of one project) judged over the cycle's [`window`];
/// empty for a cycle not yet started. The project's measures and points are read once for all
/// the cycles, plus one statement per cycle for its window (and one per prediction of a withdrawn
/// measure, whose points the project's batch leaves out).
pub async fn judge_cycles(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
    cycles: &[CycleRecord],
    today: NaiveDate,
) -> Result<Vec<Vec<JudgedPrediction>>> {
    let measures: std::collections::HashMap<Uuid, _> =
        super::measures::measures(db, caller, project_id, true)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let mut points = super::measures::points_of_project(db, caller, project_id).await?;
    let mut out = Vec::with_capacity(cycles.len());
    for cycle in cycles {
        let Some((start, end)) = window(db, caller, cycle, today).await? else {
            out.push(vec![]);
            continue;
        };
        let mut judged = Vec::new();
        for p in &cycle.cycle.predictions {
            let Ok(measure_id) = Uuid::parse_str(&p.measure) else {
                continue;
            };
            let Some(measure) = measures.get(&measure_id) else {
                judged.push(JudgedPrediction {
                    prediction: p.clone(),
                    measure_id,
                    measure_name: p.measure.clone(),
                    judgement: Err("its measure is no longer there".into()),
                });
                continue;
            };
            if measure.withdrawal.is_some() && !points.contains_key(&measure_id) {
                let withdrawn = super::measures::points(db, caller, measure_id).await?;
                points.insert(measure_id, withdrawn);
            }
            let charted = points.get(&measure_id).map_or(&[][..], Vec::as_slice);
            // The measure's own rule preset; the judgement fixes its own baseline.
            let judgement = engine::judgement::judge(
                &measure.measure,
                charted,
                p.expectation,
                start,
                end,
                &measure.chart_request(charted),
            )
            .map_err(|e| e.to_string());
            judged.push(JudgedPrediction {
                prediction: p.clone(),
                measure_id,
                measure_name: measure.measure.name.clone(),
                judgement,
            });
        }
        out.push(judged);
    }
    Ok(out)
}
