//! Time to signal: before a team starts a PDSA cycle, how many new points its measure needs,
//! on average and in 9 cases out of 10, before the chart flags a change of a given size. The
//! limits stay fixed from the baseline; new points are drawn around the baseline mean moved by
//! the change, with the baseline's variation (σ = mean moving range / 1.128); the first special
//! cause in the change's direction under the measure's rules (a point beyond the limit, a shift,
//! a trend, two in three near the limit, with runs counted among the new points only) ends a run.
//!
//! The four rules together have no simple closed form (a trend depends on the order of the
//! points, not only on which side of the mean they fall), so the answer is a seeded simulation
//! with its 95% interval: the same seed gives the same answer on every machine.

use super::xmr::TwoInThreeMode;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Simulated runs: the mean's interval is then about ±1.5% of it for the rules' run lengths.
pub const DEFAULT_RUNS: usize = 20_000;
/// A run that has not signalled by this many points is stopped there (and counted as censored).
pub const MAX_POINTS: usize = 10_000;

/// The rules in use and how to simulate them.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRules {
    /// Points in a row on one side of the mean that make a shift.
    pub shift_length: usize,
    /// Points in a row going one way that make a trend.
    pub trend_length: usize,
    /// Which points count as near the limit for two-in-three.
    pub two_in_three: TwoInThreeMode,
    pub runs: usize,
    pub seed: u64,
}

impl SignalRules {
    /// The rules of a chart's options (their shift, trend and two-in-three), simulated
    /// [`DEFAULT_RUNS`] times from seed 0.
    pub fn of(options: &super::xmr::XmrOptions) -> Self {
        Self {
            shift_length: options.shift_length,
            trend_length: options.trend_length,
            two_in_three: options.two_in_three,
            runs: DEFAULT_RUNS,
            seed: 0,
        }
    }
}

/// How long a change takes to show.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeToSignal {
    /// The mean number of new points until the first signal in the change's direction.
    pub expected_points: f64,
    /// The 95% interval of that mean over the simulated runs.
    pub ci95: [f64; 2],
    /// 9 runs in 10 have signalled by this many points.
    pub p90_points: usize,
    /// Runs simulated.
    pub runs: usize,
    /// Runs that had not signalled after [`MAX_POINTS`] points (counted at that length).
    pub censored: usize,
}

/// Simulates the time to signal of a change of `change_sigmas` standard deviations (its sign is
/// the direction watched; 0 gives the in-control run length to an upward false alarm). Errors
/// when the change is not finite, a rule length is under 2 or no run is asked for.
/// O(runs · run length).
pub fn time_to_signal(change_sigmas: f64, rules: &SignalRules) -> Result<TimeToSignal, String> {
    if !change_sigmas.is_finite() {
        return Err("the change must be a finite number".into());
    }
    if rules.shift_length < 2 || rules.trend_length < 2 {
        return Err("shift and trend lengths must be at least 2".into());
    }
    if rules.runs == 0 {
        return Err("at least one run is needed".into());
    }
    // A fall is watched as a rise of the mirrored series: the rules are symmetric.
    let shift = change_sigmas.abs();
    let mut rng = ChaCha8Rng::seed_from_u64(rules.seed);
    let mut lengths: Vec<usize> = Vec::with_capacity(rules.runs);
    let mut censored = 0;
    for _ in 0..rules.runs {
        let length = one_run(shift, rules, &mut rng);
        censored += usize::from(length.is_none());
        lengths.push(length.unwrap_or(MAX_POINTS));
    }
    let n = lengths.len() as f64;
    let mean = lengths.iter().sum::<usize>() as f64 / n;
    let variance = lengths
        .iter()
        .map(|&l| (l as f64 - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0).max(1.0);
    let half = 1.96 * (variance / n).sqrt();
    lengths.sort_unstable();
    // The smallest length that 90% of runs reach (nearest rank).
    let rank = ((0.9 * n).ceil() as usize).clamp(1, lengths.len());
    Ok(TimeToSignal {
        expected_points: mean,
        ci95: [mean - half, mean + half],
        p90_points: lengths[rank - 1],
        runs: rules.runs,
        censored,
    })
}

/// The time to signal of a change of `change` (in the measure's units) on a measure's XmR chart
/// as `request` draws it: σ = mean moving range / 1.128 of its latest group (whose upper limit is
/// the mean plus 2.66 mean moving ranges), the rules of its preset, and the days between its
/// points, so a weekly measure can be read in weeks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasureSignalTime {
    /// The mean of the chart's latest group, the baseline the change is measured from.
    pub baseline_mean: f64,
    pub change: f64,
    pub sigma: f64,
    pub change_sigmas: f64,
    /// The median days between consecutive points (7 for a weekly measure).
    pub days_between_points: Option<i64>,
    #[serde(flatten)]
    pub time: TimeToSignal,
}

