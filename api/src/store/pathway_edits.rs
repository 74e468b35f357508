//! Every change to a pathway as one transaction guarded by its version (optimistic concurrency:
//! a stale `expectedVersion` changes nothing), audited in the same transaction.

use super::organisations::{self, OrganisationRecord};
use super::pathways::*;
use super::rows::{step_row, transition_row};
use super::scope::Unique as _;
use super::scope::{INSERT_CHUNK, visible_pathways};
use crate::caller::{Caller, Role};
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{DbResultExt as _, Error, Result};
use chrono::Utc;
use engine::{
    InputErrors, OdsCode, ParsedDocument, PathwayHeader, PathwayMap, PathwayStatus, validate,
};
use entity::{pathway, step, transition};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter,
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
    /// `Some(None)` clears the target lead time.
    pub target_lead_time_minutes: Option<Option<f64>>,
}

/// Checks the caller's `expected_version` and the pathway's status, then takes the next version.
/// Under concurrency exactly one of several writers with the same expected version wins: the
/// version-guarded UPDATE matches one row for the first and none for the rest.
pub(super) async fn claim(
    tx: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    expected_version: i64,
    allowed: &[PathwayStatus],
) -> Result<Claimed> {
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
    // What the pathway was, for the audit trail's before and after (a cached version costs
    // nothing; otherwise a few statements inside the write).
    let before = match (
        super::pathways::cached_content(id, expected_version),
        super::pathways::cached_record(id, expected_version),
    ) {
        (Some(content), Some(record)) => Before {
            header: record.header,
            status: record.status,
            map: content.map.clone(),
        },
        _ => {
            let record = get(tx, caller, id).await?;
            Before {
                header: record.header,
                status: record.status,
                map: content(tx, caller, id).await?.map,
            }
        }
    };
    Ok(Claimed {
        row: pathway::Model {
            version: expected_version + 1,
            ..row
        },
        before,
    })
}

/// A pathway claimed for a change: its row (at the new version) and what it was before.
pub(super) struct Claimed {
    pub row: pathway::Model,
    pub before: Before,
}

/// A pathway as it was before a change.
pub(super) struct Before {
    header: PathwayHeader,
    status: PathwayStatus,
    map: std::sync::Arc<PathwayMap>,
}

/// What a change did to a pathway, field by field, for the audit trail: its own fields, then
/// each step and transition added, removed or changed (`steps[xray].touchMinutes`).
fn pathway_changes(
    id: Uuid,
    before: &Before,
    after_record: &PathwayRecord,
    after_map: &PathwayMap,
) -> Result<Vec<super::audit::Change>> {
    let header = |h: &PathwayHeader, status: PathwayStatus| {
        serde_json::json!({
            "name": h.name,
            "description": h.description,
            "condition": h.condition,
            "demandPerDay": h.demand_per_day.map(|d| d.get()),
            "targetLeadTimeMinutes": h.target_lead_time.map(|m| m.get()),
            "status": status.as_str(),
        })
    };
    let mut changes = super::audit::Change::between(
        id,
        &header(&before.header, before.status),
        &header(&after_record.header, after_record.status),
    )?;
    let map = engine::compare::compare_maps(&before.map, after_map);
    let whole =
        |field: String, before: serde_json::Value, after: serde_json::Value| super::audit::Change {
            object: id,
            field,
            before,
            after,
        };
    let step_json = |m: &PathwayMap, key: &str| {
        m.steps
            .iter()
            .find(|s| s.key.as_str() == key)
            .map(|s| serde_json::to_value(engine::StepInput::from(s)).unwrap_or_default())
            .unwrap_or_default()
    };
    for key in &map.steps_added {
        changes.push(whole(
            format!("steps[{key}]"),
            serde_json::Value::Null,
            step_json(after_map, key),
        ));
    }
    for key in &map.steps_removed {
        changes.push(whole(
            format!("steps[{key}]"),
            step_json(&before.map, key),
            serde_json::Value::Null,
        ));
    }
    for step in &map.steps_changed {
        for f in &step.changes {
            changes.push(whole(
                format!("steps[{}].{}", step.key, f.field),
                f.before.clone(),
                f.after.clone(),
            ));
        }
    }
    let transition_json = |m: &PathwayMap, t: &engine::compare::TransitionRef| {
        m.transitions
            .iter()
            .find(|x| x.from.as_str() == t.from && x.to.as_str() == t.to)
            .map(|x| serde_json::to_value(engine::TransitionInput::from(x)).unwrap_or_default())
            .unwrap_or_default()
    };
    for t in &map.transitions_added {
        changes.push(whole(
            format!("transitions[{}->{}]", t.from, t.to),
            serde_json::Value::Null,
            transition_json(after_map, t),
        ));
    }
    for t in &map.transitions_removed {
        changes.push(whole(
            format!("transitions[{}->{}]", t.from, t.to),
            transition_json(&before.map, t),
            serde_json::Value::Null,
        ));
    }
    for t in &map.transitions_changed {
        for f in &t.changes {
            changes.push(whole(
                format!("transitions[{}->{}].{}", t.from, t.to, f.field),
                f.before.clone(),
                f.after.clone(),
            ));
        }
    }
    Ok(changes)
}

