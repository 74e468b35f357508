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

/// One organisation's share of a pathway or project.
#[derive(Debug, Clone)]
pub struct ShareRecord {
    pub organisation_id: Uuid,
    pub ods_code: String,
    pub organisation_name: String,
    pub role: Role,
    pub created_at: chrono::DateTime<Utc>,
}

/// Who a pathway or project is shared with, oldest share first: for members of the owning
/// organisation (others, who see the object through a share or its steps, get none).
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    caller: &crate::caller::Caller,
    kind: &'static str,
    object: Uuid,
) -> Result<Vec<ShareRecord>> {
    let owner = visible_owner(db, caller, kind, object).await?;
    if caller.role_in(owner).is_none() {
        return Ok(Vec::new());
    }
    let shares = share::Entity::find()
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(object))
        .all(db)
        .await?;
    let organisations: std::collections::HashMap<Uuid, organisation::Model> =
        organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(shares.iter().map(|s| s.organisation_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
    let mut out: Vec<ShareRecord> = shares
        .into_iter()
        .filter_map(|s| {
            let org = organisations.get(&s.organisation_id)?;
            Some(ShareRecord {
                organisation_id: s.organisation_id,
                ods_code: org.ods_code.clone(),
                organisation_name: org.name.clone(),
                role: Role::parse(&s.role)?,
                created_at: s.created_at,
            })
        })
        .collect();
    out.sort_by_key(|s| s.created_at);
    Ok(out)
}

/// Revokes an organisation's share of a pathway or project (the owner's administrators only);
/// `VALIDATION` naming `organisationId` when it has none. Takes effect on the sharee's next
/// request.
pub async fn revoke(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    kind: &'static str,
    object: Uuid,
    organisation_id: Uuid,
) -> Result<()> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let owner = visible_owner(&tx, caller, kind, object).await?;
    require_organisation(caller, owner, Role::Admin)?;
    let roles: Vec<String> = share::Entity::find()
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(object))
        .filter(share::Column::OrganisationId.eq(organisation_id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|s| s.role)
        .collect();
    let removed = share::Entity::delete_many()
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(object))
        .filter(share::Column::OrganisationId.eq(organisation_id))
        .exec(&tx)
        .await?
        .rows_affected;
    if removed == 0 {
        return Err(Error::invalid(
            "organisationId",
            format!(
                "organisation {organisation_id} has no share of this {}",
                kind.to_lowercase()
            ),
        ));
    }
    let change = super::audit::Change {
        object,
        field: format!("shares[{organisation_id}]"),
        before: roles.join(", ").into(),
        after: serde_json::Value::Null,
    };
    super::audit::commit_changes(tx, ctx, &[object, organisation_id], &[change]).await?;
    Ok(())
}
