//! The pathway map: organisations, steps (nodes) and transitions (edges), as validated values.
//!
//! `StepInput` and `TransitionInput` are what users send (plain numbers and strings, with the
//! document's field names); `parse` turns them into `Step` and `Transition`, reporting every field at
//! fault. Export goes the other way through `From<&Step> for StepInput`.

use crate::error::InputErrors;
use crate::simulation::distribution::{TimeDistribution, TimeInput};
use crate::simulation::schedule::{MAX_SERVERS, Schedule, SessionInput};
use crate::values::{
    Handoff, Minutes, OdsCode, OrganisationKind, PerDay, Percent, Probability, StepKey, StepKind,
    ValueClass, WasteKind, parse_optional_text, parse_text,
};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Longest name (of a pathway, step or organisation) we accept.
pub const MAX_NAME: usize = 200;
/// Longest free text (a description).
pub const MAX_TEXT: usize = 10_000;
/// Longest activity code or data item.
pub const MAX_CODE: usize = 100;

/// An organisation taking part in pathways (trust, practice, council, ICB).
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub ods_code: OdsCode,
    pub name: String,
    pub kind: OrganisationKind,
}

/// An organisation as users send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganisationInput {
    pub ods_code: String,
    pub name: String,
    pub kind: OrganisationKind,
}

impl OrganisationInput {
    /// Checks every field; O(length of the input).
    pub fn parse(&self) -> Result<Organisation, InputErrors> {
        let mut errors = InputErrors::default();
        let ods_code = errors.check("odsCode", OdsCode::parse(&self.ods_code));
        let name = errors.check("name", parse_text(&self.name, MAX_NAME));
        match (ods_code, name) {
            (Some(ods_code), Some(name)) if errors.is_empty() => Ok(Organisation {
                ods_code,
                name,
                kind: self.kind,
            }),
            _ => Err(errors),
        }
    }
}

impl From<&Organisation> for OrganisationInput {
    fn from(o: &Organisation) -> Self {
        Self {
            ods_code: o.ods_code.to_string(),
            name: o.name.clone(),
            kind: o.kind,
        }
    }
}

/// A step of a pathway: one thing that happens to the patient, in one organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub key: StepKey,
    pub name: String,
    pub kind: StepKind,
    pub organisation: OdsCode,
    pub site: Option<String>,
    /// The stable code that event logs and duplication checks match on.
    pub activity_code: Option<String>,
    /// Hands-on time per visit.
    pub touch_minutes: Minutes,
    pub value_class: ValueClass,
    /// Sorted and without repeats.
    pub waste_kinds: Vec<WasteKind>,
    /// The information captured at this step, in the user's order, without repeats.
    pub data_items: Vec<String>,
    pub capacity_per_day: Option<PerDay>,
    pub percent_complete_accurate: Option<Percent>,
    /// Parallel servers (beds, clinicians, scanners) for simulation; `None`: as many as needed.
    pub servers: Option<u32>,
    /// Simulated time at the step; `None`: fixed at `touch_minutes`.
    pub service_time: Option<TimeDistribution>,
    /// Servers by hour of the week, in place of `servers`.
    pub schedule: Option<Schedule>,
    /// Most patients that may queue here; when full, the step upstream holds its patient
    /// (blocking). `None`: no limit.
    pub queue_capacity: Option<u32>,
}

impl Step {
    /// Whether simulation limits the patients served at once (servers or a schedule).
    pub fn has_servers(&self) -> bool {
        self.servers.is_some() || self.schedule.is_some()
    }
}

fn default_value_class() -> ValueClass {
    ValueClass::Necessary
}

/// A step as users send it (the pathway document's `steps[]` entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StepInput {
    pub key: String,
    pub name: String,
    pub kind: StepKind,
    pub organisation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_code: Option<String>,
    #[serde(default)]
    pub touch_minutes: f64,
    #[serde(default = "default_value_class")]
    pub value_class: ValueClass,
    #[serde(default)]
    pub waste_kinds: Vec<WasteKind>,
    #[serde(default)]
    pub data_items: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_per_day: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_complete_accurate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<TimeInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<SessionInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_capacity: Option<u32>,
}

