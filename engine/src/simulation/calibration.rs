//! Calibrating a simulation from an event log: how patients arrive (by hour of the week), how
//! long each step serves them (fitted from start and complete events), and the delays along
//! transitions, net of the queueing the model itself explains.
//!
//! A log's wait between two steps holds both: the letter or the transport (a delay) and the time
//! queueing for the next step's servers. Taking the whole wait as delay would count the queueing
//! twice once the model queues patients, so the model is simulated and its mean queue wait at
//! each step is taken off the waits into it (twice, since the queueing depends a little on the
//! delays' spread).

use super::fit::{Fit, fit};
use super::model::{ArrivalInput, ModelError, SimulationModel};
use super::schedule::HOURS_PER_WEEK;
use super::{RunControl, RunSettings, TimeInput, simulate};
use crate::events::EventLog;
use crate::events::calibration::{CalibratedValue, calibrate};
use crate::events::conformance::{Matching, Visit};
use crate::pathway::PathwayMap;
use crate::whatif::{Change, apply};
use serde::Serialize;

/// Shortest span (weeks) over which case starts are shared out by hour of the week: with less,
/// most hours are seen once or not at all, and the arrivals stay flat at the log's rate.
pub const PROFILE_MIN_WEEKS: f64 = 4.0;
/// Patients simulated to measure the queueing the model explains.
const QUEUEING_PATIENTS: u64 = 200_000;

/// How patients arrived in the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArrivalProfile {
    pub cases: u64,
    /// Hours from the first case's start to the last's (at least one).
    pub hours_observed: u64,
    pub per_day: f64,
    /// Patients per hour at each hour of the week (Monday 00:00 UTC first); empty when the log
    /// spans under four weeks (arrivals are then flat at `per_day`).
    pub per_hour_of_week: Vec<f64>,
}

impl ArrivalProfile {
    /// The arrivals the simulation takes. O(1).
    pub fn input(&self) -> ArrivalInput {
        if self.per_hour_of_week.len() == HOURS_PER_WEEK {
            ArrivalInput::RatePerHour(self.per_hour_of_week.clone())
        } else {
            ArrivalInput::Flat
        }
    }
}

/// A step's service time, fitted from its visits' start and complete events.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceTimeFit {
    pub step: String,
    pub fit: Fit,
}

/// A transition's delay: its observed waits fitted, then net of what else the wait held.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DelayFit {
    pub from: String,
    pub to: String,
    /// The shape fitted to the observed waits (before anything is taken off).
    pub fit: Fit,
    /// The model's mean queue wait at `to`, taken off the observed mean.
    pub queueing_minutes: f64,
    /// When `to`'s events mark only completion, its mean service time (which the wait then
    /// holds), taken off the observed mean.
    pub service_minutes: f64,
    /// The delay the calibrated model uses: the fitted shape scaled to the mean that is left.
    pub delay: TimeInput,
}

/// A simulation calibrated from a log: the changes that make the calibrated map, and the
/// evidence for each.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationCalibration {
    pub arrivals: Option<ArrivalProfile>,
    pub service_times: Vec<ServiceTimeFit>,
    pub delays: Vec<DelayFit>,
    /// Probabilities, waits and touch times, as pathway calibration sets them.
    pub values: Vec<CalibratedValue>,
    /// Everything above as changes to the map (apply them with [`crate::whatif::apply`]).
    #[serde(skip)]
    pub changes: Vec<Change>,
    /// What could not be calibrated, in plain English.
    pub notes: Vec<String>,
}

