//! What a change does, by simulation: the changed pathway's figures less the baseline's, each
//! with a confidence interval for the difference.
//!
//! The two runs are independent (each its own replications), so the interval is Welch's: the
//! standard errors add in quadrature, with Welch–Satterthwaite degrees of freedom.

use super::summary::{Estimate, SimulationResult};
use crate::values::StepKey;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One figure before and after a change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    pub baseline: f64,
    pub changed: f64,
    /// `changed − baseline`.
    pub difference: f64,
    /// 95% confidence interval of the difference.
    pub ci95: [f64; 2],
    #[serde(skip)]
    standard_error: f64,
    #[serde(skip)]
    degrees_of_freedom: f64,
}

impl Difference {
    /// The difference of two independent estimates. O(1).
    pub fn between(baseline: &Estimate, changed: &Estimate) -> Self {
        let (a, b) = (
            baseline.standard_error.powi(2),
            changed.standard_error.powi(2),
        );
        let standard_error = (a + b).sqrt();
        let df = |v: f64, n: usize| if n > 1 { v * v / (n - 1) as f64 } else { 0.0 };
        let denominator = df(a, baseline.replications) + df(b, changed.replications);
        let degrees_of_freedom = if denominator > 0.0 {
            (a + b).powi(2) / denominator
        } else {
            f64::INFINITY
        };
        let mut d = Self {
            baseline: baseline.mean,
            changed: changed.mean,
            difference: changed.mean - baseline.mean,
            ci95: [0.0; 2],
            standard_error,
            degrees_of_freedom,
        };
        d.ci95 = d.interval(0.95);
        d
    }

    /// The two-sided interval of the difference at `level` (e.g. 0.99). O(1).
    pub fn interval(&self, level: f64) -> [f64; 2] {
        if self.standard_error == 0.0 || !self.degrees_of_freedom.is_finite() {
            return [self.difference, self.difference];
        }
        let t = StudentsT::new(0.0, 1.0, self.degrees_of_freedom)
            .map(|d| d.inverse_cdf(0.5 + level / 2.0))
            .unwrap_or(f64::NAN);
        [
            self.difference - t * self.standard_error,
            self.difference + t * self.standard_error,
        ]
    }

    /// Whether the interval at `level` holds `value`. O(1).
    pub fn covers(&self, value: f64, level: f64) -> bool {
        let [lo, hi] = self.interval(level);
        (lo..=hi).contains(&value)
    }
}

/// One step before and after (steps in both runs only).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepDifference {
    pub key: StepKey,
    pub queue_wait_minutes: Difference,
    pub wait_before_minutes: Difference,
    /// Only when the step has servers in both runs.
    pub utilisation: Option<Difference>,
}

/// What the change did to every headline figure and step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationDifferences {
    pub lead_time_mean_minutes: Difference,
    pub lead_time_median_minutes: Difference,
    pub lead_time_p90_minutes: Difference,
    pub throughput_per_day: Difference,
    pub patients_in_system: Difference,
    /// Minutes per patient spent queueing.
    pub queueing_minutes: Difference,
    pub steps: Vec<StepDifference>,
    /// Steps of the baseline the change removed.
    pub removed_steps: Vec<StepKey>,
}

/// The changed run's figures less the baseline's, with Welch intervals. O(S²) over steps (maps
/// are small).
pub fn differences(
    baseline: &SimulationResult,
    changed: &SimulationResult,
) -> SimulationDifferences {
    let d = Difference::between;
    let (b, c) = (&baseline.lead_time_minutes, &changed.lead_time_minutes);
    let mut steps = Vec::new();
    let mut removed_steps = Vec::new();
    for before in &baseline.steps {
        let Some(after) = changed.steps.iter().find(|s| s.key == before.key) else {
            removed_steps.push(before.key.clone());
            continue;
        };
        steps.push(StepDifference {
            key: before.key.clone(),
            queue_wait_minutes: d(
                &before.queue_wait_minutes.mean_estimate,
                &after.queue_wait_minutes.mean_estimate,
            ),
            wait_before_minutes: d(&before.wait_before_minutes, &after.wait_before_minutes),
            utilisation: before
                .utilisation_estimate
                .as_ref()
                .zip(after.utilisation_estimate.as_ref())
                .map(|(x, y)| d(x, y)),
        });
    }
    SimulationDifferences {
        lead_time_mean_minutes: d(&b.mean_estimate, &c.mean_estimate),
        lead_time_median_minutes: d(&b.median_estimate, &c.median_estimate),
        lead_time_p90_minutes: d(&b.p90_estimate, &c.p90_estimate),
        throughput_per_day: d(&baseline.throughput_per_day, &changed.throughput_per_day),
        patients_in_system: d(&baseline.patients_in_system, &changed.patients_in_system),
        queueing_minutes: d(
            &baseline.where_the_time_goes.queueing,
            &changed.where_the_time_goes.queueing,
        ),
        steps,
        removed_steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_interval_matches_a_hand_calculation() {
        // Two runs of 10 replications: means 100 and 80, standard errors 3 and 4.
        let a = Estimate {
            standard_error: 3.0,
            replications: 10,
            ..Estimate::of(&[100.0; 10])
        };
        let b = Estimate {
            standard_error: 4.0,
            replications: 10,
            ..Estimate::of(&[80.0; 10])
        };
        let d = Difference::between(&a, &b);
        assert_eq!(d.difference, -20.0);
        // se = 5; df = 25² / (81/9 + 256/9) = 625 / 37.44 = 16.69; t(0.975, 16.69) ≈ 2.114.
        let half = (d.ci95[1] - d.ci95[0]) / 2.0;
        assert!((half - 5.0 * 2.114).abs() < 0.02, "{half}");
        assert!(d.covers(-20.0, 0.95) && !d.covers(0.0, 0.95));
    }
}
