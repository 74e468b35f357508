//! An organisation's members and their tokens, administered by the organisation's ADMINs
//! through GraphQL: listed, added, given another role, removed (never the last ADMIN); tokens
//! issued (the secret shown once), listed (never the secret), revoked and rotated. Every change
//! is audited with its before and after.

use super::audit::Change;
use super::tokens::{self, TokenRecord};
use crate::caller::{Caller, Role};
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use entity::{api_token, membership, organisation, principal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// The longest a rotated token keeps working beside its replacement.
pub const MAX_ROTATION_OVERLAP_HOURS: i64 = 7 * 24;

/// A member of an organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRecord {
    pub principal_id: Uuid,
    pub name: String,
    /// A system client rather than a person.
    pub system: bool,
    pub oidc_subject: Option<String>,
    pub role: Role,
    pub events_write: bool,
    pub since: DateTime<Utc>,
}

/// `FORBIDDEN` unless the caller administers `organisation_id`.
fn require_admin(caller: &Caller, organisation_id: Uuid) -> Result<()> {
    super::access::require_organisation(caller, organisation_id, Role::Admin)
}

/// The organisation's members, by name. Only its ADMINs may list them.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    organisation_id: Uuid,
) -> Result<Vec<MemberRecord>> {
    require_admin(caller, organisation_id)?;
    let rows = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await?;
    let principals: std::collections::HashMap<Uuid, principal::Model> = principal::Entity::find()
        .filter(principal::Column::Id.is_in(rows.iter().map(|m| m.principal_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut members: Vec<MemberRecord> = rows
        .into_iter()
        .filter_map(|m| {
            let p = principals.get(&m.principal_id)?;
            Some(MemberRecord {
                principal_id: p.id,
                name: p.name.clone(),
                system: p.kind == "SYSTEM",
                oidc_subject: p.oidc_subject.clone(),
                role: Role::parse(&m.role)?,
                events_write: m.events_write,
                since: m.created_at,
            })
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(members)
}

/// A person to add to an organisation.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// The person's name as qiflow shows it; an existing principal of this name is reused.
    pub name: String,
    /// The identity provider's subject, for a person who signs in with OIDC.
    pub oidc_subject: Option<String>,
    pub role: Role,
}

/// Adds a person to an organisation with a role (creating the principal when the name is
/// new). `CONFLICT` when they are already a member (change their role instead).
pub async fn add(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    organisation_id: Uuid,
    new: NewMember,
) -> Result<MemberRecord> {
    let caller = &ctx.caller;
    require_admin(caller, organisation_id)?;
    let name = engine::values::parse_text(&new.name, engine::pathway::MAX_NAME)
        .map_err(|e| Error::invalid("name", e))?;
    let subject = new
        .oidc_subject
        .as_deref()
        .map(|s| engine::values::parse_text(s, 500).map_err(|e| Error::invalid("oidcSubject", e)))
        .transpose()?;
    let tx = begin_write(db).await?;
    tx.changes_access();
    let now = Utc::now();
    let found = match &subject {
        Some(s) => {
            principal::Entity::find()
                .filter(principal::Column::OidcSubject.eq(s.as_str()))
                .one(&tx)
                .await?
        }
        None => None,
    };
    let found = match found {
        Some(p) => Some(p),
        None => {
            principal::Entity::find()
                .filter(principal::Column::Name.eq(name.as_str()))
                .one(&tx)
                .await?
        }
    };
    let principal_id = match found {
        Some(p) if p.kind == "SYSTEM" => {
            return Err(Error::invalid(
                "name",
                format!("'{}' is a system client: issue it a token instead", p.name),
            ));
        }
        Some(p) => p.id,
        None => {
            let id = Uuid::now_v7();
            principal::Entity::insert(principal::ActiveModel {
                id: Set(id),
                name: Set(name.clone()),
                kind: Set("PERSON".into()),
                oidc_subject: Set(subject.clone()),
                created_at: Set(now),
            })
            .exec_without_returning(&tx)
            .await?;
            id
        }
    };
    if membership_of(&tx, principal_id, organisation_id)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "'{name}' is already a member: change their role instead"
        )));
    }
    membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        principal_id: Set(principal_id),
        organisation_id: Set(organisation_id),
        role: Set(new.role.as_str().into()),
        events_write: Set(false),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    let change = Change {
        object: principal_id,
        field: "role".into(),
        before: serde_json::Value::Null,
        after: new.role.as_str().into(),
    };
    let added = member(&tx, principal_id, organisation_id).await?;
    super::audit::commit_changes(tx, ctx, &[organisation_id, principal_id], &[change]).await?;
    Ok(added)
}

