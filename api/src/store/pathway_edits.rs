//! Every change to a pathway as one transaction guarded by its version (optimistic concurrency:
//! a stale `expectedVersion` changes nothing), audited in the same transaction.

use super::organisations::{self, OrganisationRecord};
use super::pathways::*;
use super::rows::{step_from_row, step_row, transition_row};
use super::scope::Unique as _;
use super::scope::{INSERT_CHUNK, visible_pathways};
use crate::caller::{Caller, Role};
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{Error, Result};
use chrono::Utc;
use engine::{
    InputErrors, OdsCode, ParsedDocument, PathwayHeader, PathwayMap, PathwayStatus, Step,
    StepInput, TransitionInput, validate,
};
use entity::{pathway, step, transition};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Changes to a pathway's own fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct HeaderPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub condition: Option<String>,
    /// `Some(None)` clears the demand.
    pub demand_per_day: Option<Option<f64>>,
}

/// Checks the caller's `expected_version` and the pathway's status, then takes the next version.
/// Under concurrency exactly one of several writers with the same expected version wins: the
/// version-guarded UPDATE matches one row for the first and none for the rest.
async fn claim(
    tx: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    expected_version: i64,
    allowed: &[PathwayStatus],
) -> Result<pathway::Model> {
    let row = pathway::Entity::find_by_id(id)
        .filter(visible_pathways(caller))
        .unique(tx)
        .await?
        .ok_or_else(|| Error::not_found("pathway", id))?;
    super::access::require_pathway(tx, caller, id, Role::Editor).await?;
    if !allowed.iter().any(|s| s.as_str() == row.status) {
        return Err(Error::Conflict(
            if row.status == PathwayStatus::Published.as_str() {
                format!("pathway {id} is PUBLISHED and cannot change; clone it to make a new draft")
            } else {
                format!("pathway {id} is {} and cannot take this change", row.status)
            },
        ));
    }
    if row.version != expected_version {
        return Err(stale(id, expected_version, row.version));
    }
    let updated = pathway::Entity::update_many()
        .col_expr(pathway::Column::Version, Expr::value(expected_version + 1))
        .col_expr(pathway::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(pathway::Column::Id.eq(id))
        .filter(pathway::Column::Version.eq(expected_version))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(stale(id, expected_version, expected_version + 1));
    }
    Ok(pathway::Model {
        version: expected_version + 1,
        ..row
    })
}

fn stale(id: Uuid, expected: i64, actual: i64) -> Error {
    Error::Conflict(format!(
        "pathway {id} has changed: you expected version {expected} but it is at version {actual} or later; reload it and try again"
    ))
}

const DRAFT: &[PathwayStatus] = &[PathwayStatus::Draft];

/// Reads the pathway back as the write left it, then records the write and commits.
async fn finish(
    tx: WriteTransaction,
    ctx: &RequestContext,
    id: Uuid,
    touched: &[Uuid],
) -> Result<PathwayRecord> {
    let record = get(&tx, &ctx.caller, id).await?;
    let mut ids = vec![id];
    ids.extend_from_slice(touched);
    super::audit::commit(tx, ctx, &ids).await?;
    Ok(record)
}

