//! `POST /graphql` and the pictures that run through the schema: a request's body read under its
//! limits, its caller admitted and charged, its operations checked for shape, answered from the
//! kept answers when it may be, else run under the time limit with its data loaders.

use crate::context::RequestContext;
use crate::graphql::{ContentLoader, ProjectChildren, QiflowSchema};
use crate::limits::Limits;
use async_graphql::dataloader::DataLoader;
use poem::web::Data;
use poem::{IntoResponse, handler, http::StatusCode};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// The GraphQL-over-HTTP media type when the client asks for it in `Accept`, else plain JSON
/// (what clients written before the draft expect).
fn response_media_type(http: &poem::Request) -> &'static str {
    const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
    let asked = http
        .headers()
        .get_all(poem::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(GRAPHQL_RESPONSE))
        });
    if asked {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    }
}

/// A refusal at the gate as a GraphQL answer, with `Retry-After` when there is a wait.
fn graphql_refusal(refusal: &crate::gate::Refusal) -> poem::Response {
    refusal.with_headers(graphql_error(
        refusal.status(),
        refusal.code(),
        &refusal.message(),
    ))
}

fn graphql_error(status: StatusCode, code: &str, message: &str) -> poem::Response {
    let body = serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": code}}]
    });
    (status, poem::web::Json(body)).into_response()
}

