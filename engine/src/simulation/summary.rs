//! What a run found, as estimates with 95% confidence intervals across replications.
//!
//! Each replication gives one value of each figure (its mean wait, its 90th percentile...);
//! replications are independent, so the interval is the t interval of those values.

use super::model::{DAY, SimulationModel};
use super::run::Outcome;
use crate::values::{OdsCode, StepKey};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Bins of the lead-time distribution.
pub const DISTRIBUTION_BINS: usize = 40;

/// A figure estimated from several replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub mean: f64,
    /// 95% confidence interval of the mean across replications.
    pub ci95: [f64; 2],
    /// Standard error of the mean (sd across replications / √n).
    #[serde(skip)]
    pub standard_error: f64,
    #[serde(skip)]
    pub replications: usize,
}

impl Estimate {
    /// The mean and t interval of one value per replication. O(n).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        let mean = if n == 0 {
            0.0
        } else {
            values.iter().sum::<f64>() / n as f64
        };
        let standard_error = if n < 2 {
            0.0
        } else {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            (var / n as f64).sqrt()
        };
        let mut e = Self {
            mean,
            ci95: [mean, mean],
            standard_error,
            replications: n,
        };
        e.ci95 = e.interval(0.95);
        e
    }

    /// The two-sided confidence interval at `level` (e.g. 0.99). O(1).
    pub fn interval(&self, level: f64) -> [f64; 2] {
        if self.replications < 2 || self.standard_error == 0.0 {
            return [self.mean, self.mean];
        }
        let t = StudentsT::new(0.0, 1.0, (self.replications - 1) as f64)
            .map(|d| d.inverse_cdf(0.5 + level / 2.0))
            .unwrap_or(f64::NAN);
        [
            self.mean - t * self.standard_error,
            self.mean + t * self.standard_error,
        ]
    }

    /// Whether `value` lies in the interval at `level`.
    pub fn covers(&self, value: f64, level: f64) -> bool {
        let [lo, hi] = self.interval(level);
        (lo..=hi).contains(&value)
    }
}

/// Lead time from arrival at START to leaving at an END.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadTime {
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
    pub p95: f64,
    /// 95% interval of the mean.
    pub ci95: [f64; 2],
    pub median_ci95: [f64; 2],
    pub p90_ci95: [f64; 2],
    pub p95_ci95: [f64; 2],
    #[serde(skip)]
    pub mean_estimate: Estimate,
    #[serde(skip)]
    pub median_estimate: Estimate,
    #[serde(skip)]
    pub p90_estimate: Estimate,
}

/// Queue wait at one step, per visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueWait {
    pub mean: f64,
    pub p90: f64,
    pub ci95: [f64; 2],
    pub p90_ci95: [f64; 2],
    #[serde(skip)]
    pub mean_estimate: Estimate,
}

/// Minutes per patient, split by what the patient was doing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeBreakdown {
    /// Waiting in a queue for a step's servers.
    pub queueing: Estimate,
    /// Being served at a step.
    pub service: Estimate,
    /// On a transition (letters, transport, referral times): the wait that is not queueing.
    pub transition_delay: Estimate,
    /// Held on a step after being served because the next step's queue was full.
    pub blocked: Estimate,
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepResult {
    pub key: StepKey,
    pub organisation: OdsCode,
    pub queue_wait_minutes: QueueWait,
    /// Busy servers / servers, over the measured window (`None` with unlimited servers).
    pub utilisation: Option<f64>,
    pub utilisation_ci95: Option<[f64; 2]>,
    #[serde(skip)]
    pub utilisation_estimate: Option<Estimate>,
    /// Time-average queue length.
    pub mean_queue: Estimate,
    /// Longest queue in any replication.
    pub max_queue: u32,
    /// Minutes per patient held here by a full queue downstream.
    pub blocked_minutes: Estimate,
    /// Services finished per day.
    pub visits_per_day: Estimate,
    /// The wait before each visit, as a log shows it: the delay along the transition taken to
    /// get here plus the queue wait.
    pub wait_before_minutes: Estimate,
}

