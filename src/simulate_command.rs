//! `qiflow simulate`: a pathway document through the discrete-event simulation, with a progress
//! bar, as a table for people or JSON for programs.

use crate::{Format, problem_lines, read_document, report_problems};
use anyhow::Context;
use clap::Args;
use engine::simulation::calibration::{SimulationCalibration, calibrate_simulation};
use engine::simulation::difference::{Difference, SimulationDifferences, differences};
use engine::simulation::{
    ArrivalInput, ModelError, RunControl, RunSettings, SimulationModel, SimulationResult, simulate,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Simulating a pathway document.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("what_if").multiple(true)))]
pub struct SimulateArgs {
    /// The pathway document (JSON). Steps may give `servers` (or a `schedule` of servers by hour),
    /// `serviceTime` and `queueCapacity`; transitions a `delay`. Without them a step serves
    /// everyone at once for its touch minutes and a transition takes its wait.
    pub file: PathBuf,
    /// Patients measured, over all replications.
    #[arg(long, default_value_t = 100_000)]
    pub patients: u64,
    /// Independent replications, run in parallel; intervals are across them (at least 2).
    #[arg(long, default_value_t = 10)]
    pub replications: u32,
    /// Seed of the random streams: the same seed gives the same result.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Minutes simulated before patients are measured (default: three lead times without
    /// queues, at least a week).
    #[arg(long)]
    pub warm_up_minutes: Option<f64>,
    /// Give a step this many servers for the run, as STEP=N (repeat for several steps): what
    /// if the stroke unit had 9 beds?
    #[arg(long, value_name = "STEP=N", value_parser = parse_servers, group = "what_if")]
    pub servers: Vec<(String, u32)>,
    /// Changes to try, from a JSON file holding a list of them as GraphQL `whatIf` takes them
    /// (`[{"setServers": {"step": "stroke_unit", "servers": 9}}, {"setDelay": {"from": "a",
    /// "to": "b", "time": {"distribution": "FIXED", "meanMinutes": 60}}}]`); applied before
    /// --servers.
    #[arg(long, value_name = "FILE", group = "what_if")]
    pub changes: Option<PathBuf>,
    /// `table` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the two charts into this folder: lead-time.svg (the distribution) and
    /// queues.svg (queue lengths over time).
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// Calibrate the simulation from this event log first (CSV or XES, read as `qiflow mine`
    /// reads it): arrivals by hour of the week from the cases' first events, service times
    /// fitted from start and complete events, transition delays from the waits net of the
    /// queueing the model explains, and probabilities, waits and touch times as `calibrate`
    /// sets them. The fits are printed before the result.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// With --log: replay the log's case start times instead of drawing arrivals from its
    /// hourly profile (the run then lasts as long as the log's patients).
    #[arg(long, requires = "log")]
    pub replay: bool,
    /// With --servers or --changes: also simulate the pathway as it is (with the same seed and
    /// settings) and show how each figure changes, with the 95% interval of the difference.
    #[arg(long, requires = "what_if")]
    pub compare: bool,
    #[command(flatten)]
    pub reading: crate::read_args::ReadArgs,
}

/// `--format json`: the result, with the calibration (`--log`) and the differences
/// (`--compare`) beside it when there are any.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Output<'a> {
    #[serde(flatten)]
    result: &'a SimulationResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<&'a SimulationCalibration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    differences: Option<&'a SimulationDifferences>,
}

fn parse_servers(text: &str) -> Result<(String, u32), String> {
    let (key, n) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not STEP=N (for example stroke_unit=9)"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("'{n}' is not a whole number of servers"))?;
    Ok((key.trim().to_string(), n))
}

