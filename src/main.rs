//! The qiflow command line: serve the API, migrate the database, validate pathway documents.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
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
    Serve {
        /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
        database_url: String,
        /// Address to listen on.
        #[arg(long, env = "QIFLOW_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load the demo integrated care system (organisations and published pathways) if it
        /// is not there yet.
        #[arg(long)]
        demo: bool,
    },
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
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
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
        Command::Serve {
            database_url,
            bind,
            demo,
        } => {
            let settings = api::Settings {
                database_url,
                bind,
                demo,
            };
            let app = api::Application::build(&settings).await?;
            let url = format!("http://{}:{}", host_of(&settings.bind), app.port());
            if let Some(summary) = app.demo() {
                println!(
                    "Demo loaded: {} pathway(s) created, {} already present.",
                    summary.pathways_created, summary.pathways_present
                );
            }
            println!(
                "qiflow is serving {}",
                api::db::redact(&settings.database_url)
            );
            println!("GraphiQL: {url}/graphql");
            println!("Health:   {url}/healthz");
            println!("First query to paste into GraphiQL:\n{FIRST_QUERY}");
            app.run_until_stopped().await.context("serving")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { database_url } => {
            let db = api::db::connect(&database_url).await?;
            api::db::migrate(&db).await?;
            println!("{} is up to date", api::db::redact(&database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { file } => validate(&file),
        Command::Schema => {
            print!("{}", api::schema_sdl());
            Ok(ExitCode::SUCCESS)
        }
    }
}

const FIRST_QUERY: &str = "  { pathways(first: 10) { totalCount edges { node { id name status version \
owner { odsCode name } problems { code message } } } } }";

fn host_of(bind: &str) -> &str {
    match bind.rsplit_once(':') {
        Some(("0.0.0.0", _)) | Some(("[::]", _)) => "localhost",
        Some((host, _)) => host,
        None => bind,
    }
}

fn validate(file: &PathBuf) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let report = |lines: Vec<String>| {
        println!("{}: {} problem(s)", file.display(), lines.len());
        for line in lines {
            println!("  {line}");
        }
        Ok(ExitCode::from(1))
    };
    let document = match engine::PathwayDocument::from_json(value) {
        Ok(d) => d,
        Err(e) => return report(vec![format!("INVALID_FIELD {e}")]),
    };
    let parsed = match document.parse() {
        Ok(p) => p,
        Err(errors) => {
            return report(
                errors
                    .0
                    .iter()
                    .map(|e| format!("INVALID_FIELD {e}"))
                    .collect(),
            );
        }
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
    report(
        problems
            .iter()
            .map(|p| {
                let mut line = format!("{} {}", p.code.as_str(), p.message);
                if !p.transitions.is_empty() {
                    line.push_str(&format!(" [{}]", p.transitions.join(", ")));
                }
                line
            })
            .collect(),
    )
}
