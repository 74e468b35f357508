//! Measures of improvement projects: their points, SPC and run charts, pictures, and where a
//! measure computed from an event log comes from.

use super::context::db;
use super::enums::*;
use crate::store;
use crate::store::projects::MeasureRecord;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use engine::measure::DataPoint;
use engine::spc::chart::ChartRequest;

/// A run chart point.
#[derive(SimpleObject)]
pub struct RunPointView {
    /// The date of the period.
    date: NaiveDate,
    /// Its value.
    value: f64,
    /// −1, 0 or 1: below, on or above the median.
    relative_to_median: i32,
    /// Part of a shift (6 or more points in a row on one side of the median).
    shift: bool,
    /// Part of a trend (5 or more points in a row going one way).
    trend: bool,
    /// Marked by the team as obviously different.
    astronomical: bool,
}

/// A run chart read with the IHI rules.
#[derive(SimpleObject)]
pub struct RunChartView {
    /// The centre line: the median of the baseline points.
    median: f64,
    /// Each point, with whether it is part of a shift or a trend.
    points: Vec<RunPointView>,
    /// Points not on the median, which the runs rules count.
    useful_points: usize,
    /// Runs: series of points on one side of the median.
    runs: usize,
    /// Fewer runs than this is a signal (5% two-sided, from the exact runs distribution).
    runs_lower_limit: usize,
    /// More runs than this is a signal.
    runs_upper_limit: usize,
    /// Fewer runs than chance allows: a signal of non-random variation.
    too_few_runs: bool,
    /// More runs than chance allows: a signal of non-random variation.
    too_many_runs: bool,
}

/// A PDSA cycle's window on a measure's chart.
#[derive(SimpleObject)]
pub struct CycleWindow {
    /// The cycle (its id).
    cycle_id: ID,
    /// The change idea the cycle tests.
    change_idea: String,
    /// When the test started (its DO date).
    start: NaiveDate,
    /// Absent while the cycle runs.
    end: Option<NaiveDate>,
}

/// One period of a measure.
#[derive(SimpleObject)]
#[graphql(name = "DataPoint")]
pub struct DataPointView {
    /// The date the period starts.
    date: NaiveDate,
    /// The value as recorded; null when the point was recorded as a numerator and denominator (P
    /// and U charts).
    value: Option<f64>,
    /// For P and U charts: the count; null otherwise.
    numerator: Option<f64>,
    /// For P and U charts: what the numerator is out of; null otherwise.
    denominator: Option<f64>,
    /// A note on the point (a change, an event that explains it); null for none.
    annotation: Option<String>,
    /// When the point was retracted or replaced by a correction (only with
    /// `includeWithdrawn`); absent while it is current.
    withdrawn_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who withdrew it.
    withdrawn_by: Option<String>,
    /// Why: the reason given to `retractDataPoints`, or "corrected by a new value".
    withdrawal_reason: Option<String>,
}

impl From<DataPoint> for DataPointView {
    fn from(p: DataPoint) -> Self {
        Self {
            date: p.date,
            value: p.value,
            numerator: p.numerator,
            denominator: p.denominator,
            annotation: p.annotation,
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawal_reason: None,
        }
    }
}

/// How to draw a chart; leave out what the preset decides.
#[derive(InputObject, Default)]
pub struct SpcOptionsInput {
    /// The rule set to start from; the measure's own (`Measure.rulePreset`) when null.
    pub preset: Option<SpcPreset>,
    /// Limits from the first N points of each group (at least 12); the measure's own
    /// (`Measure.baselinePoints`) when null.
    pub fix_after_n_points: Option<i32>,
    /// Start a new group (rebase) at these dates, YYYY-MM-DD, instead of at the measure's own
    /// rebases (`Measure.rebases`); null keeps the measure's own, an empty list draws one group.
    pub rebase_dates: Option<Vec<String>>,
    /// Leave moving ranges above the upper range limit out of the limits (as NHSRplotthedots does).
    pub screen_outliers: Option<bool>,
    /// Points in a row going one way that make a trend (5 to 12).
    pub trend_length: Option<i32>,
    /// Points in a row on one side of the mean that make a shift (5 to 12).
    pub shift_length: Option<i32>,
}

/// A new baseline on a measure's charts from a point on, with the team's reason.
pub struct RebaseView(engine::rebase::Rebase);

/// A new baseline on a measure's charts from a point on, with the team's reason.
#[Object(name = "Rebase")]
impl RebaseView {
    /// The date of the point the new baseline starts at.
    async fn date(&self) -> NaiveDate {
        self.0.date
    }
    /// Why the process is a new one from here (the change adopted, the counting changed).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Who recorded it.
    async fn by(&self) -> &str {
        &self.0.by
    }
    /// When it was recorded.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.at
    }
}

