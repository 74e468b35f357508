//! Issue 19: webhooks as the Standard Webhooks specification describes them. A receiver on
//! 127.0.0.1 checks every delivery's signature with the specification's algorithm, written out
//! here (HMAC-SHA256 of `id.timestamp.body`, keyed with the base64 after `whsec_`), not with
//! the server's code.

use crate::helpers::{TestApp, code, spawn_app, spawn_app_with_webhooks, test_webhooks};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use poem::web::Data;
use poem::{EndpointExt, Request, Route, handler, http::StatusCode, post};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One POST the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
    /// Answer 500 to this many POSTs first.
    fail_first: AtomicUsize,
}

#[handler]
async fn hook(request: &Request, body: Vec<u8>, receiver: Data<&Arc<Receiver>>) -> StatusCode {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    receiver.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let failing = receiver
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

/// A receiver on a free port: its URL and what it got.
async fn receiver(fail_first: usize) -> (String, Arc<Receiver>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    receiver_on(listener, fail_first)
}

/// A receiver on this listener.
fn receiver_on(listener: tokio::net::TcpListener, fail_first: usize) -> (String, Arc<Receiver>) {
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let state = Arc::new(Receiver {
        fail_first: AtomicUsize::new(fail_first),
        ..Default::default()
    });
    let app = Route::new().at("/hook", post(hook)).data(state.clone());
    let std_listener = listener.into_std().unwrap();
    tokio::spawn(async move {
        let acceptor = poem::listener::TcpAcceptor::from_std(std_listener).unwrap();
        let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
    });
    (url, state)
}

/// The specification's check: some `v1,` signature in the header is the base64 HMAC-SHA256 of
/// `id.timestamp.body` under the secret's key.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    r.signature
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

/// Waits up to 20 s for the receiver to hold `n` POSTs.
async fn wait_for(receiver: &Receiver, n: usize) -> Vec<Received> {
    wait_up_to(receiver, n, 200).await
}

/// Waits up to `tenths` tenths of a second for the receiver to hold `n` POSTs.
async fn wait_up_to(receiver: &Receiver, n: usize, tenths: usize) -> Vec<Received> {
    for _ in 0..tenths {
        let got = receiver.got.lock().unwrap().clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the receiver got {} POSTs, not {n}",
        receiver.got.lock().unwrap().len()
    )
}

async fn register(
    app: &TestApp,
    organisation: &str,
    url: &str,
    types: &[&str],
) -> (String, String) {
    let data = app
        .data(
            "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id eventTypes } secret } }",
            json!({"i": {"organisation": organisation, "url": url, "eventTypes": types, "description": "ICS board dashboard"}}),
        )
        .await;
    let made = &data["createWebhookEndpoint"];
    assert_eq!(made["endpoint"]["eventTypes"], json!(types));
    (
        made["endpoint"]["id"].as_str().unwrap().to_string(),
        made["secret"].as_str().unwrap().to_string(),
    )
}

/// A project of RX1 with an XmR measure (lower is better): their ids.
pub(crate) async fn project_and_measure(app: &TestApp) -> (Value, String) {
    app.organisation("RX1", "Northwick Park Hospital", "ACUTE_TRUST")
        .await;
    let project = app
        .data(
            "mutation { createProject(input: {title: \"Faster beds\", aim: \"A bed within 4 hours\", owner: \"RX1\"}) { id version } }",
            json!({}),
        )
        .await["createProject"]
        .clone();
    let measure = app.data(
        "mutation($p: ID!, $v: Int!) { addMeasure(input: {projectId: $p, expectedVersion: $v, name: \"Wait for a bed\", kind: OUTCOME, definition: \"Hours, weekly median\", direction: DECREASE, chartType: XMR}) { measure { id } } }",
        json!({"p": project["id"], "v": project["version"]}),
    )
    .await["addMeasure"]["measure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project["id"].clone(), measure)
}

/// [`project_and_measure`]'s measure.
pub(crate) async fn measure(app: &TestApp) -> String {
    project_and_measure(app).await.1
}

/// Records weekly points from the week `from_week` after 6 January 2025.
pub(crate) async fn record(app: &TestApp, measure: &str, from_week: u64, values: &[f64]) {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let points: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({"date": (start + chrono::Days::new(7 * (from_week + i as u64))).to_string(), "value": v})
        })
        .collect();
    app.data(
        "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted } }",
        json!({"id": measure, "p": points}),
    )
    .await;
}

