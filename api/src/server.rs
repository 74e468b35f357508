//! The HTTP server: routes, per-request context, graceful shutdown.

use crate::db;
use crate::graphql::build_schema;
use anyhow::Context as _;
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
    /// Which webhook endpoints are allowed and how deliveries are retried.
    pub webhooks: crate::deliverer::WebhookSettings,
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
    webhooks: crate::deliverer::WebhookSettings,
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
            webhooks: settings.webhooks.clone(),
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
    /// Delivers webhooks meanwhile (what is left undelivered is delivered after a restart, or
    /// by another replica).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let deliverer = self
            .webhooks
            .deliver
            .then(|| crate::deliverer::spawn(self.db.clone(), self.webhooks.clone()));
        let listener = crate::notifications::listen_postgres(&self.db);
        let app = routes(
            self.db,
            self.pseudonymiser,
            self.limits,
            self.oidc,
            self.webhooks,
        );
        // Connections silent for a minute are closed (requests are limited to seconds).
        let served = Server::new_with_acceptor(self.acceptor)
            .idle_timeout(Duration::from_secs(60))
            .run_with_graceful_shutdown(app, self.stop.wait(), Some(Duration::from_secs(10)))
            .await;
        for task in deliverer.into_iter().chain(listener) {
            task.abort();
        }
        served
    }
}

/// Every route of the server.
pub fn routes(
    db: DatabaseConnection,
    pseudonymiser: Arc<Pseudonymiser>,
    limits: Limits,
    oidc: crate::auth::Oidc,
    webhooks: crate::deliverer::WebhookSettings,
) -> impl poem::Endpoint {
    let schema = build_schema(db.clone(), pseudonymiser.clone(), &limits, webhooks);
    let gate = Arc::new(crate::gate::Gate::new(&limits));
    let answers = Arc::new(crate::answers::Answers::new(&db));
    Route::new()
        .at("/", get(crate::page::asset))
        .at("/app/*path", get(crate::page::asset))
        .at(
            "/graphql",
            get(graphiql).post(crate::graphql_route::graphql),
        )
        .at("/graphql/ws", get(crate::subscription_route::subscriptions))
        .at("/graphiql/:file", get(graphiql_asset))
        .at("/healthz", get(healthz))
        .at("/logs/:id/events", poem::post(crate::upload::upload_events))
        .at("/pathways/:id/map.svg", get(crate::graphql_route::picture))
        .at(
            "/measures/:id/chart.svg",
            get(crate::graphql_route::picture),
        )
        .at("/logs/:id/map.svg", get(crate::graphql_route::picture))
        .with(Tracing)
        .data(schema)
        .data(db)
        .data(pseudonymiser)
        .data(limits)
        .data(gate)
        .data(answers)
        .data(oidc)
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
