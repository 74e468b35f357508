//! Suggesting a family of measures for a change (IHI's outcome, process and balancing
//! measures), each a ready definition over the pathway's event log with its reason in plain
//! English: what a team should chart to know whether the change worked, and what it broke.
//!
//! The change's target is read from what it edits: the transitions and steps its change set
//! names, or the steps of the hotspot it answers. Only steps with activity codes can be measured
//! from a log; a target without them gets no process measure.

use crate::events::log_measure::{LogMeasureDefinition, LogStatistic, Period, TimeUnit};
use crate::pathway::PathwayMap;
use crate::values::ImprovementDirection as Direction;
use crate::values::StepKind;
use crate::whatif::Change;
use serde::Serialize;

/// Which of the three kinds of measure a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MeasureFamily {
    /// Does the pathway do better for patients (end to end)?
    Outcome,
    /// Is the part the change targets doing what was planned?
    Process,
    /// Has something else got worse?
    Balancing,
}

/// One suggested measure, ready to add from the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedMeasure {
    pub family: MeasureFamily,
    pub name: String,
    /// Why this measure, in plain English.
    pub reason: String,
    pub definition: LogMeasureDefinition,
    /// The way the measure should move if the change works (for balancing measures: the way
    /// that would be bad news is the other one).
    pub direction: Direction,
}

/// What a change touches: transitions (from, to) and steps, by index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub transitions: Vec<(usize, usize)>,
    pub steps: Vec<usize>,
}

impl Target {
    /// The target of a change set and the hotspot steps it answers (keys the map does not have
    /// are left out). O(changes × S).
    pub fn of(map: &PathwayMap, changes: &[Change], hotspot_steps: &[String]) -> Self {
        let find = |key: &str| map.steps.iter().position(|s| s.key.as_str() == key);
        let mut target = Target::default();
        let transition = |from: &str, to: &str, target: &mut Target| {
            if let (Some(a), Some(b)) = (find(from), find(to))
                && !target.transitions.contains(&(a, b))
            {
                target.transitions.push((a, b));
            }
        };
        for change in changes {
            match change {
                Change::SetWaitMinutes { from, to, .. } | Change::SetDelay { from, to, .. } => {
                    transition(from, to, &mut target)
                }
                Change::RemoveStep { step }
                | Change::SetTouchMinutes { step, .. }
                | Change::SetProbabilities { step, .. }
                | Change::SetCapacity { step, .. }
                | Change::MoveStep { step, .. }
                | Change::SetServers { step, .. }
                | Change::SetSchedule { step, .. }
                | Change::SetServiceTime { step, .. } => {
                    if let Some(s) = find(step)
                        && !target.steps.contains(&s)
                    {
                        target.steps.push(s);
                    }
                }
                Change::MergeDuplicate { first, second } => {
                    for key in [first, second] {
                        if let Some(s) = find(key)
                            && !target.steps.contains(&s)
                        {
                            target.steps.push(s);
                        }
                    }
                }
            }
        }
        // A hotspot of two steps joined by a transition (a hand-off, a wait) is that transition.
        let hot: Vec<usize> = hotspot_steps.iter().filter_map(|k| find(k)).collect();
        if let [a, b] = hot[..]
            && map
                .transitions
                .iter()
                .any(|t| t.from == map.steps[a].key && t.to == map.steps[b].key)
        {
            transition(
                map.steps[a].key.as_str(),
                map.steps[b].key.as_str(),
                &mut target,
            );
        } else {
            for s in hot {
                if !target.steps.contains(&s) {
                    target.steps.push(s);
                }
            }
        }
        target
    }
}

