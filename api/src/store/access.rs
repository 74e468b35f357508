//! Access control in the store: principals and their API tokens (only hashes are kept),
//! memberships, shares, the caller's role on a pathway or project, and the audit trail.

use super::scope::Unique as _;
use crate::caller::{Caller, Membership, Role};
use crate::db::WriteTransaction;
use crate::error::{Error, Result};
use chrono::Utc;
use entity::{event_log, improvement_project, membership, pathway, share};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use uuid::Uuid;

pub use super::scope::{PATHWAY, PROJECT};

/// The best role a share of `kind` gives the caller on the object through any of its
/// organisations: a share grants at most the member's own role in the receiving organisation
/// (an EDITOR share lets that organisation's editors edit and its viewers view).
async fn shared_role(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: &str,
    object: Uuid,
) -> Result<Option<Role>> {
    let Some(orgs) = caller.organisation_ids() else {
        return Ok(Some(Role::Admin));
    };
    Ok(share::Entity::find()
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(object))
        .filter(share::Column::OrganisationId.is_in(orgs))
        .all(db)
        .await?
        .iter()
        .filter_map(|s| Some(Role::parse(&s.role)?.min(caller.role_in(s.organisation_id)?)))
        .max())
}

/// The caller's role on an object owned by `owner`: the highest of its membership of the owner
/// and its organisations' shares.
async fn role_on(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: &str,
    object: Uuid,
    owner: Uuid,
) -> Result<Option<Role>> {
    let shared = shared_role(db, caller, kind, object).await?;
    Ok(caller.role_in(owner).max(shared))
}

/// The word users know an object kind by.
fn noun(kind: &str) -> &'static str {
    if kind == PATHWAY {
        "pathway"
    } else {
        "project"
    }
}

/// The owning organisation of a pathway or project the caller can see, else `NOT_FOUND`.
pub(crate) async fn visible_owner(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: &str,
    object: Uuid,
) -> Result<Uuid> {
    let owner = match kind {
        PATHWAY => pathway::Entity::find_by_id(object)
            .filter(super::scope::visible_pathways(caller))
            .unique(db)
            .await?
            .map(|p| p.owner_id),
        _ => improvement_project::Entity::find_by_id(object)
            .filter(super::scope::visible_projects(caller))
            .unique(db)
            .await?
            .map(|p| p.owner_id),
    };
    owner.ok_or_else(|| Error::not_found(noun(kind), object))
}

/// `NOT_FOUND` when the caller cannot see the object, `FORBIDDEN` when it lacks `needed` on it.
async fn require(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: &str,
    object: Uuid,
    needed: Role,
) -> Result<()> {
    let owner = visible_owner(db, caller, kind, object).await?;
    let role = role_on(db, caller, kind, object, owner).await?;
    if role.is_some_and(|r| r >= needed) {
        return Ok(());
    }
    Err(Error::Forbidden(format!(
        "you may view {} {object} but changing it needs the {} role",
        noun(kind),
        needed.as_str()
    )))
}

/// `FORBIDDEN` unless the caller has at least `needed` on the pathway (which it can see).
pub async fn require_pathway(
    db: &impl ConnectionTrait,
    caller: &Caller,
    pathway_id: Uuid,
    needed: Role,
) -> Result<()> {
    require(db, caller, PATHWAY, pathway_id, needed).await
}

/// `FORBIDDEN` unless the caller has at least `needed` on the project (which it can see).
pub async fn require_project(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
    needed: Role,
) -> Result<()> {
    require(db, caller, PROJECT, project_id, needed).await
}

/// Makes a principal that creates an organisation its first administrator.
pub async fn grant_creator(
    db: &WriteTransaction,
    caller: &Caller,
    organisation_id: Uuid,
) -> Result<()> {
    let Some(principal_id) = caller.principal_id() else {
        return Ok(());
    };
    db.changes_access();
    membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        principal_id: Set(principal_id),
        organisation_id: Set(organisation_id),
        role: Set(Role::Admin.as_str().into()),
        events_write: Set(false),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The caller as it stands after `organisation_id` was created by it (ADMIN there too).
pub fn with_created(caller: &Caller, organisation_id: Uuid) -> Caller {
    match caller {
        Caller::Principal(p) => {
            let mut p = (**p).clone();
            p.memberships.push(Membership {
                organisation_id,
                role: Role::Admin,
                events_write: false,
            });
            Caller::Principal(Arc::new(p))
        }
        other => other.clone(),
    }
}

/// `FORBIDDEN` unless the caller has at least `needed` in the organisation.
pub fn require_organisation(caller: &Caller, organisation_id: Uuid, needed: Role) -> Result<()> {
    if caller.role_in(organisation_id).is_some_and(|r| r >= needed) {
        return Ok(());
    }
    Err(Error::Forbidden(format!(
        "this needs the {} role in organisation {organisation_id}",
        needed.as_str()
    )))
}

/// `FORBIDDEN` unless the caller may write patient-level events into the log (an explicit
/// capability on the log's organisation).
pub async fn require_events_write(
    db: &impl ConnectionTrait,
    caller: &Caller,
    log_id: Uuid,
) -> Result<()> {
    let row = event_log::Entity::find_by_id(log_id)
        .filter(super::scope::visible_logs(caller))
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("event log", log_id))?;
    match (caller, row.organisation_id) {
        (Caller::Installation, _) => Ok(()),
        (_, Some(org)) if caller.may_write_events(org) => Ok(()),
        _ => Err(Error::Forbidden(format!(
            "writing events into log {log_id} needs the EVENTS_WRITE capability on its organisation"
        ))),
    }
}
