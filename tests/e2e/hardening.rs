//! Hostile requests are refused before any resolver runs; limits hold; nothing internal leaks.

use crate::helpers::{code, spawn_app, spawn_app_limited};
use serde_json::{Value, json};

/// A refusal of the whole request: an error with a code and no data at all.
fn refused(response: &Value, what: &str) {
    assert!(
        response["data"].is_null(),
        "{what}: data came back: {response}"
    );
    assert!(
        !code(&response["errors"][0]).is_empty(),
        "{what}: {response}"
    );
}

#[tokio::test]
async fn hostile_queries_are_refused_before_any_resolver_runs() {
    let app = spawn_app().await;

    // Depth 11 (the limit is 10).
    let mut deep = String::from("id");
    for _ in 0..5 {
        deep = format!(
            "owner {{ id }} steps {{ organisation {{ id }} }} transitions {{ from {{ {deep} }} }}"
        );
    }
    let response = app
        .graphql(
            &format!("{{ pathways {{ edges {{ node {{ {deep} }} }} }} }}"),
            json!({}),
        )
        .await;
    refused(&response, "depth");

    // 1,000 aliases.
    let aliases: String = (0..1000)
        .map(|i| format!("a{i}: organisations {{ nodes {{ id }} }} "))
        .collect();
    refused(
        &app.graphql(&format!("{{ {aliases} }}"), json!({})).await,
        "aliases",
    );

    // Complexity over the limit: 100 pathways of many fields each.
    let fields = "id name description condition status version demandPerDay createdAt updatedAt";
    let heavy = format!(
        "{{ pathways(first: 100) {{ edges {{ node {{ {fields} steps {{ id key name kind touchMinutes }} transitions {{ id waitMinutes probability }} }} }} }} }}"
    );
    refused(&app.graphql(&heavy, json!({})).await, "complexity");

    // 10,000 directives.
    let directives = "@skip(if: false) ".repeat(10_000);
    refused(
        &app.graphql(
            &format!("{{ organisations {directives} {{ id }} }}"),
            json!({}),
        )
        .await,
        "directives",
    );

    // first: 100000 is over the complexity limit before the resolver could refuse it.
    refused(
        &app.graphql("{ pathways(first: 100000) { totalCount } }", json!({}))
            .await,
        "first",
    );

    // Fragment cycles.
    refused(
        &app.graphql(
            "{ ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...A }",
            json!({}),
        )
        .await,
        "fragment cycle",
    );

    // A fragment bomb: F_i spreads F_(i+1) twice, 30 levels (about 1.4 KB asking for 2^30
    // fields; it used to cost minutes of validation). Refused before validation, and the server
    // answers the next request.
    let mut bomb = String::from("query { ...F0 }\n");
    for i in 0..30 {
        bomb.push_str(&format!(
            "fragment F{i} on QueryRoot {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    bomb.push_str("fragment F30 on QueryRoot { __typename }\n");
    refused(&app.graphql(&bomb, json!({})).await, "fragment bomb");
    assert!(
        app.data("{ organisations { nodes { id } } }", json!({}))
            .await["organisations"]
            .is_array()
    );

    // A batch of 100 operations (5 are allowed).
    let batch: Vec<Value> = (0..100)
        .map(|_| json!({"query": "{ organisations { nodes { id } } }"}))
        .collect();
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.token)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let five: Vec<Value> = (0..5)
        .map(|_| json!({"query": "{ organisations { nodes { id } } }"}))
        .collect();
    let response: Value = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.token)
        .json(&five)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response.as_array().map(Vec::len), Some(5), "{response}");

    // Introspection is open to every authenticated caller by default (code generators need it),
    // never to an anonymous one.
    let viewer = app.token_for("Viewer", "XQ1", "VIEWER", false).await;
    let schema = "{ __schema { types { name } } }";
    assert!(app.graphql_as(Some(&viewer), schema, json!({})).await["errors"].is_null());
    let anonymous = app.graphql_as(None, schema, json!({})).await;
    assert_eq!(
        code(&anonymous["errors"][0]),
        "UNAUTHENTICATED",
        "{anonymous}"
    );
    // No suggestions of field names to a prober.
    let typo = app.graphql("{ organisationz { id } }", json!({})).await;
    assert!(!typo.to_string().contains("Did you mean"), "{typo}");

    // Issue 12: the refusals are recorded, once a minute for the same principal.
    let export = app.audit_export();
    let limits: Vec<&str> = export
        .lines()
        .filter(|l| l.contains("\"operation\":\"limits\""))
        .collect();
    assert_eq!(limits.len(), 1, "{export}");
    assert!(limits[0].contains("test administrator"), "{export}");
}

