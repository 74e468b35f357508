//! Finding any object by its id alone (GraphQL's `node(id:)`): which kind of object an id
//! belongs to, in one statement, then the object through the same scoped read as its typed field.

use crate::error::{Error, Result};
use entity::{
    api_token, audit_event, cycle_observation, driver, event_import, event_log,
    improvement_project, measure, organisation, pathway, pdsa_cycle, step, transition,
};
use sea_orm::sea_query::{Expr, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// The kinds of object `node(id:)` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Organisation,
    Pathway,
    Step,
    Transition,
    Project,
    Measure,
    Cycle,
    Driver,
    EventLog,
    EventImport,
    Observation,
    Token,
    AuditEntry,
    WebhookEndpoint,
    WebhookDelivery,
    Simulation,
    Comment,
}

const KINDS: [(NodeKind, &str); 17] = [
    (NodeKind::Organisation, "organisation"),
    (NodeKind::Pathway, "pathway"),
    (NodeKind::Step, "step"),
    (NodeKind::Transition, "transition"),
    (NodeKind::Project, "project"),
    (NodeKind::Measure, "measure"),
    (NodeKind::Cycle, "cycle"),
    (NodeKind::Driver, "driver"),
    (NodeKind::EventLog, "event_log"),
    (NodeKind::EventImport, "event_import"),
    (NodeKind::Observation, "observation"),
    (NodeKind::Token, "token"),
    (NodeKind::AuditEntry, "audit_entry"),
    (NodeKind::WebhookEndpoint, "webhook_endpoint"),
    (NodeKind::WebhookDelivery, "webhook_delivery"),
    (NodeKind::Simulation, "simulation"),
    (NodeKind::Comment, "comment"),
];

/// `SELECT 'label' FROM table WHERE id = ?`.
fn probe<E: EntityTrait>(label: &str, id_column: E::Column, id: Uuid) -> SelectStatement
where
    E::Column: ColumnTrait,
{
    Query::select()
        .expr(Expr::val(label.to_string()))
        .from(E::default())
        .and_where(id_column.eq(id))
        .to_owned()
}

/// Which kind of object `id` is, if any: one statement over every table (ids are UUIDs, unique
/// across them). Says nothing about whether the caller may see it.
pub async fn kind_of(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<NodeKind>> {
    let mut query = probe::<organisation::Entity>("organisation", organisation::Column::Id, id);
    for statement in [
        probe::<pathway::Entity>("pathway", pathway::Column::Id, id),
        probe::<step::Entity>("step", step::Column::Id, id),
        probe::<transition::Entity>("transition", transition::Column::Id, id),
        probe::<improvement_project::Entity>("project", improvement_project::Column::Id, id),
        probe::<measure::Entity>("measure", measure::Column::Id, id),
        probe::<pdsa_cycle::Entity>("cycle", pdsa_cycle::Column::Id, id),
        probe::<driver::Entity>("driver", driver::Column::Id, id),
        probe::<event_log::Entity>("event_log", event_log::Column::Id, id),
        probe::<event_import::Entity>("event_import", event_import::Column::Id, id),
        probe::<cycle_observation::Entity>("observation", cycle_observation::Column::Id, id),
        probe::<api_token::Entity>("token", api_token::Column::Id, id),
        probe::<audit_event::Entity>("audit_entry", audit_event::Column::Id, id),
        probe::<entity::webhook_endpoint::Entity>(
            "webhook_endpoint",
            entity::webhook_endpoint::Column::Id,
            id,
        ),
        probe::<entity::webhook_delivery::Entity>(
            "webhook_delivery",
            entity::webhook_delivery::Column::Id,
            id,
        ),
        probe::<entity::simulation_run::Entity>(
            "simulation",
            entity::simulation_run::Column::Id,
            id,
        ),
        probe::<entity::comment::Entity>("comment", entity::comment::Column::Id, id),
    ] {
        query.union(UnionType::All, statement);
    }
    let Some(row) = db.query_one(&query).await? else {
        return Ok(None);
    };
    let label: String = row.try_get_by_index(0)?;
    Ok(KINDS
        .iter()
        .find(|(_, name)| *name == label)
        .map(|(kind, _)| *kind))
}

/// The pathway a step or transition belongs to.
pub async fn pathway_of(db: &impl ConnectionTrait, kind: NodeKind, id: Uuid) -> Result<Uuid> {
    let found = match kind {
        NodeKind::Step => step::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| s.pathway_id),
        NodeKind::Transition => transition::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|t| t.pathway_id),
        _ => None,
    };
    found.ok_or_else(|| Error::not_found("object", id))
}
