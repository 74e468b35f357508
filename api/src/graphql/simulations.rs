//! Simulation through GraphQL: `simulate` starts a run of a pathway (answered at once, the run
//! goes on in the background), `Simulation` shows its progress and, once finished, its result;
//! `cancelSimulation` stops it; `Pathway.simulations` lists a pathway's runs.

use super::analysis::{ChangeInput, MAX_CHANGES};
use super::context::{change, db, parse_id};
use crate::store::simulations::{
    self as store, ArrivalsFromLog, RunStatus, Scenario, ServersChange,
};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use engine::render::simulation_chart::{Bar, lead_time_svg, queue_length_svg};
use serde::Deserialize;

/// Where a simulation is.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum SimulationStatus {
    /// Waiting for the server's turn (one simulation runs at a time per server).
    Queued,
    /// Simulating; `patientsDone` moves on every second.
    Running,
    /// Done: `result` holds what it found.
    Finished,
    /// It could not finish (`error` says why).
    Failed,
    /// Stopped by `cancelSimulation`.
    Cancelled,
}

impl From<RunStatus> for SimulationStatus {
    fn from(s: RunStatus) -> Self {
        match s {
            RunStatus::Queued => SimulationStatus::Queued,
            RunStatus::Running => SimulationStatus::Running,
            RunStatus::Finished => SimulationStatus::Finished,
            RunStatus::Failed => SimulationStatus::Failed,
            RunStatus::Cancelled => SimulationStatus::Cancelled,
        }
    }
}

/// A step given other servers for one run.
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "ServersChangeInput")]
pub struct ServersChangeView {
    /// The step's key.
    pub step_key: String,
    /// Its servers (beds, clinicians) for the run: 1 to 100000.
    pub servers: i32,
}

/// Patients arrive as in an event log.
#[derive(InputObject)]
pub struct ArrivalsFromLogInput {
    /// The event log (its id).
    pub log_id: ID,
    /// Replay its cases' start times as they were, rather than draw arrivals from its profile
    /// by hour of the week.
    #[graphql(default)]
    pub replay: bool,
}

/// What to simulate; every field has a default.
#[derive(InputObject)]
pub struct SimulationScenarioInput {
    /// Patients measured over all replications: 10 to 2000000.
    #[graphql(default = 100_000)]
    pub patients: i32,
    /// Independent replications (intervals are across them): 2 to 1000.
    #[graphql(default = 10)]
    pub replications: i32,
    /// Minutes simulated before measuring starts; by default three lead times without
    /// queues, at least a week, and long enough for the busiest queue to settle.
    pub warm_up_minutes: Option<f64>,
    /// Steps given other servers for this run (what if the stroke unit had 9 beds?).
    #[graphql(default)]
    pub servers: Vec<ServersChangeView>,
    /// Changes to try, as `whatIf` takes them (and servers, schedules, service times,
    /// delays). With these or `servers` the pathway as it is is simulated too, and the result
    /// holds the differences with their intervals.
    #[graphql(default)]
    pub changes: Vec<ChangeInput>,
    /// Patients arrive as in this event log (by default at the pathway's demand per day).
    pub arrivals_from_log: Option<ArrivalsFromLogInput>,
    /// Try this change idea's change set (before `changes`); the change idea then shows the
    /// run's result as its `simulatedEffect`.
    pub change_idea_id: Option<ID>,
    /// How arrivals vary over the week: 168 weights, one per hour from Monday 00:00, sharing out
    /// the pathway's demand per day in proportion (by default the same every hour).
    #[graphql(default)]
    pub arrivals_by_hour: Vec<f64>,
    /// Arrivals by hour (168 weights, as `arrivalsByHour`) for the changed run only: what if
    /// patients came like this? Makes the run a what-if.
    #[graphql(default)]
    pub what_if_arrivals_by_hour: Vec<f64>,
}

/// A figure with its 95% confidence interval across replications.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulationEstimate")]
#[serde(rename_all = "camelCase")]
pub struct EstimateView {
    /// The mean over replications.
    pub mean: f64,
    /// Its 95% confidence interval: [low, high].
    pub ci95: Vec<f64>,
}

