//! Pathway analysis and what-if through GraphQL. The types mirror the engine's values field for
//! field (the CLI's `analyse --format json` prints the same object).

use super::context::{db, parse_id};
use crate::store::{self, PathwayContent, PathwayRecord};
use async_graphql::{Context, Enum, ID, InputObject, Object, OneofObject, Result, SimpleObject};
use engine::analysis::hotspots::ChangeKind as EngineChangeKind;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Analyses keyed by pathway and version: a version never changes, so neither does its analysis.
#[derive(Default)]
pub struct AnalysisCache {
    entries: Mutex<HashMap<(Uuid, i64), Arc<engine::Analysis>>>,
}

impl AnalysisCache {
    /// Most analyses kept; past this the cache starts again (cheap: an analysis takes milliseconds).
    const CAPACITY: usize = 512;

    fn get(&self, key: (Uuid, i64)) -> Option<Arc<engine::Analysis>> {
        self.entries.lock().ok()?.get(&key).cloned()
    }

    fn put(&self, key: (Uuid, i64), analysis: Arc<engine::Analysis>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
            entries.insert(key, analysis);
        }
    }
}

/// The analysis of one pathway version, from the cache or computed now (on the blocking pool,
/// stopped if the request stops waiting: see [`crate::blocking`]).
pub(crate) async fn analysis_of(
    ctx: &Context<'_>,
    record: &PathwayRecord,
    content: &PathwayContent,
) -> Result<Arc<engine::Analysis>> {
    let key = (record.id, record.version);
    let cache = ctx.data_opt::<AnalysisCache>();
    if let Some(hit) = cache.and_then(|c| c.get(key)) {
        return Ok(hit);
    }
    let demand = record.header.demand_per_day.map(|d| d.get());
    let map = content.map.clone();
    let analysis = Arc::new(
        crate::blocking::compute(move |budget| {
            engine::analysis::analyse_shared(map, demand, budget)
        })
        .await?
        .map_err(crate::Error::from)?,
    );
    if let Some(cache) = cache {
        cache.put(key, analysis.clone());
    }
    Ok(analysis)
}

/// What sort of delay, waste or duplication a hotspot is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::HotspotKind")]
pub enum HotspotKind {
    /// A long wait between two steps.
    Delay,
    /// A step whose demand exceeds its capacity.
    Bottleneck,
    /// A loop back that makes patients repeat steps.
    Rework,
    /// The same data item recorded at more than one step.
    Duplication,
    /// A step classed as waste, or with lean wastes.
    Waste,
    /// A hand-off between teams or organisations that costs waiting.
    Handoff,
}

/// What one change of a what-if does.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::analysis::hotspots::ChangeKind")]
pub enum ChangeKind {
    /// Remove a step, joining its predecessors to its successors.
    RemoveStep,
    /// Set a step's hands-on minutes.
    SetTouchMinutes,
    /// Set the wait on a transition.
    SetWaitMinutes,
    /// Set the probabilities of a step's outgoing transitions.
    SetProbabilities,
    /// Set or remove a step's daily capacity.
    SetCapacity,
    /// Move a step to another organisation.
    MoveStep,
    /// Merge two steps that do the same work into the first.
    MergeDuplicate,
}

/// A change pattern that would reduce a hotspot.
#[derive(SimpleObject)]
pub struct SuggestedChange {
    /// The what-if change that tries it.
    kind: ChangeKind,
    /// What to change, in words.
    description: String,
}

/// Something that costs patients time, with its cost in minutes per patient.
#[derive(SimpleObject)]
pub struct Hotspot {
    /// What sort of delay, waste or duplication it is.
    kind: HotspotKind,
    /// A short title in plain words.
    title: String,
    /// A sentence with the numbers, for people.
    explanation: String,
    /// The cost averaged over every patient who enters the pathway.
    minutes_per_patient: f64,
    /// `minutesPerPatient` over the expected lead time.
    share_of_lead_time: f64,
    /// The probability that a patient meets this hotspot.
    reach_probability: f64,
    /// Patients a year who meet it (when the pathway's demand is known).
    patients_per_year: Option<f64>,
    /// Hours a year it costs all patients together (when the demand is known).
    hours_per_year: Option<f64>,
    /// The steps it concerns (for a transition, its two ends).
    step_keys: Vec<String>,
    /// Transitions involved, as `from->to`.
    transitions: Vec<String>,
    /// A change that would remove or reduce it, ready for a what-if; null when there is none to
    /// suggest.
    suggested_change: Option<SuggestedChange>,
}

