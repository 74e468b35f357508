//! Event logs over GraphQL: counts, imports, discovery, conformance against a pathway,
//! calibration and measures computed from a log. Only aggregates: no patient-level row is ever
//! returned.

use super::organisation::OrganisationView;
use super::pathway::PathwayView;
use super::projects::{MeasurePayload, MeasureView, ProjectView};
use super::{change, db, parse_id};
use crate::store::{self, events, mining};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use engine::events::identifiers::Pseudonymiser;
use engine::events::log_measure::LogMeasureDefinition;
use engine::events::{DurationStats, RowError, discovery, discovery::DiscoveryOptions};
use std::sync::Arc;

/// Most variants a discovery lists.
const MAX_TOP_VARIANTS: i32 = 100;

fn pseudonymiser<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Pseudonymiser>> {
    ctx.data::<Arc<Pseudonymiser>>()
}

/// An event log: what trusts' systems recorded happening to patients, pseudonymised.
pub struct EventLogView(pub events::EventLogRecord);

#[Object(name = "EventLog")]
impl EventLogView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<OrganisationView>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        let caller = super::caller_of(ctx);
        Ok(Some(OrganisationView(
            store::organisations::get(db(ctx)?, &caller, id).await?,
        )))
    }
    /// The pathway the log is checked against by default.
    async fn pathway(&self, ctx: &Context<'_>) -> Result<Option<PathwayView>> {
        let Some(id) = self.0.pathway_id else {
            return Ok(None);
        };
        let caller = super::caller_of(ctx);
        Ok(Some(PathwayView::new(
            store::pathways::get(db(ctx)?, &caller, id).await?,
        )))
    }
    async fn event_count(&self) -> i64 {
        self.0.event_count
    }
    async fn case_count(&self) -> i64 {
        self.0.case_count
    }
    async fn version(&self) -> i64 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Every import into the log, newest first, with its status and row errors.
    async fn imports(&self, ctx: &Context<'_>) -> Result<Vec<EventImportView>> {
        let caller = super::caller_of(ctx);
        Ok(events::imports(db(ctx)?, &caller, self.0.id)
            .await?
            .into_iter()
            .map(EventImportView)
            .collect())
    }
    /// The pathway as patients actually travelled it (the same fields as `qiflow mine`).
    async fn discovery(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] top_variants: i32,
        #[graphql(default = false)] collapse_repeats: bool,
    ) -> Result<DiscoveryView> {
        if !(0..=MAX_TOP_VARIANTS).contains(&top_variants) {
            return Err(crate::Error::invalid(
                "topVariants",
                format!("must be between 0 and {MAX_TOP_VARIANTS}"),
            )
            .into());
        }
        let caller = super::caller_of(ctx);
        let options = DiscoveryOptions {
            top_variants: top_variants as usize,
            collapse_repeats,
        };
        let db = db(ctx)?;
        let found = mining::discovery(db, &caller, self.0.id, &options).await?;
        audit_read(ctx, db, "eventLog.discovery", &self.0).await?;
        Ok(DiscoveryView::from(found))
    }
    /// The discovered process map as SVG: edges taken at least `minCount` times, thickness by
    /// count, labels with the median wait.
    async fn map_svg(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 1)] min_count: i32,
    ) -> Result<String> {
        if min_count < 1 {
            return Err(crate::Error::invalid("minCount", "must be 1 or more").into());
        }
        let caller = super::caller_of(ctx);
        let db = db(ctx)?;
        let options = DiscoveryOptions {
            top_variants: 0,
            collapse_repeats: false,
        };
        let found = mining::discovery(db, &caller, self.0.id, &options).await?;
        audit_read(ctx, db, "eventLog.mapSvg", &self.0).await?;
        Ok(engine::render::log_map::log_map_svg(
            &self.0.name,
            &found,
            min_count as u64,
        ))
    }
    /// The log replayed over a pathway's map: the log's own pathway unless `pathwayId` is given.
    async fn conformance(
        &self,
        ctx: &Context<'_>,
        pathway_id: Option<ID>,
    ) -> Result<ConformanceView> {
        let caller = super::caller_of(ctx);
        let pathway_id = pathway_id
            .map(|id| parse_id("pathwayId", &id))
            .transpose()?;
        let db = db(ctx)?;
        let (pathway_id, c) = mining::conformance_of(db, &caller, self.0.id, pathway_id).await?;
        audit_read(ctx, db, "eventLog.conformance", &self.0).await?;
        Ok(ConformanceView::new(pathway_id, c))
    }
}

