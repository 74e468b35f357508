//! Rework loop by loop. A pathway can send patients back in more than one place (a CT rescan and
//! a readmission that both return to the scan): each back transition is its own loop with its
//! own cost, so a team can see which loop costs what.
//!
//! A loop's cost is counterfactual: how much shorter the expected lead time would be if patients
//! never took the branch that leads into it. From the back transition's source, walk back along
//! steps with a single exit to the first steps with several exits (the loop's decisions; the
//! source itself when it has several); close those exits, sharing each one's probability among
//! its decision's other exits in proportion, and compare the lead times.
//!
//! Re-solving the pathway for every loop would cost a pass over the whole pathway per loop. When
//! the exits closed are those of one decision d (nearly always), the difference follows from the
//! pathway as it is: with R_s the expected minutes from arriving at step s to the end, and δ the
//! change in d's exit probabilities, `ΔE[T] = V'_d · Σ_e δ_e (wait_e + R_to(e))` (only d's
//! choice changes), where the visits to d with the change are `V'_d = V_d / (1 − Σ_e δ_e ·
//! G[to(e)][d])` (Sherman–Morrison on d's row; G is the loop's fundamental matrix). Exits of
//! several decisions are re-solved with [`visits_with`].

use super::flow::{Flow, FlowError, Model, visits_with};
use crate::budget::{Budget, Stopped};
use crate::pathway::PathwayMap;
use std::collections::VecDeque;

/// One rework loop, by indexes into the analysed pathway.
#[derive(Debug, Clone, PartialEq)]
pub struct ReworkLoop {
    /// The transition that returns to an earlier step (or to its own source).
    pub back: usize,
    /// The decisions' exits that lead into the loop, which the counterfactual closes.
    pub exits: Vec<usize>,
    /// The loop's steps: from the step the back transition returns to, round to its source.
    pub steps: Vec<usize>,
    /// The loop's transitions in the same order, the back transition last.
    pub transitions: Vec<usize>,
    /// Minutes per patient the loop costs: the lead time less the lead time without it.
    pub minutes: f64,
}

/// Every rework loop of the pathway with its cost, in the order a depth-first walk from START
/// meets the back transitions. Loops whose branch cannot be closed (every exit of a decision
/// leads into it) are left out. O(S + T) to find them, plus one [`visits_with`] per loop.
pub fn rework_loops(
    map: &PathwayMap,
    model: &Model,
    flow: &Flow,
    lead_time: f64,
    budget: &Budget,
) -> Result<Vec<ReworkLoop>, Stopped> {
    let mut incoming = vec![Vec::new(); model.steps()];
    for (e, &to) in model.to.iter().enumerate() {
        incoming[to].push(e);
    }
    let backs = back_transitions(model);
    if backs.is_empty() {
        return Ok(vec![]);
    }
    let loops = LoopIndex::new(model, flow);
    let remaining = remaining(map, model, flow, &loops, budget)?;
    let mut out = Vec::new();
    for back in backs {
        let Some(exits) = branch_into(model, &incoming, back, budget)? else {
            continue;
        };
        let Some(changed) = without(model, &exits) else {
            continue;
        };
        let decision = model.from[exits[0]];
        budget.charge((exits.len() + changed.len()) as u64)?;
        let minutes = if exits.iter().all(|&e| model.from[e] == decision) {
            match one_decision(map, model, flow, &loops, &remaining, &changed, decision) {
                Some(m) => m,
                None => continue,
            }
        } else {
            // Several decisions: the whole pathway again, with the changed probabilities.
            budget.charge(model.from.len() as u64)?;
            let mut probability = model.probability.clone();
            for &(e, p) in &changed {
                probability[e] = p;
            }
            let visits = match visits_with(model, flow, &probability, budget) {
                Ok(v) => v,
                Err(FlowError::Stopped) => return Err(Stopped),
                Err(FlowError::LoopWithoutExit) => continue,
            };
            lead_time - lead_time_of(map, model, &visits, &probability)
        };
        let (steps, transitions) = cycle_of(model, back);
        out.push(ReworkLoop {
            back,
            exits,
            steps,
            transitions,
            minutes,
        });
    }
    Ok(out)
}

/// Where each step sits in its loop's fundamental matrix.
struct LoopIndex {
    /// The loop (an index into `flow.loops`) of each step in one.
    loop_of: Vec<Option<usize>>,
    /// The step's row in that loop's fundamental matrix.
    local: Vec<usize>,
}

