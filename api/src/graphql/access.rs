//! Access over GraphQL: who the caller is, sharing pathways and projects with other
//! organisations, and the audit trail for administrators.

use super::context::{change, db, organisation_ref, parse_id};
use crate::caller::{Caller, Role};
use crate::store::access;
use crate::store::audit::{self, AuditFilter, AuditRecord};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// The role a share grants.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ShareRole {
    /// May read it.
    Viewer,
    /// May read and change it.
    Editor,
}

impl From<ShareRole> for Role {
    fn from(r: ShareRole) -> Self {
        match r {
            ShareRole::Viewer => Role::Viewer,
            ShareRole::Editor => Role::Editor,
        }
    }
}

/// An organisation's share of a pathway or project.
#[derive(SimpleObject)]
#[graphql(name = "Share")]
pub struct ShareView {
    /// The organisation shared with (its id).
    organisation_id: ID,
    /// The organisation's ODS code.
    ods_code: String,
    /// The organisation's name.
    organisation_name: String,
    /// VIEWER or EDITOR: at most the member's own role in that organisation.
    role: String,
    /// When it was shared (UTC).
    created_at: DateTime<Utc>,
}

impl From<crate::store::shares::ShareRecord> for ShareView {
    fn from(s: crate::store::shares::ShareRecord) -> Self {
        Self {
            organisation_id: ID(s.organisation_id.to_string()),
            ods_code: s.ods_code,
            organisation_name: s.organisation_name,
            role: s.role.as_str().to_string(),
            created_at: s.created_at,
        }
    }
}

/// Who a pathway or project is shared with (for members of its owning organisation).
pub(crate) async fn shares_of(
    ctx: &Context<'_>,
    kind: &'static str,
    object: uuid::Uuid,
    paging: super::paging::Paging,
) -> Result<super::paging::Connection<ShareView>> {
    let caller = super::context::caller_of(ctx);
    let shares = crate::store::shares::list(db(ctx)?, &caller, kind, object).await?;
    Ok(super::paging::page_of(
        shares.into_iter().map(ShareView::from).collect(),
        paging,
        |s: &ShareView| s.organisation_id.0.clone(),
        |s| s,
    )?)
}

/// A principal's role in an organisation.
#[derive(SimpleObject)]
pub struct MembershipView {
    /// The organisation's id.
    organisation_id: ID,
    /// The organisation's ODS code, beside its id.
    ods_code: String,
    /// VIEWER, EDITOR or ADMIN.
    role: String,
    /// Whether the caller may upload and append patient-level events for it.
    events_write: bool,
}

/// The authenticated caller.
#[derive(SimpleObject)]
pub struct Me {
    /// The caller's name.
    name: String,
    /// Whether the caller is a system client rather than a person.
    system: bool,
    /// The organisations the caller belongs to, with their roles.
    memberships: Vec<MembershipView>,
}

/// One audited action.
#[derive(SimpleObject)]
pub struct AuditEntry {
    /// The entry's id (ids order entries by time).
    #[graphql(owned)]
    pub(crate) id: ID,
    /// When it happened (UTC).
    at: DateTime<Utc>,
    /// Who did it; null for the installation or an unknown caller.
    principal_id: Option<ID>,
    /// Who did it, by name.
    principal_name: String,
    /// The GraphQL field, route or command that did it (`updateStep`, `upload`, `signIn` ...).
    operation: String,
    /// The ids of the objects the operation named or made.
    object_ids: Vec<ID>,
    /// OK, or the error code.
    outcome: String,
    /// The request's id, as in the server's log and the `x-request-id` header.
    request_id: String,
    /// What a correction changed, field by field (empty for other operations).
    changes: Vec<AuditChange>,
}

/// One field a correction changed, with its value before and after.
#[derive(SimpleObject)]
pub struct AuditChange {
    /// The object changed.
    object_id: ID,
    /// The field that changed, with its path inside the object (`steps[xray].touchMinutes`).
    field: String,
    /// Its value before the change (JSON; null when the field is new).
    before: async_graphql::Json<serde_json::Value>,
    /// Its value after the change (JSON; null when the field was removed).
    after: async_graphql::Json<serde_json::Value>,
}

