//! What changed between two versions of a pathway: the steps and transitions added, removed and
//! changed (field by field, as the pathway document spells them), and the analysis of each side
//! by side with the difference of every headline figure and of each hotspot found in either.

use crate::analysis::{Analysis, AnalysisError};
use crate::pathway::{PathwayMap, StepInput, TransitionInput};
use crate::whatif::{Differences, compare_analyses};
use rustc_hash::FxHashMap;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

/// One field of a step or transition with its value in each version (`null` when unset).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// The document's name for the field (`touchMinutes`).
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// A step present in both versions whose fields differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepChange {
    pub key: String,
    pub changes: Vec<FieldChange>,
}

/// A transition, named by its ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransitionRef {
    pub from: String,
    pub to: String,
}

/// A transition present in both versions whose fields differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransitionChange {
    pub from: String,
    pub to: String,
    pub changes: Vec<FieldChange>,
}

/// How the map of one version differs from another's. Steps are matched by key and
/// transitions by their ends; each list keeps the order of the version it comes from.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MapChanges {
    pub steps_added: Vec<String>,
    pub steps_removed: Vec<String>,
    pub steps_changed: Vec<StepChange>,
    pub transitions_added: Vec<TransitionRef>,
    pub transitions_removed: Vec<TransitionRef>,
    pub transitions_changed: Vec<TransitionChange>,
}

impl MapChanges {
    /// True when the two maps are the same.
    pub fn is_empty(&self) -> bool {
        *self == MapChanges::default()
    }
}

/// Two versions side by side: what changed in the map, each version's analysis, and the
/// difference (after minus before) of every headline figure and hotspot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub map: MapChanges,
    pub before: Analysis,
    pub after: Analysis,
    pub differences: Differences,
}

/// The fields of two document objects that differ, in the order of the `before` object's
/// fields then the new ones (fields left out count as `null`).
fn field_changes(before: Value, after: Value) -> Vec<FieldChange> {
    let (Value::Object(before), Value::Object(mut after)) = (before, after) else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    for (field, old) in before {
        let new = after.remove(&field).unwrap_or(Value::Null);
        if old != new {
            changes.push(FieldChange {
                field,
                before: old,
                after: new,
            });
        }
    }
    for (field, new) in after {
        if !new.is_null() {
            changes.push(FieldChange {
                field,
                before: Value::Null,
                after: new,
            });
        }
    }
    changes
}

fn document_value(value: impl Serialize) -> Value {
    // The document types serialise to plain JSON objects; nothing here can fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Compares two maps: steps by key, transitions by their ends. O(S + T).
pub fn compare_maps(before: &PathwayMap, after: &PathwayMap) -> MapChanges {
    let mut out = MapChanges::default();
    let old_steps: FxHashMap<&str, usize> = before
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.as_str(), i))
        .collect();
    let new_steps: FxHashMap<&str, usize> = after
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key.as_str(), i))
        .collect();
    for step in &before.steps {
        if !new_steps.contains_key(step.key.as_str()) {
            out.steps_removed.push(step.key.to_string());
        }
    }
    for step in &after.steps {
        match old_steps.get(step.key.as_str()) {
            None => out.steps_added.push(step.key.to_string()),
            Some(&i) => {
                let changes = field_changes(
                    document_value(StepInput::from(&before.steps[i])),
                    document_value(StepInput::from(step)),
                );
                if !changes.is_empty() {
                    out.steps_changed.push(StepChange {
                        key: step.key.to_string(),
                        changes,
                    });
                }
            }
        }
    }
    let ends = |from: &str, to: &str| TransitionRef {
        from: from.to_string(),
        to: to.to_string(),
    };
    let old_transitions: FxHashMap<TransitionRef, usize> = before
        .transitions
        .iter()
        .enumerate()
        .map(|(i, t)| (ends(t.from.as_str(), t.to.as_str()), i))
        .collect();
    let new_transitions: FxHashMap<TransitionRef, usize> = after
        .transitions
        .iter()
        .enumerate()
        .map(|(i, t)| (ends(t.from.as_str(), t.to.as_str()), i))
        .collect();
    for t in &before.transitions {
        let id = ends(t.from.as_str(), t.to.as_str());
        if !new_transitions.contains_key(&id) {
            out.transitions_removed.push(id);
        }
    }
    for t in &after.transitions {
        let id = ends(t.from.as_str(), t.to.as_str());
        match old_transitions.get(&id) {
            None => out.transitions_added.push(id),
            Some(&i) => {
                let changes = field_changes(
                    document_value(TransitionInput::from(&before.transitions[i])),
                    document_value(TransitionInput::from(t)),
                );
                if !changes.is_empty() {
                    out.transitions_changed.push(TransitionChange {
                        from: id.from,
                        to: id.to,
                        changes,
                    });
                }
            }
        }
    }
    out
}

