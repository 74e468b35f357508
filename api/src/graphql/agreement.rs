//! Agreement across organisations through GraphQL: where each organisation stands on a pathway
//! version or a change idea, asking them, and deciding.

use super::context::{change, db, parse_id};
use super::organisation::OrganisationView;
use crate::store::agreements::{self, AgreementRecord, Decision, Subject};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Where an organisation stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    remote = "crate::store::agreements::AgreementState",
    name = "AgreementState"
)]
pub enum AgreementStateView {
    /// Not decided yet.
    Awaited,
    /// Approved this version.
    Agreed,
    /// Approved an earlier draft, which has changed since: its agreement is awaited again.
    AgreedEarlierDraft,
    /// Asked for changes (see the comment).
    ChangesRequested,
    /// The owner published without this organisation's agreement (see the reason).
    PublishedWithoutAgreement,
    /// Published (or archived) with no decision of this organisation on record: before qiflow
    /// recorded agreement.
    NotRecorded,
}

/// What an organisation decides.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::store::agreements::Decision")]
pub enum AgreementDecision {
    /// Agree to it.
    Approve,
    /// Ask for changes (a comment saying what is required).
    RequestChanges,
}

/// One organisation's part in an agreement.
#[derive(SimpleObject)]
#[graphql(name = "OrganisationAgreement")]
pub struct OrganisationAgreementView {
    /// The organisation.
    organisation: OrganisationView,
    /// Where it stands.
    state: AgreementStateView,
    /// Who decided for it (for a publication without its agreement, who published).
    decided_by: Option<String>,
    /// When.
    decided_at: Option<DateTime<Utc>>,
    /// The comment with its decision, or the owner's reason for publishing without it.
    comment: Option<String>,
    /// When it was last asked (`requestPathwayAgreement`, `requestChangeIdeaAgreement`).
    requested_at: Option<DateTime<Utc>>,
}

/// Whose agreement something needs and where each stands.
#[derive(SimpleObject)]
#[graphql(name = "Agreement")]
pub struct AgreementView {
    /// Every organisation whose agreement is needed, by ODS code: for a pathway version, each
    /// with steps in it; for a change idea, each it moves work between (none for a change
    /// inside one organisation).
    organisations: Vec<OrganisationAgreementView>,
    /// Whether every one has agreed (or, for a published version, was published without).
    complete: bool,
}

impl From<AgreementRecord> for AgreementView {
    fn from(record: AgreementRecord) -> Self {
        let complete = record.complete();
        AgreementView {
            organisations: record
                .organisations
                .into_iter()
                .map(|o| OrganisationAgreementView {
                    organisation: OrganisationView(o.organisation),
                    state: o.state.into(),
                    decided_by: o.decided_by,
                    decided_at: o.decided_at,
                    comment: o.comment,
                    requested_at: o.requested_at,
                })
                .collect(),
            complete,
        }
    }
}

/// A pathway version's agreement, for `Pathway.agreement`.
pub(crate) async fn of_pathway(
    ctx: &Context<'_>,
    record: &crate::store::PathwayRecord,
    content: &crate::store::PathwayContent,
) -> Result<AgreementView> {
    Ok(agreements::for_version(db(ctx)?, record, content)
        .await?
        .into())
}

/// A change idea's agreement, for `Driver.agreement`.
pub(crate) async fn of_change_idea(ctx: &Context<'_>, id: uuid::Uuid) -> Result<AgreementView> {
    let caller = super::context::caller_of(ctx);
    Ok(agreements::for_change_idea(db(ctx)?, &caller, id)
        .await?
        .into())
}

/// An organisation's decision on a draft pathway version.
#[derive(InputObject)]
pub struct PathwayAgreementInput {
    /// The DRAFT pathway version (its id).
    pub pathway_id: ID,
    /// The `version` you read: a decision on a draft that has changed since is refused with
    /// `CONFLICT`.
    pub expected_version: i64,
    /// The organisation you decide for (its id); leave out when you are ADMIN or EDITOR of only
    /// one organisation with steps in the pathway.
    pub organisation_id: Option<ID>,
    /// Approve, or ask for changes.
    pub decision: AgreementDecision,
    /// What should change (required when asking for changes; becomes a comment on the version),
    /// or a note with an approval. At most 4,000 characters.
    pub comment: Option<String>,
}

