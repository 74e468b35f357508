//! Steps and transitions of a draft pathway: added, changed and removed one at a time, each
//! under the pathway's version.

use super::organisations::{self};
use super::pathway_edits::*;
use super::pathways::*;
use super::rows::{step_from_row, step_row, transition_row};
use super::scope::Unique as _;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use engine::{OdsCode, Step, StepInput, TransitionInput};
use entity::{step, transition};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

async fn next_position<E, C>(
    tx: &DatabaseTransaction,
    column: C,
    pathway_column: C,
    pathway_id: Uuid,
) -> Result<i32>
where
    E: EntityTrait<Column = C>,
    C: ColumnTrait,
{
    let max: Option<Option<i32>> = E::find()
        .select_only()
        .column_as(column.max(), "max")
        .filter(pathway_column.eq(pathway_id))
        .into_tuple()
        .one(tx)
        .await?;
    Ok(max.flatten().map_or(0, |m| m + 1))
}

async fn organisation_id(tx: &DatabaseTransaction, field: &str, code: &OdsCode) -> Result<Uuid> {
    let found = existing_organisations(tx, &[(field.to_string(), code.clone())]).await?;
    Ok(found[code].id)
}

async fn ensure_key_free(
    tx: &DatabaseTransaction,
    pathway_id: Uuid,
    key: &str,
    except: Option<Uuid>,
) -> Result<()> {
    let mut query = step::Entity::find()
        .filter(step::Column::PathwayId.eq(pathway_id))
        .filter(step::Column::Key.eq(key));
    if let Some(except) = except {
        query = query.filter(step::Column::Id.ne(except));
    }
    if query.count(tx).await? > 0 {
        return Err(Error::invalid(
            "key",
            format!("step key '{key}' is already used in this pathway"),
        ));
    }
    Ok(())
}

/// Adds a step to a draft; returns the pathway and the new step's id.
pub async fn add_step(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    pathway_id: Uuid,
    expected_version: i64,
    step: Step,
) -> Result<(PathwayRecord, Uuid)> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let claimed = claim(&tx, caller, pathway_id, expected_version, DRAFT).await?;
    ensure_key_free(&tx, pathway_id, step.key.as_str(), None).await?;
    let org = organisation_id(&tx, "organisation", &step.organisation).await?;
    let position = next_position::<step::Entity, _>(
        &tx,
        step::Column::Position,
        step::Column::PathwayId,
        pathway_id,
    )
    .await?;
    let id = Uuid::now_v7();
    step::Entity::insert(step_row(id, pathway_id, position, org, &step))
        .exec_without_returning(&tx)
        .await?;
    Ok((
        finish(tx, ctx, pathway_id, &[id], Some(&claimed.before)).await?,
        id,
    ))
}

/// `NOT_FOUND` for a step or transition unless the caller may see its pathway (so that nothing
/// reveals what exists elsewhere); other errors pass through.
async fn ensure_visible(
    tx: &DatabaseTransaction,
    caller: &Caller,
    pathway_id: Uuid,
    what: &'static str,
    id: Uuid,
) -> Result<()> {
    match get(tx, caller, pathway_id).await {
        Ok(_) => Ok(()),
        Err(Error::NotFound { .. }) => Err(Error::not_found(what, id)),
        Err(e) => Err(e),
    }
}

/// Finds a step the caller may see, or `NOT_FOUND`.
async fn find_step(
    tx: &DatabaseTransaction,
    caller: &Caller,
    step_id: Uuid,
) -> Result<step::Model> {
    let row = step::Entity::find_by_id(step_id)
        .unique(tx)
        .await?
        .ok_or_else(|| Error::not_found("step", step_id))?;
    ensure_visible(tx, caller, row.pathway_id, "step", step_id).await?;
    Ok(row)
}

/// Changes a step of a draft: `edit` changes the step as the user would write it, and the result
/// is checked like a new step.
pub async fn update_step(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    step_id: Uuid,
    expected_version: i64,
    edit: impl FnOnce(&mut StepInput),
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = find_step(&tx, caller, step_id).await?;
    let claimed = claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
    let orgs = organisations::by_ids(&tx, [row.organisation_id]).await?;
    let mut input = StepInput::from(&step_from_row(&row, &orgs)?);
    edit(&mut input);
    let step = input.parse()?;
    ensure_key_free(&tx, row.pathway_id, step.key.as_str(), Some(step_id)).await?;
    let org = organisation_id(&tx, "organisation", &step.organisation).await?;
    let mut model = step_row(step_id, row.pathway_id, row.position, org, &step);
    model.id = sea_orm::ActiveValue::Unchanged(step_id);
    step::Entity::update(model).exec(&tx).await?;
    finish(tx, ctx, row.pathway_id, &[], Some(&claimed.before)).await
}