/// Records a read of a log's aggregates in the audit trail (patient-level data behind them).
async fn audit_read(
    ctx: &Context<'_>,
    db: &sea_orm::DatabaseConnection,
    operation: &str,
    log: &events::EventLogRecord,
) -> Result<()> {
    store::audit::record_alone(db, &super::request(ctx), operation, &[log.id], "OK").await?;
    Ok(())
}

/// One import into a log.
pub struct EventImportView(pub events::ImportRecord);

/// How an import ended.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ImportStatus {
    /// Every event was stored.
    Succeeded,
    /// Nothing was stored; `message` and `errors` say why.
    Failed,
}

#[Object(name = "EventImport")]
impl EventImportView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// FILE (`qiflow import-events`), UPLOAD (HTTP) or API (`appendEvents`).
    async fn source(&self) -> &str {
        &self.0.source
    }
    async fn batch_key(&self) -> Option<&str> {
        self.0.batch_key.as_deref()
    }
    async fn status(&self) -> ImportStatus {
        if self.0.succeeded() {
            ImportStatus::Succeeded
        } else {
            ImportStatus::Failed
        }
    }
    /// Rows read (including bad ones).
    async fn rows(&self) -> i64 {
        self.0.rows
    }
    /// Events stored.
    async fn events(&self) -> i64 {
        self.0.events
    }
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// Bad rows, by row and column (never the values).
    async fn errors(&self) -> Vec<RowErrorView> {
        self.0.errors.iter().map(RowErrorView::from).collect()
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    async fn finished_at(&self) -> DateTime<Utc> {
        self.0.finished_at
    }
}

/// A bad row of an import.
#[derive(SimpleObject)]
#[graphql(name = "RowError")]
pub struct RowErrorView {
    row: u64,
    column: String,
    message: String,
}

impl From<&RowError> for RowErrorView {
    fn from(e: &RowError) -> Self {
        Self {
            row: e.row,
            column: e.column.clone(),
            message: e.message.clone(),
        }
    }
}

/// A directly-follows edge: how often `to` came straight after `from` in a case, and the waits.
#[derive(SimpleObject)]
#[graphql(name = "DirectlyFollows")]
pub struct EdgeView {
    from: String,
    to: String,
    count: u64,
    mean_seconds: f64,
    median_seconds: f64,
    p90_seconds: f64,
    min_seconds: f64,
    max_seconds: f64,
}

/// An activity with the number of cases that start (or end) with it.
#[derive(SimpleObject)]
#[graphql(name = "ActivityCount")]
pub struct ActivityCountView {
    activity: String,
    count: u64,
}

/// A sequence of activities some cases followed.
#[derive(SimpleObject)]
#[graphql(name = "Variant")]
pub struct VariantView {
    count: u64,
    /// Share of all cases (0 to 1).
    share: f64,
    activities: Vec<String>,
}

/// Durations in seconds.
#[derive(SimpleObject)]
#[graphql(name = "DurationSummary")]
pub struct DurationView {
    count: u64,
    mean_seconds: f64,
    median_seconds: f64,
    p90_seconds: f64,
    min_seconds: f64,
    max_seconds: f64,
}

impl From<DurationStats> for DurationView {
    fn from(d: DurationStats) -> Self {
        Self {
            count: d.count,
            mean_seconds: d.mean_seconds,
            median_seconds: d.median_seconds,
            p90_seconds: d.p90_seconds,
            min_seconds: d.min_seconds,
            max_seconds: d.max_seconds,
        }
    }
}

