//! Improvement projects, measures, data points and their SPC charts.

use super::organisation::OrganisationView;
use super::{change, db, parse_id};
use crate::store::projects::{self, MeasureRecord, NewProject, ProjectRecord};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use engine::measure::{DataPoint, Measure, PointInput, parse_points};
use engine::spc::chart::{ChartRequest, Preset};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ProjectStatus")]
pub enum ProjectStatus {
    Active,
    Sustaining,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::MemberRole")]
pub enum MemberRole {
    Sponsor,
    Lead,
    Manager,
    Clinician,
    Analyst,
    PatientPartner,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::MeasureKind")]
pub enum MeasureKind {
    Outcome,
    Process,
    Balancing,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ChartType")]
pub enum ChartType {
    Xmr,
    Run,
    P,
    U,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::ImprovementDirection")]
pub enum ImprovementDirection {
    Increase,
    Decrease,
    Neutral,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::PointType")]
pub enum PointType {
    CommonCause,
    SpecialCauseImprovement,
    SpecialCauseConcern,
    SpecialCauseNeutralHigh,
    SpecialCauseNeutralLow,
}

/// Why a point is special (or COMMON_CAUSE).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::rules::Rule")]
pub enum SpcRule {
    AboveUpperLimit,
    BelowLowerLimit,
    TrendIncreasing,
    TrendDecreasing,
    TwoInThreeAbove,
    TwoInThreeBelow,
    ShiftAbove,
    ShiftBelow,
    CommonCause,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::spc::Assurance")]
pub enum Assurance {
    ConsistentPass,
    ConsistentFail,
    Inconsistent,
}

/// Rule presets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SpcPreset {
    /// NHSRplotthedots: trend and shift 7, screening on, two-in-three between 2 and 3 sigma.
    PlotTheDots,
    /// The Making Data Count Excel tool: no screening, two-in-three beyond 2 sigma.
    MdcExcel,
}

/// A team member and their part in the project.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "MemberInput")]
pub struct Member {
    pub name: String,
    pub role: MemberRole,
}

/// An improvement project: an aim, a team and the measures that show whether changes help.
pub struct ProjectView(pub ProjectRecord);

#[Object(name = "ImprovementProject")]
impl ProjectView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What, how much, by when.
    async fn aim(&self) -> &str {
        &self.0.aim
    }
    async fn owner(&self) -> OrganisationView {
        OrganisationView(self.0.owner.clone())
    }
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    /// Send it back as `expectedVersion` when changing the project.
    async fn version(&self) -> i64 {
        self.0.version
    }
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
        let caller = super::caller_of(ctx);
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
            })
            .collect())
    }
    /// The project report: aim, measures with their SPC status, driver diagram, each cycle's
    /// prediction, result, learning and decision, and the team.
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "ReportFormat::Markdown")] format: ReportFormat,
    ) -> Result<String> {
        let caller = super::caller_of(ctx);
        let report = crate::store::reports::project_report(db(ctx)?, &caller, self.0.id).await?;
        Ok(match format {
            ReportFormat::Markdown => engine::report::markdown(&report),
        })
    }
    /// The driver diagram: primary and secondary drivers and change ideas.
    async fn drivers(&self, ctx: &Context<'_>) -> Result<Vec<super::drivers::DriverView>> {
        super::drivers::diagram(ctx, &self.0).await
    }
    /// PDSA cycles, oldest first.
    async fn cycles(&self, ctx: &Context<'_>) -> Result<Vec<super::cycles::CycleView>> {
        let caller = super::caller_of(ctx);
        Ok(crate::store::cycles::list(db(ctx)?, &caller, self.0.id)
            .await?
            .into_iter()
            .map(super::cycles::CycleView)
            .collect())
    }
    async fn measures(&self, ctx: &Context<'_>) -> Result<Vec<MeasureView>> {
        let caller = super::caller_of(ctx);
        Ok(projects::measures(db(ctx)?, &caller, self.0.id)
            .await?
            .into_iter()
            .map(MeasureView)
            .collect())
    }
}

