//! Self-service administration: an organisation's ADMINs list, add, re-role and remove its
//! members, and issue, list, revoke and rotate its tokens, without shell access to the server.
//! Deny by default: every field and mutation needs the ADMIN role in the organisation named.

use super::context::{caller_of, change, db, organisation_ref, parse_id};
use crate::caller::Role;
use crate::store::members::{self, MemberRecord, NewMember, OrganisationToken};
use crate::store::tokens::{self, TokenRecord};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// A role in an organisation: VIEWER reads, EDITOR also changes, ADMIN also administers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OrganisationRole")]
pub enum RoleInput {
    /// Reads only.
    Viewer,
    /// Reads, and changes the organisation's pathways, projects and logs.
    Editor,
    /// Everything an EDITOR may do, and administering members, tokens, shares and the audit trail.
    Admin,
}

impl From<RoleInput> for Role {
    fn from(r: RoleInput) -> Self {
        match r {
            RoleInput::Viewer => Role::Viewer,
            RoleInput::Editor => Role::Editor,
            RoleInput::Admin => Role::Admin,
        }
    }
}

impl From<Role> for RoleInput {
    fn from(r: Role) -> Self {
        match r {
            Role::Viewer => RoleInput::Viewer,
            Role::Editor => RoleInput::Editor,
            Role::Admin => RoleInput::Admin,
        }
    }
}

/// A person or system client with a role in an organisation.
#[derive(SimpleObject)]
pub struct OrganisationMember {
    /// The principal's id (pass it to `setOrganisationMemberRole` and `removeOrganisationMember`).
    pub(super) principal_id: ID,
    /// The person's or system's name.
    name: String,
    /// A system client (signs in with a token) rather than a person.
    system: bool,
    /// The identity provider's subject, for a person who signs in with OIDC.
    oidc_subject: Option<String>,
    /// Their role in the organisation.
    role: RoleInput,
    /// May upload and append patient-level events for the organisation.
    events_write: bool,
    /// When the membership began.
    since: DateTime<Utc>,
}

impl From<MemberRecord> for OrganisationMember {
    fn from(m: MemberRecord) -> Self {
        Self {
            principal_id: ID(m.principal_id.to_string()),
            name: m.name,
            system: m.system,
            oidc_subject: m.oidc_subject,
            role: m.role.into(),
            events_write: m.events_write,
            since: m.since,
        }
    }
}

