//! The audit trail: who did what to which objects, with what outcome, under which request.
//! A write records its entry inside its own transaction ([`commit`]), so a committed change
//! always has its entry and a rolled-back one never does; attempts that changed nothing
//! (refusals) and reads of patient-level aggregates are recorded on their own. Entries are only
//! ever inserted.

use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::WriteTransaction;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::{audit_event, event_log, improvement_project, organisation, pathway};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::access::require_organisation;
use crate::caller::Role;

/// Records the request's operation as done (outcome `OK`) and commits the write's transaction:
/// the only way a store write commits. `touched` are the ids of what the write made or changed;
/// with the ids the request named, they decide which organisations' administrators see the
/// entry.
pub async fn commit(tx: WriteTransaction, ctx: &RequestContext, touched: &[Uuid]) -> Result<()> {
    commit_as(tx, ctx, touched, "OK").await
}

/// [`commit`] for a correction: the entry keeps the before and after value of every field it
/// changed.
pub async fn commit_changes(
    tx: WriteTransaction,
    ctx: &RequestContext,
    touched: &[Uuid],
    changes: &[Change],
) -> Result<()> {
    commit_with(tx, ctx, touched, "OK", changes).await
}

/// [`commit`] with another outcome, for writes that store a refusal (a FAILED import record).
pub async fn commit_as(
    tx: WriteTransaction,
    ctx: &RequestContext,
    touched: &[Uuid],
    outcome: &str,
) -> Result<()> {
    commit_with(tx, ctx, touched, outcome, &[]).await
}

#[allow(clippy::disallowed_methods)]
async fn commit_with(
    tx: WriteTransaction,
    ctx: &RequestContext,
    touched: &[Uuid],
    outcome: &str,
    changes: &[Change],
) -> Result<()> {
    ctx.writes();
    entry(&tx, ctx, &ctx.operation, touched, outcome, changes).await?;
    let access_changed = tx.access_changed();
    let notified = tx.notified();
    // The commit runs on a task of its own, so a request stopped by its time limit cannot drop
    // it half-way: it completes (and is marked done) or fails, and the stopped request waits
    // for it to settle before saying which of its writes were done.
    ctx.committing(true);
    let settled = ctx.clone();
    let committed = tokio::spawn(async move {
        let result = tx.commit().await;
        if result.is_ok() {
            settled.mark_done();
        }
        settled.committing(false);
        result
    })
    .await
    .map_err(|e| Error::internal(anyhow::anyhow!("a commit failed to run: {e}")))?;
    committed?;
    if access_changed {
        super::caller_cache::forget_all();
    }
    if notified {
        crate::notifications::committed();
    }
    Ok(())
}

