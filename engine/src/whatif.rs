//! What-if: apply a set of changes to a copy of a pathway (never stored) and compare analyses.
//! The PDSA cycle issue stores these change sets as a cycle's prediction, so `Change` is a plain,
//! serialisable value.

use crate::analysis::{Analysis, HotspotKind};
use crate::error::InputErrors;
use crate::pathway::{PathwayMap, Transition};
use crate::simulation::TimeInput;
use crate::simulation::schedule::{MAX_SERVERS, Schedule, SessionInput};
use crate::validation::Problem;
use crate::values::{Minutes, OdsCode, PerDay, Probability, StepKind};
use serde::{Deserialize, Serialize};

/// One change to try. Keys name steps of the pathway as it is when the change applies (changes
/// apply in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Change {
    /// Remove a step: each predecessor connects to each successor with the product of the two
    /// probabilities and the sum of the two waits (the step's own rework goes with it).
    RemoveStep {
        step: String,
    },
    SetTouchMinutes {
        step: String,
        minutes: f64,
    },
    SetWaitMinutes {
        from: String,
        to: String,
        minutes: f64,
    },
    /// New probabilities for some of a step's ways out; afterwards they must still sum to 1.
    SetProbabilities {
        step: String,
        probabilities: Vec<ProbabilityChange>,
    },
    /// `None` removes the capacity.
    SetCapacity {
        step: String,
        capacity_per_day: Option<f64>,
    },
    MoveStep {
        step: String,
        organisation: String,
    },
    /// Merge a duplicated pair by dropping the later step (removed as by `RemoveStep`).
    MergeDuplicate {
        first: String,
        second: String,
    },
    /// Parallel servers for simulation (in place of a schedule); `None`: as many as needed
    /// (which also drops the queue capacity, since such a step has no queue).
    SetServers {
        step: String,
        servers: Option<u32>,
    },
    /// Servers by sessions of the week for simulation (in place of a fixed number); empty: as
    /// many as needed.
    SetSchedule {
        step: String,
        sessions: Vec<SessionInput>,
    },
    /// The simulated service time; `None`: fixed at the touch time.
    SetServiceTime {
        step: String,
        time: Option<TimeInput>,
    },
    /// The simulated delay along a transition; `None`: fixed at its wait.
    SetDelay {
        from: String,
        to: String,
        time: Option<TimeInput>,
    },
}

/// The new probability of the transition from the changed step to `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbabilityChange {
    pub to: String,
    pub probability: f64,
}

/// Why a what-if could not be answered.
#[derive(Debug, Clone, PartialEq)]
pub enum WhatIfError {
    /// A change is wrong; fields are named `changes[i].…`.
    Input(InputErrors),
    /// The pathway, before or after the changes, has structural problems.
    Problems(Vec<Problem>),
    /// The budget ran out before both analyses were done.
    Stopped,
}

impl From<crate::analysis::AnalysisError> for WhatIfError {
    fn from(e: crate::analysis::AnalysisError) -> Self {
        match e {
            crate::analysis::AnalysisError::Problems(p) => WhatIfError::Problems(p),
            crate::analysis::AnalysisError::Stopped => WhatIfError::Stopped,
        }
    }
}

/// The two analyses and what changed between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIf {
    pub baseline: Analysis,
    pub changed: Analysis,
    pub differences: Differences,
}

