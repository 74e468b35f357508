//! Access control in the store: principals and their API tokens (only hashes are kept),
//! memberships, shares, the caller's role on a pathway or project, and the audit trail.

use crate::caller::{Caller, Membership, Principal, Role};
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{Error, Result};
use crate::store::Unique as _;
use chrono::{DateTime, Duration, Utc};
use entity::{
    api_token, event_log, improvement_project, membership, organisation, pathway, principal, share,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

/// Object kinds that can be shared.
pub const PATHWAY: &str = "PATHWAY";
pub const PROJECT: &str = "PROJECT";

/// Prefix of qiflow API tokens, so leaked ones are recognisable.
pub const TOKEN_PREFIX: &str = "qf_";

/// A fresh token secret: 256 random bits as hex after the prefix.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// What is stored for a secret: its SHA-256, as hex. A 256-bit random secret needs no salt or
/// slow hash: there is nothing to guess.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

/// A principal with its memberships, as the store loads it.
pub async fn load_principal(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Principal>> {
    let Some(row) = principal::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let memberships = membership::Entity::find()
        .filter(membership::Column::PrincipalId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Membership {
                organisation_id: m.organisation_id,
                role: Role::parse(&m.role)?,
                events_write: m.events_write,
            })
        })
        .collect();
    Ok(Some(Principal {
        id: row.id,
        name: row.name,
        system: row.kind == "SYSTEM",
        memberships,
    }))
}

/// The caller with its memberships read again (after it created organisations, say).
pub async fn refresh(db: &impl ConnectionTrait, caller: &Caller) -> Result<Caller> {
    match caller {
        Caller::Principal(p) => Ok(load_principal(db, p.id)
            .await?
            .map_or(Caller::Anonymous, |p| Caller::Principal(Arc::new(p)))),
        other => Ok(other.clone()),
    }
}

/// The caller an API token stands for: `UNAUTHENTICATED` when it is unknown, expired or
/// revoked (the same answer for each, so a guesser learns nothing).
/// Recently verified tokens are answered from [`super::caller_cache`].
pub async fn authenticate_token(db: &impl ConnectionTrait, secret: &str) -> Result<Caller> {
    let hash = token_hash(secret);
    if let Some(caller) = super::caller_cache::get(&hash) {
        return Ok(caller);
    }
    let generation = super::caller_cache::generation();
    // A unique key: `all` rather than `one`, whose bound LIMIT makes SQLite prepare the
    // statement afresh every time.
    let row = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash.clone()))
        .all(db)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::Unauthenticated)?;
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(Error::Unauthenticated);
    }
    let principal = load_principal(db, row.principal_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let caller = Caller::Principal(Arc::new(principal));
    let expires_in = (row.expires_at - now).to_std().unwrap_or_default();
    super::caller_cache::put(hash, caller.clone(), generation, expires_in);
    Ok(caller)
}

/// The caller an identity provider's subject maps to, if a principal has it.
pub async fn caller_for_subject(db: &impl ConnectionTrait, subject: &str) -> Result<Caller> {
    let row = principal::Entity::find()
        .filter(principal::Column::OidcSubject.eq(subject))
        .one(db)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let principal = load_principal(db, row.id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok(Caller::Principal(Arc::new(principal)))
}

/// A token to issue.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The principal's name; created if new.
    pub principal: String,
    pub system: bool,
    /// ODS code of the organisation the principal gets `role` in.
    pub organisation: String,
    /// Creates the organisation when the ODS code is new (how the first administrator of an
    /// installation is made).
    pub organisation_name: Option<String>,
    pub role: Role,
    pub expires_in_days: i64,
    /// A label for the token (defaults to the principal's name).
    pub name: Option<String>,
    /// The identity provider's subject for this principal, if it signs in with OIDC.
    pub oidc_subject: Option<String>,
}

/// An issued token, without its secret.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: Uuid,
    pub principal: String,
    pub name: String,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Issues a token: creates the principal (and the organisation, when named) if needed, sets its