fn stale(id: Uuid, expected: i64, actual: i64) -> Error {
    Error::Conflict(format!(
        "pathway {id} has changed: you expected version {expected} but it is at version {actual} or later; reload it and try again"
    ))
}

pub(super) const DRAFT: &[PathwayStatus] = &[PathwayStatus::Draft];

/// Reads the pathway back as the write left it (record and content, in the write's
/// transaction), records the write and commits; the version's record and content are then
/// remembered, so the response shows exactly the version the write made.
pub(super) async fn finish(
    tx: WriteTransaction,
    ctx: &RequestContext,
    id: Uuid,
    touched: &[Uuid],
    before: Option<&Before>,
) -> Result<PathwayRecord> {
    finish_with(tx, ctx, id, touched, before, Vec::new()).await
}

/// [`finish`] with more changes for the audit entry (what publishing settled about agreement).
async fn finish_with(
    tx: WriteTransaction,
    ctx: &RequestContext,
    id: Uuid,
    touched: &[Uuid],
    before: Option<&Before>,
    more: Vec<super::audit::Change>,
) -> Result<PathwayRecord> {
    let record = get(&tx, &ctx.caller, id).await?;
    let content = content(&tx, &ctx.caller, id).await?;
    let mut ids = vec![id];
    ids.extend_from_slice(touched);
    let mut changes = match before {
        Some(before) => pathway_changes(id, before, &record, &content.map)?,
        None => Vec::new(),
    };
    changes.extend(more);
    super::audit::commit_changes(tx, ctx, &ids, &changes).await?;
    // Committed: this version can no longer change.
    remember(&record, content);
    Ok(record)
}