async fn membership_of(
    db: &impl ConnectionTrait,
    principal_id: Uuid,
    organisation_id: Uuid,
) -> Result<Option<membership::Model>> {
    Ok(membership::Entity::find()
        .filter(membership::Column::PrincipalId.eq(principal_id))
        .filter(membership::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?)
}

async fn member(
    db: &impl ConnectionTrait,
    principal_id: Uuid,
    organisation_id: Uuid,
) -> Result<MemberRecord> {
    let m = membership_of(db, principal_id, organisation_id)
        .await?
        .ok_or_else(|| Error::not_found("member", principal_id))?;
    let p = principal::Entity::find_by_id(principal_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("member", principal_id))?;
    Ok(MemberRecord {
        principal_id,
        name: p.name,
        system: p.kind == "SYSTEM",
        oidc_subject: p.oidc_subject,
        role: Role::parse(&m.role)
            .ok_or_else(|| Error::internal(anyhow::anyhow!("stored role {} is unknown", m.role)))?,
        events_write: m.events_write,
        since: m.created_at,
    })
}

/// Refuses a change that would leave the organisation without an ADMIN.
async fn keep_an_admin(
    tx: &WriteTransaction,
    organisation_id: Uuid,
    leaving: &membership::Model,
) -> Result<()> {
    if leaving.role != Role::Admin.as_str() {
        return Ok(());
    }
    let admins = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(organisation_id))
        .filter(membership::Column::Role.eq(Role::Admin.as_str()))
        .count(tx)
        .await?;
    if admins <= 1 {
        return Err(Error::invalid(
            "principalId",
            "this is the organisation's last ADMIN: make someone else ADMIN first",
        ));
    }
    Ok(())
}

/// Gives a member another role (`VALIDATION` when it would leave no ADMIN).
pub async fn set_role(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    organisation_id: Uuid,
    principal_id: Uuid,
    role: Role,
) -> Result<MemberRecord> {
    require_admin(&ctx.caller, organisation_id)?;
    let tx = begin_write(db).await?;
    tx.changes_access();
    let current = membership_of(&tx, principal_id, organisation_id)
        .await?
        .ok_or_else(|| Error::not_found("member", principal_id))?;
    if role != Role::Admin {
        keep_an_admin(&tx, organisation_id, &current).await?;
    }
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, Expr::value(role.as_str()))
        .filter(membership::Column::Id.eq(current.id))
        .exec(&tx)
        .await?;
    let change = Change {
        object: principal_id,
        field: "role".into(),
        before: current.role.clone().into(),
        after: role.as_str().into(),
    };
    let changed = member(&tx, principal_id, organisation_id).await?;
    super::audit::commit_changes(tx, ctx, &[organisation_id, principal_id], &[change]).await?;
    Ok(changed)
}

/// Removes a member (`VALIDATION` for the last ADMIN). Their tokens stay, but give no access to
/// this organisation any more.
pub async fn remove(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    organisation_id: Uuid,
    principal_id: Uuid,
) -> Result<()> {
    require_admin(&ctx.caller, organisation_id)?;
    let tx = begin_write(db).await?;
    tx.changes_access();
    let current = membership_of(&tx, principal_id, organisation_id)
        .await?
        .ok_or_else(|| Error::not_found("member", principal_id))?;
    keep_an_admin(&tx, organisation_id, &current).await?;
    membership::Entity::delete_by_id(current.id)
        .exec(&tx)
        .await?;
    let change = Change {
        object: principal_id,
        field: "role".into(),
        before: current.role.into(),
        after: serde_json::Value::Null,
    };
    super::audit::commit_changes(tx, ctx, &[organisation_id, principal_id], &[change]).await
}

/// A token as its administrators see it: never the secret.
#[derive(Debug, Clone)]
pub struct OrganisationToken {
    pub token: TokenRecord,
    pub principal_id: Uuid,
    pub system: bool,
    pub role: Role,
    pub events_write: bool,
}

/// The tokens of the organisation's members, newest first, with each member's role here.
pub async fn tokens(
    db: &impl ConnectionTrait,
    caller: &Caller,
    organisation_id: Uuid,
) -> Result<Vec<OrganisationToken>> {
    let members = list(db, caller, organisation_id).await?;
    let by_id: std::collections::HashMap<Uuid, &MemberRecord> =
        members.iter().map(|m| (m.principal_id, m)).collect();
    Ok(api_token::Entity::find()
        .filter(api_token::Column::PrincipalId.is_in(by_id.keys().copied()))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|t| {
            let m = by_id.get(&t.principal_id)?;
            Some(OrganisationToken {
                principal_id: m.principal_id,
                system: m.system,
                role: m.role,
                events_write: m.events_write,
                token: TokenRecord {
                    id: t.id,
                    principal: m.name.clone(),
                    name: t.name,
                    expires_at: t.expires_at,
                    revoked_at: t.revoked_at,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                },
            })
        })
        .collect())
}

