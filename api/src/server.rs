//! The HTTP server: routes, per-request context, graceful shutdown.

use crate::db;
use crate::graphql::{ContentLoader, QiflowSchema, build_schema};
use anyhow::Context as _;
use async_graphql::dataloader::DataLoader;
use async_graphql::http::GraphiQLSource;
use async_graphql_poem::{GraphQLRequest, GraphQLResponse};
use engine::events::identifiers::Pseudonymiser;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::middleware::{SizeLimit, Tracing};
use poem::web::{Data, Html};
use poem::{EndpointExt, IntoResponse, Route, Server, get, handler, http::StatusCode};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted (a pathway document of a thousand steps fits easily).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    /// Load the demo integrated care system on start.
    pub demo: bool,
    /// The pseudonymisation key file (created on first start).
    pub key_file: std::path::PathBuf,
}

/// A server bound to its port, with its database migrated, ready to run.
pub struct Application {
    acceptor: TcpAcceptor,
    port: u16,
    db: DatabaseConnection,
    demo: Option<crate::demo::DemoSummary>,
    demo_token: Option<String>,
    pseudonymiser: Arc<Pseudonymiser>,
}

impl Application {
    /// Connects, migrates, loads the demo if asked, and binds (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let pseudonymiser = Arc::new(crate::keys::load_or_create(&settings.key_file)?);
        let db = db::connect(&settings.database_url).await?;
        db::migrate(&db).await?;
        let (demo, demo_token) = if settings.demo {
            let summary = crate::demo::load(&db, &pseudonymiser)
                .await
                .map_err(|e| e.into_anyhow().context("loading the demo"))?;
            let token = crate::store::access::demo_administrator_token(&db)
                .await
                .map_err(|e| e.into_anyhow().context("creating the demo token"))?;
            (Some(summary), Some(token))
        } else {
            (None, None)
        };
        let acceptor = TcpListener::bind(settings.bind.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("reading the bound port")?;
        Ok(Self {
            acceptor,
            port,
            db,
            demo,
            demo_token,
            pseudonymiser,
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
        let app = routes(self.db, self.pseudonymiser);
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown_signal(), Some(Duration::from_secs(10)))
            .await
    }
}

/// Every route of the server.
pub fn routes(db: DatabaseConnection, pseudonymiser: Arc<Pseudonymiser>) -> impl poem::Endpoint {
    let schema = build_schema(db.clone(), pseudonymiser.clone());
    Route::new()
        // The size limit needs a Content-Length, so it guards only the route that takes a body.
        .at(
            "/graphql",
            get(graphiql).post(graphql.with(SizeLimit::new(MAX_BODY_BYTES))),
        )
        .at("/healthz", get(healthz))
        .at("/logs/:id/events", poem::post(crate::upload::upload_events))
        .with(Tracing)
        .data(schema)
        .data(db)
        .data(pseudonymiser)
}

#[handler]
async fn graphql(
    http: &poem::Request,
    schema: Data<&QiflowSchema>,
    db: Data<&DatabaseConnection>,
    request: GraphQLRequest,
) -> GraphQLResponse {
    // The one place a request's caller is decided.
    let caller = match crate::auth::authenticate(db.0, http.headers()).await {
        Ok(caller) => caller,
        Err(error) => {
            let error: async_graphql::Error = error.into();
            let response = async_graphql::Response::from_errors(vec![
                error.into_server_error(async_graphql::Pos::default()),
            ]);
            return response.into();
        }
    };
    let loader = DataLoader::new(
        ContentLoader::new(db.0.clone(), caller.clone()),
        tokio::spawn,
    );
    let request_id = uuid::Uuid::now_v7().to_string();
    let request = request.0;
    let mutations = crate::audit::mutation_fields(&request);
    let mut ids = Vec::new();
    if !mutations.is_empty() {
        crate::audit::ids_in_text(&request.query, &mut ids);
        if let Ok(variables) = serde_json::to_value(&request.variables) {
            crate::audit::ids_in(&variables, &mut ids);
        }
    }
    let mut response = schema
        .execute(
            request
                .data(caller.clone())
                .data(loader)
                .data(RequestId(request_id.clone())),
        )
        .await;
    crate::audit::record_mutations(db.0, &caller, &mutations, ids, &response, &request_id).await;
    // Our own errors always carry a code; the rest come from async-graphql rejecting the request
    // itself (syntax, unknown fields, wrong variable types, depth or complexity limits).
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "VALIDATION");
        }
    }
    response.into()
}

/// The id of a request, in the server's log lines and the audit trail.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

#[handler]
fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