impl StepInput {
    /// Checks every field and reports all that are wrong; O(length of the input).
    pub fn parse(&self) -> Result<Step, InputErrors> {
        let mut errors = InputErrors::default();
        let key = errors.check("key", StepKey::parse(&self.key));
        let name = errors.check("name", parse_text(&self.name, MAX_NAME));
        let organisation = errors.check("organisation", OdsCode::parse(&self.organisation));
        let site = errors.check("site", parse_optional_text(self.site.as_deref(), MAX_NAME));
        let activity_code = errors.check(
            "activityCode",
            parse_optional_text(self.activity_code.as_deref(), MAX_CODE),
        );
        let touch_minutes = errors.check("touchMinutes", Minutes::parse(self.touch_minutes));
        let capacity_per_day = errors.check(
            "capacityPerDay",
            self.capacity_per_day.map(PerDay::parse).transpose(),
        );
        let percent_complete_accurate = errors.check(
            "percentCompleteAccurate",
            self.percent_complete_accurate
                .map(Percent::parse)
                .transpose(),
        );
        let mut data_items: Vec<String> = Vec::with_capacity(self.data_items.len());
        for (i, item) in self.data_items.iter().enumerate() {
            if let Some(item) = errors.check(&format!("dataItems[{i}]"), parse_text(item, MAX_CODE))
            {
                if data_items.contains(&item) {
                    errors.push(
                        format!("dataItems[{i}]"),
                        format!("'{item}' is listed twice"),
                    );
                } else {
                    data_items.push(item);
                }
            }
        }
        let mut waste_kinds = self.waste_kinds.clone();
        waste_kinds.sort();
        waste_kinds.dedup();
        let simulation = self.parse_simulation(&mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        match (
            key,
            name,
            organisation,
            site,
            activity_code,
            touch_minutes,
            capacity_per_day,
            percent_complete_accurate,
        ) {
            (
                Some(key),
                Some(name),
                Some(organisation),
                Some(site),
                Some(activity_code),
                Some(touch_minutes),
                Some(capacity_per_day),
                Some(percent_complete_accurate),
            ) => Ok(Step {
                key,
                name,
                kind: self.kind,
                organisation,
                site,
                activity_code,
                touch_minutes,
                value_class: self.value_class,
                waste_kinds,
                data_items,
                capacity_per_day,
                percent_complete_accurate,
                servers: self.servers,
                service_time: simulation.0,
                schedule: simulation.1,
                queue_capacity: self.queue_capacity,
            }),
            _ => Err(errors),
        }
    }

    /// Checks the fields only simulation reads: servers, service time, schedule, queue capacity.
    fn parse_simulation(
        &self,
        errors: &mut InputErrors,
    ) -> (Option<TimeDistribution>, Option<Schedule>) {
        if let Some(servers) = self.servers
            && !(1..=MAX_SERVERS).contains(&servers)
        {
            errors.push("servers", format!("must be 1 to {MAX_SERVERS}"));
        }
        if self.servers.is_some() && !self.schedule.is_empty() {
            errors.push(
                "schedule",
                "give either servers or a schedule of servers by hour, not both",
            );
        }
        if self.queue_capacity.is_some() && self.servers.is_none() && self.schedule.is_empty() {
            errors.push(
                "queueCapacity",
                "needs servers or a schedule (a step with as many servers as needed has no queue)",
            );
        }
        let service_time = self.service_time.as_ref().and_then(|t| match t.parse() {
            Ok(t) => Some(t),
            Err(e) => {
                errors.extend_within("serviceTime", e);
                None
            }
        });
        let schedule = if self.schedule.is_empty() {
            None
        } else {
            match Schedule::parse(&self.schedule) {
                Ok(s) => Some(s),
                Err(e) => {
                    for error in e.0 {
                        errors.push(format!("schedule{}", error.field), error.message);
                    }
                    None
                }
            }
        };
        (service_time, schedule)
    }
}

impl From<&Step> for StepInput {
    fn from(s: &Step) -> Self {
        Self {
            key: s.key.to_string(),
            name: s.name.clone(),
            kind: s.kind,
            organisation: s.organisation.to_string(),
            site: s.site.clone(),
            activity_code: s.activity_code.clone(),
            touch_minutes: s.touch_minutes.get(),
            value_class: s.value_class,
            waste_kinds: s.waste_kinds.clone(),
            data_items: s.data_items.clone(),
            capacity_per_day: s.capacity_per_day.map(PerDay::get),
            percent_complete_accurate: s.percent_complete_accurate.map(Percent::get),
            servers: s.servers,
            service_time: s.service_time.as_ref().map(TimeDistribution::spec),
            schedule: s
                .schedule
                .as_ref()
                .map(|s| s.sessions().to_vec())
                .unwrap_or_default(),
            queue_capacity: s.queue_capacity,
        }
    }
}

/// A transition between two steps of one pathway.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub from: StepKey,
    pub to: StepKey,
    /// Absent when this is the step's only way out (it is then taken with probability 1).
    pub probability: Option<Probability>,
    pub wait_minutes: Minutes,
    pub handoff: Handoff,
    /// Simulated delay (letters, transport); `None`: fixed at `wait_minutes`.
    pub delay: Option<TimeDistribution>,
}

