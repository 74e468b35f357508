//! Simulation runs: asked for by a request (checked and recorded, with its audit entry, before
//! the answer), run on the blocking pool of the server that took it, one at a time per server,
//! with progress and the result kept in `simulation_run` so any replica can answer for it.
//!
//! A run belongs to its pathway: whoever can see the pathway can see and cancel its runs.

use super::pathways;
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use engine::simulation::calibration::SimulationCalibration;
use engine::simulation::{
    ArrivalInput, ModelError, RunControl, RunSettings, SimulationModel, simulate,
};
use entity::{pathway, simulation_run};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// Most patients one run through the API may measure (the command line allows more).
pub const MAX_PATIENTS: u64 = 2_000_000;
/// A run not heard of for this long died with its server.
pub const STALE_AFTER: Duration = Duration::from_secs(30);
/// How often a running run writes its progress and looks for a cancellation.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// Runs kept per pathway: starting another removes the oldest finished ones.
pub const KEPT_PER_PATHWAY: usize = 50;
/// Runs one caller may have queued or running at once: each waits for its server's turn, so
/// more would only hold others up.
pub const MAX_ACTIVE_PER_CALLER: usize = 5;

/// One server simulates one run at a time (a run uses every core); others wait their turn.
static TURNS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));

/// A step's servers changed for one run: the what-if "what if it had N beds?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServersChange {
    pub step_key: String,
    pub servers: u32,
}

/// What a run was asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scenario {
    pub patients: u64,
    pub replications: u32,
    #[serde(default)]
    pub warm_up_minutes: Option<f64>,
    #[serde(default)]
    pub servers: Vec<ServersChange>,
    /// Changes to the pathway tried in this run (as `whatIf` takes them, and servers, schedules,
    /// service times and delays); with these or `servers` the run also simulates the pathway
    /// as it is, and the result holds the differences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<engine::Change>,
    /// Patients arrive as in this event log (by hour of the week, or replayed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals_from_log: Option<ArrivalsFromLog>,
    /// The change idea whose change set the run tries (its changes come first in `changes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_idea_id: Option<Uuid>,
    /// Arrivals shared over the 168 hours of the week (Monday 00:00 first) in proportion to
    /// these weights, at the pathway's demand per day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arrivals_by_hour: Vec<f64>,
    /// The same, for the changed run only: the what-if "what if patients came like this?".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub what_if_arrivals_by_hour: Vec<f64>,
}

impl Scenario {
    /// Whether the run is a what-if, compared with the pathway as it is.
    pub fn is_what_if(&self) -> bool {
        !self.changes.is_empty()
            || !self.servers.is_empty()
            || !self.what_if_arrivals_by_hour.is_empty()
    }
}