/// A token's row, when the caller administers an organisation its principal belongs to (or it
/// is the caller's own); `NOT_FOUND` otherwise, so token ids of other organisations reveal
/// nothing.
async fn administered_token(
    db: &impl ConnectionTrait,
    caller: &Caller,
    token_id: Uuid,
) -> Result<api_token::Model> {
    let row = api_token::Entity::find_by_id(token_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("token", token_id))?;
    if matches!(caller, Caller::Installation) || caller.principal_id() == Some(row.principal_id) {
        return Ok(row);
    }
    let organisations: Vec<Uuid> = membership::Entity::find()
        .filter(membership::Column::PrincipalId.eq(row.principal_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.organisation_id)
        .collect();
    if organisations
        .iter()
        .any(|o| caller.role_in(*o) == Some(Role::Admin))
    {
        Ok(row)
    } else {
        Err(Error::not_found("token", token_id))
    }
}

/// One token the caller administers (or its own), with its principal's role in the first of
/// its organisations the caller administers; `NOT_FOUND` otherwise.
pub async fn token(
    db: &impl ConnectionTrait,
    caller: &Caller,
    token_id: Uuid,
) -> Result<TokenRecord> {
    let row = administered_token(db, caller, token_id).await?;
    let principal = principal::Entity::find_by_id(row.principal_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(TokenRecord {
        id: row.id,
        principal,
        name: row.name,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    })
}

/// Revokes a token the caller administers; audited. `VALIDATION` when it is already revoked.
pub async fn revoke(db: &DatabaseConnection, ctx: &RequestContext, token_id: Uuid) -> Result<()> {
    let row = administered_token(db, &ctx.caller, token_id).await?;
    if row.revoked_at.is_some() {
        return Err(Error::invalid("tokenId", "the token is already revoked"));
    }
    tokens::revoke_token(db, ctx, token_id).await
}

/// Rotates a token the caller administers: a new secret for the same principal and lifetime,
/// while the old one keeps working for `overlap_hours` (at most a week; 0 ends it now). Returns
/// the new secret (shown once) and its record.
pub async fn rotate(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    token_id: Uuid,
    overlap_hours: i64,
) -> Result<(String, TokenRecord)> {
    if !(0..=MAX_ROTATION_OVERLAP_HOURS).contains(&overlap_hours) {
        return Err(Error::invalid(
            "overlapHours",
            format!("must be 0 to {MAX_ROTATION_OVERLAP_HOURS} hours"),
        ));
    }
    let tx = begin_write(db).await?;
    tx.changes_access();
    let old = administered_token(&tx, &ctx.caller, token_id).await?;
    tokens::require_all_administered(&tx, &ctx.caller, old.principal_id).await?;
    let now = Utc::now();
    if old.revoked_at.is_some() || old.expires_at <= now {
        return Err(Error::invalid(
            "tokenId",
            "the token is revoked or expired: issue a new one instead",
        ));
    }
    let lifetime = (old.expires_at - old.created_at).max(Duration::days(1));
    let ends = (now + Duration::hours(overlap_hours)).min(old.expires_at);
    api_token::Entity::update_many()
        .col_expr(api_token::Column::ExpiresAt, Expr::value(ends))
        .filter(api_token::Column::Id.eq(token_id))
        .exec(&tx)
        .await?;
    let expires_at = now + lifetime;
    let (id, secret) =
        tokens::insert_token(&tx, old.principal_id, &old.name, expires_at, now).await?;
    let name = principal::Entity::find_by_id(old.principal_id)
        .one(&tx)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let change = Change {
        object: token_id,
        field: "expiresAt".into(),
        before: serde_json::json!(old.expires_at),
        after: serde_json::json!(ends),
    };
    super::audit::commit_changes(tx, ctx, &[token_id, id, old.principal_id], &[change]).await?;
    Ok((
        secret,
        TokenRecord {
            id,
            principal: name,
            name: old.name,
            expires_at,
            revoked_at: None,
            created_at: now,
            last_used_at: None,
        },
    ))
}

/// The ODS code of an organisation, for the token issuing path that names it by code.
pub async fn ods_code(db: &impl ConnectionTrait, organisation_id: Uuid) -> Result<String> {
    organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .map(|o| o.ods_code)
        .ok_or_else(|| Error::not_found("organisation", organisation_id))
}