#[tokio::test]
async fn only_json_posts_under_the_body_limit_are_read() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.address);
    let text = client
        .post(&url)
        .bearer_auth(&app.token)
        .header("Content-Type", "text/plain")
        .body(r#"{"query": "mutation { createOrganisation(input: {odsCode: \"AB1\", name: \"x\", kind: OTHER}) { id } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(text.status().as_u16(), 415);
    // 2 MiB sent chunked (no Content-Length): refused on the bytes read.
    let chunk = vec![b' '; 64 * 1024];
    let stream =
        futures::stream::iter((0..32).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let big = client
        .post(&url)
        .bearer_auth(&app.token)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status().as_u16(), 413);
    let organisations = app
        .data("{ organisations { nodes { odsCode } } }", json!({}))
        .await;
    assert!(!organisations.to_string().contains("AB1"));
}

#[tokio::test]
async fn a_principal_over_its_rate_gets_429_with_retry_after() {
    let limits = api::limits::Limits {
        points_per_minute: 6,
        ..Default::default()
    };
    let app = spawn_app_limited(false, limits).await;
    // A mutation costs 5, a query 1: one of each spends all 6. A point comes back every 10 s,
    // so the next request is refused however slowly this machine runs the test.
    let create = "mutation($c: String!) { createOrganisation(input: {odsCode: $c, name: \"Trust\", kind: OTHER}) { id } }";
    app.data(create, json!({"c": "AB1"})).await;
    app.data("{ organisations { nodes { id } } }", json!({}))
        .await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.token)
        .json(&json!({"query": "{ organisations { nodes { id } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another principal has its own budget.
    let other = app.token_for("Someone else", "XQ1", "VIEWER", false).await;
    assert!(
        app.graphql_as(
            Some(&other),
            "{ organisations { nodes { id } } }",
            json!({})
        )
        .await["errors"]
            .is_null()
    );
}

/// Issue 12: 100 aliased `updatePathway` in one request cost 5 points (24,300 mutations a minute
/// against a documented 240). Each mutation field counts.
#[tokio::test]
async fn each_aliased_mutation_is_charged_to_the_rate_limit() {
    let limits = api::limits::Limits {
        points_per_minute: 20,
        ..Default::default()
    };
    let app = spawn_app_limited(false, limits).await;
    // Three aliased writes cost 15 of 20 points: the next single write (5) fits, a query does not.
    let three: String = (0..3)
        .map(|i| {
            format!("o{i}: createOrganisation(input: {{odsCode: \"AA{i}\", name: \"Trust\", kind: OTHER}}) {{ id }} ")
        })
        .collect();
    let response = app
        .graphql(&format!("mutation {{ {three} }}"), json!({}))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let response = app
        .graphql(
            "mutation { createOrganisation(input: {odsCode: \"AB9\", name: \"Trust\", kind: OTHER}) { id } }",
            json!({}),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let refused = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.token)
        .json(&json!({"query": "{ organisations { nodes { id } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 429);

    // More writes in one request than a minute allows is refused outright, not retried forever.
    let other = app.token_for("Second", "XQ1", "ADMIN", false).await;
    let five: String = (0..5)
        .map(|i| format!("o{i}: createOrganisation(input: {{odsCode: \"AC{i}\", name: \"T\", kind: OTHER}}) {{ id }} "))
        .collect();
    let response = app
        .graphql_as(Some(&other), &format!("mutation {{ {five} }}"), json!({}))
        .await;
    assert_eq!(code(&response["errors"][0]), "VALIDATION", "{response}");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("split it")
    );
}

/// Issue 12: text with a NUL character gave PostgreSQL's error as a 500; both databases now get
/// a VALIDATION naming where it was, from a variable, a literal or an imported event.
#[tokio::test]
async fn text_with_nul_characters_is_refused_with_validation() {
    let app = spawn_app().await;
    let create = "mutation($n: String!) { createOrganisation(input: {odsCode: \"NU1\", name: $n, kind: OTHER}) { id } }";
    let response = app.graphql(create, json!({"n": "Trust\u{0}name"})).await;
    assert_eq!(code(&response["errors"][0]), "VALIDATION", "{response}");
    assert!(response.to_string().contains("variables.n"), "{response}");
    let inline = app
        .graphql(
            "mutation { createOrganisation(input: {odsCode: \"NU2\", name: \"a\\u0000b\", kind: OTHER}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&inline["errors"][0]), "VALIDATION", "{inline}");

    let log = app.event_log("Feed").await;
    let (status, response) = app
        .upload(
            &log,
            "",
            b"case_id,activity,timestamp\nc1,Tri\0age,2024-01-01T09:00:00Z\n".to_vec(),
        )
        .await;
    assert_eq!(status, 422, "{response}");
    assert!(response.to_string().contains("NUL"), "{response}");
    let organisations = app
        .data("{ organisations { nodes { odsCode } } }", json!({}))
        .await;
    assert!(!organisations.to_string().contains("NU1"));
}

/// Issue 12: GraphiQL loaded its scripts from a CDN, and pages and pictures had no policy.
#[tokio::test]
async fn graphiql_and_pictures_are_served_from_the_binary_with_a_content_security_policy() {
    let app = spawn_app().await;
    let page = reqwest::get(format!("{}/graphql", app.address))
        .await
        .unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        policy.contains("script-src 'self'") && !policy.contains("unsafe-eval"),
        "{policy}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(!html.contains("http"), "no other origin: {html}");
    let sources: Vec<&str> = html
        .split("src=\"")
        .skip(1)
        .chain(html.split("href=\"").skip(1))
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(sources.len(), 5, "{html}");
    for source in sources {
        assert!(source.starts_with("/graphiql/"), "{source}");
        let asset = reqwest::get(format!("{}{source}", app.address))
            .await
            .unwrap();
        assert_eq!(asset.status().as_u16(), 200, "{source}");
        assert_eq!(asset.headers()["x-content-type-options"], "nosniff");
    }
    let pathway = app.import(&crate::helpers::example_document()).await;
    let picture = reqwest::Client::new()
        .get(format!(
            "{}/pathways/{}/map.svg",
            app.address,
            pathway["id"].as_str().unwrap()
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status().as_u16(), 200);
    assert!(picture.headers().contains_key("content-security-policy"));
    assert_eq!(picture.headers()["x-content-type-options"], "nosniff");
}

/// Issue 12: 1,100 half-sent requests made the server spin and answer nobody. Against a server
/// with small caps: one address holds at most its share of connections (more are closed at
/// once), and a request head that does not arrive in time closes its connection.
#[tokio::test]
async fn slow_and_many_connections_are_capped_and_timed_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = api::limits::Limits {
        connections: api::connections::ConnectionLimits {
            max_connections: 16,
            max_connections_per_address: 4,
            head_timeout: std::time::Duration::from_secs(1),
        },
        ..Default::default()
    };
    let app = spawn_app_limited(false, limits).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..4 {
        let mut s = tokio::net::TcpStream::connect(&address).await.unwrap();
        s.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(s);
    }
    // The fifth from the same address is closed without an answer.
    let mut fifth = tokio::net::TcpStream::connect(&address).await.unwrap();
    let _ = fifth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        fifth.read_to_end(&mut answer),
    )
    .await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "{read:?} {}",
        String::from_utf8_lossy(&answer)
    );
    // The half-sent heads are cut off (within a generous bound: the deadline is 1 s).
    for mut s in slow {
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(std::time::Duration::from_secs(30), s.read_to_end(&mut rest))
                .await;
        assert!(closed.is_ok(), "a half-sent request was left open");
    }
    // And the address may connect again.
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

/// Issue 12: one VIEWER query for every transition of 100 pathways of 1,000 steps returned
/// 47 MiB in 30 s. Lists that are not paginated count against the operation by their real sizes
/// (here against a small budget, with the example pathway's few steps).
#[tokio::test]
async fn unpaginated_lists_count_by_their_real_sizes() {
    let limits = api::limits::Limits {
        list_items: 40,
        ..Default::default()
    };
    let app = spawn_app_limited(false, limits).await;
    let document = crate::helpers::example_document();
    let per_pathway = document["steps"].as_array().unwrap().len()
        + document["transitions"].as_array().unwrap().len();
    let count = 40 / per_pathway + 1;
    for _ in 0..count {
        app.import(&document).await;
    }
    let all =
        "{ pathways(first: 100) { edges { node { steps { key } transitions { waitMinutes } } } } }";
    let response = app.graphql(all, json!({})).await;
    assert_eq!(code(&response["errors"][0]), "VALIDATION", "{response}");
    assert!(
        response.to_string().contains("ask for fewer pathways"),
        "{response}"
    );
    let one =
        "{ pathways(first: 1) { edges { node { steps { key } transitions { waitMinutes } } } } }";
    let response = app.graphql(one, json!({})).await;
    assert!(response["errors"].is_null(), "{response}");

    // An answer over the size limit is refused, not sent.
    let small = api::limits::Limits {
        response_bytes: 4_000,
        ..Default::default()
    };
    let app = spawn_app_limited(false, small).await;
    app.import(&document).await;
    let picture = "{ pathways(first: 1) { edges { node { mapSvg } } } }";
    let response = app.graphql(picture, json!({})).await;
    assert_eq!(code(&response["errors"][0]), "VALIDATION", "{response}");
    assert!(response.to_string().contains("at most 4000"), "{response}");
}

/// Issue 12: the picture and upload routes were not rate-limited, failed sign-ins were not
/// limited per address, and refusals left no trace. Refusals are recorded once a minute per
/// principal or address and operation, so a flood of them cannot flood the audit trail.
#[tokio::test]
async fn pictures_uploads_and_failed_sign_ins_are_limited_and_refusals_recorded() {
    let limits = api::limits::Limits {
        points_per_minute: 12,
        mutation_cost: 5,
        auth_failures_per_minute: 3,
        ..Default::default()
    };
    let app = spawn_app_limited(false, limits).await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    let picture = format!(
        "{}/pathways/{}/map.svg",
        app.address,
        pathway["id"].as_str().unwrap()
    );
    let log = app.event_log("Feed").await;
    // A principal of its own, with a full bucket of 12 points (one comes back every 5 s; the
    // five requests below take milliseconds).
    let viewer = app.token_for("Board viewer", "RX1", "VIEWER", false).await;
    let as_viewer = crate::helpers::client_with(&viewer);
    let upload = as_viewer
        .post(format!("{}/logs/{log}/events", app.address))
        .body("case_id,activity,timestamp\nc1,A,2024-01-01T09:00:00Z\n")
        .send()
        .await
        .unwrap();
    assert_ne!(
        upload.status().as_u16(),
        429,
        "the first upload is within the points"
    );
    let upload = as_viewer
        .post(format!("{}/logs/{log}/events", app.address))
        .body("case_id,activity,timestamp\nc1,A,2024-01-01T09:00:00Z\n")
        .send()
        .await
        .unwrap();
    assert_ne!(upload.status().as_u16(), 429, "so is the second");
    // Each upload cost a mutation's 5 points: two pictures fit, the next does not.
    for _ in 0..2 {
        assert_eq!(
            as_viewer
                .get(&picture)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
    let refused = as_viewer.get(&picture).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    assert!(refused.headers().contains_key("retry-after"));

    // Three refused tokens from one address, then even a good token waits.
    let bad = |token: &'static str| {
        let address = app.address.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({"query": "{ organisations { nodes { id } } }"}))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        let response: Value = bad("qf_wrong").await.json().await.unwrap();
        assert_eq!(code(&response["errors"][0]), "UNAUTHENTICATED");
    }
    let blocked = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.token)
        .json(&json!({"query": "{ organisations { nodes { id } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status().as_u16(), 429);

    let export = app.audit_export();
    let entries: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |operation: &str, outcome: &str| {
        entries
            .iter()
            .filter(|e| e["operation"] == operation && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("rateLimit", "VALIDATION"), 1, "{export}");
    assert_eq!(count("signIn", "UNAUTHENTICATED"), 1, "{export}");
    assert_eq!(count("signInBlocked", "VALIDATION"), 1, "{export}");
    assert!(export.contains("unknown client at 127.0.0.1"), "{export}");
}

/// Issue 12: a request stopped by the time limit answered one INTERNAL for everything and
/// recorded nothing true. Here the limit is zero: each mutation either committed before the
/// stop was noticed (a loaded machine gets that far) or did not run, and the answer, the audit
/// trail and the data agree on which, field by field.
#[tokio::test]
async fn mutations_stopped_by_the_time_limit_are_answered_and_recorded_as_done_or_not() {
    let limits = api::limits::Limits {
        timeout: std::time::Duration::ZERO,
        ..Default::default()
    };
    let app = spawn_app_limited(false, limits).await;
    let two = "mutation { a: createOrganisation(input: {odsCode: \"TL1\", name: \"T\", kind: OTHER}) { id } b: createOrganisation(input: {odsCode: \"TL2\", name: \"T\", kind: OTHER}) { id } }";
    let response = app.graphql(two, json!({})).await;
    let stopped = &response["extensions"]["stopped"];
    let listed = |list: &str| -> Vec<String> {
        stopped[list]
            .as_array()
            .unwrap_or_else(|| panic!("{response}"))
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    };
    let (done, not_run) = (listed("done"), listed("notRun"));
    assert_eq!(done.len() + not_run.len(), 2, "{response}");
    assert!(
        !not_run.is_empty(),
        "a zero limit stops something: {response}"
    );
    let errors = response["errors"].as_array().unwrap();
    assert_eq!(
        errors.len(),
        not_run.len(),
        "errors only for what was not done: {response}"
    );
    for (error, key) in errors.iter().zip(&not_run) {
        assert_eq!(error["path"], json!([key]), "{response}");
        assert!(error["message"].as_str().unwrap().contains("was not done"));
    }
    let export = app.audit_export();
    let entries = |outcome: &str| {
        export
            .lines()
            .filter(|l| {
                l.contains("\"operation\":\"createOrganisation\"")
                    && l.contains(&format!("\"outcome\":\"{outcome}\""))
            })
            .count()
    };
    assert_eq!(entries("NOT_RUN"), not_run.len(), "{export}");
    assert_eq!(entries("OK"), done.len(), "{export}");
    // The data agrees: a done field's organisation exists, a not-run one's does not.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::{ConnectionTrait, Statement};
    for (key, code) in [("a", "TL1"), ("b", "TL2")] {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT id FROM organisation WHERE ods_code = '{code}'"),
            ))
            .await
            .unwrap();
        assert_eq!(
            rows.len(),
            usize::from(done.contains(&key.to_string())),
            "{key}"
        );
    }
}

/// The CPU time (user + system, in seconds) a process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// Issue 12: out of file descriptors, the accept loop retried at once, spinning a core. A server
/// limited to 48 descriptors is sent 80 connections: while it cannot accept more it pauses
/// (little CPU used over two seconds: a busy loop would use about two), and once they close it
/// answers again.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn out_of_file_descriptors_the_server_pauses_instead_of_spinning() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("q.db").display());
    let key_file = dir.path().join("qiflow.key").display().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut child = std::process::Command::new("prlimit")
        .args(["--nofile=48:48", env!("CARGO_BIN_EXE_qiflow"), "serve"])
        .args(["--database-url", &database_url, "--key-file", &key_file])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prlimit and qiflow serve");
    let url = format!("http://127.0.0.1:{port}");
    // Whether /healthz answers within about ten seconds.
    let answers = || async {
        for _ in 0..100 {
            if reqwest::get(format!("{url}/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    };
    assert!(answers().await, "qiflow serve did not start");
    let mut held = Vec::new();
    for _ in 0..80 {
        if let Ok(s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            held.push(s);
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = cpu_seconds(child.id());
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let used = cpu_seconds(child.id()) - before;
    drop(held);
    let answered = answers().await;
    child.kill().ok();
    child.wait().ok();
    assert!(
        used < 1.0,
        "the server used {used} s of CPU in 2 s while out of descriptors"
    );
    assert!(
        answered,
        "the server did not answer again once connections closed"
    );
}

#[tokio::test]
async fn introspection_follows_the_servers_setting() {
    let schema = "{ __schema { types { name } } }";
    for (setting, viewer_may, admin_may) in [
        (api::limits::Introspection::Admins, false, true),
        (api::limits::Introspection::Off, false, false),
    ] {
        let limits = api::limits::Limits {
            introspection: setting,
            ..Default::default()
        };
        let app = spawn_app_limited(false, limits).await;
        let viewer = app.token_for("Viewer", "XQ1", "VIEWER", false).await;
        let as_viewer = app.graphql_as(Some(&viewer), schema, json!({})).await;
        assert_eq!(
            as_viewer["errors"].is_null(),
            viewer_may,
            "{setting:?}: {as_viewer}"
        );
        if !viewer_may {
            refused(&as_viewer, "introspection");
            assert_eq!(code(&as_viewer["errors"][0]), "FORBIDDEN");
        }
        let as_admin = app.graphql(schema, json!({})).await;
        assert_eq!(
            as_admin["errors"].is_null(),
            admin_may,
            "{setting:?}: {as_admin}"
        );
        // A typed query never needs introspection.
        assert!(
            app.graphql("{ organisations { nodes { id } } }", json!({}))
                .await["errors"]
                .is_null()
        );
    }
}