impl From<engine::analysis::RenderedHotspot> for Hotspot {
    fn from(h: engine::analysis::RenderedHotspot) -> Self {
        Self {
            kind: h.kind.into(),
            title: h.title,
            explanation: h.explanation,
            minutes_per_patient: h.minutes_per_patient,
            share_of_lead_time: h.share_of_lead_time,
            reach_probability: h.reach_probability,
            patients_per_year: h.patients_per_year,
            hours_per_year: h.hours_per_year,
            step_keys: h.step_keys,
            transitions: h.transitions,
            suggested_change: h.suggested_change.map(|c| SuggestedChange {
                kind: c.kind.into(),
                description: c.description,
            }),
        }
    }
}

/// Figures of one step.
#[derive(SimpleObject)]
pub struct StepFigures {
    /// The step's key.
    key: String,
    /// Expected visits per patient (more than 1 on rework loops).
    expected_visits: f64,
    /// The probability of visiting the step at least once.
    reach_probability: f64,
    /// Expected visits times touch minutes.
    expected_minutes: f64,
    /// Demand per day × expected visits / capacity per day, when both are known.
    utilisation: Option<f64>,
}

/// Figures of one transition.
#[derive(SimpleObject)]
pub struct TransitionFigures {
    /// The step it leaves (its key).
    from: String,
    /// The step it goes to (its key).
    to: String,
    /// How many times a patient takes it, on average (above 1 in a rework loop).
    expected_traversals: f64,
    /// The share of patients who take it at least once (0 to 1).
    reach_probability: f64,
    /// Minutes a patient waits on it, on average over all patients.
    expected_wait_minutes: f64,
    /// Whether its two steps are in different organisations.
    crosses_organisations: bool,
}

/// The START-to-END route with the highest probability.
#[derive(SimpleObject)]
pub struct Route {
    /// Its steps, by key, from START to END.
    step_keys: Vec<String>,
    /// The share of patients who take it (0 to 1).
    probability: f64,
    /// Touch minutes of its steps plus waits of its transitions.
    minutes: f64,
}

/// Where a pathway loses time, in minutes per patient.
pub struct AnalysisView(pub Arc<engine::Analysis>);

/// What a pathway costs patients and staff, computed exactly from its map: lead time, value-added
/// time, hand-offs and rework, each step's and transition's share, and the hotspots.
#[Object(name = "Analysis")]
impl AnalysisView {
    /// Expected minutes from START to END per patient.
    async fn expected_lead_time_minutes(&self) -> f64 {
        self.0.expected_lead_time_minutes
    }
    /// Expected minutes at VALUE_ADDING steps.
    async fn value_added_minutes(&self) -> f64 {
        self.0.value_added_minutes
    }
    /// Value-added minutes over the lead time.
    async fn flow_efficiency(&self) -> f64 {
        self.0.flow_efficiency
    }
    /// Expected hand-offs other than INTERNAL per patient.
    async fn expected_handoffs(&self) -> f64 {
        self.0.expected_handoffs
    }
    /// Expected passes between organisations per patient.
    async fn expected_cross_organisation_handoffs(&self) -> f64 {
        self.0.expected_cross_organisation_handoffs
    }
    /// Expected minutes spent on second and later visits.
    async fn rework_minutes(&self) -> f64 {
        self.0.rework_minutes
    }
    /// Product of %C&A along the most probable route, when any step has one (0 to 1).
    async fn rolled_percent_complete_accurate(&self) -> Option<f64> {
        self.0.rolled_percent_complete_accurate
    }
    /// Patients entering the pathway a day, as the pathway gives it; null when not given (no
    /// BOTTLENECK hotspots then).
    async fn demand_per_day(&self) -> Option<f64> {
        self.0.demand_per_day
    }
    /// Each step's expected visits and minutes per patient.
    async fn steps(&self, ctx: &Context<'_>) -> Result<Vec<StepFigures>> {
        super::context::charge_items(ctx, "steps", self.0.steps.len())?;
        Ok(self
            .0
            .steps
            .iter()
            .map(|s| StepFigures {
                key: s.key.to_string(),
                expected_visits: s.expected_visits,
                reach_probability: s.reach_probability,
                expected_minutes: s.expected_minutes,
                utilisation: s.utilisation,
            })
            .collect())
    }
    /// Each transition's expected traversals and waiting per patient.
    async fn transitions(&self, ctx: &Context<'_>) -> Result<Vec<TransitionFigures>> {
        super::context::charge_items(ctx, "transitions", self.0.transitions.len())?;
        Ok(self
            .0
            .transitions
            .iter()
            .map(|t| TransitionFigures {
                from: t.from.to_string(),
                to: t.to.to_string(),
                expected_traversals: t.expected_traversals,
                reach_probability: t.reach_probability,
                expected_wait_minutes: t.expected_wait_minutes,
                crosses_organisations: t.crosses_organisations,
            })
            .collect())
    }
    /// The route from START to END a patient most often takes.
    async fn most_probable_route(&self) -> Route {
        let r = &self.0.most_probable_route;
        Route {
            step_keys: r.step_keys.iter().map(|k| k.to_string()).collect(),
            probability: r.probability,
            minutes: r.minutes,
        }
    }
    /// Hotspots ranked by minutes per patient, largest first; optionally only some kinds and
    /// only the first few.
    async fn hotspots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only hotspots of these kinds; all when null.")] kinds: Option<
            Vec<HotspotKind>,
        >,
        #[graphql(desc = "At most this many hotspots, largest first; all when null.")]
        first: Option<i32>,
    ) -> Result<Vec<Hotspot>> {
        let kinds: Option<Vec<engine::HotspotKind>> =
            kinds.map(|k| k.into_iter().map(Into::into).collect());
        let limit = first.map_or(usize::MAX, |n| n.max(0) as usize);
        let chosen: Vec<&engine::Hotspot> = self
            .0
            .hotspots
            .iter()
            .filter(|h| kinds.as_ref().is_none_or(|k| k.contains(&h.kind)))
            .take(limit)
            .collect();
        super::context::charge_items(ctx, "hotspots", chosen.len())?;
        // Words are written only for the hotspots asked for.
        Ok(chosen
            .into_iter()
            .map(|h| Hotspot::from(self.0.render(h)))
            .collect())
    }
}

