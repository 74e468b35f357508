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
use crate::budget::{Budget, Stopped};
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
    /// The loop's fundamental matrix `N = (I − Q)⁻¹`, indexed as `steps`: `N[i][j]` is the expected
    /// visits to step j of a patient at step i before leaving the loop. Kept so that later
    /// questions about the loop cost a lookup or a product, not another inversion.
    pub fundamental: Square,
}

/// Why the flow of a model could not be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowError {
    /// A loop has no way out (the pathway would fail validation).
    LoopWithoutExit,
    /// The budget ran out first.
    Stopped,
}

impl From<Stopped> for FlowError {
    fn from(_: Stopped) -> Self {
        FlowError::Stopped
    }
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

/// Computes the flow of patients through a model, within `budget`.
///
/// Complexity: O(S + T + Σ k³) for loops of k steps (one inversion each, about 1.5·k³
/// multiply-adds): linear for pathways whose loops are small.
pub fn flow(model: &Model, budget: &Budget) -> Result<Flow, FlowError> {
    flow_with(model, &model.probability, budget)
}

/// [`flow`] with other probabilities for the same transitions (some may be 0: that mass then
/// leaves the pathway). Same complexity.
pub fn flow_with(model: &Model, probability: &[f64], budget: &Budget) -> Result<Flow, FlowError> {
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
        let fundamental = model
            .loop_matrix(c, &local, probability)
            .inverse(budget)?
            .ok_or(FlowError::LoopWithoutExit)?;
        budget.charge((steps.len() * steps.len()) as u64)?;
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
            fundamental,
        });
    }
    Ok(Flow {
        visits,
        reach,
        traversals,
        transition_reach,
        loops,
    })
}

