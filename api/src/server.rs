//! The HTTP server: routes, per-request context, graceful shutdown.

use crate::context::RequestContext;
use crate::db;
use crate::graphql::{ContentLoader, ProjectChildren, QiflowSchema, build_schema};
use anyhow::Context as _;
use async_graphql::dataloader::DataLoader;
use engine::events::identifiers::Pseudonymiser;
use poem::middleware::Tracing;
use poem::web::Data;
use poem::{EndpointExt, IntoResponse, Route, Server, get, handler, http::StatusCode};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

pub use crate::limits::Limits;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    /// Load the demo integrated care system on start.
    pub demo: bool,
    /// The pseudonymisation key file (created on first start).
    pub key_file: std::path::PathBuf,
    /// Query, body, time and rate limits.
    pub limits: Limits,
    /// The OpenID Connect issuer whose JWTs are accepted, if any.
    pub oidc: Option<crate::auth::OidcSettings>,
}

/// A server bound to its port, with its database migrated, ready to run.
pub struct Application {
    acceptor: crate::connections::GuardedAcceptor,
    port: u16,
    db: DatabaseConnection,
    demo: Option<crate::demo::DemoSummary>,
    demo_token: Option<String>,
    pseudonymiser: Arc<Pseudonymiser>,
    limits: Limits,
    oidc: crate::auth::Oidc,
    stop: Stop,
}

/// The signals that stop the server, listened for from the moment it is built: a SIGTERM that
/// arrives as soon as the address is printed (before serving has begun) is then a graceful
/// stop, not the default kill. (Found by `serve_answers_and_stops_cleanly_on_sigterm` on a busy
/// machine.)
struct Stop {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl Stop {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves when one of the signals arrives.
    async fn wait(self) {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(self.terminate) => {},
                _ = wait(self.interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
    }
}

/// Where `serve --demo` keeps its administrator's token: beside the key file.
pub fn demo_token_file(key_file: &std::path::Path) -> std::path::PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".demo-token");
    std::path::PathBuf::from(name)
}

