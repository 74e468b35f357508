//! PDSA cycles: planned, moved through their stages (every move recorded), observed.

use super::projects;
use super::scope::Unique as _;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use engine::pdsa::{Cycle, Decision, Move, Prediction, Stage, advance};
use entity::{cycle_move, cycle_observation, measure, pdsa_cycle};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct CycleRecord {
    pub id: Uuid,
    pub project_id: Uuid,
    pub previous_cycle_id: Option<Uuid>,
    /// The change idea of the driver diagram the cycle tests, when it names one.
    pub change_idea_id: Option<Uuid>,
    pub change_idea: String,
    pub cycle: Cycle,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One recorded move.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveRecord {
    pub at: DateTime<Utc>,
    pub by: String,
    pub from: Stage,
    pub to: Stage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub author: String,
    pub text: String,
    /// When the text was last corrected.
    pub corrected_at: Option<DateTime<Utc>>,
    /// Set when the observation was retracted.
    pub withdrawal: Option<super::rows::Withdrawal>,
}

fn corrupt(id: Uuid, detail: impl std::fmt::Display) -> Error {
    Error::internal(anyhow::anyhow!("stored cycle {id} is unreadable: {detail}"))
}

fn from_row(row: pdsa_cycle::Model) -> Result<CycleRecord> {
    let predictions: Vec<Prediction> =
        serde_json::from_value(row.predictions.clone()).map_err(|e| corrupt(row.id, e))?;
    let questions: Vec<String> =
        serde_json::from_value(row.questions.clone()).map_err(|e| corrupt(row.id, e))?;
    let cycle = Cycle {
        stage: row.stage.parse().map_err(|e| corrupt(row.id, e))?,
        objective: row.objective,
        questions,
        plan: row.plan_details,
        data_collection: row.data_collection,
        predictions,
        planned_start: row.planned_start,
        planned_end: row.planned_end,
        actual_start: row.actual_start,
        actual_end: row.actual_end,
        learning: row.learning,
        decision: row
            .decision
            .map(|d| d.parse::<Decision>())
            .transpose()
            .map_err(|e| corrupt(row.id, e))?,
        rationale: row.rationale,
    };
    Ok(CycleRecord {
        id: row.id,
        project_id: row.project_id,
        previous_cycle_id: row.previous_cycle_id,
        change_idea_id: row.change_idea_id,
        change_idea: row.change_idea,
        cycle,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn predictions_json(cycle: &Cycle) -> Result<serde_json::Value> {
    serde_json::to_value(&cycle.predictions).map_err(Error::internal)
}

/// One cycle the caller may see (through its project), or `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<CycleRecord> {
    let row = pdsa_cycle::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("cycle", id))?;
    match projects::get(db, caller, row.project_id).await {
        Ok(_) => from_row(row),
        Err(Error::NotFound { .. }) => Err(Error::not_found("cycle", id)),
        Err(e) => Err(e),
    }
}

/// The cycles of a project, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    project_id: Uuid,
) -> Result<Vec<CycleRecord>> {
    projects::ensure_visible(db, caller, project_id).await?;
    pdsa_cycle::Entity::find()
        .filter(pdsa_cycle::Column::ProjectId.eq(project_id))
        .order_by_asc(pdsa_cycle::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// The cycles of each of `projects` the caller may see, oldest first: two statements however
/// many projects (a list of projects with their cycles).
pub async fn of_projects(
    db: &impl ConnectionTrait,
    caller: &Caller,
    projects: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<CycleRecord>>> {
    let visible = projects::visible_among(db, caller, projects).await?;
    let mut out: std::collections::HashMap<Uuid, Vec<CycleRecord>> =
        visible.iter().map(|id| (*id, Vec::new())).collect();
    for row in pdsa_cycle::Entity::find()
        .filter(pdsa_cycle::Column::ProjectId.is_in(visible))
        .order_by_asc(pdsa_cycle::Column::Id)
        .all(db)
        .await?
    {
        let project = row.project_id;
        out.entry(project).or_default().push(from_row(row)?);
    }
    Ok(out)
}

async fn insert(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    previous: Option<Uuid>,
    change_idea_id: Option<Uuid>,
    change_idea: &str,
    cycle: &Cycle,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    pdsa_cycle::Entity::insert(pdsa_cycle::ActiveModel {
        id: Set(id),
        project_id: Set(project_id),
        previous_cycle_id: Set(previous),
        change_idea_id: Set(change_idea_id),
        change_idea: Set(change_idea.to_string()),
        stage: Set(cycle.stage.as_str().to_string()),
        objective: Set(cycle.objective.clone()),
        questions: Set(serde_json::Value::from(cycle.questions.clone())),
        plan_details: Set(cycle.plan.clone()),
        data_collection: Set(cycle.data_collection.clone()),
        predictions: Set(predictions_json(cycle)?),
        planned_start: Set(cycle.planned_start),
        planned_end: Set(cycle.planned_end),
        actual_start: Set(cycle.actual_start),
        actual_end: Set(cycle.actual_end),
        learning: Set(cycle.learning.clone()),
        decision: Set(cycle.decision.map(|d| d.as_str().to_string())),
        rationale: Set(cycle.rationale.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(id)
}

/// Plans a cycle of a project. Every prediction's measure must belong to the project (errors
/// name `predictions[i].measureId`); a previous cycle must be of the same project.
pub async fn plan(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    project_id: Uuid,
    previous: Option<Uuid>,
    change_idea_id: Option<Uuid>,
    change_idea: &str,
    cycle: Cycle,
) -> Result<CycleRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    projects::get(&tx, caller, project_id).await?;
    super::access::require_project(&tx, caller, project_id, crate::caller::Role::Editor).await?;
    let mut errors = plan_problems(&tx, project_id, &cycle, change_idea_id).await?;
    if let Some(previous) = previous {
        let same_project = get(&tx, caller, previous)
            .await
            .is_ok_and(|c| c.project_id == project_id);
        if !same_project {
            errors.push("previousCycleId", "is not a cycle of this project");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let id = insert(
        &tx,
        project_id,
        previous,
        change_idea_id,
        change_idea,
        &cycle,
    )
    .await?;
    let created = get(&tx, caller, id).await?;
    super::audit::commit(tx, ctx, &[id]).await?;
    Ok(created)
}

/// What is wrong with a plan's references: each prediction's measure must be a current measure
/// of the project (`predictions[i].measureId`), and the change idea one of its change ideas.
async fn plan_problems(
    tx: &impl ConnectionTrait,
    project_id: Uuid,
    cycle: &Cycle,
    change_idea_id: Option<Uuid>,
) -> Result<engine::InputErrors> {
    let mut errors = engine::InputErrors::default();
    for (i, p) in cycle.predictions.iter().enumerate() {
        let belongs = match Uuid::parse_str(&p.measure) {
            Ok(m) => measure::Entity::find_by_id(m)
                .filter(measure::Column::ProjectId.eq(project_id))
                .filter(measure::Column::WithdrawnAt.is_null())
                .unique(tx)
                .await?
                .is_some(),
            Err(_) => false,
        };
        if !belongs {
            errors.push(
                format!("predictions[{i}].measureId"),
                "is not a measure of this project",
            );
        }
    }
    if let Some(idea) = change_idea_id {
        let is_idea = super::drivers::find(tx, project_id, idea)
            .await?
            .is_some_and(|d| d.kind == engine::DriverKind::ChangeIdea);
        if !is_idea {
            errors.push("changeIdeaId", "is not a change idea of this project");
        }
    }
    Ok(errors)
}

/// The plan of a cycle as the audit trail records it.
fn plan_snapshot(
    change_idea: &str,
    change_idea_id: Option<Uuid>,
    c: &Cycle,
) -> Result<serde_json::Value> {
    Ok(serde_json::json!({
        "changeIdea": change_idea,
        "changeIdeaId": change_idea_id,
        "objective": c.objective,
        "questions": c.questions,
        "plan": c.plan,
        "dataCollection": c.data_collection,
        "predictions": predictions_json(c)?,
        "plannedStart": c.planned_start,
        "plannedEnd": c.planned_end,
    }))
}

/// Replaces the plan of a cycle still in PLAN (`VALIDATION` in any other stage: what was
/// planned before the test started is the record the study is judged against). `cycle` carries
/// the new plan; its stage and doing are ignored. `CONFLICT` when `expected_version` is stale.
pub async fn update_plan(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    change_idea_id: Option<Uuid>,
    change_idea: &str,
    plan: Cycle,
) -> Result<CycleRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = editable_in(&tx, caller, id, Stage::Plan, |stage| {
        format!(
            "only a plan can be edited, and the cycle is in {stage}: record what happened as observations, or abandon the cycle"
        )
    })
    .await?;
    let errors = plan_problems(&tx, current.project_id, &plan, change_idea_id).await?;
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let updated = pdsa_cycle::Entity::update_many()
        .col_expr(pdsa_cycle::Column::ChangeIdea, Expr::value(change_idea))
        .col_expr(
            pdsa_cycle::Column::ChangeIdeaId,
            Expr::value(change_idea_id),
        )
        .col_expr(
            pdsa_cycle::Column::Objective,
            Expr::value(plan.objective.clone()),
        )
        .col_expr(
            pdsa_cycle::Column::Questions,
            Expr::value(serde_json::Value::from(plan.questions.clone())),
        )
        .col_expr(
            pdsa_cycle::Column::PlanDetails,
            Expr::value(plan.plan.clone()),
        )
        .col_expr(
            pdsa_cycle::Column::DataCollection,
            Expr::value(plan.data_collection.clone()),
        )
        .col_expr(
            pdsa_cycle::Column::Predictions,
            Expr::value(predictions_json(&plan)?),
        )
        .col_expr(
            pdsa_cycle::Column::PlannedStart,
            Expr::value(plan.planned_start),
        )
        .col_expr(
            pdsa_cycle::Column::PlannedEnd,
            Expr::value(plan.planned_end),
        );
    claim_version(&tx, updated, id, expected_version, current.version).await?;
    let after = get(&tx, caller, id).await?;
    let changes = super::audit::Change::between(
        id,
        &plan_snapshot(&current.change_idea, current.change_idea_id, &current.cycle)?,
        &plan_snapshot(&after.change_idea, after.change_idea_id, &after.cycle)?,
    )?;
    super::audit::commit_changes(tx, ctx, &[id], &changes).await?;
    Ok(after)
}

/// What a move led to.
#[derive(Debug, Clone, PartialEq)]
pub struct Advanced {
    pub cycle: CycleRecord,
    /// After ADAPT: the next cycle of the ramp, in PLAN.
    pub next_cycle: Option<CycleRecord>,
    /// After ADOPT of a change idea with a change set, in a project with a pathway: the new
    /// draft version of the pathway with the change applied.
    pub new_pathway_version: Option<Uuid>,
}

/// Moves a cycle on. An illegal move is `VALIDATION` with the reason; a stale version
/// `CONFLICT`. ADAPT also plans the next cycle of the ramp; ADOPT of a change idea that carries a
/// change set makes a new draft of the project's pathway with the change applied. One
/// transaction.
pub async fn advance_cycle(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    action: Move,
) -> Result<Advanced> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = get(&tx, caller, id).await?;
    super::access::require_project(&tx, caller, current.project_id, crate::caller::Role::Editor)
        .await?;
    if current.version != expected_version {
        return Err(Error::Conflict(format!(
            "cycle {id} has changed: you expected version {expected_version} but it is at version {}; reload it and try again",
            current.version
        )));
    }
    let next = advance(&current.cycle, action).map_err(|reason| Error::invalid("move", reason))?;
    let updated = pdsa_cycle::Entity::update_many()
        .col_expr(pdsa_cycle::Column::Stage, Expr::value(next.stage.as_str()))
        .col_expr(
            pdsa_cycle::Column::ActualStart,
            Expr::value(next.actual_start),
        )
        .col_expr(pdsa_cycle::Column::ActualEnd, Expr::value(next.actual_end))
        .col_expr(
            pdsa_cycle::Column::Learning,
            Expr::value(next.learning.clone()),
        )
        .col_expr(
            pdsa_cycle::Column::Decision,
            Expr::value(next.decision.map(|d| d.as_str().to_string())),
        )
        .col_expr(
            pdsa_cycle::Column::Rationale,
            Expr::value(next.rationale.clone()),
        );
    claim_version(&tx, updated, id, expected_version, current.version).await?;
    cycle_move::Entity::insert(cycle_move::ActiveModel {
        id: Set(Uuid::now_v7()),
        cycle_id: Set(id),
        at: Set(Utc::now()),
        by: Set(caller.name().to_string()),
        from_stage: Set(current.cycle.stage.as_str().to_string()),
        to_stage: Set(next.stage.as_str().to_string()),
    })
    .exec_without_returning(&tx)
    .await?;
    let next_cycle = if next.decision == Some(Decision::Adapt) {
        let planned = next.next_of_ramp();
        let new_id = insert(
            &tx,
            current.project_id,
            Some(id),
            current.change_idea_id,
            &current.change_idea,
            &planned,
        )
        .await?;
        Some(get(&tx, caller, new_id).await?)
    } else {
        None
    };
    let mut new_pathway_version = None;
    let mut agreed = Vec::new();
    if next.decision == Some(Decision::Adopt) {
        let project = projects::get(&tx, caller, current.project_id).await?;
        let idea = match current.change_idea_id {
            Some(idea) => super::drivers::find(&tx, current.project_id, idea).await?,
            None => None,
        };
        if let (Some(pathway_id), Some(idea), Some(changes)) = (
            project.pathway_id,
            current.change_idea_id,
            idea.and_then(|d| d.changes),
        ) {
            agreed = super::agreements::settle_for_adoption(&tx, caller, idea).await?;
            new_pathway_version = Some(
                super::pathway_edits::new_version_with_changes(&tx, caller, pathway_id, &changes)
                    .await?,
            );
        }
    }
    let moved = get(&tx, caller, id).await?;
    super::outbox::emit_for_project(
        &tx,
        current.project_id,
        super::outbox::EventType::CycleMoved,
        ("PdsaCycle", id, Some(moved.version)),
        serde_json::json!({
            "projectId": current.project_id,
            "changeIdea": current.change_idea,
            "from": current.cycle.stage.as_str(),
            "to": moved.cycle.stage.as_str(),
            "decision": moved.cycle.decision.map(|d| d.as_str()),
            "nextCycleId": next_cycle.as_ref().map(|c| c.id),
            "newPathwayVersionId": new_pathway_version,
        }),
    )
    .await?;
    let touched: Vec<Uuid> = std::iter::once(id).chain(new_pathway_version).collect();
    let mut changes = super::audit::Change::between(
        id,
        &move_snapshot(&current.cycle),
        &move_snapshot(&moved.cycle),
    )?;
    changes.extend(agreed);
    super::audit::commit_changes(tx, ctx, &touched, &changes).await?;
    Ok(Advanced {
        cycle: moved,
        next_cycle,
        new_pathway_version,
    })
}

/// The cycle, when the caller may edit it and it is in `stage`; otherwise `VALIDATION` with
/// `refusal` of the stage it is in.
async fn editable_in(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    stage: Stage,
    refusal: impl FnOnce(&str) -> String,
) -> Result<CycleRecord> {
    let current = get(tx, caller, id).await?;
    super::access::require_project(tx, caller, current.project_id, crate::caller::Role::Editor)
        .await?;
    if current.cycle.stage != stage {
        return Err(Error::invalid(
            "cycleId",
            refusal(current.cycle.stage.as_str()),
        ));
    }
    Ok(current)
}

/// Runs a change to a cycle guarded by its version: takes the next version, or answers
/// `CONFLICT` when `expected_version` is stale (exactly one of several concurrent writers wins).
async fn claim_version(
    tx: &impl ConnectionTrait,
    update: sea_orm::UpdateMany<pdsa_cycle::Entity>,
    id: Uuid,
    expected_version: i64,
    current_version: i64,
) -> Result<()> {
    let updated = update
        .col_expr(
            pdsa_cycle::Column::Version,
            Expr::value(expected_version + 1),
        )
        .col_expr(pdsa_cycle::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(pdsa_cycle::Column::Id.eq(id))
        .filter(pdsa_cycle::Column::Version.eq(expected_version))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "cycle {id} has changed: you expected version {expected_version} but it is at version {current_version} or later; reload it and try again"
        )));
    }
    Ok(())
}

/// What a move changes in a cycle, as the audit trail records it.
fn move_snapshot(c: &Cycle) -> serde_json::Value {
    serde_json::json!({
        "stage": c.stage.as_str(),
        "actualStart": c.actual_start,
        "actualEnd": c.actual_end,
        "learning": c.learning,
        "decision": c.decision.map(|d| d.as_str()),
        "rationale": c.rationale,
    })
}

/// Appends an observation to a cycle in DO.
pub async fn observe(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    text: &str,
) -> Result<CycleRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = editable_in(&tx, caller, id, Stage::Do, |stage| {
        format!("observations are recorded in DO; the cycle is in {stage}")
    })
    .await?;
    cycle_observation::Entity::insert(cycle_observation::ActiveModel {
        id: Set(Uuid::now_v7()),
        cycle_id: Set(id),
        at: Set(Utc::now()),
        author: Set(caller.name().to_string()),
        text: Set(text.to_string()),
        ..Default::default()
    })
    .exec_without_returning(&tx)
    .await?;
    super::audit::commit(tx, ctx, &[id]).await?;
    Ok(current)
}

/// Every move of a cycle, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<Vec<MoveRecord>> {
    get(db, caller, id).await?;
    cycle_move::Entity::find()
        .filter(cycle_move::Column::CycleId.eq(id))
        .order_by_asc(cycle_move::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            Ok(MoveRecord {
                at: m.at,
                by: m.by,
                from: m.from_stage.parse().map_err(|e| corrupt(id, e))?,
                to: m.to_stage.parse().map_err(|e| corrupt(id, e))?,
            })
        })
        .collect()
}

