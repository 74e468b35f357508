//! The pathway document: one JSON object describing a whole pathway, the import/export contract
//! with ICS leads' bulk maps and other trusts' systems. Field names are fixed.

use crate::error::InputErrors;
use crate::pathway::{
    MAX_NAME, MAX_TEXT, Organisation, OrganisationInput, PathwayMap, StepInput, TransitionInput,
};
use crate::values::{Minutes, OdsCode, PerDay, parse_text};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A whole pathway as exchanged in JSON. Optional fields may be absent; export always writes the
/// canonical form (defaults spelled out, absent optionals left out), which imports back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PathwayDocument {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub condition: String,
    /// ODS code of the owning organisation.
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_per_day: Option<f64>,
    /// The time the pathway should take from its first step to its end, in minutes (a national
    /// standard such as 36 hours to hip surgery, or a local aim): measures suggested for its
    /// changes include the share of patients within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_lead_time_minutes: Option<f64>,
    /// Organisations to create when their ODS code is not known yet (known ones are reused).
    #[serde(default)]
    pub organisations: Vec<OrganisationInput>,
    #[serde(default)]
    pub steps: Vec<StepInput>,
    #[serde(default)]
    pub transitions: Vec<TransitionInput>,
    /// The identifier the sending system gives the pathway: importing a document under the
    /// same identifier again updates that pathway (or answers it, when nothing changed) rather
    /// than making a second one. 1 to 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// The pathway's own fields (everything but its organisations and graph).
#[derive(Debug, Clone, PartialEq)]
pub struct PathwayHeader {
    pub name: String,
    pub description: String,
    pub condition: String,
    pub owner: OdsCode,
    pub demand_per_day: Option<PerDay>,
    /// The lead time the pathway should achieve (more than 0).
    pub target_lead_time: Option<Minutes>,
}

impl PathwayHeader {
    /// Checks the header fields of a pathway; errors name `name`, `owner`, `demandPerDay`,
    /// `targetLeadTimeMinutes`... O(length of the texts).
    pub fn parse(
        name: &str,
        description: &str,
        condition: &str,
        owner: &str,
        demand_per_day: Option<f64>,
        target_lead_time_minutes: Option<f64>,
    ) -> Result<Self, InputErrors> {
        let mut errors = InputErrors::default();
        let name = errors.check("name", parse_text(name, MAX_NAME));
        let description = errors.check("description", bounded(description, MAX_TEXT));
        let condition = errors.check("condition", bounded(condition, MAX_NAME));
        let owner = errors.check("owner", OdsCode::parse(owner));
        let demand = errors.check(
            "demandPerDay",
            demand_per_day.map(PerDay::parse).transpose(),
        );
        let target = errors.check(
            "targetLeadTimeMinutes",
            target_lead_time_minutes
                .map(|m| match Minutes::parse(m) {
                    Ok(m) if m.get() > 0.0 => Ok(m),
                    Ok(_) => Err("must be more than 0 minutes".to_string()),
                    Err(e) => Err(e),
                })
                .transpose(),
        );
        match (name, description, condition, owner, demand, target) {
            (
                Some(name),
                Some(description),
                Some(condition),
                Some(owner),
                Some(demand_per_day),
                Some(target_lead_time),
            ) => Ok(Self {
                name,
                description,
                condition,
                owner,
                demand_per_day,
                target_lead_time,
            }),
            _ => Err(errors),
        }
    }
}

fn bounded(text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(text.to_string())
    }
}

/// A document that passed every field check: ready to store as a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDocument {
    pub header: PathwayHeader,
    pub organisations: Vec<Organisation>,
    pub map: PathwayMap,
    /// The sending system's identifier, trimmed.
    pub external_id: Option<String>,
}

impl ParsedDocument {
    /// Every ODS code the document refers to, with the field that refers to it, except those the
    /// document itself defines in `organisations`: the store must find these in the database.
    pub fn external_organisation_references(&self) -> Vec<(String, OdsCode)> {
        let defined: HashSet<&OdsCode> = self.organisations.iter().map(|o| &o.ods_code).collect();
        let mut refs = vec![("owner".to_string(), self.header.owner.clone())];
        refs.extend(
            self.map
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("steps[{i}].organisation"), s.organisation.clone())),
        );
        refs.retain(|(_, code)| !defined.contains(code));
        refs
    }
}