impl LoopIndex {
    fn new(model: &Model, flow: &Flow) -> Self {
        let mut loop_of = vec![None; model.steps()];
        let mut local = vec![0; model.steps()];
        for (i, lp) in flow.loops.iter().enumerate() {
            for (j, &s) in lp.steps.iter().enumerate() {
                loop_of[s] = Some(i);
                local[s] = j;
            }
        }
        Self { loop_of, local }
    }

    /// `G[from][to]`: expected visits to `to` of a patient at `from`, for `from` downstream of
    /// `to` or in its loop (0 when `from` cannot come back to `to`).
    fn visits_from(&self, flow: &Flow, from: usize, to: usize) -> f64 {
        match (self.loop_of[from], self.loop_of[to]) {
            (Some(a), Some(b)) if a == b => flow.loops[a]
                .fundamental
                .get(self.local[from], self.local[to]),
            _ => f64::from(u8::from(from == to)),
        }
    }
}

/// `R_s`: expected minutes from arriving at each step to the end (its touch time, the waits and
/// everything after). Components from the last: outside loops a sum over the step's exits,
/// inside a loop of k steps `R = N·c` with c each step's own minutes and exits. O(S + T + Σ k²).
fn remaining(
    map: &PathwayMap,
    model: &Model,
    flow: &Flow,
    loops: &LoopIndex,
    budget: &Budget,
) -> Result<Vec<f64>, Stopped> {
    let mut remaining = vec![0.0; model.steps()];
    let own = |s: usize, remaining: &[f64], component: usize| -> f64 {
        map.steps[s].touch_minutes.get()
            + model.outgoing[s]
                .iter()
                .map(|&e| {
                    let to = model.to[e];
                    let after = if model.component_of[to] == component {
                        0.0
                    } else {
                        remaining[to]
                    };
                    model.probability[e] * (map.transitions[e].wait_minutes.get() + after)
                })
                .sum::<f64>()
    };
    for (c, steps) in model.components.iter().enumerate().rev() {
        match loops.loop_of[steps[0]] {
            Some(l) => {
                let lp = &flow.loops[l];
                budget.charge((lp.steps.len() * lp.steps.len()) as u64)?;
                let c_own: Vec<f64> = lp.steps.iter().map(|&s| own(s, &remaining, c)).collect();
                for (i, &s) in lp.steps.iter().enumerate() {
                    remaining[s] = (0..lp.steps.len())
                        .map(|j| lp.fundamental.get(i, j) * c_own[j])
                        .sum();
                }
            }
            None => {
                for &s in steps {
                    remaining[s] = own(s, &remaining, c);
                }
            }
        }
    }
    Ok(remaining)
}

/// The fall in expected lead time when only `decision`'s exits change to `probability`
/// (see the module's note); `None` when the change leaves a loop with no way out. O(exits).
fn one_decision(
    map: &PathwayMap,
    model: &Model,
    flow: &Flow,
    loops: &LoopIndex,
    remaining: &[f64],
    changed: &[(usize, f64)],
    decision: usize,
) -> Option<f64> {
    let mut gain = 0.0;
    let mut returns = 0.0;
    for &(e, p) in changed {
        let delta = p - model.probability[e];
        let to = model.to[e];
        gain += delta * (map.transitions[e].wait_minutes.get() + remaining[to]);
        returns += delta * loops.visits_from(flow, to, decision);
    }
    let left = 1.0 - returns;
    (left > 0.0).then(|| -flow.visits[decision] / left * gain)
}

/// The transitions that return to a step still on the path a depth-first walk from START took
/// to reach them (a step's transition to itself included). O(S + T).
pub fn back_transitions(model: &Model) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; model.steps()];
    let mut backs = Vec::new();
    // (step, how many of its transitions have been followed)
    let mut path = vec![(model.start, 0usize)];
    mark[model.start] = Mark::OnPath;
    while let Some((s, next)) = path.last_mut() {
        let s = *s;
        match model.outgoing[s].get(*next) {
            Some(&e) => {
                *next += 1;
                let to = model.to[e];
                match mark[to] {
                    Mark::OnPath => backs.push(e),
                    Mark::New => {
                        mark[to] = Mark::OnPath;
                        path.push((to, 0));
                    }
                    Mark::Done => {}
                }
            }
            None => {
                mark[s] = Mark::Done;
                path.pop();
            }
        }
    }
    backs
}

