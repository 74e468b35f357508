//! The simulation's view of a pathway: steps as servers with service times, transitions as
//! routes with delays, and how patients arrive. Built once from a valid map; each replication
//! then only reads it.

use super::distribution::TimeDistribution;
use super::schedule::{HOURS_PER_WEEK, Schedule};
use crate::analysis::{AnalysisError, analyse_shared};
use crate::budget::Budget;
use crate::error::InputErrors;
use crate::pathway::PathwayMap;
use crate::validation::Problem;
use crate::values::{OdsCode, StepKey};
use std::sync::Arc;

/// Minutes in a day.
pub const DAY: f64 = 1440.0;
/// Most arrival times a replayed log may give.
pub const MAX_REPLAYED: usize = 10_000_000;

/// How patients arrive at START.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ArrivalInput {
    /// Poisson at the pathway's `demandPerDay`, the same at every hour.
    #[default]
    Flat,
    /// Poisson with the pathway's mean rate shared out over the 168 hours of the week (Monday
    /// 00:00 first) in proportion to these weights.
    ByHour(Vec<f64>),
    /// Poisson at these rates per hour of the week (patients per hour, Monday 00:00 first):
    /// what calibration from a log gives.
    RatePerHour(Vec<f64>),
    /// These arrival times (minutes from the start, as a log's case starts), replayed as given.
    Replay(Vec<f64>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arrivals {
    /// Patients per minute in each hour of the week; `flat` when every hour is the same.
    Poisson {
        per_minute: Box<[f64; HOURS_PER_WEEK]>,
        flat: bool,
    },
    Replay(Arc<[f64]>),
}

impl Arrivals {
    /// Mean arrivals per minute.
    pub(crate) fn mean_rate(&self) -> f64 {
        match self {
            Arrivals::Poisson { per_minute, .. } => {
                per_minute.iter().sum::<f64>() / HOURS_PER_WEEK as f64
            }
            Arrivals::Replay(times) => match (times.first(), times.last()) {
                (Some(a), Some(b)) if b > a => (times.len() - 1) as f64 / (b - a),
                _ => 0.0,
            },
        }
    }
}

/// How many patients a step serves at once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Servers {
    Unlimited,
    Fixed(u32),
    Scheduled(Schedule),
}

impl Servers {
    /// Servers at `minute` of the simulation (`u32::MAX` when unlimited). O(1).
    #[inline]
    pub(crate) fn at(&self, minute: f64) -> u32 {
        match self {
            Servers::Unlimited => u32::MAX,
            Servers::Fixed(n) => *n,
            Servers::Scheduled(s) => s.servers_in_hour(hour_of_week(minute)),
        }
    }

    fn mean(&self) -> Option<f64> {
        match self {
            Servers::Unlimited => None,
            Servers::Fixed(n) => Some(*n as f64),
            Servers::Scheduled(s) => Some(s.mean_servers()),
        }
    }
}

/// The hour of the week (0..168) that `minute` falls in.
#[inline]
pub(crate) fn hour_of_week(minute: f64) -> usize {
    ((minute / 60.0).floor().max(0.0) as u64 % HOURS_PER_WEEK as u64) as usize
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Exit {
    /// Probability of this exit or an earlier one.
    pub cumulative: f64,
    pub to: usize,
    pub delay: TimeDistribution,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimStep {
    pub servers: Servers,
    pub service: TimeDistribution,
    pub queue_capacity: Option<u32>,
    pub exits: Vec<Exit>,
    pub organisation: usize,
}

/// Why a step could not be given other servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ServersChangeError {
    /// No step has the key.
    #[error("the pathway has no step with that key")]
    UnknownStep,
    /// Fewer than 1 or more than [`MAX_SERVERS`](super::schedule::MAX_SERVERS).
    #[error("must be 1 to {}", super::schedule::MAX_SERVERS)]
    OutOfRange,
}

/// Gives step `key` `servers` parallel servers in place of what it had (servers, a schedule or
/// none): the what-if "what if the stroke unit had 9 beds?". O(S).
pub fn set_servers(
    map: &mut PathwayMap,
    key: &str,
    servers: u32,
) -> Result<(), ServersChangeError> {
    let step = (map.steps.iter_mut())
        .find(|s| s.key.as_str() == key)
        .ok_or(ServersChangeError::UnknownStep)?;
    if !(1..=super::schedule::MAX_SERVERS).contains(&servers) {
        return Err(ServersChangeError::OutOfRange);
    }
    step.servers = Some(servers);
    step.schedule = None;
    Ok(())
}

/// Why a pathway cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The map has structural problems (as the analysis reports them).
    #[error("the pathway has {} problem(s) to fix before it can be simulated", .0.len())]
    Problems(Vec<Problem>),
    /// An input field is wrong (arrivals, demand).
    #[error("{0}")]
    Input(InputErrors),
}