/// Minutes per patient in one organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationResult {
    pub ods_code: OdsCode,
    /// Transition delays count against the organisation the patient goes to.
    pub minutes: TimeBreakdown,
    /// Queue wait per visit to its steps with servers (0 when it has none).
    pub queue_wait_minutes: Estimate,
    /// The wait before each visit to its steps (delay plus queueing), as a log shows it.
    pub wait_before_minutes: Estimate,
    /// Busy servers / servers over its steps with servers (`None` when it has none).
    pub utilisation: Option<Estimate>,
    /// Services its steps finish per day.
    pub visits_per_day: Estimate,
}

/// One bar of the lead-time distribution (share of patients, pooled over replications).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DistributionBin {
    pub from_minutes: f64,
    pub to_minutes: f64,
    pub share: f64,
}

/// A step's queue length over the measured window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueSeries {
    pub key: StepKey,
    pub values: Vec<f64>,
}

/// Sampled figures over the measured window, averaged over replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OverTime {
    pub interval_minutes: f64,
    pub patients_in_system: Vec<f64>,
    /// Steps with servers only.
    pub queue_length: Vec<QueueSeries>,
}

/// Everything a run found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationResult {
    pub seed: u64,
    pub replications: usize,
    pub patients_per_replication: u64,
    pub warm_up_minutes: f64,
    pub lead_time_minutes: LeadTime,
    /// Patients finishing the pathway per day.
    pub throughput_per_day: Estimate,
    /// Patients in the pathway, time-averaged.
    pub patients_in_system: Estimate,
    pub where_the_time_goes: TimeBreakdown,
    pub steps: Vec<StepResult>,
    pub organisations: Vec<OrganisationResult>,
    pub lead_time_distribution: Vec<DistributionBin>,
    pub over_time: OverTime,
    /// Expected lead time with no queueing, for comparison.
    pub lead_time_without_queues_minutes: f64,
    /// Steps whose offered load is at or above their servers: their queues grow without end,
    /// so their figures depend on the run's length.
    pub overloaded_steps: Vec<StepKey>,
    /// Measured patients still inside when the run ended (0 unless queues never emptied).
    pub unfinished_patients: u64,
    /// Patients turned away at START because its queue was full.
    pub turned_away_patients: u64,
}

/// The `q` quantile of sorted values (linear between order statistics, R's type 7). O(1).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn quantile_f32(values: &mut [f32], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let k = (((values.len() - 1) as f64) * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f32::total_cmp);
    *v as f64
}

