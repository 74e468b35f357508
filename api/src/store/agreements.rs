//! Agreement across organisations. A pathway version whose steps lie in several organisations
//! is published only when each of them has agreed (an ADMIN or EDITOR of that organisation
//! approves it), or when the owner publishes without an organisation's agreement and records
//! why; a change idea that moves work between organisations is adopted only when each of them
//! has agreed. Each organisation has one standing decision per subject; the audit trail keeps
//! every decision.

use super::organisations::{self, OrganisationRecord};
use super::scope::Unique as _;
use crate::caller::{Caller, Role};
use crate::context::RequestContext;
use crate::db::{WriteTransaction, begin_write};
use crate::error::{DbResultExt as _, Error, Result};
use chrono::{DateTime, Utc};
use engine::PathwayStatus;
use entity::{agreement, pathway, share, step};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The longest comment or reason a decision takes, in characters.
pub const MAX_REASON_CHARS: usize = 4_000;

/// What a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A pathway version (a draft, until it is published).
    Pathway(Uuid),
    /// A change idea of a driver diagram.
    ChangeIdea(Uuid),
}

impl Subject {
    fn kind(self) -> &'static str {
        match self {
            Subject::Pathway(_) => "PATHWAY",
            Subject::ChangeIdea(_) => "CHANGE_IDEA",
        }
    }

    fn id(self) -> Uuid {
        match self {
            Subject::Pathway(id) | Subject::ChangeIdea(id) => id,
        }
    }
}

/// Where an organisation stands on a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementState {
    /// Not yet decided (or asked for changes to an earlier draft).
    Awaited,
    /// Approved this version.
    Agreed,
    /// Approved an earlier draft of this version, which has changed since.
    AgreedEarlierDraft,
    /// Asked for changes, with a comment.
    ChangesRequested,
    /// The owner published without this organisation's agreement, with a recorded reason.
    PublishedWithoutAgreement,
    /// The version was published (or archived) with no decision of this organisation on record:
    /// before qiflow recorded agreement.
    NotRecorded,
}

/// What a member decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    RequestChanges,
}

/// One organisation's part in an agreement.
#[derive(Debug, Clone)]
pub struct OrganisationAgreement {
    pub organisation: OrganisationRecord,
    pub state: AgreementState,
    /// Who decided (or, for a publication without agreement, who published).
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The decision's comment, or the reason for publishing without agreement.
    pub comment: Option<String>,
    /// When the organisation was last asked.
    pub requested_at: Option<DateTime<Utc>>,
}

/// Every organisation whose agreement a subject needs, by ODS code, and where each stands.
#[derive(Debug, Clone)]
pub struct AgreementRecord {
    pub organisations: Vec<OrganisationAgreement>,
}

impl AgreementRecord {
    /// Whether nobody's agreement is still missing (each agreed, or was published without).
    pub fn complete(&self) -> bool {
        self.organisations.iter().all(|o| {
            matches!(
                o.state,
                AgreementState::Agreed
                    | AgreementState::PublishedWithoutAgreement
                    | AgreementState::NotRecorded
            )
        })
    }
}

/// Whether the caller is an ADMIN or EDITOR of the organisation: who may decide for it.
fn edits(caller: &Caller, organisation: Uuid) -> bool {
    caller
        .role_in(organisation)
        .is_some_and(|r| r >= Role::Editor)
}

fn named(o: &OrganisationRecord) -> String {
    format!("{} ({})", o.organisation.name, o.organisation.ods_code)
}

/// Two writers recorded an organisation's first decision (or request) on a subject at once: the
/// unique index keeps one, and the other is told to look again.
fn at_once() -> String {
    "another decision for this organisation was recorded at the same moment: reload and decide again"
        .into()
}

/// The state a stored decision gives at the subject's `version`.
fn state_of(row: &agreement::Model, version: i64) -> AgreementState {
    match row.decision.as_str() {
        "APPROVED" if row.subject_version == version => AgreementState::Agreed,
        "APPROVED" => AgreementState::AgreedEarlierDraft,
        "CHANGES_REQUESTED" => AgreementState::ChangesRequested,
        "OVERRIDDEN" => AgreementState::PublishedWithoutAgreement,
        _ => AgreementState::Awaited,
    }
}