/// Runs the command.
pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let mut parsed = match read_document(&args.file)? {
        Ok(p) => p,
        Err(lines) => return Ok(report_problems(&args.file, lines)),
    };
    let mut demand = parsed.header.demand_per_day.map(|d| d.get());
    let mut arrivals = ArrivalInput::Flat;
    let mut calibration = None;
    if let Some(file) = &args.log {
        let log = match crate::mine_command::read(
            file,
            &args
                .reading
                .options(engine::events::bounded::MAX_FIELD_BYTES)?,
        )? {
            Ok((log, _)) => log,
            Err(errors) => anyhow::bail!(
                "{}: {} row error(s)\n{}",
                file.display(),
                errors.len(),
                crate::mine_command::row_error_lines(&errors)
            ),
        };
        let c = match calibrate_simulation(&log, &parsed.map, demand) {
            Ok(c) => c,
            Err(e) => return Ok(model_problems(&args.file, e)),
        };
        parsed.map = engine::whatif::apply(&parsed.map, &c.changes)
            .map_err(|e| anyhow::anyhow!("the calibration did not apply: {e}"))?;
        if let Some(profile) = &c.arrivals {
            demand = Some(profile.per_day);
            arrivals = profile.input();
        }
        if args.replay {
            arrivals =
                ArrivalInput::Replay(engine::simulation::calibration::replayed_arrivals(&log));
        }
        calibration = Some(c);
    }
    let as_it_is = parsed.map.clone();
    if let Some(file) = &args.changes {
        let changes = read_changes(file)?;
        parsed.map = engine::whatif::apply(&parsed.map, &changes).map_err(|errors| {
            let lines: Vec<String> = errors.0.iter().map(|e| format!("  {e}")).collect();
            anyhow::anyhow!("--changes {}:\n{}", file.display(), lines.join("\n"))
        })?;
    }
    for (key, n) in &args.servers {
        engine::simulation::set_servers(&mut parsed.map, key, *n)
            .map_err(|e| anyhow::anyhow!("--servers {key}={n}: {e}"))?;
    }
    let model = match SimulationModel::new(&parsed.map, demand, &arrivals) {
        Ok(m) => m,
        Err(e) => return Ok(model_problems(&args.file, e)),
    };
    let settings = RunSettings {
        patients: args.patients,
        replications: args.replications,
        seed: args.seed,
        warm_up_minutes: args.warm_up_minutes,
    };
    if let Err(errors) = settings.check(&model) {
        let lines: Vec<String> = errors.0.iter().map(|e| format!("--{e}")).collect();
        anyhow::bail!("{}", lines.join("\n"));
    }
    let baseline = match args.compare {
        true => match SimulationModel::new(&as_it_is, demand, &arrivals) {
            Ok(m) => Some(m),
            Err(e) => return Ok(model_problems(&args.file, e)),
        },
        false => None,
    };
    let control = RunControl::default();
    let started = Instant::now();
    let runs = 1 + u64::from(baseline.is_some());
    let (result, baseline) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let before = (baseline.as_ref())
                .map(|b| simulate(b, &settings, &control))
                .transpose()?;
            Ok::<_, engine::budget::Stopped>((simulate(&model, &settings, &control)?, before))
        });
        // Drawn on standard error, and only on a terminal (indicatif hides it otherwise).
        let bar = ProgressBar::new(args.patients * runs);
        bar.set_style(
            ProgressStyle::with_template("simulating [{bar:40}] {pos}/{len} patients ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        while !worker.is_finished() {
            bar.set_position(control.finished());
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
        worker.join()
    })
    .map_err(|_| anyhow::anyhow!("the simulation failed"))?
    .context("the simulation was stopped")?;
    let changes = baseline.as_ref().map(|b| differences(b, &result));
    let seconds = started.elapsed().as_secs_f64();
    if let Some(dir) = &args.charts {
        write_charts(dir, &parsed.header.name, &result)?;
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Output {
                result: &result,
                calibration: calibration.as_ref(),
                differences: changes.as_ref(),
            })?
        ),
        Format::Table => {
            if let Some(c) = &calibration {
                print!("{}", calibration_table(c));
            }
            print!("{}", table(&parsed.header.name, &model, &result, seconds));
            if let Some(d) = &changes {
                print!("{}", differences_table(d));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Most bytes and changes `--changes` reads.
const MAX_CHANGES_BYTES: u64 = 1 << 20;
const MAX_CHANGES: usize = 100;

/// The change set in `file`: a JSON list of changes, bounded in size and count.
fn read_changes(file: &std::path::Path) -> anyhow::Result<Vec<engine::Change>> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(file)
        .with_context(|| format!("--changes: opening {}", file.display()))?
        .take(MAX_CHANGES_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("--changes: reading {}", file.display()))?;
    if text.len() as u64 > MAX_CHANGES_BYTES {
        anyhow::bail!(
            "--changes {}: larger than {MAX_CHANGES_BYTES} bytes",
            file.display()
        );
    }
    let changes: Vec<engine::Change> = serde_json::from_str(&text)
        .with_context(|| format!("--changes {}: not a list of changes", file.display()))?;
    if changes.len() > MAX_CHANGES {
        anyhow::bail!(
            "--changes {}: {} changes, at most {MAX_CHANGES}",
            file.display(),
            changes.len()
        );
    }
    Ok(changes)
}

fn model_problems(file: &std::path::Path, error: ModelError) -> ExitCode {
    match error {
        ModelError::Problems(problems) => report_problems(file, problem_lines(&problems)),
        ModelError::Input(errors) => {
            let lines = errors
                .0
                .iter()
                .map(|e| format!("INVALID_FIELD {e}"))
                .collect();
            report_problems(file, lines)
        }
    }
}

/// What the change did, for people: each figure before and after, and the difference's
/// interval.
fn differences_table(d: &SimulationDifferences) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nWith the change, against the pathway as it is (95% interval of the difference):"
    );
    let row = |out: &mut String, name: &str, x: &Difference, show: &dyn Fn(f64) -> String| {
        let _ = writeln!(
            out,
            "{name:<34} {:>12} → {:>12}  {:>12} ({} to {})",
            show(x.baseline),
            show(x.changed),
            show(x.difference),
            show(x.ci95[0]),
            show(x.ci95[1])
        );
    };
    let per_day = |v: f64| format!("{v:.2}");
    let percent = |v: f64| format!("{:.1}%", v * 100.0);
    row(
        &mut out,
        "lead time, mean",
        &d.lead_time_mean_minutes,
        &hours,
    );
    row(
        &mut out,
        "lead time, median",
        &d.lead_time_median_minutes,
        &hours,
    );
    row(&mut out, "lead time, p90", &d.lead_time_p90_minutes, &hours);
    row(
        &mut out,
        "queueing per patient",
        &d.queueing_minutes,
        &hours,
    );
    row(&mut out, "finished a day", &d.throughput_per_day, &per_day);
    for s in &d.steps {
        if let Some(u) = &s.utilisation {
            let key = s.key.as_str();
            row(
                &mut out,
                &format!("{key}: queue wait"),
                &s.queue_wait_minutes,
                &hours,
            );
            row(&mut out, &format!("{key}: utilisation"), u, &percent);
        }
    }
    out
}

