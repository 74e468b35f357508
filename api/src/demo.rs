//! The demo integrated care system: believable organisations and published pathways, loaded
//! idempotently by `serve --demo` so a newcomer has something real to query.

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::store;
use engine::PathwayDocument;
use engine::events::identifiers::Pseudonymiser;
use engine::events::{Lifecycle, RawEvent};
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
    pub logs_created: usize,
}

/// The demo's improvement project.
pub const PROJECT_TITLE: &str = "Hip fracture: surgery within 36 hours";

/// Imports and publishes each demo pathway unless a pathway of the same name already exists
/// (so running it twice changes nothing).
pub async fn load(db: &DatabaseConnection, pseudonymiser: &Pseudonymiser) -> Result<DemoSummary> {
    let ctx = RequestContext::command("load demo");
    let caller = ctx.caller.clone();
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
        let record = store::pathway_edits::import(db, &ctx, document.parse()?).await?;
        store::pathway_edits::publish(db, &ctx, record.id, record.version, None).await?;
        summary.pathways_created += 1;
    }
    if store::events::find_log_by_name(db, &caller, DEMO_LOG)
        .await?
        .is_none()
    {
        demo_log(db, &ctx, pseudonymiser).await?;
        summary.logs_created += 1;
    }
    if !store::projects::list(db, &caller)
        .await?
        .iter()
        .any(|p| p.title == PROJECT_TITLE)
    {
        project(db, &ctx).await?;
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
async fn project(db: &DatabaseConnection, ctx: &RequestContext) -> Result<()> {
    let caller = &ctx.caller;
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
        ctx,
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
        store::measures::add_measure(db, ctx, project.id, project.version, measure, None, false)
            .await?;
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
    store::measures::record_points(db, ctx, measure_id, points).await?;
    let project_now = match store::events::find_log_by_name(db, caller, DEMO_LOG).await? {
        Some(log) => {
            use engine::events::log_measure::{
                LogMeasureDefinition, LogStatistic, Period, TimeUnit,
            };
            let definition = LogMeasureDefinition {
                from_activity: "ED_TRIAGE".into(),
                from_organisation: None,
                to_organisation: None,
                to_activity: "SURG_HIP".into(),
                statistic: LogStatistic::MedianTime,
                period: Period::Week,
                unit: TimeUnit::Hours,
                target_minutes: None,
            };
            let measure = engine::measure::Measure::parse(
                "Hours from ED triage to surgery (from the event log)",
                MeasureKind::Outcome,
                &definition.describe(),
                "hours",
                ImprovementDirection::Decrease,
                Some(36.0),
                ChartType::Xmr,
            )?;
            let source = store::projects::LogSource {
                log_id: log.id,
                definition,
            };
            store::measures::add_measure(
                db,
                ctx,
                project.id,
                project_now.version,
                measure,
                Some(source),
                false,
            )
            .await?
            .0
        }
        None => project_now,
    };

    let node = |parent, kind, text: &str, changes| store::drivers::NewDriver {
        parent,
        kind,
        text: text.to_string(),
        changes,
        hotspot: None,
    };
    let (p, primary) = store::drivers::add(
        db,
        ctx,
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
        ctx,
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
        ctx,
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
        simulation: None,
    };
    let plan = Cycle {
        predictions: vec![prediction],
        planned_start: Some(week(30)),
        planned_end: Some(week(35)),
        ..Cycle::plan("Run a ring-fenced trauma list on weekday mornings for six weeks")
    };
    let first = store::cycles::plan(
        db,
        ctx,
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
        let moved = store::cycles::advance_cycle(db, ctx, first.id, version, m).await?;
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
            version = store::cycles::advance_cycle(db, ctx, second.id, version, m)
                .await?
                .cycle
                .version;
        }
    }
    Ok(())
}

/// The demo's event log: a year of hip fracture patients through the demo map.
pub const DEMO_LOG: &str = "Hip fracture events 2025 (demo)";

/// A small seeded generator (SplitMix64): the demo log is the same on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A right-skewed duration around `median` minutes (log-normal, spread 0.45).
    fn minutes(&mut self, median: f64) -> f64 {
        let (u1, u2) = (self.unit().max(1e-12), self.unit());
        let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (0.45 * normal).exp()
    }
}