/// Removes a step of a draft, with its transitions.
pub async fn remove_step(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    step_id: Uuid,
    expected_version: i64,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = find_step(&tx, caller, step_id).await?;
    let claimed = claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
    // Deleted explicitly rather than trusting ON DELETE CASCADE, which SQLite only honours with
    // foreign keys switched on.
    transition::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(transition::Column::FromStepId.eq(step_id))
                .add(transition::Column::ToStepId.eq(step_id)),
        )
        .exec(&tx)
        .await?;
    step::Entity::delete_by_id(step_id).exec(&tx).await?;
    finish(tx, ctx, row.pathway_id, &[], Some(&claimed.before)).await
}

/// The numbers of a new transition, as the user sent them.
#[derive(Debug, Clone)]
pub struct TransitionFields {
    pub probability: Option<f64>,
    pub wait_minutes: f64,
    pub handoff: engine::Handoff,
}

/// Adds a transition between two steps of the same draft; returns the pathway and its id.
pub async fn add_transition(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    from_step_id: Uuid,
    to_step_id: Uuid,
    expected_version: i64,
    fields: TransitionFields,
) -> Result<(PathwayRecord, Uuid)> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    // A step the caller cannot see is NOT_FOUND, like any object (never revealing it).
    let from = find_step(&tx, caller, from_step_id).await?;
    let to = find_step(&tx, caller, to_step_id).await?;
    if from.pathway_id != to.pathway_id {
        return Err(Error::invalid(
            "toStepId",
            format!(
                "step '{}' belongs to another pathway than step '{}'; a transition joins two steps of one pathway",
                to.key, from.key
            ),
        ));
    }
    let transition = TransitionInput {
        from: from.key.clone(),
        to: to.key.clone(),
        probability: fields.probability,
        wait_minutes: fields.wait_minutes,
        handoff: fields.handoff,
        delay: None,
    }
    .parse()?;
    let claimed = claim(&tx, caller, from.pathway_id, expected_version, DRAFT).await?;
    let position = next_position::<transition::Entity, _>(
        &tx,
        transition::Column::Position,
        transition::Column::PathwayId,
        from.pathway_id,
    )
    .await?;
    let id = Uuid::now_v7();
    transition::Entity::insert(transition_row(
        id,
        from.pathway_id,
        position,
        from.id,
        to.id,
        &transition,
    ))
    .exec_without_returning(&tx)
    .await?;
    Ok((
        finish(tx, ctx, from.pathway_id, &[id], Some(&claimed.before)).await?,
        id,
    ))
}

async fn find_transition(
    tx: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
) -> Result<transition::Model> {
    let row = transition::Entity::find_by_id(id)
        .unique(tx)
        .await?
        .ok_or_else(|| Error::not_found("transition", id))?;
    ensure_visible(tx, caller, row.pathway_id, "transition", id).await?;
    Ok(row)
}

/// Changes the probability, wait or hand-off of a transition of a draft.
pub async fn update_transition(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    transition_id: Uuid,
    expected_version: i64,
    edit: impl FnOnce(&mut TransitionInput),
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = find_transition(&tx, caller, transition_id).await?;
    let claimed = claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
    // Only the numbers and the hand-off can change; the two steps stay as stored (by id), so the
    // keys here are placeholders that satisfy the parser.
    let mut input = TransitionInput {
        from: "from".into(),
        to: "to".into(),
        probability: row.probability,
        wait_minutes: row.wait_minutes,
        handoff: row
            .handoff
            .parse()
            .map_err(|e: String| Error::internal(anyhow::anyhow!(e)))?,
        delay: match row.delay.clone() {
            Some(json) => Some(serde_json::from_value(json).map_err(Error::internal)?),
            None => None,
        },
    };
    edit(&mut input);
    let transition = input.parse()?;
    let mut model = transition_row(
        transition_id,
        row.pathway_id,
        row.position,
        row.from_step_id,
        row.to_step_id,
        &transition,
    );
    model.id = sea_orm::ActiveValue::Unchanged(transition_id);
    transition::Entity::update(model).exec(&tx).await?;
    finish(tx, ctx, row.pathway_id, &[], Some(&claimed.before)).await
}

/// Removes a transition of a draft.
pub async fn remove_transition(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    transition_id: Uuid,
    expected_version: i64,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = find_transition(&tx, caller, transition_id).await?;
    let claimed = claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
    transition::Entity::delete_by_id(transition_id)
        .exec(&tx)
        .await?;
    finish(tx, ctx, row.pathway_id, &[], Some(&claimed.before)).await
}