/// `POST /graphql`: JSON only, the body read under its limit, authenticated, rate-limited,
/// at most `max_batch` operations, each under the time limit.
#[handler]
#[allow(clippy::too_many_arguments)] // each is one of poem's extractors
pub async fn graphql(
    http: &poem::Request,
    body: poem::Body,
    schema: Data<&QiflowSchema>,
    db: Data<&DatabaseConnection>,
    limits: Data<&Limits>,
    gate: Data<&Arc<crate::gate::Gate>>,
    answers: Data<&Arc<crate::answers::Answers>>,
    oidc: Data<&crate::auth::Oidc>,
) -> poem::Response {
    let limits = limits.0;
    // One time limit for the whole HTTP request, from here: the time reading the body and signing
    // in counts against it, and every operation of a batch shares it.
    let deadline = tokio::time::Instant::now() + limits.timeout;
    // JSON only: no form posts or text/plain from another site's page.
    let json = http.content_type().is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json {
        return graphql_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "POST /graphql takes application/json",
        );
    }
    // The body may take the request's time and one idle period more: a body trickling in a byte
    // at a time cannot hold the connection for ever, and a request's operations still get the
    // time left when it has arrived.
    let read = crate::limits::read_limited(body, limits.body_bytes, limits.body_idle);
    let read = tokio::time::timeout_at(deadline + limits.body_idle, read)
        .await
        .unwrap_or(Err(crate::limits::BodyError::Stalled));
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(crate::limits::BodyError::TooLarge) => {
            return graphql_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "VALIDATION",
                &format!("the request body is limited to {} bytes", limits.body_bytes),
            );
        }
        Err(crate::limits::BodyError::Unreadable | crate::limits::BodyError::NotKept(_)) => {
            return graphql_error(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                "the request body could not be read",
            );
        }
        Err(crate::limits::BodyError::Stalled) => {
            return graphql_error(
                StatusCode::REQUEST_TIMEOUT,
                "VALIDATION",
                &format!(
                    "the request body stopped arriving for {} s, or took longer than the {} s a request may take",
                    limits.body_idle.as_secs(),
                    limits.timeout.as_secs()
                ),
            );
        }
    };
    let batch: async_graphql::BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(_) => {
            return graphql_error(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                "the body is not a GraphQL request in JSON",
            );
        }
    };
    let mut requests = match batch {
        async_graphql::BatchRequest::Single(r) => vec![r],
        async_graphql::BatchRequest::Batch(rs) => rs,
    };
    // The one place a request's caller is decided.
    let caller = match gate.admit(db.0, http, oidc.0).await {
        Ok(caller) => caller,
        // No or bad credentials: 401 with the Bearer challenge and the GraphQL error body.
        Err(refusal) => return graphql_refusal(&refusal),
    };
    // The same read by the same caller, answered before and with nothing committed since, is
    // answered again (charged as before); the database's state read here serves to keep a new
    // answer.
    let key = crate::answers::Key::new(&caller, response_media_type(http), &bytes);
    let mut state = None;
    match answers.find(&key).await {
        crate::answers::Found::Fresh(answer) => {
            if let Err(refusal) = gate.charge(db.0, http, &caller, answer.cost).await {
                return graphql_refusal(&refusal);
            }
            return poem::Response::builder()
                .content_type(response_media_type(http))
                .body(answer.body.to_vec());
        }
        crate::answers::Found::Stale(now) => state = Some(now),
        crate::answers::Found::Missing => {}
    }
    // A request refused by the limits below is recorded (once a minute per principal).
    let gate: &crate::gate::Gate = gate.0;
    let caller = &caller;
    let refuse = |status: StatusCode, message: String| async move {
        let peer = crate::gate::peer_of(http);
        gate.record(db.0, caller, peer, "limits", "VALIDATION")
            .await;
        graphql_error(status, "VALIDATION", &message)
    };
    let over_limits = |message: String| refuse(StatusCode::OK, message);
    if requests.is_empty() || requests.len() > limits.max_batch {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("a batch holds 1 to {} operations", limits.max_batch),
        )
        .await;
    }
    // Each query is parsed once, here; the schema runs the same document. Shape checks before
    // anything runs: directives and the number of fields (aliases), and introspection only for
    // whom `--introspection` allows (everyone with --dev, never anonymous callers). A query that does not parse is left to the
    // schema, which refuses it with its own message.
    let mut cost: u32 = 0;
    let mut only_reads = true;
    for request in &mut requests {
        if let Some(path) = crate::limits::nul_in(request) {
            return over_limits(format!("{path}: text may not contain NUL characters")).await;
        }
        let operation_name = request.operation_name.clone();
        let Some(document) = crate::parsed::parse(request) else {
            cost += 1;
            only_reads = false;
            continue;
        };
        let document = &*document;
        only_reads &= crate::answers::only_reads(document, operation_name.as_deref());
        if let Err(message) = crate::limits::check_shape(document, limits) {
            return over_limits(message).await;
        }
        if !may_introspect(limits, caller) && crate::limits::asks_for_introspection(document) {
            return graphql_error(
                StatusCode::OK,
                "FORBIDDEN",
                "introspection is not open to you on this server (see its --introspection setting)",
            );
        }
        // Each mutation field is a write: aliases cannot batch writes under one charge.
        let writes =
            crate::audit::mutation_fields(document, operation_name.as_deref(), &request.variables)
                .len() as u32;
        cost = cost.saturating_add(1.max(writes.saturating_mul(limits.mutation_cost)));
    }
    if cost > limits.points_per_minute {
        return over_limits(format!(
            "this request costs {cost} rate-limit points (a query 1, each mutation field {}), more than the {} a minute allows: split it",
            limits.mutation_cost, limits.points_per_minute
        ))
        .await;
    }
    if let Err(refusal) = gate.charge(db.0, http, caller, cost).await {
        return graphql_refusal(&refusal);
    }
    // The state before anything is read: an answer kept under it is stale after any commit made
    // while the request ran.
    let state = match (only_reads, state) {
        (false, _) => None,
        (true, Some(now)) => now,
        (true, None) if answers.asked_before(&key) => answers.state().await,
        (true, None) => None,
    };
    let mut responses = Vec::with_capacity(requests.len());
    let mut wrote = false;
    for request in requests {
        let (response, request_wrote) =
            execute(&schema, db.0, caller, request, limits, deadline).await;
        wrote |= request_wrote;
        responses.push(response);
    }
    let keep = state.filter(|_| !wrote && responses.iter().all(|r| r.errors.is_empty()));
    let body = if responses.len() == 1 {
        serde_json::to_vec(&responses.remove(0))
    } else {
        serde_json::to_vec(&responses)
    };
    match body {
        Ok(body) if body.len() <= limits.response_bytes => {
            if let Some(state) = keep {
                answers.keep(key, state, cost, &body);
            }
            poem::Response::builder()
                .content_type(response_media_type(http))
                .body(body)
        }
        Ok(body) => graphql_error(
            StatusCode::OK,
            "VALIDATION",
            &format!(
                "the answer would be {} bytes; at most {} are sent: ask for fewer objects or fields",
                body.len(),
                limits.response_bytes
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not write a response");
            graphql_error(StatusCode::OK, "INTERNAL", "internal error")
        }
    }
}

/// Whether the caller may introspect the schema under these limits.
fn may_introspect(limits: &Limits, caller: &crate::caller::Caller) -> bool {
    (limits.dev && !matches!(caller, crate::caller::Caller::Anonymous))
        || limits.introspection.allows(caller)
}

