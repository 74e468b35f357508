//! Creating and changing improvement projects, their measures and data points.

use super::context::{change, db, parse_id};
use super::enums::*;
use super::measures::*;
use super::projects::{Member, ProjectView};
use crate::store::projects::{self, NewProject};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use engine::measure::{Measure, PointInput, parse_points};

/// A new improvement project.
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// The project's title.
    pub title: String,
    /// What, how much, by when.
    pub aim: String,
    /// The owning organisation: its ODS code or its id.
    pub owner: String,
    /// The pathway the project improves (its id); null for a project without one.
    pub pathway_id: Option<ID>,
    /// The team and their parts, credited in reports.
    #[graphql(default)]
    pub members: Vec<Member>,
}

/// A new measure of a project.
#[derive(InputObject)]
pub struct AddMeasureInput {
    /// The improvement project (its id).
    pub project_id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// The measure's name, as a board would read it.
    pub name: String,
    /// OUTCOME (what matters to patients), PROCESS (what the change acts on) or BALANCING (what
    /// could get worse).
    pub kind: MeasureKind,
    /// How it is measured: what is counted, from where, and what is left out (the operational
    /// definition).
    pub definition: String,
    /// The unit of its values, shown with them (minutes, patients); empty for none. `%` means
    /// the values are proportions from 0 to 1, shown as percentages (as a P chart's are).
    #[graphql(default)]
    pub unit: String,
    /// Which way is better: INCREASE, DECREASE, or NEUTRAL when neither.
    pub direction: ImprovementDirection,
    /// The target in the measure's unit (for a `%` or P chart measure a proportion: 90% is 0.9);
    /// null for none. SPC assurance compares the limits with it.
    pub target: Option<f64>,
    /// How its SPC chart is drawn: XMR for values, P for proportions (numerator and denominator), U
    /// for rates, RUN for a run chart only.
    #[graphql(default_with = "ChartType::Xmr")]
    pub chart_type: ChartType,
}

/// One period's data.
#[derive(InputObject)]
pub struct DataPointInput {
    /// YYYY-MM-DD: the period.
    pub date: String,
    /// The value, for XmR and run charts (within ±10^12; for a `%` measure a proportion from 0
    /// to 1); leave out for P and U charts.
    pub value: Option<f64>,
    /// For P and U charts: the count (0 or more).
    pub numerator: Option<f64>,
    /// For P and U charts: what the numerator is out of (more than 0).
    pub denominator: Option<f64>,
    /// A note on the point; null for none.
    pub annotation: Option<String>,
}

/// A measure added, with its project.
#[derive(SimpleObject)]
pub struct MeasurePayload {
    /// The project, with its new version.
    pub(crate) project: ProjectView,
    /// The measure.
    pub(crate) measure: MeasureView,
}

/// What recording did: sending a period again replaces it, and says so.
#[derive(SimpleObject)]
pub struct RecordDataPointsPayload {
    /// The measure, with its points.
    measure: MeasureView,
    /// Points for dates the measure did not have.
    inserted: usize,
    /// Points for dates it had: the new value corrected the old (which is kept, withdrawn).
    replaced: usize,
}

/// What retracting points did.
#[derive(SimpleObject)]
pub struct RetractDataPointsPayload {
    /// The measure, without the retracted points.
    measure: MeasureView,
    /// Points withdrawn.
    retracted: usize,
}

/// Changes to a project; leave out what stays the same.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project (its id).
    pub id: ID,
    /// The `version` you last read: if someone changed the record since, the change is refused with
    /// `CONFLICT` and nothing is saved.
    pub expected_version: i64,
    /// The new title; null leaves it.
    pub title: Option<String>,
    /// The new aim (what, how much, by when); null leaves it.
    pub aim: Option<String>,
    /// ACTIVE or SUSTAINING (close a project with `closeProject`); null leaves it.
    pub status: Option<ProjectStatus>,
}

/// A new baseline on a measure's charts from one of its points on.
#[derive(InputObject)]
pub struct AddRebaseInput {
    /// The measure (its id).
    pub measure_id: ID,
    /// The project's version.
    pub expected_version: i64,
    /// The date of the point the new baseline starts at (not the first point).
    pub date: chrono::NaiveDate,
    /// Why the process is a new one from here: shown on the measure and kept in the audit trail.
    pub reason: String,
}