/// Lead time from START to an END, in minutes.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedLeadTime")]
#[serde(rename_all = "camelCase")]
pub struct LeadTimeView {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 95% interval of the mean.
    pub ci95: Vec<f64>,
    /// 95% interval of the median.
    pub median_ci95: Vec<f64>,
    /// 95% interval of the 90th percentile.
    pub p90_ci95: Vec<f64>,
    /// 95% interval of the 95th percentile.
    pub p95_ci95: Vec<f64>,
}

/// Queue wait at a step, per visit, in minutes.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedQueueWait")]
#[serde(rename_all = "camelCase")]
pub struct QueueWaitView {
    /// Mean.
    pub mean: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95% interval of the mean.
    pub ci95: Vec<f64>,
    /// 95% interval of the 90th percentile.
    pub p90_ci95: Vec<f64>,
}

/// Minutes per patient by what the patient was doing.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedTimeBreakdown")]
#[serde(rename_all = "camelCase")]
pub struct TimeBreakdownView {
    /// Waiting in a queue for a step's servers.
    pub queueing: EstimateView,
    /// Being served at a step.
    pub service: EstimateView,
    /// On a transition (letters, transport, referral times): the wait that is not queueing.
    pub transition_delay: EstimateView,
    /// Held on a step after being served because the next step's queue was full.
    pub blocked: EstimateView,
}

/// What one step did in the simulation.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedStep")]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// The step's key.
    pub key: String,
    /// The ODS code of its organisation.
    pub organisation: String,
    /// Queue wait per visit (0 where the step has as many servers as needed).
    pub queue_wait_minutes: QueueWaitView,
    /// Busy servers / servers (null with as many servers as needed).
    pub utilisation: Option<f64>,
    /// 95% interval of the utilisation.
    pub utilisation_ci95: Option<Vec<f64>>,
    /// Time-average queue length.
    pub mean_queue: EstimateView,
    /// Longest queue in any replication.
    pub max_queue: i64,
    /// Minutes per patient held here by a full queue downstream.
    pub blocked_minutes: EstimateView,
    /// Services finished per day.
    pub visits_per_day: EstimateView,
    /// The wait before each visit as a log shows it: the delay along the transition taken to
    /// get here plus the queue wait (null for runs made before it was measured).
    #[serde(default)]
    pub wait_before_minutes: Option<EstimateView>,
}

/// Minutes per patient in one organisation (a transition's delay counts against the
/// organisation the patient goes to).
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedOrganisation")]
#[serde(rename_all = "camelCase")]
pub struct OrganisationView {
    /// Its ODS code.
    pub ods_code: String,
    /// Its minutes per patient.
    pub minutes: TimeBreakdownView,
    /// Queue wait per visit to its steps with servers (null for runs made before it was
    /// measured).
    #[serde(default)]
    pub queue_wait_minutes: Option<EstimateView>,
    /// The wait before each visit to its steps (delay plus queueing).
    #[serde(default)]
    pub wait_before_minutes: Option<EstimateView>,
    /// Busy servers / servers over its steps with servers (null when it has none).
    #[serde(default)]
    pub utilisation: Option<EstimateView>,
    /// Services its steps finish per day.
    #[serde(default)]
    pub visits_per_day: Option<EstimateView>,
}

/// One bar of the lead-time distribution.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "LeadTimeBin")]
#[serde(rename_all = "camelCase")]
pub struct BinView {
    /// Lead times from (minutes).
    pub from_minutes: f64,
    /// Lead times up to (minutes; the last bar also holds the longest 1%).
    pub to_minutes: f64,
    /// Share of patients, 0 to 1.
    pub share: f64,
}

/// One step's queue length sampled over the measured time.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "QueueLengthSeries")]
#[serde(rename_all = "camelCase")]
pub struct QueueSeriesView {
    /// The step's key.
    pub key: String,
    /// Mean queue length at each sample, over replications.
    pub values: Vec<f64>,
}

