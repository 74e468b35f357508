//! Organisations: the view, queries and the create mutation.

use super::context::{change, db, parse_id};
use super::enums::OrganisationKind;
use crate::store::{self, OrganisationRecord};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

/// An organisation taking part in pathways: a trust, GP practice, council or ICB.
pub struct OrganisationView(pub OrganisationRecord);

#[Object(name = "Organisation")]
impl OrganisationView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The NHS ODS code (3 to 10 upper-case letters or digits).
    async fn ods_code(&self) -> &str {
        self.0.organisation.ods_code.as_str()
    }
    async fn name(&self) -> &str {
        &self.0.organisation.name
    }
    async fn kind(&self) -> OrganisationKind {
        self.0.organisation.kind.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct OrganisationQuery;

#[Object]
impl OrganisationQuery {
    /// Every organisation, ordered by ODS code.
    async fn organisations(&self, ctx: &Context<'_>) -> Result<Vec<OrganisationView>> {
        let caller = super::context::caller_of(ctx);
        let list = store::organisations::list(db(ctx)?, &caller).await?;
        Ok(list.into_iter().map(OrganisationView).collect())
    }

    /// One organisation by id.
    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> Result<OrganisationView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
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
    pub name: String,
    pub kind: OrganisationKind,
}

#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates an organisation. `CONFLICT` when its ODS code is taken.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
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
}