/// How long a change of a given size takes to show on a measure's chart.
#[derive(SimpleObject)]
pub struct TimeToSignalView {
    /// The mean of the chart's latest group, the baseline the change is measured from.
    baseline_mean: f64,
    /// The change asked about, in the measure's units (its sign is the direction watched).
    change: f64,
    /// The baseline's variation σ (mean moving range / 1.128), from its latest limits.
    sigma: f64,
    /// The change in σ.
    change_sigmas: f64,
    /// The mean number of new points until the chart first flags a special cause in the
    /// change's direction (seeded simulation of 20,000 runs).
    expected_points: f64,
    /// The 95% interval of that mean, [low, high].
    ci95: Vec<f64>,
    /// 9 times in 10 the chart has flagged it by this many points.
    p90_points: usize,
    /// The median days between the measure's points (7 for a weekly measure).
    days_between_points: Option<i64>,
    /// `expectedPoints` in weeks, for a weekly measure; null otherwise.
    expected_weeks: Option<f64>,
}

impl From<engine::spc::time_to_signal::MeasureSignalTime> for TimeToSignalView {
    fn from(found: engine::spc::time_to_signal::MeasureSignalTime) -> Self {
        Self {
            baseline_mean: found.baseline_mean,
            change: found.change,
            sigma: found.sigma,
            change_sigmas: found.change_sigmas,
            expected_points: found.time.expected_points,
            ci95: found.time.ci95.to_vec(),
            p90_points: found.time.p90_points,
            days_between_points: found.days_between_points,
            expected_weeks: (found.days_between_points == Some(7))
                .then_some(found.time.expected_points),
        }
    }
}

/// A group of an SPC chart (a rebase segment).
#[derive(SimpleObject)]
pub struct SpcGroup {
    /// The centre line.
    mean: f64,
    /// The process limits (for P and U charts they differ per point: see the points).
    lower_limit: Option<f64>,
    /// The upper process limit; null for P and U charts, whose limits differ per point.
    upper_limit: Option<f64>,
    /// The position of the group's first point in `points` (from 0).
    first_index: usize,
    /// How many points the group has.
    n: usize,
    /// Fewer than 13 points: trial limits.
    short_group_warning: bool,
}

/// A point of an SPC chart.
#[derive(SimpleObject)]
pub struct SpcPoint {
    /// The date of the period.
    date: NaiveDate,
    /// Its value (for P charts a proportion, 0 to 1).
    value: f64,
    /// How the point is judged.
    point_type: PointType,
    /// The rule it breaks; COMMON_CAUSE when none.
    rule: SpcRule,
    /// The rule as Making Data Count labels it, e.g. "7 Points Below CL".
    rule_label: String,
    /// The lower process limit at this point; null on a run chart, which has none.
    lower_limit: Option<f64>,
    /// The upper process limit at this point; null on a run chart, which has none.
    upper_limit: Option<f64>,
}

/// A Making Data Count chart of a measure.
#[derive(SimpleObject)]
pub struct SpcChart {
    /// How the chart was drawn.
    chart_type: ChartType,
    /// Its groups: one, or one per rebase, each with its mean and limits.
    groups: Vec<SpcGroup>,
    /// Each point with its limits and judgement.
    points: Vec<SpcPoint>,
    /// The point type of the last point (the variation icon).
    variation: Option<PointType>,
    /// With a target and a direction: whether the process will meet it.
    assurance: Option<Assurance>,
}

/// A measure of an improvement project.
pub struct MeasureView(pub MeasureRecord);

/// The engine's chart request from the GraphQL input, with the measure's own rebases unless the
/// input gives dates; errors name the input's field.
fn chart_request(
    input: &SpcOptionsInput,
    record: &MeasureRecord,
    points: &[DataPoint],
) -> Result<ChartRequest, crate::Error> {
    let count = |field: &str, v: Option<i32>| {
        v.map(|v| usize::try_from(v).map_err(|_| crate::Error::invalid(field, "must be 0 or more")))
            .transpose()
    };
    let own = record.chart_request(points);
    let rebase_dates = match &input.rebase_dates {
        None => own.rebase_dates.clone(),
        Some(dates) => dates
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
            .collect::<Result<_, _>>()?,
    };
    Ok(ChartRequest {
        preset: input.preset.map_or(own.preset, Into::into),
        screen_outliers: input.screen_outliers,
        fix_after_n_points: match input.fix_after_n_points {
            None => own.fix_after_n_points,
            given => count("fixAfterNPoints", given)?,
        },
        trend_length: count("trendLength", input.trend_length)?,
        shift_length: count("shiftLength", input.shift_length)?,
        rebase_dates,
    })
}