/// Changes to a measure; leave out what stays the same (`null` clears the target).
#[derive(InputObject)]
pub struct UpdateMeasureInput {
    /// The measure (its id).
    pub id: ID,
    /// The project's version.
    pub expected_version: i64,
    /// The new name; null leaves it.
    pub name: Option<String>,
    /// The new kind; null leaves it.
    pub kind: Option<MeasureKind>,
    /// The new definition; null leaves it.
    pub definition: Option<String>,
    /// The new unit; null leaves it.
    pub unit: Option<String>,
    /// The new direction; null leaves it.
    pub direction: Option<ImprovementDirection>,
    /// The new target; null clears it (leave it out to keep it).
    pub target: async_graphql::MaybeUndefined<f64>,
    /// The new chart type; one its points cannot be drawn with is refused. Null leaves it.
    pub chart_type: Option<ChartType>,
    /// The rule set its charts follow; null leaves it.
    pub rule_preset: Option<SpcPreset>,
    /// Fix its limits from its first N points (12 or more); null uses every point again (leave
    /// it out to keep it).
    pub baseline_points: async_graphql::MaybeUndefined<i64>,
}

/// The team's names checked (each `members[i].name` is named when wrong), with their roles.
fn check_members(
    errors: &mut engine::InputErrors,
    members: &[Member],
) -> Vec<(String, engine::MemberRole)> {
    const MAX_MEMBERS: usize = 100;
    if members.len() > MAX_MEMBERS {
        errors.push(
            "members",
            format!("at most {MAX_MEMBERS} members, not {}", members.len()),
        );
        return Vec::new();
    }
    members
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            errors
                .check(
                    &format!("members[{i}].name"),
                    engine::values::parse_text(&m.name, 200),
                )
                .map(|name| (name, m.role.into()))
        })
        .collect()
}