/// Twelve weeks about 10 hours: the baseline.
pub(crate) const BASELINE: [f64; 12] = [
    10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.0,
];

#[tokio::test]
async fn a_shift_reaches_the_receiver_signed_and_another_organisation_hears_nothing() {
    let app = spawn_app().await;
    let measure = measure(&app).await;
    let (url, got) = receiver(0).await;
    let (_, secret) = register(&app, "RX1", &url, &["measure.signal"]).await;
    // An organisation that cannot see the project registers too.
    app.organisation("RY2", "Elsewhere Community Trust", "COMMUNITY_TRUST")
        .await;
    let (other_url, other) = receiver(0).await;
    register(
        &app,
        "RY2",
        &other_url,
        &["measure.signal", "measure.points_recorded"],
    )
    .await;

    record(&app, &measure, 0, &BASELINE).await;
    // Six weeks below the mean are no signal yet; the seventh makes a shift.
    record(&app, &measure, 12, &[9.6; 6]).await;
    record(&app, &measure, 18, &[9.6]).await;
    let received = wait_for(&got, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received_all = got.got.lock().unwrap().clone();
    for r in &received_all {
        assert!(
            verifies(&secret, r),
            "a signature that does not verify: {r:?}"
        );
        assert!(!verifies(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            r
        ));
    }
    let shift_posts: Vec<&Received> = received_all
        .iter()
        .filter(|r| r.json()["data"]["rule"] == "SHIFT_BELOW")
        .collect();
    let shifts: Vec<Value> = shift_posts.iter().map(|r| r.json()).collect();
    assert_eq!(shifts.len(), 1, "one shift, told once: {received:?}");
    let body = &shifts[0];
    assert_eq!(body["type"], "measure.signal");
    assert_eq!(body["data"]["objectType"], "Measure");
    assert_eq!(body["data"]["objectId"], json!(measure));
    assert_eq!(
        body["data"]["signal"]["points"].as_array().unwrap().len(),
        7
    );
    assert_eq!(
        body["data"]["signal"]["points"][6]["date"],
        json!(
            (chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Days::new(7 * 18))
                .to_string()
        )
    );
    // The payload's id is the header's.
    assert_eq!(body["data"]["eventId"], json!(shift_posts[0].id));
    assert!(
        other.got.lock().unwrap().is_empty(),
        "an organisation that cannot see the measure was told of it"
    );
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt_and_can_have_it_again() {
    let app = spawn_app_with_webhooks(api::deliverer::WebhookSettings {
        retry_delays: vec![Duration::from_millis(200); 2],
        ..test_webhooks()
    })
    .await;
    let measure = measure(&app).await;
    let (url, got) = receiver(2).await;
    let (endpoint, secret) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    record(&app, &measure, 0, &[10.0]).await;
    let received = wait_for(&got, 3).await;
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|r| r.id == received[0].id && verifies(&secret, r))
    );
    let deliveries = app
        .data(
            "query($id: ID!) { webhookEndpoint(id: $id) { failing deliveries { nodes { id state eventType attempts { status error } } } } }",
            json!({"id": endpoint}),
        )
        .await;
    let delivery = &deliveries["webhookEndpoint"]["deliveries"][0];
    assert_eq!(delivery["state"], "DELIVERED", "{deliveries}");
    assert_eq!(delivery["eventType"], "measure.points_recorded");
    assert_eq!(
        delivery["attempts"],
        json!([
            {"status": 500, "error": "answered 500"},
            {"status": 500, "error": "answered 500"},
            {"status": 204, "error": null},
        ])
    );
    // A replay sends it once more, with the same id.
    app.data(
        "mutation($id: ID!) { replayWebhookDelivery(id: $id) }",
        json!({"id": delivery["id"]}),
    )
    .await;
    let again = wait_for(&got, 4).await;
    assert_eq!(again[3].id, received[0].id);

    // A receiver that never answers 2xx fails after the retries; the endpoint says so.
    let (url, _) = receiver(usize::MAX).await;
    let (endpoint, _) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    record(&app, &measure, 1, &[10.0]).await;
    let mut state = Value::Null;
    for _ in 0..100 {
        state = app
            .data(
                "query($id: ID!) { webhookEndpoint(id: $id) { failing deliveries { nodes { state attempts { status } } } } }",
                json!({"id": endpoint}),
            )
            .await["webhookEndpoint"]
            .clone();
        if state["failing"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state["failing"], true, "{state}");
    assert_eq!(state["deliveries"][0]["state"], "FAILED");
    assert_eq!(
        state["deliveries"][0]["attempts"].as_array().unwrap().len(),
        3,
        "the first attempt and two retries"
    );
}

#[tokio::test]
async fn an_event_committed_while_no_server_delivers_is_delivered_after_a_restart() {
    let app = spawn_app_with_webhooks(api::deliverer::WebhookSettings {
        deliver: false,
        ..test_webhooks()
    })
    .await;
    let measure = measure(&app).await;
    let (url, got) = receiver(0).await;
    let (_, secret) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    record(&app, &measure, 0, &[10.0]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        got.got.lock().unwrap().is_empty(),
        "delivered with no deliverer"
    );
    // The server comes back (a replica that delivers, over the same database).
    let _restarted = app.another_server_with_webhooks(test_webhooks()).await;
    let received = wait_for(&got, 1).await;
    assert!(verifies(&secret, &received[0]));
    assert_eq!(received[0].json()["type"], "measure.points_recorded");
}

#[tokio::test]
async fn two_replicas_on_one_database_deliver_each_event_once() {
    let app = spawn_app().await;
    let _second = app.another_server_with_webhooks(test_webhooks()).await;
    let measure = measure(&app).await;
    let (url, got) = receiver(0).await;
    register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    for week in 0..30 {
        record(&app, &measure, week, &[10.0]).await;
    }
    wait_for(&got, 30).await;
    // Time for a second delivery of any event to arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ids: Vec<String> = got
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.id.clone())
        .collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 30, "{} POSTs for 30 events", ids.len());
    assert_eq!(unique.len(), 30);
}