/// A measure of an improvement project: its definition, its data by period, and its charts.
#[Object(name = "Measure")]
impl MeasureView {
    /// Its id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.measure.name
    }
    /// OUTCOME, PROCESS or BALANCING.
    async fn kind(&self) -> MeasureKind {
        self.0.measure.kind.into()
    }
    /// Who withdrew the measure, when and why (only for withdrawn measures).
    async fn withdrawal(&self) -> Option<super::withdrawal::Withdrawal> {
        self.0.withdrawal.clone().map(Into::into)
    }
    /// Where its charts start a new baseline and why, in date order (change them with
    /// `addRebase` and `removeRebase`).
    async fn rebases(&self) -> Vec<RebaseView> {
        self.0.rebases.iter().cloned().map(RebaseView).collect()
    }
    /// The rule set its charts follow (change it with `updateMeasure`).
    async fn rule_preset(&self) -> SpcPreset {
        self.0.settings.preset.into()
    }
    /// The points its limits are fixed from; null when every point counts.
    async fn baseline_points(&self) -> Option<usize> {
        self.0.settings.baseline_points
    }
    /// Where the points come from when they are computed from an event log.
    async fn from_log(&self) -> Option<LogMeasureSourceView> {
        self.0.from_log.as_ref().map(LogMeasureSourceView::new)
    }
    /// For a measure computed from an event log: what changed in the pathway between its points
    /// before `splitAt` and from it, over the measure's own activities. Without `splitAt`, the
    /// split is where the run of the chart's latest signal starts.
    async fn explain_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The first day of the later period (YYYY-MM-DD); the start of the latest signal's run when null."
        )]
        split_at: Option<NaiveDate>,
    ) -> Result<super::log_comparison::LogComparison> {
        let caller = super::context::caller_of(ctx);
        let (split, comparison) =
            crate::store::log_comparisons::explain_measure(db(ctx)?, &caller, self.0.id, split_at)
                .await?;
        let log_id = self.0.from_log.as_ref().map_or(self.0.id, |s| s.log_id);
        Ok(super::log_comparison::LogComparison::new(
            log_id,
            Some(split),
            comparison,
        ))
    }
    /// Exactly what is counted and how.
    async fn definition(&self) -> &str {
        &self.0.measure.definition
    }
    /// The unit of its values; empty for none.
    async fn unit(&self) -> &str {
        &self.0.measure.unit
    }
    /// Which way is better.
    async fn direction(&self) -> ImprovementDirection {
        self.0.measure.direction.into()
    }
    /// The target, in its unit; null for none.
    async fn target(&self) -> Option<f64> {
        self.0.measure.target
    }
    /// How its SPC chart is drawn.
    async fn chart_type(&self) -> ChartType {
        self.0.measure.chart_type.into()
    }
    /// The data, by date: the current points, from which every chart, summary and report is
    /// drawn; with `includeWithdrawn`, also those retracted or replaced by a correction (each
    /// date's withdrawn points before its current one), which charts leave out.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn points(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = false,
            desc = "Also the points retracted or replaced by a correction."
        )]
        include_withdrawn: bool,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<DataPointView>> {
        let caller = super::context::caller_of(ctx);
        let db = db(ctx)?;
        let points: Vec<DataPointView> = if !include_withdrawn {
            crate::store::measures::points(db, &caller, self.0.id)
                .await?
                .into_iter()
                .map(DataPointView::from)
                .collect()
        } else {
            point_history(db, &caller, self.0.id).await?
        };
        // A date appears once among current points, and with its withdrawn points before it in
        // the history: the cursor names the date and which of its points.
        let mut seen: std::collections::HashMap<NaiveDate, usize> = Default::default();
        let keyed: Vec<(String, DataPointView)> = points
            .into_iter()
            .map(|p| {
                let n = seen.entry(p.date).or_default();
                *n += 1;
                (format!("{}#{}", p.date, n), p)
            })
            .collect();
        Ok(super::paging::page_of(
            keyed,
            super::paging::Paging::new(first, after, last, before),
            |(key, _)| key.clone(),
            |(_, p)| p,
        )?)
    }
    /// The measure's run chart (IHI rules), from the first `baselinePoints` or all points;
    /// `astronomicalDates` are the points the team marks as obviously different.
    async fn run_chart(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Take the median from the first this many points; all points when null.")]
        baseline_points: Option<i32>,
        #[graphql(
            default,
            desc = "The dates (YYYY-MM-DD) of points the team marks as obviously different."
        )]
        astronomical_dates: Vec<String>,
    ) -> Result<RunChartView> {
        let caller = super::context::caller_of(ctx);
        let points = crate::store::measures::points(db(ctx)?, &caller, self.0.id).await?;
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
        let caller = super::context::caller_of(ctx);
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
        let caller = super::context::caller_of(ctx);
        let db = db(ctx)?;
        let points: Vec<DataPoint> = crate::store::measures::points(db, &caller, self.0.id).await?;
        let cycles = crate::store::cycles::list(db, &caller, self.0.project_id).await?;
        let windows = crate::store::reports::cycle_windows(&cycles);
        Ok(crate::store::reports::picture(&self.0, &points, &windows)
            .map_err(crate::Error::from)?)
    }

    /// How many new points a change of `change` (in the measure's units; negative for a fall)
    /// needs, on average and 9 times in 10, before this XmR chart flags it: limits fixed from
    /// its baseline, new points drawn around its mean moved by the change with its variation,
    /// its own rules (astronomical point, shift, trend, two-in-three among the new points). A
    /// team knows before a PDSA cycle starts whether it can see the change it hopes for.
    async fn time_to_signal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change to look for, in the measure's units.")] change: f64,
    ) -> Result<TimeToSignalView> {
        let caller = super::context::caller_of(ctx);
        let points: Vec<DataPoint> =
            crate::store::measures::points(db(ctx)?, &caller, self.0.id).await?;
        let request = self.0.chart_request(&points);
        let measure = self.0.measure.clone();
        let found = crate::blocking::compute(move |_| {
            engine::spc::time_to_signal::for_measure(&measure, &points, &request, change)
        })
        .await?
        .map_err(crate::Error::from)?;
        Ok(found.into())
    }

    /// The measure's chart as its chart type reads it: XmR, P or U with Making Data Count's
    /// rules, or for a RUN measure its run chart (median, shifts and trends; no limits).
    async fn spc(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The rules to apply; the measure's own (Making Data Count's by default) when null."
        )]
        options: Option<SpcOptionsInput>,
    ) -> Result<SpcChart> {
        let caller = super::context::caller_of(ctx);
        let points: Vec<DataPoint> =
            crate::store::measures::points(db(ctx)?, &caller, self.0.id).await?;
        let request = chart_request(&options.unwrap_or_default(), &self.0, &points)?;
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
                    lower_limit: p.lower_limit.is_finite().then_some(p.lower_limit),
                    upper_limit: p.upper_limit.is_finite().then_some(p.upper_limit),
                })
                .collect(),
            variation: view.variation.map(Into::into),
            assurance: view.assurance.map(Into::into),
        };
        Ok(chart)
    }
}

