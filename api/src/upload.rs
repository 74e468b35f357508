//! `POST /logs/{id}/events`: an event-log file as the request body (CSV, or XES with
//! `?format=xes`; `?columns=case_id=PatientRef,...` maps CSV headers; an `Idempotency-Key`
//! header makes a retry safe). The body is streamed to
//! a temporary file under its own size limit, never held in memory, then staged and imported
//! all or nothing like `qiflow import-events`.

use crate::context::RequestContext;
use crate::error::Error;
use crate::store::events::{self, ImportRecord, ImportSource};
use engine::events::LogFormat;
use engine::events::csv::ColumnMapping;
use engine::events::identifiers::Pseudonymiser;
use poem::http::StatusCode;
use poem::web::{Data, Json, Path, Query};
use poem::{Body, IntoResponse, Response, handler};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Largest upload accepted: about 5 million events of CSV.
pub const MAX_UPLOAD_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Deserialize)]
pub struct UploadParams {
    /// `csv` (default) or `xes`.
    format: Option<String>,
    /// CSV header names as field=header pairs.
    columns: Option<String>,
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
    let format = match params.format.as_deref().unwrap_or("csv") {
        "xes" => LogFormat::Xes,
        "csv" => match ColumnMapping::parse(params.columns.as_deref().unwrap_or("")) {
            Ok(m) => LogFormat::Csv(m),
            Err(e) => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "VALIDATION",
                    format!("columns: {e}"),
                );
            }
        },
        other => {
            return problem(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                format!("format: '{other}' is not csv or xes"),
            );
        }
    };
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
        let input = std::io::BufReader::with_capacity(1 << 20, file);
        Ok::<_, std::io::Error>(engine::events::staging::stage_file(
            input,
            &format,
            &key,
            limits.max_field_bytes,
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