#[tokio::test]
async fn endpoints_are_checked_and_administered_by_their_organisations_admins() {
    // A server with the default guard: no private addresses, https only.
    let strict = spawn_app_with_webhooks(api::deliverer::WebhookSettings::default()).await;
    for (url, says) in [
        ("https://127.0.0.1/hook", "--allow-private-webhooks"),
        ("https://localhost/hook", "--allow-private-webhooks"),
        ("https://169.254.169.254/latest", "--allow-private-webhooks"),
        ("http://example.org/hook", "--allow-insecure-webhooks"),
        ("ftp://example.org/hook", "must be https"),
    ] {
        let error = strict
            .error(
                "mutation($u: String!) { createWebhookEndpoint(input: {organisation: \"XQ1\", url: $u, eventTypes: [\"cycle.moved\"]}) { secret } }",
                json!({"u": url}),
            )
            .await;
        assert_eq!(code(&error), "VALIDATION", "{url}: {error}");
        assert_eq!(error["extensions"]["field"], "url", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{url}: {error}"
        );
    }
    let error = strict
        .error(
            "mutation { createWebhookEndpoint(input: {organisation: \"XQ1\", url: \"https://example.org/hook\", eventTypes: [\"measure.signal\", \"measure.wobbled\"]}) { secret } }",
            json!({}),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "eventTypes[1]", "{error}");

    let app = spawn_app().await;
    let (url, _) = receiver(0).await;
    let (id, first_secret) = register(&app, "XQ1", &url, &["cycle.moved"]).await;
    let listed = app
        .data(
            "{ organisation(id: \"XQ1\") { webhookEndpoints { nodes { id url paused version } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["organisation"]["webhookEndpoints"],
        json!([{"id": id, "url": url, "paused": false, "version": 1}])
    );
    let paused = app
        .data(
            "mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, expectedVersion: 1, paused: true, eventTypes: [\"cycle.moved\", \"project.closed\"]}) { paused version eventTypes } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        paused["updateWebhookEndpoint"],
        json!({"paused": true, "version": 2, "eventTypes": ["cycle.moved", "project.closed"]})
    );
    let stale = app
        .error(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id, expectedVersion: 1) { secret } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT");
    let rotated = app
        .data(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id, expectedVersion: 2) { secret endpoint { previousSecretUntil } } }",
            json!({"id": id}),
        )
        .await;
    let second_secret = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap();
    assert!(second_secret.starts_with("whsec_") && second_secret != first_secret);
    assert!(rotated["rotateWebhookSecret"]["endpoint"]["previousSecretUntil"].is_string());
    // A VIEWER of the organisation may not see or change its endpoints.
    let viewer = app.token_for("A viewer", "XQ1", "VIEWER", false).await;
    let refused = app
        .graphql_as(
            Some(&viewer),
            "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(code(&refused["errors"][0]), "FORBIDDEN", "{refused}");
    app.data(
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
        json!({"id": id}),
    )
    .await;
    let audit = app.audit_export();
    for operation in [
        "createWebhookEndpoint",
        "updateWebhookEndpoint",
        "rotateWebhookSecret",
        "deleteWebhookEndpoint",
    ] {
        assert!(
            audit.contains(operation),
            "{operation} is not in the audit trail"
        );
    }
}

