//! Event logs over GraphQL: counts, imports, discovery, conformance against a pathway,
//! calibration and measures computed from a log. Only aggregates: no patient-level row is ever
//! returned.

use super::context::{db, parse_id};
use super::organisation::OrganisationView;
use super::pathway::PathwayView;
use crate::store::{self, events, mining};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use engine::events::identifiers::Pseudonymiser;
use engine::events::{DurationStats, RowError, discovery, discovery::DiscoveryOptions};
use std::sync::Arc;

/// Most variants a discovery lists.
const MAX_TOP_VARIANTS: i32 = 100;

pub(super) fn pseudonymiser<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Pseudonymiser>> {
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
        let caller = super::context::caller_of(ctx);
        Ok(Some(OrganisationView(
            store::organisations::get(db(ctx)?, &caller, id).await?,
        )))
    }
    /// The pathway the log is checked against by default.
    async fn pathway(&self, ctx: &Context<'_>) -> Result<Option<PathwayView>> {
        let Some(id) = self.0.pathway_id else {
            return Ok(None);
        };
        let caller = super::context::caller_of(ctx);
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
        let caller = super::context::caller_of(ctx);
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
        let caller = super::context::caller_of(ctx);
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
        let caller = super::context::caller_of(ctx);
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
        let caller = super::context::caller_of(ctx);
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
    store::audit::record_alone(
        db,
        &super::context::request(ctx),
        operation,
        &[log.id],
        "OK",
    )
    .await?;
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
        let caller = super::context::caller_of(ctx);
        Ok(events::list_logs(db(ctx)?, &caller)
            .await?
            .into_iter()
            .map(EventLogView)
            .collect())
    }
    async fn event_log(&self, ctx: &Context<'_>, id: ID) -> Result<EventLogView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(EventLogView(events::get_log(db(ctx)?, &caller, id).await?))
    }
}
