//! One replication: the event loop that moves patients through the model.
//!
//! Hand-written rather than built on a simulation crate: the Rust ones (`desim`, `sim`,
//! `nexosim`) are general process or coroutine frameworks whose per-event overhead (boxed
//! processes, async executors) is what a million patients in two seconds cannot afford, and none
//! models blocking by a full queue downstream. The loop is a binary heap of small copyable events
//! over index-based state.

use super::model::{Arrivals, SimulationModel, hour_of_week};
use super::model::{DAY, Servers};
use super::schedule::HOURS_PER_WEEK;
use crate::budget::Stopped;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};

/// Points sampled over the measured window for the "over time" series.
pub const SERIES_POINTS: usize = 100;
/// Extra arrivals (as a multiple of the measured patients) allowed while the measured patients
/// finish: enough to keep the congestion they meet, and a bound when a queue never empties.
const DRAIN_ARRIVALS: u64 = 3;

/// Shared between the replications of one run and whoever watches it: patients finished so far,
/// and a flag that asks every replication to stop.
#[derive(Debug, Default)]
pub struct RunControl {
    pub(crate) finished: AtomicU64,
    pub(crate) stop: AtomicBool,
}

impl RunControl {
    /// Measured patients that have finished so far, over every replication.
    pub fn finished(&self) -> u64 {
        self.finished.load(AtomicOrdering::Relaxed)
    }

    /// Asks the run to stop; it ends with [`Stopped`] at its next check (every few thousand events).
    pub fn stop(&self) {
        self.stop.store(true, AtomicOrdering::Relaxed);
    }
}

/// What one step did in one replication.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepOutcome {
    /// Queue wait of each visit by a measured patient.
    pub waits: Vec<f32>,
    /// Blocked minutes of measured patients held on this step's servers.
    pub blocked: f64,
    /// ∫ busy servers dt over the window.
    pub busy_area: f64,
    /// ∫ servers dt over the window (0 for unlimited steps).
    pub capacity_area: f64,
    /// ∫ queue length dt over the window.
    pub queue_area: f64,
    pub max_queue: u32,
    /// Services finished within the window.
    pub served: u64,
    /// Transition delays of measured patients on their way here, summed, and how many moves.
    pub delay_in: f64,
    pub moves_in: u64,
}

/// What one replication measured.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    /// Lead time of each measured patient who finished.
    pub lead_times: Vec<f64>,
    /// Minutes of measured patients, summed: queueing, service, transition delay, blocked.
    pub parts: [f64; 4],
    /// The same, per organisation.
    pub organisation_parts: Vec<[f64; 4]>,
    pub steps: Vec<StepOutcome>,
    /// Minutes from the end of the warm-up to the last measured arrival.
    pub window: f64,
    /// Patients leaving the pathway within the window.
    pub completed: u64,
    /// ∫ patients in the pathway dt over the window.
    pub in_system_area: f64,
    /// Measured patients still inside when the run ended (queues that never emptied, or
    /// steps blocking each other).
    pub unfinished: u64,
    /// Measured patients turned away at START because its queue was full.
    pub turned_away: u64,
    /// Sampled every `series_interval` from the end of the warm-up: patients in the pathway, then
    /// each step's queue.
    pub series: Vec<Vec<u32>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Arrival,
    ServiceDone,
    Reached,
    ScheduleChange,
    WarmUpEnd,
    Sample,
}

#[derive(Debug, Clone, Copy)]
struct Event {
    time: f64,
    seq: u64,
    kind: Kind,
    patient: u32,
    step: u32,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Earliest first (reversed, for the max-heap), ties in the order scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then(other.seq.cmp(&self.seq))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Patient {
    arrived: f64,
    /// When the patient joined the queue it is in, or was blocked.
    since: f64,
    measured: bool,
    parts: [f64; 4],
}

const QUEUEING: usize = 0;
const SERVICE: usize = 1;
const DELAY: usize = 2;
const BLOCKED: usize = 3;

#[derive(Debug, Default)]
struct StepState {
    busy: u32,
    capacity: u32,
    queue: VecDeque<u32>,
    /// Patients on their way here (counted against the queue capacity).
    inbound: u32,
    /// Patients held on an upstream step's servers: (patient, upstream step, exit index).
    blocked: VecDeque<(u32, u32, u32)>,
    /// Last time the areas were brought up to date.
    last: f64,
}

/// Settings of one replication.
pub(crate) struct Replication<'a> {
    pub model: &'a SimulationModel,
    pub warm_up: f64,
    pub patients: u64,
    pub series_interval: f64,
    pub control: &'a RunControl,
}