/// The observations of a cycle, oldest first: current ones, and retracted ones too with
/// `include_withdrawn`.
pub async fn observations(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    include_withdrawn: bool,
) -> Result<Vec<ObservationRecord>> {
    get(db, caller, id).await?;
    let mut query =
        cycle_observation::Entity::find().filter(cycle_observation::Column::CycleId.eq(id));
    if !include_withdrawn {
        query = query.filter(cycle_observation::Column::WithdrawnAt.is_null());
    }
    Ok(query
        .order_by_asc(cycle_observation::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(observation_from_row)
        .collect())
}

fn observation_from_row(o: cycle_observation::Model) -> ObservationRecord {
    ObservationRecord {
        id: o.id,
        at: o.at,
        author: o.author,
        text: o.text,
        corrected_at: o.corrected_at,
        withdrawal: super::rows::Withdrawal::from_columns(
            o.withdrawn_at,
            o.withdrawn_by,
            o.withdrawal_reason,
        ),
    }
}

/// Corrects an observation's text (`Some`) or retracts it with a reason (`text` `None`): a
/// retracted observation stays, marked, in `observations(includeWithdrawn: true)`. A retracted
/// one cannot change again. The audit trail keeps the text before and after.
pub async fn correct_observation(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    observation_id: Uuid,
    correction: ObservationCorrection,
) -> Result<ObservationRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = cycle_observation::Entity::find_by_id(observation_id)
        .unique(&tx)
        .await?
        .ok_or_else(|| Error::not_found("observation", observation_id))?;
    let cycle = match get(&tx, caller, row.cycle_id).await {
        Ok(cycle) => cycle,
        Err(Error::NotFound { .. }) => return Err(Error::not_found("observation", observation_id)),
        Err(e) => return Err(e),
    };
    super::access::require_project(&tx, caller, cycle.project_id, crate::caller::Role::Editor)
        .await?;
    if row.withdrawn_at.is_some() {
        return Err(Error::invalid(
            "observationId",
            "the observation was retracted",
        ));
    }
    let now = Utc::now();
    let update = cycle_observation::Entity::update_many()
        .filter(cycle_observation::Column::Id.eq(observation_id));
    let change = match &correction {
        ObservationCorrection::Text(text) => {
            update
                .col_expr(cycle_observation::Column::Text, Expr::value(text.clone()))
                .col_expr(cycle_observation::Column::CorrectedAt, Expr::value(now))
                .exec(&tx)
                .await?;
            super::audit::Change {
                object: observation_id,
                field: "text".into(),
                before: row.text.clone().into(),
                after: text.clone().into(),
            }
        }
        ObservationCorrection::Retract(reason) => {
            update
                .col_expr(cycle_observation::Column::WithdrawnAt, Expr::value(now))
                .col_expr(
                    cycle_observation::Column::WithdrawnBy,
                    Expr::value(caller.name()),
                )
                .col_expr(
                    cycle_observation::Column::WithdrawalReason,
                    Expr::value(reason.clone()),
                )
                .exec(&tx)
                .await?;
            super::audit::Change {
                object: observation_id,
                field: "withdrawalReason".into(),
                before: serde_json::Value::Null,
                after: reason.clone().into(),
            }
        }
    };
    let after = cycle_observation::Entity::find_by_id(observation_id)
        .unique(&tx)
        .await?
        .map(observation_from_row)
        .ok_or_else(|| Error::not_found("observation", observation_id))?;
    super::audit::commit_changes(tx, ctx, &[cycle.id, observation_id], &[change]).await?;
    Ok(after)
}

/// One observation, when the caller may see its cycle (`NOT_FOUND` otherwise).
pub async fn observation(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<ObservationRecord> {
    let row = cycle_observation::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("observation", id))?;
    match get(db, caller, row.cycle_id).await {
        Ok(_) => Ok(observation_from_row(row)),
        Err(Error::NotFound { .. }) => Err(Error::not_found("observation", id)),
        Err(e) => Err(e),
    }
}

/// What to do to an observation.
#[derive(Debug, Clone)]
pub enum ObservationCorrection {
    /// The corrected text, checked.
    Text(String),
    /// Retract it, for this reason (checked).
    Retract(String),
}
