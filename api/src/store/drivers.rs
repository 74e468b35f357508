//! Driver diagrams: aim → primary drivers → secondary drivers → change ideas (a tree per project).

use super::projects::{self, ProjectRecord};
use super::scope::Unique as _;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use engine::{Change, DriverKind};
use entity::driver;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct DriverRecord {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub kind: DriverKind,
    pub text: String,
    /// A change idea's what-if change set.
    pub changes: Option<Vec<Change>>,
    /// The pathway hotspot a change idea answers.
    pub hotspot: Option<HotspotRef>,
}

/// A pointer at a hotspot of the project's pathway: its kind and the steps involved.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HotspotRef {
    pub kind: engine::HotspotKind,
    pub step_keys: Vec<String>,
}

fn from_row(row: driver::Model) -> Result<DriverRecord> {
    let bad = |e: String| {
        Error::internal(anyhow::anyhow!(
            "stored driver {} is unreadable: {e}",
            row.id
        ))
    };
    Ok(DriverRecord {
        id: row.id,
        parent_id: row.parent_id,
        kind: row.kind.parse().map_err(bad)?,
        text: row.text.clone(),
        changes: row
            .changes
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| bad(e.to_string()))?,
        hotspot: row
            .hotspot
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| bad(e.to_string()))?,
    })
}

/// One node, if it belongs to the project.
pub(crate) async fn find(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    id: Uuid,
) -> Result<Option<DriverRecord>> {
    driver::Entity::find_by_id(id)
        .filter(driver::Column::ProjectId.eq(project_id))
        .unique(db)
        .await?
        .map(from_row)
        .transpose()
}

