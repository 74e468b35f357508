//! Pathways, steps and transitions as GraphQL views, and the pathway queries. Views are thin
//! wrappers over the store's records and the engine's values.

use super::context::{db, parse_id};
use super::enums::{Handoff, PathwayStatus, ProblemCode, StepKind, ValueClass, WasteKind};
use super::organisation::OrganisationView;
use crate::caller::Caller;
use crate::store::{self, PathwayContent, PathwayRecord};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Pathway maps drawn, by version and hotspots marked. What a map shows (the version's name,
/// steps, transitions, organisations and analysis) never changes within a version, on the same
/// terms as the store's cache of version contents, so a drawing is shared by every request.
static MAP_SVGS: std::sync::LazyLock<quick_cache::sync::Cache<(Uuid, i64, i32), Arc<str>>> =
    std::sync::LazyLock::new(|| quick_cache::sync::Cache::new(256));

/// Loads the content of many pathways in one round of queries, for the caller of one request
/// (so a list of pathways with their steps is not one query per pathway).
pub struct ContentLoader {
    db: DatabaseConnection,
    caller: Caller,
}

impl ContentLoader {
    pub fn new(db: DatabaseConnection, caller: Caller) -> Self {
        Self { db, caller }
    }
}

impl Loader<Uuid> for ContentLoader {
    type Value = Arc<PathwayContent>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::pathways::contents_for_read(&self.db, &self.caller, keys).await?)
    }
}

/// A care pathway: a versioned map of steps and transitions across organisations.
pub struct PathwayView {
    record: PathwayRecord,
    content: Option<Arc<PathwayContent>>,
    /// Its version label, when already worked out with its family's (a list of versions).
    label: Option<Option<usize>>,
}

impl PathwayView {
    /// A view whose content is loaded when asked for (batched across the request).
    pub fn new(record: PathwayRecord) -> Self {
        Self {
            record,
            content: None,
            label: None,
        }
    }

    /// A view over content already loaded (after a change, so it reflects the change).
    pub fn with_content(record: PathwayRecord, content: Arc<PathwayContent>) -> Self {
        Self {
            record,
            content: Some(content),
            label: None,
        }
    }

    async fn content(&self, ctx: &Context<'_>) -> Result<Arc<PathwayContent>> {
        if let Some(content) = &self.content {
            return Ok(content.clone());
        }
        let id = self.record.id;
        // The record was read through the caller's visibility check; its version's content
        // never changes.
        if let Some(content) = store::pathways::cached_content(id, self.record.version) {
            return Ok(content);
        }
        let loaded = match ctx.data_opt::<DataLoader<ContentLoader>>() {
            Some(loader) => loader.load_one(id).await?,
            None => {
                let caller = super::context::caller_of(ctx);
                Some(Arc::new(
                    store::pathways::content(db(ctx)?, &caller, id).await?,
                ))
            }
        };
        loaded.ok_or_else(|| crate::Error::not_found("pathway", id).into())
    }
}

