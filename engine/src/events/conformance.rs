//! Checking the map against reality: which moves patients made that the pathway map allows,
//! which it does not, which activities the map does not know and which steps were skipped.
//!
//! Log events match steps by the step's `activityCode` and, where several steps share a code
//! (the same assessment done in two organisations), by the event's organisation too. Steps
//! without a code (typically END steps) are silent: a move may pass through them. Only
//! completion events count (a `start` event opens the same activity), so logs with start and
//! complete events are read as one visit per activity instance.

use super::{EventLog, Lifecycle, NO_ORGANISATION};
use crate::pathway::PathwayMap;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::VecDeque;

/// One visit to a step: from its first event to its completion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Visit {
    pub step: usize,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Whether both a start and a completion event were seen (so the touch time is known).
    pub timed: bool,
}

/// How the events of a step were matched to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchedBy {
    /// The step is the only one with its activity code.
    Activity,
    /// Several steps share the code; each event's organisation says which.
    ActivityAndOrganisation,
}

/// How the log's events were matched to one step with an activity code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepMatch {
    pub step: String,
    pub activity_code: String,
    pub matched_by: MatchedBy,
    /// Events matched to the step.
    pub events: u64,
    /// Of those, events of a shared code whose organisation did not say which step (none, or
    /// one no step with the code belongs to): they went to the first such step in the map.
    pub guessed_events: u64,
}

/// The log's events matched to the map's steps.
pub(crate) struct Matching {
    /// For each log activity number, the step it matches: the only one with the code, or the
    /// first of those sharing it (for events whose organisation does not say which).
    first: Vec<Option<usize>>,
    /// For an activity whose code several steps share, the step of each log organisation (by
    /// its number in the log) that does one of them.
    shared: Vec<Option<FxHashMap<u32, usize>>>,
}

impl Matching {
    /// O(steps + activities × organisations of the log).
    pub fn new(log: &EventLog, map: &PathwayMap) -> Self {
        let mut by_code: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, s) in map.steps.iter().enumerate() {
            if let Some(code) = s.activity_code.as_deref() {
                by_code.entry(code).or_default().push(i);
            }
        }
        let names = log.activities();
        let organisations = log.organisations();
        let mut first = Vec::with_capacity(names.len());
        let mut shared = Vec::with_capacity(names.len());
        for a in 0..names.len() as u32 {
            let steps = by_code.get(names.name(a)).map_or(&[][..], Vec::as_slice);
            first.push(steps.first().copied());
            shared.push((steps.len() > 1).then(|| {
                (0..organisations.len() as u32)
                    .filter_map(|o| {
                        let name = organisations.name(o).trim();
                        let step = steps.iter().find(|&&s| {
                            map.steps[s]
                                .organisation
                                .as_str()
                                .eq_ignore_ascii_case(name)
                        })?;
                        Some((o, *step))
                    })
                    .collect()
            }));
        }
        Self { first, shared }
    }

    /// The step an event of `activity` at `organisation` (a log organisation number, or
    /// [`NO_ORGANISATION`]) matches, and whether that was a guess (a shared code, and an
    /// organisation that does not say which step). O(1) expected.
    pub fn step(&self, activity: u32, organisation: u32) -> Option<(usize, bool)> {
        let first = self.first[activity as usize]?;
        let Some(by_organisation) = &self.shared[activity as usize] else {
            return Some((first, false));
        };
        if organisation == NO_ORGANISATION {
            return Some((first, true));
        }
        Some(match by_organisation.get(&organisation) {
            Some(&s) => (s, false),
            None => (first, true),
        })
    }

    /// The visits of one case in order, folding each `start` event into the completion of the
    /// same step that follows it; unknown activities and other lifecycle events are left out.
    /// O(events of the case).
    pub fn visits(&self, case: super::CaseEvents<'_>, out: &mut Vec<Visit>) {
        out.clear();
        let mut open: Option<Visit> = None;
        for i in 0..case.len() {
            let Some((step, _)) = self.step(case.activity[i], case.organisation[i]) else {
                continue;
            };
            let t = case.time_ms[i];
            match case.lifecycle[i] {
                Lifecycle::Start => {
                    if let Some(v) = open.take() {
                        out.push(v);
                    }
                    open = Some(Visit {
                        step,
                        start_ms: t,
                        end_ms: t,
                        timed: false,
                    });
                }
                Lifecycle::Complete | Lifecycle::Unspecified => match open.take() {
                    Some(v) if v.step == step => out.push(Visit {
                        end_ms: t,
                        timed: true,
                        ..v
                    }),
                    other => {
                        if let Some(v) = other {
                            out.push(v);
                        }
                        out.push(Visit {
                            step,
                            start_ms: t,
                            end_ms: t,
                            timed: false,
                        });
                    }
                },
                Lifecycle::Other => {}
            }
        }
        if let Some(v) = open {
            out.push(v);
        }
    }
}