#[tokio::test]
async fn a_cycle_move_a_publication_and_a_closed_project_are_told() {
    let app = spawn_app().await;
    let (project, measure) = project_and_measure(&app).await;
    let (url, got) = receiver(0).await;
    register(&app, "RX1", &url, &["cycle.moved", "project.closed"]).await;
    let cycle = app
        .data(
            "mutation($p: ID!, $m: ID!) { planCycle(input: {projectId: $p, changeIdea: \"Board round at 9\", objective: \"Earlier discharges\", predictions: [{measureId: $m, expectedValue: 8}]}) { id } }",
            json!({"p": project, "m": measure}),
        )
        .await["planCycle"]["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { advanceCycle(cycleId: $id, expectedVersion: 1, action: {start: {actualStart: \"2025-01-06\"}}) { cycle { id } } }",
        json!({"id": cycle}),
    )
    .await;
    let version = app
        .data(
            "query($id: ID!) { project(id: $id) { version } }",
            json!({"id": project}),
        )
        .await["project"]["version"]
        .clone();
    app.data(
        "mutation($id: ID!, $v: Int!) { closeProject(projectId: $id, expectedVersion: $v, reason: \"Aim met\") { id } }",
        json!({"id": project, "v": version}),
    )
    .await;
    let received: Vec<Value> = wait_for(&got, 2).await.iter().map(Received::json).collect();
    let moved = received
        .iter()
        .find(|b| b["type"] == "cycle.moved")
        .expect("cycle.moved");
    assert_eq!(moved["data"]["from"], "PLAN");
    assert_eq!(moved["data"]["to"], "DO");
    assert_eq!(moved["data"]["objectId"], cycle);
    assert_eq!(moved["data"]["version"], 2);
    let closed = received
        .iter()
        .find(|b| b["type"] == "project.closed")
        .expect("project.closed");
    assert_eq!(closed["data"]["reason"], "Aim met");
    assert_eq!(
        closed["data"]["link"],
        json!(format!("/#/project/{}", project.as_str().unwrap()))
    );
}