/// Figures sampled over the measured time, averaged over replications.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedOverTime")]
#[serde(rename_all = "camelCase")]
pub struct OverTimeView {
    /// Minutes between samples.
    pub interval_minutes: f64,
    /// Patients in the pathway at each sample.
    pub patients_in_system: Vec<f64>,
    /// Queue length of each step with servers.
    pub queue_length: Vec<QueueSeriesView>,
}

/// What a simulation found.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulationResult", complex)]
#[serde(rename_all = "camelCase")]
pub struct ResultView {
    /// Replications run.
    pub replications: i64,
    /// Patients measured in each.
    pub patients_per_replication: i64,
    /// Minutes simulated before measuring started.
    pub warm_up_minutes: f64,
    /// Lead time, START to END.
    pub lead_time_minutes: LeadTimeView,
    /// Expected lead time if nobody queued (the analysis' figure with the simulated means).
    pub lead_time_without_queues_minutes: f64,
    /// Patients finishing the pathway per day.
    pub throughput_per_day: EstimateView,
    /// Patients in the pathway, time-averaged.
    pub patients_in_system: EstimateView,
    /// Where the time goes: queueing, service, transition delays, blocking.
    pub where_the_time_goes: TimeBreakdownView,
    /// Each step, in the pathway's order.
    pub steps: Vec<StepView>,
    /// Each organisation.
    pub organisations: Vec<OrganisationView>,
    /// The lead-time distribution (pooled over replications).
    pub lead_time_distribution: Vec<BinView>,
    /// Queue lengths and patients in the pathway over the measured time.
    pub over_time: OverTimeView,
    /// Steps given more work than their servers can do: their queues grow for as long as the
    /// run lasts, so their figures depend on its length.
    pub overloaded_steps: Vec<String>,
    /// Measured patients still inside when the run ended.
    pub unfinished_patients: i64,
    /// Patients turned away at START because its queue was full.
    pub turned_away_patients: i64,
    /// For a what-if (a scenario with changes or servers): each figure as changed less the
    /// pathway as it is, with the 95% interval of the difference.
    #[serde(default)]
    pub differences: Option<DifferencesView>,
}

/// One figure before and after a change.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedDifference")]
#[serde(rename_all = "camelCase")]
pub struct DifferenceView {
    /// The pathway as it is.
    pub baseline: f64,
    /// As changed.
    pub changed: f64,
    /// `changed − baseline`.
    pub difference: f64,
    /// 95% confidence interval of the difference (Welch's, the two runs being independent):
    /// when it holds 0 the simulation cannot tell the change from no change.
    pub ci95: Vec<f64>,
}

/// One step before and after a change.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedStepDifference")]
#[serde(rename_all = "camelCase")]
pub struct StepDifferenceView {
    /// The step's key.
    pub key: String,
    /// Mean queue wait per visit, minutes.
    pub queue_wait_minutes: DifferenceView,
    /// Mean wait before each visit (delay plus queueing), minutes.
    pub wait_before_minutes: DifferenceView,
    /// Utilisation (only when the step has servers before and after).
    pub utilisation: Option<DifferenceView>,
}

/// What a change did, by simulation.
#[derive(SimpleObject, Deserialize)]
#[graphql(name = "SimulatedDifferences")]
#[serde(rename_all = "camelCase")]
pub struct DifferencesView {
    /// Mean lead time, minutes.
    pub lead_time_mean_minutes: DifferenceView,
    /// Median lead time, minutes.
    pub lead_time_median_minutes: DifferenceView,
    /// 90th percentile of the lead time, minutes.
    pub lead_time_p90_minutes: DifferenceView,
    /// Patients finishing per day.
    pub throughput_per_day: DifferenceView,
    /// Patients in the pathway, time-averaged.
    pub patients_in_system: DifferenceView,
    /// Minutes per patient queueing.
    pub queueing_minutes: DifferenceView,
    /// Each step in both runs.
    pub steps: Vec<StepDifferenceView>,
    /// Steps the change removed.
    pub removed_steps: Vec<String>,
}