struct Loop<'a> {
    model: &'a SimulationModel,
    rng: ChaCha8Rng,
    heap: BinaryHeap<Event>,
    seq: u64,
    patients: Vec<Patient>,
    free: Vec<u32>,
    steps: Vec<StepState>,
    out: Outcome,
    in_system: u32,
    in_system_last: f64,
    /// Whether time-weighted figures are being gathered (between warm-up and window end).
    window_open: bool,
    window_start: f64,
    measured: u64,
    to_measure: u64,
    measured_inside: u64,
    arrivals_left: u64,
    replay_next: usize,
    release_work: Vec<usize>,
}

impl Replication<'_> {
    /// Runs one replication on its own random stream. O(events · log(patients in the pathway)).
    pub(crate) fn run(&self, mut rng: ChaCha8Rng) -> Result<Outcome, Stopped> {
        let model = self.model;
        let n = model.steps.len();
        let first_arrival = next_arrival(&model.arrivals, 0.0, &mut rng, 0);
        let mut lp = Loop {
            model,
            rng,
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            patients: Vec::new(),
            free: Vec::new(),
            steps: (0..n)
                .map(|s| StepState {
                    capacity: model.steps[s].servers.at(0.0),
                    ..StepState::default()
                })
                .collect(),
            out: Outcome {
                organisation_parts: vec![[0.0; 4]; model.organisations.len()],
                steps: vec![StepOutcome::default(); n],
                ..Outcome::default()
            },
            in_system: 0,
            in_system_last: 0.0,
            window_open: false,
            window_start: self.warm_up,
            measured: 0,
            to_measure: self.patients,
            measured_inside: 0,
            arrivals_left: u64::MAX,
            replay_next: 1,
            release_work: Vec::new(),
        };
        if let Some(t) = first_arrival {
            lp.schedule(t, Kind::Arrival, 0, 0);
        }
        lp.schedule(self.warm_up, Kind::WarmUpEnd, 0, 0);
        for (s, step) in model.steps.iter().enumerate() {
            if let Servers::Scheduled(schedule) = &step.servers
                && let Some(t) = next_change(schedule, 0.0)
            {
                lp.schedule(t, Kind::ScheduleChange, 0, s as u32);
            }
        }
        let mut events: u64 = 0;
        let mut finished_reported: u64 = 0;
        // Schedule changes recur for ever; two weeks of nothing else means the patients left
        // inside can never move (steps blocking each other), so the run ends.
        let scheduled = (model.steps.iter())
            .filter(|s| matches!(s.servers, Servers::Scheduled(_)))
            .count() as u64;
        let idle_limit = 2 * HOURS_PER_WEEK as u64 * scheduled + 2;
        let mut idle: u64 = 0;
        while let Some(ev) = lp.heap.pop() {
            events += 1;
            if ev.kind == Kind::ScheduleChange {
                idle += 1;
                if idle > idle_limit {
                    break;
                }
            } else if ev.kind != Kind::Sample {
                idle = 0;
            }
            if events & 0xFFF == 0 {
                if self.control.stop.load(AtomicOrdering::Relaxed) {
                    return Err(Stopped);
                }
                let done = lp.measured - lp.measured_inside;
                self.control
                    .finished
                    .fetch_add(done - finished_reported, AtomicOrdering::Relaxed);
                finished_reported = done;
            }
            let now = ev.time;
            match ev.kind {
                Kind::Arrival => lp.arrive(now),
                Kind::ServiceDone => lp.service_done(ev.patient, ev.step as usize, now),
                Kind::Reached => {
                    let s = ev.step as usize;
                    lp.steps[s].inbound -= 1;
                    lp.enter(ev.patient, s, now);
                }
                Kind::ScheduleChange => lp.schedule_change(ev.step as usize, now),
                Kind::WarmUpEnd => lp.open_window(now, self.series_interval),
                Kind::Sample => lp.sample(now, self.series_interval),
            }
            if lp.measured == lp.to_measure && lp.measured_inside == 0 {
                break;
            }
        }
        let done = lp.measured - lp.measured_inside;
        self.control
            .finished
            .fetch_add(done - finished_reported, AtomicOrdering::Relaxed);
        if lp.window_open {
            // The run ended before the last measured arrival (a replay ran out).
            let now = lp.in_system_last.max(lp.window_start);
            lp.close_window(now);
        }
        lp.out.unfinished = lp.measured_inside;
        Ok(lp.out)
    }
}

