//! The outbox: events other systems may be told about, written in the transaction of the change
//! that causes them (so a committed change always has its event and a rolled-back one never
//! does), with one delivery for each webhook endpoint that wants it. The deliverer and the
//! subscriptions read from here; nothing updates or deletes an event.

use super::access::{PATHWAY, PROJECT};
use crate::db::WriteTransaction;
use crate::error::Result;
use chrono::Utc;
use entity::{notification_event, share};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

pub use super::event_type::EventType;

/// Whose data an event is about: who may see it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope {
    Pathway { id: Uuid, owner: Uuid },
    Project { id: Uuid, owner: Uuid },
    Log { organisation: Uuid },
}

/// An event to record.
pub(crate) struct Notice {
    pub event_type: EventType,
    pub scope: Scope,
    /// The GraphQL type of the object (`Measure`), whose id `node(id:)` takes.
    pub object_type: &'static str,
    pub object_id: Uuid,
    /// The object's version after the change, where it has one.
    pub version: Option<i64>,
    /// Where the web page shows it (relative to the server).
    pub link: String,
    /// What changed: merged into the payload's `data`.
    pub detail: Value,
}

/// The organisations that may see an object now: its owner and those it is shared with.
async fn audience(tx: &impl ConnectionTrait, scope: Scope) -> Result<Vec<Uuid>> {
    let (kind, id, owner) = match scope {
        Scope::Pathway { id, owner } => (PATHWAY, id, owner),
        Scope::Project { id, owner } => (PROJECT, id, owner),
        Scope::Log { organisation } => return Ok(vec![organisation]),
    };
    let mut orgs = vec![owner];
    for s in share::Entity::find()
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(id))
        .all(tx)
        .await?
    {
        if !orgs.contains(&s.organisation_id) {
            orgs.push(s.organisation_id);
        }
    }
    Ok(orgs)
}

/// Records the event and a delivery to each unpaused endpoint of an organisation in its
/// audience that wants its type; the deliverer and subscribers of every replica learn of it when
/// the transaction commits (on PostgreSQL through `NOTIFY qiflow_events`, which is itself sent
/// only on commit). Returns the event's id.
pub(crate) async fn emit(tx: &WriteTransaction, notice: Notice) -> Result<Uuid> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    let audience = audience(tx, notice.scope).await?;
    let owner = audience[0];
    let mut data = json!({
        "eventId": id,
        "organisationId": owner,
        "objectType": notice.object_type,
        "objectId": notice.object_id,
        "version": notice.version,
        "link": notice.link,
    });
    if let (Some(data), Value::Object(detail)) = (data.as_object_mut(), notice.detail) {
        data.extend(detail);
    }
    notification_event::Entity::insert(notification_event::ActiveModel {
        id: Set(id),
        event_type: Set(notice.event_type.name().to_string()),
        organisation_id: Set(owner),
        audience: Set(json!(audience)),
        object_id: Set(notice.object_id),
        at: Set(now),
        data: Set(data),
    })
    .exec_without_returning(tx)
    .await?;
    super::webhooks::queue(tx, id, notice.event_type, &audience, now).await?;
    if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
        tx.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_notify('qiflow_events', $1)",
            [id.to_string().into()],
        ))
        .await?;
    }
    tx.notifies();
    Ok(id)
}

/// Emits an event about an object of a project (the project itself, a measure, a cycle): seen by
/// the project's owner and the organisations it is shared with.
pub(crate) async fn emit_for_project(
    tx: &WriteTransaction,
    project_id: Uuid,
    event_type: EventType,
    object: (&'static str, Uuid, Option<i64>),
    detail: Value,
) -> Result<()> {
    let Some(project) = entity::improvement_project::Entity::find_by_id(project_id)
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    let (object_type, object_id, version) = object;
    emit(
        tx,
        Notice {
            event_type,
            scope: Scope::Project {
                id: project.id,
                owner: project.owner_id,
            },
            object_type,
            object_id,
            version,
            link: format!("/#/project/{}", project.id),
            detail,
        },
    )
    .await
    .map(|_| ())
}

/// Emits an event about a pathway version, as it now stands.
pub(crate) async fn emit_for_pathway(
    tx: &WriteTransaction,
    pathway_id: Uuid,
    event_type: EventType,
) -> Result<()> {
    let Some(pathway) = entity::pathway::Entity::find_by_id(pathway_id)
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    emit(
        tx,
        Notice {
            event_type,
            scope: Scope::Pathway {
                id: pathway.id,
                owner: pathway.owner_id,
            },
            object_type: "Pathway",
            object_id: pathway.id,
            version: Some(pathway.version),
            link: format!("/#/pathway/{}", pathway.id),
            detail: json!({ "name": pathway.name, "status": pathway.status }),
        },
    )
    .await
    .map(|_| ())
}

/// Emits an event about an import into an event log: seen by the log's organisation.
pub(crate) async fn emit_for_import(
    tx: &WriteTransaction,
    log_id: Uuid,
    import: &entity::event_import::Model,
    event_type: EventType,
) -> Result<()> {
    let Some(log) = entity::event_log::Entity::find_by_id(log_id)
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    let Some(organisation) = log.organisation_id else {
        return Ok(());
    };
    emit(
        tx,
        Notice {
            event_type,
            scope: Scope::Log { organisation },
            object_type: "EventImport",
            object_id: import.id,
            version: None,
            link: format!("/#/log/{log_id}"),
            detail: json!({
                "logId": log_id,
                "log": log.name,
                "source": import.source,
                "status": import.status,
                "rows": import.rows,
                "events": import.events,
                "message": import.message,
            }),
        },
    )
    .await
    .map(|_| ())
}

/// An event as a subscriber receives it.
#[derive(Debug, Clone)]
pub struct NotificationRecord {
    pub id: Uuid,
    pub event_type: String,
    pub organisation_id: Uuid,
    pub at: chrono::DateTime<Utc>,
    pub data: Value,
}

/// Most events one read of the outbox gives a subscriber.
pub const READ_BATCH: u64 = 500;

/// The events from `since` on, oldest first (at most [`READ_BATCH`]), that the caller may see:
/// those whose audience holds one of its organisations (all, for the installation).
pub async fn visible_since(
    db: &impl ConnectionTrait,
    caller: &crate::caller::Caller,
    since: chrono::DateTime<Utc>,
) -> Result<Vec<NotificationRecord>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let organisations = caller.organisation_ids();
    if organisations.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    Ok(notification_event::Entity::find()
        .filter(notification_event::Column::At.gte(since))
        .order_by_asc(notification_event::Column::At)
        .order_by_asc(notification_event::Column::Id)
        .limit(READ_BATCH)
        .all(db)
        .await?
        .into_iter()
        .filter(|e| match &organisations {
            None => true,
            Some(mine) => e.audience.as_array().is_some_and(|audience| {
                audience.iter().any(|o| {
                    o.as_str()
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .is_some_and(|o| mine.contains(&o))
                })
            }),
        })
        .map(|e| NotificationRecord {
            id: e.id,
            event_type: e.event_type,
            organisation_id: e.organisation_id,
            at: e.at,
            data: e.data,
        })
        .collect())
}