/// A care pathway map: steps (in organisations) joined by transitions with waits, hand-offs and
/// probabilities. A published version never changes.
#[Object(name = "Pathway")]
impl PathwayView {
    /// Its id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.record.header.name
    }
    /// What it covers, in words.
    async fn description(&self) -> &str {
        &self.record.header.description
    }
    /// The condition or service the pathway is for.
    async fn condition(&self) -> &str {
        &self.record.header.condition
    }
    /// The organisation that owns the map.
    async fn owner(&self) -> OrganisationView {
        OrganisationView(self.record.owner.clone())
    }
    /// DRAFT (editable), PUBLISHED (fixed) or ARCHIVED.
    async fn status(&self) -> PathwayStatus {
        self.record.status.into()
    }
    /// Patients entering the pathway per day, if known.
    async fn demand_per_day(&self) -> Option<f64> {
        self.record.header.demand_per_day.map(|d| d.get())
    }
    /// The time the pathway should take end to end, in minutes; null when it has none.
    async fn target_lead_time_minutes(&self) -> Option<f64> {
        self.record.header.target_lead_time.map(|m| m.get())
    }
    /// Incremented by every change; send it back as `expectedVersion` when changing the pathway.
    #[graphql(deprecation = "use `revision` (the same number) or `versionLabel`")]
    async fn version(&self) -> i64 {
        self.record.version
    }
    /// Edits counted: incremented by every change; send it back as `expectedVersion` when
    /// changing the pathway.
    async fn revision(&self) -> i64 {
        self.record.version
    }
    /// 1, 2, 3 ... for each published version of the pathway's family, in the order they were
    /// published; null for a version never published.
    async fn version_label(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if self.record.published_at.is_none() {
            return Ok(None);
        }
        let label = match self.label {
            Some(known) => known,
            None => store::versions::label(db(ctx)?, self.record.id).await?,
        };
        Ok(label.and_then(|n| i32::try_from(n).ok()))
    }
    /// Every version of the pathway's family that the caller may see, oldest first: the first
    /// version, each one cloned from it, and so on (this one included).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn versions(
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
    ) -> Result<super::paging::Connection<PathwayView>> {
        let caller = super::context::caller_of(ctx);
        Ok(super::paging::page_of(
            store::versions::lineage(db(ctx)?, &caller, self.record.id).await?,
            super::paging::Paging::new(first, after, last, before),
            |(r, _)| r.id.to_string(),
            |(record, label)| PathwayView {
                label: Some(label),
                ..PathwayView::new(record)
            },
        )?)
    }
    /// Its simulations, newest first (the latest 50).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn simulations(
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
    ) -> Result<super::paging::Connection<super::simulations::SimulationView>> {
        let caller = super::context::caller_of(ctx);
        Ok(super::paging::page_of(
            store::simulations::for_pathway(db(ctx)?, &caller, self.record.id).await?,
            super::paging::Paging::new(first, after, last, before),
            |r| r.id.to_string(),
            super::simulations::SimulationView,
        )?)
    }
    /// This pathway (before) against another version or any pathway the caller may see (after):
    /// steps and transitions added, removed and changed field by field, and both analyses with
    /// the difference of every headline figure and hotspot.
    async fn compare(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The other version or pathway (its id).")] with: ID,
    ) -> Result<super::analysis::ComparisonView> {
        let caller = super::context::caller_of(ctx);
        let other_id = parse_id("with", &with)?;
        let db = db(ctx)?;
        let other = store::pathways::get_for_read(db, &caller, other_id).await?;
        let other_view = PathwayView::new(other);
        let (mine, theirs) = (self.content(ctx).await?, other_view.content(ctx).await?);
        let before = super::analysis::analysis_of(ctx, &self.record, &mine).await?;
        let after = super::analysis::analysis_of(ctx, &other_view.record, &theirs).await?;
        Ok(super::analysis::ComparisonView {
            map: engine::compare::compare_maps(&mine.map, &theirs.map),
            before,
            after,
        })
    }
    /// The pathway this one was cloned from.
    async fn parent_id(&self) -> Option<ID> {
        self.record.parent_id.map(|id| ID(id.to_string()))
    }
    /// The pathway this one was cloned from, if the caller may see it.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<PathwayView>> {
        let Some(parent) = self.record.parent_id else {
            return Ok(None);
        };
        let caller = super::context::caller_of(ctx);
        match store::pathways::get(db(ctx)?, &caller, parent).await {
            Ok(record) => Ok(Some(PathwayView::new(record))),
            Err(crate::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.record.created_at
    }
    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.record.updated_at
    }
    /// The steps, in the map's order.
    async fn steps(&self, ctx: &Context<'_>) -> Result<Vec<StepView>> {
        let content = self.content(ctx).await?;
        super::context::charge_items(ctx, "steps", content.map.steps.len())?;
        Ok((0..content.map.steps.len())
            .map(|index| StepView {
                content: content.clone(),
                index,
            })
            .collect())
    }
    /// The transitions, in the map's order.
    async fn transitions(&self, ctx: &Context<'_>) -> Result<Vec<TransitionView>> {
        let content = self.content(ctx).await?;
        super::context::charge_items(ctx, "transitions", content.map.transitions.len())?;
        Ok((0..content.map.transitions.len())
            .map(|index| TransitionView {
                content: content.clone(),
                index,
            })
            .collect())
    }
    /// The organisations the pathway is shared with (for members of its owner; empty for
    /// others).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn shares(
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
    ) -> Result<super::paging::Connection<super::access::ShareView>> {
        super::access::shares_of(
            ctx,
            crate::store::access::PATHWAY,
            self.record.id,
            super::paging::Paging::new(first, after, last, before),
        )
        .await
    }
    /// IHI's family of measures (outcome, process, balancing) for a change at these steps, such
    /// as a hotspot's `stepKeys`: each with its reason and the fields `addLogMeasure` takes
    /// (`logId` is the pathway's event log, when the caller's organisations have one). At most
    /// 100 keys; a key the pathway does not have is `VALIDATION`, naming it.
    async fn suggested_measures(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The steps the change targets, by key (a hotspot's `stepKeys`).")]
        step_keys: Vec<String>,
    ) -> Result<Vec<super::drivers::SuggestedMeasure>> {
        if step_keys.len() > 100 {
            return Err(crate::Error::invalid("stepKeys", "at most 100 step keys").into());
        }
        let content = self.content(ctx).await?;
        if let Some((i, key)) = step_keys.iter().enumerate().find(|(_, k)| {
            !content
                .map
                .steps
                .iter()
                .any(|s| s.key.as_str() == k.as_str())
        }) {
            return Err(crate::Error::invalid(
                format!("stepKeys[{i}]"),
                format!("the pathway has no step '{key}'"),
            )
            .into());
        }
        super::drivers::suggestions(ctx, self.record.id, &[], &step_keys).await
    }

    /// Whose agreement the version needs before it is published (each organisation with steps
    /// in it) and where each stands: who agreed and when, who asked for changes, who has not
    /// decided yet, and, once published without someone's agreement, the owner's reason.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<super::agreement::AgreementView> {
        let content = self.content(ctx).await?;
        super::agreement::of_pathway(ctx, &self.record, &content).await
    }

    /// The comments on this version, its steps and its transitions, oldest first.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the comments not yet resolved.", default = false)]
        unresolved_only: bool,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<super::comments::CommentView>> {
        super::comments::of_pathway(
            ctx,
            self.record.id,
            unresolved_only,
            super::paging::Paging::new(first, after, last, before),
        )
        .await
    }

    /// Every organisation the pathway involves: the owner, then those of its steps.
    async fn organisations(&self, ctx: &Context<'_>) -> Result<Vec<OrganisationView>> {
        let content = self.content(ctx).await?;
        Ok(content
            .organisations
            .iter()
            .cloned()
            .map(OrganisationView)
            .collect())
    }
    /// Structural problems; a pathway can be published only when there are none.
    async fn problems(&self, ctx: &Context<'_>) -> Result<Vec<ProblemView>> {
        let content = self.content(ctx).await?;
        Ok(engine::validate(&content.map)
            .into_iter()
            .map(ProblemView::from)
            .collect())
    }
    /// Where the pathway loses time: headline figures, per-step figures and ranked hotspots.
    /// A pathway with structural problems gets a `VALIDATION` error listing them.
    async fn analysis(&self, ctx: &Context<'_>) -> Result<super::analysis::AnalysisView> {
        let content = self.content(ctx).await?;
        Ok(super::analysis::AnalysisView(
            super::analysis::analysis_of(ctx, &self.record, &content).await?,
        ))
    }
    /// The map as SVG: a swimlane per organisation, steps by kind, waits and branch
    /// probabilities on the arrows, rework as back arrows, and the top `hotspots` marked (none
    /// when the pathway has structural problems).
    async fn map_svg(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 5,
            desc = "How many of the largest hotspots to mark (0 to 20)."
        )]
        hotspots: i32,
    ) -> Result<String> {
        if !(0..=20).contains(&hotspots) {
            return Err(crate::Error::invalid("hotspots", "must be between 0 and 20").into());
        }
        let key = (self.record.id, self.record.version, hotspots);
        if let Some(svg) = MAP_SVGS.get(&key) {
            return Ok(svg.to_string());
        }
        let content = self.content(ctx).await?;
        let analysis = super::analysis::analysis_of(ctx, &self.record, &content).await;
        let shown: Vec<engine::analysis::RenderedHotspot> = match &analysis {
            Ok(a) => a
                .hotspots
                .iter()
                .take(hotspots as usize)
                .map(|h| a.render(h))
                .collect(),
            Err(_) => Vec::new(),
        };
        let lanes: Vec<engine::render::pathway_map::LaneLabel> = content
            .organisations
            .iter()
            .map(|o| engine::render::pathway_map::LaneLabel {
                ods_code: o.organisation.ods_code.to_string(),
                name: o.organisation.name.clone(),
                kind: o.organisation.kind.as_str().to_string(),
            })
            .collect();
        // Laying the map out searches for the drawing with the fewest crossings (bounded, but
        // milliseconds of CPU): on the blocking pool, like analysis, and drawn once a version
        // (unless its analysis failed, perhaps for want of time, leaving the hotspots out).
        let title = self.record.header.name.clone();
        let map = content.map.clone();
        let svg: Arc<str> = crate::blocking::compute(move |_| {
            engine::render::pathway_map::pathway_svg(&title, &map, &lanes, &shown)
        })
        .await?
        .into();
        if analysis.is_ok() {
            MAP_SVGS.insert(key, svg.clone());
        }
        Ok(svg.to_string())
    }
    /// The map as a Mermaid flowchart, for pasting into documents.
    async fn mermaid(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(engine::render::text::mermaid(&self.content(ctx).await?.map))
    }
    /// The map in Graphviz DOT.
    async fn dot(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(engine::render::text::dot(&self.content(ctx).await?.map))
    }
    /// The whole pathway as a pathway document (the import/export format).
    async fn document(&self, ctx: &Context<'_>) -> Result<Json<engine::PathwayDocument>> {
        let content = self.content(ctx).await?;
        let organisations: Vec<engine::Organisation> = content
            .organisations
            .iter()
            .map(|o| o.organisation.clone())
            .collect();
        let mut document =
            engine::PathwayDocument::from_parts(&self.record.header, &organisations, &content.map);
        document.external_id = self.record.external_id.clone();
        Ok(Json(document))
    }
}