/// Walks 2,000 patients through the demo hip fracture map from January 2025 (one about every
/// four hours), recording each step's activity code with the organisation doing it. Reality
/// differs from the map on purpose: 6% go from ED assessment straight to the orthopaedic
/// clerking (the X-ray is not recorded), 4% have a CT scan the map does not show, surgery has
/// start and complete events, and from week 30 the wait for theatre falls (the ring-fenced
/// trauma list of the demo project).
pub fn demo_events() -> Vec<(String, String, i64, String, Lifecycle)> {
    let document: PathwayDocument = match serde_json::from_str(DOCUMENTS[0].1) {
        Ok(d) => d,
        Err(_) => return Vec::new(),
    };
    let steps = &document.steps;
    let mut rng = Random(2025);
    let start_ms = 1_735_689_600_000i64; // 2025-01-01T00:00:00Z
    let mut out = Vec::new();
    for patient in 0..2_000u32 {
        let case = format!("DEMO-HF-{:05}", patient + 1);
        let mut t =
            start_ms + (patient as f64 * 4.2 * 3_600_000.0 * (0.6 + 0.8 * rng.unit())) as i64;
        let week = (t - start_ms) / (7 * 86_400_000);
        let Some(mut at) = steps.iter().position(|s| s.kind == engine::StepKind::Start) else {
            return out;
        };
        for _ in 0..40 {
            let step = &steps[at];
            if let Some(code) = &step.activity_code {
                if code == "SURG_HIP" {
                    out.push((
                        case.clone(),
                        code.clone(),
                        t,
                        step.organisation.clone(),
                        Lifecycle::Start,
                    ));
                    t += (rng.minutes(step.touch_minutes.max(1.0)) * 60_000.0) as i64;
                    out.push((
                        case.clone(),
                        code.clone(),
                        t,
                        step.organisation.clone(),
                        Lifecycle::Complete,
                    ));
                } else {
                    t += (rng.minutes(step.touch_minutes.max(1.0)) * 60_000.0) as i64;
                    out.push((
                        case.clone(),
                        code.clone(),
                        t,
                        step.organisation.clone(),
                        Lifecycle::Unspecified,
                    ));
                }
                if code == "XR_REVIEW" && rng.unit() < 0.04 {
                    t += (rng.minutes(90.0) * 60_000.0) as i64;
                    out.push((
                        case.clone(),
                        "CT_HIP".into(),
                        t,
                        step.organisation.clone(),
                        Lifecycle::Unspecified,
                    ));
                }
            }
            let ways: Vec<&engine::TransitionInput> = document
                .transitions
                .iter()
                .filter(|tr| tr.from == step.key)
                .collect();
            if ways.is_empty() {
                break;
            }
            let mut pick = rng.unit();
            let mut chosen = ways[ways.len() - 1];
            for w in &ways {
                pick -= w.probability.unwrap_or(1.0);
                if pick < 0.0 {
                    chosen = w;
                    break;
                }
            }
            let mut to = chosen.to.as_str();
            let mut wait = chosen.wait_minutes;
            if step.key == "ed_assess" && rng.unit() < 0.06 {
                to = "ortho_clerk";
                wait += 30.0;
            }
            if step.key == "ortho_clerk" && week >= 30 {
                wait *= 0.7;
            }
            t += (rng.minutes(wait.max(1.0)) * 60_000.0) as i64;
            match steps.iter().position(|s| s.key == to) {
                Some(next) => at = next,
                None => break,
            }
        }
    }
    out
}

/// Creates the demo event log, linked to the hip fracture pathway, and imports its events.
async fn demo_log(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    pseudonymiser: &Pseudonymiser,
) -> Result<()> {
    let hip = pathway::Entity::find()
        .filter(pathway::Column::Name.eq("Hip fracture (fractured neck of femur)"))
        .one(db)
        .await?;
    let organisation = entity::organisation::Entity::find()
        .filter(entity::organisation::Column::OdsCode.eq("RX8"))
        .one(db)
        .await?;
    let log = store::events::create_log(
        db,
        ctx,
        DEMO_LOG,
        organisation.map(|o| o.id),
        hip.map(|p| p.id),
    )
    .await?;
    let mut staged = engine::events::staging::StagedEvents::default();
    for (case, activity, time_ms, organisation, lifecycle) in demo_events() {
        staged.push(
            pseudonymiser,
            &RawEvent {
                case_id: &case,
                activity: &activity,
                time_ms,
                organisation: Some(&organisation),
                resource: None,
                lifecycle,
                lifecycle_text: lifecycle.as_str(),
            },
        );
    }
    let staged = engine::events::staging::Staged {
        events: staged,
        report: Default::default(),
        fatal: None,
        read_time: Default::default(),
    };
    let record = store::imports::import(
        db,
        ctx,
        log.id,
        store::events::ImportSource::File,
        None,
        staged,
        chrono::Utc::now(),
    )
    .await?;
    if !record.succeeded() {
        return Err(Error::internal(anyhow::anyhow!(
            "the demo log did not import: {:?}",
            record.message
        )));
    }
    Ok(())
}
