//! Improvement projects, measures, data points and their SPC charts.

use super::context::{db, parse_id};
use super::enums::*;
use super::measures::*;
use super::organisation::OrganisationView;
use crate::store::projects::{self, ProjectRecord};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

/// A team member and their part in the project.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "MemberInput")]
pub struct Member {
    /// The member's name.
    /// The member's name.
    pub name: String,
    /// Their part in the project.
    /// Their part in the project.
    pub role: MemberRole,
}

/// An improvement project: an aim, a team and the measures that show whether changes help.
pub struct ProjectView(pub ProjectRecord);

/// An improvement project: an aim, a team, a driver diagram, measures and the PDSA cycles that test
/// its change ideas.
#[Object(name = "ImprovementProject")]
impl ProjectView {
    /// Its id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What, how much, by when.
    async fn aim(&self) -> &str {
        &self.0.aim
    }
    /// The organisation that owns it.
    async fn owner(&self) -> OrganisationView {
        OrganisationView(self.0.owner.clone())
    }
    /// ACTIVE, SUSTAINING or CLOSED.
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    /// Who closed the project, when and why, while it is CLOSED.
    async fn closure(&self) -> Option<super::withdrawal::Withdrawal> {
        self.0.closure.clone().map(Into::into)
    }
    /// Send it back as `expectedVersion` when changing the project.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// The pathway it improves (its id); null for none.
    async fn pathway_id(&self) -> Option<ID> {
        self.0.pathway_id.map(|id| ID(id.to_string()))
    }
    /// Everyone who contributes, with their role.
    async fn members(&self) -> Vec<Member> {
        self.0
            .members
            .iter()
            .map(|(name, role)| Member {
                name: name.clone(),
                role: (*role).into(),
            })
            .collect()
    }
    /// One row per measure with its latest value, variation and assurance: the board's icon
    /// table, as data.
    async fn summary(&self, ctx: &Context<'_>) -> Result<Vec<MeasureSummaryView>> {
        let caller = super::context::caller_of(ctx);
        Ok(crate::store::reports::summary(db(ctx)?, &caller, self.0.id)
            .await?
            .into_iter()
            .map(|m| MeasureSummaryView {
                measure_id: ID(m.measure_id.to_string()),
                name: m.line.name,
                latest_date: m.line.latest.as_ref().map(|(d, _)| d.clone()),
                latest_value: m.line.latest.map(|(_, v)| v),
                variation: m.line.variation,
                assurance: m.line.assurance,
                target: m.line.target,
                chart_problem: m.line.chart_problem,
                run_signals: m.line.run_signals,
            })
            .collect())
    }
    /// The project report: aim, measures with their SPC status, driver diagram, each cycle's
    /// prediction, result, learning and decision, and the team.
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "ReportFormat::Markdown", desc = "The report's format.")]
        format: ReportFormat,
    ) -> Result<String> {
        let caller = super::context::caller_of(ctx);
        let report = crate::store::reports::project_report(db(ctx)?, &caller, self.0.id).await?;
        Ok(match format {
            ReportFormat::Markdown => engine::report::markdown(&report),
            ReportFormat::Html => engine::report::html::html(&report),
        })
    }
    /// The driver diagram: primary and secondary drivers and change ideas.
    async fn drivers(&self, ctx: &Context<'_>) -> Result<Vec<super::drivers::DriverView>> {
        super::drivers::diagram(ctx, &self.0).await
    }
    /// PDSA cycles, oldest first.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn cycles(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<super::cycles::CycleView>> {
        let cycles = match ctx.data_opt::<DataLoader<ProjectChildren>>() {
            Some(loader) => loader.load_one(CyclesOf(self.0.id)).await?,
            None => Some(
                crate::store::cycles::list(db(ctx)?, &super::context::caller_of(ctx), self.0.id)
                    .await?,
            ),
        };
        Ok(super::paging::page_of(
            cycles.unwrap_or_default(),
            super::paging::Paging::new(first, after, last, before),
            |c| c.id.to_string(),
            super::cycles::CycleView,
        )?)
    }
    /// The organisations the project is shared with (for members of its owner; empty for
    /// others).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn shares(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<super::access::ShareView>> {
        super::access::shares_of(
            ctx,
            crate::store::access::PROJECT,
            self.0.id,
            super::paging::Paging::new(first, after, last, before),
        )
        .await
    }
    /// The project's measures in the order they were added; withdrawn ones only with
    /// `includeWithdrawn` (each then says who withdrew it, when and why).
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn measures(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Also the measures withdrawn from the project.")]
        include_withdrawn: bool,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<MeasureView>> {
        let measures = match ctx.data_opt::<DataLoader<ProjectChildren>>() {
            Some(loader) if !include_withdrawn => loader.load_one(MeasuresOf(self.0.id)).await?,
            _ => Some(
                crate::store::measures::measures(
                    db(ctx)?,
                    &super::context::caller_of(ctx),
                    self.0.id,
                    include_withdrawn,
                )
                .await?,
            ),
        };
        Ok(super::paging::page_of(
            measures.unwrap_or_default(),
            super::paging::Paging::new(first, after, last, before),
            |m| m.id.to_string(),
            MeasureView,
        )?)
    }
}