/// Looks up organisations that must already exist, naming the field of each missing one.
pub(super) async fn existing_organisations(
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
        target_lead_time_minutes: Set(header.target_lead_time.map(|m| m.get())),
        version: Set(1),
        parent_id: Set(parent_id),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
        external_id: Set(None),
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
    finish(tx, ctx, id, &[], None).await
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
    let owner_id = ids[&document.header.owner];
    super::access::require_organisation(caller, owner_id, Role::Editor)?;
    let created: Vec<Uuid> = ids.values().copied().collect();
    let existing = match &document.external_id {
        Some(external_id) => {
            pathway::Entity::find()
                .filter(pathway::Column::OwnerId.eq(owner_id))
                .filter(pathway::Column::ExternalId.eq(external_id.as_str()))
                .unique(&tx)
                .await?
        }
        None => None,
    };
    let Some(existing) = existing else {
        let id = insert_pathway(&tx, &document.header, owner_id, None).await?;
        insert_map(&tx, id, &document.map, &ids).await?;
        set_external_id(&tx, id, document.external_id.as_deref()).await?;
        return finish(tx, ctx, id, &created, None).await;
    };
    // The same document again is answered with the pathway as it is; a changed one updates the
    // draft, or becomes the next draft version of a published or archived pathway.
    let current = content(&tx, caller, existing.id).await?;
    let stored = get(&tx, caller, existing.id).await?;
    if stored.header == document.header
        && engine::compare::compare_maps(&current.map, &document.map).is_empty()
    {
        return finish(tx, ctx, existing.id, &created, None).await;
    }
    if existing.status == PathwayStatus::Draft.as_str() {
        let claimed = claim(&tx, caller, existing.id, existing.version, DRAFT).await?;
        set_header(&tx, existing.id, &document.header).await?;
        clear_map(&tx, existing.id).await?;
        insert_map(&tx, existing.id, &document.map, &ids).await?;
        return finish(tx, ctx, existing.id, &created, Some(&claimed.before)).await;
    }
    let id = insert_pathway(&tx, &document.header, owner_id, Some(existing.id)).await?;
    insert_map(&tx, id, &document.map, &ids).await?;
    // The identifier moves to the new version; the old one's record changed, so it takes a new
    // revision (records are cached by revision on every replica).
    pathway::Entity::update_many()
        .col_expr(
            pathway::Column::ExternalId,
            Expr::value(Option::<String>::None),
        )
        .col_expr(pathway::Column::Version, Expr::value(existing.version + 1))
        .filter(pathway::Column::Id.eq(existing.id))
        .exec(&tx)
        .await?;
    set_external_id(&tx, id, document.external_id.as_deref()).await?;
    finish(tx, ctx, id, &created, None).await
}

/// Gives a new pathway the sending system's identifier. `CONFLICT` when another import under
/// the same identifier stored its pathway first.
async fn set_external_id(
    tx: &DatabaseTransaction,
    id: Uuid,
    external_id: Option<&str>,
) -> Result<()> {
    pathway::Entity::update_many()
        .col_expr(
            pathway::Column::ExternalId,
            Expr::value(external_id.map(str::to_string)),
        )
        .filter(pathway::Column::Id.eq(id))
        .exec(tx)
        .await
        .on_unique_violation(|| {
            format!(
                "another import stored a pathway under externalId '{}' at the same moment; send it again",
                external_id.unwrap_or_default()
            )
        })?;
    Ok(())
}

/// Writes a draft's own fields.
async fn set_header(tx: &DatabaseTransaction, id: Uuid, header: &PathwayHeader) -> Result<()> {
    pathway::Entity::update_many()
        .col_expr(pathway::Column::Name, Expr::value(header.name.clone()))
        .col_expr(
            pathway::Column::Description,
            Expr::value(header.description.clone()),
        )
        .col_expr(
            pathway::Column::Condition,
            Expr::value(header.condition.clone()),
        )
        .col_expr(
            pathway::Column::DemandPerDay,
            Expr::value(header.demand_per_day.map(|d| d.get())),
        )
        .col_expr(
            pathway::Column::TargetLeadTimeMinutes,
            Expr::value(header.target_lead_time.map(|m| m.get())),
        )
        .filter(pathway::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Removes a pathway's steps and transitions (the draft's graph is about to be replaced).
async fn clear_map(tx: &DatabaseTransaction, id: Uuid) -> Result<()> {
    use entity::{step, transition};
    transition::Entity::delete_many()
        .filter(transition::Column::PathwayId.eq(id))
        .exec(tx)
        .await?;
    step::Entity::delete_many()
        .filter(step::Column::PathwayId.eq(id))
        .exec(tx)
        .await?;
    Ok(())
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
        patch
            .target_lead_time_minutes
            .unwrap_or(h.target_lead_time.map(|m| m.get())),
    )?;
    let claimed = claim(&tx, caller, id, expected_version, DRAFT).await?;
    set_header(&tx, id, &header).await?;
    finish(tx, ctx, id, &[], Some(&claimed.before)).await
}

async fn set_status(tx: &DatabaseTransaction, id: Uuid, status: PathwayStatus) -> Result<()> {
    let mut update = pathway::Entity::update_many()
        .col_expr(pathway::Column::Status, Expr::value(status.as_str()));
    if status == PathwayStatus::Published {
        update = update.col_expr(pathway::Column::PublishedAt, Expr::value(Utc::now()));
    }
    update.filter(pathway::Column::Id.eq(id)).exec(tx).await?;
    Ok(())
}