/// The outcome, process and balancing measures for a change aimed at `target`: outcome, the
/// time from the pathway's first recorded step to its last; process, the wait along each
/// targeted transition (or before each targeted step); balancing, the wait after the change
/// downstream, the rate of every rework loop downstream, and the share of patients taking the
/// other ways out of a targeted transition's step. With the pathway's target lead time (in
/// minutes), the outcome family also has the share of patients whose journey is within it.
/// Only steps with activity codes are used. O(S · T).
pub fn suggest_measures(
    map: &PathwayMap,
    target: &Target,
    lead_time_target_minutes: Option<f64>,
) -> Vec<SuggestedMeasure> {
    let code = |s: usize| map.steps[s].activity_code.clone();
    let name = |s: usize| map.steps[s].name.clone();
    let index = map.index_by_key();
    let edges: Vec<(usize, usize, f64)> = (map.transitions.iter())
        .zip(map.effective_probabilities())
        .filter_map(|(t, p)| Some((*index.get(&t.from)?, *index.get(&t.to)?, p.unwrap_or(0.0))))
        .collect();
    let measure = |from: usize, to: usize, statistic: LogStatistic, unit: TimeUnit| {
        Some(LogMeasureDefinition {
            from_activity: code(from)?,
            from_organisation: None,
            to_activity: code(to)?,
            to_organisation: None,
            statistic,
            period: Period::Week,
            unit,
            target_minutes: None,
        })
    };
    let mut out = Vec::new();

    // Outcome: first recorded step to the last one before an END.
    let start = map.steps.iter().position(|s| s.kind == StepKind::Start);
    let first = start.and_then(|s| first_coded(map, &edges, s));
    let last = (edges.iter())
        .filter(|(a, b, _)| map.steps[*b].kind == StepKind::End && code(*a).is_some())
        .map(|(a, _, _)| *a)
        .next();
    if let (Some(first), Some(last)) = (first, last)
        && first != last
        && let Some(definition) = measure(first, last, LogStatistic::MedianTime, TimeUnit::Days)
    {
        out.push(SuggestedMeasure {
            family: MeasureFamily::Outcome,
            name: format!("Median days from {} to {}", name(first), name(last)),
            reason: format!(
                "The patient's whole journey, {} to {}: if the change works it should be shorter end to end, not just moved elsewhere.",
                name(first),
                name(last)
            ),
            definition,
            direction: Direction::Decrease,
        });
        if let Some(minutes) = lead_time_target_minutes
            && let Some(definition) = measure(
                first,
                last,
                LogStatistic::PercentWithinTarget,
                TimeUnit::Hours,
            )
        {
            out.push(SuggestedMeasure {
                family: MeasureFamily::Outcome,
                name: format!(
                    "% from {} to {} within {}",
                    name(first),
                    name(last),
                    spoken(minutes)
                ),
                reason: format!(
                    "The share of patients whose journey from {} to {} meets the pathway's target of {}: the figure the standard is judged by.",
                    name(first),
                    name(last),
                    spoken(minutes)
                ),
                definition: LogMeasureDefinition {
                    target_minutes: Some(minutes),
                    ..definition
                },
                direction: Direction::Increase,
            });
        }
    }

    // Process: each targeted transition, and the wait before each targeted step.
    let mut processed: Vec<(usize, usize)> = target.transitions.clone();
    for &s in &target.steps {
        if let Some(&(a, _, _)) = (edges.iter())
            .filter(|(a, b, _)| *b == s && *a != s && code(*a).is_some())
            .max_by(|x, y| x.2.total_cmp(&y.2))
            && !processed.contains(&(a, s))
        {
            processed.push((a, s));
        }
    }
    for &(a, b) in &processed {
        if let Some(definition) = measure(a, b, LogStatistic::MedianTime, TimeUnit::Hours) {
            out.push(SuggestedMeasure {
                family: MeasureFamily::Process,
                name: format!("Median hours from {} to {}", name(a), name(b)),
                reason: format!(
                    "The part the change targets: the wait from {} to {} should fall first and most.",
                    name(a),
                    name(b)
                ),
                definition,
                direction: Direction::Decrease,
            });
        }
    }

    // Balancing: what could get worse downstream of the change.
    let ends: Vec<usize> = (processed.iter().map(|&(_, b)| b))
        .chain(target.steps.iter().copied())
        .collect();
    let mut seen = Vec::new();
    for &t in &ends {
        if let Some(&(_, next, _)) = (edges.iter())
            .filter(|(a, b, _)| *a == t && *b != t && code(*b).is_some())
            .max_by(|x, y| x.2.total_cmp(&y.2))
            && !seen.contains(&(t, next))
            && !processed.contains(&(t, next))
            && let Some(definition) = measure(t, next, LogStatistic::MedianTime, TimeUnit::Hours)
        {
            seen.push((t, next));
            out.push(SuggestedMeasure {
                family: MeasureFamily::Balancing,
                name: format!("Median hours from {} to {}", name(t), name(next)),
                reason: format!(
                    "Downstream of the change: patients moved on faster may now wait at {} instead.",
                    name(next)
                ),
                definition,
                direction: Direction::Decrease,
            });
        }
    }
    // Rework loops after the change: a way back from a step downstream to one it came from.
    let downstream = reachable(&edges, &ends);
    for &(a, b, _) in &edges {
        let back = downstream[a] && reaches(&edges, b, a);
        if back
            && !seen.contains(&(a, b))
            && let Some(definition) = measure(a, b, LogStatistic::PercentReaching, TimeUnit::Hours)
        {
            seen.push((a, b));
            out.push(SuggestedMeasure {
                family: MeasureFamily::Balancing,
                name: format!("% of patients back to {} after {}", name(b), name(a)),
                reason: format!(
                    "A rework loop after the change: if faster care is less complete, more patients go from {} back to {}.",
                    name(a),
                    name(b)
                ),
                definition,
                direction: Direction::Decrease,
            });
        }
    }
    // The other ways out of a targeted transition's step.
    for &(a, b) in &target.transitions {
        for &(x, other, _) in &edges {
            if x == a
                && other != b
                && other != a
                && !seen.contains(&(a, other))
                && let Some(definition) =
                    measure(a, other, LogStatistic::PercentReaching, TimeUnit::Hours)
            {
                seen.push((a, other));
                out.push(SuggestedMeasure {
                    family: MeasureFamily::Balancing,
                    name: format!("% of patients from {} to {}", name(a), name(other)),
                    reason: format!(
                        "The other way out of {}: a change to the way to {} may send more or fewer patients to {}.",
                        name(a),
                        name(b),
                        name(other)
                    ),
                    definition,
                    direction: Direction::Neutral,
                });
            }
        }
    }
    out
}