/// Formats of the project report.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ReportFormat {
    Markdown,
}

/// A run chart point.
#[derive(SimpleObject)]
pub struct RunPointView {
    date: NaiveDate,
    value: f64,
    /// −1, 0 or 1: below, on or above the median.
    relative_to_median: i32,
    shift: bool,
    trend: bool,
    /// Marked by the team as obviously different.
    astronomical: bool,
}

/// A run chart read with the IHI rules.
#[derive(SimpleObject)]
pub struct RunChartView {
    median: f64,
    points: Vec<RunPointView>,
    useful_points: usize,
    runs: usize,
    /// Fewer runs than this is a signal (5% two-sided, from the exact runs distribution).
    runs_lower_limit: usize,
    /// More runs than this is a signal.
    runs_upper_limit: usize,
    too_few_runs: bool,
    too_many_runs: bool,
}

/// A PDSA cycle's window on a measure's chart.
#[derive(SimpleObject)]
pub struct CycleWindow {
    cycle_id: ID,
    change_idea: String,
    start: NaiveDate,
    /// Absent while the cycle runs.
    end: Option<NaiveDate>,
}

/// One row of the project summary.
#[derive(SimpleObject)]
pub struct MeasureSummaryView {
    measure_id: ID,
    name: String,
    latest_date: Option<String>,
    latest_value: Option<f64>,
    /// The variation icon of the latest point, e.g. SPECIAL_CAUSE_IMPROVEMENT.
    variation: Option<String>,
    /// The assurance icon against the target, e.g. INCONSISTENT.
    assurance: Option<String>,
    target: Option<f64>,
}

/// One period of a measure.
#[derive(SimpleObject)]
pub struct DataPointView {
    date: NaiveDate,
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    annotation: Option<String>,
}

/// How to draw a chart; leave out what the preset decides.
#[derive(InputObject, Default)]
pub struct SpcOptionsInput {
    pub preset: Option<SpcPreset>,
    /// Limits from the first N points of each group (at least 12).
    pub fix_after_n_points: Option<i32>,
    /// Start a new group (rebase) at these dates, YYYY-MM-DD.
    #[graphql(default)]
    pub rebase_dates: Vec<String>,
    pub screen_outliers: Option<bool>,
    pub trend_length: Option<i32>,
    pub shift_length: Option<i32>,
}

/// A group of an SPC chart (a rebase segment).
#[derive(SimpleObject)]
pub struct SpcGroup {
    mean: f64,
    /// The process limits (for P and U charts they differ per point: see the points).
    lower_limit: Option<f64>,
    upper_limit: Option<f64>,
    first_index: usize,
    n: usize,
    /// Fewer than 13 points: trial limits.
    short_group_warning: bool,
}

/// A point of an SPC chart.
#[derive(SimpleObject)]
pub struct SpcPoint {
    date: NaiveDate,
    value: f64,
    point_type: PointType,
    rule: SpcRule,
    /// The rule as Making Data Count labels it, e.g. "7 Points Below CL".
    rule_label: String,
    lower_limit: f64,
    upper_limit: f64,
}

/// A Making Data Count chart of a measure.
#[derive(SimpleObject)]
pub struct SpcChart {
    chart_type: ChartType,
    groups: Vec<SpcGroup>,
    points: Vec<SpcPoint>,
    /// The point type of the last point (the variation icon).
    variation: Option<PointType>,
    /// With a target and a direction: whether the process will meet it.
    assurance: Option<Assurance>,
}

/// A measure of an improvement project.
pub struct MeasureView(pub MeasureRecord);