/// Runs one operation for the caller, under the time limit, and says whether it wrote anything.
/// Writes record themselves in their transactions; refused mutations are recorded here.
async fn execute(
    schema: &QiflowSchema,
    db: &DatabaseConnection,
    caller: &crate::caller::Caller,
    mut request: async_graphql::Request,
    limits: &Limits,
    deadline: tokio::time::Instant,
) -> (async_graphql::Response, bool) {
    use tracing::Instrument as _;
    let loader = DataLoader::new(ContentLoader::new(db.clone(), caller.clone()), tokio::spawn);
    let ctx = RequestContext::new(caller.clone(), "");
    let request_id = ctx.request_id.to_string();
    if !may_introspect(limits, caller) {
        request = request.disable_introspection();
    }
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let mutations = request
        .parsed_query()
        .map(|document| {
            crate::audit::mutation_fields(document, operation_name.as_deref(), &variables)
        })
        .unwrap_or_default();
    let span = tracing::info_span!("graphql", request_id = %request_id, caller = caller.name());
    let children = DataLoader::new(
        ProjectChildren::new(db.clone(), caller.clone()),
        tokio::spawn,
    );
    let run = schema.execute(
        request
            .data(ctx.clone())
            .data(loader)
            .data(children)
            .data(crate::graphql::ListBudget::new(limits.list_items)),
    );
    let mut response = match within(deadline, run.instrument(span)).await {
        Some(response) => {
            crate::audit::record_refusals(db, &ctx, &mutations, &response).await;
            response
        }
        None => {
            let done = ctx.done_when_settled(Duration::from_secs(10)).await;
            crate::audit::record_not_run(db, &ctx, &mutations, &done).await;
            stopped_answer(limits.timeout, &mutations, &done)
        }
    };
    // Our own errors always carry a code; the rest come from async-graphql rejecting the request
    // itself (syntax, unknown fields, wrong variable types, depth or complexity limits).
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        match extensions.get("code") {
            None => extensions.set("code", "VALIDATION"),
            Some(code) if code.to_string().contains("INTERNAL") => {
                // The details are in the server's log under this id, never in the response.
                extensions.set("requestId", request_id.clone());
            }
            Some(_) => {}
        }
    }
    let wrote = ctx.wrote();
    (response, wrote)
}

/// `GET /pathways/{id}/map.svg`, `/measures/{id}/chart.svg`, `/logs/{id}/map.svg`: the same
/// pictures as the GraphQL fields, with the same authorisation (they run through the schema).
#[handler]
pub async fn picture(
    http: &poem::Request,
    poem::web::Path(id): poem::web::Path<String>,
    schema: Data<&QiflowSchema>,
    db: Data<&DatabaseConnection>,
    limits: Data<&Limits>,
    gate: Data<&Arc<crate::gate::Gate>>,
    oidc: Data<&crate::auth::Oidc>,
) -> poem::Response {
    let refused = |refusal: crate::gate::Refusal| {
        refusal.with_headers((refusal.status(), format!("{}\n", refusal.message())).into_response())
    };
    let caller = match gate.admit(db.0, http, oidc.0).await {
        Ok(caller) => caller,
        Err(refusal) => return refused(refusal),
    };
    // A picture costs what a query does.
    if let Err(refusal) = gate.charge(db.0, http, &caller, 1).await {
        return refused(refusal);
    }
    let path = http.uri().path();
    let (query, object, field) = if path.starts_with("/pathways/") {
        (
            "query($id: ID!) { pathway(id: $id) { mapSvg } }",
            "pathway",
            "mapSvg",
        )
    } else if path.starts_with("/measures/") {
        (
            "query($id: ID!) { measure(id: $id) { chartSvg } }",
            "measure",
            "chartSvg",
        )
    } else {
        (
            "query($id: ID!) { eventLog(id: $id) { mapSvg } }",
            "eventLog",
            "mapSvg",
        )
    };
    let request = async_graphql::Request::new(query).variables(
        async_graphql::Variables::from_json(serde_json::json!({ "id": id })),
    );
    let deadline = tokio::time::Instant::now() + limits.0.timeout;
    let (response, _) = execute(&schema, db.0, &caller, request, limits.0, deadline).await;
    if let Some(error) = response.errors.first() {
        let status = crate::error::http_status(&crate::error::code_of(error));
        return (status, format!("{}\n", error.message)).into_response();
    }
    let svg = serde_json::to_value(&response.data)
        .ok()
        .and_then(|v| v[object][field].as_str().map(str::to_string))
        .unwrap_or_default();
    // An SVG opened on its own is a document: it gets the page's policy (no script runs).
    poem::Response::builder()
        .content_type("image/svg+xml")
        .header("Cache-Control", "no-store")
        .header("Content-Security-Policy", crate::page::PAGE_POLICY)
        .header("X-Content-Type-Options", "nosniff")
        .body(svg)
}

