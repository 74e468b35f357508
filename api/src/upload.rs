//! `POST /logs/{id}/events`: an event-log file as the request body, CSV or XES, plain or gzip
//! (`Content-Encoding: gzip` or a gzip body), told apart by its bytes unless `?format=csv|xes`
//! says; `?columns=case_id=PatientRef,...` maps CSV headers, `?delimiter=;`,
//! `?timestampFormat=DD/MM/YYYY` and `?timezone=Europe/Amsterdam` overrule detection and the
//! default zone; an `Idempotency-Key` header makes a retry safe. The body is streamed to a
//! temporary file under its own size limit, never held in memory, then staged (decompressing as
//! it reads) and imported all or nothing like `qiflow import-events`.

use crate::context::RequestContext;
use crate::error::Error;
use crate::store::events::{self, ImportRecord, ImportSource};
use engine::events::ReadOptions;
use engine::events::csv::ColumnMapping;
use engine::events::identifiers::Pseudonymiser;
use engine::events::input::{InputFormat, parse_delimiter};
use engine::events::resources::ResourceOrganisations;
use engine::events::timestamp::{TimestampFormat, parse_zone};
use poem::http::StatusCode;
use poem::web::{Data, Json, Path, Query};
use poem::{Body, IntoResponse, Response, handler};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Largest upload accepted: about 5 million events of CSV.
pub const MAX_UPLOAD_BYTES: u64 = 512 * 1024 * 1024;

/// Most bytes read from one upload after decompression: a gzip body of 512 MiB can hold far
/// more than the server should stage in one request.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 4 * MAX_UPLOAD_BYTES;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadParams {
    /// `csv` or `xes`; detected from the content when absent.
    format: Option<String>,
    /// CSV header names as field=header pairs.
    columns: Option<String>,
    /// The CSV delimiter (one character, or `tab`); detected from the header when absent.
    delimiter: Option<String>,
    /// `iso`, `YYYY/MM/DD`, `DD/MM/YYYY` or a strftime pattern; detected when absent.
    timestamp_format: Option<String>,
    /// The IANA zone offset-less times were written in; Europe/London when absent.
    timezone: Option<String>,
    /// A table `resource,organisation` (one pair a line): events without an organisation get
    /// their resource's.
    resource_organisations: Option<String>,
}

impl UploadParams {
    /// The reading options the query asks for; a bad one is named.
    fn options(&self, max_field_bytes: usize) -> Result<ReadOptions, String> {
        fn named(field: &'static str) -> impl Fn(String) -> String {
            move |e| format!("{field}: {e}")
        }
        Ok(ReadOptions {
            format: self
                .format
                .as_deref()
                .map(InputFormat::parse)
                .transpose()
                .map_err(named("format"))?,
            columns: ColumnMapping::parse(self.columns.as_deref().unwrap_or(""))
                .map_err(named("columns"))?,
            delimiter: self
                .delimiter
                .as_deref()
                .map(parse_delimiter)
                .transpose()
                .map_err(named("delimiter"))?,
            timestamp_format: self
                .timestamp_format
                .as_deref()
                .map(TimestampFormat::parse)
                .transpose()
                .map_err(named("timestampFormat"))?,
            timezone: match self.timezone.as_deref() {
                Some(zone) => parse_zone(zone).map_err(named("timezone"))?,
                None => engine::events::timestamp::DEFAULT_ZONE,
            },
            max_field_bytes,
            max_input_bytes: Some(MAX_UNCOMPRESSED_BYTES),
            resource_organisations: self
                .resource_organisations
                .as_deref()
                .map(|table| {
                    ResourceOrganisations::parse(table).map_err(|errors| {
                        let rows: Vec<String> = errors
                            .iter()
                            .map(|e| format!("row {} {}: {}", e.row, e.column, e.message))
                            .collect();
                        format!("resourceOrganisations: {}", rows.join("; "))
                    })
                })
                .transpose()?
                .map(std::sync::Arc::new),
        })
    }
}

fn problem(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message.into()}})),
    )
        .into_response()
}

/// The error as the client sees it: an internal one only as a bare message with the request id
/// under which the details are logged.
fn from_error(error: Error, request_id: Option<&str>) -> Response {
    if let Error::Internal(e) = &error {
        tracing::error!(error = ?e, request_id, "upload failed");
    }
    let code = error.code();
    let mut body = json!({"error": {"code": code, "message": error.message()}});
    if let (Some(id), Error::Internal(_)) = (request_id, &error) {
        body["error"]["requestId"] = json!(id);
    }
    (crate::error::http_status(code), Json(body)).into_response()
}

/// The JSON an import is reported as (also by `qiflow import-events --format json`).
pub fn import_json(record: &ImportRecord) -> serde_json::Value {
    json!({
        "id": record.id,
        "logId": record.log_id,
        "source": record.source,
        "status": record.status,
        "rows": record.rows,
        "events": record.events,
        "message": record.message,
        "errors": record.errors,
        "startedAt": record.started_at,
        "finishedAt": record.finished_at,
        "duplicate": record.duplicate,
        "reading": record.reading,
        "readAs": record.reading.as_ref().map(engine::events::input::Reading::describe),
        "phases": record.phases,
    })
}

