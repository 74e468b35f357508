//! The simulation against queueing theory: M/M/c waits against the Erlang C formula, an open
//! Jackson network against its product form, a loss-and-blocking line against its Markov chain,
//! the exact analysis where no step has servers, and the stated coverage of its intervals. Every
//! formula is written here, independently of the engine.

use engine::PathwayDocument;
use engine::simulation::{
    ArrivalInput, RunControl, RunSettings, SimulationModel, SimulationResult, simulate,
};
use serde_json::{Value, json};

fn model(document: Value) -> SimulationModel {
    let parsed = PathwayDocument::from_json(document)
        .and_then(|d| d.parse())
        .expect("a valid document");
    SimulationModel::new(
        &parsed.map,
        parsed.header.demand_per_day.map(|d| d.get()),
        &ArrivalInput::Flat,
    )
    .expect("a model")
}

fn run(
    model: &SimulationModel,
    patients: u64,
    replications: u32,
    seed: u64,
    warm_up: f64,
) -> SimulationResult {
    let settings = RunSettings {
        patients,
        replications,
        seed,
        warm_up_minutes: Some(warm_up),
    };
    settings.check(model).expect("settings");
    simulate(model, &settings, &RunControl::default()).expect("finished")
}

fn step(key: &str, kind: &str, extra: Value) -> Value {
    let mut s = json!({"key": key, "name": key, "kind": kind, "organisation": "RX1"});
    if let (Some(s), Value::Object(extra)) = (s.as_object_mut(), extra) {
        s.extend(extra);
    }
    s
}

fn document(demand_per_day: f64, steps: Vec<Value>, transitions: Vec<Value>) -> Value {
    json!({
        "name": "queue", "owner": "RX1", "demandPerDay": demand_per_day,
        "organisations": [{"odsCode": "RX1", "name": "Trust", "kind": "ACUTE_TRUST"}],
        "steps": steps, "transitions": transitions,
    })
}

fn exponential(mean: f64) -> Value {
    json!({"distribution": "EXPONENTIAL", "meanMinutes": mean})
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let last = term * a / c as f64; // a^c / c!
    let top = last / (1.0 - rho);
    top / (sum + top)
}

/// Mean wait in queue of M/M/c: C(c, a) / (cμ − λ).
fn mmc_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda / mu) / (c as f64 * mu - lambda)
}

const SERVICE_MINUTES: f64 = 10.0;

fn mmc(c: u32, utilisation: f64) -> (SimulationModel, f64, f64) {
    let mu = 1.0 / SERVICE_MINUTES;
    let lambda = utilisation * c as f64 * mu;
    let doc = document(
        lambda * 1440.0,
        vec![
            step("arrive", "START", json!({})),
            step(
                "clinic",
                "ACTIVITY",
                json!({"servers": c, "serviceTime": exponential(SERVICE_MINUTES)}),
            ),
            step("leave", "END", json!({})),
        ],
        vec![
            json!({"from": "arrive", "to": "clinic"}),
            json!({"from": "clinic", "to": "leave"}),
        ],
    );
    // Warm-up: many relaxation times of the queue, 1/(μ(1−√ρ)²) for one server.
    let relaxation = 1.0 / (mu * (1.0 - utilisation.sqrt()).powi(2));
    (model(doc), mmc_wait(c, lambda, mu), 20.0 * relaxation)
}