/// An API token as its administrators see it: never its secret.
#[derive(SimpleObject)]
pub struct ApiToken {
    /// Its id: pass it to `revokeToken` or `rotateToken`.
    #[graphql(owned)]
    pub(crate) id: ID,
    /// The token's label.
    name: String,
    /// Who the token signs in as.
    principal: String,
    /// The id of the person or system it signs in as; null for a token of the installation.
    principal_id: Option<ID>,
    /// The token of a system client rather than a person.
    system: Option<bool>,
    /// The principal's role in the organisation listed.
    role: Option<RoleInput>,
    /// Whether its principal may upload and append patient-level events for the organisation
    /// listed; null when the organisation is not one of theirs.
    events_write: Option<bool>,
    /// When it was issued (UTC).
    created_at: DateTime<Utc>,
    /// After this the token no longer signs in.
    expires_at: DateTime<Utc>,
    /// Set once the token was revoked.
    revoked_at: Option<DateTime<Utc>>,
    /// When it last signed in, to within 5 minutes (UTC); null if it never has. A token
    /// nobody uses is one to revoke.
    last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRecord> for ApiToken {
    fn from(t: TokenRecord) -> Self {
        Self {
            id: ID(t.id.to_string()),
            name: t.name,
            principal: t.principal,
            principal_id: None,
            system: None,
            role: None,
            events_write: None,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

impl From<OrganisationToken> for ApiToken {
    fn from(t: OrganisationToken) -> Self {
        Self {
            principal_id: Some(ID(t.principal_id.to_string())),
            system: Some(t.system),
            role: Some(t.role.into()),
            events_write: Some(t.events_write),
            ..ApiToken::from(t.token)
        }
    }
}

/// A token just issued: its secret is shown this once (only a hash is kept).
#[derive(SimpleObject)]
pub struct IssuedToken {
    /// Send it as `Authorization: Bearer <secret>`. Store it now: it cannot be shown again.
    secret: String,
    /// The token, as `Organisation.tokens` lists it.
    token: ApiToken,
}

/// A token to issue for a person or system client of an organisation.
#[derive(InputObject)]
pub struct IssueTokenInput {
    /// The organisation whose member the token signs in as: its ODS code or id (you must administer
    /// it).
    pub organisation_id: ID,
    /// The principal's name; created when new (a system client with `system: true`).
    pub principal: String,
    /// A system client (a feed or integration) rather than a person.
    #[graphql(default)]
    pub system: bool,
    /// The principal's role in the organisation: at most your own.
    pub role: RoleInput,
    /// Days until the token expires, 1 to 3650.
    #[graphql(default = 90)]
    pub expires_in_days: i64,
    /// May upload and append patient-level events; by default system clients may, people not.
    pub events_write: Option<bool>,
    /// A label for the token (defaults to the principal's name).
    pub name: Option<String>,
    /// The principal already belongs to another organisation, and this adds a membership.
    #[graphql(default)]
    pub existing: bool,
}

/// A person to add to an organisation.
#[derive(InputObject)]
pub struct AddOrganisationMemberInput {
    /// The organisation: its ODS code or its id.
    pub organisation_id: ID,
    /// The person's name as qiflow shows it; an existing person of this name is reused.
    pub name: String,
    /// The identity provider's subject (`sub`), for a person who signs in with OIDC.
    pub oidc_subject: Option<String>,
    /// The role to give: at most your own, in an organisation you administer.
    pub role: RoleInput,
}

pub(super) async fn members_of(
    ctx: &Context<'_>,
    organisation_id: uuid::Uuid,
) -> Result<Vec<OrganisationMember>> {
    Ok(members::list(db(ctx)?, &caller_of(ctx), organisation_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub(super) async fn tokens_of(
    ctx: &Context<'_>,
    organisation_id: uuid::Uuid,
) -> Result<Vec<ApiToken>> {
    Ok(members::tokens(db(ctx)?, &caller_of(ctx), organisation_id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[derive(Default)]
pub struct AdministrationMutation;

#[Object]
impl AdministrationMutation {
    /// Adds a person to an organisation with a role (ADMINs of it only). `CONFLICT` when they
    /// are a member already.
    async fn add_organisation_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: AddOrganisationMemberInput,
    ) -> Result<OrganisationMember> {
        let organisation_id =
            organisation_ref(ctx, "organisationId", &input.organisation_id).await?;
        let new = NewMember {
            name: input.name,
            oidc_subject: input.oidc_subject,
            role: input.role.into(),
        };
        Ok(members::add(db(ctx)?, &change(ctx), organisation_id, new)
            .await?
            .into())
    }

    /// Gives a member another role. The last ADMIN cannot step down: make someone else ADMIN
    /// first.
    async fn set_organisation_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation: its ODS code or its id.")] organisation_id: ID,
        #[graphql(
            desc = "The person or system (their principal id, from `Organisation.members`)."
        )]
        principal_id: ID,
        #[graphql(desc = "The new role: at most your own.")] role: RoleInput,
    ) -> Result<OrganisationMember> {
        let organisation_id = organisation_ref(ctx, "organisationId", &organisation_id).await?;
        let principal_id = parse_id("principalId", &principal_id)?;
        Ok(members::set_role(
            db(ctx)?,
            &change(ctx),
            organisation_id,
            principal_id,
            role.into(),
        )
        .await?
        .into())
    }

    /// Removes a member (never the last ADMIN). Their tokens no longer reach this
    /// organisation's data.
    async fn remove_organisation_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation: its ODS code or id.")] organisation_id: ID,
        #[graphql(
            desc = "The person or system (their principal id, from `Organisation.members`)."
        )]
        principal_id: ID,
    ) -> Result<bool> {
        let organisation_id = organisation_ref(ctx, "organisationId", &organisation_id).await?;
        let principal_id = parse_id("principalId", &principal_id)?;
        members::remove(db(ctx)?, &change(ctx), organisation_id, principal_id).await?;
        Ok(true)
    }

    /// Issues a token for a person or system client of an organisation (ADMINs of it only);
    /// the secret is in the answer, once.
    async fn issue_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: IssueTokenInput,
    ) -> Result<IssuedToken> {
        let organisation_id =
            organisation_ref(ctx, "organisationId", &input.organisation_id).await?;
        let caller = caller_of(ctx);
        let db = db(ctx)?;
        let code = members::ods_code(db, organisation_id).await?;
        let (secret, record) = tokens::create_token(
            db,
            &change(ctx),
            tokens::NewToken {
                principal: input.principal,
                system: input.system,
                organisation: code,
                organisation_name: None,
                role: input.role.into(),
                expires_in_days: input.expires_in_days,
                name: input.name,
                oidc_subject: None,
                existing: input.existing,
                events_write: input.events_write,
            },
        )
        .await?;
        let token = members::tokens(db, &caller, organisation_id)
            .await?
            .into_iter()
            .find(|t| t.token.id == record.id)
            .map_or_else(|| ApiToken::from(record), ApiToken::from);
        Ok(IssuedToken { secret, token })
    }

    /// Revokes a token of a member of an organisation the caller administers (or the caller's
    /// own). It stops signing in at once on every replica within the caller cache's lifetime.
    async fn revoke_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The token to revoke (its id, from `Organisation.tokens`): it stops working at once on this server, within 30 seconds on others."
        )]
        token_id: ID,
    ) -> Result<bool> {
        let id = parse_id("tokenId", &token_id)?;
        members::revoke(db(ctx)?, &change(ctx), id).await?;
        Ok(true)
    }

    /// Replaces a token's secret: a new token for the same principal and lifetime, while the old
    /// one keeps working for `overlapHours` (0 to 168) so a system can switch without a gap.
    async fn rotate_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token to replace (its id).")] token_id: ID,
        #[graphql(
            default = 24,
            desc = "How many hours the old secret keeps working (0 to 168)."
        )]
        overlap_hours: i64,
    ) -> Result<IssuedToken> {
        let id = parse_id("tokenId", &token_id)?;
        let (secret, record) = members::rotate(db(ctx)?, &change(ctx), id, overlap_hours).await?;
        Ok(IssuedToken {
            secret,
            token: record.into(),
        })
    }
}
