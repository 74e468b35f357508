//! Driver diagrams through GraphQL, with the predicted effect of change ideas that carry a
//! what-if change set.

use super::context::db;
use crate::store::{drivers, drivers::DriverRecord, pathways, projects};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};

/// Where a node sits in a driver diagram.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::DriverKind")]
pub enum DriverKind {
    /// A main factor that drives the aim, under the aim.
    PrimaryDriver,
    /// A factor that drives a primary driver, under it.
    SecondaryDriver,
    /// A change the team can test with PDSA cycles, under a secondary driver.
    ChangeIdea,
}

/// A pointer at a hotspot of the project's pathway.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "HotspotRefInput", name = "HotspotRef")]
pub struct HotspotRefView {
    /// The hotspot's kind.
    /// The hotspot's kind.
    pub kind: super::analysis::HotspotKind,
    /// The hotspot's steps, by key, as `Hotspot.stepKeys` gives them.
    /// The hotspot's steps, by key.
    pub step_keys: Vec<String>,
}

/// IHI's family of measures for a change to a pathway (what `changes` edits, or the steps
/// `step_keys` names, such as a hotspot's), each ready to add from the pathway's event log when
/// the caller's organisations have one.
pub(crate) async fn suggestions(
    ctx: &Context<'_>,
    pathway_id: uuid::Uuid,
    changes: &[engine::Change],
    step_keys: &[String],
) -> Result<Vec<SuggestedMeasure>> {
    let caller = super::context::caller_of(ctx);
    let db = db(ctx)?;
    let content = pathways::content(db, &caller, pathway_id).await?;
    let aim = pathways::get(db, &caller, pathway_id)
        .await?
        .header
        .target_lead_time
        .map(|m| m.get());
    let target = engine::measure_suggestions::Target::of(&content.map, changes, step_keys);
    let log = crate::store::events::list_logs(db, &caller, false)
        .await?
        .into_iter()
        .find(|l| l.pathway_id == Some(pathway_id))
        .map(|l| ID(l.id.to_string()));
    Ok(
        engine::measure_suggestions::suggest_measures(&content.map, &target, aim)
            .into_iter()
            .map(|m| SuggestedMeasure {
                family: m.family.into(),
                name: m.name,
                reason: m.reason,
                log_id: log.clone(),
                from_activity: m.definition.from_activity,
                to_activity: m.definition.to_activity,
                statistic: m.definition.statistic.into(),
                period: m.definition.period.into(),
                unit: m.definition.unit.into(),
                direction: m.direction.into(),
                target_minutes: m.definition.target_minutes,
            })
            .collect(),
    )
}

/// What a change idea's change set is predicted to do to its project's pathway.
#[derive(SimpleObject)]
pub struct PredictedEffect {
    /// The pathway's expected lead time now, in minutes.
    baseline_lead_time_minutes: f64,
    /// The expected lead time with the change set applied, in minutes.
    changed_lead_time_minutes: f64,
    /// Changed minus baseline (negative: faster).
    difference_minutes: f64,
}

/// A measure suggested for a change idea (IHI's family of measures), ready to add with
/// `addLogMeasure` from the fields given.
#[derive(SimpleObject)]
pub struct SuggestedMeasure {
    /// OUTCOME (the whole journey), PROCESS (the part the change targets) or BALANCING (what
    /// could get worse).
    family: MeasureFamily,
    /// A name for the measure.
    name: String,
    /// Why this measure, in plain English.
    reason: String,
    /// The event log of the project's pathway to compute it from (its id); null when the
    /// pathway has no log (add it as a manual measure instead).
    log_id: Option<ID>,
    /// The activity it measures from.
    from_activity: String,
    /// The activity it measures to.
    to_activity: String,
    /// For the share within the pathway's target: the target, in minutes.
    target_minutes: Option<f64>,
    /// What it computes per period.
    statistic: super::enums::LogStatistic,
    /// How points are grouped.
    period: super::enums::LogPeriod,
    /// The unit of times.
    unit: super::enums::TimeUnit,
    /// The way it should move if the change works (NEUTRAL: watch it either way).
    direction: super::enums::ImprovementDirection,
}