/// One step of a pathway: something that happens to the patient in one organisation.
pub struct StepView {
    pub(crate) content: Arc<PathwayContent>,
    pub(crate) index: usize,
}

impl StepView {
    fn step(&self) -> &engine::Step {
        &self.content.map.steps[self.index]
    }
}

/// One step of a pathway: an activity, decision, start or end, done by one organisation.
#[Object(name = "Step")]
impl StepView {
    /// Its id: pass it to `updateStep`, `removeStep` or `addTransition`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.content.step_ids[self.index].to_string())
    }
    /// Unique within the pathway; transitions and documents refer to steps by key.
    async fn key(&self) -> &str {
        self.step().key.as_str()
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.step().name
    }
    /// START, ACTIVITY, DECISION or END.
    async fn kind(&self) -> StepKind {
        self.step().kind.into()
    }
    /// The organisation that does it.
    async fn organisation(&self) -> Result<OrganisationView> {
        let code = &self.step().organisation;
        self.content
            .organisation(code)
            .cloned()
            .map(OrganisationView)
            .ok_or_else(|| {
                crate::Error::internal(anyhow::anyhow!("organisation {code} missing")).into()
            })
    }
    /// Where it happens; null when not given.
    async fn site(&self) -> Option<&str> {
        self.step().site.as_deref()
    }
    /// The stable code that event logs and duplication checks match on.
    async fn activity_code(&self) -> Option<&str> {
        self.step().activity_code.as_deref()
    }
    /// Hands-on time per visit, in minutes.
    async fn touch_minutes(&self) -> f64 {
        self.step().touch_minutes.get()
    }
    /// Whether it adds value for the patient, is necessary, or is waste.
    async fn value_class(&self) -> ValueClass {
        self.step().value_class.into()
    }
    /// The lean wastes it shows.
    async fn waste_kinds(&self) -> Vec<WasteKind> {
        self.step().waste_kinds.iter().map(|&w| w.into()).collect()
    }
    /// The information captured at this step (for example "NEWS2").
    async fn data_items(&self) -> &[String] {
        &self.step().data_items
    }
    /// Patients it can take a day; null for unlimited.
    async fn capacity_per_day(&self) -> Option<f64> {
        self.step().capacity_per_day.map(|c| c.get())
    }
    /// Percent Complete and Accurate of the work this step receives (0 to 100).
    async fn percent_complete_accurate(&self) -> Option<f64> {
        self.step().percent_complete_accurate.map(|p| p.get())
    }
}

