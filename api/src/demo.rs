//! The demo integrated care system: believable organisations and published pathways, loaded
//! idempotently by `serve --demo` so a newcomer has something real to query.

use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::store;
use engine::PathwayDocument;
use entity::pathway;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

/// The demo's pathway documents.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("hip-fracture", include_str!("demo/hip_fracture.json")),
    (
        "urgent-cancer-referral",
        include_str!("demo/urgent_lung_cancer.json"),
    ),
];

/// What loading the demo did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub pathways_created: usize,
    pub pathways_present: usize,
    pub projects_created: usize,
}

/// The demo's improvement project.
pub const PROJECT_TITLE: &str = "Hip fracture: surgery within 36 hours";

/// Imports and publishes each demo pathway unless a pathway of the same name already exists
/// (so running it twice changes nothing).
pub async fn load(db: &DatabaseConnection) -> Result<DemoSummary> {
    let caller = Caller::Installation;
    let mut summary = DemoSummary::default();
    for (name, text) in DOCUMENTS {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::internal(anyhow::anyhow!("demo {name}: {e}")))?;
        let document = PathwayDocument::from_json(value)?;
        let existing = pathway::Entity::find()
            .filter(pathway::Column::Name.eq(document.name.as_str()))
            .count(db)
            .await?;
        if existing > 0 {
            summary.pathways_present += 1;
            continue;
        }
        let record = store::pathways::import(db, &caller, document.parse()?).await?;
        store::pathways::publish(db, &caller, record.id, record.version).await?;
        summary.pathways_created += 1;
    }
    if !store::projects::list(db, &caller)
        .await?
        .iter()
        .any(|p| p.title == PROJECT_TITLE)
    {
        project(db, &caller).await?;
        summary.projects_created += 1;
    }
    Ok(summary)
}

/// A Monday `weeks` weeks after 6 January 2025.
fn week(weeks: i64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default() + chrono::Duration::weeks(weeks)
}

/// The hip fracture improvement project: a year of weekly hours-to-theatre (a ring-fenced trauma
/// list from week 30 brings a real shift), a driver diagram whose change idea carries a what-if
/// change set, and two PDSA cycles (adapt, then adopt, which drafts the next pathway version).
async fn project(db: &DatabaseConnection, caller: &Caller) -> Result<()> {
    use engine::pdsa::{Cycle, Decision, Expectation, Move, Prediction};
    use engine::{ChartType, DriverKind, ImprovementDirection, MeasureKind, MemberRole, OdsCode};
    let hip = pathway::Entity::find()
        .filter(pathway::Column::Name.eq("Hip fracture (fractured neck of femur)"))
        .one(db)
        .await?
        .map(|p| p.id);
    let owner = OdsCode::parse("RX8").map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    let project = store::projects::create(
        db,
        caller,
        store::projects::NewProject {
            title: PROJECT_TITLE.into(),
            aim: "90% of patients with a hip fracture in theatre within 36 hours of arrival by March 2026".into(),
            owner,
            pathway_id: hip,
            members: vec![
                ("Dr Helen Okafor".into(), MemberRole::Sponsor),
                ("Mr Arjun Mehta, orthogeriatric surgeon".into(), MemberRole::Lead),
                ("Sarah Collins, theatre manager".into(), MemberRole::Manager),
                ("Tom Reid, trauma coordinator".into(), MemberRole::Clinician),
                ("Priya Shah, analyst".into(), MemberRole::Analyst),
                ("Margaret Lewis".into(), MemberRole::PatientPartner),
            ],
        },
    )
    .await?;
    let measure = engine::measure::Measure::parse(
        "Hours from arrival to surgery",
        MeasureKind::Outcome,
        "Mean hours from ED arrival to knife-to-skin for hip fracture patients operated on that week",
        "hours",
        ImprovementDirection::Decrease,
        Some(36.0),
        ChartType::Xmr,
    )?;
    let (project_now, measure_id) =
        store::projects::add_measure(db, caller, project.id, project.version, measure).await?;
    // Deterministic week-to-week variation around 41 hours, then around 31 once the list runs.
    let points: Vec<engine::measure::DataPoint> = (0..52)
        .map(|i| {
            let wobble = ((i as f64) * 1.7).sin() * 2.5 + ((i as f64) * 0.45).cos() * 1.5;
            let level = if i < 30 { 41.0 } else { 31.0 };
            engine::measure::DataPoint {
                date: week(i),
                value: Some(((level + wobble) * 10.0).round() / 10.0),
                numerator: None,
                denominator: None,
                annotation: (i == 30).then(|| "Ring-fenced trauma list starts".to_string()),
            }
        })
        .collect();
    store::projects::record_points(db, caller, measure_id, points).await?;

    let node = |parent, kind, text: &str, changes| store::drivers::NewDriver {
        parent,
        kind,
        text: text.to_string(),
        changes,
        hotspot: None,
    };
    let (p, primary) = store::drivers::add(
        db,
        caller,
        project.id,
        project_now.version,
        node(
            None,
            DriverKind::PrimaryDriver,
            "Timely access to theatre",
            None,
        ),
    )
    .await?;
    let (p, secondary) = store::drivers::add(
        db,
        caller,
        project.id,
        p.version,
        node(
            Some(primary),
            DriverKind::SecondaryDriver,
            "Trauma theatre scheduling",
            None,
        ),
    )
    .await?;
    let changes = vec![engine::Change::SetWaitMinutes {
        from: "ortho_clerk".into(),
        to: "surgery".into(),
        minutes: 840.0,
    }];
    let (_, idea) = store::drivers::add(
        db,
        caller,
        project.id,
        p.version,
        node(
            Some(secondary),
            DriverKind::ChangeIdea,
            "Ring-fenced morning trauma list",
            Some(changes),
        ),
    )
    .await?;

    let prediction = Prediction {
        measure: measure_id.to_string(),
        expectation: Expectation::Value { value: 36.0 },
        predicted_lead_time_minutes: None,
    };
    let plan = Cycle {
        predictions: vec![prediction],
        planned_start: Some(week(30)),
        planned_end: Some(week(35)),
        ..Cycle::plan("Run a ring-fenced trauma list on weekday mornings for six weeks")
    };
    let first = store::cycles::plan(
        db,
        caller,
        project.id,
        None,
        Some(idea),
        "Ring-fenced morning trauma list",
        plan,
    )
    .await?;
    let moves = |start: i64, end: i64, learning: &str, decision: Decision, rationale: &str| {
        vec![
            Move::Start {
                actual_start: week(start),
            },
            Move::Complete {
                actual_end: week(end),
            },
            Move::Learn {
                learning: learning.to_string(),
            },
            Move::Decide {
                decision,
                rationale: rationale.to_string(),
            },
        ]
    };
    let mut version = first.version;
    let mut next = None;
    for m in moves(
        30,
        35,
        "Weekday lists cut the wait by about ten hours; weekend admissions still wait for Monday",
        Decision::Adapt,
        "Extend the list to weekends before adopting",
    ) {
        let moved = store::cycles::advance_cycle(db, caller, first.id, version, m).await?;
        version = moved.cycle.version;
        next = moved.next_cycle.or(next);
    }
    if let Some(second) = next {
        let mut version = second.version;
        for m in moves(
            36,
            43,
            "Seven-day lists keep the wait near 31 hours with no rise in cancellations",
            Decision::Adopt,
            "Sustained improvement on the SPC chart; make it the standard pathway",
        ) {
            version = store::cycles::advance_cycle(db, caller, second.id, version, m)
                .await?
                .cycle
                .version;
        }
    }
    Ok(())
}