/// Who must agree to a subject and what the store holds: the organisations (by ODS code), the
/// subject's version, its owner and the stored decisions.
struct Parties {
    organisations: Vec<OrganisationRecord>,
    version: i64,
    /// The organisation owning the pathway or the change idea's project.
    owner: Uuid,
    rows: Vec<agreement::Model>,
    /// Whether decisions can still be made: a draft pathway, or a change idea.
    open: bool,
}

impl Parties {
    fn record(&self) -> AgreementRecord {
        AgreementRecord {
            organisations: self
                .organisations
                .iter()
                .map(|o| {
                    let row = self.rows.iter().find(|r| r.organisation_id == o.id);
                    OrganisationAgreement {
                        organisation: o.clone(),
                        state: match row {
                            Some(r) => state_of(r, self.version),
                            None if self.open => AgreementState::Awaited,
                            None => AgreementState::NotRecorded,
                        },
                        decided_by: row.and_then(|r| r.decided_by.clone()),
                        decided_at: row.and_then(|r| r.decided_at),
                        comment: row.map(|r| r.comment.clone()).filter(|c| !c.is_empty()),
                        requested_at: row.and_then(|r| r.requested_at),
                    }
                })
                .collect(),
        }
    }
}

/// The organisations with steps in a pathway version.
async fn pathway_parties(db: &impl ConnectionTrait, row: &pathway::Model) -> Result<Parties> {
    let ids: BTreeSet<Uuid> = step::Entity::find()
        .select_only()
        .column(step::Column::OrganisationId)
        .filter(step::Column::PathwayId.eq(row.id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut parties = parties(db, Subject::Pathway(row.id), ids, row.version, row.owner_id).await?;
    parties.open = row.status == PathwayStatus::Draft.as_str();
    Ok(parties)
}

/// The organisations a change idea moves work between, in its project's pathway as it stands.
async fn change_idea_parties(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<(Parties, Uuid)> {
    let super::drivers::PlacedDriver {
        driver: idea,
        project,
    } = super::drivers::get(db, caller, id).await?;
    let codes = match (idea.changes.as_deref(), project.pathway_id) {
        (Some(changes), Some(pathway_id)) if !changes.is_empty() => {
            // The caller may see the project, and so which organisations its change idea
            // involves, though perhaps not the project's draft pathway (until asked).
            let content = super::pathways::content(db, &Caller::Installation, pathway_id).await?;
            // A change set that no longer applies to the pathway involves nobody yet: adopting
            // it is refused by the change itself, naming the change at fault.
            engine::agreement::organisations_affected(&content.map, changes).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let ids = organisations::by_codes(db, &codes)
        .await?
        .into_values()
        .map(|o| o.id)
        .collect();
    Ok((
        parties(db, Subject::ChangeIdea(id), ids, 0, project.owner.id).await?,
        project.id,
    ))
}

async fn parties(
    db: &impl ConnectionTrait,
    subject: Subject,
    ids: BTreeSet<Uuid>,
    version: i64,
    owner: Uuid,
) -> Result<Parties> {
    let mut organisations: Vec<OrganisationRecord> = organisations::by_ids(db, ids)
        .await?
        .into_values()
        .collect();
    organisations.sort_by(|a, b| a.organisation.ods_code.cmp(&b.organisation.ods_code));
    let rows = decisions(db, subject).await?;
    Ok(Parties {
        organisations,
        version,
        owner,
        rows,
        open: true,
    })
}

/// A pathway's row, when the caller may see it.
async fn visible_pathway(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<pathway::Model> {
    pathway::Entity::find_by_id(id)
        .filter(super::scope::visible_pathways(caller))
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("pathway", id))
}

/// Where each organisation with steps in a pathway version stands. `NOT_FOUND` unless the caller
/// may see the pathway. O(steps + organisations).
pub async fn for_pathway(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<AgreementRecord> {
    let row = visible_pathway(db, caller, id).await?;
    Ok(pathway_parties(db, &row).await?.record())
}

/// Where each organisation with steps in a pathway version stands, for a version the caller has
/// read with its content: one statement (the decisions). O(steps + organisations).
pub async fn for_version(
    db: &impl ConnectionTrait,
    record: &super::PathwayRecord,
    content: &super::PathwayContent,
) -> Result<AgreementRecord> {
    let mut organisations: Vec<OrganisationRecord> = Vec::new();
    for step in &content.map.steps {
        if organisations
            .iter()
            .all(|o| o.organisation.ods_code != step.organisation)
            && let Some(o) = content.organisation(&step.organisation)
        {
            organisations.push(o.clone());
        }
    }
    organisations.sort_by(|a, b| a.organisation.ods_code.cmp(&b.organisation.ods_code));
    let rows = decisions(db, Subject::Pathway(record.id)).await?;
    let parties = Parties {
        organisations,
        version: record.version,
        owner: record.owner.id,
        rows,
        open: record.status == PathwayStatus::Draft,
    };
    Ok(parties.record())
}

/// The stored decisions on a subject.
async fn decisions(db: &impl ConnectionTrait, subject: Subject) -> Result<Vec<agreement::Model>> {
    Ok(agreement::Entity::find()
        .filter(agreement::Column::SubjectKind.eq(subject.kind()))
        .filter(agreement::Column::SubjectId.eq(subject.id()))
        .all(db)
        .await?)
}

/// Where each organisation a change idea moves work between stands (none for a change inside
/// one organisation). `NOT_FOUND` unless the caller may see the idea's project.
pub async fn for_change_idea(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<AgreementRecord> {
    Ok(change_idea_parties(db, caller, id).await?.0.record())
}

/// Shares `object` as VIEWER with each of `organisations` that neither owns it nor has a share
/// of it, so that they can see what they are asked to agree to.
async fn show_to(
    tx: &WriteTransaction,
    kind: &'static str,
    object: Uuid,
    owner: Uuid,
    organisations: &[OrganisationRecord],
) -> Result<()> {
    let shared: Vec<Uuid> = share::Entity::find()
        .select_only()
        .column(share::Column::OrganisationId)
        .filter(share::Column::ObjectKind.eq(kind))
        .filter(share::Column::ObjectId.eq(object))
        .into_tuple::<Uuid>()
        .all(tx)
        .await?;
    for o in organisations {
        if o.id == owner || shared.contains(&o.id) {
            continue;
        }
        share::Entity::insert(share::ActiveModel {
            id: Set(Uuid::now_v7()),
            object_kind: Set(kind.into()),
            object_id: Set(object),
            organisation_id: Set(o.id),
            role: Set(Role::Viewer.as_str().into()),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(tx)
        .await?;
        tx.changes_access();
    }
    Ok(())
}

/// Marks every organisation in `parties` without a decision as asked now (those with one are
/// asked again: their `requested_at` moves on).
async fn mark_requested(tx: &WriteTransaction, subject: Subject, parties: &Parties) -> Result<()> {
    let now = Utc::now();
    for o in &parties.organisations {
        match parties.rows.iter().find(|r| r.organisation_id == o.id) {
            Some(row) => {
                agreement::Entity::update_many()
                    .col_expr(agreement::Column::RequestedAt, Expr::value(now))
                    .filter(agreement::Column::Id.eq(row.id))
                    .exec(tx)
                    .await?;
            }
            None => {
                agreement::Entity::insert(agreement::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    subject_kind: Set(subject.kind().into()),
                    subject_id: Set(subject.id()),
                    subject_version: Set(parties.version),
                    organisation_id: Set(o.id),
                    decision: Set("AWAITED".into()),
                    comment: Set(String::new()),
                    requested_at: Set(Some(now)),
                    decided_by: Set(None),
                    decided_by_id: Set(None),
                    decided_at: Set(None),
                })
                .exec_without_returning(tx)
                .await
                .on_unique_violation(at_once)?;
            }
        }
    }
    Ok(())
}

/// Asks each organisation with steps in a draft pathway version for its agreement: the draft is
/// shared with those that could not see it (as VIEWER) and `pathway.approval_requested` goes
/// to every organisation that can. Needs the EDITOR role on the pathway; `CONFLICT` unless it
/// is a draft at `expected_version`.
pub async fn request_for_pathway(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
) -> Result<AgreementRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let row = draft_at(&tx, caller, id, expected_version).await?;
    super::access::require_pathway(&tx, caller, id, Role::Editor).await?;
    let parties = pathway_parties(&tx, &row).await?;
    show_to(
        &tx,
        super::scope::PATHWAY,
        id,
        row.owner_id,
        &parties.organisations,
    )
    .await?;
    mark_requested(&tx, Subject::Pathway(id), &parties).await?;
    super::outbox::emit_for_pathway(&tx, id, super::outbox::EventType::PathwayApprovalRequested)
        .await?;
    let touched: Vec<Uuid> = std::iter::once(id)
        .chain(parties.organisations.iter().map(|o| o.id))
        .collect();
    let record = pathway_parties(&tx, &row).await?.record();
    super::audit::commit(tx, ctx, &touched).await?;
    Ok(record)
}

/// Asks each organisation a change idea moves work between for its agreement: the idea's
/// project and its pathway are shared with those that could not see them (as VIEWER). Needs the EDITOR role on the
/// project; `VALIDATION` when the idea moves no work between organisations.
pub async fn request_for_change_idea(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<AgreementRecord> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let (parties, project_id) = change_idea_parties(&tx, caller, id).await?;
    super::access::require_project(&tx, caller, project_id, Role::Editor).await?;
    if parties.organisations.is_empty() {
        return Err(Error::invalid(
            "changeIdeaId",
            "the change idea moves no work between organisations: nobody else's agreement is needed",
        ));
    }
    show_to(
        &tx,
        super::scope::PROJECT,
        project_id,
        parties.owner,
        &parties.organisations,
    )
    .await?;
    // And the pathway it changes, so they can see the work it moves.
    if let Some(pathway_id) = super::drivers::get(&tx, caller, id)
        .await?
        .project
        .pathway_id
    {
        let owner = pathway::Entity::find_by_id(pathway_id)
            .unique(&tx)
            .await?
            .map(|p| p.owner_id);
        if let Some(owner) = owner {
            show_to(
                &tx,
                super::scope::PATHWAY,
                pathway_id,
                owner,
                &parties.organisations,
            )
            .await?;
        }
    }
    mark_requested(&tx, Subject::ChangeIdea(id), &parties).await?;
    let touched: Vec<Uuid> = [id, project_id]
        .into_iter()
        .chain(parties.organisations.iter().map(|o| o.id))
        .collect();
    let (parties, _) = change_idea_parties(&tx, caller, id).await?;
    super::audit::commit(tx, ctx, &touched).await?;
    Ok(parties.record())
}

/// A pathway's row when it is a draft the caller can see at `expected_version`.
async fn draft_at(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    expected_version: i64,
) -> Result<pathway::Model> {
    let row = visible_pathway(tx, caller, id).await?;
    if row.status != PathwayStatus::Draft.as_str() {
        return Err(Error::Conflict(format!(
            "pathway {id} is {}: only a draft is agreed to",
            row.status
        )));
    }
    if row.version != expected_version {
        return Err(Error::Conflict(format!(
            "pathway {id} has changed: you expected version {expected_version} but it is at version {}; reload it and read it again before deciding",
            row.version
        )));
    }
    Ok(row)
}

/// A member's decision for one organisation.
#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub subject: Subject,
    /// For a pathway: the version the member read.
    pub expected_version: Option<i64>,
    /// The organisation decided for; `None`: the caller's one organisation (ADMIN or EDITOR)
    /// among those whose agreement is needed.
    pub organisation_id: Option<Uuid>,
    pub decision: Decision,
    /// Required when asking for changes.
    pub comment: Option<String>,
}

/// Which organisation the caller decides for: the one named, or the only one of the caller's
/// organisations (as ADMIN or EDITOR) whose agreement is needed.
fn deciding_organisation(
    caller: &Caller,
    parties: &Parties,
    named_id: Option<Uuid>,
    noun: &str,
) -> Result<OrganisationRecord> {
    let mine: Vec<&OrganisationRecord> = parties
        .organisations
        .iter()
        .filter(|o| edits(caller, o.id))
        .collect();
    let chosen = match named_id {
        Some(id) => parties
            .organisations
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(|| {
                Error::invalid(
                    "organisationId",
                    format!("organisation {id} is not one whose agreement {noun} needs"),
                )
            })?,
        None => match mine.as_slice() {
            [one] => *one,
            [] => {
                return Err(Error::Forbidden(format!(
                    "deciding needs the ADMIN or EDITOR role in an organisation whose agreement {noun} needs"
                )));
            }
            several => {
                return Err(Error::invalid(
                    "organisationId",
                    format!(
                        "you may decide for {}: name one",
                        several
                            .iter()
                            .map(|o| named_short(o))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        },
    };
    if !edits(caller, chosen.id) {
        return Err(Error::Forbidden(format!(
            "deciding for {} needs its ADMIN or EDITOR role",
            named(chosen)
        )));
    }
    Ok(chosen.clone())
}

fn named_short(o: &OrganisationRecord) -> String {
    o.organisation.ods_code.as_str().to_string()
}

/// Writes an organisation's decision on a subject (replacing its earlier one).
#[allow(clippy::too_many_arguments)]
async fn set_decision(
    tx: &WriteTransaction,
    caller: &Caller,
    subject: Subject,
    version: i64,
    organisation: Uuid,
    existing: Option<&agreement::Model>,
    decision: &str,
    comment: &str,
) -> Result<()> {
    let now = Utc::now();
    match existing {
        Some(row) => {
            agreement::Entity::update_many()
                .col_expr(agreement::Column::Decision, Expr::value(decision))
                .col_expr(agreement::Column::Comment, Expr::value(comment))
                .col_expr(agreement::Column::SubjectVersion, Expr::value(version))
                .col_expr(agreement::Column::DecidedBy, Expr::value(caller.name()))
                .col_expr(
                    agreement::Column::DecidedById,
                    Expr::value(caller.principal_id()),
                )
                .col_expr(agreement::Column::DecidedAt, Expr::value(now))
                .filter(agreement::Column::Id.eq(row.id))
                .exec(tx)
                .await?;
        }
        None => {
            agreement::Entity::insert(agreement::ActiveModel {
                id: Set(Uuid::now_v7()),
                subject_kind: Set(subject.kind().into()),
                subject_id: Set(subject.id()),
                subject_version: Set(version),
                organisation_id: Set(organisation),
                decision: Set(decision.into()),
                comment: Set(comment.into()),
                requested_at: Set(None),
                decided_by: Set(Some(caller.name().into())),
                decided_by_id: Set(caller.principal_id()),
                decided_at: Set(Some(now)),
            })
            .exec_without_returning(tx)
            .await
            .on_unique_violation(at_once)?;
        }
    }
    Ok(())
}

/// A comment or reason, trimmed and bounded; `field` names it in errors.
fn text(field: &str, text: Option<&str>, required: Option<&str>) -> Result<String> {
    let text = text.unwrap_or("").trim().to_string();
    if text.is_empty()
        && let Some(why) = required
    {
        return Err(Error::invalid(field, why.to_string()));
    }
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(Error::invalid(
            field,
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// Records an organisation's decision on a draft pathway version or a change idea: approves
/// it, or asks for changes with a comment (which also becomes an unresolved comment on the
/// subject, so the discussion and its resolution stay with it). An ADMIN or EDITOR of the
/// organisation decides; a VIEWER, or a member of an organisation whose agreement is not
/// needed, is refused. Emits `pathway.approved` for an approval of a pathway and
/// `comment.added` for a request for changes.
pub async fn decide(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    input: DecisionInput,
) -> Result<AgreementRecord> {
    let caller = &ctx.caller;
    let comment = text(
        "comment",
        input.comment.as_deref(),
        (input.decision == Decision::RequestChanges)
            .then_some("say what should change when asking for changes"),
    )?;
    let tx = begin_write(db).await?;
    let (parties, noun) = match input.subject {
        Subject::Pathway(id) => {
            let expected = input.expected_version.ok_or_else(|| {
                Error::invalid(
                    "expectedVersion",
                    "give the version of the pathway you read",
                )
            })?;
            let row = draft_at(&tx, caller, id, expected).await?;
            (pathway_parties(&tx, &row).await?, "the pathway")
        }
        Subject::ChangeIdea(id) => (
            change_idea_parties(&tx, caller, id).await?.0,
            "the change idea",
        ),
    };
    let organisation = deciding_organisation(caller, &parties, input.organisation_id, noun)?;
    let existing = parties
        .rows
        .iter()
        .find(|r| r.organisation_id == organisation.id);
    let before = existing.map(|r| state_name(state_of(r, parties.version)));
    let decision = match input.decision {
        Decision::Approve => "APPROVED",
        Decision::RequestChanges => "CHANGES_REQUESTED",
    };
    set_decision(
        &tx,
        caller,
        input.subject,
        parties.version,
        organisation.id,
        existing,
        decision,
        &comment,
    )
    .await?;
    let subject_id = input.subject.id();
    let mut touched = vec![subject_id, organisation.id];
    match input.decision {
        Decision::Approve => {
            if let Subject::Pathway(id) = input.subject {
                super::outbox::emit_for_pathway(&tx, id, super::outbox::EventType::PathwayApproved)
                    .await?;
            }
        }
        Decision::RequestChanges => {
            let about = match input.subject {
                Subject::Pathway(id) => super::comments::Target::Pathway(id),
                Subject::ChangeIdea(id) => super::comments::Target::ChangeIdea(id),
            };
            touched.push(super::comments::insert(&tx, caller, about, &comment).await?);
        }
    }
    let after = match input.subject {
        Subject::Pathway(_) => {
            let row = visible_pathway(&tx, caller, subject_id).await?;
            pathway_parties(&tx, &row).await?.record()
        }
        Subject::ChangeIdea(id) => change_idea_parties(&tx, caller, id).await?.0.record(),
    };
    let change = super::audit::Change {
        object: subject_id,
        field: format!("agreement[{}]", organisation.organisation.ods_code),
        before: before.map_or(serde_json::Value::Null, Into::into),
        after: serde_json::json!({ "decision": decision, "comment": comment }),
    };
    super::audit::commit_changes(tx, ctx, &touched, &[change]).await?;
    Ok(after)
}

fn state_name(state: AgreementState) -> &'static str {
    match state {
        AgreementState::Awaited => "AWAITED",
        AgreementState::Agreed => "APPROVED",
        AgreementState::AgreedEarlierDraft => "APPROVED_EARLIER_DRAFT",
        AgreementState::ChangesRequested => "CHANGES_REQUESTED",
        AgreementState::PublishedWithoutAgreement => "PUBLISHED_WITHOUT_AGREEMENT",
        AgreementState::NotRecorded => "NOT_RECORDED",
    }
}

/// What publishing recorded about agreement, for the audit trail.
pub(crate) struct Settled {
    pub changes: Vec<super::audit::Change>,
}

/// Settles agreement as a draft pathway is published, inside the publishing transaction: the
/// publisher's own organisations (where it is ADMIN or EDITOR) agree by publishing; every other
/// organisation with steps must have approved this version; with `without_agreement` (the
/// owner's recorded reason) the owner's editors may publish without them. The decisions then
/// carry to the published version (`new_version`). `CONFLICT` naming who has not agreed;
/// `FORBIDDEN` when a reason is given by someone who is not the owner's ADMIN or EDITOR.
pub(crate) async fn settle_for_publish(
    tx: &WriteTransaction,
    caller: &Caller,
    row: &pathway::Model,
    expected_version: i64,
    without_agreement: Option<&str>,
) -> Result<Settled> {
    let mut parties = pathway_parties(tx, row).await?;
    parties.version = expected_version;
    let reason = match without_agreement {
        Some(reason) => Some(text(
            "withoutAgreementReason",
            Some(reason),
            Some("say why the pathway is published without every organisation's agreement"),
        )?),
        None => None,
    };
    let subject = Subject::Pathway(row.id);
    let mut changes = Vec::new();
    let record = parties.record();
    let missing: Vec<&OrganisationAgreement> = record
        .organisations
        .iter()
        .filter(|o| o.state != AgreementState::Agreed)
        .collect();
    let (mine, others): (Vec<_>, Vec<_>) = missing
        .into_iter()
        .partition(|o| edits(caller, o.organisation.id));
    if !others.is_empty() {
        let Some(reason) = reason.as_deref() else {
            return Err(Error::Conflict(format!(
                "{} not yet agreed to this version: ask {} to approve it (requestPathwayAgreement), or, as the owner, publish with withoutAgreementReason",
                others
                    .iter()
                    .map(|o| named(&o.organisation))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if others.len() == 1 { " has" } else { " have" },
                if others.len() == 1 { "it" } else { "them" },
            )));
        };
        if !edits(caller, parties.owner) {
            return Err(Error::Forbidden(
                "only the owning organisation's ADMIN or EDITOR may publish without every organisation's agreement".into(),
            ));
        }
        for o in &others {
            changes.push(
                settle(
                    tx,
                    caller,
                    subject,
                    expected_version,
                    &parties,
                    o,
                    "OVERRIDDEN",
                    reason,
                )
                .await?,
            );
        }
    }
    for o in &mine {
        changes.push(
            settle(
                tx,
                caller,
                subject,
                expected_version,
                &parties,
                o,
                "APPROVED",
                "agreed by publishing",
            )
            .await?,
        );
    }
    // The published version is the draft that was agreed to.
    agreement::Entity::update_many()
        .col_expr(
            agreement::Column::SubjectVersion,
            Expr::value(expected_version + 1),
        )
        .filter(agreement::Column::SubjectKind.eq(subject.kind()))
        .filter(agreement::Column::SubjectId.eq(row.id))
        .filter(agreement::Column::SubjectVersion.eq(expected_version))
        .exec(tx)
        .await?;
    Ok(Settled { changes })
}

/// Records `decision` for one organisation of `parties` on the subject at `version`, inside the
/// settling transaction, and gives the audit trail's change for it.
#[allow(clippy::too_many_arguments)]
async fn settle(
    tx: &WriteTransaction,
    caller: &Caller,
    subject: Subject,
    version: i64,
    parties: &Parties,
    o: &OrganisationAgreement,
    decision: &str,
    comment: &str,
) -> Result<super::audit::Change> {
    let existing = parties
        .rows
        .iter()
        .find(|r| r.organisation_id == o.organisation.id);
    set_decision(
        tx,
        caller,
        subject,
        version,
        o.organisation.id,
        existing,
        decision,
        comment,
    )
    .await?;
    let shown = if decision == "OVERRIDDEN" {
        "PUBLISHED_WITHOUT_AGREEMENT"
    } else {
        decision
    };
    Ok(super::audit::Change {
        object: subject.id(),
        field: format!("agreement[{}]", o.organisation.organisation.ods_code),
        before: serde_json::Value::Null,
        after: serde_json::json!({ "decision": shown, "comment": comment }),
    })
}

/// Checks, inside the adopting transaction, that every organisation a change idea moves work
/// between has agreed; the adopter's own organisations (as ADMIN or EDITOR) agree by adopting.
/// `CONFLICT` naming who has not.
pub(crate) async fn settle_for_adoption(
    tx: &WriteTransaction,
    caller: &Caller,
    change_idea: Uuid,
) -> Result<Vec<super::audit::Change>> {
    let (parties, _) = change_idea_parties(tx, caller, change_idea).await?;
    let record = parties.record();
    let mut changes = Vec::new();
    let mut others = Vec::new();
    for o in record
        .organisations
        .iter()
        .filter(|o| o.state != AgreementState::Agreed)
    {
        if edits(caller, o.organisation.id) {
            changes.push(
                settle(
                    tx,
                    caller,
                    Subject::ChangeIdea(change_idea),
                    0,
                    &parties,
                    o,
                    "APPROVED",
                    "agreed by adopting",
                )
                .await?,
            );
        } else {
            others.push(named(&o.organisation));
        }
    }
    if !others.is_empty() {
        return Err(Error::Conflict(format!(
            "the change idea moves work between organisations and {} not yet agreed: ask (requestChangeIdeaAgreement) before adopting it",
            others.join(", ") + if others.len() == 1 { " has" } else { " have" }
        )));
    }
    Ok(changes)
}

/// Forgets the decisions on a deleted draft, inside the deleting transaction.
pub(crate) async fn forget_pathway(tx: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    agreement::Entity::delete_many()
        .filter(agreement::Column::SubjectKind.eq(Subject::Pathway(id).kind()))
        .filter(agreement::Column::SubjectId.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(decision: &str, version: i64) -> agreement::Model {
        agreement::Model {
            id: Uuid::nil(),
            subject_kind: "PATHWAY".into(),
            subject_id: Uuid::nil(),
            subject_version: version,
            organisation_id: Uuid::nil(),
            decision: decision.into(),
            comment: String::new(),
            requested_at: None,
            decided_by: None,
            decided_by_id: None,
            decided_at: None,
        }
    }

    #[test]
    fn an_approval_counts_only_for_the_version_approved() {
        assert_eq!(state_of(&row("APPROVED", 3), 3), AgreementState::Agreed);
        assert_eq!(
            state_of(&row("APPROVED", 3), 4),
            AgreementState::AgreedEarlierDraft
        );
        assert_eq!(
            state_of(&row("CHANGES_REQUESTED", 3), 4),
            AgreementState::ChangesRequested
        );
        assert_eq!(state_of(&row("AWAITED", 3), 3), AgreementState::Awaited);
        assert_eq!(
            state_of(&row("OVERRIDDEN", 3), 9),
            AgreementState::PublishedWithoutAgreement
        );
    }
}
