//! Simulated times and sessions as GraphQL takes and shows them: a step's service time or a
//! transition's delay, and a session of servers.

use super::enums::{DistributionKind, Weekday};
use async_graphql::{InputObject, SimpleObject};

/// A simulated time: a step's service time or a transition's delay.
#[derive(InputObject, SimpleObject, Clone)]
#[graphql(input_name = "SimulatedTimeInput", name = "SimulatedTime")]
pub struct TimeView {
    /// Its shape.
    pub distribution: DistributionKind,
    /// Mean minutes (all shapes but EMPIRICAL).
    pub mean_minutes: Option<f64>,
    /// Standard deviation in minutes (LOGNORMAL, GAMMA).
    pub sd_minutes: Option<f64>,
    /// Shortest minutes (TRIANGULAR).
    pub min_minutes: Option<f64>,
    /// Longest minutes (TRIANGULAR).
    pub max_minutes: Option<f64>,
    /// Observed minutes, each drawn as likely (EMPIRICAL; at most 100000).
    #[graphql(default)]
    pub samples: Vec<f64>,
}

impl From<TimeView> for engine::simulation::TimeInput {
    fn from(t: TimeView) -> Self {
        Self {
            distribution: t.distribution.into(),
            mean_minutes: t.mean_minutes,
            sd_minutes: t.sd_minutes,
            min_minutes: t.min_minutes,
            max_minutes: t.max_minutes,
            samples: t.samples,
        }
    }
}

impl From<&engine::simulation::TimeInput> for TimeView {
    fn from(t: &engine::simulation::TimeInput) -> Self {
        Self {
            distribution: t.distribution.into(),
            mean_minutes: t.mean_minutes,
            sd_minutes: t.sd_minutes,
            min_minutes: t.min_minutes,
            max_minutes: t.max_minutes,
            samples: t.samples.clone(),
        }
    }
}

/// A session of servers: on these days, from one hour to another.
#[derive(InputObject)]
#[graphql(name = "SessionInput")]
pub struct SessionInputView {
    /// The days it runs.
    pub days: Vec<Weekday>,
    /// The hour it starts, 0 to 23.
    pub from_hour: i32,
    /// The hour it ends, 1 to 24, after `fromHour`.
    pub to_hour: i32,
    /// Servers during it.
    pub servers: i32,
}

impl From<SessionInputView> for engine::simulation::SessionInput {
    fn from(s: SessionInputView) -> Self {
        // Out-of-range hours become values the engine refuses by name (255 is never an hour).
        let hour = |h: i32| u8::try_from(h).unwrap_or(u8::MAX);
        Self {
            days: s.days.into_iter().map(Into::into).collect(),
            from_hour: hour(s.from_hour),
            to_hour: hour(s.to_hour),
            servers: u32::try_from(s.servers).unwrap_or(0),
        }
    }
}
