//! The most probable route from START to an END.

use super::flow::Model;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A route through the pathway and how likely and long it is.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteIndexes {
    pub steps: Vec<usize>,
    pub transitions: Vec<usize>,
    pub probability: f64,
}

#[derive(PartialEq)]
struct Entry {
    cost: f64,
    step: usize,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Smallest cost first, ties by step index so the answer is deterministic.
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| other.step.cmp(&self.step))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The START-to-END route with the highest product of probabilities: Dijkstra's algorithm on
/// costs `−ln p` (all ≥ 0, so a loop never improves a route). `is_end` tells which steps are ENDs.
/// O((S + T) log S).
pub fn most_probable_route(model: &Model, is_end: &[bool]) -> Option<RouteIndexes> {
    let n = model.steps();
    let mut cost = vec![f64::INFINITY; n];
    let mut via: Vec<Option<usize>> = vec![None; n];
    let mut heap = BinaryHeap::new();
    cost[model.start] = 0.0;
    heap.push(Entry {
        cost: 0.0,
        step: model.start,
    });
    let mut end = None;
    while let Some(Entry { cost: c, step }) = heap.pop() {
        if c > cost[step] {
            continue;
        }
        if is_end[step] {
            end = Some(step);
            break;
        }
        for &e in &model.outgoing[step] {
            let next = model.to[e];
            let candidate = c - model.probability[e].ln();
            if candidate < cost[next] {
                cost[next] = candidate;
                via[next] = Some(e);
                heap.push(Entry {
                    cost: candidate,
                    step: next,
                });
            }
        }
    }
    let end = end?;
    let mut steps = vec![end];
    let mut transitions = Vec::new();
    let mut at = end;
    while let Some(e) = via[at] {
        transitions.push(e);
        at = model.from[e];
        steps.push(at);
    }
    steps.reverse();
    transitions.reverse();
    Some(RouteIndexes {
        steps,
        transitions: transitions.clone(),
        probability: transitions.iter().map(|&e| model.probability[e]).product(),
    })
}
