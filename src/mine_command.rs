//! `qiflow mine`: process discovery from an event-log file, without a database.

use anyhow::Context;
use engine::events::discovery::{Discovery, DiscoveryOptions, discover};
use engine::events::input::Reading;
use engine::events::{ReadOptions, RowError, read_log_sized};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The JSON contract of `qiflow mine --format json` (and of GraphQL `EventLog.discovery`):
/// start and end activities as `{activity: count}` maps.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MineOutput<'a> {
    pub events: u64,
    pub cases: u64,
    pub edges: &'a [engine::events::discovery::Edge],
    pub start_activities: BTreeMap<&'a str, u64>,
    pub end_activities: BTreeMap<&'a str, u64>,
    pub variant_count: u64,
    pub top_variants: &'a [engine::events::discovery::Variant],
    pub top_variant_coverage: f64,
    pub case_duration: Option<engine::events::DurationStats>,
    pub rework: &'a [engine::events::discovery::Rework],
    pub handoffs: &'a engine::events::discovery::Handoffs,
}

impl<'a> MineOutput<'a> {
    pub fn new(d: &'a Discovery) -> Self {
        let map = |counts: &'a [engine::events::discovery::ActivityCount]| {
            counts
                .iter()
                .map(|a| (a.activity.as_str(), a.count))
                .collect()
        };
        Self {
            events: d.events,
            cases: d.cases,
            edges: &d.edges,
            start_activities: map(&d.start_activities),
            end_activities: map(&d.end_activities),
            variant_count: d.variant_count,
            top_variants: &d.top_variants,
            top_variant_coverage: d.top_variant_coverage,
            case_duration: d.case_duration,
            rework: &d.rework,
            handoffs: &d.handoffs,
        }
    }
}

/// A log read from a file and how it was read, or every bad row.
pub type ReadOutcome = Result<(engine::events::EventLog, Option<Reading>), Vec<RowError>>;

/// Reads the file as `options` say (gzip, format, delimiter and timestamps detected unless
/// given), refusing it with every bad row named when any row is wrong.
pub fn read(file: &Path, options: &ReadOptions) -> anyhow::Result<ReadOutcome> {
    let handle =
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    // An event takes at least about 32 bytes of CSV: room for that many, at most 10^8.
    const MIN_EVENT_BYTES: u64 = 32;
    let expected = handle
        .metadata()
        .map_or(0, |m| (m.len() / MIN_EVENT_BYTES).min(100_000_000)) as usize;
    let (log, report) = match read_log_sized(handle, options, expected) {
        Ok(x) => x,
        Err(e) => return Ok(Err(vec![e])),
    };
    if !report.errors.is_empty() {
        return Ok(Err(report.errors));
    }
    Ok(Ok((log, report.reading)))
}

pub fn row_error_lines(errors: &[RowError]) -> String {
    let mut out = String::new();
    for e in errors {
        let column = if e.column.is_empty() {
            String::new()
        } else {
            format!(" column '{}'", e.column)
        };
        let _ = writeln!(out, "  row {}{column}: {}", e.row, e.message);
    }
    out
}

/// Discovery of a file as JSON or a table.
pub fn run(
    file: &Path,
    reading: &ReadOptions,
    options: &DiscoveryOptions,
    json: bool,
    timings: bool,
) -> anyhow::Result<Result<String, String>> {
    let started = std::time::Instant::now();
    let (log, read_as) = match read(file, reading)? {
        Ok(read) => read,
        Err(errors) => {
            return Ok(Err(format!(
                "{}: {} row error(s)\n{}",
                file.display(),
                errors.len(),
                row_error_lines(&errors)
            )));
        }
    };
    let read_at = started.elapsed();
    let found = discover(&log, options);
    let discovered_at = started.elapsed();
    let output = if json {
        // Standard output holds only the result; moved clock times are a warning.
        if let Some(r) = read_as
            .as_ref()
            .filter(|r| r.clock_changes != engine::events::timestamp::ClockChanges::default())
        {
            eprintln!("warning: {}: read as {}", file.display(), r.describe());
        }
        serde_json::to_string_pretty(&MineOutput::new(&found))? + "\n"
    } else {
        let mut out = table(file, &found);
        if let Some(r) = read_as {
            let _ = writeln!(out, "\nRead as {}", r.describe());
        }
        out
    };
    if timings {
        // The same split pm4py_ref.py prints: loading, then computing (here with the output).
        eprintln!("TIMING load_total {:9.4} s", read_at.as_secs_f64());
        eprintln!(
            "TIMING compute_total {:9.4} s",
            (started.elapsed() - read_at).as_secs_f64()
        );
        eprintln!(
            "TIMING discover {:9.4} s",
            (discovered_at - read_at).as_secs_f64()
        );
    }
    Ok(Ok(output))
}