/// A step, by key.
#[derive(InputObject)]
pub struct StepChangeInput {
    /// The step (its key).
    pub step: String,
}

/// A step's new hands-on minutes.
#[derive(InputObject)]
pub struct SetTouchMinutesInput {
    /// The step (its key).
    pub step: String,
    /// Minutes, 0 or more.
    pub minutes: f64,
}

/// A transition's new wait.
#[derive(InputObject)]
pub struct SetWaitMinutesInput {
    /// The step the transition leaves (its key).
    pub from: String,
    /// The step the transition goes to (its key).
    pub to: String,
    /// Minutes, 0 or more.
    pub minutes: f64,
}

/// The new probability of one transition out of a step.
#[derive(InputObject)]
pub struct ProbabilityChangeInput {
    /// The key of the step the transition goes to.
    pub to: String,
    /// The probability, 0 to 1; a step's outgoing probabilities must add up to 1.
    pub probability: f64,
}

/// New probabilities for a step's outgoing transitions.
#[derive(InputObject)]
pub struct SetProbabilitiesInput {
    /// The step (its key).
    pub step: String,
    /// One per transition out of the step, adding up to 1.
    pub probabilities: Vec<ProbabilityChangeInput>,
}

/// A step's new daily capacity.
#[derive(InputObject)]
pub struct SetCapacityInput {
    /// The step (its key).
    pub step: String,
    /// Leave out to remove the capacity.
    pub capacity_per_day: Option<f64>,
}

/// A step moved to another organisation.
#[derive(InputObject)]
pub struct MoveStepInput {
    /// The step (its key).
    pub step: String,
    /// The organisation the step moves to: its ODS code or its id.
    pub organisation: String,
}

/// Two steps that do the same work: the second is merged into the first.
#[derive(InputObject)]
pub struct MergeDuplicateInput {
    /// The earlier step, which is kept (its key).
    pub first: String,
    /// The later step, which is dropped.
    pub second: String,
}

/// A step's servers for simulation.
#[derive(InputObject)]
pub struct SetServersInput {
    /// The step (its key).
    pub step: String,
    /// Parallel servers (beds, clinicians), 1 to 100000; leave out for as many as needed.
    pub servers: Option<i32>,
}

/// A step's servers by sessions of the week, for simulation.
#[derive(InputObject)]
pub struct SetScheduleInput {
    /// The step (its key).
    pub step: String,
    /// The sessions (none: as many servers as needed).
    pub sessions: Vec<super::simulated_time::SessionInputView>,
}