/// An activity done more than once in some cases.
#[derive(SimpleObject)]
#[graphql(name = "ActivityRework")]
pub struct ReworkView {
    activity: String,
    /// Cases in which it happens more than once.
    cases: u64,
    /// Repeats beyond the first, over all cases.
    repeats: u64,
}

/// Care passing from one organisation to another.
#[derive(SimpleObject)]
#[graphql(name = "OrganisationHandoff")]
pub struct HandoffPairView {
    from: String,
    to: String,
    count: u64,
}

/// Hand-offs between organisations per case.
#[derive(SimpleObject)]
#[graphql(name = "LogHandoffs")]
pub struct HandoffsView {
    total: u64,
    mean_per_case: f64,
    median_per_case: f64,
    max_per_case: u64,
    pairs: Vec<HandoffPairView>,
}

/// What discovery found in a log.
#[derive(SimpleObject)]
#[graphql(name = "Discovery")]
pub struct DiscoveryView {
    events: u64,
    cases: u64,
    /// Sorted by from, then to.
    edges: Vec<EdgeView>,
    start_activities: Vec<ActivityCountView>,
    end_activities: Vec<ActivityCountView>,
    variant_count: u64,
    /// Most frequent first.
    top_variants: Vec<VariantView>,
    /// Share of cases the listed variants cover.
    top_variant_coverage: f64,
    /// From each case's first to its last event.
    case_duration: Option<DurationView>,
    rework: Vec<ReworkView>,
    handoffs: HandoffsView,
}

impl From<discovery::Discovery> for DiscoveryView {
    fn from(d: discovery::Discovery) -> Self {
        let counts = |v: Vec<discovery::ActivityCount>| {
            v.into_iter()
                .map(|a| ActivityCountView {
                    activity: a.activity,
                    count: a.count,
                })
                .collect()
        };
        Self {
            events: d.events,
            cases: d.cases,
            edges: d
                .edges
                .into_iter()
                .map(|e| EdgeView {
                    from: e.from,
                    to: e.to,
                    count: e.count,
                    mean_seconds: e.mean_seconds,
                    median_seconds: e.median_seconds,
                    p90_seconds: e.p90_seconds,
                    min_seconds: e.min_seconds,
                    max_seconds: e.max_seconds,
                })
                .collect(),
            start_activities: counts(d.start_activities),
            end_activities: counts(d.end_activities),
            variant_count: d.variant_count,
            top_variants: d
                .top_variants
                .into_iter()
                .map(|v| VariantView {
                    count: v.count,
                    share: v.share,
                    activities: v.activities,
                })
                .collect(),
            top_variant_coverage: d.top_variant_coverage,
            case_duration: d.case_duration.map(Into::into),
            rework: d
                .rework
                .into_iter()
                .map(|r| ReworkView {
                    activity: r.activity,
                    cases: r.cases,
                    repeats: r.repeats,
                })
                .collect(),
            handoffs: HandoffsView {
                total: d.handoffs.total,
                mean_per_case: d.handoffs.mean_per_case,
                median_per_case: d.handoffs.median_per_case,
                max_per_case: d.handoffs.max_per_case,
                pairs: d
                    .handoffs
                    .pairs
                    .into_iter()
                    .map(|p| HandoffPairView {
                        from: p.from,
                        to: p.to,
                        count: p.count,
                    })
                    .collect(),
            },
        }
    }
}

/// A log activity with no step of that activity code.
#[derive(SimpleObject)]
#[graphql(name = "UnknownActivity")]
pub struct UnknownActivityView {
    activity: String,
    events: u64,
    cases: u64,
}

/// A step patients went past without it being recorded.
#[derive(SimpleObject)]
#[graphql(name = "SkippedStep")]
pub struct SkippedStepView {
    /// The step's key.
    step: String,
    name: String,
    cases: u64,
}

