//! Row <-> engine conversions. Stored values were validated on the way in; reading them back goes
//! through the same parsers, so a corrupt row is an internal error, never a wrong answer.

use crate::error::{Error, Result};
use engine::{
    Organisation, OrganisationKind, PathwayHeader, Step, StepInput, Transition, TransitionInput,
};
use entity::{organisation, pathway, step, transition};
use sea_orm::ActiveValue::Set;
use std::collections::HashMap;
use uuid::Uuid;

fn corrupt(what: &str, id: Uuid, detail: impl std::fmt::Display) -> Error {
    Error::internal(anyhow::anyhow!(
        "stored {what} {id} is unreadable: {detail}"
    ))
}

/// Who withdrew (retracted, archived, closed) a record, when and why: withdrawn is not erased.
#[derive(Debug, Clone, PartialEq)]
pub struct Withdrawal {
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: String,
    pub reason: String,
}

impl Withdrawal {
    /// The withdrawal stored in a row's three columns, if `at` is set.
    pub fn from_columns(
        at: Option<chrono::DateTime<chrono::Utc>>,
        by: Option<String>,
        reason: Option<String>,
    ) -> Option<Self> {
        at.map(|at| Self {
            at,
            by: by.unwrap_or_default(),
            reason: reason.unwrap_or_default(),
        })
    }
}

/// A reason given for a withdrawal: required, trimmed, at most 1,000 characters.
pub fn parse_reason(reason: &str) -> crate::error::Result<String> {
    engine::values::parse_text(reason, 1_000).map_err(|e| crate::error::Error::invalid("reason", e))
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationRecord {
    pub id: Uuid,
    pub organisation: Organisation,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Send it back as `expectedVersion` when correcting the organisation.
    pub version: i64,
}

pub(crate) fn organisation_from_row(row: organisation::Model) -> Result<OrganisationRecord> {
    let kind: OrganisationKind = row
        .kind
        .parse()
        .map_err(|e| corrupt("organisation", row.id, e))?;
    let organisation = engine::pathway::OrganisationInput {
        ods_code: row.ods_code,
        name: row.name,
        kind,
    }
    .parse()
    .map_err(|e| corrupt("organisation", row.id, e))?;
    Ok(OrganisationRecord {
        id: row.id,
        organisation,
        created_at: row.created_at,
        version: row.version,
    })
}

pub(crate) fn organisation_row(id: Uuid, o: &Organisation) -> organisation::ActiveModel {
    organisation::ActiveModel {
        id: Set(id),
        ods_code: Set(o.ods_code.to_string()),
        name: Set(o.name.clone()),
        kind: Set(o.kind.as_str().to_string()),
        created_at: Set(chrono::Utc::now()),
        version: Set(1),
    }
}

pub(crate) fn header_from_row(
    row: &pathway::Model,
    organisations: &HashMap<Uuid, OrganisationRecord>,
) -> Result<PathwayHeader> {
    let owner = organisations
        .get(&row.owner_id)
        .ok_or_else(|| corrupt("pathway", row.id, "owner is missing"))?;
    PathwayHeader::parse(
        &row.name,
        &row.description,
        &row.condition,
        owner.organisation.ods_code.as_str(),
        row.demand_per_day,
        row.target_lead_time_minutes,
    )
    .map_err(|e| corrupt("pathway", row.id, e))
}

pub(crate) fn step_from_row(
    row: &step::Model,
    organisations: &HashMap<Uuid, OrganisationRecord>,
) -> Result<Step> {
    let organisation = organisations
        .get(&row.organisation_id)
        .ok_or_else(|| corrupt("step", row.id, "organisation is missing"))?;
    let simulation: StepSimulation = match &row.simulation {
        Some(json) => {
            serde_json::from_value(json.clone()).map_err(|e| corrupt("step", row.id, e))?
        }
        None => StepSimulation::default(),
    };
    let input = StepInput {
        key: row.key.clone(),
        name: row.name.clone(),
        kind: row.kind.parse().map_err(|e| corrupt("step", row.id, e))?,
        organisation: organisation.organisation.ods_code.to_string(),
        site: row.site.clone(),
        activity_code: row.activity_code.clone(),
        touch_minutes: row.touch_minutes,
        value_class: row
            .value_class
            .parse()
            .map_err(|e| corrupt("step", row.id, e))?,
        waste_kinds: serde_json::from_value(row.waste_kinds.clone())
            .map_err(|e| corrupt("step", row.id, e))?,
        data_items: serde_json::from_value(row.data_items.clone())
            .map_err(|e| corrupt("step", row.id, e))?,
        capacity_per_day: row.capacity_per_day,
        percent_complete_accurate: row.percent_complete_accurate,
        servers: simulation.servers,
        service_time: simulation.service_time,
        schedule: simulation.schedule,
        queue_capacity: simulation.queue_capacity,
    };
    input.parse().map_err(|e| corrupt("step", row.id, e))
}

pub(crate) fn step_row(
    id: Uuid,
    pathway_id: Uuid,
    position: i32,
    organisation_id: Uuid,
    s: &Step,
) -> step::ActiveModel {
    step::ActiveModel {
        id: Set(id),
        pathway_id: Set(pathway_id),
        position: Set(position),
        key: Set(s.key.to_string()),
        name: Set(s.name.clone()),
        kind: Set(s.kind.as_str().to_string()),
        organisation_id: Set(organisation_id),
        site: Set(s.site.clone()),
        activity_code: Set(s.activity_code.clone()),
        touch_minutes: Set(s.touch_minutes.get()),
        value_class: Set(s.value_class.as_str().to_string()),
        waste_kinds: Set(serde_json::Value::from(
            s.waste_kinds.iter().map(|w| w.as_str()).collect::<Vec<_>>(),
        )),
        data_items: Set(serde_json::Value::from(s.data_items.clone())),
        capacity_per_day: Set(s.capacity_per_day.map(|c| c.get())),
        percent_complete_accurate: Set(s.percent_complete_accurate.map(|p| p.get())),
        simulation: Set(StepSimulation::of(s)),
    }
}

/// A step's simulation fields, stored together in one JSON column (they are read together,
/// and only by the simulation and the document).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StepSimulation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    servers: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service_time: Option<engine::simulation::TimeInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    schedule: Vec<engine::simulation::SessionInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queue_capacity: Option<u32>,
}