/// Publishes a draft that has no structural problems and that every organisation with steps
/// in it has agreed to (see [`super::agreements::settle_for_publish`]; `without_agreement` is
/// the owner's reason for publishing without); after this it never changes.
pub async fn publish(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    without_agreement: Option<&str>,
) -> Result<PathwayRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let claimed = claim(&tx, caller, id, expected_version, DRAFT).await?;
    let content = content(&tx, caller, id).await?;
    let problems = validate(&content.map);
    if !problems.is_empty() {
        return Err(Error::Problems(problems));
    }
    let settled = super::agreements::settle_for_publish(
        &tx,
        caller,
        &claimed.row,
        expected_version,
        without_agreement,
    )
    .await?;
    set_status(&tx, id, PathwayStatus::Published).await?;
    super::outbox::emit_for_pathway(&tx, id, super::outbox::EventType::PathwayPublished).await?;
    finish_with(tx, ctx, id, &[], Some(&claimed.before), settled.changes).await
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
    let claimed = claim(
        &tx,
        caller,
        id,
        expected_version,
        &[PathwayStatus::Draft, PathwayStatus::Published],
    )
    .await?;
    // A share lets another organisation edit a pathway, never take it away from its owner.
    if caller
        .role_in(claimed.row.owner_id)
        .is_none_or(|r| r < Role::Editor)
    {
        return Err(Error::Forbidden(format!(
            "pathway {id} is shared with you: only its owning organisation's editors may archive it"
        )));
    }
    set_status(&tx, id, PathwayStatus::Archived).await?;
    super::outbox::emit_for_pathway(&tx, id, super::outbox::EventType::PathwayArchived).await?;
    finish(tx, ctx, id, &[], Some(&claimed.before)).await
}

/// Deletes a draft made by mistake, with its steps, transitions and shares. A published or
/// archived pathway is history and is never deleted (archive it instead), and a draft that a
/// project, an event log or a later version refers to is refused, naming what refers to it.
/// Only the owning organisation's editors may delete it. The audit trail keeps its name.
pub async fn delete_draft(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
) -> Result<()> {
    use entity::{event_log, improvement_project, share};
    use sea_orm::PaginatorTrait as _;
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = claim(&tx, caller, id, expected_version, DRAFT).await?.row;
    if caller
        .role_in(row.owner_id)
        .is_none_or(|r| r < Role::Editor)
    {
        return Err(Error::Forbidden(format!(
            "pathway {id} is shared with you: only its owning organisation's editors may delete it"
        )));
    }
    let projects = improvement_project::Entity::find()
        .filter(improvement_project::Column::PathwayId.eq(id))
        .count(&tx)
        .await?;
    let logs = event_log::Entity::find()
        .filter(event_log::Column::PathwayId.eq(id))
        .count(&tx)
        .await?;
    let versions = pathway::Entity::find()
        .filter(pathway::Column::ParentId.eq(id))
        .count(&tx)
        .await?;
    if projects + logs + versions > 0 {
        return Err(Error::invalid(
            "id",
            format!(
                "the draft is referred to by {projects} project(s), {logs} event log(s) and {versions} later version(s): archive it instead"
            ),
        ));
    }
    clear_map(&tx, id).await?;
    super::agreements::forget_pathway(&tx, id).await?;
    super::comments::forget_pathway(&tx, id).await?;
    share::Entity::delete_many()
        .filter(share::Column::ObjectId.eq(id))
        .exec(&tx)
        .await?;
    pathway::Entity::delete_by_id(id).exec(&tx).await?;
    let change = super::audit::Change {
        object: id,
        field: "name".into(),
        before: row.name.into(),
        after: serde_json::Value::Null,
    };
    super::audit::commit_changes(tx, ctx, &[id], &[change]).await
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
    finish(tx, ctx, new_id, &[id], None).await
}
