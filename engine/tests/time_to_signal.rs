//! Issue 21: the time to signal against an independent simulation written here. The engine walks
//! each run point by point with running counters; this test draws whole series and finds the
//! first signal with the chart's own rule functions (`spc::rules`, checked against
//! NHSRplotthedots elsewhere), from another seed. Over 100,000 runs each, the two means agree
//! within 2% for shifts of 0.5σ, 1σ, 2σ and 3σ under both presets, and at 0 (the in-control run
//! length to a false alarm upwards).

use engine::spc::Direction;
use engine::spc::rules::{run_one_side, trend, two_in_three_windows};
use engine::spc::time_to_signal::{SignalRules, time_to_signal};
use engine::spc::xmr::{TwoInThreeMode, XmrOptions};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const RUNS: usize = 100_000;

/// The first new point (from 1) that signals upwards in `x` (standardised: mean 0, limits ±3,
/// 2σ lines ±2), by the chart's rule functions; `None` when none does.
fn first_signal(x: &[f64], options: &XmrOptions) -> Option<usize> {
    let side: Vec<i8> = x.iter().map(|&v| if v > 0.0 { 1 } else { -1 }).collect();
    let near: Vec<bool> = x
        .iter()
        .map(|&v| match options.two_in_three {
            TwoInThreeMode::BetweenTwoAndThreeSigma => v > 2.0 && v <= 3.0,
            TwoInThreeMode::BeyondTwoSigma => v > 2.0,
        })
        .collect();
    let beyond = x.iter().position(|&v| v > 3.0);
    let shift = run_one_side(&side, options.shift_length)
        .iter()
        .position(|&s| s == 1);
    let rising = trend(x, options.trend_length).iter().position(|&s| s == 1);
    // The first window of three marks its first point; it is known at its third.
    let window = two_in_three_windows(&near, &side)
        .iter()
        .position(|&w| w)
        .map(|start| start + 2);
    [beyond, shift, rising, window]
        .into_iter()
        .flatten()
        .min()
        .map(|i| i + 1)
}

fn independent_mean(shift: f64, options: &XmrOptions, seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut total = 0usize;
    for _ in 0..RUNS {
        // A series that has not signalled yet goes on (never drawn again, which would favour
        // short runs), four times as long each time.
        let mut x: Vec<f64> = Vec::new();
        let mut length = 32;
        loop {
            while x.len() < length {
                let z: f64 = StandardNormal.sample(&mut rng);
                x.push(shift + z);
            }
            if let Some(t) = first_signal(&x, options) {
                total += t;
                break;
            }
            length *= 4;
        }
    }
    total as f64 / RUNS as f64
}

#[test]
fn the_time_to_signal_agrees_with_an_independent_simulation() {
    for (name, options) in [
        (
            "plot the dots",
            XmrOptions::plot_the_dots(Direction::Increase),
        ),
        ("MDC Excel", XmrOptions::mdc_excel(Direction::Increase)),
    ] {
        for shift in [0.0, 0.5, 1.0, 2.0, 3.0] {
            let rules = SignalRules {
                runs: RUNS,
                seed: 11,
                ..SignalRules::of(&options)
            };
            let engine = time_to_signal(shift, &rules).unwrap();
            assert_eq!(engine.censored, 0);
            let test = independent_mean(shift, &options, 97);
            let gap = (engine.expected_points - test).abs() / test;
            eprintln!(
                "{name}, {shift}σ: engine {:.3} (p90 {}), test {test:.3}, gap {:.2}%",
                engine.expected_points,
                engine.p90_points,
                100.0 * gap
            );
            assert!(gap < 0.02, "{name}, {shift}σ: {engine:?} against {test}");
        }
    }
}