/// The engine's chart request from the GraphQL input; errors name the input's field.
fn chart_request(input: &SpcOptionsInput) -> Result<ChartRequest, crate::Error> {
    let count = |field: &str, v: Option<i32>| {
        v.map(|v| usize::try_from(v).map_err(|_| crate::Error::invalid(field, "must be 0 or more")))
            .transpose()
    };
    let rebase_dates = input
        .rebase_dates
        .iter()
        .enumerate()
        .map(|(i, text)| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                crate::Error::invalid(
                    format!("rebaseDates[{i}]"),
                    format!("'{text}' is not a YYYY-MM-DD date"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(ChartRequest {
        preset: match input.preset.unwrap_or(SpcPreset::PlotTheDots) {
            SpcPreset::PlotTheDots => Preset::PlotTheDots,
            SpcPreset::MdcExcel => Preset::MdcExcel,
        },
        screen_outliers: input.screen_outliers,
        fix_after_n_points: count("fixAfterNPoints", input.fix_after_n_points)?,
        trend_length: count("trendLength", input.trend_length)?,
        shift_length: count("shiftLength", input.shift_length)?,
        rebase_dates,
    })
}

#[Object(name = "Measure")]
impl MeasureView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.measure.name
    }
    async fn kind(&self) -> MeasureKind {
        self.0.measure.kind.into()
    }
    /// Where the points come from when they are computed from an event log.
    async fn from_log(&self) -> Option<super::event_logs::LogMeasureSourceView> {
        self.0
            .from_log
            .as_ref()
            .map(super::event_logs::LogMeasureSourceView::new)
    }
    /// Exactly what is counted and how.
    async fn definition(&self) -> &str {
        &self.0.measure.definition
    }
    async fn unit(&self) -> &str {
        &self.0.measure.unit
    }
    async fn direction(&self) -> ImprovementDirection {
        self.0.measure.direction.into()
    }
    async fn target(&self) -> Option<f64> {
        self.0.measure.target
    }
    async fn chart_type(&self) -> ChartType {
        self.0.measure.chart_type.into()
    }
    /// The data, by date.
    async fn points(&self, ctx: &Context<'_>) -> Result<Vec<DataPointView>> {
        let caller = super::caller_of(ctx);
        Ok(projects::points(db(ctx)?, &caller, self.0.id)
            .await?
            .into_iter()
            .map(|p| DataPointView {
                date: p.date,
                value: p.value,
                numerator: p.numerator,
                denominator: p.denominator,
                annotation: p.annotation,
            })
            .collect())
    }
    /// The measure's run chart (IHI rules), from the first `baselinePoints` or all points;
    /// `astronomicalDates` are the points the team marks as obviously different.
    async fn run_chart(
        &self,
        ctx: &Context<'_>,
        baseline_points: Option<i32>,
        #[graphql(default)] astronomical_dates: Vec<String>,
    ) -> Result<RunChartView> {
        let caller = super::caller_of(ctx);
        let points = projects::points(db(ctx)?, &caller, self.0.id).await?;
        let values: Vec<f64> = points.iter().map(DataPoint::charted).collect();
        let mut astronomical = Vec::with_capacity(astronomical_dates.len());
        for (i, text) in astronomical_dates.iter().enumerate() {
            let field = format!("astronomicalDates[{i}]");
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                crate::Error::invalid(field.clone(), format!("'{text}' is not a YYYY-MM-DD date"))
            })?;
            let index = points.iter().position(|p| p.date == date).ok_or_else(|| {
                crate::Error::invalid(field, format!("the measure has no point on {date}"))
            })?;
            astronomical.push(index);
        }
        let options = engine::spc::run_chart::RunChartOptions {
            baseline_points: baseline_points.map(|n| n.max(1) as usize),
            astronomical,
            ..Default::default()
        };
        let chart = engine::spc::run_chart::run_chart(&values, &options)
            .map_err(|e| crate::Error::invalid("baselinePoints", e))?;
        Ok(RunChartView {
            median: chart.median,
            points: chart
                .points
                .iter()
                .zip(&points)
                .map(|(p, d)| RunPointView {
                    date: d.date,
                    value: p.value,
                    relative_to_median: p.relative_to_median.into(),
                    shift: p.shift,
                    trend: p.trend,
                    astronomical: p.astronomical,
                })
                .collect(),
            useful_points: chart.useful_points,
            runs: chart.runs,
            runs_lower_limit: chart.runs_lower_limit,
            runs_upper_limit: chart.runs_upper_limit,
            too_few_runs: chart.too_few_runs,
            too_many_runs: chart.too_many_runs,
        })
    }
    /// The windows of the PDSA cycles that predict something about this measure, to shade on
    /// its chart.
    async fn cycle_windows(&self, ctx: &Context<'_>) -> Result<Vec<CycleWindow>> {
        let caller = super::caller_of(ctx);
        let id = self.0.id.to_string();
        Ok(
            crate::store::cycles::list(db(ctx)?, &caller, self.0.project_id)
                .await?
                .into_iter()
                .filter(|c| c.cycle.predictions.iter().any(|p| p.measure == id))
                .filter_map(|c| {
                    Some(CycleWindow {
                        cycle_id: ID(c.id.to_string()),
                        change_idea: c.change_idea.clone(),
                        start: c.cycle.actual_start.or(c.cycle.planned_start)?,
                        end: c.cycle.actual_end.or(c.cycle.planned_end),
                    })
                })
                .collect(),
        )
    }
    /// The Making Data Count chart as SVG (default options): coloured points, limits, the
    /// target, the project's PDSA cycle windows, and the variation and assurance icons.
    async fn chart_svg(&self, ctx: &Context<'_>) -> Result<String> {
        let caller = super::caller_of(ctx);
        let db = db(ctx)?;
        let points: Vec<DataPoint> = projects::points(db, &caller, self.0.id).await?;
        let m = &self.0.measure;
        let view = engine::spc::chart::chart(m, &points, &ChartRequest::default())
            .map_err(crate::Error::from)?;
        let windows: Vec<engine::render::spc_chart::Window> =
            crate::store::cycles::list(db, &caller, self.0.project_id)
                .await?
                .into_iter()
                .filter_map(|c| {
                    let start = c.cycle.actual_start.or(c.cycle.planned_start)?;
                    let end = c.cycle.actual_end.or(c.cycle.planned_end)?;
                    Some(engine::render::spc_chart::Window {
                        label: c.change_idea.clone(),
                        start,
                        end,
                    })
                })
                .collect();
        Ok(engine::render::spc_chart::chart_svg(
            &m.name, &m.unit, &view, m.target, &windows,
        ))
    }

    /// The measure's SPC chart (XmR, or P/U by its chart type; a RUN measure is drawn as XmR
    /// here), as Making Data Count reads it.
    async fn spc(&self, ctx: &Context<'_>, options: Option<SpcOptionsInput>) -> Result<SpcChart> {
        let caller = super::caller_of(ctx);
        let request = chart_request(&options.unwrap_or_default())?;
        let points: Vec<DataPoint> = projects::points(db(ctx)?, &caller, self.0.id).await?;
        let m = &self.0.measure;
        let view = engine::spc::chart::chart(m, &points, &request).map_err(crate::Error::from)?;
        let chart = SpcChart {
            chart_type: m.chart_type.into(),
            groups: view
                .groups
                .into_iter()
                .map(|g| SpcGroup {
                    mean: g.mean,
                    lower_limit: g.lower_limit,
                    upper_limit: g.upper_limit,
                    first_index: g.first_index,
                    n: g.n,
                    short_group_warning: g.short_group_warning,
                })
                .collect(),
            points: view
                .points
                .into_iter()
                .map(|p| SpcPoint {
                    date: p.date,
                    value: p.value,
                    point_type: p.point_type.into(),
                    rule: p.rule.into(),
                    rule_label: p.rule_label,
                    lower_limit: p.lower_limit,
                    upper_limit: p.upper_limit,
                })
                .collect(),
            variation: view.variation.map(Into::into),
            assurance: view.assurance.map(Into::into),
        };
        Ok(chart)
    }
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// Every improvement project, oldest first.
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<ProjectView>> {
        let caller = super::caller_of(ctx);
        Ok(projects::list(db(ctx)?, &caller)
            .await?
            .into_iter()
            .map(ProjectView)
            .collect())
    }

    async fn project(&self, ctx: &Context<'_>, id: ID) -> Result<ProjectView> {
        let caller = super::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(ProjectView(projects::get(db(ctx)?, &caller, id).await?))
    }

    async fn measure(&self, ctx: &Context<'_>, id: ID) -> Result<MeasureView> {
        let caller = super::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(MeasureView(projects::measure(db(ctx)?, &caller, id).await?))
    }
}

