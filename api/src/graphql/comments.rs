//! Comments through GraphQL: on a pathway version, a step, a transition or a change idea.

use super::context::{change, db, parse_id};
use super::paging::{Connection, Paging, page_of};
use crate::store::comments::{self, CommentRecord, Target};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

/// What a comment is about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CommentAbout {
    /// The pathway version as a whole.
    Pathway,
    /// One of its steps.
    Step,
    /// One of its transitions.
    Transition,
    /// A change idea.
    ChangeIdea,
}

pub struct CommentView(pub CommentRecord);

/// A comment on a pathway version, a step, a transition or a change idea.
#[Object(name = "Comment")]
impl CommentView {
    /// The comment's id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What it is about.
    async fn about(&self) -> CommentAbout {
        match self.0.target {
            Target::Pathway(_) => CommentAbout::Pathway,
            Target::Step(_) => CommentAbout::Step,
            Target::Transition(_) => CommentAbout::Transition,
            Target::ChangeIdea(_) => CommentAbout::ChangeIdea,
        }
    }
    /// The id of the pathway version, step, transition or change idea it is about.
    async fn subject_id(&self) -> ID {
        let (Target::Pathway(id)
        | Target::Step(id)
        | Target::Transition(id)
        | Target::ChangeIdea(id)) = self.0.target;
        ID(id.to_string())
    }
    /// The pathway version it is on (or that holds its step or transition).
    async fn pathway_id(&self) -> Option<ID> {
        self.0.pathway_id.map(|id| ID(id.to_string()))
    }
    /// Who wrote it.
    async fn author(&self) -> &str {
        &self.0.author
    }
    /// Whether you wrote it, and so may correct it with `editComment`.
    async fn yours(&self, ctx: &Context<'_>) -> bool {
        self.0.written_by(&super::context::caller_of(ctx))
    }
    /// What it says.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Whether it has been dealt with.
    async fn resolved(&self) -> bool {
        self.0.resolved_at.is_some()
    }
    /// Who marked it resolved.
    async fn resolved_by(&self) -> Option<&str> {
        self.0.resolved_by.as_deref()
    }
    /// When it was marked resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Send it back as `expectedVersion` when correcting or resolving the comment.
    async fn version(&self) -> i64 {
        self.0.version
    }
}

/// A page of comments, optionally only the unresolved ones.
pub(crate) fn page(
    records: Vec<CommentRecord>,
    unresolved_only: bool,
    paging: Paging,
) -> Result<Connection<CommentView>> {
    let records: Vec<CommentRecord> = records
        .into_iter()
        .filter(|c| !unresolved_only || c.resolved_at.is_none())
        .collect();
    Ok(page_of(records, paging, |c| c.id.to_string(), CommentView)?)
}

/// A pathway version's comments (on it, its steps and its transitions), for `Pathway.comments`.
pub(crate) async fn of_pathway(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    unresolved_only: bool,
    paging: Paging,
) -> Result<Connection<CommentView>> {
    let caller = super::context::caller_of(ctx);
    page(
        comments::for_pathway(db(ctx)?, &caller, id).await?,
        unresolved_only,
        paging,
    )
}

/// A change idea's comments, for `Driver.comments`.
pub(crate) async fn of_change_idea(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    unresolved_only: bool,
    paging: Paging,
) -> Result<Connection<CommentView>> {
    let caller = super::context::caller_of(ctx);
    page(
        comments::for_change_idea(db(ctx)?, &caller, id).await?,
        unresolved_only,
        paging,
    )
}

/// A new comment: name exactly one of what it is about.
#[derive(InputObject)]
pub struct AddCommentInput {
    /// A pathway version (its id).
    pub pathway_id: Option<ID>,
    /// A step (its id).
    pub step_id: Option<ID>,
    /// A transition (its id).
    pub transition_id: Option<ID>,
    /// A change idea (its id).
    pub change_idea_id: Option<ID>,
    /// What it says (at most 4,000 characters).
    pub body: String,
}

/// A correction to a comment's text.
#[derive(InputObject)]
pub struct EditCommentInput {
    /// The comment (its id).
    pub id: ID,
    /// The comment's `version` you read (`CONFLICT` when it changed since).
    pub expected_version: i64,
    /// The corrected text (at most 4,000 characters).
    pub body: String,
}

/// Marks a comment resolved, or open again.
#[derive(InputObject)]
pub struct ResolveCommentInput {
    /// The comment (its id).
    pub id: ID,
    /// The comment's `version` you read (`CONFLICT` when it changed since).
    pub expected_version: i64,
    /// True: dealt with; false: open again.
    pub resolved: bool,
}

#[derive(Default)]
pub struct CommentMutation;

#[Object]
impl CommentMutation {
    /// Comments on a pathway version, a step, a transition or a change idea: any member of an
    /// organisation that can see it may. `comment.added` goes to every organisation that can
    /// see it.
    async fn add_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The comment (see the input type for each field).")]
        input: AddCommentInput,
    ) -> Result<CommentView> {
        let named: Vec<(&str, &ID)> = [
            ("pathwayId", &input.pathway_id),
            ("stepId", &input.step_id),
            ("transitionId", &input.transition_id),
            ("changeIdeaId", &input.change_idea_id),
        ]
        .into_iter()
        .filter_map(|(field, id)| Some((field, id.as_ref()?)))
        .collect();
        let target = match named.as_slice() {
            [(field, id)] => {
                let id = parse_id(field, id)?;
                match *field {
                    "pathwayId" => Target::Pathway(id),
                    "stepId" => Target::Step(id),
                    "transitionId" => Target::Transition(id),
                    _ => Target::ChangeIdea(id),
                }
            }
            _ => {
                return Err(crate::Error::invalid(
                    "pathwayId",
                    "name exactly one of pathwayId, stepId, transitionId and changeIdeaId",
                )
                .into());
            }
        };
        Ok(CommentView(
            comments::add(db(ctx)?, &change(ctx), target, &input.body).await?,
        ))
    }

    /// Corrects a comment's text: only its author may.
    async fn edit_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The correction (see the input type for each field).")]
        input: EditCommentInput,
    ) -> Result<CommentView> {
        let id = parse_id("id", &input.id)?;
        Ok(CommentView(
            comments::edit(
                db(ctx)?,
                &change(ctx),
                id,
                input.expected_version,
                &input.body,
            )
            .await?,
        ))
    }

    /// Marks a comment resolved (or open again): anyone who can see it may.
    async fn resolve_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which comment and how (see the input type for each field).")]
        input: ResolveCommentInput,
    ) -> Result<CommentView> {
        let id = parse_id("id", &input.id)?;
        Ok(CommentView(
            comments::resolve(
                db(ctx)?,
                &change(ctx),
                id,
                input.expected_version,
                input.resolved,
            )
            .await?,
        ))
    }
}
