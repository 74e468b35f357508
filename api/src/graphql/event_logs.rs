//! Event logs over GraphQL: counts, imports, discovery, conformance against a pathway,
//! calibration and measures computed from a log. Only aggregates: no patient-level row is ever
//! returned.

use super::context::{db, parse_id};
use super::mining::*;
use super::organisation::OrganisationView;
use super::pathway::PathwayView;
use crate::store::{self, events, mining};
use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use engine::events::discovery::DiscoveryOptions;
use engine::events::identifiers::Pseudonymiser;
use std::sync::Arc;

/// Most variants a discovery lists.
const MAX_TOP_VARIANTS: i32 = 100;

pub(super) fn pseudonymiser<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Pseudonymiser>> {
    ctx.data::<Arc<Pseudonymiser>>()
}

/// An event log: what trusts' systems recorded happening to patients, pseudonymised.
pub struct EventLogView(pub events::EventLogRecord);

/// Events of real patients' journeys (case, activity, time), held at patient level and shown only
/// as aggregates: discovery, conformance and measures.
#[Object(name = "EventLog")]
impl EventLogView {
    /// Its id: pass it to the upload route, `appendEvents` or `addLogMeasure`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The organisation that owns it; null for a log of the installation.
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
    /// Events in the log.
    async fn event_count(&self) -> i64 {
        self.0.event_count
    }
    /// Cases (patients' journeys) in the log.
    async fn case_count(&self) -> i64 {
        self.0.case_count
    }
    /// The IANA time zone the last imported file's offset-less times were read in; null before
    /// a file was imported (`appendEvents` times without an offset are Europe/London).
    async fn timezone(&self) -> Option<&str> {
        self.0.timezone.as_deref()
    }
    /// Send it back as `expectedVersion` when changing it.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who archived the log, when and why (an archived log takes no more events).
    async fn archive(&self) -> Option<super::withdrawal::Withdrawal> {
        self.0.archive.clone().map(Into::into)
    }
    /// When events were last added or it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Every import into the log, newest first, with its status and row errors.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn imports(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<EventImportView>> {
        let caller = super::context::caller_of(ctx);
        Ok(super::paging::page_of(
            events::imports(db(ctx)?, &caller, self.0.id).await?,
            super::paging::Paging::new(first, after, last, before),
            |i| i.id.to_string(),
            EventImportView,
        )?)
    }
    /// What changed in the pathway between two periods of the log (a case belongs to the period
    /// of its first event): each transition's frequency and waits, the change with a 95%
    /// interval, and its part in the change of the mean time (the same as `qiflow compare`).
    async fn compare(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The earlier period.")] before: super::log_comparison::DateRangeInput,
        #[graphql(desc = "The later period.")] after: super::log_comparison::DateRangeInput,
        #[graphql(
            desc = "Measure the time from this activity (its first event in a case); whole cases when null."
        )]
        from: Option<String>,
        #[graphql(desc = "Measure the time to the first event of this activity after `from`.")]
        to: Option<String>,
    ) -> Result<super::log_comparison::LogComparison> {
        use crate::store::log_comparisons::{compare, days};
        let caller = super::context::caller_of(ctx);
        let db = db(ctx)?;
        let before = days("before", before.start, before.end)?;
        let after = days("after", after.start, after.end)?;
        let comparison = compare(db, &caller, self.0.id, before, after, from, to).await?;
        audit_read(ctx, db, "eventLog.compare", &self.0).await?;
        Ok(super::log_comparison::LogComparison::new(
            self.0.id, None, comparison,
        ))
    }
    /// The pathway as patients actually travelled it (the same fields as `qiflow mine`).
    async fn discovery(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 20,
            desc = "How many of the most common variants to list (0 to 100)."
        )]
        top_variants: i32,
        #[graphql(
            default = false,
            desc = "Treat an activity repeated straight after itself as one event."
        )]
        collapse_repeats: bool,
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
        #[graphql(
            default = 1,
            desc = "Leave out moves seen fewer times than this (1 or more)."
        )]
        min_count: i32,
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
        #[graphql(
            desc = "The pathway to check against (its id); the log's own pathway when null."
        )]
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

/// One upload, appended batch or `qiflow import-events` run into an event log, with its outcome.
#[Object(name = "EventImport")]
impl EventImportView {
    /// Its id: pass it to `retractImport`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// FILE (`qiflow import-events`), UPLOAD (HTTP) or API (`appendEvents`).
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The key an `appendEvents` batch was sent with (sending it again stores nothing twice); null
    /// for uploads.
    async fn batch_key(&self) -> Option<&str> {
        self.0.batch_key.as_deref()
    }
    /// Whether it is running, done or failed.
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
    /// When the import was retracted (its events left the log); absent while it stands.
    async fn withdrawn_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.withdrawal.as_ref().map(|w| w.0)
    }
    /// Who retracted it.
    async fn withdrawn_by(&self) -> Option<&str> {
        self.0.withdrawal.as_ref().map(|w| w.1.as_str())
    }
    /// Why.
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.0.withdrawal.as_ref().map(|w| w.2.as_str())
    }
    /// Why it failed, in words; null when it did not.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// Bad rows, by row and column (never the values).
    async fn errors(&self) -> Vec<RowErrorView> {
        self.0.errors.iter().map(RowErrorView::from).collect()
    }
    /// When it started (UTC).
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When it finished (UTC): after its events were written and the log's measures recomputed.
    async fn finished_at(&self) -> DateTime<Utc> {
        self.0.finished_at
    }
    /// How the file was read (format, gzip, delimiter, timestamps, time zone); null for
    /// `appendEvents` batches.
    async fn reading(&self) -> Option<super::import_reading::ImportReadingView> {
        self.0
            .reading
            .clone()
            .map(super::import_reading::ImportReadingView)
    }
    /// How long each phase took (a refused import only read); null for `appendEvents` batches
    /// refused before staging and for imports from before this was kept.
    async fn phases(&self) -> Option<super::import_reading::ImportPhasesView> {
        self.0.phases.map(super::import_reading::ImportPhasesView)
    }
}

#[derive(Default)]
pub struct EventLogQuery;

#[Object]
impl EventLogQuery {
    /// Every event log the caller may see, by name; archived ones only with `includeArchived`.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn event_logs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Also the archived logs.")] include_archived: bool,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<EventLogView>> {
        let caller = super::context::caller_of(ctx);
        Ok(super::paging::page_of(
            events::list_logs(db(ctx)?, &caller, include_archived).await?,
            super::paging::Paging::new(first, after, last, before),
            |l| l.id.to_string(),
            EventLogView,
        )?)
    }
    /// One event log by id.
    async fn event_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The log's id.")] id: ID,
    ) -> Result<EventLogView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(EventLogView(events::get_log(db(ctx)?, &caller, id).await?))
    }
}
