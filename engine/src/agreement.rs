//! Whose agreement a change needs. Change across an integrated care system rests on each
//! organisation owning the work in its lanes, so a change that moves work from one organisation
//! to another, or alters a hand-off between two, needs both to agree before it is made.

use crate::InputErrors;
use crate::pathway::PathwayMap;
use crate::values::OdsCode;
use crate::whatif::{Change, apply};
use std::collections::BTreeSet;

/// The organisations a change set moves work between, by ODS code in order. A change inside one organisation (a step's touch time, capacity,
/// servers, schedule or service time, or a hand-off between two of its own steps) involves
/// nobody else and adds nothing:
/// - moving a step to another organisation involves the step's organisation and the new one;
/// - removing a step (or merging it into its duplicate) involves its organisation and those of
///   the steps around it, when any is in another organisation (their hand-offs are rejoined);
/// - a new wait, delay or probability on a transition between two organisations involves both.
///
/// Each change is read against the map as the changes before it left it (as [`apply`] applies
/// them); a change set that does not apply is refused with `apply`'s errors.
/// O(changes × (S + T)).
pub fn organisations_affected(
    map: &PathwayMap,
    changes: &[Change],
) -> Result<Vec<OdsCode>, InputErrors> {
    apply(map, changes)?;
    let mut current = map.clone();
    let mut involved: BTreeSet<OdsCode> = BTreeSet::new();
    for change in changes {
        let organisation_of = |key: &str| {
            current
                .steps
                .iter()
                .find(|s| s.key.as_str() == key)
                .map(|s| s.organisation.clone())
        };
        let mut between = |from: &str, to: &str| {
            if let (Some(a), Some(b)) = (organisation_of(from), organisation_of(to))
                && a != b
            {
                involved.insert(a);
                involved.insert(b);
            }
        };
        match change {
            Change::MoveStep { step, organisation } => {
                if let (Some(from), Ok(to)) = (organisation_of(step), OdsCode::parse(organisation))
                    && from != to
                {
                    involved.insert(from);
                    involved.insert(to);
                }
            }
            Change::RemoveStep { step } | Change::MergeDuplicate { second: step, .. } => {
                for t in &current.transitions {
                    if t.to.as_str() == step {
                        between(t.from.as_str(), step);
                    }
                    if t.from.as_str() == step {
                        between(step, t.to.as_str());
                    }
                }
            }
            Change::SetWaitMinutes { from, to, .. } | Change::SetDelay { from, to, .. } => {
                between(from, to);
            }
            Change::SetProbabilities {
                step,
                probabilities,
            } => {
                for p in probabilities {
                    between(step, &p.to);
                }
            }
            Change::SetTouchMinutes { .. }
            | Change::SetCapacity { .. }
            | Change::SetServers { .. }
            | Change::SetSchedule { .. }
            | Change::SetServiceTime { .. } => {}
        }
        current = apply(&current, std::slice::from_ref(change))?;
    }
    Ok(involved.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PathwayDocument;
    use crate::whatif::ProbabilityChange;
    use serde_json::json;

    // RX1 holds s, a, c and e; RX2 holds b; a hands off to b (RX1 → RX2) and b back to c.
    fn map() -> PathwayMap {
        let doc = json!({
            "name": "W", "owner": "RX1",
            "steps": [
                {"key": "s", "name": "S", "kind": "START", "organisation": "RX1"},
                {"key": "a", "name": "A", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 10},
                {"key": "b", "name": "B", "kind": "ACTIVITY", "organisation": "RX2", "touchMinutes": 20},
                {"key": "c", "name": "C", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 5},
                {"key": "e", "name": "E", "kind": "END", "organisation": "RX1"}
            ],
            "transitions": [
                {"from": "s", "to": "a", "waitMinutes": 10},
                {"from": "a", "to": "b", "probability": 0.5, "waitMinutes": 30},
                {"from": "a", "to": "c", "probability": 0.5, "waitMinutes": 5},
                {"from": "b", "to": "c", "waitMinutes": 60},
                {"from": "c", "to": "e", "waitMinutes": 0}
            ]
        });
        PathwayDocument::from_json(doc)
            .unwrap()
            .parse()
            .unwrap()
            .map
    }

    fn codes(changes: &[Change]) -> Vec<String> {
        organisations_affected(&map(), changes)
            .unwrap()
            .into_iter()
            .map(|c| c.as_str().to_string())
            .collect()
    }

    #[test]
    fn changes_inside_one_organisation_need_nobody_else() {
        assert!(
            codes(&[
                Change::SetTouchMinutes {
                    step: "a".into(),
                    minutes: 5.0
                },
                Change::SetWaitMinutes {
                    from: "s".into(),
                    to: "a".into(),
                    minutes: 1.0
                },
                Change::SetCapacity {
                    step: "b".into(),
                    capacity_per_day: Some(10.0)
                },
            ])
            .is_empty()
        );
    }

    #[test]
    fn moving_a_step_needs_both_organisations() {
        let moved = codes(&[Change::MoveStep {
            step: "c".into(),
            organisation: "RY9".into(),
        }]);
        assert_eq!(moved, vec!["RX1", "RY9"]);
        // Moving a step to the organisation it is already in moves nothing.
        assert!(
            codes(&[Change::MoveStep {
                step: "c".into(),
                organisation: "RX1".into(),
            }])
            .is_empty()
        );
    }

    #[test]
    fn a_cross_organisation_hand_off_needs_both_ends() {
        let wait = codes(&[Change::SetWaitMinutes {
            from: "a".into(),
            to: "b".into(),
            minutes: 5.0,
        }]);
        assert_eq!(wait, vec!["RX1", "RX2"]);
        let branch = codes(&[Change::SetProbabilities {
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
        }]);
        assert_eq!(branch, vec!["RX1", "RX2"]);
        let removed = codes(&[Change::RemoveStep { step: "b".into() }]);
        assert_eq!(removed, vec!["RX1", "RX2"]);
    }

    #[test]
    fn a_change_set_that_does_not_apply_is_refused_as_apply_refuses_it() {
        let errors = organisations_affected(&map(), &[Change::RemoveStep { step: "zz".into() }]);
        assert_eq!(
            errors.unwrap_err().0[0].field,
            "changes[0].step",
            "the error names the change"
        );
    }
}
