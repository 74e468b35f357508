//! `spawn_app` and a small GraphQL client.

use api::{Application, Settings};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Once;

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    /// The pseudonymisation key file the server uses (for CLI runs against the same data).
    pub key_file: PathBuf,
    /// The administrator's API token every request of `client` carries.
    pub token: String,
    client: reqwest::Client,
    _sqlite_file: Option<TempFile>,
    _key_file: Option<TempFile>,
}

/// Removes a test's SQLite files when the test ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        // SQLite's companions, and the demo token kept beside a key file.
        for suffix in ["", "-wal", "-shm", ".demo-token"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn init_tracing() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter("info,sqlx=warn")
                .with_test_writer()
                .init();
        }
    });
}

/// A fresh, empty database for one test.
async fn fresh_database() -> (String, Option<TempFile>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if admin_url.starts_with("postgres") => {
            let name = format!("qiflow_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL must point at a running PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("creating a test database");
            admin.close().await.ok();
            (with_database_name(&admin_url, &name), None)
        }
        _ => {
            let path =
                std::env::temp_dir().join(format!("qiflow-test-{}.db", uuid::Uuid::new_v4()));
            let url = format!("sqlite://{}", path.display());
            (url, Some(TempFile(path)))
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with its database name replaced.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(false).await
}

pub async fn spawn_app_with(demo: bool) -> TestApp {
    spawn_app_limited(demo, api::limits::Limits::default()).await
}

/// A server with other limits (a low rate limit, say).
pub async fn spawn_app_limited(demo: bool, limits: api::limits::Limits) -> TestApp {
    init_tracing();
    let (database_url, sqlite_file) = fresh_database().await;
    spawn_on(
        database_url,
        sqlite_file,
        demo,
        None,
        None,
        limits,
        None,
        None,
    )
    .await
}

/// A server that also accepts JWTs from an OpenID Connect issuer.
pub async fn spawn_app_with_oidc(oidc: api::auth::OidcSettings) -> TestApp {
    init_tracing();
    let (database_url, sqlite_file) = fresh_database().await;
    spawn_on(
        database_url,
        sqlite_file,
        false,
        None,
        None,
        Default::default(),
        Some(oidc),
        None,
    )
    .await
}

/// Webhooks as the tests deliver them: to receivers on 127.0.0.1 over http.
pub fn test_webhooks() -> api::deliverer::WebhookSettings {
    api::deliverer::WebhookSettings {
        allow_private: true,
        allow_insecure: true,
        ..Default::default()
    }
}

/// A server that delivers webhooks with these settings (short retries, say, or none at all).
pub async fn spawn_app_with_webhooks(webhooks: api::deliverer::WebhookSettings) -> TestApp {
    init_tracing();
    let (database_url, sqlite_file) = fresh_database().await;
    spawn_on(
        database_url,
        sqlite_file,
        false,
        None,
        None,
        Default::default(),
        None,
        Some(webhooks),
    )
    .await
}

/// The ODS code of the organisation a test's administrator is made in.
pub const BOOTSTRAP_ORGANISATION: &str = "XQ1";

/// A client whose every request carries `token`.
pub fn client_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header value"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client")
}

// One helper behind every spawn_* above, which each name only what they change.
#[allow(clippy::too_many_arguments)]
async fn spawn_on(
    database_url: String,
    sqlite_file: Option<TempFile>,
    demo: bool,
    shared_key: Option<PathBuf>,
    shared_token: Option<String>,
    limits: api::limits::Limits,
    oidc: Option<api::auth::OidcSettings>,
    webhooks: Option<api::deliverer::WebhookSettings>,
) -> TestApp {
    // Replicas of one installation share its key; a new installation gets its own.
    let owned_key = shared_key.is_none();
    let key_file = shared_key.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("qiflow-test-{}.key", uuid::Uuid::new_v4()))
    });
    let settings = Settings {
        database_url: database_url.clone(),
        bind: "127.0.0.1:0".into(),
        demo,
        key_file: key_file.clone(),
        limits,
        oidc,
        webhooks: webhooks.unwrap_or_else(test_webhooks),
    };
    let app = Application::build(&settings)
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let token = match (shared_token, app.demo_token()) {
        (Some(token), _) => token,
        (None, Some(token)) => token.to_string(),
        // The first administrator of a new installation, as `qiflow token create --org-name`
        // makes one (a system client, so it may also write events).
        (None, None) => {
            api::store::tokens::create_token(
                app.database(),
                &api::context::RequestContext::command("token create"),
                api::store::tokens::NewToken {
                    principal: "test administrator".into(),
                    system: true,
                    organisation: BOOTSTRAP_ORGANISATION.into(),
                    organisation_name: Some("Test installation".into()),
                    role: api::caller::Role::Admin,
                    expires_in_days: 1,
                    name: None,
                    oidc_subject: None,
                    existing: true,
                    events_write: None,
                },
            )
            .await
            .expect("the first administrator")
            .0
        }
    };
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        database_url,
        key_file: key_file.clone(),
        client: client_with(&token),
        token,
        _sqlite_file: sqlite_file,
        _key_file: owned_key.then(|| TempFile(key_file)),
    }
}