/// A move between two steps (by key) with how often the log made it.
#[derive(SimpleObject)]
#[graphql(name = "StepMove")]
pub struct StepMoveView {
    from: String,
    to: String,
    count: u64,
    cases: u64,
}

/// The log against a pathway's map.
#[derive(SimpleObject)]
#[graphql(name = "Conformance")]
pub struct ConformanceView {
    pathway_id: ID,
    cases: u64,
    moves: u64,
    allowed_moves: u64,
    /// Share of moves the map allows (0 to 1).
    fitness: f64,
    fitting_cases: u64,
    /// Share of cases that fit the map entirely.
    fitting_case_share: f64,
    unknown_activities: Vec<UnknownActivityView>,
    skipped_steps: Vec<SkippedStepView>,
    /// Moves patients made that the map has no transition for.
    missing_transitions: Vec<StepMoveView>,
    /// Every map transition with how often the log took it.
    transition_counts: Vec<StepMoveView>,
    /// Map transitions the log never took.
    unseen_transitions: Vec<StepMoveView>,
}

impl ConformanceView {
    fn new(pathway_id: uuid::Uuid, c: engine::events::conformance::Conformance) -> Self {
        let moves = |v: Vec<engine::events::conformance::StepMove>| {
            v.into_iter()
                .map(|m| StepMoveView {
                    from: m.from,
                    to: m.to,
                    count: m.count,
                    cases: m.cases,
                })
                .collect()
        };
        Self {
            pathway_id: ID(pathway_id.to_string()),
            cases: c.cases,
            moves: c.moves,
            allowed_moves: c.allowed_moves,
            fitness: c.fitness,
            fitting_cases: c.fitting_cases,
            fitting_case_share: c.fitting_case_share,
            unknown_activities: c
                .unknown_activities
                .into_iter()
                .map(|u| UnknownActivityView {
                    activity: u.activity,
                    events: u.events,
                    cases: u.cases,
                })
                .collect(),
            skipped_steps: c
                .skipped_steps
                .into_iter()
                .map(|s| SkippedStepView {
                    step: s.step,
                    name: s.name,
                    cases: s.cases,
                })
                .collect(),
            missing_transitions: moves(c.missing_transitions),
            transition_counts: moves(c.transition_counts),
            unseen_transitions: moves(c.unseen_transitions),
        }
    }
}

#[derive(Default)]
pub struct EventLogQuery;

#[Object]
impl EventLogQuery {
    /// Every event log the caller may see, by name.
    async fn event_logs(&self, ctx: &Context<'_>) -> Result<Vec<EventLogView>> {
        let caller = super::caller_of(ctx);
        Ok(events::list_logs(db(ctx)?, &caller)
            .await?
            .into_iter()
            .map(EventLogView)
            .collect())
    }
    async fn event_log(&self, ctx: &Context<'_>, id: ID) -> Result<EventLogView> {
        let caller = super::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(EventLogView(events::get_log(db(ctx)?, &caller, id).await?))
    }
}

/// A new, empty event log.
#[derive(InputObject)]
pub struct CreateEventLogInput {
    pub name: String,
    /// The organisation whose data it is.
    pub organisation_id: Option<ID>,
    /// The pathway it is checked against by default.
    pub pathway_id: Option<ID>,
}

/// One event pushed by a system. Timestamps are ISO 8601; without an offset they are
/// Europe/London local time.
#[derive(InputObject)]
pub struct EventInput {
    /// The patient's case id: pseudonymised before anything is stored.
    pub case_id: String,
    pub activity: String,
    pub timestamp: String,
    pub organisation: Option<String>,
    pub resource: Option<String>,
    /// `start`, `complete` or another XES lifecycle transition.
    pub lifecycle: Option<String>,
}

/// What `appendEvents` did.
#[derive(SimpleObject)]
pub struct AppendEventsPayload {
    import: EventImportView,
    /// True when this batch key had already been stored: nothing new was written.
    duplicate: bool,
    log: EventLogView,
}