/// Calibrates a simulation of `map` from `log`: probabilities, waits and touch times as
/// [`calibrate`] does; the arrival profile from the cases' first events; service times fitted
/// from timed visits (5 or more); transition delays fitted from the waits along each transition
/// (5 or more), net of the service they hold (when the next step records only completion) and of
/// the queueing the model predicts there (when any step has servers; two simulations of 200,000
/// patients). `demand_per_day` is used when the log has fewer than two cases.
///
/// Complexity: O(n log n) for n events, plus the two simulations when steps have servers.
pub fn calibrate_simulation(
    log: &EventLog,
    map: &PathwayMap,
    demand_per_day: Option<f64>,
) -> Result<SimulationCalibration, ModelError> {
    let mut notes = Vec::new();
    let base = calibrate(log, map);
    let mut calibrated = map.clone();
    let mut changes = Vec::new();
    for change in base.changes {
        match apply(&calibrated, std::slice::from_ref(&change)) {
            Ok(next) => {
                calibrated = next;
                changes.push(change);
            }
            Err(e) => notes.push(format!("{change:?} was not applied: {e}")),
        }
    }
    let observed = Observed::collect(log, &calibrated);
    let arrivals = arrival_profile(log);
    let demand = arrivals.as_ref().map(|a| a.per_day).or(demand_per_day);
    let arrival_input = arrivals
        .as_ref()
        .map(ArrivalProfile::input)
        .unwrap_or_default();

    let mut service_times = Vec::new();
    for (s, durations) in observed.service.iter().enumerate() {
        let Some(f) = fit(durations) else { continue };
        let step = calibrated.steps[s].key.to_string();
        let change = Change::SetServiceTime {
            step: step.clone(),
            time: Some(f.time.clone()),
        };
        match apply(&calibrated, std::slice::from_ref(&change)) {
            Ok(next) => {
                calibrated = next;
                changes.push(change);
                service_times.push(ServiceTimeFit { step, fit: f });
            }
            Err(e) => notes.push(format!("the service time of {step} was not set: {e}")),
        }
    }

    // The waits' fits, and what each holds besides the delay.
    let mut delays: Vec<(usize, Fit, f64)> = Vec::new();
    for (t, waits) in observed.waits.iter().enumerate() {
        if let Some(f) = fit(waits) {
            let to = observed.transition_ends[t].1;
            let untimed = observed.untimed_share[t];
            let service = calibrated.steps[to]
                .service_time
                .as_ref()
                .map_or(calibrated.steps[to].touch_minutes.get(), |d| d.mean());
            delays.push((t, f, untimed * service));
        } else if !waits.is_empty() {
            let tr = &calibrated.transitions[t];
            notes.push(format!(
                "{} → {}: {} wait(s) in the log, too few to fit (at least {})",
                tr.from,
                tr.to,
                waits.len(),
                super::fit::MIN_OBSERVATIONS
            ));
        }
    }
    let queues_anywhere = calibrated.steps.iter().any(|s| s.has_servers());
    let mut queueing = vec![0.0; calibrated.steps.len()];
    let passes = if queues_anywhere { 2 } else { 0 };
    for _ in 0..passes {
        let (map, _, _) = net_delays(&calibrated, &observed, &delays, &queueing, None);
        let model = SimulationModel::new(&map, demand, &arrival_input)?;
        let settings = RunSettings {
            patients: QUEUEING_PATIENTS,
            replications: 4,
            seed: 1,
            warm_up_minutes: None,
        };
        if settings.check(&model).is_err() {
            notes.push("the queueing could not be simulated (the run would be too long); waits are taken as delays".into());
            break;
        }
        let Ok(result) = simulate(&model, &settings, &RunControl::default()) else {
            break;
        };
        for (s, step) in result.steps.iter().enumerate() {
            queueing[s] = step.queue_wait_minutes.mean;
        }
    }
    let (_, delay_changes, delay_fits) =
        net_delays(&calibrated, &observed, &delays, &queueing, Some(&mut notes));
    changes.extend(delay_changes);
    Ok(SimulationCalibration {
        arrivals,
        service_times,
        delays: delay_fits,
        values: base.values,
        changes,
        notes,
    })
}

