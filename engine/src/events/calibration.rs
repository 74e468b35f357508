//! Calibrating a pathway map from a log: its branch probabilities, waits and touch times
//! replaced by what patients actually experienced, so hotspots rest on evidence.

use super::EventLog;
use super::conformance::{Matching, Visit};
use crate::pathway::PathwayMap;
use crate::whatif::{Change, ProbabilityChange};
use serde::Serialize;

/// One value calibration changes, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalibratedValue {
    /// `step xray` or `transition image_ok → xray`.
    pub subject: String,
    /// `probability`, `waitMinutes` or `touchMinutes`.
    pub field: String,
    pub old: f64,
    pub new: f64,
    /// Cases whose events the new value rests on.
    pub cases: u64,
}

/// The changes that turn the map into its calibrated version, and every value they change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub changes: Vec<Change>,
    pub values: Vec<CalibratedValue>,
}

#[derive(Default, Clone)]
struct Observed {
    /// Times taken (including into silent END steps, where no wait can be seen).
    taken: u64,
    waits_ms: Vec<i64>,
    cases: u64,
    last_case: Option<usize>,
}

impl Observed {
    fn taken_by(&mut self, case: usize) {
        self.taken += 1;
        if self.last_case != Some(case) {
            self.last_case = Some(case);
            self.cases += 1;
        }
    }

    fn add(&mut self, case: usize, value_ms: i64) {
        self.taken += 1;
        self.waits_ms.push(value_ms.max(0));
        if self.last_case != Some(case) {
            self.last_case = Some(case);
            self.cases += 1;
        }
    }

    fn median_minutes(&mut self) -> Option<f64> {
        if self.waits_ms.is_empty() {
            return None;
        }
        self.waits_ms.sort_unstable();
        let minutes: Vec<f64> = self.waits_ms.iter().map(|&w| w as f64 / 60_000.0).collect();
        super::percentile(&minutes, 0.5)
    }
}

