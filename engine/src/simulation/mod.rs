//! Discrete-event simulation of a pathway: patients arriving, queueing for a step's servers,
//! being served and moving on along transitions after their delays, so that waits come from
//! capacity and variation rather than from the averages the analysis uses.
//!
//! A run is several independent replications (each its own random stream from one seed, run in
//! parallel across cores); every figure comes with its 95% confidence interval across them. The
//! same model, settings and seed give the same result on every machine.

pub mod calibration;
pub mod difference;
pub mod distribution;
pub mod fit;
pub mod model;
pub mod run;
pub mod schedule;
pub mod summary;

use crate::budget::Stopped;
use crate::error::InputErrors;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub use distribution::{TimeDistribution, TimeInput};
pub use model::{ArrivalInput, ModelError, ServersChangeError, SimulationModel, set_servers};
pub use run::RunControl;
pub use schedule::{Schedule, SessionInput};
pub use summary::{Estimate, SimulationResult};

/// Most measured patients in one run (over every replication).
pub const MAX_PATIENTS: u64 = 10_000_000;
/// Most replications in one run.
pub const MAX_REPLICATIONS: u32 = 1_000;
/// Most patients expected to arrive during the warm-up of one replication.
pub const MAX_WARM_UP_PATIENTS: f64 = 10_000_000.0;

/// How long and how often to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSettings {
    /// Patients measured, over all replications (each gets an equal share).
    pub patients: u64,
    /// Independent replications (at least 2, for an interval).
    pub replications: u32,
    pub seed: u64,
    /// Minutes simulated before patients are measured, so the pathway is not empty; `None`:
    /// three lead times without queues, at least a week.
    pub warm_up_minutes: Option<f64>,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            patients: 100_000,
            replications: 10,
            seed: 1,
            warm_up_minutes: None,
        }
    }
}

impl RunSettings {
    /// Checks the settings against the model; errors name `patients`, `replications` or
    /// `warmUpMinutes`. O(1).
    pub fn check(&self, model: &SimulationModel) -> Result<(), InputErrors> {
        let mut errors = InputErrors::default();
        if !(2..=MAX_REPLICATIONS).contains(&self.replications) {
            errors.push(
                "replications",
                format!("must be 2 to {MAX_REPLICATIONS} (an interval needs at least two)"),
            );
        }
        if self.patients < self.replications as u64 || self.patients > MAX_PATIENTS {
            errors.push(
                "patients",
                format!(
                    "must be at least one per replication ({}) and at most {MAX_PATIENTS}",
                    self.replications
                ),
            );
        }
        let warm_up = self.warm_up(model);
        if !warm_up.is_finite() || warm_up < 0.0 {
            errors.push("warmUpMinutes", "must be 0 or more minutes");
        } else if warm_up * model.arrivals.mean_rate() > MAX_WARM_UP_PATIENTS {
            errors.push(
                "warmUpMinutes",
                format!(
                    "would bring about {:.0} patients before measuring starts (at most {MAX_WARM_UP_PATIENTS})",
                    warm_up * model.arrivals.mean_rate()
                ),
            );
        }
        errors.into_result(|| ())
    }

    /// The warm-up used: the one given or the default. O(1).
    pub fn warm_up(&self, model: &SimulationModel) -> f64 {
        self.warm_up_minutes
            .unwrap_or_else(|| run::default_warm_up(model))
    }
}

/// Simulates the model: `settings.replications` independent replications in parallel, each
/// measuring its share of `settings.patients` patients who arrive after the warm-up, followed
/// until they leave. `control` reports progress and can stop the run.
///
/// Complexity: O(events · log(patients inside at once)) per replication, events being about
/// (visits + transitions) per patient; memory O(patients per replication · visits) for the
/// percentiles. Settings must have passed [`RunSettings::check`].
pub fn simulate(
    model: &SimulationModel,
    settings: &RunSettings,
    control: &RunControl,
) -> Result<SimulationResult, Stopped> {
    let replications = settings.replications.max(1) as u64;
    let per_replication = (settings.patients / replications).max(1);
    let warm_up = settings.warm_up(model);
    let rate = model.arrivals.mean_rate();
    let series_interval = if rate > 0.0 {
        per_replication as f64 / rate / run::SERIES_POINTS as f64
    } else {
        0.0
    };
    let outcomes = (0..replications)
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
            rng.set_stream(i);
            run::Replication {
                model,
                warm_up,
                patients: per_replication,
                series_interval,
                control,
            }
            .run(rng)
        })
        .collect::<Result<Vec<_>, Stopped>>()?;
    Ok(summary::summarise(
        model,
        settings.seed,
        per_replication,
        warm_up,
        series_interval,
        outcomes,
    ))
}