#[tokio::test]
async fn a_request_for_agreement_an_approval_and_a_comment_are_told() {
    let app = spawn_app().await;
    let ambulance = app
        .token_for("Ambulance admin", "RRU", "ADMIN", false)
        .await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    let (owner_url, owner_got) = receiver(0).await;
    register(
        &app,
        "RX1",
        &owner_url,
        &[
            "pathway.approval_requested",
            "pathway.approved",
            "comment.added",
        ],
    )
    .await;
    // The ambulance trust registers its own endpoint: it hears of the request once the draft
    // is put to it (before, it could not see the draft at all).
    let (ambulance_url, ambulance_got) = receiver(0).await;
    let made = app
        .graphql_as(
            Some(&ambulance),
            "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }",
            json!({"i": {"organisation": "RRU", "url": ambulance_url, "eventTypes": ["pathway.approval_requested"]}}),
        )
        .await;
    assert!(made["errors"].is_null(), "{made}");
    app.data(
        "mutation($id: ID!, $v: Int!) { requestPathwayAgreement(pathwayId: $id, expectedVersion: $v) { complete } }",
        json!({"id": pathway["id"], "v": pathway["version"]}),
    )
    .await;
    let approved = app
        .graphql_as(
            Some(&ambulance),
            "mutation($id: ID!, $v: Int!) { decidePathwayAgreement(input: {pathwayId: $id, expectedVersion: $v, decision: APPROVE}) { complete } }",
            json!({"id": pathway["id"], "v": pathway["version"]}),
        )
        .await;
    assert!(approved["errors"].is_null(), "{approved}");
    app.data(
        "mutation($id: ID!) { addComment(input: {pathwayId: $id, body: \"Thanks\"}) { id } }",
        json!({"id": pathway["id"]}),
    )
    .await;
    let received: Vec<Value> = wait_for(&owner_got, 3)
        .await
        .iter()
        .map(Received::json)
        .collect();
    let of = |kind: &str| {
        received
            .iter()
            .find(|b| b["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}: {received:?}"))
            .clone()
    };
    assert_eq!(
        of("pathway.approval_requested")["data"]["objectId"],
        pathway["id"]
    );
    assert_eq!(of("pathway.approved")["data"]["objectId"], pathway["id"]);
    let comment = of("comment.added");
    assert_eq!(comment["data"]["body"], "Thanks");
    assert_eq!(comment["data"]["about"], "PATHWAY");
    assert_eq!(comment["data"]["objectType"], "Comment");
    let theirs: Vec<Value> = wait_for(&ambulance_got, 1)
        .await
        .iter()
        .map(Received::json)
        .collect();
    assert_eq!(theirs[0]["type"], "pathway.approval_requested");
}

#[tokio::test]
async fn imports_that_land_or_fail_and_a_published_pathway_are_told() {
    let app = spawn_app().await;
    let (url, got) = receiver(0).await;
    register(
        &app,
        crate::helpers::BOOTSTRAP_ORGANISATION,
        &url,
        &["import.completed", "import.failed"],
    )
    .await;
    let log = app.event_log("March extract").await;
    let good = "case_id,activity,timestamp\nc1,ED_TRIAGE,2025-03-01T10:00:00Z\nc1,XRAY,2025-03-01T11:00:00Z\n";
    let (status, _) = app.upload(&log, "", good.as_bytes().to_vec()).await;
    assert_eq!(status, 200);
    let bad = "case_id,activity,timestamp\nc2,ED_TRIAGE,31/02/2024 25:00\n";
    let (status, _) = app.upload(&log, "", bad.as_bytes().to_vec()).await;
    assert_eq!(status, 422);
    let received: Vec<Value> = wait_for(&got, 2).await.iter().map(Received::json).collect();
    let completed = received
        .iter()
        .find(|b| b["type"] == "import.completed")
        .expect("import.completed");
    assert_eq!(completed["data"]["events"], 2);
    assert_eq!(completed["data"]["logId"], json!(log));
    let failed = received
        .iter()
        .find(|b| b["type"] == "import.failed")
        .expect("import.failed");
    assert_eq!(failed["data"]["status"], "FAILED");
    assert_eq!(failed["data"]["events"], 0);

    // The pathway's owner hears of its publication and archiving.
    let (url, got) = receiver(0).await;
    let pathway = app.import(&crate::helpers::example_document()).await;
    register(
        &app,
        "RX1",
        &url,
        &["pathway.published", "pathway.archived"],
    )
    .await;
    let published = app
        .data(
            "mutation($id: ID!, $v: Int!) { publishPathway(id: $id, expectedVersion: $v) { version } }",
            json!({"id": pathway["id"], "v": pathway["version"]}),
        )
        .await;
    app.data(
        "mutation($id: ID!, $v: Int!) { archivePathway(id: $id, expectedVersion: $v) { version } }",
        json!({"id": pathway["id"], "v": published["publishPathway"]["version"]}),
    )
    .await;
    let received: Vec<Value> = wait_for(&got, 2).await.iter().map(Received::json).collect();
    // Sent side by side, so in either order.
    let of = |kind: &str| {
        received
            .iter()
            .find(|b| b["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}: {received:?}"))
            .clone()
    };
    let told = of("pathway.published");
    assert_eq!(told["data"]["status"], "PUBLISHED");
    assert_eq!(
        told["data"]["version"],
        published["publishPathway"]["version"]
    );
    assert_eq!(told["data"]["objectId"], pathway["id"]);
    assert_eq!(of("pathway.archived")["data"]["status"], "ARCHIVED");
}

