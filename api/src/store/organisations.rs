//! Organisations: listed, found by id or ODS code, created.

use super::rows::{organisation_from_row, organisation_row};
use super::scope::Unique as _;
use super::scope::visible_organisations;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{DbResultExt, Error, Result};
use chrono::Utc;
use engine::{OdsCode, Organisation};
use entity::organisation;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;
use uuid::Uuid;

pub use super::rows::OrganisationRecord;

/// Every organisation the caller may see, by ODS code.
pub async fn list(db: &impl ConnectionTrait, caller: &Caller) -> Result<Vec<OrganisationRecord>> {
    organisation::Entity::find()
        .filter(visible_organisations(caller))
        .order_by_asc(organisation::Column::OdsCode)
        .all(db)
        .await?
        .into_iter()
        .map(organisation_from_row)
        .collect()
}

/// One organisation, or `NOT_FOUND`.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<OrganisationRecord> {
    let row = organisation::Entity::find_by_id(id)
        .filter(visible_organisations(caller))
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("organisation", id))?;
    organisation_from_row(row)
}

/// Creates an organisation; `CONFLICT` when its ODS code is taken.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    organisation: Organisation,
) -> Result<OrganisationRecord> {
    let caller = &ctx.caller;
    if !caller.is_admin_somewhere() {
        return Err(Error::Forbidden(
            "creating an organisation needs the ADMIN role in an organisation".into(),
        ));
    }
    let tx = begin_write(db).await?;
    if !by_codes(&tx, std::slice::from_ref(&organisation.ods_code))
        .await?
        .is_empty()
    {
        return Err(Error::Conflict(format!(
            "an organisation with ODS code {} already exists",
            organisation.ods_code
        )));
    }
    let record = insert(&tx, organisation).await?;
    super::access::grant_creator(&tx, caller, record.id).await?;
    super::audit::commit(tx, ctx, &[record.id]).await?;
    Ok(record)
}

/// Inserts a new organisation inside the caller's transaction.
pub(crate) async fn insert(
    db: &impl ConnectionTrait,
    organisation: Organisation,
) -> Result<OrganisationRecord> {
    let id = Uuid::now_v7();
    let code = organisation.ods_code.clone();
    organisation::Entity::insert(organisation_row(id, &organisation))
        .exec_without_returning(db)
        .await
        .on_unique_violation(|| format!("an organisation with ODS code {code} already exists"))?;
    Ok(OrganisationRecord {
        id,
        organisation,
        created_at: Utc::now(),
    })
}

/// The organisations with these ids that exist.
pub(crate) async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, OrganisationRecord>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|row| organisation_from_row(row).map(|r| (r.id, r)))
        .collect()
}

/// The organisations with these ODS codes that exist.
pub(crate) async fn by_codes(
    db: &impl ConnectionTrait,
    codes: &[OdsCode],
) -> Result<HashMap<OdsCode, OrganisationRecord>> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    organisation::Entity::find()
        .filter(organisation::Column::OdsCode.is_in(codes.iter().map(|c| c.as_str())))
        .all(db)
        .await?
        .into_iter()
        .map(|row| organisation_from_row(row).map(|r| (r.organisation.ods_code.clone(), r)))
        .collect()
}
