//! The project summary (the board's icon table) and report, assembled from the store and the
//! engine's SPC.

use super::cycles::CycleRecord;
use super::{cycles, drivers, projects};
use crate::caller::Caller;
use crate::error::Result;
use engine::report::{CycleLine, MeasureLine, ProjectReport};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// One measure's summary line, with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSummary {
    pub measure_id: Uuid,
    pub line: MeasureLine,
}

/// One line per measure: latest value, variation, assurance (of the chart with default
/// options; a chart that cannot be drawn has no icons). Two statements for the whole project.
pub async fn summary(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<Vec<MeasureSummary>> {
    let mut points = super::measures::points_of_project(db, caller, project_id).await?;
    Ok(super::measures::measures(db, caller, project_id, false)
        .await?
        .into_iter()
        .map(|m| {
            let points = points.remove(&m.id).unwrap_or_default();
            let ((variation, assurance), chart_problem) = if points.is_empty() {
                ((None, None), None)
            } else {
                match engine::spc::chart::chart(&m.measure, &points, &m.chart_request(&points)) {
                    Ok(c) => (engine::report::icons(&c), None),
                    Err(e) => ((None, None), Some(e.to_string())),
                }
            };
            MeasureSummary {
                measure_id: m.id,
                line: MeasureLine {
                    name: m.measure.name.clone(),
                    kind: m.measure.kind.as_str().to_string(),
                    unit: m.measure.unit.clone(),
                    latest: points.last().map(|p| (p.date.to_string(), p.charted())),
                    shown_latest: points.last().map(|p| m.measure.shown(p.charted())),
                    shown_target: m.measure.target.map(|t| m.measure.shown(t)),
                    variation,
                    assurance,
                    target: m.measure.target,
                    chart_problem,
                    picture: None,
                    run_signals: run_signals(&m.measure, &points),
                    rebases: m
                        .rebases
                        .iter()
                        .map(|r| (r.date.to_string(), r.reason.clone()))
                        .collect(),
                },
            }
        })
        .collect())
}

/// For a RUN measure with points, what its run chart's rules find, in words.
fn run_signals(
    measure: &engine::measure::Measure,
    points: &[engine::measure::DataPoint],
) -> Option<String> {
    if measure.chart_type != engine::ChartType::Run || points.is_empty() {
        return None;
    }
    let values: Vec<f64> = points
        .iter()
        .map(engine::measure::DataPoint::charted)
        .collect();
    engine::spc::run_chart::run_chart(&values, &Default::default())
        .ok()
        .map(|c| engine::spc::run_chart::signal_words(&c))
}

/// The shaded window of each PDSA cycle that has a start and an end (actual, else planned), for
/// a measure's chart.
pub fn cycle_windows(cycles: &[CycleRecord]) -> Vec<engine::render::spc_chart::Window> {
    cycles
        .iter()
        .filter_map(|c| {
            Some(engine::render::spc_chart::Window {
                label: c.change_idea.clone(),
                start: c.cycle.actual_start.or(c.cycle.planned_start)?,
                end: c.cycle.actual_end.or(c.cycle.planned_end)?,
            })
        })
        .collect()
}

/// A measure's Making Data Count chart as SVG (its own rebases, default rules) with the cycles'
/// windows: what `Measure.chartSvg` and the HTML report show. O(points).
pub fn picture(
    record: &super::projects::MeasureRecord,
    points: &[engine::measure::DataPoint],
    windows: &[engine::render::spc_chart::Window],
) -> std::result::Result<String, engine::InputErrors> {
    let measure = &record.measure;
    let view = engine::spc::chart::chart(measure, points, &record.chart_request(points))?;
    let unit = if measure.is_proportion() {
        "%"
    } else {
        &measure.unit
    };
    Ok(engine::render::spc_chart::chart_svg(
        &measure.name,
        unit,
        &view,
        measure.target,
        windows,
    ))
}

/// Everything the project report shows: its wording is the engine's ([`engine::report`]).
pub async fn project_report(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<ProjectReport> {
    let project = projects::get(db, caller, project_id).await?;
    // A cycle still testing is judged up to the day the report is made.
    let today = chrono::Utc::now().date_naive();
    let measures = super::measures::measures(db, caller, project_id, false).await?;
    let lines = summary(db, caller, project_id).await?;
    let measure_named = |id: &str| measures.iter().find(|m| m.id.to_string() == id);
    let name_of = |id: &str| measure_named(id).map_or(id.to_string(), |m| m.measure.name.clone());
    let nodes = drivers::list(db, caller, project_id).await?;
    let outline = engine::report::driver_outline(
        &nodes
            .iter()
            .map(|n| (n.id, n.parent_id))
            .collect::<Vec<_>>(),
    );
    let mut cycle_lines = Vec::new();
    // An abandoned cycle stays in the project's history, not in the board's report.
    let cycles: Vec<CycleRecord> = cycles::list(db, caller, project_id)
        .await?
        .into_iter()
        .filter(|c| c.cycle.stage != engine::pdsa::Stage::Abandoned)
        .collect();
    let windows = cycle_windows(&cycles);
    let mut points = super::measures::points_of_project(db, caller, project_id).await?;
    let mut lines = lines;
    for (line, m) in lines.iter_mut().zip(&measures) {
        let points = points.remove(&m.id).unwrap_or_default();
        if !points.is_empty() {
            line.line.picture = picture(m, &points, &windows).ok();
        }
    }
    let judged = super::studies::judge_cycles(db, caller, project_id, &cycles, today).await?;
    for (c, judged) in cycles.into_iter().zip(judged) {
        let predictions = c
            .cycle
            .predictions
            .iter()
            .map(|p| engine::report::prediction_line(&name_of(&p.measure), p.expectation))
            .collect();
        let results = judged
            .into_iter()
            .map(|p| match p.judgement {
                Ok(j) => format!("{}: {}", p.measure_name, j.reason),
                Err(why) => format!("{}: not judged: {why}.", p.measure_name),
            })
            .collect();
        cycle_lines.push(CycleLine {
            change_idea: c.change_idea.clone(),
            objective: c.cycle.objective.clone(),
            stage: c.cycle.stage.as_str().to_string(),
            predictions,
            results,
            learning: c.cycle.learning.clone(),
            decision: c.cycle.decision.map(|d| d.as_str().to_string()),
            rationale: c.cycle.rationale.clone(),
        });
    }
    Ok(ProjectReport {
        title: project.title.clone(),
        aim: project.aim.clone(),
        owner: format!(
            "{} ({})",
            project.owner.organisation.name, project.owner.organisation.ods_code
        ),
        status: project.status.as_str().to_string(),
        team: project
            .members
            .iter()
            .map(|(n, r)| (n.clone(), r.as_str().to_string()))
            .collect(),
        measures: lines.into_iter().map(|m| m.line).collect(),
        drivers: outline
            .into_iter()
            .map(|(i, depth)| {
                let n = &nodes[i];
                (depth, n.kind.as_str().to_string(), n.text.clone())
            })
            .collect(),
        cycles: cycle_lines,
    })
}