fn single(field: &str, message: impl Into<String>) -> InputErrors {
    let mut errors = InputErrors::default();
    errors.push(field, message);
    errors
}

/// Most steps one pathway may have: far beyond any real map, small enough to stay fast.
pub const MAX_STEPS: usize = 1_000;
/// Most transitions one pathway may have.
pub const MAX_TRANSITIONS: usize = 5_000;

impl PathwayDocument {
    /// Reads a document from JSON, reporting every field with the wrong type or name at once,
    /// each named by its path (`steps[3].kind`) and said in plain words with what would be
    /// accepted. O(size of the document).
    pub fn from_json(value: serde_json::Value) -> Result<Self, InputErrors> {
        use crate::document_errors::{read, read_each};
        let mut object = match value {
            serde_json::Value::Object(object) => object,
            serde_json::Value::String(_) => {
                return Err(single(
                    "document",
                    "expected the document as a JSON object, got text: send the object itself, not a string holding it",
                ));
            }
            other => {
                return Err(single(
                    "document",
                    format!(
                        "expected the document as a JSON object with name, owner, steps and transitions, got {}",
                        crate::document_errors::describe(&other)
                    ),
                ));
            }
        };
        let mut errors = InputErrors::default();
        let organisations = read_each(&mut object, "organisations", "organisations", &mut errors);
        let steps = read_each(&mut object, "steps", "steps", &mut errors);
        let transitions = read_each(&mut object, "transitions", "transitions", &mut errors);
        match read::<PathwayDocument>(serde_json::Value::Object(object)) {
            Ok(document) if errors.is_empty() => Ok(PathwayDocument {
                organisations,
                steps,
                transitions,
                ..document
            }),
            Ok(_) => Err(errors),
            Err(header) => {
                errors.0.insert(0, header);
                Err(errors)
            }
        }
    }

