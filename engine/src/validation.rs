//! Structural validation of a pathway map: can every patient who starts finish, and do the numbers
//! describe a journey? Drafts may fail it; publishing needs zero problems.

use crate::graph::{Adjacency, Structure};
use crate::pathway::PathwayMap;
use crate::values::StepKind;
use serde::Serialize;

/// How far the outgoing probabilities of a step may be from summing to 1.
pub const PROBABILITY_TOLERANCE: f64 = 1e-6;

/// Kinds of structural problem, stable names clients can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProblemCode {
    /// No START step.
    MissingStart,
    /// More than one START step.
    MultipleStarts,
    /// No END step.
    MissingEnd,
    /// An END step has a way out.
    EndHasOutgoing,
    /// A step other than END has no way out.
    DeadEnd,
    /// A step cannot be reached from START.
    UnreachableStep,
    /// No END can be reached from a step.
    NoPathToEnd,
    /// A loop (rework) that patients can never leave.
    LoopWithoutExit,
    /// A transition leaves out its probability although its step has other ways out.
    MissingProbability,
    /// The outgoing probabilities of a step do not sum to 1.
    ProbabilitySum,
    /// Two transitions join the same two steps in the same direction.
    DuplicateTransition,
}

impl ProblemCode {
    /// Every code, in declaration order.
    pub const ALL: &'static [ProblemCode] = &[
        ProblemCode::MissingStart,
        ProblemCode::MultipleStarts,
        ProblemCode::MissingEnd,
        ProblemCode::EndHasOutgoing,
        ProblemCode::DeadEnd,
        ProblemCode::UnreachableStep,
        ProblemCode::NoPathToEnd,
        ProblemCode::LoopWithoutExit,
        ProblemCode::MissingProbability,
        ProblemCode::ProbabilitySum,
        ProblemCode::DuplicateTransition,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::MissingStart => "MISSING_START",
            ProblemCode::MultipleStarts => "MULTIPLE_STARTS",
            ProblemCode::MissingEnd => "MISSING_END",
            ProblemCode::EndHasOutgoing => "END_HAS_OUTGOING",
            ProblemCode::DeadEnd => "DEAD_END",
            ProblemCode::UnreachableStep => "UNREACHABLE_STEP",
            ProblemCode::NoPathToEnd => "NO_PATH_TO_END",
            ProblemCode::LoopWithoutExit => "LOOP_WITHOUT_EXIT",
            ProblemCode::MissingProbability => "MISSING_PROBABILITY",
            ProblemCode::ProbabilitySum => "PROBABILITY_SUM",
            ProblemCode::DuplicateTransition => "DUPLICATE_TRANSITION",
        }
    }
}

/// One structural problem: what is wrong, in words, and which steps and transitions (by key and
/// `from->to` label) are involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
    pub steps: Vec<String>,
    pub transitions: Vec<String>,
}

impl Problem {
    fn new(
        code: ProblemCode,
        message: String,
        steps: Vec<String>,
        transitions: Vec<String>,
    ) -> Self {
        Self {
            code,
            message,
            steps,
            transitions,
        }
    }
}

/// Finds every structural problem of a map, in a stable order (by check, then by step order).
///
/// Checks: exactly one START; at least one END; END steps have no way out; every other step has
/// one; every step is reachable from START; an END is reachable from every step; every loop
/// (strongly connected component) has a way out; outgoing probabilities of each step sum to 1
/// within [`PROBABILITY_TOLERANCE`]; no two transitions join the same ordered pair of steps.
///
/// Complexity: O(S + T) for S steps and T transitions (graph build, two depth-first searches and
/// Tarjan's strongly connected components), plus O(T log T) to find duplicates.
pub fn validate(map: &PathwayMap) -> Vec<Problem> {
    let ends = map.ends();
    let effective = map.effective_probabilities_with(&ends);
    let structure = Structure::new(map.steps.len(), &ends);
    validate_resolved(map, &ends, &effective, &structure)
}