/// The map with each fitted delay scaled to its observed mean less the service and queueing the
/// wait also held. O(T).
fn net_delays(
    map: &PathwayMap,
    observed: &Observed,
    delays: &[(usize, Fit, f64)],
    queueing: &[f64],
    mut notes: Option<&mut Vec<String>>,
) -> (PathwayMap, Vec<Change>, Vec<DelayFit>) {
    let mut map = map.clone();
    let mut changes = Vec::new();
    let mut fits = Vec::new();
    for (t, f, service) in delays {
        let to = observed.transition_ends[*t].1;
        let tr = &map.transitions[*t];
        let (from_key, to_key) = (tr.from.to_string(), tr.to.to_string());
        let observed_mean = f.observed_mean_minutes;
        let net = observed_mean - service - queueing[to];
        if net < 0.0
            && let Some(notes) = notes.as_deref_mut()
        {
            notes.push(format!(
                "{from_key} → {to_key}: the log's mean wait ({observed_mean:.1} min) is shorter than the service and queueing the model puts in it ({:.1} min); its delay is set to 0",
                service + queueing[to]
            ));
        }
        let delay = scaled(&f.time, net.max(0.0) / observed_mean.max(f64::MIN_POSITIVE));
        let change = Change::SetDelay {
            from: from_key.clone(),
            to: to_key.clone(),
            time: Some(delay.clone()),
        };
        if let Ok(next) = apply(&map, std::slice::from_ref(&change)) {
            map = next;
            changes.push(change);
            fits.push(DelayFit {
                from: from_key,
                to: to_key,
                fit: f.clone(),
                queueing_minutes: queueing[to],
                service_minutes: *service,
                delay,
            });
        }
    }
    (map, changes, fits)
}

/// A time with every duration multiplied by `factor` (the three fitted shapes and the observed
/// durations are all scale families, so the shape is kept). O(samples).
fn scaled(time: &TimeInput, factor: f64) -> TimeInput {
    let r = |v: Option<f64>| v.map(|v| (v * factor * 100.0).round() / 100.0);
    if factor <= 0.0 {
        return TimeInput::fixed(0.0);
    }
    TimeInput {
        distribution: time.distribution,
        mean_minutes: r(time.mean_minutes),
        sd_minutes: r(time.sd_minutes),
        min_minutes: r(time.min_minutes),
        max_minutes: r(time.max_minutes),
        samples: time
            .samples
            .iter()
            .map(|&v| (v * factor * 100.0).round() / 100.0)
            .collect(),
    }
}

/// What the log shows, step by step and transition by transition.
struct Observed {
    /// Service minutes of each step's timed visits.
    service: Vec<Vec<f64>>,
    /// Minutes from the end of one visit to the start of the next, per map transition.
    waits: Vec<Vec<f64>>,
    /// Share of those waits whose next visit had no start event (so the wait ends at completion).
    untimed_share: Vec<f64>,
    transition_ends: Vec<(usize, usize)>,
}

impl Observed {
    /// O(n) for n events.
    fn collect(log: &EventLog, map: &PathwayMap) -> Self {
        let matching = Matching::new(log, map);
        let index = map.index_by_key();
        let transition_ends: Vec<(usize, usize)> = map
            .transitions
            .iter()
            .map(|t| (index[&t.from], index[&t.to]))
            .collect();
        let mut transition_of = rustc_hash::FxHashMap::default();
        for (i, e) in transition_ends.iter().enumerate() {
            transition_of.entry(*e).or_insert(i);
        }
        let mut service = vec![Vec::new(); map.steps.len()];
        let mut waits = vec![Vec::new(); map.transitions.len()];
        let mut untimed = vec![0u64; map.transitions.len()];
        let mut visits: Vec<Visit> = Vec::new();
        for case in log.cases() {
            matching.visits(case, &mut visits);
            for v in &visits {
                if v.timed {
                    service[v.step].push((v.end_ms - v.start_ms) as f64 / 60_000.0);
                }
            }
            for w in visits.windows(2) {
                if let Some(&t) = transition_of.get(&(w[0].step, w[1].step)) {
                    waits[t].push((w[1].start_ms - w[0].end_ms).max(0) as f64 / 60_000.0);
                    untimed[t] += u64::from(!w[1].timed);
                }
            }
        }
        let untimed_share = (waits.iter().zip(&untimed))
            .map(|(w, &u)| {
                if w.is_empty() {
                    0.0
                } else {
                    u as f64 / w.len() as f64
                }
            })
            .collect();
        Self {
            service,
            waits,
            untimed_share,
            transition_ends,
        }
    }
}