/// Changed minus baseline, for the headline figures; and each hotspot that moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Differences {
    pub expected_lead_time_minutes: f64,
    pub value_added_minutes: f64,
    pub flow_efficiency: f64,
    pub expected_handoffs: f64,
    pub expected_cross_organisation_handoffs: f64,
    pub rework_minutes: f64,
    pub hotspots: Vec<HotspotDifference>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HotspotChange {
    Disappeared,
    Changed,
    Appeared,
    /// Only in comparisons of versions, which list every hotspot of either.
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HotspotDifference {
    pub kind: HotspotKind,
    pub title: String,
    pub change: HotspotChange,
    pub minutes_before: Option<f64>,
    pub minutes_after: Option<f64>,
}

/// Analyses the pathway as it is and with `changes` applied, both within `budget`.
/// O(changes × (S + T)) to apply them, plus two analyses.
pub fn what_if(
    map: &std::sync::Arc<PathwayMap>,
    demand_per_day: Option<f64>,
    changes: &[Change],
    budget: &crate::budget::Budget,
) -> Result<WhatIf, WhatIfError> {
    let changed_map = apply(map, changes).map_err(WhatIfError::Input)?;
    let baseline = crate::analysis::analyse_shared(map.clone(), demand_per_day, budget)?;
    let changed =
        crate::analysis::analyse_shared(std::sync::Arc::new(changed_map), demand_per_day, budget)?;
    let differences = compare_analyses(&baseline, &changed, false);
    Ok(WhatIf {
        baseline,
        changed,
        differences,
    })
}

/// After minus before for the headline figures, and each hotspot that disappeared, changed or
/// appeared (and, with `include_unchanged`, those that did not move). Hotspots are matched by
/// kind and by the keys of their steps and transitions (indexes move when a step is removed;
/// keys do not). O(hotspots × their steps).
pub fn compare_analyses(
    before: &Analysis,
    after: &Analysis,
    include_unchanged: bool,
) -> Differences {
    type Identity = (HotspotKind, Vec<String>, Vec<String>);
    let identify = |a: &Analysis| -> std::collections::HashMap<Identity, usize> {
        a.hotspots
            .iter()
            .enumerate()
            .map(|(i, h)| {
                (
                    (h.kind, a.hotspot_step_keys(h), a.hotspot_transitions(h)),
                    i,
                )
            })
            .collect()
    };
    let (old, new) = (identify(before), identify(after));
    let mut hotspots = Vec::new();
    for (i, h) in before.hotspots.iter().enumerate() {
        let id = (
            h.kind,
            before.hotspot_step_keys(h),
            before.hotspot_transitions(h),
        );
        let after_minutes = new.get(&id).map(|&j| after.hotspots[j].minutes_per_patient);
        let change = match after_minutes {
            None => HotspotChange::Disappeared,
            Some(m) if (m - h.minutes_per_patient).abs() > 1e-9 => HotspotChange::Changed,
            Some(_) if include_unchanged => HotspotChange::Unchanged,
            Some(_) => continue,
        };
        hotspots.push(HotspotDifference {
            kind: h.kind,
            title: before.render(&before.hotspots[i]).title,
            change,
            minutes_before: Some(h.minutes_per_patient),
            minutes_after: after_minutes,
        });
    }
    for h in &after.hotspots {
        let id = (
            h.kind,
            after.hotspot_step_keys(h),
            after.hotspot_transitions(h),
        );
        if !old.contains_key(&id) {
            hotspots.push(HotspotDifference {
                kind: h.kind,
                title: after.render(h).title,
                change: HotspotChange::Appeared,
                minutes_before: None,
                minutes_after: Some(h.minutes_per_patient),
            });
        }
    }
    Differences {
        expected_lead_time_minutes: after.expected_lead_time_minutes
            - before.expected_lead_time_minutes,
        value_added_minutes: after.value_added_minutes - before.value_added_minutes,
        flow_efficiency: after.flow_efficiency - before.flow_efficiency,
        expected_handoffs: after.expected_handoffs - before.expected_handoffs,
        expected_cross_organisation_handoffs: after.expected_cross_organisation_handoffs
            - before.expected_cross_organisation_handoffs,
        rework_minutes: after.rework_minutes - before.rework_minutes,
        hotspots,
    }
}

/// Every problem a change set and a hotspot reference have against `map`: the change set's
/// errors as [`apply`] names them (`changes[0].to: ...`), and each step key of the hotspot that
/// is not a step of the map (`hotspot.stepKeys[1]`). Empty when both fit the map.
/// O(changes × (S + T) + keys × S).
pub fn reference_problems(
    map: &PathwayMap,
    changes: Option<&[Change]>,
    hotspot_steps: Option<&[String]>,
) -> InputErrors {
    let mut errors = InputErrors::default();
    if let Some(changes) = changes
        && let Err(e) = apply(map, changes)
    {
        errors.0.extend(e.0);
    }
    for (i, key) in hotspot_steps.unwrap_or_default().iter().enumerate() {
        if !map.steps.iter().any(|s| s.key.as_str() == key) {
            errors.push(
                format!("hotspot.stepKeys[{i}]"),
                format!("the pathway has no step '{key}'"),
            );
        }
    }
    errors
}

/// Applies changes in order to a copy of the map; every change is checked and all errors are
/// reported, named `changes[i].field`. O(changes × (S + T)).
pub fn apply(map: &PathwayMap, changes: &[Change]) -> Result<PathwayMap, InputErrors> {
    let mut map = map.clone();
    let mut errors = InputErrors::default();
    for (i, change) in changes.iter().enumerate() {
        if let Err(e) = apply_one(&mut map, change) {
            errors.extend_within(&format!("changes[{i}]"), e);
        }
    }
    errors.into_result(|| map)
}

fn step_index(map: &PathwayMap, field: &str, key: &str) -> Result<usize, InputErrors> {
    map.steps
        .iter()
        .position(|s| s.key.as_str() == key)
        .ok_or_else(|| single(field, format!("unknown step key '{key}'")))
}

fn single(field: &str, message: String) -> InputErrors {
    let mut errors = InputErrors::default();
    errors.push(field, message);
    errors
}

fn apply_one(map: &mut PathwayMap, change: &Change) -> Result<(), InputErrors> {
    match change {
        Change::RemoveStep { step } => remove_step(map, "step", step),
        Change::SetTouchMinutes { step, minutes } => {
            let s = step_index(map, "step", step)?;
            let kind = map.steps[s].kind;
            if matches!(kind, StepKind::Start | StepKind::End) {
                return Err(single(
                    "step",
                    format!(
                        "'{step}' is the {kind} step, which marks where the pathway begins or ends; change the touch time of the activity instead"
                    ),
                ));
            }
            map.steps[s].touch_minutes =
                Minutes::parse(*minutes).map_err(|m| single("minutes", m))?;
            Ok(())
        }
        Change::SetWaitMinutes { from, to, minutes } => {
            let minutes = Minutes::parse(*minutes).map_err(|m| single("minutes", m))?;
            find_transition(map, from, to)?.wait_minutes = minutes;
            Ok(())
        }
        Change::SetProbabilities {
            step,
            probabilities,
        } => {
            step_index(map, "step", step)?;
            let mut errors = InputErrors::default();
            let effective = map.effective_probabilities();
            let mut new: Vec<Option<f64>> = effective.clone();
            for (j, change) in probabilities.iter().enumerate() {
                let field = format!("probabilities[{j}]");
                let Some(t) = map
                    .transitions
                    .iter()
                    .position(|t| t.from.as_str() == step && t.to.as_str() == change.to)
                else {
                    errors.push(
                        format!("{field}.to"),
                        format!("there is no transition from '{step}' to '{}'", change.to),
                    );
                    continue;
                };
                match Probability::parse(change.probability) {
                    Ok(p) => new[t] = Some(p.get()),
                    Err(m) => errors.push(format!("{field}.probability"), m),
                }
            }
            if !errors.is_empty() {
                return Err(errors);
            }
            let outgoing: Vec<usize> = (0..map.transitions.len())
                .filter(|&t| map.transitions[t].from.as_str() == step)
                .collect();
            let sum: f64 = outgoing.iter().map(|&t| new[t].unwrap_or(0.0)).sum();
            if (sum - 1.0).abs() > crate::validation::PROBABILITY_TOLERANCE {
                return Err(single(
                    "probabilities",
                    format!("the probabilities out of '{step}' would sum to {sum:.6}, not 1"),
                ));
            }
            for t in outgoing {
                map.transitions[t].probability = new[t].and_then(|p| Probability::parse(p).ok());
            }
            Ok(())
        }
        Change::SetCapacity {
            step,
            capacity_per_day,
        } => {
            let s = step_index(map, "step", step)?;
            map.steps[s].capacity_per_day = capacity_per_day
                .map(PerDay::parse)
                .transpose()
                .map_err(|m| single("capacityPerDay", m))?;
            Ok(())
        }
        Change::MoveStep { step, organisation } => {
            let s = step_index(map, "step", step)?;
            map.steps[s].organisation =
                OdsCode::parse(organisation).map_err(|m| single("organisation", m))?;
            Ok(())
        }
        Change::MergeDuplicate { first, second } => {
            let a = step_index(map, "first", first)?;
            let b = step_index(map, "second", second)?;
            let (sa, sb) = (&map.steps[a], &map.steps[b]);
            let same_code = sa.activity_code.is_some() && sa.activity_code == sb.activity_code;
            let shared_item = sa.data_items.iter().any(|i| sb.data_items.contains(i));
            if a == b || !(same_code || shared_item) {
                return Err(single(
                    "second",
                    format!(
                        "'{second}' does not repeat '{first}' (no shared activity code or data item)"
                    ),
                ));
            }
            remove_step(map, "second", second)
        }
        Change::SetServers { step, servers } => {
            let s = step_index(map, "step", step)?;
            let step = &mut map.steps[s];
            match servers {
                Some(n) if !(1..=MAX_SERVERS).contains(n) => {
                    return Err(single("servers", format!("must be 1 to {MAX_SERVERS}")));
                }
                Some(n) => step.servers = Some(*n),
                None => {
                    step.servers = None;
                    step.queue_capacity = None;
                }
            }
            step.schedule = None;
            Ok(())
        }
        Change::SetSchedule { step, sessions } => {
            let s = step_index(map, "step", step)?;
            let schedule = if sessions.is_empty() {
                None
            } else {
                Some(Schedule::parse(sessions).map_err(|e| within("sessions", e))?)
            };
            let step = &mut map.steps[s];
            if schedule.is_none() {
                step.queue_capacity = None;
            }
            step.schedule = schedule;
            step.servers = None;
            Ok(())
        }
        Change::SetServiceTime { step, time } => {
            let s = step_index(map, "step", step)?;
            map.steps[s].service_time = time
                .as_ref()
                .map(TimeInput::parse)
                .transpose()
                .map_err(|e| within("time", e))?;
            Ok(())
        }
        Change::SetDelay { from, to, time } => {
            let delay = time
                .as_ref()
                .map(TimeInput::parse)
                .transpose()
                .map_err(|e| within("time", e))?;
            let t = find_transition(map, from, to)?;
            t.delay = delay;
            Ok(())
        }
    }
}

/// `errors` with each field put under `field` (`time.sdMinutes`, `sessions[1].toHour`).
fn within(field: &str, errors: InputErrors) -> InputErrors {
    let mut out = InputErrors::default();
    out.extend_within(field, errors);
    out
}

fn find_transition<'m>(
    map: &'m mut PathwayMap,
    from: &str,
    to: &str,
) -> Result<&'m mut Transition, InputErrors> {
    map.transitions
        .iter_mut()
        .find(|t| t.from.as_str() == from && t.to.as_str() == to)
        .ok_or_else(|| {
            single(
                "to",
                format!("there is no transition from '{from}' to '{to}'"),
            )
        })
}