fn checked_members(members: &[Member]) -> Result<Vec<(String, engine::MemberRole)>> {
    let mut errors = engine::InputErrors::default();
    let checked = check_members(&mut errors, members);
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(crate::Error::Validation(errors).into())
    }
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates an improvement project with its team.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: CreateProjectInput,
    ) -> Result<ProjectView> {
        let mut errors = engine::InputErrors::default();
        let title = errors.check("title", engine::values::parse_text(&input.title, 200));
        let aim = errors.check("aim", engine::values::parse_text(&input.aim, 10_000));
        let owner_code = super::context::organisation_code(ctx, "owner", &input.owner).await?;
        let owner = errors.check("owner", engine::OdsCode::parse(&owner_code));
        let members = check_members(&mut errors, &input.members);
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
        #[graphql(desc = "What to create or change (see the input type for each field).")]
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

    /// Closes a project, recording who, when and why (`reopenProject` undoes it). Its records
    /// stay readable.
    async fn close_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project to close (its id).")] project_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<ProjectView> {
        let id = parse_id("projectId", &project_id)?;
        Ok(ProjectView(
            projects::close(db(ctx)?, &change(ctx), id, expected_version, &reason).await?,
        ))
    }

    /// Reopens a closed project as ACTIVE.
    async fn reopen_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The CLOSED project to reopen (its id).")] project_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
    ) -> Result<ProjectView> {
        let id = parse_id("projectId", &project_id)?;
        Ok(ProjectView(
            projects::reopen(db(ctx)?, &change(ctx), id, expected_version).await?,
        ))
    }

    /// Sets the project's team: the members given, in order, with their roles. Adds, removes
    /// and changes roles in one step; the audit trail keeps the team before and after.
    async fn set_project_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project (its id).")] project_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(desc = "The whole team, replacing the one before.")] members: Vec<Member>,
    ) -> Result<ProjectView> {
        let id = parse_id("projectId", &project_id)?;
        let members = checked_members(&members)?;
        Ok(ProjectView(
            projects::set_team(db(ctx)?, &change(ctx), id, expected_version, members).await?,
        ))
    }

    /// Starts a new baseline on a measure's charts at one of its points, with the reason
    /// (`expectedVersion` is the project's). Every chart, summary and report of the measure uses
    /// it; `Measure.spc(options: {rebaseDates})` can still draw others for a look.
    async fn add_rebase(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure, the point's date and the reason.")] input: AddRebaseInput,
    ) -> Result<MeasureView> {
        let id = parse_id("measureId", &input.measure_id)?;
        let request = change(ctx);
        let (by, at) = (request.caller.name().to_string(), chrono::Utc::now());
        let record = crate::store::measures::change_rebases(
            db(ctx)?,
            &request,
            id,
            input.expected_version,
            |rebases, dates| {
                engine::rebase::add(rebases, dates, input.date, &input.reason, &by, at)
            },
        )
        .await?;
        Ok(MeasureView(record))
    }

    /// Takes out the rebase at `date` (a correction: the chart is one group there again); the
    /// audit trail keeps it (`expectedVersion` is the project's).
    async fn remove_rebase(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure (its id).")] measure_id: ID,
        #[graphql(desc = "The project's version.")] expected_version: i64,
        #[graphql(desc = "The date of the rebase to take out.")] date: chrono::NaiveDate,
    ) -> Result<MeasureView> {
        let id = parse_id("measureId", &measure_id)?;
        let record = crate::store::measures::change_rebases(
            db(ctx)?,
            &change(ctx),
            id,
            expected_version,
            |rebases, _| engine::rebase::remove(rebases, date),
        )
        .await?;
        Ok(MeasureView(record))
    }

    /// Changes a measure (`expectedVersion` is the project's).
    async fn update_measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: UpdateMeasureInput,
    ) -> Result<MeasureView> {
        let id = parse_id("id", &input.id)?;
        let record = crate::store::measures::update_measure(
            db(ctx)?,
            &change(ctx),
            id,
            input.expected_version,
            |m, settings| {
                let target = match input.target {
                    async_graphql::MaybeUndefined::Undefined => m.target,
                    async_graphql::MaybeUndefined::Null => None,
                    async_graphql::MaybeUndefined::Value(t) => Some(t),
                };
                let settings = engine::spc::chart::ChartSettings {
                    preset: input.rule_preset.map_or(settings.preset, |p| p.into()),
                    ..settings
                };
                let settings = match input.baseline_points {
                    async_graphql::MaybeUndefined::Undefined => settings,
                    async_graphql::MaybeUndefined::Null => settings.with_baseline(None)?,
                    async_graphql::MaybeUndefined::Value(n) => settings.with_baseline(Some(n))?,
                };
                let measure = Measure::parse(
                    input.name.as_deref().unwrap_or(&m.name),
                    input.kind.map_or(m.kind, Into::into),
                    input.definition.as_deref().unwrap_or(&m.definition),
                    input.unit.as_deref().unwrap_or(&m.unit),
                    input.direction.map_or(m.direction, Into::into),
                    target,
                    input.chart_type.map_or(m.chart_type, Into::into),
                )?;
                Ok((measure, settings))
            },
        )
        .await?;
        Ok(MeasureView(record))
    }

    /// Adds a measure to a project (`expectedVersion` is the project's).
    async fn add_measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: AddMeasureInput,
    ) -> Result<MeasurePayload> {
        let caller = super::context::caller_of(ctx);
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
        let (project, id) = crate::store::measures::add_measure(
            db,
            &change(ctx),
            project_id,
            input.expected_version,
            measure,
            None,
            false,
        )
        .await?;
        let measure = crate::store::measures::measure(db, &caller, id).await?;
        Ok(MeasurePayload {
            project: ProjectView(project),
            measure: MeasureView(measure),
        })
    }

    /// Records data points (at most 10,000 a call). Re-sending a date replaces its point. Bad
    /// dates, non-finite numbers, a zero denominator, a date twice in one request or more than 31
    /// days after today (unless `allowFuture`) are `VALIDATION` errors naming the row, and
    /// nothing is stored. A measure computed from an event log takes no points by hand.
    async fn record_data_points(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure (its id).")] measure_id: ID,
        #[graphql(
            desc = "The points, at most 10,000: a date already recorded is corrected (the old value kept, withdrawn)."
        )]
        points: Vec<DataPointInput>,
        #[graphql(default = false, desc = "Accept points dated more than 31 days ahead.")]
        allow_future: bool,
    ) -> Result<RecordDataPointsPayload> {
        let caller = super::context::caller_of(ctx);
        let measure_id = parse_id("measureId", &measure_id)?;
        let db = db(ctx)?;
        let measure = crate::store::measures::measure(db, &caller, measure_id).await?;
        let latest = (!allow_future)
            .then(|| super::context::request(ctx).started_at.date_naive() + chrono::Days::new(31));
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
        let checked = parse_points(measure.measure.chart_type, &inputs, latest)
            .map_err(crate::Error::from)?;
        measure
            .measure
            .check_proportions(&checked)
            .map_err(crate::Error::from)?;
        let recorded =
            crate::store::measures::record_points(db, &change(ctx), measure_id, checked).await?;
        Ok(RecordDataPointsPayload {
            measure: MeasureView(measure),
            inserted: recorded.inserted,
            replaced: recorded.replaced,
        })
    }

    /// Withdraws the measure's points on `dates` (YYYY-MM-DD) for `reason`: they stay in the
    /// history (`points(includeWithdrawn: true)`, with who, when and why) but leave every chart,
    /// summary and report. A date without a current point is a `VALIDATION` error naming it
    /// (`dates[1]`), and nothing changes.
    async fn retract_data_points(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure (its id).")] measure_id: ID,
        #[graphql(desc = "The dates of the points to retract (YYYY-MM-DD).")] dates: Vec<String>,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<RetractDataPointsPayload> {
        let caller = super::context::caller_of(ctx);
        let measure_id = parse_id("measureId", &measure_id)?;
        if dates.len() > engine::measure::MAX_POINTS_PER_REQUEST {
            return Err(crate::Error::invalid(
                "dates",
                format!(
                    "at most {} dates a request",
                    engine::measure::MAX_POINTS_PER_REQUEST
                ),
            )
            .into());
        }
        let mut errors = engine::InputErrors::default();
        let parsed: Vec<chrono::NaiveDate> = dates
            .iter()
            .enumerate()
            .filter_map(|(i, d)| errors.check(&format!("dates[{i}]"), parse_date(d)))
            .collect();
        if !errors.is_empty() {
            return Err(crate::Error::Validation(errors).into());
        }
        let db = db(ctx)?;
        let retracted =
            crate::store::measures::retract_points(db, &change(ctx), measure_id, &parsed, &reason)
                .await?;
        let measure = crate::store::measures::measure(db, &caller, measure_id).await?;
        Ok(RetractDataPointsPayload {
            measure: MeasureView(measure),
            retracted,
        })
    }

    /// Moves a point entered under the wrong date: the point on `date` is withdrawn with
    /// `reason` (kept in the history) and its values are recorded on `to`, which must have no
    /// current point.
    async fn move_data_point(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure (its id).")] measure_id: ID,
        #[graphql(desc = "The date of the point to move (YYYY-MM-DD).")] date: String,
        #[graphql(desc = "The date it belongs to (YYYY-MM-DD); a point already there is refused.")]
        to: String,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<MeasureView> {
        let caller = super::context::caller_of(ctx);
        let measure_id = parse_id("measureId", &measure_id)?;
        let mut errors = engine::InputErrors::default();
        let from = errors.check("date", parse_date(&date));
        let to = errors.check("to", parse_date(&to));
        let (Some(from), Some(to)) = (from, to) else {
            return Err(crate::Error::Validation(errors).into());
        };
        let db = db(ctx)?;
        crate::store::measures::move_point(db, &change(ctx), measure_id, from, to, &reason).await?;
        Ok(MeasureView(
            crate::store::measures::measure(db, &caller, measure_id).await?,
        ))
    }

    /// Withdraws a measure (`expectedVersion` is the project's): it leaves the project's charts,
    /// summary and report, and stays in `measures(includeWithdrawn: true)` with who withdrew it,
    /// when and why.
    async fn withdraw_measure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The measure to withdraw (its id).")] measure_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<MeasureView> {
        let measure_id = parse_id("measureId", &measure_id)?;
        Ok(MeasureView(
            crate::store::measures::withdraw_measure(
                db(ctx)?,
                &change(ctx),
                measure_id,
                expected_version,
                &reason,
            )
            .await?,
        ))
    }
}

/// A YYYY-MM-DD date.
fn parse_date(d: &str) -> std::result::Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{d}' is not a YYYY-MM-DD date"))
}