impl Application {
    /// Connects, migrates, loads the demo if asked, and binds (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let pseudonymiser = Arc::new(crate::keys::load_or_create(&settings.key_file)?);
        let oidc = match &settings.oidc {
            Some(o) => crate::auth::Oidc(Some(Arc::new(
                crate::auth::OidcVerifier::load(o.clone()).await?,
            ))),
            None => crate::auth::Oidc(None),
        };
        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db).await?;
        let (demo, demo_token) = if settings.demo {
            let summary = crate::demo::load(&db, &pseudonymiser)
                .await
                .map_err(|e| e.into_anyhow().context("loading the demo"))?;
            // The demo token is kept beside the key file (owner-only), so a restart prints the
            // same token while it is valid instead of minting another.
            let kept = demo_token_file(&settings.key_file);
            let previous = std::fs::read_to_string(&kept).ok();
            let token = crate::store::tokens::demo_administrator_token(
                &db,
                previous.as_deref().map(str::trim),
            )
            .await
            .map_err(|e| e.into_anyhow().context("creating the demo token"))?;
            if previous.as_deref().map(str::trim) != Some(token.as_str()) {
                crate::keys::write_private(&kept, &token)
                    .with_context(|| format!("keeping the demo token in {}", kept.display()))?;
            }
            (Some(summary), Some(token))
        } else {
            (None, None)
        };
        let acceptor = crate::connections::GuardedAcceptor::bind(
            &settings.bind,
            settings.limits.connections.clone(),
        )
        .await
        .with_context(|| format!("binding {}", settings.bind))?;
        let port = acceptor.port().context("reading the bound port")?;
        Ok(Self {
            acceptor,
            port,
            db,
            demo,
            demo_token,
            pseudonymiser,
            limits: settings.limits.clone(),
            oidc,
            stop: Stop::listen(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The demo administrator's token (shown once), when the demo was loaded.
    pub fn demo_token(&self) -> Option<&str> {
        self.demo_token.as_deref()
    }

    /// What loading the demo did, when it was asked for.
    pub fn demo(&self) -> Option<&crate::demo::DemoSummary> {
        self.demo.as_ref()
    }

    pub fn database(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish (up to 10 seconds).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let app = routes(self.db, self.pseudonymiser, self.limits, self.oidc);
        // Connections silent for a minute are closed (requests are limited to seconds).
        Server::new_with_acceptor(self.acceptor)
            .idle_timeout(Duration::from_secs(60))
            .run_with_graceful_shutdown(app, self.stop.wait(), Some(Duration::from_secs(10)))
            .await
    }
}

/// Every route of the server.
pub fn routes(
    db: DatabaseConnection,
    pseudonymiser: Arc<Pseudonymiser>,
    limits: Limits,
    oidc: crate::auth::Oidc,
) -> impl poem::Endpoint {
    let schema = build_schema(db.clone(), pseudonymiser.clone(), &limits);
    let gate = Arc::new(crate::gate::Gate::new(&limits));
    Route::new()
        .at("/", get(crate::page::asset))
        .at("/app/*path", get(crate::page::asset))
        .at("/graphql", get(graphiql).post(graphql))
        .at("/graphiql/:file", get(graphiql_asset))
        .at("/healthz", get(healthz))
        .at("/logs/:id/events", poem::post(crate::upload::upload_events))
        .at("/pathways/:id/map.svg", get(picture))
        .at("/measures/:id/chart.svg", get(picture))
        .at("/logs/:id/map.svg", get(picture))
        .with(Tracing)
        .data(schema)
        .data(db)
        .data(pseudonymiser)
        .data(limits)
        .data(gate)
        .data(oidc)
}

/// A refusal at the gate as a GraphQL answer, with `Retry-After` when there is a wait.
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
async fn graphql(
    http: &poem::Request,
    body: poem::Body,
    schema: Data<&QiflowSchema>,
    db: Data<&DatabaseConnection>,
    limits: Data<&Limits>,
    gate: Data<&Arc<crate::gate::Gate>>,
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
    for request in &mut requests {
        if let Some(path) = crate::limits::nul_in(request) {
            return over_limits(format!("{path}: text may not contain NUL characters")).await;
        }
        let operation_name = request.operation_name.clone();
        let Some(document) = crate::parsed::parse(request) else {
            cost += 1;
            continue;
        };
        let document = &*document;
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
    let mut responses = Vec::with_capacity(requests.len());
    for request in requests {
        responses.push(execute(&schema, db.0, caller, request, limits, deadline).await);
    }
    let body = if responses.len() == 1 {
        serde_json::to_vec(&responses.remove(0))
    } else {
        serde_json::to_vec(&responses)
    };
    match body {
        Ok(body) if body.len() <= limits.response_bytes => poem::Response::builder()
            .content_type(response_media_type(http))
            .body(body),
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

/// Runs one operation for the caller, under the time limit. Writes record themselves in their
/// transactions; refused mutations are recorded here.
async fn execute(
    schema: &QiflowSchema,
    db: &DatabaseConnection,
    caller: &crate::caller::Caller,
    mut request: async_graphql::Request,
    limits: &Limits,
    deadline: tokio::time::Instant,
) -> async_graphql::Response {
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
    response
}

/// `GET /pathways/{id}/map.svg`, `/measures/{id}/chart.svg`, `/logs/{id}/map.svg`: the same
/// pictures as the GraphQL fields, with the same authorisation (they run through the schema).
#[handler]
async fn picture(
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
    let response = execute(&schema, db.0, &caller, request, limits.0, deadline).await;
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

/// GraphiQL's own stylesheets set inline styles, which its page allows (still no inline script,
/// and nothing from another origin).
const GRAPHIQL_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

fn embedded(body: &'static [u8], content_type: &str, policy: &str) -> poem::Response {
    poem::Response::builder()
        .content_type(content_type)
        .header("Content-Security-Policy", policy)
        .header("X-Content-Type-Options", "nosniff")
        .body(body)
}

/// `GET /graphql`: GraphiQL, embedded (pinned versions and licences in `web/graphiql/`).
#[handler]
fn graphiql() -> poem::Response {
    embedded(
        include_bytes!("web/graphiql/graphiql.html"),
        "text/html; charset=utf-8",
        GRAPHIQL_POLICY,
    )
}

/// GraphiQL's scripts and stylesheet.
#[handler]
fn graphiql_asset(poem::web::Path(file): poem::web::Path<String>) -> poem::Response {
    const JS: &str = "text/javascript; charset=utf-8";
    let (body, content_type): (&'static [u8], &str) = match file.as_str() {
        "graphiql.js" => (include_bytes!("web/graphiql/graphiql.js"), JS),
        "graphiql.min.js" => (include_bytes!("web/graphiql/graphiql.min.js"), JS),
        "react.production.min.js" => (include_bytes!("web/graphiql/react.production.min.js"), JS),
        "react-dom.production.min.js" => (
            include_bytes!("web/graphiql/react-dom.production.min.js"),
            JS,
        ),
        "graphiql.min.css" => (
            include_bytes!("web/graphiql/graphiql.min.css"),
            "text/css; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = embedded(body, content_type, GRAPHIQL_POLICY);
    response.headers_mut().insert(
        poem::http::header::CACHE_CONTROL,
        poem::http::HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// 200 when the database answers, 503 otherwise.
#[handler]
async fn healthz(db: Data<&DatabaseConnection>) -> StatusCode {
    if db::ping(db.0).await {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}
