//! Expected visits, traversals and reach probabilities of a pathway, loop by loop.
//!
//! A patient is a random walk from START to an END. Rework loops make the walk revisit steps, so
//! the expected visits solve `V = e_START + Pᵀ V`. Rather than invert the whole (S×S) matrix, the
//! graph is condensed into strongly connected components (the loops) and walked in topological
//! order: a step outside any loop gets exactly its inflow, and only inside each loop of k steps is
//! a k×k system solved, through its fundamental matrix `N = (I − Q)⁻¹` (Q: the loop's own
//! transitions). `N` also gives reach probabilities: a patient who reaches step s visits it
//! `N[s][s]` times on average, so `r_s = V_s / N[s][s]`.

use super::linear::Square;
use crate::graph::{Adjacency, Structure};
use crate::pathway::PathwayMap;
use crate::values::StepKind;
use rustc_hash::FxHashMap as HashMap;

/// A pathway as indexes: steps `0..S`, transitions `0..T` with the probabilities the model uses.
#[derive(Debug, Clone)]
pub struct Model {
    pub start: usize,
    pub from: Vec<usize>,
    pub to: Vec<usize>,
    pub probability: Vec<f64>,
    /// Outgoing transitions of each step.
    pub outgoing: Adjacency,
    /// Strongly connected components in topological order (upstream first).
    pub components: Vec<Vec<usize>>,
    /// The component of each step (an index into `components`).
    pub component_of: Vec<usize>,
}

impl Model {
    /// Builds the index form of a structurally valid map (see [`crate::validate`]); `None` when it
    /// has no single START. O(S + T).
    pub fn new(map: &PathwayMap) -> Option<Self> {
        let ends = map.ends();
        let effective = map.effective_probabilities_with(&ends);
        let structure = Structure::new(map.steps.len(), &ends);
        Self::resolved(map, &ends, &effective, structure)
    }

    /// [`Model::new`] with the transitions' ends and probabilities and the structure already
    /// worked out (`None` when the map has no single START or a transition joins unknown steps).
    pub(crate) fn resolved(
        map: &PathwayMap,
        ends: &[Option<(usize, usize)>],
        effective: &[Option<f64>],
        structure: Structure,
    ) -> Option<Self> {
        let mut starts = map
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == StepKind::Start);
        let (start, _) = starts.next()?;
        if starts.next().is_some() {
            return None;
        }
        let mut from = Vec::with_capacity(ends.len());
        let mut to = Vec::with_capacity(ends.len());
        for end in ends {
            let (a, b) = (*end)?;
            from.push(a);
            to.push(b);
        }
        Some(Self {
            start,
            from,
            to,
            probability: effective.iter().map(|p| p.unwrap_or(0.0)).collect(),
            outgoing: structure.outgoing,
            components: structure.components,
            component_of: structure.component_of,
        })
    }

    pub fn steps(&self) -> usize {
        self.component_of.len()
    }

    /// Whether component `c` is a loop: more than one step, or one step with a transition to itself.
    pub fn is_loop(&self, c: usize) -> bool {
        let steps = &self.components[c];
        steps.len() > 1
            || self.outgoing[steps[0]]
                .iter()
                .any(|&e| self.to[e] == steps[0])
    }

    /// `I − Q` for a component: Q holds the probabilities of the transitions inside it.
    fn loop_matrix(&self, c: usize, local: &HashMap<usize, usize>, probability: &[f64]) -> Square {
        let steps = &self.components[c];
        let mut m = Square::identity(steps.len());
        for (i, &s) in steps.iter().enumerate() {
            for &e in &self.outgoing[s] {
                if let Some(&j) = local.get(&self.to[e]) {
                    m.add(i, j, -probability[e]);
                }
            }
        }
        m
    }
}

/// A rework loop (a strongly connected component with a cycle).
#[derive(Debug, Clone, PartialEq)]
pub struct LoopFlow {
    /// Steps of the loop, by index.
    pub steps: Vec<usize>,
    /// Transitions inside the loop, by index.
    pub transitions: Vec<usize>,
    /// For each step of the loop (same order): the probability a patient at that step comes back
    /// to it, `1 − 1/N[s][s]`.
    pub return_probability: Vec<f64>,
}