impl Transition {
    /// How the transition is named in messages and problems: `from->to`.
    pub fn label(&self) -> String {
        format!("{}->{}", self.from, self.to)
    }
}

fn default_handoff() -> Handoff {
    Handoff::Internal
}

/// A transition as users send it (the pathway document's `transitions[]` entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransitionInput {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default)]
    pub wait_minutes: f64,
    #[serde(default = "default_handoff")]
    pub handoff: Handoff,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<TimeInput>,
}

impl TransitionInput {
    /// Checks every field (not whether the steps exist: that needs the pathway); O(1).
    pub fn parse(&self) -> Result<Transition, InputErrors> {
        let mut errors = InputErrors::default();
        let from = errors.check("from", StepKey::parse(&self.from));
        let to = errors.check("to", StepKey::parse(&self.to));
        let probability = errors.check(
            "probability",
            self.probability.map(Probability::parse).transpose(),
        );
        let wait_minutes = errors.check("waitMinutes", Minutes::parse(self.wait_minutes));
        let delay = match self.delay.as_ref().map(TimeInput::parse).transpose() {
            Ok(delay) => delay,
            Err(e) => {
                errors.extend_within("delay", e);
                None
            }
        };
        match (from, to, probability, wait_minutes) {
            (Some(from), Some(to), Some(probability), Some(wait_minutes)) if errors.is_empty() => {
                Ok(Transition {
                    from,
                    to,
                    probability,
                    wait_minutes,
                    handoff: self.handoff,
                    delay,
                })
            }
            _ => Err(errors),
        }
    }
}

impl From<&Transition> for TransitionInput {
    fn from(t: &Transition) -> Self {
        Self {
            from: t.from.to_string(),
            to: t.to.to_string(),
            probability: t.probability.map(Probability::get),
            wait_minutes: t.wait_minutes.get(),
            handoff: t.handoff,
            delay: t.delay.as_ref().map(TimeDistribution::spec),
        }
    }
}

/// The graph of a pathway: its steps and transitions, in the user's order. Transitions may refer
/// only to keys of `steps` (the constructors check it); duplicates and other structural problems
/// are allowed, because drafts may be invalid: [`crate::validate`] reports them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathwayMap {
    pub steps: Vec<Step>,
    pub transitions: Vec<Transition>,
}

impl PathwayMap {
    /// Builds a map, checking that step keys are unique and that every transition joins two of
    /// its steps. Errors name `steps[i].key` or `transitions[i].from` / `.to`. O(S + T).
    pub fn new(steps: Vec<Step>, transitions: Vec<Transition>) -> Result<Self, InputErrors> {
        let mut errors = InputErrors::default();
        let mut seen: FxHashMap<&StepKey, usize> = FxHashMap::default();
        seen.reserve(steps.len());
        for (i, step) in steps.iter().enumerate() {
            if let Some(first) = seen.insert(&step.key, i) {
                errors.push(
                    format!("steps[{i}].key"),
                    format!("step key '{}' is already used by steps[{first}]", step.key),
                );
            }
        }
        for (i, t) in transitions.iter().enumerate() {
            for (end, key) in [("from", &t.from), ("to", &t.to)] {
                if !seen.contains_key(key) {
                    errors.push(
                        format!("transitions[{i}].{end}"),
                        format!("unknown step key '{key}'"),
                    );
                }
            }
        }
        errors.into_result(|| Self { steps, transitions })
    }

    /// Position of each step by key. O(S).
    pub fn index_by_key(&self) -> FxHashMap<&StepKey, usize> {
        let mut index = FxHashMap::default();
        index.reserve(self.steps.len());
        index.extend(self.steps.iter().enumerate().map(|(i, s)| (&s.key, i)));
        index
    }