/// The first step with an activity code on the most likely way from `start`. O(S · T).
fn first_coded(map: &PathwayMap, edges: &[(usize, usize, f64)], start: usize) -> Option<usize> {
    let mut at = start;
    for _ in 0..map.steps.len() {
        if map.steps[at].activity_code.is_some() {
            return Some(at);
        }
        at = (edges.iter())
            .filter(|(a, _, _)| *a == at)
            .max_by(|x, y| x.2.total_cmp(&y.2))?
            .1;
    }
    None
}

/// Which steps can be reached from any of `from` (themselves included). O(S + T) per step.
fn reachable(edges: &[(usize, usize, f64)], from: &[usize]) -> Vec<bool> {
    let n = edges
        .iter()
        .map(|e| e.0.max(e.1) + 1)
        .chain(from.iter().map(|&s| s + 1))
        .max()
        .unwrap_or(0);
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = from.to_vec();
    while let Some(s) = stack.pop() {
        if std::mem::replace(&mut seen[s], true) {
            continue;
        }
        stack.extend(edges.iter().filter(|e| e.0 == s).map(|e| e.1));
    }
    seen
}

/// A target time as people say it: "36 hours", "62 days", "90 minutes".
fn spoken(minutes: f64) -> String {
    let round = |x: f64| {
        if (x - x.round()).abs() < 1e-9 {
            format!("{}", x.round())
        } else {
            format!("{x:.1}")
        }
    };
    if minutes >= 2.0 * 1440.0 && (minutes / 1440.0).fract() == 0.0 {
        format!("{} days", round(minutes / 1440.0))
    } else if minutes >= 120.0 {
        format!("{} hours", round(minutes / 60.0))
    } else {
        format!("{} minutes", round(minutes))
    }
}

