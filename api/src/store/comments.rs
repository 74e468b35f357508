//! Comments on a pathway version, one of its steps or transitions, or a change idea: written by
//! any member of an organisation that can see what they are about, corrected by their author,
//! resolved (and reopened) by anyone who can see them, and audited like every other write.

use super::scope::Unique as _;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::{comment, step, transition};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait as _, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 4_000;
/// The most comments one pathway version (with its steps and transitions) or one project's
/// change ideas may hold.
pub const MAX_COMMENTS: u64 = 10_000;

/// What a comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Pathway(Uuid),
    Step(Uuid),
    Transition(Uuid),
    ChangeIdea(Uuid),
}

impl Target {
    pub fn kind(self) -> &'static str {
        match self {
            Target::Pathway(_) => "PATHWAY",
            Target::Step(_) => "STEP",
            Target::Transition(_) => "TRANSITION",
            Target::ChangeIdea(_) => "CHANGE_IDEA",
        }
    }

    fn id(self) -> Uuid {
        match self {
            Target::Pathway(id) | Target::Step(id) | Target::Transition(id) => id,
            Target::ChangeIdea(id) => id,
        }
    }
}

/// A comment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentRecord {
    pub id: Uuid,
    pub target: Target,
    /// The pathway version commented on, or holding the step or transition.
    pub pathway_id: Option<Uuid>,
    /// The project holding the change idea.
    pub project_id: Option<Uuid>,
    /// The token or user that wrote it (none for one written by the installation itself).
    pub author_id: Option<Uuid>,
    pub author: String,
    pub body: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl CommentRecord {
    /// Whether `caller` wrote it, and so may correct it.
    pub fn written_by(&self, caller: &Caller) -> bool {
        self.author_id.is_some() && self.author_id == caller.principal_id()
    }
}