/// The first time after `now` at which a schedule's servers change. O(168).
fn next_change(schedule: &super::schedule::Schedule, now: f64) -> Option<f64> {
    let hour = (now / 60.0).floor();
    let current = schedule.servers_in_hour(hour_of_week(now));
    (1..=HOURS_PER_WEEK).find_map(|k| {
        let t = (hour + k as f64) * 60.0;
        (schedule.servers_in_hour(hour_of_week(t)) != current).then_some(t)
    })
}

/// The next arrival after `now`, or `None` when a replay has run out. Poisson arrivals with a
/// rate per hour are drawn by inverting the integrated rate: one unit-exponential draw, used up
/// hour by hour (exact, unlike thinning, and one draw per arrival). O(hours with no arrivals
/// crossed).
fn next_arrival(
    arrivals: &Arrivals,
    now: f64,
    rng: &mut ChaCha8Rng,
    replayed: usize,
) -> Option<f64> {
    match arrivals {
        Arrivals::Poisson { per_minute, flat } => {
            let mut e: f64 = Exp1.sample(rng);
            if *flat {
                let rate = per_minute[0];
                return (rate > 0.0).then(|| now + e / rate);
            }
            let mut t = now;
            // A week with no arrivals at all is refused when the model is built, so this ends
            // within 168 hours per unit of `e`.
            for _ in 0..HOURS_PER_WEEK * 64 {
                let rate = per_minute[hour_of_week(t)];
                let end = ((t / 60.0).floor() + 1.0) * 60.0;
                let room = rate * (end - t);
                if rate > 0.0 && e <= room {
                    return Some(t + e / rate);
                }
                e -= room;
                t = end;
            }
            None
        }
        Arrivals::Replay(times) => times.get(replayed).copied(),
    }
}

