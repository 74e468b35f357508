//! Analysis checked against independent calculations: path enumeration for loop-free pathways,
//! the flow equations for pathways with loops, and a seeded simulation of 200,000 patients.

use engine::analysis::HotspotKind;
use engine::testing::{Shape, SplitMix, generated_pathway, valid_pathway};
use engine::{PathwayMap, StepKind, analyse};
use proptest::prelude::*;
use std::collections::HashMap;

/// Outgoing (to, probability, wait) per step, read straight from the map.
fn edges(map: &PathwayMap) -> Vec<Vec<(usize, f64, f64, usize)>> {
    let index: HashMap<&str, usize> = map
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.as_str(), i))
        .collect();
    let mut out = vec![Vec::new(); map.steps.len()];
    for (e, t) in map.transitions.iter().enumerate() {
        out[index[t.from.as_str()]].push((
            index[t.to.as_str()],
            t.probability.map_or(1.0, |p| p.get()),
            t.wait_minutes.get(),
            e,
        ));
    }
    out
}

fn start(map: &PathwayMap) -> usize {
    map.steps
        .iter()
        .position(|s| s.kind == StepKind::Start)
        .unwrap()
}

/// Σ over START-to-END paths of probability × minutes (touch of every step + waits), by depth-first
/// enumeration. Only for pathways without loops.
fn expected_by_paths(map: &PathwayMap) -> (f64, f64) {
    let out = edges(map);
    let mut total = 0.0;
    let mut probability = 0.0;
    let mut stack = vec![(start(map), 1.0, map.steps[start(map)].touch_minutes.get())];
    while let Some((s, p, minutes)) = stack.pop() {
        if map.steps[s].kind == StepKind::End {
            total += p * minutes;
            probability += p;
            continue;
        }
        for &(to, q, wait, _) in &out[s] {
            stack.push((
                to,
                p * q,
                minutes + wait + map.steps[to].touch_minutes.get(),
            ));
        }
    }
    (total, probability)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn loop_free_lead_time_is_the_path_weighted_sum(map in valid_pathway(10, false)) {
        let analysis = analyse(&map, None).unwrap();
        let (by_paths, finished) = expected_by_paths(&map);
        prop_assert!((finished - 1.0).abs() < 1e-9);
        prop_assert!((analysis.expected_lead_time_minutes - by_paths).abs() < 1e-6 * by_paths.max(1.0),
            "{} vs {}", analysis.expected_lead_time_minutes, by_paths);
    }

    #[test]
    fn visits_satisfy_the_flow_equations(map in valid_pathway(14, true)) {
        let analysis = analyse(&map, None).unwrap();
        let out = edges(&map);
        let mut inflow = vec![0.0; map.steps.len()];
        inflow[start(&map)] = 1.0;
        for (s, list) in out.iter().enumerate() {
            for &(to, p, _, _) in list {
                inflow[to] += analysis.steps[s].expected_visits * p;
            }
        }
        for (s, figures) in analysis.steps.iter().enumerate() {
            prop_assert!((figures.expected_visits - inflow[s]).abs() < 1e-9,
                "step {}: V = {} but inflow = {}", figures.key, figures.expected_visits, inflow[s]);
            prop_assert!(figures.reach_probability <= 1.0 + 1e-9);
            prop_assert!(figures.reach_probability <= figures.expected_visits + 1e-9);
        }
        let ended: f64 = map.steps.iter().zip(&analysis.steps)
            .filter(|(s, _)| s.kind == StepKind::End)
            .map(|(_, f)| f.expected_visits)
            .sum();
        prop_assert!((ended - 1.0).abs() < 1e-9, "Σ V_END = {ended}");
    }
}

/// What a simulation of many patients saw.
struct Simulated {
    mean_lead_time: f64,
    reach: Vec<f64>,
    /// For each ordered pair: share of patients who visited a and later b.
    later: HashMap<(usize, usize), f64>,
    /// Share of patients who crossed from one organisation to another, per ordered pair.
    handed: HashMap<(String, String), f64>,
    /// Share of patients who took each transition at least once.
    took: Vec<f64>,
}