/// A new improvement project.
#[derive(InputObject)]
pub struct CreateProjectInput {
    pub title: String,
    /// What, how much, by when.
    pub aim: String,
    /// ODS code of the owning organisation.
    pub owner: String,
    pub pathway_id: Option<ID>,
    #[graphql(default)]
    pub members: Vec<Member>,
}

/// A new measure of a project.
#[derive(InputObject)]
pub struct AddMeasureInput {
    pub project_id: ID,
    pub expected_version: i64,
    pub name: String,
    pub kind: MeasureKind,
    pub definition: String,
    #[graphql(default)]
    pub unit: String,
    pub direction: ImprovementDirection,
    pub target: Option<f64>,
    #[graphql(default_with = "ChartType::Xmr")]
    pub chart_type: ChartType,
}

/// One period's data.
#[derive(InputObject)]
pub struct DataPointInput {
    /// YYYY-MM-DD: the period.
    pub date: String,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub annotation: Option<String>,
}

#[derive(SimpleObject)]
pub struct MeasurePayload {
    pub(crate) project: ProjectView,
    pub(crate) measure: MeasureView,
}

/// What recording did: sending a period again replaces it, and says so.
#[derive(SimpleObject)]
pub struct RecordDataPointsPayload {
    measure: MeasureView,
    inserted: usize,
    replaced: usize,
}

