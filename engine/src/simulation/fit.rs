//! Fitting a simulated time to observed durations: exponential, lognormal and gamma by maximum
//! likelihood, the one with the lowest AIC chosen, and how well it fits (Kolmogorov–Smirnov).
//!
//! statrs gives the densities, distribution functions and digamma; the maximum-likelihood
//! estimates themselves are a few lines each (closed forms, and a one-dimensional root for the
//! gamma's shape), which no crate offers for these three shapes together.

use super::distribution::{MAX_SAMPLES, TimeInput};
use crate::values::DistributionKind;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Exp, Gamma, LogNormal};
use statrs::function::gamma::{digamma, ln_gamma};

/// Durations shorter than this (minutes) are taken as this long: many logs record times to the
/// second, so a zero means "under a second", and the lognormal and gamma need positive values.
pub const SHORTEST_MINUTES: f64 = 1.0 / 60.0;
/// Fewest observations a fit is made from.
pub const MIN_OBSERVATIONS: usize = 5;
/// Below this Kolmogorov–Smirnov p-value (with at least [`EMPIRICAL_FROM`] observations) none of
/// the three shapes describes the data, and the observed durations themselves are used.
pub const EMPIRICAL_BELOW_P: f64 = 0.001;
/// Fewest observations for falling back to the observed durations.
pub const EMPIRICAL_FROM: usize = 50;
/// Most observed durations kept for an empirical time (evenly spaced quantiles beyond this).
pub const EMPIRICAL_KEPT: usize = 1_000;

/// One candidate shape and how likely it makes the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub distribution: DistributionKind,
    pub mean_minutes: f64,
    pub sd_minutes: f64,
    pub log_likelihood: f64,
    /// Akaike's information criterion, 2·parameters − 2·log-likelihood: lower is better.
    pub aic: f64,
}

/// The time chosen for some observed durations, and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fit {
    /// What the pathway document takes (`serviceTime` or `delay`).
    pub time: TimeInput,
    pub observations: u64,
    pub observed_mean_minutes: f64,
    pub observed_median_minutes: f64,
    /// Kolmogorov–Smirnov distance between the observed durations and the chosen shape (0 to 1:
    /// the largest gap between the two cumulative distributions).
    pub ks_statistic: f64,
    /// The asymptotic p-value of that distance. The parameters come from the same data, so it
    /// overstates the fit a little (Lilliefors); under 0.05 means the shape is doubtful.
    pub ks_p_value: f64,
    /// Every shape tried, best (lowest AIC) first.
    pub candidates: Vec<Candidate>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Fits durations (minutes): the maximum-likelihood exponential, lognormal and gamma, the one
/// with the lowest AIC chosen; when none fits (p < 0.001 with 50 or more observations) the
/// observed durations themselves (up to 1,000 quantiles); all equal: fixed. `None` with fewer than 5 finite
/// observations. O(n log n).
pub fn fit(durations: &[f64]) -> Option<Fit> {
    let mut x: Vec<f64> = durations
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| v.max(SHORTEST_MINUTES))
        .collect();
    if x.len() < MIN_OBSERVATIONS {
        return None;
    }
    x.sort_unstable_by(f64::total_cmp);
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let logs: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let sum_log = logs.iter().sum::<f64>();
    let mean_log = sum_log / n;
    let median = crate::events::percentile(&x, 0.5).unwrap_or(mean);
    if x[0] == x[x.len() - 1] {
        // Every duration the same: no shape has a spread to fit.
        return Some(Fit {
            time: TimeInput::fixed(round2(mean)),
            observations: x.len() as u64,
            observed_mean_minutes: mean,
            observed_median_minutes: median,
            ks_statistic: 0.0,
            ks_p_value: 1.0,
            candidates: Vec::new(),
        });
    }

    let mut candidates = Vec::with_capacity(3);
    // Exponential: rate 1/mean.
    let exp_ll = -n * mean.ln() - n;
    candidates.push(Candidate {
        distribution: DistributionKind::Exponential,
        mean_minutes: mean,
        sd_minutes: mean,
        log_likelihood: exp_ll,
        aic: 2.0 - 2.0 * exp_ll,
    });
    // Lognormal: μ and σ² are the mean and (biased) variance of the logs.
    let var_log = logs.iter().map(|l| (l - mean_log).powi(2)).sum::<f64>() / n;
    if var_log > 0.0 {
        let sigma = var_log.sqrt();
        let ll = -sum_log - n * sigma.ln() - n / 2.0 * (2.0 * std::f64::consts::PI).ln() - n / 2.0;
        let m = (mean_log + var_log / 2.0).exp();
        candidates.push(Candidate {
            distribution: DistributionKind::Lognormal,
            mean_minutes: m,
            sd_minutes: m * (var_log.exp() - 1.0).sqrt(),
            log_likelihood: ll,
            aic: 4.0 - 2.0 * ll,
        });
    }
    // Gamma: the shape k solves ln k − ψ(k) = ln(mean) − mean(ln x), scale mean/k.
    let s = mean.ln() - mean_log;
    if s > 0.0
        && let Some(k) = gamma_shape(s)
    {
        let theta = mean / k;
        let ll = (k - 1.0) * sum_log - n * mean / theta - n * k * theta.ln() - n * ln_gamma(k);
        candidates.push(Candidate {
            distribution: DistributionKind::Gamma,
            mean_minutes: mean,
            sd_minutes: k.sqrt() * theta,
            log_likelihood: ll,
            aic: 4.0 - 2.0 * ll,
        });
    }
    candidates.retain(|c| c.aic.is_finite());
    candidates.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    let best = candidates.first()?;
    let ks_statistic = ks_distance(&x, best);
    let ks_p_value = ks_p(ks_statistic, x.len());
    let time = if ks_p_value < EMPIRICAL_BELOW_P && x.len() >= EMPIRICAL_FROM {
        empirical(&x)
    } else {
        let mut time = TimeInput::fixed(round2(best.mean_minutes));
        time.distribution = best.distribution;
        if best.distribution != DistributionKind::Exponential {
            time.sd_minutes = Some(round2(best.sd_minutes));
        }
        time
    };
    Some(Fit {
        time,
        observations: x.len() as u64,
        observed_mean_minutes: mean,
        observed_median_minutes: median,
        ks_statistic,
        ks_p_value,
        candidates,
    })
}