/// Expected visits and reach of every step and transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// `V_s`: expected visits per patient.
    pub visits: Vec<f64>,
    /// `r_s`: probability of visiting at least once.
    pub reach: Vec<f64>,
    /// `V_e`: expected traversals per patient.
    pub traversals: Vec<f64>,
    /// `r_e`: probability of traversing at least once.
    pub transition_reach: Vec<f64>,
    pub loops: Vec<LoopFlow>,
}

/// Computes the flow of patients through a model. Returns `None` if a loop has no way out (the
/// pathway would fail validation).
///
/// Complexity: O(S + T + Σ k³) for loops of k steps: linear for pathways whose loops are small.
pub fn flow(model: &Model) -> Option<Flow> {
    flow_with(model, &model.probability)
}

/// [`flow`] with other probabilities for the same transitions (some may be 0: that mass then
/// leaves the pathway). Same complexity.
pub fn flow_with(model: &Model, probability: &[f64]) -> Option<Flow> {
    let n = model.steps();
    let m = model.from.len();
    let mut inflow = vec![0.0; n];
    inflow[model.start] = 1.0;
    let mut visits = vec![0.0; n];
    let mut reach = vec![0.0; n];
    let mut traversals = vec![0.0; m];
    let mut transition_reach = vec![0.0; m];
    let mut loops = Vec::new();
    for c in 0..model.components.len() {
        let steps = &model.components[c];
        if !model.is_loop(c) {
            let s = steps[0];
            visits[s] = inflow[s];
            reach[s] = inflow[s];
            for &e in &model.outgoing[s] {
                traversals[e] = visits[s] * probability[e];
                transition_reach[e] = traversals[e];
                inflow[model.to[e]] += traversals[e];
            }
            continue;
        }
        let local: HashMap<usize, usize> = steps.iter().enumerate().map(|(i, &s)| (s, i)).collect();
        let fundamental = model.loop_matrix(c, &local, probability).inverse()?;
        for (j, &s) in steps.iter().enumerate() {
            visits[s] = steps
                .iter()
                .enumerate()
                .map(|(i, &r)| inflow[r] * fundamental.get(i, j))
                .sum();
            reach[s] = visits[s] / fundamental.get(j, j);
        }
        let mut inside = Vec::new();
        for (i, &s) in steps.iter().enumerate() {
            for &e in &model.outgoing[s] {
                traversals[e] = visits[s] * probability[e];
                match local.get(&model.to[e]) {
                    Some(&j) => {
                        // Insert a virtual step in the middle of e: it is revisited N[to][from]·p_e
                        // times after its first visit, so r_e = V_e / (1 + p_e·N[to][from]).
                        let again = probability[e] * fundamental.get(j, i);
                        transition_reach[e] = traversals[e] / (1.0 + again);
                        inside.push(e);
                    }
                    None => {
                        transition_reach[e] = traversals[e];
                        inflow[model.to[e]] += traversals[e];
                    }
                }
            }
        }
        loops.push(LoopFlow {
            steps: steps.clone(),
            transitions: inside,
            return_probability: (0..steps.len())
                .map(|j| 1.0 - 1.0 / fundamental.get(j, j))
                .collect(),
        });
    }
    Some(Flow {
        visits,
        reach,
        traversals,
        transition_reach,
        loops,
    })
}

/// Only the expected visits of each step, with other probabilities for the same transitions (some
/// may be 0: that mass then leaves the pathway). The lean part of [`flow_with`], for questions
/// asked once per group of transitions. O(S + T + Σ k³).
pub fn visits_with(model: &Model, probability: &[f64]) -> Option<Vec<f64>> {
    let mut visits = vec![0.0; model.steps()];
    visits[model.start] = 1.0;
    // `visits` holds each step's inflow until its component is reached, then its visits.
    for c in 0..model.components.len() {
        let steps = &model.components[c];
        if model.is_loop(c) {
            let local: HashMap<usize, usize> =
                steps.iter().enumerate().map(|(i, &s)| (s, i)).collect();
            let fundamental = model.loop_matrix(c, &local, probability).inverse()?;
            let inflow: Vec<f64> = steps.iter().map(|&s| visits[s]).collect();
            for (j, &s) in steps.iter().enumerate() {
                visits[s] = (0..steps.len())
                    .map(|i| inflow[i] * fundamental.get(i, j))
                    .sum();
            }
        }
        for &s in steps {
            for &e in &model.outgoing[s] {
                let to = model.to[e];
                if model.component_of[to] != c {
                    visits[to] += visits[s] * probability[e];
                }
            }
        }
    }
    Some(visits)
}