/// A pathway ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationModel {
    pub(crate) steps: Vec<SimStep>,
    pub(crate) start: usize,
    pub(crate) arrivals: Arrivals,
    pub(crate) keys: Vec<StepKey>,
    pub(crate) organisations: Vec<OdsCode>,
    /// Expected lead time with no queueing (every step with as many servers as needed).
    pub(crate) lead_time_without_queues: f64,
    /// Expected visits per patient of each step.
    pub(crate) visits: Vec<f64>,
}

impl SimulationModel {
    /// Builds the model of a map: service times (a step's `serviceTime`, else fixed at its
    /// `touchMinutes`), servers, schedules, queue capacities, and each transition's probability
    /// and delay (its `delay`, else fixed at `waitMinutes`). `demand_per_day` sets the Poisson
    /// rate unless arrivals are given per hour or replayed.
    ///
    /// Complexity: that of the analysis (which validates the map and gives expected visits),
    /// plus O(S + T + replayed times · log).
    pub fn new(
        map: &PathwayMap,
        demand_per_day: Option<f64>,
        arrivals: &ArrivalInput,
    ) -> Result<Self, ModelError> {
        let analysis = match analyse_shared(Arc::new(map.clone()), None, &Budget::unlimited()) {
            Ok(a) => a,
            Err(AnalysisError::Problems(p)) => return Err(ModelError::Problems(p)),
            Err(AnalysisError::Stopped) => {
                return Err(ModelError::Problems(vec![]));
            }
        };
        let arrivals = arrivals_from(demand_per_day, arrivals).map_err(ModelError::Input)?;
        let index = map.index_by_key();
        let mut organisations: Vec<OdsCode> = Vec::new();
        let mut steps: Vec<SimStep> = map
            .steps
            .iter()
            .map(|s| {
                let organisation = match organisations.iter().position(|o| o == &s.organisation) {
                    Some(i) => i,
                    None => {
                        organisations.push(s.organisation.clone());
                        organisations.len() - 1
                    }
                };
                SimStep {
                    servers: match (&s.schedule, s.servers) {
                        (Some(schedule), _) => Servers::Scheduled(schedule.clone()),
                        (None, Some(n)) => Servers::Fixed(n),
                        (None, None) => Servers::Unlimited,
                    },
                    service: s
                        .service_time
                        .clone()
                        .unwrap_or_else(|| TimeDistribution::fixed(s.touch_minutes.get())),
                    queue_capacity: s.queue_capacity,
                    exits: Vec::new(),
                    organisation,
                }
            })
            .collect();
        let probabilities = map.effective_probabilities();
        for (t, p) in map.transitions.iter().zip(probabilities) {
            let (Some(&from), Some(&to)) = (index.get(&t.from), index.get(&t.to)) else {
                continue;
            };
            let exits = &mut steps[from].exits;
            let before = exits.last().map_or(0.0, |e| e.cumulative);
            exits.push(Exit {
                cumulative: before + p.unwrap_or(0.0),
                to,
                delay: t
                    .delay
                    .clone()
                    .unwrap_or_else(|| TimeDistribution::fixed(t.wait_minutes.get())),
            });
        }
        let start = map
            .steps
            .iter()
            .position(|s| s.kind == crate::StepKind::Start)
            .unwrap_or(0);
        let visits: Vec<f64> = analysis.steps.iter().map(|s| s.expected_visits).collect();
        let service: f64 = visits
            .iter()
            .zip(&steps)
            .map(|(v, s)| v * s.service.mean())
            .sum();
        let delay: f64 = analysis
            .transitions
            .iter()
            .zip(&map.transitions)
            .map(|(f, t)| {
                f.expected_traversals * t.delay.as_ref().map_or(t.wait_minutes.get(), |d| d.mean())
            })
            .sum();
        Ok(Self {
            steps,
            start,
            arrivals,
            keys: map.steps.iter().map(|s| s.key.clone()).collect(),
            organisations,
            lead_time_without_queues: service + delay,
            visits,
        })
    }

    /// Expected lead time in minutes if no patient ever queued: Σ visits × mean service time +
    /// Σ traversals × mean delay (the analysis' E[T] with the simulated means). O(1).
    pub fn lead_time_without_queues(&self) -> f64 {
        self.lead_time_without_queues
    }