    /// The step indexes at the two ends of each transition (`None` for a key that is not a step,
    /// which [`PathwayMap::new`] rules out). One hash lookup per end: O(S + T).
    pub fn ends(&self) -> Vec<Option<(usize, usize)>> {
        let index = self.index_by_key();
        self.transitions
            .iter()
            .map(|t| Some((*index.get(&t.from)?, *index.get(&t.to)?)))
            .collect()
    }

    /// The step with this key, if any. O(S).
    pub fn step(&self, key: &StepKey) -> Option<&Step> {
        self.steps.iter().find(|s| &s.key == key)
    }

    /// Whether the transition's two steps belong to different organisations (derived, never
    /// stored). O(S).
    pub fn crosses_organisations(&self, transition: &Transition) -> bool {
        match (self.step(&transition.from), self.step(&transition.to)) {
            (Some(a), Some(b)) => a.organisation != b.organisation,
            _ => false,
        }
    }

    /// The probability the model uses for each transition, in order: the stated one, or 1 when it
    /// is omitted on a step's only way out, or `None` when omitted beside other ways out (a
    /// validation problem). O(S + T).
    pub fn effective_probabilities(&self) -> Vec<Option<f64>> {
        self.effective_probabilities_with(&self.ends())
    }

    /// [`PathwayMap::effective_probabilities`] from already resolved [`PathwayMap::ends`]. O(S + T).
    pub fn effective_probabilities_with(
        &self,
        ends: &[Option<(usize, usize)>],
    ) -> Vec<Option<f64>> {
        let mut out_degree = vec![0usize; self.steps.len()];
        for &(a, _) in ends.iter().flatten() {
            out_degree[a] += 1;
        }
        self.transitions
            .iter()
            .zip(ends)
            .map(|(t, end)| match (t.probability, end) {
                (Some(p), _) => Some(p.get()),
                (None, Some((a, _))) if out_degree[*a] == 1 => Some(1.0),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn step_input(key: &str, kind: StepKind) -> StepInput {
        StepInput {
            key: key.into(),
            name: format!("Step {key}"),
            kind,
            organisation: "RX1".into(),
            site: None,
            activity_code: None,
            touch_minutes: 5.0,
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
    }

    #[test]
    fn a_step_reports_every_bad_field() {
        let mut input = step_input("bad key", StepKind::Activity);
        input.touch_minutes = -5.0;
        input.organisation = "rx1".into();
        input.percent_complete_accurate = Some(120.0);
        input.data_items = vec!["NEWS2".into(), "NEWS2".into()];
        let errors = input.parse().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "key",
                "organisation",
                "touchMinutes",
                "percentCompleteAccurate",
                "dataItems[1]"
            ]
        );
    }

    #[test]
    fn a_step_round_trips_through_its_input() {
        let mut input = step_input("triage", StepKind::Activity);
        input.site = Some("Northwick Park".into());
        input.waste_kinds = vec![WasteKind::Waiting, WasteKind::Motion];
        input.data_items = vec!["NEWS2".into()];
        let step = input.parse().unwrap();
        assert_eq!(step.waste_kinds, [WasteKind::Motion, WasteKind::Waiting]);
        let back = StepInput::from(&step);
        assert_eq!(back.parse().unwrap(), step);
    }

    #[test]
    fn a_transition_checks_probability_and_wait() {
        let input = TransitionInput {
            from: "a".into(),
            to: "b".into(),
            probability: Some(1.5),
            wait_minutes: -1.0,
            handoff: Handoff::Referral,
            delay: None,
        };
        let errors = input.parse().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["probability", "waitMinutes"]);
    }

    #[test]
    fn a_map_rejects_duplicate_keys_and_unknown_ends() {
        let a = step_input("a", StepKind::Start).parse().unwrap();
        let a2 = step_input("a", StepKind::End).parse().unwrap();
        let t = TransitionInput {
            from: "a".into(),
            to: "zz".into(),
            probability: None,
            wait_minutes: 0.0,
            handoff: Handoff::Internal,
            delay: None,
        }
        .parse()
        .unwrap();
        let errors = PathwayMap::new(vec![a, a2], vec![t]).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["steps[1].key", "transitions[0].to"]);
        assert!(errors.0[1].message.contains("'zz'"));
    }
}
