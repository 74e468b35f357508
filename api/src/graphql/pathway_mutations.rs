//! Pathway mutations. Each one parses its input into engine types, then makes one store call,
//! which runs one transaction guarded by `expectedVersion`.

use super::context::{change, db, parse_id};
use super::enums::{Handoff, StepKind, ValueClass, WasteKind};
use super::pathway::{PathwayView, StepView, TransitionView};
use crate::store::pathway_edits::HeaderPatch;
use crate::store::step_edits::TransitionFields;
use crate::store::{self, PathwayRecord};
use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject};
use engine::{PathwayDocument, PathwayHeader, StepInput};
use std::sync::Arc;
use uuid::Uuid;

/// A field of a patch: left out keeps it, `null` clears it.
fn patched<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// A new, empty draft pathway.
#[derive(InputObject)]
pub struct CreatePathwayInput {
    /// The pathway's name.
    pub name: String,
    /// What the pathway covers, in words; empty for none.
    #[graphql(default)]
    pub description: String,
    /// The condition or service the pathway is for (hip fracture, stroke); empty for none.
    #[graphql(default)]
    pub condition: String,
    /// The owning organisation: its ODS code or its id (it must exist).
    pub owner: String,
    /// Patients entering the pathway a day; null when unknown (BOTTLENECK hotspots then need it).
    pub demand_per_day: Option<f64>,
    /// The time the pathway should take end to end, in minutes (36 hours to hip surgery is
    /// 2160); null when it has none. Measures suggested for its changes include the share of
    /// patients within it.
    pub target_lead_time_minutes: Option<f64>,
}

/// Changes to a draft's own fields; leave out what stays the same.
#[derive(InputObject)]
pub struct UpdatePathwayInput {
    /// The DRAFT pathway (its id).
    pub id: ID,
    /// The version you last read; a stale one gets `CONFLICT`.
    pub expected_version: i64,
    /// The new name; null leaves it.
    pub name: Option<String>,
    /// The new description; null leaves it.
    pub description: Option<String>,
    /// The new condition; null leaves it.
    pub condition: Option<String>,
    /// `null` clears it.
    pub demand_per_day: MaybeUndefined<f64>,
    /// The time the pathway should take end to end, in minutes; `null` clears it.
    pub target_lead_time_minutes: MaybeUndefined<f64>,
}

/// A new step of a draft.
#[derive(InputObject)]
pub struct AddStepInput {
    /// The pathway (its id).
    pub pathway_id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// A short name for the step, unique in the pathway (letters, digits, `-` and `_`): transitions
    /// and what-if changes name steps by it.
    pub key: String,
    /// The step's name, as staff would say it.
    pub name: String,
    /// START (one per pathway), ACTIVITY, DECISION (a branch) or END.
    pub kind: StepKind,
    /// The organisation where the step happens: its ODS code or its id (it must exist).
    pub organisation: String,
    /// Where the step happens (a ward, clinic or site), when it matters; null for none.
    pub site: Option<String>,
    /// The activity name event logs use for this step, so conformance can match events to it; null
    /// for none.
    pub activity_code: Option<String>,
    /// Minutes of hands-on work a patient gets at the step (0 or more).
    #[graphql(default)]
    pub touch_minutes: f64,
    /// Whether the step adds value for the patient, is necessary but adds none, or is waste.
    #[graphql(default_with = "ValueClass::Necessary")]
    pub value_class: ValueClass,
    /// The kinds of waste the step shows (the lean wastes), if any.
    #[graphql(default)]
    pub waste_kinds: Vec<WasteKind>,
    /// The data the step records (NHS number, referral letter ...): the same item recorded at two
    /// steps is a DUPLICATION hotspot.
    #[graphql(default)]
    pub data_items: Vec<String>,
    /// How many patients the step can take a day; null for unlimited. A step whose demand exceeds
    /// it is a BOTTLENECK hotspot.
    pub capacity_per_day: Option<f64>,
    /// The share of work that arrives complete and accurate (0 to 100); null when unknown.
    pub percent_complete_accurate: Option<f64>,
}

