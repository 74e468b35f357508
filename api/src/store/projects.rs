//! Improvement projects, their measures and data points.

use super::organisations::{self, OrganisationRecord};
use super::scope::Unique as _;
use super::scope::{visible_pathways, visible_projects};
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use engine::measure::Measure;
use engine::{MemberRole, OdsCode, ProjectStatus};
use entity::{improvement_project, pathway, project_member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    pub id: Uuid,
    pub title: String,
    pub aim: String,
    pub owner: OrganisationRecord,
    pub pathway_id: Option<Uuid>,
    pub status: ProjectStatus,
    pub version: i64,
    pub members: Vec<(String, MemberRole)>,
    /// Who closed the project, when and why, while it is CLOSED.
    pub closure: Option<super::rows::Withdrawal>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeasureRecord {
    pub id: Uuid,
    pub project_id: Uuid,
    pub measure: Measure,
    /// Set when the measure's points are computed from an event log.
    pub from_log: Option<LogSource>,
    /// Set when the measure was withdrawn: it leaves charts, summaries and reports.
    pub withdrawal: Option<super::rows::Withdrawal>,
    /// Where its charts start a new baseline, and why, in date order.
    pub rebases: Vec<engine::rebase::Rebase>,
    /// Its rule preset and the points its limits are fixed from.
    pub settings: engine::spc::chart::ChartSettings,
}

impl MeasureRecord {
    /// The chart request its charts, summaries, reports and studies use unless a caller asks
    /// for other options: its own rule preset, baseline and rebases among these points (in date
    /// order). O(points + rebases · log points).
    pub fn chart_request(
        &self,
        points: &[engine::measure::DataPoint],
    ) -> engine::spc::chart::ChartRequest {
        let dates: Vec<chrono::NaiveDate> = points.iter().map(|p| p.date).collect();
        engine::spc::chart::ChartRequest {
            rebase_dates: engine::rebase::chart_dates(&self.rebases, &dates),
            ..self.settings.request(points.len())
        }
    }
}

/// The event log a measure is computed from, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSource {
    pub log_id: Uuid,
    pub definition: engine::events::log_measure::LogMeasureDefinition,
}

/// A new project, checked.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub title: String,
    pub aim: String,
    pub owner: OdsCode,
    pub pathway_id: Option<Uuid>,
    pub members: Vec<(String, MemberRole)>,
}

pub(crate) fn corrupt(what: &str, id: Uuid, detail: impl std::fmt::Display) -> Error {
    Error::internal(anyhow::anyhow!(
        "stored {what} {id} is unreadable: {detail}"
    ))
}