impl Loop<'_> {
    #[inline]
    fn schedule(&mut self, time: f64, kind: Kind, patient: u32, step: u32) {
        self.seq += 1;
        self.heap.push(Event {
            time,
            seq: self.seq,
            kind,
            patient,
            step,
        });
    }

    /// Brings a step's time-weighted figures up to `now` (before its state changes).
    #[inline]
    fn flush(&mut self, s: usize, now: f64) {
        let state = &mut self.steps[s];
        if self.window_open {
            let dt = now - state.last;
            let out = &mut self.out.steps[s];
            out.busy_area += state.busy as f64 * dt;
            out.queue_area += state.queue.len() as f64 * dt;
            if state.capacity != u32::MAX {
                out.capacity_area += state.capacity as f64 * dt;
            }
        }
        state.last = now;
    }

    #[inline]
    fn flush_system(&mut self, now: f64) {
        if self.window_open {
            self.out.in_system_area += self.in_system as f64 * (now - self.in_system_last);
        }
        self.in_system_last = now;
    }

    fn open_window(&mut self, now: f64, interval: f64) {
        for s in 0..self.steps.len() {
            self.flush(s, now);
        }
        self.flush_system(now);
        self.window_open = true;
        self.window_start = now;
        self.sample(now, interval);
    }

    fn close_window(&mut self, now: f64) {
        for s in 0..self.steps.len() {
            self.flush(s, now);
        }
        self.flush_system(now);
        self.window_open = false;
        self.out.window = now - self.window_start;
    }

    fn sample(&mut self, now: f64, interval: f64) {
        if !self.window_open || self.out.series.len() >= SERIES_POINTS {
            return;
        }
        let mut point = Vec::with_capacity(self.steps.len() + 1);
        point.push(self.in_system);
        point.extend(self.steps.iter().map(|s| s.queue.len() as u32));
        self.out.series.push(point);
        if interval > 0.0 {
            self.schedule(now + interval, Kind::Sample, 0, 0);
        }
    }

    fn arrive(&mut self, now: f64) {
        let model = self.model;
        let replayed = self.replay_next;
        self.replay_next += 1;
        self.arrivals_left = self.arrivals_left.saturating_sub(1);
        if self.arrivals_left > 0
            && let Some(t) = next_arrival(&model.arrivals, now, &mut self.rng, replayed)
        {
            self.schedule(t, Kind::Arrival, 0, 0);
        }
        let measured = now >= self.window_start && self.measured < self.to_measure;
        if measured {
            self.measured += 1;
            if self.measured == self.to_measure {
                self.close_window(now);
                self.arrivals_left = self.to_measure.saturating_mul(DRAIN_ARRIVALS).max(1);
            }
        }
        let start = model.start;
        if let Some(k) = model.steps[start].queue_capacity {
            let st = &self.steps[start];
            if st.queue.len() as u64 + st.busy as u64 + st.inbound as u64
                >= st.capacity as u64 + k as u64
            {
                if measured {
                    self.out.turned_away += 1;
                }
                return;
            }
        }
        let p = Patient {
            arrived: now,
            since: now,
            measured,
            parts: [0.0; 4],
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.patients[id as usize] = p;
                id
            }
            None => {
                self.patients.push(p);
                (self.patients.len() - 1) as u32
            }
        };
        if measured {
            self.measured_inside += 1;
        }
        self.flush_system(now);
        self.in_system += 1;
        self.enter(id, start, now);
    }

    /// The patient joins step `s`: served at once when a server is free, else queues.
    fn enter(&mut self, p: u32, s: usize, now: f64) {
        self.patients[p as usize].since = now;
        let state = &self.steps[s];
        if state.busy < state.capacity && state.queue.is_empty() {
            self.start(p, s, now);
        } else {
            self.flush(s, now);
            let state = &mut self.steps[s];
            state.queue.push_back(p);
            let len = state.queue.len() as u32;
            if self.window_open {
                let out = &mut self.out.steps[s];
                out.max_queue = out.max_queue.max(len);
            }
        }
    }

    fn start(&mut self, p: u32, s: usize, now: f64) {
        self.flush(s, now);
        self.steps[s].busy += 1;
        let step = &self.model.steps[s];
        let service = step.service.sample(&mut self.rng);
        let patient = &mut self.patients[p as usize];
        let wait = now - patient.since;
        patient.parts[QUEUEING] += wait;
        patient.parts[SERVICE] += service;
        if patient.measured {
            if !matches!(step.servers, Servers::Unlimited) {
                self.out.steps[s].waits.push(wait as f32);
            }
            let org = &mut self.out.organisation_parts[step.organisation];
            org[QUEUEING] += wait;
            org[SERVICE] += service;
        }
        self.schedule(now + service, Kind::ServiceDone, p, s as u32);
    }

    /// Starts queued patients while step `s` has free servers.
    fn start_waiting(&mut self, s: usize, now: f64) {
        loop {
            let state = &mut self.steps[s];
            if state.busy >= state.capacity {
                return;
            }
            let Some(p) = state.queue.front().copied() else {
                return;
            };
            self.flush(s, now);
            self.steps[s].queue.pop_front();
            self.start(p, s, now);
        }
    }

    fn service_done(&mut self, p: u32, s: usize, now: f64) {
        if self.window_open {
            self.out.steps[s].served += 1;
        }
        let step = &self.model.steps[s];
        if step.exits.is_empty() {
            self.flush(s, now);
            self.steps[s].busy -= 1;
            self.leave(p, now);
            self.start_waiting(s, now);
            self.release(s, now);
            return;
        }
        let r: f64 = self.rng.random();
        let exit = step
            .exits
            .iter()
            .position(|e| r < e.cumulative)
            .unwrap_or(step.exits.len() - 1);
        let to = step.exits[exit].to;
        if self.is_full(to) {
            self.patients[p as usize].since = now;
            self.steps[to].blocked.push_back((p, s as u32, exit as u32));
            return;
        }
        self.depart(p, s, exit, now);
        self.release(s, now);
    }

    #[inline]
    fn is_full(&self, s: usize) -> bool {
        match self.model.steps[s].queue_capacity {
            None => false,
            Some(k) => {
                let st = &self.steps[s];
                st.queue.len() as u64 + st.busy as u64 + st.inbound as u64
                    >= st.capacity as u64 + k as u64
            }
        }
    }

    /// The patient leaves step `s` along exit `exit`: its server is freed and it reaches the
    /// next step after the transition's delay.
    fn depart(&mut self, p: u32, s: usize, exit: usize, now: f64) {
        let model = self.model;
        let e = &model.steps[s].exits[exit];
        let delay = e.delay.sample(&mut self.rng);
        let patient = &mut self.patients[p as usize];
        patient.parts[DELAY] += delay;
        let next = &model.steps[e.to];
        if patient.measured {
            // A transition's delay counts against the organisation the patient goes to.
            self.out.organisation_parts[next.organisation][DELAY] += delay;
            let into = &mut self.out.steps[e.to];
            into.delay_in += delay;
            into.moves_in += 1;
        }
        if matches!(next.servers, Servers::Unlimited) {
            // Nobody queues at a step with as many servers as needed: its service starts on
            // arrival, so it is drawn now and one event (its end) stands for both. Such a step
            // has no queue capacity and no utilisation, so nothing else needs the arrival.
            let service = next.service.sample(&mut self.rng);
            patient.parts[SERVICE] += service;
            if patient.measured {
                self.out.organisation_parts[next.organisation][SERVICE] += service;
            }
            self.steps[e.to].busy += 1;
            self.schedule(now + delay + service, Kind::ServiceDone, p, e.to as u32);
        } else {
            self.steps[e.to].inbound += 1;
            self.schedule(now + delay, Kind::Reached, p, e.to as u32);
        }
        self.flush(s, now);
        self.steps[s].busy -= 1;
        self.start_waiting(s, now);
    }

    /// A place may have come free at step `s`: patients blocked upstream waiting for it move on,
    /// which frees their servers in turn (worked through a list, not recursion, so a long chain
    /// of blocked steps cannot overflow the stack).
    fn release(&mut self, s: usize, now: f64) {
        if self.model.steps[s].queue_capacity.is_none() && self.steps[s].blocked.is_empty() {
            return;
        }
        self.release_work.push(s);
        while let Some(s) = self.release_work.pop() {
            while !self.steps[s].blocked.is_empty() && !self.is_full(s) {
                let Some((p, from, exit)) = self.steps[s].blocked.pop_front() else {
                    break;
                };
                let patient = &mut self.patients[p as usize];
                let held = now - patient.since;
                patient.parts[BLOCKED] += held;
                if patient.measured {
                    self.out.steps[from as usize].blocked += held;
                    let org = self.model.steps[from as usize].organisation;
                    self.out.organisation_parts[org][BLOCKED] += held;
                }
                self.depart(p, from as usize, exit as usize, now);
                self.release_work.push(from as usize);
            }
        }
    }

    fn leave(&mut self, p: u32, now: f64) {
        self.flush_system(now);
        self.in_system -= 1;
        if self.window_open {
            self.out.completed += 1;
        }
        let patient = self.patients[p as usize];
        if patient.measured {
            self.measured_inside -= 1;
            self.out.lead_times.push(now - patient.arrived);
            for (sum, part) in self.out.parts.iter_mut().zip(patient.parts) {
                *sum += part;
            }
        }
        self.free.push(p);
    }

    fn schedule_change(&mut self, s: usize, now: f64) {
        let Servers::Scheduled(schedule) = &self.model.steps[s].servers else {
            return;
        };
        self.flush(s, now);
        self.steps[s].capacity = schedule.servers_in_hour(hour_of_week(now));
        if let Some(t) = next_change(schedule, now) {
            self.schedule(t, Kind::ScheduleChange, 0, s as u32);
        }
        self.start_waiting(s, now);
        self.release(s, now);
    }
}

