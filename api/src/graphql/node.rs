//! Relay's object identification: every object with an id is a `Node`, and `node(id:)` and
//! `nodes(ids:)` find any of them through the same scoping as the typed fields (an object the
//! caller may not see is null with a NOT_FOUND error, exactly like the typed field).

use super::administration::ApiToken;
use super::context::{caller_of, db, parse_id};
use super::cycles::{CycleView, ObservationView};
use super::drivers::DriverView;
use super::event_logs::{EventImportView, EventLogView};
use super::measures::MeasureView;
use super::organisation::OrganisationView;
use super::pathway::{PathwayView, StepView, TransitionView};
use super::projects::ProjectView;
use crate::store::nodes::{self, NodeKind};
use crate::store::{cycles, drivers, events, measures, members, organisations, pathways, projects};
use async_graphql::{Context, ID, Interface, Object, Result};
use uuid::Uuid;

/// Most ids one `nodes` call takes.
pub const MAX_NODES: usize = 100;

/// An object with an id: fetch it again with `node(id:)`.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's id: the same wherever the object appears, and what `node(id:)` takes."
))]
pub enum Node {
    Organisation(OrganisationView),
    Pathway(PathwayView),
    Step(StepView),
    Transition(TransitionView),
    ImprovementProject(ProjectView),
    Measure(MeasureView),
    PdsaCycle(CycleView),
    Driver(DriverView),
    EventLog(EventLogView),
    EventImport(EventImportView),
    Observation(ObservationView),
    ApiToken(ApiToken),
    AuditEntry(super::access::AuditEntry),
    WebhookEndpoint(super::webhooks::WebhookEndpointView),
    WebhookDelivery(super::webhooks::WebhookDeliveryView),
    Simulation(super::simulations::SimulationView),
    Comment(super::comments::CommentView),
}

/// The object behind `id`, read as its typed field would read it.
async fn find(ctx: &Context<'_>, id: Uuid) -> Result<Node> {
    let caller = caller_of(ctx);
    let db = db(ctx)?;
    let Some(kind) = nodes::kind_of(db, id).await? else {
        return Err(crate::Error::not_found("object", id).into());
    };
    Ok(match kind {
        NodeKind::Organisation => {
            Node::Organisation(OrganisationView(organisations::get(db, &caller, id).await?))
        }
        NodeKind::Pathway => Node::Pathway(PathwayView::new(
            pathways::get_for_read(db, &caller, id).await?,
        )),
        NodeKind::Step | NodeKind::Transition => {
            let pathway = nodes::pathway_of(db, kind, id).await?;
            let content = match pathways::get_for_read(db, &caller, pathway).await {
                Ok(record) => match pathways::cached_content(pathway, record.version) {
                    Some(content) => content,
                    None => std::sync::Arc::new(pathways::content(db, &caller, pathway).await?),
                },
                Err(crate::Error::NotFound { .. }) => {
                    return Err(crate::Error::not_found("object", id).into());
                }
                Err(e) => return Err(e.into()),
            };
            let ids = match kind {
                NodeKind::Step => &content.step_ids,
                _ => &content.transition_ids,
            };
            let index = ids
                .iter()
                .position(|x| *x == id)
                .ok_or_else(|| crate::Error::not_found("object", id))?;
            match kind {
                NodeKind::Step => Node::Step(StepView { content, index }),
                _ => Node::Transition(TransitionView { content, index }),
            }
        }
        NodeKind::Project => {
            Node::ImprovementProject(ProjectView(projects::get(db, &caller, id).await?))
        }
        NodeKind::Measure => Node::Measure(MeasureView(measures::measure(db, &caller, id).await?)),
        NodeKind::Cycle => Node::PdsaCycle(CycleView(cycles::get(db, &caller, id).await?)),
        NodeKind::Driver => {
            let placed = drivers::get(db, &caller, id).await?;
            Node::Driver(DriverView {
                record: placed.driver,
                project_pathway: placed.project.pathway_id,
            })
        }
        NodeKind::EventLog => Node::EventLog(EventLogView(events::get_log(db, &caller, id).await?)),
        NodeKind::EventImport => {
            Node::EventImport(EventImportView(events::import(db, &caller, id).await?))
        }
        NodeKind::Observation => {
            Node::Observation(cycles::observation(db, &caller, id).await?.into())
        }
        NodeKind::Token => Node::ApiToken(members::token(db, &caller, id).await?.into()),
        NodeKind::AuditEntry => Node::AuditEntry(
            crate::store::audit::entry_by_id(db, &caller, id)
                .await?
                .into(),
        ),
        NodeKind::WebhookEndpoint => Node::WebhookEndpoint(super::webhooks::WebhookEndpointView(
            crate::store::webhooks::get(db, &caller, id).await?,
        )),
        NodeKind::WebhookDelivery => Node::WebhookDelivery(super::webhooks::WebhookDeliveryView(
            crate::store::webhooks::delivery(db, &caller, id).await?,
        )),
        NodeKind::Simulation => Node::Simulation(super::simulations::SimulationView(
            crate::store::simulations::get(db, &caller, id).await?,
        )),
        NodeKind::Comment => Node::Comment(super::comments::CommentView(
            crate::store::comments::get(db, &caller, id).await?,
        )),
    })
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its id (Relay's object identification). An object the caller may not see
    /// is null with a NOT_FOUND error, exactly like its typed field.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any object's id.")] id: ID,
    ) -> Result<Option<Node>> {
        match find(ctx, parse_id("id", &id)?).await {
            Ok(node) => Ok(Some(node)),
            // async-graphql turns an error into `data: null` for the whole answer whatever the
            // field's nullability; Relay's `node` answers null at the field, with the error.
            Err(error) => {
                ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
                Ok(None)
            }
        }
    }

    /// Several objects by id, in the order asked (at most 100): null where an object does not
    /// exist or the caller may not see it.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The objects' ids, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(crate::Error::invalid("ids", format!("at most {MAX_NODES} ids")).into());
        }
        let mut out = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let id = parse_id(&format!("ids[{i}]"), id)?;
            out.push(find(ctx, id).await.ok());
        }
        Ok(out)
    }
}
