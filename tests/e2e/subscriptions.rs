//! Issue 19: GraphQL subscriptions over WebSocket (graphql-transport-ws), signed in through
//! `connection_init`, scoped to what the caller may see, across replicas.

use crate::helpers::spawn_app;
use crate::webhooks::{BASELINE, measure, record};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection to `address`, signed in with `token`.
async fn connect(address: &str, token: &str) -> Socket {
    let socket = open(address).await;
    sign_in(socket, token).await
}

async fn open(address: &str) -> Socket {
    let url = format!("{}/graphql/ws", address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("a WebSocket connection");
    socket
}

async fn sign_in(mut socket: Socket, token: &str) -> Socket {
    socket
        .send(Message::text(
            json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})
                .to_string(),
        ))
        .await
        .unwrap();
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str) {
    socket
        .send(Message::text(
            json!({"id": id, "type": "subscribe", "payload": {"query": query}}).to_string(),
        ))
        .await
        .unwrap();
}

/// The next text message as JSON (pings answered), or panics after 20 s.
async fn next_json(socket: &mut Socket) -> Value {
    match next_within(socket, Duration::from_secs(20)).await {
        Some(Ok(v)) => v,
        other => panic!("no message: {other:?}"),
    }
}

/// The next text message as JSON, Err with a close frame's code, None when nothing came.
async fn next_within(socket: &mut Socket, wait: Duration) -> Option<Result<Value, u16>> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        match message {
            Ok(Message::Text(text)) => {
                let v: Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "ping" {
                    socket
                        .send(Message::text(json!({"type": "pong"}).to_string()))
                        .await
                        .ok();
                    continue;
                }
                return Some(Ok(v));
            }
            Ok(Message::Close(frame)) => return Some(Err(frame.map_or(1005, |f| f.code.into()))),
            Ok(_) => {}
            Err(_) => return Some(Err(1006)),
        }
    }
}

#[tokio::test]
async fn a_subscriber_hears_a_shift_and_nothing_of_an_organisation_it_cannot_see() {
    let app = spawn_app().await;
    let measure = measure(&app).await;
    record(&app, &measure, 0, &BASELINE).await;
    record(&app, &measure, 12, &[9.6; 6]).await;
    let mut mine = connect(&app.address, &app.token).await;
    subscribe(
        &mut mine,
        "1",
        "subscription { events(types: [\"measure.signal\"]) { eventId type timestamp data } }",
    )
    .await;
    let stranger = app
        .token_for("Other ICS system", "ZZ1", "ADMIN", true)
        .await;
    let mut theirs = connect(&app.address, &stranger).await;
    // Naming the first organisation (by its id) shows them nothing either.
    let rx1 = app.organisation_id("RX1").await;
    subscribe(&mut theirs, "1", "subscription { events { type data } }").await;
    subscribe(
        &mut theirs,
        "2",
        &format!("subscription {{ events(organisation: {rx1}) {{ type data }} }}"),
    )
    .await;
    // Give both subscriptions time to start before the change.
    tokio::time::sleep(Duration::from_millis(300)).await;
    record(&app, &measure, 18, &[9.6]).await;
    let got = next_json(&mut mine).await;
    assert_eq!(got["type"], "next", "{got}");
    let event = &got["payload"]["data"]["events"];
    assert_eq!(event["type"], "measure.signal");
    assert_eq!(event["data"]["rule"], "SHIFT_BELOW");
    assert_eq!(event["data"]["objectId"], json!(measure));
    assert_eq!(
        event["data"]["signal"]["points"].as_array().unwrap().len(),
        7
    );
    assert!(
        next_within(&mut theirs, Duration::from_secs(2))
            .await
            .is_none(),
        "an organisation that cannot see the measure heard of it"
    );
}