/// Which of IHI's three kinds of measure.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::measure_suggestions::MeasureFamily")]
pub enum MeasureFamily {
    /// Does the pathway do better for patients, end to end?
    Outcome,
    /// Is the part the change targets doing what was planned?
    Process,
    /// Has something else got worse?
    Balancing,
}

/// What a change idea's change set did in a simulation of the pathway (queues and variation
/// included): the evidence behind a prediction, kept with the run that gave it.
#[derive(SimpleObject)]
pub struct SimulatedEffect {
    /// The simulation run (its id: `node(id:)` shows all of it).
    simulation_id: ID,
    /// The pathway simulated (its id) and its version at the time.
    pathway_id: ID,
    /// The pathway's version when it ran.
    pathway_version: i64,
    /// The run's seed (the same seed gives the same result).
    seed: i64,
    /// Mean lead time without the change, minutes.
    baseline_lead_time_minutes: f64,
    /// Mean lead time with it, minutes.
    changed_lead_time_minutes: f64,
    /// Changed minus baseline (negative: faster).
    difference_minutes: f64,
    /// 95% confidence interval of the difference.
    difference_ci95: Vec<f64>,
}

/// A node of a driver diagram.
pub struct DriverView {
    pub(crate) record: DriverRecord,
    pub(crate) project_pathway: Option<uuid::Uuid>,
}