impl StepSimulation {
    /// The column's value: null when the step has none of the fields.
    fn of(s: &Step) -> Option<serde_json::Value> {
        let input = StepInput::from(s);
        let simulation = StepSimulation {
            servers: input.servers,
            service_time: input.service_time,
            schedule: input.schedule,
            queue_capacity: input.queue_capacity,
        };
        let empty = simulation.servers.is_none()
            && simulation.service_time.is_none()
            && simulation.schedule.is_empty()
            && simulation.queue_capacity.is_none();
        (!empty).then(|| serde_json::to_value(simulation).unwrap_or_default())
    }
}

pub(crate) fn transition_from_row(
    row: &transition::Model,
    keys: &HashMap<Uuid, &str>,
) -> Result<Transition> {
    let key = |id: Uuid| {
        keys.get(&id)
            .map(|k| k.to_string())
            .ok_or_else(|| corrupt("transition", row.id, "a step is missing"))
    };
    TransitionInput {
        from: key(row.from_step_id)?,
        to: key(row.to_step_id)?,
        probability: row.probability,
        wait_minutes: row.wait_minutes,
        handoff: row
            .handoff
            .parse()
            .map_err(|e| corrupt("transition", row.id, e))?,
        delay: match &row.delay {
            Some(json) => Some(
                serde_json::from_value(json.clone())
                    .map_err(|e| corrupt("transition", row.id, e))?,
            ),
            None => None,
        },
    }
    .parse()
    .map_err(|e| corrupt("transition", row.id, e))
}

pub(crate) fn transition_row(
    id: Uuid,
    pathway_id: Uuid,
    position: i32,
    from_step_id: Uuid,
    to_step_id: Uuid,
    t: &Transition,
) -> transition::ActiveModel {
    transition::ActiveModel {
        id: Set(id),
        pathway_id: Set(pathway_id),
        position: Set(position),
        from_step_id: Set(from_step_id),
        to_step_id: Set(to_step_id),
        probability: Set(t.probability.map(|p| p.get())),
        wait_minutes: Set(t.wait_minutes.get()),
        handoff: Set(t.handoff.as_str().to_string()),
        delay: Set(t
            .delay
            .as_ref()
            .and_then(|d| serde_json::to_value(d.spec()).ok())),
    }
}
