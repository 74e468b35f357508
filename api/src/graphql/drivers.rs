//! Driver diagrams through GraphQL, with the predicted effect of change ideas that carry a
//! what-if change set.

use super::analysis::ChangeInput;
use super::projects::ProjectView;
use super::{change, db, parse_id};
use crate::store::{drivers, drivers::DriverRecord, pathways, projects};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result, SimpleObject};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::DriverKind")]
pub enum DriverKind {
    PrimaryDriver,
    SecondaryDriver,
    ChangeIdea,
}

/// A pointer at a hotspot of the project's pathway.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "HotspotRefInput", name = "HotspotRef")]
pub struct HotspotRefView {
    pub kind: super::analysis::HotspotKind,
    pub step_keys: Vec<String>,
}

/// What a change idea's change set is predicted to do to its project's pathway.
#[derive(SimpleObject)]
pub struct PredictedEffect {
    baseline_lead_time_minutes: f64,
    changed_lead_time_minutes: f64,
    /// Changed minus baseline (negative: faster).
    difference_minutes: f64,
}

/// A node of a driver diagram.
pub struct DriverView {
    record: DriverRecord,
    project_pathway: Option<uuid::Uuid>,
}

#[Object(name = "Driver")]
impl DriverView {
    async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }
    /// The node above (none: the project's aim).
    async fn parent_id(&self) -> Option<ID> {
        self.record.parent_id.map(|id| ID(id.to_string()))
    }
    async fn kind(&self) -> DriverKind {
        self.record.kind.into()
    }
    async fn text(&self) -> &str {
        &self.record.text
    }
    /// The pathway hotspot a change idea answers.
    async fn hotspot(&self) -> Option<HotspotRefView> {
        self.record.hotspot.as_ref().map(|h| HotspotRefView {
            kind: h.kind.into(),
            step_keys: h.step_keys.clone(),
        })
    }
    /// A change idea's what-if change set.
    async fn changes(&self) -> Option<Json<Vec<engine::Change>>> {
        self.record.changes.clone().map(Json)
    }
    /// The lead time of the project's pathway with and without the change set (computed, not
    /// guessed); absent without a change set or a pathway.
    async fn predicted_effect(&self, ctx: &Context<'_>) -> Result<Option<PredictedEffect>> {
        let (Some(changes), Some(pathway_id)) = (&self.record.changes, self.project_pathway) else {
            return Ok(None);
        };
        let caller = super::caller_of(ctx);
        let db = db(ctx)?;
        let record = pathways::get(db, &caller, pathway_id).await?;
        let content = pathways::content(db, &caller, pathway_id).await?;
        let demand = record.header.demand_per_day.map(|d| d.get());
        let result = engine::what_if(&content.map, demand, changes).map_err(|e| match e {
            engine::WhatIfError::Input(errors) => crate::Error::Validation(errors),
            engine::WhatIfError::Problems(problems) => crate::Error::Problems(problems),
        })?;
        Ok(Some(PredictedEffect {
            baseline_lead_time_minutes: result.baseline.expected_lead_time_minutes,
            changed_lead_time_minutes: result.changed.expected_lead_time_minutes,
            difference_minutes: result.differences.expected_lead_time_minutes,
        }))
    }
}

/// The project's driver diagram, in the order nodes were added.
pub(crate) async fn diagram(
    ctx: &Context<'_>,
    project: &projects::ProjectRecord,
) -> Result<Vec<DriverView>> {
    let caller = super::caller_of(ctx);
    Ok(drivers::list(db(ctx)?, &caller, project.id)
        .await?
        .into_iter()
        .map(|record| DriverView {
            record,
            project_pathway: project.pathway_id,
        })
        .collect())
}

/// A new node of a driver diagram.
#[derive(InputObject)]
pub struct AddDriverInput {
    pub project_id: ID,
    /// The project's version.
    pub expected_version: i64,
    /// The node above; leave out for a primary driver (under the aim).
    pub parent_id: Option<ID>,
    pub kind: DriverKind,
    pub text: String,
    /// For a change idea: the what-if change set that the change would make to the pathway.
    pub changes: Option<Vec<ChangeInput>>,
    /// For a change idea: the hotspot of the pathway it answers.
    pub hotspot: Option<HotspotRefView>,
}

/// Changes to a driver-diagram node; leave out what stays the same, `null` clears.
#[derive(InputObject)]
pub struct UpdateDriverInput {
    pub id: ID,
    /// The project's version.
    pub expected_version: i64,
    pub text: Option<String>,
    pub changes: async_graphql::MaybeUndefined<Vec<ChangeInput>>,
    pub hotspot: async_graphql::MaybeUndefined<HotspotRefView>,
}

#[derive(Default)]
pub struct DriverMutation;

#[Object]
impl DriverMutation {
    /// Changes a node's text, a change idea's change set or its hotspot.
    async fn update_driver(
        &self,
        ctx: &Context<'_>,
        input: UpdateDriverInput,
    ) -> Result<ProjectView> {
        use async_graphql::MaybeUndefined::{Null, Undefined, Value};
        let id = parse_id("id", &input.id)?;
        let text = input
            .text
            .map(|t| {
                engine::values::parse_text(&t, 1_000).map_err(|m| crate::Error::invalid("text", m))
            })
            .transpose()?;
        let changes = match input.changes {
            Undefined => None,
            Null => Some(None),
            Value(c) => Some(Some(c.into_iter().map(engine::Change::from).collect())),
        };
        let hotspot = match input.hotspot {
            Undefined => None,
            Null => Some(None),
            Value(h) => Some(Some(drivers::HotspotRef {
                kind: h.kind.into(),
                step_keys: h.step_keys,
            })),
        };
        let project = drivers::update(
            db(ctx)?,
            &change(ctx),
            id,
            input.expected_version,
            text,
            changes,
            hotspot,
        )
        .await?;
        Ok(ProjectView(project))
    }

    /// Adds a primary driver, secondary driver or change idea to a project's driver diagram.
    async fn add_driver(&self, ctx: &Context<'_>, input: AddDriverInput) -> Result<ProjectView> {
        let project_id = parse_id("projectId", &input.project_id)?;
        let parent = input
            .parent_id
            .as_ref()
            .map(|id| parse_id("parentId", id))
            .transpose()?;
        let text = engine::values::parse_text(&input.text, 1_000)
            .map_err(|m| crate::Error::invalid("text", m))?;
        let changes = input
            .changes
            .map(|c| c.into_iter().map(engine::Change::from).collect::<Vec<_>>());
        let node = drivers::NewDriver {
            parent,
            kind: input.kind.into(),
            text,
            changes,
            hotspot: input.hotspot.map(|h| drivers::HotspotRef {
                kind: h.kind.into(),
                step_keys: h.step_keys,
            }),
        };
        let (project, _) = drivers::add(
            db(ctx)?,
            &change(ctx),
            project_id,
            input.expected_version,
            node,
        )
        .await?;
        Ok(ProjectView(project))
    }
}