/// A step's simulated service time.
#[derive(InputObject)]
pub struct SetServiceTimeInput {
    /// The step (its key).
    pub step: String,
    /// The time; leave out for fixed at the step's touch minutes.
    pub time: Option<super::simulated_time::TimeView>,
}

/// A transition's simulated delay.
#[derive(InputObject)]
pub struct SetDelayInput {
    /// The step the transition leaves (its key).
    pub from: String,
    /// The step the transition goes to (its key).
    pub to: String,
    /// The delay; leave out for fixed at the transition's wait.
    pub time: Option<super::simulated_time::TimeView>,
}

/// One change to try in a what-if; exactly one field is set.
#[derive(OneofObject)]
pub enum ChangeInput {
    /// Remove a step, joining its predecessors to its successors.
    RemoveStep(StepChangeInput),
    /// Set a step's hands-on minutes.
    SetTouchMinutes(SetTouchMinutesInput),
    /// Set the wait on a transition.
    SetWaitMinutes(SetWaitMinutesInput),
    /// New probabilities for a step's ways out; they must still sum to 1.
    SetProbabilities(SetProbabilitiesInput),
    /// Set or remove a step's daily capacity.
    SetCapacity(SetCapacityInput),
    /// Move a step to another organisation.
    MoveStep(MoveStepInput),
    /// Drop the later step of a duplicated pair.
    MergeDuplicate(MergeDuplicateInput),
    /// Set a step's servers (simulation only; the analysis does not queue).
    SetServers(SetServersInput),
    /// Set a step's sessions of servers (simulation only).
    SetSchedule(SetScheduleInput),
    /// Set a step's service time (simulation only).
    SetServiceTime(SetServiceTimeInput),
    /// Set a transition's delay (simulation only).
    SetDelay(SetDelayInput),
}

/// A change set for the engine, with every organisation a change names (by ODS code or id)
/// turned into its ODS code, the engine's name for it.
pub(super) async fn engine_changes(
    ctx: &Context<'_>,
    changes: Vec<ChangeInput>,
) -> Result<Vec<engine::Change>> {
    let mut out = Vec::with_capacity(changes.len());
    for (i, mut change) in changes.into_iter().enumerate() {
        if let ChangeInput::MoveStep(c) = &mut change {
            c.organisation = super::context::organisation_code(
                ctx,
                &format!("changes[{i}].organisation"),
                &c.organisation,
            )
            .await?;
        }
        out.push(change.into());
    }
    Ok(out)
}

impl From<ChangeInput> for engine::Change {
    fn from(input: ChangeInput) -> Self {
        use engine::Change;
        match input {
            ChangeInput::RemoveStep(c) => Change::RemoveStep { step: c.step },
            ChangeInput::SetTouchMinutes(c) => Change::SetTouchMinutes {
                step: c.step,
                minutes: c.minutes,
            },
            ChangeInput::SetWaitMinutes(c) => Change::SetWaitMinutes {
                from: c.from,
                to: c.to,
                minutes: c.minutes,
            },
            ChangeInput::SetProbabilities(c) => Change::SetProbabilities {
                step: c.step,
                probabilities: c
                    .probabilities
                    .into_iter()
                    .map(|p| engine::whatif::ProbabilityChange {
                        to: p.to,
                        probability: p.probability,
                    })
                    .collect(),
            },
            ChangeInput::SetCapacity(c) => Change::SetCapacity {
                step: c.step,
                capacity_per_day: c.capacity_per_day,
            },
            ChangeInput::MoveStep(c) => Change::MoveStep {
                step: c.step,
                organisation: c.organisation,
            },
            ChangeInput::MergeDuplicate(c) => Change::MergeDuplicate {
                first: c.first,
                second: c.second,
            },
            ChangeInput::SetServers(c) => Change::SetServers {
                step: c.step,
                // Below 1 becomes 0, which the engine refuses by name.
                servers: c.servers.map(|n| u32::try_from(n).unwrap_or(0)),
            },
            ChangeInput::SetSchedule(c) => Change::SetSchedule {
                step: c.step,
                sessions: c.sessions.into_iter().map(Into::into).collect(),
            },
            ChangeInput::SetServiceTime(c) => Change::SetServiceTime {
                step: c.step,
                time: c.time.map(Into::into),
            },
            ChangeInput::SetDelay(c) => Change::SetDelay {
                from: c.from,
                to: c.to,
                time: c.time.map(Into::into),
            },
        }
    }
}