#[test]
fn erlang_c_is_right_where_it_is_known() {
    // M/M/1: C = ρ; Wq = ρ/(μ − λ).
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    assert!((mmc_wait(1, 0.7, 1.0) - 0.7 / 0.3).abs() < 1e-12);
    // M/M/2 at a = 1: C = 1/3 (textbook value).
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn mmc_waits_match_erlang_c_for_one_to_eight_servers() {
    let mut misses = Vec::new();
    for c in 1..=8u32 {
        for utilisation in [0.5, 0.7, 0.9, 0.95] {
            let (m, want, warm_up) = mmc(c, utilisation);
            // More patients where the wait varies more, so each interval is a few percent wide.
            let patients = if utilisation > 0.9 { 400_000 } else { 100_000 };
            let result = run(&m, patients, 20, 11 + c as u64, warm_up);
            let clinic = &result.steps[1];
            let got = clinic.queue_wait_minutes.mean_estimate;
            let [lo, hi] = got.interval(0.99);
            println!(
                "M/M/{c} at {utilisation}: Erlang C {want:.3}, simulated {:.3} (99% {lo:.3}..{hi:.3}), utilisation {:.3}",
                got.mean,
                clinic.utilisation.unwrap_or(f64::NAN)
            );
            if !got.covers(want, 0.99) {
                misses.push(format!(
                    "M/M/{c} at {utilisation}: {want} not in {lo}..{hi}"
                ));
            }
            let u = clinic.utilisation.unwrap_or(f64::NAN);
            assert!(
                (u - utilisation).abs() < 0.02,
                "M/M/{c} utilisation {u} vs {utilisation}"
            );
        }
    }
    assert!(misses.is_empty(), "{misses:#?}");
}

#[test]
fn the_interval_shrinks_as_runs_grow() {
    let (m, _, warm_up) = mmc(2, 0.8);
    let width = |patients| {
        let e = run(&m, patients, 10, 5, warm_up).steps[1]
            .queue_wait_minutes
            .mean_estimate;
        e.ci95[1] - e.ci95[0]
    };
    let (small, large) = (width(20_000), width(320_000));
    // Sixteen times the patients: a quarter of the width (1/√16), give or take sampling noise.
    let ratio = large / small;
    assert!((0.15..0.40).contains(&ratio), "widths {small} then {large}");
}

#[test]
fn a_jackson_network_with_feedback_matches_its_product_form() {
    // Five stations, each M/M/c; after C a patient goes back to A with probability 0.2, after E
    // back to B with 0.1. External arrivals 3 an hour.
    let stations = [
        ("a", 2u32, 20.0),
        ("b", 1, 12.0),
        ("c", 3, 30.0),
        ("d", 1, 9.0),
        ("e", 2, 25.0),
    ];
    let lambda0 = 3.0 / 60.0;
    // Traffic equations: λa = λ0 + 0.2λc, λb = λa + 0.1λe, λc = λb, λd = 0.8λc, λe = λd.
    // Solved by substitution: λc = λb = λa + 0.1·0.8λc → λa = λ0 + 0.2λc.
    // λc = λ0 + 0.2λc + 0.08λc → λc = λ0 / 0.72.
    let lc = lambda0 / 0.72;
    let rates = [lambda0 + 0.2 * lc, lc, lc, 0.8 * lc, 0.8 * lc];
    let mut steps = vec![step("arrive", "START", json!({}))];
    for (key, c, mean) in stations {
        steps.push(step(
            key,
            "ACTIVITY",
            json!({"servers": c, "serviceTime": exponential(mean)}),
        ));
    }
    steps.push(step("leave", "END", json!({})));
    let transitions = vec![
        json!({"from": "arrive", "to": "a"}),
        json!({"from": "a", "to": "b"}),
        json!({"from": "b", "to": "c"}),
        json!({"from": "c", "to": "a", "probability": 0.2}),
        json!({"from": "c", "to": "d", "probability": 0.8}),
        json!({"from": "d", "to": "e"}),
        json!({"from": "e", "to": "b", "probability": 0.1}),
        json!({"from": "e", "to": "leave", "probability": 0.9}),
    ];
    let m = model(document(lambda0 * 1440.0, steps, transitions));
    let mut sojourn = 0.0;
    let mut waits = Vec::new();
    for ((_, c, mean), rate) in stations.iter().zip(rates) {
        let mu = 1.0 / mean;
        assert!(rate / (*c as f64 * mu) < 1.0);
        let wq = mmc_wait(*c, rate, mu);
        waits.push(wq);
        sojourn += rate / lambda0 * (wq + mean);
    }
    let result = run(&m, 1_000_000, 20, 4, 60.0 * 24.0 * 60.0);
    let lead = result.lead_time_minutes.mean_estimate;
    println!(
        "Jackson: product form {sojourn:.2}, simulated {:.2} {:?}",
        lead.mean,
        lead.interval(0.99)
    );
    assert!(lead.covers(sojourn, 0.99), "sojourn {sojourn} vs {lead:?}");
    let mut misses = Vec::new();
    for (i, want) in waits.iter().enumerate() {
        let got = result.steps[i + 1].queue_wait_minutes.mean_estimate;
        let (c, mean) = (stations[i].1, stations[i].2);
        println!(
            "  station {}: Wq {want:.2}, simulated {:.2} {:?}; utilisation {:.3} vs {:.3}; visits/day {:.2} vs {:.2}",
            stations[i].0,
            got.mean,
            got.interval(0.99),
            result.steps[i + 1].utilisation.unwrap_or(0.0),
            rates[i] * mean / c as f64,
            result.steps[i + 1].visits_per_day.mean,
            rates[i] * 1440.0
        );
        if !got.covers(*want, 0.99) {
            misses.push(stations[i].0);
        }
    }
    assert!(misses.is_empty(), "{misses:?}");
}

#[test]
fn with_no_servers_anywhere_the_mean_lead_time_is_the_exact_analysis() {
    let text = std::fs::read_to_string("../api/src/demo/hip_fracture.json").expect("demo pathway");
    let doc: Value = serde_json::from_str(&text).expect("json");
    let parsed = PathwayDocument::from_json(doc)
        .and_then(|d| d.parse())
        .expect("valid");
    let exact = engine::analyse(&parsed.map, None)
        .expect("analysis")
        .expected_lead_time_minutes;
    let m = SimulationModel::new(&parsed.map, Some(3.5), &ArrivalInput::Flat).expect("model");
    assert!((m.lead_time_without_queues() - exact).abs() < 1e-6);
    let result = run(&m, 100_000, 10, 9, 0.0);
    let lead = result.lead_time_minutes.mean_estimate;
    println!(
        "hip fracture: exact {exact:.1}, simulated {:.1} {:?}",
        lead.mean, lead.ci95
    );
    assert!(lead.covers(exact, 0.99), "exact {exact} vs {lead:?}");
    assert_eq!(result.where_the_time_goes.queueing.mean, 0.0);
    let parts = &result.where_the_time_goes;
    let sum =
        parts.queueing.mean + parts.service.mean + parts.transition_delay.mean + parts.blocked.mean;
    assert!(
        (sum - lead.mean).abs() < 1e-6 * lead.mean,
        "parts {sum} vs lead {}",
        lead.mean
    );
}

#[test]
fn a_full_queue_turns_patients_away_and_blocks_the_step_before_it() {
    // Arrivals lost when the first server is busy or blocked; the second has no waiting room, so
    // a patient served at the first waits on its server until the second is free. A five-state
    // Markov chain gives the loss probability and the time blocked.
    let (lambda, mu1, mu2) = (1.0 / 20.0, 1.0 / 15.0, 1.0 / 18.0);
    let doc = document(
        lambda * 1440.0,
        vec![
            step(
                "arrive",
                "START",
                json!({"servers": 1, "queueCapacity": 0,
                "serviceTime": exponential(1.0 / mu1)}),
            ),
            step(
                "scan",
                "ACTIVITY",
                json!({"servers": 1, "queueCapacity": 0,
                "serviceTime": exponential(1.0 / mu2)}),
            ),
            step("leave", "END", json!({})),
        ],
        vec![
            json!({"from": "arrive", "to": "scan"}),
            json!({"from": "scan", "to": "leave"}),
        ],
    );
    let m = model(doc);
    // States: 0 (idle, idle), 1 (busy, idle), 2 (idle, busy), 3 (busy, busy), 4 (blocked, busy).
    let mut q = [[0.0f64; 5]; 5];
    let mut rate = |from: usize, to: usize, r: f64| {
        q[from][to] += r;
        q[from][from] -= r;
    };
    rate(0, 1, lambda);
    rate(1, 2, mu1);
    rate(2, 3, lambda);
    rate(2, 0, mu2);
    rate(3, 4, mu1);
    rate(3, 1, mu2);
    rate(4, 2, mu2);
    let p = stationary(q);
    let loss = p[1] + p[3] + p[4];
    let admitted = lambda * (1.0 - loss);
    let blocked_per_patient = p[4] / admitted;
    let result = run(&m, 200_000, 20, 21, 10_000.0);
    let arrivals = result.patients_per_replication as f64 * result.replications as f64;
    let lost = result.turned_away_patients as f64 / arrivals;
    println!("loss: chain {loss:.4}, simulated {lost:.4}");
    assert!((lost - loss).abs() < 0.01, "loss {lost} vs {loss}");
    let blocked = result.steps[0].blocked_minutes;
    println!("blocked per patient: chain {blocked_per_patient:.3}, simulated {blocked:?}");
    assert!(blocked.covers(blocked_per_patient, 0.99));
    let lead = result.lead_time_minutes.mean_estimate;
    let want = 1.0 / mu1 + blocked_per_patient + 1.0 / mu2;
    assert!(lead.covers(want, 0.99), "lead {want} vs {lead:?}");
}

/// Stationary distribution of a small generator matrix: πQ = 0, Σπ = 1 (Gaussian elimination with
/// the last equation replaced by the normalisation).
#[allow(clippy::needless_range_loop)] // matrix indices read more plainly than iterators here
fn stationary<const N: usize>(q: [[f64; N]; N]) -> [f64; N] {
    let mut a = [[0.0f64; N]; N];
    let mut b = [0.0f64; N];
    for i in 0..N {
        for j in 0..N {
            a[i][j] = q[j][i];
        }
    }
    a[N - 1] = [1.0; N];
    b[N - 1] = 1.0;
    for col in 0..N {
        let pivot = (col..N)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in 0..N {
            if row != col {
                let f = a[row][col] / a[col][col];
                for k in 0..N {
                    a[row][k] -= f * a[col][k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    std::array::from_fn(|i| b[i] / a[i][i])
}

#[test]
fn the_same_seed_gives_the_same_result_and_another_seed_another() {
    let (m, _, warm_up) = mmc(3, 0.8);
    let a = run(&m, 20_000, 4, 42, warm_up);
    let b = run(&m, 20_000, 4, 42, warm_up);
    let c = run(&m, 20_000, 4, 43, warm_up);
    assert_eq!(a, b);
    assert_ne!(a.lead_time_minutes, c.lead_time_minutes);
}

#[test]
fn ninety_five_percent_intervals_cover_the_truth_about_ninety_five_times_in_a_hundred() {
    let (m, want, warm_up) = mmc(1, 0.5);
    let covered = (0..200u64)
        .filter(|&seed| {
            run(&m, 20_000, 10, 1000 + seed, warm_up).steps[1]
                .queue_wait_minutes
                .mean_estimate
                .covers(want, 0.95)
        })
        .count();
    println!("covered {covered} of 200");
    // Binomial(200, 0.95): mean 190, sd 3.1; outside 180..=198 happens less than 1 time in 300.
    assert!((180..=198).contains(&covered), "covered {covered} of 200");
}

#[test]
fn a_replayed_log_brings_exactly_its_arrivals() {
    let doc = document(
        1.0,
        vec![
            step("arrive", "START", json!({})),
            step(
                "clinic",
                "ACTIVITY",
                json!({"servers": 1, "serviceTime": exponential(5.0)}),
            ),
            step("leave", "END", json!({})),
        ],
        vec![
            json!({"from": "arrive", "to": "clinic"}),
            json!({"from": "clinic", "to": "leave"}),
        ],
    );
    let parsed = PathwayDocument::from_json(doc)
        .and_then(|d| d.parse())
        .expect("valid");
    let times: Vec<f64> = (0..2000).map(|i| i as f64 * 10.0).collect();
    let m = SimulationModel::new(&parsed.map, None, &ArrivalInput::Replay(times)).expect("model");
    // More patients asked for than the log holds: each replication measures the log's 2,000.
    let result = run(&m, 10_000, 2, 1, 0.0);
    assert_eq!(result.unfinished_patients, 0);
    let per_day = result.throughput_per_day.mean;
    assert!(
        (per_day - 144.0).abs() < 2.0,
        "{per_day} a day from one every 10 minutes"
    );
    let clinic = &result.steps[1];
    // ρ = 0.5 with deterministic arrivals: a D/M/1 queue waits less than M/M/1's 5 minutes.
    assert!(
        clinic.queue_wait_minutes.mean < 5.0,
        "{:?}",
        clinic.queue_wait_minutes
    );
    assert!((clinic.utilisation.unwrap() - 0.5).abs() < 0.05);
}

#[test]
fn a_step_is_given_other_servers_in_place_of_its_schedule() {
    use engine::simulation::{ServersChangeError, set_servers};
    let doc = document(
        10.0,
        vec![
            step("arrive", "START", json!({})),
            step(
                "clinic",
                "ACTIVITY",
                json!({"schedule": [{"days": ["MONDAY"], "fromHour": 8, "toHour": 12, "servers": 2}]}),
            ),
            step("leave", "END", json!({})),
        ],
        vec![
            json!({"from": "arrive", "to": "clinic"}),
            json!({"from": "clinic", "to": "leave"}),
        ],
    );
    let mut map = PathwayDocument::from_json(doc)
        .and_then(|d| d.parse())
        .expect("valid")
        .map;
    assert_eq!(
        set_servers(&mut map, "ward", 3),
        Err(ServersChangeError::UnknownStep)
    );
    assert_eq!(
        set_servers(&mut map, "clinic", 0),
        Err(ServersChangeError::OutOfRange)
    );
    assert!(map.steps[1].schedule.is_some());
    set_servers(&mut map, "clinic", 3).expect("changed");
    assert_eq!(
        (map.steps[1].servers, map.steps[1].schedule.is_none()),
        (Some(3), true)
    );
}

/// A log of an M/M/1 step behind a delay, written by hand: Poisson arrivals at rate λ recorded
/// at START, an exponential delay of mean `delay` (a letter: no queue), then one server with
/// exponential service of mean `service`, first come first served (Lindley's recursion), with
/// start and complete events.
fn mm1_behind_a_delay_log(
    lambda_per_minute: f64,
    delay: f64,
    service: f64,
    patients: usize,
) -> engine::events::EventLog {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let gap = Exp::new(lambda_per_minute).unwrap();
    let letter = Exp::new(1.0 / delay).unwrap();
    let serve = Exp::new(1.0 / service).unwrap();
    let mut arrivals = Vec::with_capacity(patients);
    let mut t = 0.0;
    for i in 0..patients {
        t += gap.sample(&mut rng);
        arrivals.push((i, t, t + letter.sample(&mut rng)));
    }
    // Served in the order patients are ready.
    let mut by_ready = arrivals.clone();
    by_ready.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut free_at = 0.0f64;
    let mut served = vec![(0.0, 0.0); patients];
    for &(i, _, ready) in &by_ready {
        let start = ready.max(free_at);
        free_at = start + serve.sample(&mut rng);
        served[i] = (start, free_at);
    }
    // 2025-01-06 (a Monday), in ms.
    let origin = 1_736_121_600_000i64;
    let ms = |minutes: f64| origin + (minutes * 60_000.0).round() as i64;
    let mut log = engine::events::LogBuilder::new();
    for &(i, arrived, _) in &arrivals {
        let case = format!("P{i}");
        let (start, end) = served[i];
        log.push(
            &case,
            "ARRIVE",
            ms(arrived),
            None,
            engine::events::Lifecycle::Complete,
        );
        log.push(
            &case,
            "CLINIC",
            ms(start),
            None,
            engine::events::Lifecycle::Start,
        );
        log.push(
            &case,
            "CLINIC",
            ms(end),
            None,
            engine::events::Lifecycle::Complete,
        );
    }
    log.build()
}

#[test]
fn calibration_takes_the_queueing_the_model_explains_off_the_waits() {
    use engine::simulation::calibration::calibrate_simulation;
    // λ = 0.8/30 a minute and a 30-minute service: ρ = 0.8, so the M/M/1 queue wait is
    // ρ/(1 − ρ)·30 = 120 minutes on top of the 60-minute delay.
    let (lambda, delay, service) = (0.8 / 30.0, 60.0, 30.0);
    let log = mm1_behind_a_delay_log(lambda, delay, service, 30_000);
    let parsed = PathwayDocument::from_json(document(
        1.0,
        vec![
            step("arrive", "START", json!({"activityCode": "ARRIVE"})),
            step(
                "clinic",
                "ACTIVITY",
                json!({"activityCode": "CLINIC", "touchMinutes": 20, "servers": 1}),
            ),
            step("done", "END", json!({})),
        ],
        vec![
            json!({"from": "arrive", "to": "clinic", "waitMinutes": 5}),
            json!({"from": "clinic", "to": "done"}),
        ],
    ))
    .and_then(|d| d.parse())
    .expect("a valid document");
    let c = calibrate_simulation(&log, &parsed.map, None).expect("calibrated");

    let arrivals = c.arrivals.as_ref().expect("arrivals");
    assert_eq!(arrivals.cases, 30_000);
    let per_day = lambda * 1440.0;
    assert!(
        (arrivals.per_day / per_day - 1.0).abs() < 0.02,
        "{arrivals:?}"
    );
    assert_eq!(arrivals.per_hour_of_week.len(), 168);

    let clinic = &c.service_times[0];
    assert_eq!(clinic.step, "clinic");
    assert!((clinic.fit.time.mean_minutes.unwrap() / service - 1.0).abs() < 0.03);
    assert!(clinic.fit.ks_p_value > 0.01, "{clinic:?}");

    let letter = (c.delays.iter())
        .find(|d| d.from == "arrive" && d.to == "clinic")
        .expect("the delay into the clinic");
    let waited = letter.fit.observed_mean_minutes;
    let queue = 0.8 / 0.2 * service;
    assert!(
        (waited - (delay + queue)).abs() < 0.1 * (delay + queue),
        "{letter:?}"
    );
    assert!(
        (letter.queueing_minutes / queue - 1.0).abs() < 0.15,
        "the model's queueing {} against M/M/1's {queue}",
        letter.queueing_minutes
    );
    // The wait (a delay plus an M/M/1 queue's wait, often 0) has no one shape: its observed
    // durations are kept, scaled to the mean left once the queueing is taken off.
    let calibrated = letter.delay.parse().expect("a valid delay").mean();
    assert!(
        (calibrated - delay).abs() < 0.15 * delay,
        "delay {calibrated} against the true {delay} (the wait was {waited})"
    );
    // The calibrated model, simulated, gives the log's wait again.
    let map = engine::whatif::apply(&parsed.map, &c.changes).expect("changes apply");
    let model = SimulationModel::new(&map, None, &arrivals.input()).expect("a model");
    let result = run(&model, 100_000, 10, 3, 30.0 * 1440.0);
    let simulated = result.steps[1].wait_before_minutes.mean;
    let per_patient =
        result.where_the_time_goes.transition_delay.mean + result.where_the_time_goes.queueing.mean;
    // One visit per patient: the wait before the clinic is all the waiting there is.
    assert!(
        (simulated / per_patient - 1.0).abs() < 1e-6,
        "{simulated} {per_patient}"
    );
    assert!(
        (simulated / waited - 1.0).abs() < 0.05,
        "simulated wait {simulated} against the log's {waited}"
    );
}

#[test]
fn a_change_s_difference_holds_the_erlang_c_difference() {
    use engine::simulation::difference::differences;
    use engine::whatif::{Change, apply};
    // Seven servers at 0.9 utilisation, then nine (the stroke unit's question): the wait falls
    // from Erlang C at 7 to Erlang C at 9 with the same arrivals.
    let mu = 1.0 / SERVICE_MINUTES;
    let lambda = 0.9 * 7.0 * mu;
    let doc = |c: u32| {
        document(
            lambda * 1440.0,
            vec![
                step("arrive", "START", json!({})),
                step(
                    "unit",
                    "ACTIVITY",
                    json!({"servers": c, "serviceTime": exponential(SERVICE_MINUTES)}),
                ),
                step("leave", "END", json!({})),
            ],
            vec![
                json!({"from": "arrive", "to": "unit"}),
                json!({"from": "unit", "to": "leave"}),
            ],
        )
    };
    let parsed = PathwayDocument::from_json(doc(7))
        .and_then(|d| d.parse())
        .unwrap();
    let nine = apply(
        &parsed.map,
        &[Change::SetServers {
            step: "unit".into(),
            servers: Some(9),
        }],
    )
    .unwrap();
    let demand = parsed.header.demand_per_day.map(|d| d.get());
    let before = SimulationModel::new(&parsed.map, demand, &ArrivalInput::Flat).unwrap();
    let after = SimulationModel::new(&nine, demand, &ArrivalInput::Flat).unwrap();
    let warm_up = 20.0 / (mu * (1.0 - 0.9f64.sqrt()).powi(2));
    let (b, a) = (
        run(&before, 200_000, 20, 5, warm_up),
        run(&after, 200_000, 20, 6, warm_up),
    );
    let d = differences(&b, &a);
    let want = mmc_wait(9, lambda, mu) - mmc_wait(7, lambda, mu);
    let unit = &d.steps[1];
    assert!(
        unit.queue_wait_minutes.covers(want, 0.99),
        "{want} not in {:?}",
        unit.queue_wait_minutes.interval(0.99)
    );
    assert!(unit.queue_wait_minutes.ci95[1] < 0.0);
    let u = unit.utilisation.unwrap();
    assert!((u.difference - (0.9 * 7.0 / 9.0 - 0.9)).abs() < 0.01);
    // Arrivals are the same: throughput changes by nothing the interval can tell from 0.
    assert!(d.throughput_per_day.covers(0.0, 0.99));
    assert!(d.removed_steps.is_empty());
}

#[test]
fn an_organisation_s_figures_gather_its_steps() {
    // The stroke unit example: the acute trust (RX8) has the CT scanner (1 server) and the
    // stroke unit (7 beds); the ambulance service and community team have none.
    let parsed = PathwayDocument::from_json(
        serde_json::from_str(include_str!("../../docs/examples/stroke-unit.json")).unwrap(),
    )
    .and_then(|d| d.parse())
    .unwrap();
    let model = SimulationModel::new(
        &parsed.map,
        parsed.header.demand_per_day.map(|d| d.get()),
        &ArrivalInput::Flat,
    )
    .unwrap();
    let r = run(&model, 20_000, 5, 2, 60.0 * 1440.0);
    let step = |k: &str| r.steps.iter().find(|s| s.key.as_str() == k).unwrap();
    let org = |k: &str| {
        (r.organisations.iter())
            .find(|o| o.ods_code.as_str() == k)
            .unwrap()
    };
    let (ct, unit, acute) = (step("ct_scan"), step("stroke_unit"), org("RX8"));
    // Busy servers over servers, summed: the steps' utilisations weighted by their servers.
    let weighted = (ct.utilisation.unwrap() * 1.0 + unit.utilisation.unwrap() * 7.0) / 8.0;
    assert!((acute.utilisation.unwrap().mean - weighted).abs() < 1e-9);
    let own: Vec<_> = (r.steps.iter())
        .filter(|s| s.organisation.as_str() == "RX8")
        .collect();
    let visits: f64 = own.iter().map(|s| s.visits_per_day.mean).sum();
    assert!((acute.visits_per_day.mean - visits).abs() < 1e-9 * visits);
    // Queue wait per visit to its steps with servers: theirs weighted by their visits (within
    // the difference between visits finished in the window and visits of measured patients).
    let waited = (ct.queue_wait_minutes.mean * ct.visits_per_day.mean
        + unit.queue_wait_minutes.mean * unit.visits_per_day.mean)
        / (ct.visits_per_day.mean + unit.visits_per_day.mean);
    assert!(
        (acute.queue_wait_minutes.mean / waited - 1.0).abs() < 0.02,
        "{} against {waited}",
        acute.queue_wait_minutes.mean
    );
    // No servers, no utilisation and no queue.
    let ambulance = org("RX9");
    assert!(ambulance.utilisation.is_none());
    assert_eq!(ambulance.queue_wait_minutes.mean, 0.0);
}