impl TestApp {
    /// The id of the organisation with this ODS code, as the administrator sees it.
    pub async fn organisation_id(&self, ods_code: &str) -> Value {
        let orgs = self
            .data(
                "{ organisations(first: 100) { nodes { id odsCode } } }",
                serde_json::json!({}),
            )
            .await;
        orgs["organisations"]
            .as_array()
            .expect("a list of organisations")
            .iter()
            .find(|o| o["odsCode"] == ods_code)
            .unwrap_or_else(|| panic!("no organisation {ods_code}"))["id"]
            .clone()
    }

    /// The whole audit trail, as `qiflow audit export` prints it: one JSON line an entry.
    pub fn audit_export(&self) -> String {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
            .args(["audit", "export", "--database-url", &self.database_url])
            .output()
            .expect("running qiflow audit export");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The demo server started again over the same database and key file: its own demo token
    /// (not this one's), as `serve --demo` prints it.
    pub async fn restart_demo(&self) -> TestApp {
        spawn_on(
            self.database_url.clone(),
            None,
            true,
            Some(self.key_file.clone()),
            None,
            api::limits::Limits::default(),
            None,
            None,
        )
        .await
    }

    /// Another server over the same database that delivers webhooks with these settings.
    pub async fn another_server_with_webhooks(
        &self,
        webhooks: api::deliverer::WebhookSettings,
    ) -> TestApp {
        spawn_on(
            self.database_url.clone(),
            None,
            false,
            Some(self.key_file.clone()),
            Some(self.token.clone()),
            api::limits::Limits::default(),
            None,
            Some(webhooks),
        )
        .await
    }

    /// A second server over the same database (as another replica, or a restart).
    pub async fn another_server(&self, demo: bool) -> TestApp {
        spawn_on(
            self.database_url.clone(),
            None,
            demo,
            Some(self.key_file.clone()),
            Some(self.token.clone()),
            api::limits::Limits::default(),
            None,
            None,
        )
        .await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("GET")
    }

    /// Uploads an event-log file body to `POST /logs/{id}/events?{query}`: status and JSON.
    pub async fn upload(&self, log_id: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/logs/{log_id}/events?{query}", self.address))
            .body(body)
            .send()
            .await
            .expect("POST /logs/{id}/events");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON response"))
    }

    /// Creates an event log (of the administrator's own organisation) and returns its id.
    pub async fn event_log(&self, name: &str) -> String {
        let organisations = self
            .data(
                "{ organisations(first: 100) { nodes { id odsCode } } }",
                json!({}),
            )
            .await;
        let list = organisations["organisations"].as_array().unwrap();
        let org = list
            .iter()
            .find(|o| o["odsCode"] == BOOTSTRAP_ORGANISATION)
            .or_else(|| list.first())
            .expect("an organisation")["id"]
            .clone();
        self.data(
            "mutation($i: CreateEventLogInput!) { createEventLog(input: $i) { id } }",
            json!({"i": {"name": name, "organisationId": org}}),
        )
        .await["createEventLog"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Issues a token as `qiflow token create` does (creating the organisation when new).
    pub async fn token_for(&self, principal: &str, org: &str, role: &str, system: bool) -> String {
        let db = sea_orm::Database::connect(&self.database_url)
            .await
            .unwrap();
        api::store::tokens::create_token(
            &db,
            &api::context::RequestContext::command("token create"),
            api::store::tokens::NewToken {
                principal: principal.into(),
                system,
                organisation: org.into(),
                organisation_name: Some(format!("Organisation {org}")),
                role: api::caller::Role::parse(role).expect("a role"),
                expires_in_days: 1,
                name: None,
                oidc_subject: None,
                existing: true,
                events_write: None,
            },
        )
        .await
        .expect("a token")
        .0
    }

    /// The whole GraphQL response to a request carrying `token` (or none).
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let client = match token {
            Some(t) => client_with(t),
            None => reqwest::Client::new(),
        };
        let response = client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        flatten_data(response.json().await.expect("a JSON response"))
    }

    /// The whole GraphQL response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        flatten_data(response.json().await.expect("a JSON response"))
    }

    /// `data` of a response that must have no errors.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {:#}",
            response["errors"]
        );
        response["data"].clone()
    }

    /// The first error of a response that must fail.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        let errors = response["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected an error, got {response:#}"));
        errors[0].clone()
    }

    /// Creates an organisation and returns its id.
    pub async fn organisation(&self, ods: &str, name: &str, kind: &str) -> String {
        let data = self
            .data(
                "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }",
                json!({"i": {"odsCode": ods, "name": name, "kind": kind}}),
            )
            .await;
        data["createOrganisation"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Imports a document; returns the pathway (id, version, document).
    pub async fn import(&self, document: &Value) -> Value {
        self.data(
            "mutation($d: JSON!) { importPathway(document: $d) { id version status document } }",
            json!({ "d": document }),
        )
        .await["importPathway"]
            .clone()
    }

    /// Counts of what is stored, to show a failed change left nothing behind.
    pub async fn snapshot(&self) -> Value {
        self.data(
            "{ organisations(first: 100) { nodes { odsCode name } } pathways(first: 100) { totalCount edges { node { id version status steps { key touchMinutes } transitions { probability waitMinutes } } } } }",
            json!({}),
        )
        .await
    }
}

pub fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or("")
}