/// How a hotspot differs between two versions.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::whatif::HotspotChange")]
pub enum HotspotChange {
    /// Only the earlier version has it.
    Disappeared,
    /// Both have it, with different minutes.
    Changed,
    /// Only the later version has it.
    Appeared,
    /// In a comparison of versions, a hotspot found in both with the same minutes.
    Unchanged,
}

/// A hotspot that the changes removed, changed or created.
#[derive(SimpleObject)]
pub struct HotspotDifference {
    /// What sort of hotspot it is.
    kind: HotspotKind,
    /// Its title.
    title: String,
    /// Appeared, disappeared or changed.
    change: HotspotChange,
    /// Its minutes per patient in the earlier version; null when it is not there.
    minutes_before: Option<f64>,
    /// Its minutes per patient in the later version; null when it is not there.
    minutes_after: Option<f64>,
}

/// Changed minus baseline.
#[derive(SimpleObject)]
pub struct Differences {
    /// Lead time in minutes, after minus before (negative: faster).
    expected_lead_time_minutes: f64,
    /// Value-adding minutes per patient, after minus before.
    value_added_minutes: f64,
    /// Flow efficiency (0 to 1), after minus before.
    flow_efficiency: f64,
    /// Hand-offs per patient, after minus before.
    expected_handoffs: f64,
    /// Hand-offs between organisations per patient, after minus before.
    expected_cross_organisation_handoffs: f64,
    /// Rework minutes per patient, after minus before.
    rework_minutes: f64,
    /// Every hotspot of either version: appeared, disappeared or changed, with its minutes before
    /// and after.
    hotspots: Vec<HotspotDifference>,
}

/// The predicted effect of a set of changes (nothing is stored).
pub struct WhatIfView(engine::WhatIf);

/// A pathway's analysis before and after trying changes on a copy that is never stored.
#[Object(name = "WhatIf")]
impl WhatIfView {
    /// The pathway as it is.
    async fn baseline(&self) -> AnalysisView {
        AnalysisView(Arc::new(self.0.baseline.clone()))
    }
    /// The pathway with the changes applied.
    async fn changed(&self) -> AnalysisView {
        AnalysisView(Arc::new(self.0.changed.clone()))
    }
    /// After minus before, for every headline figure and hotspot.
    async fn differences(&self) -> Differences {
        differences_view(&self.0.differences)
    }
}

fn differences_view(d: &engine::whatif::Differences) -> Differences {
    Differences {
        expected_lead_time_minutes: d.expected_lead_time_minutes,
        value_added_minutes: d.value_added_minutes,
        flow_efficiency: d.flow_efficiency,
        expected_handoffs: d.expected_handoffs,
        expected_cross_organisation_handoffs: d.expected_cross_organisation_handoffs,
        rework_minutes: d.rework_minutes,
        hotspots: d
            .hotspots
            .iter()
            .map(|h| HotspotDifference {
                kind: h.kind.into(),
                title: h.title.clone(),
                change: h.change.into(),
                minutes_before: h.minutes_before,
                minutes_after: h.minutes_after,
            })
            .collect(),
    }
}

/// One field of a step or transition in each of two versions.
#[derive(SimpleObject)]
pub struct FieldChangeView {
    /// The pathway document's name for the field (`touchMinutes`).
    field: String,
    /// The value before (JSON; null when the field is new).
    before: async_graphql::Json<serde_json::Value>,
    /// The value after (JSON; null when the field was removed).
    after: async_graphql::Json<serde_json::Value>,
}

fn field_changes(changes: &[engine::compare::FieldChange]) -> Vec<FieldChangeView> {
    changes
        .iter()
        .map(|c| FieldChangeView {
            field: c.field.clone(),
            before: async_graphql::Json(c.before.clone()),
            after: async_graphql::Json(c.after.clone()),
        })
        .collect()
}

/// A step in both versions whose fields differ.
#[derive(SimpleObject)]
pub struct StepChangeView {
    /// The step's key.
    key: String,
    /// Each field that differs, before and after.
    changes: Vec<FieldChangeView>,
}

/// A transition, by its ends.
#[derive(SimpleObject)]
pub struct TransitionRefView {
    /// The step it leaves (its key).
    from: String,
    /// The step it goes to (its key).
    to: String,
}