/// Only the expected visits of each step, with other probabilities for the same transitions (some
/// may be 0: that mass then leaves the pathway). The lean part of [`flow_with`], for questions
/// asked once per group of transitions. Each loop reuses its fundamental matrix from `flow`: see
/// [`loop_visits`]. O(S + T + Σ (k² + m²·d + min(m, k)³)) for loops of k steps, m of which have
/// changed transitions, d transitions per step.
pub fn visits_with(
    model: &Model,
    flow: &Flow,
    probability: &[f64],
    budget: &Budget,
) -> Result<Vec<f64>, FlowError> {
    let mut visits = vec![0.0; model.steps()];
    visits[model.start] = 1.0;
    let mut loops = flow.loops.iter();
    // `visits` holds each step's inflow until its component is reached, then its visits.
    for c in 0..model.components.len() {
        let steps = &model.components[c];
        if model.is_loop(c) {
            let lp = loops.next().ok_or(FlowError::LoopWithoutExit)?;
            let local: HashMap<usize, usize> =
                steps.iter().enumerate().map(|(i, &s)| (s, i)).collect();
            let inflow: Vec<f64> = steps.iter().map(|&s| visits[s]).collect();
            let solved = loop_visits(model, lp, &local, &inflow, probability, budget)?;
            for (j, &s) in steps.iter().enumerate() {
                visits[s] = solved[j];
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
    Ok(visits)
}

/// The visits to each step of one loop (in `lp.steps` order) of patients entering it as `inflow`,
/// with the loop's own transitions at `probability`.
///
/// With unchanged transitions, `vᵀ = inflowᵀ·N`: O(k·x) for x entry steps. When the transitions
/// of m steps changed (hand-offs closed), `I − Q'` is `I − Q` plus a correction of rank m, and the
/// Woodbury identity `(A + U·Vᵀ)⁻¹ = N − N·U·(I + Vᵀ·N·U)⁻¹·Vᵀ·N` needs only an m×m
/// elimination: O(k² + m²·d + m³) instead of a fresh k³. When m is more than half the loop a
/// direct elimination (k³/3) is cheaper, and is used.
fn loop_visits(
    model: &Model,
    lp: &LoopFlow,
    local: &HashMap<usize, usize>,
    inflow: &[f64],
    probability: &[f64],
    budget: &Budget,
) -> Result<Vec<f64>, FlowError> {
    let k = lp.steps.len();
    let n = &lp.fundamental;
    // Rows of ΔQ = Q − Q': for each step with a changed transition inside the loop, the changes.
    let mut rows: Vec<(usize, Vec<(usize, f64)>)> = Vec::new();
    for (i, &s) in lp.steps.iter().enumerate() {
        let changes: Vec<(usize, f64)> = model.outgoing[s]
            .iter()
            .filter(|&&e| probability[e] != model.probability[e])
            .filter_map(|&e| {
                Some((
                    *local.get(&model.to[e])?,
                    model.probability[e] - probability[e],
                ))
            })
            .collect();
        if !changes.is_empty() {
            rows.push((i, changes));
        }
    }
    let m = rows.len();
    if 2 * m > k {
        let mut matrix = Square::identity(k);
        for (i, &s) in lp.steps.iter().enumerate() {
            for &e in &model.outgoing[s] {
                if let Some(&j) = local.get(&model.to[e]) {
                    // Transposed: visits v solve (I − Q')ᵀ v = inflow.
                    matrix.add(j, i, -probability[e]);
                }
            }
        }
        return matrix
            .solve(inflow, budget)?
            .ok_or(FlowError::LoopWithoutExit);
    }
    // y = inflowᵀ·N
    let entering: Vec<(usize, f64)> = inflow
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, f)| f != 0.0)
        .collect();
    budget.charge((entering.len() * k) as u64)?;
    let mut y: Vec<f64> = (0..k)
        .map(|j| entering.iter().map(|&(i, f)| f * n.get(i, j)).sum())
        .collect();
    if m == 0 {
        return Ok(y);
    }
    // C = I + Vᵀ·N·U, with U the unit columns of the changed rows: C[a][b] = δ + Σ_j ΔQ[r_a][j]·N[j][r_b].
    let width: usize = rows.iter().map(|(_, c)| c.len()).sum();
    budget.charge((width * m) as u64)?;
    let mut c = Square::identity(m);
    for (a, (_, changes)) in rows.iter().enumerate() {
        for (b, &(r_b, _)) in rows.iter().enumerate() {
            let product: f64 = changes.iter().map(|&(j, d)| d * n.get(j, r_b)).sum();
            c.add(a, b, product);
        }
    }
    // wᵀ·C = yᵀ·U, that is Cᵀ·w = y restricted to the changed rows.
    let z: Vec<f64> = rows.iter().map(|&(r, _)| y[r]).collect();
    let w = c
        .transposed()
        .solve(&z, budget)?
        .ok_or(FlowError::LoopWithoutExit)?;
    // vᵀ = y − (wᵀ·Vᵀ)·N
    let mut u = vec![0.0; k];
    for (a, (_, changes)) in rows.iter().enumerate() {
        for &(j, d) in changes {
            u[j] += w[a] * d;
        }
    }
    let u: Vec<(usize, f64)> = u
        .into_iter()
        .enumerate()
        .filter(|&(_, x)| x != 0.0)
        .collect();
    budget.charge((u.len() * k) as u64)?;
    for (j, value) in y.iter_mut().enumerate() {
        *value -= u.iter().map(|&(i, x)| x * n.get(i, j)).sum::<f64>();
    }
    Ok(y)
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
    /// Each step's index inside its component (and so inside its loop's fundamental matrix).
    position: Vec<usize>,
    /// The index into `Flow::loops` of each component that is a loop.
    loop_of: Vec<Option<usize>>,
}

impl LaterVisit {
    /// O(S).
    pub fn new(model: &Model) -> Self {
        let n = model.steps();
        let mut position = vec![0; n];
        let mut loop_of = vec![None; model.components.len()];
        let mut loops = 0;
        for (c, steps) in model.components.iter().enumerate() {
            for (i, &s) in steps.iter().enumerate() {
                position[s] = i;
            }
            if model.is_loop(c) {
                loop_of[c] = Some(loops);
                loops += 1;
            }
        }
        Self {
            mark: vec![0; n],
            stamp: 0,
            h: vec![0.0; n],
            region: Vec::new(),
            components: Vec::new(),
            position,
            loop_of,
        }
    }

    /// The probability that a patient at step `from` later visits step `to` (`from` ≠ `to`).
    ///
    /// Within one loop it is a lookup in the loop's fundamental matrix: a patient at x visits y
    /// `N[x][y]` times on average and, once at y, `N[y][y]` times, so reaches it with probability
    /// `N[x][y] / N[y][y]` (O(1)). Across components, only the steps reachable from `from` that
    /// come no later than `to` in topological order can matter, so only they are visited, and a
    /// loop among them costs a product with its fundamental matrix:
    /// O(R + T_R + Σ k·x) for those R steps, their T_R transitions and loops of k steps with x
    /// exits. For the usual duplicated pair (a repeat a few steps later, or two steps of one
    /// loop) that is a handful of operations, whatever the size of the pathway.
    pub fn probability(
        &mut self,
        model: &Model,
        flow: &Flow,
        from: usize,
        to: usize,
        budget: &Budget,
    ) -> Result<f64, Stopped> {
        let limit = model.component_of[to];
        if model.component_of[from] > limit {
            return Ok(0.0);
        }
        let fundamental = |c: usize| self.loop_of[c].map(|l| &flow.loops[l].fundamental);
        if model.component_of[from] == limit {
            let Some(n) = fundamental(limit) else {
                return Ok(0.0);
            };
            let (x, y) = (self.position[from], self.position[to]);
            return Ok(n.get(x, y) / n.get(y, y));
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
        budget.charge(self.region.len() as u64)?;
        if self.mark[to] != stamp {
            return Ok(0.0);
        }
        self.components.clear();
        self.components
            .extend(self.region.iter().map(|&s| model.component_of[s]));
        self.components.sort_unstable();
        self.components.dedup();
        // h(x): the probability of reaching `to` from x. Steps outside the region cannot (0); each
        // step in it is written before it is read, because components go downstream first.
        let (mark, h, position) = (&self.mark, &mut self.h, &self.position);
        let known = |h: &[f64], s: usize| if mark[s] == stamp { h[s] } else { 0.0 };
        for &c in self.components.iter().rev() {
            let steps = &model.components[c];
            let Some(n) = self.loop_of[c].map(|l| &flow.loops[l].fundamental) else {
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
            };
            if c == limit {
                // Inside `to`'s own loop, as for two steps of one loop above.
                let y = position[to];
                for (x, &s) in steps.iter().enumerate() {
                    h[s] = n.get(x, y) / n.get(y, y);
                }
                continue;
            }
            // h = N·b on the loop, where b is what leaving each step reaches directly.
            let mut exits: Vec<(usize, f64)> = Vec::new();
            for (j, &s) in steps.iter().enumerate() {
                let b: f64 = model.outgoing[s]
                    .iter()
                    .filter(|&&e| model.component_of[model.to[e]] != c)
                    .map(|&e| model.probability[e] * known(h, model.to[e]))
                    .sum();
                if b != 0.0 {
                    exits.push((j, b));
                }
            }
            budget.charge((steps.len() * exits.len().max(1)) as u64)?;
            for (x, &s) in steps.iter().enumerate() {
                h[s] = exits.iter().map(|&(j, b)| n.get(x, j) * b).sum();
            }
        }
        Ok(known(h, from))
    }
}