    /// Checks every field, that step keys are unique, that transitions join known steps and that
    /// no organisation is listed twice. Reports all problems at once. O(size of the document).
    pub fn parse(&self) -> Result<ParsedDocument, InputErrors> {
        let mut errors = InputErrors::default();
        if self.steps.len() > MAX_STEPS {
            errors.push(
                "steps",
                format!(
                    "a pathway may have at most {MAX_STEPS} steps; this one has {}",
                    self.steps.len()
                ),
            );
        }
        if self.transitions.len() > MAX_TRANSITIONS {
            errors.push(
                "transitions",
                format!(
                    "a pathway may have at most {MAX_TRANSITIONS} transitions; this one has {}",
                    self.transitions.len()
                ),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let header = match PathwayHeader::parse(
            &self.name,
            &self.description,
            &self.condition,
            &self.owner,
            self.demand_per_day,
            self.target_lead_time_minutes,
        ) {
            Ok(header) => Some(header),
            Err(e) => {
                errors.0.extend(e.0);
                None
            }
        };
        let external_id = match self.external_id.as_deref().map(str::trim) {
            Some(id) if id.is_empty() || id.chars().count() > 200 => {
                errors.push("externalId", "must be 1 to 200 characters");
                None
            }
            Some(id) if crate::events::identifiers::contains_nhs_number(id) => {
                errors.push(
                    "externalId",
                    "looks like it holds an NHS number; use your system's identifier for the pathway",
                );
                None
            }
            other => other.map(str::to_string),
        };
        let mut organisations = Vec::with_capacity(self.organisations.len());
        for (i, o) in self.organisations.iter().enumerate() {
            match o.parse() {
                Ok(org)
                    if organisations
                        .iter()
                        .any(|x: &Organisation| x.ods_code == org.ods_code) =>
                {
                    errors.push(
                        format!("organisations[{i}].odsCode"),
                        format!("organisation '{}' is listed twice", org.ods_code),
                    );
                }
                Ok(org) => organisations.push(org),
                Err(e) => errors.extend_within(&format!("organisations[{i}]"), e),
            }
        }
        let mut steps = Vec::with_capacity(self.steps.len());
        for (i, s) in self.steps.iter().enumerate() {
            match s.parse() {
                Ok(step) => steps.push(step),
                Err(e) => errors.extend_within(&format!("steps[{i}]"), e),
            }
        }
        let mut transitions = Vec::with_capacity(self.transitions.len());
        for (i, t) in self.transitions.iter().enumerate() {
            match t.parse() {
                Ok(transition) => transitions.push(transition),
                Err(e) => errors.extend_within(&format!("transitions[{i}]"), e),
            }
        }
        // Key and reference checks only make sense once every step and transition parsed, so
        // that indexes in messages match the document.
        let map = if steps.len() == self.steps.len() && transitions.len() == self.transitions.len()
        {
            match PathwayMap::new(steps, transitions) {
                Ok(map) => Some(map),
                Err(e) => {
                    errors.0.extend(e.0);
                    None
                }
            }
        } else {
            None
        };
        match (header, map) {
            (Some(header), Some(map)) if errors.is_empty() => Ok(ParsedDocument {
                header,
                organisations,
                map,
                external_id,
            }),
            _ => Err(errors),
        }
    }

    /// The canonical document of a pathway. `organisations` lists every organisation involved, in
    /// order of first appearance (owner, then steps in order). O(S * O).
    pub fn from_parts(header: &PathwayHeader, involved: &[Organisation], map: &PathwayMap) -> Self {
        let mut order: Vec<&OdsCode> = vec![&header.owner];
        for step in &map.steps {
            if !order.contains(&&step.organisation) {
                order.push(&step.organisation);
            }
        }
        let organisations = order
            .into_iter()
            .filter_map(|code| involved.iter().find(|o| &o.ods_code == code))
            .map(OrganisationInput::from)
            .collect();
        Self {
            name: header.name.clone(),
            description: header.description.clone(),
            condition: header.condition.clone(),
            owner: header.owner.to_string(),
            demand_per_day: header.demand_per_day.map(PerDay::get),
            target_lead_time_minutes: header.target_lead_time.map(Minutes::get),
            organisations,
            steps: map.steps.iter().map(StepInput::from).collect(),
            transitions: map.transitions.iter().map(TransitionInput::from).collect(),
            external_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> serde_json::Value {
        json!({
            "name": "Hip fracture", "description": "Fractured neck of femur", "condition": "Hip fracture",
            "owner": "RX1", "demandPerDay": 3.5,
            "organisations": [
                {"odsCode": "RX1", "name": "Northwick Acute", "kind": "ACUTE_TRUST"},
                {"odsCode": "RRU", "name": "London Ambulance", "kind": "AMBULANCE_TRUST"}
            ],
            "steps": [
                {"key": "arrive", "name": "999 call", "kind": "START", "organisation": "RRU"},
                {"key": "triage", "name": "ED triage", "kind": "ACTIVITY", "organisation": "RX1",
                 "site": "Northwick Park", "activityCode": "ED_TRIAGE", "touchMinutes": 10,
                 "valueClass": "VALUE_ADDING", "wasteKinds": [], "dataItems": ["NEWS2"],
                 "capacityPerDay": 120, "percentCompleteAccurate": 90},
                {"key": "home", "name": "Home", "kind": "END", "organisation": "RX1"}
            ],
            "transitions": [
                {"from": "arrive", "to": "triage", "probability": 1.0, "waitMinutes": 30, "handoff": "TRANSFER"},
                {"from": "triage", "to": "home", "waitMinutes": 600}
            ]
        })
    }

    #[test]
    fn the_example_document_parses() {
        let doc = PathwayDocument::from_json(example()).unwrap();
        let parsed = doc.parse().unwrap();
        assert_eq!(parsed.map.steps.len(), 3);
        assert_eq!(parsed.organisations.len(), 2);
        assert!(parsed.external_organisation_references().is_empty());
    }

    #[test]
    fn every_wrong_type_and_unknown_field_is_named_at_once_in_plain_words() {
        let mut value = example();
        value["demandPerDay"] = json!("lots");
        value["steps"][1]["touchMinutes"] = json!("ten");
        value["steps"][0]["touchMinuts"] = json!(3);
        value["steps"][2]["kind"] = json!("Activity");
        value["transitions"][1]["waitMinutes"] = json!("15");
        value["transitions"][0]
            .as_object_mut()
            .unwrap()
            .remove("to");
        let errors = PathwayDocument::from_json(value).unwrap_err();
        let got: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("demandPerDay", "expected a number, got the text \"lots\""),
                (
                    "steps[0].touchMinuts",
                    "'touchMinuts' is not a field here; the fields are key, name, kind, organisation, site, activityCode, touchMinutes, valueClass, wasteKinds, dataItems, capacityPerDay, percentCompleteAccurate, servers, serviceTime, schedule, queueCapacity"
                ),
                (
                    "steps[1].touchMinutes",
                    "expected a number of minutes, got the text \"ten\""
                ),
                (
                    "steps[2].kind",
                    "'Activity' is not a step kind; use one of START, ACTIVITY, DECISION, END"
                ),
                ("transitions[0].to", "is required"),
                (
                    "transitions[1].waitMinutes",
                    "expected a number of minutes, got the text \"15\""
                ),
            ]
        );
        // A document sent as a string says so in one line, without echoing it.
        let text = json!(example().to_string());
        let errors = PathwayDocument::from_json(text).unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert!(!errors.0[0].message.contains("Hip fracture"));
    }

    #[test]
    fn every_bad_value_is_reported_with_its_row() {
        let mut value = example();
        value["transitions"][0]["probability"] = json!(1.5);
        value["transitions"][1]["waitMinutes"] = json!(-10);
        value["steps"][2]["organisation"] = json!("nope");
        value["name"] = json!("  ");
        let errors = PathwayDocument::from_json(value)
            .unwrap()
            .parse()
            .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "steps[2].organisation",
                "transitions[0].probability",
                "transitions[1].waitMinutes"
            ]
        );
    }