/// Changes to a project; leave out what stays the same.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    pub id: ID,
    pub expected_version: i64,
    pub title: Option<String>,
    pub aim: Option<String>,
    pub status: Option<ProjectStatus>,
}

/// Changes to a measure; leave out what stays the same (`null` clears the target).
#[derive(InputObject)]
pub struct UpdateMeasureInput {
    pub id: ID,
    /// The project's version.
    pub expected_version: i64,
    pub name: Option<String>,
    pub kind: Option<MeasureKind>,
    pub definition: Option<String>,
    pub unit: Option<String>,
    pub direction: Option<ImprovementDirection>,
    pub target: async_graphql::MaybeUndefined<f64>,
    pub chart_type: Option<ChartType>,
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates an improvement project with its team.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> Result<ProjectView> {
        let mut errors = engine::InputErrors::default();
        let title = errors.check("title", engine::values::parse_text(&input.title, 200));
        let aim = errors.check("aim", engine::values::parse_text(&input.aim, 10_000));
        let owner = errors.check("owner", engine::OdsCode::parse(&input.owner));
        let mut members = Vec::new();
        for (i, m) in input.members.iter().enumerate() {
            if let Some(name) = errors.check(
                &format!("members[{i}].name"),
                engine::values::parse_text(&m.name, 200),
            ) {
                members.push((name, m.role.into()));
            }
        }
        let pathway_id = input
            .pathway_id
            .as_ref()
            .map(|id| parse_id("pathwayId", id))
            .transpose()?;
        let (Some(title), Some(aim), Some(owner)) = (title, aim, owner) else {
            return Err(crate::Error::Validation(errors).into());
        };
        if !errors.is_empty() {
            return Err(crate::Error::Validation(errors).into());
        }
        let record = projects::create(
            db(ctx)?,
            &change(ctx),
            NewProject {
                title,
                aim,
                owner,
                pathway_id,
                members,
            },
        )
        .await?;
        Ok(ProjectView(record))
    }