/// Gathers the replications' outcomes into estimates. O(patients · log patients) for the
/// percentiles.
pub(crate) fn summarise(
    model: &SimulationModel,
    seed: u64,
    patients: u64,
    warm_up: f64,
    series_interval: f64,
    mut outcomes: Vec<Outcome>,
) -> SimulationResult {
    let per = |f: &dyn Fn(&Outcome) -> f64, outcomes: &[Outcome]| -> Estimate {
        Estimate::of(&outcomes.iter().map(f).collect::<Vec<_>>())
    };
    let finished = |o: &Outcome| o.lead_times.len().max(1) as f64;
    for o in &mut outcomes {
        o.lead_times.sort_by(f64::total_cmp);
    }
    let q = |q: f64| {
        Estimate::of(
            &outcomes
                .iter()
                .map(|o| quantile(&o.lead_times, q))
                .collect::<Vec<_>>(),
        )
    };
    let mean = per(
        &|o| o.lead_times.iter().sum::<f64>() / finished(o),
        &outcomes,
    );
    let (median, p90, p95) = (q(0.5), q(0.9), q(0.95));
    let lead_time_minutes = LeadTime {
        mean: mean.mean,
        median: median.mean,
        p90: p90.mean,
        p95: p95.mean,
        ci95: mean.ci95,
        median_ci95: median.ci95,
        p90_ci95: p90.ci95,
        p95_ci95: p95.ci95,
        mean_estimate: mean,
        median_estimate: median,
        p90_estimate: p90,
    };
    let breakdown = |parts: &dyn Fn(&Outcome) -> [f64; 4], outcomes: &[Outcome]| TimeBreakdown {
        queueing: per(&|o| parts(o)[0] / finished(o), outcomes),
        service: per(&|o| parts(o)[1] / finished(o), outcomes),
        transition_delay: per(&|o| parts(o)[2] / finished(o), outcomes),
        blocked: per(&|o| parts(o)[3] / finished(o), outcomes),
    };
    let where_the_time_goes = breakdown(&|o| o.parts, &outcomes);
    let days = |o: &Outcome| (o.window / DAY).max(f64::MIN_POSITIVE);

    let organisations = model
        .organisations
        .iter()
        .enumerate()
        .map(|(i, ods)| {
            let mine: Vec<usize> = (0..model.steps.len())
                .filter(|&s| model.steps[s].organisation == i)
                .collect();
            let sum = |o: &Outcome, f: &dyn Fn(&super::run::StepOutcome) -> f64| {
                mine.iter().map(|&s| f(&o.steps[s])).sum::<f64>()
            };
            // Steps with as many servers as needed count their patients as busy but have no
            // capacity: they stay out of the utilisation.
            let limited: Vec<usize> = (mine.iter().copied())
                .filter(|&s| !matches!(model.steps[s].servers, super::model::Servers::Unlimited))
                .collect();
            let over_limited = |o: &Outcome, f: &dyn Fn(&super::run::StepOutcome) -> f64| {
                limited.iter().map(|&s| f(&o.steps[s])).sum::<f64>()
            };
            let waits = |o: &Outcome| {
                over_limited(o, &|st| st.waits.iter().map(|&w| w as f64).sum::<f64>())
            };
            let visits = |o: &Outcome| over_limited(o, &|st| st.waits.len() as f64).max(1.0);
            OrganisationResult {
                ods_code: ods.clone(),
                minutes: breakdown(&|o| o.organisation_parts[i], &outcomes),
                queue_wait_minutes: per(&|o| waits(o) / visits(o), &outcomes),
                wait_before_minutes: per(
                    &|o| {
                        // Steps with unlimited servers record no queue waits (there are
                        // none), so waits and delays are shared over the moves into its steps.
                        (sum(o, &|st| st.delay_in) + waits(o))
                            / sum(o, &|st| st.moves_in as f64).max(1.0)
                    },
                    &outcomes,
                ),
                utilisation: (!limited.is_empty()).then(|| {
                    per(
                        &|o| {
                            over_limited(o, &|st| st.busy_area)
                                / over_limited(o, &|st| st.capacity_area).max(f64::MIN_POSITIVE)
                        },
                        &outcomes,
                    )
                }),
                visits_per_day: per(&|o| sum(o, &|st| st.served as f64) / days(o), &outcomes),
            }
        })
        .collect();
    let offered = model.offered_utilisation();
    let mut steps = Vec::with_capacity(model.steps.len());
    for (s, step) in model.steps.iter().enumerate() {
        let mut means = Vec::with_capacity(outcomes.len());
        let mut p90s = Vec::with_capacity(outcomes.len());
        for o in &mut outcomes {
            let waits = &mut o.steps[s].waits;
            means.push(waits.iter().map(|&w| w as f64).sum::<f64>() / waits.len().max(1) as f64);
            p90s.push(quantile_f32(waits, 0.9));
        }
        let (mean, p90) = (Estimate::of(&means), Estimate::of(&p90s));
        let utilisation = (!matches!(step.servers, super::model::Servers::Unlimited)).then(|| {
            per(
                &|o| o.steps[s].busy_area / o.steps[s].capacity_area.max(f64::MIN_POSITIVE),
                &outcomes,
            )
        });
        steps.push(StepResult {
            key: model.keys[s].clone(),
            organisation: model.organisations[step.organisation].clone(),
            queue_wait_minutes: QueueWait {
                mean: mean.mean,
                p90: p90.mean,
                ci95: mean.ci95,
                p90_ci95: p90.ci95,
                mean_estimate: mean,
            },
            utilisation: utilisation.map(|u| u.mean),
            utilisation_ci95: utilisation.map(|u| u.ci95),
            utilisation_estimate: utilisation,
            mean_queue: per(
                &|o| o.steps[s].queue_area / o.window.max(f64::MIN_POSITIVE),
                &outcomes,
            ),
            max_queue: outcomes
                .iter()
                .map(|o| o.steps[s].max_queue)
                .max()
                .unwrap_or(0),
            blocked_minutes: per(&|o| o.steps[s].blocked / finished(o), &outcomes),
            visits_per_day: per(&|o| o.steps[s].served as f64 / days(o), &outcomes),
            wait_before_minutes: Estimate::of(
                &(outcomes.iter().zip(&means))
                    .map(|(o, queue)| {
                        o.steps[s].delay_in / o.steps[s].moves_in.max(1) as f64 + queue
                    })
                    .collect::<Vec<_>>(),
            ),
        });
    }
    let over_time = over_time(model, series_interval, &outcomes);
    SimulationResult {
        seed,
        replications: outcomes.len(),
        patients_per_replication: patients,
        warm_up_minutes: warm_up,
        throughput_per_day: per(&|o| o.completed as f64 / days(o), &outcomes),
        patients_in_system: per(
            &|o| o.in_system_area / o.window.max(f64::MIN_POSITIVE),
            &outcomes,
        ),
        lead_time_minutes,
        where_the_time_goes,
        steps,
        organisations,
        lead_time_distribution: distribution(&outcomes),
        over_time,
        lead_time_without_queues_minutes: model.lead_time_without_queues(),
        overloaded_steps: (offered.iter().enumerate())
            .filter(|(_, u)| u.is_some_and(|u| u >= 1.0))
            .map(|(s, _)| model.keys[s].clone())
            .collect(),
        unfinished_patients: outcomes.iter().map(|o| o.unfinished).sum(),
        turned_away_patients: outcomes.iter().map(|o| o.turned_away).sum(),
    }
}