/// Runs a request until `deadline`, the end of its HTTP request's time limit: `None` when it
/// was stopped there (the server's other requests carry on).
async fn within(
    deadline: tokio::time::Instant,
    run: impl std::future::Future<Output = async_graphql::Response>,
) -> Option<async_graphql::Response> {
    tokio::time::timeout_at(deadline, run).await.ok()
}

/// The answer to a request stopped by its time `limit`: an error for each mutation field that
/// was not done (nothing of it was saved), none for those whose writes committed (their results
/// are lost, not their work: `extensions.stopped` names both), and one error for a query.
fn stopped_answer(
    limit: Duration,
    mutations: &[crate::audit::MutationField],
    done: &[Arc<str>],
) -> async_graphql::Response {
    tracing::warn!("a request ran out of time");
    let seconds = limit.as_secs_f64();
    let error = |message: String, key: Option<&str>| {
        let mut error = async_graphql::ServerError::new(message, None);
        error.path = key
            .map(|k| vec![async_graphql::PathSegment::Field(k.to_string())])
            .unwrap_or_default();
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", "INTERNAL");
        error.extensions = Some(extensions);
        error
    };
    if mutations.is_empty() {
        return async_graphql::Response::from_errors(vec![error(
            format!("the request took longer than {seconds} s and was stopped"),
            None,
        )]);
    }
    let is_done = |f: &crate::audit::MutationField| done.iter().any(|d| **d == *f.key);
    let not_run: Vec<&str> = mutations
        .iter()
        .filter(|f| !is_done(f))
        .map(|f| f.key.as_str())
        .collect();
    let errors = not_run
        .iter()
        .map(|key| {
            error(
                format!(
                    "{key} was not done: the request took longer than {seconds} s and was stopped first, and nothing of it was saved"
                ),
                Some(key),
            )
        })
        .collect();
    let done: Vec<&str> = mutations
        .iter()
        .filter(|f| is_done(f))
        .map(|f| f.key.as_str())
        .collect();
    let mut response = async_graphql::Response::from_errors(errors);
    response.extensions.insert(
        "stopped".to_string(),
        async_graphql::Value::from_json(serde_json::json!({
            "afterSeconds": seconds,
            "done": done,
            "notRun": not_run,
        }))
        .unwrap_or_default(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_request_over_the_time_limit_is_stopped() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            async_graphql::Response::new(async_graphql::Value::Null)
        };
        let limit = Duration::from_secs(10);
        let deadline = tokio::time::Instant::now() + limit;
        assert!(within(deadline, slow).await.is_none());
        let quick = async { async_graphql::Response::new(async_graphql::Value::Null) };
        assert!(within(deadline + limit, quick).await.is_some());
        // A batch shares one deadline: the second operation of a batch gets what is left.
        let deadline = tokio::time::Instant::now() + limit;
        let six = || async {
            tokio::time::sleep(Duration::from_secs(6)).await;
            async_graphql::Response::new(async_graphql::Value::Null)
        };
        assert!(within(deadline, six()).await.is_some());
        assert!(within(deadline, six()).await.is_none());
    }

    /// Issue 12: a request stopped after some of its mutations committed answered INTERNAL for
    /// all of them.
    #[test]
    fn a_stopped_request_says_which_mutations_were_done() {
        let field = |key: &str| crate::audit::MutationField {
            key: key.into(),
            name: "createOrganisation".into(),
            named: vec![],
        };
        let fields = [field("a"), field("b"), field("c")];
        let done: Vec<Arc<str>> = vec!["a".into(), "b".into()];
        let answer = stopped_answer(Duration::from_secs(10), &fields, &done);
        assert_eq!(answer.errors.len(), 1);
        assert!(answer.errors[0].message.starts_with("c was not done"));
        let stopped = answer.extensions["stopped"].clone().into_json().unwrap();
        assert_eq!(stopped["done"], serde_json::json!(["a", "b"]));
        assert_eq!(stopped["notRun"], serde_json::json!(["c"]));
        let query = stopped_answer(Duration::from_secs(10), &[], &[]);
        assert!(query.errors[0].message.contains("took longer than 10 s"));
    }
}