#[handler]
pub async fn upload_events(
    http: &poem::Request,
    Path(id): Path<String>,
    Query(params): Query<UploadParams>,
    db: Data<&DatabaseConnection>,
    pseudonymiser: Data<&Arc<Pseudonymiser>>,
    oidc: Data<&crate::auth::Oidc>,
    body: Body,
) -> Response {
    let Some(gate) = http.data::<Arc<crate::gate::Gate>>() else {
        return from_error(
            Error::internal(anyhow::anyhow!("the server has no gate")),
            None,
        );
    };
    let limits = http
        .data::<crate::limits::Limits>()
        .cloned()
        .unwrap_or_default();
    let body_idle = limits.body_idle;
    let refused_at_gate = |refusal: crate::gate::Refusal| {
        refusal.with_headers(problem(refusal.status(), refusal.code(), refusal.message()))
    };
    let caller = match gate.admit(db.0, http, oidc.0).await {
        Ok(caller) => caller,
        Err(refusal) => return refused_at_gate(refusal),
    };
    // An upload is a write: it costs what a mutation does.
    if let Err(refusal) = gate.charge(db.0, http, &caller, limits.mutation_cost).await {
        return refused_at_gate(refusal);
    }
    let Ok(log_id) = uuid::Uuid::parse_str(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("event log {id} was not found"),
        );
    };
    let mut ctx = RequestContext::new(caller, "uploadEvents");
    ctx.named = vec![log_id];
    let allowed = async {
        events::get_log(db.0, &ctx.caller, log_id).await?;
        // Refuse before reading a byte of patient data the caller may not write.
        crate::store::access::require_events_write(db.0, &ctx.caller, log_id).await
    };
    if let Err(e) = allowed.await {
        return refused(db.0, &ctx, e).await;
    }
    let options = match params.options(limits.max_field_bytes) {
        Ok(options) => options,
        Err(message) => return problem(StatusCode::BAD_REQUEST, "VALIDATION", message),
    };
    // gzip is recognised from the bytes; any other coding cannot be read.
    if let Some(coding) = http.header("Content-Encoding").map(str::trim).filter(|c| {
        !c.is_empty() && !c.eq_ignore_ascii_case("gzip") && !c.eq_ignore_ascii_case("identity")
    }) {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            format!(
                "Content-Encoding: '{coding}' cannot be read; send the file plain or gzip-compressed"
            ),
        );
    }
    // A client that may send the same file again (a retry after a timeout) names it once: the
    // same key with the same content answers the first import again (`duplicate: true`).
    let idempotency_key = http.header("Idempotency-Key").map(str::to_string);
    let started = chrono::Utc::now();
    // Spool the body to disk, counting the bytes actually read.
    let spool = match tempfile::NamedTempFile::new() {
        Ok(f) => f,
        Err(e) => return from_error(Error::internal(e), Some(&ctx.request_id)),
    };
    let written = async {
        let mut file = tokio::fs::File::create(spool.path())
            .await
            .map_err(crate::limits::BodyError::NotKept)?;
        crate::limits::spool_body(
            body.into_async_read(),
            &mut file,
            MAX_UPLOAD_BYTES,
            body_idle,
        )
        .await
    }
    .await;
    match written {
        Ok(_) => {}
        Err(crate::limits::BodyError::TooLarge) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "VALIDATION",
                format!("uploads are limited to {} MiB", MAX_UPLOAD_BYTES >> 20),
            );
        }
        Err(crate::limits::BodyError::Stalled) => {
            return problem(
                StatusCode::REQUEST_TIMEOUT,
                "VALIDATION",
                format!(
                    "the file stopped arriving for {} s; nothing was stored",
                    body_idle.as_secs()
                ),
            );
        }
        Err(crate::limits::BodyError::Unreadable) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                "the request body could not be read to its end; nothing was stored",
            );
        }
        // A full disk is ours to fix, not the client's: no OS error in the answer.
        Err(crate::limits::BodyError::NotKept(e)) => {
            return from_error(Error::internal(e), Some(&ctx.request_id));
        }
    }
    let path = spool.path().to_path_buf();
    let key = pseudonymiser.0.clone();
    let staged = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        Ok::<_, std::io::Error>(engine::events::staging::stage_file(
            file,
            &options,
            &key,
            |_| {},
        ))
    })
    .await;
    drop(spool);
    let staged = match staged {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return from_error(Error::internal(e), Some(&ctx.request_id)),
        Err(e) => return from_error(Error::internal(e), Some(&ctx.request_id)),
    };
    match crate::store::imports::import(
        db.0,
        &ctx,
        log_id,
        ImportSource::Upload,
        idempotency_key.as_deref(),
        staged,
        started,
    )
    .await
    {
        Ok(record) => {
            let status = if record.succeeded() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (status, Json(json!({"import": import_json(&record)}))).into_response()
        }
        Err(e) => refused(db.0, &ctx, e).await,
    }
}

/// Records a refused upload (nothing was stored) and answers with the error.
async fn refused(db: &DatabaseConnection, ctx: &RequestContext, error: Error) -> Response {
    if let Err(e) =
        crate::store::audit::record_alone(db, ctx, &ctx.operation, &[], error.code()).await
    {
        tracing::error!(error = ?e, request_id = %ctx.request_id, "could not record an audit entry");
    }
    from_error(error, Some(&ctx.request_id))
}