/// How one case compares with the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseConformance {
    pub allowed_moves: u32,
    pub disallowed_moves: u32,
    pub unknown_events: u32,
    pub skipped_steps: u32,
}

impl CaseConformance {
    /// A case fits when every move is allowed and every activity is known.
    pub fn fits(&self) -> bool {
        self.disallowed_moves == 0 && self.unknown_events == 0
    }
}

/// A log activity with no matching step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownActivity {
    pub activity: String,
    pub events: u64,
    pub cases: u64,
}

/// A step patients went past without it being recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedStep {
    pub step: String,
    pub name: String,
    pub cases: u64,
}

/// A move between two steps as seen in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepMove {
    pub from: String,
    pub to: String,
    pub count: u64,
    pub cases: u64,
}

/// The whole log against the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conformance {
    pub cases: u64,
    pub moves: u64,
    pub allowed_moves: u64,
    /// Share of moves the map allows (1 when there are none).
    pub fitness: f64,
    pub fitting_cases: u64,
    /// Share of cases that fit entirely.
    pub fitting_case_share: f64,
    pub unknown_activities: Vec<UnknownActivity>,
    pub skipped_steps: Vec<SkippedStep>,
    /// Moves seen in the log between steps the map does not join (step keys), most first.
    pub missing_transitions: Vec<StepMove>,
    /// Map transitions with how often the log took them directly, in map order.
    pub transition_counts: Vec<StepMove>,
    /// Map transitions never taken (step keys), in map order.
    pub unseen_transitions: Vec<StepMove>,
    /// How the log's events were matched to each step with an activity code, in map order.
    pub step_matching: Vec<StepMatch>,
    /// Per case, in the log's case order: patient-level, so never sent to API clients.
    #[serde(skip)]
    pub per_case: Vec<CaseConformance>,
}

/// Steps reachable from a step passing only through silent steps (no activity code).
fn visible_successors(map: &PathwayMap, out: &[Vec<usize>], from: usize) -> FxHashSet<usize> {
    let mut found = FxHashSet::default();
    let mut seen = FxHashSet::default();
    let mut stack = vec![from];
    while let Some(s) = stack.pop() {
        for &t in &out[s] {
            if !seen.insert(t) {
                continue;
            }
            if map.steps[t].activity_code.is_some() {
                found.insert(t);
            } else {
                stack.push(t);
            }
        }
    }
    found
}