fn distribution(outcomes: &[Outcome]) -> Vec<DistributionBin> {
    let p99 = outcomes
        .iter()
        .map(|o| quantile(&o.lead_times, 0.99))
        .fold(0.0, f64::max);
    let total: usize = outcomes.iter().map(|o| o.lead_times.len()).sum();
    if total == 0 || p99 <= 0.0 {
        return Vec::new();
    }
    let width = p99 / DISTRIBUTION_BINS as f64;
    let mut counts = [0usize; DISTRIBUTION_BINS];
    for t in outcomes.iter().flat_map(|o| &o.lead_times) {
        // The last bar also holds the longest 1%.
        counts[((t / width) as usize).min(DISTRIBUTION_BINS - 1)] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| DistributionBin {
            from_minutes: i as f64 * width,
            to_minutes: (i + 1) as f64 * width,
            share: c as f64 / total as f64,
        })
        .collect()
}

fn over_time(model: &SimulationModel, interval: f64, outcomes: &[Outcome]) -> OverTime {
    let points = outcomes.iter().map(|o| o.series.len()).max().unwrap_or(0);
    let mean_at = |i: usize, column: usize| {
        let values: Vec<f64> = outcomes
            .iter()
            .filter_map(|o| o.series.get(i).map(|p| p[column] as f64))
            .collect();
        values.iter().sum::<f64>() / values.len().max(1) as f64
    };
    OverTime {
        interval_minutes: interval,
        patients_in_system: (0..points).map(|i| mean_at(i, 0)).collect(),
        queue_length: (model.steps.iter().enumerate())
            .filter(|(_, s)| !matches!(s.servers, super::model::Servers::Unlimited))
            .map(|(s, _)| QueueSeries {
                key: model.keys[s].clone(),
                values: (0..points).map(|i| mean_at(i, s + 1)).collect(),
            })
            .collect(),
    }
}
