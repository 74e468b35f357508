//! Simulated times: a step's service time or a transition's delay, as users describe them
//! (`{distribution, meanMinutes, sdMinutes, minMinutes, maxMinutes, samples}`) and as the
//! simulation draws them.
//!
//! Users think in means and spreads, so each shape is given by its mean (and standard deviation,
//! or range); the parameters the samplers take (a lognormal's μ and σ, a gamma's shape and scale,
//! a triangle's mode) are worked out here, once.

use crate::error::InputErrors;
use crate::values::{DistributionKind, Minutes};
use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Triangular};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most samples an empirical distribution may hold.
pub const MAX_SAMPLES: usize = 100_000;

/// A simulated time as users send it (a step's `serviceTime`, a transition's `delay`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeInput {
    pub distribution: DistributionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_minutes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd_minutes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_minutes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
}

impl TimeInput {
    /// A fixed time of `minutes`.
    pub fn fixed(minutes: f64) -> Self {
        Self {
            distribution: DistributionKind::Fixed,
            mean_minutes: Some(minutes),
            sd_minutes: None,
            min_minutes: None,
            max_minutes: None,
            samples: Vec::new(),
        }
    }

    /// Checks the fields the shape needs (and that it is given no others); errors name
    /// `meanMinutes`, `sdMinutes`, `minMinutes`, `maxMinutes` or `samples[i]`. O(samples).
    pub fn parse(&self) -> Result<TimeDistribution, InputErrors> {
        use DistributionKind as K;
        let mut errors = InputErrors::default();
        let minutes = |errors: &mut InputErrors, field: &str, value: Option<f64>| {
            value.and_then(|v| errors.check(field, Minutes::parse(v).map(Minutes::get)))
        };
        let mean = minutes(&mut errors, "meanMinutes", self.mean_minutes);
        let sd = minutes(&mut errors, "sdMinutes", self.sd_minutes);
        let min = minutes(&mut errors, "minMinutes", self.min_minutes);
        let max = minutes(&mut errors, "maxMinutes", self.max_minutes);
        let kind = self.distribution;
        let uses = |field: &str| match field {
            "meanMinutes" => kind != K::Empirical,
            "sdMinutes" => matches!(kind, K::Lognormal | K::Gamma),
            "minMinutes" | "maxMinutes" => kind == K::Triangular,
            _ => kind == K::Empirical,
        };
        for (field, given) in [
            ("meanMinutes", self.mean_minutes.is_some()),
            ("sdMinutes", self.sd_minutes.is_some()),
            ("minMinutes", self.min_minutes.is_some()),
            ("maxMinutes", self.max_minutes.is_some()),
            ("samples", !self.samples.is_empty()),
        ] {
            if given && !uses(field) {
                errors.push(field, format!("is not used by a {kind} distribution"));
            } else if !given && uses(field) {
                errors.push(field, format!("is needed for a {kind} distribution"));
            }
        }
        if self.samples.len() > MAX_SAMPLES {
            errors.push(
                "samples",
                format!(
                    "must hold at most {MAX_SAMPLES} samples, got {}",
                    self.samples.len()
                ),
            );
        }
        let mut samples = Vec::new();
        if kind == K::Empirical && self.samples.len() <= MAX_SAMPLES {
            for (i, &v) in self.samples.iter().enumerate() {
                if let Some(v) = errors.check(&format!("samples[{i}]"), Minutes::parse(v)) {
                    samples.push(v.get());
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let need = |v: Option<f64>| v.unwrap_or(0.0);
        let (mean, sd, min, max) = (need(mean), need(sd), need(min), need(max));
        let shape = match kind {
            K::Fixed => Shape::Fixed(mean),
            K::Exponential if mean == 0.0 => Shape::Fixed(0.0),
            K::Exponential => Shape::Exponential(Exp::new(1.0 / mean).map_err(|e| {
                InputErrors(vec![crate::FieldError::new("meanMinutes", e.to_string())])
            })?),
            K::Lognormal | K::Gamma if sd == 0.0 => Shape::Fixed(mean),
            K::Lognormal | K::Gamma if mean == 0.0 => {
                return Err(single(
                    "meanMinutes",
                    "must be more than 0 when sdMinutes is more than 0",
                ));
            }
            K::Lognormal => {
                // A lognormal with this mean m and standard deviation s has
                // σ² = ln(1 + s²/m²) and μ = ln m − σ²/2.
                let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt())
                    .map(Shape::Lognormal)
                    .map_err(|e| single("sdMinutes", e.to_string()))?
            }
            K::Gamma => {
                // Shape k = m²/s², scale θ = s²/m.
                Gamma::new((mean / sd).powi(2), sd * sd / mean)
                    .map(Shape::Gamma)
                    .map_err(|e| single("sdMinutes", e.to_string()))?
            }
            K::Triangular => {
                if min > max {
                    return Err(single("maxMinutes", "must not be less than minMinutes"));
                }
                // The mean of a triangle is (min + mode + max)/3.
                let mode = 3.0 * mean - min - max;
                if !(min..=max).contains(&mode) || min == max && mean != min {
                    let (lo, hi) = ((2.0 * min + max) / 3.0, (min + 2.0 * max) / 3.0);
                    return Err(single(
                        "meanMinutes",
                        format!(
                            "a triangle from {min} to {max} minutes has a mean between {lo:.1} and {hi:.1}, got {mean}"
                        ),
                    ));
                }
                if min == max {
                    Shape::Fixed(min)
                } else {
                    Triangular::new(min, max, mode)
                        .map(Shape::Triangular)
                        .map_err(|e| single("meanMinutes", e.to_string()))?
                }
            }
            K::Empirical => Shape::Empirical(samples.into()),
        };
        let mean = match &shape {
            Shape::Empirical(s) => s.iter().sum::<f64>() / s.len() as f64,
            _ => mean,
        };
        Ok(TimeDistribution {
            shape,
            mean,
            spec: Some(self.clone()),
        })
    }
}

fn single(field: &str, message: impl Into<String>) -> InputErrors {
    InputErrors(vec![crate::FieldError::new(field, message)])
}

/// A checked simulated time, ready to draw from.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeDistribution {
    shape: Shape,
    mean: f64,
    /// What the user sent, for export (absent for times made in code).
    spec: Option<TimeInput>,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Fixed(f64),
    Exponential(Exp<f64>),
    Lognormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Triangular(Triangular<f64>),
    Empirical(Arc<[f64]>),
}

impl TimeDistribution {
    /// A fixed time.
    pub fn fixed(minutes: f64) -> Self {
        Self {
            shape: Shape::Fixed(minutes),
            mean: minutes,
            spec: None,
        }
    }