/// A transition in both versions whose fields differ.
#[derive(SimpleObject)]
pub struct TransitionChangeView {
    /// The step it leaves (its key).
    from: String,
    /// The step it goes to (its key).
    to: String,
    /// Each field that differs, before and after.
    changes: Vec<FieldChangeView>,
}

/// Two versions of a pathway side by side: what changed in the map (steps by key,
/// transitions by their ends), each version's analysis, and after minus before for every
/// headline figure and for each hotspot found in either.
pub struct ComparisonView {
    pub map: engine::compare::MapChanges,
    pub before: Arc<engine::Analysis>,
    pub after: Arc<engine::Analysis>,
}

/// Two pathway versions side by side: what was added, removed and changed, and both analyses.
#[Object(name = "PathwayComparison")]
impl ComparisonView {
    /// Keys of the steps only the later version has.
    async fn steps_added(&self) -> &[String] {
        &self.map.steps_added
    }
    /// Keys of the steps only the earlier version has.
    async fn steps_removed(&self) -> &[String] {
        &self.map.steps_removed
    }
    /// The steps both have, with the fields that differ.
    async fn steps_changed(&self) -> Vec<StepChangeView> {
        self.map
            .steps_changed
            .iter()
            .map(|s| StepChangeView {
                key: s.key.clone(),
                changes: field_changes(&s.changes),
            })
            .collect()
    }
    /// Transitions only the later version has.
    async fn transitions_added(&self) -> Vec<TransitionRefView> {
        transition_refs(&self.map.transitions_added)
    }
    /// Transitions only the earlier version has.
    async fn transitions_removed(&self) -> Vec<TransitionRefView> {
        transition_refs(&self.map.transitions_removed)
    }
    /// Transitions both have, with the fields that differ.
    async fn transitions_changed(&self) -> Vec<TransitionChangeView> {
        self.map
            .transitions_changed
            .iter()
            .map(|t| TransitionChangeView {
                from: t.from.clone(),
                to: t.to.clone(),
                changes: field_changes(&t.changes),
            })
            .collect()
    }
    /// The analysis of this pathway.
    async fn before(&self) -> AnalysisView {
        AnalysisView(self.before.clone())
    }
    /// The analysis of the pathway compared with.
    async fn after(&self) -> AnalysisView {
        AnalysisView(self.after.clone())
    }
    /// After minus before; every hotspot of either version is listed.
    async fn differences(&self) -> Differences {
        differences_view(&engine::whatif::compare_analyses(
            &self.before,
            &self.after,
            true,
        ))
    }
}

fn transition_refs(refs: &[engine::compare::TransitionRef]) -> Vec<TransitionRefView> {
    refs.iter()
        .map(|t| TransitionRefView {
            from: t.from.clone(),
            to: t.to.clone(),
        })
        .collect()
}

/// Most changes one what-if may apply.
pub const MAX_CHANGES: usize = 100;

#[derive(Default)]
pub struct AnalysisQuery;

#[Object]
impl AnalysisQuery {
    /// Predicts the effect of changes on a pathway, on a copy that is never stored.
    async fn what_if(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway to try them on (its id).")] pathway_id: ID,
        #[graphql(desc = "The changes to try, in order; each names steps by key.")] changes: Vec<
            ChangeInput,
        >,
    ) -> Result<WhatIfView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("pathwayId", &pathway_id)?;
        if changes.len() > MAX_CHANGES {
            return Err(
                crate::Error::invalid("changes", format!("at most {MAX_CHANGES} changes")).into(),
            );
        }
        let db = db(ctx)?;
        let record = store::pathways::get_for_read(db, &caller, id).await?;
        let content = store::pathways::content(db, &caller, id).await?;
        let changes = engine_changes(ctx, changes).await?;
        let unknown = store::organisations::unknown_destinations(db, &changes).await?;
        if !unknown.is_empty() {
            return Err(crate::Error::Validation(unknown).into());
        }
        let demand = record.header.demand_per_day.map(|d| d.get());
        let map = content.map.clone();
        let result =
            crate::blocking::compute(move |budget| engine::what_if(&map, demand, &changes, budget))
                .await?
                .map_err(crate::Error::from)?;
        Ok(WhatIfView(result))
    }
}

// Keep the engine's change kinds and ours in step at compile time.
const _: fn(EngineChangeKind) -> ChangeKind = ChangeKind::from;