/// One value calibration changed.
#[derive(SimpleObject)]
#[graphql(name = "CalibratedValue")]
pub struct CalibratedValueView {
    /// `step xray` or `transition image_ok → xray`.
    subject: String,
    /// `probability`, `waitMinutes` or `touchMinutes`.
    field: String,
    /// The old value (null for a probability the map left implicit).
    old: Option<f64>,
    new: f64,
    /// Cases the new value rests on.
    cases: u64,
}

#[derive(SimpleObject)]
pub struct CalibratePathwayPayload {
    /// The new DRAFT version with the calibrated values.
    pathway: PathwayView,
    changes: Vec<CalibratedValueView>,
}

/// What a measure from a log computes per period.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::LogStatistic")]
pub enum LogStatistic {
    MedianTime,
    MeanTime,
    P90Time,
    CaseCount,
    PercentWithinTarget,
}

/// How a measure from a log groups cases: weeks start on Monday; England dates.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::Period")]
pub enum LogPeriod {
    Week,
    Month,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::events::log_measure::TimeUnit")]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
}

/// A measure computed from an event log: the time from the first `fromActivity` of each case
/// to the next `toActivity`, summarised per week or month.
#[derive(InputObject)]
pub struct AddLogMeasureInput {
    pub project_id: ID,
    pub expected_version: i64,
    pub log_id: ID,
    pub name: String,
    pub from_activity: String,
    pub to_activity: String,
    pub statistic: LogStatistic,
    #[graphql(default_with = "LogPeriod::Week")]
    pub period: LogPeriod,
    #[graphql(default_with = "TimeUnit::Hours")]
    pub unit: TimeUnit,
    /// Needed for PERCENT_WITHIN_TARGET.
    pub target_minutes: Option<f64>,
    pub direction: super::projects::ImprovementDirection,
    pub target: Option<f64>,
}

/// Where a measure's points come from when it is computed from a log.
#[derive(SimpleObject)]
#[graphql(name = "LogMeasureSource")]
pub struct LogMeasureSourceView {
    log_id: ID,
    from_activity: String,
    to_activity: String,
    statistic: LogStatistic,
    period: LogPeriod,
    unit: TimeUnit,
    target_minutes: Option<f64>,
}

impl LogMeasureSourceView {
    pub fn new(source: &store::projects::LogSource) -> Self {
        let d = &source.definition;
        Self {
            log_id: ID(source.log_id.to_string()),
            from_activity: d.from_activity.clone(),
            to_activity: d.to_activity.clone(),
            statistic: d.statistic.into(),
            period: d.period.into(),
            unit: d.unit.into(),
            target_minutes: d.target_minutes,
        }
    }
}

#[derive(Default)]
pub struct EventLogMutation;

#[Object]
impl EventLogMutation {
    /// Creates an empty event log (names are unique).
    async fn create_event_log(
        &self,
        ctx: &Context<'_>,
        input: CreateEventLogInput,
    ) -> Result<EventLogView> {
        let organisation_id = input
            .organisation_id
            .map(|id| parse_id("organisationId", &id))
            .transpose()?;
        let pathway_id = input
            .pathway_id
            .map(|id| parse_id("pathwayId", &id))
            .transpose()?;
        Ok(EventLogView(
            events::create_log(
                db(ctx)?,
                &change(ctx),
                &input.name,
                organisation_id,
                pathway_id,
            )
            .await?,
        ))
    }