fn simulate(map: &PathwayMap, patients: usize, seed: u64, pairs: &[(usize, usize)]) -> Simulated {
    let out = edges(map);
    let mut rng = SplitMix::new(seed);
    let n = map.steps.len();
    let mut total = 0.0;
    let mut reached = vec![0usize; n];
    let mut later: HashMap<(usize, usize), usize> = HashMap::new();
    let mut handed: HashMap<(String, String), usize> = HashMap::new();
    let mut visits = vec![0usize; n];
    let mut took = vec![0usize; map.transitions.len()];
    let mut taken = vec![false; map.transitions.len()];
    for _ in 0..patients {
        visits.iter_mut().for_each(|v| *v = 0);
        taken.iter_mut().for_each(|t| *t = false);
        let mut first_seen = vec![usize::MAX; n];
        let mut last_seen = vec![0usize; n];
        let mut crossed: Vec<(String, String)> = Vec::new();
        let mut s = start(map);
        let mut time = 0usize;
        loop {
            visits[s] += 1;
            first_seen[s] = first_seen[s].min(time);
            last_seen[s] = time;
            total += map.steps[s].touch_minutes.get();
            if map.steps[s].kind == StepKind::End {
                break;
            }
            let mut u = rng.unit();
            let choice = out[s]
                .iter()
                .find(|(_, p, _, _)| {
                    u -= p;
                    u < 0.0
                })
                .unwrap_or_else(|| out[s].last().unwrap());
            total += choice.2;
            taken[choice.3] = true;
            let (a, b) = (
                &map.steps[s].organisation,
                &map.steps[choice.0].organisation,
            );
            if a != b {
                crossed.push((a.to_string(), b.to_string()));
            }
            s = choice.0;
            time += 1;
        }
        for i in 0..n {
            if visits[i] > 0 {
                reached[i] += 1;
            }
        }
        for &(a, b) in pairs {
            if visits[a] > 0 && visits[b] > 0 && last_seen[b] > first_seen[a] {
                *later.entry((a, b)).or_default() += 1;
            }
        }
        for (e, t) in taken.iter().enumerate() {
            took[e] += usize::from(*t);
        }
        crossed.sort();
        crossed.dedup();
        for pair in crossed {
            *handed.entry(pair).or_default() += 1;
        }
    }
    let share = |c: usize| c as f64 / patients as f64;
    Simulated {
        mean_lead_time: total / patients as f64,
        reach: reached.into_iter().map(share).collect(),
        later: later.into_iter().map(|(k, c)| (k, share(c))).collect(),
        handed: handed.into_iter().map(|(k, c)| (k, share(c))).collect(),
        took: took.into_iter().map(share).collect(),
    }
}