pub fn field(error: &Value) -> &str {
    error["extensions"]["field"].as_str().unwrap_or("")
}

/// JSON with every number as a float, so that `10` and `10.0` compare equal (JSON does not tell
/// them apart; serialisers differ).
pub fn numbers_as_floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), numbers_as_floats(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The example document of the foundation issue, with a few steps.
pub fn example_document() -> Value {
    json!({
        "name": "Hip fracture", "description": "Fall at home to surgery", "condition": "Fractured neck of femur",
        "owner": "RX1", "demandPerDay": 3.5,
        "organisations": [
            {"odsCode": "RX1", "name": "Northwick Park Hospital", "kind": "ACUTE_TRUST"},
            {"odsCode": "RRU", "name": "London Ambulance Service", "kind": "AMBULANCE_TRUST"}
        ],
        "steps": [
            {"key": "arrive", "name": "Arrival by ambulance", "kind": "START", "organisation": "RRU",
             "touchMinutes": 0, "valueClass": "NECESSARY", "wasteKinds": [], "dataItems": []},
            {"key": "triage", "name": "ED triage", "kind": "ACTIVITY", "organisation": "RX1",
             "site": "Northwick Park", "activityCode": "ED_TRIAGE", "touchMinutes": 10,
             "valueClass": "VALUE_ADDING", "wasteKinds": [], "dataItems": ["NEWS2"],
             "capacityPerDay": 120, "percentCompleteAccurate": 90},
            {"key": "xray", "name": "Hip X-ray", "kind": "ACTIVITY", "organisation": "RX1",
             "activityCode": "XR_HIP", "touchMinutes": 15, "valueClass": "VALUE_ADDING",
             "wasteKinds": ["WAITING"], "dataItems": ["NEWS2", "medication history"]},
            {"key": "theatre", "name": "Surgery", "kind": "END", "organisation": "RX1",
             "touchMinutes": 90, "valueClass": "VALUE_ADDING", "wasteKinds": [], "dataItems": []}
        ],
        "transitions": [
            {"from": "arrive", "to": "triage", "probability": 1.0, "waitMinutes": 30, "handoff": "TRANSFER"},
            {"from": "triage", "to": "xray", "waitMinutes": 45, "handoff": "INTERNAL"},
            {"from": "xray", "to": "xray", "probability": 0.1, "waitMinutes": 20, "handoff": "INTERNAL"},
            {"from": "xray", "to": "theatre", "probability": 0.9, "waitMinutes": 1440, "handoff": "REFERRAL"}
        ]
    })
}

/// An SPC reference case from `../shared/validation/spc/`, or `None` (and a note) when the folder
/// is absent, as in a user's fresh clone; under CI (`CI=true`) it must be there.
pub fn spc_reference(name: &str) -> Option<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/validation/spc");
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {} is missing",
            dir.display()
        );
        eprintln!("skipped: no SPC validation cases at {}", dir.display());
        return None;
    }
    Some(serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap())
}

/// Asserts that an SPC chart's groups (as `Measure.spc` and `qiflow spc` give them) have the
/// reference case's means and limits, to 1e-9 relative.
pub fn assert_groups_match(chart: &Value, expected: &Value, name: &str) {
    let groups = chart["groups"].as_array().unwrap();
    let wanted = expected["groups"].as_array().unwrap();
    assert_eq!(groups.len(), wanted.len(), "{name}: groups");
    for (g, want) in groups.iter().zip(wanted) {
        for (ours, theirs) in [
            ("mean", "mean"),
            ("lowerLimit", "lpl"),
            ("upperLimit", "upl"),
        ] {
            let (a, b) = (g[ours].as_f64().unwrap(), want[theirs].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9 * b.abs(), "{name} {ours}: {a} vs {b}");
        }
    }
}

/// A GraphQL response with [`flatten_pages`] applied under `data`.
fn flatten_data(mut response: Value) -> Value {
    if let Some(fields) = response.get_mut("data").and_then(Value::as_object_mut) {
        fields.values_mut().for_each(flatten_pages);
    }
    response
}

/// Turns every page asked for with only its `nodes` (`measures { nodes { name } }`) into the list
/// of its nodes, so a test reads `data["measures"][0]` whatever the list's paging. A page asked
/// for with `totalCount`, `pageInfo` or `edges` is left as it is (the paging tests read those);
/// so is the root (`nodes(ids:)`).
pub fn flatten_pages(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            if fields.len() == 1 && fields.contains_key("nodes") {
                let mut nodes = fields.remove("nodes").unwrap_or_default();
                flatten_pages(&mut nodes);
                *value = nodes;
            } else {
                fields.values_mut().for_each(flatten_pages);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(flatten_pages),
        _ => {}
    }
}