/// A transition between two steps of one pathway.
pub struct TransitionView {
    pub(crate) content: Arc<PathwayContent>,
    pub(crate) index: usize,
}

impl TransitionView {
    fn transition(&self) -> &engine::Transition {
        &self.content.map.transitions[self.index]
    }

    fn step_view(&self, key: &engine::StepKey) -> Result<StepView> {
        let index = self
            .content
            .map
            .steps
            .iter()
            .position(|s| &s.key == key)
            .ok_or_else(|| crate::Error::internal(anyhow::anyhow!("step {key} missing")))?;
        Ok(StepView {
            content: self.content.clone(),
            index,
        })
    }
}

/// A move between two steps: how long patients wait, how they are handed over, and how many take
/// it.
#[Object(name = "Transition")]
impl TransitionView {
    /// Its id: pass it to `updateTransition` or `removeTransition`.
    pub(crate) async fn id(&self) -> ID {
        ID(self.content.transition_ids[self.index].to_string())
    }
    /// The step patients leave.
    async fn from(&self) -> Result<StepView> {
        self.step_view(&self.transition().from)
    }
    /// The step they go to.
    async fn to(&self) -> Result<StepView> {
        self.step_view(&self.transition().to)
    }
    /// The probability of taking this transition; absent when it is its step's only way out.
    async fn probability(&self) -> Option<f64> {
        self.transition().probability.map(|p| p.get())
    }
    /// Minutes the patient waits between the two steps.
    async fn wait_minutes(&self) -> f64 {
        self.transition().wait_minutes.get()
    }
    /// How they are handed over.
    async fn handoff(&self) -> Handoff {
        self.transition().handoff.into()
    }
    /// Whether the two steps belong to different organisations (derived, never stored).
    async fn crosses_organisations(&self) -> bool {
        self.content.map.crosses_organisations(self.transition())
    }
}

