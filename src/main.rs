//! The qiflow command line: serve the API, migrate the database, validate pathway documents.

mod admin_command;
mod compare_command;
mod import_command;
mod mine_command;
mod read_args;
mod report;
mod serve_command;
mod simulate_command;
mod spc_command;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "qiflow",
    version,
    about = "Quality-improvement workflow engine for NHS care pathways",
    long_about = "qiflow maps care pathways that cross organisations, finds delay, waste and \
                  duplication, and judges changes with statistical process control.\n\n\
                  It keeps its data in an SQLite file (qiflow.db) unless --database-url or \
                  DATABASE_URL points it at PostgreSQL."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (and GraphiQL at /graphql) until SIGINT or SIGTERM.
    Serve(serve_command::ServeArgs),
    /// Create or bring the database schema up to date, then exit.
    Migrate {
        /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Check a pathway document and print its problems; exits with 1 when there are any.
    Validate {
        /// The pathway document (JSON).
        file: PathBuf,
    },
    /// Analyse a pathway document: lead time, flow efficiency, hand-offs, rework and the ranked
    /// hotspots (delay, bottlenecks, rework, duplication, waste, hand-offs). Exits with 1 and the
    /// problems when the document is invalid.
    Analyse {
        /// The pathway document (JSON).
        file: PathBuf,
        /// `table` for people, `json` for programs (the same object as GraphQL `Pathway.analysis`).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// How many hotspots the table shows.
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Compare two pathway documents (two versions of a map): steps and transitions added,
    /// removed and changed field by field, and both analyses side by side with the difference of
    /// every headline figure and hotspot. Exits with 1 and the problems when either is invalid.
    Diff {
        /// The earlier version (the pathway document, JSON).
        before: PathBuf,
        /// The later version.
        after: PathBuf,
        /// `table` for people, `json` for programs.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Simulate patients through a pathway document (discrete-event, with queues for steps that
    /// have servers): lead time and each step's queue wait with 95% intervals, utilisation,
    /// longest queue, time blocked, and where the time goes.
    Simulate(simulate_command::SimulateArgs),
    /// Draw an SPC chart from a CSV file (date,value; or date,numerator,denominator with
    /// --chart p|u), as Making Data Count reads it: limits, special causes, variation, assurance.
    Spc {
        /// The CSV file, with a header row.
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = spc_command::ChartKind::Xmr)]
        chart: spc_command::ChartKind,
        /// Which way is better.
        #[arg(long, value_enum, default_value_t = spc_command::DirectionArg::Neutral)]
        direction: spc_command::DirectionArg,
        /// A target, for the assurance icon.
        #[arg(long)]
        target: Option<f64>,
        #[arg(long, value_enum, default_value_t = spc_command::Preset::PlotTheDots)]
        preset: spc_command::Preset,
        /// Compute the limits from the first N points of each group (at least 12).
        #[arg(long)]
        fix_after: Option<usize>,
        /// Start a new group (rebase) at this date (YYYY-MM-DD); repeat for more.
        #[arg(long)]
        rebase: Vec<chrono::NaiveDate>,
        /// Keep outlying moving ranges in the limits.
        #[arg(long)]
        no_screen: bool,
        /// Instead of the chart: how many new points a change of this size (in the data's units,
        /// negative for a fall) needs before the XmR chart flags it, on average and 9 times in
        /// 10 (JSON: expectedPoints, p90Points).
        #[arg(long, allow_hyphen_values = true)]
        time_to_signal: Option<f64>,
        /// `table` for people, `json` for programs.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print an improvement project's report from the database: Markdown, or one self-contained
    /// HTML page with the charts inline (printable to A4).
    Report {
        /// The project's id.
        project_id: String,
        /// markdown or html.
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// What changed in the pathway between two periods of an event-log file: each transition's
    /// frequency and waits before and after a date, the change with a 95% interval (a seeded
    /// bootstrap over cases), and its part in the change of the mean time.
    Compare(compare_command::CompareArgs),
    /// Discover the pathway patients actually travelled from an event log (CSV or XES), without
    /// a database: directly-follows graph with waits, start and end activities, variants,
    /// rework and hand-offs between organisations. Exits with 1 and every bad row named when
    /// any row is wrong.
    Mine {
        /// The event log: CSV with a header (case_id, activity, timestamp, optional
        /// organisation, resource, lifecycle) or XES, plain or gzip, told apart by its content.
        /// Leave it out with --log to mine a stored log instead.
        #[arg(required_unless_present = "log")]
        file: Option<PathBuf>,
        /// Mine the stored log of this name (SQL inside PostgreSQL; in memory on SQLite).
        #[arg(long, conflicts_with = "file")]
        log: Option<String>,
        /// Database holding --log: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
        #[command(flatten)]
        reading: read_args::ReadArgs,
        /// How many of the most common variants to list.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Treat immediate repeats of an activity as one when grouping variants.
        #[arg(long)]
        collapse_repeats: bool,
        /// `table` for people, `json` for programs (the same fields as GraphQL discovery).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print how long loading and computing took to standard error (for benchmarks).
        #[arg(long)]
        timings: bool,
    },
    /// Import an event log (CSV or XES) into the database, all or nothing: every row is
    /// checked first (bad rows are named by row and column), case ids are pseudonymised with
    /// the installation's key, and an NHS number in any other column refuses the whole file.
    /// Exits with 1 when the import is refused.
    ImportEvents {
        /// The event log: CSV with a header (case_id, activity, timestamp, optional
        /// organisation, resource, lifecycle) or XES, plain or gzip, told apart by its content.
        file: PathBuf,
        /// The log to add the events to; created if it does not exist.
        #[arg(long)]
        log: String,
        /// The pathway a new log is checked against by default.
        #[arg(long)]
        pathway: Option<uuid::Uuid>,
        /// The ODS code of the organisation a new log belongs to.
        #[arg(long)]
        organisation: Option<String>,
        #[command(flatten)]
        reading: read_args::ReadArgs,
        /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
        /// The pseudonymisation key file (the same one `serve` uses).
        #[arg(long, env = "QIFLOW_KEY_FILE", default_value = api::keys::DEFAULT_KEY_FILE)]
        key_file: PathBuf,
        /// `table` for people, `json` for programs.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Most bytes of an event's activity, organisation or resource (longer fails the
        /// import, naming the row and column).
        #[arg(long, default_value_t = engine::events::bounded::MAX_FIELD_BYTES)]
        max_field_bytes: usize,
    },
    /// Issue, list and revoke API tokens, directly on the database (with or without a running
    /// server).
    Token {
        #[command(subcommand)]
        action: admin_command::TokenAction,
        /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, global = true, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Export the audit trail as JSON lines (every mutation, event-log read, token and
    /// membership change).
    Audit {
        #[command(subcommand)]
        action: admin_command::AuditAction,
        /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, global = true, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// How `qiflow report` writes the report.
#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// Markdown, for a board paper or a wiki.
    Markdown,
    /// One self-contained HTML page, printable to A4.
    Html,
}

// malloc and free were a fifth of a read's CPU (rows are allocated on SQLite's thread and freed
// on the request's); mimalloc's per-thread heaps make both cheap.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // One line per request costs a third of a small request's time: request lines
                // are at `poem=info` for whoever asks (RUST_LOG=info,poem=info).
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,poem=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve_command::run(args).await,
        Command::Migrate { database_url } => {
            let db = api::db::connect(&database_url).await?;
            api::db::migrate(&db).await?;
            println!("{} is up to date", api::db::redact(&database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { file } => validate(&file),
        Command::Analyse { file, format, top } => analyse(&file, format, top),
        Command::Simulate(args) => simulate_command::run(args),
        Command::Diff {
            before,
            after,
            format,
        } => diff(&before, &after, format),
        Command::Spc {
            file,
            chart,
            direction,
            target,
            preset,
            fix_after,
            rebase,
            no_screen,
            time_to_signal,
            format,
        } => {
            let output = spc_command::run(&spc_command::SpcRequest {
                file: &file,
                chart,
                direction,
                target,
                preset,
                fix_after,
                rebase: &rebase,
                no_screen,
                time_to_signal,
                json: matches!(format, Format::Json)
                    || matches!(chart, spc_command::ChartKind::Run),
            })?;
            print!("{output}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            project_id,
            format,
            database_url,
        } => {
            let id = project_id
                .parse()
                .with_context(|| format!("'{project_id}' is not a project id"))?;
            let db = api::db::connect(&database_url).await?;
            api::db::migrate(&db).await?;
            let caller = api::caller::Caller::Installation;
            let report = api::store::reports::project_report(&db, &caller, id)
                .await
                .map_err(api::Error::into_anyhow)?;
            print!(
                "{}",
                match format {
                    ReportFormat::Markdown => engine::report::markdown(&report),
                    ReportFormat::Html => engine::report::html::html(&report),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare(args) => compare_command::run(args),
        Command::Mine {
            file,
            log,
            database_url,
            reading,
            top,
            collapse_repeats,
            format,
            timings,
        } => {
            let options = engine::events::discovery::DiscoveryOptions {
                top_variants: top,
                collapse_repeats,
            };
            let json = matches!(format, Format::Json);
            let outcome = match (file, log) {
                (Some(file), _) => {
                    let reading = reading.options(engine::events::bounded::MAX_FIELD_BYTES)?;
                    mine_command::run(&file, &reading, &options, json, timings)?
                }
                (None, Some(name)) => {
                    mine_command::run_stored(&database_url, &name, &options, json).await?
                }
                (None, None) => anyhow::bail!("give a FILE or --log NAME"),
            };
            match outcome {
                Ok(output) => {
                    print!("{output}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) => {
                    eprint!("{problems}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::ImportEvents {
            file,
            log,
            pathway,
            organisation,
            reading,
            database_url,
            key_file,
            format,
            max_field_bytes,
        } => {
            let request = import_command::ImportRequest {
                reading: reading.options(max_field_bytes)?,
                file: &file,
                log: &log,
                pathway,
                organisation: organisation.as_deref(),
                database_url: &database_url,
                key_file: &key_file,
            };
            let (record, log) = import_command::run(request).await?;
            if matches!(format, Format::Json) {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "import": api::upload::import_json(&record),
                        "log": {"id": log.id, "name": log.name, "eventCount": log.event_count, "caseCount": log.case_count},
                    }))?
                );
            } else if record.succeeded() {
                println!(
                    "imported {} events from {} rows into '{}' ({}): it now holds {} events of {} cases",
                    record.events, record.rows, log.name, log.id, log.event_count, log.case_count
                );
                if let Some(reading) = &record.reading {
                    println!("read as {}", reading.describe());
                }
                if let Some(p) = record.phases {
                    println!(
                        "read and checked in {:.1} s, written in {:.1} s, measures recomputed in {:.1} s",
                        p.read_ms as f64 / 1000.0,
                        p.write_ms as f64 / 1000.0,
                        p.recompute_ms as f64 / 1000.0
                    );
                }
            } else {
                // A refusal is an error: standard error, leaving standard output to results.
                eprintln!(
                    "{}: refused, nothing stored: {}",
                    file.display(),
                    record.message.as_deref().unwrap_or("")
                );
                eprint!("{}", mine_command::row_error_lines(&record.errors));
            }
            Ok(if record.succeeded() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Token {
            action,
            database_url,
        } => admin_command::token(action, database_url).await,
        Command::Audit {
            action,
            database_url,
        } => admin_command::audit(action, database_url).await,
        Command::Schema => {
            print!("{}", api::schema_sdl());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints the problems of a document that cannot be used, and gives exit code 1.
fn report_problems(file: &Path, lines: Vec<String>) -> ExitCode {
    println!("{}: {} problem(s)", file.display(), lines.len());
    for line in lines {
        println!("  {line}");
    }
    ExitCode::from(1)
}

fn problem_lines(problems: &[engine::Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| {
            let mut line = format!("{} {}", p.code.as_str(), p.message);
            if !p.transitions.is_empty() {
                line.push_str(&format!(" [{}]", p.transitions.join(", ")));
            }
            line
        })
        .collect()
}

/// Reads and parses a pathway document; `Err(lines)` lists what is wrong with its fields.
fn read_document(file: &Path) -> anyhow::Result<Result<engine::ParsedDocument, Vec<String>>> {
    // A document of the largest pathway (1,000 steps, 5,000 transitions) is a few MB.
    const MAX_DOCUMENT_BYTES: u64 = 32 << 20;
    let size = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if size > MAX_DOCUMENT_BYTES {
        anyhow::bail!(
            "{} is {size} bytes; a pathway document is at most {MAX_DOCUMENT_BYTES}",
            file.display()
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let lines = |errors: engine::InputErrors| -> Vec<String> {
        errors
            .0
            .iter()
            .map(|e| format!("INVALID_FIELD {e}"))
            .collect()
    };
    let document = match engine::PathwayDocument::from_json(value) {
        Ok(d) => d,
        Err(errors) => return Ok(Err(lines(errors))),
    };
    Ok(document.parse().map_err(lines))
}

fn analyse(file: &Path, format: Format, top: usize) -> anyhow::Result<ExitCode> {
    let parsed = match read_document(file)? {
        Ok(p) => p,
        Err(lines) => return Ok(report_problems(file, lines)),
    };
    let demand = parsed.header.demand_per_day.map(|d| d.get());
    let name = parsed.header.name.clone();
    // The command line has no time limit: the user can interrupt it.
    let unlimited = engine::budget::Budget::unlimited();
    let analysis =
        match engine::analysis::analyse_shared(std::sync::Arc::new(parsed.map), demand, &unlimited)
        {
            Ok(a) => a,
            Err(engine::analysis::AnalysisError::Problems(problems)) => {
                return Ok(report_problems(file, problem_lines(&problems)));
            }
            Err(engine::analysis::AnalysisError::Stopped) => {
                anyhow::bail!("the analysis was stopped part-way")
            }
        };
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&analysis)?),
        Format::Table => print!("{}", report::analysis_table(&name, &analysis, top)),
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(before_file: &Path, after_file: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let mut parsed = Vec::with_capacity(2);
    for file in [before_file, after_file] {
        match read_document(file)? {
            Ok(p) => parsed.push(p),
            Err(lines) => return Ok(report_problems(file, lines)),
        }
    }
    let (before, after) = (&parsed[0], &parsed[1]);
    let maps = (
        std::sync::Arc::new(before.map.clone()),
        std::sync::Arc::new(after.map.clone()),
    );
    let demand = |p: &engine::ParsedDocument| p.header.demand_per_day.map(|d| d.get());
    // The command line has no time limit: the user can interrupt it.
    let unlimited = engine::budget::Budget::unlimited();
    let comparison = match engine::compare::compare(
        (&maps.0, demand(before)),
        (&maps.1, demand(after)),
        &unlimited,
    ) {
        Ok(c) => c,
        Err(engine::analysis::AnalysisError::Problems(problems)) => {
            // Say which document has them.
            let file = if engine::validate(&before.map).is_empty() {
                after_file
            } else {
                before_file
            };
            return Ok(report_problems(file, problem_lines(&problems)));
        }
        Err(engine::analysis::AnalysisError::Stopped) => {
            anyhow::bail!("the comparison was stopped part-way")
        }
    };
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
        Format::Table => print!(
            "{}",
            report::comparison_table(&before.header.name, &after.header.name, &comparison)
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(file: &Path) -> anyhow::Result<ExitCode> {
    let parsed = match read_document(file)? {
        Ok(p) => p,
        Err(lines) => return Ok(report_problems(file, lines)),
    };
    let problems = engine::validate(&parsed.map);
    if problems.is_empty() {
        println!(
            "{}: no problems ({} steps, {} transitions)",
            file.display(),
            parsed.map.steps.len(),
            parsed.map.transitions.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    Ok(report_problems(file, problem_lines(&problems)))
}