/// The whole diagram of a project, in the order nodes were added.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<Vec<DriverRecord>> {
    projects::ensure_visible(db, caller, project_id).await?;
    driver::Entity::find()
        .filter(driver::Column::ProjectId.eq(project_id))
        .order_by_asc(driver::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Refuses a change set or hotspot reference that does not fit the current version of the
/// project's pathway, with the same paths as `whatIf` (`changes[0].to`); without a pathway there
/// is nothing to check against.
async fn check_references(
    tx: &impl ConnectionTrait,
    caller: &crate::caller::Caller,
    project: &ProjectRecord,
    changes: Option<&[Change]>,
    hotspot: Option<&HotspotRef>,
) -> Result<()> {
    let Some(pathway_id) = project.pathway_id else {
        return Ok(());
    };
    if changes.is_none() && hotspot.is_none() {
        return Ok(());
    }
    let content = super::pathways::content(tx, caller, pathway_id).await?;
    let mut problems = engine::whatif::reference_problems(
        &content.map,
        changes,
        hotspot.map(|h| h.step_keys.as_slice()),
    );
    if let Some(changes) = changes {
        problems.0.extend(
            super::organisations::unknown_destinations(tx, changes)
                .await?
                .0,
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// A node to add to a driver diagram.
#[derive(Debug, Clone)]
pub struct NewDriver {
    /// The node above; `None` for a primary driver (under the aim).
    pub parent: Option<Uuid>,
    pub kind: DriverKind,
    pub text: String,
    pub changes: Option<Vec<Change>>,
    pub hotspot: Option<HotspotRef>,
}

/// Adds a node under `parent` (none: under the aim). Primary drivers hang from the aim,
/// secondary drivers from primary ones, change ideas from either; only change ideas carry a
/// change set. Takes the project's next version.
pub async fn add(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    project_id: Uuid,
    expected_version: i64,
    node: NewDriver,
) -> Result<(ProjectRecord, Uuid)> {
    let caller = &ctx.caller;
    let NewDriver {
        parent,
        kind,
        text,
        changes,
        hotspot,
    } = node;
    let tx = begin_write(db).await?;
    let project = projects::claim(&tx, caller, project_id, expected_version).await?;
    check_references(&tx, caller, &project, changes.as_deref(), hotspot.as_ref()).await?;
    let parent_kind = match parent {
        Some(id) => Some(
            find(&tx, project_id, id)
                .await?
                .ok_or_else(|| {
                    Error::invalid("parentId", format!("{id} is not a driver of this project"))
                })?
                .kind,
        ),
        None => None,
    };
    kind.check_node(parent_kind, changes.is_some(), hotspot.is_some())?;
    let position = driver::Entity::find()
        .filter(driver::Column::ProjectId.eq(project_id))
        .count(&tx)
        .await? as i32;
    let id = Uuid::now_v7();
    driver::Entity::insert(driver::ActiveModel {
        id: Set(id),
        project_id: Set(project_id),
        parent_id: Set(parent),
        position: Set(position),
        kind: Set(kind.as_str().to_string()),
        text: Set(text),
        changes: Set(changes
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(Error::internal)?),
        hotspot: Set(hotspot
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(Error::internal)?),
    })
    .exec_without_returning(&tx)
    .await?;
    let project = projects::get(&tx, caller, project_id).await?;
    super::audit::commit(tx, ctx, &[project_id, id]).await?;
    Ok((project, id))
}

/// What a correction of a node changes: `None` leaves a field as it is; `Some(None)` clears it
/// (for `parent`: moves the node under the aim).
#[derive(Debug, Default)]
pub struct DriverEdit {
    pub text: Option<String>,
    pub changes: Option<Option<Vec<Change>>>,
    pub hotspot: Option<Option<HotspotRef>>,
    pub parent: Option<Option<Uuid>>,
}

/// Changes a node's text, change set or hotspot, or moves it (with the nodes under it) under
/// another node of the diagram; the diagram's rules hold at the new place, and a node cannot go
/// under itself or one of its own. Takes the project's next version. O(nodes).
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    edit: DriverEdit,
) -> Result<ProjectRecord> {
    let DriverEdit {
        text,
        changes,
        hotspot,
        parent,
    } = edit;
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = visible_row(&tx, caller, id).await?;
    let project_id = row.project_id;
    let current = from_row(row)?;
    let before = current.clone();
    let project = projects::claim(&tx, caller, project_id, expected_version).await?;
    let changes = changes.unwrap_or(current.changes);
    let hotspot = hotspot.unwrap_or(current.hotspot);
    check_references(&tx, caller, &project, changes.as_deref(), hotspot.as_ref()).await?;
    let parent = parent.unwrap_or(current.parent_id);
    let parent_kind = match parent {
        Some(p) => {
            let above = find(&tx, project_id, p).await?.ok_or_else(|| {
                Error::invalid("parentId", format!("{p} is not a driver of this project"))
            })?;
            if parent != current.parent_id {
                refuse_own_branch(&tx, project_id, id, p).await?;
            }
            Some(above.kind)
        }
        None => None,
    };
    current
        .kind
        .check_node(parent_kind, changes.is_some(), hotspot.is_some())?;
    driver::Entity::update_many()
        .col_expr(
            driver::Column::Text,
            sea_orm::sea_query::Expr::value(text.unwrap_or(current.text)),
        )
        .col_expr(
            driver::Column::ParentId,
            sea_orm::sea_query::Expr::value(parent),
        )
        .col_expr(
            driver::Column::Changes,
            sea_orm::sea_query::Expr::value(
                changes
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(Error::internal)?,
            ),
        )
        .col_expr(
            driver::Column::Hotspot,
            sea_orm::sea_query::Expr::value(
                hotspot
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(Error::internal)?,
            ),
        )
        .filter(driver::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    let project = projects::get(&tx, caller, project_id).await?;
    let after = find(&tx, project_id, id)
        .await?
        .ok_or_else(|| Error::not_found("driver", id))?;
    if after.changes != before.changes {
        // The organisations agreed to another change.
        forget_agreements(&tx, &[id]).await?;
    }
    let changes = super::audit::Change::between(id, &snapshot(&before), &snapshot(&after))?;
    super::audit::commit_changes(tx, ctx, &[id], &changes).await?;
    Ok(project)
}

/// A node of a driver diagram with the project it is in.
#[derive(Debug, Clone)]
pub struct PlacedDriver {
    pub driver: DriverRecord,
    pub project: projects::ProjectRecord,
}

/// One node of a driver diagram with its project, when the caller may see the project
/// (`NOT_FOUND` otherwise).
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<PlacedDriver> {
    let row = visible_row(db, caller, id).await?;
    let project = projects::get(db, caller, row.project_id).await?;
    Ok(PlacedDriver {
        driver: from_row(row)?,
        project,
    })
}

/// Forgets the organisations' decisions on change ideas (their change set changed, so they were
/// about another change, or the ideas are gone), inside the editing transaction. Written here
/// rather than in `agreements`, which reads drivers.
async fn forget_agreements(tx: &impl ConnectionTrait, ids: &[Uuid]) -> Result<()> {
    entity::agreement::Entity::delete_many()
        .filter(entity::agreement::Column::SubjectKind.eq("CHANGE_IDEA"))
        .filter(entity::agreement::Column::SubjectId.is_in(ids.iter().copied()))
        .exec(tx)
        .await?;
    Ok(())
}

/// A node's row, when the caller may see its project (`NOT_FOUND` naming the driver otherwise).
async fn visible_row(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<driver::Model> {
    let row = driver::Entity::find_by_id(id)
        .unique(tx)
        .await?
        .ok_or_else(|| Error::not_found("driver", id))?;
    match projects::ensure_visible(tx, caller, row.project_id).await {
        Ok(()) => Ok(row),
        Err(Error::NotFound { .. }) => Err(Error::not_found("driver", id)),
        Err(e) => Err(e),
    }
}

/// Refuses to move `id` under `new_parent` when that is `id` itself or a node under it: the
/// diagram would lose its branch in a loop. O(nodes).
async fn refuse_own_branch(
    tx: &impl ConnectionTrait,
    project_id: Uuid,
    id: Uuid,
    new_parent: Uuid,
) -> Result<()> {
    let parents: std::collections::HashMap<Uuid, Option<Uuid>> = driver::Entity::find()
        .filter(driver::Column::ProjectId.eq(project_id))
        .all(tx)
        .await?
        .into_iter()
        .map(|d| (d.id, d.parent_id))
        .collect();
    let mut at = Some(new_parent);
    // Bounded by the node count, so a loop already stored cannot hang the walk.
    for _ in 0..=parents.len() {
        match at {
            Some(node) if node == id => {
                return Err(Error::invalid(
                    "parentId",
                    "a node cannot move under itself or one of the nodes under it",
                ));
            }
            Some(node) => at = parents.get(&node).copied().flatten(),
            None => break,
        }
    }
    Ok(())
}

/// What a correction can change in a node, as the audit trail records it.
fn snapshot(d: &DriverRecord) -> serde_json::Value {
    serde_json::json!({
        "parentId": d.parent_id,
        "text": d.text,
        "changes": d.changes,
        "hotspot": d.hotspot,
    })
}

/// Removes a node of a driver diagram. A node with nodes under it is refused, naming them,
/// unless `with_children`, which removes the whole branch; a change idea that a PDSA cycle
/// tests is refused, naming the cycle (the cycle's record would lose what it tested). Takes the
/// project's next version; the audit trail keeps every removed node's text.
pub async fn remove(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    with_children: bool,
) -> Result<ProjectRecord> {
    use entity::pdsa_cycle;
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let project_id = visible_row(&tx, caller, id).await?.project_id;
    projects::claim(&tx, caller, project_id, expected_version).await?;
    let all = list(&tx, caller, project_id).await?;
    // The branch under the node, found breadth first over the project's (small) diagram.
    let mut branch = vec![id];
    let mut next = 0;
    while next < branch.len() {
        let parent = branch[next];
        branch.extend(
            all.iter()
                .filter(|d| d.parent_id == Some(parent))
                .map(|d| d.id),
        );
        next += 1;
    }
    let named = |ids: &[Uuid]| {
        all.iter()
            .filter(|d| ids.contains(&d.id))
            .map(|d| format!("'{}'", d.text))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if branch.len() > 1 && !with_children {
        return Err(Error::invalid(
            "id",
            format!(
                "the node has {} under it ({}): remove them first, or pass withChildren: true to remove the whole branch",
                branch.len() - 1,
                named(&branch[1..])
            ),
        ));
    }
    let tested: Vec<String> = pdsa_cycle::Entity::find()
        .filter(pdsa_cycle::Column::ChangeIdeaId.is_in(branch.iter().copied()))
        .all(&tx)
        .await?
        .into_iter()
        .map(|c| format!("'{}' ({})", c.objective, c.id))
        .collect();
    if !tested.is_empty() {
        return Err(Error::invalid(
            "id",
            format!(
                "PDSA cycles test change ideas in this branch: {}; a tested idea stays in the diagram as the cycles' record",
                tested.join(", ")
            ),
        ));
    }
    let changes: Vec<super::audit::Change> = all
        .iter()
        .filter(|d| branch.contains(&d.id))
        .map(|d| super::audit::Change {
            object: d.id,
            field: "node".into(),
            before: serde_json::json!({"kind": d.kind.as_str(), "parentId": d.parent_id, "node": snapshot(d)}),
            after: serde_json::Value::Null,
        })
        .collect();
    forget_agreements(&tx, &branch).await?;
    entity::comment::Entity::delete_many()
        .filter(entity::comment::Column::SubjectKind.eq("CHANGE_IDEA"))
        .filter(entity::comment::Column::SubjectId.is_in(branch.iter().copied()))
        .exec(&tx)
        .await?;
    // Children first: a parent row is referenced by its children's rows.
    for node in branch.iter().rev() {
        driver::Entity::delete_by_id(*node).exec(&tx).await?;
    }
    let project = projects::get(&tx, caller, project_id).await?;
    super::audit::commit_changes(tx, ctx, &branch, &changes).await?;
    Ok(project)
}