/// Where a measure's points come from when it is computed from a log.
#[derive(SimpleObject)]
#[graphql(name = "LogMeasureSource")]
pub struct LogMeasureSourceView {
    /// The event log (its id).
    log_id: ID,
    /// The activity times are measured from.
    from_activity: String,
    /// Only `fromActivity` events of this organisation (ODS code) count; any when null.
    from_organisation: Option<String>,
    /// The activity times are measured to.
    to_activity: String,
    /// Only `toActivity` events of this organisation count; any when null.
    to_organisation: Option<String>,
    /// What each point is.
    statistic: LogStatistic,
    /// The period each point covers.
    period: LogPeriod,
    /// The unit the values are in.
    unit: TimeUnit,
    /// The target, in minutes; null for none.
    target_minutes: Option<f64>,
}

impl LogMeasureSourceView {
    pub fn new(source: &store::projects::LogSource) -> Self {
        let d = &source.definition;
        Self {
            log_id: ID(source.log_id.to_string()),
            from_activity: d.from_activity.clone(),
            from_organisation: d.from_organisation.clone(),
            to_organisation: d.to_organisation.clone(),
            to_activity: d.to_activity.clone(),
            statistic: d.statistic.into(),
            period: d.period.into(),
            unit: d.unit.into(),
            target_minutes: d.target_minutes,
        }
    }
}

/// A measure's points with those withdrawn, each saying who withdrew it, when and why.
async fn point_history(
    db: &sea_orm::DatabaseConnection,
    caller: &crate::caller::Caller,
    id: uuid::Uuid,
) -> Result<Vec<DataPointView>> {
    Ok(crate::store::measures::history(db, caller, id)
        .await?
        .into_iter()
        .map(|(point, withdrawal)| {
            let mut view = DataPointView::from(point);
            if let Some(w) = withdrawal {
                view.withdrawn_at = Some(w.at);
                view.withdrawn_by = Some(w.by);
                view.withdrawal_reason = Some(w.reason);
            }
            view
        })
        .collect())
}