/// Changes to a step of a draft; leave out what stays the same, `null` clears optional fields.
#[derive(InputObject)]
pub struct UpdateStepInput {
    /// The step (its id).
    pub id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// The new key (unique in the pathway); null leaves it.
    pub key: Option<String>,
    /// The new name; null leaves it.
    pub name: Option<String>,
    /// The new kind; null leaves it.
    pub kind: Option<StepKind>,
    /// The organisation that now does it: its ODS code or its id; null leaves it.
    pub organisation: Option<String>,
    /// The new site; null clears it (leave it out to keep it).
    pub site: MaybeUndefined<String>,
    /// The new activity code; null clears it (leave it out to keep it).
    pub activity_code: MaybeUndefined<String>,
    /// The new hands-on minutes; null leaves them.
    pub touch_minutes: Option<f64>,
    /// The new value class; null leaves it.
    pub value_class: Option<ValueClass>,
    /// The new lean wastes; null leaves them.
    pub waste_kinds: Option<Vec<WasteKind>>,
    /// The new data items; null leaves them.
    pub data_items: Option<Vec<String>>,
    /// The new capacity a day; null makes it unlimited (leave it out to keep it).
    pub capacity_per_day: MaybeUndefined<f64>,
    /// The new share complete and accurate (0 to 100); null clears it (leave it out to keep it).
    pub percent_complete_accurate: MaybeUndefined<f64>,
}

/// A new transition between two steps of the same draft.
#[derive(InputObject)]
pub struct AddTransitionInput {
    /// The step patients leave (its id).
    pub from_step_id: ID,
    /// The step patients go to next (its id).
    pub to_step_id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// Leave out only when this is the step's only way out.
    pub probability: Option<f64>,
    /// Minutes a patient waits between the two steps (0 or more).
    #[graphql(default)]
    pub wait_minutes: f64,
    /// How the patient or their information passes between the steps: INTERNAL when it is the same
    /// team.
    #[graphql(default_with = "Handoff::Internal")]
    pub handoff: Handoff,
}

/// Changes to a transition of a draft.
#[derive(InputObject)]
pub struct UpdateTransitionInput {
    /// The transition (its id).
    pub id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// `null` removes it (allowed when this is the step's only way out).
    pub probability: MaybeUndefined<f64>,
    /// The new wait in minutes; null leaves it.
    pub wait_minutes: Option<f64>,
    /// The new hand-off; null leaves it.
    pub handoff: Option<Handoff>,
}

/// A changed pathway and the step the change was about.
#[derive(SimpleObject)]
pub struct StepPayload {
    /// The pathway, with its new version.
    pathway: PathwayView,
    /// The step.
    step: StepView,
}

/// A changed pathway and the transition the change was about.
#[derive(SimpleObject)]
pub struct TransitionPayload {
    /// The pathway, with its new version.
    pathway: PathwayView,
    /// The transition.
    transition: TransitionView,
}