/// Discovery of a stored log (by name) as JSON or a table.
pub async fn run_stored(
    database_url: &str,
    name: &str,
    options: &DiscoveryOptions,
    json: bool,
) -> anyhow::Result<Result<String, String>> {
    let db = api::db::connect(database_url).await?;
    api::db::migrate(&db).await?;
    let caller = api::caller::Caller::Installation;
    let Some(log) = api::store::events::find_log_by_name(&db, &caller, name)
        .await
        .map_err(api::Error::into_anyhow)?
    else {
        return Ok(Err(format!("no event log named '{name}'\n")));
    };
    let found = api::store::mining::discovery(&db, &caller, log.id, options)
        .await
        .map_err(api::Error::into_anyhow)?;
    if json {
        return Ok(Ok(
            serde_json::to_string_pretty(&MineOutput::new(&found))? + "\n"
        ));
    }
    Ok(Ok(table(Path::new(name), &found)))
}

fn duration(seconds: f64) -> String {
    if seconds >= 86_400.0 {
        format!("{:.1} d", seconds / 86_400.0)
    } else if seconds >= 3_600.0 {
        format!("{:.1} h", seconds / 3_600.0)
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

fn table(file: &Path, d: &Discovery) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} events, {} cases, {} variants",
        file.display(),
        d.events,
        d.cases,
        d.variant_count
    );
    if let Some(c) = &d.case_duration {
        let _ = writeln!(
            out,
            "Case duration: median {}, 90th percentile {}",
            duration(c.median_seconds),
            duration(c.p90_seconds)
        );
    }
    let _ = writeln!(
        out,
        "\nBusiest hand-overs between activities (median and 90th percentile wait):"
    );
    let mut edges: Vec<_> = d.edges.iter().collect();
    edges.sort_by_key(|e| std::cmp::Reverse(e.count));
    for e in edges.iter().take(15) {
        let _ = writeln!(
            out,
            "  {:>7}  {} -> {}  median {}, p90 {}",
            e.count,
            e.from,
            e.to,
            duration(e.median_seconds),
            duration(e.p90_seconds)
        );
    }
    let list = |counts: &[engine::events::discovery::ActivityCount]| {
        counts
            .iter()
            .map(|a| format!("{} ({})", a.activity, a.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "\nStart activities: {}", list(&d.start_activities));
    let _ = writeln!(out, "End activities:   {}", list(&d.end_activities));
    let _ = writeln!(
        out,
        "\nMost common variants ({:.0}% of cases in the top {}):",
        100.0 * d.top_variant_coverage,
        d.top_variants.len()
    );
    for v in d.top_variants.iter().take(5) {
        let _ = writeln!(
            out,
            "  {:>6} ({:.1}%)  {}",
            v.count,
            100.0 * v.share,
            v.activities.join(" > ")
        );
    }
    if !d.rework.is_empty() {
        let _ = writeln!(out, "\nRework (cases doing an activity more than once):");
        for r in d.rework.iter().take(10) {
            let _ = writeln!(out, "  {:>6}  {}", r.cases, r.activity);
        }
    }
    let _ = writeln!(
        out,
        "\nHand-offs between organisations: {:.2} per case on average (median {}, most {})",
        d.handoffs.mean_per_case, d.handoffs.median_per_case, d.handoffs.max_per_case
    );
    for p in d.handoffs.pairs.iter().take(8) {
        let _ = writeln!(out, "  {:>7}  {} -> {}", p.count, p.from, p.to);
    }
    out
}