/// What calibration found, for people: arrivals, each fit with its goodness of fit, notes.
fn calibration_table(c: &SimulationCalibration) -> String {
    let mut out = String::new();
    if let Some(a) = &c.arrivals {
        let busiest = (a.per_hour_of_week.iter().enumerate())
            .max_by(|x, y| x.1.total_cmp(y.1))
            .map(|(h, r)| {
                let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][h / 24];
                format!(", busiest hour {day} {:02}:00 ({r:.2} an hour)", h % 24)
            })
            .unwrap_or_else(|| " (flat: the log spans under four weeks)".into());
        let _ = writeln!(
            out,
            "Calibrated from the log: {} cases, {:.2} arrivals a day{busiest}",
            a.cases, a.per_day
        );
    }
    let _ = writeln!(
        out,
        "{:<40} {:>7} {:<12} {:>12} {:>12} {:>8} {:>8}",
        "fitted", "seen", "shape", "mean", "sd", "KS D", "KS p"
    );
    let row = |out: &mut String,
               name: String,
               fit: &engine::simulation::fit::Fit,
               time: &engine::simulation::TimeInput| {
        let mean = time.parse().map(|d| hours(d.mean())).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<40} {:>7} {:<12} {:>12} {:>12} {:>8.3} {:>8.3}",
            name,
            fit.observations,
            time.distribution.to_string(),
            mean,
            time.sd_minutes.map(hours).unwrap_or_else(|| "-".into()),
            fit.ks_statistic,
            fit.ks_p_value
        );
    };
    for s in &c.service_times {
        row(&mut out, format!("service {}", s.step), &s.fit, &s.fit.time);
    }
    for d in &c.delays {
        row(
            &mut out,
            format!("delay {} → {}", d.from, d.to),
            &d.fit,
            &d.delay,
        );
    }
    for note in &c.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(out);
    out
}

