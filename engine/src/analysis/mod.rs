//! Pathway analysis: where patients wait, where work is repeated, where they bounce between
//! organisations and where capacity runs out, all in minutes per patient.
//!
//! The model: a patient enters at START, spends `touchMinutes` at each step, leaves a step along
//! one transition chosen with its probability, waits that transition's `waitMinutes`, and stops at
//! an END. Everything here follows from the expected visits computed in [`flow`].

pub mod duplication;
pub mod flow;
pub mod hotspots;
pub mod linear;
pub mod rework;
pub mod route;

use crate::budget::{Budget, Stopped};
use crate::pathway::PathwayMap;
use crate::validation::Problem;
use crate::values::{Handoff, StepKey, StepKind, ValueClass};
use serde::{Serialize, Serializer};
use std::sync::Arc;

pub use duplication::DuplicatePair;
pub use flow::LoopFlow;
pub use hotspots::{HandoffGroup, Hotspot, HotspotKind, RenderedHotspot, Subject, SuggestedChange};

/// Utilisation at which a step counts as a bottleneck.
pub const BOTTLENECK_UTILISATION: f64 = 0.85;

/// The figures of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepFigures {
    pub key: StepKey,
    /// `V_s`: expected visits per patient.
    pub expected_visits: f64,
    /// `r_s`: probability that a patient visits the step at least once.
    pub reach_probability: f64,
    /// `V_s × touchMinutes`.
    pub expected_minutes: f64,
    /// `demandPerDay × V_s / capacityPerDay`, when both are known.
    pub utilisation: Option<f64>,
}

/// The figures of one transition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransitionFigures {
    pub from: StepKey,
    pub to: StepKey,
    /// `V_e`: expected traversals per patient.
    pub expected_traversals: f64,
    /// `r_e`: probability of traversing it at least once.
    pub reach_probability: f64,
    /// `V_e × waitMinutes`.
    pub expected_wait_minutes: f64,
    pub crosses_organisations: bool,
}

/// The START-to-END route with the highest probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    pub step_keys: Vec<StepKey>,
    pub probability: f64,
    /// Touch minutes of its steps plus waits of its transitions.
    pub minutes: f64,
}

/// Everything qiflow computes about one pathway. Serialises (camelCase, hotspots with their
/// words) to the same object as GraphQL's `Pathway.analysis`.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// `E[T] = Σ V_s·touch_s + Σ V_e·wait_e`.
    pub expected_lead_time_minutes: f64,
    /// `Σ V_s·touch_s` over VALUE_ADDING steps.
    pub value_added_minutes: f64,
    /// Value-added minutes / `E[T]` (0 when `E[T]` is 0).
    pub flow_efficiency: f64,
    /// `Σ V_e` over transitions with a hand-off other than INTERNAL.
    pub expected_handoffs: f64,
    /// `Σ V_e` over transitions between steps of different organisations.
    pub expected_cross_organisation_handoffs: f64,
    /// `Σ (V_s − r_s)·touch_s + Σ (V_e − r_e)·wait_e`: time spent on second and later visits.
    pub rework_minutes: f64,
    /// Product of %C&A/100 along the most probable route, when any step has a %C&A.
    pub rolled_percent_complete_accurate: Option<f64>,
    pub demand_per_day: Option<f64>,
    pub steps: Vec<StepFigures>,
    pub transitions: Vec<TransitionFigures>,
    pub most_probable_route: Route,
    /// Ranked by minutes per patient, largest first.
    pub hotspots: Vec<Hotspot>,
    /// The rework loops hotspots refer to, one per back transition.
    pub rework_loops: Vec<rework::ReworkLoop>,
    /// The duplicated pairs hotspots refer to.
    pub duplicates: Vec<DuplicatePair>,
    /// The organisation pairs hotspots refer to.
    pub handoff_groups: Vec<HandoffGroup>,
    /// The analysed pathway, for the words of hotspots.
    pub(crate) map: Arc<PathwayMap>,
    /// Step indexes at the two ends of each transition.
    pub(crate) ends: Vec<(usize, usize)>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnalysisOut<'a> {
    expected_lead_time_minutes: f64,
    value_added_minutes: f64,
    flow_efficiency: f64,
    expected_handoffs: f64,
    expected_cross_organisation_handoffs: f64,
    rework_minutes: f64,
    rolled_percent_complete_accurate: Option<f64>,
    demand_per_day: Option<f64>,
    steps: &'a [StepFigures],
    transitions: &'a [TransitionFigures],
    most_probable_route: &'a Route,
    hotspots: Vec<RenderedHotspot>,
}