/// Rounds to 2 decimals: minutes to the nearest second or so, probabilities to a percent's
/// hundredth, which is all the evidence of a log supports.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Calibrates `map` from `log`: for each map transition taken directly in the log, the median
/// wait (from the end of one visit to the start of the next); for each step with two or more
/// ways out, each taken at least once, the share of moves along each (a case ending at a step
/// whose only silent way out is an END step counts as taking it); for each step whose activity has
/// start and complete events, the median touch time. Values the log cannot speak to are left
/// alone; only values that change are listed. O(n log n) for n events.
pub fn calibrate(log: &EventLog, map: &PathwayMap) -> Calibration {
    let matching = Matching::new(log, map);
    let index = map.index_by_key();
    let ends: Vec<Option<(usize, usize)>> = map
        .transitions
        .iter()
        .map(|t| Some((*index.get(&t.from)?, *index.get(&t.to)?)))
        .collect();
    let mut transition_of = rustc_hash::FxHashMap::default();
    for (i, e) in ends.iter().enumerate() {
        if let Some(e) = e {
            transition_of.entry(*e).or_insert(i);
        }
    }
    let mut waits = vec![Observed::default(); map.transitions.len()];
    let mut silent_exits: Vec<Vec<usize>> = vec![Vec::new(); map.steps.len()];
    for (t, e) in ends.iter().enumerate() {
        if let Some((a, b)) = e
            && map.steps[*b].activity_code.is_none()
        {
            silent_exits[*a].push(t);
        }
    }
    let mut touches = vec![Observed::default(); map.steps.len()];
    let mut visits: Vec<Visit> = Vec::new();
    for (c, case) in log.cases().enumerate() {
        matching.visits(case, &mut visits);
        for v in &visits {
            if v.timed {
                touches[v.step].add(c, v.end_ms - v.start_ms);
            }
        }
        for w in visits.windows(2) {
            if let Some(&t) = transition_of.get(&(w[0].step, w[1].step)) {
                waits[t].add(c, w[1].start_ms - w[0].end_ms);
            }
        }
        // A case that ends where the map's only silent way out leads (an END step without an
        // activity code) took that way, though no wait can be seen.
        if let Some(last) = visits.last()
            && let [t] = silent_exits[last.step].as_slice()
        {
            waits[*t].taken_by(c);
        }
    }

    let mut changes = Vec::new();
    let mut values = Vec::new();
    let label = |t: usize| {
        let tr = &map.transitions[t];
        format!("transition {} → {}", tr.from, tr.to)
    };

    // Probabilities, step by step, for steps with several ways out.
    for (s, step) in map.steps.iter().enumerate() {
        let out: Vec<usize> = (0..map.transitions.len())
            .filter(|&t| ends[t].is_some_and(|(a, _)| a == s))
            .collect();
        if out.len() < 2 {
            continue;
        }
        let total: u64 = out.iter().map(|&t| waits[t].taken).sum();
        // A way out never taken would need a probability of 0, which removes it from the map:
        // leave such steps as they are (conformance lists the way under unseen transitions).
        if total == 0 || out.iter().any(|&t| waits[t].taken == 0) {
            continue;
        }
        let mut shares: Vec<f64> = out
            .iter()
            .map(|&t| round4(waits[t].taken as f64 / total as f64))
            .collect();
        // Rounding must not break the sum: the largest share absorbs the difference.
        let largest = (0..shares.len())
            .max_by(|&x, &y| shares[x].total_cmp(&shares[y]))
            .unwrap_or(0);
        let others: f64 = (0..shares.len())
            .filter(|&i| i != largest)
            .map(|i| shares[i])
            .sum();
        shares[largest] = round4(1.0 - others);
        let cases_out: u64 = out.iter().map(|&t| waits[t].cases).sum();
        let mut probabilities = Vec::new();
        let mut changed = false;
        for (&t, &p) in out.iter().zip(&shares) {
            let old = map.transitions[t].probability.map_or(f64::NAN, |p| p.get());
            if old.is_nan() || (old - p).abs() > 1e-9 {
                changed = true;
                values.push(CalibratedValue {
                    subject: label(t),
                    field: "probability".into(),
                    old,
                    new: p,
                    cases: cases_out,
                });
            }
            probabilities.push(ProbabilityChange {
                to: map.transitions[t].to.to_string(),
                probability: p,
            });
        }
        if changed {
            changes.push(Change::SetProbabilities {
                step: step.key.to_string(),
                probabilities,
            });
        }
    }

    for (t, observed) in waits.iter_mut().enumerate() {
        let Some(median) = observed.median_minutes() else {
            continue;
        };
        let new = round2(median);
        let tr = &map.transitions[t];
        let old = tr.wait_minutes.get();
        if (old - new).abs() > 1e-9 {
            values.push(CalibratedValue {
                subject: label(t),
                field: "waitMinutes".into(),
                old,
                new,
                cases: observed.cases,
            });
            changes.push(Change::SetWaitMinutes {
                from: tr.from.to_string(),
                to: tr.to.to_string(),
                minutes: new,
            });
        }
    }

    for (s, observed) in touches.iter_mut().enumerate() {
        let Some(median) = observed.median_minutes() else {
            continue;
        };
        let new = round2(median);
        let step = &map.steps[s];
        let old = step.touch_minutes.get();
        if (old - new).abs() > 1e-9 {
            values.push(CalibratedValue {
                subject: format!("step {}", step.key),
                field: "touchMinutes".into(),
                old,
                new,
                cases: observed.cases,
            });
            changes.push(Change::SetTouchMinutes {
                step: step.key.to_string(),
                minutes: new,
            });
        }
    }
    Calibration { changes, values }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::conformance::tests::small_map;
    use crate::events::{Lifecycle, LogBuilder};
    use crate::whatif::apply;

    #[test]
    fn probabilities_waits_and_touch_times_come_from_the_log() {
        let map = small_map();
        let mut b = LogBuilder::new();
        // Four cases: three go a → b (waits 20, 30, 40 min), one goes a → c (wait 60 min).
        // A has start/complete events lasting 6 min in every case.
        for (case, via_b, wait) in [
            ("1", true, 20),
            ("2", true, 30),
            ("3", true, 40),
            ("4", false, 60),
        ] {
            let m = |x: i64| x * 60_000;
            b.push(case, "S", 0, None, Lifecycle::Complete);
            b.push(case, "A", m(10), None, Lifecycle::Start);
            b.push(case, "A", m(16), None, Lifecycle::Complete);
            let next = if via_b { "B" } else { "C" };
            b.push(case, next, m(16 + wait), None, Lifecycle::Complete);
        }
        let cal = calibrate(&b.build(), &map);
        let find = |subject: &str, field: &str| {
            cal.values
                .iter()
                .find(|v| v.subject == subject && v.field == field)
                .cloned()
        };
        let ab = find("transition a → b", "probability").unwrap();
        assert_eq!((ab.old, ab.new, ab.cases), (0.5, 0.75, 4));
        assert_eq!(find("transition a → c", "probability").unwrap().new, 0.25);
        // Median of 20, 30, 40.
        let w = find("transition a → b", "waitMinutes").unwrap();
        assert_eq!((w.old, w.new, w.cases), (10.0, 30.0, 3));
        // S → A: from S at 0 to A's start at 10 min: 10, unchanged, so not listed.
        assert!(find("transition s → a", "waitMinutes").is_none());
        let touch = find("step a", "touchMinutes").unwrap();
        assert_eq!((touch.old, touch.new, touch.cases), (5.0, 6.0, 4));
        // The changes apply cleanly to the map and give the same values.
        let calibrated = apply(&map, &cal.changes).unwrap();
        let t = calibrated
            .transitions
            .iter()
            .find(|t| t.from == "a" && t.to == "b")
            .unwrap();
        assert_eq!(t.wait_minutes.get(), 30.0);
        assert_eq!(t.probability.map(|p| p.get()), Some(0.75));
    }
}
