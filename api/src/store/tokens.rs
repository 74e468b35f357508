//! Principals and their API tokens: secrets are shown once and only their hashes kept; a token
//! is checked into the caller it stands for (recent ones from the caller cache).

use crate::caller::{Caller, Membership, Principal, Role};
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use entity::{api_token, membership, organisation, principal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

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
    note_use(db, &row, now).await;
    let caller = Caller::Principal(Arc::new(principal));
    let expires_in = (row.expires_at - now).to_std().unwrap_or_default();
    super::caller_cache::put(hash, caller.clone(), generation, expires_in);
    Ok(caller)
}

/// Records that a token signed in, when its last use is older than the resolution (so a busy
/// token costs one write every few minutes, and none while the caller cache answers for it). A
/// failed write is logged, never a reason to refuse the caller.
async fn note_use(db: &impl ConnectionTrait, row: &api_token::Model, now: DateTime<Utc>) {
    let stale = now - Duration::minutes(api_token::LAST_USED_RESOLUTION_MINUTES);
    if row.last_used_at.is_some_and(|at| at > stale) {
        return;
    }
    let written = api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(row.id))
        .exec(db)
        .await;
    if let Err(e) = written {
        tracing::warn!(token = %row.id, error = %e, "recording a token's last use failed");
    }
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
    /// The principal may already exist with memberships of other organisations: without this,
    /// reusing a name another organisation's principal has is refused (a typo or a clash must not
    /// silently join two organisations' people).
    pub existing: bool,
    /// May upload and append patient-level events for the organisation; `None`: system clients
    /// may, people may not.
    pub events_write: Option<bool>,
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
    /// When it last signed in (to within a few minutes); `None` if never.
    pub last_used_at: Option<DateTime<Utc>>,
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
    if let Some(found) = principal::Entity::find()
        .filter(principal::Column::Name.eq(name.as_str()))
        .one(&tx)
        .await?
    {
        check_reuse(&tx, &found, org, &new).await?;
        require_all_administered(&tx, &ctx.caller, found.id).await?;
    }
    let principal_id =
        principal_named(&tx, &name, new.system, new.oidc_subject.clone(), now).await?;
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
        events_write: Set(new.events_write.unwrap_or(new.system)),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    let token_name = new.name.clone().unwrap_or_else(|| name.clone());
    let expires_at = now + Duration::days(new.expires_in_days);
    let (id, secret) = insert_token(&tx, principal_id, &token_name, expires_at, now).await?;
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
            last_used_at: None,
        },
    ))
}

/// `FORBIDDEN` unless the caller administers every organisation the principal belongs to (or
/// is the principal): a new secret for someone signs in with all their memberships, so only
/// who answers for all of them may mint one.
pub async fn require_all_administered(
    db: &impl ConnectionTrait,
    caller: &Caller,
    principal_id: Uuid,
) -> Result<()> {
    if matches!(caller, Caller::Installation) || caller.principal_id() == Some(principal_id) {
        return Ok(());
    }
    let foreign = membership::Entity::find()
        .filter(membership::Column::PrincipalId.eq(principal_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|m| caller.role_in(m.organisation_id) != Some(Role::Admin))
        .count();
    if foreign > 0 {
        return Err(Error::Forbidden(format!(
            "this principal also belongs to {foreign} organisation(s) you do not administer: only their administrators together can give it a new secret"
        )));
    }
    Ok(())
}

/// Refuses a token for an existing principal that would change what it is or join it to another
/// organisation without `existing`, naming the memberships it already has.
async fn check_reuse(
    tx: &WriteTransaction,
    found: &principal::Model,
    org: Uuid,
    new: &NewToken,
) -> Result<()> {
    if new.system && found.kind != "SYSTEM" {
        return Err(Error::Conflict(format!(
            "'{}' is a person, not a system client: a system's token needs a principal of its own",
            found.name
        )));
    }
    let memberships = membership::Entity::find()
        .filter(membership::Column::PrincipalId.eq(found.id))
        .all(tx)
        .await?;
    // A principal with no membership yet, or already a member here, joins nobody new.
    if new.existing
        || memberships.is_empty()
        || memberships.iter().any(|m| m.organisation_id == org)
    {
        return Ok(());
    }
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.organisation_id).collect();
    let codes: std::collections::HashMap<Uuid, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(tx)
        .await?
        .into_iter()
        .map(|o| (o.id, o.ods_code))
        .collect();
    let held: Vec<String> = memberships
        .iter()
        .map(|m| {
            let code = codes.get(&m.organisation_id).map_or("?", String::as_str);
            format!("{} in {code}", m.role)
        })
        .collect();
    Err(Error::Conflict(format!(
        "a principal named '{}' already exists ({}); give --existing to add this membership to it, or use another name",
        found.name,
        held.join(", ")
    )))
}