/// The README's receiver, run as it is printed there, verifies a real delivery (and refuses one
/// signed with another secret).
#[tokio::test]
async fn the_readmes_receiver_verifies_a_delivery() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let script = readme
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README's receiver");
    let file = tempfile::Builder::new().suffix(".py").tempfile().unwrap();
    std::fs::write(file.path(), script).unwrap();
    let app = spawn_app().await;
    let measure = measure(&app).await;
    // Registered twice: once with the receiver's secret, once with another.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let (_, secret) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    let mut receiver = std::process::Command::new("python3")
        .arg(file.path())
        .arg(&secret)
        .arg(port.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the README's receiver");
    // Its lines, read on a thread of their own.
    let (lines, printed_lines) = std::sync::mpsc::channel::<String>();
    let stdout = receiver.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // Up when it accepts a connection.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    record(&app, &measure, 0, &[10.0]).await;
    // Polled, not waited on: the server delivering runs on this test's one thread.
    let mut printed = Vec::new();
    for _ in 0..200 {
        printed.extend(printed_lines.try_iter());
        if printed.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.kill().ok();
    receiver.wait().ok();
    printed.sort();
    assert_eq!(
        printed,
        [
            "REFUSED measure.points_recorded",
            "verified measure.points_recorded"
        ]
    );
}

/// Delivery latency, from the event's commit time (the payload's `timestamp`) to its arrival,
/// for 1,000 events sent to one local receiver. A measurement, printed as a table (run with
/// `scripts/bench-webhooks.sh`), not a test.
#[tokio::test]
#[ignore = "a benchmark: scripts/bench-webhooks.sh"]
async fn delivery_latency_for_a_thousand_events() {
    // A thousand writes in a few seconds: more than the default rate limit allows one caller.
    let app = crate::helpers::spawn_app_limited(
        false,
        api::limits::Limits {
            points_per_minute: 10_000_000,
            ..Default::default()
        },
    )
    .await;
    let measure = measure(&app).await;
    let (url, got) = receiver(0).await;
    register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    let arrivals = Arc::new(Mutex::new(
        Vec::<(String, chrono::DateTime<chrono::Utc>)>::new(),
    ));
    let watcher = {
        let (got, arrivals) = (got.clone(), arrivals.clone());
        tokio::spawn(async move {
            let mut seen = 0;
            loop {
                let now = chrono::Utc::now();
                let new: Vec<Received> = got.got.lock().unwrap()[seen..].to_vec();
                seen += new.len();
                arrivals
                    .lock()
                    .unwrap()
                    .extend(new.into_iter().map(|r| (r.id, now)));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let started = std::time::Instant::now();
    for week in 0..1000 {
        record(&app, &measure, week, &[10.0]).await;
    }
    let received = wait_for(&got, 1000).await;
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(50)).await;
    watcher.abort();
    let arrived: std::collections::HashMap<String, chrono::DateTime<chrono::Utc>> =
        arrivals.lock().unwrap().iter().cloned().collect();
    let mut latencies: Vec<f64> = received
        .iter()
        .map(|r| {
            let sent: chrono::DateTime<chrono::Utc> =
                r.json()["timestamp"].as_str().unwrap().parse().unwrap();
            (arrived[&r.id] - sent).num_microseconds().unwrap() as f64 / 1000.0
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let backend = if app.database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("| store | events | p50 ms | p99 ms | max ms | recorded and delivered in |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| {backend} | {} | {:.1} | {:.1} | {:.1} | {:.1} s |",
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        elapsed.as_secs_f64()
    );
}

#[handler]
fn redirect_elsewhere() -> poem::Response {
    poem::Response::builder()
        .status(StatusCode::FOUND)
        .header("Location", "http://169.254.169.254/latest/meta-data")
        .finish()
}

/// After a rotation both secrets sign, so a receiver can change over; a redirect is an answer
/// (recorded, retried), never followed.
#[tokio::test]
async fn after_a_rotation_both_secrets_sign_and_a_redirect_is_not_followed() {
    let app = spawn_app_with_webhooks(api::deliverer::WebhookSettings {
        retry_delays: vec![],
        ..test_webhooks()
    })
    .await;
    let measure = measure(&app).await;
    let (url, got) = receiver(0).await;
    let (endpoint, old_secret) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    let rotated = app
        .data(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id, expectedVersion: 1) { secret } }",
            json!({"id": endpoint}),
        )
        .await;
    let new_secret = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap();
    record(&app, &measure, 0, &[10.0]).await;
    let received = wait_for(&got, 1).await;
    assert!(verifies(new_secret, &received[0]));
    assert!(verifies(&old_secret, &received[0]));
    assert_eq!(received[0].signature.split(' ').count(), 2);

    // An endpoint that answers with a redirect to a private address.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirecting = format!("http://{}/hook", listener.local_addr().unwrap());
    let std_listener = listener.into_std().unwrap();
    tokio::spawn(async move {
        let acceptor = poem::listener::TcpAcceptor::from_std(std_listener).unwrap();
        let _ = poem::Server::new_with_acceptor(acceptor)
            .run(Route::new().at("/hook", post(redirect_elsewhere)))
            .await;
    });
    let (endpoint, _) = register(&app, "RX1", &redirecting, &["measure.points_recorded"]).await;
    record(&app, &measure, 1, &[10.0]).await;
    let mut delivery = Value::Null;
    for _ in 0..100 {
        delivery = app
            .data(
                "query($id: ID!) { webhookEndpoint(id: $id) { deliveries { nodes { state attempts { status error } } } } }",
                json!({"id": endpoint}),
            )
            .await["webhookEndpoint"]["deliveries"][0]
            .clone();
        if delivery["state"] == "FAILED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        delivery,
        json!({"state": "FAILED", "attempts": [{"status": 302, "error": "answered 302"}]})
    );
}

/// A measure computed from an event log tells of the points an import gives it (and an import
/// that changes none of its points tells nothing).
#[tokio::test]
async fn a_measure_computed_from_a_log_tells_of_the_points_an_import_gives_it() {
    let app = spawn_app().await;
    let (project, _) = project_and_measure(&app).await;
    let log = app.event_log("Weekly feed").await;
    let version = app
        .data(
            "query($id: ID!) { project(id: $id) { version } }",
            json!({"id": project}),
        )
        .await["project"]["version"]
        .clone();
    let measure = app
        .data(
            "mutation($i: AddLogMeasureInput!) { addLogMeasure(input: $i) { measure { id } } }",
            json!({"i": {"projectId": project, "expectedVersion": version, "logId": log,
                "name": "Median hours referral to triage", "fromActivity": "Referral", "toActivity": "Triage",
                "statistic": "MEDIAN_TIME", "direction": "DECREASE", "allowUnseenActivities": true}}),
        )
        .await["addLogMeasure"]["measure"]["id"]
        .clone();
    let (url, got) = receiver(0).await;
    register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    let append = "mutation($log: ID!, $k: String!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: $k, events: $e) { import { events } } }";
    let e = |case: &str, activity: &str, t: &str| json!({"caseId": case, "activity": activity, "timestamp": t});
    app.data(
        append,
        json!({"log": log, "k": "first", "e": [
            e("a", "Referral", "2024-03-04T09:00:00Z"), e("a", "Triage", "2024-03-04T10:00:00Z"),
            e("b", "Referral", "2024-03-04T11:00:00Z"), e("b", "Triage", "2024-03-04T14:00:00Z"),
        ]}),
    )
    .await;
    // Events of other activities change none of the measure's points.
    app.data(
        append,
        json!({"log": log, "k": "second", "e": [e("c", "Discharge", "2024-03-05T09:00:00Z")]}),
    )
    .await;
    let received = wait_for(&got, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bodies: Vec<Value> = got.got.lock().unwrap().iter().map(Received::json).collect();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(received[0].json()["data"]["objectId"], measure);
    assert_eq!(bodies[0]["data"]["dates"], json!(["2024-03-04"]));
    assert_eq!(bodies[0]["data"]["points"], 1);
}

/// Events, deliveries and attempts older than the retention period are cleared, except what is
/// still to be delivered.
#[tokio::test]
async fn old_events_are_cleared_but_not_those_still_to_be_delivered() {
    let app = spawn_app_with_webhooks(api::deliverer::WebhookSettings {
        retry_delays: vec![Duration::from_secs(3600)],
        retention: Duration::ZERO,
        prune_every: Duration::from_millis(100),
        ..test_webhooks()
    })
    .await;
    let measure = measure(&app).await;
    let (url, got) = receiver(0).await;
    let (delivered, _) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    let (down, _) = receiver(usize::MAX).await;
    let (waiting, _) = register(&app, "RX1", &down, &["measure.points_recorded"]).await;
    record(&app, &measure, 0, &[10.0]).await;
    wait_for(&got, 1).await;
    let deliveries = |id: String| {
        let app = &app;
        async move {
            app.data(
                "query($id: ID!) { webhookEndpoint(id: $id) { deliveries { nodes { state } } } }",
                json!({"id": id}),
            )
            .await["webhookEndpoint"]["deliveries"]
                .clone()
        }
    };
    // The delivered one goes with its event once the event is no longer still to be delivered
    // anywhere: the event also waits for the endpoint that is down, so both stay.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        deliveries(waiting.clone()).await,
        json!([{"state": "PENDING"}])
    );
    assert_eq!(
        deliveries(delivered.clone()).await,
        json!([{"state": "DELIVERED"}])
    );
    // Deleting the endpoint that is down leaves nothing to wait for: the event is cleared.
    app.data(
        "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }",
        json!({"id": waiting}),
    )
    .await;
    let mut left = json!(null);
    for _ in 0..50 {
        left = deliveries(delivered.clone()).await;
        if left == json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, json!([]), "the delivered event was not cleared");
}

/// A `qiflow serve` process killed (SIGKILL) just after it committed a change, before its
/// delivery reached the receiver (which was not listening yet), delivers it after a restart.
#[tokio::test]
async fn a_server_killed_after_a_commit_delivers_its_event_after_a_restart() {
    // The test's own server delivers nothing: only the serve processes do.
    let app = spawn_app_with_webhooks(api::deliverer::WebhookSettings {
        deliver: false,
        ..test_webhooks()
    })
    .await;
    let measure = measure(&app).await;
    // A port for the receiver, not listening yet.
    let parked = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = parked.local_addr().unwrap();
    drop(parked);
    let url = format!("http://{address}/hook");
    let (_, secret) = register(&app, "RX1", &url, &["measure.points_recorded"]).await;
    let key = app.key_file.to_str().unwrap().to_string();
    let flags = ["--allow-private-webhooks", "--allow-insecure-webhooks"];
    let (mut first, first_address) =
        crate::crash::serve_with(&app.database_url, &key, &flags).await;
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let answer: Value = crate::helpers::client_with(&app.token)
        .post(format!("{first_address}/graphql"))
        .json(&json!({
            "query": "mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted } }",
            "variables": {"id": measure, "p": [{"date": start.to_string(), "value": 10.0}]},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    first.kill().ok();
    first.wait().ok();
    assert_eq!(
        answer["data"]["recordDataPoints"]["inserted"], 1,
        "{answer}"
    );
    let (_, got) = receiver_on(tokio::net::TcpListener::bind(address).await.unwrap(), 0);
    let (mut second, _) = crate::crash::serve_with(&app.database_url, &key, &flags).await;
    // Delivered at once, or at the retry 5 s after a first attempt that found no receiver, or,
    // had the kill landed inside that attempt (claimed, not yet recorded), when its 60 s claim
    // runs out.
    let received = wait_up_to(&got, 1, 750).await;
    second.kill().ok();
    second.wait().ok();
    assert!(verifies(&secret, &received[0]));
    assert_eq!(received[0].json()["type"], "measure.points_recorded");
}