fn overlay<T>(target: &mut Option<T>, change: MaybeUndefined<T>) {
    match change {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

/// The content of the version a write made: remembered by the store when the write committed
/// (read again only if the cache has let it go), so the response's version and content agree.
async fn written_content(
    ctx: &Context<'_>,
    record: &PathwayRecord,
) -> Result<Arc<store::PathwayContent>> {
    if let Some(content) = store::pathways::cached_content(record.id, record.version) {
        return Ok(content);
    }
    let caller = store::tokens::refresh(db(ctx)?, &super::context::caller_of(ctx)).await?;
    Ok(Arc::new(
        store::pathways::content(db(ctx)?, &caller, record.id).await?,
    ))
}

/// The pathway as the change left it.
async fn view(ctx: &Context<'_>, record: PathwayRecord) -> Result<PathwayView> {
    let content = written_content(ctx, &record).await?;
    Ok(PathwayView::with_content(record, content))
}

async fn step_payload(
    ctx: &Context<'_>,
    record: PathwayRecord,
    step_id: Uuid,
) -> Result<StepPayload> {
    let content = written_content(ctx, &record).await?;
    let index = content
        .step_ids
        .iter()
        .position(|&id| id == step_id)
        .ok_or_else(|| crate::Error::not_found("step", step_id))?;
    Ok(StepPayload {
        pathway: PathwayView::with_content(record, content.clone()),
        step: StepView { content, index },
    })
}

async fn transition_payload(
    ctx: &Context<'_>,
    record: PathwayRecord,
    transition_id: Uuid,
) -> Result<TransitionPayload> {
    let content = written_content(ctx, &record).await?;
    let index = content
        .transition_ids
        .iter()
        .position(|&id| id == transition_id)
        .ok_or_else(|| crate::Error::not_found("transition", transition_id))?;
    Ok(TransitionPayload {
        pathway: PathwayView::with_content(record, content.clone()),
        transition: TransitionView { content, index },
    })
}

#[derive(Default)]
pub struct PathwayMutation;

#[Object]
impl PathwayMutation {
    /// Creates a draft pathway from a pathway document, creating the organisations it lists that
    /// do not exist yet. All or nothing: any error stores nothing.
    async fn import_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The pathway document as a JSON object (the format `qiflow validate` checks and `Pathway.document` gives)."
        )]
        document: Json<serde_json::Value>,
    ) -> Result<PathwayView> {
        let document = PathwayDocument::from_json(document.0).map_err(crate::Error::from)?;
        let parsed = document.parse().map_err(crate::Error::from)?;
        let record = store::pathway_edits::import(db(ctx)?, &change(ctx), parsed).await?;
        view(ctx, record).await
    }

    /// Creates an empty draft pathway.
    async fn create_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: CreatePathwayInput,
    ) -> Result<PathwayView> {
        let owner = super::context::organisation_code(ctx, "owner", &input.owner).await?;
        let header = PathwayHeader::parse(
            &input.name,
            &input.description,
            &input.condition,
            &owner,
            input.demand_per_day,
            input.target_lead_time_minutes,
        )
        .map_err(crate::Error::from)?;
        let record = store::pathway_edits::create(db(ctx)?, &change(ctx), header).await?;
        view(ctx, record).await
    }

    /// Changes a draft's name, description, condition or demand.
    async fn update_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: UpdatePathwayInput,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &input.id)?;
        let patch = HeaderPatch {
            name: input.name,
            description: input.description,
            condition: input.condition,
            demand_per_day: patched(input.demand_per_day),
            target_lead_time_minutes: patched(input.target_lead_time_minutes),
        };
        let record =
            store::pathway_edits::update(db(ctx)?, &change(ctx), id, input.expected_version, patch)
                .await?;
        view(ctx, record).await
    }

    /// Adds a step to a draft.
    async fn add_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: AddStepInput,
    ) -> Result<StepPayload> {
        let pathway_id = parse_id("pathwayId", &input.pathway_id)?;
        let organisation =
            super::context::organisation_code(ctx, "organisation", &input.organisation).await?;
        let step = StepInput {
            key: input.key,
            name: input.name,
            kind: input.kind.into(),
            organisation,
            site: input.site,
            activity_code: input.activity_code,
            touch_minutes: input.touch_minutes,
            value_class: input.value_class.into(),
            waste_kinds: input.waste_kinds.into_iter().map(Into::into).collect(),
            data_items: input.data_items,
            capacity_per_day: input.capacity_per_day,
            percent_complete_accurate: input.percent_complete_accurate,
            servers: None,
            service_time: None,
            schedule: Vec::new(),
            queue_capacity: None,
        }
        .parse()
        .map_err(crate::Error::from)?;
        let (record, step_id) = store::step_edits::add_step(
            db(ctx)?,
            &change(ctx),
            pathway_id,
            input.expected_version,
            step,
        )
        .await?;
        step_payload(ctx, record, step_id).await
    }

    /// Changes a step of a draft.
    async fn update_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: UpdateStepInput,
    ) -> Result<StepPayload> {
        let step_id = parse_id("id", &input.id)?;
        let expected = input.expected_version;
        let organisation = match &input.organisation {
            Some(reference) => {
                Some(super::context::organisation_code(ctx, "organisation", reference).await?)
            }
            None => None,
        };
        let record =
            store::step_edits::update_step(db(ctx)?, &change(ctx), step_id, expected, |s| {
                if let Some(v) = input.key {
                    s.key = v;
                }
                if let Some(v) = input.name {
                    s.name = v;
                }
                if let Some(v) = input.kind {
                    s.kind = v.into();
                }
                if let Some(v) = organisation {
                    s.organisation = v;
                }
                overlay(&mut s.site, input.site);
                overlay(&mut s.activity_code, input.activity_code);
                if let Some(v) = input.touch_minutes {
                    s.touch_minutes = v;
                }
                if let Some(v) = input.value_class {
                    s.value_class = v.into();
                }
                if let Some(v) = input.waste_kinds {
                    s.waste_kinds = v.into_iter().map(Into::into).collect();
                }
                if let Some(v) = input.data_items {
                    s.data_items = v;
                }
                overlay(&mut s.capacity_per_day, input.capacity_per_day);
                overlay(
                    &mut s.percent_complete_accurate,
                    input.percent_complete_accurate,
                );
            })
            .await?;
        step_payload(ctx, record, step_id).await
    }

    /// Removes a step of a draft, with every transition into or out of it.
    async fn remove_step(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The step to remove (its id); its transitions go with it.")] id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
    ) -> Result<PathwayView> {
        let step_id = parse_id("id", &id)?;
        let record =
            store::step_edits::remove_step(db(ctx)?, &change(ctx), step_id, expected_version)
                .await?;
        view(ctx, record).await
    }

    /// Adds a transition between two steps of the same draft.
    async fn add_transition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: AddTransitionInput,
    ) -> Result<TransitionPayload> {
        let from = parse_id("fromStepId", &input.from_step_id)?;
        let to = parse_id("toStepId", &input.to_step_id)?;
        let fields = TransitionFields {
            probability: input.probability,
            wait_minutes: input.wait_minutes,
            handoff: input.handoff.into(),
        };
        let (record, id) = store::step_edits::add_transition(
            db(ctx)?,
            &change(ctx),
            from,
            to,
            input.expected_version,
            fields,
        )
        .await?;
        transition_payload(ctx, record, id).await
    }

    /// Changes the probability, wait or hand-off of a transition of a draft.
    async fn update_transition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: UpdateTransitionInput,
    ) -> Result<TransitionPayload> {
        let id = parse_id("id", &input.id)?;
        let record = store::step_edits::update_transition(
            db(ctx)?,
            &change(ctx),
            id,
            input.expected_version,
            |t| {
                overlay(&mut t.probability, input.probability);
                if let Some(v) = input.wait_minutes {
                    t.wait_minutes = v;
                }
                if let Some(v) = input.handoff {
                    t.handoff = v.into();
                }
            },
        )
        .await?;
        transition_payload(ctx, record, id).await
    }

    /// Removes a transition of a draft.
    async fn remove_transition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The transition to remove (its id).")] id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record =
            store::step_edits::remove_transition(db(ctx)?, &change(ctx), id, expected_version)
                .await?;
        view(ctx, record).await
    }

    /// Publishes a draft. It must have no structural problems (`VALIDATION` lists them), and
    /// every organisation with steps in it must have agreed to this version (`CONFLICT` names
    /// those that have not; ask them with `requestPathwayAgreement`): the publisher's own
    /// organisations, where it is ADMIN or EDITOR, agree by publishing. The owner's ADMIN or
    /// EDITOR may publish without the others' agreement with `withoutAgreementReason`, which
    /// the version then shows. Once published it never changes.
    async fn publish_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT pathway to publish (its id); it must have no problems.")]
        id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(
            desc = "Why the owner publishes without the agreement of every organisation with steps in the pathway (at most 4,000 characters); recorded for each organisation that had not agreed and shown in `agreement`. Leave it out to publish only with everyone's agreement."
        )]
        without_agreement_reason: Option<String>,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record = store::pathway_edits::publish(
            db(ctx)?,
            &change(ctx),
            id,
            expected_version,
            without_agreement_reason.as_deref(),
        )
        .await?;
        view(ctx, record).await
    }

    /// Deletes a draft made by mistake, with its steps and transitions. Published and archived
    /// pathways are never deleted, and a draft a project, an event log or a later version
    /// refers to is refused: archive those instead.
    async fn delete_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DRAFT pathway to delete (its id).")] id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
    ) -> Result<bool> {
        let id = parse_id("id", &id)?;
        store::pathway_edits::delete_draft(db(ctx)?, &change(ctx), id, expected_version).await?;
        Ok(true)
    }

    /// Retires a draft or published pathway.
    async fn archive_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway to archive (its id).")] id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record =
            store::pathway_edits::archive(db(ctx)?, &change(ctx), id, expected_version).await?;
        view(ctx, record).await
    }

    /// Copies a pathway into a new draft whose parent is the original: how a published map
    /// changes.
    async fn clone_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway to copy into a new DRAFT (its id).")] id: ID,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record = store::pathway_edits::clone(db(ctx)?, &change(ctx), id).await?;
        view(ctx, record).await
    }
}