impl Serialize for Analysis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        AnalysisOut {
            expected_lead_time_minutes: self.expected_lead_time_minutes,
            value_added_minutes: self.value_added_minutes,
            flow_efficiency: self.flow_efficiency,
            expected_handoffs: self.expected_handoffs,
            expected_cross_organisation_handoffs: self.expected_cross_organisation_handoffs,
            rework_minutes: self.rework_minutes,
            rolled_percent_complete_accurate: self.rolled_percent_complete_accurate,
            demand_per_day: self.demand_per_day,
            steps: &self.steps,
            transitions: &self.transitions,
            most_probable_route: &self.most_probable_route,
            hotspots: self.rendered_hotspots(),
        }
        .serialize(serializer)
    }
}

/// Analyses a pathway, or returns its structural problems when it has any.
///
/// Complexity: O(S + T + Σ k³) for the flow (k: steps of each loop; one inversion per loop,
/// kept for what follows), O((S + T) log S) for the route, and for duplication O(P) lookups for
/// the P step pairs inside one loop that share an activity code or data item, plus O(R + Σ k·x)
/// for a pair across loops with R steps between them: never S² for unrelated steps, never an
/// inversion per pair. Hand-offs add, per pair of organisations handing over, O(S + T + Σ k²)
/// plus one elimination (k³/3) of each loop the hand-offs run inside.
pub fn analyse(map: &PathwayMap, demand_per_day: Option<f64>) -> Result<Analysis, Vec<Problem>> {
    match analyse_shared(Arc::new(map.clone()), demand_per_day, &Budget::unlimited()) {
        Ok(analysis) => Ok(analysis),
        Err(AnalysisError::Problems(problems)) => Err(problems),
        Err(AnalysisError::Stopped) => unreachable!("an unlimited budget never stops"),
    }
}

/// Why a pathway could not be analysed.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisError {
    /// The pathway has structural problems (analysis needs a valid pathway).
    Problems(Vec<Problem>),
    /// The budget ran out first (see [`Budget`]).
    Stopped,
}

impl From<Stopped> for AnalysisError {
    fn from(_: Stopped) -> Self {
        AnalysisError::Stopped
    }
}