    /// The servers of step `s` for people: `7`, or `up to 3` for a schedule; `None` when
    /// unlimited. O(168).
    pub fn servers_label(&self, s: usize) -> Option<String> {
        match &self.steps.get(s)?.servers {
            Servers::Unlimited => None,
            Servers::Fixed(n) => Some(n.to_string()),
            Servers::Scheduled(schedule) => Some(format!("<={}", schedule.max_servers())),
        }
    }

    /// Mean arrivals per day.
    pub fn arrivals_per_day(&self) -> f64 {
        self.arrivals.mean_rate() * DAY
    }

    /// Offered load of each step with servers: arrivals × visits × mean service time / mean
    /// servers (at 1 or more the queue grows without end). `None` for unlimited steps. O(S).
    pub fn offered_utilisation(&self) -> Vec<Option<f64>> {
        let rate = self.arrivals.mean_rate();
        self.steps
            .iter()
            .zip(&self.visits)
            .map(|(s, v)| {
                s.servers
                    .mean()
                    .map(|n| rate * v * s.service.mean() / n.max(f64::MIN_POSITIVE))
            })
            .collect()
    }
}

pub(crate) fn arrivals_from(
    demand: Option<f64>,
    input: &ArrivalInput,
) -> Result<Arrivals, InputErrors> {
    let mut errors = InputErrors::default();
    let weights_to_rates = |weights: &[f64], scale: f64, errors: &mut InputErrors| {
        let mut per_minute = Box::new([0.0; HOURS_PER_WEEK]);
        if weights.len() != HOURS_PER_WEEK {
            errors.push(
                "arrivals",
                format!(
                    "must give {HOURS_PER_WEEK} hours (7 days of 24, Monday 00:00 first), got {}",
                    weights.len()
                ),
            );
            return per_minute;
        }
        for (i, &w) in weights.iter().enumerate() {
            if !(0.0..=1e6).contains(&w) {
                errors.push(format!("arrivals[{i}]"), "must be 0 to 1000000");
            } else {
                per_minute[i] = w * scale;
            }
        }
        per_minute
    };
    let need_demand = |errors: &mut InputErrors| match demand {
        Some(d) if d > 0.0 => Some(d),
        _ => {
            errors.push(
                "demandPerDay",
                "the pathway needs a demand per day (patients starting it) to simulate arrivals",
            );
            None
        }
    };
    let arrivals = match input {
        ArrivalInput::Flat => {
            let d = need_demand(&mut errors).unwrap_or(0.0);
            Arrivals::Poisson {
                per_minute: Box::new([d / DAY; HOURS_PER_WEEK]),
                flat: true,
            }
        }
        ArrivalInput::ByHour(weights) => {
            let d = need_demand(&mut errors).unwrap_or(0.0);
            let total: f64 = weights.iter().filter(|w| w.is_finite()).sum();
            if total <= 0.0 && weights.len() == HOURS_PER_WEEK {
                errors.push("arrivals", "at least one hour must have a weight above 0");
            }
            // Weights summing to W over the week give hour h the rate 7·d·w_h/W per day's
            // demand d, i.e. 7·d·w_h/W/60 per minute within that hour.
            let scale = if total > 0.0 {
                7.0 * d / total / 60.0
            } else {
                0.0
            };
            Arrivals::Poisson {
                per_minute: weights_to_rates(weights, scale, &mut errors),
                flat: false,
            }
        }
        ArrivalInput::RatePerHour(rates) => {
            let per_minute = weights_to_rates(rates, 1.0 / 60.0, &mut errors);
            if per_minute.iter().all(|&r| r == 0.0) && rates.len() == HOURS_PER_WEEK {
                errors.push("arrivals", "at least one hour must have arrivals");
            }
            Arrivals::Poisson {
                per_minute,
                flat: false,
            }
        }
        ArrivalInput::Replay(times) => {
            if times.is_empty() || times.len() > MAX_REPLAYED {
                errors.push(
                    "arrivals",
                    format!("must replay 1 to {MAX_REPLAYED} arrival times"),
                );
            }
            if let Some(i) = times.iter().position(|t| !t.is_finite() || *t < 0.0) {
                errors.push(format!("arrivals[{i}]"), "must be 0 or more minutes");
            }
            let mut sorted = times.clone();
            sorted.sort_by(f64::total_cmp);
            Arrivals::Replay(sorted.into())
        }
    };
    errors.into_result(|| arrivals)
}
