//! `qiflow compare`: what changed in the pathway between two periods of an event-log file.

use clap::Args;
use engine::events::comparison::{CompareError, CompareOptions, Comparison, compare};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The arguments of `qiflow compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// The event log: CSV with a header (case_id, activity, timestamp, ...) or XES.
    pub file: PathBuf,
    /// The first day of the later period (YYYY-MM-DD, midnight in England): a case belongs to
    /// the period of its first event.
    #[arg(long)]
    pub split: String,
    /// Compare the time from this activity (its first event in a case)...
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// ...to the first event of this one after it.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Bootstrap resamples for the 95% intervals (50 to 10,000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u16).range(50..=10_000))]
    pub resamples: u16,
    /// Seed of the resampling: the same seed gives the same intervals.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub reading: crate::read_args::ReadArgs,
    /// `table` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = crate::Format::Table)]
    pub format: crate::Format,
}

/// Runs the comparison; problems (a bad date, an unknown activity, bad rows) go to standard
/// error with exit code 1.
pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let reading = args
        .reading
        .options(engine::events::bounded::MAX_FIELD_BYTES)?;
    let split_ms =
        match engine::events::timestamp::parse_timestamp(&format!("{}T00:00:00", args.split)) {
            Ok(ms) if args.split.len() == 10 => ms,
            _ => {
                eprintln!("--split: '{}' is not a date (YYYY-MM-DD)", args.split);
                return Ok(ExitCode::from(1));
            }
        };
    let log = match crate::mine_command::read(&args.file, &reading)? {
        Ok((log, _)) => log,
        Err(errors) => {
            eprint!(
                "{}: {} row error(s)\n{}",
                args.file.display(),
                errors.len(),
                crate::mine_command::row_error_lines(&errors)
            );
            return Ok(ExitCode::from(1));
        }
    };
    let options = CompareOptions {
        before: [i64::MIN, split_ms],
        after: [split_ms, i64::MAX],
        from: args.from,
        to: args.to,
        resamples: usize::from(args.resamples),
        seed: args.seed,
    };
    let comparison = match compare(&log, &options, &engine::budget::Budget::unlimited()) {
        Ok(c) => c,
        Err(CompareError::Invalid(e)) => {
            eprintln!("--{e}");
            return Ok(ExitCode::from(1));
        }
        Err(CompareError::Stopped) => anyhow::bail!("the comparison was stopped"),
    };
    match args.format {
        crate::Format::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
        crate::Format::Table => print!("{}", table(&comparison, &args.split)),
    }
    Ok(ExitCode::SUCCESS)
}

fn table(c: &Comparison, split: &str) -> String {
    let mut out = String::new();
    let hours = |s: Option<f64>| s.map_or("-".into(), |s| format!("{:.2} h", s / 3600.0));
    let what = match (&c.from, &c.to) {
        (Some(f), Some(t)) => format!("from '{f}' to '{t}'"),
        _ => "case duration".into(),
    };
    let _ = writeln!(
        out,
        "Before {split}: {} cases, mean {what} {} (median {})",
        c.before_cases,
        hours(c.before_mean_seconds),
        hours(c.before_median_seconds)
    );
    let _ = writeln!(
        out,
        "From {split}:   {} cases, mean {what} {} (median {})\n",
        c.after_cases,
        hours(c.after_mean_seconds),
        hours(c.after_median_seconds)
    );
    let _ = writeln!(
        out,
        "Transitions, most significant change first (part = share of the change in mean time):"
    );
    for t in c.transitions.iter().take(15) {
        let _ = writeln!(
            out,
            "  {} {:>9}  {}",
            if t.significant { "*" } else { " " },
            format!("{:+.2} h", t.contribution_seconds / 3600.0),
            t.summary
        );
    }
    if c.transitions.len() > 15 {
        let _ = writeln!(
            out,
            "  ({} more: use --format json)",
            c.transitions.len() - 15
        );
    }
    let _ = writeln!(out, "\n* the 95% interval of the change leaves out zero");
    out
}