/// Works out [`MeasureSignalTime`] for a measure and its points (in date order). Errors name
/// `change` (not finite, or a measure whose baseline has no variation) or `chartType` (only an
/// XmR chart has one σ). O(points + runs · run length).
pub fn for_measure(
    measure: &crate::measure::Measure,
    points: &[crate::measure::DataPoint],
    request: &super::chart::ChartRequest,
    change: f64,
) -> Result<MeasureSignalTime, crate::InputErrors> {
    measured(measure, points, request, |_| change)
}

/// As [`for_measure`], for a prediction that the measure will reach `value`: the change is the
/// value less the baseline's mean. O(points + runs · run length).
pub fn for_target(
    measure: &crate::measure::Measure,
    points: &[crate::measure::DataPoint],
    request: &super::chart::ChartRequest,
    value: f64,
) -> Result<MeasureSignalTime, crate::InputErrors> {
    measured(measure, points, request, |mean| value - mean)
}

/// How a cycle planned from `start` to `end` compares with the time a change takes to show: the
/// measure's points the dates hold (one on the first day and one every `days_between_points`
/// after it; `None` without a spacing or when the end comes first) and whether that is fewer
/// than the change needs on average. O(1).
pub fn in_cycle(
    found: &MeasureSignalTime,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
) -> (Option<i64>, bool) {
    let points = match found.days_between_points {
        Some(days) if days > 0 && end >= start => Some((end - start).num_days() / days + 1),
        _ => None,
    };
    let too_short = points.is_some_and(|n| (n as f64) < found.time.expected_points);
    (points, too_short)
}

fn measured(
    measure: &crate::measure::Measure,
    points: &[crate::measure::DataPoint],
    request: &super::chart::ChartRequest,
    change_from: impl FnOnce(f64) -> f64,
) -> Result<MeasureSignalTime, crate::InputErrors> {
    use crate::FieldError;
    if measure.chart_type != crate::ChartType::Xmr {
        return Err(FieldError::new(
            "chartType",
            format!(
                "the time to signal is worked out on an XmR chart; this measure is drawn as {}",
                measure.chart_type.as_str()
            ),
        )
        .into());
    }
    let dates: Vec<chrono::NaiveDate> = points.iter().map(|p| p.date).collect();
    let options = super::chart::options(measure, request, &dates)?;
    let view = super::chart::chart(measure, points, request)?;
    // The upper limit is the mean plus LIMIT (2.66) mean moving ranges; σ is one mean moving
    // range over d2 = 1.128, as Making Data Count defines it.
    let (mean, sigma) = view
        .groups
        .last()
        .and_then(|g| {
            let sigma = (g.upper_limit? - g.mean) / super::xmr::LIMIT / 1.128;
            (sigma > 0.0).then_some((g.mean, sigma))
        })
        .ok_or_else(|| {
            FieldError::new(
                "change",
                "the measure's baseline shows no variation (or has no points): no change can be told from it",
            )
        })?;
    let change = change_from(mean);
    if !change.is_finite() {
        return Err(FieldError::new("change", "must be a finite number").into());
    }
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort_unstable();
    let time = time_to_signal(change / sigma, &SignalRules::of(&options))
        .map_err(|e| FieldError::new("change", e))?;
    Ok(MeasureSignalTime {
        baseline_mean: mean,
        change,
        sigma,
        change_sigmas: change / sigma,
        days_between_points: gaps.get(gaps.len() / 2).copied(),
        time,
    })
}