    #[test]
    fn unknown_step_keys_and_repeated_organisations_are_reported() {
        let mut value = example();
        value["transitions"][1]["to"] = json!("xray");
        value["organisations"][1]["odsCode"] = json!("RX1");
        let errors = PathwayDocument::from_json(value)
            .unwrap()
            .parse()
            .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["organisations[1].odsCode", "transitions[1].to"]);
        assert!(errors.0[1].message.contains("'xray'"));
    }

    #[test]
    fn oversized_documents_are_refused_before_anything_else() {
        let mut doc = PathwayDocument::from_json(example()).unwrap();
        let step = doc.steps[1].clone();
        doc.steps = (0..=MAX_STEPS)
            .map(|i| StepInput {
                key: format!("s{i}"),
                ..step.clone()
            })
            .collect();
        let errors = doc.parse().unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "steps");
    }

    #[test]
    fn organisations_not_in_the_document_must_come_from_elsewhere() {
        let mut value = example();
        value["organisations"] = json!([]);
        let parsed = PathwayDocument::from_json(value).unwrap().parse().unwrap();
        let fields: Vec<String> = parsed
            .external_organisation_references()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "owner",
                "steps[0].organisation",
                "steps[1].organisation",
                "steps[2].organisation"
            ]
        );
    }

    #[test]
    fn export_of_a_parsed_document_is_the_canonical_document() {
        let doc = PathwayDocument::from_json(example()).unwrap();
        let parsed = doc.parse().unwrap();
        let back = PathwayDocument::from_parts(&parsed.header, &parsed.organisations, &parsed.map);
        assert_eq!(back, doc);
        // Organisations follow first appearance: owner, then the steps' organisations.
        assert_eq!(back.organisations[0].ods_code, "RX1");
        assert_eq!(back.organisations[1].ods_code, "RRU");
    }
}
