//! Organisations: the view, queries and the create mutation.

use super::context::{change, db, parse_id};
use super::enums::OrganisationKind;
use crate::store::{self, OrganisationRecord};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

/// An organisation taking part in pathways: a trust, GP practice, council or ICB.
pub struct OrganisationView(pub OrganisationRecord);

/// An organisation taking part in pathways: a trust, GP practice, council or ICB.
#[Object(name = "Organisation")]
impl OrganisationView {
    /// Its id; anywhere an organisation is asked for, its ODS code does as well.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The NHS ODS code (3 to 10 upper-case letters or digits).
    async fn ods_code(&self) -> &str {
        self.0.organisation.ods_code.as_str()
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.organisation.name
    }
    /// What sort of organisation it is.
    async fn kind(&self) -> OrganisationKind {
        self.0.organisation.kind.into()
    }
    /// When it was added (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Send it back as `expectedVersion` when correcting the organisation.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// Its members with their roles, by name (ADMINs of the organisation only: `FORBIDDEN`
    /// for anyone else).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<super::administration::OrganisationMember>> {
        let members = super::administration::members_of(ctx, self.0.id).await?;
        Ok(super::paging::page_of(
            members,
            super::paging::Paging::new(first, after, last, before),
            |m| m.principal_id.0.clone(),
            |m| m,
        )?)
    }
    /// The tokens of its members, newest first, never their secrets (ADMINs only).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<super::administration::ApiToken>> {
        let tokens = super::administration::tokens_of(ctx, self.0.id).await?;
        Ok(super::paging::page_of(
            tokens,
            super::paging::Paging::new(first, after, last, before),
            |t| t.id.0.clone(),
            |t| t,
        )?)
    }
    /// Its webhook endpoints, oldest first, never their secrets (ADMINs only; at most 20).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<super::webhooks::WebhookEndpointView>> {
        let endpoints = super::webhooks::endpoints_of(ctx, self.0.id).await?;
        Ok(super::paging::page_of(
            endpoints,
            super::paging::Paging::new(first, after, last, before),
            |e| e.0.id.to_string(),
            |e| e,
        )?)
    }
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// Every organisation, ordered by ODS code, a page at a time.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<OrganisationView>> {
        let caller = super::context::caller_of(ctx);
        let list = store::organisations::list(db(ctx)?, &caller).await?;
        Ok(super::paging::page_of(
            list,
            super::paging::Paging::new(first, after, last, before),
            |o| o.id.to_string(),
            OrganisationView,
        )?)
    }

    /// One organisation by id.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Its ODS code or id.")] id: ID,
    ) -> Result<OrganisationView> {
        let caller = super::context::caller_of(ctx);
        let id = super::context::organisation_ref(ctx, "id", &id).await?;
        Ok(OrganisationView(
            store::organisations::get(db(ctx)?, &caller, id).await?,
        ))
    }
}

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// The NHS ODS code; must not be taken.
    pub ods_code: String,
    /// Its name, as the NHS Organisation Data Service gives it.
    pub name: String,
    /// What sort of organisation it is.
    pub kind: OrganisationKind,
}

/// Corrections to an organisation; leave out what stays the same.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation: its ODS code or id.
    pub id: ID,
    /// The version you last read; a stale one gets `CONFLICT`.
    pub expected_version: i64,
    /// The new name; null leaves it.
    pub name: Option<String>,
    /// A corrected ODS code; must not be taken.
    pub ods_code: Option<String>,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates an organisation. `CONFLICT` when its ODS code is taken.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: CreateOrganisationInput,
    ) -> Result<OrganisationView> {
        let organisation = engine::pathway::OrganisationInput {
            ods_code: input.ods_code,
            name: input.name,
            kind: input.kind.into(),
        }
        .parse()
        .map_err(crate::Error::from)?;
        let record = store::organisations::create(db(ctx)?, &change(ctx), organisation).await?;
        Ok(OrganisationView(record))
    }

    /// Corrects an organisation's name or ODS code (the ADMIN role in it is needed). Pathways
    /// that name it show the new name at once, under a new version. `CONFLICT` when the code is
    /// taken or `expectedVersion` is stale.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: UpdateOrganisationInput,
    ) -> Result<OrganisationView> {
        let id = parse_id("id", &input.id)?;
        let mut errors = engine::InputErrors::default();
        let name = input.name.as_deref().and_then(|n| {
            errors.check(
                "name",
                engine::values::parse_text(n, engine::pathway::MAX_NAME),
            )
        });
        let ods_code = input
            .ods_code
            .as_deref()
            .and_then(|c| errors.check("odsCode", engine::OdsCode::parse(c)));
        if !errors.is_empty() {
            return Err(crate::Error::Validation(errors).into());
        }
        let record = store::organisations::update(
            db(ctx)?,
            &change(ctx),
            id,
            input.expected_version,
            name,
            ods_code,
        )
        .await?;
        Ok(OrganisationView(record))
    }
}
