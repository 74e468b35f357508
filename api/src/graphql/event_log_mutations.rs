//! Creating event logs, appending events, calibrating pathways and measures from logs.

use super::context::{change, db, parse_id};
use super::enums::*;
use super::event_logs::{EventImportView, EventLogView, pseudonymiser};
use super::measures::*;
use super::pathway::PathwayView;
use super::project_mutations::MeasurePayload;
use super::projects::ProjectView;
use crate::store::{self, events, mining};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::Utc;
use engine::events::log_measure::LogMeasureDefinition;

/// A new, empty event log.
#[derive(InputObject)]
pub struct CreateEventLogInput {
    /// The log's name, unique to you.
    pub name: String,
    /// The organisation whose data it is: its ODS code or its id.
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
    /// The activity, as the sending system names it (at most 4 KiB; never an NHS number).
    pub activity: String,
    /// When it happened: RFC 3339 (`2025-03-01T09:30:00Z`), or a local time read as Europe/London.
    pub timestamp: String,
    /// The ODS code or name of the organisation that did it; null when unknown.
    pub organisation: Option<String>,
    /// The team or role that did it (never a person's name or NHS number); null when unknown.
    pub resource: Option<String>,
    /// `start`, `complete` or another XES lifecycle transition.
    pub lifecycle: Option<String>,
}

/// What `appendEvents` did.
#[derive(SimpleObject)]
pub struct AppendEventsPayload {
    /// The record of this batch: its status, counts and any rows refused.
    import: EventImportView,
    /// True when this batch key had already been stored: nothing new was written.
    duplicate: bool,
    /// The log after the batch.
    log: EventLogView,
}

/// One value calibration changed.
#[derive(SimpleObject)]
#[graphql(name = "CalibratedValue")]
pub(crate) struct CalibratedValueView {
    /// `step xray` or `transition image_ok → xray`.
    subject: String,
    /// `probability`, `waitMinutes` or `touchMinutes`.
    field: String,
    /// The old value (null for a probability the map left implicit).
    old: Option<f64>,
    /// The value measured in the log.
    new: f64,
    /// Cases the new value rests on.
    cases: u64,
}

impl From<engine::events::calibration::CalibratedValue> for CalibratedValueView {
    fn from(v: engine::events::calibration::CalibratedValue) -> Self {
        Self {
            subject: v.subject,
            field: v.field,
            old: v.old.is_finite().then_some(v.old),
            new: v.new,
            cases: v.cases,
        }
    }
}

/// What calibrating a pathway from an event log did.
#[derive(SimpleObject)]
pub struct CalibratePathwayPayload {
    /// The new DRAFT version with the calibrated values.
    pathway: PathwayView,
    /// Each value taken from the log, with the value it replaced.
    changes: Vec<CalibratedValueView>,
}

/// A measure computed from an event log: the time from the first `fromActivity` of each case
/// to the next `toActivity`, summarised per week or month.
#[derive(InputObject)]
pub struct AddLogMeasureInput {
    /// The improvement project (its id).
    pub project_id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// The event log (its id).
    pub log_id: ID,
    /// The measure's name, as a board would read it.
    pub name: String,
    /// The activity the time is measured from (as written in the log); each case's first event of
    /// it.
    pub from_activity: String,
    /// Only `fromActivity` events of this organisation (ODS code) count: for an activity done in
    /// several organisations, as conformance tells steps sharing a code apart. Any when null.
    pub from_organisation: Option<String>,
    /// The activity the time is measured to; each case's first event of it after `fromActivity`.
    pub to_activity: String,
    /// Only `toActivity` events of this organisation (ODS code) count; any when null.
    pub to_organisation: Option<String>,
    /// What each point is: the median, mean or 90th percentile time, the share of cases within
    /// `target`, or the number of cases.
    pub statistic: LogStatistic,
    /// The period each point covers: cases are counted in the period their `fromActivity` happened.
    #[graphql(default_with = "LogPeriod::Week")]
    pub period: LogPeriod,
    /// The unit of the times (and of `target`).
    #[graphql(default_with = "TimeUnit::Hours")]
    pub unit: TimeUnit,
    /// Needed for PERCENT_WITHIN_TARGET.
    pub target_minutes: Option<f64>,
    /// Which way is better for this measure (for a time, usually DECREASE).
    pub direction: ImprovementDirection,
    /// The target, in `unit` (for PERCENT_WITHIN_TARGET, the time a case must be within); null for
    /// none.
    pub target: Option<f64>,
    /// Accept activities no event of the log has yet (otherwise a `VALIDATION` error names
    /// them: a typo would chart nothing).
    #[graphql(default)]
    pub allow_unseen_activities: bool,
}

#[derive(Default)]
pub struct EventLogMutation;