/// membership, and returns the secret, shown once. System clients may write events for their
/// own organisation. One transaction; audited.
pub async fn create_token(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    new: NewToken,
) -> Result<(String, TokenRecord)> {
    let name = engine::values::parse_text(&new.principal, engine::pathway::MAX_NAME)
        .map_err(|e| Error::invalid("principal", e))?;
    if !(1..=3650).contains(&new.expires_in_days) {
        return Err(Error::invalid("expires", "must be 1 to 3650 days"));
    }
    let tx = begin_write(db).await?;
    tx.changes_access();
    let code = engine::OdsCode::parse(&new.organisation).map_err(|e| Error::invalid("org", e))?;
    let org = match organisation::Entity::find()
        .filter(organisation::Column::OdsCode.eq(code.as_str()))
        .one(&tx)
        .await?
    {
        Some(org) => org.id,
        None => {
            let Some(org_name) = &new.organisation_name else {
                return Err(Error::invalid(
                    "org",
                    format!("no organisation {code}; give --org-name to create it"),
                ));
            };
            let parsed = engine::pathway::OrganisationInput {
                ods_code: code.to_string(),
                name: org_name.clone(),
                kind: engine::OrganisationKind::Other,
            }
            .parse()?;
            super::organisations::insert(&tx, parsed).await?.id
        }
    };
    if ctx.caller.role_in(org) != Some(Role::Admin) {
        return Err(Error::Forbidden(format!(
            "only an administrator of {code} may issue its tokens"
        )));
    }
    let now = Utc::now();
    let principal_id = match principal::Entity::find()
        .filter(principal::Column::Name.eq(name.clone()))
        .one(&tx)
        .await?
    {
        Some(p) => p.id,
        None => {
            let id = Uuid::now_v7();
            principal::Entity::insert(principal::ActiveModel {
                id: Set(id),
                name: Set(name.clone()),
                kind: Set(if new.system { "SYSTEM" } else { "PERSON" }.into()),
                oidc_subject: Set(new.oidc_subject.clone()),
                created_at: Set(now),
            })
            .exec_without_returning(&tx)
            .await?;
            id
        }
    };
    membership::Entity::delete_many()
        .filter(membership::Column::PrincipalId.eq(principal_id))
        .filter(membership::Column::OrganisationId.eq(org))
        .exec(&tx)
        .await?;
    membership::Entity::insert(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        principal_id: Set(principal_id),
        organisation_id: Set(org),
        role: Set(new.role.as_str().into()),
        events_write: Set(new.system),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    let secret = new_secret()?;
    let id = Uuid::now_v7();
    let token_name = new.name.clone().unwrap_or_else(|| name.clone());
    let expires_at = now + Duration::days(new.expires_in_days);
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        principal_id: Set(principal_id),
        name: Set(token_name.clone()),
        token_hash: Set(token_hash(&secret)),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    super::audit::commit(tx, ctx, &[id, principal_id, org]).await?;
    Ok((
        secret,
        TokenRecord {
            id,
            principal: name,
            name: token_name,
            expires_at,
            revoked_at: None,
            created_at: now,
        },
    ))
}

/// The demo's administrator: ADMIN (with EVENTS_WRITE) in every organisation there is, and a
/// fresh 30-day token for it, whose secret is returned (printed by `serve --demo`).
pub async fn demo_administrator_token(db: &DatabaseConnection) -> Result<String> {
    const NAME: &str = "demo administrator";
    let tx = begin_write(db).await?;
    tx.changes_access();
    let now = Utc::now();
    let principal_id = match principal::Entity::find()
        .filter(principal::Column::Name.eq(NAME))
        .one(&tx)
        .await?
    {
        Some(p) => p.id,
        None => {
            let id = Uuid::now_v7();
            principal::Entity::insert(principal::ActiveModel {
                id: Set(id),
                name: Set(NAME.into()),
                kind: Set("PERSON".into()),
                oidc_subject: Set(None),
                created_at: Set(now),
            })
            .exec_without_returning(&tx)
            .await?;
            id
        }
    };
    membership::Entity::delete_many()
        .filter(membership::Column::PrincipalId.eq(principal_id))
        .exec(&tx)
        .await?;
    for org in organisation::Entity::find().all(&tx).await? {
        membership::Entity::insert(membership::ActiveModel {
            id: Set(Uuid::now_v7()),
            principal_id: Set(principal_id),
            organisation_id: Set(org.id),
            role: Set(Role::Admin.as_str().into()),
            events_write: Set(true),
            created_at: Set(now),
        })
        .exec_without_returning(&tx)
        .await?;
    }
    let secret = new_secret()?;
    let id = Uuid::now_v7();
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        principal_id: Set(principal_id),
        name: Set("demo".into()),
        token_hash: Set(token_hash(&secret)),
        expires_at: Set(now + Duration::days(30)),
        revoked_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    super::audit::commit(
        tx,
        &RequestContext::command("demo token create"),
        &[id, principal_id],
    )
    .await?;
    Ok(secret)
}

/// Every token (never a secret), newest first.
pub async fn list_tokens(db: &DatabaseConnection) -> Result<Vec<TokenRecord>> {
    let principals: std::collections::HashMap<Uuid, String> = principal::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(api_token::Entity::find()
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|t| TokenRecord {
            id: t.id,
            principal: principals.get(&t.principal_id).cloned().unwrap_or_default(),
            name: t.name,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            created_at: t.created_at,
        })
        .collect())
}

/// Revokes a token by id; audited. `NOT_FOUND` when there is no such token.
pub async fn revoke_token(db: &DatabaseConnection, ctx: &RequestContext, id: Uuid) -> Result<()> {
    let tx = begin_write(db).await?;
    tx.changes_access();
    let updated = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::not_found("active token", id));
    }
    super::audit::commit(tx, ctx, &[id]).await?;
    Ok(())
}

/// The best role a share of `kind` gives any of the caller's organisations on the object.
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
        .filter_map(|s| Role::parse(&s.role))
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
async fn visible_owner(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: &str,
    object: Uuid,
) -> Result<Uuid> {
    let owner = match kind {
        PATHWAY => pathway::Entity::find_by_id(object)
            .filter(super::visible_pathways(caller))
            .unique(db)
            .await?
            .map(|p| p.owner_id),
        _ => improvement_project::Entity::find_by_id(object)
            .filter(super::visible_projects(caller))
            .one(db)
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
        .filter(super::visible_logs(caller))
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