/// [`validate`] with the transitions' ends and probabilities already resolved.
pub(crate) fn validate_resolved(
    map: &PathwayMap,
    transition_ends: &[Option<(usize, usize)>],
    effective: &[Option<f64>],
    structure: &Structure,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let n = map.steps.len();
    // PathwayMap guarantees both keys exist; a map built by hand with bad keys just loses the edge.
    let target = |t: usize| transition_ends[t].map(|(_, b)| b);
    let key = |i: usize| map.steps[i].key.to_string();
    let label = |t: usize| map.transitions[t].label();

    let starts: Vec<usize> = (0..map.steps.len())
        .filter(|&i| map.steps[i].kind == StepKind::Start)
        .collect();
    match starts.len() {
        0 => problems.push(Problem::new(
            ProblemCode::MissingStart,
            "the pathway has no START step".into(),
            vec![],
            vec![],
        )),
        1 => {}
        n => problems.push(Problem::new(
            ProblemCode::MultipleStarts,
            format!("the pathway has {n} START steps; it needs exactly one"),
            starts.iter().map(|&i| key(i)).collect(),
            vec![],
        )),
    }
    let ends: Vec<usize> = (0..map.steps.len())
        .filter(|&i| map.steps[i].kind == StepKind::End)
        .collect();
    if ends.is_empty() {
        problems.push(Problem::new(
            ProblemCode::MissingEnd,
            "the pathway has no END step".into(),
            vec![],
            vec![],
        ));
    }

    let outgoing = |i: usize| &structure.outgoing[i];
    let mut dead_ends = vec![false; map.steps.len()];
    for (i, step) in map.steps.iter().enumerate() {
        let out = outgoing(i);
        if step.kind == StepKind::End {
            if !out.is_empty() {
                problems.push(Problem::new(
                    ProblemCode::EndHasOutgoing,
                    format!(
                        "END step '{}' has {} way(s) out; an END must have none",
                        step.key,
                        out.len()
                    ),
                    vec![key(i)],
                    out.iter().map(|&t| label(t)).collect(),
                ));
            }
            continue;
        }
        if out.is_empty() {
            dead_ends[i] = true;
            problems.push(Problem::new(
                ProblemCode::DeadEnd,
                format!("step '{}' is not an END but has no way out", step.key),
                vec![key(i)],
                vec![],
            ));
            continue;
        }
        let missing: Vec<usize> = out
            .iter()
            .copied()
            .filter(|&t| effective[t].is_none())
            .collect();
        if !missing.is_empty() {
            problems.push(Problem::new(
                ProblemCode::MissingProbability,
                format!(
                    "step '{}' has {} ways out, so each needs a probability",
                    step.key,
                    out.len()
                ),
                vec![key(i)],
                missing.iter().map(|&t| label(t)).collect(),
            ));
            continue;
        }
        let sum: f64 = out.iter().filter_map(|&t| effective[t]).sum();
        if (sum - 1.0).abs() > PROBABILITY_TOLERANCE {
            problems.push(Problem::new(
                ProblemCode::ProbabilitySum,
                format!(
                    "the probabilities out of step '{}' sum to {}, not 1",
                    step.key,
                    round6(sum)
                ),
                vec![key(i)],
                out.iter().map(|&t| label(t)).collect(),
            ));
        }
    }

    if let [start] = starts[..] {
        let mut reached = vec![false; n];
        let mut stack = vec![start];
        reached[start] = true;
        while let Some(s) = stack.pop() {
            for &t in outgoing(s) {
                if let Some(b) = target(t).filter(|&b| !reached[b]) {
                    reached[b] = true;
                    stack.push(b);
                }
            }
        }
        for i in (0..map.steps.len()).filter(|&i| !reached[i]) {
            problems.push(Problem::new(
                ProblemCode::UnreachableStep,
                format!(
                    "step '{}' cannot be reached from the START step",
                    map.steps[i].key
                ),
                vec![key(i)],
                vec![],
            ));
        }
    }

    // Loops patients can never leave: a strongly connected component with a cycle and no edge out.
    let mut in_closed_loop = vec![false; map.steps.len()];
    let mut closed_loops = Vec::new();
    for (c, members) in structure.components.iter().enumerate() {
        let has_cycle = members.len() > 1
            || outgoing(members[0])
                .iter()
                .any(|&t| target(t) == Some(members[0]));
        if !has_cycle {
            continue;
        }
        let leaves = members.iter().any(|&s| {
            outgoing(s)
                .iter()
                .any(|&t| target(t).is_some_and(|b| structure.component_of[b] != c))
        });
        if !leaves {
            for &m in members {
                in_closed_loop[m] = true;
            }
            closed_loops.push(members.clone());
        }
    }
    closed_loops.sort();
    for members in closed_loops {
        let keys: Vec<String> = members.iter().map(|&i| key(i)).collect();
        problems.push(Problem::new(
            ProblemCode::LoopWithoutExit,
            format!("the loop through {} has no way out", quoted(&keys)),
            keys,
            vec![],
        ));
    }

    if !ends.is_empty() {
        let incoming_pairs: Vec<(usize, usize)> = transition_ends
            .iter()
            .filter_map(|end| end.map(|(a, b)| (b, a)))
            .collect();
        let predecessors = Adjacency::new(n, &incoming_pairs);
        let mut can_finish = vec![false; n];
        let mut stack: Vec<usize> = ends.clone();
        for &end in &ends {
            can_finish[end] = true;
        }
        while let Some(s) = stack.pop() {
            for &a in &predecessors[s] {
                if !can_finish[a] {
                    can_finish[a] = true;
                    stack.push(a);
                }
            }
        }
        for i in 0..map.steps.len() {
            if !can_finish[i] && !dead_ends[i] && !in_closed_loop[i] {
                problems.push(Problem::new(
                    ProblemCode::NoPathToEnd,
                    format!(
                        "no END step can be reached from step '{}'",
                        map.steps[i].key
                    ),
                    vec![key(i)],
                    vec![],
                ));
            }
        }
    }

    // Sorting (from, to, transition) triples finds repeats without a map of lists.
    let mut pairs: Vec<(usize, usize, usize)> = transition_ends
        .iter()
        .enumerate()
        .filter_map(|(t, end)| end.map(|(a, b)| (a, b, t)))
        .collect();
    pairs.sort_unstable();
    let mut duplicates: Vec<Vec<usize>> = pairs
        .chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
        .filter(|run| run.len() > 1)
        .map(|run| run.iter().map(|&(_, _, t)| t).collect())
        .collect();
    duplicates.sort();
    for ts in duplicates {
        let t = &map.transitions[ts[0]];
        problems.push(Problem::new(
            ProblemCode::DuplicateTransition,
            format!(
                "{} transitions join '{}' to '{}'; merge them into one",
                ts.len(),
                t.from,
                t.to
            ),
            vec![t.from.to_string(), t.to.to_string()],
            ts.iter().map(|&t| label(t)).collect(),
        ));
    }
    problems
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn quoted(keys: &[String]) -> String {
    keys.iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathway::{PathwayMap, StepInput, TransitionInput};
    use crate::values::{Handoff, StepKind, ValueClass};

    fn step(key: &str, kind: StepKind) -> crate::Step {
        StepInput {
            key: key.into(),
            name: key.into(),
            kind,
            organisation: "RX1".into(),
            site: None,
            activity_code: None,
            touch_minutes: 1.0,
            value_class: ValueClass::Necessary,
            waste_kinds: vec![],
            data_items: vec![],
            capacity_per_day: None,
            percent_complete_accurate: None,
            servers: None,
            service_time: None,
            schedule: Vec::new(),
            queue_capacity: None,
        }
        .parse()
        .unwrap()
    }

    fn tr(from: &str, to: &str, p: Option<f64>) -> crate::Transition {
        TransitionInput {
            from: from.into(),
            to: to.into(),
            probability: p,
            wait_minutes: 0.0,
            handoff: Handoff::Internal,
            delay: None,
        }
        .parse()
        .unwrap()
    }

    /// `spec` is "key:KIND ..." and edges "a>b" or "a>b@0.3".
    fn map(steps: &str, edges: &str) -> PathwayMap {
        let steps = steps
            .split_whitespace()
            .map(|s| {
                let (k, kind) = s.split_once(':').unwrap();
                step(k, kind.parse().unwrap())
            })
            .collect();
        let transitions = edges
            .split_whitespace()
            .map(|e| {
                let (pair, p) = match e.split_once('@') {
                    Some((pair, p)) => (pair, Some(p.parse().unwrap())),
                    None => (e, None),
                };
                let (a, b) = pair.split_once('>').unwrap();
                tr(a, b, p)
            })
            .collect();
        PathwayMap::new(steps, transitions).unwrap()
    }

    fn codes(map: &PathwayMap) -> Vec<ProblemCode> {
        validate(map).into_iter().map(|p| p.code).collect()
    }

    #[test]
    fn a_valid_pathway_with_a_rework_loop_has_no_problems() {
        let m = map(
            "s:START a:ACTIVITY d:DECISION e:END",
            "s>a a>d d>a@0.2 d>e@0.8",
        );
        assert_eq!(validate(&m), vec![]);
    }

    #[test]
    fn missing_start() {
        let m = map("a:ACTIVITY e:END", "a>e");
        assert_eq!(codes(&m), [ProblemCode::MissingStart]);
    }

    #[test]
    fn multiple_starts() {
        let m = map("s:START t:START e:END", "s>e t>e");
        let problems = validate(&m);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, ProblemCode::MultipleStarts);
        assert_eq!(problems[0].steps, ["s", "t"]);
    }

    #[test]
    fn missing_end() {
        let m = map("s:START a:ACTIVITY", "s>a a>s");
        assert!(codes(&m).contains(&ProblemCode::MissingEnd));
    }

    #[test]
    fn end_has_outgoing() {
        let m = map("s:START e:END f:END", "s>e e>f");
        let p = validate(&m);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, ProblemCode::EndHasOutgoing);
        assert_eq!(p[0].transitions, ["e->f"]);
    }

    #[test]
    fn dead_end() {
        let m = map("s:START a:ACTIVITY b:ACTIVITY e:END", "s>a@0.5 s>b@0.5 a>e");
        let p = validate(&m);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].code, ProblemCode::DeadEnd);
        assert_eq!(p[0].steps, ["b"]);
    }

    #[test]
    fn unreachable_step() {
        let m = map("s:START a:ACTIVITY e:END", "s>e a>e");
        let p = validate(&m);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].code, ProblemCode::UnreachableStep);
        assert_eq!(p[0].steps, ["a"]);
    }

    #[test]
    fn no_path_to_end_upstream_of_a_closed_loop() {
        // x leads only into the closed loop a<->b, so x cannot finish either.
        let m = map(
            "s:START x:ACTIVITY a:ACTIVITY b:ACTIVITY e:END",
            "s>x@0.5 s>e@0.5 x>a a>b b>a",
        );
        assert_eq!(
            codes(&m),
            [ProblemCode::LoopWithoutExit, ProblemCode::NoPathToEnd]
        );
        let p = validate(&m);
        assert_eq!(p[0].steps, ["a", "b"]);
        assert_eq!(p[1].steps, ["x"]);
    }

    #[test]
    fn loop_without_exit_includes_a_self_loop() {
        let m = map("s:START a:ACTIVITY e:END", "s>a@0.5 s>e@0.5 a>a");
        let p = validate(&m);
        assert_eq!(codes(&m), [ProblemCode::LoopWithoutExit]);
        assert_eq!(p[0].steps, ["a"]);
    }

    #[test]
    fn missing_probability_beside_other_ways_out() {
        let m = map("s:START a:ACTIVITY e:END", "s>a@0.5 s>e a>e");
        let p = validate(&m);
        assert_eq!(codes(&m), [ProblemCode::MissingProbability]);
        assert_eq!(p[0].transitions, ["s->e"]);
    }

    #[test]
    fn probabilities_must_sum_to_one_within_tolerance() {
        let m = map("s:START a:ACTIVITY e:END", "s>a@0.5 s>e@0.4 a>e");
        let p = validate(&m);
        assert_eq!(codes(&m), [ProblemCode::ProbabilitySum]);
        assert!(p[0].message.contains("0.9"), "{}", p[0].message);
        let ok = map(
            "s:START a:ACTIVITY e:END",
            "s>a@0.3333333 s>e@0.6666667 a>e",
        );
        assert_eq!(validate(&ok), vec![]);
        let single = map("s:START e:END", "s>e@0.7");
        assert_eq!(codes(&single), [ProblemCode::ProbabilitySum]);
    }

    #[test]
    fn duplicate_transition() {
        let m = map("s:START e:END", "s>e@0.5 s>e@0.5");
        let p = validate(&m);
        assert_eq!(codes(&m), [ProblemCode::DuplicateTransition]);
        assert_eq!(p[0].transitions, ["s->e", "s->e"]);
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let m = map("a:ACTIVITY b:ACTIVITY", "a>b@0.5");
        let c = codes(&m);
        assert!(c.contains(&ProblemCode::MissingStart));
        assert!(c.contains(&ProblemCode::MissingEnd));
        assert!(c.contains(&ProblemCode::DeadEnd));
        assert!(c.contains(&ProblemCode::ProbabilitySum));
    }

    #[test]
    fn every_problem_code_has_a_distinct_name() {
        let mut names: Vec<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ProblemCode::ALL.len());
    }
}