#[Object]
impl EventLogMutation {
    /// Creates an empty event log (names are unique).
    async fn create_event_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: CreateEventLogInput,
    ) -> Result<EventLogView> {
        let organisation_id = match &input.organisation_id {
            Some(reference) => {
                Some(super::context::organisation_ref(ctx, "organisationId", reference).await?)
            }
            None => None,
        };
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

    /// Retracts an import (a file sent twice, the wrong extract): its events leave the log, the
    /// log's counts and the measures computed from it follow at once, and the import stays in
    /// the log's `imports`, marked with who retracted it, when and why. Needs the right to write
    /// the log's events.
    async fn retract_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import whose events to withdraw (its id).")] import_id: ID,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<EventImportView> {
        let id = parse_id("importId", &import_id)?;
        let record = crate::store::imports::retract(db(ctx)?, &change(ctx), id, &reason).await?;
        Ok(EventImportView(record))
    }

    /// Archives an event log: it takes no more events and leaves `eventLogs` (unless
    /// `includeArchived`); its events, imports and measures stay readable.
    async fn archive_event_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The log to archive (its id).")] log_id: ID,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<EventLogView> {
        let id = parse_id("logId", &log_id)?;
        Ok(EventLogView(
            crate::store::imports::archive_log(db(ctx)?, &change(ctx), id, &reason).await?,
        ))
    }

    /// Deletes an event log made by mistake. Only a log that never held anything (no events, no
    /// imports, no measures computed from it) can be deleted; any other is archived instead.
    async fn delete_event_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The log to delete with all its events (its id).")] log_id: ID,
    ) -> Result<bool> {
        let id = parse_id("logId", &log_id)?;
        crate::store::imports::delete_log(db(ctx)?, &change(ctx), id).await?;
        Ok(true)
    }

    /// Appends a batch of at most 10,000 events, all or nothing. Sending the same `batchKey`
    /// again stores the events once (`duplicate` is true). Bad rows or an NHS number outside
    /// `caseId` refuse the whole batch with a `VALIDATION` error naming rows and fields, and a
    /// FAILED import is recorded.
    async fn append_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event log (its id).")] log_id: ID,
        #[graphql(
            desc = "Your key for this batch (at most 200 characters, never an NHS number): sending the same key again stores the events once."
        )]
        batch_key: String,
        #[graphql(desc = "The events, at most 10,000.")] events: Vec<EventInput>,
    ) -> Result<AppendEventsPayload> {
        let caller = super::context::caller_of(ctx);
        let log_id = parse_id("logId", &log_id)?;
        let db = db(ctx)?;
        let started = Utc::now();
        let inputs: Vec<engine::events::staging::EventInput> = events
            .into_iter()
            .map(|e| engine::events::staging::EventInput {
                case_id: e.case_id,
                activity: e.activity,
                timestamp: e.timestamp,
                organisation: e.organisation,
                resource: e.resource,
                lifecycle: e.lifecycle,
            })
            .collect();
        let max_field_bytes = ctx
            .data_opt::<crate::limits::Limits>()
            .map_or(engine::events::bounded::MAX_FIELD_BYTES, |l| {
                l.max_field_bytes
            });
        let staged =
            engine::events::staging::stage_batch(&inputs, pseudonymiser(ctx)?, max_field_bytes);
        let record = crate::store::imports::import(
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
        #[graphql(
            desc = "The pathway whose values to replace (its id); a new DRAFT version takes them."
        )]
        pathway_id: ID,
        #[graphql(desc = "The event log to measure waits and step times from (its id).")]
        log_id: ID,
    ) -> Result<CalibratePathwayPayload> {
        let pathway_id = parse_id("pathwayId", &pathway_id)?;
        let log_id = parse_id("logId", &log_id)?;
        let (record, values) =
            mining::calibrate_pathway(db(ctx)?, &change(ctx), pathway_id, log_id).await?;
        Ok(CalibratePathwayPayload {
            pathway: PathwayView::new(record),
            changes: values.into_iter().map(Into::into).collect(),
        })
    }

    /// Adds a measure whose data points are computed from an event log (and recomputed when
    /// events are appended), charted with SPC like any measure.
    async fn add_log_measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: AddLogMeasureInput,
    ) -> Result<MeasurePayload> {
        let caller = super::context::caller_of(ctx);
        let project_id = parse_id("projectId", &input.project_id)?;
        let log_id = parse_id("logId", &input.log_id)?;
        let definition = LogMeasureDefinition {
            from_activity: input.from_activity.trim().to_string(),
            from_organisation: input.from_organisation.map(|o| o.trim().to_string()),
            to_organisation: input.to_organisation.map(|o| o.trim().to_string()),
            to_activity: input.to_activity.trim().to_string(),
            statistic: input.statistic.into(),
            period: input.period.into(),
            unit: input.unit.into(),
            target_minutes: input.target_minutes,
        };
        definition.check().map_err(crate::Error::from)?;
        let measure = engine::measure::Measure::parse(
            &input.name,
            engine::MeasureKind::Outcome,
            &definition.describe(),
            definition.unit_word(),
            input.direction.into(),
            input.target,
            engine::ChartType::Xmr,
        )
        .map_err(crate::Error::from)?;
        let db = db(ctx)?;
        let source = store::projects::LogSource { log_id, definition };
        let (project, id) = store::measures::add_measure(
            db,
            &change(ctx),
            project_id,
            input.expected_version,
            measure,
            Some(source),
            input.allow_unseen_activities,
        )
        .await?;
        let measure = store::measures::measure(db, &caller, id).await?;
        Ok(MeasurePayload {
            project: ProjectView(project),
            measure: MeasureView(measure),
        })
    }
}
