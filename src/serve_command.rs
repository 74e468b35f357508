//! `qiflow serve`: the GraphQL API, the web page and GraphiQL over a database, until SIGINT or
//! SIGTERM.

use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// What `qiflow serve` is asked.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Database to use: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = api::db::DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "QIFLOW_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Load the demo integrated care system (organisations, published pathways, an event
    /// log and an improvement project) if it is not there yet.
    #[arg(long)]
    demo: bool,
    /// The pseudonymisation key file: created with a random key on first start, kept out
    /// of the database. Replicas sharing one database must share this file.
    #[arg(long, env = "QIFLOW_KEY_FILE", default_value = api::keys::DEFAULT_KEY_FILE)]
    key_file: PathBuf,
    /// Development mode: introspection for every authenticated caller whatever
    /// --introspection says.
    #[arg(long)]
    dev: bool,
    /// Who may introspect the schema (code generators and GraphiQL need it): `admins`,
    /// `authenticated` or `off`. Anonymous callers never may.
    #[arg(long, default_value = "authenticated")]
    introspection: api::limits::Introspection,
    /// Deepest GraphQL query accepted.
    #[arg(long, default_value_t = 10)]
    max_depth: usize,
    /// Highest query complexity accepted (a list field costs `first` times its children).
    #[arg(long, default_value_t = 2_000)]
    max_complexity: usize,
    /// Largest /graphql body in bytes, counted as it is read.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Seconds a request may run before it is stopped.
    #[arg(long, default_value_t = 10)]
    timeout_seconds: u64,
    /// Rate-limit points per principal per minute (a query costs 1, a mutation 5).
    #[arg(long, default_value_t = 1_200)]
    points_per_minute: u32,
    /// Most bytes of an imported event's activity, organisation or resource.
    #[arg(long, default_value_t = engine::events::bounded::MAX_FIELD_BYTES)]
    max_field_bytes: usize,
    /// Most connections open at once (more wait to be accepted).
    #[arg(long, default_value_t = 1_024)]
    max_connections: usize,
    /// Most connections open at once from one peer address (more are closed).
    #[arg(long, default_value_t = 128)]
    max_connections_per_address: usize,
    /// Accept JWTs from this OpenID Connect issuer (with --oidc-audience and --oidc-jwks).
    #[arg(long, env = "QIFLOW_OIDC_ISSUER", requires_all = ["oidc_audience", "oidc_jwks"])]
    oidc_issuer: Option<String>,
    /// The audience (`aud`) qiflow's tokens carry.
    #[arg(long, env = "QIFLOW_OIDC_AUDIENCE")]
    oidc_audience: Option<String>,
    /// The issuer's keys: a JWKS file, or an https:// URL fetched at start.
    #[arg(long, env = "QIFLOW_OIDC_JWKS")]
    oidc_jwks: Option<String>,
    /// Offer sign-in with the issuer on the web page (authorization code flow with PKCE; the
    /// audience is the client id, and the page's address, ending in /, the redirect URI to
    /// register). The endpoints are read from the issuer's discovery document at start.
    #[arg(long, env = "QIFLOW_OIDC_SIGN_IN", requires = "oidc_issuer")]
    oidc_sign_in: bool,
    /// Allow webhook endpoints with http:// addresses (for a receiver on a trusted network;
    /// https otherwise).
    #[arg(long, env = "QIFLOW_ALLOW_INSECURE_WEBHOOKS")]
    allow_insecure_webhooks: bool,
    /// Allow webhook endpoints on loopback, link-local and private addresses (refused otherwise,
    /// so a webhook cannot be used to reach the server's own network).
    #[arg(long, env = "QIFLOW_ALLOW_PRIVATE_WEBHOOKS")]
    allow_private_webhooks: bool,
}

/// Builds the server, prints where it is (and the demo token, once), and serves.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let ServeArgs {
        database_url,
        bind,
        demo,
        key_file,
        dev,
        introspection,
        max_depth,
        max_complexity,
        max_body_bytes,
        timeout_seconds,
        points_per_minute,
        max_field_bytes,
        max_connections,
        max_connections_per_address,
        oidc_issuer,
        oidc_audience,
        oidc_jwks,
        oidc_sign_in,
        allow_insecure_webhooks,
        allow_private_webhooks,
    } = args;
    let oidc = match (oidc_issuer, oidc_audience, oidc_jwks) {
        (Some(issuer), Some(audience), Some(jwks)) => Some(api::auth::OidcSettings {
            issuer,
            audience,
            jwks,
            sign_in: oidc_sign_in,
        }),
        (None, None, None) => None,
        _ => anyhow::bail!("--oidc-issuer, --oidc-audience and --oidc-jwks go together"),
    };
    let settings = api::Settings {
        database_url,
        bind,
        demo,
        key_file,
        limits: api::limits::Limits {
            depth: max_depth,
            complexity: max_complexity,
            body_bytes: max_body_bytes,
            timeout: std::time::Duration::from_secs(timeout_seconds),
            points_per_minute,
            dev,
            introspection,
            max_field_bytes,
            connections: api::connections::ConnectionLimits {
                max_connections,
                max_connections_per_address,
                ..Default::default()
            },
            ..Default::default()
        },
        oidc,
        webhooks: api::deliverer::WebhookSettings {
            allow_private: allow_private_webhooks,
            allow_insecure: allow_insecure_webhooks,
            ..Default::default()
        },
    };
    let app = api::Application::build(&settings).await?;
    let url = format!("http://{}:{}", host_of(&settings.bind), app.port());
    let mut banner = String::new();
    if let Some(token) = app.demo_token() {
        banner.push_str(&format!(
            "Demo administrator token (shown once, valid 30 days):\n  {token}\n\
             Every request needs it as a header: Authorization: Bearer {token}\n\
             In GraphiQL, open Headers and paste: {{\"Authorization\": \"Bearer {token}\"}}\n"
        ));
    }
    if let Some(summary) = app.demo() {
        banner.push_str(&format!(
            "Demo loaded: {} pathway(s) created, {} already present, {} event log(s) and {} improvement project(s) created.\n",
            summary.pathways_created,
            summary.pathways_present,
            summary.logs_created,
            summary.projects_created
        ));
    }
    banner.push_str(&format!(
        "qiflow is serving {}\nWeb page: {url}/\nGraphiQL: {url}/graphql\nHealth:   {url}/healthz\n\
         First query to paste into GraphiQL:\n{FIRST_QUERY}\n",
        api::db::redact(&settings.database_url)
    ));
    // A closed standard output (`qiflow serve | head -1`) must not stop the server, so the
    // banner ignores write errors where println! would panic.
    let mut stdout = std::io::stdout();
    let _ = stdout.write_all(banner.as_bytes());
    let _ = stdout.flush();
    app.run_until_stopped().await.context("serving")?;
    Ok(ExitCode::SUCCESS)
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