    /// Exponential with this mean (fixed at 0 when the mean is 0 or less).
    pub fn exponential(mean: f64) -> Self {
        match Exp::new(1.0 / mean) {
            Ok(exp) if mean > 0.0 => Self {
                shape: Shape::Exponential(exp),
                mean,
                spec: None,
            },
            _ => Self::fixed(0.0),
        }
    }

    /// The time as users send it (what was parsed, or its equivalent). O(samples).
    pub fn spec(&self) -> TimeInput {
        self.spec.clone().unwrap_or_else(|| match &self.shape {
            Shape::Exponential(_) => TimeInput {
                distribution: DistributionKind::Exponential,
                ..TimeInput::fixed(self.mean)
            },
            _ => TimeInput::fixed(self.mean),
        })
    }

    /// The mean in minutes. O(1).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Whether every draw is the same.
    pub fn is_fixed(&self) -> bool {
        matches!(self.shape, Shape::Fixed(_))
    }

    /// One draw, in minutes (never negative). O(1).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.shape {
            Shape::Fixed(v) => *v,
            Shape::Exponential(d) => d.sample(rng),
            Shape::Lognormal(d) => d.sample(rng),
            Shape::Gamma(d) => d.sample(rng),
            Shape::Triangular(d) => d.sample(rng),
            Shape::Empirical(s) => s[rng.random_range(0..s.len())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn input(kind: DistributionKind) -> TimeInput {
        TimeInput {
            distribution: kind,
            ..TimeInput::fixed(0.0)
        }
    }

    fn moments(d: &TimeDistribution) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt())
    }

    #[test]
    fn each_shape_draws_with_the_mean_and_spread_it_was_given() {
        use DistributionKind as K;
        let cases = [
            (K::Exponential, 30.0, None, 30.0),
            (K::Lognormal, 120.0, Some(60.0), 60.0),
            (K::Gamma, 45.0, Some(15.0), 15.0),
        ];
        for (kind, mean, sd, want_sd) in cases {
            let d = TimeInput {
                mean_minutes: Some(mean),
                sd_minutes: sd,
                ..input(kind)
            }
            .parse()
            .unwrap();
            let (m, s) = moments(&d);
            assert!((m - mean).abs() < 0.01 * mean, "{kind}: mean {m}");
            assert!((s - want_sd).abs() < 0.02 * want_sd, "{kind}: sd {s}");
        }
        // A triangle from 10 to 70 with mean 30 has its mode at 10; sd² = (a²+b²+c²−ab−ac−bc)/18.
        let d = TimeInput {
            mean_minutes: Some(30.0),
            min_minutes: Some(10.0),
            max_minutes: Some(70.0),
            ..input(K::Triangular)
        }
        .parse()
        .unwrap();
        let (m, s) = moments(&d);
        let want_sd = ((100.0f64 + 4900.0 + 100.0 - 700.0 - 100.0 - 700.0) / 18.0).sqrt();
        assert!((m - 30.0).abs() < 0.3, "triangle mean {m}");
        assert!(
            (s - want_sd).abs() < 0.02 * want_sd,
            "triangle sd {s} vs {want_sd}"
        );
        let d = TimeInput {
            samples: vec![10.0, 20.0, 60.0],
            mean_minutes: None,
            ..input(K::Empirical)
        }
        .parse()
        .unwrap();
        assert_eq!(d.mean(), 30.0);
        let (m, _) = moments(&d);
        assert!((m - 30.0).abs() < 0.3, "empirical mean {m}");
    }

    #[test]
    fn bad_times_name_their_fields() {
        use DistributionKind as K;
        let fields = |i: TimeInput| -> Vec<String> {
            i.parse()
                .unwrap_err()
                .0
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(TimeInput {
                mean_minutes: None,
                sd_minutes: Some(3.0),
                ..input(K::Lognormal)
            }),
            ["meanMinutes"]
        );
        assert_eq!(
            fields(TimeInput {
                mean_minutes: Some(-1.0),
                ..input(K::Exponential)
            }),
            ["meanMinutes"]
        );
        assert_eq!(
            fields(TimeInput {
                mean_minutes: Some(5.0),
                min_minutes: Some(1.0),
                ..input(K::Gamma)
            }),
            ["sdMinutes", "minMinutes"]
        );
        assert_eq!(
            fields(TimeInput {
                mean_minutes: Some(65.0),
                min_minutes: Some(10.0),
                max_minutes: Some(70.0),
                ..input(K::Triangular)
            }),
            ["meanMinutes"]
        );
        assert_eq!(
            fields(TimeInput {
                mean_minutes: None,
                samples: vec![1.0, f64::NAN, 3.0],
                ..input(K::Empirical)
            }),
            ["samples[1]"]
        );
    }
}
