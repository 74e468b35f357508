//! Adding and changing drivers and change ideas of a project's driver diagram.

use super::analysis::ChangeInput;
use super::context::{change, db, parse_id};
use super::drivers::{DriverKind, HotspotRefView};
use super::projects::ProjectView;
use crate::store::drivers;
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A new node of a driver diagram.
#[derive(InputObject)]
pub struct AddDriverInput {
    /// The improvement project (its id).
    pub project_id: ID,
    /// The project's version.
    pub expected_version: i64,
    /// The node above; leave out for a primary driver (under the aim).
    pub parent_id: Option<ID>,
    /// Where it sits in the diagram: a primary driver under the aim, a secondary driver under a
    /// primary one, or a change idea under a secondary one.
    pub kind: DriverKind,
    /// What the driver or change idea says, in the team's words.
    pub text: String,
    /// For a change idea: the what-if change set that the change would make to the pathway.
    pub changes: Option<Vec<ChangeInput>>,
    /// For a change idea: the hotspot of the pathway it answers.
    pub hotspot: Option<HotspotRefView>,
}

/// Changes to a driver-diagram node; leave out what stays the same, `null` clears.
#[derive(InputObject)]
pub struct UpdateDriverInput {
    /// The driver or change idea (its id).
    pub id: ID,
    /// The project's version.
    pub expected_version: i64,
    /// The new text; null leaves it.
    pub text: Option<String>,
    /// The change idea's what-if change set, replacing the one before (change ideas only); null
    /// removes it (leave it out to keep it).
    pub changes: async_graphql::MaybeUndefined<Vec<ChangeInput>>,
    /// The hotspot it targets; null removes it (leave it out to keep it).
    pub hotspot: async_graphql::MaybeUndefined<HotspotRefView>,
    /// Move it, with the nodes under it, under this node; null moves a primary driver under the
    /// aim (leave it out to keep it where it is). The diagram's rules hold at the new place.
    pub parent_id: async_graphql::MaybeUndefined<ID>,
}

#[derive(Default)]
pub struct DriverMutation;

#[Object]
impl DriverMutation {
    /// Changes a node's text, a change idea's change set or its hotspot, or moves the node.
    async fn update_driver(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
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
            Value(c) => Some(Some(super::analysis::engine_changes(ctx, c).await?)),
        };
        let hotspot = match input.hotspot {
            Undefined => None,
            Null => Some(None),
            Value(h) => Some(Some(drivers::HotspotRef {
                kind: h.kind.into(),
                step_keys: h.step_keys,
            })),
        };
        let parent = match input.parent_id {
            Undefined => None,
            Null => Some(None),
            Value(p) => Some(Some(parse_id("parentId", &p)?)),
        };
        let project = drivers::update(
            db(ctx)?,
            &change(ctx),
            id,
            input.expected_version,
            drivers::DriverEdit {
                text,
                changes,
                hotspot,
                parent,
            },
        )
        .await?;
        Ok(ProjectView(project))
    }

    /// Adds a primary driver, secondary driver or change idea to a project's driver diagram.
    async fn add_driver(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: AddDriverInput,
    ) -> Result<ProjectView> {
        let project_id = parse_id("projectId", &input.project_id)?;
        let parent = input
            .parent_id
            .as_ref()
            .map(|id| parse_id("parentId", id))
            .transpose()?;
        let text = engine::values::parse_text(&input.text, 1_000)
            .map_err(|m| crate::Error::invalid("text", m))?;
        let changes = match input.changes {
            Some(c) => Some(super::analysis::engine_changes(ctx, c).await?),
            None => None,
        };
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

    /// Removes a driver or change idea (`expectedVersion` is the project's). A node with nodes
    /// under it is refused, naming them, unless `withChildren` removes the whole branch; a change
    /// idea a PDSA cycle tests is refused, naming the cycle.
    async fn remove_driver(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The driver or change idea to remove (its id).")] id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(
            default,
            desc = "Also remove what sits under it; without it, a driver with children is refused."
        )]
        with_children: bool,
    ) -> Result<ProjectView> {
        let id = parse_id("id", &id)?;
        Ok(ProjectView(
            drivers::remove(db(ctx)?, &change(ctx), id, expected_version, with_children).await?,
        ))
    }
}