/// The visible steps strictly between `from` and `to` on a shortest path of the map, if `to`
/// can be reached at all.
fn skipped_between(
    map: &PathwayMap,
    out: &[Vec<usize>],
    from: usize,
    to: usize,
) -> Option<Vec<usize>> {
    let mut parent = vec![usize::MAX; map.steps.len()];
    let mut queue = VecDeque::from([from]);
    parent[from] = from;
    while let Some(s) = queue.pop_front() {
        for &t in &out[s] {
            if parent[t] != usize::MAX {
                continue;
            }
            parent[t] = s;
            if t == to {
                let mut path = Vec::new();
                let mut at = parent[to];
                while at != from {
                    if map.steps[at].activity_code.is_some() {
                        path.push(at);
                    }
                    at = parent[at];
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(t);
        }
    }
    None
}

/// Replays every case over the map. Linear in the events, plus one search of the map per
/// distinct pair of steps the map does not join: O(n + P·(S + T)).
pub fn conformance(log: &EventLog, map: &PathwayMap) -> Conformance {
    let matching = Matching::new(log, map);
    let index = map.index_by_key();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); map.steps.len()];
    let mut transition_of: FxHashMap<(usize, usize), usize> = FxHashMap::default();
    for (i, t) in map.transitions.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (index.get(&t.from), index.get(&t.to)) {
            out[a].push(b);
            transition_of.entry((a, b)).or_insert(i);
        }
    }
    let mut successors: Vec<Option<FxHashSet<usize>>> = vec![None; map.steps.len()];
    let mut skipped_memo: FxHashMap<(usize, usize), Option<Vec<usize>>> = FxHashMap::default();

    let names = log.activities();
    let mut unknown_events = vec![0u64; names.len()];
    let mut unknown_cases = vec![0u64; names.len()];
    let mut unknown_stamp = vec![usize::MAX; names.len()];
    let mut skipped_cases = vec![0u64; map.steps.len()];
    let mut skipped_stamp = vec![usize::MAX; map.steps.len()];
    let mut transition_counts = vec![(0u64, 0u64, usize::MAX); map.transitions.len()];
    let mut missing: FxHashMap<(usize, usize), (u64, u64, usize)> = FxHashMap::default();
    let mut per_case = Vec::with_capacity(log.case_count());
    let mut visits = Vec::new();

    // Events and guessed events per step.
    let mut matched = vec![(0u64, 0u64); map.steps.len()];
    for (c, case) in log.cases().enumerate() {
        let mut result = CaseConformance::default();
        for (&a, &o) in case.activity.iter().zip(case.organisation) {
            if let Some((step, guessed)) = matching.step(a, o) {
                matched[step].0 += 1;
                matched[step].1 += u64::from(guessed);
            } else {
                result.unknown_events += 1;
                unknown_events[a as usize] += 1;
                if unknown_stamp[a as usize] != c {
                    unknown_stamp[a as usize] = c;
                    unknown_cases[a as usize] += 1;
                }
            }
        }
        matching.visits(case, &mut visits);
        for w in visits.windows(2) {
            let (a, b) = (w[0].step, w[1].step);
            let allowed = successors[a]
                .get_or_insert_with(|| visible_successors(map, &out, a))
                .contains(&b);
            let count = |slot: &mut (u64, u64, usize)| {
                slot.0 += 1;
                if slot.2 != c {
                    slot.2 = c;
                    slot.1 += 1;
                }
            };
            if allowed {
                result.allowed_moves += 1;
                if let Some(&t) = transition_of.get(&(a, b)) {
                    count(&mut transition_counts[t]);
                }
                continue;
            }
            result.disallowed_moves += 1;
            count(missing.entry((a, b)).or_insert((0, 0, usize::MAX)));
            let skipped = skipped_memo
                .entry((a, b))
                .or_insert_with(|| skipped_between(map, &out, a, b));
            for &s in skipped.iter().flatten() {
                result.skipped_steps += 1;
                if skipped_stamp[s] != c {
                    skipped_stamp[s] = c;
                    skipped_cases[s] += 1;
                }
            }
        }
        per_case.push(result);
    }

    let moves: u64 = per_case
        .iter()
        .map(|r| (r.allowed_moves + r.disallowed_moves) as u64)
        .sum();
    let allowed_moves: u64 = per_case.iter().map(|r| r.allowed_moves as u64).sum();
    let fitting_cases = per_case.iter().filter(|r| r.fits()).count() as u64;
    let cases = per_case.len() as u64;
    let key = |s: usize| map.steps[s].key.to_string();

    let mut unknown_activities: Vec<UnknownActivity> = (0..names.len())
        .filter(|&a| unknown_events[a] > 0)
        .map(|a| UnknownActivity {
            activity: names.name(a as u32).to_string(),
            events: unknown_events[a],
            cases: unknown_cases[a],
        })
        .collect();
    unknown_activities.sort_by(|x, y| {
        y.cases
            .cmp(&x.cases)
            .then_with(|| x.activity.cmp(&y.activity))
    });
    let mut skipped_steps: Vec<SkippedStep> = (0..map.steps.len())
        .filter(|&s| skipped_cases[s] > 0)
        .map(|s| SkippedStep {
            step: key(s),
            name: map.steps[s].name.clone(),
            cases: skipped_cases[s],
        })
        .collect();
    skipped_steps.sort_by(|x, y| y.cases.cmp(&x.cases).then_with(|| x.step.cmp(&y.step)));
    let mut missing_transitions: Vec<StepMove> = missing
        .into_iter()
        .map(|((a, b), (count, cases, _))| StepMove {
            from: key(a),
            to: key(b),
            count,
            cases,
        })
        .collect();
    missing_transitions.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then_with(|| (&x.from, &x.to).cmp(&(&y.from, &y.to)))
    });
    let transition_counts: Vec<StepMove> = map
        .transitions
        .iter()
        .zip(&transition_counts)
        .map(|(t, (count, cases, _))| StepMove {
            from: t.from.to_string(),
            to: t.to.to_string(),
            count: *count,
            cases: *cases,
        })
        .collect();
    let unseen_transitions = transition_counts
        .iter()
        .filter(|m| m.count == 0)
        .cloned()
        .collect();
    let share = |x: u64, of: u64| if of == 0 { 1.0 } else { x as f64 / of as f64 };
    let mut steps_with_code: FxHashMap<&str, usize> = FxHashMap::default();
    for code in map.steps.iter().filter_map(|s| s.activity_code.as_deref()) {
        *steps_with_code.entry(code).or_insert(0) += 1;
    }
    let step_matching = map
        .steps
        .iter()
        .zip(&matched)
        .filter_map(|(step, &(events, guessed_events))| {
            let code = step.activity_code.as_deref()?;
            Some(StepMatch {
                step: step.key.to_string(),
                activity_code: code.to_string(),
                matched_by: if steps_with_code[code] > 1 {
                    MatchedBy::ActivityAndOrganisation
                } else {
                    MatchedBy::Activity
                },
                events,
                guessed_events,
            })
        })
        .collect();

    Conformance {
        cases,
        moves,
        allowed_moves,
        fitness: share(allowed_moves, moves),
        fitting_cases,
        fitting_case_share: share(fitting_cases, cases),
        unknown_activities,
        skipped_steps,
        missing_transitions,
        transition_counts,
        unseen_transitions,
        step_matching,
        per_case,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::document::PathwayDocument;
    use crate::events::LogBuilder;

    /// start(S) → a(A) → b(B) → c(C) → end (silent), plus a → c directly.
    pub(crate) fn small_map() -> PathwayMap {
        let doc: PathwayDocument = serde_json::from_value(serde_json::json!({
            "name": "p", "owner": "RX8",
            "organisations": [{"odsCode": "RX8", "name": "Trust", "kind": "ACUTE_TRUST"}],
            "steps": [
                {"key": "s", "name": "Start", "kind": "START", "organisation": "RX8", "activityCode": "S"},
                {"key": "a", "name": "A", "kind": "ACTIVITY", "organisation": "RX8", "activityCode": "A", "touchMinutes": 5},
                {"key": "b", "name": "B", "kind": "ACTIVITY", "organisation": "RX8", "activityCode": "B", "touchMinutes": 5},
                {"key": "c", "name": "C", "kind": "ACTIVITY", "organisation": "RX8", "activityCode": "C", "touchMinutes": 5},
                {"key": "e", "name": "End", "kind": "END", "organisation": "RX8"}
            ],
            "transitions": [
                {"from": "s", "to": "a", "waitMinutes": 10},
                {"from": "a", "to": "b", "probability": 0.5, "waitMinutes": 10},
                {"from": "a", "to": "c", "probability": 0.5, "waitMinutes": 10},
                {"from": "b", "to": "c", "waitMinutes": 10},
                {"from": "c", "to": "e", "waitMinutes": 0}
            ]
        }))
        .unwrap();
        doc.parse().unwrap().map
    }

    fn log(cases: &[&[&str]]) -> EventLog {
        let mut b = LogBuilder::new();
        for (i, acts) in cases.iter().enumerate() {
            for (j, a) in acts.iter().enumerate() {
                b.push(
                    &format!("c{i}"),
                    a,
                    j as i64 * 60_000,
                    None,
                    Lifecycle::Unspecified,
                );
            }
        }
        b.build()
    }

    #[test]
    fn moves_unknown_activities_and_skipped_steps_worked_by_hand() {
        let map = small_map();
        // c0 fits: S→A, A→B, B→C.  c1: S→B is not allowed (A skipped), and X is unknown.
        // c2: A→C allowed; C→S is not, and S cannot be reached from C (nothing skipped).
        let log = log(&[
            &["S", "A", "B", "C"],
            &["S", "X", "B", "C"],
            &["S", "A", "C", "S"],
        ]);
        let r = conformance(&log, &map);
        assert_eq!(r.moves, 3 + 2 + 3);
        assert_eq!(r.allowed_moves, 3 + 1 + 2);
        assert!((r.fitness - 6.0 / 8.0).abs() < 1e-12);
        assert_eq!(r.fitting_cases, 1);
        assert_eq!(
            r.unknown_activities,
            [UnknownActivity {
                activity: "X".into(),
                events: 1,
                cases: 1
            }]
        );
        assert_eq!(r.skipped_steps.len(), 1);
        assert_eq!(
            (r.skipped_steps[0].step.as_str(), r.skipped_steps[0].cases),
            ("a", 1)
        );
        let missing: Vec<(&str, &str, u64)> = r
            .missing_transitions
            .iter()
            .map(|m| (m.from.as_str(), m.to.as_str(), m.count))
            .collect();
        assert_eq!(missing, [("c", "s", 1), ("s", "b", 1)]);
        // c→e is silent (never observed directly); s→a seen twice.
        let unseen: Vec<(&str, &str)> = r
            .unseen_transitions
            .iter()
            .map(|m| (m.from.as_str(), m.to.as_str()))
            .collect();
        assert_eq!(unseen, [("c", "e")]);
        assert_eq!(r.transition_counts[0].count, 2);
        assert_eq!(
            r.per_case[0],
            CaseConformance {
                allowed_moves: 3,
                ..Default::default()
            }
        );
    }

    #[test]
    fn start_and_complete_events_are_one_visit() {
        let map = small_map();
        let mut b = LogBuilder::new();
        for (a, t, l) in [
            ("S", 0, Lifecycle::Complete),
            ("A", 1, Lifecycle::Start),
            ("A", 2, Lifecycle::Complete),
            ("B", 3, Lifecycle::Unspecified),
        ] {
            b.push("c", a, t, None, l);
        }
        let r = conformance(&b.build(), &map);
        assert_eq!((r.moves, r.allowed_moves), (2, 2));
    }

    /// Issue 16: the same assessment in two organisations shares one code; matched by code only,
    /// every case's second assessment went to the first step and no case fitted.
    /// A stroke pathway with the same assessment (code ASSESS) in the acute trust and in rehab.
    fn two_assessments() -> PathwayMap {
        let doc: PathwayDocument = serde_json::from_value(serde_json::json!({
            "name": "stroke", "owner": "RX8",
            "organisations": [{"odsCode": "RX8", "name": "Acute", "kind": "ACUTE_TRUST"},
                              {"odsCode": "RYJ", "name": "Rehab", "kind": "COMMUNITY_TRUST"}],
            "steps": [
                {"key": "s", "name": "Arrive", "kind": "START", "organisation": "RX8", "activityCode": "ARRIVE"},
                {"key": "a1", "name": "Assess (acute)", "kind": "ACTIVITY", "organisation": "RX8", "activityCode": "ASSESS", "touchMinutes": 30},
                {"key": "t", "name": "Transfer", "kind": "ACTIVITY", "organisation": "RX8", "activityCode": "TRANSFER", "touchMinutes": 5},
                {"key": "a2", "name": "Assess (rehab)", "kind": "ACTIVITY", "organisation": "RYJ", "activityCode": "ASSESS", "touchMinutes": 30},
                {"key": "e", "name": "Home", "kind": "END", "organisation": "RYJ"}
            ],
            "transitions": [
                {"from": "s", "to": "a1", "waitMinutes": 10},
                {"from": "a1", "to": "t", "waitMinutes": 60},
                {"from": "t", "to": "a2", "waitMinutes": 600},
                {"from": "a2", "to": "e", "waitMinutes": 0}
            ]
        }))
        .unwrap();
        doc.parse().unwrap().map
    }

    #[test]
    fn steps_sharing_a_code_are_told_apart_by_the_events_organisation() {
        let map = two_assessments();
        let mut b = LogBuilder::new();
        let events = [
            ("ARRIVE", "RX8"),
            ("ASSESS", "RX8"),
            ("TRANSFER", "RX8"),
            ("ASSESS", "RYJ"),
        ];
        for case in ["c1", "c2", "c3"] {
            for (i, (activity, org)) in events.iter().enumerate() {
                b.push(
                    case,
                    activity,
                    i as i64 * 60_000,
                    Some(org),
                    Lifecycle::Unspecified,
                );
            }
        }
        // A fourth case names no organisation: its assessments are guessed to the first step.
        for (i, (activity, _)) in events.iter().enumerate() {
            b.push(
                "c4",
                activity,
                i as i64 * 60_000,
                None,
                Lifecycle::Unspecified,
            );
        }
        let log = b.build();
        let found = conformance(&log, &map);
        assert_eq!(found.fitting_cases, 3, "{:?}", found.missing_transitions);
        assert_eq!(found.missing_transitions.len(), 1);
        assert_eq!(
            (
                found.missing_transitions[0].from.as_str(),
                found.missing_transitions[0].to.as_str()
            ),
            ("t", "a1")
        );
        let by_step: Vec<(&str, MatchedBy, u64, u64)> = found
            .step_matching
            .iter()
            .map(|m| (m.step.as_str(), m.matched_by, m.events, m.guessed_events))
            .collect();
        assert_eq!(
            by_step,
            [
                ("s", MatchedBy::Activity, 4, 0),
                ("a1", MatchedBy::ActivityAndOrganisation, 5, 2),
                ("t", MatchedBy::Activity, 4, 0),
                ("a2", MatchedBy::ActivityAndOrganisation, 3, 0),
            ]
        );
        // Calibration reads the same matching: the transfer's wait into the rehab assessment.
        let calibration = crate::events::calibration::calibrate(&log, &map);
        let wait = calibration
            .values
            .iter()
            .find(|v| v.subject == "transition t → a2" && v.field == "waitMinutes")
            .unwrap_or_else(|| panic!("{:?}", calibration.values));
        assert_eq!((wait.old, wait.new, wait.cases), (600.0, 1.0, 3));
    }

    /// Issue 16: an export that names who did each event but not the organisation; a resource
    /// table gives each resource its organisation as the file is read.
    #[test]
    fn steps_sharing_a_code_are_told_apart_by_the_resources_organisation() {
        use crate::events::resources::ResourceOrganisations;
        let map = two_assessments();
        let mut csv = String::from("case_id,activity,timestamp,resource\n");
        for case in ["c1", "c2", "c3"] {
            for (minute, (activity, resource)) in [
                ("ARRIVE", "Paramedic"),
                ("ASSESS", "Dr Patel"),
                ("TRANSFER", "Porter"),
                ("ASSESS", "Rehab physio"),
            ]
            .iter()
            .enumerate()
            {
                csv.push_str(&format!(
                    "{case},{activity},2024-01-01T09:{minute:02}:00Z,{resource}\n"
                ));
            }
        }
        let read = |table: Option<ResourceOrganisations>| {
            let options = crate::events::ReadOptions {
                resource_organisations: table.map(std::sync::Arc::new),
                ..Default::default()
            };
            crate::events::read_log(csv.as_bytes(), &options).expect("reads")
        };
        // Without the table every assessment goes to the first step sharing the code.
        let (log, _) = read(None);
        assert_eq!(conformance(&log, &map).fitting_cases, 0);
        let table =
            ResourceOrganisations::parse("resource,organisation\nDr Patel,RX8\nRehab physio,RYJ\n")
                .expect("a table");
        let (log, report) = read(Some(table));
        let found = conformance(&log, &map);
        assert_eq!(found.fitting_cases, 3, "{:?}", found.missing_transitions);
        let reading = report.reading.expect("a reading");
        assert_eq!(reading.organisations_from_resources, 6);
        assert!(
            reading
                .describe()
                .contains("6 event(s) given their resource's organisation"),
            "{}",
            reading.describe()
        );
    }
}
