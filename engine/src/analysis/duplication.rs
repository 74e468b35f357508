//! Duplication: two different steps that do the same work (the same activity code) or capture the
//! same information (a shared data item), where the second can follow the first.

use super::flow::{Flow, LaterVisit, Model};
use crate::budget::{Budget, Stopped};
use crate::pathway::PathwayMap;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};

/// A step `second` that repeats work or information of an earlier step `first`.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    pub first: usize,
    pub second: usize,
    pub same_activity_code: bool,
    /// Data items both steps capture, sorted.
    pub repeated_items: Vec<String>,
    /// Probability that a patient visits `first` and later visits `second`.
    pub probability: f64,
    /// `probability × touchMinutes(second)`.
    pub minutes: f64,
}

/// Every duplicated pair with a chance of happening, ordered by step indexes.
///
/// Candidates come from grouping steps by activity code and by data item, so unrelated steps are
/// never compared. P(first, then second) = r_first × P(reach second | at first), the second factor
/// from [`LaterVisit::probability`]: O(1) for two steps of one loop (however large the loop),
/// O(R + Σ k·x) for R steps between the two steps of a pair otherwise. So O(P log P) for P
/// candidate pairs inside loops, and linear in the pathway when few steps share codes or items.
pub fn duplicated_pairs(
    map: &PathwayMap,
    model: &Model,
    flow: &Flow,
    budget: &Budget,
) -> Result<Vec<DuplicatePair>, Stopped> {
    let mut by_code: HashMap<&str, Vec<usize>> = HashMap::default();
    let mut by_item: HashMap<&str, Vec<usize>> = HashMap::default();
    for (s, step) in map.steps.iter().enumerate() {
        if let Some(code) = &step.activity_code {
            by_code.entry(code.as_str()).or_default().push(s);
        }
        for item in &step.data_items {
            by_item.entry(item.as_str()).or_default().push(s);
        }
    }
    // (a, b) with a < b → (same code, shared items)
    let mut candidates: BTreeMap<(usize, usize), (bool, BTreeSet<String>)> = BTreeMap::new();
    for group in by_code.values() {
        budget.charge((group.len() * group.len()) as u64)?;
        for (i, &a) in group.iter().enumerate() {
            for &b in &group[i + 1..] {
                candidates.entry((a, b)).or_default().0 = true;
            }
        }
    }
    for (item, group) in &by_item {
        budget.charge((group.len() * group.len()) as u64)?;
        for (i, &a) in group.iter().enumerate() {
            for &b in &group[i + 1..] {
                candidates
                    .entry((a, b))
                    .or_default()
                    .1
                    .insert(item.to_string());
            }
        }
    }
    let mut pairs = Vec::new();
    let mut later = LaterVisit::new(model);
    for ((a, b), (same_code, items)) in candidates {
        for (first, second) in [(a, b), (b, a)] {
            if flow.reach[first] == 0.0 {
                continue;
            }
            let probability =
                flow.reach[first] * later.probability(model, flow, first, second, budget)?;
            if probability > 1e-12 {
                pairs.push(DuplicatePair {
                    first,
                    second,
                    same_activity_code: same_code,
                    repeated_items: items.iter().cloned().collect(),
                    probability,
                    minutes: probability * map.steps[second].touch_minutes.get(),
                });
            }
        }
    }
    Ok(pairs)
}
