//! `qiflow import-events`: an event-log file into the database, all or nothing, with a progress
//! bar on a terminal.

use anyhow::Context;
use api::context::RequestContext;
use api::store::events::{self, ImportRecord, ImportSource};
use engine::events::ReadOptions;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// What to import and where.
pub struct ImportRequest<'a> {
    pub file: &'a Path,
    /// How to read the file (its most bytes of a kept field included).
    pub reading: ReadOptions,
    pub log: &'a str,
    pub pathway: Option<uuid::Uuid>,
    pub organisation: Option<&'a str>,
    pub database_url: &'a str,
    pub key_file: &'a Path,
}

/// Stages the file (checking every row and pseudonymising case ids), then writes it in one
/// transaction into the named log, creating the log if it does not exist.
pub async fn run(
    request: ImportRequest<'_>,
) -> anyhow::Result<(ImportRecord, events::EventLogRecord)> {
    let pseudonymiser = api::keys::load_or_create(request.key_file)?;
    let db = api::db::connect(request.database_url).await?;
    api::db::migrate(&db).await?;
    let ctx = RequestContext::command("import-events");
    let caller = &ctx.caller;
    let log = match events::find_log_by_name(&db, caller, request.log)
        .await
        .map_err(api::Error::into_anyhow)?
    {
        Some(log) => log,
        None => {
            let organisation = match request.organisation {
                Some(code) => Some(
                    api::store::organisations::list(&db, caller)
                        .await
                        .map_err(api::Error::into_anyhow)?
                        .into_iter()
                        .find(|o| o.organisation.ods_code.as_str() == code.trim())
                        .with_context(|| format!("--organisation: no organisation {code}"))?
                        .id,
                ),
                None => None,
            };
            events::create_log(&db, &ctx, request.log, organisation, request.pathway)
                .await
                .map_err(api::Error::into_anyhow)?
        }
    };
    let started = chrono::Utc::now();
    let handle = std::fs::File::open(request.file)
        .with_context(|| format!("opening {}", request.file.display()))?;
    let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("reading");
    let input = bar.wrap_read(handle);
    let reading = request.reading;
    let staged = tokio::task::spawn_blocking(move || {
        engine::events::staging::stage_file(input, &reading, &pseudonymiser, |_| {})
    })
    .await?;
    bar.finish_and_clear();
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("writing {} events", staged.events.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let mut ctx = ctx;
    ctx.named = vec![log.id];
    let record =
        api::store::imports::import(&db, &ctx, log.id, ImportSource::File, None, staged, started)
            .await;
    spinner.finish_and_clear();
    let record = record.map_err(api::Error::into_anyhow)?;
    let log = events::get_log(&db, &ctx.caller, log.id)
        .await
        .map_err(api::Error::into_anyhow)?;
    Ok((record, log))
}