fn write_charts(dir: &std::path::Path, name: &str, r: &SimulationResult) -> anyhow::Result<()> {
    use engine::render::simulation_chart::{Bar, lead_time_svg, queue_length_svg};
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let bars: Vec<Bar> = (r.lead_time_distribution.iter())
        .map(|b| Bar {
            from_minutes: b.from_minutes,
            to_minutes: b.to_minutes,
            share: b.share,
        })
        .collect();
    let lead = lead_time_svg(
        &format!("{name}: simulated lead time"),
        &bars,
        r.lead_time_minutes.mean,
        r.lead_time_minutes.p90,
    );
    let series: Vec<(&str, &[f64])> = (r.over_time.queue_length.iter())
        .map(|q| (q.key.as_str(), q.values.as_slice()))
        .collect();
    let queues = queue_length_svg(
        &format!("{name}: queue lengths"),
        r.over_time.interval_minutes,
        &series,
    );
    for (file, svg) in [("lead-time.svg", lead), ("queues.svg", queues)] {
        let path = dir.join(file);
        std::fs::write(&path, svg).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn hours(minutes: f64) -> String {
    if minutes.abs() >= 2.0 * 1440.0 {
        format!("{:.1} d", minutes / 1440.0)
    } else if minutes.abs() >= 120.0 {
        format!("{:.1} h", minutes / 60.0)
    } else {
        format!("{minutes:.1} min")
    }
}

fn interval([lo, hi]: [f64; 2]) -> String {
    format!("{} to {}", hours(lo), hours(hi))
}

/// The result for people: headline figures with intervals, then one row per step.
fn table(name: &str, model: &SimulationModel, r: &SimulationResult, seconds: f64) -> String {
    let mut out = String::new();
    let lead = &r.lead_time_minutes;
    let total = r.patients_per_replication * r.replications as u64;
    let _ = writeln!(
        out,
        "{name}: {total} patients in {} replications (seed {}), {:.1} arrivals a day, {:.2} s",
        r.replications,
        r.seed,
        model.arrivals_per_day(),
        seconds
    );
    let _ = writeln!(
        out,
        "Lead time      mean {} (95% {}), median {}, p90 {}, p95 {}",
        hours(lead.mean),
        interval(lead.ci95),
        hours(lead.median),
        hours(lead.p90),
        hours(lead.p95)
    );
    let _ = writeln!(
        out,
        "               without queues {}",
        hours(r.lead_time_without_queues_minutes)
    );
    let parts = &r.where_the_time_goes;
    let _ = writeln!(
        out,
        "Where it goes  queueing {}, service {}, transition delays {}, blocked {}",
        hours(parts.queueing.mean),
        hours(parts.service.mean),
        hours(parts.transition_delay.mean),
        hours(parts.blocked.mean)
    );
    let _ = writeln!(
        out,
        "Throughput     {:.2} patients a day; {:.1} in the pathway on average",
        r.throughput_per_day.mean, r.patients_in_system.mean
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<20} {:<8} {:>8} {:>12} {:>26} {:>12} {:>9} {:>10}",
        "step",
        "org",
        "servers",
        "utilisation",
        "queue wait (95%)",
        "p90 wait",
        "max queue",
        "blocked"
    );
    for (s, step) in r.steps.iter().enumerate() {
        let servers = model.servers_label(s).unwrap_or_default();
        let wait = &step.queue_wait_minutes;
        if step.utilisation.is_none() {
            // As many servers as needed: nobody queues, so only the key and organisation say
            // anything.
            let _ = writeln!(
                out,
                "{:<20} {:<8} {:>8} {:>12} {:>26} {:>12} {:>9} {:>10}",
                step.key.as_str(),
                step.organisation.as_str(),
                "-",
                "-",
                "-",
                "-",
                "-",
                hours(step.blocked_minutes.mean)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "{:<20} {:<8} {:>8} {:>12} {:>26} {:>12} {:>9} {:>10}",
            step.key.as_str(),
            step.organisation.as_str(),
            servers,
            step.utilisation
                .map_or("-".into(), |u| format!("{:.0}%", u * 100.0)),
            format!("{} ({})", hours(wait.mean), interval(wait.ci95)),
            hours(wait.p90),
            step.max_queue,
            hours(step.blocked_minutes.mean)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<10} {:>12} {:>14} {:>14} {:>12} {:>14} {:>10}",
        "org", "utilisation", "wait/visit", "queue/pt", "service/pt", "delay/pt", "visits/d"
    );
    for o in &r.organisations {
        let m = &o.minutes;
        let _ = writeln!(
            out,
            "{:<10} {:>12} {:>14} {:>14} {:>12} {:>14} {:>10.1}",
            o.ods_code.as_str(),
            o.utilisation
                .map_or("-".into(), |u| format!("{:.0}%", u.mean * 100.0)),
            hours(o.wait_before_minutes.mean),
            hours(m.queueing.mean),
            hours(m.service.mean),
            hours(m.transition_delay.mean),
            o.visits_per_day.mean
        );
    }
    if !r.overloaded_steps.is_empty() {
        let keys: Vec<&str> = r.overloaded_steps.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            out,
            "\nOverloaded: {} get more work than their servers can do; their queues grow for as long as the run lasts.",
            keys.join(", ")
        );
    }
    if r.unfinished_patients > 0 {
        let _ = writeln!(
            out,
            "\n{} measured patients had not finished when the run ended (their lead times are left out).",
            r.unfinished_patients
        );
    }
    out
}