#[async_graphql::ComplexObject]
impl ResultView {
    /// The lead-time distribution as an SVG bar chart, the mean and 90th percentile marked.
    async fn lead_time_chart_svg(&self) -> String {
        let bars: Vec<Bar> = (self.lead_time_distribution.iter())
            .map(|b| Bar {
                from_minutes: b.from_minutes,
                to_minutes: b.to_minutes,
                share: b.share,
            })
            .collect();
        lead_time_svg(
            "Simulated lead time",
            &bars,
            self.lead_time_minutes.mean,
            self.lead_time_minutes.p90,
        )
    }
    /// Queue lengths over the measured time as an SVG line chart (the longest eight).
    async fn queue_length_chart_svg(&self) -> String {
        let series: Vec<(&str, &[f64])> = (self.over_time.queue_length.iter())
            .map(|q| (q.key.as_str(), q.values.as_slice()))
            .collect();
        queue_length_svg(
            "Simulated queue lengths",
            self.over_time.interval_minutes,
            &series,
        )
    }
}

/// One simulation run of a pathway version.
pub struct SimulationView(pub store::SimulationRecord);

/// One simulation run of a pathway version: what was asked, how far it has got and what it
/// found, kept with the version and seed that reproduce it.
#[Object(name = "Simulation")]
impl SimulationView {
    /// Its id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The pathway simulated (its id).
    async fn pathway_id(&self) -> ID {
        ID(self.0.pathway_id.to_string())
    }
    /// The pathway's version simulated.
    async fn pathway_version(&self) -> i64 {
        self.0.pathway_version
    }
    /// The seed of its random streams: the same version, scenario and seed give the same result.
    async fn seed(&self) -> i64 {
        self.0.seed as i64
    }
    /// Where it is.
    async fn status(&self) -> SimulationStatus {
        self.0.status.into()
    }
    /// Whether a cancellation was asked for.
    async fn cancel_requested(&self) -> bool {
        self.0.cancel_requested
    }
    /// Measured patients finished so far.
    async fn patients_done(&self) -> i64 {
        self.0.patients_done as i64
    }
    /// Measured patients in all.
    async fn patients_total(&self) -> i64 {
        self.0.patients_total as i64
    }
    /// Patients asked for.
    async fn patients(&self) -> i64 {
        self.0.scenario.patients as i64
    }
    /// Replications asked for.
    async fn replications(&self) -> i32 {
        self.0.scenario.replications as i32
    }
    /// The warm-up asked for (null: the default).
    async fn warm_up_minutes(&self) -> Option<f64> {
        self.0.scenario.warm_up_minutes
    }
    /// Steps given other servers for this run.
    async fn servers(&self) -> Vec<ServersChangeView> {
        (self.0.scenario.servers.iter())
            .map(|c| ServersChangeView {
                step_key: c.step_key.clone(),
                servers: c.servers as i32,
            })
            .collect()
    }
    /// The event log patients arrived as in (null: at the pathway's demand per day).
    async fn arrivals_from_log_id(&self) -> Option<ID> {
        (self.0.scenario.arrivals_from_log.as_ref()).map(|a| ID(a.log_id.to_string()))
    }

    /// The change idea whose change set the run tried.
    async fn change_idea_id(&self) -> Option<ID> {
        self.0.scenario.change_idea_id.map(|id| ID(id.to_string()))
    }

    /// Whether the log's case start times were replayed (rather than its hourly profile used).
    async fn replayed(&self) -> bool {
        (self.0.scenario.arrivals_from_log.as_ref()).is_some_and(|a| a.replay)
    }

    /// Whether the run tried changes (or servers) and so also simulated the pathway as it is,
    /// its result holding the differences.
    async fn is_what_if(&self) -> bool {
        self.0.scenario.is_what_if()
    }

    /// Why it failed.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// When it was asked for (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it ended (UTC).
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// What it found, once FINISHED.
    async fn result(&self) -> Result<Option<ResultView>> {
        match &self.0.result {
            None => Ok(None),
            Some(json) => Ok(Some(
                serde_json::from_value(json.clone()).map_err(crate::Error::internal)?,
            )),
        }
    }
}