fn from_row(row: comment::Model) -> Result<CommentRecord> {
    let target = match row.subject_kind.as_str() {
        "PATHWAY" => Target::Pathway(row.subject_id),
        "STEP" => Target::Step(row.subject_id),
        "TRANSITION" => Target::Transition(row.subject_id),
        "CHANGE_IDEA" => Target::ChangeIdea(row.subject_id),
        other => {
            return Err(Error::internal(anyhow::anyhow!(
                "stored comment {} is about an unknown kind {other}",
                row.id
            )));
        }
    };
    Ok(CommentRecord {
        id: row.id,
        target,
        pathway_id: row.pathway_id,
        project_id: row.project_id,
        author_id: row.author_id,
        author: row.author,
        body: row.body,
        resolved_at: row.resolved_at,
        resolved_by: row.resolved_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

/// Where a target lives (its pathway version or its project), when the caller may see it;
/// `NOT_FOUND` naming the target otherwise.
async fn home(
    db: &impl ConnectionTrait,
    caller: &Caller,
    target: Target,
) -> Result<(Option<Uuid>, Option<Uuid>)> {
    let pathway_of = |pathway: Option<Uuid>, what: &'static str| async move {
        let pathway = pathway.ok_or_else(|| Error::not_found(what, target.id()))?;
        match super::pathways::get(db, caller, pathway).await {
            Ok(_) => Ok((Some(pathway), None)),
            Err(Error::NotFound { .. }) => Err(Error::not_found(what, target.id())),
            Err(e) => Err(e),
        }
    };
    match target {
        Target::Pathway(id) => pathway_of(Some(id), "pathway").await,
        Target::Step(id) => {
            let row = step::Entity::find_by_id(id).unique(db).await?;
            pathway_of(row.map(|r| r.pathway_id), "step").await
        }
        Target::Transition(id) => {
            let row = transition::Entity::find_by_id(id).unique(db).await?;
            pathway_of(row.map(|r| r.pathway_id), "transition").await
        }
        Target::ChangeIdea(id) => {
            let idea = super::drivers::get(db, caller, id).await?;
            if idea.driver.kind != engine::DriverKind::ChangeIdea {
                return Err(Error::invalid(
                    "changeIdeaId",
                    format!("{id} is a driver, not a change idea"),
                ));
            }
            Ok((None, Some(idea.project.id)))
        }
    }
}

/// A comment's text, trimmed and bounded.
fn body(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("body", "write the comment"));
    }
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(Error::invalid(
            "body",
            format!("at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// Writes a comment inside `tx` and emits `comment.added` to everyone who can see its target;
/// returns its id. The caller must see the target (`NOT_FOUND` otherwise).
pub(crate) async fn insert(
    tx: &WriteTransaction,
    caller: &Caller,
    target: Target,
    text: &str,
) -> Result<Uuid> {
    let text = body(text)?;
    let (pathway_id, project_id) = home(tx, caller, target).await?;
    let held = comment::Entity::find()
        .filter(match (pathway_id, project_id) {
            (Some(p), _) => comment::Column::PathwayId.eq(p),
            (_, project) => comment::Column::ProjectId.eq(project),
        })
        .count(tx)
        .await?;
    if held >= MAX_COMMENTS {
        return Err(Error::invalid(
            "body",
            format!("this holds {MAX_COMMENTS} comments already, the most it may"),
        ));
    }
    let id = Uuid::now_v7();
    let now = Utc::now();
    comment::Entity::insert(comment::ActiveModel {
        id: Set(id),
        subject_kind: Set(target.kind().into()),
        subject_id: Set(target.id()),
        pathway_id: Set(pathway_id),
        project_id: Set(project_id),
        author_id: Set(caller.principal_id()),
        author: Set(caller.name().into()),
        body: Set(text.clone()),
        resolved_at: Set(None),
        resolved_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_without_returning(tx)
    .await?;
    let detail = json!({
        "about": target.kind(),
        "subjectId": target.id(),
        "author": caller.name(),
        "body": text,
    });
    match (pathway_id, project_id) {
        (Some(pathway), _) => {
            let owner = super::audit::owners_of(tx, &[pathway]).await?;
            if let Some(owner) = owner.first() {
                super::outbox::emit(
                    tx,
                    super::outbox::Notice {
                        event_type: super::outbox::EventType::CommentAdded,
                        scope: super::outbox::Scope::Pathway {
                            id: pathway,
                            owner: *owner,
                        },
                        object_type: "Comment",
                        object_id: id,
                        version: Some(1),
                        link: format!("/#/pathway/{pathway}"),
                        detail,
                    },
                )
                .await?;
            }
        }
        (_, Some(project)) => {
            super::outbox::emit_for_project(
                tx,
                project,
                super::outbox::EventType::CommentAdded,
                ("Comment", id, Some(1)),
                detail,
            )
            .await?;
        }
        _ => {}
    }
    Ok(id)
}

/// Adds a comment: any member of an organisation that can see the target may write one.
pub async fn add(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    target: Target,
    text: &str,
) -> Result<CommentRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let id = insert(&tx, caller, target, text).await?;
    let record = get(&tx, caller, id).await?;
    super::audit::commit(tx, ctx, &touched(&record)).await?;
    Ok(record)
}

/// What a write to a comment touches, for the audit trail: the comment, what it is about and
/// where that lives (so the owner's administrators see it).
fn touched(record: &CommentRecord) -> Vec<Uuid> {
    [
        Some(record.id),
        Some(record.target.id()),
        record.pathway_id,
        record.project_id,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// One comment, when the caller may see what it is about.
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<CommentRecord> {
    let row = comment::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("comment", id))?;
    let record = from_row(row)?;
    let visible = match (record.pathway_id, record.project_id) {
        (Some(pathway), _) => super::pathways::get(db, caller, pathway).await.map(|_| ()),
        (_, Some(project)) => super::projects::ensure_visible(db, caller, project).await,
        _ => Err(Error::not_found("comment", id)),
    };
    match visible {
        Ok(()) => Ok(record),
        Err(Error::NotFound { .. }) => Err(Error::not_found("comment", id)),
        Err(e) => Err(e),
    }
}

/// A comment claimed for a change at `expected_version` (`CONFLICT` when stale).
async fn claim(
    tx: &WriteTransaction,
    caller: &Caller,
    id: Uuid,
    expected_version: i64,
) -> Result<CommentRecord> {
    let current = get(tx, caller, id).await?;
    let updated = comment::Entity::update_many()
        .col_expr(comment::Column::Version, Expr::value(expected_version + 1))
        .col_expr(comment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::Version.eq(expected_version))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "comment {id} has changed: you expected version {expected_version} but it is at version {}; reload it and try again",
            current.version
        )));
    }
    Ok(current)
}

/// Corrects a comment's text: only its author may.
pub async fn edit(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    text: &str,
) -> Result<CommentRecord> {
    let caller = &ctx.caller;
    let text = body(text)?;
    let tx = begin_write(db).await?;
    let current = claim(&tx, caller, id, expected_version).await?;
    if !current.written_by(caller) {
        return Err(Error::Forbidden(format!(
            "only its author ({}) may correct a comment",
            current.author
        )));
    }
    comment::Entity::update_many()
        .col_expr(comment::Column::Body, Expr::value(text.clone()))
        .filter(comment::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    let after = get(&tx, caller, id).await?;
    let change = super::audit::Change {
        object: id,
        field: "body".into(),
        before: current.body.into(),
        after: text.into(),
    };
    super::audit::commit_changes(tx, ctx, &touched(&after), &[change]).await?;
    Ok(after)
}

/// Marks a comment resolved (or open again): anyone who can see it may.
pub async fn resolve(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    resolved: bool,
) -> Result<CommentRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let current = claim(&tx, caller, id, expected_version).await?;
    let (at, by) = if resolved {
        (Some(Utc::now()), Some(caller.name().to_string()))
    } else {
        (None, None)
    };
    comment::Entity::update_many()
        .col_expr(comment::Column::ResolvedAt, Expr::value(at))
        .col_expr(comment::Column::ResolvedBy, Expr::value(by))
        .filter(comment::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    let after = get(&tx, caller, id).await?;
    let change = super::audit::Change {
        object: id,
        field: "resolved".into(),
        before: current.resolved_at.is_some().into(),
        after: resolved.into(),
    };
    super::audit::commit_changes(tx, ctx, &touched(&after), &[change]).await?;
    Ok(after)
}

/// The comments on a pathway version, its steps and its transitions, oldest first (at most
/// [`MAX_COMMENTS`]). `NOT_FOUND` unless the caller may see the pathway.
pub async fn for_pathway(
    db: &impl ConnectionTrait,
    caller: &Caller,
    pathway: Uuid,
) -> Result<Vec<CommentRecord>> {
    super::pathways::get(db, caller, pathway).await?;
    rows(db, comment::Column::PathwayId.eq(pathway)).await
}

/// The comments on a change idea, oldest first. `NOT_FOUND` unless the caller may see it.
pub async fn for_change_idea(
    db: &impl ConnectionTrait,
    caller: &Caller,
    idea: Uuid,
) -> Result<Vec<CommentRecord>> {
    super::drivers::get(db, caller, idea).await?;
    rows(
        db,
        sea_orm::Condition::all()
            .add(comment::Column::SubjectKind.eq(Target::ChangeIdea(idea).kind()))
            .add(comment::Column::SubjectId.eq(idea)),
    )
    .await
}

async fn rows(
    db: &impl ConnectionTrait,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<CommentRecord>> {
    comment::Entity::find()
        .filter(condition)
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect()
}

/// Removes the comments of a deleted draft (on it, its steps and transitions), inside the
/// deleting transaction. (`drivers` removes those of removed change ideas itself.)
pub(crate) async fn forget_pathway(tx: &impl ConnectionTrait, pathway: Uuid) -> Result<()> {
    comment::Entity::delete_many()
        .filter(comment::Column::PathwayId.eq(pathway))
        .exec(tx)
        .await?;
    Ok(())
}