#[tokio::test]
async fn a_refused_or_revoked_token_closes_the_connection_with_4403() {
    let app = spawn_app().await;
    let mut refused = open(&app.address).await;
    refused
        .send(Message::text(
            json!({"type": "connection_init", "payload": {"Authorization": "Bearer qf_not_a_token"}})
                .to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_within(&mut refused, Duration::from_secs(10)).await,
        Some(Err(4403))
    );

    let token = app
        .token_for("Board dashboard", "XQ1", "VIEWER", true)
        .await;
    let mut socket = connect(&app.address, &token).await;
    subscribe(&mut socket, "1", "subscription { events { type } }").await;
    let tokens = app
        .data(
            "{ organisation(id: \"XQ1\") { tokens { nodes { id principal } } } }",
            json!({}),
        )
        .await;
    let id = tokens["organisation"]["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["principal"] == "Board dashboard")
        .expect("the dashboard's token")["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { revokeToken(tokenId: $id) }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(
        next_within(&mut socket, Duration::from_secs(15)).await,
        Some(Err(4403))
    );
}

#[tokio::test]
async fn a_connection_holds_at_most_ten_subscriptions() {
    let app = spawn_app().await;
    let mut socket = connect(&app.address, &app.token).await;
    for i in 0..11 {
        subscribe(
            &mut socket,
            &i.to_string(),
            "subscription { events { type } }",
        )
        .await;
    }
    // They start side by side, so whichever came last is refused, as an error on its stream.
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );
    assert!(
        refused.to_string().contains("at most 10 subscriptions"),
        "{refused}"
    );
    assert!(
        next_within(&mut socket, Duration::from_millis(500))
            .await
            .is_none_or(|m| m.is_ok_and(|m| m["type"] == "complete")),
        "more than one refused"
    );
    let refused_id = refused["id"].as_str().unwrap().to_string();
    let stop = if refused_id == "3" { "4" } else { "3" };
    // Stopping one frees its place.
    socket
        .send(Message::text(
            json!({"id": stop, "type": "complete"}).to_string(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    subscribe(&mut socket, "11", "subscription { events { type } }").await;
    // Only the stopped one's `complete` may come: no refusal.
    while let Some(message) = next_within(&mut socket, Duration::from_secs(1)).await {
        let message = message.expect("the connection stays open");
        assert_eq!(
            message,
            json!({"id": stop, "type": "complete"}),
            "the eleventh, after one stopped, was refused"
        );
    }
}

/// Two servers on one database: a point recorded through one reaches a subscriber of the
/// other (another process, so on PostgreSQL through LISTEN/NOTIFY). The time it took is
/// printed, not asserted (speed is measured, not tested).
#[tokio::test]
async fn a_point_recorded_through_one_server_reaches_a_subscriber_of_another() {
    let app = spawn_app().await;
    let measure = measure(&app).await;
    let (mut other, address) =
        crate::crash::serve(&app.database_url, app.key_file.to_str().unwrap()).await;
    let mut socket = connect(&address, &app.token).await;
    subscribe(
        &mut socket,
        "1",
        "subscription { events(types: [\"measure.points_recorded\"]) { type data } }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    record(&app, &measure, 0, &[10.0]).await;
    let got = next_json(&mut socket).await;
    eprintln!(
        "a point recorded through one server reached a subscriber of another in {} ms",
        started.elapsed().as_millis()
    );
    other.kill().ok();
    other.wait().ok();
    assert_eq!(
        got["payload"]["data"]["events"]["type"],
        "measure.points_recorded"
    );
    assert_eq!(
        got["payload"]["data"]["events"]["data"]["objectId"],
        json!(measure)
    );
}

#[tokio::test]
async fn a_principal_holds_at_most_a_hundred_connections() {
    let app = spawn_app().await;
    let token = app.token_for("Busy dashboard", "XQ1", "VIEWER", true).await;
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(connect(&app.address, &token).await);
    }
    let mut refused = open(&app.address).await;
    refused
        .send(Message::text(
            json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})
                .to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_within(&mut refused, Duration::from_secs(10)).await,
        Some(Err(4429)),
        "the 101st connection was accepted"
    );
    // Another principal is not held back, and a closed connection frees its place.
    connect(&app.address, &app.token).await;
    let mut first = held.remove(0);
    first.close(None).await.ok();
    drop(first);
    let mut again = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut socket = open(&app.address).await;
        socket
            .send(Message::text(
                json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})
                    .to_string(),
            ))
            .await
            .unwrap();
        if let Some(Ok(ack)) = next_within(&mut socket, Duration::from_secs(5)).await {
            again = Some(ack);
            break;
        }
    }
    assert_eq!(again.expect("a place freed")["type"], "connection_ack");
}

#[tokio::test]
async fn a_subscriber_hears_when_a_simulation_ends() {
    let app = spawn_app().await;
    let document: Value = serde_json::from_str(
        &std::fs::read_to_string("docs/examples/stroke-unit.json").expect("the example"),
    )
    .unwrap();
    let pathway = app.import(&document).await;
    let mut socket = connect(&app.address, &app.token).await;
    subscribe(
        &mut socket,
        "1",
        "subscription { events(types: [\"simulation.ended\"]) { type data } }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let run = app
        .data(
            "mutation($p: ID!) { simulate(pathwayId: $p, scenario: {patients: 2000}) { id } }",
            json!({"p": pathway["id"]}),
        )
        .await["simulate"]["id"]
        .clone();
    let got = next_json(&mut socket).await;
    let event = &got["payload"]["data"]["events"];
    assert_eq!(event["type"], "simulation.ended", "{got}");
    assert_eq!(event["data"]["objectType"], "Simulation");
    assert_eq!(event["data"]["objectId"], run);
    assert_eq!(event["data"]["status"], "FINISHED");
    assert_eq!(event["data"]["pathwayId"], pathway["id"]);
}
