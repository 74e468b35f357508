//! The project summary (the board's icon table) and report, assembled from the store and the
//! engine's SPC.

use super::{cycles, drivers, projects};
use crate::caller::Caller;
use crate::error::Result;
use engine::measure::DataPoint;
use engine::pdsa::Expectation;
use engine::report::{CycleLine, MeasureLine, ProjectReport};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

/// One measure's summary line, with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSummary {
    pub measure_id: Uuid,
    pub line: MeasureLine,
}

/// Variation and assurance of a measure's chart (default options), when it has data and can be
/// drawn (a chart that cannot be drawn has no icons).
fn icons(
    measure: &engine::measure::Measure,
    points: &[DataPoint],
) -> (Option<String>, Option<String>) {
    if points.is_empty() {
        return (None, None);
    }
    match engine::spc::chart::chart(
        measure,
        points,
        &engine::spc::chart::ChartRequest::default(),
    ) {
        Ok(c) => (
            c.variation.map(|v| v.reference_name().to_uppercase()),
            c.assurance.map(|a| a.reference_name().to_uppercase()),
        ),
        Err(_) => (None, None),
    }
}

/// One line per measure: latest value, variation, assurance.
pub async fn summary(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<Vec<MeasureSummary>> {
    let mut out = Vec::new();
    for m in super::measures::measures(db, caller, project_id).await? {
        let points = super::measures::points(db, caller, m.id).await?;
        let (variation, assurance) = icons(&m.measure, &points);
        out.push(MeasureSummary {
            measure_id: m.id,
            line: MeasureLine {
                name: m.measure.name.clone(),
                kind: m.measure.kind.as_str().to_string(),
                unit: m.measure.unit.clone(),
                latest: points.last().map(|p| (p.date.to_string(), p.charted())),
                variation,
                assurance,
                target: m.measure.target,
            },
        });
    }
    Ok(out)
}

/// Everything the project report shows.
pub async fn project_report(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<ProjectReport> {
    let project = projects::get(db, caller, project_id).await?;
    let measures = summary(db, caller, project_id).await?;
    let names: Vec<(String, String)> = measures
        .iter()
        .map(|m| (m.measure_id.to_string(), m.line.name.clone()))
        .collect();
    let measure_name = |id: &str| {
        names
            .iter()
            .find(|(m, _)| m == id)
            .map_or(id.to_string(), |(_, n)| n.clone())
    };
    let nodes = drivers::list(db, caller, project_id).await?;
    let depth = |mut parent: Option<Uuid>| {
        let mut d = 0;
        while let Some(p) = parent {
            d += 1;
            parent = nodes.iter().find(|n| n.id == p).and_then(|n| n.parent_id);
        }
        d
    };
    let mut cycle_lines = Vec::new();
    for c in cycles::list(db, caller, project_id).await? {
        let predictions = c
            .cycle
            .predictions
            .iter()
            .map(|p| match p.expectation {
                Expectation::Value { value } => {
                    format!("{} reaches {value}", measure_name(&p.measure))
                }
                Expectation::Direction { direction } => {
                    format!("{} moves {:?}", measure_name(&p.measure), direction).to_lowercase()
                }
            })
            .collect();
        let mut results = Vec::new();
        if let (Some(start), Some(end)) = (c.cycle.actual_start, c.cycle.actual_end) {
            for p in &c.cycle.predictions {
                let Ok(measure_id) = Uuid::parse_str(&p.measure) else {
                    continue;
                };
                let m = super::measures::measure(db, caller, measure_id).await?;
                let points = super::measures::points(db, caller, measure_id).await?;
                let dates: Vec<_> = points.iter().map(|d| d.date).collect();
                let values: Vec<f64> = points.iter().map(DataPoint::charted).collect();
                let better = m.measure.direction.into();
                if let Ok(r) = engine::pdsa::study(
                    p.expectation,
                    better,
                    &dates,
                    &values,
                    start,
                    end,
                    &engine::spc::XmrOptions::plot_the_dots(better),
                ) {
                    let mean =
                        |v: Option<f64>| v.map_or("no data".to_string(), |v| format!("{v:.2}"));
                    results.push(format!(
                        "{}: mean {} before, {} during; {} special-cause point(s) in the window; prediction {}",
                        m.measure.name,
                        mean(r.mean_before),
                        mean(r.mean_during),
                        r.signals.len(),
                        match r.met {
                            Some(true) => "met",
                            Some(false) => "not met",
                            None => "not judged",
                        }
                    ));
                }
            }
        }
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
        measures: measures.into_iter().map(|m| m.line).collect(),
        drivers: nodes
            .iter()
            .map(|n| {
                (
                    depth(n.parent_id),
                    n.kind.as_str().to_string(),
                    n.text.clone(),
                )
            })
            .collect(),
        cycles: cycle_lines,
    })
}