    /// Appends a batch of at most 10,000 events, all or nothing. Sending the same `batchKey`
    /// again stores the events once (`duplicate` is true). Bad rows or an NHS number outside
    /// `caseId` refuse the whole batch with a `VALIDATION` error naming rows and fields, and a
    /// FAILED import is recorded.
    async fn append_events(
        &self,
        ctx: &Context<'_>,
        log_id: ID,
        batch_key: String,
        events: Vec<EventInput>,
    ) -> Result<AppendEventsPayload> {
        let caller = super::caller_of(ctx);
        let log_id = parse_id("logId", &log_id)?;
        let db = db(ctx)?;
        let started = Utc::now();
        let inputs: Vec<events::EventInput> = events
            .into_iter()
            .map(|e| events::EventInput {
                case_id: e.case_id,
                activity: e.activity,
                timestamp: e.timestamp,
                organisation: e.organisation,
                resource: e.resource,
                lifecycle: e.lifecycle,
            })
            .collect();
        let staged = events::stage_batch(&inputs, pseudonymiser(ctx)?);
        let record = events::import(
            db,
            &change(ctx),
            log_id,
            events::ImportSource::Api,
            Some(&batch_key),
            staged,
            started,
        )
        .await?;
        if !record.succeeded() {
            // The FAILED import is recorded; the caller gets every bad row and the reason.
            let mut errors = engine::InputErrors::default();
            for e in &record.errors {
                errors.push(e.column.clone(), e.message.clone());
            }
            if let Some(message) = &record.message {
                errors.push("events", message.clone());
            }
            return Err(crate::Error::Validation(errors).into());
        }
        let duplicate = record.duplicate;
        let log = events::get_log(db, &caller, log_id).await?;
        Ok(AppendEventsPayload {
            import: EventImportView(record),
            duplicate,
            log: EventLogView(log),
        })
    }

    /// A new DRAFT version of the pathway whose branch probabilities, waits and (where the log
    /// has start and complete events) touch times come from the log, with every value changed.
    async fn calibrate_pathway(
        &self,
        ctx: &Context<'_>,
        pathway_id: ID,
        log_id: ID,
    ) -> Result<CalibratePathwayPayload> {
        let pathway_id = parse_id("pathwayId", &pathway_id)?;
        let log_id = parse_id("logId", &log_id)?;
        let (record, values) =
            mining::calibrate_pathway(db(ctx)?, &change(ctx), pathway_id, log_id).await?;
        Ok(CalibratePathwayPayload {
            pathway: PathwayView::new(record),
            changes: values
                .into_iter()
                .map(|v| CalibratedValueView {
                    subject: v.subject,
                    field: v.field,
                    old: v.old.is_finite().then_some(v.old),
                    new: v.new,
                    cases: v.cases,
                })
                .collect(),
        })
    }

    /// Adds a measure whose data points are computed from an event log (and recomputed when
    /// events are appended), charted with SPC like any measure.
    async fn add_log_measure(
        &self,
        ctx: &Context<'_>,
        input: AddLogMeasureInput,
    ) -> Result<MeasurePayload> {
        let caller = super::caller_of(ctx);
        let project_id = parse_id("projectId", &input.project_id)?;
        let log_id = parse_id("logId", &input.log_id)?;
        let definition = LogMeasureDefinition {
            from_activity: input.from_activity.trim().to_string(),
            to_activity: input.to_activity.trim().to_string(),
            statistic: input.statistic.into(),
            period: input.period.into(),
            unit: input.unit.into(),
            target_minutes: input.target_minutes,
        };
        definition.check().map_err(crate::Error::from)?;
        let unit = match definition.statistic {
            engine::events::log_measure::LogStatistic::CaseCount => "cases".to_string(),
            engine::events::log_measure::LogStatistic::PercentWithinTarget => "%".to_string(),
            _ => definition.unit.word().to_string(),
        };
        let measure = engine::measure::Measure::parse(
            &input.name,
            engine::MeasureKind::Outcome,
            &definition.describe(),
            &unit,
            input.direction.into(),
            input.target,
            engine::ChartType::Xmr,
        )
        .map_err(crate::Error::from)?;
        let db = db(ctx)?;
        let source = store::projects::LogSource { log_id, definition };
        let (project, id) = store::projects::add_measure(
            db,
            &change(ctx),
            project_id,
            input.expected_version,
            measure,
            Some(source),
        )
        .await?;
        let measure = store::projects::measure(db, &caller, id).await?;
        Ok(MeasurePayload {
            project: ProjectView(project),
            measure: MeasureView(measure),
        })
    }
}