/// Loads the cycles and the measures of many projects in one round of statements, for the
/// caller of one request (so a list of projects with their cycles is not two queries a project).
pub struct ProjectChildren {
    db: sea_orm::DatabaseConnection,
    caller: crate::caller::Caller,
}

impl ProjectChildren {
    pub fn new(db: sea_orm::DatabaseConnection, caller: crate::caller::Caller) -> Self {
        Self { db, caller }
    }
}

/// The cycles of a project (a loader key).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CyclesOf(uuid::Uuid);

/// The measures of a project (a loader key).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeasuresOf(uuid::Uuid);

impl Loader<CyclesOf> for ProjectChildren {
    type Value = Vec<crate::store::cycles::CycleRecord>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[CyclesOf],
    ) -> Result<std::collections::HashMap<CyclesOf, Self::Value>, Self::Error> {
        let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
        Ok(
            crate::store::cycles::of_projects(&self.db, &self.caller, &ids)
                .await?
                .into_iter()
                .map(|(id, v)| (CyclesOf(id), v))
                .collect(),
        )
    }
}

impl Loader<MeasuresOf> for ProjectChildren {
    type Value = Vec<crate::store::projects::MeasureRecord>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[MeasuresOf],
    ) -> Result<std::collections::HashMap<MeasuresOf, Self::Value>, Self::Error> {
        let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
        Ok(
            crate::store::measures::of_projects(&self.db, &self.caller, &ids)
                .await?
                .into_iter()
                .map(|(id, v)| (MeasuresOf(id), v))
                .collect(),
        )
    }
}

/// Formats of the project report.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ReportFormat {
    /// Markdown, for a board paper or a wiki.
    Markdown,
    /// One self-contained HTML page (charts inline as SVG, nothing fetched), printable to A4.
    Html,
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// Every improvement project, oldest first.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<ProjectView>> {
        let caller = super::context::caller_of(ctx);
        Ok(super::paging::page_of(
            projects::list(db(ctx)?, &caller).await?,
            super::paging::Paging::new(first, after, last, before),
            |p| p.id.to_string(),
            ProjectView,
        )?)
    }

    /// One improvement project by id.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] id: ID,
    ) -> Result<ProjectView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(ProjectView(projects::get(db(ctx)?, &caller, id).await?))
    }

    /// One measure by id.
    async fn measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure's id.")] id: ID,
    ) -> Result<MeasureView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(MeasureView(
            crate::store::measures::measure(db(ctx)?, &caller, id).await?,
        ))
    }
}

/// One row of the project summary.
#[derive(SimpleObject)]
pub struct MeasureSummaryView {
    /// The measure (its id).
    measure_id: ID,
    /// The measure's name.
    name: String,
    /// The date of its latest point; null when it has none.
    latest_date: Option<String>,
    /// Its latest value; null when it has none.
    latest_value: Option<f64>,
    /// The variation icon of the latest point, e.g. SPECIAL_CAUSE_IMPROVEMENT.
    variation: Option<String>,
    /// The assurance icon against the target, e.g. INCONSISTENT.
    assurance: Option<String>,
    /// Its target; null for none.
    target: Option<f64>,
    /// Why its chart cannot be drawn (the icons are then null); null when it can.
    chart_problem: Option<String>,
    /// For a RUN measure (no SPC icons): what its run chart's rules find, e.g. "run chart: a
    /// shift"; null for other chart types.
    run_signals: Option<String>,
}