/// One simulated run: the number of the first new point that signals upward, or `None` when
/// none has by [`MAX_POINTS`]. Standardised: baseline mean 0, σ 1, limits ±3, 2σ lines ±2.
fn one_run(shift: f64, rules: &SignalRules, rng: &mut ChaCha8Rng) -> Option<usize> {
    let (mut above, mut rising) = (0usize, 0usize);
    let mut previous: Option<f64> = None;
    // The last three points: whether each is above the mean and near the limit.
    let mut window = [(false, false); 3];
    for t in 1..=MAX_POINTS {
        let z: f64 = StandardNormal.sample(rng);
        let x = shift + z;
        if x > 3.0 {
            return Some(t);
        }
        above = if x > 0.0 { above + 1 } else { 0 };
        rising = match previous {
            Some(p) if x > p => rising + 1,
            _ => 1,
        };
        previous = Some(x);
        let near = match rules.two_in_three {
            TwoInThreeMode::BetweenTwoAndThreeSigma => x > 2.0 && x <= 3.0,
            TwoInThreeMode::BeyondTwoSigma => x > 2.0,
        };
        window = [window[1], window[2], (x > 0.0, near)];
        let two_in_three = t >= 3
            && window.iter().all(|&(up, _)| up)
            && window.iter().filter(|&&(_, near)| near).count() >= 2;
        if above >= rules.shift_length || rising >= rules.trend_length || two_in_three {
            return Some(t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(runs: usize) -> SignalRules {
        SignalRules {
            shift_length: 7,
            trend_length: 7,
            two_in_three: TwoInThreeMode::BetweenTwoAndThreeSigma,
            runs,
            seed: 7,
        }
    }

    #[test]
    fn a_big_change_shows_at_once_and_a_fall_as_soon_as_a_rise() {
        let big = time_to_signal(6.0, &rules(2_000)).unwrap();
        assert!(big.expected_points < 1.1, "{big:?}");
        assert_eq!(big.p90_points, 1);
        let up = time_to_signal(1.0, &rules(2_000)).unwrap();
        let down = time_to_signal(-1.0, &rules(2_000)).unwrap();
        assert_eq!(up, down);
        assert!(up.ci95[0] < up.expected_points && up.expected_points < up.ci95[1]);
    }

    #[test]
    fn a_cycle_holds_a_point_on_its_first_day_and_one_every_spacing_after() {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2025, 1, d).unwrap();
        let found = |days, expected_points| MeasureSignalTime {
            baseline_mean: 0.0,
            change: 1.0,
            sigma: 1.0,
            change_sigmas: 1.0,
            days_between_points: days,
            time: TimeToSignal {
                expected_points,
                ci95: [0.0, 0.0],
                p90_points: 0,
                runs: 1,
                censored: 0,
            },
        };
        // 6 to 27 January, weekly: 6, 13, 20, 27.
        assert_eq!(
            in_cycle(&found(Some(7), 4.5), day(6), day(27)),
            (Some(4), true)
        );
        assert_eq!(
            in_cycle(&found(Some(7), 4.0), day(6), day(27)),
            (Some(4), false)
        );
        assert_eq!(in_cycle(&found(None, 9.0), day(6), day(27)), (None, false));
        assert_eq!(
            in_cycle(&found(Some(7), 9.0), day(27), day(6)),
            (None, false)
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_answer_and_bad_input_is_refused() {
        assert_eq!(
            time_to_signal(0.5, &rules(500)),
            time_to_signal(0.5, &rules(500))
        );
        assert!(time_to_signal(f64::NAN, &rules(10)).is_err());
        assert!(time_to_signal(1.0, &rules(0)).is_err());
    }
}