/// Projects as stored, with their owners and teams: three statements however many rows.
async fn records(
    db: &impl ConnectionTrait,
    rows: Vec<improvement_project::Model>,
) -> Result<Vec<ProjectRecord>> {
    let owners = organisations::by_ids(db, rows.iter().map(|r| r.owner_id)).await?;
    let mut members: std::collections::HashMap<Uuid, Vec<(String, MemberRole)>> =
        Default::default();
    for m in project_member::Entity::find()
        .filter(project_member::Column::ProjectId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(project_member::Column::Position)
        .all(db)
        .await?
    {
        let role = m
            .role
            .parse()
            .map_err(|e| corrupt("project member", m.id, e))?;
        members
            .entry(m.project_id)
            .or_default()
            .push((m.name, role));
    }
    rows.into_iter()
        .map(|row| {
            let owner = owners
                .get(&row.owner_id)
                .cloned()
                .ok_or_else(|| corrupt("project", row.id, "owner is missing"))?;
            Ok(ProjectRecord {
                id: row.id,
                title: row.title,
                aim: row.aim,
                owner,
                pathway_id: row.pathway_id,
                status: row
                    .status
                    .parse()
                    .map_err(|e| corrupt("project", row.id, e))?,
                version: row.version,
                members: members.remove(&row.id).unwrap_or_default(),
                closure: super::rows::Withdrawal::from_columns(
                    row.closed_at,
                    row.closed_by,
                    row.closed_reason,
                ),
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

/// Every project the caller may see, oldest first.
pub async fn list(db: &impl ConnectionTrait, caller: &Caller) -> Result<Vec<ProjectRecord>> {
    let rows = improvement_project::Entity::find()
        .filter(visible_projects(caller))
        .order_by_asc(improvement_project::Column::Id)
        .all(db)
        .await?;
    records(db, rows).await
}

/// `NOT_FOUND` unless the caller may see the project: one statement, for reads of a project's
/// children (its measures, cycles, drivers) that need the check but not the project.
pub(crate) async fn ensure_visible(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<()> {
    improvement_project::Entity::find_by_id(id)
        .select_only()
        .column(improvement_project::Column::Id)
        .filter(visible_projects(caller))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .first()
        .map(|_| ())
        .ok_or_else(|| Error::not_found("project", id))
}

/// Which of `ids` the caller may see: one statement.
pub(crate) async fn visible_among(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> Result<Vec<Uuid>> {
    Ok(improvement_project::Entity::find()
        .select_only()
        .column(improvement_project::Column::Id)
        .filter(improvement_project::Column::Id.is_in(ids.iter().copied()))
        .filter(visible_projects(caller))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// One project, or `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<ProjectRecord> {
    let row = improvement_project::Entity::find_by_id(id)
        .filter(visible_projects(caller))
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("project", id))?;
    Ok(records(db, vec![row]).await?.remove(0))
}

/// Creates a project with its team. The owner and the pathway (if any) must exist.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    new: NewProject,
) -> Result<ProjectRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let owner = organisations::by_codes(&tx, std::slice::from_ref(&new.owner))
        .await?
        .remove(&new.owner)
        .ok_or_else(|| Error::invalid("owner", format!("unknown organisation '{}'", new.owner)))?;
    super::access::require_organisation(caller, owner.id, crate::caller::Role::Editor)?;
    if let Some(pathway_id) = new.pathway_id {
        let found = pathway::Entity::find_by_id(pathway_id)
            .filter(visible_pathways(caller))
            .count(&tx)
            .await?;
        if found == 0 {
            return Err(Error::not_found("pathway", pathway_id));
        }
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    improvement_project::Entity::insert(improvement_project::ActiveModel {
        id: Set(id),
        title: Set(new.title),
        aim: Set(new.aim),
        owner_id: Set(owner.id),
        pathway_id: Set(new.pathway_id),
        status: Set(ProjectStatus::Active.as_str().to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&tx)
    .await?;
    insert_members(&tx, id, &new.members).await?;
    let created = get(&tx, caller, id).await?;
    super::audit::commit(tx, ctx, &[id]).await?;
    Ok(created)
}

/// Checks `expected_version` and takes the project's next one (`CONFLICT` when stale; exactly
/// one of several concurrent writers wins).
pub(crate) async fn claim(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
    expected_version: i64,
) -> Result<ProjectRecord> {
    let current = get(tx, caller, project_id).await?;
    super::access::require_project(tx, caller, project_id, crate::caller::Role::Editor).await?;
    let claimed = improvement_project::Entity::update_many()
        .col_expr(
            improvement_project::Column::Version,
            Expr::value(expected_version + 1),
        )
        .col_expr(
            improvement_project::Column::UpdatedAt,
            Expr::value(Utc::now()),
        )
        .filter(improvement_project::Column::Id.eq(project_id))
        .filter(improvement_project::Column::Version.eq(expected_version))
        .exec(tx)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "project {project_id} has changed: you expected version {expected_version} but it is at version {}; reload it and try again",
            current.version
        )));
    }
    Ok(current)
}

/// Changes to a project's own fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    pub title: Option<String>,
    pub aim: Option<String>,
    /// ACTIVE or SUSTAINING; a project is closed with [`close`], which needs a reason.
    pub status: Option<ProjectStatus>,
}

/// The fields of a project a correction can change, as the audit trail records them.
#[derive(serde::Serialize)]
struct ProjectSnapshot<'a> {
    title: &'a str,
    aim: &'a str,
    status: &'a str,
    closed_reason: Option<&'a str>,
    members: Vec<String>,
}

impl ProjectRecord {
    fn snapshot(&self) -> ProjectSnapshot<'_> {
        ProjectSnapshot {
            title: &self.title,
            aim: &self.aim,
            status: self.status.as_str(),
            closed_reason: self.closure.as_ref().map(|c| c.reason.as_str()),
            members: self
                .members
                .iter()
                .map(|(name, role)| format!("{name} ({})", role.as_str()))
                .collect(),
        }
    }
}

/// Changes a project's title, aim or status (`CONFLICT` when `expected_version` is stale). A
/// closed project is reopened with [`reopen`], not here.
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    patch: ProjectPatch,
) -> Result<ProjectRecord> {
    if patch.status == Some(ProjectStatus::Closed) {
        return Err(Error::invalid(
            "status",
            "close a project with closeProject, which records why",
        ));
    }
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = claim(&tx, caller, id, expected_version).await?;
    if patch.status.is_some() && current.status == ProjectStatus::Closed {
        return Err(Error::invalid(
            "status",
            "the project is closed: reopen it with reopenProject first",
        ));
    }
    improvement_project::Entity::update_many()
        .col_expr(
            improvement_project::Column::Title,
            Expr::value(patch.title.unwrap_or(current.title.clone())),
        )
        .col_expr(
            improvement_project::Column::Aim,
            Expr::value(patch.aim.unwrap_or(current.aim.clone())),
        )
        .col_expr(
            improvement_project::Column::Status,
            Expr::value(patch.status.unwrap_or(current.status).as_str()),
        )
        .filter(improvement_project::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    finish(tx, ctx, current).await
}

/// Reads the project again after a change and commits, with the audit entry holding what
/// changed.
async fn finish(
    tx: crate::db::WriteTransaction,
    ctx: &RequestContext,
    before: ProjectRecord,
) -> Result<ProjectRecord> {
    let after = get(&tx, &ctx.caller, before.id).await?;
    let changes = super::audit::Change::between(before.id, &before.snapshot(), &after.snapshot())?;
    super::audit::commit_changes(tx, ctx, &[before.id], &changes).await?;
    Ok(after)
}

/// Closes a project, recording who, when and why; its records stay readable and its reports
/// say it is closed. `VALIDATION` when it is already closed.
pub async fn close(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    reason: &str,
) -> Result<ProjectRecord> {
    let reason = super::rows::parse_reason(reason)?;
    let tx = begin_write(db).await?;
    let current = claim(&tx, &ctx.caller, id, expected_version).await?;
    if current.status == ProjectStatus::Closed {
        return Err(Error::invalid("projectId", "the project is already closed"));
    }
    improvement_project::Entity::update_many()
        .col_expr(
            improvement_project::Column::Status,
            Expr::value(ProjectStatus::Closed.as_str()),
        )
        .col_expr(
            improvement_project::Column::ClosedAt,
            Expr::value(Utc::now()),
        )
        .col_expr(
            improvement_project::Column::ClosedBy,
            Expr::value(ctx.caller.name()),
        )
        .col_expr(
            improvement_project::Column::ClosedReason,
            Expr::value(reason.clone()),
        )
        .filter(improvement_project::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    super::outbox::emit_for_project(
        &tx,
        id,
        super::outbox::EventType::ProjectClosed,
        ("ImprovementProject", id, Some(expected_version + 1)),
        serde_json::json!({ "title": current.title, "reason": reason }),
    )
    .await?;
    finish(tx, ctx, current).await
}

/// Reopens a closed project as ACTIVE (`VALIDATION` when it is not closed). The closure's
/// who, when and why stay in the audit trail.
pub async fn reopen(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
) -> Result<ProjectRecord> {
    let tx = begin_write(db).await?;
    let current = claim(&tx, &ctx.caller, id, expected_version).await?;
    if current.status != ProjectStatus::Closed {
        return Err(Error::invalid("projectId", "the project is not closed"));
    }
    improvement_project::Entity::update_many()
        .col_expr(
            improvement_project::Column::Status,
            Expr::value(ProjectStatus::Active.as_str()),
        )
        .col_expr(
            improvement_project::Column::ClosedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            improvement_project::Column::ClosedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            improvement_project::Column::ClosedReason,
            Expr::value(Option::<String>::None),
        )
        .filter(improvement_project::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    finish(tx, ctx, current).await
}

/// Replaces the project's team with `members`, in order: adding, removing and changing roles
/// in one step. Names are checked by the caller.
pub async fn set_team(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    members: Vec<(String, MemberRole)>,
) -> Result<ProjectRecord> {
    let tx = begin_write(db).await?;
    let current = claim(&tx, &ctx.caller, id, expected_version).await?;
    project_member::Entity::delete_many()
        .filter(project_member::Column::ProjectId.eq(id))
        .exec(&tx)
        .await?;
    insert_members(&tx, id, &members).await?;
    finish(tx, ctx, current).await
}

async fn insert_members(
    tx: &impl ConnectionTrait,
    project_id: Uuid,
    members: &[(String, MemberRole)],
) -> Result<()> {
    if members.is_empty() {
        return Ok(());
    }
    let rows: Vec<project_member::ActiveModel> = members
        .iter()
        .enumerate()
        .map(|(i, (name, role))| project_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            project_id: Set(project_id),
            position: Set(i as i32),
            name: Set(name.clone()),
            role: Set(role.as_str().to_string()),
        })
        .collect();
    project_member::Entity::insert_many(rows)
        .exec_without_returning(tx)
        .await?;
    Ok(())
}