impl From<AuditRecord> for AuditEntry {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: ID(r.id.to_string()),
            at: r.at,
            principal_id: r.principal_id.map(|p| ID(p.to_string())),
            principal_name: r.principal_name,
            operation: r.operation,
            object_ids: r
                .object_ids
                .into_iter()
                .map(|i| ID(i.to_string()))
                .collect(),
            outcome: r.outcome,
            request_id: r.request_id,
            changes: r
                .changes
                .into_iter()
                .map(|c| AuditChange {
                    object_id: ID(c.object.to_string()),
                    field: c.field,
                    before: async_graphql::Json(c.before),
                    after: async_graphql::Json(c.after),
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// Who the token belongs to and its memberships.
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let caller = super::context::caller_of(ctx);
        let Caller::Principal(p) = &caller else {
            return Err(crate::Error::Unauthenticated.into());
        };
        let organisations = crate::store::organisations::by_ids(
            db(ctx)?,
            p.memberships.iter().map(|m| m.organisation_id),
        )
        .await?;
        Ok(Me {
            name: p.name.clone(),
            system: p.system,
            memberships: p
                .memberships
                .iter()
                .map(|m| MembershipView {
                    organisation_id: ID(m.organisation_id.to_string()),
                    ods_code: organisations
                        .get(&m.organisation_id)
                        .map(|o| o.organisation.ods_code.to_string())
                        .unwrap_or_default(),
                    role: m.role.as_str().into(),
                    events_write: m.events_write,
                })
                .collect(),
        })
    }

    /// An organisation's audit trail, oldest first (its administrators only), a page at a
    /// time: filter by principal, object and time.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation whose trail to read: its ODS code or id.")]
        organisation_id: ID,
        #[graphql(desc = "Only what this principal (person or system) did.")] principal_id: Option<
            ID,
        >,
        #[graphql(desc = "Only entries about this object (a pathway, project, measure ...).")]
        object_id: Option<ID>,
        #[graphql(desc = "Only entries at or after this time.")] since: Option<DateTime<Utc>>,
        #[graphql(desc = "Only entries before this time.")] until: Option<DateTime<Utc>>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<AuditEntry>> {
        let caller = super::context::caller_of(ctx);
        let window = super::paging::Paging::new(first, after, last, before).window()?;
        let (after, before) = window.ids()?;
        let filter = AuditFilter {
            organisation_id: Some(organisation_ref(ctx, "organisationId", &organisation_id).await?),
            principal_id: principal_id
                .map(|p| parse_id("principalId", &p))
                .transpose()?,
            object_id: object_id.map(|o| parse_id("objectId", &o)).transpose()?,
            since,
            until,
            after,
            before,
            from_end: window.from_end,
            limit: window.size as u64 + 1,
        };
        let db = db(ctx)?;
        let mut entries = audit::audit_trail(db, &caller, &filter).await?;
        let more = entries.len() > window.size;
        if more {
            // The extra entry is the one past the page in the direction of reading.
            if window.from_end {
                entries.remove(0);
            } else {
                entries.truncate(window.size);
            }
        }
        let total_count = if super::paging::wants_total(ctx) {
            audit::count(db, &caller, &filter).await?
        } else {
            0
        };
        Ok(super::paging::from_rows(
            entries,
            more,
            &window,
            total_count,
            |e| e.id.to_string(),
            AuditEntry::from,
        ))
    }
}

#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Grants another organisation VIEWER or EDITOR on a pathway (the owner's administrators
    /// only): how an ICS co-owns a cross-organisation pathway.
    async fn share_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway to share (its id).")] pathway_id: ID,
        #[graphql(desc = "The organisation to share with: its ODS code or id.")]
        organisation_id: ID,
        #[graphql(desc = "VIEWER or EDITOR: at most your own role.")] role: ShareRole,
    ) -> Result<bool> {
        crate::store::shares::share(
            db(ctx)?,
            &change(ctx),
            access::PATHWAY,
            parse_id("pathwayId", &pathway_id)?,
            organisation_ref(ctx, "organisationId", &organisation_id).await?,
            role.into(),
        )
        .await?;
        Ok(true)
    }

    /// Grants another organisation VIEWER or EDITOR on an improvement project.
    async fn share_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project to share (its id).")] project_id: ID,
        #[graphql(desc = "The organisation to share with: its ODS code or id.")]
        organisation_id: ID,
        #[graphql(desc = "VIEWER or EDITOR: at most your own role.")] role: ShareRole,
    ) -> Result<bool> {
        crate::store::shares::share(
            db(ctx)?,
            &change(ctx),
            access::PROJECT,
            parse_id("projectId", &project_id)?,
            organisation_ref(ctx, "organisationId", &organisation_id).await?,
            role.into(),
        )
        .await?;
        Ok(true)
    }

    /// Takes back another organisation's share of a pathway (the owner's administrators only).
    async fn revoke_pathway_share(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway (its id).")] pathway_id: ID,
        #[graphql(desc = "The organisation to take the share from: its ODS code or id.")]
        organisation_id: ID,
    ) -> Result<bool> {
        crate::store::shares::revoke(
            db(ctx)?,
            &change(ctx),
            access::PATHWAY,
            parse_id("pathwayId", &pathway_id)?,
            organisation_ref(ctx, "organisationId", &organisation_id).await?,
        )
        .await?;
        Ok(true)
    }

    /// Takes back another organisation's share of an improvement project.
    async fn revoke_project_share(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (its id).")] project_id: ID,
        #[graphql(desc = "The organisation to take the share from: its ODS code or id.")]
        organisation_id: ID,
    ) -> Result<bool> {
        crate::store::shares::revoke(
            db(ctx)?,
            &change(ctx),
            access::PROJECT,
            parse_id("projectId", &project_id)?,
            organisation_ref(ctx, "organisationId", &organisation_id).await?,
        )
        .await?;
        Ok(true)
    }
}