    /// Changes a project's title, aim or status.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectInput,
    ) -> Result<ProjectView> {
        let id = parse_id("id", &input.id)?;
        let mut errors = engine::InputErrors::default();
        let title = input
            .title
            .map(|t| errors.check("title", engine::values::parse_text(&t, 200)))
            .unwrap_or(None);
        let aim = input
            .aim
            .map(|a| errors.check("aim", engine::values::parse_text(&a, 10_000)))
            .unwrap_or(None);
        if !errors.is_empty() {
            return Err(crate::Error::Validation(errors).into());
        }
        let patch = projects::ProjectPatch {
            title,
            aim,
            status: input.status.map(Into::into),
        };
        Ok(ProjectView(
            projects::update(db(ctx)?, &change(ctx), id, input.expected_version, patch).await?,
        ))
    }

    /// Changes a measure (`expectedVersion` is the project's).
    async fn update_measure(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeasureInput,
    ) -> Result<MeasureView> {
        let id = parse_id("id", &input.id)?;
        let record =
            projects::update_measure(db(ctx)?, &change(ctx), id, input.expected_version, |m| {
                let target = match input.target {
                    async_graphql::MaybeUndefined::Undefined => m.target,
                    async_graphql::MaybeUndefined::Null => None,
                    async_graphql::MaybeUndefined::Value(t) => Some(t),
                };
                Measure::parse(
                    input.name.as_deref().unwrap_or(&m.name),
                    input.kind.map_or(m.kind, Into::into),
                    input.definition.as_deref().unwrap_or(&m.definition),
                    input.unit.as_deref().unwrap_or(&m.unit),
                    input.direction.map_or(m.direction, Into::into),
                    target,
                    input.chart_type.map_or(m.chart_type, Into::into),
                )
            })
            .await?;
        Ok(MeasureView(record))
    }

    /// Adds a measure to a project (`expectedVersion` is the project's).
    async fn add_measure(
        &self,
        ctx: &Context<'_>,
        input: AddMeasureInput,
    ) -> Result<MeasurePayload> {
        let caller = super::caller_of(ctx);
        let project_id = parse_id("projectId", &input.project_id)?;
        let measure = Measure::parse(
            &input.name,
            input.kind.into(),
            &input.definition,
            &input.unit,
            input.direction.into(),
            input.target,
            input.chart_type.into(),
        )
        .map_err(crate::Error::from)?;
        let db = db(ctx)?;
        let (project, id) = projects::add_measure(
            db,
            &change(ctx),
            project_id,
            input.expected_version,
            measure,
            None,
        )
        .await?;
        let measure = projects::measure(db, &caller, id).await?;
        Ok(MeasurePayload {
            project: ProjectView(project),
            measure: MeasureView(measure),
        })
    }

    /// Records data points (at most 10,000 a call). Re-sending a date replaces its point. Bad
    /// dates, non-finite numbers, a zero denominator or a date twice in one request are
    /// `VALIDATION` errors naming the row, and nothing is stored.
    async fn record_data_points(
        &self,
        ctx: &Context<'_>,
        measure_id: ID,
        points: Vec<DataPointInput>,
    ) -> Result<RecordDataPointsPayload> {
        let caller = super::caller_of(ctx);
        let measure_id = parse_id("measureId", &measure_id)?;
        let db = db(ctx)?;
        let measure = projects::measure(db, &caller, measure_id).await?;
        let inputs: Vec<PointInput> = points
            .into_iter()
            .map(|p| PointInput {
                date: p.date,
                value: p.value,
                numerator: p.numerator,
                denominator: p.denominator,
                annotation: p.annotation,
            })
            .collect();
        let checked =
            parse_points(measure.measure.chart_type, &inputs).map_err(crate::Error::from)?;
        let recorded = projects::record_points(db, &change(ctx), measure_id, checked).await?;
        Ok(RecordDataPointsPayload {
            measure: MeasureView(measure),
            inserted: recorded.inserted,
            replaced: recorded.replaced,
        })
    }
}
