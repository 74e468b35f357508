//! Organisations: listed, found by id or ODS code, created, corrected.

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

/// Corrects an organisation's name or ODS code (`None` keeps it). Needs the ADMIN role in it;
/// `CONFLICT` when `expected_version` is stale or the new code is taken. Every pathway that
/// names the organisation (as owner or in a step's lane) takes a new version in the same
/// transaction: its content changed, and caches keyed by version on every replica move on.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    name: Option<String>,
    ods_code: Option<OdsCode>,
) -> Result<OrganisationRecord> {
    use entity::{pathway, step};
    use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = get(&tx, caller, id).await?;
    super::access::require_organisation(caller, id, crate::caller::Role::Admin)?;
    let code = ods_code.unwrap_or_else(|| current.organisation.ods_code.clone());
    let claimed = organisation::Entity::update_many()
        .col_expr(
            organisation::Column::Version,
            Expr::value(expected_version + 1),
        )
        .col_expr(
            organisation::Column::Name,
            Expr::value(name.unwrap_or_else(|| current.organisation.name.clone())),
        )
        .col_expr(organisation::Column::OdsCode, Expr::value(code.as_str()))
        .filter(organisation::Column::Id.eq(id))
        .filter(organisation::Column::Version.eq(expected_version))
        .exec(&tx)
        .await
        .on_unique_violation(|| format!("an organisation with ODS code {code} already exists"))?;
    if claimed.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "organisation {id} has changed: you expected version {expected_version} but it is at version {}; reload it and try again",
            current.version
        )));
    }
    pathway::Entity::update_many()
        .col_expr(
            pathway::Column::Version,
            Expr::col(pathway::Column::Version).add(1),
        )
        .col_expr(pathway::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(
            sea_orm::Condition::any()
                .add(pathway::Column::OwnerId.eq(id))
                .add(
                    pathway::Column::Id.in_subquery(
                        Query::select()
                            .column(step::Column::PathwayId)
                            .from(step::Entity)
                            .and_where(step::Column::OrganisationId.eq(id))
                            .to_owned(),
                    ),
                ),
        )
        .exec(&tx)
        .await?;
    let after = get(&tx, caller, id).await?;
    #[derive(serde::Serialize)]
    struct Snapshot<'a> {
        name: &'a str,
        ods_code: &'a str,
    }
    fn snapshot(r: &OrganisationRecord) -> Snapshot<'_> {
        Snapshot {
            name: &r.organisation.name,
            ods_code: r.organisation.ods_code.as_str(),
        }
    }
    let changes = super::audit::Change::between(id, &snapshot(&current), &snapshot(&after))?;
    super::audit::commit_changes(tx, ctx, &[id], &changes).await?;
    Ok(after)
}

/// The organisations that `moveStep` changes move work to and that do not exist, named
/// `changes[i].organisation` (a malformed code is left to the engine's own check). One statement.
pub async fn unknown_destinations(
    db: &impl ConnectionTrait,
    changes: &[engine::Change],
) -> Result<engine::InputErrors> {
    let moves: Vec<(usize, OdsCode)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            engine::Change::MoveStep { organisation, .. } => {
                OdsCode::parse(organisation).ok().map(|code| (i, code))
            }
            _ => None,
        })
        .collect();
    let codes: Vec<OdsCode> = moves.iter().map(|(_, c)| c.clone()).collect();
    let found = by_codes(db, &codes).await?;
    let mut errors = engine::InputErrors::default();
    for (i, code) in moves {
        if !found.contains_key(&code) {
            errors.push(
                format!("changes[{i}].organisation"),
                format!("there is no organisation '{code}': create it first"),
            );
        }
    }
    Ok(errors)
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
        version: 1,
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