/// Compares two versions of a pathway: their maps ([`compare_maps`]) and their analyses, each
/// at its own demand, within `budget`. O(S + T) plus two analyses.
pub fn compare(
    before: (&Arc<PathwayMap>, Option<f64>),
    after: (&Arc<PathwayMap>, Option<f64>),
    budget: &crate::budget::Budget,
) -> Result<Comparison, AnalysisError> {
    let map = compare_maps(before.0, after.0);
    let old = crate::analysis::analyse_shared(before.0.clone(), before.1, budget)?;
    let new = crate::analysis::analyse_shared(after.0.clone(), after.1, budget)?;
    let differences = compare_analyses(&old, &new, true);
    Ok(Comparison {
        map,
        before: old,
        after: new,
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PathwayDocument;
    use crate::whatif::HotspotChange;
    use serde_json::json;

    fn map(doc: Value) -> PathwayMap {
        PathwayDocument::from_json(doc)
            .unwrap()
            .parse()
            .unwrap()
            .map
    }

    fn document() -> Value {
        json!({
            "name": "Stroke", "owner": "RX1",
            "steps": [
                {"key": "arrive", "name": "Arrive", "kind": "START", "organisation": "RX1"},
                {"key": "ct", "name": "CT scan", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 15},
                {"key": "unit", "name": "Stroke unit", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 60},
                {"key": "home", "name": "Home", "kind": "END", "organisation": "RX1"}
            ],
            "transitions": [
                {"from": "arrive", "to": "ct", "waitMinutes": 30},
                {"from": "ct", "to": "ct", "probability": 0.1, "waitMinutes": 20},
                {"from": "ct", "to": "unit", "probability": 0.9, "waitMinutes": 240},
                {"from": "unit", "to": "home", "waitMinutes": 60}
            ]
        })
    }

    #[test]
    fn the_same_map_has_no_changes_and_every_hotspot_is_unchanged() {
        let m = Arc::new(map(document()));
        let c = compare((&m, None), (&m, None), &crate::budget::Budget::unlimited()).unwrap();
        assert!(c.map.is_empty());
        assert_eq!(c.differences.expected_lead_time_minutes, 0.0);
        assert_eq!(c.differences.hotspots.len(), c.before.hotspots.len());
        assert!(
            c.differences
                .hotspots
                .iter()
                .all(|h| h.change == HotspotChange::Unchanged)
        );
    }

    #[test]
    fn added_removed_and_changed_steps_and_transitions_are_listed_field_by_field() {
        let before = map(document());
        let mut doc = document();
        // A triage step before CT, a faster CT, no rescans, a longer wait for the unit.
        doc["steps"][1]["touchMinutes"] = json!(10);
        doc["steps"][1]["site"] = json!("Hyper-acute unit");
        doc["steps"]
            .as_array_mut()
            .unwrap()
            .insert(1, json!({"key": "triage", "name": "Triage", "kind": "ACTIVITY", "organisation": "RX1", "touchMinutes": 5}));
        doc["transitions"] = json!([
            {"from": "arrive", "to": "triage", "waitMinutes": 10},
            {"from": "triage", "to": "ct", "waitMinutes": 20},
            {"from": "ct", "to": "unit", "waitMinutes": 300},
            {"from": "unit", "to": "home", "waitMinutes": 60}
        ]);
        let after = map(doc);
        let c = compare_maps(&before, &after);
        assert_eq!(c.steps_added, ["triage"]);
        assert!(c.steps_removed.is_empty());
        assert_eq!(
            c.steps_changed,
            [StepChange {
                key: "ct".into(),
                changes: vec![
                    FieldChange {
                        field: "touchMinutes".into(),
                        before: json!(15.0),
                        after: json!(10.0)
                    },
                    FieldChange {
                        field: "site".into(),
                        before: Value::Null,
                        after: json!("Hyper-acute unit")
                    },
                ]
            }]
        );
        let refs = |pairs: &[(&str, &str)]| -> Vec<TransitionRef> {
            pairs
                .iter()
                .map(|(f, t)| TransitionRef {
                    from: f.to_string(),
                    to: t.to_string(),
                })
                .collect()
        };
        assert_eq!(
            c.transitions_removed,
            refs(&[("arrive", "ct"), ("ct", "ct")])
        );
        assert_eq!(
            c.transitions_added,
            refs(&[("arrive", "triage"), ("triage", "ct")])
        );
        let unit = &c.transitions_changed[0];
        assert_eq!((unit.from.as_str(), unit.to.as_str()), ("ct", "unit"));
        let fields: Vec<&str> = unit.changes.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["probability", "waitMinutes"]);
    }

    #[test]
    fn the_analyses_differ_by_their_headline_figures() {
        let before = Arc::new(map(document()));
        let mut doc = document();
        doc["transitions"][2]["waitMinutes"] = json!(120);
        let after = Arc::new(map(doc));
        let c = compare(
            (&before, None),
            (&after, None),
            &crate::budget::Budget::unlimited(),
        )
        .unwrap();
        // Every patient leaves CT for the unit once (after any rescans): 120 minutes less.
        assert!((c.differences.expected_lead_time_minutes + 120.0).abs() < 1e-9);
        assert_eq!(
            c.differences.expected_lead_time_minutes,
            c.after.expected_lead_time_minutes - c.before.expected_lead_time_minutes
        );
    }
}