/// A node of a project's driver diagram: a primary or secondary driver, or a change idea with its
/// what-if change set.
#[Object(name = "Driver")]
impl DriverView {
    /// Its id: pass it to `updateDriver` or `removeDriver`, or as a cycle's change idea.
    pub(crate) async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }
    /// The node above (none: the project's aim).
    async fn parent_id(&self) -> Option<ID> {
        self.record.parent_id.map(|id| ID(id.to_string()))
    }
    /// Primary driver, secondary driver or change idea.
    async fn kind(&self) -> DriverKind {
        self.record.kind.into()
    }
    /// What it says, in the team's words.
    async fn text(&self) -> &str {
        &self.record.text
    }
    /// The pathway hotspot a change idea answers.
    async fn hotspot(&self) -> Option<HotspotRefView> {
        self.record.hotspot.as_ref().map(|h| HotspotRefView {
            kind: h.kind.into(),
            step_keys: h.step_keys.clone(),
        })
    }
    /// A change idea's what-if change set.
    async fn changes(&self) -> Option<Json<Vec<engine::Change>>> {
        self.record.changes.clone().map(Json)
    }
    /// What no longer fits the current version of the project's pathway (a step the change set
    /// names was removed, say), as `field: message` lines with the paths `whatIf` uses. Stored
    /// data never makes a read fail: a stale change set shows here, and `predictedEffect` is
    /// absent until it is edited.
    async fn problems(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let Some(pathway_id) = self.project_pathway else {
            return Ok(Vec::new());
        };
        if self.record.changes.is_none() && self.record.hotspot.is_none() {
            return Ok(Vec::new());
        }
        let caller = super::context::caller_of(ctx);
        let content = pathways::content(db(ctx)?, &caller, pathway_id).await?;
        Ok(engine::whatif::reference_problems(
            &content.map,
            self.record.changes.as_deref(),
            self.record.hotspot.as_ref().map(|h| h.step_keys.as_slice()),
        )
        .0
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect())
    }
    /// For a change idea: the outcome, process and balancing measures that would show whether
    /// it worked and what it broke, read from what its change set edits (or the hotspot it
    /// answers), each ready to add from the project's event log. Empty without a change set or
    /// hotspot, or without a pathway.
    async fn suggested_measures(&self, ctx: &Context<'_>) -> Result<Vec<SuggestedMeasure>> {
        let Some(pathway_id) = self.project_pathway else {
            return Ok(Vec::new());
        };
        if self.record.changes.is_none() && self.record.hotspot.is_none() {
            return Ok(Vec::new());
        }
        suggestions(
            ctx,
            pathway_id,
            self.record.changes.as_deref().unwrap_or_default(),
            self.record
                .hotspot
                .as_ref()
                .map_or(&[], |h| h.step_keys.as_slice()),
        )
        .await
    }
    /// Whose agreement the change idea needs before a PDSA cycle's ADOPT makes the new
    /// pathway version (each organisation it moves work between; none for a change inside one
    /// organisation) and where each stands.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<super::agreement::AgreementView> {
        super::agreement::of_change_idea(ctx, self.record.id).await
    }

    /// The comments on the change idea, oldest first.
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
        super::comments::of_change_idea(
            ctx,
            self.record.id,
            unresolved_only,
            super::paging::Paging::new(first, after, last, before),
        )
        .await
    }

    /// The newest finished simulation that tried this change idea's change set
    /// (`simulate(scenario: {changeIdeaId})`): its lead time with and without the change, with
    /// the interval of the difference. Null until one has run.
    async fn simulated_effect(&self, ctx: &Context<'_>) -> Result<Option<SimulatedEffect>> {
        let caller = super::context::caller_of(ctx);
        let Some(run) =
            crate::store::simulations::latest_for_change_idea(db(ctx)?, &caller, self.record.id)
                .await?
        else {
            return Ok(None);
        };
        // Only a what-if run has an effect to show.
        let Some(e) = run.evidence() else {
            return Ok(None);
        };
        let (Some(difference), Some(ci95)) = (e.difference_minutes, e.difference_ci95) else {
            return Ok(None);
        };
        Ok(Some(SimulatedEffect {
            simulation_id: ID(e.simulation_id),
            pathway_id: ID(run.pathway_id.to_string()),
            pathway_version: e.pathway_version,
            seed: e.seed as i64,
            baseline_lead_time_minutes: e.lead_time_mean_minutes - difference,
            changed_lead_time_minutes: e.lead_time_mean_minutes,
            difference_minutes: difference,
            difference_ci95: ci95.to_vec(),
        }))
    }
    /// The lead time of the project's pathway with and without the change set (computed, not
    /// guessed); absent without a change set or a pathway, or while the change set does not fit
    /// the pathway (see `problems`).
    async fn predicted_effect(&self, ctx: &Context<'_>) -> Result<Option<PredictedEffect>> {
        let (Some(changes), Some(pathway_id)) = (&self.record.changes, self.project_pathway) else {
            return Ok(None);
        };
        let caller = super::context::caller_of(ctx);
        let db = db(ctx)?;
        let record = pathways::get(db, &caller, pathway_id).await?;
        let content = pathways::content(db, &caller, pathway_id).await?;
        let demand = record.header.demand_per_day.map(|d| d.get());
        let (map, changes) = (content.map.clone(), changes.clone());
        let answer =
            crate::blocking::compute(move |budget| engine::what_if(&map, demand, &changes, budget))
                .await?;
        let result = match answer {
            Ok(result) => result,
            Err(engine::WhatIfError::Input(_) | engine::WhatIfError::Problems(_)) => {
                return Ok(None);
            }
            Err(e) => return Err(crate::Error::from(e).into()),
        };
        Ok(Some(PredictedEffect {
            baseline_lead_time_minutes: result.baseline.expected_lead_time_minutes,
            changed_lead_time_minutes: result.changed.expected_lead_time_minutes,
            difference_minutes: result.differences.expected_lead_time_minutes,
        }))
    }
}

/// The project's driver diagram, in the order nodes were added.
pub(crate) async fn diagram(
    ctx: &Context<'_>,
    project: &projects::ProjectRecord,
) -> Result<Vec<DriverView>> {
    let caller = super::context::caller_of(ctx);
    Ok(drivers::list(db(ctx)?, &caller, project.id)
        .await?
        .into_iter()
        .map(|record| DriverView {
            record,
            project_pathway: project.pathway_id,
        })
        .collect())
}