/// Looks up organisations that must already exist, naming the field of each missing one.
async fn existing_organisations(
    db: &impl ConnectionTrait,
    references: &[(String, OdsCode)],
) -> Result<HashMap<OdsCode, OrganisationRecord>> {
    let codes: Vec<OdsCode> = references.iter().map(|(_, c)| c.clone()).collect();
    let found = organisations::by_codes(db, &codes).await?;
    let mut errors = InputErrors::default();
    for (field, code) in references {
        if !found.contains_key(code) {
            errors.push(field.clone(), format!("unknown organisation '{code}'"));
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(errors.into())
    }
}

async fn insert_pathway(
    tx: &DatabaseTransaction,
    header: &PathwayHeader,
    owner_id: Uuid,
    parent_id: Option<Uuid>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    pathway::Entity::insert(pathway::ActiveModel {
        id: Set(id),
        name: Set(header.name.clone()),
        description: Set(header.description.clone()),
        condition: Set(header.condition.clone()),
        owner_id: Set(owner_id),
        status: Set(PathwayStatus::Draft.as_str().to_string()),
        demand_per_day: Set(header.demand_per_day.map(|d| d.get())),
        version: Set(1),
        parent_id: Set(parent_id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(id)
}

/// Inserts a whole graph into an empty pathway.
async fn insert_map(
    tx: &DatabaseTransaction,
    pathway_id: Uuid,
    map: &PathwayMap,
    organisation_ids: &HashMap<OdsCode, Uuid>,
) -> Result<()> {
    let mut step_ids: HashMap<&str, Uuid> = HashMap::with_capacity(map.steps.len());
    let mut step_rows = Vec::with_capacity(map.steps.len());
    for (i, s) in map.steps.iter().enumerate() {
        let id = Uuid::now_v7();
        step_ids.insert(s.key.as_str(), id);
        let org = organisation_ids
            .get(&s.organisation)
            .copied()
            .ok_or_else(|| {
                Error::invalid(
                    format!("steps[{i}].organisation"),
                    format!("unknown organisation '{}'", s.organisation),
                )
            })?;
        step_rows.push(step_row(id, pathway_id, i as i32, org, s));
    }
    for chunk in step_rows.chunks(INSERT_CHUNK) {
        step::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    let transition_rows: Vec<_> = map
        .transitions
        .iter()
        .enumerate()
        .map(|(i, t)| {
            transition_row(
                Uuid::now_v7(),
                pathway_id,
                i as i32,
                step_ids[t.from.as_str()],
                step_ids[t.to.as_str()],
                t,
            )
        })
        .collect();
    for chunk in transition_rows.chunks(INSERT_CHUNK) {
        transition::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// Creates an empty draft pathway.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    header: PathwayHeader,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let owner = existing_organisations(&tx, &[("owner".into(), header.owner.clone())]).await?;
    super::access::require_organisation(caller, owner[&header.owner].id, Role::Editor)?;
    let id = insert_pathway(&tx, &header, owner[&header.owner].id, None).await?;
    finish(tx, ctx, id, &[]).await
}

/// Stores a parsed pathway document as a new draft, creating the organisations it defines that do
/// not exist yet. All or nothing.
pub async fn import(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    document: ParsedDocument,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let defined: Vec<OdsCode> = document
        .organisations
        .iter()
        .map(|o| o.ods_code.clone())
        .collect();
    let mut ids: HashMap<OdsCode, Uuid> = organisations::by_codes(&tx, &defined)
        .await?
        .into_iter()
        .map(|(code, r)| (code, r.id))
        .collect();
    let external_references = document.external_organisation_references();
    let mut caller = caller.clone();
    for organisation in document.organisations {
        if !ids.contains_key(&organisation.ods_code) {
            let record = organisations::insert(&tx, organisation).await?;
            super::access::grant_creator(&tx, &caller, record.id).await?;
            caller = super::access::with_created(&caller, record.id);
            ids.insert(record.organisation.ods_code.clone(), record.id);
        }
    }
    let ctx = &ctx.as_caller(caller);
    let caller = &ctx.caller;
    let external = existing_organisations(&tx, &external_references).await?;
    ids.extend(external.into_iter().map(|(code, r)| (code, r.id)));
    super::access::require_organisation(caller, ids[&document.header.owner], Role::Editor)?;
    let id = insert_pathway(&tx, &document.header, ids[&document.header.owner], None).await?;
    insert_map(&tx, id, &document.map, &ids).await?;
    let created: Vec<Uuid> = ids.values().copied().collect();
    finish(tx, ctx, id, &created).await
}

/// Changes a draft's own fields.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    patch: HeaderPatch,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = get(&tx, caller, id).await?;
    let h = &current.header;
    let header = PathwayHeader::parse(
        patch.name.as_deref().unwrap_or(&h.name),
        patch.description.as_deref().unwrap_or(&h.description),
        patch.condition.as_deref().unwrap_or(&h.condition),
        h.owner.as_str(),
        patch
            .demand_per_day
            .unwrap_or(h.demand_per_day.map(|d| d.get())),
    )?;
    claim(&tx, caller, id, expected_version, DRAFT).await?;
    pathway::Entity::update_many()
        .col_expr(pathway::Column::Name, Expr::value(header.name))
        .col_expr(
            pathway::Column::Description,
            Expr::value(header.description),
        )
        .col_expr(pathway::Column::Condition, Expr::value(header.condition))
        .col_expr(
            pathway::Column::DemandPerDay,
            Expr::value(header.demand_per_day.map(|d| d.get())),
        )
        .filter(pathway::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    finish(tx, ctx, id, &[]).await
}

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
    claim(&tx, caller, pathway_id, expected_version, DRAFT).await?;
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
    Ok((finish(tx, ctx, pathway_id, &[id]).await?, id))
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
    claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
    let orgs = organisations::by_ids(&tx, [row.organisation_id]).await?;
    let mut input = StepInput::from(&step_from_row(&row, &orgs)?);
    edit(&mut input);
    let step = input.parse()?;
    ensure_key_free(&tx, row.pathway_id, step.key.as_str(), Some(step_id)).await?;
    let org = organisation_id(&tx, "organisation", &step.organisation).await?;
    let mut model = step_row(step_id, row.pathway_id, row.position, org, &step);
    model.id = sea_orm::ActiveValue::Unchanged(step_id);
    step::Entity::update(model).exec(&tx).await?;
    finish(tx, ctx, row.pathway_id, &[]).await
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
    claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
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
    finish(tx, ctx, row.pathway_id, &[]).await
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
    }
    .parse()?;
    claim(&tx, caller, from.pathway_id, expected_version, DRAFT).await?;
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
    Ok((finish(tx, ctx, from.pathway_id, &[id]).await?, id))
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
    claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
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
    finish(tx, ctx, row.pathway_id, &[]).await
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
    claim(&tx, caller, row.pathway_id, expected_version, DRAFT).await?;
    transition::Entity::delete_by_id(transition_id)
        .exec(&tx)
        .await?;
    finish(tx, ctx, row.pathway_id, &[]).await
}

async fn set_status(tx: &DatabaseTransaction, id: Uuid, status: PathwayStatus) -> Result<()> {
    pathway::Entity::update_many()
        .col_expr(pathway::Column::Status, Expr::value(status.as_str()))
        .filter(pathway::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Publishes a draft that has no structural problems; after this it never changes.
pub async fn publish(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    claim(&tx, caller, id, expected_version, DRAFT).await?;
    let content = content(&tx, caller, id).await?;
    let problems = validate(&content.map);
    if !problems.is_empty() {
        return Err(Error::Problems(problems));
    }
    set_status(&tx, id, PathwayStatus::Published).await?;
    finish(tx, ctx, id, &[]).await
}

/// Retires a draft or published pathway.
pub async fn archive(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    claim(
        &tx,
        caller,
        id,
        expected_version,
        &[PathwayStatus::Draft, PathwayStatus::Published],
    )
    .await?;
    set_status(&tx, id, PathwayStatus::Archived).await?;
    finish(tx, ctx, id, &[]).await
}

/// A new draft version of a pathway with a what-if change set applied for real (how an adopted
/// change idea reaches the map). Organisations the changes move steps to must exist.
pub(crate) async fn new_version_with_changes(
    tx: &DatabaseTransaction,
    caller: &Caller,
    pathway_id: Uuid,
    changes: &[engine::Change],
) -> Result<Uuid> {
    let original = get(tx, caller, pathway_id).await?;
    super::access::require_pathway(tx, caller, pathway_id, Role::Editor).await?;
    let content = content(tx, caller, pathway_id).await?;
    let changed = engine::whatif::apply(&content.map, changes)?;
    let mut ids: HashMap<OdsCode, Uuid> = content
        .organisations
        .iter()
        .map(|o| (o.organisation.ods_code.clone(), o.id))
        .collect();
    let missing: Vec<(String, OdsCode)> = changed
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !ids.contains_key(&s.organisation))
        .map(|(i, s)| (format!("steps[{i}].organisation"), s.organisation.clone()))
        .collect();
    let found = existing_organisations(tx, &missing).await?;
    ids.extend(found.into_iter().map(|(code, r)| (code, r.id)));
    let new_id = insert_pathway(tx, &original.header, original.owner.id, Some(pathway_id)).await?;
    insert_map(tx, new_id, &changed, &ids).await?;
    Ok(new_id)
}

/// Copies any pathway into a new draft whose parent is the original (how a published map changes).
pub async fn clone(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let original = get(&tx, caller, id).await?;
    super::access::require_pathway(&tx, caller, id, Role::Editor).await?;
    let content = content(&tx, caller, id).await?;
    let new_id = insert_pathway(&tx, &original.header, original.owner.id, Some(id)).await?;
    let ids: HashMap<OdsCode, Uuid> = content
        .organisations
        .iter()
        .map(|o| (o.organisation.ods_code.clone(), o.id))
        .collect();
    insert_map(&tx, new_id, &content.map, &ids).await?;
    finish(tx, ctx, new_id, &[id]).await
}