/// Arrivals taken from an event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArrivalsFromLog {
    pub log_id: Uuid,
    /// Replay the log's case start times rather than draw from its profile by hour.
    #[serde(default)]
    pub replay: bool,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Queued,
    Running,
    Finished,
    Failed,
    Cancelled,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "QUEUED",
            RunStatus::Running => "RUNNING",
            RunStatus::Finished => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Cancelled => "CANCELLED",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "QUEUED" => RunStatus::Queued,
            "RUNNING" => RunStatus::Running,
            "FINISHED" => RunStatus::Finished,
            "CANCELLED" => RunStatus::Cancelled,
            _ => RunStatus::Failed,
        }
    }

    /// Whether the run has ended.
    pub fn is_over(self) -> bool {
        matches!(
            self,
            RunStatus::Finished | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

/// A run as the API shows it.
#[derive(Debug, Clone)]
pub struct SimulationRecord {
    pub id: Uuid,
    pub pathway_id: Uuid,
    pub pathway_version: i64,
    pub scenario: Scenario,
    pub seed: u64,
    pub status: RunStatus,
    pub cancel_requested: bool,
    pub patients_done: u64,
    pub patients_total: u64,
    /// The engine's result as JSON, once FINISHED.
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl SimulationRecord {
    /// A finished run's lead time (and, for a what-if, its change), as a prediction keeps it;
    /// `None` until the run has FINISHED. O(1).
    pub fn evidence(&self) -> Option<engine::pdsa::SimulationEvidence> {
        let result = self
            .result
            .as_ref()
            .filter(|_| self.status == RunStatus::Finished)?;
        let number = |v: &serde_json::Value| v.as_f64();
        let pair = |v: &serde_json::Value| Some([number(&v[0])?, number(&v[1])?]);
        let lead = &result["leadTimeMinutes"];
        let difference = &result["differences"]["leadTimeMeanMinutes"];
        Some(engine::pdsa::SimulationEvidence {
            simulation_id: self.id.to_string(),
            seed: self.seed,
            pathway_version: self.pathway_version,
            lead_time_mean_minutes: number(&lead["mean"])?,
            lead_time_ci95: pair(&lead["ci95"])?,
            difference_minutes: number(&difference["difference"]),
            difference_ci95: pair(&difference["ci95"]),
        })
    }
}

fn record(row: simulation_run::Model, now: DateTime<Utc>) -> Result<SimulationRecord> {
    let mut status = RunStatus::parse(&row.status);
    let mut error = row.error;
    let stale = chrono::Duration::from_std(STALE_AFTER).unwrap_or_default();
    if !status.is_over() && now - row.updated_at > stale {
        // Its server stopped (or was killed) while the run was queued or running.
        status = RunStatus::Failed;
        error = Some("the server running it stopped; start the simulation again".into());
    }
    Ok(SimulationRecord {
        id: row.id,
        pathway_id: row.pathway_id,
        pathway_version: row.pathway_version,
        scenario: serde_json::from_value(row.scenario).map_err(Error::internal)?,
        seed: row.seed as u64,
        status,
        cancel_requested: row.cancel_requested,
        patients_done: row.patients_done.max(0) as u64,
        patients_total: row.patients_total.max(0) as u64,
        result: row.result,
        error,
        created_at: row.created_at,
        finished_at: row.finished_at,
    })
}

/// Checks the scenario against the pathway's current version and builds what the engine runs.
/// Errors name `scenario.patients`, `scenario.servers[1].stepKey` and so on, or `pathwayId` when
/// the pathway itself cannot be simulated (its problems, or no demand per day).
fn prepare(
    content: &pathways::PathwayContent,
    demand: Option<f64>,
    arrivals: &ArrivalInput,
    changed_arrivals: &ArrivalInput,
    scenario: &Scenario,
    seed: u64,
) -> Result<(Models, RunSettings)> {
    let mut errors = engine::InputErrors::default();
    let mut map = match engine::whatif::apply(&content.map, &scenario.changes) {
        Ok(map) => map,
        Err(e) => {
            errors.extend_within("scenario", e);
            (*content.map).clone()
        }
    };
    for (i, change) in scenario.servers.iter().enumerate() {
        use engine::simulation::ServersChangeError as E;
        match engine::simulation::set_servers(&mut map, &change.step_key, change.servers) {
            Ok(()) => {}
            Err(E::UnknownStep) => errors.push(
                format!("scenario.servers[{i}].stepKey"),
                format!("the pathway has no step '{}'", change.step_key),
            ),
            Err(e @ E::OutOfRange) => {
                errors.push(format!("scenario.servers[{i}].servers"), e.to_string())
            }
        }
    }
    if scenario.patients > MAX_PATIENTS {
        errors.push(
            "scenario.patients",
            format!("must be at most {MAX_PATIENTS} through the API (the command line runs more)"),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // The engine names a profile's errors `arrivals[i]`: here they belong to the scenario field
    // that gave the profile.
    let changed_field = if scenario.what_if_arrivals_by_hour.is_empty() {
        "arrivalsByHour"
    } else {
        "whatIfArrivalsByHour"
    };
    let baseline = match scenario.is_what_if() {
        true => Some(
            SimulationModel::new(&content.map, demand, arrivals)
                .map_err(|e| model_error(e, "arrivalsByHour")),
        ),
        false => None,
    };
    let changed = SimulationModel::new(&map, demand, changed_arrivals)
        .map_err(|e| model_error(e, changed_field));
    let (changed, baseline) = (changed?, baseline.transpose()?);
    let settings = RunSettings {
        patients: scenario.patients,
        replications: scenario.replications,
        seed,
        warm_up_minutes: scenario.warm_up_minutes,
    };
    for model in std::iter::once(&changed).chain(&baseline) {
        settings.check(model).map_err(|e| {
            Error::from(engine::InputErrors(
                e.0.into_iter().map(|f| f.within("scenario")).collect(),
            ))
        })?;
    }
    Ok((Models { changed, baseline }, settings))
}

/// What a run simulates: the pathway as the scenario changes it, and as it is when the scenario
/// is a what-if.
struct Models {
    changed: SimulationModel,
    baseline: Option<SimulationModel>,
}

/// A pathway that cannot be simulated, as the caller's error: its problems under `pathwayId`,
/// bad fields under `scenario`.
fn model_error(error: ModelError, arrivals_field: &str) -> Error {
    match error {
        ModelError::Problems(problems) => {
            let words: Vec<String> = problems.iter().take(3).map(|p| p.message.clone()).collect();
            Error::invalid(
                "pathwayId",
                format!(
                    "the pathway (as the scenario changes it) has {} problem(s) to fix before it can be simulated: {}",
                    problems.len(),
                    words.join("; ")
                ),
            )
        }
        ModelError::Input(errors) => {
            let fields = errors
                .0
                .into_iter()
                .map(|mut e| {
                    if let Some(rest) = e.field.strip_prefix("arrivals") {
                        e.field = format!("{arrivals_field}{rest}");
                    }
                    if e.field == "demandPerDay" {
                        e.within("pathwayId")
                    } else {
                        e.within("scenario")
                    }
                })
                .collect();
            engine::InputErrors(fields).into()
        }
    }
}

/// Starts a run of the pathway's current version: checks everything first (nothing is stored
/// when anything is wrong), records the run and its audit entry, and answers at once; the run
/// then goes on in the background. `seed`: a random one when not given (kept with the run).
pub async fn start(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    pathway_id: Uuid,
    scenario: Scenario,
    seed: Option<u64>,
) -> Result<SimulationRecord> {
    let caller = &ctx.caller;
    let header = pathways::get_for_read(db, caller, pathway_id).await?;
    let content = pathways::content(db, caller, pathway_id).await?;
    let seed = match seed {
        Some(seed) => seed,
        None => {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes).map_err(|e| Error::internal(anyhow::anyhow!("{e}")))?;
            u32::from_le_bytes(bytes) as u64
        }
    };
    if seed > i64::MAX as u64 {
        return Err(Error::invalid(
            "seed",
            "must be at most 9223372036854775807",
        ));
    }
    let mut scenario = scenario;
    if let Some(idea) = scenario.change_idea_id {
        let driver = super::drivers::get(db, caller, idea).await?.driver;
        match driver.changes {
            Some(changes) if driver.kind == engine::DriverKind::ChangeIdea => {
                scenario.changes.splice(0..0, changes);
            }
            _ => {
                return Err(Error::invalid(
                    "scenario.changeIdeaId",
                    "is not a change idea with a change set to try",
                ));
            }
        }
    }
    let mut demand = header.header.demand_per_day.map(|d| d.get());
    let mut arrivals = ArrivalInput::Flat;
    if let Some(from) = &scenario.arrivals_from_log {
        let log = super::events::load(db, caller, from.log_id).await?;
        let Some(profile) = engine::simulation::calibration::arrival_profile(&log) else {
            return Err(Error::invalid(
                "scenario.arrivalsFromLog.logId",
                "the log has fewer than two cases, too few to say how patients arrive",
            ));
        };
        demand = Some(profile.per_day);
        arrivals = if from.replay {
            ArrivalInput::Replay(engine::simulation::calibration::replayed_arrivals(&log))
        } else {
            profile.input()
        };
    }
    if !scenario.arrivals_by_hour.is_empty() {
        if scenario.arrivals_from_log.is_some() {
            return Err(Error::invalid(
                "scenario.arrivalsByHour",
                "give arrivalsFromLog or arrivalsByHour, not both",
            ));
        }
        arrivals = ArrivalInput::ByHour(scenario.arrivals_by_hour.clone());
    }
    let changed_arrivals = if scenario.what_if_arrivals_by_hour.is_empty() {
        arrivals.clone()
    } else {
        ArrivalInput::ByHour(scenario.what_if_arrivals_by_hour.clone())
    };
    let (models, settings) = prepare(
        &content,
        demand,
        &arrivals,
        &changed_arrivals,
        &scenario,
        seed,
    )?;
    let runs = if models.baseline.is_some() { 2 } else { 1 };
    let per_replication = settings.patients / settings.replications as u64;
    let now = ctx.started_at;
    let id = Uuid::now_v7();
    let tx = begin_write(db).await?;
    let requested_by = caller.principal_id();
    let stale_before = now - chrono::Duration::from_std(STALE_AFTER).unwrap_or_default();
    let active = simulation_run::Entity::find()
        .filter(match requested_by {
            Some(id) => simulation_run::Column::RequestedBy.eq(id),
            None => simulation_run::Column::RequestedBy.is_null(),
        })
        .filter(simulation_run::Column::Status.is_in(["QUEUED", "RUNNING"]))
        .filter(simulation_run::Column::UpdatedAt.gt(stale_before))
        .all(&tx)
        .await?
        .len();
    if active >= MAX_ACTIVE_PER_CALLER {
        return Err(Error::Conflict(format!(
            "you have {active} simulations queued or running, the most at once: wait for one to finish or cancel one"
        )));
    }
    let version = pathway::Entity::find_by_id(pathway_id)
        .one(&tx)
        .await?
        .map(|p| p.version)
        .ok_or_else(|| Error::not_found("pathway", pathway_id))?;
    let row = simulation_run::ActiveModel {
        id: Set(id),
        pathway_id: Set(pathway_id),
        pathway_version: Set(version),
        requested_by: Set(requested_by),
        scenario: Set(serde_json::to_value(&scenario).map_err(Error::internal)?),
        seed: Set(seed as i64),
        status: Set(RunStatus::Queued.as_str().into()),
        cancel_requested: Set(false),
        patients_done: Set(0),
        patients_total: Set((runs * per_replication * settings.replications as u64) as i64),
        result: Set(None),
        error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        change_idea_id: Set(scenario.change_idea_id),
    };
    let row = simulation_run::Entity::insert(row)
        .exec_with_returning(&tx)
        .await?;
    // Older finished runs of the pathway beyond the newest KEPT_PER_PATHWAY go.
    let old: Vec<Uuid> = simulation_run::Entity::find()
        .filter(simulation_run::Column::PathwayId.eq(pathway_id))
        .order_by_desc(simulation_run::Column::CreatedAt)
        .all(&tx)
        .await?
        .into_iter()
        .skip(KEPT_PER_PATHWAY)
        .filter(|r| RunStatus::parse(&r.status).is_over())
        .map(|r| r.id)
        .collect();
    if !old.is_empty() {
        simulation_run::Entity::delete_many()
            .filter(simulation_run::Column::Id.is_in(old))
            .exec(&tx)
            .await?;
    }
    super::audit::commit(tx, ctx, &[pathway_id, id]).await?;
    tokio::spawn(run(db.clone(), id, models, settings));
    record(row, now)
}

/// The newest FINISHED run that tried the change idea's change set, of a pathway the caller may
/// see: the evidence for its simulated effect. O(runs of the idea).
pub async fn latest_for_change_idea(
    db: &DatabaseConnection,
    caller: &Caller,
    change_idea_id: Uuid,
) -> Result<Option<SimulationRecord>> {
    let rows = simulation_run::Entity::find()
        .filter(simulation_run::Column::ChangeIdeaId.eq(change_idea_id))
        .filter(simulation_run::Column::Status.eq(RunStatus::Finished.as_str()))
        .order_by_desc(simulation_run::Column::CreatedAt)
        .order_by_desc(simulation_run::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        match pathways::get_for_read(db, caller, row.pathway_id).await {
            Ok(_) => return record(row, Utc::now()).map(Some),
            Err(Error::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// A new DRAFT version of the pathway with its simulation calibrated from the log (service
/// times, delays net of queueing, probabilities, waits and touch times), and the evidence. The
/// calibration (which simulates when steps have servers) runs on the blocking pool before the
/// write transaction opens, so writers are not held up by it.
pub async fn calibrate(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    pathway_id: Uuid,
    log_id: Uuid,
) -> Result<(pathways::PathwayRecord, SimulationCalibration)> {
    let caller = &ctx.caller;
    let header = pathways::get_for_read(db, caller, pathway_id).await?;
    let content = pathways::content(db, caller, pathway_id).await?;
    let log = super::events::load(db, caller, log_id).await?;
    let demand = header.header.demand_per_day.map(|d| d.get());
    let map = content.map.clone();
    let calibration = tokio::task::spawn_blocking(move || {
        engine::simulation::calibration::calibrate_simulation(&log, &map, demand)
    })
    .await
    .map_err(Error::internal)?
    .map_err(|e| model_error(e, "arrivals"))?;
    let tx = begin_write(db).await?;
    let new_id = super::pathway_edits::new_version_with_changes(
        &tx,
        caller,
        pathway_id,
        &calibration.changes,
    )
    .await?;
    let record = pathways::get(&tx, caller, new_id).await?;
    super::audit::commit(tx, ctx, &[new_id, pathway_id, log_id]).await?;
    Ok((record, calibration))
}

/// Asks a run to stop; it ends CANCELLED within a second or two (on whichever server runs it).
/// A run already over is answered as it is.
pub async fn cancel(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<SimulationRecord> {
    let found = get(db, &ctx.caller, id).await?;
    if found.status.is_over() {
        return Ok(found);
    }
    let tx = begin_write(db).await?;
    simulation_run::Entity::update_many()
        .col_expr(simulation_run::Column::CancelRequested, Expr::value(true))
        .filter(simulation_run::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    super::audit::commit(tx, ctx, &[found.pathway_id, id]).await?;
    get(db, &ctx.caller, id).await
}

/// A run the caller may see (that of a pathway it can see), or NOT_FOUND.
pub async fn get(db: &DatabaseConnection, caller: &Caller, id: Uuid) -> Result<SimulationRecord> {
    let row = simulation_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("simulation", id))?;
    // The pathway's own scoped read decides (NOT_FOUND names the simulation, revealing nothing).
    if pathways::get_for_read(db, caller, row.pathway_id)
        .await
        .is_err()
    {
        return Err(Error::not_found("simulation", id));
    }
    record(row, Utc::now())
}

/// A pathway's runs, newest first (the caller must be able to see the pathway).
pub async fn for_pathway(
    db: &DatabaseConnection,
    caller: &Caller,
    pathway_id: Uuid,
) -> Result<Vec<SimulationRecord>> {
    pathways::get_for_read(db, caller, pathway_id).await?;
    let now = Utc::now();
    simulation_run::Entity::find()
        .filter(simulation_run::Column::PathwayId.eq(pathway_id))
        .order_by_desc(simulation_run::Column::CreatedAt)
        .order_by_desc(simulation_run::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| record(row, now))
        .collect()
}

/// Writes a run's state. A system write (the run's progress, not anyone's data): the request
/// that started the run has its audit entry.
async fn write_state(
    db: &DatabaseConnection,
    id: Uuid,
    change: impl FnOnce(&mut simulation_run::ActiveModel),
) -> Result<bool> {
    let mut row = simulation_run::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    change(&mut row);
    let tx = begin_write(db).await?;
    simulation_run::Entity::update(row).exec(&tx).await?;
    let cancel = simulation_run::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .is_some_and(|r| r.cancel_requested);
    #[allow(clippy::disallowed_methods)]
    tx.commit().await?;
    Ok(cancel)
}

/// Records how a run ended and tells whoever listens (`simulation.ended`, to the pathway's
/// audience), in one transaction. A system write, like the progress.
async fn write_end(
    db: &DatabaseConnection,
    id: Uuid,
    status: RunStatus,
    result: Option<serde_json::Value>,
    error: Option<String>,
) -> Result<()> {
    let tx = begin_write(db).await?;
    let row = simulation_run::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        updated_at: Set(Utc::now()),
        status: Set(status.as_str().into()),
        result: Set(result),
        error: Set(error),
        finished_at: Set(Some(Utc::now())),
        ..Default::default()
    };
    let row = simulation_run::Entity::update(row).exec(&tx).await?;
    if let Some(pathway) = pathway::Entity::find_by_id(row.pathway_id).one(&tx).await? {
        super::outbox::emit(
            &tx,
            super::outbox::Notice {
                event_type: super::outbox::EventType::SimulationEnded,
                scope: super::outbox::Scope::Pathway {
                    id: pathway.id,
                    owner: pathway.owner_id,
                },
                object_type: "Simulation",
                object_id: id,
                version: None,
                link: format!("/#/pathway/{}", pathway.id),
                detail: serde_json::json!({
                    "status": status.as_str(),
                    "pathwayId": pathway.id,
                    "changeIdeaId": row.change_idea_id,
                }),
            },
        )
        .await?;
    }
    #[allow(clippy::disallowed_methods)]
    tx.commit().await?;
    Ok(())
}

/// Runs one simulation to its end, writing its progress every second and stopping it when a
/// cancellation is asked for.
async fn run(db: DatabaseConnection, id: Uuid, models: Models, settings: RunSettings) {
    let outcome = run_inner(&db, id, models, settings).await;
    let (status, result, error) = match outcome {
        Ok(Some(result)) => (RunStatus::Finished, Some(result), None),
        Ok(None) => (RunStatus::Cancelled, None, None),
        Err(e) => {
            tracing::error!(simulation = %id, error = ?e, "a simulation failed");
            (
                RunStatus::Failed,
                None,
                Some("the simulation failed on the server (its log has the details)".to_string()),
            )
        }
    };
    let written = write_end(&db, id, status, result, error).await;
    if let Err(e) = written {
        tracing::error!(simulation = %id, error = ?e, "a simulation's end could not be recorded");
    }
}

async fn run_inner(
    db: &DatabaseConnection,
    id: Uuid,
    models: Models,
    settings: RunSettings,
) -> Result<Option<serde_json::Value>> {
    // Queued runs show they are alive while they wait their turn.
    let turn = loop {
        tokio::select! {
            turn = TURNS.acquire() => break turn.map_err(Error::internal)?,
            _ = tokio::time::sleep(HEARTBEAT) => {
                if write_state(db, id, |_| {}).await? {
                    return Ok(None);
                }
            }
        }
    };
    if write_state(db, id, |row| {
        row.status = Set(RunStatus::Running.as_str().into())
    })
    .await?
    {
        return Ok(None);
    }
    let control = Arc::new(RunControl::default());
    let worker = {
        let control = control.clone();
        tokio::task::spawn_blocking(move || {
            // The pathway as it is first, then as changed, on the same control (so progress
            // counts both); the result is the changed run with the differences beside it.
            let baseline = (models.baseline.as_ref())
                .map(|m| simulate(m, &settings, &control))
                .transpose()?;
            let changed = simulate(&models.changed, &settings, &control)?;
            Ok::<_, engine::budget::Stopped>((
                baseline.map(|b| engine::simulation::difference::differences(&b, &changed)),
                changed,
            ))
        })
    };
    tokio::pin!(worker);
    let finished = loop {
        tokio::select! {
            done = &mut worker => break done.map_err(Error::internal)?,
            _ = tokio::time::sleep(HEARTBEAT) => {
                let done = control.finished() as i64;
                let cancel = write_state(db, id, |row| row.patients_done = Set(done)).await?;
                if cancel {
                    control.stop();
                }
            }
        }
    };
    drop(turn);
    match finished {
        Ok((differences, result)) => {
            let runs = if differences.is_some() { 2 } else { 1 };
            let done = (runs * result.patients_per_replication * result.replications as u64) as i64;
            write_state(db, id, |row| row.patients_done = Set(done)).await?;
            let mut value = serde_json::to_value(&result).map_err(Error::internal)?;
            if let (Some(d), Some(object)) = (differences, value.as_object_mut()) {
                object.insert(
                    "differences".into(),
                    serde_json::to_value(d).map_err(Error::internal)?,
                );
            }
            Ok(Some(value))
        }
        Err(engine::budget::Stopped) => Ok(None),
    }
}