/// The principal of this name, created (a person, or a system client) when there is none.
async fn principal_named(
    tx: &WriteTransaction,
    name: &str,
    system: bool,
    oidc_subject: Option<String>,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    if let Some(p) = principal::Entity::find()
        .filter(principal::Column::Name.eq(name))
        .one(tx)
        .await?
    {
        return Ok(p.id);
    }
    let id = Uuid::now_v7();
    principal::Entity::insert(principal::ActiveModel {
        id: Set(id),
        name: Set(name.to_string()),
        kind: Set(if system { "SYSTEM" } else { "PERSON" }.into()),
        oidc_subject: Set(oidc_subject),
        created_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(id)
}

/// A new token for the principal: its id and its secret (only the hash is stored).
pub(super) async fn insert_token(
    tx: &WriteTransaction,
    principal_id: Uuid,
    name: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Uuid, String)> {
    let secret = new_secret()?;
    let id = Uuid::now_v7();
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        principal_id: Set(principal_id),
        name: Set(name.to_string()),
        token_hash: Set(token_hash(&secret)),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        created_at: Set(now),
        last_used_at: Set(None),
    })
    .exec_without_returning(tx)
    .await?;
    Ok((id, secret))
}

/// The demo's administrator: ADMIN (with EVENTS_WRITE) in every organisation there is, and its
/// token (printed by `serve --demo`): `previous` again when it is still the administrator's and
/// valid for more than a day (a restart prints the same token), else a fresh 30-day one.
pub async fn demo_administrator_token(
    db: &DatabaseConnection,
    previous: Option<&str>,
) -> Result<String> {
    const NAME: &str = "demo administrator";
    let reusable = match previous {
        Some(secret) => api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash(secret)))
            .all(db)
            .await?
            .into_iter()
            .next()
            .filter(|t| t.revoked_at.is_none() && t.expires_at > Utc::now() + Duration::days(1))
            .map(|t| (t.principal_id, secret.to_string())),
        None => None,
    };
    let tx = begin_write(db).await?;
    tx.changes_access();
    let now = Utc::now();
    let principal_id = principal_named(&tx, NAME, false, None, now).await?;
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
    let (id, secret) = match reusable.filter(|(owner, _)| *owner == principal_id) {
        Some((_, secret)) => {
            super::audit::commit(
                tx,
                &RequestContext::command("demo token reuse"),
                &[principal_id],
            )
            .await?;
            return Ok(secret);
        }
        None => insert_token(&tx, principal_id, "demo", now + Duration::days(30), now).await?,
    };
    super::audit::commit(
        tx,
        &RequestContext::command("demo token create"),
        &[id, principal_id],
    )
    .await?;
    Ok(secret)
}

/// Every token (never a secret), newest first.
/// The installation sees every token; a principal those of the members of the organisations it
/// administers (itself included).
pub async fn list_tokens(db: &impl ConnectionTrait, caller: &Caller) -> Result<Vec<TokenRecord>> {
    let mut principals = principal::Entity::find();
    if let Some(orgs) = caller.organisation_ids() {
        let administered: Vec<Uuid> = orgs
            .into_iter()
            .filter(|o| caller.role_in(*o) == Some(Role::Admin))
            .collect();
        let members = sea_orm::sea_query::Query::select()
            .column(membership::Column::PrincipalId)
            .from(membership::Entity)
            .and_where(membership::Column::OrganisationId.is_in(administered))
            .to_owned();
        principals = principals.filter(
            sea_orm::Condition::any()
                .add(principal::Column::Id.in_subquery(members))
                .add(principal::Column::Id.is_in(caller.principal_id())),
        );
    }
    let principals: std::collections::HashMap<Uuid, String> = principals
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(api_token::Entity::find()
        .filter(api_token::Column::PrincipalId.is_in(principals.keys().copied()))
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
            last_used_at: t.last_used_at,
        })
        .collect())
}

/// A token as `qiflow token list` shows it: with its principal's kind and memberships.
#[derive(Debug, Clone)]
pub struct ListedToken {
    pub token: TokenRecord,
    pub system: bool,
    /// "ADMIN in RX8", one per membership, by ODS code.
    pub memberships: Vec<String>,
}

/// Every token the caller may list ([`list_tokens`]) with its principal's kind and roles: three
/// statements however many tokens.
pub async fn list_with_memberships(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> Result<Vec<ListedToken>> {
    let tokens = list_tokens(db, caller).await?;
    let rows = api_token::Entity::find()
        .filter(api_token::Column::Id.is_in(tokens.iter().map(|t| t.id)))
        .all(db)
        .await?;
    let principal_of: std::collections::HashMap<Uuid, Uuid> =
        rows.iter().map(|t| (t.id, t.principal_id)).collect();
    let principals: std::collections::HashMap<Uuid, principal::Model> = principal::Entity::find()
        .filter(principal::Column::Id.is_in(principal_of.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let memberships = membership::Entity::find()
        .filter(membership::Column::PrincipalId.is_in(principals.keys().copied()))
        .all(db)
        .await?;
    let codes: std::collections::HashMap<Uuid, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(memberships.iter().map(|m| m.organisation_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.ods_code))
        .collect();
    Ok(tokens
        .into_iter()
        .map(|token| {
            let principal = principal_of.get(&token.id).copied();
            let mut held: Vec<String> = memberships
                .iter()
                .filter(|m| Some(m.principal_id) == principal)
                .map(|m| {
                    let code = codes.get(&m.organisation_id).map_or("?", String::as_str);
                    format!("{} in {code}", m.role)
                })
                .collect();
            held.sort();
            ListedToken {
                system: principal
                    .and_then(|p| principals.get(&p))
                    .is_some_and(|p| p.kind == "SYSTEM"),
                memberships: held,
                token,
            }
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
