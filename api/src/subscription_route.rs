//! `GET /graphql/ws`: GraphQL subscriptions over WebSocket (graphql-transport-ws, and the older
//! subscriptions-transport-ws). The caller signs in with `connection_init`'s payload
//! (`{"Authorization": "Bearer ..."}`, the same token or OIDC JWT as HTTP; GraphiQL sends its
//! Headers tab there). Queries and mutations go through `POST /graphql`; here only
//! subscriptions, under the same depth and complexity limits. A principal may hold 100
//! connections (the 101st is closed with 4429), each 10 subscriptions; a connection whose token
//! is refused, revoked or expires is closed with 4403, and one that has not signed in within 10
//! seconds with 4408.

use crate::context::RequestContext;
use crate::graphql::QiflowSchema;
use crate::graphql::subscriptions::ConnectionSubscriptions;
use async_graphql::http::{WebSocketProtocols, WsMessage};
use async_graphql_poem::GraphQLProtocol;
use futures::{SinkExt, StreamExt};
use poem::web::Data;
use poem::web::websocket::{Message, WebSocket};
use poem::{IntoResponse, handler};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Most connections one principal may hold open.
pub const MAX_CONNECTIONS_PER_PRINCIPAL: usize = 100;
/// How often a connection's token is checked again.
const RECHECK: Duration = Duration::from_secs(5);
/// How often an idle connection is pinged (graphql-transport-ws `ping`, answered with `pong`;
/// `ka` in the older protocol), so proxies keep it open.
const PING: Duration = Duration::from_secs(20);
/// A graphql-transport-ws client silent this long (no pong, no message) is closed (4408 is the
/// protocol's; async-graphql says 3008).
const KEEPALIVE: Duration = Duration::from_secs(65);

static OPEN: LazyLock<Mutex<HashMap<Uuid, usize>>> = LazyLock::new(Default::default);

/// One of a principal's open connections; gives its place back when the connection ends.
struct Held(Uuid);

impl Held {
    fn take(principal: Uuid) -> Option<Self> {
        let mut open = OPEN.lock().ok()?;
        let n = open.entry(principal).or_default();
        if *n >= MAX_CONNECTIONS_PER_PRINCIPAL {
            return None;
        }
        *n += 1;
        Some(Held(principal))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Ok(mut open) = OPEN.lock()
            && let Some(n) = open.get_mut(&self.0)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.0);
            }
        }
    }
}

/// The `Authorization` the client sent in `connection_init`, as HTTP headers.
fn headers_of(payload: &serde_json::Value) -> poem::http::HeaderMap {
    let mut headers = poem::http::HeaderMap::new();
    let value = payload
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v)
        })
        .and_then(|v| v.as_str());
    if let Some(value) = value.and_then(|v| poem::http::HeaderValue::from_str(v).ok()) {
        headers.insert(poem::http::header::AUTHORIZATION, value);
    }
    headers
}

#[handler]
pub async fn subscriptions(
    schema: Data<&QiflowSchema>,
    db: Data<&DatabaseConnection>,
    oidc: Data<&crate::auth::Oidc>,
    protocol: GraphQLProtocol,
    websocket: WebSocket,
) -> impl IntoResponse {
    let schema = schema.0.clone();
    let db = db.0.clone();
    let oidc = oidc.0.clone();
    websocket
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, schema, db, oidc, protocol.0))
}

async fn serve(
    socket: poem::web::websocket::WebSocketStream,
    schema: QiflowSchema,
    db: DatabaseConnection,
    oidc: crate::auth::Oidc,
    protocol: WebSocketProtocols,
) {
    let (mut sink, stream) = socket.split();
    let incoming = stream
        .take_while(|m| futures::future::ready(m.is_ok()))
        .filter_map(|m| {
            futures::future::ready(match m {
                Ok(m) if m.is_text() || m.is_binary() => Some(m.into_bytes()),
                _ => None,
            })
        });
    // Who signed in, for checking again while the connection lasts.
    let signed_in: Arc<Mutex<Option<poem::http::HeaderMap>>> = Default::default();
    let kept = signed_in.clone();
    let init_db = db.clone();
    let init_oidc = oidc.clone();
    let on_init = move |payload: serde_json::Value| async move {
        let headers = headers_of(&payload);
        let caller = crate::auth::authenticate(&init_db, &headers, init_oidc.0.as_deref())
            .await
            .map_err(|_| async_graphql::Error::new("Forbidden: sign in with a valid token"))?;
        let mut data = async_graphql::Data::default();
        if let Some(principal) = caller.principal_id() {
            let held = Held::take(principal).ok_or_else(|| {
                async_graphql::Error::new(format!(
                    "Too many connections: at most {MAX_CONNECTIONS_PER_PRINCIPAL} a principal"
                ))
            })?;
            data.insert(Arc::new(held));
        }
        data.insert(RequestContext::new(caller, "subscription"));
        data.insert(Arc::new(ConnectionSubscriptions::default()));
        if let Ok(mut kept) = kept.lock() {
            *kept = Some(headers);
        }
        Ok(data)
    };
    let (ping, keepalive) = match protocol {
        WebSocketProtocols::GraphQLWS => (r#"{"type":"ping"}"#, Some(KEEPALIVE)),
        // The older protocol has no pong to wait for.
        WebSocketProtocols::SubscriptionsTransportWS => (r#"{"type":"ka"}"#, None),
    };
    let mut messages = async_graphql::http::WebSocket::new(schema, incoming, protocol)
        .on_connection_init(on_init)
        .keepalive_timeout(keepalive)
        .map(|m| match m {
            WsMessage::Text(text) => Message::text(text),
            // async-graphql closes a refused `connection_init` with 1002; graphql-transport-ws
            // says 4403 Forbidden, which clients act on (they stop retrying).
            WsMessage::Close(_, reason) if reason.starts_with("Forbidden") => {
                Message::close_with(4403u16, reason)
            }
            // Too many of the principal's connections: 4429, as for too many requests.
            WsMessage::Close(_, reason) if reason.starts_with("Too many connections") => {
                Message::close_with(4429u16, reason)
            }
            WsMessage::Close(code, reason) => Message::close_with(code, reason),
        });
    let started = tokio::time::Instant::now();
    let mut recheck = tokio::time::interval(RECHECK);
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    loop {
        tokio::select! {
            _ = pings.tick() => {
                if sink.send(Message::text(ping)).await.is_err() {
                    break;
                }
            }
            message = messages.next() => {
                let Some(message) = message else { break };
                if sink.send(message).await.is_err() {
                    break;
                }
            }
            _ = recheck.tick() => {
                let headers = signed_in.lock().ok().and_then(|h| h.clone());
                let close = match headers {
                    None if started.elapsed() > Duration::from_secs(10) => {
                        Some((4408, "Connection initialisation timeout"))
                    }
                    None => None,
                    Some(headers) => crate::auth::authenticate(&db, &headers, oidc.0.as_deref())
                        .await
                        .is_err()
                        .then_some((4403, "Forbidden: the token was revoked or has expired")),
                };
                if let Some((code, reason)) = close {
                    let _ = sink.send(Message::close_with(code, reason)).await;
                    break;
                }
            }
        }
    }
}