/// The exits of the decisions that lead into the back transition `back`: `back` itself when its
/// source has several exits, else the exits reached walking back along single-exit steps.
/// `None` when the walk reaches START (nothing to close). O(steps walked), charged to `budget`.
fn branch_into(
    model: &Model,
    incoming: &[Vec<usize>],
    back: usize,
    budget: &Budget,
) -> Result<Option<Vec<usize>>, Stopped> {
    let source = model.from[back];
    if model.outgoing[source].len() > 1 {
        return Ok(Some(vec![back]));
    }
    let mut exits = Vec::new();
    // Sets, not a flag per step: there is one walk per loop.
    let mut seen = rustc_hash::FxHashSet::default();
    let mut walk = vec![source];
    while let Some(s) = walk.pop() {
        if !seen.insert(s) {
            continue;
        }
        budget.charge(1 + incoming[s].len() as u64)?;
        if s == model.start || incoming[s].is_empty() {
            return Ok(None);
        }
        for &e in &incoming[s] {
            let p = model.from[e];
            if model.outgoing[p].len() > 1 {
                exits.push(e);
            } else {
                walk.push(p);
            }
        }
    }
    exits.sort_unstable();
    exits.dedup();
    Ok((!exits.is_empty()).then_some(exits))
}

/// The new probability of every exit of the decisions `exits` leave, with `exits` closed and
/// each one's probability shared among its decision's other exits in proportion; `None` when a
/// decision would have no exit left. O(exits of those decisions): never a copy of the whole
/// pathway's probabilities, as there is one of these per loop.
fn without(model: &Model, exits: &[usize]) -> Option<Vec<(usize, f64)>> {
    let mut decisions: Vec<usize> = exits.iter().map(|&e| model.from[e]).collect();
    decisions.sort_unstable();
    decisions.dedup();
    let mut changed = Vec::new();
    for d in decisions {
        let (closed, open): (Vec<usize>, Vec<usize>) =
            model.outgoing[d].iter().partition(|e| exits.contains(e));
        let kept: f64 = open.iter().map(|&e| model.probability[e]).sum();
        let moved: f64 = closed.iter().map(|&e| model.probability[e]).sum();
        if kept <= 0.0 {
            return None;
        }
        changed.extend(closed.iter().map(|&e| (e, 0.0)));
        changed.extend(
            open.iter()
                .map(|&e| (e, model.probability[e] * (kept + moved) / kept)),
        );
    }
    Some(changed)
}

/// The expected lead time of patients walking the map with these visits and probabilities.
/// O(S + T).
fn lead_time_of(map: &PathwayMap, model: &Model, visits: &[f64], probability: &[f64]) -> f64 {
    let touch: f64 = visits
        .iter()
        .zip(&map.steps)
        .map(|(v, s)| v * s.touch_minutes.get())
        .sum();
    let wait: f64 = (0..model.from.len())
        .map(|e| visits[model.from[e]] * probability[e] * map.transitions[e].wait_minutes.get())
        .sum();
    touch + wait
}

/// The shortest way round the loop `back` closes: from its target to its source inside their
/// loop, then `back`. O(steps and transitions of the loop).
fn cycle_of(model: &Model, back: usize) -> (Vec<usize>, Vec<usize>) {
    let (target, source) = (model.to[back], model.from[back]);
    let component = model.component_of[source];
    // The transition each step was first reached by, from `target` (a map, not a slot per step:
    // there is one search per loop).
    let mut reached_by: rustc_hash::FxHashMap<usize, usize> = Default::default();
    let mut queue = VecDeque::from([target]);
    while let Some(s) = queue.pop_front() {
        if s == source {
            break;
        }
        for &e in &model.outgoing[s] {
            let to = model.to[e];
            if model.component_of[to] == component && to != target && !reached_by.contains_key(&to)
            {
                reached_by.insert(to, e);
                queue.push_back(to);
            }
        }
    }
    let mut transitions = vec![back];
    let mut steps = vec![source];
    let mut s = source;
    while let Some(&e) = reached_by.get(&s) {
        transitions.push(e);
        s = model.from[e];
        steps.push(s);
    }
    steps.reverse();
    transitions[1..].reverse();
    transitions.rotate_left(1);
    (steps, transitions)
}