/// The observed durations as an empirical time, thinned to evenly spaced quantiles. O(n).
fn empirical(sorted: &[f64]) -> TimeInput {
    let kept = sorted.len().min(EMPIRICAL_KEPT).min(MAX_SAMPLES);
    let samples = (0..kept)
        .map(|i| {
            let at = ((i as f64 + 0.5) / kept as f64 * sorted.len() as f64) as usize;
            round2(sorted[at.min(sorted.len() - 1)])
        })
        .collect();
    TimeInput {
        distribution: DistributionKind::Empirical,
        mean_minutes: None,
        sd_minutes: None,
        min_minutes: None,
        max_minutes: None,
        samples,
    }
}

/// Solves ln k − ψ(k) = s (s > 0) for the gamma's shape; the left side falls from +∞ to 0 as k
/// grows, so bisection on ln k always finds it. O(1) (100 halvings).
fn gamma_shape(s: f64) -> Option<f64> {
    let f = |k: f64| k.ln() - digamma(k) - s;
    let (mut lo, mut hi) = (-30.0f64, 30.0f64);
    if f(lo.exp()) < 0.0 || f(hi.exp()) > 0.0 {
        return None;
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if f(mid.exp()) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(((lo + hi) / 2.0).exp())
}

/// The largest gap between the empirical and the fitted distribution functions. O(n).
fn ks_distance(sorted: &[f64], c: &Candidate) -> f64 {
    let cdf: Box<dyn Fn(f64) -> f64> = match c.distribution {
        DistributionKind::Exponential => match Exp::new(1.0 / c.mean_minutes) {
            Ok(d) => Box::new(move |x| d.cdf(x)),
            Err(_) => return 1.0,
        },
        DistributionKind::Lognormal => {
            let sigma2 = (1.0 + (c.sd_minutes / c.mean_minutes).powi(2)).ln();
            match LogNormal::new(c.mean_minutes.ln() - sigma2 / 2.0, sigma2.sqrt()) {
                Ok(d) => Box::new(move |x| d.cdf(x)),
                Err(_) => return 1.0,
            }
        }
        DistributionKind::Gamma => {
            let k = (c.mean_minutes / c.sd_minutes).powi(2);
            match Gamma::new(k, k / c.mean_minutes) {
                Ok(d) => Box::new(move |x| d.cdf(x)),
                Err(_) => return 1.0,
            }
        }
        _ => return 1.0,
    };
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// P(D > d) for n observations, from Kolmogorov's limiting distribution with Stephens'
/// small-sample correction (as in Numerical Recipes' `probks`). O(1).
fn ks_p(d: f64, n: usize) -> f64 {
    let root = (n as f64).sqrt();
    let lambda = (root + 0.12 + 0.11 / root) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let term = 2.0 * sign * (-2.0 * (k as f64 * lambda).powi(2)).exp();
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
        sign = -sign;
    }
    sum.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::Distribution;

    fn draws<D: Distribution<f64>>(d: D, n: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn each_shape_is_recognised_and_its_parameters_recovered() {
        let n = 20_000;
        // Lognormal μ = ln 120, σ = 0.45: mean 120·e^(σ²/2), sd mean·√(e^σ² − 1).
        let x = draws(rand_distr::LogNormal::new(120f64.ln(), 0.45).unwrap(), n);
        let f = fit(&x).unwrap();
        let mean = 120.0 * (0.45f64 * 0.45 / 2.0).exp();
        let sd = mean * ((0.45f64 * 0.45).exp() - 1.0).sqrt();
        assert_eq!(f.time.distribution, DistributionKind::Lognormal);
        assert!((f.time.mean_minutes.unwrap() / mean - 1.0).abs() < 0.02);
        assert!((f.time.sd_minutes.unwrap() / sd - 1.0).abs() < 0.03);
        assert!(f.ks_p_value > 0.01, "{f:?}");

        // Gamma shape 3, scale 20: mean 60, sd √3·20.
        let x = draws(rand_distr::Gamma::new(3.0, 20.0).unwrap(), n);
        let f = fit(&x).unwrap();
        assert_eq!(f.time.distribution, DistributionKind::Gamma);
        assert!((f.time.mean_minutes.unwrap() / 60.0 - 1.0).abs() < 0.02);
        assert!((f.time.sd_minutes.unwrap() / (3f64.sqrt() * 20.0) - 1.0).abs() < 0.03);

        // Exponential mean 45: the gamma's shape comes out near 1 and the simpler shape wins
        // by AIC (or the two are within the one parameter's penalty).
        let x = draws(rand_distr::Exp::new(1.0 / 45.0).unwrap(), n);
        let f = fit(&x).unwrap();
        assert!((f.time.mean_minutes.unwrap() / 45.0 - 1.0).abs() < 0.02);
        let gamma = f
            .candidates
            .iter()
            .find(|c| c.distribution == DistributionKind::Gamma)
            .unwrap();
        assert!((gamma.mean_minutes / gamma.sd_minutes - 1.0).abs() < 0.03);
        assert!(f.ks_p_value > 0.01);
    }

    #[test]
    fn likelihoods_equal_statrs_densities_summed() {
        let x = draws(rand_distr::Gamma::new(2.0, 10.0).unwrap(), 500);
        let f = fit(&x).unwrap();
        use statrs::distribution::Continuous;
        for c in &f.candidates {
            let ll: f64 = match c.distribution {
                DistributionKind::Exponential => {
                    let d = Exp::new(1.0 / c.mean_minutes).unwrap();
                    x.iter().map(|&v| d.ln_pdf(v)).sum()
                }
                DistributionKind::Lognormal => {
                    let s2 = (1.0 + (c.sd_minutes / c.mean_minutes).powi(2)).ln();
                    let d = LogNormal::new(c.mean_minutes.ln() - s2 / 2.0, s2.sqrt()).unwrap();
                    x.iter().map(|&v| d.ln_pdf(v)).sum()
                }
                _ => {
                    let k = (c.mean_minutes / c.sd_minutes).powi(2);
                    let d = Gamma::new(k, k / c.mean_minutes).unwrap();
                    x.iter().map(|&v| d.ln_pdf(v)).sum()
                }
            };
            assert!(
                (ll - c.log_likelihood).abs() < 1e-6 * ll.abs(),
                "{c:?} {ll}"
            );
        }
    }

    #[test]
    fn data_no_shape_fits_are_kept_as_observed() {
        // Two clusters, at 10 and 200 minutes: no unimodal shape describes them.
        let x: Vec<f64> = (0..2_000)
            .map(|i| if i % 2 == 0 { 10.0 } else { 200.0 } + (i % 7) as f64)
            .collect();
        let f = fit(&x).unwrap();
        assert_eq!(f.time.distribution, DistributionKind::Empirical);
        assert_eq!(f.time.samples.len(), EMPIRICAL_KEPT);
        assert!(f.ks_p_value < EMPIRICAL_BELOW_P);
        assert!(f.time.parse().is_ok());
    }

    #[test]
    fn too_few_or_degenerate_observations() {
        assert!(fit(&[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(fit(&[f64::NAN; 10]).is_none());
        // All equal: fixed.
        let f = fit(&[30.0; 10]).unwrap();
        assert_eq!(f.time, TimeInput::fixed(30.0));
        // Zeros are taken as a second.
        let f = fit(&[0.0, 0.0, 1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!(f.candidates.iter().all(|c| c.log_likelihood.is_finite()));
    }

    #[test]
    fn ks_p_values_match_known_points() {
        // Kolmogorov's distribution: P(K > 1.36) ≈ 0.05, P(K > 1.63) ≈ 0.01 (large n).
        let n = 1_000_000;
        let d = |k: f64| k / (n as f64).sqrt();
        assert!((ks_p(d(1.358), n) - 0.05).abs() < 0.002);
        assert!((ks_p(d(1.628), n) - 0.01).abs() < 0.001);
        assert_eq!(ks_p(0.0, n), 1.0);
    }
}