#[derive(Default)]
pub struct SimulationMutation;

#[Object]
impl SimulationMutation {
    /// Starts a simulation of the pathway's current version and answers at once (QUEUED); poll
    /// `node(id:)` for its progress and result. Everything is checked first: nothing is stored
    /// when the pathway or the scenario is wrong.
    async fn simulate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pathway (its id).")] pathway_id: ID,
        #[graphql(
            desc = "What to simulate (patients, replications, warm-up, servers changed).",
            default_with = "SimulationScenarioInput { patients: 100_000, replications: 10, warm_up_minutes: None, servers: Vec::new(), changes: Vec::new(), arrivals_from_log: None, change_idea_id: None, arrivals_by_hour: Vec::new(), what_if_arrivals_by_hour: Vec::new() }"
        )]
        scenario: SimulationScenarioInput,
        #[graphql(
            desc = "Seed of the random streams, 0 to 2147483647 (a random one when left out; kept with the run)."
        )]
        seed: Option<i32>,
    ) -> Result<SimulationView> {
        let pathway_id = parse_id("pathwayId", &pathway_id)?;
        let mut errors = engine::InputErrors::default();
        if !(10..=store::MAX_PATIENTS as i64).contains(&(scenario.patients as i64)) {
            errors.push(
                "scenario.patients",
                format!("must be 10 to {}", store::MAX_PATIENTS),
            );
        }
        if scenario.replications < 2 {
            errors.push("scenario.replications", "must be 2 to 1000");
        }
        if seed.is_some_and(|s| s < 0) {
            errors.push("seed", "must be 0 to 2147483647");
        }
        if scenario.servers.len() > 1_000 {
            errors.push("scenario.servers", "must change at most 1000 steps");
        }
        for (i, change) in scenario.servers.iter().enumerate() {
            if change.servers < 1 {
                errors.push(
                    format!("scenario.servers[{i}].servers"),
                    "must be 1 to 100000",
                );
            }
        }
        if scenario.changes.len() > MAX_CHANGES {
            errors.push(
                "scenario.changes",
                format!("must hold at most {MAX_CHANGES} changes"),
            );
        }
        let arrivals_from_log = match scenario.arrivals_from_log {
            Some(a) => Some(ArrivalsFromLog {
                log_id: parse_id("scenario.arrivalsFromLog.logId", &a.log_id)?,
                replay: a.replay,
            }),
            None => None,
        };
        if !errors.is_empty() {
            return Err(crate::Error::from(errors).into());
        }
        let changes = super::analysis::engine_changes(ctx, scenario.changes).await?;
        let change_idea_id = (scenario.change_idea_id.as_ref())
            .map(|id| parse_id("scenario.changeIdeaId", id))
            .transpose()?;
        let scenario = Scenario {
            arrivals_by_hour: scenario.arrivals_by_hour,
            what_if_arrivals_by_hour: scenario.what_if_arrivals_by_hour,
            change_idea_id,
            changes,
            arrivals_from_log,
            patients: scenario.patients as u64,
            replications: scenario.replications as u32,
            warm_up_minutes: scenario.warm_up_minutes,
            servers: (scenario.servers.into_iter())
                .map(|c| ServersChange {
                    step_key: c.step_key,
                    servers: c.servers as u32,
                })
                .collect(),
        };
        let record = store::start(
            db(ctx)?,
            &change(ctx),
            pathway_id,
            scenario,
            seed.map(|s| s as u64),
        )
        .await?;
        Ok(SimulationView(record))
    }

    /// Asks a simulation to stop: it ends CANCELLED within a second or two. A simulation that
    /// has already ended is answered as it is.
    async fn cancel_simulation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The simulation (its id).")] id: ID,
    ) -> Result<SimulationView> {
        let id = parse_id("id", &id)?;
        Ok(SimulationView(
            store::cancel(db(ctx)?, &change(ctx), id).await?,
        ))
    }
}
