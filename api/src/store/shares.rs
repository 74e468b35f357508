//! Sharing a pathway or project with another organisation, as VIEWER or EDITOR.

use super::access::*;
use super::scope::Unique as _;
use crate::caller::Role;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::Utc;
use entity::{organisation, share};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Shares a pathway or project with another organisation (`VIEWER` or `EDITOR`); the caller
/// must administer the owner. Replaces an earlier share with the same organisation.
pub async fn share(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    kind: &'static str,
    object: Uuid,
    organisation_id: Uuid,
    role: Role,
) -> Result<()> {
    let caller = &ctx.caller;
    if role == Role::Admin {
        return Err(Error::invalid("role", "a share grants VIEWER or EDITOR"));
    }
    let tx = begin_write(db).await?;
    let owner = visible_owner(&tx, caller, kind, object).await?;
    require_organisation(caller, owner, Role::Admin)?;
    organisation::Entity::find_by_id(organisation_id)
        .unique(&tx)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "organisationId",
                format!("no organisation {organisation_id}"),
            )
        })?;
    share::Entity::delete_many()
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(object))
        .filter(share::Column::OrganisationId.eq(organisation_id))
        .exec(&tx)
        .await?;
    share::Entity::insert(share::ActiveModel {
        id: Set(Uuid::now_v7()),
        object_kind: Set(kind.into()),
        object_id: Set(object),
        organisation_id: Set(organisation_id),
        role: Set(role.as_str().into()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&tx)
    .await?;
    super::audit::commit(tx, ctx, &[object, organisation_id]).await?;
    Ok(())
}