#[test]
fn a_simulation_of_200k_patients_agrees_with_the_analysis() {
    let sparse = Shape {
        steps: 25,
        extra_forward: 0.8,
        loop_share: 0.35,
        loop_span: 4,
        vocabulary: 5,
    };
    // Most steps in one loop: duplicated pairs and hand-offs inside it take the fundamental
    // matrix's shortcuts, which the sparse shape rarely reaches.
    let dense = Shape::dense_loops(25);
    for (shape, seed) in [(sparse, 7), (sparse, 42), (dense, 3)] {
        let map = generated_pathway(shape, seed);
        let analysis = analyse(&map, Some(10.0)).unwrap();
        let key = |k: &str| map.steps.iter().position(|s| s.key.as_str() == k).unwrap();
        let rendered = analysis.rendered_hotspots();
        let duplicates: Vec<_> = rendered
            .iter()
            .filter(|h| h.kind == HotspotKind::Duplication)
            .collect();
        let pairs: Vec<(usize, usize)> = duplicates
            .iter()
            .map(|h| (key(&h.step_keys[0]), key(&h.step_keys[1])))
            .collect();
        let sim = simulate(&map, 200_000, seed ^ 0xC0FFEE, &pairs);

        let expected = analysis.expected_lead_time_minutes;
        assert!(
            (sim.mean_lead_time - expected).abs() < 0.01 * expected,
            "seed {seed}: simulated {} vs E[T] {expected}",
            sim.mean_lead_time
        );
        for (s, figures) in analysis.steps.iter().enumerate() {
            assert!(
                (sim.reach[s] - figures.reach_probability).abs() < 0.01,
                "seed {seed} step {}: reach {} vs {}",
                figures.key,
                sim.reach[s],
                figures.reach_probability
            );
        }
        assert!(
            !duplicates.is_empty(),
            "seed {seed}: the test needs duplicated pairs"
        );
        for (h, pair) in duplicates.iter().zip(&pairs) {
            let seen = sim.later.get(pair).copied().unwrap_or(0.0);
            assert!(
                (seen - h.reach_probability).abs() < 0.01,
                "seed {seed} {}: simulated {seen} vs {}",
                h.title,
                h.reach_probability
            );
        }
        let loops: Vec<_> = rendered
            .iter()
            .filter(|h| h.kind == HotspotKind::Rework)
            .collect();
        assert!(!loops.is_empty(), "seed {seed}: the test needs loops");
        for h in loops {
            // A loop is met by the patients who take its back transition at least once.
            let back = h.transitions.last().unwrap();
            let e = map
                .transitions
                .iter()
                .position(|t| &t.label() == back)
                .unwrap();
            assert!(
                (sim.took[e] - h.reach_probability).abs() < 0.01,
                "seed {seed} {}: simulated {} vs {}",
                h.title,
                sim.took[e],
                h.reach_probability
            );
        }
        for h in rendered.iter().filter(|h| h.kind == HotspotKind::Handoff) {
            let (a, b) = h
                .title
                .trim_start_matches("Hand-offs from ")
                .split_once(" to ")
                .unwrap();
            let seen = sim
                .handed
                .get(&(a.to_string(), b.to_string()))
                .copied()
                .unwrap_or(0.0);
            assert!(
                (seen - h.reach_probability).abs() < 0.01,
                "seed {seed} {}: simulated {seen} vs {}",
                h.title,
                h.reach_probability
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Removing a step short-circuits it: every other visit and every wait is kept in
    /// expectation, so E[T] drops by exactly the step's own minutes (touch, and waits on its own
    /// self-loop).
    #[test]
    fn removing_a_step_takes_away_exactly_its_own_time(map in valid_pathway(12, true), pick in any::<usize>()) {
        let removable: Vec<usize> = (0..map.steps.len())
            .filter(|&s| !matches!(map.steps[s].kind, StepKind::Start | StepKind::End))
            .collect();
        prop_assume!(!removable.is_empty());
        let s = removable[pick % removable.len()];
        let key = map.steps[s].key.to_string();
        let result = engine::what_if(&std::sync::Arc::new(map.clone()), None, &[engine::Change::RemoveStep { step: key.clone() }], &engine::budget::Budget::unlimited()).unwrap();
        let before = &result.baseline;
        let own: f64 = before.steps[s].expected_minutes
            + before.transitions.iter()
                .filter(|t| t.from == key.as_str() && t.to == key.as_str())
                .map(|t| t.expected_wait_minutes)
                .sum::<f64>();
        let expected = before.expected_lead_time_minutes - own;
        prop_assert!((result.changed.expected_lead_time_minutes - expected).abs() < 1e-6 * expected.max(1.0),
            "after removing {key}: {} vs {expected}", result.changed.expected_lead_time_minutes);
    }
}

/// Issue 12: 400 steps in dense loops with repeated codes took over 120 s, because every
/// duplicated pair inverted its loop again. Counted in units of work (multiply-adds), not timed:
/// one inversion of the loop, one elimination per pair of organisations handing over inside it,
/// and a few units per step, transition and pair.
#[test]
fn dense_loops_cost_one_inversion_per_loop_not_one_per_duplicated_pair() {
    use engine::budget::Budget;
    let map = std::sync::Arc::new(generated_pathway(Shape::dense_loops(400), 42));
    let budget = Budget::unlimited();
    let analysis = engine::analysis::analyse_shared(map.clone(), Some(50.0), &budget).unwrap();
    let model = engine::analysis::flow::Model::new(&map).unwrap();
    let k = model.components.iter().map(Vec::len).max().unwrap() as f64;
    // One solve per rework loop: a lookup and a sum over the decision's exits each (a pass over
    // the pathway when a loop has several decisions), after one O(k²) pass for the minutes
    // remaining from each step.
    let backs = engine::analysis::rework::back_transitions(&model).len() as f64;
    let pairs = analysis.duplicates.len();
    let groups = analysis.handoff_groups.len() as f64;
    assert!(k > 300.0 && pairs > 200, "loop of {k} steps, {pairs} pairs");
    let linear = 100.0 * (map.steps.len() + map.transitions.len() + pairs) as f64
        + backs * (map.steps.len() + map.transitions.len()) as f64;
    let bound = (1.5 + groups / 3.0) * k.powi(3) + (groups + 1.0) * k * k + linear;
    let spent = budget.spent() as f64;
    assert!(
        spent <= bound,
        "{spent} units of work, bound {bound} (one inversion per pair would be {})",
        pairs as f64 * 1.5 * k.powi(3)
    );

    // A smaller budget stops the analysis part-way, with no answer rather than a wrong one.
    let short = Budget::with_limit(budget.spent() / 2);
    assert_eq!(
        engine::analysis::analyse_shared(map, Some(50.0), &short).err(),
        Some(engine::analysis::AnalysisError::Stopped)
    );
}

/// Visits with some transitions closed, worked out from the open pathway's loops (the Woodbury
/// correction when few steps change, elimination when many do), equal those of a fresh flow of
/// the closed pathway.
#[test]
fn visits_with_closed_transitions_equal_a_fresh_flow() {
    use engine::analysis::flow::{Model, flow, flow_with, visits_with};
    use engine::budget::Budget;
    let budget = Budget::unlimited();
    for (steps, seed) in [(30, 1), (80, 2), (150, 3)] {
        let map = generated_pathway(Shape::dense_loops(steps), seed);
        let model = Model::new(&map).unwrap();
        let open = flow(&model, &budget).unwrap();
        let mut rng = SplitMix::new(seed);
        // Close a few transitions (few changed rows), then many (most rows change).
        for share in [0.02, 0.6] {
            let mut closed = model.probability.clone();
            for p in closed.iter_mut() {
                if rng.unit() < share {
                    *p = 0.0;
                }
            }
            let fast = visits_with(&model, &open, &closed, &budget).unwrap();
            let fresh = flow_with(&model, &closed, &budget).unwrap().visits;
            for (s, (a, b)) in fast.iter().zip(&fresh).enumerate() {
                assert!(
                    (a - b).abs() < 1e-9 * (1.0 + b.abs()),
                    "{steps} steps, share {share}, step {s}: {a} vs {b}"
                );
            }
        }
    }
}