/// Records an operation that changed nothing (refused, or a read of patient-level aggregates)
/// in a write of its own, queued with every other write (on SQLite, an insert outside the
/// writers' queue would wait on the busy timeout, in steps of 100 ms).
#[allow(clippy::disallowed_methods)] // nothing to audit but the entry itself
pub async fn record_alone(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    operation: &str,
    touched: &[Uuid],
    outcome: &str,
) -> Result<()> {
    ctx.writes();
    let tx = crate::db::begin_write(db).await?;
    entry(&tx, ctx, operation, touched, outcome, &[]).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a refused request that reached no object (a failed sign-in, a rate limit) under
/// `name`, which says who it was as far as is known ("unknown client at 203.0.113.9"). Attributed
/// to the caller's organisations, if any: an unknown client's refusals are the installation's.
#[allow(clippy::disallowed_methods)] // nothing to audit but the entry itself
pub async fn record_refusal(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    name: &str,
    outcome: &str,
) -> Result<()> {
    let tx = crate::db::begin_write(db).await?;
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        principal_id: Set(ctx.caller.principal_id()),
        principal_name: Set(name.to_string()),
        operation: Set(ctx.operation.to_string()),
        object_ids: Set(serde_json::json!([])),
        organisation_ids: Set(serde_json::json!(
            ctx.caller.organisation_ids().unwrap_or_default()
        )),
        outcome: Set(outcome.to_string()),
        request_id: Set(ctx.request_id.to_string()),
        changes: Set(None),
    })
    .exec_without_returning(&tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One field a correction changed: its value before and after, as JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub object: Uuid,
    pub field: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl Change {
    /// The fields that differ between two snapshots of one object (each serialised to a JSON
    /// object; a snapshot that is not an object is compared whole, as field `value`).
    pub fn between(
        object: Uuid,
        before: &impl serde::Serialize,
        after: &impl serde::Serialize,
    ) -> Result<Vec<Change>> {
        use serde_json::Value;
        let before = serde_json::to_value(before).map_err(Error::internal)?;
        let after = serde_json::to_value(after).map_err(Error::internal)?;
        let (Value::Object(before), Value::Object(mut after)) = (before.clone(), after.clone())
        else {
            return Ok(if before == after {
                Vec::new()
            } else {
                vec![Change {
                    object,
                    field: "value".into(),
                    before,
                    after,
                }]
            });
        };
        let mut changes = Vec::new();
        for (field, old) in before {
            let new = after.remove(&field).unwrap_or(Value::Null);
            if old != new {
                changes.push(Change {
                    object,
                    field,
                    before: old,
                    after: new,
                });
            }
        }
        changes.extend(after.into_iter().map(|(field, new)| Change {
            object,
            field,
            before: Value::Null,
            after: new,
        }));
        Ok(changes)
    }
}

/// Appends one entry naming `touched` and what the request named, attributed to the caller's
/// organisations and to the owners of every object named.
async fn entry(
    db: &impl ConnectionTrait,
    ctx: &RequestContext,
    operation: &str,
    touched: &[Uuid],
    outcome: &str,
    changes: &[Change],
) -> Result<()> {
    let mut ids = ctx.named.clone();
    for id in touched {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    let mut organisations = ctx.caller.organisation_ids().unwrap_or_default();
    organisations.extend(owners_of(db, &ids).await?);
    organisations.sort();
    organisations.dedup();
    let caller = &ctx.caller;
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(Utc::now()),
        principal_id: Set(caller.principal_id()),
        principal_name: Set(caller.name().to_string()),
        operation: Set(operation.to_string()),
        object_ids: Set(serde_json::json!(ids)),
        organisation_ids: Set(serde_json::json!(organisations)),
        outcome: Set(outcome.to_string()),
        request_id: Set(ctx.request_id.to_string()),
        changes: Set(if changes.is_empty() {
            None
        } else {
            Some(serde_json::to_value(changes).map_err(Error::internal)?)
        }),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The organisations owning the objects behind `ids` (pathways and their steps and transitions,
/// projects and their measures, drivers and cycles, event logs, organisations themselves), so
/// an owner's administrators see what anyone did, or tried, with their objects. One statement:
/// it runs inside the write's transaction, where every round trip holds the write lock longer.
pub async fn owners_of(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    use entity::{driver, measure, pdsa_cycle, step, transition};
    use sea_orm::sea_query::{Query, SelectStatement, UnionType};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = || ids.iter().copied();
    /// `SELECT parent FROM table WHERE id IN ids`.
    fn parents<E: EntityTrait>(id: E::Column, parent: E::Column, ids: &[Uuid]) -> SelectStatement {
        Query::select()
            .column(parent)
            .from(E::default())
            .and_where(id.is_in(ids.iter().copied()))
            .to_owned()
    }
    let all: Vec<Uuid> = ids().collect();
    let mut query = Query::select()
        .column(pathway::Column::OwnerId)
        .from(pathway::Entity)
        .cond_where(
            sea_orm::Condition::any()
                .add(pathway::Column::Id.is_in(ids()))
                .add(pathway::Column::Id.in_subquery(parents::<step::Entity>(
                    step::Column::Id,
                    step::Column::PathwayId,
                    &all,
                )))
                .add(
                    pathway::Column::Id.in_subquery(parents::<transition::Entity>(
                        transition::Column::Id,
                        transition::Column::PathwayId,
                        &all,
                    )),
                )
                .add(
                    pathway::Column::Id.in_subquery(parents::<entity::simulation_run::Entity>(
                        entity::simulation_run::Column::Id,
                        entity::simulation_run::Column::PathwayId,
                        &all,
                    )),
                ),
        )
        .to_owned();
    let projects = Query::select()
        .column(improvement_project::Column::OwnerId)
        .from(improvement_project::Entity)
        .cond_where(
            sea_orm::Condition::any()
                .add(improvement_project::Column::Id.is_in(ids()))
                .add(
                    improvement_project::Column::Id.in_subquery(parents::<measure::Entity>(
                        measure::Column::Id,
                        measure::Column::ProjectId,
                        &all,
                    )),
                )
                .add(
                    improvement_project::Column::Id.in_subquery(parents::<driver::Entity>(
                        driver::Column::Id,
                        driver::Column::ProjectId,
                        &all,
                    )),
                )
                .add(
                    improvement_project::Column::Id.in_subquery(parents::<pdsa_cycle::Entity>(
                        pdsa_cycle::Column::Id,
                        pdsa_cycle::Column::ProjectId,
                        &all,
                    )),
                ),
        )
        .to_owned();
    let logs = Query::select()
        .column(event_log::Column::OrganisationId)
        .from(event_log::Entity)
        .and_where(event_log::Column::Id.is_in(ids()))
        .and_where(event_log::Column::OrganisationId.is_not_null())
        .to_owned();
    let organisations =
        parents::<organisation::Entity>(organisation::Column::Id, organisation::Column::Id, &all);
    query
        .union(UnionType::Distinct, projects)
        .union(UnionType::Distinct, logs)
        .union(UnionType::Distinct, organisations);
    let rows = db.query_all(&query).await?;
    let mut owners = rows
        .iter()
        .map(|row| row.try_get_by_index::<Uuid>(0))
        .collect::<Result<Vec<_>, _>>()?;
    owners.sort();
    owners.dedup();
    Ok(owners)
}

/// One audit entry as it is read back.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub principal_id: Option<Uuid>,
    pub principal_name: String,
    pub operation: String,
    pub object_ids: Vec<Uuid>,
    pub outcome: String,
    pub request_id: String,
    /// What a correction changed, field by field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// One audit entry by id, for an administrator of an organisation it belongs to (`NOT_FOUND`
/// otherwise, so ids reveal nothing).
pub async fn entry_by_id(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<AuditRecord> {
    let row = audit_event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("audit entry", id))?;
    let organisations: Vec<Uuid> =
        serde_json::from_value(row.organisation_ids.clone()).unwrap_or_default();
    let row_ids = row.object_ids.clone();
    let allowed = matches!(caller, Caller::Installation)
        || organisations
            .iter()
            .any(|o| caller.role_in(*o) == Some(Role::Admin));
    if !allowed {
        return Err(Error::not_found("audit entry", id));
    }
    Ok(record_from_row(
        row,
        serde_json::from_value(row_ids).unwrap_or_default(),
    ))
}

/// An entry as read back, its object ids already decoded.
fn record_from_row(row: audit_event::Model, object_ids: Vec<Uuid>) -> AuditRecord {
    AuditRecord {
        id: row.id,
        at: row.at,
        principal_id: row.principal_id,
        principal_name: row.principal_name,
        operation: row.operation,
        object_ids,
        outcome: row.outcome,
        request_id: row.request_id,
        changes: row
            .changes
            .and_then(|c| serde_json::from_value(c).ok())
            .unwrap_or_default(),
    }
}

/// What to read of the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entries naming this organisation (the caller must administer it); all for the
    /// installation when `None`.
    pub organisation_id: Option<Uuid>,
    pub principal_id: Option<Uuid>,
    pub object_id: Option<Uuid>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries after this one (by id, which orders by time).
    pub after: Option<Uuid>,
    /// Entries before this one.
    pub before: Option<Uuid>,
    /// The last `limit` entries (still returned oldest first) rather than the first.
    pub from_end: bool,
    pub limit: u64,
}

/// Audit entries in time order (the first `limit`, or the last with `from_end`). A principal must
/// administer the organisation asked for. O(entries scanned): the organisation and object filters
/// are applied here, a batch at a time, because JSON containment differs between SQLite and
/// PostgreSQL.
pub async fn audit_trail(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>> {
    let mut out = Vec::new();
    scan(db, caller, filter, |record| {
        out.push(record);
        out.len() as u64 >= filter.limit.max(1)
    })
    .await?;
    if filter.from_end {
        out.reverse();
    }
    Ok(out)
}

/// How many entries match the filter, whatever its cursors and limit. O(entries scanned).
pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &AuditFilter,
) -> Result<u64> {
    let whole = AuditFilter {
        after: None,
        before: None,
        from_end: false,
        limit: u64::MAX,
        ..filter.clone()
    };
    let mut n = 0u64;
    scan(db, caller, &whole, |_| {
        n += 1;
        false
    })
    .await?;
    Ok(n)
}

/// Feeds the matching entries, in the filter's direction, to `take` until it says it has enough.
async fn scan(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &AuditFilter,
    mut take: impl FnMut(AuditRecord) -> bool,
) -> Result<()> {
    match (caller, filter.organisation_id) {
        (Caller::Installation, _) => {}
        (_, Some(org)) => require_organisation(caller, org, Role::Admin)?,
        (_, None) => {
            return Err(Error::invalid(
                "organisationId",
                "name the organisation whose trail to read",
            ));
        }
    }
    let mut query = audit_event::Entity::find();
    query = if filter.from_end {
        query.order_by_desc(audit_event::Column::Id)
    } else {
        query.order_by_asc(audit_event::Column::Id)
    };
    if let Some(p) = filter.principal_id {
        query = query.filter(audit_event::Column::PrincipalId.eq(p));
    }
    if let Some(t) = filter.since {
        query = query.filter(audit_event::Column::At.gte(t));
    }
    if let Some(t) = filter.until {
        query = query.filter(audit_event::Column::At.lt(t));
    }
    if let Some(after) = filter.after {
        query = query.filter(audit_event::Column::Id.gt(after));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_event::Column::Id.lt(before));
    }
    let mut cursor: Option<Uuid> = None;
    loop {
        let mut batch = query.clone();
        if let Some(c) = cursor {
            batch = batch.filter(if filter.from_end {
                audit_event::Column::Id.lt(c)
            } else {
                audit_event::Column::Id.gt(c)
            });
        }
        let rows = batch.limit(500).all(db).await?;
        let done = rows.len() < 500;
        for row in rows {
            cursor = Some(row.id);
            let ids: Vec<Uuid> = serde_json::from_value(row.object_ids.clone()).unwrap_or_default();
            let orgs: Vec<Uuid> =
                serde_json::from_value(row.organisation_ids.clone()).unwrap_or_default();
            if filter.organisation_id.is_some_and(|o| !orgs.contains(&o)) {
                continue;
            }
            if filter.object_id.is_some_and(|o| !ids.contains(&o)) {
                continue;
            }
            if take(record_from_row(row, ids)) {
                return Ok(());
            }
        }
        if done {
            return Ok(());
        }
    }
}
