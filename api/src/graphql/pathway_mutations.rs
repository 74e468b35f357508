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

/// A new, empty draft pathway.
#[derive(InputObject)]
pub struct CreatePathwayInput {
    pub name: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default)]
    pub condition: String,
    /// The owning organisation: its ODS code or its id (it must exist).
    pub owner: String,
    pub demand_per_day: Option<f64>,
}

/// Changes to a draft's own fields; leave out what stays the same.
#[derive(InputObject)]
pub struct UpdatePathwayInput {
    pub id: ID,
    /// The version you last read; a stale one gets `CONFLICT`.
    pub expected_version: i64,
    pub name: Option<String>,
    pub description: Option<String>,
    pub condition: Option<String>,
    /// `null` clears it.
    pub demand_per_day: MaybeUndefined<f64>,
}

/// A new step of a draft.
#[derive(InputObject)]
pub struct AddStepInput {
    pub pathway_id: ID,
    pub expected_version: i64,
    pub key: String,
    pub name: String,
    pub kind: StepKind,
    /// The organisation where the step happens: its ODS code or its id (it must exist).
    pub organisation: String,
    pub site: Option<String>,
    pub activity_code: Option<String>,
    #[graphql(default)]
    pub touch_minutes: f64,
    #[graphql(default_with = "ValueClass::Necessary")]
    pub value_class: ValueClass,
    #[graphql(default)]
    pub waste_kinds: Vec<WasteKind>,
    #[graphql(default)]
    pub data_items: Vec<String>,
    pub capacity_per_day: Option<f64>,
    pub percent_complete_accurate: Option<f64>,
}

/// Changes to a step of a draft; leave out what stays the same, `null` clears optional fields.
#[derive(InputObject)]
pub struct UpdateStepInput {
    pub id: ID,
    pub expected_version: i64,
    pub key: Option<String>,
    pub name: Option<String>,
    pub kind: Option<StepKind>,
    pub organisation: Option<String>,
    pub site: MaybeUndefined<String>,
    pub activity_code: MaybeUndefined<String>,
    pub touch_minutes: Option<f64>,
    pub value_class: Option<ValueClass>,
    pub waste_kinds: Option<Vec<WasteKind>>,
    pub data_items: Option<Vec<String>>,
    pub capacity_per_day: MaybeUndefined<f64>,
    pub percent_complete_accurate: MaybeUndefined<f64>,
}

/// A new transition between two steps of the same draft.
#[derive(InputObject)]
pub struct AddTransitionInput {
    pub from_step_id: ID,
    pub to_step_id: ID,
    pub expected_version: i64,
    /// Leave out only when this is the step's only way out.
    pub probability: Option<f64>,
    #[graphql(default)]
    pub wait_minutes: f64,
    #[graphql(default_with = "Handoff::Internal")]
    pub handoff: Handoff,
}

/// Changes to a transition of a draft.
#[derive(InputObject)]
pub struct UpdateTransitionInput {
    pub id: ID,
    pub expected_version: i64,
    /// `null` removes it (allowed when this is the step's only way out).
    pub probability: MaybeUndefined<f64>,
    pub wait_minutes: Option<f64>,
    pub handoff: Option<Handoff>,
}

/// A changed pathway and the step the change was about.
#[derive(SimpleObject)]
pub struct StepPayload {
    pathway: PathwayView,
    step: StepView,
}

/// A changed pathway and the transition the change was about.
#[derive(SimpleObject)]
pub struct TransitionPayload {
    pathway: PathwayView,
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
        input: CreatePathwayInput,
    ) -> Result<PathwayView> {
        let owner = super::context::organisation_code(ctx, "owner", &input.owner).await?;
        let header = PathwayHeader::parse(
            &input.name,
            &input.description,
            &input.condition,
            &owner,
            input.demand_per_day,
        )
        .map_err(crate::Error::from)?;
        let record = store::pathway_edits::create(db(ctx)?, &change(ctx), header).await?;
        view(ctx, record).await
    }

    /// Changes a draft's name, description, condition or demand.
    async fn update_pathway(
        &self,
        ctx: &Context<'_>,
        input: UpdatePathwayInput,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &input.id)?;
        let patch = HeaderPatch {
            name: input.name,
            description: input.description,
            condition: input.condition,
            demand_per_day: match input.demand_per_day {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            },
        };
        let record =
            store::pathway_edits::update(db(ctx)?, &change(ctx), id, input.expected_version, patch)
                .await?;
        view(ctx, record).await
    }

    /// Adds a step to a draft.
    async fn add_step(&self, ctx: &Context<'_>, input: AddStepInput) -> Result<StepPayload> {
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
    async fn update_step(&self, ctx: &Context<'_>, input: UpdateStepInput) -> Result<StepPayload> {
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
        id: ID,
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
        id: ID,
        expected_version: i64,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record =
            store::step_edits::remove_transition(db(ctx)?, &change(ctx), id, expected_version)
                .await?;
        view(ctx, record).await
    }

    /// Publishes a draft. It must have no structural problems (`VALIDATION` lists them); once
    /// published it never changes.
    async fn publish_pathway(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i64,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record =
            store::pathway_edits::publish(db(ctx)?, &change(ctx), id, expected_version).await?;
        view(ctx, record).await
    }

    /// Deletes a draft made by mistake, with its steps and transitions. Published and archived
    /// pathways are never deleted, and a draft a project, an event log or a later version
    /// refers to is refused: archive those instead.
    async fn delete_pathway(
        &self,
        ctx: &Context<'_>,
        id: ID,
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
        id: ID,
        expected_version: i64,
    ) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record =
            store::pathway_edits::archive(db(ctx)?, &change(ctx), id, expected_version).await?;
        view(ctx, record).await
    }

    /// Copies a pathway into a new draft whose parent is the original: how a published map
    /// changes.
    async fn clone_pathway(&self, ctx: &Context<'_>, id: ID) -> Result<PathwayView> {
        let id = parse_id("id", &id)?;
        let record = store::pathway_edits::clone(db(ctx)?, &change(ctx), id).await?;
        view(ctx, record).await
    }
}