/// The default warm-up: long enough for the pathway to fill (three lead times without queues),
/// at least a week so weekly schedules and arrival profiles settle, and five times the longest
/// time a step's queue takes to forget how it started at its load (1/(cμ(1−√ρ)²), the relaxation
/// time of a single-server queue, with c servers serving at rate μ each). Steps loaded at or
/// above their servers never settle and are left out. Capped so that at most a million
/// patients arrive before measuring starts. O(S).
pub(crate) fn default_warm_up(model: &SimulationModel) -> f64 {
    let relaxation = (model.offered_utilisation().iter().zip(&model.steps))
        .filter_map(|(rho, step)| {
            let rho = (*rho)?;
            let servers = match &step.servers {
                Servers::Unlimited => return None,
                Servers::Fixed(n) => *n as f64,
                Servers::Scheduled(s) => s.mean_servers(),
            };
            let mean = step.service.mean();
            (rho < 1.0 && mean > 0.0 && servers > 0.0)
                .then(|| mean / servers / (1.0 - rho.sqrt()).powi(2))
        })
        .fold(0.0, f64::max);
    let rate = model.arrivals.mean_rate();
    let cap = if rate > 0.0 { 1e6 / rate } else { f64::MAX };
    (3.0 * model.lead_time_without_queues())
        .max(7.0 * DAY)
        .max((5.0 * relaxation).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulation::model::ArrivalInput;
    use rand::SeedableRng;

    fn arrivals(input: &ArrivalInput, demand: f64) -> Arrivals {
        super::super::model::arrivals_from(Some(demand), input).expect("arrivals")
    }

    #[test]
    fn arrivals_by_hour_come_only_in_the_hours_given_at_the_pathways_rate() {
        // Weekdays 08:00-18:00 only, twice as many from 08:00 to 09:00.
        let mut weights = vec![0.0; HOURS_PER_WEEK];
        for day in 0..5 {
            for hour in 8..18 {
                weights[day * 24 + hour] = if hour == 8 { 2.0 } else { 1.0 };
            }
        }
        let a = arrivals(&ArrivalInput::ByHour(weights.clone()), 20.0);
        assert!((a.mean_rate() * DAY - 20.0).abs() < 1e-9);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut t = 0.0;
        let mut per_hour = vec![0u64; HOURS_PER_WEEK];
        let weeks = 400.0;
        while let Some(next) = next_arrival(&a, t, &mut rng, 0) {
            if next > weeks * 7.0 * DAY {
                break;
            }
            per_hour[hour_of_week(next)] += 1;
            t = next;
        }
        let total: u64 = per_hour.iter().sum();
        // 20 a day for 7 days a week, all within the weekday hours.
        let expected = 20.0 * 7.0 * weeks;
        assert!(
            (total as f64 - expected).abs() < 3.0 * expected.sqrt(),
            "{total}"
        );
        for (hour, &count) in per_hour.iter().enumerate() {
            if weights[hour] == 0.0 {
                assert_eq!(count, 0, "hour {hour}");
            }
        }
        let (eight, nine) = (per_hour[8] as f64, per_hour[9] as f64);
        assert!((eight / nine - 2.0).abs() < 0.15, "{eight} vs {nine}");
    }

    #[test]
    fn replayed_arrivals_come_in_order_and_then_stop() {
        let a = arrivals(&ArrivalInput::Replay(vec![30.0, 10.0, 20.0]), 1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let got: Vec<Option<f64>> = (0..4).map(|i| next_arrival(&a, 0.0, &mut rng, i)).collect();
        assert_eq!(got, [Some(10.0), Some(20.0), Some(30.0), None]);
        let bad = super::super::model::arrivals_from(None, &ArrivalInput::Replay(vec![5.0, -1.0]));
        assert_eq!(bad.unwrap_err().0[0].field, "arrivals[1]");
    }
}