/// An organisation's decision on a change idea that moves work between organisations.
#[derive(InputObject)]
pub struct ChangeIdeaAgreementInput {
    /// The change idea (its id).
    pub change_idea_id: ID,
    /// The organisation you decide for (its id); leave out when you are ADMIN or EDITOR of only
    /// one of the organisations the idea moves work between.
    pub organisation_id: Option<ID>,
    /// Approve, or ask for changes.
    pub decision: AgreementDecision,
    /// What should change (required when asking for changes; becomes a comment on the idea),
    /// or a note with an approval. At most 4,000 characters.
    pub comment: Option<String>,
}

#[derive(Default)]
pub struct AgreementMutation;

#[Object]
impl AgreementMutation {
    /// Asks each organisation with steps in a draft pathway version for its agreement before it
    /// is published: organisations that could not see the draft are given a VIEWER share of it,
    /// and `pathway.approval_requested` goes to every organisation that can see it. Needs the
    /// EDITOR role on the pathway.
    async fn request_pathway_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT pathway version (its id).")] pathway_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
    ) -> Result<AgreementView> {
        let id = parse_id("pathwayId", &pathway_id)?;
        Ok(
            agreements::request_for_pathway(db(ctx)?, &change(ctx), id, expected_version)
                .await?
                .into(),
        )
    }

    /// Records an organisation's decision on a draft pathway version: an ADMIN or EDITOR of an
    /// organisation with steps in it approves it or asks for changes with a comment (a VIEWER,
    /// or a member of another organisation, is refused with `FORBIDDEN`). A later decision
    /// replaces the earlier one; an approval counts only for the version approved.
    async fn decide_pathway_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision (see the input type for each field).")]
        input: PathwayAgreementInput,
    ) -> Result<AgreementView> {
        let subject = Subject::Pathway(parse_id("pathwayId", &input.pathway_id)?);
        decide(
            ctx,
            subject,
            Some(input.expected_version),
            input.organisation_id,
            input.decision,
            input.comment,
        )
        .await
    }

    /// Asks each organisation a change idea moves work between (`moveStep`, or a change to a
    /// hand-off between organisations) for its agreement before a PDSA cycle's ADOPT makes the
    /// new pathway version: organisations that could not see the idea's project and its pathway
    /// are given a VIEWER share of them. Needs the EDITOR role on the project; `VALIDATION` when the idea
    /// moves no work between organisations.
    async fn request_change_idea_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change idea (its id).")] change_idea_id: ID,
    ) -> Result<AgreementView> {
        let id = parse_id("changeIdeaId", &change_idea_id)?;
        Ok(
            agreements::request_for_change_idea(db(ctx)?, &change(ctx), id)
                .await?
                .into(),
        )
    }

    /// Records an organisation's decision on a change idea that moves work between
    /// organisations; changing the idea's change set later clears every decision on it.
    async fn decide_change_idea_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision (see the input type for each field).")]
        input: ChangeIdeaAgreementInput,
    ) -> Result<AgreementView> {
        let subject = Subject::ChangeIdea(parse_id("changeIdeaId", &input.change_idea_id)?);
        decide(
            ctx,
            subject,
            None,
            input.organisation_id,
            input.decision,
            input.comment,
        )
        .await
    }
}

/// One decision through the store, from either mutation's input.
async fn decide(
    ctx: &Context<'_>,
    subject: Subject,
    expected_version: Option<i64>,
    organisation_id: Option<ID>,
    decision: AgreementDecision,
    comment: Option<String>,
) -> Result<AgreementView> {
    let organisation_id = organisation_id
        .as_ref()
        .map(|id| parse_id("organisationId", id))
        .transpose()?;
    Ok(agreements::decide(
        db(ctx)?,
        &change(ctx),
        agreements::DecisionInput {
            subject,
            expected_version,
            organisation_id,
            decision: Decision::from(decision),
            comment,
        },
    )
    .await?
    .into())
}