/// Whether `to` can be reached from `from`. O(S + T).
fn reaches(edges: &[(usize, usize, f64)], from: usize, to: usize) -> bool {
    reachable(edges, &[from]).get(to).copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PathwayDocument;

    fn hip_fracture() -> PathwayMap {
        PathwayDocument::from_json(
            serde_json::from_str(include_str!("../../api/src/demo/hip_fracture.json")).unwrap(),
        )
        .unwrap()
        .parse()
        .unwrap()
        .map
    }

    #[test]
    fn the_demo_change_idea_gets_outcome_process_and_balancing_measures() {
        let map = hip_fracture();
        let changes = [Change::SetWaitMinutes {
            from: "ortho_clerk".into(),
            to: "surgery".into(),
            minutes: 840.0,
        }];
        let target = Target::of(&map, &changes, &[]);
        let found = suggest_measures(&map, &target, None);
        let of = |family| found.iter().filter(move |m| m.family == family);
        let outcome: Vec<_> = of(MeasureFamily::Outcome).collect();
        assert_eq!(outcome.len(), 1);
        assert_eq!(outcome[0].definition.from_activity, "AMB_CALL");
        assert_eq!(outcome[0].definition.to_activity, "DISCH_PLAN");
        let process: Vec<_> = of(MeasureFamily::Process).collect();
        assert_eq!(process.len(), 1);
        let d = &process[0].definition;
        assert_eq!(
            (d.from_activity.as_str(), d.to_activity.as_str()),
            ("ORTHO_CLERK", "SURG_HIP")
        );
        assert_eq!(d.statistic, LogStatistic::MedianTime);
        let balancing: Vec<(&str, &str, LogStatistic)> = of(MeasureFamily::Balancing)
            .map(|m| {
                let d = &m.definition;
                (
                    d.from_activity.as_str(),
                    d.to_activity.as_str(),
                    d.statistic,
                )
            })
            .collect();
        // Downstream: the wait after surgery, and the community rehab → ward loop after it (not
        // the X-ray loop, which is before the change).
        assert!(balancing.contains(&("SURG_HIP", "WARD_REHAB", LogStatistic::MedianTime)));
        assert!(balancing.contains(&("COMM_REHAB", "WARD_REHAB", LogStatistic::PercentReaching)));
        assert!(!balancing.iter().any(|b| b.0 == "XR_REVIEW"));
        for m in &found {
            assert!(m.definition.check().is_ok(), "{m:?}");
            assert!(!m.reason.is_empty());
        }
    }

    #[test]
    fn a_hotspot_of_two_joined_steps_is_their_transition_and_branches_are_balanced() {
        let map = hip_fracture();
        let target = Target::of(&map, &[], &["image_ok".into(), "ortho_clerk".into()]);
        assert_eq!(target.transitions.len(), 1);
        let found = suggest_measures(&map, &target, None);
        let branch = found
            .iter()
            .find(|m| {
                m.definition.statistic == LogStatistic::PercentReaching
                    && m.definition.from_activity == "XR_REVIEW"
                    && m.definition.to_activity == "XR_HIP"
            })
            .expect("the other way out of the X-ray review");
        assert_eq!(branch.family, MeasureFamily::Balancing);
        // Nothing to measure for a target without activity codes.
        let end = Target::of(&map, &[], &["home".into()]);
        assert!(
            suggest_measures(&map, &end, None)
                .iter()
                .all(|m| m.family != MeasureFamily::Process)
        );
    }

    #[test]
    fn a_pathway_with_a_target_lead_time_is_suggested_the_share_within_it() {
        let map = hip_fracture();
        let target = Target::of(&map, &[], &["image_ok".into(), "ortho_clerk".into()]);
        let without = suggest_measures(&map, &target, None);
        assert!(
            !without
                .iter()
                .any(|m| m.definition.statistic == LogStatistic::PercentWithinTarget)
        );
        let with = suggest_measures(&map, &target, Some(36.0 * 60.0));
        let within: Vec<_> = with
            .iter()
            .filter(|m| m.definition.statistic == LogStatistic::PercentWithinTarget)
            .collect();
        assert_eq!(within.len(), 1);
        let m = within[0];
        assert_eq!(m.family, MeasureFamily::Outcome);
        assert_eq!(m.direction, Direction::Increase);
        assert_eq!(m.definition.target_minutes, Some(2160.0));
        assert_eq!(
            (
                m.definition.from_activity.as_str(),
                m.definition.to_activity.as_str()
            ),
            ("AMB_CALL", "DISCH_PLAN")
        );
        assert!(m.name.ends_with("within 36 hours"), "{}", m.name);
        assert!(m.definition.check().is_ok());
        assert_eq!(spoken(62.0 * 1440.0), "62 days");
        assert_eq!(spoken(90.0), "90 minutes");
        assert_eq!(spoken(150.0), "2.5 hours");
    }
}