/// A structural problem of a pathway, with the steps and transitions (`from->to`) involved.
#[derive(SimpleObject)]
#[graphql(name = "Problem")]
pub struct ProblemView {
    /// What kind of problem it is.
    code: ProblemCode,
    /// What is wrong, in words.
    message: String,
    /// The keys of the steps concerned.
    steps: Vec<String>,
    /// The transitions concerned (`from -> to`).
    transitions: Vec<String>,
}

impl From<engine::Problem> for ProblemView {
    fn from(p: engine::Problem) -> Self {
        Self {
            code: p.code.into(),
            message: p.message,
            steps: p.steps,
            transitions: p.transitions,
        }
    }
}

#[derive(Default)]
pub struct PathwayQuery;

#[Object]
impl PathwayQuery {
    /// Pathways, oldest first, a page at a time.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn pathways(
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
        #[graphql(desc = "Only pathways with this status; all when null.")] status: Option<
            PathwayStatus,
        >,
    ) -> Result<super::paging::Connection<PathwayView>> {
        let caller = super::context::caller_of(ctx);
        let db = db(ctx)?;
        let window = super::paging::Paging::new(first, after, last, before).window()?;
        let (after, before) = window.ids()?;
        let page = store::pathways::Page {
            after,
            before,
            size: window.size as u64,
            from_end: window.from_end,
        };
        let status = status.map(engine::PathwayStatus::from);
        let (records, more) = store::pathways::list(db, &caller, status, page).await?;
        let total_count = if super::paging::wants_total(ctx) {
            store::pathways::count(db, &caller, status).await?
        } else {
            0
        };
        Ok(super::paging::from_rows(
            records,
            more,
            &window,
            total_count,
            |r| r.id.to_string(),
            PathwayView::new,
        ))
    }

    /// One pathway by id.
    async fn pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway's id.")] id: ID,
    ) -> Result<PathwayView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(PathwayView::new(
            store::pathways::get_for_read(db(ctx)?, &caller, id).await?,
        ))
    }
}
