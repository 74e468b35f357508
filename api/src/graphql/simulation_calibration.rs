//! `calibrateSimulation`: a pathway's simulation calibrated from an event log, as a new draft
//! with every fit and how well it fits.

use super::context::{change, db, parse_id};
use super::enums::DistributionKind;
use super::simulated_time::TimeView;
use crate::store::simulations as store;
use async_graphql::{Context, ID, Object, Result, SimpleObject};

/// How patients arrived in a log.
#[derive(SimpleObject)]
#[graphql(name = "ArrivalProfile")]
pub struct ArrivalProfileView {
    /// Cases in the log.
    pub cases: u64,
    /// Hours from the first case's start to the last's.
    pub hours_observed: u64,
    /// Cases per day over those hours.
    pub per_day: f64,
    /// Patients per hour at each hour of the week (Monday 00:00 UTC first, 168 values); empty
    /// when the log spans under four weeks (arrivals are then flat at `perDay`).
    pub per_hour_of_week: Vec<f64>,
}

/// One shape tried for some observed durations.
#[derive(SimpleObject)]
#[graphql(name = "FitCandidate")]
pub struct CandidateView {
    /// The shape.
    pub distribution: DistributionKind,
    /// Its maximum-likelihood mean, minutes.
    pub mean_minutes: f64,
    /// Its standard deviation, minutes.
    pub sd_minutes: f64,
    /// The log-likelihood of the observations.
    pub log_likelihood: f64,
    /// Akaike's information criterion (lower is better).
    pub aic: f64,
}

/// A time fitted to observed durations, and how well it fits.
#[derive(SimpleObject)]
#[graphql(name = "FittedTime")]
pub struct FitView {
    /// The time chosen: the shape with the lowest AIC, or the observed durations themselves
    /// when no shape fits.
    pub time: TimeView,
    /// Durations observed.
    pub observations: u64,
    /// Their mean, minutes.
    pub observed_mean_minutes: f64,
    /// Their median, minutes.
    pub observed_median_minutes: f64,
    /// Kolmogorov–Smirnov distance between the durations and the chosen shape (0 to 1).
    pub ks_statistic: f64,
    /// Its p-value (under 0.05: the shape is doubtful; it overstates the fit a little, the
    /// parameters coming from the same data).
    pub ks_p_value: f64,
    /// Every shape tried, best first.
    pub candidates: Vec<CandidateView>,
}

impl From<engine::simulation::fit::Fit> for FitView {
    fn from(f: engine::simulation::fit::Fit) -> Self {
        Self {
            time: (&f.time).into(),
            observations: f.observations,
            observed_mean_minutes: f.observed_mean_minutes,
            observed_median_minutes: f.observed_median_minutes,
            ks_statistic: f.ks_statistic,
            ks_p_value: f.ks_p_value,
            candidates: (f.candidates.into_iter())
                .map(|c| CandidateView {
                    distribution: c.distribution.into(),
                    mean_minutes: c.mean_minutes,
                    sd_minutes: c.sd_minutes,
                    log_likelihood: c.log_likelihood,
                    aic: c.aic,
                })
                .collect(),
        }
    }
}

/// A step's service time fitted from its start and complete events.
#[derive(SimpleObject)]
#[graphql(name = "FittedServiceTime")]
pub struct ServiceTimeFitView {
    /// The step's key.
    pub step: String,
    /// The fit.
    pub fit: FitView,
}

/// A transition's delay: the observed waits fitted, then net of what else they held.
#[derive(SimpleObject)]
#[graphql(name = "FittedDelay")]
pub struct DelayFitView {
    /// The step the transition leaves (its key).
    pub from: String,
    /// The step it goes to (its key).
    pub to: String,
    /// The shape fitted to the observed waits.
    pub fit: FitView,
    /// The model's mean queue wait at `to`, taken off the observed mean.
    pub queueing_minutes: f64,
    /// `to`'s mean service time, taken off when its events mark only completion.
    pub service_minutes: f64,
    /// The delay the calibrated pathway has.
    pub delay: TimeView,
}

/// What calibrating a simulation from a log did.
#[derive(SimpleObject)]
pub struct CalibrateSimulationPayload {
    /// The new DRAFT version with the calibrated service times, delays, probabilities, waits
    /// and touch times.
    pub pathway: super::pathway::PathwayView,
    /// How patients arrived (use it with `simulate(scenario: {arrivalsFromLog: {logId}})`).
    pub arrivals: Option<ArrivalProfileView>,
    /// Each step's fitted service time.
    pub service_times: Vec<ServiceTimeFitView>,
    /// Each transition's fitted delay.
    pub delays: Vec<DelayFitView>,
    /// Probabilities, waits and touch times taken from the log, as `calibratePathway` gives.
    pub changes: Vec<super::event_log_mutations::CalibratedValueView>,
    /// What could not be calibrated, in plain English.
    pub notes: Vec<String>,
}

#[derive(Default)]
pub struct SimulationCalibrationMutation;

#[Object]
impl SimulationCalibrationMutation {
    /// A new DRAFT version of the pathway ready to simulate, calibrated from an event log:
    /// service times fitted by maximum likelihood from start and complete events (with how well
    /// each fits), transition delays from the waits less the queueing the model explains, and
    /// probabilities, waits and touch times; with the log's arrivals by hour of the week.
    async fn calibrate_simulation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The pathway to calibrate (its id); a new DRAFT version takes the values."
        )]
        pathway_id: ID,
        #[graphql(desc = "The event log to calibrate from (its id).")] log_id: ID,
    ) -> Result<CalibrateSimulationPayload> {
        let pathway_id = parse_id("pathwayId", &pathway_id)?;
        let log_id = parse_id("logId", &log_id)?;
        let (record, c) = store::calibrate(db(ctx)?, &change(ctx), pathway_id, log_id).await?;
        Ok(CalibrateSimulationPayload {
            pathway: super::pathway::PathwayView::new(record),
            arrivals: c.arrivals.map(|a| ArrivalProfileView {
                cases: a.cases,
                hours_observed: a.hours_observed,
                per_day: a.per_day,
                per_hour_of_week: a.per_hour_of_week,
            }),
            service_times: (c.service_times.into_iter())
                .map(|s| ServiceTimeFitView {
                    step: s.step,
                    fit: s.fit.into(),
                })
                .collect(),
            delays: (c.delays.into_iter())
                .map(|d| DelayFitView {
                    from: d.from,
                    to: d.to,
                    delay: (&d.delay).into(),
                    fit: d.fit.into(),
                    queueing_minutes: d.queueing_minutes,
                    service_minutes: d.service_minutes,
                })
                .collect(),
            changes: c.values.into_iter().map(Into::into).collect(),
            notes: c.notes,
        })
    }
}