/// The log's arrivals: cases per day, and per hour of the week when the log spans four weeks or
/// more; `None` with fewer than two cases. O(events).
pub fn arrival_profile(log: &EventLog) -> Option<ArrivalProfile> {
    profile(&case_starts(log))
}

/// The cases' first events, in minutes from the earliest, in order: the arrivals to replay.
/// O(cases · log cases).
pub fn replayed_arrivals(log: &EventLog) -> Vec<f64> {
    let mut starts = case_starts(log);
    starts.sort_unstable();
    let first = starts.first().copied().unwrap_or(0);
    (starts.iter())
        .map(|&t| (t - first) as f64 / 60_000.0)
        .collect()
}

fn case_starts(log: &EventLog) -> Vec<i64> {
    log.cases()
        .filter_map(|c| c.time_ms.first().copied())
        .collect()
}

/// Cases per hour of the week over the whole hours the log spans. O(cases).
fn profile(case_starts: &[i64]) -> Option<ArrivalProfile> {
    const HOUR_MS: i64 = 3_600_000;
    let first = *case_starts.iter().min()?;
    let last = *case_starts.iter().max()?;
    let cases = case_starts.len() as u64;
    if cases < 2 || last == first {
        return None;
    }
    let first_hour = first.div_euclid(HOUR_MS);
    let hours = (last.div_euclid(HOUR_MS) - first_hour + 1) as u64;
    let per_day = cases as f64 / (hours as f64 / 24.0);
    let mut per_hour_of_week = Vec::new();
    if hours as f64 >= PROFILE_MIN_WEEKS * HOURS_PER_WEEK as f64 {
        let mut counts = [0u64; HOURS_PER_WEEK];
        for &start in case_starts {
            counts[hour_of_week(start.div_euclid(HOUR_MS))] += 1;
        }
        // How often each hour of the week occurs in the span: whole weeks, plus one more
        // for the hours of the part-week that begins at the first case's hour.
        let weeks = hours / HOURS_PER_WEEK as u64;
        let rest = hours % HOURS_PER_WEEK as u64;
        let start_slot = hour_of_week(first_hour);
        per_hour_of_week = (0..HOURS_PER_WEEK)
            .map(|h| {
                let offset = (h + HOURS_PER_WEEK - start_slot) % HOURS_PER_WEEK;
                let seen = weeks + u64::from((offset as u64) < rest);
                counts[h] as f64 / seen as f64
            })
            .collect();
    }
    Some(ArrivalProfile {
        cases,
        hours_observed: hours,
        per_day,
        per_hour_of_week,
    })
}

/// The hour of the week (Monday 00:00 UTC is 0) of an hour counted from 1970-01-01 00:00 UTC,
/// a Thursday. O(1).
fn hour_of_week(hours_since_epoch: i64) -> usize {
    (hours_since_epoch + 3 * 24).rem_euclid(HOURS_PER_WEEK as i64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_of_the_week_start_on_monday() {
        // 1970-01-05 00:00 UTC was a Monday: 4 days after the epoch.
        assert_eq!(hour_of_week(4 * 24), 0);
        assert_eq!(hour_of_week(0), 3 * 24);
        assert_eq!(hour_of_week(4 * 24 + 167), 167);
        assert_eq!(hour_of_week(-1), 3 * 24 - 1);
    }

    #[test]
    fn arrival_rates_count_each_hour_as_often_as_it_occurs() {
        // Five weeks and 10 hours from Monday 00:00, one case every hour on the hour.
        let monday = 4 * 24 * 3_600_000i64;
        let hours = 5 * 168 + 10;
        let starts: Vec<i64> = (0..hours).map(|h| monday + h * 3_600_000).collect();
        let p = profile(&starts).unwrap();
        assert_eq!(p.hours_observed, hours as u64);
        assert!((p.per_day - 24.0).abs() < 1e-9);
        assert!(p.per_hour_of_week.iter().all(|&r| (r - 1.0).abs() < 1e-9));
        // Under four weeks: flat.
        let short: Vec<i64> = (0..100).map(|h| monday + h * 3_600_000).collect();
        assert!(profile(&short).unwrap().per_hour_of_week.is_empty());
        assert!(profile(&short[..1]).is_none());
    }
}