/// [`analyse`] of a pathway the caller already shares (the analysis keeps it, for the words of
/// its hotspots, without copying it), within `budget`: the inversions inside loops, the
/// duplicated pairs and the hand-off groups are charged to it as they are worked out.
pub fn analyse_shared(
    map: Arc<PathwayMap>,
    demand_per_day: Option<f64>,
    budget: &Budget,
) -> Result<Analysis, AnalysisError> {
    let shared = map;
    let map: &PathwayMap = &shared;
    let ends = map.ends();
    let effective = map.effective_probabilities_with(&ends);
    let structure = crate::graph::Structure::new(map.steps.len(), &ends);
    let problems = crate::validation::validate_resolved(map, &ends, &effective, &structure);
    if !problems.is_empty() {
        return Err(AnalysisError::Problems(problems));
    }
    let internal = |message: &str| {
        AnalysisError::Problems(vec![Problem {
            code: crate::ProblemCode::LoopWithoutExit,
            message: message.to_string(),
            steps: vec![],
            transitions: vec![],
        }])
    };
    let model = flow::Model::resolved(map, &ends, &effective, structure)
        .ok_or_else(|| internal("the pathway needs exactly one START"))?;
    let flow = flow::flow(&model, budget).map_err(|e| match e {
        flow::FlowError::LoopWithoutExit => internal("a loop of the pathway has no way out"),
        flow::FlowError::Stopped => AnalysisError::Stopped,
    })?;

    let touch = |s: usize| map.steps[s].touch_minutes.get();
    let wait = |e: usize| map.transitions[e].wait_minutes.get();
    let step_minutes: f64 = (0..map.steps.len())
        .map(|s| flow.visits[s] * touch(s))
        .sum();
    let wait_minutes: f64 = (0..map.transitions.len())
        .map(|e| flow.traversals[e] * wait(e))
        .sum();
    let lead_time = step_minutes + wait_minutes;
    let value_added: f64 = (0..map.steps.len())
        .filter(|&s| map.steps[s].value_class == ValueClass::ValueAdding)
        .map(|s| flow.visits[s] * touch(s))
        .sum();
    // Organisations as small numbers, so that comparing two steps' organisations is cheap.
    let mut organisation_index: rustc_hash::FxHashMap<&crate::OdsCode, usize> =
        rustc_hash::FxHashMap::default();
    let organisation_of: Vec<usize> = map
        .steps
        .iter()
        .map(|s| {
            let next = organisation_index.len();
            *organisation_index.entry(&s.organisation).or_insert(next)
        })
        .collect();
    let crosses: Vec<bool> = (0..map.transitions.len())
        .map(|e| organisation_of[model.from[e]] != organisation_of[model.to[e]])
        .collect();
    let handoffs: f64 = (0..map.transitions.len())
        .filter(|&e| map.transitions[e].handoff != Handoff::Internal)
        .map(|e| flow.traversals[e])
        .sum();
    let cross_handoffs: f64 = (0..map.transitions.len())
        .filter(|&e| crosses[e])
        .map(|e| flow.traversals[e])
        .sum();
    let rework: f64 = (0..map.steps.len())
        .map(|s| (flow.visits[s] - flow.reach[s]) * touch(s))
        .sum::<f64>()
        + (0..map.transitions.len())
            .map(|e| (flow.traversals[e] - flow.transition_reach[e]) * wait(e))
            .sum::<f64>();

    let steps: Vec<StepFigures> = map
        .steps
        .iter()
        .enumerate()
        .map(|(s, step)| StepFigures {
            key: step.key.clone(),
            expected_visits: flow.visits[s],
            reach_probability: flow.reach[s],
            expected_minutes: flow.visits[s] * touch(s),
            utilisation: match (demand_per_day, step.capacity_per_day) {
                (Some(demand), Some(capacity)) => Some(demand * flow.visits[s] / capacity.get()),
                _ => None,
            },
        })
        .collect();
    let transitions = map
        .transitions
        .iter()
        .enumerate()
        .map(|(e, t)| TransitionFigures {
            from: t.from.clone(),
            to: t.to.clone(),
            expected_traversals: flow.traversals[e],
            reach_probability: flow.transition_reach[e],
            expected_wait_minutes: flow.traversals[e] * wait(e),
            crosses_organisations: crosses[e],
        })
        .collect();

    let is_end: Vec<bool> = map.steps.iter().map(|s| s.kind == StepKind::End).collect();
    let route = route::most_probable_route(&model, &is_end)
        .ok_or_else(|| internal("no END can be reached from START"))?;
    let rolled = if map
        .steps
        .iter()
        .any(|s| s.percent_complete_accurate.is_some())
    {
        Some(
            route
                .steps
                .iter()
                .map(|&s| {
                    map.steps[s]
                        .percent_complete_accurate
                        .map_or(1.0, |p| p.get() / 100.0)
                })
                .product::<f64>(),
        )
    } else {
        None
    };
    let most_probable_route = Route {
        step_keys: route
            .steps
            .iter()
            .map(|&s| map.steps[s].key.clone())
            .collect(),
        probability: route.probability,
        minutes: route.steps.iter().map(|&s| touch(s)).sum::<f64>()
            + route.transitions.iter().map(|&e| wait(e)).sum::<f64>(),
    };

    let duplicates = duplication::duplicated_pairs(map, &model, &flow, budget)?;
    let context = hotspots::Context {
        map,
        model: &model,
        flow: &flow,
        steps: &steps,
        crosses: &crosses,
        organisation_of: &organisation_of,
        lead_time,
        demand_per_day,
    };
    let hotspots::Found {
        hotspots,
        handoff_groups,
        rework_loops,
    } = hotspots::hotspots(&context, &duplicates, budget)?;
    let ends = model
        .from
        .iter()
        .copied()
        .zip(model.to.iter().copied())
        .collect();

    Ok(Analysis {
        expected_lead_time_minutes: lead_time,
        value_added_minutes: value_added,
        flow_efficiency: if lead_time > 0.0 {
            value_added / lead_time
        } else {
            0.0
        },
        expected_handoffs: handoffs,
        expected_cross_organisation_handoffs: cross_handoffs,
        rework_minutes: rework,
        rolled_percent_complete_accurate: rolled,
        demand_per_day,
        steps,
        transitions,
        most_probable_route,
        hotspots,
        rework_loops,
        duplicates,
        handoff_groups,
        map: Arc::clone(&shared),
        ends,
    })
}