/// Working memory for [`LaterVisit::probability`], reused across calls so that many small
/// questions on a large pathway allocate nothing per question.
#[derive(Debug, Clone)]
pub struct LaterVisit {
    mark: Vec<u32>,
    stamp: u32,
    h: Vec<f64>,
    region: Vec<usize>,
    components: Vec<usize>,
}

impl LaterVisit {
    pub fn new(model: &Model) -> Self {
        let n = model.steps();
        Self {
            mark: vec![0; n],
            stamp: 0,
            h: vec![0.0; n],
            region: Vec::new(),
            components: Vec::new(),
        }
    }

    /// The probability that a patient at step `from` later visits step `to` (`from` ≠ `to`).
    ///
    /// Only the steps reachable from `from` that come no later than `to` in topological order
    /// can matter, so only they are visited: O(R + T_R + Σ k³) for those R steps, their
    /// transitions and their loops. For the usual duplicated pair (a repeat a few steps later)
    /// that is a handful of steps, whatever the size of the pathway.
    pub fn probability(&mut self, model: &Model, from: usize, to: usize) -> f64 {
        let limit = model.component_of[to];
        if model.component_of[from] > limit {
            return 0.0;
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
        let stamp = self.stamp;
        self.region.clear();
        self.region.push(from);
        self.mark[from] = stamp;
        let mut i = 0;
        while i < self.region.len() {
            for &e in &model.outgoing[self.region[i]] {
                let s = model.to[e];
                if model.component_of[s] <= limit && self.mark[s] != stamp {
                    self.mark[s] = stamp;
                    self.region.push(s);
                }
            }
            i += 1;
        }
        if self.mark[to] != stamp {
            return 0.0;
        }
        self.components.clear();
        self.components
            .extend(self.region.iter().map(|&s| model.component_of[s]));
        self.components.sort_unstable();
        self.components.dedup();
        // h(x): the probability of reaching `to` from x. Steps outside the region cannot (0); each
        // step in it is written before it is read, because components go downstream first.
        let (mark, h) = (&self.mark, &mut self.h);
        let known = |h: &[f64], s: usize| if mark[s] == stamp { h[s] } else { 0.0 };
        for &c in self.components.iter().rev() {
            let steps = &model.components[c];
            if !model.is_loop(c) {
                let s = steps[0];
                h[s] = if s == to {
                    1.0
                } else {
                    model.outgoing[s]
                        .iter()
                        .map(|&e| model.probability[e] * known(h, model.to[e]))
                        .sum()
                };
                continue;
            }
            let local: HashMap<usize, usize> =
                steps.iter().enumerate().map(|(i, &s)| (s, i)).collect();
            let mut matrix = Square::identity(steps.len());
            let mut rhs = vec![0.0; steps.len()];
            for (i, &s) in steps.iter().enumerate() {
                if s == to {
                    rhs[i] = 1.0;
                    continue;
                }
                for &e in &model.outgoing[s] {
                    let p = model.probability[e];
                    match local.get(&model.to[e]) {
                        Some(&j) => matrix.add(i, j, -p),
                        None => rhs[i] += p * known(h, model.to[e]),
                    }
                }
            }
            // A closed loop cannot reach `to` at all; validation rules such loops out anyway.
            let solution = matrix.solve(&rhs).unwrap_or_else(|| vec![0.0; steps.len()]);
            for (i, &s) in steps.iter().enumerate() {
                h[s] = solution[i];
            }
        }
        known(h, from)
    }
}