/// Removes a step, joining each way in to each way out. O(S + T).
fn remove_step(map: &mut PathwayMap, field: &str, key: &str) -> Result<(), InputErrors> {
    let s = step_index(map, field, key)?;
    let kind = map.steps[s].kind;
    if matches!(kind, StepKind::Start | StepKind::End) {
        return Err(single(
            field,
            format!("'{key}' is the {kind} step and cannot be removed"),
        ));
    }
    let effective = map.effective_probabilities();
    let key = map.steps[s].key.clone();
    let self_loop: f64 = map
        .transitions
        .iter()
        .zip(&effective)
        .filter(|(t, _)| t.from == key && t.to == key)
        .map(|(_, p)| p.unwrap_or(0.0))
        .sum();
    let ins: Vec<(Transition, f64)> = map
        .transitions
        .iter()
        .zip(&effective)
        .filter(|(t, _)| t.to == key && t.from != key)
        .map(|(t, p)| (t.clone(), p.unwrap_or(0.0)))
        .collect();
    let outs: Vec<(Transition, f64)> = map
        .transitions
        .iter()
        .zip(&effective)
        .filter(|(t, _)| t.from == key && t.to != key)
        .map(|(t, p)| (t.clone(), p.unwrap_or(0.0) / (1.0 - self_loop)))
        .collect();
    // Keep the others with explicit probabilities, so merging below can add to them.
    let mut kept: Vec<(Transition, f64)> = map
        .transitions
        .iter()
        .zip(&effective)
        .filter(|(t, _)| t.from != key && t.to != key)
        .map(|(t, p)| (t.clone(), p.unwrap_or(0.0)))
        .collect();
    for (a, pa) in &ins {
        for (b, pb) in &outs {
            let p = pa * pb;
            let wait = a.wait_minutes.get() + b.wait_minutes.get();
            let handoff = if b.handoff != crate::Handoff::Internal {
                b.handoff
            } else {
                a.handoff
            };
            match kept
                .iter_mut()
                .find(|(t, _)| t.from == a.from && t.to == b.to)
            {
                Some((existing, q)) => {
                    // Merge, keeping the expected wait: a probability-weighted mean.
                    let merged = (*q * existing.wait_minutes.get() + p * wait) / (*q + p);
                    existing.wait_minutes = Minutes::parse(merged).unwrap_or(existing.wait_minutes);
                    *q += p;
                }
                None => kept.push((
                    Transition {
                        from: a.from.clone(),
                        to: b.to.clone(),
                        probability: None,
                        wait_minutes: Minutes::parse(wait).unwrap_or(Minutes::ZERO),
                        handoff,
                        // Two simulated delays in a row have no shape of their own here: the
                        // merged transition is simulated at its summed mean wait.
                        delay: None,
                    },
                    p,
                )),
            }
        }
    }
    map.steps.remove(s);
    map.transitions = kept
        .into_iter()
        .map(|(mut t, p)| {
            t.probability = Probability::parse(p.min(1.0)).ok();
            t
        })
        .collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use crate::{PathwayDocument, StepKey};
    use serde_json::json;
    use std::sync::Arc;

    fn map() -> PathwayMap {
        let doc = json!({
            "name": "W", "owner": "RX1",
            "steps": [
                {"key": "s", "name": "S", "kind": "START", "organisation": "RX1"},
                {"key": "a", "name": "A", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 10, "dataItems": ["NEWS2"]},
                {"key": "b", "name": "B", "kind": "ACTIVITY", "organisation": "RX2", "touchMinutes": 20, "dataItems": ["NEWS2"]},
                {"key": "c", "name": "C", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 5},
                {"key": "e", "name": "E", "kind": "END", "organisation": "RX1"}
            ],
            "transitions": [
                {"from": "s", "to": "a", "waitMinutes": 10},
                {"from": "a", "to": "b", "probability": 0.5, "waitMinutes": 30},
                {"from": "a", "to": "c", "probability": 0.5, "waitMinutes": 5},
                {"from": "b", "to": "b", "probability": 0.5, "waitMinutes": 0},
                {"from": "b", "to": "c", "probability": 0.5, "waitMinutes": 60},
                {"from": "c", "to": "e", "waitMinutes": 0}
            ]
        });
        PathwayDocument::from_json(doc)
            .unwrap()
            .parse()
            .unwrap()
            .map
    }

    #[test]
    fn removing_a_step_joins_its_neighbours_and_keeps_probabilities_whole() {
        // Removing b: a->c gets 0.5 (direct) + 0.5·(0.5/(1−0.5)) = 1, with the waits merged:
        // (0.5·5 + 0.5·(30 + 60)) / 1 = 47.5.
        let changed = apply(&map(), &[Change::RemoveStep { step: "b".into() }]).unwrap();
        assert!(changed.step(&StepKey::parse("b").unwrap()).is_none());
        let ac = changed
            .transitions
            .iter()
            .find(|t| t.from.as_str() == "a" && t.to.as_str() == "c")
            .unwrap();
        assert!((ac.probability.unwrap().get() - 1.0).abs() < 1e-12);
        assert!((ac.wait_minutes.get() - 47.5).abs() < 1e-12);
        assert_eq!(crate::validate(&changed), vec![]);
        // The expected lead time keeps the waits: before, E[T] = 10 + 10 + (0.5·30 + 0.5·5)
        // + V_b·20 (V_b = 0.5/0.5 = 1) + 0.5·60 + 5 = 92.5; after, 10 + 10 + 47.5 + 5 = 72.5,
        // i.e. exactly b's 20 minutes of touch time less.
        let w = what_if(
            &Arc::new(map()),
            None,
            &[Change::RemoveStep { step: "b".into() }],
            &Budget::unlimited(),
        )
        .unwrap();
        assert!((w.baseline.expected_lead_time_minutes - 92.5).abs() < 1e-9);
        assert!((w.changed.expected_lead_time_minutes - 72.5).abs() < 1e-9);
        assert!((w.differences.expected_lead_time_minutes + 20.0).abs() < 1e-9);
    }

    #[test]
    fn changes_are_checked_and_named() {
        let errors = apply(
            &map(),
            &[
                Change::SetTouchMinutes {
                    step: "zz".into(),
                    minutes: 1.0,
                },
                Change::SetWaitMinutes {
                    from: "a".into(),
                    to: "b".into(),
                    minutes: -1.0,
                },
                Change::SetProbabilities {
                    step: "a".into(),
                    probabilities: vec![ProbabilityChange {
                        to: "b".into(),
                        probability: 0.7,
                    }],
                },
                Change::RemoveStep { step: "s".into() },
                Change::MergeDuplicate {
                    first: "a".into(),
                    second: "c".into(),
                },
                Change::SetTouchMinutes {
                    step: "s".into(),
                    minutes: 5.0,
                },
                Change::SetTouchMinutes {
                    step: "e".into(),
                    minutes: 5.0,
                },
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "changes[0].step",
                "changes[1].minutes",
                "changes[2].probabilities",
                "changes[3].step",
                "changes[4].second",
                "changes[5].step",
                "changes[6].step"
            ]
        );
        assert!(errors.0[5].message.contains("'s' is the START step"));
    }

    #[test]
    fn simulation_changes_set_servers_schedules_and_times_and_name_bad_fields() {
        use crate::values::{DistributionKind, Weekday};
        let session = |from_hour, to_hour| SessionInput {
            days: vec![Weekday::Monday],
            from_hour,
            to_hour,
            servers: 2,
        };
        let lognormal = TimeInput {
            distribution: DistributionKind::Lognormal,
            sd_minutes: Some(4.0),
            ..TimeInput::fixed(12.0)
        };
        let changed = apply(
            &map(),
            &[
                Change::SetSchedule {
                    step: "a".into(),
                    sessions: vec![session(8, 18)],
                },
                Change::SetServers {
                    step: "b".into(),
                    servers: Some(3),
                },
                Change::SetServiceTime {
                    step: "c".into(),
                    time: Some(lognormal.clone()),
                },
                Change::SetDelay {
                    from: "a".into(),
                    to: "b".into(),
                    time: Some(TimeInput::fixed(7.0)),
                },
            ],
        )
        .unwrap();
        let step = |k: &str| changed.steps.iter().find(|s| s.key.as_str() == k).unwrap();
        assert_eq!(step("a").servers, None);
        assert_eq!(step("a").schedule.as_ref().unwrap().servers_in_hour(9), 2);
        assert_eq!(step("b").servers, Some(3));
        assert_eq!(step("c").service_time.as_ref().unwrap().spec(), lognormal);
        assert_eq!(changed.transitions[1].delay.as_ref().unwrap().mean(), 7.0);
        // Back to as many servers as needed, and times back to the map's.
        let back = apply(
            &changed,
            &[
                Change::SetSchedule {
                    step: "a".into(),
                    sessions: vec![],
                },
                Change::SetServers {
                    step: "b".into(),
                    servers: None,
                },
                Change::SetServiceTime {
                    step: "c".into(),
                    time: None,
                },
            ],
        )
        .unwrap();
        assert!(!back.steps.iter().any(|s| s.has_servers()));
        assert!(back.steps[3].service_time.is_none());

        let errors = apply(
            &map(),
            &[
                Change::SetServers {
                    step: "a".into(),
                    servers: Some(0),
                },
                Change::SetSchedule {
                    step: "a".into(),
                    sessions: vec![session(8, 30)],
                },
                Change::SetServiceTime {
                    step: "a".into(),
                    time: Some(TimeInput {
                        sd_minutes: Some(-1.0),
                        ..lognormal
                    }),
                },
                Change::SetDelay {
                    from: "a".into(),
                    to: "e".into(),
                    time: None,
                },
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "changes[0].servers",
                "changes[1].sessions[0].toHour",
                "changes[2].time.sdMinutes",
                "changes[3].to"
            ]
        );
    }

    #[test]
    fn the_other_changes_do_what_they_say() {
        let changed = apply(
            &map(),
            &[
                Change::SetTouchMinutes {
                    step: "a".into(),
                    minutes: 3.0,
                },
                Change::SetWaitMinutes {
                    from: "s".into(),
                    to: "a".into(),
                    minutes: 0.0,
                },
                Change::SetProbabilities {
                    step: "a".into(),
                    probabilities: vec![
                        ProbabilityChange {
                            to: "b".into(),
                            probability: 0.2,
                        },
                        ProbabilityChange {
                            to: "c".into(),
                            probability: 0.8,
                        },
                    ],
                },
                Change::SetCapacity {
                    step: "c".into(),
                    capacity_per_day: Some(12.0),
                },
                Change::MoveStep {
                    step: "c".into(),
                    organisation: "RX2".into(),
                },
                Change::MergeDuplicate {
                    first: "a".into(),
                    second: "b".into(),
                },
            ],
        )
        .unwrap();
        let a = &changed.steps[1];
        assert_eq!(a.touch_minutes.get(), 3.0);
        assert_eq!(changed.transitions[0].wait_minutes.get(), 0.0);
        let c = changed
            .steps
            .iter()
            .find(|s| s.key.as_str() == "c")
            .unwrap();
        assert_eq!(c.organisation.as_str(), "RX2");
        assert_eq!(c.capacity_per_day.unwrap().get(), 12.0);
        assert_eq!(changed.steps.len(), 4);
        assert_eq!(crate::validate(&changed), vec![]);
    }

    /// Issue 13: a change idea with a typo in a step key was accepted, then broke every read.
    #[test]
    fn references_that_do_not_fit_the_map_are_named() {
        let m = map();
        let bad = [Change::RemoveStep {
            step: "nope".into(),
        }];
        let problems = reference_problems(&m, Some(&bad), Some(&["a".into(), "zz".into()]));
        let fields: Vec<&str> = problems.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["changes[0].step", "hotspot.stepKeys[1]"]);
        let good = [Change::RemoveStep { step: "b".into() }];
        assert!(reference_problems(&m, Some(&good), Some(&["a".into()])).is_empty());
    }

    #[test]
    fn differences_list_hotspots_that_went_away() {
        let w = what_if(
            &Arc::new(map()),
            None,
            &[Change::MergeDuplicate {
                first: "a".into(),
                second: "b".into(),
            }],
            &Budget::unlimited(),
        )
        .unwrap();
        assert!(
            w.differences
                .hotspots
                .iter()
                .any(|h| h.kind == HotspotKind::Duplication
                    && h.change == HotspotChange::Disappeared)
        );
    }

    #[test]
    fn changes_serialise_as_tagged_objects() {
        let change = Change::SetWaitMinutes {
            from: "a".into(),
            to: "b".into(),
            minutes: 5.0,
        };
        let value = serde_json::to_value(&change).unwrap();
        assert_eq!(
            value,
            json!({"setWaitMinutes": {"from": "a", "to": "b", "minutes": 5.0}})
        );
        assert_eq!(serde_json::from_value::<Change>(value).unwrap(), change);
    }
}
